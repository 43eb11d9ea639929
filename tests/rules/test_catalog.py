"""The rules catalog (docs/rules_catalog.md) is generated from the verdicts beside the tests."""

from __future__ import annotations

import pytest
import verdicts as v


def test_catalog_page_matches_the_tests() -> None:
    """Every rule test's claim has one Verdict and an Assumes: line, and the committed table
    is what they render to (regenerate: PYTHONPATH=python python tests/rules/verdicts.py >
    docs/rules_catalog.md)."""
    entries = v.collect()
    chapters = {int(e.verdict.claim[1:].split(".")[0]) for e in entries}
    assert chapters >= set(range(1, 13))
    assert v.CATALOG.read_text() == v.render(entries), "docs/rules_catalog.md is out of date"
    counts = {status: sum(e.verdict.status == status for e in entries) for status in v.STATUSES}
    readme = " ".join((v.CATALOG.parents[1] / "README.md").read_text().split())
    assert (
        f"Of {len(entries)} claims, {counts[v.HOLDS]} hold, {counts[v.CONDITIONAL]} hold only under "
        f"conditions the guide leaves out, and {counts[v.REFUTED]} are refuted" in readme
    ), "update the counts in the README's Rules of thumb section"


def test_verdict_helpers() -> None:
    sweep = v.across("x", [1, 2, 3, 4], lambda x: x >= 3)
    assert sweep.status == v.CONDITIONAL and sweep.flips == [(2, 3)] and sweep.holding() == [3, 4]
    assert v.across("x", [1, 2], lambda x: True).status == v.HOLDS
    assert v.observed(v.across("x", [1], lambda x: False), False) == v.REFUTED
    assert v.observed(True, False) == v.CONDITIONAL
    assert v.flips_at(lambda x: x >= 2.5, 0.0, 10.0, xtol=1e-6) == pytest.approx(2.5, abs=1e-6)
    assert v.flips_at(lambda x: x >= 300, 1, 1e6, xtol=1e-6, log=True) == pytest.approx(300, rel=1e-5)
    with pytest.raises(AssertionError):
        v.flips_at(lambda x: True, 0.0, 1.0, xtol=0.1)
    with pytest.raises(ValueError, match="conditions"):
        v.Verdict("C1.1", v.REFUTED, figures="x")
    with pytest.raises(ValueError, match="status"):
        v.Verdict("C1.1", "maybe", figures="x")
    with pytest.raises(AssertionError, match="declared"):
        v.Verdict("C1.1", v.HOLDS, figures="x").check(sweep)
