#include "scalemodel/queueing/ggc.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/tools/roots.hpp>
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/math_policy.hpp"
#include "scalemodel/core/roots.hpp"
#include "scalemodel/queueing/erlang.hpp"

namespace scalemodel::queueing {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

GGc::GGc(double arrival_rate, double mean_service, std::int64_t servers, double arrival_scv,
         double service_scv)
    : arrival_rate_(check_nonnegative("arrival_rate", arrival_rate)),
      mean_service_(check_positive("mean_service", mean_service)),
      servers_(check_count("servers", servers, 1)),
      service_scv_(check_nonnegative("service_scv", service_scv)) {
    check_nonnegative("arrival_scv", arrival_scv);
    const double c = static_cast<double>(servers_);
    const double a = arrival_rate_ * mean_service_;
    QueueMetrics& m = metrics_;
    m.utilization = a / c;
    m.stable = a < c;
    if (!m.stable) {
        m.prob_wait = 1.0;
        m.throughput = c / mean_service_;
        m.mean_queue_length = m.mean_in_system = m.mean_wait = m.mean_response = kInf;
        return;
    }
    const double variability = 0.5 * (arrival_scv + service_scv_);
    m.throughput = arrival_rate_;
    m.prob_wait = erlang_c(servers_, a);
    m.mean_wait = m.prob_wait / (c / mean_service_ - arrival_rate_) * variability;
    m.mean_response = m.mean_wait + mean_service_;
    m.mean_queue_length = arrival_rate_ * m.mean_wait;
    m.mean_in_system = arrival_rate_ * m.mean_response;
    // An SCV below 1e-200 is a deterministic service time for every law below (its gamma
    // shape 1 / scv would overflow, its scale mean x scv underflow).
    if (service_scv_ < 1e-200) service_scv_ = 0.0;
    if (m.prob_wait > 0.0 && m.mean_wait > 0.0) {
        tail_prob_ = m.prob_wait;
        tail_mean_ = m.mean_wait / m.prob_wait;
        if (servers_ == 1 && arrival_scv == 1.0) mg1_tail();
    }
}

void GGc::mg1_tail() {
    // M/G/1 wait tail: P(W > t) ~ C exp(-k t) with lambda (M_S(k) - 1) = k and
    // C = (1 - rho) / (lambda M_S'(k) - 1). The root is the positive zero of a convex
    // function that starts at 0 with slope rho - 1 < 0.
    const double lam = arrival_rate_, es = mean_service_, cs2 = service_scv_;
    const double rho = lam * es;
    auto mgf = [&](double k) {  // M_S(k) and M_S'(k) for gamma (or deterministic) service
        if (cs2 == 0.0) {
            const double e = std::exp(std::min(k * es, 700.0));
            return std::pair<double, double>(e, es * e);
        }
        const double shape = 1.0 / cs2, scale = es * cs2;
        const double base = 1.0 - k * scale;
        // exp(-shape log(1 - k scale)), capped below overflow (used at the root only).
        const double mk = std::exp(std::min(-shape * std::log1p(-k * scale), 700.0));
        return std::pair<double, double>(mk, shape * scale * mk / base);
    };
    // The root of lambda (M_S(k) - 1) = k is that of h(k) = log M_S(k) - log(1 + k / lambda),
    // convex too (a cumulant generating function minus a concave log), and free of
    // overflow: M_S itself passes double range long before its pole when the SCV is small.
    auto h = [&](double k) {
        const double log_mgf = cs2 == 0.0 ? k * es : -(1.0 / cs2) * std::log1p(-k * es * cs2);
        return log_mgf - std::log1p(k / lam);
    };
    // Bracket the positive root: from 1 / es (where h > 0 unless rho is close to 1) double
    // towards the MGF's pole at 1 / scale (never past it), then halve down into the
    // negative dip.
    const double pole = cs2 == 0.0 ? kInf : 1.0 / (es * cs2);
    double hi = std::min(1.0 / es, 0.5 * pole);
    for (int i = 0; i < 2000 && h(hi) <= 0.0; ++i) hi = std::min(2.0 * hi, hi + 0.5 * (pole - hi));
    double lo = hi;
    for (int i = 0; i < 2000 && h(lo) >= 0.0; ++i) lo *= 0.5;
    if (!(h(lo) < 0.0 && h(hi) > 0.0)) return;  // keep the Allen-Cunneen tail
    std::uintmax_t iters = 200;
    auto tol = boost::math::tools::eps_tolerance<double>(50);
    const auto r = boost::math::tools::toms748_solve(h, lo, hi, tol, iters);
    const double k = 0.5 * (r.first + r.second);
    const double c = (1.0 - rho) / (lam * mgf(k).second - 1.0);
    if (!(k > 0.0) || !(c > 0.0) || !std::isfinite(c)) return;
    tail_mean_ = 1.0 / k;
    tail_prob_ = std::min(rho, c);
    tail_shift_ = c > rho ? std::log(c / rho) / k : 0.0;
}

double GGc::service_survival(double t) const {
    if (t < 0.0) return 1.0;
    if (service_scv_ == 0.0) return t < mean_service_ ? 1.0 : 0.0;
    const double shape = 1.0 / service_scv_;
    return gamma_q(shape, t / (mean_service_ * service_scv_));
}

double GGc::exp_smoothed_cdf(double u, double m) const {
    // Service gamma with shape k and scale theta; d = theta / m.
    const double k = 1.0 / service_scv_, theta = mean_service_ * service_scv_, d = theta / m;
    if (d < 1.0) {
        // Closed form: the tilt exp(s / m) keeps a gamma law, of rate (1 - d) / theta, so
        // I = exp(-u / m) (1 - d)^-k P(k, (1 - d) u / theta). (1 - d is exact for d >= 1/2,
        // and log1p exact below, so the two factors' round-off cancels as d -> 1.)
        const double scale = -u / m - k * std::log1p(-d);
        if (scale < 700.0) return std::exp(scale) * gamma_p(k, (1.0 - d) * u / theta);
    }
    // Otherwise by quadrature in y = log s, where the integrand
    //     s f_S(s) exp(-(u - s) / m) = exp(k log(s / theta) - s / theta - lgamma(k) - (u - s) / m)
    // is smooth even when shape < 1 puts a singularity at s = 0; below s = eps the
    // exponential factor is exp(-u / m) to 1e-12, so that piece is exp(-u / m) P(k, eps / theta).
    const double eps = 1e-12 * std::min({u, theta, m});
    const double lgk = boost::math::lgamma(k, math_policy());
    auto integrand = [&](double y) {
        const double x = std::exp(y);
        return std::exp(k * (y - std::log(theta)) - x / theta - lgk - (u - x) / m);
    };
    const double head = std::exp(-u / m) * gamma_p(k, eps / theta);
    return head + boost::math::quadrature::gauss_kronrod<double, 31>::integrate(integrand, std::log(eps), std::log(u),
                                                                                10, 1e-12);
}

double GGc::wait_survival(double t) const {
    if (!metrics_.stable || t < 0.0) return 1.0;
    if (tail_mean_ == 0.0) return 0.0;
    if (t < tail_shift_) return tail_prob_;
    return tail_prob_ * std::exp(-(t - tail_shift_) / tail_mean_);
}

double GGc::response_survival(double t) const {
    if (!metrics_.stable || t <= 0.0) return 1.0;
    if (std::isinf(t)) return 0.0;
    const double m = tail_mean_;
    if (m == 0.0) return service_survival(t);
    if (service_scv_ == 0.0) return t < mean_service_ ? 1.0 : wait_survival(t - mean_service_);
    // T = W + S, with W = 0 or t0 + E (E exponential with mean m): P(t0 + E + S > t) =
    // P(E + S > u), u = t - t0, and conditioning on S,
    //     P(E + S > u) = P(S > u) + I,   I = int_0^u f_S(s) exp(-(u - s) / m) ds.
    const double u = t - tail_shift_;
    const double shifted = u > 0.0 ? service_survival(u) + exp_smoothed_cdf(u, m) : 1.0;
    const double pw = tail_prob_;
    return (1.0 - pw) * service_survival(t) + pw * shifted;
}

double GGc::wait_quantile(double q) const {
    check_probability("q", q);
    if (!metrics_.stable || q >= 1.0) return kInf;
    const double tail = 1.0 - q;
    if (tail_prob_ <= tail || tail_mean_ == 0.0) return 0.0;
    return tail_shift_ + tail_mean_ * std::log(tail_prob_ / tail);
}

double GGc::response_quantile(double q) const {
    check_probability("q", q);
    if (!metrics_.stable) return kInf;
    if (service_scv_ == 0.0) return q >= 1.0 ? kInf : mean_service_ + wait_quantile(q);
    return quantile_from_survival([this](double t) { return response_survival(t); }, q,
                                  metrics_.mean_response);
}

}  // namespace scalemodel::queueing
