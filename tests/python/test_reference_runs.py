"""The seeded reference runs (reference_runs.py) give the numbers recorded in
data/reference_runs.json, bit for bit: refactors of the engines must not move them."""

import json
import pathlib

import pytest
import reference_runs

RECORDED = json.loads((pathlib.Path(__file__).parent / "data" / "reference_runs.json").read_text())


@pytest.fixture(scope="module")
def computed():
    return reference_runs.runs()


@pytest.mark.parametrize("run", sorted(RECORDED))
def test_reference_run_unchanged(computed, run):
    assert computed[run] == RECORDED[run]
