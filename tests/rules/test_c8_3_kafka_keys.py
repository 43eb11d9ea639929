"""C8.3: Kafka keyed partitioning, checked with the Java client's default partitioner.

Keys are user ids as strings ("user-<i>"), hashed with Kafka's murmur2 as the Java client
does; the closed forms count residues of a uniform hash modulo lcm(p, q).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from verdicts import HOLDS, Verdict, across

import scalemodel as sm

C8_3 = Verdict(
    "C8.3",
    HOLDS,
    figures="one key, one partition; 10 -> 11 partitions moves 10/11 of keys, 10 -> 12 5/6, "
    "doubling exactly half; a growing consumer group moves partitions, not keys",
)

h = sm.hashing
KEYS = h.pack([f"user-{i}" for i in range(200_000)])


def stay_fraction(p: int, q: int) -> float:
    """Fraction of uniform hashes with h % p == h % q."""
    lcm = p * q // math.gcd(p, q)
    r = np.arange(lcm)
    return float(np.mean(r % p == r % q))


def test_c8_3_same_key_same_partition_until_partitions_change() -> None:
    """C8.3 True: a key always maps to one partition (so its events stay ordered), and adding
    partitions re-maps most keys: 10 -> 12 moves 5/6 of them, 10 -> 11 moves 10/11. The
    exception is doubling, which moves exactly half (h % 20 equals h % 10 or h % 10 + 10).

    Assumes: the Java client's default partitioner (murmur2 of the key), keys "user-<i>",
    10 partitions growing to 11-20."""
    first = h.kafka_partition(KEYS, 10)
    np.testing.assert_array_equal(first, h.kafka_partition(KEYS, 10, threads=1))
    n = len(KEYS)
    for q in (11, 12, 20):
        moved = float(np.mean(first != h.kafka_partition(KEYS, q)))
        want = 1 - stay_fraction(10, q)
        assert moved == pytest.approx(want, abs=5 * math.sqrt(want * (1 - want) / n))
    assert 1 - stay_fraction(10, 12) == pytest.approx(5 / 6)
    assert 1 - stay_fraction(10, 20) == pytest.approx(0.5)
    C8_3.check(across("partitions after", (11, 12, 15, 20), lambda q: 1 - stay_fraction(10, q) >= 0.5))


def test_c8_3_simulated_group_keeps_partitions_and_remaps_keys() -> None:
    """C8.3 In simulation: sm.sim.keys_remapped (the helper a planner uses before adding
    partitions) agrees with the residue count above for 10 -> 12 and 10 -> 20, and a
    consumer group that grows from 4 to 6 members keeps every key in its partition (only
    partition ownership moves, which the eager protocol makes safe by pausing the group:
    every message is consumed once, none lost).

    Assumes: 50,000 keys "user-<i>"; a group of 4 consumers on 10 partitions growing to 6
    at 5 s with the eager protocol (1 s pause), 2,000 msg/s."""
    keys = [f"user-{i}" for i in range(50_000)]
    n = len(keys)
    for q in (12, 20):
        want = 1 - stay_fraction(10, q)
        assert sm.sim.keys_remapped(keys, 10, q) == pytest.approx(
            want, abs=5 * math.sqrt(want * (1 - want) / n)
        )
    r = sm.sim.simulate_consumer_group(
        10, 4, 2_000.0, 1_000.0, 20.0, events=[(5.0, 2)], rebalance_s=1.0, replications=4, seed=1
    )
    assert r.estimate("rebalances") == 1 and r.estimate("partitions_moved") > 0
    produced, consumed, left = (r.replication_values(k) for k in ("produced", "consumed", "final_lag"))
    np.testing.assert_array_equal(produced, consumed + left)
