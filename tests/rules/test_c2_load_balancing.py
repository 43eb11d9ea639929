"""C2: load balancing, checked with the discrete-event simulator (sm.sim).

Simulated figures are means over independent replications with fixed seeds; tolerances
are their Student-t intervals at 99.9%. Assumptions the guide leaves out: Poisson
arrivals; a server is a 4 vCPU machine serving up to 4 requests at once (an M/G/4
station) behind the balancer.
"""

from __future__ import annotations

import numpy as np
import pytest
from verdicts import CONDITIONAL, Verdict, across

import scalemodel as sm
from scalemodel.testing import LEVEL, assert_below, assert_between, assert_ci_contains

S = sm.sim
QPS = 10_000
SERVERS = 4
VCPU = 4

C2_1 = Verdict(
    "C2.1",
    CONDITIONAL,
    conditions="never from per-request random choice (busiest server ~2% over the mean); a "
    "typical outcome of sticky clients only when client rates are Zipf >= ~0.9: 1.2x or more "
    "in most seconds from Zipf 0.9, rarely below",
    figures="random choice: 1.02x; sticky, 10,000 clients: Zipf 0.6 1.05x (never 1.2x), 0.8 "
    "1.13x (1.2x in 13% of seconds), 1.0 1.32x (80%), 1.2 1.63x (always)",
)
C2_2 = Verdict(
    "C2.2",
    CONDITIONAL,
    conditions="round robin and random do pile uploads up; least connections avoids it (the "
    "thumbnails' p99 stays near their 10 ms) only up to about 50% load; from 60% it mitigates: "
    "thumbnails still queue behind uploads for seconds. Its p99 of 10 s at 70% is an artefact "
    "of uploads being exactly 1% of requests",
    figures="thumbnails' p99 under least connections: 10 ms at 50% load, 1.0 s at 60%, 4.3 s at "
    "70%, 7.6 s at 80% (overall p99 at 70%: 10 s least connections, ~14 s random and round "
    "robin; 98.5th percentile 5.7 s); mean 0.25 s vs 1.7 s at 70%",
)


def test_c2_1_random_choice_versus_sticky_clients() -> None:
    """C2.1 The guide's 3,000/2,500/2,000/2,500 split of 10,000 QPS (busiest server at 1.2x
    the mean) cannot come from each request picking a server at random: within one second
    the busiest of four gets only about 2% above the mean, and 1.2x never happens. It is
    what sticky routing of clients does when client rates are heavy-tailed: with 10,000
    clients whose rates follow Zipf(1) (the busiest client sends ~10% of traffic), the
    busiest server carries about 1.3x the mean, and 1.2x or more in most seconds.

    Assumes: Poisson arrivals, 4 servers of 4 vCPU at 50% load, one second (10,000
    requests) per replication; sticky clients with Zipf(1) rates."""
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


def sticky_oracle(skew: float, replications: int, seed: int) -> np.ndarray:
    """Independent NumPy model of one second of sticky routing: clients hashed uniformly to
    the servers, then 10,000 requests drawn over the servers by their clients' shares."""
    g = np.random.default_rng(seed)
    w = np.arange(1, 10_001, dtype=float) ** -skew
    w /= w.sum()
    server = g.integers(0, SERVERS, (replications, w.size)) + SERVERS * np.arange(replications)[:, None]
    shares = np.bincount(server.ravel(), weights=np.tile(w, replications), minlength=SERVERS * replications)
    counts = np.array([g.multinomial(QPS, s) for s in shares.reshape(replications, SERVERS)])
    return counts.max(axis=1) / (QPS / SERVERS)


def test_c2_1_sticky_imbalance_across_client_skew() -> None:
    """C2.1 The guide's 1.2x needs heavy-tailed clients: with Zipf 0.6 client rates the
    busiest of four servers carries 1.05x the mean and never 1.2x; Zipf 0.8 gives 1.13x,
    with 1.2x in only 13% of seconds; Zipf 0.9 gives 1.2x about half the time; Zipf 1.0
    1.32x (80% of seconds) and Zipf 1.2 1.63x. The simulator agrees with an independent
    NumPy model of the same routing within the 99.9% intervals.

    Assumes: 10,000 sticky clients hashed uniformly to 4 servers, client rates Zipf 0.6-1.2,
    Poisson arrivals at 10,000 QPS, one second per replication."""
    service = S.Exponential(0.5 * VCPU * SERVERS / QPS)
    kw = dict(servers_per_backend=VCPU, customers=QPS, warmup=0, replications=200, seed=21)
    skews = (0.6, 0.8, 0.9, 1.0, 1.2)
    runs = {
        a: S.simulate_balancer("sticky", SERVERS, QPS, service, clients=10_000, client_skew=a, **kw)
        for a in skews
    }
    for a, want in ((0.6, 1.05), (0.8, 1.13), (1.0, 1.32), (1.2, 1.63)):
        low, high = runs[a].ci("imbalance", LEVEL)
        assert low - 0.01 <= want <= high + 0.01, a
    for a in (0.8, 1.0):
        oracle = sticky_oracle(a, 1_000, seed=210)
        low, high = runs[a].ci("imbalance", LEVEL)
        se = oracle.std() / np.sqrt(oracle.size)
        assert low - 4 * se <= oracle.mean() <= high + 4 * se, a
    often = {a: float(np.mean(r.replication_values("imbalance") >= 1.2)) for a, r in runs.items()}
    assert often[0.6] == 0.0 and often[0.8] < 0.25 and often[1.0] > 0.7 and often[1.2] == 1.0
    typical = across("client Zipf", skews, lambda a: runs[a].ci("imbalance", LEVEL)[0] > 1.2)
    assert typical.holding() == [1.0, 1.2]
    C2_1.check(typical)


def test_c2_2_mixed_workload_policies() -> None:
    """C2.2 Mixed workload: 1% uploads of 10 s, 99% thumbnails of 10 ms, 4 servers of 4
    vCPU at 70% load. Round robin ignores load, so uploads pile up behind each other on a
    server and the mean response is ~2 s for a workload whose mean service is 0.11 s;
    random choice is no better. Least connections cuts the mean about 7x and the p99 to
    the upload time itself (10 s) from ~14 s; power of two choices gets most of that gain
    while probing only two servers. But that 10 s p99 is the uploads themselves (exactly
    1% of requests): per-run p99s range from 6 to 10 s and the 98.5th percentile is 5.7 s.

    Assumes: Poisson arrivals at 70% load; 1% uploads of exactly 10 s, 99% thumbnails of
    10 ms; 4 backends of 4 vCPU (M/G/4 each) behind the balancer."""
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
    assert r["least_connections"].mean_response == pytest.approx(0.25, rel=0.1)
    assert r["random"].mean_response == pytest.approx(1.7, rel=0.1)
    runs = r["least_connections"].replication_values("p99_response")
    assert runs.min() < 7.0 and runs.max() == pytest.approx(10.0, rel=0.01)
    assert r["least_connections"].response_quantile(0.985) == pytest.approx(5.7, rel=0.05)


def thumbnail_quantile(result: sm.sim.SimResult, q: float, upload_share: float = 0.01) -> float:
    """The thumbnails' q-quantile from the whole histogram, valid while it is below the
    10 s upload time: every upload takes at least 10 s, so P(response > x) for x < 10 s is
    upload_share + (1 - upload_share) P(thumbnail response > x)."""
    x = float(result.response_quantile(1 - upload_share - (1 - upload_share) * (1 - q)))
    assert x < 10.0
    return x


def test_c2_2_least_connections_mitigates_rather_than_avoids() -> None:
    """C2.2 Least connections avoids the pile-up only while a backend with a free vCPU is
    easy to find. At 50% load the thumbnails' p99 is their own 10 ms; from 60% all four
    vCPUs of the least-loaded backend are often busy with uploads and a thumbnail waits:
    its p99 is 1.0 s at 60%, 4.3 s at 70% and 7.6 s at 80% (random choice: 8.9 s, 11.5 s
    and 19.6 s or more). So least connections mitigates: it cuts the thumbnails' tail by
    2-3x at 70-80% load, but a 10 ms request still waits seconds.

    Assumes: Poisson arrivals at 50-80% load; 1% uploads of exactly 10 s, 99% thumbnails
    of 10 ms; 4 backends of 4 vCPU (M/G/4 each); the thumbnails' p99 is read from the
    response histogram (0.4% relative error) as described in thumbnail_quantile."""
    mix = S.Mixture([(0.01, S.Deterministic(10.0)), (0.99, S.Deterministic(0.010))])
    kw = dict(servers_per_backend=VCPU, customers=100_000, replications=20, seed=22)
    loads = (0.5, 0.6, 0.7, 0.8)
    lc = {
        u: S.simulate_balancer("least_connections", SERVERS, u * SERVERS * VCPU / mix.mean, mix, **kw)
        for u in loads
    }
    thumb = {u: thumbnail_quantile(r, 0.99) for u, r in lc.items()}
    for u, want in ((0.5, 0.010), (0.6, 1.0), (0.7, 4.3), (0.8, 7.6)):
        assert thumb[u] == pytest.approx(want, rel=0.15, abs=0.002), u
    blind = {
        u: S.simulate_balancer("random", SERVERS, u * SERVERS * VCPU / mix.mean, mix, **kw)
        for u in (0.6, 0.8)
    }
    assert thumbnail_quantile(blind[0.6], 0.99) > 5 * thumb[0.6]
    assert blind[0.8].response_quantile(0.99) > 2 * thumb[0.8]  # above 10 s: uploads count too
    avoids = across("load", loads, lambda u: thumb[u] <= 0.1)  # within 10x a thumbnail's work
    assert avoids.flips == [(0.5, 0.6)]
    C2_2.check(avoids)
