"""C3.5: write-behind loses at most the unflushed window."""

from __future__ import annotations

import numpy as np
import pytest
from verdicts import CONDITIONAL, Verdict, across

import scalemodel as sm

R = sm.reliability

C3_5 = Verdict(
    "C3.5",
    CONDITIONAL,
    conditions="a crash loses at most the unflushed window only if each flush takes the whole "
    "queue (a batch of at least rate x interval); the guide's 1,000-like batch falls behind",
    figures="50,000 likes/s, 5 s flushes: 250,000 at worst, 125,000 on average; with 1,000 per "
    "flush the backlog grows by 49,800 likes a second",
)


def test_c3_5_write_behind_window_at_50k_likes() -> None:
    """C3.5 Holds only if each flush takes the whole queue: at 50,000 likes/s and a 5 s
    flush, 250,000 likes are at risk at worst and 125,000 on average. The guide's worker
    flushes at most 1,000 likes per 5 s (200/s), so its queue grows by 49,800 likes every
    second and a crash loses an ever larger backlog, not "the unflushed window".

    Assumes: likes at a steady 50,000/s, a flush every 5 s taking up to a batch of 1,000 to
    1,000,000 likes (or the whole queue), a crash at a uniform phase."""
    whole = R.write_behind(50_000, 5.0)
    assert whole.worst_per_crash == pytest.approx(250_000)
    assert whole.expected_per_crash == pytest.approx(125_000)
    # Independent check of the expectation: crashes at uniform phases of the 5 s cycle.
    phases = np.random.default_rng(35).uniform(0.0, 5.0, 1_000_000)
    lost = 50_000 * phases
    se = lost.std() / np.sqrt(lost.size)
    assert abs(lost.mean() - whole.expected_per_crash) < 5 * se
    assert lost.max() <= whole.worst_per_crash
    guide = R.write_behind(50_000, 5.0, batch_size=1000)
    assert np.isinf(guide.worst_per_crash)
    assert guide.backlog_growth_per_s == pytest.approx(49_800)
    # The smallest batch that keeps up is a whole cycle's likes.
    assert R.write_behind(50_000, 5.0, batch_size=250_000).backlog_growth_per_s == 0.0
    assert R.write_behind(50_000, 5.0, batch_size=249_999).backlog_growth_per_s > 0.0
    batches = (1_000, 100_000, 250_000, 1_000_000)
    bounded = across(
        "batch size", batches, lambda b: R.write_behind(50_000, 5.0, batch_size=b).worst_per_crash <= 250_000
    )
    assert bounded.flips == [(100_000, 250_000)]
    C3_5.check(bounded)
