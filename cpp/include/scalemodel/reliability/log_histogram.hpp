// A log-bucketed histogram of non-negative durations for streaming quantiles: fixed
// memory however many observations. A bucket is a binary exponent and the top 7 bits of
// the mantissa (read straight from the double's bits: no logarithm per observation), so
// buckets are at most 1/128 wide (relative) from 2^-30 s (~1 ns) to 2^40 s, and a quantile
// is within 0.4% of the exact sample quantile. Counts are integers, so merging histograms
// from any number of threads, in any order, gives the same result.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

namespace scalemodel::reliability {

class LogHistogram {
public:
    static constexpr int kMinExp = -30;  // 2^-30 s ~ 0.93 ns
    static constexpr int kMaxExp = 40;   // 2^40 s ~ 35,000 years
    static constexpr int kSubBits = 7;
    static constexpr std::size_t kBuckets = static_cast<std::size_t>(kMaxExp - kMinExp) << kSubBits;

    LogHistogram() : counts_(kBuckets + 2) {
        for (auto& c : counts_) c.store(0, std::memory_order_relaxed);
    }

    void add(double x) { counts_[index(x)].fetch_add(1, std::memory_order_relaxed); }

    // A plain (single-thread) bucket array to fill locally and merge() once: cheaper than
    // an atomic add per observation in tight loops.
    using Local = std::vector<std::int64_t>;
    static Local local() { return Local(kBuckets + 2, 0); }
    static void add(Local& l, double x) { ++l[index(x)]; }
    void merge(const Local& l) {
        for (std::size_t i = 0; i < l.size(); ++i)
            if (l[i] != 0) counts_[i].fetch_add(l[i], std::memory_order_relaxed);
    }

    std::int64_t total() const {
        std::int64_t n = 0;
        for (const auto& c : counts_) n += c.load(std::memory_order_relaxed);
        return n;
    }

    // The q-quantile (0 < q <= 1): the geometric middle of the bucket holding rank
    // ceil(q n); 0 below 2^-30 s, inf from 2^40 s, NaN when empty.
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
                const std::size_t b = i - 1;
                const int e = static_cast<int>(b >> kSubBits) + kMinExp;
                const double sub = static_cast<double>(b & ((1u << kSubBits) - 1));
                const double width = 1.0 / (1u << kSubBits);
                return std::ldexp(std::sqrt((1.0 + sub * width) * (1.0 + (sub + 1.0) * width)), e);
            }
        }
        return std::numeric_limits<double>::infinity();
    }

    static std::size_t index(double x) {
        if (!(x >= std::ldexp(1.0, kMinExp))) return 0;
        if (!(x < std::ldexp(1.0, kMaxExp))) return kBuckets + 1;
        std::uint64_t bits;
        std::memcpy(&bits, &x, sizeof bits);
        const auto e = static_cast<std::int64_t>((bits >> 52) & 0x7ff) - 1023 - kMinExp;
        const auto sub = static_cast<std::int64_t>((bits >> (52 - kSubBits)) & ((1u << kSubBits) - 1));
        return static_cast<std::size_t>((e << kSubBits) + sub) + 1;
    }

private:
    std::vector<std::atomic<std::int64_t>> counts_;
};

}  // namespace scalemodel::reliability
