"""C8.2: Kafka acks=0/1/all and data loss.

Monte Carlo checks use fixed seeds and the result's own 99.9% Student-t interval."""

from __future__ import annotations

from verdicts import CONDITIONAL, Verdict, across

import scalemodel as sm
from scalemodel.testing import LEVEL, assert_above

C8_2 = Verdict(
    "C8.2",
    CONDITIONAL,
    conditions="acks=all with min.insync.replicas=2 and RF=3 loses nothing only with unclean "
    "leader election off (then it refuses writes while fewer than 2 replicas are up); "
    "throughput figures untested",
    figures="brokers failing every 6 h: acks=all loses 0 (clean) or some (unclean); acks=1 loses "
    "rate x follower lag per leader failure (2,500 messages at 50K msg/s and 50 ms)",
)

R = sm.reliability
DAY = 86400.0


def test_c8_2_acks_all_no_loss_needs_clean_elections() -> None:
    """C8.2 Holds only with unclean leader election off: acks=all with
    min.insync.replicas=2 and RF=3 never lost a message, even with brokers failing hourly,
    but it refuses writes while fewer than 2 replicas are up. With unclean election on, a
    replica that fell behind can lead after every in-sync one failed, and acks=all loses
    what it missed. acks=1 loses about a follower lag of messages at every leader failure
    (rate x lag x leader failures per day); acks=0 adds what was sent into the dead
    leader. The throughput figures (1M/100K/50K msg/s) are not a consequence of any model
    here and are left untested.

    Assumes: 3 brokers with exponential lifetimes (MTBF 6 h, and 30 days) and 1 h repairs,
    50,000 msg/s, followers 50 ms behind, a 10 ms producer window, unclean leader election
    off or on."""
    flaky = dict(
        broker_mtbf_s=6 * 3600.0,
        broker_mttr_s=3600.0,
        message_rate=50_000.0,
        follower_lag_s=0.05,
        producer_window_s=0.01,
        horizon_s=30 * DAY,
        replications=32,
        seed=82,
    )
    clean = R.kafka_durability(acks="all", min_insync_replicas=2, **flaky)
    assert clean.lost_per_day == 0.0
    assert_above(clean, "write_unavailable", 0.0)
    unclean = R.kafka_durability(acks="all", min_insync_replicas=2, unclean_leader_election=True, **flaky)
    assert_above(unclean, "lost_per_day", 0.0)
    one = R.kafka_durability(acks=1, **flaky)
    # Leader failures per day ~ 86400 / MTBF (the leader is an up broker); each loses rate x lag.
    approx = DAY / flaky["broker_mtbf_s"] * 50_000 * 0.05
    lo, hi = one.ci("lost_per_day", LEVEL)
    assert 0.9 * approx <= hi and lo <= approx * 1.01
    zero = R.kafka_durability(acks=0, **flaky)
    assert_above(zero, "lost_per_day", one)
    # With realistic brokers (MTBF 30 days, 1 h repair) acks=1 still loses a follower lag
    # a month per broker: about 2,500 messages per leader failure.
    steady = R.kafka_durability(acks=1, message_rate=50_000.0, replications=32, seed=83)
    assert steady.worst_loss_per_event == 2500.0
    runs = {False: clean, True: unclean}
    C8_2.check(across("unclean leader election", (False, True), lambda u: runs[u].lost_per_day == 0.0))
