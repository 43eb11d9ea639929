#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "binding.hpp"
#include "scalemodel/core/stats.hpp"
#include "scalemodel/reliability/availability.hpp"
#include "scalemodel/reliability/durability.hpp"
#include "scalemodel/reliability/quorum.hpp"
#include "scalemodel/reliability/replication.hpp"

namespace scalemodel::bindings {

namespace {

namespace r = scalemodel::reliability;
using DistSpec = std::tuple<int, double, double>;

r::Dist dist(const char* name, const DistSpec& d) {
    return r::make_dist(name, std::get<0>(d), std::get<1>(d), std::get<2>(d));
}

py::dict summary_dict(const r::Summary& s) {
    py::dict est, val;
    for (const auto& e : s.estimates) est[py::str(e.name)] = py::make_tuple(e.mean, e.sd, e.n);
    for (const auto& v : s.values) val[py::str(v.first)] = v.second;
    py::dict out;
    out["estimates"] = est;
    out["values"] = val;
    return out;
}

// Runs a simulation with the GIL released and converts its summary with the GIL held.
template <class Config, class Sim>
py::dict run(const Config& cfg, Sim sim) {
    r::Summary s;
    {
        py::gil_scoped_release release;
        s = sim(cfg);
    }
    return summary_dict(s);
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
    m.def(
        "simulate_availability",
        [](std::int64_t n, std::int64_t k, const DistSpec& lifetime, const DistSpec& repair, double replacement_s,
           std::int64_t zones, double zone_failure_rate, const DistSpec& zone_outage, double horizon_s,
           std::int64_t replications, std::uint64_t seed, int threads) {
            r::AvailabilityConfig c;
            c.n = n;
            c.k = k;
            c.lifetime = dist("lifetime", lifetime);
            c.repair = dist("repair", repair);
            c.replacement_s = replacement_s;
            c.zones = zones;
            c.zone_failure_rate = zone_failure_rate;
            c.zone_outage = dist("zone_outage", zone_outage);
            c.horizon_s = horizon_s;
            c.replications = replications;
            c.seed = seed;
            c.threads = threads;
            return run(c, r::simulate_availability);
        },
        py::arg("n"), py::arg("k"), py::arg("lifetime"), py::arg("repair"), py::arg("replacement_s"), py::arg("zones"),
        py::arg("zone_failure_rate"), py::arg("zone_outage"), py::arg("horizon_s"), py::arg("replications"),
        py::arg("seed"), py::arg("threads"));
    m.def(
        "t_visibility",
        [](std::int64_t n, std::int64_t rr, std::int64_t w, const DistSpec& write_leg, const DistSpec& read_leg,
           double replica_down_prob, const std::vector<double>& t, std::int64_t requests, std::uint64_t seed,
           int threads) {
            r::QuorumConfig c;
            c.n = n;
            c.r = rr;
            c.w = w;
            c.write_leg = dist("write_latency", write_leg);
            c.read_leg = dist("read_latency", read_leg);
            c.replica_down_prob = replica_down_prob;
            c.t = t;
            c.requests = requests;
            c.seed = seed;
            c.threads = threads;
            return run(c, r::t_visibility);
        },
        py::arg("n"), py::arg("r"), py::arg("w"), py::arg("write_leg"), py::arg("read_leg"),
        py::arg("replica_down_prob"), py::arg("t"), py::arg("requests"), py::arg("seed"), py::arg("threads"));
    m.def(
        "simulate_failover",
        [](double interval, std::int64_t missed, const DistSpec& election, const DistSpec& routing,
           const DistSpec& lag, double write_rate, double failure_rate, std::int64_t trials, std::uint64_t seed,
           int threads) {
            r::FailoverConfig c;
            c.heartbeat_interval_s = interval;
            c.missed_beats = missed;
            c.election = dist("election", election);
            c.routing = dist("routing", routing);
            c.lag = dist("lag", lag);
            c.write_rate = write_rate;
            c.failure_rate = failure_rate;
            c.trials = trials;
            c.seed = seed;
            c.threads = threads;
            return run(c, r::simulate_failover);
        },
        py::arg("heartbeat_interval_s"), py::arg("missed_beats"), py::arg("election"), py::arg("routing"),
        py::arg("lag"), py::arg("write_rate"), py::arg("failure_rate"), py::arg("trials"), py::arg("seed"),
        py::arg("threads"));
    m.def(
        "simulate_stale_reads",
        [](const DistSpec& lag, const DistSpec& think, int remedy, double window, std::int64_t attempts,
           double retry_interval, std::int64_t requests, std::uint64_t seed, int threads) {
            if (remedy < 0 || remedy > 3) throw std::invalid_argument("remedy must be 0 to 3");
            r::StaleReadConfig c;
            c.lag = dist("lag", lag);
            c.think = dist("think_time", think);
            c.remedy = static_cast<r::Remedy>(remedy);
            c.sticky_window_s = window;
            c.attempts = attempts;
            c.retry_interval_s = retry_interval;
            c.requests = requests;
            c.seed = seed;
            c.threads = threads;
            return run(c, r::simulate_stale_reads);
        },
        py::arg("lag"), py::arg("think"), py::arg("remedy"), py::arg("sticky_window_s"), py::arg("attempts"),
        py::arg("retry_interval_s"), py::arg("requests"), py::arg("seed"), py::arg("threads"));
    m.def(
        "simulate_partition",
        [](double rate, const DistSpec& duration, const DistSpec& convergence, double remote_write_rate,
           double horizon_s, std::int64_t replications, std::int64_t reads, std::uint64_t seed, int threads) {
            r::PartitionConfig c;
            c.partition_rate = rate;
            c.duration = dist("duration", duration);
            c.convergence = dist("convergence", convergence);
            c.remote_write_rate = remote_write_rate;
            c.horizon_s = horizon_s;
            c.replications = replications;
            c.reads = reads;
            c.seed = seed;
            c.threads = threads;
            return run(c, r::simulate_partition);
        },
        py::arg("partition_rate"), py::arg("duration"), py::arg("convergence"), py::arg("remote_write_rate"),
        py::arg("horizon_s"), py::arg("replications"), py::arg("reads"), py::arg("seed"), py::arg("threads"));
    m.def(
        "write_behind_loss",
        [](double rate, double interval, double duration, double batch) {
            return loss_dict(r::write_behind_loss(rate, interval, duration, batch));
        },
        py::arg("write_rate"), py::arg("flush_interval_s"), py::arg("flush_duration_s"), py::arg("batch_size"));
    m.def(
        "aof_loss", [](double rate, int policy) { return loss_dict(r::aof_loss(rate, policy)); },
        py::arg("write_rate"), py::arg("policy"));
    m.def(
        "simulate_rdb",
        [](double rate, const std::vector<std::pair<double, std::int64_t>>& rules, std::int64_t cycles,
           std::uint64_t seed, int threads) {
            r::RdbConfig c;
            c.write_rate = rate;
            c.rules = rules;
            c.cycles = cycles;
            c.seed = seed;
            c.threads = threads;
            return run(c, r::simulate_rdb);
        },
        py::arg("write_rate"), py::arg("rules"), py::arg("cycles"), py::arg("seed"), py::arg("threads"));
    m.def(
        "simulate_kafka",
        [](int acks, std::int64_t rf, std::int64_t min_insync, bool unclean, double failure_rate,
           const DistSpec& repair, const DistSpec& lag, double producer_window_s, double message_rate,
           double horizon_s, std::int64_t replications, std::uint64_t seed, int threads) {
            r::KafkaConfig c;
            c.acks = acks;
            c.replication_factor = rf;
            c.min_insync = min_insync;
            c.unclean_election = unclean;
            c.broker_failure_rate = failure_rate;
            c.broker_repair = dist("broker_repair", repair);
            c.follower_lag = dist("follower_lag", lag);
            c.producer_window_s = producer_window_s;
            c.message_rate = message_rate;
            c.horizon_s = horizon_s;
            c.replications = replications;
            c.seed = seed;
            c.threads = threads;
            return run(c, r::simulate_kafka);
        },
        py::arg("acks"), py::arg("replication_factor"), py::arg("min_insync"), py::arg("unclean_election"),
        py::arg("broker_failure_rate"), py::arg("broker_repair"), py::arg("follower_lag"),
        py::arg("producer_window_s"), py::arg("message_rate"), py::arg("horizon_s"), py::arg("replications"),
        py::arg("seed"), py::arg("threads"));
}

}  // namespace scalemodel::bindings
