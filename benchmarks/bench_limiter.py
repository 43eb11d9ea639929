"""Decisions per second of scalemodel's rate limiters against pure-Python peers.

Run: python benchmarks/bench_limiter.py   (needs the bench extras: limits, pyrate-limiter)

Ours decides a 10-million-request Poisson trace (1,000 requests/s for 10,000 s, limit 500
per second, so about half are rejected) in one call on one thread. The peers decide the
first 50,000 requests of the same trace one call at a time, so they do the same kind of
work (half rejected): pyrate-limiter's in-memory buckets take the timestamps (whole
milliseconds) through ``bucket.put(RateItem)``; ``limits`` (MemoryStorage) reads
``time.time()``, which is replaced inside ``limits`` by a clock set to each request's
timestamp before its ``hit()`` (one attribute store per request, counted in the peer's
time). Before timing, each peer's admitted count is checked against ours on the same
50,000 timestamps. Peers are paired with the same algorithm (pyrate-limiter's in-memory
bucket is a sliding log; neither peer has a queueing leaky bucket, so that is not timed).
Rounds are interleaved (ours, peer, ours, ...) and the medians reported; the process is
single-threaded, so every figure is single-core.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from collections.abc import Callable

import limits.storage.memory
import limits.strategies
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

TRACE = sm.sim.limiter_trace(RATE, duration_s=DURATION_S, seed=1)
PEER_MS = [int(t * 1000) for t in TRACE[:PEER_REQUESTS]]
PEER_TIMES = TRACE[:PEER_REQUESTS].tolist()


class _TraceClock:
    """Stands in for the ``time`` module inside ``limits``: its limiters see trace time."""

    def __init__(self) -> None:
        self.now = 0.0

    def time(self) -> float:
        return self.now


CLOCK = _TraceClock()
limits.strategies.time = CLOCK  # type: ignore[assignment]
limits.storage.memory.time = CLOCK  # type: ignore[assignment]


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
        hit, clock = strategy(MemoryStorage()).hit, CLOCK
        admitted = 0
        for t in PEER_TIMES:
            clock.now = t
            admitted += hit(item, "client")
        return admitted

    return run


def main() -> None:
    n = int(TRACE.size)
    # Same timestamps, same parameters: each peer must agree with ours (pyrate-limiter to
    # the millisecond rounding of its clock; limits anchors its fixed window at the first
    # request after the previous one expires, not at multiples of window_s).
    ms_times = [ms / 1000 for ms in PEER_MS]
    checks = (
        ("sliding_log", ms_times, pyrate_bucket(None), 0.002),
        ("token_bucket", ms_times, pyrate_bucket(pyrate.TokenBucket()), 0.001),
        ("gcra", ms_times, pyrate_bucket(pyrate.GCRA()), 0.001),
        ("sliding_log", PEER_TIMES, limits_strategy(MovingWindowRateLimiter), 0.001),
        ("fixed_window", PEER_TIMES, limits_strategy(FixedWindowRateLimiter), 0.01),
        ("sliding_window_counter", PEER_TIMES, limits_strategy(SlidingWindowCounterRateLimiter), 0.001),
    )
    for algorithm, times, peer, tolerance in checks:
        head = sm.sim.simulate_limiter(algorithm, LIMIT, WINDOW_S, times).admitted
        theirs = peer()
        assert isinstance(theirs, int) and abs(theirs - head) <= tolerance * head, (algorithm, head, theirs)
    comparisons = {
        "token_bucket vs pyrate-limiter TokenBucket": (
            ours("token_bucket"),
            n,
            pyrate_bucket(pyrate.TokenBucket()),
            PEER_REQUESTS,
        ),
        "gcra vs pyrate-limiter GCRA": (ours("gcra"), n, pyrate_bucket(pyrate.GCRA()), PEER_REQUESTS),
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
