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
    m.attr("CACHE_POLICIES") = enum_names<s::CachePolicy>();
    m.attr("SIZE_KINDS") = enum_names<s::SizeKind>();

    bind_config<s::SizeSpec>(m, "SizeSpec", "Item sizes in bytes: a kind by name and its two parameters.");
    bind_config<s::CacheConfig>(m, "CacheConfig", "A cache in front of a backing store, fed Zipf requests or a trace.");

    m.def(
        "simulate_cache",
        [](s::CacheConfig config, const RunSpec& run, const std::optional<i64_array>& trace) {
            if (trace) config.trace = Span<std::int64_t>(trace->data(), static_cast<std::size_t>(trace->size()));
            const auto r = without_gil([&] { return s::simulate_cache(config, run); });
            return named(s::cache_metric_names(), r.metrics);
        },
        py::arg("config"), py::arg("run"), py::arg("trace") = py::none(),
        "trace: item ids to replay, borrowed for the call (no copy when already int64).");

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
