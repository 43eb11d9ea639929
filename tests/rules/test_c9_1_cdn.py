"""C9.1: what a CDN saves in latency and bandwidth."""

from __future__ import annotations

import pytest
from verdicts import HOLDS, Verdict, across

import scalemodel as sm

C9_1 = Verdict(
    "C9.1",
    HOLDS,
    figures="150 ms vs 10 ms: 15x; 10 TB: $1,000 from the origin at $0.10/GB, $50 through a CDN "
    "at $0.005/GB (20x); one origin request in a million adds $0.001",
)


def test_c9_1_cdn_saves_latency_and_bandwidth() -> None:
    """C9.1 Holds: 150 ms across the Pacific against 10 ms from an edge is 15x; 10M users x
    1 MB is 10 TB, $1,000 from the origin at the catalogue's $0.10/GB (the guide's price)
    and $50 through a CDN at $0.005/GB, 20x cheaper, with one request in a million going
    back to the origin adding only $0.001.

    Assumes: the catalogue's bandwidth prices (the guide's), 1 MB per user, CDN hit ratios
    from 90% to 1 - 1e-6."""
    bw = sm.cost.Catalogue.load().bandwidth
    assert 150 / 10 == 15
    c = sm.cost.cdn_vs_origin(10e6 * 1e6, bw["origin_usd_per_gb"], bw["cdn_usd_per_gb"], 1 - 1e-6)
    assert c.origin_only_usd == pytest.approx(1000.0, rel=1e-12)
    assert c.with_cdn_usd == pytest.approx(50.0 + 0.001, rel=1e-9)
    assert c.origin_only_usd / c.with_cdn_usd == pytest.approx(20.0, rel=1e-4)
    assert c.origin_bytes_with_cdn == pytest.approx(10e6, rel=1e-6)  # 10 MB: one object's worth x 10
    hits = (0.9, 0.99, 1 - 1e-6)
    C9_1.check(
        across(
            "CDN hit ratio",
            hits,
            lambda r: (
                sm.cost.cdn_vs_origin(
                    10e6 * 1e6, bw["origin_usd_per_gb"], bw["cdn_usd_per_gb"], r
                ).with_cdn_usd
                < c.origin_only_usd / 5
            ),
        )
    )
