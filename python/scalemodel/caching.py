"""Caching models in closed form: hit ratios, popularity shares, write policies, CDN staleness.

Requests follow a Zipf law over a catalogue of N items (the item of rank k, 1 = hottest,
draws a share proportional to k^-alpha). :func:`che_hit_ratio` is Che's approximation of
an LRU cache (and its FIFO / random-replacement analogue), :func:`ttl_hit_ratio` the exact
hit ratio of a TTL cache under Poisson requests; :func:`top_share` and its inverses
:func:`items_for_share` and :func:`zipf_alpha_for_share` turn the 80-20 rule into a Zipf
exponent; :func:`write_policy_load` gives database load and latency under cache-aside,
write-through and write-behind; :func:`cdn_staleness` how long users see old content.
Every function broadcasts over NumPy arrays and costs O(1) in the catalogue size. The
simulator these models check lives in :mod:`scalemodel.sim` (:func:`~scalemodel.sim.simulate_cache`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from scalemodel import _core
from scalemodel._arrays import api_dir as _api_dir
from scalemodel._arrays import as_count as _as_count
from scalemodel._arrays import number as _number
from scalemodel._arrays import text as _text
from scalemodel._arrays import vectorized as _vectorized

__all__ = [
    "CHE_POLICIES",
    "WRITE_POLICIES",
    "Staleness",
    "WritePolicyLoad",
    "cdn_staleness",
    "che_characteristic_time",
    "che_hit_ratio",
    "items_for_share",
    "top_share",
    "ttl_hit_ratio",
    "write_policy_load",
    "zipf_alpha_for_share",
]

_c = _core.caching


#: Replacement policies :func:`che_hit_ratio` models.
CHE_POLICIES: tuple[str, ...] = tuple(_c.CHE_POLICIES)
#: Write policies of :func:`write_policy_load`.
WRITE_POLICIES: tuple[str, ...] = tuple(_c.WRITE_POLICIES)


def _che(zipf_alpha: Any, catalogue_size: Any, capacity: Any, policy: str) -> tuple[Any, Any]:
    """(characteristic time, hit ratio)."""
    return _vectorized(_c.che_approximation, locals(), catalogue_size=_as_count, policy=_text)


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
    return _vectorized(_c.ttl_hit_ratio, locals(), catalogue_size=_as_count)


def top_share(zipf_alpha: Any, catalogue_size: Any, fraction: Any) -> Any:
    """Share of requests that go to the most popular ``round(fraction * N)`` items of a
    Zipf(``zipf_alpha``) catalogue of N items. Exact generalized harmonic sums (head summed
    term by term, tail by Euler-Maclaurin), O(1) per element; broadcasts."""
    return _vectorized(_c.top_share, locals(), catalogue_size=_as_count)


def items_for_share(zipf_alpha: Any, catalogue_size: Any, share: Any) -> Any:
    """The smallest fraction of items (k / N) whose requests make up ``share`` of all."""
    return _vectorized(_c.items_for_share, locals(), catalogue_size=_as_count)


def zipf_alpha_for_share(catalogue_size: Any, fraction: Any, share: Any) -> Any:
    """The Zipf exponent for which the top ``fraction`` of items get ``share`` of the
    requests (e.g. 0.2 and 0.8 for the 80-20 rule). ``share`` must lie between
    ``fraction`` (alpha 0, uniform) and 1."""
    # A share needs at least two items.
    return _vectorized(_c.zipf_alpha_for_share, locals(), catalogue_size=partial(_as_count, minimum=2))


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
    out = _vectorized(_c.write_policy_load, locals(), policy=_text, quantile=_number)
    return WritePolicyLoad(policy=policy, quantile=_number("quantile", quantile), **out)


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
    return Staleness(*_vectorized(_c.cdn_staleness, locals()))


__dir__ = _api_dir(globals())
