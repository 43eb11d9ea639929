#include "scalemodel/queueing/ggc.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <limits>

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
      service_scv_(check_nonnegative("service_scv", service_scv)),
      mean_wait_if_waiting_(0.0) {
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
    if (m.prob_wait > 0.0 && m.mean_wait > 0.0) mean_wait_if_waiting_ = m.mean_wait / m.prob_wait;
}

double GGc::service_survival(double t) const {
    if (t < 0.0) return 1.0;
    if (service_scv_ == 0.0) return t < mean_service_ ? 1.0 : 0.0;
    const double shape = 1.0 / service_scv_;
    return boost::math::gamma_q(shape, t / (mean_service_ * service_scv_), math_policy());
}

double GGc::wait_survival(double t) const {
    if (!metrics_.stable || t < 0.0) return 1.0;
    if (mean_wait_if_waiting_ == 0.0) return 0.0;
    return metrics_.prob_wait * std::exp(-t / mean_wait_if_waiting_);
}

double GGc::response_survival(double t) const {
    if (!metrics_.stable || t <= 0.0) return 1.0;
    if (std::isinf(t)) return 0.0;
    const double m = mean_wait_if_waiting_;
    if (m == 0.0) return service_survival(t);
    if (service_scv_ == 0.0) return t < mean_service_ ? 1.0 : wait_survival(t - mean_service_);
    // P(E + S > t) = P(E > t) + int_0^t f_E(w) P(S > t - w) dw, with E the exponential
    // wait; the integrand is smooth and bounded for every service SCV.
    auto integrand = [&](double w) { return std::exp(-w / m) / m * service_survival(t - w); };
    const double convolved =
        boost::math::quadrature::gauss_kronrod<double, 31>::integrate(integrand, 0.0, t, 15, 1e-12);
    const double pw = metrics_.prob_wait;
    return (1.0 - pw) * service_survival(t) + pw * (std::exp(-t / m) + convolved);
}

double GGc::wait_quantile(double q) const {
    check_probability("q", q);
    if (!metrics_.stable || q >= 1.0) return kInf;
    const double tail = 1.0 - q;
    if (metrics_.prob_wait <= tail || mean_wait_if_waiting_ == 0.0) return 0.0;
    return mean_wait_if_waiting_ * std::log(metrics_.prob_wait / tail);
}

double GGc::response_quantile(double q) const {
    check_probability("q", q);
    if (!metrics_.stable) return kInf;
    if (service_scv_ == 0.0) return q >= 1.0 ? kInf : mean_service_ + wait_quantile(q);
    return quantile_from_survival([this](double t) { return response_survival(t); }, q,
                                  metrics_.mean_response);
}

}  // namespace scalemodel::queueing
