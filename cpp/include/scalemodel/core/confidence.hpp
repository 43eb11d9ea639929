// Confidence intervals for means of independent replications (Student's t, Boost.Math).
#pragma once

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/math_policy.hpp"

namespace scalemodel {

// Half-width of the two-sided `level` confidence interval for a mean estimated from n
// replications with sample standard deviation sd; NaN for n < 2.
inline double t_half_width(double sd, double n, double level) {
    if (!(level > 0.0 && level < 1.0)) detail::fail_range("level", "in (0, 1)", level);
    if (!(n >= 2.0)) return std::numeric_limits<double>::quiet_NaN();
    const boost::math::students_t_distribution<double, math_policy> t(n - 1.0);
    return boost::math::quantile(t, 0.5 + 0.5 * level) * sd / std::sqrt(n);
}

}  // namespace scalemodel
