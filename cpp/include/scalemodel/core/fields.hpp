// Named fields of an engine config or result, declared once beside the struct, so the
// bindings expose every field generically and a new option is written in the engine only.
//
//     struct Config {
//         double rate = 1.0;
//         Policy policy = Policy::random;
//         SCALEMODEL_FIELDS(Config, rate, policy)
//     };
//
// declares `static auto fields()`, a tuple of field("rate", &Config::rate), ...: each member
// under its own name, which is the Python attribute. A field whose Python name differs from
// its member (a Python keyword: `lambda_` crosses as "lambda") is listed with field() in a
// fields() written out. An enum field crosses as its name (core/names.hpp).
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

// SCALEMODEL_FIELDS(Class, m1, m2, ...): up to 32 members, see the top of this file.
#define SCALEMODEL_FIELDS(Class, ...)                                                            \
    static auto fields() {                                                                       \
        return std::make_tuple(                                                                  \
            SCALEMODEL_JOIN(SCALEMODEL_FIELDS_, SCALEMODEL_COUNT(__VA_ARGS__))(Class, __VA_ARGS__)); \
    }

// The expansion: SCALEMODEL_COUNT counts the members, SCALEMODEL_FIELDS_<n> lists n of them.
#define SCALEMODEL_JOIN_(a, b) a##b
#define SCALEMODEL_JOIN(a, b) SCALEMODEL_JOIN_(a, b)
#define SCALEMODEL_FIELD_(C, m) ::scalemodel::field(#m, &C::m)
#define SCALEMODEL_FIELDS_1(C, m) SCALEMODEL_FIELD_(C, m)
#define SCALEMODEL_FIELDS_2(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_1(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_3(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_2(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_4(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_3(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_5(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_4(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_6(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_5(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_7(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_6(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_8(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_7(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_9(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_8(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_10(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_9(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_11(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_10(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_12(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_11(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_13(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_12(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_14(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_13(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_15(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_14(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_16(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_15(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_17(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_16(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_18(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_17(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_19(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_18(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_20(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_19(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_21(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_20(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_22(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_21(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_23(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_22(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_24(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_23(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_25(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_24(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_26(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_25(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_27(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_26(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_28(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_27(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_29(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_28(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_30(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_29(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_31(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_30(C, __VA_ARGS__)
#define SCALEMODEL_FIELDS_32(C, m, ...) SCALEMODEL_FIELD_(C, m), SCALEMODEL_FIELDS_31(C, __VA_ARGS__)
#define SCALEMODEL_COUNT_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, \
    _17, _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30, _31, _32, n, ...) n
#define SCALEMODEL_COUNT(...) \
    SCALEMODEL_COUNT_(__VA_ARGS__, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, \
        16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
