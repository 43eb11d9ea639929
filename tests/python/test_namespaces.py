"""Public namespaces hold only their API: dir(module) lists the names in ``__all__`` (and
submodules), not the helpers a module imports (np, pd, dataclass, annotations, ...)."""

from __future__ import annotations

import importlib
import types

import pytest

PUBLIC = [
    "scalemodel",
    "scalemodel.arrivals",
    "scalemodel.caching",
    "scalemodel.calibrate",
    "scalemodel.cli",
    "scalemodel.cost",
    "scalemodel.distributions",
    "scalemodel.explorer",
    "scalemodel.hashing",
    "scalemodel.plan",
    "scalemodel.plot",
    "scalemodel.queueing",
    "scalemodel.reliability",
    "scalemodel.results",
    "scalemodel.scenario",
    "scalemodel.sim",
    "scalemodel.sim.brokers",
    "scalemodel.sim.caches",
    "scalemodel.sim.limiters",
    "scalemodel.sim.stations",
    "scalemodel.sweeps",
    "scalemodel.testing",
]
# Modules owned by other changes in flight: their ``__dir__ = _api_dir(globals())`` is
# applied when those changes merge (then this set empties and the strict xfail goes).
PENDING: set[str] = set()


def _params() -> list[object]:
    mark = pytest.mark.xfail(reason="__dir__ not yet applied to this module", strict=True)
    return [pytest.param(name, marks=mark) if name in PENDING else name for name in PUBLIC]


def _own_submodule(module: types.ModuleType, value: object) -> bool:
    return isinstance(value, types.ModuleType) and value.__name__.startswith(module.__name__ + ".")


@pytest.mark.parametrize("name", _params())
def test_dir_lists_only_the_api(name: str) -> None:
    module = importlib.import_module(name)
    exported = set(module.__all__)
    # Names that are not identifiers ('@py_builtins', '@pytest_ar') are pytest's own: with
    # the scalemodel pytest plugin installed, pytest rewrites the asserts of the plugin's
    # whole distribution, and each rewritten module gets those two hidden globals.
    extra = [
        n
        for n in dir(module)
        if n.isidentifier()
        and not n.startswith("_")
        and n not in exported
        and not _own_submodule(module, getattr(module, n))
    ]
    assert extra == [], f"{name} shows non-API names: {extra}"


@pytest.mark.parametrize("name", PUBLIC)
def test_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    assert len(set(module.__all__)) == len(module.__all__), f"{name}.__all__ repeats a name"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == [], f"{name}.__all__ names missing attributes: {missing}"


def test_every_public_module_is_listed() -> None:
    import scalemodel

    submodules = {
        f"scalemodel.{n}" for n in scalemodel.__all__ if isinstance(getattr(scalemodel, n), types.ModuleType)
    }
    assert submodules <= set(PUBLIC)
