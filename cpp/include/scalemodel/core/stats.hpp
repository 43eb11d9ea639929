// Streaming statistics shared by the simulators and Monte Carlo models: a running mean
// and variance (Welford) and Student-t confidence intervals over independent replications.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace scalemodel {

// Numerically stable running mean and variance.
class RunningStats {
public:
    void add(double x) {
        ++n_;
        const double d = x - mean_;
        mean_ += d / static_cast<double>(n_);
        m2_ += d * (x - mean_);
    }
    std::uint64_t count() const { return n_; }
    double mean() const { return n_ ? mean_ : std::numeric_limits<double>::quiet_NaN(); }
    double variance() const {
        return n_ > 1 ? m2_ / static_cast<double>(n_ - 1) : std::numeric_limits<double>::quiet_NaN();
    }

private:
    std::uint64_t n_ = 0;
    double mean_ = 0.0, m2_ = 0.0;
};

// A two-sided Student-t confidence interval for the mean of independent observations.
struct Interval {
    double mean, low, high, half_width;
};

// Interval at confidence `level` (0 < level < 1) over `values`; NaN entries are skipped.
// One finite observation gives an infinite half-width; none gives NaN throughout.
Interval t_interval(const std::vector<double>& values, double level);
Interval t_interval(const double* values, std::size_t n, double level);

}  // namespace scalemodel
