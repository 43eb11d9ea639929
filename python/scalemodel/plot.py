"""Plotting helpers shared by the CLI and the notebooks (matplotlib)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from scalemodel._arrays import api_dir as _api_dir
from scalemodel.queueing import MMc

__all__ = ["response_vs_load"]


def axes(ax: Any, figsize: tuple[float, float]) -> Any:
    """The Axes to draw on: ``ax``, or a new figure's of ``figsize`` (matplotlib is
    imported only when something is drawn)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)[1]


def finish(ax: Any, xlabel: str, ylabel: str | None = None, *, log: str = "", legend: bool = True) -> Any:
    """The look every scalemodel plot shares: axis labels, log scales on the axes named in
    ``log`` ("x", "y" or "xy"), a light grid at major and minor ticks, a small legend.
    Returns ``ax``."""
    if "x" in log:
        ax.set_xscale("log")
    if "y" in log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)
    if legend:
        ax.legend(fontsize="small")
    return ax


def response_vs_load(
    configs: Mapping[str, tuple[int, int, float]],
    arrival_rates: Any,
    *,
    quantile: float | None = 0.99,
    slo_s: float | None = None,
    ax: Any = None,
) -> Any:
    """Plot mean (solid) and quantile (dashed) response time against total arrival rate.

    configs maps a label to (machines, servers_per_machine, service_rate_per_server): the
    load is split evenly across machines, each an M/M/c queue. arrival_rates in requests/s;
    slo_s draws a horizontal line at that response time. Returns the matplotlib Axes.
    """
    ax = axes(ax, (7, 4.5))
    rates = np.asarray(arrival_rates, dtype=float)
    for label, (machines, servers, service_rate) in configs.items():
        model = MMc(rates / machines, service_rate, servers)
        (line,) = ax.plot(rates, np.where(model.stable, model.mean_response, np.nan), label=f"{label} mean")
        if quantile is not None:
            ax.plot(
                rates,
                np.where(model.stable, model.response_quantile(quantile), np.nan),
                linestyle="--",
                color=line.get_color(),
                label=f"{label} p{100 * quantile:g}",
            )
    if slo_s is not None:
        ax.axhline(slo_s, color="black", linewidth=0.8, linestyle=":", label=f"SLO {slo_s:g} s")
    return finish(ax, "arrival rate (requests/s)", "response time (s)", log="y")


__dir__ = _api_dir(globals())
