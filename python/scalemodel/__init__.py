"""scalemodel: put numbers behind system-design decisions.

``import scalemodel as sm``, then ``sm.queueing`` for capacity models.
"""

from scalemodel import queueing

__version__ = "0.1.0"
__all__ = ["queueing", "__version__"]
