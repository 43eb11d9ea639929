// The one family of positive random durations every stochastic model draws from: service
// times, lifetimes, repair times, network legs, lags. All in seconds.
//
// A Distribution is built once by a named constructor that validates its parameters (the
// message names them as the caller spelled them, through `name`) and is then sampled
// from a caller's Rng, so a replication that owns its Rng owns its whole random path.
// Besides sampling it answers mean, squared coefficient of variation, cdf and quantile.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "scalemodel/core/names.hpp"
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
    double sample(Rng& rng) const {
        // Most models use one plain distribution: keep its draw inline and branch-light.
        return kind_ == Kind::mixture ? sample_mixture(rng) : draw(rng);
    }
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

}  // namespace scalemodel
