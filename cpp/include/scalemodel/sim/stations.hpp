// Discrete-event simulation of stations: a balancer routing requests to backends, each a
// station of c servers with one FIFO queue, an optional buffer limit (drops) and an
// optional timeout on the wait (abandonment). A single backend is the plain c-server
// station (G/G/c, G/G/c/K). Servers can fail and recover during a run.
//
// Each replication runs `warmup` customers whose statistics are discarded, then
// `customers` counted ones; the measurement window runs from the first counted arrival
// to the last arrival, and the system is drained afterwards so every counted customer's
// response time is recorded (no bias towards short jobs). Replication r draws from
// Rng(seed, r), so results do not depend on the thread count. Statistics are streamed:
// means exactly, quantiles from a LogHistogram (relative error LogHistogram::kRelativeError).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "scalemodel/core/histogram.hpp"
#include "scalemodel/core/arrivals.hpp"
#include "scalemodel/core/distribution.hpp"
#include "scalemodel/core/fields.hpp"
#include "scalemodel/core/run_spec.hpp"

namespace scalemodel::sim {

enum class Policy : int {
    random,
    round_robin,
    weighted_round_robin,
    least_connections,
    least_outstanding_work,
    power_of_d,
    sticky,
};


// `servers` of backend `backend` go down at `at_s` and come back at `until_s` (inf: never);
// servers = 0 takes the whole backend down. Requests in service on a failed server fail;
// when all of a backend's servers are down its queue fails too and the balancer stops
// routing to it.
struct Outage {
    std::int64_t backend = 0;
    std::int64_t servers = 0;
    double at_s = 0.0;
    double until_s = std::numeric_limits<double>::infinity();

    SCALEMODEL_FIELDS(Outage, backend, servers, at_s, until_s)
};

struct StationsConfig {
    std::vector<std::int64_t> servers;  // per backend, >= 1
    std::vector<double> speeds;         // per backend service-rate multiplier (> 0), default 1
    std::vector<double> weights;        // weighted round robin weights, default = speed
    // random and power of d: each backend's chance of being drawn is proportional to its
    // draw weight (haproxy's random draws from a hash ring with unequal arcs); empty: uniform
    std::vector<double> draw_weights;
    Policy policy = Policy::random;
    std::int64_t d = 2;                 // power of d choices: candidates per request
    bool replacement = true;            // power of d: candidates drawn with replacement (haproxy's random(2))
    std::int64_t clients = 1000;        // sticky: number of clients
    double client_skew = 1.0;           // sticky: Zipf exponent of client request rates
    double overhead_s = 0.0;            // balancer latency added to each response, seconds
    std::int64_t capacity = 0;          // max requests in system per backend; 0 = unlimited
    double timeout = std::numeric_limits<double>::infinity();  // max wait in queue, seconds
    std::vector<Outage> outages;
    Arrivals arrivals = Arrivals::poisson(1.0);
    Distribution service = Distribution::exponential(1.0);
    // Recorded service times (seconds at speed 1), one per replayed arrival in order; empty:
    // drawn from `service`. Needs replayed arrivals, at least warmup + customers of each.
    std::vector<double> service_times;
    // Sticky: each replayed arrival's client (0 .. clients - 1), in order; empty: drawn
    // from the clients' Zipf rates. Needs replayed arrivals, one per timestamp.
    std::vector<std::int64_t> client_ids;
    // random and power of d (with replacement): replayed draws, the backend of each draw in
    // order (d per request), instead of drawn ones; every replication replays the same ones
    // and a tie goes to the later draw (haproxy's random(d), whose generator starts from
    // the same state in every process). A drawn backend that is down is skipped; the
    // sequence wraps around when used up. Empty: drawn.
    std::vector<std::int64_t> draws;
    std::int64_t customers = 100000;
    std::int64_t warmup = 10000;

    SCALEMODEL_FIELDS(StationsConfig, servers, speeds, weights, draw_weights, policy, d, replacement, clients,
                      client_skew, overhead_s, capacity, timeout, outages, arrivals, service, service_times, client_ids,
                      draws, customers, warmup)
};

}  // namespace scalemodel::sim

// The policies' names, in enum order: the only place they are spelled.
template <>
struct scalemodel::EnumNames<scalemodel::sim::Policy> {
    static const char* what() { return "policy"; }
    static const std::vector<std::string>& names() {
        static const std::vector<std::string> n = {"random",           "round_robin", "weighted_round_robin",
                                                   "least_connections", "least_outstanding_work", "power_of_d",
                                                   "sticky"};
        return n;
    }
    static std::vector<std::pair<std::string, scalemodel::sim::Policy>> aliases() {
        using P = scalemodel::sim::Policy;
        return {{"least_work", P::least_outstanding_work}, {"power_of_two", P::power_of_d}, {"ip_hash", P::sticky}};
    }
};
namespace scalemodel::sim {

// Scalar metrics of one replication, in this order (names for the bindings).
inline const std::vector<std::string>& metric_names() {
    static const std::vector<std::string> names = {
        "mean_wait",          "mean_response",       "p50_wait",         "p95_wait",
        "p99_wait",           "p999_wait",           "p50_response",     "p95_response",
        "p99_response",       "p999_response",       "throughput",       "utilization",
        "drop_rate",          "timeout_rate",        "fail_rate",        "imbalance",
        "mean_response_before", "mean_response_after", "p99_response_before", "p99_response_after",
        "utilization_before", "utilization_after",   "arrivals",         "completed",
        "dropped",            "timed_out",           "failed",           "duration",
        "events",             "overflow",
    };
    return names;
}

// Per-backend and per-server figures, averaged over replications.
inline const std::vector<std::string>& backend_names() {
    static const std::vector<std::string> names = {"arrival_share", "throughput", "utilization",
                                                   "utilization_before", "utilization_after",
                                                   "mean_response", "dropped", "failed"};
    return names;
}
inline const std::vector<std::string>& server_names() {
    static const std::vector<std::string> names = {"throughput", "utilization"};
    return names;
}

struct StationsResult {
    std::int64_t replications = 0;
    std::vector<std::vector<double>> metrics;   // [metric][replication]
    std::vector<std::vector<double>> backends;  // [field][backend]
    std::vector<std::vector<double>> servers;   // [field][server]
    LogHistogram wait, response, response_before, response_after;  // merged over replications
};

// Most requests allowed to wait at once in one replication; beyond it the run stops and
// is flagged as overflowing (an unstable queue), so memory stays bounded.
constexpr std::int64_t kMaxQueued = std::int64_t{1} << 20;

void validate(const StationsConfig& config);
StationsResult simulate_stations(const StationsConfig& config, const RunSpec& run);

}  // namespace scalemodel::sim
