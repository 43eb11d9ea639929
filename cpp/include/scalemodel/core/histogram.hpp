// A log-bucketed histogram of non-negative values (times in seconds), for quantiles of
// streams too long to store. Buckets follow the binary exponent of the value split into
// 2^kSubBits equal sub-buckets, so a bucket [a, a(1 + 2^-kSubBits)) is reported by its
// midpoint: the relative error of any quantile is at most 2^-(kSubBits + 1) (0.39%).
// Memory is fixed (kBuckets counters) however many values are added.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mutex>
#include <vector>

namespace scalemodel {

class LogHistogram {
public:
    static constexpr int kSubBits = 7;
    static constexpr int kSub = 1 << kSubBits;
    static constexpr int kMinExp = -40;  // values below 2^-40 s (~1e-12) count as zero
    static constexpr int kMaxExp = 40;   // values at or above 2^40 s (~35,000 years) count as overflow
    // Bucket 0 holds zeros (and values below 2^kMinExp); the last holds the overflow.
    static constexpr int kBuckets = (kMaxExp - kMinExp) * kSub + 2;
    static constexpr double kRelativeError = 1.0 / (2 * kSub);

    LogHistogram() : counts_(kBuckets, 0) {}

    static int bucket(double x) {
        if (!(x >= 0x1.0p-40)) return 0;  // zero, tiny, negative or NaN
        if (x >= 0x1.0p40) return kBuckets - 1;
        std::uint64_t bits;
        std::memcpy(&bits, &x, sizeof bits);
        const int exponent = static_cast<int>((bits >> 52) & 0x7FF) - 1023;
        const int sub = static_cast<int>((bits >> (52 - kSubBits)) & (kSub - 1));
        return 1 + (exponent - kMinExp) * kSub + sub;
    }

    // The value a bucket reports: its midpoint (0 for the zero bucket, inf for overflow).
    static double representative(int b) {
        if (b <= 0) return 0.0;
        if (b >= kBuckets - 1) return std::numeric_limits<double>::infinity();
        const int exponent = (b - 1) / kSub + kMinExp;
        const int sub = (b - 1) % kSub;
        return std::ldexp(1.0 + (sub + 0.5) / kSub, exponent);
    }

    void add(double x) {
        ++counts_[static_cast<std::size_t>(bucket(x))];
        ++total_;
    }
    void merge(const LogHistogram& other) {
        for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
        total_ += other.total_;
    }
    std::uint64_t total() const { return total_; }
    const std::vector<std::uint64_t>& counts() const { return counts_; }

    // The q-quantile (smallest bucket whose cumulative count reaches ceil(q n)); NaN if empty.
    double quantile(double q) const { return quantile_of(counts_.data(), total_, q); }

    static double quantile_of(const std::uint64_t* counts, std::uint64_t total, double q) {
        if (total == 0) return std::numeric_limits<double>::quiet_NaN();
        const double want = std::max(1.0, std::ceil(q * static_cast<double>(total)));
        std::uint64_t cum = 0;
        for (int b = 0; b < kBuckets; ++b) {
            cum += counts[b];
            if (static_cast<double>(cum) >= want) return representative(b);
        }
        return representative(kBuckets - 1);
    }

private:
    std::vector<std::uint64_t> counts_;
    std::uint64_t total_ = 0;
};

// The histogram of a parallel loop: each task records into its own LogHistogram (no shared
// writes in the hot loop) and folds it in once. Counts are integers, so the result does not
// depend on the order in which tasks finish.
class SharedLogHistogram {
public:
    void fold(const LogHistogram& local) {
        std::lock_guard<std::mutex> lock(mutex_);
        merged_.merge(local);
    }
    double quantile(double q) const { return merged_.quantile(q); }  // call after the loop

private:
    std::mutex mutex_;
    LogHistogram merged_;
};

}  // namespace scalemodel
