// Named fields of an engine config, declared once beside the struct, so the bindings
// expose every field generically and a new option is written in the engine only.
//
//     struct Config { double rate; Policy policy; static auto fields(); };
//     inline auto Config::fields() { return std::make_tuple(field("rate", &Config::rate), ...); }
//
// The name is the Python attribute. An enum field crosses as its name (core/names.hpp).
#pragma once

#include <tuple>

#include "scalemodel/core/names.hpp"

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

}  // namespace scalemodel
