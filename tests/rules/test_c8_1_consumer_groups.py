"""C8.1: consumers and partitions."""

from __future__ import annotations

import pytest
from verdicts import CONDITIONAL, Verdict, across

import scalemodel as sm
from scalemodel.testing import assert_ci_contains

C8_1 = Verdict(
    "C8.1",
    CONDITIONAL,
    conditions="the arithmetic holds, but consumers sized to exactly the offered rate "
    "(utilisation 1) never catch up, and consumers beyond the partition count sit idle: "
    "partitions and consumers both need headroom",
    figures="100 consumers of 10K msg/s for 1M msg/s: lag grows like sqrt(t) without bound; "
    "125 partitions and 125 consumers (utilisation 0.8): 4 messages of lag per partition; "
    "5 consumers on 10 partitions: 500K msg/s",
)


def test_c8_1_consumer_group_sizing() -> None:
    """C8.1 Holds as arithmetic: 1M msg/s at 10K msg/s per consumer needs 100 consumers
    (and so at least 100 partitions); 10 partitions shared by 5 consumers give 2 each, and
    at 100K msg/s per consumer that group sustains 500K msg/s; with 12 consumers on 10
    partitions 2 sit idle and throughput stops at the partitions' limit.

    Assumes: fixed per-consumer and per-partition rates (the guide's), partitions shared
    evenly by the group."""
    s = sm.cost.topic_sizing(1e6, consumer_rate=1e4, partition_rate=1e5, partitions=10, consumers=5)
    assert s.consumers_needed == 100
    assert s.partitions_needed == 100
    five = sm.cost.topic_sizing(1e6, consumer_rate=1e5, partition_rate=1e6, partitions=10, consumers=5)
    assert five.active_consumers == 5 and five.idle_consumers == 0
    assert 10 / five.active_consumers == 2
    assert five.group_throughput == pytest.approx(500e3)
    twelve = sm.cost.topic_sizing(1e6, consumer_rate=1e5, partition_rate=1e5, partitions=10, consumers=12)
    assert twelve.idle_consumers == 2
    assert twelve.group_throughput == pytest.approx(10 * 1e5)


def test_c8_1_simulated_group_throughput() -> None:
    """C8.1 Holds in simulation, with a caveat. Offered 1M msg/s, 10 partitions read by 5
    consumers of 100K msg/s each (2 partitions each) consume 500K msg/s, every consumer
    100% busy; 12 consumers on 10 partitions leave 2 idle (busy fraction 0), and the other
    10 cap the group at 1M msg/s even when 1.2M msg/s arrive. The caveat: 100 consumers of
    10K msg/s for 1M msg/s run at utilisation 1, which the claim presents as enough; such a
    group never catches up (its lag grows like the square root of time, without bound).
    Adding consumers alone does not help (125 consumers on 100 partitions leave 25 idle);
    125 partitions with 125 consumers (utilisation 0.8) hold the lag at the M/M/1 figure of
    4 per partition. A practitioner needs headroom in both counts.

    Assumes: Poisson messages spread evenly over the partitions, exponential processing
    times (each partition an M/M/1 queue at its consumer), consumers at 10K or 100K msg/s."""
    offered = 1e6
    five = sm.sim.simulate_consumer_group(10, 5, offered, 1e5, 0.2, replications=4, seed=1)
    # Saturated consumers: start-up idling is ~1e-5 s, no slack needed.
    assert_ci_contains(five, "throughput", 500e3)
    assert five.busy_fraction.min() > 0.99
    # 1.2M msg/s offered to 12 consumers: the 10 partitions cap the group at 1M msg/s.
    twelve = sm.sim.simulate_consumer_group(10, 12, 1.2e6, 1e5, 0.2, replications=4, seed=2)
    assert twelve.idle_consumers == 2
    assert list(twelve.busy_fraction[10:]) == [0.0, 0.0]
    assert twelve.busy_fraction[:10].min() > 0.99
    assert twelve.throughput == pytest.approx(1e6, rel=0.01)

    exact = sm.sim.simulate_consumer_group(
        100, 100, offered, 1e4, 1.0, sample_interval_s=0.25, replications=4, seed=3
    )
    lag = exact.lag_series.set_index("time")["lag"]
    # Null-recurrent growth: 4x the time gives about 2x the lag (sqrt(t)), never levelling off.
    assert lag[1.0] > 1.5 * lag[0.25] > 0
    assert lag[1.0] > 20 * 100 * sm.queueing.MM1(0.8, 1.0).mean_in_system / 4
    headroom = sm.sim.simulate_consumer_group(
        100, 125, offered, 1e4, 1.0, assignment="round_robin", warmup_s=0.2, replications=4, seed=4
    )
    # 125 consumers on 100 partitions: 25 idle, the rest own one partition each at 10K msg/s
    # arriving on capacity 10K: still utilisation 1 per partition - consumers do not help
    # beyond the partition count, so partitions must grow too.
    assert headroom.idle_consumers == 25
    more = sm.sim.simulate_consumer_group(125, 125, offered, 1e4, 1.0, warmup_s=0.2, replications=4, seed=5)
    per_partition = sm.queueing.MM1(offered / 125, 1e4).mean_in_system
    assert_ci_contains(more, "mean_lag", 125 * per_partition)
    assert more.estimate("mean_lag") < lag[1.0] / 10
    headrooms = (1.0, 1.1, 1.25)
    C8_1.check(
        across("consumers / needed", headrooms, lambda k: sm.queueing.MM1(offered / (100 * k), 1e4).stable)
    )
