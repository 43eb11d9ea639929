"""scalemodel: put numbers behind system-design decisions.

``import scalemodel as sm``, then ``sm.queueing`` for capacity models, ``sm.distributions``
for the one family of distributions every stochastic model takes and ``sm.arrivals`` for
arrival processes, ``sm.sim`` for simulation (stations, load balancers, caches, rate
limiters, brokers), ``sm.caching`` for closed-form cache models (Che's approximation, TTL
caches, Zipf shares, write policies), ``sm.hashing`` for hash functions, placement schemes
and key-distribution analysis, ``sm.reliability`` for availability, quorums, failover and
durability, ``sm.cost`` for estimation and prices, ``sm.calibrate`` for fitting models to measurements
(service times, arrivals, access logs), ``sm.plan`` for whole-system capacity
plans, and ``sm.plot`` for the plotting helpers (matplotlib is imported on first use);
``sm.sweep`` runs any of them over a parameter grid, on threads, processes or a Dask
cluster, and ``sm.explore`` puts sliders over any of them in a notebook.
"""

from scalemodel import (
    arrivals,
    caching,
    calibrate,
    cost,
    distributions,
    explorer,
    hashing,
    plan,
    plot,
    queueing,
    reliability,
    results,
    scenario,
    sim,
    sweeps,
)
from scalemodel._arrays import api_dir as _api_dir
from scalemodel.explorer import explore
from scalemodel.sweeps import sweep

# The one source of the version: pyproject.toml reads it from here (scikit-build-core's
# regex provider), `scalemodel --version` prints it.
__version__ = "0.1.0"
__all__ = [
    "__version__",
    "arrivals",
    "caching",
    "calibrate",
    "cost",
    "distributions",
    "explore",
    "explorer",
    "hashing",
    "plan",
    "plot",
    "queueing",
    "reliability",
    "results",
    "scenario",
    "sim",
    "sweep",
    "sweeps",
]

__dir__ = _api_dir(globals())
