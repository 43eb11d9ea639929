#include "scalemodel/sim/system.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <cmath>
#include <memory>
#include <mutex>
#include <stdexcept>

#include <Eigen/Dense>

#include "scalemodel/core/alias_table.hpp"
#include "scalemodel/core/check.hpp"
#include "scalemodel/core/event_queue.hpp"
#include "scalemodel/core/parallel.hpp"
#include "scalemodel/core/progress.hpp"
#include "scalemodel/core/random.hpp"
#include "scalemodel/core/ring_queue.hpp"
#include "scalemodel/core/zipf_sum.hpp"

namespace scalemodel::sim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint32_t kNone = 0xFFFFFFFFu;   // no server; a top-level request's parent
constexpr std::uint32_t kAsync = 0xFFFFFFFEu;  // parent of a fire-and-forget sub-request
constexpr std::uint8_t kCounted = 1, kFailed = 2, kAttempt = 4;  // kAttempt: parent is a Request
constexpr std::uint8_t kMiss = 8, kChildMiss = 16;  // this visit missed a cache; an answer of the last call did
// Replay: job.work holds the recorded size for the next visit (the entry's); job.key is the
// request's replayed key, kept at every keyed tier.
constexpr std::uint8_t kSized = 32, kReplayedKey = 64;
// Jobs alive at once (queued, in service or blocked on calls) before a replication is
// declared overflowing: bounds memory whatever the load.
constexpr std::size_t kMaxJobs = std::size_t{1} << 22;

// One visit of a request (or sub-request) to a tier; the record moves along its routes.
struct Job {
    double arrive = 0, end = 0, work = 0;  // at this tier
    std::uint32_t tier = 0, server = kNone, epoch = 0, gen = 0;
    std::uint32_t parent = kNone, parent_gen = 0, parent_round = 0;
    std::uint32_t round = 0, call = 0, rounds_left = 0, client = 0;
    std::int32_t needed = 0;
    std::int64_t key = -1;  // the key drawn at a keyed tier (sharded or an LRU cache)
    std::uint32_t root = kNone, root_gen = 0, root_attempt = 0;  // the attempt this work is for
    double deadline = std::numeric_limits<double>::infinity();  // the client's, carried down calls
    std::uint8_t flags = 0;
};

// Records reused through a free list, at most kMaxJobs in use. An index stays valid until
// it is given back; `gen`, bumped then, tells a stale reference from a live one.
template <class T>
class Pool {
public:
    // A free record's index, or kNone when kMaxJobs are in use.
    std::uint32_t take() {
        if (!free_.empty()) {
            const std::uint32_t i = free_.back();
            free_.pop_back();
            return i;
        }
        if (items_.size() >= kMaxJobs) return kNone;
        items_.emplace_back();
        return static_cast<std::uint32_t>(items_.size() - 1);
    }
    void give_back(std::uint32_t i) {
        ++items_[i].gen;
        free_.push_back(i);
    }
    std::size_t in_use() const { return items_.size() - free_.size(); }
    T& operator[](std::uint32_t i) { return items_[i]; }
    const T& operator[](std::uint32_t i) const { return items_[i]; }

private:
    std::vector<T> items_;
    std::vector<std::uint32_t> free_;
};

// A client's request: one or more attempts (retries, a hedge), each a top-level job.
struct Request {
    double start = 0, backoff = 0;
    std::uint32_t gen = 0, attempts = 0, waiting = 0, client = 0;  // waiting: attempts awaited, a bit each
    std::int64_t index = 0;  // the arrival's index (a replayed size or key)
    bool counted = false, hedged = false;
};

struct Server {
    RingQueue<std::uint32_t> queue;
    std::int32_t held = 0, serving = 0, in = 0;  // slots held, of them in service; jobs here
    std::uint32_t epoch = 0, mark = 0;
    bool up = true;  // takes new work
    std::uint8_t state = 0;  // kOn, kOff, kWarming, kDown (autoscaled tiers)
    double queued_work = 0, end_sum = 0, credit = 0;
};

enum ServerState : std::uint8_t { kOn = 0, kOff = 1, kWarming = 2, kDown = 3 };

// Integrals of a tier's counters at one moment (the autoscaler's history).
struct Snapshot {
    double t, serving, held, queued, active;
};

// A tier's runtime state and its statistics over the measurement window.
struct Tier {
    std::uint32_t first = 0, per = 1, shards = 1, conc = 1;
    std::vector<std::uint32_t> rr, up, perm;  // per shard: round-robin cursor, servers up
    std::vector<std::uint32_t> calls;         // indices into config.calls, in order
    std::vector<std::pair<double, std::uint32_t>> routes;  // (cumulative probability, target)
    std::uint64_t salt = 0;
    // LRU cache (cache_items > 0): a doubly linked list per shard through arrays indexed by key
    std::vector<std::int32_t> prev, next;
    std::vector<std::int32_t> head, tail, size;  // per shard
    std::vector<char> cached;
    // counters of jobs at the tier, and their time integrals
    std::int64_t queued = 0, held = 0, serving = 0, in = 0;
    std::int64_t active = 0, billed = 0;  // servers taking traffic; running (active or warming)
    double last = 0, a_queued = 0, a_held = 0, a_serving = 0, a_in = 0, a_active = 0, a_billed = 0;
    double w_queued = 0, w_held = 0, w_serving = 0, w_in = 0, w_active = 0, w_billed = 0;  // at the window start
    double e_queued = 0, e_held = 0, e_serving = 0, e_in = 0, e_active = 0, e_billed = 0;  // at the window end
    // autoscaling
    bool scaled = false;
    std::vector<Snapshot> history;
    double last_out = -kInf, last_change = -kInf;
    // time series of active servers: server-seconds per window, credited up to `credited`
    std::vector<double> window_servers;
    double credited = 0;
    std::uint64_t visits = 0, dropped = 0, failed = 0, done = 0, n_wait = 0, n_resp = 0, rejected = 0, shed = 0;
    // circuit breaker: the last visits' outcomes (1 failed) in a ring, its state
    std::vector<char> outcomes;
    std::size_t next_outcome = 0, recorded = 0, failures = 0;
    int breaker = 0;  // 0 closed, 1 open, 2 half-open
    double open_until = 0;
    std::int64_t probes_out = 0, probes_ok = 0;
    double wait_sum = 0, resp_sum = 0;
};

enum Kind : std::uint32_t {
    kServiceDone = 1, kResume = 2, kFail = 3, kOutageStart = 4, kOutageEnd = 5, kTimeout = 6, kRetry = 7, kHedge = 8,
    kScale = 9, kWarm = 10, kExpire = 11
};
struct Payload {
    std::uint32_t kind, index, gen, aux = 0;  // aux: the attempt a timeout is for
};

struct RepOutput {
    std::vector<double> metrics, tiers;  // tiers: [metric * ntiers + tier]
    std::vector<double> windows;         // [column * nwindows + window], sums
    std::vector<std::vector<double>> window_servers;  // [tier][window], server-seconds
    std::vector<LogHistogram> own;  // per tier: wait plus service of each counted visit
    LogHistogram response;
};

// A replication reports progress every this many arrivals: about a hundred ticks.
std::int64_t progress_step(const SystemConfig& c) { return std::max<std::int64_t>(1, (c.warmup + c.requests) / 100); }

// What every replication shares: tables built once from the config.
struct Shared {
    std::vector<std::unique_ptr<ZipfSampler>> keys;  // per keyed tier (sharded or LRU), or null
    std::vector<std::vector<double>> shard_weight;   // per sharded tier: key popularity per shard
    std::unique_ptr<AliasTable> clients;
    bool sticky = false;
    bool overloaded = false;  // the overload rule (system_overloaded) holds
};

class Replication {
public:
    Replication(const SystemConfig& cfg, const Shared& shared, Progress* progress, std::uint64_t seed,
                std::uint64_t stream)
        : cfg_(cfg), shared_(shared), progress_(progress), rng_(seed, stream), arrivals_(cfg.arrivals, rng_) {
        const std::size_t nt = cfg.tiers.size();
        tiers_.resize(nt);
        std::uint32_t first = 0;
        for (std::size_t t = 0; t < nt; ++t) {
            const TierConfig& tc = cfg.tiers[t];
            Tier& T = tiers_[t];
            T.first = first;
            T.per = static_cast<std::uint32_t>(tc.servers);
            T.shards = static_cast<std::uint32_t>(tc.shards);
            T.conc = static_cast<std::uint32_t>(tc.concurrency);
            T.scaled = tc.autoscale.max_servers > 0;
            if (T.scaled) {  // a pool of max_servers, plus room to replace servers that fail for good
                std::int64_t spare = 0;
                for (const auto& o : cfg.outages)
                    if (o.tier == static_cast<std::int64_t>(t)) spare += o.servers > 0 ? o.servers : tc.autoscale.max_servers;
                T.per = static_cast<std::uint32_t>(tc.autoscale.max_servers + spare);
            }
            T.rr.assign(T.shards, 0);
            T.up.assign(T.shards, T.per);
            T.active = T.billed = static_cast<std::int64_t>(T.per) * T.shards;
            T.perm.resize(T.shards);
            for (std::uint32_t s = 0; s < T.shards; ++s) T.perm[s] = s;
            std::uint64_t salt = t + 0x5157;
            T.salt = splitmix64(salt);
            first += T.per * T.shards;
        }
        servers_.resize(first);
        for (std::size_t t = 0; t < nt; ++t) {  // an autoscaled tier starts with `servers` of its pool on
            Tier& T = tiers_[t];
            if (!T.scaled) continue;
            const auto on = static_cast<std::uint32_t>(cfg.tiers[t].servers);
            for (std::uint32_t i = on; i < T.per; ++i) servers_[T.first + i].up = false, servers_[T.first + i].state = kOff;
            T.up[0] = on;
            T.active = T.billed = on;
        }
        for (std::size_t c = 0; c < cfg.calls.size(); ++c)
            tiers_[static_cast<std::size_t>(cfg.calls[c].caller)].calls.push_back(static_cast<std::uint32_t>(c));
        for (const auto& r : cfg.routes) {
            auto& routes = tiers_[static_cast<std::size_t>(r.source)].routes;
            const double before = routes.empty() ? 0.0 : routes.back().first;
            routes.emplace_back(before + r.probability, static_cast<std::uint32_t>(r.target));
        }
        for (std::size_t t = 0; t < nt; ++t) {
            const TierConfig& tc = cfg.tiers[t];
            if (tc.cache_items <= 0) continue;
            Tier& T = tiers_[t];
            const auto nkeys = static_cast<std::size_t>(tc.keys);
            T.prev.assign(nkeys, -1), T.next.assign(nkeys, -1), T.cached.assign(nkeys, 0);
            T.head.assign(T.shards, -1), T.tail.assign(T.shards, -1), T.size.assign(T.shards, 0);
        }
        down_.resize(cfg.outages.size());
        out_.own.resize(nt);
    }

    RepOutput run() {
        for (std::size_t o = 0; o < cfg_.outages.size(); ++o) {
            events_.schedule(cfg_.outages[o].at_s, Payload{kOutageStart, static_cast<std::uint32_t>(o), 0});
            if (std::isfinite(cfg_.outages[o].until_s))
                events_.schedule(cfg_.outages[o].until_s, Payload{kOutageEnd, static_cast<std::uint32_t>(o), 0});
        }
        for (std::size_t t = 0; t < tiers_.size(); ++t)
            if (tiers_[t].scaled) {
                tiers_[t].history.push_back(Snapshot{0, 0, 0, 0, 0});
                events_.schedule(cfg_.tiers[t].autoscale.interval_s, Payload{kScale, static_cast<std::uint32_t>(t), 0});
            }
        next_arrival_ = arrivals_.next(rng_);
        std::uint64_t steps = 0;
        while (!overflow_) {
            if ((++steps & 0xFFFF) == 0 && progress_ && progress_->cancelled()) throw Cancelled();
            if (!events_.empty() && !(events_.top().time > next_arrival_)) {
                const auto e = events_.pop();
                now_ = e.time;
                switch (e.payload.kind) {
                    case kServiceDone:
                        on_service_done(e.payload.index, e.payload.gen);
                        break;
                    case kResume:
                        if (jobs_[e.payload.index].gen == e.payload.gen) round_done(e.payload.index);
                        break;
                    case kFail:
                        if (jobs_[e.payload.index].gen == e.payload.gen) fail_visit(e.payload.index);
                        break;
                    case kOutageStart:
                        on_outage_start(e.payload.index);
                        break;
                    case kOutageEnd:
                        on_outage_end(e.payload.index);
                        break;
                    case kTimeout:
                        on_timeout(e.payload.index, e.payload.gen, e.payload.aux);
                        break;
                    case kRetry:
                        if (requests_[e.payload.index].gen == e.payload.gen) start_attempt(e.payload.index);
                        break;
                    case kExpire:  // dropped unserved: its client had given up
                        if (jobs_[e.payload.index].gen == e.payload.gen) {
                            jobs_[e.payload.index].flags |= kFailed;
                            complete(e.payload.index);
                        }
                        break;
                    case kScale:
                        on_scale(e.payload.index);
                        break;
                    case kWarm:
                        on_warm(e.payload.index, e.payload.gen);
                        break;
                    case kHedge: {
                        Request& q = requests_[e.payload.index];
                        if (q.gen == e.payload.gen && q.waiting && !q.hedged) {
                            q.hedged = true;
                            start_attempt(e.payload.index);
                        }
                        break;
                    }
                    default:
                        break;
                }
            } else if (std::isfinite(next_arrival_)) {
                now_ = next_arrival_;
                ++arrival_events_;
                on_arrival();
            } else {
                break;
            }
        }
        return finish();
    }

private:
    // --- keys, shards and servers ------------------------------------------------------
    static std::size_t shard_of(const TierConfig& tc, std::size_t key) {
        return tc.placement.empty() ? key % static_cast<std::size_t>(tc.shards)
                                    : static_cast<std::size_t>(tc.placement[key]);
    }
    // The shard of a visit to tier t, from the key it draws (kept in job.key).
    std::uint32_t draw_shard(std::uint32_t t, Job& job) {
        const Tier& T = tiers_[t];
        const ZipfSampler* keys = shared_.keys[t].get();
        if (job.flags & kReplayedKey)
            return static_cast<std::uint32_t>(shard_of(cfg_.tiers[t], static_cast<std::size_t>(job.key)));
        if (!keys) {
            job.key = -1;
            return T.shards == 1 ? 0 : static_cast<std::uint32_t>(rng_.below(T.shards));
        }
        job.key = (*keys)(rng_);
        return static_cast<std::uint32_t>(shard_of(cfg_.tiers[t], static_cast<std::size_t>(job.key)));
    }

    // The LRU cache of tier t looks up `key` on `shard`: a hit moves it to the front, a miss
    // inserts it there and evicts the least recently used key of a full shard.
    bool lookup(std::uint32_t t, std::uint32_t shard, std::int64_t key) {
        Tier& T = tiers_[t];
        const auto k = static_cast<std::int32_t>(key);
        const bool hit = T.cached[static_cast<std::size_t>(k)];
        if (hit) {
            if (T.head[shard] == k) return true;
            unlink(T, shard, k);
        } else if (T.size[shard] == cfg_.tiers[t].cache_items) {
            const std::int32_t victim = T.tail[shard];
            unlink(T, shard, victim);
            T.cached[static_cast<std::size_t>(victim)] = 0;
            --T.size[shard];
        }
        T.prev[static_cast<std::size_t>(k)] = -1;
        T.next[static_cast<std::size_t>(k)] = T.head[shard];
        if (T.head[shard] >= 0) T.prev[static_cast<std::size_t>(T.head[shard])] = k;
        T.head[shard] = k;
        if (T.tail[shard] < 0) T.tail[shard] = k;
        if (!hit) T.cached[static_cast<std::size_t>(k)] = 1, ++T.size[shard];
        return hit;
    }
    static void unlink(Tier& T, std::uint32_t shard, std::int32_t k) {
        const std::int32_t p = T.prev[static_cast<std::size_t>(k)], n = T.next[static_cast<std::size_t>(k)];
        (p >= 0 ? T.next[static_cast<std::size_t>(p)] : T.head[shard]) = n;
        (n >= 0 ? T.prev[static_cast<std::size_t>(n)] : T.tail[shard]) = p;
    }
    // `k` distinct shards of tier t into picked_: all of them, or drawn by key popularity
    // without replacement.
    void draw_shards(std::uint32_t t, std::uint32_t k) {
        Tier& T = tiers_[t];
        picked_.clear();
        if (k >= T.shards) {
            for (std::uint32_t s = 0; s < T.shards; ++s) picked_.push_back(s);
            return;
        }
        if (shared_.shard_weight[t].empty()) {  // uniform: a partial Fisher-Yates shuffle of a kept permutation
            for (std::uint32_t i = 0; i < k; ++i) {
                const auto j = i + static_cast<std::uint32_t>(rng_.below(T.shards - i));
                std::swap(T.perm[i], T.perm[j]);
                picked_.push_back(T.perm[i]);
            }
            return;
        }
        // Weighted: successive draws, each without the shards already taken.
        std::vector<double>& w = scratch_;
        w = shared_.shard_weight[t];
        double total = 0;
        for (double x : w) total += x;
        for (std::uint32_t i = 0; i < k; ++i) {
            double u = rng_.uniform() * total;
            std::uint32_t s = 0;
            for (; s + 1 < T.shards; ++s) {
                if (w[s] > 0 && u < w[s]) break;
                u -= w[s];
            }
            while (!(w[s] > 0)) s = (s + T.shards - 1) % T.shards;  // rounding at the end
            picked_.push_back(s);
            total -= w[s];
            w[s] = 0;
        }
    }

    bool usable(std::uint32_t s) const { return servers_[s].up && servers_[s].mark != stamp_; }
    double outstanding(const Server& sv) const {
        return std::max(0.0, sv.queued_work + sv.end_sum - static_cast<double>(sv.serving) * now_);
    }
    // A server of one shard by the tier's policy, skipping down servers and those marked
    // with the current stamp (already taken by this fan-out); kNone if there is none.
    std::uint32_t choose(std::uint32_t t, std::uint32_t shard, std::uint32_t client) {
        Tier& T = tiers_[t];
        const TierConfig& tc = cfg_.tiers[t];
        const std::uint32_t base = T.first + shard * T.per, n = T.per;
        if (T.up[shard] == 0) return kNone;
        if (n == 1) return usable(base) ? base : kNone;
        const auto random_usable = [&]() -> std::uint32_t {
            for (int tries = 0; tries < 32; ++tries) {
                const auto s = base + static_cast<std::uint32_t>(rng_.below(n));
                if (usable(s)) return s;
            }
            std::uint32_t count = 0;
            for (std::uint32_t i = 0; i < n; ++i) count += usable(base + i);
            if (count == 0) return kNone;
            std::uint64_t k = rng_.below(count);
            for (std::uint32_t i = 0; i < n; ++i)
                if (usable(base + i) && k-- == 0) return base + i;
            return kNone;
        };
        const auto least = [&](auto&& load) -> std::uint32_t {
            const auto offset = static_cast<std::uint32_t>(rng_.below(n));  // ties do not favour server 0
            std::uint32_t best = kNone;
            double best_load = kInf;
            for (std::uint32_t i = 0; i < n; ++i) {
                const std::uint32_t s = base + (offset + i) % n;
                if (!usable(s)) continue;
                const double l = load(servers_[s]);
                if (l < best_load) best = s, best_load = l;
            }
            return best;
        };
        switch (tc.policy) {
            case Policy::random:
                return random_usable();
            case Policy::round_robin: {
                std::uint32_t& cursor = T.rr[shard];
                for (std::uint32_t i = 0; i < n; ++i) {
                    const std::uint32_t s = base + (cursor + i) % n;
                    if (usable(s)) {
                        cursor = (cursor + i + 1) % n;
                        return s;
                    }
                }
                return kNone;
            }
            case Policy::weighted_round_robin: {  // smooth: the largest credit wins and pays the total
                double total = 0;
                std::uint32_t best = kNone;
                for (std::uint32_t i = 0; i < n; ++i) {
                    const std::uint32_t s = base + i;
                    if (!usable(s)) continue;
                    const double w = tc.weights.empty() ? 1.0 : tc.weights[i];
                    servers_[s].credit += w;
                    total += w;
                    if (best == kNone || servers_[s].credit > servers_[best].credit) best = s;
                }
                if (best != kNone) servers_[best].credit -= total;
                return best;
            }
            case Policy::least_connections:
                return least([](const Server& sv) { return static_cast<double>(sv.in); });
            case Policy::least_outstanding_work:
                return least([this](const Server& sv) { return outstanding(sv); });
            case Policy::power_of_d: {
                std::uint32_t best = kNone;
                for (std::int64_t i = 0; i < tc.d; ++i) {  // candidates drawn with replacement
                    const std::uint32_t s = random_usable();
                    if (s == kNone) return kNone;
                    if (best == kNone || servers_[s].in < servers_[best].in) best = s;
                }
                return best;
            }
            case Policy::sticky: {
                std::uint64_t h = T.salt ^ (static_cast<std::uint64_t>(client) * 0x9E3779B97F4A7C15ULL);
                const auto home = static_cast<std::uint32_t>(splitmix64(h) % n);
                for (std::uint32_t i = 0; i < n; ++i)
                    if (usable(base + (home + i) % n)) return base + (home + i) % n;
                return kNone;
            }
        }
        return kNone;
    }

    // --- accounting ------------------------------------------------------------------
    void touch(Tier& T) {
        const double dt = now_ - T.last;
        if (dt > 0) {
            T.a_queued += dt * static_cast<double>(T.queued);
            T.a_held += dt * static_cast<double>(T.held);
            T.a_serving += dt * static_cast<double>(T.serving);
            T.a_in += dt * static_cast<double>(T.in);
            T.a_active += dt * static_cast<double>(T.active);
            T.a_billed += dt * static_cast<double>(T.billed);
        }
        T.last = now_;
    }
    // Credits the tier's active servers since the last change to the time-series windows.
    void credit_servers(Tier& T) {
        if (!(cfg_.window_s > 0)) return;
        const double w = cfg_.window_s;
        double from = T.credited;
        while (from < now_) {
            double index = std::floor(from / w);
            if ((index + 1) * w <= from) index += 1;  // from / w rounded down across a boundary: step on
            if (!(index < static_cast<double>(kMaxWindows))) break;
            const double to = std::min(now_, (index + 1) * w);
            const auto i = static_cast<std::size_t>(index);
            if (i >= T.window_servers.size()) T.window_servers.resize(i + 1, 0.0);
            T.window_servers[i] += static_cast<double>(T.active) * (to - from);
            from = to;
        }
        T.credited = now_;
    }
    // Changes the tier's active and billed server counts (the integrals and series first).
    void resize(Tier& T, std::int64_t active, std::int64_t billed) {
        touch(T);
        credit_servers(T);
        T.active += active;
        T.billed += billed;
    }
    void snapshot_window_start() {
        for (auto& T : tiers_) {
            touch(T);
            T.w_queued = T.a_queued, T.w_held = T.a_held, T.w_serving = T.a_serving, T.w_in = T.a_in;
            T.w_active = T.a_active, T.w_billed = T.a_billed;
        }
    }
    void snapshot_window_end() {
        for (auto& T : tiers_) {
            touch(T);
            T.e_queued = T.a_queued, T.e_held = T.a_held, T.e_serving = T.a_serving, T.e_in = T.a_in;
            T.e_active = T.a_active, T.e_billed = T.a_billed;
        }
        ended_ = true;
    }
    bool in_window() const { return now_ >= t_w_ && !ended_; }
    void add_window(std::size_t column, double value) {
        if (!(cfg_.window_s > 0)) return;
        const double w = std::floor(now_ / cfg_.window_s);
        if (!(w < static_cast<double>(kMaxWindows))) return;
        const auto i = static_cast<std::size_t>(w);
        if (i >= windows_.size()) windows_.resize(i + 1, {0, 0, 0, 0, 0, 0});
        windows_[i][column] += value;
    }

    // --- jobs ------------------------------------------------------------------------
    std::uint32_t alloc() {
        const std::uint32_t j = jobs_.take();
        if (j == kNone) overflow_ = true;
        return j;
    }
    void release(std::uint32_t j) { jobs_.give_back(j); }

    // Puts job j at tier t (on `shard`, or a drawn one; on `server` if given). False when
    // it cannot be placed (no server up, or the server is full): the visit fails.
    bool enter(std::uint32_t j, std::uint32_t t, std::uint32_t shard, std::uint32_t server) {
        Tier& T = tiers_[t];
        Job& job = jobs_[j];
        job.tier = t;
        job.arrive = now_;
        job.call = 0;
        job.flags &= static_cast<std::uint8_t>(~(kMiss | kChildMiss));
        job.server = kNone;
        const bool counted = job.flags & kCounted;
        if (counted) ++T.visits;
        const TierConfig& tc = cfg_.tiers[t];
        if (tc.breaker.failure_ratio > 0 && !breaker_admits(T, tc.breaker)) {
            if (counted) ++T.rejected;
            return false;
        }
        if (shard == kNone) shard = draw_shard(t, job);
        if (server == kNone) server = choose(t, shard, job.client);
        if (server == kNone) {
            if (counted) ++T.failed;
            outcome(t, false);
            return false;
        }
        Server& sv = servers_[server];
        if (tc.capacity > 0 && sv.in >= tc.capacity) {
            if (counted) ++T.dropped;
            outcome(t, false);
            return false;
        }
        if (std::isfinite(tc.shed_wait_s)) {  // the wait this visit would expect, at the mean service time
            const double ahead = static_cast<double>(sv.queue.size()) + 1.0 - static_cast<double>(T.conc - sv.held);
            if (ahead > 0 && ahead * tc.service.mean() / static_cast<double>(T.conc) > tc.shed_wait_s) {
                if (counted) ++T.shed;
                outcome(t, false);
                return false;
            }
        }
        job.server = server;
        if (job.flags & kSized)
            job.flags &= static_cast<std::uint8_t>(~kSized);  // the recorded size, this visit only
        else
            job.work = cfg_.tiers[t].service.sample(rng_);
        touch(T);
        ++sv.in, ++T.in;
        if (sv.held < static_cast<std::int32_t>(T.conc) && sv.queue.empty()) {
            start(j);
        } else {
            sv.queue.push(j);
            sv.queued_work += job.work;
            ++T.queued;
            if (++queued_ > static_cast<std::int64_t>(kMaxQueued)) overflow_ = true;
        }
        return true;
    }

    // Job j takes a slot at its server and starts service (the tier was touched).
    void start(std::uint32_t j) {
        Job& job = jobs_[j];
        Tier& T = tiers_[job.tier];
        Server& sv = servers_[job.server];
        ++sv.held, ++sv.serving, ++T.held, ++T.serving;
        job.epoch = sv.epoch;
        job.end = now_ + job.work;
        sv.end_sum += job.end;
        if (job.flags & kCounted) {
            T.wait_sum += now_ - job.arrive;
            ++T.n_wait;
        }
        events_.schedule(job.end, Payload{kServiceDone, j, job.gen});
    }

    void on_service_done(std::uint32_t j, std::uint32_t gen) {
        Job& job = jobs_[j];
        if (job.gen != gen) return;
        Server& sv = servers_[job.server];
        if (job.epoch != sv.epoch) {  // the server failed during service
            fail_visit(j);
            return;
        }
        Tier& T = tiers_[job.tier];
        touch(T);
        --sv.serving, --T.serving;
        if (job.flags & kCounted) out_.own[job.tier].add(now_ - job.arrive);
        if (in_window()) {
            served_s_ += job.work;
            if (abandoned(job)) wasted_s_ += job.work;
        }
        sv.end_sum -= job.end;
        if (sv.serving == 0) sv.end_sum = 0;  // no drift from rounding
        const TierConfig& tc = cfg_.tiers[job.tier];
        if (tc.error_probability > 0 && rng_.uniform() < tc.error_probability) {
            if (job.flags & kCounted) ++T.failed;
            job.flags |= kFailed;  // an error reply: no calls, no hand-off
            finish_visit(j);
            return;
        }
        const bool cache = tc.cache_items > 0 || tc.hit_probability > 0;
        const bool hit = tc.cache_items > 0 ? lookup(job.tier, (job.server - T.first) / T.per, job.key)
                                            : tc.hit_probability > 0 && rng_.uniform() < tc.hit_probability;
        if (cache && !hit) job.flags |= kMiss;
        if (hit) {
            finish_visit(j);
            return;
        }
        next_call(j);
    }

    // Makes the tier's calls from job.call on; when none is left the visit finishes.
    // True when nobody waits for this work: its attempt was abandoned or its request is over.
    bool abandoned(const Job& job) const {
        if (job.root == kNone) return false;
        const Request& q = requests_[job.root];
        return q.gen != job.root_gen || !(q.waiting & (1u << job.root_attempt));
    }

    void next_call(std::uint32_t j) {
        for (;;) {
            Job& job = jobs_[j];
            const Tier& T = tiers_[job.tier];
            if (job.call >= T.calls.size()) {
                finish_visit(j);
                return;
            }
            const CallConfig& c = cfg_.calls[T.calls[job.call]];
            if (c.after_miss && !(job.flags & kChildMiss)) {  // the cache answered: nothing to fetch
                ++job.call;
                continue;
            }
            if (!c.after_miss) job.flags &= static_cast<std::uint8_t>(~kChildMiss);
            if (c.probability >= 1.0 || rng_.uniform() < c.probability) {
                if (c.wait != 0) {
                    job.rounds_left = static_cast<std::uint32_t>(c.count);
                    start_round(j);
                    return;
                }
                for (std::int64_t r = 0; r < c.count; ++r) spawn(j, c, false);  // fire and forget
                if (overflow_) return;
            }
            ++jobs_[j].call;
        }
    }

    void start_round(std::uint32_t j) {
        const CallConfig& c = cfg_.calls[tiers_[jobs_[j].tier].calls[jobs_[j].call]];
        Job& job = jobs_[j];
        ++job.round;
        job.needed = static_cast<std::int32_t>(c.wait < 0 ? c.fanout : c.wait);
        spawn(j, c, true);
        // Sub-requests refused at once were answered as failures; resuming through the
        // event queue keeps the call stack flat.
        if (!overflow_ && jobs_[j].needed <= 0) events_.schedule(now_, Payload{kResume, j, jobs_[j].gen});
    }

    // Sends one round of call c from job j: fanout sub-requests to distinct servers or shards.
    void spawn(std::uint32_t j, const CallConfig& c, bool blocking) {
        const auto callee = static_cast<std::uint32_t>(c.callee);
        const Tier& T = tiers_[callee];
        const auto fanout = static_cast<std::uint32_t>(c.fanout);
        const bool by_shard = T.shards > 1;
        if (by_shard && fanout > 1) draw_shards(callee, fanout);
        for (std::uint32_t i = 0; i < fanout; ++i) {
            const std::uint32_t k = alloc();
            if (k == kNone) return;
            Job& parent = jobs_[j];
            Job& child = jobs_[k];
            child.flags = parent.flags & (kCounted | kReplayedKey);
            child.client = parent.client;
            child.key = parent.key;
            child.parent = blocking ? j : kAsync;
            child.root = blocking ? parent.root : kNone;
            child.root_gen = parent.root_gen, child.root_attempt = parent.root_attempt;
            child.deadline = blocking ? parent.deadline : kInf;
            child.parent_gen = parent.gen;
            child.parent_round = parent.round;
            std::uint32_t shard = kNone, server = kNone;
            if (by_shard) {
                if (fanout > 1) shard = picked_[i];
            } else if (fanout > 1) {
                server = choose(callee, 0, child.client);
                if (server != kNone) servers_[server].mark = stamp_;
            }
            const bool placed = (by_shard || fanout == 1 || server != kNone) && enter(k, callee, shard, server);
            if (!placed) {
                if (!by_shard && fanout > 1 && server == kNone && (child.flags & kCounted)) ++tiers_[callee].failed;
                if (blocking) {
                    Job& p = jobs_[j];
                    p.flags |= kFailed;
                    --p.needed;
                }
                release(k);
            }
        }
        if (!by_shard && fanout > 1) ++stamp_;  // this round's marks expire
    }

    // A sub-request's chain ended: count its answer at its caller (late answers of a
    // round already decided are dropped).
    void answer(std::uint32_t parent, std::uint32_t gen, std::uint32_t round, bool failed, bool missed) {
        Job& p = jobs_[parent];
        if (p.gen != gen || p.round != round || p.needed <= 0) return;
        if (failed) p.flags |= kFailed;
        if (missed) p.flags |= kChildMiss;
        if (--p.needed == 0) round_done(parent);
    }

    void round_done(std::uint32_t j) {
        Job& job = jobs_[j];
        if (--job.rounds_left > 0) {
            start_round(j);
            return;
        }
        ++job.call;
        next_call(j);
    }

    // --- circuit breakers -------------------------------------------------------------------
    bool breaker_admits(Tier& T, const Breaker& b) {
        if (T.breaker == 1) {
            if (now_ < T.open_until) return false;
            T.breaker = 2;  // half-open: a few probes go through
            T.probes_out = T.probes_ok = 0;
        }
        if (T.breaker == 2) {
            if (T.probes_out >= b.probes) return false;
            ++T.probes_out;
        }
        return true;
    }
    void outcome(std::uint32_t t, bool ok) {
        const Breaker& b = cfg_.tiers[t].breaker;
        if (!(b.failure_ratio > 0)) return;
        Tier& T = tiers_[t];
        if (T.breaker == 1) return;  // visits admitted before it opened
        if (T.breaker == 2) {
            if (!ok) {
                trip(T, b);
            } else if (++T.probes_ok >= b.probes) {
                T.breaker = 0;  // closed, with a fresh window
                T.recorded = T.failures = T.next_outcome = 0;
            }
            return;
        }
        const auto w = static_cast<std::size_t>(b.window);
        if (T.outcomes.size() != w) T.outcomes.assign(w, 0);
        if (T.recorded == w) T.failures -= static_cast<std::size_t>(T.outcomes[T.next_outcome]);
        else ++T.recorded;
        T.outcomes[T.next_outcome] = ok ? 0 : 1;
        T.failures += ok ? 0 : 1;
        T.next_outcome = (T.next_outcome + 1) % w;
        if (static_cast<std::int64_t>(T.recorded) >= b.min_calls &&
            static_cast<double>(T.failures) >= b.failure_ratio * static_cast<double>(T.recorded))
            trip(T, b);
    }
    void trip(Tier& T, const Breaker& b) {
        T.breaker = 1;
        T.open_until = now_ + b.open_s;
    }

    // The visit ends: the slot is released and the job is routed on or leaves.
    void finish_visit(std::uint32_t j) {
        Job& job = jobs_[j];
        Tier& T = tiers_[job.tier];
        Server& sv = servers_[job.server];
        const bool counted = job.flags & kCounted;
        if (job.epoch != sv.epoch) {  // the server failed while the job held its slot
            fail_visit(j);
            return;
        }
        touch(T);
        --sv.held, --sv.in, --T.held, --T.in;
        const std::int64_t lifo = cfg_.tiers[job.tier].lifo_above;
        while (!sv.queue.empty()) {
            const bool newest = lifo > 0 && static_cast<std::int64_t>(sv.queue.size()) > lifo;
            const std::uint32_t next = newest ? sv.queue.back() : sv.queue.front();
            if (newest) sv.queue.pop_back();
            else sv.queue.pop();
            sv.queued_work -= jobs_[next].work;
            if (sv.queue.empty()) sv.queued_work = 0;
            --T.queued, --queued_;
            if (cfg_.client.propagate_deadline && now_ > jobs_[next].deadline) {  // nobody waits for it
                --sv.in, --T.in;
                if (jobs_[next].flags & kCounted) ++T.shed;
                events_.schedule(now_, Payload{kExpire, next, jobs_[next].gen});
                continue;
            }
            start(next);
            break;
        }
        if (counted) {
            T.resp_sum += now_ - job.arrive;
            ++T.n_resp;
        }
        if (in_window()) ++T.done;
        outcome(job.tier, !(job.flags & kFailed));
        if (!(job.flags & kFailed) && !T.routes.empty()) {
            const double u = rng_.uniform();
            for (const auto& [cumulative, target] : T.routes) {
                if (u < cumulative) {
                    if (!enter(j, target, kNone, kNone)) {
                        jobs_[j].flags |= kFailed;
                        complete(j);
                    }
                    return;
                }
            }
        }
        complete(j);
    }

    // The visit failed with its server (the slot was already given back at the outage).
    void fail_visit(std::uint32_t j) {
        Job& job = jobs_[j];
        if (job.flags & kCounted) ++tiers_[job.tier].failed;
        outcome(job.tier, false);
        job.flags |= kFailed;
        complete(j);
    }

    // Job j's chain leaves the system: a request is recorded, a sub-request answers its caller.
    void complete(std::uint32_t j) {
        const Job job = jobs_[j];
        release(j);
        const bool failed = job.flags & kFailed;
        if (job.parent == kAsync) return;
        if (job.flags & kAttempt) {
            attempt_over(job.parent, job.parent_gen, job.parent_round, failed);
            return;
        }
        answer(job.parent, job.parent_gen, job.parent_round, failed, job.flags & kMiss);
    }

    // --- clients: attempts, timeouts, retries, hedges ---------------------------------------
    std::uint32_t new_request() {
        const std::uint32_t r = requests_.take();
        if (r == kNone) overflow_ = true;
        return r;
    }

    void start_attempt(std::uint32_t r) {
        const std::uint32_t j = alloc();
        if (j == kNone) return;
        Request& q = requests_[r];
        const std::uint32_t a = q.attempts++;
        q.waiting |= 1u << a;
        const ClientConfig& client = cfg_.client;
        if (std::isfinite(client.timeout_s)) events_.schedule(now_ + client.timeout_s, Payload{kTimeout, r, q.gen, a});
        if (a == 0 && std::isfinite(client.hedge_after_s))
            events_.schedule(now_ + client.hedge_after_s, Payload{kHedge, r, q.gen});
        Job& job = jobs_[j];
        job.flags = static_cast<std::uint8_t>((q.counted ? kCounted : 0) | kAttempt);
        const auto idx = static_cast<std::size_t>(q.index);
        if (!cfg_.service_times.empty()) {
            job.flags |= kSized;
            job.work = cfg_.service_times[idx];
        }
        if (!cfg_.keys.empty()) {
            job.flags |= kReplayedKey;
            job.key = cfg_.keys[idx];
        }
        job.parent = r, job.parent_gen = q.gen, job.parent_round = a;
        job.root = r, job.root_gen = q.gen, job.root_attempt = a;
        job.deadline = now_ + client.timeout_s;
        job.client = q.client;
        if (!enter(j, static_cast<std::uint32_t>(cfg_.entry), kNone, kNone)) {
            jobs_[j].flags |= kFailed;
            complete(j);
        }
    }

    // An attempt's chain left the system; the client takes its answer if still waiting for it.
    void attempt_over(std::uint32_t r, std::uint32_t gen, std::uint32_t a, bool failed) {
        Request& q = requests_[r];
        if (q.gen != gen || !(q.waiting & (1u << a))) return;  // abandoned, or the request is over
        q.waiting &= ~(1u << a);
        if (!failed) {
            finish_request(r, true, false);
            return;
        }
        if (!q.waiting) retry_or_fail(r, false);  // unless a hedge is still out
    }

    void on_timeout(std::uint32_t r, std::uint32_t gen, std::uint32_t a) {
        Request& q = requests_[r];
        if (q.gen != gen || !(q.waiting & (1u << a))) return;
        q.waiting &= ~(1u << a);
        if (!q.waiting) retry_or_fail(r, true);
    }

    void retry_or_fail(std::uint32_t r, bool timed_out) {
        Request& q = requests_[r];
        const ClientConfig& c = cfg_.client;
        const std::int64_t retried = static_cast<std::int64_t>(q.attempts) - 1 - (q.hedged ? 1 : 0);
        const bool budget_ok = !std::isfinite(c.budget) || tokens_ >= 1.0;
        if (retried >= c.retries || !budget_ok) {
            finish_request(r, false, timed_out);
            return;
        }
        if (std::isfinite(c.budget)) tokens_ -= 1.0;
        const double d = std::min(c.backoff_max_s, c.backoff_s * std::ldexp(1.0, static_cast<int>(retried)));
        double delay = d;
        switch (c.jitter) {
            case Jitter::none:
                break;
            case Jitter::full:
                delay = rng_.uniform() * d;
                break;
            case Jitter::equal:
                delay = d / 2 + rng_.uniform() * d / 2;
                break;
            case Jitter::decorrelated: {
                const double hi = std::max(c.backoff_s, 3 * q.backoff);
                delay = std::min(c.backoff_max_s, c.backoff_s + rng_.uniform() * (hi - c.backoff_s));
                break;
            }
        }
        q.backoff = delay;
        events_.schedule(now_ + delay, Payload{kRetry, r, q.gen});
    }

    void finish_request(std::uint32_t r, bool ok, bool timed_out) {
        Request& q = requests_[r];
        const double response = now_ - q.start;
        add_window(ok ? 1 : 2, 1.0);
        if (ok) add_window(3, response);
        if (ok && response > cfg_.slo_s) add_window(4, 1.0);
        const bool good = ok && response <= deadline_;
        if (good) add_window(5, 1.0);
        if (good && q.counted) ++good_;
        if (q.counted) {
            attempts_ += q.attempts;
            if (ok) {
                ++completed_;
                resp_sum_ += response;
                out_.response.add(response);
            } else {
                ++failed_;
                if (timed_out) ++timed_out_;
            }
        }
        q.waiting = 0;
        requests_.give_back(r);
    }

    void on_arrival() {
        const std::int64_t idx = generated_++;
        // A long replication reports its progress in hundredths, not only when it ends.
        if (progress_ && (idx + 1) % progress_step_ == 0) progress_->advance();
        const bool counted = idx >= cfg_.warmup;
        if (idx == cfg_.warmup) {
            t_w_ = now_;
            snapshot_window_start();
        }
        bool last = idx == cfg_.warmup + cfg_.requests - 1;
        next_arrival_ = kInf;
        if (!last) {
            next_arrival_ = arrivals_.next(rng_);
            if (!std::isfinite(next_arrival_)) last = true;
        }
        add_window(0, 1.0);
        if (counted) ++arrivals_counted_;
        const std::uint32_t r = new_request();
        if (r != kNone) {
            Request& q = requests_[r];
            q.start = now_;
            q.counted = counted;
            q.attempts = 0, q.waiting = 0, q.hedged = false, q.backoff = cfg_.client.backoff_s;
            q.index = idx;
            if (!cfg_.client_ids.empty())
                q.client = static_cast<std::uint32_t>(cfg_.client_ids[static_cast<std::size_t>(idx)]);
            else
                q.client = shared_.sticky ? static_cast<std::uint32_t>(shared_.clients->draw(rng_)) : 0;
            if (std::isfinite(cfg_.client.budget))
                tokens_ = std::min(cfg_.client.budget_burst, tokens_ + cfg_.client.budget);
            start_attempt(r);
        }
        if (last) {
            t_end_ = now_;
            if (!counted) t_w_ = now_;
            snapshot_window_end();
        }
    }

    void on_outage_start(std::uint32_t o) {
        const TierOutage& out = cfg_.outages[o];
        const auto t = static_cast<std::uint32_t>(out.tier);
        Tier& T = tiers_[t];
        touch(T);
        const std::uint32_t lo = out.shard < 0 ? 0 : static_cast<std::uint32_t>(out.shard);
        const std::uint32_t hi = out.shard < 0 ? T.shards : lo + 1;
        for (std::uint32_t shard = lo; shard < hi; ++shard) {
            std::int64_t k = out.servers > 0 ? out.servers : T.per;
            for (std::int64_t i = T.per - 1; i >= 0 && k > 0; --i) {
                const std::uint32_t s = T.first + shard * T.per + static_cast<std::uint32_t>(i);
                Server& sv = servers_[s];
                if (!sv.up) continue;
                --k;
                sv.up = false;
                ++sv.epoch;  // jobs holding its slots fail when they next look at it
                down_[o].push_back(s);
                --T.up[shard];
                if (T.scaled) {  // a failed instance is gone: the autoscaler will replace it
                    sv.state = kDown;
                    resize(T, -1, -1);
                }
                T.held -= sv.held, T.serving -= sv.serving, T.in -= sv.in;
                T.queued -= static_cast<std::int64_t>(sv.queue.size());
                queued_ -= static_cast<std::int64_t>(sv.queue.size());
                while (!sv.queue.empty()) {  // its queue fails, through the event queue
                    const std::uint32_t j = sv.queue.front();
                    sv.queue.pop();
                    events_.schedule(now_, Payload{kFail, j, jobs_[j].gen});
                }
                sv.held = sv.serving = sv.in = 0;
                sv.queued_work = sv.end_sum = 0;
            }
        }
    }

    void on_outage_end(std::uint32_t o) {
        Tier& T = tiers_[static_cast<std::size_t>(cfg_.outages[o].tier)];
        for (std::uint32_t s : down_[o]) {
            if (T.scaled) {  // back in the pool, off until the autoscaler launches it
                servers_[s].state = kOff;
                continue;
            }
            servers_[s].up = true;
            ++T.up[(s - T.first) / T.per];
        }
        down_[o].clear();
    }

    // Seconds of windows whose slo_quantile response missed slo_s (failures count as slow).
    // Only windows that start in the measurement window count: not the warm-up.
    double slo_violation() const {
        if (!(cfg_.window_s > 0) || !std::isfinite(cfg_.slo_s)) return kNaN;
        double seconds = 0;
        const double first = std::floor(t_w_ / cfg_.window_s), last = std::floor(t_end_ / cfg_.window_s);
        for (std::size_t i = 0; i < windows_.size(); ++i) {
            if (static_cast<double>(i) < first || static_cast<double>(i) > last) continue;
            const auto& w = windows_[i];
            const double answered = w[1] + w[2];
            if (answered > 0 && (w[4] + w[2]) > (1.0 - cfg_.slo_quantile) * answered) seconds += cfg_.window_s;
        }
        return seconds;
    }

    // --- autoscaling -----------------------------------------------------------------------
    void on_scale(std::uint32_t t) {
        Tier& T = tiers_[t];
        const Autoscale& a = cfg_.tiers[t].autoscale;
        touch(T);
        T.history.push_back(Snapshot{now_, T.a_serving, T.a_held, T.a_queued, T.a_active});
        while (T.history.size() > 2 && now_ - T.history[1].t >= a.window_s) T.history.erase(T.history.begin());
        const Snapshot &old = T.history.front(), &cur = T.history.back();
        const double server_s = cur.active - old.active;
        const double conc = static_cast<double>(T.conc);
        double metric = 0;
        switch (a.metric) {
            case ScaleMetric::utilization:
                metric = server_s > 0 ? (cur.serving - old.serving) / (server_s * conc) : 1.0;
                break;
            case ScaleMetric::occupancy:
                metric = server_s > 0 ? (cur.held - old.held) / (server_s * conc) : 1.0;
                break;
            case ScaleMetric::queue:
                metric = server_s > 0 ? (cur.queued - old.queued) / server_s : a.target + 1;
                break;
        }
        const auto lo = a.min_servers, hi = a.max_servers;
        const double wanted = std::ceil(static_cast<double>(std::max<std::int64_t>(T.active, 1)) * metric / a.target - 1e-9);
        const std::int64_t desired = std::clamp(static_cast<std::int64_t>(std::min(wanted, 1e9)), lo, hi);
        const std::int64_t running = T.billed;  // active and warming
        if (desired > running && now_ - T.last_out >= a.scale_out_cooldown_s) {
            std::int64_t launch = desired - running;
            for (std::uint32_t i = 0; i < T.per && launch > 0; ++i) {
                Server& sv = servers_[T.first + i];
                if (sv.state != kOff) continue;
                sv.state = kWarming;
                --launch;
                resize(T, 0, +1);
                events_.schedule(now_ + a.warmup_s, Payload{kWarm, T.first + i, sv.epoch});
            }
            T.last_out = T.last_change = now_;
        } else if (desired < running && now_ - T.last_change >= a.scale_in_cooldown_s) {
            std::int64_t remove = running - desired;
            for (std::uint32_t i = T.per; i-- > 0 && remove > 0;) {  // the newest first
                Server& sv = servers_[T.first + i];
                if (sv.state == kWarming) {
                    sv.state = kOff;
                    ++sv.epoch;  // its warm-up event is void
                    resize(T, 0, -1);
                    --remove;
                } else if (sv.state == kOn && sv.up) {
                    sv.state = kOff;  // it finishes what it holds but takes nothing new
                    sv.up = false;
                    --T.up[0];
                    resize(T, -1, -1);
                    --remove;
                }
            }
            T.last_change = now_;
        }
        // Keep evaluating while anything can still happen.
        const bool busy = std::isfinite(next_arrival_) || jobs_.in_use() > 0 || requests_.in_use() > 0;
        if (busy) events_.schedule(now_ + a.interval_s, Payload{kScale, t, 0});
    }

    void on_warm(std::uint32_t s, std::uint32_t epoch) {
        Server& sv = servers_[s];
        if (sv.state != kWarming || sv.epoch != epoch) return;
        Tier& T = tiers_[tier_of(s)];
        sv.state = kOn;
        sv.up = true;
        ++T.up[0];
        resize(T, +1, 0);
    }
    std::size_t tier_of(std::uint32_t s) const {
        std::size_t t = 0;
        while (t + 1 < tiers_.size() && tiers_[t + 1].first <= s) ++t;
        return t;
    }

    RepOutput finish() {
        if (overflow_ && !ended_) {
            if (!std::isfinite(t_w_)) {
                t_w_ = now_;
                snapshot_window_start();
            }
            t_end_ = now_;
            snapshot_window_end();
        }
        const double window = t_end_ - t_w_;
        const auto ratio = [](double a, double b) { return b > 0 ? a / b : kNaN; };
        // No answer at all (every request failed) has no finite response time either.
        const bool unstable = overflow_ || shared_.overloaded;
        const bool no_answer = unstable || completed_ == 0;
        const auto q = [&](double p) { return no_answer ? kInf : out_.response.quantile(p); };
        const double arrivals = static_cast<double>(arrivals_counted_);
        RepOutput& r = out_;
        r.metrics = {
            no_answer ? kInf : resp_sum_ / static_cast<double>(completed_),
            q(0.5), q(0.9), q(0.95), q(0.99), q(0.999),
            ratio(static_cast<double>(completed_), window),
            ratio(static_cast<double>(failed_), arrivals),
            arrivals,
            static_cast<double>(completed_),
            static_cast<double>(failed_),
            window,
            static_cast<double>(events_.processed() + arrival_events_),
            unstable ? 1.0 : 0.0,
            ratio(static_cast<double>(timed_out_), arrivals),
            ratio(static_cast<double>(attempts_), static_cast<double>(completed_ + failed_)),
            slo_violation(),
            ratio(static_cast<double>(good_), window),
            served_s_ > 0 ? wasted_s_ / served_s_ : 0.0,  // nothing served, nothing wasted
        };
        const std::size_t nt = tiers_.size();
        r.tiers.assign(tier_metric_names().size() * nt, kNaN);
        const auto tier_delay = [&](double x) { return unstable ? kInf : x; };  // NaN: no visit at all
        for (std::size_t t = 0; t < nt; ++t) {
            const Tier& T = tiers_[t];
            const double slot_s = (T.e_active - T.w_active) * static_cast<double>(T.conc);
            const double values[] = {
                ratio(static_cast<double>(T.visits), arrivals),
                ratio(static_cast<double>(T.done), window),
                ratio(T.e_serving - T.w_serving, slot_s),
                ratio(T.e_held - T.w_held, slot_s),
                tier_delay(ratio(T.e_queued - T.w_queued, window)),
                tier_delay(ratio(T.e_in - T.w_in, window)),
                tier_delay(ratio(T.wait_sum, static_cast<double>(T.n_wait))),
                tier_delay(ratio(T.resp_sum, static_cast<double>(T.n_resp))),
                static_cast<double>(T.dropped),
                static_cast<double>(T.failed),
                ratio(T.e_active - T.w_active, window),
                (T.e_billed - T.w_billed) / 3600.0,
                static_cast<double>(T.rejected),
                static_cast<double>(T.shed),
                unstable ? kInf : out_.own[t].quantile(0.99),
            };
            for (std::size_t m = 0; m < std::size(values); ++m) r.tiers[m * nt + t] = values[m];
        }
        const std::size_t nw = windows_.size();
        r.windows.assign(window_metric_names().size() * nw, 0.0);
        for (std::size_t w = 0; w < nw; ++w)
            for (std::size_t c = 0; c < 6; ++c) r.windows[c * nw + w] = windows_[w][c];
        r.window_servers.resize(nt);
        for (std::size_t t = 0; t < nt; ++t) {
            credit_servers(tiers_[t]);
            r.window_servers[t] = std::move(tiers_[t].window_servers);
        }
        return std::move(out_);
    }

    const SystemConfig& cfg_;
    const Shared& shared_;
    Progress* progress_;
    Rng rng_;
    ArrivalStream arrivals_;
    EventQueue<Payload> events_;
    std::vector<Tier> tiers_;
    std::vector<Server> servers_;
    Pool<Job> jobs_;
    Pool<Request> requests_;
    std::vector<std::uint32_t> picked_;
    std::vector<double> scratch_;
    std::vector<std::vector<std::uint32_t>> down_;
    std::vector<std::array<double, 6>> windows_;
    RepOutput out_;
    std::uint32_t stamp_ = 1;  // servers start unmarked (mark 0)
    std::int64_t generated_ = 0, queued_ = 0;
    std::uint64_t arrivals_counted_ = 0, completed_ = 0, failed_ = 0, timed_out_ = 0, attempts_ = 0;
    std::uint64_t arrival_events_ = 0;
    double tokens_ = cfg_.client.budget_burst;  // the retry budget's bucket
    // Goodput counts answers within the deadline: the SLO, else the client's timeout.
    const double deadline_ = std::isfinite(cfg_.slo_s) ? cfg_.slo_s : cfg_.client.timeout_s;
    const std::int64_t progress_step_ = progress_step(cfg_);
    std::uint64_t good_ = 0;
    double served_s_ = 0, wasted_s_ = 0;
    double t_w_ = kInf, t_end_ = kInf, now_ = 0.0, next_arrival_ = kInf, resp_sum_ = 0;
    bool overflow_ = false, ended_ = false;
};

std::string tier_param(const SystemConfig& c, std::int64_t t, const char* what) {
    return std::string(what) + " of tier '" + c.tiers[static_cast<std::size_t>(t)].name + "'";
}

// True if `to` can be reached from `from` along calls and routes.
bool reaches(const std::vector<std::vector<std::size_t>>& next, std::size_t from, std::size_t to) {
    std::vector<char> seen(next.size(), 0);
    std::vector<std::size_t> stack{from};
    while (!stack.empty()) {
        const std::size_t t = stack.back();
        stack.pop_back();
        if (t == to) return true;
        if (seen[t]) continue;
        seen[t] = 1;
        for (std::size_t n : next[t]) stack.push_back(n);
    }
    return false;
}

// Lower bound on the miss ratio of an LRU cache of `items` keys out of `keys` with Zipf
// popularity `skew`: under independent requests no cache beats holding the most popular
// `items` keys, so LRU misses at least the rest of the mass.
double lru_miss_bound(std::int64_t items, std::int64_t keys, double skew) {
    if (items >= keys) return 0.0;
    // The smaller part over the whole keeps full relative accuracy at both ends.
    const double top = zipf_partial_sum(1, items, skew), rest = zipf_partial_sum(items + 1, keys, skew);
    return rest / (top + rest);
}

// The overload rule (the stations' rule, for a graph): with stationary arrivals and nothing
// that sheds or fails work (no capacity, shedding, breaker, dropped deadlines or error
// replies), a tier whose offered work, arrival rate x visits per request x mean service,
// reaches its slots (servers x shards x concurrency, an autoscaled tier at its maximum, less
// servers down for good) has a queue that grows without bound however long the run: the
// run is unstable (inf delays), as a closed form would say, even when it ends before its
// queues reach kMaxQueued. Visits per request solve the traffic equations v = e + v M of
// routes and calls; a bound is used where the simulation decides (a cache's hits, retries
// and hedges, which only add work), so the rule never flags a system that could keep up;
// slots held while waiting on calls can overload a tier sooner, which the queue bound
// catches. A tier that receives work and has every server down for good is unstable too.
bool system_overloaded(const SystemConfig& c) {
    const Arrivals::Kind kind = c.arrivals.kind();
    if (kind == Arrivals::Kind::replay || kind == Arrivals::Kind::profile) return false;
    const ClientConfig& client = c.client;
    if (client.propagate_deadline && std::isfinite(client.timeout_s)) return false;
    const std::size_t nt = c.tiers.size();
    std::vector<double> up(nt), slots(nt);  // servers left for good; upper bound on slots
    bool dead_shard = false;                // a shard with no server left fails its visits
    for (std::size_t t = 0; t < nt; ++t) {
        const TierConfig& tc = c.tiers[t];
        if (tc.capacity > 0 || std::isfinite(tc.shed_wait_s) || tc.breaker.failure_ratio > 0 ||
            tc.error_probability > 0)
            return false;
        std::vector<std::int64_t> down(static_cast<std::size_t>(tc.shards), 0);
        for (const auto& o : c.outages) {
            if (static_cast<std::size_t>(o.tier) != t || std::isfinite(o.until_s)) continue;
            for (std::int64_t s = 0; s < tc.shards; ++s)
                if (o.shard < 0 || o.shard == s) {
                    auto& d = down[static_cast<std::size_t>(s)];
                    d = std::min(tc.servers, d + (o.servers == 0 ? tc.servers : o.servers));
                }
        }
        const bool scaled = tc.autoscale.max_servers > 0;  // replaces failed servers
        for (std::int64_t d : down) {
            const std::int64_t left = scaled ? tc.autoscale.max_servers : tc.servers - d;
            up[t] += static_cast<double>(left);
            dead_shard = dead_shard || left == 0;
        }
        slots[t] = up[t] * static_cast<double>(tc.concurrency);
    }
    // A cache's miss ratio, at least: from hit_probability, or bounded for an LRU tier.
    const auto miss = [&](std::size_t t) {
        const TierConfig& tc = c.tiers[t];
        return tc.cache_items > 0 ? lru_miss_bound(tc.cache_items, tc.keys, tc.key_skew) : 1.0 - tc.hit_probability;
    };
    Eigen::MatrixXd m = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(nt), static_cast<Eigen::Index>(nt));
    std::vector<bool> routes_on(nt, false);  // a tier that hands requests on to another
    for (const auto& r : c.routes) {
        m(r.source, r.target) += r.probability;
        if (r.probability > 0) routes_on[static_cast<std::size_t>(r.source)] = true;
    }
    std::vector<const CallConfig*> previous(nt, nullptr);
    for (const auto& k : c.calls) {
        const auto caller = static_cast<std::size_t>(k.caller);
        double made = miss(caller) * k.probability;  // a cache hit makes no calls
        if (k.after_miss) {
            // Made when an answer of the caller's previous call missed: at least when its
            // one awaited answer missed (an answer from a tier routed on may not say).
            const CallConfig* p = previous[caller];
            const auto callee = static_cast<std::size_t>(p->callee);
            made *= p->wait == 0 || routes_on[callee] ? 0.0 : p->probability * miss(callee);
        }
        m(k.caller, k.callee) += made * static_cast<double>(k.count * k.fanout);
        previous[caller] = &k;
    }
    Eigen::VectorXd e = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(nt));
    e(c.entry) = 1.0;
    // Routes leave and calls do not cycle (validate), so I - M^T is invertible.
    const Eigen::VectorXd visits = (Eigen::MatrixXd::Identity(m.rows(), m.cols()) - m.transpose()).lu().solve(e);
    const double rate = c.arrivals.mean_rate();
    for (std::size_t t = 0; t < nt; ++t) {
        const double v = visits(static_cast<Eigen::Index>(t));
        if (!(v > 1e-12)) continue;
        if (up[t] == 0) return true;  // nothing will ever serve it
        if (dead_shard) continue;
        if (!(rate * v * c.tiers[t].service.mean() < slots[t])) return true;
    }
    return false;
}

}  // namespace

void validate(const SystemConfig& c) {
    const auto nt = static_cast<std::int64_t>(c.tiers.size());
    check_count("tiers", nt, 1, 1000);
    std::int64_t total = 0;
    for (std::int64_t t = 0; t < nt; ++t) {
        const TierConfig& tc = c.tiers[static_cast<std::size_t>(t)];
        const auto name = [&](const char* what) { return tier_param(c, t, what); };
        check_count(name("servers").c_str(), tc.servers, 1, 100000);
        check_count(name("shards").c_str(), tc.shards, 1, 100000);
        check_count(name("concurrency").c_str(), tc.concurrency, 1, 100000);
        check_count(name("d").c_str(), tc.d, 1, 64);
        check_count(name("capacity").c_str(), tc.capacity, 0);
        check_count(name("keys").c_str(), tc.keys, 0, 100000000);
        if (tc.keys > 0 && tc.keys < tc.shards)
            detail::fail_range(name("keys").c_str(), "0 or at least the number of shards", tc.keys);
        if (!(tc.key_skew >= 0.0 && tc.key_skew <= 10.0)) detail::fail_range(name("key_skew").c_str(), "in [0, 10]", tc.key_skew);
        check_probability(name("hit_probability").c_str(), tc.hit_probability);
        check_count(name("cache_items").c_str(), tc.cache_items, 0, 10000000);
        if (tc.cache_items > 0) {
            if (tc.shards > 1)
                throw std::invalid_argument("tier '" + tc.name +
                                            "': an LRU cache tier (cache_items) has one shard; give it servers instead");
            if (tc.keys < 1 || tc.keys > 10000000)
                detail::fail_range(name("keys").c_str(), "a whole number in [1, 10000000] for an LRU cache tier",
                                   tc.keys);
            if (tc.hit_probability > 0)
                throw std::invalid_argument("tier '" + tc.name +
                                            "' is a cache either by hit_probability or by cache_items, not both");
        }
        if (!tc.weights.empty()) {
            if (static_cast<std::int64_t>(tc.weights.size()) != tc.servers)
                throw std::invalid_argument(name("weights") + " must have one entry per server (" +
                                            std::to_string(tc.servers) + ")");
            double sum = 0;
            for (double w : tc.weights) sum += check_nonnegative(name("weights").c_str(), w);
            if (!(sum > 0)) throw std::invalid_argument(name("weights") + " must not all be zero");
        }
        const std::int64_t nkeys = tc.keys > 0 ? tc.keys : tc.shards;
        if (!tc.placement.empty()) {
            if (static_cast<std::int64_t>(tc.placement.size()) != nkeys)
                throw std::invalid_argument(name("placement") + " must give a shard for each of the " +
                                            std::to_string(nkeys) + " keys");
            for (auto s : tc.placement) check_count(name("placement").c_str(), s, 0, tc.shards - 1);
        }
        const Autoscale& a = tc.autoscale;
        if (a.max_servers > 0) {
            if (tc.shards > 1)
                throw std::invalid_argument("tier '" + tc.name + "': an autoscaled tier has one shard");
            check_count(name("autoscale max_servers").c_str(), a.max_servers, 1, 100000);
            check_count(name("autoscale min_servers").c_str(), a.min_servers, 0, a.max_servers);
            if (tc.servers < a.min_servers || tc.servers > a.max_servers)
                detail::fail_range(name("servers").c_str(), "within the autoscaler's [min_servers, max_servers]",
                                   tc.servers);
            check_positive(name("autoscale target").c_str(), a.target);
            check_positive(name("autoscale interval_s").c_str(), a.interval_s);
            check_positive(name("autoscale window_s").c_str(), a.window_s);
            check_nonnegative(name("autoscale scale_out_cooldown_s").c_str(), a.scale_out_cooldown_s);
            check_nonnegative(name("autoscale scale_in_cooldown_s").c_str(), a.scale_in_cooldown_s);
            check_nonnegative(name("autoscale warmup_s").c_str(), a.warmup_s);
        }
        total += (a.max_servers > 0 ? a.max_servers : tc.servers) * tc.shards;
        check_count("servers in all tiers", total, 1, 1000000);
    }
    std::vector<double> routed(static_cast<std::size_t>(nt), 0.0);
    std::vector<std::vector<std::size_t>> next(static_cast<std::size_t>(nt));
    for (const auto& r : c.routes) {
        check_count("route source", r.source, 0, nt - 1);
        check_count("route target", r.target, 0, nt - 1);
        check_probability("route probability", r.probability);
        routed[static_cast<std::size_t>(r.source)] += r.probability;
        if (r.probability > 0) next[static_cast<std::size_t>(r.source)].push_back(static_cast<std::size_t>(r.target));
    }
    for (std::int64_t t = 0; t < nt; ++t)
        if (routed[static_cast<std::size_t>(t)] > 1.0 + 1e-9)
            detail::fail_range(tier_param(c, t, "the route probabilities").c_str(), "at most 1 in sum",
                               routed[static_cast<std::size_t>(t)]);
    // Every tier must be able to hand a request out of the system.
    std::vector<char> leaves(static_cast<std::size_t>(nt), 0);
    for (bool changed = true; changed;) {
        changed = false;
        for (std::size_t t = 0; t < leaves.size(); ++t) {
            if (leaves[t]) continue;
            bool out = routed[t] < 1.0 - 1e-12;
            for (std::size_t n : next[t]) out = out || leaves[n];
            if (out) leaves[t] = 1, changed = true;
        }
    }
    for (std::size_t t = 0; t < leaves.size(); ++t)
        if (!leaves[t])
            throw std::invalid_argument("routes from tier '" + c.tiers[t].name +
                                        "' never leave the system: give some route a way out");
    for (const auto& k : c.calls) {
        check_count("call caller", k.caller, 0, nt - 1);
        check_count("call callee", k.callee, 0, nt - 1);
        const TierConfig& callee = c.tiers[static_cast<std::size_t>(k.callee)];
        check_count("call count", k.count, 1, 1000);
        check_probability("call probability", k.probability);
        const std::int64_t width = callee.shards > 1 ? callee.shards : callee.servers;
        if (k.fanout < 1 || k.fanout > width)
            detail::fail_range("call fanout",
                               (std::string("a whole number in [1, ") + std::to_string(width) + "], the " +
                                (callee.shards > 1 ? "shards" : "servers") + " of tier '" + callee.name + "'")
                                   .c_str(),
                               k.fanout);
        if (k.wait < -1 || k.wait > k.fanout)
            detail::fail_range("call wait", "'all', 0 (do not wait) or a whole number up to fanout", k.wait);
        next[static_cast<std::size_t>(k.caller)].push_back(static_cast<std::size_t>(k.callee));
    }
    for (std::size_t i = 0; i < c.calls.size(); ++i) {
        if (!c.calls[i].after_miss) continue;
        bool earlier = false;
        for (std::size_t j = 0; j < i; ++j) earlier = earlier || c.calls[j].caller == c.calls[i].caller;
        if (!earlier)
            throw std::invalid_argument("a call after_miss follows another call of its caller (to a cache tier): tier '" +
                                        c.tiers[static_cast<std::size_t>(c.calls[i].caller)].name + "' has none before it");
    }
    for (const auto& k : c.calls)
        if (reaches(next, static_cast<std::size_t>(k.callee), static_cast<std::size_t>(k.caller)))
            throw std::invalid_argument("calls must not form a cycle: tier '" +
                                        c.tiers[static_cast<std::size_t>(k.caller)].name + "' calls '" +
                                        c.tiers[static_cast<std::size_t>(k.callee)].name + "', which leads back to it");
    for (const auto& o : c.outages) {
        check_count("outage tier", o.tier, 0, nt - 1);
        const TierConfig& tc = c.tiers[static_cast<std::size_t>(o.tier)];
        check_count("outage shard", o.shard, -1, tc.shards - 1);
        check_count("outage servers", o.servers, 0, tc.servers);
        check_nonnegative("outage at_s", o.at_s);
        if (!(o.until_s > o.at_s)) detail::fail_range("outage until_s", "> its at_s (inf: never recovers)", o.until_s);
    }
    check_count("entry", c.entry, 0, nt - 1);
    check_count("requests", c.requests, 1, 10000000000LL);
    check_count("warmup", c.warmup, 0, 10000000000LL);
    check_count("clients", c.clients, 1, 1000000);
    if (!c.service_times.empty()) {
        check_replayed(c.arrivals, c.service_times.size(), "service_times");
        for (double x : c.service_times) check_nonnegative("service_times", x);
    }
    if (!c.client_ids.empty()) {
        check_replayed(c.arrivals, c.client_ids.size(), "client keys");
        for (auto k : c.client_ids) check_count("client key index", k, 0, c.clients - 1);
    }
    if (!c.keys.empty()) {
        check_replayed(c.arrivals, c.keys.size(), "keys");
        std::int64_t most = std::numeric_limits<std::int64_t>::max();  // the fewest keys of a keyed tier
        std::string tier;
        for (const auto& tc : c.tiers)
            if ((tc.shards > 1 || tc.cache_items > 0) && (tc.keys > 0 ? tc.keys : tc.shards) < most)
                most = tc.keys > 0 ? tc.keys : tc.shards, tier = tc.name;
        if (tier.empty())
            throw std::invalid_argument("keys need a keyed tier (sharded, or an LRU cache) to address");
        for (auto k : c.keys)
            if (k < 0 || k >= most)
                throw std::invalid_argument("keys must be in [0, " + std::to_string(most) + ") (the keys of tier '" +
                                            tier + "'), got " + std::to_string(k));
    }
    if (!(c.client_skew >= 0.0 && c.client_skew <= 10.0)) detail::fail_range("client_skew", "in [0, 10]", c.client_skew);
    check_nonnegative("window_s", c.window_s);
    if (!(c.slo_s > 0)) detail::fail_range("slo_s", "> 0 seconds (inf: none)", c.slo_s);
    if (!(c.slo_quantile > 0 && c.slo_quantile < 1)) detail::fail_range("slo_quantile", "in (0, 1)", c.slo_quantile);
    for (const auto& tc : c.tiers) {
        const auto name = [&](const char* what) { return std::string(what) + " of tier '" + tc.name + "'"; };
        check_probability(name("error_probability").c_str(), tc.error_probability);
        if (!(tc.shed_wait_s > 0)) detail::fail_range(name("shed_wait_s").c_str(), "> 0 (inf: no shedding)", tc.shed_wait_s);
        check_count(name("lifo_above").c_str(), tc.lifo_above, 0);
        const Breaker& b = tc.breaker;
        check_probability(name("breaker failure_ratio").c_str(), b.failure_ratio);
        if (b.failure_ratio > 0) {
            check_count(name("breaker window").c_str(), b.window, 1, 100000);
            check_count(name("breaker min_calls").c_str(), b.min_calls, 1, b.window);
            check_positive(name("breaker open_s").c_str(), b.open_s);
            check_count(name("breaker probes").c_str(), b.probes, 1, 100000);
        }
    }
    const ClientConfig& k = c.client;
    if (!(k.timeout_s > 0)) detail::fail_range("timeout", "> 0 seconds (None: no timeout)", k.timeout_s);
    check_count("retries", k.retries, 0, 30);
    check_nonnegative("backoff", k.backoff_s);
    if (!(k.backoff_max_s >= k.backoff_s)) detail::fail_range("backoff_max", ">= backoff", k.backoff_max_s);
    if (!(k.budget >= 0)) detail::fail_range("budget", ">= 0 retries per request (None: no budget)", k.budget);
    if (!(k.budget_burst >= 1 && std::isfinite(k.budget_burst)))
        detail::fail_range("budget_burst", "a finite number >= 1", k.budget_burst);
    if (!(k.hedge_after_s > 0)) detail::fail_range("hedge_after", "> 0 seconds (None: no hedging)", k.hedge_after_s);
}

SystemResult simulate_system(const SystemConfig& config, const RunSpec& run) {
    validate(config);
    run.validate();
    const std::size_t nt = config.tiers.size();
    const auto R = static_cast<std::size_t>(run.replications);
    if (static_cast<double>(R) * static_cast<double>(nt * tier_metric_names().size() + 16) > 1e7)
        throw std::invalid_argument("replications is too large for this many tiers: keep replications x "
                                    "(16 + 10 x tiers) at most 1e7");
    if (config.window_s > 0 && static_cast<double>(R) * 4 * static_cast<double>(kMaxWindows) > 4e8)
        throw std::invalid_argument("replications is too large for a time series: at most 1000 with window_s");

    Shared shared;
    shared.keys.resize(nt);
    shared.shard_weight.resize(nt);
    for (std::size_t t = 0; t < nt; ++t) {
        const TierConfig& tc = config.tiers[t];
        const bool uniform_shards =
            tc.key_skew == 0.0 && tc.placement.empty() && (tc.keys == 0 || tc.keys == tc.shards);
        if (tc.cache_items == 0 && (tc.shards <= 1 || uniform_shards)) continue;  // no keys needed
        const std::int64_t nkeys = tc.keys > 0 ? tc.keys : tc.shards;
        shared.keys[t] = std::make_unique<ZipfSampler>(nkeys, tc.key_skew);
        if (tc.shards <= 1 || uniform_shards) continue;
        // Fan-out over shards draws them by popularity: the Zipf mass of each shard's keys.
        auto& w = shared.shard_weight[t];
        w.assign(static_cast<std::size_t>(tc.shards), 0.0);
        for (std::int64_t k = 0; k < nkeys; ++k) {
            const auto key = static_cast<std::size_t>(k);
            const std::size_t shard = tc.placement.empty() ? key % static_cast<std::size_t>(tc.shards)
                                                           : static_cast<std::size_t>(tc.placement[key]);
            w[shard] += std::pow(static_cast<double>(k + 1), -tc.key_skew);
        }
    }
    for (const auto& tc : config.tiers) shared.sticky = shared.sticky || tc.policy == Policy::sticky;
    shared.overloaded = system_overloaded(config);
    if (shared.sticky) {
        std::vector<double> w(static_cast<std::size_t>(config.clients));
        for (std::size_t k = 0; k < w.size(); ++k) w[k] = std::pow(static_cast<double>(k + 1), -config.client_skew);
        shared.clients = std::make_unique<AliasTable>(w);
    }

    Progress* progress = Progress::current();
    if (progress) progress->add_total(run.replications * ((config.warmup + config.requests) / progress_step(config)));
    std::vector<RepOutput> outs(R);
    parallel_for(run.replications, run.threads, [&](std::int64_t r) {
        Replication rep(config, shared, progress, run.seed, static_cast<std::uint64_t>(r));
        outs[static_cast<std::size_t>(r)] = rep.run();
    });

    SystemResult result;
    result.replications = run.replications;
    const std::size_t nm = system_metric_names().size(), ntm = tier_metric_names().size();
    result.metrics.assign(nm, std::vector<double>(R));
    result.tiers.assign(ntm, std::vector<std::vector<double>>(nt, std::vector<double>(R)));
    std::size_t nw = 0;
    for (const auto& o : outs) nw = std::max(nw, o.windows.size() / window_metric_names().size());
    std::vector<std::vector<double>> sums(window_metric_names().size(), std::vector<double>(nw, 0.0));
    result.window_servers.assign(nt, std::vector<double>(nw, 0.0));
    result.own.resize(nt);
    for (std::size_t r = 0; r < R; ++r) {
        RepOutput& o = outs[r];
        for (std::size_t m = 0; m < nm; ++m) result.metrics[m][r] = o.metrics[m];
        for (std::size_t m = 0; m < ntm; ++m)
            for (std::size_t t = 0; t < nt; ++t) result.tiers[m][t][r] = o.tiers[m * nt + t];
        const std::size_t n = o.windows.size() / window_metric_names().size();
        for (std::size_t c = 0; c < sums.size(); ++c)
            for (std::size_t w = 0; w < n; ++w) sums[c][w] += o.windows[c * n + w];
        for (std::size_t t = 0; t < nt; ++t)  // time-average servers per window, over replications
            for (std::size_t w = 0; w < std::min(nw, o.window_servers[t].size()); ++w)
                result.window_servers[t][w] += o.window_servers[t][w] / (config.window_s * static_cast<double>(R));
        result.response.merge(o.response);
        for (std::size_t t = 0; t < nt; ++t) result.own[t].merge(o.own[t]);
        o = RepOutput{};
    }
    // Counts are means per replication; the mean response is over all completions in the window.
    result.windows.assign(window_metric_names().size(), std::vector<double>(nw, kNaN));
    for (std::size_t w = 0; w < nw; ++w) {
        for (std::size_t c : {0, 1, 2, 4, 5}) result.windows[c][w] = sums[c][w] / static_cast<double>(R);
        result.windows[3][w] = sums[1][w] > 0 ? sums[3][w] / sums[1][w] : kNaN;
    }
    return result;
}

}  // namespace scalemodel::sim
