"""C2.4: TLS termination at the balancer."""

from __future__ import annotations

import pytest
from verdicts import HOLDS, Verdict, across

import scalemodel as sm

q = sm.queueing

C2_4 = Verdict(
    "C2.4",
    HOLDS,
    figures="1,000 servers at 20% TLS CPU: 200 servers, $30,000 a month at $150; sized for a "
    "p99 target the fleet shrinks by 15-20% (slightly less than the CPU share, 10-20%)",
)


def test_c2_4_tls_termination_saves_servers() -> None:
    """C2.4 The arithmetic holds: 1,000 servers spending 20% of their CPU on TLS free 200
    servers, $30,000 a month at the catalogue's $150 per 4 vCPU server. A queueing check
    agrees: sizing 4 vCPU servers for a p99 target with 20% less CPU per request needs
    between 15% and 20% fewer servers (slightly less than 20% since the servers that
    remain are each a little busier at the same p99).

    Assumes: TLS costs 10-20% of each request's CPU; 4 vCPU M/M/4 servers at 50 ms of CPU
    per request sized for a 1 s p99 and at most 80% busy, 50,000 req/s across the fleet."""
    price = sm.cost.Catalogue.load().instance("m5.xlarge").usd_per_month
    servers, usd = sm.cost.tls_offload_savings(1000, 0.20, price)
    assert servers == pytest.approx(200.0, rel=1e-15)
    assert usd == pytest.approx(30_000.0, rel=1e-15)

    cpu_time = 0.05

    def saving(tls_share: float) -> float:
        """Fraction of the fleet freed (the fleet size is load / per-server capacity)."""
        with_tls = q.max_arrival_rate(1 / cpu_time, 4, response_time=1.0, utilization=0.8)
        without = q.max_arrival_rate(1 / ((1 - tls_share) * cpu_time), 4, response_time=1.0, utilization=0.8)
        return 1 - with_tls / without

    assert 0.15 <= saving(0.20) <= 0.20 + 1e-12
    shares = (0.10, 0.15, 0.20)
    C2_4.check(across("TLS share of CPU", shares, lambda f: 0.75 * f <= saving(f) <= f + 1e-12))
