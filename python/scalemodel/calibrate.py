"""Calibration: model inputs measured, not assumed.

Fit service times from samples (maximum likelihood for the exponential, lognormal, gamma
and Weibull; mixtures of exponentials (hyperexponential) or lognormals by EM for bimodal
workloads; the empirical distribution), with a Kolmogorov-Smirnov goodness of fit and a
choice by AIC or BIC; every fit returns a distribution of the shared family
(:mod:`scalemodel.distributions`), ready for the simulators. Fit arrivals from timestamps:
rate over time, index of dispersion of counts, a Poisson test and a two-state MMPP fit.
Read access logs (nginx combined with ``$request_time``, haproxy's HTTP log, CSV or
Parquet of timestamp and duration) into a DataFrame, and go from a log to a station
model whose predicted percentiles stand next to the log's own (:func:`from_log`).

>>> import numpy as np, scalemodel as sm
>>> x = sm.distributions.Gamma(0.02, 0.5).sample(5000, seed=1)
>>> report = sm.calibrate.fit_service(x, families=("exponential", "gamma", "lognormal"))
>>> report.best.family
'gamma'
>>> round(report.best.distribution.mean, 3), round(report.best.distribution.scv, 1)
(0.02, 0.5)

Units: seconds and requests per second. The KS p-values are computed as if the
parameters were known; with parameters fitted on the same sample they are conservative
(too high: Lilliefors), so a small p-value is a real misfit and a large one is weak
evidence of a fit. On large samples every model is rejected; compare the statistics.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from scalemodel import _core, _progress
from scalemodel import plot as _plot
from scalemodel._arrays import api_dir as _api_dir
from scalemodel._arrays import flag as _flag
from scalemodel._arrays import number as _number
from scalemodel._arrays import whole as _whole
from scalemodel.arrivals import MMPP, Replay
from scalemodel.distributions import (
    Distribution,
    Empirical,
    Exponential,
    Gamma,
    Lognormal,
    Mixture,
    Weibull,
)

__all__ = [
    "FAMILIES",
    "ArrivalFit",
    "Fit",
    "FitReport",
    "LogModel",
    "fit_arrivals",
    "fit_empirical",
    "fit_exponential",
    "fit_gamma",
    "fit_lognormal",
    "fit_mixture",
    "fit_mmpp",
    "fit_service",
    "fit_weibull",
    "from_log",
    "ks_test",
    "read_csv",
    "read_haproxy",
    "read_nginx",
]

_st = _core.stats
_LOG_2PI = math.log(2.0 * math.pi)

#: The families :func:`fit_service` tries by default, in the order of the table.
FAMILIES: tuple[str, ...] = (
    "exponential",
    "lognormal",
    "gamma",
    "weibull",
    "hyperexponential",
    "lognormal_mixture",
)


# --- samples and goodness of fit ----------------------------------------------------------
_MAX_SAMPLE = 1e150
_LOG_MAX = math.log(sys.float_info.max)


def _samples(samples: Any, *, positive: bool = True, minimum: int = 2) -> np.ndarray:
    x = np.asarray(samples)
    if x.dtype.kind not in "iuf" or x.ndim != 1:
        raise TypeError("samples must be a 1-d array of numbers (seconds)")
    x = np.ascontiguousarray(x, dtype=np.float64)
    if x.size < minimum:
        raise ValueError(f"samples must hold at least {minimum} values, got {x.size}")
    if not np.all(np.isfinite(x)):
        raise ValueError("samples must be finite (drop the NaN of aborted requests first)")
    if np.max(np.abs(x)) > _MAX_SAMPLE:
        raise ValueError(f"samples must be at most {_MAX_SAMPLE:g} in size (their squares must stay finite)")
    if positive and not np.all(x > 0):
        zeros = int(np.count_nonzero(x <= 0))
        raise ValueError(
            f"samples must be > 0 for this fit, got {zeros} of {x.size} at or below 0 (a log's "
            "resolution? add half of it, or fit families=('exponential', 'empirical'))"
        )
    return x


def ks_test(samples: Any, distribution: Distribution) -> tuple[float, float]:
    """Kolmogorov-Smirnov statistic D = sup |F_n - F| of ``samples`` against
    ``distribution`` and its asymptotic p-value P(K > sqrt(n) D) (conservative when the
    distribution was fitted on the same samples)."""
    x = np.sort(_samples(samples, positive=False, minimum=1))
    n = x.size
    cdf = np.asarray(distribution.cdf(x), dtype=np.float64)
    i = np.arange(1, n + 1, dtype=np.float64)
    d = float(max(np.max(i / n - cdf), np.max(cdf - (i - 1) / n)))
    # Stephens' small-sample correction of the limiting distribution.
    sn = math.sqrt(n)
    p = float(_st.kolmogorov_sf(np.array([(sn + 0.12 + 0.11 / sn) * d]))[0])
    return d, p


@dataclass(frozen=True)
class Fit:
    """One fitted family: the ``distribution`` (of the shared family), its fitted
    ``params``, the log-likelihood, the number of free parameters, the sample size and the
    KS statistic and p-value. ``aic`` = 2k - 2 loglik, ``bic`` = k ln n - 2 loglik (NaN for
    the empirical distribution, which has no likelihood to compare)."""

    family: str
    distribution: Distribution
    params: dict[str, float]
    loglik: float
    n_params: int
    n: int
    ks_statistic: float
    ks_pvalue: float

    @property
    def aic(self) -> float:
        return 2.0 * self.n_params - 2.0 * self.loglik

    @property
    def bic(self) -> float:
        return self.n_params * math.log(self.n) - 2.0 * self.loglik

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "mean": float(self.distribution.mean),
            "scv": float(self.distribution.scv),
            "loglik": self.loglik,
            "n_params": self.n_params,
            "aic": self.aic,
            "bic": self.bic,
            "ks_statistic": self.ks_statistic,
            "ks_pvalue": self.ks_pvalue,
            "params": dict(self.params),
        }

    def __repr__(self) -> str:
        ps = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return f"Fit({self.family}: {ps}; loglik={self.loglik:.6g}, KS D={self.ks_statistic:.3g})"


def _fit(
    family: str, x: np.ndarray, dist: Distribution, params: dict[str, float], loglik: float, k: int
) -> Fit:
    d, p = ks_test(x, dist)
    return Fit(family, dist, {k_: float(v) for k_, v in params.items()}, float(loglik), k, int(x.size), d, p)


# --- maximum-likelihood fits --------------------------------------------------------------
def fit_exponential(samples: Any) -> Fit:
    """Exponential by maximum likelihood: the mean is the sample mean."""
    x = _samples(samples, positive=False)
    if not np.all(x >= 0) or not x.mean() > 0:
        raise ValueError("samples must be >= 0 with a positive mean")
    m = float(x.mean())
    n = x.size
    return _fit("exponential", x, Exponential(m), {"mean": m}, -n * math.log(m) - n, 1)


def fit_lognormal(samples: Any) -> Fit:
    """Lognormal by maximum likelihood: mu and sigma are the mean and the (1/n) standard
    deviation of log x (the distribution's sigma is capped at the engine's 10)."""
    x = _samples(samples)
    y = np.log(x)
    mu, sigma = float(y.mean()), float(y.std())
    if not sigma > 0:
        raise ValueError("samples must not all be equal for a lognormal fit")
    n = x.size
    loglik = -float(y.sum()) - n * math.log(sigma) - 0.5 * n * _LOG_2PI - 0.5 * n
    if mu + 0.5 * sigma * sigma > _LOG_MAX:
        raise ValueError(
            f"samples spread too widely for a lognormal: its mean exp(mu + sigma^2 / 2) leaves double "
            f"range (mu {mu:.4g}, sigma {sigma:.4g} of log x)"
        )
    dist = Lognormal(math.exp(mu + 0.5 * sigma * sigma), min(sigma, 10.0))
    return _fit("lognormal", x, dist, {"mu": mu, "sigma": sigma}, loglik, 2)


def fit_gamma(samples: Any) -> Fit:
    """Gamma by maximum likelihood: the shape k solves log k - digamma(k) = log(mean x) -
    mean(log x) (Newton's method on Boost.Math's digamma and trigamma); the scale is
    mean / k."""
    x = _samples(samples)
    m = float(x.mean())
    mean_log = float(np.log(x).mean())
    s = math.log(m) - mean_log
    if not s > 0:
        raise ValueError("samples must not all be equal for a gamma fit")
    k = float(_st.gamma_shape_mle(np.array([s]))[0])
    theta = m / k
    n = x.size
    loglik = (k - 1.0) * n * mean_log - n * k - n * k * math.log(theta) - n * math.lgamma(k)
    return _fit("gamma", x, Gamma(m, 1.0 / k), {"shape": k, "scale": theta}, loglik, 2)


def fit_weibull(samples: Any) -> Fit:
    """Weibull by maximum likelihood: the shape k solves sum x^k log x / sum x^k - 1/k =
    mean(log x) (a safeguarded Newton iteration; the left side increases with k); the scale
    is (mean x^k)^(1/k). ``params`` hold the fitted values; the distribution's shape is
    clamped to the engine's range [0.05, 100] (a nearly constant sample)."""
    x = _samples(samples)
    y = np.log(x)
    ybar, ymax = float(y.mean()), float(y.max())
    if not float(y.std()) > 0:
        raise ValueError("samples must not all be equal for a Weibull fit")
    dy = y - ymax  # <= 0: x^k / max^k never overflows

    def g(k: float) -> tuple[float, float]:
        w = np.exp(k * dy)
        sw = float(w.sum())
        a = float((w * y).sum()) / sw
        b = float((w * y * y).sum()) / sw
        return a - 1.0 / k - ybar, b - a * a + 1.0 / (k * k)

    k = math.pi / (math.sqrt(6.0) * float(y.std()))  # the moment estimate on log x
    lo, hi = 0.0, math.inf
    for _ in range(200):
        f, df = g(k)
        if f > 0:
            hi = min(hi, k)
        else:
            lo = max(lo, k)
        step = k - f / df
        if not (lo < step < hi):  # Newton left the bracket: bisect (or expand it)
            step = 0.5 * (lo + hi) if math.isfinite(hi) else 2.0 * k
        if abs(step - k) <= 1e-13 * k:
            k = step
            break
        k = step
    n = x.size
    log_scale = ymax + math.log(float(np.exp(k * dy).mean())) / k
    scale = math.exp(log_scale)
    loglik = n * math.log(k) - n * k * log_scale + (k - 1.0) * float(y.sum()) - n
    shape = min(max(k, 0.05), 100.0)  # the engine's range
    dist = Weibull(scale * math.gamma(1.0 + 1.0 / shape), shape)
    return _fit("weibull", x, dist, {"shape": k, "scale": scale}, loglik, 2)


def fit_empirical(samples: Any) -> Fit:
    """The empirical distribution of the samples (no likelihood: loglik, AIC and BIC are NaN)."""
    x = _samples(samples, positive=False, minimum=1)
    if not np.all(x >= 0):
        raise ValueError("samples must be >= 0")
    # KS against itself is 0 (the general formula would count ties as gaps)
    return Fit("empirical", Empirical(x), {"n": float(x.size)}, math.nan, 0, int(x.size), 0.0, 1.0)


# --- mixtures by EM -----------------------------------------------------------------------
def _logsumexp(a: np.ndarray) -> np.ndarray:
    m = np.max(a, axis=1, keepdims=True)
    return (m + np.log(np.exp(a - m).sum(axis=1, keepdims=True)))[:, 0]


_EmState = tuple[np.ndarray, np.ndarray, np.ndarray, float, np.ndarray]


def _em(x: np.ndarray, kind: str, resp: np.ndarray, max_iter: int, tol: float) -> _EmState:
    """EM from initial responsibilities ``resp`` (n x components). Returns weights,
    locations (means for exponentials, mu for lognormals), scales (sigma; unused for
    exponentials), the log-likelihood and the last responsibilities."""
    c = resp.shape[1]
    y = np.log(x)
    prev = -math.inf
    loglik = -math.inf
    w = loc = scale = np.empty(0)
    for _ in range(max_iter):
        nk = resp.sum(axis=0) + 1e-300
        w = nk / x.size
        if kind == "exponential":
            loc = (resp * x[:, None]).sum(axis=0) / nk
            loc = np.maximum(loc, 1e-12 * float(x.mean()))
            scale = np.zeros(c)
            logp = np.log(w) - np.log(loc) - x[:, None] / loc
        else:
            loc = (resp * y[:, None]).sum(axis=0) / nk
            var = (resp * (y[:, None] - loc) ** 2).sum(axis=0) / nk
            scale = np.sqrt(np.maximum(var, 1e-8))  # a component of equal values: sigma 1e-4
            logp = (
                np.log(w)
                - np.log(scale)
                - 0.5 * _LOG_2PI
                - y[:, None]
                - 0.5 * ((y[:, None] - loc) / scale) ** 2
            )
        total = _logsumexp(logp)
        loglik = float(total.sum())
        resp = np.exp(logp - total[:, None])
        if loglik - prev <= tol * abs(loglik):
            break
        prev = loglik
    return w, loc, scale, loglik, resp


def fit_mixture(
    samples: Any,
    components: int = 2,
    *,
    family: str = "exponential",
    max_iter: int = 300,
    tol: float = 1e-9,
) -> Fit:
    """A mixture of ``components`` exponentials (``family="exponential"``: a
    hyperexponential) or lognormals (``"lognormal"``) by expectation-maximization.

    EM starts from several splits of the sorted sample (the top half, tenth, hundredth ...
    as the slow component) and keeps the best likelihood, so a rare slow mode (1% of
    requests) is found. Components come back sorted by mean, fastest first.
    """
    if family not in ("exponential", "lognormal"):
        raise ValueError(f"family must be 'exponential' or 'lognormal', got {family!r}")
    c = _whole("components", components, 1, 10)
    _whole("max_iter", max_iter, 1, 100_000)
    tol = _number("tol", tol)
    x = _samples(samples)
    if x.size < 3 * c:
        raise ValueError(f"samples must hold at least 3 x components = {3 * c} values, got {x.size}")
    order = np.argsort(x, kind="stable")
    best: _EmState | None = None
    for tail in (0.5, 0.1, 0.02, 0.005):
        # the top `tail` goes to the last component, the rest is cut into equal parts
        cut = max(1, min(x.size - (c - 1), round(tail * x.size)))
        start = np.empty(x.size, dtype=np.int64)
        bulk = x.size - cut if c > 1 else x.size
        start[order[:bulk]] = np.minimum(np.arange(bulk) * max(c - 1, 1) // bulk, c - 1)
        if c > 1:
            start[order[bulk:]] = c - 1
        if np.unique(start).size < c:
            continue
        resp = np.zeros((x.size, c))
        resp[np.arange(x.size), start] = 1.0
        out = _em(x, family, resp, min(max_iter, 25), tol)  # a short run from each start
        if best is None or out[3] > best[3]:
            best = out
        if c == 1:
            break
    assert best is not None
    best = _em(x, family, best[4], max_iter, tol)  # the best start, to convergence
    w, loc, scale, loglik, _ = best
    if family == "exponential":
        means = loc
        parts: list[tuple[float, Distribution]] = [
            (float(wi), Exponential(float(m))) for wi, m in zip(w, means)
        ]
        k = 2 * c - 1
        name = "hyperexponential"
    else:
        sig = np.minimum(scale, 10.0)
        means = np.exp(loc + 0.5 * sig * sig)
        parts = [(float(wi), Lognormal(float(m), float(s))) for wi, m, s in zip(w, means, sig)]
        k = 3 * c - 1
        name = "lognormal_mixture"
    idx = np.argsort(means)
    parts = [parts[i] for i in idx]
    params: dict[str, float] = {}
    for j, i in enumerate(idx):
        params[f"weight{j}"] = float(w[i])
        params[f"mean{j}"] = float(means[i])
        if family == "lognormal":
            params[f"sigma{j}"] = float(scale[i])
    dist: Distribution = parts[0][1] if c == 1 else Mixture(parts)
    return _fit(name, x, dist, params, loglik, k)


# --- model choice -------------------------------------------------------------------------
_FITTERS: dict[str, Any] = {
    "exponential": fit_exponential,
    "lognormal": fit_lognormal,
    "gamma": fit_gamma,
    "weibull": fit_weibull,
    "hyperexponential": lambda x: fit_mixture(x, 2, family="exponential"),
    "lognormal_mixture": lambda x: fit_mixture(x, 2, family="lognormal"),
}


@dataclass(frozen=True, eq=False)
class FitReport:
    """The fits of :func:`fit_service`, the best by ``criterion`` first.

    ``best`` is the chosen :class:`Fit` (``best.distribution`` goes into a simulator),
    ``fits`` maps each family to its fit, ``empirical`` is the sample's own distribution.
    """

    fits: dict[str, Fit]
    empirical: Fit
    criterion: str
    samples: np.ndarray = field(repr=False)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def best(self) -> Fit:
        return min(self.fits.values(), key=lambda f: getattr(f, self.criterion))

    @property
    def distribution(self) -> Distribution:
        """The best fit's distribution."""
        return self.best.distribution

    def to_frame(self) -> pd.DataFrame:
        """One row per family, sorted by the criterion (best first): mean, scv, loglik,
        n_params, aic, bic, KS statistic and p-value, and the fitted parameters; the
        empirical distribution last."""
        rows = [f.to_dict() for f in sorted(self.fits.values(), key=lambda f: getattr(f, self.criterion))]
        rows.append(self.empirical.to_dict())
        frame = pd.DataFrame(rows).set_index("family")
        frame["params"] = [", ".join(f"{k}={v:.4g}" for k, v in p.items()) for p in frame["params"]]
        return frame

    def quantiles(self, q: Any = (0.5, 0.9, 0.95, 0.99, 0.999)) -> pd.DataFrame:
        """Sample quantiles against each fit's (columns: sample, then one per family)."""
        qs = np.asarray(q, dtype=np.float64)
        out = {"sample": np.quantile(self.samples, qs)}
        for name, f in self.fits.items():
            out[name] = np.asarray(f.distribution.quantile(qs))
        frame = pd.DataFrame(out, index=pd.Index(qs, name="q"))
        return frame

    def qq_plot(self, families: Sequence[str] | None = None, *, ax: Any = None) -> Any:
        """Quantile-quantile plot of the sample against each fit (log-log axes); points
        on the diagonal mean agreement. Returns the matplotlib Axes."""
        ax = _plot.axes(ax, (5.5, 5))
        names = list(self.fits) if families is None else list(families)
        n = self.samples.size
        probs = (np.arange(1, min(n, 400) + 1) - 0.5) / min(n, 400)
        probs = np.concatenate([probs, [0.999, 0.9999]]) if n >= 10_000 else probs
        sample_q = np.quantile(self.samples, probs)
        for name in names:
            ax.plot(
                np.asarray(self.fits[name].distribution.quantile(probs)),
                sample_q,
                ".",
                ms=3,
                label=name,
            )
        lo, hi = float(sample_q[sample_q > 0].min()), float(sample_q.max())
        ax.plot([lo, hi], [lo, hi], color="black", linewidth=0.8)
        return _plot.finish(ax, "fitted quantile (s)", "sample quantile (s)", log="xy")

    def __repr__(self) -> str:
        b = self.best
        return (
            f"FitReport(n={self.samples.size}, best by {self.criterion}: {b.family} "
            f"(mean={b.distribution.mean:.4g} s, scv={b.distribution.scv:.3g}, KS D={b.ks_statistic:.3g}); "
            f"tried {', '.join(self.fits)})"
        )

    def _repr_html_(self) -> str:
        return f"<p>{self!r}</p>" + self.to_frame().to_html(float_format=lambda v: f"{v:.4g}")


def fit_service(samples: Any, families: Iterable[str] = FAMILIES, *, criterion: str = "bic") -> FitReport:
    """Fit each family in ``families`` (see :data:`FAMILIES`) to service-time ``samples``
    (seconds, > 0) and rank them by ``criterion``, "aic" or "bic" (lower is better; BIC
    penalizes the mixtures' extra parameters more). A family that cannot be fitted (a
    Weibull shape outside the engine's range, ...) is left out and listed in ``failed``."""
    if criterion not in ("aic", "bic"):
        raise ValueError(f"criterion must be 'aic' or 'bic', got {criterion!r}")
    if not isinstance(families, (str, Iterable)):
        raise TypeError(f"families must be a family name or a list of them, got {type(families).__name__}")
    names = [families] if isinstance(families, str) else list(families)
    unknown = [f for f in names if not isinstance(f, str) or f not in _FITTERS]
    if unknown or not names:
        raise ValueError(f"families must be a non-empty list of {list(_FITTERS)}, got {names!r}")
    x = _samples(samples)
    fits: dict[str, Fit] = {}
    failed: dict[str, str] = {}
    for name in names:
        try:
            fits[name] = _FITTERS[name](x)
        except ValueError as e:
            failed[name] = str(e)
    if not fits:
        raise ValueError(f"no family could be fitted: {failed}")
    x.setflags(write=False)
    return FitReport(fits, fit_empirical(x), criterion, x, failed)


# --- arrivals -----------------------------------------------------------------------------
def _timestamps(timestamps: Any) -> np.ndarray:
    t = np.asarray(timestamps)
    if t.dtype.kind == "M":
        t = t.astype("datetime64[ns]").astype(np.int64) / 1e9
    if t.dtype.kind not in "iuf" or t.ndim != 1:
        raise TypeError("timestamps must be a 1-d array of numbers (seconds) or datetimes")
    t = np.sort(np.asarray(t, dtype=np.float64))
    if t.size < 3 or not np.all(np.isfinite(t)):
        raise ValueError("timestamps must hold at least 3 finite values")
    if not t[-1] > t[0]:
        raise ValueError("timestamps must span a positive time")
    return t


def fit_mmpp(timestamps: Any, window_s: float, *, max_iter: int = 300) -> MMPP:
    """A two-state MMPP fitted to the counts per ``window_s`` by the Baum-Welch algorithm
    (a hidden Markov chain on windows with Poisson counts). The states' mean durations are
    window_s / (1 - P(stay)); the fit resolves states that last a few windows or more.
    Windows x max_iter is at most 6e7 (a few seconds at worst; Ctrl-C stops it)."""
    t = _timestamps(timestamps)
    w = _number("window_s", window_s)
    if not (w > 0 and math.isfinite(w)):
        raise ValueError(f"window_s must be a finite number > 0, got {window_s!r}")
    iterations = _whole("max_iter", max_iter, 1, 100_000)
    counts = _counts(t, w)
    if counts.size < 4:
        raise ValueError("timestamps must span at least 4 windows for an MMPP fit")
    if counts.size * iterations > _MAX_FIT_WORK:
        raise ValueError(
            f"window_s x max_iter: {counts.size} windows x max_iter={iterations} is more than "
            f"{_MAX_FIT_WORK:.0e} window-iterations; choose a larger window_s or a smaller max_iter"
        )
    return _baum_welch(counts.astype(np.float64), w, iterations)


_MAX_FIT_WORK = 6e7  # windows x iterations of one MMPP fit: about 3 s on one core


_MAX_WINDOWS = 10_000_000


def _counts(t: np.ndarray, w: float) -> np.ndarray:
    windows = (float(t[-1]) - float(t[0])) / w
    if not windows <= _MAX_WINDOWS:
        raise ValueError(
            f"window_s must be at least the timestamps' span / {_MAX_WINDOWS:.0e} "
            f"({float(t[-1]) - float(t[0]):g} s / {_MAX_WINDOWS:.0e}), got {w!r}"
        )
    k = math.floor(windows)
    if k < 1:
        return np.array([t.size])
    edges = t[0] + w * np.arange(k + 1)
    return np.histogram(t, bins=edges)[0]


def _baum_welch(x: np.ndarray, w: float, max_iter: int) -> MMPP:
    """Baum-Welch in the engine (a loop over windows per iteration), started from the
    counts' 90th and 10th percentiles; Ctrl-C stops it."""
    hi, lo = float(np.quantile(x, 0.9)), float(np.quantile(x, 0.1))
    lam, stay, _ = _progress.run(lambda: _core.stats.fit_poisson_hmm2(x, hi, lo, max_iter), "MMPP fit")
    h, low = (0, 1) if lam[0] >= lam[1] else (1, 0)
    stay = np.clip(np.asarray(stay), 0.0, 1.0 - 1e-9)
    return MMPP(
        float(lam[h] / w), float(lam[low] / w), float(w / (1.0 - stay[h])), float(w / (1.0 - stay[low]))
    )


@dataclass(frozen=True, eq=False)
class ArrivalFit:
    """What :func:`fit_arrivals` measured.

    rate: mean arrival rate, requests/s. counts: arrivals per window (DataFrame with
    start_s, count, rate). index_of_dispersion: variance / mean of the counts (1 for
    Poisson, above 1 bursty, below 1 regular). poisson_pvalue: the dispersion test's
    two-sided p-value ((windows - 1) x index ~ chi-squared). interarrival_scv: squared
    coefficient of variation of the gaps (1 for Poisson); interarrival_ks: KS statistic
    and p-value of the gaps against the exponential of the same mean. mmpp: the two-state
    MMPP fit (None unless asked).
    """

    rate: float
    window_s: float
    counts: pd.DataFrame = field(repr=False)
    index_of_dispersion: float
    poisson_pvalue: float
    interarrival_scv: float
    interarrival_ks: tuple[float, float]
    n: int
    duration_s: float
    mmpp: MMPP | None = None

    @property
    def poisson(self) -> bool:
        """True when the dispersion test does not reject Poisson arrivals at the 1% level."""
        return self.poisson_pvalue >= 0.01

    def process(self) -> Any:
        """The fitted process for a simulator: the MMPP when fitted and the test rejects
        Poisson, else a Poisson process at the measured rate."""
        from scalemodel.arrivals import Poisson

        if self.mmpp is not None and not self.poisson:
            return self.mmpp
        return Poisson(self.rate)


def fit_arrivals(timestamps: Any, window_s: float = 1.0, *, mmpp: bool = False) -> ArrivalFit:
    """Measure an arrival process from ``timestamps`` (seconds, or datetimes), counting
    arrivals in windows of ``window_s``; ``mmpp=True`` also fits a two-state MMPP
    (:func:`fit_mmpp`). Timestamps of one-second resolution (nginx's $time_local) need
    window_s of several seconds and make the interarrival figures meaningless."""
    t = _timestamps(timestamps)
    w = _number("window_s", window_s)
    if not (w > 0 and math.isfinite(w)):
        raise ValueError(f"window_s must be a finite number > 0, got {window_s!r}")
    counts = _counts(t, w)
    k = counts.size
    if k < 2:  # one window has no dispersion to measure
        raise ValueError(
            f"window_s must fit at least 2 windows in the timestamps' span ({float(t[-1] - t[0]):g} s), got {w!r}"
        )
    mean_c = float(counts.mean())
    idc = float(counts.var(ddof=1) / mean_c) if k > 1 and mean_c > 0 else math.nan
    if k > 1 and math.isfinite(idc):
        stat = np.array([(k - 1) * idc])
        upper = float(_st.chi_squared_sf(stat, np.array([float(k - 1)]))[0])
        pval = min(1.0, 2.0 * min(upper, 1.0 - upper))
    else:
        pval = math.nan
    gaps = np.diff(t)
    mean_gap = float(gaps.mean())
    scv = float(gaps.var() / mean_gap**2)
    ks = ks_test(gaps, Exponential(mean_gap)) if mean_gap > 0 else (math.nan, math.nan)
    frame = pd.DataFrame(
        {"start_s": t[0] + w * np.arange(k), "count": counts, "rate": counts / w},
    )
    return ArrivalFit(
        rate=(t.size - 1) / float(t[-1] - t[0]),
        window_s=w,
        counts=frame,
        index_of_dispersion=idc,
        poisson_pvalue=pval,
        interarrival_scv=scv,
        interarrival_ks=ks,
        n=int(t.size),
        duration_s=float(t[-1] - t[0]),
        mmpp=fit_mmpp(t, w) if _flag("mmpp", mmpp) and k >= 4 else None,
    )


# --- log readers --------------------------------------------------------------------------
def _lines(source: Any) -> Iterable[str]:
    if isinstance(source, (str, Path)) and "\n" not in str(source):
        with open(source, encoding="utf-8", errors="replace") as fh:
            yield from fh
    elif isinstance(source, str):
        yield from source.splitlines()
    elif isinstance(source, Iterable) and not isinstance(source, bytes):
        for line in source:
            if isinstance(line, bytes):
                line = line.decode("utf-8", "replace")
            if not isinstance(line, str):
                raise TypeError(f"source must hold lines of text (str or bytes), got {type(line).__name__}")
            yield line
    else:
        raise TypeError(
            f"source must be a path, log text or an iterable of lines, got {type(source).__name__}"
        )


def _ms(v: str) -> float:
    x = float(v.lstrip("+"))
    return math.nan if x < 0 else x / 1000.0


_NGINX = re.compile(
    r'(?P<remote_addr>\S+) \S+ (?P<remote_user>\S+) \[(?P<time_local>[^\]]+)\] "(?P<request>[^"]*)" '
    r'(?P<status>\d{3}) (?P<bytes>\d+|-)(?: "(?P<referer>[^"]*)" "(?P<user_agent>[^"]*)")?\s*(?P<tail>.*)$'
)


def read_nginx(source: Any, *, strict: bool = False) -> pd.DataFrame:
    """Read an nginx access log in the combined format followed by ``$request_time``::

        log_format timed '$remote_addr - $remote_user [$time_local] "$request" $status '
                         '$body_bytes_sent "$http_referer" "$http_user_agent" $request_time';

    Extra fields after $request_time are accepted: ``$upstream_response_time`` (a number
    or "-", or several separated by ", ") becomes ``upstream_s``, and a ``$msec`` field (a
    Unix time with milliseconds) replaces $time_local's one-second resolution.

    source: a path, the log's text, or an iterable of lines. Columns: ``timestamp``
    (arrival, seconds since the epoch: the log time, written at the end of the request,
    minus the request time), ``duration_s`` ($request_time), ``upstream_s``, ``status``,
    ``bytes``, ``method``, ``path``, ``remote_addr``, ``user_agent``. Lines that do not
    parse are skipped (``strict=True``: ValueError naming the line).
    """
    return _read_log(source, strict, _nginx_row, _NGINX_COLUMNS)


# The columns of each reader, in order (an empty log has them too).
_NGINX_COLUMNS = "timestamp duration_s upstream_s status bytes method path remote_addr user_agent".split()
_HAPROXY_COLUMNS = """timestamp tq_s tw_s tc_s tr_s tt_s duration_s service_s status bytes frontend backend
    server srv_conn srv_queue backend_queue retries termination request""".split()


def _read_log(
    source: Any, strict: bool, row: Callable[[str], dict[str, Any] | None], columns: Sequence[str]
) -> pd.DataFrame:
    """The DataFrame of ``row(line)`` over a log's non-empty lines. ``row`` gives None for a
    line not in the format and raises ValueError for a line in it whose fields do not read;
    such lines are skipped, or with ``strict`` raise naming the line."""
    rows = []
    for no, line in enumerate(_lines(source), 1):
        line = line.strip()
        if not line:
            continue
        try:
            fields = row(line)
            if fields is None:
                raise ValueError("is not in the format")
        except ValueError as e:
            if strict:
                raise ValueError(f"source line {no} {e}: {line[:120]!r}") from None
            continue
        rows.append(fields)
    return pd.DataFrame.from_records(rows, columns=list(columns))


def _nginx_row(line: str) -> dict[str, Any] | None:
    m = _NGINX.match(line)
    tail = m.group("tail").replace(", ", ",").split() if m else []
    if not m or not tail:
        raise ValueError("is not an nginx combined log line with $request_time")
    try:
        duration = float(tail[0])
        end = datetime.strptime(m.group("time_local"), "%d/%b/%Y:%H:%M:%S %z").timestamp()
        upstream = math.nan
        for tok in tail[1:]:
            if re.fullmatch(r"\d{9,}\.\d+", tok):
                end = float(tok)  # $msec
            elif tok != "-":
                upstream = sum(float(v) for v in tok.split(",") if v != "-")
    except ValueError:
        raise ValueError("has a bad time or $request_time") from None
    parts = m.group("request").split()
    return {
        "timestamp": end - duration,
        "duration_s": duration,
        "upstream_s": upstream,
        "status": int(m.group("status")),
        "bytes": 0 if m.group("bytes") == "-" else int(m.group("bytes")),
        "method": parts[0] if len(parts) >= 2 else "",
        "path": parts[1] if len(parts) >= 2 else m.group("request"),
        "remote_addr": m.group("remote_addr"),
        "user_agent": m.group("user_agent") or "",
    }


_HAPROXY = re.compile(
    r"(?P<client>\S+):(?P<port>\d+) \[(?P<accept>[^\]]+)\] (?P<frontend>\S+) (?P<backend>[^/\s]+)/(?P<server>\S+) "
    r"(?P<tq>-?\d+)/(?P<tw>-?\d+)/(?P<tc>-?\d+)/(?P<tr>-?\d+)/(?P<tt>\+?-?\d+) (?P<status>-?\d+) (?P<bytes>\+?\d+) "
    r"\S+ \S+ (?P<term>\S+) (?P<actconn>\d+)/(?P<feconn>\d+)/(?P<beconn>\d+)/(?P<srv_conn>\d+)/(?P<retries>\+?\d+) "
    r'(?P<srv_queue>\d+)/(?P<backend_queue>\d+)(?: \{[^}]*\})*(?: "(?P<request>[^"]*)")?'
)


def read_haproxy(source: Any, *, strict: bool = False) -> pd.DataFrame:
    """Read haproxy's HTTP log (``option httplog``), with or without a syslog prefix::

        10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750
        - - ---- 1/1/1/1/0 0/0 "GET /index.html HTTP/1.1"

    The five timers, in milliseconds in the log, become seconds: ``tq_s`` (Tq, TR in
    haproxy 1.8+: time to receive the request), ``tw_s`` (Tw: time in haproxy's queues),
    ``tc_s`` (Tc: connect), ``tr_s`` (Tr: server response time, the service time of a
    server that holds one request at a time) and ``tt_s`` (Tt, Ta in 1.8+: total); -1
    (aborted) is NaN. ``timestamp`` is the accept date (seconds since the epoch, the log's
    local time read as UTC: differences are exact). Also: ``duration_s`` (= tt_s),
    ``service_s`` (= tr_s), ``status``, ``bytes``, ``frontend``, ``backend``, ``server``,
    ``srv_conn``, ``srv_queue``, ``backend_queue``, ``retries``, ``termination``,
    ``request``. Lines that do not parse are skipped (``strict=True``: ValueError).
    """
    return _read_log(source, strict, _haproxy_row, _HAPROXY_COLUMNS)


def _haproxy_row(line: str) -> dict[str, Any] | None:
    m = _HAPROXY.search(line)
    try:
        if not m:
            raise ValueError
        accept = datetime.strptime(m.group("accept"), "%d/%b/%Y:%H:%M:%S.%f")
    except ValueError:
        raise ValueError("is not an haproxy HTTP log line") from None
    tq, tw, tc, tr, tt = (_ms(m.group(k)) for k in ("tq", "tw", "tc", "tr", "tt"))
    row: dict[str, Any] = {"timestamp": (accept - datetime(1970, 1, 1)).total_seconds()}
    row.update(tq_s=tq, tw_s=tw, tc_s=tc, tr_s=tr, tt_s=tt, duration_s=tt, service_s=tr)
    row.update(status=int(m.group("status")), bytes=int(m.group("bytes").lstrip("+")))
    row.update({k: m.group(k) for k in ("frontend", "backend", "server")})
    row.update(
        {k: int(m.group(k).lstrip("+")) for k in ("srv_conn", "srv_queue", "backend_queue", "retries")}
    )
    row.update(termination=m.group("term"), request=m.group("request") or "")
    return row


_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


def read_csv(
    path: Any, *, timestamp: str = "timestamp", duration: str = "duration", unit: str = "s"
) -> pd.DataFrame:
    """Read a CSV (or, for a ``.parquet`` path, Parquet) file of request ``timestamp`` and
    ``duration`` columns (names as given). Timestamps may be numbers (seconds since any
    origin) or date-times; durations are in ``unit`` ("s", "ms", "us" or "ns"). Returns the
    columns ``timestamp`` (seconds) and ``duration_s``, plus the file's other columns."""
    if unit not in _UNITS:
        raise ValueError(f"unit must be one of {list(_UNITS)}, got {unit!r}")
    p = str(path)
    frame = pd.read_parquet(p) if p.endswith((".parquet", ".pq")) else pd.read_csv(p)
    for col in (timestamp, duration):
        if col not in frame.columns:
            raise ValueError(f"column {col!r} not in {p} (columns: {list(frame.columns)})")
    ts = frame[timestamp]
    if ts.dtype.kind in "iuf":
        seconds = ts.astype(np.float64)
    else:
        parsed = pd.to_datetime(ts, utc=True, format="ISO8601")
        seconds = (parsed - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
    out = frame.drop(columns=[timestamp, duration])
    out.insert(0, "duration_s", frame[duration].astype(np.float64) * _UNITS[unit])
    out.insert(0, "timestamp", seconds.to_numpy())
    return out


# --- from a log to a model ----------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class LogModel:
    """What :func:`from_log` built: the service fit, the arrival fit, the simulation of the
    station (a :class:`~scalemodel.sim.SimResult`) and ``comparison``, the log's response
    quantiles and mean next to the model's (columns log, model, ratio)."""

    service: FitReport
    arrivals: ArrivalFit
    servers: int
    simulation: Any
    comparison: pd.DataFrame

    def __repr__(self) -> str:
        c = self.comparison
        rows = ", ".join(f"{i}: log {r.log:.4g} s / model {r.model:.4g} s" for i, r in c.iterrows())
        return f"LogModel({self.servers} server(s), service {self.service.best.family}; {rows})"


def from_log(
    log: pd.DataFrame,
    *,
    servers: int | None = None,
    policy: str | None = None,
    families: Iterable[str] = FAMILIES,
    criterion: str = "bic",
    quantiles: Sequence[float] = (0.5, 0.9, 0.95, 0.99),
    replications: int = 10,
    seed: int = 0,
) -> LogModel:
    """From a log (a DataFrame of :func:`read_nginx`, :func:`read_haproxy` or
    :func:`read_csv`) to a station model, checked against the log itself.

    Service times are the ``service_s`` column when the log has one (haproxy's Tr), else
    ``duration_s``; the best fit of ``families`` by ``criterion`` is the model's service.
    The station has ``servers`` servers (default: the number of distinct ``server`` values
    in the log, else 1) sharing one FIFO queue; with a balancer ``policy``
    (``"least_connections"``, ``"round_robin"``, ... as in
    :func:`~scalemodel.sim.simulate_balancer`) each server is a backend with its own
    queue instead. It replays the log's own arrival times, so the comparison tests the
    service model and the station, not the arrival model. ``comparison`` holds the log's
    response time (``duration_s``) quantiles and mean against the simulation's.
    """
    from scalemodel.sim import simulate_balancer, simulate_queue

    if not isinstance(log, pd.DataFrame):
        raise TypeError(f"log must be a DataFrame from a read_* function, got {type(log).__name__}")
    for col in ("timestamp", "duration_s"):
        if col not in log.columns:
            raise ValueError(
                f"log must have a {col!r} column (read it with read_nginx, read_haproxy or read_csv)"
            )
    frame = log.dropna(subset=["timestamp", "duration_s"])
    svc_col = "service_s" if "service_s" in frame.columns else "duration_s"
    frame = frame.dropna(subset=[svc_col]).sort_values("timestamp", kind="stable")
    if len(frame) < 20:
        raise ValueError(f"log must hold at least 20 complete requests, got {len(frame)}")
    if servers is None:
        servers = int(frame["server"].nunique()) if "server" in frame.columns else 1
    c = _whole("servers", servers, 1, 100_000)
    report = fit_service(frame[svc_col].to_numpy(np.float64), families, criterion=criterion)
    t = frame["timestamp"].to_numpy(np.float64)
    t = t - t[0]
    window = max(1.0, float(t[-1]) / 100.0)
    arrivals = fit_arrivals(t, window)
    run = dict(warmup=0, customers=t.size, replications=replications, seed=seed)
    if policy is None:
        sim = simulate_queue(Replay(t), report.distribution, c, **run)
    else:
        sim = simulate_balancer(policy, c, Replay(t), report.distribution, **run)
    qs = np.asarray(quantiles, dtype=np.float64)
    observed = frame["duration_s"].to_numpy(np.float64)
    log_vals = np.concatenate([np.quantile(observed, qs), [observed.mean()]])
    model_vals = np.concatenate([np.asarray(sim.response_quantile(qs)).ravel(), [sim.mean_response]])
    index = [f"p{100 * q:g}" for q in qs] + ["mean"]
    comparison = pd.DataFrame({"log": log_vals, "model": model_vals}, index=pd.Index(index, name="statistic"))
    comparison["ratio"] = comparison["model"] / comparison["log"]
    return LogModel(report, arrivals, c, sim, comparison)


__dir__ = _api_dir(globals())
