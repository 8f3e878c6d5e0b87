#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Side by side, one run, one stock openvpn 2.6 client configuration: a TCP transfer through
# dpdk-ovpn-gw and through a stock `openvpn --server` (the Debian binary, userspace, tun) on this
# machine, with the CPU each server used.
#
#   A. gateway:  namespace CLI-A                 dpdk-ovpn-gw (lcore 1)          namespace LAN-A
#                openvpn --client  198.51.100.2 --tap-- 198.51.100.1:1194 | 203.0.113.1 --tap--
#                tun 10.8.0.2                                                      203.0.113.2
#   B. stock:    namespace CLI-B                 namespace SRV-B                 namespace LAN-B
#                openvpn --client  198.51.100.2 --veth-- 198.51.100.1:1194       203.0.113.2
#                tun 10.8.0.2                    openvpn --server, tun 10.8.0.1
#                                                ip_forward, 203.0.113.1 --veth--
#
# Both clients use the same configuration file (client, dev tun, udp, remote 198.51.100.1
# 1194, data-ciphers AES-256-GCM, disable-dco, default tun-mtu 1500 and mssfix); both servers
# push route 203.0.113.0/24, 10.8.0.0/24 topology subnet, keepalive 10 60, AES-256-GCM, and the
# stock server runs with disable-dco (userspace, like the client). The LAN host receives
# OVPN_CMP_MB MiB (default 256) over one TCP connection and returns their SHA-256, which the
# sender compares (tests/integration/ovpn_static_client.py tcp-server / tcp-client).
#
# CPU: utime+stime of the server process (/proc/PID/stat) over the transfer (server_cpu_s;
# server_cpu_pct = that over the transfer's seconds, 100 = one core), per thread for the
# gateway (its lcore thread, named dpdk-ovpn-gw, does the packet work: it busy-polls while
# packets arrive and backs off to sleeps after 1 ms without one, so an idle gateway costs
# little and a loaded one up to a core). The gateway's telemetry has no busy/idle cycle
# counters, only /fasttcp/workers idle_sleeps, reported as lcore_idle_sleeps_during. Also
# reported: the client openvpn's CPU, the sender's TCP retransmissions, each CPU's busy share
# over the transfer and the load average. The machine has 2 cores: the client openvpn, the
# Python sender and receiver (SHA-256), the kernel's forwarding and the server (or the
# gateway's lcore 1) share them, so the numbers are a same-machine comparison, not either
# server's ceiling; with other work running (load average above ~3) they are noise.
#
# Output: "ok -" / "not ok -" lines, RESULT {json} lines (one per path and a comparison:
# mbit_s, seconds, cpu_s and cpu_pct of the server, cipher, bytes, ratio), the summary line.
# Exits non-zero if either transfer fails or arrives corrupted (usable as a CI check; keep
# OVPN_CMP_MB small there, e.g. 16).
#
# Usage: scripts/ovpn-compare.sh   (as root; FT_BUILD (or BUILD) must hold
# apps/dpdk-ovpn-gw, default ./build; apt-get -y install openvpn). Idempotent: per-run names,
# everything it creates is removed on exit. Addresses: 198.51.100.0/24, 203.0.113.0/24 and
# 10.8.0.0/24, only inside its namespaces.
ROOT_=$(cd "$(dirname "$0")/.." && pwd)
FT_BUILD=${FT_BUILD:-${BUILD:-$ROOT_/build}}
. "$ROOT_/tests/integration/lib.sh"
. "$ROOT_/scripts/pki.sh"
FT_APP=$FT_BUILD/apps/dpdk-ovpn-gw/dpdk-ovpn-gw
ft_init ovpn_compare

UID_=$(ft_uid)
MB=${OVPN_CMP_MB:-256}
BYTES=$((MB << 20))
CIPHER=AES-256-GCM
HELPER=$FT_IT_DIR/ovpn_static_client.py
D=$FT_RUN_DIR
if [ "$(nproc)" -ge 2 ]; then LCORE=1; else LCORE=0; fi
EAL=(--no-huge -m 512 --no-pci -l "${OVPN_CMP_LCORES:-$LCORE}")
CLK=$(getconf CLK_TCK)
NCA=cmp-ca$UID_ NLA=cmp-la$UID_ NCB=cmp-cb$UID_ NSB=cmp-sb$UID_ NLB=cmp-lb$UID_
IFP=cmpp$UID_ IFL=cmpl$UID_ PFX=cmp-$UID_

ft_require_openvpn

# ticks PID [TID]: utime+stime of a process (or one thread), in clock ticks.
ticks() {
	local f=/proc/$1/stat
	[ -n "${2:-}" ] && f=/proc/$1/task/$2/stat
	# Fields after the ")" of comm: utime and stime are the 12th and 13th.
	sed 's/.*) //' "$f" 2>/dev/null | awk '{ print $12 + $13 }'
}

# thread_ticks PID: "TID:COMM:TICKS" for every thread of PID.
thread_ticks() {
	local t
	for t in /proc/"$1"/task/*; do
		echo "${t##*/}:$(tr ' ' '_' <"$t/comm"):$(ticks "$1" "${t##*/}")"
	done
}

# --- PKI and configurations -------------------------------------------------------------------
if ! { pki_ca "$D" ca "ovpn-compare CA" && pki_cert "$D" ca server serverAuth &&
	pki_cert "$D" ca client1 clientAuth; } >"$D/pki.log" 2>&1; then
	not_ok "throwaway PKI (openssl CLI)" "$(tail -n 10 "$D/pki.log")"
	ft_finish
fi
ok "throwaway PKI (openssl CLI)"

cat >"$D/client.conf" <<EOF
client
dev tun
proto udp
remote 198.51.100.1 1194
nobind
ca $D/ca.crt
cert $D/client1.crt
key $D/client1.key
remote-cert-tls server
data-ciphers $CIPHER
disable-dco
verb 3
EOF
cat >"$D/server.conf" <<EOF
port 1194
proto udp
dev tun
ca $D/ca.crt
cert $D/server.crt
key $D/server.key
dh none
server 10.8.0.0 255.255.255.0
topology subnet
push "route 203.0.113.0 255.255.255.0"
keepalive 10 60
data-ciphers $CIPHER
disable-dco
verb 3
EOF
cat >"$D/gw.conf" <<EOF
stack = {
	mbufs = 16383;
	tcp = { max_conns = 0; };
	ports = (
		{ name = "public"; type = "tap"; iface = "$IFP"; address = "198.51.100.1/24";
		  mac = "02:00:00:00:65:01"; },
		{ name = "lan"; type = "tap"; iface = "$IFL"; address = "203.0.113.1/24";
		  mac = "02:00:00:00:72:01"; }
	);
};
gateway = { max_peers = 64; };
server = {
	ca = "$D/ca.crt";
	cert = "$D/server.crt";
	key = "$D/server.key";
	network = "10.8.0.0";
	netmask = "255.255.255.0";
	data_ciphers = "$CIPHER";
	keepalive_interval = 10;
	keepalive_timeout = 60;
	push_routes = [ "203.0.113.0/24" ];
};
EOF

# ns_basics NS: loopback up, IPv6 off (no router solicitations in the tunnels).
ns_basics() {
	ip -n "$1" link set lo up && ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
}

# transfer PATH CLI_NS LAN_NS SERVER_PID: the TCP transfer; sets XFER_S and XFER_OK, CPU_S and
# CPU_PCT of SERVER_PID, CLI_CPU_S of the client openvpn, and THREADS (per-thread CPU seconds).
transfer() {
	local path=$1 nsc=$2 nsl=$3 spid=$4 cpid=${FT_APP_PID[client-$1]} out t0 t1 c0 c1 cc0 cc1
	local th0 th1 line tid name r0 u0
	ip netns exec "$nsl" "$FT_PY" "$HELPER" tcp-server --port 5001 >"$D/tcpsrv-$path.log" 2>&1 &
	FT_APP_PID[tcpsrv-$path]=$!
	sleep 0.5
	c0=$(ticks "$spid")
	cc0=$(ticks "$cpid")
	th0=$(thread_ticks "$spid")
	r0=$(retrans "$nsc")
	u0=$(cpu_busy)
	t0=$(date +%s.%N)
	out=$(timeout -k 5 120 ip netns exec "$nsc" "$FT_PY" "$HELPER" tcp-client \
		--target 203.0.113.2:5001 --bytes "$BYTES" 2>&1)
	t1=$(date +%s.%N)
	c1=$(ticks "$spid")
	cc1=$(ticks "$cpid")
	th1=$(thread_ticks "$spid")
	CPUS=$(busy_pct "$u0" "$(cpu_busy)")
	RETRANS=$(($(retrans "$nsc") - r0))
	stop_app "tcpsrv-$path"
	XFER_S=$(echo "$out" | grep -o '([0-9.]* s)' | tr -d '( s)')
	XFER_OK=0
	if echo "$out" | grep -q '^ok - '; then
		XFER_OK=1
		ok "$path: $MB MiB TCP through the tunnel, SHA-256 intact ($XFER_S s," \
			"MSS $(echo "$out" | sed -n 's/^# server_mss //p'))"
	else
		not_ok "$path: $MB MiB TCP through the tunnel, SHA-256 intact" "$out"
		XFER_S=$(echo "$t1 - $t0" | bc)
	fi
	CPU_S=$(echo "scale=3; ($c1 - $c0) / $CLK" | bc)
	CLI_CPU_S=$(echo "scale=3; ($cc1 - $cc0) / $CLK" | bc)
	CPU_PCT=$(echo "scale=1; 100 * $CPU_S / $XFER_S" | bc)
	THREADS=
	for line in $th1; do
		tid=${line%%:*}
		name=${line#*:}
		name=${name%:*}
		local b
		b=$(echo "$th0" | tr ' ' '\n' | grep "^$tid:" | sed 's/.*://')
		THREADS+="\"$name\":$(echo "scale=2; (${line##*:} - ${b:-0}) / $CLK" | bc | \
			sed 's/^\./0./'),"
	done
	THREADS="{${THREADS%,}}"
	[ -n "${OVPN_CMP_DEBUG:-}" ] && diag "threads before: $th0" "after: $th1"
}

# cpu_busy: "busy total" jiffies per CPU (/proc/stat cpuN lines), one pair per CPU.
cpu_busy() {
	awk '/^cpu[0-9]/ { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' \
		/proc/stat | tr '\n' ' '
}

# busy_pct BEFORE AFTER: "[pct0,pct1,...]" busy share of each CPU between two cpu_busy.
busy_pct() {
	echo "$1 ; $2" | awk -F' ; ' '{ n = split($1, a, " "); split($2, b, " "); s = "";
		for (i = 1; i < n; i += 2) s = s sprintf("%s%.0f", s == "" ? "" : ",",
			100 * (b[i] - a[i]) / ((b[i + 1] - a[i + 1]) ? (b[i + 1] - a[i + 1]) : 1));
		print "[" s "]" }'
}

# retrans NS: TCP segments retransmitted in namespace NS (/proc/net/snmp, RetransSegs).
retrans() {
	ip netns exec "$1" awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 }
		else print $c["RetransSegs"] }' /proc/net/snmp
}

num() { echo "$1" | sed 's/^\./0./;s/^-\./-0./'; }

# --- A: dpdk-ovpn-gw ---------------------------------------------------------------------------
register_iface "$IFP"
register_iface "$IFL"
if ! start_app "$PFX" "$D/gw.conf" "${EAL[@]}"; then
	not_ok "A: dpdk-ovpn-gw starts on taps $IFP and $IFL (lcore $LCORE)"
	ft_finish
fi
make_netns "$NCA" && make_netns "$NLA" || { not_ok "A: namespaces"; ft_finish; }
if ! { wait_for_iface "$IFP" && wait_for_iface "$IFL" &&
	ip link set "$IFP" netns "$NCA" && ip link set "$IFL" netns "$NLA" &&
	ns_basics "$NCA" && ns_basics "$NLA" &&
	ip -n "$NCA" link set "$IFP" address 02:00:00:00:65:02 &&
	ip -n "$NLA" link set "$IFL" address 02:00:00:00:72:02 &&
	ip -n "$NCA" addr add 198.51.100.2/24 dev "$IFP" &&
	ip -n "$NLA" addr add 203.0.113.2/24 dev "$IFL" &&
	ip -n "$NCA" link set "$IFP" up && ip -n "$NLA" link set "$IFL" up &&
	ip -n "$NLA" route add default via 203.0.113.1; }; then
	not_ok "A: taps moved into namespaces $NCA and $NLA"
	ft_finish
fi
ok "A: dpdk-ovpn-gw on lcore $LCORE, taps in namespaces $NCA (client) and $NLA (LAN)"
ip netns exec "$NCA" openvpn --config "$D/client.conf" >"$D/client-A.log" 2>&1 &
FT_APP_PID[client-A]=$!
if ! wait_for "$D/client-A.log" "Initialization Sequence Completed" 20; then
	not_ok "A: stock client connects to dpdk-ovpn-gw" "$(tail -n 10 "$D/client-A.log")"
	ft_finish
fi
ok "A: stock client connects to dpdk-ovpn-gw ($(grep -o "cipher '[^']*'" "$D/client-A.log" |
	head -n 1))"
GW_PID=${FT_APP_PID[$PFX]}
IDLE0=$(ticks "$GW_PID")
sleep 1
GW_IDLE_PCT=$(echo "scale=1; 100 * ($(ticks "$GW_PID") - $IDLE0) / $CLK" | bc)
# idle_sleeps of worker 0 (/fasttcp/workers): how often the lcore slept for want of packets.
sleeps() {
	"$FT_PY" -c 'import json,sys; print(json.loads(sys.argv[1])["worker0"]["idle_sleeps"])' \
		"$(telemetry "$PFX" /fasttcp/workers)" 2>/dev/null || echo 0
}
A_SLEEPS0=$(sleeps)
transfer A "$NCA" "$NLA" "$GW_PID"
A_CPUS=$CPUS A_RTX=$RETRANS A_OK=$XFER_OK A_S=$XFER_S A_CPU=$CPU_S A_PCT=$CPU_PCT
A_CLI=$CLI_CPU_S A_THREADS=$THREADS
A_SLEEPS=$(($(sleeps) - A_SLEEPS0))
stop_app client-A
stop_app "$PFX"
check_eq "A: dpdk-ovpn-gw exits 0 on SIGTERM" 0 "${FT_APP_RC[$PFX]}"

# --- B: stock openvpn server -------------------------------------------------------------------
for n in "$NCB" "$NSB" "$NLB"; do
	make_netns "$n" || { not_ok "B: namespace $n"; ft_finish; }
done
if ! { ip link add cmpa$UID_ netns "$NCB" type veth peer name cmpb$UID_ netns "$NSB" &&
	ip link add cmpc$UID_ netns "$NSB" type veth peer name cmpd$UID_ netns "$NLB" &&
	ns_basics "$NCB" && ns_basics "$NSB" && ns_basics "$NLB" &&
	ip -n "$NCB" addr add 198.51.100.2/24 dev cmpa$UID_ &&
	ip -n "$NSB" addr add 198.51.100.1/24 dev cmpb$UID_ &&
	ip -n "$NSB" addr add 203.0.113.1/24 dev cmpc$UID_ &&
	ip -n "$NLB" addr add 203.0.113.2/24 dev cmpd$UID_ &&
	ip -n "$NCB" link set cmpa$UID_ up && ip -n "$NSB" link set cmpb$UID_ up &&
	ip -n "$NSB" link set cmpc$UID_ up && ip -n "$NLB" link set cmpd$UID_ up &&
	ip -n "$NLB" route add default via 203.0.113.1 &&
	ip netns exec "$NSB" sysctl -qw net.ipv4.ip_forward=1; }; then
	not_ok "B: namespaces $NCB, $NSB, $NLB with veth pairs"
	ft_finish
fi
ip netns exec "$NSB" openvpn --config "$D/server.conf" >"$D/server-B.log" 2>&1 &
FT_APP_PID[server-B]=$!
if ! wait_for "$D/server-B.log" "Initialization Sequence Completed" 10; then
	not_ok "B: stock openvpn server starts" "$(tail -n 10 "$D/server-B.log")"
	ft_finish
fi
ok "B: stock openvpn server in $NSB ($(openvpn --version | head -n 1 | cut -d' ' -f1-2))"
ip netns exec "$NCB" openvpn --config "$D/client.conf" >"$D/client-B.log" 2>&1 &
FT_APP_PID[client-B]=$!
if ! wait_for "$D/client-B.log" "Initialization Sequence Completed" 20; then
	not_ok "B: the same client configuration connects to the stock server" \
		"$(tail -n 10 "$D/client-B.log")"
	ft_finish
fi
ok "B: the same client configuration connects to the stock server ($(grep -o \
	"cipher '[^']*'" "$D/client-B.log" | head -n 1))"
SRV_PID=${FT_APP_PID[server-B]}
transfer B "$NCB" "$NLB" "$SRV_PID"
B_CPUS=$CPUS B_RTX=$RETRANS B_OK=$XFER_OK B_S=$XFER_S B_CPU=$CPU_S B_PCT=$CPU_PCT
B_CLI=$CLI_CPU_S
stop_app client-B
stop_app server-B

# --- results -----------------------------------------------------------------------------------
mbit() { echo "scale=1; $BYTES * 8 / $1 / 1000000" | bc; }
A_MBIT=$(mbit "$A_S")
B_MBIT=$(mbit "$B_S")
echo "RESULT {\"test\":\"ovpn_compare\",\"path\":\"dpdk-ovpn-gw\",\"ok\":$A_OK," \
	"\"cipher\":\"$CIPHER\",\"bytes\":$BYTES,\"seconds\":$(num "$A_S")," \
	"\"mbit_s\":$(num "$A_MBIT"),\"server_cpu_s\":$(num "$A_CPU")," \
	"\"server_cpu_pct\":$(num "$A_PCT"),\"server_threads_cpu_s\":$A_THREADS," \
	"\"idle_cpu_pct\":$(num "$GW_IDLE_PCT"),\"lcore_idle_sleeps_during\":$A_SLEEPS," \
	"\"client_cpu_s\":$(num "$A_CLI"),\"tcp_retrans_segs\":$A_RTX," \
	"\"machine_cpu_busy_pct\":$A_CPUS}" | tr -d '\n'
echo
echo "RESULT {\"test\":\"ovpn_compare\",\"path\":\"openvpn-server\",\"ok\":$B_OK," \
	"\"cipher\":\"$CIPHER\",\"bytes\":$BYTES,\"seconds\":$(num "$B_S")," \
	"\"mbit_s\":$(num "$B_MBIT"),\"server_cpu_s\":$(num "$B_CPU")," \
	"\"server_cpu_pct\":$(num "$B_PCT"),\"client_cpu_s\":$(num "$B_CLI")," \
	"\"tcp_retrans_segs\":$B_RTX,\"machine_cpu_busy_pct\":$B_CPUS}" | tr -d '\n'
echo
[ "$A_OK$B_OK" = 11 ] &&
	echo "RESULT {\"test\":\"ovpn_compare\",\"path\":\"ratio\",\"cipher\":\"$CIPHER\"," \
	"\"bytes\":$BYTES,\"gw_mbit_s\":$(num "$A_MBIT"),\"stock_mbit_s\":$(num "$B_MBIT")," \
	"\"throughput_ratio\":$(num "$(echo "scale=2; $A_MBIT / $B_MBIT" | bc)")," \
	"\"gw_cpu_s_per_gib\":$(num "$(echo "scale=2; $A_CPU * 1024 / $MB" | bc)")," \
	"\"stock_cpu_s_per_gib\":$(num "$(echo "scale=2; $B_CPU * 1024 / $MB" | bc)")," \
	"\"loadavg_1m\":$(cut -d' ' -f1 /proc/loadavg),\"cpus\":$(nproc)}" |
	tr -d '\n'
echo
diag "gateway idle (client connected, no traffic): $GW_IDLE_PCT% of a core"
# Other work on the machine skews both paths (and not by the same amount): say so.
LOAD=$(cut -d' ' -f1 /proc/loadavg)
diag "load average at the end: $LOAD (above ~3 on 2 cores: other processes competed)"
ft_finish
