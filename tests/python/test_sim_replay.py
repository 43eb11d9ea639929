"""Exact replay (arrivals with their service times) and the two power-of-d variants,
against independent oracles: Lindley's recursion per backend, and the order of policies."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from fifo import lindley

from scalemodel import distributions as D
from scalemodel import hashing as H
from scalemodel import sim as S


@pytest.fixture(scope="module")
def recording() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    n = 4000
    t = np.cumsum(rng.exponential(1 / 300.0, n))
    svc = np.where(rng.random(n) < 0.99, 0.01, 1.0)  # 99% 10 ms, 1% 1 s
    return t, svc


def test_round_robin_replay_is_exact(recording: tuple[np.ndarray, np.ndarray]) -> None:
    t, svc = recording
    res = S.simulate_balancer(
        "round_robin", 4, t, None, service_times_s=svc, warmup=0, replications=2, seed=1
    )
    # request i goes to backend i mod 4: each backend is a FIFO single server
    resp = np.empty_like(t)
    for b in range(4):
        resp[b::4] = lindley(t[b::4], svc[b::4])
    assert res.replication_values("mean_response") == pytest.approx([resp.mean()] * 2, rel=1e-12)
    assert res.estimate("completed") == t.size
    q = res.response_quantile(0.99)
    assert q == pytest.approx(np.quantile(resp, 0.99, method="inverted_cdf"), rel=S.HISTOGRAM_RELATIVE_ERROR)


def test_single_station_replay_is_exact(recording: tuple[np.ndarray, np.ndarray]) -> None:
    t, svc = recording
    res = S.simulate_queue(t, None, 1, service_times_s=svc / 4, warmup=100, replications=1)
    resp = lindley(t, svc / 4)[100:]
    assert res.mean_response == pytest.approx(resp.mean(), rel=1e-12)


def test_replay_arguments_are_checked(recording: tuple[np.ndarray, np.ndarray]) -> None:
    t, svc = recording
    with pytest.raises(ValueError, match="one entry per replayed timestamp"):
        S.simulate_balancer("random", 2, t, None, service_times_s=svc[:-1])
    with pytest.raises(ValueError, match="not both"):
        S.simulate_balancer("random", 2, t, 0.01, service_times_s=svc)
    with pytest.raises(ValueError, match="timestamps to replay"):
        S.simulate_balancer("random", 2, 100.0, None, service_times_s=svc)
    with pytest.raises(ValueError, match="service_times"):
        S.simulate_balancer("random", 2, t, None, service_times_s=-svc)
    with pytest.raises(TypeError, match="service"):
        S.simulate_balancer("random", 2, t, None)
    with pytest.raises(TypeError, match="replacement"):
        S.simulate_balancer("power_of_d", 2, 1.0, 0.1, replacement="no")


def test_power_of_d_without_replacement_balances_better() -> None:
    # 4 backends at 85% load, the workload of the haproxy lab: 99% 10 ms, 1% 1 s
    svc = D.Mixture([(0.99, D.Deterministic(0.01)), (0.01, D.Deterministic(1.0))])
    rate = 0.85 * 4 / svc.mean
    kw = dict(customers=100_000, replications=10, seed=4)
    with_r = S.simulate_balancer("power_of_d", 4, rate, svc, d=2, **kw)
    without = S.simulate_balancer("power_of_d", 4, rate, svc, d=2, replacement=False, **kw)
    assert without.params["replacement"] is False and with_r.params["replacement"] is True
    # the same seed draws the same arrivals and sizes (common random numbers): the paired
    # per-replication difference has a small spread
    diff = with_r.replication_values("mean_response") - without.replication_values("mean_response")
    assert diff.mean() - 4.8 * diff.std(ddof=1) / np.sqrt(diff.size) > 0  # t(9) at 99.9%
    assert 0.1 < diff.mean() / with_r.mean_response < 0.4
    # d >= backends without replacement looks at every backend: least connections
    lc = S.simulate_balancer("least_connections", 4, rate, svc, **kw)
    allb = S.simulate_balancer("power_of_d", 4, rate, svc, d=4, replacement=False, **kw)
    lo, hi = lc.ci("mean_response", 0.999)
    lo2, hi2 = allb.ci("mean_response", 0.999)
    assert lo2 <= hi and lo <= hi2
    # d = 1 either way is random routing
    one = S.simulate_balancer("power_of_d", 4, rate, svc, d=1, replacement=False, **kw)
    rnd = S.simulate_balancer("random", 4, rate, svc, **kw)
    assert one.ci("mean_response", 0.999)[0] <= rnd.ci("mean_response", 0.999)[1]
    assert rnd.ci("mean_response", 0.999)[0] <= one.ci("mean_response", 0.999)[1]


def test_weighted_draws_of_random_and_power_of_d() -> None:
    w = np.array([0.28, 0.17, 0.25, 0.30])  # haproxy's random(1) shares measured on 4 servers
    kw = dict(customers=200_000, replications=4, seed=5)
    for policy, d in (("random", 2), ("power_of_d", 1)):
        res = S.simulate_balancer(policy, 4, 1.0, 0.01, weights=w, d=d, **kw)
        share = res.backends()["arrival_share"].to_numpy()
        # binomial standard error of a share over 800,000 requests: < 0.0006
        np.testing.assert_allclose(share, w / w.sum(), atol=0.003)
    uniform = S.simulate_balancer("random", 4, 1.0, 0.01, **kw).backends()["arrival_share"]
    np.testing.assert_allclose(uniform, 0.25, atol=0.003)
    # unequal draws balance worse: power of two with haproxy's arcs against uniform draws
    svc = D.Mixture([(0.99, D.Deterministic(0.01)), (0.01, D.Deterministic(1.0))])
    rate = 0.7 * 4 / svc.mean
    kw = dict(customers=100_000, replications=10, seed=6)
    even = S.simulate_balancer("power_of_d", 4, rate, svc, **kw)
    skew = S.simulate_balancer("power_of_d", 4, rate, svc, weights=w, **kw)
    diff = skew.replication_values("mean_response") - even.replication_values("mean_response")
    assert diff.mean() - 4.8 * diff.std(ddof=1) / np.sqrt(diff.size) > 0
    # without replacement, drawing all four by weight still looks at all four
    allw = S.simulate_balancer("power_of_d", 4, rate, svc, d=4, replacement=False, weights=w, **kw)
    lc = S.simulate_balancer("least_connections", 4, rate, svc, **kw)
    assert abs(allw.mean_response / lc.mean_response - 1) < 0.05
    with pytest.raises(ValueError, match="weights"):
        S.simulate_balancer("random", 2, 1.0, 0.01, weights=[0.0, 0.0])


def test_sticky_replays_client_keys(recording: tuple[np.ndarray, np.ndarray]) -> None:
    t, svc = recording
    quarter = svc / 4
    # one client: every request on one backend, a FIFO single server (Lindley)
    one = S.simulate_balancer(
        "sticky",
        3,
        t,
        None,
        service_times_s=quarter,
        client_keys=["10.0.0.1"] * t.size,
        warmup=0,
        replications=2,
    )
    assert one.mean_response == pytest.approx(lindley(t, quarter).mean(), rel=1e-12)
    assert one.replication_values("imbalance").tolist() == [3.0, 3.0]  # all on one of three
    # three clients of 50%, 30% and 20% of the requests: each keeps its backend, so every
    # backend's share is a sum of whole clients' shares
    n = t.size
    keys = np.array(["a"] * (n // 2) + ["b"] * (3 * n // 10) + ["c"] * (n - n // 2 - 3 * n // 10))
    keys = np.random.default_rng(3).permutation(keys)
    shares = [np.mean(keys == k) for k in "abc"]
    sums = {round(sum(sub), 9) for m in range(4) for sub in itertools.combinations(shares, m)}
    for seed in range(4):
        res = S.simulate_balancer(
            "sticky", 3, t, 0.001, client_keys=keys, warmup=0, replications=1, seed=seed
        )
        for share in res.backends()["arrival_share"]:
            assert round(share, 9) in sums
    with pytest.raises(ValueError, match="one key per timestamp"):
        S.simulate_balancer("sticky", 3, t, 0.001, client_keys=keys[:-1])


# --- haproxy's random draws: its ring and its generator, written out independently --------
_M = 0xFFFFFFFF


def _full_hash(a: int) -> int:  # haproxy's full_hash (include/haproxy/intops.h)
    a = ((a + 0x7ED55D16) + (a << 12)) & _M
    a = ((a ^ 0xC761C23C) ^ (a >> 19)) & _M
    a = ((a + 0x165667B1) + (a << 5)) & _M
    a = ((a + 0xD3A2646C) ^ (a << 9)) & _M
    a = ((a + 0xFD7046C5) + (a << 3)) & _M
    a = ((a ^ 0xB55A4F09) ^ (a >> 16)) & _M
    return (a * 3221225473) & _M


def _haproxy_draws(servers: int, count: int) -> list[int]:
    ring = sorted((_full_hash((s + 1) * 4096 + j), s) for s in range(servers) for j in range(16))
    points = [p for p, _ in ring]
    x, out = 2463534242, []
    for _ in range(count):
        x ^= (x << 13) & _M
        x ^= x >> 17
        x ^= (x << 5) & _M
        i = int(np.searchsorted(points, x))  # first point >= x
        nxt, prv = i % len(points), (i - 1) % len(points)
        out.append(ring[prv][1] if (x - points[prv]) & _M <= (points[nxt] - x) & _M else ring[nxt][1])
    return out


def test_haproxy_ring_shares_and_draws() -> None:
    shares = H.haproxy_random_shares(4)
    assert shares.sum() == pytest.approx(1.0)
    assert shares == pytest.approx([0.28907, 0.18534, 0.24266, 0.28293], abs=1e-5)
    draws = H.haproxy_random_draws(4, 20_000)
    assert draws[:500].tolist() == _haproxy_draws(4, 500)
    assert np.bincount(draws, minlength=4) / draws.size == pytest.approx(shares, abs=0.01)
    assert H.haproxy_random_shares(2, weights=[3, 1])[0] > 0.6
    with pytest.raises(ValueError, match="weights"):
        H.haproxy_random_shares(2, weights=[0, 0])
    with pytest.raises(TypeError, match="weights"):
        H.haproxy_random_shares(2, weights=[1.5, 1])


def _p2c_replay(t: np.ndarray, svc: np.ndarray, draws: list[int], servers: int) -> np.ndarray:
    """haproxy's random(2): of two draws keep the later unless it serves more requests."""
    free = [0.0] * servers
    ends: list[list[float]] = [[] for _ in range(servers)]
    resp = np.empty_like(t)
    for i in range(t.size):
        load = [sum(e > t[i] for e in ends[s]) for s in range(servers)]
        first, second = draws[2 * i], draws[2 * i + 1]
        pick = first if load[second] > load[first] else second
        start = max(t[i], free[pick])
        free[pick] = start + svc[i]
        ends[pick].append(free[pick])
        resp[i] = free[pick] - t[i]
    return resp


def test_replayed_draws_are_haproxys_choices(recording: tuple[np.ndarray, np.ndarray]) -> None:
    t, svc = recording[0][:600], recording[1][:600]
    draws = H.haproxy_random_draws(4, 2 * t.size)
    res = S.simulate_balancer(
        "power_of_d", 4, t, None, service_times_s=svc, draws=draws, warmup=0, replications=2, seed=1
    )
    want = _p2c_replay(t, svc, draws.tolist(), 4).mean()
    assert res.replication_values("mean_response") == pytest.approx([want] * 2, rel=1e-12)
    with pytest.raises(ValueError, match="draws"):
        S.simulate_balancer("round_robin", 4, t, None, service_times_s=svc, draws=draws)
    with pytest.raises(ValueError, match="draws"):
        S.simulate_balancer("random", 4, t, None, service_times_s=svc, draws=[0, 4])
    with pytest.raises(TypeError, match="draws"):
        S.simulate_balancer("random", 4, t, None, service_times_s=svc, draws=[0.5])
