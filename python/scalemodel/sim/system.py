"""Systems: requests flowing through tiers, simulated end to end.

A :class:`System` is a graph of tiers. A tier is a pool of servers behind a balancer policy,
each server holding up to ``concurrency`` requests at once (worker threads or vCPUs) with a
FIFO queue of its own; ``shards=N`` makes N such pools addressed by key. A request enters at
the entry tier, waits for a slot, is served, then makes the tier's calls in the order they
were declared while it holds its slot (a thread blocked on a downstream call), releases the
slot and is handed off along a route, or leaves.

- :meth:`System.route` is a hand-off, as in an open queueing network: after its visit the
  request moves on with the given probability (loops allowed).
- :meth:`System.call` is a blocking call: ``count`` sequential rounds, each sending ``fanout``
  parallel sub-requests to distinct servers (or shards) of the callee and waiting for all of
  them, the first ``wait`` of them, or none (``wait=0``: fire and forget, e.g. a message to a
  broker whose consumers are the callee tier). A sub-request is a request at the callee: it
  may call further tiers or be routed on, and answers when its chain leaves.
- A tier with ``hit_probability`` is a cache: a hit skips the tier's calls (a miss calls the
  tiers behind it).
- :meth:`System.outage` takes servers of a tier (one shard or all) down for an interval: work
  on them fails, and so do the requests waiting on it.

Units: seconds and requests per second. Each replication discards ``warmup`` requests, then
counts ``requests``; after the last arrival the system drains, so every counted request's
response time is recorded. Replication r draws from its own stream (seed, r): the same seed
gives the same result on any number of threads. Quantiles come from a log-bucketed
histogram (relative error at most 0.39%); memory does not grow with the run length.

Overload: a run whose queues pass :data:`~scalemodel.sim.MAX_QUEUED` waiting requests stops
and reports ``stable`` False with infinite delays. So does a shorter run of a system whose
queues would grow without bound: with stationary arrivals and nothing that sheds or fails
work (no ``capacity``, ``shed_wait_s``, breaker, propagated deadline or ``error_probability``),
a tier whose offered work (arrival rate x visits per request x mean service) is at or above
its slots (servers x shards x concurrency; an autoscaled tier at ``max_servers``; less
servers down for good), as the closed forms say. Visits per request solve the traffic
equations of routes and calls, counting only a cache's misses (an LRU tier's at least the
mass beyond its most popular keys); retries and hedges only add work. A tier that gets
work with every server down for good is unstable too. A replication in which no request
succeeded reports infinite response times.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalemodel import _core, _progress
from scalemodel import plot as _plot
from scalemodel._arrays import api_dir as _api_dir
from scalemodel._arrays import configure as _configure
from scalemodel._arrays import integer as _integer
from scalemodel._arrays import level as _level
from scalemodel._arrays import number as _number
from scalemodel._arrays import run_spec as _run_spec
from scalemodel._arrays import whole as _whole
from scalemodel.arrivals import Replay, _replayed_clients, _replayed_sizes, as_arrivals
from scalemodel.distributions import Deterministic, Distribution, as_distribution
from scalemodel.results import Estimate as _Estimate
from scalemodel.results import ReplicatedResult
from scalemodel.sim.stations import _latency_repr, _pooled_quantile, _run_length

__all__ = [
    "JITTERS",
    "MAX_WINDOWS",
    "SCALE_METRICS",
    "Autoscale",
    "Breaker",
    "Client",
    "System",
    "SystemResult",
    "Tier",
]

_s = _core.sim


def _unbounded(name: str, value: Any) -> float:
    """A limit in the engine's spelling: None (no limit) is inf."""
    return math.inf if value is None else _number(name, value)


#: Most windows a time series keeps (later ones are not recorded).
MAX_WINDOWS: int = int(_s.MAX_WINDOWS)
#: Backoff jitter kinds of :class:`Client`.
JITTERS: tuple[str, ...] = tuple(_s.JITTERS)
#: What an :class:`Autoscale` tracks.
SCALE_METRICS: tuple[str, ...] = tuple(_s.SCALE_METRICS)


@dataclass(frozen=True)
class Breaker:
    """A circuit breaker in front of a tier, shared by all its callers.

    It opens when at least ``failure_ratio`` of the last ``window`` visits (with at least
    ``min_calls`` of them) failed (errors, drops, shedding, failed servers), turns visits
    away at once for ``open_s`` seconds (they fail fast, using no capacity), then lets
    ``probes`` visits through: if they all succeed it closes, if one fails it opens again.
    """

    failure_ratio: float = 0.5
    window: int = 20
    min_calls: int = 10
    open_s: float = 5.0
    probes: int = 1

    def _engine(self) -> Any:
        return _configure(_s.Breaker(), vars(self), *vars(self))  # each field is the engine's


@dataclass(frozen=True)
class Autoscale:
    """Target tracking of a tier's size, as cloud autoscaling groups do.

    Every ``interval_s`` the autoscaler averages ``metric`` over the last ``window_s``
    seconds (``"utilization"``: share of the active servers' slots serving, i.e. CPU;
    ``"occupancy"``: share of slots held, calls included; ``"queue"``: requests waiting per
    active server) and sets the desired size to ceil(active x metric / target), within
    [min_servers, max_servers]. A new server takes traffic after ``warmup_s``; a scale-out
    waits ``scale_out_cooldown_s`` after the previous one, a scale-in ``scale_in_cooldown_s``
    after any change; a removed server finishes the work it holds. A failed server (an
    outage) is replaced like a missing one. The tier's ``servers`` is the starting size.
    Defaults follow a typical cloud setup: one-minute evaluations over three minutes,
    five-minute cooldowns and warm-up.
    """

    min_servers: int = 1
    max_servers: int = 100
    metric: str = "utilization"
    target: float = 0.6
    interval_s: float = 60.0
    window_s: float = 180.0
    scale_out_cooldown_s: float = 300.0
    scale_in_cooldown_s: float = 300.0
    warmup_s: float = 300.0

    def _engine(self) -> Any:
        return _configure(
            _s.Autoscale(),
            vars(self),
            *vars(self),  # each field is the engine's; the server counts are checked before any run
            min_servers=lambda name, value: _whole(name, value, 0),
            max_servers=lambda name, value: _whole(name, value, 1),
        )


@dataclass(frozen=True)
class Client:
    """How clients at the entry treat a request: timeouts, retries, a retry budget, hedging.

    timeout: seconds a client waits for an attempt before abandoning it (None: forever); the
    system still works on an abandoned attempt (nothing cancels it), as with most real
    clients. retries: more attempts after a failed or abandoned one, at most 30. The k-th
    retry waits backoff x 2^(k-1) seconds, capped at backoff_max, randomized by jitter:
    ``"full"`` (uniform on [0, d]), ``"equal"`` (d/2 plus uniform on [0, d/2]),
    ``"decorrelated"`` (uniform on [backoff, 3 x the previous delay], capped) or ``"none"``.
    budget: retries allowed per request on average, as a token bucket of ``budget_burst``
    tokens (each request adds ``budget`` tokens, each retry takes one; gRPC's retry
    throttling and Finagle's RetryBudget work this way); None: no budget. hedge_after: send
    a second copy of a request still unanswered after that many seconds; the first answer
    wins (None: no hedging). propagate_deadline: the attempt's deadline (its start plus
    timeout) travels down its calls, and a server drops a queued visit past its deadline
    instead of serving it (counted as ``shed``).
    """

    timeout: float | None = None
    retries: int = 0
    backoff: float = 0.0
    backoff_max: float | None = None
    jitter: str = "full"
    budget: float | None = None
    budget_burst: float = 10.0
    hedge_after: float | None = None
    propagate_deadline: bool = False

    def _engine(self) -> Any:
        return _configure(
            _s.ClientConfig(),
            vars(self),
            *("retries", "jitter", "budget_burst", "propagate_deadline"),
            timeout_s=("timeout", _unbounded),
            backoff_s="backoff",
            backoff_max_s=("backoff_max", _unbounded),
            budget=_unbounded,
            hedge_after_s=("hedge_after", _unbounded),
        )


@dataclass(frozen=True)
class Tier:
    """One tier of a :class:`System`, as declared with :meth:`System.tier`."""

    name: str
    servers: int
    service: Distribution
    concurrency: int = 1
    policy: str = "random"
    d: int = 2
    weights: tuple[float, ...] | None = None
    capacity: int | None = None
    shards: int = 1
    keys: int | None = None
    key_skew: float = 0.0
    placement: tuple[int, ...] | None = None
    hit_probability: float = 0.0
    cache_items: int | None = None
    error_probability: float = 0.0
    autoscale: Autoscale | None = None
    breaker: Breaker | None = None
    shed_wait_s: float | None = None
    lifo_above: int | None = None

    @property
    def slots(self) -> int:
        """Requests the tier can hold at once: servers x shards x concurrency."""
        return self.servers * self.shards * self.concurrency


@dataclass(frozen=True)
class _Route:
    source: str
    target: str
    probability: float


@dataclass(frozen=True)
class _Call:
    caller: str
    callee: str
    count: int
    probability: float
    fanout: int
    wait: int  # -1 all, 0 none, k first k
    after_miss: bool = False


@dataclass(frozen=True)
class _Outage:
    tier: str
    at_s: float
    until_s: float
    shard: int | None
    servers: int | None


@dataclass
class System:
    """A system of tiers fed by one arrival process.

    ``System(arrival_rate=200)`` (Poisson requests/s), or ``System(arrivals=...)`` with any
    process of :mod:`scalemodel.arrivals` (or an array of timestamps to replay). Requests
    enter at ``entry`` (default: the first tier declared). Build it with :meth:`tier`,
    :meth:`route`, :meth:`call` and :meth:`outage` (each returns the system, so calls
    chain), then :meth:`simulate`.

    Exact replay of a recorded sequence, with ``arrivals`` its timestamps (one entry per
    timestamp, in order): ``service_times_s``, each request's own service time (seconds)
    at the entry tier, on its first visit there (a retry or a hedge repeats it; other tiers
    and later visits draw their ``service``); ``keys``, each request's key (whole numbers
    below every keyed tier's ``keys``; ``np.unique(values, return_inverse=True)[1]`` turns
    any ids into them), which addresses the shard, or the LRU cache entry, at every keyed
    tier the request and its sub-requests visit; ``client_keys``, with a ``sticky`` tier,
    each request's client (any values; each distinct one is a client, and ``clients`` and
    ``client_skew`` are not used). Only the random choices (policies, calls, hits) then
    differ between replications.
    """

    arrival_rate: Any = None
    arrivals: Any = None
    entry: str | None = None
    #: sticky policy: the number of clients; client k sends a share proportional to k^-client_skew
    clients: int = 1000
    client_skew: float = 1.0
    #: timeouts, retries, retry budget and hedging of the clients at the entry
    client: Client = field(default_factory=Client)
    #: exact replay: per replayed timestamp, the entry's service time, the key, the client
    service_times_s: Any = field(default=None, repr=False, compare=False)
    keys: Any = field(default=None, repr=False, compare=False)
    client_keys: Any = field(default=None, repr=False, compare=False)
    _tiers: list[Tier] = field(default_factory=list, repr=False)
    _routes: list[_Route] = field(default_factory=list, repr=False)
    _calls: list[_Call] = field(default_factory=list, repr=False)
    _outages: list[_Outage] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if (self.arrival_rate is None) == (self.arrivals is None):
            raise TypeError("System needs exactly one of arrival_rate (requests/s) or arrivals (a process)")
        source = self.arrival_rate if self.arrivals is None else self.arrivals
        self.arrivals = as_arrivals("arrival_rate" if self.arrivals is None else "arrivals", source)
        self.arrival_rate = None
        if not isinstance(self.client, Client):
            raise TypeError(f"client must be a Client, got {type(self.client).__name__}")
        if self.entry is not None and not isinstance(self.entry, str):
            raise TypeError(f"entry must be a tier name, got {type(self.entry).__name__}")
        if self.service_times_s is not None:
            self.service_times_s = _replayed_sizes(
                "service_times_s", self.service_times_s, self.arrivals, "arrivals"
            )
        if self.keys is not None:
            keys = np.asarray(self.keys)
            if keys.dtype.kind not in "iu" or keys.ndim != 1:
                raise TypeError("keys must be a 1-d array of whole numbers, one key per replayed timestamp")
            if not isinstance(self.arrivals, Replay):
                raise ValueError("keys needs arrivals to be timestamps to replay")
            self.keys = keys.astype(np.int64).tolist()
        if self.client_keys is not None:
            if not isinstance(self.arrivals, Replay):
                raise ValueError("client_keys needs arrivals to be timestamps to replay")
            self._client_ids = _replayed_clients("client_keys", self.client_keys)

    # --- building -------------------------------------------------------------------------
    @property
    def tiers(self) -> tuple[Tier, ...]:
        return tuple(self._tiers)

    def _index(self, what: str, name: Any) -> int:
        if not isinstance(name, str):
            raise TypeError(f"{what} must be a tier name, got {type(name).__name__}")
        for i, t in enumerate(self._tiers):
            if t.name == name:
                return i
        known = ", ".join(repr(t.name) for t in self._tiers) or "none declared yet"
        raise ValueError(f"{what} must name a declared tier ({known}); got {name!r}")

    def tier(
        self,
        name: str,
        servers: int = 1,
        service: Distribution | float = 0.0,
        *,
        concurrency: int = 1,
        policy: str = "random",
        d: int = 2,
        weights: Sequence[float] | None = None,
        capacity: int | None = None,
        shards: int = 1,
        keys: int | None = None,
        key_skew: float = 0.0,
        placement: Any = None,
        hit_probability: float = 0.0,
        cache_items: int | None = None,
        error_probability: float = 0.0,
        autoscale: Autoscale | None = None,
        breaker: Breaker | None = None,
        shed_wait_s: float | None = None,
        lifo_above: int | None = None,
    ) -> System:
        """Declare a tier of ``servers`` servers (per shard), each serving up to ``concurrency``
        requests at once for a ``service`` time (a :class:`~scalemodel.distributions.Distribution`
        or a mean in seconds, exponential; 0 makes a pure router or client).

        policy: the balancer across a shard's servers, one of :data:`~scalemodel.sim.POLICIES`
        (``least_outstanding_work`` counts the full service time of queued requests and the
        rest of those in service; ``sticky`` hashes the request's client). capacity: most
        requests per server, queued or holding a slot; beyond it a request is dropped (and
        fails). shards: independent pools addressed by key; keys (default one per shard) are
        drawn with Zipf exponent ``key_skew`` and placed by ``placement`` (one shard per key,
        or a :mod:`scalemodel.hashing` scheme of ``shards`` nodes; default key mod shards).
        hit_probability: the tier is a cache; a hit skips its calls, a miss makes them (a
        read-through cache, holding its slot) and tells the caller, whose ``after_miss`` calls
        then run (cache-aside; see :meth:`call`). cache_items: the tier is
        an LRU cache of that many keys instead: each visit draws one of ``keys`` keys (Zipf
        ``key_skew``, independent of other tiers' keys); a hit skips the calls, a miss makes
        them and caches the key (one shard; ``keys`` required, at most 10^7).
        error_probability: a visit fails after its service (an error reply; no calls, no
        hand-off), independently of other visits. autoscale: an :class:`Autoscale` policy that
        resizes the tier during the run (``servers`` is then the starting size). breaker: a
        :class:`Breaker` in front of the tier. shed_wait_s: load shedding, a server turns away a
        visit whose expected wait (visits ahead of it over its slots, at the mean service time)
        exceeds this; lifo_above: with more than this many visits queued a server takes the
        newest first (adaptive LIFO: under overload, fresh requests still meet their deadline).
        """
        if breaker is not None and not isinstance(breaker, Breaker):
            raise TypeError(f"breaker must be a Breaker, got {type(breaker).__name__}")
        if autoscale is not None and not isinstance(autoscale, Autoscale):
            raise TypeError(f"autoscale must be an Autoscale, got {type(autoscale).__name__}")
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty string, got {name!r}")
        if any(t.name == name for t in self._tiers):
            raise ValueError(f"name must be unique: a tier {name!r} is already declared")
        if not isinstance(policy, str):
            raise TypeError(f"policy must be a string, got {type(policy).__name__}")
        if policy not in POLICY_NAMES:
            raise ValueError(f"policy must be one of {', '.join(_s.POLICIES)}; got {policy!r}")
        dist = _service(service)
        n = _whole("servers", servers, 1)
        nshards = _whole("shards", shards, 1)
        nkeys = None if keys is None else _whole("keys", keys, 1)
        self._tiers.append(
            Tier(
                name=name,
                servers=n,
                service=dist,
                concurrency=_whole("concurrency", concurrency, 1),
                policy=policy,
                d=_integer("d", d),
                weights=None
                if weights is None
                else tuple(float(w) for w in np.asarray(weights, dtype=float).ravel()),
                capacity=None if capacity is None else _whole("capacity", capacity, 1),
                shards=nshards,
                keys=nkeys,
                key_skew=_number("key_skew", key_skew),
                placement=_placement(placement, nshards, nkeys),
                hit_probability=_number("hit_probability", hit_probability),
                cache_items=None if cache_items is None else _whole("cache_items", cache_items, 1),
                error_probability=_number("error_probability", error_probability),
                autoscale=autoscale,
                breaker=breaker,
                shed_wait_s=None if shed_wait_s is None else _number("shed_wait_s", shed_wait_s),
                lifo_above=None if lifo_above is None else _whole("lifo_above", lifo_above, 1),
            )
        )
        return self

    def route(self, source: str, target: str, probability: float = 1.0) -> System:
        """After a visit to ``source``, a request moves on to ``target`` with ``probability``
        (a hand-off; what is not routed on leaves the system)."""
        self._index("source", source)
        self._index("target", target)
        self._routes.append(_Route(source, target, _number("probability", probability)))
        return self

    def call(
        self,
        caller: str,
        callee: str,
        *,
        count: int = 1,
        probability: float = 1.0,
        fanout: int = 1,
        wait: int | str = "all",
        after_miss: bool = False,
    ) -> System:
        """After its service at ``caller``, a request calls ``callee`` while it holds its slot.

        With ``probability`` the visit makes the call: ``count`` sequential rounds, each of
        ``fanout`` parallel sub-requests to distinct servers (or, for a sharded callee, distinct
        shards), awaiting ``wait`` answers: ``"all"``, the first k, or 0 (fire and forget).
        after_miss: the call is made only when the caller's previous call reached a cache tier
        that missed: cache-aside, where the application reads the cache and, on a miss, the
        database (the cache's own slot is not held meanwhile, unlike a read-through
        ``call(cache, db)``).
        """
        if not isinstance(after_miss, bool):
            raise TypeError(f"after_miss must be True or False, got {type(after_miss).__name__}")
        self._index("caller", caller)
        self._index("callee", callee)
        if isinstance(wait, str):
            if wait != "all":
                raise ValueError(f"wait must be 'all' or a whole number of answers, got {wait!r}")
            k = -1
        else:
            k = _whole("wait", wait, 0)
        self._calls.append(
            _Call(
                caller,
                callee,
                _whole("count", count, 1),
                _number("probability", probability),
                _whole("fanout", fanout, 1),
                k,
                after_miss,
            )
        )
        return self

    def outage(
        self,
        tier: str,
        *,
        at_s: float,
        until_s: float = math.inf,
        shard: int | None = None,
        servers: int | None = None,
    ) -> System:
        """Take ``servers`` servers (None: all) of one ``shard`` (None: every shard) of ``tier``
        down from ``at_s`` until ``until_s`` (inf: for good)."""
        self._index("tier", tier)
        self._outages.append(
            _Outage(
                tier,
                _number("at_s", at_s),
                _number("until_s", until_s),
                None if shard is None else _whole("shard", shard, 0),
                None if servers is None else _whole("servers", servers, 1),
            )
        )
        return self

    # --- running ----------------------------------------------------------------------------
    def _config(self, requests: int, warmup: int, window_s: float, slo_s: float, slo_quantile: float) -> Any:
        if not self._tiers:
            raise ValueError("the system has no tiers: declare them with System.tier")
        c = _s.SystemConfig()
        tiers = []
        for t in self._tiers:
            tc = _s.TierConfig()
            tc.name, tc.servers, tc.concurrency = t.name, t.servers, t.concurrency
            tc.service = t.service._engine
            tc.policy = t.policy
            tc.d = 2 if t.policy == "power_of_two" else t.d
            tc.weights = [] if t.weights is None else list(t.weights)
            tc.capacity = 0 if t.capacity is None else t.capacity
            tc.shards, tc.keys, tc.key_skew = t.shards, t.keys or 0, t.key_skew
            tc.placement = [] if t.placement is None else list(t.placement)
            tc.hit_probability = t.hit_probability
            tc.cache_items = t.cache_items or 0
            tc.error_probability = t.error_probability
            if t.breaker is not None:
                tc.breaker = t.breaker._engine()
            tc.shed_wait_s = math.inf if t.shed_wait_s is None else t.shed_wait_s
            tc.lifo_above = t.lifo_above or 0
            if t.autoscale is not None:
                tc.autoscale = t.autoscale._engine()
            else:
                tc.autoscale.max_servers = 0
            tiers.append(tc)
        c.tiers = tiers
        index = {t.name: i for i, t in enumerate(self._tiers)}
        routes = []
        for r in self._routes:
            rc = _s.RouteConfig()
            rc.source, rc.target, rc.probability = index[r.source], index[r.target], r.probability
            routes.append(rc)
        c.routes = routes
        calls = []
        for k in self._calls:
            cc = _s.CallConfig()
            cc.caller, cc.callee = index[k.caller], index[k.callee]
            cc.count, cc.probability, cc.fanout, cc.wait = k.count, k.probability, k.fanout, k.wait
            cc.after_miss = k.after_miss
            calls.append(cc)
        c.calls = calls
        outages = []
        for o in self._outages:
            oc = _s.TierOutage()
            oc.tier, oc.at_s, oc.until_s = index[o.tier], o.at_s, o.until_s
            oc.shard = -1 if o.shard is None else o.shard
            oc.servers = 0 if o.servers is None else o.servers
            outages.append(oc)
        c.outages = outages
        c.arrivals = self.arrivals._engine
        c.entry = 0 if self.entry is None else self._index("entry", self.entry)
        c.requests, c.warmup, c.window_s = requests, warmup, window_s
        c.slo_s, c.slo_quantile = slo_s, slo_quantile
        c.clients = _integer("clients", self.clients)
        c.client_skew = _number("client_skew", self.client_skew)
        c.service_times = self.service_times_s or []
        c.keys = self.keys or []
        if self.client_keys is not None:
            c.clients, c.client_ids = self._client_ids
        c.client = self.client._engine()
        return c

    def simulate(
        self,
        *,
        requests: int | None = None,
        warmup: int | None = None,
        replications: int = 10,
        seed: int = 0,
        threads: int = 0,
        window_s: float | None = None,
        slo_s: float | None = None,
        slo_quantile: float = 0.99,
        level: float = 0.95,
    ) -> SystemResult:
        """Simulate the system: ``replications`` independent runs of ``requests`` counted
        requests (default 100,000; for a replay, every timestamp after the warm-up) after
        ``warmup`` discarded ones (default 10% of requests). window_s: also record a time
        series in windows of that many seconds (:meth:`SystemResult.timeseries`); with
        ``slo_s``, a window misses the SLO when its ``slo_quantile`` response (failures count
        as slow) is above slo_s, and the metric ``slo_violation_s`` adds up those windows' seconds
        (windows from the end of the warm-up to the last arrival). threads: 0
        uses every core; the result does not depend on it. level: confidence level."""
        requests, warmup = _run_length(self.arrivals, "requests", requests, warmup)
        window = 0.0 if window_s is None else _number("window_s", window_s)
        if window_s is not None and not window > 0:
            raise ValueError(f"window_s must be > 0 seconds (or None for no time series), got {window_s}")
        run = _run_spec(seed=seed, replications=replications, threads=threads)
        _level(level)
        slo = math.inf if slo_s is None else _number("slo_s", slo_s)
        config = self._config(requests, warmup, window, slo, _number("slo_quantile", slo_quantile))
        raw = _progress.run(lambda: _s.simulate_system(config, run), "system simulation")
        params = {"requests": requests, "warmup": warmup, "replications": run.replications, "seed": run.seed}
        return SystemResult(raw, tuple(t.name for t in self._tiers), window, params, level)

    # --- looking at it ----------------------------------------------------------------------
    def edges(self) -> pd.DataFrame:
        """One row per route and call: source, target, kind and its parameters."""
        rows: list[dict[str, Any]] = [
            {"source": r.source, "target": r.target, "kind": "route", "probability": r.probability}
            for r in self._routes
        ]
        for k in self._calls:
            rows.append(
                {
                    "source": k.caller,
                    "target": k.callee,
                    "kind": "async call" if k.wait == 0 else "call",
                    "probability": k.probability,
                    "count": k.count,
                    "fanout": k.fanout,
                    "wait": "all" if k.wait < 0 else k.wait,
                    "after_miss": k.after_miss,
                }
            )
        return pd.DataFrame(
            rows, columns=["source", "target", "kind", "probability", "count", "fanout", "wait", "after_miss"]
        )

    def plot(self, ax: Any = None) -> Any:
        """Draw the graph: tiers left to right by depth from the entry, calls as solid arrows
        (labelled with count, fan-out and probability), routes as dashed arrows."""
        import matplotlib.pyplot as plt

        if not self._tiers:
            raise ValueError("the system has no tiers: declare them with System.tier")
        names = [t.name for t in self._tiers]
        entry = names[0] if self.entry is None else self.entry
        depth = {entry: 0}
        frontier = [entry]
        links = [(r.source, r.target) for r in self._routes] + [(k.caller, k.callee) for k in self._calls]
        while frontier:
            nxt = []
            for n in frontier:
                for a, b in links:
                    if a == n and b not in depth:
                        depth[b] = depth[n] + 1
                        nxt.append(b)
            frontier = nxt
        for n in names:
            depth.setdefault(n, max(depth.values()) + 1)
        columns: dict[int, list[str]] = {}
        for n in names:
            columns.setdefault(depth[n], []).append(n)
        pos = {}
        for col, members in columns.items():
            for i, n in enumerate(members):
                pos[n] = (col, (len(members) - 1) / 2 - i)
        if ax is None:
            width = 2.6 * (max(columns) + 1) + 1
            _, ax = plt.subplots(figsize=(min(width, 14), 1.6 * max(len(m) for m in columns.values()) + 1.8))
        boxes = {}
        for t in self._tiers:
            x, y = pos[t.name]
            size = f"{t.servers} server" + ("s" if t.servers > 1 else "")
            if t.shards > 1:
                size += f" x {t.shards} shards"
            label = f"{t.name}\n{size}"
            if t.concurrency > 1:
                label += f"\n{t.concurrency:,} slots each"
            if t.hit_probability > 0:
                label += f"\nhit {t.hit_probability:.0%}"
            if t.cache_items:
                label += f"\nLRU {t.cache_items:,} of {t.keys:,}"
            if t.autoscale is not None:
                label += f"\nautoscaled {t.autoscale.min_servers}-{t.autoscale.max_servers}"
            boxes[t.name] = ax.text(
                x,
                y,
                label,
                ha="center",
                va="center",
                fontsize=8,
                bbox={"boxstyle": "round,pad=0.4", "facecolor": "#e8f0fa", "edgecolor": "#335"},
            )
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        ax.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
        ax.set_ylim(min(ys) - 0.9, max(ys) + 1.0)
        edges: list[tuple[str, str, str, str, str]] = []  # source, target, label, style, colour
        for k in self._calls:
            parts = [
                f"x{k.count}" if k.count > 1 else "",
                f"fan-out {k.fanout}" if k.fanout > 1 else "",
                f"p={k.probability:g}" if k.probability < 1 else "",
                "on miss" if k.after_miss else "",
                "async" if k.wait == 0 else (f"first {k.wait}" if 0 < k.wait < k.fanout else ""),
            ]
            edges.append((k.caller, k.callee, " ".join(p for p in parts if p) or "call", "-", "#124"))
        for r in self._routes:
            label = f"p={r.probability:g}" if r.probability < 1 else ""
            edges.append((r.source, r.target, label, "--", "#a40"))
        seen: dict[tuple[str, str], int] = {}
        counts: dict[tuple[str, str], int] = {}
        for a, b, *_ in edges:
            counts[(a, b)] = counts.get((a, b), 0) + 1
        for a, b, label, style, color in edges:
            i = seen.get((a, b), 0)
            seen[(a, b)] = i + 1
            spread = 0.25 * (i - (counts[(a, b)] - 1) / 2)  # parallel edges fan apart
            _arrow(ax, boxes[a], boxes[b], label, style, color, spread)
        ax.set_axis_off()
        ax.set_title("calls (solid) and routes (dashed)", fontsize=9)
        return ax


def _arrow(ax: Any, a: Any, b: Any, label: str, style: str, color: str, spread: float = 0.0) -> None:
    """An arrow between two tier boxes (clipped at their edges), its label beside its middle;
    an arrow from a box to itself is a loop above it."""
    (xa, ya), (xb, yb) = a.get_position(), b.get_position()
    props = {"arrowstyle": "-|>", "linestyle": style, "color": color, "shrinkA": 2, "shrinkB": 2}
    text = {
        "ha": "center",
        "va": "bottom",
        "fontsize": 7.5,
        "color": color,
        "textcoords": "offset points",
        "bbox": {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
    }
    if a is b:  # a loop over the box, in the box's own coordinates (fractions of its extent)
        ax.annotate(
            "",
            xy=(0.8, 1.0),
            xycoords=a,
            xytext=(0.2, 1.0),
            textcoords=a,
            arrowprops={**props, "connectionstyle": "arc3,rad=-1.3"},
        )
        if label:
            ax.annotate(label, (0.5, 1.0), xycoords=a, xytext=(0, 16 + 20 * spread), **text)
        return
    bend = spread + (0.45 if xa >= xb else 0.0)  # back edges curve around the boxes
    ax.annotate(
        "",
        xy=(xb, yb),
        xytext=(xa, ya),
        arrowprops={
            **props,
            "patchA": a.get_bbox_patch(),
            "patchB": b.get_bbox_patch(),
            "connectionstyle": f"arc3,rad={bend}",
        },
    )
    if label:
        # The middle of an arc3 curve lies bend x half the chord off its midpoint, in display space.
        (pa, pb) = ax.transData.transform([(xa, ya), (xb, yb)])
        dx, dy = pb - pa
        mid = (pa + pb) / 2 + 0.5 * bend * np.array([dy, -dx])
        mx, my = ax.transData.inverted().transform(mid)
        ax.annotate(label, (mx, my), xytext=(0, 3), **text)


POLICY_NAMES = frozenset(_s.POLICIES) | {"least_work", "power_of_two", "ip_hash"}


def _service(service: Any) -> Distribution:
    if isinstance(service, (int, float)) and not isinstance(service, bool) and service == 0:
        return Deterministic(0.0)
    return as_distribution("service", service, number="exponential")


def _placement(placement: Any, shards: int, keys: int | None) -> tuple[int, ...] | None:
    if placement is None:
        return None
    from scalemodel.hashing import Scheme

    n = keys or shards
    if isinstance(placement, Scheme):
        if placement.nodes != shards:
            raise ValueError(f"placement must have {shards} nodes (one per shard), got {placement.nodes}")
        return tuple(int(s) for s in placement.assign(np.arange(n, dtype=np.uint64)))
    arr = np.asarray(placement)
    if arr.dtype.kind not in "iu" or arr.ndim != 1:
        raise TypeError(
            "placement must be a hashing scheme or a 1-D integer array of shard indices, one per key"
        )
    if arr.size != n:
        raise ValueError(f"placement must give a shard for each of the {n} keys, got {arr.size}")
    return tuple(int(s) for s in arr)


class SystemResult(ReplicatedResult):
    """Results of :meth:`System.simulate`: end-to-end metrics with intervals (``to_frame()``,
    ``ci(name)``), a table per tier (:meth:`tiers`), pooled response quantiles and a time
    series."""

    def __init__(
        self,
        raw: dict[str, Any],
        names: tuple[str, ...],
        window_s: float,
        params: dict[str, Any],
        level: float,
    ) -> None:
        super().__init__(dict(raw["metrics"]), params, level)
        self._names = names
        self._tier_values: dict[str, np.ndarray] = dict(raw["tiers"])
        self._windows: dict[str, np.ndarray] = dict(raw["windows"])
        self._window_servers: list[np.ndarray] = list(raw["window_servers"])
        self._window_s = window_s
        self._hist: np.ndarray = raw["response"]
        self._own: list[np.ndarray] = list(raw["own"])

    @property
    def stable(self) -> bool:
        """False when load is at or above capacity (the overload rule in the module's notes) or
        some replication's queues overflowed."""
        return self._none_overflowed()

    mean_response = _Estimate("Mean end-to-end response time, seconds.")
    throughput = _Estimate("Requests answered per second.")
    fail_rate = _Estimate("Share of counted requests that failed (errors, drops, outages, timeouts).")
    timeout_rate = _Estimate("Share of counted requests whose last attempt timed out.")
    goodput = _Estimate(
        """Successful requests answered within the deadline (``slo_s``, else the client's
        timeout, else any) per second."""
    )
    wasted_work = _Estimate(
        """Share of service time spent on work nobody waited for any more: attempts the client
        had abandoned, losing hedges, late answers of a wait-for-first-k fan-out."""
    )

    def recovery_time(self, after_s: float, baseline: tuple[float, float], tolerance: float = 0.1) -> float:
        """Seconds from ``after_s`` (say, the end of a spike) until a window's goodput is back
        within ``tolerance`` of its mean over the ``baseline`` (start, end) interval, from the
        time series (mean over replications); inf if it never is within the run: the system
        stayed in a bad state (metastable) after its trigger passed."""
        ts = self.timeseries()
        t = ts.index.to_numpy()
        base = ts["good"][(t >= baseline[0]) & (t + self._window_s <= baseline[1])]
        if base.empty:
            raise ValueError("baseline must cover at least one whole window of the time series")
        target = (1 - tolerance) * float(base.mean())
        later = ts["good"][t >= after_s]
        back = later[later >= target]
        # The last window is partial: a run that ends before recovering has not recovered.
        return float(back.index[0] - after_s) if not back.empty else math.inf

    @property
    def events(self) -> int:
        """Events processed over all replications (arrivals and service completions)."""
        return int(self._metrics["events"].sum())

    def response_quantile(self, q: Any) -> Any:
        """q-quantile of the end-to-end response time over all replications, s (within 0.39%)."""
        return _pooled_quantile(self._hist, q, self.stable)

    def tier_quantile(self, tier: str, q: Any) -> Any:
        """q-quantile of a tier's own time per visit over all replications: the wait for a
        slot plus the service, calls left out (what a queueing model of one station predicts),
        seconds, within 0.39%."""
        if tier not in self._names:
            raise ValueError(f"tier must be one of {', '.join(self._names)}; got {tier!r}")
        return _pooled_quantile(self._own[self._names.index(tier)], q, self.stable)

    def response_histogram(self) -> tuple[np.ndarray, np.ndarray]:
        """(bucket values in seconds, counts) of the pooled response times, empty buckets dropped."""
        keep = self._hist > 0
        return _s.histogram_edges()[keep], self._hist[keep].copy()

    def tier_values(self, tier: str, metric: str) -> np.ndarray:
        """One value of a tier metric per replication."""
        if tier not in self._names:
            raise ValueError(f"tier must be one of {', '.join(self._names)}; got {tier!r}")
        if metric not in self._tier_values:
            raise ValueError(f"metric must be one of {', '.join(self._tier_values)}; got {metric!r}")
        return self._tier_values[metric][self._names.index(tier)].copy()

    def tier_ci(self, tier: str, metric: str, level: float | None = None) -> tuple[float, float]:
        """Student-t interval of a tier metric over replications."""
        lvl = self._level if level is None else _level(level)
        _, low, high, _ = _core.stats.t_interval(self.tier_values(tier, metric), lvl)
        return float(low), float(high)

    def tiers(self) -> pd.DataFrame:
        """One row per tier, one column per metric (means over replications): visits per
        request, throughput (visits/s), utilization (serving) and occupancy (slots held) of the
        active servers, mean queue and mean requests at the tier, mean wait and time per visit
        (s), drops and failures per replication, time-average servers and server-hours."""
        with warnings.catch_warnings():  # a tier nobody visited has NaN in every replication
            warnings.simplefilter("ignore", RuntimeWarning)
            means = {m: np.nanmean(v, axis=1) for m, v in self._tier_values.items()}
        return pd.DataFrame(means, index=pd.Index(self._names, name="tier"))

    def timeseries(self) -> pd.DataFrame:
        """Per window of ``window_s`` seconds from time 0 (warm-up included), means over
        replications: arrivals, completed and failed requests, their rates, and the mean
        response of the requests that completed in the window. The series keeps the first
        :data:`~scalemodel.sim.MAX_WINDOWS` windows (a warning says when the run was longer)."""
        if not self._window_s > 0:
            raise ValueError("no time series: simulate with window_s=... seconds")
        n = self._windows["arrivals"].size
        if n * self._window_s < float(
            np.nanmax(self._metrics["duration"])
        ):  # shorter than the measurement alone
            warnings.warn(
                f"the time series keeps {MAX_WINDOWS} windows of window_s={self._window_s:g} s and the run "
                f"was longer: it covers {n * self._window_s:g} s; choose a larger window_s",
                stacklevel=2,
            )
        frame = pd.DataFrame(self._windows, index=pd.Index(np.arange(n) * self._window_s, name="time_s"))
        frame["throughput"] = frame["completed"] / self._window_s
        for name, servers in zip(self._names, self._window_servers):
            frame[f"servers[{name}]"] = servers
        return frame

    def server_cost(self, instances: dict[str, Any], catalogue: Any = None) -> pd.DataFrame:
        """Price the servers each tier ran during the measurement window: ``instances`` maps
        a tier to an instance name of the :class:`~scalemodel.cost.Catalogue` (default: the
        bundled one) or an :class:`~scalemodel.cost.Instance`. One row per tier: server-hours
        (means over replications), USD per server-hour, USD for the window, and the same
        spend as USD per month."""
        from scalemodel import cost

        cat = cost.Catalogue.load() if catalogue is None else catalogue
        hours_per_month = float(_core.SECONDS_PER_MONTH) / 3600
        window_h = self.estimate("duration") / 3600
        rows = {}
        for tier, inst in instances.items():
            spec = inst if isinstance(inst, cost.Instance) else cat.instance(inst)
            hours = float(np.nanmean(self.tier_values(tier, "server_hours")))
            rate = spec.usd_per_month / hours_per_month
            rows[tier] = {
                "instance": spec.name,
                "server_hours": hours,
                "usd_per_server_hour": rate,
                "usd": hours * rate,
                "usd_per_month": hours * rate / window_h * hours_per_month if window_h > 0 else math.nan,
            }
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "tier"
        return frame

    def plot_latency(self, ax: Any = None, *, quantiles: Sequence[float] = (0.5, 0.99, 0.999)) -> Any:
        """Plot the end-to-end response-time distribution (complementary CDF, log axes) with
        the given quantiles marked."""
        ax = _plot.axes(ax, (7, 4.5))
        values, counts = self.response_histogram()
        tail = 1.0 - np.cumsum(counts) / counts.sum()
        keep = tail > 0
        ax.step(values[keep], tail[keep], where="post", color="#124")
        for q in quantiles:
            x = float(self.response_quantile(q))
            ax.axvline(x, linestyle=":", color="#a40", linewidth=0.9)
            ax.text(x, 1.0 - q, f" p{100 * q:g} = {x:.3g} s", fontsize=8, va="bottom", color="#a40")
        return _plot.finish(ax, "end-to-end response time (s)", "P(response > x)", log="xy", legend=False)

    def __repr__(self) -> str:
        return _latency_repr(
            self,
            f"throughput={self.throughput:.4g}/s, fail_rate={self.fail_rate:.3g}",
            unstable="load at or above capacity, delays inf",
        )


__dir__ = _api_dir(globals())
