#include "scalemodel/queueing/mmck.hpp"

#include <algorithm>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <limits>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/math_policy.hpp"
#include "scalemodel/core/roots.hpp"

namespace scalemodel::queueing {

namespace {

// log P(k, x), the regularized lower incomplete gamma, without underflow for x << k:
// P(k, x) = x^k e^-x / Gamma(k+1) * sum_j x^j / ((k+1)...(k+j)).
double log_gamma_p(double k, double x) {
    const double p = boost::math::gamma_p(k, x, math_policy());
    if (p > 1e-280) return std::log(p);
    double term = 1.0;
    double sum = 1.0;
    for (int j = 1; j < 10000 && term > sum * 1e-17; ++j) {
        term *= x / (k + j);
        sum += term;
    }
    return k * std::log(x) - x - std::lgamma(k + 1.0) + std::log(sum);
}

// Entries of the arrival-time distribution below this weight do not move any result.
constexpr double kNegligible = 1e-20;
constexpr std::int64_t kMaxCapacity = 50'000'000;

}  // namespace

MMcK::MMcK(double arrival_rate, double service_rate, std::int64_t servers, std::int64_t capacity)
    : MarkovianStation(arrival_rate, service_rate, servers),
      // The state distribution is held in memory: cap it well below what a machine holds.
      capacity_(check_count("capacity", capacity, servers_, kMaxCapacity)) {
    const auto K = static_cast<std::size_t>(capacity_);
    const double c = static_cast<double>(servers_);
    const double a = arrival_rate_ / service_rate_;
    p_.assign(K + 1, 0.0);
    if (a == 0.0) {
        p_[0] = 1.0;
    } else {
        // Birth-death balance in logs, each term in closed form so rounding does not pile up:
        // w_n = a^n / n! up to c, then w_c (a / c)^(n - c). No factorial overflows.
        std::vector<double> logw(K + 1, 0.0);
        // a = lambda / mu may overflow (a rate of 1e-308): then its logarithm from the parts.
        const bool finite = std::isfinite(a);
        const double log_a = finite ? std::log(a) : std::log(arrival_rate_) - std::log(service_rate_);
        const double log_a_c = finite ? std::log(a / c) : log_a - std::log(c);
        const auto cn = static_cast<std::size_t>(servers_);
        for (std::size_t n = 1; n <= K; ++n) {
            const double nn = static_cast<double>(n);
            logw[n] = n <= cn ? nn * log_a - std::lgamma(nn + 1.0)
                              : logw[cn] + (nn - c) * log_a_c;
        }
        const double top = *std::max_element(logw.begin(), logw.end());
        double total = 0.0;
        for (std::size_t n = 0; n <= K; ++n) total += (p_[n] = std::exp(logw[n] - top));
        for (double& x : p_) x /= total;
    }
    QueueMetrics& m = metrics_;
    m.stable = true;
    m.prob_block = p_[K];
    if (m.prob_block < 0.5) {
        admitted_ = 1.0 - m.prob_block;
        m.throughput = arrival_rate_ * admitted_;
        m.utilization = m.throughput / (c * service_rate_);
    } else {
        // Nearly every arrival blocked: 1 - P(block) would cancel to 0 (then NaN), so sum the
        // admitting states, and take the utilization from the busy servers (throughput =
        // mu x busy servers), which neither overflows nor cancels.
        double busy = 0.0;
        for (std::size_t n = 0; n < K; ++n) admitted_ += p_[n];
        for (std::size_t n = 0; n <= K; ++n) busy += std::min(static_cast<double>(n), c) * p_[n];
        m.utilization = busy / c;
        m.throughput = service_rate_ * busy;
    }
    double waiting = 0.0;
    for (std::size_t n = 0; n <= K; ++n) {
        const double nn = static_cast<double>(n);
        m.mean_in_system += nn * p_[n];
        if (nn > c) m.mean_queue_length += (nn - c) * p_[n];
        if (nn >= c && n < K) waiting += p_[n];
    }
    m.prob_wait = m.throughput > 0.0 && admitted_ > 0.0 ? std::min(1.0, waiting / admitted_) : 0.0;
    if (m.throughput > 0.0) {
        m.mean_response = m.mean_in_system / m.throughput;
        m.mean_wait = m.mean_queue_length / m.throughput;
    } else {
        m.mean_response = 1.0 / service_rate_;
        m.mean_wait = 0.0;
    }
}

double MMcK::arrival_share(std::int64_t n) const {
    // An arrival admitted finds n present with probability p_n / P(admitted). When that
    // probability underflows to 0 (a load ~1e300 times the servers), it finds K - 1.
    if (admitted_ > 0.0) return p_[static_cast<std::size_t>(n)] / admitted_;
    return n == capacity_ - 1 ? 1.0 : 0.0;
}

double MMcK::wait_survival(double t) const {
    if (t < 0.0) return 1.0;
    // An admitted arrival that finds n >= c present waits for n - c + 1 departures at
    // rate c mu (arrivals see time averages: PASTA).
    const double theta = static_cast<double>(servers_) * service_rate_;
    // c mu may overflow (mu near 1e308) where c (mu t) does not.
    const double theta_t =
        std::isfinite(theta) ? theta * t : static_cast<double>(servers_) * (service_rate_ * t);
    double s = 0.0;
    for (std::int64_t n = servers_; n < capacity_; ++n) {
        const double pi = arrival_share(n);
        if (pi < kNegligible) continue;
        s += pi * boost::math::gamma_q(static_cast<double>(n - servers_ + 1), theta_t, math_policy());
    }
    return s;
}

double MMcK::response_survival(double t) const {
    if (t <= 0.0) return 1.0;
    const double mu = service_rate_;
    const double theta = static_cast<double>(servers_) * mu, c = static_cast<double>(servers_);
    const bool finite = std::isfinite(theta);  // else c mu overflowed (mu near 1e308): use c (mu t)
    double s = 0.0;
    for (std::int64_t n = 0; n < capacity_; ++n) {
        const double pi = arrival_share(n);
        if (pi < kNegligible) continue;
        if (n < servers_) {
            s += pi * std::exp(-mu * t);
            continue;
        }
        // P(Erlang(k, theta) + Exp(mu) > t).
        const double k = static_cast<double>(n - servers_ + 1);
        double h;
        if (servers_ == 1) {
            h = boost::math::gamma_q(k + 1.0, mu * t, math_policy());
        } else {
            const double b = theta - mu;
            const double theta_t = finite ? theta * t : c * (mu * t), b_t = finite ? b * t : (c - 1.0) * (mu * t);
            const double log_ratio = finite ? std::log(theta / b) : std::log(c / (c - 1.0));
            h = boost::math::gamma_q(k, theta_t, math_policy()) +
                std::exp(-mu * t + k * log_ratio + log_gamma_p(k, b_t));
        }
        s += pi * h;
    }
    return std::min(s, 1.0);
}

double fcfs_response_survival(std::int64_t present, std::int64_t servers, double service_rate, double t) {
    if (t <= 0.0) return 1.0;
    const double mu = service_rate, c = static_cast<double>(servers);
    if (present < servers) return std::exp(-mu * t);
    const double k = static_cast<double>(present - servers + 1);
    if (servers == 1) return boost::math::gamma_q(k + 1.0, mu * t, math_policy());
    const double h = boost::math::gamma_q(k, c * (mu * t), math_policy()) +
                     std::exp(-mu * t + k * std::log(c / (c - 1.0)) + log_gamma_p(k, (c - 1.0) * (mu * t)));
    return std::min(h, 1.0);
}

double fcfs_late_work(std::int64_t present, std::int64_t servers, double service_rate, double t) {
    if (t <= 0.0) return 1.0;
    const double mu = service_rate, c = static_cast<double>(servers), x = mu * t;
    // E[S 1(W + S > t)] = E[g(t - W)] with g(y) = e^(-mu y) (y + 1/mu) for y > 0, E[S] else.
    if (present < servers) return std::exp(-x) * (x + 1.0);
    const double k = static_cast<double>(present - servers + 1);  // W ~ Erlang(k, c mu)
    double below, below_w;  // mu E[e^(mu W) 1(W <= t)] and mu^2 E[W e^(mu W) 1(W <= t)], times e^(-x)
    if (servers == 1) {
        // c mu - mu = 0: the Erlang density times e^(mu w) is mu^k w^(k-1) / (k-1)!.
        const double log_term = k * std::log(x) - std::lgamma(k + 1.0) - x;
        below = std::exp(log_term);
        below_w = std::exp(log_term + std::log(x * k / (k + 1.0)));
    } else {
        const double b = (c - 1.0) * x, log_ratio = k * std::log(c / (c - 1.0)) - x;
        below = std::exp(log_ratio + log_gamma_p(k, b));
        below_w = std::exp(log_ratio + std::log(k / (c - 1.0)) + log_gamma_p(k + 1.0, b));
    }
    const double late = boost::math::gamma_q(k, c * x, math_policy()) + (x + 1.0) * below - below_w;
    return std::min(1.0, std::max(0.0, late));
}

double MMcK::wait_quantile(double q) const {
    check_probability("q", q);
    return quantile_from_survival([this](double t) { return wait_survival(t); }, q,
                                  std::max(metrics_.mean_wait, 1.0 / service_rate_));
}

double MMcK::response_quantile(double q) const {
    check_probability("q", q);
    return quantile_from_survival([this](double t) { return response_survival(t); }, q,
                                  metrics_.mean_response);
}

}  // namespace scalemodel::queueing
