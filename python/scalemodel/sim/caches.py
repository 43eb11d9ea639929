"""Caches: Zipf request streams, a cache simulator and the analytic models that check it.

Items are whole numbers 0..N-1 (a catalogue of N items); popularity follows a Zipf law,
the item of rank k (1 = hottest) drawing a share proportional to k^-alpha. Ranks are
sampled by rejection-inversion (Hoermann and Derflinger, 1996) in O(1) time and memory
whatever N. The simulator keeps its state in flat arrays indexed by item id, so one run
handles tens of millions of requests per second per core.

:func:`simulate_cache` runs LRU, LFU, FIFO and TTL caches, capacity in items or in bytes,
over independent replications (replication r draws from its own random streams, so the
same seed gives the same result on any number of threads) and returns a
:class:`CacheResult` with Student-t intervals. The closed forms beside it:
:func:`che_hit_ratio` (Che's approximation for LRU, and its FIFO analogue),
:func:`ttl_hit_ratio` (exact for Poisson requests), :func:`top_share` and its inverses
:func:`items_for_share` and :func:`zipf_alpha_for_share`, :func:`write_policy_load`
(database load and latency under cache-aside, write-through and write-behind) and
:func:`cdn_staleness`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scalemodel import _core, _progress
from scalemodel._arrays import as_count as _as_count
from scalemodel._arrays import as_float as _as_float
from scalemodel._arrays import broadcast as _broadcast
from scalemodel._arrays import level as _level
from scalemodel._arrays import number as _number
from scalemodel._arrays import seed as _seed
from scalemodel._arrays import shaped as _shaped
from scalemodel._arrays import threads as _threads
from scalemodel._arrays import whole as _whole
from scalemodel.results import ReplicatedResult

__all__ = [
    "CACHE_POLICIES",
    "MAX_CATALOGUE",
    "WRITE_POLICIES",
    "CacheResult",
    "ItemSizes",
    "Staleness",
    "WritePolicyLoad",
    "cdn_staleness",
    "che_characteristic_time",
    "che_hit_ratio",
    "items_for_share",
    "simulate_cache",
    "top_share",
    "ttl_hit_ratio",
    "write_policy_load",
    "zipf_alpha_for_share",
    "zipf_requests",
]

_s = _core.sim

#: Cache replacement policies of :func:`simulate_cache`.
CACHE_POLICIES: dict[str, int] = {"lru": 0, "lfu": 1, "fifo": 2, "ttl": 3}
#: Write policies of :func:`write_policy_load`.
WRITE_POLICIES: dict[str, int] = {"cache_aside": 0, "write_through": 1, "write_behind": 2}
#: Largest catalogue the simulator accepts (item ids are 32-bit links).
MAX_CATALOGUE: int = int(_s.MAX_CATALOGUE)


def _choice(name: str, value: Any, options: dict[str, int]) -> int:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    key = value.replace("-", "_")
    if key not in options:
        raise ValueError(f"{name} must be one of {', '.join(options)}; got {value!r}")
    return options[key]


# --- item sizes -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemSizes:
    """Object sizes in bytes, a fixed function of (item, seed): an item keeps its size for
    the whole run and no per-item table is stored. Build with :meth:`fixed`,
    :meth:`uniform`, :meth:`lognormal` or :meth:`pareto`; sizes round to whole bytes >= 1."""

    kind: int
    a: float
    b: float = 0.0

    @classmethod
    def fixed(cls, size_bytes: float) -> ItemSizes:
        return cls(0, _number("size_bytes", size_bytes))

    @classmethod
    def uniform(cls, low_bytes: float, high_bytes: float) -> ItemSizes:
        """Whole byte counts uniform on [low_bytes, high_bytes]."""
        return cls(1, _number("low_bytes", low_bytes), _number("high_bytes", high_bytes))

    @classmethod
    def lognormal(cls, median_bytes: float, sigma: float) -> ItemSizes:
        """Lognormal sizes: median ``median_bytes``, standard deviation of the log ``sigma``."""
        return cls(2, _number("median_bytes", median_bytes), _number("sigma", sigma))

    @classmethod
    def pareto(cls, minimum_bytes: float, shape: float) -> ItemSizes:
        """Pareto sizes from ``minimum_bytes`` with tail index ``shape`` (heavy tail)."""
        return cls(3, _number("minimum_bytes", minimum_bytes), _number("shape", shape))

    def of(self, items: Any, seed: int = 0) -> np.ndarray:
        """The sizes (bytes) of the given item ids under ``seed``, as the simulator sees them."""
        ids = np.ascontiguousarray(_as_count("items", items, 0).ravel())
        return np.asarray(_s.item_sizes(self.kind, self.a, self.b, _seed(seed), ids)).reshape(np.shape(items))


def _sizes(value: Any) -> ItemSizes:
    if value is None:
        return ItemSizes(0, 1.0)
    if isinstance(value, ItemSizes):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ItemSizes.fixed(value)
    raise TypeError(f"sizes must be None, a number of bytes or an ItemSizes, got {type(value).__name__}")


# --- the simulator --------------------------------------------------------------------------
class CacheResult(ReplicatedResult):
    """Per-replication metrics of :func:`simulate_cache`, with Student-t intervals.

    Properties are means over replications: ``hit_ratio`` (share of requests served from
    the cache), ``byte_hit_ratio`` (share of requested bytes), ``miss_ratio``,
    ``miss_rate`` (misses per second reaching the backing store; NaN without a
    request_rate), ``mean_latency_s`` and ``tail_latency_s`` (the latency quantile, p99 by
    default). ``ci(name)`` gives an interval for any of :attr:`metric_names`.
    """

    @property
    def hit_ratio(self) -> float:
        return self.estimate("hit_ratio")

    @property
    def byte_hit_ratio(self) -> float:
        return self.estimate("byte_hit_ratio")

    @property
    def miss_ratio(self) -> float:
        return self.estimate("miss_ratio")

    @property
    def miss_rate(self) -> float:
        """Misses per second on the backing store (NaN without a request_rate)."""
        return self.estimate("miss_rate")

    @property
    def mean_latency_s(self) -> float:
        return self.estimate("mean_latency")

    @property
    def tail_latency_s(self) -> float:
        """The ``latency_quantile`` (default 0.99) of request latency: each replication's
        quantile (the hit or the miss latency), averaged over replications, so a value in
        between means the miss share sits near ``1 - latency_quantile``."""
        return self.estimate("tail_latency")

    @property
    def evictions(self) -> float:
        """Evictions per replication in the counted window (expiries not included)."""
        return self.estimate("evictions")

    def __repr__(self) -> str:
        p = self._params
        low, high = self.ci("hit_ratio")
        return (
            f"CacheResult(policy={p['policy']!r}, hit_ratio={self.hit_ratio:.4f} "
            f"[{low:.4f}, {high:.4f}], byte_hit_ratio={self.byte_hit_ratio:.4f}, "
            f"replications={self.replications})"
        )

    def summary(self) -> pd.DataFrame:
        """The headline metrics with their intervals (a subset of :meth:`to_frame`)."""
        names = ["hit_ratio", "byte_hit_ratio", "miss_rate", "mean_latency", "tail_latency"]
        return self.to_frame().loc[names]


def simulate_cache(
    policy: str,
    capacity: int | None,
    catalogue_size: int,
    zipf_alpha: float,
    requests: int | None = None,
    *,
    warmup: int | None = None,
    replications: int = 10,
    seed: int = 0,
    threads: int = 0,
    ttl_s: float | None = None,
    request_rate: float | None = None,
    hit_latency_s: float = 0.001,
    miss_latency_s: float = 0.011,
    latency_quantile: float = 0.99,
    sizes: ItemSizes | float | None = None,
    capacity_bytes: float | None = None,
    churn_interval: int | None = None,
    churn_shift: int | None = None,
    trace: Any = None,
    level: float = 0.95,
) -> CacheResult:
    """Simulate a cache in front of a backing store, fed Zipf-distributed requests.

    policy: ``lru`` (evict the least recently used), ``lfu`` (fewest requests since the item
    entered the cache, ties to the least recently used), ``fifo`` (oldest insertion) or
    ``ttl`` (an item expires ``ttl_s`` after insertion, hits do not extend it; with a
    capacity, the oldest insertion goes first). capacity: most items held (None: no item
    limit); capacity_bytes: most bytes held, with per-item ``sizes`` (bytes or
    :class:`ItemSizes`; default 1 byte each). An item larger than capacity_bytes is never
    cached. catalogue_size: N items, ids 0..N-1; zipf_alpha: popularity exponent (0 =
    uniform). requests: counted requests per replication (default 1,000,000), after
    ``warmup`` uncounted ones (default: as many as counted, so the cache is warm). With a
    ``ttl_s``, warm up for several TTLs (``warmup`` >= a few ``ttl_s * request_rate``):
    the items' cycles (a miss, then ``ttl_s`` of hits) start in step and take a few TTLs
    to mix, so a shorter warm-up biases the hit ratio.

    request_rate: Poisson requests per second; gives time to ``ttl_s`` (which any policy
    may use) and turns misses into ``miss_rate`` (misses/s on the store). Expiry is lazy,
    as in memcached or Redis: an expired item leaves when next requested (a miss) or,
    before an eviction under lru, fifo and ttl, when it sits at the eviction end (both
    counted as ``expirations``); an expired item evicted elsewhere (any lfu victim, an
    lru item that is not the oldest) counts as an eviction. Each request
    takes ``hit_latency_s`` or ``miss_latency_s``. churn_interval: every that many
    requests the hot set moves, the item of each rank shifting by ``churn_shift`` ids
    (None: to a random offset, a full remap). trace: replay these item ids instead of
    sampling (warmup + requests of them; default all, the first tenth as warm-up).
    """
    code = _choice("policy", policy, CACHE_POLICIES)
    n = _whole("catalogue_size", catalogue_size, 1, MAX_CATALOGUE)
    alpha = _number("zipf_alpha", zipf_alpha)
    cap = 0 if capacity is None else _whole("capacity", capacity, 1)
    cap_bytes = 0.0 if capacity_bytes is None else _number("capacity_bytes", capacity_bytes)
    if capacity_bytes is not None and not cap_bytes > 0:
        raise ValueError(f"capacity_bytes must be a number > 0, got {capacity_bytes!r}")
    if churn_shift is not None and churn_interval is None:
        raise ValueError("churn_shift needs a churn_interval (how often the hot set moves)")
    if trace is not None:
        if churn_interval is not None:
            raise ValueError("churn_interval does not apply to a trace (its ids are replayed as given)")
        ids = np.ascontiguousarray(_as_count("trace", trace, 0).ravel())
        if warmup is None:
            warmup = ids.size // 10
        warmup = _whole("warmup", warmup, 0)
        requests = _whole("requests", ids.size - warmup if requests is None else requests, 1)
    else:
        ids = np.zeros(0, dtype=np.int64)
        requests = _whole("requests", 1_000_000 if requests is None else requests, 1)
        warmup = _whole("warmup", requests if warmup is None else warmup, 0)
    ttl = math.inf if ttl_s is None else _number("ttl_s", ttl_s)
    if ttl_s is not None and not (ttl > 0 and math.isfinite(ttl)):
        raise ValueError(f"ttl_s must be a finite number > 0, got {ttl_s!r}")
    rate = 0.0 if request_rate is None else _number("request_rate", request_rate)
    if request_rate is not None and not (rate > 0 and math.isfinite(rate)):
        raise ValueError(f"request_rate must be a finite number > 0, got {request_rate!r}")
    size = _sizes(sizes)
    interval = 0 if churn_interval is None else _whole("churn_interval", churn_interval, 1)
    shift = -1 if churn_shift is None else _whole("churn_shift", churn_shift, 0, n - 1)
    replications = _whole("replications", replications, 1, 2**24)
    seed = _seed(seed)
    threads = _threads(threads)
    _level(level)
    raw = _progress.run(
        lambda: _s.simulate_cache(
            code,
            cap,
            cap_bytes,
            n,
            alpha,
            interval,
            shift,
            ids,
            trace is not None,
            requests,
            warmup,
            ttl,
            rate,
            _number("hit_latency_s", hit_latency_s),
            _number("miss_latency_s", miss_latency_s),
            _number("latency_quantile", latency_quantile),
            size.kind,
            size.a,
            size.b,
            replications,
            seed,
            threads,
        ),
        "cache",
    )
    params = {
        "policy": policy,
        "capacity": capacity,
        "capacity_bytes": capacity_bytes,
        "catalogue_size": n,
        "zipf_alpha": alpha,
        "requests": requests,
        "warmup": warmup,
        "replications": replications,
        "seed": seed,
        "ttl_s": ttl_s,
        "request_rate": request_rate,
        "sizes": size,
        "churn_interval": churn_interval,
        "churn_shift": churn_shift,
        "trace": trace is not None,
    }
    return CacheResult(raw, params, level)


def zipf_requests(
    catalogue_size: int,
    zipf_alpha: float,
    count: int,
    *,
    seed: int = 0,
    replication: int = 0,
    churn_interval: int | None = None,
    churn_shift: int | None = None,
) -> np.ndarray:
    """The item ids replication ``replication`` of :func:`simulate_cache` requests with this
    seed (its first ``count``, warm-up included): an int64 array of ids in [0, N)."""
    n = _whole("catalogue_size", catalogue_size, 1, MAX_CATALOGUE)
    if churn_shift is not None and churn_interval is None:
        raise ValueError("churn_shift needs a churn_interval (how often the hot set moves)")
    return np.asarray(
        _s.zipf_requests(
            n,
            _number("zipf_alpha", zipf_alpha),
            _whole("count", count, 0, 2**40),
            0 if churn_interval is None else _whole("churn_interval", churn_interval, 1),
            -1 if churn_shift is None else _whole("churn_shift", churn_shift, 0, n - 1),
            _seed(seed),
            _whole("replication", replication, 0, 2**62),
        )
    )


# --- analytic companions --------------------------------------------------------------------
def _che(zipf_alpha: Any, catalogue_size: Any, capacity: Any, policy: str) -> tuple[Any, Any]:
    if policy not in ("lru", "fifo"):
        raise ValueError(f"policy must be lru or fifo, got {policy!r}")
    shape, f = _broadcast(
        a=_as_float("zipf_alpha", zipf_alpha),
        n=_as_count("catalogue_size", catalogue_size),
        c=_as_float("capacity", capacity),
    )
    t, hit = _s.che_approximation(f["a"], f["n"], f["c"], CACHE_POLICIES[policy])
    return _shaped(np.asarray(t), shape), _shaped(np.asarray(hit), shape)


def che_hit_ratio(zipf_alpha: Any, catalogue_size: Any, capacity: Any, policy: str = "lru") -> Any:
    """Che's approximation of the hit ratio of an LRU cache of ``capacity`` items over a
    Zipf(``zipf_alpha``) catalogue of ``catalogue_size`` items (independent requests).

    The characteristic time T solves sum_i (1 - exp(-p_i T)) = capacity; item i then hits
    with probability 1 - exp(-p_i T). ``policy="fifo"`` uses the FIFO (and random
    replacement) analogue p_i T / (1 + p_i T). Broadcasts over its arguments. The sums run
    exactly over the first 8192 ranks and by Euler-Maclaurin (a quadrature of the smooth
    tail and an end correction) beyond, relative error ~1e-10 or better: about a
    millisecond per element whatever ``catalogue_size``.
    """
    return _che(zipf_alpha, catalogue_size, capacity, policy)[1]


def che_characteristic_time(zipf_alpha: Any, catalogue_size: Any, capacity: Any, policy: str = "lru") -> Any:
    """The characteristic time T of :func:`che_hit_ratio`, in requests: an item not
    requested for T requests has left the cache (inf when the cache holds everything)."""
    return _che(zipf_alpha, catalogue_size, capacity, policy)[0]


def ttl_hit_ratio(zipf_alpha: Any, catalogue_size: Any, ttl_s: Any, request_rate: Any) -> Any:
    """Hit ratio of a TTL cache (no capacity limit; TTL set at insertion, not refreshed by
    hits) under Poisson requests at ``request_rate``/s over a Zipf catalogue: item i,
    requested at rate lambda_i, hits lambda_i T / (1 + lambda_i T) of its requests (one miss
    starts a window of T seconds of hits). Exact for Poisson requests; broadcasts. Summed
    like :func:`che_hit_ratio` (O(1) in the catalogue size, relative error ~1e-10)."""
    shape, f = _broadcast(
        a=_as_float("zipf_alpha", zipf_alpha),
        n=_as_count("catalogue_size", catalogue_size),
        t=_as_float("ttl_s", ttl_s),
        r=_as_float("request_rate", request_rate),
    )
    return _shaped(np.asarray(_s.ttl_hit_ratio(f["a"], f["n"], f["t"], f["r"])), shape)


def top_share(zipf_alpha: Any, catalogue_size: Any, fraction: Any) -> Any:
    """Share of requests that go to the most popular ``round(fraction * N)`` items of a
    Zipf(``zipf_alpha``) catalogue of N items. Exact generalized harmonic sums (head summed
    term by term, tail by Euler-Maclaurin), O(1) per element; broadcasts."""
    shape, f = _broadcast(
        a=_as_float("zipf_alpha", zipf_alpha),
        n=_as_count("catalogue_size", catalogue_size),
        x=_as_float("fraction", fraction),
    )
    return _shaped(np.asarray(_s.top_share(f["a"], f["n"], f["x"])), shape)


def items_for_share(zipf_alpha: Any, catalogue_size: Any, share: Any) -> Any:
    """The smallest fraction of items (k / N) whose requests make up ``share`` of all."""
    shape, f = _broadcast(
        a=_as_float("zipf_alpha", zipf_alpha),
        n=_as_count("catalogue_size", catalogue_size),
        s=_as_float("share", share),
    )
    return _shaped(np.asarray(_s.items_for_share(f["a"], f["n"], f["s"])), shape)


def zipf_alpha_for_share(catalogue_size: Any, fraction: Any, share: Any) -> Any:
    """The Zipf exponent for which the top ``fraction`` of items get ``share`` of the
    requests (e.g. 0.2 and 0.8 for the 80-20 rule). ``share`` must lie between
    ``fraction`` (alpha 0, uniform) and 1."""
    shape, f = _broadcast(
        n=_as_count("catalogue_size", catalogue_size, 2),
        x=_as_float("fraction", fraction),
        s=_as_float("share", share),
    )
    return _shaped(np.asarray(_s.zipf_alpha_for_share(f["n"], f["x"], f["s"])), shape)


@dataclass(frozen=True)
class WritePolicyLoad:
    """What a write policy costs: database reads and writes per second, and latency.

    Latencies are fixed per operation, so the request latency is a discrete distribution:
    ``quantile_latency_s`` is its exact ``quantile`` (p99 by default) over reads and writes
    together. Fields are arrays when the inputs were.
    """

    policy: str
    db_reads_per_s: Any
    db_writes_per_s: Any
    mean_read_latency_s: Any
    mean_write_latency_s: Any
    mean_latency_s: Any
    quantile_latency_s: Any
    quantile: float

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def write_policy_load(
    policy: str,
    read_rate: Any,
    write_rate: Any,
    hit_ratio: Any,
    *,
    cache_latency_s: Any = 0.001,
    db_read_latency_s: Any = 0.010,
    db_write_latency_s: Any = 0.010,
    quantile: float = 0.99,
) -> WritePolicyLoad:
    """Database load and request latency under a write policy.

    Reads are alike under every policy: a hit costs ``cache_latency_s``, a miss the cache
    lookup plus a database read (the cache fill happens after the reply). Writes:
    ``cache_aside`` writes the database and deletes the cached key; ``write_through``
    writes cache and database before replying; ``write_behind`` replies after the cache
    write and flushes to the database later (same rows per second, off the request path,
    lost if the cache dies before the flush). Broadcasts over the numeric arguments.
    """
    code = _choice("policy", policy, WRITE_POLICIES)
    shape, f = _broadcast(
        r=_as_float("read_rate", read_rate),
        w=_as_float("write_rate", write_rate),
        h=_as_float("hit_ratio", hit_ratio),
        c=_as_float("cache_latency_s", cache_latency_s),
        dr=_as_float("db_read_latency_s", db_read_latency_s),
        dw=_as_float("db_write_latency_s", db_write_latency_s),
    )
    q = _number("quantile", quantile)
    out = _s.write_policy_load(code, f["r"], f["w"], f["h"], f["c"], f["dr"], f["dw"], q)
    return WritePolicyLoad(
        policy=policy, quantile=q, **{k: _shaped(np.asarray(v), shape) for k, v in out.items()}
    )


@dataclass(frozen=True)
class Staleness:
    """How long users may see content after it changed, in seconds."""

    worst_s: Any
    mean_s: Any


def cdn_staleness(ttl_s: Any, invalidation_min_s: Any = 300.0, invalidation_max_s: Any = 900.0) -> Staleness:
    """Staleness of CDN content after an update at a random moment.

    Edges fetched their copies at times spread evenly over the TTL, so a copy's remaining
    lifetime is uniform on [0, ttl_s]; a purge lands after a delay uniform on
    [invalidation_min_s, invalidation_max_s]. Users see the old content until the earlier
    of the two: worst case min(ttl, max delay), mean E[min(R, D)] (exact). ``ttl_s`` inf
    means no TTL (only the purge helps), inf purge delays mean no purge. Broadcasts.
    """
    shape, f = _broadcast(
        t=_as_float("ttl_s", ttl_s),
        a=_as_float("invalidation_min_s", invalidation_min_s),
        b=_as_float("invalidation_max_s", invalidation_max_s),
    )
    worst, mean = _s.cdn_staleness(f["t"], f["a"], f["b"])
    return Staleness(_shaped(np.asarray(worst), shape), _shaped(np.asarray(mean), shape))
