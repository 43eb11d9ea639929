"""Interval assertions shared by the Python and rule tests (importable through tests/conftest.py)."""

from __future__ import annotations

from typing import Any

LEVEL = 0.999


def assert_in_ci(
    result: Any, name: str, expected: float, *, rel: float = 0.0, slack: float = 0.0, level: float = LEVEL
) -> None:
    """``expected`` lies inside ``result.ci(name, level)`` (a Student-t interval over the
    replications), widened by ``slack`` plus ``rel * |expected|`` for a stated model error
    (e.g. a histogram's relative error for quantiles)."""
    low, high = result.ci(name, level)
    widen = slack + rel * abs(expected)
    assert low - widen <= expected <= high + widen, (
        f"{name}: expected {expected} outside [{low}, {high}] +- {widen} ({level:.1%} interval)"
    )
