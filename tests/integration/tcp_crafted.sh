#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# TCP conformance with crafted segments: Scapy plays the peer from a network namespace
# (tcp_crafted.py), one check per RFC behaviour, with the stack's counters read through
# telemetry. Three stacks, each on a TAP port moved into its own namespace:
#
#   fasttcp-echo   198.51.100.1 (02:00:00:00:64:01) -- ns 198.51.100.2 (02:00:00:00:64:02)
#       (1)-(11) handshake options, MSS, peer window, RFC 5961 RST/SYN/ACK, out-of-window,
#       PAWS, SACK, D-SACK, delayed ACK, zero-window probes; passive close; (15) malformed
#       segments and closed ports; (16) a Linux client still gets its echo afterwards.
#       Then the "recovery" phase, the stack as sender of its echo (we lose chosen segments and
#       decide what to ACK/SACK): (17) RACK with SACK, (18) RACK's time-based reo_wnd, (19) TLP,
#       (20) TLP answered with a D-SACK, (21) three dupacks without SACK, (22) RTO (and SACK
#       marks kept through it), (23) a SACK attack (sendmap counters: /fasttcp/tcp_sendmap).
#   fasttcp-httpd  203.0.113.1 -- ns 203.0.113.2: "Connection: close" makes the stack close
#       first, which fasttcp-echo never does (it closes only after the peer's FIN): (12)
#       simultaneous close (CLOSING -> TIME-WAIT, time_wait_ms 2000), (13) retransmitted FIN
#       in TIME-WAIT.
#   fasttcp-get    203.0.113.1 -- ns 203.0.113.2 (a third namespace): the stack connects to
#       us, so its SYN can be crossed by ours: (14) simultaneous open.
#
# The namespace kernels would answer the stack's segments for the crafted connections with
# RSTs (they have no sockets for them): an nft rule drops those RSTs on output (crafted
# source ports 20000-20999 in the echo namespace, all TCP RSTs in the other two). Scapy's
# own frames go out through AF_PACKET and never meet that rule.
#
# Usage: tests/integration/tcp_crafted.sh   (as root; FT_BUILD selects the build, see lib.sh)

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
ft_init tcp_crafted

UID_=$(ft_uid)
HTTPD_APP=${FT_HTTPD_APP:-$FT_BUILD/apps/fasttcp-httpd/fasttcp-httpd}
GET_APP=${FT_GET_APP:-$FT_BUILD/apps/fasttcp-get/fasttcp-get}

IF=ftcr$UID_
NS=ftcr-ns$UID_
PFX=ftcr-echo$UID_
IF2=ftcc$UID_
NS2=ftcc-ns$UID_
PFX2=ftcr-httpd$UID_
IF3=ftco$UID_
NS3=ftco-ns$UID_
PFX3=ftcr-get$UID_
STACK_IP=198.51.100.1
NS_IP=198.51.100.2
STACK_IP2=203.0.113.1
NS_IP2=203.0.113.2
STACK_MAC=02:00:00:00:64:01
NS_MAC=02:00:00:00:64:02
STACK_MAC2=02:00:00:00:71:01
NS_MAC2=02:00:00:00:71:02
MTU=1500
RCVBUF=262144
DELACK_MS=100
TIME_WAIT_MS=2000
EAL=(--no-huge -m 512 --no-pci -l 0)

# stack_conf IFACE ADDR MAC: the shared `stack` section.
stack_conf() {
	cat <<EOF
stack = {
	mbufs = 8191;
	arp = { retry_ms = 100; retries = 20; };
	tcp = {
		max_conns = 1024;
		sndbuf = 262144;
		rcvbuf = $RCVBUF;
		syn_backlog = 64;
		time_wait_ms = $TIME_WAIT_MS;
		delack_ms = $DELACK_MS;
		min_rto_ms = 200;
	};
	ports = (
		{
			name = "lan0";
			type = "tap";
			iface = "$1";
			address = "$2/24";
			mac = "$3";
			mtu = $MTU;
		}
	);
};
EOF
}

CONF=$FT_RUN_DIR/echo.conf
CONF2=$FT_RUN_DIR/httpd.conf
CONF3=$FT_RUN_DIR/get.conf
{ stack_conf "$IF" "$STACK_IP" "$STACK_MAC"; echo 'echo = { udp_port = 7; tcp_port = 7; };'; } >"$CONF"
{ stack_conf "$IF2" "$STACK_IP2" "$STACK_MAC2"; echo 'httpd = { port = 80; max_conns = 128; };'; } >"$CONF2"
stack_conf "$IF3" "$STACK_IP2" "$STACK_MAC2" >"$CONF3"

# ns_setup IF NS NS_IP NS_MAC STACK_IP STACK_MAC RST_MATCH [noaddr]: move a tap into a new
# namespace and configure it; RST_MATCH is the nft match (before "tcp flags") of the kernel
# RSTs to drop on output. With "noaddr" the address is left for the caller to add.
ns_setup() {
	local ifc=$1 ns=$2 ip=$3 mac=$4 sip=$5 smac=$6 match=$7 noaddr=${8:-}
	make_netns "$ns" || return 1
	ip link set "$ifc" netns "$ns" &&
		ip -n "$ns" link set "$ifc" address "$mac" &&
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1" &&
		ip -n "$ns" link set lo up &&
		ip -n "$ns" link set "$ifc" up &&
		ip -n "$ns" neigh replace "$sip" lladdr "$smac" dev "$ifc" nud permanent || return 1
	if [ -z "$noaddr" ]; then
		ip -n "$ns" addr add "$ip/24" dev "$ifc" || return 1
	fi
	ip netns exec "$ns" nft -f - <<EOF
table inet ftcr {
	chain out {
		type filter hook output priority 0; policy accept;
		$match tcp flags & rst == rst drop
	}
}
EOF
}

# crafted TIMEOUT PHASE NS IF STACK_IP NS_IP STACK_MAC NS_MAC TEL [ARGS...]: set CRAFTED to
# the command line of the Python side.
crafted() {
	local tmo=$1 phase=$2 ns=$3 ifc=$4 sip=$5 nip=$6 smac=$7 nmac=$8 tel=$9
	shift 9
	CRAFTED=(timeout -k 5 "$tmo" ip netns exec "$ns" "$FT_PY" "$FT_IT_DIR/tcp_crafted.py"
		"$phase" --iface "$ifc" --stack-ip "$sip" --ns-ip "$nip" --stack-mac "$smac"
		--ns-mac "$nmac" --tel "$tel" --mtu "$MTU" --rcvbuf "$RCVBUF"
		--delack-ms "$DELACK_MS" --time-wait-ms "$TIME_WAIT_MS" "$@")
}

# --- fasttcp-echo: checks (1)-(11), (15) --------------------------------------------------------
register_iface "$IF"
if ! start_app "$PFX" "$CONF" "${EAL[@]}"; then
	not_ok "fasttcp-echo starts on tap $IF"
	ft_finish
fi
if ! wait_for_iface "$IF" ||
	! ns_setup "$IF" "$NS" "$NS_IP" "$NS_MAC" "$STACK_IP" "$STACK_MAC" "tcp sport 20000-20999"; then
	not_ok "fasttcp-echo on tap $IF in namespace $NS ($NS_IP/24)"
	ft_finish
fi
ok "fasttcp-echo on tap $IF in namespace $NS ($NS_IP/24), nft drops the kernel's RSTs for ports 20000-20999"

crafted 45 echo "$NS" "$IF" "$STACK_IP" "$NS_IP" "$STACK_MAC" "$NS_MAC" "$PFX" \
	--dport 7 --port-base 20000 --closed-port 9
tap_run "${CRAFTED[@]}"

# --- fasttcp-echo as sender: (17)-(23) loss recovery ---------------------------------------------
require_alive "$PFX" "(17)-(23)"
crafted 40 recovery "$NS" "$IF" "$STACK_IP" "$NS_IP" "$STACK_MAC" "$NS_MAC" "$PFX" \
	--dport 7 --port-base 20500
tap_run "${CRAFTED[@]}"

# --- fasttcp-httpd: (12) simultaneous close, (13) TIME-WAIT ----------------------------------------
if [ -x "$HTTPD_APP" ]; then
	register_iface "$IF2"
	if FT_APP=$HTTPD_APP start_app "$PFX2" "$CONF2" "${EAL[@]}" &&
		wait_for_iface "$IF2" &&
		ns_setup "$IF2" "$NS2" "$NS_IP2" "$NS_MAC2" "$STACK_IP2" "$STACK_MAC2" ""; then
		crafted 20 close "$NS2" "$IF2" "$STACK_IP2" "$NS_IP2" "$STACK_MAC2" "$NS_MAC2" \
			"$PFX2" --dport 80 --port-base 21000
		tap_run "${CRAFTED[@]}"
		stop_app "$PFX2"
	else
		not_ok "(12)(13) fasttcp-httpd on tap $IF2 in namespace $NS2"
	fi
else
	skip "(12)(13) simultaneous close / TIME-WAIT: $HTTPD_APP not built (fasttcp-echo never closes first)"
fi

# --- fasttcp-get: (14) simultaneous open ---------------------------------------------------------
if [ -x "$GET_APP" ]; then
	register_iface "$IF3"
	FT_PREFIXES+=("$PFX3")
	# The stack connects as soon as it runs: its SYN waits for ARP, which the namespace only
	# answers once its address is added, after Scapy is listening (the ready file).
	timeout -k 5 25 "$GET_APP" "${EAL[@]}" --file-prefix "$PFX3" -- -c "$CONF3" \
		--timeout-ms 20000 "http://$NS_IP2:8080/sim" >"$FT_RUN_DIR/$PFX3.log" 2>&1 &
	GET_PID=$!
	READY=$FT_RUN_DIR/simopen.ready
	SIM_OUT=$FT_RUN_DIR/simopen.out
	if wait_for_iface "$IF3" &&
		ns_setup "$IF3" "$NS3" "$NS_IP2" "$NS_MAC2" "$STACK_IP2" "$STACK_MAC2" "" noaddr; then
		crafted 25 simopen "$NS3" "$IF3" "$STACK_IP2" "$NS_IP2" "$STACK_MAC2" "$NS_MAC2" \
			"$PFX3" --dport 8080 --ready-file "$READY" --wait-s 15
		"${CRAFTED[@]}" >"$SIM_OUT" 2>&1 &
		SIM_PID=$!
		for ((i = 0; i < 150; i++)); do
			[ -e "$READY" ] && break
			sleep 0.1
		done
		ip -n "$NS3" addr add "$NS_IP2/24" dev "$IF3"
		wait "$SIM_PID"
		SIM_RC=$?
		# fasttcp-get ends by itself once the exchange is over; if it hangs, stop it.
		for ((i = 0; i < 30; i++)); do
			kill -0 "$GET_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -TERM "$GET_PID" 2>/dev/null
		wait "$GET_PID"
		GET_RC=$?
		# shellcheck disable=SC2016 # expanded by the inner shell
		tap_run bash -c 'cat "$1"; exit "$2"' _ "$SIM_OUT" "$SIM_RC"
		RESULT=$(grep '^RESULT ' "$FT_RUN_DIR/$PFX3.log" | tail -n 1)
		if [ "$GET_RC" -eq 0 ] && echo "$RESULT" | grep -q '"complete":true'; then
			ok "(14) fasttcp-get over the simultaneously opened connection: exit 0, body complete"
		else
			not_ok "(14) fasttcp-get over the simultaneously opened connection: exit 0, body complete" \
				"exit status $GET_RC; $RESULT" "$(tail -n 5 "$FT_RUN_DIR/$PFX3.log")"
		fi
	else
		kill "$GET_PID" 2>/dev/null
		wait "$GET_PID" 2>/dev/null
		not_ok "(14) fasttcp-get on tap $IF3 in namespace $NS3"
	fi
else
	skip "(14) simultaneous open: $GET_APP not built (a passive socket never sends SYN)"
fi

# --- (16) the echo stack after all of it -----------------------------------------------------------
require_alive "$PFX" "(16)"
R=$(timeout -k 5 20 ip netns exec "$NS" "$FT_PY" - "$STACK_IP" <<'EOF'
import socket, sys
s = socket.create_connection((sys.argv[1], 7), timeout=5)
data = bytes((i * 13 + (i >> 9)) & 0xff for i in range(200000))
s.sendall(data)
s.shutdown(socket.SHUT_WR)
got = bytearray()
while True:
    b = s.recv(65536)
    if not b:
        break
    got += b
print("intact" if bytes(got) == data else "mismatch %d of %d bytes" % (len(got), len(data)))
EOF
)
check_eq "(16) a Linux client in $NS still gets 200000 bytes echoed intact and a clean close" \
	intact "$R"
if app_alive "$PFX"; then
	ok "(16) fasttcp-echo still running after the crafted segments"
else
	not_ok "(16) fasttcp-echo still running after the crafted segments"
fi
diag "echo stack: $(telemetry "$PFX" /fasttcp/stats | "$FT_PY" -c '
import json, sys
s = json.load(sys.stdin)
print(" ".join("%s=%s" % (k, s[k]) for k in sorted(s) if k.startswith("tcp_")))')"
stop_app "$PFX"
check_eq "fasttcp-echo exits 0 on SIGTERM" 0 "${FT_APP_RC[$PFX]}"
ft_finish
