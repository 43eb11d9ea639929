"""Rate limiters replayed on arrival traces: single, distributed and non-atomic.

Six algorithms each admit about ``limit`` requests per ``window_s`` seconds
(:data:`ALGORITHMS`):

* ``"token_bucket"``: ``capacity`` tokens (default ``limit``) refilled continuously at
  ``refill_rate`` tokens/s (default ``limit / window_s``); starts full, a request takes one.
* ``"leaky_bucket"``: the *queue* form. An admitted request joins a FIFO of at most
  ``queue_size`` requests (default ``limit``) forwarded one every ``1 / drain_rate``
  seconds (default ``limit / window_s``); a request that finds the queue full is rejected.
  :attr:`LimiterResult.mean_delay_s` is the time admitted requests spend queued. (The
  *meter* form of the leaky bucket makes the same decisions as the token bucket.)
* ``"gcra"``: the generic cell rate algorithm, one timestamp of state; the same decisions
  as a token bucket with the same ``capacity`` and ``refill_rate`` (up to rounding when
  arrivals fall exactly on refill instants, as in the steady and adversarial traces: a
  decision may then move to a neighbouring request).
* ``"fixed_window"``: one counter per window ``[k w, (k + 1) w)``.
* ``"sliding_log"``: exact; admits iff fewer than ``limit`` requests were admitted in the
  last ``window_s`` (the interval ``(t - w, t]``). It keeps the last ``limit`` admitted
  timestamps in a ring buffer, so its memory is bounded by the limit.
* ``"sliding_window_counter"``: previous window's count weighted by the share of it that
  is still inside ``(t - w, t]``, plus the current window's count.

Arrivals speak the project's one vocabulary (:mod:`scalemodel.arrivals`): a number is a
Poisson rate, an arrival process (:class:`~scalemodel.arrivals.Poisson`,
:class:`~scalemodel.arrivals.Periodic`, :class:`~scalemodel.arrivals.MMPP`,
:class:`~scalemodel.arrivals.Profile`, ...) is drawn over ``[0, duration_s)``, and sorted
timestamps (an array or a :class:`~scalemodel.arrivals.Replay`) are replayed. One trace is the
limiters' own: :class:`Adversarial` sends ``limit`` requests in the ``spread_s`` just before and
``limit`` just after every other window boundary, the worst case for fixed windows.

The *worst window* is the largest number of admitted requests in any half-open interval of
length ``window_s``, found by an exact two-pointer scan. With ``keys`` (a client id per
request) every key gets its own limiter, and the worst window is the largest of any one key.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from scalemodel import _core, _progress
from scalemodel._arrays import api_dir as _api_dir
from scalemodel._arrays import as_float as _as_float
from scalemodel._arrays import configure as _configure
from scalemodel._arrays import integer as _integer
from scalemodel._arrays import level as _level
from scalemodel._arrays import number as _number
from scalemodel._arrays import run_spec as _run_spec
from scalemodel._arrays import seed as _seed
from scalemodel._arrays import text as _text
from scalemodel.arrivals import ArrivalProcess, Periodic, Poisson, Profile, Replay, as_arrivals
from scalemodel.results import Estimate as _Estimate
from scalemodel.results import ReplicatedResult

__all__ = [
    "ALGORITHMS",
    "APPROXIMATE_ALGORITHMS",
    "ARRIVALS",
    "Adversarial",
    "DistributedLimiterResult",
    "LimiterResult",
    "RacyBucketResult",
    "limiter_trace",
    "racy_token_bucket_decisions",
    "simulate_distributed_limiter",
    "simulate_limiter",
    "simulate_racy_token_bucket",
    "worst_window",
]

_s = _core.sim

#: Limiter algorithms, as the engine names them.
ALGORITHMS: tuple[str, ...] = tuple(_s.LIMITER_ALGORITHMS)
#: Algorithms compared against the exact sliding log by default.
APPROXIMATE_ALGORITHMS: tuple[str, ...] = ("fixed_window", "sliding_window_counter")
#: The deprecated string spellings of arrivals (each warns; see :class:`Adversarial` and
#: :mod:`scalemodel.arrivals` for the new ones).
ARRIVALS: tuple[str, ...] = ("steady", "poisson", "bursty", "adversarial")


@dataclass(frozen=True)
class Adversarial:
    """The fixed-window worst case: ``limit`` requests spread evenly over the ``spread_s``
    seconds just before, and ``limit`` over the ``spread_s`` just after, every other window
    boundary ``(2k + 1) window_s``. The limit and the window are the limiter's; ``spread_s``
    defaults to a hundredth of a window."""

    spread_s: float | None = None

    def __post_init__(self) -> None:
        if self.spread_s is not None:  # its range depends on the window: checked by the engine
            _number("spread_s", self.spread_s)


def _limiter(given: Mapping[str, Any]) -> Any:
    """The engine's LimiterConfig from a caller's keywords (types checked here, ranges by the engine)."""
    fields = ("algorithm", "limit", "window_s", "capacity", "refill_rate", "queue_size", "drain_rate")
    return _configure(_s.LimiterConfig(), given, *fields)


def _racy(given: Mapping[str, Any]) -> Any:
    """The engine's RacyBucketConfig from a caller's keywords (types checked here, ranges by the engine)."""
    return _configure(_s.RacyBucketConfig(), given, "capacity", "refill_rate", "rmw_delay_s")


def _times(value: Any) -> npt.NDArray[np.float64]:
    arr = _as_float("arrivals", value)
    if arr.ndim != 1:
        raise ValueError(f"arrivals must be a 1-D array of timestamps, got shape {arr.shape}")
    return np.ascontiguousarray(arr)


def _keys(keys: Any, times: npt.NDArray[np.float64], generated: bool) -> npt.NDArray[np.int64] | None:
    if keys is None:
        return None
    if generated:
        raise ValueError("keys need arrivals given as timestamps (make them with limiter_trace)")
    arr = np.asarray(keys)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"keys must be an array of whole numbers (client ids), got dtype {arr.dtype}")
    if arr.shape != times.shape:
        raise ValueError(f"keys must have one entry per arrival: {arr.shape} against {times.shape}")
    if arr.dtype.kind == "u" and arr.size and int(arr.max()) >= 2**63:
        raise ValueError("keys must be below 2**63")
    return np.ascontiguousarray(arr, dtype=np.int64)


def _trace(arrivals: Any, limit: int, window_s: float, duration_s: Any) -> Any:
    """The engine's TraceSpec for a process (or a number: a Poisson rate) or the adversarial
    trace, drawn over ``[0, duration_s)`` (default 100 windows), or the timestamps given."""
    spec = _s.TraceSpec()
    if isinstance(arrivals, Adversarial):
        spec.adversarial = True
        spread_s = arrivals.spread_s
        spec.spread_s = window_s / 100 if spread_s is None else _number("spread_s", spread_s)
    elif isinstance(arrivals, (Replay, np.ndarray, list, tuple)):
        if duration_s is not None:
            raise ValueError("duration_s applies only to generated arrivals, not to timestamps")
        return _times(arrivals.timestamps if isinstance(arrivals, Replay) else arrivals)
    else:
        spec.arrivals = as_arrivals("arrivals", arrivals)._engine
    spec.duration_s = 100.0 * window_s if duration_s is None else _number("duration_s", duration_s)
    spec.burst = limit
    spec.window_s = window_s
    return spec


def _arrivals(config: Any, trace: Any) -> None:
    """Sets a replicated study's arrivals: ``trace`` drawn per replication, or times replayed."""
    if isinstance(trace, np.ndarray):
        config.times = trace
    else:
        config.trace = trace


# --- the deprecated spelling: a generator name with rate, on_s, off_s, spread_s ---------------
_OLD_OPTIONS = {
    "steady": ("rate",),
    "poisson": ("rate",),
    "bursty": ("rate", "on_s", "off_s"),
    "adversarial": ("spread_s",),
}


def _new_spelling(
    function: str, arrivals: Any, window_s: float, duration_s: Any, deprecated: Mapping[str, Any]
) -> Any:
    """``arrivals`` in the new vocabulary. The old one (a generator name in :data:`ARRIVALS`,
    rate, on_s, off_s and spread_s as keywords) still works for one release, with a
    DeprecationWarning naming its new spelling; other keywords are a TypeError, as Python's."""
    for key in deprecated:
        if key not in ("rate", "on_s", "off_s", "spread_s"):
            raise TypeError(f"{function}() got an unexpected keyword argument {key!r}")
    if not isinstance(arrivals, str):
        if set(deprecated) - {"spread_s"}:
            raise ValueError(
                f"{', '.join(deprecated)} apply only to generated arrivals named by a string (deprecated); "
                "give arrivals as a rate or an arrival process instead"
            )
        if not deprecated:
            return arrivals
        if not isinstance(arrivals, Adversarial):
            raise ValueError("spread_s applies only to Adversarial() arrivals")
        new: Any = Adversarial(deprecated["spread_s"])
        _warn(f"spread_s as a keyword is deprecated; use arrivals=sm.sim.{new!r}")
        return new
    name = _text("arrivals", arrivals)
    if name not in _OLD_OPTIONS:
        raise ValueError(
            "arrivals must be a rate (requests/s), an arrival process, Adversarial() or sorted "
            f"timestamps, got {name!r}"
        )
    for key in deprecated:
        if key not in _OLD_OPTIONS[name]:
            raise ValueError(f"{key} does not apply to arrivals={name!r}")
    if name == "adversarial":
        new = Adversarial(deprecated.get("spread_s"))
        _warn(f"arrivals='adversarial' is deprecated; use arrivals=sm.sim.{new!r}")
        return new
    if deprecated.get("rate") is None:
        raise ValueError(f"rate (requests/s) is required for the {name} trace")
    rate = _number("rate", deprecated["rate"])
    if name == "steady":
        new = Periodic(rate)
        _warn(f"arrivals='steady', rate={rate!r} is deprecated; use arrivals=sm.arrivals.Periodic({rate!r})")
    elif name == "poisson":
        new = Poisson(rate)
        _warn(f"arrivals='poisson', rate={rate!r} is deprecated; use arrivals={rate!r} (a Poisson rate)")
    else:
        duration = 100 * window_s if duration_s is None else _number("duration_s", duration_s)
        new = _bursts(rate, deprecated.get("on_s"), deprecated.get("off_s"), window_s, duration)
        on, period, peak = float(new.times[1]), float(new.period_s), float(new.rates[0])
        _warn(
            f"arrivals='bursty', rate={rate!r}, on_s={on!r}, off_s={period - on!r} is deprecated; use "
            f"arrivals=sm.arrivals.Profile([0, {on!r}, {on!r}, {period!r}], [{peak!r}, {peak!r}, 0, 0], "
            f"period_s={period!r})"
        )
    return new


def _bursts(rate: float, on_s: Any, off_s: Any, window_s: float, duration_s: float) -> Profile:
    """The old bursty trace (Poisson bursts of on_s at rate * (on_s + off_s) / on_s, every
    on_s + off_s seconds) as what it is: a periodic step profile. Its old checks stay here
    with it (the profile would name its knots, not on_s and off_s)."""
    on = window_s / 10 if on_s is None else _number("on_s", on_s)
    off = 9 * window_s / 10 if off_s is None else _number("off_s", off_s)
    if not (on > 0 and math.isfinite(on)):
        raise ValueError(f"on_s must be a finite number > 0, got {on_s!r}")
    if not (off >= 0 and math.isfinite(off)):
        raise ValueError(f"off_s must be a finite number >= 0, got {off_s!r}")
    period = on + off
    # Each period is a few turns of the drawing loop even when empty: keep their number bounded.
    if not duration_s / period <= 2.5e8:
        raise ValueError("on_s + off_s must be at least duration_s / 2.5e8")
    peak = rate * period / on
    if not math.isfinite(peak):
        raise ValueError(
            f"on_s must be large enough that rate * (on_s + off_s) / on_s is finite, got {on_s!r}"
        )
    # Sized by what the bursts hold, not by rate x duration_s (the first burst of a long
    # period holds far more than that); the engine's guide for a profile is its mean rate.
    bursts = math.floor(duration_s / period)
    if peak * (bursts * on + min(on, duration_s - bursts * period)) > 2.5e8:
        raise ValueError(
            "the trace would hold more than 2.5e8 requests: lower rate or duration_s (bursty traffic "
            "arrives at rate * (on_s + off_s) / on_s during its on_s bursts)"
        )
    return Profile(np.array([0.0, on, on, period]), np.array([peak, peak, 0.0, 0.0]), period)


def _warn(message: str) -> None:
    # stacklevel 4: _warn, _new_spelling, the public function, its caller.
    warnings.warn(message, DeprecationWarning, stacklevel=4)


def limiter_trace(
    arrivals: Any,
    *,
    duration_s: float | None = None,
    limit: int = 100,
    window_s: float = 1.0,
    seed: int = 0,
    **deprecated: Any,
) -> npt.NDArray[np.float64]:
    """Sorted arrival timestamps (seconds): ``arrivals`` (a Poisson rate, an arrival process
    or :class:`Adversarial`) drawn over ``[0, duration_s)`` (default 100 windows) from random
    stream ``(seed, 0)``; timestamps are returned as they are. limit, window_s: the
    adversarial trace's burst and window.
    """
    limit, window_s = _integer("limit", limit), _number("window_s", window_s)
    arrivals = _new_spelling("limiter_trace", arrivals, window_s, duration_s, deprecated)
    trace = _trace(arrivals, limit, window_s, duration_s)
    if isinstance(trace, np.ndarray):  # already a trace: checked as a replay, returned as it is
        return np.array(Replay(trace).timestamps)
    out: npt.NDArray[np.float64] = _s.limiter_trace(trace, _seed(seed))
    return out


def worst_window(arrivals: Any, admitted: Any, window_s: float) -> int:
    """Most admitted requests in any half-open interval of length ``window_s``."""
    times = _times(arrivals)
    flags = np.asarray(admitted)
    if flags.dtype != np.bool_:
        raise TypeError("admitted must be a boolean array")
    if flags.shape != times.shape:
        raise ValueError(
            f"admitted must have one flag per arrival: {flags.shape} flags for arrivals of shape {times.shape}"
        )
    return int(_s.limiter_worst_window(times, flags, _number("window_s", window_s)))


@dataclass(frozen=True)
class LimiterResult:
    """One limiter's decisions on one trace.

    ``worst_window`` is the most admitted requests in any window of ``window_s``;
    ``max_overshoot`` how far it exceeds ``limit``. ``differing_decisions`` and
    ``exact_admitted`` compare against the exact sliding log on the same trace (None when
    not compared). ``decisions`` is the per-request boolean array when asked for. With
    keys, ``distinct_keys`` counts them and ``worst_key`` is a key whose worst window is
    ``worst_window`` (both None without keys; ``worst_key`` also None on an empty trace).
    """

    algorithm: str
    limit: int
    window_s: float
    requests: int
    admitted: int
    duration_s: float
    worst_window: int
    mean_delay_s: float
    exact_admitted: int | None
    differing_decisions: int | None
    settings: dict[str, float] = field(default_factory=dict)
    distinct_keys: int | None = None
    worst_key: int | None = None
    decisions: npt.NDArray[np.bool_] | None = field(default=None, repr=False, compare=False)

    @property
    def rejected(self) -> int:
        return self.requests - self.admitted

    @property
    def admitted_rate(self) -> float:
        """Admitted requests per second over the trace's duration."""
        return self.admitted / self.duration_s if self.duration_s > 0 else float("nan")

    @property
    def max_overshoot(self) -> int:
        """How many requests the worst window holds beyond the limit (0 if none)."""
        return max(0, self.worst_window - self.limit)

    @property
    def decision_error_rate(self) -> float | None:
        """Share of requests decided differently from the exact sliding log."""
        if self.differing_decisions is None:
            return None
        return self.differing_decisions / self.requests if self.requests else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "algorithm": self.algorithm,
            "limit": self.limit,
            "window_s": self.window_s,
            "requests": self.requests,
            "admitted": self.admitted,
            "rejected": self.rejected,
            "admitted_rate": self.admitted_rate,
            "worst_window": self.worst_window,
            "max_overshoot": self.max_overshoot,
            "mean_delay_s": self.mean_delay_s,
            "exact_admitted": self.exact_admitted,
            "differing_decisions": self.differing_decisions,
            "distinct_keys": self.distinct_keys,
            "worst_key": self.worst_key,
            **self.settings,
        }


def simulate_limiter(
    algorithm: str,
    limit: int,
    window_s: float,
    arrivals: Any,
    *,
    capacity: float | None = None,
    refill_rate: float | None = None,
    queue_size: int | None = None,
    drain_rate: float | None = None,
    duration_s: float | None = None,
    seed: int = 0,
    keys: Any = None,
    compare_exact: bool | None = None,
    return_decisions: bool = False,
    **deprecated: Any,
) -> LimiterResult:
    """Run one rate limiter over an arrival trace.

    algorithm: one of :data:`ALGORITHMS`. limit, window_s: ``limit`` requests per
    ``window_s`` seconds. arrivals: sorted timestamps (seconds), a Poisson rate, an arrival
    process (:mod:`scalemodel.arrivals`) or :class:`Adversarial`; generated ones are drawn
    over ``[0, duration_s)`` (default 100 windows) from random stream ``(seed, 0)``.
    capacity / refill_rate: token bucket and GCRA burst and tokens per second (defaults
    limit and limit / window_s). queue_size / drain_rate: leaky bucket queue and forwarding
    rate (same defaults). keys: one whole-number client id per request (an array as long
    as ``arrivals``, which must then be given as timestamps); each key is limited on its
    own. compare_exact: also run the exact sliding log on the trace and
    count differing decisions (default: for :data:`APPROXIMATE_ALGORITHMS`).
    return_decisions: keep the per-request booleans in ``result.decisions``.
    """
    # The limiter is checked (and its defaults resolved) before any trace is generated.
    config = _limiter(locals()).resolved()
    arrivals = _new_spelling("simulate_limiter", arrivals, config.window_s, duration_s, deprecated)
    trace = _trace(arrivals, config.limit, config.window_s, duration_s)
    generated = not isinstance(trace, np.ndarray)
    times = _s.limiter_trace(trace, _seed(seed)) if generated else trace
    key_ids = _keys(keys, times, generated)
    if compare_exact is not None and not isinstance(compare_exact, (bool, np.bool_)):
        raise TypeError(f"compare_exact must be True, False or None, got {compare_exact!r}")
    compare = algorithm in APPROXIMATE_ALGORITHMS if compare_exact is None else bool(compare_exact)
    out = _s.limiter_run(config, times, key_ids, compare)
    if generated:
        duration = trace.duration_s
    else:
        duration = float(times[-1] - times[0]) if times.size > 1 else 0.0
    settings = {k: float(getattr(config, k)) for k in ("capacity", "refill_rate", "queue_size", "drain_rate")}
    return LimiterResult(
        algorithm=algorithm,
        limit=config.limit,
        window_s=config.window_s,
        requests=int(out["requests"]),
        admitted=int(out["admitted"]),
        duration_s=duration,
        worst_window=int(out["worst_window"]),
        mean_delay_s=float(out["mean_delay_s"]),
        exact_admitted=int(out["exact_admitted"]) if compare else None,
        differing_decisions=int(out["differing_decisions"]) if compare else None,
        settings=settings,
        # An empty trace with (empty) keys has no key at all: 0 keys, no worst key.
        distinct_keys=int(out["distinct_keys"]) if keys is not None else None,
        worst_key=int(out["worst_key"]) if keys is not None and times.size else None,
        decisions=out["decisions"] if return_decisions else None,
    )


def _described(arrivals: Any) -> str:
    """A study's arrivals in its parameters: the process (a number: its Poisson rate), or "trace"."""
    if isinstance(arrivals, (Adversarial, ArrivalProcess)) and not isinstance(arrivals, Replay):
        return repr(arrivals)
    if isinstance(arrivals, numbers.Real) and not isinstance(arrivals, bool):
        return f"Poisson(rate={arrivals!r})"
    return "trace"


class DistributedLimiterResult(ReplicatedResult):
    """Servers each enforcing the limit locally, against one shared limiter on the same trace.

    Per replication: ``admitted`` (all servers together), ``shared_admitted`` (one shared
    counter), ``admitted_ratio``, ``worst_window`` and ``shared_worst_window`` (most
    admitted in any window), ``worst_window_ratio`` and ``max_server_share`` (the busiest
    server's share of requests).
    """

    admitted = _Estimate("Requests admitted by all servers together.")
    shared_admitted = _Estimate("Requests one shared limiter admits on the same trace.")
    admitted_ratio = _Estimate("admitted / shared_admitted.")
    worst_window = _Estimate("Most requests the servers together admit in any window of window_s.")
    worst_window_ratio = _Estimate("worst_window / shared_worst_window.")

    def __repr__(self) -> str:
        p = self._params
        return (
            f"DistributedLimiterResult({p['algorithm']}, servers={p['servers']}, spread={p['spread']}, "
            f"admitted={self.admitted:.1f} vs shared {self.shared_admitted:.1f}, "
            f"worst window {self.worst_window:.1f} for limit {p['limit']})"
        )


def simulate_distributed_limiter(
    algorithm: str,
    limit: int,
    window_s: float,
    arrivals: Any,
    servers: int,
    *,
    spread: str = "round_robin",
    capacity: float | None = None,
    refill_rate: float | None = None,
    queue_size: int | None = None,
    drain_rate: float | None = None,
    duration_s: float | None = None,
    replications: int = 10,
    seed: int = 0,
    threads: int = 0,
    level: float = 0.95,
    **deprecated: Any,
) -> DistributedLimiterResult:
    """``servers`` limiters behind a balancer, each enforcing the limit on its own share.

    spread: ``"round_robin"`` or ``"random"`` (uniform, independently per request).
    A generated trace is drawn afresh in each replication; a given trace is replayed by
    every replication (only random spreading then varies). Replication r uses random
    stream (seed, r), so the result does not depend on ``threads``. Other arguments as in
    :func:`simulate_limiter`.
    """
    config = _configure(_s.DistributedConfig(), locals(), "servers", "spread")
    config.limiter = _limiter(locals())
    lvl = _level(level)
    window_s = config.limiter.window_s
    arrivals = _new_spelling("simulate_distributed_limiter", arrivals, window_s, duration_s, deprecated)
    _arrivals(config, _trace(arrivals, config.limiter.limit, window_s, duration_s))
    run = _run_spec(seed=seed, replications=replications, threads=threads)
    metrics = _progress.run(lambda: _s.limiter_distributed(config, run), "distributed limiter")
    params = {
        "algorithm": algorithm,
        "limit": config.limiter.limit,
        "window_s": config.limiter.window_s,
        "servers": config.servers,
        "spread": spread,
        "arrivals": _described(arrivals),
    }
    return DistributedLimiterResult(metrics, params, lvl)


class RacyBucketResult(ReplicatedResult):
    """The non-atomic read-modify-write token bucket against an atomic one on the same trace.

    Per replication: ``admitted`` (racy), ``atomic_admitted``, ``overshoot`` (their
    difference), ``overshoot_ratio``, ``stale_reads`` (reads made while a write was in
    flight) and ``duration_s``.
    """

    admitted = _Estimate("Requests the racy bucket admits.")
    atomic_admitted = _Estimate("Requests an atomic bucket admits on the same trace.")
    overshoot = _Estimate("admitted - atomic_admitted.")
    overshoot_ratio = _Estimate("admitted / atomic_admitted.")

    def __repr__(self) -> str:
        p = self._params
        return (
            f"RacyBucketResult(capacity={p['capacity']}, refill_rate={p['refill_rate']}, "
            f"rmw_delay_s={p['rmw_delay_s']}, admitted={self.admitted:.1f} vs atomic {self.atomic_admitted:.1f})"
        )


def simulate_racy_token_bucket(
    capacity: float,
    refill_rate: float,
    rmw_delay_s: float,
    arrivals: Any,
    *,
    duration_s: float | None = None,
    replications: int = 10,
    seed: int = 0,
    threads: int = 0,
    level: float = 0.95,
    **deprecated: Any,
) -> RacyBucketResult:
    """A token bucket in a shared store, read and written back in separate steps.

    Each request (from any server) reads (tokens, last refill), refills and decides
    locally and, when it admits, writes (tokens - 1, its read time) back; the write lands
    ``rmw_delay_s`` later (a store round trip) and the last write wins. Requests reading
    while a write is in flight see stale tokens, so they can admit on a token another
    request has already spent. Compared with an atomic bucket on the same trace. arrivals:
    sorted timestamps, a Poisson rate or an arrival process (drawn over ``[0, duration_s)``,
    default 100 s, afresh in each replication).
    """
    config = _racy(locals())
    lvl = _level(level)
    arrivals = _new_spelling("simulate_racy_token_bucket", arrivals, 1.0, duration_s, deprecated)
    if isinstance(arrivals, Adversarial):
        raise ValueError(
            "arrivals must be a rate, an arrival process or timestamps for the racy bucket (it has no window)"
        )
    _arrivals(config, _trace(arrivals, 1, 1.0, duration_s))
    run = _run_spec(seed=seed, replications=replications, threads=threads)
    metrics = _progress.run(lambda: _s.limiter_racy_bucket(config, run), "racy token bucket")
    params = {
        "capacity": config.capacity,
        "refill_rate": config.refill_rate,
        "rmw_delay_s": config.rmw_delay_s,
        "arrivals": _described(arrivals),
    }
    return RacyBucketResult(metrics, params, lvl)


def racy_token_bucket_decisions(
    capacity: float, refill_rate: float, rmw_delay_s: float, arrivals: Any
) -> npt.NDArray[np.bool_]:
    """Per-request decisions of the non-atomic bucket (see :func:`simulate_racy_token_bucket`)."""
    out: npt.NDArray[np.bool_] = _s.limiter_racy_decisions(_racy(locals()), _times(arrivals))
    return out


__dir__ = _api_dir(globals())
