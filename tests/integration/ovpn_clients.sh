#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Several STOCK openvpn 2.6 clients at once against dpdk-ovpn-gw: the peer lifecycle of TLS
# clients (ping-restart, explicit-exit-notify, restart with the same certificate),
# client-config-dir (ifconfig-push, iroute, disable) and client-to-client.
#
#   ns C1 198.51.100.11 --veth--+
#   ns C2 198.51.100.12 --veth--+-- bridge (ns SW) -- tap public 198.51.100.1:1194
#   ns C3 198.51.100.13 --veth--+                      [dpdk-ovpn-gw]
#                                                      tap lan 203.0.113.1 -- ns LAN 203.0.113.2
#                                                                    tcp server :5001 (SHA-256)
#
# Gateway: a `server` group (10.8.0.0/24, keepalive 1/5: a silent client is removed after the
# server-side ping-restart of 2 x 5 s, as OpenVPN 2.6 doubles it), client_config_dir with
#   client1: ifconfig-push 10.8.0.200 255.255.255.0, iroute 10.77.0.0 255.255.255.0
#            (10.77.0.1 sits on C1's loopback: a network behind the client)
#   client4: disable
# Run 1, client_to_client = false:
#   1. three clients complete at once; each pings the LAN host and sends 256 KiB of TCP to it
#   2. client1 got exactly 10.8.0.200; the LAN host reaches 10.77.0.1 through client1 (FIB
#      route + RPF accepting the iroute source); the status file's routing table lists it
#   3. client1 -> client2's tunnel address fails, counted as drop client_to_client
#   4. client4 is refused (ccd disable)
#   5. client3 killed with SIGKILL: removed after ping-restart (telemetry /ovpn_gw/peers and
#      the status file no longer list it, its /32 is gone from the FIB, peer_timeouts and
#      peers_removed rise); restarted, it is a new session with a peer again and reaches the LAN
#   6. client2 killed with SIGKILL and restarted at once: the new session replaces the old
#      peer (same certificate name) and works
#   7. client2 stopped with SIGTERM (explicit-exit-notify): removed within 2 s
# Run 2, client_to_client = true: client1 -> client2's tunnel address works (tun_to_tun).
# The gateway exits 0 on SIGTERM both times. Not in run_all.sh (needs openvpn).
#
# Usage: tests/integration/ovpn_clients.sh   (as root; FT_BUILD must hold apps/dpdk-ovpn-gw;
# apt-get -y install openvpn)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../scripts/pki.sh"
FT_APP=$FT_BUILD/apps/dpdk-ovpn-gw/dpdk-ovpn-gw
ft_init ovpn_clients

UID_=$(ft_uid)
IFP=ocsp$UID_
IFL=ocsl$UID_
NSW=ocs-w$UID_
NSL=ocs-l$UID_
PFX=ocs-$UID_
GW=$PFX   # the running gateway's prefix (run 2: ocs2-...)
HELPER=$FT_IT_DIR/ovpn_static_client.py
D=$FT_RUN_DIR
TCP_BYTES=$((256 << 10))
if [ "$(nproc)" -ge 2 ]; then LCORE=1; else LCORE=0; fi
EAL=(--no-huge -m 512 --no-pci -l "${OVPN_CLIENT_LCORES:-$LCORE}")

ns() { echo "ocs-$1$UID_"; } # ns 1 -> the namespace of client 1
nsx() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }

ft_require_openvpn

# tel CMD [KEY...]: one (nested) value of a gateway telemetry command.
tel() { tel_get "$GW" "$@"; }

# peer_of CN: "peer-id vpn-address" of the peer named CN in /ovpn_gw/peers; empty if none.
peer_of() {
	"$FT_PY" - "$(telemetry "$GW" /ovpn_gw/peers)" "$1" <<'PY'
import json, sys
for p in json.loads(sys.argv[1]).values():
    if p["name"] == sys.argv[2]:
        print(p["peer_id"], p["vpn_address"])
PY
}

# wait_until SECONDS CMD...: poll CMD every 0.1 s.
wait_until() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
has_text() { grep -q -- "$2" "$1" 2>/dev/null; }
count_text() { [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ]; }
peer_gone() { [ -z "$(peer_of "$1")" ]; }
loss() { grep -o '[0-9.]*% packet loss'; }

# --- PKI, client-config-dir, gateway config -----------------------------------------------------
make_pki() {
	pki_ca "$D" ca "ovpn_clients CA" && pki_cert "$D" ca server serverAuth &&
	for c in client1 client2 client3 client4; do
		pki_cert "$D" ca "$c" clientAuth || return 1
	done
}
if ! make_pki >"$D/pki.log" 2>&1; then
	not_ok "throwaway CA, server and four client certificates" "$(cat "$D/pki.log")"
	ft_finish
fi
ok "throwaway CA, server and four client certificates (openssl CLI)"
mkdir -p "$D/ccd"
printf '%s\n' "# fixed address and a network behind the client" \
	"ifconfig-push 10.8.0.200 255.255.255.0" "iroute 10.77.0.0 255.255.255.0" \
	>"$D/ccd/client1"
echo "disable" >"$D/ccd/client4"

# write_conf C2C: the gateway config with client_to_client = C2C.
write_conf() {
	cat >"$D/gw.conf" <<EOF
stack = {
	mbufs = 16383;
	tcp = { max_conns = 0; };
	ports = (
		{ name = "public"; type = "tap"; iface = "$IFP"; address = "198.51.100.1/24";
		  mac = "02:00:00:00:65:01"; },
		{ name = "lan"; type = "tap"; iface = "$IFL"; address = "203.0.113.1/24";
		  mac = "02:00:00:00:72:01"; }
	);
};
gateway = { max_peers = 64; status_file = "$D/status"; status_interval_s = 1; };
server = {
	ca = "$D/ca.crt";
	cert = "$D/server.crt";
	key = "$D/server.key";
	network = "10.8.0.0";
	netmask = "255.255.255.0";
	keepalive_interval = 1;
	keepalive_timeout = 5;
	push_routes = [ "203.0.113.0/24" ];
	client_config_dir = "$D/ccd";
	client_to_client = $1;
};
EOF
}
write_conf false
check "the test configuration passes --check" "$FT_APP" -- -c "$D/gw.conf" --check
sed "s|$D/ccd|$D/no-such-dir|" "$D/gw.conf" >"$D/bad.conf"
out=$("$FT_APP" -- -c "$D/bad.conf" --check 2>&1)
if [ $? -eq 2 ] && echo "$out" | grep -qE 'bad\.conf:[0-9]+: server\.client_config_dir'; then
	ok "config error: client_config_dir not a readable directory ($out)"
else
	not_ok "config error: client_config_dir not a readable directory" "$out"
fi

# --- gateway, switch, namespaces ----------------------------------------------------------------
# start_gw: the gateway, its taps into the switch and the LAN namespace.
start_gw() {
	register_iface "$IFP"
	register_iface "$IFL"
	start_app "$GW" "$D/gw.conf" "${EAL[@]}" || return 1
	wait_for_iface "$IFP" && wait_for_iface "$IFL" &&
	ip link set "$IFP" netns "$NSW" && ip link set "$IFL" netns "$NSL" &&
	# The kernel side of a tap starts with the port's MAC: as a bridge port it would make
	# the bridge keep the gateway's frames for itself.
	ip -n "$NSW" link set "$IFP" address 02:00:00:00:65:02 &&
	ip -n "$NSW" link set "$IFP" master br0 && ip -n "$NSW" link set "$IFP" up &&
	ip -n "$NSL" link set "$IFL" address 02:00:00:00:72:02 &&
	ip -n "$NSL" addr add 203.0.113.2/24 dev "$IFL" && ip -n "$NSL" link set "$IFL" up &&
	ip -n "$NSL" route add default via 203.0.113.1
}

setup_net() {
	local i
	make_netns "$NSW" && make_netns "$NSL" &&
	ip netns exec "$NSW" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 &&
	ip -n "$NSW" link add br0 type bridge && ip -n "$NSW" link set br0 up &&
	ip -n "$NSL" link set lo up &&
	ip netns exec "$NSL" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 || return 1
	for i in 1 2 3; do
		make_netns "$(ns "$i")" &&
		register_iface "ocsa$i$UID_" &&
		ip link add "ocsa$i$UID_" type veth peer name "ocsb$i$UID_" &&
		ip link set "ocsa$i$UID_" netns "$NSW" &&
		ip link set "ocsb$i$UID_" netns "$(ns "$i")" &&
		ip -n "$NSW" link set "ocsa$i$UID_" master br0 &&
		ip -n "$NSW" link set "ocsa$i$UID_" up &&
		nsx "$i" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
		ip -n "$(ns "$i")" addr add "198.51.100.1$i/24" dev "ocsb$i$UID_" &&
		ip -n "$(ns "$i")" link set "ocsb$i$UID_" up && ip -n "$(ns "$i")" link set lo up ||
			return 1
	done
	# The network behind client 1 (its iroute).
	ip -n "$(ns 1)" addr add 10.77.0.1/32 dev lo
}
if ! setup_net; then
	not_ok "namespaces: a bridge, three client namespaces, the LAN"
	ft_finish
fi
if ! start_gw; then
	not_ok "dpdk-ovpn-gw starts (client_to_client off), taps in the bridge and the LAN"
	ft_finish
fi
ok "dpdk-ovpn-gw starts (client_to_client off), taps in the bridge and the LAN"
ip netns exec "$NSL" "$FT_PY" "$HELPER" tcp-server --port 5001 >"$D/tcpsrv.log" 2>&1 &
FT_APP_PID[tcpsrv]=$!

# client N CERT: start openvpn in namespace N with certificate CERT; log $D/CERT.log (appended).
client() {
	local n=$1 cert=$2
	cat >"$D/$cert.conf" <<EOF
client
dev tun
proto udp
remote 198.51.100.1 1194
nobind
ca $D/ca.crt
cert $D/$cert.crt
key $D/$cert.key
remote-cert-tls server
disable-dco
explicit-exit-notify 1
connect-retry 1
verb 3
EOF
	echo "=== start" >>"$D/$cert.log"
	# Not through nsx (a function runs in a subshell): the pid must be openvpn's own.
	ip netns exec "$(ns "$n")" openvpn --config "$D/$cert.conf" >>"$D/$cert.log" 2>&1 &
	FT_APP_PID[$cert]=$!
}
# up CERT: the N-th "Initialization Sequence Completed" of CERT's log (default 1).
up() { wait_until 20 count_text "$D/$1.log" "Initialization Sequence Completed" "${2:-1}"; }

# --- 1. three clients at once -------------------------------------------------------------------
for i in 1 2 3; do client "$i" "client$i"; done
if up client1 && up client2 && up client3; then
	ok "three stock openvpn clients complete at once"
else
	not_ok "three stock openvpn clients complete at once" "$(tail -n 5 "$D/client3.log")"
fi
check_eq "three TLS sessions (tls_sessions) and three peers" "3 3" \
	"$(tel /ovpn_gw/drops tls_sessions) $(tel /ovpn_gw/stats peers)"
for i in 1 2 3; do
	# One unchecked ping first: the first packets may wait for ARP on both LAN sides.
	nsx "$i" ping -q -c 1 -W 2 203.0.113.2 >/dev/null 2>&1
	check_eq "client$i: ping the LAN host through the tunnel" "0% packet loss" \
		"$(nsx "$i" ping -q -c 5 -i 0.05 -W 2 203.0.113.2 2>&1 | loss)"
	out=$(timeout -k 5 60 ip netns exec "$(ns "$i")" "$FT_PY" "$HELPER" tcp-client \
		--target 203.0.113.2:5001 --bytes "$TCP_BYTES" 2>&1)
	if echo "$out" | grep -q '^ok - '; then
		ok "client$i: 256 KiB TCP to the LAN host, SHA-256 intact"
	else
		not_ok "client$i: 256 KiB TCP to the LAN host" "$out"
	fi
done

# --- 2. client-config-dir: ifconfig-push and iroute -----------------------------------------------
check "client1 (ccd ifconfig-push) got exactly 10.8.0.200" \
	grep -q "ifconfig 10.8.0.200 255.255.255.0" "$D/client1.log"
check_eq "telemetry: client1's peer has 10.8.0.200" 10.8.0.200 "$(peer_of client1 | cut -d' ' -f2)"
check_eq "LAN host -> 10.77.0.1 (client1's iroute) through the tunnel" "0% packet loss" \
	"$(ip netns exec "$NSL" ping -q -c 5 -i 0.05 -W 2 10.77.0.1 2>&1 | loss)"
check_eq "no RPF drop of the iroute source (bad_src)" 0 "$(tel /ovpn_gw/drops bad_src)"
sleep 1.2
check "status file: client1's iroute (ROUTING_TABLE,10.77.0.0/24,client1,...)" \
	grep -q "^ROUTING_TABLE,10\.77\.0\.0/24,client1,198\.51\.100\.11:" "$D/status"

# --- 3. client-to-client off --------------------------------------------------------------------
C2IP=$(peer_of client2 | cut -d' ' -f2)
D0=$(tel /ovpn_gw/drops client_to_client)
check_eq "client_to_client off: client1 -> client2 ($C2IP) fails" "100% packet loss" \
	"$(nsx 1 ping -q -c 3 -i 0.1 -W 1 "$C2IP" 2>&1 | loss)"
check_cmp "... counted as drop client_to_client" "$(tel /ovpn_gw/drops client_to_client)" \
	-ge $((D0 + 3))

# --- 4. ccd disable -------------------------------------------------------------------------------
client 3 client4
if wait_until 10 has_text "$(app_log "$PFX")" "client4: refused: disabled"; then
	ok "client4 refused: disabled in client-config-dir"
else
	not_ok "client4 refused: disabled in client-config-dir" "$(tail -n 5 "$(app_log "$PFX")")"
fi
stop_app client4
check "client4 has no peer" peer_gone client4

# --- 5. SIGKILL: removed after ping-restart, then back as a new session ---------------------------
T0=$(tel /ovpn_gw/stats peer_timeouts)
R0=$(tel /ovpn_gw/stats peers_removed)
C3IP=$(peer_of client3 | cut -d' ' -f2)
kill -KILL "${FT_APP_PID[client3]}"
wait "${FT_APP_PID[client3]}" 2>/dev/null
unset "FT_APP_PID[client3]"
t=$SECONDS
if wait_until 20 peer_gone client3; then
	ok "client3 killed (SIGKILL): removed after ping-restart ($((SECONDS - t)) s)"
else
	not_ok "client3 killed (SIGKILL): removed after ping-restart" "$(peer_of client3)"
fi
check_eq "... counted: peer_timeouts and peers_removed +1" "$((T0 + 1)) $((R0 + 1))" \
	"$(tel /ovpn_gw/stats peer_timeouts) $(tel /ovpn_gw/stats peers_removed)"
check "... its session is closed (log)" grep -q "client3.*removed: ping-restart" \
	"$(app_log "$PFX")"
N0=$(tel /ovpn_gw/drops no_route)
check_eq "... its /32 left the FIB: LAN host -> $C3IP fails" "100% packet loss" \
	"$(ip netns exec "$NSL" ping -q -c 2 -i 0.1 -W 1 "$C3IP" 2>&1 | loss)"
check_cmp "... as no_route" "$(tel /ovpn_gw/drops no_route)" -ge $((N0 + 2))
sleep 1.2
check "... and the status file no longer lists it" bash -c "! grep -q ',client3,' '$D/status'"
# (Sessions are not counted here: client4's retry may still hold a half-open one.)
check_eq "... two peers left: client1 and client2" "2 10.8.0.200 $C2IP" \
	"$(tel /ovpn_gw/stats peers) $(peer_of client1 | cut -d' ' -f2) $(peer_of client2 |
		cut -d' ' -f2)"
client 3 client3
if up client3 2; then
	ok "client3 restarted: a new session completes"
else
	not_ok "client3 restarted: a new session completes" "$(tail -n 5 "$D/client3.log")"
fi
check "... with a peer again" bash -c "[ -n \"\$1\" ]" _ "$(peer_of client3)"
check_eq "... and reaches the LAN host" "0% packet loss" \
	"$(nsx 3 ping -q -c 5 -i 0.05 -W 2 203.0.113.2 2>&1 | loss)"

# --- 6. SIGKILL and restart at once: the new session replaces the old peer ---------------------
R0=$(tel /ovpn_gw/stats peers_removed)
kill -KILL "${FT_APP_PID[client2]}"
wait "${FT_APP_PID[client2]}" 2>/dev/null
unset "FT_APP_PID[client2]"
client 2 client2
if up client2 2; then
	ok "client2 killed and restarted at once: the new session completes"
else
	not_ok "client2 killed and restarted at once: the new session completes" \
		"$(tail -n 5 "$D/client2.log")"
fi
check "... the old peer was replaced (same certificate name)" grep -q \
	"client2.*removed: replaced" "$(app_log "$PFX")"
check_eq "... one peer removed, three peers" "$((R0 + 1)) 3" \
	"$(tel /ovpn_gw/stats peers_removed) $(tel /ovpn_gw/stats peers)"
check_eq "... and the new one reaches the LAN host" "0% packet loss" \
	"$(nsx 2 ping -q -c 5 -i 0.05 -W 2 203.0.113.2 2>&1 | loss)"

# --- 7. SIGTERM with explicit-exit-notify: removed at once ----------------------------------------
R0=$(tel /ovpn_gw/stats peers_removed)
E0=$(tel /ovpn_gw/stats peer_exits)
t=$SECONDS
kill -TERM "${FT_APP_PID[client2]}"
if wait_until 2 peer_gone client2; then
	ok "client2 stopped (SIGTERM, explicit-exit-notify): removed within 2 s"
else
	not_ok "client2 stopped (SIGTERM, explicit-exit-notify): removed within 2 s"
fi
check_eq "... counted: peer_exits and peers_removed +1" "$((E0 + 1)) $((R0 + 1))" \
	"$(tel /ovpn_gw/stats peer_exits) $(tel /ovpn_gw/stats peers_removed)"
stop_app client2
stop_app client1
stop_app client3
stop_app "$PFX"
check_eq "dpdk-ovpn-gw (client_to_client off) exits 0 on SIGTERM" 0 "${FT_APP_RC[$PFX]}"

# --- run 2: client-to-client on -----------------------------------------------------------------
write_conf true
GW=ocs2-$UID_
ip -n "$NSL" link del "$IFL" 2>/dev/null
ip -n "$NSW" link del "$IFP" 2>/dev/null
if ! start_gw; then
	not_ok "dpdk-ovpn-gw starts again with client_to_client on"
	ft_finish
fi
ok "dpdk-ovpn-gw starts again with client_to_client on"
client 1 client1
client 2 client2
if up client1 2 && up client2 3; then
	ok "client1 and client2 complete"
else
	not_ok "client1 and client2 complete" "$(tail -n 5 "$D/client2.log")"
fi
C2IP=$(peer_of client2 | cut -d' ' -f2)
T0=$(tel /ovpn_gw/stats tun_to_tun)
check_eq "client_to_client on: client1 -> client2 ($C2IP) works" "0% packet loss" \
	"$(nsx 1 ping -q -c 5 -i 0.05 -W 2 "$C2IP" 2>&1 | loss)"
check_cmp "... re-encrypted to the other peer (tun_to_tun)" "$(tel /ovpn_gw/stats tun_to_tun)" \
	-ge $((T0 + 10))
check_eq "... and nothing dropped as client_to_client" 0 "$(tel /ovpn_gw/drops client_to_client)"
stop_app client1
stop_app client2
stop_app tcpsrv
stop_app "$GW"
check_eq "dpdk-ovpn-gw (client_to_client on) exits 0 on SIGTERM" 0 "${FT_APP_RC[$GW]}"
ft_finish
