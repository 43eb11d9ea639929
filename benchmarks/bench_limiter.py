"""Decisions per second of scalemodel's rate limiters against pure-Python peers.

Run: python benchmarks/bench_limiter.py   (needs the bench extras: limits, pyrate-limiter)

Ours decides a 10-million-request Poisson trace (1,000 requests/s for 10,000 s, limit 500
per second, so about half are rejected) in one call on one thread. The peers decide the
first 50,000 requests of the same trace one call at a time: pyrate-limiter's in-memory
buckets take explicit timestamps (whole milliseconds) through ``bucket.put(RateItem)``;
``limits`` (MemoryStorage) reads the wall clock, so its ``hit()`` calls are timed as they
come. Peers are paired with the nearest algorithm they offer (pyrate-limiter's in-memory
bucket is a sliding log; it has no queueing leaky bucket, so ours is timed against that
log). Rounds are interleaved (ours, peer, ours, ...) and the medians reported; the process
is single-threaded, so every figure is single-core.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from collections.abc import Callable

import pyrate_limiter as pyrate
from harness import interleaved_rates, line
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    SlidingWindowCounterRateLimiter,
)

import scalemodel as sm

LIMIT, WINDOW_S, RATE, DURATION_S = 500, 1.0, 1_000.0, 10_000.0
PEER_REQUESTS = 50_000
ROUNDS = 5
TARGET_RATE = 20_000_000

TRACE = sm.sim.limiter_trace("poisson", rate=RATE, duration_s=DURATION_S, seed=1)
PEER_MS = [int(t * 1000) for t in TRACE[:PEER_REQUESTS]]


def ours(algorithm: str) -> Callable[[], object]:
    def run() -> object:
        return sm.sim.simulate_limiter(algorithm, LIMIT, WINDOW_S, TRACE, compare_exact=False).admitted

    return run


def pyrate_bucket(algorithm: object | None) -> Callable[[], object]:
    def run() -> object:
        rates = [pyrate.Rate(LIMIT, int(WINDOW_S * 1000))]
        if algorithm is None:
            bucket: pyrate.AbstractBucket = pyrate.InMemoryBucket(rates)
        else:
            bucket = pyrate.StateBucket(rates, algorithm=algorithm)
        put = bucket.put
        return sum(bool(put(pyrate.RateItem("client", ms))) for ms in PEER_MS)

    return run


def limits_strategy(strategy: type) -> Callable[[], object]:
    item = parse(f"{LIMIT}/second")

    def run() -> object:
        hit = strategy(MemoryStorage()).hit
        return sum(hit(item, "client") for _ in range(PEER_REQUESTS))

    return run


def main() -> None:
    n = int(TRACE.size)
    # Same trace, same parameters: the timestamped peer must agree with ours (to the
    # millisecond rounding of its clock).
    for algorithm, peer_algorithm in (("sliding_log", None), ("token_bucket", pyrate.TokenBucket())):
        head = sm.sim.simulate_limiter(algorithm, LIMIT, WINDOW_S, TRACE[:PEER_REQUESTS]).admitted
        theirs = pyrate_bucket(peer_algorithm)()
        assert isinstance(theirs, int) and abs(theirs - head) <= 0.01 * head, (algorithm, head, theirs)
    comparisons = {
        "token_bucket vs pyrate-limiter TokenBucket": (
            ours("token_bucket"),
            n,
            pyrate_bucket(pyrate.TokenBucket()),
            PEER_REQUESTS,
        ),
        "gcra vs pyrate-limiter GCRA": (ours("gcra"), n, pyrate_bucket(pyrate.GCRA()), PEER_REQUESTS),
        "leaky_bucket vs pyrate-limiter InMemoryBucket": (
            ours("leaky_bucket"),
            n,
            pyrate_bucket(None),
            PEER_REQUESTS,
        ),
        "fixed_window vs limits FixedWindow": (
            ours("fixed_window"),
            n,
            limits_strategy(FixedWindowRateLimiter),
            PEER_REQUESTS,
        ),
        "sliding_log vs limits MovingWindow": (
            ours("sliding_log"),
            n,
            limits_strategy(MovingWindowRateLimiter),
            PEER_REQUESTS,
        ),
        "sliding_log vs pyrate-limiter InMemoryBucket": (
            ours("sliding_log"),
            n,
            pyrate_bucket(None),
            PEER_REQUESTS,
        ),
        "sliding_window_counter vs limits SlidingWindowCounter": (
            ours("sliding_window_counter"),
            n,
            limits_strategy(SlidingWindowCounterRateLimiter),
            PEER_REQUESTS,
        ),
    }
    rates = interleaved_rates(comparisons, ROUNDS)
    print(f"ours: 1 thread, {n:,} decisions per call; peers: {PEER_REQUESTS:,} calls")
    for name, (o, p) in rates.items():
        print(line(f"{name} (decisions)", o, p))
        if o < TARGET_RATE:
            print(f"  below the target of {TARGET_RATE:,}/s")


if __name__ == "__main__":
    main()
