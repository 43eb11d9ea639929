"""Queueing-theory capacity models.

Units: times in seconds, rates in requests per second. Every parameter accepts a scalar
or a NumPy array; arrays broadcast against each other like NumPy. An unstable point
(load >= capacity) is a result, not an error: its delays are ``inf`` and ``stable`` is
False. Invalid input raises ``ValueError`` naming the parameter and the allowed range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import numpy as np
import pandas as pd

from scalemodel import _core, _progress
from scalemodel._arrays import api_dir as _api_dir
from scalemodel._arrays import (
    as_count,
    as_float,
    broadcast,
    configure,
    integer,
    number,
    shaped,
    vectorized,
    whole,
)
from scalemodel.results import MetricAttribute as _MetricAttribute
from scalemodel.results import TableDisplay as _TableDisplay

__all__ = [
    "MD1",
    "MG1",
    "MM1",
    "USL",
    "GGc",
    "JacksonResult",
    "MMc",
    "MMcK",
    "MVAResult",
    "RetryQueue",
    "erlang_b",
    "erlang_c",
    "jackson",
    "littles_law",
    "max_arrival_rate",
    "min_servers",
    "mva",
    "why_no_servers",
]

_q = _core.queueing


def erlang_b(servers: Any, offered_load: Any) -> Any:
    """Erlang B: probability that an arrival is blocked in an M/M/c/c loss system.

    servers: whole number >= 1. offered_load: arrival rate x mean service time, in
    erlangs (>= 0). Computed through the incomplete gamma function (no factorials):
    about 1e-13 relative up to 10^4 servers, within 1e-10 up to 10^6 servers even with
    the load next to ``servers``.
    """
    return vectorized(_q.erlang_b, locals(), servers=as_count)


def erlang_c(servers: Any, offered_load: Any) -> Any:
    """Erlang C: probability that an arrival waits in an M/M/c queue.

    Same arguments as :func:`erlang_b`. Equals 1 where ``offered_load >= servers``.
    """
    return vectorized(_q.erlang_c, locals(), servers=as_count)


def littles_law(*, arrival_rate: Any = None, mean_time: Any = None, mean_number: Any = None) -> Any:
    """Little's law L = lambda W: give any two of the three, get the third.

    arrival_rate in requests/s, mean_time in seconds (W), mean_number in requests (L).
    """
    given = {
        k: v
        for k, v in dict(arrival_rate=arrival_rate, mean_time=mean_time, mean_number=mean_number).items()
        if v is not None
    }
    if len(given) != 2:
        raise TypeError("littles_law takes exactly two of arrival_rate, mean_time, mean_number")
    values = {k: as_float(k, v) for k, v in given.items()}
    for k, v in values.items():
        if np.any(~(v >= 0)) or np.any(~np.isfinite(v)):
            raise ValueError(f"{k} must be a finite number >= 0")
    if mean_number is None:
        with np.errstate(over="ignore"):  # a product past double range is inf
            return (values["arrival_rate"] * values["mean_time"])[()]
    if mean_time is None:
        with np.errstate(divide="ignore", invalid="ignore"):
            return (values["mean_number"] / values["arrival_rate"])[()]
    with np.errstate(divide="ignore", invalid="ignore"):
        return (values["mean_number"] / values["mean_time"])[()]


class _Metric(_MetricAttribute[Any]):
    """A metric of a closed-form model, shaped like its broadcast parameters."""

    _reader = "_get"


class _Station(_TableDisplay):
    """Shared face of the single-station models: metrics, quantiles, repr, frames."""

    # The engine's quantile function for this model: (*parameters, q, "wait"|"response").
    _quantile_kernel: ClassVar[Callable[..., np.ndarray]]
    _metric_names: ClassVar[tuple[str, ...]] = (
        "stable",
        "utilization",
        "prob_wait",
        "throughput",
        "mean_queue_length",
        "mean_in_system",
        "mean_wait",
        "mean_response",
    )
    __slots__ = ("_inputs", "_metrics", "_shape")

    _shape: tuple[int, ...]
    _inputs: dict[str, np.ndarray]
    _metrics: dict[str, np.ndarray]

    def _setup(self, inputs: dict[str, np.ndarray], compute: Callable[..., dict[str, np.ndarray]]) -> None:
        shape, flat = broadcast(**inputs)
        object.__setattr__(self, "_shape", shape)
        object.__setattr__(self, "_inputs", flat)
        object.__setattr__(self, "_metrics", dict(compute(*flat.values())))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} results are immutable")

    # Results travel to worker processes (sweeps, Dask) by pickle.
    def __getstate__(self) -> tuple[tuple[int, ...], dict[str, np.ndarray], dict[str, np.ndarray]]:
        return self._shape, self._inputs, self._metrics

    def __setstate__(
        self, state: tuple[tuple[int, ...], dict[str, np.ndarray], dict[str, np.ndarray]]
    ) -> None:
        for name, value in zip(("_shape", "_inputs", "_metrics"), state):
            object.__setattr__(self, name, value)

    def _get(self, name: str) -> Any:
        return shaped(self._metrics[name], self._shape)

    @property
    def shape(self) -> tuple[int, ...]:
        """Broadcast shape of the parameters; () for scalars."""
        return self._shape

    stable = _Metric("True where the load is below capacity (a steady state exists).")
    utilization = _Metric("Busy fraction of each server (offered load / servers; >= 1 means unstable).")
    prob_wait = _Metric("Probability that an admitted request waits before service.")
    throughput = _Metric("Requests completed per second (at most the service capacity).")
    mean_queue_length = _Metric("Mean number of requests waiting, not counting those in service.")
    mean_in_system = _Metric("Mean number of requests waiting or in service.")
    mean_wait = _Metric("Mean time in queue before service starts, seconds.")
    mean_response = _Metric("Mean response time (wait plus service), seconds.")

    def _quantile(self, q: Any, which: str) -> Any:
        qa = as_float("q", q)
        shape = np.broadcast_shapes(self._shape, qa.shape)
        flat = [
            np.ascontiguousarray(np.broadcast_to(v.reshape(self._shape), shape).ravel())
            for v in self._inputs.values()
        ]
        qf = np.ascontiguousarray(np.broadcast_to(qa, shape).ravel())
        return shaped(type(self)._quantile_kernel(*flat, qf, which), shape)

    def wait_quantile(self, q: Any) -> Any:
        """The q-quantile of the time in queue, seconds (q in [0, 1]; broadcasts)."""
        return self._quantile(q, "wait")

    def response_quantile(self, q: Any) -> Any:
        """The q-quantile of the response time, seconds (q in [0, 1]; broadcasts)."""
        return self._quantile(q, "response")

    def to_dict(self) -> dict[str, Any]:
        """Parameters and metrics, each shaped like the broadcast parameters."""
        out = {k: shaped(v, self._shape) for k, v in self._inputs.items()}
        out.update({k: self._get(k) for k in self._metric_names})
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter combination: the parameters, then the metrics."""
        cols = dict(self._inputs)
        cols.update({k: self._metrics[k] for k in self._metric_names})
        return pd.DataFrame(cols)

    def __repr__(self) -> str:
        name = type(self).__name__
        if self._shape:
            return f"<{name} shape={self._shape}; see .to_frame()>"
        params = ", ".join(f"{k}={v[0]:g}" for k, v in self._inputs.items())
        m = self._metrics
        return (
            f"{name}({params}): utilization={m['utilization'][0]:.4g}, "
            f"prob_wait={m['prob_wait'][0]:.4g}, mean_wait={m['mean_wait'][0]:.4g} s, "
            f"mean_response={m['mean_response'][0]:.4g} s"
        )


class MMc(_Station):
    """M/M/c queue: Poisson arrivals, exponential service, ``servers`` identical servers.

    arrival_rate: requests/s (>= 0). service_rate: requests/s one server completes (> 0).
    servers: whole number >= 1. The probability of waiting is Erlang C; wait and response
    time distributions and their quantiles are exact.
    """

    _quantile_kernel = staticmethod(_q.mmc_quantile)
    __slots__ = ()

    def __init__(self, arrival_rate: Any, service_rate: Any, servers: Any) -> None:
        self._setup(
            dict(
                arrival_rate=as_float("arrival_rate", arrival_rate),
                service_rate=as_float("service_rate", service_rate),
                servers=as_count("servers", servers),
            ),
            _q.mmc,
        )


class MM1(MMc):
    """M/M/1 queue: :class:`MMc` with one server."""

    __slots__ = ()

    def __init__(self, arrival_rate: Any, service_rate: Any) -> None:
        super().__init__(arrival_rate, service_rate, 1)


class MMcK(_Station):
    """M/M/c/K queue: at most ``capacity`` requests in the system; the rest are turned away.

    capacity (K) counts requests waiting and in service, K >= servers; K = servers is
    Erlang's loss system (``prob_block`` then equals :func:`erlang_b`). Always stable.
    ``utilization`` is the carried load per server. Quantiles are exact and refer to
    admitted requests.
    """

    _metric_names = (*_Station._metric_names, "prob_block")
    _quantile_kernel = staticmethod(_q.mmck_quantile)
    __slots__ = ()

    def __init__(self, arrival_rate: Any, service_rate: Any, servers: Any, capacity: Any) -> None:
        self._setup(
            dict(
                arrival_rate=as_float("arrival_rate", arrival_rate),
                service_rate=as_float("service_rate", service_rate),
                servers=as_count("servers", servers),
                capacity=as_count("capacity", capacity),
            ),
            _q.mmck,
        )

    @property
    def prob_block(self) -> Any:
        """Probability that an arrival finds the system full and is turned away."""
        return self._get("prob_block")


class GGc(_Station):
    """G/G/c queue by the Allen-Cunneen approximation.

    Wq ~= ErlangC(c, a) / (c/mean_service - arrival_rate) * (arrival_scv + service_scv) / 2,
    with a = arrival_rate * mean_service. arrival_scv and service_scv are squared
    coefficients of variation (variance / mean^2): 1 for Poisson arrivals or exponential
    service, 0 for deterministic. Exact for M/M/c, and for the mean of M/G/1
    (Pollaczek-Khinchine). Quantiles are approximate. Service times are taken as gamma with
    the given mean and SCV (deterministic when the SCV is 0). With one server and Poisson
    arrivals (M/G/1) the wait's tail is the exact asymptotic (Cramer-Lundberg) one, which
    matches Erlang's exact M/D/1 distribution at p99 to 1e-6 from rho = 0.7; otherwise a
    request waits with probability ErlangC(c, a) for an exponential time with the mean
    that gives Wq.
    """

    _quantile_kernel = staticmethod(_q.ggc_quantile)
    __slots__ = ()

    def __init__(
        self,
        arrival_rate: Any,
        mean_service: Any,
        servers: Any,
        arrival_scv: Any = 1.0,
        service_scv: Any = 1.0,
    ) -> None:
        self._setup(
            dict(
                arrival_rate=as_float("arrival_rate", arrival_rate),
                mean_service=as_float("mean_service", mean_service),
                servers=as_count("servers", servers),
                arrival_scv=as_float("arrival_scv", arrival_scv),
                service_scv=as_float("service_scv", service_scv),
            ),
            _q.ggc,
        )

    @classmethod
    def from_service(cls, arrival_rate: Any, service: Any, servers: Any = 1, arrival_scv: Any = 1.0) -> GGc:
        """The G/G/c model of a service-time distribution from :mod:`scalemodel.distributions`
        (its mean and SCV; the simulator takes the same object), e.g.
        ``GGc.from_service(40, sm.distributions.Gamma(0.045, 0.5), servers=2)``."""
        from scalemodel.distributions import Distribution

        if not isinstance(service, Distribution):
            raise TypeError(f"service must be a Distribution, got {type(service).__name__}")
        return GGc(arrival_rate, service.mean, servers, arrival_scv, service.scv)


class MG1(GGc):
    """M/G/1 queue: Pollaczek-Khinchine mean wait, Wq = rho E[S] (1 + scv) / (2 (1 - rho)).

    mean_service in seconds; scv is the squared coefficient of variation of service time
    (0 deterministic, 1 exponential). Means are exact; the wait's tail is the exact
    asymptotic one for gamma (or deterministic) service; see :class:`GGc`.
    """

    __slots__ = ()

    def __init__(self, arrival_rate: Any, mean_service: Any, scv: Any) -> None:
        super().__init__(arrival_rate, mean_service, 1, 1.0, scv)


class MD1(MG1):
    """M/D/1 queue: :class:`MG1` with deterministic service (scv = 0)."""

    __slots__ = ()

    def __init__(self, arrival_rate: Any, mean_service: Any) -> None:
        super().__init__(arrival_rate, mean_service, 0.0)


def _target(name: str, value: Any) -> Any:
    """A target as a float array; None (no target) is NaN for the engine, which reads NaN as
    "no such target", so a NaN the caller passed must not vanish: it raises."""
    if value is None:
        return as_float(name, np.nan)
    out = as_float(name, value)
    if np.any(np.isnan(out)):
        raise ValueError(f"{name} must be a number, got NaN (leave it out, or None, for no target)")
    return out


def _targets(
    response_time: Any, quantile: Any, mean_response: Any, prob_wait: Any, utilization: Any
) -> dict[str, np.ndarray]:
    target = _target
    return dict(
        response_time=target("response_time", response_time),
        quantile=as_float("quantile", quantile),
        mean_response=target("mean_response", mean_response),
        prob_wait=target("prob_wait", prob_wait),
        utilization=target("utilization", utilization),
    )


def _variability(arrival_scv: Any, service_scv: Any, wait_time: Any = None) -> bool:
    """True when the G/G/c entry points are needed: either SCV, or a service-level target
    (which the M/M/c ones do not take; G/G/c with both SCVs 1 is M/M/c exactly)."""
    return arrival_scv is not None or service_scv is not None or wait_time is not None


def _service_level(wait_time: Any, service_level: Any) -> dict[str, np.ndarray]:
    if (wait_time is None) != (service_level is None):
        raise ValueError("wait_time and service_level go together: P(wait <= wait_time) >= service_level")
    return dict(
        wait_time=_target("wait_time", wait_time), service_level=_target("service_level", service_level)
    )


def _ggc_inputs(service_rate: Any, arrival_scv: Any, service_scv: Any) -> dict[str, np.ndarray]:
    mu = as_float("service_rate", service_rate)
    with np.errstate(divide="ignore"):
        mean = np.where(mu > 0, 1.0 / np.where(mu > 0, mu, 1.0), np.nan)
    bad = ~(mu > 0) | ~np.isfinite(mu)
    if np.any(bad):
        raise ValueError(f"service_rate must be a finite number > 0, got {mu[bad].ravel()[0]!r}")
    return dict(
        mean_service=mean,
        arrival_scv=as_float("arrival_scv", 1.0 if arrival_scv is None else arrival_scv),
        service_scv=as_float("service_scv", 1.0 if service_scv is None else service_scv),
    )


def _inverse(
    mmc_kernel: Callable[..., np.ndarray],
    ggc_kernel: Callable[..., np.ndarray],
    known: dict[str, np.ndarray],
    given: dict[str, Any],
) -> tuple[np.ndarray, tuple[int, ...]]:
    """Solves an inverse problem of :func:`min_servers` or :func:`max_arrival_rate`: the
    ``known`` arrays with the caller's service rate and targets (``given``, its
    ``locals()``), by the M/M/c kernel, or by the G/G/c one (targets as rows) when an SCV
    or a service level is given. Returns the flat result and the broadcast shape."""
    g = given
    targets = _targets(
        g["response_time"], g["quantile"], g["mean_response"], g["prob_wait"], g["utilization"]
    )
    if not _variability(g["arrival_scv"], g["service_scv"], g["wait_time"]):
        shape, f = broadcast(**known, service_rate=as_float("service_rate", g["service_rate"]), **targets)
        return mmc_kernel(**f), shape
    targets.update(_service_level(g["wait_time"], g["service_level"]))
    ggc = _ggc_inputs(g["service_rate"], g["arrival_scv"], g["service_scv"])
    shape, f = broadcast(**known, **ggc, **targets)
    rows = np.ascontiguousarray(np.stack([f.pop(k) for k in targets]))
    return ggc_kernel(**f, targets=rows), shape


def min_servers(
    arrival_rate: Any,
    service_rate: Any,
    *,
    response_time: Any = None,
    quantile: Any = 0.99,
    mean_response: Any = None,
    prob_wait: Any = None,
    utilization: Any = None,
    service_scv: Any = None,
    arrival_scv: Any = None,
    wait_time: Any = None,
    service_level: Any = None,
) -> Any:
    """Fewest servers that meet every given target: M/M/c, or with ``service_scv`` or
    ``arrival_scv`` the G/G/c approximation of :class:`GGc` (M/G/c when only
    ``service_scv`` is given).

    arrival_rate, service_rate in requests/s (service_rate per server). Targets, any
    combination, at least one: response_time (seconds) for the ``quantile`` of the
    response time (default p99); mean_response (seconds); prob_wait (P(wait) at most);
    utilization (per-server busy fraction at most); a call centre's service level,
    P(wait <= wait_time) >= service_level (e.g. 80% answered within 20 s: wait_time=20,
    service_level=0.8; exact for M/M/c). Returns a float count, ``inf`` where
    no number of servers can meet the targets (a latency target below what the service
    time alone takes), so that a sweep carries on; :func:`why_no_servers` says why.
    """
    known = {"arrival_rate": as_float("arrival_rate", arrival_rate)}
    c, shape = _inverse(_q.min_servers, _q.ggc_min_servers, known, locals())
    c = c.astype(np.float64)
    c[c < 0] = np.inf
    return shaped(c, shape)


def why_no_servers(
    service_rate: float,
    *,
    response_time: float,
    quantile: float = 0.99,
    service_scv: float | None = None,
) -> str:
    """Why :func:`min_servers` returned inf for a response-time target: the service time
    alone (no queue, any number of servers) has its ``quantile`` above ``response_time``.
    Returns that sentence with the figures, or "" when the target is reachable."""
    rate, target = number("service_rate", service_rate), number("response_time", response_time)
    q = number("quantile", quantile)
    scv = 1.0 if service_scv is None else number("service_scv", service_scv)
    for name, value, ok in (
        ("service_rate", rate, 0 < rate < np.inf),
        ("response_time", target, 0 < target < np.inf),
        ("service_scv", scv, 0 <= scv < np.inf),
    ):
        if not ok:
            raise ValueError(
                f"{name} must be a finite number {'>= 0' if name == 'service_scv' else '> 0'}, got {value!r}"
            )
    if not 0 < q < 1:
        raise ValueError(f"quantile must be a probability in (0, 1), got {quantile!r}")
    mean = 1.0 / rate
    if not np.isfinite(mean):  # a subnormal rate: its mean service time leaves double range
        raise ValueError(f"service_rate must be large enough that 1 / service_rate is finite, got {rate!r}")
    alone = float(GGc(0.0, mean, 1, 1.0, scv).response_quantile(q))
    if alone <= target * (1 + 1e-12):
        return ""
    shape = "exponential" if scv == 1.0 else ("constant" if scv == 0.0 else f"SCV {scv:g}")
    return (
        f"a request alone takes {alone * 1e3:.3g} ms at the {q:g} quantile ({mean * 1e3:.3g} ms mean, "
        f"{shape} service), above the {target * 1e3:.3g} ms target; more or bigger servers do not make "
        f"one request faster: lower the service time or its variability, or relax the target"
    )


def max_arrival_rate(
    service_rate: Any,
    servers: Any,
    *,
    response_time: Any = None,
    quantile: Any = 0.99,
    mean_response: Any = None,
    prob_wait: Any = None,
    utilization: Any = None,
    service_scv: Any = None,
    arrival_scv: Any = None,
    wait_time: Any = None,
    service_level: Any = None,
) -> Any:
    """Highest arrival rate (requests/s) at which M/M/c, or the G/G/c approximation when
    ``service_scv`` or ``arrival_scv`` is given, meets every given target.

    Targets as in :func:`min_servers`. Found with Boost.Math's TOMS 748 root finder to
    about 1e-12 relative. Returns 0 where even an idle system misses a target.
    """
    known = {"servers": as_count("servers", servers)}
    with np.errstate(over="ignore"):
        capacity = known["servers"] * as_float("service_rate", service_rate)
    if np.any(np.isinf(capacity)):  # the search runs up to the capacity
        raise ValueError("service_rate x servers must be a finite number of requests/s (below 1.8e308)")
    out, shape = _inverse(_q.max_arrival_rate, _q.ggc_max_arrival_rate, known, locals())
    return shaped(out, shape)


def _flags(name: str, value: Any) -> np.ndarray:
    """Booleans (True/False, or 0/1), not numbers that merely convert to True (-1, NaN, 0.5)."""
    arr = np.asarray(value)
    if arr.dtype.kind == "b":
        return arr
    if arr.dtype.kind in "iuf" and np.all((arr == 0) | (arr == 1)):
        return arr.astype(bool)
    raise ValueError(f"{name} must be booleans (True for a delay station), got {value!r}")


def _station_names(names: Sequence[str] | None, count: int) -> list[str]:
    if names is None:
        return [f"station {i}" for i in range(count)]
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise TypeError(f"names must be a sequence of {count} station names, got {type(names).__name__}")
    names = [str(n) for n in names]
    if len(names) != count:
        raise ValueError(f"names must have one entry per station ({count}), got {len(names)}")
    return names


def _vector(name: str, value: Any, count: int | None = None) -> np.ndarray:
    arr = as_float(name, value)
    if arr.ndim > 1:
        raise ValueError(f"{name} must be a scalar or a 1-d array")
    if count is not None:
        if arr.ndim == 1 and arr.shape[0] != count:
            raise ValueError(
                f"{name} must be a scalar or hold one value per station ({count}), got {arr.shape[0]}"
            )
        arr = np.broadcast_to(arr, (count,))
    return np.ascontiguousarray(arr, dtype=np.float64)


@dataclass(frozen=True, repr=False)
class JacksonResult(_TableDisplay):
    """An open Jackson network's solution; see :func:`jackson`."""

    names: tuple[str, ...]
    service_rates: np.ndarray
    servers: np.ndarray
    arrival_rate: np.ndarray  #: total arrival rate at each station, requests/s
    visits: np.ndarray  #: mean visits to each station per request entering the network
    stations: dict[str, np.ndarray]  #: M/M/c metrics per station, one array each
    stable: bool  #: every station below capacity
    throughput: float  #: requests/s entering (and leaving) the network
    mean_in_system: float  #: mean requests in the network
    mean_response: float  #: mean end-to-end time in the network, seconds

    def to_frame(self) -> pd.DataFrame:
        """One row per station: its parameters, traffic and M/M/c metrics."""
        frame = pd.DataFrame(
            {
                "service_rate": self.service_rates,
                "servers": self.servers,
                "arrival_rate": self.arrival_rate,
                "visits": self.visits,
                **{k: v for k, v in self.stations.items() if k != "prob_block"},
            },
            index=pd.Index(self.names, name="station"),
        )
        return frame

    def __repr__(self) -> str:
        state = "stable" if self.stable else "UNSTABLE"
        return (
            f"JacksonResult({len(self.names)} stations, {state}): throughput={self.throughput:g}/s, "
            f"mean_response={self.mean_response:.4g} s, mean_in_system={self.mean_in_system:.4g}"
        )


def jackson(
    external_arrivals: Any,
    routing: Any,
    service_rates: Any,
    servers: Any = 1,
    *,
    names: Sequence[str] | None = None,
) -> JacksonResult:
    """Open Jackson network of M/M/c stations.

    external_arrivals: requests/s arriving from outside at each station (length n).
    routing: n x n matrix, routing[i][j] = probability that a request leaving i goes to j;
    each row sums to at most 1 and the rest leaves the network. service_rates: per
    server, requests/s; servers: per station (scalars broadcast). The traffic equations
    are solved with Eigen; each station is then an M/M/c queue, and the end-to-end mean
    response follows from Little's law. An overloaded station makes ``stable`` False and
    the network's delays inf.
    """
    gamma = _vector("external_arrivals", external_arrivals)
    n = gamma.shape[0] if gamma.ndim else 1
    gamma = np.broadcast_to(gamma, (n,)).copy()
    r = as_float("routing", routing)
    if r.shape != (n, n):
        raise ValueError(
            f"routing must be a {n} x {n} matrix (one row and column per station), got shape {r.shape}"
        )
    mu = _vector("service_rates", service_rates, n)
    c = as_count("servers", servers)
    if c.shape not in ((), (1,), (n,)):
        raise ValueError(f"servers must be a whole number or hold one per station ({n}), got shape {c.shape}")
    c = np.broadcast_to(c, (n,)).astype(np.int64)
    out = _q.jackson(gamma, np.asarray(r, dtype=np.float64), mu, c.tolist())
    return JacksonResult(
        names=tuple(_station_names(names, n)),
        service_rates=mu.copy(),
        servers=c.copy(),
        arrival_rate=out["arrival_rate"],
        visits=out["visits"],
        stations=dict(out["stations"]),
        stable=bool(out["stable"]),
        throughput=float(out["throughput"]),
        mean_in_system=float(out["mean_in_system"]),
        mean_response=float(out["mean_response"]),
    )


@dataclass(frozen=True, repr=False)
class MVAResult(_TableDisplay):
    """A closed network solved for every population 1..N; see :func:`mva`."""

    names: tuple[str, ...]
    demands: np.ndarray  #: service demand per pass at each station, seconds
    delay: np.ndarray  #: True for delay (infinite-server) stations
    think_time: float  #: seconds outside the stations between passes
    population: np.ndarray  #: 1..N
    throughput: np.ndarray  #: passes completed per second, one per population
    response: np.ndarray  #: seconds per pass through the stations (think time excluded)
    residence: np.ndarray  #: (N, stations) seconds per pass spent at each station
    queue_length: np.ndarray  #: (N, stations) mean requests at each station
    utilization: np.ndarray  #: (N, stations) throughput x demand

    @property
    def bottleneck(self) -> str:
        """The queueing station with the largest demand: it caps throughput at 1/demand."""
        demands = np.where(self.delay, -np.inf, self.demands)
        return self.names[int(np.argmax(demands))]

    def to_frame(self) -> pd.DataFrame:
        """One row per population: throughput, response, and each station's queue length."""
        frame = pd.DataFrame(
            {"throughput": self.throughput, "response": self.response},
            index=pd.Index(self.population, name="population"),
        )
        for i, name in enumerate(self.names):
            frame[f"queue_length[{name}]"] = self.queue_length[:, i]
            frame[f"utilization[{name}]"] = self.utilization[:, i]
        return frame

    def __repr__(self) -> str:
        return (
            f"MVAResult({len(self.names)} stations, N=1..{self.population[-1]}): "
            f"throughput at N={self.population[-1]} is {self.throughput[-1]:.4g}/s, "
            f"response {self.response[-1]:.4g} s, bottleneck {self.bottleneck!r}"
        )


def mva(
    demands: Any,
    population: int,
    *,
    think_time: float = 0.0,
    delay: Any = None,
    names: Sequence[str] | None = None,
) -> MVAResult:
    """Exact Mean Value Analysis of a closed single-class network.

    demands: service demand of one pass at each station, seconds (visits x service
    time). population: requests (users, threads) circulating, >= 1; the result covers
    every population from 1 to this. think_time: seconds each request spends outside the
    stations between passes. delay: booleans marking delay (infinite-server) stations;
    the rest are single-server, load-independent queues.
    """
    d = _vector("demands", demands)
    d = np.atleast_1d(d)
    k = d.shape[0]
    dl = np.zeros(k, dtype=bool) if delay is None else np.broadcast_to(_flags("delay", delay), (k,))
    if isinstance(population, (bool, np.bool_)) or not isinstance(population, (int, np.integer)):
        raise TypeError(f"population must be a whole number, got {type(population).__name__}")
    think = number("think_time", think_time)
    out = _q.mva(d, [bool(x) for x in dl], int(population), think)
    return MVAResult(
        names=tuple(_station_names(names, k)),
        demands=d.copy(),
        delay=dl.copy(),
        think_time=float(think_time),
        population=np.arange(1, int(population) + 1),
        throughput=out["throughput"],
        response=out["response"],
        residence=out["residence"],
        queue_length=out["queue_length"],
        utilization=out["utilization"],
    )


@dataclass(frozen=True)
class USL:
    """Universal Scalability Law: X(N) = ``lambda_`` N / (1 + sigma (N-1) + kappa N (N-1)).

    ``lambda_``: throughput at concurrency 1 (requests/s); sigma: contention (the serial
    fraction); kappa: coherency (crosstalk) cost. Build one from known coefficients, or
    fit one to measurements with :meth:`USL.fit`, which also fills ``r_squared`` and
    ``rmse`` (requests/s) to say how well the law describes the data.
    """

    lambda_: float
    sigma: float
    kappa: float
    r_squared: float = float("nan")
    rmse: float = float("nan")

    def __post_init__(self) -> None:
        for name in ("lambda_", "sigma", "kappa"):
            object.__setattr__(self, name, float(number(name, getattr(self, name))))
        _q.usl_throughput(self.lambda_, self.sigma, self.kappa, 1.0)  # the engine's range checks

    @classmethod
    def fit(cls, concurrency: Any, throughput: Any) -> USL:
        """Least-squares fit in throughput space with sigma, kappa >= 0.

        concurrency: load levels N (>= 1, at least 3 distinct); throughput: measured
        requests/s at each. Each active set of the bounds is started from a weighted
        linear fit of N/X and refined with Eigen's Levenberg-Marquardt; the best
        feasible fit wins.
        """
        n = np.atleast_1d(_vector("concurrency", concurrency))
        x = np.atleast_1d(_vector("throughput", throughput))
        if n.shape != x.shape:
            raise ValueError(
                f"concurrency and throughput must have equal length, got {n.shape[0]} and {x.shape[0]}"
            )
        f = _q.usl_fit(n, x)
        return cls(f["lambda_"], f["sigma"], f["kappa"], f["r_squared"], f["rmse"])

    def throughput(self, concurrency: Any) -> Any:
        """Predicted throughput (requests/s) at the given concurrency (scalar or array)."""
        n = as_float("concurrency", concurrency)
        shape, f = broadcast(
            lambda_=np.asarray(self.lambda_),
            sigma=np.asarray(self.sigma),
            kappa=np.asarray(self.kappa),
            concurrency=n,
        )
        return shaped(_q.usl_throughput(*f.values()), shape)

    @property
    def peak_concurrency(self) -> float:
        """Concurrency of the highest throughput, sqrt((1 - sigma) / kappa); inf when kappa = 0."""
        return float(_q.usl_peak_concurrency(self.sigma, self.kappa))

    @property
    def peak_throughput(self) -> float:
        """Highest throughput the law allows, requests/s (``lambda_`` / sigma when kappa = 0)."""
        peak = self.peak_concurrency
        if np.isinf(peak):
            return self.lambda_ / self.sigma if self.sigma > 0 else float("inf")
        return float(self.throughput(peak))


def _no_limit(name: str, value: Any) -> float:
    """None (no limit) is the engine's inf."""
    return np.inf if value is None else number(name, value)


def _positive_or_none(name: str, value: Any) -> int:
    """A whole number >= 1, or None for the engine's 0 (its default)."""
    return 0 if value is None else whole(name, value, 1)


class _ChainMetric(_MetricAttribute[Any]):
    """A stationary metric of a :class:`RetryQueue`."""

    _reader = "_metric"


class RetryQueue:
    """A continuous-time Markov chain of one queue whose clients time out and retry: the
    analytic companion of ``sm.sim.System(..., client=sm.sim.Client(timeout=..., retries=...))``
    on one tier, and of its metastable failure.

    The server: ``servers`` workers (a tier's ``concurrency``), exponential service at
    ``service_rate`` each, FCFS, holding at most ``capacity`` attempts (waiting or in service;
    beyond that an attempt is turned away). Fresh requests arrive as a Poisson stream of
    ``arrival_rate`` per second. A client abandons an attempt not answered within
    ``timeout`` seconds, but the server still serves it (wasted work); after a timeout or a
    drop the client retries, up to ``retries`` times, after ``backoff`` seconds (mean).

    State (n, m): n attempts at the server, m clients in the retry orbit. Under FCFS with
    exponential service an attempt's response depends only on the n it finds, so whether it
    times out is decided, exactly, when it arrives (probability ``timeout_probability[n]``);
    its client then waits in the orbit an exponential time of mean ``timeout + backoff``.
    Exact: the timeout outcome of each attempt given the state; without timeouts and
    retries the chain is M/M/c/K (:class:`MMcK`, to 1e-12); without timeouts it is the
    M/M/c/K retrial queue with exponential backoff. Approximate: the delay to a retry is
    exponential (the simulator's is the timeout plus a jittered backoff), and a failed
    attempt is retried with probability retries / (retries + 1) (a geometric count with the
    simulator's mean when every attempt fails). Measured against ``sm.sim.System`` (4 workers
    at 10/s with a 1 s timeout and 8 at 20/s with 0.5 s, capacity 15 x workers, 1 or 3
    immediate retries, 50-90% load, 4 replications of 4,000 s): where one mode dominates
    both, goodput agrees within the simulator's 95% interval (0.3%), attempts per request
    and fail rate within 0.01, wasted work within a factor 1.6 at its 1e-3 level. The
    exponential retry delays (many retries come well before the timeout, while the queue is
    still long) and the geometric retry count make the chain's load noisier, so it switches
    modes more easily: it tips into overload at a lower load than the simulator (4 workers,
    3 retries: chain at 80%, simulator between 80 and 90%; 8 workers, 3 retries: chain at
    80%, simulator above), and its escape time from overload is shorter than the
    simulator's recovery time after a spike (1.5-4 times at 50-60% load, 20 runs each); both grow steeply with the load (see
    tests/python/test_retry_queue.py). Read it as a conservative bound on where
    metastability starts, and an optimistic one on how long it lasts.

    Truncation: without ``capacity`` the chain holds at most ``queue_limit`` attempts
    (default c + 3 c mu timeout, at least c + 50, at most 2000); the orbit at most
    ``orbit_limit`` clients (default 1.5 x + 6 sqrt(x) + 10 with x = arrival_rate x retries x
    (timeout + backoff), the orbit when every attempt fails). ``truncation_mass`` is the
    stationary probability of those boundaries: near 0, the truncation is harmless; an
    unbounded server in its overload mode piles up at ``queue_limit`` (its backlog grows
    without end), and the escape time then grows with ``queue_limit``. At most 250,000
    states ((queue_limit + 1) x (orbit_limit + 1); more raises ValueError naming the limit).
    Eigen's SparseLU solves 10^4 states in about 0.2 s, 10^5 in about 10 s, 2.4 x 10^5 in 30 s
    (2 GB); :meth:`escape_time` takes a third of that. Ctrl-C is checked between building,
    factorizing and solving, so it takes effect when the factorization in hand ends.
    """

    __slots__ = ("_chain", "_config", "_kwargs", "_metrics")
    _chain: _q.RetryQueue
    _config: _q.RetryQueueConfig
    _kwargs: tuple[float, float, int, dict[str, Any]]  # the arguments, for pickling
    _metrics: dict[str, Any]

    def __init__(
        self,
        arrival_rate: float,
        service_rate: float,
        servers: int = 1,
        *,
        timeout: float | None = None,
        retries: int = 0,
        backoff: float = 0.0,
        capacity: int | None = None,
        queue_limit: int | None = None,
        orbit_limit: int | None = None,
    ) -> None:
        c = configure(
            _q.RetryQueueConfig(),
            locals(),
            *("arrival_rate", "service_rate", "servers", "retries"),
            timeout_s=("timeout", _no_limit),
            backoff_s="backoff",
            # None is the engine's 0: an unbounded server, or the default truncation.
            capacity=_positive_or_none,
            queue_limit=_positive_or_none,
            orbit_limit=_positive_or_none,
        )
        chain = _progress.run(lambda: _q.RetryQueue(c), "retry queue")
        kwargs = dict(timeout=timeout, retries=retries, backoff=backoff, capacity=capacity)
        kwargs.update(queue_limit=queue_limit, orbit_limit=orbit_limit)
        object.__setattr__(self, "_kwargs", (arrival_rate, service_rate, servers, kwargs))
        object.__setattr__(self, "_config", c)
        object.__setattr__(self, "_chain", chain)
        object.__setattr__(self, "_metrics", dict(chain.metrics))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("RetryQueue results are immutable")

    # Travels to worker processes (sweeps, Dask) as its parameters, solved again there.
    def __reduce__(self) -> tuple[Any, ...]:
        rate, mu, servers, kwargs = self._kwargs
        return (_rebuild_retry_queue, (rate, mu, servers, kwargs))

    goodput = _ChainMetric(
        "Requests answered within ``timeout`` of their arrival, per second (the simulator's ``goodput``)."
    )
    throughput = _ChainMetric("Requests answered per second, by any attempt answered in time.")
    attempts_per_request = _ChainMetric(
        "Attempts (admitted or turned away) per fresh request: the retry amplification."
    )
    wasted_work = _ChainMetric("Share of the service time spent on attempts whose client had given up.")
    fail_rate = _ChainMetric(
        "Share of requests that fail (out of retries, or lost at the orbit's truncation)."
    )
    drop_rate = _ChainMetric("Share of attempts turned away by a full server.")
    utilization = _ChainMetric("Busy fraction of the workers.")
    mean_queue = _ChainMetric("Mean attempts at the server, waiting or in service.")
    mean_orbit = _ChainMetric("Mean clients waiting to retry (their attempt lost, or backing off).")
    truncation_mass = _ChainMetric(
        "Stationary probability of the truncation's boundary states (orbit full, or the unbounded server at "
        "``queue_limit``): near 0, the truncation does not matter."
    )
    queue_limit = _ChainMetric(
        "The largest number of attempts at the server in the chain (capacity or truncation)."
    )
    orbit_limit = _ChainMetric("The largest orbit in the chain.")
    states = _ChainMetric("(queue_limit + 1) x (orbit_limit + 1).")

    def _metric(self, name: str) -> Any:
        return self._metrics[name]

    @property
    def overload_queue(self) -> int:
        """Attempts at which an arrival's mean wait reaches the timeout, c - 1 + c mu timeout
        (capped at queue_limit): the default edge of the overload mode."""
        return int(self._chain.overload_queue)

    @property
    def normal_queue(self) -> int:
        """The default edge of the normal mode: ``servers`` attempts (nobody waiting)."""
        return int(self._chain.normal_queue)

    def stationary(self) -> np.ndarray:
        """P(n attempts, m in the orbit) as a (queue_limit + 1, orbit_limit + 1) array."""
        return np.asarray(self._chain.stationary)

    def queue_distribution(self) -> np.ndarray:
        """P(n attempts at the server), n = 0..queue_limit: two humps when metastable."""
        return np.asarray(self._chain.queue_distribution)

    def orbit_distribution(self) -> np.ndarray:
        """P(m clients in the orbit), m = 0..orbit_limit."""
        return np.asarray(self._chain.orbit_distribution)

    def timeout_probability(self) -> np.ndarray:
        """P(an attempt that finds n present times out), n = 0..queue_limit - 1 (exact)."""
        return np.asarray(self._chain.timeout_probability)

    def generator(self) -> Any:
        """The generator Q (rows sum to 0) as a ``scipy.sparse.csr_matrix``, states ordered
        n (orbit_limit + 1) + m. Needs SciPy."""
        from scipy import sparse

        data, indices, indptr = self._chain.generator()
        return sparse.csr_matrix((data, indices, indptr), shape=(self.states, self.states))

    def escape_time(self, from_queue: int | None = None, to_queue: int | None = None) -> float:
        """Mean seconds to leave the overload mode: from {n >= from_queue}, started with the
        stationary law restricted there, until n <= to_queue (defaults ``overload_queue``
        and ``normal_queue``). Solves the sparse system Q_UU t = -1 for hitting times."""
        f = self.overload_queue if from_queue is None else integer("from_queue", from_queue)
        t = self.normal_queue if to_queue is None else integer("to_queue", to_queue)
        return float(_progress.run(lambda: self._chain.escape_time(f, t), "retry queue"))

    def onset_time(self, from_queue: int | None = None, to_queue: int | None = None) -> float:
        """Mean seconds to fall into the overload mode: from {n <= from_queue} (stationary
        law restricted there) until n >= to_queue (defaults ``normal_queue`` and
        ``overload_queue``)."""
        f = self.normal_queue if from_queue is None else integer("from_queue", from_queue)
        t = self.overload_queue if to_queue is None else integer("to_queue", to_queue)
        return float(_progress.run(lambda: self._chain.onset_time(f, t), "retry queue"))

    def to_dict(self) -> dict[str, Any]:
        """The parameters and the stationary metrics."""
        c = self._config
        out: dict[str, Any] = {
            "arrival_rate": c.arrival_rate,
            "service_rate": c.service_rate,
            "servers": c.servers,
            "timeout": c.timeout_s,
            "retries": c.retries,
            "backoff": c.backoff_s,
            "capacity": c.capacity or None,
        }
        out.update(
            {
                k: (int(v) if k in ("queue_limit", "orbit_limit", "states") else float(v))
                for k, v in self._metrics.items()
            }
        )
        return out

    def __repr__(self) -> str:
        c = self._config
        return (
            f"RetryQueue(arrival_rate={c.arrival_rate:g}, service_rate={c.service_rate:g}, "
            f"servers={c.servers}, timeout={c.timeout_s:g}, retries={c.retries}): "
            f"goodput={self.goodput:.4g}/s, attempts_per_request={self.attempts_per_request:.4g}, "
            f"wasted_work={self.wasted_work:.3g}, truncation_mass={self.truncation_mass:.2g} "
            f"({self.states} states)"
        )


def _rebuild_retry_queue(rate: float, mu: float, servers: int, kwargs: dict[str, Any]) -> RetryQueue:
    return RetryQueue(rate, mu, servers, **kwargs)


__dir__ = _api_dir(globals())
