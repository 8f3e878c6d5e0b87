/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fasttcp-proxy internals, shared by its files and grouped below by the file that implements
 * them (the tcp.h pattern). The objects:
 *
 *   struct proxy           one per process: listeners, backends, workers, the pair pool
 *   struct proxy_listener  a configured listener: port (+ address), its backend range
 *   struct proxy_backend   one backend of one listener; down_until is the only field
 *                          workers write after start (any worker, relaxed atomics)
 *   struct proxy_worker    per-worker state and counters, written only by its worker
 *   struct proxy_pair      one proxied connection: the client side (FRONT) and the backend
 *                          side (BACK); from a mempool sized at start
 *
 * Everything a callback touches belongs to the connection's worker (share nothing), except
 * the backend down marks, which are advisory: a stale read only means one more connect to a
 * backend that just failed, or one less to one that just came back.
 */
#ifndef FT_APPS_PROXY_PROXY_H
#define FT_APPS_PROXY_PROXY_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "config.h"

struct ft_conn;
struct ft_stack;
struct ft_worker;
struct rte_mbuf;
struct rte_mempool;

enum proxy_side { PROXY_FRONT, PROXY_BACK };

/* Counters of one listener on one worker (summed on read). "active" is a gauge. */
#define PROXY_LISTENER_COUNTERS(X) \
	X(accepted, "client connections taken on") \
	X(active, "proxied connections now (gauge)") \
	X(completed, "ended with both directions closed cleanly") \
	X(client_errors, "ended by the client side: reset, timeout, or data it could not take") \
	X(backend_errors, "ended by the backend side: reset, timeout, or data it could not take") \
	X(refused_draining, "reset: arrived while draining") \
	X(refused_full, "reset: max_conns proxied connections already") \
	X(refused_address, "reset: to a local address no listener of the port serves") \
	X(no_backend, "reset: every backend attempt failed") \
	X(connect_retries, "backend attempts after a failed one") \
	X(drain_aborted, "reset when the drain timeout expired") \
	X(bytes_up, "bytes client -> backend") \
	X(bytes_down, "bytes backend -> client")

/* Counters of one backend on one worker. "active" is a gauge (connecting or proxying). */
#define PROXY_BACKEND_COUNTERS(X) \
	X(attempts, "connects started") \
	X(connected, "connects completed") \
	X(refused, "connects answered by RST") \
	X(timeouts, "connects that hit connect_timeout_ms (or the stack's SYN retries)") \
	X(failed, "connects that could not start (no port, no route, table full)") \
	X(marked_down, "times marked down after a failure") \
	X(active, "proxied connections now (gauge)") \
	X(errors, "proxied connections ended by this backend's side (as backend_errors)") \
	X(bytes_up, "bytes client -> backend") \
	X(bytes_down, "bytes backend -> client")

struct proxy_lstats {
#define PROXY_X_FIELD(f, d) uint64_t f;
	PROXY_LISTENER_COUNTERS(PROXY_X_FIELD)
};

struct proxy_bstats {
	PROXY_BACKEND_COUNTERS(PROXY_X_FIELD)
#undef PROXY_X_FIELD
};

struct proxy;
struct proxy_listener;

struct proxy_backend {
	struct proxy_listener *l;
	uint32_t ip;
	uint16_t port;
	uint16_t id;                /* index in proxy.backends (counter tables) */
	uint64_t down_until;        /* TSC; 0 = up. Any worker: __atomic relaxed */
	char text[24];              /* "A.B.C.D:PORT" */
};

struct proxy_listener {
	struct proxy *p;
	const struct proxy_listener_conf *conf;
	struct proxy_backend *backends; /* conf->n_backends of them */
	struct proxy_listener *next;    /* next listener of the same port (address order) */
	uint16_t id;                    /* index in proxy.listeners */
	uint64_t connect_timeout_tsc;
	uint64_t down_retry_tsc;
};

struct proxy_pair {
	struct ft_conn *conn[2];        /* NULL once that side is gone */
	struct rte_mbuf *held[2];       /* read from conn[i] as it closed, still to go to the
					 * other side (see relay.c) */
	struct proxy_listener *l;
	struct proxy_worker *pw;
	struct proxy_backend *b;        /* the backend tried or in use; NULL between tries */
	uint64_t deadline;              /* TSC: connect timeout of the current attempt */
	uint32_t tried;                 /* backends tried, bit = index in the listener */
	uint8_t attempts;
	bool waiting;                   /* on pw->connecting[l->id] */
	bool connected;
	bool done[2];                   /* side i's stream ended and its FIN was passed on */
	TAILQ_ENTRY(proxy_pair) wait;   /* in pw->connecting[l->id] while connecting */
	TAILQ_ENTRY(proxy_pair) link;   /* in pw->pairs */
};

TAILQ_HEAD(proxy_pair_list, proxy_pair);

struct proxy_worker {
	struct proxy *p;
	unsigned int idx;
	uint32_t n_pairs;               /* read by worker 0 while draining */
	bool drain_aborted;
	struct proxy_pair_list pairs;
	/* Connects in progress, one FIFO per listener: deadlines grow within a listener. */
	struct proxy_pair_list connecting[PROXY_MAX_LISTENERS];
	uint32_t rr[PROXY_MAX_LISTENERS];       /* round-robin cursors */
	struct proxy_lstats ls[PROXY_MAX_LISTENERS];
	struct proxy_bstats bs[PROXY_MAX_BACKENDS_TOTAL];
} __rte_cache_aligned;

struct proxy {
	struct ft_stack *s;
	const struct proxy_config *cfg;
	struct rte_mempool *pool;
	uint64_t tsc_hz;
	uint16_t n_listeners;
	uint16_t n_backends;
	unsigned int n_workers;
	volatile sig_atomic_t drain_requested; /* set by the signal handler */
	uint64_t drain_deadline;               /* TSC, set by worker 0 */
	bool drain_expired;                    /* worker 0 writes, all read (relaxed) */
	struct proxy_listener listeners[PROXY_MAX_LISTENERS];
	struct proxy_backend backends[PROXY_MAX_BACKENDS_TOTAL];
	struct proxy_worker *workers[RTE_MAX_LCORE];
};

/* proxy.c: setup, the poll hook (connect timeouts, drain), teardown. Main thread. */

/* Build @p p from @p cfg, create the pair pool and per-worker state, listen on every port
 * and install the poll hook. @return 0 or -errno (the message is printed). */
int proxy_start(struct proxy *p, struct ft_stack *s, const struct proxy_config *cfg);

/* Ask for a graceful stop: refuse new connections, wait for the existing ones up to
 * drain_timeout_ms, then stop the stack. Async-signal-safe. */
void proxy_request_drain(struct proxy *p);

/* After ft_stack_run() returned, before ft_stack_destroy(): pairs still open (a second signal,
 * or the drain timeout) die with the stack, which frees connections without callbacks; free
 * the mbufs they hold while the stack's mbuf pool exists, and count them as drain_aborted. */
void proxy_stop(struct proxy *p);

/* Free what proxy_start() allocated. After ft_stack_destroy(). */
void proxy_fini(struct proxy *p);

/* accept.c: the listeners' callbacks. */

/* Connection ops every listener starts accepted connections with (arg: the first
 * struct proxy_listener of the port). */
extern const struct ft_conn_ops proxy_listen_ops;

/* balance.c: backend choice, connects, connect failures and timeouts. Owning worker. */

/* Connect @p pp to the next backend the balance picks among those not tried yet.
 * @return 0 (connecting), or -ENOENT when no backend is left to try. */
int proxy_connect_next(struct proxy_pair *pp, struct ft_worker *w);

/* The current attempt of @p pp failed (refused, timed out): mark the backend down and try
 * the next one, or give up and reset the client. @p pp may be freed. */
void proxy_connect_failed(struct proxy_pair *pp, struct ft_worker *w, bool timeout);

/* Fail the attempts of this worker whose connect timeout has passed. Poll hook. */
void proxy_connect_expire(struct proxy_worker *pw, struct ft_worker *w, uint64_t now);

/* The backend connection of @p pp completed: count it, clear the backend's down mark. */
void proxy_connect_succeeded(struct proxy_pair *pp);

/* Take @p pp off its worker's list of connects in progress (pair teardown). */
void proxy_connect_cancel(struct proxy_pair *pp);

/* relay.c: the proxied pair: forwarding, half-close, teardown. Owning worker. */

/* Connection ops of the two sides (arg: the struct proxy_pair). */
extern const struct ft_conn_ops proxy_front_ops;
extern const struct ft_conn_ops proxy_back_ops;
/* No callbacks: for connections the proxy has let go of. */
extern const struct ft_conn_ops proxy_nop_ops;

/* Take a pair from the pool for client connection @p c. @return NULL if the pool is empty. */
struct proxy_pair *proxy_pair_alloc(struct proxy_worker *pw, struct proxy_listener *l,
				    struct ft_conn *c);

/* Reset both sides and free @p pp. The caller counts why. */
void proxy_pair_abort(struct proxy_pair *pp);

/* stats.c: counters, telemetry (/fasttcp_proxy/stats, /fasttcp_proxy/backends), summary. */

/* Register the telemetry commands for @p p. Main thread, once. @return 0 or -errno. */
int proxy_telemetry_init(struct proxy *p);

/* Make the telemetry commands answer -ENODEV from now on (before freeing @p p's state). */
void proxy_telemetry_fini(void);

/* Sum the counters of every worker. Any thread (benign races, see stats.c). */
void proxy_lstats_sum(const struct proxy *p, unsigned int l, struct proxy_lstats *out);
void proxy_bstats_sum(const struct proxy *p, unsigned int b, struct proxy_bstats *out);

/* Print the per-listener and per-backend totals to stdout. Main thread, at exit. */
void proxy_print_summary(const struct proxy *p);

#endif /* FT_APPS_PROXY_PROXY_H */
