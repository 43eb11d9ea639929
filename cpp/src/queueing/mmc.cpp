#include "scalemodel/queueing/mmc.hpp"

#include <cmath>
#include <limits>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/roots.hpp"
#include "scalemodel/queueing/erlang.hpp"

namespace scalemodel::queueing {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

MMc::MMc(double arrival_rate, double service_rate, std::int64_t servers)
    : MarkovianStation(arrival_rate, service_rate, servers) {
    const double c = static_cast<double>(servers_);
    const double a = arrival_rate_ / service_rate_;
    drain_rate_ = c * service_rate_ - arrival_rate_;
    QueueMetrics& m = metrics_;
    m.utilization = a / c;
    m.stable = a < c;
    if (!m.stable) {
        m.prob_wait = 1.0;
        m.throughput = c * service_rate_;
        m.mean_queue_length = m.mean_in_system = m.mean_wait = m.mean_response = kInf;
        return;
    }
    m.prob_wait = erlang_c(servers_, a);
    m.throughput = arrival_rate_;
    m.mean_wait = m.prob_wait / drain_rate_;
    m.mean_response = m.mean_wait + 1.0 / service_rate_;
    m.mean_queue_length = arrival_rate_ * m.mean_wait;
    // No arrivals: nobody in the system, even when 1 / mu overflows (0 x inf would be NaN).
    m.mean_in_system = arrival_rate_ == 0.0 ? 0.0 : arrival_rate_ * m.mean_response;
}

double MMc::wait_survival(double t) const {
    if (!metrics_.stable) return 1.0;
    if (t < 0.0) return 1.0;
    return metrics_.prob_wait * std::exp(-drain_rate_ * t);
}

double MMc::response_survival(double t) const {
    if (!metrics_.stable) return 1.0;
    if (t <= 0.0) return 1.0;
    // Response = W + S with W = 0 w.p. 1 - C, else Exp(theta); S ~ Exp(mu). Written with
    // expm1 so that theta -> mu is smooth and nothing overflows for large t.
    const double mu = service_rate_;
    const double theta = drain_rate_;
    const double cw = metrics_.prob_wait;
    const double d = theta - mu;
    if (d >= 0.0) {
        const double g = d == 0.0 ? t : -std::expm1(-d * t) / d;
        return std::exp(-mu * t) * (1.0 + cw * mu * g);
    }
    return std::exp(-mu * t) + cw * mu * std::exp(-theta * t) * (-std::expm1(d * t)) / (-d);
}

double MMc::wait_quantile(double q) const {
    check_probability("q", q);
    if (!metrics_.stable) return kInf;
    if (q >= 1.0) return kInf;
    const double tail = 1.0 - q;
    if (metrics_.prob_wait <= tail) return 0.0;
    return std::log(metrics_.prob_wait / tail) / drain_rate_;
}

double MMc::response_quantile(double q) const {
    check_probability("q", q);
    if (!metrics_.stable) return kInf;
    return quantile_from_survival([this](double t) { return response_survival(t); }, q,
                                  metrics_.mean_response);
}

}  // namespace scalemodel::queueing
