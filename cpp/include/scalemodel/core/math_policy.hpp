// The Boost.Math policy every domain uses for special functions.
#pragma once

#include <boost/math/policies/policy.hpp>
#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>

namespace scalemodel {

// Double precision throughout (promoting to long double costs ~4x and buys nothing at
// the accuracy we promise), and overflow returns inf instead of throwing: callers test
// for it and switch to a form that cannot overflow.
using math_policy = boost::math::policies::policy<boost::math::policies::promote_double<false>,
                                                  boost::math::policies::overflow_error<boost::math::policies::ignore_error>>;

// The regularized incomplete gamma functions P(a, x), Q(a, x) and the inverse of P for any
// shape a > 0. Boost's series give up (an evaluation_error) near x = a once a passes ~1e11
// (a gamma law with an SCV below 1e-11); past kLargeGammaShape the Wilson-Hilferty normal
// approximation takes over, its error there below 1e-9.
constexpr double kLargeGammaShape = 1e9;
namespace detail {
inline double wilson_hilferty_z(double a, double x) {
    const double v = 1.0 / (9.0 * a);
    return (std::cbrt(x / a) - (1.0 - v)) / std::sqrt(v);
}
}  // namespace detail
inline double gamma_p(double a, double x) {
    if (a > kLargeGammaShape) return 0.5 * std::erfc(-detail::wilson_hilferty_z(a, x) / std::sqrt(2.0));
    return boost::math::gamma_p(a, x, math_policy());
}
inline double gamma_q(double a, double x) {
    if (a > kLargeGammaShape) return 0.5 * std::erfc(detail::wilson_hilferty_z(a, x) / std::sqrt(2.0));
    return boost::math::gamma_q(a, x, math_policy());
}
inline double gamma_p_inv(double a, double p) {
    if (a > kLargeGammaShape) {
        const double v = 1.0 / (9.0 * a), z = -std::sqrt(2.0) * boost::math::erfc_inv(2.0 * p, math_policy());
        const double c = 1.0 - v + z * std::sqrt(v);
        return c > 0.0 ? a * c * c * c : 0.0;
    }
    return boost::math::gamma_p_inv(a, p, math_policy());
}

}  // namespace scalemodel
