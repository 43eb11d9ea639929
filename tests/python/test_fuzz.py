"""Fuzzing as a hostile user would (issue #18), in child interpreters with a time and a
memory cap.

1. ``test_public_api_survives_adversarial_calls``: every public callable of every
   scalemodel submodule (tests/python/fuzz_api.py holds the catalogue, one valid call each),
   with one or two arguments replaced by adversarial values Hypothesis draws, then a member
   of the object read or called, then every property of what came back read. Calls run in
   batches, one child interpreter per batch (2 GiB address space); a batch that dies (a
   signal, a hang) is resumed after the call that killed it, which is re-run alone to name
   the finding. The promise: no crash, no call longer than ``fuzz_api.CALL_LIMIT_S``, only
   ValueError/TypeError naming a parameter, no NaN out of finite input.
2. ``test_closed_forms_survive_adversarial_arguments``: Hypothesis combinations of every
   argument of 16 closed forms at once.

CI runs a bounded, seeded sample (about a minute on 2 cores). A longer run by hand:
``SCALEMODEL_FUZZ_CALLS=50000 SCALEMODEL_FUZZ_SEED=7 pytest -m fuzz tests/python/test_fuzz.py``
(``SCALEMODEL_FUZZ_EXAMPLES`` sizes the closed-form combinations). docs/testing.md says more.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap

import pytest

import scalemodel as sm

# The child imports the scalemodel this process imports (the installed one in CI, python/ in a dev tree).
PYTHON_DIR = os.path.dirname(os.path.dirname(sm.__file__))
EXAMPLES = int(os.environ.get("SCALEMODEL_FUZZ_EXAMPLES", "30"))
CALL_LIMIT_S = 2.0

CHILD = """
import math, sys, time, warnings
import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st
import scalemodel as sm

warnings.simplefilter("ignore")
q, c, r, cost = sm.queueing, sm.caching, sm.reliability, sm.cost
EXAMPLES, LIMIT = {examples}, {limit}

SPECIAL = [0.0, 5e-324, 1e-308, 1e-12, 0.5, 1.0, 2.0, 3.0, 10.0, 1e12, 1e300, 1.7e308,
           -1.0, -1e308, math.nan, math.inf, -math.inf, 10**400]
real = st.one_of(st.sampled_from(SPECIAL), st.floats(allow_nan=True, allow_infinity=True))
count = st.one_of(st.sampled_from([0, 1, 2, 4, 10, 1000, 10**6, 2**40, -1]), st.integers(-5, 5000))
prob = st.one_of(st.sampled_from([0.0, 1e-300, 0.5, 0.99, 1.0, -0.1, 1.5, math.nan]), st.floats(0, 1))

CALLS = {{
    "MMc.response_quantile": ((real, real, count, prob), lambda a, m, s, p: q.MMc(a, m, s).response_quantile(p)),
    "MMc.metrics": ((real, real, count), lambda a, m, s: q.MMc(a, m, s).mean_response),
    "MMcK.response_quantile": (
        (real, real, st.integers(1, 6), st.integers(1, 20), prob),
        lambda a, m, s, k, p: q.MMcK(a, m, s, s + k).response_quantile(p),
    ),
    "MMcK.utilization": ((real, real, st.integers(1, 6), st.integers(0, 20)), lambda a, m, s, k: q.MMcK(a, m, s, s + k).utilization),
    "MG1.response_quantile": ((real, real, real, prob), lambda a, m, v, p: q.MG1(a, m, v).response_quantile(p)),
    "MG1.wait_quantile": ((real, real, real, prob), lambda a, m, v, p: q.MG1(a, m, v).wait_quantile(p)),
    "GGc.response_quantile": (
        (real, real, st.integers(1, 8), real, real, prob),
        lambda a, m, s, ca, cs, p: q.GGc(a, m, s, ca, cs).response_quantile(p),
    ),
    "erlang_c": ((count, real), lambda n, a: q.erlang_c(n, a)),
    "che_hit_ratio": ((real, count, real), lambda a, n, k: c.che_hit_ratio(a, n, k)),
    "che_hit_ratio_fifo": ((real, count, real), lambda a, n, k: c.che_hit_ratio(a, n, k, "fifo")),
    "ttl_hit_ratio": ((real, count, real, real), lambda a, n, t, x: c.ttl_hit_ratio(a, n, t, x)),
    "top_share": ((real, count, prob), lambda a, n, f: c.top_share(a, n, f)),
    "ctmc_availability": (
        (st.integers(1, 4), st.integers(1, 6), real, real, st.integers(1, 6)),
        lambda k, n, f, m, crews: r.ctmc_availability(k, max(n, k), f, m, crews).availability,
    ),
    "estimate_traffic": ((real, real, prob, real), lambda u, x, w, p: cost.estimate_traffic(u, x, w, p).peak_read_qps),
    "USL.throughput": ((real, real, real, real), lambda l, s, k, n: q.USL(l, s, k).throughput(n)),
    "jackson": ((real, real, real), lambda a, b, m: q.jackson([a, b], [[0, 0.5], [0, 0]], [m, m], [1, 1]).mean_response),
}}

def finite(args):
    for a in args:
        if isinstance(a, float) and not math.isfinite(a):
            return False
        if isinstance(a, int) and abs(a) > 1.7e308:
            return False
    return True

failures = []
def make(name, strategies, call):
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.tuples(*strategies))
    def check(args):
        print(name, args, flush=True)
        start = time.perf_counter()
        try:
            out = call(*args)
        except (ValueError, TypeError):
            return
        except Exception as e:
            failures.append(f"{{name}}{{args}}: {{type(e).__name__}}: {{e}}")
            return
        finally:
            took = time.perf_counter() - start
            if took > LIMIT:
                failures.append(f"{{name}}{{args}}: took {{took:.1f}} s")
        if finite(args) and np.any(np.isnan(np.asarray(out, dtype=float))):
            failures.append(f"{{name}}{{args}}: NaN from finite input")
    return check
for name, (strategies, call) in CALLS.items():
    make(name, strategies, call)()
print("FAILURES", len(failures))
for f in failures:
    print("FAIL", f)
"""


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    cap = 2 << 30
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def test_closed_forms_survive_adversarial_arguments() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([PYTHON_DIR, os.environ.get("PYTHONPATH", "")])}
    code = textwrap.dedent(CHILD.format(examples=EXAMPLES, limit=CALL_LIMIT_S))
    timeout = 60 + 0.5 * EXAMPLES * 16
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            preexec_fn=_limit_memory,
        )
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        last = out.strip().splitlines()[-1:] or ["(nothing)"]
        pytest.fail(f"the fuzz run hung past {timeout:.0f} s; last call: {last[0]}")
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    failures = [line[5:] for line in done.stdout.splitlines() if line.startswith("FAIL ")]
    assert not failures, "\n".join(failures[:30])


# --- the whole public API ----------------------------------------------------------------------
import json  # noqa: E402
import math  # noqa: E402
import pickle  # noqa: E402
import select  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

import fuzz_api  # noqa: E402
import numpy as np  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

CALLS = int(os.environ.get("SCALEMODEL_FUZZ_CALLS", "3000"))
SEED = int(os.environ.get("SCALEMODEL_FUZZ_SEED", "0"))
BATCH = 100
WORKERS = 2
FUZZ_FILE = fuzz_api.__file__
START_LIMIT_S = 60.0  # the child's import of scalemodel, numpy, pandas, scipy on a busy machine

# Findings too large to fix today: (target, kind) -> why. Each is listed in the report of issue #18.
KNOWN: dict[tuple[str, str], str] = {}


def test_every_public_callable_is_fuzzed() -> None:
    public = set(fuzz_api.public_callables())
    listed = set(fuzz_api.CATALOGUE) | set(fuzz_api.SKIP)
    assert not public - listed, (
        f"public callables with no fuzz call and no reason to skip: {sorted(public - listed)}"
    )
    assert not set(fuzz_api.CATALOGUE) - public - {"sim.System"}, sorted(set(fuzz_api.CATALOGUE) - public)
    # a skipped name (a re-export) has no entry: its object is fuzzed once, under its home name
    assert not set(fuzz_api.CATALOGUE) & set(fuzz_api.SKIP), sorted(
        set(fuzz_api.CATALOGUE) & set(fuzz_api.SKIP)
    )
    assert len(fuzz_api.CATALOGUE) > 120


def _kind(name: str, param: str) -> str:
    fn, base = fuzz_api.target(name)
    value = base.get(param)
    if value is None:
        try:
            default = inspect.signature(fn).parameters[param].default
        except (KeyError, TypeError, ValueError):
            default = None
        value = None if default is inspect.Parameter.empty else default
    if param in fuzz_api.SIZES and not isinstance(value, (list, tuple, np.ndarray)):
        return "size"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple, np.ndarray, dict)):
        return "sequence"
    return "number"


import inspect  # noqa: E402

_numbers = st.one_of(
    st.sampled_from(fuzz_api._ADVERSARIAL_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**6), 10**6),
)
_VALUES = {
    "number": _numbers,
    "size": st.one_of(st.sampled_from(fuzz_api._ADVERSARIAL_SIZES), st.integers(-3, 40)),
    "string": st.sampled_from(fuzz_api._ADVERSARIAL_STRINGS),
    "sequence": st.one_of(
        st.sampled_from(
            [
                [],
                [math.nan],
                [1.0, -1.0],
                [math.inf],
                [1e308, 1e308],
                [[1.0]],
                "abc",
                5,
                None,
                np.array([]),
                np.full(3, 1e-308),
                [10**400],
                [0.0, 0.0],
                np.array([[1.0, 2.0]]),
            ]
        ),
        st.lists(_numbers, min_size=1, max_size=4),
    ),
}
_wrong_type = st.sampled_from([None, "x", [1.0], math.nan, -1, object.__name__])


@st.composite
def _call(draw):  # type: ignore[no-untyped-def]
    name = draw(st.sampled_from(sorted(fuzz_api.CATALOGUE)))
    fn, base = fuzz_api.target(name)
    params = [p for p in fuzz_api.parameters(fn) or list(base) if (name, p) not in fuzz_api.NOT_FUZZED]
    k = min(draw(st.sampled_from([0, 1, 1, 1, 1, 2])), len(params))
    chosen = draw(st.lists(st.sampled_from(params), min_size=k, max_size=k, unique=True)) if k else []
    overrides = {}
    for p in chosen:
        kind = _kind(name, p)
        overrides[p] = draw(st.one_of(_VALUES[kind], _VALUES[kind], _VALUES[kind], _wrong_type))
    member_pick = draw(st.one_of(st.none(), st.integers(0, 10_000)))
    member_change = draw(st.one_of(st.none(), st.none(), st.tuples(st.integers(0, 20), _numbers)))
    return (name, overrides, member_pick, member_change)


def _draw_batches(calls: int, seed_value: int) -> list[list]:
    batches: list[list] = []

    @seed(seed_value)
    @settings(
        max_examples=max(1, calls // BATCH),
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(_call(), min_size=BATCH, max_size=BATCH))
    def collect(batch: list) -> None:
        batches.append(batch)

    collect()
    return batches


def _child_env() -> dict[str, str]:
    paths = [PYTHON_DIR, os.path.dirname(FUZZ_FILE), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "MPLBACKEND": "Agg"}


def _run_child(specs: list) -> tuple[dict[int, dict], int | None, str]:
    """Run specs in one child. Returns the outcomes by index, the index of the call that
    killed it (None if the child finished) and how it died."""
    proc = subprocess.Popen(
        [sys.executable, FUZZ_FILE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_child_env(),
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(pickle.dumps(specs))
    proc.stdin.close()
    outcomes: dict[int, dict] = {}
    started: int | None = None
    limit = START_LIMIT_S
    buffer = b""
    while True:
        ready, _, _ = select.select([proc.stdout], [], [], limit)
        if not ready:
            proc.kill()
            proc.wait()
            proc.stderr.close()  # type: ignore[union-attr]
            proc.stdout.close()
            return outcomes, started, f"hang: no answer within {limit:.0f} s"
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if "start" in msg:
                started = msg["start"]
                limit = 3 * fuzz_api.CALL_LIMIT_S
            else:
                outcomes[msg.pop("done")] = msg
                started = None
    code = proc.wait()
    err = proc.stderr.read().decode(errors="replace")  # type: ignore[union-attr]
    proc.stderr.close()  # type: ignore[union-attr]
    proc.stdout.close()
    if code == 0 and len(outcomes) == len(specs):
        return outcomes, None, ""
    died = f"crash: exit {code}" + (f" (signal {-code})" if code < 0 else "") + f"; {err.strip()[-300:]}"
    return outcomes, started if started is not None else len(outcomes), died


def _run_batch(batch: list) -> list[tuple[tuple, dict]]:
    """Outcomes of a batch: the whole batch in one child, resumed after a call that kills
    it; that call re-run alone names the finding."""
    out: list[tuple[tuple, dict]] = []
    at = 0
    while at < len(batch):
        outcomes, killer, died = _run_child(batch[at:])
        out += [(batch[at + i], o) for i, o in sorted(outcomes.items())]
        if killer is None:
            break
        spec = batch[at + killer]
        alone, again, died_alone = _run_child([spec])
        if again is None and alone:
            out.append((spec, alone[0]))  # passed alone: the batch's death was the machine's
        else:
            kind = "hang" if died_alone.startswith("hang") else "crash"
            out.append((spec, {"kind": kind, "detail": died_alone or died}))
        at += killer + 1
    return out


@pytest.mark.fuzz
def test_public_api_survives_adversarial_calls() -> None:
    batches = _draw_batches(CALLS, SEED)
    # Every target's valid call first: a broken catalogue entry would fuzz nothing.
    baseline = [(name, {}, None, None) for name in sorted(fuzz_api.CATALOGUE)]
    start = time.monotonic()
    with ThreadPoolExecutor(WORKERS) as pool:
        results = [r for rs in pool.map(_run_batch, [baseline, *batches]) for r in rs]
    took = time.monotonic() - start
    broken = [f"{spec[0]}: {o.get('detail')}" for spec, o in results[: len(baseline)] if o["kind"] != "ok"]
    assert not broken, "catalogue calls that fail:\n" + "\n".join(broken)
    findings: dict[tuple[str, str, str], tuple] = {}
    for spec, outcome in results:
        if outcome["kind"] == "ok" or (spec[0], outcome["kind"]) in KNOWN:
            continue
        findings.setdefault((spec[0], outcome["kind"], outcome["detail"][:80]), spec)
    report = [
        f"{kind} {name}: {detail} <- overrides={spec[1]!r} member={spec[2]} change={spec[3]!r}"
        for (name, kind, detail), spec in sorted(findings.items())
    ]
    print(f"{len(results)} calls in {took:.0f} s, {len(findings)} distinct findings")
    if os.environ.get("SCALEMODEL_FUZZ_REPORT"):
        with open(os.environ["SCALEMODEL_FUZZ_REPORT"], "w") as f:
            f.write("\n".join(report))
    assert not report, f"{len(report)} findings in {len(results)} calls:\n" + "\n".join(report[:60])
