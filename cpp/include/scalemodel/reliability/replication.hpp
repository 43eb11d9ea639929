// Primary-replica replication: failover downtime and lost writes, stale reads after a
// write and the remedies against them, and data-centre partitions under CP and AP policies.
#pragma once

#include <cstdint>

#include "scalemodel/reliability/distributions.hpp"
#include "scalemodel/reliability/summary.hpp"

namespace scalemodel::reliability {

struct FailoverConfig {
    double heartbeat_interval_s = 1.0;
    std::int64_t missed_beats = 3;    // the primary is declared dead after this many missed beats
    Dist election;                    // time to elect and promote a replica
    Dist routing;                     // time until clients route writes to the new primary
    Dist lag;                         // asynchronous replication lag of the promoted replica
    double write_rate = 0.0;          // writes per second on the primary
    double failure_rate = 0.0;        // primary failures per second (for availability)
    std::int64_t trials = 1 << 16;
    std::uint64_t seed = 0;
    int threads = 0;
};

// A failure falls uniformly between two heartbeats, so detection takes
// (missed_beats - U) x interval. Downtime = detection + election + routing. The writes the
// promoted replica had not received are lost: Poisson with mean write_rate x lag.
// Estimates (over chunks of 2^12 trials): downtime_s, detection_s, writes_lost,
// availability (1 / (1 + failure_rate x mean downtime)), downtime_s_per_year.
// Values: downtime_p50_s, downtime_p90_s, downtime_p99_s (from a log-bucketed histogram,
// within 0.4%), downtime_max_s, trials.
Summary simulate_failover(const FailoverConfig& cfg);

enum class Remedy : int { none = 0, primary_reads = 1, sticky = 2, version_check = 3 };

struct StaleReadConfig {
    Dist lag;    // replication lag of the replica serving the read
    Dist think;  // time between a user's write and their next read
    Remedy remedy = Remedy::none;
    double sticky_window_s = 5.0;   // sticky: reads within this long after a write go to the primary
    std::int64_t attempts = 3;      // version_check: replica reads before falling back to the primary
    double retry_interval_s = 0.1;  // version_check: wait between attempts
    std::int64_t requests = 1 << 20;
    std::uint64_t seed = 0;
    int threads = 0;
};

// A read of data the reader just wrote, think seconds after the write. Estimates (over
// chunks of 2^15 reads): stale (reads that miss the write), primary_reads and
// replica_reads (per read), added_latency_s (waiting between version checks).
// Values: requests.
Summary simulate_stale_reads(const StaleReadConfig& cfg);

struct PartitionConfig {
    double partition_rate = 0.0;   // partitions per second
    Dist duration;                 // partition length
    Dist convergence;              // time after healing until the sides agree again
    double remote_write_rate = 0.0;  // writes per second made on the other side
    double horizon_s = 0.0;
    std::int64_t replications = 100;
    std::int64_t reads = 1 << 16;  // reads per replication, at uniform times
    std::uint64_t seed = 0;
    int threads = 0;
};

// CP rejects reads during a partition; AP serves them locally and they are stale once the
// other side has written since the split, until convergence after healing.
// Estimates (over replications): cp_rejected, ap_stale, ap_staleness_s (mean age of the
// oldest missing write among stale reads), partitioned_time.
// Values: partitioned_time_expected (rate E[D] / (1 + rate E[D])), ap_staleness_p50_s and
// ap_staleness_p99_s (log-bucketed histogram, within 0.4%), ap_staleness_max_s.
Summary simulate_partition(const PartitionConfig& cfg);

}  // namespace scalemodel::reliability
