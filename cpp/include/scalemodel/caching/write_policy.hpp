// Database load and request latency under a cache write policy (cache-aside,
// write-through, write-behind). Every latency is a fixed figure, so the request latency is
// a discrete distribution and its quantile is exact.
#pragma once

#include <string>
#include <vector>

#include "scalemodel/core/names.hpp"
#include "scalemodel/core/fields.hpp"

namespace scalemodel::caching {

// By name, '-' and '_' alike: "write-through" is write_through.
enum class WritePolicy : int { cache_aside = 0, write_through = 1, write_behind = 2 };

}  // namespace scalemodel::caching

template <>
struct scalemodel::EnumNames<scalemodel::caching::WritePolicy> {
    static const char* what() { return "policy"; }
    static std::vector<std::string> names() { return {"cache_aside", "write_through", "write_behind"}; }
};

namespace scalemodel::caching {

struct WritePolicyLoad {
    double db_reads_per_s, db_writes_per_s, mean_read_latency_s, mean_write_latency_s, mean_latency_s,
        quantile_latency_s;

    SCALEMODEL_FIELDS(WritePolicyLoad, db_reads_per_s, db_writes_per_s, mean_read_latency_s, mean_write_latency_s,
                      mean_latency_s, quantile_latency_s)
};

WritePolicyLoad write_policy_load(WritePolicy policy, double read_rate, double write_rate, double hit_ratio,
                                  double cache_latency_s, double db_read_latency_s, double db_write_latency_s,
                                  double quantile);

}  // namespace scalemodel::caching
