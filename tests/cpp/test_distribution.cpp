// The shared distribution family: sampling agrees with the declared mean, scv and
// quantiles (sample statistics with tolerances from their standard errors), and bad
// parameters are rejected by name.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "scalemodel/core/distribution.hpp"
#include "scalemodel/core/stats.hpp"

using namespace scalemodel;

namespace {
std::vector<Distribution> family() {
    return {
        Distribution::exponential(2.0),
        Distribution::deterministic(0.3),
        Distribution::lognormal(1.5, 0.5),
        Distribution::gamma(0.05, 2.0),
        Distribution::gamma(1.0, 0.25),
        Distribution::weibull(3.0, 1.7),
        Distribution::pareto(1.0, 4.5),
        Distribution::uniform(1.0, 3.0),
        Distribution::empirical({0.1, 0.4, 0.4, 2.0}),
        Distribution::mixture({{0.01, Distribution::deterministic(10.0)}, {0.99, Distribution::exponential(0.01)}}),
    };
}
}  // namespace

TEST(Distribution, SampleMeanAndQuantilesMatchTheDeclaredOnes) {
    const int n = 400000;
    int index = 0;
    for (const auto& d : family()) {
        Rng rng(3, static_cast<std::uint64_t>(index++));
        std::vector<double> x(n);
        RunningStats s;
        for (auto& v : x) s.add(v = d.sample(rng));
        // Five standard errors: a fixed seed, and a miss this wide has odds below 1e-6.
        EXPECT_NEAR(s.mean(), d.mean(), 5.0 * std::sqrt(s.variance() / n) + 1e-12) << index;
        if (std::isfinite(d.scv()) && d.mean() > 0) {
            EXPECT_NEAR(s.variance() / (d.mean() * d.mean()), d.scv(), 0.05 * d.scv() + 1e-9) << index;
        }
        std::sort(x.begin(), x.end());
        for (double q : {0.1, 0.5, 0.9, 0.99}) {
            // The sample's q-quantile lies between the distribution's quantiles at q -+ 4 se.
            const double se = std::sqrt(q * (1 - q) / n);
            const double lo = d.quantile(std::max(0.0, q - 4 * se)), hi = d.quantile(std::min(1.0, q + 4 * se));
            const double got = x[static_cast<std::size_t>(std::ceil(q * n)) - 1];
            EXPECT_GE(got, lo * (1 - 1e-12)) << index << " q=" << q;
            EXPECT_LE(got, hi * (1 + 1e-12)) << index << " q=" << q;
            EXPECT_GE(d.cdf(d.quantile(q)), q - 1e-9) << index << " q=" << q;
        }
    }
}

TEST(Distribution, MixtureQuantileIsTheSmallestAtLeastQ) {
    const auto d = Distribution::mixture({{0.01, Distribution::deterministic(10.0)}, {0.99, Distribution::deterministic(0.01)}});
    EXPECT_DOUBLE_EQ(d.quantile(0.5), 0.01);
    EXPECT_NEAR(d.quantile(0.99), 0.01, 1e-12);
    EXPECT_NEAR(d.quantile(0.995), 10.0, 1e-12);
    EXPECT_NEAR(d.mean(), 0.1099, 1e-15);
    // Nested mixtures flatten: one level, weights multiplied.
    const auto nested = Distribution::mixture({{0.5, d}, {0.5, Distribution::exponential(1.0)}});
    EXPECT_EQ(nested.components().size(), 3u);
}

TEST(Distribution, BadParametersNameThemselves) {
    const auto message = [](auto make) {
        try {
            make();
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(message([] { Distribution::exponential(-1.0, "service"); }).rfind("service must be", 0), 0u);
    EXPECT_EQ(message([] { Distribution::lognormal(1.0, 11.0); }).rfind("sigma must be", 0), 0u);
    EXPECT_EQ(message([] { Distribution::pareto(1.0, 1.0); }).rfind("alpha must be", 0), 0u);
    EXPECT_EQ(message([] { Distribution::gamma(1.0, 0.0); }).rfind("scv must be", 0), 0u);
    EXPECT_EQ(message([] { Distribution::uniform(2.0, 1.0); }).rfind("high must be", 0), 0u);
    EXPECT_EQ(message([] { Distribution::empirical({}); }).rfind("samples must", 0), 0u);
    EXPECT_EQ(message([] { Distribution::mixture({{-1.0, Distribution::exponential(1.0)}}); }).rfind("weight", 0), 0u);
    EXPECT_EQ(message([] { Distribution::exponential(1.0).quantile(1.5); }).rfind("q must be", 0), 0u);
}
