"""Throughput of scalemodel's M/M/c and Erlang C against Python peers.

Run: python benchmarks/bench_queueing.py   (needs the bench extras: pyworkforce, scipy)

The machine is a shared VM whose speed drifts, so every comparison times ours and the peer
on the same inputs in the same process, interleaved (ours, peer, ours, peer, ...) over
several rounds, and reports the median rate of each side and their ratio. The process is
pinned to one CPU and BLAS/OpenMP pools are limited to one thread, so "ours" is one core.
Rates are evaluations (points) per second, so a peer timed on a smaller sample is still
compared per evaluation.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import time
from typing import Any, Callable

import numpy as np
from harness import interleaved_rates, line
from pyworkforce.queuing import ErlangC
from scipy import stats

import scalemodel as sm

q = sm.queueing

SEED = 20240601
N_OURS = 200_000  # points for scalemodel and for vectorized SciPy
N_PY = 2_000  # points for the pure-Python peers (a prefix of the same sample)
N_SCIPY_LOOP = 500  # points for SciPy called once per point
ROUNDS = 7
MAX_SERVERS = 1000
TARGET_RATE = 1_000_000  # M/M/c evaluations per second on one core
TARGET_RATIO = 100  # times the pure-Python peer


# --- the sample: c in 1..1000, utilization in [0.5, 0.99), service rate 1 -----------------
rng = np.random.default_rng(SEED)
servers = rng.integers(1, MAX_SERVERS + 1, N_OURS)
rho = rng.uniform(0.5, 0.99, N_OURS)
service_rate = 1.0
arrival = rho * servers * service_rate
offered = arrival / service_rate

# Plain Python copies for the Python peers, made outside the timed region.
py_servers = [int(x) for x in servers[:N_PY]]
py_arrival = [float(x) for x in arrival[:N_PY]]
py_offered = [float(x) for x in offered[:N_PY]]
small_servers, small_arrival = servers[:N_PY].copy(), arrival[:N_PY].copy()


# --- ours -------------------------------------------------------------------------------
def ours_mmc() -> Any:
    # The constructor computes every metric: utilization, P(wait), Lq, L, Wq, W, throughput.
    return q.MMc(arrival, service_rate, servers)


def ours_mmc_small() -> Any:
    return q.MMc(small_arrival, service_rate, small_servers)


def ours_erlang_c() -> Any:
    return q.erlang_c(servers, offered)


# --- peers ------------------------------------------------------------------------------
def pyworkforce_mmc() -> list:
    """pyworkforce's ErlangC (pure Python) plus the M/M/c formulas for the same metrics."""
    out = []
    mu = service_rate
    for c, lam in zip(py_servers, py_arrival):
        # interval 1 and aht 1/mu make its intensity lam/mu; asa is required but unused here.
        e = ErlangC(transactions=lam, aht=1.0 / mu, asa=1.0, interval=1)
        pw = e.waiting_probability(c)
        util = e.achieved_occupancy(c)
        wq = pw / (c * mu - lam)
        w = wq + 1.0 / mu
        out.append((util, pw, lam * wq, lam * w, wq, w))
    return out


def erlang_c_recurrence(c: int, a: float) -> float:
    """Textbook Erlang C: Erlang B by B_k = a B_{k-1} / (k + a B_{k-1}), then C from B."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1.0 - b))


def python_erlang_c() -> list:
    return [erlang_c_recurrence(c, a) for c, a in zip(py_servers, py_offered)]


def erlang_c_scipy_point(c: int, a: float) -> float:
    pmf = stats.poisson.pmf(c, a)
    return pmf / (pmf + (1.0 - a / c) * stats.poisson.cdf(c - 1, a))


def scipy_loop_erlang_c() -> list:
    return [erlang_c_scipy_point(c, a) for c, a in zip(py_servers[:N_SCIPY_LOOP], py_offered[:N_SCIPY_LOOP])]


def scipy_vectorized_erlang_c() -> np.ndarray:
    pmf = stats.poisson.pmf(servers, offered)
    return pmf / (pmf + (1.0 - offered / servers) * stats.poisson.cdf(servers - 1, offered))


# --- agreement: every peer must compute the same numbers ----------------------------------
def max_rel(a: Any, b: Any) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def check_agreement() -> None:
    m = ours_mmc()
    ref = np.array(pyworkforce_mmc())
    ours = np.column_stack(
        [m.utilization, m.prob_wait, m.mean_queue_length, m.mean_in_system, m.mean_wait, m.mean_response]
    )[:N_PY]
    ec = ours_erlang_c()
    print("agreement with ours (max relative difference):")
    print(f"  pyworkforce M/M/c metrics   {max_rel(ours, ref):.1e}")
    print(f"  Python recurrence erlang_c  {max_rel(ec[:N_PY], python_erlang_c()):.1e}")
    print(f"  SciPy per point erlang_c    {max_rel(ec[:N_SCIPY_LOOP], scipy_loop_erlang_c()):.1e}")
    print(f"  SciPy vectorized erlang_c   {max_rel(ec, scipy_vectorized_erlang_c()):.1e}")


# --- timing -----------------------------------------------------------------------------


def cpu_per_wall(fn: Callable[[], object], repeat: int = 5) -> float:
    """Process CPU time over wall time for fn: about 1 when fn runs on one thread."""
    fn()  # warm-up
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.process_time() - c0) / (time.perf_counter() - w0)


# name -> (ours, evaluations per ours call, peer, evaluations per peer call)
COMPARISONS: dict[str, tuple[Callable[[], object], int, Callable[[], object], int]] = {
    "(a) M/M/c vs pyworkforce ErlangC": (ours_mmc, N_OURS, pyworkforce_mmc, N_PY),
    "(a) M/M/c vs pyworkforce ErlangC, same 2,000 points": (ours_mmc_small, N_PY, pyworkforce_mmc, N_PY),
    "(b) erlang_c vs Python recurrence": (ours_erlang_c, N_OURS, python_erlang_c, N_PY),
    "(b) erlang_c vs SciPy per point": (ours_erlang_c, N_OURS, scipy_loop_erlang_c, N_SCIPY_LOOP),
    "(b) erlang_c vs SciPy vectorized": (ours_erlang_c, N_OURS, scipy_vectorized_erlang_c, N_OURS),
}


def main() -> int:
    start = time.perf_counter()
    print(
        f"scalemodel {sm.__version__}, NumPy {np.__version__}, sample seed {SEED}: "
        f"c in 1..{MAX_SERVERS}, utilization in [0.5, 0.99)"
    )
    # Single-thread evidence, measured before pinning: CPU time / wall time of our calls.
    ratio_mmc = cpu_per_wall(ours_mmc)
    ratio_ec = cpu_per_wall(ours_erlang_c)
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    print(
        f"ours ran on 1 thread: process CPU time / wall time of our calls {ratio_mmc:.2f} (MMc) and "
        f"{ratio_ec:.2f} (erlang_c) before pinning (<= 1: no parallelism); timed rounds pinned to CPU {cpu}"
    )
    check_agreement()

    medians = interleaved_rates(COMPARISONS, ROUNDS)
    print(f"median of {ROUNDS} interleaved rounds, evaluations per second:")
    for name, (mo, mp) in medians.items():
        print(line(name, mo, mp))

    mmc_rate, pwf_rate = medians["(a) M/M/c vs pyworkforce ErlangC"]
    ok_rate = mmc_rate >= TARGET_RATE
    ok_ratio = mmc_rate / pwf_rate >= TARGET_RATIO
    print(
        f"{'PASS' if ok_rate else 'FAIL'}: M/M/c (c <= {MAX_SERVERS}) {mmc_rate:,.0f} evaluations/s on one core "
        f"(target >= {TARGET_RATE:,})"
    )
    print(
        f"{'PASS' if ok_ratio else 'FAIL'}: M/M/c (c <= {MAX_SERVERS}) {mmc_rate / pwf_rate:,.1f}x pure-Python "
        f"pyworkforce (target >= {TARGET_RATIO}x)"
    )
    print(f"total {time.perf_counter() - start:.1f} s")
    return 0 if (ok_rate and ok_ratio) else 1


if __name__ == "__main__":
    raise SystemExit(main())
