// M/M/c/K: as M/M/c, but at most `capacity` requests in the system (waiting plus in
// service); an arrival that finds it full is turned away. capacity = servers is Erlang's
// loss system. Always stable. Waiting and response-time distributions are exact.
#pragma once

#include <cstdint>
#include <vector>

#include "scalemodel/queueing/metrics.hpp"

namespace scalemodel::queueing {

class MMcK : public MarkovianStation {
public:
    // capacity >= servers >= 1.
    MMcK(double arrival_rate, double service_rate, std::int64_t servers, std::int64_t capacity);

    // P(n requests in the system), n = 0..capacity.
    const std::vector<double>& state_probabilities() const { return p_; }

    // For an admitted request: P(wait > t) and P(response > t), t in seconds.
    double wait_survival(double t) const;
    double response_survival(double t) const;
    double wait_quantile(double q) const;
    double response_quantile(double q) const;

private:
    std::int64_t capacity_;
    double arrival_share(std::int64_t n) const;
    std::vector<double> p_;
    double admitted_ = 0.0;  // P(not blocked), summed without cancellation
};

// P(response > t) of an FCFS arrival that finds `present` requests at `servers` exponential
// workers of rate service_rate: Exp(mu) when a worker is free, else Erlang(present - c + 1,
// c mu) + Exp(mu). Later arrivals do not change it. Accurate to the far tail (no overflow
// for thousands ahead).
double fcfs_response_survival(std::int64_t present, std::int64_t servers, double service_rate, double t);
// E[S; response > t] / E[S] for the same arrival: the share of its own mean service time
// spent on it when it is answered after t (work a client that gave up at t wasted).
double fcfs_late_work(std::int64_t present, std::int64_t servers, double service_rate, double t);

}  // namespace scalemodel::queueing
