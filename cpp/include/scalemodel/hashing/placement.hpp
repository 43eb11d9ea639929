// Placement schemes: how keys land on nodes. Every scheme maps a batch of keys (64-bit
// integers or byte strings) to node indices in [0, nodes()). Schemes are immutable after
// construction, so one scheme can serve many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace scalemodel::hashing {

// A batch of keys, borrowed: either `size` 64-bit integers, or `size` byte strings laid
// end to end in `bytes` with string i in [offsets[i], offsets[i + 1]).
struct Keys {
    bool strings = false;
    std::int64_t size = 0;
    const std::uint64_t* ints = nullptr;
    const char* bytes = nullptr;
    const std::int64_t* offsets = nullptr;

    static Keys of_ints(const std::uint64_t* p, std::int64_t n) { return Keys{false, n, p, nullptr, nullptr}; }
    static Keys of_strings(const char* b, const std::int64_t* off, std::int64_t n) {
        return Keys{true, n, nullptr, b, off};
    }
    std::string_view str(std::int64_t i) const {
        return {bytes + offsets[i], static_cast<std::size_t>(offsets[i + 1] - offsets[i])};
    }
};

// The default 64-bit hash of key i: xxHash64 of the string's bytes, or of the integer's
// 8 little-endian bytes.
std::uint64_t key_hash(const Keys& keys, std::int64_t i) noexcept;

class Scheme {
public:
    virtual ~Scheme() = default;
    virtual std::int32_t nodes() const = 0;
    // The share of keys each node is meant to get (its weight over the total weight).
    virtual std::vector<double> nominal_shares() const;
    // Nodes of keys [begin, end) into out[0 .. end - begin). Const and thread-safe.
    virtual void assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const = 0;
    // True when a key's node depends on the keys before it (bounded loads); such schemes
    // assign a whole batch in order with assign_all.
    virtual bool sequential() const { return false; }
    virtual void assign_all(const Keys& keys, std::int32_t* out) const;
};

// Assigns every key, with up to `threads` threads (0 = all cores) unless the scheme is
// sequential. The result does not depend on the thread count.
void assign(const Scheme& scheme, const Keys& keys, std::int32_t* out, int threads = 0);

// A scheme over a number of nodes (or partitions) given at construction, not named ones.
class CountedScheme : public Scheme {
public:
    std::int32_t nodes() const final { return n_; }

protected:
    // nodes in [1, max_nodes], checked; errors name `parameter`.
    CountedScheme(const char* parameter, std::int64_t nodes, std::int64_t max_nodes);
    std::int32_t n_;
};

// hash % nodes.
class Modulo final : public CountedScheme {
public:
    explicit Modulo(std::int64_t nodes);
    void assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const override;
};

// Consistent-hash ring with virtual nodes. Mode "consistent": node i gets round(vnodes x
// weight_i) points at xxHash64("<name>-<j>"), a key goes to the first point at or after its
// xxHash64 (clockwise, wrapping). Mode "ketama": libketama's and uhashring's placement:
// node i gets floor(vnodes x nodes x weight_i / sum(weights)) MD5 digests of "<name>-<j>",
// four 32-bit little-endian points each; a key's position is the first four bytes of the MD5
// of the key (integers as decimal text) and it goes to the first point strictly after it;
// when points coincide the node listed last owns them (as in uhashring). Mode "libketama":
// libketama's own continuum: the same points, with floorf((float)w_i / (float)sum(w) x vnodes
// x nodes) digests per node, and a key goes to the first point at or after its position.
class Ring final : public Scheme {
public:
    Ring(std::vector<std::string> names, std::int64_t vnodes, std::vector<double> weights, const std::string& mode);
    std::int32_t nodes() const override { return static_cast<std::int32_t>(names_.size()); }
    std::vector<double> nominal_shares() const override;
    void assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const override;
    // Exact fraction of the hash space each node owns.
    std::vector<double> arc_shares() const;
    // Node owning ring position h (64-bit position; ketama uses the low 32 bits).
    std::int32_t owner(std::uint64_t position) const noexcept;
    std::uint64_t position(const Keys& keys, std::int64_t i) const;
    std::int64_t points() const { return static_cast<std::int64_t>(points_.size()); }
    const std::vector<std::int64_t>& points_per_node() const { return per_node_; }
    // Index of the point that owns position h (the node's successor point).
    std::int64_t successor(std::uint64_t position) const noexcept;
    std::int32_t owner_at(std::int64_t point_index) const noexcept { return owners_[static_cast<std::size_t>(point_index)]; }
    std::uint64_t point_at(std::int64_t point_index) const noexcept { return points_[static_cast<std::size_t>(point_index)]; }

private:
    void build_index();
    std::vector<std::string> names_;
    std::vector<double> weights_;
    bool ketama_;          // 32-bit MD5 points (ketama, libketama)
    bool strictly_after_;  // a key goes to the first point > its position (uhashring)
    std::vector<std::uint64_t> points_;  // sorted
    std::vector<std::int32_t> owners_;
    std::vector<std::int64_t> per_node_;
    std::vector<std::uint32_t> bucket_;  // first point index per top-16-bit bucket, 65537 entries
};

// Jump consistent hash of the key's xxHash64.
class Jump final : public CountedScheme {
public:
    explicit Jump(std::int64_t nodes);
    void assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const override;
};

// Rendezvous (highest random weight) hashing; weighted by the logarithmic method:
// score_i = -w_i / ln(u_i) with u_i uniform in (0, 1) from hash(key, node i).
class Rendezvous final : public Scheme {
public:
    Rendezvous(std::vector<std::string> names, std::vector<double> weights);
    std::int32_t nodes() const override { return static_cast<std::int32_t>(seeds_.size()); }
    std::vector<double> nominal_shares() const override;
    void assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const override;

private:
    std::vector<std::uint64_t> seeds_;
    std::vector<double> weights_;
    bool uniform_;
};

// Maglev hashing (Eisenbud et al., NSDI 2016): a lookup table of prime size M filled by
// each node's permutation (offset + j x skip) mod M, nodes taking turns.
class Maglev final : public Scheme {
public:
    Maglev(std::vector<std::string> names, std::int64_t table_size);
    std::int32_t nodes() const override { return n_; }
    void assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const override;
    const std::vector<std::int32_t>& table() const { return table_; }
    // The population step alone, for given offsets and skips (checked against the paper).
    static std::vector<std::int32_t> populate(const std::vector<std::uint64_t>& offsets,
                                              const std::vector<std::uint64_t>& skips, std::int64_t table_size);

private:
    std::int32_t n_;
    std::vector<std::int32_t> table_;
};

// Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam 2018): keys are
// placed in order; each goes to the first node clockwise from its ring position whose load
// is below ceil((1 + eps) x keys / nodes).
class BoundedLoad final : public Scheme {
public:
    BoundedLoad(std::vector<std::string> names, std::int64_t vnodes, double eps);
    std::int32_t nodes() const override { return ring_.nodes(); }
    bool sequential() const override { return true; }
    void assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const override;
    void assign_all(const Keys& keys, std::int32_t* out) const override;
    std::int64_t capacity(std::int64_t keys) const;

private:
    Ring ring_;
    double eps_;
};

// Multi-probe consistent hashing (Appleton and O'Reilly 2015): one point per node; a key is
// hashed `probes` times and goes to the node whose point follows the closest probe.
class MultiProbe final : public Scheme {
public:
    MultiProbe(std::vector<std::string> names, std::int64_t probes);
    std::int32_t nodes() const override { return ring_.nodes(); }
    void assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const override;

private:
    Ring ring_;
    std::int32_t probes_;
};

// Redis Cluster: key -> CRC16 slot (hash tags honoured; integers as decimal text) -> node
// by a 16384-entry slot map.
class RedisCluster final : public Scheme {
public:
    static constexpr std::int32_t kSlots = 16384;
    explicit RedisCluster(std::vector<std::int32_t> slot_owner);
    // The contiguous allocation redis-cli --cluster create makes for n masters.
    static std::vector<std::int32_t> even_slots(std::int64_t nodes);
    // The slot map after adding one node that takes slots from the others so that every
    // node ends up with its share of the even allocation, moving no slot more than once.
    std::vector<std::int32_t> with_added_node() const;
    std::int32_t nodes() const override { return n_; }
    std::vector<double> nominal_shares() const override;
    void assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const override;
    const std::vector<std::int32_t>& slot_owner() const { return owner_; }

private:
    std::vector<std::int32_t> owner_;
    std::int32_t n_;
};

// Kafka's default partitioner for keyed records: toPositive(murmur2(key)) % partitions;
// integer keys are serialized as Kafka's LongSerializer does (8 bytes, big-endian).
class KafkaPartitioner final : public CountedScheme {
public:
    explicit KafkaPartitioner(std::int64_t partitions);
    void assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const override;
};

// Cassandra's token ring: node i holds num_tokens random tokens (Cassandra's random vnode
// allocation; num_tokens was 256 by default before 4.0, 16 since), drawn from Rng(seed, i) so
// a node keeps its tokens when others join. A partition key belongs to the node holding the
// first token >= the key's Murmur3Partitioner token, wrapping around (integer keys as bigint).
class CassandraRing final : public CountedScheme {
public:
    CassandraRing(std::int64_t nodes, std::int64_t num_tokens, std::uint64_t seed);
    void assign_range(const Keys& keys, std::int64_t begin, std::int64_t end, std::int32_t* out) const override;
    std::vector<double> arc_shares() const;
    const std::vector<std::int64_t>& tokens() const { return tokens_; }
    const std::vector<std::int32_t>& token_owners() const { return owners_; }

private:
    std::vector<std::int64_t> tokens_;  // sorted
    std::vector<std::int32_t> owners_;
};

// haproxy's `balance random` (2.x, lb_chash.c and backend.c): server i (puid i + 1, weight
// w_i in 0..256) has 16 x w_i points at full_hash((i + 1) x 4096 + j) on a 32-bit ring; a
// 32-bit key goes to the point nearest to it (the one before on a tie). Each request draws
// its keys from statistical_prng, a xorshift32 whose state every haproxy process starts at
// 2463534242 (its first thread), so every run repeats the same sequence of draws.
constexpr std::uint32_t kHaproxyPrngState = 2463534242u;
std::uint32_t haproxy_full_hash(std::uint32_t a) noexcept;
// The share of the ring (the draw probability) of each server.
std::vector<double> haproxy_random_shares(const std::vector<std::int64_t>& weights);
// The servers of `count` successive draws from `state` (the first draw is the state's successor).
std::vector<std::int64_t> haproxy_random_draws(const std::vector<std::int64_t>& weights, std::int64_t count,
                                               std::uint32_t state = kHaproxyPrngState);

// A string or integer key as the modelled clients serialize it.
std::string decimal(std::uint64_t key);
// The decimal text of key in buf (at least 20 chars), without allocating.
std::string_view decimal(std::uint64_t key, char* buf) noexcept;
std::string big_endian(std::uint64_t key);

}  // namespace scalemodel::hashing
