"""One spelling of the run specification (seed, threads, level) in every stochastic study."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import scipy.stats

import scalemodel as sm

MODULES = (sm.sim, sm.reliability)


def _studies() -> list[tuple[str, object]]:
    """Every public function of the simulation and Monte Carlo namespaces that draws random
    numbers for intervals: it takes a seed and a thread count."""
    found = []
    for module in MODULES:
        for name in module.__all__:
            fn = getattr(module, name)
            if inspect.isfunction(fn):
                params = inspect.signature(fn).parameters
                if "seed" in params and "threads" in params:
                    found.append((f"{module.__name__}.{name}", fn))
    return found


def test_the_discovery_finds_the_studies() -> None:
    names = {n for n, _ in _studies()}
    assert {"scalemodel.sim.simulate_queue", "scalemodel.reliability.kafka_durability"} <= names
    assert len(names) >= 12


@pytest.mark.parametrize(("name", "fn"), _studies(), ids=[n for n, _ in _studies()])
def test_every_study_spells_the_run_the_same(name: str, fn: object) -> None:
    params = inspect.signature(fn).parameters  # type: ignore[arg-type]
    for keyword, default in (("seed", 0), ("threads", 0), ("level", 0.95)):
        assert keyword in params, f"{name} has no {keyword}"
        p = params[keyword]
        assert p.kind is inspect.Parameter.KEYWORD_ONLY, f"{name}: {keyword} is not keyword-only"
        assert p.default == default, f"{name}: {keyword} defaults to {p.default!r}"
    if "replications" in params:
        assert params["replications"].kind is inspect.Parameter.KEYWORD_ONLY


SMALL = {
    "availability": lambda **k: sm.reliability.simulate_availability(
        3, 2, mtbf_s=1000.0, mttr_s=10.0, horizon_s=1e5, replications=8, **k
    ),
    "t_visibility": lambda **k: sm.reliability.t_visibility(3, 1, 1, t=[0.0, 0.001], requests=1 << 16, **k),
    "failover": lambda **k: sm.reliability.simulate_failover(write_rate=10.0, trials=1 << 13, **k),
    "stale_reads": lambda **k: sm.reliability.simulate_stale_reads(
        sm.distributions.Exponential(0.01), sm.distributions.Exponential(0.01), requests=1 << 17, **k
    ),
    "partition": lambda **k: sm.reliability.simulate_partition(
        partitions_per_day=24.0, duration_s=600.0, horizon_s=86400.0, replications=8, reads=1 << 10, **k
    ),
    "redis_rdb": lambda **k: sm.reliability.redis_rdb(100.0, cycles=1 << 10, **k),
    "kafka": lambda **k: sm.reliability.kafka_durability(acks=1, horizon_s=86400.0 * 30, replications=8, **k),
}


@pytest.mark.parametrize("study", sorted(SMALL))
def test_monte_carlo_level_sets_the_interval(study: str) -> None:
    """The same seed at another level draws the same replications; the interval is the
    Student-t one at that level (computed here from the replication values with SciPy)."""
    at95 = SMALL[study](seed=3, threads=1)
    at99 = SMALL[study](seed=3, threads=1, level=0.99)
    assert at95.level == 0.95 and at99.level == 0.99
    metric = next(m for m in at99.metric_names if np.ptp(at99.replication_values(m)) > 0)
    values = at99.replication_values(metric)
    np.testing.assert_array_equal(values, at95.replication_values(metric))
    half = scipy.stats.t.ppf(0.995, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
    lo, hi = at99.ci(metric)
    assert lo == pytest.approx(values.mean() - half, rel=1e-9, abs=1e-15)
    assert hi == pytest.approx(values.mean() + half, rel=1e-9, abs=1e-15)
    assert at99.to_frame().loc[metric, "ci_high"] == pytest.approx(hi)


@pytest.mark.parametrize("study", sorted(SMALL))
def test_a_bad_level_is_refused_naming_it(study: str) -> None:
    with pytest.raises(ValueError, match=r"^level must be in \(0, 1\)"):
        SMALL[study](seed=0, threads=1, level=1.5)
