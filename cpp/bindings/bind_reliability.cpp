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

// Binds the config as `config_name` and `simulate(config, run)` as `name`.
template <class Config>
void def_study(py::module_& m, const char* config_name, const char* doc, const char* name,
               r::Summary (*simulate)(const Config&, const RunSpec&)) {
    bind_config<Config>(m, config_name, doc);
    def_simulation(m, name, simulate, summary_dict);
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
    def_vectorized(m, "pbs_k_staleness", &r::pbs_k_staleness, py::arg("n"), py::arg("r"), py::arg("w"), py::arg("k"));
    m.def(
        "ctmc_availability",
        [](std::int64_t k, std::int64_t n, double failure_rate, double repair_rate, std::int64_t crews) {
            return as_dict(without_gil([&] { return r::ctmc_availability(k, n, failure_rate, repair_rate, crews); }));
        },
        py::arg("k"), py::arg("n"), py::arg("failure_rate"), py::arg("repair_rate"), py::arg("repair_crews"));
    def_study(m, "AvailabilityConfig", "A k-of-n system of repairable components in zones.", "simulate_availability",
              &r::simulate_availability);
    def_study(m, "QuorumConfig", "N/R/W quorum replication with random network legs (WARS).", "t_visibility",
              &r::t_visibility);
    def_study(m, "FailoverConfig", "Heartbeat detection, election and re-routing of a primary.", "simulate_failover",
              &r::simulate_failover);
    m.attr("REMEDIES") = enum_names<r::Remedy>();
    def_study(m, "StaleReadConfig", "Read-your-writes after a write, with a remedy.", "simulate_stale_reads",
              &r::simulate_stale_reads);
    def_study(m, "PartitionConfig", "Reads in one data centre while the link partitions.", "simulate_partition",
              &r::simulate_partition);

    m.def(
        "write_behind_loss",
        [](double rate, double interval, double duration, double batch) {
            return as_dict(r::write_behind_loss(rate, interval, duration, batch));
        },
        py::arg("write_rate"), py::arg("flush_interval_s"), py::arg("flush_duration_s"), py::arg("batch_size"));
    m.def(
        "aof_loss",
        [](double rate, const std::string& fsync, const std::string& crash) {
            return as_dict(r::aof_loss(rate, parse_enum<r::Fsync>(fsync), parse_enum<r::Crash>(crash)));
        },
        py::arg("write_rate"), py::arg("fsync"), py::arg("crash") = "machine");

    bind_config<r::RdbScheduleConfig>(m, "RdbScheduleConfig", "Redis RDB saves on Redis's own schedule (whole-second clock, cron ticks).");
    m.def(
        "rdb_schedule",
        [](const r::RdbScheduleConfig& c) {
            const r::RdbSchedule s = r::rdb_schedule(c);
            return named({"start_s", "done_s", "reaped_s", "writes"}, std::vector<std::vector<double>>{s.start_s, s.done_s, s.reaped_s, s.writes});
        },
        py::arg("config"));
    m.def(
        "rdb_crash_loss",
        [](const r::RdbScheduleConfig& c, const std::vector<double>& crash_s) {
            const r::RdbCrashLoss l = r::rdb_crash_loss(c, crash_s);
            return named({"lost", "snapshot_s"}, std::vector<std::vector<double>>{l.lost, l.snapshot_s});
        },
        py::arg("config"), py::arg("crash_s"));
    def_study(m, "RdbConfig", "Redis RDB save rules under Poisson writes.", "simulate_rdb", &r::simulate_rdb);
    def_study(m, "KafkaConfig", "One Kafka partition under broker failures.", "simulate_kafka", &r::simulate_kafka);
}

}  // namespace scalemodel::bindings
