"""The cache simulator against Che's approximation, the TTL formula, FIFO's analogue
(from sm.caching) and pure-Python caches fed the same ids."""

from __future__ import annotations

import math
import pickle
from collections import OrderedDict

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scalemodel as sm

sim = sm.sim
caching = sm.caching


# --- reference caches in plain Python --------------------------------------------------------
def lru_hits(trace: np.ndarray, capacity: int, warmup: int) -> int:
    cache: OrderedDict[int, None] = OrderedDict()
    hits = 0
    for j, item in enumerate(trace.tolist()):
        if item in cache:
            cache.move_to_end(item)
            hits += j >= warmup
            continue
        if len(cache) >= capacity:
            cache.popitem(last=False)
        cache[item] = None
    return hits


def fifo_hits(trace: np.ndarray, capacity: int, warmup: int) -> int:
    cache: OrderedDict[int, None] = OrderedDict()
    hits = 0
    for j, item in enumerate(trace.tolist()):
        if item in cache:
            hits += j >= warmup
            continue
        if len(cache) >= capacity:
            cache.popitem(last=False)
        cache[item] = None
    return hits


def lfu_hits(trace: np.ndarray, capacity: int, warmup: int) -> int:
    """In-cache LFU: evict the fewest requests since insertion, ties to the least recent."""
    count: dict[int, int] = {}
    last: dict[int, int] = {}
    hits = 0
    for j, item in enumerate(trace.tolist()):
        if item in count:
            count[item] += 1
            last[item] = j
            hits += j >= warmup
            continue
        if len(count) >= capacity:
            victim = min(count, key=lambda k: (count[k], last[k]))
            del count[victim], last[victim]
        count[item] = 1
        last[item] = j
    return hits


def lru_bytes(trace: np.ndarray, sizes: np.ndarray, capacity_bytes: float, warmup: int) -> tuple[int, float]:
    cache: OrderedDict[int, float] = OrderedDict()
    used = 0.0
    hits, hit_bytes = 0, 0.0
    for j, (item, size) in enumerate(zip(trace.tolist(), sizes.tolist())):
        if item in cache:
            cache.move_to_end(item)
            if j >= warmup:
                hits += 1
                hit_bytes += size
            continue
        if size > capacity_bytes:
            continue
        while used + size > capacity_bytes:
            _, s = cache.popitem(last=False)
            used -= s
        cache[item] = size
        used += size
    return hits, hit_bytes


# --- exact checks on explicit traces ---------------------------------------------------------
@pytest.mark.parametrize(("policy", "reference"), [("lru", lru_hits), ("fifo", fifo_hits), ("lfu", lfu_hits)])
@pytest.mark.parametrize(("catalogue", "alpha", "capacity"), [(300, 0.9, 25), (60, 0.0, 7), (2000, 1.3, 1)])
def test_policies_match_python_reference_on_a_trace(policy, reference, catalogue, alpha, capacity) -> None:
    trace = sim.zipf_requests(catalogue, alpha, 6000, seed=5)
    warmup = 500
    r = sim.simulate_cache(policy, capacity, catalogue, alpha, trace=trace, warmup=warmup, replications=1)
    assert r.estimate("hits") == reference(trace, capacity, warmup)
    assert r.estimate("requests") == trace.size - warmup


@pytest.mark.parametrize(("cap", "sigma"), [(40_000.0, 1.0), (3000.0, 2.0)])
def test_byte_capacity_matches_python_reference(cap, sigma) -> None:
    # sigma 2 with 3,000 bytes: about a quarter of the items are larger than the whole
    # cache and must be served without being cached (or evicting anything).
    catalogue, alpha = 500, 0.8
    sizes = sim.ItemSizes.lognormal(1000, sigma)
    trace = sim.zipf_requests(catalogue, alpha, 8000, seed=2)
    per_request = sizes.of(trace, seed=9)
    assert np.any(per_request > cap) == (sigma == 2.0)
    hits, hit_bytes = lru_bytes(trace, per_request, cap, 800)
    r = sim.simulate_cache(
        "lru",
        None,
        catalogue,
        alpha,
        trace=trace,
        warmup=800,
        capacity_bytes=cap,
        sizes=sizes,
        seed=9,
        replications=1,
    )
    assert r.estimate("hits") == hits
    assert r.byte_hit_ratio == pytest.approx(hit_bytes / per_request[800:].sum(), rel=1e-12)
    # Sizes are a function of (item, seed): the same item always has the same size.
    again = sizes.of(np.array([trace[0]] * 3), seed=9)
    assert np.all(again == per_request[0])


def test_a_ttl_that_never_fires_changes_nothing() -> None:
    # The ids do not depend on whether time is simulated, so a TTL far beyond the run leaves
    # LRU and LFU as they were, and the ttl policy with a capacity is FIFO.
    kw = {"replications": 2, "seed": 4, "warmup": 5000}
    slow = {"ttl_s": 1e9, "request_rate": 100.0}
    for policy in ["lru", "lfu"]:
        plain = sim.simulate_cache(policy, 40, 2000, 0.9, 20_000, **kw)
        timed = sim.simulate_cache(policy, 40, 2000, 0.9, 20_000, **kw, **slow)
        assert np.array_equal(plain.replication_values("hits"), timed.replication_values("hits"))
        assert timed.estimate("expirations") == 0
    fifo = sim.simulate_cache("fifo", 40, 2000, 0.9, 20_000, **kw)
    ttl = sim.simulate_cache("ttl", 40, 2000, 0.9, 20_000, **kw, **slow)
    assert np.array_equal(fifo.replication_values("hits"), ttl.replication_values("hits"))


def test_sampled_ids_are_the_ones_the_simulator_uses() -> None:
    kw = {"seed": 17, "replications": 1}
    ids = sim.zipf_requests(10_000, 0.9, 30_000, seed=17)
    sampled = sim.simulate_cache("lru", 300, 10_000, 0.9, 20_000, warmup=10_000, **kw)
    replayed = sim.simulate_cache("lru", 300, 10_000, 0.9, trace=ids, warmup=10_000, **kw)
    assert sampled.estimate("hits") == replayed.estimate("hits")


def test_churn_shifts_ranks_by_the_given_offset() -> None:
    n, interval, shift = 1000, 700, 37
    plain = sim.zipf_requests(n, 1.0, 5000, seed=3)
    churned = sim.zipf_requests(n, 1.0, 5000, seed=3, churn_interval=interval, churn_shift=shift)
    j = np.arange(5000)
    assert np.array_equal(churned, (plain + shift * (j // interval)) % n)
    # A full remap (random offset) after warm-up empties the cache's usefulness at once.
    warm = sim.simulate_cache("lru", 100, n, 1.0, 20_000, warmup=20_000, replications=4, seed=1)
    churny = sim.simulate_cache(
        "lru", 100, n, 1.0, 20_000, warmup=20_000, replications=4, seed=1, churn_interval=200
    )
    assert churny.hit_ratio < warm.hit_ratio - 0.05


def test_zipf_frequencies_match_the_law() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    n, alpha, draws = 1_000_000, 1.0, 1_000_000
    ids = sim.zipf_requests(n, alpha, draws, seed=4)
    counts = np.bincount(np.minimum(ids, 99), minlength=100)
    ranks = np.arange(1, 100, dtype=float)
    total = float(mpmath.harmonic(n))
    p = np.append(ranks**-alpha / total, 1 - (ranks**-alpha).sum() / total)
    _, pvalue = scipy_stats.chisquare(counts, p * draws)
    assert pvalue > 1e-4


# --- the simulator against closed forms --------------------------------------------------------
@pytest.mark.parametrize(
    ("alpha", "catalogue", "capacity"),
    [(0.6, 20_000, 1000), (0.8, 100_000, 1000), (1.0, 20_000, 200), (1.2, 50_000, 500)],
)
def test_lru_matches_che_approximation(alpha, catalogue, capacity) -> None:
    """Che's approximation is within about 1% of the true LRU hit ratio for Zipf
    popularity and caches of hundreds of items (Fricker, Robert and Roberts, 2012): the
    tolerance is 4 half-widths plus that model error."""
    r = sim.simulate_cache("lru", capacity, catalogue, alpha, 400_000, warmup=200_000, replications=8, seed=3)
    che = caching.che_hit_ratio(alpha, catalogue, capacity)
    assert abs(r.hit_ratio - che) <= 4 * r.half_width("hit_ratio") + 0.01 * che


@pytest.mark.parametrize(("alpha", "capacity"), [(0.7, 300), (1.0, 100)])
def test_fifo_matches_its_che_analogue(alpha, capacity) -> None:
    """FIFO (and random replacement) follow p T / (1 + p T) per item, also within ~1%."""
    r = sim.simulate_cache("fifo", capacity, 10_000, alpha, 400_000, warmup=100_000, replications=8, seed=8)
    approx = caching.che_hit_ratio(alpha, 10_000, capacity, policy="fifo")
    assert abs(r.hit_ratio - approx) <= 4 * r.half_width("hit_ratio") + 0.01 * approx
    assert approx < caching.che_hit_ratio(alpha, 10_000, capacity)


@pytest.mark.parametrize(
    ("alpha", "ttl_s", "rate"), [(0.8, 10.0, 1000.0), (1.1, 0.5, 20_000.0), (0.0, 2.0, 500.0)]
)
def test_ttl_cache_matches_the_exact_formula(alpha, ttl_s, rate) -> None:
    """Exact for Poisson requests: only the interval is allowed as error."""
    r = sim.simulate_cache(
        "ttl",
        None,
        5000,
        alpha,
        300_000,
        warmup=100_000,
        ttl_s=ttl_s,
        request_rate=rate,
        replications=10,
        seed=2,
    )
    exact = caching.ttl_hit_ratio(alpha, 5000, ttl_s, rate)
    assert abs(r.hit_ratio - exact) <= 4 * r.half_width("hit_ratio")
    assert abs(r.miss_rate - rate * (1 - exact)) <= 4 * r.half_width("miss_rate")


def test_latency_metrics_follow_the_hit_ratio() -> None:
    r = sim.simulate_cache(
        "lru", 200, 10_000, 1.0, 100_000, replications=4, hit_latency_s=0.001, miss_latency_s=0.011
    )
    h = r.replication_values("hit_ratio")
    assert np.allclose(r.replication_values("mean_latency"), 0.001 * h + 0.011 * (1 - h), rtol=1e-12)
    assert r.tail_latency_s == 0.011  # misses are far more than 1% of requests
    assert math.isnan(r.miss_rate)  # no request_rate, no time


def test_same_seed_same_result_on_any_thread_count() -> None:
    kw = {"replications": 5, "seed": 21, "ttl_s": 3.0, "request_rate": 400.0}
    a = sim.simulate_cache("lru", 50, 3000, 0.9, 20_000, threads=1, **kw)
    b = sim.simulate_cache("lru", 50, 3000, 0.9, 20_000, threads=2, **kw)
    for name in a.metric_names:
        assert np.array_equal(a.replication_values(name), b.replication_values(name))
    c = pickle.loads(pickle.dumps(a))
    assert c.hit_ratio == a.hit_ratio
    assert a.summary().index[0] == "hit_ratio"


def test_bad_input_raises_value_or_type_error() -> None:
    with pytest.raises(ValueError, match="policy"):
        sim.simulate_cache("arc", 10, 100, 1.0, 100)
    with pytest.raises(ValueError, match="capacity"):
        sim.simulate_cache("lru", 0, 100, 1.0, 100)
    with pytest.raises(ValueError, match="capacity or capacity_bytes"):
        sim.simulate_cache("lru", None, 100, 1.0, 100)
    with pytest.raises(ValueError, match="zipf_alpha"):
        sim.simulate_cache("lru", 10, 100, -0.5, 100)
    with pytest.raises(ValueError, match="zipf_alpha"):
        sim.simulate_cache("lru", 10, 100, math.nan, 100)
    with pytest.raises(ValueError, match="request_rate"):
        sim.simulate_cache("lru", 10, 100, 1.0, 100, ttl_s=5)
    with pytest.raises(ValueError, match="ttl_s"):
        sim.simulate_cache("ttl", None, 100, 1.0, 100, request_rate=5)
    with pytest.raises(ValueError, match="trace item"):
        sim.simulate_cache("lru", 10, 100, 1.0, trace=[1, 2, 100, 3])
    with pytest.raises(ValueError, match="warmup \\+ requests"):
        sim.simulate_cache("lru", 10, 100, 1.0, 5, trace=[1, 2, 3], warmup=0)
    with pytest.raises(ValueError, match="catalogue_size"):
        sim.simulate_cache("lru", 10, 0, 1.0, 100)
    with pytest.raises(ValueError, match="memory"):  # ~17 GB per thread, 64 threads at once
        sim.simulate_cache("lru", 10, sim.MAX_CATALOGUE, 1.0, 10, replications=64, threads=64)
    with pytest.raises(ValueError, match="churn_shift"):
        sim.simulate_cache("lru", 10, 100, 1.0, 100, churn_interval=5, churn_shift=100)
    with pytest.raises(ValueError, match="sigma"):
        sim.simulate_cache(
            "lru", None, 100, 1.0, 100, capacity_bytes=1e4, sizes=sim.ItemSizes.lognormal(100, -1)
        )
    with pytest.raises(ValueError, match="churn_interval"):  # a shift without an interval
        sim.simulate_cache("lru", 10, 100, 1.0, 100, churn_shift=3)
    with pytest.raises(ValueError, match="churn_interval"):
        sim.zipf_requests(100, 1.0, 10, churn_shift=3)
    with pytest.raises(ValueError, match="churn_interval"):  # a trace is replayed as given
        sim.simulate_cache("lru", 10, 100, 1.0, trace=[1, 2, 3], churn_interval=2)
    with pytest.raises(ValueError, match="items"):
        sim.ItemSizes.fixed(10).of([3, -1])
    with pytest.raises(ValueError, match="trace"):
        sim.simulate_cache("lru", 10, 100, 1.0, trace=np.array([1, 2**63 + 5], dtype=np.uint64))
    with pytest.raises(TypeError, match="level"):
        sim.simulate_cache("lru", 10, 100, 1.0, 100, level="high")
    with pytest.raises(ValueError, match="high_bytes"):
        sim.ItemSizes.uniform(100, 10).of([1])
    with pytest.raises(ValueError, match="low_bytes"):
        sim.ItemSizes.uniform(0, 10).of([1])
    with pytest.raises(TypeError, match="sizes"):
        sim.simulate_cache("lru", 10, 100, 1.0, 100, sizes="big")
    with pytest.raises(TypeError, match="policy"):
        sim.simulate_cache(1, 10, 100, 1.0, 100)
    with pytest.raises(ValueError, match="capacity_bytes must be a finite number > 0"):
        sim.simulate_cache("lru", None, 100, 1.0, 100, capacity_bytes=-1.0)
    with pytest.raises(ValueError, match="ttl_s must be a finite number > 0"):
        sim.simulate_cache("lru", 10, 100, 1.0, 100, ttl_s=math.inf, request_rate=5)
    with pytest.raises(ValueError, match="request_rate must be a finite number > 0"):
        sim.simulate_cache("lru", 10, 100, 1.0, 100, request_rate=0)
    with pytest.raises(ValueError, match="churn_interval must be a whole number >= 1"):
        sim.simulate_cache("lru", 10, 100, 1.0, 100, churn_interval=0)
    with pytest.raises(ValueError, match="churn_shift must be a whole number >= 0"):
        sim.simulate_cache("lru", 10, 100, 1.0, 100, churn_interval=5, churn_shift=-1)
    with pytest.raises(ValueError, match="trace must hold"):
        sim.simulate_cache("lru", 10, 100, 1.0, 5, trace=[])
    with pytest.raises(ValueError, match="replications"):
        sim.simulate_cache("lru", 10, 100, 1.0, 100, replications=0)
    with pytest.raises(ValueError, match="warmup"):
        sim.simulate_cache("lru", 10, 100, 1.0, 100, warmup=-1)
    with pytest.raises(TypeError, match="capacity"):
        sim.simulate_cache("lru", "10", 100, 1.0, 100)


def test_the_engine_takes_a_typed_config_and_parses_names_once() -> None:
    assert sim.CACHE_POLICIES == ("lru", "lfu", "fifo", "ttl")
    assert sim.SIZE_KINDS == ("fixed", "uniform", "lognormal", "pareto")
    config = sm._core.sim.CacheConfig()
    with pytest.raises(ValueError, match="policy must be one of lru, lfu, fifo, ttl; got 'arc'"):
        config.policy = "arc"
    config.policy = "lfu"
    assert config.policy == "lfu"
    spec = sm._core.sim.SizeSpec()
    with pytest.raises(ValueError, match="sizes kind must be one of fixed"):
        spec.kind = "huge"
    config.capacity, config.catalogue_size, config.zipf_alpha, config.requests = 10, 100, 1.0, 1000
    run = sm._arrays.run_spec(seed=1, replications=2, threads=1)
    raw = sm._core.sim.simulate_cache(config, run)  # no trace: Zipf requests
    kw = {"warmup": 0, "replications": 2, "seed": 1, "threads": 1}
    assert (
        raw["hit_ratio"].tolist()
        == sim.simulate_cache("lfu", 10, 100, 1.0, 1000, **kw).replication_values("hit_ratio").tolist()
    )
    assert sim.ItemSizes.pareto(100, 1.5).kind == "pareto"


@settings(max_examples=40, deadline=None)
@given(
    trace=st.lists(st.integers(0, 29), min_size=1, max_size=300),
    capacity=st.integers(1, 12),
    policy=st.sampled_from(["lru", "fifo", "lfu"]),
)
def test_any_trace_matches_the_reference(trace, capacity, policy) -> None:
    ids = np.array(trace, dtype=np.int64)
    reference = {"lru": lru_hits, "fifo": fifo_hits, "lfu": lfu_hits}[policy]
    r = sim.simulate_cache(policy, capacity, 30, 1.0, trace=ids, warmup=0, replications=1)
    assert r.estimate("hits") == reference(ids, capacity, 0)
    assert r.estimate("fill_items") == min(capacity, len(set(trace)))
