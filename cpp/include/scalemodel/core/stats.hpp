// Streaming statistics shared by the simulators and Monte Carlo models: a running mean and
// variance (Welford, mergeable) and confidence intervals over independent replications.
#pragma once

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/math_policy.hpp"

namespace scalemodel {

// Welford's streaming mean and variance; merge() combines two runs exactly (Chan et al.).
class RunningStats {
public:
    void add(double x) {
        ++n_;
        const double d = x - mean_;
        mean_ += d / static_cast<double>(n_);
        m2_ += d * (x - mean_);
    }
    void merge(const RunningStats& o) {
        if (o.n_ == 0) return;
        if (n_ == 0) {
            *this = o;
            return;
        }
        const double n = static_cast<double>(n_ + o.n_);
        const double d = o.mean_ - mean_;
        mean_ += d * static_cast<double>(o.n_) / n;
        m2_ += o.m2_ + d * d * static_cast<double>(n_) * static_cast<double>(o.n_) / n;
        n_ += o.n_;
    }
    std::int64_t count() const { return n_; }
    double mean() const { return n_ > 0 ? mean_ : std::numeric_limits<double>::quiet_NaN(); }
    // Sample variance (divisor n - 1); NaN below two observations.
    double variance() const {
        return n_ > 1 ? m2_ / static_cast<double>(n_ - 1) : std::numeric_limits<double>::quiet_NaN();
    }
    double sd() const { return std::sqrt(variance()); }

private:
    std::int64_t n_ = 0;
    double mean_ = 0.0;
    double m2_ = 0.0;
};

// A two-sided confidence interval for a mean.
struct Interval {
    double mean, low, high, half_width;
};

// Student-t interval at confidence `level` (0 < level < 1) over independent observations;
// NaN entries are skipped. One finite observation gives an infinite half-width; none gives
// NaN throughout.
Interval t_interval(const std::vector<double>& values, double level);
Interval t_interval(const double* values, std::size_t n, double level);

// The same from a summary: mean, sample standard deviation sd and count n (infinite below
// n = 2).
inline Interval t_interval(double mean, double sd, std::int64_t n, double level) {
    if (!(level > 0.0 && level < 1.0)) detail::fail_range("level", "in (0, 1)", level);
    if (n < 2 || !std::isfinite(sd)) {
        const double inf = std::numeric_limits<double>::infinity();
        return {mean, -inf, inf, inf};
    }
    const boost::math::students_t_distribution<double, math_policy> t(static_cast<double>(n - 1));
    const double half = boost::math::quantile(t, 0.5 + level / 2.0) * sd / std::sqrt(static_cast<double>(n));
    return {mean, mean - half, mean + half, half};
}

// Two-sided normal interval (for large n or a known standard error).
inline Interval normal_interval(double mean, double standard_error, double level) {
    if (!(level > 0.0 && level < 1.0)) detail::fail_range("level", "in (0, 1)", level);
    const boost::math::normal_distribution<double, math_policy> z;
    const double half = boost::math::quantile(z, 0.5 + level / 2.0) * standard_error;
    return {mean, mean - half, mean + half, half};
}

}  // namespace scalemodel
