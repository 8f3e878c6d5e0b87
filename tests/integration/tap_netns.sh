#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# fasttcp-echo on a TAP port whose kernel side is moved into a network namespace, with the
# Linux stack in the namespace as the peer (ARCHITECTURE.md "Testing without a NIC").
#
#   stack 198.51.100.1 (MAC 02:00:00:00:64:01) --tap-- namespace 198.51.100.2 (02:00:00:00:64:02)
#
# Checks, in this order (the ARP checks need a fresh stack-side cache):
#   (b) ARP both ways: the stack resolves the namespace host (the namespace is given a
#       permanent entry for the stack first, so it never asks and the stack can only learn
#       the host through its own request), then the namespace resolves the stack;
#   (a) 100 pings at 10 ms intervals, 0% loss;
#   (c) 10,000 UDP echo datagrams, content-checked, sizes 1..4000 (fragmented both ways);
#   (d) UDP to a closed port: ICMP port unreachable (ECONNREFUSED), udp_no_port counted;
#   (e) ICMP error rate limit under a 500-datagram burst;
#   (f) malformed-frame barrage (malformed.py), then ping still works and the app lives;
#   and finally a clean exit on SIGTERM.
#
# Usage: tests/integration/tap_netns.sh   (as root; needs build-int, see lib.sh)

. "$(dirname "$0")/lib.sh"
ft_init tap_netns

UID_=$(ft_uid)
IF=ftit$UID_
NS=ftit-ns$UID_
PFX=ftit-tap$UID_
STACK_IP=198.51.100.1
NS_IP=198.51.100.2
STACK_MAC=02:00:00:00:64:01
NS_MAC=02:00:00:00:64:02
ICMP_RATE=1000
ICMP_BURST=50
REASS_TIMEOUT_MS=1000
CONF=$FT_RUN_DIR/tap.conf

cat >"$CONF" <<EOF
stack = {
	mbufs = 8191;
	reassembly = { timeout_ms = $REASS_TIMEOUT_MS; };
	icmp = { rate = $ICMP_RATE; burst = $ICMP_BURST; };
	ports = (
		{
			name = "lan0";
			type = "tap";
			iface = "$IF";
			address = "$STACK_IP/24";
			mac = "$STACK_MAC";
		}
	);
};
echo = { udp_port = 7; };
EOF

nsx() {
	ip netns exec "$NS" "$@"
}

lower() {
	tr '[:upper:]' '[:lower:]'
}

# arp_entry IP: "mac state" of the stack's ARP entry for IP on port 0, lower case; empty if
# none. /fasttcp/arp,0 is an array of "address mac state worker" strings.
arp_entry() {
	telemetry "$PFX" /fasttcp/arp,0 | "$FT_PY" -c '
import json, sys
for e in json.load(sys.stdin) or []:
    f = e.split()
    if f and f[0] == sys.argv[1]:
        print(" ".join(f[1:3]).lower())' "$1"
}

# udp_once PORT: one datagram from the namespace; prints reply|mismatch|refused|timeout.
udp_once() {
	nsx "$FT_PY" - "$STACK_IP" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
s.connect((sys.argv[1], int(sys.argv[2])))
p = b"fasttcp integration probe"
for attempt in range(3):
    s.send(p)
    try:
        d = s.recv(2048)
    except socket.timeout:
        continue
    except ConnectionRefusedError:
        print("refused")
        sys.exit(0)
    print("reply" if d == p else "mismatch")
    sys.exit(0)
print("timeout")
EOF
}

# --- setup ------------------------------------------------------------------------------------
register_iface "$IF"
if ! start_app "$PFX" "$CONF" --no-huge -m 256 --no-pci -l 0; then
	not_ok "fasttcp-echo starts on tap $IF"
	ft_finish
fi
ok "fasttcp-echo starts on tap $IF"
if ! wait_for_iface "$IF"; then
	not_ok "tap interface $IF appears"
	ft_finish
fi
make_netns "$NS" || { not_ok "create namespace $NS"; ft_finish; }
# net_tap gives the kernel interface the DPDK port's MAC; the namespace side gets its own so
# that the ARP checks can tell the two ends apart. IPv6 off in the namespace: no router or
# neighbour solicitations competing with the checks.
if ! { ip link set "$IF" netns "$NS" &&
	ip -n "$NS" link set "$IF" address "$NS_MAC" &&
	nsx sysctl -qw "net.ipv6.conf.$IF.disable_ipv6=1" &&
	ip -n "$NS" addr add "$NS_IP/24" dev "$IF" &&
	ip -n "$NS" link set lo up &&
	ip -n "$NS" link set "$IF" up; }; then
	not_ok "move $IF into namespace $NS and configure $NS_IP/24"
	ft_finish
fi
# The namespace must never ARP for the stack before check (b1): a permanent entry, set
# before any traffic.
ip -n "$NS" neigh replace "$STACK_IP" lladdr "$STACK_MAC" dev "$IF" nud permanent
ok "tap $IF moved into namespace $NS ($NS_IP/24, MAC $NS_MAC)"

PORTS=$(telemetry "$PFX" /fasttcp/ports)
TEL_MAC=$("$FT_PY" -c 'import json,sys; print(next(iter(json.loads(sys.argv[1]).values()))["mac"])' "$PORTS" | lower)
check_eq "/fasttcp/ports mac is the configured MAC" "$STACK_MAC" "$TEL_MAC"

# --- (b) ARP both ways ----------------------------------------------------------------------
check_eq "(b) fresh stack ARP cache has no entry for $NS_IP" "" "$(arp_entry "$NS_IP")"
REQ_TX0=$(counter "$PFX" /fasttcp/stats arp_req_tx)
R=$(udp_once 7)
check_eq "(b) UDP echo from the namespace answered (stack must ARP for $NS_IP first)" reply "$R"
REQ_TX1=$(counter "$PFX" /fasttcp/stats arp_req_tx)
check_cmp "(b) stack sent an ARP request to resolve $NS_IP (arp_req_tx $REQ_TX0 -> $REQ_TX1)" \
	"$REQ_TX1" -gt "$REQ_TX0"
check_eq "(b) the namespace never ARPed for the stack (arp_req_rx)" 0 \
	"$(counter "$PFX" /fasttcp/stats arp_req_rx)"
ENTRY=$(arp_entry "$NS_IP")
check_eq "(b) /fasttcp/arp,0 lists $NS_IP at the namespace MAC" "$NS_MAC" "${ENTRY%% *}"
diag "stack ARP entry: $NS_IP $ENTRY"

# Now the other way: drop the permanent entry; the kernel must resolve the stack by ARP.
ip -n "$NS" neigh del "$STACK_IP" dev "$IF"
REPLY_TX0=$(counter "$PFX" /fasttcp/stats arp_reply_tx)
nsx ping -c 1 -W 2 "$STACK_IP" >/dev/null 2>&1
NEIGH=$(ip -n "$NS" neigh show "$STACK_IP" dev "$IF")
diag "namespace neighbour: $NEIGH"
NEIGH_MAC=$(echo "$NEIGH" | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }' | lower)
check_eq "(b) namespace neighbour table has the stack's MAC (= /fasttcp/ports mac)" \
	"$TEL_MAC" "$NEIGH_MAC"
if echo "$NEIGH" | grep -q PERMANENT; then
	not_ok "(b) namespace entry was learned by ARP, not the static one" "$NEIGH"
else
	ok "(b) namespace entry was learned by ARP, not the static one"
fi
REPLY_TX1=$(counter "$PFX" /fasttcp/stats arp_reply_tx)
check_cmp "(b) stack answered the namespace's ARP request (arp_reply_tx $REPLY_TX0 -> $REPLY_TX1)" \
	"$REPLY_TX1" -gt "$REPLY_TX0"

# --- (a) ping ---------------------------------------------------------------------------------
require_alive "$PFX" "(a)"
PING=$(nsx ping -q -c 100 -i 0.01 -W 1 "$STACK_IP" 2>&1)
LOSS=$(echo "$PING" | grep -o '[0-9.]*% packet loss')
check_eq "(a) 100 pings at 10 ms intervals: 0% loss" "0% packet loss" "$LOSS"

# --- (c) 10,000 UDP echo datagrams --------------------------------------------------------------
require_alive "$PFX" "(c)"
ST0=$(telemetry "$PFX" /fasttcp/stats)
UDP_OUT=$(timeout -k 5 60 ip netns exec "$NS" "$FT_PY" "$FT_IT_DIR/udp_echo.py" "$STACK_IP" 7 \
	--count 10000 --window 64 --timeout 45 2>&1)
ST1=$(telemetry "$PFX" /fasttcp/stats)
diag "udp_echo: $UDP_OUT"
UDP_JSON=$(echo "$UDP_OUT" | tail -n 1)
check_eq "(c) 10000 UDP echo datagrams (1..4000 bytes) all verified byte for byte" 10000 \
	"$(jget "$UDP_JSON" verified)"
check_eq "(c) no corrupted or unexpected replies" 0 "$(jget "$UDP_JSON" bad)"
REASS=$(($(jget "$ST1" ip_reassembled) - $(jget "$ST0" ip_reassembled)))
FRAGS_TX=$(($(jget "$ST1" ip_frags_tx) - $(jget "$ST0" ip_frags_tx)))
BIG=$(jget "$UDP_JSON" fragmented_sizes)
check_cmp "(c) stack reassembled the fragmented requests (ip_reassembled +$REASS, $BIG sent)" \
	"$REASS" -ge "${BIG:-1}"
check_cmp "(c) stack fragmented the large replies (ip_frags_tx +$FRAGS_TX)" \
	"$FRAGS_TX" -ge "$((2 * ${BIG:-1}))"

# --- (d) closed port ---------------------------------------------------------------------------
require_alive "$PFX" "(d)"
NOPORT0=$(counter "$PFX" /fasttcp/drops udp_no_port)
R=$(udp_once 9)
NOPORT1=$(counter "$PFX" /fasttcp/drops udp_no_port)
check_eq "(d) UDP to closed port 9: ICMP port unreachable (ConnectionRefusedError)" refused "$R"
check_cmp "(d) udp_no_port counted ($NOPORT0 -> $NOPORT1)" "$NOPORT1" -gt "$NOPORT0"

# --- (e) ICMP rate limit ------------------------------------------------------------------------
require_alive "$PFX" "(e)"
B=$(timeout -k 5 30 ip netns exec "$NS" "$FT_PY" "$FT_IT_DIR/icmp_burst.py" "$PFX" "$STACK_IP" 9 500 2>&1 | tail -n 1)
diag "icmp_burst: $B"
B_NOPORT=$(jget "$B" no_port)
B_ERR=$(jget "$B" err_tx)
B_RL=$(jget "$B" ratelimit)
B_EL=$(jget "$B" elapsed_s)
LIMIT=$(awk -v b="$ICMP_BURST" -v r="$ICMP_RATE" -v e="${B_EL:-0}" 'BEGIN { print int(b + r * e) + 1 }')
check_eq "(e) all 500 burst datagrams reached the closed port (udp_no_port +500)" 500 "$B_NOPORT"
check_cmp "(e) unreachables sent $B_ERR <= burst + rate * elapsed = $LIMIT (${B_EL}s)" \
	"${B_ERR:-x}" -le "$LIMIT"
check_cmp "(e) icmp_ratelimit rose (+$B_RL)" "${B_RL:-x}" -gt 0
check_eq "(e) every closed-port datagram was answered or rate-limited (err_tx + ratelimit)" \
	500 "$((${B_ERR:-0} + ${B_RL:-0}))"

# --- (f) malformed barrage ------------------------------------------------------------------------
require_alive "$PFX" "(f)"
tap_run timeout -k 5 60 ip netns exec "$NS" "$FT_PY" "$FT_IT_DIR/malformed.py" \
	--iface "$IF" --stack-mac "$STACK_MAC" --ns-mac "$NS_MAC" --tel "$PFX" \
	--stack-ip "$STACK_IP" --ns-ip "$NS_IP" -k 20 --reass-timeout-ms "$REASS_TIMEOUT_MS"
PING=$(nsx ping -q -c 10 -i 0.05 -W 1 "$STACK_IP" 2>&1)
LOSS=$(echo "$PING" | grep -o '[0-9.]*% packet loss')
check_eq "(f) after the barrage: 10 pings, 0% loss" "0% packet loss" "$LOSS"
if app_alive "$PFX"; then
	ok "(f) fasttcp-echo still running after the barrage"
else
	not_ok "(f) fasttcp-echo still running after the barrage"
fi

# --- shutdown ---------------------------------------------------------------------------------------
stop_app "$PFX"
check_eq "fasttcp-echo exits 0 on SIGTERM" 0 "${FT_APP_RC[$PFX]}"
if grep -q "final counters" "$(app_log "$PFX")"; then
	ok "fasttcp-echo printed its final counters"
else
	not_ok "fasttcp-echo printed its final counters"
fi
ft_finish
