#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A STOCK openvpn 2.6 client against dpdk-ovpn-gw's control channel (issue 6, first slice):
# TLS with client certificates, key method 2, NCP, PUSH_REPLY, data keys from the exporter,
# then traffic through the gateway's data path.
#
#   namespace CLI 198.51.100.2 --tap-- public 198.51.100.1:1194 [dpdk-ovpn-gw] lan 203.0.113.1
#     openvpn --client (tun, pushed 10.8.0.x/24,                          |  tap
#       route 203.0.113.0/24)                                namespace LAN 203.0.113.2
#                                                              tcp server :5001 (SHA-256)
#
# Gateway: a `server` group (ca/cert/key from a throwaway openssl CLI PKI, network
# 10.8.0.0/255.255.255.0, keepalive 10/60, push_routes the LAN), no static peers.
# Per cipher (the client offers only that one; AES-256-GCM, then AES-128-GCM and
# CHACHA20-POLY1305 unless OVPN_CLIENT_CIPHERS says otherwise):
#   1. the client logs "Initialization Sequence Completed", the pushed options (route to the
#      LAN, ifconfig 10.8.0.2, ping 10 / ping-restart 60), the cipher and peer-id 0;
#   2. ping from the client through the tunnel to the LAN host: 0% loss;
#   3. TCP: 256 MiB (OVPN_CLIENT_TCP_MB) to the LAN host, SHA-256 checked by the receiver;
#   4. telemetry /ovpn_gw/peers shows the client's peer (name = certificate CN) with traffic,
#      /ovpn_gw/stats counts control packets both ways;
# and at the end the gateway exits 0 on SIGTERM. Not in run_all.sh (needs openvpn).
#
# Usage: tests/integration/ovpn_client.sh   (as root; FT_BUILD must hold apps/dpdk-ovpn-gw;
# apt-get -y install openvpn)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ovpn_topo.sh"
. "$(dirname "$0")/../../scripts/pki.sh"
FT_APP=$FT_BUILD/apps/dpdk-ovpn-gw/dpdk-ovpn-gw
ft_init ovpn_client

UID_=$(ft_uid)
IFP=ocp$UID_
IFL=ocl$UID_
NSC=oc-c$UID_
NSL=oc-l$UID_
PFX=oc-$UID_
HELPER=$FT_IT_DIR/ovpn_static_client.py
D=$FT_RUN_DIR
CONF=$D/gw.conf
CIPHERS=${OVPN_CLIENT_CIPHERS:-AES-256-GCM AES-128-GCM CHACHA20-POLY1305}
TCP_MB=${OVPN_CLIENT_TCP_MB:-256}
if [ "$(nproc)" -ge 2 ]; then LCORE=1; else LCORE=0; fi
EAL=(--no-huge -m 512 --no-pci -l "${OVPN_CLIENT_LCORES:-$LCORE}")

nsc() { ip netns exec "$NSC" "$@"; }

ft_require_openvpn

# tel CMD [KEY...]: one (nested) value of a gateway telemetry command.
tel() { tel_get "$PFX" "$@"; }

# --- throwaway PKI ----------------------------------------------------------------------------
make_pki() {
	pki_ca "$D" ca "ovpn_client CA" &&
	pki_cert "$D" ca server serverAuth &&
	pki_cert "$D" ca client1 clientAuth &&
	pki_cert "$D" ca client2 clientAuth &&
	# A client certificate from another CA: the gateway must refuse it.
	pki_ca "$D" rogue-ca "rogue CA" && pki_cert "$D" rogue-ca rogue clientAuth
}
if ! make_pki >"$D/pki.log" 2>&1; then
	not_ok "throwaway CA, server and client certificates (openssl CLI)" "$(cat "$D/pki.log")"
	ft_finish
fi
ok "throwaway CA, server and client certificates (openssl CLI)"

ovpn_tls_conf "max_peers = 64; status_file = \"$D/status\"; status_interval_s = 1;" '
	data_ciphers = "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305";
	keepalive_interval = 10;
	keepalive_timeout = 60;
	reneg_sec = 3600;'

# --- configuration errors ---------------------------------------------------------------------
conf_err() {
	local desc=$1 sed_expr=$2 want=$3 out rc
	sed "$sed_expr" "$CONF" >"$D/bad.conf"
	out=$("$FT_APP" -- -c "$D/bad.conf" --check 2>&1)
	rc=$?
	if [ "$rc" -eq 2 ] && echo "$out" | grep -qE "$want"; then
		ok "config error: $desc (exit 2: $out)"
	else
		not_ok "config error: $desc" "exit $rc, wanted 2 and /$want/" "$out"
	fi
}
conf_err "unreadable cert" "s|$D/server.crt|/nonexistent.crt|" \
	'bad\.conf:[0-9]+: server\.cert: cannot read'
conf_err "bad cipher" 's/CHACHA20-POLY1305"/DES-CBC"/' 'bad\.conf:[0-9]+: server\.data_ciphers'
conf_err "non-contiguous netmask" 's/255\.255\.255\.0/255.0.255.0/' \
	'bad\.conf:[0-9]+: server\.netmask'
conf_err "missing network" '/network = /d' 'server\.network: required key is missing'
check "the test configuration passes --check" "$FT_APP" -- -c "$CONF" --check

ovpn_tls_up "starts on taps $IFP (public) and $IFL (lan)" || ft_finish

# The PUSH_REPLY's configured part (push.h order), as the client logs it.
PUSHED="PUSH_REPLY,route 203.0.113.0 255.255.255.0,route-gateway 10.8.0.1,topology subnet"
PUSHED+=",ping 10,ping-restart 60,ifconfig 10.8.0.2 255.255.255.0"

# --- one client per cipher ----------------------------------------------------------------------
run_cipher() {
	local want=$1 tag=${1,,} clog ping loss out exits closed
	clog=$D/client-$tag.log
	diag "--- client offers $want"
	require_alive "$PFX" "the $want client"
	cat >"$D/client-$tag.conf" <<EOF
client
dev tun
proto udp
remote 198.51.100.1 1194
nobind
ca $D/ca.crt
cert $D/client1.crt
key $D/client1.key
remote-cert-tls server
data-ciphers $want
disable-dco
explicit-exit-notify 1
verb 4
EOF
	ip netns exec "$NSC" openvpn --config "$D/client-$tag.conf" >"$clog" 2>&1 &
	FT_APP_PID[client-$tag]=$!
	if ! wait_for "$clog" "Initialization Sequence Completed" 20; then
		not_ok "$want: openvpn client connects" "$(tail -n 20 "$clog")"
		stop_app client-"$tag"
		return
	fi
	ok "$want: stock openvpn client: Initialization Sequence Completed"
	check "$want: pushed route, ifconfig, keepalive (PUSH_REPLY)" grep -qF \
		"$PUSHED" "$clog"
	check "$want: data channel cipher and peer-id" \
		grep -q "Data Channel: cipher '$want', peer-id: 0" "$clog"
	check "$want: exporter keys (protocol-flags cc-exit tls-ekm)" \
		grep -q "protocol-flags cc-exit tls-ekm" "$clog"
	ping=$(nsc ping -q -c 20 -i 0.05 -W 2 203.0.113.2 2>&1)
	loss=$(echo "$ping" | grep -o '[0-9.]*% packet loss')
	check_eq "$want: ping client -> LAN host through the tunnel ($loss)" "0% packet loss" \
		"$loss"
	out=$(timeout -k 5 120 ip netns exec "$NSC" "$FT_PY" "$HELPER" tcp-client \
		--target 203.0.113.2:5001 --bytes $((TCP_MB << 20)) 2>&1)
	if echo "$out" | grep -q '^ok - '; then
		ok "$want: $TCP_MB MiB TCP through the tunnel, SHA-256 intact$(echo "$out" |
			grep -o ' ([0-9.]* s)')"
	else
		not_ok "$want: $TCP_MB MiB TCP through the tunnel" "$out"
	fi
	check_eq "$want: telemetry shows the client's peer (name = certificate CN)" client1 \
		"$(tel /ovpn_gw/peers peer0 name 2>/dev/null)"
	check_cmp "$want: the peer's received packets (telemetry)" \
		"$(tel /ovpn_gw/peers peer0 rx_pkts 2>/dev/null)" -gt 20
	sleep 1.2
	check "$want: status file lists the client (CLIENT_LIST,client1,...,10.8.0.2)" \
		grep -q "^CLIENT_LIST,client1,198\.51\.100\.2:[0-9]*,10\.8\.0\.2," "$D/status"
	exits=$(tel /ovpn_gw/stats peer_exits)
	closed=$(grep -c "explicit exit" "$(app_log "$PFX")")
	stop_app client-"$tag"
	if wait_count "$(app_log "$PFX")" "explicit exit" $((closed + 1)) 3; then
		ok "$want: the client's EXIT on the control channel ends its session"
	else
		not_ok "$want: the client's EXIT on the control channel ends its session"
	fi
	check_eq "$want: ... and counts as an explicit exit (peer_exits)" $((exits + 1)) \
		"$(tel /ovpn_gw/stats peer_exits)"
}

for c in $CIPHERS; do
	run_cipher "$c"
done

# Two clients at once (different certificates): a second session, peer-id 1, 10.8.0.3. Both
# run in the client namespace; the second one ignores the pushed route (the first has it)
# and its pings leave by its own tun device (ping -I: on-link for a device-bound socket).
run_two() {
	local log2=$D/client-two.log
	sed -e "s|^cert .*|cert $D/client2.crt|" -e "s|^key .*|key $D/client2.key|" \
		-e 's|^dev tun$|dev ocv2\ndev-type tun\npull-filter ignore "route "|' \
		-e 's|^data-ciphers .*|data-ciphers AES-128-GCM|' \
		"$D/client-aes-256-gcm.conf" >"$D/client-two.conf"
	ip netns exec "$NSC" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
	ip netns exec "$NSC" openvpn --config "$D/client-aes-256-gcm.conf" >"$D/client-one.log" \
		2>&1 &
	FT_APP_PID[client-one]=$!
	# Each new session gets a fresh peer (lowest free peer-id and address): the first client
	# completes first, so that peer-id 0 / 10.8.0.2 and 1 / 10.8.0.3 are known below.
	wait_for "$D/client-one.log" "Initialization Sequence Completed" 20
	ip netns exec "$NSC" openvpn --config "$D/client-two.conf" >"$log2" 2>&1 &
	FT_APP_PID[client-two]=$!
	if wait_for "$D/client-one.log" "Initialization Sequence Completed" 20 &&
		wait_for "$log2" "Initialization Sequence Completed" 20; then
		ok "two clients at once: both complete"
	else
		not_ok "two clients at once: both complete" "$(tail -n 5 "$log2")"
	fi
	check "second client: peer-id 1, AES-128-GCM" \
		grep -q "Data Channel: cipher 'AES-128-GCM', peer-id: 1" "$log2"
	check "second client: ifconfig 10.8.0.3 (next pool address)" \
		grep -q "ifconfig 10.8.0.3 255.255.255.0" "$log2"
	check_eq "two live TLS sessions (tls_sessions)" 2 "$(tel /ovpn_gw/drops tls_sessions)"
	check_eq "telemetry: peer 1 is client2" client2 "$(tel /ovpn_gw/peers peer1 name)"
	check_eq "first client: ping to the LAN host" "0% packet loss" \
		"$(nsc ping -q -c 10 -i 0.05 -W 2 203.0.113.2 2>&1 | grep -o '[0-9.]*% packet loss')"
	check_eq "second client: ping to the LAN host by its own tun" "0% packet loss" \
		"$(nsc ping -q -I ocv2 -c 10 -i 0.05 -W 2 203.0.113.2 2>&1 |
			grep -o '[0-9.]*% packet loss')"
	check_cmp "... through the second client's peer (peer 1 rx_pkts)" \
		"$(tel /ovpn_gw/peers peer1 rx_pkts)" -ge 10
	stop_app client-two
	stop_app client-one
	sleep 0.5
}
run_two

# Handshake under 30% loss both ways (nft in the client namespace; no netem here): the
# client must still complete; the gateway's retransmissions and re-acks are reported.
run_lossy() {
	local clog=$D/client-lossy.log retx0 retx dups
	retx0=$(($(tel /ovpn_gw/drops ctrl_retransmits) + $(tel /ovpn_gw/drops ctrl_rx_duplicates)))
	ip netns exec "$NSC" nft -f - <<'NFT' || { skip "nft loss rules not supported"; return; }
table inet ocloss {
	chain out {
		type filter hook output priority 0; udp dport 1194 numgen random mod 100 < 30 drop;
	}
	chain in {
		type filter hook input priority 0; udp sport 1194 numgen random mod 100 < 30 drop;
	}
}
NFT
	ip netns exec "$NSC" openvpn --config "$D/client-aes-256-gcm.conf" >"$clog" 2>&1 &
	FT_APP_PID[client-lossy]=$!
	if wait_for "$clog" "Initialization Sequence Completed" 90; then
		ok "30% loss both ways: the client still completes"
	else
		not_ok "30% loss both ways: the client completes" "$(tail -n 10 "$clog")"
	fi
	retx=$(tel /ovpn_gw/drops ctrl_retransmits)
	dups=$(tel /ovpn_gw/drops ctrl_rx_duplicates)
	# Reported, not asserted: whether the random losses hit a packet only the gateway can
	# repair is chance (CI once saw 0 and 0); retransmission and re-acking are proven
	# deterministically in tests/ovpn/test_reliable.c.
	diag "30% loss: the gateway retransmitted $retx and re-acked $dups control packets" \
		"(before: $retx0 together)"
	ip netns exec "$NSC" nft delete table inet ocloss
	check_eq "after the loss: ping through the tunnel" "0% packet loss" \
		"$(ip netns exec "$NSC" ping -q -c 10 -i 0.05 -W 2 203.0.113.2 2>&1 |
			grep -o '[0-9.]*% packet loss')"
	stop_app client-lossy
	sleep 0.5
}
[ -n "${OVPN_CLIENT_NO_LOSS:-}" ] || run_lossy

# A client whose certificate the gateway's CA did not sign: refused, the gateway carries on.
N=$(echo "$CIPHERS" | wc -w)
[ -n "${OVPN_CLIENT_NO_LOSS:-}" ] || N=$((N + 1))
N=$((N + 2)) # run_two
check_eq "one TLS handshake per client run (tls_handshakes), no failure" "$N 0" \
	"$(tel /ovpn_gw/drops tls_handshakes) $(tel /ovpn_gw/drops tls_failures)"
ip netns exec "$NSC" openvpn --client --dev tun --proto udp --remote 198.51.100.1 1194 \
	--nobind --ca "$D/ca.crt" --cert "$D/rogue.crt" --key "$D/rogue.key" \
	--remote-cert-tls server --disable-dco --verb 3 >"$D/client-rogue.log" 2>&1 &
FT_APP_PID[client-rogue]=$!
if wait_for "$(app_log "$PFX")" "session closed: .*certificate" 15; then
	ok "client certificate of an unknown CA refused: $(grep -o 'session closed: .*' \
		"$(app_log "$PFX")" | tail -n 1)"
else
	not_ok "client certificate of an unknown CA refused" "$(tail -n 5 "$(app_log "$PFX")")"
fi
stop_app client-rogue
check_cmp "the refusal is counted (tls_failures)" "$(tel /ovpn_gw/drops tls_failures)" -ge 1
check "the rogue client never completed" bash -c \
	"! grep -q 'Initialization Sequence Completed' '$D/client-rogue.log'"

check_cmp "control packets went through the control thread (ctrl_to_thread)" \
	"$(tel /ovpn_gw/stats ctrl_to_thread)" -ge 4
check_cmp "the control thread's replies were sent by worker 0 (ctrl_tx)" \
	"$(tel /ovpn_gw/stats ctrl_tx)" -ge 3
check_eq "no control packets dropped for a full ring" 0 "$(tel /ovpn_gw/stats ctrl_ring_full)"
diag "gateway: $(grep -E 'client .*peer-id' "$(app_log "$PFX")" | tail -n 1)"
stop_app tcpsrv
stop_app "$PFX"
check_eq "dpdk-ovpn-gw exits 0 on SIGTERM" 0 "${FT_APP_RC[$PFX]}"
ft_finish
