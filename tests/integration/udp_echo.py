#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""UDP echo client with a content check, run by tap_netns.sh inside the namespace.

Sends COUNT datagrams to an RFC 862 echo service, keeps WINDOW of them outstanding, resends
any unanswered for RTO seconds, and checks every reply byte for byte. Every payload is unique
in the run, so a reply identifies its request by content alone:
  - sizes 1..1400 for 9 datagrams in 10 (all sizes occur), and 1472..4000 for every tenth
    (1472 is the largest unfragmented payload at MTU 1500, so these are IPv4-fragmented in
    both directions: by Linux on the way in, by the stack on the way back);
  - payloads of 4 bytes or more start with the sequence number; shorter ones are a per-size
    counter.
Prints one JSON line with exact counts; exits 0 only if all COUNT were verified and nothing
unexpected arrived.

    udp_echo.py ADDR PORT [--count N] [--window N] [--rto S] [--timeout S]
"""
import argparse
import json
import os
import select
import socket
import sys
import time

IP_MTU_DISCOVER = 10
IP_PMTUDISC_DONT = 0
BIG_FIRST = [1472, 1473, 1480, 1481, 2952, 2953, 4000]


def sizes(count):
    out, big, small = [], 0, 0
    for i in range(count):
        if i % 10 == 9:
            s = BIG_FIRST[big] if big < len(BIG_FIRST) else 1472 + (big * 389) % 2529
            big += 1
        else:
            s = 1 + (small * 13) % 1400  # 13 and 1400 are coprime: every size in turn
            small += 1
        out.append(s)
    return out


def payloads(count):
    blob = os.urandom(8192)
    per_size = {}
    out = []
    for i, s in enumerate(sizes(count)):
        if s >= 4:
            off = (i * 97) % 4096
            p = i.to_bytes(4, "big") + blob[off:off + s - 4]
        else:
            n = per_size.get(s, 0)
            per_size[s] = n + 1
            p = n.to_bytes(s, "big")
        out.append(p)
    if len(set(out)) != count:
        raise SystemExit("payload generator produced duplicates")
    return out


def run(a):
    pl = payloads(a.count)
    index = {p: i for i, p in enumerate(pl)}
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
    s.connect((a.addr, a.port))
    s.setblocking(False)

    outstanding = {}            # seq -> last send time
    done = bytearray(a.count)
    r = dict(count=a.count, verified=0, bad=0, dup=0, sent=0, retransmits=0, refused=0,
             fragmented_sizes=sum(1 for p in pl if len(p) > 1472),
             min_size=min(len(p) for p in pl), max_size=max(len(p) for p in pl))
    nxt = 0
    t0 = time.monotonic()
    deadline = t0 + a.timeout
    last_scan = t0
    while r["verified"] < a.count:
        now = time.monotonic()
        if now > deadline:
            break
        while nxt < a.count and len(outstanding) < a.window:
            try:
                s.send(pl[nxt])
            except BlockingIOError:
                break
            outstanding[nxt] = now
            r["sent"] += 1
            nxt += 1
        rd, _, _ = select.select([s], [], [], 0.02)
        while rd:
            try:
                data = s.recv(65536)
            except BlockingIOError:
                break
            except ConnectionRefusedError:
                r["refused"] += 1
                continue
            seq = index.get(data)
            if seq is None:
                r["bad"] += 1
            elif done[seq]:
                r["dup"] += 1
            else:
                done[seq] = 1
                outstanding.pop(seq, None)
                r["verified"] += 1
        now = time.monotonic()
        if now - last_scan >= a.rto / 4:
            last_scan = now
            for seq, ts in list(outstanding.items()):
                if now - ts >= a.rto:
                    try:
                        s.send(pl[seq])
                    except BlockingIOError:
                        break
                    outstanding[seq] = now
                    r["retransmits"] += 1
    r["missing"] = a.count - r["verified"]
    r["elapsed_s"] = round(time.monotonic() - t0, 3)
    print(json.dumps(r))
    return 0 if r["verified"] == a.count and r["bad"] == 0 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--window", type=int, default=64)
    ap.add_argument("--rto", type=float, default=0.3)
    ap.add_argument("--timeout", type=float, default=45.0)
    try:
        return run(ap.parse_args())
    except OSError as e:  # e.g. the interface vanished because the stack died
        print(json.dumps({"error": str(e), "verified": 0}))
        return 1


if __name__ == "__main__":
    sys.exit(main())
