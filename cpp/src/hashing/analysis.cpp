#include "scalemodel/hashing/analysis.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/detail/ibeta_inverse.hpp>

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/math_policy.hpp"
#include "scalemodel/core/parallel.hpp"
#include "scalemodel/core/random.hpp"

namespace scalemodel::hashing {

namespace {

constexpr std::int64_t kMaterializeLimit = std::int64_t{1} << 27;

// Runs body(chunk, keys, weights, slot) over the stream's chunks in parallel, in groups of
// kGroup chunks; each chunk fills its own slot and combine(slot) is called in chunk order
// after each group. Sums are therefore reproducible on any thread count, and memory stays
// bounded by one group's slots however long the stream is.
constexpr std::int64_t kGroup = 256;

template <class T, class Body, class Combine>
void reduce_chunks(const KeyStream& s, int threads, Body&& body, Combine&& combine) {
    std::vector<T> slots(static_cast<std::size_t>(kGroup));
    for (std::int64_t g0 = 0; g0 < s.chunks(); g0 += kGroup) {
        const std::int64_t g1 = std::min(s.chunks(), g0 + kGroup);
        parallel_for(g1 - g0, threads, [&](std::int64_t i) {
            std::vector<std::uint64_t> keys;
            std::vector<double> weights;
            s.fill(g0 + i, keys, weights);
            body(keys, weights, slots[static_cast<std::size_t>(i)]);
        });
        for (std::int64_t i = 0; i < g1 - g0; ++i) combine(slots[static_cast<std::size_t>(i)]);
    }
}

std::vector<std::uint64_t> materialize(const KeyStream& s) {
    if (s.count > kMaterializeLimit) {
        throw std::invalid_argument("keys: a sequential scheme (BoundedLoad) needs the whole stream at once; count must be <= 2^27");
    }
    std::vector<std::uint64_t> all;
    all.reserve(static_cast<std::size_t>(s.count));
    std::vector<std::uint64_t> keys;
    std::vector<double> weights;
    for (std::int64_t c = 0; c < s.chunks(); ++c) {
        s.fill(c, keys, weights);
        all.insert(all.end(), keys.begin(), keys.end());
    }
    return all;
}

std::vector<double> zipf_weights_total(const KeyStream& s, std::vector<std::int32_t> const* nodes, std::size_t n) {
    // Per-node popularity weight of materialized keys: weight of rank r is (r+1)^-a.
    std::vector<double> load(n, 0.0);
    for (std::int64_t r = 0; r < s.count; ++r) {
        load[static_cast<std::size_t>((*nodes)[static_cast<std::size_t>(r)])] += std::pow(static_cast<double>(r + 1), -s.exponent);
    }
    return load;
}

NodeIds identities(const Scheme& s, const NodeIds& ids, const char* name) {
    if (ids.empty()) {
        NodeIds out(static_cast<std::size_t>(s.nodes()));
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::int32_t>(i);
        return out;
    }
    if (ids.size() != static_cast<std::size_t>(s.nodes())) {
        throw std::invalid_argument(std::string(name) + " must have one entry per node");
    }
    return ids;
}

}  // namespace

void KeyStream::validate() const {
    if (kind != "sequential" && kind != "uniform" && kind != "zipf") {
        throw std::invalid_argument("kind must be 'sequential', 'uniform' or 'zipf', got '" + kind + "'");
    }
    check_count("count", count, 1, std::int64_t{1} << 40);
    check_nonnegative("exponent", exponent);  // used by zipf only, but never left meaningless
}

void KeyStream::fill(std::int64_t chunk, std::vector<std::uint64_t>& keys, std::vector<double>& weights) const {
    const std::int64_t begin = chunk * kChunk, end = std::min(count, begin + kChunk);
    keys.resize(static_cast<std::size_t>(end - begin));
    weights.clear();
    if (kind == "uniform") {
        Rng rng(seed, static_cast<std::uint64_t>(chunk));
        for (auto& k : keys) k = rng();
        return;
    }
    for (std::int64_t i = begin; i < end; ++i) keys[static_cast<std::size_t>(i - begin)] = start + static_cast<std::uint64_t>(i);
    if (kind == "zipf") {
        weights.resize(keys.size());
        for (std::int64_t i = begin; i < end; ++i) {
            weights[static_cast<std::size_t>(i - begin)] = std::pow(static_cast<double>(i + 1), -exponent);
        }
    }
}

std::vector<double> node_loads(const Scheme& scheme, const Keys& keys, int threads) {
    std::vector<std::int32_t> out(static_cast<std::size_t>(keys.size));
    assign(scheme, keys, out.data(), threads);
    std::vector<double> load(static_cast<std::size_t>(scheme.nodes()), 0.0);
    for (auto o : out) load[static_cast<std::size_t>(o)] += 1.0;
    return load;
}

std::vector<double> node_loads(const Scheme& scheme, const KeyStream& stream, int threads) {
    stream.validate();
    const auto n = static_cast<std::size_t>(scheme.nodes());
    if (scheme.sequential()) {
        const auto all = materialize(stream);
        std::vector<std::int32_t> out(all.size());
        scheme.assign_all(Keys::of_ints(all.data(), stream.count), out.data());
        if (stream.weighted()) return zipf_weights_total(stream, &out, n);
        std::vector<double> load(n, 0.0);
        for (auto o : out) load[static_cast<std::size_t>(o)] += 1.0;
        return load;
    }
    std::vector<double> total(n, 0.0);
    reduce_chunks<std::vector<double>>(
        stream, threads,
        [&](const std::vector<std::uint64_t>& keys, const std::vector<double>& weights, std::vector<double>& load) {
            std::vector<std::int32_t> out(keys.size());
            scheme.assign_range(Keys::of_ints(keys.data(), static_cast<std::int64_t>(keys.size())), 0,
                                static_cast<std::int64_t>(keys.size()), out.data());
            load.assign(n, 0.0);
            for (std::size_t i = 0; i < out.size(); ++i) load[static_cast<std::size_t>(out[i])] += weights.empty() ? 1.0 : weights[i];
        },
        [&](const std::vector<double>& load) {
            for (std::size_t i = 0; i < n; ++i) total[i] += load[i];
        });
    return total;
}

double moved_fraction(const Scheme& before, const Scheme& after, const Keys& keys, int threads, const NodeIds& ids_before,
                      const NodeIds& ids_after) {
    const NodeIds ib = identities(before, ids_before, "ids_before"), ia = identities(after, ids_after, "ids_after");
    if (keys.size == 0) throw std::invalid_argument("keys must not be empty");
    std::vector<std::int32_t> a(static_cast<std::size_t>(keys.size)), b(a.size());
    assign(before, keys, a.data(), threads);
    assign(after, keys, b.data(), threads);
    std::int64_t moved = 0;
    for (std::size_t i = 0; i < a.size(); ++i) moved += ib[static_cast<std::size_t>(a[i])] != ia[static_cast<std::size_t>(b[i])];
    return static_cast<double>(moved) / static_cast<double>(keys.size);
}

double moved_fraction(const Scheme& before, const Scheme& after, const KeyStream& stream, int threads,
                      const NodeIds& ids_before, const NodeIds& ids_after) {
    stream.validate();
    const NodeIds ib = identities(before, ids_before, "ids_before"), ia = identities(after, ids_after, "ids_after");
    if (before.sequential() || after.sequential()) {
        const auto all = materialize(stream);
        const Keys keys = Keys::of_ints(all.data(), stream.count);
        std::vector<std::int32_t> a(all.size()), b(all.size());
        assign(before, keys, a.data(), threads);
        assign(after, keys, b.data(), threads);
        double moved = 0, total = 0;
        for (std::int64_t r = 0; r < stream.count; ++r) {
            const double w = stream.weighted() ? std::pow(static_cast<double>(r + 1), -stream.exponent) : 1.0;
            total += w;
            if (ib[static_cast<std::size_t>(a[static_cast<std::size_t>(r)])] != ia[static_cast<std::size_t>(b[static_cast<std::size_t>(r)])]) {
                moved += w;
            }
        }
        return moved / total;
    }
    struct MovedTotal {
        double moved = 0, total = 0;
    };
    double mv = 0, tot = 0;
    reduce_chunks<MovedTotal>(
        stream, threads,
        [&](const std::vector<std::uint64_t>& keys, const std::vector<double>& weights, MovedTotal& slot) {
            const auto m = static_cast<std::int64_t>(keys.size());
            const Keys k = Keys::of_ints(keys.data(), m);
            std::vector<std::int32_t> a(keys.size()), b(keys.size());
            before.assign_range(k, 0, m, a.data());
            after.assign_range(k, 0, m, b.data());
            slot = MovedTotal{};
            for (std::size_t i = 0; i < keys.size(); ++i) {
                const double w = weights.empty() ? 1.0 : weights[i];
                slot.total += w;
                if (ib[static_cast<std::size_t>(a[i])] != ia[static_cast<std::size_t>(b[i])]) slot.moved += w;
            }
        },
        [&](const MovedTotal& slot) {
            mv += slot.moved;
            tot += slot.total;
        });
    return mv / tot;
}

BalanceStats balance(const std::vector<double>& loads, const std::vector<double>& nominal, bool weighted) {
    if (loads.empty() || loads.size() != nominal.size()) throw std::invalid_argument("loads and nominal shares must match");
    BalanceStats r;
    r.loads = loads;
    r.nominal = nominal;
    const double n = static_cast<double>(loads.size());
    const double total = std::accumulate(loads.begin(), loads.end(), 0.0);
    if (!(total > 0)) throw std::invalid_argument("keys must not be empty");
    const double mean = total / n;
    double var = 0;
    for (double x : loads) var += (x - mean) * (x - mean);
    var /= n;
    r.shares.resize(loads.size());
    for (std::size_t i = 0; i < loads.size(); ++i) r.shares[i] = loads[i] / total;
    r.max_over_mean = *std::max_element(loads.begin(), loads.end()) / mean;
    r.cv = std::sqrt(var) / mean;
    r.hottest_share = *std::max_element(r.shares.begin(), r.shares.end());
    if (weighted || loads.size() < 2) {
        r.chi_square = std::numeric_limits<double>::quiet_NaN();
        r.p_value = std::numeric_limits<double>::quiet_NaN();
        return r;
    }
    double chi2 = 0;
    for (std::size_t i = 0; i < loads.size(); ++i) {
        const double e = total * nominal[i];
        chi2 += (loads[i] - e) * (loads[i] - e) / e;
    }
    r.chi_square = chi2;
    const boost::math::chi_squared_distribution<double, math_policy> dist(n - 1.0);
    const double lower = boost::math::cdf(dist, chi2);
    const double upper = boost::math::cdf(boost::math::complement(dist, chi2));
    r.p_value = std::min(1.0, 2.0 * std::min(lower, upper));
    return r;
}

double expected_ring_imbalance(std::int64_t nodes, std::int64_t vnodes) {
    check_count("nodes", nodes, 1, 1 << 24);
    check_count("vnodes", vnodes, 1, 1 << 24);
    if (nodes == 1) return 1.0;
    const double n = static_cast<double>(nodes), v = static_cast<double>(vnodes);
    const double a = v, b = (n - 1.0) * v;
    // The integrand 1 - F(x)^n is 1 up to where F^n is negligible and 0 beyond where every
    // share is essentially certain to lie: integrate only between those two quantiles
    // (Boost's inverse incomplete beta), and count the flat part exactly.
    const double lo = boost::math::ibeta_inv(a, b, std::exp(std::log(1e-17) / n), math_policy());
    const double hi = boost::math::ibetac_inv(a, b, 1e-17 / n, math_policy());
    auto integrand = [&](double x) {
        // 1 - F^n from the upper tail 1 - F, without cancellation where F is near 1.
        return -std::expm1(n * std::log1p(-boost::math::ibetac(a, b, x, math_policy())));
    };
    const double e_max =
        lo + boost::math::quadrature::gauss_kronrod<double, 61>::integrate(integrand, lo, hi, 10, 1e-10);
    return n * e_max;
}

}  // namespace scalemodel::hashing
