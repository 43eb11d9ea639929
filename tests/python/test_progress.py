"""Long engine calls: progress counts, the bar, and Ctrl-C stopping the engine."""

from __future__ import annotations

import _thread
import signal
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


def test_bar_rate_counts_only_items_done_while_it_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    import tqdm.auto

    rates: list[float] = []

    class Recording(tqdm.auto.tqdm):  # type: ignore[misc,name-defined]
        def display(self, *args: object, **kwargs: object) -> None:
            d = self.format_dict  # the rate the bar shows, as tqdm.format_meter derives it
            rates.append(d["rate"] or (d["n"] - d["initial"]) / max(d["elapsed"], 1e-9))
            super().display(*args, **kwargs)

    monkeypatch.setattr(_progress, "BAR_DELAY_S", 0.3)
    monkeypatch.setattr(tqdm.auto, "tqdm", Recording)
    start = time.monotonic()
    sm.reliability.simulate_stale_reads(LAG, THINK, requests=1 << 28, seed=1, threads=1)
    true_rate = ((1 << 28) >> 15) / (time.monotonic() - start)
    assert rates
    assert max(rates) < 10 * true_rate  # items done before the bar appeared are not a burst


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


def _workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("scalemodel ")]


def test_calls_off_the_main_thread_run_inline_and_main_thread_calls_on_a_worker() -> None:
    # Only the main thread receives Ctrl-C: elsewhere a worker thread would be pure overhead.
    seen: list[threading.Thread] = []
    caller = threading.Thread(target=lambda: seen.append(_progress.run(threading.current_thread, "x")))
    caller.start()
    caller.join()
    assert seen == [caller]
    assert _progress.run(threading.current_thread, "x") is not threading.main_thread()


def test_a_failing_bar_cancels_the_call_and_leaves_no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    import tqdm.auto

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("no terminal")

    monkeypatch.setattr(_progress, "BAR_DELAY_S", 0.0)
    monkeypatch.setattr(tqdm.auto, "tqdm", broken)
    with pytest.raises(RuntimeError, match="no terminal"):
        sm.reliability.simulate_stale_reads(LAG, THINK, requests=20_000_000_000, threads=2)
    assert _workers() == []  # the engine was cancelled and joined, not left running


def test_ctrl_c_while_the_worker_starts_still_cancels_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real_start = threading.Thread.start

    def start_then_interrupted(self: threading.Thread) -> None:
        real_start(self)
        raise KeyboardInterrupt

    monkeypatch.setattr(threading.Thread, "start", start_then_interrupted)
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        sm.reliability.simulate_stale_reads(LAG, THINK, requests=20_000_000_000, threads=2)
    assert time.monotonic() - start < 5.0
    assert _workers() == []


def test_ctrl_c_stops_the_engine_calls_of_a_threaded_sweep() -> None:
    # The pool's threads never see the KeyboardInterrupt; the sweep must cancel their calls
    # instead of waiting minutes for them in shutdown.
    def long(think: float, seed: int) -> float:
        return float(
            sm.reliability.simulate_stale_reads(
                LAG, sm.reliability.Exponential(think), requests=20_000_000_000, seed=seed, threads=1
            ).stale
        )

    # A real SIGINT to the main thread, as Ctrl-C sends: it wakes the sweep's blocking wait
    # (_thread.interrupt_main only sets a flag, which that wait would not notice for minutes).
    timer = threading.Timer(0.5, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT))
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        sm.sweep(long, {"think": [0.5, 1.0]}, executor="threads", workers=2, progress=False)
    assert time.monotonic() - start < 5.0
    timer.join()


def test_ctrl_c_while_a_threaded_sweep_submits_stops_what_was_submitted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import concurrent.futures as cf

    real_submit = cf.ThreadPoolExecutor.submit
    submitted: list[object] = []

    def interrupted_on_the_second(self: cf.ThreadPoolExecutor, *args: object) -> object:
        if submitted:
            time.sleep(0.3)  # the first task is deep in the engine by now
            raise KeyboardInterrupt
        submitted.append(real_submit(self, *args))  # type: ignore[arg-type]
        return submitted[-1]

    def long(think: float, seed: int) -> float:
        return float(
            sm.reliability.simulate_stale_reads(
                LAG, sm.reliability.Exponential(think), requests=20_000_000_000, seed=seed, threads=1
            ).stale
        )

    monkeypatch.setattr(cf.ThreadPoolExecutor, "submit", interrupted_on_the_second)
    before = set(threading.enumerate())
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        sm.sweep(long, {"think": [0.5, 1.0]}, executor="threads", workers=2, progress=False)
    assert time.monotonic() - start < 5.0
    left = [t.name for t in set(threading.enumerate()) - before if t.name.startswith("ThreadPoolExecutor")]
    assert left == []  # the pool was shut down, its task cancelled
