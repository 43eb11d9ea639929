"""scalemodel: put numbers behind system-design decisions.

``import scalemodel as sm``, then ``sm.queueing`` for capacity models, ``sm.hashing`` for
hash functions, placement schemes and key-distribution analysis, and ``sm.plot``
for the plotting helpers (matplotlib is imported on first use).
"""

from scalemodel import hashing, plot, queueing

__version__ = "0.1.0"
__all__ = ["__version__", "hashing", "plot", "queueing"]
