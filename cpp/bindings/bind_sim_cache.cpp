#include <cstring>
#include <string>

#include "binding.hpp"
#include "scalemodel/core/check.hpp"
#include "scalemodel/core/run_spec.hpp"
#include "scalemodel/sim/cache.hpp"

namespace scalemodel::bindings {

namespace {

namespace s = scalemodel::sim;

}  // namespace

void register_sim_cache(py::module_& m) {
    m.attr("MAX_CATALOGUE") = s::kMaxCatalogue;
    m.attr("CACHE_POLICIES") = s::cache_policy_names();
    m.attr("SIZE_KINDS") = s::size_kind_names();

    py::class_<s::SizeSpec>(m, "SizeSpec", "Item sizes in bytes: a kind by name and its two parameters.")
        .def(py::init<>())
        .def_property(
            "kind", [](const s::SizeSpec& z) { return s::size_kind_name(z.kind); },
            [](s::SizeSpec& z, const std::string& name) { z.kind = s::parse_size_kind(name); })
        .def_readwrite("a", &s::SizeSpec::a)
        .def_readwrite("b", &s::SizeSpec::b);

    py::class_<s::CacheConfig>(m, "CacheConfig", "A cache in front of a backing store, fed Zipf requests or a trace.")
        .def(py::init<>())
        .def_property(
            "policy", [](const s::CacheConfig& c) { return s::cache_policy_name(c.policy); },
            [](s::CacheConfig& c, const std::string& name) { c.policy = s::parse_cache_policy(name); })
        .def_readwrite("capacity", &s::CacheConfig::capacity_items)
        .def_readwrite("capacity_bytes", &s::CacheConfig::capacity_bytes)
        .def_readwrite("catalogue_size", &s::CacheConfig::catalogue_size)
        .def_readwrite("zipf_alpha", &s::CacheConfig::zipf_alpha)
        .def_readwrite("churn_interval", &s::CacheConfig::churn_interval)
        .def_readwrite("churn_shift", &s::CacheConfig::churn_shift)
        .def_property(
            "trace", [](const s::CacheConfig& c) { return to_array(c.trace); },
            [](s::CacheConfig& c, const i64_array& ids) {
                c.trace.resize(static_cast<std::size_t>(ids.size()));
                if (ids.size() > 0) std::memcpy(c.trace.data(), ids.data(), c.trace.size() * sizeof(std::int64_t));
            })
        .def_readwrite("requests", &s::CacheConfig::requests)
        .def_readwrite("warmup", &s::CacheConfig::warmup)
        .def_readwrite("ttl_s", &s::CacheConfig::ttl_s)
        .def_readwrite("request_rate", &s::CacheConfig::request_rate)
        .def_readwrite("hit_latency_s", &s::CacheConfig::hit_latency_s)
        .def_readwrite("miss_latency_s", &s::CacheConfig::miss_latency_s)
        .def_readwrite("latency_quantile", &s::CacheConfig::latency_quantile)
        .def_readwrite("sizes", &s::CacheConfig::sizes);

    m.def(
        "simulate_cache",
        [](const s::CacheConfig& config, const RunSpec& run) {
            s::CacheResult r;
            {
                py::gil_scoped_release release;
                r = s::simulate_cache(config, run);
            }
            return named(s::cache_metric_names(), r.metrics);
        },
        py::arg("config"), py::arg("run"));

    m.def(
        "zipf_requests",
        [](std::int64_t catalogue_size, double zipf_alpha, std::int64_t count, std::int64_t churn_interval,
           std::int64_t churn_shift, std::uint64_t seed, std::uint64_t replication) {
            check_count("count", count, 0, std::int64_t{1} << 40);
            s::RequestStream stream(catalogue_size, zipf_alpha, churn_interval, churn_shift, seed, replication);
            py::array_t<std::int64_t> out(static_cast<py::ssize_t>(count));
            std::int64_t* o = out.mutable_data();
            py::gil_scoped_release release;
            for (std::int64_t j = 0; j < count; ++j) o[j] = stream.next();
            return out;
        },
        py::arg("catalogue_size"), py::arg("zipf_alpha"), py::arg("count"), py::arg("churn_interval"),
        py::arg("churn_shift"), py::arg("seed"), py::arg("replication"));

    m.def(
        "item_sizes",
        [](const s::SizeSpec& sizes, std::uint64_t seed, const i64_array& items) {
            s::validate(sizes);
            return map_elements<double>([&](std::int64_t item) { return s::item_size(sizes, seed, item); }, items);
        },
        py::arg("sizes"), py::arg("seed"), py::arg("items"));
}

}  // namespace scalemodel::bindings
