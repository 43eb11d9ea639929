"""The engine's array kernels release the GIL; concurrent calls must not disturb each other.

Oracle: the single-threaded result on the same inputs. Two threads computing the same
large sweep (and two threads computing different halves) must reproduce it bit for bit:
each element is computed independently by deterministic code, so any difference would
be a data race or shared state. No timings are asserted.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from scalemodel import queueing as q

N = 2_000_000
FIELDS = (
    "stable",
    "utilization",
    "prob_wait",
    "throughput",
    "mean_queue_length",
    "mean_in_system",
    "mean_wait",
    "mean_response",
)


@pytest.fixture(scope="module")
def sweep() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2e6 M/M/c points, about 9% of them unstable (load up to 1.1 x capacity)."""
    rng = np.random.default_rng(20240611)
    servers = rng.integers(1, 101, N)
    service = rng.uniform(0.5, 2.0, N)
    arrival = rng.uniform(0.0, 1.1, N) * servers * service
    return arrival, service, servers


def metrics(arrival: np.ndarray, service: np.ndarray, servers: np.ndarray) -> dict[str, np.ndarray]:
    m = q.MMc(arrival, service, servers)
    return {k: np.asarray(getattr(m, k)) for k in FIELDS}


def test_two_threads_same_sweep(sweep: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    """Oracle: the single-threaded result; both threads' results equal it exactly (NaN-free, inf allowed)."""
    reference = metrics(*sweep)
    assert not reference["stable"].all() and reference["stable"].any()
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(metrics, *sweep) for _ in range(2)]
        results = [f.result() for f in futures]
    for result in results:
        for k in FIELDS:
            np.testing.assert_array_equal(result[k], reference[k], err_msg=k)


def test_two_threads_split_sweep(sweep: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    """Oracle: the single-threaded result; two halves computed concurrently, concatenated, equal it."""
    reference = metrics(*sweep)
    half = N // 2
    parts = [tuple(a[:half] for a in sweep), tuple(a[half:] for a in sweep)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda p: metrics(*p), parts))
    for k in FIELDS:
        np.testing.assert_array_equal(np.concatenate([results[0][k], results[1][k]]), reference[k], err_msg=k)


def test_two_threads_erlang_and_quantiles() -> None:
    """Oracle: single-threaded calls; Erlang C and p99 response quantiles computed concurrently match them."""
    rng = np.random.default_rng(7)
    n = 200_000
    servers = rng.integers(1, 60, n)
    load = rng.uniform(0.0, 0.99, n) * servers
    ref_c = q.erlang_c(servers, load)
    model = q.MMc(load[:50_000], 1.0, servers[:50_000])
    ref_q = model.response_quantile(0.99)
    with ThreadPoolExecutor(max_workers=2) as pool:
        f1 = pool.submit(q.erlang_c, servers, load)
        f2 = pool.submit(model.response_quantile, 0.99)
        np.testing.assert_array_equal(f1.result(), ref_c)
        np.testing.assert_array_equal(f2.result(), ref_q)
