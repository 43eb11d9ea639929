"""Issue 17's engine fixes: Redis 7 save rules and the AOF crash type, Kafka keys as
signed Java longs."""

from __future__ import annotations

import numpy as np
import pytest

import scalemodel as sm

R = sm.reliability
H = sm.hashing


def test_aof_process_crash_loses_no_acknowledged_write() -> None:
    for fsync in ("always", "everysec"):
        p = R.redis_aof(2000.0, fsync, crash="process", crashes_per_day=3.0)
        assert (p.expected_per_crash, p.worst_per_crash, p.expected_per_day) == (0.0, 0.0, 0.0)
        assert p.mechanism == f"aof_{fsync}_process_crash"
    m = R.redis_aof(2000.0, crash="machine")
    assert (m.expected_per_crash, m.worst_per_crash) == (1000.0, 4000.0)
    assert R.redis_aof(2000.0) == m  # the default is a machine crash, as before
    with pytest.raises(ValueError, match="crash"):
        R.redis_aof(1.0, crash="power")
    with pytest.raises(TypeError, match="crash"):
        R.redis_aof(1.0, crash=1)


def test_redis7_default_save_rules() -> None:
    assert R.REDIS_DEFAULT_SAVE_RULES == ((3600, 1), (300, 100), (60, 10000))
    assert R.REDIS6_SAVE_RULES == ((900, 1), (300, 10), (60, 10000))
    # fluid cycle: min over rules of max(seconds, changes / rate)
    for rate, cycle in ((0.1, 1000.0), (0.01, 3600.0), (1.0, 300.0), (1000.0, 60.0)):
        res = R.redis_rdb(rate, cycles=1 << 10, seed=1)
        assert res.fluid_cycle_s == pytest.approx(cycle)
    assert R.redis_rdb(0.01, R.REDIS6_SAVE_RULES, cycles=1 << 10).fluid_cycle_s == pytest.approx(900.0)


def test_kafka_keys_are_signed_java_longs() -> None:
    keys = np.array([-1, -(2**63), -123456789, 0, 42, 2**63 - 1], dtype=np.int64)
    as_bytes = [int(k).to_bytes(8, "big", signed=True) for k in keys]  # LongSerializer
    for p in (1, 7, 64):
        np.testing.assert_array_equal(H.kafka_partition(keys, p), H.kafka_partition(as_bytes, p))
    np.testing.assert_array_equal(H.kafka_murmur2(keys), H.kafka_murmur2(as_bytes))
    np.testing.assert_array_equal(H.cassandra_token(keys), H.cassandra_token(as_bytes))
    assert H.kafka_partition([-1], 10)[0] == H.kafka_partition([b"\xff" * 8], 10)[0]
    with pytest.raises(ValueError, match="non-negative"):
        H.xxh64(np.array([-1]))
