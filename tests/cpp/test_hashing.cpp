#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scalemodel/core/random.hpp"
#include "scalemodel/hashing/analysis.hpp"
#include "scalemodel/hashing/hash_functions.hpp"
#include "scalemodel/hashing/placement.hpp"

namespace h = scalemodel::hashing;

// Redis Cluster specification: CRC16 (XMODEM) check value and the hash-tag rules.
TEST(Hashing, RedisCrc16AndHashTags) {
    EXPECT_EQ(h::crc16_xmodem("123456789"), 0x31C3);
    EXPECT_EQ(h::redis_slot("123456789"), 12739u);
    EXPECT_EQ(h::redis_hash_tag("{user1000}.following"), "user1000");
    EXPECT_EQ(h::redis_hash_tag("foo{}{bar}"), "foo{}{bar}");
    EXPECT_EQ(h::redis_hash_tag("foo{{bar}}zap"), "{bar");
    EXPECT_EQ(h::redis_hash_tag("foo{bar}{zap}"), "bar");
    EXPECT_EQ(h::redis_hash_tag("no tag"), "no tag");
    EXPECT_EQ(h::redis_hash_tag("open{only"), "open{only");
}

// Kafka's UtilsTest.testMurmur2 (clients/src/test/java/org/apache/kafka/common/utils).
TEST(Hashing, KafkaMurmur2Vectors) {
    EXPECT_EQ(h::kafka_murmur2("21"), -973932308);
    EXPECT_EQ(h::kafka_murmur2("foobar"), -790332482);
    EXPECT_EQ(h::kafka_murmur2("a-little-bit-long-string"), -985981536);
    EXPECT_EQ(h::kafka_murmur2("a-little-bit-longer-string"), -1486304829);
    EXPECT_EQ(h::kafka_murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
    EXPECT_EQ(h::kafka_murmur2("abc"), 479470107);
}

// Murmur3Partitioner tokens from the scylla-rust-driver's partitioner tests (computed by
// Cassandra); "kremówki" has bytes >= 0x80 in the tail, which exercises the sign extension.
TEST(Hashing, CassandraTokens) {
    EXPECT_EQ(h::cassandra_token("test"), -6017608668500074083LL);
    EXPECT_EQ(h::cassandra_token("xd"), 4507812186440344727LL);
    EXPECT_EQ(h::cassandra_token("primary_key"), -1632642444691073360LL);
    EXPECT_EQ(h::cassandra_token("krem\xc3\xb3wki"), 4354931215268080151LL);
    EXPECT_EQ(h::cassandra_token(""), INT64_MIN);
}

// Guava HashingTest.testConsistentHash_linearCongruentialGeneratorCompatibility.
TEST(Hashing, JumpGuavaGolden) {
    const int golden100[] = {0, 55, 62, 8, 45, 59, 86, 97, 82, 59, 73, 37, 17, 56, 86, 21, 90, 37, 38, 83};
    for (int i = 0; i < 20; ++i) EXPECT_EQ(h::jump_hash(static_cast<std::uint64_t>(i), 100), golden100[i]);
    EXPECT_EQ(h::jump_hash(10863919174838991ULL, 11), 6);
    EXPECT_EQ(h::jump_hash(2016238256797177309ULL, 11), 3);
    EXPECT_EQ(h::jump_hash(1673758223894951030ULL, 11), 5);
    EXPECT_EQ(h::jump_hash(2, 100001), 80343);
    EXPECT_EQ(h::jump_hash(2201, 100001), 22152);
    EXPECT_EQ(h::jump_hash(2202, 100001), 15018);
}

// RFC 1321 test suite and the xxHash64 of the empty input (xxHash's sanity value).
TEST(Hashing, LibraryHashes) {
    const auto d = h::md5("abc");
    const unsigned char want[16] = {0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0,
                                    0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72};
    for (int i = 0; i < 16; ++i) EXPECT_EQ(d[static_cast<std::size_t>(i)], want[i]);
    EXPECT_EQ(h::xxh64(""), 0xEF46DB3751D8E999ULL);
}

// Maglev paper (Eisenbud et al. 2016), Table 1: three backends, M = 7.
TEST(Hashing, MaglevPaperTable) {
    const auto t = h::Maglev::populate({3, 0, 3}, {4, 2, 1}, 7);
    const std::vector<std::int32_t> want = {1, 0, 1, 0, 2, 2, 0};
    EXPECT_EQ(t, want);
}

TEST(Hashing, BoundedLoadNeverAboveCapacity) {
    std::vector<std::string> names;
    for (int i = 0; i < 10; ++i) names.push_back("n" + std::to_string(i));
    const h::BoundedLoad s(names, 100, 0.25);
    std::vector<std::uint64_t> keys(100000);
    for (std::size_t i = 0; i < keys.size(); ++i) keys[i] = i;
    std::vector<std::int32_t> out(keys.size());
    h::assign(s, h::Keys::of_ints(keys.data(), 100000), out.data());
    std::vector<std::int64_t> load(10, 0);
    for (auto o : out) ++load[static_cast<std::size_t>(o)];
    for (auto l : load) EXPECT_LE(l, s.capacity(100000));
}

TEST(Hashing, RedisRebalanceMovesOneQuarter) {
    const h::RedisCluster three(h::RedisCluster::even_slots(3));
    const auto four = three.with_added_node();
    int moved = 0;
    for (int s = 0; s < 16384; ++s) moved += four[static_cast<std::size_t>(s)] != three.slot_owner()[static_cast<std::size_t>(s)];
    EXPECT_EQ(moved, 4096);
}

TEST(Hashing, StreamLoadsIndependentOfThreads) {
    const h::Jump j(7);
    h::KeyStream s;
    s.kind = "uniform";
    s.count = 300000;
    s.seed = 5;
    EXPECT_EQ(h::node_loads(j, s, 1), h::node_loads(j, s, 3));
    s.kind = "zipf";
    EXPECT_EQ(h::node_loads(j, s, 1), h::node_loads(j, s, 3));
}

TEST(Hashing, JumpBatchEqualsScalar) {
    std::vector<std::uint64_t> keys(1003);
    scalemodel::Rng rng(11);
    for (auto& k : keys) k = rng();
    for (std::int32_t buckets : {1, 2, 7, 1000, 100001}) {
        std::vector<std::int32_t> out(keys.size());
        h::jump_hash_batch(keys.data(), static_cast<std::int64_t>(keys.size()), buckets, out.data());
        for (std::size_t i = 0; i < keys.size(); ++i) ASSERT_EQ(out[i], h::jump_hash(keys[i], buckets));
    }
}

TEST(Haproxy, RandomDrawsFollowTheRingShares) {
    const std::vector<std::int64_t> w(4, 1);
    const auto shares = h::haproxy_random_shares(w);
    double sum = 0;
    for (double x : shares) sum += x;
    EXPECT_NEAR(sum, 1.0, 1e-12);
    EXPECT_NEAR(shares[1], 0.18534, 1e-5);
    const auto draws = h::haproxy_random_draws(w, 100000);
    std::vector<double> count(4, 0.0);
    for (auto d : draws) count[static_cast<std::size_t>(d)] += 1.0 / 100000;
    for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(count[i], shares[i], 0.01);
    EXPECT_THROW(h::haproxy_random_shares({0, 0}), std::invalid_argument);
}
