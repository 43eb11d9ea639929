#include "scalemodel/core/fit.hpp"

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <cmath>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/math_policy.hpp"

namespace scalemodel {

double gamma_shape_mle(double s) {
    check_positive("s", s);
    // Minka (2002): within 1.5% of the root everywhere; Newton then converges in a few steps.
    double k = (3.0 - s + std::sqrt((s - 3.0) * (s - 3.0) + 24.0 * s)) / (12.0 * s);
    for (int i = 0; i < 100; ++i) {
        const double f = std::log(k) - boost::math::digamma(k, math_policy()) - s;
        const double df = 1.0 / k - boost::math::trigamma(k, math_policy());
        double next = k - f / df;
        if (!(next > 0.0)) next = 0.5 * k;  // stay in the domain
        if (std::fabs(next - k) <= 1e-14 * k) return next;
        k = next;
    }
    return k;
}

double chi_squared_sf(double x, double dof) {
    check_positive("dof", dof);
    if (std::isnan(x)) detail::fail_range("x", "a number", x);
    if (x <= 0.0) return 1.0;
    if (std::isinf(x)) return 0.0;
    return boost::math::gamma_q(0.5 * dof, 0.5 * x, math_policy());
}

double kolmogorov_sf(double k) {
    if (std::isnan(k)) detail::fail_range("k", "a number", k);
    if (k <= 0.0) return 1.0;
    if (k < 0.2) return 1.0;  // the series converges slowly there; the sum is 1 to 1e-50
    double sum = 0.0, sign = 1.0;
    for (int j = 1; j <= 100; ++j) {
        const double term = std::exp(-2.0 * j * j * k * k);
        sum += sign * term;
        if (term < 1e-17 * sum) break;
        sign = -sign;
    }
    return std::fmin(1.0, std::fmax(0.0, 2.0 * sum));
}

}  // namespace scalemodel
