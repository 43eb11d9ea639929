"""Capacity plans: a scenario in, servers per tier and a monthly bill out.

The chain: daily active users -> average and peak QPS (reads and writes) -> storage ->
bandwidth -> servers per tier -> cost, for each year of the horizon. The app and database
tiers are queues (one vCPU serves one request at a time) sized against their p99 targets
and utilization caps: M/M/c when service times are exponential (the default), the G/G/c
approximation of :class:`scalemodel.queueing.GGc` (Allen-Cunneen wait, gamma service) when
the scenario gives ``cpu_time_p99`` / ``cpu_time_scv`` (or the ``query_time`` ones): the
gamma with the given SCV, or the one with the given mean and p99 (the simulators get the
lognormal through them; the analytic p99 is within a few percent of theirs, above). The cache tier is sized by memory and throughput; shards by the
per-node write and storage limits of the price catalogue. Spares (N+k, and zone-aware
with ``reliability.zones``) are part of every tier's node count and cost.

Definitions used throughout (and printed in the report):

- count: nodes the peak needs; spares: extra nodes kept for failures; nodes = both.
- limited_by: the constraint that set the count (utilization cap, p99 target, memory,
  throughput, storage or write limit, a minimum).
- headroom: the multiple of the planned peak traffic at which the busiest node of the
  tier first misses its p99 target or a hard limit (memory, node throughput, storage,
  writes, reads), with ``count`` nodes (spares held back for failures). The planning
  caps (utilization cap, cache fill) are reached earlier, at ``cap_multiple``.
- year y of the plan: sized for the end of year y, traffic grown by (1 + yearly_growth)^y
  and the data written by then. The headline is year 1; the horizon is the last year.
"""

from __future__ import annotations

import contextlib
import functools
import html
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, cast

import numpy as np
import pandas as pd

from scalemodel import caching, cost, distributions, hashing, queueing, reliability
from scalemodel._arrays import api_dir as _api_dir
from scalemodel._arrays import number, whole
from scalemodel.scenario import (
    DEFAULT_HIT_RATIO,
    DEFAULT_SERVICE_SCV,
    check_values,
    load_scenario,
    parse_scenario,
    section_defaults,
)

__all__ = [
    "SENSITIVITY_INPUTS",
    "Plan",
    "Service",
    "SimulatedCheck",
    "Tier",
    "YearPlan",
    "cache_hit_ratio",
    "example_path",
    "examples",
    "make_plan",
    "plan_file",
    "plan_text",
    "ring_imbalance",
    "scaling_options",
    "sensitivity",
    "simulate",
    "simulated_system",
]

_Q = 0.99  # the quantile every latency target refers to


@dataclass(frozen=True)
class Service:
    """The service time of one request on one vCPU: its mean, SCV and where they came from.

    ``distribution()`` is the law as a :mod:`scalemodel.distributions` object, for the
    simulators; the analytic sizing uses the mean and ``scv`` (the G/G/c approximation with
    gamma service). When the scenario gives a p99, the law is the lognormal through the mean
    and that p99, and ``scv`` is that of the gamma with the same mean and p99."""

    mean_s: float
    scv: float = DEFAULT_SERVICE_SCV
    p99_s: float | None = None  #: the service time's own p99 when the scenario gave it
    source: str = "default: exponential"

    def __post_init__(self) -> None:
        for name, low in (("mean_s", 0.0), ("scv", None), ("p99_s", 0.0)):
            value = getattr(self, name)
            if name == "p99_s" and value is None:
                continue
            v = number(name, value)
            if not (math.isfinite(v) and (v > low if low is not None else v >= 0)):
                raise ValueError(
                    f"{name} must be a finite number {'>= 0' if low is None else '> 0'}, got {value!r}"
                )

    @classmethod
    def from_section(cls, section: dict[str, Any], key: str) -> Service:
        mean, p99, scv = section[key], section.get(f"{key}_p99"), section.get(f"{key}_scv")
        if p99 is not None:
            # The queue model's service law is the gamma with this mean and p99: it keeps the
            # p99 the scenario gives (a gamma with the lognormal's SCV has a lower one), and
            # its p99 response is within a few percent of the simulated lognormal's, above it.
            law = distributions.Gamma.from_mean_quantile(mean, p99)
            return cls(mean, float(law.scv), p99, f"lognormal through the mean and {key}_p99")
        if scv is not None:
            return cls(mean, float(scv), None, f"{key}_scv (gamma)")
        return cls(mean)

    @property
    def exponential(self) -> bool:
        return self.scv == 1.0 and self.p99_s is None

    def distribution(self) -> distributions.Distribution:
        """The service-time law: lognormal (p99 given), gamma, exponential or constant."""
        if self.p99_s is not None:
            return distributions.Lognormal.from_mean_quantile(self.mean_s, self.p99_s)
        if self.scv == 0.0:
            return distributions.Deterministic(self.mean_s)
        if self.scv == 1.0:
            return distributions.Exponential(self.mean_s)
        return distributions.Gamma(self.mean_s, self.scv)

    def _scv_argument(self) -> float | None:
        # M/M/c (exact, and the numbers of earlier versions) when exponential.
        return None if self.scv == 1.0 else self.scv

    def max_rate(self, vcpus: int, **targets: Any) -> float:
        """Most requests/s one node of ``vcpus`` takes within ``targets`` (see
        :func:`scalemodel.queueing.max_arrival_rate`)."""
        vcpus = whole("vcpus", vcpus, 1)
        return float(
            queueing.max_arrival_rate(1.0 / self.mean_s, vcpus, service_scv=self._scv_argument(), **targets)
        )

    def p99(self, load: Any, vcpus: int) -> Any:
        """p99 response (s) of one node of ``vcpus`` taking ``load`` requests/s."""
        vcpus = whole("vcpus", vcpus, 1)
        if self._scv_argument() is None:
            model: Any = queueing.MMc(load, 1.0 / self.mean_s, vcpus)
        else:
            model = queueing.GGc(load, self.mean_s, vcpus, 1.0, self.scv)
        return np.where(model.stable, model.response_quantile(_Q), np.inf)

    def describe(self) -> str:
        if self.p99_s is not None:
            return (
                f"lognormal, mean {self.mean_s * 1e3:g} ms, p99 {self.p99_s * 1e3:g} ms (SCV {self.scv:.3g})"
            )
        if self.exponential:
            return (
                f"exponential, mean {self.mean_s * 1e3:g} ms (p99 {self.mean_s * math.log(100) * 1e3:.3g} ms)"
            )
        return f"gamma, mean {self.mean_s * 1e3:g} ms, SCV {self.scv:g}"


@dataclass(frozen=True)
class Tier:
    """One tier of the plan, at the peak of its year. Loads and utilization are those of the
    busiest node (``imbalance`` x the mean: keys hashed onto a consistent-hash ring do not
    split evenly) when the peak is spread over ``count`` nodes. See the module's
    definitions of limited_by and headroom."""

    name: str
    instance: str
    count: int  #: nodes the peak needs (0 when no size meets the target)
    vcpus: int
    usd_per_month: float  #: (count + spares) x the instance's price
    load_per_node: float  #: mean load per node at peak, in ``load_unit``
    utilization: float  #: of the busiest node at peak
    p99_s: float  #: p99 response at peak (nan where not modelled)
    slo_p99_s: float  #: target (nan where none)
    headroom: float  #: traffic multiple at which a target or hard limit is first missed
    limited_by: str  #: what set the count
    imbalance: float = 1.0  #: busiest node's load over the mean (1 for balanced tiers)
    availability: float = math.nan  #: P(at least count of count + spares nodes up)
    spares: int = 0  #: extra nodes for failures (N+k and zones); included in the cost
    load_unit: str = "requests/s"
    cap_multiple: float = math.inf  #: traffic multiple at which the planning caps are reached
    breaks_on: str = ""  #: what is missed first at ``headroom``
    availability_without_spares: float = math.nan  #: P(all count nodes up)
    service: Service | None = None  #: service time of queue-sized tiers

    @property
    def nodes(self) -> int:
        """Nodes to run: the count the peak needs plus the spares."""
        return self.count + max(self.spares, 0)


@dataclass(frozen=True)
class YearPlan:
    """The plan sized for the end of one year: traffic, nodes and the bill of that time."""

    year: float
    peak_qps: float
    database_bytes: float  #: replicated
    object_bytes: float  #: replicated
    nodes: dict[str, int]  #: per tier, spares included
    costs: dict[str, float]  #: USD per month by item

    @property
    def usd_per_month(self) -> float:
        return float(sum(self.costs.values()))


@dataclass(frozen=True)
class Plan:
    """A capacity plan; build it with :func:`make_plan` or :func:`plan_file`. ``tiers``,
    ``traffic`` and ``costs`` are year 1's (the headline); ``years`` holds every year."""

    name: str
    scenario: dict[str, dict[str, Any]]
    traffic: cost.Traffic  #: year 1's traffic, which the tiers are sized for
    database_bytes: float  #: database data at the horizon, replicated
    object_bytes: float  #: object-storage data at the horizon, replicated
    tiers: tuple[Tier, ...]
    costs: dict[str, float]  #: year 1's USD per month by item
    problems: tuple[str, ...] = field(default=())  #: targets no size can meet
    years: tuple[YearPlan, ...] = field(default=())
    given: frozenset[str] | None = None  #: "section.key" set by the scenario (None: unknown)

    @property
    def feasible(self) -> bool:
        """False when some target cannot be met at any size."""
        return not self.problems

    @property
    def usd_per_month(self) -> float:
        """Year 1's monthly bill, spares included; nan for an infeasible plan (its tiers are
        incomplete, so no total would be honest)."""
        return float(sum(self.costs.values())) if self.feasible else math.nan

    @property
    def horizon_usd_per_month(self) -> float:
        """The monthly bill in the last year of the horizon; nan for an infeasible plan."""
        if not self.feasible or not self.years:
            return math.nan
        return self.years[-1].usd_per_month

    @property
    def availability(self) -> float:
        """P(every tier has the nodes the peak needs), spares counted, tiers independent;
        nan for an infeasible plan (a tier no size makes meet its target has none)."""
        return float(np.prod([t.availability for t in self.tiers]))

    @property
    def breaks_first(self) -> Tier:
        """The tier with the least headroom: where growth hurts first."""
        return min(self.tiers, key=lambda t: t.headroom)

    def summary(self) -> pd.DataFrame:
        """One row per tier (the service column left out; see ``tiers``)."""
        rows = [{k: v for k, v in vars(t).items() if k != "service"} | {"nodes": t.nodes} for t in self.tiers]
        return pd.DataFrame(rows).set_index("name")

    def cost_frame(self) -> pd.DataFrame:
        """Year 1's monthly cost by item, largest first."""
        frame = pd.DataFrame({"usd_per_month": self.costs}).sort_values("usd_per_month", ascending=False)
        frame["share"] = frame["usd_per_month"] / max(float(sum(self.costs.values())), 1e-300)
        return frame

    def timeline(self) -> pd.DataFrame:
        """One row per year: peak QPS, nodes per tier (spares included), stored data and
        the monthly bill, all sized for the end of that year."""
        rows = []
        for y in self.years:
            row: dict[str, Any] = {"year": y.year, "peak_qps": y.peak_qps}
            row.update({f"{k} nodes": v for k, v in y.nodes.items()})
            row["database_tb"] = y.database_bytes / 1e12
            row["object_storage_tb"] = y.object_bytes / 1e12
            row["usd_per_month"] = y.usd_per_month if self.feasible else math.nan
            rows.append(row)
        return pd.DataFrame(rows).set_index("year")

    def latency_curves(self, multipliers: Any = None) -> pd.DataFrame:
        """p99 response of the busiest node of the app and database tiers at multiples of
        year 1's peak (inf past saturation)."""
        m = np.linspace(0.1, 3.0, 59) if multipliers is None else np.asarray(multipliers, dtype=float)
        out = {"traffic_multiple": m}
        for t in self.tiers:
            if t.service is None or t.count == 0:
                continue
            load = m * t.load_per_node * t.imbalance
            stable = load * t.service.mean_s < t.vcpus
            curve = np.full(m.shape, np.inf)
            if stable.any():
                curve[stable] = t.service.p99(load[stable], t.vcpus)
            out[t.name] = curve
        return pd.DataFrame(out).set_index("traffic_multiple")

    def __repr__(self) -> str:
        if not self.feasible:
            return f"Plan({self.name!r}, INFEASIBLE): {'; '.join(self.problems)}"
        return (
            f"Plan({self.name!r}, feasible): peak {self.traffic.peak_qps:,.0f} req/s, "
            f"{sum(t.nodes for t in self.tiers)} nodes, ${self.usd_per_month:,.0f}/month in year 1 "
            f"(${self.horizon_usd_per_month:,.0f} in year {self.years[-1].year:g}); breaks first: "
            f"{self.breaks_first.name} at {self.breaks_first.headroom:.2f}x"
        )

    def write_report(
        self,
        out_dir: str | Path,
        sensitivity_table: pd.DataFrame | None = None,
        simulation: SimulatedCheck | None = None,
    ) -> list[Path]:
        """Write report.md, report.html and the plots they show into ``out_dir``; with
        ``sensitivity_table`` (from :func:`sensitivity`) or ``simulation`` (from
        :func:`simulate`) the report shows them too."""
        return _write_report(self, Path(out_dir), sensitivity_table, simulation)


@dataclass(frozen=True)
class SimulatedCheck:
    """Year 1's tiers at peak simulated end to end (:func:`simulate`) beside the plan's
    per-tier figures. ``table`` has one row per queue tier and one for the whole request;
    ``notes`` state where the simulation and the plan's assumptions differ."""

    table: pd.DataFrame
    result: Any  #: the :class:`~scalemodel.sim.SystemResult`
    scale: float  #: simulated traffic / the plan's peak (nodes scaled alike)
    slo_end_to_end_s: float  #: the scenario's end-to-end p99 target (nan: none)
    notes: tuple[str, ...]

    @property
    def meets_end_to_end(self) -> bool | None:
        """Whether the simulated end-to-end p99 meets the target (None without a target)."""
        if math.isnan(self.slo_end_to_end_s):
            return None
        p99_ms = cast(float, self.table.loc["whole request", "p99 sim (ms)"])
        return bool(p99_ms <= self.slo_end_to_end_s * 1e3)


def simulated_system(plan: Plan) -> tuple[Any, float]:
    """Year 1's tiers at peak as a :class:`~scalemodel.sim.System`, and the traffic scale.

    Requests enter the app tier (count nodes of ``vcpus`` slots, its service law, a random
    balancer, so each node sees Poisson traffic as the plan's M/G/c model assumes). A write
    (``users.write_fraction``) calls a database primary; a read calls the cache, which hits
    with the plan's hit ratio (its time is not modelled), and on a miss a replica. Every tier
    keeps its nodes' shape and per-node load; when the smallest queue tier has k > 1 nodes,
    traffic and node counts are divided by k (identical nodes, so per-node figures do not
    change) to keep the run small."""
    from scalemodel import sim

    tiers = {t.name: t for t in plan.tiers}
    queue_tiers = [t for t in plan.tiers if t.service is not None and t.count > 0]
    if not plan.feasible or "app" not in tiers or not queue_tiers:
        raise ValueError("only a feasible plan with an app tier can be simulated")
    scale = 1.0 / min(t.count for t in queue_tiers)
    nodes = {name: max(1, round(t.count * scale)) for name, t in tiers.items()}
    app = tiers["app"]
    scale = nodes["app"] / app.count  # the app's per-node load exactly the plan's
    write = float(plan.scenario["users"]["write_fraction"])
    system = sim.System(arrival_rate=float(plan.traffic.peak_qps) * scale)
    assert app.service is not None
    system.tier("app", nodes["app"], app.service.distribution(), concurrency=app.vcpus)
    db_reads = "database replicas" if "database replicas" in tiers else "database primaries"
    if write > 0 and "database primaries" in tiers:
        t = tiers["database primaries"]
        assert t.service is not None
        system.tier("database primaries", nodes[t.name], t.service.distribution(), concurrency=t.vcpus)
        system.call("app", "database primaries", probability=write)
    if write < 1:
        hit = cache_hit_ratio(plan.scenario["cache"]) if "cache" in tiers else 0.0
        t = tiers[db_reads]
        assert t.service is not None
        if db_reads not in [x.name for x in system.tiers]:
            system.tier(db_reads, nodes[db_reads], t.service.distribution(), concurrency=t.vcpus)
        if hit > 0:
            system.tier("cache", nodes.get("cache", 1), 0, concurrency=100_000, hit_probability=hit)
            system.call("app", "cache", probability=1 - write)
            system.call("app", db_reads, after_miss=True)
        else:
            system.call("app", db_reads, probability=1 - write)
    return system, scale


def simulate(
    plan: Plan, *, requests: int | None = None, replications: int = 8, seed: int = 0, threads: int = 0
) -> SimulatedCheck:
    """Simulate year 1's tiers at peak end to end (:func:`simulated_system`) and set the
    simulated per-node utilization and p99 of each queue tier beside the plan's (at the
    mean node: the plan's busiest-node figures add the key imbalance, which the simulation
    does not draw), and the whole request's p99 beside ``scenario.slo_p99``.
    requests: per replication (default: enough for 300 mean service times of the slowest
    tier, at least 100,000)."""
    system, scale = simulated_system(plan)
    rate = system.arrivals.rate
    slowest = max(t.service.mean for t in system.tiers)
    if requests is None:
        requests = int(min(max(100_000, 300 * slowest * rate), 5_000_000))
    result = system.simulate(requests=requests, replications=replications, seed=seed, threads=threads)
    rows = {}
    simulated = result.tiers()
    for t in plan.tiers:
        if t.name not in simulated.index or t.service is None:
            continue
        name = t.name
        sim_nodes = next(x for x in system.tiers if x.name == name).servers
        low, high = result.tier_ci(name, "utilization")
        rows[name] = {
            "nodes plan": t.count,
            "nodes sim": sim_nodes,
            "load/node plan (per s)": t.load_per_node,
            "load/node sim (per s)": simulated.loc[name, "throughput"] / sim_nodes,
            "util plan": float(t.load_per_node * t.service.mean_s / t.vcpus),
            "util sim": simulated.loc[name, "utilization"],
            "util sim 95% CI": f"{low:.3f}-{high:.3f}",
            "slots held sim": simulated.loc[name, "occupancy"],
            "p99 plan (ms)": float(t.service.p99(t.load_per_node, t.vcpus)) * 1e3,
            "p99 sim (ms)": float(result.tier_quantile(name, _Q)) * 1e3,
            "p99 sim 95% CI (ms)": "{:.1f}-{:.1f}".format(
                *(1e3 * x for x in result.tier_ci(name, "p99_own"))
            ),
        }
    rows["whole request"] = {
        "p99 sim (ms)": float(result.response_quantile(_Q)) * 1e3,
        "p99 sim 95% CI (ms)": "{:.1f}-{:.1f}".format(*(1e3 * x for x in result.ci("p99_response"))),
        "util sim 95% CI": "",
    }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "tier"
    slo = float(plan.scenario["scenario"].get("slo_p99") or math.nan)
    notes = (
        f"Simulated at {scale:.3g} x the peak ({rate:,.0f} requests/s) with node counts scaled alike; "
        f"{result.replications} replications of {requests:,} requests.",
        "Each tier's p99 is its own time per visit (wait and service, calls left out), as the plan's "
        "per-node queue model predicts; the plan's figures here are those of the mean node.",
        "In the simulation an app request keeps its vCPU's slot while it waits on the cache and database "
        "(one request per worker thread), so app slots are held longer than its CPU is busy and its p99 "
        "rises above the plan's, which frees the vCPU at once; the gap grows with the database's share "
        "of a request's time.",
        "Not simulated: the key imbalance between database nodes (the plan sizes for the busiest), "
        "the cache's own latency, the network between tiers.",
        "A request both writes and reads with probability write_fraction x (1 - write_fraction); the "
        "per-tier loads are exact.",
    )
    return SimulatedCheck(table, result, scale, slo, notes)


@contextlib.contextmanager
def _sizing(tier: str, keys: str) -> Iterator[None]:
    """Name the tier, and the scenario keys its count follows from, in a count's error."""
    try:
        yield
    except ValueError as e:
        raise ValueError(f"{tier}: {e} (the count follows from {keys})") from None


def _ceil(x: float) -> int:
    if not math.isfinite(x):
        raise ValueError(f"a node count came out as {x}: check the scenario's rates and limits")
    return math.ceil(x * (1 - 1e-12))


@dataclass(frozen=True)
class _Capacity:
    """What one node takes: requests/s within every planning target (``rate``), within the
    p99 target alone (``p99_rate``, 0 when unreachable) and the name of what binds."""

    rate: float
    p99_rate: float
    binding: str


@functools.lru_cache(maxsize=256)
def _node_capacity(service: Service, vcpus: int, slo: float, max_utilization: float) -> _Capacity:
    p99_rate = service.max_rate(vcpus, response_time=slo, quantile=_Q)
    util_rate = max_utilization * vcpus / service.mean_s
    if p99_rate < util_rate:
        return _Capacity(p99_rate, p99_rate, f"p99 target {slo * 1e3:g} ms")
    return _Capacity(util_rate, p99_rate, f"utilization cap {max_utilization:g}")


def _count(load: float, rate: float, binding: str, minimum: int = 1) -> tuple[int, str]:
    """Nodes for ``load`` at ``rate`` each, at least ``minimum``, and what set the count."""
    need = _ceil(load / rate) if load > 0 else 0
    if need < minimum:
        return minimum, f"minimum of {minimum} node{'s' if minimum != 1 else ''}"
    return need, binding


def _first_break(limits: dict[str, float]) -> tuple[float, str]:
    """The smallest traffic multiple among named limits, and its name."""
    name = min(limits, key=lambda k: limits[k])
    return limits[name], name


def _room(limit_per_node: float, nodes: float, load: float) -> float:
    """How many times ``load`` fits in ``nodes`` nodes of ``limit_per_node`` each (inf when
    there is no load, or no nodes to fill)."""
    return limit_per_node * nodes / load if load > 0 and nodes else math.inf


def _queue_tier(
    name: str,
    inst: cost.Instance,
    count: int,
    load: float,
    service: Service,
    slo: float,
    capacity: _Capacity,
    limited_by: str,
    imbalance: float = 1.0,
    load_unit: str = "requests/s",
    hard_limits: dict[str, float] | None = None,
    detail: bool = True,
) -> Tier:
    """A queue-sized tier. ``hard_limits``: further per-node limits in load units (reads/s,
    writes/s of the catalogue) and traffic multiples (storage)."""
    per_node = load / count if count else 0.0
    busiest = per_node * imbalance
    util = busiest * service.mean_s / inst.vcpus
    limits = {f"p99 target {slo * 1e3:g} ms": capacity.p99_rate / busiest if busiest > 0 else math.inf}
    limits.update(hard_limits or {})
    headroom, breaks_on = _first_break(limits) if count else (0.0, "no size meets the target")
    return Tier(
        name=name,
        instance=inst.name,
        count=count,
        vcpus=inst.vcpus,
        usd_per_month=count * inst.usd_per_month,
        load_per_node=per_node,
        utilization=util,
        p99_s=float(service.p99(busiest, inst.vcpus)) if count and detail else math.nan,
        slo_p99_s=slo,
        headroom=headroom,
        limited_by=limited_by,
        imbalance=imbalance,
        load_unit=load_unit,
        cap_multiple=capacity.rate / busiest if busiest > 0 and count else math.inf,
        breaks_on=breaks_on,
        service=service,
    )


def _with_spares(tier: Tier, price: float, node_availability: float, target: float, zones: int) -> Tier:
    """Add the fewest spares that (a) lift P(at least count nodes up) to ``target``, nodes
    independent, and (b) with ``zones`` >= 2, keep ``count`` nodes through the loss of a
    whole zone (nodes spread evenly). Spares -1 when (a) is out of reach."""
    if tier.count == 0:
        return replace(tier, availability=math.nan, availability_without_spares=math.nan)
    n = tier.count
    extra = np.arange(0, max(16, int(n * (1 - node_availability) * 20) + 16))
    # Compare unavailabilities: accurate to twelve nines, where 1 - x would round.
    down = np.atleast_1d(reliability.k_of_n_unavailability(n, n + extra, node_availability))
    meets = np.nonzero(down <= 1.0 - target)[0]
    if not meets.size:
        return replace(
            tier,
            spares=-1,
            availability=float(1.0 - down[0]),
            availability_without_spares=float(1.0 - down[0]),
        )
    spares = int(extra[meets[0]])
    if zones >= 2:
        total = n + spares
        while total - math.ceil(total / zones) < n:
            total += 1
        spares = total - n
    up = float(reliability.k_of_n(n, n + spares, node_availability))
    return replace(
        tier,
        spares=spares,
        availability=up,
        availability_without_spares=float(1.0 - down[0]),
        usd_per_month=(n + spares) * price,
    )


def ring_imbalance(nodes: int, virtual_nodes: int = 150) -> float:
    """Expected busiest node's share of uniformly hashed keys over the mean share, on a
    consistent-hash ring with ``virtual_nodes`` points per node
    (:func:`scalemodel.hashing.expected_ring_imbalance`); 1 for one node or
    ``virtual_nodes=0`` (an even split, as range or directory placement can give)."""
    nodes = whole("nodes", nodes, 1)
    virtual_nodes = whole("virtual_nodes", virtual_nodes, 0)
    if nodes <= 1 or virtual_nodes == 0:
        return 1.0
    if nodes > 1 << 24:
        raise ValueError(f"a tier of {nodes:,} nodes is beyond what the planner models (at most 16,777,216)")
    return hashing.expected_ring_imbalance(int(nodes), int(virtual_nodes))


def _count_with_imbalance(
    first: int, virtual_nodes: int, count_for: Callable[[float], int]
) -> tuple[int, float]:
    """Grow a node count until the busiest node, not the mean one, fits. The imbalance grows
    with the count, so iterating from the even-split count reaches the least count that
    fits (a few steps)."""
    n = first
    for _ in range(50):
        imb = ring_imbalance(n, virtual_nodes)
        need = count_for(imb)
        if need <= n:
            return n, imb
        n = need
    return n, ring_imbalance(n, virtual_nodes)


def cache_hit_ratio(cache: dict[str, Any]) -> float:
    """The hit ratio of a scenario's [cache]: as given; else, with ``zipf_alpha`` and
    ``objects``, Che's approximation for an LRU cache holding ``working_set_fraction`` of the
    objects (independent requests); else :data:`~scalemodel.scenario.DEFAULT_HIT_RATIO`."""
    if not isinstance(cache, dict):
        raise TypeError(f"cache must be a scenario's [cache] section (a dict), got {type(cache).__name__}")
    if cache.get("zipf_alpha") is not None:
        objects = max(1, round(cache["objects"]))
        held = cache["working_set_fraction"] * objects
        return float(caching.che_hit_ratio(cache["zipf_alpha"], objects, held))
    given = cache.get("hit_ratio")
    return DEFAULT_HIT_RATIO if given is None else float(given)


def _catalogue(catalogue: Any) -> cost.Catalogue:
    """The catalogue given, or the bundled one for None."""
    if catalogue is None:
        return cost.Catalogue.load()
    if not isinstance(catalogue, cost.Catalogue):
        raise TypeError(f"catalogue must be a cost.Catalogue or None, got {type(catalogue).__name__}")
    return catalogue


def _fill_defaults(scenario: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Scenarios from parse_scenario carry every key; fill hand-built ones, so the plan's
    scenario always has them."""
    s = {k: dict(v) for k, v in scenario.items()}
    for section in ("reliability", "app", "database"):
        s[section] = {**section_defaults(section), **s.get(section, {})}
    if "cache" in s:
        s["cache"] = {**s["cache"], "hit_ratio": cache_hit_ratio(s["cache"])}
    return s


@dataclass(frozen=True)
class _Sized:
    traffic: cost.Traffic
    database_bytes: float
    object_bytes: float
    tiers: tuple[Tier, ...]
    costs: dict[str, float]
    problems: tuple[str, ...]


def _growth(rate: float, year: float) -> float:
    """(1 + rate)^year, inf past double range (Python's ``**`` raises OverflowError)."""
    try:
        return (1.0 + rate) ** year
    except OverflowError:
        return math.inf


def _check_scale(s: dict[str, dict[str, Any]], year: float) -> None:
    """Refuse, naming the scenario keys, a scenario whose figures leave double range (the
    cost calculators would otherwise report their own parameter names, in their units)."""
    users, data = s["users"], s["data"]
    growth = _growth(data["yearly_growth"], year)
    grown = "users.daily_active" + (" x (1 + data.yearly_growth)^years" if data["yearly_growth"] else "")
    per_day = users["daily_active"] * growth * users["requests_per_day"]
    figures = [
        (per_day * users["peak_to_average"], "requests per day at peak",
         f"{grown} x users.requests_per_day x users.peak_to_average"),
        (per_day * users["write_fraction"] * data["bytes_per_write"] * 365.25 * year * data["replication"],
         "database bytes", f"{grown} x users.requests_per_day x users.write_fraction x data.bytes_per_write "
         "x data.replication over scenario.years"),
        (per_day * users["write_fraction"] * data["media_bytes_per_write"] * 365.25 * year * data["replication"],
         "object-storage bytes", f"{grown} x users.requests_per_day x users.write_fraction x "
         "data.media_bytes_per_write x data.replication over scenario.years"),
        (users["daily_active"] * growth * data["media_bytes_per_user_per_day"] * 30, "media bytes per month",
         f"{grown} x data.media_bytes_per_user_per_day"),
        (per_day * data["response_bytes"] * 30, "app egress bytes per month",
         f"{grown} x users.requests_per_day x data.response_bytes"),
    ]  # fmt: skip
    for value, what, keys in figures:
        if not value < 1e300:  # leaves room for the calculators' own products
            raise ValueError(f"{keys} gives {what} beyond what can be computed ({value:.3g}); lower them")


def _size(s: dict[str, dict[str, Any]], cat: cost.Catalogue, year: float, detail: bool = True) -> _Sized:
    """Every tier and the bill at the end of ``year``: traffic grown (1 + g)^year, and the
    data written by then. Without ``detail`` the p99 at peak is left out (nan): the
    timeline's later years need only counts and costs."""
    users, data, app, db = s["users"], s["data"], s["app"], s["database"]
    _check_scale(s, year)
    growth = _growth(data["yearly_growth"], year)
    problems: list[str] = []

    today = cost.estimate_traffic(
        users["daily_active"], users["requests_per_day"], users["write_fraction"], users["peak_to_average"]
    )
    traffic = cost.estimate_traffic(
        users["daily_active"] * growth,
        users["requests_per_day"],
        users["write_fraction"],
        users["peak_to_average"],
    )
    peak_reads, peak_writes = float(traffic.peak_read_qps), float(traffic.peak_write_qps)
    writes_per_day = float(today.writes_per_day)
    db_bytes_raw = float(
        cost.stored_bytes(writes_per_day * data["bytes_per_write"], year, 1.0, data["yearly_growth"])
    )
    db_bytes = db_bytes_raw * data["replication"]
    object_bytes = float(
        cost.stored_bytes(
            writes_per_day * data["media_bytes_per_write"], year, data["replication"], data["yearly_growth"]
        )
    )

    tiers: list[Tier] = []
    # App tier: the p99 target or the utilization cap sets how much load one server takes.
    inst = cat.instance(app["instance"])
    service = Service.from_section(app, "cpu_time")
    cap = _node_capacity(service, inst.vcpus, app["slo_p99"], app["max_utilization"])
    peak = float(traffic.peak_qps)
    if cap.p99_rate <= 0:
        problems.append(_unreachable("app", service, app["slo_p99"]))
        count, limited = 0, "p99 target unreachable"
    else:
        with _sizing(
            "app", "the peak requests/s (users.*), app.cpu_time, app.slo_p99 and app.max_utilization"
        ):
            count, limited = _count(peak, cap.rate, cap.binding)
    tiers.append(_queue_tier("app", inst, count, peak, service, app["slo_p99"], cap, limited, detail=detail))

    # Cache tier: memory for the working set and throughput for the hits.
    hit = 0.0
    if "cache" in s:
        c = s["cache"]
        hit = c["hit_ratio"]
        cinst = cat.instance(c["instance"])
        cache_qps = peak_reads * hit
        working_set = db_bytes_raw * c["working_set_fraction"]
        node_qps = cat.limits.get("cache_max_qps", 100_000.0)
        node_bytes = min(cinst.memory_gb * 1e9, cat.limits.get("cache_max_bytes", math.inf))
        with _sizing(
            "cache",
            "the peak reads/s (users.*), the stored data (data.*), cache.hit_ratio, cache.working_set_fraction and cache.fill",
        ):
            nodes, cimb = _count_with_imbalance(
                int(cost.cache_nodes(working_set, cache_qps, node_bytes, node_qps, c["fill"])),
                c["virtual_nodes"],
                lambda imb: int(
                    cost.cache_nodes(working_set * imb, cache_qps * imb, node_bytes, node_qps, c["fill"])
                ),
            )
        by_memory = working_set / node_bytes >= cache_qps / node_qps
        need = max(working_set / node_bytes, cache_qps / node_qps) * cimb / c["fill"]
        limited = (
            "minimum of 1 node"
            if need <= 1 and nodes == 1
            else (f"memory (fill {c['fill']:g})" if by_memory else f"throughput (fill {c['fill']:g})")
        )

        def room(capacity: float, demand: float) -> float:
            return nodes * capacity / (demand * cimb) if demand > 0 else math.inf

        # Sustained growth grows the data (and so the working set) with traffic.
        headroom, breaks_on = _first_break(
            {
                f"memory {node_bytes / 1e9:g} GB per node": room(node_bytes, working_set),
                f"throughput {node_qps:,.0f} ops/s per node": room(node_qps, cache_qps),
            }
        )
        tiers.append(
            Tier(
                name="cache",
                instance=cinst.name,
                count=nodes,
                vcpus=cinst.vcpus,
                usd_per_month=nodes * cinst.usd_per_month,
                load_per_node=cache_qps / nodes,
                utilization=cache_qps * cimb / (nodes * node_qps),
                p99_s=math.nan,
                slo_p99_s=math.nan,
                headroom=headroom,
                limited_by=limited,
                imbalance=cimb,
                load_unit="cache reads/s",
                cap_multiple=headroom * c["fill"],
                breaks_on=breaks_on,
            )
        )

    # Database: shards for writes and bytes, replicas per shard for the reads that miss.
    dinst = cat.instance(db["instance"])
    dservice = Service.from_section(db, "query_time")
    dcap = _node_capacity(dservice, dinst.vcpus, db["slo_p99"], db["max_utilization"])
    db_reads = peak_reads * (1.0 - hit)
    max_writes = db["max_write_qps_per_shard"] or cat.limits.get("database_max_write_qps", math.inf)
    max_bytes = db["max_bytes_per_shard"] or cat.limits.get("database_max_bytes", math.inf)
    max_reads = cat.limits.get("database_max_read_qps", math.inf)
    if dcap.p99_rate <= 0:
        problems.append(_unreachable("database", dservice, db["slo_p99"]))
        shards, replicas, dimb = 0, 0, 1.0
        write_cap = read_cap = dcap
        shard_reason = replica_reason = "p99 target unreachable"
    else:
        write_cap = _Capacity(min(dcap.rate, max_writes), dcap.p99_rate, dcap.binding)
        if max_writes < dcap.rate:
            write_cap = replace(write_cap, binding=f"write limit {max_writes:,.0f}/s per shard")
        read_cap = _Capacity(min(dcap.rate, max_reads), dcap.p99_rate, dcap.binding)
        if max_reads < dcap.rate:
            read_cap = replace(read_cap, binding=f"read limit {max_reads:,.0f}/s per node")
        with _sizing(
            "database primaries",
            "the peak writes/s (users.*), the stored data (data.*), database.query_time, database.max_utilization, database.max_write_qps_per_shard and database.max_bytes_per_shard",
        ):
            shards, dimb = _count_with_imbalance(
                int(cost.shard_count(peak_writes, db_bytes_raw, write_cap.rate, max_bytes, 1.0)),
                db["virtual_nodes"],
                lambda imb: int(
                    cost.shard_count(peak_writes * imb, db_bytes_raw * imb, write_cap.rate, max_bytes, 1.0)
                ),
            )
        by_bytes, by_writes = db_bytes_raw * dimb / max_bytes, peak_writes * dimb / write_cap.rate
        shard_reason = (
            "minimum of 1 shard"
            if max(by_bytes, by_writes) <= 1 and shards == 1
            else (f"storage {max_bytes / 1e12:g} TB per shard" if by_bytes > by_writes else write_cap.binding)
        )
        with _sizing(
            "database replicas",
            "the peak reads/s (users.*), database.query_time, database.slo_p99 and database.max_utilization",
        ):
            need = _ceil(db_reads * dimb / shards / read_cap.rate) if db_reads > 0 else 0
        replicas = max(db["min_replicas"], need)
        replica_reason = (
            f"minimum of {db['min_replicas']} replica{'s' if db['min_replicas'] != 1 else ''} per shard"
            if need < db["min_replicas"] or need == 0
            else read_cap.binding
        )
    storage_room = {
        f"storage {max_bytes / 1e12:g} TB per shard": _room(max_bytes, shards, db_bytes_raw * dimb)
    }
    primaries = _queue_tier(
        "database primaries",
        dinst,
        shards,
        peak_writes,
        dservice,
        db["slo_p99"],
        write_cap,
        shard_reason,
        dimb,
        "writes/s",
        {f"write limit {max_writes:,.0f}/s": _room(max_writes, shards, peak_writes * dimb), **storage_room},
        detail=detail,
    )
    primaries = replace(primaries, cap_multiple=min(primaries.cap_multiple, *storage_room.values()))
    tiers.append(primaries)
    n_replicas = shards * replicas
    tiers.append(
        _queue_tier(
            "database replicas",
            dinst,
            n_replicas,
            db_reads,
            dservice,
            db["slo_p99"],
            read_cap,
            replica_reason,
            dimb,
            "reads/s",
            {f"read limit {max_reads:,.0f}/s": _room(max_reads, n_replicas, db_reads * dimb)},
            detail=detail,
        )
    )

    # Spares: each tier is sized for the peak, so it needs all its nodes; spares lift it to
    # the target (k of n nodes up, independent, each up with node_availability).
    rel = s["reliability"]
    prices = {t.name: cat.instance(t.instance).usd_per_month for t in tiers}
    tiers = [
        _with_spares(t, prices[t.name], rel["node_availability"], rel["target"], rel["zones"]) for t in tiers
    ]
    for t in tiers:
        if t.spares < 0:
            problems.append(
                f"{t.name}: no number of spares lifts {t.count} nodes at {rel['node_availability']:g} each "
                f"to {rel['target']:g} availability"
            )

    # Bandwidth and storage, in the same time frame.
    app_egress = float(traffic.average_qps) * data["response_bytes"] * cost.SECONDS_PER_MONTH
    media_per_month = users["daily_active"] * growth * data["media_bytes_per_user_per_day"] * 30
    bw = cat.bandwidth
    cdn = cost.cdn_vs_origin(
        media_per_month, bw["origin_usd_per_gb"], bw["cdn_usd_per_gb"], data["cdn_hit_ratio"]
    )
    st = cat.storage
    costs = {t.name: t.usd_per_month for t in tiers}
    costs["database storage"] = db_bytes / 1e9 * st["block_usd_per_gb_month"]
    costs["object storage"] = object_bytes / 1e9 * st["object_usd_per_gb_month"]
    costs["app egress"] = app_egress / 1e9 * bw["origin_usd_per_gb"]
    costs["media delivery (CDN)"] = float(cdn.with_cdn_usd)
    return _Sized(traffic, db_bytes, object_bytes, tuple(tiers), costs, tuple(problems))


def _years(horizon: float) -> list[float]:
    """Year marks 1, 2, ..., the horizon (the last one may be fractional)."""
    marks = [float(y) for y in range(1, math.ceil(horizon))]
    return [*marks, float(horizon)]


def make_plan(
    scenario: dict[str, dict[str, Any]], catalogue: cost.Catalogue | None = None, *, timeline: bool = True
) -> Plan:
    """Size every tier of a validated scenario (see :mod:`scalemodel.scenario`), for each
    year of its horizon; the plan's tiers and costs are year 1's. ``timeline=False`` sizes
    year 1 and the horizon only (what :func:`sensitivity` needs)."""
    cat = _catalogue(catalogue)
    check_values(scenario)
    s = _fill_defaults(scenario)
    horizon = s["scenario"]["years"]
    marks = _years(horizon)
    if not timeline:
        marks = sorted({marks[0], marks[-1]})
    sized = [_size(s, cat, y, detail=(i == 0)) for i, y in enumerate(marks)]
    first, last = sized[0], sized[-1]
    years = tuple(
        YearPlan(
            year=y,
            peak_qps=float(z.traffic.peak_qps),
            database_bytes=z.database_bytes,
            object_bytes=z.object_bytes,
            nodes={t.name: t.nodes for t in z.tiers},
            costs=z.costs,
        )
        for y, z in zip(marks, sized)
    )
    return Plan(
        name=s["scenario"]["name"],
        scenario=s,
        traffic=first.traffic,
        database_bytes=last.database_bytes,
        object_bytes=last.object_bytes,
        tiers=first.tiers,
        costs=first.costs,
        problems=first.problems,
        years=years,
        given=getattr(scenario, "given", None),
    )


def _unreachable(tier: str, service: Service, slo: float) -> str:
    reason = queueing.why_no_servers(
        1.0 / service.mean_s, response_time=slo, quantile=_Q, service_scv=service.scv
    )
    return f"{tier}: a p99 of {slo * 1e3:g} ms cannot be met at any size: {reason}"


def _kinds(catalogue: cost.Catalogue) -> dict[str, str]:
    return {name: inst.kind for name, inst in catalogue.instances.items()}


def plan_file(
    path: str | Path, catalogue: cost.Catalogue | None = None, overrides: dict[str, Any] | None = None
) -> Plan:
    """Validate the scenario file at ``path`` (instances against the catalogue) and plan it.
    ``overrides``: "section.key" -> value, replacing the file's (as ``--set`` does)."""
    cat = _catalogue(catalogue)
    return make_plan(load_scenario(path, _kinds(cat), overrides), cat)


def examples() -> dict[str, Path]:
    """The scenarios bundled with the package (startup, twitter, instagram): name -> file.
    They ship inside the package, so they are there wherever it is installed."""
    from importlib import resources

    folder = Path(str(resources.files("scalemodel").joinpath("data", "examples")))
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}


def example_path(name: str) -> Path:
    """The bundled scenario file ``name`` (see :func:`examples`), e.g.
    ``sm.plan.plan_file(sm.plan.example_path("twitter"))``."""
    found = examples()
    if not isinstance(name, str) or name not in found:
        raise ValueError(f"name: no bundled example {name!r}; bundled: {', '.join(found)}")
    return found[name]


def plan_text(text: str, catalogue: cost.Catalogue | None = None) -> Plan:
    """Plan a scenario given as TOML text."""
    cat = _catalogue(catalogue)
    return make_plan(parse_scenario(text, instances=_kinds(cat)), cat)


def scaling_options(
    arrival_rate: float,
    cpu_time: float,
    slo_p99: float,
    *,
    kind: str = "compute",
    max_utilization: float = 0.8,
    cpu_time_scv: float = 1.0,
    catalogue: cost.Catalogue | None = None,
) -> pd.DataFrame:
    """Vertical versus horizontal: for each instance of ``kind`` in the catalogue, how many
    are needed to serve ``arrival_rate`` (requests/s) of ``cpu_time`` seconds each (mean;
    ``cpu_time_scv`` its squared coefficient of variation, 1 exponential) with a p99
    response of at most ``slo_p99`` seconds and utilization at most ``max_utilization``,
    and what they cost a month. One row per instance, cheapest first; ``limited_by`` says
    what set the count. When no count meets the target, ``machines`` is inf, ``limited_by``
    says why, and ``utilization`` and ``p99_s`` are their limits as the count grows: 0 and
    what one request alone takes."""
    for name, value in (("arrival_rate", arrival_rate), ("cpu_time", cpu_time), ("slo_p99", slo_p99)):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not (0 < number(name, value) < math.inf)
        ):
            raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    if not (0 < number("max_utilization", max_utilization) <= 1):
        raise ValueError(f"max_utilization must be in (0, 1], got {max_utilization!r}")
    if (
        isinstance(cpu_time_scv, bool)
        or not isinstance(cpu_time_scv, (int, float))
        or not (0 <= cpu_time_scv < 100)
    ):
        raise ValueError(f"cpu_time_scv must be a number in [0, 100), got {cpu_time_scv!r}")
    cat = _catalogue(catalogue)
    service = Service(float(cpu_time), float(cpu_time_scv))
    rows = []
    for inst in cat.of_kind(kind):
        cap = _node_capacity(service, inst.vcpus, slo_p99, max_utilization)
        if cap.p99_rate <= 0:
            n: float = math.inf
            limited = "unreachable: " + queueing.why_no_servers(
                1.0 / cpu_time, response_time=slo_p99, service_scv=cpu_time_scv
            )
        else:
            with _sizing(inst.name, "arrival_rate, cpu_time, slo_p99 and max_utilization"):
                n, limited = _count(arrival_rate, cap.rate, cap.binding)
        finite = math.isfinite(n)
        load = arrival_rate / n if finite else 0.0
        rows.append(
            {
                "instance": inst.name,
                "vcpus": inst.vcpus,
                "machines": n,
                "total_vcpus": n * inst.vcpus,
                # Unreachable: the limits as the count grows, no load and a request alone.
                "utilization": load * cpu_time / inst.vcpus,
                "p99_s": float(service.p99(load, inst.vcpus)),
                "usd_per_month": n * inst.usd_per_month,
                "limited_by": limited,
            }
        )
    if not rows:
        raise ValueError(f"the catalogue has no instances of kind {kind!r}")
    return pd.DataFrame(rows).set_index("instance").sort_values(["usd_per_month", "machines"])


#: Inputs :func:`sensitivity` can vary, by short name: (section, key).
SENSITIVITY_INPUTS = {
    "traffic": ("users", "daily_active"),
    "cpu_time": ("app", "cpu_time"),
    "query_time": ("database", "query_time"),
    "hit_ratio": ("cache", "hit_ratio"),
    "bytes_per_write": ("data", "bytes_per_write"),
    "write_fraction": ("users", "write_fraction"),
    "peak_to_average": ("users", "peak_to_average"),
}


def _input_key(name: str) -> tuple[str, str]:
    if name in SENSITIVITY_INPUTS:
        return SENSITIVITY_INPUTS[name]
    if "." in name:
        section, key = name.split(".", 1)
        return section, key
    raise ValueError(
        f"inputs: unknown sensitivity input {name!r}; give one of {', '.join(SENSITIVITY_INPUTS)} or a section.key"
    )


def sensitivity(
    scenario: dict[str, dict[str, Any]],
    changes: Any = (-0.2, 0.0, 0.2),
    catalogue: cost.Catalogue | None = None,
    *,
    inputs: Any = ("traffic",),
) -> pd.DataFrame:
    """The plan with each of ``inputs`` (names of :data:`SENSITIVITY_INPUTS` or
    "section.key") changed by each fraction in ``changes`` (-0.2 = 20% less; hit_ratio and
    write_fraction are capped at 1), one at a time:
    nodes per tier (spares included), year 1's monthly cost and the least headroom. Indexed
    by ``<input>_change`` for one input, by (input, change) for several. Runs on
    :func:`sm.sweep`."""
    from scalemodel.sweeps import sweep

    if not isinstance(scenario, dict):
        raise TypeError(
            f"scenario must be a dict of sections (a Plan's .scenario), got {type(scenario).__name__}"
        )
    cat = _catalogue(catalogue)
    changes = [number("changes", c) for c in np.atleast_1d(np.asarray(changes, dtype=object))]
    if not changes or any(not (-1.0 < c < math.inf) for c in changes):
        raise ValueError(f"changes must be finite fractions > -1, got {changes}")
    names = (
        [inputs] if isinstance(inputs, str) else list(inputs) if isinstance(inputs, (list, tuple)) else None
    )
    if not names or not all(isinstance(n, str) for n in names):
        raise TypeError(f"inputs must be an input name or a list of them (e.g. 'traffic'), got {inputs!r}")
    keys = {n: _input_key(n) for n in names}
    for n, (section, key) in keys.items():
        value = scenario.get(section, {}).get(key)
        if key == "hit_ratio" and "cache" in scenario:
            value = cache_hit_ratio(scenario["cache"])
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"sensitivity input {n!r} ({section}.{key}) is not a number in this scenario")

    def one(input: str, change: float, seed: int) -> dict[str, float]:
        section, key = keys[input]
        s = {k: dict(v) for k, v in scenario.items()}
        base = cache_hit_ratio(s["cache"]) if key == "hit_ratio" else s[section][key]
        if key == "hit_ratio":
            s["cache"]["zipf_alpha"] = s["cache"]["objects"] = None
        value = base * (1.0 + change)
        if key in ("hit_ratio", "write_fraction"):
            value = min(value, 1.0)
        s[section][key] = value
        p = make_plan(s, cat, timeline=False)
        out = {f"{t.name} nodes": float(t.nodes) for t in p.tiers}
        out["usd_per_month"] = p.usd_per_month
        out["min_headroom"] = p.breaks_first.headroom
        return out

    frame = sweep(one, {"input": names, "change": changes}, executor="serial")
    keep = [c for c in frame.columns if c.endswith("_mean")]
    frame = frame.set_index(["input", "change"])[keep].rename(columns=lambda c: c[: -len("_mean")])
    if len(names) == 1:
        frame = frame.droplevel("input")
        frame.index.name = f"{names[0]}_change"
    return frame


# --- report ---------------------------------------------------------------------------


def _num(x: Any, digits: int = 3) -> str:
    """A number for people: thousands separators, no exponent below 1e15, "-" for nan."""
    if x is None:
        return "-"
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}"
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return "-"
        if math.isinf(x):
            return "unbounded" if x > 0 else "-inf"
        if x == int(x) and abs(x) < 1e15:
            return f"{int(x):,}"
        if abs(x) >= 10**digits:
            return f"{x:,.0f}"
        return f"{x:,.{digits}g}" if abs(x) >= 1e-3 else f"{x:.{digits}g}"
    return str(x)


def _usd(x: float) -> str:
    return "-" if not math.isfinite(x) else f"${x:,.0f}"


def _ms(x: float) -> str:
    return "-" if not math.isfinite(x) else f"{x * 1e3:,.3g}"


def _times(x: float) -> str:
    return "-" if math.isnan(x) else ("unbounded" if math.isinf(x) else f"{x:.2f}x")


_TIER_UNITS = {"app": "requests/s", "cache": "cache reads/s", "database primaries": "writes/s"}


def _tier_table(plan: Plan, row: Callable[[Tier, bool], dict[str, Any]]) -> pd.DataFrame:
    """One row per tier, indexed by its name: ``row(tier, sized)``, where ``sized`` is False
    for a tier no size meets the target."""
    index = pd.Index([t.name for t in plan.tiers], name="tier")
    return pd.DataFrame([row(t, t.count > 0) for t in plan.tiers], index=index)


def _sizing_table(plan: Plan) -> pd.DataFrame:
    def row(t: Tier, ok: bool) -> dict[str, Any]:
        return {
            "instance": t.instance,
            "vCPUs per node": _num(t.vcpus),
            "nodes for peak": _num(t.count) if ok else "cannot be met",
            "spares": (_num(t.spares) if t.spares >= 0 else "out of reach") if ok else "-",
            "nodes to run": _num(t.nodes) if ok else "-",
            "load per node at peak": f"{_num(t.load_per_node)} {t.load_unit}" if ok else "-",
            "limited by": t.limited_by,
            "USD per month (spares incl.)": _usd(t.usd_per_month) if ok else "-",
        }

    return _tier_table(plan, row)


def _performance_table(plan: Plan) -> pd.DataFrame:
    def row(t: Tier, ok: bool) -> dict[str, Any]:
        return {
            "service time": t.service.describe() if t.service else "-",
            "busiest node / mean (imbalance)": _num(t.imbalance),
            "busiest node utilization": _num(t.utilization) if ok else "-",
            "p99 at peak (ms)": _ms(t.p99_s),
            "p99 target (ms)": _ms(t.slo_p99_s),
            "planning caps reached at (x peak)": _times(t.cap_multiple) if ok else "-",
            "headroom (x peak)": _times(t.headroom) if ok else "-",
            "first missed at headroom": t.breaks_on or "-",
        }

    return _tier_table(plan, row)


def _timeline_table(plan: Plan) -> pd.DataFrame:
    frame = plan.timeline()
    out = pd.DataFrame(index=pd.Index([f"{y:g}" for y in frame.index], name="end of year"))
    out["peak (req/s)"] = [_num(v) for v in frame["peak_qps"]]
    for t in plan.tiers:
        # 0 only where no size meets the target (every sized tier has a node at least)
        out[f"{t.name} (nodes)"] = ["-" if v == 0 else _num(int(v)) for v in frame[f"{t.name} nodes"]]
    out["database data, replicated (TB)"] = [_num(v) for v in frame["database_tb"]]
    out["object storage, replicated (TB)"] = [_num(v) for v in frame["object_storage_tb"]]
    out["bill (USD per month)"] = [_usd(v) for v in frame["usd_per_month"]]
    return out


def _cost_table(plan: Plan) -> pd.DataFrame:
    frame = plan.cost_frame()
    horizon = plan.years[-1].costs if plan.years else {}
    last = f"year {plan.years[-1].year:g} (USD per month)" if plan.years else "horizon"
    out = pd.DataFrame(index=pd.Index(frame.index, name="item"))
    unsized = {t.name for t in plan.tiers if t.count == 0}
    out["year 1 (USD per month)"] = [
        "-" if k in unsized else _usd(v) for k, v in zip(frame.index, frame["usd_per_month"])
    ]
    out["share of year 1"] = [
        "-" if k in unsized else f"{v:.1%}" for k, v in zip(frame.index, frame["share"])
    ]
    out[last] = ["-" if k in unsized else _usd(horizon.get(k, math.nan)) for k in frame.index]
    if plan.feasible:
        out.loc["total"] = [_usd(plan.usd_per_month), "100%", _usd(plan.horizon_usd_per_month)]
    else:
        out.loc["total"] = ["- (infeasible)", "-", "-"]
    return out


def _availability_table(plan: Plan) -> pd.DataFrame:
    rel = plan.scenario["reliability"]
    rows = []
    for t in plan.tiers:
        rows.append(
            {
                "tier": t.name,
                "nodes for peak": _num(t.count),
                "spares": _num(t.spares) if t.spares >= 0 else "out of reach",
                "P(all nodes for peak up), no spares": _num(t.availability_without_spares, 4),
                "P(enough nodes up), with spares": _num(t.availability, 6),
                f"meets target {rel['target']:g}": "yes" if t.spares >= 0 else "no",
            }
        )
    return pd.DataFrame(rows).set_index("tier")


def _unit_of(section: str, key: str) -> str:
    from scalemodel.scenario import SCHEMA

    kind = SCHEMA[section][key].kind
    return {"seconds": "ms", "bytes": "bytes", "fraction": "fraction", "count": "count"}.get(kind, "")


def _input_value(section: str, key: str, value: Any) -> str:
    from scalemodel.scenario import SCHEMA

    if value is None:
        return "not set"
    kind = SCHEMA[section][key].kind
    if kind == "seconds":
        return f"{value * 1e3:,.4g}"
    if kind == "bytes":
        return _bytes(value)
    return _num(value, 4) if not isinstance(value, str) else value


def _bytes(x: float) -> str:
    for unit, size in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if abs(x) >= size:
            return f"{x / size:,.4g} {unit}"
    return f"{x:,.4g} B"


def _inputs_table(plan: Plan) -> pd.DataFrame:
    from scalemodel.scenario import SCHEMA

    rows = []
    for section, fields in SCHEMA.items():
        if section not in plan.scenario:
            continue
        for key, spec in fields.items():
            name = f"{section}.{key}"
            value = plan.scenario[section].get(key)
            if plan.given is None:
                source = "-"
            elif name in plan.given:
                source = "scenario"
            elif key == "hit_ratio" and plan.scenario[section].get("zipf_alpha") is not None:
                source = "derived (Che)"
            else:
                source = "default" if value is not None else "not set"
            rows.append(
                {
                    "input": name,
                    "value": _input_value(section, key, value),
                    "unit": _unit_of(section, key),
                    "source": source,
                    "meaning": spec.doc,
                }
            )
    return pd.DataFrame(rows).set_index("input")


_DEFINITIONS = [
    (
        "year 1, horizon",
        "Every figure of a year is sized for the end of that year: peak traffic grown by "
        "(1 + data.yearly_growth) per year and the data written by then. The headline bill is year 1's; "
        "the horizon is the last year of scenario.years.",
    ),
    (
        "nodes for peak, spares, nodes to run",
        "Nodes for peak: the fewest whose busiest node meets every target "
        "and cap at the peak. Spares: extra nodes so that at least that many are up with probability "
        "reliability.target (nodes independent, each up reliability.node_availability of the time) and, with "
        "reliability.zones >= 2, through the loss of one zone. Nodes to run and every cost include the spares.",
    ),
    (
        "limited by",
        "The constraint that set the node count: a utilization cap, the p99 target, memory or "
        "throughput of a cache node (at cache.fill), the storage, write or read limit of a database node, or a "
        "minimum count.",
    ),
    (
        "busiest node, imbalance",
        "Keys hashed onto a consistent-hash ring do not split evenly: the busiest node "
        "takes imbalance x the mean load; utilization and p99 are the busiest node's.",
    ),
    (
        "headroom",
        "The multiple of the planned peak traffic at which the busiest node of the tier first misses "
        "its p99 target or a hard limit (node memory or throughput, storage, writes or reads per node), with the "
        "nodes for peak (spares held back for failures). Data and cache working set grow with traffic, so storage "
        "and memory count. Planning caps (utilization cap, cache fill) are reached earlier, at the multiple shown "
        "beside it. Breaks first: the tier with the least headroom.",
    ),
    (
        "p99, service time",
        "p99: the 99th percentile of the response time (wait + service) at one node of "
        "vCPUs servers. Service times are exponential unless the scenario gives *_p99 (lognormal through the mean "
        "and that p99) or *_scv; queues are M/M/c for exponential service, else the G/G/c approximation "
        "(Allen-Cunneen wait; gamma service with the given SCV, or with the given mean and p99).",
    ),
    (
        "availability",
        "The chance that a tier has the nodes its peak needs: without spares, all of them "
        "up; with spares, at least that many. The plan's is the product over tiers (independent).",
    ),
]


def _availability_words(plan: Plan) -> str:
    rel = plan.scenario["reliability"]
    app = plan.tiers[0]
    parts = [
        f"Each node is up {rel['node_availability']:.4%} of the time (reliability.node_availability). "
        "A tier sized exactly for the peak needs every one of its nodes, so without spares it is short of "
        f"nodes most of the time when it is large: the {app.name} tier's {app.count:,} nodes are all up "
        f"{app.availability_without_spares:.1%} of the time."
    ]
    if all(t.spares >= 0 for t in plan.tiers):
        parts.append(
            f"With the spares above (included in the node counts and the bill) every tier has enough nodes at "
            f"least {rel['target']:.4%} of the time (reliability.target), and all tiers together "
            f"{plan.availability:.4%}, tiers failing independently."
        )
    else:
        parts.append("Some tier cannot reach the availability target with any number of spares.")
    if rel["zones"] >= 2:
        parts.append(f"Spares also cover the loss of one of {rel['zones']} zones.")
    return " ".join(parts)


def _headline(plan: Plan) -> str:
    if not plan.feasible:
        return (
            "INFEASIBLE: no size meets the targets below, so this plan has no node count for those tiers and "
            "no total. Change the scenario as the reasons say."
        )
    first = plan.breaks_first
    last = plan.years[-1]
    nodes = sum(t.nodes for t in plan.tiers)
    text = (
        f"Year 1: {_usd(plan.usd_per_month)} per month for {nodes:,} nodes (spares included) at a peak of "
        f"{_num(float(plan.traffic.peak_qps))} req/s; by the end of year {last.year:g}: "
        f"{_usd(last.usd_per_month)} per month. As traffic grows, {first.name} breaks first, at "
        f"{first.headroom:.2f}x year 1's peak ({first.breaks_on})"
    )
    if first.limited_by != first.breaks_on:
        text += f"; its count is set by the {first.limited_by}"
    text += "."
    if first.breaks_on.startswith(("storage", "memory")):
        text += (
            f" A tier sized by its data is full at the end of year 1 by construction: the year-by-year table "
            f"says how many {first.name} nodes each later year needs ({last.nodes[first.name]:,} by year "
            f"{last.year:g})."
        )
    return text


def _markdown_table(frame: pd.DataFrame) -> str:
    cols = [str(frame.index.name or ""), *map(str, frame.columns)]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for idx, row in frame.iterrows():
        lines.append(
            "| " + " | ".join([str(idx), *(v if isinstance(v, str) else _num(v) for v in row)]) + " |"
        )
    return "\n".join(lines)


def _html_table(frame: pd.DataFrame) -> str:
    shown = frame.map(lambda v: v if isinstance(v, str) else _num(v)).reset_index()
    return '<div class="table">' + shown.to_html(escape=True, na_rep="-", index=False) + "</div>"


def _sensitivity_display(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    for col in out.columns:
        if col == "usd_per_month":
            out[col] = [_usd(v) for v in out[col]]
        elif col == "min_headroom":
            out[col] = [_times(v) for v in out[col]]
        else:
            out[col] = [_num(v) for v in out[col]]
    out = out.rename(
        columns={"usd_per_month": "year 1 bill (USD per month)", "min_headroom": "least headroom (x peak)"}
    )
    out.columns = [c.replace(" nodes", " (nodes)") for c in out.columns]
    if isinstance(out.index, pd.MultiIndex):
        out.index = pd.Index([f"{i} {c:+.0%}" for i, c in out.index], name="input, change")
    else:
        name = str(out.index.name).removesuffix("_change")
        out.index = pd.Index([f"{name} {c:+.0%}" for c in out.index], name="input, change")
    return out


def _money_axis(ax: Any) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    def fmt(x: float, _pos: Any) -> str:
        for unit, size in (("M", 1e6), ("K", 1e3)):
            if abs(x) >= size:
                return f"${x / size:,.3g}{unit}"
        return f"${x:,.0f}"

    ax.xaxis.set_major_formatter(FuncFormatter(fmt))
    ax.xaxis.set_major_locator(MaxNLocator(5))


def _plots(plan: Plan, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [t.name for t in plan.tiers]
    figures = {}

    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    counts = np.array([t.count for t in plan.tiers])
    spares = np.array([max(t.spares, 0) for t in plan.tiers])
    ax.barh(names, counts, color="tab:blue", label="nodes for peak")
    ax.barh(names, spares, left=counts, color="tab:orange", label="spares")
    for i, t in enumerate(plan.tiers):
        ax.text(
            t.nodes, i, f" {t.count:,} + {max(t.spares, 0)} x {t.instance}", va="center", fontsize="small"
        )
    ax.set_xscale("log")
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:,.0f}"))
    ax.set_xlabel("nodes (log scale)")
    ax.set_xlim(0.8, max(1, int((counts + spares).max())) * 30)
    ax.invert_yaxis()
    ax.legend(loc="lower right", fontsize="small")
    ax.set_title("Nodes per tier in year 1 (spares in orange)")
    figures["sizing.png"] = fig

    fig, ax = plt.subplots(figsize=(7.5, 3.5))
    costs = plan.cost_frame()["usd_per_month"]
    ax.barh(costs.index[::-1], costs.to_numpy()[::-1], color="tab:green")
    _money_axis(ax)
    ax.set_xlabel("USD per month, year 1")
    total = _usd(plan.usd_per_month) if plan.feasible else "incomplete (infeasible)"
    ax.set_title(f"Cost breakdown, year 1: {total} per month")
    ax.grid(True, axis="x", alpha=0.3)
    figures["cost.png"] = fig

    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    curves = plan.latency_curves()
    styles = ["-", "--", "-.", ":"]
    markers = ["o", "s", "^", "D"]
    for i, col in enumerate(curves.columns):
        y = curves[col].to_numpy() * 1e3
        (line,) = ax.plot(
            curves.index,
            y,
            linestyle=styles[i % 4],
            marker=markers[i % 4],
            markevery=6,
            markersize=4,
            linewidth=1.6,
            color=f"C{i}",
            label=f"{col} p99",
            zorder=3 - i * 0.1,
        )
        slo = next(t.slo_p99_s for t in plan.tiers if t.name == col)
        if math.isfinite(slo) and col != "database replicas":  # replicas share the database target
            ax.axhline(
                slo * 1e3,
                color=line.get_color(),
                linestyle=(0, (1, 3)),
                linewidth=1.2,
                label=f"{'database' if col.startswith('database') else col} target {slo * 1e3:g} ms",
            )
    ax.axvline(1.0, color="grey", linewidth=0.8)
    ax.set_yscale("log")
    slos = [t.slo_p99_s for t in plan.tiers if math.isfinite(t.slo_p99_s)]
    if slos:
        ax.set_ylim(top=max(slos) * 1e3 * 10)
    ax.set_xlabel("traffic, multiple of year 1's peak")
    ax.set_ylabel("p99 response of the busiest node (ms)")
    ax.set_title("Latency against load at the planned sizes (ends where a tier saturates)")
    ax.legend(fontsize="small", loc="upper left")
    ax.grid(True, which="major", alpha=0.3)
    figures["latency.png"] = fig

    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    cap = 3.0
    head = np.array([min(t.headroom, cap) for t in plan.tiers])
    first = plan.breaks_first.name if plan.tiers else ""
    ax.barh(names, head, color=["tab:red" if n == first else "tab:gray" for n in names])
    ax.axvline(1.0, color="black", linewidth=0.8)
    for i, t in enumerate(plan.tiers):
        label = f" {t.headroom:.2f}x" if t.headroom <= cap else f" > {cap:g}x"
        ax.text(head[i], i, label, va="center", fontsize="small")
    ax.set_xlim(0, cap * 1.15)
    ax.set_xticks([0, 0.5, 1, 1.5, 2, 2.5, 3])
    ax.invert_yaxis()
    ax.set_xlabel("traffic multiple of year 1's peak at which a target or limit is first missed")
    ax.set_title(f"Headroom: {first} breaks first")
    figures["headroom.png"] = fig

    if len(plan.years) > 1 and plan.feasible:
        fig, ax = plt.subplots(figsize=(7.5, 3.2))
        tl = plan.timeline()
        ax.plot(tl.index, tl["usd_per_month"], marker="o", color="tab:green")
        ax.set_xlabel("end of year")
        ax.set_ylabel("USD per month")
        from matplotlib.ticker import FuncFormatter

        ax.yaxis.set_major_formatter(
            FuncFormatter(lambda x, _p: f"${x / 1e6:,.2f}M" if x >= 1e6 else f"${x:,.0f}")
        )
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.set_title("Monthly bill by year (spares and storage of that year)")
        figures["bill_by_year.png"] = fig

    paths = []
    for name, fig_ in figures.items():
        fig_.savefig(out / name, dpi=110, bbox_inches="tight")
        plt.close(fig_)
        paths.append(out / name)
    return paths


def _hit_ratio_source(cache: dict[str, Any] | None) -> str:
    if cache is None:
        return " (no cache)"
    if cache.get("zipf_alpha") is None:
        return ""
    return f" (Che: LRU of {cache['working_set_fraction']:g} of {cache['objects']:.3g} objects, Zipf {cache['zipf_alpha']:g})"


def _facts_table(plan: Plan) -> pd.DataFrame:
    t = plan.traffic
    rows = {
        "average traffic (req/s)": _num(float(t.average_qps)),
        "peak traffic (req/s)": _num(float(t.peak_qps)),
        "peak reads (req/s)": _num(float(t.peak_read_qps)),
        "peak writes (req/s)": _num(float(t.peak_write_qps)),
        "cache hit ratio of reads" + _hit_ratio_source(plan.scenario.get("cache")): _num(
            plan.scenario["cache"]["hit_ratio"] if "cache" in plan.scenario else 0.0
        ),
        "database data at end of year 1, replicated (TB)": _num(
            plan.years[0].database_bytes / 1e12 if plan.years else math.nan
        ),
        f"database data at end of year {plan.scenario['scenario']['years']:g}, replicated (TB)": _num(
            plan.database_bytes / 1e12
        ),
        f"object storage at end of year {plan.scenario['scenario']['years']:g}, replicated (TB)": _num(
            plan.object_bytes / 1e12
        ),
        "bill in year 1 (USD per month)": _usd(plan.usd_per_month),
        f"bill in year {plan.scenario['scenario']['years']:g} (USD per month)": _usd(
            plan.horizon_usd_per_month
        ),
    }
    return pd.DataFrame({"value": rows}).rename_axis("figure")


_CSS = (
    "body{font-family:sans-serif;font-size:15px;max-width:1200px;margin:auto;padding:0 12px;line-height:1.4}"
    ".table{overflow-x:auto;max-width:100%}"
    "table{border-collapse:collapse;font-size:13px;margin:6px 0}"
    "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right;vertical-align:top}"
    "th{background:#f3f3f3;text-align:left}td:first-child{text-align:left;font-weight:bold}td:last-child{text-align:left}"
    "img{max-width:100%;height:auto}dt{font-weight:bold}.infeasible{color:#b00;font-size:1.2em}"
)


def _simulation_words(check: SimulatedCheck) -> str:
    p99 = cast(float, check.table.loc["whole request", "p99 sim (ms)"])
    verdict = {
        None: "no end-to-end target set (scenario.slo_p99)",
        True: f"meets the end-to-end target of {check.slo_end_to_end_s * 1e3:g} ms",
        False: f"MISSES the end-to-end target of {check.slo_end_to_end_s * 1e3:g} ms",
    }[check.meets_end_to_end]
    return f"Whole request p99 {p99:,.1f} ms simulated: {verdict}."


def _simulation_display(check: SimulatedCheck) -> pd.DataFrame:
    frame = check.table.copy()
    for col in frame.columns:
        if frame[col].dtype.kind == "f":
            digits = 0 if col.startswith("nodes") else 3 if col.startswith(("util", "slots")) else 1
            frame[col] = [("" if math.isnan(v) else f"{v:,.{digits}f}") for v in frame[col]]
    return frame.fillna("")


def _write_report(
    plan: Plan,
    out: Path,
    sensitivity_table: pd.DataFrame | None = None,
    simulation: SimulatedCheck | None = None,
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    images = _plots(plan, out)
    title = f"Capacity plan: {plan.name}" + ("" if plan.feasible else " (INFEASIBLE)")
    sections: list[tuple[str, str | pd.DataFrame]] = [("", _headline(plan))]
    if plan.problems:
        sections.append(("Why it is infeasible", "\n".join(f"- {p}" for p in plan.problems)))
    sections += [
        ("Traffic, data and cost", _facts_table(plan)),
        ("Tiers in year 1: sizes", _sizing_table(plan)),
        ("Tiers in year 1: latency and headroom at peak", _performance_table(plan)),
        ("Year by year", _timeline_table(plan)),
        ("Cost by item", _cost_table(plan)),
        ("Availability", _availability_words(plan)),
        ("Availability per tier", _availability_table(plan)),
    ]
    if sensitivity_table is not None:
        sections.append(
            ("Sensitivity (one input changed at a time)", _sensitivity_display(sensitivity_table))
        )
    if simulation is not None:
        sections.append(("Simulated end to end (--simulate)", _simulation_words(simulation)))
        sections.append(("Simulated against the plan, per tier", _simulation_display(simulation)))
        sections.append(
            ("How the simulation differs from the plan", "\n".join(f"- {n}" for n in simulation.notes))
        )
    sections.append(("Inputs and assumptions", _inputs_table(plan)))
    md_parts = [f"# {title}"]
    html_parts = [f"<h1>{html.escape(title)}</h1>"]
    for heading, content in sections:
        if heading:
            md_parts.append(f"## {heading}")
            html_parts.append(f"<h2>{html.escape(heading)}</h2>")
        if isinstance(content, pd.DataFrame):
            md_parts.append(_markdown_table(content))
            html_parts.append(_html_table(content))
        elif content.startswith("- "):
            md_parts.append(content)
            items = "".join(f"<li>{html.escape(line[2:])}</li>" for line in content.splitlines())
            cls = " class='infeasible'" if heading == "Why it is infeasible" else ""
            html_parts.append(f"<ul{cls}>{items}</ul>")
        else:
            md_parts.append(f"**{content}**" if not heading else content)
            cls = " class='infeasible'" if content.startswith("INFEASIBLE") else ""
            html_parts.append(f"<p{cls}>{html.escape(content)}</p>")
    md_parts.append("## Definitions")
    md_parts.append("\n".join(f"- **{term}**: {text}" for term, text in _DEFINITIONS))
    html_parts.append("<h2>Definitions</h2><dl>")
    html_parts += [f"<dt>{html.escape(term)}</dt><dd>{html.escape(text)}</dd>" for term, text in _DEFINITIONS]
    html_parts.append("</dl><h2>Plots</h2>")
    md_parts.append("## Plots")
    md_parts += [f"![{p.stem}]({p.name})" for p in images]
    html_parts += [f'<p><img src="{p.name}" alt="{p.stem}"></p>' for p in images]
    md_path = out / "report.md"
    md_path.write_text("\n\n".join(md_parts) + "\n")
    html_path = out / "report.html"
    html_path.write_text(
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><title>"
        + html.escape(title)
        + f"</title><style>{_CSS}</style></head><body>"
        + "\n".join(html_parts)
        + "</body></html>\n"
    )
    return [md_path, html_path, *images]


__dir__ = _api_dir(globals())
