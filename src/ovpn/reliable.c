/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control-channel reliability layer (contracts in reliable.h), following
 * OpenVPN 2.6 reliable.c and its use in ssl.c:
 *
 * - msg-pids count from 0 (the reset) per direction per key state; a
 *   retransmission reuses its msg-pid (§1.6).
 * - Send window: a new msg-pid may go out only while it is less than
 *   send_window above the oldest unacked one, so the window slides only when
 *   its oldest packet is acked; slots are indexed msg_pid % send_window.
 * - Retransmission: the lowest due msg-pid first; timeout doubles per send
 *   (capped, see OVPN_RELIABLE_TIMEOUT_MAX_US); 3 acks for later msg-pids
 *   make a packet due early (reliable_send_purge(), N_ACK_RETRANSMIT).
 * - Acks are not cumulative. Each stored or duplicate msg-pid goes on the
 *   pending list (at most 8; when full, the packet is stored but not acked
 *   and the peer's retransmit gets the ack). Outgoing packets carry the
 *   pending acks first, then recently sent ones from the MRU list while there
 *   is room: 4 on P_CONTROL_*, 8 on P_ACK_V1 (§1.5 [LAB]: acks=[3,2,1]).
 *   A P_ACK_V1 goes out only when no control packet is due.
 * - Receive: msg-pids in [next, next + 12) are kept (slot msg_pid % 12) and
 *   delivered strictly in order; older ones are duplicates.
 * - Payload size: 2.6 sizes each P_CONTROL_V1 from the acks pending at the
 *   time (1222-byte datagrams in the lab, §1.6). Here the chunk assumes the
 *   full 4 acks, so a retransmission that carries more acks than the first
 *   send still fits tls-mtu; packets are at most 12 bytes shorter than 2.6's.
 *
 * Not here: see reliable.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ovpn/reliable.h"

static_assert(OVPN_RELIABLE_SEND_WINDOW <= OVPN_RELIABLE_SEND_MAX, "default window fits");
static_assert(OVPN_CTRL_PAYLOAD_MAX <= UINT16_MAX, "payload length is 16 bits");

void
ovpn_reliable_conf_init(struct ovpn_reliable_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->initial_timeout_us = OVPN_RELIABLE_TIMEOUT_US;
	c->max_timeout_us = OVPN_RELIABLE_TIMEOUT_MAX_US;
	c->tls_mtu = OVPN_RELIABLE_TLS_MTU;
	c->ip_udp_len = OVPN_RELIABLE_IPV4_UDP_LEN;
	c->send_window = OVPN_RELIABLE_SEND_WINDOW;
	c->wrap.mode = OVPN_CTRL_WRAP_NONE;
}

/* TLS bytes per P_CONTROL_V1 for @p c, or -EINVAL if below the 16-byte floor. */
static int
chunk_size(const struct ovpn_reliable_conf *c)
{
	long n = (long)c->tls_mtu - c->ip_udp_len - (long)ovpn_ctrl_wrap_overhead(&c->wrap) -
		 (long)OVPN_CTRL_ACK_BLOCK_LEN(OVPN_CTRL_SEND_ACK_MAX) - OVPN_MSG_PID_LEN;

	if (n < OVPN_RELIABLE_CHUNK_MIN)
		return -EINVAL;
	return n > OVPN_CTRL_PAYLOAD_MAX ? OVPN_CTRL_PAYLOAD_MAX : (int)n;
}

int
ovpn_reliable_init(struct ovpn_reliable *r, const struct ovpn_reliable_conf *conf,
		   uint8_t key_id, const struct ovpn_sid *own, const struct ovpn_sid *peer)
{
	int chunk;

	if (conf->initial_timeout_us == 0 || conf->max_timeout_us < conf->initial_timeout_us ||
	    conf->send_window == 0 || conf->send_window > OVPN_RELIABLE_SEND_MAX ||
	    key_id > OVPN_KEY_ID_MAX || ovpn_ctrl_wrap_check(&conf->wrap) != 0)
		return -EINVAL;
	if (!ovpn_sid_is_defined(own) || (peer && !ovpn_sid_is_defined(peer)))
		return -EINVAL;
	chunk = chunk_size(conf);
	if (chunk < 0)
		return chunk;
	memset(r, 0, sizeof(*r));
	r->conf = *conf;
	r->chunk = (uint16_t)chunk;
	r->key_id = key_id;
	r->own = *own;
	if (peer) {
		r->peer = *peer;
		r->peer_known = true;
	}
	return 0;
}

void
ovpn_reliable_skip_reset(struct ovpn_reliable *r)
{
	r->tx_next = 1;
	r->rx_next = 1;
}

/* reliable_send_purge(): free acked packets, count acks for later ones. */
static void
purge_acked(struct ovpn_reliable *r, const struct ovpn_ctrl_msg *m)
{
	for (unsigned int i = 0; i < m->n_acks; i++) {
		for (unsigned int j = 0; j < r->conf.send_window; j++) {
			struct ovpn_reliable_tx *e = &r->tx[j];

			if (!e->active)
				continue;
			if (e->msg_pid == m->acks[i])
				e->active = false;
			else if (e->msg_pid < m->acks[i])
				e->n_acks++;
		}
	}
}

/* reliable_ack_acknowledge_packet_id(): no duplicates, at most 8 pending. */
static void
ack_add(struct ovpn_reliable *r, uint32_t pid)
{
	for (unsigned int i = 0; i < r->ack.n; i++)
		if (r->ack.pid[i] == pid)
			return;
	if (r->ack.n == OVPN_CTRL_ACKS_MAX) {
		r->stats.rx_ack_full++;
		return;
	}
	r->ack.pid[r->ack.n++] = pid;
}

/* Store or re-ack a packet with a msg-pid (tls_pre_decrypt(), reliable_not_replay()). */
static enum ovpn_ctrl_drop
receive_msg(struct ovpn_reliable *r, const struct ovpn_ctrl_msg *m)
{
	uint32_t pid = m->msg_pid;
	struct ovpn_reliable_rx *e;

	if (pid - r->rx_next >= OVPN_RELIABLE_RECV_WINDOW) {
		if (pid > r->rx_next)
			return OVPN_CTRL_DROP_BEYOND_WINDOW;
		/* Already delivered: the ack was lost, so ack again. */
		ack_add(r, pid);
		r->stats.rx_dups++;
		return OVPN_CTRL_DROP_DUPLICATE;
	}
	if (m->payload_len > OVPN_CTRL_PAYLOAD_MAX)
		return OVPN_CTRL_DROP_TOO_BIG;	/* never ack what was not stored */
	/* pid is in the window, so an active slot can only hold this same pid. */
	e = &r->rx[pid % OVPN_RELIABLE_RECV_WINDOW];
	ack_add(r, pid);
	if (e->active) {
		r->stats.rx_dups++;
		return OVPN_CTRL_DROP_DUPLICATE;
	}
	e->msg_pid = pid;
	e->opcode = m->opcode;
	e->len = m->payload_len;
	if (m->payload_len)
		memcpy(e->data, m->payload, m->payload_len);
	e->active = true;
	r->stats.rx_pkts++;
	return OVPN_CTRL_OK;
}

enum ovpn_ctrl_drop
ovpn_reliable_input(struct ovpn_reliable *r, const struct ovpn_ctrl_msg *m)
{
	if (m->key_id != r->key_id)
		return OVPN_CTRL_DROP_WRONG_KEY_ID;
	if (r->peer_known && !ovpn_sid_equal(&m->sid, &r->peer))
		return OVPN_CTRL_DROP_WRONG_SID;
	if (m->n_acks > 0 && !ovpn_sid_equal(&m->ack_sid, &r->own))
		return OVPN_CTRL_DROP_ACK_WRONG_SID;
	if (!r->peer_known) {
		r->peer = m->sid;
		r->peer_known = true;
	}
	purge_acked(r, m);
	if (!ovpn_ctrl_has_msg_pid(m->opcode))
		return OVPN_CTRL_OK;
	return receive_msg(r, m);
}

/* The entry holding msg-pid rx_next, if it has arrived. */
static struct ovpn_reliable_rx *
rx_head(const struct ovpn_reliable *r, uint32_t pid)
{
	const struct ovpn_reliable_rx *e = &r->rx[pid % OVPN_RELIABLE_RECV_WINDOW];

	return e->active && e->msg_pid == pid ? (struct ovpn_reliable_rx *)e : NULL;
}

static void
rx_advance(struct ovpn_reliable *r, struct ovpn_reliable_rx *e)
{
	e->active = false;
	r->rx_next++;
	r->rx_off = 0;
}

size_t
ovpn_reliable_rx_read(struct ovpn_reliable *r, uint8_t *out, size_t cap)
{
	struct ovpn_reliable_rx *e;
	size_t done = 0;

	/* Bounded: each turn either consumes an entry (at most 12) or fills out. */
	while ((e = rx_head(r, r->rx_next)) != NULL) {
		size_t n;

		if (!ovpn_ctrl_carries_tls(e->opcode)) {
			rx_advance(r, e);	/* a reset: no TLS bytes */
			continue;
		}
		if (done == cap)
			break;
		n = RTE_MIN((size_t)(e->len - r->rx_off), cap - done);
		memcpy(out + done, e->data + r->rx_off, n);
		done += n;
		r->rx_off = (uint16_t)(r->rx_off + n);
		if (r->rx_off == e->len)
			rx_advance(r, e);
	}
	return done;
}

size_t
ovpn_reliable_rx_readable(const struct ovpn_reliable *r)
{
	size_t n = 0;
	uint32_t pid = r->rx_next;
	const struct ovpn_reliable_rx *e;

	for (unsigned int i = 0; i < OVPN_RELIABLE_RECV_WINDOW; i++, pid++) {
		e = rx_head(r, pid);
		if (e == NULL)
			break;
		if (ovpn_ctrl_carries_tls(e->opcode))
			n += e->len;
	}
	return n - r->rx_off;
}

/* Slots a new msg-pid may use now (reliable_get_num_output_sequenced_available()). */
static unsigned int
tx_free_slots(const struct ovpn_reliable *r)
{
	uint32_t oldest = r->tx_next;

	for (unsigned int i = 0; i < r->conf.send_window; i++) {
		const struct ovpn_reliable_tx *e = &r->tx[i];

		if (e->active && e->msg_pid < oldest)
			oldest = e->msg_pid;
	}
	return r->conf.send_window - (r->tx_next - oldest);
}

size_t
ovpn_reliable_tx_space(const struct ovpn_reliable *r)
{
	return (size_t)tx_free_slots(r) * r->chunk;
}

int
ovpn_reliable_tx_queue(struct ovpn_reliable *r, uint8_t opcode, const uint8_t *p,
		       uint16_t len, uint64_t now_us)
{
	struct ovpn_reliable_tx *e;

	if (!ovpn_ctrl_has_msg_pid(opcode) || (ovpn_ctrl_carries_tls(opcode) && len == 0))
		return -EINVAL;
	if (len > r->chunk)
		return -EMSGSIZE;
	if (tx_free_slots(r) == 0)
		return -ENOSPC;
	e = &r->tx[r->tx_next % r->conf.send_window];
	e->msg_pid = r->tx_next++;
	e->opcode = opcode;
	e->len = len;
	if (len)
		memcpy(e->data, p, len);
	e->next_try_us = now_us;	/* due at once (2.6: next_try = 0) */
	e->timeout_us = r->conf.initial_timeout_us;
	e->n_acks = 0;
	e->sends = 0;
	e->active = true;
	return 0;
}

size_t
ovpn_reliable_tx_write(struct ovpn_reliable *r, const uint8_t *p, size_t len,
		       uint64_t now_us)
{
	size_t done = 0;

	while (done < len) {
		uint16_t n = (uint16_t)RTE_MIN(len - done, (size_t)r->chunk);

		if (ovpn_reliable_tx_queue(r, OVPN_P_CONTROL_V1, p + done, n, now_us) != 0)
			break;
		done += n;
	}
	return done;
}

bool
ovpn_reliable_tx_is_acked(const struct ovpn_reliable *r, uint32_t msg_pid)
{
	const struct ovpn_reliable_tx *e = &r->tx[msg_pid % r->conf.send_window];

	if (msg_pid >= r->tx_next)
		return false;
	return !(e->active && e->msg_pid == msg_pid);
}

unsigned int
ovpn_reliable_tx_inflight(const struct ovpn_reliable *r)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < r->conf.send_window; i++)
		n += r->tx[i].active;
	return n;
}

void
ovpn_reliable_schedule_now(struct ovpn_reliable *r, uint64_t now_us)
{
	for (unsigned int i = 0; i < r->conf.send_window; i++) {
		struct ovpn_reliable_tx *e = &r->tx[i];

		if (e->active) {
			e->next_try_us = now_us;
			e->timeout_us = r->conf.initial_timeout_us;
		}
	}
}

/* copy_acks_to_mru(): move @p pid to the front of the MRU list. */
static void
mru_push(struct ovpn_ack_list *mru, uint32_t pid)
{
	unsigned int j = 0;

	while (j < mru->n && mru->pid[j] != pid)
		j++;
	if (j == mru->n && mru->n < OVPN_CTRL_ACKS_MAX)
		mru->n++;		/* new entry; when full, the oldest falls off */
	if (j == OVPN_CTRL_ACKS_MAX)
		j--;
	memmove(&mru->pid[1], &mru->pid[0], j * sizeof(mru->pid[0]));
	mru->pid[0] = pid;
}

/*
 * reliable_ack_write(): the first min(pending, max) pending acks go to the
 * front of the MRU list (keeping their order), then the packet carries the
 * first min(max, MRU size) MRU entries, and the sent ones leave the pending
 * list.
 */
static void
write_acks(struct ovpn_reliable *r, struct ovpn_ctrl_msg *m, unsigned int max)
{
	unsigned int n = RTE_MIN((unsigned int)r->ack.n, max);

	for (unsigned int i = n; i-- > 0;)
		mru_push(&r->mru, r->ack.pid[i]);
	m->n_acks = r->peer_known ? (uint8_t)RTE_MIN(max, (unsigned int)r->mru.n) : 0;
	memcpy(m->acks, r->mru.pid, m->n_acks * sizeof(m->acks[0]));
	m->ack_sid = r->peer;
	r->ack.n = (uint8_t)(r->ack.n - n);
	memmove(&r->ack.pid[0], &r->ack.pid[n], r->ack.n * sizeof(r->ack.pid[0]));
}

/* reliable_send(): the due entry with the lowest msg-pid, or NULL. */
static struct ovpn_reliable_tx *
due_entry(struct ovpn_reliable *r, uint64_t now_us)
{
	struct ovpn_reliable_tx *best = NULL;

	for (unsigned int i = 0; i < r->conf.send_window; i++) {
		struct ovpn_reliable_tx *e = &r->tx[i];

		if (!e->active)
			continue;
		if (e->n_acks < OVPN_RELIABLE_FAST_RETRANSMIT && now_us < e->next_try_us)
			continue;
		if (best == NULL || e->msg_pid < best->msg_pid)
			best = e;
	}
	return best;
}

static void
mark_sent(struct ovpn_reliable *r, struct ovpn_reliable_tx *e, uint64_t now_us)
{
	if (e->sends++ == 0) {
		r->stats.tx_pkts++;
	} else {
		r->stats.tx_retransmits++;
		if (now_us < e->next_try_us)
			r->stats.tx_fast_retransmits++;
	}
	e->next_try_us = now_us + e->timeout_us;
	e->timeout_us = RTE_MIN(e->timeout_us * 2, r->conf.max_timeout_us);
	e->n_acks = 0;
}

bool
ovpn_reliable_output(struct ovpn_reliable *r, uint64_t now_us, struct ovpn_ctrl_msg *m)
{
	struct ovpn_reliable_tx *e = due_entry(r, now_us);

	m->key_id = r->key_id;
	m->sid = r->own;
	if (e != NULL) {
		mark_sent(r, e, now_us);
		m->opcode = e->opcode;
		m->msg_pid = e->msg_pid;
		m->payload_len = e->len;
		m->payload = e->len ? e->data : NULL;
		write_acks(r, m, OVPN_CTRL_SEND_ACK_MAX);
		return true;
	}
	if (r->ack.n == 0)
		return false;
	m->opcode = OVPN_P_ACK_V1;
	m->msg_pid = 0;
	m->payload_len = 0;
	m->payload = NULL;
	write_acks(r, m, OVPN_CTRL_ACKS_MAX);
	r->stats.tx_ack_pkts++;
	return true;
}

uint64_t
ovpn_reliable_next_event_us(const struct ovpn_reliable *r)
{
	uint64_t t = UINT64_MAX;

	if (r->ack.n > 0)
		return 0;
	for (unsigned int i = 0; i < r->conf.send_window; i++) {
		const struct ovpn_reliable_tx *e = &r->tx[i];

		if (!e->active)
			continue;
		if (e->n_acks >= OVPN_RELIABLE_FAST_RETRANSMIT)
			return 0;
		t = RTE_MIN(t, e->next_try_us);
	}
	return t;
}
