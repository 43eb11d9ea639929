// Sums over Zipf popularity shared by the cache simulator (its sampler's head mass) and the
// analytic cache models: a compensated sum, Euler-Maclaurin for smooth tails, and the
// generalized harmonic partial sum sum_{i=first}^{last} i^-alpha.
#pragma once

#include <cmath>
#include <cstdint>

#include "scalemodel/core/check.hpp"

namespace scalemodel {

// A Zipf exponent: finite and >= 0 (0 is the uniform law).
inline double check_zipf_alpha(double alpha) {
    if (!(alpha >= 0.0) || !std::isfinite(alpha)) detail::fail_range("zipf_alpha", "a finite number >= 0", alpha);
    return alpha;
}

// Neumaier's compensated sum.
class CompensatedSum {
public:
    void add(double x) {
        const double t = sum_ + x;
        if (std::abs(sum_) >= std::abs(x))
            carry_ += (sum_ - t) + x;
        else
            carry_ += (x - t) + sum_;
        sum_ = t;
    }
    double value() const { return sum_ + carry_; }

private:
    double sum_ = 0.0, carry_ = 0.0;
};

// sum_{i=first}^{last} f(i) for a smooth f: up to `head` terms (at least the first
// `head`) summed one by one, smallest index last, the rest by Euler-Maclaurin from the
// integral over [m, last], the end-point terms and `corrections` Bernoulli terms built from
// odd_derivative(x, order), order 1, 3, 5. The remainder after the correction with
// derivative order k is about f^(k+2)(m) / (k+2)!, tiny once m is in the thousands for the
// power-law-like f used here (each derivative brings a factor ~alpha / x).
template <class F, class Integral, class OddDerivative>
double euler_maclaurin_sum(std::int64_t first, std::int64_t last, std::int64_t head, F&& f, Integral&& integral,
                           OddDerivative&& odd_derivative, int corrections) {
    if (last < first) return 0.0;
    CompensatedSum sum;
    const std::int64_t direct_end = last - first < 2 * head ? last : first + head - 1;
    if (direct_end < last) {
        const double m = static_cast<double>(direct_end + 1), b = static_cast<double>(last);
        static constexpr double kBernoulli[] = {1.0 / 12.0, -1.0 / 720.0, 1.0 / 30240.0};
        sum.add(integral(m, b));
        sum.add(0.5 * (f(m) + f(b)));
        for (int k = 0; k < corrections && k < 3; ++k)
            sum.add(kBernoulli[k] * (odd_derivative(b, 2 * k + 1) - odd_derivative(m, 2 * k + 1)));
    }
    for (std::int64_t i = direct_end; i >= first; --i) sum.add(f(static_cast<double>(i)));
    return sum.value();
}

// sum_{i=first}^{last} i^-alpha, compensated; O(1) for long ranges (exact head plus
// Euler-Maclaurin for the smooth tail, relative error ~1e-15).
double zipf_partial_sum(std::int64_t first, std::int64_t last, double alpha);

}  // namespace scalemodel
