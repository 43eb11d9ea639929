"""C2.4: TLS termination at the balancer."""

from __future__ import annotations

import pytest

import scalemodel as sm

q = sm.queueing


def test_c2_4_tls_termination_saves_servers() -> None:
    """C2.4 The arithmetic holds: 1,000 servers spending 20% of their CPU on TLS free 200
    servers, $30,000 a month at the catalogue's $150 per 4 vCPU server. A queueing check
    agrees: sizing 4 vCPU servers for a p99 target with 20% less CPU per request needs
    between 15% and 20% fewer servers (slightly less than 20% since the servers that
    remain are each a little busier at the same p99)."""
    price = sm.cost.Catalogue.load().instance("m5.xlarge").usd_per_month
    servers, usd = sm.cost.tls_offload_savings(1000, 0.20, price)
    assert servers == pytest.approx(200.0, rel=1e-15)
    assert usd == pytest.approx(30_000.0, rel=1e-15)

    cpu_time = 0.05
    load = 50_000.0  # req/s across the fleet
    per_server_with_tls = q.max_arrival_rate(1 / cpu_time, 4, response_time=1.0, utilization=0.8)
    per_server_without = q.max_arrival_rate(1 / (0.8 * cpu_time), 4, response_time=1.0, utilization=0.8)
    fleet_with = load / per_server_with_tls
    fleet_without = load / per_server_without
    saving = 1 - fleet_without / fleet_with
    assert 0.15 <= saving <= 0.20 + 1e-12
