"""A single-threaded HTTP backend for the validation lab: it serves one request at a time
(the kernel's accept queue holds the others, first in first out), sleeping for the
service time the request asks for (``GET /?id=7&s=0.010``), and answers with the time it
was busy in the ``X-Service-Time`` header.

Run as ``python backend.py PORT``; binds 127.0.0.1 only, prints "ready" when listening and
exits on SIGTERM or after --max-requests requests or --max-seconds seconds.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from urllib.parse import parse_qs, urlsplit


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--max-requests", type=int, default=100_000)
    ap.add_argument("--max-seconds", type=float, default=600.0)
    args = ap.parse_args()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", args.port))
    srv.listen(4096)
    srv.settimeout(1.0)
    print("ready", flush=True)
    deadline = time.monotonic() + args.max_seconds
    served = 0
    while served < args.max_requests and time.monotonic() < deadline:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        start = time.perf_counter()
        with conn:
            conn.settimeout(10.0)
            data = b""
            try:
                while b"\r\n\r\n" not in data and len(data) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                continue
            line = data.split(b"\r\n", 1)[0].decode("latin-1")
            parts = line.split()
            query = parse_qs(urlsplit(parts[1]).query) if len(parts) >= 2 else {}
            service = float(query.get("s", ["0"])[0])
            end = start + service
            while (now := time.perf_counter()) < end:
                time.sleep(end - now)
            busy = time.perf_counter() - start
            body = b"ok\n"
            head = (
                f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nX-Service-Time: {busy:.6f}\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
            try:
                conn.sendall(head + body)
            except OSError:
                pass
        served += 1
    srv.close()


if __name__ == "__main__":
    sys.exit(main())
