// Reliability engine: closed forms against hand values and each other, Monte Carlo against
// closed forms within tolerances derived from its own confidence intervals (fixed seeds),
// and thread-count independence.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "scalemodel/core/distribution.hpp"
#include "scalemodel/core/exponential.hpp"
#include "scalemodel/core/histogram.hpp"
#include "scalemodel/core/stats.hpp"
#include "scalemodel/reliability/availability.hpp"
#include "scalemodel/reliability/durability.hpp"
#include "scalemodel/reliability/quorum.hpp"
#include "scalemodel/reliability/replication.hpp"

namespace r = scalemodel::reliability;
using scalemodel::Distribution;
using scalemodel::enum_name;
using scalemodel::parse_enum;
using scalemodel::RunningStats;
using scalemodel::RunSpec;

namespace {
// |mean of metric - truth| within z standard errors of the replication mean.
void expect_within(const r::Summary& s, const std::string& name, double truth, double z = 4.5) {
    const RunningStats e = s.stats(name);
    const double se = e.sd() / std::sqrt(static_cast<double>(e.count()));
    EXPECT_LE(std::abs(e.mean() - truth), z * se + 1e-12) << name << ": " << e.mean() << " vs " << truth << " se " << se;
}
double mean(const r::Summary& s, const std::string& name) { return s.stats(name).mean(); }
RunSpec spec(std::uint64_t seed, std::int64_t replications = 2, int threads = 0) { return {seed, replications, threads}; }
}  // namespace

TEST(Stats, WelfordMergeMatchesOnePass) {
    RunningStats all, a, b;
    for (int i = 0; i < 1000; ++i) {
        const double x = std::sin(i) * 10 + i * 0.01;
        all.add(x);
        (i < 300 ? a : b).add(x);
    }
    a.merge(b);
    EXPECT_EQ(a.count(), all.count());
    EXPECT_NEAR(a.mean(), all.mean(), 1e-12);
    EXPECT_NEAR(a.variance(), all.variance(), 1e-10);
}

TEST(Stats, TIntervalMatchesTable) {
    // t_{0.975, 9} = 2.262157 (standard tables).
    const auto i = scalemodel::t_interval(0.0, 1.0, 10, 0.95);
    EXPECT_NEAR(i.high, 2.262157 / std::sqrt(10.0), 1e-6);
    EXPECT_NEAR(i.low, -i.high, 1e-15);
    EXPECT_THROW(scalemodel::t_interval(0.0, 1.0, 10, 1.0), std::invalid_argument);
}

TEST(KOfN, HandValues) {
    EXPECT_NEAR(r::k_of_n(2, 3, 0.9), 3 * 0.81 * 0.1 + 0.729, 1e-14);
    EXPECT_NEAR(r::k_of_n(1, 2, 0.99), 1 - 1e-4, 1e-14);
    EXPECT_NEAR(r::k_of_n_unavailability(1, 3, 0.999), 1e-9, 1e-21);
    EXPECT_EQ(r::k_of_n(0, 5, 0.0), 1.0);
    EXPECT_EQ(r::k_of_n(5, 5, 1.0), 1.0);
    EXPECT_THROW(r::k_of_n(4, 3, 0.5), std::invalid_argument);
    EXPECT_THROW(r::k_of_n(1, 3, 1.5), std::invalid_argument);
}

TEST(Ctmc, IndependentRepairEqualsBinomial) {
    const double lam = 1.0 / 1000.0, mu = 1.0 / 10.0;
    for (int n = 1; n <= 7; ++n)
        for (int k = 0; k <= n; ++k) {
            const auto c = r::ctmc_availability(k, n, lam, mu, n);
            EXPECT_NEAR(c.availability, r::k_of_n(k, n, mu / (lam + mu)), 1e-12) << k << " of " << n;
        }
}

TEST(Ctmc, OneCrewMatchesDetailedBalance) {
    const double lam = 0.01, mu = 0.2;
    const int n = 4, k = 2;
    std::vector<double> p(n + 1, 1.0);
    for (int j = 0; j < n; ++j) p[j + 1] = p[j] * (n - j) * lam / mu;
    double total = 0, up = 0;
    for (int j = 0; j <= n; ++j) {
        total += p[j];
        if (j <= n - k) up += p[j];
    }
    const auto c = r::ctmc_availability(k, n, lam, mu, 1);
    EXPECT_NEAR(c.availability, up / total, 1e-13);
    EXPECT_NEAR(c.failure_frequency, p[n - k] / total * k * lam, 1e-15);
}

TEST(SimulateAvailability, MatchesCtmcAndIsThreadIndependent) {
    r::AvailabilityConfig cfg;
    cfg.n = 3;
    cfg.k = 2;
    cfg.lifetime = Distribution::exponential(100.0);
    cfg.repair = Distribution::exponential(10.0);
    cfg.horizon_s = 20000.0;
    const auto one = r::simulate_availability(cfg, spec(7, 64, 1));
    const auto two = r::simulate_availability(cfg, spec(7, 64, 2));
    EXPECT_EQ(one.metric("availability"), two.metric("availability"));
    EXPECT_EQ(one.metric("availability").size(), 64u);
    const auto c = r::ctmc_availability(2, 3, 0.01, 0.1, 3);
    expect_within(one, "availability", c.availability);
    expect_within(one, "outages_per_year", c.failure_frequency * scalemodel::kSecondsPerYear);
    // Per replication, downtime per year is the unavailability scaled.
    for (std::size_t i = 0; i < 64; ++i)
        EXPECT_EQ(one.metric("downtime_s_per_year")[i], one.metric("unavailability")[i] * scalemodel::kSecondsPerYear);
}

TEST(Pbs, ClosedForm) {
    EXPECT_NEAR(r::pbs_k_staleness(3, 1, 1, 1), 1.0 / 3.0, 1e-15);
    EXPECT_NEAR(r::pbs_k_staleness(3, 1, 1, 2), 1.0 - 4.0 / 9.0, 1e-15);
    EXPECT_EQ(r::pbs_k_staleness(3, 2, 2, 1), 1.0);
    EXPECT_THROW(r::pbs_k_staleness(3, 4, 1, 1), std::invalid_argument);
}

TEST(TVisibility, StrictQuorumsNeverStale) {
    r::QuorumConfig cfg;
    cfg.n = 5;
    cfg.r = 3;
    cfg.w = 3;
    cfg.write_latency = Distribution::lognormal(0.002 * std::exp(0.5), 1.0);
    cfg.read_latency = Distribution::exponential(0.001);
    cfg.t = {0.0};
    cfg.requests = 1 << 16;
    const auto s = r::t_visibility(cfg, spec(3));
    EXPECT_EQ(mean(s, "p_consistent_0"), 1.0);
    EXPECT_EQ(s.metric("p_consistent_0").size(), 2u);  // two chunks of 2^15
    cfg.r = 1;
    cfg.w = 1;
    cfg.t = {0.0, 0.01, 1.0};
    const auto loose = r::t_visibility(cfg, spec(3));
    EXPECT_LT(mean(loose, "p_consistent_0"), mean(loose, "p_consistent_1"));
    EXPECT_LE(mean(loose, "p_consistent_1"), mean(loose, "p_consistent_2"));
}

TEST(StaleReads, ExponentialLagMatchesClosedForm) {
    r::StaleReadConfig cfg;
    cfg.lag = Distribution::exponential(0.3);
    cfg.think_time = Distribution::deterministic(0.5);
    cfg.requests = 1 << 18;
    const auto s = r::simulate_stale_reads(cfg, spec(11));
    expect_within(s, "stale", std::exp(-0.5 / 0.3));
    EXPECT_EQ(parse_enum<r::Remedy>("version_check"), r::Remedy::version_check);
    EXPECT_EQ(enum_name(r::Remedy::primary_reads), "primary");
    EXPECT_THROW(parse_enum<r::Remedy>("pray"), std::invalid_argument);
}

TEST(Failover, MeanDowntimeMatchesClosedForm) {
    r::FailoverConfig cfg;
    cfg.heartbeat_interval_s = 2.0;
    cfg.missed_beats = 3;
    cfg.election = Distribution::deterministic(4.0);
    cfg.routing = Distribution::uniform(0.0, 6.0);
    cfg.replication_lag = Distribution::exponential(0.5);
    cfg.write_rate = 100.0;
    cfg.trials = 1 << 15;
    const auto s = r::simulate_failover(cfg, spec(5));
    expect_within(s, "downtime_s", 2.5 * 2.0 + 4.0 + 3.0);
    expect_within(s, "writes_lost", 50.0);
}

TEST(Durability, WriteBehindClosedForm) {
    const auto b = r::write_behind_loss(50000, 5, 0, 0);
    EXPECT_DOUBLE_EQ(b.expected_per_crash, 125000);
    EXPECT_DOUBLE_EQ(b.worst_per_crash, 250000);
    const auto capped = r::write_behind_loss(50000, 5, 0, 1000);
    EXPECT_TRUE(std::isinf(capped.worst_per_crash));
    EXPECT_DOUBLE_EQ(capped.backlog_growth_per_s, 50000 - 200);
}

TEST(Durability, RdbSingleRuleCycle) {
    // save s 1: the cycle is max(s, first write) = s + e^{-rate s} / rate on average.
    r::RdbConfig cfg;
    cfg.write_rate = 0.01;
    cfg.rules = {{60.0, 1}};
    cfg.cycles = 1 << 14;
    const auto s = r::simulate_rdb(cfg, spec(9));
    expect_within(s, "cycle_s", 60.0 + std::exp(-0.6) / 0.01);
}

TEST(Durability, RdbScheduleFollowsRedisWholeSecondClock) {
    // save 2 100 at 2000 writes/s, cron at 0.05 + k / 10, clock at a whole second at time 0:
    // forks once floor(t) - lastsave > 2, i.e. at 3.05, reaped at 3.15 (lastsave 3), then 6.05.
    r::RdbScheduleConfig cfg;
    cfg.write_rate = 2000;
    cfg.rules = {{2.0, 100}};
    cfg.bgsave_s = 0.03;
    cfg.cron_offset_s = 0.05;
    cfg.horizon_s = 7.0;
    const auto s = r::rdb_schedule(cfg);
    ASSERT_EQ(s.start_s.size(), 2u);
    EXPECT_NEAR(s.start_s[0], 3.05, 1e-12);
    EXPECT_NEAR(s.reaped_s[0], 3.15, 1e-12);
    EXPECT_NEAR(s.start_s[1], 6.05, 1e-12);
    EXPECT_DOUBLE_EQ(s.writes[0], 6101);
    const auto loss = r::rdb_crash_loss(cfg, {3.07, 5.3});
    EXPECT_DOUBLE_EQ(loss.lost[0], 6141);  // the first file is not in place yet: all lost
    EXPECT_TRUE(std::isnan(loss.snapshot_s[0]));
    EXPECT_DOUBLE_EQ(loss.lost[1], 10601 - 6101);
    cfg.cron_offset_s = 0.1;
    EXPECT_THROW(r::rdb_schedule(cfg), std::invalid_argument);
}

TEST(Durability, KafkaAcksAllWithoutUncleanNeverLoses) {
    r::KafkaConfig cfg;
    cfg.acks = r::Acks::all;
    cfg.replication_factor = 3;
    cfg.min_insync_replicas = 2;
    cfg.broker_mtbf_s = 3600.0;  // absurdly flaky, to exercise every path
    cfg.broker_repair = Distribution::exponential(1800.0);
    cfg.follower_lag = Distribution::deterministic(0.1);
    cfg.message_rate = 1000;
    cfg.horizon_s = 86400.0 * 10;
    const auto clean = r::simulate_kafka(cfg, spec(1, 16));
    EXPECT_EQ(mean(clean, "lost_per_day"), 0.0);
    EXPECT_GT(mean(clean, "write_unavailable"), 0.0);
    cfg.unclean_leader_election = true;
    const auto unclean = r::simulate_kafka(cfg, spec(1, 16));
    EXPECT_GT(mean(unclean, "lost_per_day"), 0.0);
    EXPECT_EQ(parse_enum<r::Acks>("all"), r::Acks::all);
    EXPECT_EQ(parse_enum<r::Acks>("-1"), r::Acks::all);
    EXPECT_EQ(enum_name(r::Acks::none), "0");
    EXPECT_THROW(parse_enum<r::Acks>("2"), std::invalid_argument);
}

TEST(Distributions, ZigguratExponentialMatchesTheExponentialLaw) {
    // Mean, second moment and tail probabilities of 2e6 draws against the exact law, with
    // tolerances of 5 standard errors.
    scalemodel::Rng rng(2024, 1);
    const int n = 2'000'000;
    double s = 0, s2 = 0;
    int over1 = 0, over3 = 0, over8 = 0;
    for (int i = 0; i < n; ++i) {
        const double x = scalemodel::standard_exponential(rng);
        ASSERT_GE(x, 0.0);
        s += x;
        s2 += x * x;
        over1 += x > 1.0;
        over3 += x > 3.0;
        over8 += x > 8.0;  // beyond the ziggurat's base: exercises the tail
    }
    EXPECT_NEAR(s / n, 1.0, 5 * 1.0 / std::sqrt(n));
    EXPECT_NEAR(s2 / n, 2.0, 5 * std::sqrt(20.0) / std::sqrt(n));
    for (auto [count, t] : {std::pair<int, double>{over1, 1.0}, {over3, 3.0}, {over8, 8.0}}) {
        const double p = std::exp(-t);
        EXPECT_NEAR(static_cast<double>(count) / n, p, 5 * std::sqrt(p * (1 - p) / n)) << t;
    }
}

TEST(SharedLogHistogram, FoldingPartsEqualsOneHistogram) {
    scalemodel::LogHistogram whole, a, b;
    for (int i = 1; i <= 100000; ++i) {
        whole.add(i * 1e-3);  // 1 ms .. 100 s, uniform grid
        (i % 3 == 0 ? a : b).add(i * 1e-3);
    }
    scalemodel::SharedLogHistogram shared;
    shared.fold(b);
    shared.fold(a);
    for (double q : {0.01, 0.5, 0.9, 0.99}) {
        EXPECT_EQ(shared.quantile(q), whole.quantile(q)) << q;
        EXPECT_NEAR(shared.quantile(q), q * 100.0, q * 100.0 * scalemodel::LogHistogram::kRelativeError) << q;
    }
    EXPECT_TRUE(std::isnan(scalemodel::SharedLogHistogram().quantile(0.5)));
}

TEST(Failover, MedianDowntimeFromHistogram) {
    // Detection is uniform on (4, 6] s (3 missed beats of 2 s); election and routing are
    // constant 4 and 3 s: the median downtime is 12 s exactly.
    r::FailoverConfig cfg;
    cfg.heartbeat_interval_s = 2.0;
    cfg.missed_beats = 3;
    cfg.election = Distribution::deterministic(4.0);
    cfg.routing = Distribution::deterministic(3.0);
    cfg.replication_lag = Distribution::deterministic(0.0);
    cfg.trials = 1 << 16;
    const auto s = r::simulate_failover(cfg, spec(6, 2, 2));
    // 0.4% from the buckets plus ~0.4% (4 standard errors of a uniform sample median).
    EXPECT_NEAR(s.get("downtime_p50_s"), 12.0, 12.0 * 0.009);
    EXPECT_NEAR(s.get("downtime_p99_s"), 11.0 + 0.99 * 2.0, 13.0 * 0.009);
    EXPECT_LE(s.get("downtime_max_s"), 13.0);
}

TEST(StandardNormal, OneBoxMullerForTheEngine) {
    // The shared draw: Box-Muller from uniform_open then uniform, the arithmetic the
    // reliability engine and the lognormal have always used.
    scalemodel::Rng a(99, 3), b(99, 3);
    for (int i = 0; i < 1000; ++i) {
        const double u1 = b.uniform_open(), u2 = b.uniform();
        EXPECT_EQ(scalemodel::standard_normal(a), std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
    }
    RunningStats s;
    scalemodel::Rng rng(7, 0);
    for (int i = 0; i < 200000; ++i) s.add(scalemodel::standard_normal(rng));
    EXPECT_NEAR(s.mean(), 0.0, 5.0 / std::sqrt(200000.0));
    EXPECT_NEAR(s.variance(), 1.0, 0.02);
}

TEST(Durability, AofProcessCrashLosesNoAcknowledgedWrite) {
    using r::aof_loss, r::Crash, r::Fsync, r::LossBounds;
    for (Fsync f : {Fsync::always, Fsync::everysec}) {
        const LossBounds p = aof_loss(2000.0, f, Crash::process);
        EXPECT_EQ(p.expected_per_crash, 0.0);
        EXPECT_EQ(p.worst_per_crash, 0.0);
    }
    const LossBounds m = aof_loss(2000.0, Fsync::everysec, Crash::machine);
    EXPECT_DOUBLE_EQ(m.expected_per_crash, 1000.0);
    EXPECT_DOUBLE_EQ(m.worst_per_crash, 4000.0);
    EXPECT_EQ(parse_enum<Crash>("process"), Crash::process);
    EXPECT_THROW(parse_enum<Crash>("power"), std::invalid_argument);
}
