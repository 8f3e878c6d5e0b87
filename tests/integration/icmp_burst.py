#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ICMP error rate limit probe, run by tap_netns.sh inside the namespace.

Sends N UDP datagrams to a closed port of the stack as fast as possible, waits until the stack
has counted all of them (udp_no_port), and prints one JSON line with the counter deltas and the
elapsed time. The counters are read here, right around the burst, so "elapsed" is a tight upper
bound on the time the stack had to refill its token bucket.

    icmp_burst.py TELEMETRY_PREFIX ADDR PORT N
"""
import json
import socket
import sys
import time

from ftit import Telemetry


def snapshot(t):
    st, dr = t.stats(), t.drops()
    return dict(no_port=dr["udp_no_port"], ratelimit=dr["icmp_ratelimit"],
                err_tx=st["icmp_err_tx"])


def main(argv):
    prefix, addr, port, n = argv[1], argv[2], int(argv[3]), int(argv[4])
    t = Telemetry(prefix)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    t0 = time.monotonic()
    before = snapshot(t)
    for i in range(n):
        s.sendto(i.to_bytes(4, "big"), (addr, port))
    t.wait_for("/fasttcp/drops", "udp_no_port", before["no_port"] + n, 5.0)
    time.sleep(0.02)  # let the last errors be counted
    after = snapshot(t)
    elapsed = time.monotonic() - t0
    out = {k: after[k] - before[k] for k in before}
    out.update(sent=n, elapsed_s=round(elapsed, 4))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
