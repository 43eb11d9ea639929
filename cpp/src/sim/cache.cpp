#include "scalemodel/sim/cache.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <unistd.h>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/exponential.hpp"
#include "scalemodel/core/parallel.hpp"
#include "scalemodel/core/roots.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>

namespace scalemodel::sim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Neumaier's compensated sum.
class CompensatedSum {
public:
    void add(double x) {
        const double t = sum_ + x;
        if (std::abs(sum_) >= std::abs(x))
            carry_ += (sum_ - t) + x;
        else
            carry_ += (x - t) + sum_;
        sum_ = t;
    }
    double value() const { return sum_ + carry_; }

private:
    double sum_ = 0.0, carry_ = 0.0;
};

double uniform_from_bits(std::uint64_t bits) { return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53; }

}  // namespace

// --- Zipf sampling --------------------------------------------------------------------------

ZipfSampler::ZipfSampler(std::int64_t n, double alpha, std::int64_t head_size)
    : n_(static_cast<double>(n)), alpha_(alpha) {
    check_count("catalogue_size", n, 1, kMaxCatalogue);
    if (!(alpha >= 0.0) || !std::isfinite(alpha)) detail::fail_range("zipf_alpha", "a finite number >= 0", alpha);
    const std::int64_t head = std::min(check_count("head_size", head_size, 0, 1 << 20), n);
    if (head > 0) {
        // Vose's alias method over ranks 1..head.
        const double head_total = zipf_partial_sum(1, head, alpha);
        head_mass_ = head == n ? 1.0 : head_total / (head_total + zipf_partial_sum(head + 1, n, alpha));
        head_scale_ = static_cast<double>(head) / head_mass_;
        const auto m = static_cast<std::size_t>(head);
        keep_.assign(m, 1.0);
        alias_.resize(m);
        std::vector<double> scaled(m);
        std::vector<std::size_t> small, large;
        for (std::size_t i = 0; i < m; ++i) {
            alias_[i] = static_cast<std::int64_t>(i);
            scaled[i] = std::pow(static_cast<double>(i + 1), -alpha) / head_total * static_cast<double>(m);
            (scaled[i] < 1.0 ? small : large).push_back(i);
        }
        while (!small.empty() && !large.empty()) {
            const std::size_t lo = small.back(), hi = large.back();
            small.pop_back();
            keep_[lo] = scaled[lo];
            alias_[lo] = static_cast<std::int64_t>(hi);
            scaled[hi] -= 1.0 - scaled[lo];
            if (scaled[hi] < 1.0) {
                large.pop_back();
                small.push_back(hi);
            }
        }
        if (head == n) head_mass_ = 2.0;  // every draw from the table (u < 1 always)
    }
    first_ = static_cast<double>(std::min(head + 1, n));
    h_first_ = h_integral(first_ + 0.5) - h(first_);
    h_n_ = h_integral(n_ + 0.5);
    s_ = 2.0 - h_integral_inverse(h_integral(2.5) - h(2.0));
}

void ZipfSampler::fill(Rng& rng, std::int64_t* out, std::int64_t count) const {
    constexpr std::int64_t kChunk = 256;
    std::int32_t tails[kChunk];
    const std::size_t last_column = alias_.empty() ? 0 : alias_.size() - 1;
    for (std::int64_t start = 0; start < count; start += kChunk) {
        const std::int64_t m = std::min(kChunk, count - start);
        std::int64_t* o = out + start;
        std::int32_t n_tails = 0;
        if (alias_.empty()) {
            for (std::int64_t k = 0; k < m; ++k) tails[n_tails++] = static_cast<std::int32_t>(k);
        } else {
            for (std::int64_t k = 0; k < m; ++k) {
                const double u = rng.uniform();
                const double v = u * head_scale_;
                // Clamped so a tail draw (u >= head_mass) reads a valid column it then ignores.
                const std::size_t column = std::min(static_cast<std::size_t>(std::min(v, 4e18)), last_column);
                const bool keep = v - static_cast<double>(column) < keep_[column];
                o[k] = keep ? static_cast<std::int64_t>(column) : alias_[column];
                tails[n_tails] = static_cast<std::int32_t>(k);
                n_tails += u >= head_mass_ ? 1 : 0;
            }
        }
        for (std::int32_t t = 0; t < n_tails; ++t) o[tails[t]] = tail_draw(rng);
    }
}

RequestStream::RequestStream(std::int64_t catalogue_size, double alpha, std::int64_t churn_interval,
                             std::int64_t churn_shift, std::uint64_t seed, std::uint64_t replication)
    : zipf_(catalogue_size, alpha),
      rng_(seed, 2 * replication),
      churn_rng_(seed ^ 0xC2B2AE3D27D4EB4FULL, 2 * replication),
      n_(catalogue_size),
      churn_interval_(check_count("churn_interval", churn_interval, 0)),
      churn_shift_(check_count("churn_shift", churn_shift, -1, catalogue_size - 1)) {}

// --- item sizes -----------------------------------------------------------------------------

void validate(const SizeSpec& s) {
    switch (s.kind) {
        case SizeKind::fixed:
            if (!(s.a >= 1.0 && s.a <= 1e15)) detail::fail_range("size_bytes", "a number in [1, 1e15]", s.a);
            break;
        case SizeKind::uniform:
            if (!(s.a >= 1.0 && s.a <= 1e15)) detail::fail_range("low_bytes", "a number in [1, 1e15]", s.a);
            if (!(s.b >= s.a && s.b <= 1e15)) detail::fail_range("high_bytes", "a number in [low_bytes, 1e15]", s.b);
            break;
        case SizeKind::lognormal:
            if (!(s.a >= 1.0 && s.a <= 1e15)) detail::fail_range("median_bytes", "a number in [1, 1e15]", s.a);
            if (!(s.b >= 0.0 && s.b <= 10.0)) detail::fail_range("sigma", "a number in [0, 10]", s.b);
            break;
        case SizeKind::pareto:
            if (!(s.a >= 1.0 && s.a <= 1e15)) detail::fail_range("minimum_bytes", "a number in [1, 1e15]", s.a);
            if (!(s.b > 0.0 && s.b <= 1e6)) detail::fail_range("shape", "a number in (0, 1e6]", s.b);
            break;
        default:
            throw std::invalid_argument("sizes kind must be fixed, uniform, lognormal or pareto");
    }
}

double item_size(const SizeSpec& s, std::uint64_t seed, std::int64_t item) {
    if (s.kind == SizeKind::fixed) return std::round(s.a);
    std::uint64_t state = seed ^ (static_cast<std::uint64_t>(item) * 0xD1B54A32D192ED03ULL);
    const double u1 = uniform_from_bits(splitmix64(state));
    const double u2 = uniform_from_bits(splitmix64(state));
    double x = 1.0;
    switch (s.kind) {
        case SizeKind::uniform:
            x = std::floor(s.a) + std::floor(u1 * (std::floor(s.b) - std::floor(s.a) + 1.0));
            break;
        case SizeKind::lognormal: {
            const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);  // Box-Muller
            x = s.a * std::exp(s.b * z);
            break;
        }
        case SizeKind::pareto:
            x = s.a * std::pow(u1, -1.0 / s.b);
            break;
        default:
            break;
    }
    return std::max(1.0, std::min(std::round(x), 1e18));
}

// --- cache structures ----------------------------------------------------------------------

namespace {

// An intrusive doubly linked list over item ids, most recent at the front; node n is the
// sentinel. A node's two links share a cache line; next < 0 marks an item not in the cache.
// LRU moves an item to the front on a hit; FIFO and TTL leave it where its insertion put it.
class LinkedCache {
public:
    LinkedCache(std::int64_t n, bool move_on_hit)
        : nodes_(static_cast<std::size_t>(n) + 1, Node{-1, -1}), sentinel_(static_cast<std::int32_t>(n)),
          move_on_hit_(move_on_hit) {
        nodes_[static_cast<std::size_t>(sentinel_)] = {sentinel_, sentinel_};
    }
    bool contains(std::int64_t i) const { return node(i).next >= 0; }
    void on_hit(std::int64_t i, std::uint64_t) {
        if (move_on_hit_ && node(sentinel_).next != i) {
            unlink(static_cast<std::int32_t>(i));
            push_front(static_cast<std::int32_t>(i));
        }
    }
    void insert(std::int64_t i, std::uint64_t) { push_front(static_cast<std::int32_t>(i)); }
    // The next item to evict (-1 when empty).
    std::int64_t victim() const {
        const std::int32_t t = node(sentinel_).prev;
        return t == sentinel_ ? -1 : t;
    }
    void remove(std::int64_t i) {
        unlink(static_cast<std::int32_t>(i));
        node(i).next = -1;
    }
    // Hints for requests a few steps ahead: the item's node, then its neighbours' nodes.
    void prefetch(std::int64_t i) const { __builtin_prefetch(&node(i)); }
    void prefetch_links(std::int64_t i) const {
        const Node& x = node(i);
        if (x.next >= 0 && move_on_hit_) {
            __builtin_prefetch(&node(x.prev), 1);
            __builtin_prefetch(&node(x.next), 1);
        }
        // The eviction a miss may need: the tail and the node before it.
        const std::int32_t tail = node(sentinel_).prev;
        __builtin_prefetch(&node(node(tail).prev), 1);
    }
    static constexpr bool kOldestAtTail = true;

private:
    struct Node {
        std::int32_t prev, next;
    };
    Node& node(std::int64_t i) { return nodes_[static_cast<std::size_t>(i)]; }
    const Node& node(std::int64_t i) const { return nodes_[static_cast<std::size_t>(i)]; }
    void unlink(std::int32_t i) {
        const Node x = node(i);
        node(x.prev).next = x.next;
        node(x.next).prev = x.prev;
    }
    void push_front(std::int32_t i) {
        Node& head = node(sentinel_);
        const std::int32_t first = head.next;
        node(i) = {sentinel_, first};
        node(first).prev = i;
        head.next = i;
    }
    std::vector<Node> nodes_;
    std::int32_t sentinel_;
    bool move_on_hit_;
};

// In-cache LFU: evicts the cached item with the fewest requests since it was inserted, ties
// going to the least recently requested. A binary min-heap on (count, last request) with
// each item's heap position in a flat array.
class LfuCache {
public:
    explicit LfuCache(std::int64_t n)
        : pos_(static_cast<std::size_t>(n), -1), count_(static_cast<std::size_t>(n), 0), last_(static_cast<std::size_t>(n), 0) {}
    bool contains(std::int64_t i) const { return pos_[static_cast<std::size_t>(i)] >= 0; }
    void on_hit(std::int64_t i, std::uint64_t now) {
        ++count_[static_cast<std::size_t>(i)];
        last_[static_cast<std::size_t>(i)] = now;
        sift_down(static_cast<std::size_t>(pos_[static_cast<std::size_t>(i)]));  // its key only grew
    }
    void insert(std::int64_t i, std::uint64_t now) {
        count_[static_cast<std::size_t>(i)] = 1;
        last_[static_cast<std::size_t>(i)] = now;
        heap_.push_back(static_cast<std::int32_t>(i));
        pos_[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(heap_.size() - 1);
        sift_up(heap_.size() - 1);
    }
    std::int64_t victim() const { return heap_.empty() ? -1 : heap_.front(); }
    void prefetch(std::int64_t i) const { __builtin_prefetch(&pos_[static_cast<std::size_t>(i)]); }
    void prefetch_links(std::int64_t i) const {
        __builtin_prefetch(&count_[static_cast<std::size_t>(i)]);
        __builtin_prefetch(&last_[static_cast<std::size_t>(i)]);
    }
    void remove(std::int64_t i) {
        const std::size_t at = static_cast<std::size_t>(pos_[static_cast<std::size_t>(i)]);
        pos_[static_cast<std::size_t>(i)] = -1;
        const std::int32_t last = heap_.back();
        heap_.pop_back();
        if (at == heap_.size()) return;
        place(at, last);
        sift_up(at);
        sift_down(static_cast<std::size_t>(pos_[static_cast<std::size_t>(last)]));
    }
    static constexpr bool kOldestAtTail = false;

private:
    bool less(std::int32_t a, std::int32_t b) const {
        const auto ua = static_cast<std::size_t>(a), ub = static_cast<std::size_t>(b);
        return count_[ua] != count_[ub] ? count_[ua] < count_[ub] : last_[ua] < last_[ub];
    }
    void place(std::size_t at, std::int32_t item) {
        heap_[at] = item;
        pos_[static_cast<std::size_t>(item)] = static_cast<std::int32_t>(at);
    }
    void sift_up(std::size_t at) {
        const std::int32_t item = heap_[at];
        while (at > 0) {
            const std::size_t parent = (at - 1) / 2;
            if (!less(item, heap_[parent])) break;
            place(at, heap_[parent]);
            at = parent;
        }
        place(at, item);
    }
    void sift_down(std::size_t at) {
        const std::int32_t item = heap_[at];
        const std::size_t n = heap_.size();
        for (;;) {
            std::size_t child = 2 * at + 1;
            if (child >= n) break;
            if (child + 1 < n && less(heap_[child + 1], heap_[child])) ++child;
            if (!less(heap_[child], item)) break;
            place(at, heap_[child]);
            at = child;
        }
        place(at, item);
    }
    std::vector<std::int32_t> heap_, pos_;
    std::vector<std::uint64_t> count_, last_;
};

struct Tally {
    std::uint64_t requests = 0, hits = 0, evictions = 0, expirations = 0;
    double bytes = 0, hit_bytes = 0, start_time = 0, end_time = 0;
};

// One replication. Timed: Poisson arrival times exist; Expiring: a finite TTL; Sized:
// sizes vary by item (otherwise every item has the fixed size).
template <class Cache, bool Timed, bool Expiring, bool Sized>
std::vector<double> run_replication(const CacheConfig& c, std::uint64_t seed, std::uint64_t replication) {
    Cache cache = [&] {
        if constexpr (std::is_same_v<Cache, LinkedCache>)
            return LinkedCache(c.catalogue_size, c.policy == CachePolicy::lru);
        else
            return LfuCache(c.catalogue_size);
    }();
    RequestStream stream(c.catalogue_size, c.zipf_alpha, c.churn_interval, c.churn_shift, seed, replication);
    Rng clock(seed, 2 * replication + 1);
    std::vector<double> inserted;
    if constexpr (Expiring) inserted.assign(static_cast<std::size_t>(c.catalogue_size), 0.0);

    const std::int64_t cap_items = c.capacity_items > 0 ? c.capacity_items : INT64_MAX;
    const double cap_bytes = c.capacity_bytes > 0 ? c.capacity_bytes : kInf;
    const double fixed_size = std::round(c.sizes.a);
    auto size_of = [&](std::int64_t item) { return Sized ? item_size(c.sizes, seed, item) : fixed_size; };
    const double mean_gap = Timed ? 1.0 / c.request_rate : 0.0;

    std::int64_t items = 0;
    double used_bytes = 0, now = 0;
    Tally warm, all;  // counts at the end of the warm-up, and at the end
    const std::int64_t total = c.warmup + c.requests;
    auto drop = [&](std::int64_t item) {
        cache.remove(item);
        --items;
        used_bytes -= size_of(item);
    };
    // Ids come in blocks so the cache can prefetch the nodes of requests a few steps ahead.
    constexpr std::int64_t kBlock = 256, kAhead = 12, kLinksAhead = 4;
    std::int64_t block[kBlock];
    std::int64_t block_start = 0, block_size = 0;
    for (std::int64_t j = 0; j < total; ++j) {
        if (j == c.warmup) {
            warm = all;
            warm.start_time = now;
        }
        if (j == block_start + block_size) {
            block_start = j;
            block_size = std::min(kBlock, total - j);
            for (std::int64_t k = 0; k < block_size; ++k) block[k] = c.trace ? c.trace[j + k] : stream.next();
            for (std::int64_t k = 0; k < std::min(kAhead, block_size); ++k) cache.prefetch(block[k]);
        }
        const std::int64_t at = j - block_start;
        if (at + kAhead < block_size) cache.prefetch(block[at + kAhead]);
        if (at + kLinksAhead < block_size) cache.prefetch_links(block[at + kLinksAhead]);
        const std::int64_t id = block[at];
        if constexpr (Timed) now += mean_gap * standard_exponential(clock);
        const double size = size_of(id);
        ++all.requests;
        all.bytes += size;
        bool hit = cache.contains(id);
        if constexpr (Expiring) {
            if (hit && now - inserted[static_cast<std::size_t>(id)] >= c.ttl_s) {
                drop(id);
                ++all.expirations;
                hit = false;
            }
        }
        if (hit) {
            cache.on_hit(id, static_cast<std::uint64_t>(j));
            ++all.hits;
            all.hit_bytes += size;
            continue;
        }
        if (size > cap_bytes) continue;  // never fits: served from the store, not cached
        if constexpr (Expiring && Cache::kOldestAtTail) {
            // Free what has expired at the old end first, so it is not counted as an eviction.
            for (std::int64_t v = cache.victim(); v >= 0 && now - inserted[static_cast<std::size_t>(v)] >= c.ttl_s;
                 v = cache.victim()) {
                drop(v);
                ++all.expirations;
            }
        }
        while (items >= cap_items || used_bytes + size > cap_bytes) {
            const std::int64_t victim = cache.victim();
            if (victim < 0) {  // empty: only rounding in the byte count (sums past 2^53) is left
                used_bytes = 0.0;
                break;
            }
            drop(victim);
            ++all.evictions;
        }
        cache.insert(id, static_cast<std::uint64_t>(j));
        ++items;
        used_bytes += size;
        if constexpr (Expiring) inserted[static_cast<std::size_t>(id)] = now;
    }
    if (c.warmup >= total) warm = all;  // not reached: nothing counted
    const double n = static_cast<double>(all.requests - warm.requests);
    const double hits = static_cast<double>(all.hits - warm.hits);
    const double misses = n - hits;
    const double duration = Timed ? now - warm.start_time : kNaN;
    const double low = std::min(c.hit_latency_s, c.miss_latency_s), high = std::max(c.hit_latency_s, c.miss_latency_s);
    const double n_low = c.hit_latency_s <= c.miss_latency_s ? hits : misses;
    const double need = std::max(1.0, std::ceil(c.latency_quantile * n));
    return {
        hits / n,
        (all.hit_bytes - warm.hit_bytes) / (all.bytes - warm.bytes),
        misses / n,
        Timed ? misses / duration : kNaN,
        (hits * c.hit_latency_s + misses * c.miss_latency_s) / n,
        n_low >= need ? low : high,
        n,
        hits,
        static_cast<double>(all.evictions - warm.evictions),
        static_cast<double>(all.expirations - warm.expirations),
        duration,
        static_cast<double>(items),
        used_bytes,
    };
}

template <class Cache, bool Timed, bool Expiring>
std::vector<double> dispatch_sized(const CacheConfig& c, std::uint64_t seed, std::uint64_t r) {
    return c.sizes.kind == SizeKind::fixed ? run_replication<Cache, Timed, Expiring, false>(c, seed, r)
                                           : run_replication<Cache, Timed, Expiring, true>(c, seed, r);
}

template <class Cache>
std::vector<double> dispatch_time(const CacheConfig& c, std::uint64_t seed, std::uint64_t r) {
    if (std::isfinite(c.ttl_s)) return dispatch_sized<Cache, true, true>(c, seed, r);
    if (c.request_rate > 0) return dispatch_sized<Cache, true, false>(c, seed, r);
    return dispatch_sized<Cache, false, false>(c, seed, r);
}

}  // namespace

void validate(const CacheConfig& c) {
    const int p = static_cast<int>(c.policy);
    if (p < 0 || p > 3) throw std::invalid_argument("policy must be one of lru, lfu, fifo, ttl");
    check_count("catalogue_size", c.catalogue_size, 1, kMaxCatalogue);
    if (!(c.zipf_alpha >= 0.0) || !std::isfinite(c.zipf_alpha))
        detail::fail_range("zipf_alpha", "a finite number >= 0", c.zipf_alpha);
    check_count("capacity", c.capacity_items, 0);
    if (!(c.capacity_bytes >= 0.0) || !std::isfinite(c.capacity_bytes))
        detail::fail_range("capacity_bytes", "a finite number >= 0", c.capacity_bytes);
    check_count("requests", c.requests, 1);
    check_count("warmup", c.warmup, 0);
    if (c.warmup > INT64_MAX - c.requests) throw std::invalid_argument("warmup + requests must be below 2**63");
    check_count("churn_interval", c.churn_interval, 0);
    check_count("churn_shift", c.churn_shift, -1, c.catalogue_size - 1);
    if (c.trace) {
        if (c.warmup + c.requests > c.trace_size)
            detail::fail_range("warmup + requests", "at most the trace length", c.warmup + c.requests);
        for (std::int64_t j = 0; j < c.trace_size; ++j)
            check_count("trace item", c.trace[j], 0, c.catalogue_size - 1);
    }
    if (!(c.ttl_s > 0.0)) detail::fail_range("ttl_s", "a number > 0", c.ttl_s);
    if (!(c.request_rate >= 0.0) || !std::isfinite(c.request_rate))
        detail::fail_range("request_rate", "a finite number >= 0", c.request_rate);
    if (std::isfinite(c.ttl_s) && !(c.request_rate > 0.0))
        throw std::invalid_argument("request_rate must be given (> 0) with a ttl_s: expiry needs time");
    if (c.policy == CachePolicy::ttl && !std::isfinite(c.ttl_s))
        throw std::invalid_argument("ttl_s must be given (a finite number > 0) for the ttl policy");
    if (c.policy != CachePolicy::ttl && c.capacity_items == 0 && c.capacity_bytes == 0.0)
        throw std::invalid_argument("capacity or capacity_bytes must be given for the " +
                                    std::string(c.policy == CachePolicy::lru   ? "lru"
                                                : c.policy == CachePolicy::lfu ? "lfu"
                                                                                : "fifo") +
                                    " policy");
    check_nonnegative("hit_latency_s", c.hit_latency_s);
    check_nonnegative("miss_latency_s", c.miss_latency_s);
    if (!(c.latency_quantile > 0.0 && c.latency_quantile <= 1.0))
        detail::fail_range("latency_quantile", "in (0, 1]", c.latency_quantile);
    validate(c.sizes);
}

CacheResult simulate_cache(const CacheConfig& c, std::int64_t replications, std::uint64_t seed, int threads) {
    validate(c);
    check_count("replications", replications, 1, 1 << 24);
    // Each running replication holds flat arrays over the whole catalogue; refuse a run that
    // cannot fit in this machine's memory rather than let the system kill the process.
    const double per_item = (c.policy == CachePolicy::lfu ? 20.0 : 8.0) + (std::isfinite(c.ttl_s) ? 8.0 : 0.0);
    const double needed = per_item * static_cast<double>(c.catalogue_size) * thread_count(threads, replications);
    const long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && page_size > 0 && needed > 0.8 * static_cast<double>(pages) * static_cast<double>(page_size)) {
        std::ostringstream msg;
        msg << "catalogue_size " << c.catalogue_size << " needs about " << needed / 1e9
            << " GB of memory on the threads used, more than this machine has; use fewer threads or a smaller catalogue";
        throw std::invalid_argument(msg.str());
    }
    const std::size_t n_metrics = cache_metric_names().size();
    CacheResult result;
    result.metrics.assign(n_metrics, std::vector<double>(static_cast<std::size_t>(replications)));
    parallel_for(replications, threads, [&](std::int64_t r) {
        const auto rep = static_cast<std::uint64_t>(r);
        const std::vector<double> m = c.policy == CachePolicy::lfu ? dispatch_time<LfuCache>(c, seed, rep)
                                                                    : dispatch_time<LinkedCache>(c, seed, rep);
        for (std::size_t k = 0; k < n_metrics; ++k) result.metrics[k][static_cast<std::size_t>(r)] = m[k];
    });
    return result;
}

// --- analytic companions -------------------------------------------------------------------

namespace {

void check_alpha(double alpha) {
    if (!(alpha >= 0.0) || !std::isfinite(alpha)) detail::fail_range("zipf_alpha", "a finite number >= 0", alpha);
}

double expm1_over_x(double x) { return std::abs(x) > 1e-8 ? std::expm1(x) / x : 1.0 + x * (0.5 + x / 6.0); }

// k -> round(fraction N), checked.
std::int64_t top_count(std::int64_t n, double fraction) {
    check_probability("fraction", fraction);
    return std::llround(fraction * static_cast<double>(n));
}

// sum_{i=first}^{last} f(i) for a smooth f: up to `head` terms (at least the first
// `head`) summed one by one, smallest index last, the rest by Euler-Maclaurin from the
// integral over [m, last], the end-point terms and `corrections` Bernoulli terms built from
// odd_derivative(x, order), order 1, 3, 5. The remainder after the correction with
// derivative order k is about f^(k+2)(m) / (k+2)!, tiny once m is in the thousands for the
// power-law-like f used here (each derivative brings a factor ~alpha / x).
template <class F, class Integral, class OddDerivative>
double euler_maclaurin_sum(std::int64_t first, std::int64_t last, std::int64_t head, F&& f, Integral&& integral,
                           OddDerivative&& odd_derivative, int corrections) {
    if (last < first) return 0.0;
    CompensatedSum sum;
    const std::int64_t direct_end = last - first < 2 * head ? last : first + head - 1;
    if (direct_end < last) {
        const double m = static_cast<double>(direct_end + 1), b = static_cast<double>(last);
        static constexpr double kBernoulli[] = {1.0 / 12.0, -1.0 / 720.0, 1.0 / 30240.0};
        sum.add(integral(m, b));
        sum.add(0.5 * (f(m) + f(b)));
        for (int k = 0; k < corrections && k < 3; ++k)
            sum.add(kBernoulli[k] * (odd_derivative(b, 2 * k + 1) - odd_derivative(m, 2 * k + 1)));
    }
    for (std::int64_t i = direct_end; i >= first; --i) sum.add(f(static_cast<double>(i)));
    return sum.value();
}

// Sums over a Zipf catalogue of G(u_i) with u_i = scale * p_i (p_i the probability of
// rank i; scale a time in requests, or a request rate times a TTL): sum_i G(u_i), the
// occupancy, and sum_i p_i G(u_i), the hit ratio. Small catalogues are summed exactly; past
// kHead ranks the smooth tail goes to Euler-Maclaurin, its integral by adaptive
// Gauss-Kronrod quadrature in log x (the integrand changes on the scale x / alpha), so an
// evaluation costs O(kHead) whatever the catalogue size.
class ZipfTransformSum {
public:
    static constexpr std::int64_t kHead = 8192;
    ZipfTransformSum(double alpha, std::int64_t n)
        : alpha_(alpha), n_(n), norm_(1.0 / zipf_partial_sum(1, n, alpha)) {
        const std::int64_t direct = n - 1 < 2 * kHead ? n : kHead;
        head_.resize(static_cast<std::size_t>(direct));
        for (std::int64_t i = 1; i <= direct; ++i)
            head_[static_cast<std::size_t>(i - 1)] = std::pow(static_cast<double>(i), -alpha) * norm_;
    }
    // sum_i g(scale p_i) for g with derivative dg (used by the Euler-Maclaurin correction).
    template <class G, class DG>
    double occupancy(double scale, G&& g, DG&& dg) const {
        return sum(scale, [&](double u) { return g(u); }, [&](double u) { return dg(u); });
    }
    // sum_i p_i g(scale p_i) = sum_i u_i g(u_i) / scale.
    template <class G, class DG>
    double hit_ratio(double scale, G&& g, DG&& dg) const {
        if (!(scale > 0.0)) return 0.0;
        return sum(scale, [&](double u) { return u * g(u); }, [&](double u) { return g(u) + u * dg(u); }) / scale;
    }

private:
    template <class G, class DG>
    double sum(double scale, G&& g, DG&& dg) const {
        const double c = scale * norm_;
        auto u = [&](double x) { return c * std::exp(-alpha_ * std::log(x)); };
        auto f = [&](double x) {
            return x <= static_cast<double>(head_.size()) ? g(scale * head_[static_cast<std::size_t>(x) - 1]) : g(u(x));
        };
        // d/dx g(c x^-alpha) = -alpha u g'(u) / x; only the first correction is used.
        auto derivative = [&](double x, int) {
            const double ux = u(x);
            return -alpha_ * ux * dg(ux) / x;
        };
        auto integral = [&](double m, double b) {
            auto integrand = [&](double t) {
                const double x = std::exp(t);
                return g(c * std::exp(-alpha_ * t)) * x;
            };
            return boost::math::quadrature::gauss_kronrod<double, 31>::integrate(integrand, std::log(m), std::log(b), 30,
                                                                                 1e-14);
        };
        return euler_maclaurin_sum(1, n_, kHead, f, integral, derivative, 1);
    }
    double alpha_;
    std::int64_t n_;
    double norm_;
    std::vector<double> head_;  // p_i for the ranks summed one by one
};

double lru_occupancy(double u) { return -std::expm1(-u); }
double lru_occupancy_slope(double u) { return std::exp(-u); }
double fifo_occupancy(double u) { return u / (1.0 + u); }
double fifo_occupancy_slope(double u) { return 1.0 / ((1.0 + u) * (1.0 + u)); }

}  // namespace

double zipf_partial_sum(std::int64_t first, std::int64_t last, double alpha) {
    check_alpha(alpha);
    if (first < 1) detail::fail_range("first", "a whole number >= 1", first);
    if (last < first) return 0.0;
    // Exact head, then Euler-Maclaurin with three Bernoulli corrections: with m > 1000 the
    // remainder is below 1e-20 of the tail.
    auto f = [alpha](double x) { return std::pow(x, -alpha); };
    auto integral = [alpha](double m, double b) {
        const double log_ratio = std::log(b / m);
        return std::pow(m, 1.0 - alpha) * log_ratio * expm1_over_x((1.0 - alpha) * log_ratio);
    };
    auto derivative = [alpha](double x, int order) {  // d^order/dx^order of x^-alpha
        double coef = -alpha;
        for (int k = 1; k < order; ++k) coef *= -(alpha + k);
        return coef * std::pow(x, -alpha - order);
    };
    return euler_maclaurin_sum(first, last, 1024, f, integral, derivative, 3);
}

CheResult che_approximation(double alpha, std::int64_t n, double capacity, CachePolicy policy) {
    check_alpha(alpha);
    check_count("catalogue_size", n, 1, kMaxCatalogue);
    check_nonnegative("capacity", capacity);
    if (policy != CachePolicy::lru && policy != CachePolicy::fifo)
        throw std::invalid_argument("policy must be lru or fifo for Che's approximation");
    if (capacity >= static_cast<double>(n)) return {kInf, 1.0};
    if (capacity == 0.0) return {0.0, 0.0};
    const bool lru = policy == CachePolicy::lru;
    const ZipfTransformSum sums(alpha, n);
    auto occupancy = [&](double t) {
        return lru ? sums.occupancy(t, lru_occupancy, lru_occupancy_slope)
                   : sums.occupancy(t, fifo_occupancy, fifo_occupancy_slope);
    };
    auto excess = [&](double t) { return occupancy(t) - capacity; };
    // occupancy(x) <= x, so T >= capacity; double until the cache would overflow.
    double lo = capacity, hi = 2.0 * capacity;
    if (excess(lo) >= 0.0) hi = lo;  // a capacity so small that occupancy(T) = T to rounding
    while (excess(hi) < 0.0) {
        lo = hi;
        hi *= 2.0;
        if (!std::isfinite(hi)) return {kInf, 1.0};
    }
    std::uintmax_t iterations = 200;
    const auto tol = boost::math::tools::eps_tolerance<double>(std::numeric_limits<double>::digits - 8);
    double t = lo;
    if (hi > lo) {
        const auto root = boost::math::tools::toms748_solve(excess, lo, hi, tol, iterations);
        t = 0.5 * (root.first + root.second);
    }
    return {t, lru ? sums.hit_ratio(t, lru_occupancy, lru_occupancy_slope)
                   : sums.hit_ratio(t, fifo_occupancy, fifo_occupancy_slope)};
}

double ttl_hit_ratio(double alpha, std::int64_t n, double ttl_s, double request_rate) {
    check_alpha(alpha);
    check_count("catalogue_size", n, 1, kMaxCatalogue);
    check_nonnegative("ttl_s", ttl_s);
    check_nonnegative("request_rate", request_rate);
    // Item i hits x / (1 + x) of its requests, x = p_i rate ttl: FIFO's Che term.
    if (std::isinf(request_rate * ttl_s)) return 1.0;  // the product overflows: every item stays
    return ZipfTransformSum(alpha, n).hit_ratio(request_rate * ttl_s, fifo_occupancy, fifo_occupancy_slope);
}

double top_share(double alpha, std::int64_t n, double fraction) {
    check_alpha(alpha);
    check_count("catalogue_size", n, 1, INT64_MAX / 2);
    const std::int64_t k = top_count(n, fraction);
    if (k == 0) return 0.0;
    if (k == n) return 1.0;
    // The smaller part divided by the whole keeps full relative accuracy at both ends.
    const double head = zipf_partial_sum(1, k, alpha), tail = zipf_partial_sum(k + 1, n, alpha);
    return head / (head + tail);
}

double items_for_share(double alpha, std::int64_t n, double share) {
    check_alpha(alpha);
    check_count("catalogue_size", n, 1, INT64_MAX / 2);
    check_probability("share", share);
    const double want = share * zipf_partial_sum(1, n, alpha);
    std::int64_t lo = 0, hi = n;  // the smallest k with H_k >= want lies in (lo, hi]
    if (share == 0.0) return 0.0;
    while (hi - lo > 1) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        if (zipf_partial_sum(1, mid, alpha) >= want)
            hi = mid;
        else
            lo = mid;
    }
    return static_cast<double>(hi) / static_cast<double>(n);
}

double zipf_alpha_for_share(std::int64_t n, double fraction, double share) {
    check_count("catalogue_size", n, 2, INT64_MAX / 2);
    const std::int64_t k = top_count(n, fraction);
    if (k < 1 || k >= n) detail::fail_range("fraction", "such that 1 <= round(fraction * catalogue_size) < catalogue_size", fraction);
    const double uniform = static_cast<double>(k) / static_cast<double>(n);
    if (!(share >= uniform && share < 1.0)) {
        std::ostringstream allowed;
        allowed.precision(17);
        allowed << "in [" << uniform << ", 1) (the share the top items get at zipf_alpha 0, up to all)";
        detail::fail_range("share", allowed.str().c_str(), share);
    }
    if (share == uniform) return 0.0;
    auto gap = [&](double a) { return top_share(a, n, fraction) - share; };
    double lo = 0.0, hi = 1.0;
    while (gap(hi) < 0.0) {
        lo = hi;
        hi *= 2.0;
        if (hi > 1e6) return kInf;
    }
    std::uintmax_t iterations = 200;
    const auto tol = boost::math::tools::eps_tolerance<double>(std::numeric_limits<double>::digits - 6);
    const auto root = boost::math::tools::toms748_solve(gap, lo, hi, tol, iterations);
    return 0.5 * (root.first + root.second);
}

WritePolicyLoad write_policy_load(WritePolicy policy, double read_rate, double write_rate, double hit_ratio,
                                  double cache_latency_s, double db_read_latency_s, double db_write_latency_s,
                                  double quantile) {
    const int p = static_cast<int>(policy);
    if (p < 0 || p > 2) throw std::invalid_argument("policy must be cache_aside, write_through or write_behind");
    check_nonnegative("read_rate", read_rate);
    check_nonnegative("write_rate", write_rate);
    if (read_rate + write_rate <= 0.0) throw std::invalid_argument("read_rate + write_rate must be > 0");
    check_probability("hit_ratio", hit_ratio);
    check_nonnegative("cache_latency_s", cache_latency_s);
    check_nonnegative("db_read_latency_s", db_read_latency_s);
    check_nonnegative("db_write_latency_s", db_write_latency_s);
    if (!(quantile > 0.0 && quantile <= 1.0)) detail::fail_range("quantile", "in (0, 1]", quantile);
    // Reads are the same under every policy: a hit costs a cache lookup, a miss the lookup
    // and a database read (the cache fill is off the reply's path).
    const double read_hit = cache_latency_s, read_miss = cache_latency_s + db_read_latency_s;
    // Writes: cache-aside writes the database and deletes the key; write-through writes
    // both before replying; write-behind replies after the cache write and flushes later.
    const double write = policy == WritePolicy::write_behind ? cache_latency_s : cache_latency_s + db_write_latency_s;
    const double total = read_rate + write_rate;
    std::vector<std::pair<double, double>> atoms = {
        {read_hit, read_rate * hit_ratio / total},
        {read_miss, read_rate * (1.0 - hit_ratio) / total},
        {write, write_rate / total},
    };
    std::sort(atoms.begin(), atoms.end());
    double cum = 0.0, q_latency = atoms.back().first;
    for (const auto& [latency, weight] : atoms) {
        cum += weight;
        if (weight > 0.0 && cum >= quantile * (1.0 - 1e-12)) {
            q_latency = latency;
            break;
        }
    }
    const double mean_read = hit_ratio * read_hit + (1.0 - hit_ratio) * read_miss;
    return {
        read_rate * (1.0 - hit_ratio),
        write_rate,
        mean_read,
        write,
        (read_rate * mean_read + write_rate * write) / total,
        q_latency,
    };
}

Staleness cdn_staleness(double ttl_s, double invalidation_min_s, double invalidation_max_s) {
    if (!(ttl_s >= 0.0)) detail::fail_range("ttl_s", "a number >= 0 (inf: no TTL)", ttl_s);
    if (!(invalidation_min_s >= 0.0))
        detail::fail_range("invalidation_min_s", "a number >= 0 (inf: no purge)", invalidation_min_s);
    if (!(invalidation_max_s >= 0.0))
        detail::fail_range("invalidation_max_s", "a number >= 0 (inf: no purge)", invalidation_max_s);
    if (std::isinf(ttl_s) && std::isinf(invalidation_max_s)) return {kInf, kInf};  // never refreshed
    if (invalidation_max_s < invalidation_min_s)
        detail::fail_range("invalidation_max_s", "a number >= invalidation_min_s", invalidation_max_s);
    const double a = invalidation_min_s, b = invalidation_max_s, t = ttl_s;
    // E[min(R, D)] = integral over s of P(R > s) P(D > s), R ~ U(0, ttl), D ~ U(a, b). The
    // integrand is a polynomial of degree <= 2 on each piece, so Simpson's rule is exact.
    auto survival_r = [t](double s) { return std::isinf(t) ? 1.0 : std::max(0.0, 1.0 - s / t); };
    auto survival_d = [a, b](double s) { return s <= a ? 1.0 : (s >= b ? 0.0 : (b - s) / (b - a)); };
    auto simpson = [&](double lo, double hi) {
        if (!(hi > lo)) return 0.0;
        auto f = [&](double s) { return survival_r(s) * survival_d(s); };
        return (hi - lo) / 6.0 * (f(lo) + 4.0 * f(0.5 * (lo + hi)) + f(hi));
    };
    const double end = std::min(t, b);
    double mean = simpson(0.0, std::min(a, end)) + simpson(std::min(a, end), end);
    if (t == 0.0) mean = 0.0;
    return {std::min(t, b), mean};
}

}  // namespace scalemodel::sim
