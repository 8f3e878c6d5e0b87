#!/usr/bin/env bash
# Install, build and run every test suite; ends with one line "N passed, M failed".
#   unit         cmocka suites (release build with -Werror)
#   unit-asan    the same suites under AddressSanitizer + UBSan
#   checks       public headers compile alone; includes only go down the layers
#   integration  tap + network namespace against the Linux kernel, Scapy barrage,
#                memif and virtio_user<->vhost between two processes (needs root)
# Options: --unit-only (skip the ASan build and integration), --no-asan.
set -uo pipefail
. "$(dirname "$0")/common.sh"

unit_only=0
asan=1
for a in "$@"; do
	case "$a" in
	--unit-only) unit_only=1; asan=0 ;;
	--no-asan) asan=0 ;;
	*) echo "usage: $0 [--unit-only] [--no-asan]" >&2; exit 2 ;;
	esac
done

"$ROOT/scripts/setup.sh" || exit 1
passed=0
failed=0

# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s), listed below:".
count_cmocka() {
	local log=$1 p f
	p=$(grep -hoE '^\[  PASSED  \] [0-9]+' "$log" | awk '{s+=$4} END {print s+0}')
	f=$(grep -hoE '^\[  FAILED  \] [0-9]+ test' "$log" | awk '{s+=$4} END {print s+0}')
	passed=$((passed + p))
	failed=$((failed + f))
}

run_unit() {
	local dir=$1
	shift
	echo "== unit ($dir)"
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$ROOT" -Dwerror=true "$@" >/dev/null || { failed=$((failed + 1)); return; }
	fi
	if ! ninja -C "$dir" >"$dir/ninja.log" 2>&1; then
		cat "$dir/ninja.log"
		echo "build failed: $dir"
		failed=$((failed + 1))
		return
	fi
	# A suite that crashes before cmocka's summary is counted as one failure.
	if ! ASAN_OPTIONS=detect_leaks=0 meson test -C "$dir" --suite unit --print-errorlogs \
		--logbase unit >"$dir/unit.out" 2>&1; then
		tail -40 "$dir/unit.out"
		grep -q '^\[  FAILED  \]' "$dir/meson-logs/unit.txt" || failed=$((failed + 1))
	fi
	grep -E '^ *[0-9]+/[0-9]+ ' "$dir/unit.out"
	count_cmocka "$dir/meson-logs/unit.txt"
}

run_unit "$BUILD"
if [ "$asan" = 1 ]; then
	run_unit "$ROOT/build-asan" -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug
fi

echo "== checks"
if "$ROOT/scripts/check-source.sh" "$BUILD"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

if [ "$unit_only" = 0 ]; then
	echo "== integration"
	if [ "$(id -u)" -ne 0 ]; then
		echo "integration: skipped (needs root for tap devices and namespaces)"
	else
		FT_BUILD=$BUILD "$ROOT/tests/integration/run_all.sh" | tee "$BUILD/integration.out"
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$BUILD/integration.out" | tail -1)
		if [ -n "$line" ]; then
			passed=$((passed + $(echo "$line" | awk '{print $1}')))
			failed=$((failed + $(echo "$line" | awk '{print $3}')))
		else
			failed=$((failed + 1))
		fi
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
