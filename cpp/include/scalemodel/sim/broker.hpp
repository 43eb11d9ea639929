// A message broker's topic read by one consumer group: P partitions, each a FIFO log; a
// group of consumers, each owning the partitions its assignor gives it and serving them
// one message at a time in round-robin order; producers sending Poisson traffic (with an
// optional piecewise-constant rate profile for bursts) spread over the partitions by given
// weights (uniform, or the key skew a Zipf key population gives).
//
// Membership events (a consumer joins or leaves at time t) start an eager rebalance: the
// whole group stops taking new messages (messages already in service finish), and the
// assignor runs again over the members present once `rebalance_s` has passed and every
// message in service has finished (a member rejoins only after the message in hand, and no
// member gets its new partitions before all have rejoined). So no partition changes hands
// with a message in flight, and per-key order is kept. `pause_time` is the time the group
// spent stopped, which exceeds `rebalance_s` per rebalance when a message was in service.
//
// Lag is the number of messages produced and not yet consumed, Kafka's log-end offset minus
// committed offset when each message is committed as it finishes (a message in service
// still counts). Time averages and counts cover the window [warmup_s, duration_s]; replication r
// draws from Rng(seed, r), so results do not depend on the thread count. Latency quantiles
// come from a LogHistogram (relative error LogHistogram::kRelativeError).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "scalemodel/core/fields.hpp"
#include "scalemodel/core/histogram.hpp"
#include "scalemodel/core/run_spec.hpp"

namespace scalemodel::sim {

enum class Assignor {
    range,        // Kafka's RangeAssignor: contiguous blocks, the first P % C consumers get one more
    round_robin,  // Kafka's RoundRobinAssignor: partition p to consumer p % C
    sticky,       // balanced like round robin, but keeps each member's partitions across rebalances
};

enum class BrokerService { exponential, deterministic };

}  // namespace scalemodel::sim

// The config keyword is `assignment`; assign_partitions names it `strategy`.
template <>
struct scalemodel::EnumNames<scalemodel::sim::Assignor> {
    static const char* what() { return "assignment"; }
    static std::vector<std::string> names() { return {"range", "round_robin", "sticky"}; }
};

template <>
struct scalemodel::EnumNames<scalemodel::sim::BrokerService> {
    static const char* what() { return "service"; }
    static std::vector<std::string> names() { return {"exponential", "deterministic"}; }
};

namespace scalemodel::sim {

// `change` consumers join (> 0) or leave (< 0; the highest-numbered members go) at `time`;
// 0 is a rebalance without a membership change (e.g. a consumer restarting).
struct MembershipEvent {
    double time;
    std::int64_t change;
};

struct ConsumerGroupConfig {
    std::int64_t partitions = 1;
    std::int64_t consumers = 1;  // members at time 0
    double produce_rate = 1.0;   // msg/s until the profile's first time
    // Piecewise-constant rate profile: rate profile_rates[i] from profile_times[i] (increasing).
    std::vector<double> profile_times, profile_rates;
    std::vector<double> partition_weights;  // share of messages per partition; empty = uniform
    double consume_rate = 1.0;              // msg/s per consumer
    BrokerService service = BrokerService::exponential;
    Assignor assignment = Assignor::range;
    std::vector<MembershipEvent> events;  // bound apart, as (time_s, change) pairs
    double rebalance_s = 0.0;
    double duration_s = 1.0;
    double warmup_s = 0.0;
    double sample_interval_s = 0.0;  // lag series grid step; 0 = no series
    // Drain time: from drain_from_s until the lag first falls to drain_threshold (NaN: not
    // measured, or drain_from_s after the run; inf: it did not fall before the run ended).
    double drain_from_s = std::numeric_limits<double>::quiet_NaN();
    double drain_threshold = 0.0;

    SCALEMODEL_FIELDS(ConsumerGroupConfig, partitions, consumers, produce_rate, profile_times, profile_rates,
                      partition_weights, consume_rate, service, assignment, rebalance_s, duration_s, warmup_s,
                      sample_interval_s, drain_from_s, drain_threshold)
};

// Scalar metrics of one replication, in this order (names for the bindings).
inline const std::vector<std::string>& broker_metric_names() {
    static const std::vector<std::string> names = {
        "throughput",   "produce_throughput", "mean_lag",      "max_lag",         "final_lag",
        "mean_latency", "p50_latency",        "p99_latency",   "drain_time",      "produced",
        "consumed",     "rebalances",         "partitions_moved", "pause_time",  "overflow",
        "window",       "events",
    };
    return names;
}

struct ConsumerGroupResult {
    std::int64_t replications = 0;
    std::vector<std::vector<double>> metrics;         // [metric][replication]
    std::vector<std::vector<double>> busy_fraction;   // [consumer][replication], every member ever
    std::vector<std::vector<double>> partition_lag;   // [partition][replication], time-average lag
    std::vector<double> sample_times;                 // lag series grid
    std::vector<std::vector<double>> lag_series;      // [sample][replication]
    std::vector<std::int64_t> final_owner;            // owner of each partition at the end (-1: none)
    LogHistogram latency;                             // merged over replications
};

// Most messages a replication may hold unconsumed; past it the run stops and is flagged
// as overflowing (a group that cannot keep up), so memory stays bounded.
constexpr std::int64_t kMaxBacklog = std::int64_t{1} << 22;

// Owner of each partition (consumer index, or -1 when there are no consumers). Sticky needs
// the previous owners (empty, or one entry per partition; -1 or >= consumers = unowned).
std::vector<std::int64_t> assign_partitions(std::int64_t partitions, std::int64_t consumers, Assignor assignor,
                                            const std::vector<std::int64_t>& previous = {});

void validate(const ConsumerGroupConfig& config);
// Replication r draws from Rng(run.seed, r); at most 10^6 replications.
ConsumerGroupResult simulate_consumer_group(const ConsumerGroupConfig& config, const RunSpec& run);

}  // namespace scalemodel::sim
