"""Scenario files for ``scalemodel plan``: the schema, unit parsing and validation.

A scenario is a TOML file. Durations must carry their unit ("40 ms", "2 s", "250 us"):
a bare number is rejected, since ``cpu_time = 40`` would otherwise be 40 seconds. Byte
sizes take a string with a unit ("2 KB", "16 TB", "1 GiB") or a plain number of bytes.
Every problem is reported with the key's dotted path, and its line where it can be
found, as a :class:`ScenarioError`.

Service-time variability: ``app.cpu_time`` and ``database.query_time`` are means; give
at most one of ``*_p99`` (the service time's own 99th percentile: a lognormal through the
mean and that p99 for the simulators, a gamma with the same mean and p99 for the queue
model) or ``*_scv`` (squared coefficient of variation, variance / mean^2: 0 constant, 1
exponential). With neither, service times are exponential (scv 1, a p99 of
4.6x the mean), the conservative default of earlier versions.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any, Callable

from scalemodel._arrays import api_dir as _api_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "DEFAULT_HIT_RATIO",
    "DEFAULT_SERVICE_SCV",
    "SCHEMA",
    "Field",
    "Scenario",
    "ScenarioError",
    "check_values",
    "load_scenario",
    "parse_scenario",
    "section_defaults",
]


class ScenarioError(ValueError):
    """An invalid scenario: the message names the key (and line) at fault."""


_TIME = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0}
_BYTES = {
    "B": 1.0,
    "KB": 1e3,
    "MB": 1e6,
    "GB": 1e9,
    "TB": 1e12,
    "PB": 1e15,
    "KiB": 2.0**10,
    "MiB": 2.0**20,
    "GiB": 2.0**30,
    "TiB": 2.0**40,
}
_UNITS = {"seconds": _TIME, "bytes": _BYTES}
# Durations a plan can use: below a nanosecond or above ~32 years a rate or a count leaves
# double range (1 / 1e-308 s is inf), and no service or target lies out there.
_MIN_SECONDS, _MAX_SECONDS = 1e-9, 1e9
_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-zµ]+)\s*$")


@dataclass(frozen=True)
class Field:
    """One scenario key: its kind, allowed range, default (None: required) and meaning."""

    kind: str  # "number", "count", "fraction", "seconds", "bytes", "string"
    doc: str
    default: Any = None
    minimum: float = 0.0
    maximum: float = math.inf
    exclusive_minimum: bool = False
    optional: bool = False  # may be absent with no default

    @property
    def unit(self) -> str:
        """The unit of the key's value once parsed (what reports print beside it)."""
        return {"seconds": "s", "bytes": "B", "fraction": "0-1", "count": "", "string": ""}.get(self.kind, "")


def _f(kind: str, doc: str, default: Any = None, **kw: Any) -> Field:
    return Field(kind, doc, default, **kw)


def _variability(time: str, what: str, p99_range: str = "") -> dict[str, Field]:
    """The optional spread of a queue tier's service time ``time`` beside its mean: its p99
    (a lognormal through the mean and it) or its squared coefficient of variation."""
    return {
        f"{time}_p99": _f(
            "seconds",
            f"p99 of the {what} alone (a lognormal through the mean and this{p99_range})",
            optional=True,
            exclusive_minimum=True,
        ),
        f"{time}_scv": _f(
            "number",
            f"squared coefficient of variation of the {what} (0 constant, 1 exponential)",
            optional=True,
            maximum=100.0,
        ),
    }


# Section -> key -> Field. A section marked optional may be left out entirely.
SCHEMA: dict[str, dict[str, Field]] = {
    "scenario": {
        "name": _f("string", "a label for the report"),
        "years": _f("number", "storage horizon, years", 3.0, exclusive_minimum=True, maximum=100.0),
        "slo_p99": _f(
            "seconds",
            "p99 target of a whole request (app, cache, database), checked by scalemodel plan --simulate",
            optional=True,
            exclusive_minimum=True,
        ),
    },
    "users": {
        "daily_active": _f("number", "daily active users", exclusive_minimum=True),
        "requests_per_day": _f("number", "requests per user per day", exclusive_minimum=True),
        "write_fraction": _f("fraction", "share of requests that write", 0.1),
        "peak_to_average": _f("number", "peak QPS over average QPS", 3.0, minimum=1.0),
    },
    "data": {
        "bytes_per_write": _f("bytes", "bytes stored in the database per write"),
        "media_bytes_per_write": _f("bytes", "bytes kept in object storage per write (photos, video)", 0.0),
        "replication": _f("number", "copies of each stored byte", 3.0, minimum=1.0),
        "yearly_growth": _f(
            "number",
            "growth per year of the traffic and so of the daily write volume (0.5 = +50%)",
            0.0,
            minimum=-0.99,
        ),
        "response_bytes": _f("bytes", "bytes sent per request by the app tier", 10_000.0),
        "media_bytes_per_user_per_day": _f("bytes", "media served per user per day (through the CDN)", 0.0),
        "cdn_hit_ratio": _f("fraction", "share of media bytes the CDN edges answer", 0.95),
    },
    "app": {
        "instance": _f("string", "catalogue instance of an app server"),
        "cpu_time": _f(
            "seconds",
            "mean CPU time per request (one vCPU serves one request at a time)",
            exclusive_minimum=True,
        ),
        **_variability("cpu_time", "CPU time", "; between the mean and 15x the mean"),
        "slo_p99": _f("seconds", "p99 response-time target of the app tier", exclusive_minimum=True),
        "max_utilization": _f("fraction", "utilization cap per server", 0.8, exclusive_minimum=True),
    },
    "cache": {
        "instance": _f("string", "catalogue instance of a cache node"),
        "hit_ratio": _f(
            "fraction", "share of reads the cache answers (default 0.8, or from zipf_alpha)", optional=True
        ),
        "zipf_alpha": _f(
            "number",
            "popularity skew of reads: the hit ratio of an LRU cache holding working_set_fraction of "
            "the objects follows by Che's approximation (needs objects)",
            optional=True,
        ),
        "objects": _f(
            "count",
            "distinct objects that reads ask for (with zipf_alpha)",
            optional=True,
            minimum=1.0,
            maximum=2.0**31 - 2,  # the cache engine's catalogue limit
        ),
        "working_set_fraction": _f("fraction", "share of the (unreplicated) stored data kept in cache", 0.2),
        "fill": _f("fraction", "memory and throughput fill per node", 0.8, exclusive_minimum=True),
        "virtual_nodes": _f(
            "count", "points per node on the consistent-hash ring (0: an even split)", 150, maximum=100_000
        ),
    },
    "database": {
        "instance": _f("string", "catalogue instance of a database node"),
        "query_time": _f("seconds", "mean time per query on one vCPU", exclusive_minimum=True),
        **_variability("query_time", "query time"),
        "slo_p99": _f("seconds", "p99 query-time target", exclusive_minimum=True),
        "max_utilization": _f("fraction", "utilization cap per node", 0.7, exclusive_minimum=True),
        "min_replicas": _f("count", "read replicas per shard at least", 1, maximum=1000),
        "virtual_nodes": _f(
            "count", "points per shard on the consistent-hash ring (0: an even split)", 150, maximum=100_000
        ),
        "max_write_qps_per_shard": _f(
            "number",
            "writes/s one primary takes (default: catalogue limit)",
            optional=True,
            exclusive_minimum=True,
        ),
        "max_bytes_per_shard": _f(
            "bytes", "bytes one shard holds (default: catalogue limit)", optional=True, exclusive_minimum=True
        ),
    },
    "reliability": {
        "node_availability": _f("fraction", "share of time one node is up", 0.999, exclusive_minimum=True),
        "target": _f(
            "fraction",
            "availability each tier should reach (sets its spares)",
            0.9999,
            exclusive_minimum=True,
        ),
        "zones": _f(
            "count",
            "availability zones the nodes spread over; with 2 or more, each tier keeps the nodes "
            "its peak needs through the loss of one whole zone (1: no zone requirement)",
            1,
            minimum=1.0,
            maximum=64,
        ),
    },
}
# Sections that may be left out: [cache] means no cache; the others are filled with defaults.
_OPTIONAL_SECTIONS = {"cache", "reliability", "scenario"}
# The kind of catalogue instance each section's `instance` must name.
_INSTANCE_KINDS = {"app": "compute", "cache": "cache", "database": "database"}


def _line_of(text: str, section: str, key: str | None) -> int | None:
    """Line number of ``key`` inside ``[section]`` (or of the section header), if found."""
    lines = text.splitlines()
    start = None
    for i, line in enumerate(lines):
        if re.match(rf"^\s*\[\s*{re.escape(section)}\s*\]", line):
            start = i
            break
    if start is None:
        return None
    if key is None:
        return start + 1
    for i in range(start + 1, len(lines)):
        if re.match(r"^\s*\[", lines[i]):
            break
        if re.match(rf"^\s*{re.escape(key)}\s*=", lines[i]):
            return i + 1
    return None


def _convert(path: str, spec: Field, value: Any, fail: Callable[[str], ScenarioError]) -> Any:
    if spec.kind == "string":
        if not isinstance(value, str) or not value:
            raise fail(f"{path} must be a non-empty string, got {value!r}")
        return value
    if isinstance(value, bool):
        raise fail(f"{path} must be a number, got {value!r}")
    if isinstance(value, int) and abs(value) > sys.float_info.max:
        raise fail(f"{path} must be finite (below 1.8e308), got an integer of {len(str(abs(value)))} digits")
    if spec.kind == "seconds" and isinstance(value, (int, float)):
        raise fail(
            f'{path} needs a unit: write a string such as "{value:g} ms" or "{value:g} s" '
            f"(one of {', '.join(_TIME)}); a bare number is ambiguous"
        )
    if isinstance(value, str):
        units = _UNITS.get(spec.kind)
        m = _QUANTITY.match(unicodedata.normalize("NFKC", value).replace("μ", "µ"))
        if units is None:
            raise fail(f"{path} must be a plain number, got the string {value!r}")
        if m is None or m.group(2) not in units:
            raise fail(
                f"{path} must be a number of {spec.kind} or a string with one of the units {', '.join(units)}; got {value!r}"
            )
        number = float(m.group(1)) * units[m.group(2)]
    elif isinstance(value, (int, float)):
        number = float(value)
    else:
        raise fail(f"{path} must be a number, got {type(value).__name__}")
    return _in_range(path, spec, number, value, fail)


def _in_range(path: str, spec: Field, number: float, value: Any, fail: Callable[[str], ScenarioError]) -> Any:
    """A key's number (in base units) checked against its range; a count as an int."""
    if not math.isfinite(number):
        raise fail(f"{path} must be finite, got {value!r}")
    if spec.kind == "seconds" and not (_MIN_SECONDS <= number <= _MAX_SECONDS):
        raise fail(f"{path} must be between 1 ns and 1e9 s (about 32 years), got {value!r}")
    low_ok = number > spec.minimum if spec.exclusive_minimum else number >= spec.minimum
    high = min(1.0, spec.maximum) if spec.kind == "fraction" else spec.maximum
    if not low_ok or number > high:
        lower = f"> {spec.minimum:g}" if spec.exclusive_minimum else f">= {spec.minimum:g}"
        upper = "" if math.isinf(high) else f" and <= {high:g}"
        raise fail(f"{path} must be {lower}{upper}, got {value!r}")
    if spec.kind == "count":
        if number != int(number):
            raise fail(f"{path} must be a whole number, got {value!r}")
        return int(number)
    return number


class Scenario(dict):  # type: ignore[type-arg]
    """A validated scenario: section -> key -> value in base units (a plain dict), plus
    ``given``, the "section.key" names the file (or an override) set; the rest are defaults."""

    given: frozenset[str] = frozenset()


def _override_value(value: Any) -> Any:
    """A --set value: a TOML scalar when it reads as one (0.9, 2_000, true, "x"), else the
    text itself ("30ms")."""
    if not isinstance(value, str):
        return value
    try:
        return tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return value


def parse_scenario(
    text: str,
    source: str = "<scenario>",
    instances: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Scenario:
    """Validate a scenario's TOML text; return section -> key -> value in base units.

    Base units: seconds, bytes, plain numbers. Defaults fill keys left out. With
    ``instances`` (catalogue name -> kind), each ``instance`` key must name one of the
    right kind. ``overrides`` ("section.key" -> value, as ``--set`` gives them) replace
    the file's values before validation.
    """

    def fail_at(section: str, key: str | None) -> Callable[[str], ScenarioError]:
        def fail(message: str) -> ScenarioError:
            line = _line_of(text, section, key)
            where = f"{source}:{line}" if line else source
            return ScenarioError(f"{where}: {message}")

        return fail

    for name, value, kind in (("text", text, str), ("source", source, str)):
        if not isinstance(value, kind):
            raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    for name, mapping in (("instances", instances), ("overrides", overrides)):
        if mapping is not None and not isinstance(mapping, Mapping):
            raise TypeError(f"{name} must be a dict or None, got {type(mapping).__name__}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{source}: not valid TOML: {e}") from None
    for dotted, value in (overrides or {}).items():
        section, _, key = dotted.partition(".")
        if not key or section not in SCHEMA or key not in SCHEMA[section]:
            raise ScenarioError(f"{source}: --set {dotted}: unknown key; keys look like app.cpu_time")
        table = data.setdefault(section, {})
        if isinstance(table, dict):
            table[key] = _override_value(value)
    given = frozenset(f"{sec}.{key}" for sec, keys in data.items() if isinstance(keys, dict) for key in keys)
    for section in data:
        if section not in SCHEMA:
            raise fail_at(section, None)(f"unknown section [{section}]; known sections: {', '.join(SCHEMA)}")
    out = Scenario()
    out.given = given
    for section, fields in SCHEMA.items():
        if section not in data:
            if section not in _OPTIONAL_SECTIONS:
                raise ScenarioError(f"{source}: the section [{section}] is missing")
            if section == "cache":
                continue
        given = data.get(section, {})
        if not isinstance(given, dict):
            raise fail_at(section, None)(f"{section} must be a table [{section}]")
        for key in given:
            if key not in fields:
                raise fail_at(section, key)(f"unknown key {section}.{key}; known keys: {', '.join(fields)}")
        values: dict[str, Any] = {}
        for key, spec in fields.items():
            path = f"{section}.{key}"
            if key in given:
                values[key] = _convert(path, spec, given[key], fail_at(section, key))
                if key == "instance" and instances is not None:
                    _check_instance(
                        path, values[key], _INSTANCE_KINDS[section], instances, fail_at(section, key)
                    )
            elif spec.default is not None or spec.optional:
                values[key] = spec.default
            elif spec.kind == "string" and key == "name":
                values[key] = Path(source).stem
            else:
                raise fail_at(section, None)(f"{path} is missing ({spec.doc})")
        if section == "cache":
            _check_hit_ratio_source(values, fail_at)
        if section in _SERVICE_KEYS:
            _check_variability(section, _SERVICE_KEYS[section], values, fail_at)
        out[section] = values
    return out


#: The hit ratio a cache section gets when it gives neither hit_ratio nor zipf_alpha.
DEFAULT_HIT_RATIO = 0.8


def _check_hit_ratio_source(
    values: dict[str, Any], fail_at: Callable[[str, str | None], Callable[[str], ScenarioError]]
) -> None:
    """A cache's hit ratio is given, or follows from zipf_alpha and objects: not both."""
    if values["zipf_alpha"] is not None and values["hit_ratio"] is not None:
        raise fail_at("cache", "zipf_alpha")(
            "give cache.hit_ratio or cache.zipf_alpha (with cache.objects), not both"
        )
    if (values["zipf_alpha"] is None) != (values["objects"] is None):
        given, missing = ("zipf_alpha", "objects") if values["objects"] is None else ("objects", "zipf_alpha")
        raise fail_at("cache", given)(f"cache.{given} needs cache.{missing}")


#: The service-time SCV when a tier gives neither ``*_p99`` nor ``*_scv``: exponential.
DEFAULT_SERVICE_SCV = 1.0
# Section -> its mean service-time key (with *_p99 and *_scv beside it).
_SERVICE_KEYS = {"app": "cpu_time", "database": "query_time"}
# exp(z^2 / 2) for z = the standard normal 0.99-quantile: the largest p99 / mean a
# lognormal reaches.
_LOGNORMAL_MAX_P99_RATIO = math.exp(0.5 * NormalDist().inv_cdf(0.99) ** 2)


def _check_variability(
    section: str,
    key: str,
    values: dict[str, Any],
    fail_at: Callable[[str, str | None], Callable[[str], ScenarioError]],
) -> None:
    """At most one of *_p99 and *_scv; a p99 a lognormal with that mean can have."""
    p99, scv = values[f"{key}_p99"], values[f"{key}_scv"]
    if p99 is not None and scv is not None:
        raise fail_at(section, f"{key}_scv")(f"give {section}.{key}_p99 or {section}.{key}_scv, not both")
    if p99 is not None:
        ratio = p99 / values[key]
        if not (1.0 <= ratio <= _LOGNORMAL_MAX_P99_RATIO):
            raise fail_at(section, f"{key}_p99")(
                f"{section}.{key}_p99 must be between the mean {section}.{key} ({values[key] * 1e3:g} ms) and "
                f"{_LOGNORMAL_MAX_P99_RATIO:.4g}x it (what a lognormal can have), got {p99 * 1e3:g} ms; "
                f"for heavier tails give {section}.{key}_scv"
            )


def section_defaults(section: str) -> dict[str, Any]:
    """The default values of one section's keys (for sections that may be left out)."""
    if not isinstance(section, str) or section not in SCHEMA:
        raise ValueError(f"section must be one of {', '.join(SCHEMA)}, got {section!r}")
    return {key: spec.default for key, spec in SCHEMA[section].items()}


def check_values(scenario: Mapping[str, Any]) -> None:
    """Check a scenario given as a dict in base units (seconds, bytes; what
    :func:`parse_scenario` returns, or one built or edited by hand): every known key's
    value has its kind and range, or a :class:`ScenarioError` names the key."""
    if not isinstance(scenario, Mapping):
        raise TypeError(f"scenario must be a dict of sections, got {type(scenario).__name__}")
    for section, fields in SCHEMA.items():
        values = scenario.get(section, {})
        if not isinstance(values, Mapping):
            raise ScenarioError(f"{section} must be a dict of keys, got {type(values).__name__}")
        for key, spec in fields.items():
            value = values.get(key)
            path = f"{section}.{key}"

            def fail(message: str) -> ScenarioError:
                return ScenarioError(message)

            if value is None:
                if key in values and not spec.optional:
                    raise ScenarioError(f"{path} must be given (None only for optional keys)")
                continue
            if spec.kind == "string":
                _convert(path, spec, value, fail)
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ScenarioError(f"{path} must be a number (in base units: seconds, bytes), got {value!r}")
            if isinstance(value, int) and abs(value) > sys.float_info.max:
                raise ScenarioError(
                    f"{path} must be finite (below 1.8e308), got an integer of {len(str(abs(value)))} digits"
                )
            _in_range(path, spec, float(value), value, fail)


def _check_instance(
    path: str, name: str, kind: str, instances: Mapping[str, str], fail: Callable[[str], ScenarioError]
) -> None:
    if name not in instances:
        fitting = ", ".join(sorted(n for n, k in instances.items() if k == kind))
        raise fail(f"{path}: unknown instance {name!r}; {kind} instances in the catalogue: {fitting}")
    if instances[name] != kind:
        raise fail(f"{path}: {name!r} is a {instances[name]} instance, but this tier needs a {kind} instance")


def load_scenario(
    path: str | Path, instances: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Read and validate a scenario file; see :func:`parse_scenario`."""
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as e:
        raise ScenarioError(f"{p}: cannot read: {e.strerror}") from None
    return parse_scenario(text, str(p), instances, overrides)


__dir__ = _api_dir(globals())
