"""The one result type of every replicated study: per-replication metrics with Student-t
intervals.

Every simulator (:mod:`scalemodel.sim`) and Monte Carlo study (:mod:`scalemodel.reliability`)
runs independent replications, each on its own random stream (seed, replication), and
reports one value per metric per replication. The point estimate is the mean over
replications and :meth:`ReplicatedResult.ci` its Student-t confidence interval.
"""

from __future__ import annotations

import html
from typing import Any, ClassVar, Generic, TypeVar, overload

import numpy as np
import pandas as pd

from scalemodel import _core
from scalemodel._arrays import api_dir as _api_dir
from scalemodel._arrays import level as _level

__all__ = ["ReplicatedResult"]

T = TypeVar("T")


def frame_html(title: str, frame: pd.DataFrame, note: str = "") -> str:
    """Notebook HTML of a result: its repr as a title, an optional note, then the table
    (numbers to 6 significant digits, at most 60 rows shown)."""
    table = frame.to_html(float_format=lambda v: f"{v:.6g}", na_rep="", max_rows=60)
    caption = f"<p>{html.escape(note)}</p>" if note else ""
    return f"<div><p><code>{html.escape(title)}</code></p>{caption}{table}</div>"


class TableDisplay:
    """Rich display in notebooks for any result with ``to_frame()``: its repr over its
    table (Jupyter calls ``_repr_html_``)."""

    def _repr_html_(self) -> str:
        return frame_html(repr(self), self.to_frame())  # type: ignore[attr-defined]


class ReplicatedResult:
    """Per-replication metrics of one study.

    ``result.estimate(name)`` is a metric's mean over replications, ``result.ci(name, level)``
    its Student-t interval, ``result.replication_values(name)`` the raw values (NaN where a
    replication had no observation); ``to_frame()`` gives one row per metric. Subclasses add
    named properties and component tables. Results are read-only and pickle.
    """

    def __init__(self, metrics: dict[str, np.ndarray], params: dict[str, Any], level: float) -> None:
        self._metrics: dict[str, np.ndarray] = {
            k: np.asarray(v, dtype=np.float64) for k, v in metrics.items()
        }
        self._params = dict(params)
        self._level = _level(level)

    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_"):
            raise AttributeError(f"{type(self).__name__} is read-only; cannot set {name!r}")
        object.__setattr__(self, name, value)

    # Pickle support: results travel to worker processes.
    def __getstate__(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    @property
    def metric_names(self) -> tuple[str, ...]:
        """Every per-replication metric :meth:`estimate` and :meth:`ci` accept."""
        return tuple(self._metrics)

    @property
    def params(self) -> dict[str, Any]:
        """The parameters of the run."""
        return dict(self._params)

    @property
    def level(self) -> float:
        """The default confidence level of :meth:`ci` and :meth:`to_frame`."""
        return self._level

    @property
    def replications(self) -> int:
        return int(next(iter(self._metrics.values())).size) if self._metrics else 0

    def replication_values(self, name: str) -> np.ndarray:
        """One value of metric ``name`` per replication."""
        if name not in self._metrics:
            raise ValueError(f"name must be one of {', '.join(self._metrics)}; got {name!r}")
        return self._metrics[name].copy()

    def _interval(self, name: str, level: float | None) -> tuple[float, float, float, float]:
        lvl = self._level if level is None else _level(level)
        return _core.stats.t_interval(self.replication_values(name), lvl)

    def estimate(self, name: str) -> float:
        """Mean of metric ``name`` over replications (NaN entries skipped)."""
        return float(self._interval(name, None)[0])

    def ci(self, name: str, level: float | None = None) -> tuple[float, float]:
        """Student-t confidence interval (low, high) for metric ``name`` (default: the
        result's level, 0.95 unless the study said otherwise).

        The replications are independent and identically distributed, so the interval is
        mean +- t(level, R - 1) s / sqrt(R); it is (-inf, inf) with one replication.
        """
        _, low, high, _ = self._interval(name, level)
        return float(low), float(high)

    def half_width(self, name: str, level: float | None = None) -> float:
        return float(self._interval(name, level)[3])

    def to_frame(self) -> pd.DataFrame:
        """One row per metric: estimate, CI bounds and half-width at the result's level, and
        n, the replications that observed it."""
        rows = {}
        for name, values in self._metrics.items():
            mean, low, high, half = _core.stats.t_interval(values, self._level)
            n = int(np.count_nonzero(~np.isnan(values)))
            rows[name] = {"estimate": mean, "ci_low": low, "ci_high": high, "half_width": half, "n": n}
        frame = pd.DataFrame.from_dict(
            rows, orient="index", columns=["estimate", "ci_low", "ci_high", "half_width", "n"]
        )
        frame.index.name = "metric"
        return frame

    def to_dict(self) -> dict[str, float]:
        return {name: self.estimate(name) for name in self._metrics}

    def _repr_html_(self) -> str:
        return frame_html(repr(self), self.to_frame(), f"{self._level:.0%} intervals")

    def _none_overflowed(self) -> bool:
        """No replication stopped early on an overflow (the engine's ``overflow`` metric)."""
        return not bool(np.any(self._metrics["overflow"] > 0))


class MetricAttribute(Generic[T]):
    """A read-only attribute that reads one named metric of its owner: one line per metric
    instead of a property each. The value is ``getattr(owner, reader)(metric)``, where
    ``metric`` is the attribute's own name unless given."""

    _reader: ClassVar[str]

    def __init__(self, doc: str | None = None, *, metric: str | None = None) -> None:
        self.__doc__ = doc
        self._metric = metric

    def __set_name__(self, owner: type, name: str) -> None:
        if self._metric is None:
            self._metric = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> MetricAttribute[T]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> T | MetricAttribute[T]:
        return self if obj is None else getattr(obj, self._reader)(self._metric)


class Estimate(MetricAttribute[float]):
    """An attribute of a :class:`ReplicatedResult` subclass: the estimate of one metric
    (``throughput = Estimate("Requests per second.")`` reads ``result.estimate("throughput")``)."""

    _reader = "estimate"


__dir__ = _api_dir(globals())
