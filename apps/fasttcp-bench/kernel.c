/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fasttcp-bench --kernel: the libfasttcp run's workload again over Linux kernel TCP sockets,
 * as the reference its figures are compared with, in the same process and after that run
 * (the two never overlap).
 *
 * The shape mirrors the two lcores: a server thread and a client thread, each one
 * level-triggered epoll loop over non-blocking sockets (sleeping in epoll_wait(), or with
 * --kernel-busy-poll spinning on epoll_wait(0) as the lcores poll), each pinned with
 * sched_setaffinity() to the CPUs of the lcore of its side (main.c puts the server stack on
 * the first worker lcore), each in its own network namespace (kernel_netns.c: anonymous
 * namespaces joined by a veth pair, gone by themselves when the run ends or the process
 * dies). The workloads' kernel sides (kernel_bulk.c, kernel_rr.c, kernel_crr.c and their
 * server kernel_reqresp.c) do what the libfasttcp ones do, with the same bytes and checks.
 * Socket options follow the command line: --sndbuf/--rcvbuf set SO_SNDBUF/SO_RCVBUF (which,
 * as for the ring stack, fixes the buffer: no autotuning), --cc sets TCP_CONGESTION (newreno
 * -> reno). Not mirrored: the ring port's impairment stage and --min-rto-ms.
 *
 * Measured, per side: the thread's CPU time (getrusage RUSAGE_THREAD: user = the application,
 * sys = socket calls plus the softirq work done on their way - this kernel has no
 * IRQ_TIME_ACCOUNTING, so softirq time lands on the interrupted task), ksoftirqd's time on
 * the side's CPUs (schedstat), and the side's CPUs as a whole (/proc/stat, which also counts
 * other processes); and the libfasttcp lcores' CPU time (schedstat of the EAL threads
 * rte-worker-N, read after their run). The ratio is libfasttcp's figure over the kernel's;
 * ratio_per_cpu the same per CPU second (thread + ksoftirqd time on the kernel side).
 * Not here: the namespaces (kernel_netns.c) and the workloads.
 */
#define _GNU_SOURCE /* CPU_SET, RUSAGE_THREAD, pthread_setname_np, setns */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "kernel.h"
#include "kernel_int.h"

#define NS_PER_S 1000000000ull

static const char *const side_names[KS_N] = { [KS_SERVER] = "server", [KS_CLIENT] = "client" };

static const struct kwl *const kwls[] = {
	&bench_kernel_bulk, &bench_kernel_rr, &bench_kernel_crr,
};

/* ---- helpers shared with the workloads --------------------------------------------------- */

uint64_t
bench_kernel_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

bool
bench_kernel_stopped(struct bench_kernel *k)
{
	return __atomic_load_n(&k->stop, __ATOMIC_ACQUIRE);
}

int
bench_kernel_fail(struct bench_kernel *k, int err, const char *what)
{
	if (k->error == NULL) {
		k->error = what;
		k->err = err;
	}
	return err;
}

int
bench_kernel_sock_opts(const struct bench_opts *o, int fd)
{
	int v;

	if (o->sndbuf != 0) {
		v = (int)o->sndbuf;
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) < 0)
			return -errno;
	}
	if (o->rcvbuf != 0) {
		v = (int)o->rcvbuf;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
			return -errno;
	}
	if (o->cc != NULL) {
		const char *cc = strcmp(o->cc, "newreno") == 0 ? "reno" : o->cc;

		if (setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, (socklen_t)strlen(cc)) < 0)
			return -errno;
	}
	return 0;
}

int
bench_kernel_connect(const struct bench_opts *o, uint16_t port, int ep, uint32_t events,
		     uint64_t data, uint16_t *lport)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(K_SERVER_IP) };
	struct epoll_event ev = { .events = events, .data.u64 = data };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bench_kernel_sock_opts(o, fd) < 0 ||
	    (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	*lport = ntohs(sa.sin_port);
	return fd;
}

int
bench_kernel_sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

void
bench_kernel_note_tcp_info(struct kside *s, int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int mss;

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0)
		s->retrans += ti.tcpi_total_retrans;
	len = sizeof(mss);
	if (s->mss == 0 && getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, &len) == 0)
		s->mss = mss;
}

void
bench_kernel_progress(struct kside *s, uint64_t units)
{
	__atomic_store_n(&s->units, units, __ATOMIC_RELAXED);
}

/* ---- CPU accounting ---------------------------------------------------------------------- */

/* The first field of a schedstat file: nanoseconds on a CPU. 0 if unreadable. */
static uint64_t
schedstat_ns(const char *path)
{
	unsigned long long ns = 0;
	FILE *f = fopen(path, "re");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns;
}

static bool
read_comm(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (f == NULL)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

/* CPU time of ksoftirqd/N for each CPU N of @p set, in ns. */
static uint64_t
ksoftirqd_ns(const cpu_set_t *set)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	uint64_t sum = 0;
	char path[300], comm[32];
	unsigned int cpu;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if (!read_comm(path, comm, sizeof(comm)) ||
		    sscanf(comm, "ksoftirqd/%u", &cpu) != 1 || cpu >= CPU_SETSIZE ||
		    !CPU_ISSET(cpu, set))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/schedstat", de->d_name);
		sum += schedstat_ns(path);
	}
	closedir(d);
	return sum;
}

/* Busy ticks (user, nice, system, irq, softirq) of the CPUs of @p set, from /proc/stat. */
static uint64_t
cpu_busy_ticks(const cpu_set_t *set)
{
	unsigned long long u, ni, sy, id, io, irq, sirq;
	FILE *f = fopen("/proc/stat", "re");
	uint64_t sum = 0;
	unsigned int cpu;
	char line[512];

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "cpu", 3) != 0 || line[3] < '0' || line[3] > '9')
			continue;
		if (sscanf(line + 3, "%u %llu %llu %llu %llu %llu %llu %llu", &cpu, &u, &ni, &sy,
			   &id, &io, &irq, &sirq) == 8 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, set))
			sum += u + ni + sy + irq + sirq;
	}
	fclose(f);
	return sum;
}

/* CPU seconds of the EAL thread of @p lcore so far (DPDK 22.11 names it rte-worker-N,
 * older releases lcore-worker-N); -1 if there is none. */
static double
lcore_cpu_s(unsigned int lcore)
{
	char path[300], comm[32], want[2][32];
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	double s = -1;

	if (d == NULL)
		return -1;
	snprintf(want[0], sizeof(want[0]), "rte-worker-%u", lcore);
	snprintf(want[1], sizeof(want[1]), "lcore-worker-%u", lcore);
	while (s < 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
		if (!read_comm(path, comm, sizeof(comm)) ||
		    (strcmp(comm, want[0]) != 0 && strcmp(comm, want[1]) != 0))
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/schedstat", de->d_name);
		s = (double)schedstat_ns(path) / 1e9;
	}
	closedir(d);
	return s;
}

static void
cpu_sample(struct bench_kernel *k, int when)
{
	for (int i = 0; i < KS_N; i++) {
		k->s[i].ksoft_ns[when] = ksoftirqd_ns(&k->s[i].cpus);
		k->s[i].busy_ticks[when] = cpu_busy_ticks(&k->s[i].cpus);
	}
}

/* The two worker lcores of the libfasttcp run (as in main.c, the first is the server's),
 * their CPUs, and the CPU time they used. */
static int
lcores_find(struct bench_kernel *k)
{
	unsigned int lcore, n = 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (n < KS_N) {
			rte_cpuset_t c = rte_lcore_cpuset(lcore);
			struct kside *s = &k->s[n == 0 ? KS_SERVER : KS_CLIENT];

			s->lcore = lcore;
			memcpy(&s->cpus, &c, sizeof(s->cpus));
			s->ft_cpu_s = lcore_cpu_s(lcore);
		}
		n++;
	}
	return n < KS_N ? bench_kernel_fail(k, -EINVAL, "fewer than two worker lcores") : 0;
}

/* ---- the run ----------------------------------------------------------------------------- */

static double
tv_s(const struct timeval *a, const struct timeval *b)
{
	return (double)(a->tv_sec - b->tv_sec) + (double)(a->tv_usec - b->tv_usec) / 1e6;
}

static void *
side_main(void *arg)
{
	struct kside *s = arg;
	struct bench_kernel *k = s->k;
	struct rusage r0, r1;

	pthread_setname_np(pthread_self(), s->side == KS_SERVER ? "fb-kernel-srv" :
			   "fb-kernel-cli");
	if (setns(s->ns_fd, CLONE_NEWNET) < 0 ||
	    sched_setaffinity(0, sizeof(s->cpus), &s->cpus) < 0)
		s->rc = -errno;
	getrusage(RUSAGE_THREAD, &r0);
	if (s->rc == 0)
		s->rc = k->ops->run[s->side](s);
	getrusage(RUSAGE_THREAD, &r1);
	s->user_s = tv_s(&r1.ru_utime, &r0.ru_utime);
	s->sys_s = tv_s(&r1.ru_stime, &r0.ru_stime);
	bench_kernel_wire_read(s);
	if (s->rc < 0)
		__atomic_store_n(&k->stop, true, __ATOMIC_RELEASE);
	__atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static bool
side_done(struct kside *s)
{
	return __atomic_load_n(&s->done, __ATOMIC_ACQUIRE);
}

static uint64_t
units_now(struct bench_kernel *k)
{
	return __atomic_load_n(&k->s[KS_SERVER].units, __ATOMIC_RELAXED) +
	       __atomic_load_n(&k->s[KS_CLIENT].units, __ATOMIC_RELAXED);
}

/* Main thread: a line per second until both threads are done; ask them to stop on a signal
 * or after --timeout. */
static void
monitor(struct bench_kernel *k, const volatile sig_atomic_t *stop)
{
	uint64_t t0 = bench_kernel_now_ns(), t_prev = t0, u_prev = 0, t;

	while (!side_done(&k->s[KS_SERVER]) || !side_done(&k->s[KS_CLIENT])) {
		usleep(20000);
		t = bench_kernel_now_ns();
		if (!bench_kernel_stopped(k) &&
		    (*stop || (double)(t - t0) / 1e9 > k->o->timeout_s)) {
			fprintf(stderr, "fasttcp-bench: kernel run %s\n",
				*stop ? "interrupted" : "timed out");
			__atomic_store_n(&k->stop, true, __ATOMIC_RELEASE);
		}
		if (t - t_prev >= NS_PER_S) {
			uint64_t u = units_now(k);

			printf("[kernel %7.2f s] %s %9.3f %s\n", (double)(t - t0) / 1e9,
			       k->ops->name, (double)(u - u_prev) * k->ops->line_scale /
			       ((double)(t - t_prev) / 1e9), k->ops->line_unit);
			fflush(stdout);
			t_prev = t;
			u_prev = u;
		}
	}
}

/* Threads started, watched and joined. @return 0 or the first thread's error. */
static int
threads_run(struct bench_kernel *k, const volatile sig_atomic_t *stop)
{
	int rc = 0;

	cpu_sample(k, 0);
	for (int i = 0; i < KS_N; i++) {
		rc = pthread_create(&k->s[i].th, NULL, side_main, &k->s[i]);
		if (rc != 0) {
			__atomic_store_n(&k->stop, true, __ATOMIC_RELEASE);
			__atomic_store_n(&k->s[i].done, true, __ATOMIC_RELEASE);
			rc = bench_kernel_fail(k, -rc, "pthread_create");
			break;
		}
		k->s[i].started = true;
	}
	monitor(k, stop);
	for (int i = 0; i < KS_N; i++)
		if (k->s[i].started)
			pthread_join(k->s[i].th, NULL);
	cpu_sample(k, 1);
	for (int i = 0; i < KS_N && rc == 0; i++)
		if (k->s[i].rc < 0)
			rc = bench_kernel_fail(k, k->s[i].rc, side_names[i]);
	return rc;
}

static struct bench_kernel *
kernel_new(struct bench *b)
{
	struct bench_kernel *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	k->b = b;
	k->o = &b->o;
	k->wait_ms = b->o.kernel_busy_poll ? 0 : K_WAIT_MS;
	for (int i = 0; i < K_MAX_PORTS; i++)
		k->lfd[i] = -1;
	for (int i = 0; i < KS_N; i++) {
		k->s[i].k = k;
		k->s[i].side = i;
		k->s[i].ns_fd = -1;
		k->s[i].ft_cpu_s = -1;
	}
	for (size_t i = 0; i < RTE_DIM(kwls); i++)
		if (strcmp(kwls[i]->name, b->wl->name) == 0)
			k->ops = kwls[i];
	return k;
}

int
bench_kernel_run(struct bench *b, const volatile sig_atomic_t *stop)
{
	struct bench_kernel *k = kernel_new(b);
	int rc;

	b->kernel = k;
	if (k == NULL)
		return -ENOMEM;
	if (k->ops == NULL)
		return bench_kernel_fail(k, -ENOTSUP, "no kernel side for this workload");
	rc = lcores_find(k);
	if (rc == 0 && (rc = k->ops->setup(k)) < 0)
		bench_kernel_fail(k, rc, "setup");
	if (rc == 0 && k->n_ports > K_MAX_PORTS)
		rc = bench_kernel_fail(k, -E2BIG, "too many listening ports");
	if (rc == 0)
		rc = bench_kernel_net_create(k);
	if (rc == 0) {
		printf("kernel reference: %s over veth %s - %s (private namespaces), mtu %u\n",
		       k->ops->name, k->s[KS_CLIENT].ifname, k->s[KS_SERVER].ifname, b->o.mtu);
		fflush(stdout);
		rc = threads_run(k, stop);
	}
	bench_kernel_net_close(k);
	if (rc == 0)
		k->ops->result(k);
	return rc;
}

/* ---- report ------------------------------------------------------------------------------ */

static void
json_cpus(FILE *f, const cpu_set_t *set)
{
	const char *sep = "";

	fprintf(f, "[");
	for (unsigned int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, set)) {
			fprintf(f, "%s%u", sep, c);
			sep = ",";
		}
	fprintf(f, "]");
}

static double
ksoft_s(const struct kside *s)
{
	return (double)(s->ksoft_ns[1] - s->ksoft_ns[0]) / 1e9;
}

static double
side_cpu_s(const struct kside *s)
{
	return s->user_s + s->sys_s + ksoft_s(s);
}

static void
json_side(FILE *f, const struct kside *s)
{
	long hz = sysconf(_SC_CLK_TCK);

	fprintf(f, ",\"%s\":{\"cpus\":", side_names[s->side]);
	json_cpus(f, &s->cpus);
	fprintf(f, ",\"offload\":{");
	for (unsigned int i = 0; i < K_N_OFFLOADS; i++)
		fprintf(f, "%s\"%s\":%s", i ? "," : "", bench_kernel_offload_name(i),
			s->offload[i] ? "true" : "false");
	fprintf(f, "},\"tx_pkts\":%" PRIu64 ",\"tx_mean_bytes\":%.0f,\"user_s\":%.3f,"
		"\"sys_s\":%.3f,\"ksoftirqd_s\":%.3f,\"cpu_s\":%.3f,\"cpus_busy_s\":%.2f}",
		s->tx_pkts, s->tx_pkts ? (double)s->tx_bytes / (double)s->tx_pkts : 0.0,
		s->user_s, s->sys_s, ksoft_s(s), side_cpu_s(s),
		hz > 0 ? (double)(s->busy_ticks[1] - s->busy_ticks[0]) / (double)hz : 0.0);
}

static void
json_ft_cpu(FILE *f, const struct bench_kernel *k)
{
	fprintf(f, ",\"fasttcp_cpu\":{");
	for (int i = 0; i < KS_N; i++) {
		const struct kside *s = &k->s[i];

		fprintf(f, "%s\"%s\":{\"lcore\":%u,\"cpus\":", i ? "," : "", side_names[i],
			s->lcore);
		json_cpus(f, &s->cpus);
		if (s->ft_cpu_s >= 0)
			fprintf(f, ",\"cpu_s\":%.3f}", s->ft_cpu_s);
		else
			fprintf(f, ",\"cpu_s\":null}");
	}
	fprintf(f, "}");
}

/* libfasttcp's units of work per CPU second over the kernel's. 0 if unknown. */
static double
ratio_per_cpu(const struct bench_kernel *k, const struct bench_progress *p)
{
	double ft_cpu = k->s[0].ft_cpu_s + k->s[1].ft_cpu_s;
	double k_cpu = side_cpu_s(&k->s[0]) + side_cpu_s(&k->s[1]);

	if (k->s[0].ft_cpu_s < 0 || k->s[1].ft_cpu_s < 0 || ft_cpu <= 0 || k_cpu <= 0 ||
	    k->units == 0)
		return 0;
	return ((double)k->ops->ft_units(k->b, p) / ft_cpu) / ((double)k->units / k_cpu);
}

bool
bench_kernel_report(const struct bench *b, FILE *json, const struct bench_progress *p,
		    double secs)
{
	const struct bench_kernel *k = b->kernel;
	double kf, ff, rpc;

	if (k == NULL)
		return true;
	if (k->error != NULL) {
		fprintf(json, ",\"kernel\":{\"error\":\"%s: %s\",\"ok\":false},\"ratio\":null",
			k->error, strerror(-k->err));
		return false;
	}
	fprintf(json, ",\"kernel\":{\"workload\":\"%s\",\"netns\":\"private\",\"veth\":"
		"[\"%s\",\"%s\"],\"mtu\":%u,\"mss\":%d,\"cc\":\"%s\",\"busy_poll\":%s",
		k->ops->name, k->s[KS_CLIENT].ifname, k->s[KS_SERVER].ifname, k->o->mtu,
		k->s[KS_CLIENT].mss, k->o->cc ? k->o->cc : "default",
		k->o->kernel_busy_poll ? "true" : "false");
	k->ops->json(k, json);
	json_side(json, &k->s[KS_SERVER]);
	json_side(json, &k->s[KS_CLIENT]);
	fprintf(json, ",\"ok\":%s}", k->ok ? "true" : "false");
	json_ft_cpu(json, k);
	kf = k->ops->figure(k);
	ff = k->ops->ft_figure(b, p, secs);
	rpc = ratio_per_cpu(k, p);
	fprintf(json, ",\"ratio_of\":\"%s\"", k->ops->ratio_of);
	if (kf > 0)
		fprintf(json, ",\"ratio\":%.3f", ff / kf);
	else
		fprintf(json, ",\"ratio\":null");
	if (rpc > 0)
		fprintf(json, ",\"ratio_per_cpu\":%.3f", rpc);
	else
		fprintf(json, ",\"ratio_per_cpu\":null");
	return k->ok;
}

void
bench_kernel_destroy(struct bench *b)
{
	struct bench_kernel *k = b->kernel;

	if (k == NULL)
		return;
	if (k->ops != NULL && k->ops->teardown != NULL)
		k->ops->teardown(k);
	free(k);
	b->kernel = NULL;
}
