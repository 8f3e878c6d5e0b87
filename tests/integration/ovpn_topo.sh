# SPDX-License-Identifier: BSD-3-Clause
#
# The topology of the stock-client tests (ovpn_client.sh, ovpn_harden.sh, ovpn_reneg.sh),
# sourced after lib.sh:
#
#   namespace NSC 198.51.100.2 --tap IFP-- 198.51.100.1 [dpdk-ovpn-gw] 203.0.113.1
#                                                            --tap IFL-- namespace NSL 203.0.113.2
#                                                                        tcp server :5001
#
# The caller sets D, CONF, IFP, IFL, NSC, NSL, PFX, EAL, FT_APP and HELPER.

# ovpn_tls_conf GATEWAY SERVER: write $CONF: the two taps, `gateway = { GATEWAY };` and a
# `server` group with the throwaway PKI in $D (ca, server), network 10.8.0.0/24, a pushed
# route to the LAN, and SERVER (more libconfig lines of the group, e.g. data_ciphers).
ovpn_tls_conf() {
	cat >"$CONF" <<CONF
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
gateway = { $1 };
server = {
	ca = "$D/ca.crt";
	cert = "$D/server.crt";
	key = "$D/server.key";
	network = "10.8.0.0";
	netmask = "255.255.255.0";
$2
	push_routes = [ "203.0.113.0/24" ];
};
CONF
}

# ovpn_tls_up DESC: start the gateway on $CONF ("dpdk-ovpn-gw DESC"), move the taps into the
# namespaces, start the LAN host's TCP server. Reports ok / not ok; 1 on failure.
ovpn_tls_up() {
	register_iface "$IFP"
	register_iface "$IFL"
	if ! start_app "$PFX" "$CONF" "${EAL[@]}"; then
		not_ok "dpdk-ovpn-gw $1"
		return 1
	fi
	ok "dpdk-ovpn-gw $1"
	make_netns "$NSC" || { not_ok "create namespace $NSC"; return 1; }
	make_netns "$NSL" || { not_ok "create namespace $NSL"; return 1; }
	if ! { wait_for_iface "$IFP" && wait_for_iface "$IFL" &&
		ip link set "$IFP" netns "$NSC" && ip link set "$IFL" netns "$NSL" &&
		ip netns exec "$NSC" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
		ip netns exec "$NSL" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
		ip -n "$NSC" link set "$IFP" address 02:00:00:00:65:02 &&
		ip -n "$NSL" link set "$IFL" address 02:00:00:00:72:02 &&
		ip -n "$NSC" addr add 198.51.100.2/24 dev "$IFP" &&
		ip -n "$NSL" addr add 203.0.113.2/24 dev "$IFL" &&
		ip -n "$NSC" link set lo up && ip -n "$NSL" link set lo up &&
		ip -n "$NSC" link set "$IFP" up && ip -n "$NSL" link set "$IFL" up &&
		ip -n "$NSL" route add default via 203.0.113.1; }; then
		not_ok "taps moved into namespaces $NSC (198.51.100.2) and $NSL (203.0.113.2)"
		return 1
	fi
	ok "taps moved into namespaces $NSC (198.51.100.2) and $NSL (203.0.113.2)"
	ip netns exec "$NSL" "$FT_PY" "$HELPER" tcp-server --port 5001 >"$D/tcpsrv.log" 2>&1 &
	FT_APP_PID[tcpsrv]=$!
}
