#include "binding.hpp"

PYBIND11_MODULE(_core, m) {
    m.doc() = "scalemodel's C++ engine. Use the scalemodel package, not this module.";
    auto queueing = m.def_submodule("queueing", "Queueing-theory capacity models.");
    scalemodel::bindings::register_queueing(queueing);
    auto hashing = m.def_submodule("hashing", "Hash functions, placement schemes and distribution analysis.");
    scalemodel::bindings::register_hashing(hashing);
}
