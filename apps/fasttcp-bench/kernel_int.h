/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to the --kernel reference run: the state shared by kernel.c (the run: threads,
 * CPU accounting, report), kernel_netns.c (namespaces and the veth pair) and the kernel side
 * of each workload (kernel_bulk.c, kernel_rr.c, kernel_crr.c; kernel_reqresp.c: their
 * server), and the socket helpers they share.
 *
 * Threads: a struct kside belongs to its thread while the run lasts, except the fields
 * marked atomic; the main thread reads everything else after joining the threads.
 */
#ifndef FT_APPS_BENCH_KERNEL_INT_H
#define FT_APPS_BENCH_KERNEL_INT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* cpu_set_t; the .c files define it before their first include */
#endif
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench.h"

#define K_SERVER_IP 0x0a630001 /* 10.99.0.1: exists only inside the server namespace */
#define K_CLIENT_IP 0x0a630002 /* 10.99.0.2: only inside the client namespace */
#define K_EVENTS 64            /* epoll_wait() batch */
#define K_WAIT_MS 50           /* epoll_wait() timeout: how soon a stop request is seen */
#define K_MAX_PORTS 256        /* listening ports (BENCH_PORT, +1, ...) */
#define K_N_OFFLOADS 6         /* veth features reported: kernel_netns.c */

enum { KS_SERVER, KS_CLIENT, KS_N };

struct bench_kernel;

/* One side: a thread, its namespace, its figures. */
struct kside {
	struct bench_kernel *k;
	int side;                 /* KS_SERVER or KS_CLIENT */
	pthread_t th;
	bool started;
	bool done;                /* atomic: the thread has finished */
	int ns_fd;                /* its network namespace */
	cpu_set_t cpus;           /* those of the libfasttcp lcore of the same side */
	unsigned int lcore;
	char ifname[IFNAMSIZ];    /* its end of the veth pair */
	bool offload[K_N_OFFLOADS];
	int rc;                   /* the thread's setup or loop: 0 or -errno */
	uint64_t units;           /* atomic (relaxed): progress, for the per-second lines */
	int mss;                  /* client: TCP_MAXSEG of the first connection */
	uint64_t retrans;         /* client: tcpi_total_retrans summed over its connections */
	uint64_t tx_pkts, tx_bytes; /* its veth end's transmit counters at the end */
	double user_s, sys_s;     /* thread CPU time over the run */
	uint64_t ksoft_ns[2];     /* ksoftirqd of its CPUs: before and after */
	uint64_t busy_ticks[2];   /* its CPUs' busy time (/proc/stat): before and after */
	double ft_cpu_s;          /* CPU time of the libfasttcp lcore, -1 = unknown */
	void *wl;                 /* the workload's per-side state */
};

/* A workload's kernel side: an ops table like struct bench_workload. */
struct kwl {
	const char *name;         /* = the libfasttcp workload's */
	const char *ratio_of;     /* the RESULT member the ratio compares */
	const char *line_unit;    /* per-second lines: units/s * line_scale line_unit */
	double line_scale;
	/* Main thread, before the network exists: allocate; set k->n_ports. 0 or -errno. */
	int (*setup)(struct bench_kernel *k);
	/* The side threads, in their namespaces. 0 or -errno. */
	int (*run[KS_N])(struct kside *s);
	/* Main thread, threads joined: fill k->ok, k->units (, k->verified). */
	void (*result)(struct bench_kernel *k);
	/* The kernel object's workload members (",\"k\":v" each). */
	void (*json)(const struct bench_kernel *k, FILE *f);
	/* The ratio's figures: the kernel run's and the libfasttcp run's. */
	double (*figure)(const struct bench_kernel *k);
	double (*ft_figure)(const struct bench *b, const struct bench_progress *p, double secs);
	/* Units of work of the libfasttcp run (bytes, transactions...): ratio_per_cpu. */
	uint64_t (*ft_units)(const struct bench *b, const struct bench_progress *p);
	/* Main thread, always (also after a failed setup). */
	void (*teardown)(struct bench_kernel *k);
};

struct bench_kernel {
	const struct bench *b;
	const struct bench_opts *o;
	const struct kwl *ops;    /* the workload's kernel side */
	const char *error;        /* what failed, NULL = the run took place */
	int err;                  /* -errno of that failure */
	bool stop;                /* atomic: give up (signal, timeout, a side failed) */
	int wait_ms;              /* epoll_wait() timeout: K_WAIT_MS, or 0 (busy poll) */
	uint16_t n_ports;         /* listening ports BENCH_PORT .. + n_ports - 1 */
	int lfd[K_MAX_PORTS];     /* listening sockets, made in the server namespace */
	struct kside s[KS_N];
	void *wl;                 /* the workload's shared, read-only state */
	/* Results: main thread, after the threads ended. */
	bool ok;                  /* every unit of work completed intact */
	bool verified;            /* bulk: SHA-256 compared */
	uint64_t units;           /* bytes, transactions or connections completed */
};

/* kernel_netns.c */
/* Both namespaces, the veth pair (addresses, --mtu, offloads), the listening sockets. Main
 * thread, which is back in its own namespace on return. 0 or -errno (k->error says why). */
int bench_kernel_net_create(struct bench_kernel *k);
/* Close the listening sockets and namespace descriptors: once the threads are gone, the
 * namespaces and the veth pair are destroyed by the kernel. */
void bench_kernel_net_close(struct bench_kernel *k);
/* Side thread: its veth end's transmit counters (/proc/thread-self/net/dev). */
void bench_kernel_wire_read(struct kside *s);
/* The name of offload feature @p i (ethtool -k's, with _), for the JSON. */
const char *bench_kernel_offload_name(unsigned int i);

/* kernel.c: shared helpers */
uint64_t bench_kernel_now_ns(void);
/* Whether the run is to stop (any thread). */
bool bench_kernel_stopped(struct bench_kernel *k);
/* Record the first failure; @return @p err. */
int bench_kernel_fail(struct bench_kernel *k, int err, const char *what);
/* Socket options from the command line (--sndbuf, --rcvbuf, --cc) on a new socket. */
int bench_kernel_sock_opts(const struct bench_opts *o, int fd);
/* A non-blocking socket connecting to server port @p port, added to @p ep with @p events and
 * @p data (epoll_data.u64). @return the descriptor (its local port in *@p lport) or -errno. */
int bench_kernel_connect(const struct bench_opts *o, uint16_t port, int ep, uint32_t events,
			 uint64_t data, uint16_t *lport);
/* SO_ERROR of @p fd (an errno value, 0 = none). */
int bench_kernel_sock_error(int fd);
/* Client side: add @p fd's retransmissions to s->retrans; note its MSS if none yet. */
void bench_kernel_note_tcp_info(struct kside *s, int fd);
/* Relaxed store of s->units for the per-second lines. */
void bench_kernel_progress(struct kside *s, uint64_t units);

/* kernel_reqresp.c: reqresp.h's messages over sockets, and the server of rr and crr */
struct bench_msg_io;
struct bench_msg_tx;
/* Send what is left of message @p tx on @p fd (the tag is written into io->buf first).
 * @return 0: all sent; 1: the socket is full, wait for EPOLLOUT; -errno: failed. */
int bench_kernel_msg_send(struct bench_msg_io *io, int fd, struct bench_msg_tx *tx);
/* Close @p fd with a reset (SO_LINGER 0), as ft_conn_abort() does. */
void bench_kernel_abort(int fd);
/* Main thread: the server side's state (k->s[KS_SERVER].wl) and k->n_ports. 0 or -errno. */
int bench_kernel_rrsrv_setup(struct bench_kernel *k, uint32_t max_conns, uint16_t n_ports);
/* The server thread (kwl.run[KS_SERVER]): until the client is done and every connection
 * closed. */
int bench_kernel_rrsrv_run(struct kside *s);
/* Main thread, threads joined: its JSON members (",\"server_requests\":n..."). */
void bench_kernel_rrsrv_json(const struct bench_kernel *k, FILE *json);
/* Main thread, threads joined: whether it saw nothing wrong (else says what, to stderr). */
bool bench_kernel_rrsrv_ok(const struct bench_kernel *k);
void bench_kernel_rrsrv_teardown(struct bench_kernel *k);

/* Workloads. */
extern const struct kwl bench_kernel_bulk;
extern const struct kwl bench_kernel_rr;
extern const struct kwl bench_kernel_crr;

#endif /* FT_APPS_BENCH_KERNEL_INT_H */
