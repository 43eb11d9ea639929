// Distribution analysis: per-node loads, balance statistics and key movement, over given
// keys or generated key streams (produced chunk by chunk, never materialized whole).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scalemodel/hashing/placement.hpp"
#include "scalemodel/core/fields.hpp"

namespace scalemodel::hashing {

// A generated key stream of `count` 64-bit keys. "sequential": start, start + 1, ...;
// "uniform": uniform random 64-bit keys, chunk c drawn from Rng(seed, c); "zipf": the keys
// start, start + 1, ... with popularity weight (rank + 1)^-exponent for the key of rank r
// (key start is the hottest). The stream is cut into fixed chunks, so its keys do not depend
// on the thread count.
struct KeyStream {
    static constexpr std::int64_t kChunk = 1 << 16;
    std::string kind = "sequential";
    std::int64_t count = 0;
    std::uint64_t seed = 0;
    std::uint64_t start = 0;
    double exponent = 1.0;

    void validate() const;
    bool weighted() const { return kind == "zipf"; }
    std::int64_t chunks() const { return (count + kChunk - 1) / kChunk; }
    // Keys (and weights when weighted) of chunk c.
    void fill(std::int64_t chunk, std::vector<std::uint64_t>& keys, std::vector<double>& weights) const;
};

// Keys (or popularity weight) per node.
std::vector<double> node_loads(const Scheme& scheme, const Keys& keys, int threads = 0);
std::vector<double> node_loads(const Scheme& scheme, const KeyStream& stream, int threads = 0);

// Node identities: ids[i] names node i of a scheme, so that schemes whose node lists differ
// (a node removed from the middle) compare nodes, not positions. Empty: ids[i] = i.
using NodeIds = std::vector<std::int32_t>;

// Fraction of keys (or of popularity weight) whose node differs between two schemes.
double moved_fraction(const Scheme& before, const Scheme& after, const Keys& keys, int threads = 0,
                      const NodeIds& ids_before = {}, const NodeIds& ids_after = {});
double moved_fraction(const Scheme& before, const Scheme& after, const KeyStream& stream, int threads = 0,
                      const NodeIds& ids_before = {}, const NodeIds& ids_after = {});

struct BalanceStats {
    std::vector<double> loads;   // keys or popularity weight per node
    std::vector<double> shares;  // loads / total
    std::vector<double> nominal; // the share each node is meant to get
    double max_over_mean = 0;    // largest load / mean load
    double cv = 0;               // standard deviation of loads / mean (population form)
    double chi_square = 0;       // against the nominal shares (NaN when weighted)
    double p_value = 0;          // two-sided: 2 min(P(X <= chi2), P(X >= chi2)), dof = nodes - 1
    double hottest_share = 0;    // the largest share

    SCALEMODEL_FIELDS(BalanceStats, loads, shares, nominal, max_over_mean, cv, chi_square, p_value, hottest_share)
};

// Balance statistics of loads against nominal shares. `weighted` marks popularity-weighted
// loads, for which a count test does not apply (chi_square and p_value are NaN).
BalanceStats balance(const std::vector<double>& loads, const std::vector<double>& nominal, bool weighted);

// Expected load of the busiest node over the mean when keys hash uniformly onto a
// consistent-hash ring of `nodes` nodes with `vnodes` random points each. A node's share of
// the ring is a sum of vnodes of the nodes x vnodes uniform spacings, so it is
// Beta(vnodes, (nodes - 1) vnodes); treating the nodes' shares as independent,
// E[max] = int_0^1 (1 - I_x(v, (n-1) v)^n) dx, and the result is nodes x E[max]. 1 for one
// node. Increasing in nodes, decreasing in vnodes.
double expected_ring_imbalance(std::int64_t nodes, std::int64_t vnodes);

}  // namespace scalemodel::hashing
