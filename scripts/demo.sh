#!/usr/bin/env bash
# The main jobs, end to end on this machine:
#  1. fasttcp-echo on a DPDK tap port, the tap moved into a network namespace where the Linux
#     kernel is the peer. Shows ARP, ping, UDP echo, ICMP port unreachable, a TCP echo of
#     8 MiB, the stack's telemetry, then stops it and prints the final counters.
#  2. scripts/demo_ovpn.sh: dpdk-ovpn-gw with a stock openvpn 2.6 client (certificates, TLS,
#     pushed options), ping and a 16 MiB download through the tunnel to a LAN host, the
#     gateway's per-peer telemetry and OpenVPN status file.
# Ends with a summary of every step; exits 0 only if all of them worked.
# Idempotent; cleans up after itself. Options: --no-huge (force DPDK's --no-huge mode).
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ "${1:-}" = "--no-huge" ] && export FT_NO_HUGE=1
NS=ftdemo
IFACE=ftdemo0
PREFIX=ftdemo
RUN=$(mktemp -d /tmp/ftdemo.XXXXXX)
APP_PID=
OVPN_PID=
CUR_STEP=start
: >"$RUN/app.log"
export DEMO_SUMMARY=$RUN/summary   # one line per step; demo_ovpn.sh appends its own
: >"$DEMO_SUMMARY"

cleanup() {
	local rc=$?
	trap - EXIT
	set +e
	[ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null
	[ -n "$OVPN_PID" ] && kill -TERM "$OVPN_PID" 2>/dev/null && wait "$OVPN_PID" 2>/dev/null
	if [ "$rc" -ne 0 ] && ! grep -q FAIL "$DEMO_SUMMARY"; then
		printf '  %-4s %s\n' FAIL "stopped during: $CUR_STEP (exit status $rc)" \
			>>"$DEMO_SUMMARY"
	fi
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "/var/run/dpdk/$PREFIX"
	rm -f /dev/hugepages/"${PREFIX}"map_* # a killed run leaves its hugepage files behind
	printf '\n\033[1m== summary\033[0m\n'
	cat "$DEMO_SUMMARY"
	if [ "$rc" -eq 0 ]; then echo "demo: OK"; else echo "demo: FAILED"; fi
	rm -rf "$RUN"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() {
	CUR_STEP=$*
	printf '\n\033[1m== %s\033[0m\n' "$*"
}
pass() { printf '  %-4s %s\n' ok "$*" >>"$DEMO_SUMMARY"; }
tel() { echo "$1" | dpdk-telemetry.py -f "$PREFIX" 2>/dev/null | tail -1; }

step "setup and build"
"$ROOT/scripts/setup.sh"
# -m 512 takes 256 pages of 2 MiB up front; with fewer free (other DPDK processes), --no-huge.
huge_free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
if [ "${FT_NO_HUGE:-0}" != 1 ] && [ "${huge_free:-0}" -lt 256 ]; then
	echo "only ${huge_free:-0} free hugepages (-m 512 needs 256): using --no-huge"
	export FT_NO_HUGE=1
fi
build_tree
ip netns del "$NS" 2>/dev/null || true   # left over from an interrupted run

cat >"$RUN/demo.conf" <<CONF
stack = {
	ports = ({ name = "lan0"; type = "tap"; iface = "$IFACE"; address = "198.51.100.1/24"; });
};
echo = { udp_port = 7; tcp_port = 7; };
CONF

step "start fasttcp-echo: $(eal_mem_args) -l 0, tap $IFACE, 198.51.100.1/24"
# shellcheck disable=SC2046
"$BUILD/apps/fasttcp-echo/fasttcp-echo" $(eal_mem_args) --no-pci -l 0 --file-prefix "$PREFIX" \
	-- -c "$RUN/demo.conf" >"$RUN/app.log" 2>&1 &
APP_PID=$!
for _ in $(seq 100); do
	grep -q "running on" "$RUN/app.log" && ip link show "$IFACE" >/dev/null 2>&1 && break
	kill -0 "$APP_PID" 2>/dev/null || { cat "$RUN/app.log"; exit 1; }
	sleep 0.1
done
grep -E "fasttcp|running" "$RUN/app.log"
case "$(eal_mem_args)" in *--no-huge*) MODE=--no-huge ;; *) MODE=hugepages ;; esac
pass "fasttcp-echo starts on tap $IFACE ($MODE)"

step "move $IFACE into namespace $NS as 198.51.100.2/24 (the Linux peer)"
ip netns add "$NS"
ip link set "$IFACE" netns "$NS"
ip -n "$NS" addr add 198.51.100.2/24 dev "$IFACE"
ip -n "$NS" link set "$IFACE" up
ip -n "$NS" link set lo up

step "ping the stack from Linux (ARP first, then ICMP echo; then 3000 bytes: fragmented)"
ip netns exec "$NS" ping -c 5 -i 0.2 198.51.100.1
ip netns exec "$NS" ping -c 2 -i 0.2 -s 3000 198.51.100.1 | tail -2
ip -n "$NS" neigh show 198.51.100.1
pass "Linux resolves the stack by ARP and pings it (also 3000 bytes, fragmented)"

step "UDP echo on port 7, and a closed port (expect ICMP port unreachable)"
ip netns exec "$NS" /usr/bin/python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for msg in (b"hello fasttcp", b"x" * 1400, bytes(range(256)) * 12):
    s.sendto(msg, ("198.51.100.1", 7))
    data, peer = s.recvfrom(65535)
    print(f"udp echo {len(msg)} bytes from {peer[0]}:{peer[1]}: {'match' if data == msg else 'MISMATCH'}")
    assert data == msg
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(2)
c.connect(("198.51.100.1", 9))
c.send(b"anyone?")
try:
    c.recv(100)
    print("closed port: unexpected reply")
    raise SystemExit(1)
except ConnectionRefusedError:
    print("closed port 9: ICMP port unreachable received (connection refused)")
PY
pass "UDP echo byte for byte; a closed port answers ICMP port unreachable"

step "TCP echo (the stack's TCP against Linux's): 8 MiB both ways at once, then check it"
ip netns exec "$NS" /usr/bin/python3 - <<'PY'
import hashlib, os, socket, threading
data = os.urandom(8 << 20)
s = socket.create_connection(("198.51.100.1", 7), timeout=10)
got = bytearray()
def rx():
    while True:
        chunk = s.recv(1 << 16)
        if not chunk:
            break
        got.extend(chunk)
t = threading.Thread(target=rx)
t.start()
s.sendall(data)
s.shutdown(socket.SHUT_WR)
t.join(30)
same = hashlib.sha256(data).digest() == hashlib.sha256(got).digest()
print(f"tcp echo: sent {len(data)} bytes, got {len(got)} back, {'identical' if same else 'DIFFERENT'}")
assert same
PY
pass "TCP echo: 8 MiB both ways against Linux's TCP, identical"
echo /fasttcp/tcp | dpdk-telemetry.py -f "$PREFIX" 2>/dev/null | tail -1

step "telemetry: /fasttcp/ports, /fasttcp/arp,0, /fasttcp/stats"
tel /fasttcp/ports
tel /fasttcp/arp,0
tel /fasttcp/stats
pass "telemetry: ports, ARP cache, counters"

step "stop (SIGTERM) and final counters"
kill -TERM "$APP_PID"
rc=0
wait "$APP_PID" || rc=$?
APP_PID=
sed -n '/final counters/,$p' "$RUN/app.log"
[ "$rc" -eq 0 ]
pass "fasttcp-echo exits 0 on SIGTERM"

step "dpdk-ovpn-gw with a stock openvpn client (scripts/demo_ovpn.sh)"
# In the background and waited for, so that a signal to this script stops it at once (cleanup
# passes it on as SIGTERM; demo_ovpn.sh cleans up after itself).
DEMO_CHILD=1 "$ROOT/scripts/demo_ovpn.sh" "$@" &
OVPN_PID=$!
wait "$OVPN_PID"
OVPN_PID=
