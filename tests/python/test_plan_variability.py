"""Service-time variability in plans (cpu_time_p99 / cpu_time_scv, query_time_p99 /
query_time_scv), the G/G/c inverse problems behind them, and durations that must carry
their unit.

Oracles: the lognormal through a mean and a p99 is checked by its own quantile (and the
formula log(p99 / mean) = z sigma - sigma^2 / 2 by hand); the G/G/c counts against
sm.queueing.GGc directly (the count meets the p99, one fewer does not); and a plan with a
service p99 of 2.5x the mean against the station simulator with that lognormal: the
planned count meets the p99 target in simulation and one node fewer does not, within one
node (tolerance: the simulator's 95% interval). Simulations are small and seeded.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

import scalemodel as sm
from scalemodel.plan import plan_text
from scalemodel.scenario import ScenarioError, parse_scenario

q = sm.queueing
D = sm.distributions

# 1e6 users x 86.4 requests = 1,000 req/s on average, 3,000 at peak; 4-vCPU app servers.
BASE = """\
[scenario]
name = "var"
years = 1

[users]
daily_active = 1_000_000
requests_per_day = 86.4
write_fraction = 0.1
peak_to_average = 3

[data]
bytes_per_write = "2 KB"

[app]
instance = "m5.xlarge"
cpu_time = "40 ms"
slo_p99 = "{slo}"
{extra}

[database]
instance = "db.r5.xlarge"
query_time = "5 ms"
slo_p99 = "50 ms"
"""


def scenario(slo: str = "120 ms", extra: str = "") -> str:
    return BASE.format(slo=slo, extra=extra)


def test_lognormal_through_mean_and_p99_by_hand() -> None:
    """sigma solves log(p99 / mean) = z sigma - sigma^2 / 2 (smaller root); mean and p99 kept."""
    d = D.Lognormal.from_mean_quantile(0.040, 0.100)
    z = NormalDist().inv_cdf(0.99)
    sigma = z - math.sqrt(z * z - 2 * math.log(2.5))
    assert d.sigma == pytest.approx(sigma, rel=1e-14)
    assert d.mean == 0.040
    assert float(d.quantile(0.99)) == pytest.approx(0.100, rel=1e-12)
    assert d.scv == pytest.approx(math.exp(sigma**2) - 1, rel=1e-12)
    with pytest.raises(ValueError, match=r"p99 must be between the mean and 14\.97x"):
        D.Lognormal.from_mean_quantile(0.040, 0.7)
    # the gamma the queue model uses keeps the mean and the p99 (so its SCV is above the
    # lognormal's at 2.5x); SCV 1 is the exponential, whose p99 is ln(100) x the mean
    g = D.Gamma.from_mean_quantile(0.040, 0.100)
    assert float(g.quantile(0.99)) == pytest.approx(0.100, rel=1e-10)
    assert g.scv > d.scv
    assert D.Gamma.from_mean_quantile(1.0, math.log(100)).scv == pytest.approx(1.0, rel=1e-9)
    with pytest.raises(ValueError, match="p99 must be between the mean"):
        D.Gamma.from_mean_quantile(0.040, 0.030)


def test_the_issue_case_is_infeasible_only_with_exponential_service() -> None:
    """cpu_time 40 ms with a 50 ms p99: exponential service alone has a p99 of 184 ms, so no
    size helps (and the reason says so); with cpu_time_p99 = 45 ms the plan is feasible."""
    p = plan_text(scenario("50 ms"))
    assert not p.feasible and "184 ms" in p.problems[0] and "exponential" in p.problems[0]
    assert math.isnan(p.usd_per_month)
    ok = plan_text(scenario("50 ms", 'cpu_time_p99 = "45 ms"'))
    assert ok.feasible
    assert ok.tiers[0].service is not None and ok.tiers[0].service.p99_s == 0.045


@pytest.mark.parametrize(
    ("extra", "slo"),
    [('cpu_time_p99 = "100 ms"', 0.120), ("cpu_time_scv = 0.3", 0.120), ("cpu_time_scv = 2.0", 0.400)],
)
def test_app_count_is_the_fewest_ggc_nodes(extra: str, slo: float) -> None:
    """At the planned count each node's G/G/c (SCV of the given law) meets the p99 target and
    the utilization cap; one node fewer does not."""
    p = plan_text(scenario(f"{slo * 1e3:g} ms", extra))
    app = p.tiers[0]
    assert app.service is not None
    scv = app.service.scv
    peak = float(p.traffic.peak_qps)

    def ok(n: int) -> bool:
        m = q.GGc(peak / n, 0.040, 4, 1.0, scv)
        return bool(
            m.stable and m.response_quantile(0.99) <= slo * (1 + 1e-9) and m.utilization <= 0.8 + 1e-12
        )

    assert ok(app.count) and not ok(app.count - 1)
    assert app.p99_s == pytest.approx(
        float(q.GGc(peak / app.count, 0.040, 4, 1.0, scv).response_quantile(0.99))
    )


def test_less_variable_service_needs_fewer_nodes() -> None:
    counts = [
        plan_text(scenario("200 ms", extra)).tiers[0].count
        for extra in ("", 'cpu_time_p99 = "100 ms"', "cpu_time_scv = 0")
    ]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[1]


def test_ggc_min_servers_and_max_arrival_rate_agree_with_the_model() -> None:
    """min_servers with service_scv: GGc meets the target at c and not at c - 1; max_arrival_rate
    is where the p99 reaches the target; scv 1 gives the M/M/c answers."""
    c = q.min_servers(400.0, 25.0, response_time=0.1, service_scv=0.2)
    assert float(q.GGc(400.0, 0.04, int(c), 1.0, 0.2).response_quantile(0.99)) <= 0.1
    assert float(q.GGc(400.0, 0.04, int(c) - 1, 1.0, 0.2).response_quantile(0.99)) > 0.1
    lam = float(q.max_arrival_rate(25.0, 8, response_time=0.1, service_scv=0.2))
    assert float(q.GGc(lam, 0.04, 8, 1.0, 0.2).response_quantile(0.99)) == pytest.approx(0.1, rel=1e-6)
    assert q.min_servers(400.0, 25.0, response_time=0.2, service_scv=1.0) == q.min_servers(
        400.0, 25.0, response_time=0.2
    )
    # arrays broadcast; unreachable targets are inf, and the reason names the figures
    out = q.min_servers(np.array([100.0, 400.0]), 25.0, response_time=0.08, service_scv=np.array([0.1, 1.0]))
    assert np.isfinite(out[0]) and np.isinf(out[1])
    assert "184 ms" in q.why_no_servers(25.0, response_time=0.08)
    assert q.why_no_servers(25.0, response_time=0.08, service_scv=0.1) == ""


def test_scaling_options_explain_an_unreachable_target() -> None:
    """45 ms mean, 200 ms p99 target: exponential service alone takes 207 ms at p99, so every
    instance is inf with that reason; with SCV 0.5 every instance has a finite count."""
    exp = sm.plan.scaling_options(2000.0, 0.045, 0.2)
    assert all(math.isinf(m) for m in exp["machines"])
    assert all("207 ms" in r for r in exp["limited_by"])
    var = sm.plan.scaling_options(2000.0, 0.045, 0.2, cpu_time_scv=0.5)
    assert all(math.isfinite(m) for m in var["machines"])


def test_planned_count_is_confirmed_by_the_simulator() -> None:
    """Service p99 = 2.5x the mean (lognormal, 20 ms mean, 50 ms p99) on 4-vCPU nodes with a
    60 ms p99 target and the utilization cap out of the way (0.99). The station simulator
    with that lognormal (60,000 customers x 6 replications, 95% intervals) says the planned
    count meets the target (the interval reaches below it) and two nodes fewer miss it (the
    interval lies above it): the plan's count is the fewest within one node. (Seen: 57.9 ms
    at the planned 24 nodes, 59.7 ms at 23, the simulated fewest, and 62.4 ms at 22.)"""
    text = scenario("60 ms", 'cpu_time_p99 = "50 ms"\nmax_utilization = 0.99').replace(
        'cpu_time = "40 ms"', 'cpu_time = "20 ms"'
    )
    p = plan_text(text)
    app = p.tiers[0]
    assert app.limited_by == "p99 target 60 ms"
    law = D.Lognormal.from_mean_quantile(0.020, 0.050)
    peak = float(p.traffic.peak_qps)

    def p99_interval(n: int) -> tuple[float, float]:
        r = sm.sim.simulate_queue(peak / n, law, 4, customers=60_000, replications=6, seed=11)
        row = r.to_frame().loc["p99_response"]
        return float(row["ci_low"]), float(row["ci_high"])

    assert p99_interval(app.count)[0] <= 0.060
    assert p99_interval(app.count - 2)[0] > 0.060


@pytest.mark.parametrize("value", ["40", "0.04", "40.0"])
def test_a_bare_number_for_a_duration_is_an_error_naming_the_key(value: str) -> None:
    text = scenario().replace('cpu_time = "40 ms"', f"cpu_time = {value}")
    with pytest.raises(ScenarioError, match=r"app\.cpu_time needs a unit: write a string such as"):
        parse_scenario(text)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('cpu_time_p99 = "100 ms"\ncpu_time_scv = 0.5', "not both"),
        ('cpu_time_p99 = "30 ms"', "must be between the mean"),
        ('cpu_time_p99 = "1 s"', "14.97x"),
        ("cpu_time_scv = -1", "app.cpu_time_scv must be >= 0"),
    ],
)
def test_variability_keys_are_checked(extra: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(scenario("120 ms", extra))


def test_overrides_replace_values_and_are_marked_as_given() -> None:
    s = parse_scenario(scenario(), overrides={"app.cpu_time": "30ms", "reliability.zones": "2"})
    assert s["app"]["cpu_time"] == pytest.approx(0.030, rel=1e-15)
    assert s["reliability"]["zones"] == 2
    assert "app.cpu_time" in s.given and "reliability.zones" in s.given
    assert "app.max_utilization" not in s.given
    with pytest.raises(ScenarioError, match="unknown key"):
        parse_scenario(scenario(), overrides={"app.colour": "red"})


def test_call_centre_service_level_against_the_erlang_c_closed_form() -> None:
    """P(wait <= t) = 1 - C(c, a) exp(-(c mu - lambda) t) for M/M/c (Erlang C, C from
    sm.queueing.erlang_c). 2 calls/s of 180 s each (360 erlangs), 80% answered within 20 s:
    the count meets it and one fewer does not; max_arrival_rate is where it holds exactly."""
    lam, mu, t = 2.0, 1 / 180, 20.0

    def level(c: int, rate: float = lam) -> float:
        return 1 - float(q.erlang_c(c, rate / mu)) * math.exp(-(c * mu - rate) * t)

    c = int(q.min_servers(lam, mu, wait_time=t, service_level=0.8))
    assert level(c) >= 0.8 > level(c - 1)
    rate = float(q.max_arrival_rate(mu, c, wait_time=t, service_level=0.8))
    assert level(c, rate) == pytest.approx(0.8, rel=1e-9)
    with pytest.raises(ValueError, match="wait_time and service_level go together"):
        q.min_servers(lam, mu, wait_time=t)
    with pytest.raises(ValueError, match="service_level"):
        q.min_servers(lam, mu, wait_time=t, service_level=1.5)


LOGNORMAL = {"app.cpu_time_p99": "60 ms", "database.query_time_p99": "15 ms"}  # 3x the means


@pytest.mark.parametrize(
    ("name", "overrides"),
    [("startup", {}), ("twitter", {}), ("instagram", {}), ("twitter", LOGNORMAL)],
    ids=["startup", "twitter", "instagram", "twitter-lognormal"],
)
def test_each_example_tier_p99_against_the_station_simulator(name: str, overrides: dict[str, str]) -> None:
    """The plan's p99 at peak for the busiest node of each queue tier against the station
    simulator of that node (vCPUs servers, Poisson arrivals at the busiest node's load, the
    tier's service law: exponential, or the lognormal through the mean and the given p99).
    Tolerance: 4 half-widths of the simulator's 95% interval plus 2% (the histogram's
    quantile resolution); for the lognormal the model may sit up to 5% above (its gamma
    keeps the p99 but not the shape; seen +0.4% to +3.6%), never more than that below."""
    from pathlib import Path

    plan = sm.plan.plan_file(Path(__file__).parents[2] / "examples" / f"{name}.toml", overrides=overrides)
    for t in plan.tiers:
        if t.service is None:
            continue
        r = sm.sim.simulate_queue(
            t.load_per_node * t.imbalance,
            t.service.distribution(),
            t.vcpus,
            customers=40_000,
            replications=4,
            seed=3,
        )
        row = r.to_frame().loc["p99_response"]
        slack = 4 * row["half_width"] + 0.02 * t.p99_s
        above = 0.05 * t.p99_s if overrides else 0.0
        assert -slack <= t.p99_s - row["estimate"] <= slack + above, (t.name, row, t.p99_s)
