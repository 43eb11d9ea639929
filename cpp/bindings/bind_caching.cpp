#include <string>
#include <vector>

#include "binding.hpp"
#include "scalemodel/caching/che.hpp"
#include "scalemodel/caching/popularity.hpp"
#include "scalemodel/caching/staleness.hpp"
#include "scalemodel/caching/write_policy.hpp"
#include "scalemodel/core/zipf_sum.hpp"

namespace scalemodel::bindings {

namespace {

namespace c = scalemodel::caching;

}  // namespace

void register_caching(py::module_& m) {
    m.attr("CHE_POLICIES") = enum_names<c::ChePolicy>();
    m.attr("WRITE_POLICIES") = enum_names<c::WritePolicy>();
    m.attr("MAX_CATALOGUE") = c::kMaxCatalogue;

    m.def(
        "che_approximation",
        [](const f64_array& alpha, const i64_array& n, const f64_array& capacity, const std::string& policy) {
            const c::ChePolicy p = parse_enum<c::ChePolicy>(policy);
            const py::ssize_t size = common_size({alpha.size(), n.size(), capacity.size()});
            py::array_t<double> t(size), hit(size);
            const double *a = alpha.data(), *cap = capacity.data();
            const std::int64_t* nn = n.data();
            double *to = t.mutable_data(), *ho = hit.mutable_data();
            for_each_element(size, [&](py::ssize_t i) {
                const c::CheResult r = c::che_approximation(a[i], nn[i], cap[i], p);
                to[i] = r.characteristic_time;
                ho[i] = r.hit_ratio;
            });
            return py::make_tuple(t, hit);
        },
        py::arg("zipf_alpha"), py::arg("catalogue_size"), py::arg("capacity"), py::arg("policy"));

    def_vectorized(m, "ttl_hit_ratio", &c::ttl_hit_ratio,
                   py::arg("zipf_alpha"), py::arg("catalogue_size"), py::arg("ttl_s"), py::arg("request_rate"));

    def_vectorized(m, "top_share", &c::top_share,
                   py::arg("zipf_alpha"), py::arg("catalogue_size"), py::arg("fraction"));

    def_vectorized(m, "items_for_share", &c::items_for_share,
                   py::arg("zipf_alpha"), py::arg("catalogue_size"), py::arg("share"));

    def_vectorized(m, "zipf_alpha_for_share", &c::zipf_alpha_for_share,
                   py::arg("catalogue_size"), py::arg("fraction"), py::arg("share"));

    m.def(
        "zipf_partial_sum",
        [](std::int64_t first, std::int64_t last, double alpha) { return zipf_partial_sum(first, last, alpha); },
        py::arg("first"), py::arg("last"), py::arg("zipf_alpha"));

    m.def(
        "write_policy_load",
        [](const std::string& policy, const f64_array& read_rate, const f64_array& write_rate,
           const f64_array& hit_ratio, const f64_array& cache_latency, const f64_array& db_read_latency,
           const f64_array& db_write_latency, double quantile) {
            const c::WritePolicy p = parse_enum<c::WritePolicy>(policy);
            return map_structs(
                [&](double r, double w, double h, double cl, double dr, double dw) {
                    return c::write_policy_load(p, r, w, h, cl, dr, dw, quantile);
                },
                read_rate, write_rate, hit_ratio, cache_latency, db_read_latency, db_write_latency);
        },
        py::arg("policy"), py::arg("read_rate"), py::arg("write_rate"), py::arg("hit_ratio"),
        py::arg("cache_latency_s"), py::arg("db_read_latency_s"), py::arg("db_write_latency_s"), py::arg("quantile"));

    m.def(
        "cdn_staleness",
        [](const f64_array& ttl, const f64_array& lo, const f64_array& hi) {
            const py::ssize_t size = common_size({ttl.size(), lo.size(), hi.size()});
            py::array_t<double> worst(size), mean(size);
            const double *t = ttl.data(), *a = lo.data(), *b = hi.data();
            double *wo = worst.mutable_data(), *mo = mean.mutable_data();
            for_each_element(size, [&](py::ssize_t i) {
                const c::Staleness st = c::cdn_staleness(t[i], a[i], b[i]);
                wo[i] = st.worst_s;
                mo[i] = st.mean_s;
            });
            return py::make_tuple(worst, mean);
        },
        py::arg("ttl_s"), py::arg("invalidation_min_s"), py::arg("invalidation_max_s"));
}

}  // namespace scalemodel::bindings
