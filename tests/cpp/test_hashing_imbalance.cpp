#include <gtest/gtest.h>

#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <stdexcept>

#include "scalemodel/hashing/analysis.hpp"

namespace h = scalemodel::hashing;

TEST(ExpectedRingImbalance, OneNodeAndBounds) {
    EXPECT_EQ(h::expected_ring_imbalance(1, 150), 1.0);
    EXPECT_THROW(h::expected_ring_imbalance(0, 150), std::invalid_argument);
    EXPECT_THROW(h::expected_ring_imbalance(4, 0), std::invalid_argument);
    // n x E[max] lies between 1 (all equal) and n (one node takes everything).
    const double x = h::expected_ring_imbalance(100, 150);
    EXPECT_GT(x, 1.0);
    EXPECT_LT(x, 100.0);
}

TEST(ExpectedRingImbalance, TwoNodesMatchTheBetaIntegralByHand) {
    // n = 2, v = 1: shares Beta(1, 1), i.e. uniform; independent maxima of two uniforms
    // have mean 2/3, so the model gives 2 x 2/3.
    EXPECT_NEAR(h::expected_ring_imbalance(2, 1), 4.0 / 3.0, 1e-10);
}
