"""Makes the shared test helpers in this directory (``intervals``) importable from
tests/python and tests/rules alike."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
