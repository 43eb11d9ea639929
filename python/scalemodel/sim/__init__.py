"""Simulation: stations and load balancers on the event kernel.

:mod:`scalemodel.sim.stations` holds c-server stations and balancer policies. Every
simulator runs independent replications, each on its own random stream, so the same seed
gives the same result on any number of threads; results derive from
:class:`~scalemodel.sim.results.ReplicatedResult` and carry Student-t confidence intervals.
"""

from scalemodel.sim.results import ReplicatedResult
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
    "ReplicatedResult",
    "SimResult",
    "simulate_balancer",
    "simulate_queue",
]
