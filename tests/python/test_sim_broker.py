"""The consumer-group simulator against queueing closed forms, fluid limits and Kafka's
documented assignments.

Tolerances: simulated figures are means of independent replications with a Student-t
interval at 99.9%; a check passes when the independent figure lies inside that interval,
widened where stated by a model-error term (the histogram's 0.39% for quantiles; the
random size of a burst and in-flight messages for fluid checks). Seeds are fixed.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

import scalemodel as sm
from scalemodel.testing import assert_ci_contains

S = sm.sim
Q = sm.queueing
REL = S.HISTOGRAM_RELATIVE_ERROR


def test_one_partition_one_consumer_is_mm1() -> None:
    model = Q.MM1(0.8, 1.0)
    r = S.simulate_consumer_group(1, 1, 0.8, 1.0, 40_000.0, warmup_s=500.0, replications=20, seed=1)
    assert r.stable
    assert_ci_contains(r, "mean_lag", model.mean_in_system)
    assert_ci_contains(r, "mean_latency", model.mean_response)
    assert_ci_contains(r, "throughput", 0.8)
    assert_ci_contains(
        r, "p99_latency", model.response_quantile(0.99), slack=REL * model.response_quantile(0.99)
    )
    assert r.p99_latency_s == pytest.approx(model.response_quantile(0.99), rel=0.03)


def test_partitions_with_own_consumers_are_independent_mm1_queues() -> None:
    weights = np.array([0.1, 0.2, 0.3, 0.4])
    total_rate = 2.0  # per-partition loads 0.2, 0.4, 0.6, 0.8 on consumers of rate 1
    r = S.simulate_consumer_group(
        4, 4, total_rate, 1.0, 20_000.0, partition_weights=weights, warmup_s=500.0, replications=20, seed=2
    )
    per_partition = [Q.MM1(total_rate * w, 1.0).mean_in_system for w in weights]
    assert_ci_contains(r, "mean_lag", float(sum(per_partition)))
    # Per-partition lags: each within 5% of its own M/M/1 (interval not kept per partition).
    np.testing.assert_allclose(r.partition_lag, per_partition, rtol=0.05)
    np.testing.assert_allclose(r.busy_fraction, total_rate * weights, rtol=0.02)


@pytest.mark.parametrize("assignment", ["range", "round_robin"])
def test_consumer_serving_several_partitions_is_one_mm1_in_total(assignment: str) -> None:
    """A consumer that never idles while any of its partitions holds a message is a
    work-conserving single server: the total number in system is that of M/M/1."""
    model = Q.MM1(0.7, 1.0)
    r = S.simulate_consumer_group(
        3,
        1,
        0.7,
        1.0,
        40_000.0,
        assignment=assignment,
        partition_weights=[0.5, 0.3, 0.2],
        warmup_s=500.0,
        replications=20,
        seed=3,
    )
    assert_ci_contains(r, "mean_lag", model.mean_in_system)
    assert_ci_contains(r, "mean_latency", model.mean_response)


def test_burst_backlog_grows_and_drains_at_fluid_rates() -> None:
    """Deterministic service at mu = 1000/s; 2000/s for 1 s, then 500/s. The fluid backlog
    peaks at (2000 - 1000) x 1 = 1000 and drains at 1000 - 500 = 500/s, so in 2 s. Model
    error: the burst's Poisson count (sd ~ 45 messages, 0.09 s of drain) is random and part
    of the interval; the slack 0.05 s covers the wait for the queue to touch zero after the
    fluid drain ends."""
    mu, high, low, burst_s = 1000.0, 2000.0, 500.0, 1.0
    r = S.simulate_consumer_group(
        1,
        1,
        high,
        mu,
        5.0,
        service="deterministic",
        rate_profile=([burst_s], [low]),
        sample_interval_s=0.25,
        replications=20,
        seed=4,
    )
    fluid_peak = (high - mu) * burst_s
    fluid_drain = fluid_peak / (mu - low)
    assert r.params["drain_from_s"] == burst_s
    assert_ci_contains(r, "drain_time", fluid_drain, slack=0.05)
    series = r.lag_series.set_index("time")
    assert series.loc[0.5, "lag"] == pytest.approx(fluid_peak / 2, rel=0.1)
    assert series.loc[1.0, "lag"] == pytest.approx(fluid_peak, rel=0.1)
    assert series.loc[2.0, "lag"] == pytest.approx(fluid_peak - (mu - low) * 1.0, rel=0.15)
    assert (series["ci_low"] <= series["lag"]).all() and (series["lag"] <= series["ci_high"]).all()


def test_assignments_match_kafkas_documented_examples() -> None:
    """Kafka's assignor docs: two consumers, topics t0 and t1 with 3 partitions each. Range
    works per topic: C0 gets p0, p1 and C1 gets p2 of each. Round robin deals all six
    topic-partitions in order (t0p0..t0p2, t1p0..t1p2): C0 [t0p0, t0p2, t1p1], C1 [t0p1,
    t1p0, t1p2], i.e. positions 0, 2, 4 and 1, 3, 5."""
    assert S.assign_partitions(3, 2, "range") == ((0, 1), (2,))
    assert S.assign_partitions(6, 2, "round_robin") == ((0, 2, 4), (1, 3, 5))
    assert S.assign_partitions(10, 3, "range") == ((0, 1, 2, 3), (4, 5, 6), (7, 8, 9))
    assert S.assign_partitions(2, 4, "range") == ((0,), (1,), (), ())
    # Brute force: every strategy gives each partition exactly one owner, balanced within one.
    for p in range(1, 13):
        for c in range(1, 15):
            for strategy in S.ASSIGNMENTS:
                a = S.assign_partitions(p, c, strategy)
                assert sorted(x for parts in a for x in parts) == list(range(p))
                sizes = [len(parts) for parts in a]
                assert max(sizes) - min(sizes) <= 1


def test_consumers_beyond_partition_count_sit_idle() -> None:
    r = S.simulate_consumer_group(3, 5, 150.0, 100.0, 200.0, replications=5, seed=5)
    assert r.idle_consumers == 2
    frame = r.consumers
    assert list(frame["partitions"]) == [(0,), (1,), (2,), (), ()]
    assert (frame.loc[[3, 4], "busy_fraction"] == 0).all()
    np.testing.assert_allclose(frame.loc[[0, 1, 2], "busy_fraction"], 0.5, rtol=0.05)
    assert_ci_contains(r, "throughput", 150.0)


def test_rebalance_pause_adds_produce_rate_times_pause_to_lag() -> None:
    """A rebalance at t = 50 stops the group for 1 s; 100 msg/s keep arriving, so the lag at
    the pause's end is the lag before it plus 100 x 1 (less the <= 2 messages in service
    that finish during the pause: the stated model error)."""
    rate, pause = 100.0, 1.0
    r = S.simulate_consumer_group(
        2,
        2,
        rate,
        100.0,
        60.0,
        events=[(50.0, 0)],
        rebalance_s=pause,
        sample_interval_s=0.5,
        replications=40,
        seed=6,
    )
    series = r.lag_series.set_index("time")
    before = Q.MM1(rate / 2, 100.0).mean_in_system * 2
    at_end = series.loc[51.0]
    half = (at_end["ci_high"] - at_end["ci_low"]) / 2
    assert abs(at_end["lag"] - (before + rate * pause)) <= 2 * half + 2.0
    assert r.estimate("rebalances") == 1
    assert r.estimate("max_lag") >= rate * pause


def test_sticky_moves_fewer_partitions_than_range_when_a_member_leaves() -> None:
    kwargs = dict(events=[(5.0, -1)], rebalance_s=0.1, replications=2, seed=7)
    sticky = S.simulate_consumer_group(12, 4, 10.0, 10.0, 10.0, assignment="sticky", **kwargs)
    ranged = S.simulate_consumer_group(12, 4, 10.0, 10.0, 10.0, assignment="range", **kwargs)
    assert sticky.estimate("partitions_moved") == 3  # only the leaver's partitions
    assert ranged.estimate("partitions_moved") > 3
    assert sticky.assignment[3] == () and ranged.idle_consumers == 0


def test_rate_profile_sets_the_produced_volume() -> None:
    r = S.simulate_consumer_group(
        2, 2, 100.0, 1000.0, 10.0, rate_profile=([2.0, 4.0, 6.0], [300.0, 0.0, 50.0]), replications=20, seed=8
    )
    volume = 100.0 * 2 + 300.0 * 2 + 0.0 * 2 + 50.0 * 4
    assert_ci_contains(r, "produced", volume)


def test_keys_remapped_and_zipf_weights() -> None:
    keys = [f"user-{i}" for i in range(50_000)]
    moved = S.keys_remapped(keys, 10, 12)
    assert moved == pytest.approx(5 / 6, abs=5 * math.sqrt(5 / 36 / len(keys)))
    assert S.keys_remapped(keys, 8, 8) == 0.0
    uniform = S.zipf_partition_weights(4, 1000, skew=0.0)
    counts = np.bincount(sm.hashing.kafka_partition([f"key-{i}" for i in range(1000)], 4), minlength=4)
    np.testing.assert_allclose(uniform, counts / 1000)
    skewed = S.zipf_partition_weights(4, 1000, skew=1.2)
    assert skewed.sum() == pytest.approx(1.0)
    hot = sm.hashing.kafka_partition(["key-0"], 4)[0]
    assert skewed.argmax() == hot


def test_same_seed_same_result_on_any_thread_count() -> None:
    kwargs = dict(
        events=[(20.0, 1), (60.0, -2)], rebalance_s=2.0, replications=6, seed=9, assignment="sticky"
    )
    one = S.simulate_consumer_group(6, 3, 25.0, 10.0, 100.0, threads=1, **kwargs)
    two = S.simulate_consumer_group(6, 3, 25.0, 10.0, 100.0, threads=2, **kwargs)
    for name in one.metric_names:
        np.testing.assert_array_equal(one.replication_values(name), two.replication_values(name))
    pd_one, pd_two = one.lag_series, two.lag_series
    np.testing.assert_array_equal(pd_one["lag"], pd_two["lag"])
    assert one.p99_latency_s == two.p99_latency_s


def test_overloaded_group_is_flagged_not_crashed() -> None:
    r = S.simulate_consumer_group(1, 1, 1e7, 1.0, 1.0, replications=1, seed=10)
    assert not r.stable
    assert r.estimate("window") < 1.0


def test_result_pickles() -> None:
    r = S.simulate_consumer_group(2, 2, 10.0, 10.0, 50.0, replications=3, seed=11)
    back = pickle.loads(pickle.dumps(r))
    assert back.to_dict() == r.to_dict() or np.allclose(
        list(back.to_dict().values()), list(r.to_dict().values()), equal_nan=True
    )
    assert "ConsumerGroupResult" in repr(back)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(partitions=0), ValueError, "partitions"),
        (dict(consumers=0), ValueError, "consumers"),
        (dict(produce_rate=-1.0), ValueError, "produce_rate"),
        (dict(consume_rate=0.0), ValueError, "consume_rate"),
        (dict(consume_rate="fast"), TypeError, "consume_rate"),
        (dict(duration_s=math.nan), ValueError, "duration_s"),
        (dict(assignment="cooperative"), ValueError, "assignment"),
        (dict(service="pareto"), ValueError, "service"),
        (dict(events=[(1.0, -3)]), ValueError, "consumers after events"),
        (dict(events=[1.0]), TypeError, "events"),
        (dict(events=[(2.0, 1), (1.0, 1)]), ValueError, "sorted"),
        (dict(rate_profile=([1.0, 0.5], [1.0, 1.0])), ValueError, "increasing"),
        (dict(rate_profile=([1.0], [-1.0])), ValueError, "rate_profile rates"),
        (dict(partition_weights=[1.0, 1.0, 1.0]), ValueError, "partition_weights"),
        (dict(rebalance_s=-1.0), ValueError, "rebalance_s"),
        (dict(warmup_s=10.0), ValueError, "warmup_s"),
        (dict(sample_interval_s=1e-9), ValueError, "sample_interval_s"),
        (dict(replications=0), ValueError, "replications"),
        (dict(replications=1_000_000, sample_interval_s=1e-5), ValueError, "replications x"),
        (dict(partition_weights=[1e308, 1e308]), ValueError, "partition_weights"),
        (dict(level=1.5), ValueError, "level"),
    ],
)
def test_bad_input_raises(kwargs: dict, error: type, match: str) -> None:
    args = dict(
        partitions=2, consumers=2, produce_rate=1.0, consume_rate=2.0, duration_s=10.0, replications=2
    )
    args.update(kwargs)
    with pytest.raises(error, match=match):
        S.simulate_consumer_group(**args)


def test_keys_remapped_bad_input_names_the_parameter() -> None:
    with pytest.raises(ValueError, match="old_partitions"):
        S.keys_remapped(["a"], 0, 4)
    with pytest.raises(TypeError, match="new_partitions"):
        S.keys_remapped(["a"], 3, 2.5)
    with pytest.raises(ValueError, match="keys"):
        S.keys_remapped([], 3, 4)


def test_assign_partitions_bad_input() -> None:
    with pytest.raises(ValueError, match="strategy"):
        S.assign_partitions(3, 2, "sticky-ish")
    with pytest.raises(ValueError, match="partitions"):
        S.assign_partitions(0, 2)
    with pytest.raises(TypeError, match="consumers"):
        S.assign_partitions(3, 1.5)


def test_eager_rebalance_waits_for_the_messages_in_service() -> None:
    """Deterministic 2 s service keeps the consumers busy; a member joins at t = 10. With a
    0.1 s rebalance the group stays stopped until the messages in service finish (at most
    2 s after the join), as Kafka's eager protocol does (a member rejoins after the message
    in hand); with a 3 s rebalance they have all finished first and the pause is 3 s. Every
    message is still consumed exactly once."""
    args = (12, 3, 1.45, 0.5, 30.0)
    kwargs = dict(service="deterministic", assignment="range", events=[(10.0, 1)], replications=4, seed=12)
    short = S.simulate_consumer_group(*args, rebalance_s=0.1, **kwargs)
    long = S.simulate_consumer_group(*args, rebalance_s=3.0, **kwargs)
    assert short.estimate("partitions_moved") == long.estimate("partitions_moved") > 0
    pauses = short.replication_values("pause_time")
    # A replication whose consumers happen to be idle at t = 10 pauses exactly 0.1 s.
    assert (pauses >= 0.1 - 1e-9).all() and (pauses <= 2.0 + 1e-9).all() and (pauses > 0.1 + 1e-9).sum() >= 2
    np.testing.assert_allclose(long.replication_values("pause_time"), 3.0)
    for r in (short, long):
        np.testing.assert_array_equal(
            r.replication_values("produced"),
            r.replication_values("consumed") + r.replication_values("final_lag"),
        )


def test_a_consumer_takes_its_backlogged_partitions_in_turn() -> None:
    """One consumer, 8 equally loaded partitions, twice the load it can serve: taken in turn,
    each partition gets 1/8 of the service and all backlogs grow alike (fluid: (2 - 1) / 8
    msg/s each, so a time-average of 100 / 16 = 6.25 over 100 s). Serving the lowest-numbered
    non-empty partition first would leave the last ones growing at 2/8 msg/s and the first
    near zero."""
    r = S.simulate_consumer_group(8, 1, 2.0, 1.0, 100.0, service="deterministic", replications=20, seed=13)
    lag = r.partition_lag
    assert lag.sum() == pytest.approx(8 * 6.25, rel=0.1)
    np.testing.assert_allclose(lag, lag.mean(), rtol=0.25)


def test_a_replication_that_never_drains_makes_the_drain_time_inf() -> None:
    """After a burst, 0.9 msg/s arrive at a consumer of 1 msg/s: the backlog of about 10
    drains at 0.1 msg/s, often not within the 10 s left. Those replications report inf, so
    the mean is inf rather than the mean of the lucky ones that drained."""
    r = S.simulate_consumer_group(1, 1, 2.0, 1.0, 20.0, rate_profile=([10.0], [0.9]), replications=10, seed=1)
    values = r.replication_values("drain_time")
    assert not np.isnan(values).any()
    assert np.isinf(values).sum() >= 3 and np.isfinite(values).sum() >= 1
    assert r.drain_time_s == math.inf
    late = S.simulate_consumer_group(1, 1, 2.0, 1.0, 20.0, drain_from_s=30.0, replications=2, seed=1)
    assert np.isnan(late.replication_values("drain_time")).all()
