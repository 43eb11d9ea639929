// Random streams. Every stochastic model draws from an Rng built from (seed, stream): a
// replication, task or chunk gets its own stream number, so results do not depend on how
// many threads run them or in which order.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace scalemodel {

namespace detail {
__extension__ typedef unsigned __int128 uint128;  // GCC and Clang; __extension__ keeps -Wpedantic quiet
}

// SplitMix64 step: turns any 64-bit state into well-mixed output (used for seeding).
inline std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// xoshiro256** (Blackman and Vigna), seeded from (seed, stream) through SplitMix64.
// Satisfies UniformRandomBitGenerator.
class Rng {
public:
    using result_type = std::uint64_t;
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

    explicit Rng(std::uint64_t seed, std::uint64_t stream = 0) {
        std::uint64_t sm = seed ^ splitmix64_const(stream);
        for (auto& word : s_) word = splitmix64(sm);
    }

    result_type operator()() {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    // Uniform on [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
    // Uniform on (0, 1): safe to take the logarithm of.
    double uniform_open() { return (static_cast<double>((*this)() >> 12) + 0.5) * 0x1.0p-52; }
    // Exponential with the given rate (> 0).
    double exponential(double rate) { return -std::log(uniform_open()) / rate; }
    // Uniform integer in [0, n) for n >= 1, without modulo bias (Lemire's method).
    std::uint64_t below(std::uint64_t n) {
        detail::uint128 m = static_cast<detail::uint128>((*this)()) * n;
        auto low = static_cast<std::uint64_t>(m);
        if (low < n) {
            const std::uint64_t threshold = (0 - n) % n;
            while (low < threshold) {
                m = static_cast<detail::uint128>((*this)()) * n;
                low = static_cast<std::uint64_t>(m);
            }
        }
        return static_cast<std::uint64_t>(m >> 64);
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    static std::uint64_t splitmix64_const(std::uint64_t x) { return splitmix64(x); }
    std::uint64_t s_[4];
};

// Standard normal by Box-Muller, one value per pair of uniforms (uniform_open, then
// uniform): no hidden state between draws. The one normal draw of the engine.
inline double standard_normal(Rng& rng) {
    const double r = std::sqrt(-2.0 * std::log(rng.uniform_open()));
    return r * std::cos(6.283185307179586476925286766559 * rng.uniform());
}

}  // namespace scalemodel
