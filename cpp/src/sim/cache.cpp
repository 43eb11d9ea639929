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
#include "scalemodel/core/zipf_sum.hpp"

namespace scalemodel::sim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double uniform_from_bits(std::uint64_t bits) { return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53; }

}  // namespace

// --- Zipf sampling --------------------------------------------------------------------------

ZipfSampler::ZipfSampler(std::int64_t n, double alpha, std::int64_t head_size)
    : n_(static_cast<double>(n)), alpha_(alpha) {
    check_count("catalogue_size", n, 1, kMaxCatalogue);
    check_zipf_alpha(alpha);
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
    RequestStream stream(c.catalogue_size, c.zipf_alpha, c.churn_interval.value_or(0), c.churn_shift.value_or(-1), seed,
                         replication);
    Rng clock(seed, 2 * replication + 1);
    std::vector<double> inserted;
    if constexpr (Expiring) inserted.assign(static_cast<std::size_t>(c.catalogue_size), 0.0);

    const std::int64_t cap_items = c.capacity.value_or(INT64_MAX);
    const double cap_bytes = c.capacity_bytes.value_or(kInf);
    const double ttl = c.ttl_s.value_or(kInf);
    const std::int64_t* trace = c.trace.empty() ? nullptr : c.trace.data();
    const double fixed_size = std::round(c.sizes.a);
    auto size_of = [&](std::int64_t item) { return Sized ? item_size(c.sizes, seed, item) : fixed_size; };
    const double mean_gap = Timed ? 1.0 / *c.request_rate : 0.0;

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
    CancelCheck cancel(Progress::current());  // the caller's, made current on this thread below
    for (std::int64_t j = 0; j < total; ++j) {
        cancel.tick();  // Ctrl-C stops a long replication, not only the next one
        if (j == c.warmup) {
            warm = all;
            warm.start_time = now;
        }
        if (j == block_start + block_size) {
            block_start = j;
            block_size = std::min(kBlock, total - j);
            for (std::int64_t k = 0; k < block_size; ++k) block[k] = trace ? trace[j + k] : stream.next();
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
            if (hit && now - inserted[static_cast<std::size_t>(id)] >= ttl) {
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
            for (std::int64_t v = cache.victim(); v >= 0 && now - inserted[static_cast<std::size_t>(v)] >= ttl;
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
    if (c.ttl_s) return dispatch_sized<Cache, true, true>(c, seed, r);
    if (c.request_rate) return dispatch_sized<Cache, true, false>(c, seed, r);
    return dispatch_sized<Cache, false, false>(c, seed, r);
}

}  // namespace

void validate(const CacheConfig& c) {
    if (!enum_known(c.policy))
        throw std::invalid_argument("policy must be one of lru, lfu, fifo, ttl");
    check_count("catalogue_size", c.catalogue_size, 1, kMaxCatalogue);
    check_zipf_alpha(c.zipf_alpha);
    if (c.capacity) check_count("capacity", *c.capacity, 1);
    if (c.capacity_bytes) check_positive("capacity_bytes", *c.capacity_bytes);
    check_count("requests", c.requests, 1);
    check_count("warmup", c.warmup, 0);
    if (c.warmup > INT64_MAX - c.requests) throw std::invalid_argument("warmup + requests must be below 2**63");
    if (c.churn_shift && !c.churn_interval)
        throw std::invalid_argument("churn_shift needs a churn_interval (how often the hot set moves)");
    if (c.churn_interval) {
        if (!c.trace.empty())
            throw std::invalid_argument("churn_interval does not apply to a trace (its ids are replayed as given)");
        check_count("churn_interval", *c.churn_interval, 1);
    }
    if (c.churn_shift) check_count("churn_shift", *c.churn_shift, 0, c.catalogue_size - 1);
    if (!c.trace.empty()) {
        const auto size = static_cast<std::int64_t>(c.trace.size());
        if (c.warmup + c.requests > size)
            detail::fail_range("warmup + requests", "at most the trace length", c.warmup + c.requests);
        for (std::int64_t id : c.trace) check_count("trace item", id, 0, c.catalogue_size - 1);
    }
    if (c.ttl_s) check_positive("ttl_s", *c.ttl_s);
    if (c.request_rate) check_positive("request_rate", *c.request_rate);
    if (c.ttl_s && !c.request_rate)
        throw std::invalid_argument("request_rate must be given (> 0) with a ttl_s: expiry needs time");
    if (c.policy == CachePolicy::ttl && !c.ttl_s)
        throw std::invalid_argument("ttl_s must be given (a finite number > 0) for the ttl policy");
    if (c.policy != CachePolicy::ttl && !c.capacity && !c.capacity_bytes)
        throw std::invalid_argument("capacity or capacity_bytes must be given for the " + enum_name(c.policy) +
                                    " policy");
    check_nonnegative("hit_latency_s", c.hit_latency_s);
    check_nonnegative("miss_latency_s", c.miss_latency_s);
    if (!(c.latency_quantile > 0.0 && c.latency_quantile <= 1.0))
        detail::fail_range("latency_quantile", "in (0, 1]", c.latency_quantile);
    validate(c.sizes);
}

CacheResult simulate_cache(const CacheConfig& c, const RunSpec& run) {
    validate(c);
    run.validate();
    const std::int64_t replications = run.replications;
    const std::uint64_t seed = run.seed;
    const int threads = run.threads;
    // Each running replication holds flat arrays over the whole catalogue; refuse a run that
    // cannot fit in this machine's memory rather than let the system kill the process.
    const double per_item = (c.policy == CachePolicy::lfu ? 20.0 : 8.0) + (c.ttl_s ? 8.0 : 0.0);
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
    Progress* progress = Progress::current();  // thread-local: read on the calling thread
    parallel_for(replications, threads, [&](std::int64_t r) {
        const Progress::Scope scope(progress);  // seen by the replication's CancelCheck
        const auto rep = static_cast<std::uint64_t>(r);
        const std::vector<double> m = c.policy == CachePolicy::lfu ? dispatch_time<LfuCache>(c, seed, rep)
                                                                    : dispatch_time<LinkedCache>(c, seed, rep);
        for (std::size_t k = 0; k < n_metrics; ++k) result.metrics[k][static_cast<std::size_t>(r)] = m[k];
    });
    return result;
}

}  // namespace scalemodel::sim
