"""Throughput of scalemodel's hashing engine against Python peers and NumPy baselines.

Run: python benchmarks/bench_hashing.py   (needs the bench extras: uhashring, jump-consistent-hash)

The machine is a shared VM whose speed drifts, so every comparison times ours and the peer
on the same inputs in the same process, interleaved (ours, peer, ours, peer, ...) over
several rounds, and reports the median rate of each side and their ratio. The process is
pinned to one CPU and ours is called with threads=1, so "ours" is one core. Rates are keys
per second, so a peer timed on a smaller sample (a prefix of the same keys) is still
compared per key. Every peer's answers are checked against ours first.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import binascii
import time
from typing import Callable

import jump as jump_peer
import numpy as np
import uhashring
from harness import interleaved_rates, line

import scalemodel as sm

h = sm.hashing

SEED = 20241129
N_OURS = 4_000_000  # keys for scalemodel and the NumPy baselines
N_NUMPY = 1_000_000
N_PY = 20_000  # keys for the pure-Python peers (a prefix of the same sample)
ROUNDS = 7
BUCKETS = 1000
RING_NODES, RING_VNODES = 100, 150
TARGETS = {"jump": 50e6, "ring": 10e6, "redis": 20e6}
TARGET_RATIO = 100  # times uhashring

rng = np.random.default_rng(SEED)
keys = rng.integers(0, 2**63, N_OURS, dtype=np.int64).astype(np.uint64) * 2 + 1
py_keys = [int(k) for k in keys[:N_PY]]
str_keys = [f"user:{i}" for i in range(N_OURS)]
packed = h.pack(str_keys)
py_str = [s.encode() for s in str_keys[:N_PY]]

names = [f"10.0.{i // 256}.{i % 256}:11211" for i in range(RING_NODES)]
ring = h.Ring(names, vnodes=RING_VNODES)
ketama = h.Ring(names, mode="ketama")  # uhashring's own default: 40 x 4 points per node
peer_ring = uhashring.HashRing(nodes=names, hash_fn="ketama")
# The NumPy ring baseline: the same ring points, hashed keys looked up with searchsorted.
ring_points = np.sort(h.xxh64([f"{n}-{j}" for n in names for j in range(RING_VNODES)]))
point_owner = np.repeat(np.arange(RING_NODES), RING_VNODES)[
    np.argsort(h.xxh64([f"{n}-{j}" for n in names for j in range(RING_VNODES)]))
]


def numpy_jump(k: np.ndarray, buckets: int) -> np.ndarray:
    """Jump hash vectorized with NumPy: all keys step together until every key is done."""
    k = k.copy()
    b = np.full(k.size, -1, dtype=np.int64)
    j = np.zeros(k.size, dtype=np.int64)
    active = j < buckets
    with np.errstate(over="ignore"):
        while active.any():
            idx = np.flatnonzero(active)
            b[idx] = j[idx]
            k[idx] = k[idx] * np.uint64(2862933555777941757) + np.uint64(1)
            step = float(1 << 31) / ((k[idx] >> np.uint64(33)).astype(np.float64) + 1.0)
            j[idx] = ((b[idx] + 1).astype(np.float64) * step).astype(np.int64)
            active[idx] = j[idx] < buckets
    return b


def numpy_ring(k: np.ndarray) -> np.ndarray:
    pos = np.searchsorted(ring_points, h.xxh64(k, threads=1), side="left")
    pos[pos == ring_points.size] = 0
    return point_owner[pos]


def crc16_python(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


# --- the calls timed --------------------------------------------------------------------
def ours_jump() -> object:
    return h.jump(keys, BUCKETS, threads=1)


def ours_jump_100() -> object:
    return h.jump(keys, 100, threads=1)


def ours_ring() -> object:
    return ring.assign(keys, threads=1)


def ours_ketama() -> object:
    return ketama.assign(keys[:N_NUMPY], threads=1)


def ours_redis() -> object:
    return h.redis_slot(packed, threads=1)


def ours_redis_from_list() -> object:
    return h.redis_slot(str_keys[:N_NUMPY], threads=1)


COMPARISONS: dict[str, tuple[Callable[[], object], int, Callable[[], object], int]] = {
    f"(a) jump, {BUCKETS} buckets vs jump-consistent-hash": (
        ours_jump,
        N_OURS,
        lambda: [jump_peer.hash(k, BUCKETS) for k in py_keys],
        N_PY,
    ),
    f"(a) jump, {BUCKETS} buckets vs NumPy vectorized": (
        ours_jump,
        N_OURS,
        lambda: numpy_jump(keys[:N_NUMPY], BUCKETS),
        N_NUMPY,
    ),
    "(a) jump, 100 buckets vs NumPy vectorized": (
        ours_jump_100,
        N_OURS,
        lambda: numpy_jump(keys[:N_NUMPY], 100),
        N_NUMPY,
    ),
    f"(b) ring {RING_NODES}x{RING_VNODES} vs uhashring ketama": (
        ours_ring,
        N_OURS,
        lambda: [peer_ring.get_node(k) for k in py_keys],
        N_PY,
    ),
    f"(b) ketama ring {RING_NODES} nodes (same placement) vs uhashring": (
        ours_ketama,
        N_NUMPY,
        lambda: [peer_ring.get_node(k) for k in py_keys],
        N_PY,
    ),
    f"(b) ring {RING_NODES}x{RING_VNODES} vs NumPy searchsorted": (
        ours_ring,
        N_OURS,
        lambda: numpy_ring(keys[:N_NUMPY]),
        N_NUMPY,
    ),
    "(c) redis_slot, packed short keys vs binascii.crc_hqx": (
        ours_redis,
        N_OURS,
        lambda: [binascii.crc_hqx(s, 0) & 16383 for s in py_str],
        N_PY,
    ),
    "(c) redis_slot from a list of str vs binascii.crc_hqx": (
        ours_redis_from_list,
        N_NUMPY,
        lambda: [binascii.crc_hqx(s, 0) & 16383 for s in py_str],
        N_PY,
    ),
    "(c) redis_slot, packed short keys vs pure-Python CRC16": (
        ours_redis,
        N_OURS,
        lambda: [crc16_python(s) & 16383 for s in py_str[:2000]],
        2000,
    ),
}


def check_agreement() -> None:
    print("agreement with ours (fraction of keys on the same node/slot):")
    print(
        f"  jump-consistent-hash   {np.mean(ours_jump()[:N_PY] == [jump_peer.hash(k, BUCKETS) for k in py_keys]):.6f}"
    )
    print(
        f"  NumPy jump             {np.mean(ours_jump()[:N_NUMPY] == numpy_jump(keys[:N_NUMPY], BUCKETS)):.6f}"
    )
    ket = ours_ketama()[:N_PY]
    print(
        f"  uhashring ketama       {np.mean(ket == [names.index(peer_ring.get_node(k)) for k in py_keys]):.6f}"
    )
    print(f"  NumPy ring             {np.mean(ours_ring()[:N_NUMPY] == numpy_ring(keys[:N_NUMPY])):.6f}")
    slots = ours_redis()[:N_PY]
    print(
        f"  binascii.crc_hqx       {np.mean(slots == [binascii.crc_hqx(s, 0) & 16383 for s in py_str]):.6f}"
    )


def main() -> int:
    start = time.perf_counter()
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    print(
        f"scalemodel {sm.__version__}, NumPy {np.__version__}, seed {SEED}; ours with threads=1, "
        f"process pinned to CPU {cpu}; {ROUNDS} interleaved rounds"
    )
    check_agreement()
    medians = interleaved_rates(COMPARISONS, ROUNDS)
    print("median of the rounds, keys per second:")
    for name, (mo, mp) in medians.items():
        print(line(name, mo, mp))

    jump_rate = medians[f"(a) jump, {BUCKETS} buckets vs NumPy vectorized"][0]
    jump100_rate = medians["(a) jump, 100 buckets vs NumPy vectorized"][0]
    ring_rate, uhash_rate = medians[f"(b) ring {RING_NODES}x{RING_VNODES} vs uhashring ketama"]
    ketama_rate, ketama_peer = medians[f"(b) ketama ring {RING_NODES} nodes (same placement) vs uhashring"]
    redis_rate = medians["(c) redis_slot, packed short keys vs binascii.crc_hqx"][0]
    checks = [
        (
            jump_rate >= TARGETS["jump"],
            f"jump ({BUCKETS} buckets) {jump_rate:,.0f} keys/s on one core (target >= 50,000,000)",
        ),
        (
            jump100_rate >= TARGETS["jump"],
            f"jump (100 buckets) {jump100_rate:,.0f} keys/s on one core (target >= 50,000,000)",
        ),
        (
            ring_rate >= TARGETS["ring"],
            f"ring {RING_NODES}x{RING_VNODES} {ring_rate:,.0f} keys/s on one core (target >= 10,000,000)",
        ),
        (
            redis_rate >= TARGETS["redis"],
            f"redis_slot {redis_rate:,.0f} keys/s on one core (target >= 20,000,000)",
        ),
        (
            ring_rate / uhash_rate >= TARGET_RATIO,
            f"ring {ring_rate / uhash_rate:,.1f}x uhashring (target >= 100x)",
        ),
        (
            ketama_rate / ketama_peer >= TARGET_RATIO,
            f"ketama ring (MD5 per key, uhashring's placement) {ketama_rate / ketama_peer:,.1f}x uhashring (target >= 100x)",
        ),
    ]
    for ok, text in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {text}")
    print(f"total {time.perf_counter() - start:.1f} s")
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
