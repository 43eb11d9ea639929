"""C8.1: consumers and partitions."""

from __future__ import annotations

import pytest

import scalemodel as sm


def test_c8_1_consumer_group_sizing() -> None:
    """C8.1 Holds as arithmetic: 1M msg/s at 10K msg/s per consumer needs 100 consumers
    (and so at least 100 partitions); 10 partitions shared by 5 consumers give 2 each, and
    at 100K msg/s per consumer that group sustains 500K msg/s; with 12 consumers on 10
    partitions 2 sit idle and throughput stops at the partitions' limit."""
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
