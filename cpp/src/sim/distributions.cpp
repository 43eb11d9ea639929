#include "scalemodel/sim/distributions.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/exponential.hpp"

namespace scalemodel::sim {

namespace {
constexpr double kTwoPi = 6.283185307179586476925286766559;
}

ServiceDist::ServiceDist(std::vector<Component> components) {
    if (components.empty()) throw std::invalid_argument("service must have at least one component");
    double total = 0.0;
    for (const auto& c : components) {
        check_nonnegative("service mixture weight", c.weight);
        total += c.weight;
    }
    if (!(total > 0.0)) throw std::invalid_argument("service mixture weights must not all be zero");
    double cum = 0.0;
    for (const auto& c : components) {
        Prepared p{c.kind, 0.0, 0.0};
        switch (c.kind) {
            case DistKind::exponential:
                p.a = check_positive("service mean", c.mean);
                break;
            case DistKind::deterministic:
                p.a = check_nonnegative("service time", c.mean);
                break;
            case DistKind::lognormal: {
                check_positive("service mean", c.mean);
                const double sigma = c.shape;
                if (!(sigma >= 0.0 && sigma <= 10.0)) detail::fail_range("lognormal sigma", "in [0, 10]", sigma);
                p.a = std::log(c.mean) - 0.5 * sigma * sigma;
                p.b = sigma;
                break;
            }
            case DistKind::pareto: {
                check_positive("service mean", c.mean);
                const double alpha = c.shape;
                if (!(alpha > 1.0 && alpha <= 1e6)) detail::fail_range("pareto alpha", "in (1, 1e6]", alpha);
                p.a = c.mean * (alpha - 1.0) / alpha;
                p.b = -1.0 / alpha;
                break;
            }
            default:
                throw std::invalid_argument("unknown service distribution kind");
        }
        cum += c.weight / total;
        mean_ += c.weight / total * c.mean;
        parts_.push_back(p);
        cumulative_.push_back(cum);
    }
    cumulative_.back() = 1.0;
}

double ServiceDist::draw(const Prepared& p, Rng& rng) {
    switch (p.kind) {
        case DistKind::exponential:
            return standard_exponential(rng) * p.a;
        case DistKind::deterministic:
            return p.a;
        case DistKind::lognormal: {
            // Box-Muller; one normal per call keeps the stream simple.
            const double r = std::sqrt(-2.0 * std::log(rng.uniform_open()));
            const double z = r * std::cos(kTwoPi * rng.uniform());
            return std::exp(p.a + p.b * z);
        }
        case DistKind::pareto:
            return p.a * std::pow(rng.uniform_open(), p.b);
    }
    return 0.0;
}

double ServiceDist::sample(Rng& rng) const {
    if (parts_.size() == 1) return draw(parts_[0], rng);
    const double u = rng.uniform();
    std::size_t i = 0;
    while (i + 1 < cumulative_.size() && u >= cumulative_[i]) ++i;
    return draw(parts_[i], rng);
}

void ArrivalSpec::validate() const {
    switch (kind) {
        case ArrivalKind::poisson:
        case ArrivalKind::deterministic:
            check_positive("arrival_rate", rate);
            break;
        case ArrivalKind::mmpp:
            check_nonnegative("arrival rate in state 0", rate);
            check_nonnegative("arrival rate in state 1", rate1);
            check_positive("mean duration of state 0", mean0);
            check_positive("mean duration of state 1", mean1);
            if (!(mean_rate() > 0.0)) throw std::invalid_argument("arrival rates must not both be zero");
            break;
        case ArrivalKind::replay:
            if (n_times < 1 || times == nullptr) throw std::invalid_argument("arrival timestamps must not be empty");
            for (std::int64_t i = 0; i < n_times; ++i) {
                if (!std::isfinite(times[i]) || times[i] < 0.0)
                    detail::fail_range("arrival timestamps", "finite and >= 0", times[i]);
                if (i > 0 && times[i] < times[i - 1])
                    throw std::invalid_argument("arrival timestamps must be sorted in increasing order");
            }
            break;
        default:
            throw std::invalid_argument("unknown arrival process");
    }
}

double ArrivalSpec::mean_rate() const {
    switch (kind) {
        case ArrivalKind::mmpp:
            return (rate * mean0 + rate1 * mean1) / (mean0 + mean1);
        case ArrivalKind::replay:
            return times[n_times - 1] > times[0] ? static_cast<double>(n_times - 1) / (times[n_times - 1] - times[0])
                                                 : std::numeric_limits<double>::infinity();
        default:
            return rate;
    }
}

ArrivalStream::ArrivalStream(const ArrivalSpec& spec, Rng& rng) : spec_(spec) {
    if (spec_.kind == ArrivalKind::mmpp) {
        // Start in the stationary state distribution.
        state_ = rng.uniform() * (spec_.mean0 + spec_.mean1) < spec_.mean0 ? 0 : 1;
        switch_at_ = standard_exponential(rng) * (state_ == 0 ? spec_.mean0 : spec_.mean1);
    }
}

double ArrivalStream::next(Rng& rng) {
    switch (spec_.kind) {
        case ArrivalKind::poisson:
            t_ += standard_exponential(rng) / spec_.rate;
            return t_;
        case ArrivalKind::deterministic:
            t_ += 1.0 / spec_.rate;
            return t_;
        case ArrivalKind::mmpp:
            for (;;) {
                const double r = state_ == 0 ? spec_.rate : spec_.rate1;
                const double dt = r > 0.0 ? standard_exponential(rng) / r : std::numeric_limits<double>::infinity();
                if (t_ + dt < switch_at_) {
                    t_ += dt;
                    return t_;
                }
                // Memoryless: jump to the switch and draw afresh in the new state.
                t_ = switch_at_;
                state_ = 1 - state_;
                switch_at_ = t_ + standard_exponential(rng) * (state_ == 0 ? spec_.mean0 : spec_.mean1);
            }
        case ArrivalKind::replay:
            if (index_ >= spec_.n_times) return std::numeric_limits<double>::infinity();
            return spec_.times[index_++];
    }
    return std::numeric_limits<double>::infinity();
}

}  // namespace scalemodel::sim
