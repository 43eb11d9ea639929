#include "scalemodel/core/stats.hpp"

#include <boost/math/distributions/students_t.hpp>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/math_policy.hpp"

namespace scalemodel {

Interval t_interval(const double* values, std::size_t n, double level) {
    if (!(level > 0.0 && level < 1.0)) detail::fail_range("level", "in (0, 1)", level);
    RunningStats s;
    bool infinite = false;
    for (std::size_t i = 0; i < n; ++i) {
        if (std::isnan(values[i])) continue;
        if (std::isinf(values[i])) infinite = true;
        s.add(values[i]);
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    if (s.count() == 0) return {nan, nan, nan, nan};
    if (infinite) {
        double m = 0;
        for (std::size_t i = 0; i < n; ++i)
            if (std::isinf(values[i])) m = values[i];
        return {m, m, m, 0.0};
    }
    const double mean = s.mean();
    if (s.count() == 1) return {mean, -inf, inf, inf};
    boost::math::students_t_distribution<double, math_policy> t(static_cast<double>(s.count() - 1));
    const double crit = boost::math::quantile(boost::math::complement(t, (1.0 - level) / 2.0));
    const double half = crit * std::sqrt(s.variance() / static_cast<double>(s.count()));
    return {mean, mean - half, mean + half, half};
}

Interval t_interval(const std::vector<double>& values, double level) {
    return t_interval(values.data(), values.size(), level);
}

}  // namespace scalemodel
