#include "binding.hpp"
#include "scalemodel/sim/system.hpp"

namespace scalemodel::bindings {

namespace s = scalemodel::sim;

void register_sim_system(py::module_& m) {
    m.attr("MAX_WINDOWS") = s::kMaxWindows;
    m.attr("SCALE_METRICS") = enum_names<s::ScaleMetric>();
    bind_config<s::Autoscale>(m, "Autoscale", "Target tracking of a tier's size.");
    bind_config<s::Breaker>(m, "Breaker", "A circuit breaker in front of a tier.");
    bind_config<s::TierConfig>(m, "TierConfig", "A tier: pools of servers (one per shard) behind a balancer policy.");
    bind_config<s::RouteConfig>(m, "RouteConfig", "A hand-off from one tier to another after service.");
    bind_config<s::CallConfig>(m, "CallConfig", "A blocking (or asynchronous) call from one tier to another.");
    bind_config<s::TierOutage>(m, "TierOutage", "Servers of a tier (one shard or all) failing for an interval.");
    m.attr("JITTERS") = enum_names<s::Jitter>();
    bind_config<s::ClientConfig>(m, "ClientConfig", "Clients' timeouts, retries with backoff, retry budget and hedging.");
    bind_config<s::SystemConfig>(m, "SystemConfig", "Tiers, routes, calls and outages of a system, and its load.");

    def_simulation(m, "simulate_system", &s::simulate_system, [](const s::SystemResult& r) {
        py::dict out;
        out["metrics"] = named(s::system_metric_names(), r.metrics);
        py::dict tiers;
        const auto& names = s::tier_metric_names();
        for (std::size_t m = 0; m < names.size(); ++m) {
            const std::size_t nt = r.tiers[m].size(), R = static_cast<std::size_t>(r.replications);
            py::array_t<double> a({nt, R});
            auto v = a.mutable_unchecked<2>();
            for (std::size_t t = 0; t < nt; ++t)
                for (std::size_t k = 0; k < R; ++k) v(t, k) = r.tiers[m][t][k];
            tiers[names[m].c_str()] = a;
        }
        out["tiers"] = tiers;
        out["windows"] = named(s::window_metric_names(), r.windows);
        py::list servers;
        for (const auto& w : r.window_servers) servers.append(to_array(w));
        out["window_servers"] = servers;
        out["response"] = to_array(r.response.counts());
        py::list own;
        for (const auto& h : r.own) own.append(to_array(h.counts()));
        out["own"] = own;
        return out;
    });
}

}  // namespace scalemodel::bindings
