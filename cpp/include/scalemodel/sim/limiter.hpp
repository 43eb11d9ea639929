// Rate limiters driven by an arrival trace (sorted timestamps in seconds).
//
// Every algorithm admits about `limit` requests per `window_s`; they differ in how a burst
// and a window boundary are treated:
//   token_bucket   `capacity` tokens (default limit), refilled continuously at `refill_rate`
//                  tokens/s (default limit / window_s); starts full; a request takes one.
//   leaky_bucket   a queue (not a meter): an admitted request joins a FIFO of at most
//                  `queue_size` requests (default limit) that is forwarded downstream one at
//                  a time every 1 / `drain_rate` seconds (default limit / window_s); a
//                  request that finds the queue full is rejected. The meter form of the
//                  leaky bucket is the token bucket / GCRA.
//   gcra           generic cell rate algorithm: a theoretical arrival time advanced by
//                  1 / refill_rate per admit, burst tolerance (capacity - 1) / refill_rate.
//                  Same decisions as the token bucket with the same parameters in exact
//                  arithmetic; when arrivals fall exactly on refill instants (lattice
//                  traces) rounding can move a decision to a neighbouring request.
//   fixed_window   a counter per window [k w, (k + 1) w), reset at each boundary.
//   sliding_log    exact: admits iff fewer than `limit` requests were admitted in the last
//                  window_s (the half-open interval (t - w, t]). A ring buffer of the last
//                  `limit` admitted timestamps, so memory is bounded by the limit.
//   sliding_window_counter  the weighted two-window estimate: previous window's count
//                  times the share of it still inside (t - w, t], plus the current count.
//
// The worst window is the largest number of admitted requests in any half-open interval
// of length window_s (exact two-pointer scan); the sliding log never exceeds `limit`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scalemodel/core/arrivals.hpp"
#include "scalemodel/core/fields.hpp"
#include "scalemodel/core/random.hpp"
#include "scalemodel/core/run_spec.hpp"

namespace scalemodel::sim {

enum class LimiterKind { token_bucket, leaky_bucket, gcra, fixed_window, sliding_log, sliding_window_counter };

}  // namespace scalemodel::sim

template <>
struct scalemodel::EnumNames<scalemodel::sim::LimiterKind> {
    static const char* what() { return "algorithm"; }
    static std::vector<std::string> names() {
        return {"token_bucket", "leaky_bucket", "gcra", "fixed_window", "sliding_log", "sliding_window_counter"};
    }
};

namespace scalemodel::sim {

struct LimiterConfig {
    LimiterKind algorithm = LimiterKind::token_bucket;
    std::int64_t limit = 100;
    double window_s = 1.0;
    std::optional<double> capacity;          // token bucket / gcra burst in tokens; default limit
    std::optional<double> refill_rate;       // token bucket / gcra tokens per second; default limit / window_s
    std::optional<std::int64_t> queue_size;  // leaky bucket; default limit
    std::optional<double> drain_rate;        // leaky bucket requests per second; default limit / window_s

    SCALEMODEL_FIELDS(LimiterConfig, algorithm, limit, window_s, capacity, refill_rate, queue_size, drain_rate)
};

// Fills the defaults (capacity, refill_rate, queue_size, drain_rate) and range-checks.
LimiterConfig resolved(const LimiterConfig& config);

// Throws std::invalid_argument unless times[0..n) are finite and non-decreasing.
void check_sorted_times(const double* times, std::int64_t n);

// Decides every request; admitted[i] is 1 or 0. Returns the number admitted. For the
// leaky bucket, *delay_sum_s (if given) receives the summed time admitted requests
// waited until forwarded (including their own drain slot).
std::int64_t decide(const LimiterConfig& config, const double* times, std::int64_t n, std::uint8_t* admitted,
                    double* delay_sum_s = nullptr);

// Largest number of admitted requests in any half-open interval of length window_s (finite,
// > 0; the times must be sorted).
std::int64_t worst_window(const double* times, const std::uint8_t* admitted, std::int64_t n, double window_s);

struct LimiterSummary {
    std::int64_t requests = 0;
    std::int64_t admitted = 0;
    std::int64_t worst_window = 0;
    double duration_s = 0.0;
    double mean_delay_s = 0.0;  // leaky bucket only, else 0
    // Against the exact sliding log on the same trace (compare_exact); -1 when not run.
    std::int64_t exact_admitted = -1;
    std::int64_t differing_decisions = -1;

    SCALEMODEL_FIELDS(LimiterSummary, requests, admitted, worst_window, duration_s, mean_delay_s, exact_admitted,
                      differing_decisions)
};

// Runs one limiter over a trace. `admitted` must hold n bytes (the decisions).
LimiterSummary run_limiter(const LimiterConfig& config, const double* times, std::int64_t n, std::uint8_t* admitted,
                           bool compare_exact);

// Per-key limiting: every distinct key (a client id) gets its own limiter with the same
// parameters; keys[i] is the key of request i. The summary adds over keys, except the worst
// window, which is the largest of any single key's (the limit applies per key).
struct KeyedSummary {
    LimiterSummary total;
    std::int64_t distinct_keys = 0;
    std::int64_t worst_key = 0;  // a key whose worst window is total.worst_window

    SCALEMODEL_FIELDS(KeyedSummary, distinct_keys, worst_key)
};

KeyedSummary run_keyed_limiter(const LimiterConfig& config, const double* times, const std::int64_t* keys,
                               std::int64_t n, std::uint8_t* admitted, bool compare_exact);

// --- arrival traces -------------------------------------------------------------------------
// A generated trace over [0, duration_s): drawn from `arrivals` (core/arrivals.hpp, the
// project's one arrival vocabulary), or, when `adversarial`, the limiter's own worst case:
// `burst` requests spread evenly over the `spread_s` just before, and `burst` over the
// spread_s just after, every other boundary (2k + 1) window_s.
struct TraceSpec {
    Arrivals arrivals = Arrivals::poisson(1.0);
    double duration_s = 1.0;
    bool adversarial = false;
    std::int64_t burst = 100;
    double window_s = 1.0;
    double spread_s = 0.01;

    SCALEMODEL_FIELDS(TraceSpec, arrivals, duration_s, adversarial, burst, window_s, spread_s)
};

// Checks duration_s, window_s and burst (as `limit`), spread_s for the adversarial trace, and
// that the expected size is at most 2.5e8 requests.
void validate(const TraceSpec& spec);
// A guide for memory checks: the adversarial trace's size, or mean rate x duration_s.
std::int64_t expected_trace_size(const TraceSpec& spec);
// Validates, then draws the trace (a stream that overruns 2.5e8 requests is refused too).
std::vector<double> make_trace(const TraceSpec& spec, Rng& rng);

// The arrivals of a replicated study: a fixed trace that every replication replays, or,
// unless `replay`, a fresh trace per replication drawn from `trace`.
struct ReplicatedArrivals {
    TraceSpec trace;            // used unless replay
    std::vector<double> times;  // a fixed, sorted trace, used when replay (bound apart, as `times`)
    bool replay = false;

    SCALEMODEL_FIELDS(ReplicatedArrivals, trace)
};

// Throws std::invalid_argument unless the fixed trace is sorted and finite, or the spec valid.
void check_arrivals(const ReplicatedArrivals& arrivals);

// One replication's trace: the fixed one, or one drawn from `rng` into `storage`.
std::pair<const double*, std::int64_t> replication_trace(const ReplicatedArrivals& arrivals, Rng& rng,
                                                         std::vector<double>& storage);

// --- distributed limiting -------------------------------------------------------------------
// `servers` limiters, each enforcing `limiter` on the requests a balancer sends it (round
// robin or uniformly at random), against one shared limiter on the whole trace.
enum class Spread { round_robin, random };

}  // namespace scalemodel::sim

template <>
struct scalemodel::EnumNames<scalemodel::sim::Spread> {
    static const char* what() { return "spread"; }
    static std::vector<std::string> names() { return {"round_robin", "random"}; }
};

namespace scalemodel::sim {

struct DistributedConfig : ReplicatedArrivals {
    LimiterConfig limiter;
    std::int64_t servers = 3;
    Spread spread = Spread::round_robin;

    SCALEMODEL_FIELDS(DistributedConfig, limiter, servers, spread)
};

inline const std::vector<std::string>& distributed_metric_names() {
    static const std::vector<std::string> names = {"requests",     "admitted",          "shared_admitted",
                                                   "admitted_ratio", "worst_window",     "shared_worst_window",
                                                   "worst_window_ratio", "max_server_share"};
    return names;
}

// [metric][replication]; replication r draws from Rng(run.seed, r).
std::vector<std::vector<double>> simulate_distributed(const DistributedConfig& config, const RunSpec& run);

// --- non-atomic read-modify-write token bucket --------------------------------------------
// Every request reads the shared bucket (tokens, last refill) from a store, refills and
// decides locally, and, when it admits, writes (tokens - 1, its read time) back; the write
// lands rmw_delay_s later (a store round trip). Writes land in order and the last one
// wins, so requests that read while a write is in flight see stale tokens.
struct RacyBucketConfig : ReplicatedArrivals {
    double capacity = 100.0;
    double refill_rate = 10.0;
    double rmw_delay_s = 0.001;

    SCALEMODEL_FIELDS(RacyBucketConfig, capacity, refill_rate, rmw_delay_s)
};

inline const std::vector<std::string>& racy_metric_names() {
    static const std::vector<std::string> names = {"requests",   "admitted",       "atomic_admitted",
                                                   "overshoot",  "overshoot_ratio", "stale_reads",
                                                   "duration_s"};
    return names;
}

// Throws std::invalid_argument unless capacity is in [1, 1e15], refill_rate is finite and
// > 0 and rmw_delay_s is finite and >= 0.
void validate(const RacyBucketConfig& config);

// Admissions of the racy bucket on one trace (decisions optional, n bytes); validates config.
std::int64_t racy_token_bucket(const RacyBucketConfig& config, const double* times, std::int64_t n,
                               std::uint8_t* admitted, std::int64_t* stale_reads);

std::vector<std::vector<double>> simulate_racy_bucket(const RacyBucketConfig& config, const RunSpec& run);

}  // namespace scalemodel::sim
