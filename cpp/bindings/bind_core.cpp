// The vocabulary every stochastic model shares: the one family of distributions, arrival
// processes and the run specification (seed, replications, threads). Engine configs hold these objects, so
// they cross the boundary typed, never as rows of numbers tagged by integers.
#include <utility>
#include <vector>

#include "binding.hpp"
#include "scalemodel/core/arrivals.hpp"
#include "scalemodel/core/distribution.hpp"
#include "scalemodel/core/run_spec.hpp"

namespace scalemodel::bindings {

void register_core(py::module_& m) {
    py::class_<Distribution>(m, "Distribution", "A validated distribution of durations in seconds.")
        .def_static("exponential", &Distribution::exponential, py::arg("mean"), py::arg("name") = "mean")
        .def_static("deterministic", &Distribution::deterministic, py::arg("value"), py::arg("name") = "value")
        .def_static("lognormal", &Distribution::lognormal, py::arg("mean"), py::arg("sigma"))
        .def_static("gamma", &Distribution::gamma, py::arg("mean"), py::arg("scv"))
        .def_static("weibull", &Distribution::weibull, py::arg("mean"), py::arg("shape"))
        .def_static("pareto", &Distribution::pareto, py::arg("mean"), py::arg("alpha"))
        .def_static("uniform", &Distribution::uniform, py::arg("low"), py::arg("high"))
        .def_static(
            "empirical",
            [](const f64_array& samples) {
                return Distribution::empirical(std::vector<double>(samples.data(), samples.data() + samples.size()));
            },
            py::arg("samples"))
        .def_static("mixture", &Distribution::mixture, py::arg("components"))
        .def_property_readonly("kind", [](const Distribution& d) { return enum_name(d.kind()); })
        .def_property_readonly("mean", &Distribution::mean)
        .def_property_readonly("scv", &Distribution::scv)
        .def("cdf", [](const Distribution& d, const f64_array& x) { return map_elements<double>([&](double v) { return d.cdf(v); }, x); },
             py::arg("x"))
        .def("quantile",
             [](const Distribution& d, const f64_array& q) {
                 return map_elements<double>([&](double v) { return d.quantile(v); }, q);
             },
             py::arg("q"))
        .def(
            "sample",
            [](const Distribution& d, std::int64_t size, std::uint64_t seed, std::uint64_t stream) {
                check_count("size", size, 0, 100000000);  // 800 MB at most
                py::array_t<double> out(size);
                double* o = out.mutable_data();
                py::gil_scoped_release release;
                Rng rng(seed, stream);
                for (std::int64_t i = 0; i < size; ++i) o[i] = d.sample(rng);
                return out;
            },
            py::arg("size"), py::arg("seed"), py::arg("stream") = 0,
            "size draws from Rng(seed, stream), the stream a simulator's replication `stream` would use.");

    py::class_<Arrivals>(m, "Arrivals", "An arrival process: Poisson, periodic, MMPP, a replay or a time-varying rate profile.")
        .def_static("poisson", &Arrivals::poisson, py::arg("rate"), py::arg("name") = "rate")
        .def_static("periodic", &Arrivals::periodic, py::arg("rate"), py::arg("name") = "rate")
        .def_static("mmpp", &Arrivals::mmpp, py::arg("rate_high"), py::arg("rate_low"), py::arg("mean_high_s"),
                    py::arg("mean_low_s"))
        .def_static(
            "replay",
            [](const f64_array& t) { return Arrivals::replay(std::vector<double>(t.data(), t.data() + t.size())); },
            py::arg("timestamps"))
        .def_static(
            "profile",
            [](const f64_array& times, const f64_array& rates, double period_s) {
                return Arrivals::profile(std::vector<double>(times.data(), times.data() + times.size()),
                                         std::vector<double>(rates.data(), rates.data() + rates.size()), period_s);
            },
            py::arg("times"), py::arg("rates"), py::arg("period_s") = 0.0)
        .def_property_readonly("mean_rate", &Arrivals::mean_rate)
        .def_property_readonly("count", [](const Arrivals& a) { return a.timestamps().size(); },
                               "Replayed timestamps (0 for a generated process).");

    py::class_<RunSpec>(m, "RunSpec", "Seed, replications and threads of a stochastic study.")
        .def(py::init([](std::uint64_t seed, std::int64_t replications, int threads) {
                 RunSpec r{seed, replications, threads};
                 r.validate();
                 return r;
             }),
             py::arg("seed"), py::arg("replications"), py::arg("threads"))
        .def_readonly("seed", &RunSpec::seed)
        .def_readonly("replications", &RunSpec::replications)
        .def_readonly("threads", &RunSpec::threads);
}

}  // namespace scalemodel::bindings
