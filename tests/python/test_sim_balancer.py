"""The load-balancer simulator against theory and exact properties.

Tolerances as in test_sim_queue: Student-t intervals at 99.9% over independent
replications with fixed seeds (deterministic tests; a correct simulator misses one given
interval under a fresh seed with probability about 0.1%). Where a limit theorem is the
reference (the supermarket model holds as the number of backends goes to infinity), the
finite-size gap is stated and bounded separately.
"""

from __future__ import annotations

import numpy as np
import pytest

import scalemodel as sm
from scalemodel.testing import assert_above, assert_below, assert_ci_contains

S = sm.sim
Q = sm.queueing


def supermarket_mean_response(lam: float, d: int) -> float:
    """Mitzenmacher's fixed point: a fraction s_i = lam^((d^i - 1)/(d - 1)) of queues holds
    at least i jobs (service rate 1), so by Little's law T = sum_i s_i / lam."""
    return sum(lam ** ((d**i - 1) / (d - 1)) for i in range(1, 60)) / lam


def test_random_routing_is_mm1_per_backend() -> None:
    """Poisson traffic split at random stays Poisson: each backend is M/M/1 at lam / n."""
    n, lam = 4, 3.2
    model = Q.MM1(lam / n, 1.0)
    r = S.simulate_balancer("random", n, lam, S.Exponential(1.0), customers=80_000, replications=20, seed=1)
    assert_ci_contains(r, "mean_response", model.mean_response)
    assert_ci_contains(
        r, "p99_response", model.response_quantile(0.99), slack=S.HISTOGRAM_RELATIVE_ERROR * 10
    )
    assert_ci_contains(r, "utilization", 0.8)
    b = r.backends()
    assert np.allclose(b["arrival_share"], 1 / n, atol=0.01)
    assert np.allclose(b["utilization"], 0.8, atol=0.02)


def test_power_of_two_choices_approaches_the_supermarket_fixed_point() -> None:
    """At lam = 0.9 the fixed point gives T = 2.614 s (M/M/1 per backend: 10 s). A finite
    cluster is slightly slower (an O(1/n) effect): with 200 backends the fixed point lies
    within 1% of the simulated interval, and 10 backends are measurably slower than 200."""
    lam = 0.9
    fixed = supermarket_mean_response(lam, 2)
    assert fixed == pytest.approx(2.614, abs=1e-3)
    big = S.simulate_balancer(
        "power_of_two", 200, lam * 200, S.Exponential(1.0), customers=300_000, replications=10, seed=2
    )
    assert_ci_contains(big, "mean_response", fixed, slack=0.01 * fixed)
    small = S.simulate_balancer(
        "power_of_d", 10, lam * 10, S.Exponential(1.0), d=2, customers=100_000, replications=10, seed=3
    )
    assert_above(small, "mean_response", big)
    # d = 1 is random routing: M/M/1 at 0.9, mean 10 s; two choices cut it almost 4x.
    assert Q.MM1(lam, 1.0).mean_response == pytest.approx(10.0)
    assert big.mean_response < Q.MM1(lam, 1.0).mean_response / 3.5


def test_round_robin_and_weighted_round_robin_shares_are_exact() -> None:
    r = S.simulate_balancer("round_robin", 4, 2.0, 1.0, customers=40_000, warmup=0, replications=2)
    assert np.allclose(r.backends()["arrival_share"], 0.25, atol=1e-4)
    w = S.simulate_balancer(
        "weighted_round_robin",
        3,
        2.0,
        1.0,
        speeds=[2.0, 1.0, 1.0],
        customers=40_000,
        warmup=0,
        replications=2,
    )
    assert np.allclose(w.backends()["arrival_share"], [0.5, 0.25, 0.25], atol=1e-4)
    # Round robin turns Poisson traffic into Erlang-4 arrivals per backend: less waiting than random.
    rnd = S.simulate_balancer("random", 4, 3.2, 1.0, customers=40_000, replications=10, seed=4)
    rr = S.simulate_balancer("round_robin", 4, 3.2, 1.0, customers=40_000, replications=10, seed=4)
    assert_below(rr, "mean_wait", rnd)


def test_least_connections_and_least_work_beat_oblivious_policies() -> None:
    service = S.Lognormal(1.0, 1.5)
    kw = dict(customers=40_000, replications=10, seed=5)
    results = {p: S.simulate_balancer(p, 8, 6.4, service, **kw) for p in ("random", "least_connections")}
    results["least_outstanding_work"] = S.simulate_balancer("least_work", 8, 6.4, service, **kw)
    lc, lw, rnd = (results[k] for k in ("least_connections", "least_outstanding_work", "random"))
    assert_below(lc, "mean_response", rnd)
    # Sending each request to the backend with the least unfinished work (sizes known) is
    # a central FIFO queue in disguise: every request waits exactly as in M/G/8. With the
    # same random stream the two simulations agree request by request.
    central = S.simulate_queue(6.4, service, 8, **kw)
    assert lw.mean_response == pytest.approx(central.mean_response, rel=1e-12)
    assert lw.response_quantile(0.99) == central.response_quantile(0.99)
    assert lw.mean_response < lc.mean_response


def test_sticky_clients_skew_the_load() -> None:
    kw = dict(customers=40_000, replications=10, seed=6)
    even = S.simulate_balancer("sticky", 4, 2.0, 1.0, clients=100_000, client_skew=0.0, **kw)
    skewed = S.simulate_balancer("ip_hash", 4, 2.0, 1.0, clients=1000, client_skew=1.0, **kw)
    assert_below(even, "imbalance", 1.05)
    assert_above(skewed, "imbalance", 1.1)


def test_backend_failure_mid_run() -> None:
    """Four M/M/1 backends at 60%, random routing; backend 0 dies at the middle of the run.
    Its in-flight requests fail; the other three absorb its traffic at 80% each and their
    response time rises from M/M/1 at 0.6 to M/M/1 at 0.8."""
    lam, n = 2.4, 4
    horizon = 40_000 / lam
    r = S.simulate_balancer(
        "round_robin",
        n,
        lam,
        S.Exponential(1.0),
        customers=40_000,
        warmup=0,
        outages=[S.Outage(at_s=horizon / 2, backend=0)],
        replications=20,
        seed=7,
    )
    b = r.backends()
    assert b.loc[0, "utilization_after"] == 0.0
    assert np.allclose(b.loc[1:, "utilization_after"], 0.8, atol=0.02)
    assert np.allclose(b.loc[1:, "utilization_before"], 0.6, atol=0.02)
    assert 0 < r.fail_rate < 0.001
    assert_ci_contains(r, "utilization_after", 0.8)
    # Round robin over the survivors is not Poisson per backend, so compare with the
    # M/M/1 bounds: better than random routing at the same load, worse than before.
    before = r.estimate("mean_response_before")
    after = r.estimate("mean_response_after")
    assert after > 1.5 * before
    assert after < Q.MM1(0.8, 1.0).mean_response
    assert r.response_quantile_after(0.99) > r.response_quantile_before(0.99)


def test_balancer_overhead_adds_to_every_response() -> None:
    kw = dict(customers=10_000, replications=3, seed=8)
    base = S.simulate_balancer("random", 4, 2.0, 1.0, **kw)
    l7 = S.simulate_balancer("random", 4, 2.0, 1.0, overhead_s=S.L7_OVERHEAD_S, **kw)
    assert l7.mean_response - base.mean_response == pytest.approx(S.L7_OVERHEAD_S, rel=1e-9)
    assert l7.mean_wait == base.mean_wait


def test_same_seed_same_result_for_every_policy() -> None:
    for policy in S.POLICIES:
        kw = dict(customers=5_000, replications=4, seed=9, speeds=[1.0, 2.0, 1.0])
        one = S.simulate_balancer(policy, 3, 2.0, S.Exponential(0.5), threads=1, **kw)
        two = S.simulate_balancer(policy, 3, 2.0, S.Exponential(0.5), threads=2, **kw)
        for name in one.metric_names:
            a, b = one.replication_values(name), two.replication_values(name)
            assert np.array_equal(a, b, equal_nan=True), (policy, name)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(policy="fastest"), ValueError, "policy"),
        (dict(policy=3), TypeError, "policy"),
        (dict(backends=0), ValueError, "backends"),
        (dict(backends=10**6), ValueError, "backends"),
        (dict(d=0), ValueError, "d"),
        (dict(clients=0), ValueError, "clients"),
        (dict(client_skew=-1.0), ValueError, "client_skew"),
        (dict(overhead_s=-1.0), ValueError, "overhead_s"),
        (dict(speeds=[1.0, 2.0]), ValueError, "speeds"),
        (dict(speeds=[1.0, 0.0, 1.0]), ValueError, "speeds"),
        (dict(outages=[S.Outage(at_s=1.0, backend=3)]), ValueError, "outage backend"),
    ],
)
def test_bad_balancer_input_names_the_parameter(kwargs: dict, error: type, match: str) -> None:
    args = dict(policy="random", backends=3, arrival_rate=1.0, service=1.0, customers=100, replications=2)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        S.simulate_balancer(**args)
