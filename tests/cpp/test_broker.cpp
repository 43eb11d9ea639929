#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <thread>
#include <vector>

#include "scalemodel/core/progress.hpp"
#include "scalemodel/core/stats.hpp"
#include "scalemodel/sim/broker.hpp"

using namespace scalemodel;
using namespace scalemodel::sim;

namespace {

std::size_t metric(const char* name) {
    const auto& names = broker_metric_names();
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return i;
    throw std::invalid_argument(name);
}

Interval ci(const ConsumerGroupResult& r, const char* name) { return t_interval(r.metrics[metric(name)], 0.999); }

// Equal element by element, NaN equal to NaN (a drain that never happened is NaN).
bool same(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].size() != b[i].size()) return false;
        for (std::size_t j = 0; j < a[i].size(); ++j)
            if (!(a[i][j] == b[i][j] || (std::isnan(a[i][j]) && std::isnan(b[i][j])))) return false;
    }
    return true;
}

}  // namespace

TEST(Broker, RangeAndRoundRobinMatchKafkasAssignors) {
    // Kafka's RangeAssignor on 7 partitions, 3 consumers: [0,1,2], [3,4], [5,6].
    EXPECT_EQ(assign_partitions(7, 3, Assignor::range), (std::vector<std::int64_t>{0, 0, 0, 1, 1, 2, 2}));
    // RoundRobinAssignor deals them out: [0,3,6], [1,4], [2,5].
    EXPECT_EQ(assign_partitions(7, 3, Assignor::round_robin), (std::vector<std::int64_t>{0, 1, 2, 0, 1, 2, 0}));
    // More consumers than partitions: the extra ones get nothing.
    EXPECT_EQ(assign_partitions(2, 4, Assignor::range), (std::vector<std::int64_t>{0, 1}));
    EXPECT_EQ(assign_partitions(3, 0, Assignor::range), (std::vector<std::int64_t>{-1, -1, -1}));
}

TEST(Broker, StickyMovesOnlyWhatItMust) {
    const auto before = assign_partitions(12, 4, Assignor::sticky);
    EXPECT_EQ(before, assign_partitions(12, 4, Assignor::round_robin));
    // Member 3 leaves: only its 3 partitions move, and the rest stay balanced (4 each).
    const auto after = assign_partitions(12, 3, Assignor::sticky, before);
    int moved = 0;
    std::vector<int> load(3, 0);
    for (std::size_t p = 0; p < 12; ++p) {
        moved += after[p] != before[p];
        ++load[static_cast<std::size_t>(after[p])];
        if (before[p] != 3) {
            EXPECT_EQ(after[p], before[p]);
        }
    }
    EXPECT_EQ(moved, 3);
    EXPECT_EQ(load, (std::vector<int>{4, 4, 4}));
}

TEST(Broker, OnePartitionOneConsumerIsMM1) {
    ConsumerGroupConfig c;
    c.produce_rate = 0.75;
    c.consume_rate = 1.0;
    c.duration_s = 50000;
    c.warmup_s = 500;
    const auto r = simulate_consumer_group(c, RunSpec{3, 16, 0});
    const double rho = 0.75;
    const Interval lag = ci(r, "mean_lag"), latency = ci(r, "mean_latency");
    EXPECT_LE(std::abs(lag.mean - rho / (1 - rho)), lag.half_width) << lag.mean;
    EXPECT_LE(std::abs(latency.mean - 1 / (1 - rho)), latency.half_width) << latency.mean;
    EXPECT_EQ(r.metrics[metric("overflow")][0], 0.0);
}

TEST(Broker, SameSeedSameResultOnAnyThreadCount) {
    ConsumerGroupConfig c;
    c.partitions = 6;
    c.consumers = 4;
    c.produce_rate = 30;
    c.consume_rate = 10;
    c.duration_s = 200;
    c.sample_interval_s = 10;
    c.events = {{50, 1}, {120, -2}};
    c.rebalance_s = 2;
    c.assignment = Assignor::sticky;
    c.drain_from_s = 60;
    const auto one = simulate_consumer_group(c, RunSpec{11, 6, 1}), two = simulate_consumer_group(c, RunSpec{11, 6, 2});
    EXPECT_TRUE(same(one.metrics, two.metrics));
    EXPECT_TRUE(same(one.lag_series, two.lag_series));
    EXPECT_TRUE(same(one.busy_fraction, two.busy_fraction));
    EXPECT_EQ(one.latency.counts(), two.latency.counts());
    EXPECT_EQ(one.metrics[metric("rebalances")][0], 2.0);
}

TEST(Broker, BacklogPastTheLimitStopsTheReplication) {
    ConsumerGroupConfig c;
    c.produce_rate = 2.0 * static_cast<double>(kMaxBacklog);
    c.consume_rate = 1.0;
    c.duration_s = 1.0;
    const auto r = simulate_consumer_group(c, RunSpec{1, 1, 1});
    EXPECT_EQ(r.metrics[metric("overflow")][0], 1.0);
    EXPECT_LT(r.metrics[metric("window")][0], 1.0);
}

TEST(Broker, BadInputThrowsInvalidArgument) {
    ConsumerGroupConfig c;
    c.partitions = 0;
    EXPECT_THROW(validate(c), std::invalid_argument);
    c = ConsumerGroupConfig{};
    c.consume_rate = std::nan("");
    EXPECT_THROW(validate(c), std::invalid_argument);
    c = ConsumerGroupConfig{};
    c.events = {{1.0, -2}};  // would leave -1 members
    EXPECT_THROW(validate(c), std::invalid_argument);
    c = ConsumerGroupConfig{};
    c.profile_times = {1.0, 0.5};
    c.profile_rates = {1.0, 1.0};
    EXPECT_THROW(validate(c), std::invalid_argument);
    c = ConsumerGroupConfig{};
    c.partitions = 2;
    c.partition_weights = {0.0, 0.0};
    EXPECT_THROW(validate(c), std::invalid_argument);
    EXPECT_THROW(assign_partitions(3, 2, Assignor::sticky, {0, 1}), std::invalid_argument);
    EXPECT_THROW(parse_enum<Assignor>("cooperative"), std::invalid_argument);
    EXPECT_THROW(parse_enum<BrokerService>("pareto"), std::invalid_argument);
    EXPECT_EQ(enum_name(parse_enum<Assignor>("sticky")), "sticky");
    EXPECT_EQ(enum_name(parse_enum<BrokerService>("deterministic")), "deterministic");
    EXPECT_THROW(simulate_consumer_group(ConsumerGroupConfig{}, RunSpec{1, 0, 1}), std::invalid_argument);
    c = ConsumerGroupConfig{};
    c.partitions = 2;
    c.partition_weights = {1e308, 1e308};  // a sum of inf would make every share 0
    EXPECT_THROW(validate(c), std::invalid_argument);
    c = ConsumerGroupConfig{};
    c.duration_s = 10.0;
    c.sample_interval_s = 1e-5;  // 10^6 samples x 10^6 replications: 8 TB of results
    EXPECT_THROW(simulate_consumer_group(c, RunSpec{1, 1'000'000, 1}), std::invalid_argument);
}

TEST(Broker, EagerRebalanceWaitsForTheMessageInService) {
    // One busy consumer with 2 s deterministic service; a rebalance at t = 5 cannot finish
    // before the message in hand (started at a multiple of 2 s after the first arrival).
    ConsumerGroupConfig c;
    c.partitions = 2;
    c.consumers = 1;
    c.produce_rate = 10.0;
    c.consume_rate = 0.5;
    c.service = BrokerService::deterministic;
    c.duration_s = 20.0;
    c.events = {{5.0, 1}};
    c.rebalance_s = 0.1;
    const auto r = simulate_consumer_group(c, RunSpec{5, 8, 1});
    for (double pause : r.metrics[metric("pause_time")]) {
        EXPECT_GT(pause, 0.1);
        EXPECT_LE(pause, 2.0);
    }
    c.rebalance_s = 3.0;
    const auto slow = simulate_consumer_group(c, RunSpec{5, 8, 1});
    for (double pause : slow.metrics[metric("pause_time")]) EXPECT_DOUBLE_EQ(pause, 3.0);
}

TEST(Broker, CancellingStopsALongReplication) {
    // One replication of ~10^8 events (many seconds); a cancel after 50 ms must end it soon.
    ConsumerGroupConfig c;
    c.partitions = 4;
    c.consumers = 2;
    c.produce_rate = 100.0;
    c.consume_rate = 100.0;
    c.duration_s = 1e6;
    Progress progress;
    Progress::Scope scope(&progress);
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        progress.cancel();
    });
    const auto start = std::chrono::steady_clock::now();
    EXPECT_THROW(simulate_consumer_group(c, RunSpec{1, 1, 1}), Cancelled);
    canceller.join();
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 2.0);
}
