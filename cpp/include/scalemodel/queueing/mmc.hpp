// M/M/c: Poisson arrivals, exponential service, c identical servers, unlimited FIFO queue.
// M/M/1 is the case c = 1. Waiting and response-time distributions are exact.
#pragma once

#include <cstdint>

#include "scalemodel/queueing/metrics.hpp"

namespace scalemodel::queueing {

class MMc : public MarkovianStation {
public:
    // arrival_rate >= 0 and service_rate > 0 in requests per second (per server), servers >= 1.
    MMc(double arrival_rate, double service_rate, std::int64_t servers);

    double offered_load() const { return arrival_rate_ / service_rate_; }

    // P(wait > t) and P(response > t), t in seconds.
    double wait_survival(double t) const;
    double response_survival(double t) const;
    // Smallest t with P(. <= t) >= q, for q in [0, 1]; +inf when unstable or q = 1.
    double wait_quantile(double q) const;
    double response_quantile(double q) const;

private:
    double drain_rate_;  // c mu - lambda: the rate at which a backlog drains
};

}  // namespace scalemodel::queueing
