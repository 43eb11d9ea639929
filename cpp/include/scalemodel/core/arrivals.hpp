// Arrival processes: when requests enter a model. Built once by a named constructor that
// validates its parameters (messages name them as the Python API spells them), then
// turned into an ArrivalStream per replication, which draws from the replication's Rng.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "scalemodel/core/random.hpp"

namespace scalemodel {

class Arrivals {
public:
    enum class Kind : int { poisson, periodic, mmpp, replay, profile };

    // Poisson at `rate` per second (`rate_name`: the rate's name for the caller).
    static Arrivals poisson(double rate, const std::string& rate_name = "rate");
    // One arrival every 1 / rate seconds, the first at 1 / rate.
    static Arrivals periodic(double rate, const std::string& rate_name = "rate");
    // Two-state Markov-modulated Poisson: rate_high for exponential periods of mean
    // mean_high_s, then rate_low for periods of mean mean_low_s (rate_low = 0: on/off).
    static Arrivals mmpp(double rate_high, double rate_low, double mean_high_s, double mean_low_s);
    // The given timestamps (seconds, finite, >= 0, sorted), replayed as they are.
    static Arrivals replay(std::vector<double> timestamps);
    // Poisson with a time-varying rate: linear between the knots (times[i], rates[i]); equal
    // consecutive times make a step. times start at 0 and never decrease. After the last
    // knot the rate stays at the last one, or with period_s > 0 (>= the last time) the
    // profile repeats every period_s, ramping from the last rate back to the first.
    static Arrivals profile(std::vector<double> times, std::vector<double> rates, double period_s = 0.0);

    Kind kind() const { return kind_; }
    double mean_rate() const;
    // The expected number of arrivals in [0, duration_s): exact for a profile (its rate
    // integrated, so a ramp or a quiet start counts as it is), the replayed timestamps
    // before duration_s, else mean_rate() x duration_s. A guide for memory checks.
    double expected_count(double duration_s) const;
    // Replayed timestamps; empty for a generated process.
    const std::vector<double>& timestamps() const;

private:
    friend class ArrivalStream;
    Arrivals() = default;
    Kind kind_ = Kind::poisson;
    double rate_ = 1.0, rate_low_ = 0.0, mean_high_ = 1.0, mean_low_ = 1.0;
    std::shared_ptr<const std::vector<double>> times_;  // replay, profile knots; shared, so copies are cheap
    std::shared_ptr<const std::vector<double>> rates_;  // profile
    double period_ = 0.0;
    double cycle_area_ = 0.0;  // profile with a period: expected arrivals per period
};

// A column recorded with replayed arrivals (a size, a key per request): `size` entries, one
// per timestamp of `arrivals`, which must be a replay; the message names it `name`.
void check_replayed(const Arrivals& arrivals, std::size_t size, const std::string& name);

class ArrivalStream {
public:
    ArrivalStream(const Arrivals& spec, Rng& rng);
    // The next arrival's absolute time; inf once a replay is exhausted.
    double next(Rng& rng);

private:
    double next_on_off(Rng& rng, double rate, int on);
    double next_fast_switching(Rng& rng);
    void start_sparse_cycle(Rng& rng);
    const Arrivals& spec_;
    double t_ = 0.0;
    int state_ = 0;  // mmpp: 0 high, 1 low
    double switch_at_ = 0.0;
    std::size_t index_ = 0;
    double offset_ = 0.0;  // profile: start of the current period
    double base_next_ = -1.0, burst_next_ = 0.0;  // mmpp switching fast: the two merged streams' next
};

}  // namespace scalemodel
