#include "scalemodel/reliability/availability.hpp"

#include <Eigen/Dense>
#include <boost/math/special_functions/beta.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/math_policy.hpp"

namespace scalemodel::reliability {

namespace {

void check_k_n(std::int64_t k, std::int64_t n, std::int64_t max_n) {
    check_count("n", n, 1, max_n);
    check_count("k", k, 0, n);
}

}  // namespace

namespace {

// P(X >= k) for X ~ Binomial(n, p) is the regularized incomplete beta I_p(k, n - k + 1);
// `complement` gives 1 - that through ibetac, without cancellation.
double k_of_n_tail(std::int64_t k, std::int64_t n, double availability, bool complement) {
    check_k_n(k, n, 10'000'000);
    check_probability("availability", availability);
    const double up = complement ? 0.0 : 1.0;
    if (k == 0 || availability == 1.0) return up;
    if (availability == 0.0) return 1.0 - up;
    const double a = static_cast<double>(k), b = static_cast<double>(n - k + 1);
    return complement ? boost::math::ibetac(a, b, availability, math_policy())
                      : boost::math::ibeta(a, b, availability, math_policy());
}

}  // namespace

double k_of_n(std::int64_t k, std::int64_t n, double availability) { return k_of_n_tail(k, n, availability, false); }

double k_of_n_unavailability(std::int64_t k, std::int64_t n, double availability) {
    return k_of_n_tail(k, n, availability, true);
}

CtmcAvailability ctmc_availability(std::int64_t k, std::int64_t n, double failure_rate, double repair_rate,
                                   std::int64_t repair_crews) {
    check_k_n(k, n, 2000);
    check_positive("failure_rate", failure_rate);
    check_positive("repair_rate", repair_rate);
    check_count("repair_crews", repair_crews, 1);
    const auto states = static_cast<Eigen::Index>(n + 1);  // state j = components failed
    // pi depends on the rates' ratio only: rates near 1e308 are scaled down first, so the
    // generator's entries do not overflow to inf (and pi to NaN).
    const double nd = static_cast<double>(n), crews = std::min<double>(nd, static_cast<double>(repair_crews));
    const double scale = std::isfinite(2.0 * nd * failure_rate) && std::isfinite(2.0 * crews * repair_rate)
                             ? 1.0
                             : std::max(failure_rate, repair_rate);
    Eigen::MatrixXd q = Eigen::MatrixXd::Zero(states, states);
    for (Eigen::Index j = 0; j < states; ++j) {
        const double jj = static_cast<double>(j);
        if (j < states - 1) q(j, j + 1) = (static_cast<double>(n) - jj) * (failure_rate / scale);
        if (j > 0) q(j, j - 1) = std::min<double>(jj, static_cast<double>(repair_crews)) * (repair_rate / scale);
        q(j, j) = -q.row(j).sum();
    }
    // pi Q = 0 with sum(pi) = 1: solve Q^T pi = 0 with the last equation replaced.
    Eigen::MatrixXd a = q.transpose();
    a.row(states - 1).setOnes();
    Eigen::VectorXd rhs = Eigen::VectorXd::Zero(states);
    rhs(states - 1) = 1.0;
    const Eigen::VectorXd pi = a.partialPivLu().solve(rhs);
    CtmcAvailability r;
    const Eigen::Index last_up = static_cast<Eigen::Index>(n - k);  // at most n - k failed
    double down = 0.0, up = 0.0, mean_up = 0.0;
    for (Eigen::Index j = 0; j < states; ++j) {
        const double p = std::max(0.0, pi(j));
        (j <= last_up ? up : down) += p;
        mean_up += p * (static_cast<double>(n) - static_cast<double>(j));
    }
    const double total = up + down;
    r.availability = up / total;
    r.unavailability = down / total;
    r.mean_components_up = mean_up / total;
    r.failure_frequency =
        last_up < states - 1 ? std::max(0.0, pi(last_up)) / total * q(last_up, last_up + 1) * scale : 0.0;
    r.mean_outage_s = r.failure_frequency > 0.0 ? r.unavailability / r.failure_frequency : 0.0;
    return r;
}

namespace {

// Mean of min(D, cap) for the component's down time D (cap <= 0: no cap).
double mean_downtime(const Distribution& repair, double cap) {
    if (!(cap > 0.0)) return repair.mean();
    switch (repair.kind()) {
        case Distribution::Kind::deterministic: return std::min(repair.mean(), cap);
        case Distribution::Kind::exponential: return repair.mean() * -std::expm1(-cap / repair.mean());
        default: {
            // No simple closed form: a fixed-stream average, the same on every call.
            Rng rng(0x5eed, 0);
            double s = 0.0;
            const int m = 1 << 16;
            for (int i = 0; i < m; ++i) s += std::min(repair.sample(rng), cap);
            return s / m;
        }
    }
}

struct Event {
    double t;
    std::int32_t who;  // >= 0: component toggles; < 0: zone -(who + 1) toggles
    bool operator<(const Event& o) const { return t < o.t || (t == o.t && who < o.who); }
};

}  // namespace

Summary simulate_availability(const AvailabilityConfig& cfg, const RunSpec& run) {
    run.validate();
    check_count("n", cfg.n, 1, 100'000);
    check_count("k", cfg.k, 0, cfg.n);
    check_nonnegative("replacement_s", cfg.replacement_s);
    check_count("zones", cfg.zones, 1, cfg.n);
    check_nonnegative("zone_failures_per_year", cfg.zone_failures_per_year);
    check_positive("horizon_s", cfg.horizon_s);
    check_count("replications", run.replications, 2, 1'000'000);
    const double zone_failure_rate = cfg.zone_failures_per_year / kSecondsPerYear;
    const double mtbf = cfg.lifetime.mean();
    const double mdown = mean_downtime(cfg.repair, cfg.replacement_s);
    if (!(mtbf > 0.0)) detail::fail_range("mtbf_s", "> 0", mtbf);
    if (zone_failure_rate > 0.0 && !(cfg.zone_outage.mean() > 0.0))
        detail::fail_range("zone_outage_s", "> 0 when zone_failures_per_year > 0", cfg.zone_outage.mean());
    const double component_a = mtbf / (mtbf + mdown);
    const double expected_events = 2.0 * static_cast<double>(cfg.n) * cfg.horizon_s / (mtbf + mdown) +
                                   2.0 * static_cast<double>(cfg.zones) * cfg.horizon_s * zone_failure_rate;
    if (!(expected_events <= 4e6))
        detail::fail_range("horizon_s", "short enough for at most 4e6 expected failures and repairs per replication",
                           cfg.horizon_s);
    if (!(expected_events * static_cast<double>(run.replications) <= 4e9))
        detail::fail_range("replications", "small enough for at most 4e9 simulated events in total", run.replications);

    const auto n = static_cast<std::size_t>(cfg.n);
    const auto zones = static_cast<std::size_t>(cfg.zones);
    auto down_time = [&](Rng& rng) {
        const double d = cfg.repair.sample(rng);
        return cfg.replacement_s > 0.0 ? std::min(d, cfg.replacement_s) : d;
    };

    auto cols = replicate(run.replications, run.threads, 4, [&](std::int64_t rep, double* out) {
        Rng rng(run.seed, static_cast<std::uint64_t>(rep));
        std::vector<Event> ev;
        ev.reserve(static_cast<std::size_t>(expected_events * 1.2) + 16);
        std::vector<char> own_up(n, 1), zone_down(zones, 0);
        std::vector<std::int64_t> up_in_zone(zones, 0);
        for (std::size_t i = 0; i < n; ++i) {
            // Start in the stationary up/down mix (exact for exponential lifetimes and
            // repairs; an approximation for the others).
            bool up = rng.uniform() < component_a;
            own_up[i] = up ? 1 : 0;
            double t = up ? cfg.lifetime.sample(rng) : down_time(rng);
            while (t < cfg.horizon_s) {
                ev.push_back({t, static_cast<std::int32_t>(i)});
                up = !up;
                t += up ? cfg.lifetime.sample(rng) : down_time(rng);
            }
        }
        if (zone_failure_rate > 0.0) {
            for (std::size_t z = 0; z < zones; ++z) {
                double t = rng.exponential(zone_failure_rate);
                while (t < cfg.horizon_s) {
                    ev.push_back({t, -static_cast<std::int32_t>(z) - 1});
                    t += cfg.zone_outage.sample(rng);
                    if (t >= cfg.horizon_s) break;
                    ev.push_back({t, -static_cast<std::int32_t>(z) - 1});
                    t += rng.exponential(zone_failure_rate);
                }
            }
        }
        std::sort(ev.begin(), ev.end());
        std::int64_t total_up = 0;
        for (std::size_t i = 0; i < n; ++i) {
            up_in_zone[i % zones] += own_up[i];
            total_up += own_up[i];
        }
        bool sys_up = total_up >= cfg.k;
        double last = 0.0, up_time = 0.0;
        std::int64_t outages = 0;
        for (const Event& e : ev) {
            if (sys_up) up_time += e.t - last;
            last = e.t;
            if (e.who >= 0) {
                const auto i = static_cast<std::size_t>(e.who);
                const std::size_t z = i % zones;
                const std::int64_t delta = own_up[i] ? -1 : 1;
                own_up[i] = static_cast<char>(!own_up[i]);
                up_in_zone[z] += delta;
                if (!zone_down[z]) total_up += delta;
            } else {
                const auto z = static_cast<std::size_t>(-(e.who + 1));
                zone_down[z] = static_cast<char>(!zone_down[z]);
                total_up += zone_down[z] ? -up_in_zone[z] : up_in_zone[z];
            }
            const bool now_up = total_up >= cfg.k;
            if (sys_up && !now_up) ++outages;
            sys_up = now_up;
        }
        if (sys_up) up_time += cfg.horizon_s - last;
        const double a = up_time / cfg.horizon_s;
        out[0] = a;
        out[1] = 1.0 - a;
        out[2] = (1.0 - a) * kSecondsPerYear;
        out[3] = static_cast<double>(outages) / cfg.horizon_s * kSecondsPerYear;
    });
    Summary s;
    s.add({"availability", "unavailability", "downtime_s_per_year", "outages_per_year"}, cols);
    s.value("component_availability", component_a);
    s.value("k_of_n_independent", k_of_n(cfg.k, cfg.n, component_a));
    s.value("replications", static_cast<double>(run.replications));
    s.value("horizon_s", cfg.horizon_s);
    return s;
}

}  // namespace scalemodel::reliability
