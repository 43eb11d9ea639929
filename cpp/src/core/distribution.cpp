#include "scalemodel/core/distribution.hpp"

#include <algorithm>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/exponential.hpp"
#include "scalemodel/core/math_policy.hpp"

namespace scalemodel {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();


void check_range(const std::string& name, double x, double low, bool low_open, double high, const char* allowed) {
    const bool ok = (low_open ? x > low : x >= low) && x <= high;
    if (!ok) detail::fail_range(name.c_str(), allowed, x);
}

}  // namespace

Distribution Distribution::plain(Kind kind, double a, double b, double mean, double scv) {
    Distribution d;
    d.kind_ = kind;
    d.a_ = a;
    d.b_ = b;
    d.mean_ = mean;
    d.scv_ = scv;
    return d;
}

Distribution Distribution::exponential(double mean, const std::string& mean_name) {
    check_positive(mean_name.c_str(), mean);
    return plain(Kind::exponential, mean, 0.0, mean, 1.0);
}

Distribution Distribution::deterministic(double value, const std::string& value_name) {
    check_nonnegative(value_name.c_str(), value);
    return plain(Kind::deterministic, value, 0.0, value, 0.0);
}

Distribution Distribution::lognormal(double mean, double sigma) {
    check_positive("mean", mean);
    check_range("sigma", sigma, 0.0, false, 10.0, "in [0, 10]");
    return plain(Kind::lognormal, std::log(mean) - 0.5 * sigma * sigma, sigma, mean, std::expm1(sigma * sigma));
}

Distribution Distribution::gamma(double mean, double scv) {
    check_positive("mean", mean);
    check_range("scv", scv, 0.0, true, 1000.0, "in (0, 1000]");
    return plain(Kind::gamma, 1.0 / scv, mean * scv, mean, scv);
}

Distribution Distribution::weibull(double mean, double shape) {
    check_positive("mean", mean);
    check_range("shape", shape, 0.05, false, 100.0, "in [0.05, 100]");
    const double g1 = std::tgamma(1.0 + 1.0 / shape);  // as the reliability engine had it: same draws
    const double scv = std::exp(boost::math::lgamma(1.0 + 2.0 / shape, math_policy()) - 2.0 * std::log(g1)) - 1.0;
    return plain(Kind::weibull, mean / g1, shape, mean, scv);
}

Distribution Distribution::pareto(double mean, double alpha) {
    check_positive("mean", mean);
    check_range("alpha", alpha, 1.0, true, 1e6, "in (1, 1e6] (a finite mean)");
    return plain(Kind::pareto, mean * (alpha - 1.0) / alpha, alpha, mean,
                 alpha > 2.0 ? 1.0 / (alpha * (alpha - 2.0)) : kInf);
}

Distribution Distribution::uniform(double low, double high) {
    check_nonnegative("low", low);
    check_nonnegative("high", high);
    if (high < low) detail::fail_range("high", ">= low", high);
    const double mean = 0.5 * (low + high);
    double scv = mean > 0.0 ? (high - low) * (high - low) / 12.0 / (mean * mean) : 0.0;
    if (!std::isfinite(scv)) {  // squares past double range: the same ratio, taken first
        const double r = (high - low) / (2.0 * mean);
        scv = r * r / 12.0;
    }
    return plain(Kind::uniform, low, high, mean, scv);
}

Distribution Distribution::empirical(std::vector<double> samples) {
    if (samples.empty()) throw std::invalid_argument("samples must not be empty");
    for (double x : samples) check_nonnegative("samples", x);
    std::sort(samples.begin(), samples.end());
    Distribution d;
    d.kind_ = Kind::empirical;
    double sum = 0.0;
    for (double x : samples) sum += x;
    const double n = static_cast<double>(samples.size());
    d.mean_ = sum / n;
    double ss = 0.0;
    for (double x : samples) ss += (x - d.mean_) * (x - d.mean_);
    d.scv_ = d.mean_ > 0.0 ? ss / n / (d.mean_ * d.mean_) : 0.0;
    if (d.mean_ > 0.0 && !(d.mean_ > 1e-150 && d.mean_ < 1e150 && std::isfinite(d.scv_))) {
        // Sums past double range, or a mean whose square underflows: the same moments of
        // the samples scaled by the largest (only here, so other means keep their bits).
        const double top = samples.back();
        double scaled = 0.0;
        for (double x : samples) scaled += x / top;
        const double m = scaled / n;
        double q = 0.0;
        for (double x : samples) q += (x / top - m) * (x / top - m);
        d.mean_ = m * top;
        d.scv_ = q / n / (m * m);
    }
    d.samples_ = std::make_shared<const std::vector<double>>(std::move(samples));
    return d;
}

Distribution Distribution::mixture(const std::vector<std::pair<double, Distribution>>& components) {
    if (components.empty()) throw std::invalid_argument("components must hold at least one (weight, distribution)");
    std::vector<std::pair<double, Distribution>> flat;
    for (const auto& [w, dist] : components) {
        check_nonnegative("weight", w);
        for (auto& [inner_w, part] : dist.components()) flat.emplace_back(w * inner_w, part);
    }
    double total = 0.0;
    for (const auto& c : flat) total += c.first;
    if (!(total > 0.0) || !std::isfinite(total))
        throw std::invalid_argument("components must hold at least one positive weight");
    Distribution d;
    d.kind_ = Kind::mixture;
    double cum = 0.0, m2 = 0.0;
    for (const auto& [w, part] : flat) {
        cum += w / total;
        d.mean_ += w / total * part.mean_;
        m2 += w / total * part.mean_ * part.mean_ * (1.0 + part.scv_);
        d.parts_.push_back(part);
        d.weights_.push_back(w / total);
        d.cumulative_.push_back(cum);
    }
    d.cumulative_.back() = 1.0;
    d.scv_ = d.mean_ > 0.0 ? (std::isinf(m2) ? kInf : std::max(0.0, m2 / (d.mean_ * d.mean_) - 1.0)) : 0.0;
    return d;
}

std::vector<std::pair<double, Distribution>> Distribution::components() const {
    if (kind_ != Kind::mixture) return {{1.0, *this}};
    std::vector<std::pair<double, Distribution>> out;
    for (std::size_t i = 0; i < parts_.size(); ++i) out.emplace_back(weights_[i], parts_[i]);
    return out;
}


double Distribution::sample_mixture(Rng& rng) const {
    if (parts_.size() == 1) return parts_[0].draw(rng);
    const double u = rng.uniform();
    std::size_t i = 0;
    while (i + 1 < cumulative_.size() && u >= cumulative_[i]) ++i;
    return parts_[i].draw(rng);
}

double Distribution::cdf(double x) const {
    if (std::isnan(x)) return x;
    if (x < 0.0) return 0.0;
    switch (kind_) {
        case Kind::exponential:
            return -std::expm1(-x / a_);
        case Kind::deterministic:
            return x >= a_ ? 1.0 : 0.0;
        case Kind::lognormal:
            if (x <= 0.0) return 0.0;
            if (b_ == 0.0) return x >= std::exp(a_) ? 1.0 : 0.0;
            return boost::math::cdf(boost::math::normal_distribution<double, math_policy>(a_, b_), std::log(x));
        case Kind::gamma:
            return gamma_p(a_, x / b_);
        case Kind::weibull:
            return -std::expm1(-std::pow(x / a_, b_));
        case Kind::pareto:
            // 1 - (x_m / x)^alpha through log1p of the exact x - x_m: log(x_m / x) lost
            // ~1e-8 relative just above x_m, where the cdf is small.
            return x <= a_ ? 0.0 : -std::expm1(-b_ * std::log1p((x - a_) / a_));
        case Kind::uniform:
            if (b_ == a_) return x >= a_ ? 1.0 : 0.0;
            return std::clamp((x - a_) / (b_ - a_), 0.0, 1.0);
        case Kind::empirical: {
            const auto& s = *samples_;
            return static_cast<double>(std::upper_bound(s.begin(), s.end(), x) - s.begin()) /
                   static_cast<double>(s.size());
        }
        case Kind::mixture: {
            double p = 0.0;
            for (std::size_t i = 0; i < parts_.size(); ++i) p += weights_[i] * parts_[i].cdf(x);
            return std::min(p, 1.0);
        }
    }
    return 0.0;
}

double Distribution::quantile(double q) const {
    check_probability("q", q);
    switch (kind_) {
        case Kind::exponential:
            return -a_ * std::log1p(-q);
        case Kind::deterministic:
            return a_;
        case Kind::lognormal:
            if (b_ == 0.0) return std::exp(a_);  // an atom (as cdf and sample have it)
            if (q == 0.0) return 0.0;
            if (q == 1.0) return kInf;
            return std::exp(boost::math::quantile(boost::math::normal_distribution<double, math_policy>(a_, b_), q));
        case Kind::gamma:
            if (q == 1.0) return kInf;
            return b_ * gamma_p_inv(a_, q);
        case Kind::weibull:
            return a_ * std::pow(-std::log1p(-q), 1.0 / b_);
        case Kind::pareto:
            return a_ * std::pow(1.0 - q, -1.0 / b_);
        case Kind::uniform:
            return a_ + (b_ - a_) * q;
        case Kind::empirical: {
            const auto& s = *samples_;
            // The smallest sample whose empirical cdf reaches q: the smallest k with k / n >= q,
            // in cdf()'s own arithmetic. ceil(q * n) alone overshoots by one where q * n rounds
            // up past a whole number (0.7 * 10 = 7.000000000000001), breaking
            // quantile(cdf(x)) <= x.
            const std::size_t n = s.size();
            const double nd = static_cast<double>(n);
            auto k = static_cast<std::size_t>(std::min(nd, std::ceil(q * nd)));
            while (k > 0 && static_cast<double>(k - 1) / nd >= q) --k;
            while (k < n && static_cast<double>(k) / nd < q) ++k;
            return s[k == 0 ? 0 : k - 1];
        }
        case Kind::mixture: {
            if (q == 1.0) {
                double hi = 0.0;
                for (const auto& p : parts_) hi = std::max(hi, p.quantile(1.0));
                return hi;
            }
            // Bisection for the smallest x with cdf(x) >= q: atoms make the cdf flat in
            // places, where a root finder could stop anywhere on the plateau.
            double lo = 0.0, hi = mean_ > 0.0 ? mean_ : 1.0;
            if (cdf(0.0) >= q) return 0.0;
            for (int i = 0; cdf(hi) < q; ++i) {
                if (i > 2000) return kInf;
                lo = hi;
                hi *= 2.0;
            }
            // Down to adjacent doubles, so hi is the smallest double whose cdf reaches q (the
            // cdf, a weighted sum of monotone parts, is monotone in floating point too):
            // quantile(cdf(x)) <= x then holds exactly, atoms included.
            for (int i = 0; i < 2200; ++i) {
                const double mid = lo + 0.5 * (hi - lo);
                if (!(mid > lo && mid < hi)) break;
                (cdf(mid) >= q ? hi : lo) = mid;
            }
            return hi;
        }
    }
    return 0.0;
}

}  // namespace scalemodel
