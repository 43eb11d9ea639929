"""Hash functions and placement schemes against published vectors and independent peers.

Oracles: the systems' own test vectors (cited per test), Python's standard library
(binascii.crc_hqx is CRC-CCITT with initial value 0, i.e. XMODEM; hashlib.md5), the
reference MurmurHash3 (mmh3), the jump-consistent-hash package and uhashring's ketama ring.
"""

from __future__ import annotations

import binascii
import hashlib
import math
import pickle
from concurrent.futures import ThreadPoolExecutor

import jump as jump_peer
import mmh3
import numpy as np
import pytest
import uhashring
from hypothesis import given, settings
from hypothesis import strategies as st

import scalemodel as sm
from scalemodel import _core

h = sm.hashing
RNG_SEED = 20241129


def random_strings(n: int, seed: int, alphabet: str = "abcdefghijklmnopqrstuvwxyz0123456789:_-") -> list[str]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 40, n)
    chars = np.array(list(alphabet))
    return ["".join(rng.choice(chars, k)) for k in lengths]


# --- Redis ----------------------------------------------------------------------------------
def test_redis_slot_documented_values() -> None:
    """Redis Cluster specification: CRC16 of "123456789" is 0x31C3, slot 12739; and its
    hash-tag examples (first '{', first '}' after it, non-empty tag only)."""
    assert binascii.crc_hqx(b"123456789", 0) == 0x31C3
    slots = h.redis_slot(["123456789", "{user1000}.following", "{user1000}.followers", "user1000"])
    assert slots[0] == 12739
    assert slots[1] == slots[2] == slots[3]
    cases = {
        "foo{}{bar}": "foo{}{bar}",  # empty first tag: the whole key is hashed
        "foo{{bar}}zap": "{bar",  # tag is between the first '{' and the first '}' after it
        "foo{bar}{zap}": "bar",  # only the first tag counts
        "{bar": "{bar",  # no closing brace
    }
    got = h.redis_slot(list(cases))
    want = h.redis_slot(list(cases.values()))
    np.testing.assert_array_equal(got, want)
    expected = [binascii.crc_hqx(v.encode(), 0) % 16384 for v in cases.values()]
    np.testing.assert_array_equal(got, expected)


def test_redis_slot_matches_stdlib_crc_on_random_keys() -> None:
    """binascii.crc_hqx(data, 0) is CRC16-XMODEM; brace-free keys hash whole."""
    keys = random_strings(5000, RNG_SEED)
    want = [binascii.crc_hqx(k.encode(), 0) & 16383 for k in keys]
    np.testing.assert_array_equal(h.redis_slot(keys), want)
    np.testing.assert_array_equal(h.redis_slot(h.pack(keys), threads=1), want)


def test_redis_integer_keys_are_decimal_text() -> None:
    ints = np.arange(1000, dtype=np.uint64) * 7919
    np.testing.assert_array_equal(h.redis_slot(ints), h.redis_slot([str(int(i)) for i in ints]))


# --- Kafka ----------------------------------------------------------------------------------
KAFKA_VECTORS = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}


def test_kafka_murmur2_vectors() -> None:
    """Apache Kafka clients, UtilsTest.testMurmur2 (org.apache.kafka.common.utils)."""
    np.testing.assert_array_equal(h.kafka_murmur2(list(KAFKA_VECTORS)), list(KAFKA_VECTORS.values()))


def test_kafka_partition_is_to_positive_mod() -> None:
    """Kafka's default partitioner: Utils.toPositive(murmur2) % partitions (toPositive masks the sign bit)."""
    for p in (1, 3, 10, 64):
        want = [(v & 0x7FFFFFFF) % p for v in KAFKA_VECTORS.values()]
        np.testing.assert_array_equal(h.kafka_partition(list(KAFKA_VECTORS), p), want)


# --- Cassandra ------------------------------------------------------------------------------
def test_cassandra_token_vectors() -> None:
    """Murmur3Partitioner tokens pinned by the scylla-rust-driver's partitioner tests
    ("kremówki" has bytes >= 0x80 in the tail: the sign-extension quirk), and a bigint key's
    token as cqlsh printed it (token(7386436132013076480), quoted in Triton's driver tests)."""
    tokens = h.cassandra_token(["test", "xd", "primary_key", "kremówki", ""])
    np.testing.assert_array_equal(
        tokens[:4], [-6017608668500074083, 4507812186440344727, -1632642444691073360, 4354931215268080151]
    )
    assert tokens[4] == -(2**63)  # the empty key: minimum token
    assert h.cassandra_token(np.array([7386436132013076480], dtype=np.uint64))[0] == -1446046784528965222


def test_cassandra_token_equals_reference_murmur3_without_high_tail_bytes() -> None:
    """Reference MurmurHash3 x64-128 (mmh3) agrees on ASCII keys, and differs on some keys
    with tail bytes >= 0x80 -- the quirk the partitioner must reproduce."""
    keys = random_strings(3000, RNG_SEED + 1)
    keys = [k for k in keys if k]
    want = [mmh3.hash64(k.encode(), 0, signed=True)[0] for k in keys]
    np.testing.assert_array_equal(h.cassandra_token(keys), want)
    high = [bytes([65 + i % 26]) * (i % 15) + b"\xe9" for i in range(200)]
    ref = np.array([mmh3.hash64(k, 0, signed=True)[0] for k in high])
    assert np.any(h.cassandra_token(high) != ref)


# --- jump -----------------------------------------------------------------------------------
def test_jump_guava_golden_values() -> None:
    """Guava HashingTest.testConsistentHash_linearCongruentialGeneratorCompatibility."""
    golden100 = [0, 55, 62, 8, 45, 59, 86, 97, 82, 59, 73, 37, 17, 56, 86, 21, 90, 37, 38, 83]
    np.testing.assert_array_equal(h.jump(np.arange(20), 100), golden100)
    keys = np.array([10863919174838991, 2016238256797177309, 1673758223894951030], dtype=np.uint64)
    np.testing.assert_array_equal(h.jump(keys, 11), [6, 3, 5])
    np.testing.assert_array_equal(h.jump(np.array([2, 2201, 2202]), 100001), [80343, 22152, 15018])


def test_jump_agrees_with_peer() -> None:
    rng = np.random.default_rng(RNG_SEED)
    keys = rng.integers(0, 2**63, 20000, dtype=np.int64).astype(np.uint64) * 2 + rng.integers(
        0, 2, 20000
    ).astype(np.uint64)
    for buckets in (1, 7, 1000):
        want = [jump_peer.hash(int(k), buckets) for k in keys]
        np.testing.assert_array_equal(h.jump(keys, buckets), want)


# --- library hashes -------------------------------------------------------------------------
def test_md5_and_xxh64() -> None:
    keys = random_strings(500, RNG_SEED + 2)
    want = [int.from_bytes(hashlib.md5(k.encode()).digest()[:8], "big") for k in keys]
    np.testing.assert_array_equal(_core.hashing.md5_prefix64(h.pack(keys), 0), want)
    assert h.xxh64([b""])[0] == 0xEF46DB3751D8E999  # XXH64 of empty input, seed 0
    ints = np.array([0, 1, 2**64 - 1], dtype=np.uint64)
    np.testing.assert_array_equal(h.xxh64(ints), h.xxh64([int(k).to_bytes(8, "little") for k in ints]))


# --- ketama against uhashring ---------------------------------------------------------------
@pytest.mark.parametrize("weights", [None, [1, 2, 3, 1, 1, 5, 1, 1, 2, 1]])
def test_ketama_ring_reproduces_uhashring(weights: list[int] | None) -> None:
    """uhashring's ketama ring (libketama-compatible) on 20,000 string and integer keys."""
    names = [f"10.0.0.{i}:11211" for i in range(10)]
    if weights is None:
        peer = uhashring.HashRing(nodes=names, hash_fn="ketama")
    else:
        peer = uhashring.HashRing(nodes={n: {"weight": w} for n, w in zip(names, weights)}, hash_fn="ketama")
    ring = h.Ring(names, weights=weights, mode="ketama")
    keys = random_strings(10000, RNG_SEED + 3)
    ints = np.random.default_rng(RNG_SEED).integers(0, 2**62, 10000).astype(np.uint64)
    np.testing.assert_array_equal(ring.assign(keys), [names.index(peer.get_node(k)) for k in keys])
    np.testing.assert_array_equal(ring.assign(ints), [names.index(peer.get_node(int(k))) for k in ints])
    points = peer.distribution
    np.testing.assert_array_equal(ring.points_per_node(), [points[n] for n in names])


# --- schemes --------------------------------------------------------------------------------
def test_maglev_population_paper_example_and_evenness() -> None:
    """Maglev paper (Eisenbud et al., NSDI 2016), Table 1: offsets (3, 0, 3), skips (4, 2, 1),
    M = 7 gives B1 B0 B1 B0 B2 B2 B0. Round-robin filling gives every node floor or ceil of M/N."""
    assert list(_core.hashing.Maglev.populate([3, 0, 3], [4, 2, 1], 7)) == [1, 0, 1, 0, 2, 2, 0]
    m = h.Maglev(13, table_size=65537)
    counts = np.bincount(m.table(), minlength=13)
    assert counts.min() >= 65537 // 13 and counts.max() <= 65537 // 13 + 1
    with pytest.raises(ValueError, match="table_size must be a prime"):
        h.Maglev(3, table_size=65536)


@pytest.mark.parametrize("eps", [0.05, 0.25, 1.0])
def test_bounded_load_never_above_capacity(eps: float) -> None:
    s = h.BoundedLoad(8, eps=eps)
    keys = np.arange(50_000, dtype=np.uint64)
    counts = np.bincount(s.assign(keys), minlength=8)
    assert counts.max() <= s.capacity(keys.size) == int(np.ceil((1 + eps) * keys.size / 8))
    assert counts.sum() == keys.size


def test_redis_cluster_allocation_and_rebalance() -> None:
    """redis-cli --cluster create splits 16384 slots as 0-5460, 5461-10922, 10923-16383; adding a
    fourth node and rebalancing moves 4096 slots (25%) and leaves 4096 on each node."""
    rc = h.RedisCluster(3)
    owner = rc.slot_owner()
    assert [np.flatnonzero(owner == i)[[0, -1]].tolist() for i in range(3)] == [
        [0, 5460],
        [5461, 10922],
        [10923, 16383],
    ]
    grown = rc.add_node()
    new = grown.slot_owner()
    assert np.count_nonzero(new != owner) == 4096
    assert set(np.bincount(new).tolist()) == {4096}
    assert np.all(new[new != owner] == 3)


def test_assign_does_not_depend_on_threads() -> None:
    keys = np.random.default_rng(RNG_SEED).integers(0, 2**63, 200_000).astype(np.uint64)
    for s in (h.Ring(20), h.Rendezvous(20, weights=np.arange(1, 21)), h.MultiProbe(20), h.Maglev(20)):
        np.testing.assert_array_equal(s.assign(keys, threads=1), s.assign(keys, threads=2))
    stream = h.KeyStream("uniform", 300_000, seed=3)
    b1, b2 = h.balance(h.Jump(9), stream, threads=1), h.balance(h.Jump(9), stream, threads=2)
    np.testing.assert_array_equal(b1.loads, b2.loads)


def test_schemes_pickle_and_repr() -> None:
    keys = np.arange(1000, dtype=np.uint64)
    for s in (
        h.Modulo(5),
        h.Jump(5),
        h.Kafka(5),
        h.Ring(5, weights=[1, 2, 1, 1, 1]),
        h.Rendezvous(5),
        h.Maglev(5),
        h.BoundedLoad(5),
        h.MultiProbe(5),
        h.RedisCluster(3).add_node(),
    ):
        clone = pickle.loads(pickle.dumps(s))
        np.testing.assert_array_equal(clone.assign(keys), s.assign(keys))
        assert type(s).__name__ in repr(s)


# --- analysis -------------------------------------------------------------------------------
def test_balance_chi_square_matches_scipy() -> None:
    """Counts, chi-square and the two-sided p-value against scipy.stats."""
    stats = pytest.importorskip("scipy.stats")
    keys = np.random.default_rng(RNG_SEED).integers(0, 2**63, 100_000).astype(np.uint64)
    s = h.Rendezvous(6, weights=[1, 1, 2, 2, 3, 3])
    b = h.balance(s, keys)
    counts = np.bincount(s.assign(keys), minlength=6)
    np.testing.assert_array_equal(b.loads, counts)
    expected = keys.size * np.array([1, 1, 2, 2, 3, 3]) / 12
    ref = stats.chisquare(counts, expected)
    assert b.chi_square == pytest.approx(ref.statistic, rel=1e-12)
    cdf = stats.chi2.cdf(ref.statistic, 5)
    assert b.p_value == pytest.approx(min(1.0, 2 * min(cdf, 1 - cdf)), rel=1e-9)
    assert b.max_over_mean == pytest.approx(counts.max() / counts.mean())
    assert b.cv == pytest.approx(counts.std() / counts.mean())
    assert b.to_frame()["load"].sum() == keys.size


def test_zipf_stream_loads_are_popularity_weighted() -> None:
    """A Zipf stream's per-node load is the sum of (rank + 1)^-s over the node's keys."""
    n, s = 20_000, 1.1
    scheme = h.Jump(7)
    b = h.balance(scheme, h.KeyStream("zipf", n, exponent=s))
    nodes = scheme.assign(np.arange(n, dtype=np.uint64))
    want = np.bincount(nodes, weights=np.arange(1, n + 1, dtype=float) ** -s, minlength=7)
    np.testing.assert_allclose(b.loads, want, rtol=1e-12)
    assert np.isnan(b.p_value) and b.weighted
    assert b.hottest_share == pytest.approx(want.max() / want.sum())


def test_movement_against_recomputed_assignment() -> None:
    keys = np.random.default_rng(RNG_SEED).integers(0, 2**63, 50_000).astype(np.uint64)
    a, b = h.Ring(4), h.Ring(5)
    m = h.movement(a, b, keys)
    assert m.fraction == pytest.approx(np.mean(a.assign(keys) != b.assign(keys)), abs=0)
    assert m.optimum == pytest.approx(0.2)
    stream = h.movement(a, b, h.KeyStream("sequential", 50_000))
    assert stream.fraction == pytest.approx(
        np.mean(a.assign(np.arange(50_000)) != b.assign(np.arange(50_000)))
    )


def test_sweeps_have_frames() -> None:
    sweep = h.spread_vs_vnodes(10, [1, 10, 100])
    frame = sweep.to_frame()
    assert list(frame["vnodes"]) == [1, 10, 100]
    assert frame["cv"].iloc[0] > frame["cv"].iloc[-1]
    mv = h.movement_vs_size(
        [h.Jump(1), h.Modulo(1)], [2, 4], h.KeyStream("uniform", 20_000, seed=1)
    ).to_frame()
    assert set(mv["scheme"]) == {"Jump", "Modulo"} and len(mv) == 4


# --- bad input ------------------------------------------------------------------------------
def test_bad_input_names_the_parameter() -> None:
    with pytest.raises(ValueError, match="keys must not be empty"):
        h.redis_slot([])
    with pytest.raises(ValueError, match="keys must be non-negative"):
        h.jump(np.array([-1]), 3)
    with pytest.raises(TypeError, match="keys"):
        h.jump(["a"], 3)
    with pytest.raises(TypeError, match="keys"):
        h.redis_slot(np.array([1.5]))
    with pytest.raises(TypeError, match="keys must be str or bytes"):
        h.redis_slot(["a", 3])
    with pytest.raises(ValueError, match="buckets"):
        h.jump(np.arange(3), 0)
    with pytest.raises(ValueError, match="partitions"):
        h.kafka_partition(["a"], 0)
    with pytest.raises(ValueError, match="mode"):
        h.Ring(3, mode="maglev")
    with pytest.raises(ValueError, match="weights"):
        h.Ring(3, weights=[1, 2])
    with pytest.raises(ValueError, match="weights"):
        h.Rendezvous(2, weights=[1, -1])
    with pytest.raises(ValueError, match="eps"):
        h.BoundedLoad(3, eps=0)
    with pytest.raises(ValueError, match="distinct"):
        h.Ring(["a", "a"])
    with pytest.raises(ValueError, match="nodes"):
        h.Jump(0)
    with pytest.raises(ValueError, match="kind"):
        h.KeyStream("gaussian", 10)
    with pytest.raises(ValueError, match="count"):
        h.KeyStream("uniform", 0)
    with pytest.raises(TypeError, match="scheme"):
        h.balance("ring", np.arange(3))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="threads"):
        h.redis_slot(["a"], threads=-1)


def test_cassandra_ring_places_by_first_token_at_or_after() -> None:
    """Independent placement: NumPy searchsorted over the ring's tokens with the partition
    keys' tokens, wrapping past the last token; node shares are the owned token ranges."""
    ring = h.Cassandra(6, num_tokens=16, seed=4)
    tokens, owners = ring.tokens()
    assert tokens.size == 96 and np.all(np.diff(tokens) > 0)
    keys = random_strings(20_000, RNG_SEED + 5)
    pos = np.searchsorted(tokens, h.cassandra_token(keys), side="left")
    pos[pos == tokens.size] = 0
    np.testing.assert_array_equal(ring.assign(keys), owners[pos])
    assert ring.arc_shares().sum() == pytest.approx(1.0, abs=1e-12)
    grown = ring.resized(7)
    m = h.movement(ring, grown, h.KeyStream("uniform", 200_000, seed=2))
    new_share = grown.arc_shares()[6]
    assert m.fraction == pytest.approx(new_share, abs=5 * np.sqrt(new_share * (1 - new_share) / 200_000))


def test_multi_probe_evens_out_a_one_point_ring() -> None:
    """Appleton and O'Reilly report a peak-to-mean load of about 1.05 with 21 probes and one
    point per node. Over 10^6 keys the busiest of 100 nodes also carries binomial noise of
    about 2.5 x sqrt(100 / 10^6) = 2.5%, so 1.12 bounds it; one probe (a plain ring with one
    point per node) is above 3x the mean (the largest of 100 arcs averages H_100 = 5.2x)."""
    keys = h.KeyStream("uniform", 1_000_000, seed=8)
    assert h.balance(h.MultiProbe(100, probes=21), keys).max_over_mean < 1.12
    assert h.balance(h.MultiProbe(100, probes=1), keys).max_over_mean > 3.0


def test_balance_plot_draws_one_bar_per_node() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    b = h.balance(h.Ring(7), np.arange(10_000, dtype=np.uint64))
    ax = b.plot()
    assert len(ax.patches) == 7
    plt.close(ax.figure)


def test_movement_matches_nodes_by_name() -> None:
    """Removing a node from the middle of the list: only its keys move on a ring and with
    rendezvous (optimum: its share), whereas comparing positions would count the renumbered
    nodes' keys as moved. Recomputed here from the assignments, mapped to names."""
    keys = np.random.default_rng(RNG_SEED).integers(0, 2**63, 100_000).astype(np.uint64)
    names = [f"cache-{i}" for i in range(6)]
    fewer = names[:2] + names[3:]
    for kind in (h.Ring, h.Rendezvous):
        a, b = kind(names), kind(fewer)
        m = h.movement(a, b, keys)
        by_name = np.array(names)[a.assign(keys)] != np.array(fewer)[b.assign(keys)]
        assert m.fraction == pytest.approx(by_name.mean(), abs=0)
        assert m.fraction == pytest.approx(np.mean(a.assign(keys) == 2), abs=0)
        assert m.optimum == pytest.approx(a.nominal_shares()[2])
    # Reweighting: doubling one node's weight in rendezvous moves keys only onto it.
    a, b = h.Rendezvous(names), h.Rendezvous(names, weights=[2, 1, 1, 1, 1, 1])
    m = h.movement(a, b, keys)
    assert m.optimum == pytest.approx(2 / 7 - 1 / 6)
    assert np.all(b.assign(keys)[a.assign(keys) != b.assign(keys)] == 0)
    assert m.fraction == pytest.approx(m.optimum, abs=5 * np.sqrt(m.optimum / keys.size))


@pytest.mark.parametrize("kind", [h.Jump, h.Rendezvous, h.Maglev, h.MultiProbe])
def test_growth_moves_one_over_n_plus_one(kind: type) -> None:
    """Jump and rendezvous move exactly the keys the new node takes (1/(n+1) up to binomial
    noise, 5 sd); Maglev and multi-probe stay within 30% of it at n = 4 and 9."""
    keys = h.KeyStream("uniform", 400_000, seed=9)
    for n in (4, 9):
        m = h.movement(kind(n), kind(n + 1), keys)
        p = 1 / (n + 1)
        if kind in (h.Jump, h.Rendezvous):
            assert m.fraction == pytest.approx(p, abs=5 * np.sqrt(p * (1 - p) / keys.count))
        else:
            assert m.fraction == pytest.approx(p, rel=0.3)


def test_libketama_own_test_output() -> None:
    """libketama's test harness (libketama/test.sh in RJ/ketama): with its ketama.servers file,
    the lines "<key hash> <continuum point> <server>" for the keys "0".."999999", after the
    (empty) error line, have MD5 5672b131391f5aa2b280936aec1eea74."""
    servers = {
        "10.0.1.1:11211": 600,
        "10.0.1.2:11211": 300,
        "10.0.1.3:11211": 200,
        "10.0.1.4:11211": 350,
        "10.0.1.5:11211": 1000,
        "10.0.1.6:11211": 800,
        "10.0.1.7:11211": 950,
        "10.0.1.8:11211": 100,
    }
    names = list(servers)
    ring = h.Ring(names, weights=list(servers.values()), mode="libketama")
    keys = np.arange(1_000_000, dtype=np.uint64)  # decimal text, as libketama's sprintf("%d")
    pos, point = ring.locate(keys)
    node = np.array(names)[ring.assign(keys)]
    text = "\n" + "".join(f"{a} {b} {c}\n" for a, b, c in zip(pos.tolist(), point.tolist(), node.tolist()))
    assert hashlib.md5(text.encode()).hexdigest() == "5672b131391f5aa2b280936aec1eea74"


def reference_hash_tag(key: bytes) -> bytes:
    """The Redis Cluster specification's tag rule, written out independently."""
    start = key.find(b"{")
    if start < 0:
        return key
    end = key.find(b"}", start + 1)
    if end < 0 or end == start + 1:
        return key
    return key[start + 1 : end]


@given(
    st.lists(
        st.binary(max_size=24) | st.text(alphabet="ab{}", max_size=12).map(str.encode),
        min_size=1,
        max_size=50,
    )
)
@settings(max_examples=200, deadline=None)
def test_redis_slot_property(keys: list[bytes]) -> None:
    """Any bytes, braces included: slot = crc_hqx(tag, 0) % 16384 with the spec's tag rule."""
    want = [binascii.crc_hqx(reference_hash_tag(k), 0) % 16384 for k in keys]
    np.testing.assert_array_equal(h.redis_slot(keys), want)


def test_concurrent_assign_from_python_threads() -> None:
    """Schemes are immutable and release the GIL: two Python threads assigning the same keys
    on one scheme reproduce the single-threaded result bit for bit."""
    keys = np.random.default_rng(RNG_SEED).integers(0, 2**63, 300_000).astype(np.uint64)
    for s in (h.Ring(50, mode="ketama"), h.Jump(50), h.Cassandra(5, num_tokens=16)):
        want = s.assign(keys, threads=1)
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda _: s.assign(keys, threads=2), range(4)))  # noqa: B023
        for r in results:
            np.testing.assert_array_equal(r, want)


def test_key_stream_is_validated_once_by_the_engine_and_pickles() -> None:
    s = h.KeyStream("zipf", 1000, seed=2, start=5, exponent=0.8)
    assert (s._engine.kind, s._engine.count, s._engine.start, s._engine.exponent) == ("zipf", 1000, 5, 0.8)
    back = pickle.loads(pickle.dumps(s))
    assert back == s
    assert h.balance(h.Jump(4), back).loads.tolist() == h.balance(h.Jump(4), s).loads.tolist()
    with pytest.raises(ValueError, match="count"):
        h.KeyStream("uniform", 2**40 + 1)
    with pytest.raises(ValueError, match="exponent"):
        h.KeyStream("zipf", 10, exponent=-1.0)
    with pytest.raises(ValueError, match="exponent"):
        h.KeyStream("uniform", 10, exponent=math.nan)
    with pytest.raises(ValueError, match="seed"):
        h.KeyStream("uniform", 10, seed=-1)
    with pytest.raises(TypeError, match="kind"):
        h.KeyStream(1, 10)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="count"):
        h.KeyStream("uniform", "10")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="exponent"):
        h.KeyStream("zipf", 10, exponent="1")  # type: ignore[arg-type]


def test_bounded_load_with_a_huge_eps_is_plain_consistent_hashing() -> None:
    # (1 + eps) keys / nodes past 2**63 wrapped to a negative capacity: every node looked
    # full and the probe walked the ring forever. Capacity is at most every key.
    keys = np.arange(10_000, dtype=np.uint64)
    s = h.BoundedLoad(4, eps=2.0**63)
    assert s.capacity(keys.size) == keys.size
    np.testing.assert_array_equal(s.assign(keys), h.BoundedLoad(4, eps=1e6).assign(keys))
    np.testing.assert_array_equal(s.assign(keys), h.Ring(4, vnodes=150).assign(keys))
