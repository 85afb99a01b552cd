#!/usr/bin/env python3
"""Control-channel latency under load: `n` parallel `status` requests, first alone, then with
`hostile` hostile clients connected (half silent, half stopped after 2 of the 4 length bytes).

`measure(runtime_dir)` is a client only: it talks to whatever server listens in
`runtime_dir` (the real app in `scripts/bench.py`, or the in-process server of `__main__`).
Each request runs in its own thread, all released at once by a barrier; its latency is from
the barrier to the decoded reply (connect, send, server work, reply). The hostile clients are
connected before the burst and kept until the server drops them, which also gives how long
the server let them stay (its read deadline).

`python scripts/bench_ipc.py` starts an `ipc.Server` with a trivial handler in a temp folder
in this process and prints the result as JSON. (Clients and server then share one
interpreter and its GIL, so these figures are an upper bound for the server's own share.)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from movebreak.adapters import ipc


def _percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of an ascending list."""
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def _burst(runtime_dir: Path, n: int, cmd: str, timeout: float) -> dict[str, Any]:
    """`n` requests at once; latency summary in milliseconds."""
    barrier = threading.Barrier(n)

    def one(_: int) -> float | str:
        barrier.wait(30)
        t0 = time.perf_counter()
        try:
            ipc.request(runtime_dir, cmd, timeout=timeout)
        except Exception as e:  # noqa: BLE001 - counted and reported
            return f"{type(e).__name__}: {e}"
        return time.perf_counter() - t0

    t_start = time.perf_counter()
    with ThreadPoolExecutor(n) as pool:
        results = list(pool.map(one, range(n)))
    wall = time.perf_counter() - t_start
    lat = sorted(r * 1000 for r in results if isinstance(r, float))
    errors = [r for r in results if isinstance(r, str)]
    out: dict[str, Any] = {"requests": n, "answered": len(lat), "errors": len(errors),
                           "wall_s": round(wall, 3)}
    if lat:
        out.update(p50_ms=round(_percentile(lat, 50), 2), p99_ms=round(_percentile(lat, 99), 2),
                   max_ms=round(lat[-1], 2))
    if errors:
        out["first_error"] = errors[0]
    return out


def _hostile_clients(path: str, count: int) -> list[socket.socket]:
    """Connected clients that never complete a request: even ones silent, odd ones partial."""
    clients = []
    for i in range(count):
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        if i % 2:
            s.sendall(b"\x00\x00")
        clients.append(s)
    return clients


def _time_to_drop(clients: list[socket.socket], since: float, limit: float) -> float | None:
    """Seconds from `since` until the server had hung up on every client (None: it did not
    within `limit`)."""
    last = 0.0
    for s in clients:
        s.settimeout(max(0.01, since + limit - time.monotonic()))
        try:
            if s.recv(16) != b"":
                return None
        except TimeoutError:
            return None
        except OSError:
            pass  # reset: dropped too
        last = time.monotonic() - since
    return round(last, 3)


def measure(runtime_dir: Path, n: int = 200, hostile: int = 10, cmd: str = "status",
            timeout: float = 10.0) -> dict[str, Any]:
    """p50 / p99 / max latency of `n` parallel `cmd` requests to the server in `runtime_dir`,
    without and with `hostile` hostile clients connected; and how long the server kept the
    hostile ones (POSIX: its read deadline). Any thread may call it; it starts n threads."""
    runtime_dir = Path(runtime_dir)
    ipc.request(runtime_dir, cmd, timeout=timeout)  # warm: imports, first-use caches
    result: dict[str, Any] = {"n": n, "hostile": hostile, "cmd": cmd,
                              "without_hostile": _burst(runtime_dir, n, cmd, timeout)}
    clients = _hostile_clients(ipc.address(runtime_dir), hostile) if hostile else []
    t_connected = time.monotonic()
    try:
        result["with_hostile"] = _burst(runtime_dir, n, cmd, timeout)
        # were they still connected for the whole burst (not already dropped)?
        result["with_hostile"]["hostile_connected_throughout"] = (
            time.monotonic() - t_connected < ipc.READ_TIMEOUT_S)
        if clients:
            result["hostile_dropped_after_s"] = _time_to_drop(
                clients, t_connected, ipc.READ_TIMEOUT_S + 3)
    finally:
        for s in clients:
            s.close()
    result["ok"] = all(result[k]["answered"] == n for k in ("without_hostile", "with_hostile"))
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=200, help="parallel requests (default 200)")
    p.add_argument("--hostile", type=int, default=10, help="hostile clients (default 10)")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="movebreak-bench-ipc-") as tmp:
        run = Path(tmp) / "run"
        run.mkdir(mode=0o700)
        server = ipc.Server(run, lambda message: {"pid": os.getpid(), "cmd": message["cmd"]})
        server.start()
        try:
            result = measure(run, args.n, args.hostile)
        finally:
            server.stop()
    result["server"] = "in-process ipc.Server, trivial handler"
    print(json.dumps(result, indent=2))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
