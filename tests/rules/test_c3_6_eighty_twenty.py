"""C3.6: the 80-20 rule, YouTube's 90-10, and what an LRU cache of 20% really hits."""

from __future__ import annotations

import pytest
from verdicts import CONDITIONAL, Verdict, across

import scalemodel as sm
from scalemodel.testing import assert_below

C3_6 = Verdict(
    "C3.6",
    CONDITIONAL,
    conditions="80-20 holds for one Zipf exponent per catalogue size (0.87-0.91), 90-10 for "
    "about 1.01; a cache of 20% of the catalogue serves 80% only if it holds exactly the "
    "hottest items: LRU and FIFO fall short",
    figures="Zipf 0.914 (100k items), 0.894 (1M), 0.871 (1B) for 80-20; 1.008 for 90-10 over 1B; "
    "LRU of 20% hits ~72%, FIFO ~68%",
)


def test_c3_6_eighty_twenty_zipf_and_lru() -> None:
    """C3.6 Holds for a Zipf exponent that depends on the catalogue size: 80-20 needs about
    0.91 over 100,000 items, 0.89 over a million and 0.87 over a billion; YouTube's 90-10
    over a billion videos needs about 1.01. But a cache holding the top 20% does not serve
    80% unless it is filled with exactly the hottest items: an LRU cache of 20% of the
    catalogue reaches only ~72% (Che's approximation, confirmed by simulation), FIFO ~68%,
    because LRU keeps recently requested cold items in place of hot ones.

    Assumes: Zipf popularity over 10^5 to 10^9 items, independent requests (no temporal
    locality beyond popularity), caches of whole items."""
    alpha = {n: sm.caching.zipf_alpha_for_share(n, 0.2, 0.8) for n in (10**5, 10**6, 10**9)}
    assert alpha[10**5] == pytest.approx(0.914, abs=0.002)
    assert alpha[10**6] == pytest.approx(0.894, abs=0.002)
    assert alpha[10**9] == pytest.approx(0.871, abs=0.002)
    assert sm.caching.top_share(alpha[10**9], 10**9, 0.2) == pytest.approx(0.8, rel=1e-9)
    youtube = sm.caching.zipf_alpha_for_share(10**9, 0.1, 0.9)
    assert youtube == pytest.approx(1.008, abs=0.002)
    assert sm.caching.items_for_share(youtube, 10**9, 0.9) == pytest.approx(0.1, rel=1e-6)

    n = 100_000
    che = sm.caching.che_hit_ratio(alpha[n], n, 0.2 * n)
    assert 0.70 < che < 0.75
    assert 0.66 < sm.caching.che_hit_ratio(alpha[n], n, 0.2 * n, policy="fifo") < 0.70 < che
    r = sm.sim.simulate_cache("lru", n // 5, n, alpha[n], 600_000, warmup=600_000, replications=6, seed=36)
    assert abs(r.hit_ratio - che) <= 4 * r.half_width("hit_ratio") + 0.01 * che
    assert_below(r, "hit_ratio", 0.78)  # clearly short of the 80% the rule suggests
    # An in-cache LFU gets closer to the static top-20% figure than LRU does.
    lfu = sm.sim.simulate_cache("lfu", n // 5, n, alpha[n], 600_000, warmup=600_000, replications=6, seed=36)
    assert lfu.hit_ratio > r.hit_ratio
    static_top = across("zipf", (0.8, 0.9, 1.0, 1.2), lambda a: sm.caching.top_share(a, n, 0.2) >= 0.8)
    assert static_top.flips == [(0.9, 1.0)]
    C3_6.check(static_top, che >= 0.8)
