"""Our team's rules of thumb, checked against scalemodel's models.

Copy this file into your project's tests/ folder, change the numbers to yours, and run
``pytest``. Installing scalemodel enables its pytest plugin: the ``sm_run`` fixture passes
a per-test seed (and ``--sm-replications``/``--sm-threads`` when given) to every study, and
``pytest --sm-seed=random`` reruns every rule under fresh seeds. Each assertion compares a
number with a 99.9% confidence interval over independent replications, so a rule passes
because the model shows it, not by luck.
"""

import scalemodel as sm
from scalemodel.testing import (
    assert_above,
    assert_below,
    assert_between,
    assert_ci_contains,
    replicate_until,
)

# The API tier: 8 workers, 100 ms of work per request (exponential), 56 req/s at peak.
WORKERS, SERVICE_S, PEAK_RPS = 8, 0.1, 56.0


def test_seventy_percent_busy_keeps_p99_under_600_ms(sm_run):
    """Rule: "keep the workers under 70% busy and p99 stays under 600 ms"."""
    r = sm.sim.simulate_queue(
        PEAK_RPS, sm.distributions.Exponential(SERVICE_S), WORKERS, customers=20_000, **sm_run
    )
    assert_between(r, "utilization", 0.65, 0.75)
    assert_below(r, "p99_response", 0.6)


def test_the_simulator_agrees_with_erlang_c(sm_run):
    """Before trusting a simulated figure, check the simulator where a closed form exists."""
    model = sm.queueing.MMc(PEAK_RPS, 1 / SERVICE_S, WORKERS)
    r = sm.sim.simulate_queue(
        PEAK_RPS, sm.distributions.Exponential(SERVICE_S), WORKERS, customers=20_000, **sm_run
    )
    assert_ci_contains(r, "mean_response", model.mean_response)
    # Quantiles come from a histogram with a stated relative error: widen by it.
    assert_ci_contains(r, "p99_response", model.response_quantile(0.99), rel=sm.sim.HISTOGRAM_RELATIVE_ERROR)


def test_p99_to_two_percent(sm_seed):
    """Ask for a precision instead of guessing a replication count."""

    def run(replications):
        service = sm.distributions.Exponential(SERVICE_S)
        return sm.sim.simulate_queue(
            PEAK_RPS, service, WORKERS, customers=5_000, replications=replications, seed=sm_seed
        )

    r = replicate_until(run, "p99_response", rel=0.02)
    assert_below(r, "p99_response", 0.6)


def test_lru_cache_of_a_fifth_of_the_catalogue(sm_run):
    """An LRU cache holding 2,000 of 10,000 items (Zipf 0.9 popularity): the simulator
    agrees with Che's approximation, about two requests in three are hits."""
    r = sm.sim.simulate_cache("lru", 2_000, 10_000, 0.9, 100_000, **sm_run)
    che = sm.caching.che_hit_ratio(0.9, 10_000, 2_000)
    assert_ci_contains(r, "hit_ratio", che, rel=0.01)  # Che's approximation is within ~1% here
    assert_between(r, "hit_ratio", 0.6, 0.75)


def test_a_fifth_of_the_catalogue_does_not_serve_80_percent(sm_run):
    """Refuted: "cache the hottest 20% and serve 80% of reads". The top 20% of a Zipf 0.9
    catalogue of 10,000 items draw about 76% of the requests, and an LRU cache of that
    size keeps only some of them: it serves about 67%. A refuted rule is a result: assert
    what is true."""
    assert sm.caching.top_share(0.9, 10_000, 0.2) < 0.8
    r = sm.sim.simulate_cache("lru", 2_000, 10_000, 0.9, 100_000, **sm_run)
    assert_below(r, "hit_ratio", 0.8)
    assert_above(r, "hit_ratio", 0.6)
