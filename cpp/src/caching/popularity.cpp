#include "scalemodel/caching/popularity.hpp"

#include <cmath>
#include <limits>
#include <sstream>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/roots.hpp"
#include "scalemodel/core/zipf_sum.hpp"

namespace scalemodel::caching {

namespace {

// k -> round(fraction N), checked.
std::int64_t top_count(std::int64_t n, double fraction) {
    check_probability("fraction", fraction);
    return std::llround(fraction * static_cast<double>(n));
}

}  // namespace

double top_share(double alpha, std::int64_t n, double fraction) {
    check_zipf_alpha(alpha);
    check_count("catalogue_size", n, 1, INT64_MAX / 2);
    const std::int64_t k = top_count(n, fraction);
    if (k == 0) return 0.0;
    if (k == n) return 1.0;
    // The smaller part divided by the whole keeps full relative accuracy at both ends.
    const double head = zipf_partial_sum(1, k, alpha), tail = zipf_partial_sum(k + 1, n, alpha);
    return head / (head + tail);
}

double items_for_share(double alpha, std::int64_t n, double share) {
    check_zipf_alpha(alpha);
    check_count("catalogue_size", n, 1, INT64_MAX / 2);
    check_probability("share", share);
    const double want = share * zipf_partial_sum(1, n, alpha);
    std::int64_t lo = 0, hi = n;  // the smallest k with H_k >= want lies in (lo, hi]
    if (share == 0.0) return 0.0;
    while (hi - lo > 1) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        if (zipf_partial_sum(1, mid, alpha) >= want)
            hi = mid;
        else
            lo = mid;
    }
    return static_cast<double>(hi) / static_cast<double>(n);
}

double zipf_alpha_for_share(std::int64_t n, double fraction, double share) {
    check_count("catalogue_size", n, 2, INT64_MAX / 2);
    const std::int64_t k = top_count(n, fraction);
    if (k < 1 || k >= n) detail::fail_range("fraction", "such that 1 <= round(fraction * catalogue_size) < catalogue_size", fraction);
    const double uniform = static_cast<double>(k) / static_cast<double>(n);
    if (!(share >= uniform && share < 1.0)) {
        std::ostringstream allowed;
        allowed.precision(17);
        allowed << "in [" << uniform << ", 1) (the share the top items get at zipf_alpha 0, up to all)";
        detail::fail_range("share", allowed.str().c_str(), share);
    }
    if (share == uniform) return 0.0;
    auto gap = [&](double a) { return top_share(a, n, fraction) - share; };
    double lo = 0.0, hi = 1.0;
    while (gap(hi) < 0.0) {
        lo = hi;
        hi *= 2.0;
        if (hi > 1e6) return std::numeric_limits<double>::infinity();
    }
    std::uintmax_t iterations = 200;
    const auto tol = boost::math::tools::eps_tolerance<double>(std::numeric_limits<double>::digits - 6);
    const auto root = boost::math::tools::toms748_solve(gap, lo, hi, tol, iterations);
    return 0.5 * (root.first + root.second);
}

}  // namespace scalemodel::caching
