// Options named by strings across the boundary: an enum's values are the indices of its
// names list, parsed once here, so no enum is numbered in two languages.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace scalemodel {

// The index of `name` in `names` ('-' read as '_'), as enum E; otherwise invalid_argument
// "<parameter> must be one of a, b, c; got 'x'".
template <class E>
E parse_name(const char* parameter, const std::vector<std::string>& names, std::string name) {
    std::replace(name.begin(), name.end(), '-', '_');
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return static_cast<E>(i);
    std::string allowed;
    for (const auto& n : names) allowed += (allowed.empty() ? "" : ", ") + n;
    throw std::invalid_argument(std::string(parameter) + " must be one of " + allowed + "; got '" + name + "'");
}

// The name of enum value e.
template <class E>
const std::string& name_of(const std::vector<std::string>& names, E e) {
    return names.at(static_cast<std::size_t>(e));
}

}  // namespace scalemodel
