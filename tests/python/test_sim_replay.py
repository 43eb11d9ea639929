"""Exact replay (arrivals with their service times) and the two power-of-d variants,
against independent oracles: Lindley's recursion per backend, and the order of policies."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scalemodel import distributions as D
from scalemodel import sim as S


def _lindley(t: np.ndarray, svc: np.ndarray) -> np.ndarray:
    """Response times of a FIFO single server (start = max(arrival, previous end))."""
    out = np.empty_like(t)
    free = 0.0
    for i in range(t.size):
        start = max(t[i], free)
        free = start + svc[i]
        out[i] = free - t[i]
    return out


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
        resp[b::4] = _lindley(t[b::4], svc[b::4])
    assert res.replication_values("mean_response") == pytest.approx([resp.mean()] * 2, rel=1e-12)
    assert res.estimate("completed") == t.size
    q = res.response_quantile(0.99)
    assert q == pytest.approx(np.quantile(resp, 0.99, method="inverted_cdf"), rel=S.HISTOGRAM_RELATIVE_ERROR)


def test_single_station_replay_is_exact(recording: tuple[np.ndarray, np.ndarray]) -> None:
    t, svc = recording
    res = S.simulate_queue(t, None, 1, service_times_s=svc / 4, warmup=100, replications=1)
    resp = _lindley(t, svc / 4)[100:]
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
    assert one.mean_response == pytest.approx(_lindley(t, quarter).mean(), rel=1e-12)
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
