#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# libfasttcp TCP against the Linux kernel. Each app's tap is moved into namespace R, where
# Linux (curl, wrk, Python) is the peer; for the lossy transfers the peer sits one hop further,
# in namespace C, and R forwards and drops:
#
#   stack 198.51.100.1 --tap-- R 198.51.100.2 | 203.0.113.1 --veth-- C 203.0.113.2
#   (MAC 02:00:00:00:64:01)     (02:00:00:00:64:02)
#
# One app at a time, each on its own tap (--no-huge -m 1024 --no-pci -l 0, gateway R):
#   fasttcp-httpd (stack.tcp.time_wait_ms = 2000), clients in R:
#     (1)  curl downloads 1 GiB from /bytes/1073741824; SHA-256 = reference (tcp_body_ref.py);
#     (4)  wrk -t2 -c1000 -d10s /bytes/64: no socket errors, then (TIME_WAIT ends after 2 s)
#          /fasttcp/stats tcp_conns = 0;
#     (5a) from C under 1% loss: curl downloads 256 MiB intact (256 MiB rather than 1 GiB
#          keeps the run short; Connection: close, which makes the response head's length
#          even, so that this check is about loss alone, see (1b));
#     (1b) /bytes/N for N of 1 to 8 digits (the response head's length is odd for half of
#          them): every body complete with the reference SHA-256;
#   fasttcp-echo (tcp_port 7):
#     (2)  a Python client (tcp_echo_client.py) uploads 256 MiB of random data while reading
#          the echo back concurrently, then half-closes: all of it comes back, SHA-256 equal;
#     (5b) the same from C under 1% loss;
#   fasttcp-get (the stack as the client):
#     (3)  downloads a 256 MiB random file from Python's http.server in R: exit 0 and its
#          sha256 = sha256sum of the file;
#     (5c) the same from an http.server in C under 1% loss.
#
# Loss: nftables table `inet ftloss` in R, hook forward: `numgen random mod 100 < 1 drop` for
# the packets from the tap and, separately, for those to it (counters printed). Not the input
# and output hooks of R with the peer in R itself: a drop in the output hook is reported back to
# the sending socket, so Linux TCP just sends the segment again later (not counted as a
# retransmission): its data is never really lost. Forwarded packets are lost silently for both
# ends. GSO and TSO are off on C's veth, so the unit of loss is one wire packet. The stack's
# retransmission counters (tcp_rexmt_bytes, tcp_rto, tcp_fast_rexmt) and Linux's RetransSegs
# are printed as "# " lines.
#
# Every transfer prints its throughput and a "# RESULT {json}" line. Every client runs under a
# deadline; when one passes, the connection state is printed with the failed check while the
# connection still exists: /fasttcp/tcp (DPDK telemetry cuts each line at 128 characters),
# the non-zero /fasttcp/stats and /fasttcp/drops, `ss -tni` and the TCP checksum errors and
# retransmissions of the Linux side, R's neighbour table.
#
# The kernel side of each tap gets txqueuelen 10000: with the default 1000, a 1000-connection
# SYN burst overflows the tap's TX queue and costs retransmission timeouts.
#
# Environment: FT_TCP_CLEAN_TMO / FT_TCP_LOSS_TMO: deadlines of a clean / lossy transfer
# (default 60 / 30 s).
#
# Usage: tests/integration/tcp_linux.sh   (as root; FT_BUILD selects the build, see lib.sh)

. "$(dirname "$0")/lib.sh"
ft_init tcp_linux

UID_=$(ft_uid)
NS=ftl-r$UID_                # R: the taps, the clean-path peers, the lossy router
NSC=ftl-c$UID_               # C: the peers of the lossy transfers
IF_H=ftlh$UID_
IF_E=ftle$UID_
IF_G=ftlg$UID_
VETH_R=ftlr$UID_
VETH_C=ftlc$UID_
PFX_H=ftl-h$UID_
PFX_E=ftl-e$UID_
PFX_G=ftl-g$UID_
STACK_IP=198.51.100.1
NS_IP=198.51.100.2
R_IP=203.0.113.1
C_IP=203.0.113.2
STACK_MAC=02:00:00:00:64:01
NS_MAC=02:00:00:00:64:02
HTTPD=$FT_BUILD/apps/fasttcp-httpd/fasttcp-httpd
GET=$FT_BUILD/apps/fasttcp-get/fasttcp-get
EAL=(--no-huge -m 1024 --no-pci -l 0)
GIB=1073741824
MIB256=268435456
LOSS_PCT=1
# Clean transfers take a few seconds here; a lossy 256 MiB one is given LOSS_TMO (at least
# 70 Mbit/s at the default 30 s).
CLEAN_TMO=${FT_TCP_CLEAN_TMO:-60}
LOSS_TMO=${FT_TCP_LOSS_TMO:-60}
# Sizes of the transfers in which the stack SENDS under loss. Its loss recovery is NewReno
# (RFC 6582) until the RACK-TLP/SACK work of issue #4 lands, and with 1% loss it spends most
# of the time in retransmission timeouts (about 45 Mbit/s here): 256 MiB would take about a
# minute per transfer, so these are smaller. When the stack RECEIVES (5c) it is 256 MiB.
LOSS_GET=${FT_TCP_LOSS_GET:-67108864}
LOSS_ECHO=${FT_TCP_LOSS_ECHO:-16777216}
SWEEP=(1 12 123 1234 12345 123456 1234567 12345678)
WWW=$FT_RUN_DIR/www
RAND=$WWW/rand.bin
HTTP_PORT=8080

# The loss table lives in R (deleting the namespace deletes it too); remove it explicitly
# first, then run the library's cleanup.
eval "$(declare -f ft_cleanup | sed '1s/^ft_cleanup/ft_cleanup_lib/')"
ft_cleanup() {
	[ -z "$FT_CLEANED" ] && ip netns exec "$NS" nft delete table inet ftloss 2>/dev/null
	ft_cleanup_lib
}

# --- helpers ----------------------------------------------------------------------------------

nsx() {
	ip netns exec "$NS" "$@"
}

# bg_track NAME PID: a background process of ours that cleanup must stop (stop_app) if the
# script ends early. bg_forget NAME: it has been reaped.
bg_track() {
	FT_APP_PID[$1]=$2
}
bg_forget() {
	unset "FT_APP_PID[$1]"
}

# attach_tap IF: move the app's tap into R as $NS_IP/24 with the namespace MAC.
attach_tap() {
	local ifc=$1
	wait_for_iface "$ifc" || return 1
	ip link set "$ifc" netns "$NS" &&
		ip -n "$NS" link set "$ifc" address "$NS_MAC" &&
		ip -n "$NS" link set "$ifc" txqueuelen 10000 &&
		nsx sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1" &&
		ip -n "$NS" addr add "$NS_IP/24" dev "$ifc" &&
		ip -n "$NS" link set "$ifc" up
}

# wait_gone IF: the tap of a stopped app disappears from R (up to 5 s).
wait_gone() {
	local i
	for ((i = 0; i < 50; i++)); do
		ip -n "$NS" link show "$1" >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	return 1
}

# tcp_conf FILE IF [EXTRA]: a stack configuration on tap IF, with EXTRA after the stack group.
tcp_conf() {
	cat >"$1" <<EOF
stack = {
	tcp = { time_wait_ms = 2000; };
	ports = ( { name = "lan0"; type = "tap"; iface = "$2"; address = "$STACK_IP/24";
		    gateway = "$NS_IP"; mac = "$STACK_MAC"; } );
};
${3:-}
EOF
}

# kstat NETNS FIELD: a Tcp counter of a namespace's kernel (/proc/net/snmp), e.g. RetransSegs.
kstat() {
	# shellcheck disable=SC2016
	ip netns exec "$1" awk -v f="$2" '$1 == "Tcp:" {
		if (!n) { for (i = 2; i <= NF; i++) k[i] = $i; n = 1 }
		else for (i = 2; i <= NF; i++) if (k[i] == f) print $i }' /proc/net/snmp
}

# tcp_stats PREFIX: the TCP counters of /fasttcp/stats and the tcp_* drops of /fasttcp/drops
# (as drop_tcp_*), as "key value" lines; nothing if the app cannot be reached.
tcp_stats() {
	"$FT_PY" -B - "$FT_IT_DIR" "$1" <<'EOF' 2>/dev/null
import sys
sys.path.insert(0, sys.argv[1])
from ftit import Telemetry
try:
    t = Telemetry(sys.argv[2])
    st, dr = t.query("/fasttcp/stats"), t.query("/fasttcp/drops")
except (OSError, ValueError, KeyError):
    sys.exit(0)
for k, v in (st.items() if isinstance(st, dict) else ()):
    if k.startswith("tcp_"):
        print(k, v)
for k, v in (dr.items() if isinstance(dr, dict) else ()):
    if k.startswith("tcp_") or k == "too_big":
        print("drop_" + k, v)
EOF
}

# stat_of FILE KEY: one value from a tcp_stats snapshot (0 if absent).
stat_of() {
	awk -v k="$2" '$1 == k { v = $2 } END { print v + 0 }' "$1"
}

# nonzero PREFIX CMD: the non-zero counters of /fasttcp/stats or /fasttcp/drops, on one line.
nonzero() {
	telemetry "$1" "$2" 2>&1 | "$FT_PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
print(" ".join("%s=%s" % (k, v) for k, v in (d.items() if isinstance(d, dict) else ()) if v))'
}

# evidence PREFIX NETNS FILE: the state of a stuck transfer (the stack's connections, counters
# and drops; the kernel's view in the client's namespace and R's neighbour table), to FILE.
evidence() {
	local p=$1 cns=$2 f=$3
	{
		echo "/fasttcp/tcp: $(telemetry "$p" /fasttcp/tcp 2>&1)"
		echo "/fasttcp/stats (non-zero): $(nonzero "$p" /fasttcp/stats)"
		echo "/fasttcp/drops (non-zero): $(nonzero "$p" /fasttcp/drops)"
		echo "kernel in $cns: Tcp InCsumErrors $(kstat "$cns" InCsumErrors), RetransSegs $(kstat "$cns" RetransSegs)"
		echo "neighbours in $NS: $(ip -n "$NS" neigh show | tr '\n' ';')"
		echo "ss -tni in $cns:"
		ip netns exec "$cns" ss -tni
	} >"$f" 2>&1
}

# wait_bounded PID TMO PREFIX NETNS EVFILE: wait up to TMO s for PID (a child of this shell).
# At the deadline, record the evidence into EVFILE while the connection still exists, then
# stop the process (a `timeout` wrapper: TERM reaches the whole client). Sets WB_RC: the exit
# status, 124 when stopped here.
wait_bounded() {
	local pid=$1 tmo=$2 pfx=$3 cns=$4 ev=$5 end=$((SECONDS + $2))
	: >"$ev"
	while [ "$SECONDS" -lt "$end" ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		evidence "$pfx" "$cns" "$ev"
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		WB_RC=124
		return
	fi
	wait "$pid"
	WB_RC=$?
}

# result CHECK TOOL BYTES SECONDS LOSS COMPLETE: the throughput and "# RESULT {json}" lines.
result() {
	local mbit
	mbit=$(awk -v b="${3:-0}" -v s="${4:-0}" 'BEGIN { printf "%.1f", (s > 0 ? b * 8 / s / 1e6 : 0) }')
	diag "($1) $2: ${3:-0} bytes in ${4:-0} s = $mbit Mbit/s (loss $5%)"
	diag "RESULT {\"check\":\"$1\",\"tool\":\"$2\",\"bytes\":${3:-0},\"seconds\":${4:-0},\"mbit_s\":$mbit,\"loss_pct\":$5,\"complete\":$6}"
}

# where LOSS: the namespace of the Linux peer for a transfer with LOSS% loss.
where() {
	if [ "$1" = 0 ]; then echo "$NS"; else echo "$NSC"; fi
}

# loss_on IF / loss_off: R drops LOSS_PCT% of the packets it forwards from and to tap IF.
loss_on() {
	nsx nft -f - <<EOF
table inet ftloss {
	chain loss {
		type filter hook forward priority 0; policy accept;
		meta iifname "$1" numgen random mod 100 < $LOSS_PCT counter drop
		meta oifname "$1" numgen random mod 100 < $LOSS_PCT counter drop
	}
}
EOF
}
loss_off() {
	nsx nft delete table inet ftloss 2>/dev/null
}
# loss_diag CHECK: the packets the loss table dropped so far.
loss_diag() {
	local c
	read -r -a c < <(nsx nft list table inet ftloss 2>/dev/null |
		awk '/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") printf "%s ", $(i + 1) }')
	diag "($1) nft dropped ${c[0]:-?} packets from the stack and ${c[1]:-?} to it"
}

# rexmt_diag CHECK BEFORE AFTER: the stack's retransmission counters over a transfer.
rexmt_diag() {
	local k out=""
	for k in tcp_rexmt_bytes tcp_rto tcp_fast_rexmt tcp_segs_tx tcp_ooo_segs drop_tcp_ooo_full \
		drop_too_big; do
		out+=" $k +$(($(stat_of "$3" "$k") - $(stat_of "$2" "$k")))"
	done
	diag "($1) stack:$out"
}

# The end of a download pipe: "sha256hex bytes" of its input, also when stopped by SIGTERM.
export SINK='
import hashlib, signal, sys
h, n = hashlib.sha256(), 0
def out(*_):
    print(h.hexdigest(), n, flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, out)
while True:
    d = sys.stdin.buffer.read1(1 << 20)
    if not d:
        break
    h.update(d)
    n += len(d)
out()'

# curl_get CHECK PATH BYTES TMO EXPECTED_SHA LOSS [CURL ARGS...]: download with curl in the
# peer namespace, hashing on the fly; one check.
curl_get() {
	local chk=$1 path=$2 n=$3 tmo=$4 want=$5 loss=$6 pid got info size secs desc cns
	shift 6
	local out=$FT_RUN_DIR/curl.$chk.out err=$FT_RUN_DIR/curl.$chk.err ev=$FT_RUN_DIR/curl.$chk.ev
	cns=$(where "$loss")
	desc="($chk) curl downloads $n bytes from fasttcp-httpd $path"
	[ "$loss" != 0 ] && desc+=" under $loss% loss"
	desc+=", SHA-256 = reference"
	# shellcheck disable=SC2016
	timeout -k 5 $((tmo + 10)) ip netns exec "$cns" sh -c \
		'curl -sS "$@" -w "%{stderr}%{http_code} %{size_download} %{time_total}\n" | "$0" -c "$SINK"' \
		"$FT_PY" "$@" "http://$STACK_IP$path" >"$out" 2>"$err" &
	pid=$!
	bg_track "curl$chk" "$pid"
	wait_bounded "$pid" "$tmo" "$PFX_H" "$cns" "$ev"
	bg_forget "curl$chk"
	got=$(awk '{ print $1 }' "$out")
	size=$(awk '{ print $2 }' "$out")
	info=$(tail -n 1 "$err")
	secs=$(echo "$info" | awk '{ print $3 }')
	if [ "$WB_RC" -eq 0 ] && [ "$got" = "$want" ] && [ "$size" = "$n" ]; then
		result "$chk" curl "$n" "$secs" "$loss" true
		ok "$desc"
	else
		result "$chk" curl "$size" "${secs:-$tmo}" "$loss" false
		not_ok "$desc" "status $WB_RC (124: not complete within $tmo s); curl: $(cat "$err")" \
			"received ${size:-0} bytes, sha256 $got, want $want" "$(cat "$ev")"
	fi
}

# echo_run CHECK TMO LOSS BYTES: the bulk echo client in the peer namespace; one check.
echo_run() {
	local chk=$1 tmo=$2 loss=$3 bytes=$4 pid line cns desc
	local out=$FT_RUN_DIR/echo.$chk.out ev=$FT_RUN_DIR/echo.$chk.ev
	cns=$(where "$loss")
	desc="($chk) $((bytes >> 20)) MiB of random data uploaded to fasttcp-echo port 7"
	[ "$loss" != 0 ] && desc+=" under $loss% loss"
	desc+=" come back identical (SHA-256)"
	timeout -k 5 $((tmo + 10)) ip netns exec "$cns" "$FT_PY" "$FT_IT_DIR/tcp_echo_client.py" \
		"$STACK_IP" 7 "$bytes" --timeout $((tmo + 5)) --idle $((tmo + 5)) >"$out" 2>&1 &
	pid=$!
	bg_track "echo$chk" "$pid"
	# Our deadline comes first: the evidence is taken while the connection is still busy,
	# then SIGTERM makes the client print its RESULT and exit.
	wait_bounded "$pid" "$tmo" "$PFX_E" "$cns" "$ev"
	bg_forget "echo$chk"
	line=$(grep '^RESULT ' "$out" | tail -n 1)
	line=${line#RESULT }
	diag "($chk) echo client: $line"
	if [ "$WB_RC" -eq 0 ] && [ "$(jget "$line" complete)" = true ]; then
		result "$chk" echo "$bytes" "$(jget "$line" seconds)" "$loss" true
		ok "$desc"
	else
		result "$chk" echo "$(jget "$line" received)" "$(jget "$line" seconds)" "$loss" false
		[ -s "$ev" ] || evidence "$PFX_E" "$cns" "$ev"
		not_ok "$desc" "status $WB_RC; $(cat "$out")" "$(cat "$ev")"
	fi
}

# get_run CHECK TMO LOSS: fasttcp-get downloads the random file from the http.server of the
# peer namespace; one check. Its telemetry is sampled while it runs (it exits when done).
get_run() {
	local chk=$1 tmo=$2 loss=$3 pid end line cns url desc t0 t1 t2
	local log=$FT_RUN_DIR/get.$chk.log st=$FT_RUN_DIR/get.$chk.stats ev=$FT_RUN_DIR/get.$chk.ev
	cns=$(where "$loss")
	url=http://$([ "$loss" = 0 ] && echo "$NS_IP" || echo "$C_IP"):$HTTP_PORT/rand.bin
	desc="($chk) fasttcp-get downloads the 256 MiB file from Linux http.server"
	[ "$loss" != 0 ] && desc+=" under $loss% loss"
	desc+=": exit 0, sha256 = sha256sum"
	: >"$st"
	: >"$ev"
	timeout -k 5 $((tmo + 10)) "$GET" "${EAL[@]}" --file-prefix "$PFX_G" -- \
		-c "$FT_RUN_DIR/get.conf" --timeout-ms $(((tmo + 5) * 1000)) "$url" >"$log" 2>&1 &
	pid=$!
	t0=$SECONDS
	bg_track "$PFX_G" "$pid"
	# The SYN goes out before the tap is in R; the SYN retransmission gets through.
	if ! attach_tap "$IF_G"; then
		not_ok "$desc" "could not move tap $IF_G into $NS within $((SECONDS - t0)) s" \
			"$(tail -n 20 "$log")"
		stop_app "$PFX_G"
		return
	fi
	# Our deadline comes before the app's own: the evidence is taken while it still runs, then
	# SIGTERM makes it print its RESULT (complete false) and exit 1.
	t1=$SECONDS
	end=$((SECONDS + tmo))
	while [ "$SECONDS" -lt "$end" ] && kill -0 "$pid" 2>/dev/null; do
		tcp_stats "$PFX_G" >"$st.new" && [ -s "$st.new" ] && mv "$st.new" "$st"
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		evidence "$PFX_G" "$cns" "$ev"
		kill -TERM "$pid"
	fi
	t2=$SECONDS
	wait "$pid"
	WB_RC=$?
	bg_forget "$PFX_G"
	line=$(grep '^RESULT ' "$log" | tail -n 1)
	line=${line#RESULT }
	diag "($chk) fasttcp-get: $(grep -E '^status ' "$log")"
	if [ "$WB_RC" -eq 0 ] && [ "$(jget "$line" sha256)" = "$RAND_SHA" ] &&
		[ "$(jget "$line" bytes)" = "$MIB256" ]; then
		result "$chk" fasttcp-get "$MIB256" "$(jget "$line" seconds)" "$loss" true
		ok "$desc"
	else
		result "$chk" fasttcp-get "$(jget "$line" bytes)" "$(jget "$line" seconds)" "$loss" false
		not_ok "$desc" "exit status $WB_RC; want sha256 $RAND_SHA; tap in $NS $((t1 - t0)) s after" \
			"the start, stopped $((t2 - t0)) s after it (deadline $tmo s after the tap)" \
			"last telemetry sample (non-zero): $(awk '$2 != 0' "$st" | tr '\n' ' ')" \
			"$(grep -vE '^(EAL|TELEMETRY|tap_nl|qdisc_create|eth_dev_tap|fasttcp.port)' "$log" | tail -n 15)" "$(cat "$ev")"
	fi
	wait_gone "$IF_G"
}

# start_http_server NETNS NAME: Python's http.server on $HTTP_PORT serving $WWW.
start_http_server() {
	local i
	ip netns exec "$1" "$FT_PY" -m http.server "$HTTP_PORT" --bind 0.0.0.0 --directory "$WWW" \
		>"$FT_RUN_DIR/$2.log" 2>&1 &
	bg_track "$2" $!
	for ((i = 0; i < 50; i++)); do
		ip netns exec "$1" ss -ltn "sport = :$HTTP_PORT" | grep -q LISTEN && return 0
		sleep 0.1
	done
	return 1
}

# --- setup ---------------------------------------------------------------------------------------
for b in "$HTTPD" "$GET"; do
	if [ ! -x "$b" ]; then
		not_ok "binary exists: $b" "build it: ninja -C $FT_BUILD"
		ft_finish
	fi
done
for t in curl wrk nft ss ethtool; do
	command -v "$t" >/dev/null || { not_ok "tool $t is installed"; ft_finish; }
done
FT_PREFIXES+=("$PFX_G")
register_iface "$IF_H"
register_iface "$IF_E"
register_iface "$IF_G"
if ! { make_netns "$NS" && make_netns "$NSC" &&
	ip -n "$NS" link set lo up && ip -n "$NSC" link set lo up &&
	ip -n "$NS" link add "$VETH_R" type veth peer name "$VETH_C" netns "$NSC" &&
	ip -n "$NS" addr add "$R_IP/24" dev "$VETH_R" && ip -n "$NS" link set "$VETH_R" up &&
	ip -n "$NSC" addr add "$C_IP/24" dev "$VETH_C" && ip -n "$NSC" link set "$VETH_C" up &&
	ip -n "$NSC" route add default via "$R_IP" &&
	ip netns exec "$NSC" ethtool -K "$VETH_C" gso off tso off >/dev/null &&
	ip netns exec "$NS" ethtool -K "$VETH_R" gro off >/dev/null &&
	nsx sysctl -qw net.ipv4.ip_forward=1; }; then
	not_ok "namespaces $NS (taps, router) and $NSC (lossy peer) with a veth pair"
	ft_finish
fi

# References, in the background while the apps start: the httpd body digests (one streaming
# pass) and a random file with its sha256sum.
"$FT_PY" "$FT_IT_DIR/tcp_body_ref.py" "$GIB" "$MIB256" "$LOSS_GET" "${SWEEP[@]}" >"$FT_RUN_DIR/ref.txt" 2>&1 &
bg_track bodyref $!
mkdir -p "$WWW"
(head -c "$MIB256" /dev/urandom >"$RAND" && sha256sum "$RAND" >"$RAND.sha") &
bg_track randfile $!

ref_of() {
	awk -v n="$1" '$1 == n { print $2 }' "$FT_RUN_DIR/ref.txt"
}

# ================================ fasttcp-httpd ================================================
tcp_conf "$FT_RUN_DIR/httpd.conf" "$IF_H" 'httpd = { port = 80; };'
if ! FT_APP=$HTTPD start_app "$PFX_H" "$FT_RUN_DIR/httpd.conf" "${EAL[@]}" || ! attach_tap "$IF_H"; then
	not_ok "fasttcp-httpd starts on tap $IF_H, tap moved into $NS"
	ft_finish
fi
ok "fasttcp-httpd starts on tap $IF_H (time_wait_ms 2000), tap moved into $NS"

wait "${FT_APP_PID[bodyref]}"
REF_RC=$?
bg_forget bodyref
if [ "$REF_RC" -ne 0 ] || [ -z "$(ref_of "$GIB")" ]; then
	not_ok "reference digests computed (tcp_body_ref.py)" "$(cat "$FT_RUN_DIR/ref.txt")"
	ft_finish
fi
diag "reference: 1 GiB body sha256 $(ref_of "$GIB")"

# --- (1) 1 GiB --------------------------------------------------------------------------------
require_alive "$PFX_H" "(1)"
curl_get 1 "/bytes/$GIB" "$GIB" "$CLEAN_TMO" "$(ref_of "$GIB")" 0

# --- (4) wrk, 1000 connections ------------------------------------------------------------------
require_alive "$PFX_H" "(4)"
K0=$(kstat "$NS" RetransSegs)
WRK_OUT=$(timeout -k 5 40 ip netns exec "$NS" wrk -t2 -c1000 -d10s "http://$STACK_IP/bytes/64" 2>&1)
WRK_RC=$?
K1=$(kstat "$NS" RetransSegs)
# shellcheck disable=SC2001
echo "$WRK_OUT" | sed 's/^/#   /'
REQS=$(echo "$WRK_OUT" | awk '/requests in/ { print $1 }')
RPS=$(echo "$WRK_OUT" | awk '/^Requests\/sec:/ { print $2 }')
SOCKERR=$(echo "$WRK_OUT" | awk '/Socket errors:/ { s = 0
	for (i = 3; i <= NF; i++) { v = $i; gsub(",", "", v); if (v ~ /^[0-9]+$/) s += v }
	print s }')
NON2XX=$(echo "$WRK_OUT" | awk '/Non-2xx or 3xx responses:/ { print $NF }')
diag "(4) wrk: ${REQS:-?} requests, ${RPS:-?} requests/s; Linux retransmitted $((K1 - K0)) segments"
diag "RESULT {\"check\":\"4\",\"tool\":\"wrk\",\"connections\":1000,\"requests\":${REQS:-0},\"requests_s\":${RPS:-0},\"socket_errors\":${SOCKERR:-0},\"non_2xx\":${NON2XX:-0}}"
if [ "$WRK_RC" -eq 0 ] && [ -n "$REQS" ] && [ "${SOCKERR:-0}" -eq 0 ]; then
	ok "(4) wrk -t2 -c1000 -d10s /bytes/64: $REQS requests, no socket errors"
else
	not_ok "(4) wrk -t2 -c1000 -d10s /bytes/64: ${REQS:-no} requests, no socket errors" \
		"wrk status $WRK_RC, socket errors ${SOCKERR:-?}"
fi
check_eq "(4) wrk: no non-2xx responses" 0 "${NON2XX:-0}"
# TIME_WAIT is 2 s: poll tcp_conns (a gauge) for up to 10 s.
for ((i = 0; i < 50; i++)); do
	CONNS=$(counter "$PFX_H" /fasttcp/stats tcp_conns)
	[ "$CONNS" = 0 ] && break
	sleep 0.2
done
diag "(4) tcp_conns = $CONNS $(awk -v i="$i" 'BEGIN { printf "%.1f", i * 0.2 }') s after wrk"
if [ "$CONNS" = 0 ]; then
	ok "(4) after wrk and TIME_WAIT (2 s): no connection blocks left (tcp_conns 0)"
else
	evidence "$PFX_H" "$NS" "$FT_RUN_DIR/wrk.ev"
	not_ok "(4) after wrk and TIME_WAIT (2 s): no connection blocks left (tcp_conns 0)" \
		"tcp_conns $CONNS after 10 s" "$(head -c 4000 "$FT_RUN_DIR/wrk.ev")"
fi

# --- (5a) 256 MiB download under loss --------------------------------------------------------------
require_alive "$PFX_H" "(5a)"
if ! loss_on "$IF_H"; then
	not_ok "(5) nft loss table (hook forward, numgen random mod 100 < $LOSS_PCT drop) applies in $NS"
	ft_finish
fi
ok "(5) nft loss table applied in $NS: $LOSS_PCT% of the packets forwarded from and to the tap dropped at random"
diag "(5a) $((LOSS_GET >> 20)) MiB under loss (the stack sends: NewReno recovery, see LOSS_GET)"
tcp_stats "$PFX_H" >"$FT_RUN_DIR/5a.before"
K0=$(kstat "$NSC" RetransSegs)
curl_get 5a "/bytes/$LOSS_GET" "$LOSS_GET" "$LOSS_TMO" "$(ref_of "$LOSS_GET")" "$LOSS_PCT"
tcp_stats "$PFX_H" >"$FT_RUN_DIR/5a.after"
rexmt_diag 5a "$FT_RUN_DIR/5a.before" "$FT_RUN_DIR/5a.after"
diag "(5a) Linux (receiver) retransmitted $(($(kstat "$NSC" RetransSegs) - K0)) segments"
loss_diag 5a
loss_off

# --- (1b) response lengths of 1..8 digits ------------------------------------------------------
# The head ends "Content-Length: N\r\nConnection: keep-alive\r\n\r\n": its length is odd when N
# has an odd number of digits, and the body's 2 KiB blocks then start at odd stream offsets.
# All sizes in parallel, 5 s each. Last on this app: connections stuck here would linger
# (retransmitting) and be counted by (4).
require_alive "$PFX_H" "(1b)"
CSUM0=$(kstat "$NS" InCsumErrors)
SWEEP_PIDS=()
for n in "${SWEEP[@]}"; do
	# shellcheck disable=SC2016
	timeout -k 2 8 ip netns exec "$NS" sh -c 'curl -sS --max-time 5 "$1" | sha256sum' sh \
		"http://$STACK_IP/bytes/$n" >"$FT_RUN_DIR/sweep.$n" 2>&1 &
	SWEEP_PIDS+=($!)
	bg_track "sweep$n" $!
done
for p in "${SWEEP_PIDS[@]}"; do wait "$p" 2>/dev/null; done
for n in "${SWEEP[@]}"; do bg_forget "sweep$n"; done
CSUM1=$(kstat "$NS" InCsumErrors)
BAD=()
for n in "${SWEEP[@]}"; do
	got=$(awk 'NR == 1 { print $1 }' "$FT_RUN_DIR/sweep.$n")
	[ "$got" = "$(ref_of "$n")" ] || BAD+=("$n")
done
diag "(1b) TCP segments with a bad checksum received by Linux during the sweep: $((CSUM1 - CSUM0))"
if [ "${#BAD[@]}" -eq 0 ]; then
	ok "(1b) /bytes/N for N = ${SWEEP[*]}: every body complete with the reference SHA-256"
else
	evidence "$PFX_H" "$NS" "$FT_RUN_DIR/sweep.ev"
	not_ok "(1b) /bytes/N for N = ${SWEEP[*]}: every body complete with the reference SHA-256" \
		"incomplete or wrong within 5 s for N = ${BAD[*]};" \
		"Linux counted $((CSUM1 - CSUM0)) TCP segments with a bad checksum (InCsumErrors)" \
		"$(cat "$FT_RUN_DIR/sweep.ev")"
fi

stop_app "$PFX_H"
check_eq "fasttcp-httpd exits 0 on SIGTERM" 0 "${FT_APP_RC[$PFX_H]}"
wait_gone "$IF_H"

# ================================ fasttcp-echo =================================================
tcp_conf "$FT_RUN_DIR/echo.conf" "$IF_E" 'echo = { udp_port = 7; tcp_port = 7; };'
if ! start_app "$PFX_E" "$FT_RUN_DIR/echo.conf" "${EAL[@]}" || ! attach_tap "$IF_E"; then
	not_ok "fasttcp-echo starts on tap $IF_E, tap moved into $NS"
	ft_finish
fi
ok "fasttcp-echo starts on tap $IF_E, tap moved into $NS"

# --- (2) 256 MiB echo ------------------------------------------------------------------------------
require_alive "$PFX_E" "(2)"
echo_run 2 "$CLEAN_TMO" 0 "$MIB256"

# --- (5b) 256 MiB echo under loss --------------------------------------------------------------------
require_alive "$PFX_E" "(5b)"
loss_on "$IF_E" || not_ok "(5b) nft loss table applies"
tcp_stats "$PFX_E" >"$FT_RUN_DIR/5b.before"
K0=$(kstat "$NSC" RetransSegs)
echo_run 5b "$LOSS_TMO" "$LOSS_PCT" "$LOSS_ECHO"
tcp_stats "$PFX_E" >"$FT_RUN_DIR/5b.after"
rexmt_diag 5b "$FT_RUN_DIR/5b.before" "$FT_RUN_DIR/5b.after"
diag "(5b) Linux (uploading) retransmitted $(($(kstat "$NSC" RetransSegs) - K0)) segments"
loss_diag 5b
loss_off

stop_app "$PFX_E"
check_eq "fasttcp-echo exits 0 on SIGTERM" 0 "${FT_APP_RC[$PFX_E]}"
wait_gone "$IF_E"

# ================================ fasttcp-get ==================================================
wait "${FT_APP_PID[randfile]}"
bg_forget randfile
RAND_SHA=$(awk '{ print $1 }' "$RAND.sha" 2>/dev/null)
if [ -z "$RAND_SHA" ]; then
	not_ok "random 256 MiB file created in the run directory"
	ft_finish
fi
if ! start_http_server "$NS" http_r || ! start_http_server "$NSC" http_c; then
	not_ok "Python http.server listens on port $HTTP_PORT in $NS and $NSC"
	ft_finish
fi
tcp_conf "$FT_RUN_DIR/get.conf" "$IF_G"

# --- (3) 256 MiB download by fasttcp-get -------------------------------------------------------------
get_run 3 "$CLEAN_TMO" 0

# --- (5c) the same under loss --------------------------------------------------------------------------
loss_on "$IF_G" || not_ok "(5c) nft loss table applies"
K0=$(kstat "$NSC" RetransSegs)
get_run 5c "$LOSS_TMO" "$LOSS_PCT"
diag "(5c) Linux (sender) retransmitted $(($(kstat "$NSC" RetransSegs) - K0)) segments"
diag "(5c) stack, last sample before it exited: $(grep -E '^(tcp_(bytes_rx|segs_tx|ooo_segs|rexmt_bytes|rto|fast_rexmt)|drop_tcp_(ooo_full|dup|out_of_window)) ' \
	"$FT_RUN_DIR/get.5c.stats" | tr '\n' ' ')"
loss_diag 5c
loss_off

stop_app http_r
stop_app http_c
ft_finish
