// The retry-queue CTMC: exact reductions (M/M/c/K, a birth-death first passage), balance of
// the generator, the FCFS timeout kernels against quadrature, and range checks.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "scalemodel/queueing/mmck.hpp"
#include "scalemodel/queueing/retry_queue.hpp"

namespace q = scalemodel::queueing;

namespace {

q::RetryQueueConfig base() {
    q::RetryQueueConfig c;
    c.arrival_rate = 20.0, c.service_rate = 10.0, c.servers = 4;
    c.timeout_s = 1.0, c.retries = 2, c.capacity = 60;
    return c;
}

// Composite Simpson on [0, t] of the Erlang(k, theta) density times g.
template <class G>
double erlang_integral(double k, double theta, double t, G g) {
    const int n = 20000;
    const double h = t / n;
    double s = 0.0;
    for (int i = 0; i <= n; ++i) {
        const double w = i * h;
        const double f = w == 0.0 ? (k == 1.0 ? theta : 0.0)
                                  : std::exp(k * std::log(theta) + (k - 1) * std::log(w) - theta * w - std::lgamma(k));
        s += (i == 0 || i == n ? 1 : (i % 2 ? 4 : 2)) * f * g(w);
    }
    return s * h / 3.0;
}

}  // namespace

TEST(RetryQueue, WithoutTimeoutsOrRetriesIsMMcK) {
    q::RetryQueueConfig c = base();
    c.timeout_s = std::numeric_limits<double>::infinity();
    c.retries = 0;
    for (double lam : {5.0, 30.0, 45.0, 200.0}) {
        c.arrival_rate = lam;
        const q::RetryQueue chain(c);
        const q::MMcK exact(lam, c.service_rate, c.servers, c.capacity);
        const auto p = chain.queue_distribution();
        ASSERT_EQ(p.size(), exact.state_probabilities().size());
        for (std::size_t n = 0; n < p.size(); ++n) EXPECT_NEAR(p[n], exact.state_probabilities()[n], 1e-12);
        const auto& m = chain.metrics();
        EXPECT_NEAR(m.throughput / exact.metrics().throughput, 1.0, 1e-11);
        EXPECT_NEAR(m.goodput, m.throughput, 1e-12 * lam);
        EXPECT_NEAR(m.fail_rate, exact.metrics().prob_block, 1e-12);
        EXPECT_NEAR(m.drop_rate, exact.metrics().prob_block, 1e-12);
        EXPECT_NEAR(m.mean_queue, exact.metrics().mean_in_system, 1e-10);
        EXPECT_NEAR(m.attempts_per_request, 1.0, 1e-12);
        EXPECT_EQ(m.orbit_limit, 0);
        EXPECT_EQ(m.truncation_mass, 0.0);
    }
}

TEST(RetryQueue, GeneratorBalancesAndFlowsAreConserved) {
    // A small chain (31 x 41 states: quick under the sanitizers) in both modes.
    for (double lam : {10.0, 28.0, 36.0}) {
        for (double backoff : {0.0, 0.5}) {
            q::RetryQueueConfig c = base();
            c.arrival_rate = lam, c.backoff_s = backoff;
            c.timeout_s = 0.5, c.capacity = 30, c.orbit_limit = 40;
            const q::RetryQueue chain(c);
            const auto& g = chain.generator();
            const Eigen::VectorXd ones = Eigen::VectorXd::Ones(g.cols());
            EXPECT_LT((g * ones).cwiseAbs().maxCoeff(), 1e-9);
            const Eigen::VectorXd& pi = chain.stationary();
            EXPECT_NEAR(pi.sum(), 1.0, 1e-12);
            EXPECT_GE(pi.minCoeff(), 0.0);
            EXPECT_LT((g.transpose() * pi).cwiseAbs().maxCoeff(), 1e-10 * lam);
            // Every request is answered or fails; served attempts equal admitted ones.
            const auto& m = chain.metrics();
            EXPECT_NEAR(m.throughput + m.fail_rate * lam, lam, 1e-8 * lam);
            EXPECT_GE(m.throughput, m.goodput);
            EXPECT_EQ(m.states, 31 * 41);
        }
    }
}

TEST(RetryQueue, BirthDeathEscapeTimeMatchesTheClosedForm) {
    // Without retries the chain is M/M/c/K: a birth-death process, whose passage from n to
    // n - 1 takes sum_{j >= n} p_j / (p_n mu_n).
    q::RetryQueueConfig c = base();
    c.retries = 0, c.arrival_rate = 38.0;
    const q::RetryQueue chain(c);
    const auto p = chain.queue_distribution();
    const std::int64_t K = c.capacity, from = 30, to = 4;
    std::vector<double> step(static_cast<std::size_t>(K + 1), 0.0);
    for (std::int64_t n = 1; n <= K; ++n) {
        double tail = 0.0;
        for (std::int64_t j = n; j <= K; ++j) tail += p[static_cast<std::size_t>(j)];
        step[static_cast<std::size_t>(n)] =
            tail / (p[static_cast<std::size_t>(n)] * static_cast<double>(std::min(n, c.servers)) * c.service_rate);
    }
    double num = 0.0, den = 0.0;
    for (std::int64_t i = from; i <= K; ++i) {
        double t = 0.0;
        for (std::int64_t j = to + 1; j <= i; ++j) t += step[static_cast<std::size_t>(j)];
        num += p[static_cast<std::size_t>(i)] * t;
        den += p[static_cast<std::size_t>(i)];
    }
    EXPECT_NEAR(chain.escape_time(from, to) / (num / den), 1.0, 1e-9);
}

TEST(RetryQueue, TimeoutKernelsMatchQuadrature) {
    const double mu = 10.0, t = 1.0;
    for (std::int64_t c : {1, 4}) {
        for (std::int64_t n : {0, 2, 5, 12, 40, 45}) {
            const double s = q::fcfs_response_survival(n, c, mu, t);
            const double late = q::fcfs_late_work(n, c, mu, t);
            if (n < c) {
                EXPECT_NEAR(s, std::exp(-mu * t), 1e-15);
                EXPECT_NEAR(late, std::exp(-mu * t) * (mu * t + 1.0), 1e-15);
                continue;
            }
            const double k = static_cast<double>(n - c + 1), theta = static_cast<double>(c) * mu;
            const double beyond = 1.0 - erlang_integral(k, theta, t, [](double) { return 1.0; });
            const double s_ref = beyond + erlang_integral(k, theta, t, [&](double w) { return std::exp(-mu * (t - w)); });
            const double late_ref = beyond + erlang_integral(k, theta, t, [&](double w) {
                return std::exp(-mu * (t - w)) * (mu * (t - w) + 1.0);
            });
            EXPECT_NEAR(s, s_ref, 1e-9) << c << " " << n;
            EXPECT_NEAR(late, late_ref, 1e-9) << c << " " << n;
            EXPECT_GE(late, s);  // the late attempts are the long ones
        }
    }
}

TEST(RetryQueue, ShowsTwoModesAndSteepEscapeTimes) {
    // 4 workers at 10/s, 1 s timeouts, 2 immediate retries, 50 held (51 x 71 states): the
    // time to leave the overload mode grows steeply with the load, and near 85% the
    // queue-length law has a second mode at the capacity.
    q::RetryQueueConfig c = base();
    c.capacity = 50, c.orbit_limit = 70;
    double previous = 0.0;
    for (double lam : {24.0, 28.0, 32.0}) {
        c.arrival_rate = lam;
        const q::RetryQueue chain(c);
        const double escape = chain.escape_time(chain.overload_queue(), chain.normal_queue());
        EXPECT_GT(escape, 2.5 * previous) << lam;
        EXPECT_LT(chain.metrics().truncation_mass, 1e-15);
        previous = escape;
    }
    c.arrival_rate = 34.0;
    const auto p = q::RetryQueue(c).queue_distribution();
    double low = 0.0, high = 0.0;
    for (std::size_t n = 0; n < p.size(); ++n) {
        if (n <= 10) low += p[n];
        if (n >= 40) high += p[n];
    }
    EXPECT_GT(low, 0.2);
    EXPECT_GT(high, 0.2);
    EXPECT_LT(p[28], 0.05 * std::min(p[3], p[49]));  // a trough between the modes
}

TEST(RetryQueue, RangeChecksNameTheParameters) {
    const auto message = [](q::RetryQueueConfig c) {
        try {
            q::RetryQueue chain(c);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    q::RetryQueueConfig c = base();
    c.servers = 0;
    EXPECT_NE(message(c).find("servers"), std::string::npos);
    c = base(), c.timeout_s = -1.0;
    EXPECT_NE(message(c).find("timeout"), std::string::npos);
    c = base(), c.capacity = 2;
    EXPECT_NE(message(c).find("capacity"), std::string::npos);
    c = base(), c.orbit_limit = 100'000;
    EXPECT_NE(message(c).find("orbit_limit"), std::string::npos);
    c = base(), c.capacity = 0, c.queue_limit = 5'000'000;
    EXPECT_NE(message(c).find("queue_limit"), std::string::npos);
    c = base(), c.arrival_rate = std::nan("");
    EXPECT_NE(message(c).find("arrival_rate"), std::string::npos);
    c = base(), c.capacity = 20;
    const q::RetryQueue chain(c);
    EXPECT_THROW(chain.escape_time(10, 15), std::invalid_argument);
    EXPECT_THROW(chain.escape_time(21, 4), std::invalid_argument);
}
