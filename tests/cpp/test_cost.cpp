#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "scalemodel/cost/estimate.hpp"

namespace c = scalemodel::cost;

TEST(Cost, TrafficFromUsers) {
    const auto t = c::estimate_traffic(1e6, 86.4, 0.25, 3.0);  // 86.4M requests a day
    EXPECT_NEAR(t.average_qps, 1000.0, 1e-9);
    EXPECT_NEAR(t.peak_write_qps, 750.0, 1e-9);
    EXPECT_THROW(c::estimate_traffic(1e6, 10, 1.5, 3.0), std::invalid_argument);
    EXPECT_THROW(c::estimate_traffic(1e6, 10, 0.1, 0.5), std::invalid_argument);
}

TEST(Cost, StoredBytesGrowth) {
    EXPECT_NEAR(c::stored_bytes(1e9, 2.0, 3.0, 0.0), 1e9 * 730 * 3, 1e-3);
    // Doubling every year: 365 v0 (2^Y - 1) / ln 2.
    EXPECT_NEAR(c::stored_bytes(1.0, 3.0, 1.0, 1.0), 365.0 * 7.0 / std::log(2.0), 1e-9);
}

TEST(Cost, ShardsAndFanout) {
    EXPECT_EQ(c::shard_count(20000, 0, 10000, 16e12, 1.0), 2);  // exact multiple: no extra shard
    EXPECT_EQ(c::shard_count(100, 17e12, 10000, 16e12, 1.0), 2);
    EXPECT_EQ(c::expected_shards_touched(1, 0), 0.0);
    EXPECT_EQ(c::expected_shards_touched(1, 5), 1.0);
    EXPECT_DOUBLE_EQ(c::expected_shards_touched(2, 2), 1.5);  // 2 (1 - 1/4)
}

TEST(Cost, CacheEffectAndCdn) {
    const auto e = c::cache_effect(1000, 0.8, 0.001, 0.010, 10.0);
    EXPECT_NEAR(e.work_with_cache_s_per_s, 2.8, 1e-12);
    EXPECT_NEAR(e.headroom, 5.0, 1e-12);
    const auto cdn = c::cdn_vs_origin(10e12, 0.10, 0.005, 1.0);
    EXPECT_NEAR(cdn.origin_only_usd, 1000.0, 1e-9);
    EXPECT_NEAR(cdn.with_cdn_usd, 50.0, 1e-9);
}

TEST(Cost, TopicSizing) {
    const auto s = c::topic_sizing(1e6, 1e4, 1e5, 10, 12);
    EXPECT_EQ(s.consumers_needed, 100);
    EXPECT_EQ(s.idle_consumers, 2);
    EXPECT_DOUBLE_EQ(s.group_throughput, 10 * 1e4);  // ten active consumers at 10K each
}
