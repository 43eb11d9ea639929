#include "scalemodel/queueing/inverse.hpp"

#include <algorithm>
#include <boost/math/tools/roots.hpp>
#include <cmath>

#include "scalemodel/core/check.hpp"
#include "scalemodel/queueing/mmc.hpp"

namespace scalemodel::queueing {

namespace {

bool has(double target) { return !std::isnan(target); }

void check_targets(const Targets& t) {
    if (!has(t.response_time) && !has(t.mean_response) && !has(t.prob_wait) && !has(t.utilization)) {
        throw std::invalid_argument(
            "give at least one target: response_time, mean_response, prob_wait or utilization");
    }
    if (has(t.response_time)) {
        check_positive("response_time", t.response_time);
        if (!(t.quantile > 0.0 && t.quantile < 1.0)) detail::fail_range("quantile", "in (0, 1)", t.quantile);
    }
    if (has(t.mean_response)) check_positive("mean_response", t.mean_response);
    if (has(t.prob_wait)) check_probability("prob_wait", t.prob_wait);
    if (has(t.utilization) && !(t.utilization > 0.0 && t.utilization <= 1.0)) {
        detail::fail_range("utilization", "in (0, 1]", t.utilization);
    }
}

bool meets(const MMc& m, const Targets& t) {
    const QueueMetrics& x = m.metrics();
    if (!x.stable) return false;
    if (has(t.utilization) && x.utilization > t.utilization) return false;
    if (has(t.prob_wait) && x.prob_wait > t.prob_wait) return false;
    if (has(t.mean_response) && x.mean_response > t.mean_response) return false;
    if (has(t.response_time) && m.response_quantile(t.quantile) > t.response_time) return false;
    return true;
}

// Largest x in [0, hi) with excess(x) <= 0, for excess increasing in x and excess(0) <= 0.
template <class F>
double last_feasible(F excess, double hi) {
    if (excess(hi) <= 0.0) return hi;
    std::uintmax_t iters = 200;
    auto tol = boost::math::tools::eps_tolerance<double>(42);
    auto r = boost::math::tools::toms748_solve(excess, 0.0, hi, tol, iters);
    return r.first;  // the lower end of the bracket is on the feasible side
}

}  // namespace

std::int64_t min_servers(double arrival_rate, double service_rate, const Targets& targets) {
    check_nonnegative("arrival_rate", arrival_rate);
    check_positive("service_rate", service_rate);
    check_targets(targets);
    const double a = arrival_rate / service_rate;
    // Even infinitely many servers leave the service time itself.
    if (has(targets.mean_response) && targets.mean_response <= 1.0 / service_rate) return -1;
    if (has(targets.response_time) &&
        std::exp(-service_rate * targets.response_time) >= 1.0 - targets.quantile) {
        return -1;
    }
    auto lo = static_cast<std::int64_t>(std::floor(a)) + 1;  // fewest that is stable
    if (has(targets.utilization)) {
        lo = std::max(lo, static_cast<std::int64_t>(std::ceil(a / targets.utilization * (1 - 1e-15))));
    }
    lo = std::max<std::int64_t>(lo, 1);
    if (meets(MMc(arrival_rate, service_rate, lo), targets)) return lo;
    // Every target is monotone in c: double the step until one meets, then bisect.
    std::int64_t bad = lo, step = 1, good = -1;
    const std::int64_t limit = lo + 100 * static_cast<std::int64_t>(std::sqrt(a) + 100.0);
    while (bad + step <= limit) {
        if (meets(MMc(arrival_rate, service_rate, bad + step), targets)) {
            good = bad + step;
            break;
        }
        bad += step;
        step *= 2;
    }
    if (good < 0) return -1;
    while (good - bad > 1) {
        const std::int64_t mid = bad + (good - bad) / 2;
        (meets(MMc(arrival_rate, service_rate, mid), targets) ? good : bad) = mid;
    }
    return good;
}

double max_arrival_rate(double service_rate, std::int64_t servers, const Targets& targets) {
    check_positive("service_rate", service_rate);
    check_count("servers", servers, 1);
    check_targets(targets);
    const double mu = service_rate;
    const double capacity = static_cast<double>(servers) * mu;
    if (!meets(MMc(0.0, mu, servers), targets)) return 0.0;
    // Just below capacity the queue is still stable; every metric grows with the load.
    double best = capacity * (1.0 - 1e-12);
    if (has(targets.utilization)) best = std::min(best, targets.utilization * capacity);
    if (has(targets.prob_wait)) {
        best = last_feasible([&](double lam) { return MMc(lam, mu, servers).metrics().prob_wait - targets.prob_wait; },
                             best);
    }
    if (has(targets.mean_response)) {
        best = last_feasible(
            [&](double lam) { return MMc(lam, mu, servers).metrics().mean_response - targets.mean_response; }, best);
    }
    if (has(targets.response_time)) {
        best = last_feasible(
            [&](double lam) {
                return MMc(lam, mu, servers).response_quantile(targets.quantile) - targets.response_time;
            },
            best);
    }
    return best;
}

}  // namespace scalemodel::queueing
