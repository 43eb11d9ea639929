"""Assertions for testing rules of thumb against the models, in pytest or anywhere.

A replicated study (every :mod:`scalemodel.sim` simulator and :mod:`scalemodel.reliability`
Monte Carlo) returns a :class:`~scalemodel.results.ReplicatedResult`: one value per metric
per independent replication, and a Student-t interval over them. A claim about a
stochastic model holds *at a confidence level*, so these assertions compare a number with
that interval, not with the point estimate:

- :func:`assert_ci_contains`: a closed form (or a published figure) lies inside the
  interval, optionally widened by a stated model error;
- :func:`assert_below` / :func:`assert_above`: the whole interval lies below / above a
  bound (the claim "p99 stays under 250 ms" holds with confidence, not by luck), or
  below / above another result's interval ("least connections waits less than random");
- :func:`assert_between`: the whole interval lies inside a range;
- :func:`replicate_until`: reruns a study with more replications until an interval is
  narrower than a tolerance, so a test asks for the precision it needs instead of
  guessing a replication count.

Each failure message names the metric, the interval, the estimate, the level and the
number of replications. The default level, :data:`LEVEL` = 0.999, makes a false alarm
rare (about one check in a thousand under a fresh seed); with fixed seeds every check is
deterministic.

The pytest plugin (:mod:`scalemodel.pytest_plugin`, loaded automatically once scalemodel
is installed) adds the fixtures ``sm_seed`` and ``sm_run`` and the options ``--sm-seed``,
``--sm-replications`` and ``--sm-threads``. The documentation's "Testing your own rules of
thumb" page has an example rules file to copy.
"""

from __future__ import annotations

import math
from typing import Any, Callable, TypeVar

from scalemodel._arrays import api_dir as _api_dir
from scalemodel._arrays import level as _level
from scalemodel._arrays import number as _number
from scalemodel._arrays import whole as _whole

__all__ = [
    "LEVEL",
    "assert_above",
    "assert_below",
    "assert_between",
    "assert_ci_contains",
    "replicate_until",
]

LEVEL = 0.999
"""The default confidence level of the assertions (two-sided Student-t intervals)."""

R = TypeVar("R")


def _interval(result: Any, metric: str, level: float) -> tuple[float, float]:
    if not callable(getattr(result, "ci", None)):
        raise TypeError(f"result must be a replicated result with a ci() method, got {type(result).__name__}")
    low, high = result.ci(metric, _level(level))
    return float(low), float(high)


def _describe(result: Any, metric: str, low: float, high: float, level: float) -> str:
    estimate = getattr(result, "estimate", None)
    text = f"{level:.1%} interval [{low:.6g}, {high:.6g}]"
    if callable(estimate):
        text += f", estimate {estimate(metric):.6g}"
    replications = getattr(result, "replications", None)
    if isinstance(replications, int):
        text += f", {replications} replications"
    return text


def assert_ci_contains(
    result: Any,
    metric: str,
    value: float,
    *,
    rel: float = 0.0,
    slack: float = 0.0,
    level: float = LEVEL,
) -> None:
    """``value`` lies inside ``result.ci(metric, level)``, widened by ``slack`` plus
    ``rel * |value|`` on each side.

    Use the widening for a stated model error that the replications cannot see: a
    histogram quantile's relative error (``rel=sm.sim.HISTOGRAM_RELATIVE_ERROR``), an
    approximation's known bias, or the sampling error of an independent estimate
    (``slack=4 * its_standard_error``).

    >>> r = sm.sim.simulate_queue(0.5, 1.0, customers=20_000, replications=10, seed=1)
    >>> assert_ci_contains(r, "mean_response", sm.queueing.MM1(0.5, 1.0).mean_response)
    """
    __tracebackhide__ = True
    rel = _number("rel", rel)
    slack = _number("slack", slack)
    value = _number("value", value)
    if rel < 0 or slack < 0:
        raise ValueError(f"rel and slack must be >= 0, got rel={rel!r}, slack={slack!r}")
    low, high = _interval(result, metric, level)
    widen = slack + rel * abs(value)
    if not (low - widen <= value <= high + widen):
        extra = f" widened by {widen:.3g}" if widen else ""
        raise AssertionError(
            f"{metric}: {value:.6g} lies outside the {_describe(result, metric, low, high, level)}{extra}"
        )


def _bound(metric: str, bound: Any, level: float, upper: bool) -> tuple[float, str]:
    """A number, or the near end of another result's interval of the same metric."""
    if callable(getattr(bound, "ci", None)):
        low, high = _interval(bound, metric, level)
        return (high if upper else low), f"the other result's {_describe(bound, metric, low, high, level)}"
    value = _number("bound", bound)
    return value, f"{value:.6g}"


def assert_below(result: Any, metric: str, bound: Any, *, level: float = LEVEL) -> None:
    """The whole interval of ``metric`` lies below ``bound``: the data show, at ``level``,
    that the metric is smaller (an estimate under the bound with an interval straddling it
    fails: the claim is not shown).

    ``bound`` is a number, or another replicated result: then the two intervals of
    ``metric`` must not overlap ("least connections waits less than random").

    >>> r = sm.sim.simulate_queue(0.5, 1.0, customers=20_000, replications=10, seed=1)
    >>> assert_below(r, "utilization", 0.6)
    >>> busier = sm.sim.simulate_queue(0.7, 1.0, customers=20_000, replications=10, seed=1)
    >>> assert_below(r, "mean_wait", busier)
    """
    __tracebackhide__ = True
    low, high = _interval(result, metric, level)
    value, text = _bound(metric, bound, level, upper=False)
    if not high < value:
        raise AssertionError(
            f"{metric}: not shown below {text}: {_describe(result, metric, low, high, level)}"
        )


def assert_above(result: Any, metric: str, bound: Any, *, level: float = LEVEL) -> None:
    """The whole interval of ``metric`` lies above ``bound``, a number or another replicated
    result's interval of the same metric (see :func:`assert_below`)."""
    __tracebackhide__ = True
    low, high = _interval(result, metric, level)
    value, text = _bound(metric, bound, level, upper=True)
    if not low > value:
        raise AssertionError(
            f"{metric}: not shown above {text}: {_describe(result, metric, low, high, level)}"
        )


def assert_between(result: Any, metric: str, low: float, high: float, *, level: float = LEVEL) -> None:
    """The whole interval of ``metric`` lies inside (``low``, ``high``): the claim "the hit
    ratio is between 70% and 80%" holds at ``level``."""
    __tracebackhide__ = True
    low = _number("low", low)
    high = _number("high", high)
    if not low < high:
        raise ValueError(f"low must be smaller than high, got low={low!r}, high={high!r}")
    ci_low, ci_high = _interval(result, metric, level)
    if not (low < ci_low and ci_high < high):
        raise AssertionError(
            f"{metric}: not shown inside ({low:.6g}, {high:.6g}): "
            f"{_describe(result, metric, ci_low, ci_high, level)}"
        )


def replicate_until(
    run: Callable[[int], R],
    metric: str,
    *,
    half_width: float | None = None,
    rel: float | None = None,
    level: float = LEVEL,
    start: int = 8,
    max_replications: int = 1000,
) -> R:
    """Run ``run(replications)`` with more replications until the interval of ``metric``
    is narrow enough, and return that result.

    ``run`` takes a replication count and returns a replicated result; keep its seed fixed
    (replication i draws from stream (seed, i), so a rerun with more replications extends
    the previous one rather than starting over). Narrow enough means a half-width at most
    ``half_width``, or at most ``rel * |estimate|``; give one or both (either suffices).
    The first run has ``start`` replications; each next one the count that the observed
    spread predicts (plus 20%), at least 1.5 times more. Raises AssertionError when
    ``max_replications`` are not enough: a metric too noisy for the tolerance is a test
    that cannot decide.

    >>> def mm1(n):
    ...     return sm.sim.simulate_queue(0.5, 1.0, customers=5_000, replications=n, seed=3)
    >>> r = replicate_until(mm1, "mean_response", rel=0.02)
    >>> r.half_width("mean_response", LEVEL) <= 0.02 * r.estimate("mean_response")
    True
    """
    __tracebackhide__ = True
    if half_width is None and rel is None:
        raise ValueError("give half_width, rel or both")
    absolute = None if half_width is None else _number("half_width", half_width)
    relative = None if rel is None else _number("rel", rel)
    if (absolute is not None and not absolute > 0) or (relative is not None and not relative > 0):
        raise ValueError(f"half_width and rel must be > 0, got half_width={half_width!r}, rel={rel!r}")
    lvl = _level(level)
    limit = _whole("max_replications", max_replications, 2)
    n = min(_whole("start", start, 2), limit)
    while True:
        result = run(n)
        low, high = _interval(result, metric, lvl)
        half = (high - low) / 2
        estimate = (high + low) / 2
        target = max(
            absolute if absolute is not None else 0.0,
            relative * abs(estimate) if relative is not None else 0.0,
        )
        if half <= target:
            return result
        if n >= limit:
            raise AssertionError(
                f"{metric}: half-width {half:.3g} still above {target:.3g} after {n} replications "
                f"(max_replications): {_describe(result, metric, low, high, lvl)}"
            )
        grow = 1.2 * (half / target) ** 2 if target > 0 and math.isfinite(half) else 2.0
        n = min(limit, max(math.ceil(n * grow), math.ceil(1.5 * n)))


__dir__ = _api_dir(globals())
