"""Sphinx configuration of the scalemodel documentation.

Build: ``sphinx-build -W -b html docs docs/_build/html`` with scalemodel importable (the
installed package, or PYTHONPATH=python in a source tree with the compiled module). The
notebooks are rendered as stored (without outputs) unless SCALEMODEL_DOCS_EXECUTE=auto,
which runs them (``bash quickstart.sh docs`` does; the test suite builds without it, fast).
"""

from __future__ import annotations

import ast
import os
import shutil
from pathlib import Path

import scalemodel

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
GENERATED = DOCS / "_generated"

project = "scalemodel"
author = "The scalemodel maintainers"
copyright = "2026, The scalemodel maintainers"
release = scalemodel.__version__
version = release

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
# "$150 for 4, $600 for 16" is money, not math: $...$ needs no inner spaces and no digits
# outside.
myst_dmath_allow_space = False
myst_dmath_allow_digits = False
myst_heading_anchors = 3
nb_execution_mode = os.environ.get("SCALEMODEL_DOCS_EXECUTE", "off")
nb_execution_timeout = 900
nb_execution_raise_on_error = True
nb_merge_streams = True

autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autoclass_content = "both"

html_theme = "furo"
html_title = f"scalemodel {release}"
html_static_path: list[str] = []
exclude_patterns = ["_build", "examples", "Thumbs.db", ".DS_Store"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}


def _rules_catalog() -> str:
    """The rules-of-thumb catalog from tests/rules: each file's summary and each test's
    docstring (its claim id first, then what the models show)."""
    lines = [
        "# The rules' tests and what they show",
        "",
        "Generated from `tests/rules/` at build time: one entry per test, whose docstring",
        "starts with the claim's id and says what the models show (the verdicts are in",
        "{doc}`../rules_catalog`). The test suite runs every one of them, so this page",
        "cannot claim what the code does not.",
        "",
    ]
    files = sorted((ROOT / "tests" / "rules").glob("test_*.py"), key=_claim_order)
    for path in files:
        tree = ast.parse(path.read_text())
        summary = (ast.get_docstring(tree) or path.stem).strip()
        title, _, rest = summary.partition("\n")
        lines += [f"## {title.rstrip('.')}", "", f"`tests/rules/{path.name}`", ""]
        if rest.strip():
            lines += [rest.strip(), ""]
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                doc = " ".join((ast.get_docstring(node) or "").split())
                lines += [f"- **`{node.name}`**: {doc}" if doc else f"- **`{node.name}`**"]
        lines.append("")
    return "\n".join(lines)


def _claim_order(path: Path) -> tuple[int, str]:
    number = path.stem.split("_")[1].lstrip("c")
    return (int(number) if number.isdigit() else 999, path.stem)


def _generate() -> None:
    GENERATED.mkdir(exist_ok=True)
    catalog = _rules_catalog()
    target = GENERATED / "rules.md"
    if not target.exists() or target.read_text() != catalog:
        target.write_text(catalog)
    notebooks = GENERATED / "notebooks"
    notebooks.mkdir(exist_ok=True)
    for source in sorted((ROOT / "notebooks").glob("*.ipynb")):
        copy = notebooks / source.name
        if not copy.exists() or copy.read_bytes() != source.read_bytes():
            shutil.copyfile(source, copy)
    # Data files the notebooks open by relative path.
    for extra in ("examples",):
        link = notebooks.parent / extra
        if not link.exists():
            shutil.copytree(ROOT / extra, link)


_generate()
