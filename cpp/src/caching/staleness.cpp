#include "scalemodel/caching/staleness.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "scalemodel/core/check.hpp"

namespace scalemodel::caching {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

Staleness cdn_staleness(double ttl_s, double invalidation_min_s, double invalidation_max_s) {
    if (!(ttl_s >= 0.0)) detail::fail_range("ttl_s", "a number >= 0 (inf: no TTL)", ttl_s);
    if (!(invalidation_min_s >= 0.0))
        detail::fail_range("invalidation_min_s", "a number >= 0 (inf: no purge)", invalidation_min_s);
    if (!(invalidation_max_s >= 0.0))
        detail::fail_range("invalidation_max_s", "a number >= 0 (inf: no purge)", invalidation_max_s);
    if (std::isinf(ttl_s) && std::isinf(invalidation_max_s)) return {kInf, kInf};  // never refreshed
    if (invalidation_max_s < invalidation_min_s)
        detail::fail_range("invalidation_max_s", "a number >= invalidation_min_s", invalidation_max_s);
    const double a = invalidation_min_s, b = invalidation_max_s, t = ttl_s;
    // E[min(R, D)] = integral over s of P(R > s) P(D > s), R ~ U(0, ttl), D ~ U(a, b). The
    // integrand is a polynomial of degree <= 2 on each piece, so Simpson's rule is exact.
    auto survival_r = [t](double s) { return std::isinf(t) ? 1.0 : std::max(0.0, 1.0 - s / t); };
    auto survival_d = [a, b](double s) { return s <= a ? 1.0 : (s >= b ? 0.0 : (b - s) / (b - a)); };
    auto simpson = [&](double lo, double hi) {
        if (!(hi > lo)) return 0.0;
        auto f = [&](double s) { return survival_r(s) * survival_d(s); };
        return (hi - lo) / 6.0 * (f(lo) + 4.0 * f(0.5 * (lo + hi)) + f(hi));
    };
    const double end = std::min(t, b);
    double mean = simpson(0.0, std::min(a, end)) + simpson(std::min(a, end), end);
    if (t == 0.0) mean = 0.0;
    return {std::min(t, b), mean};
}

}  // namespace scalemodel::caching
