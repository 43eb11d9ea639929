"""sm.queueing.RetryQueue, the CTMC of one queue with timeouts and retries: exact against
M/M/c/K, balanced, its truncation reported, and checked against the system simulator
(stationary goodput, and escape times from the overload mode growing steeply with load)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import scalemodel as sm
from scalemodel.distributions import Exponential
from scalemodel.testing import LEVEL, assert_ci_contains

# 4 workers at 10 requests/s (40/s of capacity), clients give up after 1 s (10 service
# times) and retry twice at once, the server holds 60 attempts.
WORKERS, MU, TIMEOUT, RETRIES, CAPACITY = 4, 10.0, 1.0, 2, 60


def chain(rate: float, **kw) -> sm.queueing.RetryQueue:
    args = dict(timeout=TIMEOUT, retries=RETRIES, capacity=CAPACITY) | kw
    return sm.queueing.RetryQueue(rate, MU, WORKERS, **args)


def system(traffic, client=None) -> sm.sim.System:
    client = client or sm.sim.Client(timeout=TIMEOUT, retries=RETRIES)
    kw = dict(arrival_rate=traffic) if np.isscalar(traffic) else dict(arrivals=traffic)
    return sm.sim.System(**kw, client=client).tier(
        "app", 1, Exponential(1 / MU), concurrency=WORKERS, capacity=CAPACITY
    )


@pytest.mark.parametrize("rate", [5.0, 30.0, 39.0, 80.0])
def test_without_timeouts_or_retries_it_is_mmck(rate):
    r = sm.queueing.RetryQueue(rate, MU, WORKERS, capacity=CAPACITY)
    exact = sm.queueing.MMcK(rate, MU, WORKERS, CAPACITY)
    assert r.throughput == pytest.approx(float(exact.throughput), rel=1e-11)
    assert r.goodput == pytest.approx(r.throughput, rel=1e-12)
    assert r.fail_rate == pytest.approx(float(exact.prob_block), abs=1e-12)
    assert r.mean_queue == pytest.approx(float(exact.mean_in_system), rel=1e-10)
    assert (
        r.attempts_per_request == pytest.approx(1.0, rel=1e-12)
        and r.truncation_mass == 0.0
        and r.orbit_limit == 0
    )


def test_generator_balance_and_flows():
    pytest.importorskip("scipy")
    r = chain(28.0, backoff=0.2)
    q = r.generator()
    pi = r.stationary().ravel()
    assert q.shape == (r.states, r.states) and r.states == (CAPACITY + 1) * (r.orbit_limit + 1) == pi.size
    np.testing.assert_allclose(q @ np.ones(r.states), 0.0, atol=1e-9)
    np.testing.assert_allclose(q.T @ pi, 0.0, atol=1e-10 * 28)
    assert pi.sum() == pytest.approx(1.0, abs=1e-12) and pi.min() >= 0
    np.testing.assert_allclose(r.queue_distribution(), r.stationary().sum(axis=1))
    # every request is answered or fails
    assert r.throughput + 28.0 * r.fail_rate == pytest.approx(28.0, rel=1e-9)
    assert r.truncation_mass < 1e-9


def test_the_truncation_is_reported():
    tight = chain(36.0, orbit_limit=20)
    assert tight.orbit_limit == 20 and tight.truncation_mass > 0.3
    assert chain(36.0).truncation_mass < 1e-6  # the default leaves room
    # an unbounded server in its overload mode piles up at the queue's truncation
    unbounded = sm.queueing.RetryQueue(36.0, MU, WORKERS, timeout=TIMEOUT, retries=RETRIES, queue_limit=100)
    assert unbounded.queue_limit == 100 and unbounded.truncation_mass > 0.1
    assert "states" in repr(tight) and tight.to_dict()["orbit_limit"] == 20
    copy = pickle.loads(pickle.dumps(tight))
    assert copy.goodput == tight.goodput and copy.orbit_limit == 20


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="servers"):
        sm.queueing.RetryQueue(10, MU, 0)
    with pytest.raises(ValueError, match="timeout"):
        sm.queueing.RetryQueue(10, MU, 1, timeout=-1)
    with pytest.raises(ValueError, match="orbit_limit"):
        chain(10.0, orbit_limit=10**6)
    with pytest.raises(ValueError, match="capacity"):
        sm.queueing.RetryQueue(10, MU, 4, capacity=2)
    with pytest.raises(ValueError, match="not both"):
        sm.queueing.RetryQueue(10, MU, 4, capacity=20, queue_limit=30)
    with pytest.raises(TypeError, match="retries"):
        chain(10.0, retries=1.5)
    with pytest.raises(ValueError, match="from_queue"):
        chain(10.0).escape_time(10, 20)
    with pytest.raises(ValueError, match="to_queue"):
        chain(10.0).escape_time(30, 60)
    with pytest.raises(AttributeError):
        chain(10.0).goodput = 3  # type: ignore[misc]


def test_two_modes_in_the_queue_length():
    # at 31/s (78% of capacity) the chain spends 2/3 of its time near empty, 1/4 full
    p = chain(31.0).queue_distribution()
    assert p[:11].sum() > 0.2 and p[40:].sum() > 0.2
    assert p[30] < 0.01 * min(p[:11].max(), p[40:].max())


def test_stationary_goodput_matches_the_simulator_in_the_normal_mode():
    for rate in (20.0, 24.0):
        r = chain(rate)
        sim = system(rate).simulate(requests=40_000, warmup=2_000, replications=4, seed=141)
        assert_ci_contains(sim, "goodput", r.goodput)
        assert_ci_contains(sim, "attempts", r.attempts_per_request, slack=1e-3)


SPIKE_AT, SPIKE_S = 30.0, 5.0


def recovery_times(rate: float, horizon_s: float, runs: int) -> np.ndarray:
    """Seconds from the end of a 5 s spike to 3x until a 1 s window's goodput is back within
    10% of the pre-spike level, one per run (the spike fills the server: the overload mode)."""
    traffic = sm.arrivals.Profile.spike(rate, 3 * rate, at_s=SPIKE_AT, duration_s=SPIKE_S)
    out = []
    for seed in range(runs):
        res = system(traffic).simulate(
            requests=int(rate * horizon_s), warmup=0, replications=1, seed=1000 + seed, window_s=1.0
        )
        out.append(res.recovery_time(SPIKE_AT + SPIKE_S, (5.0, SPIKE_AT)))
    return np.array(out)


def test_escape_time_grows_steeply_with_load_in_the_chain_and_the_simulator():
    # Rule: as the load approaches the tipping point, the time to escape the overload mode
    # grows steeply (about 2.5x per 5% of capacity here); the simulator's recovery time
    # after a spike grows with it. The chain escapes 1.5-4x sooner (its retry delays are
    # exponential, the simulator's a fixed timeout): a stated approximation, checked here.
    loads = (20.0, 22.0, 24.0)
    escapes = [chain(rate).escape_time() for rate in loads]
    assert escapes[1] > 2 * escapes[0] and escapes[2] > 2 * escapes[1]
    means = []
    for rate, escape in zip(loads, escapes):
        times = recovery_times(rate, SPIKE_AT + SPIKE_S + 30 * escape + 60, runs=20)
        assert np.isfinite(times).all()
        half = 3 * times.std(ddof=1) / np.sqrt(times.size)
        assert 1.5 * escape < times.mean() + half and times.mean() - half < 4 * escape, (
            rate,
            escape,
            times.mean(),
        )
        means.append(times.mean())
    assert means[2] > 2.5 * means[0]
    assert escapes[2] / escapes[0] > 5


def test_escape_and_onset_times_are_consistent_with_the_stationary_law():
    # The chain spends ~ onset / (onset + escape) of its time in the normal mode.
    r = chain(31.0)
    onset, escape = r.onset_time(), r.escape_time()
    p = r.queue_distribution()
    normal = p[: (r.normal_queue + r.overload_queue) // 2].sum()
    assert normal == pytest.approx(onset / (onset + escape), abs=0.1)
    assert LEVEL > 0


def test_a_cancelled_call_stops_between_phases():
    # What Ctrl-C does (scalemodel._progress.run cancels the call's Progress): the engine
    # stops at its next check instead of solving on.
    from scalemodel import _core

    progress = _core.Progress()
    progress.cancel()
    config = _core.queueing.RetryQueueConfig()
    config.arrival_rate, config.service_rate, config.servers, config.capacity = 20.0, 10.0, 4, 60
    with pytest.raises(RuntimeError, match="cancelled"):
        _core.run_tracked(progress, lambda: _core.queueing.RetryQueue(config))
