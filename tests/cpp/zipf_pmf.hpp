// Test helper shared by the cache simulator's and the cache models' tests.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace scalemodel::testing {

// Exact Zipf probabilities by direct summation, for small catalogues.
inline std::vector<double> zipf_pmf(std::int64_t n, double alpha) {
    std::vector<double> p(static_cast<std::size_t>(n));
    double total = 0;
    for (std::int64_t k = n; k >= 1; --k) total += std::pow(static_cast<double>(k), -alpha);
    for (std::int64_t k = 1; k <= n; ++k) p[static_cast<std::size_t>(k - 1)] = std::pow(static_cast<double>(k), -alpha) / total;
    return p;
}

}  // namespace scalemodel::testing
