#include "scalemodel/queueing/usl.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <unsupported/Eigen/NonLinearOptimization>

#include "scalemodel/core/check.hpp"

namespace scalemodel::queueing {

double usl_throughput(double lambda, double sigma, double kappa, double concurrency) {
    const double n = concurrency;
    return lambda * n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0));
}

double usl_peak_concurrency(double sigma, double kappa) {
    if (sigma >= 1.0) return 1.0;
    if (kappa <= 0.0) return std::numeric_limits<double>::infinity();
    return std::max(1.0, std::sqrt((1.0 - sigma) / kappa));
}

namespace {

// Residuals X_i - X(N_i) in the parameters (log lambda, s, k) with sigma = s^2, kappa = k^2,
// which keeps sigma and kappa non-negative without a constrained solver.
struct UslResiduals {
    using Scalar = double;
    using InputType = Eigen::VectorXd;
    using ValueType = Eigen::VectorXd;
    using JacobianType = Eigen::MatrixXd;
    enum { InputsAtCompileTime = Eigen::Dynamic, ValuesAtCompileTime = Eigen::Dynamic };

    const Eigen::VectorXd& n;
    const Eigen::VectorXd& x;
    int inputs() const { return 3; }
    int values() const { return static_cast<int>(n.size()); }

    int operator()(const Eigen::VectorXd& p, Eigen::VectorXd& f) const {
        const double lam = std::exp(p[0]), sigma = p[1] * p[1], kappa = p[2] * p[2];
        for (Eigen::Index i = 0; i < n.size(); ++i) f[i] = usl_throughput(lam, sigma, kappa, n[i]) - x[i];
        return 0;
    }
    int df(const Eigen::VectorXd& p, Eigen::MatrixXd& jac) const {
        const double lam = std::exp(p[0]), sigma = p[1] * p[1], kappa = p[2] * p[2];
        for (Eigen::Index i = 0; i < n.size(); ++i) {
            const double ni = n[i];
            const double den = 1.0 + sigma * (ni - 1.0) + kappa * ni * (ni - 1.0);
            const double xi = lam * ni / den;
            jac(i, 0) = xi;                                    // d/d(log lambda)
            jac(i, 1) = -xi / den * (ni - 1.0) * 2.0 * p[1];   // d/ds
            jac(i, 2) = -xi / den * ni * (ni - 1.0) * 2.0 * p[2];  // d/dk
        }
        return 0;
    }
};

double sse(const Eigen::VectorXd& n, const Eigen::VectorXd& x, double lam, double sigma, double kappa) {
    double s = 0.0;
    for (Eigen::Index i = 0; i < n.size(); ++i) {
        const double r = usl_throughput(lam, sigma, kappa, n[i]) - x[i];
        s += r * r;
    }
    return s;
}

}  // namespace

UslFit usl_fit(const Eigen::VectorXd& concurrency, const Eigen::VectorXd& throughput) {
    const Eigen::Index m = concurrency.size();
    if (throughput.size() != m) throw std::invalid_argument("concurrency and throughput must have equal length");
    std::set<double> distinct;
    for (Eigen::Index i = 0; i < m; ++i) {
        if (!(concurrency[i] >= 1.0) || !std::isfinite(concurrency[i])) {
            detail::fail_range("concurrency", "a finite number >= 1", concurrency[i]);
        }
        check_positive("throughput", throughput[i]);
        distinct.insert(concurrency[i]);
    }
    if (distinct.size() < 3) throw std::invalid_argument("concurrency must hold at least 3 distinct values to fit sigma and kappa");

    // Start: N/X = a + b (N-1) + c N (N-1) is linear in (a, b, c) = (1, sigma, kappa) / lambda.
    // Weights X^2/N make its residuals comparable with throughput residuals. Try the
    // unconstrained fit and the fits with sigma or kappa pinned at 0; keep the best valid one.
    const Eigen::ArrayXd w = throughput.array().square() / concurrency.array();
    double best_sse = std::numeric_limits<double>::infinity();
    Eigen::Vector3d start(std::log(throughput.maxCoeff() / concurrency.maxCoeff()), 0.0, 0.0);
    for (int mask = 0; mask < 4; ++mask) {
        const bool use_b = (mask & 1) == 0, use_c = (mask & 2) == 0;
        const int cols = 1 + use_b + use_c;
        Eigen::MatrixXd a(m, cols);
        Eigen::VectorXd y(m);
        for (Eigen::Index i = 0; i < m; ++i) {
            const double ni = concurrency[i], sw = std::sqrt(w[i]);
            int col = 0;
            a(i, col++) = sw;
            if (use_b) a(i, col++) = sw * (ni - 1.0);
            if (use_c) a(i, col++) = sw * ni * (ni - 1.0);
            y[i] = sw * ni / throughput[i];
        }
        const Eigen::VectorXd coef = a.colPivHouseholderQr().solve(y);
        const double ia = coef[0];
        const double b = use_b ? coef[1] : 0.0;
        const double c = use_c ? coef[use_b ? 2 : 1] : 0.0;
        if (!(ia > 0.0) || b < 0.0 || c < 0.0) continue;
        const double lam = 1.0 / ia, sigma = b / ia, kappa = c / ia;
        const double s = sse(concurrency, throughput, lam, sigma, kappa);
        if (s < best_sse) {
            best_sse = s;
            start = Eigen::Vector3d(std::log(lam), std::sqrt(sigma), std::sqrt(kappa));
        }
    }
    // Nudge off the boundary: at s = 0 or k = 0 the gradient in s or k vanishes.
    Eigen::VectorXd p = start;
    p[1] = std::max(p[1], 1e-4);
    p[2] = std::max(p[2], 1e-4);
    UslResiduals f{concurrency, throughput};
    Eigen::LevenbergMarquardt<UslResiduals> lm(f);
    lm.parameters.xtol = 1e-14;
    lm.parameters.ftol = 1e-14;
    lm.parameters.maxfev = 2000;
    lm.minimize(p);

    UslFit fit;
    fit.lambda = std::exp(p[0]);
    fit.sigma = p[1] * p[1];
    fit.kappa = p[2] * p[2];
    // The unnudged start can still be better when the optimum sits on a bound.
    if (best_sse < sse(concurrency, throughput, fit.lambda, fit.sigma, fit.kappa)) {
        fit.lambda = std::exp(start[0]);
        fit.sigma = start[1] * start[1];
        fit.kappa = start[2] * start[2];
    }
    const double s = sse(concurrency, throughput, fit.lambda, fit.sigma, fit.kappa);
    const double mean = throughput.mean();
    const double sst = (throughput.array() - mean).square().sum();
    fit.r_squared = sst > 0.0 ? 1.0 - s / sst : 1.0;
    fit.rmse = std::sqrt(s / static_cast<double>(m));
    return fit;
}

}  // namespace scalemodel::queueing
