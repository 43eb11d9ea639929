// Hash functions of the systems scalemodel models. Only what a real system defines is
// written here (Redis Cluster's CRC16 key slot, Kafka's Java-client murmur2, Cassandra's
// Murmur3Partitioner token, jump consistent hash); general-purpose hashes come from
// libraries (xxHash64 from libxxhash, MD5 through OpenSSL's EVP interface).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace scalemodel::hashing {

// CRC16-CCITT in the XMODEM variant (polynomial 0x1021, initial value 0, no reflection),
// the checksum Redis Cluster uses for key slots. crc16_xmodem("123456789") == 0x31C3.
std::uint16_t crc16_xmodem(std::string_view data) noexcept;

// The part of a key Redis Cluster hashes: the bytes between the first '{' and the first
// '}' after it, when that part is not empty; otherwise the whole key.
std::string_view redis_hash_tag(std::string_view key) noexcept;

// Redis Cluster key slot in [0, 16384): CRC16 of the hash tag (or the key) mod 16384.
inline std::uint32_t redis_slot(std::string_view key) noexcept {
    return crc16_xmodem(redis_hash_tag(key)) & 16383u;
}

// Kafka's Java-client murmur2 (Utils.murmur2, seed 0x9747b28c), as the signed Java int.
std::int32_t kafka_murmur2(std::string_view data) noexcept;

// Kafka's default partitioner for keyed records: toPositive(murmur2(key)) % partitions.
inline std::int32_t kafka_partition(std::string_view key, std::int32_t partitions) noexcept {
    return static_cast<std::int32_t>((static_cast<std::uint32_t>(kafka_murmur2(key)) & 0x7fffffffu) %
                                     static_cast<std::uint32_t>(partitions));
}

// MurmurHash3 x64 128-bit as Cassandra computes it (seed 0): the tail bytes are read as
// signed Java bytes and sign-extended before shifting, which differs from the reference
// C++ MurmurHash3 for keys whose tail holds bytes >= 0x80.
std::array<std::int64_t, 2> cassandra_murmur3_x64_128(std::string_view data) noexcept;

// Murmur3Partitioner token: the first 64 bits as a signed long; an empty key gets the
// minimum token (Long.MIN_VALUE) and a hash equal to Long.MIN_VALUE becomes Long.MAX_VALUE.
std::int64_t cassandra_token(std::string_view key) noexcept;

// Jump consistent hash (Lamping and Veach, 2014): bucket in [0, buckets) for a 64-bit key.
// buckets must be >= 1 (checked by callers).
inline std::int32_t jump_hash(std::uint64_t key, std::int32_t buckets) noexcept {
    std::int64_t b = -1, j = 0;
    while (j < buckets) {
        b = j;
        key = key * 2862933555777941757ULL + 1;
        j = static_cast<std::int64_t>(static_cast<double>(b + 1) *
                                      (static_cast<double>(1LL << 31) / static_cast<double>((key >> 33) + 1)));
    }
    return static_cast<std::int32_t>(b);
}

// jump_hash for keys[0 .. n) into out, eight keys in flight: the divisions of different
// keys overlap in the pipeline, and a lane that finishes takes the next key at once, so no
// lane idles while the slowest key of a group finishes (keys need ln(buckets) steps on
// average but the longest of eight needs about half as many again). (key >> 33) + 1 < 2^31
// is converted to double as a signed integer, exactly and more cheaply than as unsigned.
inline void jump_hash_batch(const std::uint64_t* keys, std::int64_t n, std::int32_t buckets, std::int32_t* out) noexcept {
    constexpr int W = 8;
    if (n < W) {
        for (std::int64_t i = 0; i < n; ++i) out[i] = jump_hash(keys[i], buckets);
        return;
    }
    std::uint64_t k[W];
    std::int64_t b[W], j[W], idx[W];
    std::int64_t next = 0;
    for (int w = 0; w < W; ++w, ++next) {
        idx[w] = next;
        k[w] = keys[next];
        b[w] = -1;
        j[w] = 0;
    }
    int live = W;
    while (live > 0) {
        for (int w = 0; w < W; ++w) {
            if (idx[w] < 0) continue;
            if (j[w] >= buckets) {  // lane done: emit, then take the next key or retire
                out[idx[w]] = static_cast<std::int32_t>(b[w]);
                if (next == n) {
                    idx[w] = -1;
                    --live;
                    continue;
                }
                idx[w] = next;
                k[w] = keys[next++];
                b[w] = -1;
                j[w] = 0;
            }
            b[w] = j[w];
            k[w] = k[w] * 2862933555777941757ULL + 1;
            const double step = static_cast<double>(1LL << 31) / static_cast<double>(static_cast<std::int64_t>((k[w] >> 33) + 1));
            j[w] = static_cast<std::int64_t>(static_cast<double>(b[w] + 1) * step);
        }
    }
}

// xxHash64 of the bytes (libxxhash).
std::uint64_t xxh64(std::string_view data, std::uint64_t seed = 0) noexcept;

// xxHash64 of a 64-bit integer's 8 little-endian bytes: the default hash of integer keys.
std::uint64_t xxh64_u64(std::uint64_t key, std::uint64_t seed = 0) noexcept;

// MD5 digest of the bytes through OpenSSL's EVP interface. Thread-safe (one context per
// thread); throws std::runtime_error if OpenSSL fails.
std::array<unsigned char, 16> md5(std::string_view data);

// SplitMix64 finalizer: a bijective 64-bit mixer used to derive independent hashes
// (rendezvous scores, multi-probe positions) from one key hash.
inline std::uint64_t mix64(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

}  // namespace scalemodel::hashing
