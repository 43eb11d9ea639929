"""C3.3: cache-aside latency at 80% hits."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq
from verdicts import CONDITIONAL, HOLDS, Verdict, across

import scalemodel as sm

C3_3 = Verdict(
    "C3.3",
    CONDITIONAL,
    conditions="the mean (3 ms at 80% hits) holds whatever the latency distributions; the p99 "
    "equals the 11 ms miss latency only when database latency is fixed, otherwise it is the "
    "miss path's 95th percentile (misses are 20% of requests), so 11 ms is a lower bound",
    figures="p99 11 ms with fixed latencies; 20 ms at database-latency SCV 0.25, 31 ms "
    "(1 + 10 ln 20) exponential, 39 ms at SCV 2; p99 falls to the 1 ms hit latency only from "
    "99% hits",
)


def test_c3_3_cache_aside_mean_and_p99() -> None:
    """C3.3 Holds as stated for the mean: 0.8 x 1 ms + 0.2 x 11 ms = 3 ms. The p99 is the
    miss latency, 11 ms, not anything near 3 ms: misses are 20% of requests, far more than
    the 1% a p99 may ignore, and p99 falls to the hit latency only once misses drop below
    1% (hit ratio >= 99%). Checked against the closed form and a simulated LRU cache tuned
    (by Che's approximation) to an 80% hit ratio.

    Assumes: fixed latencies (1 ms hit, 10 ms database read after the 1 ms cache miss), an
    LRU cache over Zipf 0.9 requests to 50,000 items sized for 80% hits."""
    load = sm.caching.write_policy_load(
        "cache_aside", 1000, 0, 0.8, cache_latency_s=0.001, db_read_latency_s=0.010
    )
    assert load.mean_latency_s == pytest.approx(0.003, rel=1e-12)
    assert load.quantile_latency_s == pytest.approx(0.011, rel=1e-12)
    assert sm.caching.write_policy_load("cache_aside", 1000, 0, 0.995).quantile_latency_s == pytest.approx(
        0.001
    )

    n, alpha = 50_000, 0.9
    capacity = round(brentq(lambda c: sm.caching.che_hit_ratio(alpha, n, c) - 0.8, 10, n - 1))
    r = sm.sim.simulate_cache(
        "lru", capacity, n, alpha, 300_000, replications=8, seed=33, hit_latency_s=0.001, miss_latency_s=0.011
    )
    assert abs(r.hit_ratio - 0.8) <= 4 * r.half_width("hit_ratio") + 0.01  # Che's ~1% model error
    expected_mean = 0.001 * r.hit_ratio + 0.011 * (1 - r.hit_ratio)
    assert r.mean_latency_s == pytest.approx(expected_mean, rel=1e-12)
    assert abs(r.mean_latency_s - 0.003) <= 0.010 * (4 * r.half_width("hit_ratio") + 0.01)
    assert r.tail_latency_s == pytest.approx(0.011)


def test_c3_3_p99_with_variable_database_latency() -> None:
    """C3.3 The 11 ms p99 assumes every database read takes exactly 10 ms. With database
    reads of mean 10 ms that vary, 20% of requests are misses, so the p99 of all requests
    is the 95th percentile of the miss path: 1 + 10 ln 20 = 31 ms for exponential reads,
    20 ms already at a squared coefficient of variation of 0.25 and 39 ms at 2. The mean
    stays 3 ms at every variability. Checked against a NumPy sample (order-statistic
    interval at 4 standard deviations).

    Assumes: 80% hits at a fixed 1 ms; a miss costs 1 ms plus a gamma database read of mean
    10 ms and squared coefficient of variation 0-2 (1: exponential)."""
    hit, db = 0.001, 0.010

    def read(scv: float) -> sm.distributions.Distribution:
        return sm.distributions.Deterministic(db) if scv == 0 else sm.distributions.Gamma(db, scv)

    def p99(scv: float) -> float:
        return hit + float(read(scv).quantile(1 - 0.01 / 0.2))

    assert p99(0.0) == pytest.approx(0.011, rel=1e-12)
    assert p99(1.0) == pytest.approx(0.001 + 0.010 * np.log(20), rel=1e-9)
    for scv, want in ((0.25, 0.0204), (2.0, 0.0394)):
        assert p99(scv) == pytest.approx(want, rel=0.01)

    g = np.random.default_rng(333)
    n = 400_000
    is_miss = g.random(n) < 0.2
    latency = np.where(is_miss, hit + g.exponential(db, n), hit)
    assert abs(latency.mean() - 0.003) <= 4 * latency.std() / np.sqrt(n)
    k = 4 * np.sqrt(n * 0.99 * 0.01)
    ordered = np.sort(latency)
    assert ordered[int(0.99 * n - k)] <= p99(1.0) <= ordered[int(0.99 * n + k)]

    scvs = (0.0, 0.25, 0.5, 1.0, 2.0)
    p99_is_11ms = across("database latency SCV", scvs, lambda scv: p99(scv) <= 0.011 * 1.001)
    assert p99_is_11ms.holding() == [0.0]
    mean_is_3ms = across(
        "database latency SCV", scvs, lambda scv: abs(hit + 0.2 * read(scv).mean - 0.003) < 1e-15
    )
    assert mean_is_3ms.status == HOLDS
    C3_3.check(p99_is_11ms, mean_is_3ms)
