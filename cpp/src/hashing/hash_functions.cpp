#include "scalemodel/hashing/hash_functions.hpp"

#include <openssl/evp.h>
#include <xxhash.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace scalemodel::hashing {

namespace {

// CRC16-XMODEM table, built at compile time from the polynomial 0x1021.
struct Crc16Table {
    std::uint16_t v[256];
    constexpr Crc16Table() : v{} {
        for (int i = 0; i < 256; ++i) {
            std::uint16_t crc = static_cast<std::uint16_t>(i << 8);
            for (int bit = 0; bit < 8; ++bit) {
                crc = static_cast<std::uint16_t>((crc & 0x8000u) ? (crc << 1) ^ 0x1021u : crc << 1);
            }
            v[i] = crc;
        }
    }
};
constexpr Crc16Table kCrc16{};

inline std::uint64_t rotl64(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// MurmurHash3 x64_128 scrambles each 8-byte word before it enters its lane: k1 words the
// first lane (h1), k2 words the second (h2), in the blocks and in the tail alike.
constexpr std::uint64_t kMurmurC1 = 0x87c37b91114253d5ULL, kMurmurC2 = 0x4cf5ad432745937fULL;
inline std::uint64_t murmur3_k1(std::uint64_t k) { return rotl64(k * kMurmurC1, 31) * kMurmurC2; }
inline std::uint64_t murmur3_k2(std::uint64_t k) { return rotl64(k * kMurmurC2, 33) * kMurmurC1; }

inline std::uint64_t fmix64(std::uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

inline std::uint64_t load_le64(const unsigned char* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

// A Java byte widened to long: sign-extended.
inline std::uint64_t java_byte(unsigned char b) {
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<signed char>(b)));
}

}  // namespace

std::uint16_t crc16_xmodem(std::string_view data) noexcept {
    std::uint16_t crc = 0;
    for (unsigned char c : data) {
        crc = static_cast<std::uint16_t>((crc << 8) ^ kCrc16.v[((crc >> 8) ^ c) & 0xffu]);
    }
    return crc;
}

std::string_view redis_hash_tag(std::string_view key) noexcept {
    const auto open = key.find('{');
    if (open == std::string_view::npos) return key;
    const auto close = key.find('}', open + 1);
    if (close == std::string_view::npos || close == open + 1) return key;
    return key.substr(open + 1, close - open - 1);
}

std::int32_t kafka_murmur2(std::string_view data) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    const std::uint32_t length = static_cast<std::uint32_t>(data.size());
    const std::uint32_t m = 0x5bd1e995u;
    std::uint32_t h = 0x9747b28cu ^ length;
    const std::uint32_t blocks = length / 4;
    for (std::uint32_t i = 0; i < blocks; ++i) {
        const unsigned char* b = p + 4 * i;
        std::uint32_t k = static_cast<std::uint32_t>(b[0]) | (static_cast<std::uint32_t>(b[1]) << 8) |
                          (static_cast<std::uint32_t>(b[2]) << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
        k *= m;
        k ^= k >> 24;
        k *= m;
        h *= m;
        h ^= k;
    }
    const unsigned char* tail = p + 4 * blocks;
    switch (length % 4) {
        case 3:
            h ^= static_cast<std::uint32_t>(tail[2]) << 16;
            [[fallthrough]];
        case 2:
            h ^= static_cast<std::uint32_t>(tail[1]) << 8;
            [[fallthrough]];
        case 1:
            h ^= tail[0];
            h *= m;
            break;
        default:
            break;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return static_cast<std::int32_t>(h);
}

std::array<std::int64_t, 2> cassandra_murmur3_x64_128(std::string_view data) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    const std::size_t length = data.size();
    const std::size_t blocks = length / 16;
    std::uint64_t h1 = 0, h2 = 0;
    for (std::size_t i = 0; i < blocks; ++i) {
        h1 ^= murmur3_k1(load_le64(p + 16 * i));
        h1 = rotl64(h1, 27);
        h1 += h2;
        h1 = h1 * 5 + 0x52dce729;
        h2 ^= murmur3_k2(load_le64(p + 16 * i + 8));
        h2 = rotl64(h2, 31);
        h2 += h1;
        h2 = h2 * 5 + 0x38495ab5;
    }
    const unsigned char* tail = p + 16 * blocks;
    const std::size_t rest = length & 15;
    std::uint64_t k1 = 0, k2 = 0;
    // Cassandra widens each tail byte as a signed Java byte: bytes >= 0x80 set all the
    // bits above their position. XOR of the shifted, sign-extended values reproduces it.
    for (std::size_t i = rest; i > 8; --i) k2 ^= java_byte(tail[i - 1]) << (8 * (i - 9));
    if (rest > 8) h2 ^= murmur3_k2(k2);
    for (std::size_t i = rest < 8 ? rest : 8; i > 0; --i) k1 ^= java_byte(tail[i - 1]) << (8 * (i - 1));
    if (rest > 0) h1 ^= murmur3_k1(k1);
    h1 ^= length;
    h2 ^= length;
    h1 += h2;
    h2 += h1;
    h1 = fmix64(h1);
    h2 = fmix64(h2);
    h1 += h2;
    h2 += h1;
    return {static_cast<std::int64_t>(h1), static_cast<std::int64_t>(h2)};
}

std::int64_t cassandra_token(std::string_view key) noexcept {
    constexpr std::int64_t kMin = INT64_MIN, kMax = INT64_MAX;
    if (key.empty()) return kMin;
    const std::int64_t t = cassandra_murmur3_x64_128(key)[0];
    return t == kMin ? kMax : t;
}

std::uint64_t xxh64(std::string_view data, std::uint64_t seed) noexcept {
    return XXH64(data.data(), data.size(), seed);
}

std::uint64_t xxh64_u64(std::uint64_t key, std::uint64_t seed) noexcept {
    unsigned char bytes[8];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(key >> (8 * i));
    return XXH64(bytes, 8, seed);
}

std::array<unsigned char, 16> md5(std::string_view data) {
    struct CtxFree {
        void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
    };
    // The algorithm is fetched once: EVP_md5() makes OpenSSL 3 look the provider up again
    // on every EVP_DigestInit_ex, which costs more than hashing a short key.
    static const EVP_MD* const kMd5 = [] {
        const EVP_MD* md = EVP_MD_fetch(nullptr, "MD5", nullptr);
        return md != nullptr ? md : EVP_md5();
    }();
    thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
    std::array<unsigned char, 16> out{};
    unsigned int len = 0;
    if (!ctx || EVP_DigestInit_ex(ctx.get(), kMd5, nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != 16) {
        throw std::runtime_error("OpenSSL MD5 failed");
    }
    return out;
}

}  // namespace scalemodel::hashing
