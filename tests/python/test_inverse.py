"""Inverse problems (min_servers, max_arrival_rate) checked by the forward M/M/c model.

Oracle: the definition of each answer. min_servers returns the smallest c meeting every
target, so MMc with c servers must meet them and MMc with c - 1 must not; max_arrival_rate
returns the largest rate meeting them, so at that rate the binding target is met with
near-equality and a slightly higher rate misses it. The forward MMc metrics themselves
are checked against independent oracles in test_queueing_models.py and test_erlang.py; the
closed form u c mu is used for a utilization-only target.

Tolerances: max_arrival_rate is documented to ~1e-12 relative in the rate (TOMS 748,
42-bit tolerance). A metric m(lam) then sits within |d ln m / d ln lam| x 1e-12 of the
target; for the cases here that elasticity is < 1e3, so rel 1e-8 holds with room, and a
rate 1e-6 higher (a million times the rate error) must miss the target.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalemodel import queueing as q


def meets(lam: float, mu: float, c: int, **targets: Any) -> bool:
    """Does M/M/c(lam, mu, c) meet every target? Written from the targets' definitions."""
    if c < 1:
        return False
    m = q.MMc(lam, mu, c)
    if not m.stable:
        return False
    ok = True
    if targets.get("utilization") is not None:
        ok &= bool(m.utilization <= targets["utilization"])
    if targets.get("prob_wait") is not None:
        ok &= bool(m.prob_wait <= targets["prob_wait"])
    if targets.get("mean_response") is not None:
        ok &= bool(m.mean_response <= targets["mean_response"])
    if targets.get("response_time") is not None:
        ok &= bool(m.response_quantile(targets.get("quantile", 0.99)) <= targets["response_time"])
    return ok


MIN_SERVERS_CASES = [
    (10.0, 1.0, {"prob_wait": 0.2}),
    (10.0, 1.0, {"prob_wait": 0.01}),
    (1000.0, 1.0, {"prob_wait": 0.05}),
    (0.5, 1.0, {"prob_wait": 0.9}),
    (50.0, 2.0, {"response_time": 2.4}),  # p99 by default; service alone: ln(100)/2 = 2.30 s
    (50.0, 2.0, {"response_time": 4.0, "quantile": 0.999}),  # service alone: ln(1000)/2 = 3.45 s
    (5000.0, 10.0, {"response_time": 0.5}),
    (20.0, 1.0, {"mean_response": 1.05}),
    (20.0, 1.0, {"mean_response": 1.5}),
    (20.0, 1.0, {"utilization": 0.7}),
    (21.0, 1.0, {"utilization": 0.7}),  # a / u = 30 exactly: 30 servers
    (100.0, 3.0, {"utilization": 0.5}),
    (30.0, 1.0, {"utilization": 0.8, "prob_wait": 0.1}),
    (30.0, 1.0, {"utilization": 0.95, "response_time": 4.7}),
    (30.0, 1.0, {"mean_response": 1.01, "prob_wait": 0.5, "utilization": 0.9}),
    (
        30.0,
        1.0,
        {
            "response_time": 5.0,
            "quantile": 0.95,
            "mean_response": 1.2,
            "prob_wait": 0.3,
            "utilization": 0.99,
        },
    ),
    (0.0, 1.0, {"prob_wait": 0.1}),
]


@pytest.mark.parametrize(("lam", "mu", "targets"), MIN_SERVERS_CASES)
def test_min_servers_is_minimal(lam: float, mu: float, targets: dict[str, float]) -> None:
    """Oracle: MMc itself: c servers meet every target, c - 1 do not."""
    c = q.min_servers(lam, mu, **targets)
    assert np.isfinite(c) and c == int(c) and c >= 1
    c = int(c)
    assert meets(lam, mu, c, **targets), f"c={c} misses {targets}"
    assert not meets(lam, mu, c - 1, **targets), f"c-1={c - 1} already meets {targets}"


def test_min_servers_utilization_closed_form() -> None:
    """Oracle: a utilization target alone needs ceil(a / u) servers (a / u not a whole number),
    or a / u when it is one, and at least floor(a) + 1 for stability at u = 1."""
    assert q.min_servers(21.0, 1.0, utilization=0.7) == 30
    assert q.min_servers(20.0, 1.0, utilization=0.7) == math.ceil(20 / 0.7)
    assert q.min_servers(20.0, 1.0, utilization=1.0) == 21  # u = 1 exactly is unstable
    assert q.min_servers(7.5, 2.5, utilization=1.0) == 4


@pytest.mark.parametrize(
    "targets",
    [
        {"mean_response": 1.0},  # = 1/mu: even infinitely many servers leave the service time
        {"mean_response": 0.5},
        {"response_time": 0.999 * math.log(100.0)},  # just below the p99 of the service time Exp(1)
        {"response_time": 1.0},
        {"response_time": 2.0, "quantile": 0.9},  # p90 of Exp(1) is 2.303 > 2
        {"prob_wait": 0.1, "mean_response": 0.9},
    ],
)
def test_min_servers_infeasible_is_inf(targets: dict[str, float]) -> None:
    """Oracle: with unlimited servers the response is the Exp(mu) service time alone; a target
    at or below its mean (1/mu) or quantile (-ln(1-q)/mu) cannot be met: inf, not an error."""
    assert q.min_servers(10.0, 1.0, **targets) == math.inf


def test_min_servers_vectorized() -> None:
    """Oracle: the scalar call at each element; infeasible elements are inf inside the array."""
    lam = np.array([[1.0], [10.0], [100.0]])
    rt = np.array([0.5, 3.0, 6.0, 10.0])  # 0.5 s < p99 of Exp(1) = 4.6 s: infeasible
    got = q.min_servers(lam, 1.0, response_time=rt)
    assert got.shape == (3, 4)
    assert got.dtype == np.float64
    for i in range(3):
        for j in range(4):
            assert got[i, j] == q.min_servers(float(lam[i, 0]), 1.0, response_time=float(rt[j]))
    assert np.isinf(got[:, 0]).all() and np.isinf(got[:, 1]).all()
    assert np.isfinite(got[:, 2:]).all()
    assert np.all(np.diff(got[:, 2]) > 0)  # more traffic, more servers


@settings(max_examples=100, deadline=None)
@given(
    lam=st.floats(min_value=0.01, max_value=2000.0),
    mu=st.floats(min_value=0.1, max_value=10.0),
    pw=st.floats(min_value=0.001, max_value=0.999),
)
def test_property_min_servers_prob_wait(lam: float, mu: float, pw: float) -> None:
    """Oracle: MMc: the returned c meets P(wait) <= target and c - 1 does not."""
    c = int(q.min_servers(lam, mu, prob_wait=pw))
    assert meets(lam, mu, c, prob_wait=pw)
    assert not meets(lam, mu, c - 1, prob_wait=pw)


@settings(max_examples=100, deadline=None)
@given(
    lam=st.floats(min_value=0.01, max_value=2000.0),
    mu=st.floats(min_value=0.1, max_value=10.0),
    slack=st.floats(min_value=1.01, max_value=20.0),
)
def test_property_min_servers_p99(lam: float, mu: float, slack: float) -> None:
    """Oracle: MMc: p99 response target (slack x the service time's own p99, so feasible)."""
    rt = slack * math.log(100.0) / mu
    c = int(q.min_servers(lam, mu, response_time=rt))
    assert meets(lam, mu, c, response_time=rt)
    assert not meets(lam, mu, c - 1, response_time=rt)


# ---------------------------------------------------------------------------- max_arrival_rate


@pytest.mark.parametrize(
    ("mu", "c", "key", "target"),
    [
        (1.0, 1, "prob_wait", 0.5),
        (1.0, 10, "prob_wait", 0.2),
        (2.0, 100, "prob_wait", 0.05),
        (1.0, 1, "mean_response", 4.0),
        (1.0, 8, "mean_response", 1.1),
        (5.0, 50, "mean_response", 0.201),
    ],
)
def test_max_arrival_rate_binding_target(mu: float, c: int, key: str, target: float) -> None:
    """Oracle: MMc at the returned rate meets the target with near-equality (rel 1e-8); a rate
    1e-6 higher misses it."""
    lam = float(q.max_arrival_rate(mu, c, **{key: target}))
    assert 0.0 < lam < c * mu
    at = getattr(q.MMc(lam, mu, c), key)
    assert at <= target
    assert at == pytest.approx(target, rel=1e-8)
    assert getattr(q.MMc(lam * (1 + 1e-6), mu, c), key) > target


@settings(max_examples=100, deadline=None)
@given(
    mu=st.floats(min_value=0.1, max_value=10.0),
    c=st.integers(min_value=1, max_value=200),
    pw=st.floats(min_value=0.01, max_value=0.99),
)
def test_property_max_arrival_rate_prob_wait(mu: float, c: int, pw: float) -> None:
    """Oracle: MMc: P(wait) at the returned rate equals the target (rel 1e-8; the elasticity
    of Erlang C in the load is < 1e3 for P(wait) >= 0.01); 1e-6 more load misses it."""
    lam = float(q.max_arrival_rate(mu, c, prob_wait=pw))
    assert 0.0 < lam < c * mu
    at = float(q.MMc(lam, mu, c).prob_wait)
    assert at <= pw
    assert at == pytest.approx(pw, rel=1e-8)
    assert q.MMc(lam * (1 + 1e-6), mu, c).prob_wait > pw


def test_max_arrival_rate_closed_form_mm1() -> None:
    """Oracle: M/M/1 by hand: P(wait) = lam/mu, W = 1/(mu - lam), p99 = ln(100)/(mu - lam)."""
    mu = 3.0
    assert q.max_arrival_rate(mu, 1, prob_wait=0.4) == pytest.approx(0.4 * mu, rel=1e-11)
    assert q.max_arrival_rate(mu, 1, mean_response=2.0) == pytest.approx(mu - 0.5, rel=1e-11)
    assert q.max_arrival_rate(mu, 1, response_time=5.0) == pytest.approx(
        mu - math.log(100.0) / 5.0, rel=1e-11
    )
    p90 = q.max_arrival_rate(mu, 1, response_time=5.0, quantile=0.9)
    assert p90 == pytest.approx(mu - math.log(10.0) / 5.0, rel=1e-11)


@pytest.mark.parametrize(
    ("mu", "c", "rt", "quant"), [(1.0, 4, 6.0, 0.99), (2.0, 20, 3.0, 0.99), (1.0, 10, 8.0, 0.999)]
)
def test_max_arrival_rate_response_quantile(mu: float, c: int, rt: float, quant: float) -> None:
    """Oracle: MMc.response_quantile at the returned rate equals the target (rel 1e-8); 1e-6 more load misses it."""
    lam = float(q.max_arrival_rate(mu, c, response_time=rt, quantile=quant))
    assert 0.0 < lam < c * mu
    at = q.MMc(lam, mu, c).response_quantile(quant)
    assert at <= rt * (1 + 1e-12)
    assert at == pytest.approx(rt, rel=1e-8)
    assert q.MMc(lam * (1 + 1e-6), mu, c).response_quantile(quant) > rt


@pytest.mark.parametrize(("mu", "c", "u"), [(1.0, 1, 0.5), (2.0, 7, 0.8), (0.3, 250, 0.95), (10.0, 3, 0.1)])
def test_max_arrival_rate_utilization_closed_form(mu: float, c: int, u: float) -> None:
    """Oracle: utilization = lam / (c mu) <= u gives lam = u c mu exactly (to rounding)."""
    assert q.max_arrival_rate(mu, c, utilization=u) == pytest.approx(u * c * mu, rel=1e-14)


def test_max_arrival_rate_combination_takes_the_tightest() -> None:
    """Oracle: each target's own answer; the combination is their minimum."""
    mu, c = 1.0, 10
    single = {
        "prob_wait": q.max_arrival_rate(mu, c, prob_wait=0.3),
        "mean_response": q.max_arrival_rate(mu, c, mean_response=1.02),
        "utilization": q.max_arrival_rate(mu, c, utilization=0.85),
    }
    both = q.max_arrival_rate(mu, c, prob_wait=0.3, mean_response=1.02, utilization=0.85)
    assert both == pytest.approx(min(single.values()), rel=1e-11)
    assert meets(float(both), mu, c, prob_wait=0.3, mean_response=1.02, utilization=0.85)


def test_max_arrival_rate_infeasible_is_zero() -> None:
    """Oracle: an idle M/M/c still takes 1/mu on average: a smaller mean target gives rate 0."""
    assert q.max_arrival_rate(1.0, 4, mean_response=0.9) == 0.0
    assert q.max_arrival_rate(1.0, 4, response_time=1.0) == 0.0  # p99 of Exp(1) is 4.6 s


def test_max_arrival_rate_vectorized() -> None:
    """Oracle: the scalar call at each element, and u c mu for a utilization grid."""
    c = np.array([1, 2, 5, 10])
    u = np.array([[0.5], [0.9]])
    got = q.max_arrival_rate(2.0, c, utilization=u)
    assert got.shape == (2, 4)
    np.testing.assert_allclose(got, u * c * 2.0, rtol=1e-14)
    pw = q.max_arrival_rate(1.0, c, prob_wait=np.array([0.1, 0.2, 0.3, 0.4]))
    assert pw.shape == (4,)
    for i in range(4):
        assert pw[i] == q.max_arrival_rate(1.0, int(c[i]), prob_wait=[0.1, 0.2, 0.3, 0.4][i])


def test_inverse_bad_input() -> None:
    """Oracle: the documented ranges; errors name the parameter."""
    with pytest.raises(ValueError, match="target"):
        q.min_servers(1.0, 1.0)
    with pytest.raises(ValueError, match="prob_wait"):
        q.min_servers(1.0, 1.0, prob_wait=1.5)
    with pytest.raises(ValueError, match="utilization"):
        q.min_servers(1.0, 1.0, utilization=0.0)
    with pytest.raises(ValueError, match="quantile"):
        q.min_servers(1.0, 1.0, response_time=1.0, quantile=1.0)
    with pytest.raises(ValueError, match="arrival_rate"):
        q.min_servers(-1.0, 1.0, prob_wait=0.1)
    with pytest.raises(ValueError, match="servers"):
        q.max_arrival_rate(1.0, 0, prob_wait=0.1)
    with pytest.raises(ValueError, match="mean_response"):
        q.max_arrival_rate(1.0, 2, mean_response=-1.0)
    with pytest.raises(TypeError, match="response_time"):
        q.max_arrival_rate(1.0, 2, response_time="1s")
