"""Cost calculators, back-of-envelope estimation and the price catalogue.

Units: requests per second, bytes, seconds, US dollars per month (a month is 30 days).
Calculators take scalars or NumPy arrays and broadcast; the arithmetic runs in C++.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from scalemodel import _core
from scalemodel._arrays import api_dir as _api_dir
from scalemodel._arrays import as_count, number
from scalemodel._arrays import vectorized as _vectorized

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on older Pythons only
    import tomli as tomllib

__all__ = [
    "SECONDS_PER_MONTH",
    "CacheEffect",
    "Catalogue",
    "CdnCost",
    "Instance",
    "TopicSizing",
    "Traffic",
    "cache_effect",
    "cache_nodes",
    "cdn_vs_origin",
    "estimate_traffic",
    "expected_shards_touched",
    "shard_count",
    "stored_bytes",
    "tls_offload_savings",
    "topic_sizing",
]

_c = _core.cost
SECONDS_PER_MONTH: float = float(_core.SECONDS_PER_MONTH)  #: 30 days


# --- price catalogue ----------------------------------------------------------------


# The keys each price-catalogue section may hold.
_KNOWN = {
    "bandwidth": {"origin_usd_per_gb", "cdn_usd_per_gb"},
    "storage": {"block_usd_per_gb_month", "object_usd_per_gb_month"},
    "limits": {
        "database_max_bytes",
        "database_max_write_qps",
        "database_max_read_qps",
        "cache_max_qps",
        "cache_max_bytes",
    },
}


@dataclass(frozen=True)
class Instance:
    """One machine type: vCPUs, memory in GB and its price in USD per month."""

    name: str
    kind: str  #: "compute", "database" or "cache"
    vcpus: int
    memory_gb: float
    usd_per_month: float


@dataclass(frozen=True)
class Catalogue:
    """Prices and per-node limits. ``Catalogue.load()`` gives the bundled one.

    instances: name -> :class:`Instance`; bandwidth and storage prices in USD per GB and
    per GB-month; limits: practical per-node limits (bytes, queries per second).
    """

    instances: dict[str, Instance]
    bandwidth: dict[str, float]
    storage: dict[str, float]
    limits: dict[str, float]
    sources: tuple[str, ...] = field(default=())

    @classmethod
    def load(cls, *paths: str | Path) -> Catalogue:
        """The bundled catalogue, overridden and extended by each TOML file in ``paths``.

        A user file uses the bundled file's layout (``[instances."name"]`` tables with
        kind, vcpus, memory_gb, usd_per_month; ``[bandwidth]``, ``[storage]``,
        ``[limits]``); its entries replace same-named ones and add new ones.
        """
        text = resources.files("scalemodel").joinpath("data/prices.toml").read_text()
        layers = [("bundled prices.toml", tomllib.loads(text))]
        for p in paths:
            try:
                layers.append((str(p), tomllib.loads(Path(p).read_text())))
            except tomllib.TOMLDecodeError as e:
                raise ValueError(f"{p}: not valid TOML: {e}") from None
            except OSError as e:
                raise ValueError(f"{p}: cannot read the price file: {e.strerror}") from None
        instances: dict[str, Instance] = {}
        bandwidth: dict[str, float] = {}
        storage: dict[str, float] = {}
        limits: dict[str, float] = {}
        for source, data in layers:
            unknown = set(data) - {"instances", "bandwidth", "storage", "limits"}
            if unknown:
                raise ValueError(f"{source}: unknown section(s) {sorted(unknown)}")
            for section in data:
                if not isinstance(data[section], dict):
                    raise ValueError(
                        f"{source}: {section} must be a table [{section}], got {data[section]!r}"
                    )
            for name, spec in data.get("instances", {}).items():
                instances[name] = _instance(source, name, spec)
            for section, target in (("bandwidth", bandwidth), ("storage", storage), ("limits", limits)):
                # Prices may be 0 (free); a limit of 0 would make every node useless.
                positive = section == "limits"
                for key, value in data.get(section, {}).items():
                    if key not in _KNOWN[section]:
                        known = ", ".join(sorted(_KNOWN[section]))
                        raise ValueError(f"{source}: unknown key {section}.{key}; known keys: {known}")
                    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
                    if not ok or not (value > 0 if positive else value >= 0) or value != value:
                        bound = "> 0" if positive else ">= 0"
                        raise ValueError(f"{source}: {section}.{key} must be a number {bound}, got {value!r}")
                    target[key] = float(value)
        return cls(instances, bandwidth, storage, limits, tuple(s for s, _ in layers))

    def instance(self, name: str) -> Instance:
        """The instance called ``name``; ValueError listing the known ones otherwise."""
        try:
            return self.instances[name]
        except KeyError:
            known = ", ".join(sorted(self.instances))
            raise ValueError(f"unknown instance {name!r}; the catalogue has: {known}") from None

    def of_kind(self, kind: str) -> list[Instance]:
        """Instances of one kind, smallest first."""
        return sorted((i for i in self.instances.values() if i.kind == kind), key=lambda i: i.vcpus)

    def to_frame(self) -> pd.DataFrame:
        """The instance table."""
        rows = [vars(i) for i in self.instances.values()]
        return pd.DataFrame(rows).set_index("name")


def _instance(source: str, name: str, spec: Any) -> Instance:
    if not isinstance(spec, dict):
        raise ValueError(f"{source}: instances.{name} must be a table")
    need: dict[str, type | tuple[type, ...]] = {
        "kind": str,
        "vcpus": int,
        "memory_gb": (int, float),
        "usd_per_month": (int, float),
    }
    unknown = set(spec) - set(need)
    if unknown:
        raise ValueError(f"{source}: instances.{name}: unknown key(s) {sorted(unknown)}")
    for key, kind in need.items():
        if key not in spec:
            raise ValueError(f"{source}: instances.{name}.{key} is missing")
        value = spec[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            raise ValueError(f"{source}: instances.{name}.{key} has the wrong type: {value!r}")
    if spec["vcpus"] < 1 or spec["memory_gb"] <= 0 or spec["usd_per_month"] < 0:
        raise ValueError(f"{source}: instances.{name} needs vcpus >= 1, memory_gb > 0, usd_per_month >= 0")
    return Instance(name, spec["kind"], spec["vcpus"], float(spec["memory_gb"]), float(spec["usd_per_month"]))


# --- calculators ----------------------------------------------------------------------


@dataclass(frozen=True)
class Traffic:
    """Requests per second from daily active users; see :func:`estimate_traffic`."""

    average_qps: Any
    peak_qps: Any
    average_read_qps: Any
    average_write_qps: Any
    peak_read_qps: Any
    peak_write_qps: Any
    writes_per_day: Any


def estimate_traffic(
    daily_active_users: Any, requests_per_user_per_day: Any, write_fraction: Any, peak_to_average: Any = 1.0
) -> Traffic:
    """Average and peak QPS, split into reads and writes.

    The day's requests (users x requests per user) spread evenly over 86,400 s give the
    average; the peak is ``peak_to_average`` (>= 1) times that. ``write_fraction`` in
    [0, 1] of requests are writes.
    """
    return Traffic(**_vectorized(_c.estimate_traffic, locals()))


def stored_bytes(bytes_per_day: Any, years: Any, replication: Any = 1.0, yearly_growth: Any = 0.0) -> Any:
    """Bytes held after ``years`` of writing ``bytes_per_day`` (today's rate).

    The daily volume grows by ``yearly_growth`` a year (0.5 = +50% a year, as the smooth
    curve (1 + g)^t); every byte is kept ``replication`` (>= 1) times.
    """
    return _vectorized(_c.stored_bytes, locals())


def shard_count(
    write_qps: Any,
    storage_bytes: Any,
    max_write_qps_per_shard: Any = 10_000,
    max_bytes_per_shard: Any = 16e12,
    fill: Any = 1.0,
) -> Any:
    """Fewest shards so that none exceeds its write or storage limit filled to ``fill``.

    Defaults are the guide's practical PostgreSQL limits (10K writes/s, 16 TB).
    """
    return _vectorized(_c.shard_count, locals())


def expected_shards_touched(shards: Any, fanout: Any) -> Any:
    """Expected distinct shards a request touches when it reads ``fanout`` keys placed
    uniformly at random on ``shards`` shards: shards x (1 - (1 - 1/shards)^fanout)."""
    return _vectorized(_c.expected_shards_touched, locals())


def cache_nodes(
    working_set_bytes: Any, qps: Any, node_bytes: Any, node_qps: Any = 100_000, fill: Any = 0.8
) -> Any:
    """Cache nodes needed for a working set and a request rate, each node filled to at
    most ``fill`` of its memory and throughput (default node throughput: the guide's
    ~100K ops/s per Redis node)."""
    return _vectorized(_c.cache_nodes, locals())


def tls_offload_savings(servers: Any, tls_cpu_fraction: Any, usd_per_server_month: Any) -> tuple[Any, Any]:
    """Servers freed, and USD per month saved, by terminating TLS at the balancer.

    ``tls_cpu_fraction`` in [0, 1) of each server's CPU goes to TLS; without it the same
    work fits on servers x (1 - fraction) machines, each costing ``usd_per_server_month``.
    """
    out = _vectorized(_c.tls_offload_savings, locals())
    return out["servers_saved"], out["usd_per_month"]


@dataclass(frozen=True)
class CacheEffect:
    """What a cache in front of a store does to the store's load; see :func:`cache_effect`."""

    work_without_cache_s_per_s: Any  #: seconds of store work per second without a cache
    work_with_cache_s_per_s: Any  #: cache plus store work per second with it
    store_utilization_without: Any
    store_utilization_with: Any
    headroom: Any  #: how many times today's load the store could take with the cache


def cache_effect(
    qps: Any, hit_ratio: Any, hit_time_s: Any, store_time_s: Any, capacity_s_per_s: Any = 1.0
) -> CacheEffect:
    """Work per second on a store with and without a cache that answers ``hit_ratio``.

    qps in requests/s; hit_time_s and store_time_s per request; capacity_s_per_s is the
    store's concurrency (seconds of work it does per second: 1 for one serial worker).
    """
    return CacheEffect(**_vectorized(_c.cache_effect, locals()))


@dataclass(frozen=True)
class CdnCost:
    """Monthly bandwidth bill with and without a CDN; see :func:`cdn_vs_origin`."""

    origin_only_usd: Any
    with_cdn_usd: Any
    origin_bytes_with_cdn: Any


def cdn_vs_origin(
    bytes_per_month: Any, origin_usd_per_gb: Any, cdn_usd_per_gb: Any, cdn_hit_ratio: Any
) -> CdnCost:
    """Bandwidth cost of serving ``bytes_per_month`` from the origin, or through a CDN
    whose edges answer ``cdn_hit_ratio`` of the bytes (misses still leave the origin)."""
    return CdnCost(**_vectorized(_c.cdn_vs_origin, locals()))


@dataclass(frozen=True)
class TopicSizing:
    """Consumers and partitions for a topic; see :func:`topic_sizing`."""

    consumers_needed: int  #: to keep up with the message rate
    partitions_needed: int  #: at least one per needed consumer and per partition limit
    active_consumers: int  #: of the given group: at most one per partition
    idle_consumers: int  #: consumers beyond the partition count
    group_throughput: float  #: messages/s the given partitions and consumers sustain


def topic_sizing(
    message_rate: float, consumer_rate: float, partition_rate: float, partitions: int, consumers: int
) -> TopicSizing:
    """Partitioned-topic arithmetic: how many consumers a rate needs, how many partitions
    that takes, and what a given group of ``consumers`` on ``partitions`` sustains (in a
    consumer group each partition has one reader, so extra consumers sit idle).

    Rates in messages/s: the topic's, one consumer's, one partition's.
    """
    p_arr, c_arr = (as_count(n, v) for n, v in (("partitions", partitions), ("consumers", consumers)))
    for name, arr in (("partitions", p_arr), ("consumers", c_arr)):
        if arr.ndim:
            raise TypeError(f"{name} must be one whole number, got an array of shape {arr.shape}")
    p, c = int(p_arr), int(c_arr)
    message, consumer, partition = (
        number(n, v)
        for n, v in (
            ("message_rate", message_rate),
            ("consumer_rate", consumer_rate),
            ("partition_rate", partition_rate),
        )
    )
    out = _c.topic_sizing(message, consumer, partition, p, c)
    return TopicSizing(**out)


__dir__ = _api_dir(globals())
