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
result then has ``stable`` False and infinite delays. So does a load at or above capacity
even when the run ends first: the mean arrival rate times the mean service time at or above
the servers left after permanent outages (speed-weighted), with no ``capacity`` buffer or
``timeout`` to shed it (replayed arrivals, a finite trace, are judged by the overflow only).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scalemodel import _core, _progress
from scalemodel._arrays import api_dir as _api_dir
from scalemodel._arrays import configure as _configure
from scalemodel._arrays import integer as _integer
from scalemodel._arrays import level as _level
from scalemodel._arrays import number as _number
from scalemodel._arrays import run_spec as _run_spec
from scalemodel._arrays import whole as _whole
from scalemodel.arrivals import (
    ArrivalProcess,
    Arrivals,
    Replay,
    _replayed_clients,
    _replayed_sizes,
    as_arrivals,
)
from scalemodel.distributions import Distribution, as_distribution
from scalemodel.results import Estimate as _Estimate
from scalemodel.results import ReplicatedResult

__all__ = [
    "HISTOGRAM_RELATIVE_ERROR",
    "L4_OVERHEAD_S",
    "L7_OVERHEAD_S",
    "MAX_QUEUED",
    "POLICIES",
    "BackendSearch",
    "Outage",
    "SimResult",
    "min_backends",
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

    def __post_init__(self) -> None:
        at, until = _number("at_s", self.at_s), _number("until_s", self.until_s)
        if not (at >= 0 and math.isfinite(at)):
            raise ValueError(f"at_s must be a finite number >= 0, got {self.at_s!r}")
        if not until > at:
            raise ValueError(f"until_s must be > at_s (inf: never recovers), got {self.until_s!r}")
        _whole("backend", self.backend, 0)
        if self.servers is not None:
            _whole("servers", self.servers, 1)


# --- results ------------------------------------------------------------------------------
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
        """False when some replication's queue overflowed, or the load is at or above capacity
        (see the module's documentation)."""
        return self._none_overflowed()

    mean_response = _Estimate("Mean response time (wait, service and balancer overhead), seconds.")
    mean_wait = _Estimate("Mean time in queue, seconds.")
    utilization = _Estimate("Share of server time spent serving.")
    throughput = _Estimate("Completed requests per second.")
    drop_rate = _Estimate("Share of arrivals dropped at a full station (``capacity``).")
    timeout_rate = _Estimate("Share of arrivals that gave up waiting (``timeout``).")
    fail_rate = _Estimate(
        "Share of arrivals that failed in an outage (their server failed, or no backend was up)."
    )

    @property
    def events(self) -> int:
        """Events processed over all replications (arrivals, departures, failures)."""
        return int(self._metrics["events"].sum())

    def _quantile(self, hist: str, q: Any) -> Any:
        # Before the first outage every server was up: those requests' delays are finite
        # unless the load was too much even then (the engine's per-replication p99 says).
        stable = self.stable or (
            hist == "response_before" and bool(np.all(np.isfinite(self._metrics["p99_response_before"])))
        )
        return _pooled_quantile(self._hist[hist], q, stable)

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
        return _latency_repr(self, f"utilization={self.utilization:.3g}, throughput={self.throughput:.4g}/s")


def _latency_repr(
    result: Any, details: str, unstable: str = f"a queue passed {MAX_QUEUED} waiting requests"
) -> str:
    """The repr of a simulated system's result: mean response with its interval and p99,
    then ``details``; or, when it is not stable, why."""
    name = type(result).__name__
    if not result.stable:
        return f"{name}(UNSTABLE: {unstable})"
    low, high = result.ci("mean_response")
    return (
        f"{name}({result.replications} replications: mean_response={result.mean_response:.4g} s "
        f"[{low:.4g}, {high:.4g}], p99={result.response_quantile(0.99):.4g} s, {details})"
    )


def _pooled_quantile(counts: np.ndarray, q: Any, stable: bool) -> Any:
    """q-quantile(s) from a simulation's histogram counts, shaped like q; inf when a
    replication overflowed (its delays have no finite quantile)."""
    qa = np.asarray(q, dtype=np.float64)
    if not stable:
        return np.full(qa.shape, np.inf)[()]
    return _s.histogram_quantile(counts, np.ascontiguousarray(qa.ravel())).reshape(qa.shape)[()]


# --- entry points -------------------------------------------------------------------------
#: Balancer policies; ``least_work``, ``power_of_two`` and ``ip_hash`` are accepted as aliases.
POLICIES: tuple[str, ...] = tuple(_s.POLICIES)


# The keywords simulate_queue and simulate_balancer share, passed on to _run as they are.
_OPTIONS = (
    "arrival_rate",
    "service",
    "service_times_s",
    "customers",
    "replications",
    "seed",
    "warmup",
    "capacity",
    "timeout",
    "outages",
    "threads",
    "level",
)


def _options(arguments: dict[str, Any]) -> dict[str, Any]:
    return {k: arguments[k] for k in _OPTIONS}


def _run(
    config: Any,
    params: dict[str, Any],
    *,
    arrival_rate: Any,
    service: Any,
    service_times_s: Any,
    customers: int | None,
    replications: int,
    seed: int,
    warmup: int | None,
    capacity: int | None,
    timeout: float | None,
    outages: Sequence[Outage],
    threads: int,
    level: float,
) -> SimResult:
    arrivals = as_arrivals("arrival_rate", arrival_rate)
    customers, warmup = _run_length(arrivals, "customers", customers, warmup)
    run = _run_spec(seed=seed, replications=replications, threads=threads)
    _level(level)
    config.arrivals = arrivals._engine
    if service_times_s is not None:
        sizes = _replayed_sizes("service_times_s", service_times_s, arrivals, "arrival_rate")
        if service is not None:
            raise ValueError("give service or service_times_s, not both")
        config.service_times = sizes
    elif service is None:
        raise TypeError("service must be a distribution or a mean in seconds (or give service_times_s)")
    else:
        config.service = as_distribution("service", service, number="exponential")._engine
    config.customers, config.warmup = customers, warmup
    config.capacity = 0 if capacity is None else _whole("capacity", capacity, 1)
    config.timeout = math.inf if timeout is None else _number("timeout", timeout)
    if isinstance(outages, (Outage, str, bytes)) or not isinstance(outages, Iterable):
        raise TypeError(f"outages must be a sequence of Outage objects, got {type(outages).__name__}")
    config.outages = [_outage(o) for o in outages]
    raw = _progress.run(lambda: _s.simulate_stations(config, run), "simulation")
    params = {
        **params,
        "customers": customers,
        "warmup": warmup,
        "replications": run.replications,
        "seed": run.seed,
    }
    return SimResult(raw, params, level)


def _run_length(arrivals: ArrivalProcess, name: str, counted: Any, warmup: Any) -> tuple[int, int]:
    """How many arrivals a replication counts (the keyword ``name``) after how many
    discarded: by default 100,000 after 10% more; for a replay, every timestamp after a
    tenth of them."""
    if not isinstance(arrivals, Replay):
        counted = _whole(name, 100_000 if counted is None else counted, 1)
        return counted, _whole("warmup", counted // 10 if warmup is None else warmup, 0)
    available = int(arrivals.timestamps.size)
    warmup = _whole("warmup", available // 10 if warmup is None else warmup, 0)
    counted = _whole(name, available - warmup if counted is None else counted, 1)
    if warmup + counted > available:
        raise ValueError(
            f"warmup + {name} must be at most the {available} replayed timestamps, got {warmup} + {counted}"
        )
    return counted, warmup


def _outage(o: Any) -> Any:
    if not isinstance(o, Outage):
        raise TypeError(f"outages must be Outage objects, got {type(o).__name__}")
    out = _s.Outage()
    out.backend = _integer("outage backend", o.backend)
    out.servers = 0 if o.servers is None else _whole("outage servers", o.servers, 1)
    out.at_s, out.until_s = _number("outage at_s", o.at_s), _number("outage until_s", o.until_s)
    return out


def simulate_queue(
    arrival_rate: Arrivals,
    service: Distribution | float | None,
    servers: int = 1,
    *,
    service_times_s: Any = None,
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
    service: a :class:`Distribution` or a mean in seconds (exponential).
    service_times_s: instead of ``service``, the recorded service time (seconds) of each
    replayed arrival, in order, so a log is replayed exactly (arrivals and sizes; one per
    timestamp; ``service`` None). customers:
    counted customers per replication (default 100,000; for a replay, all timestamps
    after the warm-up); warmup: customers discarded first (default 10% of customers).
    capacity: most requests in the station (queue + service); arrivals beyond it are
    dropped. timeout: seconds a request waits in the queue before it gives up.
    outages: :class:`Outage` s of some servers mid-run. threads: 0 uses every core; the
    result does not depend on it. level: confidence level of the intervals.
    """
    config = _s.StationsConfig()
    c = _whole("servers", servers, 1)
    config.servers, config.speeds, config.weights = [c], [1.0], [1.0]
    return _run(
        config, {"servers": c, "service": service, "arrival_rate": arrival_rate}, **_options(locals())
    )


def simulate_balancer(
    policy: str,
    backends: int,
    arrival_rate: Arrivals,
    service: Distribution | float | None,
    *,
    service_times_s: Any = None,
    servers_per_backend: int = 1,
    speeds: Any = None,
    weights: Any = None,
    d: int = 2,
    replacement: bool = True,
    clients: int = 1000,
    client_keys: Any = None,
    client_skew: float = 1.0,
    draws: Any = None,
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
    request's size); ``power_of_d`` (the least loaded, by requests in the backend, of ``d``
    backends drawn at random; ``power_of_two`` is d = 2): with ``replacement=True``, the
    default, the d draws are independent and may repeat a backend, as in the
    supermarket model and haproxy's ``balance random(2)``; ``replacement=False`` draws d
    distinct backends (nginx's ``random two``), which balances better with few backends;
    ``sticky`` (``clients`` clients, each
    hashed to one backend; client k sends a share proportional to k^-client_skew, a Zipf
    law). speeds: per-backend service-speed multipliers (default 1). weights: for
    ``weighted_round_robin`` its weights (default the speeds); for ``random`` and
    ``power_of_d``, when given, each backend is drawn with probability proportional to its
    weight (default: uniformly). haproxy's ``random`` draws from a consistent-hash ring
    whose arcs are unequal (:func:`scalemodel.hashing.haproxy_random_shares`: 18.5% to 28.9%
    on 4 servers), so its draws are weighted. overhead_s: balancer
    latency added to each response (see :data:`L4_OVERHEAD_S`, :data:`L7_OVERHEAD_S`).
    outages: :class:`Outage` s, e.g. ``Outage(at_s=60, backend=0)`` kills backend 0 at 60 s;
    compare ``response_quantile_before``/``_after`` and :meth:`SimResult.backends`.
    client_keys: with ``sticky``, each replayed request's client (an IP address, a user
    id: any values), in order; each distinct key is one client hashed to a backend (then
    ``clients`` and ``client_skew`` are not used).
    service_times_s: each replayed request's own service time (seconds, at speed 1), with
    ``arrival_rate`` its timestamps and ``service`` None: an exact replay of a recorded
    sequence (only the balancer's random choices differ between replications).
    draws: for ``random`` and ``power_of_d`` with replacement, the balancer's own draws
    (backend indices, ``d`` per request for power_of_d, in order) instead of random ones:
    every replication replays them, and a tie goes to the later draw, as in haproxy.
    haproxy starts its generator from the same state in every process, so each run of
    ``balance random(2)`` makes the same draws: :func:`scalemodel.hashing.haproxy_random_draws`
    computes them (on the haproxy lab they move the mean response by +14%, to within 2% of
    haproxy's, from the ring-weighted model's average over draws).
    Other arguments as in :func:`simulate_queue`.
    """
    config = _configure(
        _s.StationsConfig(), locals(), "policy", "replacement", "clients", "client_skew", "overhead_s"
    )
    n = _whole("backends", backends, 1, 100_000)  # the engine's limit, checked before arrays of n
    c = _whole("servers_per_backend", servers_per_backend, 1, 100_000)  # the station's limit
    sp = np.ones(n) if speeds is None else np.asarray(speeds, dtype=np.float64)
    if sp.shape not in ((), (n,)):
        raise ValueError(f"speeds must be a scalar or have one entry per backend ({n})")
    sp = np.broadcast_to(sp, (n,))
    w = sp if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape not in ((), (n,)):
        raise ValueError(f"weights must be a scalar or have one entry per backend ({n})")
    config.servers, config.speeds, config.weights = [c] * n, sp.tolist(), np.broadcast_to(w, (n,)).tolist()
    if weights is not None and config.policy in ("random", "power_of_d"):
        config.draw_weights = config.weights
    config.d = 2 if policy == "power_of_two" else _integer("d", d)
    if client_keys is not None:
        config.clients, config.client_ids = _replayed_clients("client_keys", client_keys)
    if draws is not None:
        picks = np.asarray(draws)
        if picks.dtype.kind not in "iu" or picks.ndim != 1 or picks.size == 0:
            raise TypeError("draws must be a non-empty 1-d array of backend indices")
        config.draws = picks.astype(np.int64).tolist()
    params = {
        "policy": config.policy,
        "backends": n,
        "servers_per_backend": c,
        "d": config.d,
        "replacement": config.replacement,
        "service": service,
    }
    return _run(config, params, **_options(locals()))


@dataclass(frozen=True)
class BackendSearch:
    """The answer of :func:`min_backends`: ``backends``, the fewest that met the target
    (None if even ``max_backends`` did not), and ``tried``, one row per count simulated."""

    backends: int | None
    tried: pd.DataFrame


def min_backends(
    policy: str,
    arrival_rate: float,
    service: Distribution | float,
    p99: float,
    *,
    down: int = 0,
    servers_per_backend: int = 1,
    max_backends: int = 10_000,
    customers: int = 50_000,
    replications: int = 8,
    seed: int = 0,
    threads: int = 0,
    level: float = 0.95,
) -> BackendSearch:
    """The fewest backends behind a ``policy`` balancer whose p99 response stays within
    ``p99`` seconds with ``down`` of them failed for the whole run, found by simulation.

    A count meets the target when the upper end of the interval (at ``level``) of the
    per-replication p99 is within it (so the answer errs high). The search doubles from the fewest backends
    that could carry the load (with ``down`` removed) and then bisects; it assumes that more
    backends never make the p99 worse. Other arguments as in :func:`simulate_balancer`."""
    lvl = _level(level)
    p99 = _number("p99", p99)
    if not p99 > 0:
        raise ValueError(f"p99 must be > 0 seconds, got {p99}")
    k = _whole("down", down, 0)
    c = _whole("servers_per_backend", servers_per_backend, 1)
    top = _whole("max_backends", max_backends, 1, 100_000)
    if k >= top:
        raise ValueError(f"down must be below max_backends ({top}), got {down!r}")
    dist = as_distribution("service", service, number="exponential")
    rate = _number("arrival_rate", arrival_rate)
    if not (0 < rate < math.inf):
        raise ValueError(f"arrival_rate must be a finite number > 0, got {arrival_rate!r}")
    rows: list[dict[str, Any]] = []

    def meets(n: int) -> bool:
        outages = [Outage(at_s=0.0, backend=i) for i in range(k)]
        r = simulate_balancer(
            policy,
            n,
            rate,
            dist,
            servers_per_backend=c,
            outages=outages,
            customers=customers,
            replications=replications,
            seed=seed,
            threads=threads,
            level=lvl,
        )
        high = r.ci("p99_response")[1] if r.stable else math.inf
        rows.append(
            {"backends": n, "p99": r.estimate("p99_response") if r.stable else math.inf, "p99_ci_high": high}
        )
        return bool(high <= p99)

    fewest = rate * dist.mean / c
    if not fewest <= top:  # more backends than max_backends could carry the load alone
        return BackendSearch(None, pd.DataFrame(columns=["p99", "p99_ci_high"]).rename_axis("backends"))
    n = max(k + 1, k + math.ceil(fewest))  # the fewest that could carry the load
    low = n - 1
    while n <= top and not meets(n):
        low, n = n, min(top + 1, 2 * n)
    if n > top:
        found = None
    else:
        high = n
        while high - low > 1:  # low fails, high meets
            mid = (low + high) // 2
            low, high = (low, mid) if meets(mid) else (mid, high)
        found = high
    tried = pd.DataFrame(rows).drop_duplicates("backends").sort_values("backends").set_index("backends")
    return BackendSearch(found, tried)


__dir__ = _api_dir(globals())
