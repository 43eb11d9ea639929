// Caches: Zipf request streams and a cache simulator (LRU, LFU, FIFO, TTL). The closed
// forms that check it (Che's approximation, the TTL-cache formula, Zipf shares) live in
// scalemodel/caching/.
//
// Items are integers 0..N-1. Popularity rank r (0 = hottest) maps to item (r + offset) mod
// N; the offset is 0 unless the hot set churns. A cache keeps its state in flat arrays
// indexed by item id (an intrusive doubly linked list in int32 arrays; a binary heap for
// LFU), so a request costs a few array reads and writes and no hashing.
//
// Replication r draws its item ids from Rng(seed, 2r), its arrival times from
// Rng(seed, 2r + 1) and random churn offsets from a third stream: the ids do not depend on
// whether time is simulated, and the result does not depend on the thread count.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "scalemodel/core/fields.hpp"
#include "scalemodel/core/random.hpp"
#include "scalemodel/core/run_spec.hpp"
#include "scalemodel/core/span.hpp"

namespace scalemodel::sim {

// Most items a catalogue may hold (ids must fit the int32 links).
constexpr std::int64_t kMaxCatalogue = (std::int64_t{1} << 31) - 2;

// Zipf ranks 1..n with P(k) proportional to k^-alpha (alpha >= 0). The `head_size` most
// popular ranks, which take most draws, come from an alias table (one random word, a
// multiply and a compare); the rest by rejection-inversion (Hoermann and Derflinger, 1996):
// invert the integral of x^-alpha over the cells [k - 1/2, k + 1/2] and accept with a cheap
// test, expected trials below ~1.1 for every alpha. O(head_size) memory, O(1) per draw
// whatever n; head_size 0 gives pure rejection-inversion.
class ZipfSampler {
public:
    static constexpr std::int64_t kDefaultHead = 2048;
    ZipfSampler(std::int64_t n, double alpha, std::int64_t head_size = kDefaultHead);
    // A rank in [0, n) (0 the most popular).
    std::int64_t operator()(Rng& rng) const {
        if (head_mass_ > 0.0) {
            const double u = rng.uniform();
            if (u < head_mass_) {
                // u / head_mass is uniform on [0, 1): its integer part after scaling picks a
                // column, the fraction decides between the column and its alias.
                const double v = u * head_scale_;
                auto column = static_cast<std::size_t>(v);
                if (column >= alias_.size()) column = alias_.size() - 1;
                return v - static_cast<double>(column) < keep_[column] ? static_cast<std::int64_t>(column)
                                                                         : alias_[column];
            }
        }
        return tail_draw(rng);
    }
    std::int64_t size() const { return static_cast<std::int64_t>(n_); }

    // `count` ranks into out, the same law as operator() but faster: a first pass resolves
    // every draw that lands in the head without a branch, a second samples the tail ones.
    // The sequence depends on how draws are grouped, so callers fill fixed-size blocks.
    void fill(Rng& rng, std::int64_t* out, std::int64_t count) const;

private:
    std::int64_t tail_draw(Rng& rng) const {
        for (;;) {
            const double u = h_n_ + rng.uniform() * (h_first_ - h_n_);
            const double x = h_integral_inverse(u);
            double k = std::floor(x + 0.5);
            if (k < first_) k = first_;
            if (k > n_) k = n_;
            if (k - x <= s_ || u >= h_integral(k + 0.5) - h(k)) return static_cast<std::int64_t>(k) - 1;
        }
    }
    // log1p(x) / x and expm1(x) / x, continuous through x = 0 (alpha = 1 is not a special case).
    static double log1p_over_x(double x) {
        return std::abs(x) > 1e-8 ? std::log1p(x) / x : 1.0 - x * (0.5 - x / 3.0);
    }
    static double expm1_over_x(double x) {
        return std::abs(x) > 1e-8 ? std::expm1(x) / x : 1.0 + x * (0.5 + x / 6.0);
    }
    double h(double x) const { return std::exp(-alpha_ * std::log(x)); }
    // H(x) = integral of t^-alpha from 1 to x, and its inverse.
    double h_integral(double x) const {
        const double log_x = std::log(x);
        return expm1_over_x((1.0 - alpha_) * log_x) * log_x;
    }
    double h_integral_inverse(double x) const {
        double t = x * (1.0 - alpha_);
        if (t < -1.0) t = -1.0;  // rounding guard: H never falls below -1 / (1 - alpha)
        return std::exp(log1p_over_x(t) * x);
    }
    double n_, alpha_;
    double first_ = 1.0;     // the first rank of the tail
    double h_first_ = 0.0;   // H(first + 1/2) - h(first): the tail's lower end
    double h_n_ = 0.0, s_ = 0.0;
    double head_mass_ = 0.0, head_scale_ = 0.0;  // probability of the head; head size / head_mass
    std::vector<double> keep_;                    // alias table of the head
    std::vector<std::int64_t> alias_;
};

// The request stream of one replication: Zipf ranks mapped to item ids, the mapping shifted
// every `churn_interval` requests by `churn_shift` ids (or to a random offset when
// churn_shift < 0). churn_interval 0 means no churn. Ranks are drawn in fixed blocks of
// kBlock, so the ids do not depend on how a caller takes them.
class RequestStream {
public:
    static constexpr std::int64_t kBlock = 256;
    RequestStream(std::int64_t catalogue_size, double alpha, std::int64_t churn_interval, std::int64_t churn_shift,
                  std::uint64_t seed, std::uint64_t replication);
    std::int64_t next() {
        if (at_ == kBlock) {
            zipf_.fill(rng_, ranks_, kBlock);
            at_ = 0;
        }
        if (churn_interval_ > 0 && ++since_churn_ > churn_interval_) {
            since_churn_ = 1;
            offset_ = churn_shift_ >= 0 ? (offset_ + churn_shift_) % n_
                                        : static_cast<std::int64_t>(churn_rng_.below(static_cast<std::uint64_t>(n_)));
        }
        const std::int64_t id = ranks_[at_++] + offset_;
        return id >= n_ ? id - n_ : id;
    }

private:
    ZipfSampler zipf_;
    Rng rng_, churn_rng_;
    std::int64_t n_, churn_interval_, churn_shift_, since_churn_ = 0, offset_ = 0;
    std::int64_t ranks_[kBlock] = {};
    std::int64_t at_ = kBlock;
};

// Item sizes in bytes, a deterministic function of (seed, item): no table, the same item
// always has the same size. fixed: a bytes; uniform: whole bytes in [a, b]; lognormal:
// median a, log-sd b; pareto: minimum a, shape b. Sizes are rounded to whole bytes >= 1.
enum class SizeKind : int { fixed = 0, uniform = 1, lognormal = 2, pareto = 3 };

struct SizeSpec {
    SizeKind kind = SizeKind::fixed;
    double a = 1.0;
    double b = 0.0;

    SCALEMODEL_FIELDS(SizeSpec, kind, a, b)
};
void validate(const SizeSpec& sizes);
double item_size(const SizeSpec& sizes, std::uint64_t seed, std::int64_t item);

enum class CachePolicy : int { lru = 0, lfu = 1, fifo = 2, ttl = 3 };

// One cache in front of a backing store. An empty optional is "not given" (the Python
// None): no item limit, no byte limit, no churn, a random churn offset, no expiry, no time.
struct CacheConfig {
    CachePolicy policy = CachePolicy::lru;
    std::optional<std::int64_t> capacity;        // most items held
    std::optional<double> capacity_bytes;        // most bytes held
    std::int64_t catalogue_size = 1;
    double zipf_alpha = 1.0;
    std::optional<std::int64_t> churn_interval;  // the hot set moves every that many requests
    std::optional<std::int64_t> churn_shift;     // by this many ids (empty: to a random offset)
    Span<std::int64_t> trace;                    // replay these ids instead of sampling (if not empty); borrowed
    std::int64_t requests = 0;                   // counted requests per replication
    std::int64_t warmup = 0;                     // requests before them, not counted
    std::optional<double> ttl_s;                 // expiry after insertion
    std::optional<double> request_rate;          // Poisson requests per second
    double hit_latency_s = 0.0;
    double miss_latency_s = 0.0;
    double latency_quantile = 0.99;
    SizeSpec sizes;

    // `trace` crosses as an array, bound apart.
    SCALEMODEL_FIELDS(CacheConfig, policy, capacity, capacity_bytes, catalogue_size, zipf_alpha, churn_interval,
                      churn_shift, requests, warmup, ttl_s, request_rate, hit_latency_s, miss_latency_s,
                      latency_quantile, sizes)
};

}  // namespace scalemodel::sim

template <>
struct scalemodel::EnumNames<scalemodel::sim::SizeKind> {
    static const char* what() { return "sizes kind"; }
    static std::vector<std::string> names() { return {"fixed", "uniform", "lognormal", "pareto"}; }
};

template <>
struct scalemodel::EnumNames<scalemodel::sim::CachePolicy> {
    static const char* what() { return "policy"; }
    static std::vector<std::string> names() { return {"lru", "lfu", "fifo", "ttl"}; }
};

namespace scalemodel::sim {

inline const std::vector<std::string>& cache_metric_names() {
    static const std::vector<std::string> names = {
        "hit_ratio",    "byte_hit_ratio", "miss_ratio", "miss_rate", "mean_latency", "tail_latency",
        "requests",     "hits",           "evictions",  "expirations", "duration",    "fill_items",
        "fill_bytes",
    };
    return names;
}

struct CacheResult {
    std::vector<std::vector<double>> metrics;  // [metric][replication]
};

void validate(const CacheConfig& config);
CacheResult simulate_cache(const CacheConfig& config, const RunSpec& run);

}  // namespace scalemodel::sim
