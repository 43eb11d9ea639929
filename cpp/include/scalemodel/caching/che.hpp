// Hit ratios of caches over a Zipf catalogue in closed form: Che's approximation for LRU
// (and its FIFO / random-replacement analogue) and the TTL-cache formula under Poisson
// requests. Each costs O(1) in the catalogue size: the sums run exactly over the head and
// by Euler-Maclaurin (a quadrature of the smooth tail) beyond, relative error ~1e-10.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scalemodel/core/names.hpp"

namespace scalemodel::caching {

// Largest catalogue the closed forms accept (sums are over int64 ranks).
constexpr std::int64_t kMaxCatalogue = INT64_MAX / 2;

// The replacement policy Che's approximation models: an item's occupancy at rate x is
// 1 - exp(-x) for LRU and x / (1 + x) for FIFO (and random replacement).
enum class ChePolicy : int { lru = 0, fifo = 1 };

}  // namespace scalemodel::caching

template <>
struct scalemodel::EnumNames<scalemodel::caching::ChePolicy> {
    static const char* what() { return "policy"; }
    static std::vector<std::string> names() { return {"lru", "fifo"}; }
};

namespace scalemodel::caching {

// Che's approximation. The characteristic time T (in requests) solves
// sum_i occupancy(p_i T) = capacity; the hit ratio is sum_i p_i occupancy(p_i T).
struct CheResult {
    double characteristic_time;
    double hit_ratio;
};
CheResult che_approximation(double alpha, std::int64_t catalogue_size, double capacity, ChePolicy policy);

// TTL cache under Poisson requests, TTL set at insertion and not refreshed by hits: item i
// (rate lambda_i = rate p_i) hits lambda_i T / (1 + lambda_i T) of its requests.
double ttl_hit_ratio(double alpha, std::int64_t catalogue_size, double ttl_s, double request_rate);

}  // namespace scalemodel::caching
