#include "scalemodel/queueing/retry_queue.hpp"

#include <Eigen/SparseLU>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/progress.hpp"
#include "scalemodel/queueing/mmck.hpp"

namespace scalemodel::queueing {

namespace {

using Triplet = Eigen::Triplet<double>;

// Default truncations stop far enough out that the boundary holds a negligible share of
// the stationary mass in the usual cases; truncation_mass says when they do not.
constexpr std::int64_t kDefaultQueueCap = 2000;

void cancel_point(const Progress* progress) {
    if (progress != nullptr && progress->cancelled()) throw Cancelled();
}

void advance(Progress* progress) {
    if (progress != nullptr) progress->advance();
}

// Solves A x = b with a sparse LU (COLAMD ordering); a singular A is a bug or a chain the
// parameters disconnect, reported as such.
Eigen::VectorXd lu_solve(const Eigen::SparseMatrix<double>& a, const Eigen::VectorXd& b, const char* what) {
    Eigen::SparseLU<Eigen::SparseMatrix<double>, Eigen::COLAMDOrdering<int>> lu;
    lu.analyzePattern(a);
    lu.factorize(a);
    if (lu.info() != Eigen::Success) throw std::runtime_error(std::string("retry queue: the ") + what + " is singular");
    return lu.solve(b);
}

}  // namespace

RetryQueue::RetryQueue(const RetryQueueConfig& config) : config_(config) {
    RetryQueueConfig& c = config_;
    check_positive("arrival_rate", c.arrival_rate);
    check_positive("service_rate", c.service_rate);
    check_count("servers", c.servers, 1, 100'000);
    if (!(c.timeout_s > 0.0)) detail::fail_range("timeout", "a number > 0 (None: no timeout)", c.timeout_s);
    check_count("retries", c.retries, 0, 1000);
    check_nonnegative("backoff", c.backoff_s);
    check_count("capacity", c.capacity, 0);
    if (c.capacity > 0) check_count("capacity", c.capacity, c.servers);
    check_count("queue_limit", c.queue_limit, 0);
    check_count("orbit_limit", c.orbit_limit, 0);
    if (c.capacity > 0 && c.queue_limit > 0)
        throw std::invalid_argument("queue_limit truncates an unbounded server: give capacity or queue_limit, not both");

    const double lam = c.arrival_rate, mu = c.service_rate, T = c.timeout_s, b = c.backoff_s;
    const double cs = static_cast<double>(c.servers);
    const double r = static_cast<double>(c.retries) / static_cast<double>(c.retries + 1);
    const bool timeouts = std::isfinite(T);
    // The orbit is used when failed attempts wait before the next: after a timeout, or
    // after a drop with a backoff.
    const bool orbit = c.retries > 0 && (timeouts || b > 0.0);
    const double nu = orbit ? 1.0 / ((timeouts ? T : 0.0) + b) : 0.0;
    const bool drop_fails = !orbit || b == 0.0;  // immediate retries meet the same full server

    // Truncation.
    if (c.capacity > 0) {
        K_ = c.capacity;
    } else if (c.queue_limit > 0) {
        K_ = check_count("queue_limit", c.queue_limit, c.servers);
    } else {
        const double rho = lam / (cs * mu);
        double k = cs + 1000.0;
        if (timeouts) {
            k = cs + std::max(50.0, std::ceil(3.0 * cs * mu * T));
        } else if (rho < 1.0) {
            k = cs + std::max(50.0, std::ceil(std::log(1e-12) / std::log(rho)));
        }
        K_ = static_cast<std::int64_t>(std::min(k, static_cast<double>(kDefaultQueueCap)));
    }
    if (c.orbit_limit > 0) {
        M_ = c.orbit_limit;
    } else if (orbit) {
        // When every attempt fails, clients enter the orbit at lam r / (1 - r) = lam R per
        // second and stay 1 / nu: lam R / nu on average; leave room for its spread.
        const double full = lam * static_cast<double>(c.retries) / nu;
        const double room = static_cast<double>(RetryQueue::kMaxStates) / static_cast<double>(K_ + 1) - 1.0;
        M_ = static_cast<std::int64_t>(std::min(std::ceil(1.5 * full + 6.0 * std::sqrt(full) + 10.0), room));
        M_ = std::max<std::int64_t>(M_, 1);
    }
    const std::int64_t states = (K_ + 1) * (M_ + 1);
    if ((K_ + 1) > kMaxStates / (M_ + 1) || states > kMaxStates) {
        const char* name = c.orbit_limit > 0 ? "orbit_limit" : (c.capacity > 0 ? "capacity" : "queue_limit");
        throw std::invalid_argument(std::string(name) + " too large: (queue_limit + 1) x (orbit_limit + 1) = " +
                                    std::to_string(K_ + 1) + " x " + std::to_string(M_ + 1) + " states, at most " +
                                    std::to_string(kMaxStates) + " allowed");
    }

    Progress* progress = Progress::current();
    if (progress != nullptr) progress->add_total(3);

    doomed_.assign(static_cast<std::size_t>(K_), 0.0);
    std::vector<double> late(static_cast<std::size_t>(K_), 0.0);  // service share served after the timeout
    if (timeouts) {
        for (std::int64_t n = 0; n < K_; ++n) {
            doomed_[static_cast<std::size_t>(n)] = fcfs_response_survival(n, c.servers, mu, T);
            late[static_cast<std::size_t>(n)] = fcfs_late_work(n, c.servers, mu, T);
        }
    }

    // The generator, and the balance system A pi = e_0: A = Q^T with row 0 replaced by ones.
    const std::int64_t width = M_ + 1;
    const auto id = [width](std::int64_t n, std::int64_t m) { return static_cast<int>(n * width + m); };
    std::vector<Triplet> qt, at;
    qt.reserve(static_cast<std::size_t>(states) * 6);
    at.reserve(static_cast<std::size_t>(states) * 6);
    std::vector<double> out(static_cast<std::size_t>(states), 0.0);
    const auto add = [&](int from, int to, double rate) {
        if (rate <= 0.0 || from == to) return;
        qt.emplace_back(from, to, rate);
        out[static_cast<std::size_t>(from)] += rate;
        if (to != 0) at.emplace_back(to, from, rate);
    };
    for (std::int64_t n = 0; n <= K_; ++n) {
        for (std::int64_t m = 0; m <= M_; ++m) {
            const int s = id(n, m);
            const double retry = static_cast<double>(m) * nu;
            if (n < K_) {
                const double h = doomed_[static_cast<std::size_t>(n)], lost = h * r;
                add(s, id(n + 1, std::min(m + 1, M_)), lam * lost);
                add(s, id(n + 1, m), lam * (1.0 - lost));
                if (m > 0) {
                    add(s, id(n + 1, m), retry * lost);
                    add(s, id(n + 1, m - 1), retry * (1.0 - lost));
                }
            } else if (drop_fails) {
                if (m > 0) add(s, id(n, m - 1), retry);
            } else {
                if (m < M_) add(s, id(n, m + 1), lam * r);
                if (m > 0) add(s, id(n, m - 1), retry * (1.0 - r));
            }
            if (n > 0) add(s, id(n - 1, m), static_cast<double>(std::min(n, c.servers)) * mu);
        }
        if ((n & 63) == 0) cancel_point(progress);
    }
    for (std::int64_t s = 0; s < states; ++s) {
        const double total = out[static_cast<std::size_t>(s)];
        qt.emplace_back(static_cast<int>(s), static_cast<int>(s), -total);
        if (s != 0) at.emplace_back(static_cast<int>(s), static_cast<int>(s), -total);
        at.emplace_back(0, static_cast<int>(s), 1.0);
    }
    q_.resize(static_cast<Eigen::Index>(states), static_cast<Eigen::Index>(states));
    q_.setFromTriplets(qt.begin(), qt.end());
    Eigen::SparseMatrix<double> a(static_cast<Eigen::Index>(states), static_cast<Eigen::Index>(states));
    a.setFromTriplets(at.begin(), at.end());
    qt = {}, at = {};
    advance(progress);
    cancel_point(progress);

    Eigen::VectorXd e0 = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(states));
    e0[0] = 1.0;
    pi_ = lu_solve(a, e0, "balance system");
    pi_ = pi_.cwiseMax(0.0);  // rounding leaves a few -1e-18 in states of no weight
    pi_ /= pi_.sum();
    advance(progress);
    cancel_point(progress);

    RetryQueueMetrics& x = metrics_;
    double good = 0, answered = 0, admitted = 0, wasted = 0, attempts = 0, failed = 0, drops = 0;
    for (std::int64_t n = 0; n <= K_; ++n) {
        for (std::int64_t m = 0; m <= M_; ++m) {
            const double w = pi_[id(n, m)];
            const double stream = w * (lam + static_cast<double>(m) * nu);
            x.utilization += w * static_cast<double>(std::min(n, c.servers)) / cs;
            x.mean_queue += w * static_cast<double>(n);
            x.mean_orbit += w * static_cast<double>(m);
            if (m == M_ && M_ > 0) x.truncation_mass += w;
            if (n < K_) {
                const double h = doomed_[static_cast<std::size_t>(n)];
                good += w * lam * (1.0 - h);
                answered += stream * (1.0 - h);
                admitted += stream;
                wasted += stream * late[static_cast<std::size_t>(n)];
                attempts += stream;
                failed += stream * h * (1.0 - r);
                if (m == M_) failed += w * lam * h * r;  // truncation: no room in the orbit
            } else if (drop_fails) {
                attempts += stream / (1.0 - r);
                drops += stream / (1.0 - r);
                failed += stream;
            } else {
                attempts += stream;
                drops += stream;
                failed += stream * (1.0 - r);
                if (m == M_) failed += w * lam * r;
            }
        }
    }
    if (c.capacity == 0) {
        for (std::int64_t m = 0; m < M_ || (M_ == 0 && m == 0); ++m) x.truncation_mass += pi_[id(K_, m)];
    }
    x.goodput = good;
    x.throughput = answered;
    x.attempts_per_request = attempts / lam;
    x.wasted_work = admitted > 0.0 ? wasted / admitted : 0.0;
    x.fail_rate = failed / lam;
    x.drop_rate = attempts > 0.0 ? drops / attempts : 0.0;
    x.queue_limit = K_;
    x.orbit_limit = M_;
    x.states = states;
    advance(progress);
}

std::vector<double> RetryQueue::queue_distribution() const {
    std::vector<double> p(static_cast<std::size_t>(K_ + 1), 0.0);
    for (std::int64_t n = 0; n <= K_; ++n) p[static_cast<std::size_t>(n)] = pi_.segment(n * (M_ + 1), M_ + 1).sum();
    return p;
}

std::vector<double> RetryQueue::orbit_distribution() const {
    std::vector<double> p(static_cast<std::size_t>(M_ + 1), 0.0);
    for (std::int64_t n = 0; n <= K_; ++n)
        for (std::int64_t m = 0; m <= M_; ++m) p[static_cast<std::size_t>(m)] += pi_[n * (M_ + 1) + m];
    return p;
}

std::int64_t RetryQueue::overload_queue() const {
    const double T = config_.timeout_s;
    if (!std::isfinite(T)) return K_;
    const double c = static_cast<double>(config_.servers);
    const double n = std::ceil(c - 1.0 + c * config_.service_rate * T);
    return std::max<std::int64_t>(1, std::min(K_, static_cast<std::int64_t>(std::min(n, 1e15))));
}

std::int64_t RetryQueue::normal_queue() const { return std::min(config_.servers, overload_queue() - 1); }

double RetryQueue::escape_time(std::int64_t from_queue, std::int64_t to_queue) const {
    check_count("to_queue", to_queue, 0, K_ - 1);
    check_count("from_queue", from_queue, to_queue + 1, K_);
    const std::int64_t width = M_ + 1;
    std::vector<char> start(static_cast<std::size_t>(pi_.size()), 0), target(start.size(), 0);
    for (std::int64_t s = 0; s < pi_.size(); ++s) {
        const std::int64_t n = s / width;
        start[static_cast<std::size_t>(s)] = n >= from_queue;
        target[static_cast<std::size_t>(s)] = n <= to_queue;
    }
    return first_passage(start, target);
}

double RetryQueue::onset_time(std::int64_t from_queue, std::int64_t to_queue) const {
    check_count("from_queue", from_queue, 0, K_ - 1);
    check_count("to_queue", to_queue, from_queue + 1, K_);
    const std::int64_t width = M_ + 1;
    std::vector<char> start(static_cast<std::size_t>(pi_.size()), 0), target(start.size(), 0);
    for (std::int64_t s = 0; s < pi_.size(); ++s) {
        const std::int64_t n = s / width;
        start[static_cast<std::size_t>(s)] = n <= from_queue;
        target[static_cast<std::size_t>(s)] = n >= to_queue;
    }
    return first_passage(start, target);
}

double RetryQueue::first_passage(const std::vector<char>& start, const std::vector<char>& target) const {
    Progress* progress = Progress::current();
    const auto states = static_cast<std::int64_t>(start.size());
    std::vector<int> index(start.size(), -1);
    int u = 0;
    for (std::int64_t s = 0; s < states; ++s)
        if (!target[static_cast<std::size_t>(s)]) index[static_cast<std::size_t>(s)] = u++;
    // Q restricted to the states outside the target: Q_UU t = -1.
    std::vector<Triplet> t;
    t.reserve(static_cast<std::size_t>(q_.nonZeros()));
    for (int s = 0; s < q_.outerSize(); ++s) {
        const int i = index[static_cast<std::size_t>(s)];
        if (i < 0) continue;
        for (Eigen::SparseMatrix<double, Eigen::RowMajor>::InnerIterator it(q_, s); it; ++it) {
            const int j = index[static_cast<std::size_t>(it.col())];
            if (j >= 0) t.emplace_back(i, j, it.value());
        }
    }
    Eigen::SparseMatrix<double> quu(u, u);
    quu.setFromTriplets(t.begin(), t.end());
    t = {};
    cancel_point(progress);
    const Eigen::VectorXd hit = lu_solve(quu, Eigen::VectorXd::Constant(u, -1.0), "first-passage system");
    cancel_point(progress);
    double weight = 0.0, sum = 0.0;
    std::int64_t first = -1;
    for (std::int64_t s = 0; s < states; ++s) {
        const int i = index[static_cast<std::size_t>(s)];
        if (!start[static_cast<std::size_t>(s)] || i < 0) continue;
        if (first < 0) first = s;
        weight += pi_[s];
        sum += pi_[s] * hit[i];
    }
    if (first < 0) return 0.0;  // the start set lies inside the target
    // The start set's stationary mass underflowed: start from its first state.
    if (!(weight > 1e-300)) return hit[index[static_cast<std::size_t>(first)]];
    return sum / weight;
}

}  // namespace scalemodel::queueing
