"""Time-varying Poisson arrivals (sm.arrivals.Profile): arrivals per window against the
integral of the rate, the shapes' rates, the long-run rate, and argument checks."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import scalemodel as sm

P = sm.arrivals.Profile


def window_counts(profile, requests, window_s, replications=20):
    r = (
        sm.sim.System(arrivals=profile)
        .tier("sink", 1, 0, concurrency=100_000)
        .simulate(requests=requests, warmup=0, replications=replications, seed=1, window_s=window_s)
    )
    return r.timeseries()["arrivals"].to_numpy(), replications


def expected_counts(profile, windows, window_s):
    out = []
    for w in range(windows):
        t = np.linspace(w * window_s, (w + 1) * window_s, 2001)
        rate = profile.rate_at(t)
        out.append(float(np.sum((rate[1:] + rate[:-1]) / 2 * np.diff(t))))  # exact for linear pieces
    return np.array(out)


@pytest.mark.parametrize(
    "profile",
    [
        P.spike(100, 300, at_s=60, duration_s=30, ramp_s=10),
        P.daily(50, 1.8, period_s=200),
        P([0, 20, 20, 40, 100], [10, 80, 30, 30, 5]),
        P.series([40, 200, 10, 90], window_s=25),
    ],
)
def test_arrivals_per_window_follow_the_integral_of_the_rate(profile):
    window_s = 10.0
    counts, reps = window_counts(profile, 40_000, window_s)
    windows = 12
    mean = expected_counts(profile, windows, window_s)
    # Poisson counts: the mean over replications has standard deviation sqrt(mean / reps).
    z = (counts[:windows] - mean) / np.sqrt(mean / reps)
    assert np.all(np.abs(z) < 4.5), z


def test_shapes_and_long_run_rates():
    s = P.step(10, 40, at_s=5)
    assert s.rate_at([0, 4.9, 5, 100]).tolist() == [10, 10, 40, 40]
    assert s.rate == 40
    spike = P.spike(100, 300, at_s=60, duration_s=30, ramp_s=10)
    assert spike.rate_at([0, 65, 70, 95, 200]).tolist() == [100, 200, 300, 300, 100]
    daily = P.daily(50, 2.0, peak_at_s=600, period_s=1000, knots=200)
    assert daily.rate == pytest.approx(50)
    assert daily.rate_at(600) == pytest.approx(100) and daily.rate_at(1600) == pytest.approx(100)
    assert daily.rate_at(100) == pytest.approx(0, abs=1e-9)
    series = P.series([10, 50, 20], window_s=5)
    assert series.rate_at([1, 6, 11, 100]).tolist() == [10, 50, 20, 20]


def test_a_profile_that_falls_to_zero_ends_the_stream():
    counts, reps = window_counts(P([0, 10, 10], [5, 5, 0]), 10_000, 10.0, replications=40)
    assert counts.size == 1
    assert counts[0] == pytest.approx(50, abs=4.5 * np.sqrt(50 / reps))


def test_profiles_pickle_and_drive_every_simulator():
    p = P.spike(5, 20, at_s=100, duration_s=50)
    q = pickle.loads(pickle.dumps(p))
    assert np.array_equal(q.times, p.times) and q.rate == p.rate
    r = sm.sim.simulate_queue(p, 0.05, customers=2_000, replications=2)
    assert r.stable


@pytest.mark.parametrize(
    ("times", "rates", "period", "match"),
    [
        ([1, 2], [1, 1], None, "start at 0"),
        ([0, 2, 1], [1, 1, 1], None, "not decrease"),
        ([0, 1], [1, -1], None, "rates"),
        ([0, 1], [0, 0], None, "not all be zero"),
        ([0, 1], [1], None, "equal length"),
        ([0, 10], [1, 2], 5, "period_s"),
        ([0, np.inf], [1, 2], None, "times"),
    ],
)
def test_bad_profiles_name_the_parameter(times, rates, period, match):
    with pytest.raises(ValueError, match=match):
        P(np.array(times, dtype=float), np.array(rates, dtype=float), period)
