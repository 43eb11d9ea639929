"""The Universal Scalability Law against a closed-loop load test on loopback.

haproxy (``balance random``) in front of eight single-threaded backends (backend.py) that
each serve one request at a time for 50 ms. N clients each send their next request as soon
as the previous answer arrives (a closed loop, no think time), for N = 1, 2, 3, 4, 6, 8 and
the held-out 12; the throughput at each N is N over the mean response (Little's law). The
curve bends as requests collide on a backend (random routing: a contention term). Each
level is measured in three interleaved rounds, so slow phases of this shared machine
spread over every level. sm.queueing.USL.fit on the lower levels (all rounds) must predict
the held-out level's mean throughput within a tolerance derived from the run-to-run
spread: three standard errors of the difference between the prediction (the spread of the
per-round fits' predictions) and the measurement (the spread of its rounds), and at least
3% (three rounds can show a small spread by chance). About a minute.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from lab import backends, closed_loop, free_port, haproxy_config, started

import scalemodel as sm

HAPROXY = shutil.which("haproxy")
pytestmark = pytest.mark.skipif(
    HAPROXY is None,
    reason="haproxy is not installed (Debian: apt-get install haproxy; quickstart.sh installs it)",
)

BACKENDS = 8
SERVICE_S = 0.05
FIT = [1, 2, 3, 4, 6, 8]
HELD_OUT = 12
ROUNDS = 3
DURATION_S = 2.0  # per level and round, after a warm-up of a quarter of it
FLOOR = 0.03


@pytest.fixture(scope="module")
def curve(tmp_path_factory) -> np.ndarray:
    levels = [*FIT, HELD_OUT]
    x = np.zeros((ROUNDS, len(levels)))
    cfg = tmp_path_factory.mktemp("usl") / "haproxy.cfg"
    with backends(BACKENDS, max_seconds=240) as ports:
        port = free_port()
        cfg.write_text(haproxy_config(port, ports, "random"))
        with started([HAPROXY, "-db", "-f", str(cfg)], port):
            for r in range(ROUNDS):
                for j, n in enumerate(levels):
                    x[r, j] = closed_loop(port, n, DURATION_S, SERVICE_S, seed=100 * r + n)
    return x


def test_usl_fit_predicts_the_held_out_concurrency(curve: np.ndarray) -> None:
    n = np.array(FIT, dtype=float)
    k = len(FIT)
    usl = sm.queueing.USL.fit(np.tile(n, ROUNDS), curve[:, :k].ravel())
    predicted = float(usl.throughput(HELD_OUT))
    per_round = [float(sm.queueing.USL.fit(n, curve[r, :k]).throughput(HELD_OUT)) for r in range(ROUNDS)]
    measured = curve[:, k]
    se = np.sqrt((np.var(per_round, ddof=1) + np.var(measured, ddof=1)) / ROUNDS)
    tolerance = max(3 * se, FLOOR * measured.mean())
    print(
        f"\nclosed loop, haproxy random over {BACKENDS} backends of {SERVICE_S * 1000:g} ms; throughput (req/s) "
        f"per round at N = {[*FIT, HELD_OUT]}:\n{np.round(curve, 1)}\n{usl}\n"
        f"N = {HELD_OUT}: predicted {predicted:.1f} (per-round fits {np.round(per_round, 1).tolist()}), "
        f"measured {measured.mean():.1f} +- {measured.std(ddof=1):.1f}; tolerance {tolerance:.1f}"
    )
    # a meaningful curve: it bends (contention), and the law describes the fitted levels
    assert curve[:, k].mean() < 0.8 * HELD_OUT * curve[:, 0].mean()
    assert usl.r_squared > 0.98
    assert abs(predicted - measured.mean()) <= tolerance
