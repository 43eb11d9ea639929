// Discrete-event simulation of a system: requests flowing through tiers.
//
// A tier is a pool of `servers` (times `shards`: a sharded tier is `shards` independent pools
// addressed by key), each server holding up to `concurrency` requests at once and a FIFO queue
// of its own; a balancer policy picks the server. A request enters at the entry tier. At a
// tier it waits for a slot, is served (its `service` time), then makes the tier's calls in
// the order they were declared, holding its slot throughout (a thread blocked on a
// downstream call), then releases the slot and is handed off along a route or leaves.
//
// A call is `count` sequential rounds; a round sends `fanout` parallel sub-requests to
// distinct servers (or shards) of the callee and waits for `wait` of them (wait = fanout:
// all; fewer: the first ones; 0: fire and forget, the caller does not wait). A sub-request
// is itself a request at the callee: it may call further tiers and be routed on, and its
// answer returns when its chain leaves the system. A tier with `hit_probability` h is a
// cache: with probability h a visit makes none of the tier's calls (a hit). A tier with
// `cache_items` is an LRU cache of that many keys per shard: each visit draws a key (Zipf
// over `keys`), a hit makes no calls, a miss makes them and inserts the key.
//
// Outages take servers (one shard's or every shard's) down for an interval: work in service
// or waiting on a failed server fails, and the failure travels up to the request, which
// counts as failed. Capacity limits requests per server (queued or holding a slot); a request
// beyond it is dropped, which fails it too.
//
// Replication r draws from Rng(seed, r); statistics stream (a LogHistogram for quantiles),
// and a replication whose queues pass kMaxQueued jobs stops and is flagged as overflowing.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "scalemodel/core/arrivals.hpp"
#include "scalemodel/core/distribution.hpp"
#include "scalemodel/core/fields.hpp"
#include "scalemodel/core/histogram.hpp"
#include "scalemodel/core/run_spec.hpp"
#include "scalemodel/sim/stations.hpp"
#include "scalemodel/sim/cache.hpp"

namespace scalemodel::sim {

enum class ScaleMetric : int { utilization, occupancy, queue };

// Target tracking of a tier's size (one shard): every interval_s the autoscaler averages
// `metric` over the last window_s seconds (utilization: share of the active servers' slots
// serving; occupancy: share held; queue: requests waiting per active server) and sets the
// desired count to ceil(active x metric / target), within [min_servers, max_servers]. New
// servers take traffic after warmup_s; a scale-out waits scale_out_cooldown_s after the
// last one, a scale-in scale_in_cooldown_s after any change. A removed server takes no new
// work and finishes what it holds. A failed server (an outage) is not counted, so the
// autoscaler replaces it; it returns to the pool when the outage ends. max_servers 0: fixed.
struct Autoscale {
    std::int64_t min_servers = 1, max_servers = 0;
    ScaleMetric metric = ScaleMetric::utilization;
    double target = 0.6;
    double interval_s = 60.0, window_s = 180.0;
    double scale_out_cooldown_s = 300.0, scale_in_cooldown_s = 300.0;
    double warmup_s = 300.0;

    SCALEMODEL_FIELDS(Autoscale, min_servers, max_servers, metric, target, interval_s, window_s,
                      scale_out_cooldown_s, scale_in_cooldown_s, warmup_s)
};

// A circuit breaker in front of a tier, shared by every caller: it opens when at least
// failure_ratio of the last `window` visits (with at least min_calls of them) failed, turns
// visits away at once for open_s seconds, then lets `probes` visits through (half-open): if
// they all succeed it closes, if one fails it opens again. failure_ratio 0: no breaker.
struct Breaker {
    double failure_ratio = 0.0;
    std::int64_t window = 20, min_calls = 10;
    double open_s = 5.0;
    std::int64_t probes = 1;

    SCALEMODEL_FIELDS(Breaker, failure_ratio, window, min_calls, open_s, probes)
};

struct TierConfig {
    std::string name = "tier";
    std::int64_t servers = 1;          // per shard
    std::int64_t concurrency = 1;      // requests one server holds at once (threads, vCPUs)
    Distribution service = Distribution::exponential(1.0);
    Policy policy = Policy::random;
    std::int64_t d = 2;                // power_of_d candidates
    std::vector<double> weights;       // weighted_round_robin, per server of a shard; empty: equal
    std::int64_t capacity = 0;         // most requests per server (queued or holding a slot); 0: unlimited
    std::int64_t shards = 1;
    std::int64_t keys = 0;             // keys addressing the shards; 0: one per shard
    double key_skew = 0.0;             // Zipf exponent of key popularity (0: uniform)
    std::vector<std::int64_t> placement;  // shard of each key; empty: key mod shards
    double hit_probability = 0.0;      // a hit skips the tier's calls (a cache)
    double error_probability = 0.0;    // a visit fails after its service (an error reply)
    Autoscale autoscale;               // servers is then the initial count
    Breaker breaker;
    // Load shedding: a server turns away a visit whose expected wait (queued work over its
    // slots, at the mean service time) exceeds shed_wait_s; with more than lifo_above visits
    // queued it serves the newest first (adaptive LIFO; 0: always FIFO).
    double shed_wait_s = std::numeric_limits<double>::infinity();
    std::int64_t lifo_above = 0;
    std::int64_t cache_items = 0;      // > 0: an LRU cache of this many keys decides hits (one shard)

    SCALEMODEL_FIELDS(TierConfig, name, servers, concurrency, service, policy, d, weights, capacity, shards, keys,
                      key_skew, placement, hit_probability, cache_items, error_probability, autoscale, breaker,
                      shed_wait_s, lifo_above)
};

// After service at `source` a request moves on to `target` with `probability`.
struct RouteConfig {
    std::int64_t source = 0, target = 0;
    double probability = 1.0;

    SCALEMODEL_FIELDS(RouteConfig, source, target, probability)
};

struct CallConfig {
    std::int64_t caller = 0, callee = 0;
    std::int64_t count = 1;        // sequential rounds
    double probability = 1.0;      // a visit makes this call at all
    std::int64_t fanout = 1;       // parallel sub-requests per round, to distinct servers or shards
    std::int64_t wait = -1;        // answers awaited per round: -1 all, 0 none (asynchronous), k first k
    bool after_miss = false;       // made only when the caller's previous call missed a cache (cache-aside)

    SCALEMODEL_FIELDS(CallConfig, caller, callee, count, probability, fanout, wait, after_miss)
};

// `servers` servers (0: all) of `shard` (-1: every shard) of `tier` fail at at_s until until_s.
struct TierOutage {
    std::int64_t tier = 0, shard = -1, servers = 0;
    double at_s = 0.0;
    double until_s = std::numeric_limits<double>::infinity();

    SCALEMODEL_FIELDS(TierOutage, tier, shard, servers, at_s, until_s)
};

enum class Jitter : int { none, full, equal, decorrelated };

// The clients' behaviour at the entry: each request is one or more attempts. An attempt
// not answered within timeout_s is abandoned by the client (the system still works on it);
// a failed or abandoned attempt is retried up to `retries` times after a backoff of
// backoff_s x 2^(k-1) for the k-th retry (capped at backoff_max_s), randomized by `jitter`
// (full: uniform on [0, d]; equal: d/2 plus uniform on [0, d/2]; decorrelated: uniform on
// [backoff_s, 3 x the previous delay], capped). A retry budget (gRPC and Finagle style)
// keeps a token bucket of at most budget_burst tokens: each first attempt adds `budget`
// tokens, each retry takes one, and a retry without a token is not made (inf: no budget).
// hedge_after_s sends a second copy of a request unanswered after that long; the first
// answer wins.
struct ClientConfig {
    double timeout_s = std::numeric_limits<double>::infinity();
    std::int64_t retries = 0;
    double backoff_s = 0.0;
    double backoff_max_s = std::numeric_limits<double>::infinity();
    Jitter jitter = Jitter::full;
    double budget = std::numeric_limits<double>::infinity();
    double budget_burst = 10.0;
    double hedge_after_s = std::numeric_limits<double>::infinity();
    // The attempt's deadline (start + timeout_s) travels down its calls; a server drops a
    // queued visit whose deadline has passed instead of serving it.
    bool propagate_deadline = false;

    SCALEMODEL_FIELDS(ClientConfig, timeout_s, retries, backoff_s, backoff_max_s, jitter, budget, budget_burst,
                      hedge_after_s, propagate_deadline)
};

struct SystemConfig {
    std::vector<TierConfig> tiers;
    std::vector<RouteConfig> routes;
    std::vector<CallConfig> calls;
    std::vector<TierOutage> outages;
    Arrivals arrivals = Arrivals::poisson(1.0);
    std::int64_t entry = 0;
    std::int64_t requests = 100000;    // counted requests per replication
    std::int64_t warmup = 10000;       // requests discarded first
    std::int64_t clients = 1000;       // sticky policy: clients, client k sends a share ~ k^-client_skew
    double client_skew = 1.0;
    double window_s = 0.0;             // time-series window, seconds (0: no time series)
    ClientConfig client;
    // A window misses the SLO when more than 1 - slo_quantile of the requests answered in it
    // took longer than slo_s (or failed): the p-quantile is above the target.
    double slo_s = std::numeric_limits<double>::infinity();
    double slo_quantile = 0.99;
    // Exact replay of a recorded sequence (replayed arrivals only; empty: drawn), one entry
    // per timestamp, in order. service_times: each request's service time (seconds) at the
    // entry tier, on its first visit there (a retry or hedge of it repeats it; later visits
    // and other tiers draw theirs). keys: each request's key (0 .. keys - 1 of every keyed
    // tier, sharded or an LRU cache); it addresses the shard (and the cache entry) at every
    // keyed tier the request and its sub-requests visit, instead of a drawn key. client_ids:
    // sticky: each request's client (0 .. clients - 1), instead of a drawn one.
    std::vector<double> service_times;
    std::vector<std::int64_t> keys;
    std::vector<std::int64_t> client_ids;

    SCALEMODEL_FIELDS(SystemConfig, tiers, routes, calls, outages, arrivals, entry, requests, warmup, clients,
                      client_skew, window_s, client, slo_s, slo_quantile, service_times, keys, client_ids)
};

}  // namespace scalemodel::sim

template <>
struct scalemodel::EnumNames<scalemodel::sim::ScaleMetric> {
    static const char* what() { return "metric"; }
    static const std::vector<std::string>& names() {
        static const std::vector<std::string> n = {"utilization", "occupancy", "queue"};
        return n;
    }
    static std::vector<std::pair<std::string, scalemodel::sim::ScaleMetric>> aliases() { return {}; }
};

template <>
struct scalemodel::EnumNames<scalemodel::sim::Jitter> {
    static const char* what() { return "jitter"; }
    static const std::vector<std::string>& names() {
        static const std::vector<std::string> n = {"none", "full", "equal", "decorrelated"};
        return n;
    }
    static std::vector<std::pair<std::string, scalemodel::sim::Jitter>> aliases() { return {}; }
};

namespace scalemodel::sim {

// End-to-end metrics of one replication, in this order.
inline const std::vector<std::string>& system_metric_names() {
    static const std::vector<std::string> names = {
        "mean_response", "p50_response", "p90_response", "p95_response", "p99_response", "p999_response",
        "throughput",    "fail_rate",    "arrivals",     "completed",    "failed",       "duration",
        "events",        "overflow",     "timeout_rate", "attempts",     "slo_violation_s",
        "goodput",       "wasted_work",
    };
    return names;
}

// Per-tier metrics of one replication, in this order.
inline const std::vector<std::string>& tier_metric_names() {
    static const std::vector<std::string> names = {
        "visits",       // visits per counted request
        "throughput",   // visits finished per second
        "utilization",  // share of slots serving (service time only)
        "occupancy",    // share of slots held (serving or blocked on calls)
        "mean_queue",   // time-average requests waiting for a slot
        "mean_in_tier", // time-average requests at the tier (waiting or holding a slot)
        "mean_wait",    // mean wait for a slot per visit, s
        "mean_response",// mean time at the tier per visit (wait, service, calls), s
        "dropped",      // visits refused by a full server
        "failed",       // visits lost to failed servers or errors
        "servers",      // time-average servers taking traffic
        "server_hours", // servers running (taking traffic or warming up) x hours
        "rejected",     // visits turned away by an open circuit breaker
        "shed",         // visits turned away by load shedding
        "p99_own",      // 99th percentile of a visit's own time (wait + service), s
    };
    return names;
}

// Time-series columns, one value per window (means over replications).
inline const std::vector<std::string>& window_metric_names() {
    static const std::vector<std::string> names = {"arrivals", "completed", "failed", "mean_response", "slow",
                                                   "good"};
    return names;
}

struct SystemResult {
    std::int64_t replications = 0;
    std::vector<std::vector<double>> metrics;             // [metric][replication]
    std::vector<std::vector<std::vector<double>>> tiers;  // [metric][tier][replication]
    std::vector<std::vector<double>> windows;             // [column][window]
    std::vector<std::vector<double>> window_servers;      // [tier][window]: time-average servers
    LogHistogram response;                                // merged over replications
    std::vector<LogHistogram> own;                        // per tier: wait + service per visit, merged
};

// Most windows a time series keeps; later windows are not recorded.
constexpr std::int64_t kMaxWindows = 100000;

void validate(const SystemConfig& config);
SystemResult simulate_system(const SystemConfig& config, const RunSpec& run);

}  // namespace scalemodel::sim
