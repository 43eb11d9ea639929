"""`scalemodel plan --simulate`: year 1's tiers simulated end to end beside the plan's own
per-tier figures, and the end-to-end p99 target."""

from __future__ import annotations

import subprocess
import sys

import pytest

import scalemodel as sm


@pytest.fixture(scope="module")
def startup_check():
    plan = sm.plan.plan_file(sm.plan.example_path("startup"))
    return plan, sm.plan.simulate(plan, replications=6, seed=1)


def test_per_tier_figures_agree_where_the_plans_assumptions_hold(startup_check):
    _, check = startup_check
    table = check.table
    for tier in ("database primaries", "database replicas"):
        low, high = check.result.tier_ci(tier, "utilization", 0.999)
        assert low * 0.99 <= table.loc[tier, "util plan"] <= high * 1.01
        # Leaf tiers are the plan's M/M/c nodes: the simulated p99 within the histogram's error and noise.
        assert table.loc[tier, "p99 sim (ms)"] == pytest.approx(table.loc[tier, "p99 plan (ms)"], rel=0.04)
    low, high = check.result.tier_ci("app", "utilization", 0.999)
    assert low * 0.99 <= table.loc["app", "util plan"] <= high * 1.01


def test_the_stated_difference_app_threads_blocked_on_the_database(startup_check):
    _, check = startup_check
    table = check.table
    # The app's slots stay held during its database calls: more held than CPU-busy, and a p99 above the plan's.
    assert table.loc["app", "slots held sim"] > table.loc["app", "util sim"] + 0.01
    assert table.loc["app", "p99 sim (ms)"] > table.loc["app", "p99 plan (ms)"]
    assert any("keeps its vCPU's slot" in n for n in check.notes)


def test_nodes_are_scaled_alike_and_per_node_load_kept():
    plan = sm.plan.plan_file(sm.plan.example_path("instagram"))
    system, scale = sm.plan.simulated_system(plan)
    counts = {t.name: t.count for t in plan.tiers}
    sim_counts = {t.name: t.servers for t in system.tiers}
    assert sim_counts["database primaries"] == 1
    assert scale == pytest.approx(sim_counts["app"] / counts["app"])
    assert system.arrivals.rate == pytest.approx(float(plan.traffic.peak_qps) * scale)


def test_end_to_end_target_in_the_report_and_exit_code(tmp_path):
    scenario = str(sm.plan.example_path("startup"))
    base = [sys.executable, "-m", "scalemodel.cli", "plan", scenario, "--simulate", "--sensitivity", "0"]
    met = subprocess.run(
        [*base, "--out", str(tmp_path / "a"), "--set", "scenario.slo_p99=2 s"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert met.returncode == 0, met.stderr
    assert "meets the end-to-end target of 2000 ms" in met.stdout
    report = (tmp_path / "a" / "report.md").read_text()
    assert "## Simulated against the plan, per tier" in report and "## How the simulation differs" in report
    missed = subprocess.run(
        [*base, "--out", str(tmp_path / "b"), "--set", "scenario.slo_p99=50 ms"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missed.returncode == 1
    assert "MISSED" in missed.stderr


def test_end_to_end_target_must_be_a_duration():
    with pytest.raises(sm.scenario.ScenarioError, match=r"scenario\.slo_p99"):
        sm.plan.plan_text(
            '[scenario]\nname="x"\nslo_p99=5\n[users]\ndaily_active=1000\nrequests_per_day=10\n'
            '[data]\nbytes_per_write="1 KB"\n[app]\ninstance="m5.xlarge"\ncpu_time="10 ms"\n'
            'slo_p99="100 ms"\n[cache]\ninstance="cache.r5.large"\n'
            '[database]\ninstance="db.r5.xlarge"\nquery_time="5 ms"\nslo_p99="50 ms"\n'
        )
