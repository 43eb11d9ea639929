"""C1: scaling up and out, checked with M/M/c queues.

Assumption throughout: one vCPU serves one request at a time (a request does not run
faster on a bigger machine), arrivals are Poisson and CPU time per request is
exponential, so a machine with v vCPUs is an M/M/v queue and a balancer that spreads
requests at random gives each of n machines an M/M/v queue with 1/n of the load. The
per-request CPU time is calibrated so that today's 4 vCPU server at 90% has the guide's
2 s mean response.
"""

from __future__ import annotations

import numpy as np
import pytest

import scalemodel as sm
from scalemodel.testing import assert_above, assert_ci_contains

q = sm.queueing

TODAY_VCPU = 4
TODAY_UTILIZATION = 0.9
TODAY_RESPONSE_S = 2.0


@pytest.fixture(scope="module")
def calibrated() -> tuple[float, float]:
    """(service time s, arrival rate req/s) that reproduce today's 90% and 2 s on M/M/4."""
    # With service rate 1 the mean response is in units of the service time.
    scale = q.MMc(TODAY_UTILIZATION * TODAY_VCPU, 1.0, TODAY_VCPU).mean_response
    service_time = TODAY_RESPONSE_S / scale
    arrival_rate = TODAY_UTILIZATION * TODAY_VCPU / service_time
    return service_time, arrival_rate


def test_c1_1_vertical_upgrade_response_time(calibrated: tuple[float, float]) -> None:
    """C1.1 Upgrading 4 -> 16 vCPU does cut CPU to about a quarter, but response time cannot
    fall to the guide's 500 ms: it falls to the CPU time of one request (0.67 s here), the
    floor no amount of vCPUs removes, so 2 s -> 0.67 s is a 3x gain, not 4x. The claim that
    the box then serves 4x the users holds, and with better latency than today's."""
    service_time, load = calibrated
    mu = 1.0 / service_time
    today = q.MMc(load, mu, TODAY_VCPU)
    assert today.utilization == pytest.approx(TODAY_UTILIZATION, rel=1e-12)
    assert today.mean_response == pytest.approx(TODAY_RESPONSE_S, rel=1e-12)

    upgraded = q.MMc(load, mu, 4 * TODAY_VCPU)
    # CPU: 90% / 4 = 22.5%, the guide's "25%" within rounding.
    assert upgraded.utilization == pytest.approx(0.225, rel=1e-12)
    assert upgraded.utilization == pytest.approx(0.25, abs=0.03)
    # Response: nearly no queueing left, so it sits just above the bare service time...
    assert service_time <= upgraded.mean_response < service_time * 1.001
    # ...which is above 500 ms: the guide's figure is not reachable under this assumption.
    assert upgraded.mean_response > 0.5
    assert TODAY_RESPONSE_S / upgraded.mean_response < 3.0

    # 40,000 users instead of 10,000: four times the load on 16 vCPU is again 90% busy,
    # but the pooled box responds faster than today's small one.
    grown = q.MMc(4 * load, mu, 4 * TODAY_VCPU)
    assert grown.stable
    assert grown.utilization == pytest.approx(TODAY_UTILIZATION, rel=1e-12)
    assert grown.mean_response < today.mean_response
    # The most load that still meets today's 2 s mean is more than 4x today's.
    assert q.max_arrival_rate(mu, 4 * TODAY_VCPU, mean_response=TODAY_RESPONSE_S) > 4 * load


def test_c1_2_four_servers_and_one_failure(calibrated: tuple[float, float]) -> None:
    """C1.2 Four 4-vCPU servers at today's load each run at 22.5% (the guide's 22%) with the
    response at the floor of one request's CPU time (0.67 s, not 500 ms), and losing one
    leaves three at 30% with almost the same latency. But the guide's "40,000 users at 22%"
    mixes two loads: at 4x today's traffic each server is at 90% and responds exactly as
    badly as today's single server (2 s), and losing one of four then overloads the rest."""
    service_time, load = calibrated
    mu = 1.0 / service_time
    four = q.MMc(load / 4, mu, TODAY_VCPU)
    assert four.utilization == pytest.approx(TODAY_UTILIZATION / 4, rel=1e-12)
    assert four.mean_response > 0.5
    assert four.mean_response < service_time * 1.01

    three = q.MMc(load / 3, mu, TODAY_VCPU)
    assert three.utilization == pytest.approx(0.3, rel=1e-12)
    assert three.stable
    assert three.mean_response < service_time * 1.02
    # Pooling: the same 16 vCPU in one box waits less than in four boxes.
    pooled = q.MMc(load, mu, 4 * TODAY_VCPU)
    assert pooled.prob_wait < four.prob_wait

    # 40,000 users: each of the four gets today's whole load per vCPU.
    four_grown = q.MMc(4 * load / 4, mu, TODAY_VCPU)
    today = q.MMc(load, mu, TODAY_VCPU)
    assert four_grown.utilization == pytest.approx(TODAY_UTILIZATION, rel=1e-12)
    assert four_grown.mean_response == pytest.approx(today.mean_response, rel=1e-12)
    # One of the four dies at that load: 4/3 x 90% = 120% per server, no steady state.
    three_grown = q.MMc(4 * load / 3, mu, TODAY_VCPU)
    assert not three_grown.stable
    assert three_grown.utilization == pytest.approx(1.2, rel=1e-12)


def test_c1_2_simulated_failure_mid_run(calibrated: tuple[float, float]) -> None:
    """C1.2 (simulated) One of four 4-vCPU servers dies halfway through the run, requests
    spread at random (so each server sees Poisson traffic). At today's load the survivors
    move from 22.5% to 30% busy and their response stays at M/M/4's figure (within the
    99.9% interval of 20 replications); only requests in flight on the dead server fail.
    At 4x the load (the guide's 40,000 users) the survivors saturate (utilization -> 100%)
    and response time after the failure grows without bound: the guide's "others continue
    serving" holds only with at least 1/3 of spare capacity."""
    service_time, load = calibrated
    service = sm.sim.Exponential(service_time)
    mu = 1.0 / service_time

    def run(rate: float, customers: int) -> sm.sim.SimResult:
        mid = customers / rate / 2
        return sm.sim.simulate_balancer(
            "random",
            4,
            rate,
            service,
            servers_per_backend=TODAY_VCPU,
            customers=customers,
            warmup=0,
            outages=[sm.sim.Outage(at_s=mid, backend=0)],
            replications=20,
            seed=12,
        )

    today = run(load, 40_000)
    assert_ci_contains(today, "utilization_before", 0.225)
    assert_ci_contains(today, "utilization_after", 0.3)
    survivors = today.backends().loc[1:, "utilization_after"]
    assert np.allclose(survivors, 0.3, atol=0.01)
    assert_ci_contains(today, "mean_response_after", q.MMc(load / 3, mu, TODAY_VCPU).mean_response)
    assert 0 < today.fail_rate < 0.001

    grown = run(4 * load, 40_000)
    assert_above(grown, "utilization_after", 0.95)
    assert grown.estimate("mean_response_after") > 10 * grown.estimate("mean_response_before")
