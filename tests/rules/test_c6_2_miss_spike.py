"""C6.2: a remap that takes the miss rate from 5% to 80% is a 16x spike on the database.

Model: an LRU cache sized (by Che's approximation) for a 5% miss ratio on Zipf(alpha)
requests over N items; at the remap a fixed 80% of the keys (ids not divisible by 5, as
mod-N hashing from 4 to 5 servers moves) land on a server that does not hold them. The
first-request model: each moved item that was cached misses once more, at its first
request after the remap, so the miss ratio k requests later is
warm + sum over moved i of P(i cached) p_i (1 - p_i)^k. It is checked against the cache
simulator on a trace whose moved ids are renamed at the remap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from scipy.optimize import brentq
from verdicts import CONDITIONAL, Verdict, across, flips_at

import scalemodel as sm

BRIEF = 100_000  # requests: under two minutes at 1,000 req/s

C6_2 = Verdict(
    "C6.2",
    CONDITIONAL,
    conditions="0.80 / 0.05 = 16x always, and the onset is 9-16x; that it is a brief peak (the "
    "miss ratio back under 2x the warm 5% within 100,000 requests) holds only for steep skew "
    "or a small catalogue: Zipf >= 1.13 over 100k items, about 1.2 over 1M, any Zipf over 10k. "
    "Recovery takes about 3.4 catalogues' worth of requests for Zipf 0.6-0.9",
    figures="Zipf 1.2, 100k items: 9.1x over the first 100 requests, 3.6x over 10k, 2.1x over "
    "100k, under 2x after 36k; Zipf 0.9, 100k items (77% cached): 14.6x, 9.2x, 5.5x, and "
    "2x or more for 340k requests",
)


@dataclass(frozen=True)
class Warm:
    """The warm cache of the first-request model."""

    alpha: float
    n: int
    capacity: int
    p: np.ndarray  # popularity
    cached: np.ndarray  # P(item cached), Che
    miss: float  # warm miss ratio
    moved: np.ndarray  # the remapped 80%

    def window_miss(self, window: int) -> float:
        """Mean miss ratio over the first ``window`` requests after the remap."""
        first = -np.expm1(window * np.log1p(-self.p))  # P(requested within the window)
        return self.miss + float(np.sum((self.cached * first)[self.moved])) / window

    def miss_at(self, k: float) -> float:
        """Miss ratio of the k-th request after the remap."""
        return self.miss + float(np.sum((self.cached * self.p * np.exp(k * np.log1p(-self.p)))[self.moved]))

    def recovery(self, factor: float = 2.0) -> float:
        """Requests until the miss ratio is back under ``factor`` x the warm one."""
        return float(np.exp(brentq(lambda lk: self.miss_at(np.exp(lk)) - factor * self.miss, 0, 40)))


def warm(alpha: float, n: int, miss: float = 0.05) -> Warm:
    capacity = round(brentq(lambda c: 1 - sm.caching.che_hit_ratio(alpha, n, c) - miss, 10, n - 1))
    t = sm.caching.che_characteristic_time(alpha, n, capacity)
    p = np.arange(1, n + 1, dtype=float) ** -alpha
    p /= p.sum()
    cached = -np.expm1(-p * t)
    return Warm(alpha, n, capacity, p, cached, 1 - float(np.sum(p * cached)), np.arange(n) % 5 != 0)


def simulated(w: Warm, window: int, before: int, seeds: int) -> tuple[float, float]:
    """Simulated mean miss ratio over ``window`` requests after the remap, and 4 standard
    errors over ``seeds`` replications."""
    misses = []
    for seed in range(seeds):
        ids = sm.sim.zipf_requests(w.n, w.alpha, before + window, seed=seed)
        after = ids[before:]
        trace = np.concatenate([ids[:before], np.where(after % 5 != 0, after + w.n, after)])
        r = sm.sim.simulate_cache(
            "lru", w.capacity, 2 * w.n, w.alpha, trace=trace, warmup=before, replications=1
        )
        misses.append(r.miss_ratio)
    return float(np.mean(misses)), 4 * float(np.std(misses, ddof=1)) / np.sqrt(seeds)


def test_c6_2_remap_miss_spike_steep_skew() -> None:
    """C6.2 The arithmetic holds: database reads scale with the miss ratio, 0.80 / 0.05 = 16.
    With steep skew it is a peak, not a level: moved keys miss once and are cached again,
    and the hot ones come back within a few hundred requests. At Zipf 1.2 over 100,000
    items the simulated miss ratio averages ~46% over the first 100 requests after the
    remap (9x), ~18% over 10,000 (3.6x) and ~10% over 100,000 (2x). The simulator matches
    the first-request model within its interval plus 5%. Left out: concurrent misses for
    one hot key before its first refill lands (a thundering herd), which make the real
    peak longer.

    Assumes: cache-aside reads, an LRU cache sized for 5% misses, Zipf 1.2 requests over
    100,000 items, 80% of keys remapped at once."""
    db = [sm.caching.write_policy_load("cache_aside", 1000, 0, h).db_reads_per_s for h in (0.95, 0.20)]
    assert db[1] / db[0] == pytest.approx(16.0, rel=1e-12)

    w = warm(1.2, 100_000)
    assert w.miss == pytest.approx(0.05, rel=1e-4)  # capacity rounded to whole items
    for window, low, high in ((100, 8, 11), (10_000, 3, 4.5), (100_000, 1.7, 2.4)):
        mean, half = simulated(w, window, before=400_000, seeds=8)
        model = w.window_miss(window)
        assert abs(mean - model) <= half + 0.05 * model
        assert low < mean / w.miss < high
    assert w.recovery() == pytest.approx(36_000, rel=0.02)


def test_c6_2_spike_lasts_longer_with_flatter_skew_and_bigger_catalogues() -> None:
    """C6.2 "Brief" depends on the skew and the catalogue. At the project's own 80-20
    exponent (~0.9, C3.6) over 100,000 items, a 5% miss ratio needs 77% of the catalogue
    cached, and most of that cached mass sits in lukewarm items that come back slowly:
    the spike is 14.6x over the first 100 requests, 9.2x over 10,000, 5.5x over 100,000,
    and the miss ratio stays at 2x or more for about 340,000 requests (confirmed by the
    simulator within its interval plus 5%). For Zipf 0.6-0.9 recovery takes about 3.4
    catalogues' worth of requests, so it scales with the catalogue; only steep skew (Zipf
    >= 1.13 at 100,000 items) or a small catalogue (10,000 items) brings it under 100,000
    requests.

    Assumes: cache-aside reads, an LRU cache sized for 5% misses, Zipf 0.6-1.2 requests
    over 10,000 to 1,000,000 items, 80% of keys remapped at once; "brief" means back under
    2x the warm miss ratio within 100,000 requests (under two minutes at 1,000 req/s)."""
    w = warm(0.9, 100_000)
    assert w.capacity / w.n == pytest.approx(0.77, abs=0.01)
    for window, want in ((100, 14.6), (100_000, 5.5)):
        mean, half = simulated(w, window, before=2_000_000, seeds=6)  # ~4 characteristic times
        model = w.window_miss(window)
        assert abs(mean - model) <= half + 0.05 * model
        assert model / w.miss == pytest.approx(want, abs=0.1)
    assert w.window_miss(10_000) / w.miss == pytest.approx(9.2, abs=0.1)
    assert w.recovery() == pytest.approx(340_000, rel=0.02)

    alphas = (0.6, 0.8, 0.9, 1.0, 1.2)
    brief = {
        n: across("zipf", alphas, lambda a, n=n: warm(a, n).recovery() <= BRIEF) for n in (10_000, 100_000)
    }
    assert brief[10_000].holding() == list(alphas)  # small catalogue: brief at any skew
    assert brief[100_000].holding() == [1.2]
    for a in (0.6, 0.8, 0.9):
        assert warm(a, 100_000).recovery() / 100_000 == pytest.approx(3.4, abs=0.2)
    flip = flips_at(lambda a: warm(a, 100_000).recovery() <= BRIEF, 1.0, 1.2, xtol=0.005)
    assert flip == pytest.approx(1.13, abs=0.01)
    big = warm(1.2, 1_000_000)
    assert big.recovery() == pytest.approx(97_000, rel=0.03)  # at the edge over 1M items
    assert warm(0.9, 1_000_000).recovery() / 1_000_000 == pytest.approx(3.4, abs=0.2)
    C6_2.check(brief[10_000], brief[100_000])
