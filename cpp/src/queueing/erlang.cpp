#include "scalemodel/queueing/erlang.hpp"

#include <boost/math/special_functions/gamma.hpp>
#include <cfloat>
#include <cmath>

#include "scalemodel/core/check.hpp"

namespace scalemodel::queueing {

namespace {

// Double precision throughout: promoting to long double costs ~4x and buys nothing here.
using fast_policy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;

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
    check_count("servers", servers, 1);
    const double a = check_nonnegative("offered_load", offered_load);
    if (a == 0.0) return 0.0;
    // B = Poisson pmf(c; a) / Poisson cdf(c; a), both through the regularized incomplete
    // gamma function: pmf = d/da P(c+1, a) and cdf = Q(c+1, a). No factorials appear.
    const double x = static_cast<double>(servers) + 1.0;
    const double pmf = boost::math::gamma_p_derivative(x, a, fast_policy());
    const double cdf = boost::math::gamma_q(x, a, fast_policy());
    // Below DBL_MIN the quotient loses relative precision; for a > c the series is exact
    // and fast there. For a < c a tiny pmf means B itself is below DBL_MIN.
    if (a > static_cast<double>(servers) && (pmf < DBL_MIN || cdf < DBL_MIN)) {
        return erlang_b_series(servers, a);
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
