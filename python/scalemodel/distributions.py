"""One family of distributions for every stochastic model: service times, lifetimes,
repair times, network legs, replication lags. Values are seconds.

Each distribution is a small immutable object validated by the engine when it is made;
it answers :attr:`~Distribution.mean`, :attr:`~Distribution.scv` (variance / mean^2),
:meth:`~Distribution.cdf`, :meth:`~Distribution.quantile` and
:meth:`~Distribution.sample`, and every simulator and Monte Carlo study takes it as is.

>>> import scalemodel as sm
>>> d = sm.distributions.Lognormal.from_quantiles(0.010, 0.100)   # median 10 ms, p99 100 ms
>>> round(float(d.quantile(0.99)), 6)
0.1
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from scalemodel import _core
from scalemodel._arrays import EngineBacked
from scalemodel._arrays import api_dir as _api_dir
from scalemodel._arrays import number as _number
from scalemodel._arrays import seed as _seed
from scalemodel._arrays import whole as _whole

__all__ = [
    "Deterministic",
    "Distribution",
    "Empirical",
    "Exponential",
    "Gamma",
    "Lognormal",
    "Mixture",
    "Pareto",
    "Uniform",
    "Weibull",
    "as_distribution",
]

_Engine = _core.Distribution


def _engine_value(name: str, doc: str) -> Any:
    return property(lambda self: float(getattr(self._engine, name)), doc=doc)


_MEAN = "Mean, seconds."
_SCV = "Squared coefficient of variation, variance / mean^2 (inf for an infinite variance)."


class Distribution(EngineBacked):
    """Base of the family. Subclasses are frozen dataclasses whose fields are the
    parameters; the validated engine object is built once, at construction."""

    # Every distribution has ``mean`` (seconds) and ``scv`` (variance / mean^2, inf for an
    # infinite variance): a field where it is a parameter, else the engine's value.
    mean: float
    scv: float

    @property
    def second_moment(self) -> float:
        return self.mean * self.mean * (1.0 + self.scv)  # inf past double range (** raises OverflowError)

    def cdf(self, x: Any) -> Any:
        """P(X <= x), broadcasting over ``x``."""
        xa = np.asarray(x, dtype=np.float64)
        return self._engine.cdf(np.ascontiguousarray(xa.ravel())).reshape(xa.shape)[()]

    def quantile(self, q: Any) -> Any:
        """The q-quantile (smallest x with P(X <= x) >= q), broadcasting over ``q`` in [0, 1]."""
        qa = np.asarray(q, dtype=np.float64)
        return self._engine.quantile(np.ascontiguousarray(qa.ravel())).reshape(qa.shape)[()]

    def sample(self, size: int, seed: int = 0) -> np.ndarray:
        """``size`` independent draws, from the engine's sampler and random stream (seed, 0)."""
        return self._engine.sample(_whole("size", size, 0, 100_000_000), _seed(seed))


@dataclass(frozen=True)
class Exponential(Distribution):
    """Exponential with the given ``mean`` (seconds)."""

    mean: float

    scv = _engine_value("scv", _SCV)
    _factory = _Engine.exponential


@dataclass(frozen=True)
class Deterministic(Distribution):
    """Always ``value`` seconds."""

    value: float

    mean = _engine_value("mean", _MEAN)
    scv = _engine_value("scv", _SCV)
    _factory = _Engine.deterministic


@dataclass(frozen=True)
class Lognormal(Distribution):
    """Lognormal with the given ``mean`` (seconds); ``sigma`` is the standard deviation of
    log X (0 to 10). The median is mean * exp(-sigma^2 / 2); see :meth:`from_median` and
    :meth:`from_quantiles`."""

    mean: float
    sigma: float = 1.0

    scv = _engine_value("scv", _SCV)
    _factory = _Engine.lognormal

    @property
    def median(self) -> float:
        return float(self.mean) * math.exp(-0.5 * float(self.sigma) ** 2)

    @classmethod
    def from_median(cls, median: float, sigma: float) -> Lognormal:
        """The lognormal with the given median (seconds, > 0) and log-standard-deviation."""
        m, s = _number("median", median), _number("sigma", sigma)
        if not (m > 0 and math.isfinite(m)):
            raise ValueError(f"median must be a finite number > 0, got {median!r}")
        if not 0 <= s <= 10:
            raise ValueError(f"sigma must be in [0, 10], got {sigma!r}")
        return cls(m * math.exp(0.5 * s * s), s)

    @classmethod
    def from_quantiles(cls, p50: float, p99: float, *, q: float = 0.99) -> Lognormal:
        """The lognormal with median ``p50`` and ``q``-quantile ``p99`` (p99 >= p50 > 0)."""
        lo, hi, qq = _number("p50", p50), _number("p99", p99), _number("q", q)
        if not (0.5 < qq < 1):
            raise ValueError(f"q must be in (0.5, 1), got {q!r}")
        if not (lo > 0 and hi >= lo and math.isfinite(hi)):
            raise ValueError(f"need p99 >= p50 > 0 (finite), got p50={p50!r}, p99={p99!r}")
        return cls.from_median(lo, math.log(hi / lo) / NormalDist().inv_cdf(qq))

    @classmethod
    def from_mean_quantile(cls, mean: float, p99: float, *, q: float = 0.99) -> Lognormal:
        """The lognormal with the given ``mean`` whose ``q``-quantile is ``p99`` (seconds).

        log(p99 / mean) = z sigma - sigma^2 / 2 with z the normal q-quantile; the smaller
        root is taken (the larger one puts the median far below the mean). Needs
        mean <= p99 <= mean exp(z^2 / 2) (14.96x the mean for q = 0.99)."""
        m, hi, qq = _number("mean", mean), _number("p99", p99), _number("q", q)
        if not (0.5 < qq < 1):
            raise ValueError(f"q must be in (0.5, 1), got {q!r}")
        if not (m > 0 and math.isfinite(m)):
            raise ValueError(f"mean must be a finite number > 0, got {mean!r}")
        z = NormalDist().inv_cdf(qq)
        if not (m <= hi <= m * math.exp(0.5 * z * z)):
            raise ValueError(
                f"p99 must be between the mean and {math.exp(0.5 * z * z):.4g}x the mean for a lognormal, "
                f"got mean={mean!r}, p99={p99!r}"
            )
        return cls(m, z - math.sqrt(max(0.0, z * z - 2.0 * math.log(hi / m))))


@dataclass(frozen=True)
class Gamma(Distribution):
    """Gamma with the given ``mean`` (seconds) and squared coefficient of variation ``scv``
    (shape 1 / scv): scv 1 is exponential, below 1 more regular, above 1 more variable."""

    mean: float
    scv: float
    _factory = _Engine.gamma

    @classmethod
    def from_mean_quantile(cls, mean: float, p99: float, *, q: float = 0.99) -> Gamma:
        """The gamma with the given ``mean`` whose ``q``-quantile is ``p99`` (seconds),
        p99 between the mean and 28x it (the most a gamma's p99 reaches, at SCV 63). The SCV
        is found by bisection on the engine's quantile, to 1e-12 relative."""
        m, hi, qq = _number("mean", mean), _number("p99", p99), _number("q", q)
        if not (0.5 < qq < 1):
            raise ValueError(f"q must be in (0.5, 1), got {q!r}")
        if not (m > 0 and math.isfinite(m)):
            raise ValueError(f"mean must be a finite number > 0, got {mean!r}")
        lo_scv, hi_scv = 0.0, 63.0

        def ratio(scv: float) -> float:
            return 1.0 if scv == 0.0 else float(cls(1.0, scv).quantile(qq))

        if not (m <= hi <= m * ratio(hi_scv)):
            raise ValueError(
                f"p99 must be between the mean and {ratio(hi_scv):.4g}x the mean for a gamma, "
                f"got mean={mean!r}, p99={p99!r}"
            )
        target = hi / m
        while hi_scv - lo_scv > 1e-12 * max(hi_scv, 1e-3):
            mid = 0.5 * (lo_scv + hi_scv)
            lo_scv, hi_scv = (mid, hi_scv) if ratio(mid) < target else (lo_scv, mid)
        return cls(m, 0.5 * (lo_scv + hi_scv))


@dataclass(frozen=True)
class Weibull(Distribution):
    """Weibull with the given ``mean`` (seconds) and ``shape`` (1 = exponential, > 1 wear-out)."""

    mean: float
    shape: float

    scv = _engine_value("scv", _SCV)
    _factory = _Engine.weibull


@dataclass(frozen=True)
class Pareto(Distribution):
    """Pareto (type I) with the given ``mean`` (seconds) and tail index ``alpha`` > 1.

    P(X > x) = (x_m / x)^alpha for x >= x_m = mean (alpha - 1) / alpha. The variance is
    infinite for alpha <= 2.
    """

    mean: float
    alpha: float = 2.5

    scv = _engine_value("scv", _SCV)
    _factory = _Engine.pareto


@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform on [``low``, ``high``] seconds."""

    low: float
    high: float

    mean = _engine_value("mean", _MEAN)
    scv = _engine_value("scv", _SCV)
    _factory = _Engine.uniform


@dataclass(frozen=True, init=False)
class Mixture(Distribution):
    """A mixture: ``Mixture([(0.01, Deterministic(10)), (0.99, Deterministic(0.01))])``.

    Each component is (weight, distribution); weights are normalized to sum to 1.
    """

    components: tuple[tuple[float, Distribution], ...]

    def __init__(self, components: Sequence[tuple[float, Distribution]]) -> None:
        comps = []
        for item in components:
            if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Distribution)):
                raise TypeError("components must be (weight, distribution) pairs")
            comps.append((_number("weight", item[0]), item[1]))
        total = sum(w for w, _ in comps)
        if comps and total > 0 and math.isfinite(total) and min(w for w, _ in comps) >= 0:
            comps = [(w / total, d) for w, d in comps]
        object.__setattr__(self, "components", tuple(comps))
        self.__post_init__()

    mean = _engine_value("mean", _MEAN)
    scv = _engine_value("scv", _SCV)

    def _build(self) -> Any:
        return _Engine.mixture([(w, d._engine) for w, d in self.components])


@dataclass(frozen=True, init=False, eq=False)
class Empirical(Distribution):
    """The empirical distribution of measured ``samples`` (seconds, each finite and >= 0):
    sampling draws one of them uniformly at random, quantiles are the sample's own."""

    samples: np.ndarray

    def __init__(self, samples: Any) -> None:
        s = np.asarray(samples)
        if s.dtype.kind not in "iuf" or s.ndim != 1:
            raise TypeError("samples must be a 1-d array of numbers")
        s = np.ascontiguousarray(s, dtype=np.float64)
        s.setflags(write=False)
        object.__setattr__(self, "samples", s)
        self.__post_init__()

    mean = _engine_value("mean", _MEAN)
    scv = _engine_value("scv", _SCV)

    def _build(self) -> Any:
        return _Engine.empirical(self.samples)


def as_distribution(name: str, value: Any, *, number: str = "constant") -> Distribution:
    """``value`` as a distribution: a :class:`Distribution` as it is, a plain number of
    seconds as a :class:`Deterministic` (``number="constant"``) or an :class:`Exponential`
    of that mean (``number="exponential"``); errors name the parameter ``name``."""
    if isinstance(value, Distribution):
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a number of seconds or a distribution (Exponential, Deterministic, "
            f"Lognormal, Gamma, Weibull, Pareto, Uniform, Mixture, Empirical), got {type(value).__name__}"
        )
    v = _number(name, value)
    if number == "exponential":
        return Exponential._wrap(_Engine.exponential(v, name), mean=v)  # type: ignore[no-any-return]
    return Deterministic._wrap(_Engine.deterministic(v, name), value=v)  # type: ignore[no-any-return]


def engine_field(number: str = "constant") -> Callable[[str, Any], Any]:
    """A checker for :func:`scalemodel._arrays.configure`: a config's distribution field
    from a distribution or a number of seconds (``number`` as in :func:`as_distribution`)."""
    return lambda name, value: as_distribution(name, value, number=number)._engine


__dir__ = _api_dir(globals())
