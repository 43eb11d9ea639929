#include <string>
#include <vector>

#include "binding.hpp"
#include "scalemodel/core/check.hpp"
#include "scalemodel/core/run_spec.hpp"
#include "scalemodel/core/histogram.hpp"
#include "scalemodel/core/stats.hpp"
#include "scalemodel/sim/cluster.hpp"

namespace scalemodel::bindings {

namespace {

namespace s = scalemodel::sim;

using u64_array = py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast>;

}  // namespace

void register_sim(py::module_& m) {
    m.attr("HISTOGRAM_RELATIVE_ERROR") = LogHistogram::kRelativeError;
    m.attr("MAX_QUEUED") = s::kMaxQueued;

    py::class_<s::Outage>(m, "Outage")
        .def(py::init<>())
        .def_readwrite("backend", &s::Outage::backend)
        .def_readwrite("servers", &s::Outage::servers)
        .def_readwrite("start", &s::Outage::start)
        .def_readwrite("end", &s::Outage::end);

    m.attr("POLICIES") = s::policy_names();
    py::class_<s::ClusterConfig>(m, "ClusterConfig", "A station or a balancer in front of backends.")
        .def(py::init<>())
        .def_readwrite("servers", &s::ClusterConfig::servers)
        .def_readwrite("speed", &s::ClusterConfig::speed)
        .def_readwrite("weights", &s::ClusterConfig::weights)
        .def_property(
            "policy", [](const s::ClusterConfig& c) { return s::policy_name(c.policy); },
            [](s::ClusterConfig& c, const std::string& name) { c.policy = s::parse_policy(name); })
        .def_readwrite("d", &s::ClusterConfig::choices)
        .def_readwrite("clients", &s::ClusterConfig::clients)
        .def_readwrite("client_skew", &s::ClusterConfig::client_skew)
        .def_readwrite("overhead_s", &s::ClusterConfig::overhead)
        .def_readwrite("capacity", &s::ClusterConfig::capacity)
        .def_readwrite("timeout", &s::ClusterConfig::timeout)
        .def_readwrite("outages", &s::ClusterConfig::outages)
        .def_readwrite("arrivals", &s::ClusterConfig::arrivals)
        .def_readwrite("service", &s::ClusterConfig::service)
        .def_readwrite("customers", &s::ClusterConfig::customers)
        .def_readwrite("warmup", &s::ClusterConfig::warmup);

    m.def(
        "simulate",
        [](const s::ClusterConfig& config, const RunSpec& run) {
            s::ClusterResult r;
            {
                py::gil_scoped_release release;
                r = s::simulate_cluster(config, run);
            }
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
        },
        py::arg("config"), py::arg("run"));

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
