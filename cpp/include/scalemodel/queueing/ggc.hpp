// G/G/c by the Allen-Cunneen approximation: the M/M/c wait scaled by the mean of the
// squared coefficients of variation of inter-arrival and service times,
//     Wq ~= ErlangC(c, a) / (c mu - lambda) * (ca2 + cs2) / 2.
// With c = 1 and ca2 = 1 this is the Pollaczek-Khinchine formula for M/G/1, exact for the
// mean; M/D/1 is cs2 = 0 and M/M/c is ca2 = cs2 = 1.
//
// Distributions are approximations: a request waits with probability ErlangC(c, a) (exact
// for M/M/c and for M/G/1, where it equals rho), and a waiting request's wait is exponential
// with the mean that makes the overall mean Wq (exact for M/M/c, the heavy-traffic limit
// otherwise). Service times are taken as gamma with the given mean and SCV (deterministic
// when cs2 = 0); the response time is the wait plus an independent service time.
#pragma once

#include <cstdint>

#include "scalemodel/queueing/metrics.hpp"

namespace scalemodel::queueing {

class GGc {
public:
    // mean_service > 0 in seconds; arrival_scv and service_scv >= 0 are the squared
    // coefficients of variation (variance / mean^2) of inter-arrival and service times.
    GGc(double arrival_rate, double mean_service, std::int64_t servers, double arrival_scv,
        double service_scv);

    const QueueMetrics& metrics() const { return metrics_; }

    double wait_survival(double t) const;
    double response_survival(double t) const;
    double wait_quantile(double q) const;
    double response_quantile(double q) const;

private:
    double service_survival(double t) const;

    double arrival_rate_;
    double mean_service_;
    std::int64_t servers_;
    double service_scv_;
    double mean_wait_if_waiting_;  // mean of the exponential wait of a request that waits
    QueueMetrics metrics_;
};

}  // namespace scalemodel::queueing
