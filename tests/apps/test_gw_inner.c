/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-ovpn-gw inner-packet helpers (apps/dpdk-ovpn-gw/inner.h, mssfix.c): the RFC 1624
 * incremental checksum against full recomputation, the forwarding TTL decrement, inner IPv4
 * validation, and the TCP MSS clamp over a table of SYNs (option at an even or odd offset,
 * below the ceiling, no MSS option, malformed options, not a SYN, a non-first fragment, UDP),
 * each checked for the resulting MSS and a TCP checksum that still verifies. No EAL: packets
 * live in a stack buffer behind a hand-made one-segment mbuf.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "inner.h"

#define SRC 0x0a080002 /* 10.8.0.2 */
#define DST 0xcb007102 /* 203.0.113.2 */

struct pkt {
	struct rte_mbuf m;
	uint8_t buf[256];
};

static struct rte_mbuf *
pkt_init(struct pkt *p, uint16_t len)
{
	memset(&p->m, 0, sizeof(p->m));
	p->m.buf_addr = p->buf;
	p->m.buf_len = sizeof(p->buf);
	p->m.data_off = 0;
	p->m.data_len = len;
	p->m.pkt_len = len;
	p->m.nb_segs = 1;
	return &p->m;
}

/* IPv4 + TCP with @p opts (a multiple of 4 bytes), flags @p flags; checksums set. */
static uint16_t
build_tcp(uint8_t *b, uint8_t flags, const uint8_t *opts, uint8_t olen, uint16_t frag)
{
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)b;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ih + 1);
	uint16_t len = (uint16_t)(sizeof(*ih) + sizeof(*th) + olen);

	memset(b, 0, len);
	ih->version_ihl = RTE_IPV4_VHL_DEF;
	ih->total_length = rte_cpu_to_be_16(len);
	ih->fragment_offset = rte_cpu_to_be_16(frag);
	ih->time_to_live = 64;
	ih->next_proto_id = IPPROTO_TCP;
	ih->src_addr = rte_cpu_to_be_32(SRC);
	ih->dst_addr = rte_cpu_to_be_32(DST);
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	th->src_port = rte_cpu_to_be_16(40000);
	th->dst_port = rte_cpu_to_be_16(5001);
	th->sent_seq = rte_cpu_to_be_32(0x12345678);
	th->data_off = (uint8_t)((sizeof(*th) + olen) / 4 << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(64240);
	memcpy(th + 1, opts, olen);
	th->cksum = rte_ipv4_udptcp_cksum(ih, th);
	return len;
}

/* MSS value at option offset @p at, or 0 if none there. */
static unsigned int
mss_at(const uint8_t *b, unsigned int at)
{
	const uint8_t *o = b + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_tcp_hdr) + at;

	return (unsigned int)o[2] << 8 | o[3];
}

struct mss_case {
	const char *name;
	uint8_t flags;
	uint8_t opts[12];
	uint8_t olen;
	uint16_t frag;       /* IPv4 flags/fragment offset field, host order */
	unsigned int at;     /* where the MSS option is (0xff: nowhere) */
	bool changed;
	unsigned int mss;    /* expected value after the call */
};

#define SYN RTE_TCP_SYN_FLAG
#define SYNACK (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)

static const struct mss_case mss_cases[] = {
	{ "SYN, MSS 1460 first (even offset)", SYN, { 2, 4, 0x05, 0xb4 }, 4, 0, 0, true, 1300 },
	{ "SYN-ACK, MSS 1460 after NOP (odd offset)", SYNACK,
	  { 1, 2, 4, 0x05, 0xb4, 1, 1, 1 }, 8, 0, 1, true, 1300 },
	{ "SYN, MSS after NOP NOP SACK-perm (even)", SYN,
	  { 1, 1, 4, 2, 2, 4, 0xff, 0xff }, 8, 0, 4, true, 1300 },
	{ "SYN, MSS 1300 already: unchanged", SYN, { 2, 4, 0x05, 0x14 }, 4, 0, 0, false, 1300 },
	{ "SYN, MSS 536 below: unchanged", SYN, { 2, 4, 0x02, 0x18 }, 4, 0, 0, false, 536 },
	{ "SYN, DF set: still clamped", SYN, { 2, 4, 0x05, 0xb4 }, 4, 0x4000, 0, true, 1300 },
	{ "ACK only: not a SYN", RTE_TCP_ACK_FLAG, { 2, 4, 0x05, 0xb4 }, 4, 0, 0, false, 1460 },
	{ "non-first fragment", SYN, { 2, 4, 0x05, 0xb4 }, 4, 0x0010, 0, false, 1460 },
	{ "SYN, option length 0 (malformed)", SYN, { 3, 0, 2, 4, 0x05, 0xb4, 0, 0 }, 8, 0, 2,
	  false, 1460 },
	{ "SYN, option running past the header", SYN, { 1, 1, 1, 3, 9, 0, 0, 0 }, 8, 0, 0xff,
	  false, 0 },
	{ "SYN, MSS option after EOL: ignored", SYN, { 0, 0, 0, 0, 2, 4, 0x05, 0xb4 }, 8, 0, 4,
	  false, 1460 },
	{ "SYN, MSS with length 3: not an MSS", SYN, { 2, 3, 0x05, 0xb4 }, 4, 0, 0, false, 1460 },
	{ "SYN, no options", SYN, { 0 }, 0, 0, 0xff, false, 0 },
};

static void
test_mss_clamp_table(void **state)
{
	for (size_t i = 0; i < RTE_DIM(mss_cases); i++) {
		const struct mss_case *c = &mss_cases[i];
		struct pkt p;
		uint16_t len = build_tcp(p.buf, c->flags, c->opts, c->olen, c->frag);
		struct rte_mbuf *m = pkt_init(&p, len);
		const struct rte_ipv4_hdr *ih = (const struct rte_ipv4_hdr *)p.buf;

		print_message("  %-45s\n", c->name);
		assert_int_equal(gw_mss_clamp(m, 1300), c->changed);
		if (c->at != 0xff)
			assert_int_equal(mss_at(p.buf, c->at), c->mss);
		/* Changed or not, the segment still verifies. */
		assert_int_equal(rte_ipv4_udptcp_cksum_verify(ih, ih + 1), 0);
	}
}

static void
test_mss_clamp_leaves_udp_and_short_packets_alone(void **state)
{
	struct pkt p;
	uint16_t len = build_tcp(p.buf, SYN, (const uint8_t[]){ 2, 4, 0x05, 0xb4 }, 4, 0);
	struct rte_mbuf *m = pkt_init(&p, len);
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)p.buf;

	m->data_len = m->pkt_len = 30; /* TCP header cut short */
	assert_false(gw_mss_clamp(m, 1300));
	m->data_len = m->pkt_len = len;
	ih->next_proto_id = IPPROTO_UDP;
	assert_false(gw_mss_clamp(m, 1300));
	assert_int_equal(mss_at(p.buf, 0), 1460);
}

static void
test_csum_update_matches_recomputation(void **state)
{
	uint16_t words[10];

	srand(7);
	for (int round = 0; round < 2000; round++) {
		uint16_t full, inc, old;
		int k = rand() % 10;
		uint32_t sum;

		for (int i = 0; i < 10; i++)
			words[i] = (uint16_t)rand();
		if (round % 3 == 0)
			words[k] = 0xffff; /* the edge RFC 1624 fixes in RFC 1141's formula */
		old = words[k];
		full = (uint16_t)~rte_raw_cksum(words, sizeof(words));
		words[k] = round % 5 == 0 ? 0 : (uint16_t)rand();
		inc = gw_csum_update16(full, old, words[k]);
		full = (uint16_t)~rte_raw_cksum(words, sizeof(words));
		/* Both are ones'-complement checksums of the new data: equal, or 0 vs -0. */
		assert_true(inc == full || (uint16_t)(inc ^ full) == 0xffff);
		/* And the updated one verifies: data + checksum sums to -0. */
		sum = (uint32_t)rte_raw_cksum(words, sizeof(words)) + inc;
		sum = (sum & 0xffff) + (sum >> 16);
		assert_int_equal(sum, 0xffff);
	}
}

static void
test_ttl_decrement_keeps_the_header_checksum_valid(void **state)
{
	static const uint8_t ttls[] = { 255, 64, 2, 1, 0 };
	struct pkt p;

	for (size_t i = 0; i < RTE_DIM(ttls); i++) {
		struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)p.buf;

		build_tcp(p.buf, SYN, NULL, 0, 0x4000);
		ih->time_to_live = ttls[i];
		ih->hdr_checksum = 0;
		ih->hdr_checksum = rte_ipv4_cksum(ih);
		assert_int_equal(gw_ttl_dec(ih), ttls[i] > 1);
		assert_int_equal(ih->time_to_live, ttls[i] > 1 ? ttls[i] - 1 : ttls[i]);
		assert_int_equal(rte_raw_cksum(ih, sizeof(*ih)), 0xffff);
	}
}

static void
test_inner_ip4_validation(void **state)
{
	struct pkt p;
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)p.buf;
	uint16_t len = build_tcp(p.buf, SYN, NULL, 0, 0);
	struct rte_mbuf *m = pkt_init(&p, len);

	assert_true(gw_inner_ip4_valid(m));
	pkt_init(&p, len + 6); /* link-style padding after the total length: trimmed */
	assert_true(gw_inner_ip4_valid(m));
	assert_int_equal(m->pkt_len, len);
	pkt_init(&p, 19);
	assert_false(gw_inner_ip4_valid(m)); /* short */
	pkt_init(&p, len - 1);
	assert_false(gw_inner_ip4_valid(m)); /* total length beyond the packet */
	pkt_init(&p, len);
	ih->hdr_checksum ^= 1;
	assert_false(gw_inner_ip4_valid(m)); /* bad header checksum */
	build_tcp(p.buf, SYN, NULL, 0, 0);
	ih->version_ihl = 0x65;
	assert_false(gw_inner_ip4_valid(m)); /* version 6 */
	ih->version_ihl = 0x44;
	assert_false(gw_inner_ip4_valid(m)); /* IHL below 5 */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mss_clamp_table),
		cmocka_unit_test(test_mss_clamp_leaves_udp_and_short_packets_alone),
		cmocka_unit_test(test_csum_update_matches_recomputation),
		cmocka_unit_test(test_ttl_decrement_keeps_the_header_checksum_valid),
		cmocka_unit_test(test_inner_ip4_validation),
	};

	return cmocka_run_group_tests_name("gw_inner", tests, NULL, NULL);
}
