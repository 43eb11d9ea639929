#include "scalemodel/core/arrivals.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/distribution.hpp"
#include "scalemodel/core/exponential.hpp"
#include "scalemodel/core/math_policy.hpp"

namespace scalemodel {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
const std::vector<double> kNoTimes;

// On/off traffic whose on periods hold fewer than 1 / kFewPerBurst arrivals on average is
// drawn an arrival at a time (see ArrivalStream::next_on_off), not a switch at a time.
constexpr double kFewPerBurst = 1.0 / 16.0;
// A periodic profile expecting fewer arrivals than this per period skips whole periods
// (start_sparse_cycle) instead of walking each one.
constexpr double kSparseCycle = 1.0 / 16.0;

// A Poisson count of mean `mean`: by counting exponential gaps below 30, by Hoermann's
// transformed rejection (PTRS, as in NumPy) up to 1e12, by the normal law beyond (its
// relative error there is below 1e-6).
double poisson_count(double mean, Rng& rng) {
    if (mean < 30.0) {
        double n = 0.0;
        for (double sum = standard_exponential(rng); sum < mean; sum += standard_exponential(rng)) n += 1.0;
        return n;
    }
    if (mean > 1e12) return std::max(0.0, std::round(mean + std::sqrt(mean) * standard_normal(rng)));
    const double slam = std::sqrt(mean), loglam = std::log(mean);
    const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
        const double u = rng.uniform() - 0.5, v = rng.uniform(), us = 0.5 - std::abs(u);
        const double k = std::floor((2.0 * a / us + b) * u + mean + 0.43);
        if (us >= 0.07 && v <= vr) return k;
        if (k < 0.0 || (us < 0.013 && v > us)) continue;
        if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
            -mean + k * loglam - boost::math::lgamma(k + 1.0, math_policy()))
            return k;
    }
}

// The sum of n independent standard exponentials (a Gamma(n) draw); past 1e6 terms by the
// Wilson-Hilferty transform of a normal draw.
double exponential_sum(double n, Rng& rng) {
    if (n == 0.0) return 0.0;
    if (n <= 1e6) return detail::standard_gamma(n, rng);
    const double v = 1.0 / (9.0 * n), c = 1.0 - v + std::sqrt(v) * standard_normal(rng);
    return c > 0.0 ? n * c * c * c : 0.0;
}
}  // namespace

Arrivals Arrivals::poisson(double rate, const std::string& rate_name) {
    Arrivals a;
    a.kind_ = Kind::poisson;
    a.rate_ = check_positive(rate_name.c_str(), rate);
    return a;
}

Arrivals Arrivals::periodic(double rate, const std::string& rate_name) {
    Arrivals a = poisson(rate, rate_name);
    a.kind_ = Kind::periodic;
    return a;
}

Arrivals Arrivals::mmpp(double rate_high, double rate_low, double mean_high_s, double mean_low_s) {
    Arrivals a;
    a.kind_ = Kind::mmpp;
    a.rate_ = check_nonnegative("rate_high", rate_high);
    a.rate_low_ = check_nonnegative("rate_low", rate_low);
    a.mean_high_ = check_positive("mean_high_s", mean_high_s);
    a.mean_low_ = check_positive("mean_low_s", mean_low_s);
    if (rate_high == 0.0 && rate_low == 0.0)
        throw std::invalid_argument("rate_high and rate_low must not both be zero");
    if (!(a.mean_rate() > 0.0)) {  // products below the smallest double: no arrival in double range
        detail::fail_range("rate_high",
                           "large enough that the mean rate is > 0 (with rate_low, mean_high_s and mean_low_s)",
                           rate_high);
    }
    return a;
}

Arrivals Arrivals::replay(std::vector<double> timestamps) {
    if (timestamps.empty()) throw std::invalid_argument("timestamps must not be empty");
    for (std::size_t i = 0; i < timestamps.size(); ++i) {
        if (!std::isfinite(timestamps[i]) || timestamps[i] < 0.0)
            detail::fail_range("timestamps", "finite and >= 0", timestamps[i]);
        if (i > 0 && timestamps[i] < timestamps[i - 1])
            throw std::invalid_argument("timestamps must be sorted in increasing order");
    }
    Arrivals a;
    a.kind_ = Kind::replay;
    a.times_ = std::make_shared<const std::vector<double>>(std::move(timestamps));
    return a;
}

Arrivals Arrivals::profile(std::vector<double> times, std::vector<double> rates, double period_s) {
    if (times.empty() || times.size() != rates.size())
        throw std::invalid_argument("times and rates must be non-empty and of equal length");
    check_count("knots", static_cast<std::int64_t>(times.size()), 1, 10000000);
    if (times[0] != 0.0) detail::fail_range("times", "to start at 0", times[0]);
    double total = 0.0;
    for (std::size_t i = 0; i < times.size(); ++i) {
        check_nonnegative("times", times[i]);
        total += check_nonnegative("rates", rates[i]);
        if (i > 0 && times[i] < times[i - 1]) throw std::invalid_argument("times must not decrease");
    }
    if (!(total > 0.0)) throw std::invalid_argument("rates must not all be zero");
    if (!(period_s == 0.0 || (std::isfinite(period_s) && period_s >= times.back() && period_s > 0.0)))
        detail::fail_range("period_s", "0 (no repeat) or a finite number >= the last time", period_s);
    Arrivals a;
    a.kind_ = Kind::profile;
    a.period_ = period_s;
    if (period_s > times.back()) {  // close the cycle: back to the first rate at the period's end
        times.push_back(period_s);
        rates.push_back(rates.front());
    }
    a.times_ = std::make_shared<const std::vector<double>>(std::move(times));
    a.rates_ = std::make_shared<const std::vector<double>>(std::move(rates));
    if (period_s > 0.0) a.cycle_area_ = a.expected_count(period_s);
    return a;
}

void check_replayed(const Arrivals& arrivals, std::size_t size, const std::string& name) {
    if (arrivals.kind() != Arrivals::Kind::replay)
        throw std::invalid_argument(name + " needs replayed arrivals (an array of timestamps)");
    if (size != arrivals.timestamps().size())
        throw std::invalid_argument(name + " must have one entry per replayed timestamp (" +
                                    std::to_string(arrivals.timestamps().size()) + "), got " + std::to_string(size));
}

const std::vector<double>& Arrivals::timestamps() const {
    return times_ && kind_ == Kind::replay ? *times_ : kNoTimes;
}

double Arrivals::expected_count(double duration_s) const {
    if (!(duration_s > 0.0)) return 0.0;
    if (kind_ == Kind::replay) {
        const auto& t = *times_;
        return static_cast<double>(std::lower_bound(t.begin(), t.end(), duration_s) - t.begin());
    }
    if (kind_ != Kind::profile) return mean_rate() * duration_s;
    const auto &t = *times_, &r = *rates_;
    const std::size_t n = t.size();
    // The rate's integral over [0, x] for x within one cycle: trapezoids between the knots,
    // then (periodic) the ramp from the last rate back to the first at period_, or (not
    // periodic) the last rate held.
    auto area_to = [&](double x) {
        double area = 0.0;
        auto segment = [&](double t0, double r0, double t1, double r1) {  // true once x is reached
            const double hi = std::min(t1, x);
            if (hi > t0) area += (hi - t0) * (r0 + (r1 - r0) * (hi - t0) / (t1 - t0) + r0) / 2;
            return x <= t1;
        };
        for (std::size_t i = 1; i < n; ++i)
            if (segment(t[i - 1], r[i - 1], t[i], r[i])) return area;
        if (period_ > 0.0) {
            segment(t[n - 1], r[n - 1], period_, r[0]);
        } else if (x > t[n - 1]) {
            area += (x - t[n - 1]) * r[n - 1];
        }
        return area;
    };
    if (!(period_ > 0.0)) return area_to(duration_s);
    const double cycles = std::floor(duration_s / period_);
    return cycles * area_to(period_) + area_to(duration_s - cycles * period_);
}

double Arrivals::mean_rate() const {
    switch (kind_) {
        case Kind::mmpp:
            return (rate_ * mean_high_ + rate_low_ * mean_low_) / (mean_high_ + mean_low_);
        case Kind::replay: {
            const auto& t = *times_;
            return t.back() > t.front() ? static_cast<double>(t.size() - 1) / (t.back() - t.front()) : kInf;
        }
        case Kind::profile: {  // over a period, or the rate the profile ends at
            const auto &t = *times_, &r = *rates_;
            if (!(period_ > 0.0)) return r.back();
            double area = 0.0;
            for (std::size_t i = 1; i < t.size(); ++i) area += (t[i] - t[i - 1]) * (r[i] + r[i - 1]) / 2;
            return area / period_;
        }
        default:
            return rate_;
    }
}

ArrivalStream::ArrivalStream(const Arrivals& spec, Rng& rng) : spec_(spec) {
    if (spec_.kind_ == Arrivals::Kind::mmpp) {
        // Start in the stationary state distribution.
        state_ = rng.uniform() * (spec_.mean_high_ + spec_.mean_low_) < spec_.mean_high_ ? 0 : 1;
        switch_at_ = standard_exponential(rng) * (state_ == 0 ? spec_.mean_high_ : spec_.mean_low_);
    }
}

double ArrivalStream::next(Rng& rng) {
    switch (spec_.kind_) {
        case Arrivals::Kind::poisson:
            t_ += standard_exponential(rng) / spec_.rate_;
            return t_;
        case Arrivals::Kind::periodic:
            t_ += 1.0 / spec_.rate_;
            return t_;
        case Arrivals::Kind::mmpp:
            if (spec_.rate_low_ == 0.0 && spec_.rate_ * spec_.mean_high_ < kFewPerBurst)
                return next_on_off(rng, spec_.rate_, 0);
            if (spec_.rate_ * spec_.mean_high_ + spec_.rate_low_ * spec_.mean_low_ < kFewPerBurst)
                return next_fast_switching(rng);
            for (;;) {
                const double r = state_ == 0 ? spec_.rate_ : spec_.rate_low_;
                const double dt = r > 0.0 ? standard_exponential(rng) / r : kInf;
                if (t_ + dt < switch_at_) {
                    t_ += dt;
                    return t_;
                }
                // Memoryless: jump to the switch and draw afresh in the new state.
                if (!std::isfinite(switch_at_)) return t_ = kInf;  // an off period past double range
                t_ = switch_at_;
                state_ = 1 - state_;
                switch_at_ = t_ + standard_exponential(rng) * (state_ == 0 ? spec_.mean_high_ : spec_.mean_low_);
            }
        case Arrivals::Kind::replay:
            if (index_ >= spec_.times_->size()) return kInf;
            return (*spec_.times_)[index_++];
        case Arrivals::Kind::profile: {
            // Thinning segment by segment: candidates at the segment's largest rate, each
            // kept with probability rate(t) / that rate; a candidate past the segment's end
            // restarts there (memoryless).
            const auto &times = *spec_.times_, &rates = *spec_.rates_;
            const std::size_t n = times.size();
            if (t_ == 0.0 && index_ == 0 && spec_.cycle_area_ < kSparseCycle && spec_.period_ > 0.0) {
                start_sparse_cycle(rng);
                return t_;
            }
            for (;;) {
                if (index_ + 1 >= n) {  // past the last knot
                    if (spec_.period_ > 0.0) {
                        offset_ += spec_.period_;
                        index_ = 0;
                        if (spec_.cycle_area_ < kSparseCycle) {
                            start_sparse_cycle(rng);
                            return t_;
                        }
                        continue;
                    }
                    if (!(rates.back() > 0.0)) return kInf;
                    t_ += standard_exponential(rng) / rates.back();
                    return t_;
                }
                const double t0 = offset_ + times[index_], t1 = offset_ + times[index_ + 1];
                const double r0 = rates[index_], r1 = rates[index_ + 1];
                const double top = std::max(r0, r1);
                if (t_ < t0) t_ = t0;
                const double candidate = top > 0.0 ? t_ + standard_exponential(rng) / top : kInf;
                if (!(candidate < t1)) {
                    t_ = t1;
                    ++index_;
                    continue;
                }
                t_ = candidate;
                const double rate = r0 + (r1 - r0) * (candidate - t0) / (t1 - t0);
                if (rng.uniform() * top < rate) return t_;
            }
        }
    }
    return kInf;
}

void ArrivalStream::start_sparse_cycle(Rng& rng) {
    // A periodic profile expecting few arrivals per period (its rate varying far faster
    // than it sends): walking it period by period could take ~forever. From the start of a
    // period, the next arrival is where the rate's integral grows by a standard exponential
    // draw E (a time change), so floor(E / area) whole periods pass at once and the rest is
    // found in one period by inverting the integral of its linear pieces.
    const auto &times = *spec_.times_, &rates = *spec_.rates_;
    const double area = spec_.cycle_area_;
    double rest = standard_exponential(rng);
    const double skipped = std::floor(rest / area);
    rest -= skipped * area;
    offset_ += skipped * spec_.period_;
    for (std::size_t i = 0; i + 1 < times.size(); ++i) {
        const double w = times[i + 1] - times[i], r0 = rates[i], r1 = rates[i + 1];
        const double piece = w * (r0 + r1) / 2;
        if (rest < piece) {
            // r0 x + (r1 - r0) x^2 / (2 w) = rest, in the form without cancellation
            const double slope = (r1 - r0) / w;
            const double x = 2 * rest / (r0 + std::sqrt(std::max(0.0, r0 * r0 + 2 * slope * rest)));
            index_ = i;
            t_ = offset_ + times[i] + std::min(x, w);
            return;
        }
        rest -= piece;
    }
    // Rounding left the draw past the period's last knot: its end.
    index_ = times.size() - 1;
    t_ = offset_ + times.back();
}

double ArrivalStream::next_fast_switching(Rng& rng) {
    // Many switches per arrival (a switch-by-switch walk could take ~forever): the
    // intensity lo + (hi - lo) 1{in the higher state} is a Poisson stream at lo merged with
    // on/off arrivals at hi - lo while in the higher state, each drawn in O(1).
    const double hi = std::max(spec_.rate_, spec_.rate_low_), lo = std::min(spec_.rate_, spec_.rate_low_);
    const int on = spec_.rate_ >= spec_.rate_low_ ? 0 : 1;
    if (!(base_next_ >= 0.0)) {  // the first call
        base_next_ = lo > 0.0 ? standard_exponential(rng) / lo : kInf;
        burst_next_ = hi > lo ? next_on_off(rng, hi - lo, on) : kInf;
    }
    if (base_next_ <= burst_next_) {
        const double t = base_next_;
        base_next_ += standard_exponential(rng) / lo;
        return t;
    }
    const double t = burst_next_;
    burst_next_ = next_on_off(rng, hi - lo, on);
    return t;
}

double ArrivalStream::next_on_off(Rng& rng, double rate, int on) {
    // Rare arrivals, many on/off cycles between them: draw the on-time until the next
    // arrival (exponential, rate `rate`), then how many on periods end within it (a
    // Poisson count: on periods are exponential) and the off periods they insert (a gamma
    // sum), in O(1) whatever the number of cycles a switch-by-switch walk would take.
    // `on` is the state that has the arrivals (0 high, 1 low); the other has none.
    const double mean_on = on == 0 ? spec_.mean_high_ : spec_.mean_low_;
    const double mean_off = on == 0 ? spec_.mean_low_ : spec_.mean_high_;
    double need = standard_exponential(rng) / rate, off = 0.0;
    if (state_ == on) {
        if (t_ + need < switch_at_) return t_ += need;
        need -= switch_at_ - t_;
        t_ = switch_at_;
        off = standard_exponential(rng) * mean_off;  // the off period starting now
    } else {
        off = switch_at_ - t_;  // the rest of the current off period
    }
    off += exponential_sum(poisson_count(need / mean_on, rng), rng) * mean_off;
    t_ += off + need;
    state_ = on;
    switch_at_ = t_ + standard_exponential(rng) * mean_on;  // the on period goes on (memoryless)
    return t_;
}

}  // namespace scalemodel
