"""Long engine calls: progress counts, the bar, and Ctrl-C stopping the engine."""

from __future__ import annotations

import _thread
import threading
import time

import pytest

import scalemodel as sm
from scalemodel import _core, _progress

LAG = sm.reliability.Exponential(0.2)
THINK = sm.reliability.Exponential(1.0)


def test_engine_counts_each_chunk_into_the_tracked_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[_core.Progress] = []
    real = _core.Progress

    def recording() -> _core.Progress:
        made.append(real())
        return made[-1]

    monkeypatch.setattr(_core, "Progress", recording)
    sm.reliability.simulate_stale_reads(LAG, THINK, requests=1 << 20, threads=2)
    (progress,) = made
    assert progress.total == (1 << 20) // (1 << 15)  # one item per chunk of 2^15 requests
    assert progress.done == progress.total
    assert not progress.cancelled


def test_bar_appears_for_slow_calls(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_progress, "BAR_DELAY_S", 0.0)
    sm.reliability.simulate_stale_reads(LAG, THINK, requests=1 << 24, seed=1)
    assert "stale reads" in capsys.readouterr().err


def test_sweep_tasks_draw_no_bar_of_their_own(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_progress, "BAR_DELAY_S", 0.0)

    def stale(think: float, seed: int) -> float:
        return float(
            sm.reliability.simulate_stale_reads(
                LAG, sm.reliability.Exponential(think), requests=1 << 22, seed=seed
            ).stale
        )

    sm.sweep(stale, {"think": [0.5, 1.0]}, executor="serial", progress=False)
    assert "stale reads" not in capsys.readouterr().err


def test_ctrl_c_stops_a_long_run_promptly() -> None:
    # 2e10 requests take minutes; an interrupt after 0.3 s must end the call within a
    # couple of seconds, and the same result must follow from a fresh call afterwards.
    timer = threading.Timer(0.3, _thread.interrupt_main)
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        sm.reliability.simulate_stale_reads(LAG, THINK, requests=20_000_000_000, threads=2)
    assert time.monotonic() - start < 5.0
    timer.join()
    a = sm.reliability.simulate_stale_reads(LAG, THINK, requests=1 << 18, seed=3)
    b = sm.reliability.simulate_stale_reads(LAG, THINK, requests=1 << 18, seed=3, threads=1)
    assert a.stale == b.stale
