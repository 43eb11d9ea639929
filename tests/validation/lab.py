"""Helpers of the validation lab: free loopback ports, child processes that are always
stopped (by their own pid), and a bounded open-loop HTTP load generator."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
            raise RuntimeError(
                f"{proc.args!r} exited with {proc.returncode} before listening on {port}: {err}"
            )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout_s} s")


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout_s: float = 5.0) -> None:
    """Stops a child this lab started (by its pid), killing it if it does not exit."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, sig)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout_s)


@contextlib.contextmanager
def started(
    args: Sequence[str], port: int, *, stdout=subprocess.DEVNULL, timeout_s: float = 10.0
) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen(list(args), stdout=stdout, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc, timeout_s)
        yield proc
    finally:
        stop(proc)
        if proc.stderr is not None:
            proc.stderr.close()


@contextlib.contextmanager
def backends(count: int, *, max_seconds: float = 300.0) -> Iterator[list[int]]:
    """``count`` single-threaded backends (backend.py) on free ports, stopped on exit."""
    ports = [free_port() for _ in range(count)]
    with contextlib.ExitStack() as stack:
        for p in ports:
            stack.enter_context(
                started(
                    [sys.executable, str(HERE / "backend.py"), str(p), "--max-seconds", str(max_seconds)], p
                )
            )
        yield ports


def haproxy_config(port: int, ports: list[int], balance: str) -> str:
    """haproxy (one thread, HTTP mode, its log on stdout) on 127.0.0.1:port in front of the
    backends on ``ports`` (servers s0, s1, ...), balanced by ``balance``."""
    servers = "\n".join(f"    server s{i} 127.0.0.1:{p}" for i, p in enumerate(ports))
    return f"""
global
    log stdout format raw local0 info
    nbthread 1
    maxconn 4000
defaults
    mode http
    log global
    option httplog
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend lab
    bind 127.0.0.1:{port}
    default_backend pool
backend pool
    balance {balance}
{servers}
"""


@dataclass
class Requests:
    """What the load generator saw, one entry per request id."""

    sent: np.ndarray  # seconds since the first scheduled send
    response_s: np.ndarray  # client-side response time (NaN: failed)
    service_s: np.ndarray  # the backend's busy time for the request (X-Service-Time)


async def _one(port: int, i: int, size: float, timeout_s: float) -> tuple[float, float]:
    t0 = time.perf_counter()
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout_s)
    try:
        writer.write(f"GET /?id={i}&s={size:.6f} HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout_s)
    finally:
        writer.close()
    elapsed = time.perf_counter() - t0
    service = float("nan")
    for line in data.split(b"\r\n"):
        if line.lower().startswith(b"x-service-time:"):
            service = float(line.split(b":", 1)[1])
    return elapsed, service


def open_loop(port: int, arrivals_s: np.ndarray, sizes_s: np.ndarray, *, timeout_s: float = 30.0) -> Requests:
    """Sends request i at arrivals_s[i] (seconds from now) asking for sizes_s[i] seconds of
    service, each on its own connection, whatever the earlier ones are doing (an open loop).
    Each request gives up after timeout_s; the whole run after the last arrival + 2 timeouts."""

    async def run() -> Requests:
        n = arrivals_s.size
        sent = np.full(n, np.nan)
        resp = np.full(n, np.nan)
        svc = np.full(n, np.nan)
        start = time.perf_counter()

        async def fire(i: int) -> None:
            delay = start + arrivals_s[i] - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent[i] = time.perf_counter() - start
            with contextlib.suppress(OSError, asyncio.TimeoutError, ValueError):
                resp[i], svc[i] = await _one(port, i, float(sizes_s[i]), timeout_s)

        await asyncio.wait_for(
            asyncio.gather(*(fire(i) for i in range(n))), float(arrivals_s[-1]) + 2 * timeout_s
        )
        return Requests(sent, resp, svc)

    return asyncio.run(run())


def closed_loop(
    port: int, clients: int, duration_s: float, service_s: float, *, exponential: bool = False, seed: int = 0
) -> float:
    """``clients`` clients, each sending its next request (on a new connection, asking for
    ``service_s`` of service, or an exponential time of that mean) as soon as the previous
    answer arrives, for ``duration_s`` seconds after a warm-up of a quarter of that (a
    closed loop, no think time). Returns the throughput by Little's law, clients over the
    mean response of the requests sent in the measured span (no window-edge rounding)."""

    async def run() -> float:
        rng = np.random.default_rng(seed)
        shape = (clients, 100_000)
        sizes = rng.exponential(service_s, shape) if exponential else np.full(shape, service_s)
        start = time.perf_counter()
        t0, t1 = start + duration_s / 4, start + duration_s * 5 / 4
        times: list[float] = []

        async def client(c: int) -> None:
            for k in range(shape[1]):
                sent = time.perf_counter()
                if sent >= t1:
                    return
                with contextlib.suppress(OSError, asyncio.TimeoutError, ValueError):
                    await _one(port, c * shape[1] + k, float(sizes[c, k]), 10.0)
                    if sent >= t0:
                        times.append(time.perf_counter() - sent)

        await asyncio.wait_for(asyncio.gather(*(client(c) for c in range(clients))), duration_s * 2 + 20)
        return clients / float(np.mean(times))

    return asyncio.run(run())
