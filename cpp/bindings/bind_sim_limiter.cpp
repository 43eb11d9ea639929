#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "binding.hpp"
#include "scalemodel/core/run_spec.hpp"
#include "scalemodel/sim/limiter.hpp"

namespace scalemodel::bindings {

namespace {

namespace s = scalemodel::sim;

using bool_array = py::array_t<bool, py::array::c_style | py::array::forcecast>;

// A fresh array of n decisions and the byte pointer the engine writes them through.
std::pair<py::array_t<bool>, std::uint8_t*> decision_array(py::ssize_t n) {
    py::array_t<bool> decisions(n);
    return {decisions, reinterpret_cast<std::uint8_t*>(decisions.mutable_data())};
}

}  // namespace

void register_sim_limiter(py::module_& m) {
    m.attr("LIMITER_ALGORITHMS") = enum_names<s::LimiterKind>();
    m.attr("LIMITER_SPREADS") = enum_names<s::Spread>();

    bind_config<s::LimiterConfig>(m, "LimiterConfig", "One rate limiter; None settings take their defaults.")
        .def("resolved", &s::resolved, "A copy with the defaults filled in; raises ValueError when out of range.");
    bind_config<s::TraceSpec>(m, "TraceSpec",
                              "A trace over [0, duration_s) drawn from arrivals, or the adversarial one "
                              "(burst is its limit).");
    bind_config<s::ReplicatedArrivals>(m, "ReplicatedArrivals",
                                       "A trace drawn per replication, or fixed times every replication replays.")
        .def_property(
            "times",
            [](const s::ReplicatedArrivals& a) -> std::optional<py::array_t<double>> {
                if (!a.replay) return std::nullopt;
                return to_array(a.times);
            },
            [](s::ReplicatedArrivals& a, const std::optional<f64_array>& times) {
                a.replay = times.has_value();
                a.times.clear();
                if (times) a.times.assign(times->data(), times->data() + times->size());
            });
    bind_config<s::DistributedConfig, s::ReplicatedArrivals>(m, "DistributedConfig",
                                                             "Servers each enforcing a limiter on their share.");
    bind_config<s::RacyBucketConfig, s::ReplicatedArrivals>(m, "RacyBucketConfig",
                                                            "A token bucket read and written back non-atomically.");

    m.def(
        "limiter_run",
        [](const s::LimiterConfig& config, const f64_array& times, const std::optional<i64_array>& keys,
           bool compare_exact) {
            const s::LimiterConfig c = s::resolved(config);
            const py::ssize_t n = times.size();
            auto [decisions, out] = decision_array(n);
            const double* t = times.data();
            if (keys) common_size({n, keys->size()});
            const std::int64_t* key = keys ? keys->data() : nullptr;
            s::LimiterSummary r;
            s::KeyedSummary k;
            {
                py::gil_scoped_release release;
                s::check_sorted_times(t, n);
                if (key) {
                    k = s::run_keyed_limiter(c, t, key, n, out, compare_exact);
                    r = k.total;
                } else {
                    r = s::run_limiter(c, t, n, out, compare_exact);
                }
            }
            py::dict d = as_dict(k);
            d.attr("update")(as_dict(r));
            d["decisions"] = decisions;
            return d;
        },
        py::arg("config"), py::arg("times"), py::arg("keys"), py::arg("compare_exact"));

    m.def(
        "limiter_worst_window",
        [](const f64_array& times, const bool_array& admitted, double window_s) {
            const py::ssize_t n = common_size({times.size(), admitted.size()});
            const double* t = times.data();
            const auto* a = reinterpret_cast<const std::uint8_t*>(admitted.data());
            py::gil_scoped_release release;
            s::check_sorted_times(t, n);
            return s::worst_window(t, a, n, window_s);
        },
        py::arg("times"), py::arg("admitted"), py::arg("window_s"));

    m.def(
        "limiter_trace",
        [](const s::TraceSpec& spec, std::uint64_t seed) {
            std::vector<double> times;
            {
                py::gil_scoped_release release;
                Rng rng(seed, 0);
                times = s::make_trace(spec, rng);
            }
            return to_array(times);
        },
        py::arg("spec"), py::arg("seed"));

    def_simulation(m, "limiter_distributed", &s::simulate_distributed,
                   [](const std::vector<std::vector<double>>& r) { return named(s::distributed_metric_names(), r); });
    def_simulation(m, "limiter_racy_bucket", &s::simulate_racy_bucket,
                   [](const std::vector<std::vector<double>>& r) { return named(s::racy_metric_names(), r); });

    m.def(
        "limiter_racy_decisions",
        [](const s::RacyBucketConfig& config, const f64_array& times) {
            s::validate(config);
            const py::ssize_t n = times.size();
            auto [decisions, out] = decision_array(n);
            const double* t = times.data();
            {
                py::gil_scoped_release release;
                s::check_sorted_times(t, n);
                s::racy_token_bucket(config, t, n, out, nullptr);
            }
            return decisions;
        },
        py::arg("config"), py::arg("times"));
}

}  // namespace scalemodel::bindings
