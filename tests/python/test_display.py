"""Rich notebook display: results with a table show it as HTML, and ``sm.explore`` builds
sliders over any model and redraws when they move (checked without a browser)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

import scalemodel as sm

widgets = pytest.importorskip("ipywidgets")  # the test extra brings it


@pytest.mark.parametrize(
    "make",
    [
        lambda: sm.queueing.MMc(36, 10, 4),
        lambda: sm.queueing.MMc(np.array([10.0, 20.0]), 10, 4),
        lambda: sm.queueing.jackson(
            [50, 0], routing=[[0, 0.6], [0.1, 0]], service_rates=[80, 40], servers=[1, 2]
        ),
        lambda: sm.queueing.mva([0.005, 0.012], population=5, think_time=1.0),
        lambda: sm.reliability.ctmc_availability(2, 3, mtbf_s=1000.0, mttr_s=10.0),
        lambda: sm.hashing.balance(sm.hashing.Jump(4), sm.hashing.KeyStream("uniform", 1000, seed=1)),
        lambda: sm.hashing.spread_vs_vnodes(4, [1, 10]),
        lambda: sm.sim.simulate_queue(0.5, 1.0, customers=1000, replications=3, seed=1),
    ],
)
def test_results_show_their_table(make: object) -> None:
    result = make()  # type: ignore[operator]
    page = result._repr_html_()
    assert page.startswith("<div><p><code>") and "<table" in page
    assert type(result).__name__ in page


def test_explore_plots_metrics_along_x_and_follows_the_sliders() -> None:
    matplotlib.use("Agg")
    ex = sm.explore(
        sm.queueing.MMc,
        x=("arrival_rate", 1, 39),
        y={"mean": "mean_response", "p99": lambda m: m.response_quantile(0.99)},
        service_rate=10,
        servers=(1, 16, 4),
        points=50,
    )
    assert isinstance(ex.widget, widgets.VBox)
    assert set(ex.controls) == {"servers"} and isinstance(ex.controls["servers"], widgets.IntSlider)
    assert ex.params() == {"service_rate": 10, "servers": 4}
    curves = ex.values(**ex.params())
    model = sm.queueing.MMc(curves["x"], 10, 4)
    np.testing.assert_array_equal(curves["mean"], model.mean_response)
    np.testing.assert_array_equal(curves["p99"], model.response_quantile(0.99))
    ex.controls["servers"].value = 8  # the observer redraws without error
    assert ex.params()["servers"] == 8
    assert np.isfinite(ex.values(**ex.params())["mean"]).all()  # 8 servers carry 39 req/s


def test_explore_without_x_shows_the_result() -> None:
    ex = sm.explore(
        sm.sim.simulate_queue, arrival_rate=(0.1, 0.9, 0.5), service=1.0, customers=1000, replications=3
    )
    assert isinstance(ex.controls["arrival_rate"], widgets.FloatSlider)
    result = ex.values(**ex.params())
    assert isinstance(result, sm.sim.SimResult) and result.params["arrival_rate"] == 0.5


def test_explore_checks_its_arguments() -> None:
    with pytest.raises(ValueError, match=r"x must be \(name, low, high\)"):
        sm.explore(sm.queueing.MMc, x=("arrival_rate", 5, 1), y="mean_response")
    with pytest.raises(ValueError, match="give y"):
        sm.explore(sm.queueing.MMc, x=("arrival_rate", 1, 5))
    with pytest.raises(ValueError, match="the x axis"):
        sm.explore(sm.queueing.MMc, x=("arrival_rate", 1, 5), y="mean_response", arrival_rate=3)
    with pytest.raises(ValueError, match="low < high"):
        sm.explore(sm.queueing.MM1, arrival_rate=(2, 1), service_rate=3)
    with pytest.raises(TypeError, match="model must be callable"):
        sm.explore(3)
    with pytest.raises(ValueError, match="does not have"):
        sm.explore(sm.queueing.MMc, x=("arrival_rate", 1, 5), y="nope", service_rate=10, servers=1)
