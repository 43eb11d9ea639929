"""Closed-form cache models (sm.caching) against mpmath, brute force and Monte Carlo; the
old sm.sim spellings still work and warn."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

import scalemodel as sm

caching = sm.caching


# --- closed forms against mpmath and brute force ---------------------------------------------
def _harmonic(k: int, alpha: float) -> mpmath.mpf:
    if alpha == 1.0:
        return mpmath.harmonic(k)
    return mpmath.zeta(alpha) - mpmath.zeta(alpha, k + 1)  # analytic continuation covers alpha < 1


@pytest.mark.parametrize("alpha", [0.0, 0.5, 0.9, 1.0, 1.1, 2.0])
@pytest.mark.parametrize(("n", "fraction"), [(1_000_000, 0.2), (10**9, 0.1), (5000, 0.013)])
def test_top_share_matches_mpmath(alpha, n, fraction) -> None:
    mpmath.mp.dps = 30
    k = round(fraction * n)
    exact = _harmonic(k, alpha) / _harmonic(n, alpha) if alpha > 0 else mpmath.mpf(k) / n
    assert caching.top_share(alpha, n, fraction) == pytest.approx(float(exact), rel=1e-12)


def test_share_inverses_round_trip() -> None:
    alpha = caching.zipf_alpha_for_share(100_000, [0.2, 0.1], [0.8, 0.9])
    assert np.allclose(caching.top_share(alpha, 100_000, [0.2, 0.1]), [0.8, 0.9], rtol=1e-10)
    f = caching.items_for_share(0.9, 100_000, 0.5)
    assert caching.top_share(0.9, 100_000, f) >= 0.5 > caching.top_share(0.9, 100_000, f - 1e-5)
    assert caching.zipf_alpha_for_share(1000, 0.2, 0.2) == 0.0


def test_che_time_solves_its_equation() -> None:
    n, c, alpha = 5000, 250, 0.8
    t = caching.che_characteristic_time(alpha, n, c)
    p = np.arange(1, n + 1, dtype=float) ** -alpha
    p /= p.sum()
    assert np.sum(-np.expm1(-p * t)) == pytest.approx(c, rel=1e-10)
    assert caching.che_hit_ratio(alpha, n, c) == pytest.approx(np.sum(p * -np.expm1(-p * t)), rel=1e-10)
    assert caching.che_hit_ratio(alpha, n, [0, n]).tolist() == [0.0, 1.0]


@pytest.mark.parametrize("alpha", [0.0, 0.7, 1.0, 1.3])
def test_che_and_ttl_on_a_large_catalogue_match_the_direct_sums(alpha) -> None:
    # Past 8192 ranks the engine sums by Euler-Maclaurin; the O(N) sums in NumPy (pairwise)
    # at the T it solved must give back the capacity and its hit ratio to ~1e-10.
    n = 10_000_000
    p = np.arange(1, n + 1, dtype=float) ** -alpha
    p /= np.sum(p)
    for capacity in [20, 30_000, 4_000_000]:
        for policy, occupancy in [("lru", lambda x: -np.expm1(-x)), ("fifo", lambda x: x / (1 + x))]:
            t = float(caching.che_characteristic_time(alpha, n, capacity, policy))
            held = occupancy(p * t)
            assert np.sum(held) == pytest.approx(capacity, rel=1e-10)
            hit = caching.che_hit_ratio(alpha, n, capacity, policy)
            assert hit == pytest.approx(np.sum(p * held), rel=1e-10)
        x = p * (capacity / 10.0)
        assert caching.ttl_hit_ratio(alpha, n, capacity / 100.0, 10.0) == pytest.approx(
            np.sum(p * x / (1 + x)), rel=1e-10
        )


@pytest.mark.parametrize("policy", ["cache_aside", "write_through", "write_behind"])
def test_write_policy_against_enumerated_requests(policy) -> None:
    reads, writes, hit = 900, 100, 0.8
    out = caching.write_policy_load(
        policy, reads, writes, hit, cache_latency_s=0.001, db_read_latency_s=0.01, db_write_latency_s=0.02
    )
    write_latency = 0.001 if policy == "write_behind" else 0.021
    latencies = np.array([0.001] * 720 + [0.011] * 180 + [write_latency] * 100)
    assert out.mean_latency_s == pytest.approx(latencies.mean(), rel=1e-12)
    assert out.quantile_latency_s == np.quantile(latencies, 0.99, method="inverted_cdf")
    assert out.db_reads_per_s == pytest.approx(180)
    assert out.db_writes_per_s == writes


@pytest.mark.parametrize("ttl_s", [600.0, 3600.0, 120.0])
def test_cdn_staleness_against_monte_carlo(ttl_s) -> None:
    rng = np.random.default_rng(0)
    n = 400_000
    stale = np.minimum(rng.uniform(0, ttl_s, n), rng.uniform(300, 900, n))
    out = caching.cdn_staleness(ttl_s, 300, 900)
    assert abs(out.mean_s - stale.mean()) <= 4 * stale.std() / math.sqrt(n)
    assert out.worst_s == min(ttl_s, 900)


def test_bad_input_raises_value_or_type_error() -> None:
    with pytest.raises(ValueError, match="share"):
        caching.zipf_alpha_for_share(1000, 0.2, 0.1)
    with pytest.raises(ValueError, match="fraction"):
        caching.top_share(1.0, 1000, 1.5)
    with pytest.raises(ValueError, match="hit_ratio"):
        caching.write_policy_load("cache_aside", 100, 10, 1.2)
    with pytest.raises(ValueError, match="policy must be one of cache_aside, write_through, write_behind"):
        caching.write_policy_load("write_around", 100, 10, 0.5)
    with pytest.raises(TypeError, match="policy"):
        caching.write_policy_load(1, 100, 10, 0.5)
    with pytest.raises(ValueError, match="policy must be one of lru, fifo"):
        caching.che_hit_ratio(1.0, 1000, 10, policy="lfu")
    with pytest.raises(ValueError, match="catalogue_size"):
        caching.che_hit_ratio(1.0, 0, 10)
    with pytest.raises(ValueError, match="zipf_alpha"):
        caching.ttl_hit_ratio(-1.0, 1000, 10, 5)
    with pytest.raises(ValueError, match="invalidation_max_s"):
        caching.cdn_staleness(60, 300, 100)


def test_names_come_from_the_engine() -> None:
    assert caching.WRITE_POLICIES == ("cache_aside", "write_through", "write_behind")
    assert caching.CHE_POLICIES == ("lru", "fifo")
    assert caching.write_policy_load("write-through", 10, 1, 0.5).policy == "write-through"
    assert "np" not in dir(caching)


@pytest.mark.parametrize(
    "name",
    [
        "WRITE_POLICIES",
        "Staleness",
        "WritePolicyLoad",
        "cdn_staleness",
        "che_characteristic_time",
        "che_hit_ratio",
        "items_for_share",
        "top_share",
        "ttl_hit_ratio",
        "write_policy_load",
        "zipf_alpha_for_share",
    ],
)
def test_old_sim_name_warns_and_gives_the_caching_object(name) -> None:
    with pytest.warns(DeprecationWarning, match=f"scalemodel.caching.{name}"):
        old = getattr(sm.sim, name)
    assert old is getattr(caching, name)
    assert name not in sm.sim.__all__
