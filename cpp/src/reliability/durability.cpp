#include "scalemodel/reliability/durability.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "scalemodel/core/check.hpp"

namespace scalemodel::reliability {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

LossBounds write_behind_loss(double write_rate, double flush_interval_s, double flush_duration_s, double batch_size) {
    check_nonnegative("write_rate", write_rate);
    check_nonnegative("flush_interval_s", flush_interval_s);
    check_nonnegative("flush_duration_s", flush_duration_s);
    check_nonnegative("batch_size", batch_size);
    const double cycle = flush_interval_s + flush_duration_s;
    if (!(cycle > 0.0)) detail::fail_range("flush_interval_s + flush_duration_s", "> 0", cycle);
    LossBounds b;
    if (batch_size > 0.0 && write_rate * cycle > batch_size) {
        b.backlog_growth_per_s = write_rate - batch_size / cycle;
        b.expected_per_crash = kInf;
        b.worst_per_crash = kInf;
        return b;
    }
    b.expected_per_crash = write_rate * (cycle / 2.0 + flush_duration_s);
    b.worst_per_crash = write_rate * (cycle + flush_duration_s);
    return b;
}

LossBounds aof_loss(double write_rate, Fsync fsync, Crash crash) {
    check_nonnegative("write_rate", write_rate);
    LossBounds b;
    if (crash == Crash::process) return b;  // acknowledged writes are in the kernel's page cache
    switch (fsync) {
        case Fsync::always:
            b.expected_per_crash = write_rate > 0.0 ? 1.0 : 0.0;  // the command being executed
            b.worst_per_crash = b.expected_per_crash;
            break;
        case Fsync::everysec:
            b.expected_per_crash = write_rate * 0.5;
            b.worst_per_crash = write_rate * 2.0;
            break;
        default: throw std::invalid_argument("fsync must be always or everysec");
    }
    return b;
}

Summary simulate_rdb(const RdbConfig& cfg, const RunSpec& run) {
    run.validate();
    check_nonnegative("write_rate", cfg.write_rate);
    if (cfg.rules.empty() || cfg.rules.size() > 100) detail::fail_range("rules", "1 to 100 (seconds, changes) pairs", cfg.rules.size());
    std::int64_t max_changes = 0;
    for (const auto& r : cfg.rules) {
        check_positive("rule seconds", r.first);
        check_count("rule changes", r.second, 1, 10'000'000);
        max_changes = std::max(max_changes, r.second);
    }
    constexpr std::int64_t chunk = 256;
    check_count("cycles", cfg.cycles, 2 * chunk, 1 << 24);
    double fluid = kInf;
    for (const auto& r : cfg.rules)
        fluid = std::min(fluid, std::max(r.first, cfg.write_rate > 0.0 ? static_cast<double>(r.second) / cfg.write_rate : kInf));
    const std::int64_t chunks = (cfg.cycles + chunk - 1) / chunk;
    Summary s;
    if (cfg.write_rate == 0.0) {
        // No writes: no save ever starts and nothing is lost.
        const auto n = static_cast<std::size_t>(chunks);
        s.add("expected_per_crash", std::vector<double>(n, 0.0));
        s.add("cycle_s", std::vector<double>(n, kInf));
        s.add("writes_per_cycle", std::vector<double>(n, 0.0));
        s.value("worst_per_crash", 0.0);
        s.value("fluid_cycle_s", kInf);
        s.value("fluid_worst_per_crash", 0.0);
        return s;
    }
    if (!(static_cast<double>(std::min<std::int64_t>(max_changes, static_cast<std::int64_t>(cfg.write_rate * fluid) + 1)) *
              static_cast<double>(chunks * chunk) <=
          4e9))
        detail::fail_range("cycles", "small enough for at most 4e9 simulated writes", cfg.cycles);
    std::vector<double> worst(static_cast<std::size_t>(chunks), 0.0);
    auto stats = replicate(chunks, run.threads, 3, [&](std::int64_t c, double* out) {
        Rng rng(run.seed, static_cast<std::uint64_t>(c));
        double area = 0.0, time = 0.0, writes = 0.0, w = 0.0;
        for (std::int64_t j = 0; j < chunk; ++j) {
            // Writes one by one until every count threshold is passed or the next write
            // comes after the earliest save already due.
            double best = kInf, t = 0.0, sum_t = 0.0;
            std::int64_t count = 0;
            for (;;) {
                const double next = t + rng.exponential(cfg.write_rate);
                if (next >= best) break;
                t = next;
                ++count;
                sum_t += t;
                for (const auto& r : cfg.rules)
                    if (r.second == count) best = std::min(best, std::max(r.first, t));
                if (count >= max_changes) break;
            }
            double n_cycle = static_cast<double>(count), cyc_area = static_cast<double>(count) * best - sum_t;
            if (count >= max_changes && t < best) {
                // The rest of the cycle is a plain Poisson stream: add its expected area
                // and a Poisson draw for the count.
                const double m = cfg.write_rate * (best - t);
                cyc_area += cfg.write_rate * (best - t) * (best - t) / 2.0;
                n_cycle += std::max(0.0, std::round(m + std::sqrt(m) * standard_normal(rng)));
            }
            area += cyc_area;
            time += best;
            writes += n_cycle;
            w = std::max(w, n_cycle);
        }
        out[0] = area / time;
        out[1] = time / chunk;
        out[2] = writes / chunk;
        worst[static_cast<std::size_t>(c)] = w;
    });
    s.add({"expected_per_crash", "cycle_s", "writes_per_cycle"}, stats);
    s.value("worst_per_crash", *std::max_element(worst.begin(), worst.end()));
    s.value("fluid_cycle_s", fluid);
    s.value("fluid_worst_per_crash", cfg.write_rate * fluid);
    return s;
}

namespace {

// Acknowledged writes at time t >= 0: those at i / rate <= t.
double writes_by(double rate, double t) { return std::floor(t * rate * (1 + 1e-15)) + 1.0; }

void check_rules(const std::vector<std::pair<double, std::int64_t>>& rules) {
    if (rules.empty() || rules.size() > 100) detail::fail_range("rules", "1 to 100 (seconds, changes) pairs", rules.size());
    for (const auto& r : rules) {
        check_positive("rule seconds", r.first);
        check_count("rule changes", r.second, 1, 10'000'000);
    }
}

}  // namespace

RdbSchedule rdb_schedule(const RdbScheduleConfig& c) {
    check_positive("write_rate", c.write_rate);
    check_rules(c.rules);
    check_nonnegative("bgsave_s", c.bgsave_s);
    if (!(c.hz >= 1 && c.hz <= 500)) detail::fail_range("hz", "in [1, 500] (Redis's limits)", c.hz);
    if (!std::isfinite(c.clock_s)) detail::fail_range("clock_s", "a finite unix time", c.clock_s);
    if (!(c.last_save_unix_s <= std::floor(c.clock_s)) || c.last_save_unix_s != std::floor(c.last_save_unix_s))
        detail::fail_range("last_save_unix_s", "a whole second not after clock_s", c.last_save_unix_s);
    if (!(c.cron_offset_s >= 0 && c.cron_offset_s < 1 / c.hz))
        detail::fail_range("cron_offset_s", "in [0, 1 / hz)", c.cron_offset_s);
    check_nonnegative("horizon_s", c.horizon_s);
    if (!(c.horizon_s * c.hz <= 1e9)) detail::fail_range("horizon_s", "at most 1e9 cron ticks (horizon_s x hz)", c.horizon_s);
    RdbSchedule out;
    double last_save = c.last_save_unix_s;  // whole seconds, as Redis keeps them
    double saved = 0.0;                     // writes held by the last reaped save (dirty = written - saved)
    double fork = kNaN, done = kInf, held = 0.0;
    const auto ticks = static_cast<std::int64_t>(std::floor((c.horizon_s - c.cron_offset_s) * c.hz)) + 1;
    for (std::int64_t k = 0; k < ticks; ++k) {
        const double t = c.cron_offset_s + static_cast<double>(k) / c.hz;
        const double now = std::floor(c.clock_s + t);  // server.unixtime
        if (std::isfinite(done)) {  // a save is running: reaped once its child has exited
            if (t >= done) {
                out.reaped_s.push_back(t);
                last_save = now;
                saved = held;
                done = kInf;
            }
            continue;
        }
        const double dirty = writes_by(c.write_rate, t) - saved;
        for (const auto& r : c.rules) {
            if (dirty >= static_cast<double>(r.second) && now - last_save > r.first) {
                fork = t;
                done = t + c.bgsave_s;
                held = writes_by(c.write_rate, t);
                out.start_s.push_back(fork);
                out.done_s.push_back(done);
                out.writes.push_back(held);
                break;
            }
        }
    }
    if (out.reaped_s.size() < out.start_s.size()) out.reaped_s.push_back(kInf);  // still running at the horizon
    return out;
}

RdbCrashLoss rdb_crash_loss(const RdbScheduleConfig& cfg, const std::vector<double>& crash_s) {
    double last = 0.0;
    for (double t : crash_s) {
        check_nonnegative("crash_s", t);
        if (!std::isfinite(t)) detail::fail_range("crash_s", "finite", t);
        last = std::max(last, t);
    }
    RdbScheduleConfig c = cfg;
    c.horizon_s = last;
    const RdbSchedule s = rdb_schedule(c);
    RdbCrashLoss out;
    for (double t : crash_s) {
        // the last save whose file was in place at t (done_s is increasing)
        const auto it = std::upper_bound(s.done_s.begin(), s.done_s.end(), t);
        const auto i = static_cast<std::size_t>(it - s.done_s.begin());
        const double acked = writes_by(c.write_rate, t);
        out.lost.push_back(i == 0 ? acked : acked - s.writes[i - 1]);
        out.snapshot_s.push_back(i == 0 ? kNaN : s.start_s[i - 1]);
    }
    return out;
}

Summary simulate_kafka(const KafkaConfig& cfg, const RunSpec& run) {
    run.validate();
    if (!enum_known(cfg.acks)) throw std::invalid_argument("acks must be 0, 1 or all");
    check_count("replication_factor", cfg.replication_factor, 1, 100);
    check_count("min_insync_replicas", cfg.min_insync_replicas, 1, cfg.replication_factor);
    check_positive("broker_mtbf_s", cfg.broker_mtbf_s);
    check_nonnegative("producer_window_s", cfg.producer_window_s);
    check_nonnegative("message_rate", cfg.message_rate);
    check_positive("horizon_s", cfg.horizon_s);
    check_count("replications", run.replications, 2, 1'000'000);
    const double broker_failure_rate = 1.0 / cfg.broker_mtbf_s;
    const double mrep = cfg.broker_repair.mean();
    if (!(mrep > 0.0)) detail::fail_range("broker_mttr_s", "a mean > 0", mrep);
    const double events = 2.0 * static_cast<double>(cfg.replication_factor) * broker_failure_rate * cfg.horizon_s;
    if (!(events * static_cast<double>(run.replications) <= 2e9))
        detail::fail_range("horizon_s", "short enough for at most 2e9 broker failures in total", cfg.horizon_s);
    const auto rf = static_cast<std::size_t>(cfg.replication_factor);
    std::vector<double> worst(static_cast<std::size_t>(run.replications), 0.0);
    auto stats = replicate(run.replications, run.threads, 3, [&](std::int64_t rep, double* out) {
        Rng rng(run.seed, static_cast<std::uint64_t>(rep));
        std::vector<char> up(rf, 1);
        std::vector<double> next(rf), data(rf, 0.0);  // data: acknowledged messages the broker holds
        for (auto& x : next) x = broker_failure_rate > 0.0 ? rng.exponential(broker_failure_rate) : kInf;
        std::ptrdiff_t leader = 0;
        double acked = 0.0, now = 0.0, lost = 0.0, refused = 0.0, w = 0.0;
        std::int64_t loss_events = 0;
        auto up_count = [&] {
            std::int64_t k = 0;
            for (std::size_t b = 0; b < rf; ++b) k += up[b];
            return k;
        };
        auto record = [&](double x) {
            if (x <= 0.0) return;
            lost += x;
            ++loss_events;
            w = std::max(w, x);
        };
        for (;;) {
            const auto it = std::min_element(next.begin(), next.end());
            const double t = std::min(*it, cfg.horizon_s);
            const double dt = t - now;
            const bool accepting = leader >= 0 && (cfg.acks != Acks::all || up_count() >= cfg.min_insync_replicas);
            if (accepting) {
                acked += cfg.message_rate * dt;
                for (std::size_t b = 0; b < rf; ++b)
                    if (up[b]) data[b] = acked;
            } else {
                refused += dt;
            }
            now = t;
            if (t >= cfg.horizon_s) break;
            const auto b = static_cast<std::size_t>(it - next.begin());
            if (up[b]) {  // failure
                up[b] = 0;
                next[b] = now + cfg.broker_repair.sample(rng);
                if (static_cast<std::ptrdiff_t>(b) != leader) continue;
                std::ptrdiff_t successor = -1;
                for (std::size_t o = 0; o < rf; ++o)
                    if (up[o] && data[o] >= acked) {
                        successor = static_cast<std::ptrdiff_t>(o);
                        break;
                    }
                if (successor >= 0) {
                    // Clean election. acks=0/1 acknowledged what followers had not fetched yet.
                    double x = 0.0;
                    if (cfg.acks != Acks::all) x += cfg.message_rate * cfg.follower_lag.sample(rng);
                    if (cfg.acks == Acks::none) x += cfg.message_rate * cfg.producer_window_s;
                    record(x);
                    leader = successor;
                } else {
                    leader = -1;  // offline until a replica may lead
                }
            } else {  // recovery
                up[b] = 1;
                next[b] = broker_failure_rate > 0.0 ? now + rng.exponential(broker_failure_rate) : kInf;
                if (leader >= 0) {
                    data[b] = acked;  // catches up and rejoins the in-sync set
                } else if (data[b] >= acked) {
                    leader = static_cast<std::ptrdiff_t>(b);
                } else if (cfg.unclean_leader_election) {
                    record(acked - data[b]);
                    acked = data[b];
                    leader = static_cast<std::ptrdiff_t>(b);
                }
                if (leader >= 0)
                    for (std::size_t o = 0; o < rf; ++o)
                        if (up[o]) data[o] = acked;
            }
        }
        const double days = cfg.horizon_s / kSecondsPerDay;
        out[0] = lost / days;
        out[1] = static_cast<double>(loss_events) / cfg.horizon_s * kSecondsPerYear;
        out[2] = refused / cfg.horizon_s;
        worst[static_cast<std::size_t>(rep)] = w;
    });
    Summary s;
    s.add({"lost_per_day", "loss_events_per_year", "write_unavailable"}, stats);
    s.value("worst_loss_per_event", *std::max_element(worst.begin(), worst.end()));
    return s;
}

}  // namespace scalemodel::reliability
