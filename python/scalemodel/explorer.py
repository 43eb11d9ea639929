"""An interactive explorer for any model in a notebook: sliders over its parameters and a
live plot (or table). The module is ``scalemodel.explorer``; its entry point is the
function ``sm.explore``. It needs ipywidgets (``pip install "scalemodel[notebooks]"``).

.. code-block:: python

    sm.explore(
        sm.queueing.MMc,
        x=("arrival_rate", 1, 39),                 # the plot's x axis, swept as an array
        y={"mean": "mean_response", "p99": lambda m: m.response_quantile(0.99)},
        service_rate=10,                           # fixed
        servers=(1, 16, 4),                        # an integer slider from 1 to 16, at 4
    )

Without ``x`` every change reruns the model and shows its result (its table, for the
replicated results of :mod:`scalemodel.sim` and :mod:`scalemodel.reliability`).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Union

import numpy as np

from scalemodel._arrays import api_dir as _api_dir

__all__ = ["Explorer", "explore"]

Metric = Union[str, Callable[[Any], Any]]


def _label(spec: Metric) -> str:
    return spec if isinstance(spec, str) else getattr(spec, "__name__", "value")


def _metrics(y: Metric | Sequence[Metric] | Mapping[str, Metric] | None) -> dict[str, Metric]:
    if y is None:
        return {}
    if isinstance(y, Mapping):
        return dict(y)
    if isinstance(y, str) or callable(y):
        return {_label(y): y}
    return {_label(s): s for s in y}


def _value(result: Any, spec: Metric) -> Any:
    if callable(spec):
        return spec(result)
    try:
        value = getattr(result, spec)
    except AttributeError:
        raise ValueError(f"y names {spec!r}, which the model's result does not have") from None
    return value() if callable(value) else value


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _slider(name: str, spec: Any, widgets: Any) -> Any:
    """A widget for a (low, high) or (low, high, value) tuple, a dropdown for a list, or
    None for a fixed value."""
    if isinstance(spec, list):
        if not spec:
            raise ValueError(f"{name}: a list of choices must not be empty")
        return widgets.Dropdown(options=spec, value=spec[0], description=name)
    if isinstance(spec, tuple) and len(spec) in (2, 3) and all(_is_number(v) for v in spec):
        low, high = spec[0], spec[1]
        if not low < high:
            raise ValueError(f"{name}: a slider needs low < high, got {spec!r}")
        start = spec[2] if len(spec) == 3 else None
        if all(isinstance(v, numbers.Integral) for v in spec):
            value = start if start is not None else (low + high) // 2
            return widgets.IntSlider(
                min=low, max=high, value=value, description=name, continuous_update=False
            )
        value = start if start is not None else (low + high) / 2
        step = (high - low) / 100
        return widgets.FloatSlider(
            min=low, max=high, value=value, step=step, description=name, continuous_update=False
        )
    if isinstance(spec, tuple):
        raise ValueError(f"{name}: a slider is (low, high) or (low, high, value), got {spec!r}")
    return None


class Explorer:
    """What :func:`explore` builds. ``widget`` is the box to display (the notebook shows
    the explorer itself), ``controls`` maps each parameter to its widget, ``params()`` is
    the current parameters, ``values(**params)`` the curves (or the result) for them, and
    ``refresh()`` redraws."""

    def __init__(
        self,
        model: Callable[..., Any],
        x: tuple[Any, ...] | None,
        metrics: dict[str, Metric],
        fixed: dict[str, Any],
        controls: dict[str, Any],
        widget: Any,
        output: Any,
        points: int,
    ) -> None:
        self.model = model
        self.x = x
        self.metrics = metrics
        self.fixed = fixed
        self.controls = controls
        self.widget = widget
        self._output = output
        self._points = points

    def params(self) -> dict[str, Any]:
        """The parameters the model gets now (without the x axis)."""
        return {**self.fixed, **{name: w.value for name, w in self.controls.items()}}

    def values(self, **params: Any) -> Any:
        """With ``x``: {"x": the axis, label: the metric along it, ...}; without: the result."""
        if self.x is None:
            return self.model(**params)
        name, low, high = self.x[:3]
        axis = np.linspace(low, high, self._points)
        result = self.model(**{name: axis}, **params)
        curves = {"x": axis}
        for label, spec in self.metrics.items():
            curves[label] = np.broadcast_to(np.asarray(_value(result, spec), dtype=float), axis.shape)
        return curves

    def refresh(self, *_: Any) -> None:
        """Recompute for the current parameters and redraw."""
        from IPython.display import display

        params = self.params()
        with self._output:
            self._output.clear_output(wait=True)
            if self.x is None:
                display(self.values(**params))
                return
            import matplotlib.pyplot as plt

            curves = self.values(**params)
            fig, ax = plt.subplots(figsize=(7, 4))
            for label, ys in curves.items():
                if label != "x":
                    ax.plot(curves["x"], ys, label=label)
            ax.set_xlabel(self.x[0])
            ax.set_title(", ".join(f"{k}={v:g}" if _is_number(v) else f"{k}={v}" for k, v in params.items()))
            ax.grid(alpha=0.3)
            if len(curves) > 2:
                ax.legend()
            display(fig)
            plt.close(fig)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def explore(
    model: Callable[..., Any],
    *,
    x: tuple[Any, ...] | None = None,
    y: Metric | Sequence[Metric] | Mapping[str, Metric] | None = None,
    points: int = 200,
    **params: Any,
) -> Explorer:
    """Sliders over ``model``'s parameters and a live plot of its outputs, in a notebook.

    ``model`` is any callable taking keyword arguments: a model class
    (``sm.queueing.MMc``), a function (``sm.sim.simulate_queue``), or your own. Each
    keyword of ``params`` is a slider, ``(low, high)`` or ``(low, high, value)`` (integer
    bounds give an integer slider), a dropdown (a list of choices), or a fixed value.
    ``x=(name, low, high)`` sweeps one parameter over ``points`` values as a NumPy array
    (the models of :mod:`scalemodel.queueing`, :mod:`scalemodel.caching` and
    :mod:`scalemodel.cost` broadcast) and plots ``y`` along it: an attribute or method
    name of the result, a function of the result, or a list or dict of them. Without
    ``x`` each change reruns the model and shows its result. Needs ipywidgets; returns
    an :class:`Explorer` (displayed by the notebook).
    """
    try:
        import ipywidgets as widgets
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise ImportError('sm.explore needs ipywidgets: pip install "scalemodel[notebooks]"') from None
    if not callable(model):
        raise TypeError(f"model must be callable, got {type(model).__name__}")
    if x is not None:
        if not (
            isinstance(x, tuple)
            and len(x) == 3
            and isinstance(x[0], str)
            and _is_number(x[1])
            and _is_number(x[2])
            and x[1] < x[2]
        ):
            raise ValueError(f"x must be (name, low, high) with low < high, got {x!r}")
        if x[0] in params:
            raise ValueError(f"{x[0]} is the x axis; do not give it as a parameter too")
        if not y:
            raise ValueError("give y, what to plot along x (an attribute name or a function of the result)")
    if not isinstance(points, int) or points < 2:
        raise ValueError(f"points must be an integer >= 2, got {points!r}")
    metrics = _metrics(y)
    controls, fixed = {}, {}
    for name, spec in params.items():
        control = _slider(name, spec, widgets)
        if control is None:
            fixed[name] = spec
        else:
            controls[name] = control
    output = widgets.Output()
    box = widgets.VBox([*controls.values(), output])
    explorer = Explorer(model, x, metrics, fixed, controls, box, output, points)
    for control in controls.values():
        control.observe(explorer.refresh, names="value")
    explorer.refresh()
    return explorer


__dir__ = _api_dir(globals())
