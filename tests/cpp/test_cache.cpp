#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <list>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "scalemodel/core/random.hpp"
#include "scalemodel/sim/cache.hpp"

using namespace scalemodel;
using namespace scalemodel::sim;

namespace {

// Exact Zipf probabilities by direct summation, for small catalogues.
std::vector<double> zipf_pmf(std::int64_t n, double alpha) {
    std::vector<double> p(static_cast<std::size_t>(n));
    double total = 0;
    for (std::int64_t k = n; k >= 1; --k) total += std::pow(static_cast<double>(k), -alpha);
    for (std::int64_t k = 1; k <= n; ++k) p[static_cast<std::size_t>(k - 1)] = std::pow(static_cast<double>(k), -alpha) / total;
    return p;
}

}  // namespace

TEST(ZipfSampler, FrequenciesMatchTheLawForSeveralExponents) {
    // Chi-square against the exact pmf over 50 cells (ranks 1..49 and the rest together),
    // 400,000 draws; the 99.99% point of chi-square(49) is about 96. The catalogue and
    // head sizes cover pure rejection-inversion (head 0), the alias table alone (head >= n)
    // and both together.
    struct Case {
        std::int64_t n, head;
    };
    for (const Case cs : {Case{50, 0}, Case{50, 2048}, Case{5000, 16}, Case{100000, 0}}) {
        for (double alpha : {0.0, 0.5, 0.99, 1.0, 1.01, 1.5, 3.0}) {
            const std::int64_t draws = 400000, cells = 50;
            ZipfSampler zipf(cs.n, alpha, cs.head);
            Rng rng(7, static_cast<std::uint64_t>(alpha * 100));
            std::vector<double> counts(cells, 0.0), block_counts(cells, 0.0);
            std::vector<std::int64_t> block(1000);
            for (std::int64_t i = 0; i < draws; ++i) {
                const std::int64_t k = zipf(rng);
                ASSERT_GE(k, 0);
                ASSERT_LT(k, cs.n);
                counts[static_cast<std::size_t>(std::min(k, cells - 1))] += 1;
            }
            for (std::int64_t i = 0; i < draws; i += 1000) {  // the two-pass block sampler
                zipf.fill(rng, block.data(), 1000);
                for (std::int64_t k : block) {
                    ASSERT_GE(k, 0);
                    ASSERT_LT(k, cs.n);
                    block_counts[static_cast<std::size_t>(std::min(k, cells - 1))] += 1;
                }
            }
            const auto p = zipf_pmf(cs.n, alpha);
            std::vector<double> expected(cells, 0.0);
            for (std::size_t k = 0; k < p.size(); ++k) expected[std::min<std::size_t>(k, cells - 1)] += p[k] * draws;
            double chi2 = 0, block_chi2 = 0;
            for (std::size_t k = 0; k < expected.size(); ++k) {
                if (expected[k] < 5) continue;
                chi2 += (counts[k] - expected[k]) * (counts[k] - expected[k]) / expected[k];
                block_chi2 += (block_counts[k] - expected[k]) * (block_counts[k] - expected[k]) / expected[k];
            }
            EXPECT_LT(chi2, 96.0) << "alpha " << alpha << " n " << cs.n << " head " << cs.head;
            EXPECT_LT(block_chi2, 96.0) << "fill: alpha " << alpha << " n " << cs.n << " head " << cs.head;
        }
    }
}

TEST(ZipfPartialSum, MatchesDirectSummation) {
    for (double alpha : {0.0, 0.3, 1.0, 1.2, 2.5}) {
        long double direct = 0;
        for (std::int64_t i = 1000000; i >= 7; --i) direct += std::pow(static_cast<long double>(i), -alpha);
        EXPECT_NEAR(zipf_partial_sum(7, 1000000, alpha) / static_cast<double>(direct), 1.0, 1e-13) << alpha;
    }
    EXPECT_EQ(zipf_partial_sum(5, 4, 1.0), 0.0);
}

// A reference LRU on std::list + unordered_map, fed the same trace.
TEST(CacheSimulator, LruMatchesAReferenceOnATrace) {
    const std::int64_t n = 200, capacity = 20;
    std::vector<std::int64_t> trace;
    RequestStream stream(n, 0.8, 0, -1, 3, 0);
    for (int i = 0; i < 20000; ++i) trace.push_back(stream.next());
    std::list<std::int64_t> order;
    std::unordered_map<std::int64_t, std::list<std::int64_t>::iterator> where;
    std::int64_t hits = 0;
    for (std::size_t j = 0; j < trace.size(); ++j) {
        const auto id = trace[j];
        auto it = where.find(id);
        if (it != where.end()) {
            if (j >= 1000) ++hits;
            order.erase(it->second);
        } else if (static_cast<std::int64_t>(order.size()) == capacity) {
            where.erase(order.back());
            order.pop_back();
        }
        order.push_front(id);
        where[id] = order.begin();
    }
    CacheConfig c;
    c.policy = CachePolicy::lru;
    c.capacity_items = capacity;
    c.catalogue_size = n;
    c.trace = trace.data();
    c.trace_size = static_cast<std::int64_t>(trace.size());
    c.warmup = 1000;
    c.requests = c.trace_size - c.warmup;
    const CacheResult r = simulate_cache(c, 1, 0, 1);
    EXPECT_EQ(r.metrics[7][0], static_cast<double>(hits));
}

TEST(CacheSimulator, SameSeedSameResultOnAnyThreadCount) {
    CacheConfig c;
    c.policy = CachePolicy::lfu;
    c.capacity_items = 100;
    c.catalogue_size = 5000;
    c.zipf_alpha = 0.9;
    c.requests = 20000;
    c.warmup = 5000;
    c.request_rate = 100;  // every metric finite, so the vectors compare equal
    const auto one = simulate_cache(c, 4, 11, 1), two = simulate_cache(c, 4, 11, 2);
    EXPECT_EQ(one.metrics, two.metrics);
}

TEST(CacheSimulator, BadInputThrows) {
    CacheConfig c;
    c.catalogue_size = 100;
    c.requests = 10;
    EXPECT_THROW(simulate_cache(c, 1, 0, 1), std::invalid_argument);  // no capacity
    c.capacity_items = 10;
    c.zipf_alpha = -1;
    EXPECT_THROW(simulate_cache(c, 1, 0, 1), std::invalid_argument);
    c.zipf_alpha = 1;
    c.ttl_s = 5;  // a TTL without a request rate
    EXPECT_THROW(simulate_cache(c, 1, 0, 1), std::invalid_argument);
    c.ttl_s = std::numeric_limits<double>::infinity();
    std::vector<std::int64_t> trace = {1, 2, 300};
    c.trace = trace.data();
    c.trace_size = 3;
    c.requests = 3;
    EXPECT_THROW(simulate_cache(c, 1, 0, 1), std::invalid_argument);  // id out of the catalogue
}

TEST(CheApproximation, TtlFormulaAndCheAgreeWhereTheyMust) {
    // A cache holding everything hits always; FIFO's Che analogue hits less than LRU's.
    EXPECT_EQ(che_approximation(1.0, 100, 100, CachePolicy::lru).hit_ratio, 1.0);
    const double lru = che_approximation(0.8, 10000, 500, CachePolicy::lru).hit_ratio;
    const double fifo = che_approximation(0.8, 10000, 500, CachePolicy::fifo).hit_ratio;
    EXPECT_GT(lru, fifo);
    // alpha 0: every item equally likely, so the LRU hit ratio is exactly C / N.
    EXPECT_NEAR(che_approximation(0.0, 1000, 250, CachePolicy::lru).hit_ratio, 0.25, 1e-12);
    EXPECT_NEAR(ttl_hit_ratio(0.0, 10, 2.0, 5.0), 1.0 / (1.0 + 1.0), 1e-15);  // lambda T = 1 each
}

TEST(CheApproximation, FastSumsMatchTheDirectSumOnLargeCatalogues) {
    // Past a few thousand ranks the sums go to Euler-Maclaurin with a quadrature; at the
    // solved T the direct O(N) sums must give back the capacity and the hit ratio.
    const std::int64_t n = 2000000;
    for (double alpha : {0.0, 0.3, 0.8, 1.0, 1.2, 2.5}) {
        const std::vector<double> p = zipf_pmf(n, alpha);
        for (double capacity : {10.0, 5000.0, 400000.0, 1900000.0}) {
            for (CachePolicy policy : {CachePolicy::lru, CachePolicy::fifo}) {
                const CheResult r = che_approximation(alpha, n, capacity, policy);
                double occupancy = 0, hit = 0;
                for (std::int64_t i = n - 1; i >= 0; --i) {
                    const double x = p[static_cast<std::size_t>(i)] * r.characteristic_time;
                    const double o = policy == CachePolicy::lru ? -std::expm1(-x) : x / (1.0 + x);
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
    const CheResult tiny = che_approximation(0.0, 1000000000, 1e-300, CachePolicy::lru);
    EXPECT_EQ(tiny.characteristic_time, 1e-300);
    EXPECT_GE(tiny.hit_ratio, 0.0);
    EXPECT_LT(tiny.hit_ratio, 1e-300);
    EXPECT_EQ(ttl_hit_ratio(1.0, 100, 1e300, 1e10), 1.0);  // rate * ttl overflows
}

TEST(CacheSimulator, HugeByteCountsNeverEvictFromAnEmptyCache) {
    // Lognormal sizes up to ~1e16 bytes: sums pass 2^53 and lose whole bytes; eviction must
    // stop at an empty cache instead of reading a victim that is not there.
    CacheConfig c;
    c.policy = CachePolicy::lru;
    c.capacity_bytes = 3e16;
    c.catalogue_size = 10000;
    c.zipf_alpha = 0.8;
    c.requests = 200000;
    c.sizes = {SizeKind::lognormal, 1e14, 3.0};
    const CacheResult r = simulate_cache(c, 2, 5, 1);
    EXPECT_LE(r.metrics[12][0], 3e16);  // fill_bytes
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
