#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "scalemodel/core/parallel.hpp"
#include "scalemodel/core/random.hpp"

using scalemodel::parallel_for;
using scalemodel::Rng;

TEST(Rng, SameSeedAndStreamSameSequence) {
    Rng a(42, 7), b(42, 7), c(42, 8);
    bool differs = false;
    for (int i = 0; i < 100; ++i) {
        const auto x = a();
        EXPECT_EQ(x, b());
        differs = differs || x != c();
    }
    EXPECT_TRUE(differs);
}

TEST(Rng, UniformMomentsAndRange) {
    Rng r(1);
    const int n = 1'000'000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; ++i) {
        const double u = r.uniform();
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
        sum += u;
        sum2 += u * u;
    }
    // Mean 1/2 with standard error sqrt(1/12 / n) ~ 2.9e-4: 5 sigma bound.
    EXPECT_NEAR(sum / n, 0.5, 5 * std::sqrt(1.0 / 12 / n));
    EXPECT_NEAR(sum2 / n - (sum / n) * (sum / n), 1.0 / 12, 1e-3);
}

TEST(Rng, ExponentialMean) {
    Rng r(3);
    const int n = 1'000'000;
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += r.exponential(4.0);
    EXPECT_NEAR(sum / n, 0.25, 5 * 0.25 / std::sqrt(n));
}

TEST(Rng, BelowIsUniform) {
    Rng r(5);
    std::vector<int> counts(7, 0);
    const int n = 700'000;
    for (int i = 0; i < n; ++i) ++counts[r.below(7)];
    // Each count ~ Binomial(n, 1/7): sd ~ 293; allow 5 sd.
    for (int c : counts) EXPECT_NEAR(c, n / 7.0, 5 * std::sqrt(n / 7.0 * 6 / 7));
}

TEST(ParallelFor, SameResultOnAnyThreadCount) {
    auto run = [](int threads) {
        std::vector<double> out(1000);
        parallel_for(1000, threads, [&](std::int64_t i) {
            Rng r(99, static_cast<std::uint64_t>(i));
            out[static_cast<std::size_t>(i)] = r.uniform();
        });
        return out;
    };
    EXPECT_EQ(run(1), run(2));
    EXPECT_EQ(run(1), run(7));
}

TEST(ParallelFor, RethrowsWorkerException) {
    std::atomic<int> seen{0};
    EXPECT_THROW(parallel_for(100, 2,
                              [&](std::int64_t i) {
                                  ++seen;
                                  if (i == 73) throw std::invalid_argument("bad item");
                              }),
                 std::invalid_argument);
}

TEST(ParallelFor, CountsIntoTheCallersProgress) {
    scalemodel::Progress progress;
    {
        const scalemodel::Progress::Scope scope(&progress);
        for (int threads : {1, 2}) parallel_for(500, threads, [](std::int64_t) {});
    }
    EXPECT_EQ(progress.total(), 1000);
    EXPECT_EQ(progress.done(), 1000);
    EXPECT_EQ(scalemodel::Progress::current(), nullptr);  // the scope restored "none"
    parallel_for(10, 2, [](std::int64_t) {});                // untracked calls report nowhere
    EXPECT_EQ(progress.total(), 1000);
}

TEST(ParallelFor, StopsWhenCancelled) {
    for (int threads : {1, 2}) {
        scalemodel::Progress progress;
        const scalemodel::Progress::Scope scope(&progress);
        std::atomic<std::int64_t> ran{0};
        EXPECT_THROW(parallel_for(1'000'000, threads,
                                  [&](std::int64_t i) {
                                      if (i == 10) progress.cancel();
                                      ++ran;
                                  }),
                     scalemodel::Cancelled);
        // Each thread finishes at most the item in hand once the flag is seen.
        EXPECT_LT(ran.load(), 1'000'000 / threads + 20) << threads;
        EXPECT_EQ(progress.done(), ran.load());
    }
}

#include <boost/math/special_functions/digamma.hpp>

#include "scalemodel/core/fit.hpp"

using scalemodel::chi_squared_sf;
using scalemodel::gamma_shape_mle;
using scalemodel::kolmogorov_sf;

TEST(Fit, GammaShapeSolvesTheScoreEquation) {
    for (double s : {1e-5, 1e-3, 0.05, 0.5, 1.0, 5.0, 50.0}) {
        const double k = gamma_shape_mle(s);
        EXPECT_NEAR(std::log(k) - boost::math::digamma(k), s, 1e-12 * (s > 1.0 ? s : 1.0)) << s;
    }
    EXPECT_THROW(gamma_shape_mle(0.0), std::invalid_argument);
}

TEST(Fit, TailProbabilities) {
    EXPECT_NEAR(chi_squared_sf(3.841458820694124, 1.0), 0.05, 1e-12);  // the 95% point of chi2(1)
    EXPECT_NEAR(chi_squared_sf(2.0, 2.0), std::exp(-1.0), 1e-14);      // chi2(2) is exponential(2)
    EXPECT_EQ(chi_squared_sf(0.0, 3.0), 1.0);
    EXPECT_NEAR(kolmogorov_sf(1.3580986393225505), 0.05, 1e-9);  // the 95% point of Kolmogorov's K
    EXPECT_EQ(kolmogorov_sf(0.0), 1.0);
    EXPECT_LT(kolmogorov_sf(5.0), 1e-20);
}
