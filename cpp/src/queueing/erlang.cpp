#include "scalemodel/queueing/erlang.hpp"

#include <boost/math/special_functions/gamma.hpp>
#include <cfloat>
#include <cmath>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/math_policy.hpp"

namespace scalemodel::queueing {

namespace {

// 1/B = sum_{j=0}^{c} prod_{i<j} (c - i)/a. The terms shrink geometrically when a > c,
// so the sum converges in a few hundred terms exactly where the gamma form underflows.
double erlang_b_series(std::int64_t c, double a) {
    double term = 1.0;
    double sum = 1.0;
    for (std::int64_t j = 0; j < c; ++j) {
        term *= static_cast<double>(c - j) / a;
        sum += term;
        if (term < sum * 1e-17) break;
    }
    return 1.0 / sum;
}

}  // namespace

double erlang_b(std::int64_t servers, double offered_load) {
    // Beyond 1e9 servers Boost's incomplete gamma stops converging; no system is that big.
    check_count("servers", servers, 1, 1'000'000'000);
    const double a = check_nonnegative("offered_load", offered_load);
    if (a == 0.0) return 0.0;
    // B = Poisson pmf(c; a) / Poisson cdf(c; a), both through the regularized incomplete
    // gamma function: pmf = d/da P(c+1, a) and cdf = Q(c+1, a). No factorials appear.
    const double c = static_cast<double>(servers);
    const double x = c + 1.0;
    const double pmf = boost::math::gamma_p_derivative(x, a, math_policy());
    const double cdf = boost::math::gamma_q(x, a, math_policy());
    if (a > c) {
        // Below DBL_MIN the quotient loses relative precision; the series is exact there.
        if (!(pmf >= DBL_MIN && cdf >= DBL_MIN && std::isfinite(pmf))) return erlang_b_series(servers, a);
        return pmf / cdf;
    }
    // a <= c: the cdf is at least about 1/2, so B is of the order of the pmf; when the
    // pmf leaves double's range, take it from logarithms (B then underflows honestly).
    if (!(pmf >= DBL_MIN) || !std::isfinite(pmf)) {
        return std::exp(c * std::log(a) - a - std::lgamma(x)) / cdf;
    }
    return pmf / cdf;
}

double erlang_c(std::int64_t servers, double offered_load) {
    const double b = erlang_b(servers, offered_load);
    const double c = static_cast<double>(servers);
    const double a = offered_load;
    if (a >= c) return 1.0;
    // C = c B / (c - a (1 - B)); the denominator is a sum of non-negative parts, so there
    // is no cancellation as a approaches c.
    return c * b / ((c - a) + a * b);
}

}  // namespace scalemodel::queueing
