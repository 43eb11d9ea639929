#include "scalemodel/core/fit.hpp"

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/math_policy.hpp"
#include "scalemodel/core/progress.hpp"

namespace scalemodel {

double gamma_shape_mle(double s) {
    check_positive("s", s);
    // Minka (2002): within 1.5% of the root everywhere; Newton then converges in a few steps.
    double k = (3.0 - s + std::sqrt((s - 3.0) * (s - 3.0) + 24.0 * s)) / (12.0 * s);
    for (int i = 0; i < 100; ++i) {
        const double f = std::log(k) - boost::math::digamma(k, math_policy()) - s;
        const double df = 1.0 / k - boost::math::trigamma(k, math_policy());
        double next = k - f / df;
        if (!(next > 0.0)) next = 0.5 * k;  // stay in the domain
        if (std::fabs(next - k) <= 1e-14 * k) return next;
        k = next;
    }
    return k;
}

double chi_squared_sf(double x, double dof) {
    check_positive("dof", dof);
    if (std::isnan(x)) detail::fail_range("x", "a number", x);
    if (x <= 0.0) return 1.0;
    if (std::isinf(x)) return 0.0;
    return boost::math::gamma_q(0.5 * dof, 0.5 * x, math_policy());
}

double kolmogorov_sf(double k) {
    if (std::isnan(k)) detail::fail_range("k", "a number", k);
    if (k <= 0.0) return 1.0;
    if (k < 0.2) return 1.0;  // the series converges slowly there; the sum is 1 to 1e-50
    double sum = 0.0, sign = 1.0;
    for (int j = 1; j <= 100; ++j) {
        const double term = std::exp(-2.0 * j * j * k * k);
        sum += sign * term;
        if (term < 1e-17 * sum) break;
        sign = -sign;
    }
    return std::fmin(1.0, std::fmax(0.0, 2.0 * sum));
}

PoissonHmm2 fit_poisson_hmm2(const double* x, std::size_t n, double high, double low, std::int64_t max_iter) {
    if (n < 2) throw std::invalid_argument("counts must hold at least 2 windows");
    check_count("max_iter", max_iter, 1, 100000);
    const Progress* progress = Progress::current();
    std::vector<double> lgam(n), alpha(2 * n), scale(n);
    for (std::size_t i = 0; i < n; ++i) lgam[i] = std::lgamma(x[i] + 1.0);
    double lam[2] = {std::max(high, 1e-3), std::max(low, 1e-6)};
    if (lam[0] <= lam[1]) lam[0] = lam[1] * 2.0 + 1.0;
    double a[2][2] = {{0.9, 0.1}, {0.1, 0.9}}, pi[2] = {0.5, 0.5};
    double prev = -std::numeric_limits<double>::infinity();
    std::int64_t it = 0;
    while (it < max_iter) {
        ++it;
        if (progress && progress->cancelled()) throw Cancelled();
        double loglam[2];
        for (int s = 0; s < 2; ++s) lam[s] = std::max(lam[s], 1e-9), loglam[s] = std::log(lam[s]);
        const auto emit = [&](std::size_t i, int s) {  // Poisson pmf of window i's count in state s
            return std::max(std::exp(x[i] * loglam[s] - lam[s] - lgam[i]), 1e-300);
        };
        double loglik = 0.0;
        for (std::size_t i = 0; i < n; ++i) {  // forward, scaled to sum 1
            double v[2];
            for (int s = 0; s < 2; ++s) {
                const double into = i == 0 ? pi[s] : alpha[2 * (i - 1)] * a[0][s] + alpha[2 * (i - 1) + 1] * a[1][s];
                v[s] = into * emit(i, s);
            }
            scale[i] = v[0] + v[1];
            alpha[2 * i] = v[0] / scale[i], alpha[2 * i + 1] = v[1] / scale[i];
            loglik += std::log(scale[i]);
        }
        // Backward, accumulating the expected transitions, state occupancies and counts.
        double beta[2] = {1.0, 1.0}, xi[2][2] = {{0, 0}, {0, 0}}, occ[2] = {0, 0}, occ_head[2] = {0, 0}, cnt[2] = {0, 0};
        double first[2] = {0, 0};
        for (std::size_t k = n; k-- > 0;) {
            const double g0 = alpha[2 * k] * beta[0], g1 = alpha[2 * k + 1] * beta[1], g = g0 + g1;
            const double gamma[2] = {g0 / g, g1 / g};
            for (int s = 0; s < 2; ++s) {
                occ[s] += gamma[s];
                cnt[s] += gamma[s] * x[k];
                if (k + 1 < n) occ_head[s] += gamma[s];
            }
            if (k == 0) {
                first[0] = gamma[0], first[1] = gamma[1];
                break;
            }
            const double e[2] = {emit(k, 0) * beta[0], emit(k, 1) * beta[1]};
            for (int r = 0; r < 2; ++r)
                for (int s = 0; s < 2; ++s) xi[r][s] += alpha[2 * (k - 1) + r] * a[r][s] * e[s] / scale[k];
            const double next[2] = {(a[0][0] * e[0] + a[0][1] * e[1]) / scale[k], (a[1][0] * e[0] + a[1][1] * e[1]) / scale[k]};
            beta[0] = next[0], beta[1] = next[1];
        }
        for (int r = 0; r < 2; ++r) {
            const double row = std::max(occ_head[r], 1e-300);
            const double p0 = xi[r][0] / row, p1 = xi[r][1] / row;
            a[r][0] = p0 / (p0 + p1), a[r][1] = p1 / (p0 + p1);
            lam[r] = cnt[r] / std::max(occ[r], 1e-300);
            pi[r] = first[r];
        }
        if (loglik - prev <= 1e-9 * std::fabs(loglik)) break;
        prev = loglik;
    }
    return PoissonHmm2{{lam[0], lam[1]}, {a[0][0], a[1][1]}, it};
}

}  // namespace scalemodel
