"""C1.3-C1.4: what scaling costs, from the price catalogue and the capacity planner."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from verdicts import HOLDS, REFUTED, Verdict, across

import scalemodel as sm
from scalemodel.scenario import parse_scenario

q = sm.queueing
EXAMPLES = Path(__file__).parents[2] / "examples"

C1_3 = Verdict(
    "C1.3",
    HOLDS,
    figures="$37.50 per vCPU a month from 2 to 96 vCPU ($150 for 4, $600 for 16); capacity under "
    "a p99 target grows faster than 4x from 4 to 16 vCPU, so cost per request/s falls",
)
C1_4 = Verdict(
    "C1.4",
    REFUTED,
    conditions="the table's 10x economy of scale per user does not follow from linear prices "
    "and a fixed per-user workload: past the minimum footprint the bill grows with the users",
    figures="guide: $0.01 per user a month at 10K users falling to $0.001 at 100M; model "
    "(startup scenario, 60 requests per user a day): flat within 10% from 1M to 100M users",
)


def test_c1_3_vertical_cost_is_linear_but_capacity_is_not() -> None:
    """C1.3 The catalogue carries the guide's prices ($150 for 4 vCPU/16 GB, $600 for 16 vCPU/
    64 GB), so price per vCPU is constant: 4x the cost for 4x the vCPUs. Capacity is not
    linear, though: under a p99 target the pooled 16 vCPU box takes more than 4x the load of
    the 4 vCPU one (M/M/16 versus M/M/4), so the cost per request/s falls as you scale up.

    Assumes: the catalogue's on-demand m5 prices; M/M/v servers at 50 ms of CPU per request
    under a 500 ms p99 target."""
    cat = sm.cost.Catalogue.load()
    small, big = cat.instance("m5.xlarge"), cat.instance("m5.4xlarge")
    assert (small.vcpus, small.memory_gb, small.usd_per_month) == (4, 16, 150)
    assert (big.vcpus, big.memory_gb, big.usd_per_month) == (16, 64, 600)
    assert big.usd_per_month / small.usd_per_month == pytest.approx(big.vcpus / small.vcpus, rel=1e-15)

    mu = 1 / 0.05  # 50 ms of CPU per request
    cap_small = q.max_arrival_rate(mu, small.vcpus, response_time=0.5, quantile=0.99)
    cap_big = q.max_arrival_rate(mu, big.vcpus, response_time=0.5, quantile=0.99)
    assert cap_big / cap_small > 4.0
    assert big.usd_per_month / cap_big < small.usd_per_month / cap_small
    sizes = ("m5.large", "m5.xlarge", "m5.2xlarge", "m5.4xlarge", "m5.8xlarge", "m5.24xlarge")
    linear = across("m5 size", sizes, lambda n: cat.instance(n).usd_per_month / cat.instance(n).vcpus == 37.5)
    C1_3.check(linear)


def test_c1_4_decision_table_cost_per_user() -> None:
    """C1.4 The guide's table is not consistent per user: it implies $0.01 per user a month
    at 10K users falling to $0.001 at 100M, a 10x economy of scale. A capacity model with
    linear prices and a fixed per-user workload (the bundled startup scenario: 60 requests
    per user a day) says otherwise: past the minimum footprint the bill grows in step with
    users, the cost per user is flat within 10% from 1M to 100M users, and only the
    smallest deployment pays a premium for its fixed minimum of one node per tier.

    Assumes: the bundled startup scenario (60 requests per user a day, its SLOs and
    payloads) scaled to each row's users, the catalogue's linear prices."""
    table = {1e4: 100, 1e5: 500, 1e6: 2_000, 1e7: 15_000, 1e8: 100_000}  # users: USD/month
    guide_per_user = [usd / users for users, usd in table.items()]
    assert all(a > b for a, b in zip(guide_per_user, guide_per_user[1:]))
    assert guide_per_user[0] / guide_per_user[-1] == pytest.approx(10.0)

    base = parse_scenario((EXAMPLES / "startup.toml").read_text())
    model_per_user = {}
    for users in table:
        s = copy.deepcopy(base)
        s["users"]["daily_active"] = users
        plan = sm.plan.make_plan(s)
        assert plan.feasible
        model_per_user[users] = plan.usd_per_month / users
    large = [model_per_user[u] for u in (1e6, 1e7, 1e8)]
    assert max(large) / min(large) < 1.10
    assert model_per_user[1e4] > 2 * model_per_user[1e8]
    steps = across("users", (1e6, 1e7), lambda u: model_per_user[u] > 1.5 * model_per_user[10 * u])
    C1_4.check(steps)
