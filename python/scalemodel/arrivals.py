"""Arrival processes: when requests enter a simulated system.

A plain number wherever a simulator takes arrivals means Poisson arrivals at that rate
(requests per second); an array means timestamps to replay.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from scalemodel import _core
from scalemodel._arrays import EngineBacked
from scalemodel._arrays import api_dir as _api_dir
from scalemodel._arrays import number as _number

__all__ = ["MMPP", "ArrivalProcess", "OnOff", "Periodic", "Poisson", "Profile", "Replay", "as_arrivals"]

_Engine = _core.Arrivals


class ArrivalProcess(EngineBacked):
    """Base of the arrival processes; the validated engine object is built at construction."""

    if TYPE_CHECKING:
        # The long-run mean arrival rate, requests/s: a field (Poisson, Periodic) or a
        # property (MMPP, Replay, Profile), so read-only here. Declared for the checker
        # only: a property on the base would become the dataclass fields' default.
        @property
        def rate(self) -> float: ...


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


@dataclass(frozen=True, eq=False)
class Profile(ArrivalProcess):
    """Poisson arrivals whose rate varies in time: linear between knots ``(times[i],
    rates[i])`` (seconds from the start, requests/s); a repeated time makes a step.
    ``times`` start at 0. After the last knot the rate stays at the last one, or, with
    ``period_s``, the profile repeats every ``period_s`` seconds (ramping from the last rate
    back to the first). Drawn exactly by thinning. The constructors :meth:`step`,
    :meth:`spike`, :meth:`daily` and :meth:`series` build the common shapes.
    """

    times: np.ndarray
    rates: np.ndarray
    period_s: float | None = None

    def __post_init__(self) -> None:
        for name in ("times", "rates"):
            a = np.asarray(getattr(self, name))
            if a.dtype.kind not in "iuf" or a.ndim != 1:
                raise TypeError(f"{name} must be a 1-d array of numbers")
            a = np.ascontiguousarray(a, dtype=np.float64)
            a.setflags(write=False)
            object.__setattr__(self, name, a)
        super().__post_init__()

    def _build(self) -> Any:
        return _Engine.profile(
            self.times, self.rates, 0.0 if self.period_s is None else _number("period_s", self.period_s)
        )

    @property
    def rate(self) -> float:
        """Long-run mean rate: over a period, or the last rate when the profile does not repeat."""
        return float(self._engine.mean_rate)

    def rate_at(self, t: Any) -> Any:
        """The arrival rate at time(s) ``t`` in seconds."""
        times, rates = self.times, self.rates
        tt = np.asarray(t, dtype=np.float64)
        if self.period_s:
            times, rates = np.append(times, self.period_s), np.append(rates, rates[0])
            tt = np.mod(tt, self.period_s)
        # np.interp takes the right-hand value at a repeated time: the step has happened.
        return np.interp(tt, times, rates)[()]

    @classmethod
    def step(cls, before: float, after: float, at_s: float) -> Profile:
        """``before`` requests/s until ``at_s``, then ``after``."""
        return cls(np.array([0.0, at_s, at_s]), np.array([before, before, after]))

    @classmethod
    def spike(cls, base: float, peak: float, at_s: float, duration_s: float, ramp_s: float = 0.0) -> Profile:
        """``base`` requests/s with one spike to ``peak`` from ``at_s`` for ``duration_s``
        seconds, reached and left over ``ramp_s`` seconds (0: a step)."""
        t = [0.0, at_s, at_s + ramp_s, at_s + ramp_s + duration_s, at_s + 2 * ramp_s + duration_s]
        return cls(np.array(t), np.array([base, base, peak, peak, base]))

    @classmethod
    def daily(
        cls,
        mean: float,
        peak_to_mean: float = 2.0,
        *,
        peak_at_s: float = 20 * 3600,
        period_s: float = 86_400,
        knots: int = 96,
    ) -> Profile:
        """A daily cycle: a sinusoid of mean ``mean`` requests/s peaking at ``peak_to_mean`` x
        mean at ``peak_at_s`` into each ``period_s`` (default 8 pm of a day), sampled at
        ``knots`` points and linear between them. peak_to_mean is at most 2 (the trough at 0)."""
        if not 1.0 <= peak_to_mean <= 2.0:
            raise ValueError(f"peak_to_mean must be in [1, 2] for a sinusoid, got {peak_to_mean}")
        t = np.linspace(0.0, period_s, int(knots), endpoint=False)
        r = mean * (1 + (peak_to_mean - 1) * np.cos(2 * np.pi * (t - peak_at_s) / period_s))
        return cls(t, np.maximum(r, 0.0), period_s)

    @classmethod
    def series(cls, rates: Any, window_s: float) -> Profile:
        """A replayed rate series: ``rates[i]`` requests/s during the i-th window of
        ``window_s`` seconds (e.g. per-minute counts / 60 from a log); the last rate holds after."""
        r = np.asarray(rates, dtype=np.float64).ravel()
        if r.size == 0:
            raise ValueError("rates must not be empty")
        edges = np.arange(r.size + 1) * float(window_s)
        times = np.repeat(edges, 2)[1:-1]
        return cls(times, np.repeat(r, 2))


Arrivals = Union[float, Poisson, Periodic, MMPP, Replay, Profile, np.ndarray]


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


def _replayed_sizes(name: str, values: Any, arrivals: ArrivalProcess, arrivals_name: str) -> list[float]:
    """Recorded service times, one per replayed timestamp (types here, the count and
    ranges in the engine): the replay vocabulary of every simulator that takes them."""
    if not isinstance(arrivals, Replay):
        raise ValueError(f"{name} needs {arrivals_name} to be timestamps to replay")
    sizes = np.asarray(values)
    if sizes.dtype.kind not in "iuf" or sizes.ndim != 1:
        raise TypeError(f"{name} must be a 1-d array of numbers (seconds)")
    return np.ascontiguousarray(sizes, dtype=np.float64).tolist()  # type: ignore[no-any-return]


def _replayed_clients(name: str, values: Any) -> tuple[int, list[int]]:
    """Each replayed request's client (any values): the number of distinct clients and each
    request's client index (0 .. clients - 1)."""
    keys = np.asarray(values)
    if keys.ndim != 1 or keys.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-d array, one key per replayed timestamp")
    unique, ids = np.unique(keys, return_inverse=True)
    return int(unique.size), ids.astype(np.int64).tolist()


__dir__ = _api_dir(globals())
