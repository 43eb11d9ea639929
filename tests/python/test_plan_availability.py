"""Tier availability and spares in the plan, against the binomial by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import scalemodel as sm
from scalemodel.scenario import load_scenario, parse_scenario

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.mark.parametrize("name", ["startup", "twitter"])
def test_tier_availability_and_fewest_spares(name: str) -> None:
    """A tier sized for the peak needs all n nodes: availability a^n. Spares s are the fewest
    with P(at least n of n + s up) >= target, the binomial tail summed by hand."""
    plan = sm.plan.plan_file(EXAMPLES / f"{name}.toml")
    a, target = 0.999, 0.9999

    def at_least(n: int, total: int) -> float:
        return sum(math.comb(total, k) * a**k * (1 - a) ** (total - k) for k in range(n, total + 1))

    for t in plan.tiers:
        assert t.availability_without_spares == pytest.approx(a**t.count, rel=1e-9)
        assert t.availability == pytest.approx(at_least(t.count, t.count + t.spares), rel=1e-9)
        assert at_least(t.count, t.count + t.spares) >= target
        if t.spares:
            assert at_least(t.count, t.count + t.spares - 1) < target
    assert plan.availability == pytest.approx(math.prod(t.availability for t in plan.tiers), rel=1e-12)
    assert plan.availability >= target ** len(plan.tiers)


def test_reliability_section_sets_node_availability_and_target() -> None:
    text = (
        EXAMPLES / "startup.toml"
    ).read_text() + "\n[reliability]\nnode_availability = 0.99\ntarget = 0.999\n"
    plan = sm.plan.make_plan(parse_scenario(text))
    app = plan.tiers[0]
    assert app.availability_without_spares == pytest.approx(0.99**app.count, rel=1e-9)
    assert sm.reliability.k_of_n(app.count, app.count + app.spares, 0.99) >= 0.999
    with pytest.raises(sm.scenario.ScenarioError, match=r"reliability.target"):
        parse_scenario(text.replace("target = 0.999", "target = 1.5"))


def test_more_reliable_nodes_need_fewer_spares() -> None:
    base = load_scenario(EXAMPLES / "twitter.toml")
    spares = []
    for a in (0.99, 0.999, 0.9999):
        s = {k: dict(v) for k, v in base.items()}
        s["reliability"] = {"node_availability": a, "target": 0.9999}
        spares.append(sm.plan.make_plan(s).tiers[0].spares)
    assert spares[0] > spares[1] > spares[2]


def test_zones_add_the_spares_that_survive_losing_a_zone() -> None:
    """With 3 zones, nodes spread evenly: after losing the fullest zone (ceil(total / 3) nodes)
    the count the peak needs must remain; the spares are the fewest meeting both rules."""
    text = (EXAMPLES / "twitter.toml").read_text() + "\n[reliability]\nzones = 3\n"
    plan = sm.plan.make_plan(parse_scenario(text))
    base = sm.plan.plan_file(EXAMPLES / "twitter.toml")
    for t, b in zip(plan.tiers, base.tiers):
        assert t.count == b.count
        total = t.count + t.spares
        assert total - math.ceil(total / 3) >= t.count
        fewer = total - 1
        assert t.spares == b.spares or fewer - math.ceil(fewer / 3) < t.count
        assert t.usd_per_month == total * sm.cost.Catalogue.load().instance(t.instance).usd_per_month
