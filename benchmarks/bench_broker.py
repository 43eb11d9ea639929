"""Messages per second of scalemodel's consumer-group simulation against the same model in SimPy.

Run: python benchmarks/bench_broker.py   (needs the bench extras: simpy)

The model: 8 partitions read by 4 consumers (range assignment, 2 partitions each), Poisson
producers at 3,200 msg/s spread uniformly, exponential service at 1,000 msg/s per consumer
(80% busy), each consumer taking its partitions' messages in turn. SimPy's version is
written with its own idioms: a producer process, one Store per partition, one process per
consumer that sleeps on an event when all its partitions are empty. A message is produced
and consumed in either, so rates are consumed messages per second of wall time. Both run
interleaved in one process pinned to one CPU, ours on one thread (one replication), and the
medians of several rounds and their ratio are reported.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import random

import simpy
from harness import interleaved_rates, line

import scalemodel as sm

PARTITIONS, CONSUMERS = 8, 4
PRODUCE_RATE, CONSUME_RATE = 3200.0, 1000.0
OURS_DURATION_S, PEER_DURATION_S = 1000.0, 15.0
ROUNDS = 5
TARGET_RATE = 10_000_000


def ours() -> float:
    r = sm.sim.simulate_consumer_group(
        PARTITIONS, CONSUMERS, PRODUCE_RATE, CONSUME_RATE, OURS_DURATION_S, replications=1, seed=1, threads=1
    )
    return r.estimate("consumed")


def with_simpy() -> float:
    """The same group in SimPy; returns the messages consumed."""
    rng = random.Random(1)
    env = simpy.Environment()
    stores = [simpy.Store(env) for _ in range(PARTITIONS)]
    owned = [list(p) for p in sm.sim.assign_partitions(PARTITIONS, CONSUMERS, "range")]
    owner = {p: k for k, parts in enumerate(owned) for p in parts}
    wake: list[simpy.Event | None] = [None] * CONSUMERS
    consumed = [0]
    latency = [0.0]

    def producer() -> object:
        while True:
            yield env.timeout(rng.expovariate(PRODUCE_RATE))
            p = rng.randrange(PARTITIONS)
            stores[p].items.append(env.now)  # an unbounded Store: a put never blocks
            k = owner[p]
            event = wake[k]
            if event is not None and not event.triggered:
                event.succeed()

    def consumer(k: int) -> object:
        parts, turn = owned[k], 0
        while True:
            for step in range(1, len(parts) + 1):
                p = parts[(turn + step) % len(parts)]
                if stores[p].items:
                    turn = (turn + step) % len(parts)
                    produced_at = stores[p].items.pop(0)
                    yield env.timeout(rng.expovariate(CONSUME_RATE))
                    consumed[0] += 1
                    latency[0] += env.now - produced_at
                    break
            else:
                wake[k] = env.event()
                yield wake[k]
                wake[k] = None

    env.process(producer())
    for k in range(CONSUMERS):
        env.process(consumer(k))
    env.run(until=PEER_DURATION_S)
    return float(consumed[0])


def main() -> int:
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    ours_messages = int(ours())
    peer_messages = int(with_simpy())
    print(
        f"scalemodel {sm.__version__}, SimPy {simpy.__version__}: {PARTITIONS} partitions, {CONSUMERS} consumers, "
        f"{PRODUCE_RATE:,.0f} msg/s at {CONSUME_RATE:,.0f} msg/s per consumer; ours {ours_messages:,} messages, "
        f"SimPy {peer_messages:,}; pinned to CPU {cpu}, ours on 1 thread"
    )
    rates = interleaved_rates(
        {"consumer group vs SimPy": (ours, ours_messages, with_simpy, peer_messages)}, ROUNDS
    )
    print(f"median of {ROUNDS} interleaved rounds, consumed messages per second:")
    for name, (o, p) in rates.items():
        print(line(name, o, p))
    o = rates["consumer group vs SimPy"][0]
    ok = o >= TARGET_RATE
    print(f"target >= {TARGET_RATE / 1e6:.0f}M messages/s on one core: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
