#include <string>
#include <utility>

#include <pybind11/eigen.h>

#include "binding.hpp"
#include "scalemodel/queueing/erlang.hpp"
#include "scalemodel/queueing/ggc.hpp"
#include "scalemodel/queueing/inverse.hpp"
#include "scalemodel/queueing/mmc.hpp"
#include "scalemodel/queueing/mmck.hpp"
#include "scalemodel/queueing/network.hpp"
#include "scalemodel/queueing/retry_queue.hpp"
#include "scalemodel/queueing/usl.hpp"

namespace scalemodel::bindings {

namespace {

namespace q = scalemodel::queueing;

// Evaluates make(i).metrics() for every element into one array per field.
template <class Make>
py::dict metrics_arrays(py::ssize_t n, Make make) {
    return struct_arrays<q::QueueMetrics>(n, [&](py::ssize_t i) { return make(i).metrics(); });
}

// Wait or response quantiles q[i] of make(i).
template <class Make>
py::array_t<double> quantile_array(py::ssize_t n, Make make, const f64_array& q, const std::string& which) {
    if (which != "wait" && which != "response") throw std::invalid_argument("which must be 'wait' or 'response'");
    const bool wait = which == "wait";
    common_size({n, q.size()});
    py::array_t<double> out(n);
    double* o = out.mutable_data();
    const double* qq = q.data();
    for_each_element(n, [&](py::ssize_t i) {
        const auto model = make(i);
        o[i] = wait ? model.wait_quantile(qq[i]) : model.response_quantile(qq[i]);
    });
    return out;
}

// Targets for element i; NaN marks an absent target.
struct TargetArrays {
    const double *response_time, *quantile, *mean_response, *prob_wait, *utilization;
    const double* wait_time = nullptr;  // with service_level; absent in the M/M/c entry points
    const double* service_level = nullptr;
    q::Targets at(py::ssize_t i) const {
        q::Targets t;
        t.response_time = response_time[i];
        t.quantile = quantile[i];
        t.mean_response = mean_response[i];
        t.prob_wait = prob_wait[i];
        t.utilization = utilization[i];
        if (wait_time != nullptr) {
            t.wait_time = wait_time[i];
            t.service_level = service_level[i];
        }
        return t;
    }
};

// The seven target arrays stacked as rows of one (7, n) array, in TargetArrays' order:
// keeps the G/G/c inverses within eight parameters.
TargetArrays target_rows(const f64_array& targets, py::ssize_t n) {
    if (targets.ndim() != 2 || targets.shape(0) != 7 || targets.shape(1) != n) {
        throw std::invalid_argument("targets must be a (7, n) array: response_time, quantile, mean_response, "
                                    "prob_wait, utilization, wait_time, service_level");
    }
    const double* t = targets.data();
    return TargetArrays{t, t + n, t + 2 * n, t + 3 * n, t + 4 * n, t + 5 * n, t + 6 * n};
}

}  // namespace

void register_queueing(py::module_& m) {
    def_vectorized(m, "erlang_b", &q::erlang_b, py::arg("servers"), py::arg("offered_load"));
    def_vectorized(m, "erlang_c", &q::erlang_c, py::arg("servers"), py::arg("offered_load"));

    m.def("mmc", [](const f64_array& lam, const f64_array& mu, const i64_array& c) {
        const py::ssize_t n = common_size({lam.size(), mu.size(), c.size()});
        const double *l = lam.data(), *s = mu.data();
        const std::int64_t* k = c.data();
        return metrics_arrays(n, [=](py::ssize_t i) { return q::MMc(l[i], s[i], k[i]); });
    }, py::arg("arrival_rate"), py::arg("service_rate"), py::arg("servers"));
    m.def("mmc_quantile", [](const f64_array& lam, const f64_array& mu, const i64_array& c,
                             const f64_array& qs, const std::string& which) {
        const py::ssize_t n = common_size({lam.size(), mu.size(), c.size()});
        const double *l = lam.data(), *s = mu.data();
        const std::int64_t* k = c.data();
        return quantile_array(n, [=](py::ssize_t i) { return q::MMc(l[i], s[i], k[i]); }, qs, which);
    }, py::arg("arrival_rate"), py::arg("service_rate"), py::arg("servers"), py::arg("q"), py::arg("which"));

    m.def("mmck", [](const f64_array& lam, const f64_array& mu, const i64_array& c, const i64_array& cap) {
        const py::ssize_t n = common_size({lam.size(), mu.size(), c.size(), cap.size()});
        const double *l = lam.data(), *s = mu.data();
        const std::int64_t *k = c.data(), *K = cap.data();
        return metrics_arrays(n, [=](py::ssize_t i) { return q::MMcK(l[i], s[i], k[i], K[i]); });
    }, py::arg("arrival_rate"), py::arg("service_rate"), py::arg("servers"), py::arg("capacity"));
    m.def("mmck_quantile", [](const f64_array& lam, const f64_array& mu, const i64_array& c,
                              const i64_array& cap, const f64_array& qs, const std::string& which) {
        const py::ssize_t n = common_size({lam.size(), mu.size(), c.size(), cap.size()});
        const double *l = lam.data(), *s = mu.data();
        const std::int64_t *k = c.data(), *K = cap.data();
        return quantile_array(n, [=](py::ssize_t i) { return q::MMcK(l[i], s[i], k[i], K[i]); }, qs, which);
    }, py::arg("arrival_rate"), py::arg("service_rate"), py::arg("servers"), py::arg("capacity"), py::arg("q"), py::arg("which"));

    m.def("ggc", [](const f64_array& lam, const f64_array& es, const i64_array& c, const f64_array& ca2,
                    const f64_array& cs2) {
        const py::ssize_t n = common_size({lam.size(), es.size(), c.size(), ca2.size(), cs2.size()});
        const double *l = lam.data(), *s = es.data(), *va = ca2.data(), *vs = cs2.data();
        const std::int64_t* k = c.data();
        return metrics_arrays(n, [=](py::ssize_t i) { return q::GGc(l[i], s[i], k[i], va[i], vs[i]); });
    }, py::arg("arrival_rate"), py::arg("mean_service"), py::arg("servers"), py::arg("arrival_scv"), py::arg("service_scv"));
    m.def("ggc_quantile", [](const f64_array& lam, const f64_array& es, const i64_array& c,
                             const f64_array& ca2, const f64_array& cs2, const f64_array& qs,
                             const std::string& which) {
        const py::ssize_t n = common_size({lam.size(), es.size(), c.size(), ca2.size(), cs2.size()});
        const double *l = lam.data(), *s = es.data(), *va = ca2.data(), *vs = cs2.data();
        const std::int64_t* k = c.data();
        return quantile_array(n, [=](py::ssize_t i) { return q::GGc(l[i], s[i], k[i], va[i], vs[i]); }, qs,
                              which);
    }, py::arg("arrival_rate"), py::arg("mean_service"), py::arg("servers"), py::arg("arrival_scv"), py::arg("service_scv"), py::arg("q"), py::arg("which"));

    m.def("min_servers", [](const f64_array& lam, const f64_array& mu, const f64_array& rt, const f64_array& qq,
                            const f64_array& mr, const f64_array& pw, const f64_array& u) {
        const py::ssize_t n = common_size({lam.size(), mu.size(), rt.size(), qq.size(), mr.size(), pw.size(), u.size()});
        const TargetArrays t{rt.data(), qq.data(), mr.data(), pw.data(), u.data()};
        py::array_t<std::int64_t> out(n);
        std::int64_t* o = out.mutable_data();
        const double *l = lam.data(), *s = mu.data();
        for_each_element(n, [&](py::ssize_t i) { o[i] = q::min_servers(l[i], s[i], t.at(i)); });
        return out;
    }, py::arg("arrival_rate"), py::arg("service_rate"), py::arg("response_time"), py::arg("quantile"), py::arg("mean_response"), py::arg("prob_wait"), py::arg("utilization"));
    m.def("max_arrival_rate", [](const f64_array& mu, const i64_array& c, const f64_array& rt, const f64_array& qq,
                                 const f64_array& mr, const f64_array& pw, const f64_array& u) {
        const py::ssize_t n = common_size({mu.size(), c.size(), rt.size(), qq.size(), mr.size(), pw.size(), u.size()});
        const TargetArrays t{rt.data(), qq.data(), mr.data(), pw.data(), u.data()};
        py::array_t<double> out(n);
        double* o = out.mutable_data();
        const double* s = mu.data();
        const std::int64_t* k = c.data();
        for_each_element(n, [&](py::ssize_t i) { o[i] = q::max_arrival_rate(s[i], k[i], t.at(i)); });
        return out;
    }, py::arg("service_rate"), py::arg("servers"), py::arg("response_time"), py::arg("quantile"), py::arg("mean_response"), py::arg("prob_wait"), py::arg("utilization"));

    m.def("ggc_min_servers", [](const f64_array& lam, const f64_array& es, const f64_array& ca2, const f64_array& cs2,
                                const f64_array& targets) {
        const py::ssize_t n = common_size({lam.size(), es.size(), ca2.size(), cs2.size()});
        const TargetArrays t = target_rows(targets, n);
        py::array_t<std::int64_t> out(n);
        std::int64_t* o = out.mutable_data();
        const double *l = lam.data(), *s = es.data(), *va = ca2.data(), *vs = cs2.data();
        for_each_element(n, [&](py::ssize_t i) { o[i] = q::min_servers(l[i], q::GGcShape{s[i], va[i], vs[i]}, t.at(i)); });
        return out;
    }, py::arg("arrival_rate"), py::arg("mean_service"), py::arg("arrival_scv"), py::arg("service_scv"), py::arg("targets"));
    m.def("ggc_max_arrival_rate", [](const f64_array& es, const i64_array& c, const f64_array& ca2, const f64_array& cs2,
                                     const f64_array& targets) {
        const py::ssize_t n = common_size({es.size(), c.size(), ca2.size(), cs2.size()});
        const TargetArrays t = target_rows(targets, n);
        py::array_t<double> out(n);
        double* o = out.mutable_data();
        const double *s = es.data(), *va = ca2.data(), *vs = cs2.data();
        const std::int64_t* k = c.data();
        for_each_element(n, [&](py::ssize_t i) { o[i] = q::max_arrival_rate(q::GGcShape{s[i], va[i], vs[i]}, k[i], t.at(i)); });
        return out;
    }, py::arg("mean_service"), py::arg("servers"), py::arg("arrival_scv"), py::arg("service_scv"), py::arg("targets"));

    m.def(
        "jackson",
        [](const Eigen::VectorXd& gamma, const Eigen::MatrixXd& routing, const Eigen::VectorXd& mu,
           const std::vector<std::int64_t>& servers) {
            q::JacksonResult r;
            {
                py::gil_scoped_release release;
                r = q::jackson(gamma, routing, mu, servers);
            }
            py::dict out = as_dict(r);
            out["stations"] = struct_arrays<q::QueueMetrics>(
                static_cast<py::ssize_t>(r.stations.size()),
                [&](py::ssize_t i) { return r.stations[static_cast<std::size_t>(i)]; });
            return out;
        },
        py::arg("external_arrivals"), py::arg("routing"), py::arg("service_rates"), py::arg("servers"));

    m.def(
        "mva",
        [](const Eigen::VectorXd& demands, const std::vector<bool>& delay, std::int64_t population,
           double think_time) {
            q::MvaResult r;
            {
                py::gil_scoped_release release;
                r = q::mva(demands, delay, population, think_time);
            }
            return as_dict(r);
        },
        py::arg("demands"), py::arg("delay"), py::arg("population"), py::arg("think_time"));

    m.def(
        "usl_fit",
        [](const Eigen::VectorXd& n, const Eigen::VectorXd& x) {
            q::UslFit f;
            {
                py::gil_scoped_release release;
                f = q::usl_fit(n, x);
            }
            return as_dict(f);
        },
        py::arg("concurrency"), py::arg("throughput"));
    def_vectorized(m, "usl_throughput", &q::usl_throughput,
                   py::arg("lambda_"), py::arg("sigma"), py::arg("kappa"), py::arg("concurrency"));
    m.def("usl_peak_concurrency", &q::usl_peak_concurrency, py::arg("sigma"), py::arg("kappa"));

    bind_config<q::RetryQueueConfig>(m, "RetryQueueConfig", "One queue whose clients time out and retry (a CTMC).");
    py::class_<q::RetryQueue>(m, "RetryQueue", "The solved chain of a RetryQueueConfig.")
        .def(py::init([](const q::RetryQueueConfig& c) { return without_gil([&] { return q::RetryQueue(c); }); }),
             py::arg("config"))
        .def_property_readonly("metrics", [](const q::RetryQueue& r) { return as_dict(r.metrics()); })
        .def_property_readonly("stationary", [](const q::RetryQueue& r) {
            const auto& x = r.metrics();
            py::array_t<double> out({x.queue_limit + 1, x.orbit_limit + 1});
            std::copy(r.stationary().data(), r.stationary().data() + r.stationary().size(), out.mutable_data());
            return out;
        })
        .def_property_readonly("queue_distribution", [](const q::RetryQueue& r) { return to_array(r.queue_distribution()); })
        .def_property_readonly("orbit_distribution", [](const q::RetryQueue& r) { return to_array(r.orbit_distribution()); })
        .def_property_readonly("timeout_probability", [](const q::RetryQueue& r) { return to_array(r.timeout_probability()); })
        .def_property_readonly("overload_queue", &q::RetryQueue::overload_queue)
        .def_property_readonly("normal_queue", &q::RetryQueue::normal_queue)
        .def("generator", [](const q::RetryQueue& r) {
            // CSR parts (data, indices, indptr) of the generator.
            const auto& g = r.generator();
            const auto nnz = static_cast<py::ssize_t>(g.nonZeros());
            py::array_t<double> data(nnz);
            py::array_t<std::int64_t> indices(nnz), indptr(g.outerSize() + 1);
            std::copy(g.valuePtr(), g.valuePtr() + nnz, data.mutable_data());
            std::copy(g.innerIndexPtr(), g.innerIndexPtr() + nnz, indices.mutable_data());
            std::copy(g.outerIndexPtr(), g.outerIndexPtr() + g.outerSize() + 1, indptr.mutable_data());
            return py::make_tuple(data, indices, indptr);
        })
        .def("escape_time", &q::RetryQueue::escape_time, py::arg("from_queue"), py::arg("to_queue"),
             py::call_guard<py::gil_scoped_release>())
        .def("onset_time", &q::RetryQueue::onset_time, py::arg("from_queue"), py::arg("to_queue"),
             py::call_guard<py::gil_scoped_release>());
}

}  // namespace scalemodel::bindings
