#!/usr/bin/env bash
# Install what the project needs from Debian's packages and reserve hugepages when possible.
# Idempotent: packages already present are not fetched again; an existing reservation is kept.
# Prints the EAL memory mode the other scripts will use (hugepages or --no-huge).
set -euo pipefail

PACKAGES=(
	build-essential meson ninja-build pkg-config
	dpdk-dev libdpdk-dev libipsec-mb-dev libssl-dev libconfig-dev libcmocka-dev
	python3 python3-pyelftools python3-scapy
	iproute2 nftables iputils-ping netcat-openbsd procps
	curl wrk haproxy make util-linux
	openvpn openssl python3-cryptography gnuplot-nox
)
HUGEPAGES_WANTED=${HUGEPAGES_WANTED:-512}   # 2 MiB pages: 1 GiB

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: missing packages: ${missing[*]} (run as root to install them)" >&2
		exit 1
	fi
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

huge_ok=0
if [ "$(id -u)" -eq 0 ] && [ -w /proc/sys/vm/nr_hugepages ]; then
	cur=$(cat /proc/sys/vm/nr_hugepages)
	if [ "$cur" -lt "$HUGEPAGES_WANTED" ]; then
		echo "$HUGEPAGES_WANTED" >/proc/sys/vm/nr_hugepages 2>/dev/null || true
	fi
	if ! grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
	fi
fi
free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
if [ "${free:-0}" -ge 128 ] && grep -qs hugetlbfs /proc/mounts; then
	huge_ok=1
fi
if [ "$huge_ok" -eq 1 ]; then
	echo "setup: hugepages available ($free free 2 MiB pages)"
else
	echo "setup: hugepages unavailable: DPDK will run with --no-huge"
fi
