#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "scalemodel/queueing/erlang.hpp"
#include "scalemodel/queueing/ggc.hpp"
#include "scalemodel/queueing/inverse.hpp"
#include "scalemodel/queueing/mmc.hpp"
#include "scalemodel/queueing/mmck.hpp"

namespace q = scalemodel::queueing;

namespace {

// Erlang B by its textbook recurrence in long double: an independent path to the same number.
long double erlang_b_recurrence(std::int64_t c, long double a) {
    long double b = 1.0L;
    for (std::int64_t k = 1; k <= c; ++k) b = a * b / (k + a * b);
    return b;
}

double rel_err(double x, double ref) { return std::abs(x - ref) / std::abs(ref); }

}  // namespace

TEST(ErlangB, AgreesWithRecurrence) {
    for (std::int64_t c : {1, 2, 5, 10, 50, 200, 1000, 20000}) {
        for (double ratio : {0.01, 0.3, 0.8, 0.999999, 1.0, 1.000001, 1.5, 4.0}) {
            const double a = ratio * static_cast<double>(c);
            const long double ref = erlang_b_recurrence(c, a);
            if (ref < std::numeric_limits<double>::min()) {
                // Below double's normal range only the absolute size can be right.
                EXPECT_LT(q::erlang_b(c, a), std::numeric_limits<double>::min()) << "c=" << c << " a=" << a;
                continue;
            }
            EXPECT_LT(rel_err(q::erlang_b(c, a), static_cast<double>(ref)), 1e-11) << "c=" << c << " a=" << a;
        }
    }
}

TEST(ErlangB, EdgeCases) {
    EXPECT_EQ(q::erlang_b(3, 0.0), 0.0);
    EXPECT_DOUBLE_EQ(q::erlang_b(1, 1.0), 0.5);  // a / (1 + a)
    // Far above capacity B -> 1 - c/a; the gamma form underflows there and the series takes over.
    EXPECT_NEAR(q::erlang_b(10, 1e6), 1.0 - 10.0 / 1e6, 1e-9);
    EXPECT_TRUE(std::isfinite(q::erlang_b(1000000, 2e6)));
}

TEST(ErlangC, BoundsAndUnstable) {
    for (std::int64_t c : {1, 4, 16, 100}) {
        for (double rho : {0.1, 0.5, 0.9, 0.99}) {
            const double a = rho * static_cast<double>(c);
            EXPECT_GE(q::erlang_c(c, a), q::erlang_b(c, a));
            EXPECT_LE(q::erlang_c(c, a), 1.0);
        }
    }
    EXPECT_DOUBLE_EQ(q::erlang_c(1, 0.3), 0.3);  // M/M/1: P(wait) = rho
    EXPECT_EQ(q::erlang_c(4, 4.0), 1.0);
}

TEST(MMc, MatchesMM1ClosedForms) {
    const double lam = 7.0, mu = 10.0, rho = lam / mu;
    const q::MMc m(lam, mu, 1);
    EXPECT_NEAR(m.metrics().mean_response, 1.0 / (mu - lam), 1e-14);
    EXPECT_NEAR(m.metrics().mean_queue_length, rho * rho / (1 - rho), 1e-13);
    // Response time of M/M/1 is exponential with rate mu - lambda.
    for (double p : {0.5, 0.9, 0.99, 0.999}) {
        EXPECT_NEAR(m.response_quantile(p), -std::log(1 - p) / (mu - lam), 1e-12);
    }
}

TEST(MMc, SurvivalAndQuantileAreInverse) {
    for (std::int64_t c : {2, 4, 16}) {
        for (double rho : {0.3, 0.75, 0.95}) {
            const double mu = 2.0, lam = rho * mu * static_cast<double>(c);
            const q::MMc m(lam, mu, c);
            for (double p : {0.9, 0.99}) {
                EXPECT_NEAR(m.response_survival(m.response_quantile(p)), 1 - p, 1e-12);
            }
        }
    }
}

TEST(MMc, ThetaEqualsMuIsSmooth) {
    // c mu - lambda == mu exactly: the response survival switches formula there.
    const q::MMc at(3.0, 1.0, 4);
    const q::MMc near(3.0 + 1e-9, 1.0, 4);
    EXPECT_NEAR(at.response_survival(2.0), near.response_survival(2.0), 1e-8);
}

TEST(MMc, UnstableIsAResult) {
    const q::MMc m(10.0, 1.0, 4);
    EXPECT_FALSE(m.metrics().stable);
    EXPECT_TRUE(std::isinf(m.metrics().mean_response));
    EXPECT_TRUE(std::isinf(m.response_quantile(0.99)));
}

TEST(MMc, RejectsBadInput) {
    EXPECT_THROW(q::MMc(-1.0, 1.0, 1), std::invalid_argument);
    EXPECT_THROW(q::MMc(1.0, 0.0, 1), std::invalid_argument);
    EXPECT_THROW(q::MMc(std::nan(""), 1.0, 1), std::invalid_argument);
    EXPECT_THROW(q::MMc(1.0, 1.0, 0), std::invalid_argument);
    EXPECT_THROW(q::MMc(1.0, 2.0, 1).wait_quantile(1.5), std::invalid_argument);
}

TEST(MMcK, LossSystemIsErlangB) {
    for (std::int64_t c : {1, 3, 10, 100}) {
        const double a = 0.8 * static_cast<double>(c);
        EXPECT_LT(rel_err(q::MMcK(a, 1.0, c, c).metrics().prob_block, q::erlang_b(c, a)), 1e-12);
    }
}

TEST(MMcK, LargeBufferApproachesMMc) {
    const q::MMcK finite(3.0, 1.0, 4, 400);
    const q::MMc infinite(3.0, 1.0, 4);
    EXPECT_NEAR(finite.metrics().mean_response, infinite.metrics().mean_response, 1e-10);
    EXPECT_NEAR(finite.response_quantile(0.99), infinite.response_quantile(0.99), 1e-8);
    EXPECT_NEAR(finite.wait_quantile(0.99), infinite.wait_quantile(0.99), 1e-8);
}

TEST(MMcK, SingleServerResponseIsErlangMixture) {
    // c = 1: an admitted arrival finding n present leaves after n + 1 exponential services.
    const double lam = 2.0, mu = 3.0;
    const q::MMcK m(lam, mu, 1, 6);
    const auto& p = m.state_probabilities();
    const double t = 0.8;
    double expected = 0.0;
    for (int n = 0; n < 6; ++n) {
        // P(Erlang(n+1, mu) > t) = sum_{j<=n} e^{-mu t} (mu t)^j / j!
        double tail = 0.0, term = std::exp(-mu * t);
        for (int j = 0; j <= n; ++j) {
            tail += term;
            term *= mu * t / (j + 1);
        }
        expected += p[n] / (1 - p[6]) * tail;
    }
    EXPECT_NEAR(m.response_survival(t), expected, 1e-13);
}

TEST(MMcK, RejectsCapacityBelowServers) { EXPECT_THROW(q::MMcK(1.0, 1.0, 4, 3), std::invalid_argument); }

TEST(GGc, ReducesToMMcWithUnitScv) {
    const q::GGc g(30.0, 0.1, 4, 1.0, 1.0);
    const q::MMc m(30.0, 10.0, 4);
    EXPECT_NEAR(g.metrics().mean_wait, m.metrics().mean_wait, 1e-14);
    EXPECT_NEAR(g.wait_quantile(0.99), m.wait_quantile(0.99), 1e-12);
    EXPECT_NEAR(g.response_quantile(0.99), m.response_quantile(0.99), 1e-7);
}

TEST(GGc, PollaczekKhinchine) {
    const double lam = 0.8, es = 1.0, scv = 0.0, rho = lam * es;
    const q::GGc md1(lam, es, 1, 1.0, scv);
    EXPECT_NEAR(md1.metrics().mean_wait, rho * es * (1 + scv) / (2 * (1 - rho)), 1e-14);
    EXPECT_NEAR(md1.response_quantile(0.5), es + md1.wait_quantile(0.5), 1e-14);
}

TEST(ErlangB, TinyLoadOnManyServersUnderflowsQuietly) {
    // Boost's pmf overflows internally here; the log form must take over, not throw.
    EXPECT_EQ(q::erlang_b(1000, 1e-10), 0.0);
    EXPECT_EQ(q::erlang_c(1000000, 1e-300), 0.0);
    const double b = q::erlang_b(200, 10.0);  // about 1e-170: still a normal double
    const long double ref = erlang_b_recurrence(200, 10.0L);
    EXPECT_LT(rel_err(b, static_cast<double>(ref)), 1e-11);
}

TEST(GGc, ExtremeScalesStayFinite) {
    const q::GGc g(1e-301, 1e300, 1, 0.5, 2.0);  // rho = 0.1 at astronomically long service
    const double p99 = g.response_quantile(0.99);
    EXPECT_GT(p99, 1e300);  // at least the service time's own scale
    EXPECT_FALSE(std::isnan(p99));
    EXPECT_EQ(g.response_survival(std::numeric_limits<double>::infinity()), 0.0);
}

TEST(MMcK, RejectsHugeCapacity) { EXPECT_THROW(q::MMcK(1.0, 1.0, 1, 1'000'000'000'000LL), std::invalid_argument); }

TEST(GGc, TailIsContinuousIntoMD1AndHugeScvQuantilesAreDirect) {
    // Issue #18: scv 1e-5 gave a p99 wait 17% above M/D/1's; scv 1e-12 threw from Boost's
    // incomplete gamma; scv 100 took 10-20 s for a median.
    const double md1 = q::GGc(5.0, 0.1, 1, 1.0, 0.0).wait_quantile(0.99);
    EXPECT_NEAR(q::GGc(5.0, 0.1, 1, 1.0, 1e-5).wait_quantile(0.99), md1, 1e-4 * md1);
    EXPECT_NEAR(q::GGc(5.0, 0.1, 1, 1.0, 1e-12).response_quantile(0.99), 0.1 + md1, 1e-6);
    EXPECT_NEAR(q::GGc(5.0, 0.1, 1, 1.0, 100.0).response_quantile(0.5), 1.1274801994014484e-11, 1e-20);
    EXPECT_NEAR(q::GGc(5.0, 0.1, 2, 1.0, 100.0).response_quantile(0.5), 1.6812122877297837e-25, 1e-34);
}

TEST(GGcInverse, UnitScvGivesTheMMcCounts) {
    // With both SCVs 1 the G/G/c model is M/M/c (exact wait, exponential service): the
    // fewest servers for a p99 and a utilization cap agree with the M/M/c search.
    q::Targets t;
    t.response_time = 0.5;
    t.utilization = 0.8;
    for (double lam : {10.0, 400.0, 2000.0}) {
        EXPECT_EQ(q::min_servers(lam, q::GGcShape{0.05, 1.0, 1.0}, t), q::min_servers(lam, 20.0, t)) << lam;
    }
}

TEST(GGcInverse, CountsAndRatesMeetTheTargetAtTheEdge) {
    // Lognormal-like service (SCV 0.2): c meets the p99, c - 1 does not; at the highest
    // arrival rate the survival at the target equals 1 - q.
    q::Targets t;
    t.response_time = 0.1;
    const q::GGcShape s{0.04, 1.0, 0.2};
    const std::int64_t c = q::min_servers(400.0, s, t);
    ASSERT_GT(c, 1);
    EXPECT_LE(q::GGc(400.0, 0.04, c, 1.0, 0.2).response_survival(0.1), 0.01);
    EXPECT_GT(q::GGc(400.0, 0.04, c - 1, 1.0, 0.2).response_survival(0.1), 0.01);
    const double lam = q::max_arrival_rate(s, 20, t);
    EXPECT_NEAR(q::GGc(lam, 0.04, 20, 1.0, 0.2).response_survival(0.1), 0.01, 1e-9);
    // Exponential 40 ms service alone has a p99 of 184 ms: a 100 ms target is out of reach.
    EXPECT_EQ(q::min_servers(400.0, q::GGcShape{0.04, 1.0, 1.0}, t), -1);
    EXPECT_EQ(q::max_arrival_rate(q::GGcShape{0.04, 1.0, 1.0}, 20, t), 0.0);
    EXPECT_THROW(q::min_servers(1.0, q::GGcShape{0.0, 1.0, 1.0}, t), std::invalid_argument);
}

TEST(Inverse, CallCentreServiceLevelMatchesErlangC) {
    // P(wait <= t) = 1 - C(c, a) exp(-(c mu - lambda) t): 360 erlangs, 80% within 20 s.
    q::Targets t;
    t.wait_time = 20.0;
    t.service_level = 0.8;
    const double lam = 2.0, mu = 1.0 / 180.0;
    auto level = [&](std::int64_t c) { return 1.0 - q::erlang_c(c, lam / mu) * std::exp(-(c * mu - lam) * 20.0); };
    const std::int64_t c = q::min_servers(lam, mu, t);
    EXPECT_GE(level(c), 0.8);
    EXPECT_LT(level(c - 1), 0.8);
    EXPECT_EQ(q::min_servers(lam, q::GGcShape{180.0, 1.0, 1.0}, t), c);
    t.service_level = std::numeric_limits<double>::quiet_NaN();
    EXPECT_THROW(q::min_servers(lam, mu, t), std::invalid_argument);
}
