# SPDX-License-Identifier: BSD-3-Clause
"""Judge ovpn_decrypt_tool's output for ovpn_capture.sh.

Usage: ovpn_capture_check.py CIPHER TOOL_OUTPUT PATTERN_HEX COUNT CLIENT_IP SERVER_IP
                             CLIENT_LOG SERVER_LOG

The tool ran every P_DATA_V2 packet captured between a real openvpn client (tunnel address
CLIENT_IP) and server (SERVER_IP), while the client ran `ping -c COUNT -p PATTERN_HEX` to
SERVER_IP, through the gateway's decap (ovpn_data_decap_burst()). Checks, each printed as a
TAP-style "ok - " / "not ok - " line:
  - every packet authenticated (verdict DATA or PING), both directions had packets, and the
    data context's counters agree (rx_pkts, rx_data, rx_ping; no auth_fail);
  - per direction the packet ids are 1, 2, 3 ... (openvpn starts each key at 1 and counts
    every packet; the capture began before the handshake); key_id 0, peer-id 0, no float;
  - DATA plaintexts are IPv4 with a valid header checksum or IPv6 (the client's router
    solicitation); the rest are keepalive pings (PING verdicts): nothing else;
  - COUNT ICMP echo requests CLIENT_IP -> SERVER_IP (c2s) and COUNT echo replies (s2c), with
    valid ICMP checksums, sequence numbers 1..COUNT, and the ping pattern in the payload
    after iputils' 16-byte timestamp;
  - the data path recognised keepalive pings (PING verdicts) in both directions;
  - every plaintext is what the sender logged before encrypting it (openvpn --verb 9
    "ENCRYPT IV: <packet id> ..." then "ENCRYPT FROM: <first bytes>[more...]"; the client's
    log for c2s, the server's for s2c): DATA begins with the logged bytes, and a PING verdict
    is exactly the packet ids whose logged plaintext is the 16-byte keepalive magic.
"""
import ipaddress
import re
import struct
import sys

PING_MAGIC = bytes.fromhex("2a187bf3641eb4cb07ed2d0a981fc748")  # §6.5

failed = 0


def ok(desc):
    print("ok - " + desc)


def not_ok(desc, *details):
    global failed
    failed += 1
    print("not ok - " + desc)
    for d in details:
        print("#   " + d)


def check(cond, desc, *details):
    if cond:
        ok(desc)
    else:
        not_ok(desc, *details)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def parse_tool(path):
    """Per-packet dicts, the summary and the per-direction stats of the tool's output."""
    pkts, summary, stats = [], None, {}
    with open(path) as f:
        for line in f:
            p = line.split()
            if p and p[0] == "summary":
                summary = dict(kv.split("=") for kv in p[1:])
            elif len(p) >= 2 and p[0] == "stats":
                stats[p[1]] = dict(kv.split("=") for kv in p[2:])
            elif len(p) >= 3 and p[0] in ("c2s", "s2c"):
                pk = {"dir": p[0], "status": p[2], "data": b""}
                if p[2] == "ok":
                    for tok in p[3:]:
                        if "=" in tok:
                            k, v = tok.split("=", 1)
                            pk[k] = v
                        else:
                            pk["data"] = bytes.fromhex(tok)
                else:
                    pk["reason"] = p[3] if len(p) > 3 else "?"
                pkts.append(pk)
    return pkts, summary, stats


def icmp_echo(pt, src, dst):
    """(type, seq, data) of a well-formed ICMP echo IPv4 packet src -> dst, else None."""
    if len(pt) < 28 or pt[0] >> 4 != 4:
        return None
    ihl = (pt[0] & 0x0F) * 4
    total = struct.unpack_from("!H", pt, 2)[0]
    if total != len(pt) or pt[9] != 1 or pt[12:16] != src or pt[16:20] != dst:
        return None
    icmp = pt[ihl:]
    if icmp[0] not in (0, 8) or csum(icmp) != 0:
        return None
    return icmp[0], struct.unpack_from("!H", icmp, 6)[0], icmp[8:]


def pattern_ok(data, pat):
    """iputils ping -p: pattern repeated from the data start, then the timestamp over 16."""
    want = (pat * (len(data) // len(pat) + 1))[:len(data)]
    return len(data) > 16 + len(pat) and data[16:] == want[16:]


def logged_plaintexts(path):
    """{packet id: first plaintext bytes} from the ENCRYPT IV / ENCRYPT FROM lines of a log."""
    iv_re = re.compile(r"ENCRYPT IV: ([0-9a-f]{8}) ")
    from_re = re.compile(r"ENCRYPT FROM: ([0-9a-f ]+)")
    out, pid = {}, None
    with open(path, errors="replace") as f:
        for line in f:
            m = iv_re.search(line)
            if m:
                pid = int(m.group(1), 16)
                continue
            m = from_re.search(line)
            if m and pid is not None:
                h = m.group(1).replace(" ", "")
                out[pid] = bytes.fromhex(h[:len(h) // 2 * 2])
                pid = None
    return out


def main():
    cipher, path, pat_hex, count, cip, sip, cli_log, srv_log = sys.argv[1:9]
    pat, count = bytes.fromhex(pat_hex), int(count)
    cip, sip = ipaddress.IPv4Address(cip).packed, ipaddress.IPv4Address(sip).packed
    pkts, summary, stats = parse_tool(path)
    if summary is None:
        not_ok("%s: decrypt tool printed a summary" % cipher)
        return 1

    good = [p for p in pkts if p["status"] == "ok"]
    bad = [p for p in pkts if p["status"] != "ok"]
    n = {d: sum(1 for p in good if p["dir"] == d) for d in ("c2s", "s2c")}
    check(not bad and n["c2s"] > 0 and n["s2c"] > 0,
          "%s: every captured P_DATA_V2 packet authenticates in our decap (%d c2s, %d s2c)"
          % (cipher, n["c2s"], n["s2c"]),
          *["%s %s" % (p["dir"], p.get("reason")) for p in bad[:5]])

    want = {d: {"rx_pkts": n[d],
                "rx_data": sum(1 for p in good if p["dir"] == d and p["kind"] != "ping"),
                "rx_ping": sum(1 for p in good if p["dir"] == d and p["kind"] == "ping"),
                "auth_fail": 0} for d in ("c2s", "s2c")}
    got = {d: {k: int(v) for k, v in stats.get(d, {}).items()} for d in ("c2s", "s2c")}
    check(got == want, "%s: decap counters agree: %s" % (cipher, want), "counters %s" % got)

    for d in ("c2s", "s2c"):
        ids = [int(p["pktid"]) for p in good if p["dir"] == d]
        check(ids == list(range(1, len(ids) + 1)),
              "%s: %s packet ids are 1..%d in order" % (cipher, d, len(ids)), "ids %s" % ids[:20])
    check(all(p["key_id"] == "0" and p["peer_id"] == "0" and p["float"] == "0" for p in good),
          "%s: key_id 0, peer-id 0 and no float flag on every packet" % cipher)

    kinds = {}
    bad_v4 = 0
    for p in good:
        kinds[p["kind"]] = kinds.get(p["kind"], 0) + 1
        if p["kind"] == "ipv4":
            ihl = (p["data"][0] & 0x0F) * 4
            bad_v4 += csum(p["data"][:ihl]) != 0
    check(set(kinds) <= {"ipv4", "ipv6", "ping"} and bad_v4 == 0,
          "%s: plaintexts are IPv4 (valid header checksum), IPv6 or keepalive pings: %s"
          % (cipher, " ".join("%s=%d" % kv for kv in sorted(kinds.items()))),
          "IPv4 header checksum errors: %d" % bad_v4)

    for d, itype, src, dst, name in (("c2s", 8, cip, sip, "echo requests"),
                                     ("s2c", 0, sip, cip, "echo replies")):
        echoes = [e for e in (icmp_echo(p["data"], src, dst) for p in good
                              if p["dir"] == d and p["kind"] == "ipv4") if e and e[0] == itype]
        seqs = [e[1] for e in echoes]
        pats = sum(1 for e in echoes if pattern_ok(e[2], pat))
        check(seqs == list(range(1, count + 1)) and pats == count,
              "%s: %d ICMP %s (%s) with the ping pattern %s" % (cipher, count, name, d, pat_hex),
              "sequence numbers %s, %d with the pattern" % (seqs, pats))

    for d in ("c2s", "s2c"):
        pings = sum(1 for p in good if p["dir"] == d and p["kind"] == "ping")
        check(pings > 0, "%s: keepalive pings recognised by the data path (%s: %d)"
              % (cipher, d, pings))

    for d, log in (("c2s", cli_log), ("s2c", srv_log)):
        sent = logged_plaintexts(log)
        mine = [p for p in good if p["dir"] == d]
        same = 0
        for p in mine:
            logged = sent.get(int(p["pktid"]), b"")
            if p["kind"] == "ping":
                same += logged == PING_MAGIC
            else:
                same += len(logged) >= 16 and p["data"].startswith(logged)
        check(mine and same == len(mine),
              "%s: %s plaintexts are what the sender logged before encrypting "
              "(verb 9 ENCRYPT FROM): %d of %d" % (cipher, d, same, len(mine)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
