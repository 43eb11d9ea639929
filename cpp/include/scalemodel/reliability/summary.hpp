// What a reliability Monte Carlo returns: named per-replication metrics (one value per
// independent replication, or per chunk of requests, each a fresh random stream; NaN where
// it had no observation), from which the caller builds estimates and t intervals, and named
// exact values (closed forms, configuration echoes, quantiles).
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "scalemodel/core/parallel.hpp"
#include "scalemodel/core/stats.hpp"
#include "scalemodel/core/units.hpp"

namespace scalemodel::reliability {

struct Summary {
    std::vector<std::string> names;             // metric names
    std::vector<std::vector<double>> metrics;   // metrics[m][i]: metric m in replication i
    std::vector<std::pair<std::string, double>> values;

    void add(const std::string& name, std::vector<double> per_replication) {
        names.push_back(name);
        metrics.push_back(std::move(per_replication));
    }
    // Adds columns[0], columns[1], ... (moved from) as the metrics called[0], called[1], ...
    void add(std::initializer_list<const char*> called, std::vector<std::vector<double>>& columns) {
        std::size_t i = 0;
        for (const char* name : called) add(name, std::move(columns.at(i++)));
    }
    void value(const std::string& name, double v) { values.emplace_back(name, v); }
    const std::vector<double>& metric(const std::string& name) const {
        for (std::size_t m = 0; m < names.size(); ++m)
            if (names[m] == name) return metrics[m];
        throw std::out_of_range("no metric named " + name);
    }
    // Mean and spread of a metric over replications, NaN entries skipped, in index order.
    RunningStats stats(const std::string& name) const {
        RunningStats s;
        for (double x : metric(name))
            if (!std::isnan(x)) s.add(x);
        return s;
    }
    double get(const std::string& name) const {
        for (const auto& v : values)
            if (v.first == name) return v.second;
        throw std::out_of_range("no value named " + name);
    }
};

// Runs body(i, out) for i in [0, items) in parallel; body writes `metrics` numbers for item
// i (NaN = no observation). Returns one column per metric, indexed by item, so the result
// is the same for any thread count.
template <class Body>
std::vector<std::vector<double>> replicate(std::int64_t items, int threads, std::size_t metrics, Body body) {
    const auto n = static_cast<std::size_t>(items);
    std::vector<double> rows(n * metrics, 0.0);
    parallel_for(items, threads, [&](std::int64_t i) { body(i, rows.data() + static_cast<std::size_t>(i) * metrics); });
    std::vector<std::vector<double>> cols(metrics, std::vector<double>(n));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t m = 0; m < metrics; ++m) cols[m][i] = rows[i * metrics + m];
    return cols;
}

}  // namespace scalemodel::reliability
