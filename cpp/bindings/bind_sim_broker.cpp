#include <cmath>
#include <string>
#include <utility>

#include "binding.hpp"
#include "scalemodel/core/check.hpp"
#include "scalemodel/sim/broker.hpp"

namespace scalemodel::bindings {

namespace {

namespace s = scalemodel::sim;

// rows x replications as a 2-D array.
py::array_t<double> to_matrix(const std::vector<std::vector<double>>& rows, std::int64_t replications) {
    py::array_t<double> out({static_cast<py::ssize_t>(rows.size()), static_cast<py::ssize_t>(replications)});
    double* d = out.mutable_data();
    for (const auto& row : rows) d = std::copy(row.begin(), row.end(), d);
    return out;
}

std::vector<double> to_vector(const f64_array& a) { return std::vector<double>(a.data(), a.data() + a.size()); }

s::Assignor assignor(int kind) {
    if (kind < 0 || kind > 2) throw std::invalid_argument("assignment must be range, round_robin or sticky");
    return static_cast<s::Assignor>(kind);
}

}  // namespace

void register_sim_broker(py::module_& m) {
    m.attr("MAX_BACKLOG") = s::kMaxBacklog;

    m.def(
        "assign_partitions",
        [](std::int64_t partitions, std::int64_t consumers, int kind, const i64_array& previous) {
            std::vector<std::int64_t> prev(previous.data(), previous.data() + previous.size());
            return to_array(s::assign_partitions(partitions, consumers, assignor(kind), prev));
        },
        py::arg("partitions"), py::arg("consumers"), py::arg("assignor"), py::arg("previous"));

    m.def(
        "simulate_consumer_group",
        [](std::int64_t partitions, std::int64_t consumers, double produce_rate, double consume_rate, int service,
           int kind, const f64_array& profile_times, const f64_array& profile_rates, const f64_array& weights,
           const f64_array& event_times, const i64_array& event_changes, double rebalance_s, double duration_s,
           double warmup_s, double sample_interval_s, double drain_from_s, double drain_threshold,
           std::int64_t replications, std::uint64_t seed, int threads) {
            s::ConsumerGroupConfig c;
            c.partitions = partitions;
            c.consumers = consumers;
            c.produce_rate = produce_rate;
            c.consume_rate = consume_rate;
            if (service < 0 || service > 1) throw std::invalid_argument("service must be exponential or deterministic");
            c.service = static_cast<s::BrokerService>(service);
            c.assignor = assignor(kind);
            c.profile_times = to_vector(profile_times);
            c.profile_rates = to_vector(profile_rates);
            c.partition_weights = to_vector(weights);
            common_size({event_times.size(), event_changes.size()});
            for (py::ssize_t i = 0; i < event_times.size(); ++i)
                c.events.push_back({event_times.data()[i], event_changes.data()[i]});
            c.rebalance_s = rebalance_s;
            c.duration_s = duration_s;
            c.warmup_s = warmup_s;
            c.sample_interval_s = sample_interval_s;
            c.drain_from_s = drain_from_s;
            c.drain_threshold = drain_threshold;
            s::ConsumerGroupResult r;
            {
                py::gil_scoped_release release;
                r = s::simulate_consumer_group(c, replications, seed, threads);
            }
            py::dict out;
            out["metrics"] = named(s::broker_metric_names(), r.metrics);
            out["busy_fraction"] = to_matrix(r.busy_fraction, r.replications);
            out["partition_lag"] = to_matrix(r.partition_lag, r.replications);
            out["sample_times"] = to_array(r.sample_times);
            out["lag_series"] = to_matrix(r.lag_series, r.replications);
            out["final_owner"] = to_array(r.final_owner);
            out["latency"] = to_array(r.latency.counts());
            return out;
        },
        py::arg("partitions"), py::arg("consumers"), py::arg("produce_rate"), py::arg("consume_rate"),
        py::arg("service"), py::arg("assignor"), py::arg("profile_times"), py::arg("profile_rates"),
        py::arg("weights"), py::arg("event_times"), py::arg("event_changes"), py::arg("rebalance_s"),
        py::arg("duration_s"), py::arg("warmup_s"), py::arg("sample_interval_s"), py::arg("drain_from_s"),
        py::arg("drain_threshold"), py::arg("replications"), py::arg("seed"), py::arg("threads"));
}

}  // namespace scalemodel::bindings
