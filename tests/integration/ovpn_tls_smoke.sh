#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A REAL openvpn 2.6 client against the gateway's control-channel modules (issue 6 groundwork):
# src/ovpn/tls.c (TLS server, client certificate), keyex.c (key method 2, data keys) and push.c
# (NCP, PUSH_REPLY), driven by tests/ovpn/ovpn_tls_smoke_server, a throwaway UDP server on a
# kernel socket with its own minimal control framing (no retransmission: the veth is lossless).
#
#   ns ots-s<uid>: ovpn_tls_smoke_server 198.51.100.1:11194 --veth-- ns ots-c<uid>: openvpn
#   client 198.51.100.2 (openvpn-protocol.md §10.3 client.conf), tun 10.77.0.2/24 (pushed)
#
# Per cipher (the server offers 2.6's default data-ciphers; the client offers the 2.6 default
# list, or only CHACHA20-POLY1305 (then without IV_NCP=2), so NCP must pick AES-256-GCM, then
# CHACHA20-POLY1305 from IV_CIPHERS):
#   1. the client completes ("Initialization Sequence Completed") with the pushed cipher,
#      peer-id 5 and "protocol-flags cc-exit tls-ekm", and (at verb 7) logs that it expects
#      exactly the options string the server sent, with no "used inconsistently" warning
#      (§3.2);
#   2. the server saw TLS 1.3 with CN=client, the client's peer-info (IV_PROTO 990, §3.3), and
#      derived its keys with the exporter (§4.2);
#   3. ping through the tunnel: the server opens the client's P_DATA_V2 packets with the
#      derived key material (3 packets, every tag verified).
#
# Needs root, openvpn (apt-get -y install openvpn; skipped if unavailable) and the server
# binary: FT_BUILD (default build-int) must hold tests/ovpn/ovpn_tls_smoke_server. Cleanup
# (lib.sh trap) stops both processes and deletes the namespaces. Takes about 5 s.
#
# Usage: tests/integration/ovpn_tls_smoke.sh   (as root)

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../scripts/pki.sh"
# ft_init checks that FT_APP exists: here that is the smoke server.
FT_APP=$FT_BUILD/tests/ovpn/ovpn_tls_smoke_server
SERVER=$FT_APP
ft_init ovpn_tls_smoke

UID_=$(ft_uid)
NS_S=ots-s$UID_
NS_C=ots-c$UID_
IF_S=ots$UID_
IF_C=otc$UID_
S_IP=198.51.100.1
C_IP=198.51.100.2
PORT=11194
TUN_S=10.77.0.1
SERVER_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305
# OVPN_KM2_SERVER_OPTIONS (src/ovpn/keyex.h), which the smoke server sends.
SERVER_OPTIONS="V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth SHA1,keysize 128"
SERVER_OPTIONS+=",key-method 2,tls-server"
D=$FT_RUN_DIR

ft_require_openvpn

# --- throwaway PKI (openvpn-protocol.md §10.1) -----------------------------------------------

make_pki() {
	pki_ca "$D" ca "ovpn_tls_smoke CA" &&
	pki_cert "$D" ca server serverAuth &&
	pki_cert "$D" ca client clientAuth
}
if ! make_pki >"$D/pki.log" 2>&1; then
	not_ok "throwaway CA, server and client certificates (openssl CLI)" "$(cat "$D/pki.log")"
	ft_finish
fi
ok "throwaway CA, server and client certificates (openssl CLI)"

# --- namespaces ------------------------------------------------------------------------------

make_netns "$NS_S" && make_netns "$NS_C" &&
	ip link add "$IF_S" type veth peer name "$IF_C" &&
	register_iface "$IF_S" &&
	ip link set "$IF_S" netns "$NS_S" && ip link set "$IF_C" netns "$NS_C" &&
	ip -n "$NS_S" addr add "$S_IP/24" dev "$IF_S" && ip -n "$NS_S" link set "$IF_S" up &&
	ip -n "$NS_C" addr add "$C_IP/24" dev "$IF_C" && ip -n "$NS_C" link set "$IF_C" up &&
	ip -n "$NS_S" link set lo up && ip -n "$NS_C" link set lo up
check_eq "namespaces $NS_S and $NS_C joined by a veth pair" 0 $?

# start_bg NAME CMD...: CMD in the background as FT_APP_PID[NAME] (lib.sh stops it).
start_bg() {
	local name=$1
	shift
	"$@" >"$D/$name.log" 2>&1 &
	FT_APP_PID[$name]=$!
}

# wait_for FILE TEXT SECONDS: wait until FILE contains TEXT.
wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# wait_exit NAME SECONDS: wait for a background process to end; its status in FT_APP_RC.
wait_exit() {
	local pid=${FT_APP_PID[$1]} i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	stop_app "$1"
}

# --- one cipher ------------------------------------------------------------------------------

run_cipher() {
	local want=$1 offer=$2 ncp=$3 tag=${1,,} slog clog
	slog=$D/server-$tag.log
	clog=$D/client-$tag.log
	diag "--- client offers $offer"
	start_bg server-"$tag" ip netns exec "$NS_S" "$SERVER" "$S_IP" "$PORT" "$D/ca.crt" \
		"$D/server.crt" "$D/server.key" "$SERVER_CIPHERS" 20
	if ! wait_for "$slog" "^listening" 5; then
		not_ok "$want: smoke server starts" "$(cat "$slog")"
		return
	fi
	start_bg client-"$tag" ip netns exec "$NS_C" openvpn --client --dev tun --proto udp \
		--remote "$S_IP" "$PORT" --nobind --ca "$D/ca.crt" --cert "$D/client.crt" \
		--key "$D/client.key" --remote-cert-tls server --data-ciphers "$offer" \
		--disable-dco --verb 7
	if ! wait_for "$clog" "Initialization Sequence Completed" 15; then
		not_ok "$want: openvpn client connects" "$(tail -n 15 "$clog")" \
			"$(tail -n 10 "$slog")"
		stop_app client-"$tag"
		stop_app server-"$tag"
		return
	fi
	ok "$want: openvpn 2.6 client completes its initialization"
	check "$want: client uses the pushed cipher and peer-id (P_DATA_V2)" \
		grep -q "Data Channel: cipher '$want', peer-id: 5" "$clog"
	check "$want: client takes protocol-flags cc-exit tls-ekm (exporter keys)" \
		grep -q "Protocol options: protocol-flags cc-exit tls-ekm" "$clog"
	check "$want: client got the PUSH_REPLY without asking (IV_PROTO_REQUEST_PUSH)" \
		grep -q "PUSH: Received control message: 'PUSH_REPLY,route-gateway $TUN_S" "$clog"
	# verb 7: the client logs the options string it expects and warns on each difference.
	check "$want: client expects the server's options string (§3.2)" grep -qF \
		"Expected Remote Options String (VER=V4): '$SERVER_OPTIONS'" "$clog"
	check_eq "$want: no options-string warning in the client log" "" \
		"$(grep "is used inconsistently" "$clog")"
	check "$want: server: TLS 1.3, client certificate CN=client" \
		grep -qE "^tls: established TLSv1.3 .* cn=client$" "$slog"
	check "$want: server: peer-info of a 2.6 client (IV_PROTO=990, IV_NCP=$ncp)" grep -qE \
		"^peer: cn=client IV_VER=2\.6\.[0-9]+ IV_PLAT=linux IV_PROTO=990 IV_NCP=$ncp" \
		"$slog"
	check "$want: server: keys from the TLS exporter, cipher $want" \
		grep -qx "keys: ekm $want" "$slog"

	# Tunnel traffic: the client seals with its keys, the server opens with what it derived.
	ip netns exec "$NS_C" ping -q -c 3 -i 0.2 -W 1 "$TUN_S" >/dev/null 2>&1
	wait_exit server-"$tag" 5
	check_eq "$want: server opened 3 P_DATA_V2 packets with the derived keys (exit 0)" \
		"0 3" "${FT_APP_RC[server-$tag]} $(grep -c '^data: ok peer-id=5 ' "$slog")"
	stop_app client-"$tag"
	diag "$want: $(grep '^push: ' "$slog")"
}

# A 2.6 client sends IV_NCP=2 only when it offers both AES-GCM ciphers (ssl.c push_peer_info()).
run_cipher AES-256-GCM "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305" 2
run_cipher CHACHA20-POLY1305 CHACHA20-POLY1305 0

ft_finish
