// Fast standard exponential variates by the ziggurat method (Marsaglia and Tsang, 2000):
// 256 layers of equal area under exp(-x); about 99% of draws cost one 64-bit random word,
// a multiply and a compare, instead of a logarithm. Exact in distribution (the rare
// rejections and the tail beyond r are handled exactly).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

#include "scalemodel/core/random.hpp"

namespace scalemodel {

namespace detail {

struct ExponentialZiggurat {
    static constexpr int kLayers = 256;
    static constexpr double kR = 7.69711747013104972;              // start of the tail
    static constexpr double kV = 3.949659822581572e-3;             // area of each layer
    std::array<double, kLayers + 1> x{};  // layer i spans [0, x[i]]; x decreases, x[256] = 0
    std::array<double, kLayers + 1> f{};  // exp(-x[i])

    ExponentialZiggurat() {
        x[0] = kV * std::exp(kR);  // the base: a rectangle r wide plus the tail, stretched
        x[1] = kR;
        for (int i = 1; i < kLayers - 1; ++i) x[i + 1] = -std::log(std::exp(-x[i]) + kV / x[i]);
        x[kLayers] = 0.0;
        for (int i = 0; i <= kLayers; ++i) f[i] = std::exp(-x[i]);
    }

    static const ExponentialZiggurat& get() {
        static const ExponentialZiggurat table;  // thread-safe initialization
        return table;
    }
};

}  // namespace detail

// A standard exponential variate (mean 1) from rng.
inline double standard_exponential(Rng& rng) {
    const auto& z = detail::ExponentialZiggurat::get();
    for (;;) {
        const std::uint64_t bits = rng();
        const int i = static_cast<int>(bits & 0xFF);
        const double u = static_cast<double>(bits >> 11) * 0x1.0p-53;
        const double x = u * z.x[static_cast<std::size_t>(i)];
        if (x < z.x[static_cast<std::size_t>(i) + 1]) return x;  // inside the next layer's rectangle
        if (i == 0) return detail::ExponentialZiggurat::kR - std::log(rng.uniform_open());  // memoryless tail
        // The wedge between the rectangle and the curve: accept under exp(-x).
        const double fi = z.f[static_cast<std::size_t>(i)], fn = z.f[static_cast<std::size_t>(i) + 1];
        if (fi + rng.uniform() * (fn - fi) < std::exp(-x)) return x;
    }
}

}  // namespace scalemodel
