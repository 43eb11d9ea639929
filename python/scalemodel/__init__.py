"""scalemodel: put numbers behind system-design decisions.

``import scalemodel as sm``, then ``sm.queueing`` for capacity models, ``sm.sim`` for
simulation (stations, load balancers) and ``sm.plot``
for the plotting helpers (matplotlib is imported on first use).
"""

from scalemodel import plot, queueing, sim

__version__ = "0.1.0"
__all__ = ["__version__", "plot", "queueing", "sim"]
