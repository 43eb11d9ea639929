// Service-time distributions and arrival processes for the simulators. Each is built
// once from validated parameters and then sampled from a caller's Rng, so a replication
// that owns its Rng owns its whole random path.
#pragma once

#include <cstdint>
#include <vector>

#include "scalemodel/core/random.hpp"

namespace scalemodel::sim {

enum class DistKind : int { exponential = 0, deterministic = 1, lognormal = 2, pareto = 3 };

// One component of a service-time mixture. `shape` is sigma of log(X) for the lognormal
// and the tail index alpha (> 1) for the Pareto; it is unused otherwise.
struct Component {
    double weight;
    DistKind kind;
    double mean;
    double shape;
};

// A finite mixture of the four families (a single component is the plain distribution).
class ServiceDist {
public:
    explicit ServiceDist(std::vector<Component> components);
    double sample(Rng& rng) const;
    double mean() const { return mean_; }

private:
    struct Prepared {
        DistKind kind;
        double a, b;  // exponential: mean; deterministic: value; lognormal: mu, sigma; pareto: x_m, -1/alpha
    };
    static double draw(const Prepared& p, Rng& rng);
    std::vector<Prepared> parts_;
    std::vector<double> cumulative_;
    double mean_ = 0.0;
};

enum class ArrivalKind : int { poisson = 0, deterministic = 1, mmpp = 2, replay = 3 };

// Poisson(rate); deterministic (one arrival every 1/rate, the first at 1/rate); a
// two-state Markov-modulated Poisson process (rate in state 0 for exponential periods of
// mean mean0, rate1 in state 1 for periods of mean mean1; rate1 = 0 is on/off traffic);
// or a replay of sorted timestamps owned by the caller.
struct ArrivalSpec {
    ArrivalKind kind = ArrivalKind::poisson;
    double rate = 1.0, rate1 = 0.0, mean0 = 1.0, mean1 = 1.0;
    const double* times = nullptr;
    std::int64_t n_times = 0;

    void validate() const;
    double mean_rate() const;
};

class ArrivalStream {
public:
    ArrivalStream(const ArrivalSpec& spec, Rng& rng);
    // The next arrival's absolute time; inf once a replay is exhausted.
    double next(Rng& rng);

private:
    ArrivalSpec spec_;
    double t_ = 0.0;
    int state_ = 0;
    double switch_at_ = 0.0;
    std::int64_t index_ = 0;
};

}  // namespace scalemodel::sim
