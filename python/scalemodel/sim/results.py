"""Results of replicated simulations: per-replication metrics with Student-t intervals.

Every simulator in :mod:`scalemodel.sim` runs independent replications, each on its own
random stream (seed, replication), and reports one value per metric per replication. The
point estimate is the mean over replications and :meth:`ReplicatedResult.ci` its
Student-t confidence interval.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scalemodel import _core

__all__ = ["ReplicatedResult"]


class ReplicatedResult:
    """Per-replication metrics of one simulation run.

    ``result.estimate(name)`` is a metric's mean over replications, ``result.ci(name)`` its
    Student-t interval, ``result.replication_values(name)`` the raw values; ``to_frame()``
    gives one row per metric. Subclasses add named properties and component tables.
    """

    def __init__(self, metrics: dict[str, np.ndarray], params: dict[str, Any], level: float) -> None:
        self._metrics: dict[str, np.ndarray] = {
            k: np.asarray(v, dtype=np.float64) for k, v in metrics.items()
        }
        self._params = params
        self._level = float(level)

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
    def replications(self) -> int:
        return int(next(iter(self._metrics.values())).size)

    def replication_values(self, name: str) -> np.ndarray:
        """One value of metric ``name`` per replication."""
        if name not in self._metrics:
            raise ValueError(f"name must be one of {', '.join(self._metrics)}; got {name!r}")
        return self._metrics[name].copy()

    def estimate(self, name: str) -> float:
        """Mean of metric ``name`` over replications (NaN entries skipped)."""
        return float(_core.stats.t_interval(self.replication_values(name), 0.5)[0])

    def ci(self, name: str, level: float | None = None) -> tuple[float, float]:
        """Student-t confidence interval (low, high) for metric ``name`` (default level 0.95).

        The replications are independent and identically distributed, so the interval is
        mean +- t(level, R - 1) s / sqrt(R); it is (-inf, inf) with one replication.
        """
        lvl = self._level if level is None else float(level)
        _, low, high, _ = _core.stats.t_interval(self.replication_values(name), lvl)
        return float(low), float(high)

    def half_width(self, name: str, level: float | None = None) -> float:
        lvl = self._level if level is None else float(level)
        return float(_core.stats.t_interval(self.replication_values(name), lvl)[3])

    def to_frame(self) -> pd.DataFrame:
        """One row per metric: estimate, CI bounds and half-width at the result's level."""
        rows = {}
        for name in self._metrics:
            mean, low, high, half = _core.stats.t_interval(self._metrics[name], self._level)
            rows[name] = {"estimate": mean, "ci_low": low, "ci_high": high, "half_width": half}
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "metric"
        return frame

    def to_dict(self) -> dict[str, float]:
        return {name: self.estimate(name) for name in self._metrics}
