#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Decode and plot a fasttcp TCP event log (src/tcp/evlog.h).

Sources (one of):
  DUMP                         a dump file written by ft_conn_evlog_dump() or --save
  --json FILE                  replies of /fasttcp/tcp_log,ID[,FROM] saved as JSON (one object,
                               a list of them, or one per line; "-" reads stdin)
  --telemetry SOCK --conn ID   ask a running process; SOCK is the dpdk_telemetry.v2 socket
                               path or the process's --file-prefix (/var/run/dpdk/PREFIX/...)
  --telemetry SOCK --list      list the logged connections and exit

Outputs (any combination):
  OUT.png | OUT.svg            time-sequence plot (sends, retransmissions, ACKs, SACKs, RACK
                               losses, timers) above cwnd / ssthresh / pipe, drawn by gnuplot
  --text                       one line per record on stdout
  --save DUMP                  write the records in the dump format (the dump "command" for a
                               live process: --telemetry SOCK --conn ID --save conn.evlog)

Examples:
  tcp-evlog-plot.py --telemetry myprefix --list
  tcp-evlog-plot.py --telemetry /var/run/dpdk/myprefix/dpdk_telemetry.v2 --conn 3 conn3.png
  tcp-evlog-plot.py conn3.evlog --text conn3.svg

Python standard library only; plotting needs the gnuplot binary (Debian: gnuplot-nox).
"""

import argparse
import json
import os
import shutil
import socket
import struct
import subprocess
import sys

MAGIC = b"FTEVLOG\0"
HDR = struct.Struct("<8sHHIQQIIHHHHII8x")  # 64 bytes, see evlog.h
REC = struct.Struct("<QBBHI8I")            # 48 bytes
RUNTIME_DIR = "/var/run/dpdk"
PAGE_CMD = "/fasttcp/tcp_log"

TYPES = {1: "OPEN", 2: "CLOSE", 3: "STATE", 4: "SEND", 5: "ACK", 6: "SACK", 7: "CC", 8: "RTT",
         9: "RACK_LOST", 10: "TIMER_ARM", 11: "TIMER_FIRE", 12: "TLP", 13: "REC_ENTER",
         14: "REC_EXIT", 15: "NOTE"}
STATES = ["CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
          "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"]
WHY = ["other", "init", "ack", "dupack", "rack", "ecn", "rto", "idle", "fullack", "prr", "mss"]
TIMERS = {1: "RTO", 2: "TLP", 3: "RACK", 4: "DELACK", 5: "PERSIST", 6: "KEEP", 7: "TIME_WAIT",
          8: "FIN_WAIT_2"}
RTT_SRC = {1: "ts", 2: "seq", 3: "ack", 4: "sack"}
TH_FLAGS = [(0x01, "FIN"), (0x02, "SYN"), (0x04, "RST"), (0x08, "PSH"), (0x10, "ACK"),
            (0x20, "URG"), (0x100, "RXT"), (0x200, "TLP"), (0x400, "PROBE"), (0x800, "KEEP"),
            (0x1000, "RACK"), (0x2000, "RTO")]
ACK_FLAGS = [(0x1, "DUP"), (0x2, "DSACK"), (0x4, "WND"), (0x8, "ECE")]
SEND_RXT = 0x0100
SEND_TLP = 0x0200
INF = 0xFFFFFFFF

# Field names of a[0..7] per type (the table of enum ft_evlog_type).
ARGS = {
    "OPEN": ["laddr", "faddr", "lport", "fport", "worker"],
    "CLOSE": ["snd_una", "snd_max", "rcv_nxt", "backoff"],
    "STATE": ["from", "to", "snd_una", "snd_max", "rcv_nxt"],
    "SEND": ["seq", "len", "snd_una", "snd_nxt", "snd_max", "snd_wnd", "rcv_nxt"],
    "ACK": ["ack", "acked", "sacked", "sack_low", "sack_high", "n_acks", "dup_blocks",
            "snd_wnd"],
    "SACK": ["s0", "e0", "s1", "e1", "s2", "e2", "s3", "e3"],
    "CC": ["ssthresh", "pipe", "srtt_us", "rttvar_us", "rto_us", "snd_una", "snd_max",
           "backoff_rec"],
    "RTT": ["sample_us", "srtt_us", "rttvar_us", "rto_us"],
    "RACK_LOST": ["start", "end", "age_us", "reo_wnd_us"],
    "TIMER_ARM": ["timeout_us", "detail"],
    "TIMER_FIRE": ["deadline_lo", "deadline_hi", "backoff", "rto_us", "snd_una", "snd_max"],
    "TLP": ["seq", "len", "pto_us"],
    "REC_ENTER": ["ssthresh", "recover", "pipe", "snd_una", "snd_max"],
    "REC_EXIT": ["ssthresh", "recover", "pipe", "snd_una", "snd_max"],
    "NOTE": ["v0", "v1", "v2", "v3"],
}


class Log:
    """One connection's records plus the dump header fields."""

    def __init__(self, meta, recs):
        self.meta = meta   # dict: tsc_hz, first, laddr, faddr, lport, fport, worker, open...
        self.recs = recs   # list of (tsc, type, state, sub, cwnd, [a0..a7])


def ip4(v):
    return "%d.%d.%d.%d" % (v >> 24 & 255, v >> 16 & 255, v >> 8 & 255, v & 255)


# --- sources -----------------------------------------------------------------------------------

def read_dump(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < HDR.size:
        raise ValueError("%s: too short for a dump header" % path)
    (magic, version, rec_size, n, hz, first, laddr, faddr, lport, fport, worker, flags, ring,
     gen) = HDR.unpack_from(data)
    if magic != MAGIC or version != 1 or rec_size != REC.size:
        raise ValueError("%s: not an event log dump (magic %r version %d record %d)"
                         % (path, magic, version, rec_size))
    if len(data) < HDR.size + n * REC.size:
        raise ValueError("%s: %d records announced, file truncated" % (path, n))
    recs = [unpack_rec(data, HDR.size + i * REC.size) for i in range(n)]
    meta = dict(tsc_hz=hz, first=first, laddr=laddr, faddr=faddr, lport=lport, fport=fport,
                worker=worker, open=flags & 1, ring=ring, gen=gen)
    return Log(meta, recs)


def unpack_rec(buf, off=0):
    v = REC.unpack_from(buf, off)
    return (v[0], v[1], v[2], v[3], v[4], list(v[5:]))


def log_from_pages(pages):
    """Merge /fasttcp/tcp_log,ID replies (dicts) into one Log; pages must share a gen."""
    pages = [p.get(PAGE_CMD, p) for p in pages]
    pages = [p for p in pages if isinstance(p, dict) and "recs" in p]
    if not pages:
        raise ValueError("no /fasttcp/tcp_log,ID reply with records found")
    gen = pages[-1]["gen"]
    recs = {}
    for p in pages:
        if p["gen"] != gen:
            continue
        if p.get("rec_size", REC.size) != REC.size or len(p["recs"]) != p["n"]:
            raise ValueError("reply of %d records holds %d (truncated?)" % (p["n"],
                                                                            len(p["recs"])))
        for i, h in enumerate(p["recs"]):
            recs[p["first"] + i] = unpack_rec(bytes.fromhex(h))
    first = min(recs)
    last = pages[-1]
    meta = dict(tsc_hz=last["tsc_hz"], first=first, laddr=last["laddr"], faddr=last["faddr"],
                lport=last["lport"], fport=last["fport"], worker=last["worker"],
                open=last["open"], ring=last["ring"], gen=gen)
    return Log(meta, [recs[k] for k in sorted(recs)])


def read_json(path):
    text = sys.stdin.read() if path == "-" else open(path).read()
    try:
        doc = json.loads(text)
        pages = doc if isinstance(doc, list) else [doc]
    except json.JSONDecodeError:
        pages = [json.loads(line) for line in text.splitlines() if line.strip()]
    return log_from_pages(pages)


class Telemetry:
    """A DPDK telemetry v2 client (SOCK_SEQPACKET, one JSON reply per command)."""

    def __init__(self, where):
        path = where if "/" in where else os.path.join(RUNTIME_DIR, where,
                                                      "dpdk_telemetry.v2")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(5)
        self.sock.connect(path)
        hello = json.loads(self.sock.recv(1024).decode())
        self.max_len = hello.get("max_output_len", 16384)

    def query(self, cmd):
        self.sock.send(cmd.encode())
        reply = json.loads(self.sock.recv(self.max_len * 2).decode())
        return reply.get(cmd.split(",")[0])


def fetch_log(tel, conn):
    """Page through /fasttcp/tcp_log,ID,FROM from the oldest record; restart on reuse."""
    for _ in range(3):
        pages, nxt = [], 0
        while True:
            p = tel.query("%s,%d,%d" % (PAGE_CMD, conn, nxt))
            if p is None:
                raise ValueError("%s,%d: no such log (event log off or bad id)"
                                 % (PAGE_CMD, conn))
            if pages and p["gen"] != pages[0]["gen"]:
                break  # the ring went to another connection: start again
            pages.append(p)
            if p["n"] == 0 or p["next"] >= p["count"]:
                if any(q["n"] for q in pages):
                    return log_from_pages(pages)
                raise ValueError("log %d holds no records" % conn)
            nxt = p["next"]
    raise ValueError("log %d kept being reused while reading" % conn)


def write_dump(log, path):
    m = log.meta
    with open(path, "wb") as f:
        f.write(HDR.pack(MAGIC, 1, REC.size, len(log.recs), m["tsc_hz"], m["first"],
                         m["laddr"], m["faddr"], m["lport"], m["fport"], m["worker"],
                         m["open"] & 1, m["ring"], m["gen"]))
        for tsc, ty, st, sub, cwnd, a in log.recs:
            f.write(REC.pack(tsc, ty, st, sub, cwnd, *a))


# --- text --------------------------------------------------------------------------------------

def flags_str(v, table):
    names = [n for bit, n in table if v & bit]
    return "|".join(names) if names else "0"


def describe(rec):
    tsc, ty, st, sub, cwnd, a = rec
    name = TYPES.get(ty, "T%d" % ty)
    fields = ARGS.get(name, ["a%d" % i for i in range(8)])
    parts = ["%s=%d" % (f, a[i]) for i, f in enumerate(fields)]
    if name == "SEND":
        parts.append("flags=" + flags_str(sub, TH_FLAGS))
    elif name == "ACK":
        parts[6] = "n_dupacks=%d n_blocks=%d" % (a[6] & 0xFFFF, a[6] >> 16)
        parts.append("flags=" + flags_str(sub, ACK_FLAGS))
    elif name in ("CC", "REC_ENTER", "REC_EXIT"):
        if name == "CC":
            parts[7] = "backoff=%d in_recovery=%d" % (a[7] & 0xFF, a[7] >> 8 & 1)
        parts.append("why=" + (WHY[sub] if sub < len(WHY) else str(sub)))
    elif name in ("TIMER_ARM", "TIMER_FIRE"):
        parts.append("timer=" + TIMERS.get(sub, str(sub)))
    elif name == "RTT":
        parts.append("src=" + RTT_SRC.get(sub, str(sub)))
    elif name == "STATE":
        parts = ["%s->%s" % (state_name(a[0]), state_name(a[1]))] + parts[2:]
    elif name == "OPEN":
        parts = ["%s:%d>%s:%d" % (ip4(a[1]), a[3], ip4(a[0]), a[2]), "worker=%d" % a[4]]
    elif sub:
        parts.append("sub=%d" % sub)
    return "%-10s %-11s cwnd=%d %s" % (name, state_name(st), cwnd, " ".join(parts))


def state_name(s):
    return STATES[s] if s < len(STATES) else str(s)


def print_text(log, out):
    m = log.meta
    hz = m["tsc_hz"] or 1
    t0 = log.recs[0][0] if log.recs else 0
    out.write("# %s:%d > %s:%d worker %d ring %d gen %d %s, records %d..%d, %d Hz\n"
              % (ip4(m["faddr"]), m["fport"], ip4(m["laddr"]), m["lport"], m["worker"],
                 m["ring"], m["gen"], "open" if m["open"] else "closed", m["first"],
                 m["first"] + len(log.recs) - 1, hz))
    for i, r in enumerate(log.recs):
        out.write("%8d %12.3f ms %s\n" % (m["first"] + i, (r[0] - t0) * 1000.0 / hz,
                                         describe(r)))


# --- plot --------------------------------------------------------------------------------------

def rel(v, base):
    """Sequence number relative to base, across the 2^32 wrap."""
    d = (v - base) & 0xFFFFFFFF
    return d - (1 << 32) if d >= 1 << 31 else d


def series(log):
    """Rows for each plotted series: {name: [row, ...]}, rows are tuples of numbers."""
    hz = log.meta["tsc_hz"] or 1
    t0 = log.recs[0][0] if log.recs else 0
    base = None
    for _, ty, _, _, _, a in log.recs:
        if TYPES.get(ty) == "SEND" and a[1] > 0:
            base = a[0]
            break
    if base is None:
        base = next((a[0] for _, ty, _, _, _, a in log.recs if TYPES.get(ty) == "ACK"), 0)
    has_sack = any(TYPES.get(r[1]) == "SACK" for r in log.recs)
    s = {k: [] for k in ("send", "rxt", "tlp", "ack", "sack", "lost", "rto", "timer",
                         "cwnd", "ssthresh", "pipe", "rec_enter", "rec_exit")}
    for tsc, ty, _, sub, cwnd, a in log.recs:
        t = (tsc - t0) * 1000.0 / hz
        name = TYPES.get(ty)
        s["cwnd"].append((t, cwnd / 1024.0))
        if name == "SEND" and a[1] > 0:
            key = "tlp" if sub & SEND_TLP else "rxt" if sub & SEND_RXT else "send"
            s[key].append((t, rel(a[0], base), 0, a[1]))
        elif name == "TLP":
            s["tlp"].append((t, rel(a[0], base), 0, max(a[1], 1)))
        elif name == "ACK":
            s["ack"].append((t, rel(a[0], base)))
            if a[4] != a[3] and not has_sack:
                s["sack"].append((t, rel(a[3], base), 0, (a[4] - a[3]) & 0xFFFFFFFF))
        elif name == "SACK":
            for i in range(min(sub, 4)):
                s["sack"].append((t, rel(a[2 * i], base), 0,
                                  (a[2 * i + 1] - a[2 * i]) & 0xFFFFFFFF))
        elif name == "RACK_LOST":
            s["lost"].append((t, rel(a[0], base), 0, (a[1] - a[0]) & 0xFFFFFFFF))
        elif name == "TIMER_FIRE":
            s["rto" if sub == 1 else "timer"].append((t, rel(a[4], base)))
        elif name in ("CC", "REC_ENTER", "REC_EXIT"):
            ssthresh, pipe = (a[0], a[1]) if name == "CC" else (a[0], a[2])
            if ssthresh != INF:
                s["ssthresh"].append((t, ssthresh / 1024.0))
            s["pipe"].append((t, pipe / 1024.0))
            if name != "CC":
                s["rec_enter" if name == "REC_ENTER" else "rec_exit"].append((t, cwnd / 1024.0))
    return s


# (series, gnuplot style, title) per panel; empty series are left out.
SEQ_PLOTS = [
    ("send", "with vectors nohead lw 2 lc rgb '#1f4e9c'", "sent"),
    ("ack", "with steps lw 1.5 lc rgb '#2ca02c'", "cumulative ACK"),
    ("sack", "with vectors nohead lw 2 lc rgb '#17becf'", "SACKed"),
    ("lost", "with points pt 6 ps 1.8 lw 2 lc rgb '#9467bd'", "RACK marked lost"),
    ("rxt", "with points pt 7 ps 1.0 lc rgb '#d62728'", "retransmitted"),
    ("tlp", "with points pt 5 ps 1.0 lc rgb '#ff7f0e'", "TLP"),
    ("rto", "with points pt 2 ps 2 lc rgb '#000000'", "RTO fired"),
    ("timer", "with points pt 1 ps 1.5 lc rgb '#7f7f7f'", "other timer fired"),
]
CWND_PLOTS = [
    ("cwnd", "with steps lw 2 lc rgb '#1f4e9c'", "cwnd"),
    ("ssthresh", "with steps lw 1.5 dt 2 lc rgb '#d62728'", "ssthresh"),
    ("pipe", "with steps lw 1 lc rgb '#2ca02c'", "pipe"),
    ("rec_enter", "with points pt 9 ps 1.5 lc rgb '#d62728'", "recovery entered"),
    ("rec_exit", "with points pt 11 ps 1.5 lc rgb '#2ca02c'", "recovery exited"),
]


def gnuplot_script(log, out, title):
    s = series(log)
    ext = os.path.splitext(out)[1].lower()
    if ext == ".svg":
        term = "set terminal svg size 1200,900 dynamic enhanced font 'sans,11'"
    elif ext == ".png":
        term = "set terminal pngcairo size 1200,900 enhanced font 'sans,10'"
    else:
        raise ValueError("output must end in .png or .svg: %s" % out)
    lines = [term, "set output '%s'" % out.replace("'", "''")]
    for name, rows in s.items():
        if rows:
            lines.append("$%s << EOD" % name)
            lines += [" ".join("%.6f" % v if isinstance(v, float) else str(v) for v in r)
                      for r in rows]
            lines.append("EOD")
    tmax = max([r[0] for rows in s.values() for r in rows] + [1.0])
    lines += ["set multiplot layout 2,1 title '%s' noenhanced" % title.replace("'", "''"),
              "set grid", "set key outside right top", "set xlabel 'time (ms)'",
              "set xrange [0:%.3f]" % (tmax * 1.02), "set lmargin 12", "set rmargin 26",
              "set ylabel 'sequence (bytes from the first sent)'"]
    lines.append(plot_cmd(s, SEQ_PLOTS, "set label 1 'no sends, ACKs or SACKs' at graph 0.4,0.5"))
    lines += ["unset label 1", "set ylabel 'KiB'", "set yrange [0:*]"]
    lines.append(plot_cmd(s, CWND_PLOTS, ""))
    lines.append("unset multiplot")
    return "\n".join(lines) + "\n"


def plot_cmd(s, plots, if_empty):
    parts = []
    for name, style, label in plots:
        if not s[name]:
            continue
        using = "1:2:3:4" if "vectors" in style else "1:2"
        if "points" in style and name in ("lost", "rxt", "tlp"):
            using = "1:($2 + $4 / 2)"  # the middle of the range
        parts.append("$%s using %s %s title '%s'" % (name, using, style, label))
    if not parts:
        return if_empty + "\nplot [0:1] [0:1] NaN notitle"
    return "plot " + ", \\\n     ".join(parts)


def plot(log, out, title):
    gp = shutil.which("gnuplot")
    if gp is None:
        raise RuntimeError("gnuplot not found (Debian: apt-get install gnuplot-nox)")
    script = gnuplot_script(log, out, title)
    r = subprocess.run([gp], input=script.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode != 0 or not os.path.exists(out) or os.path.getsize(out) == 0:
        raise RuntimeError("gnuplot failed: %s" % r.stderr.decode(errors="replace").strip())


# --- main --------------------------------------------------------------------------------------

def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n", 1)[1])
    ap.add_argument("files", nargs="*", help="[DUMP] [OUT.png|OUT.svg]")
    ap.add_argument("--json", metavar="FILE", help="saved /fasttcp/tcp_log,ID replies")
    ap.add_argument("--telemetry", metavar="SOCK", help="telemetry socket or file prefix")
    ap.add_argument("--conn", type=int, metavar="ID", help="log id (see --list)")
    ap.add_argument("--list", action="store_true", help="list logged connections")
    ap.add_argument("--save", metavar="DUMP", help="write the records as a dump file")
    ap.add_argument("--text", action="store_true", help="print the records")
    ap.add_argument("--title", help="plot title")
    args = ap.parse_args(argv)
    files = list(args.files)
    try:
        if args.telemetry:
            tel = Telemetry(args.telemetry)
            if args.list:
                print(json.dumps(tel.query(PAGE_CMD), indent=1))
                return 0
            if args.conn is None:
                ap.error("--telemetry needs --conn ID or --list")
            log = fetch_log(tel, args.conn)
        elif args.json:
            log = read_json(args.json)
        elif files:
            log = read_dump(files.pop(0))
        else:
            ap.error("give a DUMP, --json FILE or --telemetry SOCK")
        if len(files) > 1:
            ap.error("one output image at most")
        if not (files or args.text or args.save):
            ap.error("nothing to do: give OUT.png/OUT.svg, --text or --save")
        if args.save:
            write_dump(log, args.save)
        if args.text:
            print_text(log, sys.stdout)
        if files:
            m = log.meta
            title = args.title or "%s:%d > %s:%d (worker %d, %d records)" % (
                ip4(m["faddr"]), m["fport"], ip4(m["laddr"]), m["lport"], m["worker"],
                len(log.recs))
            plot(log, files[0], title)
    except (OSError, ValueError, RuntimeError, KeyError) as e:
        print("tcp-evlog-plot: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
