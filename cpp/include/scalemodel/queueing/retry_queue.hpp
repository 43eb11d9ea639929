// A continuous-time Markov chain of one queue whose clients time out and retry: the
// analytic companion of the system simulator's metastable failure (sim::ClientConfig).
//
// State (n, m): n attempts at the server (FCFS, `servers` exponential workers at
// `service_rate` each, at most `capacity` attempts held, waiting or in service), m clients
// in the retry orbit. Fresh requests arrive as a Poisson stream.
//
// Timeouts. A client abandons an attempt not answered within `timeout_s`, but the server
// still serves it (wasted work). Under FCFS with exponential service, the response of an
// attempt that finds n attempts present does not depend on anything that arrives after it:
// it is Exp(mu) for n < c, Erlang(n - c + 1, c mu) + Exp(mu) otherwise. So whether it
// will time out is decided, exactly, when it arrives: with probability
// h(n) = P(response > timeout_s) its client is lost and enters the orbit at once, where
// it stays an exponential time of mean timeout_s + backoff_s (the timeout, then the
// backoff) before its next attempt. The orbit therefore counts clients whose current
// attempt is lost or who back off.
//
// Exact: the timeout outcome of every attempt, goodput and wasted work given the state
// process; no timeouts (M/M/c/K with a retrial orbit; M/M/c/K itself without retries).
// Approximate: (1) the delay to the next attempt is exponential with the right mean
// (the simulator's is timeout + jittered backoff); (2) each failed attempt is retried with
// probability retries / (retries + 1), a geometric number of retries with the mean of the
// simulator's fixed count when every attempt fails (the chain holds no per-client count);
// (3) an attempt turned away by a full server is retried after the same orbit delay
// (exact for backoff_s = 0, where every immediate retry meets the same full server and the
// request fails at once, and without timeouts, where the delay is the backoff).
//
// Truncation: the orbit holds at most orbit_limit clients (a client that would join a
// full orbit fails); without a capacity the server holds at most queue_limit attempts (an
// attempt beyond is turned away). The stationary probability of those boundary states is
// reported as truncation_mass: when it is small, the truncation does not move the results.
#pragma once

#include <Eigen/Sparse>
#include <cstdint>
#include <limits>
#include <vector>

#include "scalemodel/core/fields.hpp"

namespace scalemodel::queueing {

struct RetryQueueConfig {
    double arrival_rate = 1.0;                                  // fresh requests per second
    double service_rate = 1.0;                                  // per worker, requests per second
    std::int64_t servers = 1;                                   // workers serving at once
    double timeout_s = std::numeric_limits<double>::infinity(); // per attempt
    std::int64_t retries = 0;                                   // mean retries when every attempt fails
    double backoff_s = 0.0;                                     // mean wait after a timeout or a drop
    std::int64_t capacity = 0;                                  // attempts held; 0: unbounded (truncated)
    std::int64_t queue_limit = 0;                               // truncation without capacity; 0: default
    std::int64_t orbit_limit = 0;                               // orbit truncation; 0: default

    SCALEMODEL_FIELDS(RetryQueueConfig, arrival_rate, service_rate, servers, timeout_s, retries, backoff_s, capacity,
                      queue_limit, orbit_limit)
};

// Rates per second; shares of requests or of served attempts.
struct RetryQueueMetrics {
    double goodput = 0.0;              // requests answered within the timeout of their arrival
    double throughput = 0.0;           // requests answered (by any attempt in time)
    double attempts_per_request = 0.0; // attempts (admitted or turned away) per fresh request
    double wasted_work = 0.0;          // share of service time spent on attempts whose client gave up
    double fail_rate = 0.0;            // share of requests that fail (out of retries, or truncated)
    double drop_rate = 0.0;            // share of attempts turned away by a full server
    double utilization = 0.0;          // busy fraction of the workers
    double mean_queue = 0.0;           // mean attempts at the server
    double mean_orbit = 0.0;           // mean clients in the orbit
    double truncation_mass = 0.0;      // P(a truncation boundary): orbit full, or queue at queue_limit
    std::int64_t queue_limit = 0;      // the largest n in the chain (capacity, or the truncation)
    std::int64_t orbit_limit = 0;      // the largest m in the chain
    std::int64_t states = 0;           // (queue_limit + 1) (orbit_limit + 1)

    SCALEMODEL_FIELDS(RetryQueueMetrics, goodput, throughput, attempts_per_request, wasted_work, fail_rate, drop_rate,
                      utilization, mean_queue, mean_orbit, truncation_mass, queue_limit, orbit_limit, states)
};

class RetryQueue {
public:
    // The most states the chain may have. A sparse LU of the 2-D generator (COLAMD
    // ordering) takes about 1 s at 30,000 states, 10 s at 100,000 and 30 s and 2 GB at
    // 240,000 on one core; it cannot stop midway, so this bounds how long Ctrl-C waits.
    static constexpr std::int64_t kMaxStates = 250'000;

    // Validates the config (messages name the Python parameters), builds the generator and
    // solves for the stationary distribution (Eigen's SparseLU). Checks the calling
    // thread's Progress for a cancel between phases.
    explicit RetryQueue(const RetryQueueConfig& config);

    const RetryQueueConfig& config() const { return config_; }
    const RetryQueueMetrics& metrics() const { return metrics_; }
    // Row-major (queue_limit + 1) x (orbit_limit + 1): P(n attempts, m in the orbit).
    const Eigen::VectorXd& stationary() const { return pi_; }
    std::vector<double> queue_distribution() const;  // P(n), n = 0..queue_limit
    std::vector<double> orbit_distribution() const;  // P(m), m = 0..orbit_limit
    // P(an attempt finding n present times out), n = 0..queue_limit - 1.
    const std::vector<double>& timeout_probability() const { return doomed_; }
    // The generator Q (rows sum to 0), states indexed n (orbit_limit + 1) + m.
    const Eigen::SparseMatrix<double, Eigen::RowMajor>& generator() const { return q_; }

    // Mean time (s) to reach {n <= to_queue} when starting in {n >= from_queue} with the
    // stationary distribution restricted there (the quasi-stationary law of an overload
    // mode; the state (from_queue, 0) if that mass underflows). Solves Q_UU t = -1.
    double escape_time(std::int64_t from_queue, std::int64_t to_queue) const;
    // Mean time (s) to reach {n >= to_queue} from {n <= from_queue}, started likewise.
    double onset_time(std::int64_t from_queue, std::int64_t to_queue) const;
    // Defaults for the modes: the queue at which an arrival's mean wait reaches the
    // timeout, c - 1 + c mu timeout (capped at queue_limit), and the workers' count c.
    std::int64_t overload_queue() const;
    std::int64_t normal_queue() const;

private:
    double first_passage(const std::vector<char>& start, const std::vector<char>& target) const;
    RetryQueueConfig config_;
    std::int64_t K_ = 0, M_ = 0;
    std::vector<double> doomed_;
    Eigen::SparseMatrix<double, Eigen::RowMajor> q_;
    Eigen::VectorXd pi_;
    RetryQueueMetrics metrics_;
};

}  // namespace scalemodel::queueing
