#include "scalemodel/sim/limiter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/parallel.hpp"

namespace scalemodel::sim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Traces larger than this are refused (8 bytes each: 2 GB).
constexpr double kMaxTrace = 2.5e8;

// Each limiter is a small state machine with admit(t); run() inlines it into the loop.
struct TokenBucket {
    double capacity, rate, tokens, last;
    TokenBucket(double c, double r, double t0) : capacity(c), rate(r), tokens(c), last(t0) {}
    bool admit(double t) {
        tokens = std::min(capacity, tokens + (t - last) * rate);
        last = t;
        if (tokens >= 1.0) {
            tokens -= 1.0;
            return true;
        }
        return false;
    }
};

struct Gcra {
    double interval, tolerance, tat = -kInf;
    Gcra(double capacity, double rate) : interval(1.0 / rate), tolerance((capacity - 1.0) / rate) {}
    bool admit(double t) {
        const double tat_now = std::max(tat, t);
        if (tat_now - t <= tolerance) {
            tat = tat_now + interval;
            return true;
        }
        return false;
    }
};

// FIFO of departure times of the admitted requests still queued (ring buffer of size Q).
struct LeakyQueue {
    std::vector<double> departures;
    std::size_t head = 0, count = 0;
    double slot_s, last_departure = -kInf, delay_sum_s = 0.0;
    LeakyQueue(std::int64_t queue_size, double drain_rate)
        : departures(static_cast<std::size_t>(queue_size)), slot_s(1.0 / drain_rate) {}
    bool admit(double t) {
        const std::size_t size = departures.size();
        while (count > 0 && departures[head] <= t) {
            head = head + 1 == size ? 0 : head + 1;
            --count;
        }
        if (count == size) return false;
        last_departure = std::max(t, last_departure) + slot_s;
        std::size_t tail = head + count;
        if (tail >= size) tail -= size;
        departures[tail] = last_departure;
        ++count;
        delay_sum_s += last_departure - t;
        return true;
    }
};

struct FixedWindow {
    double window_s, current = -kInf;
    std::int64_t limit, count = 0;
    FixedWindow(std::int64_t l, double w) : window_s(w), limit(l) {}
    bool admit(double t) {
        const double k = std::floor(t / window_s);
        if (k != current) {
            current = k;
            count = 0;
        }
        if (count < limit) {
            ++count;
            return true;
        }
        return false;
    }
};

// Admits iff the limit-th most recent admitted timestamp is at least window_s old: the ring
// holds the last `limit` admitted timestamps and its head is the oldest of them.
struct SlidingLog {
    std::vector<double> ring;
    std::size_t head = 0, count = 0;
    double window_s;
    SlidingLog(std::size_t size, double w) : ring(std::max<std::size_t>(size, 1)), window_s(w) {}
    bool admit(double t) {
        const std::size_t size = ring.size();
        if (count < size) {
            ring[count++] = t;  // filling: head stays at 0, the oldest
            return true;
        }
        if (t - ring[head] >= window_s) {
            ring[head] = t;
            head = head + 1 == size ? 0 : head + 1;
            return true;
        }
        return false;
    }
};

struct SlidingWindowCounter {
    double window_s, current = -kInf, limit;
    double previous_count = 0.0, count = 0.0;
    SlidingWindowCounter(std::int64_t l, double w) : window_s(w), limit(static_cast<double>(l)) {}
    bool admit(double t) {
        const double k = std::floor(t / window_s);
        if (k != current) {
            previous_count = k == current + 1.0 ? count : 0.0;
            count = 0.0;
            current = k;
        }
        const double elapsed_share = (t - k * window_s) / window_s;
        const double estimate = previous_count * (1.0 - elapsed_share) + count;
        if (estimate < limit) {
            count += 1.0;
            return true;
        }
        return false;
    }
};

template <class L>
std::int64_t run(L& limiter, const double* times, std::int64_t n, std::uint8_t* admitted) {
    std::int64_t total = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        const bool ok = limiter.admit(times[i]);
        admitted[i] = static_cast<std::uint8_t>(ok);
        total += ok;
    }
    return total;
}

}  // namespace

LimiterConfig resolved(const LimiterConfig& config) {
    LimiterConfig c = config;
    if (!enum_known(c.algorithm))
        throw std::invalid_argument("algorithm must be one of the six limiter algorithms");
    check_count("limit", c.limit, 1, std::int64_t{1} << 40);
    check_positive("window_s", c.window_s);
    const auto limit = static_cast<double>(c.limit);
    if (!c.capacity) c.capacity = limit;
    if (!c.refill_rate) c.refill_rate = limit / c.window_s;
    if (!c.queue_size) c.queue_size = c.limit;
    if (!c.drain_rate) c.drain_rate = limit / c.window_s;
    if (!(*c.capacity >= 1.0 && *c.capacity <= 1e15))
        detail::fail_range("capacity", "a number in [1, 1e15]", *c.capacity);
    check_positive("refill_rate", *c.refill_rate);
    check_count("queue_size", *c.queue_size, 1, std::int64_t{1} << 40);
    check_positive("drain_rate", *c.drain_rate);
    return c;
}

void check_sorted_times(const double* times, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) {
        if (!std::isfinite(times[i]))
            throw std::invalid_argument("arrivals must be finite timestamps, got " + std::to_string(times[i]) +
                                        " at index " + std::to_string(i));
        if (i > 0 && times[i] < times[i - 1])
            throw std::invalid_argument("arrivals must be sorted (non-decreasing); index " + std::to_string(i) +
                                        " is earlier than the one before");
    }
}

std::int64_t decide(const LimiterConfig& config, const double* times, std::int64_t n, std::uint8_t* admitted,
                    double* delay_sum_s) {
    const LimiterConfig c = resolved(config);
    if (delay_sum_s) *delay_sum_s = 0.0;
    if (n <= 0) return 0;
    switch (c.algorithm) {
        case LimiterKind::token_bucket: {
            TokenBucket l(*c.capacity, *c.refill_rate, times[0]);
            return run(l, times, n, admitted);
        }
        case LimiterKind::leaky_bucket: {
            // A queue longer than the trace never fills: no need to allocate all of it.
            LeakyQueue l(std::min(*c.queue_size, std::max<std::int64_t>(n, 1)), *c.drain_rate);
            const std::int64_t total = run(l, times, n, admitted);
            if (delay_sum_s) *delay_sum_s = l.delay_sum_s;
            return total;
        }
        case LimiterKind::gcra: {
            Gcra l(*c.capacity, *c.refill_rate);
            return run(l, times, n, admitted);
        }
        case LimiterKind::fixed_window: {
            FixedWindow l(c.limit, c.window_s);
            return run(l, times, n, admitted);
        }
        case LimiterKind::sliding_log: {
            SlidingLog l(static_cast<std::size_t>(std::min<std::int64_t>(c.limit, n)), c.window_s);
            return run(l, times, n, admitted);
        }
        case LimiterKind::sliding_window_counter: {
            SlidingWindowCounter l(c.limit, c.window_s);
            return run(l, times, n, admitted);
        }
    }
    throw std::invalid_argument("unknown limiter kind");
}

std::int64_t worst_window(const double* times, const std::uint8_t* admitted, std::int64_t n, double window_s) {
    check_positive("window_s", window_s);
    std::int64_t best = 0, inside = 0, left = 0;
    for (std::int64_t j = 0; j < n; ++j) {
        if (!admitted[j]) continue;
        ++inside;
        while (times[j] - times[left] >= window_s) {
            inside -= admitted[left];
            ++left;
        }
        best = std::max(best, inside);
    }
    return best;
}

LimiterSummary run_limiter(const LimiterConfig& config, const double* times, std::int64_t n, std::uint8_t* admitted,
                           bool compare_exact) {
    const LimiterConfig c = resolved(config);
    LimiterSummary s;
    s.requests = n;
    double delay_sum_s = 0.0;
    s.admitted = decide(c, times, n, admitted, &delay_sum_s);
    s.worst_window = worst_window(times, admitted, n, c.window_s);
    s.duration_s = n > 0 ? times[n - 1] - times[0] : 0.0;
    s.mean_delay_s = s.admitted > 0 ? delay_sum_s / static_cast<double>(s.admitted) : 0.0;
    if (compare_exact) {
        std::vector<std::uint8_t> exact(static_cast<std::size_t>(n));
        LimiterConfig log = c;
        log.algorithm = LimiterKind::sliding_log;
        s.exact_admitted = decide(log, times, n, exact.data());
        std::int64_t differ = 0;
        for (std::int64_t i = 0; i < n; ++i) differ += admitted[i] != exact[static_cast<std::size_t>(i)];
        s.differing_decisions = differ;
    }
    return s;
}

KeyedSummary run_keyed_limiter(const LimiterConfig& config, const double* times, const std::int64_t* keys,
                               std::int64_t n, std::uint8_t* admitted, bool compare_exact) {
    const LimiterConfig c = resolved(config);
    // Dense ids in order of first appearance, then a stable counting sort by id, so each
    // key's requests form one slice in time order.
    std::vector<std::int64_t> id(static_cast<std::size_t>(n)), first_key;
    std::int64_t smallest = 0, largest = -1;
    if (n > 0) smallest = largest = keys[0];
    for (std::int64_t i = 1; i < n; ++i) {
        smallest = std::min(smallest, keys[i]);
        largest = std::max(largest, keys[i]);
    }
    if (smallest >= 0 && largest < 4 * n + 1024) {
        // Small non-negative ids (the usual case): a direct table instead of hashing.
        std::vector<std::int64_t> table(static_cast<std::size_t>(largest + 1), -1);
        for (std::int64_t i = 0; i < n; ++i) {
            std::int64_t& slot = table[static_cast<std::size_t>(keys[i])];
            if (slot < 0) {
                slot = static_cast<std::int64_t>(first_key.size());
                first_key.push_back(keys[i]);
            }
            id[static_cast<std::size_t>(i)] = slot;
        }
    } else {
        std::unordered_map<std::int64_t, std::int64_t> dense;
        for (std::int64_t i = 0; i < n; ++i) {
            const auto found = dense.emplace(keys[i], static_cast<std::int64_t>(first_key.size()));
            if (found.second) first_key.push_back(keys[i]);
            id[static_cast<std::size_t>(i)] = found.first->second;
        }
    }
    const std::size_t k = first_key.size();
    std::vector<std::int64_t> start(k + 1, 0);
    for (std::int64_t i = 0; i < n; ++i) ++start[static_cast<std::size_t>(id[static_cast<std::size_t>(i)]) + 1];
    for (std::size_t j = 0; j < k; ++j) start[j + 1] += start[j];
    std::vector<std::int64_t> position(start.begin(), start.end() - 1), order(static_cast<std::size_t>(n));
    std::vector<double> grouped(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        const auto slot = static_cast<std::size_t>(position[static_cast<std::size_t>(id[static_cast<std::size_t>(i)])]++);
        grouped[slot] = times[i];
        order[slot] = i;
    }
    std::vector<std::uint8_t> decided(static_cast<std::size_t>(n));
    KeyedSummary out;
    out.distinct_keys = static_cast<std::int64_t>(k);
    LimiterSummary& t = out.total;
    t.requests = n;
    t.duration_s = n > 0 ? times[n - 1] - times[0] : 0.0;
    if (compare_exact) t.exact_admitted = t.differing_decisions = 0;
    double delay_sum_s = 0.0;
    for (std::size_t j = 0; j < k; ++j) {
        const auto begin = static_cast<std::size_t>(start[j]);
        const std::int64_t size = start[j + 1] - start[j];
        const LimiterSummary s = run_limiter(c, grouped.data() + begin, size, decided.data() + begin, compare_exact);
        t.admitted += s.admitted;
        delay_sum_s += s.mean_delay_s * static_cast<double>(s.admitted);
        if (s.worst_window > t.worst_window || j == 0) {
            t.worst_window = s.worst_window;
            out.worst_key = first_key[j];
        }
        if (compare_exact) {
            t.exact_admitted += s.exact_admitted;
            t.differing_decisions += s.differing_decisions;
        }
    }
    t.mean_delay_s = t.admitted > 0 ? delay_sum_s / static_cast<double>(t.admitted) : 0.0;
    for (std::int64_t slot = 0; slot < n; ++slot)
        admitted[order[static_cast<std::size_t>(slot)]] = decided[static_cast<std::size_t>(slot)];
    return out;
}

// --- traces ---------------------------------------------------------------------------------

void validate(const TraceSpec& spec) {
    // window_s and limit first: the Python layer derives the other defaults from them.
    check_positive("window_s", spec.window_s);
    check_count("limit", spec.burst, 1, std::int64_t{1} << 40);
    check_positive("duration_s", spec.duration_s);
    if (spec.adversarial) {
        check_positive("spread_s", spec.spread_s);
        if (!(spec.spread_s <= spec.window_s))
            detail::fail_range("spread_s", "a number in (0, window_s]", spec.spread_s);
    }
    if (static_cast<double>(expected_trace_size(spec)) > kMaxTrace)
        throw std::invalid_argument(spec.adversarial
                                        ? "the adversarial trace would hold more than 2.5e8 requests: lower limit "
                                          "or duration_s (it sends 2 x limit per two windows)"
                                        : "the trace would hold more than 2.5e8 requests: lower the arrivals' rate "
                                          "or duration_s (the expected size is the rate integrated over duration_s)");
}

std::int64_t expected_trace_size(const TraceSpec& spec) {
    double n = 0.0;
    if (spec.adversarial) {
        n = 2.0 * static_cast<double>(spec.burst) * (std::floor(spec.duration_s / (2.0 * spec.window_s)) + 1.0);
    } else {
        n = spec.arrivals.expected_count(spec.duration_s);
    }
    return n > kMaxTrace ? static_cast<std::int64_t>(kMaxTrace) + 1 : static_cast<std::int64_t>(n);
}

namespace {

// The shared arrival stream's arrivals before duration_s. The expected size is a guide (a
// burst or a time-varying rate can draw more), so the size is capped while drawing too. A
// drawn process whose gaps fall below half an ulp of the time stops advancing (the same
// instant forever): a long run of equal times is refused instead of filling memory.
std::vector<double> draw_trace(const TraceSpec& spec, Rng& rng) {
    constexpr std::int64_t kMaxSameInstant = 100000;
    const bool drawn = spec.arrivals.kind() != Arrivals::Kind::replay;
    std::vector<double> out;
    out.reserve(static_cast<std::size_t>(static_cast<double>(expected_trace_size(spec)) * 1.01 + 16));
    ArrivalStream stream(spec.arrivals, rng);
    std::int64_t same = 0;
    for (double t = stream.next(rng); t < spec.duration_s; t = stream.next(rng)) {
        if (static_cast<double>(out.size()) >= kMaxTrace)
            throw std::invalid_argument(
                "the trace drew more than 2.5e8 requests before duration_s: lower the arrivals' rate or "
                "duration_s");
        same = !out.empty() && t == out.back() ? same + 1 : 0;
        if (drawn && same >= kMaxSameInstant)
            throw std::invalid_argument("the arrivals stopped advancing at t = " + std::to_string(t) +
                                        " s (their gaps are below the resolution of time there): lower their "
                                        "rate or duration_s");
        out.push_back(t);
    }
    return out;
}

std::vector<double> adversarial_trace(const TraceSpec& spec) {
    std::vector<double> out;
    const double w = spec.window_s, spread = spec.spread_s, end = spec.duration_s;
    const double gap = spread / static_cast<double>(spec.burst);
    out.reserve(static_cast<std::size_t>(expected_trace_size(spec)));
    for (double boundary = w; boundary - spread < end; boundary += 2.0 * w) {
        for (std::int64_t i = 0; i < spec.burst; ++i) {
            const double t = boundary - spread + (static_cast<double>(i) + 0.5) * gap;
            if (t < end) out.push_back(t);
        }
        for (std::int64_t i = 0; i < spec.burst; ++i) {
            const double t = boundary + (static_cast<double>(i) + 0.5) * gap;
            if (t < end) out.push_back(t);
        }
    }
    return out;
}

}  // namespace

std::vector<double> make_trace(const TraceSpec& spec, Rng& rng) {
    validate(spec);
    return spec.adversarial ? adversarial_trace(spec) : draw_trace(spec, rng);
}

void check_arrivals(const ReplicatedArrivals& arrivals) {
    if (arrivals.replay) {
        check_sorted_times(arrivals.times.data(), static_cast<std::int64_t>(arrivals.times.size()));
    } else {
        validate(arrivals.trace);
    }
}

std::pair<const double*, std::int64_t> replication_trace(const ReplicatedArrivals& arrivals, Rng& rng,
                                                         std::vector<double>& storage) {
    if (arrivals.replay) return {arrivals.times.data(), static_cast<std::int64_t>(arrivals.times.size())};
    storage = make_trace(arrivals.trace, rng);
    return {storage.data(), static_cast<std::int64_t>(storage.size())};
}

// --- distributed ------------------------------------------------------------------------------

std::vector<std::vector<double>> simulate_distributed(const DistributedConfig& config, const RunSpec& run) {
    const LimiterConfig limiter = resolved(config.limiter);
    check_count("servers", config.servers, 1, 1 << 20);
    if (!enum_known(config.spread)) throw std::invalid_argument("spread must be round_robin or random");
    run.validate();
    check_arrivals(config);
    const std::int64_t replications = run.replications;
    const std::uint64_t seed = run.seed;
    const auto& names = distributed_metric_names();
    std::vector<std::vector<double>> metrics(names.size(), std::vector<double>(static_cast<std::size_t>(replications)));
    const auto servers = static_cast<std::size_t>(config.servers);
    const bool random_spread = config.spread == Spread::random;
    parallel_for(replications, run.threads, [&](std::int64_t r) {
        Rng rng(seed, static_cast<std::uint64_t>(r));
        std::vector<double> generated;
        const auto [times, n] = replication_trace(config, rng, generated);
        // Split the trace by server, decide locally, then merge the decisions back.
        std::vector<std::vector<double>> local(servers);
        std::vector<std::uint32_t> owner(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i) {
            const std::size_t s = random_spread ? static_cast<std::size_t>(rng.below(servers))
                                                       : static_cast<std::size_t>(i) % servers;
            owner[static_cast<std::size_t>(i)] = static_cast<std::uint32_t>(s);
            local[s].push_back(times[i]);
        }
        std::vector<std::vector<std::uint8_t>> local_admitted(servers);
        std::int64_t admitted = 0;
        double max_share = 0.0;
        for (std::size_t s = 0; s < servers; ++s) {
            local_admitted[s].resize(local[s].size());
            admitted += decide(limiter, local[s].data(), static_cast<std::int64_t>(local[s].size()),
                               local_admitted[s].data());
            if (n > 0) max_share = std::max(max_share, static_cast<double>(local[s].size()) / static_cast<double>(n));
        }
        std::vector<std::uint8_t> merged(static_cast<std::size_t>(n));
        std::vector<std::size_t> cursor(servers, 0);
        for (std::int64_t i = 0; i < n; ++i) {
            const std::size_t s = owner[static_cast<std::size_t>(i)];
            merged[static_cast<std::size_t>(i)] = local_admitted[s][cursor[s]++];
        }
        std::vector<std::uint8_t> shared(static_cast<std::size_t>(n));
        const std::int64_t shared_admitted = decide(limiter, times, n, shared.data());
        const std::int64_t worst = worst_window(times, merged.data(), n, limiter.window_s);
        const std::int64_t shared_worst = worst_window(times, shared.data(), n, limiter.window_s);
        const auto ri = static_cast<std::size_t>(r);
        const double row[] = {static_cast<double>(n),
                              static_cast<double>(admitted),
                              static_cast<double>(shared_admitted),
                              shared_admitted > 0 ? static_cast<double>(admitted) / static_cast<double>(shared_admitted)
                                                  : 0.0,
                              static_cast<double>(worst),
                              static_cast<double>(shared_worst),
                              shared_worst > 0 ? static_cast<double>(worst) / static_cast<double>(shared_worst) : 0.0,
                              max_share};
        for (std::size_t k = 0; k < names.size(); ++k) metrics[k][ri] = row[k];
    });
    return metrics;
}

// --- racy token bucket -------------------------------------------------------------------------

void validate(const RacyBucketConfig& config) {
    if (!(config.capacity >= 1.0 && config.capacity <= 1e15))
        detail::fail_range("capacity", "a number in [1, 1e15]", config.capacity);
    check_positive("refill_rate", config.refill_rate);
    check_nonnegative("rmw_delay_s", config.rmw_delay_s);
}

std::int64_t racy_token_bucket(const RacyBucketConfig& config, const double* times, std::int64_t n,
                               std::uint8_t* admitted, std::int64_t* stale_reads) {
    validate(config);
    const double capacity = config.capacity, rate = config.refill_rate, delay = config.rmw_delay_s;
    struct Write {
        double lands, tokens, last;
    };
    // Writes in flight, in landing order (constant delay keeps read order). At most one per
    // admit in the last delay seconds, so the ring grows only with the concurrency.
    std::vector<Write> pending(64);
    std::size_t head = 0, count = 0;
    double tokens = capacity, last = n > 0 ? times[0] : 0.0;
    std::int64_t total = 0, stale = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        const double t = times[i];
        while (count > 0 && pending[head].lands <= t) {
            tokens = pending[head].tokens;
            last = pending[head].last;
            head = head + 1 == pending.size() ? 0 : head + 1;
            --count;
        }
        stale += count > 0;
        const double now_tokens = std::min(capacity, tokens + (t - last) * rate);
        const bool ok = now_tokens >= 1.0;
        if (ok) {
            if (delay == 0.0) {
                tokens = now_tokens - 1.0;
                last = t;
            } else {
                if (count == pending.size()) {  // grow, unrolling the ring
                    std::vector<Write> bigger(pending.size() * 2);
                    for (std::size_t k = 0; k < count; ++k) bigger[k] = pending[(head + k) % pending.size()];
                    pending.swap(bigger);
                    head = 0;
                }
                pending[(head + count) % pending.size()] = {t + delay, now_tokens - 1.0, t};
                ++count;
            }
            ++total;
        }
        if (admitted) admitted[i] = static_cast<std::uint8_t>(ok);
    }
    if (stale_reads) *stale_reads = stale;
    return total;
}

std::vector<std::vector<double>> simulate_racy_bucket(const RacyBucketConfig& config, const RunSpec& run) {
    validate(config);
    run.validate();
    check_arrivals(config);
    const std::int64_t replications = run.replications;
    const std::uint64_t seed = run.seed;
    // The same bucket, written back at once (its arrivals are not used: no copy of the trace).
    RacyBucketConfig atomic;
    atomic.capacity = config.capacity;
    atomic.refill_rate = config.refill_rate;
    atomic.rmw_delay_s = 0.0;
    const auto& names = racy_metric_names();
    std::vector<std::vector<double>> metrics(names.size(), std::vector<double>(static_cast<std::size_t>(replications)));
    parallel_for(replications, run.threads, [&](std::int64_t r) {
        Rng rng(seed, static_cast<std::uint64_t>(r));
        std::vector<double> generated;
        const auto [times, n] = replication_trace(config, rng, generated);
        std::int64_t stale = 0;
        const std::int64_t admitted = racy_token_bucket(config, times, n, nullptr, &stale);
        const std::int64_t atomic_admitted = racy_token_bucket(atomic, times, n, nullptr, nullptr);
        const auto ri = static_cast<std::size_t>(r);
        const double row[] = {static_cast<double>(n),
                              static_cast<double>(admitted),
                              static_cast<double>(atomic_admitted),
                              static_cast<double>(admitted - atomic_admitted),
                              atomic_admitted > 0 ? static_cast<double>(admitted) / static_cast<double>(atomic_admitted)
                                                  : 0.0,
                              static_cast<double>(stale),
                              n > 0 ? times[n - 1] - times[0] : 0.0};
        for (std::size_t k = 0; k < names.size(); ++k) metrics[k][ri] = row[k];
    });
    return metrics;
}

}  // namespace scalemodel::sim
