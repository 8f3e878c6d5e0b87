#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A minimal OpenVPN data-channel client with static keys, for tests/integration/ovpn_gw.sh.

Speaks P_DATA_V2 with AEAD (openvpn-protocol.md §6: AES-128/192/256-GCM, CHACHA20-POLY1305,
tag-first layout, nonce = packet id || 8-byte implicit IV, AAD = the first 8 bytes) as the
*client* of the key2 block (§4.1, §4.4): it encrypts with key2[0..keylen) and nonce tail
key2[64..72), and decrypts with key2[128..) and key2[192..200). Needs /usr/bin/python3 with
python3-cryptography (no Scapy).

Tunnel commands (need the peer's key) print TAP lines ("ok - ..." / "not ok - ...") and exit
non-zero if a check failed:

  echo      ICMP echo requests through the tunnel to --target, replies decrypted and checked
  udp       UDP datagrams to an echo service --target IP:PORT behind the gateway, checked
  keepalive send a keepalive ping; wait for the gateway's own pings (keepalive_interval_s)
  replay    a sealed echo request sent three times: exactly one reply
  tamper    flipped tag / ciphertext / forged high packet id: no reply; then a valid echo works
  badpeer   valid-looking packets with an unknown peer-id: no reply
  spoof     an inner source that is not ours (RPF): no reply
  control   a P_CONTROL_HARD_RESET_CLIENT_V2 (the control channel does not exist yet)
  garbage   a barrage of random datagrams: random lengths, opcodes, key ids and peer-ids
            (valid ones too), truncated headers
  tun       bridge a TUN device to the tunnel (a tiny OpenVPN client): the namespace's kernel
            then pings, talks UDP and TCP through the gateway; runs until SIGTERM

Helpers without keys, for the LAN namespace and the TUN side:

  udp-echo-server --port P           RFC 862 echo over UDP
  tcp-server --port P                reads until EOF, answers "<bytes> <sha256> <TCP_MAXSEG>"
  tcp-client --target IP:PORT --bytes N   sends N bytes, checks the server's answer

Common options: --server IP[:PORT] --peer-id N --cipher NAME (--key-hex HEX | --key-file F)
[--key-id K] --vpn-addr A [--local-port P] [--pid-file F]. Packet ids start at 1, as for a
new key, unless --pid-file names a file that holds the next id from an earlier run with the
same key (it is rewritten at exit): the gateway's replay window remembers every run.
"""
import argparse
import fcntl
import hashlib
import os
import random
import select
import signal
import socket
import struct
import sys
import time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

P_DATA_V2 = 9
P_CONTROL_HARD_RESET_CLIENT_V2 = 7
PING = bytes.fromhex("2a187bf3641eb4cb07ed2d0a981fc748")
KEY_LEN = {"AES-128-GCM": 16, "AES-192-GCM": 24, "AES-256-GCM": 32, "CHACHA20-POLY1305": 32}
FAILED = []


def ok(cond, desc, detail=""):
    if cond:
        print("ok - " + desc, flush=True)
    else:
        FAILED.append(desc)
        print("not ok - " + desc, flush=True)
        if detail:
            print("#   " + detail, flush=True)
    return cond


def diag(text):
    print("# " + text, flush=True)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip4(src, dst, proto, payload, ttl=64, ident=0, df=False):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                      0x4000 if df else 0, ttl, proto, 0, socket.inet_aton(src),
                      socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def icmp_echo(ident, seq, data, reply=False):
    h = struct.pack("!BBHHH", 0 if reply else 8, 0, 0, ident, seq) + data
    return h[:2] + struct.pack("!H", csum(h)) + h[4:]


def udp4(src, dst, sport, dport, data):
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17,
                                                                      8 + len(data))
    h = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = csum(ph + h) or 0xffff
    return h[:6] + struct.pack("!H", c) + h[8:]


def parse_ip4(pkt):
    """(src, dst, proto, payload) of a valid IPv4 packet, else None."""
    if len(pkt) < 20 or pkt[0] >> 4 != 4:
        return None
    ihl = (pkt[0] & 15) * 4
    tot = struct.unpack("!H", pkt[2:4])[0]
    if ihl < 20 or tot < ihl or tot > len(pkt) or csum(pkt[:ihl]) != 0:
        return None
    return (socket.inet_ntoa(pkt[12:16]), socket.inet_ntoa(pkt[16:20]), pkt[9],
            pkt[ihl:tot])


class Channel:
    """One peer's data channel over a UDP socket."""

    def __init__(self, a):
        key2 = load_key2(a)
        n = KEY_LEN[a.cipher]
        cls = ChaCha20Poly1305 if a.cipher.startswith("CHACHA") else AESGCM
        self.enc, self.enc_tail = cls(key2[0:n]), key2[64:72]
        self.dec, self.dec_tail = cls(key2[128:128 + n]), key2[192:200]
        self.peer_id, self.key_id, self.vpn = a.peer_id, a.key_id, a.vpn_addr
        host, _, port = a.server.partition(":")
        self.server = (host, int(port or 1194))
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("0.0.0.0", a.local_port))
        self.sock.connect(self.server)
        self.pid_file = a.pid_file
        self.pid = 1
        if self.pid_file and os.path.exists(self.pid_file):
            self.pid = int(open(self.pid_file).read())
        self.pings_rx = 0
        self.rx_pids = set()

    def save(self):
        """Remember the next packet id for the next run with this key (--pid-file)."""
        if self.pid_file:
            with open(self.pid_file, "w") as f:
                f.write("%d\n" % self.pid)

    def header(self, pid, peer_id=None, opcode=P_DATA_V2):
        pid_ = self.peer_id if peer_id is None else peer_id
        return bytes([opcode << 3 | self.key_id]) + pid_.to_bytes(3, "big") + \
            pid.to_bytes(4, "big")

    def seal(self, payload, peer_id=None, pid=None):
        if pid is None:
            pid, self.pid = self.pid, self.pid + 1
        hdr = self.header(pid, peer_id)
        ct = self.enc.encrypt(pid.to_bytes(4, "big") + self.enc_tail, payload, hdr)
        return hdr + ct[-16:] + ct[:-16]

    def open(self, pkt):
        """Plaintext of a P_DATA_V2 packet from the gateway, or None (counted as bad)."""
        if len(pkt) < 25 or pkt[0] >> 3 != P_DATA_V2:
            return None
        pid = pkt[4:8]
        try:
            pt = self.dec.decrypt(pid + self.dec_tail, pkt[24:] + pkt[8:24], pkt[:8])
        except InvalidTag:
            return None
        p = int.from_bytes(pid, "big")
        if p in self.rx_pids:  # the gateway must never repeat a packet id
            return None
        self.rx_pids.add(p)
        return pt

    def send(self, payload, **kw):
        self.sock.send(self.seal(payload, **kw))

    def recv(self, timeout):
        """Next decrypted non-ping payload within timeout (pings are counted), or None."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return None
            pt = self.open(self.sock.recv(4096))
            if pt is None:
                continue
            if pt == PING:
                self.pings_rx += 1
                continue
            return pt

    def hello(self):
        """A keepalive first: the gateway learns our address before any reply is due."""
        self.send(PING)
        time.sleep(0.1)


def load_key2(a):
    if a.key_hex:
        k = bytes.fromhex("".join(a.key_hex.split()))
    else:
        text = open(a.key_file).read()
        body = text.split("-----BEGIN OpenVPN Static key V1-----")[1]
        body = body.split("-----END OpenVPN Static key V1-----")[0]
        k = bytes.fromhex("".join(body.split()))
    if len(k) != 256:
        raise SystemExit("key: need the 256-byte key2 block")
    return k


def echo_once(ch, target, seq, size, tries=3, expect=True):
    """Send an echo request; True if the matching reply came back (checked)."""
    data = bytes((seq * 7 + i) & 0xff for i in range(size))
    for _ in range(tries if expect else 1):
        ch.send(ip4(ch.vpn, target, 1, icmp_echo(0x4242, seq, data), ident=seq))
        end = time.monotonic() + (1.0 if expect else 0.5)
        while time.monotonic() < end:
            pt = ch.recv(end - time.monotonic())
            p = parse_ip4(pt) if pt else None
            if p and p[0] == target and p[1] == ch.vpn and p[2] == 1 and \
                    p[3] == icmp_echo(0x4242, seq, data, reply=True):
                return True
    return False


def cmd_echo(ch, a):
    ch.hello()
    got = sum(echo_once(ch, a.target, i + 1, a.size) for i in range(a.count))
    ok(got == a.count, "%s echo %s through the tunnel: %d/%d replies (%d bytes)"
       % (a.cipher, a.target, got, a.count, a.size))


def cmd_udp(ch, a):
    host, _, port = a.target.partition(":")
    ch.hello()
    good = 0
    for i in range(a.count):
        data = os.urandom(a.size)
        for _ in range(3):
            ch.send(ip4(ch.vpn, host, 17, udp4(ch.vpn, host, 40000, int(port), data)))
            pt = ch.recv(1.0)
            p = parse_ip4(pt) if pt else None
            if p and p[0] == host and p[2] == 17 and p[3][8:] == data:
                good += 1
                break
    ok(good == a.count, "%s UDP echo %s through the tunnel: %d/%d datagrams verified"
       % (a.cipher, a.target, good, a.count))


def cmd_keepalive(ch, a):
    ch.send(PING)
    ch.recv(a.wait)  # counts the gateway's pings while waiting
    ok(ch.pings_rx >= 1, "%s gateway sent keepalive pings within %ss (%d received)"
       % (a.cipher, a.wait, ch.pings_rx))


def cmd_replay(ch, a):
    ch.hello()
    data = b"replay-probe"
    pkt = ch.seal(ip4(ch.vpn, a.target, 1, icmp_echo(0x5151, 1, data), ident=1))
    replies = 0
    for _ in range(3):
        ch.sock.send(pkt)
        while ch.recv(0.7) is not None:
            replies += 1
    ok(replies == 1, "replayed packet: one reply for three copies (got %d)" % replies)


def cmd_tamper(ch, a):
    ch.hello()
    probe = ip4(ch.vpn, a.target, 1, icmp_echo(0x6161, 1, b"tamper"), ident=2)
    for what, pos in (("tag", 10), ("ciphertext", 30), ("header (AAD)", 5)):
        pkt = bytearray(ch.seal(probe))
        pkt[pos] ^= 0x40
        ch.sock.send(bytes(pkt))
        ok(ch.recv(0.5) is None, "tampered %s: no reply" % what)
    # A forged packet with a huge id must not move the replay window (pktid.h).
    forged = bytearray(ch.seal(probe, pid=0xfffffff0))
    forged[12] ^= 1
    ch.sock.send(bytes(forged))
    ok(echo_once(ch, a.target, 7, 32), "after the forgeries a valid echo still works")


def cmd_badpeer(ch, a):
    ch.hello()
    probe = ip4(ch.vpn, a.target, 1, icmp_echo(0x7171, 1, b"who"), ident=3)
    for _ in range(a.count):
        ch.send(probe, peer_id=a.bad_id)
    ok(ch.recv(0.5) is None, "unknown peer-id %d: no reply" % a.bad_id)


def cmd_spoof(ch, a):
    ch.hello()
    ch.send(ip4(a.spoof_src, a.target, 1, icmp_echo(0x8181, 1, b"spoof"), ident=4))
    ok(ch.recv(0.5) is None, "inner source %s (not ours): no reply" % a.spoof_src)


def cmd_control(ch, a):
    # opcode 7, key 0, session id, hmac-less ack array len 0, message packet id 0
    pkt = bytes([P_CONTROL_HARD_RESET_CLIENT_V2 << 3]) + os.urandom(8) + b"\0" + bytes(4)
    for _ in range(a.count):
        ch.sock.send(pkt)
    ok(True, "sent %d P_CONTROL_HARD_RESET_CLIENT_V2" % a.count)


def cmd_garbage(ch, a):
    rnd = random.Random(a.seed)
    for i in range(a.count):
        kind = i % 4
        if kind == 0:  # anything at all
            pkt = os.urandom(rnd.randrange(0, 1400))
        elif kind == 1:  # truncated P_DATA_V2 header
            pkt = ch.header(rnd.randrange(1, 1 << 32), rnd.choice([ch.peer_id, 0xffffff]))
            pkt = pkt[:rnd.randrange(0, 25)]
        elif kind == 2:  # any opcode, any peer-id, random body
            op = rnd.randrange(0, 32)
            pkt = ch.header(rnd.randrange(0, 1 << 32), rnd.randrange(0, 1 << 24), op)
            pkt += os.urandom(rnd.randrange(0, 200))
        else:  # our peer-id and key id, garbage tag and ciphertext
            pkt = ch.header(rnd.randrange(1, 1 << 32)) + os.urandom(rnd.randrange(17, 300))
        ch.sock.send(pkt)
        if i % 256 == 255:
            time.sleep(0.01)  # let the 2-core machine breathe; still a barrage
    ok(True, "sent %d garbage datagrams (seed %d)" % (a.count, a.seed))


def tun_open(name, mtu):
    TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454ca, 0x0001, 0x1000
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def cmd_tun(ch, a):
    fd = tun_open(a.tun, a.mtu)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    ch.hello()
    print("tun bridge ready", flush=True)
    last_tx = time.monotonic()
    while not stop:
        try:
            r = select.select([fd, ch.sock], [], [], 0.2)[0]
        except InterruptedError:
            continue
        if fd in r:
            ch.send(os.read(fd, 65535))
            last_tx = time.monotonic()
        if ch.sock in r:
            try:
                pt = ch.open(ch.sock.recv(65535))
            except ConnectionRefusedError:
                pt = None
            if pt is not None and pt != PING:
                os.write(fd, pt)
        if time.monotonic() - last_tx >= a.ping_s:  # keepalive (ping interval)
            ch.send(PING)
            last_tx = time.monotonic()
    os.close(fd)


def cmd_udp_echo_server(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", a.port))
    print("udp echo ready", flush=True)
    while True:
        d, peer = s.recvfrom(65535)
        s.sendto(d, peer)


def cmd_tcp_server(a):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", a.port))
    s.listen(8)
    print("tcp server ready", flush=True)
    while True:
        c, _ = s.accept()
        mss = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
        h, n = hashlib.sha256(), 0
        while True:
            d = c.recv(65536)
            if not d:
                break
            h.update(d)
            n += len(d)
        c.sendall(("%d %s %d\n" % (n, h.hexdigest(), mss)).encode())
        c.close()


def cmd_tcp_client(a):
    host, _, port = a.target.partition(":")
    data = os.urandom(a.bytes)
    t0 = time.monotonic()
    c = socket.create_connection((host, int(port)), timeout=30)
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    ans = b""
    while not ans.endswith(b"\n"):
        d = c.recv(4096)
        if not d:
            break
        ans += d
    dt = time.monotonic() - t0
    f = ans.decode().split()
    good = len(f) == 3 and int(f[0]) == a.bytes and f[1] == hashlib.sha256(data).hexdigest()
    ok(good, "TCP %d bytes through the tunnel to %s, SHA-256 intact (%.2f s)"
       % (a.bytes, a.target, dt), ans.decode())
    if good:
        print("# server_mss %s" % f[2], flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("command")
    p.add_argument("--server", default="198.51.100.1:1194")
    p.add_argument("--peer-id", type=int, default=0)
    p.add_argument("--key-id", type=int, default=0)
    p.add_argument("--cipher", default="AES-256-GCM", choices=sorted(KEY_LEN))
    p.add_argument("--key-hex")
    p.add_argument("--key-file")
    p.add_argument("--vpn-addr", default="10.8.0.2")
    p.add_argument("--local-port", type=int, default=0)
    p.add_argument("--pid-file", help="next packet id, kept across runs with one key")
    p.add_argument("--target", default="203.0.113.2")
    p.add_argument("--count", type=int, default=5)
    p.add_argument("--size", type=int, default=56)
    p.add_argument("--wait", type=float, default=5.0)
    p.add_argument("--bad-id", type=int, default=4000)
    p.add_argument("--spoof-src", default="10.99.0.1")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--tun", default="tun0")
    p.add_argument("--mtu", type=int, default=1500)
    p.add_argument("--ping-s", type=float, default=1.0)
    p.add_argument("--port", type=int, default=7)
    p.add_argument("--bytes", type=int, default=1 << 20)
    a = p.parse_args()
    helpers = {"udp-echo-server": cmd_udp_echo_server, "tcp-server": cmd_tcp_server,
               "tcp-client": cmd_tcp_client}
    tunnel = {"echo": cmd_echo, "udp": cmd_udp, "keepalive": cmd_keepalive,
              "replay": cmd_replay, "tamper": cmd_tamper, "badpeer": cmd_badpeer,
              "spoof": cmd_spoof, "control": cmd_control, "garbage": cmd_garbage,
              "tun": cmd_tun}
    if a.command in helpers:
        helpers[a.command](a)
    elif a.command in tunnel:
        if not a.key_hex and not a.key_file:
            p.error("--key-hex or --key-file is required")
        ch = Channel(a)
        try:
            tunnel[a.command](ch, a)
        finally:
            ch.save()
    else:
        p.error("unknown command " + a.command)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
