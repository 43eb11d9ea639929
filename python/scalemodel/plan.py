"""Capacity plans: a scenario in, servers per tier and a monthly bill out.

The chain: daily active users -> average and peak QPS (reads and writes) -> storage over
the horizon -> bandwidth -> servers per tier -> cost. The app and database tiers are
sized with M/M/c queues (one vCPU serves one request at a time) against their p99
targets; the cache tier by memory and throughput; shards by the per-node write and
storage limits of the price catalogue.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from scalemodel import caching, cost, hashing, queueing, reliability
from scalemodel._arrays import api_dir as _api_dir
from scalemodel.scenario import DEFAULT_HIT_RATIO, load_scenario, parse_scenario, section_defaults

__all__ = [
    "Plan",
    "Tier",
    "cache_hit_ratio",
    "make_plan",
    "plan_file",
    "plan_text",
    "ring_imbalance",
    "scaling_options",
    "sensitivity",
]


@dataclass(frozen=True)
class Tier:
    """One tier of the plan. Loads are at peak; utilization and p99 are those of the
    busiest node (``imbalance`` x the mean load: keys hashed onto a consistent-hash ring
    do not split evenly); headroom is the traffic multiple (of today's peak) the tier
    takes before a target or limit breaks on that node."""

    name: str
    instance: str
    count: int
    vcpus: int
    usd_per_month: float
    load_per_node: float  #: mean requests/s per node at peak
    utilization: float  #: of the busiest node at peak
    p99_s: float  #: p99 response at peak (nan where not modelled)
    slo_p99_s: float  #: target (nan where none)
    headroom: float
    limited_by: str  #: what sets the count
    imbalance: float = 1.0  #: busiest node's load over the mean (1 for balanced tiers)
    availability: float = math.nan  #: P(all the nodes the peak needs are up), nodes independent
    spares: int = 0  #: extra nodes that lift availability to the scenario's target


@dataclass(frozen=True)
class Plan:
    """A capacity plan; build it with :func:`make_plan` or :func:`plan_file`."""

    name: str
    scenario: dict[str, dict[str, Any]]
    traffic: cost.Traffic
    database_bytes: float  #: database data at the horizon, replicated
    object_bytes: float  #: object-storage data at the horizon, replicated
    tiers: tuple[Tier, ...]
    costs: dict[str, float]  #: USD per month by item
    problems: tuple[str, ...] = field(default=())  #: targets no size can meet

    @property
    def feasible(self) -> bool:
        """False when some target cannot be met at any size."""
        return not self.problems

    @property
    def usd_per_month(self) -> float:
        """The whole monthly bill."""
        return float(sum(self.costs.values()))

    @property
    def availability(self) -> float:
        """P(every tier has the nodes the peak needs), tiers failing independently."""
        return float(np.prod([t.availability for t in self.tiers]))

    @property
    def breaks_first(self) -> Tier:
        """The tier with the least headroom: where growth hurts first."""
        return min(self.tiers, key=lambda t: t.headroom)

    def summary(self) -> pd.DataFrame:
        """One row per tier."""
        return pd.DataFrame([vars(t) for t in self.tiers]).set_index("name")

    def cost_frame(self) -> pd.DataFrame:
        """Monthly cost by item, largest first."""
        frame = pd.DataFrame({"usd_per_month": self.costs}).sort_values("usd_per_month", ascending=False)
        frame["share"] = frame["usd_per_month"] / max(self.usd_per_month, 1e-300)
        return frame

    def latency_curves(self, multipliers: Any = None) -> pd.DataFrame:
        """p99 response of the busiest node of the app and database tiers at multiples of
        today's peak."""
        m = np.linspace(0.1, 3.0, 120) if multipliers is None else np.asarray(multipliers, dtype=float)
        out = {"traffic_multiple": m}
        for t in self.tiers:
            service_time = self._service_time(t.name)
            if service_time is None or t.count == 0:
                continue
            model = queueing.MMc(m * t.load_per_node * t.imbalance, 1.0 / service_time, t.vcpus)
            out[t.name] = np.where(model.stable, model.response_quantile(0.99), np.inf)
        return pd.DataFrame(out).set_index("traffic_multiple")

    def _service_time(self, tier: str) -> float | None:
        if tier == "app":
            return float(self.scenario["app"]["cpu_time"])
        if tier.startswith("database"):
            return float(self.scenario["database"]["query_time"])
        return None

    def __repr__(self) -> str:
        state = "feasible" if self.feasible else "INFEASIBLE"
        return (
            f"Plan({self.name!r}, {state}): peak {self.traffic.peak_qps:,.0f} req/s, "
            f"{sum(t.count for t in self.tiers)} nodes, ${self.usd_per_month:,.0f}/month; "
            f"breaks first: {self.breaks_first.name} at {self.breaks_first.headroom:.2f}x"
        )

    def write_report(self, out_dir: str | Path) -> list[Path]:
        """Write report.md, report.html and the plots they show into ``out_dir``."""
        return _write_report(self, Path(out_dir))


def _ceil(x: float) -> int:
    if not math.isfinite(x):
        raise ValueError(f"a node count came out as {x}: check the scenario's rates and limits")
    return math.ceil(x * (1 - 1e-12))


def _capacity(service_time: float, vcpus: int, slo: float, max_utilization: float) -> float:
    """Highest requests/s one node takes with p99 <= slo and utilization <= cap."""
    return float(
        queueing.max_arrival_rate(
            1.0 / service_time, vcpus, response_time=slo, quantile=0.99, utilization=max_utilization
        )
    )


def _queue_tier(
    name: str,
    inst: cost.Instance,
    count: int,
    load: float,
    service_time: float,
    slo: float,
    capacity: float,
    limited_by: str,
    imbalance: float = 1.0,
) -> Tier:
    per_node = load / count if count else 0.0
    busiest = queueing.MMc(per_node * imbalance, 1.0 / service_time, inst.vcpus)
    return Tier(
        name=name,
        instance=inst.name,
        count=count,
        vcpus=inst.vcpus,
        usd_per_month=count * inst.usd_per_month,
        load_per_node=per_node,
        utilization=float(busiest.utilization),
        p99_s=float(busiest.response_quantile(0.99)),
        slo_p99_s=slo,
        headroom=count * capacity / (load * imbalance) if load > 0 else math.inf,
        limited_by=limited_by,
        imbalance=imbalance,
    )


def _with_availability(tier: Tier, node_availability: float, target: float) -> Tier:
    """The tier's availability (all ``count`` nodes needed) and the fewest spares for
    ``target``; spares -1 when no number of spares within reach gets there."""
    if tier.count == 0:
        return replace(tier, availability=1.0)
    n = tier.count
    extra = np.arange(0, max(16, int(n * (1 - node_availability) * 20) + 16))
    # Compare unavailabilities: accurate to twelve nines, where 1 - x would round.
    down = np.atleast_1d(reliability.k_of_n_unavailability(n, n + extra, node_availability))
    meets = np.nonzero(down <= 1.0 - target)[0]
    spares = int(extra[meets[0]]) if meets.size else -1
    return replace(tier, availability=float(1.0 - down[0]), spares=spares)


def ring_imbalance(nodes: int, virtual_nodes: int = 150) -> float:
    """Expected busiest node's share of uniformly hashed keys over the mean share, on a
    consistent-hash ring with ``virtual_nodes`` points per node
    (:func:`scalemodel.hashing.expected_ring_imbalance`); 1 for one node or
    ``virtual_nodes=0`` (an even split, as range or directory placement can give)."""
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
    if cache.get("zipf_alpha") is not None:
        objects = max(1, round(cache["objects"]))
        held = cache["working_set_fraction"] * objects
        return float(caching.che_hit_ratio(cache["zipf_alpha"], objects, held))
    given = cache.get("hit_ratio")
    return DEFAULT_HIT_RATIO if given is None else float(given)


def make_plan(scenario: dict[str, dict[str, Any]], catalogue: cost.Catalogue | None = None) -> Plan:
    """Size every tier of a validated scenario (see :mod:`scalemodel.scenario`)."""
    cat = catalogue or cost.Catalogue.load()
    # Scenarios from parse_scenario carry [reliability]; fill it for hand-built ones, so the
    # plan's scenario always has it.
    s = {**scenario, "reliability": scenario.get("reliability") or section_defaults("reliability")}
    users, data, app, db = s["users"], s["data"], s["app"], s["database"]
    years = s["scenario"]["years"]
    problems: list[str] = []

    traffic = cost.estimate_traffic(
        users["daily_active"], users["requests_per_day"], users["write_fraction"], users["peak_to_average"]
    )
    peak_reads, peak_writes = float(traffic.peak_read_qps), float(traffic.peak_write_qps)
    writes_per_day = float(traffic.writes_per_day)
    db_bytes_raw = float(
        cost.stored_bytes(writes_per_day * data["bytes_per_write"], years, 1.0, data["yearly_growth"])
    )
    db_bytes = db_bytes_raw * data["replication"]
    object_bytes = float(
        cost.stored_bytes(
            writes_per_day * data["media_bytes_per_write"], years, data["replication"], data["yearly_growth"]
        )
    )

    tiers: list[Tier] = []
    # App tier: the p99 target sets how much load one server takes.
    inst = cat.instance(app["instance"])
    cap = _capacity(app["cpu_time"], inst.vcpus, app["slo_p99"], app["max_utilization"])
    if cap <= 0:
        problems.append(_unreachable("app", app["cpu_time"], app["slo_p99"]))
        count = 0
    else:
        count = max(1, _ceil(float(traffic.peak_qps) / cap))
    tiers.append(
        _queue_tier(
            "app", inst, count, float(traffic.peak_qps), app["cpu_time"], app["slo_p99"], cap, "p99 target"
        )
    )

    # Cache tier: memory for the working set and throughput for the hits.
    hit = 0.0
    if "cache" in s:
        c = s["cache"] = {**s["cache"], "hit_ratio": cache_hit_ratio(s["cache"])}
        hit = c["hit_ratio"]
        cinst = cat.instance(c["instance"])
        cache_qps = peak_reads * hit
        working_set = db_bytes_raw * c["working_set_fraction"]
        node_qps = cat.limits.get("cache_max_qps", 100_000.0)
        node_bytes = min(cinst.memory_gb * 1e9, cat.limits.get("cache_max_bytes", math.inf))
        nodes, cimb = _count_with_imbalance(
            int(cost.cache_nodes(working_set, cache_qps, node_bytes, node_qps, c["fill"])),
            c["virtual_nodes"],
            lambda imb: int(
                cost.cache_nodes(working_set * imb, cache_qps * imb, node_bytes, node_qps, c["fill"])
            ),
        )
        by_memory = working_set / (node_bytes * c["fill"]) >= cache_qps / (node_qps * c["fill"])
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
                # Sustained growth grows the data (and so the working set) with traffic.
                # Measured against the same fill the count was sized at.
                headroom=min(
                    nodes * node_qps * c["fill"] / (cache_qps * cimb) if cache_qps > 0 else math.inf,
                    nodes * node_bytes * c["fill"] / (working_set * cimb) if working_set > 0 else math.inf,
                ),
                limited_by="memory" if by_memory else "throughput",
                imbalance=cimb,
            )
        )

    # Database: shards for writes and bytes, replicas per shard for the reads that miss.
    dinst = cat.instance(db["instance"])
    dcap = _capacity(db["query_time"], dinst.vcpus, db["slo_p99"], db["max_utilization"])
    db_reads = peak_reads * (1.0 - hit)
    if dcap <= 0:
        problems.append(_unreachable("database", db["query_time"], db["slo_p99"]))
        shards, replicas, write_cap, read_cap, dimb = 1, 0, 0.0, 0.0, 1.0
        shard_reason = "p99 target"
    else:
        max_writes = db["max_write_qps_per_shard"] or cat.limits.get("database_max_write_qps", math.inf)
        max_bytes = db["max_bytes_per_shard"] or cat.limits.get("database_max_bytes", math.inf)
        write_cap = min(dcap, max_writes)
        read_cap = min(dcap, cat.limits.get("database_max_read_qps", math.inf))
        shards, dimb = _count_with_imbalance(
            int(cost.shard_count(peak_writes, db_bytes_raw, write_cap, max_bytes, 1.0)),
            db["virtual_nodes"],
            lambda imb: int(
                cost.shard_count(peak_writes * imb, db_bytes_raw * imb, write_cap, max_bytes, 1.0)
            ),
        )
        by_bytes, by_writes = db_bytes_raw / max_bytes, peak_writes / write_cap
        shard_reason = (
            "minimum" if max(by_bytes, by_writes) <= 1 else ("storage" if by_bytes > by_writes else "writes")
        )
        replicas = max(db["min_replicas"], _ceil(db_reads * dimb / shards / read_cap))
    primaries = _queue_tier(
        "database primaries",
        dinst,
        shards,
        peak_writes,
        db["query_time"],
        db["slo_p99"],
        write_cap,
        f"{shard_reason}: {shards} shard{'s' if shards != 1 else ''}",
        dimb,
    )
    if dcap > 0 and db_bytes_raw > 0:
        # Sustained growth also fills the shards: storage caps the primaries' headroom too.
        storage_room = shards * max_bytes / (db_bytes_raw * dimb)
        primaries = replace(primaries, headroom=min(primaries.headroom, storage_room))
    tiers.append(primaries)
    tiers.append(
        _queue_tier(
            "database replicas",
            dinst,
            shards * replicas,
            db_reads,
            db["query_time"],
            db["slo_p99"],
            read_cap,
            f"reads, min {db['min_replicas']} per shard" if dcap > 0 else "p99 target unreachable",
            dimb,
        )
    )

    # Availability: each tier is sized for the peak, so it needs all its nodes; spares lift
    # it to the target (k of n nodes up, independent, each up with node_availability).
    rel = s["reliability"]
    tiers = [_with_availability(t, rel["node_availability"], rel["target"]) for t in tiers]
    for t in tiers:
        if t.spares < 0:
            problems.append(
                f"{t.name}: no number of spares lifts {t.count} nodes at {rel['node_availability']:g} each "
                f"to {rel['target']:g} availability"
            )

    # Bandwidth and storage.
    app_egress = float(traffic.average_qps) * data["response_bytes"] * cost.SECONDS_PER_MONTH
    media_per_month = users["daily_active"] * data["media_bytes_per_user_per_day"] * 30
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
    return Plan(
        name=s["scenario"]["name"],
        scenario=s,
        traffic=traffic,
        database_bytes=db_bytes,
        object_bytes=object_bytes,
        tiers=tuple(tiers),
        costs=costs,
        problems=tuple(problems),
    )


def _unreachable(tier: str, service_time: float, slo: float) -> str:
    alone = service_time * math.log(100.0)
    return (
        f"{tier}: a p99 of {slo * 1e3:g} ms cannot be met at any size: one request alone has a p99 "
        f"of {alone * 1e3:.3g} ms at {service_time * 1e3:g} ms mean (exponential), and more or bigger "
        f"machines do not make a single request faster"
    )


def _kinds(catalogue: cost.Catalogue) -> dict[str, str]:
    return {name: inst.kind for name, inst in catalogue.instances.items()}


def plan_file(path: str | Path, catalogue: cost.Catalogue | None = None) -> Plan:
    """Validate the scenario file at ``path`` (instances against the catalogue) and plan it."""
    cat = catalogue or cost.Catalogue.load()
    return make_plan(load_scenario(path, _kinds(cat)), cat)


def plan_text(text: str, catalogue: cost.Catalogue | None = None) -> Plan:
    """Plan a scenario given as TOML text."""
    cat = catalogue or cost.Catalogue.load()
    return make_plan(parse_scenario(text, instances=_kinds(cat)), cat)


def scaling_options(
    arrival_rate: float,
    cpu_time: float,
    slo_p99: float,
    *,
    kind: str = "compute",
    max_utilization: float = 0.8,
    catalogue: cost.Catalogue | None = None,
) -> pd.DataFrame:
    """Vertical versus horizontal: for each instance of ``kind`` in the catalogue, how many
    are needed to serve ``arrival_rate`` (requests/s) of ``cpu_time`` seconds each with a
    p99 response of at most ``slo_p99`` seconds and utilization at most
    ``max_utilization``, and what they cost a month. One row per instance, cheapest first;
    ``machines`` is inf where no count meets the target."""
    for name, value in (("arrival_rate", arrival_rate), ("cpu_time", cpu_time), ("slo_p99", slo_p99)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 < value < math.inf):
            raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    if not (0 < max_utilization <= 1):
        raise ValueError(f"max_utilization must be in (0, 1], got {max_utilization!r}")
    cat = catalogue or cost.Catalogue.load()
    rows = []
    for inst in cat.of_kind(kind):
        cap = _capacity(cpu_time, inst.vcpus, slo_p99, max_utilization)
        n = max(1, _ceil(arrival_rate / cap)) if cap > 0 else math.inf
        model = queueing.MMc(arrival_rate / n if math.isfinite(n) else 0.0, 1.0 / cpu_time, inst.vcpus)
        rows.append(
            {
                "instance": inst.name,
                "vcpus": inst.vcpus,
                "machines": n,
                "total_vcpus": n * inst.vcpus,
                "utilization": float(model.utilization) if math.isfinite(n) else math.nan,
                "p99_s": float(model.response_quantile(0.99)) if math.isfinite(n) else math.nan,
                "usd_per_month": n * inst.usd_per_month,
            }
        )
    if not rows:
        raise ValueError(f"the catalogue has no instances of kind {kind!r}")
    return pd.DataFrame(rows).set_index("instance").sort_values(["usd_per_month", "machines"])


def sensitivity(
    scenario: dict[str, dict[str, Any]],
    changes: Any = (-0.2, 0.0, 0.2),
    catalogue: cost.Catalogue | None = None,
) -> pd.DataFrame:
    """The plan under traffic changed by each fraction in ``changes`` (-0.2 = 20% less):
    nodes per tier, monthly cost and the tier that breaks first. Runs on :func:`sm.sweep`."""
    from scalemodel.sweeps import sweep

    cat = catalogue or cost.Catalogue.load()
    changes = [float(c) for c in np.atleast_1d(changes)]
    if any(not (c > -1.0) for c in changes):
        raise ValueError(f"changes must be fractions > -1, got {changes}")

    def one(traffic_change: float, seed: int) -> dict[str, float]:
        s = {k: dict(v) for k, v in scenario.items()}
        s["users"]["daily_active"] = scenario["users"]["daily_active"] * (1.0 + traffic_change)
        p = make_plan(s, cat)
        out = {f"{t.name} nodes": float(t.count) for t in p.tiers}
        out["usd_per_month"] = p.usd_per_month
        out["min_headroom"] = p.breaks_first.headroom
        return out

    frame = sweep(one, {"traffic_change": changes}, executor="serial")
    frame = frame.set_index("traffic_change")
    keep = [c for c in frame.columns if c.endswith("_mean")]
    return frame[keep].rename(columns=lambda c: c[: -len("_mean")])


# --- report ---------------------------------------------------------------------------


def _fmt(x: Any) -> str:
    if isinstance(x, (float, np.floating)):
        if math.isnan(x):
            return "-"
        if math.isinf(x):
            return "inf"
        return f"{x:,.4g}" if abs(x) < 1e4 else f"{x:,.0f}"
    return str(x)


def _markdown_table(frame: pd.DataFrame) -> str:
    cols = [frame.index.name or "", *map(str, frame.columns)]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for idx, row in frame.iterrows():
        lines.append("| " + " | ".join([str(idx), *(_fmt(v) for v in row)]) + " |")
    return "\n".join(lines)


def _plots(plan: Plan, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    summary = plan.summary()

    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.barh(summary.index, summary["count"], color="tab:blue")
    for i, (n, inst) in enumerate(zip(summary["count"], summary["instance"])):
        ax.text(n, i, f" {n} x {inst}", va="center", fontsize="small")
    ax.set_xlabel("nodes")
    ax.set_title("Sizing per tier")
    ax.set_xlim(0, max(1, summary["count"].max()) * 1.5)
    paths.append(out / "sizing.png")

    fig2, ax2 = plt.subplots(figsize=(7, 3.5))
    costs = plan.cost_frame()["usd_per_month"]
    ax2.barh(costs.index[::-1], costs.values[::-1], color="tab:green")
    ax2.set_xlabel("USD per month")
    ax2.set_title(f"Cost breakdown: ${plan.usd_per_month:,.0f} per month")

    fig3, ax3 = plt.subplots(figsize=(7, 4))
    curves = plan.latency_curves()
    for i, col in enumerate(curves.columns):
        (line,) = ax3.plot(curves.index, curves[col] * 1e3, label=f"{col} p99", color=f"C{i}")
        slo = summary.loc[col, "slo_p99_s"]
        if math.isfinite(slo):
            ax3.axhline(slo * 1e3, color=line.get_color(), linestyle=":", linewidth=1, label=f"{col} SLO")
    ax3.axvline(1.0, color="grey", linewidth=0.8)
    ax3.set_yscale("log")
    ax3.set_xlabel("traffic, multiple of today's peak")
    ax3.set_ylabel("p99 response (ms)")
    ax3.set_title("Latency against load at the planned sizes")
    ax3.legend(fontsize="small")
    ax3.grid(True, which="both", alpha=0.3)

    fig4, ax4 = plt.subplots(figsize=(7, 3.5))
    head = summary["headroom"].replace(np.inf, np.nan)
    colors = ["tab:red" if name == plan.breaks_first.name else "tab:gray" for name in head.index]
    ax4.barh(head.index, head.values, color=colors)
    ax4.axvline(1.0, color="black", linewidth=0.8)
    ax4.set_xscale("log")
    for i, h in enumerate(head.values):
        ax4.text(h, i, f" {h:.2f}x", va="center", fontsize="small")
    ax4.set_xlabel("traffic multiple of today's peak the tier takes (log scale)")
    ax4.set_title(f"Headroom: {plan.breaks_first.name} breaks first")

    for fig_, name in (
        (fig, "sizing.png"),
        (fig2, "cost.png"),
        (fig3, "latency.png"),
        (fig4, "headroom.png"),
    ):
        fig_.savefig(out / name, dpi=110, bbox_inches="tight")
        plt.close(fig_)
    return [out / n for n in ("sizing.png", "cost.png", "latency.png", "headroom.png")]


def _hit_ratio_source(cache: dict[str, Any] | None) -> str:
    if cache is None:
        return " (no cache)"
    if cache.get("zipf_alpha") is None:
        return ""
    return f" (Che: LRU of {cache['working_set_fraction']:g} of {cache['objects']:.3g} objects, Zipf {cache['zipf_alpha']:g})"


def _write_report(plan: Plan, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    images = _plots(plan, out)
    t = plan.traffic
    facts = pd.DataFrame(
        {
            "value": [
                float(t.average_qps),
                float(t.peak_qps),
                float(t.peak_read_qps),
                float(t.peak_write_qps),
                plan.database_bytes / 1e12,
                plan.object_bytes / 1e12,
                plan.scenario["cache"]["hit_ratio"] if "cache" in plan.scenario else 0.0,
                plan.usd_per_month,
            ]
        },
        index=pd.Index(
            [
                "average QPS",
                "peak QPS",
                "peak read QPS",
                "peak write QPS",
                f"database data after {plan.scenario['scenario']['years']:g} years, replicated (TB)",
                "object storage, replicated (TB)",
                "cache hit ratio of reads" + _hit_ratio_source(plan.scenario.get("cache")),
                "total USD per month",
            ],
            name="figure",
        ),
    )
    summary = plan.summary()
    first = plan.breaks_first
    target = plan.scenario["reliability"]["target"]
    verdict = (
        f"As traffic grows, **{first.name}** breaks first, at {first.headroom:.2f}x today's peak "
        f"(limited by {first.limited_by}). Sized exactly for the peak, every tier has all the nodes "
        f"it needs {plan.availability:.4%} of the time; spares for {target:g} per tier: "
        + ", ".join(f"{t.name} " + (f"+{t.spares}" if t.spares >= 0 else "out of reach") for t in plan.tiers)
        + "."
    )
    problems = "\n".join(f"- **Cannot be met:** {p}" for p in plan.problems)
    md = "\n\n".join(
        [
            f"# Capacity plan: {plan.name}",
            problems,
            "## Traffic, data and cost",
            _markdown_table(facts),
            "## Tiers",
            _markdown_table(summary),
            verdict,
            "## Cost",
            _markdown_table(plan.cost_frame()),
            *[f"![{p.stem}]({p.name})" for p in images],
        ]
    )
    md_path = out / "report.md"
    md_path.write_text(md + "\n")
    body = [
        f"<h1>Capacity plan: {html.escape(plan.name)}</h1>",
        *[f"<p><strong>Cannot be met:</strong> {html.escape(p)}</p>" for p in plan.problems],
        "<h2>Traffic, data and cost</h2>",
        facts.to_html(float_format=_fmt),
        "<h2>Tiers</h2>",
        summary.to_html(float_format=_fmt),
        f"<p>{html.escape(verdict).replace('**', '')}</p>",
        "<h2>Cost</h2>",
        plan.cost_frame().to_html(float_format=_fmt),
        *[f'<p><img src="{p.name}" alt="{p.stem}"></p>' for p in images],
    ]
    html_path = out / "report.html"
    html_path.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>"
        + html.escape(plan.name)
        + "</title><style>body{font-family:sans-serif;max-width:60em;margin:auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style>"
        "</head><body>" + "\n".join(body) + "</body></html>\n"
    )
    return [md_path, html_path, *images]


__dir__ = _api_dir(globals())
