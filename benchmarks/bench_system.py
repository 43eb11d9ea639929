"""The system simulator (sm.sim.System): events per second on a fan-out system, and
simulated requests per second against Ciw on the same open network.

Run: python benchmarks/bench_system.py   (needs the bench extras: ciw)

(a) Three tiers with a fan-out of 8: a balancer (zero service) hands each request to an
app tier (8 servers x 16 threads, exponential 1 ms), which calls a database of 16 shards
(one server of 4 vCPUs each, exponential 2 ms) with a fan-out of 8 shards and waits for
all 8 answers. 2,000 requests/s put the shards at 50% load. An event is an arrival or a
completed service: 11 per request. Target: 10 million events per second on one core.

(b) The open network of tests/python/test_system_peers.py: three M/M/c stations with
probabilistic routing and feedback (10 requests/s enter at a; a -> b 0.6, a -> c 0.3,
b -> a 0.2), built in each library with its own idioms; both run until 20,000 requests
have left. Rates are simulated requests per second of wall time. Target: 100x Ciw.

The machine is a shared VM whose speed drifts, so the runs are interleaved (fan-out, open
network ours, Ciw, ...) in one process over several rounds and medians are reported. The
process is pinned to one CPU and ours runs one replication on one thread: every figure is
single-core.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import statistics

import ciw
import numpy as np
from harness import timed

import scalemodel as sm

ROUNDS = 5
TARGET_EVENTS = 10_000_000
TARGET_CIW = 100

# (a) three tiers, fan-out 8
FANOUT_RATE = 2000.0
FANOUT_REQUESTS = 200_000
FANOUT_EVENTS_PER_REQUEST = 11  # arrival, balancer, app, 8 shard visits

# (b) the open network
ARRIVAL_RATE = 10.0
RATES = (8.0, 6.0, 5.0)
SERVERS = (3, 2, 1)
ROUTING = ((0.0, 0.6, 0.3), (0.2, 0.0, 0.0), (0.0, 0.0, 0.0))
NAMES = ("a", "b", "c")
OURS_REQUESTS = 200_000
CIW_REQUESTS = 20_000


def fanout_system() -> sm.sim.System:
    exp = sm.distributions.Exponential
    system = sm.sim.System(arrival_rate=FANOUT_RATE)
    system.tier("balancer", 2, 0.0, concurrency=1000)
    system.tier("app", 8, exp(0.001), concurrency=16)
    system.tier("db", 1, exp(0.002), concurrency=4, shards=16)
    return system.route("balancer", "app").call("app", "db", fanout=8)


def open_network() -> sm.sim.System:
    system = sm.sim.System(arrival_rate=ARRIVAL_RATE)
    for name, rate, servers in zip(NAMES, RATES, SERVERS):
        system.tier(name, 1, sm.distributions.Exponential(1.0 / rate), concurrency=servers)
    for i, row in enumerate(ROUTING):
        for j, p in enumerate(row):
            if p > 0:
                system.route(NAMES[i], NAMES[j], p)
    return system


FANOUT = fanout_system()
OPEN = open_network()


def ours_fanout() -> sm.sim.SystemResult:
    r = FANOUT.simulate(requests=FANOUT_REQUESTS, warmup=0, replications=1, seed=1, threads=1)
    assert r.events == FANOUT_EVENTS_PER_REQUEST * FANOUT_REQUESTS, r.events
    return r


# (c) the same fan-out system with clients that time out and retry (the timeout never fires:
# what the bookkeeping costs); target at most 1.5x the time without.
FANOUT_CLIENTS = fanout_system()
FANOUT_CLIENTS.client = sm.sim.Client(timeout=10.0, retries=3, backoff=0.01, budget=0.1)
TARGET_CLIENT_OVERHEAD = 1.5


def ours_fanout_clients() -> sm.sim.SystemResult:
    return FANOUT_CLIENTS.simulate(requests=FANOUT_REQUESTS, warmup=0, replications=1, seed=1, threads=1)


def a_day_autoscaled() -> float:
    """(d) A day at 1,000 requests/s on average (a daily cycle, 86.4 million requests) through an
    autoscaled tier, one replication on one thread: seconds of wall time."""
    day = sm.arrivals.Profile.daily(1000, 1.8, period_s=86_400)
    system = sm.sim.System(arrivals=day).tier(
        "app",
        10,
        sm.distributions.Exponential(0.02),
        concurrency=4,
        autoscale=sm.sim.Autoscale(min_servers=2, max_servers=60),
    )
    return timed(
        lambda: system.simulate(requests=86_400_000, warmup=0, replications=1, threads=1, window_s=300)
    )


def ours_open() -> sm.sim.SystemResult:
    return OPEN.simulate(requests=OURS_REQUESTS, warmup=0, replications=1, seed=1, threads=1)


def station_reference() -> sm.sim.SimResult:
    """bench_sim.py's M/M/10 on the station simulator: how fast this machine is right now."""
    return sm.sim.simulate_queue(
        8.0,
        sm.distributions.Exponential(1.0),
        10,
        customers=100_000,
        warmup=0,
        replications=1,
        seed=1,
        threads=1,
    )


def with_ciw() -> float:
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=ARRIVAL_RATE), None, None],
        service_distributions=[ciw.dists.Exponential(rate=r) for r in RATES],
        routing=[list(row) for row in ROUTING],
        number_of_servers=list(SERVERS),
    )
    ciw.seed(1)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_customers(CIW_REQUESTS, method="Complete")
    recs = sim.get_all_records()
    ident = np.array([r.id_number for r in recs])
    first = np.full(ident.max() + 1, np.inf)
    np.minimum.at(first, ident, np.array([r.arrival_date for r in recs]))
    out = [r for r in recs if r.destination == -1]
    return float(np.mean([r.exit_date - first[r.id_number] for r in out]))


def main() -> int:
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    exact = sm.queueing.jackson(
        [ARRIVAL_RATE, 0.0, 0.0], np.array(ROUTING), list(RATES), list(SERVERS)
    ).mean_response
    fan = ours_fanout()
    print(
        f"scalemodel {sm.__version__}, Ciw {ciw.__version__}, pinned to CPU {cpu}, ours on 1 thread, "
        f"1 replication"
    )
    print(
        f"(a) three tiers, fan-out 8 of 16 shards at {fan.tiers().loc['db', 'utilization']:.0%} load: "
        f"{FANOUT_REQUESTS:,} requests, {fan.events:,} events, mean response {fan.mean_response * 1e3:.2f} ms"
    )
    net = ours_open()
    print(
        f"(b) open network of 3 M/M/c with feedback, mean response one run each (product form "
        f"{exact:.4f} s): ours {net.mean_response:.4f} ({OURS_REQUESTS:,} requests), "
        f"Ciw {with_ciw():.4f} ({CIW_REQUESTS:,} requests)"
    )
    rates: dict[str, list[float]] = {
        "fanout": [],
        "open": [],
        "open_events": [],
        "ciw": [],
        "station": [],
        "clients": [],
    }
    station_events = station_reference().events
    for _ in range(ROUNDS):
        rates["station"].append(station_events / timed(station_reference))
        plain = timed(ours_fanout)
        rates["fanout"].append(fan.events / plain)
        rates["clients"].append(timed(ours_fanout_clients) / plain)
        t = timed(ours_open)
        rates["open"].append(OURS_REQUESTS / t)
        rates["open_events"].append(net.events / t)
        rates["ciw"].append(CIW_REQUESTS / timed(with_ciw))
    med = {k: statistics.median(v) for k, v in rates.items()}
    print(f"median of {ROUNDS} interleaved rounds:")
    print(
        f"three tiers fan-out 8, events: ours {med['fanout']:,.0f}/s, target {TARGET_EVENTS:,}/s, "
        f"{med['fanout'] / TARGET_EVENTS:.2f}x"
    )
    print(
        f"open network vs Ciw, requests: ours {med['open']:,.0f}/s, peer {med['ciw']:,.0f}/s, "
        f"{med['open'] / med['ciw']:,.1f}x   (ours {med['open_events']:,.0f} events/s)"
    )
    print(
        f"timeouts, retries and a retry budget on the fan-out system: {med['clients']:.2f}x the time "
        f"without (target <= {TARGET_CLIENT_OVERHEAD}x)"
    )
    print(f"reference, the station simulator on bench_sim's M/M/10: {med['station']:,.0f} events/s")
    day_s = a_day_autoscaled()
    print(
        f"a day at 1,000 requests/s (86.4M requests), autoscaled tier, one core: {day_s:.1f} s (target < 30 s)"
    )
    checks = [
        (med["fanout"] >= TARGET_EVENTS, f">= {TARGET_EVENTS / 1e6:.0f}M events/s on one core (fan-out 8)"),
        (med["open"] / med["ciw"] >= TARGET_CIW, f">= {TARGET_CIW}x Ciw per simulated request"),
        (med["clients"] <= TARGET_CLIENT_OVERHEAD, f"clients cost <= {TARGET_CLIENT_OVERHEAD}x"),
        (day_s < 30, "a day at 1,000 requests/s in < 30 s"),
    ]
    for ok, what in checks:
        print(f"target {what}: {'met' if ok else 'MISSED'}")
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
