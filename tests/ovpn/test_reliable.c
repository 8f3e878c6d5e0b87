/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control-channel reliability layer (src/ovpn/reliable.c) with a fake
 * clock: chunk sizes against tls-mtu, the §1.7 [LAB] handshake trace (sizes
 * and ack lists, with the stateless cookie in front), retransmit backoff and
 * its cap, fast retransmit after 3 later acks, ack piggybacking and the MRU
 * repeat, the 8-ack limit, a full send window, receive reordering,
 * duplicates and the window edge, partial reads, and a seeded randomized
 * exchange between two instances over a lossy, duplicating, reordering wire.
 * Every packet crosses as bytes (ovpn_ctrl_build / ovpn_ctrl_parse). Pure: no EAL.
 * Over 800 lines on purpose: every case uses the same two-instance wire harness at the top;
 * test_lab_handshake_trace is long because it replays the captured trace packet by packet,
 * and reads best as one scenario against the reference.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ovpn/cookie.h"
#include "ovpn/reliable.h"

#define SEC	1000000ull

static const struct ovpn_sid sid_c = { { 0x1c, 0x2c, 0x3c, 0x4c, 0x5c, 0x6c, 0x7c, 0x8c } };
static const struct ovpn_sid sid_s = { { 0xa5, 0xb5, 0xc5, 0xd5, 0xe5, 0xf5, 0x05, 0x15 } };
static const struct ovpn_ctrl_wrap wrap_none = { .mode = OVPN_CTRL_WRAP_NONE };

/* Two instances are ~50 KB each: keep them off the stack. */
static struct ovpn_reliable rel_a, rel_b;

static void
init_pair(const struct ovpn_reliable_conf *conf)
{
	struct ovpn_reliable_conf def;

	if (conf == NULL) {
		ovpn_reliable_conf_init(&def);
		conf = &def;
	}
	assert_int_equal(ovpn_reliable_init(&rel_a, conf, 0, &sid_c, &sid_s), 0);
	assert_int_equal(ovpn_reliable_init(&rel_b, conf, 0, &sid_s, &sid_c), 0);
}

/* Output one packet of @p from as wire bytes; returns the length, 0 if nothing due. */
static size_t
out_bytes(struct ovpn_reliable *from, uint64_t now, uint8_t *buf, size_t cap)
{
	struct ovpn_ctrl_msg m;
	int n;

	if (!ovpn_reliable_output(from, now, &m))
		return 0;
	n = ovpn_ctrl_build(buf, cap, &wrap_none, &m, NULL);
	assert_true(n > 0);
	return (size_t)n;
}

/* Output one packet and parse it back into @p m (payload copied to a static buffer). */
static bool
out_msg(struct ovpn_reliable *from, uint64_t now, struct ovpn_ctrl_msg *m)
{
	static uint8_t buf[4096];
	size_t n = out_bytes(from, now, buf, sizeof(buf));

	if (n == 0)
		return false;
	assert_int_equal(ovpn_ctrl_parse(buf, n, m), OVPN_CTRL_OK);
	return true;
}

static enum ovpn_ctrl_drop
in_bytes(struct ovpn_reliable *to, const uint8_t *buf, size_t len)
{
	struct ovpn_ctrl_msg m;

	assert_int_equal(ovpn_ctrl_parse(buf, len, &m), OVPN_CTRL_OK);
	return ovpn_reliable_input(to, &m);
}

/* A P_CONTROL_V1 from the peer of @p to, with msg-pid @p pid and one byte @p pid. */
static enum ovpn_ctrl_drop
feed(struct ovpn_reliable *to, uint32_t pid)
{
	uint8_t payload = (uint8_t)pid;
	struct ovpn_ctrl_msg m = {
		.opcode = OVPN_P_CONTROL_V1, .key_id = to->key_id, .sid = to->peer,
		.msg_pid = pid, .payload = &payload, .payload_len = 1,
	};

	return ovpn_reliable_input(to, &m);
}

static void
assert_acks(const struct ovpn_ctrl_msg *m, unsigned int n, const uint32_t *want)
{
	assert_int_equal(m->n_acks, n);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(m->acks[i], want[i]);
}

static void
test_chunk_fits_tls_mtu(void **state)
{
	struct ovpn_reliable_conf c;
	static uint8_t buf[4096], big[4096];
	struct ovpn_ctrl_msg m;

	/* 1250 - 28 (IPv4+UDP) - 9 (op, sid) - 25 (4 acks + rsid) - 4 (msg-pid) */
	ovpn_reliable_conf_init(&c);
	assert_int_equal(ovpn_reliable_init(&rel_a, &c, 0, &sid_c, &sid_s), 0);
	assert_int_equal(rel_a.chunk, 1184);
	for (uint32_t p = 0; p < 4; p++)
		assert_int_equal(feed(&rel_a, p), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_tx_write(&rel_a, big, sizeof(big), 0), sizeof(big));
	assert_true(ovpn_reliable_output(&rel_a, 0, &m));
	assert_int_equal(m.n_acks, 4);
	assert_int_equal(ovpn_ctrl_build(buf, sizeof(buf), &wrap_none, &m, NULL), 1250 - 28);

	c.wrap = (struct ovpn_ctrl_wrap){ .mode = OVPN_CTRL_WRAP_AUTH, .hmac_len = 20 };
	assert_int_equal(ovpn_reliable_init(&rel_a, &c, 0, &sid_c, &sid_s), 0);
	assert_int_equal(rel_a.chunk, 1184 - 28);
	c.wrap = (struct ovpn_ctrl_wrap){ .mode = OVPN_CTRL_WRAP_CRYPT };
	assert_int_equal(ovpn_reliable_init(&rel_a, &c, 0, &sid_c, &sid_s), 0);
	assert_int_equal(rel_a.chunk, 1184 - 40);
	c.wrap = wrap_none;
	c.ip_udp_len = OVPN_RELIABLE_IPV6_UDP_LEN;
	assert_int_equal(ovpn_reliable_init(&rel_a, &c, 0, &sid_c, &sid_s), 0);
	assert_int_equal(rel_a.chunk, 1164);
	c.tls_mtu = 3000;
	assert_int_equal(ovpn_reliable_init(&rel_a, &c, 0, &sid_c, &sid_s), 0);
	assert_int_equal(rel_a.chunk, OVPN_CTRL_PAYLOAD_MAX);
	c.tls_mtu = 48 + 9 + 25 + 4 + 15;
	assert_int_equal(ovpn_reliable_init(&rel_a, &c, 0, &sid_c, &sid_s), -EINVAL);
	c.tls_mtu++;
	assert_int_equal(ovpn_reliable_init(&rel_a, &c, 0, &sid_c, &sid_s), 0);
	assert_int_equal(rel_a.chunk, OVPN_RELIABLE_CHUNK_MIN);
}

static void
test_init_rejects_bad_conf(void **state)
{
	static const struct ovpn_sid zero;
	struct ovpn_reliable_conf c;

	ovpn_reliable_conf_init(&c);
	assert_int_equal(c.send_window, 6);
	assert_int_equal(c.initial_timeout_us, 2 * SEC);
	assert_int_equal(c.tls_mtu, 1250);
	assert_int_equal(ovpn_reliable_init(&rel_a, &c, 8, &sid_c, NULL), -EINVAL);
	assert_int_equal(ovpn_reliable_init(&rel_a, &c, 0, &zero, NULL), -EINVAL);
	assert_int_equal(ovpn_reliable_init(&rel_a, &c, 0, &sid_c, &zero), -EINVAL);
	c.send_window = 0;
	assert_int_equal(ovpn_reliable_init(&rel_a, &c, 0, &sid_c, NULL), -EINVAL);
	c.send_window = OVPN_RELIABLE_SEND_MAX + 1;
	assert_int_equal(ovpn_reliable_init(&rel_a, &c, 0, &sid_c, NULL), -EINVAL);
	c.send_window = OVPN_RELIABLE_SEND_MAX;
	assert_int_equal(ovpn_reliable_init(&rel_a, &c, 0, &sid_c, NULL), 0);
	c.initial_timeout_us = 0;
	assert_int_equal(ovpn_reliable_init(&rel_a, &c, 0, &sid_c, NULL), -EINVAL);
	c.initial_timeout_us = 3 * SEC;
	c.max_timeout_us = 2 * SEC;
	assert_int_equal(ovpn_reliable_init(&rel_a, &c, 0, &sid_c, NULL), -EINVAL);
	c.max_timeout_us = 3 * SEC;
	c.wrap = (struct ovpn_ctrl_wrap){ .mode = OVPN_CTRL_WRAP_AUTH, .hmac_len = 65 };
	assert_int_equal(ovpn_reliable_init(&rel_a, &c, 0, &sid_c, NULL), -EINVAL);
}

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/*
 * §1.7 [LAB] trace, no wrapping: what each side sends and the acks it
 * carries. Server: the cookie answers the reset, the session starts at the
 * client's ClientHello. Sizes differ from 2.6 only where 2.6 sizes a chunk by
 * its actual acks (1222/146 bytes there, 1210/158 here; reliable.c header).
 */
static void
test_lab_handshake_trace(void **state)
{
	static const uint8_t key[OVPN_COOKIE_KEY_LEN] = { 1, 2, 3 };
	static uint8_t tls[2048], got[2048];
	struct ovpn_cookie ck;
	struct ovpn_cookie_input in = { .from = { .family = 4, .port = 40000,
						  .ip = { 192, 0, 2, 2 } } };
	struct ovpn_reliable_conf conf;
	struct ovpn_ctrl_msg m, reply;
	enum ovpn_cookie_action act;
	uint8_t pkt[1500], srv[2][1500];
	size_t n, srv_len[2];
	uint64_t t = 1000 * SEC;
	static const uint32_t a0[] = { 0 }, a1[] = { 1 }, a10[] = { 1, 0 }, a210[] = { 2, 1, 0 },
			      a21[] = { 2, 1 }, a321[] = { 3, 2, 1 }, a3210[] = { 3, 2, 1, 0 },
			      a43210[] = { 4, 3, 2, 1, 0 }, a543210[] = { 5, 4, 3, 2, 1, 0 };

	assert_int_equal(ovpn_cookie_init(&ck, key, OVPN_COOKIE_HAND_WINDOW_S), 0);
	ovpn_reliable_conf_init(&conf);
	assert_int_equal(ovpn_reliable_init(&rel_a, &conf, 0, &sid_c, NULL), 0);	/* client */

	/* C->S 14  HARD_RESET_CLIENT_V2 sid=C acks=[] msg=0 */
	assert_int_equal(ovpn_reliable_tx_queue(&rel_a, OVPN_P_CONTROL_HARD_RESET_CLIENT_V2,
						NULL, 0, t), 0);
	n = out_bytes(&rel_a, t, pkt, sizeof(pkt));
	assert_int_equal(n, 14);
	assert_int_equal(pkt[0], 0x38);
	assert_int_equal(ovpn_ctrl_parse(pkt, n, &m), OVPN_CTRL_OK);
	in.msg = &m;
	assert_int_equal(ovpn_cookie_classify(&ck, &in, t / SEC, &act), OVPN_CTRL_OK);
	assert_int_equal(act, OVPN_COOKIE_REPLY);

	/* S->C 26  HARD_RESET_SERVER_V2 sid=S acks=[0] rsid=C msg=0 (no server state) */
	assert_int_equal(ovpn_cookie_reply(&ck, &in, t / SEC, false, &reply), 0);
	n = (size_t)ovpn_ctrl_build(pkt, sizeof(pkt), &wrap_none, &reply, NULL);
	assert_int_equal(n, 26);
	assert_int_equal(in_bytes(&rel_a, pkt, n), OVPN_CTRL_OK);
	assert_true(ovpn_reliable_tx_is_acked(&rel_a, 0));	/* client: S_START */
	assert_int_equal(ovpn_reliable_rx_readable(&rel_a), 0);

	/* C->S 303  CONTROL_V1 acks=[0] rsid=S msg=1, ClientHello piggybacks the ack */
	fill(tls, 277, 1);
	assert_int_equal(ovpn_reliable_tx_write(&rel_a, tls, 277, t), 277);
	n = out_bytes(&rel_a, t, pkt, sizeof(pkt));
	assert_int_equal(n, 303);
	assert_false(ovpn_reliable_output(&rel_a, t, &m));	/* no separate P_ACK_V1 */
	assert_int_equal(ovpn_ctrl_parse(pkt, n, &m), OVPN_CTRL_OK);
	assert_acks(&m, 1, a0);
	assert_int_equal(m.msg_pid, 1);
	assert_int_equal(ovpn_cookie_classify(&ck, &in, t / SEC, &act), OVPN_CTRL_OK);
	assert_int_equal(act, OVPN_COOKIE_ACCEPT);

	/* The server creates its key state now: own sid = the echoed cookie. */
	assert_int_equal(ovpn_reliable_init(&rel_b, &conf, 0, &m.ack_sid, &m.sid), 0);
	ovpn_reliable_skip_reset(&rel_b);
	assert_int_equal(ovpn_reliable_input(&rel_b, &m), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_rx_read(&rel_b, got, sizeof(got)), 277);
	assert_memory_equal(got, tls, 277);

	/* S->C  CONTROL_V1 acks=[1] msg=1, then acks=[1] msg=2 (MRU repeat): one TLS flight */
	fill(tls, 1316, 2);
	assert_int_equal(ovpn_reliable_tx_write(&rel_b, tls, 1316, t), 1316);
	for (int i = 0; i < 2; i++) {
		srv_len[i] = out_bytes(&rel_b, t, srv[i], sizeof(srv[i]));
		assert_int_equal(ovpn_ctrl_parse(srv[i], srv_len[i], &m), OVPN_CTRL_OK);
		assert_acks(&m, 1, a1);
		assert_int_equal(m.msg_pid, 1 + i);
	}
	assert_int_equal(srv_len[0], 1222 - 12);
	assert_int_equal(srv_len[1], 146 + 12);
	assert_false(ovpn_reliable_output(&rel_b, t, &m));

	/* C->S 26  ACK_V1 acks=[1,0] after the first server packet */
	assert_int_equal(in_bytes(&rel_a, srv[0], srv_len[0]), OVPN_CTRL_OK);
	n = out_bytes(&rel_a, t, pkt, sizeof(pkt));
	assert_int_equal(n, 26);
	assert_int_equal(ovpn_ctrl_parse(pkt, n, &m), OVPN_CTRL_OK);
	assert_int_equal(m.opcode, OVPN_P_ACK_V1);
	assert_acks(&m, 2, a10);
	assert_int_equal(in_bytes(&rel_b, pkt, n), OVPN_CTRL_OK);

	/* C->S  CONTROL_V1 acks=[2,1,0] msg=2 and msg=3 */
	assert_int_equal(in_bytes(&rel_a, srv[1], srv_len[1]), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_rx_read(&rel_a, got, sizeof(got)), 1316);
	assert_memory_equal(got, tls, 1316);
	fill(tls, 1488, 3);
	assert_int_equal(ovpn_reliable_tx_write(&rel_a, tls, 1488, t), 1488);
	for (int i = 0; i < 2; i++) {
		srv_len[i] = out_bytes(&rel_a, t, srv[i], sizeof(srv[i]));
		assert_int_equal(ovpn_ctrl_parse(srv[i], srv_len[i], &m), OVPN_CTRL_OK);
		assert_acks(&m, 3, a210);
		assert_int_equal(m.msg_pid, 2 + i);
	}
	assert_int_equal(srv_len[0], 1222 - 4);	/* 2.6 sized this one for 3 acks */

	/* S->C  CONTROL_V1 acks=[2,1] msg=3, then acks=[3,2,1] msg=4 and msg=5 */
	assert_int_equal(in_bytes(&rel_b, srv[0], srv_len[0]), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_tx_write(&rel_b, tls, 158, t), 158);
	assert_true(out_msg(&rel_b, t, &m));
	assert_acks(&m, 2, a21);
	assert_int_equal(m.msg_pid, 3);
	assert_int_equal(ovpn_reliable_input(&rel_a, &m), OVPN_CTRL_OK);
	assert_true(out_msg(&rel_a, t, &m));	/* C->S  ACK_V1 acks=[3,2,1,0] (§1.5) */
	assert_int_equal(m.opcode, OVPN_P_ACK_V1);
	assert_acks(&m, 4, a3210);
	assert_int_equal(in_bytes(&rel_b, srv[1], srv_len[1]), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_rx_read(&rel_b, got, sizeof(got)), 1488);
	assert_memory_equal(got, tls, 1488);
	assert_int_equal(ovpn_reliable_tx_write(&rel_b, tls, 208, t), 208);
	assert_int_equal(ovpn_reliable_tx_write(&rel_b, tls, 225, t), 225);
	for (uint32_t pid = 4; pid <= 5; pid++) {
		assert_true(out_msg(&rel_b, t, &m));
		assert_acks(&m, 3, a321);
		assert_int_equal(m.msg_pid, pid);
		/* C->S  ACK_V1 per packet; 2.6.14 clients cap at 4: [4,3,2,1], [5,4,3,2] */
		assert_int_equal(ovpn_reliable_input(&rel_a, &m), OVPN_CTRL_OK);
		if (pid == 4) {
			assert_true(out_msg(&rel_a, t, &m));
			assert_int_equal(m.opcode, OVPN_P_ACK_V1);
			assert_acks(&m, 5, a43210);
		}
	}
	assert_true(out_msg(&rel_a, t, &m));
	assert_acks(&m, 6, a543210);
	assert_int_equal(ovpn_reliable_input(&rel_b, &m), OVPN_CTRL_OK);

	/* Everything acked both ways: no timers left. */
	assert_int_equal(ovpn_reliable_tx_inflight(&rel_b), 0);
	assert_int_equal(ovpn_reliable_tx_inflight(&rel_a), 0);
	assert_int_equal(ovpn_reliable_next_event_us(&rel_a), UINT64_MAX);
	assert_int_equal(ovpn_reliable_next_event_us(&rel_b), UINT64_MAX);
	assert_int_equal(rel_b.stats.tx_retransmits + rel_a.stats.tx_retransmits, 0);
	ovpn_cookie_fini(&ck);
}

/* 2 s doubling (§1.6): sends at 0, 2, 6, 14, 30 s, then every 32 s (the cap). */
static void
test_retransmit_backoff_and_cap(void **state)
{
	static const uint64_t sends_s[] = { 0, 2, 6, 14, 30, 62, 94, 126 };
	uint8_t b = 0x42;
	struct ovpn_ctrl_msg m;

	init_pair(NULL);
	assert_int_equal(ovpn_reliable_next_event_us(&rel_a), UINT64_MAX);
	assert_int_equal(ovpn_reliable_tx_write(&rel_a, &b, 1, 0), 1);
	assert_int_equal(ovpn_reliable_next_event_us(&rel_a), 0);
	for (size_t i = 0; i < RTE_DIM(sends_s); i++) {
		uint64_t at = sends_s[i] * SEC;

		if (i > 0) {
			assert_int_equal(ovpn_reliable_next_event_us(&rel_a), at);
			assert_false(ovpn_reliable_output(&rel_a, at - 1, &m));
		}
		assert_true(ovpn_reliable_output(&rel_a, at, &m));
		assert_int_equal(m.msg_pid, 0);
		assert_int_equal(m.payload_len, 1);
		assert_false(ovpn_reliable_output(&rel_a, at, &m));	/* once per expiry */
	}
	assert_int_equal(rel_a.stats.tx_pkts, 1);
	assert_int_equal(rel_a.stats.tx_retransmits, RTE_DIM(sends_s) - 1);

	/* The peer's ack ends it. */
	assert_int_equal(feed(&rel_b, 0), OVPN_CTRL_OK);
	assert_true(out_msg(&rel_b, 0, &m));
	assert_int_equal(ovpn_reliable_input(&rel_a, &m), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_next_event_us(&rel_a), UINT64_MAX);
	assert_true(ovpn_reliable_tx_is_acked(&rel_a, 0));

	/* schedule_now: due at once, back to the initial timeout. */
	assert_int_equal(ovpn_reliable_tx_write(&rel_a, &b, 1, 200 * SEC), 1);
	assert_true(ovpn_reliable_output(&rel_a, 200 * SEC, &m));
	assert_true(ovpn_reliable_output(&rel_a, 202 * SEC, &m));
	ovpn_reliable_schedule_now(&rel_a, 203 * SEC);
	assert_true(ovpn_reliable_output(&rel_a, 203 * SEC, &m));
	assert_int_equal(ovpn_reliable_next_event_us(&rel_a), 205 * SEC);
}

/* 3 acks for later msg-pids make a packet due before its timer (N_ACK_RETRANSMIT). */
static void
test_fast_retransmit_after_three_later_acks(void **state)
{
	static uint8_t data[4 * 1184];
	struct ovpn_ctrl_msg m, ack = { .opcode = OVPN_P_ACK_V1, .sid = sid_s,
					.ack_sid = sid_c, .n_acks = 1 };

	init_pair(NULL);
	assert_int_equal(ovpn_reliable_tx_write(&rel_a, data, sizeof(data), 0), sizeof(data));
	for (uint32_t pid = 0; pid < 4; pid++) {
		assert_true(ovpn_reliable_output(&rel_a, 0, &m));
		assert_int_equal(m.msg_pid, pid);
	}
	for (uint32_t pid = 1; pid <= 3; pid++) {
		assert_false(ovpn_reliable_output(&rel_a, SEC, &m));
		ack.acks[0] = pid;
		assert_int_equal(ovpn_reliable_input(&rel_a, &ack), OVPN_CTRL_OK);
	}
	assert_int_equal(ovpn_reliable_next_event_us(&rel_a), 0);
	assert_true(ovpn_reliable_output(&rel_a, SEC, &m));
	assert_int_equal(m.msg_pid, 0);
	assert_int_equal(rel_a.stats.tx_fast_retransmits, 1);
	assert_false(ovpn_reliable_output(&rel_a, SEC, &m));	/* counter reset by the send */
	/* Backoff went on: the next timer try is 4 s after the fast one. */
	assert_int_equal(ovpn_reliable_next_event_us(&rel_a), 5 * SEC);
	assert_int_equal(ovpn_reliable_tx_inflight(&rel_a), 1);
}

/* Acks ride on control packets (<= 4), the rest go in a P_ACK_V1 (<= 8) with MRU fill. */
static void
test_ack_piggyback_and_mru(void **state)
{
	static const uint32_t first[] = { 0, 1, 2, 3 }, second[] = { 4, 0, 1, 2, 3 },
			      third[] = { 5, 4, 0, 1, 2, 3 };
	uint8_t b = 1;
	struct ovpn_ctrl_msg m;

	init_pair(NULL);
	for (uint32_t pid = 0; pid < 5; pid++)
		assert_int_equal(feed(&rel_a, pid), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_next_event_us(&rel_a), 0);	/* acks pending */
	assert_int_equal(ovpn_reliable_tx_write(&rel_a, &b, 1, 0), 1);
	assert_true(out_msg(&rel_a, 0, &m));
	assert_int_equal(m.opcode, OVPN_P_CONTROL_V1);
	assert_acks(&m, 4, first);
	assert_memory_equal(m.ack_sid.b, sid_s.b, OVPN_SID_LEN);
	assert_true(out_msg(&rel_a, 0, &m));
	assert_int_equal(m.opcode, OVPN_P_ACK_V1);
	assert_acks(&m, 5, second);
	assert_false(ovpn_reliable_output(&rel_a, 0, &m));
	assert_int_equal(rel_a.stats.tx_ack_pkts, 1);

	/* A retransmission carries the acks of its own time, not of its first send. */
	assert_int_equal(feed(&rel_a, 5), OVPN_CTRL_OK);
	assert_true(out_msg(&rel_a, 2 * SEC, &m));
	assert_int_equal(m.opcode, OVPN_P_CONTROL_V1);
	assert_int_equal(m.msg_pid, 0);
	assert_acks(&m, 4, third);
	assert_false(ovpn_reliable_output(&rel_a, 2 * SEC, &m));
}

/* At most 8 pending acks; the 9th packet is stored, acked on its retransmission. */
static void
test_ack_list_limit(void **state)
{
	struct ovpn_ctrl_msg m;
	uint8_t got[16];

	init_pair(NULL);
	for (uint32_t pid = 0; pid < 9; pid++)
		assert_int_equal(feed(&rel_a, pid), OVPN_CTRL_OK);
	assert_int_equal(rel_a.stats.rx_ack_full, 1);
	assert_int_equal(ovpn_reliable_rx_read(&rel_a, got, sizeof(got)), 9);
	assert_true(out_msg(&rel_a, 0, &m));
	assert_int_equal(m.opcode, OVPN_P_ACK_V1);
	assert_int_equal(m.n_acks, 8);
	for (unsigned int i = 0; i < 8; i++)
		assert_int_not_equal(m.acks[i], 8);
	assert_false(ovpn_reliable_output(&rel_a, 0, &m));
	assert_int_equal(feed(&rel_a, 8), OVPN_CTRL_DROP_DUPLICATE);
	assert_true(out_msg(&rel_a, 0, &m));
	assert_int_equal(m.acks[0], 8);
}

/* The window slides only when its oldest packet is acked (output sequencing). */
static void
test_send_window_full(void **state)
{
	static uint8_t data[8 * 1184];
	struct ovpn_ctrl_msg m, ack = { .opcode = OVPN_P_ACK_V1, .sid = sid_s, .ack_sid = sid_c };

	init_pair(NULL);
	assert_int_equal(ovpn_reliable_tx_space(&rel_a), 6 * 1184);
	assert_int_equal(ovpn_reliable_tx_write(&rel_a, data, sizeof(data), 0), 6 * 1184);
	assert_int_equal(ovpn_reliable_tx_space(&rel_a), 0);
	assert_int_equal(ovpn_reliable_tx_write(&rel_a, data, 1, 0), 0);
	assert_int_equal(ovpn_reliable_tx_queue(&rel_a, OVPN_P_CONTROL_V1, data, 1, 0), -ENOSPC);
	while (ovpn_reliable_output(&rel_a, 0, &m))
		;
	ack.n_acks = 5;
	for (unsigned int i = 0; i < 5; i++)
		ack.acks[i] = i + 1;
	assert_int_equal(ovpn_reliable_input(&rel_a, &ack), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_tx_inflight(&rel_a), 1);
	assert_int_equal(ovpn_reliable_tx_space(&rel_a), 0);	/* msg-pid 0 holds it */
	assert_false(ovpn_reliable_tx_is_acked(&rel_a, 0));
	assert_true(ovpn_reliable_tx_is_acked(&rel_a, 3));
	assert_false(ovpn_reliable_tx_is_acked(&rel_a, 6));	/* not sent yet */
	ack.n_acks = 1;
	ack.acks[0] = 0;
	assert_int_equal(ovpn_reliable_input(&rel_a, &ack), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_tx_space(&rel_a), 6 * 1184);
	assert_int_equal(ovpn_reliable_tx_write(&rel_a, data, 1184 + 1, 0), 1184 + 1);
	assert_true(ovpn_reliable_output(&rel_a, 0, &m));
	assert_int_equal(m.msg_pid, 6);
	assert_true(ovpn_reliable_output(&rel_a, 0, &m));
	assert_int_equal(m.msg_pid, 7);
	assert_int_equal(m.payload_len, 1);
	/* Acks for purged or never-sent ids are ignored. */
	ack.acks[0] = 3;
	assert_int_equal(ovpn_reliable_input(&rel_a, &ack), OVPN_CTRL_OK);
	ack.acks[0] = 1000;
	assert_int_equal(ovpn_reliable_input(&rel_a, &ack), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_tx_inflight(&rel_a), 2);
	/* What tx_queue refuses. */
	assert_int_equal(ovpn_reliable_tx_queue(&rel_a, OVPN_P_ACK_V1, NULL, 0, 0), -EINVAL);
	assert_int_equal(ovpn_reliable_tx_queue(&rel_a, OVPN_P_CONTROL_V1, NULL, 0, 0), -EINVAL);
	assert_int_equal(ovpn_reliable_tx_queue(&rel_a, OVPN_P_CONTROL_V1, data, 1185, 0),
			 -EMSGSIZE);
}

/* In-order delivery, duplicates re-acked, the 12-packet window edge. */
static void
test_rx_reorder_duplicate_window(void **state)
{
	struct ovpn_ctrl_msg m;
	uint8_t got[32];

	init_pair(NULL);
	assert_int_equal(feed(&rel_a, 2), OVPN_CTRL_OK);
	assert_int_equal(feed(&rel_a, 1), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_rx_readable(&rel_a), 0);
	assert_int_equal(ovpn_reliable_rx_read(&rel_a, got, sizeof(got)), 0);
	assert_int_equal(feed(&rel_a, 2), OVPN_CTRL_DROP_DUPLICATE);	/* stored, not read */
	assert_int_equal(feed(&rel_a, 0), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_rx_readable(&rel_a), 3);
	assert_int_equal(ovpn_reliable_rx_read(&rel_a, got, sizeof(got)), 3);
	assert_int_equal(got[0], 0);
	assert_int_equal(got[1], 1);
	assert_int_equal(got[2], 2);
	assert_int_equal(feed(&rel_a, 1), OVPN_CTRL_DROP_DUPLICATE);	/* already read */
	assert_int_equal(rel_a.stats.rx_dups, 2);

	/* next = 3: 3..14 fit, 15 does not (and is not acked). */
	assert_int_equal(feed(&rel_a, 15), OVPN_CTRL_DROP_BEYOND_WINDOW);
	assert_int_equal(feed(&rel_a, 0xffffffffu), OVPN_CTRL_DROP_BEYOND_WINDOW);
	assert_int_equal(feed(&rel_a, 14), OVPN_CTRL_OK);
	assert_int_equal(feed(&rel_a, 13), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_rx_read(&rel_a, got, sizeof(got)), 0);
	assert_true(out_msg(&rel_a, 0, &m));
	assert_int_equal(m.opcode, OVPN_P_ACK_V1);
	/* pending [2,1,0,2,1,14,13] de-duplicated in arrival order: 2,1,0,14,13 */
	assert_int_equal(m.n_acks, 5);
	assert_int_equal(m.acks[0], 2);
	assert_int_equal(m.acks[3], 14);
	assert_int_equal(m.acks[4], 13);
	for (uint32_t pid = 3; pid < 13; pid++)
		assert_int_equal(feed(&rel_a, pid), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_rx_read(&rel_a, got, sizeof(got)), 12);
	for (uint32_t i = 0; i < 12; i++)
		assert_int_equal(got[i], 3 + i);
	assert_int_equal(feed(&rel_a, 26), OVPN_CTRL_OK);	/* next = 15: 26 is the edge */
	assert_int_equal(feed(&rel_a, 27), OVPN_CTRL_DROP_BEYOND_WINDOW);
}

/* Checks before any state change: nothing stored, nothing acked, nothing purged. */
static void
test_input_rejects_foreign_packets(void **state)
{
	uint8_t b = 9;
	struct ovpn_ctrl_msg m = { .opcode = OVPN_P_CONTROL_V1, .key_id = 0, .sid = sid_s,
				   .n_acks = 1, .acks = { 0 }, .ack_sid = sid_c,
				   .msg_pid = 0, .payload = &b, .payload_len = 1 };
	struct ovpn_ctrl_msg out;

	init_pair(NULL);
	assert_int_equal(ovpn_reliable_tx_write(&rel_a, &b, 1, 0), 1);
	assert_true(ovpn_reliable_output(&rel_a, 0, &out));

	m.key_id = 1;
	assert_int_equal(ovpn_reliable_input(&rel_a, &m), OVPN_CTRL_DROP_WRONG_KEY_ID);
	m.key_id = 0;
	m.sid = sid_c;
	assert_int_equal(ovpn_reliable_input(&rel_a, &m), OVPN_CTRL_DROP_WRONG_SID);
	m.sid = sid_s;
	m.ack_sid = sid_s;
	assert_int_equal(ovpn_reliable_input(&rel_a, &m), OVPN_CTRL_DROP_ACK_WRONG_SID);
	assert_int_equal(ovpn_reliable_tx_inflight(&rel_a), 1);
	assert_int_equal(ovpn_reliable_rx_readable(&rel_a), 0);
	assert_false(ovpn_reliable_output(&rel_a, 0, &out));
	m.ack_sid = sid_c;
	assert_int_equal(ovpn_reliable_input(&rel_a, &m), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_tx_inflight(&rel_a), 0);
	assert_int_equal(ovpn_reliable_rx_readable(&rel_a), 1);

	/* A client learns the server's sid from the first packet, then holds to it. */
	assert_int_equal(ovpn_reliable_init(&rel_b, &rel_a.conf, 0, &sid_c, NULL), 0);
	m.n_acks = 0;
	assert_int_equal(ovpn_reliable_input(&rel_b, &m), OVPN_CTRL_OK);
	assert_memory_equal(rel_b.peer.b, sid_s.b, OVPN_SID_LEN);
	m.sid = sid_c;
	assert_int_equal(ovpn_reliable_input(&rel_b, &m), OVPN_CTRL_DROP_WRONG_SID);
}

/* Resets occupy a msg-pid but carry no TLS bytes; reads may split packets. */
static void
test_rx_read_partial_and_resets(void **state)
{
	static const uint8_t tlv[] = { 0, 1, 0, 2, 0, 1 };
	uint8_t p1[5] = { 'h', 'e', 'l', 'l', 'o' }, p2[3] = { 'x', 'y', 'z' }, got[8];
	struct ovpn_reliable_conf c;
	struct ovpn_ctrl_msg m = { .opcode = OVPN_P_CONTROL_SOFT_RESET_V1, .key_id = 3,
				   .sid = sid_s, .msg_pid = 0, .payload = tlv,
				   .payload_len = sizeof(tlv) };

	ovpn_reliable_conf_init(&c);
	assert_int_equal(ovpn_reliable_init(&rel_a, &c, 3, &sid_c, &sid_s), 0);
	m.opcode = OVPN_P_CONTROL_V1;
	m.msg_pid = 2;
	m.payload = p2;
	m.payload_len = sizeof(p2);
	assert_int_equal(ovpn_reliable_input(&rel_a, &m), OVPN_CTRL_OK);
	m.msg_pid = 1;
	m.payload = p1;
	m.payload_len = sizeof(p1);
	assert_int_equal(ovpn_reliable_input(&rel_a, &m), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_rx_readable(&rel_a), 0);	/* reset 0 missing */
	m.opcode = OVPN_P_CONTROL_SOFT_RESET_V1;
	m.msg_pid = 0;
	m.payload = tlv;
	m.payload_len = sizeof(tlv);
	assert_int_equal(ovpn_reliable_input(&rel_a, &m), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_rx_readable(&rel_a), 8);
	assert_int_equal(ovpn_reliable_rx_read(&rel_a, got, 3), 3);
	assert_memory_equal(got, "hel", 3);
	assert_int_equal(ovpn_reliable_rx_readable(&rel_a), 5);
	assert_int_equal(ovpn_reliable_rx_read(&rel_a, got, 4), 4);
	assert_memory_equal(got, "loxy", 4);
	assert_int_equal(ovpn_reliable_rx_read(&rel_a, got, 0), 0);
	assert_int_equal(ovpn_reliable_rx_read(&rel_a, got, 8), 1);
	assert_int_equal(got[0], 'z');
	assert_int_equal(rel_a.rx_next, 3);
	assert_int_equal(ovpn_reliable_rx_readable(&rel_a), 0);
}

/* §7.2 [LAB] soft reset on key_id 1: fresh msg-pids, reset answered by reset, then ACK_V1. */
static void
test_soft_reset_flow(void **state)
{
	struct ovpn_reliable_conf c;
	struct ovpn_ctrl_msg m;
	static const uint32_t a0[] = { 0 };
	uint8_t hello[100] = { 0x16, 0x03, 0x01 };

	ovpn_reliable_conf_init(&c);
	assert_int_equal(ovpn_reliable_init(&rel_b, &c, 1, &sid_s, &sid_c), 0);	/* server */
	assert_int_equal(ovpn_reliable_init(&rel_a, &c, 1, &sid_c, &sid_s), 0);	/* client */

	/* S->C  SOFT_RESET_V1 kid1 acks=[] msg=0 */
	assert_int_equal(ovpn_reliable_tx_queue(&rel_b, OVPN_P_CONTROL_SOFT_RESET_V1, NULL, 0,
						0), 0);
	assert_true(out_msg(&rel_b, 0, &m));
	assert_int_equal(m.opcode, OVPN_P_CONTROL_SOFT_RESET_V1);
	assert_int_equal(m.key_id, 1);
	assert_int_equal(m.n_acks, 0);
	assert_int_equal(m.msg_pid, 0);
	assert_int_equal(ovpn_reliable_input(&rel_a, &m), OVPN_CTRL_OK);

	/* C->S  SOFT_RESET_V1 kid1 acks=[0] rsid=S msg=0 */
	assert_int_equal(ovpn_reliable_tx_queue(&rel_a, OVPN_P_CONTROL_SOFT_RESET_V1, NULL, 0,
						0), 0);
	assert_true(out_msg(&rel_a, 0, &m));
	assert_int_equal(m.opcode, OVPN_P_CONTROL_SOFT_RESET_V1);
	assert_acks(&m, 1, a0);
	assert_int_equal(m.msg_pid, 0);
	assert_int_equal(ovpn_reliable_input(&rel_b, &m), OVPN_CTRL_OK);
	assert_true(ovpn_reliable_tx_is_acked(&rel_b, 0));

	/* S->C  ACK_V1 kid1 acks=[0] */
	assert_true(out_msg(&rel_b, 0, &m));
	assert_int_equal(m.opcode, OVPN_P_ACK_V1);
	assert_int_equal(m.key_id, 1);
	assert_acks(&m, 1, a0);
	assert_int_equal(ovpn_reliable_input(&rel_a, &m), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_tx_inflight(&rel_a), 0);

	/* C->S  CONTROL_V1 kid1 msg=1: the new ClientHello; the reset gave TLS nothing */
	assert_int_equal(ovpn_reliable_tx_write(&rel_a, hello, sizeof(hello), 0), sizeof(hello));
	assert_true(out_msg(&rel_a, 0, &m));
	assert_int_equal(m.msg_pid, 1);
	assert_int_equal(ovpn_reliable_input(&rel_b, &m), OVPN_CTRL_OK);
	assert_int_equal(ovpn_reliable_rx_readable(&rel_b), sizeof(hello));

	/* A key-0 packet reaching the key-1 state is out of sync (§7.1). */
	m.key_id = 0;
	assert_int_equal(ovpn_reliable_input(&rel_b, &m), OVPN_CTRL_DROP_WRONG_KEY_ID);
}

/* ---- Randomized exchange: two instances, a lossy wire, a fake clock. ---- */

#define SIM_QUEUE	2048
#define SIM_BYTES	(48 * 1024)

struct sim_pkt {
	uint64_t at_us;
	struct ovpn_reliable *to;
	uint16_t len;
	uint8_t data[1250];
};

struct sim {
	uint64_t rng;
	unsigned int loss_pct, dup_pct;
	uint32_t jitter_us;
	unsigned int n;
	struct sim_pkt q[SIM_QUEUE];
	uint64_t sent, lost, duplicated;
};

struct sim_end {
	struct ovpn_reliable *r, *peer;
	uint8_t src[SIM_BYTES];
	uint8_t dst[SIM_BYTES];
	size_t src_off, dst_len;
};

static struct sim sim;
static struct sim_end ends[2];

static uint32_t
sim_rand(struct sim *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return (uint32_t)(s->rng >> 32);
}

/* One datagram onto the wire: lost, or delayed 10 ms + jitter (reordering), maybe twice. */
static void
sim_send(struct sim *s, struct ovpn_reliable *to, const uint8_t *p, size_t len, uint64_t now)
{
	unsigned int copies = 1 + (sim_rand(s) % 100 < s->dup_pct);

	s->sent++;
	s->duplicated += copies - 1;
	for (unsigned int c = 0; c < copies; c++) {
		struct sim_pkt *q;

		if (sim_rand(s) % 100 < s->loss_pct) {
			s->lost++;
			continue;
		}
		assert_true(s->n < SIM_QUEUE);
		q = &s->q[s->n++];
		q->at_us = now + 10000 + (s->jitter_us ? sim_rand(s) % s->jitter_us : 0);
		q->to = to;
		q->len = (uint16_t)len;
		memcpy(q->data, p, len);
	}
}

static void
sim_pump(struct sim *s, struct sim_end *e, uint64_t now)
{
	uint8_t pkt[1500];
	size_t n, want = SIM_BYTES - e->src_off;

	/* TLS side: hand over what the window takes; the rest waits in the "BIO". */
	n = RTE_MIN(want, ovpn_reliable_tx_space(e->r));
	n = RTE_MIN(n, (size_t)(sim_rand(s) % 3000 + 1));	/* uneven TLS writes */
	e->src_off += ovpn_reliable_tx_write(e->r, e->src + e->src_off, n, now);
	while ((n = out_bytes(e->r, now, pkt, sizeof(pkt))) != 0) {
		assert_true(n <= OVPN_RELIABLE_TLS_MTU - OVPN_RELIABLE_IPV4_UDP_LEN);
		sim_send(s, e->peer, pkt, n, now);
	}
}

/* Deliver every datagram due at @p now; returns the earliest later arrival. */
static uint64_t
sim_deliver(struct sim *s, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (unsigned int i = 0; i < s->n;) {
		struct sim_pkt *q = &s->q[i];
		enum ovpn_ctrl_drop r;

		if (q->at_us > now) {
			next = RTE_MIN(next, q->at_us);
			i++;
			continue;
		}
		r = in_bytes(q->to, q->data, q->len);
		assert_true(r == OVPN_CTRL_OK || r == OVPN_CTRL_DROP_DUPLICATE);
		*q = s->q[--s->n];	/* unordered removal: more reordering */
	}
	return next;
}

static void
run_sim(uint64_t seed, unsigned int loss_pct, unsigned int dup_pct, uint32_t jitter_us)
{
	uint64_t now = 0;
	unsigned int iter;

	memset(&sim, 0, sizeof(sim));
	sim.rng = seed;
	sim.loss_pct = loss_pct;
	sim.dup_pct = dup_pct;
	sim.jitter_us = jitter_us;
	init_pair(NULL);
	for (int i = 0; i < 2; i++) {
		ends[i].r = i ? &rel_b : &rel_a;
		ends[i].peer = i ? &rel_a : &rel_b;
		ends[i].src_off = ends[i].dst_len = 0;
		for (size_t k = 0; k < SIM_BYTES; k++)
			ends[i].src[k] = (uint8_t)sim_rand(&sim);
	}
	for (iter = 0; iter < 200000; iter++) {
		uint64_t next;

		for (int i = 0; i < 2; i++)
			sim_pump(&sim, &ends[i], now);
		next = sim_deliver(&sim, now);
		for (int i = 0; i < 2; i++)
			ends[i].dst_len += ovpn_reliable_rx_read(ends[i].r,
				ends[i].dst + ends[i].dst_len, SIM_BYTES - ends[i].dst_len);
		if (ends[0].dst_len == SIM_BYTES && ends[1].dst_len == SIM_BYTES &&
		    ovpn_reliable_tx_inflight(&rel_a) == 0 && ovpn_reliable_tx_inflight(&rel_b) == 0)
			break;
		next = RTE_MIN(next, ovpn_reliable_next_event_us(&rel_a));
		next = RTE_MIN(next, ovpn_reliable_next_event_us(&rel_b));
		assert_true(next != UINT64_MAX);	/* never stuck with nothing scheduled */
		now = RTE_MAX(now, next);
	}
	assert_true(iter < 200000);
	assert_memory_equal(ends[0].dst, ends[1].src, SIM_BYTES);
	assert_memory_equal(ends[1].dst, ends[0].src, SIM_BYTES);
	if (loss_pct > 0) {
		assert_true(rel_a.stats.tx_retransmits + rel_b.stats.tx_retransmits > 0);
		assert_true(sim.lost > 0);
	}
	if (loss_pct >= 30)	/* heavy loss: some packets wait for their timer too */
		assert_true(rel_a.stats.tx_retransmits + rel_b.stats.tx_retransmits >
			    rel_a.stats.tx_fast_retransmits + rel_b.stats.tx_fast_retransmits);
	if (dup_pct > 0 || loss_pct > 0)
		assert_true(rel_a.stats.rx_dups + rel_b.stats.rx_dups > 0);
	if (loss_pct == 0 && dup_pct == 0) {
		/*
		 * No loss: no timer ever fires. Reordering alone can trigger 2.6's
		 * fast retransmit, because the MRU repeats a later ack in every
		 * packet and each repeat counts (reliable_send_purge()).
		 */
		assert_int_equal(rel_a.stats.tx_retransmits + rel_b.stats.tx_retransmits,
				 rel_a.stats.tx_fast_retransmits + rel_b.stats.tx_fast_retransmits);
		if (jitter_us == 0)
			assert_int_equal(rel_a.stats.tx_retransmits + rel_b.stats.tx_retransmits,
					 0);
	}
}

static void
test_random_exchange_clean_wire(void **state)
{
	run_sim(0x9e3779b97f4a7c15ull, 0, 0, 0);
	run_sim(0x9e3779b97f4a7c15ull, 0, 0, 100000);
}

static void
test_random_exchange_loss_dup_reorder(void **state)
{
	static const struct {
		uint64_t seed;
		unsigned int loss, dup;
	} runs[] = {
		{ 1, 10, 10 }, { 0xdeadbeefcafe, 20, 10 }, { 42, 30, 20 }, { 7, 5, 50 },
		{ 99, 45, 5 },
	};

	for (size_t i = 0; i < RTE_DIM(runs); i++)
		run_sim(runs[i].seed, runs[i].loss, runs[i].dup, 100000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunk_fits_tls_mtu),
		cmocka_unit_test(test_init_rejects_bad_conf),
		cmocka_unit_test(test_lab_handshake_trace),
		cmocka_unit_test(test_retransmit_backoff_and_cap),
		cmocka_unit_test(test_fast_retransmit_after_three_later_acks),
		cmocka_unit_test(test_ack_piggyback_and_mru),
		cmocka_unit_test(test_ack_list_limit),
		cmocka_unit_test(test_send_window_full),
		cmocka_unit_test(test_rx_reorder_duplicate_window),
		cmocka_unit_test(test_input_rejects_foreign_packets),
		cmocka_unit_test(test_rx_read_partial_and_resets),
		cmocka_unit_test(test_soft_reset_flow),
		cmocka_unit_test(test_random_exchange_clean_wire),
		cmocka_unit_test(test_random_exchange_loss_dup_reorder),
	};

	return cmocka_run_group_tests_name("reliable", tests, NULL, NULL);
}
