#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <list>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "scalemodel/core/random.hpp"
#include "scalemodel/core/run_spec.hpp"
#include "scalemodel/sim/cache.hpp"
#include "zipf_pmf.hpp"

using namespace scalemodel;
using scalemodel::testing::zipf_pmf;
using namespace scalemodel::sim;

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
    c.capacity = capacity;
    c.catalogue_size = n;
    c.trace = trace;
    c.warmup = 1000;
    c.requests = static_cast<std::int64_t>(trace.size()) - c.warmup;
    const CacheResult r = simulate_cache(c, RunSpec{0, 1, 1});
    EXPECT_EQ(r.metrics[7][0], static_cast<double>(hits));
}

TEST(CacheSimulator, SameSeedSameResultOnAnyThreadCount) {
    CacheConfig c;
    c.policy = CachePolicy::lfu;
    c.capacity = 100;
    c.catalogue_size = 5000;
    c.zipf_alpha = 0.9;
    c.requests = 20000;
    c.warmup = 5000;
    c.request_rate = 100;  // every metric finite, so the vectors compare equal
    const auto one = simulate_cache(c, RunSpec{11, 4, 1}), two = simulate_cache(c, RunSpec{11, 4, 2});
    EXPECT_EQ(one.metrics, two.metrics);
}

TEST(CacheSimulator, BadInputThrows) {
    CacheConfig c;
    c.catalogue_size = 100;
    c.requests = 10;
    EXPECT_THROW(simulate_cache(c, RunSpec{0, 1, 1}), std::invalid_argument);  // no capacity
    c.capacity = 10;
    c.zipf_alpha = -1;
    EXPECT_THROW(simulate_cache(c, RunSpec{0, 1, 1}), std::invalid_argument);
    c.zipf_alpha = 1;
    c.ttl_s = 5;  // a TTL without a request rate
    EXPECT_THROW(simulate_cache(c, RunSpec{0, 1, 1}), std::invalid_argument);
    c.ttl_s.reset();
    const std::vector<std::int64_t> outside = {1, 2, 300};
    c.trace = outside;
    c.requests = 3;
    EXPECT_THROW(simulate_cache(c, RunSpec{0, 1, 1}), std::invalid_argument);  // id out of the catalogue
    c.trace = {};
    c.capacity = 0;  // given, so at least 1
    EXPECT_THROW(simulate_cache(c, RunSpec{0, 1, 1}), std::invalid_argument);
    c.capacity = 10;
    c.churn_shift = 3;  // a shift without an interval
    EXPECT_THROW(simulate_cache(c, RunSpec{0, 1, 1}), std::invalid_argument);
    c.churn_shift.reset();
    EXPECT_THROW(simulate_cache(c, RunSpec{0, 0, 1}), std::invalid_argument);  // no replications
}

TEST(CacheSimulator, PolicyAndSizeNamesParseOnce) {
    EXPECT_EQ(parse_enum<CachePolicy>("lfu"), CachePolicy::lfu);
    EXPECT_EQ(enum_name(CachePolicy::ttl), "ttl");
    EXPECT_EQ(parse_enum<SizeKind>("pareto"), SizeKind::pareto);
    EXPECT_THROW(parse_enum<CachePolicy>("arc"), std::invalid_argument);
    EXPECT_THROW(parse_enum<SizeKind>("huge"), std::invalid_argument);
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
    const CacheResult r = simulate_cache(c, RunSpec{5, 2, 1});
    EXPECT_LE(r.metrics[12][0], 3e16);  // fill_bytes
}

