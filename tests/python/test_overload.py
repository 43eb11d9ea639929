"""Overload with clients that time out and retry (sm.sim.Client): the metastable failure
after a spike and what ends it, the retry budget's bound on attempts, and hedging's extra
load against its exact value at negligible load."""

from __future__ import annotations

import math

import numpy as np
import pytest
from intervals import LEVEL, assert_in_ci
from scipy import integrate, optimize, stats

import scalemodel as sm
from scalemodel.distributions import Exponential, Lognormal

# --- the metastable failure ---------------------------------------------------------------------
# One server of 8 workers, 50 ms exponential requests: 160 requests/s of capacity, run at 70%.
# Clients give up on an attempt after 1 s (the server still does the work: nothing cancels it)
# and retry at once, up to 3 times. At 70% an attempt almost never waits 1 s, so retries are
# rare. A 10 s spike to 2x builds a backlog of 640 requests, 4 s of waiting: every attempt
# then times out, each request makes 4 attempts, and 4 x 70% = 280% of capacity keeps the
# backlog growing after the traffic is back at 70%.
WORKERS, SERVICE_S = 8, 0.05
RATE = 0.7 * WORKERS / SERVICE_S
SPIKE_AT, SPIKE_S, AFTER_S = 120.0, 10.0, 300.0
TIMEOUT_S = 1.0


def _after_spike(client: sm.sim.Client, *, spike: bool = True, seed: int = 14) -> sm.sim.SystemResult:
    """Counts the requests that arrive from one minute after the spike ends for 4 minutes."""
    traffic = sm.arrivals.Profile.spike(RATE, 2 * RATE if spike else RATE, at_s=SPIKE_AT, duration_s=SPIKE_S)
    system = sm.sim.System(arrivals=traffic, client=client).tier(
        "app", 1, Exponential(SERVICE_S), concurrency=WORKERS
    )
    warmup = int(RATE * (SPIKE_AT + SPIKE_S + 60))
    requests = int(RATE * (AFTER_S - 60))
    return system.simulate(requests=requests, warmup=warmup, replications=6, seed=seed, window_s=10)


def test_timeouts_and_retries_without_a_budget_stay_down_after_a_spike():
    retrying = sm.sim.Client(timeout=TIMEOUT_S, retries=3)
    # Without the spike the same clients run at 70% for the whole horizon with no failure.
    calm = _after_spike(retrying, spike=False)
    assert calm.ci("fail_rate", LEVEL)[1] < 1e-3
    assert_in_ci(calm, "throughput", RATE, rel=0.02)
    # After it, at the same 70%, nothing succeeds in time: every attempt times out, 4 per request.
    down = _after_spike(retrying)
    assert down.stable
    assert down.ci("fail_rate", LEVEL)[0] > 0.99
    assert down.ci("throughput", LEVEL)[1] < 0.02 * RATE
    assert down.ci("attempts", LEVEL)[0] > 3.98
    assert down.ci("timeout_rate", LEVEL)[0] > 0.99
    # The time series says the same: completions stop with the spike and do not come back.
    ts = down.timeseries()
    late = ts[(ts.index >= SPIKE_AT + SPIKE_S + 60) & (ts.index < SPIKE_AT + AFTER_S)]
    assert (late["completed"] < 0.02 * late["arrivals"]).all()
    # Backoff with jitter spreads the retries but cannot lower their number: still down.
    backoff = _after_spike(sm.sim.Client(timeout=TIMEOUT_S, retries=3, backoff=0.5, jitter="full"))
    assert backoff.ci("fail_rate", LEVEL)[0] > 0.99


def test_a_retry_budget_or_no_retries_lets_the_system_recover():
    for client in (
        sm.sim.Client(timeout=TIMEOUT_S, retries=3, budget=0.1),
        sm.sim.Client(timeout=TIMEOUT_S, retries=0),
    ):
        up = _after_spike(client)
        assert up.ci("fail_rate", LEVEL)[1] < 0.005, client
        assert_in_ci(up, "throughput", RATE, rel=0.02)
        assert up.ci("attempts", LEVEL)[1] < 1.01
        # Goodput is back at the offered rate within 20 s of the spike's end.
        ts = up.timeseries()
        back = ts[(ts.index >= SPIKE_AT + SPIKE_S + 20) & (ts.index < SPIKE_AT + AFTER_S)]
        assert (back["completed"] > 0.85 * back["arrivals"]).all(), client


# --- the retry budget ---------------------------------------------------------------------------
@pytest.mark.parametrize("budget", [0.05, 0.2, 0.5])
def test_a_retry_budget_bounds_attempts_per_request(budget):
    # Every attempt fails at once: each request would make 1 + 3 attempts, but a retry takes a
    # token and a request adds `budget` tokens (bucket of 10), so over N requests the retries
    # are budget x N, give or take what the bucket held at the start and holds at the end.
    n, burst = 20_000, 10.0
    r = (
        sm.sim.System(arrival_rate=10, client=sm.sim.Client(retries=3, budget=budget, budget_burst=burst))
        .tier("a", 1, 0, concurrency=100, error_probability=1.0)
        .simulate(requests=n, replications=4, seed=41)
    )
    assert r.fail_rate == 1.0
    attempts = r.replication_values("attempts")
    assert np.all(np.abs(attempts - (1 + budget)) <= (burst + 1) / n), attempts


def test_a_budget_above_the_retries_needed_does_not_bind():
    # Half the attempts fail: 3 retries need (1 - p^4) / (1 - p) - 1 = 0.875 retries per request.
    p, retries = 0.5, 3
    needed = (1 - p ** (retries + 1)) / (1 - p)
    system = sm.sim.System(arrival_rate=10, client=sm.sim.Client(retries=retries, budget=0.3))
    tight = system.tier("a", 1, 0, concurrency=100, error_probability=p).simulate(
        requests=20_000, replications=4, seed=42
    )
    assert np.all(np.abs(tight.replication_values("attempts") - 1.3) <= 11 / 20_000)
    loose = (
        sm.sim.System(arrival_rate=10, client=sm.sim.Client(retries=retries, budget=2.0))
        .tier("a", 1, 0, concurrency=100, error_probability=p)
        .simulate(requests=20_000, replications=4, seed=43)
    )
    assert_in_ci(loose, "attempts", needed)
    assert_in_ci(loose, "fail_rate", p ** (retries + 1))


# --- hedging ------------------------------------------------------------------------------------
def test_hedging_costs_p_x_above_d_and_cuts_the_tail_of_a_lognormal():
    # Negligible load, no queueing: a hedge goes out when the first copy is still running at d,
    # so the extra load is P(X > d), and the response is min(X1, d + X2):
    # P(R > t) = S(t) for t < d, S(t) S(t - d) after.
    service = Lognormal.from_quantiles(0.02, 0.05, q=0.9)  # median 20 ms, p90 50 ms
    law = stats.lognorm(s=service.sigma, scale=service.median)
    d = float(law.ppf(0.95))
    r = (
        sm.sim.System(arrival_rate=0.01, client=sm.sim.Client(hedge_after=d))
        .tier("a", 1, service, concurrency=100)
        .simulate(requests=20_000, replications=8, seed=44)
    )
    extra = float(law.sf(d))
    assert extra == pytest.approx(0.05)
    assert_in_ci(r, "attempts", 1 + extra)
    low, high = r.tier_ci("a", "visits", LEVEL)
    assert low <= 1 + extra <= high

    def tail(t: float) -> float:
        return float(law.sf(t)) if t < d else float(law.sf(t) * law.sf(t - d))

    mean = integrate.quad(law.sf, 0, d)[0] + integrate.quad(lambda t: law.sf(t) * law.sf(t - d), d, np.inf)[0]
    assert_in_ci(r, "mean_response", mean)
    p99 = optimize.brentq(lambda t: tail(t) - 0.01, d, 10 * d)
    assert_in_ci(r, "p99_response", p99, rel=sm.sim.HISTOGRAM_RELATIVE_ERROR)
    # the tail cut (hedging at the p95, as in "The Tail at Scale"): 86 ms against the 106 ms
    # p99 of the service alone, for 5% more load
    assert p99 == pytest.approx(0.0857, abs=5e-4) and float(law.ppf(0.99)) == pytest.approx(0.1055, abs=5e-4)
    assert math.isclose(mean, service.mean, rel_tol=0.1) and mean < service.mean
