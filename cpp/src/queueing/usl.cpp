#include "scalemodel/queueing/usl.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <unsupported/Eigen/NonLinearOptimization>

#include "scalemodel/core/check.hpp"

namespace scalemodel::queueing {

namespace {

// X(N) for any coefficients (the fit's trial points may leave the valid range).
double usl_value(double lambda, double sigma, double kappa, double n) {
    return lambda * n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0));
}

void check_coefficients(double sigma, double kappa) {
    check_nonnegative("sigma", sigma);
    check_nonnegative("kappa", kappa);
}

}  // namespace

double usl_throughput(double lambda, double sigma, double kappa, double concurrency) {
    check_nonnegative("lambda_", lambda);
    check_coefficients(sigma, kappa);
    check_nonnegative("concurrency", concurrency);
    if (concurrency == 0.0) return 0.0;  // 0 / 0 when sigma = 1
    const double x = usl_value(lambda, sigma, kappa, concurrency), n = concurrency;
    // Huge N (or lambda_): inf / inf. Divided through by N the law has no overflow.
    return std::isnan(x) ? lambda / (1.0 / n + sigma * (1.0 - 1.0 / n) + kappa * (n - 1.0)) : x;
}

double usl_peak_concurrency(double sigma, double kappa) {
    check_coefficients(sigma, kappa);
    if (sigma >= 1.0) return 1.0;
    if (kappa <= 0.0) return std::numeric_limits<double>::infinity();
    return std::max(1.0, std::sqrt((1.0 - sigma) / kappa));
}

namespace {

// Residuals X(N_i) - X_i over the free parameters among (lambda, sigma, kappa); a pinned
// parameter stays at 0. Used for each active set of the bound constraints sigma, kappa >= 0.
struct UslResiduals {
    using Scalar = double;
    using InputType = Eigen::VectorXd;
    using ValueType = Eigen::VectorXd;
    using JacobianType = Eigen::MatrixXd;
    enum { InputsAtCompileTime = Eigen::Dynamic, ValuesAtCompileTime = Eigen::Dynamic };

    const Eigen::VectorXd& n;
    const Eigen::VectorXd& x;
    bool free_sigma;
    bool free_kappa;

    int inputs() const { return 1 + free_sigma + free_kappa; }
    int values() const { return static_cast<int>(n.size()); }

    UslFit unpack(const Eigen::VectorXd& p) const {
        UslFit f;
        f.lambda = p[0];
        f.sigma = free_sigma ? p[1] : 0.0;
        f.kappa = free_kappa ? p[free_sigma ? 2 : 1] : 0.0;
        return f;
    }
    int operator()(const Eigen::VectorXd& p, Eigen::VectorXd& f) const {
        const UslFit u = unpack(p);
        for (Eigen::Index i = 0; i < n.size(); ++i) f[i] = usl_value(u.lambda, u.sigma, u.kappa, n[i]) - x[i];
        return 0;
    }
    int df(const Eigen::VectorXd& p, Eigen::MatrixXd& jac) const {
        const UslFit u = unpack(p);
        for (Eigen::Index i = 0; i < n.size(); ++i) {
            const double ni = n[i];
            const double den = 1.0 + u.sigma * (ni - 1.0) + u.kappa * ni * (ni - 1.0);
            Eigen::Index col = 0;
            jac(i, col++) = ni / den;
            const double xi = u.lambda * ni / den;
            if (free_sigma) jac(i, col++) = -xi / den * (ni - 1.0);
            if (free_kappa) jac(i, col++) = -xi / den * ni * (ni - 1.0);
        }
        return 0;
    }
};

double sse(const Eigen::VectorXd& n, const Eigen::VectorXd& x, const UslFit& f) {
    double s = 0.0;
    for (Eigen::Index i = 0; i < n.size(); ++i) {
        const double r = usl_value(f.lambda, f.sigma, f.kappa, n[i]) - x[i];
        s += r * r;
    }
    return s;
}

// Weighted linear least squares of N/X = (1 + sigma (N-1) + kappa N (N-1)) / lambda over the
// free parameters: weights X^2/N make its residuals comparable with throughput residuals.
UslFit linear_start(const Eigen::VectorXd& n, const Eigen::VectorXd& x, bool free_sigma, bool free_kappa) {
    const Eigen::Index m = n.size();
    const int cols = 1 + free_sigma + free_kappa;
    Eigen::MatrixXd a(m, cols);
    Eigen::VectorXd y(m);
    for (Eigen::Index i = 0; i < m; ++i) {
        const double sw = x[i] / std::sqrt(n[i]);
        int col = 0;
        a(i, col++) = sw;
        if (free_sigma) a(i, col++) = sw * (n[i] - 1.0);
        if (free_kappa) a(i, col++) = sw * n[i] * (n[i] - 1.0);
        y[i] = sw * n[i] / x[i];
    }
    const Eigen::VectorXd coef = a.colPivHouseholderQr().solve(y);
    UslFit f;
    const double inv_lambda = coef[0] > 0.0 ? coef[0] : (n.array() / x.array()).minCoeff();
    f.lambda = 1.0 / inv_lambda;
    f.sigma = free_sigma ? std::max(0.0, coef[1] / inv_lambda) : 0.0;
    f.kappa = free_kappa ? std::max(0.0, coef[free_sigma ? 2 : 1] / inv_lambda) : 0.0;
    return f;
}

// Levenberg-Marquardt (Eigen) on one active set; nullopt-like flag when a free bound is violated.
bool fit_active_set(const Eigen::VectorXd& n, const Eigen::VectorXd& x, bool free_sigma, bool free_kappa,
                    UslFit& out) {
    const UslFit start = linear_start(n, x, free_sigma, free_kappa);
    UslResiduals f{n, x, free_sigma, free_kappa};
    Eigen::VectorXd p(f.inputs());
    Eigen::Index col = 0;
    p[col++] = start.lambda;
    if (free_sigma) p[col++] = start.sigma;
    if (free_kappa) p[col++] = start.kappa;
    Eigen::LevenbergMarquardt<UslResiduals> lm(f);
    lm.parameters.xtol = 1e-15;
    lm.parameters.ftol = 1e-15;
    lm.parameters.maxfev = 4000;
    lm.minimize(p);
    UslFit fit = f.unpack(p);
    if (!(fit.lambda > 0.0) || fit.sigma < 0.0 || fit.kappa < 0.0 || !std::isfinite(fit.kappa)) return false;
    out = fit;
    return true;
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

    // Bound constraints by active sets: fit with both coefficients free, then with sigma,
    // kappa or both pinned at 0; the best fit that respects the bounds wins. With two
    // bounds that enumeration is exhaustive, so the constrained optimum is among them.
    UslFit best;
    double best_sse = std::numeric_limits<double>::infinity();
    for (int mask = 0; mask < 4; ++mask) {
        UslFit fit;
        if (!fit_active_set(concurrency, throughput, (mask & 1) == 0, (mask & 2) == 0, fit)) continue;
        const double s = sse(concurrency, throughput, fit);
        if (s < best_sse) {
            best_sse = s;
            best = fit;
        }
    }
    const double mean = throughput.mean();
    const double sst = (throughput.array() - mean).square().sum();
    best.r_squared = sst > 0.0 ? 1.0 - best_sse / sst : 1.0;
    best.rmse = std::sqrt(best_sse / static_cast<double>(m));
    return best;
}

}  // namespace scalemodel::queueing
