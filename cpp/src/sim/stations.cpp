#include "scalemodel/sim/stations.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "scalemodel/core/alias_table.hpp"
#include "scalemodel/core/check.hpp"
#include "scalemodel/core/event_queue.hpp"
#include "scalemodel/core/parallel.hpp"
#include "scalemodel/core/random.hpp"
#include "scalemodel/core/ring_queue.hpp"

namespace scalemodel::sim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint32_t kCounted = 1, kAfter = 2;

struct Job {
    double arrival;
    double service;
    std::uint32_t flags;
};

struct Server {
    double start = 0, end = 0, arrival = 0;
    std::uint32_t flags = 0, epoch = 0;
    std::uint32_t backend = 0;
    bool up = true, busy = false;
    double busy_window = 0;
    std::uint64_t done = 0;
};

struct Backend {
    std::int64_t first = 0, count = 0;
    double speed = 1.0;
    RingQueue<Job> queue;
    double queued_work = 0.0;
    std::int64_t busy = 0, up = 0;
    std::vector<std::uint32_t> idle;
    bool alive = true;
    double wrr_current = 0.0;
    std::uint64_t routed = 0, done = 0, dropped = 0, failed = 0, resp_n = 0;
    double busy_window = 0, busy_before = 0, busy_after = 0, resp_sum = 0;
};

enum Kind : std::uint32_t { kDeparture = 1, kOutageStart = 2, kOutageEnd = 3 };
struct Payload {
    std::uint32_t kind, index, epoch;
};

// Per-replication output before it is folded into the StationsResult.
struct RepOutput {
    std::vector<double> metrics, backends, servers;  // backends/servers: [field * n + i]
    LogHistogram wait, response, before, after;
};

// True when the offered load is at or above what the servers left after the run's
// permanent outages can serve, with nothing to shed it (no buffer limit, no timeout): the
// queue then grows without bound however long the run, so the result is unstable (inf
// delays), as the closed forms say, even when a finite run ends before MAX_QUEUED.
// Replayed arrivals are a finite trace, judged by the overflow alone.
bool overloaded(const StationsConfig& c, const std::vector<std::int64_t>& permanently_down) {
    if (c.capacity > 0 || std::isfinite(c.timeout) || c.arrivals.kind() == Arrivals::Kind::replay) return false;
    double servers = 0.0;  // in units of a speed-1 server
    for (std::size_t b = 0; b < c.servers.size(); ++b)
        servers += static_cast<double>(c.servers[b] - permanently_down[b]) * c.speeds[b];
    return !(c.arrivals.mean_rate() * c.service.mean() < servers);
}

class Replication {
public:
    Replication(const StationsConfig& cfg, const Distribution& service, const AliasTable* clients, std::uint64_t seed,
                std::uint64_t stream, const Progress* progress)
        : cancel_(progress),
          cfg_(cfg),
          service_(service),
          clients_(clients),
          rng_(seed, stream),
          route_(seed, stream | (std::uint64_t{1} << 63)),
          arrivals_(cfg.arrivals, rng_) {
        const std::size_t nb = cfg.servers.size();
        backends_.resize(nb);
        std::int64_t first = 0;
        for (std::size_t b = 0; b < nb; ++b) {
            Backend& be = backends_[b];
            be.first = first;
            be.count = cfg.servers[b];
            be.up = be.count;
            be.speed = cfg.speeds[b];
            for (std::int64_t s = be.count - 1; s >= 0; --s) be.idle.push_back(static_cast<std::uint32_t>(first + s));
            first += be.count;
            alive_.push_back(static_cast<std::uint32_t>(b));
        }
        servers_.resize(static_cast<std::size_t>(first));
        for (std::size_t b = 0; b < nb; ++b)
            for (std::int64_t s = 0; s < backends_[b].count; ++s)
                servers_[static_cast<std::size_t>(backends_[b].first + s)].backend = static_cast<std::uint32_t>(b);
        up_total_ = first;
        split_ = kInf;
        for (const auto& o : cfg.outages) split_ = std::min(split_, o.at_s);
        has_split_ = std::isfinite(split_);
        down_.resize(cfg.outages.size());
        if (!cfg.draw_weights.empty()) draws_ = std::make_unique<AliasTable>(cfg.draw_weights);
        if (cfg.policy == Policy::sticky) {
            const std::uint64_t salt = route_();
            client_backend_.resize(static_cast<std::size_t>(cfg.clients));
            for (std::size_t k = 0; k < client_backend_.size(); ++k) {
                std::uint64_t h = salt ^ (k * 0x9E3779B97F4A7C15ULL);
                client_backend_[k] = static_cast<std::uint32_t>(splitmix64(h) % nb);
            }
        }
    }

    RepOutput run() {
        for (std::size_t o = 0; o < cfg_.outages.size(); ++o) {
            events_.schedule(cfg_.outages[o].at_s, Payload{kOutageStart, static_cast<std::uint32_t>(o), 0});
            if (std::isfinite(cfg_.outages[o].until_s))
                events_.schedule(cfg_.outages[o].until_s, Payload{kOutageEnd, static_cast<std::uint32_t>(o), 0});
        }
        // The one pending arrival waits beside the heap: merging it by comparison saves a
        // heap push and pop per customer. At equal times the heap's events go first.
        next_arrival_ = arrivals_.next(rng_);
        while (!overflow_) {
            cancel_.tick();  // Ctrl-C stops a long replication, not only the next one
            if (!events_.empty() && !(events_.top().time > next_arrival_)) {
                const auto e = events_.pop();
                now_ = e.time;
                switch (e.payload.kind) {
                    case kDeparture:
                        on_departure(e.payload.index, e.payload.epoch, now_);
                        break;
                    case kOutageStart:
                        on_outage_start(e.payload.index, now_);
                        break;
                    case kOutageEnd:
                        on_outage_end(e.payload.index, now_);
                        break;
                    default:
                        break;
                }
            } else if (std::isfinite(next_arrival_)) {
                now_ = next_arrival_;
                ++arrival_events_;
                on_arrival(now_);
            } else {
                break;
            }
        }
        return finish();
    }

private:
    // --- accounting ------------------------------------------------------------------
    // Adds the overlap of [s, e] with the measurement window (split at the first outage).
    void add_busy(Server& sv, double s, double e) {
        const double lo = std::max(s, t_w_), hi = std::min(e, t_end_);
        if (!(hi > lo)) return;
        Backend& b = backends_[sv.backend];
        sv.busy_window += hi - lo;
        b.busy_window += hi - lo;
        const double pre = std::min(hi, split_) - lo;
        if (pre > 0) b.busy_before += pre;
        const double post = hi - std::max(lo, split_);
        if (post > 0) b.busy_after += post;
    }
    void add_up(double s, double e) {
        const double lo = std::max(s, t_w_), hi = std::min(e, t_end_);
        if (!(hi > lo)) return;
        const double n = static_cast<double>(up_total_);
        const double pre = std::min(hi, split_) - lo;
        if (pre > 0) up_before_ += n * pre;
        const double post = hi - std::max(lo, split_);
        if (post > 0) up_after_ += n * post;
    }
    void change_up(std::int64_t delta, double now) {
        add_up(up_since_, now);
        up_since_ = now;
        up_total_ += delta;
    }

    // --- routing ---------------------------------------------------------------------
    void purge(Backend& b, double now) {
        while (!b.queue.empty() && now - b.queue.front().arrival > cfg_.timeout) {
            const Job j = b.queue.front();
            b.queue.pop();
            b.queued_work -= j.service;
            --queued_;
            if (j.flags & kCounted) ++timed_out_;
        }
        if (b.queue.empty()) b.queued_work = 0.0;
    }
    std::int64_t in_system(Backend& b, double now) {
        if (has_timeout_) purge(b, now);
        return static_cast<std::int64_t>(b.queue.size()) + b.busy;
    }
    double work(Backend& b, double now) {
        if (has_timeout_) purge(b, now);
        double w = std::max(0.0, b.queued_work);
        for (std::int64_t s = 0; s < b.count; ++s) {
            const Server& sv = servers_[static_cast<std::size_t>(b.first + s)];
            if (sv.busy) w += sv.end - now;
        }
        return w;
    }
    std::uint32_t choose(double now) {
        const std::size_t n = backends_.size();
        const std::size_t na = alive_.size();
        if (na == 1) return alive_[0];
        switch (cfg_.policy) {
            case Policy::random:
                return draw_backend();
            case Policy::round_robin: {
                while (!backends_[rr_].alive) rr_ = (rr_ + 1) % n;
                const std::size_t pick = rr_;
                rr_ = (rr_ + 1) % n;
                return static_cast<std::uint32_t>(pick);
            }
            case Policy::weighted_round_robin: {
                // Smooth weighted round robin: the heaviest credit wins and pays the total.
                double total = 0.0, best_credit = -kInf;
                std::uint32_t best = alive_[0];
                for (std::uint32_t b : alive_) {
                    Backend& be = backends_[b];
                    be.wrr_current += cfg_.weights[b];
                    total += cfg_.weights[b];
                    if (be.wrr_current > best_credit) best_credit = be.wrr_current, best = b;
                }
                backends_[best].wrr_current -= total;
                return best;
            }
            case Policy::least_connections: {
                const std::size_t offset = route_.below(na);
                std::uint32_t best = alive_[offset];
                std::int64_t best_n = in_system(backends_[best], now);
                for (std::size_t i = 1; i < na && best_n > 0; ++i) {
                    const std::uint32_t b = alive_[(offset + i) % na];
                    const std::int64_t k = in_system(backends_[b], now);
                    if (k < best_n) best_n = k, best = b;
                }
                return best;
            }
            case Policy::least_outstanding_work: {
                const std::size_t offset = route_.below(na);
                std::uint32_t best = alive_[offset];
                double best_w = work(backends_[best], now);
                for (std::size_t i = 1; i < na && best_w > 0; ++i) {
                    const std::uint32_t b = alive_[(offset + i) % na];
                    const double w = work(backends_[b], now);
                    if (w < best_w) best_w = w, best = b;
                }
                return best;
            }
            case Policy::power_of_d: {
                if (!cfg_.replacement) return best_of_distinct(now);
                // d independent uniform picks (with replacement, as in the supermarket model
                // and haproxy's random(2)).
                std::uint32_t best = draw_backend();
                std::int64_t best_n = in_system(backends_[best], now);
                const bool later_wins = !cfg_.draws.empty();  // haproxy keeps the later draw on a tie
                for (int i = 1; i < cfg_.d; ++i) {
                    const std::uint32_t b = draw_backend();
                    const std::int64_t k = in_system(backends_[b], now);
                    if (k < best_n || (later_wins && k == best_n)) best_n = k, best = b;
                }
                return best;
            }
            case Policy::sticky: {
                const std::size_t client = cfg_.client_ids.empty()
                                               ? clients_->draw(route_)
                                               : static_cast<std::size_t>(cfg_.client_ids[current_]);
                std::uint32_t b = client_backend_[client];
                while (!backends_[b].alive) b = static_cast<std::uint32_t>((b + 1) % n);
                return b;
            }
        }
        return alive_[0];
    }

    // One live backend: uniformly, or by the draw weights (dead backends are drawn again;
    // after 64 misses, uniformly among the live ones).
    std::uint32_t draw_backend() {
        if (!cfg_.draws.empty()) {
            for (std::size_t tries = 0; tries < cfg_.draws.size(); ++tries) {
                const auto b = static_cast<std::uint32_t>(cfg_.draws[next_draw_]);
                next_draw_ = (next_draw_ + 1) % cfg_.draws.size();
                if (backends_[b].alive) return b;
            }
        }
        if (draws_) {
            for (int tries = 0; tries < 64; ++tries) {
                const auto b = static_cast<std::uint32_t>(draws_->draw(route_));
                if (backends_[b].alive) return b;
            }
        }
        return alive_[route_.below(alive_.size())];
    }

    // The least loaded of min(d, alive) distinct backends, drawn in a uniformly random
    // order (a partial Fisher-Yates shuffle of positions in alive_), so a tie goes to a
    // uniformly random one of the tied backends.
    std::uint32_t best_of_distinct(double now) {
        const std::size_t na = alive_.size();
        const std::size_t d = std::min(na, static_cast<std::size_t>(cfg_.d));
        if (draws_) return best_of_distinct_weighted(now, d);
        if (order_.size() != na) {
            order_.resize(na);
            for (std::size_t i = 0; i < na; ++i) order_[i] = i;
        }
        std::uint32_t best = 0;
        std::int64_t best_n = 0;
        for (std::size_t i = 0; i < d; ++i) {
            std::swap(order_[i], order_[i + static_cast<std::size_t>(route_.below(na - i))]);
            const std::uint32_t b = alive_[order_[i]];
            const std::int64_t k = in_system(backends_[b], now);
            if (i == 0 || k < best_n) best_n = k, best = b;
        }
        return best;
    }

    // Successive sampling by the draw weights: each draw from the weights, repeats drawn
    // again (a bounded number of times; zero-weight backends may never come up).
    std::uint32_t best_of_distinct_weighted(double now, std::size_t d) {
        std::uint32_t picked[64] = {};
        std::size_t n = 0;
        for (int tries = 0; n < d && tries < 64 * 64; ++tries) {
            const std::uint32_t b = draw_backend();
            if (std::find(picked, picked + n, b) == picked + n) picked[n++] = b;
        }
        std::uint32_t best = picked[0];
        std::int64_t best_n = in_system(backends_[best], now);
        for (std::size_t i = 1; i < n; ++i) {
            const std::int64_t k = in_system(backends_[picked[i]], now);
            if (k < best_n) best_n = k, best = picked[i];
        }
        return best;
    }

    // --- events ----------------------------------------------------------------------
    void start(Backend& b, const Job& j, double now) {
        const std::uint32_t s = b.idle.back();
        b.idle.pop_back();
        Server& sv = servers_[s];
        sv.busy = true;
        sv.start = now;
        sv.end = now + j.service;
        sv.arrival = j.arrival;
        sv.flags = j.flags;
        ++b.busy;
        events_.schedule(sv.end, Payload{kDeparture, s, sv.epoch});
    }
    void serve_queue(Backend& b, double now) {
        while (!b.idle.empty() && !b.queue.empty()) {
            const Job j = b.queue.front();
            b.queue.pop();
            b.queued_work -= j.service;
            --queued_;
            if (has_timeout_ && now - j.arrival > cfg_.timeout) {
                if (j.flags & kCounted) ++timed_out_;
                continue;
            }
            start(b, j, now);
        }
        if (b.queue.empty()) b.queued_work = 0.0;
    }

    void on_arrival(double now) {
        const std::int64_t idx = generated_++;
        current_ = static_cast<std::size_t>(idx);
        const bool counted = idx >= cfg_.warmup;
        if (idx == cfg_.warmup) t_w_ = now;
        bool last = idx == cfg_.warmup + cfg_.customers - 1;
        next_arrival_ = kInf;
        if (!last) {
            next_arrival_ = arrivals_.next(rng_);
            if (!std::isfinite(next_arrival_)) last = true;
        }
        if (last) {
            t_end_ = now;
            if (!counted) t_w_ = now;  // nothing counted: an empty window
        }
        const double size =
            cfg_.service_times.empty() ? service_.sample(rng_) : cfg_.service_times[static_cast<std::size_t>(idx)];
        const Job proto{now, size, (counted ? kCounted : 0u) | (now >= split_ ? kAfter : 0u)};
        if (counted) ++arrivals_counted_;
        if (alive_.empty()) {
            if (counted) ++failed_;
            return;
        }
        Backend& b = backends_[choose(now)];
        if (counted) ++b.routed;
        const Job j{proto.arrival, proto.service / b.speed, proto.flags};
        if (cfg_.capacity > 0 && in_system(b, now) >= cfg_.capacity) {
            if (counted) ++dropped_, ++b.dropped;
            return;
        }
        if (!b.idle.empty() && b.queue.empty()) {
            start(b, j, now);
            return;
        }
        b.queue.push(j);
        b.queued_work += j.service;
        if (++queued_ > kMaxQueued) {
            overflow_ = true;
            stop_ = now;
        }
    }

    void on_departure(std::uint32_t s, std::uint32_t epoch, double now) {
        Server& sv = servers_[s];
        if (sv.epoch != epoch || !sv.busy) return;  // the server failed in the meantime
        Backend& b = backends_[sv.backend];
        sv.busy = false;
        --b.busy;
        add_busy(sv, sv.start, now);
        if (now >= t_w_ && now <= t_end_) ++sv.done, ++b.done;
        if (sv.flags & kCounted) {
            const double wait = sv.start - sv.arrival;
            const double resp = now - sv.arrival + cfg_.overhead_s;
            ++completed_;
            wait_sum_ += wait;
            resp_sum_ += resp;
            out_.wait.add(wait);
            out_.response.add(resp);
            b.resp_sum += resp;
            ++b.resp_n;
            if (sv.flags & kAfter) {
                resp_after_ += resp;
                ++n_after_;
                if (has_split_) out_.after.add(resp);
            } else {
                resp_before_ += resp;
                ++n_before_;
                if (has_split_) out_.before.add(resp);
            }
        }
        b.idle.push_back(s);
        serve_queue(b, now);
    }

    void on_outage_start(std::uint32_t o, double now) {
        const Outage& out = cfg_.outages[o];
        Backend& b = backends_[static_cast<std::size_t>(out.backend)];
        std::int64_t k = out.servers > 0 ? out.servers : b.count;  // 0: the whole backend
        for (std::int64_t i = b.count - 1; i >= 0 && k > 0; --i) {
            const auto s = static_cast<std::uint32_t>(b.first + i);
            Server& sv = servers_[s];
            if (!sv.up) continue;
            --k;
            sv.up = false;
            ++sv.epoch;
            down_[o].push_back(s);
            --b.up;
            change_up(-1, now);
            if (sv.busy) {
                add_busy(sv, sv.start, now);
                sv.busy = false;
                --b.busy;
                if (sv.flags & kCounted) ++failed_, ++b.failed;
            } else {
                b.idle.erase(std::find(b.idle.begin(), b.idle.end(), s));
            }
        }
        if (b.up == 0 && b.alive) {
            b.alive = false;
            alive_.erase(std::find(alive_.begin(), alive_.end(), static_cast<std::uint32_t>(out.backend)));
            while (!b.queue.empty()) {
                const Job j = b.queue.front();
                b.queue.pop();
                --queued_;
                if (j.flags & kCounted) ++failed_, ++b.failed;
            }
            b.queued_work = 0.0;
        }
    }

    void on_outage_end(std::uint32_t o, double now) {
        const Outage& out = cfg_.outages[o];
        Backend& b = backends_[static_cast<std::size_t>(out.backend)];
        for (std::uint32_t s : down_[o]) {
            servers_[s].up = true;
            b.idle.push_back(s);
            ++b.up;
            change_up(+1, now);
        }
        down_[o].clear();
        if (!b.alive && b.up > 0) {
            b.alive = true;
            alive_.insert(std::lower_bound(alive_.begin(), alive_.end(), static_cast<std::uint32_t>(out.backend)),
                          static_cast<std::uint32_t>(out.backend));
        }
        serve_queue(b, now);
    }

    // Servers of each backend down for good at the end of the run (outages with no end).
    std::vector<std::int64_t> permanently_down() const {
        std::vector<std::int64_t> down(backends_.size(), 0);
        for (std::size_t o = 0; o < cfg_.outages.size(); ++o)
            if (!std::isfinite(cfg_.outages[o].until_s))
                down[static_cast<std::size_t>(cfg_.outages[o].backend)] += static_cast<std::int64_t>(down_[o].size());
        return down;
    }

    RepOutput finish() {
        const double now = overflow_ ? stop_ : now_;
        if (overflow_) {
            if (!std::isfinite(t_end_)) t_end_ = now;
            if (!std::isfinite(t_w_)) t_w_ = now;
            for (auto& sv : servers_)
                if (sv.busy) add_busy(sv, sv.start, now);
        }
        add_up(up_since_, std::max(now, t_end_));
        const double window = t_end_ - t_w_;
        const auto rate = [&](double x) { return window > 0 ? x / window : kNaN; };
        const auto ratio = [](double a, double b) { return b > 0 ? a / b : kNaN; };
        const double nserv = static_cast<double>(servers_.size());
        const double len_before = std::min(split_, t_end_) - t_w_;
        const double len_after = t_end_ - std::max(split_, t_w_);

        double done = 0, busy = 0, busy_before = 0, busy_after = 0, max_routed = 0, sum_routed = 0;
        for (const auto& b : backends_) {
            done += static_cast<double>(b.done);
            busy += b.busy_window;
            busy_before += b.busy_before;
            busy_after += b.busy_after;
            max_routed = std::max(max_routed, static_cast<double>(b.routed));
            sum_routed += static_cast<double>(b.routed);
        }
        // An overflowing queue, or a load the servers cannot carry, has no finite delays.
        const bool unstable = overflow_ || overloaded(cfg_, permanently_down());
        const auto delay = [&](double x) { return unstable ? kInf : x; };
        const auto q = [&](const LogHistogram& h, double p) { return unstable ? kInf : h.quantile(p); };
        // Requests that arrived before the first outage met every server: finite delays
        // unless the load was too much for all of them (or the queue overflowed).
        const bool unstable_before =
            overflow_ || overloaded(cfg_, std::vector<std::int64_t>(backends_.size(), 0));
        const auto delay_before = [&](double x) { return unstable_before ? kInf : x; };
        const auto q_before = [&](const LogHistogram& h, double p) {
            return unstable_before ? kInf : h.quantile(p);
        };
        const double arrivals = static_cast<double>(arrivals_counted_);
        RepOutput& r = out_;
        r.metrics = {
            delay(ratio(wait_sum_, static_cast<double>(completed_))),
            delay(ratio(resp_sum_, static_cast<double>(completed_))),
            q(r.wait, 0.5), q(r.wait, 0.95), q(r.wait, 0.99), q(r.wait, 0.999),
            q(r.response, 0.5), q(r.response, 0.95), q(r.response, 0.99), q(r.response, 0.999),
            rate(done),
            ratio(busy, nserv * window),
            ratio(static_cast<double>(dropped_), arrivals),
            ratio(static_cast<double>(timed_out_), arrivals),
            ratio(static_cast<double>(failed_), arrivals),
            ratio(max_routed, sum_routed / static_cast<double>(backends_.size())),
            delay_before(ratio(resp_before_, static_cast<double>(n_before_))),
            delay(ratio(resp_after_, static_cast<double>(n_after_))),
            has_split_ ? q_before(r.before, 0.99) : q(r.response, 0.99), has_split_ ? q(r.after, 0.99) : kNaN,
            ratio(busy_before, up_before_),
            ratio(busy_after, up_after_),
            arrivals,
            static_cast<double>(completed_),
            static_cast<double>(dropped_),
            static_cast<double>(timed_out_),
            static_cast<double>(failed_),
            window,
            static_cast<double>(events_.processed() + arrival_events_),
            unstable ? 1.0 : 0.0,
        };
        if (!has_split_) r.before = r.response;  // no outage: the whole run is "before"
        const std::size_t nb = backends_.size();
        r.backends.assign(backend_names().size() * nb, kNaN);
        for (std::size_t i = 0; i < nb; ++i) {
            const Backend& b = backends_[i];
            const double c = static_cast<double>(b.count);
            r.backends[0 * nb + i] = ratio(static_cast<double>(b.routed), arrivals);
            r.backends[1 * nb + i] = rate(static_cast<double>(b.done));
            r.backends[2 * nb + i] = ratio(b.busy_window, c * window);
            r.backends[3 * nb + i] = ratio(b.busy_before, c * len_before);
            r.backends[4 * nb + i] = ratio(b.busy_after, c * len_after);
            r.backends[5 * nb + i] = delay(ratio(b.resp_sum, static_cast<double>(b.resp_n)));
            r.backends[6 * nb + i] = static_cast<double>(b.dropped);
            r.backends[7 * nb + i] = static_cast<double>(b.failed);
        }
        const std::size_t ns = servers_.size();
        r.servers.assign(server_names().size() * ns, kNaN);
        for (std::size_t i = 0; i < ns; ++i) {
            r.servers[i] = rate(static_cast<double>(servers_[i].done));
            r.servers[ns + i] = ratio(servers_[i].busy_window, window);
        }
        return std::move(out_);
    }

    CancelCheck cancel_;
    const StationsConfig& cfg_;
    const Distribution& service_;
    const AliasTable* clients_;
    Rng rng_;    // arrivals and service times: the same for every policy (common random numbers)
    Rng route_;  // the balancer's own choices
    ArrivalStream arrivals_;
    EventQueue<Payload> events_;
    std::vector<Backend> backends_;
    std::vector<Server> servers_;
    std::vector<std::uint32_t> alive_;
    std::vector<std::uint32_t> client_backend_;
    std::size_t current_ = 0;            // index of the arrival being routed
    std::size_t next_draw_ = 0;          // the next replayed draw
    std::unique_ptr<AliasTable> draws_;  // draw weights of random and power of d
    std::vector<std::size_t> order_;  // power of d without replacement: positions in alive_
    std::vector<std::vector<std::uint32_t>> down_;
    RepOutput out_;
    const bool has_timeout_ = std::isfinite(cfg_.timeout);
    std::size_t rr_ = 0;
    std::int64_t generated_ = 0, queued_ = 0, up_total_ = 0;
    std::uint64_t arrivals_counted_ = 0, completed_ = 0, dropped_ = 0, timed_out_ = 0, failed_ = 0;
    std::uint64_t n_before_ = 0, n_after_ = 0;
    double t_w_ = kInf, t_end_ = kInf, split_ = kInf, stop_ = 0.0, now_ = 0.0, next_arrival_ = kInf;
    std::uint64_t arrival_events_ = 0;
    double up_since_ = 0.0, up_before_ = 0.0, up_after_ = 0.0;
    double wait_sum_ = 0, resp_sum_ = 0, resp_before_ = 0, resp_after_ = 0;
    bool overflow_ = false, has_split_ = false;
};

}  // namespace

void validate(const StationsConfig& c) {
    const std::int64_t nb = static_cast<std::int64_t>(c.servers.size());
    check_count("backends", nb, 1, 100000);
    std::int64_t total = 0;
    for (auto s : c.servers) total += check_count("servers", s, 1, 100000);
    check_count("total servers", total, 1, 100000);
    if (static_cast<std::int64_t>(c.speeds.size()) != nb || static_cast<std::int64_t>(c.weights.size()) != nb)
        throw std::invalid_argument("speeds and weights must have one entry per backend");
    for (double s : c.speeds) check_positive("speeds", s);
    double wsum = 0;
    for (double w : c.weights) wsum += check_nonnegative("weights", w);
    if (c.policy == Policy::weighted_round_robin && !(wsum > 0))
        throw std::invalid_argument("weights must not all be zero");
    if (!c.draw_weights.empty()) {
        if (static_cast<std::int64_t>(c.draw_weights.size()) != nb)
            throw std::invalid_argument("draw weights must have one entry per backend");
        double dsum = 0;
        for (double w : c.draw_weights) dsum += check_nonnegative("weights", w);
        if (!(dsum > 0)) throw std::invalid_argument("weights must not all be zero");
    }
    check_count("d", c.d, 1, 64);
    if (!c.draws.empty()) {
        if (c.policy != Policy::random && !(c.policy == Policy::power_of_d && c.replacement))
            throw std::invalid_argument("draws are replayed by random and power_of_d with replacement only");
        for (auto b : c.draws) check_count("draws", b, 0, nb - 1);
    }
    check_count("clients", c.clients, 1, 1000000);
    if (!(c.client_skew >= 0.0 && c.client_skew <= 10.0)) detail::fail_range("client_skew", "in [0, 10]", c.client_skew);
    check_nonnegative("overhead_s", c.overhead_s);
    check_count("capacity", c.capacity, 0, INT64_MAX);
    if (!(c.timeout > 0.0)) detail::fail_range("timeout", "> 0 (or inf for none)", c.timeout);
    for (const auto& o : c.outages) {
        check_count("outage backend", o.backend, 0, nb - 1);
        check_count("outage servers", o.servers, 0, c.servers[static_cast<std::size_t>(o.backend)]);
        check_nonnegative("outage at_s", o.at_s);
        if (!(o.until_s > o.at_s)) detail::fail_range("outage until_s", "> its at_s (inf: never recovers)", o.until_s);
    }
    if (!c.service_times.empty()) {
        check_replayed(c.arrivals, c.service_times.size(), "service_times");
        for (double x : c.service_times) check_nonnegative("service_times", x);
    }
    if (!c.client_ids.empty()) {
        if (c.arrivals.kind() != Arrivals::Kind::replay || c.client_ids.size() != c.arrivals.timestamps().size())
            throw std::invalid_argument("client keys need replayed arrivals, one key per timestamp");
        for (auto k : c.client_ids) check_count("client key index", k, 0, c.clients - 1);
    }
    // Two counted customers at least: one alone opens and closes the measurement window at
    // the same instant (throughput 0 / 0).
    check_count("customers", c.customers, 2, 10000000000LL);
    check_count("warmup", c.warmup, 0, 10000000000LL);
    // The run's clock must stay finite: a mean gap beyond ~1e300 s / arrivals would overflow it.
    // (Replays and rate profiles are finite or may end at rate 0: their streams just stop.)
    const auto kind = c.arrivals.kind();
    if ((kind == Arrivals::Kind::poisson || kind == Arrivals::Kind::periodic || kind == Arrivals::Kind::mmpp) &&
        !(static_cast<double>(c.customers + c.warmup) / c.arrivals.mean_rate() < 1e300))
        detail::fail_range("arrival_rate", "a mean rate of at least (customers + warmup) / 1e300 per second",
                           c.arrivals.mean_rate());
}


StationsResult simulate_stations(const StationsConfig& config, const RunSpec& run) {
    validate(config);
    run.validate();
    const std::int64_t replications = run.replications;
    const int threads = run.threads;
    const std::uint64_t seed = run.seed;
    const std::size_t nb = config.servers.size();
    std::size_t ns = 0;
    for (auto s : config.servers) ns += static_cast<std::size_t>(s);
    const std::size_t per_rep = backend_names().size() * nb + server_names().size() * ns + metric_names().size();
    // Per-replication results are kept until the end (summed in order, for determinism).
    if (static_cast<double>(per_rep) * static_cast<double>(replications) > 1e7)
        throw std::invalid_argument("replications is too large for this many backends and servers: keep "
                                    "replications x (30 + 8 x backends + 2 x servers) at most 1e7");

    const Distribution& service = config.service;
    std::unique_ptr<AliasTable> clients;
    if (config.policy == Policy::sticky) {
        std::vector<double> w(static_cast<std::size_t>(config.clients));
        for (std::size_t k = 0; k < w.size(); ++k) w[k] = std::pow(static_cast<double>(k + 1), -config.client_skew);
        clients = std::make_unique<AliasTable>(w);
    }

    StationsResult result;
    result.replications = replications;
    const auto R = static_cast<std::size_t>(replications);
    std::vector<std::vector<double>> rep_metrics(R), rep_backends(R), rep_servers(R);
    std::mutex merge;
    const Progress* progress = Progress::current();  // thread-local: read on the calling thread
    parallel_for(replications, threads, [&](std::int64_t r) {
        Replication rep(config, service, clients.get(), seed, static_cast<std::uint64_t>(r), progress);
        RepOutput out = rep.run();
        const auto i = static_cast<std::size_t>(r);
        rep_metrics[i] = std::move(out.metrics);
        rep_backends[i] = std::move(out.backends);
        rep_servers[i] = std::move(out.servers);
        std::lock_guard<std::mutex> lock(merge);  // integer sums: the order does not matter
        result.wait.merge(out.wait);
        result.response.merge(out.response);
        result.response_before.merge(out.before);
        result.response_after.merge(out.after);
    });
    const std::size_t nm = metric_names().size();
    result.metrics.assign(nm, std::vector<double>(R));
    for (std::size_t m = 0; m < nm; ++m)
        for (std::size_t r = 0; r < R; ++r) result.metrics[m][r] = rep_metrics[r][m];
    // Per-backend and per-server means over replications, summed in replication order.
    const auto average = [&](const std::vector<std::vector<double>>& reps, std::size_t fields, std::size_t n) {
        std::vector<std::vector<double>> out(fields, std::vector<double>(n, 0.0));
        for (std::size_t f = 0; f < fields; ++f)
            for (std::size_t i = 0; i < n; ++i) {
                double sum = 0;
                std::size_t k = 0;
                for (std::size_t r = 0; r < R; ++r) {
                    const double v = reps[r][f * n + i];
                    if (!std::isnan(v)) sum += v, ++k;
                }
                out[f][i] = k ? sum / static_cast<double>(k) : kNaN;
            }
        return out;
    };
    result.backends = average(rep_backends, backend_names().size(), nb);
    result.servers = average(rep_servers, server_names().size(), ns);
    return result;
}

}  // namespace scalemodel::sim
