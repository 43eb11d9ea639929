#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "scalemodel/core/stats.hpp"
#include "scalemodel/sim/system.hpp"

using namespace scalemodel;
using namespace scalemodel::sim;

namespace {

TierConfig tier(const char* name, std::int64_t servers, double mean_service, std::int64_t concurrency = 1) {
    TierConfig t;
    t.name = name;
    t.servers = servers;
    t.concurrency = concurrency;
    t.service = Distribution::exponential(mean_service);  // by its mean
    return t;
}

double metric(const SystemResult& r, const char* name) {
    const auto& names = system_metric_names();
    const auto i = static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
    const auto& v = r.metrics[i];
    return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

}  // namespace

// Two M/M/1 tiers in tandem: by Burke's theorem each sees Poisson arrivals, so the mean
// end-to-end response is 1/(mu1 - lambda) + 1/(mu2 - lambda).
TEST(System, TandemOfMM1MatchesBurke) {
    SystemConfig c;
    c.tiers = {tier("a", 1, 0.1), tier("b", 1, 0.05)};
    c.routes = {RouteConfig{0, 1, 1.0}};
    c.arrivals = Arrivals::poisson(6.0);
    c.requests = 100000;
    const auto r = simulate_system(c, RunSpec{1, 8, 1});
    const double exact = 1.0 / (10.0 - 6.0) + 1.0 / (20.0 - 6.0);
    EXPECT_NEAR(metric(r, "mean_response") / exact, 1.0, 0.03);
    EXPECT_EQ(metric(r, "overflow"), 0.0);
}

TEST(System, SameSeedSameResultOnAnyThreadCount) {
    SystemConfig c;
    c.tiers = {tier("app", 3, 0.02, 2), tier("db", 2, 0.005)};
    c.tiers[1].shards = 4;
    c.calls = {CallConfig{0, 1, 2, 0.5, 4, 3}};
    c.arrivals = Arrivals::poisson(50.0);
    c.requests = 5000;
    const auto one = simulate_system(c, RunSpec{9, 4, 1});
    const auto two = simulate_system(c, RunSpec{9, 4, 2});
    // Bit for bit (NaN included: a metric a run does not define is NaN on any thread count).
    const auto same = [](const std::vector<double>& a, const std::vector<double>& b) {
        return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
    };
    for (std::size_t m = 0; m < one.metrics.size(); ++m) EXPECT_TRUE(same(one.metrics[m], two.metrics[m])) << m;
    for (std::size_t m = 0; m < one.tiers.size(); ++m)
        for (std::size_t t = 0; t < one.tiers[m].size(); ++t) EXPECT_TRUE(same(one.tiers[m][t], two.tiers[m][t]));
}

TEST(System, RefusesCallCyclesAndRoutesThatNeverLeave) {
    SystemConfig c;
    c.tiers = {tier("a", 1, 0.1), tier("b", 1, 0.1)};
    c.calls = {CallConfig{0, 1, 1, 1.0, 1, -1}, CallConfig{1, 0, 1, 1.0, 1, -1}};
    EXPECT_THROW(validate(c), std::invalid_argument);
    c.calls.clear();
    c.routes = {RouteConfig{0, 1, 1.0}, RouteConfig{1, 0, 1.0}};
    EXPECT_THROW(validate(c), std::invalid_argument);
    c.routes = {RouteConfig{0, 1, 1.0}, RouteConfig{1, 0, 0.5}};
    EXPECT_NO_THROW(validate(c));
    c.calls = {CallConfig{0, 1, 1, 1.0, 2, -1}};  // fan-out wider than b's one server
    EXPECT_THROW(validate(c), std::invalid_argument);
}

// An overloaded tier stops its replication at the queue bound instead of growing without end.
TEST(System, OverloadStopsWithBoundedMemory) {
    SystemConfig c;
    c.tiers = {tier("a", 1, 1.0)};
    c.arrivals = Arrivals::poisson(10.0);
    c.requests = 100000000;
    const auto r = simulate_system(c, RunSpec{1, 1, 1});
    EXPECT_EQ(metric(r, "overflow"), 1.0);
    EXPECT_TRUE(std::isinf(metric(r, "mean_response")));
}
