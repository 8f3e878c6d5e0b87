#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Packets made by a REAL openvpn 2.6 decrypt with our data path (issue 5). A stock openvpn
# server and client run in two namespaces joined by a veth pair; the UDP datagrams between them
# are captured; the data-channel keys are taken from openvpn's own log; and every P_DATA_V2
# packet, both directions, goes through the gateway's decap, ovpn_data_decap_burst() (peer by
# peer-id, key slot built from key2 by keys.h, replay window, AEAD burst open, ping and IP
# classification), in tests/ovpn/ovpn_decrypt_tool, whose output is then checked.
#
#   ns ovc-s<uid>: openvpn server 198.51.100.1:11194, tun 10.66.0.1 --veth-- ns ovc-c<uid>:
#   openvpn client 198.51.100.2, tun 10.66.0.2 (pushed)
#
# Per cipher (AES-128-GCM, AES-256-GCM, CHACHA20-POLY1305; the client offers only that one,
# the server the full 2.6 default list, so NCP picks it):
#   1. capture UDP port 11194 on the server's veth (ovpn_capture_sniff.py, a raw socket);
#   2. start the server, then the client, both --verb 9 --disable-dco, server keepalive 1 10;
#   3. once the client is up, idle 1.5 s (keepalive pings both ways), then
#      ping -c 5 -p a5c3f00d 10.66.0.1 through the tunnel;
#   4. keys (ovpn_capture_keys.py): the verb-7 "Data Channel: CIPHER KEY" lines give the keys,
#      the verb-9 "ENCRYPT IV" lines the implicit IVs; they are assembled into key2 (§4.1). The
#      client's TLS library also logs its TLS 1.3 exporter secret (an LD_PRELOAD key-log shim,
#      built here if a C compiler and OpenSSL headers exist), from which key2 is recomputed as
#      openvpn does (§4.2) and compared;
#   5. decap (ovpn_decrypt_tool, OpenSSL backend) and judge (ovpn_capture_check.py): all
#      authenticate, counters agree, ids 1..n, peer-id/key_id 0, the echo requests and replies
#      carry the pattern, keepalive pings get PING verdicts, every plaintext is what the sender
#      logged before encrypting it; the IPsec-MB backend must print the same; negative
#      controls: one flipped ciphertext bit, or the other direction's key, and every packet
#      fails as auth_fail.
#
# Needs root, openvpn (installed with apt-get if missing; the test is skipped only if that
# fails), /usr/bin/python3, and the tool: FT_BUILD (default build-int) must hold
# tests/ovpn/ovpn_decrypt_tool. Cleanup (lib.sh trap) stops openvpn and the sniffer and
# deletes the namespaces. Takes about 15 s.
#
# Usage: tests/integration/ovpn_capture.sh   (as root)

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../scripts/pki.sh"
# ft_init checks that FT_APP exists; here that is the decrypt tool, not fasttcp-echo.
FT_APP=$FT_BUILD/tests/ovpn/ovpn_decrypt_tool
TOOL=$FT_APP
ft_init ovpn_capture

CIPHERS=(AES-128-GCM AES-256-GCM CHACHA20-POLY1305)
SERVER_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305
UID_=$(ft_uid)
NS_S=ovc-s$UID_
NS_C=ovc-c$UID_
IF_S=ovs$UID_
IF_C=ovc$UID_
S_IP=198.51.100.1
C_IP=198.51.100.2
PORT=11194
TUN_S=10.66.0.1
TUN_C=10.66.0.2
PATTERN=a5c3f00d
NPING=5
D=$FT_RUN_DIR

# --- openvpn ---------------------------------------------------------------------------------

ft_require_openvpn

# --- throwaway PKI (openvpn-protocol.md §10.1) -----------------------------------------------

make_pki() {
	pki_ca "$D" ca "ovpn_capture CA" &&
	pki_cert "$D" ca server serverAuth &&
	pki_cert "$D" ca client clientAuth
}
if ! make_pki >"$D/pki.log" 2>&1; then
	not_ok "throwaway CA, server and client certificates (openssl CLI)" "$(cat "$D/pki.log")"
	ft_finish
fi
ok "throwaway CA, server and client certificates (openssl CLI)"

# --- TLS key-log shim (optional independent check of the keys) --------------------------------

# openvpn does not log its TLS secrets. This LD_PRELOAD shim wraps SSL_new() to install
# OpenSSL's key-log callback on the context, appending NSS key-log lines to $OVC_KEYLOG; the
# EXPORTER_SECRET line lets ovpn_capture_keys.py recompute key2 from the TLS exporter.
SHIM=$D/keylog.so
cat >"$D/keylog.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <openssl/ssl.h>

static void keylog(const SSL *ssl, const char *line)
{
	const char *path = getenv("OVC_KEYLOG");
	FILE *f = path != NULL ? fopen(path, "a") : NULL;

	(void)ssl;
	if (f != NULL) {
		fprintf(f, "%s\n", line);
		fclose(f);
	}
}

SSL *SSL_new(SSL_CTX *ctx)
{
	SSL *(*real)(SSL_CTX *) = (SSL *(*)(SSL_CTX *))dlsym(RTLD_NEXT, "SSL_new");

	SSL_CTX_set_keylog_callback(ctx, keylog);
	return real(ctx);
}
EOF
if ! ${CC:-cc} -shared -fPIC -o "$SHIM" "$D/keylog.c" -ldl -lssl >"$D/shim.log" 2>&1; then
	diag "no key-log shim (needs a C compiler and libssl-dev): $(head -n 1 "$D/shim.log")"
	SHIM=
fi

# --- namespaces ------------------------------------------------------------------------------

make_netns "$NS_S" && make_netns "$NS_C" &&
	ip link add "$IF_S" type veth peer name "$IF_C" &&
	register_iface "$IF_S" &&
	ip link set "$IF_S" netns "$NS_S" && ip link set "$IF_C" netns "$NS_C" &&
	ip -n "$NS_S" addr add "$S_IP/24" dev "$IF_S" && ip -n "$NS_S" link set "$IF_S" up &&
	ip -n "$NS_C" addr add "$C_IP/24" dev "$IF_C" && ip -n "$NS_C" link set "$IF_C" up &&
	ip -n "$NS_S" link set lo up && ip -n "$NS_C" link set lo up
check_eq "namespaces $NS_S and $NS_C joined by a veth pair" 0 $?

# --- helpers ---------------------------------------------------------------------------------

# start_bg NAME CMD...: start CMD in the background as FT_APP_PID[NAME] (lib.sh stops it).
# CMD must be a program, not a shell function, so that $! is its PID; "ip netns exec" execs
# the program after setns, so the PID is openvpn's or the sniffer's own.
start_bg() {
	local name=$1
	shift
	"$@" >"$D/$name.out" 2>&1 &
	FT_APP_PID[$name]=$!
}

# wait_for FILE TEXT SECONDS: wait until FILE contains TEXT (or, TEXT empty, exists).
wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		if [ -z "$2" ]; then
			[ -e "$1" ] && return 0
		else
			grep -q -- "$2" "$1" 2>/dev/null && return 0
		fi
		sleep 0.1
	done
	return 1
}

server_args() {
	echo --dev tun --proto udp --port "$PORT" --topology subnet \
		--server 10.66.0.0 255.255.255.0 --ca "$D/ca.crt" --cert "$D/server.crt" \
		--key "$D/server.key" --dh none --keepalive 1 10 --data-ciphers "$SERVER_CIPHERS" \
		--disable-dco --verb 9 --log "$1"
}

client_args() {
	echo --client --dev tun --proto udp --remote "$S_IP" "$PORT" --nobind \
		--ca "$D/ca.crt" --cert "$D/client.crt" --key "$D/client.key" \
		--remote-cert-tls server --data-ciphers "$2" --disable-dco --verb 9 --log "$1"
}

# stop_run TAG: stop one cipher's client, server and capture (SIGTERM, lib.sh stop_app).
stop_run() {
	stop_app client-"$1"
	stop_app server-"$1"
	stop_app sniff-"$1"
}

# tool_summary FILE: the tool's "summary ..." line.
tool_summary() {
	grep '^summary ' "$1"
}

# --- one cipher ------------------------------------------------------------------------------

run_cipher() {
	local c=$1 tag=${1,,} slog clog cap key2 keylog out rc s n_c2s n_s2c n_auth want shim_env=()
	slog=$D/server-$tag.log
	clog=$D/client-$tag.log
	cap=$D/cap-$tag.txt
	key2=$D/key2-$tag.hex
	keylog=$D/keylog-$tag.txt
	out=$D/dec-$tag.txt
	diag "--- $c"

	# 1-2. capture, server, client (the client keys its TLS session after the capture began).
	start_bg sniff-"$tag" ip netns exec "$NS_S" "$FT_PY" "$FT_IT_DIR/ovpn_capture_sniff.py" \
		"$IF_S" "$PORT" "$cap" "$D/sniff-$tag.ready"
	if ! wait_for "$D/sniff-$tag.ready" "" 5; then
		not_ok "$c: capture starts" "$(cat "$D/sniff-$tag.out")"
		return
	fi
	# shellcheck disable=SC2046 # word splitting of the argument lists is intended
	start_bg server-"$tag" ip netns exec "$NS_S" openvpn $(server_args "$slog")
	if ! wait_for "$slog" "Initialization Sequence Completed" 10; then
		not_ok "$c: openvpn server starts" "$(tail -n 5 "$slog" 2>&1)"
		stop_run "$tag"
		return
	fi
	[ -n "$SHIM" ] && shim_env=(env "LD_PRELOAD=$SHIM" "OVC_KEYLOG=$keylog")
	# shellcheck disable=SC2046
	start_bg client-"$tag" ip netns exec "$NS_C" "${shim_env[@]}" openvpn \
		$(client_args "$clog" "$c")
	if ! wait_for "$clog" "Initialization Sequence Completed" 15; then
		not_ok "$c: openvpn client connects" \
			"$(grep -E 'ERROR|error|TLS' "$clog" | tail -n 5)"
		stop_run "$tag"
		return
	fi
	check "$c: client connected with cipher $c and peer-id (P_DATA_V2)" \
		grep -q "Data Channel: cipher '$c', peer-id: 0" "$clog"

	# 3. idle for keepalives, then the pattern pings.
	sleep 1.5
	check "$c: ping -c $NPING -p $PATTERN through the tunnel" \
		ip netns exec "$NS_C" ping -q -c "$NPING" -i 0.2 -W 2 -p "$PATTERN" "$TUN_S"
	sleep 0.2
	stop_run "$tag"
	diag "$c: $(cat "$D/sniff-$tag.out")"

	# 4. keys from openvpn's logs (and from the TLS exporter when the shim ran).
	[ -n "$SHIM" ] || keylog=
	# shellcheck disable=SC2086 # an empty $keylog means "no key log"
	if ! tap_run "$FT_PY" "$FT_IT_DIR/ovpn_capture_keys.py" "$c" "$clog" "$slog" "$key2" \
		$keylog; then
		return
	fi
	[ -n "$SHIM" ] || skip "$c: key2 from the TLS exporter (no key-log shim)"

	# 5. decrypt every P_DATA_V2 packet (first byte 0x48..0x4f) with our code, and judge.
	grep -E '^(c2s|s2c) [0-9.:]+ 4[89a-f]' "$cap" >"$D/data-$tag.txt"
	diag "$c: $(wc -l <"$cap") datagrams captured, $(wc -l <"$D/data-$tag.txt") P_DATA_V2"
	"$TOOL" --cipher "$c" --key2 "$(cat "$key2")" <"$D/data-$tag.txt" >"$out" 2>"$out.err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		not_ok "$c: ovpn_decrypt_tool runs" "exit $rc: $(cat "$out.err")"
		return
	fi
	tap_run "$FT_PY" "$FT_IT_DIR/ovpn_capture_check.py" "$c" "$out" "$PATTERN" "$NPING" \
		"$TUN_C" "$TUN_S" "$clog" "$slog"

	# The same packets through the IPsec-MB backend: identical output.
	if "$TOOL" --cipher "$c" --key2 "$(cat "$key2")" --backend ipsec-mb \
		<"$D/data-$tag.txt" >"$out.mb" 2>"$out.mb.err"; then
		check "$c: the ipsec-mb backend decrypts the same plaintexts" cmp "$out" "$out.mb"
	else
		skip "$c: ipsec-mb backend unavailable: $(head -n 1 "$out.mb.err")"
	fi

	# Negative controls: a flipped ciphertext bit, or the other direction's key. Every packet
	# must be dropped as auth_fail (and nothing else: the key slot was found, the ids were new).
	n_c2s=$(grep -c '^c2s' "$D/data-$tag.txt")
	n_s2c=$(grep -c '^s2c' "$D/data-$tag.txt")
	want="summary c2s_ok=0 c2s_fail=$n_c2s s2c_ok=0 s2c_fail=$n_s2c"
	want+=" auth_fail=$((n_c2s + n_s2c))"
	for s in tamper swap-dirs; do
		"$TOOL" --cipher "$c" --key2 "$(cat "$key2")" --"$s" <"$D/data-$tag.txt" \
			>"$out.$s" 2>&1
		n_auth=$(grep -c ' fail auth_fail$' "$out.$s")
		check_eq "$c: --$s: every packet fails tag verification (auth_fail)" "$want" \
			"$(tool_summary "$out.$s") auth_fail=$n_auth"
	done
}

for c in "${CIPHERS[@]}"; do
	run_cipher "$c"
done

ft_finish
