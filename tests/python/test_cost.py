"""Cost calculators and the price catalogue (scalemodel.cost) against hand-derived answers.

Oracles, per test: arithmetic written out from the definitions in
cpp/include/scalemodel/cost/estimate.hpp (a day is 86,400 s, a year 365 days, a GB 1e9
bytes); the growth integral by scipy.integrate.quad; expected distinct shards by a NumPy
Monte Carlo (fixed seed, tolerance from its standard error) and by exact enumeration of
every key placement for small cases; consumer-group throughput by brute force over every
assignment of partitions to consumers; the catalogue against the guide's quoted prices.

Tolerances: a closed form of a few double operations is good to ~10 EPS relative, so
rel=1e-13 is used for those; quad is asked for epsrel=1e-13 and the comparison uses
rel=1e-11.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import integrate

from scalemodel import cost

DAY = 86_400.0
GB = 1e9
TB = 1e12


# ---------------------------------------------------------------------------- traffic


def test_estimate_traffic_guide_example() -> None:
    """1e6 users x 86.4 requests a day = 86.4e6 requests / 86,400 s = 1,000 req/s on average."""
    t = cost.estimate_traffic(1e6, 86.4, 0.1, 3.0)
    assert t.average_qps == pytest.approx(1000.0, rel=1e-13)
    assert t.peak_qps == pytest.approx(3000.0, rel=1e-13)
    assert t.average_write_qps == pytest.approx(100.0, rel=1e-13)
    assert t.average_read_qps == pytest.approx(900.0, rel=1e-13)
    assert t.peak_write_qps == pytest.approx(300.0, rel=1e-13)
    assert t.peak_read_qps == pytest.approx(2700.0, rel=1e-13)
    assert t.writes_per_day == pytest.approx(8.64e6, rel=1e-13)


def test_estimate_traffic_defaults_and_edges() -> None:
    """peak_to_average defaults to 1 (peak = average); write_fraction 0 and 1 put all on one side."""
    t = cost.estimate_traffic(50_000, 60, 0.0)
    average = 50_000 * 60 / DAY
    assert t.average_qps == pytest.approx(average, rel=1e-13)
    assert t.peak_qps == pytest.approx(average, rel=1e-13)
    assert t.peak_write_qps == 0.0 and t.writes_per_day == 0.0
    assert t.peak_read_qps == pytest.approx(average, rel=1e-13)
    t1 = cost.estimate_traffic(50_000, 60, 1.0, 4.0)
    assert t1.peak_read_qps == pytest.approx(0.0, abs=1e-12)
    assert t1.peak_write_qps == pytest.approx(4 * average, rel=1e-13)
    assert t1.writes_per_day == pytest.approx(50_000 * 60, rel=1e-13)


# ---------------------------------------------------------------------------- storage


def test_stored_bytes_without_growth_is_linear() -> None:
    """No growth: 1 GB a day for 3 years at 3 copies = 1e9 x 365 x 3 x 3 bytes."""
    assert cost.stored_bytes(1e9, 3.0, 3.0, 0.0) == pytest.approx(1e9 * 365 * 3 * 3, rel=1e-13)
    assert cost.stored_bytes(1e9, 3.0) == pytest.approx(1e9 * 365 * 3, rel=1e-13)
    assert cost.stored_bytes(1e9, 0.0, 3.0, 0.5) == 0.0
    # Linear in years and in the daily volume.
    assert cost.stored_bytes(2e9, 6.0) == pytest.approx(4 * cost.stored_bytes(1e9, 3.0), rel=1e-13)


@pytest.mark.parametrize(
    ("growth", "years"), [(0.5, 3.0), (1.0, 5.0), (0.1, 10.0), (-0.3, 4.0), (1e-9, 2.0), (2.5, 0.5)]
)
def test_stored_bytes_with_growth_is_the_integral_of_the_daily_volume(growth: float, years: float) -> None:
    """Oracle: daily volume v(t) = v0 (1+g)^t (t in years); bytes = 365 v0 x integral_0^Y (1+g)^t dt x copies,
    the integral by scipy.integrate.quad."""
    v0, copies = 2.5e9, 3.0
    integral, err = integrate.quad(lambda t: (1.0 + growth) ** t, 0.0, years, epsabs=0, epsrel=1e-13)
    assert err < 1e-12 * integral
    expected = 365 * v0 * integral * copies
    assert cost.stored_bytes(v0, years, copies, growth) == pytest.approx(expected, rel=1e-11)


def test_stored_bytes_growth_one_year_by_hand() -> None:
    """g = 1 (doubling), 1 year: integral_0^1 2^t dt = 1 / ln 2."""
    assert cost.stored_bytes(1.0, 1.0, 1.0, 1.0) == pytest.approx(365 / math.log(2), rel=1e-13)


# ---------------------------------------------------------------------------- shards


def test_shard_count_by_writes_and_by_bytes() -> None:
    """The larger of ceil(writes / per-shard writes) and ceil(bytes / per-shard bytes), at least 1."""
    # writes bind: 25,000 / 10,000 = 2.5 -> 3; bytes 1 TB / 16 TB -> 1
    assert cost.shard_count(25_000, 1 * TB) == 3
    # bytes bind: 40 TB / 16 TB = 2.5 -> 3; writes 100 / 10,000 -> 1
    assert cost.shard_count(100, 40 * TB) == 3
    # both: max(ceil(5.1), ceil(7.5)) = 8
    assert cost.shard_count(51_000, 120 * TB) == 8
    # nothing to store or write still needs one shard
    assert cost.shard_count(0, 0) == 1
    # custom limits
    assert cost.shard_count(900, 0, max_write_qps_per_shard=100) == 9
    assert cost.shard_count(901, 0, max_write_qps_per_shard=100) == 10


def test_shard_count_fill() -> None:
    """Each shard filled to `fill` of its limits: 20,000 writes at 10,000 x 0.5 = 4 shards; 0.8 -> 2.5 -> 3."""
    assert cost.shard_count(20_000, 0, fill=0.5) == 4
    assert cost.shard_count(20_000, 0, fill=0.8) == 3
    assert cost.shard_count(0, 32 * TB, fill=0.5) == 4


def test_shard_count_exact_multiples_do_not_round_up() -> None:
    """20,000 writes / 10,000 per shard is 2 shards, not 3; also when floating point puts the
    ratio a hair above the integer (11,400 / (10,000 x 0.57) = 2.0000000000000004 in doubles)."""
    assert cost.shard_count(20_000, 0) == 2
    assert cost.shard_count(0, 32 * TB) == 2
    assert 11_400 / (10_000 * 0.57) > 2  # the round-off case really arises
    assert cost.shard_count(11_400, 0, fill=0.57) == 2
    # ... but a genuine excess, however small in relative terms, still adds a shard
    assert cost.shard_count(20_001, 0) == 3
    assert cost.shard_count(10_000 * (1 + 1e-9), 0) == 2


@pytest.mark.parametrize(
    "call",
    [
        lambda: cost.shard_count(0, 1e20, 10_000, 1.0),
        lambda: cost.cache_nodes(1e20, 0, 1.0, fill=1.0),
    ],
    ids=["shard_count", "cache_nodes"],
)
def test_counts_too_large_for_an_int64_are_not_silently_wrong(call: Any) -> None:
    """1e20 bytes at 1 byte per shard (or cache node) needs 1e20 of them, beyond int64 (9.2e18):
    the answer must be an error or at least that many, never a small number."""
    try:
        n = call()
    except (ValueError, OverflowError):
        return
    assert n >= 1e20, f"returned {n} for a need of 1e20"


def test_cache_nodes_by_memory_and_by_throughput() -> None:
    """ceil(max(working set / (node bytes x fill), qps / (node qps x fill))), at least 1."""
    # memory: 1 TB / (26 GB x 0.8) = 48.08 -> 49; throughput 1e5 / 8e4 -> 2
    assert cost.cache_nodes(1 * TB, 1e5, 26 * GB) == 49
    # throughput: 1e6 / (1e5 x 0.8) = 12.5 -> 13; memory 10 GB / 20.8 GB -> 1
    assert cost.cache_nodes(10 * GB, 1e6, 26 * GB) == 13
    # exact multiple: 80 GB / (10 GB x 0.8) = 10 nodes, not 11
    assert cost.cache_nodes(80 * GB, 0, 10 * GB) == 10
    assert cost.cache_nodes(100 * GB, 0, 10 * GB, fill=1.0) == 10
    assert cost.cache_nodes(0, 0, 10 * GB) == 1
    assert cost.cache_nodes(0, 300_000, 10 * GB, node_qps=100_000, fill=1.0) == 3


# ------------------------------------------------------------------- shards touched


def monte_carlo_touched(shards: int, fanout: int, trials: int, seed: int) -> tuple[float, float]:
    """Mean and standard error of the number of distinct shards among `fanout` uniform draws."""
    rng = np.random.default_rng(seed)
    keys = np.sort(rng.integers(0, shards, size=(trials, fanout)), axis=1)
    distinct = 1 + np.count_nonzero(np.diff(keys, axis=1), axis=1)
    return float(distinct.mean()), float(distinct.std(ddof=1) / math.sqrt(trials))


@pytest.mark.parametrize(("shards", "fanout"), [(10, 5), (64, 20), (3, 10), (100, 100), (1000, 7)])
def test_expected_shards_touched_matches_monte_carlo(shards: int, fanout: int) -> None:
    """Oracle: 50,000 simulated requests (seed fixed); within 5 standard errors of the sample mean."""
    mean, se = monte_carlo_touched(shards, fanout, 50_000, seed=shards * 1000 + fanout)
    got = cost.expected_shards_touched(shards, fanout)
    assert abs(got - mean) <= 5 * se + 1e-12, (got, mean, se)


@pytest.mark.parametrize(("shards", "fanout"), [(2, 2), (3, 2), (2, 3), (4, 3), (5, 4), (3, 6)])
def test_expected_shards_touched_by_enumeration(shards: int, fanout: int) -> None:
    """Oracle: average distinct count over all shards^fanout equally likely placements."""
    counts = [len(set(p)) for p in itertools.product(range(shards), repeat=fanout)]
    assert cost.expected_shards_touched(shards, fanout) == pytest.approx(np.mean(counts), rel=1e-13)


def test_expected_shards_touched_exact_small_cases() -> None:
    """One key touches one shard; one shard is all there is to touch; no keys touch nothing."""
    for shards in (1, 2, 16, 1e6):
        assert cost.expected_shards_touched(shards, 1) == pytest.approx(1.0, rel=1e-12)
    for fanout in (1, 2, 50, 1e6):
        assert cost.expected_shards_touched(1, fanout) == pytest.approx(1.0, rel=1e-15)
    assert cost.expected_shards_touched(16, 0) == 0.0
    # fanout >> shards touches every shard
    assert cost.expected_shards_touched(16, 10_000) == pytest.approx(16.0, rel=1e-15)


def test_expected_shards_touched_one_shard_no_keys_is_zero() -> None:
    """shards = 1, fanout = 0: reading no keys touches no shard, so 0 (by the documented formula
    1 x (1 - (1 - 1/1)^0) = 1 x (1 - 1) = 0, with 0^0 = 1)."""
    assert cost.expected_shards_touched(1, 0) == 0.0


# ---------------------------------------------------------------------------- TLS


def test_tls_offload_savings_guide_example() -> None:
    """1,000 servers spending 20% on TLS fit on 800 once it moves: 200 saved, x $150 = $30,000/month."""
    saved, usd = cost.tls_offload_savings(1000, 0.2, 150)
    assert saved == pytest.approx(200.0, rel=1e-13)
    assert usd == pytest.approx(30_000.0, rel=1e-13)
    saved0, usd0 = cost.tls_offload_savings(1000, 0.0, 150)
    assert saved0 == 0.0 and usd0 == 0.0


@pytest.mark.parametrize("price", [-150.0, math.nan, math.inf])
def test_tls_offload_savings_rejects_a_bad_price(price: float) -> None:
    """usd_per_server_month is a price: like every other input it must be finite and >= 0."""
    with pytest.raises(ValueError, match="usd_per_server_month"):
        cost.tls_offload_savings(1000, 0.2, price)


# ---------------------------------------------------------------------------- cache


def test_cache_effect_guide_example() -> None:
    """1,000 req/s at 10 ms on the store = 10 s of work per second. With 80% answered by the
    cache at 1 ms: 800 x 0.001 + 200 x 0.010 = 0.8 + 2.0 = 2.8 s/s, of which 2.0 on the store.
    A store doing 10 s/s (10 workers) is 100% busy without and 20% with; it then takes 10 / 2 = 5x."""
    e = cost.cache_effect(1000, 0.8, 0.001, 0.010, 10.0)
    assert e.work_without_cache_s_per_s == pytest.approx(10.0, rel=1e-13)
    assert e.work_with_cache_s_per_s == pytest.approx(2.8, rel=1e-13)
    assert e.store_utilization_without == pytest.approx(1.0, rel=1e-13)
    assert e.store_utilization_with == pytest.approx(0.2, rel=1e-13)
    assert e.headroom == pytest.approx(5.0, rel=1e-13)


def test_cache_effect_edges() -> None:
    """Default capacity 1 s/s; no hits leaves the store as it was; all hits leave it idle."""
    e = cost.cache_effect(50, 0.0, 0.001, 0.010)
    assert e.store_utilization_without == pytest.approx(0.5, rel=1e-13)
    assert e.store_utilization_with == pytest.approx(0.5, rel=1e-13)
    assert e.headroom == pytest.approx(2.0, rel=1e-13)
    e1 = cost.cache_effect(50, 1.0, 0.001, 0.010)
    assert e1.store_utilization_with == 0.0
    assert e1.work_with_cache_s_per_s == pytest.approx(0.05, rel=1e-13)
    assert math.isinf(e1.headroom)


# ---------------------------------------------------------------------------- CDN


def test_cdn_vs_origin_guide_example() -> None:
    """10 TB = 10,000 GB: $0.10/GB from the origin = $1,000; through a CDN at $0.005/GB
    answering everything = $50 and nothing leaves the origin."""
    c = cost.cdn_vs_origin(10 * TB, 0.10, 0.005, 1.0)
    assert c.origin_only_usd == pytest.approx(1000.0, rel=1e-13)
    assert c.with_cdn_usd == pytest.approx(50.0, rel=1e-13)
    assert c.origin_bytes_with_cdn == 0.0


def test_cdn_vs_origin_misses_still_pay_the_origin() -> None:
    """Hit ratio 0.9: the CDN carries all 10,000 GB ($50) and 10% (1,000 GB) still leaves the
    origin ($100): $150."""
    c = cost.cdn_vs_origin(10 * TB, 0.10, 0.005, 0.9)
    assert c.origin_bytes_with_cdn == pytest.approx(1 * TB, rel=1e-13)
    assert c.with_cdn_usd == pytest.approx(150.0, rel=1e-13)
    assert c.origin_only_usd == pytest.approx(1000.0, rel=1e-13)


# ---------------------------------------------------------------------------- topics


def test_topic_sizing_guide_examples() -> None:
    """1M msg/s at 10K per consumer = 100 consumers, so at least 100 partitions. A group of 5
    consumers on 10 partitions: 5 active, 5 x 10K = 50K msg/s. 12 on 10 partitions: 2 idle."""
    s = cost.topic_sizing(1e6, 1e4, 5e4, 10, 5)
    assert s.consumers_needed == 100
    assert s.partitions_needed == 100
    assert s.active_consumers == 5 and s.idle_consumers == 0
    assert s.group_throughput == pytest.approx(50_000.0, rel=1e-13)
    s12 = cost.topic_sizing(1e6, 1e4, 5e4, 10, 12)
    assert s12.active_consumers == 10 and s12.idle_consumers == 2
    assert s12.group_throughput == pytest.approx(100_000.0, rel=1e-13)


def test_topic_sizing_partition_limit() -> None:
    """Partitions take 5K msg/s each: 1M msg/s needs 200 partitions though 100 consumers keep up;
    10 partitions then cap the group at 50K however many consumers read them."""
    s = cost.topic_sizing(1e6, 1e4, 5e3, 10, 10)
    assert s.consumers_needed == 100
    assert s.partitions_needed == 200
    assert s.group_throughput == pytest.approx(50_000.0, rel=1e-13)
    # exact multiple: 20,000 / 10,000 = 2 consumers, not 3
    assert cost.topic_sizing(20_000, 10_000, 1e9, 1, 1).consumers_needed == 2
    assert cost.topic_sizing(0, 10_000, 1e9, 1, 1).consumers_needed == 1


def brute_force_group_throughput(
    partitions: int, consumers: int, consumer_rate: float, part_rate: float
) -> float:
    """Max over every split of the partitions among the consumers (one reader per partition;
    k_i partitions to consumer i, sum k_i = partitions) of sum_i min(consumer rate, k_i x partition
    rate): a consumer cannot read faster than it can consume nor than its partitions deliver."""
    best = 0.0
    # stars and bars: the C - 1 bar positions among P + C - 1 slots give every split
    for bars in itertools.combinations(range(partitions + consumers - 1), consumers - 1):
        edges = (-1, *bars, partitions + consumers - 1)
        k = np.diff(edges) - 1
        best = max(best, float(np.minimum(consumer_rate, k * part_rate).sum()))
    return best


@pytest.mark.parametrize(
    ("partitions", "consumers", "consumer_rate", "part_rate"),
    [
        (6, 2, 10.0, 3.0),
        (6, 4, 10.0, 3.0),
        (8, 3, 10.0, 3.0),
        (5, 3, 1.0, 10.0),
        (12, 5, 5.0, 5.0),
        (10, 3, 10.0, 3.0),
        (5, 2, 5.0, 2.0),
    ],
)
def test_topic_group_throughput_by_brute_force(
    partitions: int, consumers: int, consumer_rate: float, part_rate: float
) -> None:
    """Oracle: every way to split the partitions among the group's consumers. E.g. 10 partitions
    of 3 msg/s read by 3 consumers of 10 msg/s: the best split 4/3/3 gives min(10, 12) + 9 + 9 = 28
    msg/s; the two consumers with three partitions each are starved by their partitions, so the
    group does not reach min(3 x 10, 10 x 3) = 30."""
    s = cost.topic_sizing(1.0, consumer_rate, part_rate, partitions, consumers)
    expected = brute_force_group_throughput(partitions, consumers, consumer_rate, part_rate)
    assert s.group_throughput == pytest.approx(expected, rel=1e-13)


# ---------------------------------------------------------------------- broadcasting


def test_calculators_broadcast_over_arrays() -> None:
    """An array call equals the scalar calls element by element, in the broadcast shape."""
    users = np.array([1e5, 1e6, 1e7])
    peak = np.array([[1.0], [3.0]])
    t = cost.estimate_traffic(users, 86.4, 0.25, peak)
    assert np.shape(t.peak_qps) == (2, 3)
    for i, j in itertools.product(range(2), range(3)):
        one = cost.estimate_traffic(users[j], 86.4, 0.25, peak[i, 0])
        assert t.peak_qps[i, j] == one.peak_qps and t.peak_write_qps[i, j] == one.peak_write_qps

    writes = np.array([0.0, 10_000.0, 25_000.0])
    n = cost.shard_count(writes, np.array([[0.0], [40 * TB]]))
    np.testing.assert_array_equal(n, [[1, 1, 3], [3, 3, 3]])
    assert n.dtype.kind == "i"

    years = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(cost.stored_bytes(1e9, years), 1e9 * 365 * years, rtol=1e-13)

    touched = cost.expected_shards_touched(np.array([1, 2, 4]), np.array([[1], [2]]))
    np.testing.assert_allclose(touched, [[1, 1, 1], [1, 1.5, 4 * (1 - 0.75**2)]], rtol=1e-13)

    nodes = cost.cache_nodes(np.array([80 * GB, 81 * GB]), 0, 10 * GB)
    np.testing.assert_array_equal(nodes, [10, 11])

    saved, usd = cost.tls_offload_savings(np.array([100, 1000]), 0.2, 150)
    np.testing.assert_allclose(saved, [20, 200], rtol=1e-13)
    np.testing.assert_allclose(usd, [3000, 30000], rtol=1e-13)

    e = cost.cache_effect(1000, np.array([0.0, 0.8]), 0.001, 0.01, 10.0)
    np.testing.assert_allclose(e.store_utilization_with, [1.0, 0.2], rtol=1e-13)

    c = cost.cdn_vs_origin(np.array([1, 10]) * TB, 0.10, 0.005, 1.0)
    np.testing.assert_allclose(c.origin_only_usd, [100, 1000], rtol=1e-13)


def test_scalar_calls_return_scalars() -> None:
    """0-d inputs give NumPy scalars, not 0-d arrays."""
    assert np.ndim(cost.stored_bytes(1.0, 1.0)) == 0
    assert np.ndim(cost.shard_count(1.0, 1.0)) == 0
    assert np.ndim(cost.estimate_traffic(1.0, 1.0, 0.0).peak_qps) == 0


def test_shapes_that_do_not_broadcast_are_rejected() -> None:
    with pytest.raises(ValueError, match="broadcast"):
        cost.estimate_traffic(np.ones(3), np.ones(2), 0.1)


# ---------------------------------------------------------------------- bad input


BAD_INPUTS = [
    ("daily_active_users", lambda: cost.estimate_traffic(-1, 10, 0.1)),
    ("daily_active_users", lambda: cost.estimate_traffic(math.nan, 10, 0.1)),
    ("requests_per_user_per_day", lambda: cost.estimate_traffic(10, -1, 0.1)),
    ("write_fraction", lambda: cost.estimate_traffic(10, 10, 1.5)),
    ("write_fraction", lambda: cost.estimate_traffic(10, 10, -0.1)),
    ("write_fraction", lambda: cost.estimate_traffic(10, 10, math.nan)),
    ("peak_to_average", lambda: cost.estimate_traffic(10, 10, 0.1, 0.5)),
    ("peak_to_average", lambda: cost.estimate_traffic(10, 10, 0.1, math.inf)),
    ("bytes_per_day", lambda: cost.stored_bytes(-1, 1)),
    ("bytes_per_day", lambda: cost.stored_bytes(math.nan, 1)),
    ("years", lambda: cost.stored_bytes(1, -1)),
    ("replication", lambda: cost.stored_bytes(1, 1, 0.5)),
    ("yearly_growth", lambda: cost.stored_bytes(1, 1, 1, -1.0)),
    ("write_qps", lambda: cost.shard_count(-1, 0)),
    ("storage_bytes", lambda: cost.shard_count(0, math.nan)),
    ("max_write_qps_per_shard", lambda: cost.shard_count(1, 0, 0)),
    ("max_bytes_per_shard", lambda: cost.shard_count(1, 0, 10, -1)),
    ("fill", lambda: cost.shard_count(1, 0, fill=0)),
    ("fill", lambda: cost.shard_count(1, 0, fill=1.5)),
    ("shards", lambda: cost.expected_shards_touched(0.5, 3)),
    ("shards", lambda: cost.expected_shards_touched(math.nan, 3)),
    ("fanout", lambda: cost.expected_shards_touched(4, -1)),
    ("working_set_bytes", lambda: cost.cache_nodes(-1, 0, 1e9)),
    ("node_bytes", lambda: cost.cache_nodes(1, 0, 0)),
    ("node_qps", lambda: cost.cache_nodes(1, 0, 1e9, -5)),
    ("fill", lambda: cost.cache_nodes(1, 0, 1e9, fill=0)),
    ("servers", lambda: cost.tls_offload_savings(-1, 0.2, 150)),
    ("tls_cpu_fraction", lambda: cost.tls_offload_savings(10, 1.0, 150)),
    ("tls_cpu_fraction", lambda: cost.tls_offload_savings(10, -0.1, 150)),
    ("qps", lambda: cost.cache_effect(-1, 0.5, 0.001, 0.01)),
    ("hit_ratio", lambda: cost.cache_effect(1, 1.5, 0.001, 0.01)),
    ("hit_time_s", lambda: cost.cache_effect(1, 0.5, -0.001, 0.01)),
    ("store_time_s", lambda: cost.cache_effect(1, 0.5, 0.001, 0)),
    ("capacity_s_per_s", lambda: cost.cache_effect(1, 0.5, 0.001, 0.01, 0)),
    ("bytes_per_month", lambda: cost.cdn_vs_origin(-1, 0.1, 0.005, 0.9)),
    ("origin_usd_per_gb", lambda: cost.cdn_vs_origin(1, -0.1, 0.005, 0.9)),
    ("cdn_usd_per_gb", lambda: cost.cdn_vs_origin(1, 0.1, math.nan, 0.9)),
    ("cdn_hit_ratio", lambda: cost.cdn_vs_origin(1, 0.1, 0.005, 1.5)),
    ("message_rate", lambda: cost.topic_sizing(-1, 1, 1, 1, 1)),
    ("consumer_rate", lambda: cost.topic_sizing(1, 0, 1, 1, 1)),
    ("partition_rate", lambda: cost.topic_sizing(1, 1, -1, 1, 1)),
    ("partitions", lambda: cost.topic_sizing(1, 1, 1, 0, 1)),
    ("partitions", lambda: cost.topic_sizing(1, 1, 1, 2.5, 1)),
    ("consumers", lambda: cost.topic_sizing(1, 1, 1, 1, 0)),
]


@pytest.mark.parametrize(
    ("name", "call"), BAD_INPUTS, ids=[f"{i}-{n}" for i, (n, _) in enumerate(BAD_INPUTS)]
)
def test_bad_input_raises_value_error_naming_the_parameter(name: str, call: Any) -> None:
    """The message starts with the parameter's name."""
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()


def test_bad_element_in_an_array_is_reported() -> None:
    """One bad element anywhere in an array rejects the call."""
    with pytest.raises(ValueError, match="write_fraction"):
        cost.estimate_traffic(10, 10, np.array([0.1, 0.2, 1.5]))


def test_non_numbers_raise_type_error_naming_the_parameter() -> None:
    with pytest.raises(TypeError, match="daily_active_users"):
        cost.estimate_traffic("many", 10, 0.1)


# ---------------------------------------------------------------------------- catalogue


def test_bundled_catalogue_has_the_guide_prices() -> None:
    """The guide's figures: m5.xlarge 4 vCPU 16 GB $150; m5.4xlarge 16 vCPU $600; db.r5.xlarge
    $300; db.r5.4xlarge $1,200; origin $0.10/GB, CDN $0.005/GB; 10K writes/s and 16 TB per node."""
    cat = cost.Catalogue.load()
    m5 = cat.instance("m5.xlarge")
    assert (m5.kind, m5.vcpus, m5.memory_gb, m5.usd_per_month) == ("compute", 4, 16.0, 150.0)
    assert cat.instance("m5.4xlarge").vcpus == 16 and cat.instance("m5.4xlarge").usd_per_month == 600.0
    assert cat.instance("db.r5.xlarge").usd_per_month == 300.0
    assert cat.instance("db.r5.xlarge").kind == "database"
    assert cat.instance("db.r5.4xlarge").usd_per_month == 1200.0
    assert cat.instance("cache.r5.large").usd_per_month * 5 == 750.0  # five Redis nodes for $750
    assert cat.bandwidth == {"origin_usd_per_gb": 0.10, "cdn_usd_per_gb": 0.005}
    assert cat.limits["database_max_write_qps"] == 10_000
    assert cat.limits["database_max_bytes"] == 16e12
    assert cat.limits["cache_max_qps"] == 100_000
    assert set(cat.storage) == {"block_usd_per_gb_month", "object_usd_per_gb_month"}
    assert cat.sources == ("bundled prices.toml",)
    for inst in cat.instances.values():
        assert isinstance(inst.vcpus, int) and inst.vcpus >= 1 and inst.usd_per_month > 0


def test_catalogue_of_kind_and_frame() -> None:
    cat = cost.Catalogue.load()
    compute = cat.of_kind("compute")
    assert [i.vcpus for i in compute] == sorted(i.vcpus for i in compute)
    assert all(i.kind == "compute" for i in compute) and "m5.xlarge" in {i.name for i in compute}
    frame = cat.to_frame()
    assert frame.loc["db.r5.4xlarge", "usd_per_month"] == 1200.0
    assert len(frame) == len(cat.instances)


def test_catalogue_unknown_instance_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown instance 'm9\.huge'.*m5\.xlarge"):
        cost.Catalogue.load().instance("m9.huge")


def test_catalogue_override_replaces_and_adds(tmp_path: Path) -> None:
    """A user file replaces same-named entries and adds new ones; the rest stays bundled."""
    p = tmp_path / "mine.toml"
    p.write_text(
        '[instances."m5.xlarge"]\nkind = "compute"\nvcpus = 4\nmemory_gb = 16\nusd_per_month = 175\n\n'
        '[instances."c7.huge"]\nkind = "compute"\nvcpus = 64\nmemory_gb = 128.5\nusd_per_month = 2000.5\n\n'
        "[bandwidth]\norigin_usd_per_gb = 0.08\n"
    )
    bundled = cost.Catalogue.load()
    cat = cost.Catalogue.load(p)
    assert cat.instance("m5.xlarge").usd_per_month == 175.0
    new = cat.instance("c7.huge")
    assert (new.vcpus, new.memory_gb, new.usd_per_month) == (64, 128.5, 2000.5)
    assert cat.instance("db.r5.xlarge") == bundled.instance("db.r5.xlarge")
    assert set(cat.instances) == set(bundled.instances) | {"c7.huge"}
    assert cat.bandwidth == {"origin_usd_per_gb": 0.08, "cdn_usd_per_gb": 0.005}
    assert cat.limits == bundled.limits
    assert cat.sources == ("bundled prices.toml", str(p))


def test_catalogue_overrides_apply_in_order(tmp_path: Path) -> None:
    """Later files win."""
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text("[limits]\ncache_max_qps = 1\n")
    b.write_text("[limits]\ncache_max_qps = 2\n")
    assert cost.Catalogue.load(a, b).limits["cache_max_qps"] == 2.0
    assert cost.Catalogue.load(b, a).limits["cache_max_qps"] == 1.0


BAD_CATALOGUES = {
    "unknown_section": ("[discounts]\nspot = 0.3\n", "discounts"),
    "wrong_type_in_instance": (
        '[instances."x"]\nkind = "compute"\nvcpus = "4"\nmemory_gb = 16\nusd_per_month = 1\n',
        "instances.x.vcpus",
    ),
    "float_vcpus": (
        '[instances."x"]\nkind = "compute"\nvcpus = 4.5\nmemory_gb = 16\nusd_per_month = 1\n',
        "instances.x.vcpus",
    ),
    "missing_key": ('[instances."x"]\nkind = "compute"\nvcpus = 4\nmemory_gb = 16\n', "usd_per_month"),
    "unknown_instance_key": (
        '[instances."x"]\nkind = "compute"\nvcpus = 4\nmemory_gb = 16\nusd_per_month = 1\ngpus = 2\n',
        "gpus",
    ),
    "negative_price": (
        '[instances."x"]\nkind = "compute"\nvcpus = 4\nmemory_gb = 16\nusd_per_month = -1\n',
        "instances.x",
    ),
    "instance_not_a_table": ("[instances]\nx = 5\n", "instances.x"),
    "string_price": ('[bandwidth]\norigin_usd_per_gb = "cheap"\n', "bandwidth.origin_usd_per_gb"),
    "negative_limit": ("[limits]\ncache_max_qps = -1\n", "limits.cache_max_qps"),
    "bool_limit": ("[limits]\ncache_max_qps = true\n", "limits.cache_max_qps"),
    "invalid_toml": ("[limits\n", ""),
    "section_not_a_table": ("bandwidth = 5\n", "bandwidth"),
    "instances_not_a_table": ("instances = 5\n", "instances"),
}


@pytest.mark.parametrize("case", sorted(BAD_CATALOGUES))
def test_bad_catalogue_raises_value_error_with_the_file_name(tmp_path: Path, case: str) -> None:
    """Every kind of bad price file is a ValueError whose message names the file and the entry."""
    text, key = BAD_CATALOGUES[case]
    p = tmp_path / f"{case}.toml"
    p.write_text(text)
    with pytest.raises(ValueError) as info:
        cost.Catalogue.load(p)
    message = str(info.value)
    assert str(p) in message
    assert key in message
