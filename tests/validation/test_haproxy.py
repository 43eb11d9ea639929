"""simulate_balancer against haproxy 2.x on loopback.

Four single-threaded backends (backend.py) serve requests of 10 ms (99%) or 1 s (1%);
a Poisson load at half their capacity goes through haproxy under roundrobin, leastconn
and random(1) and random(2). haproxy's own log, read with sm.calibrate.read_haproxy, gives each
request's arrival and response time; the backends report each request's service time.
The simulator replays the same arrivals with the same service times (exact replay), with
haproxy's measured mean overhead (Ta - Tr) added and, for the random policies, haproxy's
own draws (sm.hashing.haproxy_random_draws: its xorshift32 from the fixed state every
haproxy process starts from, looked up on its consistent-hash ring), and must match each
policy's mean and p95 response within the stated tolerances, and rank the policies as
haproxy does.

Why random(2) was 10-15% slower than the simulator's P2C with uniform draws (measured
here: haproxy 0.104 s; uniform draws 0.088 s; draws weighted by the ring's shares
0.091 +- 0.008 s over replications; haproxy's own draws 0.103 s): haproxy compares the
servers' current connections (served, weighted by their equal weights) as the model does,
but (1) its ring gives 4 servers unequal shares (28.9%, 18.5%, 24.3%, 28.3%), and (2) its
generator starts from the same state in every process, so every run makes the same draws,
which on this workload sit at the 93rd percentile of the model's runs. With both, the
simulator reproduces haproxy's choices and the gap closes.
"""

from __future__ import annotations

import re
import shutil
import time

import numpy as np
import pytest
import scipy.stats
from lab import backends, free_port, haproxy_config, open_loop, started

import scalemodel as sm

HAPROXY = shutil.which("haproxy")
pytestmark = pytest.mark.skipif(
    HAPROXY is None,
    reason="haproxy is not installed (Debian: apt-get install haproxy; quickstart.sh installs it)",
)

BACKENDS = 4
REQUESTS = 2000  # per policy: about 20 s at 100 requests/s, four policies
LOAD = 0.5
SLOW, FAST, P_SLOW = 1.0, 0.010, 0.01
POLICIES = {  # haproxy's balance -> the simulator's policy
    "roundrobin": ("round_robin", {}),
    "leastconn": ("least_connections", {}),
    "random(1)": ("random", {}),
    "random(2)": ("power_of_d", {"d": 2, "replacement": True}),
}
# haproxy's random draws a key on a consistent-hash ring whose arcs are unequal, from a
# generator whose start is the same in every process: the model replays haproxy's draws.
DRAWS = {"random(1)": 1, "random(2)": 2}  # draws per request
# Tolerances: haproxy logs whole milliseconds and the machine is shared, so a few ms of
# noise per request are expected on top of the model's own error; wider where the model's
# prediction itself is that uncertain: its spread over replications (random draws), or over
# replays of the arrivals each moved within +-0.5 ms (JITTER_RUNS of them). The log has whole
# milliseconds and haproxy accepts connections in batches, so the order of two arrivals
# within a millisecond is not known; under round robin and random(d) it decides which
# backend each gets, and behind a 1 s request that can move the mean by tens of ms.
MEAN_REL, MEAN_ABS = 0.15, 0.003
P95_REL, P95_ABS, P95_LEVELS = 0.15, 0.005, 0.02  # p95 between the model's p93 and p97
JITTER_RUNS = 8


def _prediction_half_width(means: np.ndarray) -> float:
    """Half-width of a 99% prediction interval for one more draw like ``means``."""
    n = means.size
    return float(scipy.stats.t.ppf(0.995, n - 1) * means.std(ddof=1) * np.sqrt(1 + 1 / n))


def _workload(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    sizes = np.where(rng.random(REQUESTS) < P_SLOW, SLOW, FAST)
    mean = P_SLOW * SLOW + (1 - P_SLOW) * FAST
    rate = LOAD * BACKENDS / mean
    return np.cumsum(rng.exponential(1 / rate, REQUESTS)), sizes


def _run(balance: str, arrivals: np.ndarray, sizes: np.ndarray, tmp_path) -> tuple[object, np.ndarray]:
    log = tmp_path / f"haproxy-{re.sub(r'[^a-z0-9]', '', balance)}.log"
    cfg = tmp_path / "haproxy.cfg"
    with backends(BACKENDS, max_seconds=240) as ports:
        port = free_port()
        cfg.write_text(haproxy_config(port, ports, balance))
        with open(log, "wb") as out, started([HAPROXY, "-db", "-f", str(cfg)], port, stdout=out):
            got = open_loop(port, arrivals, sizes, timeout_s=30.0)
            time.sleep(0.3)  # the last log lines
    frame = sm.calibrate.read_haproxy(log, strict=True)
    frame = frame[frame["request"].str.contains("id=")]  # not the readiness probe's connection
    return frame, got.service_s


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, dict[str, float]]:
    arrivals, sizes = _workload(17)
    tmp = tmp_path_factory.mktemp("haproxy")
    out: dict[str, dict[str, float]] = {}
    frames = {balance: _run(balance, arrivals, sizes, tmp) for balance in POLICIES}
    shares = sm.hashing.haproxy_random_shares(BACKENDS)
    counts = frames["random(1)"][0]["server"].value_counts()
    picked = [int(counts.get(f"s{i}", 0)) for i in range(BACKENDS)]
    for balance, (policy, options) in POLICIES.items():
        frame, service = frames[balance]
        assert len(frame) == REQUESTS and (frame["status"] == 200).all()
        ids = frame["request"].str.extract(r"id=(\d+)")[0].astype(int).to_numpy()
        frame = frame.assign(id=ids).sort_values(["timestamp", "id"], kind="stable")
        t = frame["timestamp"].to_numpy() - frame["timestamp"].iloc[0]
        svc = service[frame["id"].to_numpy()]
        assert np.all(np.isfinite(svc))
        overhead = float((frame["tt_s"] - frame["tr_s"]).mean())
        run = dict(service_times_s=svc, warmup=0, replications=20, seed=1, overhead_s=max(overhead, 0.0))
        replayed = {}
        extra = {}
        if balance in DRAWS:
            replayed = {"draws": sm.hashing.haproxy_random_draws(BACKENDS, DRAWS[balance] * REQUESTS)}
            uniform = sm.sim.simulate_balancer(policy, BACKENDS, t, None, **run, **options)
            ring = sm.sim.simulate_balancer(policy, BACKENDS, t, None, **run, **options, weights=shares)
            extra = {"model_mean_uniform_draws": uniform.mean_response, "model_mean_ring_draws": ring.mean_response,
                     "model_sd_ring_draws": float(ring.replication_values("mean_response").std(ddof=1))}  # fmt: skip
        sim = sm.sim.simulate_balancer(policy, BACKENDS, t, None, **run, **options, **replayed)
        rng = np.random.default_rng(5)
        jittered = []
        for _ in range(JITTER_RUNS):  # each arrival anywhere in its logged millisecond
            moved = np.clip(t + rng.uniform(-5e-4, 5e-4, t.size), 0.0, None)
            order = np.argsort(moved, kind="stable")
            jrun = {**run, "service_times_s": svc[order], "replications": 2}
            model = sm.sim.simulate_balancer(
                policy, BACKENDS, moved[order], None, **jrun, **options, **replayed
            )
            jittered.append(model.mean_response)
        observed = frame["duration_s"].to_numpy()
        out[balance] = {
            **extra,
            "haproxy_mean": float(observed.mean()),
            "haproxy_p95": float(np.quantile(observed, 0.95)),
            "model_mean": sim.mean_response,
            # one haproxy run is one draw of the policy's random choices: the spread of
            # single replications (a 99% prediction interval's half-width) bounds it too
            "model_spread": _prediction_half_width(sim.replication_values("mean_response")),
            "timing_spread": _prediction_half_width(np.array(jittered)),
            "model_p93": float(sim.response_quantile(0.95 - P95_LEVELS)),
            "model_p95": float(sim.response_quantile(0.95)),
            "model_p97": float(sim.response_quantile(0.95 + P95_LEVELS)),
            "overhead_s": overhead,
            "service_excess_s": float(np.mean(svc - sizes[frame["id"].to_numpy()])),
        }
    out["random(1)"]["picked_as_drawn"] = float(
        picked
        == np.bincount(sm.hashing.haproxy_random_draws(BACKENDS, REQUESTS), minlength=BACKENDS).tolist()
    )
    print(f"\nhaproxy random(1) picks: {picked}; ring shares: {np.round(shares, 3).tolist()}")
    print("haproxy lab (seconds):")
    for balance, r in out.items():
        print(f"  {balance:>10}: " + ", ".join(f"{k}={v:.4f}" for k, v in r.items()))
    return out


@pytest.mark.parametrize("balance", list(POLICIES))
def test_mean_and_p95_per_policy(runs: dict[str, dict[str, float]], balance: str) -> None:
    r = runs[balance]
    allowed = max(MEAN_REL * r["haproxy_mean"] + MEAN_ABS, r["model_spread"], r["timing_spread"])
    assert abs(r["model_mean"] - r["haproxy_mean"]) <= allowed, r
    p95 = r["haproxy_p95"]
    assert r["model_p93"] * (1 - P95_REL) - P95_ABS <= p95 <= r["model_p97"] * (1 + P95_REL) + P95_ABS, r


def test_haproxy_random_draws_are_the_models(runs: dict[str, dict[str, float]]) -> None:
    # random(1) sent each request where haproxy_random_draws says, request for request
    assert runs["random(1)"]["picked_as_drawn"] == 1.0
    # and random(2)'s mean is the replayed draws' (within the mean tolerance, without the
    # spread of the model's own random draws), not the average over draws
    r = runs["random(2)"]
    assert r["model_spread"] < 1e-9  # every replication replays the same draws
    assert abs(r["model_mean"] - r["haproxy_mean"]) <= MEAN_REL * r["haproxy_mean"] + MEAN_ABS, r


def test_policies_rank_alike(runs: dict[str, dict[str, float]]) -> None:
    # random(1) is left out: one run of it is one draw of a very wide spread (a few 1 s
    # requests landing together), so its place next to roundrobin's is a coin toss
    ranked = ["leastconn", "random(2)", "roundrobin"]
    real = sorted(ranked, key=lambda b: runs[b]["haproxy_mean"])
    model = sorted(ranked, key=lambda b: runs[b]["model_mean"])
    assert real == model == ranked


def test_the_log_reader_reads_haproxy_itself(runs: dict[str, dict[str, float]]) -> None:
    # haproxy's overhead per request (accept, connect, forward) is small next to 10 ms
    for r in runs.values():
        assert 0.0 <= r["overhead_s"] < 0.005
        assert 0.0 <= r["service_excess_s"] < 0.003
