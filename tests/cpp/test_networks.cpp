#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "scalemodel/queueing/inverse.hpp"
#include "scalemodel/queueing/mmc.hpp"
#include "scalemodel/queueing/network.hpp"
#include "scalemodel/queueing/usl.hpp"

namespace q = scalemodel::queueing;

TEST(Jackson, TandemIsTwoIndependentQueues) {
    Eigen::VectorXd gamma(2), mu(2);
    gamma << 3.0, 0.0;
    mu << 5.0, 4.0;
    Eigen::MatrixXd r(2, 2);
    r << 0.0, 1.0, 0.0, 0.0;
    const auto net = q::jackson(gamma, r, mu, {1, 1});
    EXPECT_NEAR(net.mean_response, 1.0 / (5.0 - 3.0) + 1.0 / (4.0 - 3.0), 1e-12);
    EXPECT_NEAR(net.arrival_rate[1], 3.0, 1e-12);
}

TEST(Jackson, FeedbackRaisesVisits) {
    // A station that sends half its output back to itself is visited twice per request.
    Eigen::VectorXd gamma(1), mu(1);
    gamma << 1.0;
    mu << 10.0;
    Eigen::MatrixXd r(1, 1);
    r << 0.5;
    const auto net = q::jackson(gamma, r, mu, {1});
    EXPECT_NEAR(net.visits[0], 2.0, 1e-12);
    EXPECT_NEAR(net.mean_response, 2.0 * 1.0 / (10.0 - 2.0), 1e-12);
}

TEST(Jackson, RejectsTrappingRouting) {
    Eigen::VectorXd gamma(2), mu(2);
    gamma << 1.0, 0.0;
    mu << 5.0, 5.0;
    Eigen::MatrixXd r(2, 2);
    r << 0.0, 1.0, 1.0, 0.0;
    EXPECT_THROW(q::jackson(gamma, r, mu, {1, 1}), std::invalid_argument);
}

TEST(Mva, MachineRepairmanClosedForm) {
    // One queue (demand D) and think time Z with N users: the finite-source M/M/1//N.
    const double d = 0.2, z = 1.0;
    const int n_users = 5;
    Eigen::VectorXd demands(1);
    demands << d;
    const auto r = q::mva(demands, {false}, n_users, z);
    double norm = 0.0, busy = 0.0, w = 1.0;
    for (int n = 0; n <= n_users; ++n) {
        if (n > 0) w *= (n_users - n + 1) * d / z;
        norm += w;
        if (n > 0) busy += w;
    }
    EXPECT_NEAR(r.throughput[n_users - 1], busy / norm / d, 1e-12);
}

TEST(Mva, DelayStationAddsNoQueueing) {
    Eigen::VectorXd demands(2);
    demands << 0.1, 0.5;
    const auto r = q::mva(demands, {false, true}, 1, 0.0);
    EXPECT_NEAR(r.response[0], 0.6, 1e-15);
    const auto big = q::mva(demands, {false, true}, 200, 0.0);
    EXPECT_NEAR(big.throughput[199], 10.0, 1e-9);  // the queue saturates at 1 / 0.1
}

TEST(Usl, RecoversExactCoefficients) {
    Eigen::VectorXd n(7), x(7);
    n << 1, 2, 4, 8, 16, 32, 64;
    for (int i = 0; i < 7; ++i) x[i] = q::usl_throughput(100.0, 0.05, 0.001, n[i]);
    const auto f = q::usl_fit(n, x);
    EXPECT_NEAR(f.lambda, 100.0, 1e-8);
    EXPECT_NEAR(f.sigma, 0.05, 1e-10);
    EXPECT_NEAR(f.kappa, 0.001, 1e-12);
    EXPECT_NEAR(q::usl_peak_concurrency(f.sigma, f.kappa), std::sqrt(0.95 / 0.001), 1e-6);
}

TEST(Inverse, MinServersIsTight) {
    q::Targets t;
    t.prob_wait = 0.05;
    const auto c = q::min_servers(80.0, 1.0, t);
    EXPECT_LE(q::MMc(80.0, 1.0, c).metrics().prob_wait, 0.05);
    EXPECT_GT(q::MMc(80.0, 1.0, c - 1).metrics().prob_wait, 0.05);
}

TEST(Inverse, MaxArrivalRateHitsTheTarget) {
    q::Targets t;
    t.response_time = 8.0;  // service alone has a p99 of ln(100) = 4.6 s at rate 1
    const double lam = q::max_arrival_rate(1.0, 8, t);
    EXPECT_GT(lam, 0.0);
    EXPECT_NEAR(q::MMc(lam, 1.0, 8).response_quantile(0.99), 8.0, 1e-8);
    t.response_time = 4.0;  // below what service alone takes: no load meets it
    EXPECT_EQ(q::max_arrival_rate(1.0, 8, t), 0.0);
    t = q::Targets{};
    EXPECT_THROW(q::max_arrival_rate(1.0, 8, t), std::invalid_argument);  // no target given
}
