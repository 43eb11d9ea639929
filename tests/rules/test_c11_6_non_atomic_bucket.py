"""C11.6: the guide's token bucket reads the bucket from Redis and writes it back later.

Model: every request (from any server) reads (tokens, last refill), refills and decides
locally, and when it admits writes (tokens - 1, read time) back one store round trip
`rmw_delay_s` later; the last write wins. Poisson requests at rate lam, 8 replications with
Student-t intervals at 99.9%, compared with an atomic bucket on the same trace.

Derivation of the expectation: in overload the store's tokens reach 1 about once per
refill interval 1/r; the request that finds the token admits, and every request arriving
in the next rmw_delay_s reads the same stale state and admits too, while their writes
carry one decrement between them. Each token therefore admits 1 + Poisson(lam x delay):
admitted / atomic = 1 + lam x delay, the concurrency (requests in flight during one round
trip) plus one. The same factor holds while a full bucket drains (the lineage of writes
that survives consumes lam / (1 + lam x delay) tokens per second).
"""

from __future__ import annotations

import pytest

import scalemodel as sm

CAPACITY, REFILL_PER_S = 100.0, 10.0


@pytest.mark.parametrize(("arrival_rate", "delay_s"), [(100.0, 0.001), (1_000.0, 0.001), (1_000.0, 0.005)])
def test_c11_6_non_atomic_token_bucket_overshoot(arrival_rate: float, delay_s: float) -> None:
    """C11.6 The guide's code over-admits by the factor 1 + rate x round trip: with a 1 ms
    Redis round trip, 100 requests/s get 10% more than the limit through, 1,000/s twice
    the limit, and 1,000/s with a 5 ms round trip six times the limit. An atomic update (a
    Lua script or MULTI/EXEC on one key) admits exactly the limit."""
    r = sm.sim.simulate_racy_token_bucket(
        CAPACITY,
        REFILL_PER_S,
        delay_s,
        "poisson",
        rate=arrival_rate,
        duration_s=300.0,
        replications=8,
        seed=6,
        level=0.999,
    )
    want = 1 + arrival_rate * delay_s
    # The 99.9% interval covers sampling; 0.5% covers the model's edge effects (the first
    # burst, the last round trip), measured at about 0.1% with 64 replications.
    assert abs(r.overshoot_ratio - want) <= r.half_width("overshoot_ratio") + 0.005 * want
    assert r.atomic_admitted == pytest.approx(CAPACITY + REFILL_PER_S * 300.0, abs=2)
    extra = (want - 1) * r.atomic_admitted
    assert abs(r.overshoot - extra) <= r.half_width("overshoot") + 0.005 * want * r.atomic_admitted
    atomic = sm.sim.simulate_racy_token_bucket(
        CAPACITY, REFILL_PER_S, 0.0, "poisson", rate=arrival_rate, duration_s=300.0, replications=2, seed=6
    )
    assert atomic.overshoot == 0.0
