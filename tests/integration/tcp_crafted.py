#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Crafted-segment TCP conformance checks against a fasttcp stack on a tap, run by
tcp_crafted.sh inside the network namespace that holds the tap interface.

The namespace side is played by hand: segments are built with Scapy and sent as raw Ethernet
frames (AF_PACKET) on the namespace interface; a reader thread receives every frame the stack
sends and hands its TCP segments to the connection they belong to (by our port). The namespace
kernel's own RSTs for these ports are dropped by an nft rule (tcp_crafted.sh), so the kernel
never interferes with the crafted connections. Counters come from the stack's telemetry socket
(/fasttcp/stats, /fasttcp/drops, /fasttcp/tcp).

Phases (one per invocation), each printing TAP lines ("ok - ..." / "not ok - ..." with the
packets exchanged as "#" lines on failure):

    echo     against fasttcp-echo (port 7): handshake and options, MSS and peer window, RFC 5961
             RST/SYN/ACK checks, out-of-window, PAWS, SACK, D-SACK, delayed ACK, zero-window
             probing, passive close, malformed segments and closed ports
    recovery against fasttcp-echo as the sender of its echo: RACK loss detection and its
             reordering window, tail loss probes (with and without D-SACK), fast retransmit
             without SACK, RTO (SACK marks kept), a SACK attack (RFC 8985, 5681, 6298)
    close    against fasttcp-httpd (port 80, "Connection: close": the stack closes first):
             simultaneous close (CLOSING), TIME-WAIT and a retransmitted FIN in TIME-WAIT
    simopen  against fasttcp-get (the stack connects to us): simultaneous open

    tcp_crafted.py PHASE --iface IF --stack-mac MAC --ns-mac MAC --stack-ip A --ns-ip A
                   --tel PREFIX [phase options]
Exit status 0 if every check passed.
"""
import argparse
import os
import queue
import random
import re
import select
import socket
import struct
import sys
import threading
import time

from scapy.all import IP, TCP, Ether, Raw

from ftit import Telemetry

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
F_FIN, F_SYN, F_RST, F_PSH, F_ACK = 0x01, 0x02, 0x04, 0x08, 0x10
M32 = 0xffffffff


def sadd(a, b):
    return (a + b) & M32


def sdiff(a, b):
    """a - b in sequence space, as a signed number."""
    return ((a - b + 0x80000000) & M32) - 0x80000000


def flag_str(f):
    return "".join(c for c, b in zip("FSRPAU", (1, 2, 4, 8, 16, 32)) if f & b) or "-"


def parse_opts(b):
    o = {}
    i = 0
    while i < len(b):
        k = b[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        if i + 1 >= len(b) or b[i + 1] < 2:
            o["bad"] = True
            break
        ln = b[i + 1]
        v = b[i + 2:i + ln]
        if k == 2 and ln == 4:
            o["mss"] = struct.unpack("!H", v)[0]
        elif k == 3 and ln == 3:
            o["ws"] = v[0]
        elif k == 4 and ln == 2:
            o["sackok"] = True
        elif k == 8 and ln == 10:
            o["ts"] = struct.unpack("!II", v)
        elif k == 5 and (ln - 2) % 8 == 0:
            o["sack"] = [struct.unpack("!II", v[j:j + 8]) for j in range(0, ln - 2, 8)]
        i += ln
    return o


class Seg:
    """A TCP segment received from the stack (parsed by hand from the raw frame)."""

    def __init__(self, t, frame):
        ip = frame[14:]
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        self.t = t
        self.src = socket.inet_ntoa(ip[12:16])
        self.dst = socket.inet_ntoa(ip[16:20])
        tcp = ip[ihl:tot]
        (self.sport, self.dport, self.seq, self.ack, off, self.flags, self.win, _,
         _) = struct.unpack("!HHIIBBHHH", tcp[:20])
        doff = (off >> 4) * 4
        self.opts = parse_opts(tcp[20:doff])
        self.payload = bytes(tcp[doff:])
        self.len = len(self.payload)
        self.rexmit = False   # data starting below the highest end seen before (Conn.absorb)
        self.dropped = False  # "lost" on the way to us: Conn.drop said so

    @property
    def ts(self):
        return self.opts.get("ts")

    def sack(self):
        return self.opts.get("sack", [])


class Wire:
    """Raw L2 access to the namespace interface. The reader thread routes every TCP segment
    from the stack to the queue of its destination port (our port)."""

    def __init__(self, a):
        self.a = a
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.bind((a.iface, 0))
        self.tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.tx.bind((a.iface, 0))
        self.queues = {}
        self.lock = threading.Lock()
        self.stop = False
        self.ip_id = random.randint(0, 0xffff)
        self.send_errors = []
        self.th = threading.Thread(target=self._reader, daemon=True)
        self.th.start()

    def register(self, port):
        with self.lock:
            q = self.queues[port] = queue.Queue()
        return q

    def _reader(self):
        stack_ip = socket.inet_aton(self.a.stack_ip)
        while not self.stop:
            r, _, _ = select.select([self.sock], [], [], 0.1)
            if not r:
                continue
            try:
                data, addr = self.sock.recvfrom(65535)
            except OSError:  # the interface went away: its DPDK process exited
                return
            t = time.monotonic()
            if addr[2] == PACKET_OUTGOING or len(data) < 54 or data[12:14] != b"\x08\x00":
                continue
            if data[14 + 9] != 6 or data[14 + 12:14 + 16] != stack_ip:
                continue
            try:
                s = Seg(t, data)
            except (struct.error, IndexError):
                continue
            with self.lock:
                q = self.queues.get(s.dport)
            if q is not None:
                q.put(s)

    def send_raw(self, l3):
        """Send an IP packet (Scapy layer) in an Ethernet frame to the stack."""
        self.ip_id = (self.ip_id + 1) & 0xffff
        if l3.id == 1:  # Scapy's default: give each packet its own id
            l3.id = self.ip_id
        f = bytes(Ether(dst=self.a.stack_mac, src=self.a.ns_mac) / l3)
        t = time.monotonic()
        try:
            self.tx.send(f)
        except OSError as e:  # ENETDOWN once the stack's process has exited (fasttcp-get)
            self.send_errors.append(str(e))
        return t

    def close(self):
        self.stop = True
        self.th.join(1)


class Conn:
    """One crafted connection: our side's sequence state, the stack's data as received, and a
    trace of every segment both ways (relative sequence numbers) for failure reports."""

    def __init__(self, wire, sport, dport, mss=1000, ws=7, sack=True, ts=True, win=None):
        self.w = wire
        self.a = wire.a
        self.sport, self.dport = sport, dport
        self.q = wire.register(sport)
        self.mss, self.ws, self.sack_ok, self.use_ts = mss, ws, sack, ts
        self.iss = random.randint(0, M32)
        self.snd_nxt = self.iss
        self.irs = None          # the stack's ISS
        self.rcv_nxt = None      # next byte expected from the stack
        self.acked = None        # highest ACK we have sent
        self.win = win if win is not None else 31  # window field we send (scaled by ws)
        self.ts_base = random.randint(1 << 20, 1 << 30)
        self.t0 = time.monotonic()
        self.ts_recent = 0       # the stack's last TSval (our TSecr)
        self.rx = {}             # seq -> payload from the stack
        self.data = bytearray()  # in-order data from the stack
        self.fin_seq = None      # sequence number of the stack's FIN
        self.trace = []
        self.last_tsval = None
        self.accept_data = self.win != 0  # a zero-window receiver takes no data
        self.drop = None         # predicate(seg): the segment is lost before it reaches us
        self.seen_end = None     # highest end of the stack's data seen (dropped included)
        self.rexmits = []        # the stack's retransmissions (Seg.rexmit), dropped included
        self.lost = []           # the segments self.drop took
        self.hs_hold = 0.0       # how long connect() held the final ACK of the handshake

    # --- formatting ---------------------------------------------------------------------
    def _rel_ours(self, v):
        return sdiff(v, self.iss)

    def _rel_theirs(self, v):
        return sdiff(v, self.irs) if self.irs is not None else v

    def log_out(self, flags, seq, ack, win, plen, opts, note=""):
        self.trace.append("%7.3f > %-3s seq %d ack %s win %d len %d%s%s" % (
            time.monotonic() - self.t0, flag_str(flags), self._rel_ours(seq),
            self._rel_theirs(ack) if flags & F_ACK else "-", win, plen,
            " " + opts if opts else "", " (%s)" % note if note else ""))

    def log_in(self, s):
        o = []
        for k in ("mss", "ws", "sackok"):
            if k in s.opts:
                o.append("%s=%s" % (k, s.opts[k]))
        if s.ts:
            o.append("ts=%d/%d" % (s.ts[0], s.ts[1]))
        if s.sack():
            o.append("sack=" + ",".join("%d-%d" % (self._rel_ours(a), self._rel_ours(b))
                                        for a, b in s.sack()))
        self.trace.append("%7.3f < %-3s seq %d ack %d win %d len %d %s" % (
            s.t - self.t0, flag_str(s.flags), self._rel_theirs(s.seq),
            self._rel_ours(s.ack) if s.flags & F_ACK else -1, s.win, s.len, " ".join(o)))

    def dump(self, n=24):
        return ["packets (ours >, stack <; seq/ack relative to each ISS; t in s):"] + \
            self.trace[-n:]

    # --- sending ------------------------------------------------------------------------
    def tsval(self):
        v = (self.ts_base + int((time.monotonic() - self.t0) * 1000)) & M32
        if self.last_tsval is not None and sdiff(v, self.last_tsval) <= 0:
            v = sadd(self.last_tsval, 1)
        self.last_tsval = v
        return v

    def send(self, flags, payload=b"", seq=None, ack=None, win=None, opts=None, tsval=None,
             note="", advance=True):
        """Send one segment. Defaults: seq = snd_nxt, ack = rcv_nxt, window = self.win,
        options NOP NOP TS (if timestamps are used). Advances snd_nxt past new data/SYN/FIN
        when seq is the default and advance is set. @return the send time."""
        own_seq = seq is None
        seq = self.snd_nxt if seq is None else seq
        if ack is None:
            ack = self.rcv_nxt if self.rcv_nxt is not None else 0
        win = self.win if win is None else win
        if opts is None:
            opts = []
            if self.use_ts:
                tv = self.tsval() if tsval is None else tsval
                opts = [("NOP", None), ("NOP", None), ("Timestamp", (tv, self.ts_recent))]
        p = IP(src=self.a.ns_ip, dst=self.a.stack_ip) / TCP(
            sport=self.sport, dport=self.dport, seq=seq, ack=ack if flags & F_ACK else 0,
            flags=flags, window=win, options=opts)
        if payload:
            p = p / Raw(payload)
        if flags & F_ACK and (self.acked is None or sdiff(ack, self.acked) > 0):
            self.acked = ack
        ostr = " ".join("%s" % (o[0] if o[1] in (None, b"") else "%s=%s" % o) for o in opts
                        if o[0] not in ("NOP", "SAck"))
        for o in opts:
            if o[0] == "SAck":  # relative to the stack's ISS, like the trace's ack numbers
                v = [self._rel_theirs(x) for x in o[1]]
                ostr += " sack=" + ",".join("%d-%d" % (v[i], v[i + 1])
                                            for i in range(0, len(v) - 1, 2))
        self.log_out(flags, seq, ack, win, len(payload), ostr, note)
        t = self.w.send_raw(p)
        if own_seq and advance:
            self.snd_nxt = sadd(self.snd_nxt, len(payload) + (1 if flags & (F_SYN | F_FIN)
                                                                else 0))
        return t

    def send_ack(self, **kw):
        return self.send(F_ACK, **kw)

    # --- receiving ----------------------------------------------------------------------
    def absorb(self, s):
        """Record a received segment: data, FIN, the stack's TSval. A segment self.drop
        selects is only traced (marked dropped): the receiver we play never saw it."""
        if s.len and self.irs is not None:
            if self.seen_end is not None and sdiff(s.seq, self.seen_end) < 0:
                s.rexmit = True
                self.rexmits.append(s)
            end = sadd(s.seq, s.len)
            if self.seen_end is None or sdiff(end, self.seen_end) > 0:
                self.seen_end = end
        if self.drop is not None and self.drop(s):
            s.dropped = True
            self.lost.append(s)
            self.log_in(s)
            self.trace[-1] += " (dropped)"
            return
        self.log_in(s)
        if s.ts:
            self.ts_recent = s.ts[0]
        if self.rcv_nxt is None:
            return
        if s.len and self.accept_data:
            self.rx[s.seq] = s.payload
        if s.flags & F_FIN:
            self.fin_seq = sadd(s.seq, s.len)
        # advance rcv_nxt over contiguous data (partial overlaps included)
        progress = True
        while progress:
            progress = False
            for sq in list(self.rx):
                d = self.rx[sq]
                off = sdiff(self.rcv_nxt, sq)
                if off < 0:
                    continue
                del self.rx[sq]
                if off < len(d):
                    self.data += d[off:]
                    self.rcv_nxt = sadd(self.rcv_nxt, len(d) - off)
                    progress = True
        if self.fin_seq is not None and self.rcv_nxt == self.fin_seq:
            self.rcv_nxt = sadd(self.rcv_nxt, 1)
            self.fin_seq = None
            self.fin_rcvd = True

    def recv(self, timeout):
        try:
            s = self.q.get(timeout=max(timeout, 0))
        except queue.Empty:
            return None
        self.absorb(s)
        return s

    def expect(self, pred, timeout):
        """First received segment satisfying pred within timeout (others are absorbed)."""
        end = time.monotonic() + timeout
        while True:
            s = self.recv(end - time.monotonic())
            if s is None:
                return None
            if pred(s):
                return s

    def collect(self, duration):
        end = time.monotonic() + duration
        out = []
        while True:
            s = self.recv(end - time.monotonic())
            if s is None:
                return out
            out.append(s)

    def drain(self, quiet=0.05, limit=1.0):
        """Absorb segments until none arrives for @p quiet seconds."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            if self.recv(quiet) is None:
                return

    # --- connection helpers -------------------------------------------------------------
    def syn_opts(self, tsv=None):
        o = []
        if self.mss:
            o.append(("MSS", self.mss))
        if self.sack_ok:
            o.append(("SAckOK", b""))
        if self.use_ts:
            o.append(("Timestamp", (self.tsval() if tsv is None else tsv, 0)))
        if self.ws is not None:
            o += [("NOP", None), ("WScale", self.ws)]
        return o

    def connect(self, syn_win=4000, final_win=None, opts=None, tries=3, ack_delay=0.0):
        """Three-way handshake; the final ACK is held ack_delay seconds (the stack's first
        RTT sample). @return (synack, syn_tsval) or (None, ...)."""
        opts = opts if opts is not None else self.syn_opts()
        tsv = next((o[1][0] for o in opts if o[0] == "Timestamp"), None)
        sa = None
        for _ in range(tries):
            self.send(F_SYN, seq=self.iss, win=syn_win, opts=opts, advance=False)
            sa = self.expect(lambda s: s.flags & F_SYN, 1.0)
            if sa is not None:
                break
        self.snd_nxt = sadd(self.iss, 1)
        if sa is None or sa.flags & (F_SYN | F_ACK | F_RST) != F_SYN | F_ACK:
            return sa, tsv
        self.irs = sa.seq
        self.rcv_nxt = sadd(sa.seq, 1)
        if ack_delay > 0:
            time.sleep(max(sa.t + ack_delay - time.monotonic(), 0))
        t = self.send_ack(win=self.win if final_win is None else final_win)
        self.hs_hold = t - sa.t
        return sa, tsv

    def echo_roundtrip(self, data, timeout=2.0):
        """Send data (in MSS-sized pieces), ACK what comes back; True if echoed intact."""
        start = len(self.data)
        for i in range(0, len(data), self.mss or 536):
            self.send(F_ACK | F_PSH, payload=data[i:i + (self.mss or 536)])
        end = time.monotonic() + timeout
        while len(self.data) - start < len(data) and time.monotonic() < end:
            s = self.recv(end - time.monotonic())
            if s is not None and s.len:
                self.send_ack()
        return bytes(self.data[start:start + len(data)]) == data

    def read_echo(self, n, timeout=2.0):
        """ACK the stack's data as it comes until c.data holds n bytes (or timeout)."""
        end = time.monotonic() + timeout
        while len(self.data) < n and time.monotonic() < end:
            s = self.recv(end - time.monotonic())
            if s is not None and s.len:
                self.send_ack()
        return len(self.data) >= n

    def sack_blocks(self, recent=None, limit=3):
        """SACK blocks (RFC 2018 4) for the out-of-order data we hold: contiguous runs above
        rcv_nxt, the one holding sequence number recent first, then the highest first."""
        runs = []
        for sq in sorted(self.rx, key=lambda q: sdiff(q, self.rcv_nxt)):
            e = sadd(sq, len(self.rx[sq]))
            if sdiff(sq, self.rcv_nxt) <= 0:
                continue
            if runs and sdiff(sq, runs[-1][1]) <= 0:
                if sdiff(e, runs[-1][1]) > 0:
                    runs[-1][1] = e
            else:
                runs.append([sq, e])
        runs = [tuple(r) for r in runs][::-1]
        if recent is not None:
            runs.sort(key=lambda r: not (sdiff(recent, r[0]) >= 0 and sdiff(r[1], recent) > 0))
        return runs[:limit]

    def sack_opts(self, blocks):
        """Options of an ACK carrying SACK blocks [(left, right), ...] (with TS: at most 3)."""
        o = []
        if self.use_ts:
            o = [("NOP", None), ("NOP", None), ("Timestamp", (self.tsval(), self.ts_recent))]
        if blocks:
            o += [("NOP", None), ("NOP", None), ("SAck", tuple(v for b in blocks for v in b))]
        return o

    def blk(self, b, base):
        """A SACK block as data offsets from base, "start-end"."""
        return "%d-%d" % (sdiff(b[0], base), sdiff(b[1], base)) if b else "none"

    def reset(self):
        if self.rcv_nxt is not None:
            self.send(F_RST, seq=self.snd_nxt, opts=[], advance=False, note="cleanup")


def pattern(n, salt=0):
    return bytes((i * 7 + salt + (i >> 8)) & 0xff for i in range(n))


class Phase:
    def __init__(self, a):
        self.a = a
        self.tel = Telemetry(a.tel)
        self.wire = Wire(a)
        self.failed = 0
        self.port = a.port_base

    def next_port(self):
        self.port += 1
        return self.port

    # --- reporting ----------------------------------------------------------------------
    def check(self, ok, desc, details=()):
        print("%s - %s" % ("ok" if ok else "not ok", desc), flush=True)
        if not ok:
            self.failed += 1
            for d in details:
                print("#   %s" % d, flush=True)
        return ok

    def skip(self, desc):
        print("ok - # SKIP %s" % desc, flush=True)

    def diag(self, text):
        print("# %s" % text, flush=True)

    # --- telemetry ----------------------------------------------------------------------
    def counters(self):
        c = dict(self.tel.stats())
        c.update(self.tel.drops())
        return c

    @staticmethod
    def delta(before, after):
        return {k: after[k] - before[k] for k in after
                if isinstance(after[k], int) and k in before and after[k] != before[k]}

    def wait_counter(self, key, target, timeout=3.0):
        end = time.monotonic() + timeout
        while True:
            c = self.counters()
            if c[key] >= target or time.monotonic() >= end:
                return c
            time.sleep(0.01)

    def tcb(self, conn):
        """The stack's /fasttcp/tcp entry for conn as a dict (state, una, wnd, ...), or
        None if the stack has no such connection."""
        key = "%s:%d>%s:%d " % (self.a.ns_ip, conn.sport, self.a.stack_ip, conn.dport)
        for e in self.tel.query("/fasttcp/tcp") or []:
            if e.startswith(key):
                f = e[len(key):].split()
                d = {"state": f[0], "raw": e}
                for m in re.finditer(r"(una|wnd|cwnd|sb|rq|ooo|rcv_nxt|rto) (\d+)", e):
                    d[m.group(1)] = int(m.group(2))
                for m in re.finditer(r"(nxt|max)\+(\d+)", e):
                    d[m.group(1)] = int(m.group(2))
                return d
        return None

    def wait_state(self, conn, states, timeout=1.0):
        end = time.monotonic() + timeout
        while True:
            e = self.tcb(conn)
            st = e["state"] if e else "gone"
            if st in states or time.monotonic() >= end:
                return st, e
            time.sleep(0.01)

    def new_conn(self, **kw):
        return Conn(self.wire, self.next_port(), self.a.dport, **kw)

    def fmt_delta(self, d, keys=None):
        if keys:
            d = {k: v for k, v in d.items() if k in keys}
        return "counters moved: %s" % (d or "none")


IGNORED = ("rx_pkts", "tx_pkts", "rx_bytes", "tx_bytes", "ip_rx", "ip_tx", "tcp_segs_rx",
           "tcp_segs_tx", "idle_sleeps", "drops_total", "tcp_bytes_rx", "tcp_bytes_tx")


def interesting(d):
    return {k: v for k, v in d.items() if k not in IGNORED}


# =================================================================================================
class EchoPhase(Phase):
    """Checks 1-11 and 15 against fasttcp-echo."""

    def run(self):
        steps = [self.t_handshake_and_mss, self.t_rfc5961, self.t_sack, self.t_delack, self.t_zero_window, self.t_passive_close,
                 self.t_malformed, self.t_closed_port]
        for st in steps:
            try:
                st()
            except Exception as e:  # a harness error must not hide the other checks
                import traceback
                self.check(False, "%s raised %s: %s" % (st.__name__, type(e).__name__, e),
                           traceback.format_exc().splitlines()[-6:])
        self.wire.close()
        return 0 if self.failed == 0 else 1

    # ------------------------------------------------------------------------------------
    def t_handshake_and_mss(self):
        a = self.a
        c = self.new_conn(mss=1000, ws=7, win=31)  # 31 << 7 = 3968 bytes
        before = self.counters()
        sa, tsv = c.connect(syn_win=4000)
        ok = sa is not None and sa.flags & 0x3f == F_SYN | F_ACK
        exp_win = min(a.rcvbuf, 65535)
        problems = []
        if ok:
            if sa.ack != sadd(c.iss, 1):
                problems.append("ack %d, want ISS+1" % c._rel_ours(sa.ack))
            if sa.opts.get("mss") != a.mtu - 40:
                problems.append("MSS %s, want %d" % (sa.opts.get("mss"), a.mtu - 40))
            if sa.opts.get("ws") != 7:
                problems.append("WS %s, want 7" % sa.opts.get("ws"))
            if not sa.opts.get("sackok"):
                problems.append("no SACK-permitted")
            if not sa.ts or sa.ts[1] != tsv:
                problems.append("TS %s, want tsecr = our tsval %d" % (sa.ts, tsv))
            if sa.win != exp_win:
                problems.append("window %d, want %d (unscaled in a SYN-ACK)" % (sa.win,
                                                                                 exp_win))
        after = self.wait_counter("tcp_accepted", before["tcp_accepted"] + 1)
        st, e = self.wait_state(c, ("ESTABLISHED",))
        acc = after["tcp_accepted"] - before["tcp_accepted"]
        self.check(ok and not problems,
                   "(1) RFC 9293 3.5/3.7.1, RFC 7323 2-3, RFC 2018: SYN (MSS 1000, WS 7, "
                   "SACK-perm, TS) -> SYN-ACK with MSS %d, WS 7, SACK-perm, TS echoing our "
                   "TSval, window %d unscaled" % (a.mtu - 40, exp_win),
                   problems + c.dump())
        self.check(acc == 1 and st == "ESTABLISHED" and e and e.get("wnd") == 31 << 7,
                   "(1) RFC 9293 3.5: final ACK establishes (tcp_accepted +%d, state %s, "
                   "send window %s = 31 << 7 scaled by our WS)" % (acc, st, e and e.get("wnd")),
                   c.dump() + [str(e)])
        if not ok or st != "ESTABLISHED":
            return
        # --- (2) MSS and peer window: 10000 bytes through the echo ------------------------
        req = pattern(10000, 3)
        mss_eff = 1000 - 12
        wnd = 31 << 7
        for i in range(0, len(req), 1000):
            c.send(F_ACK | F_PSH, payload=req[i:i + 1000])
        max_len = 0
        max_out = -1
        viol = []
        sizes = []
        rounds = 0
        start = len(c.data)
        end = time.monotonic() + 8
        # ACK only when the stack has gone quiet for 50 ms (well below its 200 ms minimum
        # RTO): it then has as much in flight as our window lets it, so each round shows
        # whether it stops at the window's right edge.
        while len(c.data) - start < len(req) and time.monotonic() < end:
            s = c.recv(0.05)
            if s is None:
                rounds += 1
                c.send_ack(note="quiet: ACK all")
                continue
            if s.len == 0:
                continue
            sizes.append(s.len)
            max_len = max(max_len, s.len)
            out = sdiff(sadd(s.seq, s.len), c.acked)
            max_out = max(max_out, out)
            if out > wnd:
                viol.append("segment seq %d len %d ends %d bytes beyond our last ACK %d "
                            "(window %d)" % (c._rel_theirs(s.seq), s.len, out,
                                             c._rel_theirs(c.acked), wnd))
        c.send_ack()
        got = bytes(c.data[start:start + len(req)])
        self.check(got == req and max_len <= mss_eff and sizes,
                   "(2) RFC 9293 3.7.1, RFC 7323 3.2 (RFC 6691): 10000 bytes echoed intact in "
                   "%d segments, largest payload %d <= %d (our MSS 1000 - 12 for TS)" % (
                       len(sizes), max_len, mss_eff),
                   ["echoed %d of %d bytes, equal: %s" % (len(got), len(req), got == req),
                    "segment sizes %s" % sizes[:40]] + c.dump())
        self.check(not viol and got == req and max_out >= wnd - mss_eff,
                   "(2) RFC 9293 3.8.6: peer window respected: ACKing only when the stack "
                   "stalls (%d rounds), it had at most %d bytes beyond our ACK (advertised %d "
                   "= 31 << 7; filled to within one segment: %s)" % (
                       rounds, max_out, wnd, max_out >= wnd - mss_eff),
                   viol[:5] + c.dump(40))
        self.c1 = c

    # ------------------------------------------------------------------------------------
    def _challenge(self, c, send_fn, reason, desc, want_ack_of=None, extra_keys=()):
        """Send a segment (send_fn), expect a pure ACK acknowledging c.snd_nxt (or
        want_ack_of) and reason +1; connection must survive."""
        c.drain()
        before = self.counters()
        t0 = send_fn()
        want = c.snd_nxt if want_ack_of is None else want_ack_of
        s = c.expect(lambda s: s.flags & F_ACK, 1.0)
        after = self.wait_counter(reason, before[reason] + 1, 2.0)
        d = interesting(self.delta(before, after))
        st, _ = self.wait_state(c, ("ESTABLISHED",), 0.2)
        ok = (s is not None and s.ack == want and not s.flags & (F_RST | F_SYN | F_FIN) and
              s.len == 0 and d.get(reason, 0) == 1 and st == "ESTABLISHED" and
              all(d.get(k, 0) == 1 for k in extra_keys) and "tcp_rst_tx" not in d)
        self.check(ok, "%s (ACK %s after %.1f ms, %s +%d%s, state %s)" % (
            desc, "ack=%d" % c._rel_ours(s.ack) if s else "none",
            (s.t - t0) * 1000 if s else -1, reason, d.get(reason, 0),
            "".join(", %s +%d" % (k, d.get(k, 0)) for k in extra_keys), st),
            [self.fmt_delta(d)] + c.dump(12))
        return ok

    def t_rfc5961(self):
        c = getattr(self, "c1", None)
        if c is None:
            c = self.new_conn()
            c.connect()
        # (3) RST in window but not at rcv_nxt -> challenge ACK
        self._challenge(c, lambda: c.send(F_RST, seq=sadd(c.snd_nxt, 1000), advance=False),
                        "tcp_rst_invalid",
                        "(3) RFC 5961 3.2: RST in window at rcv_nxt+1000 -> challenge ACK, "
                        "connection survives", extra_keys=("tcp_challenge_ack",))
        alive = c.echo_roundtrip(pattern(300, 9))
        self.check(alive, "(3) RFC 5961 3.2: after the in-window RST the connection still "
                   "echoes 300 bytes", c.dump(12))
        # (4) SYN on an established connection, in window and out of window
        self._challenge(c, lambda: c.send(F_SYN, seq=c.snd_nxt, opts=c.syn_opts(),
                                          advance=False),
                        "tcp_syn_sync",
                        "(4) RFC 5961 4.2: SYN at rcv_nxt on ESTABLISHED -> challenge ACK, no "
                        "RST, connection survives", extra_keys=("tcp_challenge_ack",))
        c.drain()
        before = self.counters()
        c.send(F_SYN, seq=sadd(c.snd_nxt, 0x40000000), opts=c.syn_opts(), advance=False)
        s = c.expect(lambda s: s.flags & F_ACK, 1.0)
        time.sleep(0.05)
        d = interesting(self.delta(before, self.counters()))
        st, _ = self.wait_state(c, ("ESTABLISHED",), 0.2)
        self.check(s is not None and s.ack == c.snd_nxt and not s.flags & F_RST and
                   st == "ESTABLISHED" and "tcp_rst_tx" not in d,
                   "(4) RFC 5961 4.2 / RFC 9293 3.10.7.4: SYN with an out-of-window sequence "
                   "on ESTABLISHED -> ACK (%s), connection survives; %s" % (
                       "ack=%d" % c._rel_ours(s.ack) if s else "none", self.fmt_delta(d)),
                   c.dump(12))
        alive = c.echo_roundtrip(pattern(200, 11))
        self.check(alive, "(4) after both SYNs the connection still echoes 200 bytes",
                   c.dump(12))
        # (5) ACK of data never sent. First let our last ACK land: snd_una = what we acked.
        c.drain()
        end = time.monotonic() + 0.5
        while time.monotonic() < end:
            e = self.tcb(c)
            if e is not None and e.get("una") == c.rcv_nxt:
                break
            time.sleep(0.01)
        una0 = e and e.get("una")
        self._challenge(c, lambda: c.send_ack(ack=sadd(c.rcv_nxt, 100000)),
                        "tcp_ack_invalid",
                        "(5) RFC 9293 3.10.7.4 / RFC 5961 5.2: ACK of never-sent data "
                        "(snd_max+100000) -> ACK, dropped")
        e = self.tcb(c)
        self.check(e is not None and e.get("una") == una0 == c.rcv_nxt,
                   "(5) the bogus ACK did not move snd_una (una %s -> %s, all we acked: %d)" % (
                       una0, e and e.get("una"), c.rcv_nxt))
        self._challenge(c, lambda: c.send_ack(ack=sadd(c.rcv_nxt, -0x20000000)),
                        "tcp_ack_invalid",
                        "(5) RFC 5961 5.2: ACK older than snd_una - max_snd_wnd -> challenge "
                        "ACK, dropped", extra_keys=("tcp_challenge_ack",))
        # (6) data far beyond the window
        self._challenge(c, lambda: c.send(F_ACK | F_PSH, payload=b"x" * 100,
                                          seq=sadd(c.snd_nxt, 10000000), advance=False),
                        "tcp_out_of_window",
                        "(6) RFC 9293 3.10.7.4: 100 bytes at rcv_nxt+10^7 (beyond the window)"
                        " -> ACK of rcv_nxt, dropped")
        # (7) PAWS
        old = sadd(c.last_tsval, -10000)
        self._challenge(c, lambda: c.send(F_ACK | F_PSH, payload=b"p" * 100, tsval=old,
                                          advance=False),
                        "tcp_paws",
                        "(7) RFC 7323 5.3: 100 bytes at rcv_nxt with TSval 10000 older than the "
                        "last -> ACK of rcv_nxt (data not accepted), dropped")
        alive = c.echo_roundtrip(pattern(100, 13))
        self.check(alive, "(7) RFC 7323 5.3: the same 100 bytes with a current TSval are "
                   "accepted and echoed", c.dump(12))

    def t_sack(self):
        c = self.new_conn(win=1023)  # 1023 << 7: a large window, the echo never waits
        sa, _ = c.connect()
        if sa is None or c.rcv_nxt is None:
            self.check(False, "(8) handshake for the SACK checks", c.dump())
            return
        c.drain()
        data = pattern(1000, 21)
        R = c.snd_nxt
        before = self.counters()
        # (8) out of order: [R+500, R+1000)
        t0 = c.send(F_ACK | F_PSH, payload=data[500:], seq=sadd(R, 500), advance=False)
        s = c.expect(lambda s: s.flags & F_ACK, 1.0)
        lat = (s.t - t0) * 1000 if s else -1
        blk = s.sack()[0] if s and s.sack() else None
        after = self.counters()
        d = interesting(self.delta(before, after))
        self.check(s is not None and s.ack == R and blk == (sadd(R, 500), sadd(R, 1000)) and
                   s.len == 0 and lat < self.a.delack_ms / 2,
                   "(8) RFC 5681 4.2, RFC 2018 4: out-of-order segment [500,1000) -> immediate "
                   "duplicate ACK (%.1f ms, delack %d ms) of rcv_nxt with SACK block %s" % (
                       lat, self.a.delack_ms, c.blk(blk, R)),
                   [self.fmt_delta(d)] + c.dump(12))
        # fill the hole
        t0 = c.send(F_ACK | F_PSH, payload=data[:500], seq=R, advance=False)
        c.snd_nxt = sadd(R, 1000)
        s = c.expect(lambda s: s.flags & F_ACK, 1.0)
        lat = (s.t - t0) * 1000 if s else -1
        self.check(s is not None and s.ack == sadd(R, 1000) and not s.sack() and
                   lat < self.a.delack_ms / 2,
                   "(8) RFC 5681 4.2: filling the hole -> immediate ACK (%.1f ms) covering all "
                   "1000 bytes (ack %s), no SACK block left" % (
                       lat, sdiff(s.ack, R) if s else "none"), c.dump(12))
        c.read_echo(1000)
        self.check(bytes(c.data[:1000]) == data,
                   "(8) the reassembled 1000 bytes are echoed intact (tcp_ooo_segs +%d)" %
                   d.get("tcp_ooo_segs", 0), c.dump(12))
        # (9) D-SACK: resend [R+500, R+1000), all old
        c.drain()
        before = self.counters()
        t0 = c.send(F_ACK | F_PSH, payload=data[500:], seq=sadd(R, 500), advance=False)
        s = c.expect(lambda s: s.flags & F_ACK, 1.0)
        after = self.wait_counter("tcp_dup", before["tcp_dup"] + 1, 2.0)
        d = interesting(self.delta(before, after))
        blk = s.sack()[0] if s and s.sack() else None
        self.check(s is not None and s.ack == sadd(R, 1000) and s.len == 0 and
                   blk == (sadd(R, 500), sadd(R, 1000)) and d.get("tcp_dup") == 1,
                   "(9) RFC 2883 4 case 1: resending acknowledged [500,1000) -> ACK whose first "
                   "SACK block is the D-SACK %s (tcp_dup +%d)" % (
                       c.blk(blk, R), d.get("tcp_dup", 0)),
                   [self.fmt_delta(d)] + c.dump(12))
        # (9) partial duplicate: [900, 1100): 100 old bytes, 100 new
        c.drain()
        more = pattern(100, 23)
        t0 = c.send(F_ACK | F_PSH, payload=data[900:] + more, seq=sadd(R, 900), advance=False)
        c.snd_nxt = sadd(R, 1100)
        s = c.expect(lambda s: s.flags & F_ACK, 1.0)
        blk = s.sack()[0] if s and s.sack() else None
        self.check(s is not None and s.ack == sadd(R, 1100) and
                   blk == (sadd(R, 900), sadd(R, 1000)),
                   "(9) RFC 2883 4 case 2: segment [900,1100) half old -> the next segment "
                   "acknowledges 1100 with D-SACK block %s (want 900-1000)" % c.blk(blk, R),
                   c.dump(12))
        c.read_echo(1100)
        self.check(bytes(c.data[1000:1100]) == more,
                   "(9) only the 100 new bytes were delivered and echoed", c.dump(12))
        # (10a) lone small segment: the ACK rides on the echo
        c.drain()
        before = self.counters()
        t0 = c.send(F_ACK | F_PSH, payload=b"L" * 100)
        s = c.expect(lambda s: s.flags & F_ACK, 1.0)
        lat = (s.t - t0) * 1000 if s else -1
        time.sleep(0.05)
        d = interesting(self.delta(before, self.counters()))
        self.check(s is not None and s.ack == c.snd_nxt and s.len == 100 and
                   lat < self.a.delack_ms / 2 and "tcp_delack" not in d,
                   "(10) RFC 9293 3.8.6.3: a lone 100-byte segment is acknowledged by the echo "
                   "data itself (first reply carries %s bytes and the ACK, %.1f ms; no delayed "
                   "ACK timer: tcp_delack +%d)" % (s.len if s else "no", lat,
                                                    d.get("tcp_delack", 0)),
                   [self.fmt_delta(d)] + c.dump(12))
        c.drain()
        c.send_ack()
        self.c_sack = c

    # ------------------------------------------------------------------------------------
    def t_delack(self):
        dl = self.a.delack_ms
        # (10b) window 0: the echo cannot answer, so the ACK of a lone segment must wait
        c = self.new_conn(win=0)
        sa, _ = c.connect()
        if c.rcv_nxt is None:
            self.check(False, "(10) handshake with window 0", c.dump())
            return
        c.drain()
        before = self.counters()
        t0 = c.send(F_ACK | F_PSH, payload=b"d" * 100)
        s = c.expect(lambda s: s.flags & F_ACK, 1.0)
        lat = (s.t - t0) * 1000 if s else -1
        d = interesting(self.delta(before, self.counters()))
        self.check(s is not None and s.ack == c.snd_nxt and s.len == 0 and
                   0.7 * dl <= lat <= dl + 60 and d.get("tcp_delack") == 1,
                   "(10) RFC 9293 3.8.6.3: window 0 (echo cannot answer): a lone 100-byte "
                   "segment is ACKed by the delayed-ACK timer after %.1f ms (delack_ms %d; "
                   "tcp_delack +%d)" % (lat, dl, d.get("tcp_delack", 0)),
                   [self.fmt_delta(d)] + c.dump(12))
        self.zw_conn, self.zw_t0 = c, t0
        # (10c) two full-sized segments -> ACK at once
        c2 = self.new_conn(win=0)
        c2.connect()
        if c2.rcv_nxt is None:
            self.check(False, "(10) handshake with window 0 (second)", c2.dump())
            return
        c2.drain()
        before = self.counters()
        c2.send(F_ACK, payload=pattern(1000, 1))
        t1 = c2.send(F_ACK | F_PSH, payload=pattern(1000, 2))
        s = c2.expect(lambda s: s.flags & F_ACK and s.ack == c2.snd_nxt, 1.0)
        lat = (s.t - t1) * 1000 if s else -1
        d = interesting(self.delta(before, self.counters()))
        self.check(s is not None and s.len == 0 and lat < dl / 2 and "tcp_delack" not in d,
                   "(10) RFC 9293 3.8.6.3 / RFC 5681 4.2: two full-sized segments (1000 >= "
                   "send MSS 988) -> ACK of both %.1f ms after the second, no timer "
                   "(tcp_delack +%d)" % (lat, d.get("tcp_delack", 0)),
                   [self.fmt_delta(d)] + c2.dump(12))
        c2.reset()

    def t_zero_window(self):
        c = getattr(self, "zw_conn", None)
        if c is None:
            self.check(False, "(11) zero-window connection available")
            return
        t0 = self.zw_t0
        before = self.counters()
        probes, viol, segs = [], [], []
        base_seq = None
        end = t0 + 3.3
        while time.monotonic() < end:
            s = c.recv(end - time.monotonic())
            if s is None:
                break
            if s.len == 0:
                continue
            segs.append(s)
            if s.len == 1:
                if base_seq is None:
                    base_seq = s.seq
                probes.append(s.t - t0)
            else:
                viol.append("%.3f s: %d-byte segment seq %d sent into our zero window" % (
                    s.t - t0, s.len, c._rel_theirs(s.seq)))
            # answer like a receiver with no room: ACK rcv_nxt, window 0, do not take the byte
            c.rx.clear()
            c.send_ack(ack=c.rcv_nxt, win=0, note="zero window")
        d = interesting(self.delta(before, self.counters()))
        iv = [b - a for a, b in zip(probes, probes[1:])]
        growing = len(iv) >= 2 and all(y >= 1.5 * x for x, y in zip(iv, iv[1:]))
        self.check(len(probes) >= 3 and growing and probes[0] >= 0.15,
                   "(11) RFC 9293 3.8.6.1, RFC 6298 5.5: zero window with data waiting -> "
                   "probes at %s s after the data, intervals %s s (backing off), "
                   "tcp_persist +%d" % (["%.2f" % p for p in probes], ["%.2f" % x for x in iv],
                                         d.get("tcp_persist", 0)),
                   [self.fmt_delta(d)] + c.dump(20))
        self.check(not viol,
                   "(11) RFC 9293 3.8.6.1: nothing but 1-byte probes is sent while our window "
                   "is 0 (%d probe(s), %d larger segment(s))" % (len(probes), len(viol)),
                   viol[:5] + [self.fmt_delta(d)] + c.dump(24))
        # open the window: the 100 echoed bytes must arrive
        c.accept_data = True
        rcv0 = c.rcv_nxt
        start = len(c.data)
        t1 = c.send_ack(win=31, note="window opens")
        end = time.monotonic() + 3
        first = None
        while len(c.data) - start < 100 and time.monotonic() < end:
            s = c.recv(end - time.monotonic())
            if s is not None and s.len:
                if first is None:
                    first = s.t
                    self.diag("(11) window opened: first data %.0f ms later: seq %+d len %d" %
                              ((s.t - t1) * 1000, sdiff(s.seq, rcv0), s.len))
                c.send_ack(win=31)
        got = bytes(c.data[start:])
        self.check(got == b"d" * 100,
                   "(11) RFC 9293 3.8.6.1: window opened -> sending resumes, the 100 echoed "
                   "bytes arrive (%d bytes, first after %.0f ms, complete after %.0f ms)" % (
                       len(got), (first - t1) * 1000 if first else -1,
                       (time.monotonic() - t1) * 1000), c.dump(16))
        self.zw_conn = c

    # ------------------------------------------------------------------------------------
    def t_passive_close(self):
        """fasttcp-echo closes only after our FIN: the stack is the passive closer."""
        c = getattr(self, "c_sack", None) or self.new_conn()
        if c.rcv_nxt is None:
            c.connect()
        c.drain()
        c.send(F_ACK | F_PSH | F_FIN, payload=b"bye")
        s = c.expect(lambda s: s.flags & F_FIN, 1.0)
        st, _ = self.wait_state(c, ("LAST_ACK",), 0.3)
        ok1 = s is not None and s.ack == c.snd_nxt and c.data.endswith(b"bye")
        self.check(ok1 and st == "LAST_ACK",
                   "(12) RFC 9293 3.6: passive close: our data+FIN -> echo data and FIN "
                   "acknowledging our FIN, stack in LAST_ACK (%s)" % st, c.dump(10))
        # our ACK of its FIN is "lost": resend our FIN, the stack must ACK it again
        c.send(F_ACK | F_FIN, seq=sadd(c.snd_nxt, -1), ack=sadd(c.rcv_nxt, -1),
                    advance=False, note="FIN again, FIN not acked")
        s2 = c.expect(lambda s: s.flags & F_ACK, 1.5)
        self.check(s2 is not None and s2.ack == c.snd_nxt,
                   "(13) RFC 9293 3.10.7.4: in LAST_ACK a retransmitted FIN is acknowledged "
                   "again (%s)" % ("%s ack=%d" % (flag_str(s2.flags), c._rel_ours(s2.ack))
                                   if s2 else "no answer"), c.dump(10))
        c.send_ack()
        st, _ = self.wait_state(c, ("gone",), 1.0)
        after = self.counters()
        self.check(st == "gone" and after["tcp_time_wait"] == 0,
                   "(12) RFC 9293 3.6: our ACK of its FIN closes it: connection gone, no "
                   "TIME-WAIT for the passive closer (tcp_time_wait %d)" %
                   after["tcp_time_wait"], c.dump(8))

    # ------------------------------------------------------------------------------------
    def malformed_class(self, name, reason, frames, expect_reply=False, exact=True):
        before = self.counters()
        for f in frames:
            self.wire.send_raw(f)
        after = self.wait_counter(reason, before[reason] + len(frames), 3.0)
        time.sleep(0.02)
        after = self.counters()
        d = interesting(self.delta(before, after))
        got = d.get(reason, 0)
        others = {k: v for k, v in d.items() if k != reason}
        ok = got == len(frames) if exact else got >= len(frames)
        self.check(ok, "(15) malformed %s: %d segments, %s +%d (other counters: %s)" % (
            name, len(frames), reason, got, others or "none"))
        return d

    def ip(self):
        return IP(src=self.a.ns_ip, dst=self.a.stack_ip)

    def t_malformed(self):
        k = 5
        a = self.a

        def tcp(**kw):
            f = dict(sport=self.next_port(), dport=a.dport, seq=random.randint(0, M32),
                     flags="S", window=1000)
            f.update(kw)
            return TCP(**f)

        self.malformed_class("TCP shorter than 20 bytes (12)", "tcp_short",
                             [IP(src=a.ns_ip, dst=a.stack_ip, proto=6) /
                              Raw(bytes(tcp())[:12]) for _ in range(k)])
        self.malformed_class("data offset 4 (< 5)", "tcp_doff",
                             [self.ip() / tcp(dataofs=4) / Raw(b"o" * 8) for _ in range(k)])
        self.malformed_class("data offset 15 (60 bytes) beyond a 30-byte segment", "tcp_doff",
                             [self.ip() / tcp(dataofs=15) / Raw(b"o" * 10) for _ in range(k)])
        # Options as payload bytes with a matching data offset (checksum stays valid).
        self.malformed_class("option length 0 (TS kind 8, len 0)", "tcp_opts",
                             [self.ip() / tcp(dataofs=6) / Raw(b"\x08\x00\x01\x01")
                              for _ in range(k)])
        self.malformed_class("option length 1 (MSS kind 2, len 1)", "tcp_opts",
                             [self.ip() / tcp(dataofs=6) / Raw(b"\x02\x01\x01\x01")
                              for _ in range(k)])
        self.malformed_class("option past the header (TS len 10 in 4 bytes of options)",
                             "tcp_opts",
                             [self.ip() / tcp(dataofs=6) / Raw(b"\x08\x0a\x00\x00")
                              for _ in range(k)])
        self.malformed_class("MSS option with length 6", "tcp_opts",
                             [self.ip() / tcp(dataofs=7) / Raw(b"\x02\x06\x05\xb4\x00\x00\x01\x01")
                              for _ in range(k)])

        def bad_csum():
            p = self.ip() / tcp() / Raw(b"c" * 8)
            good = IP(bytes(p))[TCP].chksum
            p[TCP].chksum = good ^ 0x00ff if good ^ 0x00ff not in (0, 0xffff) else good ^ 0x0f0f
            return p

        self.malformed_class("bad TCP checksum", "tcp_csum", [bad_csum() for _ in range(k)])
        self.malformed_class("SYN+FIN", "tcp_flags",
                             [self.ip() / tcp(flags="SF") for _ in range(k)])
        self.malformed_class("SYN+RST", "tcp_flags",
                             [self.ip() / tcp(flags="SR") for _ in range(k)])
        self.malformed_class("no flags at all", "tcp_flags",
                             [self.ip() / tcp(flags="") / Raw(b"n" * 8) for _ in range(k)])
        # Window scale 200 in a SYN: accepted, used as 14 (RFC 7323 2.3).
        c = self.new_conn(ws=200, win=2)  # 2 << 14 = 32768 bytes
        before = self.counters()
        sa, _ = c.connect()
        st, e = self.wait_state(c, ("ESTABLISHED",), 1.0)
        d = interesting(self.delta(before, self.counters()))
        ok = (sa is not None and sa.flags & 0x3f == F_SYN | F_ACK and sa.opts.get("ws") == 7
              and st == "ESTABLISHED" and e and e.get("wnd") == 2 << 14 and
              "tcp_opts" not in d)
        self.check(ok, "(15) RFC 7323 2.3: SYN with window scale 200 accepted (SYN-ACK %s, "
                   "state %s), used as 14: our window 2 -> send window %s (want %d)" % (
                       "with WS %s" % sa.opts.get("ws") if sa else "missing", st,
                       e and e.get("wnd"), 2 << 14), [self.fmt_delta(d)] + c.dump(8))
        if st == "ESTABLISHED":
            alive = c.echo_roundtrip(pattern(3000, 5))
            self.check(alive, "(15) the window-scale-200 connection echoes 3000 bytes",
                       c.dump(12))
            c.reset()

    def t_closed_port(self):
        a = self.a
        cport = a.closed_port
        # SYN to a closed port -> RST+ACK, seq 0, ack = seq + 1
        c = Conn(self.wire, self.next_port(), cport)
        before = self.counters()
        c.send(F_SYN, seq=c.iss, opts=c.syn_opts(), advance=False)
        s = c.expect(lambda s: True, 1.0)
        time.sleep(0.02)
        d = interesting(self.delta(before, self.counters()))
        self.check(s is not None and s.flags & 0x3f == F_RST | F_ACK and s.seq == 0 and
                   s.ack == sadd(c.iss, 1) and d.get("tcp_no_conn") == 1 and
                   d.get("tcp_rst_tx") == 1,
                   "(15) RFC 9293 3.10.7.1: SYN to closed port %d -> <SEQ=0><ACK=SEG.SEQ+1>"
                   "<RST,ACK> (tcp_no_conn +%d, tcp_rst_tx +%d)" % (
                       cport, d.get("tcp_no_conn", 0), d.get("tcp_rst_tx", 0)),
                   [self.fmt_delta(d)] + c.dump(4))
        # ACK with data to a closed port -> RST, seq = SEG.ACK
        c = Conn(self.wire, self.next_port(), cport)
        ackv = random.randint(0, M32)
        before = self.counters()
        c.send(F_ACK | F_PSH, payload=b"z" * 20, seq=c.iss, ack=ackv, advance=False)
        s = c.expect(lambda s: True, 1.0)
        time.sleep(0.02)
        d = interesting(self.delta(before, self.counters()))
        self.check(s is not None and s.flags & 0x3f == F_RST and s.seq == ackv and
                   d.get("tcp_no_conn") == 1,
                   "(15) RFC 9293 3.10.7.1: ACK+20 bytes to closed port -> <SEQ=SEG.ACK><RST> "
                   "(got %s seq %s, tcp_no_conn +%d)" % (
                       flag_str(s.flags) if s else "nothing", s.seq if s else "-",
                       d.get("tcp_no_conn", 0)), [self.fmt_delta(d)] + c.dump(4))
        # FIN without ACK and 10 bytes -> RST+ACK, ack = seq + 10 + 1
        c = Conn(self.wire, self.next_port(), cport)
        before = self.counters()
        c.send(F_FIN, payload=b"f" * 10, seq=c.iss, advance=False)
        s = c.expect(lambda s: True, 1.0)
        time.sleep(0.02)
        d = interesting(self.delta(before, self.counters()))
        self.check(s is not None and s.flags & 0x3f == F_RST | F_ACK and
                   s.ack == sadd(c.iss, 11) and d.get("tcp_no_conn") == 1,
                   "(15) RFC 9293 3.10.7.1: FIN+10 bytes without ACK to closed port -> RST,ACK "
                   "with ack = SEG.SEQ + 10 + 1 (got %s)" % (
                       "%s ack=%d" % (flag_str(s.flags), sdiff(s.ack, c.iss)) if s else
                       "nothing"), [self.fmt_delta(d)] + c.dump(4))
        # RST to a closed port: counted, never answered
        c = Conn(self.wire, self.next_port(), cport)
        before = self.counters()
        c.send(F_RST, seq=c.iss, opts=[], advance=False)
        after = self.wait_counter("tcp_no_conn", before["tcp_no_conn"] + 1)
        s = c.expect(lambda s: True, 0.3)
        d = interesting(self.delta(before, after))
        self.check(s is None and d.get("tcp_no_conn") == 1 and "tcp_rst_tx" not in d,
                   "(15) RFC 9293 3.10.7.1: RST to closed port -> no answer (tcp_no_conn +%d, "
                   "tcp_rst_tx +%d)" % (d.get("tcp_no_conn", 0), d.get("tcp_rst_tx", 0)),
                   [self.fmt_delta(d)] + c.dump(4))
        # ACK (no SYN) to the listening port with no connection -> RST seq = SEG.ACK
        c = Conn(self.wire, self.next_port(), a.dport)
        ackv = random.randint(0, M32)
        before = self.counters()
        c.send(F_ACK, seq=c.iss, ack=ackv, advance=False)
        s = c.expect(lambda s: True, 1.0)
        time.sleep(0.02)
        d = interesting(self.delta(before, self.counters()))
        self.check(s is not None and s.flags & 0x3f == F_RST and s.seq == ackv and
                   d.get("tcp_no_conn") == 1 and d.get("tcp_accepted", 0) == 0,
                   "(15) RFC 9293 3.10.7.2: ACK to listening port %d without a connection -> "
                   "<SEQ=SEG.ACK><RST> (tcp_no_conn +%d)" % (a.dport, d.get("tcp_no_conn", 0)),
                   [self.fmt_delta(d)] + c.dump(4))
        # (3) RST exactly at rcv_nxt resets the first connection
        c1 = getattr(self, "c1", None)
        if c1 is not None:
            c1.drain()
            before = self.counters()
            c1.send(F_RST | F_ACK, seq=c1.snd_nxt, advance=False)
            st, _ = self.wait_state(c1, ("gone",), 1.0)
            s = c1.expect(lambda s: True, 0.2)
            d = interesting(self.delta(before, self.counters()))
            self.check(st == "gone" and d.get("tcp_rst_rx") == 1 and s is None,
                       "(3) RFC 5961 3.2 / RFC 9293 3.10.7.4: RST exactly at rcv_nxt resets the "
                       "connection (tcp_rst_rx +%d, /fasttcp/tcp: %s, reply: %s)" % (
                           d.get("tcp_rst_rx", 0), st, flag_str(s.flags) if s else "none"),
                       [self.fmt_delta(d)] + c1.dump(6))
            # a segment for it now gets a RST: the connection is really gone
            ackv = c1.rcv_nxt
            c1.send(F_ACK | F_PSH, payload=b"after", advance=False)
            s = c1.expect(lambda s: True, 1.0)
            self.check(s is not None and s.flags & F_RST and s.seq == ackv,
                       "(3) data for the reset connection is answered with <SEQ=SEG.ACK><RST>",
                       c1.dump(6))
        zw = getattr(self, "zw_conn", None)
        if zw is not None:
            zw.reset()


RKEYS = ("tcp_rack_lost", "tcp_fast_rexmt", "tcp_rexmt_segs", "tcp_tlp", "tcp_tlp_repaired",
         "tcp_dsack_rx", "tcp_rrr", "tcp_sendmap_full", "tcp_undo", "tcp_rto")


# =================================================================================================
class RecoveryPhase(Phase):
    """Checks 17-23 against fasttcp-echo: sender-side loss recovery. The stack's data is its
    echo of ours; we play a receiver that loses chosen segments (Conn.drop), decide what it
    acknowledges and SACKs, and time the stack's retransmissions: RACK (RFC 8985 6), TLP (7),
    fast retransmit without SACK (RFC 5681 3.2), the RTO (RFC 6298, RFC 8985 6.3) and the
    sendmap's SACK-attack defence (tcp-design.md 1.5, 2).

    Timing. On a tap the RTT is far below a millisecond, so the PTO (2 * SRTT) would be
    shorter than Scapy's reaction time. rtt_conn() therefore holds the handshake's ACK and the
    ACK of a warm-up echo DELAY seconds: the stack measures SRTT ~ RACK.min_RTT ~ DELAY
    (40 ms), so the PTO is ~80 ms and reo_wnd = min_RTT / 4 ~10 ms, while the RTO stays at
    min_rto_ms (200 ms). Latencies are taken from our own send and receive times; scheduling
    noise on this side only lengthens them, so lower bounds are firm and upper bounds carry a
    25-60 ms margin.
    """

    MSS = 500        # the MSS we announce: the stack's segments carry 488 bytes (TS takes 12)
    SMSS = 488
    DELAY = 0.04
    MIN_RTO = 0.2    # tcp_crafted.sh: min_rto_ms = 200

    def run(self):
        steps = [self.t_rack_sack, self.t_rack_reo_wnd, self.t_tlp, self.t_tlp_one_segment,
                 self.t_tlp_dsack, self.t_dupacks, self.t_rto, self.t_rto_keeps_sack,
                 self.t_sack_attack, self.t_dsack_undo]
        for st in steps:
            try:
                st()
            except Exception as e:  # a harness error must not hide the other checks
                import traceback
                self.check(False, "%s raised %s: %s" % (st.__name__, type(e).__name__, e),
                           traceback.format_exc().splitlines()[-6:])
        self.wire.close()
        return 0 if self.failed == 0 else 1

    # --- helpers ------------------------------------------------------------------------
    @staticmethod
    def rdesc(d, keys=RKEYS):
        return ", ".join("%s +%d" % (k[4:], d.get(k, 0)) for k in keys)

    def rtt_conn(self, num, sack=True):
        """A connection (our MSS 500, window 1023 << 7) whose RTT the stack measures as about
        DELAY: the handshake's ACK and the ACK of a 2-segment warm-up echo are held that long.
        @return (conn, hold) with hold the warm-up ACK's measured delay (about RACK.min_RTT),
        or (None, None). conn.srtt is what the stack's SRTT must be after these two samples
        (RFC 6298 2.2-2.3; timestamps tick in ms, hence +1 ms)."""
        c = self.new_conn(mss=self.MSS, win=1023, sack=sack)
        c.connect(ack_delay=self.DELAY)
        if c.rcv_nxt is None:
            self.check(False, "(%d) handshake" % num, c.dump())
            return None, None
        data = pattern(2 * self.SMSS, num)
        start = len(c.data)
        c.send(F_ACK | F_PSH, payload=data)
        end = time.monotonic() + 2
        last = None
        while len(c.data) - start < len(data) and time.monotonic() < end:
            s = c.recv(end - time.monotonic())
            if s is not None and s.len:
                last = s.t
        if bytes(c.data[start:]) != data:
            self.check(False, "(%d) warm-up echo of %d bytes" % (num, len(data)), c.dump())
            return None, None
        time.sleep(max(last + self.DELAY - time.monotonic(), 0))
        t = c.send_ack(note="warm-up ACK, held")
        c.srtt = 7 / 8 * c.hs_hold + 1 / 8 * (t - last) + 0.001
        return c, t - last

    def send_data(self, c, data):
        """Send data to echo in 2-segment pieces (976 bytes): the stack answers each piece
        with two segments in one output pass. @return the first send time."""
        t0 = None
        for i in range(0, len(data), 2 * self.SMSS):
            t = c.send(F_ACK | F_PSH, payload=data[i:i + 2 * self.SMSS])
            t0 = t0 or t
        return t0

    def finish(self, c, start, data, num, what, more=1000):
        """ACK all, read the rest of the echo, then echo `more` bytes: the connection goes
        on. One check."""
        c.drop = None
        c.send_ack()
        c.read_echo(start + len(data), 2.0)
        got = bytes(c.data[start:start + len(data)]) == data
        alive = got and c.echo_roundtrip(pattern(more, num))
        self.check(alive, "(%d) %s: the %d bytes arrive intact and %d more bytes echo "
                   "afterwards" % (num, what, len(data), more), c.dump(16))
        c.reset()
        return alive

    # --- (17) RACK with SACK ------------------------------------------------------------
    def t_rack_sack(self):
        c, hold = self.rtt_conn(17)
        if c is None:
            return
        n = 8
        R = c.rcv_nxt
        c.drop = lambda s: s.len > 0 and s.seq == R and not s.rexmit
        data = pattern(n * self.SMSS, 17)
        start = len(c.data)
        before = self.counters()
        self.send_data(c, data)
        t_sack = rex = first = None
        sacks = 0
        end = time.monotonic() + 1.0
        while rex is None and time.monotonic() < end:
            s = c.recv(end - time.monotonic())
            if s is None or not s.len:
                continue
            if s.dropped:
                first = s
            elif s.seq == R:
                rex = s
            elif not s.rexmit:
                t = c.send_ack(ack=R, opts=c.sack_opts(c.sack_blocks(s.seq)), note="SACK")
                t_sack = t_sack or t
                sacks += 1
        c.collect(0.02)  # whatever else the repair sends (SACKed data must not be resent)
        d = self.delta(before, self.counters())
        lat = (rex.t - t_sack) * 1000 if rex and t_sack else -1
        age = (rex.t - first.t) * 1000 if rex and first else -1
        limit = min(100.0, 2000 * c.srtt)  # below the PTO (2 * SRTT) and the 200 ms RTO
        self.check(rex is not None and first is not None and rex.len == self.SMSS and
                   0 <= lat < limit and d.get("tcp_rack_lost", 0) >= 1 and
                   d.get("tcp_fast_rexmt", 0) == 1 and d.get("tcp_rto", 0) == 0 and
                   d.get("tcp_tlp", 0) == 0,
                   "(17) RFC 8985 6.2: %d segments, the peer SACKs 2..%d (%d ACKs) and never "
                   "gets 1 -> segment 1 resent %.1f ms after the first SACK, %.1f ms after it "
                   "was sent (limit %.0f ms: under the PTO ~2 SRTT = %.0f ms and the 200 ms RTO)"
                   "; %s" % (n, n, sacks, lat, age, limit, 2000 * c.srtt, self.rdesc(d)),
                   [self.fmt_delta(interesting(d))] + c.dump(24))
        others = [x for x in c.rexmits if x.seq != R]
        self.check(not others,
                   "(17) RFC 6675 / RFC 8985: no SACKed segment is resent (other "
                   "retransmissions: %s)" % (["+%d len %d" % (sdiff(x.seq, R), x.len)
                                              for x in others] or "none"), c.dump(24))
        self.finish(c, start, data, 17, "after the repair the peer ACKs everything")

    # --- (24) D-SACK undo -----------------------------------------------------------------
    def t_dsack_undo(self):
        """Segment 1 is only late: the peer SACKs 2..8, RACK resends 1, then the peer ACKs
        everything and reports the retransmission as a duplicate (D-SACK): the congestion
        response was spurious and is undone (RFC 3708 detection, Linux/FreeBSD response)."""
        c, hold = self.rtt_conn(24)
        if c is None:
            return
        n, R, S = 8, c.rcv_nxt, self.SMSS
        c.drop = lambda s: s.len > 0 and s.seq == R and not s.rexmit
        data = pattern(n * S, 24)
        start = len(c.data)
        cwnd0 = (self.tcb(c) or {}).get("cwnd", 0)
        before = self.counters()
        self.send_data(c, data)
        rex, end = None, time.monotonic() + 1.0
        while rex is None and time.monotonic() < end:
            s = c.recv(end - time.monotonic())
            if s is None or not s.len or s.dropped:
                continue
            if s.seq == R:
                rex = s
            elif not s.rexmit:
                c.send_ack(ack=R, opts=c.sack_opts(c.sack_blocks(s.seq)), note="SACK")
        cwnd_rec = (self.tcb(c) or {}).get("cwnd", 0)
        # The original "arrives" (the peer pretends): ACK all, the resent range as D-SACK.
        fin = sadd(R, n * S)
        c.send_ack(ack=fin, opts=c.sack_opts([(R, sadd(R, S))]), note="D-SACK")
        after = self.wait_counter("tcp_undo", before.get("tcp_undo", 0) + 1, 1.0)
        d = self.delta(before, after)
        cwnd1 = (self.tcb(c) or {}).get("cwnd", 0)
        self.check(rex is not None and d.get("tcp_fast_rexmt", 0) == 1 and
                   d.get("tcp_dsack_rx", 0) >= 1 and d.get("tcp_undo", 0) == 1 and
                   cwnd1 >= cwnd0 > 0,
                   "(24) RFC 3708 / RFC 2883: the resent segment 1 is D-SACKed -> the "
                   "reduction is undone (tcp_undo +%d): cwnd %d before, %d in recovery, %d "
                   "after; %s" % (d.get("tcp_undo", 0), cwnd0, cwnd_rec, cwnd1, self.rdesc(d)),
                   [self.fmt_delta(interesting(d))] + c.dump(24))
        self.finish(c, start, data, 24, "after the undo")

    # --- (18) RACK is time-based: one SACKed segment --------------------------------------
    def t_rack_reo_wnd(self):
        c, hold = self.rtt_conn(18)
        if c is None:
            return
        R, S = c.rcv_nxt, self.SMSS
        c.drop = lambda s: s.len > 0 and s.seq == R and not s.rexmit
        data = pattern(2 * S, 18)
        start = len(c.data)
        before = self.counters()
        self.send_data(c, data)  # one piece: both segments leave in one pass, same xmit_ts
        s2 = c.expect(lambda s: s.len > 0 and s.seq == sadd(R, S), 1.0)
        if s2 is None:
            self.check(False, "(18) the stack sends 2 segments", c.dump())
            return
        # Hold the SACK as long as the warm-up's ACKs: RACK.rtt and min_RTT stay ~DELAY.
        time.sleep(max(s2.t + hold - time.monotonic(), 0))
        t_sack = c.send_ack(ack=R, opts=c.sack_opts([(sadd(R, S), sadd(R, 2 * S))]),
                            note="SACK of segment 2 only")
        rex = c.expect(lambda s: s.len > 0 and s.seq == R and not s.dropped, 0.5)
        d = self.delta(before, self.counters())
        lat = (rex.t - t_sack) * 1000 if rex else -1
        age = (rex.t - c.lost[0].t) * 1000 if rex and c.lost else -1
        reo = hold * 1000 / 4
        lo, hi = reo / 2, reo + 25
        self.check(rex is not None and lo <= lat <= hi and d.get("tcp_rack_lost", 0) >= 1 and
                   d.get("tcp_rto", 0) == 0 and d.get("tcp_tlp", 0) == 0,
                   "(18) RFC 8985 6.2 steps 4-5: one segment SACKed beyond the hole (1 dupack, "
                   "under DupThresh) -> the hole is resent %.1f ms after the SACK, within "
                   "[%.1f, %.1f] ms around reo_wnd = min_RTT/4 = %.1f ms (min_RTT ~ %.0f ms "
                   "held ACKs), %.1f ms after its first transmission (RACK.rtt + reo_wnd ~ "
                   "%.0f ms): time-based, neither at once nor at the RTO; %s" % (
                       lat, lo, hi, reo, hold * 1000, age, hold * 1250, self.rdesc(d)),
                   [self.fmt_delta(interesting(d))] + c.dump(16))
        self.finish(c, start, data, 18, "after the repair")

    # --- (19) (20) TLP --------------------------------------------------------------------
    def tlp_flight(self, num, drop_last, ack_before_probe):
        """Send 4 segments' worth; optionally lose the last; optionally ACK segments 1-3
        (held like the warm-up). @return (conn, R, data, start, t_first, t_ack, probe,
        before, hold) or None."""
        c, hold = self.rtt_conn(num)
        if c is None:
            return None
        R, S = c.rcv_nxt, self.SMSS
        last = sadd(R, 3 * S)
        if drop_last:
            c.drop = lambda s: s.len > 0 and s.seq == last and not s.rexmit
        data = pattern(4 * S, num)
        start = len(c.data)
        before = self.counters()
        self.send_data(c, data)
        segs = []
        end = time.monotonic() + 1.0
        while (c.seen_end is None or sdiff(c.seen_end, sadd(R, 4 * S)) < 0) and \
                time.monotonic() < end:
            s = c.recv(end - time.monotonic())
            if s is not None and s.len:
                segs.append(s)
        if not segs:
            self.check(False, "(%d) the stack sends 4 segments" % num, c.dump())
            return None
        t_ack = None
        if ack_before_probe:
            time.sleep(max(segs[-1].t + hold - time.monotonic(), 0))
            t_ack = c.send_ack(ack=sadd(R, 3 * S), note="ACK of 1-3, held")
        probe = c.expect(lambda s: s.len > 0 and s.rexmit, 1.0)
        return c, R, data, start, segs[0].t, t_ack, probe, before, hold

    def tlp_repaired(self, c, R, data, start, before, num, what):
        """ACK the probe, then echo a block: once the cumulative ACK passes TLP.end_seq the
        loss the probe repaired gets its congestion response (RFC 8985 7.4.2)."""
        c.drop = None
        c.send_ack(note="ACK all, probe included")
        time.sleep(0.02)
        mid = self.delta(before, self.counters())
        ok = c.echo_roundtrip(pattern(1000, num))
        after = self.wait_counter("tcp_tlp_repaired", before["tcp_tlp_repaired"] + 1, 1.0)
        d = self.delta(before, after)
        self.check(ok and bytes(c.data[start:start + len(data)]) == data and
                   d.get("tcp_tlp_repaired", 0) == 1 and d.get("tcp_fast_rexmt", 0) == 0,
                   "(%d) RFC 8985 7.4.2: %s: the probe repaired the tail loss -> congestion "
                   "response once the ACK passes TLP.end_seq (tlp_repaired +%d at the probe's "
                   "ACK, +%d after 1000 more bytes; echo intact: %s)" % (
                       num, what, mid.get("tcp_tlp_repaired", 0),
                       d.get("tcp_tlp_repaired", 0), ok),
                   [self.fmt_delta(interesting(d))] + c.dump(16))
        c.reset()

    def t_tlp(self):
        r = self.tlp_flight(19, drop_last=True, ack_before_probe=False)
        if r is None:
            return
        c, R, data, start, t_first, _, probe, before, hold = r
        d = self.delta(before, self.counters())
        lat = (probe.t - t_first) * 1000 if probe else -1
        lo, hi = 1500 * c.srtt, 2000 * c.srtt + 30
        self.check(probe is not None and probe.seq == sadd(R, 3 * self.SMSS) and
                   probe.len == self.SMSS and lo <= lat <= hi and
                   d.get("tcp_tlp", 0) == 1 and d.get("tcp_rto", 0) == 0,
                   "(19) RFC 8985 7.2-7.3: 4 segments, the last lost and no ACK -> probe (the "
                   "last segment again: %s) %.1f ms after the flight, within [%.0f, %.0f] ms "
                   "around PTO = 2 SRTT (SRTT ~ %.0f ms), before the 200 ms RTO; %s" % (
                       "seq +%d len %d" % (sdiff(probe.seq, R), probe.len) if probe else "none",
                       lat, lo, hi, c.srtt * 1000, self.rdesc(d)),
                   [self.fmt_delta(interesting(d))] + c.dump(16))
        self.tlp_repaired(c, R, data, start, before, 19, "probe ACKed")

    def t_tlp_one_segment(self):
        r = self.tlp_flight(19, drop_last=True, ack_before_probe=True)
        if r is None:
            return
        c, R, data, start, _, t_ack, probe, before, hold = r
        d = self.delta(before, self.counters())
        lat = (probe.t - t_ack) * 1000 if probe and t_ack else -1
        # PTO = min(2 SRTT + WCDelAckT, time to the RTO) = the RTO: 200 ms after our ACK.
        lo, hi = 2000 * c.srtt + 60, self.MIN_RTO * 1000 + 60
        self.check(probe is not None and probe.seq == sadd(R, 3 * self.SMSS) and
                   lo <= lat <= hi and d.get("tcp_tlp", 0) == 1 and d.get("tcp_rto", 0) == 0,
                   "(19) RFC 8985 7.2: ACK of all but the last segment -> one segment in "
                   "flight, PTO = min(2 SRTT + WCDelAckT 200 ms, RTO left) = the RTO: the probe "
                   "(%s) comes %.1f ms after our ACK, within [%.0f, %.0f] ms, and replaces the "
                   "RTO; %s" % (
                       "seq +%d len %d" % (sdiff(probe.seq, R), probe.len) if probe else "none",
                       lat, lo, hi, self.rdesc(d)),
                   [self.fmt_delta(interesting(d))] + c.dump(16))
        self.tlp_repaired(c, R, data, start, before, 19, "one segment left, probe ACKed")

    def t_tlp_dsack(self):
        r = self.tlp_flight(20, drop_last=False, ack_before_probe=False)
        if r is None:
            return
        c, R, data, start, t_first, _, probe, before, hold = r
        if probe is None:
            self.check(False, "(20) RFC 8985 7.3: a probe after the unacknowledged flight",
                       c.dump(16))
            return
        c.send_ack(ack=sadd(R, 4 * self.SMSS),
                       opts=c.sack_opts([(probe.seq, sadd(probe.seq, probe.len))]),
                       note="ACK all + D-SACK of the probe")
        ok = c.echo_roundtrip(pattern(1000, 20))
        time.sleep(0.05)
        d = self.delta(before, self.counters())
        self.check(ok and bytes(c.data[start:start + len(data)]) == data and
                   d.get("tcp_tlp", 0) == 1 and d.get("tcp_dsack_rx", 0) == 1 and
                   d.get("tcp_tlp_repaired", 0) == 0 and d.get("tcp_fast_rexmt", 0) == 0 and
                   d.get("tcp_rto", 0) == 0,
                   "(20) RFC 8985 7.4.1, RFC 2883: every segment arrived, only the ACKs were "
                   "lost: the probe (%.1f ms after the flight) is answered with an ACK of all "
                   "and a D-SACK of it -> no congestion response, even after 1000 more bytes; "
                   "%s" % ((probe.t - t_first) * 1000, self.rdesc(d)),
                   [self.fmt_delta(interesting(d))] + c.dump(16))
        c.reset()

    # --- (21) fast retransmit without SACK -------------------------------------------------
    def t_dupacks(self):
        c = self.new_conn(mss=self.MSS, win=1023, sack=False)
        sa, _ = c.connect()
        if sa is None or sa.opts.get("sackok") or not c.echo_roundtrip(pattern(976, 21)):
            self.check(False, "(21) connection without SACK-permitted (SYN-ACK SACK-perm: %s)"
                       % (sa and sa.opts.get("sackok")), c.dump())
            return
        R, S = c.rcv_nxt, self.SMSS
        c.drop = lambda s: s.len > 0 and s.seq == R and not s.rexmit
        data = pattern(6 * S, 21)
        start = len(c.data)
        before = self.counters()
        t0 = self.send_data(c, data)
        dups = 0
        hold = 0.12  # the RTO is 200 ms after the first send
        end = t0 + hold
        while time.monotonic() < end:
            s = c.recv(end - time.monotonic())
            if s is None or not s.len or s.dropped or s.rexmit:
                continue
            if dups < 2:
                c.send_ack(ack=R, note="dupack %d" % (dups + 1))
                dups += 1
        early = list(c.rexmits)
        mid = self.delta(before, self.counters())
        t3 = c.send_ack(ack=R, note="dupack 3")
        rex = c.expect(lambda s: s.len > 0 and s.seq == R and s.rexmit, 0.3)
        lat = (rex.t - t3) * 1000 if rex else -1
        # Hold back the ACK that fills the hole for 30 ms: whatever else the fast retransmit
        # sends shows up.
        c.collect(0.03)
        d = self.delta(before, self.counters())
        self.check(dups == 2 and not early and mid.get("tcp_fast_rexmt", 0) == 0 and
                   rex is not None and 0 <= lat < 50 and rex.t - t0 < self.MIN_RTO and
                   d.get("tcp_fast_rexmt", 0) == 1 and d.get("tcp_rto", 0) == 0,
                   "(21) RFC 5681 3.2 (no SACK): 2 duplicate ACKs -> nothing resent for %.0f "
                   "ms (%d retransmissions, fast_rexmt +%d); the 3rd -> segment 1 resent %.1f "
                   "ms later, %.0f ms after the first send (< 200 ms RTO); %s" % (
                       hold * 1000, len(early), mid.get("tcp_fast_rexmt", 0), lat,
                       (rex.t - t0) * 1000 if rex else -1, self.rdesc(d)),
                   [self.fmt_delta(interesting(d))] + c.dump(20))
        others = [x for x in c.rexmits if x.seq != R]
        self.check(rex is not None and not others,
                   "(21) RFC 5681 3.2 step 4, RFC 6582 3.2: the fast retransmit resends only "
                   "the missing segment (other segments resent within 30 ms: %s)" % (
                       ["+%d len %d" % (sdiff(x.seq, R), x.len) for x in others] or "none"),
                   c.dump(20))
        self.finish(c, start, data, 21, "after the repair")

    # --- (22) RTO -------------------------------------------------------------------------
    def t_rto(self):
        c, hold = self.rtt_conn(22)
        if c is None:
            return
        R, S = c.rcv_nxt, self.SMSS
        last = sadd(R, 3 * S)
        st = {"open": False}
        # Every segment is lost (the probe too) but a retransmission of the first.
        c.drop = lambda s: not st["open"] and s.len > 0 and not (s.rexmit and s.seq == R)
        data = pattern(4 * S, 22)
        start = len(c.data)
        before = self.counters()
        self.send_data(c, data)
        first = c.expect(lambda s: s.len > 0, 1.0)
        r1 = c.expect(lambda s: s.len > 0 and s.rexmit, 1.0)
        # Tail loss probes (the last segment; FreeBSD-style, at most two) come first.
        probes = []
        while r1 is not None and first is not None and r1.seq == last and len(probes) < 2:
            probes.append(r1)
            r1 = c.expect(lambda s: s.len > 0 and s.rexmit, 1.0)
        probe = probes[0] if probes else None
        window = [x for x in c.collect(0.03) if x.len]
        mid = self.delta(before, self.counters())
        ref = probes[-1] if probes else first
        lat = (r1.t - ref.t) * 1000 if r1 and ref else -1
        lo, hi = 900 * self.MIN_RTO, 1000 * self.MIN_RTO + 100
        self.check(r1 is not None and r1.seq == R and lo <= lat <= hi and
                   mid.get("tcp_rto", 0) == 1 and mid.get("tcp_tlp", 0) == len(probes),
                   "(22) RFC 6298 5, RFC 8985 6.3: nothing acknowledged -> %s; the RTO fires "
                   "%.1f ms after %s (within [%.0f, %.0f] ms; min_rto 200 ms) and resends "
                   "from snd_una (%s); %s" % (
                       "%d TLP probe(s), the first %.0f ms after the flight" % (
                           len(probes), (probe.t - first.t) * 1000)
                       if probe else "no probe", lat, "the last probe" if probe else "the flight",
                       lo, hi, "seq +%d len %d" % (sdiff(r1.seq, R), r1.len) if r1 else "none",
                       self.rdesc(mid)),
                   [self.fmt_delta(interesting(mid))] + c.dump(16))
        self.check(r1 is not None and not window,
                   "(22) RFC 5681 3.1: after the RTO the loss window is 1 SMSS: nothing else "
                   "goes before the ACK (%d segment(s) in the next 30 ms)" % len(window),
                   c.dump(16))
        st["open"] = True
        self.finish(c, start, data, 22, "after the RTO the peer takes every segment")

    def t_rto_keeps_sack(self):
        """Islands 3, 5, 7, 9 of 10 segments arrive and are SACKed; with timestamps an ACK
        holds 3 blocks, so after the RTO the receiver's ACKs (RFC 2018 4: the newest blocks
        first) no longer repeat island 3: only the sender's memory keeps it from resending
        that data."""
        c, hold = self.rtt_conn(22)
        if c is None:
            return
        R, S = c.rcv_nxt, self.SMSS
        islands = (2, 4, 6, 8)
        st = {"open": False}

        def drop(s):  # the islands arrive; the rest, and every retransmission, is lost
            if st["open"] or not s.len:
                return False
            return s.rexmit or sdiff(s.seq, R) // S not in islands

        c.drop = drop
        data = pattern(10 * S, 23)
        start = len(c.data)
        before = self.counters()
        t0 = self.send_data(c, data)
        end = t0 + 0.75 * self.MIN_RTO
        while time.monotonic() < end:
            s = c.recv(end - time.monotonic())
            if s is not None and s.len and not s.dropped:
                c.send_ack(ack=R, opts=c.sack_opts(c.sack_blocks(s.seq)), note="SACK")
        pre = list(c.rexmits)
        mid = self.delta(before, self.counters())
        st["open"] = True
        # From here a normal receiver: ACK every segment, SACK what lies above the hole.
        post = []
        end = time.monotonic() + 1.5
        while len(c.data) - start < len(data) and time.monotonic() < end:
            s = c.recv(end - time.monotonic())
            if s is None or not s.len:
                continue
            if s.rexmit:
                post.append(s)
            c.send_ack(opts=c.sack_opts(c.sack_blocks(s.seq)))
        d = self.delta(before, self.counters())
        bad = [x for x in post for i in islands
               if sdiff(x.seq, sadd(R, (i + 1) * S)) < 0 and
               sdiff(sadd(x.seq, x.len), sadd(R, i * S)) > 0]

        def fmt(xs):
            return ", ".join("+%d" % sdiff(x.seq, R) for x in xs) or "none"

        # A second tail loss probe (the last segment) may precede the RTO's resend.
        post = [x for x in post if not (x.seq == sadd(R, 9 * S) and x is not post[-1] and
                                        x.t - t0 < self.MIN_RTO)] if post else post
        self.check(post and post[0].seq == R and d.get("tcp_rto", 0) == 1 and
                   mid.get("tcp_rto", 0) == 0 and not bad and
                   bytes(c.data[start:start + len(data)]) == data,
                   "(22) RFC 8985 6.3, RFC 6675 5.1, RFC 2018 4: segments 3, 5, 7, 9 of 10 "
                   "SACKed, the rest and the fast retransmits (%s) lost -> after the RTO (%.0f "
                   "ms after the flight, rto +%d) the stack resends %s from snd_una and none "
                   "of the SACKed segments, not even segment 3 that the 3-block ACKs no longer "
                   "report (SACKed data resent: %s); %s" % (
                       fmt(pre), (post[0].t - t0) * 1000 if post else -1, d.get("tcp_rto", 0),
                       fmt(post), fmt(bad), self.rdesc(d)),
                   [self.fmt_delta(interesting(d))] + c.dump(40))
        self.finish(c, start, data, 22, "after the RTO recovery")

    # --- (23) SACK attack ---------------------------------------------------------------------
    def sm_conn(self, c):
        """This connection's sendmap line in /fasttcp/tcp_sendmap: (entries, cap, state)."""
        t = self.tel.query("/fasttcp/tcp_sendmap")
        key = "%s:%d>%d " % (self.a.ns_ip, c.sport, c.dport)
        for e in t.get("conns", []):
            if e.startswith(key):
                m = re.search(r" n (\d+) max (\d+) st 0x([0-9a-f]+)", e)
                return t, (int(m.group(1)), int(m.group(2)), int(m.group(3), 16))
        return t, None

    def t_sack_attack(self):
        c = self.new_conn(win=1023)  # MSS 1000: 988-byte segments
        sa, _ = c.connect()
        if c.rcv_nxt is None or not c.echo_roundtrip(pattern(30000, 23), 3.0):
            self.check(False, "(23) connection and 30000-byte warm-up echo (cwnd grows)",
                       c.dump())
            return
        tel0, _ = self.sm_conn(c)
        R = c.rcv_nxt
        n = 24 * 988
        data = pattern(n, 24)
        start = len(c.data)
        before = self.counters()
        for i in range(0, n, 1000):
            c.send(F_ACK | F_PSH, payload=data[i:i + 1000])
        # Take every segment, acknowledge none: wait until the flight stops growing.
        while c.recv(0.05) is not None:
            pass
        flight = sdiff(c.seen_end, R) if c.seen_end is not None else 0
        # Tiny blocks (1 and 10 bytes) all over the flight, 3 per duplicate ACK.
        blocks = [(sadd(R, o), sadd(R, o + (1 if (o // 37) % 2 else 10)))
                  for o in range(7, flight - 10, 37)]
        peak, cap, states = 0, None, set()
        t_a = time.monotonic()
        for i in range(0, len(blocks), 3):
            c.send_ack(ack=R, opts=c.sack_opts(blocks[i:i + 3]), note="tiny SACKs")
            while c.recv(0) is not None:
                pass
            if (i // 3) % 5 == 4:  # a telemetry query every 5 ACKs
                _, e = self.sm_conn(c)
                if e:
                    peak, cap = max(peak, e[0]), e[1]
                    states.add(e[2])
        t_a = time.monotonic() - t_a
        tel1, e = self.sm_conn(c)
        if e:
            peak, cap = max(peak, e[0]), e[1]
            states.add(e[2])
        sd = {k: tel1[k] - tel0[k] for k in tel1 if isinstance(tel1[k], int) and k in tel0}
        d = self.delta(before, self.counters())
        self.check(flight >= 10 * 988 and len(blocks) >= 200 and cap is not None and
                   peak <= cap and (sd["sad_attacks"] >= 1 or sd["sack_refused"] >= 1),
                   "(23) tcp-design.md 1.5/2 (SACK attack): %d tiny SACK blocks (1 and 10 "
                   "bytes) over a %d-byte flight in %d ACKs (%.0f ms) -> the defence acts: "
                   "sad_attacks +%d, sack_refused +%d, sack_attack_ignored +%d, "
                   "sad_suspicious +%d; entries peak %d <= cap %s (states seen %s); %s" % (
                       len(blocks), flight, (len(blocks) + 2) // 3, t_a * 1000,
                       sd["sad_attacks"], sd["sack_refused"], sd["sack_attack_ignored"],
                       sd["sad_suspicious"], peak, cap, sorted(states), self.rdesc(d)),
                   ["sendmap counters moved: %s" % {k: v for k, v in sd.items() if v}] +
                   c.dump(12))
        # The truth: everything arrived. The stack must go on as if nothing happened.
        c.send_ack(note="ACK all")
        c.read_echo(start + n, 3.0)
        ok = bytes(c.data[start:start + n]) == data and c.echo_roundtrip(pattern(3000, 25))
        time.sleep(0.05)
        tel2, e2 = self.sm_conn(c)
        st, _ = self.wait_state(c, ("ESTABLISHED",), 0.2)
        self.check(ok and st == "ESTABLISHED" and e2 is None,
                   "(23) after the attack the %d bytes are intact, 3000 more echo, the "
                   "connection is %s and holds %s sendmap entries once all is acknowledged "
                   "(pool in use %d of %d)" % (n, st, e2[0] if e2 else 0, tel2["in_use"],
                                               tel2["capacity"]), c.dump(12))
        c.reset()


# =================================================================================================
class ClosePhase(Phase):
    """Simultaneous close and TIME-WAIT against fasttcp-httpd ("Connection: close")."""

    def run(self):
        try:
            self.go()
        except Exception as e:
            import traceback
            self.check(False, "close phase raised %s: %s" % (type(e).__name__, e),
                       traceback.format_exc().splitlines()[-6:])
        self.wire.close()
        return 0 if self.failed == 0 else 1

    def go(self):
        a = self.a
        c = self.new_conn(win=1023)
        sa, _ = c.connect()
        st, _ = self.wait_state(c, ("ESTABLISHED",), 1.0)
        if c.rcv_nxt is None or st != "ESTABLISHED":
            self.check(False, "(12) handshake with fasttcp-httpd", c.dump())
            return
        c.send(F_ACK | F_PSH, payload=b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        # Collect the response until the stack's FIN; acknowledge nothing yet.
        fin = None
        end = time.monotonic() + 2
        while fin is None and time.monotonic() < end:
            s = c.recv(end - time.monotonic())
            if s is not None and s.flags & F_FIN:
                fin = s
        if fin is None:
            self.check(False, "(12) fasttcp-httpd answers and closes first (FIN)", c.dump())
            return
        fin_seq = sadd(fin.seq, fin.len)
        resp = bytes(c.data)
        self.diag("response %d bytes: %r" % (len(resp), resp[:40]))
        st0, _ = self.wait_state(c, ("FIN_WAIT_1",), 0.2)
        # Our FIN crosses theirs: it acknowledges their data but not their FIN.
        before = self.counters()
        c.send(F_ACK | F_FIN, ack=fin_seq, note="FIN, their FIN not acked")
        s = c.expect(lambda s: s.flags & F_ACK and s.ack == c.snd_nxt, 1.0)
        st, e = self.wait_state(c, ("CLOSING",), 0.5)
        self.check(st0 == "FIN_WAIT_1" and s is not None and st == "CLOSING",
                   "(12) RFC 9293 3.6 figure 13: simultaneous close: stack in %s sent FIN, our "
                   "FIN crossing it is acknowledged (%s) and the stack is in %s (want CLOSING)"
                   % (st0, "ack=%d" % c._rel_ours(s.ack) if s else "no ACK", st),
                   c.dump(12) + [str(e)])
        # Acknowledge their FIN: CLOSING -> TIME-WAIT.
        t_tw = c.send_ack(ack=sadd(fin_seq, 1))
        c.rcv_nxt = sadd(fin_seq, 1)
        st, e = self.wait_state(c, ("TIME_WAIT",), 0.5)
        cnt = self.counters()
        self.check(st == "TIME_WAIT" and cnt["tcp_time_wait"] == 1,
                   "(12) RFC 9293 3.6: the ACK of its FIN moves CLOSING -> TIME_WAIT "
                   "(state %s, tcp_time_wait gauge %d)" % (st, cnt["tcp_time_wait"]),
                   c.dump(8) + [str(e)])
        # (13) retransmitted FIN in TIME-WAIT -> ACK
        time.sleep(0.3)
        c.drain(0.02, 0.2)
        before = self.counters()
        t1 = c.send(F_ACK | F_FIN, seq=sadd(c.snd_nxt, -1), advance=False,
                    note="retransmitted FIN")
        s = c.expect(lambda s: True, 1.0)
        d = interesting(self.delta(before, self.counters()))
        self.check(s is not None and s.flags & 0x3f == F_ACK and s.ack == c.snd_nxt,
                   "(13) RFC 9293 3.10.7.4 (TIME-WAIT): a retransmitted FIN is acknowledged "
                   "(%s, %.1f ms; %s)" % (
                       "%s ack=%d" % (flag_str(s.flags), c._rel_ours(s.ack)) if s else "nothing",
                       (s.t - t1) * 1000 if s else -1, self.fmt_delta(d)), c.dump(8))
        # TIME-WAIT ends after time_wait_ms
        end = time.monotonic() + a.time_wait_ms / 1000.0 + 3
        tw = None
        while time.monotonic() < end:
            if self.counters()["tcp_time_wait"] == 0:
                tw = time.monotonic() - t_tw
                break
            time.sleep(0.02)
        st, _ = self.wait_state(c, ("gone",), 0.2)
        lo, hi = a.time_wait_ms / 1000.0 * 0.9, a.time_wait_ms / 1000.0 + 0.3 + 0.8
        self.check(tw is not None and lo <= tw <= hi and st == "gone",
                   "(12) TIME-WAIT lasts time_wait_ms: tcp_time_wait back to 0 after %s s "
                   "(time_wait_ms %d; a restart on the retransmitted FIN would add 0.3 s), "
                   "connection %s" % ("%.2f" % tw if tw else "never", a.time_wait_ms, st))
        if tw is not None:
            self.diag("TIME-WAIT %s restarted by the retransmitted FIN (ended %.2f s after "
                      "entry)" % ("was" if tw > a.time_wait_ms / 1000.0 + 0.15 else
                                  "was not", tw))


# =================================================================================================
class SimOpenPhase(Phase):
    """Simultaneous open (RFC 9293 3.5 figure 8) against fasttcp-get's active open."""

    def run(self):
        try:
            self.go()
        except Exception as e:
            import traceback
            self.check(False, "simopen phase raised %s: %s" % (type(e).__name__, e),
                       traceback.format_exc().splitlines()[-6:])
        self.wire.close()
        return 0 if self.failed == 0 else 1

    def tcb_of(self, c):
        """The fasttcp-get connection as /fasttcp/tcp shows it (diagnostics only)."""
        try:
            t = Telemetry(self.a.tel)
            key = "%s:%d>" % (self.a.ns_ip, c.sport)
            return [e for e in t.query("/fasttcp/tcp") or [] if e.startswith(key)]
        except (OSError, ValueError, KeyError) as e:
            return "telemetry: %s" % e

    def go(self):
        a = self.a
        # Our "server" port: catch the stack's SYN (any source port).
        q = self.wire.register(a.dport)
        if a.ready_file:
            open(a.ready_file, "w").close()
        syn = None
        end = time.monotonic() + a.wait_s
        while time.monotonic() < end:
            try:
                s = q.get(timeout=max(end - time.monotonic(), 0))
            except queue.Empty:
                break
            if s.flags & 0x3f == F_SYN:
                syn = s
                break
        if syn is None:
            self.check(False, "(14) fasttcp-get's SYN arrives at port %d" % a.dport)
            return
        # From here the stack's segments reach us at port a.dport from syn.sport: a Conn with
        # our port a.dport and theirs syn.sport.
        c = Conn(self.wire, a.dport, syn.sport, mss=1460, win=1023)
        with self.wire.lock:
            self.wire.queues[a.dport] = c.q = q
        c.irs = syn.seq
        c.log_in(syn)
        # Answer with our own SYN (no ACK), as if our connect crossed theirs.
        c.send(F_SYN, seq=c.iss, opts=c.syn_opts(), win=65535, advance=False,
               note="our SYN crosses theirs")
        c.snd_nxt = sadd(c.iss, 1)
        sa = c.expect(lambda s: s.flags & F_SYN and s.flags & F_ACK, 2.5)
        ok = sa is not None and sa.seq == syn.seq and sa.ack == sadd(c.iss, 1)
        self.check(ok, "(14) RFC 9293 3.5 figure 8: SYN-SENT + SYN -> SYN-RECEIVED: the stack "
                   "answers <SEQ=ISS><ACK=our ISN+1><SYN,ACK>%s" % (
                       " with WS %s, TS %s" % (sa.opts.get("ws"), bool(sa.ts)) if sa else
                       ": nothing"), c.dump(8))
        if not ok:
            return
        c.rcv_nxt = sadd(syn.seq, 1)
        # Figure 8 line 6: our SYN,ACK (<SEQ=ISN><ACK=ISS+1>).
        c.send(F_SYN | F_ACK, seq=c.iss, opts=c.syn_opts(), advance=False,
               note="figure 8: our SYN,ACK")
        r = c.collect(0.3)
        self.diag("answer to our SYN,ACK: %s" % (
            ", ".join("%s len %d" % (flag_str(s.flags), s.len) for s in r) or "none"))
        c.send_ack(note="figure 8 line 7: ACK")
        c.expect(lambda s: len(c.data) > 0 and b"\r\n\r\n" in bytes(c.data), 2.0)
        data = bytes(c.data)
        tcb = self.tcb_of(c)
        self.check(data.startswith(b"GET /sim HTTP/1.1\r\n") and data.endswith(b"\r\n\r\n"),
                   "(14) RFC 9293 3.5: simultaneous open completes: the stack reaches "
                   "ESTABLISHED and sends its request (%d bytes: %r)" % (
                       len(data), data[:20]), c.dump(12) + ["stack: %s" % tcb])
        if not data:
            return
        body = b"hello"
        c.send(F_ACK | F_PSH | F_FIN, payload=b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
               b"Connection: close\r\n\r\n" + body)
        fin = c.expect(lambda s: s.flags & F_FIN, 2.0)
        if fin is not None:
            c.send_ack()
        self.check(fin is not None and fin.ack == c.snd_nxt,
                   "(14) the response and our FIN are acknowledged and the stack closes (FIN)",
                   c.dump(8))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("phase", choices=("echo", "recovery", "close", "simopen"))
    ap.add_argument("--iface", required=True)
    ap.add_argument("--stack-mac", required=True)
    ap.add_argument("--ns-mac", required=True)
    ap.add_argument("--stack-ip", required=True)
    ap.add_argument("--ns-ip", required=True)
    ap.add_argument("--tel", help="telemetry --file-prefix or socket path")
    ap.add_argument("--dport", type=int, default=7, help="the stack's port (simopen: ours)")
    ap.add_argument("--port-base", type=int, default=20000)
    ap.add_argument("--closed-port", type=int, default=9)
    ap.add_argument("--mtu", type=int, default=1500)
    ap.add_argument("--rcvbuf", type=int, default=262144)
    ap.add_argument("--delack-ms", type=int, default=100)
    ap.add_argument("--time-wait-ms", type=int, default=2000)
    ap.add_argument("--ready-file")
    ap.add_argument("--wait-s", type=float, default=15)
    a = ap.parse_args()
    a.stack_mac, a.ns_mac = a.stack_mac.lower(), a.ns_mac.lower()
    random.seed(os.getpid() ^ int(time.time()))
    if a.phase == "simopen":
        ph = SimOpenPhase.__new__(SimOpenPhase)
        ph.a, ph.failed, ph.port = a, 0, a.port_base
        ph.wire = Wire(a)
        return ph.run()
    cls = {"echo": EchoPhase, "recovery": RecoveryPhase, "close": ClosePhase}[a.phase]
    return cls(a).run()


if __name__ == "__main__":
    sys.exit(main())
