// Durability: how many acknowledged writes a crash destroys under write-behind caching,
// Redis RDB snapshots or AOF, and Kafka's acks settings under broker failures.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "scalemodel/reliability/distributions.hpp"
#include "scalemodel/reliability/summary.hpp"

namespace scalemodel::reliability {

struct LossBounds {
    double expected_per_crash = 0.0;  // crash at a uniformly random time
    double worst_per_crash = 0.0;
    double backlog_growth_per_s = 0.0;  // > 0: the flusher falls behind and losses grow without bound
};

// A worker flushes up to `batch_size` queued writes (0 = all of them), taking
// flush_duration_s, then sleeps flush_interval_s. A crash loses the queue and the batch
// being flushed. Cycle C = duration + interval: expected rate (C/2 + duration), worst
// rate (C + duration). When rate x C > batch_size the backlog grows at
// rate - batch_size / C and both are infinite.
LossBounds write_behind_loss(double write_rate, double flush_interval_s, double flush_duration_s, double batch_size);

// Redis AOF: "always" fsyncs before replying (at most the one command in flight is lost);
// "everysec" fsyncs once a second: expected rate / 2, worst 2 x rate (Redis postpones a
// write for up to 2 s when a previous fsync is still running). policy: 0 always, 1 everysec.
LossBounds aof_loss(double write_rate, int policy);

struct RdbConfig {
    double write_rate = 0.0;                            // Poisson writes per second
    std::vector<std::pair<double, std::int64_t>> rules;  // (seconds, changes): save when both are reached
    std::int64_t cycles = 1 << 14;                      // simulated save cycles
    std::uint64_t seed = 0;
    int threads = 0;
};

// Simulates RDB save cycles with Poisson writes: a save starts as soon as some rule has
// both its time and its change count; a crash loses the writes since the last save
// started. Renewal-reward gives the loss at a crash at a uniformly random time.
// Estimates (over chunks of 256 cycles): expected_per_crash, cycle_s, writes_per_cycle.
// Values: worst_per_crash (largest cycle seen), fluid_cycle_s (min over rules of
// max(seconds, changes / rate)), fluid_worst_per_crash.
Summary simulate_rdb(const RdbConfig& cfg);

struct KafkaConfig {
    int acks = -1;                   // 0, 1 or -1 (all)
    std::int64_t replication_factor = 3;
    std::int64_t min_insync = 2;     // acks=all refuses writes with fewer in-sync replicas up
    bool unclean_election = false;   // let an out-of-sync replica lead when no in-sync one is up
    double broker_failure_rate = 0.0;  // failures per broker per second
    Dist broker_repair;              // time a failed broker stays down (its log survives)
    Dist follower_lag;               // how far followers trail the leader (acks=0/1 loss window)
    double producer_window_s = 0.0;  // acks=0: messages sent into a dead leader before the producer notices
    double message_rate = 0.0;       // messages per second to the partition
    double horizon_s = 0.0;
    std::int64_t replications = 200;
    std::uint64_t seed = 0;
    int threads = 0;
};

// One partition's replicas fail and recover; followers that recover catch up at once.
// Estimates (over replications): lost_per_day (messages), loss_events_per_year,
// write_unavailable (fraction of time writes are refused or the partition is offline).
// Values: worst_loss_per_event.
Summary simulate_kafka(const KafkaConfig& cfg);

}  // namespace scalemodel::reliability
