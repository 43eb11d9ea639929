// Steady-state figures shared by the single-station queueing models.
#pragma once

#include <cstdint>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/fields.hpp"

namespace scalemodel::queueing {

// Times in seconds, rates in requests per second. For an unstable queue (load >= capacity)
// `stable` is false and every delay and queue length is +inf.
struct QueueMetrics {
    bool stable = true;
    double utilization = 0.0;        // busy fraction of each server (offered, may exceed 1)
    double prob_wait = 0.0;          // P(an admitted arrival waits)
    double prob_block = 0.0;         // P(an arrival is turned away); 0 for infinite buffers
    double throughput = 0.0;         // admitted and served requests per second
    double mean_queue_length = 0.0;  // mean number waiting (not in service)
    double mean_in_system = 0.0;     // mean number waiting or in service
    double mean_wait = 0.0;          // mean time in queue before service
    double mean_response = 0.0;      // mean time in queue plus service

    SCALEMODEL_FIELDS(QueueMetrics, stable, utilization, prob_wait, prob_block, throughput, mean_queue_length,
                      mean_in_system, mean_wait, mean_response)
};

// What M/M/c and M/M/c/K share: Poisson arrivals at arrival_rate (>= 0), exponential
// service at service_rate (> 0) per server, servers >= 1, checked on construction; and the
// steady-state metrics the model computes.
class MarkovianStation {
public:
    const QueueMetrics& metrics() const { return metrics_; }

protected:
    MarkovianStation(double arrival_rate, double service_rate, std::int64_t servers)
        : arrival_rate_(check_nonnegative("arrival_rate", arrival_rate)),
          service_rate_(check_positive("service_rate", service_rate)),
          servers_(check_count("servers", servers, 1)) {}

    double arrival_rate_;
    double service_rate_;
    std::int64_t servers_;
    QueueMetrics metrics_;
};

}  // namespace scalemodel::queueing
