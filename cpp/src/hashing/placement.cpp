#include "scalemodel/hashing/placement.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "scalemodel/core/check.hpp"
#include "scalemodel/core/parallel.hpp"
#include "scalemodel/core/random.hpp"
#include "scalemodel/hashing/hash_functions.hpp"

namespace scalemodel::hashing {

namespace {

constexpr std::int64_t kMaxNodes = 1 << 20;
constexpr std::int64_t kBlock = 1 << 14;  // keys per parallel task

void check_names(const std::vector<std::string>& names) {
    check_count("nodes", static_cast<std::int64_t>(names.size()), 1, kMaxNodes);
    std::vector<std::string> sorted = names;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
        throw std::invalid_argument("nodes must have distinct names");
    }
}

std::vector<double> checked_weights(std::vector<double> weights, std::size_t n) {
    if (weights.empty()) weights.assign(n, 1.0);
    if (weights.size() != n) {
        throw std::invalid_argument("weights must have one entry per node (" + std::to_string(n) + "), got " +
                                    std::to_string(weights.size()));
    }
    for (double w : weights) check_positive("weights", w);
    return weights;
}

std::vector<double> normalized(const std::vector<double>& w) {
    const double total = std::accumulate(w.begin(), w.end(), 0.0);
    std::vector<double> s(w.size());
    for (std::size_t i = 0; i < w.size(); ++i) s[i] = w[i] / total;
    return s;
}

std::uint32_t md5_le32(std::string_view data) {
    const auto d = md5(data);
    return static_cast<std::uint32_t>(d[0]) | (static_cast<std::uint32_t>(d[1]) << 8) |
           (static_cast<std::uint32_t>(d[2]) << 16) | (static_cast<std::uint32_t>(d[3]) << 24);
}

bool is_prime(std::int64_t m) {
    if (m < 2) return false;
    for (std::int64_t d = 2; d * d <= m; ++d) {
        if (m % d == 0) return false;
    }
    return true;
}

}  // namespace

std::string decimal(std::uint64_t key) { return std::to_string(key); }

std::string_view decimal(std::uint64_t key, char* buf) noexcept {
    const auto r = std::to_chars(buf, buf + 20, key);
    return {buf, static_cast<std::size_t>(r.ptr - buf)};
}

std::string big_endian(std::uint64_t key) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>(key >> (56 - 8 * i));
    return s;
}

std::uint64_t key_hash(const Keys& keys, std::int64_t i) noexcept {
    return keys.strings ? xxh64(keys.str(i)) : xxh64_u64(keys.ints[i]);
}

std::vector<double> Scheme::nominal_shares() const {
    return std::vector<double>(static_cast<std::size_t>(nodes()), 1.0 / nodes());
}

void Scheme::assign_all(const Keys& keys, std::int32_t* out) const { assign_range(keys, 0, keys.size, out); }

void assign(const Scheme& scheme, const Keys& keys, std::int32_t* out, int threads) {
    if (scheme.sequential()) {
        scheme.assign_all(keys, out);
        return;
    }
    const std::int64_t blocks = (keys.size + kBlock - 1) / kBlock;
    parallel_for(blocks, threads, [&](std::int64_t b) {
        const std::int64_t begin = b * kBlock, end = std::min(keys.size, begin + kBlock);
        scheme.assign_range(keys, begin, end, out + begin);
    });
}

// --- Modulo --------------------------------------------------------------------------
CountedScheme::CountedScheme(const char* parameter, std::int64_t nodes, std::int64_t max_nodes)
    : n_(static_cast<std::int32_t>(check_count(parameter, nodes, 1, max_nodes))) {}

Modulo::Modulo(std::int64_t nodes) : CountedScheme("nodes", nodes, INT32_MAX) {}

void Modulo::assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const {
    const auto n = static_cast<std::uint64_t>(n_);
    for (std::int64_t i = begin; i < end; ++i) out[i - begin] = static_cast<std::int32_t>(key_hash(keys, i) % n);
}

// --- Ring ----------------------------------------------------------------------------
Ring::Ring(std::vector<std::string> names, std::int64_t vnodes, std::vector<double> weights, const std::string& mode)
    : names_(std::move(names)) {
    check_names(names_);
    if (mode != "consistent" && mode != "ketama" && mode != "libketama") {
        throw std::invalid_argument("mode must be 'consistent', 'ketama' or 'libketama', got '" + mode + "'");
    }
    ketama_ = mode != "consistent";
    strictly_after_ = mode == "ketama";
    check_count("vnodes", vnodes, 1, 1 << 20);
    weights_ = checked_weights(std::move(weights), names_.size());
    const auto n = static_cast<std::int64_t>(names_.size());
    per_node_.assign(names_.size(), 0);
    std::vector<std::int64_t> ks(names_.size());
    if (ketama_) {
        std::int64_t total = 0;
        for (double w : weights_) {
            if (w != std::floor(w) || w > 1e9) {
                throw std::invalid_argument("weights must be whole numbers <= 1e9 in ketama mode, got " +
                                            std::to_string(w));
            }
            total += static_cast<std::int64_t>(w);
        }
        for (std::size_t i = 0; i < ks.size(); ++i) {
            if (strictly_after_) {
                // uhashring: (vnodes x nodes x weight) // sum(weights), in integers.
                ks[i] = vnodes * n * static_cast<std::int64_t>(weights_[i]) / total;
            } else {
                // libketama: floorf(pct x 40.0 x nodes) with pct = (float)weight / (float)total.
                const float pct = static_cast<float>(weights_[i]) / static_cast<float>(total);
                ks[i] = static_cast<std::int64_t>(
                    std::floor(static_cast<float>(static_cast<double>(pct) * static_cast<double>(vnodes) * static_cast<double>(static_cast<float>(n)))));
            }
        }
    } else {
        for (std::size_t i = 0; i < ks.size(); ++i) {
            ks[i] = std::max<std::int64_t>(1, std::llround(static_cast<double>(vnodes) * weights_[i]));
        }
    }
    const std::int64_t total_points = std::accumulate(ks.begin(), ks.end(), std::int64_t{0}) * (ketama_ ? 4 : 1);
    if (total_points > (std::int64_t{1} << 24)) {
        throw std::invalid_argument("vnodes x nodes must be at most 2^24 ring points, got " + std::to_string(total_points));
    }
    if (total_points == 0) throw std::invalid_argument("vnodes is too small: no node gets a point on the ring");
    // (position, insertion order, owner)
    struct P {
        std::uint64_t pos;
        std::int64_t order;
        std::int32_t node;
    };
    std::vector<P> pts;
    pts.reserve(static_cast<std::size_t>(total_points));
    std::int64_t order = 0;
    for (std::size_t i = 0; i < names_.size(); ++i) {
        for (std::int64_t j = 0; j < ks[i]; ++j) {
            const std::string label = names_[i] + "-" + std::to_string(j);
            if (ketama_) {
                const auto d = md5(label);
                for (int r = 0; r < 4; ++r) {
                    const std::uint64_t p = static_cast<std::uint64_t>(d[4 * r]) | (static_cast<std::uint64_t>(d[4 * r + 1]) << 8) |
                                            (static_cast<std::uint64_t>(d[4 * r + 2]) << 16) |
                                            (static_cast<std::uint64_t>(d[4 * r + 3]) << 24);
                    pts.push_back({p, order++, static_cast<std::int32_t>(i)});
                }
            } else {
                pts.push_back({xxh64(label), order++, static_cast<std::int32_t>(i)});
            }
        }
        per_node_[i] = ks[i] * (ketama_ ? 4 : 1);
    }
    std::sort(pts.begin(), pts.end(), [](const P& a, const P& b) { return a.pos != b.pos ? a.pos < b.pos : a.order < b.order; });
    // Coinciding points: keep one, owned by the node inserted last.
    points_.clear();
    owners_.clear();
    for (std::size_t k = 0; k < pts.size(); ++k) {
        if (!points_.empty() && points_.back() == pts[k].pos) {
            owners_.back() = pts[k].node;
        } else {
            points_.push_back(pts[k].pos);
            owners_.push_back(pts[k].node);
        }
    }
    build_index();
}

void Ring::build_index() {
    // bucket_[b] = index of the first point whose top 16 bits (of a 64- or 32-bit space) >= b.
    const int shift = ketama_ ? 16 : 48;
    bucket_.assign(65537, 0);
    std::size_t k = 0;
    for (std::uint64_t b = 0; b <= 65536; ++b) {
        while (k < points_.size() && (points_[k] >> shift) < b) ++k;
        bucket_[b] = static_cast<std::uint32_t>(k);
    }
}

std::int64_t Ring::successor(std::uint64_t h) const noexcept {
    // consistent and libketama: first point >= h; ketama (uhashring): first point > h
    // (Python's bisect_right).
    const int shift = ketama_ ? 16 : 48;
    const std::uint64_t b = h >> shift;
    auto first = points_.begin() + bucket_[b], last = points_.begin() + bucket_[b + 1];
    auto it = strictly_after_ ? std::upper_bound(first, last, h) : std::lower_bound(first, last, h);
    const auto idx = static_cast<std::int64_t>(it - points_.begin());
    return idx == static_cast<std::int64_t>(points_.size()) ? 0 : idx;
}

std::int32_t Ring::owner(std::uint64_t h) const noexcept { return owners_[static_cast<std::size_t>(successor(h))]; }

std::uint64_t Ring::position(const Keys& keys, std::int64_t i) const {
    if (!ketama_) return key_hash(keys, i);
    char buf[20];
    return keys.strings ? md5_le32(keys.str(i)) : md5_le32(decimal(keys.ints[i], buf));
}

void Ring::assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const {
    for (std::int64_t i = begin; i < end; ++i) out[i - begin] = owner(position(keys, i));
}

std::vector<double> Ring::nominal_shares() const {
    std::vector<double> w(per_node_.begin(), per_node_.end());
    return normalized(w);
}

std::vector<double> Ring::arc_shares() const {
    // The arc (previous point, point] (or [previous, point) when strictly after) belongs to
    // the point's owner; the first point also owns the wrap-around arc.
    const long double space = ketama_ ? 4294967296.0L : 18446744073709551616.0L;
    std::vector<long double> arc(names_.size(), 0.0L);
    const std::size_t m = points_.size();
    for (std::size_t k = 0; k < m; ++k) {
        const long double len = k == 0 ? static_cast<long double>(points_[0]) + (space - static_cast<long double>(points_[m - 1]))
                                       : static_cast<long double>(points_[k] - points_[k - 1]);
        arc[static_cast<std::size_t>(owners_[k])] += len;
    }
    std::vector<double> s(arc.size());
    for (std::size_t i = 0; i < arc.size(); ++i) s[i] = static_cast<double>(arc[i] / space);
    return s;
}

// --- Jump ----------------------------------------------------------------------------
Jump::Jump(std::int64_t nodes) : CountedScheme("nodes", nodes, INT32_MAX) {}

void Jump::assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const {
    std::uint64_t hashes[256];
    for (std::int64_t lo = begin; lo < end; lo += 256) {
        const std::int64_t hi = std::min(end, lo + 256);
        for (std::int64_t i = lo; i < hi; ++i) hashes[i - lo] = key_hash(keys, i);
        jump_hash_batch(hashes, hi - lo, n_, out + (lo - begin));
    }
}

// --- Rendezvous ----------------------------------------------------------------------
Rendezvous::Rendezvous(std::vector<std::string> names, std::vector<double> weights) {
    check_names(names);
    weights_ = checked_weights(std::move(weights), names.size());
    uniform_ = std::all_of(weights_.begin(), weights_.end(), [&](double w) { return w == weights_[0]; });
    for (const auto& s : names) seeds_.push_back(xxh64(s, 0x5EED));
}

std::vector<double> Rendezvous::nominal_shares() const { return normalized(weights_); }

void Rendezvous::assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const {
    const std::size_t n = seeds_.size();
    for (std::int64_t i = begin; i < end; ++i) {
        const std::uint64_t h = key_hash(keys, i);
        std::int32_t best = 0;
        if (uniform_) {
            std::uint64_t top = 0;
            for (std::size_t k = 0; k < n; ++k) {
                const std::uint64_t x = mix64(h ^ seeds_[k]);
                if (k == 0 || x > top) {
                    top = x;
                    best = static_cast<std::int32_t>(k);
                }
            }
        } else {
            double top = -1.0;
            for (std::size_t k = 0; k < n; ++k) {
                const double u = (static_cast<double>(mix64(h ^ seeds_[k]) >> 11) + 0.5) * 0x1.0p-53;
                const double score = -weights_[k] / std::log(u);
                if (score > top) {
                    top = score;
                    best = static_cast<std::int32_t>(k);
                }
            }
        }
        out[i - begin] = best;
    }
}

// --- Maglev --------------------------------------------------------------------------
std::vector<std::int32_t> Maglev::populate(const std::vector<std::uint64_t>& offsets,
                                           const std::vector<std::uint64_t>& skips, std::int64_t table_size) {
    const std::size_t n = offsets.size();
    const auto m = static_cast<std::uint64_t>(table_size);
    std::vector<std::int32_t> table(static_cast<std::size_t>(m), -1);
    std::vector<std::uint64_t> next(n, 0);
    std::uint64_t filled = 0;
    while (true) {
        for (std::size_t i = 0; i < n; ++i) {
            std::uint64_t c = (offsets[i] + next[i] * skips[i]) % m;
            while (table[c] >= 0) {
                ++next[i];
                c = (offsets[i] + next[i] * skips[i]) % m;
            }
            table[c] = static_cast<std::int32_t>(i);
            ++next[i];
            if (++filled == m) return table;
        }
    }
}

Maglev::Maglev(std::vector<std::string> names, std::int64_t table_size) {
    check_names(names);
    n_ = static_cast<std::int32_t>(names.size());
    check_count("table_size", table_size, 2, 1 << 26);
    if (!is_prime(table_size)) {
        throw std::invalid_argument("table_size must be a prime number, got " + std::to_string(table_size));
    }
    if (table_size < static_cast<std::int64_t>(names.size())) {
        throw std::invalid_argument("table_size must be >= the number of nodes");
    }
    std::vector<std::uint64_t> offsets, skips;
    const auto m = static_cast<std::uint64_t>(table_size);
    for (const auto& s : names) {
        offsets.push_back(xxh64(s, 0xA11CE) % m);
        skips.push_back(xxh64(s, 0xB0B) % (m - 1) + 1);
    }
    table_ = populate(offsets, skips, table_size);
}

void Maglev::assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const {
    const auto m = static_cast<std::uint64_t>(table_.size());
    for (std::int64_t i = begin; i < end; ++i) out[i - begin] = table_[key_hash(keys, i) % m];
}

// --- BoundedLoad ---------------------------------------------------------------------
BoundedLoad::BoundedLoad(std::vector<std::string> names, std::int64_t vnodes, double eps)
    : ring_(std::move(names), vnodes, {}, "consistent"), eps_(check_positive("eps", eps)) {}

std::int64_t BoundedLoad::capacity(std::int64_t keys) const {
    // At most every key: a larger eps changes nothing (and past 2^63 the cast would wrap).
    const double cap = std::ceil((1.0 + eps_) * static_cast<double>(keys) / ring_.nodes());
    return cap < static_cast<double>(keys) ? static_cast<std::int64_t>(cap) : keys;
}

void BoundedLoad::assign_range(const Keys&, std::int64_t, std::int64_t, std::int32_t*) const {
    throw std::logic_error("BoundedLoad assigns whole batches");
}

void BoundedLoad::assign_all(const Keys& keys, std::int32_t* out) const {
    const std::int64_t cap = capacity(keys.size);
    std::vector<std::int64_t> load(static_cast<std::size_t>(ring_.nodes()), 0);
    const std::int64_t m = ring_.points();
    for (std::int64_t i = 0; i < keys.size; ++i) {
        std::int64_t p = ring_.successor(ring_.position(keys, i));
        std::int32_t node = ring_.owner_at(p);
        // cap x nodes >= keys, so a node below capacity always exists.
        while (load[static_cast<std::size_t>(node)] >= cap) {
            p = p + 1 == m ? 0 : p + 1;
            node = ring_.owner_at(p);
        }
        ++load[static_cast<std::size_t>(node)];
        out[i] = node;
    }
}

// --- MultiProbe ----------------------------------------------------------------------
MultiProbe::MultiProbe(std::vector<std::string> names, std::int64_t probes)
    : ring_(std::move(names), 1, {}, "consistent"),
      probes_(static_cast<std::int32_t>(check_count("probes", probes, 1, 1024))) {}

void MultiProbe::assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const {
    for (std::int64_t i = begin; i < end; ++i) {
        const std::uint64_t h = key_hash(keys, i);
        std::uint64_t best_distance = UINT64_MAX;
        std::int32_t best = 0;
        for (std::int32_t j = 0; j < probes_; ++j) {
            const std::uint64_t x = j == 0 ? h : mix64(h + static_cast<std::uint64_t>(j) * 0x9E3779B97F4A7C15ULL);
            const std::int64_t p = ring_.successor(x);
            const std::uint64_t d = ring_.point_at(p) - x;  // clockwise distance, mod 2^64
            if (d < best_distance) {
                best_distance = d;
                best = ring_.owner_at(p);
            }
        }
        out[i - begin] = best;
    }
}

// --- RedisCluster --------------------------------------------------------------------
std::vector<std::int32_t> RedisCluster::even_slots(std::int64_t nodes) {
    check_count("nodes", nodes, 1, kSlots);
    std::vector<std::int32_t> owner(kSlots);
    const double per = static_cast<double>(kSlots) / static_cast<double>(nodes);
    double cursor = 0.0;
    std::int64_t first = 0;
    for (std::int64_t i = 0; i < nodes; ++i) {
        std::int64_t last = std::lround(cursor + per - 1.0);
        if (last > kSlots || i == nodes - 1) last = kSlots - 1;
        if (last < first) last = first;
        for (std::int64_t s = first; s <= last; ++s) owner[static_cast<std::size_t>(s)] = static_cast<std::int32_t>(i);
        first = last + 1;
        cursor += per;
    }
    return owner;
}

RedisCluster::RedisCluster(std::vector<std::int32_t> slot_owner) : owner_(std::move(slot_owner)) {
    if (owner_.size() != static_cast<std::size_t>(kSlots)) {
        throw std::invalid_argument("slot_owner must have 16384 entries, got " + std::to_string(owner_.size()));
    }
    std::int32_t top = -1;
    for (auto o : owner_) {
        if (o < 0) throw std::invalid_argument("slot_owner must hold node indices >= 0, got " + std::to_string(o));
        top = std::max(top, o);
    }
    n_ = top + 1;
    std::vector<bool> seen(static_cast<std::size_t>(n_), false);
    for (auto o : owner_) seen[static_cast<std::size_t>(o)] = true;
    if (std::find(seen.begin(), seen.end(), false) != seen.end()) {
        throw std::invalid_argument("slot_owner must give every node 0..max at least one slot");
    }
}

std::vector<double> RedisCluster::nominal_shares() const {
    std::vector<double> c(static_cast<std::size_t>(n_), 0.0);
    for (auto o : owner_) c[static_cast<std::size_t>(o)] += 1.0 / kSlots;
    return c;
}

std::vector<std::int32_t> RedisCluster::with_added_node() const {
    const std::int32_t n = n_ + 1;
    // Target counts: the even allocation for n nodes, the largest targets going to the
    // nodes that hold the most slots now, the new node last.
    const auto even = even_slots(n);
    std::vector<std::int64_t> target(static_cast<std::size_t>(n), 0);
    for (auto o : even) ++target[static_cast<std::size_t>(o)];
    std::sort(target.begin(), target.end(), std::greater<>());
    std::vector<std::int64_t> have(static_cast<std::size_t>(n), 0);
    for (auto o : owner_) ++have[static_cast<std::size_t>(o)];
    std::vector<std::int32_t> order(static_cast<std::size_t>(n_));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
        return have[static_cast<std::size_t>(a)] > have[static_cast<std::size_t>(b)];
    });
    std::vector<std::int64_t> keep(static_cast<std::size_t>(n), 0);
    for (std::size_t r = 0; r < order.size(); ++r) keep[static_cast<std::size_t>(order[r])] = target[r];
    // Each old node gives its highest slots beyond its target to the new node.
    std::vector<std::int32_t> out = owner_;
    std::vector<std::int64_t> kept(static_cast<std::size_t>(n), 0);
    for (std::int32_t s = 0; s < kSlots; ++s) {
        const auto o = static_cast<std::size_t>(owner_[static_cast<std::size_t>(s)]);
        if (kept[o] < keep[o]) {
            ++kept[o];
        } else {
            out[static_cast<std::size_t>(s)] = n_;
        }
    }
    return out;
}

void RedisCluster::assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const {
    for (std::int64_t i = begin; i < end; ++i) {
        char buf[20];
        const std::uint32_t slot = keys.strings ? redis_slot(keys.str(i)) : redis_slot(decimal(keys.ints[i], buf));
        out[i - begin] = owner_[slot];
    }
}

// --- Kafka ---------------------------------------------------------------------------
KafkaPartitioner::KafkaPartitioner(std::int64_t partitions) : CountedScheme("partitions", partitions, INT32_MAX) {}

void KafkaPartitioner::assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const {
    for (std::int64_t i = begin; i < end; ++i) {
        out[i - begin] = keys.strings ? kafka_partition(keys.str(i), n_) : kafka_partition(big_endian(keys.ints[i]), n_);
    }
}

// --- CassandraRing -------------------------------------------------------------------
CassandraRing::CassandraRing(std::int64_t nodes, std::int64_t num_tokens, std::uint64_t seed)
    : CountedScheme("nodes", nodes, kMaxNodes) {
    check_count("num_tokens", num_tokens, 1, 1 << 16);
    if (nodes * num_tokens > (std::int64_t{1} << 24)) throw std::invalid_argument("nodes x num_tokens must be at most 2^24");
    std::vector<std::pair<std::int64_t, std::int32_t>> t;
    t.reserve(static_cast<std::size_t>(nodes * num_tokens));
    for (std::int32_t i = 0; i < n_; ++i) {
        Rng rng(seed, static_cast<std::uint64_t>(i));
        for (std::int64_t j = 0; j < num_tokens; ++j) t.emplace_back(static_cast<std::int64_t>(rng()), i);
    }
    std::sort(t.begin(), t.end());  // a duplicate token goes to the lower node index
    for (const auto& [tok, node] : t) {
        if (!tokens_.empty() && tokens_.back() == tok) continue;
        tokens_.push_back(tok);
        owners_.push_back(node);
    }
}

void CassandraRing::assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const {
    for (std::int64_t i = begin; i < end; ++i) {
        const std::int64_t t = keys.strings ? cassandra_token(keys.str(i)) : cassandra_token(big_endian(keys.ints[i]));
        auto it = std::lower_bound(tokens_.begin(), tokens_.end(), t);
        out[i - begin] = owners_[it == tokens_.end() ? 0 : static_cast<std::size_t>(it - tokens_.begin())];
    }
}

std::vector<double> CassandraRing::arc_shares() const {
    std::vector<long double> arc(static_cast<std::size_t>(n_), 0.0L);
    const std::size_t m = tokens_.size();
    const long double space = 18446744073709551616.0L;
    for (std::size_t k = 0; k < m; ++k) {
        // (previous token, token] belongs to the token's owner; the first also takes the wrap.
        const std::uint64_t len = k == 0 ? static_cast<std::uint64_t>(tokens_[0]) - static_cast<std::uint64_t>(tokens_[m - 1])
                                         : static_cast<std::uint64_t>(tokens_[k]) - static_cast<std::uint64_t>(tokens_[k - 1]);
        arc[static_cast<std::size_t>(owners_[k])] += m == 1 ? space : static_cast<long double>(len);
    }
    std::vector<double> s(arc.size());
    for (std::size_t i = 0; i < arc.size(); ++i) s[i] = static_cast<double>(arc[i] / space);
    return s;
}

std::uint32_t haproxy_full_hash(std::uint32_t a) noexcept {
    a = (a + 0x7ed55d16u) + (a << 12);
    a = (a ^ 0xc761c23cu) ^ (a >> 19);
    a = (a + 0x165667b1u) + (a << 5);
    a = (a + 0xd3a2646cu) ^ (a << 9);
    a = (a + 0xfd7046c5u) + (a << 3);
    a = (a ^ 0xb55a4f09u) ^ (a >> 16);
    return a * 3221225473u;
}

namespace {

// haproxy's chash tree of `weights`: (point, server) sorted by point.
std::vector<std::pair<std::uint32_t, std::int32_t>> haproxy_ring(const std::vector<std::int64_t>& weights) {
    check_count("servers", static_cast<std::int64_t>(weights.size()), 1, 4096);
    std::vector<std::pair<std::uint32_t, std::int32_t>> ring;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        check_count("weights", weights[i], 0, 256);
        for (std::int64_t j = 0; j < 16 * weights[i]; ++j)
            ring.emplace_back(haproxy_full_hash(static_cast<std::uint32_t>((i + 1) * 4096 + static_cast<std::size_t>(j))),
                              static_cast<std::int32_t>(i));
    }
    if (ring.empty()) throw std::invalid_argument("weights must not all be zero");
    std::sort(ring.begin(), ring.end());
    return ring;
}

}  // namespace

std::vector<double> haproxy_random_shares(const std::vector<std::int64_t>& weights) {
    const auto ring = haproxy_ring(weights);
    std::vector<double> shares(weights.size(), 0.0);
    const std::size_t n = ring.size();
    for (std::size_t k = 0; k < n; ++k) {  // a point owns half the gap on each side
        const std::uint32_t after = ring[(k + 1) % n].first - ring[k].first;
        const std::uint32_t before = ring[k].first - ring[(k + n - 1) % n].first;
        const double span = n == 1 ? 4294967296.0 : (static_cast<double>(after) + static_cast<double>(before)) / 2.0;
        shares[static_cast<std::size_t>(ring[k].second)] += span / 4294967296.0;
    }
    return shares;
}

std::vector<std::int64_t> haproxy_random_draws(const std::vector<std::int64_t>& weights, std::int64_t count,
                                               std::uint32_t state) {
    const auto ring = haproxy_ring(weights);
    check_count("count", count, 0, 1000000000);
    if (state == 0) throw std::invalid_argument("state must not be 0 (xorshift32 stays at 0)");
    std::vector<std::uint32_t> points(ring.size());
    for (std::size_t k = 0; k < ring.size(); ++k) points[k] = ring[k].first;
    std::vector<std::int64_t> out(static_cast<std::size_t>(count));
    for (auto& server : out) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        // chash_get_server_hash: the nearest point, the previous one on a tie (wrapping)
        const std::size_t i = static_cast<std::size_t>(std::lower_bound(points.begin(), points.end(), state) - points.begin());
        const std::size_t next = i % points.size(), prev = (i + points.size() - 1) % points.size();
        const std::uint32_t dn = points[next] - state, dp = state - points[prev];
        server = ring[dp <= dn ? prev : next].second;
    }
    return out;
}

}  // namespace scalemodel::hashing
