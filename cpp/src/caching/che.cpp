#include "scalemodel/caching/che.hpp"

#include <algorithm>
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

// An item's occupancy g(u) at u = scale p (p its probability; scale a characteristic time
// in requests, or a request rate times a TTL) and its slope g'(u). Past u = exp(kLogFull),
// g(u) rounds to 1 exactly, so the sums below take 1 there without computing u or g.
struct LruOccupancy {
    // 1 - exp(-u) rounds to 1 once exp(-u) < 2^-54, u > 37.5 (glibc's expm1 returns -1
    // outright from u = 38.8); exp(3.7) = 40.4.
    static constexpr double kLogFull = 3.7;
    static double value(double u) { return -std::expm1(-u); }
    static double slope(double u) { return std::exp(-u); }
};
struct FifoOccupancy {
    // From u = 2^54 on, 1 + u rounds to u and u / (1 + u) is 1; exp(40) = 2.4e17.
    static constexpr double kLogFull = 40.0;
    static double value(double u) { return std::isinf(u) ? 1.0 : u / (1.0 + u); }
    static double slope(double u) { return 1.0 / ((1.0 + u) * (1.0 + u)); }
};

// Sums over a Zipf catalogue of G(u_i) with u_i = scale * p_i (p_i the probability of
// rank i): sum_i G(u_i), the occupancy, and sum_i p_i G(u_i), the hit ratio. The scale
// arrives as its logarithm, so a characteristic time beyond double range (a steep Zipf law
// and a large cache: T ~ capacity^alpha) is still a finite argument. Small catalogues are
// summed exactly, from log p_i and p_i kept side by side (one exp per term, to u_i); past
// kHead ranks the smooth tail goes to Euler-Maclaurin, its integral by adaptive
// Gauss-Kronrod quadrature in log x (the integrand changes on the scale x / alpha) with a
// bounded depth, so an evaluation costs O(kHead) whatever the catalogue size or exponent.
class ZipfTransformSum {
public:
    static constexpr std::int64_t kHead = 8192;
    // Quadrature depth and tolerance: enough for 1e-10 relative error on the tails met here;
    // a bounded depth keeps an integrand the rule cannot resolve to the last digit (round-off
    // at extreme scales) from splitting 2^30 times.
    static constexpr unsigned kMaxDepth = 12;
    static constexpr double kTolerance = 1e-13;
    ZipfTransformSum(double alpha, std::int64_t n)
        : alpha_(alpha), n_(n), log_norm_(-std::log(zipf_partial_sum(1, n, alpha))) {
        const std::int64_t direct = n - 1 < 2 * kHead ? n : kHead;
        head_.resize(static_cast<std::size_t>(direct));
        for (std::int64_t i = 1; i <= direct; ++i)
            head_[static_cast<std::size_t>(i - 1)].log_p = log_norm_ - alpha * std::log(static_cast<double>(i));
        for (Rank& r : head_) r.p = std::exp(r.log_p);  // a pass of its own, like the sums' head
    }
    // log p_n, the least popular item's probability.
    double log_last() const { return log_norm_ - alpha_ * std::log(static_cast<double>(n_)); }
    // sum_i g(scale p_i) for the occupancy G (its slope is used by the Euler-Maclaurin correction).
    template <class G>
    double occupancy(double log_scale) const {
        return sum<G, false>(log_scale);
    }
    // sum_i p_i g(scale p_i).
    template <class G>
    double hit_ratio(double log_scale) const {
        return sum<G, true>(log_scale);
    }

private:
    struct Rank {
        double log_p, p;
    };
    // u g'(u); the slope is 0 at u = inf, where the product would be NaN.
    static double times_slope(double u, double slope) { return slope == 0.0 ? 0.0 : u * slope; }
    // g(u) for u = exp(log_u).
    template <class G>
    static double held(double log_u) {
        return log_u >= G::kLogFull ? 1.0 : G::value(std::exp(log_u));
    }
    // sum_i h(p_i, u_i), h = g(u) (kWeighted false) or p g(u) (true). The derivative of the
    // Euler-Maclaurin correction is -alpha dh / x, dh(p, u) = -x/alpha times the derivative
    // in x of h(p(x), u(x)) (both p and u go as x^-alpha).
    template <class G, bool kWeighted>
    double sum(double log_scale) const {
        auto log_p = [&](double log_x) { return log_norm_ - alpha_ * log_x; };
        // h at the rank of log probability lp
        auto term = [&](double lp) {
            const double g = held<G>(log_scale + lp);
            return kWeighted ? std::exp(lp) * g : g;
        };
        // The head's terms in two passes, all u_i, then all h(p_i, u_i): the calls for
        // different ranks overlap, where one pass with exp and g in a row waits on each exp
        // (1.25x slower). The same operations as term, so the same numbers.
        std::vector<double> head(head_.size());
        for (std::size_t i = 0; i < head_.size(); ++i) {
            const double log_u = log_scale + head_[i].log_p;
            head[i] = log_u >= G::kLogFull ? kInf : std::exp(log_u);  // inf: held for sure
        }
        for (std::size_t i = 0; i < head_.size(); ++i) {
            const double g = head[i] == kInf ? 1.0 : G::value(head[i]);
            head[i] = kWeighted ? head_[i].p * g : g;
        }
        auto f = [&](double x) {
            return x <= static_cast<double>(head.size()) ? head[static_cast<std::size_t>(x) - 1]
                                                          : term(log_p(std::log(x)));
        };
        // d/dx h(p(x), u(x)) = -alpha dh / x; only the first correction is used.
        auto derivative = [&](double x, int) {
            const double lp = log_p(std::log(x));
            const double u = std::exp(log_scale + lp);
            const double du = times_slope(u, G::slope(u));
            return -alpha_ * (kWeighted ? std::exp(lp) * (G::value(u) + du) : du) / x;
        };
        auto integral = [&](double m, double b) {
            auto integrand = [&](double t) { return term(log_p(t)) * std::exp(t); };
            return boost::math::quadrature::gauss_kronrod<double, 31>::integrate(integrand, std::log(m), std::log(b),
                                                                                 kMaxDepth, kTolerance);
        };
        return euler_maclaurin_sum(1, n_, kHead, f, integral, derivative, 1);
    }
    double alpha_;
    std::int64_t n_;
    double log_norm_;
    std::vector<Rank> head_;  // log p_i and p_i for the ranks summed one by one
};

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
    auto occupancy = [&](double log_t) {
        return lru ? sums.occupancy<LruOccupancy>(log_t) : sums.occupancy<FifoOccupancy>(log_t);
    };
    auto excess = [&](double log_t) { return occupancy(log_t) - capacity; };
    // The root is found in s = log T, inside a bracket that cannot run away:
    // occupancy(T) <= T, so T >= capacity; and occupancy(T) >= n occupancy(T p_n), so T is
    // at most the time at which the least popular item alone is held with probability
    // capacity / n. Both ends are finite logarithms for any valid input. Each sum costs
    // O(kHead) transcendental calls, so the excess at either end is computed once and
    // handed to the solver.
    const double share = capacity / static_cast<double>(n);
    const double u_last = lru ? -std::log1p(-share) : share / (1.0 - share);
    // Past log T = kMaxLog every item of nonzero probability is held (an exponent so
    // steep that p_n underflows to 0 caps the occupancy below the capacity: T = inf).
    constexpr double kMaxLog = 2000.0;
    double lo = std::log(capacity), hi = std::min(std::log(u_last) - sums.log_last(), kMaxLog);
    const double excess_lo = excess(lo);
    if (excess_lo >= 0.0) hi = lo;  // a capacity so small that occupancy(T) = T to rounding
    double excess_hi = 0.0;
    bool hi_known = false;  // excess_hi is the excess at hi
    for (int i = 0; i < 64 && hi > lo && hi < kMaxLog; ++i) {  // round-off
        excess_hi = excess(hi);
        hi_known = true;
        if (!(excess_hi < 0.0)) break;
        hi = std::min(hi + 1.0 + 1e-3 * std::abs(hi), kMaxLog);
        hi_known = false;
    }
    const auto tol = [](double a, double b) { return std::abs(a - b) <= 4e-15 * std::max({1.0, std::abs(a), std::abs(b)}); };
    double log_t = lo;
    if (hi > lo) {
        if (!hi_known) excess_hi = excess(hi);
        if (excess_hi < 0.0) {
            log_t = kMaxLog;
        } else {
            std::uintmax_t iterations = 198;  // 200 less the two end points
            const auto root = boost::math::tools::toms748_solve(excess, lo, hi, excess_lo, excess_hi, tol, iterations);
            log_t = 0.5 * (root.first + root.second);
        }
    }
    const double hit = lru ? sums.hit_ratio<LruOccupancy>(log_t) : sums.hit_ratio<FifoOccupancy>(log_t);
    // T = capacity exactly at the lower end (exp(log(c)) may differ from c in the last bit).
    return {log_t == lo ? capacity : std::exp(log_t), std::min(hit, 1.0)};  // round-off must not pass 1
}

double ttl_hit_ratio(double alpha, std::int64_t n, double ttl_s, double request_rate) {
    check_zipf_alpha(alpha);
    check_count("catalogue_size", n, 1, kMaxCatalogue);
    check_nonnegative("ttl_s", ttl_s);
    check_nonnegative("request_rate", request_rate);
    // Item i hits x / (1 + x) of its requests, x = p_i rate ttl: FIFO's Che term.
    if (std::isinf(request_rate * ttl_s)) return 1.0;  // every item stays
    if (request_rate == 0.0 || ttl_s == 0.0) return 0.0;
    const double log_scale = std::log(request_rate) + std::log(ttl_s);  // the product may overflow
    return ZipfTransformSum(alpha, n).hit_ratio<FifoOccupancy>(log_scale);
}

}  // namespace scalemodel::caching
