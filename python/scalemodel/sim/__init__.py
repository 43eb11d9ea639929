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

from scalemodel import arrivals as _arrivals
from scalemodel import caching as _caching
from scalemodel import distributions as _distributions

# The shared vocabulary, re-exported: service times and arrival processes.
from scalemodel.arrivals import *  # noqa: F403
from scalemodel.distributions import *  # noqa: F403
from scalemodel.results import ReplicatedResult
from scalemodel.sim import brokers as _brokers
from scalemodel.sim import caches as _caches
from scalemodel.sim import limiters as _limiters
from scalemodel.sim import stations as _stations
from scalemodel.sim import system as _system

# Each simulator module's API, as its __all__ lists it.
from scalemodel.sim.brokers import *  # noqa: F403
from scalemodel.sim.caches import *  # noqa: F403
from scalemodel.sim.limiters import *  # noqa: F403
from scalemodel.sim.stations import *  # noqa: F403
from scalemodel.sim.system import *  # noqa: F403

__all__ = ["ReplicatedResult"]
__all__ += _distributions.__all__
__all__ += _arrivals.__all__
__all__ += _brokers.__all__
__all__ += _caches.__all__
__all__ += _limiters.__all__
__all__ += _stations.__all__
__all__ += _system.__all__

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
