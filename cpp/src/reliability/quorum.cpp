#include "scalemodel/reliability/quorum.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/histogram.hpp"

namespace scalemodel::reliability {

double pbs_k_staleness(std::int64_t n, std::int64_t r, std::int64_t w, std::int64_t k) {
    check_count("n", n, 1, 1'000'000);
    check_count("r", r, 1, n);
    check_count("w", w, 1, n);
    check_count("k", k, 1);
    // C(n - w, r) / C(n, r) = prod_{i < r} (n - w - i) / (n - i); zero once r > n - w.
    double p = 1.0;
    for (std::int64_t i = 0; i < r && p > 0.0; ++i) {
        const double num = static_cast<double>(n - w - i);
        p *= num > 0.0 ? num / static_cast<double>(n - i) : 0.0;
    }
    if (p == 0.0) return 1.0;
    return -std::expm1(static_cast<double>(k) * std::log(p));
}

namespace {
constexpr std::int64_t kChunk = 1 << 15;
constexpr std::int64_t kMaxReplicas = 64;

// Indices of the `want` smallest of v[0..m) into idx[0..want), ascending (insertion into a
// short sorted list: replica counts are small, so this beats a general selection).
template <class Array, class Index>
void smallest(const Array& v, std::size_t m, std::size_t want, Index& idx) {
    std::size_t have = 0;
    for (std::size_t i = 0; i < m; ++i) {
        if (have == want && !(v[i] < v[idx[want - 1]])) continue;
        std::size_t j = have < want ? have++ : want - 1;
        while (j > 0 && v[i] < v[idx[j - 1]]) {
            idx[j] = idx[j - 1];
            --j;
        }
        idx[j] = i;
    }
}
}  // namespace

Summary t_visibility(const QuorumConfig& cfg, const RunSpec& run) {
    run.validate();
    check_count("n", cfg.n, 1, kMaxReplicas);
    check_count("r", cfg.r, 1, cfg.n);
    check_count("w", cfg.w, 1, cfg.n);
    check_probability("replica_down_prob", cfg.replica_down_prob);
    check_count("requests", cfg.requests, 2 * kChunk, 20'000'000'000LL);
    if (cfg.t.empty() || cfg.t.size() > 1000) detail::fail_range("t", "1 to 1000 times", cfg.t.size());
    for (double x : cfg.t) check_nonnegative("t", x);
    const std::int64_t chunks = (cfg.requests + kChunk - 1) / kChunk;
    const std::size_t nt = cfg.t.size();
    const std::size_t metrics = nt + 4;
    // The per-chunk table is chunks x metrics doubles: keep it under 256 MB.
    if (static_cast<double>(chunks) * static_cast<double>(metrics) > static_cast<double>(1 << 25))
        detail::fail_range("requests", "at most 2^40 / (number of t values + 4)", cfg.requests);
    const auto n = static_cast<std::size_t>(cfg.n);
    const auto r = static_cast<std::size_t>(cfg.r), w = static_cast<std::size_t>(cfg.w);
    const double pdown = cfg.replica_down_prob;

    SharedLogHistogram write_hist, read_hist;
    auto stats = replicate(chunks, run.threads, metrics, [&](std::int64_t c, double* out) {
        Rng rng(run.seed, static_cast<std::uint64_t>(c));
        LogHistogram wh, rh;
        std::array<double, kMaxReplicas> wi{}, ack{}, ri{}, resp{};
        std::array<std::size_t, kMaxReplicas> order{};
        std::vector<std::int64_t> consistent(nt, 0);
        std::int64_t ok = 0, write_ok = 0, read_ok = 0, write_tries = 0;
        double write_lat = 0.0, read_lat = 0.0;
        for (std::int64_t q = 0; q < kChunk; ++q) {
            std::size_t up = 0;
            for (std::size_t i = 0; i < n; ++i) {
                if (pdown > 0.0 && rng.uniform() < pdown) continue;
                wi[up] = cfg.write_latency.sample(rng);
                ack[up] = wi[up] + cfg.write_latency.sample(rng);
                ri[up] = cfg.read_latency.sample(rng);
                resp[up] = ri[up] + cfg.read_latency.sample(rng);
                ++up;
            }
            ++write_tries;
            if (up < w) continue;
            ++write_ok;
            smallest(ack, up, w, order);
            const double commit = ack[order[w - 1]];
            write_lat += commit;
            wh.add(commit);
            if (up < r) continue;
            ++read_ok;
            smallest(resp, up, r, order);
            read_lat += resp[order[r - 1]];
            rh.add(resp[order[r - 1]]);
            // Consistent for t >= threshold: the earliest-informed of the r responders.
            double threshold = std::numeric_limits<double>::infinity();
            for (std::size_t j = 0; j < r; ++j) {
                const std::size_t i = order[j];
                threshold = std::min(threshold, wi[i] - ri[i] - commit);
            }
            ++ok;
            for (std::size_t k = 0; k < nt; ++k) consistent[k] += cfg.t[k] >= threshold ? 1 : 0;
        }
        write_hist.fold(wh);
        read_hist.fold(rh);
        const double nan = std::numeric_limits<double>::quiet_NaN();
        for (std::size_t k = 0; k < nt; ++k)
            out[k] = ok > 0 ? static_cast<double>(consistent[k]) / static_cast<double>(ok) : nan;
        out[nt] = write_ok > 0 ? write_lat / static_cast<double>(write_ok) : nan;
        out[nt + 1] = read_ok > 0 ? read_lat / static_cast<double>(read_ok) : nan;
        out[nt + 2] = static_cast<double>(write_ok) / static_cast<double>(write_tries);
        out[nt + 3] = write_ok > 0 ? static_cast<double>(read_ok) / static_cast<double>(write_ok) : nan;
    });
    Summary s;
    for (std::size_t k = 0; k < nt; ++k) s.add("p_consistent_" + std::to_string(k), std::move(stats[k]));
    s.add("write_latency_s", std::move(stats[nt]));
    s.add("read_latency_s", std::move(stats[nt + 1]));
    s.add("write_available", std::move(stats[nt + 2]));
    s.add("read_available", std::move(stats[nt + 3]));
    s.value("requests", static_cast<double>(chunks * kChunk));
    s.value("chunks", static_cast<double>(chunks));
    s.value("pbs_k1", pbs_k_staleness(cfg.n, cfg.r, cfg.w, 1));
    s.value("write_latency_p50_s", write_hist.quantile(0.5));
    s.value("write_latency_p99_s", write_hist.quantile(0.99));
    s.value("read_latency_p50_s", read_hist.quantile(0.5));
    s.value("read_latency_p99_s", read_hist.quantile(0.99));
    return s;
}

}  // namespace scalemodel::reliability
