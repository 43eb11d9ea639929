// Back-of-envelope estimation and cost calculators. Units: requests per second, bytes,
// seconds, US dollars per month; a month is 30 days (kSecondsPerMonth).
#pragma once

#include <cstdint>

#include "scalemodel/core/units.hpp"
#include "scalemodel/core/fields.hpp"

namespace scalemodel::cost {

struct Traffic {
    double average_qps = 0.0;
    double peak_qps = 0.0;
    double average_read_qps = 0.0;
    double average_write_qps = 0.0;
    double peak_read_qps = 0.0;
    double peak_write_qps = 0.0;
    double writes_per_day = 0.0;

    SCALEMODEL_FIELDS(Traffic, average_qps, peak_qps, average_read_qps, average_write_qps, peak_read_qps,
                      peak_write_qps, writes_per_day)
};

// Daily active users x requests per user per day, spread evenly over the day, then scaled
// by peak_to_average (>= 1); write_fraction (0..1) of requests are writes.
Traffic estimate_traffic(double daily_active_users, double requests_per_user_per_day, double write_fraction,
                         double peak_to_average);

// Bytes stored after `years` when `bytes_per_day` are written today and the daily volume
// grows by `yearly_growth` (0.5 = +50% a year, along the smooth curve (1 + g)^t), each byte kept
// `replication` times.
double stored_bytes(double bytes_per_day, double years, double replication, double yearly_growth);

// Shards needed so that no shard exceeds either limit, each filled to at most `fill`
// (0 < fill <= 1) of it.
std::int64_t shard_count(double write_qps, double storage_bytes, double max_write_qps_per_shard,
                         double max_bytes_per_shard, double fill);

// Expected number of distinct shards touched when reading `fanout` keys spread uniformly
// over `shards` shards: shards (1 - (1 - 1/shards)^fanout).
double expected_shards_touched(double shards, double fanout);

// Nodes for a cache holding `working_set_bytes` and serving `qps`, each node filled to at
// most `fill` of its memory and its throughput.
std::int64_t cache_nodes(double working_set_bytes, double qps, double node_bytes, double node_qps, double fill);

// Servers freed, and dollars a month saved, when TLS work (`tls_cpu_fraction` of each
// server's CPU) moves to the balancer: the same work fits on servers x (1 - fraction).
struct TlsSaving {
    double servers_saved = 0.0;
    double usd_per_month = 0.0;

    SCALEMODEL_FIELDS(TlsSaving, servers_saved, usd_per_month)
};
TlsSaving tls_offload_savings(double servers, double tls_cpu_fraction, double usd_per_server_month);

// Busy fraction of a store that takes `store_time_s` per query when a cache in front of it
// answers `hit_ratio` of `qps` in `hit_time_s`; `capacity_s_per_s` is how many seconds of
// work per second the store can do (its concurrency).
struct CacheEffect {
    double work_without_cache_s_per_s = 0.0;  // seconds of store work per second, no cache
    double work_with_cache_s_per_s = 0.0;     // cache plus store work per second
    double store_utilization_without = 0.0;
    double store_utilization_with = 0.0;
    double headroom = 0.0;                    // how many times more load the store then takes

    SCALEMODEL_FIELDS(CacheEffect, work_without_cache_s_per_s, work_with_cache_s_per_s, store_utilization_without,
                      store_utilization_with, headroom)
};
CacheEffect cache_effect(double qps, double hit_ratio, double hit_time_s, double store_time_s,
                         double capacity_s_per_s);

// Consumers and partitions for a topic: consumers = ceil(rate / per-consumer rate); a group
// can use at most one consumer per partition, so partitions >= consumers. The given group
// spreads its partitions as evenly as it can, and each consumer reads at most the lesser
// of its own rate and its partitions' combined rate.
struct TopicSizing {
    std::int64_t consumers_needed = 0;
    std::int64_t partitions_needed = 0;
    std::int64_t active_consumers = 0;  // for the given partitions and consumers
    std::int64_t idle_consumers = 0;
    double group_throughput = 0.0;      // messages/s the given group can consume

    SCALEMODEL_FIELDS(TopicSizing, consumers_needed, partitions_needed, active_consumers, idle_consumers,
                      group_throughput)
};
TopicSizing topic_sizing(double message_rate, double consumer_rate, double partition_rate,
                         std::int64_t partitions, std::int64_t consumers);

// Monthly bandwidth bill for `bytes_per_month` served from the origin alone, or through a
// CDN that answers `cdn_hit_ratio` of the bytes (the misses still leave the origin).
struct CdnCost {
    double origin_only_usd = 0.0;
    double with_cdn_usd = 0.0;
    double origin_bytes_with_cdn = 0.0;

    SCALEMODEL_FIELDS(CdnCost, origin_only_usd, with_cdn_usd, origin_bytes_with_cdn)
};
CdnCost cdn_vs_origin(double bytes_per_month, double origin_usd_per_gb, double cdn_usd_per_gb, double cdn_hit_ratio);

}  // namespace scalemodel::cost
