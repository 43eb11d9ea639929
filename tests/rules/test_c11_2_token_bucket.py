"""C11.2: a token bucket of 100 tokens refilled at 10 per second.

Checked against the closed form of a bucket under a flood: by time t after the flood
starts it has admitted floor(capacity + rate x t) requests (every token is taken as soon
as it appears).
"""

from __future__ import annotations

import math

import numpy as np
from verdicts import HOLDS, Verdict, across

import scalemodel as sm

C11_2 = Verdict(
    "C11.2",
    HOLDS,
    figures="200 requests at once: exactly 100 admitted; then floor(100 + 10 t) by time t "
    "under a flood, 10/s sustained",
)

CAPACITY, REFILL_PER_S = 100, 10.0


def test_c11_2_token_bucket_burst_then_rate() -> None:
    """C11.2 True: 200 requests at one instant get exactly 100 admits (the burst); a flood
    of 1,000 requests/s afterwards is admitted at 10/s, so that after t seconds the bucket
    has admitted floor(100 + 10 t) requests, within one request at every sampled t.

    Assumes: one bucket, decisions at exact timestamps, a steady flood of 1,000 req/s for
    60 s after a full bucket."""
    burst = sm.sim.simulate_limiter(
        "token_bucket", CAPACITY, CAPACITY / REFILL_PER_S, np.zeros(200), return_decisions=True
    )
    assert burst.admitted == CAPACITY
    assert (
        burst.decisions is not None
        and burst.decisions[:CAPACITY].all()
        and not burst.decisions[CAPACITY:].any()
    )

    flood = sm.sim.simulate_limiter(
        "token_bucket",
        CAPACITY,
        CAPACITY / REFILL_PER_S,
        sm.arrivals.Periodic(1_000.0),
        duration_s=60.0,
        return_decisions=True,
    )
    times = sm.sim.limiter_trace(sm.arrivals.Periodic(1_000.0), duration_s=60.0)
    assert flood.decisions is not None
    admitted_by = np.cumsum(flood.decisions)
    for t in (0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 59.9):
        i = int(np.searchsorted(times, t, side="right")) - 1
        want = min(i + 1, math.floor(CAPACITY + REFILL_PER_S * times[i]))
        assert abs(int(admitted_by[i]) - want) <= 1, t
    # Sustained: the last 50 s admit 10/s.
    late = flood.decisions[times >= 10.0].sum() / 50.0
    assert abs(late - REFILL_PER_S) <= 1 / 50.0
    C11_2.check(across("burst size", (50, 100, 200), lambda b: burst_admitted(b) == min(b, CAPACITY)))


def burst_admitted(size: int) -> int:
    """Requests a full bucket admits out of ``size`` arriving at one instant."""
    return sm.sim.simulate_limiter("token_bucket", CAPACITY, CAPACITY / REFILL_PER_S, np.zeros(size)).admitted
