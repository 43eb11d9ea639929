// A log-bucketed histogram of non-negative durations for streaming quantiles: fixed
// memory however many observations, buckets 1% wide from 1 ns to 10^12 s, so a quantile
// is within 0.5% (relative) of the exact sample quantile. Counts are atomic integers:
// concurrent adds from any number of threads give the same histogram in any order.
#pragma once

#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace scalemodel::reliability {

class LogHistogram {
public:
    static constexpr double kLow = 1e-9;
    static constexpr double kRatio = 1.01;
    static constexpr std::size_t kBuckets = 4861;  // log(1e21) / log(1.01), rounded up

    LogHistogram() : counts_(kBuckets + 2) {
        for (auto& c : counts_) c.store(0, std::memory_order_relaxed);
    }

    void add(double x) { counts_[index(x)].fetch_add(1, std::memory_order_relaxed); }

    std::int64_t total() const {
        std::int64_t n = 0;
        for (const auto& c : counts_) n += c.load(std::memory_order_relaxed);
        return n;
    }

    // The q-quantile (0 < q <= 1): the geometric middle of the bucket holding rank
    // ceil(q n); 0 below 1 ns, inf above 10^12 s, NaN when empty.
    double quantile(double q) const {
        const std::int64_t n = total();
        if (n == 0) return std::numeric_limits<double>::quiet_NaN();
        const auto rank = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(q * static_cast<double>(n))));
        std::int64_t seen = 0;
        for (std::size_t i = 0; i < counts_.size(); ++i) {
            seen += counts_[i].load(std::memory_order_relaxed);
            if (seen >= rank) {
                if (i == 0) return 0.0;
                if (i == kBuckets + 1) return std::numeric_limits<double>::infinity();
                return kLow * std::pow(kRatio, static_cast<double>(i) - 0.5);
            }
        }
        return std::numeric_limits<double>::infinity();
    }

private:
    static std::size_t index(double x) {
        if (!(x >= kLow)) return 0;
        const double i = std::floor(std::log(x / kLow) / std::log(kRatio)) + 1.0;
        return i > static_cast<double>(kBuckets) ? kBuckets + 1 : static_cast<std::size_t>(i);
    }
    std::vector<std::atomic<std::int64_t>> counts_;
};

}  // namespace scalemodel::reliability
