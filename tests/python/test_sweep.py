"""sm.sweep: the same seed gives the same frame on every executor; failures are kept."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import scalemodel as sm
from scalemodel.sweeps import SweepWarning, point_seed

GRID = {"rate": [1.0, 2.0, 3.0], "servers": [4, 5]}


def noisy_wait(rate: float, servers: int, seed: int) -> dict[str, float]:
    """An M/M/c mean wait plus seeded noise: exercises seeds and the engine together."""
    rng = np.random.default_rng(seed)
    m = sm.queueing.MMc(rate, 1.0, servers)
    return {"wait": float(m.mean_wait) + rng.normal(0.0, 0.01), "utilization": float(m.utilization)}


def fails_on_two(x: int, seed: int) -> float:
    if x == 2:
        raise ValueError("x = 2 is not allowed here")
    return float(x)


def interrupt(x: int, seed: int) -> float:
    raise KeyboardInterrupt


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return sm.sweep(noisy_wait, GRID, replications=4, seed=11, executor="serial")


@pytest.mark.parametrize(
    ("executor", "workers", "batch_size"),
    [("threads", 1, None), ("threads", 2, 1), ("threads", 2, 5), ("processes", 2, 3), ("serial", None, 2)],
)
def test_same_frame_on_every_executor(
    reference: pd.DataFrame, executor: str, workers: int | None, batch_size: int | None
) -> None:
    frame = sm.sweep(
        noisy_wait, GRID, replications=4, seed=11, executor=executor, workers=workers, batch_size=batch_size
    )
    pd.testing.assert_frame_equal(frame, reference)


def test_same_frame_on_a_dask_local_cluster(reference: pd.DataFrame) -> None:
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        frame = sm.sweep(noisy_wait, GRID, replications=4, seed=11, executor=client)
    pd.testing.assert_frame_equal(frame, reference)


def test_means_and_intervals_match_scipy(reference: pd.DataFrame) -> None:
    """Recompute one point by hand from its derived seeds; the interval is Student's t."""
    row = reference.iloc[3]
    point_index = 3
    values = [
        noisy_wait(row["rate"], int(row["servers"]), point_seed(11, point_index, r))["wait"] for r in range(4)
    ]
    low, high = stats.t.interval(0.95, df=3, loc=np.mean(values), scale=stats.sem(values))
    assert row["wait_mean"] == pytest.approx(np.mean(values), rel=1e-14)
    assert row["wait_ci_low"] == pytest.approx(low, rel=1e-10)
    assert row["wait_ci_high"] == pytest.approx(high, rel=1e-10)
    assert row["n"] == 4 and row["error"] is None


def test_grid_as_list_of_points_and_scalar_outputs() -> None:
    frame = sm.sweep(lambda x, seed: x * 2, [{"x": 1}, {"x": 5}], executor="serial")
    assert list(frame["value_mean"]) == [2.0, 10.0]
    assert frame["value_ci_low"].isna().all()  # one replication: no interval


def test_different_seeds_give_different_frames(reference: pd.DataFrame) -> None:
    other = sm.sweep(noisy_wait, GRID, replications=4, seed=12, executor="serial")
    assert not np.allclose(other["wait_mean"], reference["wait_mean"])
    assert len({point_seed(11, i, r) for i in range(50) for r in range(50)}) == 2500


@pytest.mark.parametrize("executor", ["serial", "threads", "processes"])
def test_a_failing_point_is_reported_and_others_kept(executor: str) -> None:
    with pytest.warns(SweepWarning, match=r"1 of 3 points failed.*'x': 2.*x = 2 is not allowed"):
        frame = sm.sweep(fails_on_two, {"x": [1, 2, 3]}, executor=executor, workers=2)
    assert list(frame["value_mean"].fillna(-1)) == [1.0, -1, 3.0]
    assert frame.loc[1, "error"].startswith("ValueError: x = 2 is not allowed")
    assert list(frame["n"]) == [1, 0, 1]
    assert frame.attrs["failed"] == [{"x": 2, "error": frame.loc[1, "error"]}]


def test_ctrl_c_stops_the_sweep_and_leaves_no_threads() -> None:
    before = threading.active_count()
    with pytest.raises(KeyboardInterrupt):
        sm.sweep(interrupt, {"x": list(range(20))}, executor="threads", workers=2, batch_size=1)
    assert threading.active_count() == before


def test_progress_bar_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    sm.sweep(lambda x, seed: x, {"x": [1, 2, 3]}, executor="serial", progress=True, batch_size=1)
    assert "sweep" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"replications": 0}, ValueError, "replications"),
        ({"level": 1.5}, ValueError, "level"),
        ({"executor": "gpu"}, ValueError, "executor"),
        ({"workers": 0}, ValueError, "workers"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        sm.sweep(lambda x, seed: x, {"x": [1]}, **kwargs)  # type: ignore[arg-type]


def test_empty_grid_and_non_callable() -> None:
    with pytest.raises(ValueError, match="at least one point"):
        sm.sweep(lambda seed: 1, [])
    with pytest.raises(TypeError, match="callable"):
        sm.sweep(3, {"x": [1]})  # type: ignore[arg-type]


def test_plan_sensitivity_uses_the_sweep() -> None:
    """More traffic never needs fewer app servers or a smaller bill."""
    from pathlib import Path

    from scalemodel.scenario import load_scenario

    scenario = load_scenario(Path(__file__).parents[2] / "examples" / "startup.toml")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = sm.plan.sensitivity(scenario, (-0.5, 0.0, 1.0))
    assert list(table.index) == [-0.5, 0.0, 1.0]
    assert table["app nodes"].is_monotonic_increasing
    assert table["usd_per_month"].is_monotonic_increasing
    base = sm.plan.make_plan(scenario)
    assert table.loc[0.0, "usd_per_month"] == pytest.approx(base.usd_per_month, rel=1e-12)
