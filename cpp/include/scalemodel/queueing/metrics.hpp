// Steady-state figures shared by the single-station queueing models.
#pragma once

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

    static auto fields() {
        using C = QueueMetrics;
        return std::make_tuple(field("stable", &C::stable), field("utilization", &C::utilization),
                               field("prob_wait", &C::prob_wait), field("prob_block", &C::prob_block),
                               field("throughput", &C::throughput), field("mean_queue_length", &C::mean_queue_length),
                               field("mean_in_system", &C::mean_in_system), field("mean_wait", &C::mean_wait),
                               field("mean_response", &C::mean_response));
    }
};

}  // namespace scalemodel::queueing
