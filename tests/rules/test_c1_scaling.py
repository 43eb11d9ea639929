"""C1: scaling up and out, checked with M/M/c and M/G/c queues.

Assumption throughout: one vCPU serves one request at a time (a request does not run
faster on a bigger machine) and arrivals are Poisson, so a machine with v vCPUs is an
M/G/v queue and a balancer that spreads requests at random gives each of n machines an
M/G/v queue with 1/n of the load. The per-request CPU time is calibrated so that today's
4 vCPU server at 90% has the guide's 2 s mean response. Exponential CPU times (M/M/v) are
the baseline; C1.1 is also checked across service-time variability (squared coefficient
of variation 0-4), with the Allen-Cunneen M/G/c approximation against the simulator.
"""

from __future__ import annotations

import numpy as np
import pytest
from verdicts import CONDITIONAL, HOLDS, Verdict, across, flips_at

import scalemodel as sm
from scalemodel.testing import assert_above, assert_ci_contains

q = sm.queueing

C1_1 = Verdict(
    "C1.1",
    CONDITIONAL,
    conditions="CPU falls to 22.5% and the box serves 4x the users faster than today for any "
    "service-time variability; the response falls to 500 ms (4x) only when request CPU times "
    "vary more than exponential ones: squared coefficient of variation (SCV) >= 2.05",
    figures="2 s -> 1.0 s (2.0x) at SCV 0, 0.67 s (3.0x) exponential, 0.51 s (3.9x) at SCV 2, "
    "0.34 s (5.9x) at SCV 4 (M/G/c, Allen-Cunneen; simulated 2.0x, 3.9x, 5.9x at SCV 0, 2, 4)",
)
C1_2 = Verdict(
    "C1.2",
    CONDITIONAL,
    conditions="at today's load: 22.5% per server, survivors at 30% after a failure; at the "
    "guide's 40,000 users (4x) each server is at 90% with today's 2 s, and losing one of four "
    "overloads the rest (120%): surviving a failure needs a third of spare capacity",
    figures="22.5% -> 30% busy and 0.67 s response at today's load; 90% -> 120% (no steady state) at 4x",
)

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
    """C1.1 With exponential CPU times, upgrading 4 -> 16 vCPU does cut CPU to about a
    quarter, but response time does not fall to the guide's 500 ms: it falls to the CPU time
    of one request (0.67 s here), the floor no amount of vCPUs removes, so 2 s -> 0.67 s is
    a 3x gain, not 4x. The claim that the box then serves 4x the users holds, and with
    better latency than today's.

    Assumes: M/M/4 today (Poisson arrivals, exponential CPU time per request, one request
    per vCPU), calibrated to 90% busy and 2 s mean response; M/M/16 after the upgrade."""
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


def test_c1_1_upgrade_across_service_variability() -> None:
    """C1.1 Whether 500 ms is reachable depends on how much request CPU times vary, which
    the guide does not say. Recalibrated to today's 90% and 2 s on M/G/4 for each
    variability, the upgraded box responds in about one CPU time, and that CPU time is
    what the calibration sets: with fixed CPU times (SCV 0) today's queueing is mild, so
    the CPU time is 1.0 s and the gain only 2.0x; with exponential ones 3.0x; web request
    times usually vary more (SCV 2-4), and then the gain is 3.9x to 5.9x: 500 ms is reached
    from SCV 2.05. The Allen-Cunneen figures agree with the simulator within its 99.9%
    interval. CPU at 22.5% and the 4x users (with better latency than today) hold at every
    variability.

    Assumes: M/G/4 today and M/G/16 after (Poisson arrivals, gamma CPU times of SCV 0-4,
    one request per vCPU), each recalibrated to 90% busy and 2 s mean response."""
    scvs = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0)

    def calibrated_service(scv: float) -> float:
        return (
            TODAY_RESPONSE_S
            / q.GGc(TODAY_UTILIZATION * TODAY_VCPU, 1.0, TODAY_VCPU, service_scv=scv).mean_response
        )

    def gain(scv: float) -> float:
        s = calibrated_service(scv)
        load = TODAY_UTILIZATION * TODAY_VCPU / s
        return TODAY_RESPONSE_S / q.GGc(load, s, 4 * TODAY_VCPU, service_scv=scv).mean_response

    gains = {scv: gain(scv) for scv in scvs}
    for scv, want in ((0.0, 1.98), (1.0, 2.97), (2.0, 3.95), (4.0, 5.92)):
        assert gains[scv] == pytest.approx(want, abs=0.01)
    # Independent check: simulate the station with unit CPU time at 90%; the mean response
    # in CPU times is the gain (the upgraded box responds within 1% of one CPU time).
    for scv in (0.0, 2.0, 4.0):
        service = sm.sim.Deterministic(1.0) if scv == 0 else sm.sim.Gamma(1.0, scv)
        today = sm.sim.simulate_queue(
            3.6, service, 4, customers=200_000, replications=16, seed=11, level=0.999
        )
        up = sm.sim.simulate_queue(3.6, service, 16, customers=50_000, replications=4, seed=12, level=0.999)
        assert up.mean_response == pytest.approx(1.0, abs=0.01)
        low, high = today.ci("mean_response")
        assert low / 1.01 - 0.02 <= gains[scv] <= high + 0.02, scv

    reaches_500ms = across("service SCV", scvs, lambda scv: gain(scv) >= 4.0)
    assert reaches_500ms.flips == [(2.0, 3.0)]
    assert flips_at(lambda scv: gain(scv) >= 4.0, 0.0, 4.0, xtol=1e-3) == pytest.approx(2.05, abs=0.01)

    def quarter_cpu_and_4x_users(scv: float) -> bool:
        s = calibrated_service(scv)
        load = TODAY_UTILIZATION * TODAY_VCPU / s
        up = q.GGc(load, s, 4 * TODAY_VCPU, service_scv=scv)
        grown = q.GGc(4 * load, s, 4 * TODAY_VCPU, service_scv=scv)
        return bool(
            abs(up.utilization - 0.225) < 1e-12 and grown.stable and grown.mean_response < TODAY_RESPONSE_S
        )

    rest = across("service SCV", scvs, quarter_cpu_and_4x_users)
    assert rest.status == HOLDS
    C1_1.check(reaches_500ms, rest)


def test_c1_2_four_servers_and_one_failure(calibrated: tuple[float, float]) -> None:
    """C1.2 Four 4-vCPU servers at today's load each run at 22.5% (the guide's 22%) with the
    response at the floor of one request's CPU time (0.67 s, not 500 ms), and losing one
    leaves three at 30% with almost the same latency. But the guide's "40,000 users at 22%"
    mixes two loads: at 4x today's traffic each server is at 90% and responds exactly as
    badly as today's single server (2 s), and losing one of four then overloads the rest.

    Assumes: four M/M/4 servers (Poisson arrivals, exponential CPU times) calibrated as in
    C1.1, requests spread evenly; today's load and 4x today's load."""
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
    survives = across("load / today's", (1, 2, 3, 4), lambda m: q.MMc(m * load / 3, mu, TODAY_VCPU).stable)
    assert survives.flips == [(3, 4)]  # three servers carry up to 3.3x today's load
    C1_2.check(survives)


def test_c1_2_simulated_failure_mid_run(calibrated: tuple[float, float]) -> None:
    """C1.2 (simulated) One of four 4-vCPU servers dies halfway through the run, requests
    spread at random (so each server sees Poisson traffic). At today's load the survivors
    move from 22.5% to 30% busy and their response stays at M/M/4's figure (within the
    99.9% interval of 20 replications); only requests in flight on the dead server fail.
    At 4x the load (the guide's 40,000 users) the survivors saturate (utilization -> 100%)
    and response time after the failure grows without bound: the guide's "others continue
    serving" holds only with at least 1/3 of spare capacity.

    Assumes: four 4-vCPU stations with exponential CPU times behind a random balancer,
    Poisson arrivals at today's load and 4x, one backend killed halfway through."""
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
