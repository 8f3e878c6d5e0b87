/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP event log (tcp/evlog.c, tcp/evlog.h): the ring keeps the newest records in order, each
 * event writes the fields evlog.h documents (the dump format scripts/tcp-evlog-plot.py reads),
 * a connection without a ring records and evaluates nothing, the pool counts exhaustion and
 * reuses the least recently released ring, a dump parses back, and a reader racing the writer
 * never returns a torn record. Pure: no EAL; pool memory from calloc.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/evlog.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define HZ 2000000000ull

struct fixture {
	void *mem;
	struct ft_evlog_pool *p;
};

static struct ft_evlog_pool *
pool_new(struct fixture *f, uint32_t n_rings, uint32_t n_recs)
{
	f->mem = aligned_alloc(64, ft_evlog_pool_mem_size(n_rings, n_recs));
	assert_non_null(f->mem);
	f->p = ft_evlog_pool_init(f->mem, n_rings, n_recs, HZ, 3);
	assert_non_null(f->p);
	return f->p;
}

static void
tcb_init(struct ft_tcb *t, uint16_t lport)
{
	memset(t, 0, sizeof(*t));
	t->laddr = 0xc6336401; /* 198.51.100.1 */
	t->faddr = 0xc6336402;
	t->lport = lport;
	t->fport = 40000;
	t->state = FT_TCP_ESTABLISHED;
	t->cc.cwnd = 14480;
	t->cc.ssthresh = FT_CC_SSTHRESH_INF;
	ft_rtt_init(&t->rtt, 1000000, 200000, 60000000);
}

static uint32_t
read_all(const struct ft_evlog *l, struct ft_evlog_rec *dst, uint32_t max, uint64_t *first)
{
	struct ft_evlog_span sp;

	assert_int_equal(ft_evlog_read(l, 0, dst, max, &sp), 0);
	*first = sp.first;
	return sp.n;
}

static void
test_evlog_ring_wraps_keeps_newest_in_order(void **state)
{
	struct fixture f;
	struct ft_evlog_pool *p = pool_new(&f, 1, 16);
	struct ft_evlog *l = ft_evlog_pool_ring(p, 0);
	struct ft_evlog_rec out[32];
	uint64_t first;
	uint32_t n;

	(void)state;
	for (uint32_t i = 0; i < 40; i++)
		ft_evlog_put(l, &(struct ft_evlog_rec){ .tsc = 1000 + i, .type = FT_EVLOG_NOTE,
							.a = { i } });
	n = read_all(l, out, N(out), &first);
	assert_int_equal(n, 16);
	assert_int_equal(first, 24);
	assert_int_equal(l->count, 40);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(out[i].tsc, 1000 + 24 + i);
		assert_int_equal(out[i].a[0], 24 + i);
	}
	free(f.mem);
}

static void
test_evlog_read_pages_from_an_index(void **state)
{
	struct fixture f;
	struct ft_evlog *l = ft_evlog_pool_ring(pool_new(&f, 1, 16), 0);
	struct ft_evlog_rec out[5];
	struct ft_evlog_span sp;

	(void)state;
	for (uint32_t i = 0; i < 20; i++)
		ft_evlog_put(l, &(struct ft_evlog_rec){ .tsc = i, .type = FT_EVLOG_NOTE });
	/* Index 2 was overwritten: the page starts at the oldest kept (4). */
	assert_int_equal(ft_evlog_read(l, 2, out, N(out), &sp), 0);
	assert_int_equal(sp.first, 4);
	assert_int_equal(sp.n, 5);
	assert_int_equal(out[0].tsc, 4);
	assert_int_equal(out[4].tsc, 8);
	/* The last page is short; past the end is empty. */
	assert_int_equal(ft_evlog_read(l, 17, out, N(out), &sp), 0);
	assert_int_equal(sp.n, 3);
	assert_int_equal(out[2].tsc, 19);
	assert_int_equal(ft_evlog_read(l, 20, out, N(out), &sp), 0);
	assert_int_equal(sp.n, 0);
	assert_int_equal(sp.count, 20);
	free(f.mem);
}

/* One row per event: what to call, and the record it must leave. */
struct event_case {
	const char *name;
	void (*log)(struct ft_tcb *t, uint64_t now);
	uint8_t type;
	uint16_t sub;
	uint32_t a[8];
};

static void
log_state(struct ft_tcb *t, uint64_t now)
{
	ft_evlog_state(t, now, FT_TCP_FIN_WAIT_1);
}

static void
log_send(struct ft_tcb *t, uint64_t now)
{
	ft_evlog_send(t, now, 5000, 1448, FT_TH_ACK | FT_TH_PSH | FT_EVLOG_SEND_RXT);
}

static void
log_ack(struct ft_tcb *t, uint64_t now)
{
	ft_evlog_ack(t, now, &(struct ft_evlog_ack){ .ack = 6448, .acked = 1448, .sacked = 2896,
		.sack_low = 7896, .sack_high = 10792, .n_acks = 3, .n_dupacks = 2, .n_blocks = 2,
		.flags = FT_EVLOG_ACK_DUP | FT_EVLOG_ACK_DSACK });
}

static void
log_sack(struct ft_tcb *t, uint64_t now)
{
	static const struct ft_tcp_sack_block b[5] = {
		{ 1, 2 }, { 3, 4 }, { 5, 6 }, { 7, 8 }, { 9, 10 },
	};

	ft_evlog_sack(t, now, b, 5); /* the fifth does not fit a record */
}

static void
log_cc(struct ft_tcb *t, uint64_t now)
{
	ft_rtt_sample(&t->rtt, 40000);
	ft_rtt_backoff(&t->rtt);
	t->cc.ssthresh = 7240;
	t->cc.in_recovery = true;
	ft_evlog_cc(t, now, FT_EVLOG_WHY_DUPACK, 11584);
}

static void
log_rtt(struct ft_tcb *t, uint64_t now)
{
	ft_rtt_sample(&t->rtt, 40000);
	ft_evlog_rtt(t, now, 40000, FT_EVLOG_RTT_TS);
}

static void
log_rack_lost(struct ft_tcb *t, uint64_t now)
{
	ft_evlog_rack_lost(t, now, &(struct ft_evlog_lost){ .start = 1000, .end = 2448,
		.age_us = 52000, .reo_wnd_us = 10000, .xmits = 2 });
}

static void
log_timer_arm(struct ft_tcb *t, uint64_t now)
{
	ft_evlog_timer_arm(t, now, FT_EVLOG_TMR_RACK, 12000, 10000);
}

static void
log_timer_fire(struct ft_tcb *t, uint64_t now)
{
	ft_evlog_timer_fire(t, now, FT_EVLOG_TMR_RTO, 0x123456789aull);
}

static void
log_tlp(struct ft_tcb *t, uint64_t now)
{
	ft_evlog_tlp(t, now, 9000, 1000, FT_EVLOG_TLP_RXT);
}

static void
log_rec_enter(struct ft_tcb *t, uint64_t now)
{
	t->cc.ssthresh = 7240;
	t->cc.recover = 20000;
	ft_evlog_recovery_enter(t, now, FT_EVLOG_WHY_RACK, 8000);
}

static void
log_rec_exit(struct ft_tcb *t, uint64_t now)
{
	t->cc.recover = 20000;
	ft_evlog_recovery_exit(t, now, FT_EVLOG_WHY_FULLACK, 100);
}

static void
log_note(struct ft_tcb *t, uint64_t now)
{
	ft_evlog_note(t, now, 77, 0xdeadbeef, 5);
}

/* TCB set by tcb_init plus snd_una 1000, snd_nxt 3000, snd_max 4000, snd_wnd 65535,
 * rcv_nxt 777; srtt/rttvar/rto after one 40 ms sample: 40000/20000/200000 (RTO clamped up
 * to 200 ms), backed off once: 400000. */
static const struct event_case event_cases[] = {
	{ "state", log_state, FT_EVLOG_STATE, 0,
	  { FT_TCP_ESTABLISHED, FT_TCP_FIN_WAIT_1, 1000, 4000, 777 } },
	{ "send", log_send, FT_EVLOG_SEND, 0x18 | FT_EVLOG_SEND_RXT,
	  { 5000, 1448, 1000, 3000, 4000, 65535, 777 } },
	{ "ack", log_ack, FT_EVLOG_ACK, FT_EVLOG_ACK_DUP | FT_EVLOG_ACK_DSACK,
	  { 6448, 1448, 2896, 7896, 10792, 3, 2 | 2 << 16, 65535 } },
	{ "sack", log_sack, FT_EVLOG_SACK, 4, { 1, 2, 3, 4, 5, 6, 7, 8 } },
	{ "cc", log_cc, FT_EVLOG_CC, FT_EVLOG_WHY_DUPACK,
	  { 7240, 11584, 40000, 20000, 400000, 1000, 4000, 1 | 1 << 8 } },
	{ "rtt", log_rtt, FT_EVLOG_RTT, FT_EVLOG_RTT_TS, { 40000, 40000, 20000, 200000 } },
	{ "rack lost", log_rack_lost, FT_EVLOG_RACK_LOST, 2, { 1000, 2448, 52000, 10000 } },
	{ "timer armed", log_timer_arm, FT_EVLOG_TIMER_ARM, FT_EVLOG_TMR_RACK, { 12000, 10000 } },
	{ "timer fired", log_timer_fire, FT_EVLOG_TIMER_FIRE, FT_EVLOG_TMR_RTO,
	  { 0x3456789a, 0x12, 0, 1000000, 1000, 4000 } },
	{ "tlp", log_tlp, FT_EVLOG_TLP, FT_EVLOG_TLP_RXT, { 9000, 1000 } },
	{ "recovery enter", log_rec_enter, FT_EVLOG_REC_ENTER, FT_EVLOG_WHY_RACK,
	  { 7240, 20000, 8000, 1000, 4000 } },
	{ "recovery exit", log_rec_exit, FT_EVLOG_REC_EXIT, FT_EVLOG_WHY_FULLACK,
	  { FT_CC_SSTHRESH_INF, 20000, 100, 1000, 4000 } },
	{ "note", log_note, FT_EVLOG_NOTE, 77, { 0xdeadbeef, 5 } },
};

static void
test_evlog_each_event_writes_its_fields(void **state)
{
	struct fixture f;
	struct ft_evlog_pool *p = pool_new(&f, 1, 64);

	(void)state;
	for (size_t i = 0; i < N(event_cases); i++) {
		const struct event_case *c = &event_cases[i];
		struct ft_evlog_rec out[4];
		struct ft_tcb t;
		uint64_t first;

		tcb_init(&t, 80);
		t.snd_una = 1000;
		t.snd_nxt = 3000;
		t.snd_max = 4000;
		t.snd_wnd = 65535;
		t.rcv_nxt = 777;
		assert_int_equal(ft_evlog_attach(p, &t, 5), 0);
		c->log(&t, 12345 + i);
		assert_int_equal(read_all(t.evlog, out, N(out), &first), 2); /* OPEN, event */
		print_message("  %s\n", c->name);
		assert_int_equal(out[1].tsc, 12345 + i);
		assert_int_equal(out[1].type, c->type);
		assert_int_equal(out[1].state, FT_TCP_ESTABLISHED);
		assert_int_equal(out[1].sub, c->sub);
		assert_int_equal(out[1].cwnd, 14480);
		assert_memory_equal(out[1].a, c->a, sizeof(c->a));
		ft_evlog_detach(p, &t, 6);
	}
	free(f.mem);
}

static void
test_evlog_open_and_close_frame_the_connection(void **state)
{
	struct fixture f;
	struct ft_evlog_pool *p = pool_new(&f, 1, 16);
	struct ft_evlog *l = ft_evlog_pool_ring(p, 0);
	struct ft_evlog_rec out[4];
	struct ft_tcb t;
	uint64_t first;

	(void)state;
	tcb_init(&t, 80);
	assert_int_equal(ft_evlog_attach(p, &t, 100), 0);
	assert_ptr_equal(t.evlog, l);
	assert_int_equal(l->open, 1);
	t.snd_una = 11;
	t.snd_max = 22;
	t.rcv_nxt = 33;
	ft_evlog_detach(p, &t, 200);
	assert_null(t.evlog);
	assert_int_equal(l->open, 0);
	assert_int_equal(read_all(l, out, N(out), &first), 2);
	assert_int_equal(out[0].type, FT_EVLOG_OPEN);
	assert_int_equal(out[0].tsc, 100);
	assert_int_equal(out[0].a[0], 0xc6336401);
	assert_int_equal(out[0].a[1], 0xc6336402);
	assert_int_equal(out[0].a[2], 80);
	assert_int_equal(out[0].a[3], 40000);
	assert_int_equal(out[0].a[4], 3); /* worker given at pool init */
	assert_int_equal(out[1].type, FT_EVLOG_CLOSE);
	assert_int_equal(out[1].a[0], 11);
	assert_int_equal(out[1].a[1], 22);
	assert_int_equal(out[1].a[2], 33);
	free(f.mem);
}

/* Every event on a connection without a ring: no record anywhere, and the arguments that are
 * pointers are not even read (NULL here would crash if they were). */
static void
test_evlog_disabled_records_nothing(void **state)
{
	struct fixture f;
	struct ft_evlog_pool *p = pool_new(&f, 1, 16);
	struct ft_evlog *l = ft_evlog_pool_ring(p, 0);
	struct ft_tcb logged, off;
	uint64_t before;

	(void)state;
	tcb_init(&logged, 80);
	tcb_init(&off, 81);
	assert_int_equal(ft_evlog_attach(p, &logged, 1), 0);
	before = l->count;
	assert_null(off.evlog);
	for (size_t i = 0; i < N(event_cases); i++)
		event_cases[i].log(&off, 2);
	ft_evlog_ack(&off, 3, NULL);
	ft_evlog_sack(&off, 3, NULL, 4);
	ft_evlog_rack_lost(&off, 3, NULL);
	ft_evlog_detach(p, &off, 4);
	assert_int_equal(l->count, before);
	assert_int_equal(p->attached, 1);
	assert_int_equal(p->exhausted, 0);
	assert_int_equal(p->fifo_len, 0);
	free(f.mem);
}

static void
test_evlog_pool_exhaustion_is_counted(void **state)
{
	struct fixture f;
	struct ft_evlog_pool *p = pool_new(&f, 2, 16);
	struct ft_tcb t[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		tcb_init(&t[i], (uint16_t)(80 + i));
	assert_int_equal(ft_evlog_attach(p, &t[0], 1), 0);
	assert_int_equal(ft_evlog_attach(p, &t[1], 1), 0);
	assert_int_equal(ft_evlog_attach(p, &t[2], 1), -ENOSPC);
	assert_int_equal(ft_evlog_attach(p, &t[3], 1), -ENOSPC);
	assert_null(t[2].evlog);
	assert_int_equal(p->exhausted, 2);
	assert_int_equal(p->attached, 2);
	ft_evlog_detach(p, &t[0], 2);
	assert_int_equal(ft_evlog_attach(p, &t[2], 3), 0);
	assert_non_null(t[2].evlog);
	assert_int_equal(p->exhausted, 2);
	free(f.mem);
}

/* A released ring keeps its records (dumpable after close) and is reused only after the rings
 * released before it: least recently released first. */
static void
test_evlog_released_ring_kept_until_reused(void **state)
{
	struct fixture f;
	struct ft_evlog_pool *p = pool_new(&f, 3, 16);
	struct ft_evlog *first_ring;
	struct ft_tcb a, b, c;
	uint32_t gen;

	(void)state;
	tcb_init(&a, 1);
	tcb_init(&b, 2);
	tcb_init(&c, 3);
	ft_evlog_attach(p, &a, 1);
	first_ring = a.evlog;
	gen = first_ring->gen;
	ft_evlog_send(&a, 2, 100, 10, 0);
	ft_evlog_detach(p, &a, 3);
	/* The two never-used rings go first, then a's. */
	ft_evlog_attach(p, &b, 4);
	ft_evlog_attach(p, &c, 5);
	assert_ptr_not_equal(b.evlog, first_ring);
	assert_ptr_not_equal(c.evlog, first_ring);
	assert_int_equal(first_ring->count, 3); /* OPEN, SEND, CLOSE still there */
	assert_int_equal(first_ring->lport, 1);
	ft_evlog_detach(p, &b, 6);
	ft_evlog_attach(p, &a, 7);
	assert_ptr_equal(a.evlog, first_ring);
	assert_int_equal(first_ring->gen, gen + 1);
	assert_int_equal(first_ring->count, 1); /* only the new OPEN */
	free(f.mem);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
get32(const uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t
get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* The dump as documented in evlog.h, decoded byte by byte as the plot script does. */
static void
test_evlog_dump_parses_back(void **state)
{
	struct fixture f;
	struct ft_evlog_pool *p = pool_new(&f, 1, 16);
	uint8_t h[64], r[48];
	struct ft_tcb t;
	FILE *fp = tmpfile();

	(void)state;
	assert_non_null(fp);
	tcb_init(&t, 8080);
	assert_int_equal(ft_conn_evlog_dump((const struct ft_conn *)&t, fp), -ENOENT);
	assert_int_equal(ft_evlog_attach(p, &t, 7), 0);
	for (uint32_t i = 0; i < 20; i++)
		ft_evlog_send(&t, 1000 + i, 100 * i, 100, FT_TH_ACK);
	assert_int_equal(ft_conn_evlog_dump((const struct ft_conn *)&t, fp), 0);
	rewind(fp);
	assert_int_equal(fread(h, sizeof(h), 1, fp), 1);
	assert_memory_equal(h, "FTEVLOG", 8);
	assert_int_equal(get16(h + 8), 1);
	assert_int_equal(get16(h + 10), 48);
	assert_int_equal(get32(h + 12), 16);
	assert_int_equal(get64(h + 16), HZ);
	assert_int_equal(get64(h + 24), 5); /* 21 written (OPEN + 20), 16 kept */
	assert_int_equal(get32(h + 32), 0xc6336401);
	assert_int_equal(get32(h + 36), 0xc6336402);
	assert_int_equal(get16(h + 40), 8080);
	assert_int_equal(get16(h + 42), 40000);
	assert_int_equal(get16(h + 44), 3);
	assert_int_equal(get16(h + 46), 1);
	assert_int_equal(get32(h + 48), 0);
	assert_int_equal(get32(h + 52), 1);
	for (uint32_t i = 0; i < 16; i++) {
		uint32_t k = i + 4; /* record 5 is the 5th send (index 4) */

		assert_int_equal(fread(r, sizeof(r), 1, fp), 1);
		assert_int_equal(get64(r), 1000 + k);
		assert_int_equal(r[8], FT_EVLOG_SEND);
		assert_int_equal(r[9], FT_TCP_ESTABLISHED);
		assert_int_equal(get16(r + 10), FT_TH_ACK);
		assert_int_equal(get32(r + 12), 14480);
		assert_int_equal(get32(r + 16), 100 * k);
		assert_int_equal(get32(r + 20), 100);
	}
	assert_int_equal(fread(r, 1, 1, fp), 0); /* nothing after the records */
	fclose(fp);
	free(f.mem);
}

/* A writer thread fills records whose every field is derived from their index while this
 * thread reads: each record read must be whole and the run must be consecutive. */
struct race {
	struct ft_evlog *l;
	uint64_t n;
	volatile int done;
};

static void *
race_writer(void *arg)
{
	struct race *r = arg;

	for (uint64_t i = 0; i < r->n; i++) {
		struct ft_evlog_rec rec = { .tsc = i, .type = FT_EVLOG_NOTE, .cwnd = (uint32_t)i };

		for (int k = 0; k < 8; k++)
			rec.a[k] = (uint32_t)i * 7 + (uint32_t)k;
		ft_evlog_put(r->l, &rec);
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void
test_evlog_reader_racing_writer_sees_whole_records(void **state)
{
	struct fixture f;
	struct race r = { .l = ft_evlog_pool_ring(pool_new(&f, 1, 64), 0), .n = 3000000 };
	struct ft_evlog_rec out[64];
	unsigned int reads = 0;
	pthread_t th;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, race_writer, &r), 0);
	do {
		struct ft_evlog_span sp;

		assert_int_equal(ft_evlog_read(r.l, 0, out, N(out), &sp), 0);
		for (uint32_t i = 0; i < sp.n; i++) {
			uint64_t idx = sp.first + i;

			assert_int_equal(out[i].tsc, idx);
			assert_int_equal(out[i].cwnd, (uint32_t)idx);
			for (int k = 0; k < 8; k++)
				assert_int_equal(out[i].a[k], (uint32_t)idx * 7 + (uint32_t)k);
		}
		reads++;
	} while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE));
	pthread_join(th, NULL);
	assert_true(reads > 0);
	free(f.mem);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evlog_ring_wraps_keeps_newest_in_order),
		cmocka_unit_test(test_evlog_read_pages_from_an_index),
		cmocka_unit_test(test_evlog_each_event_writes_its_fields),
		cmocka_unit_test(test_evlog_open_and_close_frame_the_connection),
		cmocka_unit_test(test_evlog_disabled_records_nothing),
		cmocka_unit_test(test_evlog_pool_exhaustion_is_counted),
		cmocka_unit_test(test_evlog_released_ring_kept_until_reused),
		cmocka_unit_test(test_evlog_dump_parses_back),
		cmocka_unit_test(test_evlog_reader_racing_writer_sees_whole_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
