"""scalemodel.reliability: closed forms against independent oracles, Monte Carlo against
closed forms and Markov chains.

Tolerances for Monte Carlo come from the result's own Student-t interval: with fixed
seeds each check asks the truth to lie inside a 99.9% interval (a false failure has
probability 1e-3 per check and, the seeds being fixed, either always or never happens).
"""

from __future__ import annotations

import itertools
import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import scalemodel as sm
from scalemodel.testing import assert_above, assert_below, assert_ci_contains

R = sm.reliability


def same_replications(a: R.MonteCarloResult, b: R.MonteCarloResult) -> bool:
    """The same metrics with bit-identical per-replication values, and the same values."""
    return (
        a.metric_names == b.metric_names
        and all(
            np.array_equal(a.replication_values(m), b.replication_values(m), equal_nan=True)
            for m in a.metric_names
        )
        and a.values == b.values
    )


# --- availability -------------------------------------------------------------------------


def test_k_of_n_matches_scipy_binomial() -> None:
    """Oracle: SciPy's binomial survival function P(X >= k) = sf(k - 1)."""
    k = np.arange(0, 11)
    a = np.array([[0.5], [0.9], [0.999]])
    got = R.k_of_n(k, 10, a)
    assert got.shape == (3, 11)
    np.testing.assert_allclose(got, stats.binom.sf(k - 1, 10, a), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(R.k_of_n_unavailability(1, 3, 0.999), 1e-9, rtol=1e-10)
    assert R.nines(1e-3) == pytest.approx(3.0)


@settings(max_examples=200, deadline=None)
@given(
    k=st.integers(0, 30),
    extra=st.integers(0, 30),
    a=st.floats(0.0, 1.0, allow_nan=False),
)
def test_more_replicas_never_lower_k_of_n(k: int, extra: int, a: float) -> None:
    """Property: adding a replica (n -> n + 1, same k) never lowers availability."""
    n = max(k, 1) + extra
    assert R.k_of_n(k, n + 1, a) >= R.k_of_n(k, n, a) - 1e-15


def test_k_of_n_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="k must be"):
        R.k_of_n(4, 3, 0.9)
    with pytest.raises(ValueError, match="availability must be"):
        R.k_of_n(1, 3, 1.5)
    with pytest.raises(TypeError, match="k must be"):
        R.k_of_n("two", 3, 0.9)


def test_ctmc_equals_binomial_with_a_crew_per_component() -> None:
    """Oracle: with n crews components are independent, so the chain's steady state is binomial."""
    for n in (1, 3, 5, 12):
        for k in range(n + 1):
            c = R.ctmc_availability(k, n, mtbf_s=1000.0, mttr_s=30.0)
            assert c.availability == pytest.approx(R.k_of_n(k, n, 1000 / 1030), rel=1e-12)
    one_crew = R.ctmc_availability(1, 3, 1000.0, 30.0, repair_crews=1)
    assert one_crew.availability < R.ctmc_availability(1, 3, 1000.0, 30.0).availability
    assert one_crew.downtime_s_per_year == pytest.approx(
        one_crew.unavailability * sm.reliability.SECONDS_PER_YEAR
    )


def test_simulation_matches_ctmc_and_binomial() -> None:
    """Monte Carlo (exponential lifetimes and repairs) vs the CTMC and binomial closed forms."""
    sim = R.simulate_availability(
        3, 2, mtbf_s=500.0, mttr_s=25.0, horizon_s=50_000.0, replications=64, seed=1
    )
    c = R.ctmc_availability(2, 3, 500.0, 25.0)
    assert_ci_contains(sim, "availability", c.availability)
    assert_ci_contains(sim, "availability", R.k_of_n(2, 3, 500 / 525))
    assert_ci_contains(sim, "outages_per_year", c.failure_frequency * sm.reliability.SECONDS_PER_YEAR)
    assert sim.nines == pytest.approx(-math.log10(sim.unavailability))
    lo, hi = sim.ci("nines")
    assert lo < sim.nines < hi
    assert (lo, hi) == pytest.approx([-math.log10(u) for u in reversed(sim.ci("unavailability"))])


def test_simulation_same_seed_same_result_any_threads() -> None:
    args = dict(mtbf_s=300.0, mttr_s=20.0, horizon_s=20_000.0, replications=16, seed=42)
    one = R.simulate_availability(4, 2, threads=1, **args)
    two = R.simulate_availability(4, 2, threads=2, **args)
    assert same_replications(one, two)


def test_zones_and_replacement() -> None:
    """Correlated zone outages lower availability; a fast automatic replacement raises it."""
    base = dict(mtbf_s=1000.0, mttr_s=100.0, horizon_s=100_000.0, replications=32, seed=3)
    indep = R.simulate_availability(3, 1, **base)
    zoned = R.simulate_availability(3, 1, zones=1, zone_failures_per_year=2000.0, zone_outage_s=100.0, **base)
    assert_below(zoned, "availability", indep)
    # 2 of 3, so that system outages are frequent enough for the interval to mean something.
    slow = R.simulate_availability(3, 2, **base)
    fast = R.simulate_availability(3, 2, replacement_s=10.0, **base)
    assert_above(fast, "availability", slow)
    # Replacement after 10 s caps the repair: mean downtime 100 (1 - e^-0.1).
    a = 1000 / (1000 + 100 * -math.expm1(-0.1))
    assert_ci_contains(fast, "availability", R.k_of_n(2, 3, a))


def test_simulate_availability_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="mtbf_s must be"):
        R.simulate_availability(3, 1, mtbf_s=-1.0, mttr_s=1.0)
    with pytest.raises(ValueError, match="mttr_s must be"):
        R.simulate_availability(3, 1, mtbf_s=1.0, mttr_s=-1.0, repair="constant")
    with pytest.raises(ValueError, match="zone_failures_per_year"):
        R.simulate_availability(3, 1, mtbf_s=1.0, mttr_s=1.0, zone_failures_per_year=-1.0)
    with pytest.raises(ValueError, match="replications"):
        R.simulate_availability(3, 1, mtbf_s=1.0, mttr_s=1.0, replications=1)
    with pytest.raises(ValueError, match="k must be"):
        R.simulate_availability(3, 4, mtbf_s=1.0, mttr_s=1.0)
    with pytest.raises(ValueError, match="horizon_s"):
        R.simulate_availability(1000, 1, mtbf_s=1.0, mttr_s=1.0, horizon_s=1e12)
    with pytest.raises(ValueError, match="repair"):
        R.simulate_availability(3, 1, mtbf_s=1.0, mttr_s=1.0, repair="gamma")


# --- quorums ------------------------------------------------------------------------------


def brute_force_k_staleness(n: int, r: int, w: int, k: int) -> float:
    """Enumerate every read quorum against a fixed write quorum (by symmetry)."""
    write = set(range(w))
    reads = list(itertools.combinations(range(n), r))
    miss = sum(1 for q in reads if not write.intersection(q)) / len(reads)
    return 1 - miss**k


@pytest.mark.parametrize(("n", "r", "w"), [(3, 1, 1), (5, 2, 2), (5, 1, 3), (7, 2, 3), (4, 2, 3)])
def test_pbs_k_staleness_matches_enumeration(n: int, r: int, w: int) -> None:
    for k in (1, 2, 5):
        assert R.pbs_k_staleness(n, r, w, k) == pytest.approx(brute_force_k_staleness(n, r, w, k), rel=1e-12)


def numpy_wars(n: int, r: int, w: int, t: float, mean: float, m: int, seed: int) -> float:
    """An independent NumPy implementation of the WARS model with exponential legs."""
    g = np.random.default_rng(seed)
    wi, ai, ri, si = (g.exponential(mean, (m, n)) for _ in range(4))
    commit = np.sort(wi + ai, axis=1)[:, w - 1]
    order = np.argsort(ri + si, axis=1)[:, :r]
    have = np.take_along_axis(wi, order, 1) <= commit[:, None] + t + np.take_along_axis(ri, order, 1)
    return float(have.any(axis=1).mean())


def test_t_visibility_matches_numpy_oracle() -> None:
    res = R.t_visibility(
        3, 1, 1, [0.0, 0.002], write_latency=0.001, read_latency=0.001, requests=1 << 18, seed=2
    )
    for i, t in enumerate((0.0, 0.002)):
        oracle = numpy_wars(3, 1, 1, t, 0.001, 400_000, seed=5)
        # Oracle's own sampling error (binomial, 400k draws) adds to the interval.
        assert_ci_contains(res, f"p_consistent_{i}", oracle, slack=4 * math.sqrt(0.25 / 400_000))
    assert np.all(np.diff(res.p_consistent) >= 0)
    assert res.p_consistent_ci().shape == (2, 2)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 7),
    data=st.data(),
    sigma=st.floats(0.0, 2.0),
    t=st.floats(0.0, 0.01),
    seed=st.integers(0, 2**32),
)
def test_strict_quorums_never_stale(n: int, data: st.DataObject, sigma: float, t: float, seed: int) -> None:
    """Property: with R + W > N and no failures every read sees the committed write."""
    w = data.draw(st.integers(1, n))
    r = data.draw(st.integers(n - w + 1, n))
    res = R.t_visibility(
        n,
        r,
        w,
        t,
        write_latency=R.Lognormal.from_median(0.002, sigma),
        read_latency=0.001,
        requests=1 << 16,
        seed=seed,
    )
    assert res.p_consistent_0 == 1.0


def test_quorum_availability_and_presets() -> None:
    """Write availability under independent replica failures equals k_of_n(W, N, 1 - p)."""
    p = 0.2
    for level in R.CASSANDRA_LEVELS:
        _, w = R.quorum_sizes(level, 3)
        res = R.t_visibility(consistency=level, replica_down_prob=p, requests=1 << 17, seed=4)
        assert_ci_contains(res, "write_available", R.k_of_n(w, 3, 1 - p))
    assert R.quorum_sizes("QUORUM", 5) == (3, 3)
    fast = R.t_visibility(consistency="ONE", requests=1 << 16, seed=1)
    slow = R.t_visibility(consistency="ALL", requests=1 << 16, seed=1)
    assert fast.read_latency_s < slow.read_latency_s
    with pytest.raises(ValueError, match="level must be"):
        R.quorum_sizes("TWO")
    with pytest.raises(ValueError, match="r must be"):
        R.t_visibility(3, 4, 1)


def test_t_visibility_threads_and_pickle() -> None:
    one = R.t_visibility(5, 2, 2, [0, 0.001], requests=1 << 17, seed=9, threads=1)
    two = R.t_visibility(5, 2, 2, [0, 0.001], requests=1 << 17, seed=9, threads=2)
    assert same_replications(one, two)
    back = pickle.loads(pickle.dumps(one))
    assert same_replications(back, one)
    assert back.p_consistent.tolist() == one.p_consistent.tolist()
    with pytest.raises(AttributeError):
        one.study = "x"  # type: ignore[misc]
    frame = one.to_frame()
    assert list(frame.columns) == ["estimate", "ci_low", "ci_high", "half_width", "n"]
    assert frame.loc["p_consistent_0", "n"] == 4  # 2^17 requests in chunks of 2^15
    assert isinstance(one, sm.results.ReplicatedResult)
    assert "p_consistent_0" in one._repr_html_()


# --- failover, stale reads, partitions ----------------------------------------------------


def test_failover_matches_closed_form() -> None:
    """E[downtime] = (missed - 1/2) interval + E[election] + E[routing]; E[lost] = rate E[lag]."""
    res = R.simulate_failover(
        heartbeat_interval_s=5.0,
        missed_beats=3,
        election_s=R.Exponential(8.0),
        routing_s=R.Uniform(0.0, 10.0),
        replication_lag_s=R.Uniform(0.1, 0.5),
        write_rate=1000.0,
        failures_per_year=12.0,
        trials=1 << 15,
        seed=8,
    )
    assert_ci_contains(res, "downtime_s", 2.5 * 5 + 8 + 5)
    assert_ci_contains(res, "writes_lost", 300.0)
    assert res.downtime_p50_s < res.downtime_p99_s <= res.downtime_max_s * 1.005
    d = res.downtime_s
    assert res.availability == pytest.approx(1 / (1 + 12 / (sm.reliability.SECONDS_PER_YEAR) * d), rel=1e-9)


def test_stale_reads_and_remedies() -> None:
    """Stale probability P(lag > think) in closed form for an exponential lag; remedy costs."""
    res = R.simulate_stale_reads(R.Exponential(0.3), 0.5, requests=1 << 18, seed=1)
    assert_ci_contains(res, "stale", math.exp(-0.5 / 0.3))
    sticky = R.simulate_stale_reads(
        R.Exponential(0.3), R.Exponential(4.0), remedy="sticky", sticky_window_s=5.0, requests=1 << 18, seed=1
    )
    assert_ci_contains(sticky, "primary_reads", 1 - math.exp(-5 / 4))
    vc = R.simulate_stale_reads(
        R.Deterministic(0.25), 0.0, remedy="version_check", attempts=3, retry_interval_s=0.1, requests=1 << 16
    )
    # Lag 0.25 s: attempts at 0, 0.1, 0.2 all miss; the read falls back to the primary.
    assert (vc.stale, vc.primary_reads, vc.replica_reads) == (0.0, 1.0, 3.0)
    assert vc.added_latency_s == pytest.approx(0.3)
    frame = R.compare_remedies(R.Uniform(0.1, 0.5), R.Exponential(0.5), requests=1 << 16)
    assert frame.loc["none", "stale"] > 0
    assert (frame.loc[["primary", "version_check"], "stale"] == 0).all()
    with pytest.raises(ValueError, match="remedy must be"):
        R.simulate_stale_reads(0.1, 0.1, remedy="pray")


def test_partition_matches_alternating_renewal() -> None:
    """Fraction of time partitioned = rate E[D] / (1 + rate E[D]); CP rejects exactly then."""
    res = R.simulate_partition(
        partitions_per_day=24.0,
        duration_s=R.Exponential(600.0),
        horizon_s=10 * 86400.0,
        replications=32,
        seed=2,
    )
    assert_ci_contains(res, "partitioned_time", res.partitioned_time_expected)
    assert_ci_contains(res, "cp_rejected", res.partitioned_time_expected)
    assert res.ap_stale > 0.0


# --- durability -----------------------------------------------------------------------------


def test_write_behind_and_aof() -> None:
    wb = R.write_behind(50_000, 5.0, crashes_per_day=2)
    assert (wb.expected_per_crash, wb.worst_per_crash, wb.expected_per_day) == (125_000, 250_000, 250_000)
    capped = R.write_behind(50_000, 5.0, batch_size=1000)
    assert math.isinf(capped.worst_per_crash) and capped.backlog_growth_per_s == pytest.approx(49_800)
    aof = R.redis_aof(1000.0)
    assert (aof.expected_per_crash, aof.worst_per_crash) == (500.0, 2000.0)
    assert R.redis_aof(1000.0, "always").worst_per_crash == 1.0
    with pytest.raises(ValueError, match="fsync"):
        R.redis_aof(1.0, "never")


def test_rdb_renewal_reward() -> None:
    """At 1 write/s the (300 s, 10) rule fires every 300 s (10 writes come first almost
    surely), so a crash loses rate x 300 / 2 on average."""
    res = R.redis_rdb(1.0, cycles=1 << 13, seed=3, crashes_per_day=1.0)
    assert_ci_contains(res, "expected_per_crash", 150.0)
    assert res.fluid_cycle_s == 300.0
    assert R.durability("redis_rdb", write_rate=1.0, cycles=1024).fluid_worst_per_crash == 300.0


def test_kafka_acks() -> None:
    flaky = dict(broker_mtbf_s=3600.0, broker_mttr_s=1800.0, horizon_s=20 * 86400.0, replications=16, seed=4)
    clean = R.kafka_durability(acks="all", **flaky)
    assert clean.lost_per_day == 0.0 and clean.write_unavailable > 0.0
    unclean = R.kafka_durability(acks="all", unclean_leader_election=True, **flaky)
    assert_above(unclean, "lost_per_day", 0.0)
    one = R.kafka_durability(acks=1, **flaky)
    assert_above(one, "lost_per_day", 0.0)
    with pytest.raises(ValueError, match="acks"):
        R.kafka_durability(acks=2)
    with pytest.raises(ValueError, match="min_insync_replicas"):
        R.kafka_durability(min_insync_replicas=4)


def test_concurrent_python_threads_match_serial() -> None:
    """The simulations release the GIL; two Python threads running them at once must give
    exactly the serial results (no shared state between calls)."""
    from concurrent.futures import ThreadPoolExecutor

    def per_replication(res: R.MonteCarloResult) -> dict[str, list[float]]:
        return {m: res.replication_values(m).tolist() for m in res.metric_names}

    def quorum() -> dict[str, list[float]]:
        return per_replication(R.t_visibility(5, 2, 2, [0.0, 0.001], requests=1 << 17, seed=77, threads=1))

    def avail() -> dict[str, list[float]]:
        return per_replication(
            R.simulate_availability(
                5, 3, mtbf_s=100.0, mttr_s=10.0, horizon_s=5000.0, replications=8, seed=78
            )
        )

    serial = (quorum(), avail())
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(quorum), pool.submit(avail), pool.submit(quorum), pool.submit(avail)]
        results = [f.result() for f in futures]
    assert results == [serial[0], serial[1], serial[0], serial[1]]


def test_absurd_sizes_are_rejected() -> None:
    with pytest.raises(ValueError, match="requests"):
        R.t_visibility(3, 1, 1, np.linspace(0, 1, 1000), requests=10**10)
    with pytest.raises(ValueError, match="trials"):
        R.simulate_failover(trials=1 << 40)
    with pytest.raises(ValueError, match="n must be"):
        R.t_visibility(65, 1, 1)


@pytest.mark.parametrize("shape", [0.7, 2.0, 4.0])
def test_weibull_lifetimes_keep_the_steady_state(shape: float) -> None:
    """Renewal theory: each component's long-run availability is MTBF / (MTBF + MTTR)
    whatever the lifetime law, so independent Weibull components still follow the
    binomial; 1000 cycles per replication make the start-up transient negligible."""
    res = R.simulate_availability(
        3, 2, mtbf_s=100.0, mttr_s=10.0, weibull_shape=shape, horizon_s=100_000.0, replications=32, seed=5
    )
    assert_ci_contains(res, "availability", R.k_of_n(2, 3, 100 / 110))


# --- one vocabulary: distributions, configs, results -----------------------------------------


def test_distributions_are_the_shared_family() -> None:
    for name in ("Deterministic", "Exponential", "Lognormal", "Uniform", "Weibull", "Gamma", "Pareto"):
        assert getattr(R, name) is getattr(sm.distributions, name)
        assert name in R.__all__
    assert "Constant" not in R.__all__ and "LogNormal" not in R.__all__


def test_constant_alias_warns_and_is_deterministic() -> None:
    with pytest.warns(DeprecationWarning, match="Deterministic"):
        constant = R.Constant
    assert constant(0.25) == R.Deterministic(0.25)


def test_lognormal_alias_warns_and_gives_the_same_distribution() -> None:
    with pytest.warns(DeprecationWarning, match="Lognormal"):
        old = R.LogNormal
    assert old(0.002, 0.5) == R.Lognormal.from_median(0.002, 0.5)
    assert old.from_quantiles(0.001, 0.010) == R.Lognormal.from_quantiles(0.001, 0.010)
    assert float(old(0.002, 0.5).quantile(0.5)) == pytest.approx(0.002, rel=1e-12)


def test_any_distribution_drives_a_study() -> None:
    """A Gamma think time (new to the reliability studies): P(lag > think) for a constant lag
    is the Gamma survival function."""
    res = R.simulate_stale_reads(0.5, R.Gamma(1.0, 0.5), requests=1 << 18, seed=12)
    assert_ci_contains(res, "stale", float(stats.gamma.cdf(0.5, a=2.0, scale=0.5)))


def test_engine_names_python_parameters() -> None:
    """Ranges are checked once, in the engine, and its messages use the Python names."""
    with pytest.raises(ValueError, match="heartbeat_interval_s"):
        R.simulate_failover(heartbeat_interval_s=0.0)
    with pytest.raises(ValueError, match="missed_beats"):
        R.simulate_failover(missed_beats=0)
    with pytest.raises(ValueError, match="failures_per_year"):
        R.simulate_failover(failures_per_year=-1.0)
    with pytest.raises(ValueError, match="election_s"):
        R.simulate_failover(election_s=-1.0)
    with pytest.raises(ValueError, match="partitions_per_day"):
        R.simulate_partition(partitions_per_day=0.0, duration_s=1.0)
    with pytest.raises(ValueError, match="broker_mtbf_s"):
        R.kafka_durability(broker_mtbf_s=0.0)
    with pytest.raises(ValueError, match="broker_mttr_s"):
        R.kafka_durability(broker_mttr_s=-1.0)
    with pytest.raises(ValueError, match="write_latency"):
        R.t_visibility(3, 1, 1, write_latency=-0.001)
    with pytest.raises(ValueError, match="sticky_window_s"):
        R.simulate_stale_reads(0.1, 0.1, remedy="sticky", sticky_window_s=-1.0)
    with pytest.raises(TypeError, match="lag"):
        R.simulate_stale_reads("fast", 0.1)
    assert list(R._REMEDIES) == list(sm._core.reliability.REMEDIES)


def test_result_is_a_replicated_result() -> None:
    res = R.simulate_failover(trials=1 << 14, seed=3, election_s=R.Uniform(1.0, 3.0))
    assert res.replications == 4
    values = res.replication_values("downtime_s")
    assert res.downtime_s == pytest.approx(values.mean(), rel=1e-12)
    assert res.ci("downtime_s", 0.99)[0] < res.downtime_s < res.ci("downtime_s", 0.99)[1]
    assert res.to_dict()["downtime_p50_s"] == res.values["downtime_p50_s"]
    with pytest.raises(AttributeError):
        res.values = {}  # type: ignore[misc]
    with pytest.raises(ValueError, match="name must be one of"):
        res.ci("nope")
    back = pickle.loads(pickle.dumps(res))
    assert same_replications(back, res) and back.study == "failover"
