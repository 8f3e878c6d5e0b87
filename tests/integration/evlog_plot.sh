#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# TCP event log end to end (src/tcp/evlog.h, scripts/tcp-evlog-plot.py):
#  1. Offline: a synthetic dump with every record type (a transfer with a loss found by SACK and
#     RACK, a retransmission, fast recovery, a TLP and an RTO) is decoded (--text) and plotted
#     as SVG and PNG by gnuplot: the images are non-empty and of the right kind; a copy made
#     with --save is identical to the input.
#  2. Live: fasttcp-echo with stack.tcp.event_log = 16384 on a tap moved into a namespace; a
#     Python client echoes 1 MB; /fasttcp/tcp_log lists the connection; the script pages its
#     records out of telemetry (--telemetry PREFIX --conn ID), writes a dump (--save), decodes
#     it and plots it; a reply saved as JSON (--json) decodes to the same records. The log
#     opens with the client's 4-tuple and holds the sends and ACKs the TCP code logged.
# Not in run_all.sh: gnuplot (Debian: gnuplot-nox) is an extra dependency.
#
# Usage: tests/integration/evlog_plot.sh   (as root; FT_BUILD selects the build, see lib.sh)

. "$(dirname "$0")/lib.sh"
ft_init evlog_plot

PLOT=$FT_ROOT/scripts/tcp-evlog-plot.py
D=$FT_RUN_DIR

if ! command -v gnuplot >/dev/null; then
	skip "gnuplot is not installed (apt-get install gnuplot-nox)"
	ft_finish
fi

# is_image FILE KIND: FILE is a non-empty PNG or SVG. (Called through check.)
# shellcheck disable=SC2317
is_image() {
	[ -s "$1" ] || return 1
	case $2 in
	png) [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ;;
	svg) grep -q '<svg' "$1" ;;
	esac
}

# 1. Offline: a synthetic dump in the documented format.
"$FT_PY" - "$D/synth.evlog" <<'PY'
import struct, sys
HZ = 1000000000                       # 1 tick = 1 ns
HDR = struct.Struct("<8sHHIQQIIHHHHII8x")
REC = struct.Struct("<QBBHI8I")
EST, MSS, ISS = 4, 1000, 4294960000    # the sequence wraps during the transfer
recs, cwnd = [], 10 * MSS
def rec(t_us, ty, sub=0, *a, state=EST):
    recs.append(REC.pack(t_us * 1000, ty, state, sub, cwnd, *(list(a) + [0] * 8)[:8]))
def seq(n):
    return (ISS + n) & 0xFFFFFFFF
rec(0, 1, 0, 0xC6336401, 0xC6336402, 7, 40000, 0, state=0)
rec(10, 3, 0, 0, EST, ISS, ISS, 0)
rec(20, 7, 1, 0xFFFFFFFF, 0, 0, 0, 1000000, ISS, ISS, 0)
sent = 0
for rnd in range(6):
    t = 1000 + rnd * 20000
    for i in range(cwnd // MSS):
        rec(t + i * 10, 4, 0x18, seq(sent), MSS, seq(0), seq(sent + MSS), seq(sent + MSS), 65535)
        sent += MSS
    if rnd == 3:                      # the first segment of this round is lost
        lost = sent - cwnd
        rec(t + 10000, 6, 1, seq(lost + MSS), seq(sent))
        rec(t + 10000, 5, 1, seq(lost), 0, cwnd - MSS, seq(lost + MSS), seq(sent), 3,
            3 | 1 << 16, 65535)
        rec(t + 10100, 9, 1, seq(lost), seq(lost + MSS), 10100, 2500)
        cwnd //= 2
        rec(t + 10100, 13, 4, cwnd, seq(sent), cwnd, seq(lost), seq(sent))
        rec(t + 10110, 4, 0x118, seq(lost), MSS, seq(lost), seq(sent), seq(sent), 65535)
        rec(t + 19000, 5, 0, seq(sent), MSS, 0, 0, 0, 1, 0, 65535)
        rec(t + 19000, 14, 8, cwnd, seq(sent), 0, seq(sent), seq(sent))
    else:
        rec(t + 10000, 5, 0, seq(sent), cwnd, 0, 0, 0, cwnd // MSS, 0, 65535)
        cwnd += cwnd if rnd < 3 else MSS
        rec(t + 10000, 8, 1, 10000, 10000, 2500, 200000)
        rec(t + 10000, 7, 2, 0xFFFFFFFF if rnd < 3 else cwnd, 0, 10000, 2500, 200000,
            seq(sent), seq(sent), 0)
rec(130000, 10, 2, 20000, 10000)
rec(150000, 12, 2, seq(sent - MSS), MSS, 20000)
rec(150000, 4, 0x210, seq(sent - MSS), MSS, seq(sent - MSS), seq(sent), seq(sent), 65535)
rec(400000, 11, 1, 0, 0, 1, 400000, seq(sent - MSS), seq(sent))
rec(400000, 4, 0x2110, seq(sent - MSS), MSS, seq(sent - MSS), seq(sent), seq(sent), 65535)
rec(400000, 15, 9, 1, 2)
rec(500000, 2, 0, seq(sent), seq(sent), 0, 1)
with open(sys.argv[1], "wb") as f:
    f.write(HDR.pack(b"FTEVLOG\0", 1, 48, len(recs), HZ, 0, 0xC6336401, 0xC6336402, 7, 40000,
                     0, 0, 0, 1))
    f.write(b"".join(recs))
PY
check "synthetic dump written" test -s "$D/synth.evlog"
TEXT=$("$FT_PY" "$PLOT" "$D/synth.evlog" --text 2>&1)
N=$(echo "$TEXT" | grep -c ' ms ')
check_cmp "--text decodes every record ($N)" "$N" -gt 60
MISSING=
for t in OPEN STATE SEND ACK SACK CC RTT RACK_LOST TIMER_ARM TIMER_FIRE TLP REC_ENTER REC_EXIT \
	NOTE CLOSE; do
	echo "$TEXT" | grep -q " ms $t " || MISSING+=" $t"
done
check_eq "--text decodes every record type (missing:$MISSING)" "" "$MISSING"
check "--text names the retransmission" grep -q 'flags=PSH|ACK|RXT' <<<"$TEXT"
check "--text names the 4-tuple" grep -q '198\.51\.100\.2:40000>198\.51\.100\.1:7' <<<"$TEXT"
check "plot to SVG" "$FT_PY" "$PLOT" "$D/synth.evlog" "$D/synth.svg"
check "the SVG is an SVG image" is_image "$D/synth.svg" svg
check "plot to PNG" "$FT_PY" "$PLOT" "$D/synth.evlog" "$D/synth.png"
check "the PNG is a PNG image" is_image "$D/synth.png" png
check "--save copies the dump unchanged" "$FT_PY" "$PLOT" "$D/synth.evlog" --save "$D/copy.evlog"
check "  (byte for byte)" cmp "$D/synth.evlog" "$D/copy.evlog"
check "a bad output name is refused" bash -c "! \"\$1\" \"\$2\" \"\$3\" \"\$4\" 2>/dev/null" _ \
	"$FT_PY" "$PLOT" "$D/synth.evlog" "$D/synth.pdf"

# 2. Live: the event log through telemetry.
UID_=$(ft_uid)
IF=fte$UID_
NS=fte-ns$UID_
PFX=fte$UID_
make_netns "$NS"
ip -n "$NS" link set lo up
cat >"$D/echo.conf" <<CONF
stack = {
	tcp = { event_log = 16384; event_log_conns = 4; };
	ports = ({ name = "lan0"; type = "tap"; iface = "$IF"; address = "198.51.100.1/24";
		   mac = "02:00:00:00:64:01"; });
};
echo = { tcp_port = 7; };
CONF
if ! start_app "$PFX" "$D/echo.conf" --no-huge -m 512 --no-pci -l 0 || ! wait_for_iface "$IF"; then
	not_ok "fasttcp-echo starts with tcp.event_log = 16384"
	ft_finish
fi
ip link set "$IF" netns "$NS"
ip -n "$NS" addr add 198.51.100.2/24 dev "$IF"
ip -n "$NS" link set "$IF" up
OUT=$(ip netns exec "$NS" timeout 30 "$FT_PY" "$FT_IT_DIR/tcp_echo_client.py" 198.51.100.1 7 \
	1000000 2>&1 | tail -1)
check "1 MB echoed through the logged stack" grep -q '"complete": true' <<<"$OUT"
LIST=$("$FT_PY" "$PLOT" --telemetry "$PFX" --list 2>&1)
diag "$(echo "$LIST" | tr '\n' ' ')"
CONN_RE='198\.51\.100\.2:[0-9]*>198\.51\.100\.1:7'
ID=$(echo "$LIST" | sed -n "s/^ *\"\([0-9]*\) [a-z]* $CONN_RE .*/\1/p" | head -1)
check "/fasttcp/tcp_log lists the client's connection" test -n "$ID"
check_eq "/fasttcp/tcp_log: no connection went unlogged" 0 \
	"$(echo "$LIST" | sed -n 's/.*"exhausted": \([0-9]*\).*/\1/p')"
check "records paged out of telemetry and saved as a dump" \
	"$FT_PY" "$PLOT" --telemetry "$PFX" --conn "${ID:-0}" --save "$D/live.evlog"
LTEXT=$("$FT_PY" "$PLOT" "$D/live.evlog" --text 2>&1)
check "the saved dump decodes to an OPEN record with the client's 4-tuple" \
	grep -q 'OPEN .*198\.51\.100\.2:[0-9]*>198\.51\.100\.1:7' <<<"$LTEXT"
for t in SEND ACK CLOSE; do
	N=$(echo "$LTEXT" | grep -c " ms $t ")
	check_cmp "the log holds $t records ($N)" "$N" -gt 0
done
diag "$(echo "$LTEXT" | head -5 | tr '\n' ' ')"
telemetry "$PFX" "/fasttcp/tcp_log,${ID:-0}" >"$D/page.json"
check "--json reads a saved /fasttcp/tcp_log,ID reply (the first page)" \
	"$FT_PY" "$PLOT" --json "$D/page.json" --save "$D/page.evlog"
PT=$("$FT_PY" "$PLOT" "$D/page.evlog" --text 2>&1 | tail -n +2)
check_eq "  it decodes to the first records of the full fetch" \
	"$(echo "$LTEXT" | tail -n +2 | head -n "$(echo "$PT" | wc -l)")" "$PT"
check "the live log plots" "$FT_PY" "$PLOT" "$D/live.evlog" "$D/live.png"
check "  to a PNG image" is_image "$D/live.png" png
stop_app "$PFX"
ft_finish
