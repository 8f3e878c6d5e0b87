/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * TCP connections: the event API.
 *
 * A connection lives on one worker (the one whose queue its packets hash to) and every call on
 * it is made from that worker, from inside a callback or the poll hook (ft_stack_set_poll()).
 * The stack calls back when something happens; the application reacts by reading, writing or
 * closing. Data is mbufs end to end: ft_conn_send() hands mbufs to the stack without copying
 * and ft_conn_recv() hands received mbufs to the application; ft_conn_write() and
 * ft_conn_read() are the copying conveniences.
 *
 * Lifetime: a struct ft_conn is valid from the established callback (or ft_tcp_connect())
 * until the closed callback returns; closed runs exactly once per connection, also after
 * ft_conn_close() (when both sides are done) or during ft_conn_abort(). After
 * ft_conn_close() the application must not read, write or close it again and gets no more
 * readable/writable events; the stack still sends the queued data and the FIN. Release the
 * application's per-connection state in closed.
 */
#ifndef FT_TCP_H
#define FT_TCP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <fasttcp/ft_stack.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;
struct ft_conn;

/** Why a connection ended (argument of the closed callback). */
enum ft_close_reason {
	FT_CLOSE_NORMAL,   /**< both FINs exchanged and acknowledged */
	FT_CLOSE_RESET,    /**< the peer sent RST */
	FT_CLOSE_REFUSED,  /**< active open answered by RST */
	FT_CLOSE_TIMEOUT,  /**< retransmission, connect or keepalive timeout */
	FT_CLOSE_ABORTED,  /**< ft_conn_abort(), or the stack shut down */
};

/** Callbacks of a connection; any may be NULL. All run on the connection's worker. */
struct ft_conn_ops {
	/** A passive open completed (listener's ops), or an active open did. */
	void (*established)(struct ft_conn *c, void *arg);
	/** Data arrived (ft_conn_recv()/ft_conn_read() until empty) or the peer sent FIN
	 *  (ft_conn_eof() is then true). */
	void (*readable)(struct ft_conn *c, void *arg);
	/** Send-buffer space became available: after ft_conn_send()/write() hit the limit, or
	 *  whenever acknowledgments raise the free space from below half the buffer to at
	 *  least half (edge-triggered, so an application that stopped at its own limit —
	 *  e.g. ft_conn_recv(c, ft_conn_send_space(c)) — is called back). */
	void (*writable)(struct ft_conn *c, void *arg);
	/** The connection is gone; @p c is invalid after this returns. Called exactly once for
	 *  every connection that reached established, and for failed active opens. */
	void (*closed)(struct ft_conn *c, enum ft_close_reason reason, void *arg);
};

/**
 * Listen on TCP @p port (all local addresses, every worker). Accepted connections start with
 * @p ops and @p arg; ft_conn_set_ops() changes them per connection.
 * Main thread, before ft_stack_run().
 * @return 0; -EINVAL, -EEXIST (already listening), -EBUSY (running), -ENOTSUP (TCP disabled).
 */
int ft_tcp_listen(struct ft_stack *s, uint16_t port, const struct ft_conn_ops *ops, void *arg);

/**
 * Open a connection to @p dst_ip:@p dst_port (host order) from this worker. The established
 * (or closed with FT_CLOSE_REFUSED / FT_CLOSE_TIMEOUT) callback reports the outcome.
 * Owning worker.
 * @return the connection, or NULL with rte_errno set (ENETUNREACH, EADDRNOTAVAIL: no free
 *         source port, ENOBUFS: connection table full).
 */
struct ft_conn *ft_tcp_connect(struct ft_worker *w, uint32_t dst_ip, uint16_t dst_port,
			       const struct ft_conn_ops *ops, void *arg);

/** Replace the callbacks and their argument. Owning worker. */
void ft_conn_set_ops(struct ft_conn *c, const struct ft_conn_ops *ops, void *arg);

/**
 * Queue @p m (a chain of any length) for sending, zero copy: the stack keeps the mbufs until
 * the peer acknowledges them and transmits clones. CONSUMES @p m in every case.
 * Owning worker.
 * @return bytes queued (m->pkt_len), or -ENOBUFS (send buffer full: m is freed; check
 *         ft_conn_send_space() first), -EPIPE (shut down for writing or closed).
 */
int ft_conn_send(struct ft_conn *c, struct rte_mbuf *m);

/** Copy up to @p len bytes into the send buffer. @return bytes accepted (may be short), or
 *  -EPIPE / -ENOBUFS (no mbufs). Owning worker. */
ssize_t ft_conn_write(struct ft_conn *c, const void *data, size_t len);

/** Bytes the send buffer can still take. Owning worker. */
size_t ft_conn_send_space(const struct ft_conn *c);

/**
 * Take in-order received data, zero copy: whole received segments, at most @p max bytes in
 * all, as one mbuf chain (data offset at the first byte). The caller OWNS the returned chain.
 * Opens the receive window. Pass ft_conn_send_space() as @p max to forward without ever
 * holding more than the other side takes. Owning worker.
 * @return the chain, or NULL when nothing is queued or the first segment exceeds @p max.
 */
struct rte_mbuf *ft_conn_recv(struct ft_conn *c, size_t max);

/** Copy up to @p len received bytes into @p buf. @return bytes copied (0: nothing queued).
 *  Owning worker. */
size_t ft_conn_read(struct ft_conn *c, void *buf, size_t len);

/** True when the peer has closed its side and all its data has been read. */
int ft_conn_eof(const struct ft_conn *c);

/** Send FIN after the queued data (half-close); reading goes on. @return 0 or -ENOTCONN. */
int ft_conn_shutdown(struct ft_conn *c);

/** Release the connection: queued data and a FIN are still sent, received data is dropped
 *  (RST if unread data was pending, RFC 9293 §3.10.4 / RFC 2525 §2.17). Owning worker. */
void ft_conn_close(struct ft_conn *c);

/** Reset the connection at once (RST); the closed callback runs with FT_CLOSE_ABORTED. */
void ft_conn_abort(struct ft_conn *c);

/** Disable (1) or enable (0) Nagle's algorithm (RFC 896; default enabled). */
void ft_conn_set_nodelay(struct ft_conn *c, int nodelay);

/**
 * Keepalive (RFC 1122 §4.2.3.6): after @p idle_s seconds without receiving anything, send a
 * probe every @p intvl_s seconds; after @p count unanswered probes the connection is reset and
 * closed with FT_CLOSE_TIMEOUT. @p idle_s 0 turns it off (the default). Owning worker.
 * @return 0, or -EINVAL (intvl_s or count 0 while idle_s is set; values above 65535 s / 255).
 */
int ft_conn_set_keepalive(struct ft_conn *c, uint32_t idle_s, uint32_t intvl_s, uint32_t count);

/**
 * Set the send and/or receive buffer size in bytes (0 leaves one unchanged). A receive size
 * set here is fixed: autotuning stops for this connection (as SO_RCVBUF does on Linux).
 * A smaller receive buffer takes effect as the window drains (the window never shrinks).
 * Owning worker. @return 0, or -EINVAL (below 4096 or above 1 GiB).
 */
int ft_conn_set_buffers(struct ft_conn *c, uint32_t sndbuf, uint32_t rcvbuf);

/** Addresses of the connection, host order. */
void ft_conn_endpoints(const struct ft_conn *c, uint32_t *lip, uint16_t *lport, uint32_t *rip,
		       uint16_t *rport);

/** The worker the connection belongs to. */
struct ft_worker *ft_conn_worker(const struct ft_conn *c);

/**
 * Write the connection's TCP event log (stack conf tcp_event_log) to @p f as a binary dump:
 * a 64-byte header (magic "FTEVLOG", version, TSC frequency, 4-tuple) and the ring's records,
 * oldest first; the format is documented in src/tcp/evlog.h and decoded and plotted by
 * scripts/tcp-evlog-plot.py. Useful in the closed callback (e.g. on FT_CLOSE_TIMEOUT) for a
 * post-mortem. Owning worker; does file I/O and allocates a copy of the ring, so not for
 * the data path.
 * @return 0; -ENOENT (the connection is not logged: logging off or no ring was free),
 *         -EINVAL, -ENOMEM, -EIO (write to @p f failed).
 */
int ft_conn_evlog_dump(const struct ft_conn *c, FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* FT_TCP_H */
