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
#   burst loss (Gilbert-Elliott 1%,20%) 8 MiB; 100 Mbit/s with 2 ms +- 0.5 ms 8 MiB;
#   4 streams under 1% loss, 4 MiB each; 5% loss + 3% reordering + 20 ms delay, 2 MiB;
#   and a bad option, which must exit with status 2.
# Every RESULT line is printed as a "# RESULT {json}" comment.
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
	"$FT_PY" -c 'import json, sys; print(json.loads(sys.argv[1])["impair"][sys.argv[2]][sys.argv[3]])' \
		"$RESULT" "$1" "$2" 2>/dev/null
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
transfer "burst loss 1%,20% 8 MiB" burst data.burst_lost --bytes 8M --burst-loss 1,20
transfer "100 Mbit/s, 2 ms +- 0.5 ms 8 MiB" rate data.delayed --bytes 8M --rate 100M \
	--delay-us 2000 --jitter-us 500
transfer "4 streams, 1% loss, 4 MiB each" streams4 data.lost --streams 4 --bytes 4M --loss 1
transfer "5% loss + 3% reordering + 20 ms delay 2 MiB" combined data.lost --bytes 2M \
	--loss 5 --reorder 3 --delay-us 20000

bench badopt --loss 150
check_eq "bad option: exit status 2" 2 "$RC"

ft_finish
