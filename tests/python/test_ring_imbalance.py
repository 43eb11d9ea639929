"""Expected busiest-node imbalance on a consistent-hash ring, against exact rings."""

from __future__ import annotations

import numpy as np
import pytest

import scalemodel as sm


@pytest.mark.parametrize("nodes", [16, 64, 256])
def test_expected_imbalance_matches_the_mean_of_exact_rings(nodes: int) -> None:
    """The closed form (Beta shares, independent maxima) against the average max/mean of 30
    exact rings whose node names differ (each a random placement of the points): within 4
    standard errors of that average plus 1% for the independence approximation."""
    expected = sm.hashing.expected_ring_imbalance(nodes, 150)
    exact = np.array(
        [
            sm.hashing.Ring([f"set{k}-node{i}" for i in range(nodes)], vnodes=150).arc_shares().max() * nodes
            for k in range(30)
        ]
    )
    se = exact.std(ddof=1) / np.sqrt(exact.size)
    assert abs(expected - exact.mean()) <= 4 * se + 0.01 * exact.mean()


def test_expected_imbalance_shape() -> None:
    """1 for one node, above 1 otherwise, growing with nodes, shrinking with virtual nodes."""
    f = sm.hashing.expected_ring_imbalance
    assert f(1, 150) == 1.0
    grow = [f(n, 150) for n in (2, 4, 16, 64, 256, 1024)]
    assert all(1 < a < b for a, b in zip(grow, grow[1:]))
    assert f(64, 10) > f(64, 150) > f(64, 1000) > 1
    with pytest.raises(ValueError, match="vnodes"):
        f(4, 0)


def test_plan_sizes_the_busiest_shard() -> None:
    """Planned shards account for the busiest shard: the imbalance on the tier is the
    expected ring imbalance at its count, and a scenario without virtual nodes (an even
    split) never needs more shards."""
    from pathlib import Path

    from scalemodel.scenario import load_scenario

    scenario = load_scenario(Path(__file__).parents[2] / "examples" / "twitter.toml")
    plan = sm.plan.make_plan(scenario)
    prim = next(t for t in plan.tiers if t.name == "database primaries")
    assert prim.imbalance == pytest.approx(sm.hashing.expected_ring_imbalance(prim.count, 150), rel=1e-15)
    even = {k: dict(v) for k, v in scenario.items()}
    even["database"]["virtual_nodes"] = 0
    prim_even = next(t for t in sm.plan.make_plan(even).tiers if t.name == "database primaries")
    assert prim_even.imbalance == 1.0
    assert prim_even.count <= prim.count
