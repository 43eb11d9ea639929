"""Simulation on the event kernel: stations and load balancers, caches, rate limiters and
message brokers.

:mod:`scalemodel.sim.stations` holds c-server stations and balancer policies,
:mod:`scalemodel.sim.caches` caches under Zipf request streams (their closed forms, Che's
approximation, TTL caches and the 80-20 analysis, are in :mod:`scalemodel.caching`),
:mod:`scalemodel.sim.limiters`
rate limiters replayed on arrival traces, and :mod:`scalemodel.sim.brokers` partitioned
topics read by consumer groups; :mod:`scalemodel.sim.system` composes tiers into a system
(calls, fan-out, routes, caches, outages) simulated end to end. Every simulator runs independent replications, each on
its own random stream, so the same seed gives the same result on any number of threads;
results derive from :class:`~scalemodel.results.ReplicatedResult` and carry
Student-t confidence intervals. Service times and arrivals come from
:mod:`scalemodel.distributions` and :mod:`scalemodel.arrivals` (re-exported here).
"""

import warnings as _warnings

from scalemodel import caching as _caching
from scalemodel.arrivals import MMPP, OnOff, Periodic, Poisson, Profile, Replay
from scalemodel.distributions import (
    Deterministic,
    Distribution,
    Empirical,
    Exponential,
    Gamma,
    Lognormal,
    Mixture,
    Pareto,
    Uniform,
    Weibull,
)
from scalemodel.results import ReplicatedResult
from scalemodel.sim.brokers import (
    ASSIGNMENTS,
    DEFAULT_REBALANCE_S,
    MAX_BACKLOG,
    ConsumerGroupResult,
    assign_partitions,
    keys_remapped,
    simulate_consumer_group,
    zipf_partition_weights,
)
from scalemodel.sim.caches import (
    CACHE_POLICIES,
    MAX_CATALOGUE,
    SIZE_KINDS,
    CacheResult,
    ItemSizes,
    simulate_cache,
    zipf_requests,
)
from scalemodel.sim.limiters import (
    ALGORITHMS,
    APPROXIMATE_ALGORITHMS,
    ARRIVALS,
    DistributedLimiterResult,
    LimiterResult,
    RacyBucketResult,
    limiter_trace,
    racy_token_bucket_decisions,
    simulate_distributed_limiter,
    simulate_limiter,
    simulate_racy_token_bucket,
    worst_window,
)
from scalemodel.sim.stations import (
    HISTOGRAM_RELATIVE_ERROR,
    L4_OVERHEAD_S,
    L7_OVERHEAD_S,
    MAX_QUEUED,
    POLICIES,
    Outage,
    SimResult,
    simulate_balancer,
    simulate_queue,
)
from scalemodel.sim.system import (
    JITTERS,
    SCALE_METRICS,
    Autoscale,
    Breaker,
    Client,
    System,
    SystemResult,
    Tier,
)

__all__ = [
    "ALGORITHMS",
    "APPROXIMATE_ALGORITHMS",
    "ARRIVALS",
    "ASSIGNMENTS",
    "CACHE_POLICIES",
    "DEFAULT_REBALANCE_S",
    "HISTOGRAM_RELATIVE_ERROR",
    "JITTERS",
    "L4_OVERHEAD_S",
    "L7_OVERHEAD_S",
    "MAX_BACKLOG",
    "MAX_CATALOGUE",
    "MAX_QUEUED",
    "MMPP",
    "POLICIES",
    "SCALE_METRICS",
    "SIZE_KINDS",
    "Autoscale",
    "Breaker",
    "CacheResult",
    "Client",
    "ConsumerGroupResult",
    "Deterministic",
    "DistributedLimiterResult",
    "Distribution",
    "Empirical",
    "Exponential",
    "Gamma",
    "ItemSizes",
    "LimiterResult",
    "Lognormal",
    "Mixture",
    "OnOff",
    "Outage",
    "Pareto",
    "Periodic",
    "Poisson",
    "Profile",
    "RacyBucketResult",
    "Replay",
    "ReplicatedResult",
    "SimResult",
    "System",
    "SystemResult",
    "Tier",
    "Uniform",
    "Weibull",
    "assign_partitions",
    "keys_remapped",
    "limiter_trace",
    "racy_token_bucket_decisions",
    "simulate_balancer",
    "simulate_cache",
    "simulate_consumer_group",
    "simulate_distributed_limiter",
    "simulate_limiter",
    "simulate_queue",
    "simulate_racy_token_bucket",
    "worst_window",
    "zipf_partition_weights",
    "zipf_requests",
]

# The closed-form cache models moved to scalemodel.caching; their old names here still work.
_MOVED_TO_CACHING = frozenset(_caching.__all__) - {"CHE_POLICIES"}


def __getattr__(name: str) -> object:
    if name in _MOVED_TO_CACHING:
        _warnings.warn(
            f"scalemodel.sim.{name} moved to scalemodel.caching.{name}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(_caching, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
