// Argument checks shared by every domain. A failed check throws std::invalid_argument,
// which the bindings turn into Python's ValueError; the message names the parameter,
// the allowed range and the value received.
#pragma once

#include <cmath>
#include <cstdint>
#include <climits>
#include <sstream>
#include <stdexcept>
#include <string>

namespace scalemodel {

namespace detail {
template <class T>
[[noreturn]] void fail_range(const char* name, const char* allowed, T got) {
    std::ostringstream msg;
    msg.precision(17);
    msg << name << " must be " << allowed << ", got " << got;
    throw std::invalid_argument(msg.str());
}
}  // namespace detail

// x >= 0 and finite.
inline double check_nonnegative(const char* name, double x) {
    if (!(x >= 0.0) || !std::isfinite(x)) detail::fail_range(name, "a finite number >= 0", x);
    return x;
}

// x > 0 and finite.
inline double check_positive(const char* name, double x) {
    if (!(x > 0.0) || !std::isfinite(x)) detail::fail_range(name, "a finite number > 0", x);
    return x;
}

// 0 <= x <= 1.
inline double check_probability(const char* name, double x) {
    if (!(x >= 0.0 && x <= 1.0)) detail::fail_range(name, "a probability in [0, 1]", x);
    return x;
}

// An integer count in [minimum, maximum].
inline std::int64_t check_count(const char* name, std::int64_t n, std::int64_t minimum,
                                std::int64_t maximum = INT64_MAX) {
    if (n < minimum || n > maximum) {
        std::string allowed = "a whole number >= " + std::to_string(minimum);
        if (maximum != INT64_MAX) allowed += " and <= " + std::to_string(maximum);
        detail::fail_range(name, allowed.c_str(), n);
    }
    return n;
}

}  // namespace scalemodel
