// Walker's alias table (Vose's construction): O(1) draws from a discrete distribution
// given by non-negative weights with a positive sum (the caller checks them).
#pragma once

#include <cstddef>
#include <vector>

#include "scalemodel/core/random.hpp"

namespace scalemodel {

class AliasTable {
public:
    explicit AliasTable(const std::vector<double>& weights) : prob_(weights.size()), alias_(weights.size()) {
        const std::size_t n = weights.size();
        double total = 0.0;
        for (double w : weights) total += w;
        std::vector<double> scaled(n);
        std::vector<std::size_t> small, large;
        for (std::size_t i = 0; i < n; ++i) {
            scaled[i] = weights[i] * static_cast<double>(n) / total;
            (scaled[i] < 1.0 ? small : large).push_back(i);
        }
        while (!small.empty() && !large.empty()) {
            const std::size_t s = small.back(), l = large.back();
            small.pop_back();
            prob_[s] = scaled[s];
            alias_[s] = l;
            scaled[l] -= 1.0 - scaled[s];
            if (scaled[l] < 1.0) {
                large.pop_back();
                small.push_back(l);
            }
        }
        for (std::size_t i : large) prob_[i] = 1.0, alias_[i] = i;
        for (std::size_t i : small) prob_[i] = 1.0, alias_[i] = i;  // rounding leftovers
    }

    std::size_t draw(Rng& rng) const {
        const auto column = static_cast<std::size_t>(rng.below(prob_.size()));
        return rng.uniform() < prob_[column] ? column : alias_[column];
    }

private:
    std::vector<double> prob_;
    std::vector<std::size_t> alias_;
};

}  // namespace scalemodel
