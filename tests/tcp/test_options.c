/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP option parse/build (tcp/options.c): a table of well-formed and malformed option byte
 * strings, byte-exact layouts of the built options, and build -> parse round trips.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/options.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Timestamp values used throughout: 0x01020304 / 0x0a0b0c0d. */
#define TSV 0x01, 0x02, 0x03, 0x04
#define TSE 0x0a, 0x0b, 0x0c, 0x0d
#define TS_OPT 0x08, 0x0a, TSV, TSE
#define BAD -EBADMSG, { 0 }, false /* rc, want, clamped of a malformed case */

struct parse_case {
	const char *name;
	uint8_t bytes[48];  /* more than 40, for the "len > 40" case */
	uint16_t len;
	bool syn;
	int rc;
	struct ft_tcp_opts want; /* checked when rc == 0 */
	bool clamped;
};

static const struct parse_case parse_cases[] = {
	{ "no options", { 0 }, 0, true, 0, { 0 }, false },
	{ "SYN, all options in the Linux layout",
	  { 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, TS_OPT, 0x01, 0x03, 0x03, 0x07 }, 20, true, 0,
	  { .mss = 1460, .wscale = 7, .has_wscale = true, .sack_ok = true, .has_ts = true,
	    .tsval = 0x01020304, .tsecr = 0x0a0b0c0d }, false },
	{ "SYN, MSS only", { 0x02, 0x04, 0x23, 0x28 }, 4, true, 0, { .mss = 9000 }, false },
	{ "NOPs only", { 0x01, 0x01, 0x01, 0x01 }, 4, false, 0, { 0 }, false },
	{ "NOP NOP TS on a data segment", { 0x01, 0x01, TS_OPT }, 12, false, 0,
	  { .has_ts = true, .tsval = 0x01020304, .tsecr = 0x0a0b0c0d }, false },
	{ "MSS on non-SYN is ignored", { 0x02, 0x04, 0x05, 0xb4 }, 4, false, 0, { 0 }, false },
	{ "WS and SACK-perm on non-SYN are ignored",
	  { 0x01, 0x03, 0x03, 0x07, 0x01, 0x01, 0x04, 0x02 }, 8, false, 0, { 0 }, false },
	{ "EOL in the middle stops parsing",
	  { 0x02, 0x04, 0x05, 0xb4, 0x00, 0x03, 0x03, 0x07 }, 8, true, 0, { .mss = 1460 }, false },
	{ "bytes after EOL are padding, not checked",
	  { 0x00, 0x02, 0x00, 0x08 }, 4, true, 0, { 0 }, false },
	{ "unknown kind 30 with length 4 is skipped",
	  { 0x1e, 0x04, 0xaa, 0xbb, 0x02, 0x04, 0x05, 0xb4 }, 8, true, 0, { .mss = 1460 },
	  false },
	{ "unknown kind with length 2 is skipped", { 0x1e, 0x02, 0x01, 0x01 }, 4, true, 0, { 0 },
	  false },
	{ "WS 14 is kept", { 0x01, 0x03, 0x03, 0x0e }, 4, true, 0,
	  { .wscale = 14, .has_wscale = true }, false },
	{ "WS 15 is clamped to 14", { 0x01, 0x03, 0x03, 0x0f }, 4, true, 0,
	  { .wscale = 14, .has_wscale = true }, true },
	{ "WS 255 is clamped to 14", { 0x01, 0x03, 0x03, 0xff }, 4, true, 0,
	  { .wscale = 14, .has_wscale = true }, true },
	{ "WS 0 is present", { 0x01, 0x03, 0x03, 0x00 }, 4, true, 0, { .has_wscale = true },
	  false },
	{ "a later MSS overrides an earlier one",
	  { 0x02, 0x04, 0x05, 0xb4, 0x02, 0x04, 0x02, 0x18 }, 8, true, 0, { .mss = 536 },
	  false },
	{ "SACK, one block",
	  { 0x01, 0x01, 0x05, 0x0a, 0, 0, 0x03, 0xe8, 0, 0, 0x07, 0xd0 }, 12, false, 0,
	  { .n_sack = 1, .sack = { { 1000, 2000 } } }, false },
	{ "SACK, four blocks across the wrap",
	  { 0x01, 0x01, 0x05, 0x22,
	    0xff, 0xff, 0xff, 0xf0, 0x00, 0x00, 0x00, 0x10,
	    0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x30,
	    0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x50,
	    0x80, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x01 }, 36, false, 0,
	  { .n_sack = 4, .sack = { { 0xfffffff0, 0x10 }, { 0x20, 0x30 }, { 0x40, 0x50 },
				   { 0x80000000, 0x80000001 } } }, false },
	{ "TS and three SACK blocks fill 40 bytes",
	  { 0x01, 0x01, TS_OPT, 0x01, 0x01, 0x05, 0x1a,
	    0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6 }, 40, false, 0,
	  { .has_ts = true, .tsval = 0x01020304, .tsecr = 0x0a0b0c0d, .n_sack = 3,
	    .sack = { { 1, 2 }, { 3, 4 }, { 5, 6 } } }, false },
	/* malformed */
	{ "length 0 (would loop forever)", { 0x1e, 0x00, 0x01, 0x01 }, 4, true, BAD },
	{ "length 1", { 0x02, 0x01, 0x05, 0xb4 }, 4, true, BAD },
	{ "MSS running past the header", { 0x01, 0x02, 0x04, 0x05 }, 4, true, BAD },
	{ "length byte missing at the end", { 0x01, 0x01, 0x01, 0x08 }, 4, false, BAD },
	{ "unknown option running past the header", { 0x1e, 0x08, 0x00, 0x00 }, 4, true,
	  BAD },
	{ "truncated TS", { 0x01, 0x01, 0x08, 0x0a, TSV, 0x0a, 0x0b }, 10, false, BAD },
	{ "TS with length 8", { 0x08, 0x08, TSV, 0x00, 0x00, 0x01, 0x01 }, 10, false,
	  BAD },
	{ "MSS with length 3", { 0x02, 0x03, 0x05, 0x01 }, 4, true, BAD },
	{ "MSS with wrong length on non-SYN", { 0x02, 0x06, 0x05, 0xb4, 0, 0, 0x01, 0x01 }, 8,
	  false, BAD },
	{ "WS with length 4", { 0x03, 0x04, 0x07, 0x00 }, 4, true, BAD },
	{ "SACK-perm with length 3", { 0x04, 0x03, 0x00, 0x01 }, 4, true, BAD },
	{ "SACK with no block", { 0x01, 0x01, 0x05, 0x02 }, 4, false, BAD },
	{ "SACK length not 2 + 8n", { 0x05, 0x0b, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0 }, 12, false,
	  BAD },
	{ "SACK with 5 blocks (42 bytes)", { 0x05, 0x2a, 0, 0, 0, 1, 0, 0, 0, 2 }, 40, false, BAD },
	{ "option space over 40 bytes", { 0x01 }, 44, false, BAD },
	{ "good TS then a bad option", { 0x01, 0x01, TS_OPT, 0x1e, 0x00, 0x01, 0x01 }, 16,
	  false, BAD },
};

static void
assert_opts_equal(const struct ft_tcp_opts *got, const struct ft_tcp_opts *want)
{
	assert_int_equal(got->mss, want->mss);
	assert_int_equal(got->has_wscale, want->has_wscale);
	assert_int_equal(got->wscale, want->wscale);
	assert_int_equal(got->sack_ok, want->sack_ok);
	assert_int_equal(got->has_ts, want->has_ts);
	assert_int_equal(got->tsval, want->tsval);
	assert_int_equal(got->tsecr, want->tsecr);
	assert_int_equal(got->n_sack, want->n_sack);
	for (int i = 0; i < want->n_sack; i++) {
		assert_int_equal(got->sack[i].start, want->sack[i].start);
		assert_int_equal(got->sack[i].end, want->sack[i].end);
	}
}

static void
test_options_parse_table(void **state)
{
	for (size_t i = 0; i < N(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct ft_tcp_opts o;
		bool clamped = !c->clamped;

		print_message("  %-45s -> %d\n", c->name, c->rc);
		memset(&o, 0xa5, sizeof(o)); /* parse must overwrite everything */
		assert_int_equal(ft_tcp_opts_parse(c->bytes, c->len, c->syn, &o, &clamped), c->rc);
		if (c->rc != 0)
			continue;
		assert_opts_equal(&o, &c->want);
		assert_int_equal(clamped, c->clamped);
	}
}

static void
test_options_parse_accepts_null_clamp_flag(void **state)
{
	const uint8_t ws15[] = { 0x01, 0x03, 0x03, 0x0f };
	struct ft_tcp_opts o;

	assert_int_equal(ft_tcp_opts_parse(ws15, sizeof(ws15), true, &o, NULL), 0);
	assert_int_equal(o.wscale, 14);
}

struct build_case {
	const char *name;
	bool syn;
	struct ft_tcp_opts in;
	uint8_t want[FT_TCP_OPTS_MAX];
	uint16_t len;
};

#define MSS_1460 0x02, 0x04, 0x05, 0xb4
#define BLK(a, b) 0, 0, 0, a, 0, 0, 0, b

static const struct build_case build_cases[] = {
	{ "SYN, all options: 20 bytes", true,
	  { .mss = 1460, .sack_ok = true, .has_ts = true, .tsval = 0x01020304,
	    .tsecr = 0x0a0b0c0d, .has_wscale = true, .wscale = 7 },
	  { MSS_1460, 0x04, 0x02, TS_OPT, 0x01, 0x03, 0x03, 0x07 }, 20 },
	{ "SYN, no SACK-perm: NOP NOP before TS", true,
	  { .mss = 1460, .has_ts = true, .tsval = 0x01020304, .tsecr = 0x0a0b0c0d,
	    .has_wscale = true, .wscale = 7 },
	  { MSS_1460, 0x01, 0x01, TS_OPT, 0x01, 0x03, 0x03, 0x07 }, 20 },
	{ "SYN, no TS: MSS, NOP WS, NOP NOP SACK-perm", true,
	  { .mss = 1460, .sack_ok = true, .has_wscale = true, .wscale = 7 },
	  { MSS_1460, 0x01, 0x03, 0x03, 0x07, 0x01, 0x01, 0x04, 0x02 }, 12 },
	{ "SYN, TS and SACK-perm, no WS", true,
	  { .mss = 1460, .sack_ok = true, .has_ts = true, .tsval = 0x01020304,
	    .tsecr = 0x0a0b0c0d },
	  { MSS_1460, 0x04, 0x02, TS_OPT }, 16 },
	{ "SYN, MSS and WS", true, { .mss = 1460, .has_wscale = true, .wscale = 14 },
	  { MSS_1460, 0x01, 0x03, 0x03, 0x0e }, 8 },
	{ "SYN, MSS and SACK-perm", true, { .mss = 1460, .sack_ok = true },
	  { MSS_1460, 0x01, 0x01, 0x04, 0x02 }, 8 },
	{ "SYN, MSS only", true, { .mss = 1460 }, { MSS_1460 }, 4 },
	{ "SYN, nothing", true, { 0 }, { 0 }, 0 },
	{ "data, TS only", false, { .has_ts = true, .tsval = 0x01020304, .tsecr = 0x0a0b0c0d },
	  { 0x01, 0x01, TS_OPT }, 12 },
	{ "data, TS and one SACK block", false,
	  { .has_ts = true, .tsval = 0x01020304, .tsecr = 0x0a0b0c0d, .n_sack = 1,
	    .sack = { { 1, 2 } } },
	  { 0x01, 0x01, TS_OPT, 0x01, 0x01, 0x05, 0x0a, BLK(1, 2) }, 24 },
	{ "data, TS and four SACK blocks: three fit", false,
	  { .has_ts = true, .tsval = 0x01020304, .tsecr = 0x0a0b0c0d, .n_sack = 4,
	    .sack = { { 1, 2 }, { 3, 4 }, { 5, 6 }, { 7, 8 } } },
	  { 0x01, 0x01, TS_OPT, 0x01, 0x01, 0x05, 0x1a, BLK(1, 2), BLK(3, 4), BLK(5, 6) }, 40 },
	{ "data, four SACK blocks without TS", false,
	  { .n_sack = 4, .sack = { { 1, 2 }, { 3, 4 }, { 5, 6 }, { 7, 8 } } },
	  { 0x01, 0x01, 0x05, 0x22, BLK(1, 2), BLK(3, 4), BLK(5, 6), BLK(7, 8) }, 36 },
	{ "data, SYN-only fields are not sent", false,
	  { .mss = 1460, .sack_ok = true, .has_wscale = true, .wscale = 7 }, { 0 }, 0 },
	{ "data, n_sack over the maximum is capped", false,
	  { .n_sack = 9, .sack = { { 1, 2 }, { 3, 4 }, { 5, 6 }, { 7, 8 } } },
	  { 0x01, 0x01, 0x05, 0x22, BLK(1, 2), BLK(3, 4), BLK(5, 6), BLK(7, 8) }, 36 },
};

static void
test_options_build_byte_exact_layouts(void **state)
{
	for (size_t i = 0; i < N(build_cases); i++) {
		const struct build_case *c = &build_cases[i];
		uint8_t buf[FT_TCP_OPTS_MAX + 8];
		uint16_t len;

		print_message("  %-45s -> %u bytes\n", c->name, c->len);
		memset(buf, 0xee, sizeof(buf));
		len = c->syn ? ft_tcp_opts_build_syn(buf, &c->in) : ft_tcp_opts_build(buf, &c->in);
		assert_int_equal(len, c->len);
		assert_memory_equal(buf, c->want, len);
		assert_int_equal(buf[len], 0xee); /* nothing written past the length */
	}
}

static void
test_options_syn_round_trip(void **state)
{
	/* Every combination of the SYN options builds, aligned, and parses back. */
	for (unsigned int m = 0; m < 8; m++) {
		struct ft_tcp_opts in = {
			.mss = 536 + m, .sack_ok = m & 1, .has_ts = m & 2, .has_wscale = m & 4,
			.wscale = (uint8_t)(m * 2), .tsval = 0xfffffff0 + m, .tsecr = m * 1000,
		};
		struct ft_tcp_opts out;
		uint8_t buf[FT_TCP_OPTS_MAX];
		uint16_t len = ft_tcp_opts_build_syn(buf, &in);

		assert_int_equal(len % 4, 0);
		assert_true(len <= FT_TCP_OPTS_MAX);
		assert_int_equal(ft_tcp_opts_parse(buf, len, true, &out, NULL), 0);
		if (!in.has_ts)
			in.tsval = in.tsecr = 0;
		if (!in.has_wscale)
			in.wscale = 0;
		assert_opts_equal(&out, &in);
	}
}

static void
test_options_data_round_trip_keeps_the_first_blocks(void **state)
{
	for (unsigned int ts = 0; ts < 2; ts++) {
		for (uint8_t n = 0; n <= FT_TCP_MAX_SACK; n++) {
			struct ft_tcp_opts in = { .has_ts = ts, .tsval = 7, .tsecr = 9, .n_sack = n };
			struct ft_tcp_opts out;
			uint8_t buf[FT_TCP_OPTS_MAX];
			uint16_t len;

			for (uint8_t i = 0; i < n; i++)
				in.sack[i] = (struct ft_tcp_sack_block){ 0xffffff00u + i * 100,
									 0xffffff00u + i * 100 + 50 };
			len = ft_tcp_opts_build(buf, &in);
			assert_int_equal(len % 4, 0);
			assert_true(len <= FT_TCP_OPTS_MAX);
			assert_int_equal(ft_tcp_opts_parse(buf, len, false, &out, NULL), 0);
			if (!ts)
				in.tsval = in.tsecr = 0;
			if (ts && n > 3)
				in.n_sack = 3; /* RFC 2018 §3: 3 blocks with timestamps */
			assert_opts_equal(&out, &in);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_parse_table),
		cmocka_unit_test(test_options_parse_accepts_null_clamp_flag),
		cmocka_unit_test(test_options_build_byte_exact_layouts),
		cmocka_unit_test(test_options_syn_round_trip),
		cmocka_unit_test(test_options_data_round_trip_keeps_the_first_blocks),
	};

	return cmocka_run_group_tests_name("tcp_options", tests, NULL, NULL);
}
