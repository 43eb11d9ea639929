"""Single-station models (MMc, MM1, MMcK, GGc, MG1, MD1) against independent oracles.

Oracles, per test: M/M/1 closed forms; numerical convolution (scipy.integrate.quad) of the
M/M/c waiting-time law with the exponential service time, inverted with
scipy.optimize.brentq; the M/M/c/K birth-death generator solved with numpy.linalg;
Erlang B and C in 50-digit mpmath; Pollaczek-Khinchine by hand; Little's law.

Floating-point bounds used below: EPS = 2.2e-16. A closed form evaluated in a handful of
double operations is good to ~10 EPS relative, so "rtol=1e-13" is used for such
comparisons. Quantiles found by a root finder on a survival function S are off by
|dS| / f(t) where dS is the error of S and f the density; the tolerances for those are
derived in each test from that relation.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize

from scalemodel import queueing as q

EPS = np.finfo(float).eps
METRICS = (
    "stable",
    "utilization",
    "prob_wait",
    "throughput",
    "mean_queue_length",
    "mean_in_system",
    "mean_wait",
    "mean_response",
)


def mp_erlang_c(c: int, a: float) -> float:
    """Erlang C at 50 digits: C = c B / (c - a (1 - B)) with B = Poisson pmf / cdf."""
    with mpmath.workdps(50):
        cm, am = mpmath.mpf(c), mpmath.mpf(a)
        b = mpmath.exp(cm * mpmath.log(am) - am - mpmath.loggamma(cm + 1)) / mpmath.gammainc(
            cm + 1, am, mpmath.inf, regularized=True
        )
        return float(cm * b / (cm - am * (1 - b)))


# ---------------------------------------------------------------------------- M/M/1


MM1_CASES = [
    (0.1, 1.0),
    (0.5, 1.0),
    (0.9, 1.0),
    (0.99, 1.0),
    (3.0, 7.5),
    (999.0, 1000.0),
    (1e-6, 2.0),
]


@pytest.mark.parametrize(("lam", "mu"), MM1_CASES)
def test_mm1_closed_forms(lam: float, mu: float) -> None:
    """Oracle: M/M/1 by hand: P(wait) = rho, W = 1/(mu - lam), Wq = rho/(mu - lam), L = rho/(1 - rho)."""
    m = q.MM1(lam, mu)
    rho = lam / mu
    assert m.stable
    assert m.utilization == pytest.approx(rho, rel=1e-15)
    assert m.prob_wait == pytest.approx(rho, rel=1e-13)
    assert m.throughput == pytest.approx(lam, rel=1e-15)
    assert m.mean_response == pytest.approx(1 / (mu - lam), rel=1e-13)
    assert m.mean_wait == pytest.approx(rho / (mu - lam), rel=1e-13)
    assert m.mean_in_system == pytest.approx(rho / (1 - rho), rel=1e-13)
    assert m.mean_queue_length == pytest.approx(rho**2 / (1 - rho), rel=1e-13)


@pytest.mark.parametrize(("lam", "mu"), MM1_CASES)
def test_mm1_quantiles_closed_form(lam: float, mu: float) -> None:
    """Oracle: M/M/1 response time is Exp(mu - lam), so its q-quantile is -ln(1-q)/(mu - lam);
    the wait is 0 w.p. 1 - rho, else Exp(mu - lam): quantile max(0, ln(rho/(1-q))/(mu - lam)).

    The engine finds the response quantile by a root finder (8 ulp bracket) on a survival
    function good to a few EPS relative; the quantile's relative error is then about
    EPS / (theta t) = EPS / ln(1/(1-q)) <= 1e-13 for q >= 0.01, so rtol = 1e-12.
    """
    m = q.MM1(lam, mu)
    theta = mu - lam
    rho = lam / mu
    qs = np.array([0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 0.999999])
    got = m.response_quantile(qs)
    np.testing.assert_allclose(got, -np.log1p(-qs) / theta, rtol=1e-12, atol=0)
    want_wait = np.where(1 - qs >= rho, 0.0, np.log(rho / (1 - qs)) / theta)
    # ln(rho / (1-q)) turns the ~1e-13 relative error of the computed P(wait) into an
    # absolute error of 1e-13 (visible at q = 1 - rho, e.g. rho = 0.9, q = 0.1).
    np.testing.assert_allclose(m.wait_quantile(qs), want_wait, rtol=1e-12, atol=1e-13 / theta)
    assert m.response_quantile(0.0) == 0.0
    assert m.response_quantile(1.0) == math.inf
    assert m.wait_quantile(1.0) == math.inf


def test_mm1_is_mmc_with_one_server() -> None:
    """Oracle: MM1(lam, mu) is by definition MMc(lam, mu, 1)."""
    lam = np.array([0.2, 0.7, 0.95])
    a, b = q.MM1(lam, 1.3), q.MMc(lam, 1.3, 1)
    for k in METRICS:
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k))
    np.testing.assert_array_equal(a.response_quantile(0.95), b.response_quantile(0.95))


# ---------------------------------------------------------------------------- M/M/c


MMC_CASES = [
    (2.0, 1.0, 3),  # c mu - lam = mu: the degenerate theta = mu branch
    (2.5, 1.0, 3),
    (0.5, 1.0, 2),
    (7.0, 1.0, 8),
    (45.0, 1.0, 50),
    (180.0, 2.0, 100),
    (0.3, 1.0, 4),  # P(wait) tiny: the response is almost pure service
    (9.9, 0.5, 20),
]


def mmc_response_cdf(t: float, lam: float, mu: float, c: int, cw: float) -> float:
    """P(W + S <= t) by quad: W = 0 w.p. 1 - C, else Exp(theta), theta = c mu - lam; S ~ Exp(mu)."""
    theta = c * mu - lam
    atom = (1 - cw) * -math.expm1(-mu * t)
    conv, _ = integrate.quad(
        lambda w: theta * math.exp(-theta * w) * -math.expm1(-mu * (t - w)),
        0.0,
        t,
        epsabs=1e-15,
        epsrel=1e-13,
        limit=200,
    )
    return atom + cw * conv


def mmc_response_pdf(t: float, lam: float, mu: float, c: int, cw: float) -> float:
    """Density of W + S by quad, used only to turn a CDF error into a time error."""
    theta = c * mu - lam
    conv, _ = integrate.quad(lambda w: theta * math.exp(-theta * w) * mu * math.exp(-mu * (t - w)), 0.0, t)
    return (1 - cw) * mu * math.exp(-mu * t) + cw * conv


@pytest.mark.parametrize(("lam", "mu", "c"), MMC_CASES)
def test_mmc_response_quantile_by_convolution(lam: float, mu: float, c: int) -> None:
    """Oracle: the response CDF by scipy quad convolution, inverted with brentq.

    quad's CDF is good to ~1e-13 absolute (epsrel=1e-13 on an integral <= 1); brentq
    stops at xtol = 1e-15, rtol = 4 EPS. A CDF error dF moves the quantile by dF / f(t),
    so the time tolerance is 1e-12 relative plus 1e-12 / f(t), f the density (by quad).
    """
    m = q.MMc(lam, mu, c)
    cw = mp_erlang_c(c, lam / mu)
    assert m.prob_wait == pytest.approx(cw, rel=1e-12)
    for p in (0.05, 0.5, 0.9, 0.99, 0.999):
        hi = 1.0
        while mmc_response_cdf(hi, lam, mu, c, cw) < p:
            hi *= 2.0
        ref = optimize.brentq(
            lambda t, p=p: mmc_response_cdf(t, lam, mu, c, cw) - p,
            0.0,
            hi,
            xtol=1e-15,
            rtol=4 * EPS,
        )
        got = float(m.response_quantile(p))
        tol = 1e-12 * ref + 1e-12 / mmc_response_pdf(ref, lam, mu, c, cw)
        assert abs(got - ref) <= tol, (
            f"MMc({lam}, {mu}, {c}).response_quantile({p}) = {got!r}, quad+brentq {ref!r}"
        )
        # The same statement in probability space, which needs no density.
        assert mmc_response_cdf(got, lam, mu, c, cw) == pytest.approx(p, abs=1e-12)


@pytest.mark.parametrize(("lam", "mu", "c"), MMC_CASES)
def test_mmc_means_and_wait_quantile(lam: float, mu: float, c: int) -> None:
    """Oracle: mpmath Erlang C; Wq = C / (c mu - lam), W = Wq + 1/mu; wait quantile ln(C/(1-q))/theta."""
    m = q.MMc(lam, mu, c)
    cw = mp_erlang_c(c, lam / mu)
    theta = c * mu - lam
    assert m.mean_wait == pytest.approx(cw / theta, rel=1e-12)
    assert m.mean_response == pytest.approx(cw / theta + 1 / mu, rel=1e-12)
    assert m.utilization == pytest.approx(lam / (c * mu), rel=1e-15)
    qs = np.array([0.1, 0.5, 0.9, 0.99, 0.9999])
    want = np.where(1 - qs >= cw, 0.0, np.log(cw / (1 - qs)) / theta)
    # ln(C / (1-q)) carries C's 1e-12 relative error as an absolute error of 1e-12.
    np.testing.assert_allclose(m.wait_quantile(qs), want, rtol=1e-12, atol=1e-12 / theta)


# ---------------------------------------------------------------------------- M/M/c/K


@pytest.mark.parametrize("c", [1, 2, 5, 17, 60])
@pytest.mark.parametrize("ratio", [0.05, 0.5, 0.95, 1.0, 1.3, 4.0])
def test_mmck_loss_system_is_erlang_b(c: int, ratio: float) -> None:
    """Oracle: capacity == servers is Erlang's loss system: prob_block = B(c, a) (engine's erlang_b and mpmath).

    M/M/c/K sums K+1 log-weights; each log carries <= K EPS |ln a - ln n| absolute error,
    < 1e-13 here, so rtol = 1e-12.
    """
    a = ratio * c
    m = q.MMcK(a, 1.0, c, c)
    with mpmath.workdps(50):
        exact = float(
            mpmath.exp(c * mpmath.log(a) - a - mpmath.loggamma(c + 1))
            / mpmath.gammainc(c + 1, a, mpmath.inf, regularized=True)
        )
    assert m.prob_block == pytest.approx(float(q.erlang_b(c, a)), rel=1e-12)
    assert m.prob_block == pytest.approx(exact, rel=1e-12)
    assert m.prob_wait == 0.0  # an admitted request always finds a free server
    assert m.mean_wait == 0.0
    assert m.mean_response == pytest.approx(1.0, rel=1e-13)


def ctmc_stationary(lam: float, mu: float, c: int, k: int) -> tuple[np.ndarray, float]:
    """Stationary law of the M/M/c/K birth-death chain from its generator Q: pi Q = 0, sum pi = 1.

    Returns pi and the condition number of the linear system solved.
    """
    n = k + 1
    gen = np.zeros((n, n))
    for i in range(n):
        if i < k:
            gen[i, i + 1] = lam
        if i > 0:
            gen[i, i - 1] = min(i, c) * mu
        gen[i, i] = -gen[i].sum()
    a = gen.T.copy()
    a[-1, :] = 1.0  # replace one (redundant) balance equation by the normalisation
    b = np.zeros(n)
    b[-1] = 1.0
    return np.linalg.solve(a, b), float(np.linalg.cond(a))


MMCK_CASES = [
    (0.5, 1.0, 1, 1),
    (0.5, 1.0, 1, 5),
    (3.0, 1.0, 1, 4),
    (2.0, 1.5, 2, 2),
    (2.0, 1.0, 3, 7),
    (6.0, 1.0, 3, 10),
    (4.5, 2.0, 4, 12),
    (0.01, 1.0, 2, 6),
    (9.0, 1.0, 5, 20),
]


@pytest.mark.parametrize(("lam", "mu", "c", "k"), MMCK_CASES)
def test_mmck_matches_ctmc(lam: float, mu: float, c: int, k: int) -> None:
    """Oracle: the generator of the birth-death CTMC solved by numpy.linalg.solve.

    The solve is backward stable: relative error <= cond(A) x (a few EPS), with cond
    computed for each case; rtol = 100 cond EPS (1e-12 at the least).
    """
    pi, cond = ctmc_stationary(lam, mu, c, k)
    rtol = max(1e-12, 100 * cond * EPS)
    assert rtol < 1e-8  # the cases are chosen well conditioned
    n = np.arange(k + 1)
    p_block = pi[k]
    admitted = lam * (1 - p_block)
    big_l = float(n @ pi)
    big_lq = float(np.maximum(n - c, 0) @ pi)
    m = q.MMcK(lam, mu, c, k)
    assert m.stable
    assert m.prob_block == pytest.approx(p_block, rel=rtol)
    assert m.mean_in_system == pytest.approx(big_l, rel=rtol)
    assert m.mean_queue_length == pytest.approx(big_lq, rel=rtol, abs=rtol * big_l)
    assert m.throughput == pytest.approx(admitted, rel=rtol)
    assert m.utilization == pytest.approx(admitted / (c * mu), rel=rtol)
    # Little's law with the admitted rate.
    assert m.mean_response == pytest.approx(big_l / admitted, rel=rtol)
    assert m.mean_wait == pytest.approx(big_lq / admitted, rel=rtol, abs=rtol / mu)
    # PASTA: an admitted arrival waits when it finds c..K-1 present.
    p_wait = float(pi[c:k].sum() / (1 - p_block))
    assert m.prob_wait == pytest.approx(p_wait, rel=rtol, abs=rtol)


@pytest.mark.parametrize(
    ("lam", "mu", "c", "extra"),
    [
        (0.8, 1.0, 1, 160),
        (3.0, 1.0, 4, 160),
        (0.8, 1.0, 1, 171),
        (0.8, 1.0, 1, 2000),
        (2.0, 1.0, 3, 2000),
        (7.0, 1.0, 8, 2000),
        (45.0, 1.0, 50, 2000),
    ],
)
def test_mmck_approaches_mmc(lam: float, mu: float, c: int, extra: int) -> None:
    """Oracle: MMc. With K = c + extra the mass M/M/c/K cuts off is below rho^extra / (1 - rho),
    < 1e-14 for every case here, so M/M/c/K equals M/M/c to rounding.

    The M/M/c/K survival is a sum of up to K gamma tails, each within ~10 EPS relative,
    so it is good to ~1e-13 relative; the quantile is then within 1e-13 / (theta t)
    relative, theta t >= ln 10 for q >= 0.9 beyond the atom: rtol = 1e-11.
    """
    rho = lam / (c * mu)
    assert rho**extra / (1 - rho) < 1e-14
    k = c + extra
    a, b = q.MMcK(lam, mu, c, k), q.MMc(lam, mu, c)
    assert a.prob_block <= rho**extra
    for name in (
        "prob_wait",
        "mean_wait",
        "mean_response",
        "mean_in_system",
        "utilization",
        "throughput",
    ):
        assert getattr(a, name) == pytest.approx(getattr(b, name), rel=1e-11), name
    qs = np.array([0.9, 0.99, 0.999])
    np.testing.assert_allclose(a.wait_quantile(qs), b.wait_quantile(qs), rtol=1e-11, atol=0)
    np.testing.assert_allclose(a.response_quantile(qs), b.response_quantile(qs), rtol=1e-11, atol=0)
    # Below the atom at zero both wait quantiles are exactly 0.
    low = 0.5 * (1 - float(b.prob_wait))
    assert a.wait_quantile(low) == 0.0 == b.wait_quantile(low)


def test_mmck_always_stable() -> None:
    """Oracle: a finite buffer cannot overflow: heavy overload is stable, blocks most arrivals."""
    m = q.MMcK(100.0, 1.0, 2, 5)
    assert m.stable
    assert m.prob_block > 0.97
    assert math.isfinite(m.mean_response) and math.isfinite(m.response_quantile(0.99))
    assert m.throughput <= 2.0


# ---------------------------------------------------------------------------- G/G/c, M/G/1, M/D/1


@pytest.mark.parametrize(
    ("lam", "es", "scv"),
    [(0.5, 1.0, 0.0), (0.5, 1.0, 1.0), (0.9, 1.0, 2.5), (3.0, 0.2, 0.3), (0.01, 10.0, 4.0)],
)
def test_mg1_pollaczek_khinchine(lam: float, es: float, scv: float) -> None:
    """Oracle: Pollaczek-Khinchine by hand: Wq = lam E[S^2] / (2 (1 - rho)), E[S^2] = (1 + scv) E[S]^2."""
    rho = lam * es
    second_moment = (1 + scv) * es**2
    wq = lam * second_moment / (2 * (1 - rho))
    m = q.MG1(lam, es, scv)
    assert m.prob_wait == pytest.approx(rho, rel=1e-13)  # M/G/1: P(wait) = rho
    assert m.mean_wait == pytest.approx(wq, rel=1e-13)
    assert m.mean_response == pytest.approx(wq + es, rel=1e-13)
    assert m.mean_queue_length == pytest.approx(lam * wq, rel=1e-13)
    assert m.mean_in_system == pytest.approx(lam * (wq + es), rel=1e-13)


@pytest.mark.parametrize("rho", [0.1, 0.5, 0.8, 0.99])
def test_md1_is_half_mm1_wait(rho: float) -> None:
    """Oracle: P-K with scv 0 vs 1: the M/D/1 mean wait is half the M/M/1 mean wait."""
    es = 0.25
    lam = rho / es
    md1, mm1 = q.MD1(lam, es), q.MM1(lam, 1 / es)
    assert md1.mean_wait == pytest.approx(0.5 * mm1.mean_wait, rel=1e-13)
    assert md1.mean_response == pytest.approx(0.5 * mm1.mean_wait + es, rel=1e-13)
    # Deterministic service: the response is the wait shifted by exactly es.
    for p in (0.5, 0.9, 0.99):
        assert md1.response_quantile(p) == pytest.approx(es + md1.wait_quantile(p), rel=1e-15)
    # Below the wait's atom at 0 the response is exactly the service time.
    assert md1.response_quantile(0.5 * (1 - rho)) == pytest.approx(es, rel=1e-15)


@pytest.mark.parametrize(
    ("lam", "mu", "c"),
    [(0.5, 1.0, 1), (2.0, 1.0, 3), (2.5, 1.0, 3), (45.0, 1.0, 50), (9.9, 0.5, 20)],
)
def test_ggc_with_exponential_scvs_is_mmc(lam: float, mu: float, c: int) -> None:
    """Oracle: MMc; G/G/c with arrival and service SCV 1 is M/M/c (Allen-Cunneen is exact there).

    Means and wait quantiles are the same closed forms: rtol = 1e-13. GGc's response
    quantile convolves numerically (Gauss-Kronrod, tolerance 1e-12 on a survival <= 1),
    so it is within 1e-12 / f(t) of MMc's; f(t) >= (1-q) theta' for these cases
    with theta' = min(mu, c mu - lam), giving rtol = 1e-12 / ((1-q) theta' t) <= 1e-9.
    """
    g, m = q.GGc(lam, 1 / mu, c, 1.0, 1.0), q.MMc(lam, mu, c)
    for name in METRICS:
        if name == "stable":
            assert g.stable == m.stable
        else:
            assert getattr(g, name) == pytest.approx(getattr(m, name), rel=1e-13), name
    qs = np.array([0.5, 0.9, 0.99])
    np.testing.assert_allclose(g.wait_quantile(qs), m.wait_quantile(qs), rtol=1e-13, atol=0)
    np.testing.assert_allclose(g.response_quantile(qs), m.response_quantile(qs), rtol=1e-9, atol=0)


@pytest.mark.parametrize(
    ("lam", "es", "c", "ca2", "cs2"),
    [(0.8, 1.0, 1, 1.0, 0.5), (2.5, 1.0, 3, 0.5, 2.0), (8.0, 1.0, 10, 2.0, 0.25)],
)
def test_ggc_response_quantile_follows_documented_law(
    lam: float, es: float, c: int, ca2: float, cs2: float
) -> None:
    """Oracle: the documented G/G/c response law, built independently. The wait is 0, or
    t0 + Exp(mean m) with probability p. For G/G/c: p = Erlang C (mpmath), t0 = 0 and m =
    Wq / C with Wq by Allen-Cunneen. For M/G/1 (c = 1, Poisson arrivals): the Cramer-Lundberg
    tail, decay k from brentq on lam (M_S(k) - 1) = k with the gamma MGF, constant
    C = (1 - rho) / (lam M_S'(k) - 1), p = min(rho, C), t0 = max(0, ln(C / rho) / k), m = 1/k.
    The service is gamma(shape 1/scv, scale E[S] scv) from scipy.stats; the convolution by
    quad, inverted by brentq.

    The engine's Gauss-Kronrod convolution is asked for 1e-12, quad for 1e-13, so the
    engine's quantile, put into the oracle CDF, is within 1e-11 of q.
    """
    from scipy import stats

    g = q.GGc(lam, es, c, ca2, cs2)
    cw = mp_erlang_c(c, lam * es)
    wq = cw / (c / es - lam) * (ca2 + cs2) / 2
    assert g.prob_wait == pytest.approx(cw, rel=1e-12)
    assert g.mean_wait == pytest.approx(wq, rel=1e-12)
    shape, theta = 1 / cs2, es * cs2
    if c == 1 and ca2 == 1.0:
        rho = lam * es
        k = optimize.brentq(
            lambda x: lam * ((1 - x * theta) ** -shape - 1) - x,
            1e-9,
            (1 - 1e-12) / theta,
            xtol=1e-15,
            rtol=1e-15,
        )
        const = (1 - rho) / (lam * shape * theta * (1 - k * theta) ** (-shape - 1) - 1)
        p_wait, t0, scale = min(rho, const), max(0.0, math.log(const / rho) / k), 1 / k
    else:
        p_wait, t0, scale = cw, 0.0, wq / cw
    service = stats.gamma(a=shape, scale=theta)

    def cdf(t: float) -> float:
        u = t - t0
        conv = 0.0
        if u > 0:
            conv, _ = integrate.quad(
                lambda w: math.exp(-w / scale) / scale * service.cdf(u - w),
                0.0,
                u,
                epsabs=1e-14,
                epsrel=1e-13,
                limit=200,
            )
        return (1 - p_wait) * float(service.cdf(t)) + p_wait * conv

    for p in (0.5, 0.9, 0.99):
        got = float(g.response_quantile(p))
        assert cdf(got) == pytest.approx(p, abs=1e-11)
        # And the wait quantile in closed form: t0 + m ln(p / (1-q)) past the atom.
        want_wait = 0.0 if 1 - p >= p_wait else t0 + math.log(p_wait / (1 - p)) * scale
        assert g.wait_quantile(p) == pytest.approx(want_wait, rel=1e-9, abs=1e-12 * scale)


def _md1_wait_cdf(t: float, lam: float) -> float:
    """Erlang's exact M/D/1 waiting-time distribution (D = 1), in 60-digit arithmetic:
    P(W <= t) = (1 - rho) sum_{k <= t} (lam (k - t))^k / k! exp(-lam (k - t))."""
    with mpmath.workdps(60):
        total = mpmath.mpf(0)
        for k in range(math.floor(t) + 1):
            x = lam * (k - mpmath.mpf(t))
            total += x**k / mpmath.factorial(k) * mpmath.exp(-x)
        return float((1 - lam) * total)


@pytest.mark.parametrize(("rho", "rel"), [(0.3, 0.05), (0.5, 1e-3), (0.7, 1e-5), (0.9, 1e-10), (0.95, 1e-10)])
def test_md1_wait_tail_against_erlangs_exact_distribution(rho: float, rel: float) -> None:
    """Oracle: Erlang's exact M/D/1 wait distribution (mpmath). The engine's p99 and p99.9
    waits, put into the exact CDF, give the tail probability back within ``rel``: the
    Cramer-Lundberg tail is asymptotically exact, so the agreement tightens with load and
    with the quantile (measured: 3.6% at rho = 0.3, 6e-4 at 0.5, 8e-7 at 0.7, 1e-14 at 0.9,
    for p99)."""
    md1 = q.MD1(rho, 1.0)
    for p in (0.99, 0.999):
        t = float(md1.wait_quantile(p))
        assert 1 - _md1_wait_cdf(t, rho) == pytest.approx(1 - p, rel=rel)


# ---------------------------------------------------------------------------- unstable points


def test_unstable_points_in_an_array() -> None:
    """Oracle: lam >= c mu has no steady state: delays inf, stable False, no exception."""
    lam = np.array([0.5, 1.0, 1.5, 0.25])
    m = q.MMc(lam, 1.0, 1)
    np.testing.assert_array_equal(m.stable, [True, False, False, True])
    for name in ("mean_wait", "mean_response", "mean_in_system", "mean_queue_length"):
        v = getattr(m, name)
        assert np.isinf(v[1]) and np.isinf(v[2]), name
        assert np.isfinite(v[0]) and np.isfinite(v[3]), name
    np.testing.assert_allclose(m.mean_response[[0, 3]], [2.0, 1 / 0.75], rtol=1e-14)
    assert m.prob_wait[1] == 1.0 == m.prob_wait[2]
    np.testing.assert_allclose(m.utilization, lam, rtol=1e-15)
    r = m.response_quantile(0.9)
    w = m.wait_quantile(0.9)
    assert np.isinf(r[1]) and np.isinf(r[2]) and np.isinf(w[1]) and np.isinf(w[2])
    assert np.isfinite(r[0]) and np.isfinite(r[3])

    g = q.GGc(np.array([1.0, 3.0, 4.0]), 1.0, 3, 0.5, 2.0)
    np.testing.assert_array_equal(g.stable, [True, False, False])
    assert np.isinf(g.mean_wait[1:]).all() and np.isfinite(g.mean_wait[0])
    assert np.isinf(g.response_quantile(0.5)[1:]).all()
    md1 = q.MD1(np.array([0.5, 2.0]), 1.0)
    np.testing.assert_array_equal(md1.stable, [True, False])
    assert np.isinf(md1.mean_response[1])


# ---------------------------------------------------------------------------- Hypothesis properties

rates = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)
fractions = st.floats(min_value=0.0, max_value=0.999, allow_nan=False)
servers = st.integers(min_value=1, max_value=300)


@settings(max_examples=100, deadline=None)
@given(mu=rates, c=servers, u=fractions)
def test_property_littles_law_mmc(mu: float, c: int, u: float) -> None:
    """Oracle: Little's law, L = lam W and Lq = lam Wq, for any stable M/M/c (lam = u c mu)."""
    lam = u * c * mu
    m = q.MMc(lam, mu, c)
    assert m.stable
    assert m.mean_in_system == pytest.approx(lam * m.mean_response, rel=1e-13, abs=1e-300)
    assert m.mean_queue_length == pytest.approx(lam * m.mean_wait, rel=1e-13, abs=1e-300)
    assert q.littles_law(arrival_rate=lam, mean_time=m.mean_response) == pytest.approx(
        m.mean_in_system, rel=1e-13
    )
    # And L - Lq is the mean number in service, the offered load.
    assert m.mean_in_system - m.mean_queue_length == pytest.approx(lam / mu, rel=1e-9, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(mu=rates, c=servers, u=fractions)
def test_property_more_servers_never_wait_longer(mu: float, c: int, u: float) -> None:
    """Oracle: adding a server to a stable M/M/c cannot increase the mean wait (nor P(wait))."""
    lam = u * c * mu
    m1, m2 = q.MMc(lam, mu, c), q.MMc(lam, mu, c + 1)
    # Exact monotonicity; each side carries ~1e-13 relative rounding.
    assert m2.mean_wait <= m1.mean_wait * (1 + 1e-12)
    assert m2.prob_wait <= m1.prob_wait * (1 + 1e-12)
    assert m2.mean_response <= m1.mean_response * (1 + 1e-12)


# ---------------------------------------------------------------------------- input checking


@pytest.mark.parametrize(
    ("make", "param"),
    [
        (lambda: q.MMc(-1.0, 1.0, 1), "arrival_rate"),
        (lambda: q.MMc(float("nan"), 1.0, 1), "arrival_rate"),
        (lambda: q.MMc(float("inf"), 1.0, 1), "arrival_rate"),
        (lambda: q.MMc(1.0, 0.0, 1), "service_rate"),
        (lambda: q.MMc(1.0, -2.0, 1), "service_rate"),
        (lambda: q.MMc(1.0, float("nan"), 1), "service_rate"),
        (lambda: q.MMc(1.0, 1.0, 0), "servers"),
        (lambda: q.MMc(1.0, 1.0, -3), "servers"),
        (lambda: q.MMc(1.0, 1.0, 1.5), "servers"),
        (lambda: q.MMc(1.0, 1.0, float("nan")), "servers"),
        (lambda: q.MMc(np.array([1.0, -1.0]), 1.0, 2), "arrival_rate"),
        (lambda: q.MM1(-0.5, 1.0), "arrival_rate"),
        (lambda: q.MMcK(1.0, 1.0, 3, 2), "capacity"),
        (lambda: q.MMcK(1.0, 1.0, 0, 2), "servers"),
        (lambda: q.MMcK(1.0, 1.0, 2, 2.5), "capacity"),
        (lambda: q.GGc(1.0, 0.0, 2), "mean_service"),
        (lambda: q.GGc(1.0, 1.0, 2, -1.0, 1.0), "arrival_scv"),
        (lambda: q.GGc(1.0, 1.0, 2, 1.0, float("nan")), "service_scv"),
        (lambda: q.MG1(0.5, 1.0, -0.1), "service_scv"),
        (lambda: q.MD1(0.5, -1.0), "mean_service"),
        (lambda: q.MMc(1.0, 2.0, 1).response_quantile(1.5), "q"),
        (lambda: q.MMc(1.0, 2.0, 1).wait_quantile(-0.1), "q"),
        (lambda: q.MMc(1.0, 2.0, 1).wait_quantile(float("nan")), "q"),
        (lambda: q.MMcK(1.0, 2.0, 1, 3).response_quantile(1.5), "q"),
        (lambda: q.GGc(1.0, 0.5, 1).response_quantile(1.5), "q"),
    ],
)
def test_bad_input_raises_value_error_naming_parameter(make, param: str) -> None:  # type: ignore[no-untyped-def]
    """Oracle: the documented ranges; the message names the offending parameter."""
    with pytest.raises(ValueError, match=rf"\b{param}\b"):
        make()


@pytest.mark.parametrize(
    ("make", "param"),
    [
        (lambda: q.MMc("1", 1.0, 1), "arrival_rate"),
        (lambda: q.MMc(1.0, "fast", 1), "service_rate"),
        (lambda: q.MMc(1.0, 1.0, "2"), "servers"),
        (lambda: q.MMcK(1.0, 1.0, 1, "4"), "capacity"),
        (lambda: q.GGc(1.0, 1.0, 1, "x", 1.0), "arrival_scv"),
        (lambda: q.MMc(1.0, 2.0, 1).response_quantile("p99"), "q"),
    ],
)
def test_strings_raise_type_error(make, param: str) -> None:  # type: ignore[no-untyped-def]
    """Oracle: the documented types (numbers or arrays of numbers)."""
    with pytest.raises(TypeError, match=rf"\b{param}\b"):
        make()


# ---------------------------------------------------------------------------- object behaviour


@pytest.mark.parametrize(
    "model",
    [
        q.MMc(1.0, 2.0, 2),
        q.MM1(1.0, 2.0),
        q.MMcK(1.0, 2.0, 1, 4),
        q.GGc(1.0, 0.5, 2, 0.5, 2.0),
        q.MG1(1.0, 0.5, 2.0),
        q.MD1(1.0, 0.5),
    ],
    ids=lambda m: type(m).__name__,
)
def test_results_are_immutable(model: object) -> None:
    """Oracle: the documented immutability: no attribute can be set, replaced or added."""
    for name in ("mean_wait", "stable", "arrival_rate", "new_field", "_metrics"):
        with pytest.raises(AttributeError):
            setattr(model, name, 1.0)
    before = model.mean_wait  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        del model.mean_wait  # type: ignore[attr-defined]
    assert model.mean_wait == before  # type: ignore[attr-defined]


def test_to_frame_for_broadcast_grid() -> None:
    """Oracle: numpy broadcasting: a (3,1) x (1,4) grid is 12 rows, parameters then metrics."""
    lam = np.array([[0.5], [1.0], [1.5]])
    c = np.array([[1, 2, 3, 4]])
    m = q.MMc(lam, 1.0, c)
    assert m.shape == (3, 4)
    frame = m.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["arrival_rate", "service_rate", "servers", *METRICS]
    assert len(frame) == 12
    np.testing.assert_array_equal(frame["arrival_rate"], np.broadcast_to(lam, (3, 4)).ravel())
    np.testing.assert_array_equal(frame["servers"], np.broadcast_to(c, (3, 4)).ravel())
    np.testing.assert_array_equal(frame["mean_wait"], m.mean_wait.ravel())
    np.testing.assert_array_equal(frame["stable"], m.stable.ravel())

    k = q.MMcK(lam, 1.0, c, 6).to_frame()
    assert list(k.columns) == [
        "arrival_rate",
        "service_rate",
        "servers",
        "capacity",
        *METRICS,
        "prob_block",
    ]
    assert len(k) == 12
    g = q.GGc(np.array([0.1, 0.2]), 1.0, 1, 1.0, np.array([[0.0], [1.0], [2.0]])).to_frame()
    assert list(g.columns) == [
        "arrival_rate",
        "mean_service",
        "servers",
        "arrival_scv",
        "service_scv",
        *METRICS,
    ]
    assert len(g) == 6


def test_repr_names_the_class() -> None:
    """Oracle: the class names; scalar and array reprs both say which model they are."""
    for model in (
        q.MMc(1.0, 2.0, 2),
        q.MM1(1.0, 2.0),
        q.MMcK(1.0, 2.0, 1, 3),
        q.GGc(1.0, 0.5, 1),
        q.MG1(1.0, 0.5, 1.0),
        q.MD1(1.0, 0.5),
    ):
        assert repr(model).startswith(type(model).__name__ + "(")
    arr = q.MMcK(np.array([1.0, 2.0]), 3.0, 1, 5)
    assert "MMcK" in repr(arr) and "(2,)" in repr(arr)


def test_quantile_broadcasting() -> None:
    """Oracle: numpy broadcasting of q against the model's shape, and the scalar call for each element."""
    m = q.MMc(np.array([0.5, 1.5, 2.5]), 1.0, 3)  # shape (3,)
    qs = np.array([[0.5], [0.9], [0.99], [0.999]])  # shape (4, 1)
    r = m.response_quantile(qs)
    w = m.wait_quantile(qs)
    assert r.shape == (4, 3) and w.shape == (4, 3)
    lams = (0.5, 1.5, 2.5)
    for i in range(4):
        for j in range(3):
            single = q.MMc(lams[j], 1.0, 3)
            assert r[i, j] == single.response_quantile(float(qs[i, 0]))
            assert w[i, j] == single.wait_quantile(float(qs[i, 0]))
    # Scalar model, 1-d q: the shape of q; increasing in q.
    v = q.MM1(0.5, 1.0).response_quantile(np.linspace(0.1, 0.9, 9))
    assert v.shape == (9,)
    assert np.all(np.diff(v) > 0)
    assert np.ndim(q.MM1(0.5, 1.0).response_quantile(0.5)) == 0
    # MMcK and GGc broadcast the same way.
    assert q.MMcK(np.array([0.5, 1.5]), 1.0, 2, 6).response_quantile(qs).shape == (4, 2)
    assert q.GGc(np.array([0.5, 1.5]), 1.0, 2, 1.0, 0.5).wait_quantile(qs).shape == (4, 2)
    with pytest.raises(ValueError):
        m.response_quantile(np.array([0.5, 0.9]))  # (2,) does not broadcast with (3,)


def test_mg1_tail_is_continuous_and_monotone_in_service_variability() -> None:
    """The M/G/1 tail's decay rate comes from the gamma service MGF for every SCV: the p99
    wait grows with variability and tends to the deterministic (M/D/1) value as the SCV
    goes to 0 (a bracket at the MGF's pole once overflowed for SCV below about 0.04)."""
    scvs = np.array([0.0, 1e-6, 0.005, 0.01, 0.02, 0.03, 0.038, 0.04, 0.05, 0.2, 1.0, 4.0])
    p99 = q.MG1(0.9, 1.0, scvs).wait_quantile(0.99)
    assert np.all(np.diff(p99) > 0)
    assert p99[1] == pytest.approx(p99[0], rel=1e-5)
    assert p99[-2] == pytest.approx(q.MM1(0.9, 1.0).wait_quantile(0.99), rel=1e-12)


def test_littles_law_past_double_range_is_inf_without_a_warning() -> None:
    # pytest turns warnings into errors: the overflow used to raise RuntimeWarning.
    assert q.littles_law(arrival_rate=2550, mean_time=1.7e308) == float("inf")
