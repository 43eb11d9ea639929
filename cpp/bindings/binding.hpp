// Shared by every bind_<domain>.cpp: array types and the element loop. The Python layer
// broadcasts arguments to one shape and passes flat arrays of equal length.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "scalemodel/core/distribution.hpp"
#include "scalemodel/core/fields.hpp"
#include "scalemodel/core/names.hpp"
#include "scalemodel/core/run_spec.hpp"

namespace scalemodel::bindings {

namespace py = pybind11;

using f64_array = py::array_t<double, py::array::c_style | py::array::forcecast>;
using i64_array = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

// The common length of flat arguments; a mismatch is a bug in the Python layer.
inline py::ssize_t common_size(std::initializer_list<py::ssize_t> sizes) {
    const py::ssize_t n = *sizes.begin();
    for (py::ssize_t s : sizes) {
        if (s != n) throw std::invalid_argument("array arguments must have equal length");
    }
    return n;
}

// Calls f(i) for each element with the GIL released. A bad element's error names its
// position, so a user can find it in a large sweep.
template <class F>
void for_each_element(py::ssize_t n, F&& f) {
    py::gil_scoped_release release;
    for (py::ssize_t i = 0; i < n; ++i) {
        try {
            f(i);
        } catch (const std::invalid_argument& e) {
            if (n == 1) throw;
            throw std::invalid_argument(std::string(e.what()) + " (at flat index " + std::to_string(i) + ")");
        }
    }
}

// A NumPy copy of a vector.
template <class T>
py::array_t<T> to_array(const std::vector<T>& v) {
    py::array_t<T> out(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), out.mutable_data());
    return out;
}

// {names[i]: cols[i]}: the per-replication metrics of a simulation, by name.
inline py::dict named(const std::vector<std::string>& names, const std::vector<std::vector<double>>& cols) {
    py::dict d;
    for (std::size_t i = 0; i < names.size(); ++i) d[names[i].c_str()] = to_array(cols[i]);
    return d;
}

// out[i] = f(a[i], b[i], ...) over flat arrays of equal length, with the GIL released; Out
// is the result's element type. One loop for every scalar kernel the bindings expose.
template <class Out, class F, class... Arrays>
py::array_t<Out> map_elements(F f, const Arrays&... arrays) {
    const py::ssize_t n = common_size({arrays.size()...});
    py::array_t<Out> out(n);
    Out* o = out.mutable_data();
    const auto data = std::make_tuple(arrays.data()...);
    for_each_element(n, [&](py::ssize_t i) {
        o[i] = std::apply([&](const auto*... p) { return static_cast<Out>(f(p[i]...)); }, data);
    });
    return out;
}

// {name: value} over the fields a result struct declares in its fields().
template <class T>
py::dict as_dict(const T& value) {
    py::dict out;
    std::apply([&](const auto&... f) { ((out[f.name] = py::cast(value.*(f.member))), ...); }, T::fields());
    return out;
}

template <class Class, class Member>
Member field_type(const Field<Class, Member>&);

template <class T, class Make, class Fields, std::size_t... I>
py::dict struct_arrays(py::ssize_t n, Make& make, const Fields& fields, std::index_sequence<I...>) {
    auto cols = std::make_tuple(py::array_t<decltype(field_type(std::get<I>(fields)))>(n)...);
    const auto out = std::make_tuple(std::get<I>(cols).mutable_data()...);
    for_each_element(n, [&](py::ssize_t i) {
        const T s = make(i);
        ((std::get<I>(out)[i] = s.*(std::get<I>(fields).member)), ...);
    });
    py::dict d;
    ((d[std::get<I>(fields).name] = std::get<I>(cols)), ...);
    return d;
}

// One array per field T declares (of the field's type), element i from make(i), with the
// GIL released: the columns of a vectorized call returning a struct.
template <class T, class Make>
py::dict struct_arrays(py::ssize_t n, Make make) {
    const auto fields = T::fields();
    return struct_arrays<T>(n, make, fields, std::make_index_sequence<std::tuple_size_v<decltype(fields)>>{});
}

// f() with the GIL released: an engine call that touches no Python object.
template <class F>
auto without_gil(F&& f) {
    py::gil_scoped_release release;
    return f();
}

// Binds name(config, run): runs `simulate` with the GIL released, then converts its result
// with `convert` (GIL held). Every replicated engine crosses this way.
template <class Config, class Result, class Convert>
void def_simulation(py::module_& m, const char* name, Result (*simulate)(const Config&, const RunSpec&),
                    Convert convert) {
    m.def(
        name,
        [simulate, convert](const Config& config, const RunSpec& run) {
            return convert(without_gil([&] { return simulate(config, run); }));
        },
        py::arg("config"), py::arg("run"));
}

// The array a vectorized argument of C++ type T arrives as.
template <class T>
using array_of = std::conditional_t<std::is_integral_v<T>, i64_array, f64_array>;

// struct_arrays over flat arrays of equal length: element i is f(a[i], b[i], ...).
template <class F, class... Arrays>
py::dict map_structs(F f, const Arrays&... arrays) {
    using T = decltype(f(*arrays.data()...));
    const py::ssize_t n = common_size({arrays.size()...});
    const auto data = std::make_tuple(arrays.data()...);
    return struct_arrays<T>(
        n, [&](py::ssize_t i) { return std::apply([&](const auto*... p) { return f(p[i]...); }, data); });
}

template <class T, class = void>
struct has_fields : std::false_type {};
template <class T>
struct has_fields<T, std::void_t<decltype(T::fields())>> : std::true_type {};

// Binds name(a, b, ...) = f over flat arrays of equal length: an array of f's results
// (map_elements), or for a struct result one array per field (map_structs). One line per
// vectorized kernel; `extra` are the py::arg names.
template <class Out, class... Args, class... Extra>
void def_vectorized(py::module_& m, const char* name, Out (*f)(Args...), const Extra&... extra) {
    m.def(
        name,
        [f](const array_of<Args>&... arrays) {
            if constexpr (has_fields<Out>::value) {
                return map_structs(f, arrays...);
            } else {
                return map_elements<Out>(f, arrays...);
            }
        },
        extra...);
}

// Exposes every field an engine config declares in its fields() (core/fields.hpp) as a
// read-write attribute; enum fields read and write their names (core/names.hpp). A new
// config option is then written in the engine alone.
template <class Class, class... Bases, class Member>
void def_field(py::class_<Class, Bases...>& cls, const Field<Class, Member>& f) {
    if constexpr (std::is_enum_v<Member>) {
        auto member = f.member;
        cls.def_property(
            f.name, [member](const Class& c) { return enum_name(c.*member); },
            [member](Class& c, const std::string& name) { c.*member = parse_enum<Member>(name); });
    } else {
        cls.def_readwrite(f.name, f.member);
    }
}

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

// How Python checks a value for a field of C++ type T (scalemodel._arrays.configure):
// "integer", "number", "text" (a name: strings and enums), "flag", "distribution", "optional
// <kind>" (None lets the engine choose), or "" for fields Python fills by hand (lists,
// structs). A field's type is thus written once, in the engine.
template <class T>
std::string field_kind() {
    if constexpr (is_optional<T>::value) {
        return "optional " + field_kind<typename T::value_type>();
    } else if constexpr (std::is_same_v<T, bool>) {
        return "flag";
    } else if constexpr (std::is_enum_v<T> || std::is_same_v<T, std::string>) {
        return "text";
    } else if constexpr (std::is_integral_v<T>) {
        return "integer";
    } else if constexpr (std::is_floating_point_v<T>) {
        return "number";
    } else if constexpr (std::is_same_v<T, Distribution>) {
        return "distribution";
    } else {
        return "";
    }
}

// py::class_<Config, Bases...>(m, "Config") with a default constructor, every field Config
// declares (its bases' fields come with their bound classes), and `field_kinds`, each
// field's field_kind by name. Fields that need a custom conversion are added to the
// returned class.
template <class Class, class... Bases>
py::class_<Class, Bases...> bind_config(py::module_& m, const char* name, const char* doc) {
    py::class_<Class, Bases...> cls(m, name, doc);
    cls.def(py::init<>());
    py::dict kinds;
    std::apply(
        [&](const auto&... f) {
            ((def_field(cls, f), kinds[f.name] = field_kind<decltype(field_type(f))>()), ...);
        },
        Class::fields());
    cls.attr("field_kinds") = kinds;
    return cls;
}

// The names of an enum's values, in order, for Python's lists of options.
template <class E>
py::tuple enum_names() {
    return py::tuple(py::cast(EnumNames<E>::names()));
}

// Each bind_<domain>.cpp fills its (sub)module.
void register_core(py::module_&), register_progress(py::module_&), register_queueing(py::module_&),
    register_cost(py::module_&), register_stats(py::module_&), register_sim(py::module_&),
    register_sim_broker(py::module_&), register_sim_cache(py::module_&), register_sim_system(py::module_&), register_sim_limiter(py::module_&),
    register_caching(py::module_&), register_hashing(py::module_&), register_reliability(py::module_&);

}  // namespace scalemodel::bindings
