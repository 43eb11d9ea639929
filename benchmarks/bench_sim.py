"""Events per second of scalemodel's simulator against SimPy and Ciw on the same M/M/c.

Run: python benchmarks/bench_sim.py   (needs the bench extras: simpy, ciw)

The model is M/M/10 at 80% load (arrival rate 8/s, mean service 1 s), 50,000 customers,
no warm-up, built in each library with its own idioms. An event is an arrival or a
service completion, so every library processes 2 events per customer; rates are events
per second of wall time. The machine is a shared VM whose speed drifts, so ours and each
peer run interleaved (ours, SimPy, Ciw, ours, ...) in one process over several rounds and
the medians and their ratio are reported. The process is pinned to one CPU and ours runs
one replication on one thread, so every figure is single-core.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import random
import statistics

import ciw
import simpy
from harness import timed

import scalemodel as sm

ARRIVAL_RATE = 8.0
MEAN_SERVICE = 1.0
SERVERS = 10
CUSTOMERS = 50_000
EVENTS = 2 * CUSTOMERS
ROUNDS = 5
TARGET_RATE = 10_000_000
TARGET_SIMPY = 50
TARGET_CIW = 100


def ours() -> float:
    r = sm.sim.simulate_queue(
        ARRIVAL_RATE,
        sm.sim.Exponential(MEAN_SERVICE),
        SERVERS,
        customers=CUSTOMERS,
        warmup=0,
        replications=1,
        seed=1,
        threads=1,
    )
    assert r.events == EVENTS
    return r.mean_response


def with_simpy() -> float:
    rng = random.Random(1)
    env = simpy.Environment()
    station = simpy.Resource(env, capacity=SERVERS)
    total = [0.0]

    def customer(env: simpy.Environment) -> object:
        arrived = env.now
        with station.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1.0 / MEAN_SERVICE))
        total[0] += env.now - arrived

    def source(env: simpy.Environment) -> object:
        for _ in range(CUSTOMERS):
            yield env.timeout(rng.expovariate(ARRIVAL_RATE))
            env.process(customer(env))

    env.process(source(env))
    env.run()
    return total[0] / CUSTOMERS


def with_ciw() -> float:
    ciw.seed(1)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=ARRIVAL_RATE)],
        service_distributions=[ciw.dists.Exponential(rate=1.0 / MEAN_SERVICE)],
        number_of_servers=[SERVERS],
    )
    sim = ciw.Simulation(network)
    sim.simulate_until_max_customers(CUSTOMERS, method="Finish")
    recs = sim.get_all_records()
    return sum(r.waiting_time + r.service_time for r in recs) / len(recs)


def main() -> int:
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    exact = sm.queueing.MMc(ARRIVAL_RATE, 1.0 / MEAN_SERVICE, SERVERS).mean_response
    print(
        f"scalemodel {sm.__version__}, SimPy {simpy.__version__}, Ciw {ciw.__version__}: M/M/{SERVERS} at "
        f"{ARRIVAL_RATE / SERVERS:.0%} load, {CUSTOMERS:,} customers ({EVENTS:,} events), pinned to CPU {cpu}, "
        "ours on 1 thread"
    )
    print(
        f"mean response, one run each (exact {exact:.4f} s): ours {ours():.4f}, SimPy {with_simpy():.4f}, "
        f"Ciw {with_ciw():.4f}"
    )
    rates: dict[str, list[float]] = {"ours": [], "simpy": [], "ciw": []}
    for _ in range(ROUNDS):
        rates["ours"].append(EVENTS / timed(ours))
        rates["simpy"].append(EVENTS / timed(with_simpy))
        rates["ours"].append(EVENTS / timed(ours))
        rates["ciw"].append(EVENTS / timed(with_ciw))
    med = {k: statistics.median(v) for k, v in rates.items()}
    print(f"median of {ROUNDS} interleaved rounds, events per second:")
    print(
        f"M/M/10 vs SimPy: ours {med['ours']:,.0f}/s, peer {med['simpy']:,.0f}/s, {med['ours'] / med['simpy']:,.1f}x"
    )
    print(
        f"M/M/10 vs Ciw: ours {med['ours']:,.0f}/s, peer {med['ciw']:,.0f}/s, {med['ours'] / med['ciw']:,.1f}x"
    )
    checks = [
        (med["ours"] >= TARGET_RATE, f">= {TARGET_RATE / 1e6:.0f}M events/s on one core"),
        (med["ours"] / med["simpy"] >= TARGET_SIMPY, f">= {TARGET_SIMPY}x SimPy"),
        (med["ours"] / med["ciw"] >= TARGET_CIW, f">= {TARGET_CIW}x Ciw"),
    ]
    for ok, what in checks:
        print(f"target {what}: {'met' if ok else 'MISSED'}")
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
