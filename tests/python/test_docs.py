"""The documentation site builds without a warning (Sphinx with -W), and every ``>>>``
example in its pages prints what the page claims."""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import scalemodel as sm

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts and "_generated" not in p.parts)
BLOCKS = [
    (page, block)
    for page in PAGES
    for block in re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)
    if block.lstrip().startswith(">>>")
]


@pytest.mark.parametrize(
    ("page", "block"), BLOCKS, ids=[f"{p.relative_to(DOCS)}-{i}" for i, (p, _) in enumerate(BLOCKS)]
)
def test_page_examples(page: Path, block: str) -> None:
    test = doctest.DocTestParser().get_doctest(block, {"sm": sm}, page.name, str(page), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0 and test.examples


def test_pages_have_examples() -> None:
    assert len(BLOCKS) >= 2


def test_site_builds_without_warnings(tmp_path: Path) -> None:
    # The docs extra brings Sphinx; CI installs it, so there a missing module is an error.
    if not os.environ.get("CI"):
        for module in ("sphinx", "myst_nb", "furo"):
            pytest.importorskip(module)
    package_dir = str(Path(sm.__file__).resolve().parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([package_dir, os.environ.get("PYTHONPATH", "")]),
        "SCALEMODEL_DOCS_EXECUTE": "off",
    }
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    out = subprocess.run(
        [*command, "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert (tmp_path / "html" / "api.html").read_text().count('class="sig-name descname"') > 100
    rules = (tmp_path / "html" / "_generated" / "rules.html").read_text()
    assert "test_c1_1_vertical_upgrade_response_time" in rules
    verdicts = (tmp_path / "html" / "rules_catalog.html").read_text()
    assert "holds under conditions" in verdicts and "$150 for 4" in verdicts
