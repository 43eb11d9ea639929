"""Package metadata from one source: the version in python/scalemodel/__init__.py is what
pyproject.toml, `scalemodel --version`, CITATION.cff and the installed distribution say."""

from __future__ import annotations

import importlib.metadata
import re
import sys
from pathlib import Path

import pytest

import scalemodel as sm
from scalemodel.cli import main

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"scalemodel {sm.__version__}"


def test_pyproject_reads_the_version_from_the_package() -> None:
    assert "version" in PYPROJECT["project"]["dynamic"]
    assert "version" not in PYPROJECT["project"]
    source = PYPROJECT["tool"]["scikit-build"]["metadata"]["version"]
    assert source["provider"] == "scikit_build_core.metadata.regex"
    text = (ROOT / source["input"]).read_text()
    assert re.findall(r'^__version__ = "([^"]+)"$', text, flags=re.M) == [sm.__version__]


def test_citation_and_changelog_name_the_version() -> None:
    citation = (ROOT / "CITATION.cff").read_text()
    assert re.search(r"^version: (\S+)$", citation, flags=re.M)[1] == sm.__version__
    assert f"## [{sm.__version__}]" in (ROOT / "CHANGELOG.md").read_text()


def test_license_file_and_metadata() -> None:
    project = PYPROJECT["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert any(c.startswith("Programming Language :: Python :: 3.") for c in project["classifiers"])


def test_installed_distribution_has_the_same_version() -> None:
    try:
        installed = importlib.metadata.version("scalemodel")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("scalemodel is imported from the source tree, not installed")
    assert installed == sm.__version__
