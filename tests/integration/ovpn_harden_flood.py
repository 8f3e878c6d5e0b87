#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Flood an OpenVPN UDP server with spoofed hard resets and count its stateless replies.

Sends COUNT P_CONTROL_HARD_RESET_CLIENT_V2 packets (every V3_EVERY-th one a
P_CONTROL_HARD_RESET_CLIENT_V3 instead) from a raw socket (IP_HDRINCL), with source
addresses cycling over SRC_BASE .. SRC_BASE+SRC_COUNT-1 and a different source port and
client session id for every packet, at RATE packets/s (0: as fast as Python goes). Each
packet's session id is b"FLD" + its 4-byte index + 0x01, so a reply (the server's
HARD_RESET_SERVER_V2 echoes the client sid as "remote sid") names the packet it answers.

A forked child listens on IFACE with an AF_PACKET socket (before netfilter: the test drops
the replies in the namespace's input hook so that the kernel sends no port-unreachables) and
counts the replies: 26-byte HARD_RESET_SERVER_V2 from port 1194 to a flood address, acks
[0], msg-pid 0, remote sid one of ours. It stops QUIET_S seconds after the last reply.

Prints one line: FLOOD {json} with sent, send_s, offered_pps, v2, v3, replies (distinct
packets answered), replies_bad (malformed or unknown sid), replies_to_v3 (answers to a V3
reset, which a server without tls-crypt-v2 must not give), first/last reply times
relative to the first send, absorbed_pps (replies over first send .. last reply).

Usage (as root, inside the client namespace):
  ovpn_harden_flood.py --iface IF --target 198.51.100.1:1194 --src-base 198.51.100.100
"""
import argparse
import ipaddress
import json
import os
import random
import socket
import struct
import sys
import time

OP_V2 = 7
OP_V3 = 10
OP_SERVER_V2 = 8
ETH_P_IP = 0x0800


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def sid_of(i):
    return b"FLD" + struct.pack("!I", i) + b"\x01"


def packet(i, src, sport, dst, dport, opcode):
    # 1.3: opcode<<3 | key_id 0, own sid, ack_count 0, msg-pid 0; V3 gets a dummy WKc
    # (its last 2 bytes are its length, 2.4): without tls-crypt-v2 it is just trailing bytes.
    ovpn = bytes([opcode << 3]) + sid_of(i) + b"\x00" + b"\x00\x00\x00\x00"
    if opcode == OP_V3:
        ovpn += b"\xaa" * 30 + struct.pack("!H", 32)
    ulen = 8 + len(ovpn)
    pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_UDP, ulen)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + ovpn
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, i & 0xFFFF, 0, 64,
                     socket.IPPROTO_UDP, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + udp


def listen(a, srcs, out_fd, t_ref_fd):
    """Child: count replies until QUIET_S without one (or MAX_S)."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    # A burst of replies must not overflow the socket while Python catches up (SO_RCVBUFFORCE:
    # above rmem_max, as root).
    s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)
    s.bind((a.iface, 0))
    s.settimeout(0.2)
    os.write(t_ref_fd, b"r")  # listening: the parent may start
    seen, bad, v3, first, last = set(), 0, 0, None, None
    t_start = time.monotonic()
    idle_since = t_start
    while True:
        now = time.monotonic()
        if now - idle_since > a.quiet_s or now - t_start > a.max_s:
            break
        try:
            pkt = s.recv(2048)
        except socket.timeout:
            continue
        if len(pkt) < 28 or pkt[9] != socket.IPPROTO_UDP or pkt[16:20] not in srcs:
            continue
        ihl = (pkt[0] & 0x0F) * 4
        sport = struct.unpack("!H", pkt[ihl:ihl + 2])[0]
        if sport != a.port:
            continue
        p = pkt[ihl + 8:]
        idle_since = time.monotonic()
        first = idle_since if first is None else first
        last = idle_since
        if (len(p) == 26 and p[0] == OP_SERVER_V2 << 3 and p[9] == 1 and
                p[10:14] == b"\0\0\0\0" and p[14:17] == b"FLD" and p[22:26] == b"\0\0\0\0"):
            i = struct.unpack("!I", p[17:21])[0]
            seen.add(i)
            k = i - a.first_index
            v3 += a.v3_every > 0 and k % a.v3_every == a.v3_every - 1
        else:
            bad += 1
    os.write(out_fd, json.dumps({"replies": len(seen), "replies_bad": bad,
                                 "replies_to_v3": v3,
                                 "first_mono": first, "last_mono": last}).encode())
    os._exit(0)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--iface", required=True)
    p.add_argument("--target", default="198.51.100.1:1194")
    p.add_argument("--src-base", default="198.51.100.100")
    p.add_argument("--src-count", type=int, default=64)
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--rate", type=float, default=0.0, help="packets/s, 0 = unlimited")
    p.add_argument("--v3-every", type=int, default=10, help="every Nth packet is a V3, 0: none")
    p.add_argument("--first-index", type=int, default=0)
    p.add_argument("--quiet-s", type=float, default=1.5)
    p.add_argument("--max-s", type=float, default=30.0)
    a = p.parse_args()
    host, _, port = a.target.partition(":")
    a.port = int(port)
    dst = socket.inet_aton(host)
    base = int(ipaddress.IPv4Address(a.src_base))
    srcs = [socket.inet_aton(str(ipaddress.IPv4Address(base + k))) for k in range(a.src_count)]

    rd, wr = os.pipe()
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rd)
        listen(a, set(srcs), wr, ready_w)
    os.close(wr)
    os.read(ready_r, 1)

    rng = random.Random(a.first_index)
    pkts, v2, v3 = [], 0, 0
    for k in range(a.count):
        i = a.first_index + k
        op = OP_V3 if a.v3_every and k % a.v3_every == a.v3_every - 1 else OP_V2
        v3 += op == OP_V3
        v2 += op == OP_V2
        pkts.append(packet(i, srcs[k % len(srcs)], rng.randrange(1024, 65536), dst, a.port, op))

    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    gap = 1.0 / a.rate if a.rate > 0 else 0.0
    errors = 0
    t0 = time.monotonic()
    for k, pk in enumerate(pkts):
        if gap:
            due = t0 + k * gap
            while time.monotonic() < due:
                pass
        try:
            s.sendto(pk, (host, 0))
        except OSError:
            errors += 1  # ENOBUFS: the local queue is full; counted, not retried
    send_s = time.monotonic() - t0

    res = b""
    while True:
        chunk = os.read(rd, 65536)
        if not chunk:
            break
        res += chunk
    os.waitpid(pid, 0)
    r = json.loads(res.decode() or "{}")
    out = {"sent": a.count - errors, "send_errors": errors, "v2": v2, "v3": v3,
           "send_s": round(send_s, 4),
           "offered_pps": round((a.count - errors) / send_s) if send_s > 0 else 0,
           "replies": r.get("replies", 0), "replies_bad": r.get("replies_bad", 0),
           "replies_to_v3": r.get("replies_to_v3", 0)}
    if r.get("last_mono") is not None:
        span = r["last_mono"] - t0
        out["first_reply_s"] = round(r["first_mono"] - t0, 4)
        out["last_reply_s"] = round(span, 4)
        out["absorbed_pps"] = round(out["replies"] / span) if span > 0 else 0
    print("FLOOD " + json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
