"""C11.5: what Twitter's 300 tweets/3 h, GitHub's 5,000/h and Stripe's 100/s allow.

Each limit is enforced three ways: a fixed window, a token bucket (capacity = limit,
refilled at limit / window) and a sliding log. A client floods at 10x the limit for ten
windows (steady arrivals), and separately sends the fixed-window attack (limit requests
just before and just after a boundary, within 1% of a window). Sustained rate: admitted
per second over the flood. Burst: the most admitted within one window, and within the
attack's 2% of a window.
"""

from __future__ import annotations

import pytest
from verdicts import CONDITIONAL, Verdict, across

import scalemodel as sm

C11_5 = Verdict(
    "C11.5",
    CONDITIONAL,
    conditions="the sustained rate is limit / window under every algorithm; the burst depends "
    "on the algorithm: 1x for the sliding log, 2x over a window for the token bucket, 2x "
    "around a boundary for the fixed window; the guide's own code sets Twitter's bucket 180x "
    "too high",
    figures="sustained 0.0278/s Twitter, 1.39/s GitHub, 100/s Stripe; the guide's capacity=300, "
    "refill 5/s sustains 54,000 tweets per 3 h",
)

S = sm.sim
PUBLISHED = {"twitter": (300, 3 * 3_600.0), "github": (5_000, 3_600.0), "stripe": (100, 1.0)}


@pytest.mark.parametrize("service", list(PUBLISHED))
def test_c11_5_published_limits_sustained_and_burst(service: str) -> None:
    """C11.5 Sustained: all three algorithms converge on limit / window, 0.0278/s (100 per
    hour) for Twitter, 1.39/s for GitHub and 100/s for Stripe. Burst: the sliding log
    never lets more than the limit into one window. The token bucket lets in twice the
    limit over one window even under a steady flood (a full bucket, then a window's
    refill). The fixed window stays near 1x under a steady flood but gives 2x to a client
    that times its requests around a boundary, all within 2% of a window (a few seconds
    for GitHub, 20 ms for Stripe), where the bucket gives just over 1x. What the guide gets wrong: its example code sets Twitter's
    tweet endpoint to capacity=300, refill_rate=5 (per second), which sustains 54,000
    tweets per 3 hours, 180x the published 300.

    Assumes: each limit enforced as a fixed window, a token bucket (capacity = limit,
    refilled at limit / window) or a sliding log; a steady flood at 10x the limit for ten
    windows, and the fixed-window boundary attack."""
    limit, window_s = PUBLISHED[service]
    sustained = limit / window_s
    burst_within_limit = {}
    for algorithm in ("fixed_window", "token_bucket", "sliding_log"):
        flood = S.simulate_limiter(
            algorithm, limit, window_s, S.Periodic(10 * sustained), duration_s=10 * window_s
        )
        # Ten windows of flood admit 10 x limit, plus the token bucket's initial burst.
        extra = limit if algorithm == "token_bucket" else 0
        assert abs(flood.admitted - (10 * limit + extra)) <= 1
        assert flood.admitted_rate == pytest.approx(sustained + extra / (10 * window_s), rel=1e-3)
        if algorithm == "token_bucket":
            assert 2 * limit - 1 <= flood.worst_window <= 2 * limit
        else:  # a steady flood fills each window's quota at its start: no boundary pile-up
            assert limit <= flood.worst_window <= 1.01 * limit + 1

        attack = S.simulate_limiter(
            algorithm, limit, window_s, S.Adversarial(), duration_s=10 * window_s, return_decisions=True
        )
        times = S.limiter_trace(S.Adversarial(), limit=limit, window_s=window_s, duration_s=10 * window_s)
        short_burst = S.worst_window(times, attack.decisions, 0.02 * window_s)
        burst_within_limit[algorithm] = max(flood.worst_window, short_burst) <= limit + max(1, 0.02 * limit)
        if algorithm == "fixed_window":
            assert short_burst == 2 * limit
        else:
            assert limit <= short_burst <= limit + max(1, 0.02 * limit)

    guide_twitter_per_3h = 5.0 * 3 * 3_600
    assert guide_twitter_per_3h / PUBLISHED["twitter"][0] == pytest.approx(180)
    C11_5.check(across("algorithm", list(burst_within_limit), burst_within_limit.get))
