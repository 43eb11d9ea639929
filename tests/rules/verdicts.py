"""Machine-readable verdicts of the rules catalog, and the helpers that check them.

Each rule test module declares one :class:`Verdict` per claim beside its test::

    C6_2 = Verdict("C6.2", CONDITIONAL, conditions="...", figures="...")

and the test checks it against what the models say over the range a practitioner would
consider::

    spike = across("zipf", [0.6, 0.9, 1.2], lambda a: recovery(a) <= 100_000)
    C6_2.check(spike)           # fails unless the sweep's outcome is CONDITIONAL

``across`` evaluates a yes/no statement at each value of one assumption; the statuses of
the sweeps decide the observed status (all hold: HOLDS; none holds: REFUTED; otherwise
CONDITIONAL, with the values between which the statement flips). ``flips_at`` finds that
point by bisection when the assumption is continuous.

The test's docstring carries the assumptions on an ``Assumes:`` line; :func:`collect` reads
both and :func:`render` turns them into the catalog table (docs/rules_catalog.md), which
tests/rules/test_catalog.py regenerates and compares on every run. Regenerate it with
``PYTHONPATH=python python tests/rules/verdicts.py > docs/rules_catalog.md``.

Kept under tests/rules for now; it is meant to move to ``scalemodel.testing`` (the pytest
companion) so users can write their own verdicts the same way.
"""

from __future__ import annotations

import importlib.util
import inspect
import math
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOLDS = "holds"
CONDITIONAL = "holds under conditions"
REFUTED = "refuted"
STATUSES = (HOLDS, CONDITIONAL, REFUTED)
_CLAIM = re.compile(r"^C\d+\.\d+$")


@dataclass(frozen=True)
class Across:
    """A yes/no statement evaluated at each value of one assumption (see :func:`across`)."""

    parameter: str
    values: tuple[Any, ...]
    holds: tuple[bool, ...]

    @property
    def status(self) -> str:
        if all(self.holds):
            return HOLDS
        if not any(self.holds):
            return REFUTED
        return CONDITIONAL

    @property
    def flips(self) -> list[tuple[Any, Any]]:
        """Adjacent values between which the statement changes."""
        pairs = zip(zip(self.values, self.holds), zip(self.values[1:], self.holds[1:]))
        return [(a, b) for (a, ha), (b, hb) in pairs if ha != hb]

    def holding(self) -> list[Any]:
        return [v for v, ok in zip(self.values, self.holds) if ok]

    def __str__(self) -> str:
        if self.status != CONDITIONAL:
            return f"{self.status} for {self.parameter} in {list(self.values)}"
        where = ", ".join(f"{a}..{b}" for a, b in self.flips)
        return f"holds for {self.parameter} in {self.holding()}, flips between {where}"


def across(parameter: str, values: Iterable[Any], statement: Callable[[Any], Any]) -> Across:
    """Evaluate ``statement(value)`` (truthy when the guide's statement holds there) at each
    value of ``parameter``, in the given order."""
    vals = tuple(values)
    if not vals:
        raise ValueError("across needs at least one value")
    return Across(parameter, vals, tuple(bool(statement(v)) for v in vals))


def flips_at(
    statement: Callable[[float], Any], low: float, high: float, *, xtol: float, log: bool = False
) -> float:
    """The point in [low, high] where ``statement`` changes, by bisection (to ``xtol``, in
    log10 units when ``log``). Raises AssertionError when it has the same value at both ends."""
    f_low = bool(statement(low))
    if bool(statement(high)) == f_low:
        raise AssertionError(f"the statement does not flip between {low} and {high}")
    a, b = (math.log10(low), math.log10(high)) if log else (low, high)
    while b - a > xtol:
        m = (a + b) / 2
        if bool(statement(10**m if log else m)) == f_low:
            a = m
        else:
            b = m
    mid = (a + b) / 2
    return 10**mid if log else mid


def observed(*sweeps: Across | bool) -> str:
    """The status several sweeps (or plain booleans for statements without an assumption
    to vary) support together."""
    if not sweeps:
        raise ValueError("observed needs at least one sweep")
    statuses = {s.status if isinstance(s, Across) else (HOLDS if s else REFUTED) for s in sweeps}
    return statuses.pop() if len(statuses) == 1 else CONDITIONAL


@dataclass(frozen=True)
class Verdict:
    """What a rule test concludes about one claim of the catalog.

    status: HOLDS, CONDITIONAL or REFUTED. conditions: where the statement holds and where
    it flips (required unless it simply holds). figures: the headline numbers, at both ends
    of the range where it flips."""

    claim: str
    status: str
    figures: str
    conditions: str = ""
    test_module: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not _CLAIM.match(self.claim):
            raise ValueError(f"claim must look like C6.2, got {self.claim!r}")
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")
        if self.status != HOLDS and not self.conditions:
            raise ValueError(f"{self.claim}: a {self.status!r} verdict must state its conditions")
        if not self.figures:
            raise ValueError(f"{self.claim}: a verdict states its headline figures")
        if not self.test_module:
            caller = sys._getframe(1).f_code.co_filename
            object.__setattr__(self, "test_module", Path(caller).name)

    def check(self, *sweeps: Across | bool) -> None:
        """Assert that the sweeps support this verdict's status."""
        got = observed(*sweeps)
        detail = "; ".join(str(s) for s in sweeps if isinstance(s, Across))
        assert got == self.status, (
            f"{self.claim}: declared {self.status!r}, the models say {got!r} ({detail})"
        )


# --- the catalog table ------------------------------------------------------------------------

HERE = Path(__file__).resolve().parent


def _load(path: Path) -> Any:
    name = path.stem  # the name pytest imports it under (rootdir-relative, prepend mode)
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _claim_key(claim: str) -> tuple[int, int]:
    chapter, number = claim[1:].split(".")
    return int(chapter), int(number)


def assumptions(doc: str) -> str:
    """The text of a docstring's ``Assumes:`` paragraph (up to a blank line), one line."""
    m = re.search(r"Assumes:(.*?)(?:\n\s*\n|$)", doc, flags=re.S)
    return " ".join(m.group(1).split()) if m else ""


@dataclass(frozen=True)
class Entry:
    verdict: Verdict
    tests: tuple[str, ...]
    assumes: str


def collect(paths: Sequence[Path] | None = None) -> list[Entry]:
    """Every Verdict declared in the rule test modules, with the tests that state its claim
    (docstrings starting with the id) and their ``Assumes:`` lines, sorted by claim."""
    files = sorted(paths if paths is not None else HERE.glob("test_c*.py"))
    verdicts: dict[str, Verdict] = {}
    tests: dict[str, list[tuple[str, str]]] = {}
    for path in files:
        module = _load(path)
        for value in vars(module).values():
            if isinstance(value, Verdict):
                if value.claim in verdicts:
                    raise AssertionError(f"{value.claim} has two verdicts")
                verdicts[value.claim] = value
        for name, fn in vars(module).items():
            if name.startswith("test_") and callable(fn):
                doc = inspect.getdoc(fn) or ""
                m = re.match(r"(C\d+\.\d+)", doc)
                if m:
                    tests.setdefault(m.group(1), []).append((f"{path.name}::{name}", assumptions(doc)))
    entries = []
    for claim in sorted(set(verdicts) | set(tests), key=_claim_key):
        if claim not in verdicts:
            raise AssertionError(f"{claim}: tested by {[t for t, _ in tests[claim]]} but has no Verdict")
        if claim not in tests:
            raise AssertionError(f"{claim}: a Verdict in {verdicts[claim].test_module} but no test states it")
        missing = [t for t, a in tests[claim] if not a]
        if missing:
            raise AssertionError(f"{claim}: no 'Assumes:' line in the docstring of {missing}")
        assumes = list(dict.fromkeys(a for _, a in tests[claim]))
        entries.append(Entry(verdicts[claim], tuple(t for t, _ in tests[claim]), " ".join(assumes)))
    return entries


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(entries: Sequence[Entry]) -> str:
    """The catalog as a Markdown page: counts, then one row per claim."""
    counts = {s: sum(e.verdict.status == s for e in entries) for s in STATUSES}
    lines = [
        "# Rules-of-thumb catalog: verdicts",
        "",
        "Generated by `PYTHONPATH=python python tests/rules/verdicts.py` from the verdicts declared",
        "beside the tests in `tests/rules/`; `tests/rules/test_catalog.py` fails when this page and",
        "the tests disagree. Each verdict is asserted by its test across the range of its",
        'assumptions; "holds under conditions" names where the statement flips.',
        "",
        f"{len(entries)} claims: {counts[HOLDS]} hold, {counts[CONDITIONAL]} hold under conditions, "
        f"{counts[REFUTED]} refuted.",
        "",
        "| Claim | Verdict | Holds when / flips at | Headline figures | Assumes | Test |",
        "|---|---|---|---|---|---|",
    ]
    for e in entries:
        v = e.verdict
        tests = "<br>".join(f"`{t}`" for t in e.tests)
        lines.append(
            f"| {v.claim} | {v.status} | {_cell(v.conditions) or '-'} | {_cell(v.figures)} | "
            f"{_cell(e.assumes)} | {tests} |"
        )
    return "\n".join(lines) + "\n"


CATALOG = HERE.parents[1] / "docs" / "rules_catalog.md"

if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))  # tests/: intervals, as under pytest
    import verdicts as _shared  # the test modules' copy, so their Verdicts are its instances

    sys.stdout.write(_shared.render(_shared.collect()))
