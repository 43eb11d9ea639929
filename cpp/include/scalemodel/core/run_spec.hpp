// How a stochastic study runs: its seed, how many independent replications, on how many
// threads. Every simulator and Monte Carlo study takes one, spelled the same everywhere.
// Replication r draws from Rng(seed, r) (or streams derived from it), so the result does
// not depend on `threads`. Warm-up lengths are in each model's own unit (customers,
// requests, seconds) and live in its config; the confidence level is applied in Python,
// which builds intervals from the per-replication values.
#pragma once

#include <cstdint>

#include "scalemodel/core/check.hpp"

namespace scalemodel {

struct RunSpec {
    std::uint64_t seed = 0;
    std::int64_t replications = 10;
    int threads = 0;  // 0: every core

    // Replications bounded so per-replication arrays stay small; threads as parallel_for.
    void validate() const {
        check_count("replications", replications, 1, std::int64_t{1} << 24);
        check_count("threads", threads, 0, 1024);
    }
};

}  // namespace scalemodel
