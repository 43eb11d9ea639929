"""Parameter sweeps: one way to run a what-if over a grid, locally or on a Dask cluster.

(The module is ``scalemodel.sweeps``; its entry point is the function ``sm.sweep``.)

``sm.sweep(func, grid, replications=..., seed=...)`` calls ``func(**point, seed=s)`` for
every point of the grid and every replication, each with its own seed derived from
(seed, point index, replication), and gathers the results into a pandas DataFrame with
a mean and a confidence interval per output. The seeds do not depend on the executor or
the number of workers, so the same call gives the same frame everywhere.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import itertools
import math
import os
import traceback
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Callable

import numpy as np
import pandas as pd

from scalemodel import _core
from scalemodel._arrays import api_dir as _api_dir
from scalemodel._arrays import level as _level
from scalemodel._arrays import whole
from scalemodel._progress import Group, bars_off

__all__ = ["SweepWarning", "point_seed", "sweep"]


class SweepWarning(UserWarning):
    """Some points of a sweep failed; their parameters and errors are in the frame."""


def point_seed(seed: int, point: int, replication: int) -> int:
    """The seed of one replication of one point: a hash of the three, fixed forever."""
    values = [whole(n, v, 0) for n, v in (("seed", seed), ("point", point), ("replication", replication))]
    state = np.random.SeedSequence(values).generate_state(2, np.uint32)
    return int(state[0]) << 31 | int(state[1]) >> 1


#: Most (point, replication) runs one :func:`sweep` takes: their list is built before the
#: first run, so a larger sweep would fill memory instead of starting.
MAX_RUNS = 1_000_000


def _points(grid: Mapping[str, Iterable[Any]] | Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(grid, Mapping):
        names = list(grid)
        values = []
        for name in names:
            v = grid[name]
            if isinstance(v, (str, bytes)) or not isinstance(v, Iterable):
                v = [v]
            values.append(list(v))
        if math.prod(len(v) for v in values) > MAX_RUNS:
            raise ValueError(f"grid must hold at most {MAX_RUNS:,} points (the product of its value counts)")
        return [dict(zip(names, combo)) for combo in itertools.product(*values)]
    points = [dict(p) for p in grid]
    if not all(isinstance(p, dict) for p in points):
        raise TypeError("grid must be a mapping of name -> values, or a sequence of mappings")
    return points


def _as_outputs(value: Any) -> dict[str, float]:
    if hasattr(value, "to_dict") and not isinstance(value, (pd.Series, pd.DataFrame)):
        value = value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): np.asarray(v, dtype=float).item() for k, v in value.items()}
    return {"value": np.asarray(value, dtype=float).item()}


def _run_batch(
    func: Callable[..., Any], items: list[tuple[int, int, dict[str, Any], int]], group: Group | None = None
) -> list[tuple[int, int, dict[str, float] | None, str | None]]:
    """Run (point, replication, params, seed) items; an error is kept, not raised. Engine
    calls join ``group`` (a thread pool's: Ctrl-C on the main thread cancels them)."""
    out: list[tuple[int, int, dict[str, float] | None, str | None]] = []
    for point, rep, params, seed in items:
        member = group.member() if group is not None else contextlib.nullcontext()
        try:
            with bars_off(), member:  # the sweep's own bar counts tasks
                value = func(**params, seed=seed)
            out.append((point, rep, _as_outputs(value), None))
        except Exception as e:  # a failing point must not sink the sweep
            last = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
            where = f" ({last.filename}:{last.lineno})" if last else ""
            out.append((point, rep, None, f"{type(e).__name__}: {e}{where}"))
    return out


def _is_dask_client(executor: Any) -> bool:
    return type(executor).__name__ == "Client" and hasattr(executor, "gather") and hasattr(executor, "submit")


def sweep(
    func: Callable[..., Any],
    grid: Mapping[str, Iterable[Any]] | Sequence[Mapping[str, Any]],
    *,
    replications: int = 1,
    seed: int = 0,
    executor: Any = None,
    workers: int | None = None,
    batch_size: int | None = None,
    level: float = 0.95,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Run ``func`` over a parameter grid and gather means and confidence intervals.

    func: called as ``func(**point, seed=s)``; returns a number, a mapping of names to
    numbers, or an object with ``to_dict()``. grid: a mapping of parameter name ->
    values (the Cartesian product is swept) or a sequence of mappings (those points).
    replications: independent runs per point, each with its own seed (:func:`point_seed`).
    executor: None or "threads" (a thread pool: the engine releases the GIL), "processes"
    (a process pool; ``func`` must be picklable), "serial", a ``concurrent.futures``
    executor, or a ``dask.distributed.Client``. workers: pool size (default: CPU count).
    batch_size: (point, replication) runs per task (default: about four tasks per
    worker). level: confidence level of the intervals. progress: a tqdm bar (terminal or
    Jupyter); None shows one only if the sweep runs longer than 2 s.

    Returns one row per point: the parameters, then for each output ``<name>_mean``,
    ``<name>_ci_low``, ``<name>_ci_high`` (Student's t; NaN with one replication), ``n``
    (replications that succeeded) and ``error`` (None, or the first failure's message).
    Failed points are kept and reported with a :class:`SweepWarning`.
    """
    if isinstance(replications, bool) or not isinstance(replications, (int, np.integer)) or replications < 1:
        raise ValueError(f"replications must be a whole number >= 1, got {replications!r}")
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    level = _level(level)
    points = _points(grid)
    if not points:
        raise ValueError("grid must hold at least one point")
    if len(points) * int(replications) > MAX_RUNS:
        raise ValueError(
            f"replications x points must be at most {MAX_RUNS:,} runs (the run list is built up "
            f"front), got {int(replications)} x {len(points)}"
        )
    items = [
        (i, r, points[i], point_seed(seed, i, r))
        for i in range(len(points))
        for r in range(int(replications))
    ]
    n_workers = (os.cpu_count() or 1) if workers is None else int(workers)
    if n_workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers!r}")
    size = max(1, math.ceil(len(items) / (4 * n_workers))) if batch_size is None else int(batch_size)
    if size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size!r}")
    batches = [items[i : i + size] for i in range(0, len(items), size)]
    results = _execute(func, batches, executor, n_workers, progress)
    return _gather(points, results, int(replications), level)


def _progress_bar(total: int, progress: bool | None) -> Any:
    from tqdm.auto import tqdm

    if progress is False:
        return tqdm(total=total, disable=True)
    return tqdm(total=total, unit="task", desc="sweep", delay=0 if progress else 2.0)


def _execute(
    func: Callable[..., Any], batches: list[Any], executor: Any, workers: int, progress: bool | None
) -> list[Any]:
    bar = _progress_bar(len(batches), progress)
    try:
        if executor == "serial":
            out = []
            for b in batches:
                out.extend(_run_batch(func, b))
                bar.update()
            return out
        if _is_dask_client(executor):
            return _execute_dask(func, batches, executor, bar)
        own = executor is None or isinstance(executor, str)
        if executor is None or executor == "threads":
            pool: cf.Executor = cf.ThreadPoolExecutor(max_workers=workers)
        elif executor == "processes":
            pool = cf.ProcessPoolExecutor(max_workers=workers)
        elif isinstance(executor, cf.Executor):
            pool = executor
        else:
            raise ValueError(
                "executor must be None, 'threads', 'processes', 'serial', a concurrent.futures.Executor "
                f"or a dask.distributed.Client; got {executor!r}"
            )
        # Threads never see Ctrl-C: their engine calls join a group the main thread cancels.
        group = Group() if isinstance(pool, cf.ThreadPoolExecutor) else None
        futures: list[cf.Future[Any]] = []
        try:
            for b in batches:  # inside the try: a Ctrl-C while submitting still cleans up
                futures.append(pool.submit(_run_batch, func, b, group))
            out = []
            for f in cf.as_completed(futures):
                out.extend(f.result())
                bar.update()
            return out
        except BaseException:
            # Ctrl-C or a broken pool: drop what has not started, stop the engine calls
            # running on our threads, leave no workers behind.
            for f in futures:
                f.cancel()
            if group is not None:
                group.cancel()
            raise
        finally:
            if own:
                pool.shutdown(wait=True, cancel_futures=True)
    finally:
        bar.close()


def _execute_dask(func: Callable[..., Any], batches: list[Any], client: Any, bar: Any) -> list[Any]:
    from dask.distributed import as_completed

    futures = [client.submit(_run_batch, func, b, pure=False) for b in batches]
    try:
        out = []
        for f in as_completed(futures):
            out.extend(f.result())
            bar.update()
        return out
    except BaseException:
        client.cancel(futures)
        raise


def _gather(
    points: list[dict[str, Any]], results: list[Any], replications: int, level: float
) -> pd.DataFrame:
    values: dict[int, list[tuple[int, dict[str, float]]]] = {i: [] for i in range(len(points))}
    errors: dict[int, str] = {}
    first_failure: dict[int, int] = {}
    for point, rep, outputs, error in results:
        if error is None:
            values[point].append((rep, outputs))
        elif rep < first_failure.get(point, replications):
            # The lowest failing replication, not the first to finish: the same on any executor.
            first_failure[point], errors[point] = rep, error
    names: list[str] = []
    for point_runs in values.values():
        for _, outputs in point_runs:
            names.extend(k for k in outputs if k not in names)
    rows = []
    for i, params in enumerate(points):
        runs = [o for _, o in sorted(values[i], key=lambda x: x[0])]  # replication order
        row: dict[str, Any] = dict(params)
        for name in names:
            x = np.array([o.get(name, np.nan) for o in runs], dtype=float)
            if x.size > 1:
                mean, low, high, _ = _core.stats.t_interval(x, level)
            else:  # one replication: a mean but no interval
                mean, low, high = (float(x[0]) if x.size else np.nan), np.nan, np.nan
            row[f"{name}_mean"] = mean
            row[f"{name}_ci_low"] = low
            row[f"{name}_ci_high"] = high
        row["n"] = len(runs)
        row["error"] = errors.get(i)
        rows.append(row)
    frame = pd.DataFrame(rows)
    if errors:
        failed = [{**points[i], "error": e} for i, e in sorted(errors.items())]
        frame.attrs["failed"] = failed
        first = failed[0]
        warnings.warn(
            f"{len(failed)} of {len(points)} points failed; first: {first}. "
            "Their rows carry the error; the other points' results are kept.",
            SweepWarning,
            stacklevel=3,
        )
    return frame


__dir__ = _api_dir(globals())
