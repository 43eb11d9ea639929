#include "scalemodel/queueing/inverse.hpp"

#include <algorithm>
#include <boost/math/tools/roots.hpp>
#include <cmath>

#include "scalemodel/core/check.hpp"
#include "scalemodel/queueing/ggc.hpp"
#include "scalemodel/queueing/mmc.hpp"

namespace scalemodel::queueing {

namespace {

bool has(double target) { return !std::isnan(target); }

void check_targets(const Targets& t) {
    if (!has(t.response_time) && !has(t.mean_response) && !has(t.prob_wait) && !has(t.utilization) &&
        !has(t.wait_time)) {
        throw std::invalid_argument(
            "give at least one target: response_time, mean_response, prob_wait, utilization or wait_time with "
            "service_level");
    }
    if (has(t.wait_time) != has(t.service_level)) {
        throw std::invalid_argument("wait_time and service_level go together: P(wait <= wait_time) >= service_level");
    }
    if (has(t.wait_time)) {
        check_nonnegative("wait_time", t.wait_time);
        if (!(t.service_level > 0.0 && t.service_level < 1.0)) {
            detail::fail_range("service_level", "in (0, 1)", t.service_level);
        }
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

// The response-time target: M/M/c inverts its exact response distribution; G/G/c reads its
// survival function at the target.
bool response_time_missed(const MMc& m, const Targets& t) {
    return m.response_quantile(t.quantile) > t.response_time;
}
bool response_time_missed(const GGc& m, const Targets& t) {
    return m.response_survival(t.response_time) > 1.0 - t.quantile;
}

template <class Model>
bool meets(const Model& m, const Targets& t) {
    const QueueMetrics& x = m.metrics();
    if (!x.stable) return false;
    if (has(t.utilization) && x.utilization > t.utilization) return false;
    if (has(t.prob_wait) && x.prob_wait > t.prob_wait) return false;
    if (has(t.mean_response) && x.mean_response > t.mean_response) return false;
    if (has(t.response_time) && response_time_missed(m, t)) return false;
    if (has(t.wait_time) && m.wait_survival(t.wait_time) > 1.0 - t.service_level) return false;
    return true;
}

GGc ggc(double arrival_rate, const GGcShape& s, std::int64_t servers) {
    return GGc(arrival_rate, s.mean_service, servers, s.arrival_scv, s.service_scv);
}

void check_shape(const GGcShape& s) {
    check_positive("mean_service", s.mean_service);
    check_nonnegative("arrival_scv", s.arrival_scv);
    check_nonnegative("service_scv", s.service_scv);
}

// Fewest c >= lo with meets(make(c)), for a target monotone in c; -1 when none up to a
// generous limit.
template <class Make>
std::int64_t fewest_meeting(Make make, const Targets& targets, std::int64_t lo, double offered_load) {
    if (meets(make(lo), targets)) return lo;
    // Every target is monotone in c: double the step until one meets, then bisect.
    std::int64_t bad = lo, step = 1, good = -1;
    const std::int64_t limit = lo + 100 * static_cast<std::int64_t>(std::sqrt(offered_load) + 100.0);
    while (bad + step <= limit) {
        if (meets(make(bad + step), targets)) {
            good = bad + step;
            break;
        }
        bad += step;
        step *= 2;
    }
    if (good < 0) return -1;
    while (good - bad > 1) {
        const std::int64_t mid = bad + (good - bad) / 2;
        (meets(make(mid), targets) ? good : bad) = mid;
    }
    return good;
}

std::int64_t fewest_stable(double offered_load, const Targets& targets) {
    auto lo = static_cast<std::int64_t>(std::floor(offered_load)) + 1;  // fewest that is stable
    if (has(targets.utilization)) {
        lo = std::max(lo, static_cast<std::int64_t>(std::ceil(offered_load / targets.utilization * (1 - 1e-15))));
    }
    return std::max<std::int64_t>(lo, 1);
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

// The offered load (servers' worth) beyond which min_servers would need more servers than a
// station takes (1e9): refused, naming arrival_rate.
constexpr double kMaxServersLoad = 1e9 - 1.0;

std::int64_t min_servers(double arrival_rate, double service_rate, const Targets& targets) {
    check_nonnegative("arrival_rate", arrival_rate);
    check_positive("service_rate", service_rate);
    check_targets(targets);
    const double a = arrival_rate / service_rate;
    if (!(a < kMaxServersLoad)) {
        detail::fail_range("arrival_rate", "below 1e9 x service_rate (the load needs more servers than the model's 1e9)",
                           arrival_rate);
    }
    // Even infinitely many servers leave the service time itself.
    if (has(targets.mean_response) && targets.mean_response <= 1.0 / service_rate) return -1;
    if (has(targets.response_time) &&
        std::exp(-service_rate * targets.response_time) >= 1.0 - targets.quantile) {
        return -1;
    }
    return fewest_meeting([&](std::int64_t c) { return MMc(arrival_rate, service_rate, c); }, targets,
                          fewest_stable(a, targets), a);
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
    if (has(targets.wait_time)) {
        best = last_feasible(
            [&](double lam) {
                return MMc(lam, mu, servers).wait_survival(targets.wait_time) - (1.0 - targets.service_level);
            },
            best);
    }
    return best;
}

std::int64_t min_servers(double arrival_rate, const GGcShape& shape, const Targets& targets) {
    check_nonnegative("arrival_rate", arrival_rate);
    check_shape(shape);
    check_targets(targets);
    // With no queue at all a request still takes its service time: if that alone misses a
    // target, no number of servers helps.
    const GGc idle = ggc(0.0, shape, 1);
    if (has(targets.mean_response) && targets.mean_response <= shape.mean_service) return -1;
    if (has(targets.response_time) && idle.response_survival(targets.response_time) > 1.0 - targets.quantile) {
        return -1;
    }
    const double a = arrival_rate * shape.mean_service;
    if (!(a < kMaxServersLoad)) {
        detail::fail_range("arrival_rate", "below 1e9 / mean_service (the load needs more servers than the model's 1e9)",
                           arrival_rate);
    }
    return fewest_meeting([&](std::int64_t c) { return ggc(arrival_rate, shape, c); }, targets,
                          fewest_stable(a, targets), a);
}

double max_arrival_rate(const GGcShape& shape, std::int64_t servers, const Targets& targets) {
    check_shape(shape);
    check_count("servers", servers, 1);
    check_targets(targets);
    if (!meets(ggc(0.0, shape, servers), targets)) return 0.0;
    const double capacity = static_cast<double>(servers) / shape.mean_service;
    double best = capacity * (1.0 - 1e-12);
    if (has(targets.utilization)) best = std::min(best, targets.utilization * capacity);
    auto excess = [&](auto metric, double target) {
        return [&, metric, target](double lam) { return metric(ggc(lam, shape, servers)) - target; };
    };
    if (has(targets.prob_wait)) {
        best = last_feasible(excess([](const GGc& m) { return m.metrics().prob_wait; }, targets.prob_wait), best);
    }
    if (has(targets.mean_response)) {
        best = last_feasible(excess([](const GGc& m) { return m.metrics().mean_response; }, targets.mean_response),
                             best);
    }
    if (has(targets.response_time)) {
        const double rt = targets.response_time;
        best = last_feasible(excess([rt](const GGc& m) { return m.response_survival(rt); }, 1.0 - targets.quantile),
                             best);
    }
    if (has(targets.wait_time)) {
        const double wt = targets.wait_time;
        best = last_feasible(excess([wt](const GGc& m) { return m.wait_survival(wt); }, 1.0 - targets.service_level),
                             best);
    }
    return best;
}

}  // namespace scalemodel::queueing
