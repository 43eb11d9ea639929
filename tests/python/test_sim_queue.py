"""The simulator of one c-server station against closed forms and exact properties.

Tolerances: every simulated figure is the mean of independent replications with a
Student-t interval at 99.9%; a check passes when the closed form lies inside that
interval (for quantiles, widened by the histogram's stated relative error, 0.39%). Seeds
are fixed, so each test is deterministic; under a fresh seed a correct simulator would
miss one given interval with probability about 0.1% (plus a warm-up bias far smaller
than the intervals here). Runs are small (a few 10^5 customers) to keep the suite fast.
"""

from __future__ import annotations

import math
import pickle

import mpmath as mp
import numpy as np
import pytest
from intervals import assert_in_ci
from scipy.optimize import brentq

import scalemodel as sm

S = sm.sim
Q = sm.queueing
LEVEL = 0.999
REL = S.HISTOGRAM_RELATIVE_ERROR


def test_mm1_means_and_tails_match_closed_forms() -> None:
    model = Q.MM1(0.7, 1.0)
    r = S.simulate_queue(0.7, S.Exponential(1.0), 1, customers=50_000, replications=20, seed=1)
    assert r.stable
    assert_in_ci(r, "mean_response", model.mean_response)
    assert_in_ci(r, "mean_wait", model.mean_wait)
    assert_in_ci(r, "utilization", model.utilization)
    assert_in_ci(r, "throughput", model.throughput)
    assert_in_ci(r, "p99_response", model.response_quantile(0.99), rel=REL)
    assert_in_ci(r, "p95_response", model.response_quantile(0.95), rel=REL)
    # The pooled quantile is close to the exact one as well (pooled sample of 10^6).
    assert r.response_quantile(0.99) == pytest.approx(model.response_quantile(0.99), rel=0.02)


def test_mmc_means_and_tails_match_closed_forms() -> None:
    model = Q.MMc(8.5, 1.0, 10)
    r = S.simulate_queue(8.5, S.Exponential(1.0), 10, customers=50_000, replications=20, seed=2)
    assert_in_ci(r, "mean_response", model.mean_response)
    assert_in_ci(r, "mean_wait", model.mean_wait)
    assert_in_ci(r, "utilization", model.utilization)
    assert_in_ci(r, "p99_response", model.response_quantile(0.99), rel=REL)
    assert_in_ci(r, "p99_wait", model.wait_quantile(0.99), rel=REL)
    # Every server takes a tenth of the load.
    servers = r.servers()
    assert len(servers) == 10
    assert servers["throughput"].sum() == pytest.approx(r.throughput, rel=1e-9)
    assert np.allclose(servers["utilization"], 0.85, atol=0.02)


def md1_wait_cdf(t: float, rho: float) -> float:
    """Erlang's exact M/D/1 waiting-time distribution (service time 1), in high precision
    because its alternating sum cancels badly in floating point."""
    with mp.workdps(60):
        tt, r = mp.mpf(t), mp.mpf(rho)
        terms = (
            (r * (k - tt)) ** k / mp.factorial(k) * mp.exp(-r * (k - tt))
            for k in range(int(mp.floor(tt)) + 1)
        )
        return float((1 - r) * mp.fsum(terms))


def test_md1_mean_and_exact_tail() -> None:
    """M/D/1: the mean is Pollaczek-Khinchine's (exact, sm.queueing.MD1); the p99 of the wait
    is checked against Erlang's exact distribution rather than the engine's tail, which
    sm.queueing documents as approximate for non-exponential service."""
    rho = 0.7
    exact_p99 = brentq(lambda t: md1_wait_cdf(t, rho) - 0.99, 0.01, 60.0)
    r = S.simulate_queue(rho, S.Deterministic(1.0), 1, customers=50_000, replications=20, seed=4)
    assert_in_ci(r, "mean_wait", Q.MD1(rho, 1.0).mean_wait)
    assert_in_ci(r, "mean_response", Q.MD1(rho, 1.0).mean_response)
    assert_in_ci(r, "p99_wait", exact_p99, rel=REL)
    assert_in_ci(r, "p99_response", exact_p99 + 1.0, rel=REL)


def h2_wait_tail(lam: float, parts: list[tuple[float, float]]) -> tuple[float, object]:
    """Exact P(W > t) of M/H2/1 from the Pollaczek-Khinchine transform: W has an atom
    1 - rho at zero and otherwise a mix of two exponentials whose rates are the roots of
    a quadratic. Returns (rho, tail function)."""
    (p1, m1), (p2, m2) = parts
    mu1, mu2 = 1 / m1, 1 / m2
    rho = lam * (p1 * m1 + p2 * m2)
    cubic = np.polymul(np.polymul([1, -lam], [1, mu1]), [1, mu2]) + np.array(
        [0, 0, lam * (p1 * mu1 + p2 * mu2), lam * mu1 * mu2 * (p1 + p2)]
    )
    quad = np.polydiv(cubic, [1, 0])[0]  # s = 0 is always a root
    r1, r2 = -np.roots(quad).real
    a1 = (mu1 - r1) * (mu2 - r1) / (r2 - r1)
    a2 = (mu1 - r2) * (mu2 - r2) / (r1 - r2)

    def tail(t: float) -> float:
        return float((1 - rho) * (a1 / r1 * np.exp(-r1 * t) + a2 / r2 * np.exp(-r2 * t)))

    assert tail(0.0) == pytest.approx(rho, rel=1e-9)  # P(W > 0) = rho: the roots are right
    return rho, tail


def test_mg1_hyperexponential_mean_and_exact_tail() -> None:
    parts = [(0.9, 0.5), (0.1, 5.5)]  # mean 1 s, scv 5.05
    service = S.Mixture([(p, S.Exponential(m)) for p, m in parts])
    assert service.mean == pytest.approx(1.0)
    lam = 0.6
    _, tail = h2_wait_tail(lam, parts)
    exact_p99 = brentq(lambda t: tail(t) - 0.01, 0.0, 1e3)
    r = S.simulate_queue(lam, service, 1, customers=50_000, replications=20, seed=5)
    assert_in_ci(r, "mean_wait", Q.MG1(lam, service.mean, service.scv).mean_wait)
    assert_in_ci(r, "p99_wait", exact_p99, rel=REL)


def test_mg1_lognormal_and_pareto_means() -> None:
    for service, seed in ((S.Lognormal(0.1, 1.0), 6), (S.Pareto(0.1, 3.5), 7)):
        model = Q.MG1(6.0, service.mean, service.scv)
        r = S.simulate_queue(6.0, service, 1, customers=50_000, replications=20, seed=seed)
        assert_in_ci(r, "mean_response", model.mean_response)
        assert_in_ci(r, "utilization", 0.6)


def test_finite_buffer_drops_match_mmck() -> None:
    model = Q.MMcK(2.0, 1.0, 2, 5)
    r = S.simulate_queue(2.0, S.Exponential(1.0), 2, capacity=5, customers=50_000, replications=20, seed=8)
    assert_in_ci(r, "drop_rate", model.prob_block)
    assert_in_ci(r, "mean_response", model.mean_response)


def test_timeouts_bound_the_wait() -> None:
    r = S.simulate_queue(0.95, S.Exponential(1.0), 1, timeout=2.0, customers=20_000, replications=5, seed=9)
    assert r.timeout_rate > 0.05
    assert r.wait_quantile(1.0) <= 2.0 * (1 + REL)
    full = S.simulate_queue(0.95, S.Exponential(1.0), 1, customers=20_000, replications=5, seed=9)
    assert r.mean_wait < full.mean_wait


def test_replayed_timestamps_exact() -> None:
    # Five requests at once on one server of 1 s each: they wait 0, 1, 2, 3, 4 s.
    r = S.simulate_queue(np.zeros(5), S.Deterministic(1.0), 1, warmup=0, replications=2, seed=0)
    assert r.mean_wait == pytest.approx(2.0)
    assert r.mean_response == pytest.approx(3.0)
    assert r.wait_quantile(1.0) == pytest.approx(4.0, rel=REL)
    # Periodic arrivals faster than service never queue: D/D/1 at 90%.
    p = S.simulate_queue(S.Periodic(1.0), S.Deterministic(0.9), 1, customers=1000, replications=2)
    assert p.mean_wait == 0.0
    assert p.utilization == pytest.approx(0.9, rel=1e-3)


def test_bursty_arrivals_keep_their_rate_and_wait_longer() -> None:
    bursty = S.OnOff(2.0, mean_on_s=50.0, mean_off_s=50.0)
    assert bursty.rate == pytest.approx(1.0)
    b = S.simulate_queue(bursty, S.Exponential(0.6), 1, customers=50_000, replications=20, seed=10)
    p = S.simulate_queue(1.0, S.Exponential(0.6), 1, customers=50_000, replications=20, seed=10)
    assert_in_ci(b, "throughput", 1.0)
    assert b.ci("mean_wait", LEVEL)[0] > p.ci("mean_wait", LEVEL)[1]


def test_server_outage_for_the_whole_run_is_one_server_less() -> None:
    """Two servers, one down from t = 0 and never back: an M/M/1 queue."""
    model = Q.MM1(0.6, 1.0)
    r = S.simulate_queue(
        0.6,
        S.Exponential(1.0),
        2,
        outages=[S.Outage(at_s=0.0, servers=1)],
        customers=50_000,
        replications=20,
        seed=11,
    )
    assert_in_ci(r, "mean_response", model.mean_response)
    assert_in_ci(r, "utilization_after", 0.6)
    assert r.fail_rate == 0.0


def test_same_seed_same_result_on_any_thread_count() -> None:
    args = (0.8, S.Lognormal(1.0, 0.8), 3)
    kw = dict(customers=20_000, replications=6, seed=12)
    one = S.simulate_queue(*args, threads=1, **kw)
    two = S.simulate_queue(*args, threads=2, **kw)
    for name in one.metric_names:
        assert np.array_equal(one.replication_values(name), two.replication_values(name), equal_nan=True), (
            name
        )
    assert one.response_quantile(0.999) == two.response_quantile(0.999)
    other = S.simulate_queue(*args, threads=1, **{**kw, "seed": 13})
    assert other.mean_response != one.mean_response


def test_concurrent_calls_from_python_threads() -> None:
    """The GIL is released during a run; two Python threads running simulations at once
    must reproduce the sequential results bit for bit (no shared state)."""
    from concurrent.futures import ThreadPoolExecutor

    def run(seed: int) -> np.ndarray:
        r = S.simulate_queue(
            0.9, S.Exponential(1.0), 2, customers=20_000, replications=4, seed=seed, threads=1
        )
        return r.replication_values("mean_response")

    sequential = [run(s) for s in (1, 2, 3, 4)]
    with ThreadPoolExecutor(2) as pool:
        concurrent = list(pool.map(run, (1, 2, 3, 4)))
    for a, b in zip(sequential, concurrent):
        assert np.array_equal(a, b)


def test_unstable_queue_is_a_result_with_bounded_memory() -> None:
    r = S.simulate_queue(1.5, S.Exponential(1.0), 1, customers=5_000_000, replications=1, seed=0)
    assert not r.stable
    assert math.isinf(r.mean_response)
    assert math.isinf(r.response_quantile(0.99))
    assert "UNSTABLE" in repr(r)


def test_result_api_frame_and_pickle() -> None:
    r = S.simulate_queue(0.5, 1.0, 1, customers=5_000, replications=3, seed=1)
    frame = r.to_frame()
    assert {"estimate", "ci_low", "ci_high", "half_width"} <= set(frame.columns)
    assert frame.loc["mean_response", "estimate"] == pytest.approx(r.mean_response)
    assert r.events == 3 * 2 * (5_000 + 500)
    values, counts = r.response_histogram()
    assert counts.sum() == 3 * 5_000 and np.all(np.diff(values) > 0)
    again = pickle.loads(pickle.dumps(r))
    assert again.mean_response == r.mean_response
    assert "mean_response=" in repr(r)
    lo, hi = r.ci("mean_response")
    assert lo < r.mean_response < hi


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(arrival_rate=-1.0), ValueError, "arrival_rate"),
        (dict(arrival_rate=float("nan")), ValueError, "arrival_rate"),
        (dict(arrival_rate="fast"), TypeError, "arrival_rate"),
        (dict(servers=0), ValueError, "servers"),
        (dict(servers=10**6), ValueError, "servers"),
        (dict(replications=10**6), ValueError, "replications"),
        (dict(service="slow"), TypeError, "service"),
        (dict(customers=0), ValueError, "customers"),
        (dict(customers=10**12), ValueError, "customers"),
        (dict(replications=0), ValueError, "replications"),
        (dict(replications=2.5), TypeError, "replications"),
        (dict(capacity=0), ValueError, "capacity"),
        (dict(timeout=-1.0), ValueError, "timeout"),
        (dict(level=1.0), ValueError, "level"),
        (dict(threads=-1), ValueError, "threads"),
        (dict(outages=[S.Outage(at_s=1.0, servers=5)]), ValueError, "outage servers"),
        (dict(arrival_rate=np.array([2.0, 1.0]), customers=None), ValueError, "sorted"),
    ],
)
def test_bad_input_names_the_parameter(kwargs: dict, error: type, match: str) -> None:
    args = dict(arrival_rate=0.5, service=S.Exponential(1.0), servers=1, customers=100, replications=2)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        S.simulate_queue(**args)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(at_s=5.0, until_s=1.0), "until_s"),
        (dict(at_s=math.nan), "at_s"),
        (dict(at_s=-1.0), "at_s"),
        (dict(at_s=math.inf), "at_s"),
        (dict(at_s=1.0, backend=-1), "backend"),
        (dict(at_s=1.0, servers=0), "servers"),
    ],
)
def test_outage_checks_its_fields_at_construction(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        S.Outage(**kwargs)


def test_outages_must_be_a_sequence() -> None:
    with pytest.raises(TypeError, match="outages must be a sequence of Outage"):
        S.simulate_queue(8.0, 1.0, outages=5)  # type: ignore[arg-type]


def test_distribution_validation_and_moments() -> None:
    with pytest.raises(ValueError, match="mean"):
        S.Exponential(0.0)
    with pytest.raises(ValueError, match="alpha"):
        S.Pareto(1.0, 1.0)
    with pytest.raises(ValueError, match="sigma"):
        S.Lognormal(1.0, 11.0)
    with pytest.raises(TypeError, match="components"):
        S.Mixture([(1.0, 2.0)])  # type: ignore[list-item]
    mix = S.Mixture([(0.01, S.Deterministic(10.0)), (0.99, S.Deterministic(0.01))])
    assert mix.mean == pytest.approx(0.1099)
    assert mix.scv == pytest.approx((0.01 * 100 + 0.99 * 1e-4) / 0.1099**2 - 1)
    assert S.Pareto(1.0, 2.0).scv == math.inf
    assert S.Lognormal(1.0, 1.0).scv == pytest.approx(math.e - 1)


def test_outage_and_recovery_exact_counts() -> None:
    """One server, a request every second (t = 1, 2, ...) of 0.5 s each. The server is down
    from 10.25 s to 20.25 s: the request in service (arrived at 10) fails, the ten arriving
    at 11..20 find no server and fail, and service resumes normally from t = 21."""
    r = S.simulate_queue(
        S.Periodic(1.0),
        S.Deterministic(0.5),
        1,
        customers=100,
        warmup=0,
        outages=[S.Outage(at_s=10.25, until_s=20.25)],
        replications=2,
    )
    assert r.estimate("failed") == 11
    assert r.estimate("completed") == 89
    assert r.mean_wait == 0.0
    assert r.mean_response == pytest.approx(0.5)
    # The window runs from the first arrival (1 s) to the last (100 s): busy 0.5 s for each
    # of the 88 requests served inside it (the one at 100 s finishes after) plus 0.25 s of
    # the failed one.
    assert r.utilization == pytest.approx((88 * 0.5 + 0.25) / 99, rel=1e-12)
    assert r.throughput == pytest.approx(88 / 99, rel=1e-12)


def test_gamma_service_matches_pollaczek_khinchine() -> None:
    """M/G/1 with gamma service (scv 2 and 0.25) in the simulator against the exact P-K mean
    wait of the same Distribution object through GGc.from_service; 99.9% t-interval."""
    for scv in (2.0, 0.25):
        service = S.Gamma(0.05, scv)
        model = sm.queueing.GGc.from_service(14.0, service)  # rho = 0.7
        sim = S.simulate_queue(14.0, service, customers=200_000, replications=10, seed=3)
        assert_in_ci(sim, "mean_wait", float(model.mean_wait), level=0.999)
    with pytest.raises(TypeError, match="service must be a Distribution"):
        sm.queueing.GGc.from_service(14.0, 0.05)
