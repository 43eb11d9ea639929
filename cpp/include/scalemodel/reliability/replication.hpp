// Primary-replica replication: failover downtime and lost writes, stale reads after a
// write and the remedies against them, and data-centre partitions under CP and AP policies.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scalemodel/core/distribution.hpp"
#include "scalemodel/core/fields.hpp"
#include "scalemodel/core/run_spec.hpp"
#include "scalemodel/reliability/summary.hpp"

namespace scalemodel::reliability {

struct FailoverConfig {
    double heartbeat_interval_s = 1.0;
    std::int64_t missed_beats = 3;    // the primary is declared dead after this many missed beats
    Distribution election = Distribution::deterministic(5.0);  // time to elect and promote a replica
    Distribution routing = Distribution::deterministic(5.0);   // time until clients route writes to the new primary
    Distribution replication_lag = Distribution::deterministic(0.0);  // asynchronous lag of the promoted replica
    double write_rate = 0.0;          // writes per second on the primary
    double failures_per_year = 0.0;   // primary failures per year (for availability)
    std::int64_t trials = 1 << 16;

    SCALEMODEL_FIELDS(FailoverConfig, heartbeat_interval_s, missed_beats, election, routing, replication_lag,
                      write_rate, failures_per_year, trials)
};

// A failure falls uniformly between two heartbeats, so detection takes
// (missed_beats - U) x interval. Downtime = detection + election + routing. The writes the
// promoted replica had not received are lost: Poisson with mean write_rate x lag.
// Metrics per chunk of 2^12 trials (the chunks are the replications; their count comes
// from `trials`, and run.replications is not used): downtime_s, detection_s, writes_lost,
// availability (1 / (1 + failure rate x mean downtime)), downtime_s_per_year.
// Values: downtime_p50_s, downtime_p90_s, downtime_p99_s (from a log-bucketed histogram,
// within 0.4%), downtime_max_s, trials.
Summary simulate_failover(const FailoverConfig& cfg, const RunSpec& run);

enum class Remedy : int { none, primary_reads, sticky, version_check };

}  // namespace scalemodel::reliability

template <>
struct scalemodel::EnumNames<scalemodel::reliability::Remedy> {
    static const char* what() { return "remedy"; }
    static std::vector<std::string> names() { return {"none", "primary", "sticky", "version_check"}; }
};

namespace scalemodel::reliability {

struct StaleReadConfig {
    Distribution lag = Distribution::deterministic(0.0);         // replication lag of the replica serving the read
    Distribution think_time = Distribution::deterministic(0.0);  // time between a user's write and their next read
    Remedy remedy = Remedy::none;
    double sticky_window_s = 5.0;   // sticky: reads within this long after a write go to the primary
    std::int64_t attempts = 3;      // version_check: replica reads before falling back to the primary
    double retry_interval_s = 0.1;  // version_check: wait between attempts
    std::int64_t requests = 1 << 20;

    SCALEMODEL_FIELDS(StaleReadConfig, lag, think_time, remedy, sticky_window_s, attempts, retry_interval_s, requests)
};

// A read of data the reader just wrote, think seconds after the write. Metrics per chunk
// of 2^15 reads (the chunks are the replications; their count comes from `requests`, and
// run.replications is not used): stale (reads that miss the write), primary_reads and
// replica_reads (per read), added_latency_s (waiting between version checks).
// Values: requests.
Summary simulate_stale_reads(const StaleReadConfig& cfg, const RunSpec& run);

struct PartitionConfig {
    double partitions_per_day = 0.0;
    Distribution duration = Distribution::exponential(600.0);     // partition length
    Distribution convergence = Distribution::deterministic(0.0);  // time after healing until the sides agree again
    double remote_write_rate = 1.0;  // writes per second made on the other side
    double horizon_s = 30.0 * 86400.0;
    std::int64_t reads = 1 << 14;  // reads per replication, at uniform times

    SCALEMODEL_FIELDS(PartitionConfig, partitions_per_day, duration, convergence, remote_write_rate, horizon_s, reads)
};

// CP rejects reads during a partition; AP serves them locally and they are stale once the
// other side has written since the split, until convergence after healing.
// Metrics per replication (run.replications, at least 2): cp_rejected, ap_stale, ap_staleness_s (mean age of the
// oldest missing write among stale reads), partitioned_time.
// Values: partitioned_time_expected (rate E[D] / (1 + rate E[D])), ap_staleness_p50_s and
// ap_staleness_p99_s (log-bucketed histogram, within 0.4%), ap_staleness_max_s.
Summary simulate_partition(const PartitionConfig& cfg, const RunSpec& run);

}  // namespace scalemodel::reliability
