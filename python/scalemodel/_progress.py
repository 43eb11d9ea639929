"""Long engine calls: a progress bar after a couple of seconds, and Ctrl-C that stops them.

On the main thread the engine call runs on a worker thread (it releases the GIL) with a
``_core.Progress`` current there; the main thread waits in short slices, so a
KeyboardInterrupt reaches it, and draws a tqdm bar from the counts the engine's parallel
loops report. Any exception in the waiting thread (Ctrl-C, a failing bar) cancels the call
and waits for the worker, so no engine work outlives the call (a second Ctrl-C stops the
wait). Other threads never receive a KeyboardInterrupt, so there the call runs inline (no
worker, no bar; a worker costs about 50-100 us a call); a :class:`Group` lets whoever owns
such threads cancel their calls (a threaded :func:`scalemodel.sweep` on Ctrl-C). Inside
sweep tasks the bar stays off (the sweep draws its own).
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Iterator
from typing import Any, Callable, TypeVar

from scalemodel import _core

T = TypeVar("T")

#: Seconds a call runs before its bar appears.
BAR_DELAY_S = 2.0
_bars = contextvars.ContextVar("scalemodel_progress_bars", default=True)


class Group:
    """The tracked calls made inside :meth:`member` blocks (on any thread); :meth:`cancel`
    stops those running and every later one at its first parallel item."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: set[Any] = set()
        self._cancelled = False

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            live = list(self._live)
        for progress in live:
            progress.cancel()

    @contextlib.contextmanager
    def member(self) -> Iterator[None]:
        token = _group.set(self)
        try:
            yield
        finally:
            _group.reset(token)

    def _add(self, progress: Any) -> None:
        with self._lock:
            if self._cancelled:
                progress.cancel()
            self._live.add(progress)

    def _discard(self, progress: Any) -> None:
        with self._lock:
            self._live.discard(progress)


_group: contextvars.ContextVar[Group | None] = contextvars.ContextVar(
    "scalemodel_progress_group", default=None
)


@contextlib.contextmanager
def bars_off() -> Iterator[None]:
    """No progress bars for engine calls made in this block (used by sweep tasks)."""
    token = _bars.set(False)
    try:
        yield
    finally:
        _bars.reset(token)


def run(call: Callable[[], T], desc: str) -> T:
    """``call()``, tracked: a bar labelled ``desc`` after :data:`BAR_DELAY_S`, Ctrl-C cancels."""
    progress = _core.Progress()
    group = _group.get()
    if group is not None:
        group._add(progress)
    try:
        if threading.current_thread() is not threading.main_thread():
            return _core.run_tracked(progress, call)  # type: ignore[no-any-return]
        return _on_worker(progress, call, desc)
    finally:
        if group is not None:
            group._discard(progress)


def _on_worker(progress: Any, call: Callable[[], T], desc: str) -> T:
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["value"] = _core.run_tracked(progress, call)
        except BaseException as e:  # handed to the waiting thread
            outcome["error"] = e

    worker = threading.Thread(target=work, name=f"scalemodel {desc}", daemon=True)
    show = _bars.get()
    bar = None
    start = time.monotonic()
    try:
        worker.start()  # inside the try: a Ctrl-C while it starts still cancels the call
        while worker.is_alive():
            worker.join(0.1)
            if show and bar is None and progress.total > 0 and time.monotonic() - start >= BAR_DELAY_S:
                from tqdm.auto import tqdm

                # Items done before the bar are its initial count, not a burst in its first
                # instant (which tqdm would report as a rate of millions a second).
                bar = tqdm(total=progress.total, initial=progress.done, desc=desc, unit="task")
            if bar is not None:
                bar.total = progress.total
                bar.update(progress.done - bar.n)
    except BaseException:
        progress.cancel()
        _wait(worker)
        raise
    finally:
        if bar is not None:
            bar.close()
    if "error" in outcome:
        error = outcome.pop("error")
        try:
            raise error
        finally:
            del error  # no frame -> traceback -> frame cycle kept alive
    return outcome["value"]  # type: ignore[no-any-return]


def _wait(worker: threading.Thread) -> None:
    """Join a cancelled call's worker: the engine stops at its next parallel item (a broker
    replication within 2^16 events; other simulators finish the replication in hand). A
    second Ctrl-C stops waiting, leaving the cancelled worker to end on its own."""
    try:
        worker.join()
    except RuntimeError:  # interrupted before it started: it will see the cancel at once
        pass
