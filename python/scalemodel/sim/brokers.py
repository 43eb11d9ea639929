"""Message brokers: a partitioned topic read by one consumer group.

A topic has P partitions, each a FIFO log. A consumer group of C members shares them: an
assignor gives each partition to exactly one member (members beyond P get none and sit
idle), and each member serves its partitions one message at a time, taking them in turn.
Producers send Poisson traffic at ``produce_rate`` msg/s (optionally changed over time by a
piecewise-constant ``rate_profile``, e.g. a burst), spread over the partitions uniformly or
by ``partition_weights`` (:func:`zipf_partition_weights` derives them from a skewed key
population hashed as Kafka's producer does).

When members join or leave, the group rebalances eagerly: nobody takes a new message until
``rebalance_s`` seconds have passed and every message in service has finished (a member
rejoins only after the message in hand), then the assignor runs again; so no partition
changes hands with a message in flight. Messages of one key live in one
partition and are consumed in order; adding partitions re-maps keys
(:func:`keys_remapped`), which is how per-key order breaks.

Lag is the number of messages produced and not yet consumed: Kafka's log-end offset minus
committed offset, when each message is committed as it finishes (so a message in service
counts). Every run is ``replications``
independent replications (replication r draws from its own stream (seed, r), so results do
not depend on the thread count); estimates carry Student-t intervals. Counts and time
averages cover the window [warmup_s, duration_s].
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from scalemodel import _core, _progress
from scalemodel import hashing as _hashing
from scalemodel._arrays import api_dir as _api_dir
from scalemodel._arrays import configure as _configure
from scalemodel._arrays import integer as _integer
from scalemodel._arrays import level as _level
from scalemodel._arrays import number as _number
from scalemodel._arrays import run_spec as _run_spec
from scalemodel._arrays import text as _text
from scalemodel._arrays import whole as _whole
from scalemodel.results import Estimate as _Estimate
from scalemodel.results import ReplicatedResult

__all__ = [
    "ASSIGNMENTS",
    "DEFAULT_REBALANCE_S",
    "MAX_BACKLOG",
    "ConsumerGroupResult",
    "assign_partitions",
    "keys_remapped",
    "simulate_consumer_group",
    "zipf_partition_weights",
]

_s = _core.sim

#: Assignment strategies: Kafka's RangeAssignor and RoundRobinAssignor, and a sticky one
#: that is balanced like round robin but keeps each member's partitions across rebalances.
ASSIGNMENTS: tuple[str, ...] = tuple(_s.ASSIGNORS)
#: Most unconsumed messages a replication may hold; past it the replication stops early and
#: the result is not ``stable``.
MAX_BACKLOG: int = int(_s.MAX_BACKLOG)
#: Assumed length of an eager rebalance when none is given, in seconds.
DEFAULT_REBALANCE_S = 3.0


def _floats(name: str, value: Any) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf" or arr.ndim != 1:
        raise TypeError(f"{name} must be a one-dimensional sequence of numbers")
    return np.ascontiguousarray(arr, dtype=np.float64)


def assign_partitions(
    partitions: int, consumers: int, strategy: str = "range"
) -> tuple[tuple[int, ...], ...]:
    """Partitions of one topic each consumer gets, as Kafka's assignors compute them.

    Consumers are numbered 0..C-1 in the order the assignor sorts members. ``"range"`` gives
    contiguous blocks of P // C, the first P % C consumers one more; ``"round_robin"`` deals
    partition p to consumer p % C; ``"sticky"`` starts balanced (as round robin) and, inside
    :func:`simulate_consumer_group`, keeps partitions with their owners across rebalances.
    Consumers beyond the partition count get an empty tuple.
    """
    c = _whole("consumers", consumers, 1, 2**20)  # a group of none has nothing to assign
    owner = _s.assign_partitions(_integer("partitions", partitions), c, _text("strategy", strategy), [])
    return tuple(tuple(int(x) for x in np.flatnonzero(owner == k)) for k in range(c))


def keys_remapped(keys: Any, old_partitions: int, new_partitions: int, *, threads: int = 0) -> float:
    """Fraction of ``keys`` whose partition changes when a topic goes from ``old_partitions``
    to ``new_partitions`` under Kafka's default partitioner (murmur2 % partitions).

    Records of a moved key written before and after the change sit in different partitions,
    so a consumer may read them out of order.
    """
    old = _whole("old_partitions", old_partitions, 1, 2**31 - 1)
    new = _whole("new_partitions", new_partitions, 1, 2**31 - 1)
    before = _hashing.kafka_partition(keys, old, threads=threads)
    after = _hashing.kafka_partition(keys, new, threads=threads)
    if before.size == 0:
        raise ValueError("keys must not be empty")
    return float(np.mean(before != after))


def zipf_partition_weights(
    partitions: int, keys: int, skew: float = 1.0, *, prefix: str = "key-"
) -> np.ndarray:
    """Share of messages each partition receives when key ``prefix + str(i)`` (i = 0..keys-1)
    is sent with probability proportional to 1 / (i + 1)**skew and placed by Kafka's default
    partitioner. Pass the result as ``partition_weights``.
    """
    n = _whole("keys", keys, 1, 10**7)
    s = _number("skew", skew)
    if not (math.isfinite(s) and s >= 0):
        raise ValueError(f"skew must be a finite number >= 0, got {skew!r}")
    part = _hashing.kafka_partition([f"{prefix}{i}" for i in range(n)], partitions)
    popularity = np.arange(1, n + 1, dtype=np.float64) ** -s
    weights = np.bincount(part, weights=popularity, minlength=int(partitions))
    return weights / weights.sum()


class ConsumerGroupResult(ReplicatedResult):
    """Results of :func:`simulate_consumer_group`.

    Scalar metrics (``throughput``, ``mean_lag``, ``max_lag``, ``mean_latency``, ``p99_latency``,
    ``drain_time`` ...) are means over replications with :meth:`ci` intervals; ``lag_series``
    is the lag over time with a pointwise interval; ``consumers`` is one row per member.
    """

    def __init__(self, raw: dict[str, Any], params: dict[str, Any], level: float) -> None:
        super().__init__(dict(raw["metrics"]), params, level)
        self._busy = np.asarray(raw["busy_fraction"])
        self._partition_lag = np.asarray(raw["partition_lag"])
        self._sample_times = np.asarray(raw["sample_times"])
        self._lag_series = np.asarray(raw["lag_series"])
        self._owner = np.asarray(raw["final_owner"])
        self._latency = np.asarray(raw["latency"])

    @property
    def stable(self) -> bool:
        """False when some replication's backlog passed :data:`MAX_BACKLOG` and stopped early,
        or when the group cannot keep up: at the final produce rate some member of the final
        assignment is offered at least ``consume_rate`` msg/s (or a loaded partition has no
        member). Latencies are then inf, as for an unstable closed form."""
        return self._none_overflowed()

    throughput = _Estimate("Messages consumed per second over the window.")
    mean_lag = _Estimate("Time-average number of messages produced and not yet consumed.")
    max_lag = _Estimate("Largest lag seen in the window, mean over replications.")
    mean_latency_s = _Estimate(
        "Mean time from produce to the end of consumption, seconds.", metric="mean_latency"
    )

    @property
    def p99_latency_s(self) -> float:
        """99th percentile of end-to-end latency, pooled over replications (relative error
        at most :data:`~scalemodel.sim.HISTOGRAM_RELATIVE_ERROR`)."""
        return self.latency_quantile(0.99)

    def latency_quantile(self, q: Any) -> Any:
        """End-to-end latency quantile(s) from the pooled histogram, seconds."""
        out = _s.histogram_quantile(self._latency, np.atleast_1d(np.asarray(q, dtype=np.float64)))
        return float(out[0]) if np.ndim(q) == 0 else out

    drain_time_s = _Estimate(
        """Seconds from ``drain_from_s`` until the lag first fell to ``drain_threshold``: NaN
        when not measured, inf when some replication had not drained by the end of the run
        (its value is inf; see ``replication_values("drain_time")``).""",
        metric="drain_time",
    )

    @property
    def lag_series(self) -> pd.DataFrame:
        """Lag at each grid time: mean over replications with its Student-t interval. A
        replication stopped by its backlog reaching :data:`MAX_BACKLOG` (an unstable group)
        has an unbounded lag from then on: inf, not a gap."""
        overflowed = self.replication_values("overflow") > 0
        series = np.where(np.isnan(self._lag_series) & overflowed, np.inf, self._lag_series)
        rows = [_core.stats.t_interval(row, self._level) for row in series]
        mean = np.array([r[0] for r in rows])
        return pd.DataFrame(
            {
                "time": self._sample_times,
                "lag": mean,
                "ci_low": np.array([r[1] for r in rows]),
                "ci_high": np.array([r[2] for r in rows]),
            }
        )

    @property
    def assignment(self) -> tuple[tuple[int, ...], ...]:
        """Partitions each member owned at the end of the run (members who left included,
        with nothing)."""
        return tuple(
            tuple(int(p) for p in np.flatnonzero(self._owner == k)) for k in range(self._busy.shape[0])
        )

    @property
    def consumers(self) -> pd.DataFrame:
        """One row per member ever present: final partitions, busy fraction and its interval."""
        rows = []
        for k, parts in enumerate(self.assignment):
            mean, low, high, _ = _core.stats.t_interval(self._busy[k], self._level)
            rows.append(
                {"consumer": k, "partitions": parts, "busy_fraction": mean, "ci_low": low, "ci_high": high}
            )
        return pd.DataFrame(rows).set_index("consumer")

    @property
    def busy_fraction(self) -> np.ndarray:
        """Mean busy fraction of each member over replications."""
        return self._busy.mean(axis=1)

    @property
    def idle_consumers(self) -> int:
        """Members present at the end who own no partition."""
        present = int(self._params["consumers"]) + sum(c for _, c in self._params["events"])
        return sum(1 for parts in self.assignment[:present] if not parts)

    @property
    def partition_lag(self) -> np.ndarray:
        """Time-average lag of each partition, mean over replications."""
        return self._partition_lag.mean(axis=1)

    def __repr__(self) -> str:
        lo, hi = self.ci("throughput")
        return (
            f"ConsumerGroupResult(throughput={self.throughput:,.1f} msg/s [{lo:,.1f}, {hi:,.1f}], "
            f"mean_lag={self.mean_lag:,.2f}, p99_latency_s={self.p99_latency_s:.4g}, "
            f"replications={self.replications})"
        )


def _events(events: Any) -> list[tuple[float, int]]:
    if events is None:
        return []
    if isinstance(events, (str, bytes)) or not isinstance(events, (Sequence, np.ndarray)):
        raise TypeError(f"events must be a sequence of (time_s, change) pairs, got {type(events).__name__}")
    out = []
    for item in events:
        if not (isinstance(item, Sequence) and len(item) == 2):
            raise TypeError("events must be a sequence of (time_s, change) pairs, change +1 join, -1 leave")
        out.append((_number("events time", item[0]), _integer("events change", item[1])))
    return out


def simulate_consumer_group(
    partitions: int,
    consumers: int,
    produce_rate: float,
    consume_rate: float,
    duration_s: float,
    *,
    assignment: str = "range",
    service: str = "exponential",
    partition_weights: Any = None,
    rate_profile: tuple[Any, Any] | None = None,
    events: Sequence[tuple[float, int]] | None = None,
    rebalance_s: float = DEFAULT_REBALANCE_S,
    warmup_s: float = 0.0,
    sample_interval_s: float | None = None,
    drain_from_s: float | None = None,
    drain_threshold: float = 0.0,
    replications: int = 10,
    seed: int = 0,
    threads: int = 0,
    level: float = 0.95,
) -> ConsumerGroupResult:
    """Simulate one consumer group reading a partitioned topic.

    partitions, consumers: whole numbers >= 1. produce_rate: total msg/s (>= 0); with
    ``rate_profile=(times, rates)`` the rate becomes rates[i] from times[i] on (times
    increasing). consume_rate: msg/s of each consumer (> 0), with ``service`` times
    "exponential" or "deterministic". assignment: one of :data:`ASSIGNMENTS`.
    partition_weights: share of messages per partition (default uniform). events: (time_s,
    change) pairs, +1 a member joins, -1 the newest leaves, 0 a rebalance without change;
    each stops the whole group for ``rebalance_s``, longer if a message is still in service
    then (eager protocol; the metric ``pause_time`` is the total). The lag is sampled
    every ``sample_interval_s`` (default duration_s / 200). ``drain_time`` is measured from
    ``drain_from_s`` (default: the profile's last change time) until the lag first falls to
    ``drain_threshold``.

    Every replication starts with empty partitions; counts, time averages and latencies
    cover [``warmup_s``, ``duration_s``], so a steady-state figure needs a warm-up of several
    relaxation times (about 1 / (mu (1 - sqrt(rho))**2) for one partition at load rho on a
    consumer of rate mu). Latencies are those of messages consumed in that window: messages
    still waiting at the end are not counted, which understates the latency of a group that
    cannot keep up (see ``final_lag`` and ``stable``); with none consumed there (a
    produce_rate of 0, or too low to send one in the window) they are NaN, not measured.
    """
    config = _configure(
        _s.ConsumerGroupConfig(),
        locals(),
        *("partitions", "consumers", "produce_rate", "consume_rate", "duration_s", "assignment"),
        *("service", "rebalance_s", "warmup_s", "drain_threshold"),
    )
    times = rates = np.empty(0)
    if rate_profile is not None:
        if not (isinstance(rate_profile, Sequence) and len(rate_profile) == 2):
            raise TypeError("rate_profile must be a pair (times, rates)")
        times = _floats("rate_profile times", rate_profile[0])
        rates = _floats("rate_profile rates", rate_profile[1])
    config.profile_times, config.profile_rates = times.tolist(), rates.tolist()
    if partition_weights is not None:
        config.partition_weights = _floats("partition_weights", partition_weights).tolist()
    config.events = _events(events)
    config.sample_interval_s = (
        config.duration_s / 200
        if sample_interval_s is None
        else _number("sample_interval_s", sample_interval_s)
    )
    if drain_from_s is None:
        config.drain_from_s = float(times[-1]) if times.size else math.nan
    else:
        config.drain_from_s = _number("drain_from_s", drain_from_s)
    run = _run_spec(seed=seed, replications=replications, threads=threads)
    lvl = _level(level)
    raw = _progress.run(lambda: _s.simulate_consumer_group(config, run), "consumer group")
    params = {
        "partitions": config.partitions,
        "consumers": config.consumers,
        "produce_rate": config.produce_rate,
        "consume_rate": config.consume_rate,
        "duration_s": config.duration_s,
        "assignment": assignment,
        "service": service,
        "rate_profile": None if rate_profile is None else (config.profile_times, config.profile_rates),
        "events": config.events,
        "rebalance_s": config.rebalance_s,
        "warmup_s": config.warmup_s,
        "sample_interval_s": config.sample_interval_s,
        "drain_from_s": config.drain_from_s,
        "drain_threshold": config.drain_threshold,
        "replications": run.replications,
        "seed": run.seed,
    }
    return ConsumerGroupResult(raw, params, lvl)


__dir__ = _api_dir(globals())
