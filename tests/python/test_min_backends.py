"""sm.sim.min_backends: the fewest backends for a p99 target with k of them down, by
simulation, against the closed form of independent M/M/1 backends behind a random balancer."""

from __future__ import annotations

import math

import pytest

import scalemodel as sm


def analytic_random(rate: float, mean: float, p99: float) -> int:
    # Random splitting of Poisson traffic: each of n backends is an M/M/1 at rate/n, whose
    # response is exponential with rate mu - rate/n, so p99 = ln(100) / (mu - rate/n).
    mu = 1 / mean
    return math.ceil(rate / (mu - math.log(100) / p99))


def test_random_balancer_matches_independent_mm1_backends_and_k_down_adds_k():
    rate, mean, target = 100.0, 0.05, 0.3
    exact = analytic_random(rate, mean, target)  # 22
    found = sm.sim.min_backends("random", rate, mean, target, customers=40_000, replications=8, seed=1)
    # The search asks the whole 95% interval to meet the target, so it may add a node or two.
    assert exact <= found.backends <= exact + 2
    assert found.tried.loc[found.backends, "p99_ci_high"] <= target
    with_down = sm.sim.min_backends(
        "random", rate, mean, target, down=2, customers=40_000, replications=8, seed=1
    )
    assert with_down.backends == found.backends + 2


def test_a_smarter_policy_needs_fewer_backends():
    rate, mean, target = 100.0, 0.05, 0.3
    lc = sm.sim.min_backends(
        "least_connections", rate, mean, target, customers=20_000, replications=6, seed=2
    )
    assert lc.backends < analytic_random(rate, mean, target)


def test_an_unreachable_target_says_so():
    # A request alone takes longer than the target at the 99th percentile: no count helps.
    r = sm.sim.min_backends("random", 10.0, 0.05, 0.1, max_backends=40, customers=5_000, replications=4)
    assert r.backends is None
    with pytest.raises(ValueError, match="p99"):
        sm.sim.min_backends("random", 10.0, 0.05, -1.0)
