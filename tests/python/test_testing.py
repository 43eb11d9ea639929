"""scalemodel.testing and its pytest plugin: the assertions pass when the interval shows
the claim and fail (AssertionError with the interval in the message) when it does not;
the plugin's fixtures, options and failure report; the documented example rules file."""

from __future__ import annotations

import doctest
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import scalemodel as sm
from scalemodel.results import ReplicatedResult
from scalemodel.testing import (
    LEVEL,
    assert_above,
    assert_below,
    assert_between,
    assert_ci_contains,
    replicate_until,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "test_rules_of_thumb.py"
VALUES = np.array([9.0, 10.0, 11.0, 10.5, 9.5])


def result(values: np.ndarray = VALUES) -> ReplicatedResult:
    return ReplicatedResult({"x": values}, {}, 0.95)


def interval(values: np.ndarray = VALUES, level: float = LEVEL) -> tuple[float, float]:
    half = stats.t.ppf((1 + level) / 2, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
    return values.mean() - half, values.mean() + half


LOW, HIGH = interval()


def test_interval_is_the_student_t_one_at_the_default_level() -> None:
    assert result().ci("x", LEVEL) == pytest.approx((LOW, HIGH), rel=1e-12)


def test_ci_contains_passes_inside_and_at_the_ends() -> None:
    low, high = result().ci("x", LEVEL)
    for value in (low, 10.0, high):
        assert_ci_contains(result(), "x", value)


def test_ci_contains_fails_outside_with_a_message_naming_metric_and_interval() -> None:
    with pytest.raises(
        AssertionError, match=r"x: .* outside the 99\.9% interval .*estimate 10, 5 replications"
    ):
        assert_ci_contains(result(), "x", HIGH + 1e-6)
    with pytest.raises(AssertionError):
        assert_ci_contains(result(), "x", LOW - 1e-6)


def test_ci_contains_widens_by_rel_and_slack() -> None:
    value = HIGH + 0.1
    with pytest.raises(AssertionError, match="widened by"):
        assert_ci_contains(result(), "x", value, slack=0.09)
    assert_ci_contains(result(), "x", value, slack=0.11)
    assert_ci_contains(result(), "x", value, rel=0.11 / value)
    with pytest.raises(AssertionError):
        assert_ci_contains(result(), "x", value, rel=0.09 / value)


def test_ci_contains_honours_the_level() -> None:
    high95 = interval(level=0.95)[1]
    value = (high95 + HIGH) / 2  # inside the 99.9% interval, outside the 95% one
    assert_ci_contains(result(), "x", value)
    with pytest.raises(AssertionError, match=r"95\.0% interval"):
        assert_ci_contains(result(), "x", value, level=0.95)


def test_below_and_above_need_the_whole_interval_past_the_bound() -> None:
    low, high = result().ci("x", LEVEL)
    assert_below(result(), "x", high + 1e-9)
    assert_above(result(), "x", low - 1e-9)
    # The estimate (10) is below 11 but the interval straddles it: not shown.
    assert LOW < 11.0 < HIGH
    with pytest.raises(AssertionError, match=r"x: not shown below 11"):
        assert_below(result(), "x", 11.0)
    with pytest.raises(AssertionError, match=r"x: not shown above 9"):
        assert_above(result(), "x", 9.0)
    with pytest.raises(AssertionError):
        assert_below(result(), "x", high)  # strict
    with pytest.raises(AssertionError):
        assert_above(result(), "x", low)


def test_between_needs_the_whole_interval_inside() -> None:
    assert_between(result(), "x", LOW - 1e-9, HIGH + 1e-9)
    with pytest.raises(AssertionError, match=r"not shown inside \(9\.5, 20\)"):
        assert_between(result(), "x", 9.5, 20.0)
    with pytest.raises(AssertionError):
        assert_between(result(), "x", 0.0, 10.5)
    with pytest.raises(ValueError, match="low must be smaller than high"):
        assert_between(result(), "x", 2.0, 1.0)


def test_one_replication_shows_nothing() -> None:
    one = result(np.array([10.0]))
    assert_ci_contains(one, "x", 1e9)  # the interval is (-inf, inf)
    with pytest.raises(AssertionError):
        assert_below(one, "x", 1e9)
    with pytest.raises(AssertionError):
        assert_above(one, "x", -1e9)


def test_bad_arguments_raise_naming_the_parameter() -> None:
    with pytest.raises(ValueError, match="name must be one of x"):
        assert_ci_contains(result(), "y", 1.0)
    with pytest.raises(TypeError, match="result must be a replicated result"):
        assert_below((1.0, 2.0), "x", 3.0)
    with pytest.raises(ValueError, match="level must be in"):
        assert_above(result(), "x", 0.0, level=1.0)
    with pytest.raises(ValueError, match="rel and slack must be >= 0"):
        assert_ci_contains(result(), "x", 10.0, slack=-1.0)
    with pytest.raises(TypeError, match="bound"):
        assert_below(result(), "x", "3")


class Recorder:
    """A study whose replication i draws from its own stream, as scalemodel's do."""

    def __init__(self, scale: float = 1.0) -> None:
        self.calls: list[int] = []
        self.scale = scale

    def __call__(self, replications: int) -> ReplicatedResult:
        self.calls.append(replications)
        draws = [np.random.default_rng(i).normal(10.0, self.scale) for i in range(replications)]
        return result(np.array(draws))


def test_replicate_until_stops_once_narrow_enough() -> None:
    run = Recorder()
    r = replicate_until(run, "x", half_width=0.5, start=4)
    assert r.half_width("x", LEVEL) <= 0.5
    assert run.calls[0] == 4 and run.calls == sorted(run.calls)
    # The growth step is driven by the observed spread: a few reruns, not a doubling ladder.
    assert len(run.calls) <= 4
    # The tolerance may be relative to the estimate; either of the two suffices.
    r = replicate_until(Recorder(), "x", rel=0.05, half_width=1e-9)
    assert r.half_width("x", LEVEL) <= 0.05 * r.estimate("x")


def test_replicate_until_fails_when_the_budget_is_not_enough() -> None:
    run = Recorder(scale=100.0)
    with pytest.raises(AssertionError, match=r"x: half-width .* after 50 replications"):
        replicate_until(run, "x", half_width=0.1, max_replications=50)
    assert run.calls[-1] == 50


def test_replicate_until_checks_its_arguments() -> None:
    with pytest.raises(ValueError, match="give half_width, rel or both"):
        replicate_until(Recorder(), "x")
    with pytest.raises(ValueError, match="must be > 0"):
        replicate_until(Recorder(), "x", rel=0.0)
    with pytest.raises(ValueError, match="start"):
        replicate_until(Recorder(), "x", rel=0.1, start=1)


def test_replicate_until_on_a_simulation_extends_the_same_streams() -> None:
    def run(n: int) -> sm.sim.SimResult:
        return sm.sim.simulate_queue(0.5, 1.0, customers=2_000, replications=n, seed=4)

    r = replicate_until(run, "mean_response", rel=0.05, start=4)
    first = run(4).replication_values("mean_response")
    assert np.array_equal(r.replication_values("mean_response")[:4], first)


def test_docstring_examples() -> None:
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    tests = finder.find(sm.testing, globs={"sm": sm, **vars(sm.testing)})
    for test in tests:
        runner.run(test)
    assert runner.failures == 0 and sum(len(t.examples) for t in tests) >= 3


# --- the pytest plugin -------------------------------------------------------------------


def run_pytester(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # hypothesis's plugin spends about a second per run on its summary: off here.
    return pytester.runpytest(
        "-p", "scalemodel.pytest_plugin", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", *args
    )


def test_example_rules_file_passes(pytester: pytest.Pytester) -> None:
    shutil.copy(EXAMPLE, pytester.path / EXAMPLE.name)
    out = run_pytester(pytester)
    out.assert_outcomes(passed=5)
    out.stdout.fnmatch_lines(["scalemodel: --sm-seed=0"])


SEEDS = """
import json
def test_a(sm_seed, sm_run):
    print("SEED", json.dumps({"a": sm_seed, "run": dict(sm_run), "attrs": [sm_run.replications, sm_run.threads]}))
def test_b(sm_seed):
    print("SEED", json.dumps({"b": sm_seed}))
"""


def seeds(out: pytest.RunResult) -> dict[str, object]:
    import json

    found: dict[str, object] = {}
    for line in out.outlines:
        if "SEED " in line:
            found.update(json.loads(line.split("SEED ", 1)[1]))
    return found


def test_seeds_are_per_test_stable_and_follow_the_base(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_seeds=SEEDS)
    first = seeds(run_pytester(pytester, "-s"))
    again = seeds(run_pytester(pytester, "-s"))
    other = seeds(run_pytester(pytester, "-s", "--sm-seed=7"))
    assert first == again
    assert first["a"] != first["b"]
    assert other["a"] != first["a"]
    assert first["run"] == {"seed": first["a"]}
    assert first["attrs"] == [None, None]
    passed = seeds(run_pytester(pytester, "-s", "--sm-replications=3", "--sm-threads=2"))
    assert passed["run"] == {"seed": first["a"], "replications": 3, "threads": 2}
    assert passed["attrs"] == [3, 2]
    drawn = run_pytester(pytester, "-s", "--sm-seed=random")
    drawn.assert_outcomes(passed=2)
    drawn.stdout.fnmatch_lines(["scalemodel: --sm-seed=*"])


def test_a_failed_rule_shows_its_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_fails="""
import scalemodel as sm
from scalemodel.testing import assert_below

def test_rule(sm_run):
    r = sm.sim.simulate_queue(0.5, 1.0, customers=2_000, replications=4, **sm_run)
    assert_below(r, "utilization", 0.1)
"""
    )
    out = run_pytester(pytester, "--sm-seed=5")
    out.assert_outcomes(failed=1)
    out.stdout.fnmatch_lines(
        ["*utilization: not shown below 0.1: 99.9% interval*", "*sm_seed was * (rerun with --sm-seed=5)*"]
    )


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--sm-seed=-1", "--sm-seed must be"),
        ("--sm-seed=x", "--sm-seed must be"),
        ("--sm-replications=0", ">= 1"),
    ],
)
def test_bad_options_are_usage_errors(pytester: pytest.Pytester, option: str, message: str) -> None:
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    out = run_pytester(pytester, option)
    assert out.ret == pytest.ExitCode.USAGE_ERROR
    out.stderr.fnmatch_lines([f"*{message}*"])


def test_below_and_above_another_result_need_disjoint_intervals() -> None:
    low, high = result().ci("x", LEVEL)
    higher = result(VALUES + (high - low) * 1.01)
    overlapping = result(VALUES + (high - low) * 0.99)
    assert_below(result(), "x", higher)
    assert_above(higher, "x", result())
    with pytest.raises(AssertionError, match=r"x: not shown below the other result's 99\.9% interval"):
        assert_below(result(), "x", overlapping)
    with pytest.raises(AssertionError, match=r"x: not shown above the other result's"):
        assert_above(overlapping, "x", result())
    with pytest.raises(ValueError, match="name must be one of y; got 'x'"):
        assert_below(result(), "x", ReplicatedResult({"y": VALUES}, {}, 0.95))
