// Positive random durations used by the reliability studies: lifetimes, repair times,
// replication lags, network legs, think times, partition lengths. All in seconds.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/exponential.hpp"
#include "scalemodel/core/random.hpp"

namespace scalemodel::reliability {

enum class DistKind : int { constant = 0, exponential = 1, lognormal = 2, uniform = 3, weibull = 4 };

// constant: value a. exponential: mean a. lognormal: median a, log-sd b (mean a e^{b^2/2}).
// uniform: on [a, b]. weibull: mean a, shape b.
struct Dist {
    DistKind kind = DistKind::constant;
    double a = 0.0;
    double b = 0.0;
    double scale = 0.0;  // precomputed: Weibull scale

    double mean() const {
        switch (kind) {
            case DistKind::constant: return a;
            case DistKind::exponential: return a;
            case DistKind::lognormal: return a * std::exp(0.5 * b * b);
            case DistKind::uniform: return 0.5 * (a + b);
            case DistKind::weibull: return a;
        }
        return a;
    }
    double sample(Rng& rng) const {
        switch (kind) {
            case DistKind::constant: return a;
            case DistKind::exponential: return a * standard_exponential(rng);
            case DistKind::lognormal: return a * std::exp(b * standard_normal(rng));
            case DistKind::uniform: return a + (b - a) * rng.uniform();
            case DistKind::weibull: return scale * std::pow(standard_exponential(rng), 1.0 / b);
        }
        return a;
    }
    // Box-Muller, one value per pair of uniforms (keeps streams free of hidden state).
    static double standard_normal(Rng& rng) {
        const double u1 = rng.uniform_open(), u2 = rng.uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
};

// A validated distribution; `name` appears in error messages.
inline Dist make_dist(const char* name, int kind, double a, double b) {
    Dist d;
    const std::string pa = std::string(name) + " parameter";
    switch (kind) {
        case 0: check_nonnegative(name, a); break;
        case 1: check_positive((std::string(name) + " mean").c_str(), a); break;
        case 2:
            check_positive((std::string(name) + " median").c_str(), a);
            check_nonnegative((std::string(name) + " sigma").c_str(), b);
            if (b > 10.0) detail::fail_range((std::string(name) + " sigma").c_str(), "<= 10", b);
            break;
        case 3:
            check_nonnegative((std::string(name) + " low").c_str(), a);
            check_nonnegative((std::string(name) + " high").c_str(), b);
            if (b < a) detail::fail_range((std::string(name) + " high").c_str(), ">= low", b);
            break;
        case 4:
            check_positive((std::string(name) + " mean").c_str(), a);
            check_positive((std::string(name) + " shape").c_str(), b);
            if (b < 0.05 || b > 100.0) detail::fail_range((std::string(name) + " shape").c_str(), "in [0.05, 100]", b);
            break;
        default: detail::fail_range((std::string(name) + " kind").c_str(), "0 (constant) to 4 (weibull)", kind);
    }
    d.kind = static_cast<DistKind>(kind);
    d.a = a;
    d.b = b;
    if (d.kind == DistKind::weibull) d.scale = a / std::tgamma(1.0 + 1.0 / b);
    return d;
}

}  // namespace scalemodel::reliability
