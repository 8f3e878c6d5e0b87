/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-ovpn-gw renegotiation policy (apps/dpdk-ovpn-gw/rekey_policy.c): the key_id sequence
 * 0, 1..7, 1.. (openvpn-protocol.md §7.1) over a long run, the server's reneg-sec jitter
 * bounds (§6.7), a table of start decisions (time, usage limits, a renegotiation under way,
 * backoff after a failure, inactive session), the TX swap rule, and the reason text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ovpn/keys.h"
#include "rekey_policy.h"

static void
test_key_id_sequence_skips_zero_and_wraps_to_one(void **state)
{
	static const uint8_t want[] = { 1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 6, 7, 1 };
	uint8_t id = 0;

	(void)state;
	for (unsigned int i = 0; i < sizeof(want); i++) {
		id = gw_key_id_next(id);
		assert_int_equal(id, want[i]);
	}
	/* 1000 renegotiations: never 0 again, never above 7. */
	for (unsigned int i = 0; i < 1000; i++) {
		id = gw_key_id_next(id);
		assert_true(id >= 1 && id <= 7);
	}
}

static void
test_reneg_interval_jitter_stays_within_ten_percent(void **state)
{
	static const uint32_t rnd[] = { 0, 1, 12345, 1000000, 0x7fffffff, 0xffffffff };

	(void)state;
	assert_int_equal(gw_reneg_interval_us(0, 42), 0);
	assert_int_equal(gw_reneg_interval_us(10, 0), 10000000);
	for (unsigned int i = 0; i < sizeof(rnd) / sizeof(rnd[0]); i++) {
		uint64_t v = gw_reneg_interval_us(3600, rnd[i]);

		assert_true(v <= 3600ull * 1000000 && v >= 3240ull * 1000000);
		v = gw_reneg_interval_us(10, rnd[i]);
		assert_true(v <= 10000000 && v >= 9000000);
	}
	/* The jitter is used: two different random values give different intervals. */
	assert_int_not_equal(gw_reneg_interval_us(10, 1), gw_reneg_interval_us(10, 777777));
}

static void
test_reneg_due_table(void **state)
{
	static const struct {
		const char *what;
		struct gw_reneg_state st;
		enum gw_reneg_trigger want;
	} cases[] = {
		{ "before reneg_at", { true, false, 99, 100, 0, 0 }, GW_RENEG_NONE },
		{ "at reneg_at", { true, false, 100, 100, 0, 0 }, GW_RENEG_TIME },
		{ "reneg off", { true, false, 1000000, 0, 0, 0 }, GW_RENEG_NONE },
		{ "limit before time", { true, false, 5, 100, 0, OVPN_REKEY_TX_PKTID },
		  GW_RENEG_LIMIT },
		{ "limit with reneg off", { true, false, 5, 0, 0, OVPN_REKEY_AEAD_USAGE },
		  GW_RENEG_LIMIT },
		{ "negotiating already", { true, true, 200, 100, 0, OVPN_REKEY_RX_PKTID },
		  GW_RENEG_NONE },
		{ "first key not done", { false, false, 200, 100, 0, 0 }, GW_RENEG_NONE },
		{ "backing off", { true, false, 200, 100, 300, OVPN_REKEY_TX_PKTID },
		  GW_RENEG_NONE },
		{ "backoff over", { true, false, 300, 100, 300, 0 }, GW_RENEG_TIME },
	};

	(void)state;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (gw_reneg_due(&cases[i].st) != cases[i].want)
			fail_msg("case %u (%s): got %d want %d", i, cases[i].what,
				 gw_reneg_due(&cases[i].st), cases[i].want);
	}
}

static void
test_swap_waits_for_client_proof(void **state)
{
	(void)state;
	assert_false(gw_rekey_swap_due(0, 1));
	assert_false(gw_rekey_swap_due(0, 3));
	assert_true(gw_rekey_swap_due(0, 0));   /* everything acked: the client has the key */
	assert_true(gw_rekey_swap_due(1, 2));   /* the client already sends on it */
}

static void
test_reasons_text(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(gw_rekey_reasons_str(0, buf, sizeof(buf)), "");
	assert_string_equal(gw_rekey_reasons_str(OVPN_REKEY_TX_PKTID | OVPN_REKEY_AEAD_USAGE,
						 buf, sizeof(buf)), "tx-packet-id,aead-usage");
	/* Truncated, still terminated. */
	assert_true(strlen(gw_rekey_reasons_str(0x3f, buf, 8)) < 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_id_sequence_skips_zero_and_wraps_to_one),
		cmocka_unit_test(test_reneg_interval_jitter_stays_within_ten_percent),
		cmocka_unit_test(test_reneg_due_table),
		cmocka_unit_test(test_swap_waits_for_client_proof),
		cmocka_unit_test(test_reasons_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
