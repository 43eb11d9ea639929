// Queueing networks: open Jackson networks of M/M/c stations, and closed single-class
// product-form networks solved by exact Mean Value Analysis.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "scalemodel/queueing/metrics.hpp"
#include "scalemodel/core/fields.hpp"

namespace scalemodel::queueing {

struct JacksonResult {
    Eigen::VectorXd arrival_rate;        // total arrival rate at each station (traffic equations)
    Eigen::VectorXd visits;              // mean visits per request entering the network
    std::vector<QueueMetrics> stations;  // each station as an M/M/c queue
    bool stable = true;                  // every station below capacity
    double throughput = 0.0;             // requests entering (and leaving) per second
    double mean_in_system = 0.0;         // requests in the whole network
    double mean_response = 0.0;          // end-to-end time in the network, seconds (Little)

    SCALEMODEL_FIELDS(JacksonResult, arrival_rate, visits, stable, throughput, mean_in_system, mean_response)
};

// external_arrivals[i]: requests/s arriving from outside at station i (>= 0, some > 0).
// routing(i, j): probability that a request leaving i goes to j; each row sums to <= 1,
// the rest leaves the network. service_rates[i] per server, servers[i] >= 1.
// The traffic equations lambda = gamma + R^T lambda are solved with Eigen's LU.
JacksonResult jackson(const Eigen::VectorXd& external_arrivals, const Eigen::MatrixXd& routing,
                      const Eigen::VectorXd& service_rates, const std::vector<std::int64_t>& servers);

struct MvaResult {
    // Row n - 1 holds population n = 1..N.
    Eigen::VectorXd throughput;     // requests per second completed by the network
    Eigen::VectorXd response;       // time per pass through the stations (think time excluded), s
    Eigen::MatrixXd residence;      // time per pass spent at each station, seconds
    Eigen::MatrixXd queue_length;   // mean requests at each station
    Eigen::MatrixXd utilization;    // demand x throughput: busy fraction (for a delay station, mean number there)

    SCALEMODEL_FIELDS(MvaResult, throughput, response, residence, queue_length, utilization)
};

// Exact MVA for a closed network of `population` requests cycling through stations with
// service demands (visits x service time, seconds) and a think time (seconds) outside.
// Queueing stations have one load-independent server; delay stations (is_delay) add
// their demand without queueing.
MvaResult mva(const Eigen::VectorXd& demands, const std::vector<bool>& is_delay, std::int64_t population,
              double think_time);

}  // namespace scalemodel::queueing
