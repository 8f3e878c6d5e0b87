#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Two fasttcp-echo processes joined by memif (shared memory, works with --no-huge):
#
#   server: echo server, lcore 0, 203.0.113.1/24, memif role "server" (creates the socket)
#   client: client mode, lcore 1, 203.0.113.2/24, memif role "client"
#
# The client runs --ping and --udp phases of 1000 requests and must exit 0 with a RESULT line
# saying "pass":true; a second client run with 1900-byte payloads makes both stacks fragment
# and reassemble; a --size beyond one mbuf must be refused on the command line.
# The memif control socket is named after a path in the run directory.
#
# EAL: no --vdev (the app creates the device from its config), --no-huge -m 256 --no-pci, one
# lcore and a distinct --file-prefix per process. memif allocates its shared regions with
# memfd itself, so --no-huge needs neither --in-memory nor hugepages.
#
# Usage: tests/integration/memif.sh   (as root; needs build-int, see lib.sh)

. "$(dirname "$0")/lib.sh"
ft_init memif

UID_=$(ft_uid)
SRV=ftit-msrv$UID_
CLI=ftit-mcli$UID_
SOCK=$FT_RUN_DIR/memif.sock
EAL=(--no-huge -m 256 --no-pci)

cat >"$FT_RUN_DIR/server.conf" <<EOF
stack = {
	mbufs = 8191;
	ports = ( { name = "m0"; type = "memif"; socket = "$SOCK"; role = "server";
		    address = "203.0.113.1/24"; } );
};
echo = { udp_port = 7; };
EOF
cat >"$FT_RUN_DIR/client.conf" <<EOF
stack = {
	mbufs = 8191;
	ports = ( { name = "m0"; type = "memif"; socket = "$SOCK"; role = "client";
		    address = "203.0.113.2/24"; } );
};
EOF

# client_run NAME DESC APP-ARGS...: run the client and check its exit status and RESULT.
client_run() {
	local name=$1 desc=$2 rc res
	shift 2
	run_app "$name" "$FT_RUN_DIR/client.conf" 60 "${EAL[@]}" -l 1 -- "$@"
	rc=$?
	res=$(grep '^RESULT ' "$(app_log "$name")" | tail -n 1)
	diag "$name: ${res:-no RESULT line}"
	if [ "$rc" -eq 0 ]; then
		ok "$desc: client exits 0"
	else
		not_ok "$desc: client exits 0" "exit status $rc (log: see below)"
	fi
	if echo "$res" | grep -q '"pass":true'; then
		ok "$desc: RESULT line says \"pass\":true"
	else
		not_ok "$desc: RESULT line says \"pass\":true" "${res:-no RESULT line}"
	fi
}

# drops_clean PREFIX: no drop outside the link-level start-up ones (tx_full while the memif
# link is still down, ARP queue overflow while the first request is resolved).
drops_clean() {
	telemetry "$1" /fasttcp/drops | "$FT_PY" -c '
import json, sys
expected = {"tx_full", "arp_queue_full"}
bad = {k: v for k, v in json.load(sys.stdin).items() if v and k not in expected}
print(json.dumps(bad) if bad else "")'
}

if ! start_app "$SRV" "$FT_RUN_DIR/server.conf" "${EAL[@]}" -l 0; then
	not_ok "memif server starts (lcore 0, 203.0.113.1)"
	ft_finish
fi
ok "memif server starts (lcore 0, 203.0.113.1)"
# DPDK 22.11 net_memif defaults to socket-abstract=yes: the "path" then names an abstract
# Unix socket (ss shows "@path") and no file appears. Either form is accepted here.
LISTEN=$(ss -xlH 2>/dev/null | awk -v p="$SOCK" '$5 == p || $5 == "@" p { print $5 }' | head -n 1)
if [ -n "$LISTEN" ]; then
	ok "memif server listens on its control socket"
	[ "${LISTEN:0:1}" = "@" ] && diag "memif socket is abstract ($LISTEN): no file in the run directory"
else
	not_ok "memif server listens on its control socket" "$(ss -xl | grep -i memif)"
fi

client_run "$CLI" "ping+udp x1000" --ping 203.0.113.1 --udp 203.0.113.1:7 --count 1000 \
	--timeout-ms 20000
# 1900-byte payloads (the largest --size) exceed the 1500-byte MTU: both stacks fragment and
# reassemble.
client_run "${CLI}f" "ping+udp x200, 1900 bytes (fragmented both ways)" --ping 203.0.113.1 \
	--udp 203.0.113.1:7 --count 200 --size 1900 --timeout-ms 20000
# A size beyond one mbuf is refused on the command line (exit 2), before EAL starts.
"$FT_APP" -- -c "$FT_RUN_DIR/client.conf" --ping 203.0.113.1 --size 3000 >/dev/null 2>&1
check_eq "--size 3000 (beyond one mbuf) is refused with exit status 2" 2 "$?"

ST=$(telemetry "$SRV" /fasttcp/stats)
check_cmp "server answered every echo request ($(jget "$ST" icmp_echo_rx) >= 1200)" \
	"$(jget "$ST" icmp_echo_rx)" -ge 1200
check_cmp "server echoed every UDP datagram ($(jget "$ST" udp_rx) >= 1200)" \
	"$(jget "$ST" udp_rx)" -ge 1200
check_cmp "server reassembled the 1900-byte requests ($(jget "$ST" ip_reassembled) >= 400)" \
	"$(jget "$ST" ip_reassembled)" -ge 400
BAD=$(drops_clean "$SRV")
check_eq "server: no drops other than start-up tx_full/arp_queue_full" "" "$BAD"

if app_alive "$SRV"; then ok "memif server still running"; else not_ok "memif server still running"; fi
stop_app "$SRV"
check_eq "memif server exits 0 on SIGTERM" 0 "${FT_APP_RC[$SRV]}"
ft_finish
