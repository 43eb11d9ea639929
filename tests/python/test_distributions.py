"""The distribution family (sm.distributions, C++ scalemodel::Distribution) against scipy.stats.

Oracles: scipy.stats for the parametric laws, a direct weighted sum of scipy cdfs (and a
brentq inversion of it) for mixtures, numpy's ``quantile(method="inverted_cdf")`` for the
empirical law. Closed forms agree to 1e-9 relative; quantiles that need an iterative
inversion (gamma, mixture) to 1e-9 as well. Sampling: a one-sample Kolmogorov-Smirnov test
at a fixed seed (200,000 draws, p > 1e-4) and the sample mean within 5 standard errors;
seeds are fixed, so nothing here can flake.
"""

from __future__ import annotations

import math
import pickle
from dataclasses import FrozenInstanceError

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.optimize import brentq
from scipy.special import gamma as gamma_fn

import scalemodel as sm

D = sm.distributions
A = sm.arrivals
REL = 1e-9
DRAWS = 200_000


def lognormal_ref(mean: float, sigma: float):
    return stats.lognorm(s=sigma, scale=math.exp(math.log(mean) - 0.5 * sigma * sigma))


# (distribution, scipy frozen law)
CASES = [
    (D.Exponential(0.25), stats.expon(scale=0.25)),
    (D.Exponential(3.0), stats.expon(scale=3.0)),
    (D.Lognormal(0.01, 1.0), lognormal_ref(0.01, 1.0)),
    (D.Lognormal(2.0, 0.25), lognormal_ref(2.0, 0.25)),
    (D.Gamma(1.5, 0.25), stats.gamma(a=4.0, scale=1.5 * 0.25)),
    (D.Gamma(0.2, 4.0), stats.gamma(a=0.25, scale=0.2 * 4.0)),
    (D.Weibull(10.0, 1.5), stats.weibull_min(c=1.5, scale=10.0 / gamma_fn(1 + 1 / 1.5))),
    (D.Weibull(1.0, 0.7), stats.weibull_min(c=0.7, scale=1.0 / gamma_fn(1 + 1 / 0.7))),
    (D.Pareto(1.0, 2.5), stats.pareto(b=2.5, scale=1.0 * 1.5 / 2.5)),
    (D.Pareto(0.5, 3.5), stats.pareto(b=3.5, scale=0.5 * 2.5 / 3.5)),
    (D.Uniform(0.1, 0.5), stats.uniform(loc=0.1, scale=0.4)),
    (D.Uniform(0.0, 2.0), stats.uniform(loc=0.0, scale=2.0)),
]
IDS = [repr(d) for d, _ in CASES]
QS = np.array([0.0, 1e-9, 1e-4, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1 - 1e-9])


@pytest.mark.parametrize(("dist", "ref"), CASES, ids=IDS)
def test_moments_match_scipy(dist, ref) -> None:
    assert dist.mean == pytest.approx(ref.mean(), rel=REL)
    assert dist.scv == pytest.approx(ref.var() / ref.mean() ** 2, rel=REL)
    assert dist.second_moment == pytest.approx(ref.moment(2), rel=REL)


@pytest.mark.parametrize(("dist", "ref"), CASES, ids=IDS)
def test_cdf_and_quantile_match_scipy(dist, ref) -> None:
    x = ref.ppf(np.linspace(0.001, 0.999, 41))
    x = np.concatenate([x, [0.0, ref.ppf(1e-6), ref.ppf(1 - 1e-8)]])
    np.testing.assert_allclose(dist.cdf(x), ref.cdf(x), rtol=REL, atol=1e-300)
    np.testing.assert_allclose(dist.quantile(QS), ref.ppf(QS), rtol=REL)
    assert dist.cdf(-1.0) == 0.0
    assert dist.quantile(1.0) == ref.ppf(1.0)


def test_pareto_cdf_is_accurate_just_above_its_scale() -> None:
    # 1 - (x_m / x)^alpha in 50 digits: the cdf keeps full relative accuracy where it is tiny
    # (scipy's own pareto.cdf loses ~1e-8 relative there).
    mp.mp.dps = 50
    d = D.Pareto(1.0, 2.5)
    xm = 1.0 * 1.5 / 2.5
    for x in xm * (1 + np.array([1e-12, 1e-9, 4e-9, 1e-6, 1e-3])):
        exact = 1 - (mp.mpf(xm) / mp.mpf(float(x))) ** mp.mpf(2.5)
        assert d.cdf(x) == pytest.approx(float(exact), rel=1e-13)


def test_pareto_without_variance_has_infinite_scv() -> None:
    assert D.Pareto(1.0, 1.5).scv == math.inf
    assert D.Pareto(1.0, 2.0).scv == math.inf


def test_deterministic() -> None:
    d = D.Deterministic(0.3)
    assert (d.mean, d.scv, d.second_moment) == (0.3, 0.0, pytest.approx(0.09))
    np.testing.assert_array_equal(d.cdf([0.0, 0.29999, 0.3, 5.0]), [0.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(d.quantile([0.0, 0.5, 1.0]), [0.3, 0.3, 0.3])
    np.testing.assert_array_equal(d.sample(10, seed=3), np.full(10, 0.3))


def test_broadcasting_keeps_shapes() -> None:
    d = D.Exponential(1.0)
    assert isinstance(d.cdf(1.0), float)
    assert d.quantile(np.full((2, 3), 0.5)).shape == (2, 3)
    assert d.cdf([[1.0], [2.0]]).shape == (2, 1)


# --- mixtures -------------------------------------------------------------------------------

MIX_PARTS = [
    (0.2, D.Exponential(0.1), stats.expon(scale=0.1)),
    (0.5, D.Lognormal(1.0, 0.5), lognormal_ref(1.0, 0.5)),
    (0.3, D.Gamma(4.0, 0.5), stats.gamma(a=2.0, scale=2.0)),
]


def mixture_cdf(x):
    return sum(w * ref.cdf(x) for w, _, ref in MIX_PARTS)


def test_mixture_matches_weighted_sum_and_brentq() -> None:
    # Weights given unnormalized (x 4): the mixture normalizes them.
    mix = D.Mixture([(4 * w, d) for w, d, _ in MIX_PARTS])
    assert [w for w, _ in mix.components] == pytest.approx([w for w, _, _ in MIX_PARTS], rel=1e-15)
    mean = sum(w * ref.mean() for w, _, ref in MIX_PARTS)
    m2 = sum(w * ref.moment(2) for w, _, ref in MIX_PARTS)
    assert mix.mean == pytest.approx(mean, rel=REL)
    assert mix.scv == pytest.approx(m2 / mean**2 - 1, rel=REL)
    x = np.linspace(0.0, 20.0, 81)
    np.testing.assert_allclose(mix.cdf(x), mixture_cdf(x), rtol=REL, atol=1e-300)
    for q in (1e-6, 0.01, 0.2, 0.5, 0.9, 0.99, 0.9999):
        exact = brentq(lambda t, q=q: mixture_cdf(t) - q, 0.0, 1e3, xtol=1e-15, rtol=1e-15)
        assert mix.quantile(q) == pytest.approx(exact, rel=REL)


def test_mixture_of_atoms_has_exact_quantiles() -> None:
    mix = D.Mixture([(0.01, D.Deterministic(10.0)), (0.99, D.Deterministic(0.01))])
    assert mix.mean == pytest.approx(0.01 * 10 + 0.99 * 0.01)
    assert mix.quantile(0.5) == 0.01
    assert mix.quantile(0.99) == 0.01
    assert mix.quantile(0.995) == 10.0
    assert mix.quantile(1.0) == 10.0
    assert mix.cdf(0.01) == pytest.approx(0.99)


def test_nested_mixtures_flatten() -> None:
    inner = D.Mixture([(1, D.Exponential(1.0)), (1, D.Exponential(2.0))])
    outer = D.Mixture([(1, inner), (2, D.Deterministic(1.0))])
    flat = D.Mixture([(1, D.Exponential(1.0)), (1, D.Exponential(2.0)), (4, D.Deterministic(1.0))])
    x = np.linspace(0, 10, 21)
    np.testing.assert_allclose(outer.cdf(x), flat.cdf(x), rtol=1e-15)
    assert outer.mean == pytest.approx(flat.mean, rel=1e-15)


# --- empirical ------------------------------------------------------------------------------


def test_empirical_matches_numpy() -> None:
    rng = np.random.default_rng(7)
    s = np.round(rng.lognormal(0.0, 1.0, 999), 3)  # rounded: ties
    e = D.Empirical(s)
    assert e.mean == pytest.approx(s.mean(), rel=1e-12)
    assert e.scv == pytest.approx(s.var() / s.mean() ** 2, rel=1e-12)
    x = np.concatenate([s[:50], np.linspace(0, s.max() * 1.1, 50)])
    np.testing.assert_array_equal(e.cdf(x), [(s <= v).sum() / s.size for v in x])
    qs = np.concatenate([[0.0, 1.0], rng.uniform(size=500)])
    np.testing.assert_array_equal(e.quantile(qs), np.quantile(s, qs, method="inverted_cdf"))
    assert e.samples.flags.writeable is False


def test_empirical_quantile_is_consistent_with_its_cdf_at_the_steps() -> None:
    # q = k / n exactly as the cdf computes it: the quantile is the k-th smallest sample,
    # even where q * n rounds up past k in floating point (0.3 * 10 = 3.0000000000000004).
    n = 10
    s = np.arange(1.0, n + 1)
    e = D.Empirical(s)
    for k in range(1, n + 1):
        assert e.quantile(k / n) == s[k - 1], k
        assert e.cdf(e.quantile(k / n)) >= k / n


# --- sampling ---------------------------------------------------------------------------------

SAMPLED = [
    *CASES[::2],
    (D.Lognormal(1.0, 2.0), lognormal_ref(1.0, 2.0)),
    (D.Gamma(1.0, 10.0), stats.gamma(a=0.1, scale=10.0)),
]


@pytest.mark.parametrize(("dist", "ref"), SAMPLED, ids=[repr(d) for d, _ in SAMPLED])
def test_samples_follow_the_law(dist, ref) -> None:
    x = dist.sample(DRAWS, seed=20240601)
    assert x.shape == (DRAWS,) and x.dtype == np.float64
    assert stats.kstest(x, ref.cdf).pvalue > 1e-4
    if math.isfinite(dist.scv):
        se = dist.mean * math.sqrt(dist.scv / DRAWS)
        assert abs(x.mean() - dist.mean) <= 5 * se
    np.testing.assert_array_equal(x, dist.sample(DRAWS, seed=20240601))  # seeded: same draws
    assert not np.array_equal(x[:100], dist.sample(100, seed=1))


def test_mixture_and_empirical_samples() -> None:
    mix = D.Mixture([(w, d) for w, d, _ in MIX_PARTS])
    x = mix.sample(DRAWS, seed=11)
    assert stats.kstest(x, mixture_cdf).pvalue > 1e-4
    assert abs(x.mean() - mix.mean) <= 5 * mix.mean * math.sqrt(mix.scv / DRAWS)
    s = np.array([0.5, 1.0, 1.0, 4.0])
    y = D.Empirical(s).sample(DRAWS, seed=12)
    values, counts = np.unique(y, return_counts=True)
    np.testing.assert_array_equal(values, [0.5, 1.0, 4.0])
    assert stats.chisquare(counts, DRAWS * np.array([0.25, 0.5, 0.25])).pvalue > 1e-4


# --- lognormal helpers --------------------------------------------------------------------


def test_lognormal_from_median_and_quantiles_round_trip() -> None:
    d = D.Lognormal.from_median(0.02, 0.8)
    assert d.median == pytest.approx(0.02, rel=1e-14)
    assert d.quantile(0.5) == pytest.approx(0.02, rel=REL)
    assert d.sigma == 0.8
    q = D.Lognormal.from_quantiles(0.010, 0.100)
    assert q.quantile(0.5) == pytest.approx(0.010, rel=REL)
    assert q.quantile(0.99) == pytest.approx(0.100, rel=REL)
    q999 = D.Lognormal.from_quantiles(0.010, 0.300, q=0.999)
    assert q999.quantile(0.999) == pytest.approx(0.300, rel=REL)
    assert D.Lognormal.from_quantiles(0.5, 0.5).scv == 0.0
    with pytest.raises(ValueError, match="median"):
        D.Lognormal.from_median(0.0, 1.0)
    with pytest.raises(ValueError, match="sigma"):
        D.Lognormal.from_median(1.0, 11.0)
    with pytest.raises(ValueError, match="q must"):
        D.Lognormal.from_quantiles(1.0, 2.0, q=0.4)
    with pytest.raises(ValueError, match="p99 >= p50"):
        D.Lognormal.from_quantiles(2.0, 1.0)
    with pytest.raises(TypeError, match="p50"):
        D.Lognormal.from_quantiles("1", 2.0)


def test_lognormal_with_zero_sigma_is_an_atom_at_its_mean() -> None:
    d = D.Lognormal(0.3, 0.0)
    assert (d.mean, d.scv) == (0.3, 0.0)
    assert d.cdf(0.3) == 1.0
    np.testing.assert_array_equal(d.quantile([0.25, 0.5, 1.0]), [0.3, 0.3, 0.3])
    np.testing.assert_array_equal(d.sample(5), np.full(5, 0.3))


# --- value semantics ------------------------------------------------------------------------

ALL = [d for d, _ in CASES] + [
    D.Deterministic(2.0),
    D.Mixture([(0.5, D.Exponential(1.0)), (0.5, D.Deterministic(2.0))]),
    D.Empirical([1.0, 2.0, 3.0]),
]


@pytest.mark.parametrize("dist", ALL, ids=[type(d).__name__ for d in ALL])
def test_pickles_and_compares(dist) -> None:
    back = pickle.loads(pickle.dumps(dist))
    assert type(back) is type(dist)
    np.testing.assert_array_equal(back.quantile(QS), dist.quantile(QS))
    np.testing.assert_array_equal(back.sample(50, seed=4), dist.sample(50, seed=4))
    if not isinstance(dist, D.Empirical):  # holds an array: compared by identity
        assert back == dist
        assert hash(back) == hash(dist)


@pytest.mark.parametrize("dist", ALL, ids=[type(d).__name__ for d in ALL])
def test_frozen(dist) -> None:
    name = next(iter(vars(dist)))
    with pytest.raises(FrozenInstanceError):
        setattr(dist, name, 1.0)


def test_equality_is_by_parameters() -> None:
    assert D.Exponential(1.0) == D.Exponential(1.0)
    assert D.Exponential(1.0) != D.Exponential(2.0)
    assert D.Gamma(1.0, 1.0) != D.Exponential(1.0)
    assert D.Lognormal(1.0) == D.Lognormal(1.0, 1.0)


# --- bad parameters name themselves -------------------------------------------------------

BAD = [
    (lambda: D.Exponential(0.0), ValueError, "mean"),
    (lambda: D.Exponential(-1.0), ValueError, "mean"),
    (lambda: D.Exponential(math.inf), ValueError, "mean"),
    (lambda: D.Exponential(math.nan), ValueError, "mean"),
    (lambda: D.Exponential("1"), TypeError, "mean"),
    (lambda: D.Exponential(True), TypeError, "mean"),
    (lambda: D.Deterministic(-1.0), ValueError, "value"),
    (lambda: D.Deterministic(None), TypeError, "value"),
    (lambda: D.Lognormal(0.0, 1.0), ValueError, "mean"),
    (lambda: D.Lognormal(1.0, -0.1), ValueError, "sigma"),
    (lambda: D.Lognormal(1.0, 10.5), ValueError, "sigma"),
    (lambda: D.Lognormal(1.0, "1"), TypeError, "sigma"),
    (lambda: D.Gamma(-1.0, 1.0), ValueError, "mean"),
    (lambda: D.Gamma(1.0, 0.0), ValueError, "scv"),
    (lambda: D.Gamma(1.0, math.nan), ValueError, "scv"),
    (lambda: D.Gamma(1.0, [1.0]), TypeError, "scv"),
    (lambda: D.Weibull(0.0, 1.0), ValueError, "mean"),
    (lambda: D.Weibull(1.0, 0.0), ValueError, "shape"),
    (lambda: D.Weibull(1.0, 1000.0), ValueError, "shape"),
    (lambda: D.Pareto(1.0, 1.0), ValueError, "alpha"),
    (lambda: D.Pareto(1.0, 0.5), ValueError, "alpha"),
    (lambda: D.Pareto(-1.0, 2.0), ValueError, "mean"),
    (lambda: D.Uniform(-1.0, 1.0), ValueError, "low"),
    (lambda: D.Uniform(2.0, 1.0), ValueError, "high"),
    (lambda: D.Uniform(0.0, math.inf), ValueError, "high"),
    (lambda: D.Uniform(0.0, "1"), TypeError, "high"),
    (lambda: D.Empirical([]), ValueError, "samples"),
    (lambda: D.Empirical([1.0, -1.0]), ValueError, "samples"),
    (lambda: D.Empirical([1.0, math.nan]), ValueError, "samples"),
    (lambda: D.Empirical(["a"]), TypeError, "samples"),
    (lambda: D.Empirical([[1.0]]), TypeError, "samples"),
    (lambda: D.Mixture([(-1.0, D.Exponential(1.0))]), ValueError, "weight"),
    (lambda: D.Mixture([(math.inf, D.Exponential(1.0))]), ValueError, "weight"),
    (lambda: D.Mixture([(0.0, D.Exponential(1.0))]), ValueError, "weight"),
    (lambda: D.Mixture([("1", D.Exponential(1.0))]), TypeError, "weight"),
    (lambda: D.Mixture([]), ValueError, "components"),
    (lambda: D.Mixture([(1.0, 2.0)]), TypeError, "components"),
    (lambda: D.Exponential(1.0).quantile(1.5), ValueError, "q"),
    (lambda: D.Exponential(1.0).quantile(-0.1), ValueError, "q"),
    (lambda: D.Exponential(1.0).quantile(math.nan), ValueError, "q"),
    (lambda: D.Exponential(1.0).sample(-1), ValueError, "size"),
    (lambda: D.Exponential(1.0).sample(10, seed=-1), ValueError, "seed"),
]


@pytest.mark.parametrize(("make", "error", "name"), BAD, ids=[f"{i}-{b[2]}" for i, b in enumerate(BAD)])
def test_bad_parameters_name_themselves(make, error, name) -> None:
    with pytest.raises(error, match=rf"\b{name}\b"):
        make()


def test_as_distribution_names_the_callers_parameter() -> None:
    e = D.Exponential(2.0)
    assert D.as_distribution("service", e) is e
    assert D.as_distribution("service", 2.0) == D.Deterministic(2.0)
    assert D.as_distribution("service", 2, number="exponential") == D.Exponential(2.0)
    with pytest.raises(ValueError, match="service_time"):
        D.as_distribution("service_time", -1.0)
    with pytest.raises(ValueError, match="service_time"):
        D.as_distribution("service_time", 0.0, number="exponential")
    with pytest.raises(TypeError, match="repair_time"):
        D.as_distribution("repair_time", "fast")
    with pytest.raises(TypeError, match="repair_time"):
        D.as_distribution("repair_time", True)


# --- properties -----------------------------------------------------------------------------

CONTINUOUS = [d for d, _ in CASES] + [D.Mixture([(w, d) for w, d, _ in MIX_PARTS])]
DISCRETE = [
    D.Deterministic(0.3),
    D.Empirical([0.1, 0.2, 0.2, 0.7, 1.3, 1.3, 1.3, 9.0, 0.3, 0.6]),
    D.Mixture([(0.01, D.Deterministic(10.0)), (0.99, D.Deterministic(0.01))]),
    D.Mixture([(0.3, D.Deterministic(0.5)), (0.7, D.Uniform(1.0, 2.0))]),
]


@settings(max_examples=300, deadline=None)
@given(i=st.integers(0, len(DISCRETE) - 1), x=st.floats(0.0, 20.0), q=st.floats(0.0, 1.0))
def test_quantile_inverts_cdf_exactly_for_laws_with_atoms(i: int, x: float, q: float) -> None:
    d = DISCRETE[i]
    if d.cdf(x) > 0:  # quantile(0) is the bottom of the support
        assert d.quantile(d.cdf(x)) <= x
    assert d.cdf(d.quantile(q)) >= q


@settings(max_examples=300, deadline=None)
@given(i=st.integers(0, len(CONTINUOUS) - 1), p=st.floats(1e-9, 1 - 1e-9), q=st.floats(0.0, 1.0))
def test_quantile_inverts_cdf_for_continuous_laws(i: int, p: float, q: float) -> None:
    # Closed forms round: both inequalities hold up to the inversion's conditioning (x's
    # relative error ~ eps / (x pdf(x)), at most ~1e-7 for p in [1e-9, 1 - 1e-9]; cdf's
    # resolution pdf(x) ulp(x) ~ 1e-15 where a tiny q meets the bottom of the support).
    d = CONTINUOUS[i]
    x = float(d.quantile(p))
    assert d.quantile(d.cdf(x)) <= x * (1 + 1e-7)
    assert d.cdf(d.quantile(q)) >= q * (1 - 1e-9) - 1e-15


# --- arrivals -------------------------------------------------------------------------------


def test_arrival_rates() -> None:
    assert A.Poisson(3.0).rate == 3.0
    assert A.Periodic(2.0).rate == 2.0
    m = A.MMPP(10.0, 2.0, 1.0, 3.0)
    assert m.rate == pytest.approx((10 * 1 + 2 * 3) / 4, rel=1e-15)
    assert A.OnOff(8.0, 1.0, 3.0).rate == pytest.approx(2.0, rel=1e-15)
    r = A.Replay(np.array([0.0, 0.5, 1.0, 4.0]))
    assert r.rate == pytest.approx(3 / 4.0)
    assert r._engine.mean_rate == pytest.approx(r.rate)
    assert A.Replay(np.array([1.0])).rate == math.inf
    assert A.as_arrivals("load", 5.0) == A.Poisson(5.0)
    assert A.as_arrivals("load", [0.0, 1.0, 2.0]).rate == pytest.approx(1.0)
    p = A.Poisson(1.0)
    assert A.as_arrivals("load", p) is p


BAD_ARRIVALS = [
    (lambda: A.Poisson(0.0), ValueError, "rate"),
    (lambda: A.Poisson(math.inf), ValueError, "rate"),
    (lambda: A.Poisson("1"), TypeError, "rate"),
    (lambda: A.Periodic(-1.0), ValueError, "rate"),
    (lambda: A.MMPP(-1.0, 1.0, 1.0, 1.0), ValueError, "rate_high"),
    (lambda: A.MMPP(1.0, -1.0, 1.0, 1.0), ValueError, "rate_low"),
    (lambda: A.MMPP(1.0, 1.0, 0.0, 1.0), ValueError, "mean_high_s"),
    (lambda: A.MMPP(1.0, 1.0, 1.0, math.nan), ValueError, "mean_low_s"),
    (lambda: A.MMPP(0.0, 0.0, 1.0, 1.0), ValueError, "rate_high"),
    (lambda: A.MMPP(1.0, None, 1.0, 1.0), TypeError, "rate_low"),
    (lambda: A.OnOff(1.0, 0.0, 1.0), ValueError, "mean_on_s"),  # the name OnOff's caller used
    (lambda: A.OnOff(1.0, 1.0, -1.0), ValueError, "mean_off_s"),
    (lambda: A.Replay(np.array([])), ValueError, "timestamps"),
    (lambda: A.Replay(np.array([1.0, 0.5])), ValueError, "timestamps"),
    (lambda: A.Replay(np.array([-1.0, 0.5])), ValueError, "timestamps"),
    (lambda: A.Replay(np.array([0.0, math.inf])), ValueError, "timestamps"),
    (lambda: A.Replay(np.array(["a"])), TypeError, "timestamps"),
    (lambda: A.as_arrivals("load", -1.0), ValueError, "load"),
    (lambda: A.as_arrivals("load", "fast"), TypeError, "load"),
]


@pytest.mark.parametrize(
    ("make", "error", "name"), BAD_ARRIVALS, ids=[f"{i}-{b[2]}" for i, b in enumerate(BAD_ARRIVALS)]
)
def test_bad_arrivals_name_themselves(make, error, name) -> None:
    with pytest.raises(error, match=rf"\b{name}\b"):
        make()


def test_arrivals_pickle() -> None:
    for a in (A.Poisson(2.0), A.Periodic(1.0), A.MMPP(10.0, 2.0, 1.0, 3.0)):
        assert pickle.loads(pickle.dumps(a)).rate == pytest.approx(a.rate)
