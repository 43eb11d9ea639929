"""C11.1: an attacker flooding a service, with and without a per-client rate limiter.

Assumptions the guide leaves out: the 10,000 QPS service is 10 servers of 1,000 requests/s
each with exponential service times (an M/M/10 station) carrying 5,000 QPS of legitimate
traffic; the attacker is one client id sending a steady 100,000 requests/s; the limiter is
the guide's 1,000 requests per hour per user, as a token bucket of 1,000 tokens refilled
at 1,000 per hour.
"""

from __future__ import annotations

import numpy as np
import pytest
from verdicts import HOLDS, Verdict, across

import scalemodel as sm

C11_1 = Verdict(
    "C11.1",
    HOLDS,
    figures="unprotected: 105,000 QPS on 10,000 of capacity (utilisation 10.5, no steady state); "
    "behind a 1,000/hour per-client bucket the attacker gets 1,017 requests in a minute and "
    "the service stays at 50%; the limiter still rejects 6M requests a minute, and 36,000 "
    "client ids overload it again",
)

SERVERS, PER_SERVER_QPS, LEGIT_QPS, ATTACK_QPS = 10, 1_000.0, 5_000.0, 100_000.0
LIMIT, WINDOW_S = 1_000, 3_600.0


def test_c11_1_attacker_overloads_service_without_limiter() -> None:
    """C11.1 True, and bounded: without a limiter the M/M/10 station is offered 105,000
    QPS against 10,000 of capacity (utilisation 10.5): no steady state, delays grow without
    bound. Behind a per-client token bucket (simulated per key over one minute, with
    100,000 legitimate users all admitted) the attacker's admitted load over a minute of
    flooding is at most 1,000 + 1,000/3,600 x 60 = 1,016.7 requests (17 QPS), and at most
    1,000 per hour afterwards, so the station stays at about 50% utilisation with the
    same mean response as without the attacker, to within 0.4%. What the guide omits: the
    limiter itself still answers all 100,000 requests/s (6 million rejections a minute),
    and the protection is per client id: an attacker with more than 10,000 / (1,000 /
    3,600) = 36,000 ids is again above capacity.

    Assumes: the service as M/M/10 at 1,000 req/s per server with 5,000 QPS of legitimate
    Poisson traffic from 100,000 users; one attacker id at a steady 100,000 req/s; a per-id
    token bucket of 1,000 refilled at 1,000 per hour."""
    unprotected = sm.queueing.MMc(LEGIT_QPS + ATTACK_QPS, PER_SERVER_QPS, SERVERS)
    assert unprotected.utilization == pytest.approx(10.5)
    assert not unprotected.stable
    assert unprotected.mean_response == float("inf")

    duration_s = 60.0
    # One minute of traffic: 100,000 legitimate users (Poisson, 5,000 QPS in all, about three
    # requests each) and the attacker (key -1), each key with its own bucket.
    rng = np.random.default_rng(11)
    legit = sm.sim.limiter_trace(LEGIT_QPS, duration_s=duration_s, seed=11)
    attack = sm.sim.limiter_trace(sm.arrivals.Periodic(ATTACK_QPS), duration_s=duration_s)
    times = np.concatenate([legit, attack])
    keys = np.concatenate([rng.integers(0, 100_000, legit.size), np.full(attack.size, -1)])
    order = np.argsort(times, kind="stable")
    flood = sm.sim.simulate_limiter(
        "token_bucket", LIMIT, WINDOW_S, times[order], keys=keys[order], return_decisions=True
    )
    assert flood.decisions is not None
    admitted_legit = int(flood.decisions[keys[order] >= 0].sum())
    admitted_attack = flood.admitted - admitted_legit
    assert admitted_legit == legit.size  # no legitimate user is anywhere near 1,000 per hour
    bound = LIMIT + LIMIT / WINDOW_S * duration_s
    assert bound - 1 <= admitted_attack <= bound
    assert flood.worst_key == -1
    assert flood.rejected >= 5_998_000

    admitted_qps = flood.admitted / duration_s
    protected = sm.queueing.MMc(admitted_qps, PER_SERVER_QPS, SERVERS)
    baseline = sm.queueing.MMc(LEGIT_QPS, PER_SERVER_QPS, SERVERS)
    assert protected.stable
    assert protected.utilization == pytest.approx(0.5017, abs=2e-3)
    assert protected.mean_response == pytest.approx(baseline.mean_response, rel=4e-3)

    ids_to_overload = (SERVERS * PER_SERVER_QPS - LEGIT_QPS) / (LIMIT / WINDOW_S)
    assert ids_to_overload == pytest.approx(18_000)
    assert SERVERS * PER_SERVER_QPS / (LIMIT / WINDOW_S) == pytest.approx(36_000)
    attacks = (20_000.0, 100_000.0, 1_000_000.0)
    C11_1.check(
        across(
            "attack QPS",
            attacks,
            lambda a: not sm.queueing.MMc(LEGIT_QPS + a, PER_SERVER_QPS, SERVERS).stable,
        )
    )
