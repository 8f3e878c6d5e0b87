/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP event log rings (evlog.h; tcp-design.md §6.2): the per-worker pool of fixed rings, the
 * record append, the lock-free reader and the dump file writer. It does not decide what is
 * logged (the ft_evlog_<event>() inlines in evlog.h, called by the TCP code) nor present it
 * (stack/telemetry_tcp.c for /fasttcp/tcp_log, scripts/tcp-evlog-plot.py for files and plots).
 * Pure logic: no DPDK calls, so tests/tcp/test_evlog.c runs without EAL; the caller allocates
 * the pool's memory at setup (tcb.c) and gives the TSC frequency.
 *
 * Concurrency. A ring is written only by its worker and read by anyone (telemetry thread, a
 * dump from another thread), like a seqlock whose sequence is the record counter:
 *   writer: count = k published (release) ... fence ... store record k ... count = k + 1
 *   reader: gen, count c0 (acquire) ... copy ... fence (acquire) ... count c1, gen
 * A record the reader copied may be torn only if the writer was storing a newer record into
 * the same slot, i.e. its index is <= c1 - slots; those are dropped. The ring has one slot more
 * than the cap records it keeps, so a reader of a ring the writer is not racing (or has just
 * written one record to) loses nothing. A changed gen means the ring went to another
 * connection: the read is refused (-EAGAIN). On x86 every fence here is a
 * compiler barrier only, so the writer costs no more than plain stores.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <fasttcp/ft_tcp.h>

#include "tcp/evlog.h"

/* Records are dumped as they sit in memory; the dump format is little-endian. */
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "evlog dumps need little-endian");

#define ALIGN64(x) (((x) + 63) & ~(size_t)63)

/* One slot more than the records kept: a reader racing the writer may lose the slot being
 * overwritten (index count - slots), which is then never one of the cap newest. */
static size_t
ring_size(uint32_t n_recs)
{
	return ALIGN64(sizeof(struct ft_evlog) +
		       ((size_t)n_recs + 1) * sizeof(struct ft_evlog_rec));
}

static size_t
fifo_offset(void)
{
	return ALIGN64(sizeof(struct ft_evlog_pool));
}

static size_t
rings_offset(uint32_t n_rings)
{
	return fifo_offset() + ALIGN64((size_t)n_rings * sizeof(uint32_t));
}

size_t
ft_evlog_pool_mem_size(uint32_t n_rings, uint32_t n_recs)
{
	return rings_offset(n_rings) + (size_t)n_rings * ring_size(n_recs);
}

struct ft_evlog_pool *
ft_evlog_pool_init(void *mem, uint32_t n_rings, uint32_t n_recs, uint64_t tsc_hz,
		   uint16_t worker)
{
	struct ft_evlog_pool *p = mem;

	if (mem == NULL || n_rings == 0 || n_recs == 0)
		return NULL;
	memset(p, 0, sizeof(*p));
	p->fifo = (uint32_t *)((uint8_t *)mem + fifo_offset());
	p->rings = (uint8_t *)mem + rings_offset(n_rings);
	p->ring_size = ring_size(n_recs);
	p->n_rings = n_rings;
	p->cap = n_recs;
	for (uint32_t i = 0; i < n_rings; i++) {
		struct ft_evlog *l = ft_evlog_pool_ring(p, i);

		memset(l, 0, sizeof(*l));
		l->cap = n_recs;
		l->slots = n_recs + 1;
		l->idx = i;
		l->tsc_hz = tsc_hz;
		l->worker = worker;
		p->fifo[i] = i;
	}
	p->fifo_len = n_rings;
	return p;
}

struct ft_evlog *
ft_evlog_pool_ring(const struct ft_evlog_pool *p, uint32_t idx)
{
	return (struct ft_evlog *)(p->rings + (size_t)idx * p->ring_size);
}

int
ft_evlog_attach(struct ft_evlog_pool *p, struct ft_tcb *t, uint64_t now)
{
	struct ft_evlog *l;

	t->evlog = NULL;
	if (p->fifo_len == 0) {
		p->exhausted++;
		return -ENOSPC;
	}
	l = ft_evlog_pool_ring(p, p->fifo[p->fifo_head]);
	p->fifo_head = p->fifo_head + 1 == p->n_rings ? 0 : p->fifo_head + 1;
	p->fifo_len--;
	p->attached++;
	/* New generation first, so that a reader who sees the reset counter also sees it. */
	__atomic_store_n(&l->gen, l->gen + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	l->pos = 0;
	__atomic_store_n(&l->count, 0, __ATOMIC_RELEASE);
	l->laddr = t->laddr;
	l->faddr = t->faddr;
	l->lport = t->lport;
	l->fport = t->fport;
	l->open = 1;
	t->evlog = l;
	ft_evlog_put(l, &(struct ft_evlog_rec){ FT_EVLOG_HDR(t, now, FT_EVLOG_OPEN, 0),
		.a = { t->laddr, t->faddr, t->lport, t->fport, l->worker } });
	return 0;
}

void
ft_evlog_detach(struct ft_evlog_pool *p, struct ft_tcb *t, uint64_t now)
{
	struct ft_evlog *l = t->evlog;
	uint32_t tail;

	if (l == NULL)
		return;
	ft_evlog_put(l, &(struct ft_evlog_rec){ FT_EVLOG_HDR(t, now, FT_EVLOG_CLOSE, 0),
		.a = { t->snd_una, t->snd_max, t->rcv_nxt, t->rtt.backoff } });
	l->open = 0;
	t->evlog = NULL;
	tail = p->fifo_head + p->fifo_len;
	p->fifo[tail >= p->n_rings ? tail - p->n_rings : tail] = l->idx;
	p->fifo_len++;
}

void
ft_evlog_put(struct ft_evlog *l, const struct ft_evlog_rec *r)
{
	uint32_t pos = l->pos;

	/* Order the previous counter store before this record's stores (see the top). */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	l->rec[pos] = *r;
	l->pos = pos + 1 == l->slots ? 0 : pos + 1;
	__atomic_store_n(&l->count, l->count + 1, __ATOMIC_RELEASE);
}

int
ft_evlog_read(const struct ft_evlog *l, uint64_t from, struct ft_evlog_rec *dst,
	      uint32_t max, struct ft_evlog_span *span)
{
	uint32_t gen = __atomic_load_n(&l->gen, __ATOMIC_ACQUIRE);
	uint64_t c0 = __atomic_load_n(&l->count, __ATOMIC_ACQUIRE);
	uint64_t first = c0 > l->cap ? c0 - l->cap : 0;
	uint64_t end, c1, torn;

	if (from > first)
		first = from;
	end = first + max < c0 ? first + max : c0;
	for (uint64_t i = first; i < end; i++)
		dst[i - first] = l->rec[i % l->slots];
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	c1 = __atomic_load_n(&l->count, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&l->gen, __ATOMIC_RELAXED) != gen)
		return -EAGAIN;
	/* Slots of indices <= c1 - slots may hold (part of) a newer record. */
	torn = c1 + 1 > l->slots ? c1 + 1 - l->slots : 0;
	if (first < torn && end > first) {
		uint64_t drop = (torn < end ? torn : end) - first;

		memmove(dst, dst + drop, (size_t)(end - first - drop) * sizeof(*dst));
		first += drop;
	}
	span->first = first;
	span->n = end > first ? (uint32_t)(end - first) : 0;
	span->count = c0;
	span->gen = gen;
	return 0;
}

/* Little-endian stores for the dump header (the records are already in that layout). */
static void
le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
le32(uint8_t *p, uint32_t v)
{
	le16(p, (uint16_t)v);
	le16(p + 2, (uint16_t)(v >> 16));
}

static void
le64(uint8_t *p, uint64_t v)
{
	le32(p, (uint32_t)v);
	le32(p + 4, (uint32_t)(v >> 32));
}

static void
dump_header(uint8_t h[64], const struct ft_evlog *l, const struct ft_evlog_span *s)
{
	memset(h, 0, 64);
	memcpy(h, "FTEVLOG", 8);
	le16(h + 8, 1);
	le16(h + 10, sizeof(struct ft_evlog_rec));
	le32(h + 12, s->n);
	le64(h + 16, l->tsc_hz);
	le64(h + 24, s->first);
	le32(h + 32, l->laddr);
	le32(h + 36, l->faddr);
	le16(h + 40, l->lport);
	le16(h + 42, l->fport);
	le16(h + 44, l->worker);
	le16(h + 46, l->open);
	le32(h + 48, l->idx);
	le32(h + 52, s->gen);
}

int
ft_evlog_write(const struct ft_evlog *l, FILE *f)
{
	struct ft_evlog_rec *recs = malloc((size_t)l->cap * sizeof(*recs));
	struct ft_evlog_span s;
	uint8_t h[64];
	int rc;

	if (recs == NULL)
		return -ENOMEM;
	rc = ft_evlog_read(l, 0, recs, l->cap, &s);
	if (rc == 0) {
		dump_header(h, l, &s);
		if (fwrite(h, sizeof(h), 1, f) != 1 ||
		    fwrite(recs, sizeof(*recs), s.n, f) != s.n || fflush(f) != 0)
			rc = -EIO;
	}
	free(recs);
	return rc;
}

int
ft_conn_evlog_dump(const struct ft_conn *c, FILE *f)
{
	const struct ft_tcb *t = (const struct ft_tcb *)c;

	if (c == NULL || f == NULL)
		return -EINVAL;
	return t->evlog == NULL ? -ENOENT : ft_evlog_write(t->evlog, f);
}
