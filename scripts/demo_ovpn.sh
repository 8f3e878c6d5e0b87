#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The gateway's main job, end to end on this machine: dpdk-ovpn-gw serves a STOCK openvpn 2.6
# client (certificates, TLS control channel, pushed options, AES-256-GCM data channel) and
# forwards its traffic to a LAN host:
#
#   namespace ovdemo-cli               dpdk-ovpn-gw (2 DPDK taps)          namespace ovdemo-lan
#   openvpn --client  198.51.100.2 --- 198.51.100.1:1194 | 203.0.113.1 --- 203.0.113.2
#   tun0 10.8.0.2 (pushed)                                                  python3 http.server
#
# Shows: the client's "Initialization Sequence Completed", its PUSH_REPLY and data-channel
# cipher; ping through the tunnel to the LAN host; a 16 MiB HTTP download through the tunnel
# with SHA-256 compared; the gateway's per-peer telemetry (/ovpn_gw/peers) and its OpenVPN
# status file; the client's exit seen by the gateway; the gateway's clean stop.
# Does not show: several clients, renegotiation, loss (tests/integration/ovpn_client.sh does).
#
# Usage: scripts/demo_ovpn.sh [--no-huge]   (as root). scripts/demo.sh calls it after the
# fasttcp-echo part (DEMO_CHILD=1: no setup/build here; results go to $DEMO_SUMMARY).
# Idempotent: everything it creates (processes, namespaces, taps, temp files, the DPDK
# runtime directory) is removed on exit, and leftovers of an interrupted run first.
# Addresses: 198.51.100.0/24 and 203.0.113.0/24 (RFC 5737), 10.8.0.0/24 inside the tunnel.
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/pki.sh"

[ "${1:-}" = "--no-huge" ] && export FT_NO_HUGE=1
NSC=ovdemo-cli          # client namespace
NSL=ovdemo-lan          # LAN host namespace
IFP=ovdemo0             # gateway's public tap
IFL=ovdemo1             # gateway's LAN tap
PFX=ovdemo              # DPDK --file-prefix (telemetry socket)
GW=$BUILD/apps/dpdk-ovpn-gw/dpdk-ovpn-gw
D=$(mktemp -d /tmp/ovdemo.XXXXXX)
SUM=${DEMO_SUMMARY:-$D/summary}
GW_PID=
CLI_PID=
HTTP_PID=
FAILED=0
CUR_STEP="start"
if [ "$(nproc)" -ge 2 ]; then LCORE=1; else LCORE=0; fi

step() {
	CUR_STEP=$*
	printf '\n\033[1m== %s\033[0m\n' "$*"
}
result() { printf '  %-4s %s\n' "$1" "$2" >>"$SUM"; }
pass() { result ok "$*"; }
fail() {
	result FAIL "$*"
	FAILED=1
	echo "FAILED: $*"
}

# stop PID: SIGTERM, SIGKILL after 5 s, reap; prints nothing. Status in $STOP_RC.
STOP_RC=0
stop() {
	local pid=$1 i
	STOP_RC=0
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || STOP_RC=$?
}

# remove_all: namespaces (and what still runs in them: only this demo's processes), taps
# left in the root namespace, the DPDK runtime directory. Safe to call any time.
remove_all() {
	local ns pids
	for ns in "$NSC" "$NSL"; do
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		# shellcheck disable=SC2086
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null || true
	done
	for ns in "$IFP" "$IFL"; do
		ip link del "$ns" 2>/dev/null || true
	done
	rm -rf "/var/run/dpdk/$PFX"
	rm -f /dev/hugepages/"${PFX}"map_* # a killed run leaves its hugepage files behind
}

cleanup() {
	local rc=$?
	trap - EXIT
	set +e
	if [ "$rc" -ne 0 ] && [ "$FAILED" -eq 0 ]; then
		result FAIL "gateway demo stopped during: $CUR_STEP (exit status $rc)"
		FAILED=1
	fi
	if [ "$FAILED" -ne 0 ]; then
		for f in "$D/gw.log" "$D/client.log"; do
			[ -s "$f" ] || continue
			echo "---- $(basename "$f") (last 15 lines)"
			tail -n 15 "$f"
		done
	fi
	stop "$CLI_PID"
	stop "$HTTP_PID"
	stop "$GW_PID"
	remove_all
	if [ -z "${DEMO_SUMMARY:-}" ]; then
		printf '\n\033[1m== summary\033[0m\n'
		cat "$SUM" 2>/dev/null
		[ "$FAILED" -eq 0 ] && echo "demo_ovpn: OK" || echo "demo_ovpn: FAILED"
	fi
	rm -rf "$D"
	[ "$FAILED" -eq 0 ] && exit 0
	exit 1
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# tel CMD: a gateway telemetry command's JSON reply, indented.
tel() {
	echo "$1" | dpdk-telemetry.py -f "$PFX" 2>/dev/null | tail -n 1 | python3 -m json.tool
}

# tel_get CMD KEY...: one (nested) value of a telemetry reply; empty if absent.
tel_get() {
	local cmd=$1
	shift
	echo "$cmd" | dpdk-telemetry.py -f "$PFX" 2>/dev/null | tail -n 1 |
		python3 -c 'import json, sys
v = json.loads(sys.stdin.read())
try:
    for k in sys.argv[1:]:
        v = v[k]
    print(v)
except (KeyError, TypeError):
    pass' "$cmd" "$@"
}

# wait_for FILE TEXT SECONDS [PID]: wait until FILE contains TEXT (fails early if PID died).
wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		[ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null && return 1
		sleep 0.1
	done
	return 1
}

if [ -z "${DEMO_CHILD:-}" ]; then
	step "setup and build"
	"$ROOT/scripts/setup.sh"
	build_tree
fi
# -m 512 takes 256 pages of 2 MiB up front; with fewer free (other DPDK processes), --no-huge.
huge_free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
if [ "${FT_NO_HUGE:-0}" != 1 ] && [ "${huge_free:-0}" -lt 256 ]; then
	echo "only ${huge_free:-0} free hugepages (-m 512 needs 256): using --no-huge"
	export FT_NO_HUGE=1
fi
remove_all   # left over from an interrupted run
[ -n "${DEMO_SUMMARY:-}" ] || : >"$SUM"

# --- certificates ---------------------------------------------------------------------------
step "throwaway PKI (openssl CLI, EC P-256): CA, server (serverAuth), client1 (clientAuth)"
make_pki() {
	pki_ca "$D" ca "ovdemo CA" &&
	pki_cert "$D" ca server serverAuth &&
	pki_cert "$D" ca client1 clientAuth &&
	chmod 600 "$D"/*.key
}
if ! make_pki >"$D/pki.log" 2>&1; then
	cat "$D/pki.log"
	fail "throwaway CA, server and client certificates"
	exit 1
fi
for n in ca server client1; do
	openssl x509 -in "$D/$n.crt" -noout -subject -issuer | paste -sd ' ' | sed "s/^/$n.crt: /"
done
pass "throwaway CA, server and client certificates (openssl CLI)"

# --- gateway --------------------------------------------------------------------------------
cat >"$D/gw.conf" <<EOF
stack = {
	mbufs = 16383;
	tcp = { max_conns = 0; };
	ports = (
		{ name = "public"; type = "tap"; iface = "$IFP"; address = "198.51.100.1/24"; },
		{ name = "lan"; type = "tap"; iface = "$IFL"; address = "203.0.113.1/24"; }
	);
};
gateway = { status_file = "$D/status"; status_interval_s = 1; };
server = {
	ca = "$D/ca.crt";
	cert = "$D/server.crt";
	key = "$D/server.key";
	network = "10.8.0.0";
	netmask = "255.255.255.0";
	data_ciphers = "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305";
	keepalive_interval = 10;
	keepalive_timeout = 60;
	push_routes = [ "203.0.113.0/24" ];
};
EOF
step "dpdk-ovpn-gw: public tap $IFP 198.51.100.1 (UDP 1194), LAN tap $IFL 203.0.113.1"
sed -n '/^server = {/,/^};/p' "$D/gw.conf"
"$GW" -- -c "$D/gw.conf" --check
# shellcheck disable=SC2046
"$GW" $(eal_mem_args) --no-pci -l "$LCORE" --file-prefix "$PFX" -- -c "$D/gw.conf" \
	>"$D/gw.log" 2>&1 &
GW_PID=$!
echo "EAL: $(eal_mem_args) --no-pci -l $LCORE --file-prefix $PFX"
if ! wait_for "$D/gw.log" "running on" 30 "$GW_PID"; then
	fail "dpdk-ovpn-gw starts"
	exit 1
fi
grep "^dpdk-ovpn-gw:" "$D/gw.log"
case "$(eal_mem_args)" in *--no-huge*) MODE=--no-huge ;; *) MODE=hugepages ;; esac
pass "dpdk-ovpn-gw starts with a server group ($MODE, lcore $LCORE)"

step "namespaces: $NSC (the client, 198.51.100.2) and $NSL (the LAN host, 203.0.113.2)"
for _ in $(seq 100); do
	ip link show "$IFP" >/dev/null 2>&1 && ip link show "$IFL" >/dev/null 2>&1 && break
	sleep 0.1
done
ip netns add "$NSC"
ip netns add "$NSL"
ip link set "$IFP" netns "$NSC"
ip link set "$IFL" netns "$NSL"
ip -n "$NSC" addr add 198.51.100.2/24 dev "$IFP"
ip -n "$NSL" addr add 203.0.113.2/24 dev "$IFL"
for ns in "$NSC" "$NSL"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip -n "$ns" link set lo up
done
ip -n "$NSC" link set "$IFP" up
ip -n "$NSL" link set "$IFL" up
ip -n "$NSL" route add default via 203.0.113.1
ip -n "$NSC" -br addr show "$IFP"
ip -n "$NSL" -br addr show "$IFL"
pass "taps moved into namespaces $NSC and $NSL"

step "LAN host: python3 -m http.server on 203.0.113.2:8000 serving a random 16 MiB file"
mkdir "$D/www"
head -c $((16 << 20)) /dev/urandom >"$D/www/blob.bin"
SHA_SRC=$(sha256sum "$D/www/blob.bin" | cut -d' ' -f1)
ip netns exec "$NSL" python3 -m http.server --bind 203.0.113.2 --directory "$D/www" 8000 \
	>"$D/http.log" 2>&1 &
HTTP_PID=$!
for _ in $(seq 100); do
	ip netns exec "$NSL" ss -ltn 2>/dev/null | grep -q '203.0.113.2:8000' && break
	sleep 0.1
done
echo "blob.bin: 16 MiB, sha256 $SHA_SRC"

# --- the stock client -----------------------------------------------------------------------
cat >"$D/client.conf" <<EOF
client
dev tun
proto udp
remote 198.51.100.1 1194
nobind
ca $D/ca.crt
cert $D/client1.crt
key $D/client1.key
remote-cert-tls server
# userspace tun: the kernel's ovpn module (DCO) is not what this demo is about
disable-dco
explicit-exit-notify 1
verb 3
EOF
step "stock $(openvpn --version | head -n 1 | cut -d' ' -f1-2) client in $NSC," \
	"an ordinary client config"
grep -v '^#' "$D/client.conf" | sed "s|$D/||" | paste -sd ';' | sed 's/;/; /g'
ip netns exec "$NSC" openvpn --config "$D/client.conf" >"$D/client.log" 2>&1 &
CLI_PID=$!
if ! wait_for "$D/client.log" "Initialization Sequence Completed" 30 "$CLI_PID"; then
	fail "openvpn client: Initialization Sequence Completed"
	exit 1
fi
echo "--- from the client's log:"
SHOW="VERIFY OK|Peer Connection Initiated|PUSH_REPLY|Data Channel: cipher|net_addr_v4_add"
grep -E "$SHOW|Initialization Sequence Completed" "$D/client.log" |
	sed -E 's/^[0-9-]+ [0-9:]+ //'
echo "--- from the gateway's log:"
grep -E "client .*peer-id" "$D/gw.log" || true
pass "stock openvpn client: Initialization Sequence Completed"
if grep -q "PUSH_REPLY,route 203.0.113.0 255.255.255.0,.*ifconfig 10.8.0.2 255.255.255.0" \
	"$D/client.log"; then
	pass "pushed options: route 203.0.113.0/24, ifconfig 10.8.0.2/24, keepalive"
else
	fail "pushed options: route 203.0.113.0/24, ifconfig 10.8.0.2/24, keepalive"
fi
if grep -q "Data Channel: cipher 'AES-256-GCM', peer-id: 0" "$D/client.log"; then
	pass "data channel: AES-256-GCM, peer-id 0 (NCP)"
else
	fail "data channel: AES-256-GCM, peer-id 0 (NCP)"
fi
ip -n "$NSC" -br addr show tun0
ip -n "$NSC" route show 203.0.113.0/24

# --- traffic through the tunnel -------------------------------------------------------------
step "ping the LAN host 203.0.113.2 from the client, through the tunnel"
out=$(ip netns exec "$NSC" ping -c 10 -i 0.2 -W 2 203.0.113.2 2>&1) || true
echo "$out" | sed -n '1,3p;$p' | sed '3a\...'
echo "$out" | grep 'packet loss'
loss=$(echo "$out" | grep -o '[0-9.]*% packet loss' || true)
if [ "$loss" = "0% packet loss" ]; then
	pass "ping client -> LAN host through the tunnel: 10/10, 0% loss"
else
	fail "ping client -> LAN host through the tunnel (${loss:-no reply})"
fi

step "HTTP download of blob.bin (16 MiB) from the LAN host through the tunnel"
speed=$(ip netns exec "$NSC" curl -sS --max-time 120 -o "$D/got.bin" \
	-w '%{size_download} bytes in %{time_total} s, %{speed_download} B/s' \
	http://203.0.113.2:8000/blob.bin 2>&1) || true
SHA_GOT=$(sha256sum "$D/got.bin" 2>/dev/null | cut -d' ' -f1 || true)
mbps=$(echo "$speed" | awk '{ printf "%.0f", $(NF - 1) * 8 / 1e6 }')
echo "curl: $speed (about $mbps Mbit/s)"
echo "sha256 sent:     $SHA_SRC"
echo "sha256 received: ${SHA_GOT:-none}"
if [ -n "$SHA_GOT" ] && [ "$SHA_GOT" = "$SHA_SRC" ]; then
	pass "16 MiB TCP download through the tunnel, SHA-256 identical (~$mbps Mbit/s)"
else
	fail "16 MiB TCP download through the tunnel, SHA-256 identical"
fi

# --- what the gateway knows -----------------------------------------------------------------
step "gateway telemetry: /ovpn_gw/peers (echo /ovpn_gw/peers | dpdk-telemetry.py -f $PFX)"
tel /ovpn_gw/peers
name=$(tel_get /ovpn_gw/peers peer0 name)
rx=$(tel_get /ovpn_gw/peers peer0 rx_pkts)
txb=$(tel_get /ovpn_gw/peers peer0 tx_bytes)
# The download went to the client through this peer: at least 16 MiB sent to it.
if [ "$name" = client1 ] && [ "${rx:-0}" -ge 10 ] && [ "${txb:-0}" -ge $((16 << 20)) ]; then
	pass "telemetry: peer 0 is client1 (certificate CN), rx_pkts $rx, tx_bytes $txb"
else
	fail "telemetry: peer 0 is client1 with the download's bytes (name '$name'," \
		"rx_pkts '$rx', tx_bytes '$txb')"
fi

step "OpenVPN status file (status-version 2), rewritten every second: $D/status"
sleep 1.2
cat "$D/status"
if grep -q "^CLIENT_LIST,client1,198\.51\.100\.2:[0-9]*,10\.8\.0\.2," "$D/status"; then
	pass "status file: CLIENT_LIST,client1,198.51.100.2:PORT,10.8.0.2,..."
else
	fail "status file lists client1 at 10.8.0.2"
fi

# --- stop -----------------------------------------------------------------------------------
step "stop the client (SIGTERM: explicit-exit-notify), then the gateway (SIGTERM)"
stop "$CLI_PID"
CLI_PID=
if wait_for "$D/gw.log" "explicit exit" 5; then
	grep "explicit exit" "$D/gw.log" | tail -n 1
	pass "the gateway saw the client's EXIT and ended its session"
else
	fail "the gateway saw the client's EXIT"
fi
stop "$HTTP_PID"
HTTP_PID=
stop "$GW_PID"
GW_PID=
sed -n '/final counters/,$p' "$D/gw.log" | head -n 12
grep "^dpdk-ovpn-gw: stopped" "$D/gw.log" || true
if [ "$STOP_RC" -eq 0 ]; then
	pass "dpdk-ovpn-gw exits 0 on SIGTERM"
else
	fail "dpdk-ovpn-gw exits 0 on SIGTERM (exit status $STOP_RC)"
fi
