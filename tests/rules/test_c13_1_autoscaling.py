"""C13.1: auto-scaling groups that "scale based on CPU" and replace a dead instance "in
minutes" (the guide's Netflix example), checked with the system simulator's target
tracking (sm.sim.Autoscale) over a daily cycle with a spike.

The guide gives no workload, so these are assumptions: an app tier of m5.large instances
(2 vCPUs, one request per vCPU at a time, $75 a month in the bundled catalogue) behind a
least-outstanding-requests balancer; each request takes an exponential 100 ms of CPU;
Poisson traffic of 100 requests/s on average over a daily sinusoid whose peak is 1.5x the
mean (150/s at 8 pm, 50/s at 8 am: the ALB-style day of a consumer service) with one spike
that doubles the traffic for 10 minutes at 2 pm (to 200/s, above the evening peak); an SLO
of a p99 of at most 1 s in every minute (failures count as slow). The autoscaler has the
usual cloud settings: CPU averaged over 3 minutes, evaluated every minute, 5-minute
cooldowns and a 5-minute warm-up.

To keep a test at a few seconds the day is compressed 12x: a 2-hour period in which every
autoscaler and SLO time constant is divided by 12 (a 5 s evaluation for 1 minute, a 25 s
warm-up for 5 minutes, 5 s SLO windows for 1 minute) while the request's CPU time is
not, so queues settle within a window as they do in real time and backlogs build and
drain at real rates; minutes below are real minutes (simulated seconds x 12 / 60). The
cost is fewer requests per SLO window (500 against 6,000), which only makes the per-minute
p99 noisier. Figures are over 2 replications (whole days) or more, each stated.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from verdicts import CONDITIONAL, Verdict, across

import scalemodel as sm

C13_1 = Verdict(
    "C13.1",
    CONDITIONAL,
    conditions="CPU target tracking follows the daily cycle itself with no missed minute at any "
    "target up to 0.75, and a dead instance is back within interval + warm-up (6 minutes); but "
    "a sudden spike is met only by the headroom the target leaves, since new instances arrive "
    "after detection plus warm-up: a 2x spike keeps the p99 within its SLO only at targets of "
    "0.45-0.5, where the fleet costs as much as (or 10% more than) a fixed fleet sized for the "
    "spike; targets of 0.6-0.75 save 16-32% but miss the p99 for most of the spike",
    figures="100 ms requests on m5.large, a day peaking at 1.5x its mean, a 10-minute 2x spike, "
    "p99 SLO 1 s: the fixed fleet for the spike is 11 instances (264 instance-hours a day, $825 "
    "a month); tracking at 0.45: 0 missed minutes, 292 hours ($913); 0.5: 0-1 minute, 264 "
    "hours; 0.6: 7-10 minutes, 16% saved ($694); 0.75: 15 minutes, 32% saved ($561); at 0.6 "
    "the missed minutes go from 3-9 to 10-11 to 13-15 as warm-up goes from 2 to 5 to 10 "
    "minutes; a dead instance costs no minute",
)

K = 12.0  # time compression: one real second is 1/K simulated second
DAY_S = 86_400 / K
MEAN_RATE, PEAK_TO_MEAN = 100.0, 1.5
CPU_S, VCPUS = 0.100, 2
SLO_S = 1.0
SPIKE_AT_H, SPIKE_MIN, SPIKE_FACTOR = 14.0, 10.0, 2.0
INSTANCE = "m5.large"


def _sim_s(real_s: float) -> float:
    return real_s / K


def _minutes(sim_s: float) -> float:
    return sim_s * K / 60


def _traffic(*, start_h: float = 0.0, hours: float = 24.0, spike: bool = True) -> sm.arrivals.Profile:
    """The day's rate (the daily sinusoid's knots with the spike stepped in), from start_h for
    `hours` real hours, compressed K times and starting at simulated time 0."""
    day = sm.arrivals.Profile.daily(
        MEAN_RATE, PEAK_TO_MEAN, peak_at_s=_sim_s(20 * 3600), period_s=DAY_S, knots=288
    )
    t0, t1 = _sim_s(SPIKE_AT_H * 3600), _sim_s(SPIKE_AT_H * 3600 + SPIKE_MIN * 60)
    lo, hi = _sim_s(start_h * 3600), _sim_s((start_h + hours) * 3600)
    knots = np.unique(np.concatenate([day.times, [t0, t1, lo, hi]]))
    times, rates = [], []
    for t in knots[(knots >= lo) & (knots <= hi)]:
        r = float(day.rate_at(t))
        if spike and t in (t0, t1):  # a step: the rate before and after, at one time
            times += [t, t]
            rates += [r, r * SPIKE_FACTOR] if t == t0 else [r * SPIKE_FACTOR, r]
        else:
            times.append(t)
            rates.append(r * (SPIKE_FACTOR if spike and t0 < t < t1 else 1.0))
    return sm.arrivals.Profile(np.asarray(times) - lo, np.asarray(rates))


def _autoscale(target: float, warmup_min: float = 5.0) -> sm.sim.Autoscale:
    return sm.sim.Autoscale(
        min_servers=1,
        max_servers=60,
        target=target,
        interval_s=_sim_s(60),
        window_s=_sim_s(180),
        scale_out_cooldown_s=_sim_s(300),
        scale_in_cooldown_s=_sim_s(300),
        warmup_s=_sim_s(warmup_min * 60),
    )


def _run(
    traffic: sm.arrivals.Profile,
    hours: float,
    *,
    servers: int,
    autoscale: sm.sim.Autoscale | None = None,
    outage_at_h: float | None = None,
    replications: int = 2,
    seed: int = 131,
) -> sm.sim.SystemResult:
    system = sm.sim.System(arrivals=traffic)
    system.tier(
        "app",
        servers,
        sm.distributions.Exponential(CPU_S),
        concurrency=VCPUS,
        policy="least_connections",
        autoscale=autoscale,
    )
    if outage_at_h is not None:
        system.outage("app", at_s=_sim_s(outage_at_h * 3600), servers=1)
    expected = float(np.trapezoid(traffic.rates, traffic.times))
    return system.simulate(
        requests=int(expected),
        warmup=0,
        replications=replications,
        seed=seed,
        window_s=_sim_s(60),
        slo_s=SLO_S,
    )


def _start(traffic: sm.arrivals.Profile, target: float) -> int:
    """The size target tracking settles at for the starting rate."""
    return math.ceil(float(traffic.rate_at(0.0)) * CPU_S / (VCPUS * target))


def _missed_hours(r: sm.sim.SystemResult) -> np.ndarray:
    """Real clock hours (from the run's start) of the windows whose p99 missed the SLO, from
    the replication-averaged time series."""
    ts = r.timeseries()
    answered = ts["completed"] + ts["failed"]
    bad = ts[(ts["slow"] + ts["failed"]) > 0.01 * answered]
    return np.asarray(bad.index) * K / 3600


def test_c13_1_autoscaler_follows_the_hand_computed_schedule() -> None:
    """C13.1 (the model) Target tracking on a step load with deterministic service, against
    a schedule computed by hand from the documented rule. Requests of exactly 0.5 s arrive
    evenly, 1.2/s until 105 s, 3.2/s until 305 s, then 0.8/s, round robin over 1-CPU servers
    (no queueing: utilization is exactly the offered work over the active servers); start 2,
    min 2, target 0.5, evaluation every 10 s over 30 s, cooldowns 25 s out and 60 s in,
    warm-up 25 s. By hand (desired = ceil(active x utilization / 0.5)):
    t=120: utilization (15x0.6 + 15x1.6)/60 = 0.55, desired 3: launch 1 (warm at 145);
    t=130, 140: desired 3, then 4, held by the 25 s scale-out cooldown;
    t=150: 3 active at (25x1.6)/(25x2 + 5x3) = 0.615 -> ceil(4.43) = 5: launch 2 (warm at 175);
    t=190, 200: desired 4 but the scale-in cooldown (60 s after 150) holds; t=210: 5 -> 4;
    t=310: (25x1.6 + 5x0.4)/120 = 0.35 -> ceil(2.8) = 3: 4 -> 3; t=320..360: desired 2,
    held until 60 s after 310; t=370: 3 -> 2. Active servers: 2, 3 from 145, 5 from 175,
    4 from 210, 3 from 310, 2 from 370; running (billed, warming included): 2, 3 from 120, 5
    from 150, 4, 3, 2. The simulated time series matches that step for step and the
    instance-hours equal the integral of the running count to the last arrival.

    Assumes: the autoscaler's documented rule (sm.sim.Autoscale); deterministic service
    and evenly spaced arrivals, so utilization has no noise."""
    service = 0.5
    parts = [(0.0, 105.0, 1.2), (105.0, 305.0, 3.2), (305.0, 450.0, 0.8)]
    stamps = np.concatenate([a + np.arange(0.0, b - a, 1.0 / rate) for a, b, rate in parts])
    auto = sm.sim.Autoscale(
        min_servers=2,
        max_servers=10,
        target=0.5,
        interval_s=10,
        window_s=30,
        scale_out_cooldown_s=25,
        scale_in_cooldown_s=60,
        warmup_s=25,
    )
    system = sm.sim.System(arrivals=sm.arrivals.Replay(stamps)).tier(
        "app", 2, sm.distributions.Deterministic(service), policy="round_robin", autoscale=auto
    )
    r = system.simulate(warmup=0, replications=2, seed=1, window_s=5)
    active = [(0, 2), (145, 3), (175, 5), (210, 4), (310, 3), (370, 2)]
    running = [(0, 2), (120, 3), (150, 5), (210, 4), (310, 3), (370, 2)]

    def count(schedule: list[tuple[int, int]], t: float) -> int:
        return [n for start, n in schedule if start <= t][-1]

    servers = r.timeseries()["servers[app]"]
    servers = servers[servers.index + 5 <= stamps[-1]]
    expected = [count(active, t) for t in servers.index]
    np.testing.assert_array_equal(servers.to_numpy(), expected)

    end = float(stamps[-1])
    assert r.replication_values("duration") == pytest.approx([end, end])
    bounds = [start for start, _ in running] + [end]
    integral = sum(n * (b - a) for (a, n), b in zip(running, bounds[1:]))  # server-seconds
    assert integral == pytest.approx(1367.5)
    np.testing.assert_allclose(r.tier_values("app", "server_hours"), integral / 3600, rtol=1e-12)
    assert r.fail_rate == 0 and r.estimate("mean_response") == pytest.approx(service)


def test_c13_1_target_utilization_against_spike_minutes_and_savings() -> None:
    """C13.1 Over the day, target tracking misses no minute outside the spike at any target
    from 0.45 to 0.75: the sinusoid moves the load by about 1% of its mean over the 6
    minutes the autoscaler needs to react, and this fleet's p99 stays within 1 s up to about
    90% CPU. The spike is another matter. Instances launched when it is detected (within a
    minute, or when a recent scale-out's cooldown ends) take traffic 5 minutes later, so until then the fleet has only the headroom the
    target left: twice the target must stay below saturation. At 0.45 (90% CPU in the
    spike) the p99 holds all day, at 0.5 (100%) it slips for at most a minute; at 0.6 and
    0.75 the fleet is overloaded until the new instances arrive and its backlog drains:
    7-10 and 15 missed minutes for a 10-minute spike. Against the fixed fleet that meets
    the SLO all day (the smallest that holds the p99 within 1 s at the spike's 200/s: 11
    instances, 264 instance-hours a day, $825 a month), the spike-proof 0.45 costs 10% more
    (it runs all day at 45% CPU where the fixed fleet peaks at 91%) and 0.5 the same; 0.6
    saves 16% ($694 a month) and 0.75 32% ($561), paid in missed minutes.

    Assumes: m5.large app servers (2 vCPUs), exponential 100 ms of CPU per request, least
    outstanding requests; Poisson traffic of mean 100/s on a daily sinusoid peaking at 1.5x
    the mean at 8 pm, doubled for 10 minutes at 2 pm; p99 SLO of 1 s per minute; target
    tracking on CPU over 3 minutes every minute, 5-minute cooldowns and warm-up; the day
    compressed 12x (2 simulated hours, every time constant but the CPU time divided by 12);
    2 replications per target."""
    # The fixed fleet: the fewest instances whose p99 stays within the SLO at the spike's rate.
    top = float(_traffic().rate_at(_sim_s(SPIKE_AT_H * 3600) + 1.0))
    assert top == pytest.approx(SPIKE_FACTOR * MEAN_RATE, rel=1e-3)

    def fixed_p99(n: int) -> np.ndarray:
        system = sm.sim.System(arrival_rate=top).tier(
            "app", n, sm.distributions.Exponential(CPU_S), concurrency=VCPUS, policy="least_connections"
        )
        return system.simulate(requests=40_000, replications=3, seed=n).replication_values("p99_response")

    assert np.all(fixed_p99(10) > SLO_S)  # 100% CPU: the queue grows
    assert np.all(fixed_p99(11) < SLO_S)  # 91% CPU
    fixed = 11
    fixed_hours = fixed * 24.0
    prices = sm.cost.Catalogue.load().instance(INSTANCE)
    assert fixed * prices.usd_per_month == pytest.approx(825.0)

    traffic = _traffic()
    outcome = {}
    targets = (0.45, 0.5, 0.6, 0.75)
    for target in targets:
        r = _run(traffic, 24.0, servers=_start(traffic, target), autoscale=_autoscale(target))
        minutes = _minutes(r.replication_values("slo_violation_s"))
        hours = r.tier_values("app", "server_hours") * K  # real instance-hours in the day
        missed_at = _missed_hours(r)
        assert np.all((missed_at >= SPIKE_AT_H) & (missed_at <= SPIKE_AT_H + 0.5)), (target, missed_at)
        cost = r.server_cost({"app": INSTANCE})
        assert cost.loc["app", "usd_per_month"] == pytest.approx(
            hours.mean() / 24 * prices.usd_per_month, rel=0.01
        )
        outcome[target] = (minutes, 1 - hours / fixed_hours)
    minutes, saved = outcome[0.45]
    assert np.all(minutes == 0) and np.all((saved > -0.14) & (saved < -0.06)), saved
    minutes, saved = outcome[0.5]
    assert np.all(minutes <= 2) and np.all(np.abs(saved) < 0.03), (minutes, saved)
    for target, (low, high) in {0.6: (0.12, 0.2), 0.75: (0.28, 0.36)}.items():
        minutes, saved = outcome[target]
        assert np.all((minutes >= 5) & (minutes <= 18)), (target, minutes)
        assert np.all((saved > low) & (saved < high)), (target, saved)
    assert outcome[0.6][0].mean() < outcome[0.75][0].mean()

    C13_1.check(
        across("target utilization (p99 within SLO all day)", targets, lambda t: outcome[t][0].max() == 0),
        across("target utilization (saves against fixed)", targets, lambda t: outcome[t][1].min() > 0.05),
    )


def test_c13_1_warm_up_sets_the_missed_minutes() -> None:
    """C13.1 What the spike costs at a 0.6 target depends on how long new instances take to
    warm up: the fleet is overloaded (1.2x its CPU) from 2 pm until they take traffic, then
    drains its backlog. With a 2-minute warm-up 3-9 minutes are missed (the spread is the
    evaluation's phase and the noise of a 3-minute average), with 5 minutes 10-11, with 10
    minutes the spike is over before they arrive and 13-15 are lost. Detection takes one evaluation: a minute at 120% CPU
    already lifts the 3-minute average above the target; but when the rising afternoon
    has just added an instance, the 5-minute scale-out cooldown holds the launch back for
    up to 5 minutes more, and the first launch may be followed by a second one (the average
    still climbing) a cooldown later. Without the spike the same hours miss
    nothing.

    Assumes: m5.large app servers (2 vCPUs), exponential 100 ms of CPU per request, least
    outstanding requests; Poisson traffic of mean 100/s on a daily sinusoid peaking at 1.5x
    the mean at 8 pm, doubled for 10 minutes at 2 pm; p99 SLO of 1 s per minute; target
    tracking on CPU over 3 minutes every minute, 5-minute cooldowns and warm-up; the day
    compressed 12x (2 simulated hours, every time constant but the CPU time divided by 12);
    noon to 4 pm simulated, 4 replications."""
    start, hours = 12.0, 4.0
    traffic = _traffic(start_h=start, hours=hours)
    missed = {}
    for warmup_min in (2.0, 5.0, 10.0):
        r = _run(
            traffic,
            hours,
            servers=_start(traffic, 0.6),
            autoscale=_autoscale(0.6, warmup_min),
            replications=4,
            seed=int(warmup_min),
        )
        missed[warmup_min] = _minutes(r.replication_values("slo_violation_s"))
    assert np.all((missed[2.0] >= 2) & (missed[2.0] <= 10)), missed
    assert np.all((missed[5.0] >= 8) & (missed[5.0] <= 14)), missed
    assert np.all((missed[10.0] >= 11) & (missed[10.0] <= 17)), missed
    assert missed[2.0].mean() + 3 < missed[5.0].mean() < missed[10.0].mean() - 1.5
    calm = _traffic(start_h=start, hours=hours, spike=False)
    r = _run(calm, hours, servers=_start(calm, 0.6), autoscale=_autoscale(0.6), replications=4, seed=9)
    assert np.all(r.replication_values("slo_violation_s") == 0)


def test_c13_1_a_dead_instance_is_replaced_in_minutes() -> None:
    """C13.1 "If an instance dies, auto-replaced in minutes": one instance of the tracked
    fleet fails at 10 am (its queue and the requests it serves fail with it). The autoscaler
    no longer counts it, sees fewer running instances than it wants at its next evaluation
    (within a minute) and launches one, which takes traffic after the 5-minute warm-up: the
    fleet is whole again 5-6 minutes later. Meanwhile the survivors carry its share (at 10 am
    5 instances at 57% CPU become 4 at 71%), within the SLO: no missed minute.

    Assumes: m5.large app servers (2 vCPUs), exponential 100 ms of CPU per request, least
    outstanding requests; Poisson traffic of mean 100/s on a daily sinusoid peaking at 1.5x
    the mean at 8 pm; p99 SLO of 1 s per minute; target tracking at 0.6 on CPU over 3
    minutes every minute, 5-minute cooldowns and warm-up; the day compressed 12x; 8 am to
    noon simulated, 4 replications."""
    start, hours, dies_h = 8.0, 4.0, 10.0
    traffic = _traffic(start_h=start, hours=hours, spike=False)
    r = _run(
        traffic,
        hours,
        servers=_start(traffic, 0.6),
        autoscale=_autoscale(0.6),
        outage_at_h=dies_h - start,
        replications=4,
        seed=10,
    )
    assert np.all(r.replication_values("slo_violation_s") == 0)
    assert r.estimate("failed") > 0  # the dead instance's requests
    servers = r.timeseries()["servers[app]"]
    clock = start + np.asarray(servers.index) * K / 3600
    before = servers[(clock >= dies_h - 0.25) & (clock < dies_h)].to_numpy()
    gap = servers[(clock >= dies_h) & (clock < dies_h + 5 / 60)].to_numpy()
    after = servers[(clock >= dies_h + 7 / 60) & (clock < dies_h + 0.25)].to_numpy()
    assert np.all(gap[:4] <= before.mean() - 0.8), (before, gap)  # one short for 4-5 minutes
    assert np.all(after >= before.mean() - 0.2), (before, after)  # whole again within 7
