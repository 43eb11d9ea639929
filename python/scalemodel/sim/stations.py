"""Discrete-event simulation of c-server stations and load balancers.

The simulator checks the closed forms in :mod:`scalemodel.queueing` and answers what they
cannot: heavy-tailed and mixed service times, bursty or replayed arrivals, balancer
policies, buffers, timeouts and servers that fail mid-run.

Units: seconds and requests per second. Every run is ``replications`` independent
replications; replication r draws from its own random stream (seed, r), so the same seed
gives the same result on any number of threads. Each replication discards ``warmup``
customers and then counts ``customers``; after the last arrival the system is drained,
so every counted customer's response time is recorded. Estimates are means over
replications with Student-t confidence intervals (:meth:`SimResult.ci`). Memory does not
grow with the run length: quantiles come from a log-bucketed histogram whose relative
error is at most :data:`HISTOGRAM_RELATIVE_ERROR` (0.39%). A queue that grows past
:data:`MAX_QUEUED` waiting requests (an overloaded system) stops its replication; the
result then has ``stable`` False and infinite delays.
"""

from __future__ import annotations

import abc
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Union

import numpy as np
import pandas as pd

from scalemodel import _core, _progress
from scalemodel._arrays import level as _level
from scalemodel._arrays import seed as _seed
from scalemodel._arrays import threads as _threads
from scalemodel._arrays import whole as _whole
from scalemodel.sim.results import ReplicatedResult

__all__ = [
    "HISTOGRAM_RELATIVE_ERROR",
    "L4_OVERHEAD_S",
    "L7_OVERHEAD_S",
    "MAX_QUEUED",
    "MMPP",
    "POLICIES",
    "Deterministic",
    "Distribution",
    "Exponential",
    "Lognormal",
    "Mixture",
    "OnOff",
    "Outage",
    "Pareto",
    "Periodic",
    "Poisson",
    "Replay",
    "SimResult",
    "simulate_balancer",
    "simulate_queue",
]

_s = _core.sim

HISTOGRAM_RELATIVE_ERROR: float = float(_s.HISTOGRAM_RELATIVE_ERROR)
MAX_QUEUED: int = int(_s.MAX_QUEUED)
#: Assumed per-request latency of a layer-4 balancer (forwards packets): 50 microseconds.
L4_OVERHEAD_S = 50e-6
#: Assumed per-request latency of a layer-7 balancer (terminates TLS and parses HTTP): 1 ms.
L7_OVERHEAD_S = 1e-3


# --- service-time distributions -----------------------------------------------------------
class Distribution(abc.ABC):
    """A service-time distribution; ``mean`` in seconds, ``scv`` = variance / mean^2."""

    _kind: ClassVar[int]
    # Subclasses provide ``mean`` (seconds) and ``scv`` (variance / mean^2, inf when the
    # variance is infinite), as fields or properties.
    mean: float
    scv: float

    @abc.abstractmethod
    def _rows(self) -> list[tuple[float, int, float, float]]:
        """The engine's encoding: (weight, kind, parameter, parameter) per mixture component."""

    @property
    def second_moment(self) -> float:
        return self.mean**2 * (1.0 + self.scv)


def _positive(name: str, value: Any, *, zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    v = float(value)
    ok = v >= 0 if zero else v > 0
    if not ok or not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number {'>=' if zero else '>'} 0, got {value!r}")
    return v


@dataclass(frozen=True)
class Exponential(Distribution):
    """Exponential service time with the given mean (seconds)."""

    mean: float
    _kind: ClassVar[int] = 0

    def __post_init__(self) -> None:
        _positive("mean", self.mean)

    @property
    def scv(self) -> float:
        return 1.0

    def _rows(self) -> list[tuple[float, int, float, float]]:
        return [(1.0, 0, float(self.mean), 0.0)]


@dataclass(frozen=True)
class Deterministic(Distribution):
    """A constant service time (seconds)."""

    value: float
    _kind: ClassVar[int] = 1

    def __post_init__(self) -> None:
        _positive("value", self.value, zero=True)

    @property
    def mean(self) -> float:
        return float(self.value)

    @property
    def scv(self) -> float:
        return 0.0

    def _rows(self) -> list[tuple[float, int, float, float]]:
        return [(1.0, 1, float(self.value), 0.0)]


@dataclass(frozen=True)
class Lognormal(Distribution):
    """Lognormal service time with the given mean (seconds); sigma is the std. dev. of log X."""

    mean: float
    sigma: float = 1.0
    _kind: ClassVar[int] = 2

    def __post_init__(self) -> None:
        _positive("mean", self.mean)
        if _positive("sigma", self.sigma, zero=True) > 10:
            raise ValueError(f"sigma must be in [0, 10], got {self.sigma!r}")

    @property
    def scv(self) -> float:
        return math.expm1(self.sigma**2)

    def _rows(self) -> list[tuple[float, int, float, float]]:
        return [(1.0, 2, float(self.mean), float(self.sigma))]


@dataclass(frozen=True)
class Pareto(Distribution):
    """Pareto (type I) service time with the given mean (seconds) and tail index alpha > 1.

    P(X > x) = (x_m / x)^alpha for x >= x_m = mean (alpha - 1) / alpha. The variance is
    infinite for alpha <= 2.
    """

    mean: float
    alpha: float = 2.5
    _kind: ClassVar[int] = 3

    def __post_init__(self) -> None:
        _positive("mean", self.mean)
        if not (_positive("alpha", self.alpha) > 1.0):
            raise ValueError(f"alpha must be > 1 (a finite mean), got {self.alpha!r}")

    @property
    def scv(self) -> float:
        a = float(self.alpha)
        return 1.0 / (a * (a - 2.0)) if a > 2.0 else math.inf

    def _rows(self) -> list[tuple[float, int, float, float]]:
        return [(1.0, 3, float(self.mean), float(self.alpha))]


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
            comps.append((_positive("weight", item[0], zero=True), item[1]))
        total = sum(w for w, _ in comps)
        if not comps or total <= 0:
            raise ValueError("components must hold at least one positive weight")
        object.__setattr__(self, "components", tuple((w / total, d) for w, d in comps))

    @property
    def mean(self) -> float:
        return sum(w * d.mean for w, d in self.components)

    @property
    def scv(self) -> float:
        m2 = sum(w * d.second_moment for w, d in self.components)
        return m2 / self.mean**2 - 1.0

    def _rows(self) -> list[tuple[float, int, float, float]]:
        return [(w * rw, k, m, s) for w, d in self.components for rw, k, m, s in d._rows()]


# --- arrival processes --------------------------------------------------------------------
@dataclass(frozen=True)
class Poisson:
    """Poisson arrivals at ``rate`` requests/s."""

    rate: float

    def _spec(self) -> tuple[int, list[float], np.ndarray]:
        return 0, [float(self.rate), 0.0, 1.0, 1.0], _NO_TIMES


@dataclass(frozen=True)
class Periodic:
    """Deterministic arrivals, one every 1/rate seconds."""

    rate: float

    def _spec(self) -> tuple[int, list[float], np.ndarray]:
        return 1, [float(self.rate), 0.0, 1.0, 1.0], _NO_TIMES


@dataclass(frozen=True)
class MMPP:
    """Two-state Markov-modulated Poisson process: ``rate_high`` for exponential periods of
    mean ``mean_high_s``, then ``rate_low`` for periods of mean ``mean_low_s``."""

    rate_high: float
    rate_low: float
    mean_high_s: float
    mean_low_s: float

    @property
    def rate(self) -> float:
        """Long-run mean arrival rate."""
        h, low = self.mean_high_s, self.mean_low_s
        return (self.rate_high * h + self.rate_low * low) / (h + low)

    def _spec(self) -> tuple[int, list[float], np.ndarray]:
        p = [self.rate_high, self.rate_low, self.mean_high_s, self.mean_low_s]
        return 2, [float(x) for x in p], _NO_TIMES


def OnOff(rate: float, mean_on_s: float, mean_off_s: float) -> MMPP:
    """Bursty on/off traffic: Poisson at ``rate`` while on, silent while off."""
    return MMPP(rate, 0.0, mean_on_s, mean_off_s)


@dataclass(frozen=True, eq=False)
class Replay:
    """Arrivals replayed from sorted timestamps (seconds), e.g. from a production log."""

    timestamps: np.ndarray

    def __post_init__(self) -> None:
        t = np.asarray(self.timestamps)
        if t.dtype.kind not in "iuf" or t.ndim != 1:
            raise TypeError("timestamps must be a 1-d array of numbers")
        if t.size == 0:
            raise ValueError("timestamps must not be empty")
        object.__setattr__(self, "timestamps", np.ascontiguousarray(t, dtype=np.float64))

    @property
    def rate(self) -> float:
        t = self.timestamps
        return (t.size - 1) / (t[-1] - t[0]) if t[-1] > t[0] else math.inf

    def _spec(self) -> tuple[int, list[float], np.ndarray]:
        return 3, [1.0, 0.0, 1.0, 1.0], self.timestamps


_NO_TIMES = np.zeros(0, dtype=np.float64)
Arrivals = Union[float, Poisson, Periodic, MMPP, Replay, np.ndarray]


def _arrivals(value: Any) -> Poisson | Periodic | MMPP | Replay:
    if isinstance(value, (Poisson, Periodic, MMPP, Replay)):
        return value
    if isinstance(value, (np.ndarray, list, tuple)):
        return Replay(np.asarray(value))
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            "arrival_rate must be a rate (requests/s), an arrival process (Poisson, Periodic, "
            f"MMPP, OnOff, Replay) or an array of timestamps, got {type(value).__name__}"
        )
    return Poisson(float(value))


# --- outages ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outage:
    """Servers fail at ``at_s`` and come back at ``until_s`` (inf: never).

    ``backend`` picks the backend of a balancer (0 for a single station); ``servers`` is how
    many of its servers fail (None: all of them, the whole backend is down). Requests in
    service on a failed server fail; a backend with no server left loses its queue too and
    the balancer stops sending it traffic.
    """

    at_s: float
    until_s: float = math.inf
    backend: int = 0
    servers: int | None = None


# --- results ------------------------------------------------------------------------------
_METRIC_DOCS = {
    "mean_wait": "mean time in queue, s",
    "mean_response": "mean response time (wait + service + balancer overhead), s",
    "throughput": "completions per second in the measurement window",
    "utilization": "busy fraction of all servers",
    "drop_rate": "fraction of arrivals refused by a full buffer",
    "timeout_rate": "fraction of arrivals that gave up waiting",
    "fail_rate": "fraction of arrivals lost to failed servers",
    "imbalance": "requests sent to the busiest backend / mean per backend",
}


class SimResult(ReplicatedResult):
    """Results of :func:`simulate_queue` or :func:`simulate_balancer`.

    Point estimates are means over replications; :meth:`ci` gives their Student-t interval.
    Quantiles from :meth:`response_quantile` pool the histograms of every replication; the
    per-replication p50/p95/p99/p99.9 (``ci("p99_response")``) carry intervals.
    """

    def __init__(self, raw: dict[str, Any], params: dict[str, Any], level: float) -> None:
        super().__init__(dict(raw["metrics"]), params, level)
        self._backends: dict[str, np.ndarray] = dict(raw["backends"])
        self._servers: dict[str, np.ndarray] = dict(raw["servers"])
        self._hist: dict[str, np.ndarray] = dict(raw["histograms"])

    @property
    def stable(self) -> bool:
        """False when some replication's queue overflowed (load at or above capacity)."""
        return not bool(np.any(self._metrics["overflow"] > 0))

    @property
    def mean_response(self) -> float:
        return self.estimate("mean_response")

    @property
    def mean_wait(self) -> float:
        return self.estimate("mean_wait")

    @property
    def utilization(self) -> float:
        return self.estimate("utilization")

    @property
    def throughput(self) -> float:
        return self.estimate("throughput")

    @property
    def drop_rate(self) -> float:
        return self.estimate("drop_rate")

    @property
    def timeout_rate(self) -> float:
        return self.estimate("timeout_rate")

    @property
    def fail_rate(self) -> float:
        return self.estimate("fail_rate")

    @property
    def events(self) -> int:
        """Events processed over all replications (arrivals, departures, failures)."""
        return int(self._metrics["events"].sum())

    def _quantile(self, hist: str, q: Any) -> Any:
        qa = np.asarray(q, dtype=np.float64)
        if not self.stable:
            return np.full(qa.shape, np.inf)[()]
        out = _s.histogram_quantile(self._hist[hist], np.ascontiguousarray(qa.ravel()))
        return out.reshape(qa.shape)[()]

    def response_quantile(self, q: Any) -> Any:
        """q-quantile of the response time over all replications, seconds (within 0.39%)."""
        return self._quantile("response", q)

    def wait_quantile(self, q: Any) -> Any:
        """q-quantile of the time in queue over all replications, seconds (within 0.39%)."""
        return self._quantile("wait", q)

    def response_quantile_before(self, q: Any) -> Any:
        """Response-time quantile of requests that arrived before the first outage."""
        return self._quantile("response_before", q)

    def response_quantile_after(self, q: Any) -> Any:
        """Response-time quantile of requests that arrived after the first outage began."""
        return self._quantile("response_after", q)

    def response_histogram(self) -> tuple[np.ndarray, np.ndarray]:
        """(bucket values in seconds, counts) of the pooled response times, empty buckets dropped."""
        counts = self._hist["response"]
        keep = counts > 0
        return _s.histogram_edges()[keep], counts[keep].copy()

    def backends(self) -> pd.DataFrame:
        """One row per backend: share of arrivals, throughput, utilization (overall, before
        and after the first outage), mean response, drops and failures; means over replications."""
        frame = pd.DataFrame(self._backends)
        frame.index.name = "backend"
        return frame

    def servers(self) -> pd.DataFrame:
        """One row per server: throughput and utilization, means over replications."""
        frame = pd.DataFrame(self._servers)
        frame.index.name = "server"
        return frame

    def __repr__(self) -> str:
        if not self.stable:
            return f"SimResult(UNSTABLE: a queue passed {MAX_QUEUED} waiting requests)"
        low, high = self.ci("mean_response")
        return (
            f"SimResult({self.replications} replications: mean_response={self.mean_response:.4g} s "
            f"[{low:.4g}, {high:.4g}], p99={self.response_quantile(0.99):.4g} s, "
            f"utilization={self.utilization:.3g}, throughput={self.throughput:.4g}/s)"
        )


# --- entry points -------------------------------------------------------------------------
POLICIES = {
    "random": 0,
    "round_robin": 1,
    "weighted_round_robin": 2,
    "least_connections": 3,
    "least_outstanding_work": 4,
    "power_of_d": 5,
    "sticky": 6,
}
_ALIASES = {"least_work": "least_outstanding_work", "power_of_two": "power_of_d", "ip_hash": "sticky"}


def _service(service: Any) -> np.ndarray:
    if isinstance(service, bool) or not isinstance(service, (Distribution, numbers.Real)):
        raise TypeError(
            "service must be a Distribution (Exponential, Deterministic, Lognormal, Pareto, "
            f"Mixture) or a mean in seconds (exponential), got {type(service).__name__}"
        )
    dist = service if isinstance(service, Distribution) else Exponential(float(service))
    return np.ascontiguousarray(np.array(dist._rows(), dtype=np.float64).ravel())


def _run(
    *,
    servers: np.ndarray,
    speeds: np.ndarray,
    weights: np.ndarray,
    policy: int,
    d: int,
    clients: int,
    client_skew: float,
    overhead_s: float,
    arrival_rate: Any,
    service: Any,
    customers: int | None,
    replications: int,
    seed: int,
    warmup: int | None,
    capacity: int | None,
    timeout: float | None,
    outages: Sequence[Outage],
    threads: int,
    level: float,
    params: dict[str, Any],
) -> SimResult:
    arrivals = _arrivals(arrival_rate)
    kind, aparams, times = arrivals._spec()
    replications = _whole("replications", replications, 1)
    if isinstance(arrivals, Replay):
        available = int(times.size)
        if warmup is None:
            warmup = available // 10
        warmup = _whole("warmup", warmup, 0)
        if customers is None:
            customers = available - warmup
        customers = _whole("customers", customers, 1)
        if warmup + customers > available:
            raise ValueError(
                f"warmup + customers must be at most the {available} replayed timestamps, "
                f"got {warmup} + {customers}"
            )
    else:
        customers = _whole("customers", 100_000 if customers is None else customers, 1)
        warmup = _whole("warmup", customers // 10 if warmup is None else warmup, 0)
    seed = _seed(seed)
    if seed >= 2**64:
        raise ValueError(f"seed must be a whole number in [0, 2**64), got {seed}")
    threads = _threads(threads)
    _level(level)
    cap = 0 if capacity is None else _whole("capacity", capacity, 1)
    tmo = math.inf if timeout is None else _positive("timeout", timeout)
    rows = []
    for o in outages:
        if not isinstance(o, Outage):
            raise TypeError(f"outages must be Outage objects, got {type(o).__name__}")
        b = _whole("outage backend", o.backend, 0)
        if b >= servers.size:
            raise ValueError(f"outage backend must be in [0, {servers.size - 1}], got {b}")
        k = int(servers[b]) if o.servers is None else _whole("outage servers", o.servers, 1)
        rows.append([b, k, float(o.at_s), float(o.until_s)])
    out = np.ascontiguousarray(np.array(rows, dtype=np.float64).reshape(-1))
    raw = _progress.run(
        lambda: _s.simulate(
            servers,
            speeds,
            weights,
            policy,
            d,
            clients,
            client_skew,
            overhead_s,
            cap,
            tmo,
            out,
            kind,
            np.array(aparams, dtype=np.float64),
            times,
            _service(service),
            customers,
            warmup,
            replications,
            seed,
            threads,
        ),
        "simulation",
    )
    params = {**params, "customers": customers, "warmup": warmup, "replications": replications, "seed": seed}
    return SimResult(raw, params, level)


def simulate_queue(
    arrival_rate: Arrivals,
    service: Distribution | float,
    servers: int = 1,
    *,
    customers: int | None = None,
    replications: int = 10,
    seed: int = 0,
    warmup: int | None = None,
    capacity: int | None = None,
    timeout: float | None = None,
    outages: Sequence[Outage] = (),
    threads: int = 0,
    level: float = 0.95,
) -> SimResult:
    """Simulate a station of ``servers`` identical servers sharing one FIFO queue.

    arrival_rate: Poisson rate (requests/s), an arrival process (:class:`Poisson`,
    :class:`Periodic`, :class:`MMPP`, :func:`OnOff`) or sorted timestamps to replay.
    service: a :class:`Distribution` or a mean in seconds (exponential). customers:
    counted customers per replication (default 100,000; for a replay, all timestamps
    after the warm-up); warmup: customers discarded first (default 10% of customers).
    capacity: most requests in the station (queue + service); arrivals beyond it are
    dropped. timeout: seconds a request waits in the queue before it gives up.
    outages: :class:`Outage` s of some servers mid-run. threads: 0 uses every core; the
    result does not depend on it. level: confidence level of the intervals.
    """
    c = _whole("servers", servers, 1)
    return _run(
        servers=np.array([c], dtype=np.int64),
        speeds=np.ones(1),
        weights=np.ones(1),
        policy=0,
        d=1,
        clients=1,
        client_skew=0.0,
        overhead_s=0.0,
        arrival_rate=arrival_rate,
        service=service,
        customers=customers,
        replications=replications,
        seed=seed,
        warmup=warmup,
        capacity=capacity,
        timeout=timeout,
        outages=outages,
        threads=threads,
        level=level,
        params={"servers": c, "service": service, "arrival_rate": arrival_rate},
    )


def simulate_balancer(
    policy: str,
    backends: int,
    arrival_rate: Arrivals,
    service: Distribution | float,
    *,
    servers_per_backend: int = 1,
    speeds: Any = None,
    weights: Any = None,
    d: int = 2,
    clients: int = 1000,
    client_skew: float = 1.0,
    overhead_s: float = 0.0,
    customers: int | None = None,
    replications: int = 10,
    seed: int = 0,
    warmup: int | None = None,
    capacity: int | None = None,
    timeout: float | None = None,
    outages: Sequence[Outage] = (),
    threads: int = 0,
    level: float = 0.95,
) -> SimResult:
    """Simulate a balancer spreading requests over ``backends`` backends, each a station of
    ``servers_per_backend`` servers with its own FIFO queue.

    policy: ``random``; ``round_robin``; ``weighted_round_robin`` (smooth, by ``weights``,
    default the speeds); ``least_connections`` (fewest requests in the backend; the scan
    starts at a random backend, so ties do not always favour the same one);
    ``least_outstanding_work`` (least unfinished work, assuming the balancer knows each
    request's size); ``power_of_d`` (the less loaded of ``d`` backends drawn at random
    with replacement; ``power_of_two`` is d = 2); ``sticky`` (``clients`` clients, each
    hashed to one backend; client k sends a share proportional to k^-client_skew, a Zipf
    law). speeds: per-backend service-speed multipliers (default 1). overhead_s: balancer
    latency added to each response (see :data:`L4_OVERHEAD_S`, :data:`L7_OVERHEAD_S`).
    outages: :class:`Outage` s, e.g. ``Outage(at_s=60, backend=0)`` kills backend 0 at 60 s;
    compare ``response_quantile_before``/``_after`` and :meth:`SimResult.backends`.
    Other arguments as in :func:`simulate_queue`.
    """
    if not isinstance(policy, str):
        raise TypeError(f"policy must be a string, got {type(policy).__name__}")
    name = _ALIASES.get(policy, policy)
    if name not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}; got {policy!r}")
    n = _whole("backends", backends, 1, 100_000)  # the engine's limit, checked before arrays of n
    c = _whole("servers_per_backend", servers_per_backend, 1)
    sp = np.ones(n) if speeds is None else np.asarray(speeds, dtype=np.float64)
    if sp.shape not in ((), (n,)):
        raise ValueError(f"speeds must be a scalar or have one entry per backend ({n})")
    sp = np.ascontiguousarray(np.broadcast_to(sp, (n,)), dtype=np.float64)
    w = sp if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape not in ((), (n,)):
        raise ValueError(f"weights must be a scalar or have one entry per backend ({n})")
    w = np.ascontiguousarray(np.broadcast_to(w, (n,)), dtype=np.float64)
    if policy == "power_of_two":
        d = 2
    return _run(
        servers=np.full(n, c, dtype=np.int64),
        speeds=sp,
        weights=w,
        policy=POLICIES[name],
        d=_whole("d", d, 1, 64),
        clients=_whole("clients", clients, 1),
        client_skew=_positive("client_skew", client_skew, zero=True),
        overhead_s=_positive("overhead_s", overhead_s, zero=True),
        arrival_rate=arrival_rate,
        service=service,
        customers=customers,
        replications=replications,
        seed=seed,
        warmup=warmup,
        capacity=capacity,
        timeout=timeout,
        outages=outages,
        threads=threads,
        level=level,
        params={"policy": name, "backends": n, "servers_per_backend": c, "d": d, "service": service},
    )
