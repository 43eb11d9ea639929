#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "binding.hpp"
#include "scalemodel/core/run_spec.hpp"
#include "scalemodel/core/stats.hpp"
#include "scalemodel/reliability/availability.hpp"
#include "scalemodel/reliability/durability.hpp"
#include "scalemodel/reliability/quorum.hpp"
#include "scalemodel/reliability/replication.hpp"

namespace scalemodel::bindings {

namespace {

namespace r = scalemodel::reliability;

py::dict summary_dict(const r::Summary& s) {
    py::dict val;
    for (const auto& v : s.values) val[py::str(v.first)] = v.second;
    py::dict out;
    out["metrics"] = named(s.names, s.metrics);
    out["values"] = val;
    return out;
}

// Binds `simulate(config, run)`: runs the study with the GIL released and converts its
// per-replication metrics and values with the GIL held.
template <class Config>
void def_study(py::module_& m, const char* name, r::Summary (*sim)(const Config&, const RunSpec&)) {
    m.def(
        name,
        [sim](const Config& config, const RunSpec& run) {
            r::Summary s;
            {
                py::gil_scoped_release release;
                s = sim(config, run);
            }
            return summary_dict(s);
        },
        py::arg("config"), py::arg("run"));
}

py::dict loss_dict(const r::LossBounds& b) {
    py::dict out;
    out["expected_per_crash"] = b.expected_per_crash;
    out["worst_per_crash"] = b.worst_per_crash;
    out["backlog_growth_per_s"] = b.backlog_growth_per_s;
    return out;
}

}  // namespace

void register_reliability(py::module_& m) {
    m.def(
        "k_of_n",
        [](const i64_array& k, const i64_array& n, const f64_array& a, bool unavailability) {
            const py::ssize_t len = common_size({k.size(), n.size(), a.size()});
            py::array_t<double> out(len);
            double* o = out.mutable_data();
            const std::int64_t *pk = k.data(), *pn = n.data();
            const double* pa = a.data();
            for_each_element(len, [&](py::ssize_t i) {
                o[i] = unavailability ? r::k_of_n_unavailability(pk[i], pn[i], pa[i]) : r::k_of_n(pk[i], pn[i], pa[i]);
            });
            return out;
        },
        py::arg("k"), py::arg("n"), py::arg("availability"), py::arg("unavailability"));
    m.def(
        "pbs_k_staleness",
        [](const i64_array& n, const i64_array& rr, const i64_array& w, const i64_array& k) {
            return map_elements<double>(r::pbs_k_staleness, n, rr, w, k);
        },
        py::arg("n"), py::arg("r"), py::arg("w"), py::arg("k"));
    m.def(
        "ctmc_availability",
        [](std::int64_t k, std::int64_t n, double failure_rate, double repair_rate, std::int64_t crews) {
            r::CtmcAvailability c;
            {
                py::gil_scoped_release release;
                c = r::ctmc_availability(k, n, failure_rate, repair_rate, crews);
            }
            py::dict out;
            out["availability"] = c.availability;
            out["unavailability"] = c.unavailability;
            out["mean_components_up"] = c.mean_components_up;
            out["failure_frequency"] = c.failure_frequency;
            out["mean_outage_s"] = c.mean_outage_s;
            return out;
        },
        py::arg("k"), py::arg("n"), py::arg("failure_rate"), py::arg("repair_rate"), py::arg("repair_crews"));
    py::class_<r::AvailabilityConfig>(m, "AvailabilityConfig", "A k-of-n system of repairable components in zones.")
        .def(py::init<>())
        .def_readwrite("n", &r::AvailabilityConfig::n)
        .def_readwrite("k", &r::AvailabilityConfig::k)
        .def_readwrite("lifetime", &r::AvailabilityConfig::lifetime)
        .def_readwrite("repair", &r::AvailabilityConfig::repair)
        .def_readwrite("replacement_s", &r::AvailabilityConfig::replacement_s)
        .def_readwrite("zones", &r::AvailabilityConfig::zones)
        .def_readwrite("zone_failures_per_year", &r::AvailabilityConfig::zone_failures_per_year)
        .def_readwrite("zone_outage", &r::AvailabilityConfig::zone_outage)
        .def_readwrite("horizon_s", &r::AvailabilityConfig::horizon_s);
    def_study(m, "simulate_availability", &r::simulate_availability);

    py::class_<r::QuorumConfig>(m, "QuorumConfig", "N/R/W quorum replication with random network legs (WARS).")
        .def(py::init<>())
        .def_readwrite("n", &r::QuorumConfig::n)
        .def_readwrite("r", &r::QuorumConfig::r)
        .def_readwrite("w", &r::QuorumConfig::w)
        .def_readwrite("write_latency", &r::QuorumConfig::write_latency)
        .def_readwrite("read_latency", &r::QuorumConfig::read_latency)
        .def_readwrite("replica_down_prob", &r::QuorumConfig::replica_down_prob)
        .def_readwrite("t", &r::QuorumConfig::t)
        .def_readwrite("requests", &r::QuorumConfig::requests);
    def_study(m, "t_visibility", &r::t_visibility);

    py::class_<r::FailoverConfig>(m, "FailoverConfig", "Heartbeat detection, election and re-routing of a primary.")
        .def(py::init<>())
        .def_readwrite("heartbeat_interval_s", &r::FailoverConfig::heartbeat_interval_s)
        .def_readwrite("missed_beats", &r::FailoverConfig::missed_beats)
        .def_readwrite("election", &r::FailoverConfig::election)
        .def_readwrite("routing", &r::FailoverConfig::routing)
        .def_readwrite("replication_lag", &r::FailoverConfig::replication_lag)
        .def_readwrite("write_rate", &r::FailoverConfig::write_rate)
        .def_readwrite("failures_per_year", &r::FailoverConfig::failures_per_year)
        .def_readwrite("trials", &r::FailoverConfig::trials);
    def_study(m, "simulate_failover", &r::simulate_failover);

    m.attr("REMEDIES") = r::remedy_names();
    py::class_<r::StaleReadConfig>(m, "StaleReadConfig", "Read-your-writes after a write, with a remedy.")
        .def(py::init<>())
        .def_readwrite("lag", &r::StaleReadConfig::lag)
        .def_readwrite("think_time", &r::StaleReadConfig::think_time)
        .def_property(
            "remedy", [](const r::StaleReadConfig& c) { return std::string(r::remedy_name(c.remedy)); },
            [](r::StaleReadConfig& c, const std::string& name) { c.remedy = r::parse_remedy(name); })
        .def_readwrite("sticky_window_s", &r::StaleReadConfig::sticky_window_s)
        .def_readwrite("attempts", &r::StaleReadConfig::attempts)
        .def_readwrite("retry_interval_s", &r::StaleReadConfig::retry_interval_s)
        .def_readwrite("requests", &r::StaleReadConfig::requests);
    def_study(m, "simulate_stale_reads", &r::simulate_stale_reads);

    py::class_<r::PartitionConfig>(m, "PartitionConfig", "Reads in one data centre while the link partitions.")
        .def(py::init<>())
        .def_readwrite("partitions_per_day", &r::PartitionConfig::partitions_per_day)
        .def_readwrite("duration", &r::PartitionConfig::duration)
        .def_readwrite("convergence", &r::PartitionConfig::convergence)
        .def_readwrite("remote_write_rate", &r::PartitionConfig::remote_write_rate)
        .def_readwrite("horizon_s", &r::PartitionConfig::horizon_s)
        .def_readwrite("reads", &r::PartitionConfig::reads);
    def_study(m, "simulate_partition", &r::simulate_partition);

    m.def(
        "write_behind_loss",
        [](double rate, double interval, double duration, double batch) {
            return loss_dict(r::write_behind_loss(rate, interval, duration, batch));
        },
        py::arg("write_rate"), py::arg("flush_interval_s"), py::arg("flush_duration_s"), py::arg("batch_size"));
    m.def(
        "aof_loss", [](double rate, const std::string& fsync) { return loss_dict(r::aof_loss(rate, fsync)); },
        py::arg("write_rate"), py::arg("fsync"));

    py::class_<r::RdbConfig>(m, "RdbConfig", "Redis RDB save rules under Poisson writes.")
        .def(py::init<>())
        .def_readwrite("write_rate", &r::RdbConfig::write_rate)
        .def_readwrite("rules", &r::RdbConfig::rules)
        .def_readwrite("cycles", &r::RdbConfig::cycles);
    def_study(m, "simulate_rdb", &r::simulate_rdb);

    py::class_<r::KafkaConfig>(m, "KafkaConfig", "One Kafka partition under broker failures.")
        .def(py::init<>())
        .def_property(
            "acks", [](const r::KafkaConfig& c) { return r::acks_name(c.acks); },
            [](r::KafkaConfig& c, const std::string& name) { c.acks = r::parse_acks(name); })
        .def_readwrite("replication_factor", &r::KafkaConfig::replication_factor)
        .def_readwrite("min_insync_replicas", &r::KafkaConfig::min_insync_replicas)
        .def_readwrite("unclean_leader_election", &r::KafkaConfig::unclean_leader_election)
        .def_readwrite("broker_mtbf_s", &r::KafkaConfig::broker_mtbf_s)
        .def_readwrite("broker_repair", &r::KafkaConfig::broker_repair)
        .def_readwrite("follower_lag", &r::KafkaConfig::follower_lag)
        .def_readwrite("producer_window_s", &r::KafkaConfig::producer_window_s)
        .def_readwrite("message_rate", &r::KafkaConfig::message_rate)
        .def_readwrite("horizon_s", &r::KafkaConfig::horizon_s);
    def_study(m, "simulate_kafka", &r::simulate_kafka);
}

}  // namespace scalemodel::bindings
