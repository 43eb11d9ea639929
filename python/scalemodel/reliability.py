"""Reliability: availability, quorums, failover, stale reads, partitions and durability.

Units: seconds, and rates per second unless a name says otherwise (``failures_per_year``,
``crashes_per_day``). Closed forms broadcast over NumPy arrays; Monte Carlo studies take
scalars, run in C++ with the GIL released on ``threads`` threads (0 = all cores), and
return a :class:`MonteCarloResult` whose estimates carry Student-t confidence intervals
(``.ci(name)``) over independent replications or chunks. The same ``seed`` gives the same
result for any thread count. Bad input raises ``ValueError`` naming the parameter and the
allowed range.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scalemodel import _core, _progress
from scalemodel import distributions as _distributions
from scalemodel._arrays import api_dir as _api_dir
from scalemodel._arrays import as_count, as_float, broadcast, shaped
from scalemodel._arrays import configure as _configure
from scalemodel._arrays import integer as _integer
from scalemodel._arrays import level as _level
from scalemodel._arrays import number as _number
from scalemodel._arrays import run_spec as _run_spec
from scalemodel._arrays import text as _text
from scalemodel._arrays import whole as _whole
from scalemodel.distributions import *  # noqa: F403  (the shared distributions, re-exported)
from scalemodel.distributions import Deterministic, Lognormal, Weibull, as_distribution
from scalemodel.distributions import engine_field as _engine_field
from scalemodel.results import ReplicatedResult
from scalemodel.results import TableDisplay as _TableDisplay

__all__ = [
    "CASSANDRA_LEVELS",
    "REDIS6_SAVE_RULES",
    "REDIS_DEFAULT_SAVE_RULES",
    "SECONDS_PER_DAY",
    "SECONDS_PER_YEAR",
    "CtmcResult",
    "LossBounds",
    "MonteCarloResult",
    "RdbCrash",
    "compare_remedies",
    "ctmc_availability",
    "durability",
    "k_of_n",
    "k_of_n_unavailability",
    "kafka_durability",
    "nines",
    "pbs_k_staleness",
    "quorum_sizes",
    "redis_aof",
    "redis_rdb",
    "redis_rdb_crash",
    "simulate_availability",
    "simulate_failover",
    "simulate_partition",
    "simulate_stale_reads",
    "t_visibility",
    "write_behind",
]
__all__ += _distributions.__all__

_r = _core.reliability
# A distribution field where a plain number means an exponential of that mean (configure's
# default reads it as a constant).
_exponential = _engine_field(number="exponential")
SECONDS_PER_YEAR: float = float(_core.SECONDS_PER_YEAR)  #: 365 days, as in the usual nines tables
SECONDS_PER_DAY: float = float(_core.SECONDS_PER_DAY)
#: Redis 7's default ``save`` lines: (seconds, changes) (``save 3600 1 300 100 60 10000``).
REDIS_DEFAULT_SAVE_RULES = ((3600, 1), (300, 100), (60, 10000))
#: The defaults before Redis 7.0 (``save 900 1``, ``save 300 10``, ``save 60 10000``).
REDIS6_SAVE_RULES = ((900, 1), (300, 10), (60, 10000))
#: Cassandra consistency levels as functions of the replication factor n.
CASSANDRA_LEVELS = ("ONE", "QUORUM", "ALL")


# --- deprecated spellings -----------------------------------------------------------------


class _LogNormalAlias:
    """The old ``LogNormal(median, sigma)``: now :meth:`Lognormal.from_median`."""

    def __new__(cls, median: float, sigma: float) -> Lognormal:  # type: ignore[misc]
        return Lognormal.from_median(median, sigma)

    @staticmethod
    def from_quantiles(p50: float, p99: float) -> Lognormal:
        return Lognormal.from_quantiles(p50, p99)


_DEPRECATED: dict[str, tuple[Any, str]] = {
    "Constant": (Deterministic, "Deterministic(value)"),
    "LogNormal": (_LogNormalAlias, "Lognormal.from_median(median, sigma) or Lognormal.from_quantiles"),
}


def __getattr__(name: str) -> Any:
    if name in _DEPRECATED:
        target, new = _DEPRECATED[name]
        warnings.warn(
            f"scalemodel.reliability.{name} is deprecated; use scalemodel.distributions.{new}",
            DeprecationWarning,
            stacklevel=2,
        )
        return target
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- results --------------------------------------------------------------------------


class MonteCarloResult(ReplicatedResult):
    """Per-replication metrics of a Monte Carlo study, with exact values beside them.

    ``result.<name>`` gives a metric's mean over replications (or chunks of requests, each
    a fresh random stream) or an exact value; ``result.ci(name, level)`` the Student-t
    interval; ``result.replication_values(name)`` the raw values; ``result.values`` the
    exact or derived values (closed forms, quantiles, configuration); ``to_frame()`` one
    row per metric.
    """

    def __init__(
        self,
        study: str,
        metrics: Mapping[str, Any],
        values: Mapping[str, float],
        params: Mapping[str, Any],
        level: float = 0.95,
    ) -> None:
        super().__init__(dict(metrics), dict(params), level)
        self._study = study
        self._values = {k: float(v) for k, v in values.items()}

    @property
    def study(self) -> str:
        return self._study

    @property
    def values(self) -> dict[str, float]:
        """Exact or derived values by name (closed forms, quantiles, configuration)."""
        return dict(self._values)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        metrics = self.__dict__.get("_metrics", {})
        if name in metrics:
            return self.estimate(name)
        vals = self.__dict__.get("_values", {})
        if name in vals:
            return vals[name]
        raise AttributeError(f"{self.__dict__.get('_study', 'result')} has no estimate or value {name!r}")

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._metrics) | set(self._values))

    def ci(self, name: str, level: float | None = None) -> tuple[float, float]:
        """Two-sided Student-t confidence interval for metric ``name`` (default level: the
        result's, 0.95).

        ``"nines"`` (availability studies) maps the unavailability interval through
        -log10, clipped to [0, 1] first.
        """
        if name == "nines" and "unavailability" in self._metrics:
            lo, hi = self.ci("unavailability", level)
            with np.errstate(divide="ignore"):
                return (float(-np.log10(min(1.0, max(hi, 0.0)))), float(-np.log10(min(1.0, max(lo, 0.0)))))
        return super().ci(name, level)

    @property
    def p_consistent(self) -> Any:
        """P(consistent read) for each t of a :func:`t_visibility` study, as an array."""
        return np.array([self.estimate(f"p_consistent_{i}") for i in range(self._t_count())])

    def p_consistent_ci(self, level: float | None = None) -> Any:
        """Confidence intervals of :attr:`p_consistent`, shape (len(t), 2)."""
        return np.array([self.ci(f"p_consistent_{i}", level) for i in range(self._t_count())])

    def _t_count(self) -> int:
        if "t" not in self._params:
            raise AttributeError(f"{self._study} results have no p_consistent (t_visibility only)")
        return len(self._params["t"])

    def to_dict(self) -> dict[str, float]:
        """Every metric's mean and every value, by name."""
        out = super().to_dict()
        out.update(self._values)
        return out

    def __repr__(self) -> str:
        parts = []
        for k in list(self._metrics)[:6]:
            lo, hi = self.ci(k)
            parts.append(f"{k}={self.estimate(k):.6g} [{lo:.4g}, {hi:.4g}]")
        return f"<{self._study}: " + ", ".join(parts) + "; see .to_frame()>"


def _study(
    study: str, label: str, fn: Any, config: Any, run: Any, params: dict[str, Any], level: Any
) -> MonteCarloResult:
    """Runs ``fn(config, run)`` with a progress bar; ``level`` (the caller's keyword) is
    checked first, so a bad one costs no run."""
    lvl = _level(level)
    raw = _progress.run(lambda: fn(config, run), label)
    return MonteCarloResult(study, raw["metrics"], raw["values"], params, lvl)


def _chunked_run(seed: Any, threads: Any) -> Any:
    """The run of a study whose replications are chunks of its own size parameter
    (requests, trials, cycles): the engine derives their count, so replications is unused."""
    return _run_spec(seed=seed, replications=2, threads=threads)


# --- availability ---------------------------------------------------------------------


def nines(unavailability: Any) -> Any:
    """Number of nines, -log10(unavailability): 1e-3 -> 3 (99.9%). Infinite for 0."""
    u = as_float("unavailability", unavailability)
    if np.any(~((u >= 0) & (u <= 1))):
        raise ValueError("unavailability must be a probability in [0, 1]")
    with np.errstate(divide="ignore"):
        return (-np.log10(u))[()]


def k_of_n(k: Any, n: Any, availability: Any) -> Any:
    """Probability that at least ``k`` of ``n`` independent components are up.

    Each component is up with probability ``availability`` in [0, 1]; 0 <= k <= n <= 10^7.
    Binomial tail through the regularized incomplete beta function, broadcasting like NumPy.
    """
    shape, f = broadcast(
        k=as_count("k", k, 0), n=as_count("n", n), availability=as_float("availability", availability)
    )
    return shaped(_r.k_of_n(f["k"], f["n"], f["availability"], False), shape)


def k_of_n_unavailability(k: Any, n: Any, availability: Any) -> Any:
    """1 - :func:`k_of_n`, computed directly (accurate for twelve nines and beyond)."""
    shape, f = broadcast(
        k=as_count("k", k, 0), n=as_count("n", n), availability=as_float("availability", availability)
    )
    return shaped(_r.k_of_n(f["k"], f["n"], f["availability"], True), shape)


@dataclass(frozen=True)
class CtmcResult(_TableDisplay):
    """Steady state of the k-of-n repairable Markov chain; see :func:`ctmc_availability`."""

    availability: float
    unavailability: float
    mean_components_up: float
    failure_frequency: float  #: system outages per second
    mean_outage_s: float

    @property
    def nines(self) -> float:
        return float(nines(self.unavailability))

    @property
    def downtime_s_per_year(self) -> float:
        return self.unavailability * SECONDS_PER_YEAR

    def to_dict(self) -> dict[str, float]:
        return {**vars(self), "nines": self.nines, "downtime_s_per_year": self.downtime_s_per_year}

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])


def ctmc_availability(
    k: int, n: int, mtbf_s: float, mttr_s: float, repair_crews: int | None = None
) -> CtmcResult:
    """Availability of a k-of-n system of repairable components, from a Markov chain.

    Each of ``n`` (<= 2000) components fails after an exponential time with mean
    ``mtbf_s`` and is repaired in an exponential time with mean ``mttr_s`` by one of
    ``repair_crews`` crews (default n: every component has its own). The system is up
    while at least ``k`` components are. The generator is solved for pi Q = 0 with Eigen.
    With n crews this equals :func:`k_of_n` at availability mtbf / (mtbf + mttr).
    """
    k = _whole("k", k, 0)
    n = _whole("n", n, 1, 2000)
    crews = n if repair_crews is None else _whole("repair_crews", repair_crews, 1)
    mtbf_s, mttr_s = _number("mtbf_s", mtbf_s), _number("mttr_s", mttr_s)
    if not (mtbf_s > 0 and math.isfinite(mtbf_s)):
        raise ValueError(f"mtbf_s must be a finite number > 0, got {mtbf_s}")
    if not (mttr_s > 0 and math.isfinite(mttr_s)):
        raise ValueError(f"mttr_s must be a finite number > 0, got {mttr_s}")
    d = _r.ctmc_availability(k, n, 1.0 / mtbf_s, 1.0 / mttr_s, crews)
    return CtmcResult(**{key: float(v) for key, v in d.items()})


def simulate_availability(
    n: int,
    k: int = 1,
    *,
    mtbf_s: float,
    mttr_s: float,
    weibull_shape: float | None = None,
    repair: str = "exponential",
    replacement_s: float | None = None,
    zones: int = 1,
    zone_failures_per_year: float = 0.0,
    zone_outage_s: float = 3600.0,
    horizon_s: float | None = None,
    replications: int = 200,
    seed: int = 0,
    threads: int = 0,
    level: float = 0.95,
) -> MonteCarloResult:
    """Monte Carlo availability of a k-of-n system with correlated zone outages.

    Components fail after a lifetime with mean ``mtbf_s`` (exponential, or Weibull with
    ``weibull_shape``) and come back after a repair with mean ``mttr_s`` (``repair`` =
    "exponential" or "constant"), or after ``replacement_s`` if an automatic replacement is
    faster. Components are spread round-robin over ``zones``; each zone has
    ``zone_failures_per_year`` outages of exponential length with mean ``zone_outage_s``,
    taking all its components down. The system is up while at least ``k`` are up.

    Each of ``replications`` runs simulates ``horizon_s`` (default 1000 component cycles,
    at least one year) from the stationary component mix. Estimates: availability,
    unavailability, downtime_s_per_year, outages_per_year, nines (from the mean
    unavailability; its interval maps the unavailability interval).
    """
    if repair not in ("exponential", "constant"):
        raise ValueError(f"repair must be 'exponential' or 'constant', got {repair!r}")
    config = _r.AvailabilityConfig()
    config.n, config.k = _integer("n", n), _integer("k", k)
    life = as_distribution("mtbf_s", mtbf_s, number="exponential")
    if weibull_shape is not None:
        life = Weibull(life.mean, _number("weibull_shape", weibull_shape))
    config.lifetime = life._engine
    config.repair = as_distribution("mttr_s", mttr_s, number=repair)._engine
    config.replacement_s = 0.0 if replacement_s is None else _number("replacement_s", replacement_s)
    config.zones = _integer("zones", zones)
    config.zone_failures_per_year = _number("zone_failures_per_year", zone_failures_per_year)
    config.zone_outage = as_distribution("zone_outage_s", zone_outage_s, number="exponential")._engine
    if horizon_s is None:
        horizon_s = max(SECONDS_PER_YEAR, 1000.0 * (life.mean + config.repair.mean))
    config.horizon_s = _number("horizon_s", horizon_s)
    run = _run_spec(seed=seed, replications=replications, threads=threads)
    params = {"n": config.n, "k": config.k, "mtbf_s": life.mean, "mttr_s": config.repair.mean}
    res = _study("availability", "availability", _r.simulate_availability, config, run, params, level)
    values = res.values
    values["nines"] = float(nines(min(1.0, max(0.0, res.estimate("unavailability")))))
    return MonteCarloResult(res.study, res._metrics, values, res.params, res.level)


# --- quorums --------------------------------------------------------------------------


def quorum_sizes(level: str, n: int = 3) -> tuple[int, int]:
    """(r, w) for a Cassandra consistency level used for both reads and writes.

    ONE = 1, QUORUM = n // 2 + 1, ALL = n replicas.
    """
    n = _whole("n", n, 1)
    sizes = {"ONE": 1, "QUORUM": n // 2 + 1, "ALL": n}
    if level not in sizes:
        raise ValueError(f"level must be one of {list(sizes)}, got {level!r}")
    return sizes[level], sizes[level]


def pbs_k_staleness(n: Any, r: Any, w: Any, k: Any = 1) -> Any:
    """Probability that a read returns one of the last ``k`` versions (PBS k-staleness).

    Reads and writes go to uniformly random quorums of ``r`` and ``w`` of ``n`` replicas
    with no write propagation beyond the quorum (Bailis et al.):
    1 - (C(n - w, r) / C(n, r))^k; exactly 1 when r + w > n. Broadcasts.
    """
    shape, f = broadcast(n=as_count("n", n), r=as_count("r", r), w=as_count("w", w), k=as_count("k", k))
    return shaped(_r.pbs_k_staleness(f["n"], f["r"], f["w"], f["k"]), shape)


def t_visibility(
    n: int = 3,
    r: int | None = None,
    w: int | None = None,
    t: Any = 0.0,
    *,
    consistency: str | None = None,
    write_latency: Any = None,
    read_latency: Any = None,
    replica_down_prob: float = 0.0,
    requests: int = 1 << 20,
    seed: int = 0,
    threads: int = 0,
    level: float = 0.95,
) -> MonteCarloResult:
    """Probability of a consistent read ``t`` seconds after a write commits (PBS, WARS).

    ``r`` and ``w`` of ``n`` replicas, or ``consistency`` = "ONE", "QUORUM" or "ALL" for
    both. Every leg (write to a replica, its ack, a read request, its response) is drawn
    from ``write_latency`` or ``read_latency`` (a distribution or a mean in seconds for an
    exponential; default exponential with mean 1 ms). The write commits at the w-th fastest
    ack; the read uses the r fastest responses. Each replica is independently unreachable
    with probability ``replica_down_prob``; requests short of replicas count as unavailable.

    Estimates: p_consistent_<i> for each t[i] (also as ``p_consistent`` and
    ``p_consistent_ci``), write_latency_s, read_latency_s, write_available, read_available
    (of requests whose write succeeded). Values: write_latency_p50_s, write_latency_p99_s,
    read_latency_p50_s, read_latency_p99_s (log-bucketed histogram, within 0.4%), pbs_k1.
    ``requests`` is rounded up to chunks of 32,768; intervals come from the chunks.
    """
    if consistency is not None:
        if r is not None or w is not None:
            raise TypeError("give either consistency or r and w, not both")
        if consistency not in ("ONE", "QUORUM", "ALL"):
            raise ValueError(f"consistency must be one of ['ONE', 'QUORUM', 'ALL'], got {consistency!r}")
        r, w = quorum_sizes(consistency, _integer("n", n))
    if r is None or w is None:
        raise TypeError("give r and w, or consistency")
    write_latency = 0.001 if write_latency is None else write_latency
    read_latency = 0.001 if read_latency is None else read_latency
    config = _configure(
        _r.QuorumConfig(),
        locals(),
        *("n", "r", "w", "replica_down_prob", "requests"),
        write_latency=_exponential,
        read_latency=_exponential,
    )
    config.t = [float(x) for x in np.atleast_1d(as_float("t", t)).ravel()]
    params = {"n": config.n, "r": config.r, "w": config.w, "t": tuple(config.t)}
    run = _chunked_run(seed, threads)
    return _study("t_visibility", "t visibility", _r.t_visibility, config, run, params, level)


# --- failover, stale reads, partitions --------------------------------------------------


def simulate_failover(
    *,
    heartbeat_interval_s: float = 1.0,
    missed_beats: int = 3,
    election_s: Any = 5.0,
    routing_s: Any = 5.0,
    replication_lag_s: Any = 0.0,
    write_rate: float = 0.0,
    failures_per_year: float = 0.0,
    trials: int = 1 << 16,
    seed: int = 0,
    threads: int = 0,
    level: float = 0.95,
) -> MonteCarloResult:
    """Downtime and lost writes of an automatic primary failover.

    The primary dies at a uniformly random moment between heartbeats and is declared dead
    after ``missed_beats`` missed beats ((missed_beats - U) x interval); then a replica is
    elected (``election_s``) and clients are re-routed (``routing_s``): numbers are
    constant seconds, or pass a distribution. With asynchronous replication the promoted
    replica misses the writes of the last ``replication_lag_s``: Poisson with mean
    write_rate x lag are lost. ``failures_per_year`` of the primary turns the mean downtime
    into availability = 1 / (1 + rate x downtime) and downtime per year.

    Estimates: downtime_s, detection_s, writes_lost, availability, downtime_s_per_year.
    Values: downtime_p50_s, downtime_p90_s, downtime_p99_s (from a log-bucketed histogram,
    within 0.4% of the sample quantile; memory does not grow with ``trials``),
    downtime_max_s.
    """
    config = _configure(
        _r.FailoverConfig(),
        locals(),
        *("heartbeat_interval_s", "missed_beats", "write_rate", "failures_per_year", "trials"),
        election="election_s",
        routing="routing_s",
        replication_lag="replication_lag_s",
    )
    params = {"failures_per_year": config.failures_per_year}
    run = _chunked_run(seed, threads)
    return _study("failover", "failover", _r.simulate_failover, config, run, params, level)


_REMEDIES: tuple[str, ...] = tuple(_r.REMEDIES)


def simulate_stale_reads(
    lag: Any,
    think_time: Any,
    *,
    remedy: str = "none",
    sticky_window_s: float = 5.0,
    attempts: int = 3,
    retry_interval_s: float = 0.1,
    requests: int = 1 << 20,
    seed: int = 0,
    threads: int = 0,
    level: float = 0.95,
) -> MonteCarloResult:
    """Read-your-writes: does a user's read ``think_time`` after their write see it?

    ``lag`` (the serving replica's replication lag) and ``think_time`` are seconds or
    distributions. ``remedy``: "none" (read a replica; stale when lag > think time),
    "primary" (read own data from the primary), "sticky" (read the primary within
    ``sticky_window_s`` of the write, a replica after), "version_check" (read a replica up
    to ``attempts`` times ``retry_interval_s`` apart until it has the write's version, then
    fall back to the primary).

    Estimates per read: stale, primary_reads (the extra primary load), replica_reads,
    added_latency_s. Intervals come from chunks of 32,768 reads.
    """
    config = _configure(
        _r.StaleReadConfig(),
        locals(),
        *("lag", "think_time", "remedy", "sticky_window_s", "attempts", "retry_interval_s", "requests"),
    )
    run = _chunked_run(seed, threads)
    return _study(
        "stale_reads", "stale reads", _r.simulate_stale_reads, config, run, {"remedy": remedy}, level
    )


def compare_remedies(
    lag: Any,
    think_time: Any,
    *,
    requests: int = 1 << 20,
    seed: int = 0,
    threads: int = 0,
    level: float = 0.95,
    **options: Any,
) -> pd.DataFrame:
    """:func:`simulate_stale_reads` for every remedy: one row each (stale, primary_reads,
    replica_reads, added_latency_s, and the stale interval at ``level``)."""
    rows = []
    for name in _REMEDIES:
        res = simulate_stale_reads(
            lag,
            think_time,
            remedy=name,
            requests=requests,
            seed=seed,
            threads=threads,
            level=level,
            **options,
        )
        lo, hi = res.ci("stale")
        rows.append(
            {
                "remedy": name,
                "stale": res.stale,
                "stale_ci_low": lo,
                "stale_ci_high": hi,
                "primary_reads": res.primary_reads,
                "replica_reads": res.replica_reads,
                "added_latency_s": res.added_latency_s,
            }
        )
    return pd.DataFrame(rows).set_index("remedy")


def simulate_partition(
    *,
    partitions_per_day: float,
    duration_s: Any,
    convergence_s: Any = 0.0,
    remote_write_rate: float = 1.0,
    horizon_s: float = 30 * SECONDS_PER_DAY,
    replications: int = 64,
    reads: int = 1 << 14,
    seed: int = 0,
    threads: int = 0,
    level: float = 0.95,
) -> MonteCarloResult:
    """Reads in one data centre while the link to the other one partitions.

    Partitions start as a Poisson process (``partitions_per_day``) and last
    ``duration_s``; after healing the sides need ``convergence_s`` to agree (seconds or
    distributions). The other side writes at ``remote_write_rate`` per second. A CP policy
    rejects every read during a partition; an AP policy answers, and a read is stale once
    the other side has written since the split, until convergence.

    Estimates (over ``replications`` runs of ``horizon_s`` with ``reads`` uniform reads
    each): cp_rejected, ap_stale, ap_staleness_s (mean age of the oldest missing write in a
    stale read), partitioned_time. Values: partitioned_time_expected, ap_staleness_p50_s,
    ap_staleness_p99_s (log-bucketed histogram, within 0.4%), ap_staleness_max_s.
    """
    config = _configure(
        _r.PartitionConfig(),
        locals(),
        *("partitions_per_day", "remote_write_rate", "horizon_s", "reads"),
        duration="duration_s",
        convergence="convergence_s",
    )
    run = _run_spec(seed=seed, replications=replications, threads=threads)
    params = {"partitions_per_day": config.partitions_per_day}
    return _study("partition", "partition", _r.simulate_partition, config, run, params, level)


# --- durability -------------------------------------------------------------------------


@dataclass(frozen=True)
class LossBounds:
    """Writes lost by a crash: expected (crash at a random time) and worst case, per crash
    and per day at ``crashes_per_day``. ``backlog_growth_per_s`` > 0 means the flusher
    cannot keep up, so losses grow without bound (both are inf)."""

    mechanism: str
    expected_per_crash: float
    worst_per_crash: float
    expected_per_day: float
    worst_per_day: float
    backlog_growth_per_s: float

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()]).set_index("mechanism")


def _bounds(mechanism: str, d: dict[str, float], crashes_per_day: float) -> LossBounds:
    c = _number("crashes_per_day", crashes_per_day)
    if not (c >= 0 and math.isfinite(c)):
        raise ValueError(f"crashes_per_day must be a finite number >= 0, got {c}")
    e, wst = float(d["expected_per_crash"]), float(d["worst_per_crash"])
    return LossBounds(
        mechanism,
        e,
        wst,
        e * c if c > 0 else 0.0,
        wst * c if c > 0 else 0.0,
        float(d["backlog_growth_per_s"]),
    )


def write_behind(
    write_rate: float,
    flush_interval_s: float = 5.0,
    *,
    flush_duration_s: float = 0.0,
    batch_size: int | None = None,
    crashes_per_day: float = 0.0,
) -> LossBounds:
    """Writes lost when a write-behind cache crashes before flushing.

    A worker flushes the queue (at most ``batch_size`` writes, None = all) taking
    ``flush_duration_s``, then sleeps ``flush_interval_s``; a crash loses the queue and the
    batch in flight. Expected loss write_rate x (cycle / 2 + duration), worst write_rate x
    (cycle + duration). If write_rate x cycle exceeds ``batch_size`` the queue grows forever.
    """
    batch = 0.0 if batch_size is None else float(_whole("batch_size", batch_size, 1))
    d = _r.write_behind_loss(
        _number("write_rate", write_rate),
        _number("flush_interval_s", flush_interval_s),
        _number("flush_duration_s", flush_duration_s),
        batch,
    )
    return _bounds("write_behind", d, crashes_per_day)


def redis_aof(
    write_rate: float, fsync: str = "everysec", *, crash: str = "machine", crashes_per_day: float = 0.0
) -> LossBounds:
    """Redis AOF loss per crash of acknowledged writes.

    ``crash="machine"`` (the default: power loss, kernel panic, a lost VM) loses what was
    not fsynced: ``fsync`` "always" at most the command in flight; "everysec" half a second
    of writes on average and up to two seconds' worth (Redis delays writes once an fsync
    has been pending for 2 s). ``crash="process"`` (SIGKILL, the OOM killer, a segfault)
    loses none under either policy: Redis writes the AOF buffer to the kernel before it
    replies, and the kernel's page cache survives the process (0 of 40,000+ writes lost in
    the validation lab, tests/validation).
    """
    if not isinstance(fsync, str):
        raise TypeError(f"fsync must be 'always' or 'everysec', got {fsync!r}")
    if not isinstance(crash, str):
        raise TypeError(f"crash must be 'process' or 'machine', got {crash!r}")
    d = _r.aof_loss(_number("write_rate", write_rate), fsync, crash)
    mechanism = f"aof_{fsync}" if crash == "machine" else f"aof_{fsync}_process_crash"
    return _bounds(mechanism, d, crashes_per_day)


def redis_rdb(
    write_rate: float,
    rules: Sequence[tuple[float, int]] = REDIS_DEFAULT_SAVE_RULES,
    *,
    crashes_per_day: float = 0.0,
    cycles: int = 1 << 14,
    seed: int = 0,
    threads: int = 0,
    level: float = 0.95,
) -> MonteCarloResult:
    """Redis RDB snapshots under ``save <seconds> <changes>`` ``rules`` (default Redis 7's,
    :data:`REDIS_DEFAULT_SAVE_RULES`; :data:`REDIS6_SAVE_RULES` before 7.0) with Poisson writes.

    A snapshot starts as soon as any rule has seen both its seconds and its changes since
    the last one; a crash loses the writes since that start, whether the process or the
    machine crashes (the snapshot is fsynced before it replaces the old file). Redis checks
    a rule's seconds on a whole-second clock and fires once *more* than that many seconds
    have passed since the last save completed, so its real cycle is about one second
    longer than the rule says (measured: ``save 2 100`` cycles every ~3 s); give
    ``(seconds + 1, changes)`` where that second matters, or use :func:`redis_rdb_crash`
    for a crash at a given moment on Redis's own schedule. Simulates ``cycles`` save
    cycles (intervals over chunks of 256).

    Estimates: expected_per_crash, expected_per_day (x ``crashes_per_day``), cycle_s,
    writes_per_cycle. Values: worst_per_crash (largest cycle seen), fluid_cycle_s,
    fluid_worst_per_crash (write_rate x min over rules of max(seconds, changes / rate)).
    """
    pairs = _save_rules(rules)
    config = _r.RdbConfig()
    config.write_rate = _number("write_rate", write_rate)
    config.rules = pairs
    config.cycles = _integer("cycles", cycles)
    c = _number("crashes_per_day", crashes_per_day)
    if not (c >= 0 and math.isfinite(c)):
        raise ValueError(f"crashes_per_day must be a finite number >= 0, got {c}")
    run = _chunked_run(seed, threads)
    res = _study("redis_rdb", "rdb", _r.simulate_rdb, config, run, {"rules": tuple(pairs)}, level)
    metrics = {name: res.replication_values(name) for name in res.metric_names}
    metrics["expected_per_day"] = metrics["expected_per_crash"] * c
    return MonteCarloResult(res.study, metrics, res.values, res.params, res.level)


def _save_rules(rules: Any) -> list[tuple[float, int]]:
    if isinstance(rules, (str, bytes)) or not isinstance(rules, Sequence) or len(rules) == 0:
        raise TypeError("rules must be a non-empty sequence of (seconds, changes) pairs")
    pairs = []
    for rule in rules:
        if not isinstance(rule, Sequence) or len(rule) != 2:
            raise TypeError(f"rules must hold (seconds, changes) pairs, got {rule!r}")
        pairs.append((_number("rule seconds", rule[0]), _integer("rule changes", rule[1])))
    return pairs


@dataclass(frozen=True)
class RdbCrash:
    """The answer of :func:`redis_rdb_crash`: ``lost``, the acknowledged writes a crash at
    each ``crash_s`` loses (a float for a scalar crash_s, else an array of its shape);
    ``snapshot_s``, the fork time of the snapshot a restart loads (NaN: none, the crash loses
    every write); ``saves``, Redis's saves up to the last crash (one row each: ``start_s``,
    the fork, whose writes the file holds; ``done_s``, the file in place; ``reaped_s``, the
    cron tick that saw it end; ``writes``, the writes it holds)."""

    lost: Any
    snapshot_s: Any
    saves: pd.DataFrame


def redis_rdb_crash(
    crash_s: Any,
    write_rate: float,
    rules: Sequence[tuple[float, int]] = REDIS_DEFAULT_SAVE_RULES,
    *,
    bgsave_s: float = 0.0,
    hz: float = 10,
    clock_s: float = 0.0,
    last_save_unix_s: int | None = None,
    cron_offset_s: float = 0.0,
) -> RdbCrash:
    """Writes lost by Redis RDB persistence when the process or the machine crashes
    ``crash_s`` seconds after time 0 (scalar or array), on the deterministic schedule Redis
    7 runs its ``save <seconds> <changes>`` ``rules`` by.

    Writes come at a constant ``write_rate`` (write i at i / write_rate), with nothing unsaved
    at time 0 (the server's start, or a save). serverCron runs ``hz`` times a second (at
    ``cron_offset_s`` + k / hz); with no save running it starts one when a rule has its
    changes and the whole-second unix clock (``clock_s`` + t, ``clock_s`` the unix time at
    time 0) is *more* than ``seconds`` past the second of the last save
    (``last_save_unix_s``, Redis's ``rdb_last_save_time``; default the second of
    ``clock_s``). A save holds the writes up to its fork; its file replaces the old one
    ``bgsave_s`` later, fsynced with its directory (so a process and a machine crash lose
    the same); the next cron tick reaps it and its second becomes the last save's, and the
    writes made during it stay unsaved. Why ``save S N`` fires about a second later than S:
    Redis compares whole seconds with ``>``, so a rule fires between S and S + 1 seconds
    after the last save, and at a steady pace the cycle locks to whole seconds, S + 1 (plus
    the save's and cron's delays rounded up to whole seconds). Checked against redis-server
    7.0 killed at a chosen moment (tests/validation/test_redis.py).
    """
    pairs = _save_rules(rules)
    t = as_float("crash_s", crash_s) if not isinstance(crash_s, (str, bytes)) else None
    if t is None or t.size == 0:
        raise TypeError("crash_s must be a number or a non-empty array of seconds")
    c = _r.RdbScheduleConfig()
    c.write_rate = _number("write_rate", write_rate)
    c.rules = pairs
    c.bgsave_s = _number("bgsave_s", bgsave_s)
    c.hz = _number("hz", hz)
    c.clock_s = _number("clock_s", clock_s)
    if not (0.0 <= c.clock_s < 2**53):  # a unix time: whole seconds must be exact
        raise ValueError(f"clock_s must be a finite number in [0, 2**53), got {clock_s!r}")
    c.last_save_unix_s = float(
        math.floor(c.clock_s) if last_save_unix_s is None else _integer("last_save_unix_s", last_save_unix_s)
    )
    c.cron_offset_s = _number("cron_offset_s", cron_offset_s)
    loss = _r.rdb_crash_loss(c, t.ravel().tolist())
    c.horizon_s = float(t.max())
    saves = pd.DataFrame(_r.rdb_schedule(c))
    lost, snap = np.asarray(loss["lost"]).reshape(t.shape), np.asarray(loss["snapshot_s"]).reshape(t.shape)
    if t.ndim == 0:
        return RdbCrash(float(lost), float(snap), saves)
    return RdbCrash(lost, snap, saves)


def kafka_durability(
    *,
    acks: int | str = "all",
    replication_factor: int = 3,
    min_insync_replicas: int = 2,
    unclean_leader_election: bool = False,
    broker_mtbf_s: float = 30 * SECONDS_PER_DAY,
    broker_mttr_s: float = 3600.0,
    follower_lag_s: Any = 0.05,
    producer_window_s: float = 0.01,
    message_rate: float = 1000.0,
    horizon_s: float = SECONDS_PER_YEAR,
    replications: int = 200,
    seed: int = 0,
    threads: int = 0,
    level: float = 0.95,
) -> MonteCarloResult:
    """Messages lost by one Kafka partition under broker failures.

    Brokers fail independently (exponential, mean ``broker_mtbf_s``) and return after an
    exponential time with mean ``broker_mttr_s`` with their log intact; a returning
    follower catches up at once. On a clean leader change, acks=1 loses what followers had
    not fetched (message_rate x ``follower_lag_s``), acks=0 also what was sent into the
    dead leader (``producer_window_s``); acks=all loses nothing, but refuses writes while
    fewer than ``min_insync_replicas`` replicas are up. When no in-sync replica is up the
    partition is offline, unless ``unclean_leader_election`` lets a stale replica lead,
    which drops every message it missed.

    Estimates: lost_per_day, loss_events_per_year, write_unavailable. Values:
    worst_loss_per_event.
    """
    if isinstance(acks, bool) or not isinstance(acks, (int, str)):
        raise TypeError(f"acks must be 0, 1 or 'all', got {acks!r}")
    config = _configure(
        _r.KafkaConfig(),
        locals(),
        *("replication_factor", "min_insync_replicas", "unclean_leader_election", "broker_mtbf_s"),
        *("producer_window_s", "message_rate", "horizon_s"),
        broker_repair=("broker_mttr_s", _exponential),
        follower_lag="follower_lag_s",
    )
    config.acks = _text("acks", str(acks))
    run = _run_spec(seed=seed, replications=replications, threads=threads)
    params = {"acks": acks, "replication_factor": config.replication_factor}
    return _study("kafka", "kafka", _r.simulate_kafka, config, run, params, level)


def durability(mechanism: str, **options: Any) -> LossBounds | MonteCarloResult:
    """One entry point for the durability models: ``mechanism`` is "write_behind",
    "redis_rdb", "redis_aof" or "kafka"; ``options`` go to :func:`write_behind`,
    :func:`redis_rdb`, :func:`redis_aof` or :func:`kafka_durability`."""
    table: dict[str, Any] = {
        "write_behind": write_behind,
        "redis_rdb": redis_rdb,
        "redis_aof": redis_aof,
        "kafka": kafka_durability,
    }
    if not isinstance(mechanism, str) or mechanism not in table:
        raise ValueError(f"mechanism must be one of {list(table)}, got {mechanism!r}")
    result: LossBounds | MonteCarloResult = table[mechanism](**options)
    return result


__dir__ = _api_dir(globals())
