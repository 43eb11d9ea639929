#include "scalemodel/cost/estimate.hpp"

#include <algorithm>
#include <cmath>

#include "scalemodel/core/check.hpp"

namespace scalemodel::cost {

namespace {

double check_fill(const char* name, double x) {
    if (!(x > 0.0 && x <= 1.0)) detail::fail_range(name, "in (0, 1]", x);
    return x;
}

// A count of nodes, shards or consumers from a real-valued need.
std::int64_t ceil_count(const char* what, double x) {
    // Beyond 1e15 a count is a mistake in the inputs, and past 2^63 it would not convert.
    if (!(x <= 1e15)) detail::fail_range(what, "at most 1e15 (check the units of the inputs)", x);
    // Guard round-off: 2.0000000000000004 shards is 2.
    return static_cast<std::int64_t>(std::ceil(x * (1.0 - 1e-12)));
}

// Units (shards, nodes) for two loads, each unit filled to at most `fill` of its capacity
// for either: at least one.
std::int64_t units_for(const char* what, double load_a, double per_unit_a, double load_b, double per_unit_b,
                       double fill) {
    check_fill("fill", fill);
    const double by_a = load_a / (per_unit_a * fill);
    const double by_b = load_b / (per_unit_b * fill);
    return std::max<std::int64_t>(1, ceil_count(what, std::max(by_a, by_b)));
}

}  // namespace

Traffic estimate_traffic(double daily_active_users, double requests_per_user_per_day, double write_fraction,
                         double peak_to_average) {
    check_nonnegative("daily_active_users", daily_active_users);
    check_nonnegative("requests_per_user_per_day", requests_per_user_per_day);
    check_probability("write_fraction", write_fraction);
    if (!(peak_to_average >= 1.0) || !std::isfinite(peak_to_average)) {
        detail::fail_range("peak_to_average", "a finite number >= 1", peak_to_average);
    }
    Traffic t;
    const double per_day = daily_active_users * requests_per_user_per_day;
    if (!std::isfinite(per_day * peak_to_average))  // inf - inf reads would be NaN
        detail::fail_range("daily_active_users",
                           "small enough that daily_active_users x requests_per_user_per_day x peak_to_average is finite",
                           daily_active_users);
    t.average_qps = per_day / kSecondsPerDay;
    t.peak_qps = t.average_qps * peak_to_average;
    t.average_write_qps = t.average_qps * write_fraction;
    t.average_read_qps = t.average_qps - t.average_write_qps;
    t.peak_write_qps = t.peak_qps * write_fraction;
    t.peak_read_qps = t.peak_qps - t.peak_write_qps;
    t.writes_per_day = per_day * write_fraction;
    return t;
}

double stored_bytes(double bytes_per_day, double years, double replication, double yearly_growth) {
    check_nonnegative("bytes_per_day", bytes_per_day);
    check_nonnegative("years", years);
    if (!(replication >= 1.0) || !std::isfinite(replication)) {
        detail::fail_range("replication", "a finite number >= 1", replication);
    }
    if (!(yearly_growth > -1.0) || !std::isfinite(yearly_growth)) {
        detail::fail_range("yearly_growth", "a finite number > -1", yearly_growth);
    }
    // Daily volume v(t) = v0 (1 + g)^t with t in years; total = 365 v0 int_0^Y (1+g)^t dt.
    const double r = std::log1p(yearly_growth);
    const double integral = r == 0.0 ? years : std::expm1(r * years) / r;
    return bytes_per_day * kDaysPerYear * integral * replication;
}

std::int64_t shard_count(double write_qps, double storage_bytes, double max_write_qps_per_shard,
                         double max_bytes_per_shard, double fill) {
    check_nonnegative("write_qps", write_qps);
    check_nonnegative("storage_bytes", storage_bytes);
    check_positive("max_write_qps_per_shard", max_write_qps_per_shard);
    check_positive("max_bytes_per_shard", max_bytes_per_shard);
    return units_for("the shard count max(write_qps / max_write_qps_per_shard, storage_bytes / max_bytes_per_shard) / fill",
                     write_qps, max_write_qps_per_shard, storage_bytes, max_bytes_per_shard, fill);
}

double expected_shards_touched(double shards, double fanout) {
    if (!(shards >= 1.0) || !std::isfinite(shards)) detail::fail_range("shards", "a finite number >= 1", shards);
    check_nonnegative("fanout", fanout);
    if (fanout == 0.0) return 0.0;
    if (shards == 1.0) return 1.0;  // log1p(-1) = -inf: the formula's limit, taken directly
    // 1 - (1 - 1/s)^f through log1p/expm1: exact to rounding even for s in the millions.
    return -shards * std::expm1(fanout * std::log1p(-1.0 / shards));
}

std::int64_t cache_nodes(double working_set_bytes, double qps, double node_bytes, double node_qps, double fill) {
    check_nonnegative("working_set_bytes", working_set_bytes);
    check_nonnegative("qps", qps);
    check_positive("node_bytes", node_bytes);
    check_positive("node_qps", node_qps);
    return units_for("the node count max(working_set_bytes / node_bytes, qps / node_qps) / fill", working_set_bytes,
                     node_bytes, qps, node_qps, fill);
}

TlsSaving tls_offload_savings(double servers, double tls_cpu_fraction, double usd_per_server_month) {
    check_nonnegative("servers", servers);
    if (!(tls_cpu_fraction >= 0.0 && tls_cpu_fraction < 1.0)) {
        detail::fail_range("tls_cpu_fraction", "in [0, 1)", tls_cpu_fraction);
    }
    check_nonnegative("usd_per_server_month", usd_per_server_month);
    TlsSaving t;
    t.servers_saved = servers * tls_cpu_fraction;
    t.usd_per_month = t.servers_saved * usd_per_server_month;
    return t;
}

CacheEffect cache_effect(double qps, double hit_ratio, double hit_time_s, double store_time_s,
                         double capacity_s_per_s) {
    check_nonnegative("qps", qps);
    check_probability("hit_ratio", hit_ratio);
    check_nonnegative("hit_time_s", hit_time_s);
    check_positive("store_time_s", store_time_s);
    check_positive("capacity_s_per_s", capacity_s_per_s);
    CacheEffect e;
    e.work_without_cache_s_per_s = qps * store_time_s;
    const double store_work = qps * (1.0 - hit_ratio) * store_time_s;
    e.work_with_cache_s_per_s = qps * hit_ratio * hit_time_s + store_work;
    e.store_utilization_without = e.work_without_cache_s_per_s / capacity_s_per_s;
    e.store_utilization_with = store_work / capacity_s_per_s;
    e.headroom = store_work > 0.0 ? capacity_s_per_s / store_work : INFINITY;
    return e;
}

TopicSizing topic_sizing(double message_rate, double consumer_rate, double partition_rate,
                         std::int64_t partitions, std::int64_t consumers) {
    check_nonnegative("message_rate", message_rate);
    check_positive("consumer_rate", consumer_rate);
    check_positive("partition_rate", partition_rate);
    check_count("partitions", partitions, 1);
    check_count("consumers", consumers, 1);
    TopicSizing s;
    s.consumers_needed =
        std::max<std::int64_t>(1, ceil_count("the consumer count message_rate / consumer_rate", message_rate / consumer_rate));
    const double partitions_for_rate = message_rate / partition_rate;
    s.partitions_needed = std::max(
        s.consumers_needed,
        std::max<std::int64_t>(1, ceil_count("the partition count message_rate / partition_rate", partitions_for_rate)));
    s.active_consumers = std::min(partitions, consumers);
    s.idle_consumers = consumers - s.active_consumers;
    // Partitions split as evenly as possible: r consumers read q + 1 partitions, the
    // rest q; each consumer is capped by its own rate and by its partitions' rate.
    const std::int64_t q = partitions / s.active_consumers, r = partitions % s.active_consumers;
    auto one = [&](std::int64_t k) { return std::min(consumer_rate, static_cast<double>(k) * partition_rate); };
    s.group_throughput = static_cast<double>(r) * one(q + 1) + static_cast<double>(s.active_consumers - r) * one(q);
    return s;
}

CdnCost cdn_vs_origin(double bytes_per_month, double origin_usd_per_gb, double cdn_usd_per_gb, double cdn_hit_ratio) {
    check_nonnegative("bytes_per_month", bytes_per_month);
    check_nonnegative("origin_usd_per_gb", origin_usd_per_gb);
    check_nonnegative("cdn_usd_per_gb", cdn_usd_per_gb);
    check_probability("cdn_hit_ratio", cdn_hit_ratio);
    const double gb = bytes_per_month / 1e9;
    CdnCost c;
    c.origin_only_usd = gb * origin_usd_per_gb;
    c.origin_bytes_with_cdn = bytes_per_month * (1.0 - cdn_hit_ratio);
    c.with_cdn_usd = gb * cdn_usd_per_gb + c.origin_bytes_with_cdn / 1e9 * origin_usd_per_gb;
    return c;
}

}  // namespace scalemodel::cost
