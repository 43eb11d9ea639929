// The one family of positive random durations every stochastic model draws from: service
// times, lifetimes, repair times, network legs, lags. All in seconds.
//
// A Distribution is built once by a named constructor that validates its parameters (the
// message names them as the caller spelled them, through `name`) and is then sampled
// from a caller's Rng, so a replication that owns its Rng owns its whole random path.
// Besides sampling it answers mean, squared coefficient of variation, cdf and quantile.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "scalemodel/core/names.hpp"
#include "scalemodel/core/exponential.hpp"
#include "scalemodel/core/random.hpp"

namespace scalemodel {

class Distribution {
public:
    enum class Kind : int { exponential, deterministic, lognormal, gamma, weibull, pareto, uniform, empirical, mixture };

    // Each takes the names its parameters have for the caller, for error messages.
    static Distribution exponential(double mean, const std::string& mean_name = "mean");
    static Distribution deterministic(double value, const std::string& value_name = "value");
    // Lognormal of the given mean; sigma is the standard deviation of log X, in [0, 10].
    static Distribution lognormal(double mean, double sigma);
    // Gamma of the given mean and squared coefficient of variation (shape 1 / scv).
    static Distribution gamma(double mean, double scv);
    // Weibull of the given mean and shape in [0.05, 100] (1 is exponential).
    static Distribution weibull(double mean, double shape);
    // Pareto type I of the given mean and tail index alpha in (1, 1e6]:
    // P(X > x) = (x_m / x)^alpha for x >= x_m = mean (alpha - 1) / alpha.
    static Distribution pareto(double mean, double alpha);
    static Distribution uniform(double low, double high);
    // The empirical distribution of the given samples (each finite and >= 0).
    static Distribution empirical(std::vector<double> samples);
    // A finite mixture; weights are normalized to sum to 1. Nested mixtures are flattened,
    // so one uniform picks the component.
    static Distribution mixture(const std::vector<std::pair<double, Distribution>>& components);

    Kind kind() const { return kind_; }
    double sample(Rng& rng) const { return draw(rng); }
    // f(sampler), where sampler(rng) draws like sample(rng) but is specialized to this
    // kind for the commonest ones (exponential, uniform, constant): a hot loop written
    // inside f dispatches on the kind once, not once per draw.
    template <class F>
    decltype(auto) visit(F&& f) const;
    double mean() const { return mean_; }
    double scv() const { return scv_; }  // variance / mean^2; inf when the variance is
    double cdf(double x) const;          // P(X <= x)
    double quantile(double q) const;     // smallest x with P(X <= x) >= q, q in [0, 1]

    // The flattened mixture components (weight, plain distribution); one entry, weight 1,
    // for a plain distribution.
    std::vector<std::pair<double, Distribution>> components() const;

private:
    Distribution() = default;
    static Distribution plain(Kind kind, double a, double b, double mean, double scv);
    double draw(Rng& rng) const;
    double sample_mixture(Rng& rng) const;

    Kind kind_ = Kind::deterministic;
    double a_ = 0.0, b_ = 0.0;  // exponential: mean; deterministic: value; lognormal: mu, sigma;
                                // gamma: shape, scale; weibull: scale, shape; pareto: x_m, alpha;
                                // uniform: low, high
    double mean_ = 0.0, scv_ = 0.0;
    std::shared_ptr<const std::vector<double>> samples_;  // empirical: sorted
    std::vector<Distribution> parts_;                   // mixture
    std::vector<double> weights_, cumulative_;          // mixture
};

template <>
struct EnumNames<Distribution::Kind> {
    static const char* what() { return "distribution kind"; }
    static std::vector<std::string> names() {
        return {"exponential", "deterministic", "lognormal", "gamma", "weibull", "pareto", "uniform", "empirical",
                "mixture"};
    }
};

namespace detail {

// Marsaglia and Tsang (2000) for shape >= 1; shape < 1 by Gamma(shape + 1) U^(1/shape).
// Kept out of line so that draw() stays small enough to inline into the studies' loops.
[[gnu::noinline]] inline double standard_gamma(double shape, Rng& rng) {
    if (shape < 1.0) {
        const double g = standard_gamma(shape + 1.0, rng);
        return g * std::pow(rng.uniform_open(), 1.0 / shape);
    }
    const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
        const double x = standard_normal(rng);
        double v = 1.0 + c * x;
        if (v <= 0.0) continue;
        v = v * v * v;
        const double u = rng.uniform_open();
        if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
    }
}

}  // namespace detail

// Always inlined: the studies draw millions of durations per second, and a call per draw
// cost the stale-read study a quarter of its speed.
[[gnu::always_inline]] inline double Distribution::draw(Rng& rng) const {
    switch (kind_) {
        case Kind::exponential:
            return standard_exponential(rng) * a_;
        case Kind::deterministic:
            return a_;
        case Kind::lognormal:
            return std::exp(a_ + b_ * standard_normal(rng));
        case Kind::gamma:
            return detail::standard_gamma(a_, rng) * b_;
        case Kind::weibull:
            return a_ * std::pow(standard_exponential(rng), 1.0 / b_);
        case Kind::pareto:
            return a_ * std::pow(rng.uniform_open(), -1.0 / b_);
        case Kind::uniform:
            return a_ + (b_ - a_) * rng.uniform();
        case Kind::empirical:
            return (*samples_)[rng.below(samples_->size())];
        case Kind::mixture:
            return sample_mixture(rng);
    }
    return a_;
}

template <class F>
decltype(auto) Distribution::visit(F&& f) const {
    const double a = a_, b = b_;
    switch (kind_) {
        case Kind::exponential:
            return f([a](Rng& rng) { return standard_exponential(rng) * a; });
        case Kind::uniform:
            return f([a, b](Rng& rng) { return a + (b - a) * rng.uniform(); });
        case Kind::deterministic:
            return f([a](Rng&) { return a; });
        default:
            return f([this](Rng& rng) { return draw(rng); });
    }
}

}  // namespace scalemodel
