"""Erlang B and Erlang C against independent oracles.

Oracles:
* mpmath at 50 significant digits: B(c, a) = Poisson pmf(c; a) / Poisson cdf(c; a), written
  as exp(c ln a - a - loggamma(c+1)) / gammainc(c+1, a, inf, regularized=True); and
  C = c B / (c - a (1 - B)).
* pyworkforce's ErlangC.waiting_probability (an independent iterative Erlang B recursion).

Tolerances. The reference is exact to ~1e-50, so the error measured is the engine's. Its
inputs are doubles, so even a perfect engine inherits the conditioning of B in a:
|d ln B / d ln a| = c - a + a B, which is < 4e4 wherever B does not underflow for
c <= 1e6 (underflow sets in below a/c ~ 0.96 at c = 1e6); one ulp of a (1.1e-16) then moves
B by < 5e-12 relative. The brief's 1e-10 bound therefore leaves a margin of ~20x over a
backward-stable result and is not loosened anywhere.
"""

from __future__ import annotations

import sys

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalemodel import queueing as q

mp = mpmath.mp
mp.dps = 50

DBL_MIN = sys.float_info.min  # 2.2250738585072014e-308, smallest normal double
REL_TOL = 1e-10


def exact_b(c: int, a: float) -> mpmath.mpf:
    """Erlang B in 50-digit arithmetic: Poisson pmf over Poisson cdf at c."""
    cm, am = mpmath.mpf(c), mpmath.mpf(a)
    pmf = mpmath.exp(cm * mpmath.log(am) - am - mpmath.loggamma(cm + 1))
    cdf = mpmath.gammainc(cm + 1, am, mpmath.inf, regularized=True)
    return pmf / cdf


def exact_c(c: int, a: float) -> mpmath.mpf:
    """Erlang C from the exact Erlang B; 1 when the queue is unstable (a >= c)."""
    if a >= c:
        return mpmath.mpf(1)
    b = exact_b(c, a)
    cm, am = mpmath.mpf(c), mpmath.mpf(a)
    return cm * b / (cm - am * (1 - b))


def assert_matches_exact(got: float, exact: mpmath.mpf, what: str) -> None:
    """Relative error <= REL_TOL where the exact value is a normal double.

    Below DBL_MIN a double has no fixed relative precision (subnormals carry fewer bits,
    and below 5e-324 the correctly rounded answer is 0), so there the check is that the
    result is a non-negative number below DBL_MIN, as the engine documents.
    """
    assert np.isfinite(got), f"{what}: got {got!r}"
    if exact < DBL_MIN:
        assert 0.0 <= got < DBL_MIN, f"{what}: got {got!r}, exact {mpmath.nstr(exact, 17)}"
        return
    rel = abs(mpmath.mpf(got) - exact) / exact
    assert rel <= REL_TOL, f"{what}: got {got!r}, exact {mpmath.nstr(exact, 20)}, rel err {float(rel):.3g}"


SMALL_CASES = [
    (c, a)
    for c in (1, 2, 3, 5, 8, 13, 20, 50, 100, 250)
    for a in (
        0.001 * c,
        0.1 * c,
        0.5 * c,
        0.9 * c,
        0.99 * c,
        float(c),
        1.01 * c,
        1.5 * c,
        3.0 * c,
        10.0 * c,
    )
] + [(1, 1e-12), (1, 1e6), (7, 1e-3), (40, 1e4)]


@pytest.mark.parametrize(("c", "a"), SMALL_CASES)
def test_small_c_matches_mpmath(c: int, a: float) -> None:
    """Oracle: mpmath pmf/cdf at 50 digits; rel err <= 1e-10 for B and C."""
    assert_matches_exact(float(q.erlang_b(c, a)), exact_b(c, a), f"erlang_b({c}, {a!r})")
    assert_matches_exact(float(q.erlang_c(c, a)), exact_c(c, a), f"erlang_c({c}, {a!r})")


def test_closed_forms_single_server() -> None:
    """Oracle: by hand, B(1, a) = a / (1 + a) and C(1, a) = a for a < 1."""
    a = np.array([1e-9, 0.25, 0.5, 0.75, 0.999])
    np.testing.assert_allclose(q.erlang_b(1, a), a / (1 + a), rtol=1e-14, atol=0)
    np.testing.assert_allclose(q.erlang_c(1, a), a, rtol=1e-14, atol=0)


def test_zero_load() -> None:
    """Oracle: with no offered load nobody is blocked and nobody waits."""
    assert q.erlang_b(5, 0.0) == 0.0
    assert q.erlang_c(5, 0.0) == 0.0


LARGE_C = (10**4, 10**5, 10**6)
NEAR = (-1e-6, -5e-7, -1e-7, 0.0, 1e-7, 5e-7, 1e-6)
RATIOS = (0.5, 0.9, 0.97, 0.99, 0.999, 1.001, 1.01, 1.1, 1.5)
LARGE_CASES = [(c, c + d) for c in LARGE_C for d in NEAR] + [(c, c * r) for c in LARGE_C for r in RATIOS]


@pytest.mark.parametrize(("c", "a"), LARGE_CASES)
def test_large_c_matches_mpmath(c: int, a: float) -> None:
    """Oracle: mpmath pmf/cdf at 50 digits for c up to 1e6, load within 1e-6 of c and a/c in 0.5..1.5."""
    assert_matches_exact(float(q.erlang_b(c, a)), exact_b(c, a), f"erlang_b({c}, {a!r})")
    assert_matches_exact(float(q.erlang_c(c, a)), exact_c(c, a), f"erlang_c({c}, {a!r})")


def test_large_c_vectorized_matches_scalar() -> None:
    """Oracle: the scalar path; a whole large-c array gives the same numbers element by element."""
    c = np.array([10**4, 10**5, 10**6])
    a = c - 1e-6
    got = q.erlang_b(c, a)
    for ci, ai, gi in zip(c, a, got):
        assert gi == q.erlang_b(int(ci), float(ai))
        assert_matches_exact(float(gi), exact_b(int(ci), float(ai)), f"erlang_b({ci}, {ai!r})")


def test_underflow() -> None:
    """Oracle: mpmath says B(1000, 10) ~ 1.1e-1572, far below the smallest double."""
    exact = exact_b(1000, 10.0)
    assert exact < mpmath.mpf("1e-1500")
    b = q.erlang_b(1000, 10.0)
    assert 0.0 <= b < 2.3e-308
    c = q.erlang_c(1000, 10.0)
    assert 0.0 <= c < 2.3e-308


@pytest.mark.parametrize(("c", "a"), [(170, 1e-10), (200, 1e-9), (1000, 1e-12), (10**6, 1e-8), (169, 1e-10)])
def test_tiny_load_many_servers_underflows_without_error(c: int, a: float) -> None:
    """Oracle: mpmath; B(c, a) ~ a^c / c! is far below DBL_MIN here, so the answer is 0 (or subnormal).

    E.g. B(170, 1e-10) ~ 1e-2007. The documented range is every c up to 1e7 and every
    a >= 0, so the engine must return a number, not raise.
    """
    exact = exact_b(c, a)
    assert exact < DBL_MIN
    assert_matches_exact(float(q.erlang_b(c, a)), exact, f"erlang_b({c}, {a!r})")
    assert_matches_exact(float(q.erlang_c(c, a)), exact_c(c, a), f"erlang_c({c}, {a!r})")


PYWORKFORCE_CASES = [
    (c, r * c) for c in (1, 2, 5, 10, 25, 60, 120, 200) for r in (0.1, 0.5, 0.8, 0.9, 0.95)
] + [(3, 2.9), (47, 31.3), (150, 149.0)]


@pytest.mark.parametrize(("c", "a"), PYWORKFORCE_CASES)
def test_erlang_c_matches_pyworkforce(c: int, a: float) -> None:
    """Oracle: pyworkforce ErlangC(transactions=a, aht=1, interval=1), intensity = a erlangs.

    pyworkforce iterates 1/B forward over c steps (relative error <= c eps) and then forms
    c - a (1 - B), which cancels by a factor of at most a / (c - a). Its error is thus
    below 4 eps (c + a / (c - a)) <= 2e-13 for these cases; the engine is within ~1e-13,
    so 1e-12 relative bounds the difference.
    """
    pyworkforce = pytest.importorskip("pyworkforce.queuing")
    ref = pyworkforce.ErlangC(transactions=a, aht=1.0, asa=1.0, interval=1).waiting_probability(c)
    got = float(q.erlang_c(c, a))
    assert got == pytest.approx(ref, rel=1e-12, abs=0)


def test_broadcasting_2d() -> None:
    """Oracle: numpy broadcasting rules and the scalar call for each element."""
    servers = np.array([[1], [4], [16]])  # (3, 1)
    load = np.array([[0.5, 2.0, 3.9, 12.0]])  # (1, 4)
    b = q.erlang_b(servers, load)
    c = q.erlang_c(servers, load)
    assert isinstance(b, np.ndarray) and b.shape == (3, 4)
    assert isinstance(c, np.ndarray) and c.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            assert b[i, j] == q.erlang_b(int(servers[i, 0]), float(load[0, j]))
            assert c[i, j] == q.erlang_c(int(servers[i, 0]), float(load[0, j]))
    # A 1-d load against scalar servers keeps the 1-d shape; scalars give a scalar.
    assert q.erlang_b(3, np.linspace(0.1, 5, 7)).shape == (7,)
    assert np.ndim(q.erlang_b(3, 2.0)) == 0
    # Incompatible shapes are a ValueError, as numpy would say.
    with pytest.raises(ValueError, match="broadcast"):
        q.erlang_b(np.array([1, 2, 3]), np.array([1.0, 2.0]))


def test_bad_input() -> None:
    """Oracle: the documented ranges (servers whole >= 1, offered_load finite >= 0)."""
    with pytest.raises(ValueError, match="servers"):
        q.erlang_b(0, 1.0)
    with pytest.raises(ValueError, match="servers"):
        q.erlang_c(2.5, 1.0)
    with pytest.raises(ValueError, match="offered_load"):
        q.erlang_b(3, -1.0)
    with pytest.raises(ValueError, match="offered_load"):
        q.erlang_c(3, float("nan"))
    with pytest.raises(ValueError, match="offered_load"):
        q.erlang_b(3, float("inf"))
    with pytest.raises(TypeError, match="servers"):
        q.erlang_b("3", 1.0)
    with pytest.raises(TypeError, match="offered_load"):
        q.erlang_c(3, "1.0")


servers_st = st.integers(min_value=1, max_value=2000)
load_st = st.floats(min_value=0.0, max_value=4000.0, allow_nan=False, allow_infinity=False)


@settings(max_examples=100, deadline=None)
@given(c=servers_st, a=load_st)
def test_property_c_at_least_b_and_in_unit_interval(c: int, a: float) -> None:
    """Oracle: C = B / (1 - rho (1 - B)) >= B for rho < 1 (and C = 1 for rho >= 1); both are probabilities."""
    b = float(q.erlang_b(c, a))
    cc = float(q.erlang_c(c, a))
    assert 0.0 <= b <= 1.0
    assert 0.0 <= cc <= 1.0
    # Computed separately, so allow the two rounding errors of ~1e-13 relative.
    assert cc >= b * (1 - 1e-12)


@settings(max_examples=100, deadline=None)
@given(c=st.integers(min_value=1, max_value=2000), a=st.floats(min_value=1e-3, max_value=4000.0))
def test_property_b_decreasing_in_servers(c: int, a: float) -> None:
    """Oracle: B(c+1, a) = a B / (c + 1 + a B) < B(c, a) (Erlang's recursion) for a > 0."""
    b0 = float(q.erlang_b(c, a))
    b1 = float(q.erlang_b(c + 1, a))
    # Strict in exact arithmetic; each side carries ~1e-13 relative error.
    assert b1 <= b0 * (1 + 1e-12)
    if b0 > DBL_MIN:
        recursion = a * b0 / (c + 1 + a * b0)
        if recursion > DBL_MIN:
            assert b1 == pytest.approx(recursion, rel=1e-11)


@settings(max_examples=100, deadline=None)
@given(
    c=st.integers(min_value=1, max_value=2000),
    a=st.floats(min_value=0.0, max_value=4000.0),
    factor=st.floats(min_value=1.0, max_value=2.0),
)
def test_property_c_increasing_in_load(c: int, a: float, factor: float) -> None:
    """Oracle: Erlang C is non-decreasing in the offered load (more load, more waiting)."""
    a2 = a * factor
    c1 = float(q.erlang_c(c, a))
    c2 = float(q.erlang_c(c, a2))
    assert c2 >= c1 * (1 - 1e-12)
