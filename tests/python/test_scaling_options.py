"""sm.plan.scaling_options: vertical against horizontal, checked machine by machine."""

from __future__ import annotations

import math

import pytest

import scalemodel as sm

q = sm.queueing


def test_each_option_is_the_fewest_machines_that_meet_the_target() -> None:
    """Split the load evenly over n machines (M/M/v each): n meets the p99 and utilization
    targets and n - 1 does not; the cost is n x the catalogue price."""
    load, cpu, slo = 2000.0, 0.05, 0.5
    cat = sm.cost.Catalogue.load()
    options = sm.plan.scaling_options(load, cpu, slo, catalogue=cat)
    assert list(options["usd_per_month"]) == sorted(options["usd_per_month"])
    for name, row in options.iterrows():
        inst = cat.instance(str(name))
        n = int(row["machines"])
        ok = q.MMc(load / n, 1 / cpu, inst.vcpus)
        assert ok.response_quantile(0.99) <= slo * (1 + 1e-9) and ok.utilization <= 0.8 + 1e-12
        if n > 1:
            fewer = q.MMc(load / (n - 1), 1 / cpu, inst.vcpus)
            assert fewer.response_quantile(0.99) > slo or fewer.utilization > 0.8
        assert row["usd_per_month"] == pytest.approx(n * inst.usd_per_month)


def test_unreachable_target_and_unknown_kind() -> None:
    """A p99 below what one request takes alone (0.05 s x ln 100 = 0.23 s) cannot be met."""
    options = sm.plan.scaling_options(2000.0, 0.05, 0.2)
    assert all(math.isinf(m) for m in options["machines"])
    with pytest.raises(ValueError, match="no instances of kind 'gpu'"):
        sm.plan.scaling_options(10.0, 0.05, 1.0, kind="gpu")
