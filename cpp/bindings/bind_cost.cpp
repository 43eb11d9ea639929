#include <utility>
#include <vector>

#include "binding.hpp"
#include "scalemodel/cost/estimate.hpp"

namespace scalemodel::bindings {

namespace {

namespace c = scalemodel::cost;

}  // namespace

void register_cost(py::module_& m) {
    def_vectorized(m, "estimate_traffic", &c::estimate_traffic,
                   py::arg("daily_active_users"), py::arg("requests_per_user_per_day"), py::arg("write_fraction"),
                   py::arg("peak_to_average"));
    def_vectorized(m, "stored_bytes", &c::stored_bytes,
                   py::arg("bytes_per_day"), py::arg("years"), py::arg("replication"), py::arg("yearly_growth"));
    def_vectorized(m, "shard_count", &c::shard_count,
                   py::arg("write_qps"), py::arg("storage_bytes"), py::arg("max_write_qps_per_shard"),
                   py::arg("max_bytes_per_shard"), py::arg("fill"));
    def_vectorized(m, "expected_shards_touched", &c::expected_shards_touched, py::arg("shards"), py::arg("fanout"));
    def_vectorized(m, "cache_nodes", &c::cache_nodes,
                   py::arg("working_set_bytes"), py::arg("qps"), py::arg("node_bytes"), py::arg("node_qps"),
                   py::arg("fill"));
    def_vectorized(m, "tls_offload_savings", &c::tls_offload_savings,
                   py::arg("servers"), py::arg("tls_cpu_fraction"), py::arg("usd_per_server_month"));
    def_vectorized(m, "cache_effect", &c::cache_effect,
                   py::arg("qps"), py::arg("hit_ratio"), py::arg("hit_time_s"), py::arg("store_time_s"),
                   py::arg("capacity_s_per_s"));
    def_vectorized(m, "cdn_vs_origin", &c::cdn_vs_origin,
                   py::arg("bytes_per_month"), py::arg("origin_usd_per_gb"), py::arg("cdn_usd_per_gb"),
                   py::arg("cdn_hit_ratio"));
    m.def(
        "topic_sizing",
        [](double rate, double consumer_rate, double partition_rate, std::int64_t partitions, std::int64_t consumers) {
            return as_dict(c::topic_sizing(rate, consumer_rate, partition_rate, partitions, consumers));
        },
        py::arg("message_rate"), py::arg("consumer_rate"), py::arg("partition_rate"), py::arg("partitions"),
        py::arg("consumers"));
}

}  // namespace scalemodel::bindings
