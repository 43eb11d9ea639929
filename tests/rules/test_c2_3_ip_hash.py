"""C2.3: IP-hash load balancing, checked with scalemodel's hashing schemes.

Assumption: client IPv4 addresses are uniform random 32-bit integers and the balancer
hashes them with a good 64-bit hash (xxHash64) before taking the remainder.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import scalemodel as sm

h = sm.hashing
N_CLIENTS = 500_000


def test_c2_3_ip_hash_pins_users_and_growth_moves_most() -> None:
    """C2.3 True, and by how much: hash(ip) % 4 sends a client to the same server on every
    request, and going to 5 servers re-pins 4 of 5 clients (80%; in general n/(n+1)), so
    their server-side sessions are lost. A consistent scheme (jump hash) moves 1/5."""
    rng = np.random.default_rng(20241129)
    ips = rng.integers(0, 2**32, N_CLIENTS, dtype=np.uint64)
    four = h.Modulo(4)
    first, again = four.assign(ips), four.assign(ips.copy())
    np.testing.assert_array_equal(first, again)  # pinned: same server every time
    tol = 5 * math.sqrt(0.16 / N_CLIENTS)
    for n in (4, 10):
        moved = h.movement(h.Modulo(n), h.Modulo(n + 1), ips).fraction
        assert moved == pytest.approx(n / (n + 1), abs=tol)
    assert h.movement(h.Jump(4), h.Jump(5), ips).fraction == pytest.approx(0.2, abs=tol)
