/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fasttcp-bench: two libfasttcp stacks in one process, a client on one lcore and a server on
 * another, joined by the in-process ring port pair through the impairment stage. A workload
 * is a small ops table (struct bench_workload) in its own file; main.c owns EAL, the stacks,
 * the per-second lines and the RESULT line; opts.c the command line.
 */
#ifndef FT_APPS_BENCH_BENCH_H
#define FT_APPS_BENCH_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <fasttcp/fasttcp.h>

#define BENCH_MAX_STREAMS 1024
#define BENCH_PORT 5001
#define BENCH_SERVER_IP 0xc6336401 /* 198.51.100.1 */
#define BENCH_CLIENT_IP 0xc6336402 /* 198.51.100.2 */
/* Workloads with many connections spread them over listening ports BENCH_PORT, +1, ...: the
 * client has 16384 ephemeral ports per destination (49152..65535). */
#define BENCH_CONNS_PER_PORT 16000
#define BENCH_MAX_CONNS 4000000
#define BENCH_MAX_LCORES_PER_SIDE 8

/* Which directions the impairment applies to. */
enum bench_impair_dir { BENCH_DIR_BOTH, BENCH_DIR_DATA, BENCH_DIR_ACK };

/* The command line (opts.c). */
struct bench_opts {
	const char *workload;
	uint32_t streams;
	uint64_t bytes;          /* per stream; 0 in duration mode */
	double duration_s;       /* 0 in bytes mode */
	uint16_t mtu;
	uint32_t sndbuf, rcvbuf; /* 0 = stack default */
	uint32_t mbufs;          /* per stack */
	const char *cc;          /* congestion control; NULL = the stack's default */
	const char *evlog;       /* dump the first client connection's event log here */
	uint32_t min_rto_ms;     /* 0 = the stack's default */
	double timeout_s;
	bool verify;             /* compare every byte and SHA-256 both ends */
	struct ft_impair_conf impair;
	enum bench_impair_dir impair_dir;
	/* rr, crr and idle (resolved: never 0 after bench_opts_parse()) */
	uint32_t conns;          /* rr: connections; crr: concurrent slots; idle: connections */
	uint32_t req_size;       /* rr, crr: request bytes (default 64) */
	uint32_t resp_size;      /* rr, crr: response bytes (default 64) */
	uint32_t time_wait_ms;   /* TIME-WAIT of both stacks (default 1000) */
	bool kernel;             /* then the same workload over kernel sockets (kernel.c) */
	bool kernel_no_offload;  /* ... with TSO, GSO and GRO off on the veth pair */
	bool kernel_busy_poll;   /* ... its threads spinning on epoll_wait(0), as lcores poll */
	bool ack_batching;       /* tcp.ack_batching of both stacks (default on; --batching) */
	uint32_t lcores_per_side; /* 0: server and client each on its own lcore; N: both stacks
				   * with N workers, lcore i polling worker i of each (copoll.c) */
	uint8_t ring_rss;        /* enum ft_ring_rss of the ring pair (--rss) */
	bool tso;                /* TSO on the ring ports when not impaired (default on; --tso) */
};

/* Figures a workload reports while running (read by the main thread, written by workers:
 * snapshots may be a few packets old). */
struct bench_progress {
	uint64_t bytes;     /* payload delivered and verified so far */
	uint32_t done;      /* streams (or units of work: rr transactions, crr connections, idle
			     * connections established) finished in [t_first, t_last] */
	uint32_t failed;
	bool finished;      /* nothing more will happen */
	uint64_t t_first;   /* TSC of the first established connection, 0 = none yet */
	uint64_t t_last;    /* TSC of the last completion */
};

struct bench;
struct bench_kernel;

/* A workload: all hooks optional except name, setup, progress and report. */
struct bench_workload {
	const char *name;
	const char *summary;
	uint32_t default_conns;     /* --conns when not given (0: the workload ignores it) */
	double default_duration_s;  /* --duration when neither it nor --bytes is given */
	/* Main thread, before EAL init: the EAL memory (-m, MiB) when no EAL option is given;
	 * NULL = 1024. */
	uint32_t (*eal_mem_mb)(const struct bench_opts *o);
	/* Main thread, before each stack is created (@p server: which one): size it. */
	void (*stack_conf)(const struct bench *b, bool server, struct ft_stack_conf *c);
	/* Main thread, stacks created but not started: listen, allocate. 0 or -errno. */
	int (*setup)(struct bench *b);
	/* Poll hooks, once per loop iteration of the client / server worker. */
	void (*client_poll)(struct ft_worker *w, void *bench);
	void (*server_poll)(struct ft_worker *w, void *bench);
	/* Main thread, any time. */
	void (*progress)(const struct bench *b, struct bench_progress *p);
	/* Main thread, once a second while running: print the workload's own live line instead
	 * of the goodput line; @p t_s is the time since the start. */
	void (*line)(const struct bench *b, double t_s);
	/* Main thread, stacks stopped: print the workload's JSON members (",\"k\":v" each) and
	 * per-stream diagnostics to stderr. @return true if every unit of work completed intact
	 * (*verified says whether a SHA-256 comparison was made). */
	bool (*report)(struct bench *b, FILE *json, bool *verified);
	/* Main thread, after the stacks were destroyed. */
	void (*teardown)(struct bench *b);
};

/* The run (main.c). */
struct bench {
	struct bench_opts o;
	const struct bench_workload *wl;
	struct ft_stack *server, *client;
	uint64_t hz;
	uint64_t t_start;       /* TSC when the stacks started */
	uint64_t heap_server_bytes, heap_client_bytes; /* rte_malloc heap each stack took when
							* it was created (mempools included) */
	void *wl_state;
	struct bench_kernel *kernel; /* --kernel: the reference run (kernel.h) */
	uint16_t port_base;          /* first listening port (BENCH_PORT; a shard: its own) */
	struct bench_copoll *copoll; /* --lcores-per-side: the shards (copoll.c), else NULL */
};

/* opts.c */
/* Parse the app options. @return 0, 1 (--help printed), or -1 (message printed). */
int bench_opts_parse(int argc, char **argv, struct bench_opts *o);
const struct bench_workload *bench_workload_find(const char *name);

/* copoll.c (--lcores-per-side): wrap b->wl into N shards polled from @p lcores (main thread,
 * stacks created, @return 0 or -errno); launch and stop the polling lcores. */
int bench_copoll_prepare(struct bench *b, const unsigned int *lcores);
int bench_copoll_start(struct bench *b);
void bench_copoll_stop(struct bench *b);

/* Workloads. */
extern const struct bench_workload bench_bulk;
extern const struct bench_workload bench_rr;
extern const struct bench_workload bench_crr;
extern const struct bench_workload bench_idle;

#endif /* FT_APPS_BENCH_BENCH_H */
