#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "binding.hpp"
#include "scalemodel/sim/limiter.hpp"

namespace scalemodel::bindings {

namespace {

namespace s = scalemodel::sim;

s::LimiterConfig limiter_config(int kind, std::int64_t limit, double window_s, double capacity, double refill_rate,
                                std::int64_t queue_size, double drain_rate) {
    if (kind < 0 || kind > 5) throw std::invalid_argument("unknown limiter algorithm");
    s::LimiterConfig c;
    c.kind = static_cast<s::LimiterKind>(kind);
    c.limit = limit;
    c.window_s = window_s;
    c.capacity = capacity;
    c.refill_rate = refill_rate;
    c.queue_size = queue_size;
    c.drain_rate = drain_rate;
    return c;
}

// trace = (rate, duration_s, on_s, off_s, burst, window_s, spread_s); kind -1 replays `times`.
s::TraceSpec trace_spec(int kind, const f64_array& trace) {
    if (kind < 0 || kind > 3) throw std::invalid_argument("unknown arrival trace kind");
    if (trace.size() != 7) throw std::invalid_argument("trace must have 7 entries");
    const double* p = trace.data();
    s::TraceSpec spec;
    spec.kind = static_cast<s::TraceKind>(kind);
    spec.rate = p[0];
    spec.duration_s = p[1];
    spec.on_s = p[2];
    spec.off_s = p[3];
    // The same range as LimiterConfig::limit (checked before the cast, which is UB out of range).
    if (!(p[4] >= 1.0 && p[4] <= 1099511627776.0 && p[4] == std::floor(p[4])))
        throw std::invalid_argument("limit must be a whole number in [1, 1099511627776], got " + std::to_string(p[4]));
    spec.burst = static_cast<std::int64_t>(p[4]);
    spec.window_s = p[5];
    spec.spread_s = p[6];
    return spec;
}

// A generated trace per replication (kind >= 0), or `times` replayed by every replication.
void set_arrivals(s::ReplicatedArrivals& arrivals, int kind, const f64_array& trace, const f64_array& times) {
    if (kind >= 0) {
        arrivals.trace = trace_spec(kind, trace);
    } else {
        arrivals.times = times.data();
        arrivals.n_times = times.size();
    }
}

}  // namespace

void register_sim_limiter(py::module_& m) {
    m.def(
        "limiter_run",
        [](int kind, std::int64_t limit, double window_s, double capacity, double refill_rate, std::int64_t queue_size,
           double drain_rate, const f64_array& times, const i64_array& keys, bool compare_exact) {
            const s::LimiterConfig c =
                s::resolved(limiter_config(kind, limit, window_s, capacity, refill_rate, queue_size, drain_rate));
            const py::ssize_t n = times.size();
            py::array_t<bool> decisions(n);
            auto* out = reinterpret_cast<std::uint8_t*>(decisions.mutable_data());
            const double* t = times.data();
            const bool keyed = keys.size() > 0;
            if (keyed) common_size({n, keys.size()});
            const std::int64_t* key = keys.data();
            s::LimiterSummary r;
            s::KeyedSummary k;
            {
                py::gil_scoped_release release;
                s::check_sorted_times(t, n);
                if (keyed) {
                    k = s::run_keyed_limiter(c, t, key, n, out, compare_exact);
                    r = k.total;
                } else {
                    r = s::run_limiter(c, t, n, out, compare_exact);
                }
            }
            py::dict d;
            d["distinct_keys"] = keyed ? k.distinct_keys : std::int64_t{-1};
            d["worst_key"] = k.worst_key;
            d["requests"] = r.requests;
            d["admitted"] = r.admitted;
            d["worst_window"] = r.worst_window;
            d["duration_s"] = r.duration_s;
            d["mean_delay_s"] = r.mean_delay_s;
            d["exact_admitted"] = r.exact_admitted;
            d["differing_decisions"] = r.differing_decisions;
            d["capacity"] = c.capacity;
            d["refill_rate"] = c.refill_rate;
            d["queue_size"] = c.queue_size;
            d["drain_rate"] = c.drain_rate;
            d["decisions"] = decisions;
            return d;
        },
        py::arg("kind"), py::arg("limit"), py::arg("window_s"), py::arg("capacity"), py::arg("refill_rate"),
        py::arg("queue_size"), py::arg("drain_rate"), py::arg("times"), py::arg("keys"), py::arg("compare_exact"));

    m.def(
        "limiter_worst_window",
        [](const f64_array& times, const py::array_t<bool, py::array::c_style | py::array::forcecast>& admitted,
           double window_s) {
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
        [](int kind, const f64_array& trace, std::uint64_t seed) {
            const s::TraceSpec spec = trace_spec(kind, trace);
            std::vector<double> times;
            {
                py::gil_scoped_release release;
                Rng rng(seed, 0);
                times = s::make_trace(spec, rng);
            }
            return to_array(times);
        },
        py::arg("kind"), py::arg("trace"), py::arg("seed"));

    m.def(
        "limiter_distributed",
        [](int kind, std::int64_t limit, double window_s, double capacity, double refill_rate, std::int64_t queue_size,
           double drain_rate, std::int64_t servers, bool random_spread, int trace_kind, const f64_array& trace,
           const f64_array& times, std::int64_t replications, std::uint64_t seed, int threads) {
            s::DistributedConfig c;
            c.limiter = limiter_config(kind, limit, window_s, capacity, refill_rate, queue_size, drain_rate);
            c.servers = servers;
            c.random_spread = random_spread;
            set_arrivals(c, trace_kind, trace, times);
            std::vector<std::vector<double>> metrics;
            {
                py::gil_scoped_release release;
                metrics = s::simulate_distributed(c, replications, seed, threads);
            }
            return named(s::distributed_metric_names(), metrics);
        },
        py::arg("kind"), py::arg("limit"), py::arg("window_s"), py::arg("capacity"), py::arg("refill_rate"),
        py::arg("queue_size"), py::arg("drain_rate"), py::arg("servers"), py::arg("random_spread"),
        py::arg("trace_kind"), py::arg("trace"), py::arg("times"), py::arg("replications"), py::arg("seed"),
        py::arg("threads"));

    m.def(
        "limiter_racy_bucket",
        [](double capacity, double refill_rate, double rmw_delay_s, int trace_kind, const f64_array& trace,
           const f64_array& times, std::int64_t replications, std::uint64_t seed, int threads) {
            s::RacyBucketConfig c;
            c.capacity = capacity;
            c.refill_rate = refill_rate;
            c.rmw_delay_s = rmw_delay_s;
            set_arrivals(c, trace_kind, trace, times);
            std::vector<std::vector<double>> metrics;
            {
                py::gil_scoped_release release;
                metrics = s::simulate_racy_bucket(c, replications, seed, threads);
            }
            return named(s::racy_metric_names(), metrics);
        },
        py::arg("capacity"), py::arg("refill_rate"), py::arg("rmw_delay_s"), py::arg("trace_kind"), py::arg("trace"),
        py::arg("times"), py::arg("replications"), py::arg("seed"), py::arg("threads"));

    m.def(
        "limiter_racy_decisions",
        [](double capacity, double refill_rate, double rmw_delay_s, const f64_array& times) {
            s::RacyBucketConfig c;
            c.capacity = capacity;
            c.refill_rate = refill_rate;
            c.rmw_delay_s = rmw_delay_s;
            s::validate(c);
            const py::ssize_t n = times.size();
            py::array_t<bool> decisions(n);
            auto* out = reinterpret_cast<std::uint8_t*>(decisions.mutable_data());
            const double* t = times.data();
            {
                py::gil_scoped_release release;
                s::check_sorted_times(t, n);
                s::racy_token_bucket(c, t, n, out, nullptr);
            }
            return decisions;
        },
        py::arg("capacity"), py::arg("refill_rate"), py::arg("rmw_delay_s"), py::arg("times"));
}

}  // namespace scalemodel::bindings
