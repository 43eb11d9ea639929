"""C11.3: fixed windows, the sliding log and the sliding window counter, limit 100 per second.

The worst window is the most admitted requests in any interval of one window length
(exact scan); the sliding log is the exact reference the approximations are compared to,
on the same trace. Poisson traces use fixed seeds; the claims checked are bounds that hold
for every seed tried, not averages.
"""

from __future__ import annotations

import numpy as np
import pytest
from verdicts import CONDITIONAL, Verdict, across

import scalemodel as sm

C11_3 = Verdict(
    "C11.3",
    CONDITIONAL,
    conditions="fixed windows admit 2x around a boundary and the sliding log never exceeds "
    "the limit, as stated; the sliding window counter approximates well on random traffic "
    "but is not a bound: a crafted burst gets nearly 2x",
    figures="fixed window: 200 in 20 ms for a limit of 100; counter on Poisson traffic at 1-100x "
    "the limit: worst window at most 17% over, admits within 2% of the log; crafted: 199",
)

S = sm.sim
LIMIT, WINDOW_S = 100, 1.0


def test_c11_3_fixed_window_boundary_and_sliding_counter_error() -> None:
    """C11.3 True for fixed windows: 100 requests just before and 100 just after a
    boundary are all admitted, 200 within 20 ms, and no window ever holds more than 2x.
    True for the sliding log: never more than 100 in any window. The sliding window
    counter, which the guide calls a good approximation: on Poisson traces from 1x to 100x
    the limit its worst window is at most 17% over the limit and it admits within 2% of
    the exact log; on the fixed-window attack it lets through 101. But it is not a bound:
    100 requests at the end of one window followed by a flood in the next get 199 admits
    in one second, nearly the same 2x as fixed windows, because it assumes the previous
    window's requests were spread evenly.

    Assumes: a limit of 100 per 1 s window; Poisson traffic at 1x to 100x the limit (3 seeds
    each), the fixed-window attack, and a crafted trace (100 late in one window, a flood in
    the next)."""
    adversarial = {
        a: S.simulate_limiter(a, LIMIT, WINDOW_S, S.Adversarial(), duration_s=100.0, compare_exact=True)
        for a in ("fixed_window", "sliding_log", "sliding_window_counter")
    }
    assert adversarial["fixed_window"].worst_window == 2 * LIMIT
    assert adversarial["fixed_window"].admitted == 2 * adversarial["fixed_window"].exact_admitted
    assert adversarial["sliding_log"].worst_window == LIMIT
    assert adversarial["sliding_window_counter"].worst_window == LIMIT + 1

    max_counter_poisson = 0
    for rate in (100.0, 150.0, 200.0, 1_000.0, 10_000.0):
        for seed in (1, 2, 3):
            kw = {"duration_s": 200.0, "seed": seed}
            log = S.simulate_limiter("sliding_log", LIMIT, WINDOW_S, rate, **kw)
            fixed = S.simulate_limiter("fixed_window", LIMIT, WINDOW_S, rate, **kw)
            counter = S.simulate_limiter("sliding_window_counter", LIMIT, WINDOW_S, rate, **kw)
            assert log.worst_window <= LIMIT
            assert fixed.worst_window <= 2 * LIMIT
            assert counter.worst_window <= 1.17 * LIMIT, (rate, seed)
            max_counter_poisson = max(max_counter_poisson, counter.worst_window)
            assert counter.exact_admitted == log.admitted
            assert counter.admitted == pytest.approx(log.admitted, rel=0.02)

    crafted = np.concatenate([np.linspace(0.99, 0.999, LIMIT), np.linspace(1.0, 1.999, 100_000)])
    counter = S.simulate_limiter("sliding_window_counter", LIMIT, WINDOW_S, crafted)
    assert counter.worst_window == 2 * LIMIT - 1
    assert S.simulate_limiter("sliding_log", LIMIT, WINDOW_S, crafted).worst_window == LIMIT
    traces = {"poisson": max_counter_poisson, "crafted": counter.worst_window}
    C11_3.check(across("traffic", list(traces), lambda k: traces[k] <= 1.2 * LIMIT))
