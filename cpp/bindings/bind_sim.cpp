#include <string>
#include <vector>

#include "binding.hpp"
#include "scalemodel/core/check.hpp"
#include "scalemodel/core/run_spec.hpp"
#include "scalemodel/core/histogram.hpp"
#include "scalemodel/core/stats.hpp"
#include "scalemodel/sim/stations.hpp"

namespace scalemodel::bindings {

namespace {

namespace s = scalemodel::sim;

using u64_array = py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast>;

}  // namespace

void register_sim(py::module_& m) {
    m.attr("HISTOGRAM_RELATIVE_ERROR") = LogHistogram::kRelativeError;
    m.attr("MAX_QUEUED") = s::kMaxQueued;

    bind_config<s::Outage>(m, "Outage", "Servers of one backend failing at at_s until until_s (servers 0: all).");
    m.attr("POLICIES") = enum_names<s::Policy>();
    bind_config<s::StationsConfig>(m, "StationsConfig", "A station or a balancer in front of backends.");

    def_simulation(m, "simulate_stations", &s::simulate_stations, [](const s::StationsResult& r) {
        py::dict out;
        out["metrics"] = named(s::metric_names(), r.metrics);
        out["backends"] = named(s::backend_names(), r.backends);
        out["servers"] = named(s::server_names(), r.servers);
        py::dict h;
        h["wait"] = to_array(r.wait.counts());
        h["response"] = to_array(r.response.counts());
        h["response_before"] = to_array(r.response_before.counts());
        h["response_after"] = to_array(r.response_after.counts());
        out["histograms"] = h;
        return out;
    });

    m.def(
        "histogram_quantile",
        [](const u64_array& counts, const f64_array& q) {
            if (counts.size() != LogHistogram::kBuckets)
                throw std::invalid_argument("counts must come from a simulation histogram");
            for (py::ssize_t i = 0; i < q.size(); ++i) check_probability("q", q.data()[i]);
            std::uint64_t total = 0;
            for (py::ssize_t i = 0; i < counts.size(); ++i) total += counts.data()[i];
            py::array_t<double> out(q.size());
            for (py::ssize_t i = 0; i < q.size(); ++i)
                out.mutable_data()[i] = LogHistogram::quantile_of(counts.data(), total, q.data()[i]);
            return out;
        },
        py::arg("counts"), py::arg("q"));

    m.def(
        "histogram_edges",
        []() {
            py::array_t<double> out(LogHistogram::kBuckets);
            for (int b = 0; b < LogHistogram::kBuckets; ++b) out.mutable_data()[b] = LogHistogram::representative(b);
            return out;
        });
}

}  // namespace scalemodel::bindings
