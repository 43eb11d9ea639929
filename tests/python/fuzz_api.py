"""Fuzzing scalemodel's whole public API as a hostile user would (issue #18).

Shared by tests/python/test_fuzz.py (the parent, which draws calls with Hypothesis) and the
child interpreters that make them (``python fuzz_api.py`` reads a pickled batch of calls
on stdin and prints one JSON line per call).

``CATALOGUE`` holds a valid call of every public callable (every name in the ``__all__``
of every scalemodel submodule that can be called: functions, classes, and through them
their methods and properties). A fuzzed call replaces one or two of its arguments (any
parameter of the signature, defaults included) with adversarial values: 0, subnormals,
1e-308, 1e308, negatives, NaN, inf, integers beyond float range, wrong types, empty and
NaN-holding arrays. Then, for a class, it reads a property or calls a method of the object
(with one of the method's own arguments replaced, sometimes), and it reads every public
property of what came back. The promise checked:

- no crash (signal) and no hang: each call returns within ``CALL_LIMIT_S``;
- memory stays under the child's cap (a MemoryError is a finding);
- only ValueError or TypeError, whose message names a parameter of the call;
- no NaN out of finite input (in a returned number or array, or a property read of a
  returned object's scalar fields).

Callables left out are listed in ``SKIP`` with the reason; ``test_every_public_callable_is_fuzzed``
keeps the two lists complete.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
import numbers
import pickle
import signal
import sys
import time
import types
import warnings
from typing import Any

import numpy as np

import scalemodel as sm

CALL_LIMIT_S = 5.0  # a finite input returns or raises within this (the slowest valid baselines take ~0.1 s)
MEMORY_CAP = 2 << 30  # bytes of address space per child

MODULES = (
    "arrivals", "caching", "calibrate", "cost", "distributions", "explorer", "hashing", "plan",
    "plot", "queueing", "reliability", "results", "scenario", "sim", "sweeps",
)  # fmt: skip

# Result and record types the library builds for the user (their members are fuzzed through
# the calls that return them), abstract bases, and what needs a display or files.
SKIP = {
    **{
        f"{m}.{n}": "a result or record the library builds; its members are read off returned objects"
        for m, names in {
            "queueing": ["JacksonResult", "MVAResult"],
            "caching": ["Staleness", "WritePolicyLoad"],
            "reliability": ["CtmcResult", "LossBounds", "MonteCarloResult", "RdbCrash"],
            "cost": ["CacheEffect", "CdnCost", "TopicSizing", "Traffic", "Instance", "Catalogue"],
            "sim": [
                "BackendSearch",
                "CacheResult",
                "ConsumerGroupResult",
                "DistributedLimiterResult",
                "LimiterResult",
                "RacyBucketResult",
                "ReplicatedResult",
                "SimResult",
                "SystemResult",
            ],
            "hashing": ["Balance", "Movement", "Sweep", "PackedKeys"],
            "plan": ["Plan", "Tier", "YearPlan", "SimulatedCheck"],
            "calibrate": ["ArrivalFit", "Fit", "FitReport", "LogModel"],
            "results": ["ReplicatedResult"],
            "scenario": ["Field", "Scenario"],
        }.items()
        for n in names
    },
    "distributions.Distribution": "abstract base",
    "sim.Distribution": "abstract base",
    "arrivals.ArrivalProcess": "abstract base",
    "hashing.Scheme": "abstract base",
    "explorer.Explorer": "an ipywidgets front end (needs a notebook)",
    "explorer.explore": "an ipywidgets front end (needs a notebook)",
    "plot.response_vs_load": "draws with matplotlib; its numbers come from MMc, fuzzed here",
    "calibrate.read_csv": "reads a file",
    "calibrate.from_log": "takes a parsed log frame; its fits are fuzzed here",
    "scenario.load_scenario": "reads a file; scenario values are fuzzed through plan_text",
    "scenario.ScenarioError": "an exception type",
    "sweeps.SweepWarning": "a warning type",
    "plan.plan_file": "reads a file; fuzzed through plan_text",
    "plan.simulate": "a plan's end-to-end simulation (minutes); its engine is sim.System, fuzzed here",
    "plan.simulated_system": "builds sim.System from a plan; sim.System is fuzzed here",
    "plan.examples": "lists bundled files",
}

# Re-exports (sim.Exponential is distributions.Exponential): fuzzed under their home name.
SKIP.update(
    {
        f"{m}.{n}": f"the same object as {home}.{n}"
        for m in ("sim", "reliability")
        for home in ("distributions", "arrivals")
        for n in getattr(sm, m).__all__
        if n in getattr(sm, home).__all__ and getattr(getattr(sm, m), n) is getattr(getattr(sm, home), n)
    }
)

_SAMPLES = [0.12, 0.3, 0.05, 1.7, 0.44, 0.9, 0.21, 0.08, 0.6, 0.33, 1.1, 0.27, 0.15, 0.5, 0.71, 0.02]
_TIMES = list(np.cumsum(_SAMPLES))
_TRACE = [0.0, 0.1, 0.15, 0.4, 0.45, 0.9, 1.3, 1.31, 1.9, 2.4]
_NODES = ["a", "b", "c"]
_KEYS = ["k1", "k2", "k3", "k4", "k5"]
_HAPROXY = (
    "Jan  1 00:00:00 lb haproxy[1]: 127.0.0.1:5000 [01/Jan/2024:00:00:00.000] fe be/srv1 0/0/0/12/12 "
    '200 100 - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1"'
)
_NGINX = '127.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 100 "-" "-" 0.012'
_SCENARIO = """
[users]
daily_active = 1_000_000
requests_per_day = 20
[data]
bytes_per_write = "1 KB"
[app]
instance = "m5.large"
cpu_time = "20 ms"
slo_p99 = "200 ms"
[database]
instance = "db.r5.large"
query_time = "5 ms"
slo_p99 = "50 ms"
"""


def _system(
    arrival_rate: Any = 20.0,
    servers: Any = 2,
    service: Any = 0.02,
    concurrency: Any = 2,
    requests: Any = 2000,
    replications: Any = 2,
    fanout: Any = 1,
    probability: Any = 1.0,
    timeout: Any = None,
    retries: Any = 0,
    window_s: Any = None,
) -> Any:
    """A two-tier system: app calls db (the fuzz target for sim.System, Client and Tier)."""
    client = sm.sim.Client(timeout=timeout, retries=retries)
    system = (
        sm.sim.System(arrival_rate=arrival_rate, client=client)
        .tier("app", servers, service, concurrency=concurrency)
        .tier("db", 1, 0.005)
        .call("app", "db", fanout=fanout, probability=probability)
    )
    return system.simulate(requests=requests, replications=replications, window_s=window_s)


def _sweep(replications: Any = 2, seed: Any = 0, level: Any = 0.95, a: Any = (1.0, 2.0)) -> Any:
    return sm.sweep(
        lambda a, seed: {"y": a * 2.0}, {"a": a}, replications=replications, seed=seed, level=level
    )


def _sensitivity(changes: Any = (-0.2, 0.0, 0.2), inputs: Any = ("traffic",)) -> Any:
    scenario = sm.plan.plan_text(_SCENARIO).scenario
    return sm.plan.sensitivity(scenario, changes, inputs=inputs)


def _make_plan(daily_active: Any = 1e6, cpu_time: Any = 0.02, years: Any = 3.0, hit_ratio: Any = 0.8) -> Any:
    scenario = {k: dict(v) for k, v in sm.plan.plan_text(_SCENARIO).scenario.items()}
    scenario["users"]["daily_active"] = daily_active
    scenario["app"]["cpu_time"] = cpu_time
    scenario["scenario"]["years"] = years
    scenario["cache"] = {
        **sm.scenario.section_defaults("cache"),
        "instance": "cache.r5.large",
        "hit_ratio": hit_ratio,
    }
    return sm.plan.make_plan(scenario)


def _check_values(daily_active: Any = 1e6, cpu_time: Any = 0.02, years: Any = 3.0) -> Any:
    scenario = {k: dict(v) for k, v in sm.plan.plan_text(_SCENARIO).scenario.items()}
    scenario["users"]["daily_active"] = daily_active
    scenario["app"]["cpu_time"] = cpu_time
    scenario["scenario"]["years"] = years
    return sm.scenario.check_values(scenario)


def _balance(nodes: Any = _NODES, keys: Any = _KEYS) -> Any:
    return sm.hashing.balance(sm.hashing.Ring(nodes), keys)


def _movement(nodes: Any = _NODES, keys: Any = _KEYS) -> Any:
    return sm.hashing.movement(sm.hashing.Ring(nodes), sm.hashing.Ring(["a", "b"]), keys)


def _movement_vs_size(sizes: Any = (2, 3), keys: Any = _KEYS) -> Any:
    return sm.hashing.movement_vs_size([sm.hashing.Jump(3), sm.hashing.Modulo(3)], sizes, keys)


def _ks_test(samples: Any = _SAMPLES, mean: Any = 0.4) -> Any:
    return sm.calibrate.ks_test(samples, sm.distributions.Exponential(mean))


def _mixture(weight: Any = 0.5, mean: Any = 1.0, other: Any = 2.0) -> Any:
    E = sm.distributions.Exponential
    return sm.distributions.Mixture([(weight, E(mean)), (1.0 - 0.5, E(other))])


# name -> (callable or None for the public object itself, keyword arguments of a valid call)
CATALOGUE: dict[str, tuple[Any, dict[str, Any]]] = {
    # queueing
    "queueing.MD1": (None, dict(arrival_rate=5.0, mean_service=0.1)),
    "queueing.MG1": (None, dict(arrival_rate=5.0, mean_service=0.1, scv=2.0)),
    "queueing.MM1": (None, dict(arrival_rate=5.0, service_rate=10.0)),
    "queueing.MMc": (None, dict(arrival_rate=5.0, service_rate=1.0, servers=8)),
    "queueing.MMcK": (None, dict(arrival_rate=5.0, service_rate=1.0, servers=4, capacity=10)),
    "queueing.GGc": (
        None,
        dict(arrival_rate=5.0, mean_service=0.1, servers=2, arrival_scv=1.5, service_scv=0.5),
    ),
    "queueing.USL": (None, dict(lambda_=100.0, sigma=0.05, kappa=0.001)),
    "queueing.RetryQueue": (
        None,
        dict(
            arrival_rate=10.0,
            service_rate=4.0,
            servers=4,
            timeout=1.0,
            retries=2,
            capacity=30,
            queue_limit=30,
        ),
    ),
    "queueing.erlang_b": (None, dict(servers=10, offered_load=7.0)),
    "queueing.erlang_c": (None, dict(servers=10, offered_load=7.0)),
    "queueing.jackson": (
        None,
        dict(
            external_arrivals=[1.0, 0.5],
            routing=[[0.0, 0.5], [0.0, 0.0]],
            service_rates=[4.0, 3.0],
            servers=[1, 2],
        ),
    ),
    "queueing.littles_law": (None, dict(arrival_rate=5.0, mean_time=0.2)),
    "queueing.max_arrival_rate": (None, dict(service_rate=10.0, servers=4, response_time=0.5, quantile=0.99)),
    "queueing.min_servers": (
        None,
        dict(arrival_rate=30.0, service_rate=10.0, response_time=0.5, quantile=0.99),
    ),
    "queueing.mva": (None, dict(demands=[0.05, 0.02], population=10, think_time=1.0)),
    "queueing.why_no_servers": (None, dict(service_rate=1.0, response_time=0.5)),
    # caching
    "caching.cdn_staleness": (None, dict(ttl_s=60.0, invalidation_min_s=300.0, invalidation_max_s=900.0)),
    "caching.che_characteristic_time": (None, dict(zipf_alpha=0.9, catalogue_size=10_000, capacity=500)),
    "caching.che_hit_ratio": (None, dict(zipf_alpha=0.9, catalogue_size=10_000, capacity=500)),
    "caching.items_for_share": (None, dict(zipf_alpha=0.9, catalogue_size=10_000, share=0.5)),
    "caching.top_share": (None, dict(zipf_alpha=0.9, catalogue_size=10_000, fraction=0.2)),
    "caching.ttl_hit_ratio": (
        None,
        dict(zipf_alpha=0.9, catalogue_size=10_000, ttl_s=60.0, request_rate=100.0),
    ),
    "caching.write_policy_load": (
        None,
        dict(policy="write_through", read_rate=100.0, write_rate=10.0, hit_ratio=0.8),
    ),
    "caching.zipf_alpha_for_share": (None, dict(catalogue_size=10_000, fraction=0.2, share=0.8)),
    # reliability
    "reliability.compare_remedies": (None, dict(lag=0.05, think_time=0.1, requests=2000)),
    "reliability.ctmc_availability": (None, dict(k=2, n=3, mtbf_s=1e5, mttr_s=3600.0, repair_crews=1)),
    "reliability.durability": (None, dict(mechanism="write_behind", write_rate=100.0)),
    "reliability.k_of_n": (None, dict(k=2, n=3, availability=0.99)),
    "reliability.k_of_n_unavailability": (None, dict(k=2, n=3, availability=0.99)),
    "reliability.kafka_durability": (None, dict(replications=4, horizon_s=86400.0)),
    "reliability.nines": (None, dict(unavailability=1e-4)),
    "reliability.pbs_k_staleness": (None, dict(n=3, r=1, w=1, k=1)),
    "reliability.quorum_sizes": (None, dict(level="QUORUM", n=3)),
    "reliability.redis_aof": (None, dict(write_rate=100.0, crashes_per_day=0.1)),
    "reliability.redis_rdb": (None, dict(write_rate=100.0, cycles=64)),
    "reliability.redis_rdb_crash": (None, dict(crash_s=[4.4, 5.3], write_rate=1000.0, rules=((5, 100),))),
    "reliability.simulate_availability": (
        None,
        dict(n=3, k=2, mtbf_s=1e5, mttr_s=3600.0, horizon_s=1e6, replications=4),
    ),
    "reliability.simulate_failover": (None, dict(failures_per_year=2.0, write_rate=10.0, trials=256)),
    "reliability.simulate_partition": (
        None,
        dict(partitions_per_day=1.0, duration_s=60.0, horizon_s=86400.0, replications=4, reads=256),
    ),
    "reliability.simulate_stale_reads": (None, dict(lag=0.05, think_time=0.1, requests=2000)),
    "reliability.t_visibility": (None, dict(n=3, r=1, w=1, t=0.01, requests=2000)),
    "reliability.write_behind": (None, dict(write_rate=100.0, flush_interval_s=5.0)),
    # cost
    "cost.cache_effect": (None, dict(qps=1000.0, hit_ratio=0.8, hit_time_s=0.001, store_time_s=0.01)),
    "cost.cache_nodes": (None, dict(working_set_bytes=1e11, qps=1e5, node_bytes=6e10)),
    "cost.cdn_vs_origin": (
        None,
        dict(bytes_per_month=1e13, origin_usd_per_gb=0.09, cdn_usd_per_gb=0.05, cdn_hit_ratio=0.9),
    ),
    "cost.estimate_traffic": (
        None,
        dict(daily_active_users=1e6, requests_per_user_per_day=20.0, write_fraction=0.1, peak_to_average=3.0),
    ),
    "cost.expected_shards_touched": (None, dict(shards=16, fanout=4)),
    "cost.shard_count": (None, dict(write_qps=5e4, storage_bytes=1e14)),
    "cost.stored_bytes": (None, dict(bytes_per_day=1e9, years=3.0, replication=3.0, yearly_growth=0.5)),
    "cost.tls_offload_savings": (None, dict(servers=10, tls_cpu_fraction=0.2, usd_per_server_month=100.0)),
    "cost.topic_sizing": (
        None,
        dict(message_rate=1000.0, consumer_rate=300.0, partition_rate=500.0, partitions=6, consumers=4),
    ),
    # distributions and arrivals
    "distributions.Deterministic": (None, dict(value=2.0)),
    "distributions.Empirical": (None, dict(samples=_SAMPLES)),
    "distributions.Exponential": (None, dict(mean=2.0)),
    "distributions.Gamma": (None, dict(mean=2.0, scv=0.5)),
    "distributions.Lognormal": (None, dict(mean=2.0, sigma=0.8)),
    "distributions.Mixture": (_mixture, {}),
    "distributions.Pareto": (None, dict(mean=2.0, alpha=2.5)),
    "distributions.Uniform": (None, dict(low=1.0, high=3.0)),
    "distributions.Weibull": (None, dict(mean=2.0, shape=1.5)),
    "distributions.as_distribution": (None, dict(name="service", value=0.5)),
    "arrivals.MMPP": (None, dict(rate_high=10.0, rate_low=1.0, mean_high_s=2.0, mean_low_s=5.0)),
    "arrivals.OnOff": (None, dict(rate=10.0, mean_on_s=2.0, mean_off_s=5.0)),
    "arrivals.Periodic": (None, dict(rate=5.0)),
    "arrivals.Poisson": (None, dict(rate=5.0)),
    "arrivals.Profile": (None, dict(times=[0.0, 10.0, 20.0], rates=[5.0, 10.0, 5.0], period_s=30.0)),
    "arrivals.Replay": (None, dict(timestamps=_TIMES)),
    "arrivals.as_arrivals": (None, dict(name="arrival_rate", value=5.0)),
    # sim
    "sim.Adversarial": (None, dict(spread_s=0.01)),
    "sim.Autoscale": (None, dict(min_servers=1, max_servers=10, target=0.6)),
    "sim.Breaker": (None, dict(failure_ratio=0.5, window=20, min_calls=10, open_s=5.0)),
    "sim.Client": (None, dict(timeout=1.0, retries=2, backoff=0.1)),
    "sim.ItemSizes": (None, dict(kind="lognormal", a=1000.0, b=1.0)),
    "sim.Outage": (None, dict(at_s=10.0, until_s=20.0, backend=0)),
    "sim.Tier": (None, dict(name="app", servers=2, service=sm.distributions.Exponential(0.02))),
    "sim.System": (_system, {}),
    "sim.assign_partitions": (None, dict(partitions=7, consumers=3)),
    "sim.keys_remapped": (None, dict(keys=_KEYS, old_partitions=3, new_partitions=4)),
    "sim.limiter_trace": (None, dict(arrivals=100.0, duration_s=2.0)),
    "sim.min_backends": (
        None,
        dict(
            policy="random",
            arrival_rate=10.0,
            service=0.1,
            p99=1.0,
            customers=1000,
            replications=2,
            max_backends=50,
        ),
    ),
    "sim.racy_token_bucket_decisions": (
        None,
        dict(capacity=5.0, refill_rate=10.0, rmw_delay_s=0.001, arrivals=_TRACE),
    ),
    "sim.simulate_balancer": (
        None,
        dict(policy="round_robin", backends=3, arrival_rate=5.0, service=0.3, customers=2000, replications=2),
    ),
    "sim.simulate_cache": (
        None,
        dict(policy="lru", capacity=50, catalogue_size=1000, zipf_alpha=0.9, requests=5000, replications=2),
    ),
    "sim.simulate_consumer_group": (
        None,
        dict(
            partitions=4, consumers=2, produce_rate=100.0, consume_rate=80.0, duration_s=20.0, replications=2
        ),
    ),
    "sim.simulate_distributed_limiter": (
        None,
        dict(
            algorithm="token_bucket",
            limit=10,
            window_s=1.0,
            arrivals=20.0,
            servers=2,
            duration_s=5.0,
            replications=2,
        ),
    ),
    "sim.simulate_limiter": (
        None,
        dict(algorithm="sliding_log", limit=10, window_s=1.0, arrivals=20.0, duration_s=5.0),
    ),
    "sim.simulate_queue": (
        None,
        dict(arrival_rate=5.0, service=0.1, servers=1, customers=2000, replications=2),
    ),
    "sim.simulate_racy_token_bucket": (
        None,
        dict(
            capacity=5.0,
            refill_rate=10.0,
            rmw_delay_s=0.001,
            arrivals=20.0,
            duration_s=5.0,
            replications=2,
        ),
    ),
    "sim.worst_window": (None, dict(arrivals=_TRACE, admitted=[True] * 10, window_s=1.0)),
    "sim.zipf_partition_weights": (None, dict(partitions=4, keys=100, skew=1.0)),
    "sim.zipf_requests": (None, dict(catalogue_size=1000, zipf_alpha=0.9, count=1000)),
    # hashing
    "hashing.BoundedLoad": (None, dict(nodes=_NODES, eps=0.25, vnodes=20)),
    "hashing.Cassandra": (None, dict(nodes=_NODES, num_tokens=16)),
    "hashing.Jump": (None, dict(nodes=3)),
    "hashing.Kafka": (None, dict(nodes=3)),
    "hashing.KeyStream": (None, dict(kind="zipf", count=1000, exponent=1.0)),
    "hashing.Maglev": (None, dict(nodes=_NODES, table_size=251)),
    "hashing.Modulo": (None, dict(nodes=3)),
    "hashing.MultiProbe": (None, dict(nodes=_NODES, probes=5)),
    "hashing.RedisCluster": (None, dict(nodes=3)),
    "hashing.Rendezvous": (None, dict(nodes=_NODES, weights=[1.0, 2.0, 1.0])),
    "hashing.Ring": (None, dict(nodes=_NODES, vnodes=20)),
    "hashing.balance": (_balance, {}),
    "hashing.cassandra_token": (None, dict(keys=_KEYS)),
    "hashing.expected_ring_imbalance": (None, dict(nodes=10, vnodes=150)),
    "hashing.haproxy_random_draws": (None, dict(servers=4, count=100)),
    "hashing.haproxy_random_shares": (None, dict(servers=4, weights=[1, 2, 1, 1])),
    "hashing.jump": (None, dict(keys=_KEYS, buckets=4)),
    "hashing.kafka_murmur2": (None, dict(keys=_KEYS)),
    "hashing.kafka_partition": (None, dict(keys=_KEYS, partitions=4)),
    "hashing.movement": (_movement, {}),
    "hashing.movement_vs_size": (_movement_vs_size, {}),
    "hashing.pack": (None, dict(keys=_KEYS)),
    "hashing.redis_slot": (None, dict(keys=_KEYS)),
    "hashing.spread_vs_vnodes": (None, dict(nodes=_NODES, vnodes=[1, 10])),
    "hashing.xxh64": (None, dict(keys=_KEYS)),
    # plan and scenario
    "plan.Service": (None, dict(mean_s=0.02, scv=1.0)),
    "plan.cache_hit_ratio": (
        None,
        dict(cache={"hit_ratio": 0.9, "zipf_alpha": None, "objects": None, "working_set_fraction": 0.2}),
    ),
    "plan.example_path": (None, dict(name="startup")),
    "plan.make_plan": (_make_plan, {}),
    "plan.plan_text": (None, dict(text=_SCENARIO)),
    "plan.ring_imbalance": (None, dict(nodes=10, virtual_nodes=150)),
    "plan.scaling_options": (None, dict(arrival_rate=2000.0, cpu_time=0.05, slo_p99=0.5)),
    "plan.sensitivity": (_sensitivity, {}),
    "scenario.parse_scenario": (None, dict(text=_SCENARIO)),
    "scenario.section_defaults": (None, dict(section="users")),
    "scenario.check_values": (_check_values, {}),
    # calibrate
    "calibrate.fit_arrivals": (None, dict(timestamps=_TIMES, window_s=1.0)),
    "calibrate.fit_empirical": (None, dict(samples=_SAMPLES)),
    "calibrate.fit_exponential": (None, dict(samples=_SAMPLES)),
    "calibrate.fit_gamma": (None, dict(samples=_SAMPLES)),
    "calibrate.fit_lognormal": (None, dict(samples=_SAMPLES)),
    "calibrate.fit_mixture": (None, dict(samples=_SAMPLES, components=2, max_iter=50)),
    "calibrate.fit_mmpp": (None, dict(timestamps=_TIMES, window_s=1.0, max_iter=50)),
    "calibrate.fit_service": (None, dict(samples=_SAMPLES, families=("exponential", "gamma"))),
    "calibrate.fit_weibull": (None, dict(samples=_SAMPLES)),
    "calibrate.ks_test": (_ks_test, {}),
    "calibrate.read_haproxy": (None, dict(source=[_HAPROXY])),
    "calibrate.read_nginx": (None, dict(source=[_NGINX])),
    # sweeps
    "sweeps.point_seed": (None, dict(seed=1, point=2, replication=3)),
    "sweeps.sweep": (_sweep, {}),
}

# Parameters not fuzzed: the name an error message should use (the caller's own name).
NOT_FUZZED = {("arrivals.as_arrivals", "name"), ("distributions.as_distribution", "name")}

# Parameters that size a run: fuzzed with values a run refuses or finishes at once, not with
# valid sizes that merely take long (a 10^10-customer run is valid and takes minutes).
SIZES = {
    "customers", "requests", "replications", "trials", "reads", "cycles", "count", "duration_s",
    "horizon_s", "warmup", "population", "max_backends", "max_iter", "size", "components",
    "table_size", "num_tokens", "vnodes", "virtual_nodes", "probes", "catalogue_size", "keys",
    "partitions", "servers", "backends", "capacity", "limit", "nodes", "n", "k", "objects",
    "cache_items", "consumers", "queue_size", "window", "min_calls", "max_servers", "years",
    "sizes", "buckets", "missed_beats", "clients", "concurrency", "fanout", "retries", "shards",
}  # fmt: skip
# Member arguments by parameter name (for methods of constructed objects).
MEMBER_ARGS = {
    "q": 0.9, "quantile": 0.9, "p": 0.9, "level": 0.95, "x": 1.0, "t": 1.0, "size": 10,
    "seed": 0, "concurrency": 4.0, "throughput": [10.0, 18.0, 24.0], "keys": _KEYS, "nodes": 4,
    "arrival_rate": 5.0, "service": 0.1, "servers": 2, "arrival_scv": 1.0, "threads": 1,
}  # fmt: skip
_ADVERSARIAL_NUMBERS = [
    0, 0.0, -0.0, 5e-324, 1e-308, 1e-12, 0.5, 1, 2, 3, 10, 1e12, 1e300, 1.7e308, -1, -1.0, -1e308,
    math.nan, math.inf, -math.inf, 10**400, -(10**400), 2**63, 2**64, True, None, "x",
]  # fmt: skip
_ADVERSARIAL_SIZES = [0, 1, 2, 3, -1, 1.5, 10**12, 2**63, 2**64, 10**400, math.nan, math.inf, None, "x", True]
_ADVERSARIAL_STRINGS = ["", "x", "LRU", "\ud800", "random ", 5, None, b"x", math.nan]


def public_callables() -> dict[str, Any]:
    """Every callable named in the __all__ of every public scalemodel submodule."""
    out = {}
    for m in MODULES:
        mod = getattr(sm, m)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj) and not isinstance(obj, types.ModuleType):
                out[f"{m}.{name}"] = obj
    return out


def target(name: str) -> tuple[Any, dict[str, Any]]:
    """The function to call for ``name`` and its valid keyword arguments."""
    fn, kwargs = CATALOGUE[name]
    if fn is None:
        module, attr = name.split(".", 1)
        fn = getattr(getattr(sm, module), attr)
    return fn, kwargs


def parameters(fn: Any) -> list[str]:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    return [
        p.name
        for p in sig.parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name != "self" and not p.name.startswith("_")
    ]


def members(obj: Any) -> list[str]:
    """Public properties and methods of an object (classmethods and plotting left out)."""
    out = []
    for n in dir(obj):
        if n.startswith("_") or n in ("plot", "fit", "from_service", "to_html"):
            continue
        attr = inspect.getattr_static(obj, n, None)
        if isinstance(attr, (classmethod, staticmethod)):
            continue
        out.append(n)
    return out


def is_finite_input(value: Any) -> bool:
    """True for finite numbers (and containers of them), strings and None."""
    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        return True
    if isinstance(value, numbers.Integral):
        return abs(int(value)) <= sys.float_info.max
    if isinstance(value, numbers.Real):
        return math.isfinite(float(value))
    if isinstance(value, (list, tuple, np.ndarray)):
        return all(
            is_finite_input(v) for v in (value.ravel().tolist() if isinstance(value, np.ndarray) else value)
        )
    if isinstance(value, dict):
        return all(is_finite_input(v) for v in value.values())
    return True


def has_nan(value: Any) -> bool:
    """NaN in a returned number or numeric array (frames and result objects are not scanned:
    some hold a documented NaN, e.g. an infeasible plan's bill)."""
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "fc":
        return bool(np.isnan(value).any())
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return any(has_nan(v) for v in value)
    return False


# --- the child --------------------------------------------------------------------------------
class _Hang(Exception):
    pass


def _names_a_parameter(message: str, names: list[str]) -> bool:
    return any(n.rstrip("_") in message for n in names if n)


def run_one(spec: tuple[str, dict[str, Any], int | None, tuple[int, Any] | None]) -> dict[str, Any]:
    """Make one fuzzed call; return its outcome: ok, or a finding with its kind and detail.
    ``spec``: the target's name, its replaced arguments, which member of the object to use
    (an index into its public members, modulo their number; None: none) and which argument
    of that member to replace (an index into its parameters, and the value)."""
    name, overrides, member_pick, member_change = spec
    member_overrides: dict[str, Any] = {}
    member = None
    fn, base = target(name)
    kwargs = {**base, **overrides}
    names = parameters(fn) + list(kwargs)
    if isinstance(kwargs.get("name"), str):  # as_arrivals, as_distribution: errors use the caller's name
        names.append(kwargs["name"])
    finite = is_finite_input(list(overrides.values()))
    start = time.perf_counter()
    where = "call"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", sm.sweeps.SweepWarning)
            out = fn(**kwargs)
            choices = members(out) if member_pick is not None and isinstance(fn, type) else []
            if choices:
                member = choices[member_pick % len(choices)]
                where = member
                attr = getattr(out, member)
                if callable(attr):
                    params = parameters(attr)
                    margs = {p: MEMBER_ARGS[p] for p in params if p in MEMBER_ARGS}
                    if "metric" in params and hasattr(out, "metric_names"):
                        margs["metric"] = next(iter(out.metric_names))
                    if member_change is not None and params:
                        member_overrides = {params[member_change[0] % len(params)]: member_change[1]}
                        finite = finite and is_finite_input(member_change[1])
                    margs.update(member_overrides)
                    names += parameters(attr)
                    attr = attr(**margs)
                out = attr
            where = "result"
            if finite and has_nan(out) and not _documented_nan(name, member or ""):
                return {"kind": "nan", "detail": f"{where}: NaN from finite input: {_short(out)}"}
            # Read every public property of what came back (a result's members).
            if (
                not isinstance(out, (numbers.Number, np.ndarray, str, bytes, tuple, list, dict))
                and out is not None
            ):
                for m in members(out):
                    static = inspect.getattr_static(out, m, None)
                    if isinstance(static, property) or dataclasses.is_dataclass(out):
                        where = f"result.{m}"
                        try:
                            value = getattr(out, m)
                        except AttributeError:  # a member this kind of result does not have
                            continue
                        if finite and isinstance(value, (float, np.floating)) and math.isnan(value):
                            if not _documented_nan(name, m):
                                return {"kind": "nan", "detail": f"{where}: NaN from finite input"}
                repr(out)
    except (ValueError, TypeError) as e:
        message = str(e)
        scenario_problem = isinstance(e, sm.scenario.ScenarioError)  # names the section or key at fault
        if not scenario_problem and not _names_a_parameter(message, names) and where in ("call", member):
            return {"kind": "unnamed", "detail": f"{where}: {type(e).__name__}: {message[:300]}"}
        return {"kind": "ok", "took": time.perf_counter() - start}
    except OSError as e:  # a log reader given a path that is not there
        if name.startswith("calibrate.read_"):
            return {"kind": "ok", "took": time.perf_counter() - start}
        return {"kind": "raised", "detail": f"{where}: {type(e).__name__}: {str(e)[:300]}"}
    except Exception as e:  # every other exception is a finding
        return {"kind": "raised", "detail": f"{where}: {type(e).__name__}: {str(e)[:300]}"}
    took = time.perf_counter() - start
    if took > CALL_LIMIT_S:
        return {"kind": "slow", "detail": f"took {took:.1f} s"}
    return {"kind": "ok", "took": took}


# Documented NaN fields of returned objects: (target prefix, member).
DOCUMENTED_NAN = {
    ("plan.", "usd_per_month"),  # an infeasible plan has no honest total
    ("plan.", "horizon_usd_per_month"),
    ("plan.", "availability"),
    ("queueing.USL", "r_squared"),  # not fitted
    ("queueing.USL", "rmse"),
    ("calibrate.fit_empirical", "aic"),  # no likelihood to compare
    ("calibrate.fit_empirical", "bic"),
    ("calibrate.fit_empirical", "loglik"),
    ("sim.simulate_cache", "miss_rate"),  # without a request_rate
    ("sim.simulate_consumer_group", "drain_time_s"),  # not measured
    ("sim.simulate_consumer_group", "mean_latency_s"),  # no message consumed in the window
    ("sim.simulate_consumer_group", "p99_latency_s"),
}


def _documented_nan(name: str, member: str) -> bool:
    return any(name.startswith(prefix) and member == m for prefix, m in DOCUMENTED_NAN)


def _short(value: Any) -> str:
    return repr(value)[:120]


def _child() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    batch = pickle.load(sys.stdin.buffer)
    for i, spec in enumerate(batch):
        print(json.dumps({"start": i}), flush=True)
        try:
            outcome = run_one(spec)
        except BaseException as e:
            outcome = {"kind": "raised", "detail": f"{type(e).__name__}: {str(e)[:300]}"}
        print(json.dumps({"done": i, **outcome}), flush=True)


if __name__ == "__main__":
    _child()
