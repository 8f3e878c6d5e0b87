#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tls-auth and tls-crypt (v1) on dpdk-ovpn-gw's control channel (src/ovpn/ctrl_wrap.c) with
# STOCK openvpn 2.6 clients, in the setup of ovpn_client.sh:
#
#   namespace CLI 198.51.100.2 --tap-- public 198.51.100.1:1194 [dpdk-ovpn-gw] lan 203.0.113.1
#     openvpn --client ... --tls-auth ta.key 1 | --tls-crypt tc.key          |  tap
#                                                              namespace LAN 203.0.113.2
#
#   0. configuration errors: tls_auth with tls_crypt, key_direction out of range or without
#      tls_auth, a file that is not a static key, an unknown digest (file:line and the key);
#   1. gateway with tls_auth (key_direction 0): a client with "tls-auth ta.key 1" connects,
#      pings the LAN host, moves 1 MiB of TCP; a client with ANOTHER ta.key, and one without
#      tls-auth, get no packet back at all (nft counter in the client namespace), each drop
#      is counted (ctrl_wrap_bad_hmac, ctrl_wrap_short), no session or cookie reply is made;
#   2. gateway with tls_crypt: the same with "tls-crypt tc.key", and a client with another
#      tc.key (ctrl_wrap_bad_tag), then SIGTERM: exit 0.
# Not in run_all.sh (needs openvpn).
#
# Usage: tests/integration/ovpn_wrap.sh   (as root; FT_BUILD must hold apps/dpdk-ovpn-gw;
# apt-get -y install openvpn nftables)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../scripts/pki.sh"
FT_APP=$FT_BUILD/apps/dpdk-ovpn-gw/dpdk-ovpn-gw
ft_init ovpn_wrap

UID_=$(ft_uid)
IFP=owp$UID_
IFL=owl$UID_
NSC=ow-c$UID_
NSL=ow-l$UID_
HELPER=$FT_IT_DIR/ovpn_static_client.py
D=$FT_RUN_DIR
if [ "$(nproc)" -ge 2 ]; then LCORE=1; else LCORE=0; fi
EAL=(--no-huge -m 512 --no-pci -l "${OVPN_WRAP_LCORES:-$LCORE}")
PFX=

nsc() { ip netns exec "$NSC" "$@"; }

ft_require_openvpn

# tel CMD KEY: one value of the running gateway's telemetry command.
tel() {
	jget "$(telemetry "$PFX" "$1")" "$2"
}

# --- keys and PKI -------------------------------------------------------------------------------
make_keys() {
	pki_ca "$D" ca "ovpn_wrap CA" && pki_cert "$D" ca server serverAuth &&
		pki_cert "$D" ca client1 clientAuth &&
		openvpn --genkey secret "$D/ta.key" && openvpn --genkey secret "$D/tc.key" &&
		openvpn --genkey secret "$D/other.key"
}
if ! make_keys >"$D/pki.log" 2>&1; then
	not_ok "PKI and static keys (openssl CLI, openvpn --genkey secret)" "$(cat "$D/pki.log")"
	ft_finish
fi
ok "PKI and three static keys (openvpn --genkey secret)"

# gw_conf FILE WRAP-LINES: the gateway config of ovpn_client.sh plus the wrap keys.
gw_conf() {
	cat >"$1" <<EOF
stack = {
	mbufs = 8191;
	tcp = { max_conns = 0; };
	ports = (
		{ name = "public"; type = "tap"; iface = "$IFP"; address = "198.51.100.1/24";
		  mac = "02:00:00:00:65:01"; },
		{ name = "lan"; type = "tap"; iface = "$IFL"; address = "203.0.113.1/24";
		  mac = "02:00:00:00:72:01"; }
	);
};
gateway = { max_peers = 16; };
server = {
	ca = "$D/ca.crt";
	cert = "$D/server.crt";
	key = "$D/server.key";
	network = "10.8.0.0";
	netmask = "255.255.255.0";
	keepalive_interval = 10;
	keepalive_timeout = 60;
	push_routes = [ "203.0.113.0/24" ];
$2
};
EOF
}

# --- 0. configuration errors --------------------------------------------------------------------
conf_err() {
	local desc=$1 wrap=$2 want=$3 out rc
	gw_conf "$D/bad.conf" "$wrap"
	out=$("$FT_APP" -- -c "$D/bad.conf" --check 2>&1)
	rc=$?
	if [ "$rc" -eq 2 ] && echo "$out" | grep -qE "$want"; then
		ok "config error: $desc (exit 2: $out)"
	else
		not_ok "config error: $desc" "exit $rc, wanted 2 and /$want/" "$out"
	fi
}
conf_err "tls_auth and tls_crypt together" \
	"	tls_auth = \"$D/ta.key\";
	tls_crypt = \"$D/tc.key\";" 'bad\.conf:[0-9]+: server\.tls_crypt: .*mutually exclusive'
conf_err "key_direction 2" "	tls_auth = \"$D/ta.key\";
	key_direction = 2;" 'bad\.conf:[0-9]+: server\.key_direction'
conf_err "key_direction without tls_auth" "	tls_crypt = \"$D/tc.key\";
	key_direction = 1;" 'bad\.conf:[0-9]+: server\.key_direction: only meaningful with tls_auth'
conf_err "not a static key file" "	tls_auth = \"$D/ca.crt\";" \
	'bad\.conf:[0-9]+: server\.tls_auth: .*not an OpenVPN static key'
conf_err "unknown digest" "	tls_auth = \"$D/ta.key\";
	tls_auth_digest = \"NOPE\";" 'bad\.conf:[0-9]+: server\.tls_auth_digest: digest'
conf_err "missing key file" "	tls_crypt = \"$D/none.key\";" \
	'bad\.conf:[0-9]+: server\.tls_crypt: cannot open'

# --- gateway and namespaces ---------------------------------------------------------------------
make_netns "$NSC" || { not_ok "create namespace $NSC"; ft_finish; }
make_netns "$NSL" || { not_ok "create namespace $NSL"; ft_finish; }
nsc sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip netns exec "$NSL" sysctl -qw net.ipv6.conf.all.disable_ipv6=1

# gw_up PREFIX CONF: start the gateway and move its taps into the namespaces (again: the taps
# die with the previous gateway).
gw_up() {
	PFX=$1
	register_iface "$IFP"
	register_iface "$IFL"
	if ! start_app "$PFX" "$2" "${EAL[@]}"; then
		not_ok "dpdk-ovpn-gw starts ($PFX)"
		ft_finish
	fi
	if ! { wait_for_iface "$IFP" && wait_for_iface "$IFL" &&
		ip link set "$IFP" netns "$NSC" && ip link set "$IFL" netns "$NSL" &&
		ip -n "$NSC" link set "$IFP" address 02:00:00:00:65:02 &&
		ip -n "$NSL" link set "$IFL" address 02:00:00:00:72:02 &&
		ip -n "$NSC" addr add 198.51.100.2/24 dev "$IFP" &&
		ip -n "$NSL" addr add 203.0.113.2/24 dev "$IFL" &&
		ip -n "$NSC" link set lo up && ip -n "$NSL" link set lo up &&
		ip -n "$NSC" link set "$IFP" up && ip -n "$NSL" link set "$IFL" up &&
		ip -n "$NSL" route add default via 203.0.113.1; }; then
		not_ok "$PFX: taps moved into namespaces $NSC and $NSL"
		ft_finish
	fi
	ok "$PFX: dpdk-ovpn-gw up, taps in namespaces $NSC and $NSL"
}

# client_conf FILE WRAP-LINES
client_conf() {
	cat >"$1" <<EOF
client
dev tun
proto udp
remote 198.51.100.1 1194
nobind
ca $D/ca.crt
cert $D/client1.crt
key $D/client1.key
remote-cert-tls server
data-ciphers AES-256-GCM
disable-dco
verb 3
$2
EOF
}

# good_client NAME WRAP-LINES: connects, pings the LAN host, 1 MiB of TCP, then leaves.
good_client() {
	local name=$1 clog=$D/client-$1.log loss out
	client_conf "$D/client-$name.conf" "$2"
	# not through nsc(): a backgrounded function would outlive stop_app with openvpn running
	ip netns exec "$NSC" openvpn --config "$D/client-$name.conf" >"$clog" 2>&1 &
	FT_APP_PID[client-$name]=$!
	if ! wait_for "$clog" "Initialization Sequence Completed" 20; then
		not_ok "$name: stock openvpn client connects" "$(tail -n 15 "$clog")"
		stop_app "client-$name"
		return
	fi
	ok "$name: stock openvpn client: Initialization Sequence Completed"
	loss=$(nsc ping -q -c 10 -i 0.05 -W 2 203.0.113.2 2>&1 | grep -o '[0-9.]*% packet loss')
	check_eq "$name: ping client -> LAN host through the tunnel" "0% packet loss" "$loss"
	out=$(timeout -k 5 60 ip netns exec "$NSC" "$FT_PY" "$HELPER" tcp-client \
		--target 203.0.113.2:5001 --bytes $((1 << 20)) 2>&1)
	if echo "$out" | grep -q '^ok - '; then
		ok "$name: 1 MiB TCP through the tunnel, SHA-256 intact"
	else
		not_ok "$name: 1 MiB TCP through the tunnel" "$out"
	fi
	check_eq "$name: no control packet dropped on the way (ctrl_wrap_bad_*, replay_*)" \
		"0 0 0 0" "$(tel /ovpn_gw/drops ctrl_wrap_bad_hmac) $(tel /ovpn_gw/drops \
		ctrl_wrap_bad_tag) $(tel /ovpn_gw/drops ctrl_replay_dup) $(tel /ovpn_gw/drops \
		ctrl_replay_time_back)"
	stop_app "client-$name"
	sleep 0.5
}

# nft_count: control packets (UDP from port 1194 whose first byte is not P_DATA_V2's: the
# earlier clients' peers still get keepalive pings) that reached the client namespace since
# nft_reset.
nft_reset() {
	nsc nft delete table inet owcount 2>/dev/null
	nsc nft -f - <<'NFT'
table inet owcount {
	chain in {
		type filter hook input priority 0;
		udp sport 1194 @th,64,8 & 0xf8 != 0x48 counter;
	}
}
NFT
}
nft_count() {
	nsc nft list table inet owcount | grep -o 'packets [0-9]*' | grep -o '[0-9]*'
}

# refused_client NAME DROP-COUNTER WRAP-LINES: the client runs 5 s (its reset and one
# retransmission); it gets nothing back, the gateway counts the drops, keeps no session.
refused_client() {
	local name=$1 ctr=$2 clog=$D/client-$1.log d0 c0 t0 s0 d1
	client_conf "$D/client-$name.conf" "$3"
	d0=$(tel /ovpn_gw/drops "$ctr")
	c0=$(tel /ovpn_gw/drops cookie_replies)
	t0=$(tel /ovpn_gw/stats ctrl_tx)
	s0=$(tel /ovpn_gw/drops tls_sessions)
	nft_reset
	# not through nsc(): a backgrounded function would outlive stop_app with openvpn running
	ip netns exec "$NSC" openvpn --config "$D/client-$name.conf" >"$clog" 2>&1 &
	FT_APP_PID[client-$name]=$!
	sleep 5
	stop_app "client-$name"
	check_eq "$name: no control packet at all came back (nft counter, udp sport 1194)" 0 \
		"$(nft_count)"
	d1=$(tel /ovpn_gw/drops "$ctr")
	check_cmp "$name: the gateway counted its packets as $ctr ($d0 -> $d1)" "$d1" -ge \
		$((d0 + 2))
	check_eq "$name: no cookie reply, nothing sent, no new session (ctrl_tx, sessions)" \
		"$c0 $t0 $s0" "$(tel /ovpn_gw/drops cookie_replies) $(tel /ovpn_gw/stats ctrl_tx) \
$(tel /ovpn_gw/drops tls_sessions)"
	check "$name: the client never saw the server" bash -c \
		"! grep -qE 'Initial packet from|Initialization Sequence Completed' '$clog'"
}

ip netns exec "$NSL" "$FT_PY" "$HELPER" tcp-server --port 5001 >"$D/tcpsrv.log" 2>&1 &
FT_APP_PID[tcpsrv]=$!

# --- 1. tls-auth ----------------------------------------------------------------------------
gw_conf "$D/auth.conf" "	tls_auth = \"$D/ta.key\";
	key_direction = 0;"
check "tls_auth configuration passes --check" "$FT_APP" -- -c "$D/auth.conf" --check
gw_up "ow-a$UID_" "$D/auth.conf"
check "gateway log: tls-auth, key-direction 0, HMAC-SHA1" \
	grep -q "tls-auth .*ta.key, key-direction 0, HMAC-SHA1" "$(app_log "$PFX")"
good_client tls-auth "tls-auth $D/ta.key 1"
refused_client wrong-ta ctrl_wrap_bad_hmac "tls-auth $D/other.key 1"
refused_client wrong-direction ctrl_wrap_bad_hmac "tls-auth $D/ta.key 0"
refused_client no-tls-auth ctrl_wrap_short ""
check_eq "tls-auth: one successful handshake in all" "1 0" \
	"$(tel /ovpn_gw/drops tls_handshakes) $(tel /ovpn_gw/drops tls_failures)"
stop_app "$PFX"
check_eq "tls-auth gateway exits 0 on SIGTERM" 0 "${FT_APP_RC[$PFX]}"

# --- 2. tls-crypt ---------------------------------------------------------------------------
gw_conf "$D/crypt.conf" "	tls_crypt = \"$D/tc.key\";"
gw_up "ow-c$UID_" "$D/crypt.conf"
check "gateway log: tls-crypt" grep -q "tls-crypt .*tc.key" "$(app_log "$PFX")"
good_client tls-crypt "tls-crypt $D/tc.key"
refused_client wrong-tc ctrl_wrap_bad_tag "tls-crypt $D/other.key"
refused_client tls-auth-at-crypt ctrl_wrap_short "tls-auth $D/ta.key 1"
check_eq "tls-crypt: one successful handshake in all" "1 0" \
	"$(tel /ovpn_gw/drops tls_handshakes) $(tel /ovpn_gw/drops tls_failures)"
stop_app tcpsrv
stop_app "$PFX"
check_eq "tls-crypt gateway exits 0 on SIGTERM" 0 "${FT_APP_RC[$PFX]}"
ft_finish
