"""The `scalemodel` command line, the plot helper, and pickling of results."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

import scalemodel as sm
from scalemodel.cli import main

q = sm.queueing


def test_whatif_prints_table_and_writes_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The demo's numbers come from the models: check two of them against MMc directly."""
    assert (
        main(
            [
                "whatif",
                "--vcpus",
                "4",
                "--utilization",
                "0.9",
                "--service-time",
                "0.1",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "scale up: 1 x 16 vCPU" in out and "one down" in out
    assert (tmp_path / "scale_up_vs_out.png").stat().st_size > 10_000
    import pandas as pd

    table = pd.read_csv(tmp_path / "scale_up_vs_out.csv", index_col=0)
    today = q.MMc(36.0, 10.0, 4)
    assert table["mean response (s)"].iloc[0] == pytest.approx(today.mean_response, rel=1e-12)
    assert table["p99 response (s)"].iloc[2] == pytest.approx(
        q.MMc(9.0, 10.0, 4).response_quantile(0.99), rel=1e-12
    )


@pytest.mark.parametrize("bad", [["--utilization", "1.2"], ["--vcpus", "0"], ["--service-time", "-1"]])
def test_whatif_rejects_bad_arguments(tmp_path: Path, bad: list[str]) -> None:
    assert main(["whatif", "--out", str(tmp_path), *bad]) == 2
    assert not (tmp_path / "scale_up_vs_out.png").exists()


def test_response_vs_load_draws_one_mean_and_one_quantile_per_config() -> None:
    import matplotlib

    matplotlib.use("Agg")
    ax = sm.plot.response_vs_load({"a": (1, 4, 1.0), "b": (2, 4, 1.0)}, np.linspace(0.1, 6, 50), slo_s=5.0)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["a mean", "a p99", "b mean", "b p99", "SLO 5 s"]
    y = ax.get_lines()[0].get_ydata()
    model = q.MMc(np.linspace(0.1, 6, 50), 1.0, 4)
    # Unstable points (load >= 4) are left out of the curve rather than drawn at inf.
    np.testing.assert_allclose(y, np.where(model.stable, model.mean_response, np.nan), rtol=1e-15)
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


@pytest.mark.parametrize(
    "model",
    [
        q.MMc([1.0, 2.0], 1.0, 4),
        q.MM1(0.5, 1.0),
        q.MMcK(3.0, 1.0, 2, 10),
        q.GGc(3.0, 0.5, 2, 0.5, 2.0),
        q.MD1(0.5, 1.0),
    ],
)
def test_station_results_survive_pickle(model: object) -> None:
    back = pickle.loads(pickle.dumps(model))
    assert type(back) is type(model)
    assert repr(back) == repr(model)
    np.testing.assert_array_equal(back.response_quantile(0.9), model.response_quantile(0.9))  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        back.utilization = 0  # type: ignore[attr-defined,misc]


def test_network_results_survive_pickle() -> None:
    net = q.jackson([1.0, 0.0], [[0, 1], [0, 0]], [3.0, 2.0])
    closed = q.mva([0.1, 0.2], 5, think_time=1.0)
    usl = q.USL.fit([1, 2, 4, 8], [100.0, 180.0, 300.0, 380.0])
    assert pickle.loads(pickle.dumps(net)).mean_response == net.mean_response
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(closed)).throughput, closed.throughput)
    assert pickle.loads(pickle.dumps(usl)) == usl
