"""Seeded reference runs of every replicated engine, kept identical across refactors.

``python tests/python/reference_runs.py > tests/python/data/reference_runs.json`` writes
the reference; test_reference_runs.py recomputes each run and compares. A change to these
numbers must be deliberate and explained in the commit that rewrites the file.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import numpy as np

import scalemodel as sm


def _metrics(result: Any, names: list[str]) -> dict[str, float]:
    return {n: float(getattr(result, n)) for n in names}


def runs() -> dict[str, dict[str, float]]:
    S, R = sm.sim, sm.reliability
    out: dict[str, dict[str, float]] = {}
    bal = S.simulate_balancer(
        "least_connections",
        4,
        3.2,
        S.Mixture([(0.9, S.Exponential(0.5)), (0.1, S.Pareto(5.0, 2.2))]),
        timeout=4.0,
        outages=[S.Outage(at_s=300, until_s=600, backend=1)],
        customers=20_000,
        replications=4,
        seed=11,
        threads=2,
    )
    out["balancer"] = {
        **_metrics(
            bal, ["mean_response", "mean_wait", "utilization", "throughput", "timeout_rate", "fail_rate"]
        ),
        "p99": float(bal.response_quantile(0.99)),
        "p99_ci_low": bal.ci("p99_response")[0],
    }
    q = S.simulate_queue(
        S.OnOff(30, 2.0, 1.0),
        S.Lognormal(0.05, 0.8),
        servers=2,
        customers=20_000,
        replications=3,
        seed=5,
        threads=2,
    )
    out["queue_lognormal_onoff"] = {
        **_metrics(q, ["mean_response", "utilization"]),
        "p99": float(q.response_quantile(0.99)),
    }
    cg = S.simulate_consumer_group(
        8,
        4,
        3000.0,
        900.0,
        120.0,
        assignment="round_robin",
        partition_weights=[3, 1, 1, 1, 1, 1, 1, 1],
        events=[(40.0, +1), (80.0, -1)],
        replications=4,
        seed=3,
        threads=2,
    )
    out["consumer_group"] = {n: cg.estimate(n) for n in cg.metric_names}
    cache = S.simulate_cache("lru", 2_000, 100_000, 0.9, 200_000, replications=3, seed=9, threads=2)
    out["cache_lru"] = {n: cache.estimate(n) for n in cache.metric_names}
    lim = S.simulate_distributed_limiter(
        "token_bucket",
        100,
        1.0,
        150.0,
        4,
        duration_s=60.0,
        spread="random",
        replications=4,
        seed=2,
        threads=2,
    )
    out["limiter_distributed"] = {n: lim.estimate(n) for n in lim.metric_names}
    av = R.simulate_availability(
        3,
        2,
        mtbf_s=30 * 86400,
        mttr_s=3600,
        weibull_shape=1.5,
        zones=3,
        zone_failures_per_year=2,
        zone_outage_s=7200,
        replications=40,
        seed=1,
        threads=2,
    )
    out["availability"] = {"availability": float(av.availability), "unavailability": float(av.unavailability)}
    fo = R.simulate_failover(
        heartbeat_interval_s=10,
        missed_beats=3,
        election_s=R.Uniform(5, 15),
        routing_s=R.Uniform(0, 20),
        replication_lag_s=R.Weibull(0.3, 1.5),
        write_rate=5000,
        failures_per_year=12,
        seed=1,
        threads=2,
    )
    out["failover"] = {
        "downtime_s": float(fo.downtime_s),
        "writes_lost": float(fo.writes_lost),
        "availability": float(fo.availability),
    }
    return {k: {m: (v if math.isfinite(v) else str(v)) for m, v in d.items()} for k, d in out.items()}


if __name__ == "__main__":
    json.dump(runs(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    np.seterr(all="ignore")
