#include "scalemodel/reliability/replication.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/histogram.hpp"

namespace scalemodel::reliability {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Poisson(mean) by inversion for small means, normal approximation (rounded) for large.
double poisson(Rng& rng, double mean) {
    if (mean <= 0.0) return 0.0;
    if (mean > 500.0) return std::max(0.0, std::round(mean + std::sqrt(mean) * standard_normal(rng)));
    const double u = rng.uniform();
    double p = std::exp(-mean), cdf = p;
    double k = 0.0;
    while (u > cdf && k < 10000.0) {
        k += 1.0;
        p *= mean / k;
        cdf += p;
    }
    return k;
}

}  // namespace

Summary simulate_failover(const FailoverConfig& cfg, const RunSpec& run) {
    run.validate();
    check_positive("heartbeat_interval_s", cfg.heartbeat_interval_s);
    check_count("missed_beats", cfg.missed_beats, 1, 1000);
    check_nonnegative("write_rate", cfg.write_rate);
    check_nonnegative("failures_per_year", cfg.failures_per_year);
    const double failure_rate = cfg.failures_per_year / kSecondsPerYear;
    constexpr std::int64_t chunk = 1 << 12;
    check_count("trials", cfg.trials, 2 * chunk, 1LL << 34);
    const std::int64_t chunks = (cfg.trials + chunk - 1) / chunk;
    SharedLogHistogram hist;
    std::vector<double> chunk_max(static_cast<std::size_t>(chunks), 0.0);
    auto stats = replicate(chunks, run.threads, 5, [&](std::int64_t c, double* out) {
        Rng rng(run.seed, static_cast<std::uint64_t>(c));
        LogHistogram local;
        double sd = 0.0, sdet = 0.0, slost = 0.0, mx = 0.0;
        for (std::int64_t i = 0; i < chunk; ++i) {
            const double detection = (static_cast<double>(cfg.missed_beats) - rng.uniform()) * cfg.heartbeat_interval_s;
            const double down = detection + cfg.election.sample(rng) + cfg.routing.sample(rng);
            const double lost = poisson(rng, cfg.write_rate * cfg.replication_lag.sample(rng));
            local.add(down);
            mx = std::max(mx, down);
            sd += down;
            sdet += detection;
            slost += lost;
        }
        hist.fold(local);
        const double m = sd / chunk;
        out[0] = m;
        out[1] = sdet / chunk;
        out[2] = slost / chunk;
        out[3] = 1.0 / (1.0 + failure_rate * m);
        out[4] = failure_rate * kSecondsPerYear * m;
        chunk_max[static_cast<std::size_t>(c)] = mx;
    });
    Summary s;
    s.add({"downtime_s", "detection_s", "writes_lost", "availability", "downtime_s_per_year"}, stats);
    s.value("downtime_p50_s", hist.quantile(0.5));
    s.value("downtime_p90_s", hist.quantile(0.9));
    s.value("downtime_p99_s", hist.quantile(0.99));
    s.value("downtime_max_s", *std::max_element(chunk_max.begin(), chunk_max.end()));
    s.value("trials", static_cast<double>(chunks * chunk));
    return s;
}

Summary simulate_stale_reads(const StaleReadConfig& cfg, const RunSpec& run) {
    run.validate();
    check_nonnegative("sticky_window_s", cfg.sticky_window_s);
    check_count("attempts", cfg.attempts, 1, 1000);
    check_nonnegative("retry_interval_s", cfg.retry_interval_s);
    constexpr std::int64_t chunk = 1 << 15;
    check_count("requests", cfg.requests, 2 * chunk, 20'000'000'000LL);
    const std::int64_t chunks = (cfg.requests + chunk - 1) / chunk;
    auto stats = replicate(chunks, run.threads, 4, [&](std::int64_t c, double* out) {
        Rng rng(run.seed, static_cast<std::uint64_t>(c));
        std::int64_t stale = 0, primary = 0, replica = 0;
        double waited = 0.0;
        switch (cfg.remedy) {
            case Remedy::none:
                stale = cfg.lag.visit([&](auto lag) {
                    return cfg.think_time.visit([&](auto think) {
                        std::int64_t n = 0;
                        for (std::int64_t i = 0; i < chunk; ++i) {
                            const double l = lag(rng);  // lag first: the order the draws always had
                            n += l > think(rng);
                        }
                        return n;
                    });
                });
                replica = chunk;
                break;
            case Remedy::primary_reads: primary = chunk; break;
            case Remedy::sticky:
                for (std::int64_t i = 0; i < chunk; ++i) {
                    const double think = cfg.think_time.sample(rng);
                    const double lag = cfg.lag.sample(rng);
                    if (think < cfg.sticky_window_s) {
                        ++primary;
                    } else {
                        ++replica;
                        stale += lag > think;
                    }
                }
                break;
            case Remedy::version_check:
                for (std::int64_t i = 0; i < chunk; ++i) {
                    const double think = cfg.think_time.sample(rng);
                    const double lag = cfg.lag.sample(rng);
                    std::int64_t a = 0;
                    // Attempt j reads the replica at think + j x interval.
                    while (a < cfg.attempts && lag > think + static_cast<double>(a) * cfg.retry_interval_s) ++a;
                    if (a < cfg.attempts) {
                        replica += a + 1;
                        waited += static_cast<double>(a) * cfg.retry_interval_s;
                    } else {
                        replica += a;
                        ++primary;
                        waited += static_cast<double>(a) * cfg.retry_interval_s;
                    }
                }
                break;
        }
        const double m = static_cast<double>(chunk);
        out[0] = static_cast<double>(stale) / m;
        out[1] = static_cast<double>(primary) / m;
        out[2] = static_cast<double>(replica) / m;
        out[3] = waited / m;
    });
    Summary s;
    s.add({"stale", "primary_reads", "replica_reads", "added_latency_s"}, stats);
    s.value("requests", static_cast<double>(chunks * chunk));
    return s;
}

Summary simulate_partition(const PartitionConfig& cfg, const RunSpec& run) {
    run.validate();
    check_positive("partitions_per_day", cfg.partitions_per_day);
    check_nonnegative("remote_write_rate", cfg.remote_write_rate);
    check_positive("horizon_s", cfg.horizon_s);
    check_count("replications", run.replications, 2, 1'000'000);
    check_count("reads", cfg.reads, 1, 100'000'000);
    const double partition_rate = cfg.partitions_per_day / kSecondsPerDay;
    const double md = cfg.duration.mean();
    if (!(md > 0.0)) detail::fail_range("duration_s", "a mean > 0", md);
    const double episodes = partition_rate * cfg.horizon_s;
    if (!(episodes <= 1e6)) detail::fail_range("horizon_s", "short enough for at most 1e6 partitions per replication", cfg.horizon_s);
    if (!(static_cast<double>(cfg.reads) * static_cast<double>(run.replications) <= 2e10))
        detail::fail_range("reads", "at most 2e10 in total (reads x replications)", cfg.reads);
    std::vector<double> max_stale(static_cast<std::size_t>(run.replications), 0.0);
    SharedLogHistogram ages;
    auto stats = replicate(run.replications, run.threads, 4, [&](std::int64_t rep, double* out) {
        Rng rng(run.seed, static_cast<std::uint64_t>(rep));
        struct Episode {
            double start, end, converged, first_write;
        };
        std::vector<Episode> ep;
        double t = rng.exponential(partition_rate), part_time = 0.0;
        while (t < cfg.horizon_s) {
            const double end = t + cfg.duration.sample(rng);
            const double conv = end + cfg.convergence.sample(rng);
            const double fw = cfg.remote_write_rate > 0.0 ? t + rng.exponential(cfg.remote_write_rate)
                                                          : std::numeric_limits<double>::infinity();
            ep.push_back({t, end, conv, fw});
            part_time += std::min(end, cfg.horizon_s) - t;
            t = end + rng.exponential(partition_rate);
        }
        LogHistogram local_ages;
        std::int64_t rejected = 0, stale = 0;
        double age = 0.0, worst = 0.0;
        for (std::int64_t i = 0; i < cfg.reads; ++i) {
            const double x = rng.uniform() * cfg.horizon_s;
            auto it = std::upper_bound(ep.begin(), ep.end(), x, [](double v, const Episode& e) { return v < e.start; });
            if (it == ep.begin()) continue;
            const Episode& e = *(it - 1);
            if (x < e.end) ++rejected;
            if (x < e.converged && e.first_write < std::min(x, e.end)) {
                ++stale;
                age += x - e.first_write;
                local_ages.add(x - e.first_write);
                worst = std::max(worst, x - e.first_write);
            }
        }
        ages.fold(local_ages);
        const double m = static_cast<double>(cfg.reads);
        out[0] = static_cast<double>(rejected) / m;
        out[1] = static_cast<double>(stale) / m;
        out[2] = stale > 0 ? age / static_cast<double>(stale) : kNaN;
        out[3] = part_time / cfg.horizon_s;
        max_stale[static_cast<std::size_t>(rep)] = worst;
    });
    Summary s;
    s.add({"cp_rejected", "ap_stale", "ap_staleness_s", "partitioned_time"}, stats);
    s.value("partitioned_time_expected", partition_rate * md / (1.0 + partition_rate * md));
    s.value("ap_staleness_p50_s", ages.quantile(0.5));
    s.value("ap_staleness_p99_s", ages.quantile(0.99));
    s.value("ap_staleness_max_s", *std::max_element(max_stale.begin(), max_stale.end()));
    return s;
}

}  // namespace scalemodel::reliability
