/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Request/response messages of the rr and crr workloads, and the server that answers them.
 *
 * A message of `size` bytes (BENCH_MSG_MIN .. BENCH_MSG_MAX, --req-size / --resp-size):
 *
 *    0                 8                                              size
 *   +-----------------+------------------------------------------------+
 *   | tag, LE 64 bits | body: byte i is bench_msg_body_byte(i)         |
 *   +-----------------+------------------------------------------------+
 *
 * tag = connection (or slot) index << 32 | request number. The server answers every request
 * with a response that carries the request's tag and checks that the tags of one connection
 * count up by one; the client checks the response's tag against what it sent. So a response
 * to the wrong request or connection, or a lost, duplicated or shifted byte fails a check.
 * The body is a fixed position-dependent pattern, compared with memcmp (--verify full; with
 * --verify none only the tags are checked).
 *
 * Each side (client worker, server worker) has its own struct bench_msg_io: its buffer holds
 * the body pattern, and the tag of the message being sent is written over its first 8 bytes
 * right before each ft_conn_write(), so that a whole message goes out in one write.
 */
#ifndef FT_APPS_BENCH_REQRESP_H
#define FT_APPS_BENCH_REQRESP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <fasttcp/fasttcp.h>

#define BENCH_MSG_TAG 8
#define BENCH_MSG_MIN 8
#define BENCH_MSG_MAX (1u << 20)

struct bench;

static inline uint8_t
bench_msg_body_byte(uint32_t i)
{
	return (uint8_t)(i * 7 + (i >> 8));
}

/* One side's message sizes and send/compare buffer. Owned by one worker after setup. */
struct bench_msg_io {
	uint8_t *buf;            /* max(rx_size, tx_size) bytes: [0, 8) tag, then the body */
	uint32_t rx_size, tx_size;
	bool verify;             /* compare body bytes too */
};

/* Receiving one message. */
struct bench_msg_rx {
	uint32_t off;            /* bytes of the current message received */
	bool bad;                /* a body byte differed */
	uint8_t tag[BENCH_MSG_TAG];
};

/* Sending one message: tag and bytes queued so far (off == io->tx_size: all queued). */
struct bench_msg_tx {
	uint64_t tag;
	uint32_t off;
};

/* Main thread. @return 0 or -ENOMEM. */
int bench_msg_io_init(struct bench_msg_io *io, uint32_t rx_size, uint32_t tx_size, bool verify);
void bench_msg_io_fini(struct bench_msg_io *io);

static inline void
bench_msg_rx_reset(struct bench_msg_rx *rx)
{
	rx->off = 0;
	rx->bad = false;
}

/* Take bytes of the received stream for the current message: at most what it still lacks.
 * @return bytes taken; the message is complete when rx->off == io->rx_size. */
uint32_t bench_msg_rx_feed(const struct bench_msg_io *io, struct bench_msg_rx *rx,
			   const uint8_t *p, uint32_t len);

/* The tag of a message whose first 8 bytes were received. */
uint64_t bench_msg_rx_tag(const struct bench_msg_rx *rx);

/*
 * Queue (copying) what is left of message @p tx on @p c. Owning worker.
 * @return 0: all queued; 1: the send buffer is full, call again from the writable callback;
 *         -ENOBUFS: no mbuf, call again later (the poll hook); -EPIPE: the connection is over.
 */
int bench_msg_tx_push(struct bench_msg_io *io, struct ft_conn *c, struct bench_msg_tx *tx);

struct bench_sconn;

/*
 * The server of rr and crr: listens on BENCH_PORT .. BENCH_PORT + n_ports - 1, answers each
 * request with a response, closes when the client has closed and the last response is out.
 * Per-connection state comes from a pool of max_conns entries made at setup.
 * Counters: written by the server worker, read by the main thread (racy while running).
 */
struct bench_rrsrv {
	struct bench_msg_io io;       /* requests in, responses out */
	struct bench_sconn *pool;
	struct bench_sconn *free;
	uint32_t max_conns;
	uint32_t n_starved;           /* connections waiting for mbufs (retried by the poll) */
	uint64_t accepted, closed;    /* closed callbacks: accepted - closed are open */
	uint64_t requests;            /* answered */
	uint64_t bad_requests;        /* wrong tag, wrong body, truncated: connection reset */
	uint64_t no_slot;             /* pool empty: connection reset */
	uint64_t abnormal;            /* ended by a reset, timeout or abort */
};

/* Main thread, before the stacks start: pool, buffers, listeners. @return 0 or -errno. */
int bench_rrsrv_init(struct bench_rrsrv *s, struct bench *b, uint32_t max_conns,
		     uint16_t n_ports);
/* Server worker, from its poll hook: retry sends that ran out of mbufs. */
void bench_rrsrv_poll(struct bench_rrsrv *s);
/* Connections accepted and not yet closed (racy from the main thread). */
uint64_t bench_rrsrv_open(const struct bench_rrsrv *s);
/* JSON members ,"server_requests":n,... and whether the server saw nothing wrong. */
bool bench_rrsrv_report(const struct bench_rrsrv *s, FILE *json);
/* Main thread, stacks destroyed. */
void bench_rrsrv_fini(struct bench_rrsrv *s);

#endif /* FT_APPS_BENCH_REQRESP_H */
