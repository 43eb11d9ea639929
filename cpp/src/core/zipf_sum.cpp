#include "scalemodel/core/zipf_sum.hpp"

namespace scalemodel {

namespace {

double expm1_over_x(double x) { return std::abs(x) > 1e-8 ? std::expm1(x) / x : 1.0 + x * (0.5 + x / 6.0); }

}  // namespace

double zipf_partial_sum(std::int64_t first, std::int64_t last, double alpha) {
    check_zipf_alpha(alpha);
    if (first < 1) detail::fail_range("first", "a whole number >= 1", first);
    if (last < first) return 0.0;
    // Exact head, then Euler-Maclaurin with three Bernoulli corrections: with m > 1000 the
    // remainder is below 1e-20 of the tail.
    auto f = [alpha](double x) { return std::pow(x, -alpha); };
    auto integral = [alpha](double m, double b) {
        const double log_ratio = std::log(b / m);
        return std::pow(m, 1.0 - alpha) * log_ratio * expm1_over_x((1.0 - alpha) * log_ratio);
    };
    auto derivative = [alpha](double x, int order) {  // d^order/dx^order of x^-alpha
        const double power = std::pow(x, -alpha - order);
        if (power == 0.0) return 0.0;  // a huge alpha: the coefficient below would overflow to inf * 0
        double coef = -alpha;
        for (int k = 1; k < order; ++k) coef *= -(alpha + k);
        return coef * power;
    };
    return euler_maclaurin_sum(first, last, 1024, f, integral, derivative, 3);
}

}  // namespace scalemodel
