// Inverse problems on M/M/c and on the G/G/c approximation (ggc.hpp): the fewest servers,
// or the highest arrival rate, that meet a set of service-level targets.
#pragma once

#include <cstdint>
#include <limits>

namespace scalemodel::queueing {

// Each target is optional: NaN means "no such target". At least one must be set.
struct Targets {
    double response_time = std::numeric_limits<double>::quiet_NaN();  // seconds, for `quantile`
    double quantile = 0.99;                                            // of the response time
    double mean_response = std::numeric_limits<double>::quiet_NaN();  // seconds
    double prob_wait = std::numeric_limits<double>::quiet_NaN();      // P(wait) <= this
    double utilization = std::numeric_limits<double>::quiet_NaN();    // per-server busy fraction
    // A call centre's service level: P(wait <= wait_time) >= service_level (both or neither).
    double wait_time = std::numeric_limits<double>::quiet_NaN();      // seconds
    double service_level = std::numeric_limits<double>::quiet_NaN();  // in (0, 1)
};

// Fewest servers c >= 1 such that M/M/c(arrival_rate, service_rate, c) is stable and meets
// every target; -1 when no number of servers can (a latency target below what service
// alone takes).
std::int64_t min_servers(double arrival_rate, double service_rate, const Targets& targets);

// Highest arrival rate at which M/M/c(., service_rate, servers) meets every target, to
// about 1e-12 relative; 0 when even an idle system misses a target.
double max_arrival_rate(double service_rate, std::int64_t servers, const Targets& targets);

// The variability of a G/G/c station: mean service time (seconds) and the squared
// coefficients of variation of inter-arrival and service times (1 and 1 is M/M/c).
struct GGcShape {
    double mean_service = 1.0;
    double arrival_scv = 1.0;
    double service_scv = 1.0;
};

// The same two problems on GGc(arrival_rate, shape.mean_service, c, shape.arrival_scv,
// shape.service_scv). A response-time target is met when P(response > response_time) <=
// 1 - quantile (the survival function, not a root-found quantile, so each probe is one
// evaluation). -1 / 0 as above when nothing meets the targets.
std::int64_t min_servers(double arrival_rate, const GGcShape& shape, const Targets& targets);
double max_arrival_rate(const GGcShape& shape, std::int64_t servers, const Targets& targets);

}  // namespace scalemodel::queueing
