// Gunther's Universal Scalability Law:
//     X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1)),
// with lambda the throughput of one unit, sigma the contention (serial) fraction and kappa
// the coherency (crosstalk) cost.
#pragma once

#include <Eigen/Dense>

#include "scalemodel/core/fields.hpp"

namespace scalemodel::queueing {

struct UslFit {
    double lambda = 0.0;     // throughput at concurrency 1, requests/s
    double sigma = 0.0;      // contention, >= 0
    double kappa = 0.0;      // coherency, >= 0
    double r_squared = 0.0;  // 1 - SSE / SST of the throughput
    double rmse = 0.0;       // root mean squared throughput residual, requests/s

    static auto fields() {
        using C = UslFit;
        return std::make_tuple(field("lambda_", &C::lambda), field("sigma", &C::sigma), field("kappa", &C::kappa),
                               field("r_squared", &C::r_squared), field("rmse", &C::rmse));
    }
};

double usl_throughput(double lambda, double sigma, double kappa, double concurrency);

// Concurrency of peak throughput, sqrt((1 - sigma) / kappa); +inf when kappa = 0 (no
// retrograde region) and 1 when sigma >= 1.
double usl_peak_concurrency(double sigma, double kappa);

// Least-squares fit in throughput space with sigma, kappa >= 0: for each active set of the
// bounds a weighted linear fit of N / X gives the start and Eigen's Levenberg-Marquardt
// refines it; the best feasible fit wins. Needs >= 3 points with
// at least 3 distinct concurrencies >= 1 and positive throughputs.
UslFit usl_fit(const Eigen::VectorXd& concurrency, const Eigen::VectorXd& throughput);

}  // namespace scalemodel::queueing
