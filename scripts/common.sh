# Sourced by the scripts: paths and the EAL memory options for this machine.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}

# EAL memory options: hugepages when at least 256 pages (the 512 MiB asked for) are free, else
# --no-huge.
# FT_NO_HUGE=1 forces --no-huge.
eal_mem_args() {
	local free
	free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	if [ "${FT_NO_HUGE:-0}" = 1 ] || [ "${free:-0}" -lt 256 ] ||
	   ! grep -qs hugetlbfs /proc/mounts; then
		echo "--no-huge -m 512"
	else
		echo "-m 512"
	fi
}

build_tree() {
	if [ ! -f "$BUILD/build.ninja" ]; then
		meson setup "$BUILD" "$ROOT" "$@" >/dev/null
	fi
	ninja -C "$BUILD" >/dev/null
}
