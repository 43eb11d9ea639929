// Options named by strings across the boundary. Each option enum specializes EnumNames<E>
// beside its declaration (in its domain's header): the only spelling of its values, so no
// enum is numbered in two languages.
//
//     template <>
//     struct scalemodel::EnumNames<sim::Spread> {
//         static const char* what() { return "spread"; }            // the option in messages
//         static const std::vector<std::string>& names();           // in enum order
//         static std::vector<std::pair<std::string, sim::Spread>> aliases();  // optional
//         static const char* besides() { return "sorted timestamps"; }  // optional: what else
//     };                                                            // the parameter may be
//
// parse_enum<E>(value) reads a name ('-' read as '_': "write-through" is write_through) or an
// alias; anything else raises std::invalid_argument
// "<what> must be [<besides> or ]one of a, b, c; got 'x'". enum_name(e) is the inverse.
#pragma once

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace scalemodel {

template <class E>
struct EnumNames;

namespace detail {

template <class E, class = void>
struct has_aliases : std::false_type {};
template <class E>
struct has_aliases<E, std::void_t<decltype(EnumNames<E>::aliases())>> : std::true_type {};

template <class E, class = void>
struct has_besides : std::false_type {};
template <class E>
struct has_besides<E, std::void_t<decltype(EnumNames<E>::besides())>> : std::true_type {};

// The value named `name` (a name or an alias), if any.
template <class E>
bool find_enum(const std::string& name, E& out) {
    if constexpr (has_aliases<E>::value) {
        for (const auto& [alias, e] : EnumNames<E>::aliases()) {
            if (alias == name) {
                out = e;
                return true;
            }
        }
    }
    const auto& names = EnumNames<E>::names();
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) return false;
    out = static_cast<E>(it - names.begin());
    return true;
}

}  // namespace detail

// The value of E named `value`; errors name `parameter` (the caller's keyword, where it is
// not EnumNames<E>::what()).
template <class E>
E parse_enum(const std::string& value, const char* parameter) {
    E e{};
    if (detail::find_enum(value, e)) return e;
    std::string underscored = value;
    std::replace(underscored.begin(), underscored.end(), '-', '_');
    if (underscored != value && detail::find_enum(underscored, e)) return e;
    std::string allowed;
    for (const auto& n : EnumNames<E>::names()) allowed += (allowed.empty() ? "" : ", ") + n;
    std::string besides;
    if constexpr (detail::has_besides<E>::value) besides = std::string(EnumNames<E>::besides()) + " or ";
    throw std::invalid_argument(std::string(parameter) + " must be " + besides + "one of " + allowed + "; got '" +
                                value + "'");
}

template <class E>
E parse_enum(const std::string& value) {
    return parse_enum<E>(value, EnumNames<E>::what());
}

// Whether e is one of E's named values (a config filled in C++ may hold anything).
template <class E>
bool enum_known(E e) {
    const auto i = static_cast<std::underlying_type_t<E>>(e);
    return i >= 0 && static_cast<std::size_t>(i) < EnumNames<E>::names().size();
}

template <class E>
std::string enum_name(E e) {
    return EnumNames<E>::names().at(static_cast<std::size_t>(e));
}

}  // namespace scalemodel
