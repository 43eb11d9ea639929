"""The durability models against redis-server on loopback, killed with SIGKILL (a process
crash) under a paced write load.

AOF with ``appendfsync everysec``: no acknowledged write is lost, as
``redis_aof(rate, "everysec", crash="process")`` says (the machine-crash figure, up to
2 s of writes, needs the page cache to be lost too). RDB with one save rule: what is lost
is exactly the writes since the last snapshot (the survivors are a prefix of the write
sequence), and no more than ``redis_rdb``'s worst case per crash.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import threading
import time

import pytest
from lab import free_port, started

import scalemodel as sm

REDIS = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(
    REDIS is None,
    reason="redis-server is not installed (Debian: apt-get install redis-server; quickstart.sh installs it)",
)
R = sm.reliability
RATE = 2000.0  # writes per second, paced
CRON_S = 0.1  # serverCron runs the save rules 10 times a second (hz 10)


def _command(*args: str) -> bytes:
    out = [f"*{len(args)}\r\n".encode()]
    for a in args:
        b = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


class Client:
    """A minimal synchronous RESP client (one connection, one reply per command)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def call(self, *args: str) -> bytes:
        self.sock.sendall(_command(*args))
        return self._line()

    def pipeline(self, commands: list[tuple[str, ...]]) -> list[bytes]:
        self.sock.sendall(b"".join(_command(*c) for c in commands))
        return [self._line() for _ in commands]

    def close(self) -> None:
        self.sock.close()


def _server(port: int, workdir, persistence: list[str]) -> list[str]:
    return [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir), "--daemonize", "no",
            "--logfile", "", "--loglevel", "warning", *persistence]  # fmt: skip


def _wait_loaded(port: int, timeout_s: float = 20.0) -> Client:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ConnectionError):
            c = Client(port)
            if c.call("PING") == b"+PONG":
                return c
            c.close()
        time.sleep(0.05)
    raise TimeoutError("redis-server did not finish loading")


def _crash_under_load(workdir, persistence: list[str], kill_after_s: float) -> tuple[int, list[int], dict]:
    """Writes SET k:i at RATE per second, SIGKILLs the server after kill_after_s, restarts it
    on the same files; returns the acknowledged count, the surviving indices among them and
    INFO persistence read just before the kill."""
    port = free_port()
    acked = 0
    info: dict[str, str] = {}
    with started(_server(port, workdir, persistence), port) as proc:
        client = _wait_loaded(port)
        stop = threading.Event()

        def write() -> None:
            nonlocal acked
            start = time.perf_counter()
            i = 0
            with contextlib.suppress(OSError, ConnectionError):
                while not stop.is_set() and i < int(RATE * 60):  # bounded: at most a minute
                    delay = start + i / RATE - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    if client.call("SET", f"k:{i}", str(i)) != b"+OK":
                        break
                    i += 1
                    acked = i

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        time.sleep(kill_after_s)
        probe = Client(port)
        raw = probe.call("INFO", "persistence")
        size = int(raw[1:])
        while len(probe.buf) < size + 2:
            probe.buf += probe.sock.recv(65536)
        info = dict(line.split(":", 1) for line in probe.buf[:size].decode().splitlines() if ":" in line)
        os.kill(proc.pid, signal.SIGKILL)  # the server this test started
        proc.wait(10)
        writer.join(10)
        stop.set()
        probe.close()
        client.close()
    port = free_port()
    with started(_server(port, workdir, persistence), port, timeout_s=20):
        c = _wait_loaded(port)
        found = []
        for lo in range(0, acked, 5000):
            hi = min(acked, lo + 5000)
            replies = c.pipeline([("EXISTS", f"k:{i}") for i in range(lo, hi)])
            found += [lo + j for j, r in enumerate(replies) if r == b":1"]
        c.close()
    return acked, found, info


def test_aof_everysec_loses_no_acknowledged_write_on_a_process_crash(tmp_path) -> None:
    acked, found, _ = _crash_under_load(
        tmp_path, ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""], kill_after_s=3.0
    )
    lost = acked - len(found)
    model = R.redis_aof(RATE, "everysec", crash="process")
    print(f"\nredis AOF everysec, SIGKILL after 3 s at {RATE:g}/s: {acked} acknowledged, {lost} lost "
          f"(model: {model.worst_per_crash:g} at worst; a machine crash: "
          f"{R.redis_aof(RATE, 'everysec').expected_per_crash:g} expected)")  # fmt: skip
    assert acked > 0.8 * RATE * 3.0
    assert lost == model.worst_per_crash == 0


def test_rdb_loses_the_writes_since_the_last_snapshot(tmp_path) -> None:
    # Redis runs `save 2 100` once MORE than 2 whole seconds have passed since the last
    # save (server.unixtime - server.lastsave > 2, in whole seconds, lastsave set when a
    # save completes), so its real cycle is about 3 s: the model is given that cycle.
    rules = ((3, 100),)
    acked, found, info = _crash_under_load(
        tmp_path, ["--appendonly", "no", "--save", "2 100"], kill_after_s=5.3
    )
    lost = acked - len(found)
    model = R.redis_rdb(RATE, rules, cycles=1 << 10, seed=1)
    print(f"\nredis RDB save 2 100, SIGKILL after 5.3 s at {RATE:g}/s: {acked} acknowledged, {lost} lost; "
          f"changes since the last save at the kill: {info.get('rdb_changes_since_last_save')}; model per crash: "
          f"{model.expected_per_crash:.0f} expected, {model.fluid_worst_per_crash:.0f} at worst")  # fmt: skip
    assert found == list(range(len(found)))  # the snapshot holds a prefix of the writes
    assert len(found) > 0 and info.get("rdb_bgsave_in_progress") in ("0", "1")
    # no more than a cycle's worth, plus the cron's delay in starting a save and the writes during it
    assert 0 <= lost <= model.fluid_worst_per_crash + RATE * CRON_S + 0.05 * RATE
    # what the server counted as unsaved just before the kill, give or take the writes in flight
    assert abs(lost - int(info["rdb_changes_since_last_save"])) <= 0.05 * RATE
