"""The shared scalar validators every domain module uses for counts, seeds and threads."""

from __future__ import annotations

import numpy as np
import pytest

import scalemodel as sm
from scalemodel import _arrays


def test_whole_accepts_integers_and_integral_floats() -> None:
    assert _arrays.whole("n", 5, 1) == 5
    assert _arrays.whole("n", np.int32(7), 1) == 7
    assert _arrays.whole("n", 1e6, 1) == 1_000_000


@pytest.mark.parametrize("value", [2.5, float("nan"), float("inf"), "3", None, True, np.bool_(True)])
def test_whole_rejects_non_whole_values_with_type_error(value: object) -> None:
    with pytest.raises(TypeError, match=r"^n must be a whole number"):
        _arrays.whole("n", value, 1)


@pytest.mark.parametrize(
    ("value", "lo", "hi"), [(0, 1, 10), (11, 1, 10), (-1, 0, 2**63 - 1), (2**64, 0, 2**64 - 1)]
)
def test_whole_names_the_range(value: int, lo: int, hi: int) -> None:
    with pytest.raises(ValueError, match=rf"^n must be a whole number in \[{lo}, {hi}\], got {value}$"):
        _arrays.whole("n", value, lo, hi)


def test_seed_threads_and_number() -> None:
    assert _arrays.seed(2**64 - 1) == 2**64 - 1
    with pytest.raises(ValueError, match="seed"):
        _arrays.seed(-1)
    with pytest.raises(ValueError, match="threads"):
        _arrays.threads(1025)
    assert _arrays.number("x", np.float32(0.5)) == 0.5
    with pytest.raises(TypeError, match="x must be a number"):
        _arrays.number("x", "0.5")


@pytest.mark.parametrize(("key", "value"), [("backends", 2**40), ("d", 2**40)])
def test_balancer_counts_past_the_engine_limits_are_value_errors(key: str, value: int) -> None:
    # backends sizes Python arrays (2**40 was a MemoryError); d is range-checked by the engine.
    kw = {"backends": 2, "d": 2, key: value}
    with pytest.raises(ValueError, match=rf"^{key} must be a whole number (in \[1, |>= 1 and <= )"):
        sm.sim.simulate_balancer("power_of_d", arrival_rate=1.0, service=0.5, customers=1000, **kw)


def test_level_is_strictly_between_0_and_1() -> None:
    assert _arrays.level(0.95) == 0.95
    for bad in (0.0, 1.0, -0.5, float("nan")):
        with pytest.raises(ValueError, match=r"^level must be in \(0, 1\)"):
            _arrays.level(bad)
    with pytest.raises(TypeError, match=r"^level must be a number"):
        _arrays.level("high")


def _bound_configs() -> list[type]:
    from scalemodel import _core

    modules = [_core, *(getattr(_core, m) for m in ("queueing", "reliability", "sim"))]
    return [c for m in modules for c in vars(m).values() if isinstance(c, type) and hasattr(c, "field_kinds")]


def test_field_kinds_follow_the_engine_types() -> None:
    """The binding derives each field's kind from its C++ type; these are the declarations
    of LimiterConfig (sim/limiter.hpp) and FailoverConfig (reliability/replication.hpp)."""
    s, r = sm._core.sim, sm._core.reliability
    assert s.LimiterConfig.field_kinds == {
        "algorithm": "text",  # an enum
        "limit": "integer",
        "window_s": "number",
        "capacity": "optional number",
        "refill_rate": "optional number",
        "queue_size": "optional integer",
        "drain_rate": "optional number",
    }
    assert r.FailoverConfig.field_kinds["election"] == "distribution"
    assert s.StationsConfig.field_kinds["replacement"] == "flag"
    assert s.StationsConfig.field_kinds["servers"] == ""  # a list: filled by hand


def test_every_field_kind_has_a_check() -> None:
    configs = _bound_configs()
    assert len(configs) >= 15
    kinds = {k for c in configs for k in c.field_kinds.values()}
    assert kinds - {""} <= set(_arrays.CHECKS)
    for c in configs:
        assert set(c.field_kinds) <= set(dir(c)), c.__name__


def test_configure_checks_by_kind_under_the_callers_keyword() -> None:
    config = sm._core.reliability.FailoverConfig()
    given = {"trials": 1 << 14, "election_s": "5s", "missed_beats": 2.5}
    with pytest.raises(TypeError, match=r"^trials must"):
        _arrays.configure(config, {**given, "trials": "many"}, "trials")
    with pytest.raises(TypeError, match=r"^election_s must be a number of seconds or a distribution"):
        _arrays.configure(config, given, election="election_s")
    with pytest.raises(TypeError, match=r"^missed_beats must be a whole number"):
        _arrays.configure(config, given, "missed_beats")
    _arrays.configure(config, {"trials": 1 << 14, "election_s": 2.0}, "trials", election="election_s")
    assert config.trials == 1 << 14 and config.election.mean == 2.0
