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
