"""Independent oracle for replay tests: response times of FIFO single servers, computed
request by request (Lindley's recursion), written here apart from the engine."""

from __future__ import annotations

import numpy as np


def lindley(t: np.ndarray, svc: np.ndarray) -> np.ndarray:
    """Response times of a FIFO single server (start = max(arrival, previous end))."""
    out = np.empty_like(t)
    free = 0.0
    for i in range(t.size):
        start = max(t[i], free)
        free = start + svc[i]
        out[i] = free - t[i]
    return out


def per_server(t: np.ndarray, svc: np.ndarray, server: np.ndarray) -> np.ndarray:
    """Responses when request i goes to server[i], each server a FIFO single server."""
    resp = np.empty_like(t)
    for s in np.unique(server):
        mine = server == s
        resp[mine] = lindley(t[mine], svc[mine])
    return resp
