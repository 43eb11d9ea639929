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


def test_rdb_crash_follows_redis_whole_second_schedule() -> None:
    # save 2 100 at 2000 writes/s, cron ticks at 0.05 + k/10, the unix clock at a whole
    # second at time 0, saves taking 30 ms. By hand: a tick starts a save once
    # floor(t) - lastsave > 2, i.e. from t = 3: the tick at 3.05 forks (6101 writes: those
    # at i/2000 <= 3.05), the file is in place at 3.08, the tick at 3.15 reaps it
    # (lastsave = 3); the next fork needs floor(t) > 5: 6.05, then 9.05, ...
    res = R.redis_rdb_crash(
        [3.0, 3.07, 3.08, 5.3, 6.06, 6.1], 2000, [(2, 100)], bgsave_s=0.03, cron_offset_s=0.05
    )
    assert res.saves["start_s"].tolist()[:2] == pytest.approx([3.05, 6.05])
    assert res.saves["reaped_s"].iloc[0] == pytest.approx(3.15)
    assert res.saves["writes"].iloc[0] == 6101
    # before any file: every write is lost; after 3.08: those after the fork at 3.05
    assert res.lost.tolist() == [6001, 6141, 6161 - 6101, 10601 - 6101, 12121 - 6101, 12201 - 12101]
    assert np.isnan(res.snapshot_s[0]) and res.snapshot_s[3] == pytest.approx(3.05)
    # the unix clock's phase moves the first save: at x.7 the clock turns 3 s later at 2.3
    early = R.redis_rdb_crash(5.3, 2000, [(2, 100)], clock_s=1e9 + 0.7, cron_offset_s=0.05)
    assert early.snapshot_s == pytest.approx(2.35) and early.lost == 10601 - 4701
    # a save that takes 1.2 s: reaped in the next second, so the cycle is 2 + 1 + 1 s
    slow = R.redis_rdb_crash(20.0, 2000, [(2, 100)], bgsave_s=1.2, cron_offset_s=0.05)
    assert np.diff(slow.saves["start_s"]).tolist() == pytest.approx([4.0] * (len(slow.saves) - 1))
    # the changes rule waits for its count: 1 write/s, save 1 5 forks at the first tick
    # with 5 writes (t = 4) once 1 whole second has passed
    sparse = R.redis_rdb_crash(4.5, 1.0, [(1, 5)], cron_offset_s=0.05)
    assert sparse.saves["start_s"].iloc[0] == pytest.approx(4.05)
    with pytest.raises(ValueError, match="cron_offset_s"):
        R.redis_rdb_crash(1.0, 10.0, cron_offset_s=0.2)
    with pytest.raises(ValueError, match="crash_s"):
        R.redis_rdb_crash(-1.0, 10.0)
    with pytest.raises(ValueError, match="last_save_unix_s"):
        R.redis_rdb_crash(1.0, 10.0, clock_s=100.5, last_save_unix_s=101)


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
