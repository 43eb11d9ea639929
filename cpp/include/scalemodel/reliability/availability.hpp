// Availability of k-of-n redundant systems: the binomial closed form for independent
// components, a continuous-time Markov chain for repairable components with a limited
// number of repair crews, and a Monte Carlo over component lifetimes with correlated
// zone outages and automatic replacement.
#pragma once

#include <cstdint>

#include "scalemodel/core/distribution.hpp"
#include "scalemodel/core/fields.hpp"
#include "scalemodel/core/run_spec.hpp"
#include "scalemodel/reliability/summary.hpp"

namespace scalemodel::reliability {

// P(at least k of n independent components are up), each up with probability
// `availability`. 0 <= k <= n <= 10^7.
double k_of_n(std::int64_t k, std::int64_t n, double availability);
// 1 - k_of_n, computed without cancellation (for nines).
double k_of_n_unavailability(std::int64_t k, std::int64_t n, double availability);

struct CtmcAvailability {
    double availability = 0.0;
    double unavailability = 0.0;
    double mean_components_up = 0.0;
    double failure_frequency = 0.0;  // system failures (up -> down) per second
    double mean_outage_s = 0.0;      // mean length of a system outage

    SCALEMODEL_FIELDS(CtmcAvailability, availability, unavailability, mean_components_up, failure_frequency,
                      mean_outage_s)
};

// n components, each failing at `failure_rate` (1/s) while up and repaired at `repair_rate`
// (1/s) by one of `repair_crews` crews (repairs beyond the crew count wait). The system is
// up while at least k components are. The birth-death generator Q over the number of
// failed components is solved for pi Q = 0 with Eigen. n <= 2000.
CtmcAvailability ctmc_availability(std::int64_t k, std::int64_t n, double failure_rate, double repair_rate,
                                   std::int64_t repair_crews);

struct AvailabilityConfig {
    std::int64_t n = 3;
    std::int64_t k = 1;
    Distribution lifetime = Distribution::exponential(1.0);  // time to failure of a component (mean = MTBF)
    Distribution repair = Distribution::exponential(1.0);    // time to repair (mean = MTTR)
    double replacement_s = 0.0;     // > 0: a failed component is replaced after at most this long
    std::int64_t zones = 1;         // components spread round-robin over zones
    double zone_failures_per_year = 0.0;  // outages per zone per year; a zone outage takes down its components
    Distribution zone_outage = Distribution::exponential(3600.0);  // zone outage duration
    double horizon_s = 0.0;         // simulated time per replication

    SCALEMODEL_FIELDS(AvailabilityConfig, n, k, lifetime, repair, replacement_s, zones, zone_failures_per_year,
                      zone_outage, horizon_s)
};

// run.replications independent runs of horizon_s each (at least 2).
// Metrics per replication: availability, unavailability, downtime_s_per_year,
// outages_per_year. Values: component_availability (steady state), k_of_n_independent
// (binomial with it), replications, horizon_s.
Summary simulate_availability(const AvailabilityConfig& cfg, const RunSpec& run);

}  // namespace scalemodel::reliability
