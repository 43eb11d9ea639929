"""Shared by the benchmark scripts: timing one call, interleaving ours with a peer, and the
one-line report `name: ours X/s, peer Y/s, Zx` (medians over rounds)."""

from __future__ import annotations

import gc
import statistics
import time
from typing import Callable

# name -> (ours, items ours handles per call, peer, items the peer handles per call)
Comparisons = dict[str, tuple[Callable[[], object], int, Callable[[], object], int]]


def timed(fn: Callable[[], object]) -> float:
    """Wall time of one call, with the garbage collector held off during it."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0
    finally:
        gc.enable()


def interleaved_rates(comparisons: Comparisons, rounds: int) -> dict[str, tuple[float, float]]:
    """Median items per second of ours and of the peer, timed in alternation (ours, peer,
    ours, peer, ...) after one untimed warm-up each, so drift of the machine hits both."""
    for ours, _, peer, _ in comparisons.values():
        ours()
        peer()
    rates: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in comparisons}
    for _ in range(rounds):
        for name, (ours, n_ours, peer, n_peer) in comparisons.items():
            rates[name][0].append(n_ours / timed(ours))
            rates[name][1].append(n_peer / timed(peer))
    return {name: (statistics.median(o), statistics.median(p)) for name, (o, p) in rates.items()}


def line(name: str, ours: float, peer: float) -> str:
    """The standard comparison line."""
    return f"{name}: ours {ours:,.0f}/s, peer {peer:,.0f}/s, {ours / peer:.1f}x"


def paired_speedup(
    fast: Callable[[], object], slow: Callable[[], object], pairs: int
) -> tuple[float, float, float]:
    """Median and quartiles of time(slow) / time(fast) over back-to-back pairs, alternating
    which runs first. This machine's speed drifts by tens of percent within a minute; a
    ratio of two timings taken a moment apart cancels that drift, a ratio of medians taken
    over the whole run does not."""
    fast()
    slow()
    ratios = []
    for i in range(pairs):
        if i % 2 == 0:
            t_fast, t_slow = timed(fast), timed(slow)
        else:
            t_slow, t_fast = timed(slow), timed(fast)
        ratios.append(t_slow / t_fast)
    q1, med, q3 = statistics.quantiles(ratios, n=4)
    return med, q1, q3
