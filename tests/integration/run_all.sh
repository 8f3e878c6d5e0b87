#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run every integration script in order (tap_netns.sh, memif.sh, vhost.sh), pass their TAP
# lines through, and end with exactly one line "N passed, M failed" (the per-script summaries
# are turned into "# " comments). Exit status is non-zero if anything failed, including a
# script that exits non-zero without reporting a failed check.
#
# Environment: FT_BUILD (default build-int at the repository root) or FT_APP select the
# fasttcp-echo binary; FT_KEEP=1 keeps each script's run directory.
#
# Usage: tests/integration/run_all.sh   (as root)

set -u
DIR=$(cd "$(dirname "$0")" && pwd)
SCRIPTS=(tap_netns.sh memif.sh vhost.sh tcp_linux.sh tcp_extras.sh tcp_crafted.sh proxy.sh
	tcp_wire.sh ovpn_gw.sh ovpn_capture.sh ovpn_tls_smoke.sh ovpn_client.sh ovpn_clients.sh
	ovpn_reneg.sh ovpn_wrap.sh ovpn_harden.sh evlog_plot.sh)
passed=0
failed=0
summary=()

for s in "${SCRIPTS[@]}"; do
	echo "# === $s"
	out=$(mktemp /tmp/ftit-run_all.XXXXXX)
	t0=$SECONDS
	# Pass everything through except the script's summary line, which becomes a comment.
	bash "$DIR/$s" 2>&1 | tee "$out" | sed -E 's/^([0-9]+ passed, [0-9]+ failed)$/# '"$s"': \1/'
	rc=${PIPESTATUS[0]}
	dt=$((SECONDS - t0))
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
	rm -f "$out"
	if [ -z "$line" ]; then
		echo "not ok - $s reported no summary (exit status $rc)"
		failed=$((failed + 1))
		summary+=("$s: no summary, exit $rc, ${dt}s")
		continue
	fi
	p=$(echo "$line" | awk '{ print $1 }')
	f=$(echo "$line" | awk '{ print $3 }')
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $s exited with status $rc but reported no failure"
		failed=$((failed + 1))
	fi
	summary+=("$s: $p passed, $f failed, ${dt}s")
done

echo "# === summary"
for l in "${summary[@]}"; do
	echo "# $l"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
