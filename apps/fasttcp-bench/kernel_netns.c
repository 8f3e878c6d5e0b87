/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The wire of the --kernel reference run: two anonymous network namespaces joined by a veth
 * pair. The main thread creates each namespace with unshare(CLONE_NEWNET), keeps a descriptor
 * of it (/proc/thread-self/ns/net) and the sockets it needs there (a control socket for the
 * ioctl()s, for the server also the listening sockets and an rtnetlink socket, all bound to
 * that namespace for good), and goes back to its own namespace with setns(). One rtnetlink
 * request then creates the pair "fbk<pid>s" (server end, 10.99.0.1/24) - "fbk<pid>c" (client
 * end, 10.99.0.2/24) across the two; ioctl()s set the addresses, --mtu, up (and lo up), and
 * with --kernel-no-offload turn TSO, GSO and GRO off (legacy SIOCETHTOOL commands). The
 * client namespace gets two sysctls: ip_local_port_range and tcp_tw_reuse (client_sysctls).
 *
 * Nothing is named under /var/run/netns and nothing appears in the root namespace. A network
 * namespace lives while a thread or a descriptor refers to it: when the side threads have
 * ended and bench_kernel_net_close() has closed the descriptors - and equally when the process
 * is killed - the kernel destroys both namespaces and the veth pair with them. So no cleanup
 * is needed on any exit path, and concurrent runs (names carry the pid) do not collide.
 * Not here: what the threads do in the namespaces (kernel.c and the workloads).
 */
#define _GNU_SOURCE /* setns, unshare */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>

#include <rte_common.h>

#include "kernel_int.h"

#define K_NETMASK 0xffffff00

/* The features reported per side, as `ethtool -k` calls them (with _ for -). */
static const struct {
	const char *name;
	uint32_t get;
} offloads[K_N_OFFLOADS] = {
	{ "tso", ETHTOOL_GTSO }, { "gso", ETHTOOL_GGSO }, { "gro", ETHTOOL_GGRO },
	{ "sg", ETHTOOL_GSG }, { "tx_csum", ETHTOOL_GTXCSUM }, { "rx_csum", ETHTOOL_GRXCSUM },
};

/* Leave the calling thread in a new network namespace. @return its descriptor or -errno. */
static int
ns_create(void)
{
	int fd;

	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static struct rtattr *
nl_put(struct nlmsghdr *h, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));

	a->rta_type = type;
	a->rta_len = (uint16_t)RTA_LENGTH(len);
	if (len != 0)
		memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}

static void
nl_nest_end(struct nlmsghdr *h, struct rtattr *nest)
{
	nest->rta_len = (uint16_t)((char *)h + h->nlmsg_len - (char *)nest);
}

/*
 * RTM_NEWLINK as `ip link add NAME type veth peer name PEER netns PEER_NS` sends it, on
 * @p nl, a NETLINK_ROUTE socket of the namespace NAME is to be created in:
 *   ifinfomsg | IFLA_IFNAME | IFLA_LINKINFO { IFLA_INFO_KIND "veth" | IFLA_INFO_DATA {
 *     VETH_INFO_PEER { ifinfomsg | IFLA_IFNAME | IFLA_NET_NS_FD } } }
 */
static int
veth_create(int nl, const char *name, const char *peer, int peer_ns)
{
	union {
		struct nlmsghdr h;
		char buf[512];
	} req, ack;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	const struct nlmsgerr *e = NLMSG_DATA(&ack.h);
	struct rtattr *info, *data, *pr;
	uint32_t ns = (uint32_t)peer_ns;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_type = RTM_NEWLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
	req.h.nlmsg_seq = 1;
	memcpy(NLMSG_DATA(&req.h), &ifi, sizeof(ifi));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(ifi));
	nl_put(&req.h, IFLA_IFNAME, name, strlen(name) + 1);
	info = nl_put(&req.h, IFLA_LINKINFO, NULL, 0);
	nl_put(&req.h, IFLA_INFO_KIND, "veth", 5);
	data = nl_put(&req.h, IFLA_INFO_DATA, NULL, 0);
	pr = nl_put(&req.h, VETH_INFO_PEER, &ifi, sizeof(ifi));
	nl_put(&req.h, IFLA_IFNAME, peer, strlen(peer) + 1);
	nl_put(&req.h, IFLA_NET_NS_FD, &ns, sizeof(ns));
	nl_nest_end(&req.h, pr);
	nl_nest_end(&req.h, data);
	nl_nest_end(&req.h, info);
	if (send(nl, &req, req.h.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(nl, &ack, sizeof(ack), 0);
	if (n < 0)
		return -errno;
	if ((size_t)n < NLMSG_LENGTH(sizeof(*e)) || ack.h.nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	return e->error; /* 0 or -errno */
}

static int
if_ioctl(int sk, unsigned long req, struct ifreq *ifr)
{
	return ioctl(sk, req, ifr) < 0 ? -errno : 0;
}

/* Address @p ip/24 (none if 0), MTU (unless 0) and up, through @p sk of the namespace. */
static int
if_up(int sk, const char *name, uint32_t ip, uint16_t mtu)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int rc = 0;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ip != 0) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(ip);
		rc = if_ioctl(sk, SIOCSIFADDR, &ifr);
		sin->sin_addr.s_addr = htonl(K_NETMASK);
		if (rc == 0)
			rc = if_ioctl(sk, SIOCSIFNETMASK, &ifr);
	}
	if (mtu != 0 && rc == 0) {
		ifr.ifr_mtu = mtu;
		rc = if_ioctl(sk, SIOCSIFMTU, &ifr);
	}
	if (rc == 0)
		rc = if_ioctl(sk, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	return rc == 0 ? if_ioctl(sk, SIOCSIFFLAGS, &ifr) : rc;
}

/* One legacy ethtool get or set command; *v in and out. */
static int
ethtool_value(int sk, const char *name, uint32_t cmd, uint32_t *v)
{
	struct ethtool_value ev = { .cmd = cmd, .data = *v };
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (char *)&ev;
	if (ioctl(sk, SIOCETHTOOL, &ifr) < 0)
		return -errno;
	*v = ev.data;
	return 0;
}

/* --kernel-no-offload: the sender then builds, and the veth carries, one MSS per packet, and
 * the receiver takes them one by one. */
static int
offload_off(int sk, const char *name)
{
	static const uint32_t cmds[] = { ETHTOOL_STSO, ETHTOOL_SGSO, ETHTOOL_SGRO };
	int rc = 0;

	for (size_t i = 0; i < RTE_DIM(cmds) && rc == 0; i++) {
		uint32_t v = 0;

		rc = ethtool_value(sk, name, cmds[i], &v);
	}
	return rc;
}

static void
offload_read(int sk, struct kside *s)
{
	for (unsigned int i = 0; i < K_N_OFFLOADS; i++) {
		uint32_t v = 0;

		s->offload[i] = ethtool_value(sk, s->ifname, offloads[i].get, &v) == 0 && v != 0;
	}
}

/* A socket listening on @p port of every address of the calling thread's namespace. */
static int
listen_socket(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4096) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Write a sysctl of the calling thread's network namespace (/proc/sys/net follows the
 * namespace of the thread that opens it). */
static int
sysctl_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

/*
 * The client namespace: libfasttcp's ephemeral ports (49152-65535) and tcp_tw_reuse = 1, so
 * that connect() may take over a TIME-WAIT 4-tuple 1 s old (tcp_tw_reuse_delay), the
 * kernel's counterpart of the stacks' --time-wait-ms 1000 (its TIME-WAIT is 60 s). Only crr
 * opens connections fast enough to notice.
 */
static int
client_sysctls(void)
{
	int rc = sysctl_write("/proc/sys/net/ipv4/ip_local_port_range", "49152 65535");

	return rc < 0 ? rc : sysctl_write("/proc/sys/net/ipv4/tcp_tw_reuse", "1");
}

/* In a new namespace for @p s: its descriptor and control socket; for the server also the
 * listening sockets and the rtnetlink socket. The caller goes back to its namespace. */
static int
side_ns_create(struct kside *s, int *sk, int *nl)
{
	struct bench_kernel *k = s->k;

	s->ns_fd = ns_create();
	if (s->ns_fd < 0)
		return bench_kernel_fail(k, s->ns_fd, "unshare(CLONE_NEWNET) (root needed)");
	*sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (*sk < 0)
		return bench_kernel_fail(k, -errno, "socket");
	if (s->side == KS_CLIENT) {
		int rc = client_sysctls();

		return rc < 0 ? bench_kernel_fail(k, rc, "client namespace sysctls") : 0;
	}
	for (uint16_t p = 0; p < k->n_ports; p++) {
		k->lfd[p] = listen_socket((uint16_t)(BENCH_PORT + p));
		if (k->lfd[p] < 0)
			return bench_kernel_fail(k, k->lfd[p], "listen");
	}
	*nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	return *nl < 0 ? bench_kernel_fail(k, -errno, "netlink socket") : 0;
}

/* Addresses, MTU and offloads of both ends. */
static int
veth_configure(struct bench_kernel *k, const int sk[KS_N])
{
	static const uint32_t ip[KS_N] = { [KS_SERVER] = K_SERVER_IP, [KS_CLIENT] = K_CLIENT_IP };
	int rc;

	for (int i = 0; i < KS_N; i++) {
		struct kside *s = &k->s[i];

		rc = if_up(sk[i], "lo", 0, 0);
		if (rc == 0)
			rc = if_up(sk[i], s->ifname, ip[i], k->o->mtu);
		if (rc < 0)
			return bench_kernel_fail(k, rc, "veth address/MTU/up");
		if (k->o->kernel_no_offload && (rc = offload_off(sk[i], s->ifname)) < 0)
			return bench_kernel_fail(k, rc, "ethtool: TSO/GSO/GRO off");
		offload_read(sk[i], s);
	}
	return 0;
}

int
bench_kernel_net_create(struct bench_kernel *k)
{
	int orig, sk[KS_N] = { -1, -1 }, nl = -1, rc = 0;

	for (int i = 0; i < KS_N; i++)
		snprintf(k->s[i].ifname, IFNAMSIZ, "fbk%d%c", (int)(getpid() % 10000000),
			 i == KS_SERVER ? 's' : 'c');
	orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return bench_kernel_fail(k, -errno, "/proc/thread-self/ns/net");
	for (int i = 0; i < KS_N && rc == 0; i++)
		rc = side_ns_create(&k->s[i], &sk[i], &nl);
	if (setns(orig, CLONE_NEWNET) < 0) {
		/* Every later socket of the main thread would be in a private namespace. */
		perror("fasttcp-bench: setns() back to the original namespace");
		abort();
	}
	close(orig);
	if (rc == 0) {
		rc = veth_create(nl, k->s[KS_SERVER].ifname, k->s[KS_CLIENT].ifname,
				 k->s[KS_CLIENT].ns_fd);
		rc = rc < 0 ? bench_kernel_fail(k, rc, "veth pair (rtnetlink)") :
		     veth_configure(k, sk);
	}
	for (int i = 0; i < KS_N; i++)
		if (sk[i] >= 0)
			close(sk[i]);
	if (nl >= 0)
		close(nl);
	return rc;
}

void
bench_kernel_net_close(struct bench_kernel *k)
{
	for (uint16_t p = 0; p < K_MAX_PORTS; p++) {
		if (k->lfd[p] >= 0)
			close(k->lfd[p]);
		k->lfd[p] = -1;
	}
	for (int i = 0; i < KS_N; i++) {
		if (k->s[i].ns_fd >= 0)
			close(k->s[i].ns_fd);
		k->s[i].ns_fd = -1;
	}
}

void
bench_kernel_wire_read(struct kside *s)
{
	unsigned long long rb, rp, x[6], tb, tp;
	FILE *f = fopen("/proc/thread-self/net/dev", "re");
	char line[512], name[IFNAMSIZ + 2];

	if (f == NULL)
		return;
	snprintf(name, sizeof(name), "%s:", s->ifname);
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = strstr(line, name);

		/* rx: bytes packets errs drop fifo frame compressed multicast; tx: bytes packets */
		if (p == NULL || sscanf(p + strlen(name), "%llu %llu %llu %llu %llu %llu %llu %llu "
					"%llu %llu", &rb, &rp, &x[0], &x[1], &x[2], &x[3], &x[4],
					&x[5], &tb, &tp) != 10)
			continue;
		s->tx_bytes = tb;
		s->tx_pkts = tp;
	}
	fclose(f);
}

const char *
bench_kernel_offload_name(unsigned int i)
{
	return offloads[i].name;
}
