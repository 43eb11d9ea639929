"""Sweeps: per-point overhead of each executor, and the speed-up on this machine's cores.

(1) Overhead: 2,000 trivial points per round; ours (sm.sweep) against joblib.Parallel on
    the same backend kind, interleaved, medians of 5 rounds, as microseconds per point.
(2) Speed-up: 16 points of about 50 ms of engine work each (M/M/c over a large array,
    which releases the GIL), serial against 2 workers; parallel efficiency =
    serial time / (workers x parallel time). Target: >= 85% on 2 cores.
Run: python benchmarks/bench_sweep.py
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np
from joblib import Parallel, delayed

import scalemodel as sm

ROUNDS = 5
N_TRIVIAL = 2_000
WORKERS = 2


def trivial(x: int, seed: int) -> float:
    return float(x)


RATES = np.linspace(1.0, 90.0, 55_000)


def engine_work(x: int, seed: int) -> float:
    return float(sm.queueing.MMc(RATES, 1.0, 100).response_quantile(0.99).sum())


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def overhead(name: str, ours, peer) -> None:  # type: ignore[no-untyped-def]
    t_ours, t_peer = [], []
    for _ in range(ROUNDS):
        t_ours.append(timed(ours))
        t_peer.append(timed(peer))
    o, p = statistics.median(t_ours) / N_TRIVIAL * 1e6, statistics.median(t_peer) / N_TRIVIAL * 1e6
    print(
        f"{name}: ours {1e6 / o:,.0f} points/s ({o:.1f} us/point), peer {1e6 / p:,.0f}/s ({p:.1f} us/point), {p / o:.2f}x"
    )


def main() -> None:
    print(f"scalemodel {sm.__version__}; {os.cpu_count()} CPUs; {WORKERS} workers")
    grid = {"x": list(range(N_TRIVIAL))}
    overhead(
        "overhead, threads vs joblib threading",
        lambda: sm.sweep(trivial, grid, executor="threads", workers=WORKERS, progress=False),
        lambda: Parallel(n_jobs=WORKERS, backend="threading")(
            delayed(trivial)(x, 0) for x in range(N_TRIVIAL)
        ),
    )
    overhead(
        "overhead, processes vs joblib loky",
        lambda: sm.sweep(trivial, grid, executor="processes", workers=WORKERS, progress=False),
        lambda: Parallel(n_jobs=WORKERS, backend="loky")(delayed(trivial)(x, 0) for x in range(N_TRIVIAL)),
    )
    overhead(
        "overhead, serial vs a Python loop",
        lambda: sm.sweep(trivial, grid, executor="serial", progress=False),
        lambda: [trivial(x, 0) for x in range(N_TRIVIAL)],
    )
    try:
        from dask.distributed import Client, LocalCluster

        with (
            LocalCluster(
                n_workers=WORKERS, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            t = statistics.median(
                timed(lambda: sm.sweep(trivial, grid, executor=client, progress=False)) for _ in range(ROUNDS)
            )
            print(
                f"overhead, dask LocalCluster ({WORKERS} processes): {t / N_TRIVIAL * 1e6:.1f} us/point (no peer)"
            )
    except ImportError:
        print("dask not installed: pip install '.[dask]'")

    one = statistics.median(timed(lambda: engine_work(0, 0)) for _ in range(3))
    grid16 = {"x": list(range(16))}
    import concurrent.futures as cf

    # Warm pools, so the figure is the sweep's own efficiency; a cold process pool also pays
    # for starting its workers (about 0.1 s each here, importing NumPy and scalemodel).
    pools = {
        "threads": cf.ThreadPoolExecutor(max_workers=WORKERS),
        "processes (warm pool)": cf.ProcessPoolExecutor(max_workers=WORKERS),
    }
    for pool in pools.values():
        sm.sweep(trivial, {"x": list(range(8))}, executor=pool, workers=WORKERS, progress=False)
    for label, pool in pools.items():
        serial, parallel = [], []
        for _ in range(3):
            serial.append(timed(lambda: sm.sweep(engine_work, grid16, executor="serial", progress=False)))
            parallel.append(
                timed(
                    lambda pool=pool: sm.sweep(
                        engine_work, grid16, executor=pool, workers=WORKERS, progress=False
                    )
                )
            )
        s, p = statistics.median(serial), statistics.median(parallel)
        efficiency = s / (WORKERS * p)
        verdict = "PASS" if efficiency >= 0.85 else "FAIL"
        print(
            f"speed-up, {label}, 16 points of {one * 1e3:.0f} ms: serial {s:.2f} s, {WORKERS} workers {p:.2f} s, "
            f"{s / p:.2f}x, efficiency {efficiency:.0%} ({verdict}: target >= 85%)"
        )
        pool.shutdown()


if __name__ == "__main__":
    main()
