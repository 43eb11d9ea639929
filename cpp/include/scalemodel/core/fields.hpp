// Named fields of an engine config, declared once beside the struct, so the bindings
// expose every field generically and a new option is written in the engine only.
//
//     struct Config { double rate; Policy policy; static auto fields(); };
//     inline auto Config::fields() { return std::make_tuple(field("rate", &Config::rate), ...); }
//
// The name is the Python attribute. An enum field crosses as its name: the engine
// specializes EnumNames<E> with names() (in enum order) and, for aliases, parse().
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace scalemodel {

template <class Class, class Member>
struct Field {
    const char* name;
    Member Class::*member;
};

template <class Class, class Member>
constexpr Field<Class, Member> field(const char* name, Member Class::*member) {
    return {name, member};
}

// Specialize with `static const std::vector<std::string>& names()` (in enum order),
// `static const char* what()` (the option's name in messages) and, optionally,
// `static std::vector<std::pair<std::string, E>> aliases()`.
template <class E>
struct EnumNames;

template <class E, class = void>
struct has_aliases : std::false_type {};
template <class E>
struct has_aliases<E, std::void_t<decltype(EnumNames<E>::aliases())>> : std::true_type {};

template <class E>
E parse_enum(const std::string& value) {
    if constexpr (has_aliases<E>::value) {
        for (const auto& [alias, e] : EnumNames<E>::aliases())
            if (alias == value) return e;
    }
    const auto& names = EnumNames<E>::names();
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == value) return static_cast<E>(i);
    std::string allowed;
    for (const auto& n : names) allowed += (allowed.empty() ? "" : ", ") + n;
    throw std::invalid_argument(std::string(EnumNames<E>::what()) + " must be one of " + allowed + "; got '" + value +
                                "'");
}

template <class E>
const std::string& enum_name(E value) {
    return EnumNames<E>::names().at(static_cast<std::size_t>(value));
}

}  // namespace scalemodel
