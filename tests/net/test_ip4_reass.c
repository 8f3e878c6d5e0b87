/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for src/net/ip4_reass.c (RFC 791 §3.2 reassembly, overlap policy after
 * RFC 5722). Every test checks all counters exactly and, on teardown, that the mbuf pool is
 * back to where it started: no leak, no double free. Payload bytes come from one pattern
 * indexed by datagram offset (plus a per-datagram seed), so a fragment chained in the wrong
 * place, or a header left in the chain, shows up in the byte-exact walk.
 * Just over 800 lines, not split: one file per module (STYLE §16), and most of it is tables.
 */
#include <inttypes.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <fasttcp/ft_stats.h>

#include "net/ip4_reass.h"
#include "pktgen.h"
#include "test_eal.h"

#define T0 1000000u      /* synthetic TSC: the module only compares differences */
#define TIMEOUT 1000u
#define MF true
#define LAST false

/* The reassembly key, plus which pattern bytes the datagram carries. */
struct key {
	uint32_t src;
	uint32_t dst;
	uint16_t id;
	uint8_t proto;
	uint8_t seed;
};

/* One fragment: payload bytes [off, off + len) of its datagram. */
struct frag {
	uint16_t off;
	uint16_t len;
	bool mf;
};

struct fixture {
	struct ft_reass *r;
	struct ft_stats st;   /* what the module counted */
	struct ft_stats exp;  /* what the test expects */
	unsigned int avail;   /* pool objects available before the test */
};

static const struct key K = {
	.src = RTE_IPV4(192, 0, 2, 1), .dst = RTE_IPV4(198, 51, 100, 7),
	.id = 0x1234, .proto = IPPROTO_UDP, .seed = 0,
};

static const struct ft_reass_conf default_conf = {
	.max_datagrams = 8, .max_frags = 8, .timeout_tsc = TIMEOUT,
};

/* Five fragments of unequal sizes (each MF one a multiple of 8), 3077 bytes in all. */
static const struct frag layout5[] = {
	{ 0, 1480, MF }, { 1480, 8, MF }, { 1488, 1000, MF }, { 2488, 512, MF }, { 3000, 77, LAST },
};
#define LAYOUT5_LEN 3077

/* pattern[i] = i * 131 + 7: period 256, so bytes misplaced by anything but a multiple of 256
 * (no fragment in these layouts is) do not match. */
static uint8_t pattern[RTE_IPV4_MAX_PKT_LEN + 2048 + 256];

/* --- helpers ------------------------------------------------------------------------- */

static struct rte_mbuf *
build(const struct key *k, const struct frag *fr)
{
	struct rte_mbuf *m = ft_test_ip4_frag(k->src, k->dst, k->id, k->proto, fr->off, fr->mf,
					      &pattern[k->seed + fr->off], fr->len);

	assert_non_null(m);
	return m;
}

static struct rte_mbuf *
input(struct fixture *f, const struct key *k, const struct frag *fr, uint64_t now)
{
	return ft_reass_input(f->r, build(k, fr), now, &f->st);
}

/* Input a fragment that must be held or dropped, not complete anything. */
static void
input_none(struct fixture *f, const struct key *k, const struct frag *fr, uint64_t now)
{
	assert_null(input(f, k, fr, now));
}

static void
check_stats(const struct fixture *f)
{
	unsigned int r;

#define CHECK_EVENT(fld, d) \
	if (f->st.fld != f->exp.fld) \
		fail_msg("%s = %" PRIu64 ", expected %" PRIu64, #fld, f->st.fld, f->exp.fld);
	FT_EVENT_COUNTERS(CHECK_EVENT)
#undef CHECK_EVENT
	for (r = 0; r < FT_DROP_MAX; r++)
		if (f->st.drops[r] != f->exp.drops[r])
			fail_msg("drops[%s] = %" PRIu64 ", expected %" PRIu64,
				 ft_drop_reason_name(r), f->st.drops[r], f->exp.drops[r]);
}

/* The header checksum, recomputed over a copy with the field zeroed, equals the one sent. */
static void
check_ip_cksum(const struct rte_ipv4_hdr *ip)
{
	union {
		struct rte_ipv4_hdr h;
		uint8_t b[60];
	} copy;

	memcpy(copy.b, ip, rte_ipv4_hdr_len(ip));
	copy.h.hdr_checksum = 0;
	assert_int_equal(rte_ipv4_cksum(&copy.h), ip->hdr_checksum);
}

/* @p m is k's datagram: header fields rewritten, @p len payload bytes exactly, chain sane. */
static void
check_datagram(const struct rte_mbuf *m, const struct key *k, uint16_t ihl, uint32_t len)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	const struct rte_mbuf *seg;
	uint32_t pos = 0, total = 0;
	uint16_t nb_segs = 0;

	assert_int_equal(rte_ipv4_hdr_len(ip), ihl);
	assert_int_equal(rte_be_to_cpu_16(ip->total_length), ihl + len);
	assert_int_equal(rte_pktmbuf_pkt_len(m), ihl + len);
	assert_int_equal(rte_be_to_cpu_16(ip->fragment_offset) &
			 (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK), 0);
	check_ip_cksum(ip);
	assert_int_equal(ip->src_addr, rte_cpu_to_be_32(k->src));
	assert_int_equal(ip->dst_addr, rte_cpu_to_be_32(k->dst));
	assert_int_equal(ip->packet_id, rte_cpu_to_be_16(k->id));
	assert_int_equal(ip->next_proto_id, k->proto);
	for (seg = m; seg != NULL; seg = seg->next) {
		uint16_t skip = seg == m ? ihl : 0;

		assert_true(seg->data_len >= skip);
		assert_memory_equal(rte_pktmbuf_mtod_offset(seg, const uint8_t *, skip),
				    &pattern[k->seed + pos], seg->data_len - skip);
		pos += seg->data_len - skip;
		total += seg->data_len;
		nb_segs++;
	}
	assert_int_equal(pos, len);
	assert_int_equal(total, rte_pktmbuf_pkt_len(m));
	assert_int_equal(nb_segs, m->nb_segs);
}

/* Replace the table with one built from @p conf; counters and expectations start over. */
static void
reset(struct fixture *f, const struct ft_reass_conf *conf)
{
	ft_reass_destroy(f->r);
	assert_int_equal(rte_mempool_avail_count(ft_test_pool()), f->avail);
	f->r = ft_reass_create(conf, SOCKET_ID_ANY);
	assert_non_null(f->r);
	memset(&f->st, 0, sizeof(f->st));
	memset(&f->exp, 0, sizeof(f->exp));
}

/* Input @p n fragments in the order given (NULL: as listed); returns what the last yields. */
static struct rte_mbuf *
input_all(struct fixture *f, const struct key *k, const struct frag *frags, size_t n,
	  const uint8_t *order, uint64_t now)
{
	size_t i;

	for (i = 0; i + 1 < n; i++)
		input_none(f, k, &frags[order != NULL ? order[i] : i], now);
	return input(f, k, &frags[order != NULL ? order[n - 1] : n - 1], now);
}

/* Set DF and TOS on a built fragment, as a sender doing PMTU discovery might. */
static void
set_df_tos(struct rte_mbuf *m, uint8_t tos)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);

	ip->fragment_offset |= rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->type_of_service = tos;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* --- completion ---------------------------------------------------------------------- */

static void
test_reass_completes_in_any_order(void **state)
{
	static const struct {
		const char *name;
		uint8_t order[RTE_DIM(layout5)];
	} cases[] = {
		{ "in order", { 0, 1, 2, 3, 4 } },
		{ "reversed", { 4, 3, 2, 1, 0 } },
		{ "out of order, last first", { 4, 0, 1, 2, 3 } },
		{ "out of order, middle out", { 2, 1, 3, 0, 4 } },
		{ "out of order, first last", { 1, 3, 4, 2, 0 } },
	};
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		struct rte_mbuf *m;

		print_message("    %s\n", cases[i].name);
		reset(f, &default_conf);
		m = input_all(f, &K, layout5, RTE_DIM(layout5), cases[i].order, T0);
		assert_non_null(m);
		check_datagram(m, &K, sizeof(struct rte_ipv4_hdr), LAYOUT5_LEN);
		assert_int_equal(m->nb_segs, RTE_DIM(layout5));
		assert_int_equal(ft_reass_count(f->r), 0);
		f->exp.ip_reassembled = 1;
		check_stats(f);
		rte_pktmbuf_free(m);
	}
}

static void
test_reass_duplicate_dropped_alone(void **state)
{
	struct fixture *f = *state;
	struct rte_mbuf *m;

	input_none(f, &K, &layout5[0], T0);
	input_none(f, &K, &layout5[2], T0);
	input_none(f, &K, &layout5[2], T0);   /* duplicate of a middle fragment */
	input_none(f, &K, &layout5[4], T0);
	input_none(f, &K, &layout5[4], T0);   /* duplicate of the last fragment */
	input_none(f, &K, &layout5[0], T0);   /* duplicate of fragment zero */
	input_none(f, &K, &layout5[1], T0);
	assert_int_equal(ft_reass_count(f->r), 1);
	m = input(f, &K, &layout5[3], T0);
	assert_non_null(m);
	check_datagram(m, &K, sizeof(struct rte_ipv4_hdr), LAYOUT5_LEN);
	f->exp.drops[FT_DROP_FRAG_DUP] = 3;
	f->exp.ip_reassembled = 1;
	check_stats(f);
	rte_pktmbuf_free(m);
}

/* --- conflicts: overlaps and disagreements about the end ----------------------------- */

static void
test_reass_conflict_discards_datagram(void **state)
{
	/* Held sets: H = [8,32) [48,64); L = [0,16) [32,48) with [32,48) last; M = same, no last */
#define HELD_H { { 8, 24, MF }, { 48, 16, MF } }
#define HELD_L { { 0, 16, MF }, { 32, 16, LAST } }
#define HELD_M { { 0, 16, MF }, { 32, 16, MF } }
	static const struct {
		const char *name;
		struct frag held[2];
		struct frag add;
		enum ft_drop_reason why;
		uint64_t dropped;     /* fragments counted under why */
		uint32_t in_progress; /* datagrams left */
	} cases[] = {
		{ "partial overlap at the front", HELD_H, { 0, 16, MF }, FT_DROP_FRAG_OVERLAP, 3, 0 },
		{ "partial overlap at the back", HELD_H, { 24, 16, MF }, FT_DROP_FRAG_OVERLAP, 3, 0 },
		{ "contained", HELD_H, { 16, 8, MF }, FT_DROP_FRAG_OVERLAP, 3, 0 },
		{ "containing", HELD_H, { 0, 40, MF }, FT_DROP_FRAG_OVERLAP, 3, 0 },
		{ "same offset, shorter", HELD_H, { 8, 8, MF }, FT_DROP_FRAG_OVERLAP, 3, 0 },
		{ "same offset, longer", HELD_H, { 8, 32, MF }, FT_DROP_FRAG_OVERLAP, 3, 0 },
		{ "same end, later offset", HELD_H, { 16, 16, MF }, FT_DROP_FRAG_OVERLAP, 3, 0 },
		{ "bridging two fragments", HELD_H, { 24, 32, MF }, FT_DROP_FRAG_OVERLAP, 3, 0 },
		{ "last fragment overlapping", HELD_H, { 56, 12, LAST }, FT_DROP_FRAG_OVERLAP, 3, 0 },
		{ "second last, later end", HELD_L, { 48, 8, LAST }, FT_DROP_FRAG_OVERLAP, 3, 0 },
		{ "second last, earlier end", HELD_L, { 16, 8, LAST }, FT_DROP_FRAG_OVERLAP, 3, 0 },
		{ "MF fragment past the end", HELD_L, { 48, 8, MF }, FT_DROP_FRAG_OVERLAP, 3, 0 },
		{ "MF copy of the last", HELD_L, { 32, 16, MF }, FT_DROP_FRAG_OVERLAP, 3, 0 },
		{ "last before held data", HELD_M, { 16, 8, LAST }, FT_DROP_FRAG_OVERLAP, 3, 0 },
		{ "last copy of an MF fragment", HELD_M, { 32, 16, LAST }, FT_DROP_FRAG_OVERLAP, 3, 0 },
		{ "exact duplicate, MF", HELD_H, { 48, 16, MF }, FT_DROP_FRAG_DUP, 1, 1 },
		{ "exact duplicate, last", HELD_L, { 32, 16, LAST }, FT_DROP_FRAG_DUP, 1, 1 },
		{ "exact duplicate, offset 0", HELD_L, { 0, 16, MF }, FT_DROP_FRAG_DUP, 1, 1 },
	};
#undef HELD_H
#undef HELD_L
#undef HELD_M
	static const struct frag whole[] = { { 0, 16, MF }, { 16, 8, LAST } };
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		struct rte_mbuf *m;

		print_message("    %s\n", cases[i].name);
		reset(f, &default_conf);
		input_none(f, &K, &cases[i].held[0], T0);
		input_none(f, &K, &cases[i].held[1], T0);
		input_none(f, &K, &cases[i].add, T0);
		assert_int_equal(ft_reass_count(f->r), cases[i].in_progress);
		f->exp.drops[cases[i].why] = cases[i].dropped;
		check_stats(f);
		if (cases[i].in_progress != 0)
			continue;
		/* The key is free again: a clean datagram with it completes. */
		m = input_all(f, &K, whole, RTE_DIM(whole), NULL, T0);
		assert_non_null(m);
		check_datagram(m, &K, sizeof(struct rte_ipv4_hdr), 24);
		rte_pktmbuf_free(m);
	}
}

/* --- bounds: fragments per datagram, segments, datagram size ------------------------- */

static void
test_reass_too_many_fragments_discards_datagram(void **state)
{
	static const struct ft_reass_conf conf = { .max_datagrams = 8, .max_frags = 4,
						   .timeout_tsc = TIMEOUT };
	static const struct frag four[] = { { 0, 8, MF }, { 8, 8, MF }, { 16, 8, MF },
					    { 24, 6, LAST } };
	struct fixture *f = *state;
	struct rte_mbuf *m;

	/* Exactly max_frags fragments still complete. */
	reset(f, &conf);
	m = input_all(f, &K, four, RTE_DIM(four), NULL, T0);
	assert_non_null(m);
	check_datagram(m, &K, sizeof(struct rte_ipv4_hdr), 30);
	rte_pktmbuf_free(m);
	f->exp.ip_reassembled = 1;

	/* At the limit, a duplicate is still only a duplicate ... */
	input_none(f, &K, &four[0], T0);
	input_none(f, &K, &four[1], T0);
	input_none(f, &K, &four[2], T0);
	input_none(f, &K, &(struct frag){ 32, 8, MF }, T0);
	input_none(f, &K, &four[1], T0);
	f->exp.drops[FT_DROP_FRAG_DUP] = 1;
	assert_int_equal(ft_reass_count(f->r), 1);
	/* ... but a new fragment discards the datagram, all five counted. */
	input_none(f, &K, &(struct frag){ 40, 8, MF }, T0);
	f->exp.drops[FT_DROP_FRAG_TOO_MANY] = 5;
	assert_int_equal(ft_reass_count(f->r), 0);
	check_stats(f);
}

static void
test_reass_segment_limit_discards_datagram(void **state)
{
	struct fixture *f = *state;
	struct rte_mbuf *a = build(&K, &(struct frag){ 0, 8, MF });
	struct rte_mbuf *b = build(&K, &(struct frag){ 8, 8, LAST });

	/* Pretend the fragments are long chains: rte_pktmbuf_chain() cannot join 70000
	 * segments. Only nb_segs is read before the free, which resets it. */
	a->nb_segs = 40000;
	b->nb_segs = 30000;
	assert_null(ft_reass_input(f->r, a, T0, &f->st));
	assert_null(ft_reass_input(f->r, b, T0, &f->st));
	assert_int_equal(ft_reass_count(f->r), 0);
	f->exp.drops[FT_DROP_FRAG_TOO_MANY] = 2;
	check_stats(f);
}

static void
test_reass_datagram_longer_than_65535_discarded(void **state)
{
	static const uint8_t nops[4] = { 1, 1, 1, 0 };  /* NOP NOP NOP EOL */
	static const struct ft_reass_conf conf = { .max_datagrams = 8, .max_frags = 64,
						   .timeout_tsc = TIMEOUT };
	static const struct {
		const char *name;
		uint16_t end;      /* payload length */
		uint8_t opt_len;   /* options on fragment zero */
		bool ok;
	} cases[] = {
		{ "65535 bytes, IHL 5", 65515, 0, true },
		{ "65536 bytes, IHL 5", 65516, 0, false },
		{ "65535 bytes, IHL 6", 65511, 4, true },
		{ "65539 bytes, IHL 6 (each fragment fits alone)", 65515, 4, false },
	};
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		uint16_t ihl = (uint16_t)(sizeof(struct rte_ipv4_hdr) + cases[i].opt_len);
		struct rte_mbuf *m = NULL;
		uint32_t off, n = 0;

		print_message("    %s\n", cases[i].name);
		reset(f, &conf);
		for (off = 0; m == NULL && off < cases[i].end; off += 1480, n++) {
			bool more = cases[i].end - off > 1480;
			struct frag fr = { (uint16_t)off, (uint16_t)(more ? 1480 : cases[i].end - off),
					   more };
			struct rte_mbuf *x = build(&K, &fr);

			if (off == 0)
				assert_int_equal(ft_test_ip4_add_options(x, nops, cases[i].opt_len), 0);
			m = ft_reass_input(f->r, x, T0, &f->st);
			if (more)
				assert_null(m);
		}
		assert_int_equal(ft_reass_count(f->r), 0);
		if (cases[i].ok) {
			check_datagram(m, &K, ihl, cases[i].end);
			f->exp.ip_reassembled = 1;
		} else {
			assert_null(m);
			f->exp.drops[FT_DROP_FRAG_BAD] = n;
		}
		check_stats(f);
		rte_pktmbuf_free(m);
	}
}

static void
test_reass_bad_fragment_dropped(void **state)
{
	static const struct {
		const char *name;
		struct frag fr;
		bool held;
	} cases[] = {
		{ "offset + length past 65535", { 65528, 16, LAST }, false },
		{ "ends at 65536", { 65528, 8, LAST }, false },
		{ "ends at 65535", { 65528, 7, LAST }, true },
		{ "MF, length not a multiple of 8", { 0, 12, MF }, false },
		{ "MF, 1 byte", { 8, 1, MF }, false },
		{ "MF, no payload", { 8, 0, MF }, false },
		{ "last, no payload", { 8, 0, LAST }, false },
		{ "last, odd length", { 8, 13, LAST }, true },
	};
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		print_message("    %s\n", cases[i].name);
		reset(f, &default_conf);
		input_none(f, &K, &cases[i].fr, T0);
		assert_int_equal(ft_reass_count(f->r), cases[i].held ? 1 : 0);
		f->exp.drops[FT_DROP_FRAG_BAD] = cases[i].held ? 0 : 1;
		check_stats(f);
	}
}

/* --- time and table size ------------------------------------------------------------- */

static void
test_reass_timeout_expires_every_fragment(void **state)
{
	struct fixture *f = *state;
	struct key k2 = K;

	k2.id++;
	ft_reass_expire(f->r, T0, &f->st);  /* empty table: nothing to do */
	input_none(f, &K, &(struct frag){ 0, 8, MF }, T0);
	input_none(f, &K, &(struct frag){ 16, 8, MF }, T0 + 100);
	input_none(f, &k2, &(struct frag){ 0, 8, MF }, T0 + 500);
	input_none(f, &k2, &(struct frag){ 8, 8, MF }, T0 + 500);
	/* A late fragment does not extend the datagram's life: the clock runs from its first. */
	input_none(f, &K, &(struct frag){ 32, 8, MF }, T0 + 900);
	assert_int_equal(ft_reass_count(f->r), 2);

	ft_reass_expire(f->r, T0 + TIMEOUT - 1, &f->st);
	assert_int_equal(ft_reass_count(f->r), 2);
	check_stats(f);
	ft_reass_expire(f->r, T0 + TIMEOUT, &f->st);
	assert_int_equal(ft_reass_count(f->r), 1);
	f->exp.drops[FT_DROP_FRAG_TIMEOUT] = 3;
	check_stats(f);
	ft_reass_expire(f->r, T0 + 500 + TIMEOUT, &f->st);
	assert_int_equal(ft_reass_count(f->r), 0);
	f->exp.drops[FT_DROP_FRAG_TIMEOUT] = 5;
	check_stats(f);
}

static void
test_reass_stale_datagram_expired_on_input(void **state)
{
	struct fixture *f = *state;
	struct rte_mbuf *m;

	input_none(f, &K, &(struct frag){ 0, 8, MF }, T0);
	/* Same key after the timeout: the stale fragment must not complete the new datagram. */
	input_none(f, &K, &(struct frag){ 8, 8, LAST }, T0 + TIMEOUT);
	f->exp.drops[FT_DROP_FRAG_TIMEOUT] = 1;
	assert_int_equal(ft_reass_count(f->r), 1);
	m = input(f, &K, &(struct frag){ 0, 8, MF }, T0 + TIMEOUT + 1);
	assert_non_null(m);
	check_datagram(m, &K, sizeof(struct rte_ipv4_hdr), 16);
	f->exp.ip_reassembled = 1;
	check_stats(f);
	rte_pktmbuf_free(m);
}

static void
test_reass_table_full_drops_new_datagram(void **state)
{
	static const struct ft_reass_conf conf = { .max_datagrams = 2, .max_frags = 8,
						   .timeout_tsc = TIMEOUT };
	static const struct frag head = { 0, 8, MF }, tail = { 8, 8, LAST };
	struct fixture *f = *state;
	struct key a = K, b = K, c = K, d = K;
	struct rte_mbuf *m;

	b.src++;
	c.src += 2;
	d.src += 3;
	reset(f, &conf);
	input_none(f, &a, &head, T0);
	input_none(f, &b, &head, T0);
	input_none(f, &c, &head, T0 + 1);
	f->exp.drops[FT_DROP_FRAG_TABLE_FULL] = 1;
	assert_int_equal(ft_reass_count(f->r), 2);
	/* A full table still completes what it holds ... */
	m = input(f, &a, &tail, T0 + 2);
	assert_non_null(m);
	check_datagram(m, &a, sizeof(struct rte_ipv4_hdr), 16);
	rte_pktmbuf_free(m);
	f->exp.ip_reassembled = 1;
	/* ... which frees a slot. */
	input_none(f, &c, &head, T0 + 3);
	input_none(f, &d, &head, T0 + 4);
	f->exp.drops[FT_DROP_FRAG_TABLE_FULL] = 2;
	check_stats(f);
	/* Once b has timed out, a new datagram takes its slot. */
	input_none(f, &d, &head, T0 + TIMEOUT);
	f->exp.drops[FT_DROP_FRAG_TIMEOUT] = 1;
	assert_int_equal(ft_reass_count(f->r), 2);
	check_stats(f);
}

static void
test_reass_many_datagrams_reuse_slots(void **state)
{
	static const struct ft_reass_conf conf = { .max_datagrams = 256, .max_frags = 2,
						   .timeout_tsc = TIMEOUT };
	static const struct frag head = { 0, 8, MF }, tail = { 8, 8, LAST };
	struct fixture *f = *state;
	struct key k = K;
	unsigned int round, i;

	reset(f, &conf);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < conf.max_datagrams; i++) {
			k.id = (uint16_t)(round * 1000 + i);
			input_none(f, &k, &head, T0);
		}
		k.id = 60000;
		input_none(f, &k, &head, T0);
		/* Complete in another order than created, to unlink from mid-chain. */
		for (i = 0; i < conf.max_datagrams; i++) {
			struct rte_mbuf *m;

			k.id = (uint16_t)(round * 1000 + (i * 7) % conf.max_datagrams);
			m = input(f, &k, &tail, T0);
			assert_non_null(m);
			check_datagram(m, &k, sizeof(struct rte_ipv4_hdr), 16);
			rte_pktmbuf_free(m);
		}
		assert_int_equal(ft_reass_count(f->r), 0);
	}
	f->exp.drops[FT_DROP_FRAG_TABLE_FULL] = 2;
	f->exp.ip_reassembled = 2 * conf.max_datagrams;
	check_stats(f);
}

/* --- keys, output, pass-through ------------------------------------------------------ */

static void
test_reass_same_id_other_key_kept_apart(void **state)
{
	static const struct frag f1[] = { { 0, 16, MF }, { 16, 8, LAST } };
	static const struct frag f2[] = { { 0, 8, MF }, { 8, 16, LAST } };  /* overlaps f1 */
	static const char *const names[] = { "other src", "other dst", "other id", "other proto" };
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < RTE_DIM(names); i++) {
		struct key v = K;
		struct rte_mbuf *m;

		print_message("    %s\n", names[i]);
		reset(f, &default_conf);
		v.seed = 1;
		v.src += i == 0;
		v.dst += i == 1;
		v.id = (uint16_t)(v.id + (i == 2));
		v.proto = i == 3 ? IPPROTO_TCP : v.proto;
		input_none(f, &K, &f1[0], T0);
		input_none(f, &v, &f2[0], T0);
		assert_int_equal(ft_reass_count(f->r), 2);
		m = input(f, &K, &f1[1], T0);
		check_datagram(m, &K, sizeof(struct rte_ipv4_hdr), 24);
		rte_pktmbuf_free(m);
		m = input(f, &v, &f2[1], T0);
		check_datagram(m, &v, sizeof(struct rte_ipv4_hdr), 24);
		rte_pktmbuf_free(m);
		f->exp.ip_reassembled = 2;
		check_stats(f);
	}
}

static void
test_reass_output_header_rewritten(void **state)
{
	static const uint8_t opts0[4] = { 1, 1, 1, 0 };
	static const uint8_t opts1[8] = { 1, 1, 1, 1, 1, 1, 1, 0 };
	struct fixture *f = *state;
	struct rte_mbuf *m0 = build(&K, &layout5[0]);
	struct rte_mbuf *m1 = build(&K, &layout5[1]);
	const struct rte_ipv4_hdr *ip;
	struct rte_mbuf *m;
	size_t i;

	/* Fragment zero's header becomes the datagram's, options and DF included; other
	 * fragments' headers, whatever their length, are stripped. */
	assert_int_equal(ft_test_ip4_add_options(m0, opts0, sizeof(opts0)), 0);
	assert_int_equal(ft_test_ip4_add_options(m1, opts1, sizeof(opts1)), 0);
	set_df_tos(m0, 0x28);
	set_df_tos(m1, 0x28);
	m0->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_BAD | RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	m0->packet_type = RTE_PTYPE_L3_IPV4_EXT | RTE_PTYPE_L4_FRAG;
	assert_null(ft_reass_input(f->r, m1, T0, &f->st));
	for (i = 2; i < RTE_DIM(layout5); i++)
		input_none(f, &K, &layout5[i], T0);
	m = ft_reass_input(f->r, m0, T0, &f->st);
	assert_non_null(m);
	check_datagram(m, &K, sizeof(struct rte_ipv4_hdr) + sizeof(opts0), LAYOUT5_LEN);
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	assert_int_equal(rte_be_to_cpu_16(ip->fragment_offset), RTE_IPV4_HDR_DF_FLAG);
	assert_memory_equal(ip + 1, opts0, sizeof(opts0));
	assert_int_equal(ip->type_of_service, 0x28);
	assert_int_equal(ip->time_to_live, 64);
	/* No NIC checked the L4 checksum of the whole datagram. */
	assert_int_equal(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK, RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN);
	assert_int_equal(m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK, RTE_MBUF_F_RX_IP_CKSUM_GOOD);
	assert_int_equal(m->packet_type, RTE_PTYPE_L3_IPV4_EXT);
	f->exp.ip_reassembled = 1;
	check_stats(f);
	rte_pktmbuf_free(m);
}

static void
test_reass_multiseg_fragments_chained(void **state)
{
	struct fixture *f = *state;
	struct rte_mbuf *frags[RTE_DIM(layout5)];
	struct rte_mbuf *m = NULL;
	size_t i;

	for (i = 0; i < RTE_DIM(layout5); i++) {
		/* Fragment 1's first segment keeps only its header: an empty segment after the
		 * strip must not disturb the chain. */
		uint16_t tail = i == 1 ? layout5[i].len : layout5[i].len / 2;

		frags[i] = build(&K, &layout5[i]);
		assert_int_equal(ft_test_mbuf_split_tail(frags[i], tail), 0);
		assert_int_equal(frags[i]->nb_segs, 2);
	}
	for (i = RTE_DIM(layout5); i-- > 0;) {
		m = ft_reass_input(f->r, frags[i], T0, &f->st);
		if (i != 0)
			assert_null(m);
	}
	assert_non_null(m);
	check_datagram(m, &K, sizeof(struct rte_ipv4_hdr), LAYOUT5_LEN);
	assert_int_equal(m->nb_segs, 2 * RTE_DIM(layout5));
	f->exp.ip_reassembled = 1;
	check_stats(f);
	rte_pktmbuf_free(m);
}

static void
test_reass_not_a_fragment_returned_unchanged(void **state)
{
	struct fixture *f = *state;
	struct rte_mbuf *in = build(&K, &(struct frag){ 0, 100, LAST });
	struct rte_mbuf *out;

	set_df_tos(in, 0);  /* DF alone does not make a fragment */
	out = ft_reass_input(f->r, in, T0, &f->st);
	assert_ptr_equal(out, in);
	assert_int_equal(ft_reass_count(f->r), 0);
	check_stats(f);
	rte_pktmbuf_free(out);
}

/* --- lifecycle ----------------------------------------------------------------------- */

static void
test_reass_create_rejects_bad_conf(void **state)
{
	static const struct {
		const char *name;
		struct ft_reass_conf conf;
	} cases[] = {
		{ "no datagrams", { 0, 8, TIMEOUT } },
		{ "too many datagrams", { FT_REASS_MAX_DATAGRAMS + 1, 8, TIMEOUT } },
		{ "one fragment (could never complete)", { 8, 1, TIMEOUT } },
		{ "too many fragments", { 8, FT_REASS_MAX_FRAGS + 1, TIMEOUT } },
		{ "no timeout", { 8, 8, 0 } },
	};
	size_t i;

	(void)state;
	rte_errno = 0;
	assert_null(ft_reass_create(NULL, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	for (i = 0; i < RTE_DIM(cases); i++) {
		print_message("    %s\n", cases[i].name);
		rte_errno = 0;
		assert_null(ft_reass_create(&cases[i].conf, SOCKET_ID_ANY));
		assert_int_equal(rte_errno, EINVAL);
	}
	ft_reass_destroy(NULL);
}

static void
test_reass_destroy_frees_held_fragments(void **state)
{
	struct fixture *f = *state;
	struct key k2 = K;

	k2.dst++;
	input_none(f, &K, &layout5[0], T0);
	input_none(f, &K, &layout5[3], T0);
	input_none(f, &k2, &layout5[4], T0);
	assert_int_equal(ft_reass_count(f->r), 2);
	ft_reass_destroy(f->r);
	f->r = NULL;
	assert_int_equal(rte_mempool_avail_count(ft_test_pool()), f->avail);
	check_stats(f);  /* teardown is not a drop */
}

/* --- fixtures ------------------------------------------------------------------------ */

static int
group_setup(void **state)
{
	size_t i;

	(void)state;
	if (ft_test_eal_init() != 0 || ft_test_pool() == NULL)
		return -1;
	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 131 + 7);
	return 0;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->avail = rte_mempool_avail_count(ft_test_pool());
	f->r = ft_reass_create(&default_conf, SOCKET_ID_ANY);
	if (f->r == NULL) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	unsigned int before = f->avail, after;

	ft_reass_destroy(f->r);
	free(f);
	after = rte_mempool_avail_count(ft_test_pool());
	if (after == before)
		return 0;
	print_error("mbuf leak: %u available after the test, %u before\n", after, before);
	return -1;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reass_completes_in_any_order),
		T(test_reass_duplicate_dropped_alone),
		T(test_reass_conflict_discards_datagram),
		T(test_reass_too_many_fragments_discards_datagram),
		T(test_reass_segment_limit_discards_datagram),
		T(test_reass_datagram_longer_than_65535_discarded),
		T(test_reass_bad_fragment_dropped),
		T(test_reass_timeout_expires_every_fragment),
		T(test_reass_stale_datagram_expired_on_input),
		T(test_reass_table_full_drops_new_datagram),
		T(test_reass_many_datagrams_reuse_slots),
		T(test_reass_same_id_other_key_kept_apart),
		T(test_reass_output_header_rewritten),
		T(test_reass_multiseg_fragments_chained),
		T(test_reass_not_a_fragment_returned_unchanged),
		T(test_reass_create_rejects_bad_conf),
		T(test_reass_destroy_frees_held_fragments),
	};

	return cmocka_run_group_tests_name("ip4_reass", tests, group_setup, NULL);
}
