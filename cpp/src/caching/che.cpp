#include "scalemodel/caching/che.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/roots.hpp"
#include "scalemodel/core/zipf_sum.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>

namespace scalemodel::caching {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Sums over a Zipf catalogue of G(u_i) with u_i = scale * p_i (p_i the probability of
// rank i; scale a time in requests, or a request rate times a TTL): sum_i G(u_i), the
// occupancy, and sum_i p_i G(u_i), the hit ratio. Small catalogues are summed exactly; past
// kHead ranks the smooth tail goes to Euler-Maclaurin, its integral by adaptive
// Gauss-Kronrod quadrature in log x (the integrand changes on the scale x / alpha), so an
// evaluation costs O(kHead) whatever the catalogue size.
class ZipfTransformSum {
public:
    static constexpr std::int64_t kHead = 8192;
    ZipfTransformSum(double alpha, std::int64_t n)
        : alpha_(alpha), n_(n), norm_(1.0 / zipf_partial_sum(1, n, alpha)) {
        const std::int64_t direct = n - 1 < 2 * kHead ? n : kHead;
        head_.resize(static_cast<std::size_t>(direct));
        for (std::int64_t i = 1; i <= direct; ++i)
            head_[static_cast<std::size_t>(i - 1)] = std::pow(static_cast<double>(i), -alpha) * norm_;
    }
    // sum_i g(scale p_i) for g with derivative dg (used by the Euler-Maclaurin correction).
    template <class G, class DG>
    double occupancy(double scale, G&& g, DG&& dg) const {
        return sum(scale, [&](double u) { return g(u); }, [&](double u) { return dg(u); });
    }
    // sum_i p_i g(scale p_i) = sum_i u_i g(u_i) / scale.
    template <class G, class DG>
    double hit_ratio(double scale, G&& g, DG&& dg) const {
        if (!(scale > 0.0)) return 0.0;
        return sum(scale, [&](double u) { return u * g(u); }, [&](double u) { return g(u) + u * dg(u); }) / scale;
    }

private:
    template <class G, class DG>
    double sum(double scale, G&& g, DG&& dg) const {
        const double c = scale * norm_;
        auto u = [&](double x) { return c * std::exp(-alpha_ * std::log(x)); };
        auto f = [&](double x) {
            return x <= static_cast<double>(head_.size()) ? g(scale * head_[static_cast<std::size_t>(x) - 1]) : g(u(x));
        };
        // d/dx g(c x^-alpha) = -alpha u g'(u) / x; only the first correction is used.
        auto derivative = [&](double x, int) {
            const double ux = u(x);
            return -alpha_ * ux * dg(ux) / x;
        };
        auto integral = [&](double m, double b) {
            auto integrand = [&](double t) {
                const double x = std::exp(t);
                return g(c * std::exp(-alpha_ * t)) * x;
            };
            return boost::math::quadrature::gauss_kronrod<double, 31>::integrate(integrand, std::log(m), std::log(b), 30,
                                                                                 1e-14);
        };
        return euler_maclaurin_sum(1, n_, kHead, f, integral, derivative, 1);
    }
    double alpha_;
    std::int64_t n_;
    double norm_;
    std::vector<double> head_;  // p_i for the ranks summed one by one
};

double lru_occupancy(double u) { return -std::expm1(-u); }
double lru_occupancy_slope(double u) { return std::exp(-u); }
double fifo_occupancy(double u) { return u / (1.0 + u); }
double fifo_occupancy_slope(double u) { return 1.0 / ((1.0 + u) * (1.0 + u)); }

}  // namespace

CheResult che_approximation(double alpha, std::int64_t n, double capacity, ChePolicy policy) {
    check_zipf_alpha(alpha);
    check_count("catalogue_size", n, 1, kMaxCatalogue);
    check_nonnegative("capacity", capacity);
    if (policy != ChePolicy::lru && policy != ChePolicy::fifo)
        throw std::invalid_argument("policy must be lru or fifo for Che's approximation");
    if (capacity >= static_cast<double>(n)) return {kInf, 1.0};
    if (capacity == 0.0) return {0.0, 0.0};
    const bool lru = policy == ChePolicy::lru;
    const ZipfTransformSum sums(alpha, n);
    auto occupancy = [&](double t) {
        return lru ? sums.occupancy(t, lru_occupancy, lru_occupancy_slope)
                   : sums.occupancy(t, fifo_occupancy, fifo_occupancy_slope);
    };
    auto excess = [&](double t) { return occupancy(t) - capacity; };
    // occupancy(x) <= x, so T >= capacity; double until the cache would overflow.
    double lo = capacity, hi = 2.0 * capacity;
    if (excess(lo) >= 0.0) hi = lo;  // a capacity so small that occupancy(T) = T to rounding
    while (excess(hi) < 0.0) {
        lo = hi;
        hi *= 2.0;
        if (!std::isfinite(hi)) return {kInf, 1.0};
    }
    std::uintmax_t iterations = 200;
    const auto tol = boost::math::tools::eps_tolerance<double>(std::numeric_limits<double>::digits - 8);
    double t = lo;
    if (hi > lo) {
        const auto root = boost::math::tools::toms748_solve(excess, lo, hi, tol, iterations);
        t = 0.5 * (root.first + root.second);
    }
    return {t, lru ? sums.hit_ratio(t, lru_occupancy, lru_occupancy_slope)
                   : sums.hit_ratio(t, fifo_occupancy, fifo_occupancy_slope)};
}

double ttl_hit_ratio(double alpha, std::int64_t n, double ttl_s, double request_rate) {
    check_zipf_alpha(alpha);
    check_count("catalogue_size", n, 1, kMaxCatalogue);
    check_nonnegative("ttl_s", ttl_s);
    check_nonnegative("request_rate", request_rate);
    // Item i hits x / (1 + x) of its requests, x = p_i rate ttl: FIFO's Che term.
    if (std::isinf(request_rate * ttl_s)) return 1.0;  // the product overflows: every item stays
    return ZipfTransformSum(alpha, n).hit_ratio(request_rate * ttl_s, fifo_occupancy, fifo_occupancy_slope);
}

}  // namespace scalemodel::caching
