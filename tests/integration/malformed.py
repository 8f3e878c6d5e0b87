#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Malformed-frame barrage against a fasttcp stack on a tap, run by tap_netns.sh inside the
namespace that holds the tap interface.

For each class of defect, K frames are sent with Scapy (sendp on the namespace interface) and
the stack's drop counters (/fasttcp/drops, read through the telemetry socket right before and
after) must show the class's reason risen by exactly K: every frame dropped, each counted once
and under the right reason. Each frame has exactly one defect; everything else in it is valid
(addresses, checksums), so that any other reason would be a misclassification. eth_type is the
exception: unrelated traffic (IPv6 from the kernel) lands there too, so it is checked with >=.

Prints one TAP line per class ("ok - ..." / "not ok - ..."); other counters that moved during
a class are shown on the line for diagnosis. Exit status 0 if all passed.

    malformed.py --iface IF --stack-mac MAC --ns-mac MAC --tel PREFIX
                 [--stack-ip A] [--ns-ip A] [-k K] [--reass-timeout-ms MS]
"""
import argparse
import errno
import socket
import struct
import sys
import time

from scapy.all import ICMP, IP, UDP, Dot1Q, Ether, Raw, conf

from ftit import Telemetry

ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806


class Barrage:
    def __init__(self, a):
        self.a = a
        self.tel = Telemetry(a.tel)
        self.l2 = conf.L2socket(iface=a.iface)
        self.failed = 0
        self.ip_id = 0x4000
        self.sport = 40000

    # --- frame builders: one defect each ------------------------------------------------
    def eth(self, etype=ETH_P_IP, dst=None):
        return Ether(dst=dst or self.a.stack_mac, src=self.a.ns_mac, type=etype)

    def ip(self, **kw):
        self.ip_id = (self.ip_id + 1) & 0xffff
        f = dict(src=self.a.ns_ip, dst=self.a.stack_ip, id=self.ip_id)
        f.update(kw)
        return IP(**f)

    def udp(self, **kw):
        self.sport += 1
        f = dict(sport=self.sport, dport=7)
        f.update(kw)
        return UDP(**f)

    def arp(self, hlen=6, plen=4, op=1, tpa=None, truncate=None):
        """ARP for IPv4 over Ethernet, built by hand so that hlen/plen do not change the
        layout (the stack must reject the field values, not a length mismatch)."""
        mac = bytes.fromhex(self.a.ns_mac.replace(":", ""))
        body = struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, hlen, plen, op, mac,
                           socket.inet_aton(self.a.ns_ip), b"\0" * 6,
                           socket.inet_aton(tpa or self.a.stack_ip))
        if truncate is not None:
            body = body[:truncate]
        return self.eth(ETH_P_ARP) / Raw(body)

    @staticmethod
    def corrupt(good):
        """A checksum value that is wrong for any content that @p good is right for."""
        bad = good ^ 0x00ff
        if bad in (0, 0xffff, good):
            bad = good ^ 0x0f0f
        return bad

    def with_bad_ip_csum(self):
        p = self.ip() / self.udp() / Raw(b"c" * 16)
        good = IP(bytes(p)).chksum
        p[IP].chksum = self.corrupt(good)
        return self.eth() / p

    def with_bad_udp_csum(self):
        p = self.ip() / self.udp() / Raw(b"u" * 16)
        good = IP(bytes(p))[UDP].chksum
        p[UDP].chksum = self.corrupt(good)
        return self.eth() / p

    def with_bad_icmp_csum(self):
        p = self.ip() / ICMP(type=8, id=0x77, seq=self.ip_id) / Raw(b"i" * 16)
        good = IP(bytes(p))[ICMP].chksum
        p[ICMP].chksum = self.corrupt(good)
        return self.eth() / p

    # --- counters ------------------------------------------------------------------------
    def send(self, frames):
        for f in frames:
            self.l2.send(f)

    def measure(self, reason, k, send_fn, settle=0.03, wait_s=2.0):
        before = self.tel.drops()
        send_fn()
        self.tel.wait_for("/fasttcp/drops", reason, before[reason] + k, wait_s)
        time.sleep(settle)
        after = self.tel.drops()
        delta = {r: after[r] - before[r] for r in after if after[r] != before[r]}
        return delta

    def report(self, ok, desc, delta, reason):
        others = {r: v for r, v in delta.items() if r != reason}
        extra = " (other drops: %s)" % (others if others else "none")
        print("%s - malformed %s%s" % ("ok" if ok else "not ok", desc, extra), flush=True)
        if not ok:
            self.failed += 1

    def check_class(self, name, reason, frames, exact=True):
        k = len(frames)
        delta = self.measure(reason, k, lambda: self.send(frames))
        got = delta.get(reason, 0)
        ok = got == k if exact else got >= k
        self.report(ok, "%s: %d frames, %s +%d (want %s%d)" %
                    (name, k, reason, got, "" if exact else ">=", k), delta, reason)

    # --- the classes -----------------------------------------------------------------------
    def eth_short(self, k):
        """Frames shorter than 14 bytes. Linux refuses to transmit them on an Ethernet
        device (dev_validate_header: EINVAL), so what can honestly be checked is either that
        they are counted as eth_short (if they are sent) or, if the kernel refuses them,
        that the shortest frame that can be sent (a bare 14-byte header) is ip_short."""
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((self.a.iface, 0))
        hdr = bytes(self.eth())
        refused = 0

        def send_short():
            nonlocal refused
            for i in range(k):
                try:
                    s.send(hdr[:10])
                except OSError as e:
                    if e.errno != errno.EINVAL:
                        raise
                    refused += 1

        delta = self.measure("eth_short", k, send_short, wait_s=0.5)
        if refused == 0:
            got = delta.get("eth_short", 0)
            self.report(got == k, "eth_short: %d 10-byte frames, eth_short +%d (want %d)"
                        % (k, got, k), delta, "eth_short")
            s.close()
            return
        # The kernel refused: check the bare-header frame instead.
        delta2 = self.measure("ip_short", k, lambda: [s.send(hdr) for _ in range(k)])
        got = delta2.get("ip_short", 0)
        ok = refused == k and delta.get("eth_short", 0) == 0 and got == k
        self.report(ok, "eth_short: Linux refused all %d/%d frames < 14 bytes (EINVAL), so "
                    "none can reach the stack over a tap; %d bare 14-byte IPv4 frames: "
                    "ip_short +%d (want %d)" % (refused, k, k, got, k), delta2, "ip_short")
        s.close()

    def run(self):
        k = self.a.k
        # Incomplete datagrams go first: their reassembly timeout runs during the rest.
        frag_frames = [self.eth() / self.ip(flags="MF", frag=0, proto=17) / Raw(b"f" * 16)
                       for _ in range(k)]
        frag_before = self.tel.drops()
        self.send(frag_frames)
        frag_sent_at = time.monotonic()

        self.eth_short(k)
        self.check_class("IPv4 shorter than 20 bytes", "ip_short",
                         [self.eth() / Raw(bytes(self.ip() / self.udp())[:12])
                          for _ in range(k)])
        self.check_class("IP version 6 in an IPv4 frame", "ip_version",
                         [self.eth() / self.ip(version=6) / self.udp() / Raw(b"v" * 8)
                          for _ in range(k)])
        self.check_class("IHL 4 (< 5)", "ip_ihl",
                         [self.eth() / self.ip(ihl=4) / self.udp() / Raw(b"h" * 8)
                          for _ in range(k)])
        self.check_class("IHL 15 beyond a 28-byte packet", "ip_ihl",
                         [self.eth() / self.ip(ihl=15) / self.udp() for _ in range(k)])
        self.check_class("total length 1000 beyond the frame", "ip_len",
                         [self.eth() / self.ip(len=1000) / self.udp() / Raw(b"l" * 10)
                          for _ in range(k)])
        self.check_class("total length 10 < IHL", "ip_len",
                         [self.eth() / self.ip(len=10) / self.udp() / Raw(b"l" * 10)
                          for _ in range(k)])
        self.check_class("bad IPv4 header checksum", "ip_csum",
                         [self.with_bad_ip_csum() for _ in range(k)])
        self.check_class("TTL 0", "ip_ttl",
                         [self.eth() / self.ip(ttl=0) / self.udp() / Raw(b"t" * 8)
                          for _ in range(k)])
        self.check_class("martian source 127.0.0.1", "ip_bad_src",
                         [self.eth() / self.ip(src="127.0.0.1") / self.udp() / Raw(b"m" * 8)
                          for _ in range(k)])
        self.check_class("destination %s not us" % self.a.other_ip, "ip_not_us",
                         [self.eth() / self.ip(dst=self.a.other_ip) / self.udp() /
                          Raw(b"n" * 8) for _ in range(k)])
        self.check_class("unknown protocol 253", "ip_proto",
                         [self.eth() / self.ip(proto=253) / Raw(b"p" * 16) for _ in range(k)])
        overlap = []
        for _ in range(k // 2):
            a = self.ip(flags="MF", frag=0, proto=17) / Raw(b"o" * 24)
            b = self.ip(id=a.id, flags="MF", frag=1, proto=17) / Raw(b"O" * 16)
            overlap += [self.eth() / a, self.eth() / b]
        self.check_class("overlapping fragments (%d datagrams of 2: offset 0+24, 8+16)"
                         % (k // 2), "frag_overlap", overlap)
        self.check_class("ARP hlen 7", "arp_malformed", [self.arp(hlen=7) for _ in range(k)])
        self.check_class("ARP plen 5", "arp_malformed", [self.arp(plen=5) for _ in range(k)])
        self.check_class("ARP opcode 3", "arp_malformed", [self.arp(op=3) for _ in range(k)])
        self.check_class("ARP truncated to 20 bytes", "arp_malformed",
                         [self.arp(truncate=20) for _ in range(k)])
        self.check_class("ARP request for %s (not us)" % self.a.other_ip, "arp_not_us",
                         [self.arp(tpa=self.a.other_ip) for _ in range(k)])
        self.check_class("bad UDP checksum", "udp_csum",
                         [self.with_bad_udp_csum() for _ in range(k)])
        self.check_class("UDP length 100 > 28-byte payload", "udp_len",
                         [self.eth() / self.ip() / self.udp(len=100) / Raw(b"L" * 20)
                          for _ in range(k)])
        self.check_class("UDP shorter than 8 bytes", "udp_short",
                         [self.eth() / self.ip(proto=17) / Raw(b"\x9c\x40\x00\x07")
                          for _ in range(k)])
        self.check_class("bad ICMP checksum", "icmp_csum",
                         [self.with_bad_icmp_csum() for _ in range(k)])
        self.check_class("ICMP shorter than 8 bytes", "icmp_short",
                         [self.eth() / self.ip(proto=1) / Raw(b"\x08\x00\xf7\xff")
                          for _ in range(k)])
        self.check_class("unicast to another MAC", "eth_not_us",
                         [self.eth(dst="02:00:00:00:99:99") / self.ip() / self.udp()
                          for _ in range(k)])
        self.check_class("VLAN-tagged", "eth_vlan",
                         [Ether(dst=self.a.stack_mac, src=self.a.ns_mac) / Dot1Q(vlan=5) /
                          self.ip() / self.udp() for _ in range(k)])
        self.check_class("ethertype 0x88b5", "eth_type",
                         [self.eth(etype=0x88b5) / Raw(b"e" * 46) for _ in range(k)],
                         exact=False)

        # Now the incomplete datagrams: their timeout must have expired them all.
        wait = 2.5 * self.a.reass_timeout_ms / 1000.0 - (time.monotonic() - frag_sent_at)
        if wait > 0:
            time.sleep(wait)
        self.tel.wait_for("/fasttcp/drops", "frag_timeout", frag_before["frag_timeout"] + k,
                          1.0)
        after = self.tel.drops()
        got = after["frag_timeout"] - frag_before["frag_timeout"]
        print("%s - malformed fragments that never complete: %d first fragments (MF, offset 0),"
              " frag_timeout +%d after %.1f s (want %d; reassembly timeout %d ms)"
              % ("ok" if got == k else "not ok", k, got, time.monotonic() - frag_sent_at, k,
                 self.a.reass_timeout_ms), flush=True)
        if got != k:
            self.failed += 1
        return 0 if self.failed == 0 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iface", required=True)
    ap.add_argument("--stack-mac", required=True)
    ap.add_argument("--ns-mac", required=True)
    ap.add_argument("--tel", required=True, help="telemetry --file-prefix or socket path")
    ap.add_argument("--stack-ip", default="198.51.100.1")
    ap.add_argument("--ns-ip", default="198.51.100.2")
    ap.add_argument("--other-ip", default="198.51.100.77")
    ap.add_argument("-k", type=int, default=20)
    ap.add_argument("--reass-timeout-ms", type=int, default=1000)
    a = ap.parse_args()
    a.stack_mac, a.ns_mac = a.stack_mac.lower(), a.ns_mac.lower()
    return Barrage(a).run()


if __name__ == "__main__":
    sys.exit(main())
