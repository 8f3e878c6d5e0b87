#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# dpdk-ovpn-gw's control channel against hostile or broken clients, with the STOCK openvpn 2.6
# client:
#
#   namespace CLI 198.51.100.2 --tap-- public 198.51.100.1:1194 [dpdk-ovpn-gw] lan 203.0.113.1
#     openvpn --client (tun)                                             |  tap
#     flood sender: raw socket, sources                            namespace LAN 203.0.113.2
#     198.51.100.100..163 (secondary addresses, so the gateway's ARP resolves them)
#
#   a. a client certificate signed by another CA: the client logs the TLS failure (the
#      gateway's alert), the gateway counts a failed handshake (tls_failures), keeps no
#      session (tls_sessions 0) and creates no peer (/ovpn_gw/peers empty);
#   b. an EXPIRED client certificate of the right CA (pki_cert_expired): the same;
#   c. a flood of 10,000 spoofed hard resets (OVPN_HARDEN_FLOOD; 9 in 10
#      P_CONTROL_HARD_RESET_CLIENT_V2, 1 in 10 V3) from 64 addresses and random ports
#      (ovpn_harden_flood.py):
#      c1. alone, as fast as the sender goes: every V2 the control thread took got exactly one
#          stateless HARD_RESET_SERVER_V2 (cookie_replies) that reached its spoofed source and
#          echoes its session id; the V3s are dropped (no tls-crypt-v2); no session, no peer;
#          the rate the gateway absorbed is reported (RESULT line);
#      c2. the same number again, paced (OVPN_HARDEN_FLOOD_PPS, default 4000/s), while a
#          legitimate stock client connects: it completes and pings the LAN host; afterwards
#          one session (tls_sessions 1) and one peer, and the gateway's resident memory grew
#          less than 2 MiB over the second flood (the first one warmed its pools).
# The gateway's control thread reads at most 32 packets per 1 ms wake (session.c drain_rx,
# ctrl.c CTRL_PERIOD_US): c1 offers more than that, and what its 1024-slot ring cannot hold is
# dropped (ctrl_ring_full, reported). Before c1 one reset from each flood address warms the
# gateway's ARP table (on-link spoofed sources are an artefact of this test). Options:
# OVPN_HARDEN_FLOOD (packets per flood), OVPN_HARDEN_FLOOD_PPS (c2's rate, 0 = unlimited),
# OVPN_HARDEN_FLOOD_MAX_PPS (c1's rate, 0 = unlimited). Not in run_all.sh (needs openvpn).
# About 20 s.
#
# Usage: tests/integration/ovpn_harden.sh   (as root; FT_BUILD must hold apps/dpdk-ovpn-gw;
# apt-get -y install openvpn)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ovpn_topo.sh"
. "$(dirname "$0")/../../scripts/pki.sh"
FT_APP=$FT_BUILD/apps/dpdk-ovpn-gw/dpdk-ovpn-gw
ft_init ovpn_harden

UID_=$(ft_uid)
IFP=ohp$UID_
IFL=ohl$UID_
NSC=oh-c$UID_
NSL=oh-l$UID_
PFX=oh-$UID_
HELPER=$FT_IT_DIR/ovpn_static_client.py
FLOOD=$FT_IT_DIR/ovpn_harden_flood.py
D=$FT_RUN_DIR
CONF=$D/gw.conf
N_FLOOD=${OVPN_HARDEN_FLOOD:-10000}
FLOOD_PPS=${OVPN_HARDEN_FLOOD_PPS:-4000}
FLOOD_BASE=198.51.100.100
FLOOD_N_SRC=64
if [ "$(nproc)" -ge 2 ]; then LCORE=1; else LCORE=0; fi
EAL=(--no-huge -m 512 --no-pci -l "${OVPN_HARDEN_LCORES:-$LCORE}")

nsc() { ip netns exec "$NSC" "$@"; }

ft_require_openvpn

# tel CMD [KEY...]: one (nested) value of a gateway telemetry command.
tel() { tel_get "$PFX" "$@"; }

# snap: the counters the checks compare, as "name=value" words in $SNAP.
snap() {
	SNAP=$("$FT_PY" - "$(telemetry "$PFX" /ovpn_gw/drops)" \
		"$(telemetry "$PFX" /ovpn_gw/stats)" \
		<<'PY'
import json, sys
d, s = json.loads(sys.argv[1]), json.loads(sys.argv[2])
keys = ["tls_sessions", "tls_handshakes", "tls_failures", "cookie_replies",
        "ctrl_wkc_unexpected", "ctrl_new_session_opcode", "ctrl_cookie_bad"]
out = ["%s=%s" % (k, d.get(k, 0)) for k in keys]
out += ["%s=%s" % (k, s.get(k, 0)) for k in ["ctrl_to_thread", "ctrl_ring_full", "ctrl_tx",
                                              "udp_rx", "peers"]]
print(" ".join(out))
PY
)
}

# sv NAME [SNAP]: a value from a snapshot ($SNAP by default).
sv() {
	local s=${2:-$SNAP} w
	for w in $s; do
		[ "${w%%=*}" = "$1" ] && { echo "${w#*=}"; return; }
	done
	echo 0
}

# rss_kb: the gateway's resident memory (VmRSS, KiB).
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/${FT_APP_PID[$PFX]}/status" 2>/dev/null
}

# --- throwaway PKI ----------------------------------------------------------------------------
make_pki() {
	pki_ca "$D" ca "ovpn_harden CA" &&
	pki_cert "$D" ca server serverAuth &&
	pki_cert "$D" ca client1 clientAuth &&
	pki_cert_expired "$D" ca expired clientAuth &&
	pki_cert_other_ca "$D" rogue clientAuth
}
if ! make_pki >"$D/pki.log" 2>&1; then
	not_ok "throwaway PKI: CA, server, client, expired client, foreign-CA client" \
		"$(tail -n 20 "$D/pki.log")"
	ft_finish
fi
if openssl verify -CAfile "$D/ca.crt" "$D/expired.crt" 2>&1 | grep -q "has expired" &&
	! openssl verify -CAfile "$D/ca.crt" "$D/rogue.crt" >/dev/null 2>&1 &&
	openssl verify -CAfile "$D/ca.crt" "$D/client1.crt" >/dev/null 2>&1; then
	ok "throwaway PKI: client1 verifies; 'expired' has expired; 'rogue' has an unknown issuer"
else
	not_ok "throwaway PKI: client1 good, 'expired' expired, 'rogue' foreign" \
		"$(openssl x509 -in "$D/expired.crt" -noout -dates 2>&1)"
	ft_finish
fi

ovpn_tls_conf "max_peers = 64;" '
	data_ciphers = "AES-256-GCM";
	keepalive_interval = 10;
	keepalive_timeout = 60;'

ovpn_tls_up "starts on taps $IFP (public) and $IFL (lan)" || ft_finish

# --- a, b: refused certificates -----------------------------------------------------------------
# refused TAG DESC CLIENT_REGEX GW_REGEX: a client with DIR/TAG.crt must fail its TLS handshake.
refused() {
	local tag=$1 desc=$2 cre=$3 gre=$4 clog=$D/client-$1.log before after
	require_alive "$PFX" "the $desc client"
	snap
	before=$SNAP
	ip netns exec "$NSC" openvpn --client --dev tun --proto udp --remote 198.51.100.1 1194 \
		--nobind \
		--ca "$D/ca.crt" --cert "$D/$tag.crt" --key "$D/$tag.key" --remote-cert-tls server \
		--data-ciphers AES-256-GCM --disable-dco --verb 3 >"$clog" 2>&1 &
	FT_APP_PID[client-$tag]=$!
	if wait_for "$clog" "$cre" 15; then
		ok "$desc: the client logs the TLS failure: $(grep -oE -- "$cre" "$clog" |
			head -n 1)"
	else
		not_ok "$desc: the client logs the TLS failure (/$cre/)" "$(tail -n 8 "$clog")"
	fi
	if wait_for "$(app_log "$PFX")" "session closed: .*($gre)" 5; then
		ok "$desc: the gateway closes the session: $(grep -oE 'session closed: .*' \
			"$(app_log "$PFX")" | tail -n 1)"
	else
		not_ok "$desc: the gateway closes the session (/$gre/)" \
			"$(tail -n 5 "$(app_log "$PFX")")"
	fi
	stop_app "client-$tag"
	sleep 0.3
	snap
	after=$SNAP
	check_cmp "$desc: counted as a failed handshake (tls_failures $(sv tls_failures \
		"$before") -> $(sv tls_failures "$after"))" "$(sv tls_failures "$after")" -gt \
		"$(sv tls_failures "$before")"
	check_eq "$desc: no handshake succeeded (tls_handshakes)" "$(sv tls_handshakes "$before")" \
		"$(sv tls_handshakes "$after")"
	# The refused client keeps sending (acks of the alert) with the still-valid cookie: those
	# are not its first packet after the reset, so they open no half-open session
	# (cookie_not_first).
	check_eq "$desc: no session left behind (tls_sessions)" "$(sv tls_sessions "$before")" \
		"$(sv tls_sessions "$after")"
	check_eq "$desc: no peer was created (/ovpn_gw/peers empty, stats peers 0)" "{} 0" \
		"$(telemetry "$PFX" /ovpn_gw/peers | tr -d ' \n') $(sv peers "$after")"
	check "$desc: the client never completed" bash -c \
		"! grep -q 'Initialization Sequence Completed' '$clog'"
}
# The client logs the gateway's TLS alert ("Received fatal SSL alert: unknown CA" /
# "... certificate expired"); its own "TLS handshake failed" would only follow after 60 s.
refused rogue "client certificate from another CA" \
	'SSL alert: unknown CA|alert unknown ca|SSL alert: bad certificate|TLS handshake failed' \
	'unknown ca|unable to get local issuer|certificate verify failed|certificate'
refused expired "expired client certificate" \
	'SSL alert: certificate expired|alert certificate expired|TLS handshake failed' \
	'expired|certificate verify failed|certificate'

# --- c: flood of spoofed hard resets --------------------------------------------------------------
# The flood's sources exist in the client namespace (the gateway's ARP resolves them); their
# replies are dropped in its input hook, so the kernel sends no port-unreachables back.
for ((i = 0; i < FLOOD_N_SRC; i++)); do
	echo "address add 198.51.100.$((100 + i))/32 dev $IFP"
done | ip -n "$NSC" -batch - || not_ok "flood source addresses in $NSC"
nsc nft -f - <<EOF || not_ok "nft rule dropping the flood's replies in $NSC"
table ip ohflood {
	chain in {
		type filter hook input priority 0;
		ip daddr 198.51.100.100-198.51.100.$((100 + FLOOD_N_SRC - 1)) udp sport 1194 \
			counter drop;
	}
}
EOF

# flood NAME FIRST_INDEX RATE [V3_EVERY]: run the sender, result JSON in $FL (and
# $D/NAME.flood).
flood() {
	nsc "$FT_PY" "$FLOOD" --iface "$IFP" --src-base "$FLOOD_BASE" \
		--src-count "$FLOOD_N_SRC" --count "$N_FLOOD" --first-index "$2" --rate "$3" \
		--v3-every "${4:-10}" >"$D/$1.flood" 2>&1
	FL=$(sed -n 's/^FLOOD //p' "$D/$1.flood")
	[ -n "$FL" ] || FL="{}"
}

# flood_checks NAME BEFORE AFTER LEGIT_PKTS: the stateless-reply accounting of one flood.
flood_checks() {
	local name=$1 b=$2 a=$3 cr took v3d full v2 v3 udp
	cr=$(($(sv cookie_replies "$a") - $(sv cookie_replies "$b")))
	took=$(($(sv ctrl_to_thread "$a") - $(sv ctrl_to_thread "$b")))
	full=$(($(sv ctrl_ring_full "$a") - $(sv ctrl_ring_full "$b")))
	udp=$(($(sv udp_rx "$a") - $(sv udp_rx "$b")))
	v3d=$(($(sv ctrl_wkc_unexpected "$a") - $(sv ctrl_wkc_unexpected "$b") +
		$(sv ctrl_new_session_opcode "$a") - $(sv ctrl_new_session_opcode "$b")))
	v2=$(jget "$FL" v2)
	v3=$(jget "$FL" v3)
	diag "$name: sent $(jget "$FL" sent) ($v2 V2 + $v3 V3) in $(jget "$FL" send_s) s" \
		"($(jget "$FL" offered_pps)/s); control thread took $took, ring full $full;" \
		"cookie_replies +$cr, V3 dropped +$v3d; replies seen $(jget "$FL" replies)" \
		"(bad $(jget "$FL" replies_bad)), last after $(jget "$FL" last_reply_s) s;" \
		"lost before the gateway's UDP input (tap queue):" \
		"$(($(jget "$FL" sent) - udp + $4))"
	check_cmp "$name: each V2 reset the control thread took got one stateless reply\
 (cookie_replies $cr + V3 drops $v3d + the client's $4 ~= taken $took)" \
		$((took - cr - v3d - $4)) -le 5
	check_cmp "$name: ... and no reply without a reset (taken $took >= replies $cr + V3 $v3d)" \
		$((took - cr - v3d)) -ge 0
	check_cmp "$name: every datagram the gateway took went to the control thread or was counted\
 as ring full (udp_rx +$udp ~= taken $took + ring full $full; data packets aside)" \
		$((udp - took - full < 0 ? 99 : udp - took - full)) -le 20
	check_cmp "$name: V3 resets (no tls-crypt-v2) dropped ($v3d of $v3 sent), none answered" \
		"$(jget "$FL" replies_to_v3)" -eq 0
	check_cmp "$name: every reply reached its spoofed source and echoed its session id" \
		"$(jget "$FL" replies)" -ge $((cr - 5))
	check_eq "$name: no malformed reply" 0 "$(jget "$FL" replies_bad)"
}

# Warm-up: one reset from each flood address, so that the gateway has resolved their ARP
# (on-link spoofed sources are this test's artefact; a real flood arrives via one router).
FN=$FLOOD_N_SRC
FLOOD_SAVE=$N_FLOOD
N_FLOOD=$FN
flood warmup 100000000 1000 0
N_FLOOD=$FLOOD_SAVE
check_eq "warm-up: one reset from each of the $FN flood addresses, each answered" "$FN" \
	"$(jget "$FL" replies)"
snap
S0=$SNAP
RSS0=$(rss_kb)
flood flood1 0 "${OVPN_HARDEN_FLOOD_MAX_PPS:-0}"
snap
S1=$SNAP
RSS1=$(rss_kb)
flood_checks "flood (max rate)" "$S0" "$S1" 0
check_eq "flood (max rate): no session and no peer from it (tls_sessions $(sv tls_sessions \
	"$S0") -> $(sv tls_sessions "$S1"), peers 0)" "$(sv tls_sessions "$S0") 0" \
	"$(sv tls_sessions "$S1") $(sv peers "$S1")"
require_alive "$PFX" "the paced flood"
CR1=$(($(sv cookie_replies "$S1") - $(sv cookie_replies "$S0")))
echo "RESULT {\"test\":\"ovpn_harden_flood_max\",\"sent\":$(jget "$FL" sent)," \
	"\"offered_pps\":$(jget "$FL" offered_pps),\"ctrl_taken\":$(($(sv ctrl_to_thread "$S1") - \
	$(sv ctrl_to_thread "$S0"))),\"ring_full\":$(($(sv ctrl_ring_full "$S1") - \
	$(sv ctrl_ring_full "$S0"))),\"cookie_replies\":$CR1," \
	"\"replies_seen\":$(jget "$FL" replies)," \
	"\"absorbed_pps\":$(jget "$FL" absorbed_pps),\"rss_kb_before\":$RSS0," \
	"\"rss_kb_after\":$RSS1}" | tr -d '\n'
echo

# c2: paced flood while the legitimate client connects.
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
data-ciphers AES-256-GCM
disable-dco
verb 3
EOF
snap
S2=$SNAP
RSS2=$(rss_kb)
flood flood2 "$N_FLOOD" "$FLOOD_PPS" &
FPID=$!
sleep 0.3
T0=$SECONDS
ip netns exec "$NSC" openvpn --config "$D/client.conf" >"$D/client-legit.log" 2>&1 &
FT_APP_PID[client-legit]=$!
if wait_for "$D/client-legit.log" "Initialization Sequence Completed" 30; then
	ok "legitimate client completes during the flood ($((SECONDS - T0)) s)"
	kill -0 "$FPID" 2>/dev/null && ok "... while the flood was still running" ||
		diag "the flood had ended before the client completed"
else
	not_ok "legitimate client completes during the flood" "$(tail -n 10 "$D/client-legit.log")"
fi
wait "$FPID"
FL=$(sed -n 's/^FLOOD //p' "$D/flood2.flood")
[ -n "$FL" ] || FL="{}"
sleep 0.5
snap
S3=$SNAP
RSS3=$(rss_kb)
LEGIT=$(($(sv ctrl_to_thread "$S3") - $(sv ctrl_to_thread "$S2") - $(jget "$FL" replies) -
	$(sv ctrl_wkc_unexpected "$S3") + $(sv ctrl_wkc_unexpected "$S2") -
	$(sv ctrl_new_session_opcode "$S3") + $(sv ctrl_new_session_opcode "$S2")))
LEGIT=$((LEGIT < 0 ? 0 : LEGIT))
# The client's own packets: ctrl_to_thread counts them too (at most ~30 for one handshake).
flood_checks "flood (paced, $FLOOD_PPS/s)" "$S2" "$S3" "$((LEGIT > 40 ? 40 : LEGIT))"
if [ "$FLOOD_PPS" != 0 ] && [ "$FLOOD_PPS" -le 20000 ]; then
	check_eq "flood (paced): no packet lost for a full control ring" 0 \
		$(($(sv ctrl_ring_full "$S3") - $(sv ctrl_ring_full "$S2")))
fi
check_eq "ping client -> LAN host through the tunnel after the flood" "0% packet loss" \
	"$(nsc ping -q -c 10 -i 0.05 -W 2 203.0.113.2 2>&1 | grep -o '[0-9.]*% packet loss')"
check_eq "the flood left no state: one more session (the real client's: tls_sessions\
 $(sv tls_sessions "$S2") -> $(sv tls_sessions "$S3")), tls_handshakes 1, peers 1" \
	"$(($(sv tls_sessions "$S2") + 1)) 1 1" \
	"$(sv tls_sessions "$S3") $(sv tls_handshakes "$S3") $(sv peers "$S3")"
check_eq "... and /ovpn_gw/peers lists only client1" "client1" \
	"$("$FT_PY" -c 'import json,sys; print(",".join(v["name"] for v in
		json.loads(sys.argv[1]).values()))' "$(telemetry "$PFX" /ovpn_gw/peers)")"
check_cmp "gateway memory: VmRSS grew < 2 MiB over the paced flood ($RSS2 -> $RSS3 KiB;\
 $RSS0 before the first)" $((RSS3 - RSS2)) -lt 2048
NFT_CNT=$(nsc nft list table ip ohflood | grep -o 'packets [0-9]*' |
	awk '{ s += $2 } END { print s + 0 }')
diag "replies dropped by the namespace's nft rule (both floods): $NFT_CNT"
CR2=$(($(sv cookie_replies "$S3") - $(sv cookie_replies "$S2")))
echo "RESULT {\"test\":\"ovpn_harden_flood_paced\",\"sent\":$(jget "$FL" sent)," \
	"\"offered_pps\":$(jget "$FL" offered_pps),\"cookie_replies\":$CR2," \
	"\"replies_seen\":$(jget "$FL" replies),\"absorbed_pps\":$(jget "$FL" absorbed_pps)," \
	"\"legit_client_ok\":$(grep -q 'Initialization Sequence Completed' \
	"$D/client-legit.log" && echo true || echo false),\"tls_sessions_after\":$(sv \
	tls_sessions "$S3"),\"rss_kb_before\":$RSS2,\"rss_kb_after\":$RSS3}" | tr -d '\n'
echo
stop_app client-legit
stop_app tcpsrv
stop_app "$PFX"
check_eq "dpdk-ovpn-gw exits 0 on SIGTERM" 0 "${FT_APP_RC[$PFX]}"
ft_finish
