#include "binding.hpp"

PYBIND11_MODULE(_core, m) {
    m.doc() = "scalemodel's C++ engine. Use the scalemodel package, not this module.";
    auto queueing = m.def_submodule("queueing", "Queueing-theory capacity models.");
    scalemodel::bindings::register_queueing(queueing);
    auto sim = m.def_submodule("sim", "Discrete-event simulation: stations and load balancers.");
    scalemodel::bindings::register_sim(sim);
}
