// G/G/c by the Allen-Cunneen approximation: the M/M/c wait scaled by the mean of the
// squared coefficients of variation of inter-arrival and service times,
//     Wq ~= ErlangC(c, a) / (c mu - lambda) * (ca2 + cs2) / 2.
// With c = 1 and ca2 = 1 this is the Pollaczek-Khinchine formula for M/G/1, exact for the
// mean; M/D/1 is cs2 = 0 and M/M/c is ca2 = cs2 = 1.
//
// Distributions are approximations. The wait has an atom at zero and, beyond it, an
// exponential tail P(W > t) = p exp(-(t - t0) / m) for t >= t0:
// - M/G/1 (one server, Poisson arrivals): the exact asymptotic tail of the M/G/1 wait
//   (Cramer-Lundberg): decay rate k solving lambda (M_S(k) - 1) = k, with M_S the service
//   time's moment generating function, and constant (1 - rho) / (lambda M_S'(k) - 1),
//   capped at P(wait) = rho. Exact for M/M/1; for M/D/1 the p99 wait matches Erlang's
//   exact distribution to 1e-6 from rho = 0.7 up, and within 1% at rho = 0.3.
// - otherwise: a request waits with probability ErlangC(c, a) (exact for M/M/c), for an
//   exponential time whose mean makes the overall mean Wq (the heavy-traffic limit).
// Service times are taken as gamma with the given mean and SCV (deterministic when
// cs2 = 0); the response time is the wait plus an independent service time.
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
    // E[exp(-(u - S) / m); S <= u] for the (gamma) service time S: P(E + S > u) - P(S > u)
    // for E exponential with mean m.
    double exp_smoothed_cdf(double u, double m) const;
    void mg1_tail();

    double arrival_rate_;
    double mean_service_;
    std::int64_t servers_;
    double service_scv_;
    // Wait tail: P(W > t) = tail_prob_ exp(-(t - tail_shift_) / tail_mean_) for t >= tail_shift_.
    double tail_prob_ = 0.0;
    double tail_shift_ = 0.0;
    double tail_mean_ = 0.0;
    QueueMetrics metrics_;
};

}  // namespace scalemodel::queueing
