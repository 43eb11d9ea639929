#include "binding.hpp"

#include "scalemodel/core/progress.hpp"
#include "scalemodel/core/units.hpp"

PYBIND11_MODULE(_core, m) {
    m.doc() = "scalemodel's C++ engine. Use the scalemodel package, not this module.";
    m.attr("SECONDS_PER_DAY") = scalemodel::kSecondsPerDay;
    m.attr("SECONDS_PER_MONTH") = scalemodel::kSecondsPerMonth;
    m.attr("SECONDS_PER_YEAR") = scalemodel::kSecondsPerYear;
    scalemodel::bindings::register_progress(m);
    scalemodel::bindings::register_core(m);
    auto queueing = m.def_submodule("queueing", "Queueing-theory capacity models.");
    scalemodel::bindings::register_queueing(queueing);
    auto cost = m.def_submodule("cost", "Back-of-envelope estimation and cost calculators.");
    scalemodel::bindings::register_cost(cost);
    auto stats = m.def_submodule("stats", "Confidence intervals shared by the stochastic engines.");
    scalemodel::bindings::register_stats(stats);
    auto sim = m.def_submodule("sim", "Discrete-event simulation: stations, load balancers, rate limiters, message brokers and caches.");
    scalemodel::bindings::register_sim(sim);
    scalemodel::bindings::register_sim_broker(sim);
    scalemodel::bindings::register_sim_limiter(sim);
    scalemodel::bindings::register_sim_cache(sim);
    auto caching = m.def_submodule("caching", "Analytic cache models: Che's approximation, TTL caches, Zipf shares, write policies.");
    scalemodel::bindings::register_caching(caching);
    auto hashing = m.def_submodule("hashing", "Hash functions, placement schemes and distribution analysis.");
    scalemodel::bindings::register_hashing(hashing);
    auto reliability = m.def_submodule("reliability", "Monte Carlo of failures, failover, partitions, replication and durability.");
    scalemodel::bindings::register_reliability(reliability);
}
