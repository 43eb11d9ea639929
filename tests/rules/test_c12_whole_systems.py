"""C12.1-C12.3: the guide's whole-system figures, checked for consistency."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

import scalemodel as sm
from scalemodel.scenario import parse_scenario

cost = sm.cost
EXAMPLES = Path(__file__).parents[2] / "examples"


def test_c12_1_twitter_figures() -> None:
    """C12.1 Twitter: 7K writes/s and 1.4M reads/s at peak, 44 PB in 5 years, 2 TB of Redis
    on 20 servers, 64 Cassandra shards. The cache figures fit the per-node limits (100 GB
    and 70K reads/s per node against 512 GB and 100K). The shard count cannot come from
    writes (109 writes/s per shard, 1% of one node's limit) and the 44 PB cannot live in
    the shards (229 TB per shard after 3 copies, 14x the ~16 TB a node holds): 40 KB per
    write means media, which belongs in object storage. The bundled twitter.toml does
    that, and its plan reproduces the traffic figures."""
    plan = sm.plan.plan_file(EXAMPLES / "twitter.toml")
    assert plan.traffic.peak_write_qps == pytest.approx(7_000, rel=0.01)
    assert plan.traffic.peak_read_qps == pytest.approx(1.4e6, rel=0.01)
    assert plan.object_bytes + plan.database_bytes == pytest.approx(44e15, rel=0.01)

    assert cost.cache_nodes(2e12, 1.4e6, 512e9, 100_000, fill=1.0) <= 20
    assert 1.4e6 / 20 / 100_000 == pytest.approx(0.7)
    writes_per_shard = plan.traffic.peak_write_qps / 64
    assert writes_per_shard < 0.02 * 10_000
    avg_writes_per_day = plan.traffic.writes_per_day
    bytes_per_write = 44e15 / 3 / (avg_writes_per_day * 5 * 365)
    assert bytes_per_write == pytest.approx(40e3, rel=0.01)
    per_shard = 44e15 / 64
    assert per_shard / 3 > 14 * 16e12
    assert cost.shard_count(7_000, 44e15 / 3) > 900


def test_c12_2_instagram_cache_exceeds_node_limit() -> None:
    """C12.2 Instagram: 1.7K writes/s, 867K reads/s, 283 PB in 10 years, 60 TB of cache on
    100 servers. The last figure breaks the guide's own Redis limit: 600 GB per server is
    above 512 GB, so 60 TB needs at least 118 nodes (147 at 80% fill). The bundled
    instagram.toml reproduces the traffic and storage figures."""
    plan = sm.plan.plan_file(EXAMPLES / "instagram.toml")
    assert plan.traffic.peak_write_qps == pytest.approx(1_700, rel=0.01)
    assert plan.traffic.peak_read_qps == pytest.approx(867e3, rel=0.01)
    assert plan.object_bytes + plan.database_bytes == pytest.approx(283e15, rel=0.01)
    assert 60e12 / 100 > 512e9
    assert cost.cache_nodes(60e12, 867e3, 512e9, 100_000, fill=1.0) == 118
    assert cost.cache_nodes(60e12, 867e3, 512e9, 100_000, fill=0.8) == 147


def test_c12_3_rules_of_thumb_for_growth() -> None:
    """C12.3 "Shard above 10K writes/s" agrees with the per-node write limit the planner
    uses. An 80% hit ratio cuts database reads 5x. The growth table's 10 servers at 1M
    users and 100 at 10M is linear scaling, and the planner agrees for the app tier: with
    the startup scenario's per-user load, 10x the users needs 9.5-10.5x the app servers
    (slightly under 10x from pooling). That table is specific to a workload, though: at the
    startup scenario's 60 requests per user a day, 1M users need 35 app servers, not 10."""
    lim = cost.Catalogue.load().limits
    assert cost.shard_count(10_000, 0, lim["database_max_write_qps"], lim["database_max_bytes"]) == 1
    assert cost.shard_count(10_500, 0, lim["database_max_write_qps"], lim["database_max_bytes"]) == 2
    e = cost.cache_effect(1000, 0.8, 0.001, 0.010)
    assert e.work_without_cache_s_per_s / (1000 * 0.2 * 0.010) == pytest.approx(5.0)

    base = parse_scenario((EXAMPLES / "startup.toml").read_text())
    app = {}
    for users in (1e6, 1e7):
        s = copy.deepcopy(base)
        s["users"]["daily_active"] = users
        app[users] = sm.plan.make_plan(s).tiers[0].count
    assert 9.5 <= app[1e7] / app[1e6] <= 10.5
    assert app[1e6] > 10
