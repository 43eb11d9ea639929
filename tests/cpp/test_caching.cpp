#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "scalemodel/caching/che.hpp"
#include "scalemodel/caching/popularity.hpp"
#include "scalemodel/caching/staleness.hpp"
#include "scalemodel/caching/write_policy.hpp"
#include "scalemodel/core/zipf_sum.hpp"
#include "zipf_pmf.hpp"

using namespace scalemodel;
using scalemodel::testing::zipf_pmf;
using namespace scalemodel::caching;

TEST(ZipfPartialSum, MatchesDirectSummation) {
    for (double alpha : {0.0, 0.3, 1.0, 1.2, 2.5}) {
        long double direct = 0;
        for (std::int64_t i = 1000000; i >= 7; --i) direct += std::pow(static_cast<long double>(i), -alpha);
        EXPECT_NEAR(zipf_partial_sum(7, 1000000, alpha) / static_cast<double>(direct), 1.0, 1e-13) << alpha;
    }
    EXPECT_EQ(zipf_partial_sum(5, 4, 1.0), 0.0);
}

TEST(CheApproximation, TtlFormulaAndCheAgreeWhereTheyMust) {
    // A cache holding everything hits always; FIFO's Che analogue hits less than LRU's.
    EXPECT_EQ(che_approximation(1.0, 100, 100, ChePolicy::lru).hit_ratio, 1.0);
    const double lru = che_approximation(0.8, 10000, 500, ChePolicy::lru).hit_ratio;
    const double fifo = che_approximation(0.8, 10000, 500, ChePolicy::fifo).hit_ratio;
    EXPECT_GT(lru, fifo);
    // alpha 0: every item equally likely, so the LRU hit ratio is exactly C / N.
    EXPECT_NEAR(che_approximation(0.0, 1000, 250, ChePolicy::lru).hit_ratio, 0.25, 1e-12);
    EXPECT_NEAR(ttl_hit_ratio(0.0, 10, 2.0, 5.0), 1.0 / (1.0 + 1.0), 1e-15);  // lambda T = 1 each
}

TEST(CheApproximation, FastSumsMatchTheDirectSumOnLargeCatalogues) {
    // Past a few thousand ranks the sums go to Euler-Maclaurin with a quadrature; at the
    // solved T the direct O(N) sums must give back the capacity and the hit ratio.
    const std::int64_t n = 2000000;
    for (double alpha : {0.0, 0.3, 0.8, 1.0, 1.2, 2.5}) {
        const std::vector<double> p = zipf_pmf(n, alpha);
        for (double capacity : {10.0, 5000.0, 400000.0, 1900000.0}) {
            for (ChePolicy policy : {ChePolicy::lru, ChePolicy::fifo}) {
                const CheResult r = che_approximation(alpha, n, capacity, policy);
                double occupancy = 0, hit = 0;
                for (std::int64_t i = n - 1; i >= 0; --i) {
                    const double x = p[static_cast<std::size_t>(i)] * r.characteristic_time;
                    const double o = policy == ChePolicy::lru ? -std::expm1(-x) : x / (1.0 + x);
                    occupancy += o;
                    hit += p[static_cast<std::size_t>(i)] * o;
                }
                EXPECT_NEAR(occupancy / capacity, 1.0, 1e-10) << alpha << " " << capacity;
                EXPECT_NEAR(r.hit_ratio / hit, 1.0, 1e-10) << alpha << " " << capacity;
            }
            double ttl = 0;
            for (std::int64_t i = n - 1; i >= 0; --i) {
                const double x = p[static_cast<std::size_t>(i)] * capacity;
                ttl += p[static_cast<std::size_t>(i)] * x / (1.0 + x);
            }
            EXPECT_NEAR(ttl_hit_ratio(alpha, n, capacity / 50.0, 50.0) / ttl, 1.0, 1e-10) << alpha << " " << capacity;
        }
    }
}

TEST(CheApproximation, ExtremeArgumentsGiveLimitsNotErrors) {
    // A capacity so small that occupancy(T) = T in double precision: T = capacity.
    const CheResult tiny = che_approximation(0.0, 1000000000, 1e-300, ChePolicy::lru);
    EXPECT_EQ(tiny.characteristic_time, 1e-300);
    EXPECT_GE(tiny.hit_ratio, 0.0);
    EXPECT_LT(tiny.hit_ratio, 1e-300);
    EXPECT_EQ(ttl_hit_ratio(1.0, 100, 1e300, 1e10), 1.0);  // rate * ttl overflows
}

TEST(WritePolicy, CacheAsideFigures) {
    const auto l = write_policy_load(WritePolicy::cache_aside, 1000, 0, 0.8, 0.001, 0.010, 0.010, 0.99);
    EXPECT_NEAR(l.mean_latency_s, 0.003, 1e-15);
    EXPECT_DOUBLE_EQ(l.quantile_latency_s, 0.011);
    EXPECT_NEAR(l.db_reads_per_s, 200, 1e-9);
}

TEST(CdnStaleness, NoTtlMeansPurgeDelay) {
    const auto s = cdn_staleness(std::numeric_limits<double>::infinity(), 300, 900);
    EXPECT_DOUBLE_EQ(s.worst_s, 900);
    EXPECT_NEAR(s.mean_s, 600, 1e-9);
    const auto t = cdn_staleness(60, 300, 900);  // the TTL always wins: mean ttl / 2
    EXPECT_NEAR(t.mean_s, 30, 1e-12);
}

TEST(WritePolicy, NamesParseOnce) {
    EXPECT_EQ(parse_enum<WritePolicy>("write_behind"), WritePolicy::write_behind);
    EXPECT_EQ(parse_enum<WritePolicy>("write-through"), WritePolicy::write_through);
    EXPECT_THROW(parse_enum<WritePolicy>("write_around"), std::invalid_argument);
    EXPECT_EQ(parse_enum<ChePolicy>("fifo"), ChePolicy::fifo);
    EXPECT_THROW(parse_enum<ChePolicy>("lfu"), std::invalid_argument);
}

TEST(Popularity, EightyTwentyRoundTrips) {
    const double alpha = zipf_alpha_for_share(100000, 0.2, 0.8);
    EXPECT_NEAR(top_share(alpha, 100000, 0.2), 0.8, 1e-10);
    EXPECT_NEAR(items_for_share(alpha, 100000, 0.8), 0.2, 1e-4);
    EXPECT_THROW(top_share(1.0, 1000, 1.5), std::invalid_argument);
}

TEST(CheApproximation, SteepLawsAndTinyCapacitiesConvergeToLimits) {
    // Issue #18: these ran for a minute or never returned (T ~ capacity^alpha overflows).
    EXPECT_NEAR(che_approximation(10.0, 100000, 20000, ChePolicy::lru).hit_ratio, 1.0, 1e-12);
    const CheResult steep = che_approximation(75.0, 100000, 20000, ChePolicy::fifo);
    EXPECT_EQ(steep.characteristic_time, std::numeric_limits<double>::infinity());
    EXPECT_LE(steep.hit_ratio, 1.0);
    const CheResult tiny = che_approximation(0.9, 100000, 1e-308, ChePolicy::lru);
    EXPECT_GT(tiny.hit_ratio, 0.0);
    EXPECT_LT(tiny.hit_ratio, 1e-300);
    EXPECT_FALSE(std::isnan(ttl_hit_ratio(1e308, 10000, 120, 1000)));
    EXPECT_FALSE(std::isnan(zipf_partial_sum(1, 10000, 1e308)));
}

TEST(CheApproximation, SmallCataloguesMatchALongDoubleSum) {
    // Catalogues up to 2 x 8192 + 1 items are summed rank by rank (an item whose occupancy
    // rounds to 1 is taken as 1 without its exp); at the solved T a long double sum gives
    // back the capacity and the hit ratio.
    for (std::int64_t n : {10, 1000, 16385}) {
        for (double alpha : {0.2, 1.0, 2.5}) {
            std::vector<long double> p(static_cast<std::size_t>(n));
            long double total = 0;
            for (std::int64_t k = n; k >= 1; --k) total += std::pow(static_cast<long double>(k), -alpha);
            for (std::int64_t k = 1; k <= n; ++k) p[static_cast<std::size_t>(k - 1)] = std::pow(static_cast<long double>(k), -alpha) / total;
            for (double share : {0.001, 0.1, 0.5, 0.95}) {
                const double capacity = share * static_cast<double>(n);
                for (ChePolicy policy : {ChePolicy::lru, ChePolicy::fifo}) {
                    const CheResult r = che_approximation(alpha, n, capacity, policy);
                    long double occupancy = 0, hit = 0;
                    for (std::int64_t i = n - 1; i >= 0; --i) {
                        const long double pi = p[static_cast<std::size_t>(i)];
                        const long double x = pi * static_cast<long double>(r.characteristic_time);
                        const long double o = policy == ChePolicy::lru ? -std::expm1(-x) : x / (1.0L + x);
                        occupancy += o;
                        hit += pi * o;
                    }
                    EXPECT_NEAR(static_cast<double>(occupancy) / capacity, 1.0, 1e-12) << n << " " << alpha << " " << share;
                    EXPECT_NEAR(r.hit_ratio / static_cast<double>(hit), 1.0, 1e-12) << n << " " << alpha << " " << share;
                }
            }
        }
    }
}

TEST(CheApproximation, OccupancyRoundsToOneWhereTheSumsSkipIt) {
    // The sums take an item's occupancy as 1 without computing it past u = exp(3.7) (LRU)
    // and u = exp(40) (FIFO), where the formula itself gives 1 in double precision.
    for (double log_u = 3.7; log_u < 710.0; log_u += 0.001) {
        const double u = std::exp(log_u);
        ASSERT_EQ(-std::expm1(-u), 1.0) << u;
        const double v = std::exp(log_u - 3.7 + 40.0);
        if (std::isfinite(v)) {
            ASSERT_EQ(v / (1.0 + v), 1.0) << v;
        }
    }
}
