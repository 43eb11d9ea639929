"""C13.3: "database CPU consistently above 70%" and "p99 query latency above 100 ms" as
signs that a database needs sharding, checked with the system simulator (sm.sim.System).

Assumptions the guide leaves out: queries arrive as a Poisson stream and are CPU-bound,
each holding one vCPU for its query time, so a database node of c vCPUs is an M/G/c
station whose utilization is its CPU; the query time has the guide's 5 ms mean (the low
end of its "5-10 ms" PostgreSQL read) and a realistic shape: exponential, gamma with
squared coefficient of variation (SCV) 2 or 4, lognormal with SCV 1 or 4. At a fixed
utilization, vCPU count and shape, every response time scales with the mean query time,
so the p99 at 70% CPU for a mean of m is (m / 5 ms) times the simulated one. Simulated
figures are Student-t intervals over replications at 99.9% (tests/intervals.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from intervals import LEVEL, assert_in_ci
from verdicts import CONDITIONAL, Verdict, across

import scalemodel as sm

C13_3 = Verdict(
    "C13.3",
    CONDITIONAL,
    conditions="70% CPU is an early trigger, with the p99 still under 100 ms there, while the mean "
    "query time stays below 100 ms / (p99 / mean at 70%): 10-22 ms on 16 vCPUs, 8-18 ms on 4, "
    "2-7 ms on 1 (6.5 ms for exponential queries); past that the p99 sign fires first, and on "
    "large nodes it measures slow queries, not load. On 1 vCPU, queries with SCV 4 break 100 ms "
    "below 70% CPU even at 5 ms",
    figures="16 vCPUs, 5 ms queries: p99 23-49 ms at 70% CPU (the query's own p99: queueing adds "
    "under 3%), under 60 ms at 90%, 100 ms only at 96-98.5%; 1 vCPU: M/M/1 crosses 100 ms at "
    "77% CPU, gamma and lognormal SCV 4 are at 150-270 ms at 70%",
)

D = sm.distributions
MEAN_S = 0.005
SLO_S = 0.100
HIST = sm.sim.HISTOGRAM_RELATIVE_ERROR
SHAPES = {
    "exponential": D.Exponential(MEAN_S),
    "gamma scv 2": D.Gamma(MEAN_S, 2.0),
    "gamma scv 4": D.Gamma(MEAN_S, 4.0),
    "lognormal scv 1": D.Lognormal(MEAN_S, math.sqrt(math.log(2.0))),
    "lognormal scv 4": D.Lognormal(MEAN_S, math.sqrt(math.log(5.0))),
}


def _database(
    service: D.Distribution, vcpus: int, utilization: float, *, requests: int = 50_000, seed: int = 133
) -> sm.sim.SystemResult:
    """One database node of `vcpus` vCPUs (one FIFO queue) at the given CPU utilization."""
    system = sm.sim.System(arrival_rate=utilization * vcpus / service.mean)
    system.tier("database", 1, service, concurrency=vcpus)
    return system.simulate(requests=requests, replications=8, seed=seed)


def test_c13_3_simulator_against_closed_forms() -> None:
    """C13.3 (the model) The database station against exact results: M/M/16 and M/M/1 mean
    and p99 response (Erlang C, exact distributions), and the Pollaczek-Khinchine mean for
    M/G/1 with gamma and lognormal query times, all within the simulator's 99.9% intervals
    (p99 widened by the histogram's 0.39%).

    Assumes: Poisson queries, CPU-bound (one vCPU each), so a node of c vCPUs is an M/G/c
    station at its CPU utilization; query time of mean 5 ms (the guide's 5-10 ms read),
    exponential, gamma SCV 2 or 4, or lognormal SCV 1 or 4; other means by scaling."""
    for vcpus, rho in ((16, 0.7), (16, 0.9), (1, 0.7)):
        r = _database(SHAPES["exponential"], vcpus, rho, requests=60_000, seed=vcpus)
        exact = sm.queueing.MMc(rho * vcpus / MEAN_S, 1 / MEAN_S, vcpus)
        assert_in_ci(r, "mean_response", float(exact.mean_response))
        assert_in_ci(r, "p99_response", float(exact.response_quantile(0.99)), rel=HIST)
    for name, rho in (("gamma scv 2", 0.7), ("lognormal scv 4", 0.5)):
        service = SHAPES[name]
        r = _database(service, 1, rho, requests=100_000, seed=7)
        pk = sm.queueing.MG1(rho / MEAN_S, MEAN_S, service.scv)
        assert_in_ci(r, "mean_response", float(pk.mean_response))


def test_c13_3_seventy_percent_cpu_comes_long_before_p99_100ms() -> None:
    """C13.3 On a 16-vCPU database with 5 ms queries the two signs disagree: at 70% CPU the
    p99 is the query time's own p99, 23 ms (exponential) to 49 ms (gamma SCV 4), since
    queueing adds under 3%; even at 90% CPU it stays below 60 ms, and it crosses 100 ms
    only past 95% (Allen-Cunneen puts it at 96-98.5% for the gamma shapes). So 70% CPU is
    an early, conservative trigger that leaves room to shard before latency suffers; the
    p99 sign fires only at the edge of saturation, too late to reshard calmly. With one
    vCPU the opposite holds for variable queries: at 70% CPU the p99 of exponential queries
    is 75 ms (M/M/1 crosses 100 ms at 77%, exactly 1 - ln(100) x 5 ms / 100 ms), while
    gamma or lognormal queries with SCV 4 are already far above 100 ms (200-270 ms) there.

    Assumes: Poisson queries, CPU-bound (one vCPU each), so a node of c vCPUs is an M/G/c
    station at its CPU utilization; query time of mean 5 ms (the guide's 5-10 ms read),
    exponential, gamma SCV 2 or 4, or lognormal SCV 1 or 4; other means by scaling."""
    for name, service in SHAPES.items():
        own_p99 = float(service.quantile(0.99))
        at70 = _database(service, 16, 0.7, seed=70)
        low, high = at70.ci("p99_response", LEVEL)
        assert own_p99 * (1 - HIST) * 0.97 <= high and low <= own_p99 * 1.03, name
        assert high < 0.052, name
        at90 = _database(service, 16, 0.9, seed=90)
        assert at90.ci("p99_response", LEVEL)[1] < 0.06, name
        if name.startswith("gamma"):  # Allen-Cunneen's crossing (the shape it assumes), bracketed
            rho = np.array([0.955, 0.99])
            p99 = sm.queueing.GGc.from_service(rho * 16 / MEAN_S, service, 16).response_quantile(0.99)
            assert p99[0] < SLO_S < p99[1], (name, p99)

    # One vCPU: M/M/1's exact crossing, bracketed by the simulator.
    crossing = 1 - math.log(100.0) * MEAN_S / SLO_S
    assert crossing == pytest.approx(0.770, abs=1e-3)
    exp = SHAPES["exponential"]
    assert _database(exp, 1, crossing - 0.05, seed=11).ci("p99_response", LEVEL)[1] < SLO_S
    assert _database(exp, 1, crossing + 0.05, seed=12).ci("p99_response", LEVEL)[0] > SLO_S
    for name in ("gamma scv 4", "lognormal scv 4"):
        assert _database(SHAPES[name], 1, 0.7, seed=13).ci("p99_response", LEVEL)[0] > SLO_S, name


def test_c13_3_where_the_verdict_flips() -> None:
    """C13.3 The verdict flips with the mean query time m: the p99 at 70% CPU reaches
    100 ms once m exceeds 100 ms / (p99 / mean at 70%). On 16 vCPUs that is 21.6 ms for
    exponential queries, 15 ms for gamma SCV 2, 11.5 ms for lognormal SCV 4 and 10.2 ms for
    gamma SCV 4, nearly the m at which a single idle query's own p99 is 100 ms: on a large
    node the p99 sign measures slow queries, not load, and sharding does not cure it (an
    index does). On 4 vCPUs it flips at 8-18 ms; on 1 vCPU at 2-7 ms (6.51 ms exactly for
    M/M/1: 100 ms x 0.3 / ln 100). Below those query times 70% CPU is the sign that fires
    first, and the right one.

    Assumes: Poisson queries, CPU-bound (one vCPU each), so a node of c vCPUs is an M/G/c
    station at its CPU utilization; query time of mean 5 ms (the guide's 5-10 ms read),
    exponential, gamma SCV 2 or 4, or lognormal SCV 1 or 4; other means by scaling."""
    expected = {  # vCPUs: (lowest, highest) mean query time at which the verdict flips, ms
        16: (9.5, 23.0),
        4: (6.5, 20.0),
        1: (1.2, 7.6),
    }
    at70: dict[int, dict[str, tuple[float, float]]] = {}  # p99 interval at 70% CPU, 5 ms queries
    for vcpus, (lowest, highest) in expected.items():
        flips = {}
        for name, service in SHAPES.items():
            r = _database(service, vcpus, 0.7, requests=40_000, seed=vcpus)
            low, high = r.ci("p99_response", LEVEL)
            at70.setdefault(vcpus, {})[name] = (low, high)
            flips[name] = (SLO_S * MEAN_S / high * 1e3, SLO_S * MEAN_S / low * 1e3)  # ms
        assert lowest <= min(f[0] for f in flips.values()), (vcpus, flips)
        assert max(f[1] for f in flips.values()) <= highest, (vcpus, flips)
        # the heavier the tail, the sooner the p99 sign fires
        assert flips["gamma scv 4"][1] < flips["exponential"][0], (vcpus, flips)
        if vcpus == 16:  # on a large node the flip is where the idle query's p99 is 100 ms
            for name, service in SHAPES.items():
                idle = SLO_S * MEAN_S / float(service.quantile(0.99)) * 1e3
                assert flips[name][0] * 0.97 <= idle <= flips[name][1] * 1.03, (name, idle, flips[name])
    mm1 = sm.queueing.MMc(0.7 / MEAN_S, 1 / MEAN_S, 1).response_quantile(0.99)
    assert SLO_S * MEAN_S / mm1 * 1e3 == pytest.approx(100 * 0.3 / math.log(100.0), rel=1e-9)

    # "70% CPU fires first": at 70% CPU the p99 is still under 100 ms, for every shape
    # (p99 scales with the mean query time at a fixed utilization).
    C13_3.check(
        across(
            "mean query time on 16 vCPUs, ms",
            (2, 5, 20, 50),
            lambda m: all(high * m / (MEAN_S * 1e3) < SLO_S for _, high in at70[16].values()),
        ),
        across(
            "vCPUs, 5 ms queries", (16, 4, 1), lambda c: all(high < SLO_S for _, high in at70[c].values())
        ),
    )
