"""Plotting helpers shared by the CLI and the notebooks (matplotlib)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from scalemodel._arrays import api_dir as _api_dir
from scalemodel.queueing import MMc

__all__ = ["response_vs_load"]


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
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
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
    ax.set_xlabel("arrival rate (requests/s)")
    ax.set_ylabel("response time (s)")
    ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    return ax


__dir__ = _api_dir(globals())
