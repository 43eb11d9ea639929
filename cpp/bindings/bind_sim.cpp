#include <cmath>
#include <string>
#include <utility>

#include "binding.hpp"
#include "scalemodel/core/check.hpp"
#include "scalemodel/core/histogram.hpp"
#include "scalemodel/core/stats.hpp"
#include "scalemodel/sim/cluster.hpp"

namespace scalemodel::bindings {

namespace {

namespace s = scalemodel::sim;

using u64_array = py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast>;

}  // namespace

void register_sim(py::module_& m) {
    m.attr("HISTOGRAM_RELATIVE_ERROR") = LogHistogram::kRelativeError;
    m.attr("MAX_QUEUED") = s::kMaxQueued;

    m.def(
        "simulate",
        [](const i64_array& servers, const f64_array& speed, const f64_array& weights, int policy, int choices,
           std::int64_t clients, double client_skew, double overhead, std::int64_t capacity, double timeout,
           const f64_array& outages, int arrival_kind, const f64_array& arrival_params, const f64_array& timestamps,
           const f64_array& service, std::int64_t customers, std::int64_t warmup, std::int64_t replications,
           std::uint64_t seed, int threads) {
            s::ClusterConfig c;
            c.servers.assign(servers.data(), servers.data() + servers.size());
            c.speed.assign(speed.data(), speed.data() + speed.size());
            c.weights.assign(weights.data(), weights.data() + weights.size());
            c.policy = static_cast<s::Policy>(policy);
            c.choices = choices;
            c.clients = clients;
            c.client_skew = client_skew;
            c.overhead = overhead;
            c.capacity = capacity;
            c.timeout = timeout;
            if (outages.size() % 4 != 0) throw std::invalid_argument("outages must be rows of 4 numbers");
            const double* o = outages.data();
            for (py::ssize_t i = 0; i + 3 < outages.size(); i += 4) {
                for (int k = 0; k < 2; ++k)
                    // Range-check before the cast: a double past 2^63 does not convert.
                    if (!(std::isfinite(o[i + k]) && o[i + k] == std::floor(o[i + k]) && std::abs(o[i + k]) < 1e15))
                        throw std::invalid_argument("outage backend and servers must be whole numbers below 1e15");
                c.outages.push_back({static_cast<std::int64_t>(o[i]), static_cast<std::int64_t>(o[i + 1]), o[i + 2],
                                     o[i + 3]});
            }
            if (arrival_kind < 0 || arrival_kind > 3) throw std::invalid_argument("unknown arrival process");
            if (arrival_params.size() != 4) throw std::invalid_argument("arrival_params must have 4 entries");
            c.arrivals.kind = static_cast<s::ArrivalKind>(arrival_kind);
            c.arrivals.rate = arrival_params.data()[0];
            c.arrivals.rate1 = arrival_params.data()[1];
            c.arrivals.mean0 = arrival_params.data()[2];
            c.arrivals.mean1 = arrival_params.data()[3];
            c.arrivals.times = timestamps.data();
            c.arrivals.n_times = timestamps.size();
            if (service.size() % 4 != 0 || service.size() == 0)
                throw std::invalid_argument("service must be rows of (weight, kind, mean, shape)");
            const double* sv = service.data();
            for (py::ssize_t i = 0; i + 3 < service.size(); i += 4) {
                const double kind = sv[i + 1];
                if (!(kind >= 0 && kind <= 3 && kind == std::floor(kind)))
                    throw std::invalid_argument("unknown service distribution kind");
                c.service.push_back({sv[i], static_cast<s::DistKind>(static_cast<int>(kind)), sv[i + 2], sv[i + 3]});
            }
            c.customers = customers;
            c.warmup = warmup;
            s::ClusterResult r;
            {
                py::gil_scoped_release release;
                r = s::simulate_cluster(c, replications, seed, threads);
            }
            py::dict out;
            out["metrics"] = named(s::metric_names(), r.metrics);
            out["backends"] = named(s::backend_names(), r.backends);
            out["servers"] = named(s::server_names(), r.servers);
            py::dict h;
            h["wait"] = to_array(r.wait.counts());
            h["response"] = to_array(r.response.counts());
            h["response_before"] = to_array(r.response_before.counts());
            h["response_after"] = to_array(r.response_after.counts());
            out["histograms"] = h;
            return out;
        },
        py::arg("servers"), py::arg("speed"), py::arg("weights"), py::arg("policy"), py::arg("choices"),
        py::arg("clients"), py::arg("client_skew"), py::arg("overhead"), py::arg("capacity"), py::arg("timeout"),
        py::arg("outages"), py::arg("arrival_kind"), py::arg("arrival_params"), py::arg("timestamps"),
        py::arg("service"), py::arg("customers"), py::arg("warmup"), py::arg("replications"), py::arg("seed"),
        py::arg("threads"));

    m.def(
        "histogram_quantile",
        [](const u64_array& counts, const f64_array& q) {
            if (counts.size() != LogHistogram::kBuckets)
                throw std::invalid_argument("counts must come from a simulation histogram");
            for (py::ssize_t i = 0; i < q.size(); ++i) check_probability("q", q.data()[i]);
            std::uint64_t total = 0;
            for (py::ssize_t i = 0; i < counts.size(); ++i) total += counts.data()[i];
            py::array_t<double> out(q.size());
            for (py::ssize_t i = 0; i < q.size(); ++i)
                out.mutable_data()[i] = LogHistogram::quantile_of(counts.data(), total, q.data()[i]);
            return out;
        },
        py::arg("counts"), py::arg("q"));

    m.def(
        "histogram_edges",
        []() {
            py::array_t<double> out(LogHistogram::kBuckets);
            for (int b = 0; b < LogHistogram::kBuckets; ++b) out.mutable_data()[b] = LogHistogram::representative(b);
            return out;
        });
}

}  // namespace scalemodel::bindings
