// Special functions the calibration fits need (python/scalemodel/calibrate.py): the
// maximum-likelihood gamma shape, the tail probabilities of the goodness-of-fit and
// dispersion tests, and the Baum-Welch iterations of the MMPP fit. The other fits are
// closed forms or short iterations in NumPy.
#pragma once

#include <cstddef>
#include <cstdint>

namespace scalemodel {

// The maximum-likelihood shape k of a gamma sample: the root of log k - digamma(k) = s,
// where s = log(mean x) - mean(log x) > 0 (Newton's method with the trigamma function,
// started from Minka's approximation; relative accuracy about 1e-12).
double gamma_shape_mle(double s);

// P(X > x) for X chi-squared with `dof` degrees of freedom (the regularized upper
// incomplete gamma Q(dof / 2, x / 2)).
double chi_squared_sf(double x, double dof);

// P(K > k) for Kolmogorov's limiting distribution, K = sqrt(n) D_n:
// 2 sum_{j >= 1} (-1)^(j-1) exp(-2 j^2 k^2) (1 for k <= 0).
double kolmogorov_sf(double k);

// A two-state hidden Markov chain whose states emit Poisson counts per window (an MMPP
// seen through windows): the mean count and the probability of staying, per state.
struct PoissonHmm2 {
    double mean[2];
    double stay[2];
    std::int64_t iterations;
};

// Baum-Welch for PoissonHmm2 on counts[0..n), started from the state means `high` and
// `low`, staying probability 0.9 and an even start: scaled forward-backward passes (the
// backward pass folds the re-estimation in, so memory is 3 doubles per window). Stops
// when the log-likelihood gains less than 1e-9 of itself, or after max_iter iterations;
// checks for cancellation (Ctrl-C) every iteration.
PoissonHmm2 fit_poisson_hmm2(const double* counts, std::size_t n, double high, double low, std::int64_t max_iter);

}  // namespace scalemodel
