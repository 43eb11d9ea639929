"""The retry-queue CTMC (sm.queueing.RetryQueue, Eigen SparseLU) against a dense solve of
the same generator with NumPy (LAPACK).

Run: python benchmarks/bench_retry_queue.py   (needs the bench extras: scipy)

Both sides solve the balance equations pi Q = 0, sum(pi) = 1 of one chain: ours builds the
generator and solves it sparse (the whole RetryQueue constructor: generator, LU, metrics);
the peer takes our generator as a dense matrix (made outside the timed region) and calls
numpy.linalg.solve. Interleaved over several rounds in one process (see harness.py), one
thread (BLAS pools limited to one); rates are chains solved per second. The two stationary
laws are checked to agree first.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np
from harness import interleaved_rates

import scalemodel as sm

ROUNDS = 5
# 4 workers at 10/s, 1 s timeouts, 2 retries, a bounded queue: the chain of notebook 14.
CASES = {
    "retry queue, 60 held (7,625 states)": dict(capacity=60),
    "retry queue, 30 held (1,891 states)": dict(capacity=30),
}


def chain(capacity: int) -> sm.queueing.RetryQueue:
    return sm.queueing.RetryQueue(24.0, 10.0, 4, timeout=1.0, retries=2, capacity=capacity)


def dense_solver(r: sm.queueing.RetryQueue):
    a = r.generator().toarray().T.copy()
    a[0, :] = 1.0
    b = np.zeros(r.states)
    b[0] = 1.0
    return lambda: np.linalg.solve(a, b)


def main() -> None:
    comparisons = {}
    for name, kw in CASES.items():
        r = chain(**kw)
        peer = dense_solver(r)
        pi = peer()
        assert np.allclose(pi, r.stationary().ravel(), atol=1e-10), name
        comparisons[name] = (lambda kw=kw: chain(**kw), 1, peer, 1)
    rates = interleaved_rates(comparisons, ROUNDS)
    print("ours: Eigen SparseLU on one thread; peer: numpy.linalg.solve (dense LAPACK), one thread")
    for name, (ours, peer) in rates.items():
        print(f"{name}: ours {ours:.3g}/s, peer {peer:.3g}/s, {ours / peer:.1f}x")


if __name__ == "__main__":
    main()
