"""Capacity plans (scalemodel.plan), scenario files (scalemodel.scenario) and `scalemodel plan`.

Oracles, per test: the definition of a queue-sized count (the smallest node count whose
M/M/c per node meets the p99 target and the utilization cap at peak), checked with
scalemodel.queueing.MMc directly - at the planned count the targets hold and with one node
fewer they do not; the definition of headroom (the traffic multiple at which the busiest
node first misses its p99 target or a hard limit, the utilization cap not counted), checked
with MMc just below and just above it; counts, bytes and bills derived by hand from the
scenario and the catalogue's prices, for year 1 (traffic of today, data written in one
year, spares included); the CLI's documented exit codes (0 ok, 1 an SLO cannot be met at
any size, 2 invalid scenario or catalogue, nothing written on 2).

Tolerances: the sizes come from max_arrival_rate (about 1e-12 relative), so "meets" allows
1e-9 relative slack and headroom is probed at 1e-7 either side.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from scalemodel import cost, queueing
from scalemodel.cli import main
from scalemodel.plan import Plan, Tier, make_plan, plan_file, plan_text, ring_imbalance
from scalemodel.scenario import ScenarioError, parse_scenario

EXAMPLES = Path(__file__).parents[2] / "examples"
NAMES = ("startup", "twitter", "instagram")
DAY = 86_400.0
MONTH = 30 * DAY
SLACK = 1e-9

# A scenario written for these tests: 1e6 users x 86.4 requests = 1,000 req/s on average,
# 3,000 at peak, 10% writes.
BASE = """\
[scenario]
name = "base"
years = 3

[users]
daily_active = 1_000_000
requests_per_day = 86.4
write_fraction = 0.1
peak_to_average = 3

[data]
bytes_per_write = "2 KB"
replication = 3

[app]
instance = "m5.xlarge"
cpu_time = "40 ms"
slo_p99 = "400 ms"

[cache]
instance = "cache.r5.large"
hit_ratio = 0.8

[database]
instance = "db.r5.xlarge"
query_time = "5 ms"
slo_p99 = "50 ms"
"""


def edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def drop_section(text: str, section: str) -> str:
    out = re.sub(rf"\[{re.escape(section)}\]\n(?:[^\[\n].*\n|\n)*", "", text, count=1)
    assert f"[{section}]" not in out
    return out


def line_of(text: str, fragment: str) -> int:
    """1-based line of the first line containing fragment."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def meets(load: float, service_time: float, vcpus: int, slo: float, cap: float) -> bool:
    """Does one node (M/M/c, c = vCPUs) taking `load` req/s meet the p99 target and utilization cap?"""
    m = queueing.MMc(load, 1.0 / service_time, vcpus)
    if not m.stable:
        return False
    return bool(m.response_quantile(0.99) <= slo * (1 + SLACK) and m.utilization <= cap * (1 + SLACK))


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {name: plan_file(EXAMPLES / f"{name}.toml") for name in NAMES}


@pytest.fixture(scope="module")
def catalogue() -> cost.Catalogue:
    return cost.Catalogue.load()


def tier(plan: Plan, name: str) -> Tier:
    return next(t for t in plan.tiers if t.name == name)


def raw_database_bytes(s: dict, years: float = 1.0) -> float:
    """Unreplicated database bytes after ``years`` (year 1: what the plan's tiers are sized
    for), by hand (the examples have no growth): users x requests x write fraction x bytes
    per write x 365 x years."""
    u, d = s["users"], s["data"]
    assert d["yearly_growth"] == 0.0
    per_day = u["daily_active"] * u["requests_per_day"] * u["write_fraction"] * d["bytes_per_write"]
    return per_day * 365 * years


# ---------------------------------------------------------------------------- examples


@pytest.mark.parametrize("name", NAMES)
def test_bundled_examples_plan(plans: dict[str, Plan], name: str) -> None:
    plan = plans[name]
    assert plan.name == name
    assert plan.feasible and plan.problems == ()
    assert [t.name for t in plan.tiers] == ["app", "cache", "database primaries", "database replicas"]
    assert all(t.count >= 1 for t in plan.tiers)
    assert plan.usd_per_month > 0
    assert name in repr(plan)


def test_startup_traffic_and_data_by_hand(plans: dict[str, Plan]) -> None:
    """50,000 users x 60 requests / 86,400 s = 34.7 req/s, x4 at peak = 138.9; 10% writes of 2 KB
    for 3 years at 3 copies = 3e5 x 2,000 x 365 x 3 x 3 bytes."""
    p = plans["startup"]
    average = 50_000 * 60 / DAY
    assert p.traffic.average_qps == pytest.approx(average, rel=1e-13)
    assert p.traffic.peak_qps == pytest.approx(4 * average, rel=1e-13)
    assert p.traffic.peak_write_qps == pytest.approx(0.4 * average, rel=1e-13)
    assert p.database_bytes == pytest.approx(50_000 * 60 * 0.1 * 2000 * 365 * 3 * 3, rel=1e-13)  # horizon
    assert p.years[0].database_bytes == pytest.approx(50_000 * 60 * 0.1 * 2000 * 365 * 3, rel=1e-13)
    assert p.object_bytes == 0.0


# ------------------------------------------------------------ queue-sized tiers by MMc


@pytest.mark.parametrize("name", NAMES)
def test_app_count_is_the_fewest_servers_meeting_the_slo(
    plans: dict[str, Plan], catalogue: cost.Catalogue, name: str
) -> None:
    """At the planned count each server's M/M/c meets p99 <= slo and utilization <= cap at peak;
    with one server fewer it does not."""
    p = plans[name]
    app = p.scenario["app"]
    vcpus = catalogue.instance(app["instance"]).vcpus
    t = tier(p, "app")
    peak = float(p.traffic.peak_qps)
    args = (app["cpu_time"], vcpus, app["slo_p99"], app["max_utilization"])
    assert t.count > 1
    assert meets(peak / t.count, *args)
    assert not meets(peak / (t.count - 1), *args)
    # the tier reports what MMc says at that load
    m = queueing.MMc(peak / t.count, 1 / app["cpu_time"], vcpus)
    assert t.load_per_node == pytest.approx(peak / t.count, rel=1e-13)
    assert t.utilization == pytest.approx(m.utilization, rel=1e-13)
    assert t.p99_s == pytest.approx(m.response_quantile(0.99), rel=1e-13)
    assert t.slo_p99_s == app["slo_p99"]


@pytest.mark.parametrize("name", NAMES)
def test_database_replicas_meet_the_slo_and_are_the_fewest_when_sized_by_reads(
    plans: dict[str, Plan], catalogue: cost.Catalogue, name: str
) -> None:
    """Reads that miss the cache spread over shards x replicas nodes. Each meets the target and
    the catalogue's per-node read limit; when more than min_replicas are planned, one replica
    fewer per shard breaks a target or the limit."""
    p = plans[name]
    db = p.scenario["database"]
    vcpus = catalogue.instance(db["instance"]).vcpus
    shards = tier(p, "database primaries").count
    reps = tier(p, "database replicas")
    assert reps.count % shards == 0
    per_shard = reps.count // shards
    reads = float(p.traffic.peak_read_qps) * (1 - p.scenario["cache"]["hit_ratio"])
    args = (db["query_time"], vcpus, db["slo_p99"], db["max_utilization"])
    read_limit = catalogue.limits["database_max_read_qps"]

    imb = tier(p, "database primaries").imbalance  # the busiest shard's share over the mean
    assert reps.imbalance == imb

    def ok(replicas_per_shard: int) -> bool:
        load = reads * imb / shards / replicas_per_shard
        return meets(load, *args) and load <= read_limit

    assert per_shard >= db["min_replicas"]
    assert ok(per_shard)
    if per_shard > db["min_replicas"]:
        assert not ok(per_shard - 1)


def test_twitter_replicas_are_sized_by_reads(plans: dict[str, Plan]) -> None:
    """So that the 'one fewer' half of the check above really runs for one example."""
    p = plans["twitter"]
    assert tier(p, "database replicas").count > tier(p, "database primaries").count


def test_primaries_sized_by_writes_are_the_fewest_meeting_the_slo(catalogue: cost.Catalogue) -> None:
    """5M users x 86.4 requests, half of them writes, x3 at peak = 7,500 writes/s: far beyond one
    4-vCPU primary at 5 ms (at most 4 x 200 x 0.7 = 560/s). 100 B per write keep storage at
    2.2e8 x 100 x 365 x 3 = 2.4e13 B (2 shards). Shards then meet the target and one fewer does not."""
    text = edit(BASE, "daily_active = 1_000_000", "daily_active = 5_000_000")
    text = edit(text, "write_fraction = 0.1", "write_fraction = 0.5")
    text = edit(text, 'bytes_per_write = "2 KB"', 'bytes_per_write = "100 B"')
    p = plan_text(text)
    db = p.scenario["database"]
    args = (db["query_time"], catalogue.instance(db["instance"]).vcpus, db["slo_p99"], db["max_utilization"])
    writes = float(p.traffic.peak_write_qps)
    prim = tier(p, "database primaries")
    # what binds one primary: the utilization cap (4 x 200 x 0.7 = 560/s) or the p99 target
    p99_rate = float(queueing.max_arrival_rate(200.0, 4, response_time=0.050))
    assert prim.limited_by == ("utilization cap 0.7" if 560.0 <= p99_rate else "p99 target 50 ms")
    assert prim.count > 1
    # Keys hash onto a 150-virtual-node ring: the busiest shard takes `imbalance` x the mean.
    assert prim.imbalance == pytest.approx(ring_imbalance(prim.count), rel=1e-15)
    assert prim.imbalance > 1
    assert meets(writes / prim.count * prim.imbalance, *args)
    assert not meets(writes / (prim.count - 1) * ring_imbalance(prim.count - 1), *args)


@pytest.mark.parametrize("name", ["twitter", "instagram"])
def test_primaries_sized_by_storage(plans: dict[str, Plan], name: str) -> None:
    """The fewest shards from ceil(unreplicated bytes / 16 TB) up whose busiest shard (on a
    150-virtual-node ring) holds at most 16 TB, for the data of year 1; and for the data of
    the horizon in the last year's row (spares on top)."""
    prim = tier(plans[name], "database primaries")
    raw = raw_database_bytes(plans[name].scenario)
    first = math.ceil(raw / 16e12)

    def fits(n: int) -> bool:
        return raw / n * ring_imbalance(n) <= 16e12

    assert fits(prim.count)
    assert not any(fits(n) for n in range(first, prim.count))
    assert prim.limited_by == "storage 16 TB per shard"
    years = plans[name].scenario["scenario"]["years"]
    raw_h = raw_database_bytes(plans[name].scenario, years)
    last = plans[name].years[-1].nodes["database primaries"]
    fitting = [n for n in range(math.ceil(raw_h / 16e12), last + 1) if raw_h / n * ring_imbalance(n) <= 16e12]
    assert fitting and 1 <= last - fitting[0] <= 3  # the fewest that fit, plus their spares


def test_startup_cache_nodes_by_hand(plans: dict[str, Plan]) -> None:
    """Year 1: working set 2% of 2.19e11 unreplicated bytes = 4.38e9 fits one 13 GB node filled
    to 80% (1.04e10): one node, set by the minimum. Year 3: 1.314e10 needs 2 nodes on
    average, but the busiest of 2 ring nodes holds more than half, so the count grows until
    the busiest node fits; 80% of 125 peak reads/s is far below 80K/node."""
    p = plans["startup"]
    c = tier(p, "cache")
    assert 50_000 * 60 * 0.1 * 2000 * 365 * 0.02 <= 13e9 * 0.8
    assert (c.count, c.limited_by, c.imbalance) == (1, "minimum of 1 node", 1.0)
    raw = 50_000 * 60 * 0.1 * 2000 * 365 * 3
    by_memory = math.ceil(raw * 0.02 / (13e9 * 0.8))
    assert by_memory == 2

    def fits(n: int) -> bool:
        return raw * 0.02 / n * ring_imbalance(n) <= 13e9 * 0.8

    year3 = next(n for n in range(by_memory, 10) if fits(n))
    assert p.years[-1].nodes["cache"] == year3 + 1  # one spare lifts 2 nodes at 0.999 to 0.9999


# ---------------------------------------------------------------------------- headroom


@pytest.mark.parametrize("name", NAMES)
def test_queue_tier_headroom_is_where_the_target_breaks(
    plans: dict[str, Plan], catalogue: cost.Catalogue, name: str
) -> None:
    """Headroom h of the app and replica tiers: at h x the peak per node the p99 target and the
    per-node read limit still hold, a little beyond it they do not (the utilization cap is a
    planning cap, not a target: it is reached at ``cap_multiple``, where the busiest node's
    utilization equals the cap)."""
    p = plans[name]
    for tname, section in (("app", "app"), ("database replicas", "database")):
        t = tier(p, tname)
        sc = p.scenario[section]
        service = sc["cpu_time"] if section == "app" else sc["query_time"]
        limit = math.inf if section == "app" else catalogue.limits["database_max_read_qps"]
        args = (service, t.vcpus, sc["slo_p99"], 1.0)
        busiest = t.load_per_node * t.imbalance
        below, above = (busiest * t.headroom * (1 + d) for d in (-1e-7, 1e-7))
        assert meets(below, *args) and below <= limit, tname
        assert not (meets(above, *args) and above <= limit), tname
        cap_util = busiest * t.cap_multiple * service / t.vcpus
        if t.limited_by.startswith("utilization cap"):
            assert cap_util == pytest.approx(sc["max_utilization"], rel=1e-12), tname
        assert t.cap_multiple <= t.headroom * (1 + 1e-12)


# Headroom is documented (Tier) as "the traffic multiple (of today's peak) the tier takes before
# a target or limit breaks", and the report reads it as "as traffic grows, X breaks first".
# The data stored by the horizon is writes per day x bytes per write x days, proportional to
# traffic, and the cache's working set is a fixed share of it: at k x today's traffic both are
# k times larger. A tier whose count is set by storage or memory therefore cannot take more
# traffic than its storage or memory allows.


@pytest.mark.parametrize("name", NAMES)
def test_primaries_headroom_counts_the_storage_limit(
    plans: dict[str, Plan], catalogue: cost.Catalogue, name: str
) -> None:
    """Primaries headroom <= shards x 16 TB / (unreplicated bytes of year 1 x imbalance)."""
    p = plans[name]
    prim = tier(p, "database primaries")
    storage_headroom = (
        prim.count
        * catalogue.limits["database_max_bytes"]
        / (raw_database_bytes(p.scenario) * prim.imbalance)
    )
    assert prim.headroom <= storage_headroom * (1 + 1e-12), (prim.limited_by, prim.headroom, storage_headroom)


@pytest.mark.parametrize("name", NAMES)
def test_cache_headroom_counts_the_memory_limit(
    plans: dict[str, Plan], catalogue: cost.Catalogue, name: str
) -> None:
    """Cache headroom <= nodes x node memory (at 100%, as the throughput headroom uses 100% of a
    node's ops/s) / working set."""
    p = plans[name]
    cache = tier(p, "cache")
    node_bytes = catalogue.instance(cache.instance).memory_gb * 1e9
    working_set = raw_database_bytes(p.scenario) * p.scenario["cache"]["working_set_fraction"]
    memory_headroom = cache.count * node_bytes / (working_set * cache.imbalance)
    assert cache.headroom <= memory_headroom * (1 + 1e-12), (  # year 1's working set
        cache.limited_by,
        cache.headroom,
        memory_headroom,
    )


@pytest.mark.parametrize("name", NAMES)
def test_breaks_first_is_the_tier_with_least_headroom(plans: dict[str, Plan], name: str) -> None:
    p = plans[name]
    least = min(t.headroom for t in p.tiers)
    assert p.breaks_first.headroom == least
    assert p.breaks_first.name == p.summary()["headroom"].idxmin()


# ---------------------------------------------------------------------------- cost


@pytest.mark.parametrize("name", NAMES)
def test_cost_total_and_tier_prices(plans: dict[str, Plan], catalogue: cost.Catalogue, name: str) -> None:
    """Total = sum of the items; each tier = (count + spares) x its instance's catalogue price."""
    p = plans[name]
    assert p.usd_per_month == pytest.approx(sum(p.costs.values()), rel=1e-13)
    for t in p.tiers:
        price = catalogue.instance(t.instance).usd_per_month
        assert t.usd_per_month == (t.count + t.spares) * price and t.nodes == t.count + t.spares
        assert p.costs[t.name] == t.usd_per_month
    frame = p.cost_frame()
    assert frame["usd_per_month"].sum() == pytest.approx(p.usd_per_month, rel=1e-13)
    assert frame["share"].sum() == pytest.approx(1.0, rel=1e-13)
    assert list(frame["usd_per_month"]) == sorted(frame["usd_per_month"], reverse=True)


def test_startup_bill_by_hand(plans: dict[str, Plan]) -> None:
    """Year 1: database storage 6.57e11 B = 657 GB at $0.10 = $65.70 ($197.10 in year 3, the
    horizon). App egress: 34.72 req/s x 20 KB x 2.592e6 s = 1,800 GB at $0.10 = $180. Media:
    50,000 x 2 MB x 30 = 3,000 GB, all through the CDN at $0.005 ($15) and 5% from the
    origin at $0.10 ($15) = $30. No object storage. App: 2 servers + 1 spare at $150."""
    p = plans["startup"]
    c = p.costs
    assert c["database storage"] == pytest.approx(65.70, rel=1e-12)
    assert p.years[-1].costs["database storage"] == pytest.approx(197.10, rel=1e-12)
    assert c["app egress"] == pytest.approx(180.0, rel=1e-12)
    assert c["media delivery (CDN)"] == pytest.approx(30.0, rel=1e-12)
    assert c["object storage"] == 0.0
    assert c["app"] == (2 + 1) * 150.0
    # the bill of each year sums its items, in its own time frame
    for y in p.years:
        assert y.usd_per_month == pytest.approx(sum(y.costs.values()), rel=1e-13)
    assert p.horizon_usd_per_month == p.years[-1].usd_per_month > p.usd_per_month


def test_prices_override_changes_the_cost(tmp_path: Path, plans: dict[str, Plan]) -> None:
    """m5.xlarge at $200 instead of $150: the startup's two app servers and their spare cost
    $150 more."""
    prices = tmp_path / "prices.toml"
    prices.write_text(
        '[instances."m5.xlarge"]\nkind = "compute"\nvcpus = 4\nmemory_gb = 16\nusd_per_month = 200\n'
    )
    base = plans["startup"]
    p = plan_file(EXAMPLES / "startup.toml", cost.Catalogue.load(prices))
    assert tier(p, "app").count == tier(base, "app").count == 2
    assert p.costs["app"] == 600.0
    assert p.usd_per_month == pytest.approx(base.usd_per_month + 150.0, rel=1e-13)


def test_prices_override_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], plans: dict[str, Plan]
) -> None:
    """--prices adds an instance the scenario can use and the printed total follows it."""
    prices = tmp_path / "prices.toml"
    prices.write_text(
        '[instances."c7.custom"]\nkind = "compute"\nvcpus = 4\nmemory_gb = 16\nusd_per_month = 1000\n'
    )
    scenario = tmp_path / "s.toml"
    scenario.write_text(edit((EXAMPLES / "startup.toml").read_text(), '"m5.xlarge"', '"c7.custom"'))
    assert main(["plan", str(scenario), "--out", str(tmp_path / "out"), "--prices", str(prices)]) == 0
    expected = plans["startup"].usd_per_month + 3 * (1000 - 150)
    assert f"total: ${expected:,.0f} per month in year 1" in capsys.readouterr().out


# ---------------------------------------------------------------------------- latency


@pytest.mark.parametrize("name", NAMES)
def test_latency_curves_increase_with_load(plans: dict[str, Plan], name: str) -> None:
    """p99 never falls as load grows (beyond rounding), rises overall, is infinite past saturation,
    and at 1x equals the tier's p99."""
    p = plans[name]
    m = np.union1d(np.linspace(0.1, 3.0, 59), [1.0])
    curves = p.latency_curves(m)
    assert set(curves.columns) == {"app", "database primaries", "database replicas"}
    for col in curves.columns:
        v = curves[col].to_numpy()
        finite = np.isfinite(v)
        assert finite[0]
        # non-decreasing, up to rounding: where P(wait) is ~0 the p99 is flat at the service
        # time's and the quantile root-finder's last bits wobble (seen: -3.5e-18 on 0.023 s)
        w = v[finite]
        assert np.all(np.diff(w) >= -1e-14 * w[1:]), col
        if col != "database primaries":  # the primaries idle at ~1-10%: their p99 stays flat
            assert v[finite][-1] > v[0], col
        first_inf = np.argmin(finite) if not finite.all() else len(v)
        assert not finite[first_inf:].any(), col  # once saturated, stays saturated
        assert curves.loc[1.0, col] == pytest.approx(tier(p, col).p99_s, rel=1e-12)
    # the app runs near its cap: at 3x it is saturated
    assert math.isinf(curves["app"].iloc[-1])


# ---------------------------------------------------------------------------- infeasible


def test_unreachable_app_slo_is_a_problem() -> None:
    """One request alone has p99 = cpu_time x ln 100 (exponential service): 40 ms x 4.605 = 184 ms.
    A 150 ms target cannot be met at any size."""
    assert 0.040 * math.log(100) > 0.150
    p = plan_text(edit(BASE, 'slo_p99 = "400 ms"', 'slo_p99 = "150 ms"'))
    assert not p.feasible
    assert len(p.problems) == 1 and p.problems[0].startswith("app")
    assert "150 ms" in p.problems[0]


def test_slo_just_above_the_floor_is_feasible(catalogue: cost.Catalogue) -> None:
    """A target 5% above cpu_time x ln 100 is met by lightly loaded servers."""
    slo = 0.040 * math.log(100) * 1.05
    p = plan_text(edit(BASE, 'slo_p99 = "400 ms"', f'slo_p99 = "{slo * 1e3!r} ms"'))
    assert p.feasible
    t = tier(p, "app")
    args = (0.040, catalogue.instance("m5.xlarge").vcpus, slo, 0.8)
    assert meets(float(p.traffic.peak_qps) / t.count, *args)
    assert not meets(float(p.traffic.peak_qps) / (t.count - 1), *args)


def test_unreachable_database_slo_is_a_problem() -> None:
    """5 ms x ln 100 = 23 ms > a 20 ms target."""
    p = plan_text(edit(BASE, 'slo_p99 = "50 ms"', 'slo_p99 = "20 ms"'))
    assert not p.feasible
    assert [q.split(":")[0] for q in p.problems] == ["database"]


def test_cli_exits_1_when_an_slo_cannot_be_met(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(edit(BASE, 'slo_p99 = "400 ms"', 'slo_p99 = "150 ms"'))
    out = tmp_path / "out"
    assert main(["plan", str(scenario), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "INFEASIBLE" in err and "app" in err and "150 ms" in err
    md = (out / "report.md").read_text()
    assert md.startswith("# Capacity plan: base (INFEASIBLE)")
    assert "184 ms" in md  # the reason: what one request alone takes
    assert "no total" in md and "- (infeasible)" in md


# ---------------------------------------------------------------------------- CLI


def test_cli_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str], plans: dict[str, Plan]) -> None:
    out = tmp_path / "report"
    assert main(["plan", str(EXAMPLES / "startup.toml"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    total = plans["startup"].usd_per_month
    assert f"${total:,.0f}" in printed
    assert "breaks first" in printed and "app" in printed
    names = {
        "report.md",
        "report.html",
        "sizing.png",
        "cost.png",
        "latency.png",
        "headroom.png",
        "bill_by_year.png",
    }
    assert {p.name for p in out.iterdir()} == names
    for png in ("sizing.png", "cost.png", "latency.png", "headroom.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (out / "report.md").read_text()
    assert md.startswith("# Capacity plan: startup")
    assert f"{total:,.0f}" in md
    for png in ("sizing.png", "cost.png", "latency.png", "headroom.png"):
        assert f"({png})" in md
    html = (out / "report.html").read_text()
    assert "<h1>Capacity plan: startup</h1>" in html and 'src="latency.png"' in html


# (description, edit of BASE, fragment the message must contain, fragment of the line the
# message must point at, or None where there is no line to point at)
BAD_SCENARIOS = {
    "unknown section": (lambda t: t + "\n[extras]\nx = 1\n", "[extras]", "[extras]"),
    "unknown key": (
        lambda t: edit(t, 'cpu_time = "40 ms"', 'cpu_time = "40 ms"\ncolour = "red"'),
        "app.colour",
        "colour",
    ),
    "string for a number": (
        lambda t: edit(t, "daily_active = 1_000_000", 'daily_active = "lots"'),
        "users.daily_active",
        "daily_active",
    ),
    "bool for a number": (
        lambda t: edit(t, "write_fraction = 0.1", "write_fraction = true"),
        "users.write_fraction",
        "write_fraction",
    ),
    "bytes for a time": (
        lambda t: edit(t, 'cpu_time = "40 ms"', 'cpu_time = "200 GB"'),
        "app.cpu_time",
        "cpu_time",
    ),
    "time for bytes": (
        lambda t: edit(t, 'bytes_per_write = "2 KB"', 'bytes_per_write = "2 ms"'),
        "data.bytes_per_write",
        "bytes_per_write",
    ),
    "unknown unit": (
        lambda t: edit(t, 'slo_p99 = "50 ms"', 'slo_p99 = "50 fortnights"'),
        "database.slo_p99",
        'slo_p99 = "50 f',
    ),
    "number for a string": (
        lambda t: edit(t, 'instance = "m5.xlarge"', "instance = 5"),
        "app.instance",
        "instance = 5",
    ),
    "missing key": (lambda t: edit(t, 'cpu_time = "40 ms"\n', ""), "app.cpu_time", "[app]"),
    "missing section": (lambda t: drop_section(t, "database"), "[database]", None),
    "write fraction 1.5": (
        lambda t: edit(t, "write_fraction = 0.1", "write_fraction = 1.5"),
        "users.write_fraction",
        "write_fraction",
    ),
    "negative users": (
        lambda t: edit(t, "daily_active = 1_000_000", "daily_active = -5"),
        "users.daily_active",
        "daily_active",
    ),
    "zero time": (lambda t: edit(t, 'cpu_time = "40 ms"', 'cpu_time = "0 ms"'), "app.cpu_time", "cpu_time"),
    "peak below average": (
        lambda t: edit(t, "peak_to_average = 3", "peak_to_average = 0.5"),
        "users.peak_to_average",
        "peak_to_average",
    ),
    "fractional count": (
        lambda t: edit(t, 'slo_p99 = "50 ms"', 'slo_p99 = "50 ms"\nmin_replicas = 1.5'),
        "database.min_replicas",
        "min_replicas",
    ),
    "infinite value": (
        lambda t: edit(t, "replication = 3", "replication = inf"),
        "data.replication",
        "replication",
    ),
    "invalid TOML": (lambda t: edit(t, "[app]", "[app"), "not valid TOML", "[app"),
    "unknown app instance": (
        lambda t: edit(t, 'instance = "m5.xlarge"', 'instance = "m5.huge"'),
        "app.instance",
        '"m5.huge"',
    ),
    "unknown cache instance": (
        lambda t: edit(t, 'instance = "cache.r5.large"', 'instance = "cache.nope"'),
        "cache.instance",
        '"cache.nope"',
    ),
}


@pytest.mark.parametrize("case", list(BAD_SCENARIOS))
def test_cli_bad_scenario_exits_2_names_the_key_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    """Exit 2; stderr names the file, the key (and its line where there is one); --out untouched."""
    change, key, at = BAD_SCENARIOS[case]
    text = change(BASE)
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(text)
    out = tmp_path / "out"
    assert main(["plan", str(scenario), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert err.startswith("error: ")
    assert key in err, err
    if case == "invalid TOML":
        assert f"line {line_of(text, at)}" in err, err
    elif at is not None:
        assert f"{scenario}:{line_of(text, at)}:" in err, err
    else:
        assert str(scenario) in err, err
    assert captured.out == ""
    assert not out.exists()


def test_cli_nonexistent_scenario_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.toml"
    out = tmp_path / "out"
    assert main(["plan", str(missing), "--out", str(out)]) == 2
    assert str(missing) in capsys.readouterr().err
    assert not out.exists()


def test_cli_nonexistent_prices_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A --prices file that is not there is a bad catalogue: exit 2 naming it, not a traceback."""
    missing = tmp_path / "no_prices.toml"
    out = tmp_path / "out"
    assert main(["plan", str(EXAMPLES / "startup.toml"), "--out", str(out), "--prices", str(missing)]) == 2
    assert str(missing) in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[discounts]\nspot = 0.3\n", "discounts"),
        ("[bandwidth]\norigin_usd_per_gb = -1\n", "bandwidth.origin_usd_per_gb"),
        ('[instances."m5.xlarge"]\nkind = "compute"\nvcpus = 4\n', "instances.m5.xlarge"),
        ("bandwidth = 5\n", "bandwidth"),
        ("[limits]\ndatabase_max_read_qps = 0\n", "database_max_read_qps"),
    ],
    ids=["unknown section", "negative price", "missing key", "section not a table", "zero read limit"],
)
def test_cli_bad_prices_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, key: str
) -> None:
    """A bad --prices file: exit 2, the file and entry named on stderr, nothing written. A read
    limit of 0 per node can serve no reads at all, so it is as invalid as a negative one."""
    prices = tmp_path / "prices.toml"
    prices.write_text(text)
    out = tmp_path / "out"
    assert main(["plan", str(EXAMPLES / "startup.toml"), "--out", str(out), "--prices", str(prices)]) == 2
    err = capsys.readouterr().err
    assert str(prices) in err and key in err, err
    assert not out.exists()


# ---------------------------------------------------------------------------- scenarios


def test_cache_section_is_optional(catalogue: cost.Catalogue) -> None:
    """Without [cache] there is no cache tier and every read reaches the replicas."""
    p = plan_text(drop_section(BASE, "cache"))
    assert p.feasible
    assert [t.name for t in p.tiers] == ["app", "database primaries", "database replicas"]
    shards = tier(p, "database primaries").count
    reps = tier(p, "database replicas")
    reads = float(p.traffic.peak_read_qps)
    assert reps.load_per_node == pytest.approx(reads / reps.count, rel=1e-13)
    args = (0.005, catalogue.instance("db.r5.xlarge").vcpus, 0.050, 0.7)
    per_shard = reps.count // shards
    assert meets(reads / reps.count * reps.imbalance, *args)
    assert per_shard == 1 or not meets(reads * reps.imbalance / (shards * (per_shard - 1)), *args)
    assert "cache" not in p.costs


def test_defaults_fill_keys_left_out() -> None:
    """Keys left out take the schema's defaults; the name defaults to the file's stem."""
    s = parse_scenario(BASE.replace('name = "base"\n', ""), "somewhere/my_plan.toml")
    assert s["scenario"]["name"] == "my_plan"
    assert s["data"]["yearly_growth"] == 0.0
    assert s["data"]["response_bytes"] == 10_000.0
    assert s["app"]["max_utilization"] == 0.8
    assert s["database"]["max_utilization"] == 0.7
    assert s["database"]["min_replicas"] == 1
    assert s["cache"]["working_set_fraction"] == 0.2
    assert s["database"]["max_write_qps_per_shard"] is None


@pytest.mark.parametrize(
    ("key", "old", "new", "expected"),
    [
        (("app", "cpu_time"), 'cpu_time = "40 ms"', 'cpu_time = "200 ms"', 0.2),
        (("app", "cpu_time"), 'cpu_time = "40 ms"', 'cpu_time = "200ms"', 0.2),
        (("app", "cpu_time"), 'cpu_time = "40 ms"', 'cpu_time = "250 us"', 250e-6),
        (("app", "cpu_time"), 'cpu_time = "40 ms"', 'cpu_time = "250 µs"', 250e-6),
        (("app", "slo_p99"), 'slo_p99 = "400 ms"', 'slo_p99 = "1.5 s"', 1.5),
        (("app", "slo_p99"), 'slo_p99 = "400 ms"', 'slo_p99 = "2 min"', 120.0),
        (("data", "bytes_per_write"), 'bytes_per_write = "2 KB"', 'bytes_per_write = "2 KB"', 2000.0),
        (("data", "bytes_per_write"), 'bytes_per_write = "2 KB"', 'bytes_per_write = "1 GiB"', 2.0**30),
        (("data", "bytes_per_write"), 'bytes_per_write = "2 KB"', 'bytes_per_write = "3 MiB"', 3 * 2.0**20),
        (("data", "bytes_per_write"), 'bytes_per_write = "2 KB"', 'bytes_per_write = "16 TB"', 16e12),
        (("data", "bytes_per_write"), 'bytes_per_write = "2 KB"', 'bytes_per_write = "1.5e3 B"', 1500.0),
        (("data", "bytes_per_write"), 'bytes_per_write = "2 KB"', "bytes_per_write = 2048", 2048.0),
    ],
)
def test_units_parse(key: tuple[str, str], old: str, new: str, expected: float) -> None:
    s = parse_scenario(edit(BASE, old, new))
    assert s[key[0]][key[1]] == pytest.approx(expected, rel=1e-15)


def test_units_exact_values() -> None:
    """The brief's three: "200 ms" == 0.2, "2 KB" == 2000, "1 GiB" == 2**30, exactly."""
    text = edit(
        edit(BASE, 'cpu_time = "40 ms"', 'cpu_time = "200 ms"'),
        "replication = 3",
        'replication = 3\nresponse_bytes = "1 GiB"',
    )
    s = parse_scenario(text)
    assert s["app"]["cpu_time"] == 0.2
    assert s["data"]["bytes_per_write"] == 2000.0
    assert s["data"]["response_bytes"] == 2**30


def test_scenario_error_is_a_value_error_with_key_and_line() -> None:
    text = edit(BASE, "write_fraction = 0.1", "write_fraction = 1.5")
    with pytest.raises(
        ScenarioError, match=rf"^x\.toml:{line_of(text, 'write_fraction')}: users\.write_fraction"
    ):
        parse_scenario(text, "x.toml")
    assert issubclass(ScenarioError, ValueError)


def test_make_plan_accepts_a_custom_catalogue(catalogue: cost.Catalogue) -> None:
    """make_plan with the bundled catalogue given explicitly equals the default."""
    s = parse_scenario(BASE)
    assert make_plan(s, catalogue).costs == make_plan(s).costs


def test_cache_hit_ratio_from_zipf_matches_a_simulated_lru() -> None:
    """With zipf_alpha and objects, the plan's hit ratio is Che's for an LRU holding the
    working-set fraction; checked against the cache simulator (tolerance: 4 half-widths of
    its interval plus Che's own error, about 1% at these sizes), and the database reads are
    the misses."""
    from scalemodel import sim

    text = edit(BASE, "hit_ratio = 0.8", "zipf_alpha = 0.9\nobjects = 20_000\nworking_set_fraction = 0.1")
    p = plan_text(text)
    hit = p.scenario["cache"]["hit_ratio"]
    r = sim.simulate_cache(
        "lru", 2_000, 20_000, 0.9, requests=400_000, warmup=100_000, replications=8, seed=5
    )
    assert abs(hit - r.hit_ratio) <= 4 * r.half_width("hit_ratio") + 0.01
    reads = float(p.traffic.peak_read_qps) * (1 - hit)
    replicas = tier(p, "database replicas")
    assert replicas.load_per_node * replicas.count == pytest.approx(reads, rel=1e-12)


def test_cache_hit_ratio_defaults_to_0_8_when_neither_is_given() -> None:
    p = plan_text(edit(BASE, "hit_ratio = 0.8\n", ""))
    assert p.scenario["cache"]["hit_ratio"] == 0.8


@pytest.mark.parametrize(
    ("new", "key", "message"),
    [
        ("hit_ratio = 0.8\nzipf_alpha = 1.0\nobjects = 1000", "zipf_alpha", "not both"),
        ("zipf_alpha = 1.0", "zipf_alpha", "needs cache.objects"),
        ("objects = 1000", "objects", "needs cache.zipf_alpha"),
        # A count the engine takes, named as the scenario names it (not catalogue_size).
        ("zipf_alpha = 1.0\nobjects = 1e30", "objects", "cache.objects must be >= 1 and <= 2.14748e\\+09"),
        ("zipf_alpha = 1.0\nobjects = 1000.5", "objects", "cache.objects must be a whole number"),
    ],
)
def test_cache_hit_ratio_sources_are_exclusive(new: str, key: str, message: str) -> None:
    text = edit(BASE, "hit_ratio = 0.8", new)
    with pytest.raises(ScenarioError, match=rf"^x\.toml:{line_of(text, key)}: .*{message}"):
        parse_scenario(text, "x.toml")


def test_yearly_growth_phases_traffic_data_and_bill() -> None:
    """yearly_growth 0.5 over 2 years: year y is sized for the end of year y, traffic x 1.5^y
    and the data written by then, per_day x 365 x (1.5^y - 1) / ln 1.5 (the smooth curve of
    sm.cost.stored_bytes), x3 copies; each year's bill sums its own items."""
    text = edit(
        edit(BASE, "years = 3", "years = 2"), "replication = 3", "replication = 3\nyearly_growth = 0.5"
    )
    p = plan_text(text)
    per_day = 1_000_000 * 86.4 * 0.1 * 2000
    assert [y.year for y in p.years] == [1.0, 2.0]
    for y in p.years:
        assert y.peak_qps == pytest.approx(3000 * 1.5**y.year, rel=1e-12)
        stored = per_day * 365 * (1.5**y.year - 1) / math.log(1.5) * 3
        assert y.database_bytes == pytest.approx(stored, rel=1e-9)
        assert y.usd_per_month == pytest.approx(sum(y.costs.values()), rel=1e-13)
    assert float(p.traffic.peak_qps) == pytest.approx(3000 * 1.5, rel=1e-12)
    assert p.years[1].nodes["app"] > p.years[0].nodes["app"]
    assert p.usd_per_month == pytest.approx(p.years[0].usd_per_month, rel=1e-13)
    assert p.horizon_usd_per_month == p.years[1].usd_per_month
