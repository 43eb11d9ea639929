// Quantiles of a distribution known through its survival function, by bracketing and
// Boost.Math's TOMS 748 root finder.
#pragma once

#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

namespace scalemodel {

// The smallest t >= 0 with survival(t) <= 1 - q, for a non-increasing survival function
// on [0, inf). `guess` is a positive scale (a mean, say) used to start the bracket.
template <class Survival>
double quantile_from_survival(Survival survival, double q, double guess) {
    if (q <= 0.0) return 0.0;
    if (q >= 1.0) return std::numeric_limits<double>::infinity();
    const double tail = 1.0 - q;
    auto f = [&](double t) { return survival(t) - tail; };
    if (f(0.0) <= 0.0) return 0.0;  // an atom at zero covers the quantile
    double lo = 0.0;
    double hi = guess > 0.0 && std::isfinite(guess) ? guess : 1.0;
    // Widen until the bracket holds the root; survival functions here decay at least
    // exponentially, so a few doublings suffice.
    for (int i = 0; f(hi) > 0.0; ++i) {
        if (i > 2000) return std::numeric_limits<double>::infinity();
        lo = hi;
        hi *= 2.0;
        if (!std::isfinite(hi)) return std::numeric_limits<double>::infinity();  // past double range
    }
    std::uintmax_t max_iter = 200;
    auto tol = boost::math::tools::eps_tolerance<double>(std::numeric_limits<double>::digits - 3);
    if (hi > 1e100 || hi < 1e-100) {
        // TOMS 748's interpolation multiplies differences of the bracket: at scales near
        // 1e300 they overflow (NaN). Solve for t / hi in [lo / hi, 1] instead.
        auto scaled = [&](double x) { return f(x * hi); };
        const std::pair<double, double> r = boost::math::tools::toms748_solve(scaled, lo / hi, 1.0, tol, max_iter);
        return 0.5 * (r.first + r.second) * hi;
    }
    std::pair<double, double> r = boost::math::tools::toms748_solve(f, lo, hi, tol, max_iter);
    return 0.5 * (r.first + r.second);
}

}  // namespace scalemodel
