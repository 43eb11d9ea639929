"""sm.calibrate against independent oracles: SciPy's maximum-likelihood fits and KS test,
known mixtures recovered by EM, and sample lines of each log format."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pandas as pd
import pytest

import scalemodel as sm
from scalemodel import calibrate as C
from scalemodel import distributions as D

st = pytest.importorskip("scipy.stats")


@pytest.fixture(scope="module")
def gamma_sample() -> np.ndarray:
    return D.Gamma(0.02, 0.5).sample(4000, seed=11)


def test_lognormal_matches_scipy() -> None:
    x = D.Lognormal.from_median(0.01, 0.7).sample(3000, seed=1)
    fit = C.fit_lognormal(x)
    s, _, scale = st.lognorm.fit(x, floc=0)
    assert fit.params["sigma"] == pytest.approx(s, rel=1e-9)
    assert math.exp(fit.params["mu"]) == pytest.approx(scale, rel=1e-9)
    assert fit.loglik == pytest.approx(st.lognorm.logpdf(x, s, 0, scale).sum(), rel=1e-9)
    # the sample's parameters within sampling error (5 standard errors)
    assert abs(fit.params["sigma"] - 0.7) < 5 * 0.7 / math.sqrt(2 * x.size)
    assert abs(fit.params["mu"] - math.log(0.01)) < 5 * 0.7 / math.sqrt(x.size)
    assert isinstance(fit.distribution, D.Lognormal)


def test_gamma_matches_scipy(gamma_sample: np.ndarray) -> None:
    fit = C.fit_gamma(gamma_sample)
    a, _, scale = st.gamma.fit(gamma_sample, floc=0)
    assert fit.params["shape"] == pytest.approx(a, rel=1e-7)
    assert fit.params["scale"] == pytest.approx(scale, rel=1e-7)
    assert fit.loglik == pytest.approx(st.gamma.logpdf(gamma_sample, a, 0, scale).sum(), rel=1e-9)
    # shape 2: its ML standard error is about sqrt(2 (k^2) / n)... within 5 of them
    assert abs(fit.params["shape"] - 2.0) < 5 * math.sqrt(2 * 4.0 / gamma_sample.size)
    assert fit.distribution.scv == pytest.approx(1 / fit.params["shape"])


@pytest.mark.parametrize("shape", [0.6, 1.5, 4.0])
def test_weibull_matches_scipy(shape: float) -> None:
    x = D.Weibull(0.05, shape).sample(3000, seed=3)
    fit = C.fit_weibull(x)
    c, _, scale = st.weibull_min.fit(x, floc=0)
    # SciPy optimizes numerically (Nelder-Mead to ~1e-4); ours solves the score equation
    assert fit.params["shape"] == pytest.approx(c, rel=1e-3)
    assert fit.params["scale"] == pytest.approx(scale, rel=1e-3)
    assert fit.loglik >= st.weibull_min.logpdf(x, c, 0, scale).sum() - 1e-6 * abs(fit.loglik)
    assert abs(fit.params["shape"] - shape) < 5 * 0.78 * shape / math.sqrt(x.size)


def test_exponential_and_ks_match_scipy(gamma_sample: np.ndarray) -> None:
    fit = C.fit_exponential(gamma_sample)
    _, scale = st.expon.fit(gamma_sample, floc=0)
    assert fit.params["mean"] == pytest.approx(scale)
    assert fit.loglik == pytest.approx(st.expon.logpdf(gamma_sample, 0, scale).sum())
    g = C.fit_gamma(gamma_sample)
    ref = st.kstest(gamma_sample, st.gamma(g.params["shape"], 0, g.params["scale"]).cdf)
    assert g.ks_statistic == pytest.approx(ref.statistic, rel=1e-9)
    # asymptotic p-value with Stephens' correction against SciPy's exact one
    assert g.ks_pvalue == pytest.approx(ref.pvalue, abs=0.02)
    d, p = C.ks_test(gamma_sample, D.Exponential(0.02))
    assert d == pytest.approx(st.kstest(gamma_sample, st.expon(0, 0.02).cdf).statistic)
    assert p < 1e-10


def test_special_functions_match_scipy() -> None:
    sc = pytest.importorskip("scipy.special")
    s = np.array([1e-4, 0.01, 0.3, 2.0, 20.0])
    k = sm._core.stats.gamma_shape_mle(s)
    np.testing.assert_allclose(np.log(k) - sc.digamma(k), s, rtol=1e-9)
    x, dof = np.array([0.5, 3.84, 100.0, 1e4]), np.array([1.0, 1.0, 80.0, 9999.0])
    np.testing.assert_allclose(sm._core.stats.chi_squared_sf(x, dof), st.chi2.sf(x, dof), rtol=1e-9)
    kk = np.array([0.3, 0.8, 1.36, 2.5])
    np.testing.assert_allclose(sm._core.stats.kolmogorov_sf(kk), st.kstwobign.sf(kk), rtol=1e-9)


def test_em_recovers_a_99_1_hyperexponential() -> None:
    n = 20_000
    x = D.Mixture([(0.99, D.Exponential(0.01)), (0.01, D.Exponential(1.0))]).sample(n, seed=2)
    fit = C.fit_mixture(x, 2, family="exponential")
    p = fit.params
    # binomial and exponential standard errors, 5 of them
    assert abs(p["weight1"] - 0.01) < 5 * math.sqrt(0.01 * 0.99 / n)
    assert abs(p["mean1"] - 1.0) < 5 / math.sqrt(0.01 * n)
    assert abs(p["mean0"] - 0.01) < 5 * 0.01 / math.sqrt(0.99 * n) + 0.0005
    report = C.fit_service(x)
    assert report.best.family == "hyperexponential"
    assert report.best.distribution.scv > 30
    assert report.fits["exponential"].ks_pvalue < 1e-6 < report.best.ks_pvalue


def test_em_recovers_a_bimodal_lognormal_mixture() -> None:
    n = 20_000
    x = D.Mixture([(0.99, D.Lognormal(0.01, 0.3)), (0.01, D.Lognormal(1.0, 0.2))]).sample(n, seed=4)
    report = C.fit_service(x, criterion="aic")
    assert report.best.family == "lognormal_mixture"
    p = report.best.params
    assert abs(p["weight1"] - 0.01) < 5 * math.sqrt(0.01 * 0.99 / n)
    assert p["mean1"] == pytest.approx(1.0, rel=0.05)
    assert p["sigma0"] == pytest.approx(0.3, rel=0.05)
    q = report.quantiles([0.5, 0.999])
    assert q.loc[0.999, "lognormal_mixture"] == pytest.approx(q.loc[0.999, "sample"], rel=0.1)


def test_model_choice_by_information_criteria(gamma_sample: np.ndarray) -> None:
    report = C.fit_service(gamma_sample, families=("exponential", "gamma", "lognormal", "weibull"))
    assert report.best.family == "gamma"
    frame = report.to_frame()
    assert frame.index[0] == "gamma" and frame.index[-1] == "empirical"
    assert frame["bic"].iloc[:-1].is_monotonic_increasing
    g = report.fits["gamma"]
    assert g.aic == pytest.approx(2 * 2 - 2 * g.loglik)
    assert g.bic == pytest.approx(2 * math.log(gamma_sample.size) - 2 * g.loglik)
    assert "gamma" in repr(report) and "<table" in report._repr_html_()
    assert isinstance(report.empirical.distribution, D.Empirical)
    again = pickle.loads(pickle.dumps(report))
    assert again.best.family == "gamma" and again.best.distribution == report.best.distribution


def test_qq_plot_draws(gamma_sample: np.ndarray) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = C.fit_service(gamma_sample, families=("gamma", "lognormal")).qq_plot()
    assert len(ax.lines) == 3
    plt.close("all")


def test_bad_samples_are_named() -> None:
    with pytest.raises(ValueError, match="samples must be > 0"):
        C.fit_lognormal([0.0, 0.1, 0.2])
    with pytest.raises(TypeError, match="samples"):
        C.fit_gamma("abc")
    with pytest.raises(ValueError, match="finite"):
        C.fit_weibull([0.1, np.nan, 0.2])
    with pytest.raises(ValueError, match="criterion"):
        C.fit_service([0.1, 0.2, 0.3], criterion="r2")
    with pytest.raises(ValueError, match="families"):
        C.fit_service([0.1, 0.2, 0.3], families=("normal",))
    with pytest.raises(ValueError, match="family"):
        C.fit_mixture([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], family="gamma")
    with pytest.raises(ValueError, match="not all be equal"):
        C.fit_gamma([0.1, 0.1, 0.1])


# --- arrivals ------------------------------------------------------------------------------
def _mmpp_times(
    rh: float, rl: float, mh: float, ml: float, horizon: float, seed: int
) -> tuple[np.ndarray, float, float]:
    """MMPP timestamps, and the realized mean durations of the high and low states."""
    rng = np.random.default_rng(seed)
    t, high, out = 0.0, True, []
    stays: dict[bool, list[float]] = {True: [], False: []}
    while t < horizon:
        stay = rng.exponential(mh if high else ml)
        stays[high].append(stay)
        rate = rh if high else rl
        k = rng.poisson(rate * stay)
        out.append(t + np.sort(rng.uniform(0, stay, k)))
        t += stay
        high = not high
    times = np.concatenate(out)
    return times[times < horizon], float(np.mean(stays[True])), float(np.mean(stays[False]))


def test_poisson_arrivals_pass_the_tests() -> None:
    t = np.cumsum(np.random.default_rng(5).exponential(1 / 200.0, 40_000))
    fit = C.fit_arrivals(t, window_s=1.0)
    assert fit.rate == pytest.approx(200.0, rel=0.02)
    assert fit.index_of_dispersion == pytest.approx(1.0, abs=0.3)
    assert fit.poisson and fit.poisson_pvalue > 0.01
    assert fit.interarrival_scv == pytest.approx(1.0, abs=0.05)
    assert fit.interarrival_ks[1] > 0.01
    assert isinstance(fit.process(), sm.arrivals.Poisson)
    assert list(fit.counts.columns) == ["start_s", "count", "rate"]


def test_bursty_arrivals_are_rejected_and_mmpp_recovered() -> None:
    t, high_s, low_s = _mmpp_times(400.0, 50.0, 20.0, 30.0, 3000.0, seed=6)
    fit = C.fit_arrivals(t, window_s=1.0, mmpp=True)
    assert fit.index_of_dispersion > 20 and not fit.poisson
    m = fit.mmpp
    assert isinstance(m, sm.arrivals.MMPP) and fit.process() is m
    assert m.rate_high == pytest.approx(400.0, rel=0.05)
    assert m.rate_low == pytest.approx(50.0, rel=0.1)
    # against the periods this sample drew (about 60 of each). Periods shorter than a
    # window are missed and their neighbours merge, so the fit runs long: 2-16% over 8 seeds.
    assert 1.0 < m.mean_high_s / high_s < 1.2
    assert 1.0 < m.mean_low_s / low_s < 1.2


# --- log readers ---------------------------------------------------------------------------
NGINX = """\
127.0.0.1 - - [10/Oct/2023:13:55:36 +0000] "GET /api/users?id=1 HTTP/1.1" 200 2326 "-" "curl/8.0" 0.012
10.1.2.3 - alice [10/Oct/2023:13:55:37 +0200] "POST /login HTTP/2.0" 302 0 "https://x.org/" "Mozilla/5.0 (X11)" 1.250 1.248
10.1.2.3 - - [10/Oct/2023:13:55:38 +0000] "GET / HTTP/1.1" 499 - "-" "-" 0.000 - 1696946138.512
garbage line
"""

HAPROXY = """\
Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"
10.0.1.2:33318 [06/Feb/2009:12:14:15.001] http-in static/srv2 0/12/1/1003/1016 200 12 - - ---- 3/3/2/1/+1 0/4 "GET /slow HTTP/1.1"
10.0.1.3:40000 [06/Feb/2009:12:14:15.500] http-in static/<NOSRV> -1/-1/-1/-1/+5001 503 212 - - SQNN 3/3/2/0/0 0/7 "GET / HTTP/1.1"
"""


def test_read_nginx() -> None:
    f = C.read_nginx(NGINX)
    assert len(f) == 3
    assert f["duration_s"].tolist() == [0.012, 1.25, 0.0]
    assert f["timestamp"].iloc[0] == pytest.approx(pd.Timestamp("2023-10-10T13:55:36Z").timestamp() - 0.012)
    assert f["timestamp"].iloc[1] == pytest.approx(pd.Timestamp("2023-10-10T11:55:37Z").timestamp() - 1.25)
    assert f["timestamp"].iloc[2] == pytest.approx(1696946138.512)  # $msec
    assert f["upstream_s"].iloc[1] == 1.248 and math.isnan(f["upstream_s"].iloc[0])
    assert f["status"].tolist() == [200, 302, 499] and f["bytes"].tolist() == [2326, 0, 0]
    assert f["method"].tolist() == ["GET", "POST", "GET"] and f["path"].iloc[0] == "/api/users?id=1"
    assert f["user_agent"].iloc[1] == "Mozilla/5.0 (X11)"
    with pytest.raises(ValueError, match="line 4"):
        C.read_nginx(NGINX, strict=True)


def test_read_haproxy(tmp_path) -> None:
    path = tmp_path / "haproxy.log"
    path.write_text(HAPROXY)
    f = C.read_haproxy(path)
    assert len(f) == 3
    r = f.iloc[0]
    assert (r.tq_s, r.tw_s, r.tc_s, r.tr_s, r.tt_s) == pytest.approx((0.010, 0.0, 0.030, 0.069, 0.109))
    assert r.timestamp == pytest.approx(pd.Timestamp("2009-02-06T12:14:14.655Z").timestamp())
    assert (r.backend, r.server, r.status, r.bytes) == ("static", "srv1", 200, 2750)
    assert r.request == "GET /index.html HTTP/1.1"
    s = f.iloc[1]
    assert s.service_s == 1.003 and s.tw_s == 0.012 and s.retries == 1 and s.backend_queue == 4
    assert f.iloc[2].server == "<NOSRV>" and math.isnan(f.iloc[2].tr_s) and f.iloc[2].tt_s == 5.001
    assert f.iloc[1].timestamp - f.iloc[0].timestamp == pytest.approx(0.346)


def test_read_csv(tmp_path) -> None:
    path = tmp_path / "timings.csv"
    path.write_text("ts,latency_ms,route\n2024-01-01T00:00:00Z,12.5,/a\n2024-01-01T00:00:01.5Z,3,/b\n")
    f = C.read_csv(path, timestamp="ts", duration="latency_ms", unit="ms")
    assert list(f.columns) == ["timestamp", "duration_s", "route"]
    assert f["duration_s"].tolist() == pytest.approx([0.0125, 0.003])
    assert f["timestamp"].iloc[1] - f["timestamp"].iloc[0] == pytest.approx(1.5)
    with pytest.raises(ValueError, match="column 'duration'"):
        C.read_csv(path, timestamp="ts")
    with pytest.raises(ValueError, match="unit"):
        C.read_csv(path, unit="min")


def test_from_log_predicts_the_logs_percentiles() -> None:
    # A synthetic log of an M/G/1 station at 60% load: arrivals and service known, the
    # response times produced by Lindley's recursion (independent of the simulator).
    rng = np.random.default_rng(9)
    n, lam = 20_000, 30.0
    t = np.cumsum(rng.exponential(1 / lam, n))
    svc = D.Gamma(0.02, 0.5).sample(n, seed=9)
    start = np.empty(n)
    free = 0.0
    for i in range(n):
        start[i] = max(t[i], free)
        free = start[i] + svc[i]
    log = pd.DataFrame({"timestamp": t, "duration_s": start + svc - t, "service_s": svc})
    model = C.from_log(log, servers=1, replications=4, seed=1)
    assert model.service.best.family == "gamma"
    cmp = model.comparison
    assert list(cmp.index) == ["p50", "p90", "p95", "p99", "mean"]
    assert np.all(np.abs(cmp["ratio"] - 1) < 0.1), cmp
    assert model.arrivals.poisson
    assert "LogModel" in repr(model)


def test_read_csv_numeric(tmp_path) -> None:
    frame = pd.DataFrame({"timestamp": [10.0, 10.5, 12.0], "duration": [0.1, 0.2, 0.3]})
    frame.to_csv(tmp_path / "t.csv", index=False)
    f = C.read_csv(tmp_path / "t.csv")
    assert f["timestamp"].tolist() == [10.0, 10.5, 12.0] and f["duration_s"].tolist() == [0.1, 0.2, 0.3]


def test_read_parquet(tmp_path) -> None:
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"timestamp": [10.0, 10.5, 12.0], "duration": [0.1, 0.2, 0.3]})
    frame.to_parquet(tmp_path / "t.parquet")
    f = pd.DataFrame({"timestamp": [10.0, 10.5, 12.0], "duration_s": [0.1, 0.2, 0.3]})
    assert C.read_csv(tmp_path / "t.parquet").equals(f)


def test_from_log_behind_a_balancer() -> None:
    # round robin over two FIFO servers: request i on server i mod 2 (Lindley per server)
    rng = np.random.default_rng(10)
    n = 20_000
    t = np.cumsum(rng.exponential(1 / 100.0, n))  # each server 56% busy
    svc = D.Lognormal.from_median(0.01, 0.5).sample(n, seed=10)
    resp = np.empty(n)
    for b in range(2):
        free = 0.0
        for i in range(b, n, 2):
            start = max(t[i], free)
            free = start + svc[i]
            resp[i] = free - t[i]
    log = pd.DataFrame({"timestamp": t, "duration_s": resp, "service_s": svc, "server": np.arange(n) % 2})
    model = C.from_log(log, policy="round_robin", replications=4, seed=1)
    assert model.servers == 2 and model.service.best.family == "lognormal"
    assert np.all(np.abs(model.comparison["ratio"] - 1) < 0.1), model.comparison
    # the same log read as one shared queue underestimates the waits
    shared = C.from_log(log, families=("lognormal",), replications=4, seed=1)
    assert shared.comparison.loc["p99", "ratio"] < 0.9


def _baum_welch_numpy(x: np.ndarray, max_iter: int) -> tuple[np.ndarray, np.ndarray]:
    """The same Baum-Welch written here in NumPy (full alpha, beta and xi arrays): the
    oracle for the engine's folded backward pass."""
    lgam = np.array([math.lgamma(v + 1.0) for v in x])
    lam = np.array([max(float(np.quantile(x, 0.9)), 1e-3), max(float(np.quantile(x, 0.1)), 1e-6)])
    if lam[0] <= lam[1]:
        lam[0] = lam[1] * 2.0 + 1.0
    a, pi, prev, n = np.array([[0.9, 0.1], [0.1, 0.9]]), np.array([0.5, 0.5]), -math.inf, x.size
    for _ in range(max_iter):
        lam = np.maximum(lam, 1e-9)
        b = np.maximum(np.exp(x[:, None] * np.log(lam) - lam - lgam[:, None]), 1e-300)
        alpha, beta, scale = np.empty((n, 2)), np.ones((n, 2)), np.empty(n)
        alpha[0] = pi * b[0]
        for i in range(n):
            v = pi * b[0] if i == 0 else (alpha[i - 1] @ a) * b[i]
            scale[i] = v.sum()
            alpha[i] = v / scale[i]
        for i in range(n - 2, -1, -1):
            beta[i] = (a @ (b[i + 1] * beta[i + 1])) / scale[i + 1]
        gamma = alpha * beta / (alpha * beta).sum(axis=1, keepdims=True)
        xi = alpha[:-1, :, None] * a[None] * (b[1:] * beta[1:])[:, None, :] / scale[1:, None, None]
        a = xi.sum(axis=0) / gamma[:-1].sum(axis=0)[:, None]
        a /= a.sum(axis=1, keepdims=True)
        pi = gamma[0]
        lam = (gamma * x[:, None]).sum(axis=0) / gamma.sum(axis=0)
        loglik = float(np.log(scale).sum())
        if loglik - prev <= 1e-9 * abs(loglik):
            break
        prev = loglik
    return lam, np.diag(a)


@pytest.mark.parametrize("n", [5, 300, 3000])
def test_the_engines_baum_welch_matches_a_numpy_transcription(n) -> None:
    rng = np.random.default_rng(n)
    x = rng.poisson(np.where(rng.random(n) < 0.3, 20.0, 3.0)).astype(float)
    lam, stay = _baum_welch_numpy(x, 300)
    got_lam, got_stay, _ = sm._core.stats.fit_poisson_hmm2(
        x, float(np.quantile(x, 0.9)), float(np.quantile(x, 0.1)), 300
    )
    np.testing.assert_allclose(got_lam, lam, rtol=1e-9)
    np.testing.assert_allclose(got_stay, stay, rtol=1e-9)


def test_mmpp_fit_work_is_bounded_naming_window_s_and_max_iter() -> None:
    t = np.linspace(0.0, 1e6, 1000)
    with pytest.raises(ValueError, match="window_s x max_iter"):
        C.fit_mmpp(t, window_s=1.0, max_iter=300)  # 1e6 windows x 300: refused before any work
    with pytest.raises(ValueError, match="max_iter=100000"):
        C.fit_mmpp(t, window_s=100.0, max_iter=100_000)
