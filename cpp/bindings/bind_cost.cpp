#include <utility>
#include <vector>

#include "binding.hpp"
#include "scalemodel/cost/estimate.hpp"

namespace scalemodel::bindings {

namespace {

namespace c = scalemodel::cost;

// One float64 array per named field of the struct that make(i) returns.
template <class Struct, class Make>
py::dict struct_arrays(py::ssize_t n, Make make, std::initializer_list<std::pair<const char*, double Struct::*>> fields) {
    std::vector<py::array_t<double>> cols;
    std::vector<double*> ptr;
    for (std::size_t k = 0; k < fields.size(); ++k) {
        cols.emplace_back(n);
        ptr.push_back(cols.back().mutable_data());
    }
    for_each_element(n, [&](py::ssize_t i) {
        const Struct s = make(i);
        std::size_t k = 0;
        for (const auto& f : fields) ptr[k++][i] = s.*(f.second);
    });
    py::dict out;
    std::size_t k = 0;
    for (const auto& f : fields) out[f.first] = cols[k++];
    return out;
}

}  // namespace

void register_cost(py::module_& m) {
    m.def(
        "estimate_traffic",
        [](const f64_array& dau, const f64_array& rpu, const f64_array& wf, const f64_array& peak) {
            const py::ssize_t n = common_size({dau.size(), rpu.size(), wf.size(), peak.size()});
            const double *a = dau.data(), *b = rpu.data(), *w = wf.data(), *p = peak.data();
            return struct_arrays<c::Traffic>(
                n, [=](py::ssize_t i) { return c::estimate_traffic(a[i], b[i], w[i], p[i]); },
                {{"average_qps", &c::Traffic::average_qps},
                 {"peak_qps", &c::Traffic::peak_qps},
                 {"average_read_qps", &c::Traffic::average_read_qps},
                 {"average_write_qps", &c::Traffic::average_write_qps},
                 {"peak_read_qps", &c::Traffic::peak_read_qps},
                 {"peak_write_qps", &c::Traffic::peak_write_qps},
                 {"writes_per_day", &c::Traffic::writes_per_day}});
        },
        py::arg("daily_active_users"), py::arg("requests_per_user_per_day"), py::arg("write_fraction"),
        py::arg("peak_to_average"));
    m.def(
        "stored_bytes",
        [](const f64_array& bpd, const f64_array& years, const f64_array& rep, const f64_array& growth) {
            return map_elements<double>(c::stored_bytes, bpd, years, rep, growth);
        },
        py::arg("bytes_per_day"), py::arg("years"), py::arg("replication"), py::arg("yearly_growth"));
    m.def(
        "shard_count",
        [](const f64_array& wq, const f64_array& bytes, const f64_array& mq, const f64_array& mb, const f64_array& fill) {
            return map_elements<std::int64_t>(c::shard_count, wq, bytes, mq, mb, fill);
        },
        py::arg("write_qps"), py::arg("storage_bytes"), py::arg("max_write_qps_per_shard"),
        py::arg("max_bytes_per_shard"), py::arg("fill"));
    m.def(
        "expected_shards_touched",
        [](const f64_array& shards, const f64_array& fanout) {
            return map_elements<double>(c::expected_shards_touched, shards, fanout);
        },
        py::arg("shards"), py::arg("fanout"));
    m.def(
        "cache_nodes",
        [](const f64_array& ws, const f64_array& qps, const f64_array& nb, const f64_array& nq, const f64_array& fill) {
            return map_elements<std::int64_t>(c::cache_nodes, ws, qps, nb, nq, fill);
        },
        py::arg("working_set_bytes"), py::arg("qps"), py::arg("node_bytes"), py::arg("node_qps"), py::arg("fill"));
    m.def(
        "tls_offload_savings",
        [](const f64_array& servers, const f64_array& frac, const f64_array& price) {
            const py::ssize_t n = common_size({servers.size(), frac.size(), price.size()});
            const double *a = servers.data(), *b = frac.data(), *x = price.data();
            return struct_arrays<c::TlsSaving>(
                n, [=](py::ssize_t i) { return c::tls_offload_savings(a[i], b[i], x[i]); },
                {{"servers_saved", &c::TlsSaving::servers_saved}, {"usd_per_month", &c::TlsSaving::usd_per_month}});
        },
        py::arg("servers"), py::arg("tls_cpu_fraction"), py::arg("usd_per_server_month"));
    m.def(
        "cache_effect",
        [](const f64_array& qps, const f64_array& hit, const f64_array& ht, const f64_array& st, const f64_array& cap) {
            const py::ssize_t n = common_size({qps.size(), hit.size(), ht.size(), st.size(), cap.size()});
            const double *a = qps.data(), *b = hit.data(), *x = ht.data(), *y = st.data(), *z = cap.data();
            return struct_arrays<c::CacheEffect>(
                n, [=](py::ssize_t i) { return c::cache_effect(a[i], b[i], x[i], y[i], z[i]); },
                {{"work_without_cache_s_per_s", &c::CacheEffect::work_without_cache_s_per_s},
                 {"work_with_cache_s_per_s", &c::CacheEffect::work_with_cache_s_per_s},
                 {"store_utilization_without", &c::CacheEffect::store_utilization_without},
                 {"store_utilization_with", &c::CacheEffect::store_utilization_with},
                 {"headroom", &c::CacheEffect::headroom}});
        },
        py::arg("qps"), py::arg("hit_ratio"), py::arg("hit_time_s"), py::arg("store_time_s"),
        py::arg("capacity_s_per_s"));
    m.def(
        "cdn_vs_origin",
        [](const f64_array& bytes, const f64_array& origin, const f64_array& cdn, const f64_array& hit) {
            const py::ssize_t n = common_size({bytes.size(), origin.size(), cdn.size(), hit.size()});
            const double *a = bytes.data(), *b = origin.data(), *x = cdn.data(), *y = hit.data();
            return struct_arrays<c::CdnCost>(
                n, [=](py::ssize_t i) { return c::cdn_vs_origin(a[i], b[i], x[i], y[i]); },
                {{"origin_only_usd", &c::CdnCost::origin_only_usd},
                 {"with_cdn_usd", &c::CdnCost::with_cdn_usd},
                 {"origin_bytes_with_cdn", &c::CdnCost::origin_bytes_with_cdn}});
        },
        py::arg("bytes_per_month"), py::arg("origin_usd_per_gb"), py::arg("cdn_usd_per_gb"), py::arg("cdn_hit_ratio"));
    m.def(
        "topic_sizing",
        [](double rate, double consumer_rate, double partition_rate, std::int64_t partitions, std::int64_t consumers) {
            const c::TopicSizing s = c::topic_sizing(rate, consumer_rate, partition_rate, partitions, consumers);
            py::dict out;
            out["consumers_needed"] = s.consumers_needed;
            out["partitions_needed"] = s.partitions_needed;
            out["active_consumers"] = s.active_consumers;
            out["idle_consumers"] = s.idle_consumers;
            out["group_throughput"] = s.group_throughput;
            return out;
        },
        py::arg("message_rate"), py::arg("consumer_rate"), py::arg("partition_rate"), py::arg("partitions"),
        py::arg("consumers"));
}

}  // namespace scalemodel::bindings
