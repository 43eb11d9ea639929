"""Caches: Zipf request streams and a cache simulator.

Items are whole numbers 0..N-1 (a catalogue of N items); popularity follows a Zipf law,
the item of rank k (1 = hottest) drawing a share proportional to k^-alpha. Ranks are
sampled by rejection-inversion (Hoermann and Derflinger, 1996) in O(1) time and memory
whatever N. The simulator keeps its state in flat arrays indexed by item id, so one run
handles tens of millions of requests per second per core.

:func:`simulate_cache` runs LRU, LFU, FIFO and TTL caches, capacity in items or in bytes,
over independent replications (replication r draws from its own random streams, so the
same seed gives the same result on any number of threads) and returns a
:class:`CacheResult` with Student-t intervals. The closed forms that check it (Che's
approximation, the TTL-cache formula, Zipf shares, write policies) are in
:mod:`scalemodel.caching`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scalemodel import _core, _progress
from scalemodel._arrays import api_dir as _api_dir
from scalemodel._arrays import as_count as _as_count
from scalemodel._arrays import configure as _configure
from scalemodel._arrays import integer as _integer
from scalemodel._arrays import level as _level
from scalemodel._arrays import number as _number
from scalemodel._arrays import run_spec as _run_spec
from scalemodel._arrays import seed as _seed
from scalemodel._arrays import whole as _whole
from scalemodel.results import Estimate as _Estimate
from scalemodel.results import ReplicatedResult

__all__ = [
    "CACHE_POLICIES",
    "MAX_CATALOGUE",
    "SIZE_KINDS",
    "CacheResult",
    "ItemSizes",
    "simulate_cache",
    "zipf_requests",
]

_s = _core.sim

#: Cache replacement policies of :func:`simulate_cache`.
CACHE_POLICIES: tuple[str, ...] = tuple(_s.CACHE_POLICIES)
#: Kinds of :class:`ItemSizes`.
SIZE_KINDS: tuple[str, ...] = tuple(_s.SIZE_KINDS)
#: Largest catalogue the simulator accepts (item ids are 32-bit links).
MAX_CATALOGUE: int = int(_s.MAX_CATALOGUE)


# --- item sizes -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemSizes:
    """Object sizes in bytes, a fixed function of (item, seed): an item keeps its size for
    the whole run and no per-item table is stored. Build with :meth:`fixed`,
    :meth:`uniform`, :meth:`lognormal` or :meth:`pareto`; sizes round to whole bytes >= 1."""

    kind: str
    a: float
    b: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str):
            raise TypeError(f"kind must be one of {list(SIZE_KINDS)}, got {type(self.kind).__name__}")
        for name in ("a", "b"):
            object.__setattr__(self, name, _number(name, getattr(self, name)))
        # The engine's range checks, at construction (not at the first simulation).
        _s.item_sizes(self._spec(), 0, np.zeros(0, dtype=np.int64))

    @classmethod
    def fixed(cls, size_bytes: float) -> ItemSizes:
        return cls("fixed", _number("size_bytes", size_bytes))

    @classmethod
    def uniform(cls, low_bytes: float, high_bytes: float) -> ItemSizes:
        """Whole byte counts uniform on [low_bytes, high_bytes]."""
        return cls("uniform", _number("low_bytes", low_bytes), _number("high_bytes", high_bytes))

    @classmethod
    def lognormal(cls, median_bytes: float, sigma: float) -> ItemSizes:
        """Lognormal sizes: median ``median_bytes``, standard deviation of the log ``sigma``."""
        return cls("lognormal", _number("median_bytes", median_bytes), _number("sigma", sigma))

    @classmethod
    def pareto(cls, minimum_bytes: float, shape: float) -> ItemSizes:
        """Pareto sizes from ``minimum_bytes`` with tail index ``shape`` (heavy tail)."""
        return cls("pareto", _number("minimum_bytes", minimum_bytes), _number("shape", shape))

    def _spec(self) -> Any:
        """The engine's size specification (the kind parsed by name there)."""
        spec = _s.SizeSpec()
        spec.kind, spec.a, spec.b = self.kind, self.a, self.b
        return spec

    def of(self, items: Any, seed: int = 0) -> np.ndarray:
        """The sizes (bytes) of the given item ids under ``seed``, as the simulator sees them."""
        ids = np.ascontiguousarray(_as_count("items", items, 0).ravel())
        return np.asarray(_s.item_sizes(self._spec(), _seed(seed), ids)).reshape(np.shape(items))


def _sizes(value: Any) -> ItemSizes:
    if value is None:
        return ItemSizes("fixed", 1.0)
    if isinstance(value, ItemSizes):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return ItemSizes.fixed(value)
        except ValueError as e:  # the engine's message names ItemSizes.fixed's size_bytes
            raise ValueError(f"sizes (a fixed size): {e}") from None
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

    hit_ratio = _Estimate("Share of requests served from the cache.")
    byte_hit_ratio = _Estimate("Share of requested bytes served from the cache.")
    miss_ratio = _Estimate("Share of requests that missed.")
    miss_rate = _Estimate("Misses per second on the backing store (NaN without a request_rate).")
    mean_latency_s = _Estimate("Mean request latency, seconds.", metric="mean_latency")
    tail_latency_s = _Estimate(
        """The ``latency_quantile`` (default 0.99) of request latency: each replication's
        quantile (the hit or the miss latency), averaged over replications, so a value in
        between means the miss share sits near ``1 - latency_quantile``.""",
        metric="tail_latency",
    )
    evictions = _Estimate("Evictions per replication in the counted window (expiries not included).")

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
    config = _configure(
        _s.CacheConfig(),
        locals(),
        *("policy", "catalogue_size", "zipf_alpha", "capacity", "capacity_bytes", "churn_interval"),
        *("churn_shift", "ttl_s", "request_rate", "hit_latency_s", "miss_latency_s", "latency_quantile"),
    )
    ids = None
    if trace is not None:
        ids = np.ascontiguousarray(_as_count("trace", trace, 0).ravel())
        if ids.size == 0:
            raise ValueError("trace must hold at least one item id")
        warmup = _integer("warmup", ids.size // 10 if warmup is None else warmup)
        requests = _integer("requests", ids.size - warmup if requests is None else requests)
    else:
        requests = _integer("requests", 1_000_000 if requests is None else requests)
        warmup = _integer("warmup", requests if warmup is None else warmup)
    config.requests, config.warmup = requests, warmup
    size = _sizes(sizes)
    config.sizes = size._spec()
    run = _run_spec(seed=seed, replications=replications, threads=threads)
    _level(level)
    raw = _progress.run(lambda: _s.simulate_cache(config, run, ids), "cache")
    params = {
        "policy": policy,
        "capacity": capacity,
        "capacity_bytes": capacity_bytes,
        "catalogue_size": config.catalogue_size,
        "zipf_alpha": config.zipf_alpha,
        "requests": requests,
        "warmup": warmup,
        "replications": run.replications,
        "seed": run.seed,
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
    seed (its first ``count``, warm-up included): an int64 array of ids in [0, N). count is
    at most 2**28 (2 GiB of ids; the simulator itself takes any number of requests)."""
    n = _whole("catalogue_size", catalogue_size, 1, MAX_CATALOGUE)
    if churn_shift is not None and churn_interval is None:
        raise ValueError("churn_shift needs a churn_interval (how often the hot set moves)")
    return np.asarray(
        _s.zipf_requests(
            n,
            _number("zipf_alpha", zipf_alpha),
            _whole("count", count, 0, 2**28),  # 2 GiB of ids
            0 if churn_interval is None else _whole("churn_interval", churn_interval, 1),
            -1 if churn_shift is None else _whole("churn_shift", churn_shift, 0, n - 1),
            _seed(seed),
            _whole("replication", replication, 0, 2**62),
        )
    )


__dir__ = _api_dir(globals())
