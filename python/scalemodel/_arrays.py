"""Argument conversion shared by the domain modules: types are checked here, ranges in C++
(scalar counts, seeds and thread counts are range-checked here too, before any cast)."""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping
from typing import Any, Callable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _beyond_float(name: str, value: Any) -> ValueError:
    """The error for an integer too large for a float (Python's own is an OverflowError)."""
    return ValueError(
        f"{name} must be a finite number (below 1.8e308), got an integer of {len(str(value))} digits"
    )


def as_float(name: str, value: Any) -> FloatArray:
    """`value` as a float64 array, or a TypeError naming the parameter."""
    arr = np.asarray(value)
    if (
        arr.dtype.kind == "O"
        and arr.size
        and all(isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) for v in arr.flat)
    ):  # Python ints too large for int64 (alone or beside floats): floats, or an error naming the parameter
        for v in arr.flat:
            try:
                float(v)
            except OverflowError:
                raise _beyond_float(name, v) from None
        arr = arr.astype(np.float64)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a number or an array of numbers, got {type(value).__name__}")
    return arr.astype(np.float64, copy=False)


def as_count(name: str, value: Any, minimum: int = 1) -> IntArray:
    """`value` as an int64 array of whole numbers; floats are accepted when integral."""
    arr = np.asarray(value)
    if arr.dtype.kind == "O" and all(isinstance(v, int) and not isinstance(v, bool) for v in arr.flat):
        raise ValueError(f"{name} must be a whole number >= {minimum} and below 2**63, got {value!r}")
    if arr.dtype.kind == "b" or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a whole number or an array of them, got {type(value).__name__}")
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr)) | (np.abs(arr) >= 2.0**63)
        if np.any(bad):
            got = arr[bad].flat[0]
            raise ValueError(f"{name} must be a whole number >= {minimum} and below 2**63, got {got}")
    if arr.dtype.kind == "u" and np.any(arr >= 2**63):
        raise ValueError(f"{name} must be a whole number >= {minimum} and below 2**63, got {arr.max()}")
    out = arr.astype(np.int64)
    if np.any(out < minimum):
        raise ValueError(
            f"{name} must be a whole number >= {minimum} and below 2**63, got {out[out < minimum].flat[0]}"
        )
    return out


def broadcast(**arrays: np.ndarray) -> tuple[tuple[int, ...], dict[str, np.ndarray]]:
    """Broadcast the arguments against each other; return the shape and flat C-contiguous copies."""
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k}{a.shape}" for k, a in arrays.items())
        raise ValueError(f"arguments cannot be broadcast together: {shapes}") from None
    flat = {k: np.ascontiguousarray(np.broadcast_to(a, shape).ravel()) for k, a in arrays.items()}
    return shape, flat


def shaped(flat: np.ndarray, shape: tuple[int, ...]) -> Any:
    """Reshape a flat result; a 0-d result comes back as a NumPy scalar."""
    return flat.reshape(shape)[()]


def vectorized(
    kernel: Callable[..., Any], given: Mapping[str, Any], **checks: Callable[[str, Any], Any]
) -> Any:
    """Calls a vectorized engine kernel with a caller's parameters, ``given`` (its
    ``locals()``, named as the kernel names them). Each is checked by ``checks[name]``
    (default :func:`as_float`); the arrays are broadcast against each other and passed
    flat, other values (a policy name, a quantile) as they are. What the kernel returns
    comes back in the broadcast shape: an array, or a dict or tuple of them."""
    checked = {name: checks.get(name, as_float)(name, value) for name, value in given.items()}
    arrays = {name: value for name, value in checked.items() if isinstance(value, np.ndarray)}
    shape, flat = broadcast(**arrays)
    out = kernel(**{**checked, **flat})
    if isinstance(out, dict):
        return {k: shaped(np.asarray(v), shape) for k, v in out.items()}
    if isinstance(out, tuple):
        return tuple(shaped(np.asarray(v), shape) for v in out)
    return shaped(np.asarray(out), shape)


def whole(name: str, value: Any, minimum: int, maximum: int = 2**63 - 1) -> int:
    """A scalar whole number in [minimum, maximum]; an integral float (``1e6``) is accepted."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a whole number, got bool")
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        if not (math.isfinite(value) and float(value).is_integer()):
            raise TypeError(f"{name} must be a whole number, got {value!r}")
        # typeshed's numbers.Real promises no int conversion (no __int__, a __trunc__ that
        # need not return int); every Real that gets here (float, NumPy floats, Fraction) has one.
        value = int(value)  # type: ignore[call-overload]
    if not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__}")
    if not minimum <= int(value) <= maximum:
        raise ValueError(f"{name} must be a whole number in [{minimum}, {maximum}], got {value}")
    return int(value)


def integer(name: str, value: Any) -> int:
    """A scalar whole number for the engine to range-check (any 64-bit signed value)."""
    return whole(name, value, -(2**63), 2**63 - 1)


def number(name: str, value: Any) -> float:
    """A scalar real number as a float (range checks are the caller's or the engine's)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:
        raise _beyond_float(name, value) from None


def text(name: str, value: Any) -> str:
    """A name for the engine to look up (it raises ValueError listing the allowed ones):
    a str that encodes as UTF-8 (a lone surrogate cannot cross into C++)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{name} must be valid Unicode text, got {value!r}") from None
    return value


def flag(name: str, value: Any) -> bool:
    """True or False (not a number that merely converts to one)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


Checker = Callable[[str, Any], Any]


def optional(check: Checker) -> Checker:
    """``check`` that lets None through: the engine then uses its default."""

    def check_optional(name: str, value: Any) -> Any:
        return None if value is None else check(name, value)

    return check_optional


def _distribution(name: str, value: Any) -> Any:
    """A distribution field from a distribution or a constant number of seconds."""
    from scalemodel.distributions import as_distribution

    return as_distribution(name, value)._engine


#: The checker of each engine field kind (the binding's ``field_kinds``).
CHECKS: dict[str, Checker] = {
    "integer": integer,
    "number": number,
    "text": text,
    "flag": flag,
    "distribution": _distribution,
    "optional integer": optional(integer),
    "optional number": optional(number),
}


def configure(
    config: Any, given: Mapping[str, Any], *fields: str, **other: str | Checker | tuple[str, Checker]
) -> Any:
    """Fills the bound engine config ``config`` from a caller's keywords ``given`` (its
    ``locals()``). Each name in ``fields`` is set from the keyword of the same name, checked
    as the engine declares the field (``type(config).field_kinds``: a whole number, a number,
    a name, True/False, a distribution or constant seconds, or None for the engine's
    default). ``field=how`` where the keyword or the check differs: ``"keyword"`` (the
    engine's ``election`` from the Python ``election_s``), a checker, or both as a tuple.
    Types are checked here, ranges by the engine, whose messages name the Python keyword.
    Returns ``config``."""
    kinds = type(config).field_kinds
    for field, how in {**dict.fromkeys(fields), **other}.items():
        name, check = how if isinstance(how, tuple) else (field, how)
        if isinstance(check, str):
            name, check = check, None
        setattr(config, field, (check or CHECKS[kinds[field]])(name, given[name]))
    return config


def level(value: Any) -> float:
    """A confidence level, strictly between 0 and 1."""
    lvl = number("level", value)
    if not 0 < lvl < 1:
        raise ValueError(f"level must be in (0, 1), got {value!r}")
    return lvl


def seed(value: Any) -> int:
    """A random seed: a whole number in [0, 2**64)."""
    return whole("seed", value, 0, 2**64 - 1)


_seed = seed  # run_spec's keyword `seed` shadows the function


def threads(value: Any) -> int:
    """A thread count; 0 means every core."""
    return whole("threads", value, 0, 1024)


def run_spec(*, seed: Any, replications: Any, threads: Any) -> Any:
    """The engine's run specification; types checked here, ranges by the engine
    (replications in [1, 2**24], threads in [0, 1024], 0 meaning every core)."""
    from scalemodel import _core

    return _core.RunSpec(
        seed=_seed(seed),
        replications=integer("replications", replications),
        threads=whole("threads", threads, -(2**31), 2**31 - 1),
    )


def api_dir(namespace: dict[str, Any]) -> Callable[[], list[str]]:
    """A module-level ``__dir__`` (PEP 562) listing the module's API only: the names in
    its ``__all__`` and its dunders, not the helpers it imports (np, pd, dataclass, ...).
    Use as ``__dir__ = api_dir(globals())``."""

    def __dir__() -> list[str]:
        return sorted({*namespace["__all__"], *(n for n in namespace if n.startswith("__"))})

    return __dir__


class EngineBacked:
    """Base of the vocabulary's frozen dataclasses (distributions, arrival processes): the
    validated engine object is built once from the fields, at construction, and rebuilt
    from them when unpickled (the engine object itself does not pickle)."""

    _engine: Any
    _factory: Any  # the engine's named constructor, called with the fields in order

    def _build(self) -> Any:
        return self._factory(*(number(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)))  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_engine", self._build())

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (type(self), tuple(getattr(self, f.name) for f in dataclasses.fields(self)))  # type: ignore[arg-type]

    @classmethod
    def _wrap(cls, engine: Any, **fields: Any) -> Any:
        """An instance holding an engine object already built (with a caller's names in its
        error messages)."""
        obj = cls.__new__(cls)
        for name, value in fields.items():
            object.__setattr__(obj, name, value)
        object.__setattr__(obj, "_engine", engine)
        return obj
