#include "binding.hpp"

PYBIND11_MODULE(_core, m) {
    m.doc() = "scalemodel's C++ engine. Use the scalemodel package, not this module.";
    auto queueing = m.def_submodule("queueing", "Queueing-theory capacity models.");
    scalemodel::bindings::register_queueing(queueing);
    auto cost = m.def_submodule("cost", "Back-of-envelope estimation and cost calculators.");
    scalemodel::bindings::register_cost(cost);
    auto reliability = m.def_submodule("reliability", "Monte Carlo of failures, failover, partitions, replication and durability.");
    scalemodel::bindings::register_reliability(reliability);
}
