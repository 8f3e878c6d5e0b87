#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Renegotiation (soft resets) between a STOCK openvpn 2.6 client and dpdk-ovpn-gw's control
# channel during continuous traffic (openvpn-protocol.md §7; apps/dpdk-ovpn-gw/rekey.c):
#
#   namespace CLI 198.51.100.2 --tap-- public 198.51.100.1:1194 [dpdk-ovpn-gw] lan 203.0.113.1
#     openvpn --client (tun)                                              |  tap
#                                                            namespace LAN 203.0.113.2
#                                                              tcp server :5001 (SHA-256)
#
# The gateway runs with reneg_sec = 10 (server-initiated soft resets every 9..10 s).
#   A. server-initiated: a client with the default reneg-sec (3600) sends a paced TCP stream
#      for OVPN_RENEG_A_S (32) s: >= 3 renegotiations (gateway counters, the client's log:
#      one "Outgoing Data Channel: Cipher" per key), key_id 1, 2, 3 in order, the stream's
#      SHA-256 intact, no data-channel authentication failure or unknown key on either side,
#      ping after the rekeys;
#   B. client-initiated: a client with reneg-sec 4 (it resets before the gateway) and a paced
#      stream for OVPN_RENEG_B_S (16) s: >= 3 soft resets started by the client, the same
#      checks.
# The client's own deferred TX switch (2.6 keeps sending on the old key for up to
# min(hand-window, reneg-sec / 2) after a reset, §7.3) is covered by phase B's 2 s window:
# the gateway must decrypt on the lame duck meanwhile.
#
# Usage: tests/integration/ovpn_reneg.sh   (as root; FT_BUILD must hold apps/dpdk-ovpn-gw;
# apt-get -y install openvpn). About 75 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ovpn_topo.sh"
. "$(dirname "$0")/../../scripts/pki.sh"
FT_APP=$FT_BUILD/apps/dpdk-ovpn-gw/dpdk-ovpn-gw
ft_init ovpn_reneg

UID_=$(ft_uid)
IFP=orp$UID_
IFL=orl$UID_
NSC=or-c$UID_
NSL=or-l$UID_
PFX=or-$UID_
HELPER=$FT_IT_DIR/ovpn_static_client.py
D=$FT_RUN_DIR
CONF=$D/gw.conf
A_S=${OVPN_RENEG_A_S:-32}
B_S=${OVPN_RENEG_B_S:-16}
RATE=${OVPN_RENEG_RATE_KBS:-4096} # paced stream, KiB/s
if [ "$(nproc)" -ge 2 ]; then LCORE=1; else LCORE=0; fi
EAL=(--no-huge -m 512 --no-pci -l "${OVPN_RENEG_LCORES:-$LCORE}")

nsc() { ip netns exec "$NSC" "$@"; }

ft_require_openvpn

# tel CMD [KEY...]: one (nested) value of a gateway telemetry command.
tel() { tel_get "$PFX" "$@"; }

# paced_stream SECONDS OUT: from the client namespace, send RATE KiB/s of random bytes to the
# LAN host's tcp server for SECONDS; OUT gets "ok <bytes> <secs>" when the server's SHA-256
# matches, else "bad ...".
paced_stream() {
	timeout -k 5 $(($1 + 60)) ip netns exec "$NSC" "$FT_PY" - "$1" "$RATE" >"$2" 2>&1 <<'PY'
import hashlib, os, socket, sys, time
dur, rate = float(sys.argv[1]), int(sys.argv[2]) * 1024
chunk = rate // 20
h, n = hashlib.sha256(), 0
c = socket.create_connection(("203.0.113.2", 5001), timeout=30)
t0 = time.monotonic()
while time.monotonic() - t0 < dur:
    d = os.urandom(chunk)
    c.sendall(d)
    h.update(d)
    n += len(d)
    late = t0 + n / rate - time.monotonic()
    if late > 0:
        time.sleep(late)
c.shutdown(socket.SHUT_WR)
ans = b""
while not ans.endswith(b"\n"):
    d = c.recv(4096)
    if not d:
        break
    ans += d
f = ans.decode().split()
good = len(f) == 3 and int(f[0]) == n and f[1] == h.hexdigest()
print("%s %d %.1f %s" % ("ok" if good else "bad", n, time.monotonic() - t0, ans.decode().strip()))
PY
}

# --- throwaway PKI, gateway, namespaces ---------------------------------------------------------
if ! { pki_ca "$D" ca "ovpn_reneg CA" && pki_cert "$D" ca server serverAuth &&
	pki_cert "$D" ca client1 clientAuth; } >"$D/pki.log" 2>&1; then
	not_ok "throwaway CA, server and client certificates (openssl CLI)" "$(cat "$D/pki.log")"
	ft_finish
fi
ok "throwaway CA, server and client certificates (openssl CLI)"

ovpn_tls_conf "max_peers = 16; status_file = \"$D/status\"; status_interval_s = 1;" '
	data_ciphers = "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305";
	keepalive_interval = 10;
	keepalive_timeout = 60;
	reneg_sec = 10;'

ovpn_tls_up "starts with reneg_sec = 10" || ft_finish

# Data-channel failures in the client's log (2.6 crypto.c, ssl.c).
CLIENT_ERRS="Authenticate/Decrypt packet error|AEAD Decrypt error|keys are out of sync|may be a replay"

# Data-channel failures on the gateway: tags that did not verify, packets for a key it no
# longer (or not yet) has.
gw_bad() {
	echo $(($(tel /ovpn_gw/drops auth_fail) + $(tel /ovpn_gw/drops unknown_key)))
}

# --- one phase: client, paced stream, checks ------------------------------------------------------
# run_phase TAG SECONDS WANT_COUNTER [CLIENT OPTION LINES]
run_phase() {
	local tag=$1 secs=$2 ctr=$3 extra=${4:-} clog=$D/client-$1.log out ok0 c0 keys bad ping
	local glog line0 ids
	require_alive "$PFX" "phase $tag"
	glog=$(app_log "$PFX")
	line0=$(wc -l <"$glog")
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
disable-dco
explicit-exit-notify 1
verb 4
$extra
EOF
	ip netns exec "$NSC" openvpn --config "$D/client-$tag.conf" >"$clog" 2>&1 &
	FT_APP_PID[client-$tag]=$!
	if ! wait_for "$clog" "Initialization Sequence Completed" 20; then
		not_ok "$tag: openvpn client connects" "$(tail -n 20 "$clog")"
		stop_app client-"$tag"
		return
	fi
	ok "$tag: stock openvpn client connects"
	ok0=$(tel /ovpn_gw/drops renegotiations_ok)
	c0=$(tel /ovpn_gw/drops "$ctr")
	paced_stream "$secs" "$D/stream-$tag.out"
	out=$(cat "$D/stream-$tag.out")
	if [[ $out == ok* ]]; then
		set -- $out
		ok "$tag: $2 bytes of TCP over ${3} s through the rekeys, SHA-256 intact" \
			"($((${2} / 1024 / ${3%.*})) KiB/s)"
	else
		not_ok "$tag: paced TCP stream through the rekeys, SHA-256 intact" "$out"
	fi
	check_cmp "$tag: gateway renegotiations (renegotiations_ok $ok0 -> now)" \
		"$(($(tel /ovpn_gw/drops renegotiations_ok) - ok0))" -ge 3
	check_cmp "$tag: ... started the expected way ($ctr)" \
		"$(($(tel /ovpn_gw/drops "$ctr") - c0))" -ge 3
	keys=$(grep -c "Outgoing Data Channel: Cipher" "$clog")
	check_cmp "$tag: the client installed a new data key each time ($keys keys)" "$keys" -ge 4
	ids=$(tail -n +"$((line0 + 1))" "$glog" | grep -o 'renegotiated key_id [0-9]' |
		awk '{printf "%s ", $3}')
	check_eq "$tag: key_id sequence of this session's renegotiations" "1 2 3" \
		"$(echo "$ids" | cut -d' ' -f1-3)"
	check_eq "$tag: no renegotiation failed (renegotiations_failed)" 0 \
		"$(tel /ovpn_gw/drops renegotiations_failed)"
	check_eq "$tag: gateway data drops auth_fail + unknown_key" 0 "$(gw_bad)"
	bad=$(grep -cE "$CLIENT_ERRS" "$clog")
	check_eq "$tag: client decrypt errors / key out of sync" 0 "$bad"
	ping=$(nsc ping -q -c 10 -i 0.1 -W 2 203.0.113.2 2>&1 | grep -o '[0-9.]*% packet loss')
	check_eq "$tag: ping through the tunnel after the rekeys ($ping)" "0% packet loss" "$ping"
	check_cmp "$tag: telemetry counts the peer's rekeys (peer0 rekeys)" \
		"$(tel /ovpn_gw/peers peer0 rekeys)" -ge 3
	diag "$tag: gateway: $(grep -E 'renegotiated key_id' "$glog" | tail -n 1)"
	diag "$tag: gateway drops so far: $(telemetry "$PFX" /ovpn_gw/drops |
		grep -oE '"[a-z_0-9]+": [1-9][0-9]*' | grep -vE 'reneg|key_swaps|tls_|cookie' |
		tr '\n' ' ')"
	stop_app client-"$tag"
	sleep 0.5
}

run_phase server "$A_S" reneg_server_time
run_phase client "$B_S" reneg_client "reneg-sec 4"

check_eq "key swaps = renegotiations (key_swaps)" "$(tel /ovpn_gw/drops renegotiations_ok)" \
	"$(tel /ovpn_gw/drops key_swaps)"
check_eq "no control packet with a key_id out of sync (ctrl_wrong_key_id)" 0 \
	"$(tel /ovpn_gw/drops ctrl_wrong_key_id)"
diag "gateway renegotiation counters: $(telemetry "$PFX" /ovpn_gw/drops |
	grep -oE '"(reneg[a-z_]*|key_swaps|lame_ducks_expired)": [0-9]+' | tr '\n' ' ')"
stop_app tcpsrv
stop_app "$PFX"
check_eq "dpdk-ovpn-gw exits 0 on SIGTERM" 0 "${FT_APP_RC[$PFX]}"
ft_finish
