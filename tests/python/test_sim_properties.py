"""Properties every simulation must satisfy, over random configurations (Hypothesis).

Each counted request ends in exactly one way (completed, dropped by a full buffer, timed
out, or failed with a server), whatever the policy, buffer, timeout and outages; and the
figures stay in their ranges. These are exact identities, not statistical checks.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import scalemodel as sm

S = sm.sim

services = st.one_of(
    st.floats(0.05, 2.0).map(S.Exponential),
    st.floats(0.0, 2.0).map(S.Deterministic),
    st.tuples(st.floats(0.05, 2.0), st.floats(0.0, 2.0)).map(lambda a: S.Lognormal(*a)),
    st.tuples(st.floats(0.05, 2.0), st.floats(1.1, 5.0)).map(lambda a: S.Pareto(*a)),
    st.floats(0.001, 0.2).map(lambda p: S.Mixture([(p, S.Deterministic(5.0)), (1 - p, S.Exponential(0.05))])),
)


@st.composite
def configs(draw: st.DrawFn) -> dict:
    backends = draw(st.integers(1, 4))
    per = draw(st.integers(1, 3))
    outages = [
        S.Outage(
            at_s=draw(st.floats(0.0, 200.0)),
            until_s=draw(st.sampled_from([math.inf, 50.0, 400.0])) + 300.0,
            backend=draw(st.integers(0, backends - 1)),
            servers=draw(st.one_of(st.none(), st.integers(1, per))),
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    return dict(
        policy=draw(st.sampled_from(sorted(S.POLICIES))),
        backends=backends,
        arrival_rate=draw(st.floats(0.1, 3.0)) * backends * per,
        service=draw(services),
        servers_per_backend=per,
        capacity=draw(st.one_of(st.none(), st.integers(per, per + 5))),
        timeout=draw(st.one_of(st.none(), st.floats(0.1, 5.0))),
        outages=outages,
        customers=draw(st.integers(50, 2000)),
        warmup=draw(st.integers(0, 100)),
        replications=2,
        seed=draw(st.integers(0, 2**32)),
        threads=1,
    )


@settings(max_examples=60, deadline=None)
@given(configs())
def test_every_request_ends_exactly_once(cfg: dict) -> None:
    r = S.simulate_balancer(**cfg)
    if not r.stable:
        return  # an overflowing run stops early by design
    arrivals = r.replication_values("arrivals")
    assert np.all(arrivals == cfg["customers"])
    ends = sum(r.replication_values(k) for k in ("completed", "dropped", "timed_out", "failed"))
    assert np.array_equal(ends, arrivals)
    for name in ("utilization", "drop_rate", "timeout_rate", "fail_rate"):
        v = r.replication_values(name)
        v = v[~np.isnan(v)]
        assert np.all((v >= 0) & (v <= 1 + 1e-9)), name
    if cfg["timeout"] is not None:
        longest = r.wait_quantile(1.0)  # NaN when nothing completed
        assert math.isnan(longest) or longest <= cfg["timeout"] * (1 + S.HISTOGRAM_RELATIVE_ERROR)
    if cfg["capacity"] is None:
        assert r.drop_rate == 0
    if not cfg["outages"]:
        assert r.fail_rate == 0
