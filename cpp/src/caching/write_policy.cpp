#include "scalemodel/caching/write_policy.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "scalemodel/core/check.hpp"

namespace scalemodel::caching {

WritePolicyLoad write_policy_load(WritePolicy policy, double read_rate, double write_rate, double hit_ratio,
                                  double cache_latency_s, double db_read_latency_s, double db_write_latency_s,
                                  double quantile) {
    if (!enum_known(policy))
        throw std::invalid_argument("policy must be cache_aside, write_through or write_behind");
    check_nonnegative("read_rate", read_rate);
    check_nonnegative("write_rate", write_rate);
    if (read_rate + write_rate <= 0.0) throw std::invalid_argument("read_rate + write_rate must be > 0");
    check_probability("hit_ratio", hit_ratio);
    check_nonnegative("cache_latency_s", cache_latency_s);
    check_nonnegative("db_read_latency_s", db_read_latency_s);
    check_nonnegative("db_write_latency_s", db_write_latency_s);
    if (!(quantile > 0.0 && quantile <= 1.0)) detail::fail_range("quantile", "in (0, 1]", quantile);
    // Reads are the same under every policy: a hit costs a cache lookup, a miss the lookup
    // and a database read (the cache fill is off the reply's path).
    const double read_hit = cache_latency_s, read_miss = cache_latency_s + db_read_latency_s;
    // Writes: cache-aside writes the database and deletes the key; write-through writes
    // both before replying; write-behind replies after the cache write and flushes later.
    const double write = policy == WritePolicy::write_behind ? cache_latency_s : cache_latency_s + db_write_latency_s;
    const double total = read_rate + write_rate;
    std::vector<std::pair<double, double>> atoms = {
        {read_hit, read_rate * hit_ratio / total},
        {read_miss, read_rate * (1.0 - hit_ratio) / total},
        {write, write_rate / total},
    };
    std::sort(atoms.begin(), atoms.end());
    double cum = 0.0, q_latency = atoms.back().first;
    for (const auto& [latency, weight] : atoms) {
        cum += weight;
        if (weight > 0.0 && cum >= quantile * (1.0 - 1e-12)) {
            q_latency = latency;
            break;
        }
    }
    const double mean_read = hit_ratio * read_hit + (1.0 - hit_ratio) * read_miss;
    return {
        read_rate * (1.0 - hit_ratio),
        write_rate,
        mean_read,
        write,
        (read_rate * mean_read + write_rate * write) / total,
        q_latency,
    };
}

}  // namespace scalemodel::caching
