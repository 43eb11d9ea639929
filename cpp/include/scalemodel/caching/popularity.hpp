// Zipf popularity shares: how much of the traffic the hottest items draw, and the inverses
// (the 80-20 rule as a Zipf exponent). Exact generalized harmonic sums, O(1) per call.
#pragma once

#include <cstdint>

namespace scalemodel::caching {

// Share of requests that go to the round(fraction N) most popular items.
double top_share(double alpha, std::int64_t catalogue_size, double fraction);
// The smallest fraction of items (k / N) whose requests reach `share`.
double items_for_share(double alpha, std::int64_t catalogue_size, double share);
// The Zipf exponent for which the top `fraction` of items get `share` of requests.
double zipf_alpha_for_share(std::int64_t catalogue_size, double fraction, double share);

}  // namespace scalemodel::caching
