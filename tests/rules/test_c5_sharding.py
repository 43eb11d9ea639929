"""C5.1-C5.4: when to shard, how big shards get, and what cross-shard reads cost."""

from __future__ import annotations

import numpy as np
import pytest

import scalemodel as sm

q = sm.queueing
cost = sm.cost


def test_c5_1_single_postgres_limits() -> None:
    """C5.1 The catalogue carries the guide's practical limits for one PostgreSQL node
    (~16 TB, ~10K writes/s, ~50K reads/s) and shard_count applies them: at the limits one
    shard suffices, a hair past either one needs a second."""
    lim = cost.Catalogue.load().limits
    assert (lim["database_max_bytes"], lim["database_max_write_qps"], lim["database_max_read_qps"]) == (
        16e12,
        10_000,
        50_000,
    )
    kw = dict(
        max_write_qps_per_shard=lim["database_max_write_qps"], max_bytes_per_shard=lim["database_max_bytes"]
    )
    assert cost.shard_count(10_000, 16e12, **kw) == 1
    assert cost.shard_count(10_001, 1e12, **kw) == 2
    assert cost.shard_count(100, 16.1e12, **kw) == 2


def test_c5_2_tweet_shards() -> None:
    """C5.2 500M tweets a day is 5,787 writes/s on average (the guide's "about 6,000",
    4% high); over 64 shards that is 7.8M tweets and 90 writes/s per shard (94 with the
    rounded 6,000). Five years give 14.3B tweets and 4.0 TB of 280-byte text per shard.
    At a 3x daily peak each shard sees 271 writes/s, still far below one node's 10K."""
    t = cost.estimate_traffic(500e6, 1.0, 1.0, 3.0)
    assert t.average_write_qps == pytest.approx(500e6 / 86400)
    assert t.average_write_qps == pytest.approx(6000, rel=0.04)
    per_shard_day = 500e6 / 64
    assert per_shard_day == pytest.approx(7.8e6, rel=0.002)
    assert t.average_write_qps / 64 == pytest.approx(90.4, rel=1e-3)
    tweets = cost.stored_bytes(per_shard_day, 5.0)  # one "byte" per tweet counts tweets
    assert tweets == pytest.approx(14.26e9, rel=1e-3)
    assert cost.stored_bytes(per_shard_day * 280, 5.0) == pytest.approx(4.0e12, rel=0.005)
    assert t.peak_write_qps / 64 < 10_000 / 30


def test_c5_3_timeline_touches_almost_every_shard() -> None:
    """C5.3 Reading the tweets of f followed users placed at random on 64 shards touches
    64 (1 - (1 - 1/64)^f) shards on average: 9.3 for f = 10, 40.6 for f = 64, and 63.99999
    for f = 1,000 - every shard, as the guide says. Checked against a seeded Monte Carlo
    within 5 standard errors."""
    rng = np.random.default_rng(7)
    for f in (1, 10, 64, 200):  # at f = 1000 every draw touches all 64: nothing to estimate
        expected = cost.expected_shards_touched(64, f)
        draws = np.array([len(np.unique(rng.integers(0, 64, f))) for _ in range(4000)])
        se = draws.std(ddof=1) / np.sqrt(draws.size)
        assert abs(draws.mean() - expected) <= 5 * se + 1e-12
    assert cost.expected_shards_touched(64, 1000) > 63.999
    assert cost.expected_shards_touched(64, 10) == pytest.approx(9.33, abs=0.01)


def test_c5_4_geographic_shards_are_unbalanced() -> None:
    """C5.4 With 70/20/10% of traffic in three regions the busiest shard carries 2.1x the
    mean. Three equal shards, each sized to run an even third of the load at 70% (15
    servers of 100 req/s for 1,000 req/s), leave the 70% region at 2,100 / 1,500 = 140%
    busy (no steady state); each region must be sized for its own share. For
    latency, serving every user in region (50 ms) beats one central region, where 30% of
    users cross a continent: 0.7 x 50 + 0.3 x 150 = 80 ms on average."""
    shares = np.array([0.7, 0.2, 0.1])
    assert shares.max() / shares.mean() == pytest.approx(2.1)
    total, mu = 3000.0, 100.0
    per_shard_capacity = total / 3 / 0.7  # equal shards sized at 70% for an even split
    servers = int(np.ceil(per_shard_capacity / mu))
    regions = q.MMc(total * shares, mu, servers)
    assert list(regions.stable) == [False, True, True]
    assert regions.utilization[0] == pytest.approx(0.7 * total / (servers * mu))
    assert regions.utilization[0] > 1.0
    sized = q.min_servers(total * shares, mu, utilization=0.7)
    assert np.all(q.MMc(total * shares, mu, sized).utilization <= 0.7)
    assert 0.7 * 50 + 0.3 * 150 == pytest.approx(80.0)
