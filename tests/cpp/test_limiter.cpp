#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "scalemodel/core/arrivals.hpp"
#include "scalemodel/core/random.hpp"
#include "scalemodel/sim/limiter.hpp"

using namespace scalemodel;
using namespace scalemodel::sim;

namespace {

LimiterConfig config(LimiterKind kind, std::int64_t limit, double window_s) {
    LimiterConfig c;
    c.algorithm = kind;
    c.limit = limit;
    c.window_s = window_s;
    return c;
}

std::vector<double> poisson(double rate, double duration_s, std::uint64_t seed) {
    TraceSpec spec;
    spec.arrivals = Arrivals::poisson(rate);
    spec.duration_s = duration_s;
    Rng rng(seed);
    return make_trace(spec, rng);
}

}  // namespace

TEST(Limiter, SlidingLogNeverExceedsLimitAndFillsIt) {
    const auto t = poisson(500.0, 50.0, 1);
    std::vector<std::uint8_t> a(t.size());
    const auto n = static_cast<std::int64_t>(t.size());
    const std::int64_t admitted = decide(config(LimiterKind::sliding_log, 40, 0.5), t.data(), n, a.data());
    EXPECT_EQ(worst_window(t.data(), a.data(), n, 0.5), 40);
    // Overloaded 12.5x: about limit per window, never more than the limit per window plus one window.
    EXPECT_LE(admitted, 40 * 101);
    EXPECT_GE(admitted, 40 * 90);
}

TEST(Limiter, FixedWindowDoublesOnAdversarialTrace) {
    TraceSpec spec;
    spec.adversarial = true;
    spec.burst = 100;
    spec.window_s = 1.0;
    spec.spread_s = 0.01;
    spec.duration_s = 10.0;
    Rng rng(0);
    const auto t = make_trace(spec, rng);
    ASSERT_EQ(t.size(), 1000u);
    std::vector<std::uint8_t> a(t.size());
    const auto n = static_cast<std::int64_t>(t.size());
    const LimiterSummary s = run_limiter(config(LimiterKind::fixed_window, 100, 1.0), t.data(), n, a.data(), true);
    EXPECT_EQ(s.admitted, 1000);
    EXPECT_EQ(s.worst_window, 200);
    EXPECT_EQ(s.exact_admitted, 500);
    EXPECT_EQ(s.differing_decisions, 500);
}

TEST(Limiter, GcraMatchesTokenBucket) {
    const auto t = poisson(80.0, 100.0, 2);
    const auto n = static_cast<std::int64_t>(t.size());
    std::vector<std::uint8_t> a(t.size()), b(t.size());
    LimiterConfig tb = config(LimiterKind::token_bucket, 10, 1.0);
    tb.capacity = 7.0;
    tb.refill_rate = 33.0;
    LimiterConfig g = tb;
    g.algorithm = LimiterKind::gcra;
    decide(tb, t.data(), n, a.data());
    decide(g, t.data(), n, b.data());
    EXPECT_EQ(a, b);
}

TEST(Limiter, LeakyQueueForwardsAtDrainRate) {
    // A burst of 50 at once into a queue of 10 drained at 5/s: 10 admitted, the last
    // forwarded 2 s later; mean delay (1 + ... + 10) / 5 / 10 = 1.1 s.
    std::vector<double> t(50, 3.0);
    std::vector<std::uint8_t> a(t.size());
    LimiterConfig c = config(LimiterKind::leaky_bucket, 10, 1.0);
    c.drain_rate = 5.0;
    const LimiterSummary s = run_limiter(c, t.data(), 50, a.data(), false);
    EXPECT_EQ(s.admitted, 10);
    EXPECT_NEAR(s.mean_delay_s, 1.1, 1e-12);
}

TEST(Limiter, RacyBucketWithoutDelayIsAtomic) {
    const auto t = poisson(50.0, 100.0, 3);
    const auto n = static_cast<std::int64_t>(t.size());
    std::vector<std::uint8_t> a(t.size()), b(t.size());
    RacyBucketConfig racy;
    racy.capacity = 5.0;
    racy.refill_rate = 4.0;
    racy.rmw_delay_s = 0.0;
    racy_token_bucket(racy, t.data(), n, a.data(), nullptr);
    LimiterConfig tb = config(LimiterKind::token_bucket, 1, 1.0);
    tb.capacity = 5.0;
    tb.refill_rate = 4.0;
    decide(tb, t.data(), n, b.data());
    EXPECT_EQ(a, b);
}

TEST(Limiter, ReplicationsDoNotDependOnThreads) {
    DistributedConfig c;
    c.limiter = config(LimiterKind::sliding_window_counter, 20, 1.0);
    c.servers = 4;
    c.spread = parse_enum<Spread>("random");
    c.trace.arrivals = Arrivals::poisson(100.0);
    c.trace.duration_s = 20.0;
    EXPECT_EQ(simulate_distributed(c, RunSpec{9, 5, 1}), simulate_distributed(c, RunSpec{9, 5, 3}));
}

TEST(Limiter, BadInputThrows) {
    std::vector<double> unsorted = {1.0, 0.0};
    EXPECT_THROW(check_sorted_times(unsorted.data(), 2), std::invalid_argument);
    EXPECT_THROW(resolved(config(LimiterKind::gcra, 0, 1.0)), std::invalid_argument);
    EXPECT_THROW(resolved(config(LimiterKind::gcra, 5, -1.0)), std::invalid_argument);
    EXPECT_THROW(resolved(config(static_cast<LimiterKind>(9), 5, 1.0)), std::invalid_argument);
    EXPECT_THROW(parse_enum<LimiterKind>("bogus"), std::invalid_argument);
    EXPECT_THROW(parse_enum<Spread>("bogus"), std::invalid_argument);
    LimiterConfig no_capacity = config(LimiterKind::gcra, 5, 1.0);
    no_capacity.capacity = 0.0;  // unlike an unset capacity, 0 is out of range
    EXPECT_THROW(resolved(no_capacity), std::invalid_argument);
    TraceSpec huge;
    huge.arrivals = Arrivals::poisson(1e9);
    huge.duration_s = 1e9;
    EXPECT_THROW(validate(huge), std::invalid_argument);
    huge.adversarial = true;  // 2 x limit per two windows
    huge.burst = std::int64_t{1} << 40;
    huge.duration_s = 10.0;
    EXPECT_THROW(validate(huge), std::invalid_argument);
    std::vector<std::uint8_t> a(2, 1);
    EXPECT_THROW(worst_window(unsorted.data(), a.data(), 2, 0.0), std::invalid_argument);
    const double inf = std::numeric_limits<double>::infinity();
    EXPECT_THROW(worst_window(unsorted.data(), a.data(), 2, inf), std::invalid_argument);
    RacyBucketConfig racy;
    racy.capacity = 0.5;
    EXPECT_THROW(racy_token_bucket(racy, unsorted.data(), 0, nullptr, nullptr), std::invalid_argument);
    racy.capacity = 10.0;
    racy.rmw_delay_s = -1e-3;
    EXPECT_THROW(racy_token_bucket(racy, unsorted.data(), 0, nullptr, nullptr), std::invalid_argument);
}

TEST(Limiter, NamesRoundTrip) {
    for (const auto& name : EnumNames<LimiterKind>::names()) EXPECT_EQ(enum_name(parse_enum<LimiterKind>(name)), name);
    for (const auto& name : EnumNames<Spread>::names()) EXPECT_EQ(enum_name(parse_enum<Spread>(name)), name);
    const LimiterConfig c = resolved(config(LimiterKind::leaky_bucket, 10, 2.0));
    EXPECT_EQ(*c.capacity, 10.0);
    EXPECT_EQ(*c.refill_rate, 5.0);
    EXPECT_EQ(*c.queue_size, 10);
    EXPECT_EQ(*c.drain_rate, 5.0);
}

TEST(Limiter, KeysAreLimitedIndependently) {
    // Two clients interleaved, each sending 10 at once; limit 3 per key.
    std::vector<double> t(20);
    std::vector<std::int64_t> keys(20);
    for (int i = 0; i < 20; ++i) {
        t[static_cast<std::size_t>(i)] = 1.0;
        keys[static_cast<std::size_t>(i)] = i % 2 ? -7 : std::int64_t{1} << 50;  // forces the hash map
    }
    std::vector<std::uint8_t> a(t.size());
    const KeyedSummary s =
        run_keyed_limiter(config(LimiterKind::sliding_log, 3, 1.0), t.data(), keys.data(), 20, a.data(), true);
    EXPECT_EQ(s.distinct_keys, 2);
    EXPECT_EQ(s.total.admitted, 6);
    EXPECT_EQ(s.total.worst_window, 3);
    EXPECT_EQ(s.total.differing_decisions, 0);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(a[static_cast<std::size_t>(i)], i < 6 ? 1 : 0) << i;
}

TEST(Limiter, HugeQueueOrLimitOnShortTraceAllocatesLittle) {
    std::vector<double> t = {0.0, 0.0, 0.5};
    std::vector<std::uint8_t> a(t.size());
    LimiterConfig c = config(LimiterKind::leaky_bucket, std::int64_t{1} << 40, 1.0);
    c.queue_size = std::int64_t{1} << 30;
    EXPECT_EQ(decide(c, t.data(), 3, a.data()), 3);
    EXPECT_EQ(decide(config(LimiterKind::sliding_log, std::int64_t{1} << 40, 1.0), t.data(), 3, a.data()), 3);
}

TEST(Limiter, TracesComeFromTheSharedArrivalStream) {
    // The same process and stream give the same trace as drawing the ArrivalStream by hand.
    TraceSpec spec;
    spec.arrivals = Arrivals::mmpp(300.0, 20.0, 0.5, 1.5);
    spec.duration_s = 30.0;
    Rng a(5, 2), b(5, 2);
    const std::vector<double> t = make_trace(spec, a);
    ArrivalStream stream(spec.arrivals, b);
    std::vector<double> want;
    for (double x = stream.next(b); x < spec.duration_s; x = stream.next(b)) want.push_back(x);
    EXPECT_EQ(t, want);
    EXPECT_EQ(expected_trace_size(spec), static_cast<std::int64_t>(spec.arrivals.mean_rate() * 30.0));
    // Periodic bursts (a periodic step profile): arrivals only inside the on parts.
    spec.arrivals = Arrivals::profile({0.0, 0.2, 0.2, 1.0}, {500.0, 500.0, 0.0, 0.0}, 1.0);
    spec.duration_s = 100.0;
    const std::vector<double> bursts = make_trace(spec, a);
    EXPECT_NEAR(static_cast<double>(bursts.size()), 10000.0, 500.0);
    for (double x : bursts) EXPECT_LT(std::fmod(x, 1.0), 0.2) << x;
}

TEST(Limiter, ArrivalsThatStopAdvancingAreRefused) {
    // Bursts of 1.75e-10 s at t = 1e6 s (about 1.5 ulp of t) holding 200 requests each: the
    // gaps are far below an ulp of t, so the stream stays at one instant; refused, not a hang.
    TraceSpec spec;
    const double on_s = 1.75e-10, peak = 200.0 / on_s;
    spec.arrivals = Arrivals::profile({0.0, on_s, on_s, 1e6}, {peak, peak, 0.0, 0.0}, 1e6);
    spec.duration_s = 2e6;
    Rng rng(3);
    EXPECT_THROW(make_trace(spec, rng), std::invalid_argument);
    spec.duration_s = 1e6;  // the first burst, near t = 0, is resolved
    const std::vector<double> t = make_trace(spec, rng);
    EXPECT_GT(t.size(), 100u);
    EXPECT_LT(t.size(), 300u);
}
