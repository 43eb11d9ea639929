// The Boost.Math policy every domain uses for special functions.
#pragma once

#include <boost/math/policies/policy.hpp>

namespace scalemodel {

// Double precision throughout (promoting to long double costs ~4x and buys nothing at
// the accuracy we promise), and overflow returns inf instead of throwing: callers test
// for it and switch to a form that cannot overflow.
using math_policy = boost::math::policies::policy<boost::math::policies::promote_double<false>,
                                                  boost::math::policies::overflow_error<boost::math::policies::ignore_error>>;

}  // namespace scalemodel
