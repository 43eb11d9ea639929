"""pytest plugin for rules-of-thumb tests (registered by scalemodel's ``pytest11`` entry
point, so installing scalemodel enables it; ``-p no:scalemodel.pytest_plugin`` turns it
off).

Fixtures:

- ``sm_seed``: this test's seed, derived from the base seed and the test's id, so tests
  draw independent streams and a test keeps its seed when others are added or reordered;
- ``sm_run``: the keyword arguments every replicated study takes (``seed``, and
  ``replications`` and ``threads`` when given on the command line), to pass as
  ``sm.sim.simulate_queue(..., **sm_run)``.

Options (also settable in the ini file's ``addopts``):

- ``--sm-seed=N``: the base seed (default 0); ``--sm-seed=random`` draws one, shown in the
  header, to check that a rule holds beyond one seed;
- ``--sm-replications=N``: replications of every study run with ``**sm_run``;
- ``--sm-threads=N``: threads of every study run with ``**sm_run`` (results do not depend
  on it).

A failed test that used a seed shows it, with the option that reruns it.
"""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

# No module __dir__ here: pytest finds hooks and fixtures through dir(module).
__all__ = ["RunOptions", "sm_run", "sm_seed"]

_SEED = pytest.StashKey[int]()


class RunOptions(Mapping[str, int]):
    """The run options of one test: ``seed`` always, ``replications`` and ``threads`` when
    set on the command line. A mapping, so ``**sm_run`` passes them as keywords; also
    readable as attributes (``sm_run.seed``; ``replications``/``threads`` are None when
    unset)."""

    def __init__(self, seed: int, replications: int | None, threads: int | None) -> None:
        self._items = {"seed": seed}
        if replications is not None:
            self._items["replications"] = replications
        if threads is not None:
            self._items["threads"] = threads

    def __getitem__(self, key: str) -> int:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    @property
    def seed(self) -> int:
        return self._items["seed"]

    @property
    def replications(self) -> int | None:
        return self._items.get("replications")

    @property
    def threads(self) -> int | None:
        return self._items.get("threads")

    def __repr__(self) -> str:
        return f"RunOptions({', '.join(f'{k}={v}' for k, v in self._items.items())})"


def _base_seed(text: str) -> int:
    if text == "random":
        return secrets.randbelow(2**32)
    try:
        value = int(text)
    except ValueError:
        raise pytest.UsageError(f"--sm-seed must be a whole number >= 0 or 'random', got {text!r}") from None
    if value < 0:
        raise pytest.UsageError(f"--sm-seed must be a whole number >= 0 or 'random', got {text!r}")
    return value


def _positive(option: str, value: int | None) -> None:
    if value is not None and value < 1:
        raise pytest.UsageError(f"{option} must be >= 1, got {value}")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("scalemodel", "scalemodel: seeds and replications of rules-of-thumb tests")
    group.addoption(
        "--sm-seed",
        default="0",
        metavar="N|random",
        help="base seed of the sm_seed and sm_run fixtures (default 0; 'random' draws one)",
    )
    group.addoption(
        "--sm-replications",
        type=int,
        default=None,
        metavar="N",
        help="replications passed by the sm_run fixture (default: each study's own)",
    )
    group.addoption(
        "--sm-threads",
        type=int,
        default=None,
        metavar="N",
        help="threads passed by the sm_run fixture (default: each study's own)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_SEED] = _base_seed(config.getoption("sm_seed"))
    _positive("--sm-replications", config.getoption("sm_replications"))
    _positive("--sm-threads", config.getoption("sm_threads"))


def pytest_report_header(config: pytest.Config) -> str:
    return f"scalemodel: --sm-seed={config.stash[_SEED]}"


@pytest.fixture
def sm_seed(request: pytest.FixtureRequest) -> int:
    """This test's seed: a hash of the base seed (``--sm-seed``) and the test's id."""
    base = request.config.stash[_SEED]
    seed = zlib.crc32(f"{base}:{request.node.nodeid}".encode())
    request.node.stash[_SEED] = seed
    return seed


@pytest.fixture
def sm_run(request: pytest.FixtureRequest, sm_seed: int) -> RunOptions:
    """``seed`` (:func:`sm_seed`), and ``replications`` and ``threads`` when given on the
    command line, as keyword arguments for any replicated study: ``**sm_run``."""
    config = request.config
    return RunOptions(sm_seed, config.getoption("sm_replications"), config.getoption("sm_threads"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome: Any = yield
    report = outcome.get_result()
    if report.failed and _SEED in item.stash:
        base = item.config.stash[_SEED]
        report.sections.append(
            ("scalemodel", f"sm_seed was {item.stash[_SEED]} (rerun with --sm-seed={base})")
        )
