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

Arrivals are sorted timestamps in seconds or a generator name (:data:`ARRIVALS`):
``"steady"`` (evenly spaced at ``rate``), ``"poisson"`` (``rate``), ``"bursty"`` (Poisson
bursts of ``on_s`` separated by silences of ``off_s``, mean ``rate``) and ``"adversarial"``
(``limit`` requests in the ``spread_s`` just before and ``limit`` just after every other
window boundary: the worst case for fixed windows).

The *worst window* is the largest number of admitted requests in any half-open interval of
length ``window_s``, found by an exact two-pointer scan. With ``keys`` (a client id per
request) every key gets its own limiter, and the worst window is the largest of any one key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from scalemodel import _core, _progress
from scalemodel._arrays import as_float as _as_float
from scalemodel._arrays import level as _level
from scalemodel._arrays import number as _number
from scalemodel._arrays import seed as _seed
from scalemodel._arrays import threads as _threads
from scalemodel._arrays import whole as _whole
from scalemodel.results import ReplicatedResult

__all__ = [
    "ALGORITHMS",
    "APPROXIMATE_ALGORITHMS",
    "ARRIVALS",
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

ALGORITHMS: tuple[str, ...] = (
    "token_bucket",
    "leaky_bucket",
    "gcra",
    "fixed_window",
    "sliding_log",
    "sliding_window_counter",
)
#: Algorithms compared against the exact sliding log by default.
APPROXIMATE_ALGORITHMS: tuple[str, ...] = ("fixed_window", "sliding_window_counter")
ARRIVALS: tuple[str, ...] = ("steady", "poisson", "bursty", "adversarial")
_SPREADS = ("round_robin", "random")


def _algorithm(value: Any) -> int:
    if not isinstance(value, str):
        raise TypeError(f"algorithm must be a string, got {type(value).__name__}")
    if value not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}; got {value!r}")
    return ALGORITHMS.index(value)


def _optional(name: str, value: Any) -> float:
    """An optional positive parameter; 0.0 tells the engine to use its default."""
    if value is None:
        return 0.0
    x = _number(name, value)
    if not x > 0 or not np.isfinite(x):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return x


def _window(value: Any) -> float:
    w = _number("window_s", value)
    if not (w > 0 and np.isfinite(w)):
        raise ValueError(f"window_s must be a finite number > 0, got {value!r}")
    return w


def _times(value: Any) -> npt.NDArray[np.float64]:
    arr = _as_float("arrivals", value)
    if arr.ndim != 1:
        raise ValueError(f"arrivals must be a 1-D array of timestamps, got shape {arr.shape}")
    return np.ascontiguousarray(arr)


def _keys(keys: Any, times: npt.NDArray[np.float64], trace_kind: int) -> npt.NDArray[np.int64]:
    if keys is None:
        return np.zeros(0, dtype=np.int64)
    if trace_kind >= 0:
        raise ValueError("keys need arrivals given as timestamps (make them with limiter_trace)")
    arr = np.asarray(keys)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"keys must be an array of whole numbers (client ids), got dtype {arr.dtype}")
    if arr.shape != times.shape:
        raise ValueError(f"keys must have one entry per arrival: {arr.shape} against {times.shape}")
    if arr.dtype.kind == "u" and arr.size and int(arr.max()) >= 2**63:
        raise ValueError("keys must be below 2**63")
    return np.ascontiguousarray(arr, dtype=np.int64)


@dataclass(frozen=True)
class _Trace:
    kind: int  # -1: replay `times`
    params: npt.NDArray[np.float64]
    times: npt.NDArray[np.float64]
    duration_s: float | None


def _trace(
    arrivals: Any,
    *,
    limit: int,
    window_s: float,
    rate: Any,
    duration_s: Any,
    on_s: Any,
    off_s: Any,
    spread_s: Any,
) -> _Trace:
    empty = np.zeros(0)
    if not isinstance(arrivals, str):
        if any(v is not None for v in (rate, duration_s, on_s, off_s, spread_s)):
            raise ValueError("rate, duration_s, on_s, off_s and spread_s apply only to a generated trace")
        return _Trace(-1, np.zeros(7), _times(arrivals), None)
    if arrivals not in ARRIVALS:
        raise ValueError(
            f"arrivals must be sorted timestamps or one of {', '.join(ARRIVALS)}; got {arrivals!r}"
        )
    kind = ARRIVALS.index(arrivals)
    if arrivals == "adversarial":
        if rate is not None:
            raise ValueError("rate does not apply to the adversarial trace (it sends limit per burst)")
        rate_v = 1.0
    else:
        if rate is None:
            raise ValueError(f"rate (requests/s) is required for the {arrivals} trace")
        rate_v = _number("rate", rate)
    duration = 100.0 * window_s if duration_s is None else _number("duration_s", duration_s)
    params = np.array(
        [
            rate_v,
            duration,
            window_s / 10 if on_s is None else _number("on_s", on_s),
            9 * window_s / 10 if off_s is None else _number("off_s", off_s),
            float(limit),
            window_s,
            window_s / 100 if spread_s is None else _number("spread_s", spread_s),
        ]
    )
    return _Trace(kind, params, empty, duration)


def limiter_trace(
    kind: str,
    *,
    rate: float | None = None,
    duration_s: float | None = None,
    limit: int = 100,
    window_s: float = 1.0,
    on_s: float | None = None,
    off_s: float | None = None,
    spread_s: float | None = None,
    seed: int = 0,
) -> npt.NDArray[np.float64]:
    """Sorted arrival timestamps (seconds) from a generator in :data:`ARRIVALS`.

    rate: mean requests/s (steady, poisson, bursty). duration_s: the trace covers
    ``[0, duration_s)`` (default 100 windows). on_s / off_s: burst and silence lengths of
    the bursty trace (default a tenth and nine tenths of a window). limit, window_s,
    spread_s: the adversarial trace sends ``limit`` requests in the ``spread_s`` (default
    a hundredth of a window) before and after every other boundary ``(2k + 1) window_s``.
    """
    lim = _whole("limit", limit, 1, 2**40)
    w = _window(window_s)
    if not isinstance(kind, str):
        raise TypeError(f"kind must be a string, got {type(kind).__name__}")
    trace = _trace(
        kind,
        limit=lim,
        window_s=w,
        rate=rate,
        duration_s=duration_s,
        on_s=on_s,
        off_s=off_s,
        spread_s=spread_s,
    )
    out: npt.NDArray[np.float64] = _s.limiter_trace(trace.kind, trace.params, _seed(seed))
    return out


def worst_window(arrivals: Any, admitted: Any, window_s: float) -> int:
    """Most admitted requests in any half-open interval of length ``window_s``."""
    times = _times(arrivals)
    flags = np.asarray(admitted)
    if flags.dtype != np.bool_:
        raise TypeError("admitted must be a boolean array")
    return int(_s.limiter_worst_window(times, flags, _window(window_s)))


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
    rate: float | None = None,
    duration_s: float | None = None,
    on_s: float | None = None,
    off_s: float | None = None,
    spread_s: float | None = None,
    seed: int = 0,
    keys: Any = None,
    compare_exact: bool | None = None,
    return_decisions: bool = False,
) -> LimiterResult:
    """Run one rate limiter over an arrival trace.

    algorithm: one of :data:`ALGORITHMS`. limit, window_s: ``limit`` requests per
    ``window_s`` seconds. arrivals: sorted timestamps (seconds) or a generator name (see
    :func:`limiter_trace` for rate, duration_s, on_s, off_s, spread_s and seed).
    capacity / refill_rate: token bucket and GCRA burst and tokens per second (defaults
    limit and limit / window_s). queue_size / drain_rate: leaky bucket queue and forwarding
    rate (same defaults). keys: one whole-number client id per request (an array as long
    as ``arrivals``, which must then be given as timestamps); each key is limited on its
    own. compare_exact: also run the exact sliding log on the trace and
    count differing decisions (default: for :data:`APPROXIMATE_ALGORITHMS`).
    return_decisions: keep the per-request booleans in ``result.decisions``.
    """
    kind = _algorithm(algorithm)
    lim = _whole("limit", limit, 1, 2**40)
    w = _window(window_s)
    cap = _optional("capacity", capacity)
    refill = _optional("refill_rate", refill_rate)
    queue = 0 if queue_size is None else _whole("queue_size", queue_size, 1, 2**40)
    drain = _optional("drain_rate", drain_rate)
    trace = _trace(
        arrivals,
        limit=lim,
        window_s=w,
        rate=rate,
        duration_s=duration_s,
        on_s=on_s,
        off_s=off_s,
        spread_s=spread_s,
    )
    times = trace.times if trace.kind < 0 else _s.limiter_trace(trace.kind, trace.params, _seed(seed))
    key_ids = _keys(keys, times, trace.kind)
    if compare_exact is not None and not isinstance(compare_exact, (bool, np.bool_)):
        raise TypeError(f"compare_exact must be True, False or None, got {compare_exact!r}")
    compare = algorithm in APPROXIMATE_ALGORITHMS if compare_exact is None else bool(compare_exact)
    out = _s.limiter_run(kind, lim, w, cap, refill, queue, drain, times, key_ids, compare)
    if trace.duration_s is not None:
        duration = trace.duration_s
    else:
        duration = float(times[-1] - times[0]) if times.size > 1 else 0.0
    settings = {k: float(out[k]) for k in ("capacity", "refill_rate", "queue_size", "drain_rate")}
    return LimiterResult(
        algorithm=algorithm,
        limit=lim,
        window_s=w,
        requests=int(out["requests"]),
        admitted=int(out["admitted"]),
        duration_s=duration,
        worst_window=int(out["worst_window"]),
        mean_delay_s=float(out["mean_delay_s"]),
        exact_admitted=int(out["exact_admitted"]) if compare else None,
        differing_decisions=int(out["differing_decisions"]) if compare else None,
        settings=settings,
        # An empty trace with (empty) keys has no key at all: 0 keys, no worst key.
        distinct_keys=(int(out["distinct_keys"]) if times.size else 0) if keys is not None else None,
        worst_key=int(out["worst_key"]) if keys is not None and times.size else None,
        decisions=out["decisions"] if return_decisions else None,
    )


class DistributedLimiterResult(ReplicatedResult):
    """Servers each enforcing the limit locally, against one shared limiter on the same trace.

    Per replication: ``admitted`` (all servers together), ``shared_admitted`` (one shared
    counter), ``admitted_ratio``, ``worst_window`` and ``shared_worst_window`` (most
    admitted in any window), ``worst_window_ratio`` and ``max_server_share`` (the busiest
    server's share of requests).
    """

    @property
    def admitted(self) -> float:
        return self.estimate("admitted")

    @property
    def shared_admitted(self) -> float:
        return self.estimate("shared_admitted")

    @property
    def admitted_ratio(self) -> float:
        return self.estimate("admitted_ratio")

    @property
    def worst_window(self) -> float:
        return self.estimate("worst_window")

    @property
    def worst_window_ratio(self) -> float:
        return self.estimate("worst_window_ratio")

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
    rate: float | None = None,
    duration_s: float | None = None,
    on_s: float | None = None,
    off_s: float | None = None,
    spread_s: float | None = None,
    replications: int = 10,
    seed: int = 0,
    threads: int = 0,
    level: float = 0.95,
) -> DistributedLimiterResult:
    """``servers`` limiters behind a balancer, each enforcing the limit on its own share.

    spread: ``"round_robin"`` or ``"random"`` (uniform, independently per request).
    A generated trace is drawn afresh in each replication; a given trace is replayed by
    every replication (only random spreading then varies). Replication r uses random
    stream (seed, r), so the result does not depend on ``threads``. Other arguments as in
    :func:`simulate_limiter`.
    """
    kind = _algorithm(algorithm)
    lim = _whole("limit", limit, 1, 2**40)
    w = _window(window_s)
    n_servers = _whole("servers", servers, 1, 2**20)
    lvl = _level(level)
    if spread not in _SPREADS:
        raise ValueError(f"spread must be one of {', '.join(_SPREADS)}; got {spread!r}")
    trace = _trace(
        arrivals,
        limit=lim,
        window_s=w,
        rate=rate,
        duration_s=duration_s,
        on_s=on_s,
        off_s=off_s,
        spread_s=spread_s,
    )
    # Every argument is checked here, before the tracked call starts its worker thread.
    cap = _optional("capacity", capacity)
    refill = _optional("refill_rate", refill_rate)
    queue = 0 if queue_size is None else _whole("queue_size", queue_size, 1, 2**40)
    drain = _optional("drain_rate", drain_rate)
    reps, seed_v, n_threads = _whole("replications", replications, 1, 2**24), _seed(seed), _threads(threads)
    metrics = _progress.run(
        lambda: _s.limiter_distributed(
            kind,
            lim,
            w,
            cap,
            refill,
            queue,
            drain,
            n_servers,
            spread == "random",
            trace.kind,
            trace.params,
            trace.times,
            reps,
            seed_v,
            n_threads,
        ),
        "distributed limiter",
    )
    params = {
        "algorithm": algorithm,
        "limit": lim,
        "window_s": w,
        "servers": n_servers,
        "spread": spread,
        "arrivals": arrivals if isinstance(arrivals, str) else "trace",
    }
    return DistributedLimiterResult(metrics, params, lvl)


class RacyBucketResult(ReplicatedResult):
    """The non-atomic read-modify-write token bucket against an atomic one on the same trace.

    Per replication: ``admitted`` (racy), ``atomic_admitted``, ``overshoot`` (their
    difference), ``overshoot_ratio``, ``stale_reads`` (reads made while a write was in
    flight) and ``duration_s``.
    """

    @property
    def admitted(self) -> float:
        return self.estimate("admitted")

    @property
    def atomic_admitted(self) -> float:
        return self.estimate("atomic_admitted")

    @property
    def overshoot(self) -> float:
        return self.estimate("overshoot")

    @property
    def overshoot_ratio(self) -> float:
        return self.estimate("overshoot_ratio")

    def __repr__(self) -> str:
        p = self._params
        return (
            f"RacyBucketResult(capacity={p['capacity']}, refill_rate={p['refill_rate']}, "
            f"rmw_delay_s={p['rmw_delay_s']}, admitted={self.admitted:.1f} vs atomic {self.atomic_admitted:.1f})"
        )


def _racy_args(capacity: Any, refill_rate: Any, rmw_delay_s: Any) -> tuple[float, float, float]:
    cap = _number("capacity", capacity)
    if not 1 <= cap <= 1e15:
        raise ValueError(f"capacity must be a number in [1, 1e15], got {capacity!r}")
    refill = _optional("refill_rate", refill_rate)
    if refill_rate is None:
        raise ValueError("refill_rate must be a finite number > 0, got None")
    delay = _number("rmw_delay_s", rmw_delay_s)
    if not (delay >= 0 and np.isfinite(delay)):
        raise ValueError(f"rmw_delay_s must be a finite number >= 0, got {rmw_delay_s!r}")
    return cap, refill, delay


def simulate_racy_token_bucket(
    capacity: float,
    refill_rate: float,
    rmw_delay_s: float,
    arrivals: Any,
    *,
    rate: float | None = None,
    duration_s: float | None = None,
    on_s: float | None = None,
    off_s: float | None = None,
    replications: int = 10,
    seed: int = 0,
    threads: int = 0,
    level: float = 0.95,
) -> RacyBucketResult:
    """A token bucket in a shared store, read and written back in separate steps.

    Each request (from any server) reads (tokens, last refill), refills and decides
    locally and, when it admits, writes (tokens - 1, its read time) back; the write lands
    ``rmw_delay_s`` later (a store round trip) and the last write wins. Requests reading
    while a write is in flight see stale tokens, so they can admit on a token another
    request has already spent. Compared with an atomic bucket on the same trace. arrivals:
    sorted timestamps or "steady", "poisson", "bursty" (``duration_s`` defaults to 100 s).
    """
    cap, refill, delay = _racy_args(capacity, refill_rate, rmw_delay_s)
    lvl = _level(level)
    if isinstance(arrivals, str) and arrivals == "adversarial":
        raise ValueError("arrivals must be steady, poisson, bursty or timestamps for the racy bucket")
    trace = _trace(
        arrivals,
        limit=1,
        window_s=1.0,
        rate=rate,
        duration_s=duration_s,
        on_s=on_s,
        off_s=off_s,
        spread_s=None,
    )
    reps, seed_v, n_threads = _whole("replications", replications, 1, 2**24), _seed(seed), _threads(threads)
    metrics = _progress.run(
        lambda: _s.limiter_racy_bucket(
            cap, refill, delay, trace.kind, trace.params, trace.times, reps, seed_v, n_threads
        ),
        "racy token bucket",
    )
    params = {
        "capacity": cap,
        "refill_rate": refill,
        "rmw_delay_s": delay,
        "rate": rate,
        "arrivals": arrivals if isinstance(arrivals, str) else "trace",
    }
    return RacyBucketResult(metrics, params, lvl)


def racy_token_bucket_decisions(
    capacity: float, refill_rate: float, rmw_delay_s: float, arrivals: Any
) -> npt.NDArray[np.bool_]:
    """Per-request decisions of the non-atomic bucket (see :func:`simulate_racy_token_bucket`)."""
    cap, refill, delay = _racy_args(capacity, refill_rate, rmw_delay_s)
    out: npt.NDArray[np.bool_] = _s.limiter_racy_decisions(cap, refill, delay, _times(arrivals))
    return out
