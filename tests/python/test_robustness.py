"""Regression tests of issue #18: inputs that hung, filled memory or gave a silent NaN.

A case whose failure mode is a hang runs in a subprocess with a timeout (and a memory cap),
so a regression fails the test instead of stalling the suite.
"""

from __future__ import annotations

import math
import os
import resource
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import scalemodel as sm
from scalemodel import caching, queueing
from scalemodel import sim as S

# The child imports the scalemodel this process imports (the installed one in CI, python/ in a dev tree).
PYTHON_DIR = os.path.dirname(os.path.dirname(sm.__file__))


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    cap = 2 << 30
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def run_bounded(code: str, timeout_s: float = 20.0) -> str:
    """Run ``code`` (after ``import numpy as np, scalemodel as sm``) in a fresh interpreter with a time
    and 2 GiB memory cap; return its stdout. A hang or a memory blow-up fails the test."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([PYTHON_DIR, os.environ.get("PYTHONPATH", "")])}
    script = "import numpy as np\nimport scalemodel as sm\n" + textwrap.dedent(code)
    try:
        done = subprocess.run(
            [sys.executable, "-W", "error", "-c", script],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env=env,
            preexec_fn=_limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"did not return within {timeout_s} s:\n{code}")
    assert done.returncode == 0, done.stderr
    return done.stdout


# --- hangs --------------------------------------------------------------------------------
def test_che_with_a_steep_zipf_law_or_a_tiny_capacity_returns_at_once() -> None:
    # 67 s, and never for alpha 75 or capacity 1e-308, before the log-T bracket.
    out = run_bounded(
        """
        c = sm.caching
        for args in [(10, 100_000, 20_000), (75, 100_000, 20_000), (0.9, 1e5, 1e-308), (1e308, 1000, 10)]:
            for policy in ("lru", "fifo"):
                h = float(c.che_hit_ratio(*args, policy))
                t = float(c.che_characteristic_time(*args, policy))
                assert 0.0 <= h <= 1.0 and t == t, (args, policy, h, t)
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_che_extremes_give_limits() -> None:
    assert float(caching.che_hit_ratio(10, 100_000, 20_000)) == pytest.approx(1.0, abs=1e-12)
    assert float(caching.che_characteristic_time(75, 100_000, 20_000)) == math.inf
    assert 0.0 < float(caching.che_hit_ratio(0.9, 1e5, 1e-308)) < 1e-300


def test_mg1_and_ggc_median_response_with_a_huge_scv_returns_at_once() -> None:
    # 10-27 s each before the closed-form convolution.
    out = run_bounded(
        """
        q = sm.queueing
        values = [
            q.MG1(5, 0.1, 100).response_quantile(0.5),
            q.MG1(5, 0.1, 1e9).response_quantile(0.5),
            q.GGc(5, 0.1, 2, 1, 100).response_quantile(0.5),
            q.MG1(5, 1e-9, 2).response_quantile(0.99),
            *q.MG1(5, 0.1, np.logspace(-3, 3, 10)).response_quantile(0.5),
        ]
        assert all(v == v and v >= 0 for v in values), values
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_ggc_response_quantile_with_a_huge_scv_matches_the_previous_quadrature() -> None:
    # The values the slow quadrature gave (to its 1e-12 tolerance).
    assert float(queueing.MG1(5, 0.1, 100).response_quantile(0.5)) == pytest.approx(
        1.1274801994014484e-11, rel=1e-9
    )
    assert float(queueing.GGc(5, 0.1, 2, 1, 100).response_quantile(0.5)) == pytest.approx(
        1.6812122877297837e-25, rel=1e-9
    )
    assert float(queueing.MG1(5, 0.1, 100).response_quantile(0.99)) == pytest.approx(
        44.89060765290154, rel=1e-9
    )


def test_on_off_arrivals_with_rare_bursts_or_endless_off_periods_do_not_hang() -> None:
    out = run_bounded(
        """
        r = sm.sim.simulate_queue(sm.sim.OnOff(16, 1e-9, 1), 0.1, customers=2000, replications=2)
        assert r.stable and r.mean_response == r.mean_response
        print(r.throughput)
        try:
            sm.sim.simulate_queue(sm.sim.OnOff(16, 1, 1e308), 0.1, customers=2000)
        except ValueError as e:
            assert "arrival_rate" in str(e)
            print("refused")
        """
    )
    throughput, refused = out.split()
    # The mean rate is 16 x 1e-9 / (1 + 1e-9); 2000 arrivals give it within ~5%.
    assert float(throughput) == pytest.approx(1.6e-8, rel=0.1)
    assert refused == "refused"


def test_on_off_fast_path_keeps_the_mean_rate() -> None:
    # Bursts of ~1/20 arrival: drawn an arrival at a time; the rate must match the law.
    r = S.simulate_queue(S.OnOff(1.0, 0.05, 0.95), 0.01, customers=20_000, warmup=0, replications=2, seed=3)
    assert r.throughput == pytest.approx(0.05, rel=0.05)


def test_bursty_limiter_trace_is_sized_by_its_in_burst_rate() -> None:
    out = run_bounded(
        """
        for call in (
            lambda: sm.sim.limiter_trace("bursty", rate=100, duration_s=10, on_s=1, off_s=1e9),
        ):
            try:
                call()
            except ValueError as e:
                assert "on_s" in str(e), e
                print("refused")
        """
    )
    assert out.strip() == "refused"


def test_sweep_refuses_a_run_list_too_long_to_build() -> None:
    out = run_bounded(
        """
        for kw in ({"replications": 10**30}, {}):
            grid = {"a": [1]} if kw else {"a": range(10**5), "b": range(10**5)}
            try:
                sm.sweep(lambda a, b=0: a, grid, **kw)
            except ValueError as e:
                print("refused")
        """
    )
    assert out.split() == ["refused", "refused"]


# --- silently wrong or NaN ------------------------------------------------------------------
def test_overloaded_station_is_unstable_with_inf_delays() -> None:
    r = S.simulate_queue(12.0, 1.0, servers=10, customers=5_000, replications=2)
    assert not r.stable
    assert r.mean_response == math.inf and r.response_quantile(0.99) == math.inf
    assert not queueing.MMc(12.0, 1.0, 10).stable


def test_permanent_outage_of_every_server_is_unstable_not_nan() -> None:
    r = S.simulate_queue(8.0, 1.0, servers=10, customers=5_000, replications=2, outages=[S.Outage(at_s=10)])
    assert not r.stable
    assert r.mean_response == math.inf and r.response_quantile(0.99) == math.inf


def test_a_load_a_buffer_sheds_stays_stable() -> None:
    r = S.simulate_queue(12.0, 1.0, servers=10, capacity=20, customers=5_000, replications=2)
    assert r.stable and math.isfinite(r.mean_response) and r.drop_rate > 0


def test_runs_that_cannot_measure_anything_are_refused() -> None:
    with pytest.raises(ValueError, match="arrival_rate"):
        S.simulate_queue(1e-308, 1.0)
    with pytest.raises(ValueError, match="customers"):
        S.simulate_queue(8.0, 1.0, customers=1)


def test_mg1_tail_is_continuous_into_md1() -> None:
    md1 = float(queueing.MG1(5, 0.1, 0.0).wait_quantile(0.99))
    for scv in [1e-17, 1e-12, 1e-8, 1e-5]:
        w = float(queueing.MG1(5, 0.1, scv).wait_quantile(0.99))
        assert w == pytest.approx(md1, rel=20 * scv**0.5 + 1e-12), scv
    for scv in [1e-16, 1e-13, 1e-12]:  # Boost's incomplete gamma threw RuntimeError here
        r = float(queueing.MG1(5, 0.1, scv).response_quantile(0.99))
        assert r == pytest.approx(0.1 + md1, rel=1e-5)
        assert math.isfinite(float(queueing.GGc(5, 0.1, 2, 1, scv).response_quantile(0.99)))


def test_small_scv_gamma_distribution_is_near_deterministic() -> None:
    g = sm.distributions.Gamma(1.0, 1e-14)
    assert float(g.quantile(0.5)) == pytest.approx(1.0, rel=1e-6)
    assert float(g.cdf(1.001)) == 1.0 and float(g.cdf(0.999)) == 0.0


def test_zipf_sums_with_a_huge_exponent_are_not_nan() -> None:
    assert float(caching.ttl_hit_ratio(1e308, 1e4, 120, 1000)) == pytest.approx(1 - 1 / (1 + 120_000))
    assert float(caching.top_share(1e308, 1e4, 0.2)) == 1.0


def test_periodic_trace_at_a_subnormal_rate_is_empty() -> None:
    # The first arrival is one gap (inf) after 0.
    assert S.limiter_trace(S.Periodic(5e-324), duration_s=10).size == 0


def test_overloaded_consumer_group_is_unstable_with_inf_latency() -> None:
    for args in [(4, 4, 4000.0, 500.0, 10.0), (4, 3, 1e7, 500.0, 1.0), (4, 4, 10.0, 1e-9, 10.0)]:
        r = S.simulate_consumer_group(*args, replications=2)
        assert not r.stable, args
        assert r.estimate("mean_latency") == math.inf, args
        # The lag of a replication stopped at MAX_BACKLOG is unbounded from then on, not NaN.
        assert not r.lag_series.isna().any().any(), args
    assert S.simulate_consumer_group(4, 4, 1000.0, 500.0, 10.0, replications=2).stable


# --- NaN from finite valid input: a limit, or an error naming the parameter ------------------
@pytest.mark.parametrize(
    "call",
    [
        lambda: queueing.MMcK(1e20, 10, 4, 10).response_quantile(0.99),
        lambda: queueing.MMcK(36, 1e-308, 4, 10).utilization,
        lambda: queueing.MMcK(1.0, 1e-308, 4, 14).response_quantile(0.5),
        lambda: queueing.MMcK(1.7e308, 1.7e308, 3, 16).response_quantile(0.5),
        lambda: queueing.MG1(5e-324, 5e-324, 5e-324).response_quantile(0.5),
        lambda: queueing.jackson([1e308, 1e308], [[0, 0], [0, 0]], [1, 1], [1, 1]).mean_response,
        lambda: sm.reliability.ctmc_availability(2, 3, 1e-308, 3600, 1).availability,
        lambda: queueing.USL(1.0, 1.0, 0.0).throughput(0.0),
        lambda: queueing.MMc(0.0, 5e-324, 1).mean_in_system,
        lambda: queueing.jackson([0.0, 1.7e143], [[0, 0.5], [0, 0]], [5e-324, 5e-324], [1, 1]).mean_response,
        lambda: queueing.USL(1e300, 0.1, 0.01).throughput(1e300),
    ],
)
def test_finite_input_gives_no_nan(call) -> None:
    assert not np.isnan(call())


def test_limits_of_extreme_closed_forms() -> None:
    assert float(queueing.MMcK(36, 1e-308, 4, 10).utilization) == pytest.approx(1.0)
    assert float(queueing.MMcK(1e20, 10, 4, 10).response_quantile(0.99)) > 0
    assert float(queueing.MMcK(1.0, 1e-308, 4, 14).response_quantile(0.5)) == math.inf  # past 1e308 s
    assert queueing.jackson([1e308, 1e308], [[0, 0], [0, 0]], [1, 1], [1, 1]).mean_response == math.inf
    assert sm.reliability.ctmc_availability(2, 3, 1e-308, 3600, 1).availability == pytest.approx(
        0.0, abs=1e-300
    )
    with pytest.raises(ValueError, match="daily_active_users"):
        sm.cost.estimate_traffic(1e308, 50, 0.1, 3)


def test_nan_targets_raise() -> None:
    for fn in (queueing.max_arrival_rate, queueing.min_servers):
        with pytest.raises(ValueError, match="prob_wait"):
            fn(10, 16, prob_wait=math.nan, utilization=0.8)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: queueing.USL(math.nan, 0.1, 0.01), "lambda_"),
        (lambda: queueing.USL(-1000, -1, -1), "lambda_"),
        (lambda: queueing.USL(10, -1, 0.01), "sigma"),
        (lambda: queueing.USL(10, 0.1, 0.01).throughput(-1), "concurrency"),
        (lambda: queueing.mva([0.1, 0.2], 10, delay=[-1, 0]), "delay"),
        (lambda: queueing.mva([0.1, 0.2], 10, delay=math.nan), "delay"),
        (lambda: queueing.mva([0.1, 0.2], 10, delay=[0.5, 0.5]), "delay"),
        (lambda: S.assign_partitions(7, 0), "consumers"),
        (lambda: S.OnOff(16, -1, 1), "mean_on_s"),
        (lambda: S.OnOff(16, 0, 1), "mean_on_s"),
        (lambda: S.Outage(at_s=math.nan), "at_s"),
        (lambda: sm.distributions.Exponential(10**400), "mean"),
        (lambda: S.simulate_queue(10**400, 1.0), "arrival_rate"),
        (lambda: queueing.MMc(10**400, 1.0, 2), "arrival_rate"),
        (lambda: sm.reliability.t_visibility(3, consistency="x"), "consistency"),
        (lambda: sm.hashing.redis_slot(["ok", "\ud800"]), "UTF-8"),
    ],
)
def test_bad_input_is_a_value_error_naming_the_parameter(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_second_moment_overflows_to_inf() -> None:
    assert sm.distributions.Exponential(1e308).second_moment == math.inf


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: S.ItemSizes("fixed", math.nan), "size_bytes"),
        (lambda: S.ItemSizes.fixed(-1), "size_bytes"),
        (lambda: S.ItemSizes.lognormal(100, math.inf), "sigma"),
        (lambda: S.ItemSizes.pareto(10, -1), "shape"),
    ],
)
def test_item_sizes_check_their_fields_at_construction(make, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()


def test_bursty_limiter_simulations_are_sized_by_their_in_burst_rate() -> None:
    out = run_bounded(
        """
        bursty = dict(rate=100, duration_s=10, on_s=1, off_s=1e9)
        for call in (
            lambda: sm.sim.simulate_limiter("token_bucket", 10, 1.0, "bursty", **bursty),
            lambda: sm.sim.simulate_racy_token_bucket(10, 10, 0.001, "bursty", replications=2, **bursty),
        ):
            try:
                call()
            except ValueError as e:
                assert "on_s" in str(e), e
                print("refused")
        """
    )
    assert out.split() == ["refused", "refused"]


@pytest.mark.parametrize(
    "call",
    [
        # One replication of 1e10 customers (minutes): Ctrl-C must stop it inside the replication.
        lambda: S.simulate_queue(0.5, 1.0, customers=10**10, replications=1, threads=1),
        lambda: S.simulate_cache("lru", 1000, 10_000, 0.9, 10**11, replications=1, threads=1),
    ],
    ids=["station", "cache"],
)
def test_ctrl_c_stops_a_single_long_replication(call) -> None:
    import _thread
    import threading
    import time

    timer = threading.Timer(0.5, _thread.interrupt_main)
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        call()
    assert time.monotonic() - start < 5.0
    timer.join()


def test_overload_after_a_permanent_outage_keeps_the_delays_before_it() -> None:
    # 8 req/s on 2 x 5 servers of 1 s is fine; after backend 0 dies for good 5 servers get 8.
    r = S.simulate_balancer(
        "random", 2, 8.0, 1.0, servers_per_backend=5, customers=4_000, warmup=0,
        outages=[S.Outage(at_s=200.0, backend=0)], replications=2,
    )  # fmt: skip
    assert not r.stable
    assert r.estimate("mean_response_after") == math.inf and r.mean_response == math.inf
    assert math.isfinite(r.estimate("mean_response_before"))
    assert math.isfinite(r.response_quantile_before(0.99)) and r.response_quantile_after(0.99) == math.inf


# --- the CLI: every input problem is exit 2 with one line naming the key or path ---------------
def _plan_cli(tmp_path, capsys, *, edit=None, out=None, sets=()):
    from scalemodel.cli import main

    text = sm.plan.example_path("twitter").read_text()
    for old, new in edit or []:
        text = "\n".join(new if line.startswith(old) else line for line in text.splitlines())
    scenario = tmp_path / "s.toml"
    scenario.write_text(text)
    args = ["plan", str(scenario), "--out", str(out or tmp_path / "report"), "--sensitivity", "0"]
    for item in sets:
        args += ["--set", item]
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err.strip()


@pytest.mark.parametrize(
    ("edit", "sets", "key"),
    [
        ([("daily_active", "daily_active = 1" + "0" * 320)], (), "users.daily_active"),
        ([("replication", "replication = 1" + "0" * 320)], (), "data.replication"),
        ((), ("users.daily_active=1" + "0" * 320,), "users.daily_active"),
        ([("daily_active", "daily_active = 1e308")], (), "users.daily_active"),
        ([("bytes_per_write", "bytes_per_write = 1e308")], (), "data.bytes_per_write"),
        ([("media_bytes_per_user_per_day", 'media_bytes_per_user_per_day = "1e308 B"')], (), "data.media_bytes_per_user_per_day"),
        ([("cpu_time", 'cpu_time = "1e-308 s"')], (), "app.cpu_time"),
        ([("cpu_time", 'cpu_time = "1e308 s"')], (), "app.cpu_time"),
        ([("years", "years = 1e15")], (), "scenario.years"),
        ([("peak_to_average", "peak_to_average = 1e15")], (), "users"),
    ],
)  # fmt: skip
def test_cli_input_beyond_range_is_exit_2_naming_the_key(tmp_path, capsys, edit, sets, key: str) -> None:
    code, _out, err = _plan_cli(tmp_path, capsys, edit=edit, sets=sets)
    assert code == 2, err
    assert err.startswith("error: ") and "\n" not in err and key in err, err
    assert "Traceback" not in err and not (tmp_path / "report").exists()


@pytest.mark.parametrize("below", ["", "sub/dir"])
def test_cli_unwritable_out_is_exit_2_before_planning(tmp_path, capsys, below: str) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    out = blocker / below if below else blocker
    code, printed, err = _plan_cli(tmp_path, capsys, out=out)
    assert code == 2 and "\n" not in err and "--out" in err and str(blocker.name) in err, err
    assert printed == ""  # nothing planned
    from scalemodel.cli import main

    assert main(["whatif", "--out", str(out)]) == 2


def test_scaling_options_beyond_reach_give_limits_not_nan() -> None:
    frame = sm.plan.scaling_options(2000, 0.5, 0.5)
    assert (frame["machines"] == math.inf).all()
    assert (frame["utilization"] == 0.0).all()
    # p99 of one exponential request of 0.5 s alone: 0.5 ln 100.
    np.testing.assert_allclose(frame["p99_s"], 0.5 * math.log(100))
    assert not frame.drop(columns="limited_by").isna().any().any()


def test_sensitivity_refuses_nan() -> None:
    scenario = sm.plan.plan_file(sm.plan.example_path("startup")).scenario
    for bad in (math.nan, [0.1, math.inf], []):
        with pytest.raises(ValueError, match="changes"):
            sm.plan.sensitivity(scenario, bad)
    with pytest.raises(TypeError, match="scenario"):
        sm.plan.sensitivity(math.nan)


def test_mmpp_switching_far_faster_than_its_arrivals_returns_at_once() -> None:
    # Both states with arrivals, ~1e9 switches per arrival: a switch-by-switch walk never
    # returned (and could not be stopped); the merged Poisson + on/off streams are O(1).
    out = run_bounded(
        """
        for a in (sm.arrivals.MMPP(1.0, 0.5, 1e-9, 1e-9), sm.arrivals.MMPP(0.0, 2.0, 1e-9, 3e-9)):
            r = sm.sim.simulate_queue(a, 0.1, customers=20_000, replications=4, seed=1)
            lo, hi = r.ci("throughput", 0.999)
            assert lo < a.rate < hi, (a, r.ci("throughput"))
        print("ok")
        """,
        timeout_s=30,
    )
    assert out.strip() == "ok"


def test_mmpp_fast_switching_path_keeps_the_rate_of_each_state() -> None:
    # Just inside the fast path (0.06 arrivals per cycle): the mean rate is the states' mix.
    a = sm.arrivals.MMPP(2.0, 0.5, 0.02, 0.04)
    r = S.simulate_queue(a, 0.01, customers=40_000, warmup=0, replications=4, seed=5)
    lo, hi = r.ci("throughput", 0.999)
    assert lo < a.rate < hi


# --- what the whole-API fuzz suite found (tests/python/test_fuzz.py) --------------------------
def _hand_built_scenario(**users):
    s = {k: dict(v) for k, v in sm.plan.plan_file(sm.plan.example_path("startup")).scenario.items()}
    s["users"].update(users)
    return s


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: queueing.why_no_servers("x", response_time=0.5), TypeError, "service_rate"),
        (lambda: queueing.why_no_servers(1.0, response_time=0.5, quantile=5), ValueError, "quantile"),
        (lambda: queueing.mva([0.1, 0.2], 5, think_time=[1.0]), TypeError, "think_time"),
        (lambda: queueing.mva([0.1, 0.2], 5, names=5.0), TypeError, "names"),
        (lambda: queueing.jackson([1.0, 0.5], [[0, 0.5], [0, 0]], [4.0, 3.0, 2.0], [1, 2]), ValueError, "service_rates"),
        (lambda: sm.cost.topic_sizing("x", 300, 500, 6, 4), TypeError, "message_rate"),
        (lambda: sm.cost.shard_count(5e4, 1e200), ValueError, "storage_bytes"),
        (lambda: sm.arrivals.Profile([0.0, 10.0], [5.0, 10.0], period_s="x"), TypeError, "period_s"),
        (lambda: sm.sweeps.point_seed(1, -1, 0), ValueError, "point"),
        (lambda: sm.hashing.spread_vs_vnodes(["a", "b"], 5), TypeError, "vnodes"),
        (lambda: sm.hashing.movement_vs_size([sm.hashing.Jump(3)], ["x"], ["k"]), TypeError, "sizes"),
        (lambda: S.limiter_trace("", rate=10.0, duration_s=1.0), ValueError, "arrivals"),
        (lambda: S.limiter_trace("\ud800", rate=10.0, duration_s=1.0), ValueError, "arrivals"),
        (lambda: S.simulate_consumer_group(4, 2, 100.0, 80.0, 20.0, service="\ud800"), ValueError, "service"),
        (lambda: S.simulate_consumer_group(4, 2, 100.0, 80.0, 20.0, events=-1), TypeError, "events"),
        (lambda: S.min_backends("random", math.inf, 0.1, 1.0), ValueError, "arrival_rate"),
        (lambda: sm.calibrate.fit_exponential([1e308, 1e308]), ValueError, "samples"),
        (lambda: sm.calibrate.fit_arrivals([0.0, 1.0, 2.0], window_s=5e-324), ValueError, "window_s"),
        (lambda: sm.calibrate.fit_arrivals([0.0, 1.0, 2.0], window_s=1e12), ValueError, "window_s"),
        (lambda: sm.calibrate.fit_service([0.1, 0.2], families=[[1.0]]), ValueError, "families"),
        (lambda: sm.calibrate.read_nginx([1.0]), TypeError, "source"),
        (lambda: sm.plan.make_plan(_hand_built_scenario(daily_active="x")), ValueError, "users.daily_active"),
        (lambda: sm.plan.plan_text("[users]", catalogue=1.0), TypeError, "catalogue"),
        (lambda: sm.plan.cache_hit_ratio(None), TypeError, "cache"),
        (lambda: sm.plan.example_path(""), ValueError, "name"),
        (lambda: sm.plan.ring_imbalance(math.nan), TypeError, "nodes"),
        (lambda: sm.scenario.section_defaults("x"), ValueError, "section"),
        (lambda: sm.reliability.durability([1.0]), ValueError, "mechanism"),
        (lambda: sm.distributions.Uniform(1, 3).cdf(-(10**400)), ValueError, "x"),
        (lambda: sm.plan.Service(0.02).max_rate(-math.inf, response_time=0.5), TypeError, "vcpus"),
        (lambda: sm.plan.Service(10**400), ValueError, "mean_s"),
        (lambda: sm.reliability.redis_rdb_crash(1.0, 100.0, clock_s=math.nan), ValueError, "clock_s"),
        (lambda: S.min_backends("random", 10.0, 0.1, 1.0, down=1.7e16), ValueError, "down"),
        (lambda: queueing.min_servers(5.9e16, 10.0, response_time=0.5), ValueError, "arrival_rate"),
        (lambda: queueing.min_servers(5.9e16, 10.0, response_time=0.5, service_scv=0.5), ValueError, "arrival_rate"),
        (lambda: sm.hashing.movement_vs_size([sm.hashing.Jump(3)], [4.7e16], ["k"]), ValueError, "sizes"),
        (lambda: sm.calibrate.read_nginx(["x"], strict=True), ValueError, "source"),
        (lambda: sm.plan.scaling_options(2000, 0.05, 0.5, max_utilization="x"), TypeError, "max_utilization"),
        (lambda: sm.plan.scaling_options(2000, 0.05, 0.5, max_utilization=1e-308), ValueError, "max_utilization"),
        (lambda: sm.calibrate.fit_lognormal([1.59e16, 1.389e15, 5e-324, 1e12]), ValueError, "samples"),
        (lambda: S.simulate_cache("lru", 50, 1000, 0.9, 5000, sizes=2**64, replications=2), ValueError, "sizes"),
        (lambda: sm.arrivals.MMPP(1e-300, 1e-300, 1e-300, 1e-300), ValueError, "rate_high must be large enough"),
        (lambda: sm.hashing.BoundedLoad(["a", "b"], eps=10**400), ValueError, "eps"),
        (lambda: S.simulate_distributed_limiter("token_bucket", 10, 1.0, "\ud800", 2), ValueError, "arrivals"),
        (lambda: sm.reliability.kafka_durability(acks="\ud800"), ValueError, "acks"),
        (lambda: queueing.why_no_servers(2.2e-309, response_time=0.5), ValueError, "service_rate"),
        (lambda: queueing.mva([0.1, 0.2], 10**12), ValueError, "population x stations"),
        (lambda: S.zipf_requests(100, 0.9, 10**12), ValueError, "count"),
        (lambda: sm.reliability.redis_rdb_crash([10**400, -1e-5], 100.0), ValueError, "crash_s"),
        (lambda: sm.reliability.redis_rdb_crash([1.0, None], 100.0), TypeError, "crash_s"),
        (lambda: queueing.jackson([1.0, 1.0], [[0, 0], [0, 0]], [2.0, 2.0], servers=[[1, 2]]), ValueError, "servers"),
        (lambda: sm.calibrate.fit_arrivals([0.0, 1.0, 2.0, 3.0, 9.0], mmpp=7e16), TypeError, "mmpp"),
        (lambda: sm.plan.scaling_options(10**400, 0.05, 0.5), ValueError, "arrival_rate"),
        (lambda: queueing.max_arrival_rate(1.7e308, 4, utilization=0.8), ValueError, "service_rate x servers"),
    ],
)  # fmt: skip
def test_fuzz_findings_name_their_parameter(call, error, match: str) -> None:
    with pytest.raises(error, match=match):
        call()


def test_a_hand_built_plan_with_an_absurd_horizon_is_refused_at_once() -> None:
    # years = 2**63 built a list of year marks until memory ran out.
    s = _hand_built_scenario()
    s["scenario"]["years"] = 2**63
    with pytest.raises(ValueError, match=r"scenario\.years"):
        sm.plan.make_plan(s)


def test_a_hand_built_plan_with_a_required_key_set_to_none_names_it() -> None:
    s = _hand_built_scenario()
    s["scenario"]["years"] = None
    with pytest.raises(ValueError, match=r"scenario\.years"):
        sm.plan.make_plan(s)


def test_uniform_scv_past_double_range_is_not_nan() -> None:
    assert sm.distributions.Uniform(1, 4.27e198).scv == pytest.approx(1 / 12)
    assert sm.distributions.Uniform(1, 3).scv == 1 / 12  # the usual formula, bit for bit


def test_empirical_moments_of_extreme_samples_are_not_nan() -> None:
    tiny = sm.distributions.Empirical([1e-308])
    assert tiny.mean == 1e-308 and tiny.scv == 0.0
    pair = sm.distributions.Empirical([1e-200, 3e-200])
    assert pair.mean == pytest.approx(2e-200) and pair.scv == pytest.approx(0.25)
    huge = sm.distributions.Empirical([1e308, 1.5e308])
    assert huge.mean == pytest.approx(1.25e308) and huge.scv == pytest.approx(0.04)


def test_min_backends_beyond_max_backends_finds_none_at_once() -> None:
    found = S.min_backends("random", 1e12, 0.1, 1.0, max_backends=50)
    assert found.backends is None


def test_a_scenario_with_a_steep_zipf_law_and_a_billion_objects_plans_at_once() -> None:
    # Che's approximation ran for minutes, reachable from the CLI.
    out = run_bounded(
        """
        text = sm.plan.example_path("twitter").read_text().replace(
            "hit_ratio = 0.95", "zipf_alpha = 50\\nobjects = 1e9"
        )
        p = sm.plan.plan_text(text)
        print(p.scenario["cache"]["hit_ratio"])
        """
    )
    assert float(out) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: sm.reliability.Exponential(math.nan), ValueError, "mean"),
        (lambda: sm.reliability.Weibull(-1, 2), ValueError, "mean"),
        (lambda: sm.reliability.Lognormal(math.inf), ValueError, "mean"),
        (lambda: sm.reliability.simulate_availability(3, mtbf_s=-1, mttr_s=10), ValueError, "mtbf_s"),
        (lambda: sm.reliability.simulate_partition(partitions_per_day=-1, duration_s=10), ValueError, "partitions_per_day must be a finite number > 0, got -1"),
        (lambda: S.simulate_queue(8, 1, outages=5), TypeError, "outages"),
        (lambda: sm.hashing.KeyStream("zipf", 10, exponent="x"), TypeError, "exponent"),
    ],
)  # fmt: skip
def test_issue_messages_name_the_parameter_in_the_users_units(call, error, match: str) -> None:
    with pytest.raises(error, match=match):
        call()
