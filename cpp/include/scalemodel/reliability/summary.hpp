// What a reliability Monte Carlo returns: named estimates (mean, standard deviation and
// count of independent replications or chunks, from which the caller builds a
// t interval) and named exact values (closed forms, configuration echoes, quantiles).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "scalemodel/core/parallel.hpp"
#include "scalemodel/core/stats.hpp"
#include "scalemodel/core/units.hpp"

namespace scalemodel::reliability {

struct Estimate {
    std::string name;
    double mean = 0.0;
    double sd = 0.0;
    std::int64_t n = 0;
};

struct Summary {
    std::vector<Estimate> estimates;
    std::vector<std::pair<std::string, double>> values;

    void add(const std::string& name, const RunningStats& s) {
        estimates.push_back({name, s.mean(), s.count() > 1 ? s.sd() : 0.0, s.count()});
    }
    void value(const std::string& name, double v) { values.emplace_back(name, v); }
    const Estimate& estimate(const std::string& name) const {
        for (const auto& e : estimates)
            if (e.name == name) return e;
        throw std::out_of_range("no estimate named " + name);
    }
    double get(const std::string& name) const {
        for (const auto& v : values)
            if (v.first == name) return v.second;
        throw std::out_of_range("no value named " + name);
    }
};

// Runs body(i, out) for i in [0, items) in parallel; body writes `metrics` numbers for item
// i (NaN = no observation). The per-item rows are then folded in index order, so the
// result is the same for any thread count.
template <class Body>
std::vector<RunningStats> replicate(std::int64_t items, int threads, std::size_t metrics, Body body) {
    std::vector<double> rows(static_cast<std::size_t>(items) * metrics, 0.0);
    parallel_for(items, threads, [&](std::int64_t i) { body(i, rows.data() + static_cast<std::size_t>(i) * metrics); });
    std::vector<RunningStats> out(metrics);
    for (std::int64_t i = 0; i < items; ++i)
        for (std::size_t m = 0; m < metrics; ++m) {
            const double x = rows[static_cast<std::size_t>(i) * metrics + m];
            if (!std::isnan(x)) out[m].add(x);
        }
    return out;
}

}  // namespace scalemodel::reliability
