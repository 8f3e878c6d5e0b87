#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Two fasttcp-echo processes joined by vhost-user:
#
#   server: echo server, lcore 0, 203.0.113.1/24, port type "vhost" (creates the socket)
#   client: client mode, lcore 1, 203.0.113.2/24, port type "virtio_user" (connects to it)
#
# The client runs --ping and --udp phases of 1000 requests and must exit 0 with a RESULT line
# saying "pass":true. The server starts first because it creates the vhost-user socket.
#
# Memory: the vhost backend maps the virtio-user side's memory through file descriptors, so
# both processes need fd-backed hugepage memory; --no-huge does not work. What works (tested on
# DPDK 22.11): -m 128 --in-memory --single-file-segments. --in-memory keeps the hugepage files
# off /dev/hugepages (memfd), and --single-file-segments is needed because vhost-user accepts at
# most 8 memory regions and one fd per 2 MB page would exceed that ("Too many memory regions").
# Without enough free hugepages the test prints "ok - # SKIP" and passes. --in-memory also
# means there is no telemetry socket: counters come from the final counters printed on SIGTERM.
#
# Usage: tests/integration/vhost.sh   (as root; needs build-int, see lib.sh)

. "$(dirname "$0")/lib.sh"
ft_init vhost

UID_=$(ft_uid)
SRV=ftit-vsrv$UID_
CLI=ftit-vcli$UID_
SOCK=$FT_RUN_DIR/vhost.sock
MEM_MB=${FT_VHOST_MEM_MB:-128}
EAL=(-m "$MEM_MB" --in-memory --single-file-segments --no-pci)

cat >"$FT_RUN_DIR/server.conf" <<EOF
stack = {
	mbufs = 8191;
	ports = ( { name = "v0"; type = "vhost"; path = "$SOCK"; address = "203.0.113.1/24"; } );
};
echo = { udp_port = 7; };
EOF
cat >"$FT_RUN_DIR/client.conf" <<EOF
stack = {
	mbufs = 8191;
	ports = ( { name = "v0"; type = "virtio_user"; path = "$SOCK";
		    address = "203.0.113.2/24"; } );
};
EOF

# no_memory LOG: true if the log shows EAL could not get (hugepage) memory.
no_memory() {
	grep -qiE 'cannot init memory|cannot get hugepage|not enough memory|no available hugepages|cannot allocate memzone|couldn.t get hugepage' "$1"
}

# final_drops LOG: "reason=count" for each drop in the final counters, space-separated.
final_drops() {
	awk '$1 == "drop" { printf "%s%s=%s", sep, $2, $3; sep = " " }' "$1"
}

NEED_MB=$((2 * MEM_MB))
FREE_MB=$(hugepages_free_mb)
if [ "${FREE_MB:-0}" -lt "$NEED_MB" ]; then
	skip "vhost: no hugepages (${FREE_MB:-0} MB free, two processes need $NEED_MB MB)"
	ft_finish
fi
diag "hugepages: $FREE_MB MB free, using $MEM_MB MB per process"

if ! start_app "$SRV" "$FT_RUN_DIR/server.conf" "${EAL[@]}" -l 0; then
	if no_memory "$(app_log "$SRV")"; then
		skip "vhost: no hugepages (the server could not get $MEM_MB MB)"
		ft_finish
	fi
	not_ok "vhost server starts (lcore 0, 203.0.113.1)"
	ft_finish
fi
ok "vhost server starts (lcore 0, 203.0.113.1)"
if [ -S "$SOCK" ]; then
	ok "vhost server created its socket in the run directory"
else
	not_ok "vhost server created its socket in the run directory" "no socket at $SOCK"
fi

run_app "$CLI" "$FT_RUN_DIR/client.conf" 60 "${EAL[@]}" -l 1 -- --ping 203.0.113.1 \
	--udp 203.0.113.1:7 --count 1000 --timeout-ms 10000
RC=$?
CLOG=$(app_log "$CLI")
if [ "$RC" -ne 0 ] && no_memory "$CLOG"; then
	skip "vhost: no hugepages (the client could not get $MEM_MB MB)"
	ft_finish
fi
RES=$(grep '^RESULT ' "$CLOG" | tail -n 1)
diag "$CLI: ${RES:-no RESULT line}"
if [ "$RC" -eq 0 ]; then
	ok "virtio_user client (ping+udp x1000) exits 0"
else
	not_ok "virtio_user client (ping+udp x1000) exits 0" "exit status $RC (logs below)"
fi
if echo "$RES" | grep -q '"pass":true'; then
	ok "virtio_user client: RESULT line says \"pass\":true"
else
	not_ok "virtio_user client: RESULT line says \"pass\":true" "${RES:-no RESULT line}"
fi

if app_alive "$SRV"; then ok "vhost server still running"; else not_ok "vhost server still running"; fi
stop_app "$SRV"
check_eq "vhost server exits 0 on SIGTERM" 0 "${FT_APP_RC[$SRV]}"
SLOG=$(app_log "$SRV")
DROPS=$(final_drops "$SLOG")
diag "server final drops: ${DROPS:-none}; client final drops: $(final_drops "$CLOG")"
# Datagrams from virtio_user carry a partial (pseudo-header) UDP checksum and the vhost PMD
# flags them RTE_MBUF_F_RX_L4_CKSUM_NONE ("checksum not in the packet, data verified"):
# a correct receiver accepts them.
UDP_CSUM=$(echo " $DROPS" | grep -o ' udp_csum=[0-9]*' | cut -d= -f2)
check_eq "vhost server: no udp_csum drops for virtio_user's checksum-offloaded datagrams" \
	0 "${UDP_CSUM:-0}"
UNEXPECTED=$(echo "$DROPS" | tr ' ' '\n' | grep -vE '^(tx_full|arp_queue_full|arp_not_us)=' | tr '\n' ' ')
check_eq "vhost server: no drops other than start-up tx_full/arp_queue_full/arp_not_us" "" \
	"${UNEXPECTED% }"
ft_finish
