"""Cost engine: scalemodel's vectorized calculators against the same formulas in NumPy,
and the end-to-end time of `scalemodel plan` on the bundled examples (no peer exists).

Interleaved rounds (ours, peer, ours, peer, ...) on the same inputs; medians of 7.
Ours runs on one thread. Run: python benchmarks/bench_cost.py
"""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
from harness import interleaved_rates, line, timed

import scalemodel as sm

N = 1_000_000
ROUNDS = 7
rng = np.random.default_rng(1)
shards = rng.integers(2, 1000, N).astype(float)
fanout = rng.uniform(0, 5000, N)
write_qps = rng.uniform(0, 1e6, N)
storage = rng.uniform(0, 1e15, N)


def numpy_shards_touched() -> np.ndarray:
    return -shards * np.expm1(fanout * np.log1p(-1.0 / shards))


def numpy_shard_count() -> np.ndarray:
    need = np.maximum(write_qps / 10_000.0, storage / 16e12)
    return np.maximum(1, np.ceil(need * (1 - 1e-12))).astype(np.int64)


COMPARISONS = {
    "expected_shards_touched vs NumPy": (
        lambda: sm.cost.expected_shards_touched(shards, fanout),
        N,
        numpy_shards_touched,
        N,
    ),
    "shard_count vs NumPy": (lambda: sm.cost.shard_count(write_qps, storage), N, numpy_shard_count, N),
}

print(
    f"scalemodel {sm.__version__}, NumPy {np.__version__}; {N:,} points, ours on 1 thread, peer = NumPy expression"
)
for ours, _, peer, _ in COMPARISONS.values():
    np.testing.assert_allclose(ours(), peer(), rtol=1e-12)
for name, (o, p) in interleaved_rates(COMPARISONS, ROUNDS).items():
    print(line(name, o, p))
examples = Path(__file__).parents[1] / "examples"
for name in ("startup", "twitter", "instagram"):
    times = [timed(lambda name=name: sm.plan.plan_file(examples / f"{name}.toml")) for _ in range(ROUNDS)]
    print(f"plan {name}: {statistics.median(times) * 1e3:.2f} ms per plan (no peer)")
