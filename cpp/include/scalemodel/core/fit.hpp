// Special functions the calibration fits need (python/scalemodel/calibrate.py): the
// maximum-likelihood gamma shape and the tail probabilities of the goodness-of-fit and
// dispersion tests. The fits themselves are closed forms or short iterations in NumPy.
#pragma once

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

}  // namespace scalemodel
