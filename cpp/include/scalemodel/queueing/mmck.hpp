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

}  // namespace scalemodel::queueing
