"""The validation lab: the models against real servers on 127.0.0.1 (haproxy, redis-server).
Each test starts and stops its own servers; every load is bounded in count and in time."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
