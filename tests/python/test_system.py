"""The system simulator (sm.sim.System) against independent oracles: the product form of
open Jackson networks (a traffic-equation solution written here and sm.queueing.jackson),
exact fork-join results (Flatto-Hahn, Nelson-Tantawi), order statistics at negligible load,
Pollaczek-Khinchine for a blocking call, Little's law per tier; plus determinism, the
accounting of failures, drops, caches and asynchronous calls, and argument checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

import scalemodel as sm
from scalemodel.distributions import Deterministic, Exponential, Lognormal
from scalemodel.testing import LEVEL, assert_ci_contains

Exp = Exponential


def assert_tier_in_ci(result, tier, metric, expected, *, rel=0.0):
    low, high = result.tier_ci(tier, metric, LEVEL)
    widen = rel * abs(expected)
    assert low - widen <= expected <= high + widen, f"{tier}.{metric}: {expected} outside [{low}, {high}]"


def harmonic(k: int) -> float:
    return sum(1.0 / i for i in range(1, k + 1))


# --- open networks ---------------------------------------------------------------------------
def test_jackson_network_with_feedback_matches_the_product_form():
    # entry -> a; a -> b 0.6, a -> c 0.3 (0.1 leaves); b -> a 0.2 (feedback), c leaves
    lam = 5.0
    mu = np.array([4.0, 10.0, 3.0])
    c = np.array([2, 1, 1])
    routing = np.array([[0, 0.6, 0.3], [0.2, 0, 0], [0, 0, 0]])
    # Traffic equations lambda = gamma + R^T lambda, solved here independently of the engine.
    rates = np.linalg.solve(np.eye(3) - routing.T, np.array([lam, 0, 0]))
    jackson = sm.queueing.jackson([lam, 0, 0], routing, mu, c, names=["a", "b", "c"])
    np.testing.assert_allclose(jackson.arrival_rate, rates, rtol=1e-12)

    system = (
        sm.sim.System(arrival_rate=lam)
        .tier("a", 1, Exp(1 / mu[0]), concurrency=2)  # one M/M/2 station: a shared queue
        .tier("b", 1, Exp(1 / mu[1]))
        .tier("c", 1, Exp(1 / mu[2]))
        .route("a", "b", 0.6)
        .route("a", "c", 0.3)
        .route("b", "a", 0.2)
    )
    r = system.simulate(requests=40_000, replications=8, seed=3)
    assert r.stable
    assert_ci_contains(r, "mean_response", jackson.mean_response)
    frame = jackson.to_frame()
    for name in ("a", "b", "c"):
        assert_tier_in_ci(r, name, "visits", float(frame.loc[name, "visits"]))
        assert_tier_in_ci(r, name, "mean_in_tier", float(frame.loc[name, "mean_in_system"]))
        assert_tier_in_ci(r, name, "mean_queue", float(frame.loc[name, "mean_queue_length"]))
        assert_tier_in_ci(r, name, "utilization", float(frame.loc[name, "utilization"]))


def test_littles_law_holds_per_tier():
    r = (
        sm.sim.System(arrival_rate=30)
        .tier("web", 3, Lognormal(0.05, 0.8), concurrency=2)
        .tier("db", 2, Exp(0.01))
        .call("web", "db", count=2, probability=0.5)
        .simulate(requests=30_000, replications=6, seed=5)
    )
    t = r.tiers()
    for name in ("web", "db"):
        lhs = t.loc[name, "mean_in_tier"]
        rhs = t.loc[name, "throughput"] * t.loc[name, "mean_response"]
        assert lhs == pytest.approx(rhs, rel=0.03)
    assert t.loc["db", "visits"] == pytest.approx(1.0, rel=0.02)  # 2 calls x probability 0.5


# --- fork-join and calls ----------------------------------------------------------------------
def fork_join(k: int, lam: float, mu: float, service=None, requests=40_000, replications=8, seed=1):
    """A client that forks every request to all k servers and waits for every answer."""
    return (
        sm.sim.System(arrival_rate=lam)
        .tier("client", 1, 0, concurrency=100_000)
        .tier("server", k, service or Exp(1 / mu))
        .call("client", "server", fanout=k)
        .simulate(requests=requests, replications=replications, seed=seed)
    )


def test_two_way_fork_join_matches_flatto_hahn():
    lam, mu = 6.0, 10.0
    rho = lam / mu
    exact = (12 - rho) / 8 / (mu - lam)  # Flatto-Hahn; Nelson-Tantawi
    r = fork_join(2, lam, mu)
    assert_ci_contains(r, "mean_response", exact)


def test_k_way_fork_join_is_close_to_nelson_tantawi():
    # The approximation's error is within a few percent for k <= 32 (Nelson and Tantawi, 1988).
    lam, mu, k = 5.0, 10.0, 8
    rho = lam / mu
    r2 = (12 - rho) / 8 / (mu - lam)
    hk, h2 = harmonic(k), harmonic(2)
    approx = (hk / h2 + 4 / 11 * (1 - hk / h2) * rho) * r2
    r = fork_join(k, lam, mu, requests=30_000, replications=6)
    low, high = r.ci("mean_response", LEVEL)
    assert low * 0.96 <= approx <= high * 1.04


def test_fork_join_at_negligible_load_is_the_expected_maximum():
    k, mu = 8, 10.0
    r = fork_join(k, 0.01, mu, requests=20_000, replications=8)
    assert_ci_contains(r, "mean_response", harmonic(k) / mu)
    # Lognormal service: E[max] by numerical integration of 1 - F(x)^k.
    dist = Lognormal(0.1, 1.0)
    cdf = stats.lognorm(1.0, scale=0.1 * math.exp(-0.5)).cdf  # mean 0.1, log-sd 1
    expected = integrate.quad(lambda x: 1 - cdf(x) ** k, 0, np.inf, limit=200)[0]
    r = fork_join(k, 0.01, mu, service=dist, requests=20_000, replications=8)
    assert_ci_contains(r, "mean_response", expected)


def test_waiting_for_the_first_answers_is_an_order_statistic():
    # First k of n exponential answers at negligible load: E = (H_n - H_{n-k}) / mu.
    n, k, mu = 6, 2, 10.0
    r = (
        sm.sim.System(arrival_rate=0.01)
        .tier("client", 1, 0, concurrency=1000)
        .tier("replica", n, Exp(1 / mu))
        .call("client", "replica", fanout=n, wait=k)
        .simulate(requests=20_000, replications=8, seed=2)
    )
    assert_ci_contains(r, "mean_response", (harmonic(n) - harmonic(n - k)) / mu)


def test_a_blocking_call_makes_the_caller_an_mg1_of_its_own_time_plus_the_callee():
    # One caller thread: at most one call in flight, so the callee never queues and the
    # caller holds its slot for S + D. Pollaczek-Khinchine is exact for that M/G/1.
    lam, m, dly = 20.0, 0.02, 0.015
    es = m + dly
    es2 = 2 * m * m + 2 * m * dly + dly * dly
    rho = lam * es
    exact = es + lam * es2 / (2 * (1 - rho))
    r = (
        sm.sim.System(arrival_rate=lam)
        .tier("app", 1, Exp(m))
        .tier("db", 4, Deterministic(dly))
        .call("app", "db")
        .simulate(requests=40_000, replications=8, seed=4)
    )
    assert_ci_contains(r, "mean_response", exact)
    assert_tier_in_ci(r, "app", "occupancy", rho)
    assert_tier_in_ci(r, "app", "utilization", lam * m)  # serving only: the call is not CPU


def test_thread_pool_exhaustion_shows_as_occupancy_not_utilization():
    # 4 threads, 1 ms of CPU each, blocked 50 ms on a slow dependency: 70/s needs 3.6 threads.
    r = (
        sm.sim.System(arrival_rate=70)
        .tier("app", 1, Exp(0.001), concurrency=4)
        .tier("slow", 100, Deterministic(0.05))
        .call("app", "slow")
        .simulate(requests=20_000, replications=6, seed=6)
    )
    t = r.tiers().loc["app"]
    assert t["utilization"] < 0.03
    assert t["occupancy"] > 0.85
    assert t["mean_wait"] > 0.05  # head-of-line waiting for a thread


def test_asynchronous_calls_do_not_wait():
    r = (
        sm.sim.System(arrival_rate=10)
        .tier("api", 1, Deterministic(0.01), concurrency=1000)
        .tier("consumers", 3, Exp(0.05))
        .call("api", "consumers", wait=0, count=2)
        .simulate(requests=20_000, replications=4, seed=1)
    )
    assert r.mean_response == pytest.approx(0.01, rel=1e-9)
    assert r.tiers().loc["consumers", "visits"] == pytest.approx(2.0)
    assert r.tiers().loc["consumers", "throughput"] == pytest.approx(20.0, rel=0.03)


def test_cache_hits_skip_the_calls_behind_the_cache():
    r = (
        sm.sim.System(arrival_rate=50)
        .tier("cache", 1, Exp(0.001), hit_probability=0.9)
        .tier("db", 2, Exp(0.01))
        .call("cache", "db")
        .simulate(requests=50_000, replications=6, seed=8)
    )
    assert_tier_in_ci(r, "db", "visits", 0.1)


def test_cache_aside_calls_the_database_from_the_caller_on_a_miss():
    # Cache-aside: the app reads Redis and, on a miss, the database; Redis is not held meanwhile.
    lam, s_redis = 50.0, 0.0005
    r = (
        sm.sim.System(arrival_rate=lam)
        .tier("app", 1, Exp(0.001), concurrency=64)
        .tier("redis", 1, Exp(s_redis), hit_probability=0.9)
        .tier("db", 4, Deterministic(0.05))
        .call("app", "redis")
        .call("app", "db", after_miss=True)
        .simulate(requests=40_000, replications=6, seed=13)
    )
    assert_tier_in_ci(r, "db", "visits", 0.1)
    assert_tier_in_ci(r, "redis", "occupancy", lam * s_redis)
    with pytest.raises(ValueError, match="after_miss"):
        sm.sim.System(arrival_rate=1).tier("a", 1, 0.1).tier("b", 1, 0.1).call(
            "a", "b", after_miss=True
        ).simulate(requests=10, replications=2)


def test_an_lru_cache_tier_hits_as_che_predicts():
    # Independent Zipf requests: Che's approximation is accurate to well under 1% here.
    alpha, keys, items = 0.9, 20_000, 2_000
    hit = float(sm.caching.che_hit_ratio(alpha, keys, items))
    r = (
        sm.sim.System(arrival_rate=100)
        .tier("cache", 1, Exp(0.0005), concurrency=8, cache_items=items, keys=keys, key_skew=alpha)
        .tier("db", 2, Exp(0.002))
        .call("cache", "db")
        .simulate(requests=100_000, warmup=50_000, replications=6, seed=12)
    )
    assert_tier_in_ci(r, "db", "visits", 1 - hit, rel=0.01)


def test_sharded_tier_fans_out_to_distinct_shards_with_skewed_keys():
    r = (
        sm.sim.System(arrival_rate=20)
        .tier("app", 4, Exp(0.002))
        .tier("db", 1, Exp(0.002), shards=16, keys=10_000, key_skew=1.0)
        .call("app", "db", fanout=16)
        .call("app", "db", fanout=3)
        .simulate(requests=10_000, replications=4, seed=9)
    )
    assert r.tiers().loc["db", "visits"] == pytest.approx(19.0)
    placement = sm.hashing.Ring(16)
    r = (
        sm.sim.System(arrival_rate=20)
        .tier("db", 1, Exp(0.002), shards=16, keys=1000, placement=placement)
        .simulate(requests=5_000, replications=2, seed=9)
    )
    assert r.stable and r.fail_rate == 0


# --- failures, drops, overload -----------------------------------------------------------------
def test_an_outage_fails_the_requests_it_catches():
    # The only db server is down for 40% of the run; requests meeting it fail.
    lam = 100.0
    requests = 20_000
    duration = requests / lam
    r = (
        sm.sim.System(arrival_rate=lam)
        .tier("app", 8, Exp(0.001))
        .tier("db", 1, Exp(0.001))
        .call("app", "db")
        .outage("db", at_s=0.3 * duration, until_s=0.7 * duration)
        .simulate(requests=requests, warmup=0, replications=6, seed=10)
    )
    assert_ci_contains(r, "fail_rate", 0.4, rel=0.02)


def test_a_full_server_drops_requests_as_mm1k_predicts():
    lam, mu, k = 8.0, 10.0, 3
    rho = lam / mu
    block = (1 - rho) * rho**k / (1 - rho ** (k + 1))  # M/M/1/K
    r = (
        sm.sim.System(arrival_rate=lam)
        .tier("only", 1, Exp(1 / mu), capacity=k)
        .simulate(requests=50_000, replications=8, seed=11)
    )
    assert_ci_contains(r, "fail_rate", block)


def test_overload_is_a_result_not_an_error():
    r = sm.sim.System(arrival_rate=20).tier("only", 1, Exp(0.1)).simulate(requests=2_000_000, replications=2)
    assert not r.stable
    assert math.isinf(r.mean_response) and math.isinf(r.response_quantile(0.99))
    assert "UNSTABLE" in repr(r)


# --- the overload rule --------------------------------------------------------------------------
# A short run at or above capacity ends long before its queues reach MAX_QUEUED; the rule
# (visits per request x mean service against the slots) still reports it unstable, as the
# closed forms do.
def _short(system):
    return system.simulate(requests=5_000, warmup=500, replications=2, seed=3)


@pytest.mark.parametrize("rate", [7.9, 8.0, 8.5])
def test_one_tier_is_unstable_exactly_where_mmc_says(rate):
    r = _short(sm.sim.System(arrival_rate=rate).tier("app", 4, Exp(0.5)))
    closed = sm.queueing.MMc(rate, 2.0, 4)
    assert r.stable == closed.stable
    assert math.isinf(r.mean_response) == (not closed.stable)
    assert math.isinf(r.response_quantile(0.99)) == (not closed.stable)


@pytest.mark.parametrize("back", [0.2, 0.3])
def test_routes_are_unstable_where_jackson_says(back):
    # entry -> a -> b, b -> a with probability `back`: b's visits per request 1 / (1 - back).
    routing = np.array([[0, 1.0], [back, 0]])
    closed = sm.queueing.jackson([3.0, 0.0], routing, [4.0, 5.0], [1, 3])
    r = _short(
        sm.sim.System(arrival_rate=3.0)
        .tier("a", 1, Exp(0.25))
        .tier("b", 3, Exp(0.2))
        .route("a", "b")
        .route("b", "a", probability=back)
    )
    assert r.stable == closed.stable


@pytest.mark.parametrize(("count", "stable"), [(4, True), (6, False)])
def test_a_call_multiplies_the_callee_work(count, stable):
    # 8 requests/s, each making `count` calls of 0.1 s to 4 database servers: 3.2 or 4.8 of 4.
    s = sm.sim.System(arrival_rate=8.0).tier("web", 10, Exp(0.1), concurrency=50).tier("db", 4, Exp(0.1))
    r = _short(s.call("web", "db", count=count))
    assert r.stable is stable
    assert bool(np.isinf(r.tier_values("db", "mean_wait")).all()) is not stable


def test_cache_hits_and_an_lru_bound_spare_the_database():
    # 10 requests/s; a miss costs the database 1 s on 4 servers: only the misses count.
    def db_behind(**cache):
        return (
            sm.sim.System(arrival_rate=10.0)
            .tier("web", 50, 0, concurrency=100)
            .tier("cache", 2, Exp(0.001), concurrency=100, **cache)
            .tier("db", 4, Exp(1.0), concurrency=1)
            .call("web", "cache")
            .call("web", "db", after_miss=True)
        )

    assert _short(db_behind(hit_probability=0.7)).stable  # 3 of 4 servers' work
    assert not _short(db_behind(hit_probability=0.5)).stable  # 5 of 4
    # An LRU of 10 of 1000 uniform keys misses at least 99%: the database sees 9.9 of 4.
    assert not _short(db_behind(cache_items=10, keys=1000)).stable


def test_servers_down_for_good_leave_less_capacity():
    def system(down, until=math.inf):
        return (
            sm.sim.System(arrival_rate=2.5)
            .tier("app", 4, Exp(1.0))
            .outage("app", at_s=5, servers=down, until_s=until)
        )

    assert _short(system(1)).stable  # 2.5 requests/s of work on the 3 servers left
    assert not _short(system(2)).stable  # on 2
    assert not _short(system(None)).stable  # all down for good: nothing answers
    assert math.isinf(_short(system(None)).mean_response)
    assert _short(system(2, until=20.0)).stable  # a temporary outage is a transient


def test_shedding_profiles_and_autoscaling_keep_the_rule_off():
    over = 1.25  # 25% above four servers at 1 s
    bounded = _short(sm.sim.System(arrival_rate=4 * over).tier("app", 4, Exp(1.0), capacity=5))
    assert bounded.stable and bounded.fail_rate > 0.1  # drops shed the excess
    spike = sm.arrivals.Profile.spike(3.0, 6.0, at_s=100, duration_s=5)
    assert _short(sm.sim.System(arrivals=spike).tier("app", 4, Exp(1.0))).stable
    scaled = sm.sim.System(arrival_rate=4 * over).tier(
        "app",
        4,
        Exp(1.0),
        autoscale=sm.sim.Autoscale(min_servers=4, max_servers=8, interval_s=5, window_s=10, warmup_s=0),
    )
    assert _short(scaled).stable


# --- determinism, outputs ----------------------------------------------------------------------
def _three_tier():
    return (
        sm.sim.System(arrival_rate=200)
        .tier("lb", 1, 0, concurrency=10_000)
        .tier("app", 4, Lognormal(0.01, 1.0), concurrency=4, policy="least_connections")
        .tier("db", 2, Exp(0.001), shards=8, key_skew=0.8, keys=1000)
        .route("lb", "app")
        .call("app", "db", fanout=8, wait=6)
        .call("app", "db", probability=0.3, count=2)
    )


def test_same_seed_same_numbers_on_any_thread_count():
    a = _three_tier().simulate(requests=5_000, replications=4, seed=7, threads=1)
    b = _three_tier().simulate(requests=5_000, replications=4, seed=7, threads=2)
    pd_a, pd_b = a.to_frame(), b.to_frame()
    assert pd_a.equals(pd_b)
    assert a.tiers().equals(b.tiers())


def test_time_series_counts_every_request():
    r = _three_tier().simulate(requests=5_000, warmup=500, replications=2, seed=1, window_s=1.0)
    ts = r.timeseries()
    assert ts["arrivals"].sum() == pytest.approx(5_500)
    assert ts["completed"].sum() + ts["failed"].sum() == pytest.approx(5_500)
    assert list(ts.columns) == [
        "arrivals",
        "completed",
        "failed",
        "mean_response",
        "slow",
        "good",
        "throughput",
        "servers[lb]",
        "servers[app]",
        "servers[db]",
    ]


def test_results_and_plots():
    system = _three_tier()
    r = system.simulate(requests=3_000, replications=3, seed=1)
    assert set(r.tiers().index) == {"lb", "app", "db"}
    assert r.response_quantile(0.5) <= r.response_quantile(0.99)
    assert "mean_response" in r._repr_html_()
    assert len(system.edges()) == 3
    loop = (
        sm.sim.System(arrival_rate=1)
        .tier("a", 1, 0.1)
        .tier("b", 1, 0.1)
        .route("a", "a", 0.1)
        .route("b", "a", 0.1)
    )
    loop.call("a", "b").call(
        "a", "b", fanout=1, probability=0.5
    ).plot()  # self-loop, back edge, parallel calls
    import matplotlib.pyplot as plt

    system.plot()
    r.plot_latency()
    plt.close("all")


# --- argument checks ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda s: s.tier("a", 0), ValueError, "servers"),
        (lambda s: s.tier("a", 1, -1.0), ValueError, "service"),
        (lambda s: s.tier("a", 1, 0.1, policy="fastest"), ValueError, "policy must be one of"),
        (lambda s: s.tier("a").tier("a"), ValueError, "unique"),
        (lambda s: s.tier("a").route("a", "b"), ValueError, "target must name a declared tier"),
        (lambda s: s.tier("a").call("a", "a", wait="some"), ValueError, "wait must be 'all'"),
        (
            lambda s: s.tier("a", 1, 0.1, shards=4, placement=[0, 1]),
            ValueError,
            "placement must give a shard",
        ),
        (
            lambda s: s.tier("a", 1, 0.1, placement=sm.hashing.Ring(3), shards=2),
            ValueError,
            "placement must have 2",
        ),
        (lambda s: s.tier(3), TypeError, "name"),
    ],
)
def test_bad_declarations_name_the_parameter(build, error, match):
    with pytest.raises(error, match=match):
        build(sm.sim.System(arrival_rate=1))


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda s: s.tier("a", 1, 0.1).tier("b", 2, 0.1).call("a", "b", fanout=3), "call fanout"),
        (lambda s: s.tier("a", 1, 0.1).tier("b", 1, 0.1).call("a", "b").call("b", "a"), "cycle"),
        (lambda s: s.tier("a", 1, 0.1).tier("b", 1, 0.1).route("a", "b").route("b", "a"), "never leave"),
        (lambda s: s.tier("a", 1, 0.1).route("a", "a", 0.7).route("a", "a", 0.7), "route probabilities"),
        (lambda s: s.tier("a", 1, 0.1, key_skew=11), "key_skew of tier 'a'"),
        (lambda s: s.tier("a", 1, 0.1, hit_probability=2), "hit_probability of tier 'a'"),
        (lambda s: s.tier("a", 2, 0.1).tier("b", 3, 0.1).call("a", "b", fanout=2, wait=3), "call wait"),
        (lambda s: s.tier("a", 2, 0.1).outage("a", at_s=5, until_s=1), "until_s"),
        (lambda s: s.tier("a", 2, 0.1).outage("a", at_s=5, servers=3), "outage servers"),
        (lambda s: s.tier("a", 1, 0.1, cache_items=10), "keys of tier 'a'"),
        (lambda s: s.tier("a", 1, 0.1, cache_items=10, keys=100, shards=2), "one shard"),
        (lambda s: s.tier("a", 1, 0.1, cache_items=10, keys=100, hit_probability=0.5), "not both"),
    ],
)
def test_bad_systems_are_refused_by_the_engine_with_the_parameter_named(build, match):
    system = build(sm.sim.System(arrival_rate=1))
    with pytest.raises(ValueError, match=match):
        system.simulate(requests=10, replications=2)


def test_system_needs_one_arrival_source():
    with pytest.raises(TypeError, match="exactly one"):
        sm.sim.System()
    with pytest.raises(TypeError, match="exactly one"):
        sm.sim.System(arrival_rate=1, arrivals=sm.arrivals.Poisson(1))
    with pytest.raises(ValueError, match="no tiers"):
        sm.sim.System(arrival_rate=1).simulate()
    with pytest.raises(ValueError, match="window_s"):
        sm.sim.System(arrival_rate=1).tier("a", 1, 0.1).simulate(window_s=0)


# --- clients: timeouts, retries, budgets, hedging ----------------------------------------------
def test_a_timeout_abandons_the_tail_of_an_mm1():
    # Nothing cancels an abandoned attempt, so the queue is an M/M/1 still: P(R > T) = e^{-(mu-lam)T},
    # and the answered requests' mean is that of an exponential truncated at T.
    lam, mu, timeout = 8.0, 10.0, 0.3
    theta = mu - lam
    r = (
        sm.sim.System(arrival_rate=lam, client=sm.sim.Client(timeout=timeout))
        .tier("a", 1, Exp(1 / mu))
        .simulate(requests=60_000, replications=8, seed=1)
    )
    assert_ci_contains(r, "timeout_rate", math.exp(-theta * timeout))
    truncated = 1 / theta - timeout * math.exp(-theta * timeout) / (1 - math.exp(-theta * timeout))
    assert_ci_contains(r, "mean_response", truncated)


def test_retries_of_independent_errors_are_geometric():
    p, retries = 0.3, 2
    r = (
        sm.sim.System(arrival_rate=0.01, client=sm.sim.Client(retries=retries))
        .tier("a", 1, Exp(0.01), concurrency=100, error_probability=p)
        .simulate(requests=20_000, replications=8, seed=2)
    )
    assert_ci_contains(r, "fail_rate", p ** (retries + 1))
    assert_ci_contains(r, "attempts", (1 - p ** (retries + 1)) / (1 - p))


@pytest.mark.parametrize(("jitter", "mean_delay"), [("none", 1.0), ("full", 0.5), ("equal", 0.75)])
def test_backoff_jitter_sets_the_mean_delay(jitter, mean_delay):
    # Half the first attempts fail; a third of the successes came after one retry of delay d.
    backoff = 0.2
    r = (
        sm.sim.System(arrival_rate=0.1, client=sm.sim.Client(retries=1, backoff=backoff, jitter=jitter))
        .tier("a", 1, 0, concurrency=100, error_probability=0.5)
        .simulate(requests=20_000, replications=8, seed=3)
    )
    assert_ci_contains(r, "mean_response", mean_delay * backoff / 3)


def test_a_retry_budget_caps_retries_per_request():
    r = (
        sm.sim.System(arrival_rate=10, client=sm.sim.Client(retries=3, budget=0.1))
        .tier("a", 1, 0, concurrency=100, error_probability=1.0)
        .simulate(requests=20_000, replications=4, seed=4)
    )
    assert r.fail_rate == 1.0
    assert r.estimate("attempts") == pytest.approx(1.1, abs=0.01)  # without the budget: 4


def test_a_hedge_takes_the_first_answer():
    # Negligible load, no queueing: response = min(S1, h + S2), E = (1 - e^{-mu h})/mu + e^{-mu h}/(2 mu).
    mu, h = 10.0, 0.05
    r = (
        sm.sim.System(arrival_rate=0.01, client=sm.sim.Client(hedge_after=h))
        .tier("a", 1, Exp(1 / mu), concurrency=100)
        .simulate(requests=20_000, replications=8, seed=5)
    )
    expected = (1 - math.exp(-mu * h)) / mu + math.exp(-mu * h) / (2 * mu)
    assert_ci_contains(r, "mean_response", expected)
    assert_ci_contains(r, "attempts", 1 + math.exp(-mu * h))


@pytest.mark.parametrize(
    ("client", "match"),
    [
        (sm.sim.Client(timeout=0), "timeout"),
        (sm.sim.Client(retries=31), "retries"),
        (sm.sim.Client(backoff=1, backoff_max=0.5), "backoff_max"),
        (sm.sim.Client(jitter="random"), "jitter"),
        (sm.sim.Client(budget=-1), "budget"),
        (sm.sim.Client(hedge_after=-1), "hedge_after"),
    ],
)
def test_bad_clients_name_the_parameter(client, match):
    with pytest.raises(ValueError, match=match):
        sm.sim.System(arrival_rate=1, client=client).tier("a", 1, 0.1).simulate(requests=10, replications=2)


# --- autoscaling and time-varying load ---------------------------------------------------------
def _scaled(arrivals, autoscale, service=None, servers=2):
    return sm.sim.System(arrivals=arrivals).tier("app", servers, service or Exp(0.05), autoscale=autoscale)


FAST = {
    "interval_s": 10,
    "window_s": 30,
    "scale_out_cooldown_s": 30,
    "scale_in_cooldown_s": 60,
    "warmup_s": 20,
}


def test_target_tracking_settles_where_utilization_meets_the_target():
    # 100/s x 50 ms = 5 busy servers; a 0.5 target wants 10 (utilization noise moves it by one).
    auto = sm.sim.Autoscale(min_servers=1, max_servers=50, target=0.5, **FAST)
    r = _scaled(sm.arrivals.Poisson(100), auto).simulate(
        requests=200_000, warmup=50_000, replications=4, seed=1, window_s=50
    )
    servers = r.timeseries()["servers[app]"]
    late = servers[(servers.index > 600) & (servers.index < 1800)]
    assert 9.5 <= late.mean() <= 11.5
    assert 0.43 <= r.tiers().loc["app", "utilization"] <= 0.53
    assert r.fail_rate == 0


def test_new_servers_take_traffic_after_their_warm_up():
    # A step from 10/s to 200/s at 300 s: the first scale-out is decided within one interval
    # and its servers join warmup_s later, so capacity is flat until then.
    auto = sm.sim.Autoscale(
        min_servers=2,
        max_servers=40,
        target=0.6,
        interval_s=10,
        window_s=10,
        scale_out_cooldown_s=0,
        scale_in_cooldown_s=1e9,
        warmup_s=60,
    )
    step = sm.arrivals.Profile.step(10, 200, at_s=300)
    r = _scaled(step, auto).simulate(requests=60_000, warmup=0, replications=4, seed=2, window_s=10)
    servers = r.timeseries()["servers[app]"]
    assert servers.loc[300:360].max() <= 2.0 + 1e-9  # nothing warm before 300 + 60 s
    assert servers.loc[380:].max() > 10


def test_a_failed_server_is_replaced():
    auto = sm.sim.Autoscale(min_servers=4, max_servers=4, target=0.6, **FAST)
    r = (
        _scaled(sm.arrivals.Poisson(20), auto, servers=4)
        .outage("app", at_s=200, servers=1)
        .simulate(requests=20_000, warmup=0, replications=2, seed=3, window_s=10)
    )
    servers = r.timeseries()["servers[app]"]
    assert servers.loc[200:210].max() == pytest.approx(3.0)  # down at 200, back after 20 s of warm-up
    assert servers.loc[300:900].min() == pytest.approx(4.0)


def test_fixed_tiers_bill_their_servers_for_the_whole_window():
    r = (
        sm.sim.System(arrival_rate=10)
        .tier("app", 3, Exp(0.05))
        .simulate(requests=5_000, replications=2, seed=4)
    )
    hours = r.tier_values("app", "server_hours")
    np.testing.assert_allclose(hours, 3 * r.replication_values("duration") / 3600, rtol=1e-9)
    cost = r.server_cost({"app": next(iter(sm.cost.Catalogue.load().instances))})
    assert cost.loc["app", "usd"] == pytest.approx(
        cost.loc["app", "server_hours"] * cost.loc["app", "usd_per_server_hour"]
    )


def test_slo_violation_counts_windows_whose_p99_misses():
    fast = sm.sim.System(arrival_rate=5).tier("a", 1, Exp(0.01))
    r = fast.simulate(requests=5_000, replications=2, seed=5, window_s=10, slo_s=1.0)
    assert r.estimate("slo_violation_s") == 0
    r = fast.simulate(requests=5_000, replications=2, seed=5, window_s=10, slo_s=0.001)
    # Every window from the end of the warm-up to the last arrival misses: the measured span, rounded to windows.
    assert r.estimate("slo_violation_s") == pytest.approx(r.estimate("duration"), abs=20)
    assert (
        r.estimate("slo_violation_s") < r.timeseries().index.size * 10 - 50
    )  # the warm-up's windows left out
    assert math.isnan(fast.simulate(requests=100, replications=2).estimate("slo_violation_s"))


@pytest.mark.parametrize(
    ("auto", "match"),
    [
        (sm.sim.Autoscale(min_servers=5, max_servers=4), "min_servers"),
        (sm.sim.Autoscale(metric="cpu"), "metric"),
        (sm.sim.Autoscale(target=0), "target"),
        (sm.sim.Autoscale(max_servers=10, min_servers=3), "servers of tier 'app' must be within"),
    ],
)
def test_bad_autoscaling_names_the_parameter(auto, match):
    with pytest.raises(ValueError, match=match):
        _scaled(sm.arrivals.Poisson(1), auto).simulate(requests=10, replications=2)


def test_a_tiers_own_time_quantile_is_its_station_model():
    # A leaf M/M/2 tier: wait + service per visit has the M/M/c response-time law.
    r = (
        sm.sim.System(arrival_rate=15)
        .tier("front", 1, 0, concurrency=1000)
        .tier("db", 1, Exp(0.1), concurrency=2)
        .call("front", "db")
        .simulate(requests=100_000, replications=6, seed=14)
    )
    exact = sm.queueing.MMc(15, 10, 2).response_quantile([0.5, 0.99])
    np.testing.assert_allclose(r.tier_quantile("db", [0.5, 0.99]), exact, rtol=0.02)
    assert r.tier_quantile("front", 0.5) == 0  # its own time: no wait, no service; the call is left out


# --- overload: breakers, shedding, LIFO, wasted work, recovery ----------------------------------
def test_an_open_breaker_turns_visits_away_between_probes():
    # Every visit fails: 10 failures open it; then one probe per open_s (plus the wait for the
    # next arrival, 1/100 s on average) gets through and fails again.
    lam, duration = 100.0, 200.0
    br = sm.sim.Breaker(failure_ratio=0.5, window=10, min_calls=10, open_s=1.0, probes=1)
    r = (
        sm.sim.System(arrival_rate=lam)
        .tier("a", 1, Exp(0.001), concurrency=100, error_probability=1.0, breaker=br)
        .simulate(requests=int(lam * duration), warmup=0, replications=4, seed=15)
    )
    served = lam * duration - r.tier_values("a", "rejected")
    expected = 10 + r.replication_values("duration") / (1.0 + 1 / lam)
    np.testing.assert_allclose(served, expected, rtol=0.03)
    assert r.fail_rate == 1.0


def test_shedding_on_expected_wait_is_an_mm1k():
    # M/M/1, 100 ms mean: a visit expecting more than 350 ms of wait (4 ahead) is shed, so at
    # most 4 are in the system: M/M/1/4 blocking.
    lam, mu, k = 9.0, 10.0, 4
    rho = lam / mu
    block = (1 - rho) * rho**k / (1 - rho ** (k + 1))
    r = (
        sm.sim.System(arrival_rate=lam)
        .tier("a", 1, Exp(1 / mu), shed_wait_s=0.35)
        .simulate(requests=60_000, replications=8, seed=16)
    )
    assert_ci_contains(r, "fail_rate", block)


def test_lifo_keeps_the_mean_and_stretches_the_tail():
    # Work-conserving and blind to sizes: the mean response of M/M/1 is the same under LIFO.
    lam, mu = 8.0, 10.0
    fifo = sm.sim.System(arrival_rate=lam).tier("a", 1, Exp(1 / mu))
    lifo = sm.sim.System(arrival_rate=lam).tier("a", 1, Exp(1 / mu), lifo_above=1)
    r_lifo = lifo.simulate(requests=100_000, replications=8, seed=17)
    r_fifo = fifo.simulate(requests=100_000, replications=8, seed=17)
    assert_ci_contains(r_lifo, "mean_response", 1 / (mu - lam))
    assert r_lifo.response_quantile(0.99) > 1.3 * r_fifo.response_quantile(0.99)


def test_a_hedges_losing_copy_is_wasted_work():
    # Negligible load, nothing cancelled: the loser of min(S1, d + S2) serves in full.
    mu, d = 10.0, 0.1
    rng = np.random.default_rng(0)
    s1, s2 = rng.exponential(1 / mu, 2_000_000), rng.exponential(1 / mu, 2_000_000)
    hedged = s1 > d
    loser = np.where(hedged, np.where(s1 < d + s2, s2, s1), 0.0)
    served = s1 + np.where(hedged, s2, 0.0)
    expected = loser.sum() / served.sum()
    r = (
        sm.sim.System(arrival_rate=0.01, client=sm.sim.Client(hedge_after=d))
        .tier("a", 1, Exp(1 / mu), concurrency=100)
        .simulate(requests=40_000, replications=8, seed=18)
    )
    assert_ci_contains(r, "wasted_work", expected, rel=0.01)
    plain = (
        sm.sim.System(arrival_rate=0.01).tier("a", 1, Exp(1 / mu)).simulate(requests=1_000, replications=2)
    )
    assert plain.wasted_work == 0


def test_retries_without_a_budget_stay_down_after_a_spike():
    # 70% load, 0.5 s timeouts, 3 immediate retries, a 20 s spike to 2x: a metastable failure.
    spike = sm.arrivals.Profile.spike(70, 140, at_s=200, duration_s=20)

    def run(client):
        system = sm.sim.System(arrivals=spike, client=client).tier("a", 1, Exp(0.01))
        return system.simulate(requests=40_000, warmup=0, replications=4, seed=19, window_s=20)

    stormy = run(sm.sim.Client(timeout=0.5, retries=3))
    budget = run(sm.sim.Client(timeout=0.5, retries=3, budget=0.1))
    assert math.isinf(stormy.recovery_time(220, (0, 200)))
    assert stormy.timeseries()["good"].loc[300:500].max() < 0.05 * 70 * 20
    assert stormy.wasted_work > 0.5 and stormy.estimate("attempts") > 2.5
    assert budget.recovery_time(220, (0, 200)) <= 120
    assert budget.goodput > 2 * stormy.goodput  # over the whole run, the calm first 200 s included


def test_a_propagated_deadline_makes_an_mm1_with_deterministic_patience():
    # A queued visit past its deadline is dropped, not served: M/M/1+D, whose share of
    # abandonments is (1 - rho) rho e^{-(mu - lam) D} / (1 - rho^2 e^{-(mu - lam) D}).
    lam, mu, d = 9.0, 10.0, 0.3
    rho, theta = lam / mu, mu - lam
    expected = (1 - rho) * rho * math.exp(-theta * d) / (1 - rho**2 * math.exp(-theta * d))
    client = sm.sim.Client(timeout=d, propagate_deadline=True)
    r = (
        sm.sim.System(arrival_rate=lam, client=client)
        .tier("a", 1, Exp(1 / mu))
        .simulate(requests=100_000, replications=8, seed=20)
    )
    shed = r.tier_values("a", "shed") / r.replication_values("arrivals")
    half = stats.t.ppf(0.9995, shed.size - 1) * shed.std(ddof=1) / math.sqrt(shed.size)
    assert abs(shed.mean() - expected) <= half


@pytest.mark.parametrize("window_s", [1e-3, 1e-6, 5e-324])
def test_a_tiny_time_series_window_ends_and_says_the_series_is_cut(window_s):
    # 1,000 requests at 5/s last about 200 s: more windows than the series keeps. A window
    # boundary that from / window_s rounds below used to stall the server-count credit.
    r = (
        sm.sim.System(arrival_rate=5.0)
        .tier("a", 1, Exp(0.1))
        .simulate(requests=1_000, warmup=10, window_s=window_s)
    )
    with pytest.warns(UserWarning, match="MAX_WINDOWS|keeps"):
        ts = r.timeseries()
    assert len(ts) <= sm.sim.MAX_WINDOWS
    assert r.wasted_work == 0.0


def test_wasted_work_is_zero_when_nothing_is_served():
    # Every server down for good from the start: no service at all, so none of it is wasted.
    r = (
        sm.sim.System(arrival_rate=5.0)
        .tier("a", 2, Exp(0.1))
        .outage("a", at_s=0.0)
        .simulate(requests=500, warmup=0)
    )
    assert r.wasted_work == 0.0 and not r.stable and math.isinf(r.mean_response)
