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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np
import pandas as pd

from scalemodel import _core, _progress
from scalemodel._arrays import as_count, as_float, broadcast, shaped
from scalemodel._arrays import number as _number
from scalemodel._arrays import seed as _seed
from scalemodel._arrays import threads as _threads
from scalemodel._arrays import whole as _whole

__all__ = [
    "CASSANDRA_LEVELS",
    "REDIS_DEFAULT_SAVE_RULES",
    "SECONDS_PER_DAY",
    "SECONDS_PER_YEAR",
    "Constant",
    "CtmcResult",
    "Exponential",
    "LogNormal",
    "LossBounds",
    "MonteCarloResult",
    "Uniform",
    "Weibull",
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
    "simulate_availability",
    "simulate_failover",
    "simulate_partition",
    "simulate_stale_reads",
    "t_visibility",
    "write_behind",
]

_r = _core.reliability
SECONDS_PER_YEAR: float = float(_core.SECONDS_PER_YEAR)  #: 365 days, as in the usual nines tables
SECONDS_PER_DAY: float = float(_core.SECONDS_PER_DAY)
#: Redis's classic default ``save`` lines: (seconds, changes).
REDIS_DEFAULT_SAVE_RULES = ((900, 1), (300, 10), (60, 10000))
#: Cassandra consistency levels as functions of the replication factor n.
CASSANDRA_LEVELS = ("ONE", "QUORUM", "ALL")


# --- distributions --------------------------------------------------------------------


@dataclass(frozen=True)
class Constant:
    """Always ``value`` seconds."""

    value: float

    def _spec(self) -> tuple[int, float, float]:
        return (0, float(self.value), 0.0)


@dataclass(frozen=True)
class Exponential:
    """Exponential with the given ``mean`` in seconds."""

    mean: float

    def _spec(self) -> tuple[int, float, float]:
        return (1, float(self.mean), 0.0)


@dataclass(frozen=True)
class LogNormal:
    """Log-normal with ``median`` seconds and log-standard-deviation ``sigma`` (<= 10)."""

    median: float
    sigma: float

    def _spec(self) -> tuple[int, float, float]:
        return (2, float(self.median), float(self.sigma))

    @classmethod
    def from_quantiles(cls, p50: float, p99: float) -> LogNormal:
        """The log-normal with the given median and 99th percentile (p99 >= p50 > 0)."""
        if not (p50 > 0 and p99 >= p50):
            raise ValueError(f"need p99 >= p50 > 0, got p50={p50}, p99={p99}")
        return cls(p50, math.log(p99 / p50) / 2.3263478740408408)


@dataclass(frozen=True)
class Uniform:
    """Uniform on [``low``, ``high``] seconds."""

    low: float
    high: float

    def _spec(self) -> tuple[int, float, float]:
        return (3, float(self.low), float(self.high))


@dataclass(frozen=True)
class Weibull:
    """Weibull with the given ``mean`` seconds and ``shape`` (1 = exponential, > 1 wear-out)."""

    mean: float
    shape: float

    def _spec(self) -> tuple[int, float, float]:
        return (4, float(self.mean), float(self.shape))


Dist = Union[Constant, Exponential, LogNormal, Uniform, Weibull]


def _dist(name: str, value: Any) -> tuple[int, float, float]:
    """A distribution object, or a plain number meaning a constant."""
    if isinstance(value, (Constant, Exponential, LogNormal, Uniform, Weibull)):
        return value._spec()
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(
            f"{name} must be a number of seconds or a distribution (Constant, Exponential, LogNormal, "
            f"Uniform, Weibull), got {type(value).__name__}"
        )
    return (0, float(value), 0.0)


# --- results --------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class MonteCarloResult:
    """Estimates from a Monte Carlo study, each with its confidence interval.

    ``result.<name>`` gives an estimate's mean or an exact value; ``result.ci(name)`` the
    Student-t interval from ``n`` independent replications (or chunks of requests, each a
    fresh random stream); ``to_frame()`` one row per quantity.
    """

    study: str
    estimates: Mapping[str, tuple[float, float, int]]  #: name -> (mean, sd between replications, n)
    values: Mapping[str, float]  #: exact or derived values (closed forms, quantiles, configuration)
    params: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        est = self.__dict__.get("estimates", {})
        if name in est:
            return est[name][0]
        vals = self.__dict__.get("values", {})
        if name in vals:
            return vals[name]
        raise AttributeError(f"{self.__dict__.get('study', 'result')} has no estimate or value {name!r}")

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self.estimates) | set(self.values))

    def ci(self, name: str, level: float = 0.95) -> tuple[float, float]:
        """Two-sided Student-t confidence interval for estimate ``name`` at ``level`` in (0, 1).

        ``"nines"`` (availability studies) maps the unavailability interval through
        -log10, clipped to [0, 1] first.
        """
        if name == "nines" and "unavailability" in self.estimates:
            lo, hi = self.ci("unavailability", level)
            with np.errstate(divide="ignore"):
                return (float(-np.log10(min(1.0, max(hi, 0.0)))), float(-np.log10(min(1.0, max(lo, 0.0)))))
        if name not in self.estimates:
            raise ValueError(f"name must be one of {sorted(self.estimates)}, got {name!r}")
        level = _number("level", level)
        mean, sd, n = self.estimates[name]
        lo, hi = _core.stats.t_interval_from_summary(mean, sd, n, level)
        return (float(lo), float(hi))

    @property
    def p_consistent(self) -> Any:
        """P(consistent read) for each t of a :func:`t_visibility` study, as an array."""
        return np.array([self.estimates[f"p_consistent_{i}"][0] for i in range(self._t_count())])

    def p_consistent_ci(self, level: float = 0.95) -> Any:
        """Confidence intervals of :attr:`p_consistent`, shape (len(t), 2)."""
        return np.array([self.ci(f"p_consistent_{i}", level) for i in range(self._t_count())])

    def _t_count(self) -> int:
        if "t" not in self.params:
            raise AttributeError(f"{self.study} results have no p_consistent (t_visibility only)")
        return len(self.params["t"])

    def to_dict(self) -> dict[str, float]:
        """Every estimate's mean and every value, by name."""
        out = {k: v[0] for k, v in self.estimates.items()}
        out.update(self.values)
        return out

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """One row per estimate (mean, sd, n, ci_low, ci_high) and per exact value (mean only)."""
        rows = []
        for k, (mean, sd, n) in self.estimates.items():
            lo, hi = self.ci(k, level)
            rows.append({"name": k, "mean": mean, "sd": sd, "n": n, "ci_low": lo, "ci_high": hi})
        for k, v in self.values.items():
            rows.append(
                {"name": k, "mean": v, "sd": np.nan, "n": np.nan, "ci_low": np.nan, "ci_high": np.nan}
            )
        return pd.DataFrame(rows).set_index("name")

    def __repr__(self) -> str:
        parts = []
        for k, (mean, _sd, _n) in list(self.estimates.items())[:6]:
            lo, hi = self.ci(k)
            parts.append(f"{k}={mean:.6g} [{lo:.4g}, {hi:.4g}]")
        return f"<{self.study}: " + ", ".join(parts) + "; see .to_frame()>"


def _result(study: str, raw: dict[str, Any], params: dict[str, Any]) -> MonteCarloResult:
    est = {k: (float(m), float(s), int(n)) for k, (m, s, n) in raw["estimates"].items()}
    return MonteCarloResult(study, est, {k: float(v) for k, v in raw["values"].items()}, params)


def _scaled(est: tuple[float, float, int], factor: float) -> tuple[float, float, int]:
    return (est[0] * factor, est[1] * abs(factor), est[2])


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
class CtmcResult:
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
    n = _whole("n", n, 1, 100_000)
    k = _whole("k", k, 0, n)
    mtbf_s, mttr_s = _number("mtbf_s", mtbf_s), _number("mttr_s", mttr_s)
    if repair not in ("exponential", "constant"):
        raise ValueError(f"repair must be 'exponential' or 'constant', got {repair!r}")
    life = (
        Exponential(mtbf_s)
        if weibull_shape is None
        else Weibull(mtbf_s, _number("weibull_shape", weibull_shape))
    )
    fix = Exponential(mttr_s) if repair == "exponential" else Constant(mttr_s)
    if horizon_s is None:
        horizon_s = max(SECONDS_PER_YEAR, 1000.0 * (mtbf_s + mttr_s)) if mtbf_s > 0 and mttr_s >= 0 else 1.0
    zone_rate = _number("zone_failures_per_year", zone_failures_per_year) / SECONDS_PER_YEAR
    raw = _progress.run(
        lambda: _r.simulate_availability(
            n,
            k,
            _dist("lifetime", life),
            _dist("repair", fix),
            0.0 if replacement_s is None else _number("replacement_s", replacement_s),
            _whole("zones", zones, 1, n),
            zone_rate,
            _dist("zone_outage", Exponential(_number("zone_outage_s", zone_outage_s))),
            _number("horizon_s", horizon_s),
            _whole("replications", replications, 2),
            _seed(seed),
            _threads(threads),
        ),
        "availability",
    )
    res = _result("availability", raw, {"n": n, "k": k, "mtbf_s": mtbf_s, "mttr_s": mttr_s})
    return _with_nines(res)


def _with_nines(res: MonteCarloResult) -> MonteCarloResult:
    values = dict(res.values)
    values["nines"] = float(nines(min(1.0, max(0.0, res.estimates["unavailability"][0]))))
    return MonteCarloResult(res.study, res.estimates, values, res.params)


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
    n = _whole("n", n, 1, 64)
    if consistency is not None:
        if r is not None or w is not None:
            raise TypeError("give either consistency or r and w, not both")
        r, w = quorum_sizes(consistency, n)
    if r is None or w is None:
        raise TypeError("give r and w, or consistency")
    r, w = _whole("r", r, 1, n), _whole("w", w, 1, n)
    ts = np.atleast_1d(as_float("t", t)).ravel()
    if ts.size < 1 or ts.size > 1000:
        raise ValueError(f"t must hold 1 to 1000 times, got {ts.size}")
    wl = Exponential(0.001) if write_latency is None else write_latency
    rl = Exponential(0.001) if read_latency is None else read_latency
    if isinstance(wl, (int, float)) and not isinstance(wl, bool):
        wl = Exponential(float(wl))
    if isinstance(rl, (int, float)) and not isinstance(rl, bool):
        rl = Exponential(float(rl))
    raw = _progress.run(
        lambda: _r.t_visibility(
            n,
            r,
            w,
            _dist("write_latency", wl),
            _dist("read_latency", rl),
            _number("replica_down_prob", replica_down_prob),
            [float(x) for x in ts],
            _whole("requests", requests, 1 << 16),
            _seed(seed),
            _threads(threads),
        ),
        "t visibility",
    )
    return _result("t_visibility", raw, {"n": n, "r": r, "w": w, "t": tuple(float(x) for x in ts)})


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
    raw = _progress.run(
        lambda: _r.simulate_failover(
            _number("heartbeat_interval_s", heartbeat_interval_s),
            _whole("missed_beats", missed_beats, 1, 1000),
            _dist("election_s", election_s),
            _dist("routing_s", routing_s),
            _dist("replication_lag_s", replication_lag_s),
            _number("write_rate", write_rate),
            _number("failures_per_year", failures_per_year) / SECONDS_PER_YEAR,
            _whole("trials", trials, 1 << 13, 1 << 34),
            _seed(seed),
            _threads(threads),
        ),
        "failover",
    )
    return _result("failover", raw, {"failures_per_year": failures_per_year})


_REMEDIES = {"none": 0, "primary": 1, "sticky": 2, "version_check": 3}


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
    if remedy not in _REMEDIES:
        raise ValueError(f"remedy must be one of {list(_REMEDIES)}, got {remedy!r}")
    raw = _progress.run(
        lambda: _r.simulate_stale_reads(
            _dist("lag", lag),
            _dist("think_time", think_time),
            _REMEDIES[remedy],
            _number("sticky_window_s", sticky_window_s),
            _whole("attempts", attempts, 1, 1000),
            _number("retry_interval_s", retry_interval_s),
            _whole("requests", requests, 1 << 16),
            _seed(seed),
            _threads(threads),
        ),
        "stale reads",
    )
    return _result("stale_reads", raw, {"remedy": remedy})


def compare_remedies(
    lag: Any, think_time: Any, *, requests: int = 1 << 20, seed: int = 0, threads: int = 0, **options: Any
) -> pd.DataFrame:
    """:func:`simulate_stale_reads` for every remedy: one row each (stale, primary_reads,
    replica_reads, added_latency_s, and the stale interval at 95%)."""
    rows = []
    for name in _REMEDIES:
        res = simulate_stale_reads(
            lag, think_time, remedy=name, requests=requests, seed=seed, threads=threads, **options
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
    raw = _progress.run(
        lambda: _r.simulate_partition(
            _number("partitions_per_day", partitions_per_day) / SECONDS_PER_DAY,
            _dist("duration_s", duration_s),
            _dist("convergence_s", convergence_s),
            _number("remote_write_rate", remote_write_rate),
            _number("horizon_s", horizon_s),
            _whole("replications", replications, 2),
            _whole("reads", reads, 1),
            _seed(seed),
            _threads(threads),
        ),
        "partition",
    )
    return _result("partition", raw, {"partitions_per_day": partitions_per_day})


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


def redis_aof(write_rate: float, fsync: str = "everysec", *, crashes_per_day: float = 0.0) -> LossBounds:
    """Redis AOF loss per crash: ``fsync`` "always" loses at most the command in flight;
    "everysec" half a second of writes on average and up to two seconds' worth (Redis
    delays writes once an fsync has been pending for 2 s)."""
    policies = {"always": 0, "everysec": 1}
    if fsync not in policies:
        raise ValueError(f"fsync must be one of {list(policies)}, got {fsync!r}")
    d = _r.aof_loss(_number("write_rate", write_rate), policies[fsync])
    return _bounds(f"aof_{fsync}", d, crashes_per_day)


def redis_rdb(
    write_rate: float,
    rules: Sequence[tuple[float, int]] = REDIS_DEFAULT_SAVE_RULES,
    *,
    crashes_per_day: float = 0.0,
    cycles: int = 1 << 14,
    seed: int = 0,
    threads: int = 0,
) -> MonteCarloResult:
    """Redis RDB snapshots under ``save <seconds> <changes>`` ``rules`` with Poisson writes.

    A snapshot starts as soon as any rule has seen both its seconds and its changes since
    the last one; a crash loses the writes since that start. Simulates ``cycles`` save
    cycles (intervals over chunks of 256).

    Estimates: expected_per_crash, expected_per_day (x ``crashes_per_day``), cycle_s,
    writes_per_cycle. Values: worst_per_crash (largest cycle seen), fluid_cycle_s,
    fluid_worst_per_crash (write_rate x min over rules of max(seconds, changes / rate)).
    """
    pairs = []
    if isinstance(rules, (str, bytes)) or not isinstance(rules, Sequence) or len(rules) == 0:
        raise TypeError("rules must be a non-empty sequence of (seconds, changes) pairs")
    for rule in rules:
        if not isinstance(rule, Sequence) or len(rule) != 2:
            raise TypeError(f"each rule must be a (seconds, changes) pair, got {rule!r}")
        pairs.append((_number("rule seconds", rule[0]), _whole("rule changes", rule[1], 1)))
    raw = _progress.run(
        lambda: _r.simulate_rdb(
            _number("write_rate", write_rate),
            pairs,
            _whole("cycles", cycles, 512),
            _seed(seed),
            _threads(threads),
        ),
        "rdb",
    )
    res = _result("redis_rdb", raw, {"rules": tuple(pairs)})
    c = _number("crashes_per_day", crashes_per_day)
    if not (c >= 0 and math.isfinite(c)):
        raise ValueError(f"crashes_per_day must be a finite number >= 0, got {c}")
    est = dict(res.estimates)
    est["expected_per_day"] = _scaled(est["expected_per_crash"], c)
    return MonteCarloResult(res.study, est, res.values, res.params)


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
    codes = {0: 0, 1: 1, "0": 0, "1": 1, "all": -1, -1: -1}
    if isinstance(acks, bool) or acks not in codes:
        raise ValueError(f"acks must be 0, 1 or 'all', got {acks!r}")
    if not isinstance(unclean_leader_election, bool):
        raise TypeError("unclean_leader_election must be True or False")
    mtbf = _number("broker_mtbf_s", broker_mtbf_s)
    if not (mtbf > 0 and math.isfinite(mtbf)):
        raise ValueError(f"broker_mtbf_s must be a finite number > 0, got {mtbf}")
    rf = _whole("replication_factor", replication_factor, 1, 100)
    raw = _progress.run(
        lambda: _r.simulate_kafka(
            codes[acks],
            rf,
            _whole("min_insync_replicas", min_insync_replicas, 1, rf),
            unclean_leader_election,
            1.0 / mtbf,
            _dist("broker_mttr_s", Exponential(_number("broker_mttr_s", broker_mttr_s))),
            _dist("follower_lag_s", follower_lag_s),
            _number("producer_window_s", producer_window_s),
            _number("message_rate", message_rate),
            _number("horizon_s", horizon_s),
            _whole("replications", replications, 2),
            _seed(seed),
            _threads(threads),
        ),
        "kafka",
    )
    return _result("kafka", raw, {"acks": acks, "replication_factor": rf})


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
    if mechanism not in table:
        raise ValueError(f"mechanism must be one of {list(table)}, got {mechanism!r}")
    result: LossBounds | MonteCarloResult = table[mechanism](**options)
    return result
