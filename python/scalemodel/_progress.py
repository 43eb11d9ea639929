"""Long engine calls: a progress bar after a couple of seconds, and Ctrl-C that stops them.

The engine call runs on a worker thread (it releases the GIL) with a ``_core.Progress``
current there; the calling thread waits in short slices, so a KeyboardInterrupt reaches it,
and draws a tqdm bar from the counts the engine's parallel loops report. Inside
:func:`scalemodel.sweep` tasks the bar stays off (the sweep draws its own).
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
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["value"] = _core.run_tracked(progress, call)
        except BaseException as e:  # handed to the waiting thread
            outcome["error"] = e

    worker = threading.Thread(target=work, name=f"scalemodel {desc}", daemon=True)
    worker.start()
    show = _bars.get()
    bar = None
    start = time.monotonic()
    try:
        while worker.is_alive():
            worker.join(0.1)
            if show and bar is None and progress.total > 0 and time.monotonic() - start >= BAR_DELAY_S:
                from tqdm.auto import tqdm

                bar = tqdm(total=progress.total, desc=desc, unit="task")
            if bar is not None:
                bar.total = progress.total
                bar.n = progress.done
                bar.refresh()
    except KeyboardInterrupt:
        progress.cancel()
        worker.join()
        raise
    finally:
        if bar is not None:
            bar.close()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]
