#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# libfasttcp TCP against itself over an impaired wire: fasttcp-bench runs a client and a
# server stack on two lcores of one process, joined by the in-process ring pair whose
# impairment stage (src/port/impair.c) drops, reorders, duplicates and delays packets, in
# both directions (data and ACKs). Each case is one bulk transfer; it passes when the bench
# exits 0 and its RESULT line says "sha256_ok":true (the server checked every byte and both
# ends' SHA-256 agree) and, for an impaired case, the impairer really did something.
#
# Cases (small, so that the script stays quick even with a slow loss recovery):
#   clean 32 MiB; 1% loss 32 MiB; 3% reordering 32 MiB; 1% duplication 32 MiB;
#   burst loss (Gilbert-Elliott p 0.5%, r 50%: bursts of 2 on average) 8 MiB;
#   100 Mbit/s with 2 ms +- 0.5 ms 8 MiB;
#   4 streams under 1% loss, 4 MiB each; 5% loss + 3% reordering + 20 ms delay, 2 MiB;
#   and a bad option, which must exit with status 2.
# Then the other workloads, clean wire (exit status and their key RESULT fields): rr (100
# connections, 2 s), crr (64 slots, 2 s: no failure, no exhausted port, every connection block
# back at the end) and idle (10000 connections: all up, no heap growth while opening them,
# server bytes per connection).
# Every RESULT line is printed as a "# RESULT {json}" comment. Longer bursts (r = 20%) make
# the transfer crawl: the chain steps per packet, so while the sender waits for its RTO the
# bad state persists and the single retransmission is lost again and again.
#
# No namespaces, devices or hugepages: EAL runs with --no-huge. lib.sh wants root anyway.
# Environment: FT_WIRE_TMO: per-case deadline in seconds (default 180).
#
# Usage: tests/integration/tcp_wire.sh   (FT_BUILD selects the build, see lib.sh)

FT_BUILD=${FT_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build-int}
FT_APP=${FT_APP:-$FT_BUILD/apps/fasttcp-bench/fasttcp-bench}
. "$(dirname "$0")/lib.sh"
ft_init tcp_wire

TMO=${FT_WIRE_TMO:-180}
EAL=(--no-huge -m 1024 --no-pci --no-shconf --lcores '0@(0,1),1@0,2@1'
	--log-level '*:error')

# bench NAME [BENCH OPTIONS...]: run one transfer; sets RC and RESULT (the JSON object).
bench() {
	local name=$1 log
	shift
	log=$FT_RUN_DIR/$name.log
	timeout -k 5 $((TMO + 30)) "$FT_APP" "${EAL[@]}" -- --timeout "$TMO" "$@" >"$log" 2>&1
	RC=$?
	RESULT=$(sed -n 's/^RESULT //p' "$log" | tail -1)
	[ -n "$RESULT" ] && diag "RESULT $RESULT"
}

# jimpair DIR KEY: an impairment counter of the last RESULT (DIR data or ack).
jimpair() {
	"$FT_PY" -c 'import json, sys; a = sys.argv
print(json.loads(a[1])["impair"][a[2]][a[3]])' "$RESULT" "$1" "$2" 2>/dev/null
}

# transfer DESC NAME COUNTER [BENCH OPTIONS...]: one case; COUNTER (e.g. data.lost) must be
# above zero unless it is "-".
transfer() {
	local desc=$1 name=$2 counter=$3 v
	shift 3
	bench "$name" "$@"
	if [ "$RC" -ne 0 ] || [ "$(jget "$RESULT" sha256_ok)" != "true" ]; then
		not_ok "$desc: intact (exit $RC)" "$(tail -n 30 "$FT_RUN_DIR/$name.log")"
		return
	fi
	ok "$desc: intact, SHA-256 equal"
	[ "$counter" = "-" ] && return
	v=$(jimpair "${counter%%.*}" "${counter#*.}")
	check_cmp "$desc: impairer counted $counter" "${v:-0}" -gt 0
}

transfer "clean 32 MiB" clean - --bytes 32M
# Not a check: on a busy 2-core host a descheduled worker can make a tail loss probe fire.
diag "clean 32 MiB: $(jget "$RESULT" retrans_segs) segments retransmitted"
transfer "1% loss 32 MiB" loss1 data.lost --bytes 32M --loss 1
transfer "3% reordering 32 MiB" reorder3 data.reordered --bytes 32M --reorder 3
transfer "1% duplication 32 MiB" dup1 data.duplicated --bytes 32M --dup 1
transfer "burst loss 0.5%,50% 8 MiB" burst data.burst_lost --bytes 8M --burst-loss 0.5,50
transfer "100 Mbit/s, 2 ms +- 0.5 ms 8 MiB" rate data.delayed --bytes 8M --rate 100M \
	--delay-us 2000 --jitter-us 500
transfer "4 streams, 1% loss, 4 MiB each" streams4 data.lost --streams 4 --bytes 4M --loss 1
transfer "5% loss + 3% reordering + 20 ms delay 2 MiB" combined data.lost --bytes 2M \
	--loss 5 --reorder 3 --delay-us 20000

bench badopt --loss 150
check_eq "bad option: exit status 2" 2 "$RC"

# jkeys KEY...: the fields of the last RESULT, space separated.
jkeys() {
	local k out=
	for k in "$@"; do out="$out${out:+ }$(jget "$RESULT" "$k")"; done
	echo "$out"
}

bench rr --workload rr --conns 100 --duration 2
check_eq "rr 100 connections 2 s: exit 0, ok" "0 true" "$RC $(jget "$RESULT" ok)"
check_eq "rr: every connection closed normally, no bad response" "100 0 0" \
	"$(jkeys conns_ok bad_responses server_bad_requests)"
check_cmp "rr: transactions/s above 0" "$(jget "$RESULT" tps)" -gt 0
diag "rr: $(jget "$RESULT" tps) transactions/s, latency p50/p99/p99.9" \
	"$(jkeys p50_us p99_us p999_us) us"

bench crr --workload crr --duration 2
check_eq "crr 64 slots 2 s: exit 0, ok" "0 true" "$RC $(jget "$RESULT" ok)"
check_eq "crr: no failed connection, bad response, or exhausted port" "0 0 0 0" \
	"$(jkeys failed close_failed bad_responses port_exhausted)"
check_eq "crr: every connection block back at the end (client, server)" "0 0" \
	"$(jkeys client_tcp_conns_end server_tcp_conns_end)"
check_cmp "crr: connections completed" "$(jget "$RESULT" connections)" -gt 0
diag "crr: $(jget "$RESULT" cps) connections/s, TIME-WAIT peak $(jget "$RESULT" time_wait_peak)"

bench idle --workload idle --conns 10000
check_eq "idle 10000 connections: exit 0, ok" "0 true" "$RC $(jget "$RESULT" ok)"
check_eq "idle: all established on both stacks" "10000 10000 10000" \
	"$(jkeys established client_tcp_conns server_tcp_conns)"
check_eq "idle: the heap did not grow while the connections opened" 0 \
	"$(jget "$RESULT" heap_growth_bytes)"
# At 10000 connections the fixed costs (delay line, tables) still add ~800 bytes; at 1M the
# figure is ~850 in all.
check_cmp "idle: server heap per connection without the mbuf pool <= 2048 bytes" \
	"$(jget "$RESULT" server_bytes_per_conn_excl_mbufs)" -le 2048
diag "idle: server $(jget "$RESULT" server_bytes_per_conn) bytes per connection" \
	"($(jget "$RESULT" server_bytes_per_conn_excl_mbufs) without the mbuf pool)"

# --kernel (apps/fasttcp-bench/kernel*.c): the same 64 MiB bulk transfer again, after the
# libfasttcp one, over Linux sockets between two private network namespaces joined by a veth
# pair (made by the bench, gone with the namespaces when it exits). RESULT gains "kernel" (the
# reference run: intact, SHA-256 equal) and "ratio" (libfasttcp goodput / kernel goodput).
bench kernel --bytes 64M --kernel
KRES=$(jget "$RESULT" kernel)
check_eq "bulk 64 MiB --kernel: exit 0, ok" "0 true" "$RC $(jget "$RESULT" ok)"
check_eq "--kernel: the kernel run is intact (ok, sha256_ok, bytes)" "true true 67108864" \
	"$(jget "$KRES" ok) $(jget "$KRES" sha256_ok) $(jget "$KRES" bytes)"
check "--kernel: RESULT has a ratio above 0" awk -v r="$(jget "$RESULT" ratio)" \
	'BEGIN { exit !(r + 0 > 0) }'
diag "--kernel: libfasttcp $(jget "$RESULT" goodput_gbps) Gbit/s, kernel" \
	"$(jget "$KRES" goodput_gbps) Gbit/s (MSS $(jget "$KRES" mss))," \
	"ratio $(jget "$RESULT" ratio)"

ft_finish
