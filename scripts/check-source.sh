#!/usr/bin/env bash
# Source rules that the compiler does not check (STYLE.md §3, §4):
#  1. every public header compiles on its own;
#  2. includes go down the layers only: core <- port <- net <- stack; core includes no
#     other layer, port only core, net only core/port, and only port calls rte_eth_*.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
rc=0

cflags=$(pkg-config --cflags libdpdk)
for h in "$ROOT"/include/fasttcp/*.h; do
	if ! echo "#include <fasttcp/$(basename "$h")>" |
		cc -std=gnu11 -Wall -Werror -fsyntax-only -I"$ROOT/include" $cflags -x c - ; then
		echo "check: $h does not compile on its own"
		rc=1
	fi
done

layer_rule() { # dir, allowed-layers regex
	local bad
	bad=$(grep -nE '#include "(core|port|net|stack|tcp)/' "$ROOT/src/$1"/*.[ch] |
		grep -vE "#include \"($2)/")
	if [ -n "$bad" ]; then
		echo "check: src/$1 includes a higher layer:"
		echo "$bad"
		rc=1
	fi
}
layer_rule core 'core'
layer_rule port 'core|port'
layer_rule net 'core|port|net'

bad=$(grep -lE 'rte_eth_[a-z_]+\(' "$ROOT"/src/{core,net,stack}/*.c 2>/dev/null)
if [ -n "$bad" ]; then
	echo "check: rte_eth_* called outside src/port: $bad"
	rc=1
fi
[ "$rc" -eq 0 ] && echo "check: public headers self-contained, layering respected"
exit "$rc"
