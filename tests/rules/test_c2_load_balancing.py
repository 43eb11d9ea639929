"""C2: load balancing, checked with the discrete-event simulator (sm.sim).

Simulated figures are means over independent replications with fixed seeds; tolerances
are their Student-t intervals at 99.9%. Assumptions the guide leaves out: Poisson
arrivals; a server is a 4 vCPU machine serving up to 4 requests at once (an M/G/4
station) behind the balancer.
"""

from __future__ import annotations

import numpy as np
import pytest

import scalemodel as sm
from scalemodel.testing import LEVEL, assert_below, assert_between, assert_ci_contains

S = sm.sim
QPS = 10_000
SERVERS = 4
VCPU = 4


def test_c2_1_random_choice_versus_sticky_clients() -> None:
    """C2.1 The guide's 3,000/2,500/2,000/2,500 split of 10,000 QPS (busiest server at 1.2x
    the mean) cannot come from each request picking a server at random: within one second
    the busiest of four gets only about 2% above the mean, and 1.2x never happens. It is
    what sticky routing of clients does when client rates are heavy-tailed: with 10,000
    clients whose rates follow Zipf(1) (the busiest client sends ~10% of traffic), the
    busiest server carries about 1.3x the mean, and 1.2x or more in most seconds."""
    service = S.Exponential(0.5 * VCPU * SERVERS / QPS)  # servers 50% busy; routing is what matters
    kw = dict(servers_per_backend=VCPU, customers=QPS, warmup=0, replications=200, seed=21)
    per_request = S.simulate_balancer("random", SERVERS, QPS, service, **kw)
    sticky = S.simulate_balancer("sticky", SERVERS, QPS, service, clients=10_000, client_skew=1.0, **kw)

    # One second of random choice: the busiest server's count over the mean. Independent
    # check: the same statistic of a multinomial(10,000, 1/4) drawn with NumPy.
    draws = np.random.default_rng(5).multinomial(QPS, [1 / SERVERS] * SERVERS, size=200_000)
    expected_max = draws.max(axis=1).mean() / (QPS / SERVERS)
    assert_ci_contains(per_request, "imbalance", expected_max, slack=1e-3)
    assert_below(per_request, "imbalance", 1.05)
    assert per_request.replication_values("imbalance").max() < 1.1  # 3,000 QPS: never

    assert_between(sticky, "imbalance", 1.2, 1.5)  # the guide's 3,000 vs 2,500 is the typical sticky outcome
    assert np.mean(sticky.replication_values("imbalance") >= 1.2) > 0.5


def test_c2_2_mixed_workload_policies() -> None:
    """C2.2 Mixed workload: 1% uploads of 10 s, 99% thumbnails of 10 ms, 4 servers of 4
    vCPU at 70% load. Round robin ignores load, so uploads pile up behind each other on a
    server and the mean response is ~2 s for a workload whose mean service is 0.11 s;
    random choice is no better. Least connections does avoid it, as the guide says: the
    mean falls about 7x and p99 drops to the upload time itself (10 s) from ~14 s;
    power of two choices gets most of that gain while probing only two servers."""
    mix = S.Mixture([(0.01, S.Deterministic(10.0)), (0.99, S.Deterministic(0.010))])
    assert mix.mean == pytest.approx(0.1099)
    lam = 0.7 * SERVERS * VCPU / mix.mean
    kw = dict(servers_per_backend=VCPU, customers=100_000, replications=20, seed=22)
    r = {p: S.simulate_balancer(p, SERVERS, lam, mix, **kw) for p in ("random", "round_robin")}
    r["least_connections"] = S.simulate_balancer("least_connections", SERVERS, lam, mix, **kw)
    r["power_of_two"] = S.simulate_balancer("power_of_two", SERVERS, lam, mix, **kw)
    mean = {p: x.ci("mean_response", LEVEL) for p, x in r.items()}
    p99 = {p: x.ci("p99_response", LEVEL) for p, x in r.items()}

    for oblivious in ("random", "round_robin"):
        assert mean[oblivious][0] > 1.0
        assert mean["least_connections"][1] * 4 < mean[oblivious][0]
        assert mean["power_of_two"][1] < mean[oblivious][0]
        assert p99["least_connections"][1] < p99[oblivious][0]
    assert mean["least_connections"][1] < mean["power_of_two"][0]
    # Under least connections the p99 is an upload served without waiting.
    assert r["least_connections"].response_quantile(0.99) == pytest.approx(10.0, rel=0.01)
    assert r["round_robin"].response_quantile(0.99) > 12.0
