"""Simulation on the event kernel: stations and load balancers, rate limiters, and message
brokers.

:mod:`scalemodel.sim.stations` holds c-server stations and balancer policies,
:mod:`scalemodel.sim.limiters` rate limiters replayed on arrival traces, and
:mod:`scalemodel.sim.brokers` partitioned topics read by consumer groups. Every simulator
runs independent replications, each on its own random stream, so the same seed gives the
same result on any number of threads; results derive from
:class:`~scalemodel.sim.results.ReplicatedResult` and carry Student-t confidence intervals.
"""

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
from scalemodel.sim.results import (
    ReplicatedResult,
)
from scalemodel.sim.stations import (
    HISTOGRAM_RELATIVE_ERROR,
    L4_OVERHEAD_S,
    L7_OVERHEAD_S,
    MAX_QUEUED,
    MMPP,
    POLICIES,
    Deterministic,
    Distribution,
    Exponential,
    Lognormal,
    Mixture,
    OnOff,
    Outage,
    Pareto,
    Periodic,
    Poisson,
    Replay,
    SimResult,
    simulate_balancer,
    simulate_queue,
)

__all__ = [
    "ALGORITHMS",
    "APPROXIMATE_ALGORITHMS",
    "ARRIVALS",
    "ASSIGNMENTS",
    "DEFAULT_REBALANCE_S",
    "HISTOGRAM_RELATIVE_ERROR",
    "L4_OVERHEAD_S",
    "L7_OVERHEAD_S",
    "MAX_BACKLOG",
    "MAX_QUEUED",
    "MMPP",
    "POLICIES",
    "ConsumerGroupResult",
    "Deterministic",
    "DistributedLimiterResult",
    "Distribution",
    "Exponential",
    "LimiterResult",
    "Lognormal",
    "Mixture",
    "OnOff",
    "Outage",
    "Pareto",
    "Periodic",
    "Poisson",
    "RacyBucketResult",
    "Replay",
    "ReplicatedResult",
    "SimResult",
    "assign_partitions",
    "keys_remapped",
    "limiter_trace",
    "racy_token_bucket_decisions",
    "simulate_balancer",
    "simulate_consumer_group",
    "simulate_distributed_limiter",
    "simulate_limiter",
    "simulate_queue",
    "simulate_racy_token_bucket",
    "worst_window",
    "zipf_partition_weights",
]
