#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "binding.hpp"
#include "scalemodel/core/run_spec.hpp"
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

}  // namespace

void register_sim_broker(py::module_& m) {
    m.attr("MAX_BACKLOG") = s::kMaxBacklog;

    m.attr("ASSIGNORS") = enum_names<s::Assignor>();
    m.attr("BROKER_SERVICES") = enum_names<s::BrokerService>();

    m.def(
        "assign_partitions",
        [](std::int64_t partitions, std::int64_t consumers, const std::string& strategy,
           const std::vector<std::int64_t>& previous) {
            return to_array(
                s::assign_partitions(partitions, consumers, parse_enum<s::Assignor>(strategy, "strategy"), previous));
        },
        py::arg("partitions"), py::arg("consumers"), py::arg("strategy"), py::arg("previous"));

    using Config = s::ConsumerGroupConfig;
    bind_config<Config>(m, "ConsumerGroupConfig", "A partitioned topic read by one consumer group.")
        .def_property(
            "events",
            [](const Config& c) {
                std::vector<std::pair<double, std::int64_t>> out;
                for (const auto& e : c.events) out.emplace_back(e.time, e.change);
                return out;
            },
            [](Config& c, const std::vector<std::pair<double, std::int64_t>>& events) {
                c.events.clear();
                for (const auto& [time, change] : events) c.events.push_back({time, change});
            },
            "(time_s, change) pairs: change members join (> 0) or leave (< 0).");

    def_simulation(m, "simulate_consumer_group", &s::simulate_consumer_group, [](const s::ConsumerGroupResult& r) {
        py::dict out;
        out["metrics"] = named(s::broker_metric_names(), r.metrics);
        out["busy_fraction"] = to_matrix(r.busy_fraction, r.replications);
        out["partition_lag"] = to_matrix(r.partition_lag, r.replications);
        out["sample_times"] = to_array(r.sample_times);
        out["lag_series"] = to_matrix(r.lag_series, r.replications);
        out["final_owner"] = to_array(r.final_owner);
        out["latency"] = to_array(r.latency.counts());
        return out;
    });
}

}  // namespace scalemodel::bindings
