#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "scalemodel/core/event_queue.hpp"
#include "scalemodel/core/histogram.hpp"
#include "scalemodel/core/stats.hpp"
#include "scalemodel/sim/stations.hpp"

using namespace scalemodel;

TEST(EventQueue, PopsInTimeOrderAndTiesInScheduleOrder) {
    EventQueue<int> q;
    const double times[] = {5.0, 1.0, 3.0, 1.0, 4.0, 3.0, 0.5};
    for (int i = 0; i < 7; ++i) q.schedule(times[i], i);
    const int expect[] = {6, 1, 3, 2, 5, 4, 0};
    for (int want : expect) EXPECT_EQ(q.pop().payload, want);
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.processed(), 7u);
    EXPECT_DOUBLE_EQ(q.now(), 5.0);
}

TEST(LogHistogram, QuantilesWithinStatedRelativeError) {
    LogHistogram h;
    const int n = 100000;
    for (int i = 1; i <= n; ++i) h.add(i * 1e-4);  // uniform on (0, 10]
    for (double q : {0.01, 0.5, 0.9, 0.99, 0.999}) {
        const double exact = std::ceil(q * n) * 1e-4;
        EXPECT_LE(std::abs(h.quantile(q) / exact - 1.0), LogHistogram::kRelativeError) << q;
    }
    LogHistogram z;
    z.add(0.0);
    z.add(0.0);
    z.add(1.0);
    EXPECT_EQ(z.quantile(0.5), 0.0);
    EXPECT_NEAR(z.quantile(0.9), 1.0, LogHistogram::kRelativeError);
    EXPECT_TRUE(std::isnan(LogHistogram().quantile(0.5)));
}

TEST(Stats, StudentTIntervalMatchesTable) {
    // Four observations 1, 2, 3, 4: mean 2.5, s = 1.2910, t(0.975, 3) = 3.182446.
    const std::vector<double> v = {1, 2, 3, 4};
    const Interval ci = t_interval(v, 0.95);
    EXPECT_DOUBLE_EQ(ci.mean, 2.5);
    EXPECT_NEAR(ci.half_width, 3.182446305284263 * std::sqrt(5.0 / 3.0) / 2.0, 1e-9);
    EXPECT_THROW(t_interval(v, 1.0), std::invalid_argument);
}

namespace {
sim::StationsConfig mm1(double lambda, double mean_service) {
    sim::StationsConfig c;
    c.servers = {1};
    c.speeds = {1.0};
    c.weights = {1.0};
    c.arrivals = Arrivals::poisson(lambda);
    c.service = Distribution::exponential(mean_service);
    c.customers = 50000;
    c.warmup = 5000;
    return c;
}
std::size_t metric(const char* name) {
    const auto& names = sim::metric_names();
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}
}  // namespace

TEST(Stations, MM1MeanResponseWithinConfidenceInterval) {
    // rho = 0.5, E[T] = 1 / (mu - lambda) = 2. Tolerance: the 99.9% t-interval over 20 replications.
    const auto r = sim::simulate_stations(mm1(0.5, 1.0), RunSpec{7, 20, 1});
    const Interval ci = t_interval(r.metrics[metric("mean_response")], 0.999);
    EXPECT_LE(ci.low, 2.0);
    EXPECT_GE(ci.high, 2.0);
    const Interval u = t_interval(r.metrics[metric("utilization")], 0.999);
    EXPECT_LE(u.low, 0.5);
    EXPECT_GE(u.high, 0.5);
}

TEST(Stations, SameSeedSameResultOnAnyThreadCount) {
    const auto a = sim::simulate_stations(mm1(0.8, 1.0), RunSpec{11, 6, 1});
    const auto b = sim::simulate_stations(mm1(0.8, 1.0), RunSpec{11, 6, 3});
    ASSERT_EQ(a.metrics.size(), b.metrics.size());
    for (std::size_t m = 0; m < a.metrics.size(); ++m)
        for (std::size_t r = 0; r < a.metrics[m].size(); ++r) {
            const double x = a.metrics[m][r], y = b.metrics[m][r];
            EXPECT_TRUE(x == y || (std::isnan(x) && std::isnan(y))) << sim::metric_names()[m];
        }
    EXPECT_EQ(a.response.counts(), b.response.counts());
}

TEST(Stations, UnstableQueueOverflowsWithBoundedMemory) {
    auto c = mm1(2.0, 1.0);
    c.customers = 5000000;
    const auto r = sim::simulate_stations(c, RunSpec{1, 1, 1});
    EXPECT_EQ(r.metrics[metric("overflow")][0], 1.0);
    EXPECT_TRUE(std::isinf(r.metrics[metric("mean_response")][0]));
}

TEST(Stations, RejectsBadInput) {
    auto c = mm1(1.0, 1.0);
    c.servers = {0};
    EXPECT_THROW(sim::simulate_stations(c, RunSpec{1, 1, 1}), std::invalid_argument);
    EXPECT_THROW(mm1(-1.0, 1.0), std::invalid_argument);
    c = mm1(1.0, 1.0);
    EXPECT_THROW(sim::simulate_stations(c, RunSpec{1, 0, 1}), std::invalid_argument);
    c.outages = {{0, 2, 1.0, 2.0}};  // more servers than the backend has
    EXPECT_THROW(sim::simulate_stations(c, RunSpec{1, 1, 1}), std::invalid_argument);
    EXPECT_THROW(parse_enum<sim::Policy>("fastest"), std::invalid_argument);
    EXPECT_EQ(parse_enum<sim::Policy>("power_of_two"), sim::Policy::power_of_d);
    for (const auto& name : EnumNames<sim::Policy>::names()) EXPECT_EQ(enum_name(parse_enum<sim::Policy>(name)), name);
}

TEST(Stations, ReplayedServiceTimesGiveLindleysResponses) {
    // Two requests at 0 and 0.5 s of 1 s each on one server: responses 1 and 1.5 s.
    auto c = mm1(1.0, 1.0);
    c.arrivals = Arrivals::replay({0.0, 0.5, 3.0});
    c.service_times = {1.0, 1.0, 0.25};
    c.warmup = 0;
    c.customers = 3;
    const auto r = sim::simulate_stations(c, RunSpec{1, 2, 1});
    for (double v : r.metrics[metric("mean_response")]) EXPECT_DOUBLE_EQ(v, (1.0 + 1.5 + 0.25) / 3.0);
    c.service_times = {1.0, 1.0};
    EXPECT_THROW(sim::simulate_stations(c, RunSpec{1, 1, 1}), std::invalid_argument);
    c = mm1(1.0, 1.0);
    c.service_times = {1.0};
    EXPECT_THROW(sim::simulate_stations(c, RunSpec{1, 1, 1}), std::invalid_argument);  // not a replay
}

TEST(Stations, PowerOfDWithoutReplacementLooksAtDistinctBackends) {
    // d = backends without replacement sees every backend: no request joins a longer queue
    // than the shortest, so with 2 backends it is join-the-shortest-queue and beats d = 2
    // with replacement (which picks the same backend twice half the time).
    auto c = mm1(1.6, 1.0);
    c.servers = {1, 1};
    c.speeds = {1.0, 1.0};
    c.weights = {1.0, 1.0};
    c.policy = sim::Policy::power_of_d;
    const auto with = sim::simulate_stations(c, RunSpec{3, 10, 1});
    c.replacement = false;
    const auto without = sim::simulate_stations(c, RunSpec{3, 10, 1});
    const Interval a = t_interval(with.metrics[metric("mean_response")], 0.999);
    const Interval b = t_interval(without.metrics[metric("mean_response")], 0.999);
    EXPECT_LT(b.high, a.low);
    c.policy = sim::Policy::least_connections;
    const auto jsq = sim::simulate_stations(c, RunSpec{3, 10, 1});
    const Interval l = t_interval(jsq.metrics[metric("mean_response")], 0.999);
    EXPECT_LE(l.low, b.high);
    EXPECT_LE(b.low, l.high);
}

TEST(Arrivals, MmppLongRunRateAndReplayOrder) {
    const Arrivals spec = Arrivals::mmpp(3.0, 0.0, 2.0, 6.0);
    EXPECT_DOUBLE_EQ(spec.mean_rate(), 0.75);
    Rng rng(5, 0);
    ArrivalStream a(spec, rng);
    double t = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) t = a.next(rng);
    EXPECT_NEAR(n / t, 0.75, 0.02);
    const std::vector<double> times = {0.0, 0.5, 0.5, 2.0};
    const Arrivals replay = Arrivals::replay(times);
    ArrivalStream r(replay, rng);
    for (double want : times) EXPECT_EQ(r.next(rng), want);
    EXPECT_TRUE(std::isinf(r.next(rng)));
    EXPECT_THROW(Arrivals::replay({1.0, 0.5}), std::invalid_argument);
    EXPECT_THROW(Arrivals::mmpp(0.0, 0.0, 1.0, 1.0), std::invalid_argument);
}

TEST(Arrivals, ExpectedCountIntegratesAProfile) {
    // A ramp from 0 to 10/s over 10 s, then 10/s held: 50 arrivals by 10 s, 150 by 20 s
    // (areas of a triangle and a rectangle, by hand); its mean_rate (the final 10/s) would
    // say 100 and 200.
    const Arrivals ramp = Arrivals::profile({0.0, 10.0}, {0.0, 10.0});
    EXPECT_DOUBLE_EQ(ramp.expected_count(10.0), 50.0);
    EXPECT_DOUBLE_EQ(ramp.expected_count(20.0), 150.0);
    EXPECT_DOUBLE_EQ(ramp.expected_count(5.0), 12.5);
    // Bursts of 0.2 s at 500/s every 1 s (a step up and down, repeated): 100 per period,
    // and half a burst into the fourth period.
    const Arrivals bursts = Arrivals::profile({0.0, 0.2, 0.2, 1.0}, {500.0, 500.0, 0.0, 0.0}, 1.0);
    EXPECT_NEAR(bursts.expected_count(3.1), 350.0, 1e-9);
    // Periodic with a ramp back to the first rate: 0 -> 4/s over 2 s, back to 0 over 2 s.
    const Arrivals tent = Arrivals::profile({0.0, 2.0}, {0.0, 4.0}, 4.0);
    EXPECT_NEAR(tent.expected_count(8.0), 16.0, 1e-12);
    EXPECT_NEAR(tent.expected_count(3.0), 4.0 + 3.0, 1e-12);
    // The drawn count agrees (Poisson: mean 150, sd ~12 over one run; 200 runs).
    double drawn = 0.0;
    for (int rep = 0; rep < 200; ++rep) {
        Rng rng(11, static_cast<std::uint64_t>(rep));
        ArrivalStream a(ramp, rng);
        while (a.next(rng) < 20.0) drawn += 1.0;
    }
    EXPECT_NEAR(drawn / 200, 150.0, 4 * std::sqrt(150.0 / 200));
    EXPECT_DOUBLE_EQ(Arrivals::replay({0.0, 1.0, 2.0, 3.0}).expected_count(2.5), 3.0);
    EXPECT_DOUBLE_EQ(Arrivals::poisson(4.0).expected_count(2.0), 8.0);
}

namespace {
// The time of the n-th arrival of a stream, checking that arrivals never go back in time.
double nth_arrival(const Arrivals& spec, int n, std::uint64_t seed) {
    Rng rng(seed, 0);
    ArrivalStream a(spec, rng);
    double t = 0, previous = 0;
    for (int i = 0; i < n; ++i) {
        t = a.next(rng);
        EXPECT_GE(t, previous);
        previous = t;
    }
    return t;
}
}  // namespace

TEST(Arrivals, AProfileRepeatingFarFasterThanItSendsKeepsItsRate) {
    // A tent 0 -> 2e-3/s and back over 1 microsecond, repeated: 1e-9 arrivals per period,
    // ~1e9 periods between arrivals, each drawn in O(knots). Mean rate 1e-3/s.
    const Arrivals tent = Arrivals::profile({0.0, 0.5e-6}, {0.0, 2e-3}, 1e-6);
    EXPECT_NEAR(tent.mean_rate(), 1e-3, 1e-15);
    const int n = 100000;
    EXPECT_NEAR(n / nth_arrival(tent, n, 3), 1e-3, 4 * 1e-3 / std::sqrt(n));
    // Sparse periods long enough to see where in a period arrivals land: 0.04 per period of
    // 1 s, rate rising linearly over the first half, so P(arrival in [0, 0.25 s) | in the
    // first half) = 1/4.
    const Arrivals ramp = Arrivals::profile({0.0, 0.5, 0.5}, {0.0, 0.16, 0.0}, 1.0);
    EXPECT_NEAR(ramp.expected_count(1.0), 0.04, 1e-15);
    Rng rng(3, 1);
    ArrivalStream b(ramp, rng);
    int early = 0, late = 0;
    for (int i = 0; i < n; ++i) {
        const double phase = std::fmod(b.next(rng), 1.0);
        ASSERT_LE(phase, 0.5);
        (phase < 0.25 ? early : late) += 1;
    }
    EXPECT_NEAR(static_cast<double>(early) / n, 0.25, 4 * std::sqrt(0.25 * 0.75 / n));
}

TEST(Arrivals, MmppSwitchingFarFasterThanItsArrivalsKeepsItsRate) {
    // ~1e9 switches per arrival in both orders of the states' rates: each draw is O(1) (a
    // Poisson stream at the lower rate merged with on/off arrivals at the difference).
    for (const Arrivals& spec : {Arrivals::mmpp(1.0, 0.5, 1e-9, 1e-9), Arrivals::mmpp(0.5, 2.0, 3e-9, 1e-9),
                                 Arrivals::mmpp(2.0, 0.5, 0.02, 0.04)}) {
        const int n = 200000;
        EXPECT_NEAR(n / nth_arrival(spec, n, 7), spec.mean_rate(), 0.02 * spec.mean_rate());
    }
}

#include "scalemodel/core/exponential.hpp"

TEST(Ziggurat, TablesCloseAndDrawsAreExponential) {
    const auto& z = detail::ExponentialZiggurat::get();
    // The recurrence must end at the peak: the top layer reaches f = 1 with area v.
    const double top = z.x[255] * (1.0 - z.f[255]);
    EXPECT_NEAR(top / detail::ExponentialZiggurat::kV, 1.0, 1e-6);
    Rng rng(17, 0);
    const int n = 2000000;
    // Kolmogorov-Smirnov against Exp(1) on 20 fixed points, plus the mean and variance.
    const double points[] = {0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.3, 1.6,
                             2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 7.7, 9.0, 12.0};
    std::vector<int> below(std::size(points), 0);
    RunningStats s;
    for (int k = 0; k < n; ++k) {
        const double x = standard_exponential(rng);
        ASSERT_GE(x, 0.0);
        s.add(x);
        for (std::size_t j = 0; j < std::size(points); ++j) below[j] += x < points[j];
    }
    for (std::size_t j = 0; j < std::size(points); ++j) {
        const double p = -std::expm1(-points[j]);
        const double se = std::sqrt(p * (1 - p) / n);
        EXPECT_NEAR(static_cast<double>(below[j]) / n, p, 5 * se + 1e-12) << points[j];
    }
    EXPECT_NEAR(s.mean(), 1.0, 5 * std::sqrt(1.0 / n));
    EXPECT_NEAR(s.variance(), 1.0, 0.01);
}

TEST(Stations, OverloadAndPermanentOutagesAreUnstable) {
    // Issue #18: rho = 1.2 on 10 servers reported finite delays; a permanent outage of every
    // server gave NaN; rare on/off bursts never returned.
    auto c = mm1(12.0, 1.0);
    c.servers = {10};
    c.customers = 5000;
    auto r = sim::simulate_stations(c, RunSpec{1, 2, 1});
    EXPECT_EQ(r.metrics[metric("overflow")][0], 1.0);
    EXPECT_EQ(r.metrics[metric("mean_response")][0], std::numeric_limits<double>::infinity());
    c.arrivals = Arrivals::poisson(8.0);
    c.outages = {sim::Outage{0, 0, 10.0}};
    r = sim::simulate_stations(c, RunSpec{1, 2, 1});
    EXPECT_EQ(r.metrics[metric("mean_response")][1], std::numeric_limits<double>::infinity());
    c.capacity = 20;  // a buffer sheds the load: stable again
    c.outages.clear();
    c.arrivals = Arrivals::poisson(12.0);
    r = sim::simulate_stations(c, RunSpec{1, 2, 1});
    EXPECT_EQ(r.metrics[metric("overflow")][0], 0.0);
    EXPECT_TRUE(std::isfinite(r.metrics[metric("mean_response")][0]));

    auto rare = mm1(1.0, 0.1);
    rare.arrivals = Arrivals::mmpp(16.0, 0.0, 1e-9, 1.0);
    rare.customers = 2000;
    rare.warmup = 0;
    r = sim::simulate_stations(rare, RunSpec{1, 1, 1});
    EXPECT_NEAR(r.metrics[metric("throughput")][0], 1.6e-8, 0.2e-8);
    rare.arrivals = Arrivals::mmpp(16.0, 0.0, 1.0, 1e308);
    EXPECT_THROW(sim::simulate_stations(rare, RunSpec{1, 1, 1}), std::invalid_argument);
    rare.arrivals = Arrivals::poisson(1.0);
    rare.customers = 1;
    EXPECT_THROW(sim::simulate_stations(rare, RunSpec{1, 1, 1}), std::invalid_argument);
}
