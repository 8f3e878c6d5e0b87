#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""TCP echo bulk client for tcp_linux.sh (runs in the namespace, against fasttcp-echo).

Connects to ADDR:PORT, sends BYTES of random data in CHUNK-byte writes from one thread while
the main thread reads everything back; after the last byte the sending side is shut down
(half-close), and the echo service closes once it has sent everything back. Both directions
are hashed on the fly (nothing is kept in memory). Gives up when nothing arrives for IDLE
seconds or the whole exchange takes longer than TIMEOUT seconds; SIGTERM ends it too (the
result is still printed).

Prints one line, RESULT {json}: sent, received, sha256 of each, seconds, Mbit/s (of the
upload, which the echo returns concurrently), complete, and on failure the error. Exits 0
only if all BYTES came back and the two digests are equal.

    tcp_echo_client.py ADDR PORT BYTES [--chunk N] [--timeout S] [--idle S]
"""
import argparse
import hashlib
import json
import os
import random
import signal
import socket
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("bytes", type=int)
    ap.add_argument("--chunk", type=int, default=65536)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--idle", type=float, default=15.0)
    a = ap.parse_args()

    rnd = random.Random(int.from_bytes(os.urandom(8), "little"))
    # A pool of random data (16 MiB) sent at rotating offsets: random content without
    # generating 256 MiB of it; the digests are of exactly what went on the wire.
    pool = rnd.randbytes(16 << 20) + rnd.randbytes(a.chunk)
    res = {"sent": 0, "received": 0, "complete": False}
    sha_tx = hashlib.sha256()
    sha_rx = hashlib.sha256()
    err = []
    t0 = time.monotonic()
    deadline = t0 + a.timeout

    try:
        s = socket.create_connection((a.addr, a.port), timeout=min(a.idle, a.timeout))
    except OSError as e:
        res["error"] = "connect: %s" % e
        print("RESULT " + json.dumps(res))
        return 1
    s.settimeout(a.idle)

    def sender():
        try:
            left = a.bytes
            while left > 0 and time.monotonic() < deadline:
                n = min(a.chunk, left)
                off = rnd.randrange(0, 16 << 20)
                buf = pool[off:off + n]
                s.sendall(buf)
                sha_tx.update(buf)
                res["sent"] += n
                left -= n
            if left == 0:
                s.shutdown(socket.SHUT_WR)
            else:
                err.append("send: deadline")
        except OSError as e:
            err.append("send: %s" % e)

    def on_term(signum, frame):
        # Runs in the main thread: shutting the socket down ends the blocked recv() (EOF)
        # and the sender's sendall(), so the result below is still printed.
        if "stopped by SIGTERM" not in err:
            err.insert(0, "stopped by SIGTERM")
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    th = threading.Thread(target=sender, daemon=True)
    signal.signal(signal.SIGTERM, on_term)
    th.start()
    try:
        while time.monotonic() < deadline:
            d = s.recv(1 << 20)
            if not d:
                break
            sha_rx.update(d)
            res["received"] += len(d)
        else:
            err.append("receive: deadline (%.0f s)" % a.timeout)
    except socket.timeout:
        err.append("receive: nothing for %.0f s" % a.idle)
    except OSError as e:
        err.append("receive: %s" % e)
    dt = time.monotonic() - t0
    th.join(timeout=1.0)
    s.close()
    res["seconds"] = round(dt, 3)
    res["mbit_s"] = round(res["sent"] * 8 / dt / 1e6, 1) if dt > 0 else 0.0
    res["sha256_sent"] = sha_tx.hexdigest()
    res["sha256_received"] = sha_rx.hexdigest()
    res["complete"] = (res["sent"] == a.bytes and res["received"] == a.bytes and
                       res["sha256_sent"] == res["sha256_received"])
    if err:
        res["error"] = "; ".join(err)
    print("RESULT " + json.dumps(res))
    return 0 if res["complete"] else 1


if __name__ == "__main__":
    sys.exit(main())
