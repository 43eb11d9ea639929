"""Exact replay in the system simulator: recorded arrivals with their service sizes (and
keys, and clients) give per-request responses equal to a hand-computed FIFO schedule and
to simulate_balancer's replay of the same sequence."""

from __future__ import annotations

import numpy as np
import pytest
from fifo import lindley, per_server

from scalemodel import sim as S


@pytest.fixture(scope="module")
def recording() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    n = 40
    t = np.cumsum(rng.exponential(1 / 300.0, n))
    svc = np.where(rng.random(n) < 0.9, 0.01, 0.05)  # queues form behind the slow ones
    return t, svc


def _each_response(system: S.System, n: int) -> np.ndarray:
    # request k alone counted (warmup k): its response, from a run whose schedule up to k
    # is the whole replay's (later arrivals cannot change an earlier FIFO response)
    return np.array(
        [system.simulate(warmup=k, requests=1, replications=1, seed=3).mean_response for k in range(n)]
    )


def test_one_tier_replay_is_the_fifo_schedule_per_request(recording: tuple[np.ndarray, np.ndarray]) -> None:
    t, svc = recording
    system = S.System(arrivals=t, service_times_s=svc).tier("web", 4, 1.0, policy="round_robin")
    want = per_server(t, svc, np.arange(t.size) % 4)
    assert _each_response(system, t.size) == pytest.approx(want, rel=1e-12, abs=1e-15)
    # the same sequence through simulate_balancer: the same responses, bucket for bucket
    whole = system.simulate(warmup=0, replications=2, seed=1)
    bal = S.simulate_balancer(
        "round_robin", 4, t, None, service_times_s=svc, warmup=0, replications=2, seed=1
    )
    assert whole.replication_values("mean_response") == pytest.approx([want.mean()] * 2, rel=1e-12)
    assert whole.mean_response == pytest.approx(bal.mean_response, rel=1e-12)
    assert np.array_equal(whole.response_histogram()[1], bal.response_histogram()[1])


def test_the_recorded_size_is_the_entry_visit_only(recording: tuple[np.ndarray, np.ndarray]) -> None:
    # entry (replayed sizes) hands every request to a deterministic 2 ms tier: two FIFO
    # servers in tandem, the second serving in the order the first finishes
    t, svc = recording
    system = (
        S.System(arrivals=t, service_times_s=svc)
        .tier("front", 1, 1.0)
        .tier("back", 1, S.Deterministic(0.002))
        .route("front", "back")
    )
    first = t + lindley(t, svc)
    done = first + lindley(first, np.full(t.size, 0.002))
    res = system.simulate(warmup=0, replications=1)
    assert res.mean_response == pytest.approx(float(np.mean(done - t)), rel=1e-12)


def test_replayed_keys_address_the_shards(recording: tuple[np.ndarray, np.ndarray]) -> None:
    t, svc = recording
    keys = np.random.default_rng(2).integers(0, 12, t.size)
    system = S.System(arrivals=t, service_times_s=svc, keys=keys).tier("db", 1, 1.0, shards=3, keys=12)
    want = per_server(t, svc, keys % 3)  # key k lives on shard k mod 3
    assert _each_response(system, t.size) == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_replayed_keys_drive_an_lru_cache_and_travel_down_calls(
    recording: tuple[np.ndarray, np.ndarray],
) -> None:
    t, svc = recording
    keys = np.zeros(t.size, dtype=np.int64)  # one key: a single miss, then hits
    system = (
        S.System(arrivals=t, service_times_s=svc, keys=keys)
        .tier("api", 2, 1.0, policy="round_robin")
        .tier("cache", 1, 0.0001, cache_items=1, keys=10)
        .tier("db", 1, 0.001)
        .call("api", "cache")
        .call("api", "db", after_miss=True)
    )
    res = system.simulate(warmup=0, replications=2, seed=1)
    assert res.tier_values("db", "visits") == pytest.approx([1 / t.size] * 2)


def test_replayed_clients_stick_to_one_server(recording: tuple[np.ndarray, np.ndarray]) -> None:
    t, svc = recording
    system = S.System(arrivals=t, service_times_s=svc, client_keys=["10.0.0.7"] * t.size)
    system.tier("web", 4, 1.0, policy="sticky")
    res = system.simulate(warmup=0, replications=2, seed=1)
    assert res.mean_response == pytest.approx(float(lindley(t, svc).mean()), rel=1e-12)


def test_replay_arguments_are_checked(recording: tuple[np.ndarray, np.ndarray]) -> None:
    t, svc = recording
    with pytest.raises(ValueError, match="timestamps to replay"):
        S.System(arrival_rate=100.0, service_times_s=svc)
    with pytest.raises(ValueError, match="timestamps to replay"):
        S.System(arrival_rate=100.0, keys=[1, 2])
    with pytest.raises(TypeError, match="service_times_s"):
        S.System(arrivals=t, service_times_s=["a"] * t.size)
    with pytest.raises(TypeError, match="keys"):
        S.System(arrivals=t, keys=np.full(t.size, 0.5))
    with pytest.raises(ValueError, match="one entry per replayed timestamp"):
        S.System(arrivals=t, service_times_s=svc[:-1]).tier("web", 1, 1.0).simulate(warmup=0)
    with pytest.raises(ValueError, match="service_times"):
        S.System(arrivals=t, service_times_s=-svc).tier("web", 1, 1.0).simulate(warmup=0)
    with pytest.raises(ValueError, match="keyed tier"):
        S.System(arrivals=t, keys=np.zeros(t.size, dtype=int)).tier("web", 1, 1.0).simulate(warmup=0)
    with pytest.raises(ValueError, match=r"keys must be in \[0, 3\)"):
        S.System(arrivals=t, keys=np.full(t.size, 3)).tier("db", 1, 1.0, shards=3).simulate(warmup=0)
