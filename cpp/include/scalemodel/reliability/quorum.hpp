// Quorum replication N/R/W: probabilistically bounded staleness (Bailis et al., PBS).
#pragma once

#include <cstdint>
#include <vector>

#include "scalemodel/core/distribution.hpp"
#include "scalemodel/core/fields.hpp"
#include "scalemodel/core/run_spec.hpp"
#include "scalemodel/reliability/summary.hpp"

namespace scalemodel::reliability {

// Probability that a read returns one of the last k committed versions when reads and
// writes go to random quorums of r and w out of n replicas (PBS k-staleness):
// 1 - (C(n - w, r) / C(n, r))^k. 1 <= r, w <= n <= 10^6, k >= 1.
double pbs_k_staleness(std::int64_t n, std::int64_t r, std::int64_t w, std::int64_t k);

struct QuorumConfig {
    std::int64_t n = 3, r = 1, w = 1;
    // coordinator -> replica write and the ack back (each leg drawn separately)
    Distribution write_latency = Distribution::exponential(0.001);
    // coordinator -> replica read request and the response back
    Distribution read_latency = Distribution::exponential(0.001);
    double replica_down_prob = 0.0;  // each replica independently unreachable for a request
    std::vector<double> t{0.0};      // seconds after the write commits at which reads start
    std::int64_t requests = 1 << 20;

    SCALEMODEL_FIELDS(QuorumConfig, n, r, w, write_latency, read_latency, replica_down_prob, t, requests)
};

// WARS model: the write reaches replica i after W_i and its ack returns after A_i; it
// commits at the w-th fastest W_i + A_i. A read issued t later reaches replica i after R_i
// and returns after S_i; the r fastest responses are used; the read is consistent when one
// of them had received the write (W_i <= commit + t + R_i). A request whose write or read
// finds too few live replicas counts as unavailable.
// Metrics per chunk of 2^15 requests (the chunks are the replications; their count comes
// from `requests`, and run.replications is not used): p_consistent_<i> for each t[i] (among available
// requests), write_latency_s, read_latency_s, write_available, read_available.
// Values: requests, chunks, pbs_k1 (closed form for k = 1), write_latency_p50_s,
// write_latency_p99_s, read_latency_p50_s, read_latency_p99_s (log-bucketed histogram, within 0.4%).
Summary t_visibility(const QuorumConfig& cfg, const RunSpec& run);

}  // namespace scalemodel::reliability
