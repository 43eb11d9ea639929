"""scalemodel: put numbers behind system-design decisions.

``import scalemodel as sm``, then ``sm.queueing`` for capacity models, ``sm.cost`` for
estimation and prices, ``sm.reliability`` for availability, quorums, failover and
durability, ``sm.plan`` for whole-system capacity plans, and ``sm.plot`` for the plotting
helpers (matplotlib is imported on first use).
"""

from scalemodel import cost, plan, plot, queueing, reliability

__version__ = "0.1.0"
__all__ = ["__version__", "cost", "plan", "plot", "queueing", "reliability"]
