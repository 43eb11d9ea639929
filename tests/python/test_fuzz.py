"""Fuzzing the closed forms as a hostile user would (issue #18).

Each public callable below gets Hypothesis-drawn arguments, adversarial ones first (0,
subnormals, 1e-308, 1e308, negatives, NaN, inf, integers beyond float range). The promise
checked: no crash, no call longer than ``CALL_LIMIT_S``, only ValueError or TypeError, and
no NaN out of finite input. The run happens in a child interpreter with a time and a memory
cap, which prints each call before making it, so a hang names its call.

CI runs a bounded sample (``SCALEMODEL_FUZZ_EXAMPLES`` examples per callable, default 30);
a longer run by hand: ``SCALEMODEL_FUZZ_EXAMPLES=2000 pytest tests/python/test_fuzz.py``.
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
