# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Shared helpers for the integration scripts (tap_netns.sh, memif.sh, vhost.sh). Source it,
# then call ft_init NAME first and ft_finish last:
#
#   . "$(dirname "$0")/lib.sh"
#   ft_init tap_netns
#   ... start_app / checks ...
#   ft_finish
#
# What it provides:
# - a private run directory ($FT_RUN_DIR, under /tmp) for configs, logs and sockets;
# - cleanup on every exit path (trap EXIT/INT/TERM): the apps started here are stopped (TERM,
#   then KILL), the namespaces and interfaces created here are deleted, and the run directory
#   and the DPDK runtime directories of our --file-prefix names are removed. Set FT_KEEP=1 to
#   keep the run directory for debugging;
# - start_app / stop_app / app_alive for fasttcp-echo processes, telemetry for their
#   /fasttcp/* commands, wait_for_iface, and TAP-style checks ("ok - ..." / "not ok - ...")
#   that are counted; ft_finish prints exactly one "N passed, M failed" line and exits
#   non-zero if anything failed.
#
# Addresses: only 198.51.100.0/24 and 203.0.113.0/24 (RFC 5737) are used. Names carry the
# shell's PID, so concurrent runs do not collide (interface names stay within 15 characters).
#
# Must run as root (namespaces, taps, raw sockets). Python helpers use /usr/bin/python3, the
# interpreter that has Scapy (python3-scapy).

FT_IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FT_ROOT=$(cd "$FT_IT_DIR/../.." && pwd)
FT_BUILD=${FT_BUILD:-$FT_ROOT/build-int}
FT_APP=${FT_APP:-$FT_BUILD/apps/fasttcp-echo/fasttcp-echo}
FT_PY=${FT_PY:-/usr/bin/python3}
FT_START_TIMEOUT=${FT_START_TIMEOUT:-20}

FT_PASS=0
FT_FAIL=0
FT_FINISHED=
FT_CLEANED=
FT_NAME=
FT_RUN_DIR=
FT_T0=$SECONDS
declare -A FT_APP_PID=()    # prefix -> pid of a background app
declare -A FT_APP_RC=()     # prefix -> exit status once stopped
FT_NETNS=()                 # namespaces to delete
FT_IFACES=()                # interfaces to delete if they are still in the root namespace
FT_PREFIXES=()              # --file-prefix names whose /var/run/dpdk dirs we remove

# --- TAP-style output -----------------------------------------------------------------------

# ok DESCRIPTION: record a passed check.
ok() {
	FT_PASS=$((FT_PASS + 1))
	echo "ok - $*"
}

# not_ok DESCRIPTION [DETAIL...]: record a failed check; details go on "# " lines.
not_ok() {
	local desc=$1
	shift
	FT_FAIL=$((FT_FAIL + 1))
	echo "not ok - $desc"
	local d
	for d in "$@"; do
		# shellcheck disable=SC2001
		echo "$d" | sed 's/^/#   /'
	done
}

# skip DESCRIPTION: a check that cannot run here; counts as passed (TAP "# SKIP").
skip() {
	FT_PASS=$((FT_PASS + 1))
	echo "ok - # SKIP $*"
}

# diag TEXT...: a comment line.
diag() {
	echo "# $*"
}

# check DESCRIPTION CMD [ARGS...]: run a command; ok if it exits 0.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc" "command: $*" "$out"
	fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected '$2', got '$3'"; fi
}

# check_cmp DESCRIPTION A OP B: integer comparison, OP one of -eq -ne -lt -le -gt -ge.
check_cmp() {
	local desc=$1 a=$2 op=$3 b=$4
	if [[ "$a" =~ ^-?[0-9]+$ && "$b" =~ ^-?[0-9]+$ ]] && test "$a" "$op" "$b"; then
		ok "$desc"
	else
		not_ok "$desc" "expected $a $op $b"
	fi
}

# tap_run CMD [ARGS...]: run a producer of "ok - " / "not ok - " lines (a Python script),
# echo its output and count its checks. A non-zero exit with no failed line is a failure too.
tap_run() {
	local out=$FT_RUN_DIR/tap_run.$$.$RANDOM rc n_ok n_fail
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	n_ok=$(grep -c '^ok ' "$out")
	n_fail=$(grep -c '^not ok ' "$out")
	FT_PASS=$((FT_PASS + n_ok))
	FT_FAIL=$((FT_FAIL + n_fail))
	if [ "$rc" -ne 0 ] && [ "$n_fail" -eq 0 ]; then
		not_ok "$(basename "$1") exited with status $rc"
	fi
	rm -f "$out"
	return "$rc"
}

# --- setup and cleanup ----------------------------------------------------------------------

# ft_init NAME: check prerequisites, create the run directory, install the traps.
ft_init() {
	FT_NAME=$1
	FT_T0=$SECONDS
	trap ft_on_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	if [ "$(id -u)" -ne 0 ]; then
		not_ok "$FT_NAME must run as root"
		ft_finish
	fi
	if [ ! -x "$FT_APP" ]; then
		not_ok "fasttcp-echo binary exists" "missing $FT_APP;" \
			"build it: cd $FT_ROOT && meson setup build-int; ninja -C build-int"
		ft_finish
	fi
	FT_RUN_DIR=$(mktemp -d "/tmp/ftit-$FT_NAME.XXXXXX") || {
		not_ok "create a run directory under /tmp"
		ft_finish
	}
}

# ft_uid: a short per-run number for names (interface names have at most 15 characters).
ft_uid() {
	echo $(($$ % 100000))
}

# make_netns NS: create a namespace that cleanup deletes.
make_netns() {
	ip netns add "$1" || return 1
	FT_NETNS+=("$1")
}

# register_iface IF: cleanup deletes IF if it is still in the root namespace.
register_iface() {
	FT_IFACES+=("$1")
}

# ft_cleanup: stop apps, delete namespaces and interfaces, remove files. Idempotent.
ft_cleanup() {
	[ -n "$FT_CLEANED" ] && return 0
	FT_CLEANED=1
	local p
	for p in "${!FT_APP_PID[@]}"; do
		stop_app "$p"
	done
	for p in "${FT_NETNS[@]}"; do
		ip netns del "$p" 2>/dev/null
	done
	for p in "${FT_IFACES[@]}"; do
		if ip link show "$p" >/dev/null 2>&1; then
			ip link del "$p" 2>/dev/null
		fi
	done
	for p in "${FT_PREFIXES[@]}"; do
		[ -n "$p" ] && rm -rf "/var/run/dpdk/$p"
	done
	if [ -n "$FT_RUN_DIR" ] && [ -d "$FT_RUN_DIR" ]; then
		if [ -n "${FT_KEEP:-}" ]; then
			echo "# run directory kept: $FT_RUN_DIR"
		else
			rm -rf "$FT_RUN_DIR"
		fi
	fi
}

# dump_logs: print every app log as "# " lines (used when something failed).
dump_logs() {
	local f
	[ -n "$FT_RUN_DIR" ] || return 0
	for f in "$FT_RUN_DIR"/*.log; do
		[ -f "$f" ] || continue
		echo "# ---- $(basename "$f") (last 40 lines)"
		tail -n 40 "$f" | sed 's/^/#   /'
	done
}

# ft_finish: clean up, print the summary line, exit 0 only if nothing failed.
ft_finish() {
	FT_FINISHED=1
	local p
	# Stop the apps first so their final counters reach the logs before we print them.
	for p in "${!FT_APP_PID[@]}"; do
		stop_app "$p"
	done
	[ "$FT_FAIL" -gt 0 ] && dump_logs
	ft_cleanup
	echo "# $FT_NAME took $((SECONDS - FT_T0)) s"
	echo "$FT_PASS passed, $FT_FAIL failed"
	trap - EXIT
	[ "$FT_FAIL" -eq 0 ] && exit 0
	exit 1
}

ft_on_exit() {
	local rc=$?
	[ -n "$FT_FINISHED" ] && return
	not_ok "$FT_NAME ended early (exit status $rc)"
	ft_finish
}

# --- fasttcp-echo processes -------------------------------------------------------------------

# start_app PREFIX CONF [EAL ARGS...] [-- APP ARGS...]
# Start fasttcp-echo in the background with --file-prefix PREFIX, logging to
# $FT_RUN_DIR/PREFIX.log, and wait until it prints "running on". On failure the log is
# printed and the status is 1.
start_app() {
	local prefix=$1 conf=$2 log pid i
	shift 2
	local eal=() app=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		eal+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	app=("$@")
	log=$FT_RUN_DIR/$prefix.log
	FT_PREFIXES+=("$prefix")
	"$FT_APP" "${eal[@]}" --file-prefix "$prefix" -- -c "$conf" "${app[@]}" >"$log" 2>&1 &
	pid=$!
	FT_APP_PID[$prefix]=$pid
	for ((i = 0; i < FT_START_TIMEOUT * 10; i++)); do
		if grep -q "running on" "$log"; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	echo "# $prefix did not start; log:"
	sed 's/^/#   /' "$log"
	return 1
}

# run_app PREFIX CONF TIMEOUT_S [EAL ARGS...] [-- APP ARGS...]
# Run fasttcp-echo in the foreground (client mode); output in $FT_RUN_DIR/PREFIX.log.
# Returns its exit status (124 on timeout).
run_app() {
	local prefix=$1 conf=$2 tmo=$3
	shift 3
	local eal=() app=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		eal+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	app=("$@")
	FT_PREFIXES+=("$prefix")
	timeout -k 5 "$tmo" "$FT_APP" "${eal[@]}" --file-prefix "$prefix" -- -c "$conf" \
		"${app[@]}" >"$FT_RUN_DIR/$prefix.log" 2>&1
}

# app_log PREFIX: path of the app's log.
app_log() {
	echo "$FT_RUN_DIR/$1.log"
}

# app_alive PREFIX: true while the background app runs.
app_alive() {
	local pid=${FT_APP_PID[$1]:-}
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# require_alive PREFIX WHAT: if the app has died, report it and finish now (the remaining
# checks would only wait for timeouts).
require_alive() {
	app_alive "$1" && return 0
	not_ok "$1 is running before $2" "it exited; log below"
	ft_finish
}

# stop_app PREFIX: SIGTERM (SIGKILL after 5 s) and reap; the exit status is then in
# ${FT_APP_RC[PREFIX]} (143 or 137 if a signal killed it). Do not call it in $(...): the
# process must be reaped by this shell.
stop_app() {
	local prefix=$1 pid i rc
	pid=${FT_APP_PID[$prefix]:-}
	[ -z "$pid" ] && return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	unset "FT_APP_PID[$prefix]"
	# shellcheck disable=SC2034 # read by the test scripts
	FT_APP_RC[$prefix]=$rc
}

# --- telemetry and JSON ------------------------------------------------------------------------

# telemetry PREFIX CMD: print the JSON value of a telemetry command (/fasttcp/drops ...).
telemetry() {
	"$FT_PY" "$FT_IT_DIR/ftit.py" tel "$1" "$2"
}

# jget JSON KEY: print one field of a JSON object (strings unquoted); empty if absent.
jget() {
	"$FT_PY" "$FT_IT_DIR/ftit.py" jget "$1" "$2"
}

# tel_get PREFIX CMD [KEY...]: one (nested) value of a telemetry command's JSON.
tel_get() {
	local pfx=$1 cmd=$2
	shift 2
	"$FT_PY" - "$(telemetry "$pfx" "$cmd")" "$@" <<'PY'
import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2:]:
    v = v[k]
print(v)
PY
}

# wait_for FILE REGEX SECONDS: wait until a line of FILE matches REGEX (grep -E); 1 on timeout.
wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# wait_count FILE REGEX N SECONDS: wait until N lines of FILE match REGEX.
wait_count() {
	local i
	for ((i = 0; i < $4 * 10; i++)); do
		[ "$(grep -cE -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# counter PREFIX CMD KEY: one counter of /fasttcp/stats or /fasttcp/drops.
counter() {
	jget "$(telemetry "$1" "$2")" "$3"
}

# --- interfaces ------------------------------------------------------------------------------

# wait_for_iface IF [NETNS]: wait up to 10 s for an interface to exist.
wait_for_iface() {
	local ifc=$1 ns=${2:-} i
	for ((i = 0; i < 100; i++)); do
		if [ -n "$ns" ]; then
			ip -n "$ns" link show "$ifc" >/dev/null 2>&1 && return 0
		else
			ip link show "$ifc" >/dev/null 2>&1 && return 0
		fi
		sleep 0.1
	done
	return 1
}

# hugepages_free_mb: free hugepage memory of the default size, in MiB.
hugepages_free_mb() {
	awk '/^HugePages_Free:/ { f = $2 } /^Hugepagesize:/ { s = $2 }
	     END { print int(f * s / 1024) }' /proc/meminfo
}

# openvpn for the OpenVPN interop scripts: installed with apt-get if missing; the script is
# skipped (one "ok - # SKIP" line and its summary) when that fails.
ft_require_openvpn() {
	if ! command -v openvpn >/dev/null 2>&1; then
		diag "openvpn missing: apt-get -y install openvpn"
		timeout 120 apt-get -y install openvpn >"$FT_RUN_DIR/apt.log" 2>&1
	fi
	if ! command -v openvpn >/dev/null 2>&1; then
		skip "openvpn is not installed and could not be installed (apt-get -y install openvpn)"
		ft_finish
	fi
	diag "$(openvpn --version | head -n 1)"
}
