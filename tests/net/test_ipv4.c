/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 header validation (ft_ip4_check, ft_ip4_is_martian_src): table-driven, no EAL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>

#include "net/ipv4.h"

enum { F_NONE, F_VERSION, F_IHL, F_TOTLEN, F_CSUM, F_TTL };

struct ip_case {
	const char *name;
	uint32_t avail;      /* bytes of frame from the IPv4 header */
	int field;           /* what to corrupt */
	uint32_t value;
	bool check_csum;
	enum ft_drop_reason want;
};

static const struct ip_case cases[] = {
	{ "valid 20-byte header", 40, F_NONE, 0, true, FT_DROP_MAX },
	{ "valid, padding after total length", 60, F_NONE, 0, true, FT_DROP_MAX },
	{ "shorter than a header", 19, F_NONE, 0, true, FT_DROP_IP_SHORT },
	{ "empty", 0, F_NONE, 0, true, FT_DROP_IP_SHORT },
	{ "version 6", 40, F_VERSION, 6, true, FT_DROP_IP_VERSION },
	{ "version 0", 40, F_VERSION, 0, true, FT_DROP_IP_VERSION },
	{ "ihl 4 (16 bytes)", 40, F_IHL, 4, true, FT_DROP_IP_IHL },
	{ "ihl 0", 40, F_IHL, 0, true, FT_DROP_IP_IHL },
	{ "ihl 15 beyond the frame", 40, F_IHL, 15, true, FT_DROP_IP_IHL },
	{ "ihl 6 with options, fits", 40, F_IHL, 6, true, FT_DROP_MAX },
	{ "total length beyond the frame", 40, F_TOTLEN, 41, true, FT_DROP_IP_LEN },
	{ "total length below the header", 40, F_TOTLEN, 19, true, FT_DROP_IP_LEN },
	{ "total length == header", 40, F_TOTLEN, 20, true, FT_DROP_MAX },
	{ "bad checksum", 40, F_CSUM, 0x1234, true, FT_DROP_IP_CSUM },
	{ "bad checksum, verified by device", 40, F_CSUM, 0x1234, false, FT_DROP_MAX },
	{ "ttl 0", 40, F_TTL, 0, true, FT_DROP_IP_TTL },
	{ "ttl 1 is fine for a host (RFC 1122 3.2.1.7)", 40, F_TTL, 1, true, FT_DROP_MAX },
};

static void
build(uint8_t *buf, const struct ip_case *c)
{
	struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)buf;
	uint16_t tot = 40;

	memset(buf, 0, 64);
	h->version_ihl = RTE_IPV4_VHL_DEF;
	h->time_to_live = 64;
	h->next_proto_id = 17;
	h->src_addr = rte_cpu_to_be_32(0xc6336402);
	h->dst_addr = rte_cpu_to_be_32(0xc6336401);
	switch (c->field) {
	case F_VERSION: h->version_ihl = (uint8_t)(c->value << 4 | 5); break;
	case F_IHL: h->version_ihl = (uint8_t)(0x40 | c->value); break;
	case F_TOTLEN: tot = (uint16_t)c->value; break;
	case F_TTL: h->time_to_live = (uint8_t)c->value; break;
	}
	h->total_length = rte_cpu_to_be_16(tot);
	if ((h->version_ihl & 0xf) >= 5 && (h->version_ihl & 0xf) * 4u <= 64)
		h->hdr_checksum = (uint16_t)~rte_raw_cksum(h, (h->version_ihl & 0xf) * 4u);
	if (c->field == F_CSUM)
		h->hdr_checksum ^= (uint16_t)c->value;
}

static void
test_ip4_check_table(void **state)
{
	uint8_t buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		build(buf, &cases[i]);
		print_message("  %-45s -> %s\n", cases[i].name,
			      cases[i].want == FT_DROP_MAX ? "accept" :
			      ft_drop_reason_name(cases[i].want));
		assert_int_equal(ft_ip4_check((const void *)buf, cases[i].avail,
					      cases[i].check_csum), cases[i].want);
	}
}

static void
test_martian_sources(void **state)
{
	static const struct { uint32_t a; bool martian; } t[] = {
		{ 0x00000000, true },  { 0x00000001, true },  { 0x7f000001, true },
		{ 0xe0000001, true },  { 0xffffffff, true },  { 0xf0000001, true },
		{ 0xc6336402, false }, { 0x0a000001, false }, { 0xcb007101, false },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(ft_ip4_is_martian_src(t[i].a), t[i].martian);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip4_check_table),
		cmocka_unit_test(test_martian_sources),
	};

	return cmocka_run_group_tests_name("ipv4", tests, NULL, NULL);
}
