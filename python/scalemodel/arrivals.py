"""Arrival processes: when requests enter a simulated system.

A plain number wherever a simulator takes arrivals means Poisson arrivals at that rate
(requests per second); an array means timestamps to replay.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from scalemodel import _core
from scalemodel._arrays import EngineBacked
from scalemodel._arrays import api_dir as _api_dir
from scalemodel._arrays import number as _number

__all__ = ["MMPP", "ArrivalProcess", "OnOff", "Periodic", "Poisson", "Replay", "as_arrivals"]

_Engine = _core.Arrivals


class ArrivalProcess(EngineBacked):
    """Base of the arrival processes; the validated engine object is built at construction."""

    rate: float  # long-run mean arrival rate, requests/s: a field or a property


@dataclass(frozen=True)
class Poisson(ArrivalProcess):
    """Poisson arrivals at ``rate`` requests/s."""

    rate: float
    _factory = _Engine.poisson


@dataclass(frozen=True)
class Periodic(ArrivalProcess):
    """Deterministic arrivals, one every 1/rate seconds."""

    rate: float
    _factory = _Engine.periodic


@dataclass(frozen=True)
class MMPP(ArrivalProcess):
    """Two-state Markov-modulated Poisson process: ``rate_high`` for exponential periods of
    mean ``mean_high_s``, then ``rate_low`` for periods of mean ``mean_low_s``."""

    rate_high: float
    rate_low: float
    mean_high_s: float
    mean_low_s: float

    @property
    def rate(self) -> float:
        """Long-run mean arrival rate, requests/s."""
        return float(self._engine.mean_rate)

    _factory = _Engine.mmpp


def OnOff(rate: float, mean_on_s: float, mean_off_s: float) -> MMPP:
    """Bursty on/off traffic: Poisson at ``rate`` while on, silent while off."""
    # Checked under the names the caller used (MMPP's are rate_high, mean_high_s, mean_low_s).
    for name, value in (("rate", rate), ("mean_on_s", mean_on_s), ("mean_off_s", mean_off_s)):
        v = _number(name, value)
        if not (v > 0 and math.isfinite(v)):
            raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return MMPP(rate, 0.0, mean_on_s, mean_off_s)


@dataclass(frozen=True, eq=False)
class Replay(ArrivalProcess):
    """Arrivals replayed from sorted timestamps (seconds), e.g. from a production log."""

    timestamps: np.ndarray

    def __post_init__(self) -> None:
        t = np.asarray(self.timestamps)
        if t.dtype.kind not in "iuf" or t.ndim != 1:
            raise TypeError("timestamps must be a 1-d array of numbers")
        t = np.ascontiguousarray(t, dtype=np.float64)
        t.setflags(write=False)
        object.__setattr__(self, "timestamps", t)
        super().__post_init__()

    def _build(self) -> Any:
        return _Engine.replay(self.timestamps)

    @property
    def rate(self) -> float:
        """Mean arrival rate over the replay, requests/s (inf when all timestamps are equal)."""
        return float(self._engine.mean_rate)


Arrivals = Union[float, Poisson, Periodic, MMPP, Replay, np.ndarray]


def as_arrivals(name: str, value: Any) -> ArrivalProcess:
    """``value`` as an arrival process: a process as it is, an array as a :class:`Replay`,
    a number as a :class:`Poisson` rate; errors name the parameter ``name``."""
    if isinstance(value, ArrivalProcess):
        return value
    if isinstance(value, (np.ndarray, list, tuple)):
        return Replay(np.asarray(value))
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a rate (requests/s), an arrival process (Poisson, Periodic, "
            f"MMPP, OnOff, Replay) or an array of timestamps, got {type(value).__name__}"
        )
    rate = _number(name, value)
    return Poisson._wrap(_Engine.poisson(rate, name), rate=rate)  # type: ignore[no-any-return]


__dir__ = _api_dir(globals())
