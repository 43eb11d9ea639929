#include "binding.hpp"
#include "scalemodel/core/fit.hpp"
#include "scalemodel/core/stats.hpp"

namespace scalemodel::bindings {

void register_stats(py::module_& m) {
    m.def(
        "t_interval",
        [](const f64_array& values, double level) {
            const Interval iv = t_interval(values.data(), static_cast<std::size_t>(values.size()), level);
            return py::make_tuple(iv.mean, iv.low, iv.high, iv.half_width);
        },
        py::arg("values"), py::arg("level"),
        "Mean and two-sided Student-t interval (mean, low, high, half_width) of independent observations.");
    m.def(
        "t_interval_from_summary",
        [](double mean, double sd, std::int64_t n, double level) {
            const Interval i = t_interval(mean, sd, n, level);
            return std::make_pair(i.low, i.high);
        },
        py::arg("mean"), py::arg("sd"), py::arg("n"), py::arg("level"),
        "Two-sided Student-t interval (low, high) from a mean, sample standard deviation and count.");
    def_vectorized(m, "gamma_shape_mle", &gamma_shape_mle, py::arg("s"),
                   "Maximum-likelihood gamma shape: the root k of log k - digamma(k) = s (s > 0).");
    def_vectorized(m, "chi_squared_sf", &chi_squared_sf, py::arg("x"), py::arg("dof"),
                   "P(X > x) for a chi-squared variable with dof degrees of freedom.");
    m.def(
        "fit_poisson_hmm2",
        [](const f64_array& counts, double high, double low, std::int64_t max_iter) {
            const PoissonHmm2 h = without_gil([&] {
                return fit_poisson_hmm2(counts.data(), static_cast<std::size_t>(counts.size()), high, low, max_iter);
            });
            return py::make_tuple(py::make_tuple(h.mean[0], h.mean[1]), py::make_tuple(h.stay[0], h.stay[1]),
                                  h.iterations);
        },
        py::arg("counts"), py::arg("high"), py::arg("low"), py::arg("max_iter"),
        "Baum-Welch fit of a two-state Poisson hidden Markov chain to counts per window, from the state means "
        "high and low: ((mean0, mean1), (stay0, stay1), iterations).");
    def_vectorized(m, "kolmogorov_sf", &kolmogorov_sf, py::arg("k"),
                   "P(K > k) for Kolmogorov's limiting distribution (K = sqrt(n) D_n).");
}

}  // namespace scalemodel::bindings
