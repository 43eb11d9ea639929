"""The README's interactive examples (``>>>`` lines) print what they claim: every block
in doctest form runs with ``sm`` imported and its outputs are compared."""

import doctest
import pathlib
import re

import pytest

import scalemodel as sm

README = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
BLOCKS = [b for b in re.findall(r"```python\n(.*?)```", README, flags=re.S) if b.lstrip().startswith(">>>")]


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block(block: str) -> None:
    test = doctest.DocTestParser().get_doctest(block, {"sm": sm}, "README", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0 and test.examples


def test_readme_has_doctest_blocks() -> None:
    assert BLOCKS
