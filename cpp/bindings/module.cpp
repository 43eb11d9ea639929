#include <vector>

#include "binding.hpp"

#include "scalemodel/core/progress.hpp"
#include "scalemodel/core/units.hpp"

PYBIND11_MODULE(_core, m) {
    m.doc() = "scalemodel's C++ engine. Use the scalemodel package, not this module.";
    m.attr("SECONDS_PER_DAY") = scalemodel::kSecondsPerDay;
    m.attr("SECONDS_PER_MONTH") = scalemodel::kSecondsPerMonth;
    m.attr("SECONDS_PER_YEAR") = scalemodel::kSecondsPerYear;
    namespace b = scalemodel::bindings;
    b::register_progress(m);
    b::register_core(m);
    using Register = void (*)(pybind11::module_&);
    struct Submodule {
        const char* name;
        const char* doc;
        std::vector<Register> parts;
    };
    const Submodule submodules[] = {
        {"queueing", "Queueing-theory capacity models.", {b::register_queueing}},
        {"cost", "Back-of-envelope estimation and cost calculators.", {b::register_cost}},
        {"stats", "Confidence intervals shared by the stochastic engines, and the special functions of the calibration fits.", {b::register_stats}},
        {"sim", "Discrete-event simulation: stations, load balancers, rate limiters, message brokers, caches and systems.",
         {b::register_sim, b::register_sim_broker, b::register_sim_limiter, b::register_sim_cache,
          b::register_sim_system}},
        {"caching", "Analytic cache models: Che's approximation, TTL caches, Zipf shares, write policies.",
         {b::register_caching}},
        {"hashing", "Hash functions, placement schemes and distribution analysis.", {b::register_hashing}},
        {"reliability", "Monte Carlo of failures, failover, partitions, replication and durability.",
         {b::register_reliability}},
    };
    for (const auto& sub : submodules) {
        auto module = m.def_submodule(sub.name, sub.doc);
        for (Register part : sub.parts) part(module);
    }
}
