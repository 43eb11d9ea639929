"""Queueing networks (jackson, mva) and the Universal Scalability Law against independent oracles.

Oracles: M/M/1 closed forms for a tandem; the traffic equations solved with
numpy.linalg.solve in the test; Buzen's convolution algorithm (written here) for closed
product-form networks; the finite-source M/M/1//N (machine-repairman) closed form; the
asymptotic (operational) bounds; scipy.optimize.curve_fit for USL fits.

Tolerances: sums of a few positive terms and closed forms are good to ~10 EPS relative
(rtol 1e-13); Buzen's recursion adds positive terms only, N K additions each within EPS,
so it and exact MVA agree to N K EPS < 1e-12 for N <= 100, K <= 5 (rtol 1e-11 used).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from scalemodel import queueing as q

# ---------------------------------------------------------------------------- Jackson networks


def test_tandem_is_two_mm1() -> None:
    """Oracle: a tandem of M/M/1 queues (Burke): end-to-end mean = 1/(mu1-lam) + 1/(mu2-lam)."""
    lam, mu1, mu2 = 2.0, 3.0, 5.0
    r = q.jackson([lam, 0.0], [[0.0, 1.0], [0.0, 0.0]], [mu1, mu2])
    assert r.stable
    np.testing.assert_allclose(r.arrival_rate, [lam, lam], rtol=1e-15)
    np.testing.assert_allclose(r.visits, [1.0, 1.0], rtol=1e-15)
    want = 1 / (mu1 - lam) + 1 / (mu2 - lam)
    assert r.mean_response == pytest.approx(want, rel=1e-13)
    assert r.mean_response == pytest.approx(
        float(q.MM1(lam, mu1).mean_response + q.MM1(lam, mu2).mean_response), rel=1e-13
    )
    assert r.mean_in_system == pytest.approx(lam * want, rel=1e-13)
    assert r.throughput == pytest.approx(lam, rel=1e-15)
    np.testing.assert_allclose(r.stations["mean_response"], [1 / (mu1 - lam), 1 / (mu2 - lam)], rtol=1e-13)


def test_network_with_feedback() -> None:
    """Oracle: lambda = (I - R^T)^-1 gamma by numpy.linalg.solve; then each station is MMc
    and the network's mean response is sum L_i / sum gamma (Little)."""
    gamma = np.array([1.0, 0.5, 0.0])
    routing = np.array(
        [
            [0.0, 0.6, 0.3],  # 0.1 leaves
            [0.2, 0.0, 0.5],  # 0.3 leaves
            [0.1, 0.3, 0.2],  # 0.4 leaves; 0.2 feeds back to itself
        ]
    )
    mu = np.array([4.0, 2.0, 1.5])
    servers = np.array([1, 2, 3])
    lam = np.linalg.solve(np.eye(3) - routing.T, gamma)
    r = q.jackson(gamma, routing, mu, servers, names=["web", "app", "db"])
    assert r.stable
    # The system is well conditioned (cond < 10), so both solves agree to ~1e-15.
    assert np.linalg.cond(np.eye(3) - routing.T) < 10
    np.testing.assert_allclose(r.arrival_rate, lam, rtol=1e-13)
    np.testing.assert_allclose(r.visits, lam / gamma.sum(), rtol=1e-13)
    # Flow balance: what leaves equals what enters.
    leave = (1 - routing.sum(axis=1)) @ lam
    assert leave == pytest.approx(gamma.sum(), rel=1e-13)
    big_l = 0.0
    for i in range(3):
        m = q.MMc(lam[i], mu[i], int(servers[i]))
        big_l += float(m.mean_in_system)
        for key in ("utilization", "prob_wait", "mean_wait", "mean_response", "mean_in_system"):
            assert r.stations[key][i] == pytest.approx(float(getattr(m, key)), rel=1e-12), (i, key)
    assert r.mean_in_system == pytest.approx(big_l, rel=1e-12)
    assert r.mean_response == pytest.approx(big_l / gamma.sum(), rel=1e-12)
    frame = r.to_frame()
    assert list(frame.index) == ["web", "app", "db"]
    assert frame.loc["db", "arrival_rate"] == pytest.approx(lam[2], rel=1e-13)
    assert "JacksonResult(3 stations, stable)" in repr(r)


def test_jackson_routing_row_sum_above_one() -> None:
    """Oracle: a routing row is a probability distribution over next stations (sum <= 1)."""
    with pytest.raises(ValueError, match="routing"):
        q.jackson([1.0, 0.0], [[0.0, 0.7], [0.5, 0.6]], [5.0, 5.0])
    with pytest.raises(ValueError, match="routing"):
        q.jackson([1.0, 0.0], [[0.0, -0.1], [0.0, 0.0]], [5.0, 5.0])


@pytest.mark.parametrize(
    "routing",
    [
        [[0.0, 1.0], [1.0, 0.0]],  # ping-pong forever: I - R^T is singular
        [[0.0, 1.0], [0.0, 1.0]],  # station 1 feeds itself with probability 1
        [[0.0, 0.5, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]],  # stations 1 and 2 form a closed loop
    ],
)
def test_jackson_trapping_routing(routing: list[list[float]]) -> None:
    """Oracle: if some reachable station has no path out, traffic grows without bound: no
    solution of the traffic equations, so an error rather than a number."""
    n = len(routing)
    with pytest.raises(ValueError, match="routing"):
        q.jackson([1.0] + [0.0] * (n - 1), routing, [10.0] * n)


def test_jackson_overloaded_station() -> None:
    """Oracle: station 1 receives 2 x 1.5 = 3 req/s (feedback 0.5) against capacity 2.5: unstable."""
    r = q.jackson([1.5, 0.0], [[0.0, 1.0], [0.5, 0.0]], [10.0, 2.5])
    np.testing.assert_allclose(r.arrival_rate, [3.0, 3.0], rtol=1e-14)
    assert not r.stable
    assert math.isinf(r.mean_response) and math.isinf(r.mean_in_system)
    np.testing.assert_array_equal(r.stations["stable"], [True, False])
    assert math.isfinite(r.stations["mean_response"][0])
    assert "UNSTABLE" in repr(r)


def test_jackson_bad_shapes() -> None:
    """Oracle: routing is n x n for n stations; names one per station."""
    with pytest.raises(ValueError, match="routing"):
        q.jackson([1.0, 0.0], [[0.0, 1.0, 0.0]], [2.0, 2.0])
    with pytest.raises(ValueError, match="names"):
        q.jackson([1.0, 0.0], [[0.0, 1.0], [0.0, 0.0]], [2.0, 2.0], names=["a"])


# ---------------------------------------------------------------------------- MVA


def buzen(
    demands: list[float], delay: list[bool], think_time: float, population: int
) -> dict[str, np.ndarray]:
    """Buzen's convolution algorithm for a closed product-form network.

    The delay stations and the think time form one infinite-server term with
    g0(n) = Z^n / n!, Z = think time + delay demands; each single-server queue with
    demand D is convolved in by g(n) += D g(n-1). X(N) = G(N-1)/G(N), and the mean queue
    length at a queueing station is Q(N) = sum_{j=1..N} D^j G(N-j) / G(N).
    """
    z = think_time + sum(d for d, is_d in zip(demands, delay) if is_d)
    g = np.array([z**n / math.factorial(n) for n in range(population + 1)], dtype=float)
    for d, is_d in zip(demands, delay):
        if is_d:
            continue
        for n in range(1, population + 1):
            g[n] += d * g[n - 1]
    throughput = g[:-1] / g[1:]  # X(N) for N = 1..population
    queue = np.zeros((population, len(demands)))
    for k, (d, is_d) in enumerate(zip(demands, delay)):
        for n in range(1, population + 1):
            if is_d:
                queue[n - 1, k] = throughput[n - 1] * d
            else:
                queue[n - 1, k] = sum(d**j * g[n - j] for j in range(1, n + 1)) / g[n]
    return {"throughput": throughput, "queue_length": queue}


MVA_CASES = [
    ([0.05, 0.03, 0.02], [False, False, False], 0.0, 40),
    ([0.05, 0.03, 0.02], [False, False, False], 1.0, 60),
    ([0.2, 0.1, 0.5, 0.3], [False, True, False, True], 2.0, 50),
    ([0.01, 0.01], [False, False], 0.5, 100),  # equal demands
    ([0.7], [False], 3.0, 25),
]


@pytest.mark.parametrize(("demands", "delay", "z", "n"), MVA_CASES)
def test_mva_matches_buzen(demands: list[float], delay: list[bool], z: float, n: int) -> None:
    """Oracle: Buzen's convolution algorithm (normalising constants), written in the test."""
    ref = buzen(demands, delay, z, n)
    r = q.mva(demands, n, think_time=z, delay=delay)
    np.testing.assert_array_equal(r.population, np.arange(1, n + 1))
    np.testing.assert_allclose(r.throughput, ref["throughput"], rtol=1e-11)
    np.testing.assert_allclose(r.queue_length, ref["queue_length"], rtol=1e-11, atol=0)
    # Definitions: response = N / X - Z; utilization = X D; residence = Q / X.
    pop = np.arange(1, n + 1)
    np.testing.assert_allclose(r.response, pop / ref["throughput"] - z, rtol=1e-11)
    np.testing.assert_allclose(r.utilization, np.outer(ref["throughput"], demands), rtol=1e-11)
    np.testing.assert_allclose(r.residence, ref["queue_length"] / ref["throughput"][:, None], rtol=1e-11)
    # Every request is somewhere: N = X Z + sum of queue lengths.
    np.testing.assert_allclose(r.throughput * z + r.queue_length.sum(axis=1), pop, rtol=1e-12)


@pytest.mark.parametrize(("d", "z", "n"), [(0.1, 1.0, 5), (0.5, 2.0, 10), (1.0, 0.5, 30), (0.2, 10.0, 80)])
def test_machine_repairman(d: float, z: float, n: int) -> None:
    """Oracle: finite-source M/M/1//N: p_k proportional to N!/(N-k)! (D/Z)^k; U = 1 - p_0,
    X = U / D, mean queue = sum k p_k. (Computed with log-weights to avoid overflow.)"""
    k = np.arange(n + 1)
    logw = np.array([math.lgamma(n + 1) - math.lgamma(n - i + 1) for i in k]) + k * math.log(d / z)
    w = np.exp(logw - logw.max())
    p = w / w.sum()
    x = (1 - p[0]) / d
    r = q.mva([d], n, think_time=z)
    assert r.throughput[-1] == pytest.approx(x, rel=1e-12)
    assert r.queue_length[-1, 0] == pytest.approx(float(k @ p), rel=1e-12)
    assert r.utilization[-1, 0] == pytest.approx(1 - p[0], rel=1e-12)


@pytest.mark.parametrize("d", [0.001, 0.25, 3.0])
def test_single_queue_no_think_time(d: float) -> None:
    """Oracle: one queue, no think time: the server is never idle, X(N) = 1/D, R(N) = N D."""
    n = 20
    r = q.mva([d], n)
    np.testing.assert_allclose(r.throughput, np.full(n, 1 / d), rtol=1e-14)
    np.testing.assert_allclose(r.response, d * np.arange(1, n + 1), rtol=1e-14)
    np.testing.assert_allclose(r.queue_length[:, 0], np.arange(1, n + 1), rtol=1e-14)
    np.testing.assert_allclose(r.utilization[:, 0], 1.0, rtol=1e-14)


@settings(max_examples=100, deadline=None)
@given(
    demands=st.lists(st.floats(min_value=1e-3, max_value=2.0), min_size=1, max_size=5),
    z=st.floats(min_value=0.0, max_value=20.0),
    n=st.integers(min_value=1, max_value=100),
)
def test_property_asymptotic_bounds(demands: list[float], z: float, n: int) -> None:
    """Oracle: operational bounds: N / (N D + Z) <= X(N) <= min(N / (D + Z), 1 / Dmax),
    D the total demand; and throughput never falls as N grows."""
    total, dmax = sum(demands), max(demands)
    r = q.mva(demands, n, think_time=z)
    pop = np.arange(1, n + 1)
    upper = np.minimum(pop / (total + z), 1 / dmax)
    lower = pop / (pop * total + z)
    assert np.all(r.throughput <= upper * (1 + 1e-12))
    assert np.all(r.throughput >= lower * (1 - 1e-12))
    assert np.all(np.diff(r.throughput) >= -1e-12 * r.throughput[1:])
    assert r.throughput[0] == pytest.approx(1 / (total + z), rel=1e-13)  # N = 1 never queues


def test_bottleneck() -> None:
    """Oracle: the queueing station with the largest demand caps X at 1/Dmax, approached for large N;
    it saturates (U -> 1) while the others settle at D_k / Dmax. Delay stations are never the bottleneck."""
    demands = [0.02, 0.05, 0.03, 0.09]
    delay = [False, False, False, True]
    r = q.mva(demands, 400, think_time=1.0, delay=delay, names=["lb", "db", "cache", "net"])
    assert r.bottleneck == "db"
    assert r.throughput[-1] == pytest.approx(1 / 0.05, rel=1e-6)
    np.testing.assert_allclose(r.utilization[-1, :3], np.array([0.02, 0.05, 0.03]) / 0.05, rtol=1e-6)
    frame = r.to_frame()
    assert len(frame) == 400 and "queue_length[db]" in frame.columns
    assert "bottleneck 'db'" in repr(r)


def test_mva_bad_input() -> None:
    """Oracle: the documented ranges (demands >= 0, population whole >= 1)."""
    with pytest.raises(ValueError, match="demands"):
        q.mva([0.1, -0.2], 5)
    with pytest.raises(ValueError, match="population"):
        q.mva([0.1], 0)
    with pytest.raises(TypeError, match="population"):
        q.mva([0.1], 2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="think_time"):
        q.mva([0.1], 3, think_time=-1.0)


# ---------------------------------------------------------------------------- USL


def usl(n: np.ndarray, lam: float, sigma: float, kappa: float) -> np.ndarray:
    """X(N) = lam N / (1 + sigma (N - 1) + kappa N (N - 1)), written from Gunther's definition."""
    return lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))


@pytest.mark.parametrize(
    ("lam", "sigma", "kappa"),
    [(1000.0, 0.05, 0.001), (42.0, 0.2, 0.0005), (5.0, 0.01, 0.02), (300.0, 0.3, 1e-5)],
)
def test_usl_recovers_exact_parameters(lam: float, sigma: float, kappa: float) -> None:
    """Oracle: data generated from the law itself; the fit must return the generating parameters (rel 1e-8)."""
    n = np.array([1, 2, 4, 8, 12, 16, 24, 32, 48, 64], dtype=float)
    x = usl(n, lam, sigma, kappa)
    fit = q.USL.fit(n, x)
    assert fit.lambda_ == pytest.approx(lam, rel=1e-8)
    assert fit.sigma == pytest.approx(sigma, rel=1e-8)
    assert fit.kappa == pytest.approx(kappa, rel=1e-8)
    assert fit.r_squared == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(fit.throughput(n), x, rtol=1e-8)


NOISY_CASES = [
    # (lambda, sigma, kappa), concurrency levels, repeats, seed
    ((800.0, 0.04, 0.0008), (1, 2, 4, 8, 16, 24, 32, 48, 64), 3, 0),
    ((800.0, 0.04, 0.0008), (1, 2, 4, 8, 16, 24, 32, 48, 64), 3, 1),
    ((800.0, 0.04, 0.0008), (1, 2, 4, 8, 16, 24, 32, 48, 64), 3, 2),
    ((500.0, 0.1, 0.0), (1, 2, 4, 8, 16, 24, 32), 2, 0),
    # No contention in the generating law: the least-squares optimum lies on sigma = 0.
    ((500.0, 0.0, 0.002), (1, 2, 4, 8, 16, 24, 32), 2, 0),
    ((500.0, 0.0, 0.002), (1, 2, 4, 8, 16, 24, 32), 2, 1),
    ((500.0, 0.0, 0.002), (1, 2, 4, 8, 16, 24, 32), 2, 3),
]


@pytest.mark.parametrize(
    ("params", "levels", "repeats", "seed"),
    NOISY_CASES,
    ids=[f"lam{p[0]:g}-sigma{p[1]:g}-kappa{p[2]:g}-seed{s}" for p, _, _, s in NOISY_CASES],
)
def test_usl_noisy_fit_matches_curve_fit(
    params: tuple[float, float, float], levels: tuple[int, ...], repeats: int, seed: int
) -> None:
    """Oracle: scipy.optimize.curve_fit (TRF, bounds [0, inf)) on the same least-squares problem.

    Both solve min sum (X_i - X(N_i))^2 with sigma, kappa >= 0 (3% multiplicative noise,
    fixed seed); converged to tight tolerances they agree to 1e-5 relative in the
    parameters. Where they differ, the engine must have the lower SSE. The SSE is
    stationary at the optimum, so 1e-5 parameter differences move it by < 1e-9 relative.
    """
    rng = np.random.default_rng(seed)
    n = np.repeat(np.array(levels, dtype=float), repeats)
    x = usl(n, *params) * (1 + 0.03 * rng.standard_normal(n.size))
    ref, _ = optimize.curve_fit(
        usl,
        n,
        x,
        p0=[x[0], 0.01, 0.001],
        bounds=([0, 0, 0], [np.inf, np.inf, np.inf]),
        xtol=1e-15,
        ftol=1e-15,
        gtol=1e-15,
        max_nfev=10000,
    )
    fit = q.USL.fit(n, x)
    got = np.array([fit.lambda_, fit.sigma, fit.kappa])
    assert np.all(got >= 0)
    sse_got = float(((usl(n, *got) - x) ** 2).sum())
    sse_ref = float(((usl(n, *ref) - x) ** 2).sum())
    assert sse_got <= sse_ref * (1 + 1e-9), f"engine {got} (SSE {sse_got}) vs curve_fit {ref} (SSE {sse_ref})"
    if not np.allclose(got, ref, rtol=1e-5, atol=1e-12):
        assert sse_got < sse_ref, f"engine {got} (SSE {sse_got}) vs curve_fit {ref} (SSE {sse_ref})"
    # r_squared and rmse as documented, recomputed from the fitted parameters.
    assert fit.rmse == pytest.approx(math.sqrt(sse_got / n.size), rel=1e-9)
    assert fit.r_squared == pytest.approx(1 - sse_got / float(((x - x.mean()) ** 2).sum()), rel=1e-9)


def test_usl_linear_scaling() -> None:
    """Oracle: X = lam N exactly is the law with sigma = kappa = 0.

    The data are exact to rounding (~1 ulp, 2.2e-16 relative). A sigma of s changes X(64)
    by 63 s relative and a kappa of k by 4032 k, so anything invisible at the 4-ulp level,
    sigma <= 1.5e-17 and kappa <= 2.5e-19, is numerically zero; larger values would be a
    worse fit than 0. The peak is then past sqrt(1 / 2.5e-19) = 2e9 (or inf).
    """
    n = np.array([1, 2, 3, 4, 8, 16, 32, 64], dtype=float)
    fit = q.USL.fit(n, 123.0 * n)
    assert fit.lambda_ == pytest.approx(123.0, rel=1e-14)
    assert 0.0 <= fit.sigma <= 1.5e-17
    assert 0.0 <= fit.kappa <= 2.5e-19
    assert fit.peak_concurrency >= 2e9
    assert fit.r_squared == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize(("sigma", "kappa"), [(0.05, 0.001), (0.0, 0.01), (0.5, 1e-4), (0.9, 0.1)])
def test_usl_peak(sigma: float, kappa: float) -> None:
    """Oracle: dX/dN = 0 at N* = sqrt((1 - sigma) / kappa); X(N*) is the maximum on a dense grid."""
    law = q.USL(100.0, sigma, kappa)
    peak = math.sqrt((1 - sigma) / kappa)
    assert law.peak_concurrency == pytest.approx(peak, rel=1e-14)
    assert law.peak_throughput == pytest.approx(float(usl(np.array(peak), 100.0, sigma, kappa)), rel=1e-14)
    grid = np.linspace(1, 10 * peak, 100001)
    assert law.peak_throughput >= float(usl(grid, 100.0, sigma, kappa).max()) * (1 - 1e-14)
    np.testing.assert_allclose(law.throughput(grid[:5]), usl(grid[:5], 100.0, sigma, kappa), rtol=1e-15)


def test_usl_contention_only_peak_throughput() -> None:
    """Oracle: with kappa = 0, X(N) -> lam / sigma (Amdahl's asymptote)."""
    law = q.USL(50.0, 0.25, 0.0)
    assert law.peak_concurrency == math.inf
    assert law.peak_throughput == pytest.approx(200.0, rel=1e-15)


@pytest.mark.parametrize(
    ("n", "x"),
    [
        ([1, 1, 2, 2], [10.0, 10.5, 19.0, 19.5]),
        ([4, 8], [30.0, 50.0]),
        ([2, 2, 2, 2, 2], [1.0, 2.0, 3.0, 4.0, 5.0]),
    ],
)
def test_usl_fit_needs_three_distinct_concurrencies(n: list[int], x: list[float]) -> None:
    """Oracle: three parameters need at least three distinct concurrencies."""
    with pytest.raises(ValueError, match="concurrency"):
        q.USL.fit(n, x)


def test_usl_fit_bad_input() -> None:
    """Oracle: the documented ranges: concurrency >= 1, throughput > 0, equal lengths."""
    with pytest.raises(ValueError, match="concurrency"):
        q.USL.fit([0.5, 1, 2, 3], [1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match="throughput"):
        q.USL.fit([1, 2, 3], [1.0, -2.0, 3.0])
    with pytest.raises(ValueError, match="equal length"):
        q.USL.fit([1, 2, 3], [1.0, 2.0])


def test_mva_textbook_example_cpu_and_disk() -> None:
    """A worked single-class MVA example as taught in performance-engineering courses
    (D_cpu = 0.5 s, D_disk = 1 s, Z = 1 s, N = 2): by hand, X(1) = 0.4/s with queue
    lengths 0.2 and 0.4, then R(2) = 0.6 + 1.4 = 2.0 s and X(2) = 2 / (2 + 1) = 2/3 /s."""
    r = q.mva([0.5, 1.0], 2, think_time=1.0, names=["cpu", "disk"])
    np.testing.assert_allclose(r.throughput, [0.4, 2.0 / 3.0], rtol=1e-14)
    np.testing.assert_allclose(r.queue_length[0], [0.2, 0.4], rtol=1e-14)
    np.testing.assert_allclose(r.residence[1], [0.6, 1.4], rtol=1e-14)
    assert r.response[1] == pytest.approx(2.0, rel=1e-14)
    assert r.bottleneck == "disk"
