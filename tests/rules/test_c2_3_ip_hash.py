"""C2.3: IP-hash load balancing, checked with scalemodel's hashing schemes.

Assumption: client IPv4 addresses are uniform random 32-bit integers and the balancer
hashes them with a good 64-bit hash (xxHash64) before taking the remainder.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from verdicts import HOLDS, Verdict, across

import scalemodel as sm

h = sm.hashing
N_CLIENTS = 500_000

C2_3 = Verdict(
    "C2.3",
    HOLDS,
    figures="hash(ip) % n pins every client; n -> n + 1 servers re-pins n/(n + 1) of clients "
    "(80% from 4 to 5, 91% from 10 to 11); jump hash moves 1/(n + 1)",
)


def test_c2_3_ip_hash_pins_users_and_growth_moves_most() -> None:
    """C2.3 True, and by how much: hash(ip) % 4 sends a client to the same server on every
    request, and going to 5 servers re-pins 4 of 5 clients (80%; in general n/(n+1)), so
    their server-side sessions are lost. A consistent scheme (jump hash) moves 1/5.

    Assumes: client IPv4 addresses uniform over 32 bits, hashed with xxHash64 before the
    remainder; fleets of 2 to 10 servers growing by one."""
    rng = np.random.default_rng(20241129)
    ips = rng.integers(0, 2**32, N_CLIENTS, dtype=np.uint64)
    four = h.Modulo(4)
    first, again = four.assign(ips), four.assign(ips.copy())
    np.testing.assert_array_equal(first, again)  # pinned: same server every time
    tol = 5 * math.sqrt(0.16 / N_CLIENTS)
    moved = {n: h.movement(h.Modulo(n), h.Modulo(n + 1), ips).fraction for n in (2, 4, 10)}
    for n, fraction in moved.items():
        assert fraction == pytest.approx(n / (n + 1), abs=tol)
    C2_3.check(across("servers", list(moved), lambda n: moved[n] > 0.5))
    assert h.movement(h.Jump(4), h.Jump(5), ips).fraction == pytest.approx(0.2, abs=tol)
