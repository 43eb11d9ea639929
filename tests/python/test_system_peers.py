"""The system simulator against a peer: Ciw on the same open network of M/M/c stations.

The network (an open Jackson network with feedback): Poisson requests at 10/s enter at
``a`` (3 servers of rate 8/s); after ``a`` a request goes to ``b`` (2 servers, 6/s) with
probability 0.6 and to ``c`` (1 server, 5/s) with 0.3, and leaves otherwise; after ``b``
it returns to ``a`` with probability 0.2; after ``c`` it leaves. Each station is one FIFO
queue in front of its servers: in sm.sim.System that is one server of concurrency c.

Both simulators give a mean end-to-end response and a mean wait per visit at each station.
Ciw runs a few seeds of its own (each seed one replication); scalemodel runs replications.
The two estimates must agree within the 99.9% Welch interval of their difference, and each
must contain the product-form value (sm.queueing.jackson) within its own interval.
"""

from __future__ import annotations

import ciw
import numpy as np
import pytest
from scipy import stats

import scalemodel as sm

LEVEL = 0.999
ARRIVAL_RATE = 10.0
NAMES = ("a", "b", "c")
RATES = (8.0, 6.0, 5.0)
SERVERS = (3, 2, 1)
ROUTING = ((0.0, 0.6, 0.3), (0.2, 0.0, 0.0), (0.0, 0.0, 0.0))
CIW_SEEDS = (11, 12, 13, 14, 15)
CIW_HORIZON_S = 800.0  # each Ciw seed: about 8,000 requests counted
CIW_WARMUP_S = 50.0
CIW_DRAIN_S = 30.0  # run on past the horizon so requests that arrived before it finish


def _ours() -> sm.sim.SystemResult:
    system = sm.sim.System(arrival_rate=ARRIVAL_RATE)
    for name, rate, servers in zip(NAMES, RATES, SERVERS):
        system.tier(name, 1, sm.distributions.Exponential(1.0 / rate), concurrency=servers)
    for i, row in enumerate(ROUTING):
        for j, p in enumerate(row):
            if p > 0:
                system.route(NAMES[i], NAMES[j], p)
    return system.simulate(requests=40_000, warmup=2_000, replications=20, seed=2013)


def _ciw_run(seed: int) -> tuple[float, np.ndarray]:
    """One Ciw replication: the mean end-to-end response of the requests that arrived in
    [warm-up, horizon], and the mean wait per visit at each station over the same visits."""
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=ARRIVAL_RATE), None, None],
        service_distributions=[ciw.dists.Exponential(rate=r) for r in RATES],
        routing=[list(row) for row in ROUTING],
        number_of_servers=list(SERVERS),
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(CIW_HORIZON_S + CIW_DRAIN_S)
    recs = sim.get_all_records()
    ident = np.array([r.id_number for r in recs])
    node = np.array([r.node for r in recs])
    arrive = np.array([r.arrival_date for r in recs])
    wait = np.array([r.waiting_time for r in recs])
    leave = np.array([r.exit_date for r in recs])
    out = np.array([r.destination == -1 for r in recs])
    # A request's first arrival and its final exit.
    first = np.full(ident.max() + 1, np.inf)
    np.minimum.at(first, ident, arrive)
    last = np.full(ident.max() + 1, np.nan)
    last[ident[out]] = leave[out]
    counted = (first >= CIW_WARMUP_S) & (first <= CIW_HORIZON_S)
    assert not np.isnan(last[counted]).any(), "a counted request had not left: lengthen CIW_DRAIN_S"
    response = float(np.mean(last[counted] - first[counted]))
    visit_counted = counted[ident]
    waits = np.array([wait[visit_counted & (node == k + 1)].mean() for k in range(len(NAMES))])
    return response, waits


def _welch_agree(a: np.ndarray, b: np.ndarray, what: str) -> None:
    """The difference of the two means lies inside its Welch interval at LEVEL."""
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = stats.t.ppf(0.5 + LEVEL / 2, df) * np.sqrt(va + vb)
    diff = a.mean() - b.mean()
    assert abs(diff) <= half, (
        f"{what}: ours {a.mean():.5g} vs Ciw {b.mean():.5g}, difference {diff:.3g} > {half:.3g}"
    )


def _t_interval(x: np.ndarray) -> tuple[float, float]:
    half = stats.t.ppf(0.5 + LEVEL / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
    return float(x.mean() - half), float(x.mean() + half)


@pytest.fixture(scope="module")
def runs() -> tuple[sm.sim.SystemResult, np.ndarray, np.ndarray]:
    ciw_runs = [_ciw_run(s) for s in CIW_SEEDS]
    return _ours(), np.array([r for r, _ in ciw_runs]), np.array([w for _, w in ciw_runs])


def test_ciw_end_to_end_mean_response_agrees(
    runs: tuple[sm.sim.SystemResult, np.ndarray, np.ndarray],
) -> None:
    ours, ciw_response, _ = runs
    _welch_agree(ours.replication_values("mean_response"), ciw_response, "mean end-to-end response")
    exact = sm.queueing.jackson(
        [ARRIVAL_RATE, 0.0, 0.0], np.array(ROUTING), list(RATES), list(SERVERS)
    ).mean_response
    low, high = ours.ci("mean_response", LEVEL)
    assert low <= exact <= high
    low, high = _t_interval(ciw_response)
    assert low <= exact <= high


def test_ciw_mean_wait_per_tier_agrees(runs: tuple[sm.sim.SystemResult, np.ndarray, np.ndarray]) -> None:
    ours, _, ciw_waits = runs
    exact = sm.queueing.jackson(
        [ARRIVAL_RATE, 0.0, 0.0], np.array(ROUTING), list(RATES), list(SERVERS)
    ).stations["mean_wait"]
    for k, name in enumerate(NAMES):
        mine = ours.tier_values(name, "mean_wait")
        _welch_agree(mine, ciw_waits[:, k], f"mean wait at {name}")
        low, high = ours.tier_ci(name, "mean_wait", LEVEL)
        assert low <= exact[k] <= high
        low, high = _t_interval(ciw_waits[:, k])
        assert low <= exact[k] <= high
    # visits per request: the traffic equations' solution, 1 / (1 - 0.6 x 0.2) at a
    visits = ours.tiers()["visits"]
    assert visits["a"] == pytest.approx(1 / (1 - 0.12), rel=0.01)
    assert visits["b"] == pytest.approx(0.6 / (1 - 0.12), rel=0.01)
    assert visits["c"] == pytest.approx(0.3 / (1 - 0.12), rel=0.01)
