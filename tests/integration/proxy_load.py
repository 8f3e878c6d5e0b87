#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""HTTP/1.0 load through fasttcp-proxy, optionally killing a backend mid-run. Used by proxy.sh.

    proxy_load.py HOST PORT PATH THREADS SECONDS [--kill PID AT_S PREFIX BACKEND_KEY]

THREADS threads each loop for SECONDS: connect, "GET PATH HTTP/1.0", read to EOF; a request
succeeds with a 200, its full Content-Length body and an X-Backend header (which backend
answered). With --kill, at AT_S seconds the script reads the proxy's telemetry
(/fasttcp_proxy/backends of file prefix PREFIX, entry BACKEND_KEY, e.g. "web/b0") for the
connections open to that backend, then SIGKILLs PID (the backend process) at once.

Prints one JSON object:
  total, ok, failed               requests
  failed_after_kill               failed requests that started after the kill
  active_at_kill                  the backend's open proxied connections just before it
  before, after                   {X-Backend: successful requests} started before / after
"""
import json
import os
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ftit import Telemetry  # noqa: E402


def request(host, port, path):
    """One request; returns the X-Backend name, or None on any failure."""
    try:
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(b"GET %s HTTP/1.0\r\nHost: proxy\r\n\r\n" % path.encode())
        parts = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            parts.append(b)
        s.close()
    except OSError:
        return None
    head, _, body = b"".join(parts).partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    if not lines[0].startswith(b"HTTP/1.") or b" 200 " not in lines[0]:
        return None
    hdr = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        hdr[k.strip().lower()] = v.strip().decode()
    if int(hdr.get(b"content-length", -1)) != len(body):
        return None
    return hdr.get(b"x-backend")


def worker(args, end, results):
    host, port, path = args
    while time.monotonic() < end:
        t0 = time.monotonic()
        results.append((t0, request(host, port, path)))


def kill_backend(pid, prefix, key):
    t = Telemetry(prefix)
    active = t.query("/fasttcp_proxy/backends")[key]["active"]
    t.close()
    os.kill(pid, signal.SIGKILL)
    return time.monotonic(), active


def main(argv):
    host, port, path = argv[1], int(argv[2]), argv[3]
    threads, seconds = int(argv[4]), float(argv[5])
    kill = argv[7:11] if len(argv) >= 11 and argv[6] == "--kill" else None
    start = time.monotonic()
    end = start + seconds
    results = []
    ts = [threading.Thread(target=worker, args=((host, port, path), end, results))
          for _ in range(threads)]
    for t in ts:
        t.start()
    t_kill, active = float("inf"), None
    if kill is not None:
        time.sleep(max(0.0, start + float(kill[1]) - time.monotonic()))
        t_kill, active = kill_backend(int(kill[0]), kill[2], kill[3])
    for t in ts:
        t.join()
    out = {"total": len(results), "ok": 0, "failed": 0, "failed_after_kill": 0,
           "active_at_kill": active, "before": {}, "after": {}}
    for t0, backend in results:
        if backend is None:
            out["failed"] += 1
            out["failed_after_kill"] += t0 > t_kill
            continue
        out["ok"] += 1
        side = out["after"] if t0 > t_kill else out["before"]
        side[backend] = side.get(backend, 0) + 1
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
