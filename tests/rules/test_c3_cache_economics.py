"""C3.1-C3.2: what a cache does to database load and to the bill."""

from __future__ import annotations

import pytest
from verdicts import CONDITIONAL, Verdict, across

import scalemodel as sm

q = sm.queueing

C3_1 = Verdict(
    "C3.1",
    CONDITIONAL,
    conditions="the work arithmetic holds exactly; '5x headroom' is the load at which the "
    "database is 100% busy again (no steady state), so the usable headroom under any latency "
    "target is less",
    figures="10 s -> 2.8 s of work per second, database at 20%; usable headroom 4.4x under a "
    "50 ms p99 (M/M/10 at 10 ms per read)",
)
C3_2 = Verdict(
    "C3.2",
    CONDITIONAL,
    conditions="the bill holds ($13,200 -> $1,650, 87.5%); the capacity behind it only if the "
    "original database tier was at most about a third busy, since the cache cuts reads 5x but "
    "the database shrinks 14.7x",
    figures="176 -> 12 database vCPUs; at equal load the small tier runs 2.9x the original "
    "utilization: fine from 30% busy, overloaded from 35%",
)


def test_c3_1_cache_cuts_database_work() -> None:
    """C3.1 The work arithmetic holds: 1,000 req/s x 10 ms is 10 s of database time per
    second; with 80% hits at 1 ms it becomes 0.8 + 2 = 2.8 s, the database doing 2 s of it.
    "Database at 100%" means the database does 10 s of work per second (10 concurrent
    workers); then it is at 20% with the cache. But "5x headroom" is the load at which it
    is 100% busy again, where an M/M/10 queue has no steady state: under a 50 ms p99 target
    the database takes only about 4.4x today's load.

    Assumes: the database as 10 workers (M/M/10) at 10 ms per read, 1 ms cache hits, 80%
    hits, Poisson arrivals; p99 targets of 20-200 ms for the usable headroom."""
    e = sm.cost.cache_effect(1000, 0.8, 0.001, 0.010, capacity_s_per_s=10)
    assert e.work_without_cache_s_per_s == pytest.approx(10.0, rel=1e-14)
    assert e.work_with_cache_s_per_s == pytest.approx(2.8, rel=1e-14)
    assert e.store_utilization_without == pytest.approx(1.0, rel=1e-14)
    assert e.store_utilization_with == pytest.approx(0.2, rel=1e-14)
    assert e.headroom == pytest.approx(5.0, rel=1e-14)

    mu = 1 / 0.010
    assert not q.MMc(1000, mu, 10).stable  # without the cache: saturated, no steady state
    db_load = 1000 * (1 - 0.8)
    usable = q.max_arrival_rate(mu, 10, response_time=0.050, quantile=0.99) / db_load
    assert 4.0 < usable < 5.0
    targets = (0.020, 0.050, 0.200)
    five_x = across(
        "p99 target s",
        targets,
        lambda t: q.max_arrival_rate(mu, 10, response_time=t, quantile=0.99) >= 5 * db_load,
    )
    C3_1.check(e.work_with_cache_s_per_s == pytest.approx(2.8), five_x)


def test_c3_2_cache_cost_saving() -> None:
    """C3.2 With the catalogue's prices (the guide's) the bill is $13,200 without a cache and
    $1,650 with one, a saving of $11,550 (87.5%). The capacity behind it does not match:
    the cache cuts database reads 5x (80% hits), but the database shrinks from 11 x 16 vCPU
    (176) to 3 x 4 vCPU (12), 14.7x. At equal load the smaller database runs at about 2.9x
    the utilization of the original, so the saving assumes the original was at most a
    third busy; otherwise the cached setup is overloaded.

    Assumes: the catalogue's prices (the guide's), database load proportional to reads,
    80% hits, utilization proportional to load per vCPU; original tier 20-50% busy."""
    cat = sm.cost.Catalogue.load()
    big, small, cache = (
        cat.instance("db.r5.4xlarge"),
        cat.instance("db.r5.xlarge"),
        cat.instance("cache.r5.large"),
    )
    without = big.usd_per_month + 10 * big.usd_per_month
    with_cache = small.usd_per_month + 2 * small.usd_per_month + 5 * cache.usd_per_month
    assert without == 13_200
    assert with_cache == 1_650
    assert without - with_cache == 11_550
    assert 1 - with_cache / without == pytest.approx(0.875)

    vcpu_before, vcpu_after = 11 * big.vcpus, 3 * small.vcpus
    load_cut = 1 / (1 - 0.8)
    utilization_ratio = (vcpu_before / vcpu_after) / load_cut
    assert utilization_ratio == pytest.approx(176 / 12 / 5)
    assert utilization_ratio > 2.9
    busy = (0.2, 0.3, 0.35, 0.5)
    C3_2.check(across("original utilization", busy, lambda u: u * utilization_ratio < 1.0))
