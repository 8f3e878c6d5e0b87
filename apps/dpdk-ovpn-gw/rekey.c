/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Renegotiation: the two key states of a session, control thread (openvpn-protocol.md §7;
 * 2.6 ssl.c key_state_soft_reset(), tls_select_encryption_key(), dco.c dco_update_keys()).
 *
 *   ks[cur]      the key state whose data key is the peer's PRIMARY slot (TX); during the
 *                first handshake, the only key state (key_id 0)
 *   ks[cur ^ 1]  empty, or the next key being negotiated (key_id 1..7, 1..), or, after a swap,
 *                the old one as lame duck (kept only to answer retransmissions, until the
 *                transition window ends)
 *
 *   start      the client's P_CONTROL_SOFT_RESET_V1 with the next key_id (its reneg-sec,
 *              -bytes, -pkts), or ours: every reneg_sec minus jitter, or at once when a
 *              usage limit of the TX key fires (keys.h ovpn_key_needs_rekey(): packet ids,
 *              AEAD usage, failed verifications; §6.7 mitigation a, §8.4). Either way both
 *              sides send a SOFT_RESET with msg-pid 0 in the new key state, then a full new
 *              TLS handshake and key-method-2 exchange run in it (handshake.c)
 *   keyed      same certificate name as before, data keys for the new key_id from the new
 *              TLS session -> ovpn_keys_install(SECONDARY): RX on it at once
 *   swap       once the client surely has the key (rekey_policy.h) -> ovpn_keys_swap(): TX
 *              moves to it, the old key decrypts as lame duck for keys_conf.lame_duck_s
 *              (60 s; a 2.6 peer may keep sending on the old key that long, §7.3)
 *   reap       lame duck expired: ovpn_keys_reap() deletes the slot; its key state is freed
 *   failure    TLS error, certificate name changed, install refused, hand-window (60 s)
 *              passed, or replaced by a newer soft reset: counted and logged, only the new key
 *              state is freed; the TX key keeps working (2.6: the old key runs until it
 *              expires) and the gateway tries again after GW_RENEG_RETRY_S
 *
 * The limit check reads the TX key's counters, which its owning worker writes (keys.h): plain
 * aligned loads of monotonic values, so the control thread sees them at most a few packets
 * late, which only delays a threshold that is millions of packets from exhaustion.
 *
 * Not here: control packets (session.c), TLS and key method 2 (handshake.c), the slots
 * (src/ovpn/keys.c), the pure policy (rekey_policy.c).
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_random.h>
#include <rte_telemetry.h>

#include "rekey_policy.h"
#include "session.h"

#define REKEY_US_PER_S 1000000u
/* Reasons the gateway renegotiates for; OVPN_REKEY_AGE is reneg_sec's job (with jitter). */
#define LIMIT_REASONS (OVPN_REKEY_TX_PKTID | OVPN_REKEY_RX_PKTID | OVPN_REKEY_AEAD_USAGE | \
		       OVPN_REKEY_AUTH_FAIL | OVPN_REKEY_EXHAUSTED)

static char *
ep_str(const struct ft_endpoint4 *ep, char *buf, size_t len)
{
	char a[FT_IP4_STRLEN];

	snprintf(buf, len, "%s:%u", ft_ip4_format(ep->addr, a, sizeof(a)), ep->port);
	return buf;
}

static uint64_t
now_s(const struct gw_server *srv)
{
	return gw_now_s(srv->gw, rte_rdtsc());
}

int
gw_ks_open(struct gw_server *srv, struct gw_sess *s, struct gw_ks *ks, uint8_t key_id,
	   uint64_t now_us)
{
	int rc;

	memset(ks, 0, sizeof(*ks));
	ks->key_id = key_id;
	ks->start_us = now_us;
	rc = ovpn_reliable_init(&ks->rel, &srv->rconf, key_id, &s->ssid, &s->csid);
	if (rc == 0)
		rc = ovpn_tls_create(srv->tls_ctx, &ks->tls);
	if (rc < 0)
		return rc;
	ovpn_keyex_init(&ks->kx);
	ks->state = GW_KS_NEGOTIATING;
	if (key_id == 0) {
		ovpn_reliable_skip_reset(&ks->rel); /* the resets were the cookie exchange */
		return 0;
	}
	/* Our own reset opens our msg-pid sequence of the new key state (§7.2). */
	rc = ovpn_reliable_tx_queue(&ks->rel, OVPN_P_CONTROL_SOFT_RESET_V1, NULL, 0, now_us);
	if (rc < 0)
		gw_ks_close(srv, ks);
	return rc;
}

void
gw_ks_close(struct gw_server *srv, struct gw_ks *ks)
{
	if (ks->state == GW_KS_FREE)
		return;
	ovpn_ctr_add(&srv->retransmits_closed, ks->rel.stats.tx_retransmits);
	ovpn_ctr_add(&srv->dups_closed, ks->rel.stats.rx_dups);
	ovpn_tls_destroy(ks->tls);
	ovpn_keyex_wipe(&ks->kx);
	ks->tls = NULL;
	ks->cc_len = 0;
	ks->state = GW_KS_FREE;
}

/* Start key state s->next_key_id in the other slot; whatever was there (lame duck, or a
 * negotiation the new reset overrides) goes. */
static struct gw_ks *
reneg_start(struct gw_server *srv, struct gw_sess *s, uint64_t now_us, const char *why)
{
	struct gw_ks *ks = &s->ks[s->cur ^ 1];
	uint8_t id = s->next_key_id;
	char a[32];
	int rc;

	if (ks->state == GW_KS_NEGOTIATING) {
		ovpn_ctr_add(&srv->rk.reneg_aborted, 1);
		ovpn_ctr_add(&srv->rk.renegotiations_failed, 1);
	}
	gw_ks_close(srv, ks);
	s->swap_pending = false;
	rc = gw_ks_open(srv, s, ks, id, now_us);
	if (rc < 0) {
		ovpn_ctr_add(&srv->rk.renegotiations_failed, 1);
		s->retry_at_us = now_us + GW_RENEG_RETRY_S * (uint64_t)REKEY_US_PER_S;
		GW_LOG(WARNING, "client %s: renegotiation key_id %u not started: %s",
		       ep_str(&s->ep, a, sizeof(a)), id, strerror(-rc));
		return NULL;
	}
	s->next_key_id = gw_key_id_next(id);
	GW_LOG(INFO, "client %s: soft reset, key_id %u (%s)", ep_str(&s->ep, a, sizeof(a)), id,
	       why);
	return ks;
}

struct gw_ks *
gw_rekey_route(struct gw_server *srv, struct gw_sess *s, const struct ovpn_ctrl_msg *m,
	       uint64_t now_us, enum ovpn_ctrl_drop *drop)
{
	for (unsigned int i = 0; i < RTE_DIM(s->ks); i++)
		if (s->ks[i].state != GW_KS_FREE && s->ks[i].key_id == m->key_id)
			return &s->ks[i];
	*drop = OVPN_CTRL_DROP_WRONG_KEY_ID;
	/* 2.6 only renegotiates a session whose primary key is done (§7.2). */
	if (m->opcode != OVPN_P_CONTROL_SOFT_RESET_V1 || !s->active ||
	    m->key_id != s->next_key_id)
		return NULL;
	ovpn_ctr_add(&srv->rk.reneg_client, 1);
	return reneg_start(srv, s, now_us, "requested by the client");
}

bool
gw_rekey_failed(struct gw_server *srv, struct gw_sess *s, struct gw_ks *ks, uint64_t now_us,
		int err, const char *why)
{
	char a[32];

	/* The first key, the TX key's own TLS session, or the end of the session (EXIT). */
	if (!s->active || ks == &s->ks[s->cur] || err == -ECONNRESET)
		return true;
	if (ks->state == GW_KS_NEGOTIATING) {
		ovpn_ctr_add(&srv->rk.renegotiations_failed, 1);
		ovpn_ctr_add(err == -EPERM ? &srv->rk.reneg_cn_changed :
			     err == -EXDEV ? &srv->rk.reneg_install_failed :
			     err == -ETIMEDOUT ? &srv->rk.reneg_hand_window :
			     &srv->rk.reneg_tls_failed, 1);
		s->retry_at_us = now_us + GW_RENEG_RETRY_S * (uint64_t)REKEY_US_PER_S;
	}
	GW_LOG(WARNING, "client %s: renegotiation key_id %u failed, key_id %u stays: %s",
	       ep_str(&s->ep, a, sizeof(a)), ks->key_id, s->ks[s->cur].key_id, why);
	gw_ks_close(srv, ks);
	if (s->swap_pending) {
		/* Installed but never used for TX: the client may not have it. */
		s->swap_pending = false;
		ovpn_keys_del(&s->pi->peer->keys, OVPN_KEY_SECONDARY);
	}
	return false;
}

void
gw_rekey_first_key(struct gw_server *srv, struct gw_sess *s, uint64_t now_us)
{
	s->cur = 0;
	s->next_key_id = gw_key_id_next(0);
	__atomic_store_n(&s->pi->rekeys, 0, __ATOMIC_RELAXED); /* counts this session's */
	s->reneg_at_us = gw_rekey_next_at(srv, now_us);
}

uint64_t
gw_rekey_next_at(const struct gw_server *srv, uint64_t now_us)
{
	uint64_t iv = gw_reneg_interval_us(srv->gw->cfg->server.reneg_sec, (uint32_t)rte_rand());

	return iv == 0 ? 0 : now_us + iv;
}

int
gw_rekey_keyed(struct gw_server *srv, struct gw_sess *s, struct gw_ks *ks, uint64_t now_us)
{
	struct ovpn_keys *keys = &s->pi->peer->keys;
	struct ovpn_key_material km;
	char a[32];
	int rc;

	rc = ovpn_keyex_derive(&ks->kx, ks->tls, s->csid.b, s->ssid.b, s->alg, ks->key_id, &km);
	if (rc == 0)
		rc = ovpn_keys_install(keys, OVPN_KEY_SECONDARY, &km, now_s(srv));
	explicit_bzero(&km, sizeof(km));
	if (rc < 0) {
		GW_LOG(WARNING, "client %s: key_id %u: data keys not installed: %s",
		       ep_str(&s->ep, a, sizeof(a)), ks->key_id, strerror(-rc));
		return -EXDEV; /* gw_rekey_failed(): counted as an install failure */
	}
	ks->state = GW_KS_KEYED;
	s->swap_pending = true;
	ovpn_ctr_add(&srv->rk.renegotiations_ok, 1);
	ovpn_ctr_add(&s->pi->rekeys, 1);
	GW_LOG(NOTICE, "client %s: renegotiated key_id %u (%s), %.0f ms",
	       ep_str(&s->ep, a, sizeof(a)), ks->key_id, ovpn_tls_version_name(ks->tls),
	       (double)(now_us - ks->start_us) / 1000.0);
	return 0;
}

/* The new key takes over TX; the old one is the lame duck. */
static void
swap(struct gw_server *srv, struct gw_sess *s, uint64_t now_us)
{
	struct gw_peer_info *pi = s->pi;
	char a[32];

	if (ovpn_keys_swap(&pi->peer->keys, now_s(srv)) < 0)
		return; /* no secondary: cannot happen while swap_pending */
	s->swap_pending = false;
	s->cur ^= 1;
	s->lame_until_us = now_us + srv->gw->keys_conf.lame_duck_s * (uint64_t)REKEY_US_PER_S;
	s->reneg_at_us = gw_rekey_next_at(srv, now_us);
	ovpn_ctr_add(&srv->rk.key_swaps, 1);
	GW_LOG(INFO, "client %s: key_id %u now sends, key_id %u receives for %u s more",
	       ep_str(&s->ep, a, sizeof(a)), s->ks[s->cur].key_id, s->ks[s->cur ^ 1].key_id,
	       srv->gw->keys_conf.lame_duck_s);
}

static void
poll_swap(struct gw_server *srv, struct gw_sess *s, uint64_t now_us)
{
	struct gw_ks *nk = &s->ks[s->cur ^ 1];
	const struct ovpn_key_slot *sl = ovpn_keys_slot(&s->pi->peer->keys, OVPN_KEY_SECONDARY);
	uint64_t rx = sl != NULL && sl->key_id == nk->key_id ? ovpn_ctr_read(&sl->dec.pkts) : 0;
	uint32_t unacked = ovpn_reliable_tx_inflight(&nk->rel) +
			   (ovpn_tls_pending_out(nk->tls) > 0);

	if (gw_rekey_swap_due(rx, unacked))
		swap(srv, s, now_us);
}

/* Hand-window of a renegotiation; the lame duck's end. */
static void
poll_other(struct gw_server *srv, struct gw_sess *s, uint64_t now_us)
{
	struct gw_ks *o = &s->ks[s->cur ^ 1];

	if (o->state == GW_KS_NEGOTIATING &&
	    now_us - o->start_us > GW_HAND_WINDOW_S * (uint64_t)REKEY_US_PER_S) {
		gw_rekey_failed(srv, s, o, now_us, -ETIMEDOUT,
				"TLS handshake not finished within 60 s");
	} else if (o->state == GW_KS_KEYED && !s->swap_pending && now_us >= s->lame_until_us) {
		gw_ks_close(srv, o);
	}
	if (ovpn_keys_reap(&s->pi->peer->keys, now_s(srv)) > 0)
		ovpn_ctr_add(&srv->rk.lame_ducks_expired, 1);
}

static void
poll_start(struct gw_server *srv, struct gw_sess *s, uint64_t now_us)
{
	const struct ovpn_key_slot *tx = ovpn_keys_slot(&s->pi->peer->keys, OVPN_KEY_PRIMARY);
	struct gw_reneg_state st = {
		.active = s->active,
		.negotiating = s->ks[s->cur ^ 1].state == GW_KS_NEGOTIATING || s->swap_pending,
		.now_us = now_us,
		.reneg_at_us = s->reneg_at_us,
		.retry_at_us = s->retry_at_us,
	};
	char why[96], r[64];

	if (tx != NULL && tx->key_id == s->ks[s->cur].key_id)
		st.limit_reasons = ovpn_key_needs_rekey(tx, now_s(srv)) & LIMIT_REASONS;
	switch (gw_reneg_due(&st)) {
	case GW_RENEG_TIME:
		ovpn_ctr_add(&srv->rk.reneg_server_time, 1);
		reneg_start(srv, s, now_us, "reneg_sec");
		break;
	case GW_RENEG_LIMIT:
		ovpn_ctr_add(&srv->rk.reneg_server_limit, 1);
		snprintf(why, sizeof(why), "key usage limit: %s",
			 gw_rekey_reasons_str(st.limit_reasons, r, sizeof(r)));
		reneg_start(srv, s, now_us, why);
		break;
	default:
		break;
	}
}

void
gw_rekey_poll(struct gw_server *srv, struct gw_sess *s, uint64_t now_us)
{
	if (!s->active || s->pi == NULL)
		return;
	if (s->swap_pending)
		poll_swap(srv, s, now_us);
	poll_other(srv, s, now_us);
	poll_start(srv, s, now_us);
}

void
gw_rekey_tel(const struct gw_server *srv, struct rte_tel_data *d)
{
#define GW_X_TEL(f, desc) rte_tel_data_add_dict_u64(d, #f, ovpn_ctr_read(&srv->rk.f));
	GW_RENEG_COUNTERS(GW_X_TEL)
#undef GW_X_TEL
}
