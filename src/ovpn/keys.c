/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key slots of one peer (primary and secondary, selected by key_id) and their control-thread
 * operations: install a new slot, swap, delete, reap the lame duck; the rekey triggers that a
 * worker polls; and struct ovpn_rcu, the deferred free every control-thread update uses.
 *
 * Not here: the burst pipeline that seals and opens with a slot (data.c), packet ids and the
 * replay window themselves (pktid.c), the AEAD backends (src/crypto), the TLS handshake that
 * produces key material and decides when to swap (control.c), and peers (peer.c).
 *
 * References (openvpn-protocol.md): §1.1 key_id; §4.1 key2 layout and §4.4 direction mapping;
 * §6.2 nonce tails; §6.6 replay state per key slot; §6.7 packet-id exhaustion, renegotiation
 * triggers and the 60 s a 2.6 peer keeps sending on the old key; §7.3-§7.5 lame duck and the
 * DCO control/data split; §8.3/§8.4 AEAD usage limits (OpenVPN 2.7 values); §9.1 ovpn-dco
 * slots (NEW_KEY, SWAP_KEYS, DEL_KEY). STYLE.md §10 (RCU publication, key rotation).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_rcu_qsbr.h>

#include "ovpn/keys.h"

/* key2 (§4.1): keys[0] (client to server) then keys[1], each cipher[64] then hmac[64]. */
#define KEY2_DIR_LEN	128
#define KEY2_HMAC_OFF	64

/* One deferred free, copied into the defer queue. */
struct rcu_item {
	ovpn_rcu_free_fn *fn;
	void *obj;
	uintptr_t arg;
};

static_assert(sizeof(struct rcu_item) % 4 == 0, "defer queue elements are multiples of 4 B");

/*
 * rte_rcu_qsbr_dq free callback. The element may sit at any alignment in the queue's scratch
 * buffer, so it is copied out rather than dereferenced.
 */
static void
dq_free(void *p, void *e, unsigned int n)
{
	struct ovpn_rcu *r = p;
	struct rcu_item it;

	for (unsigned int i = 0; i < n; i++) {
		memcpy(&it, (const char *)e + i * sizeof(it), sizeof(it));
		it.fn(it.obj, it.arg);
	}
	r->freed += n;
}

int
ovpn_rcu_init(struct ovpn_rcu *r, const char *name, struct rte_rcu_qsbr *qsbr,
	      uint32_t dq_size)
{
	struct rte_rcu_qsbr_dq_parameters p;

	memset(r, 0, sizeof(*r));
	r->qsbr = qsbr;
	if (qsbr == NULL || dq_size == 0)
		return 0;
	if (name == NULL || strlen(name) > OVPN_RCU_NAME_MAX)
		return -EINVAL;
	memset(&p, 0, sizeof(p));
	p.name = name;
	p.size = dq_size;
	p.esize = sizeof(struct rcu_item);
	/* Reclaim on enqueue once a quarter is waiting, so the queue rarely fills. */
	p.trigger_reclaim_limit = dq_size / 4;
	p.max_reclaim_size = dq_size;
	p.free_fn = dq_free;
	p.p = r;
	p.v = qsbr;
	r->dq_size = dq_size;
	r->dq = rte_rcu_qsbr_dq_create(&p);
	if (r->dq == NULL)
		return rte_errno != 0 ? -rte_errno : -ENOMEM;
	return 0;
}

void
ovpn_rcu_barrier(struct ovpn_rcu *r)
{
	if (r->qsbr == NULL)
		return;
	rte_rcu_qsbr_synchronize(r->qsbr, RTE_QSBR_THRID_INVALID);
	/* Every token issued before the synchronize is now complete: reclaim takes them all. */
	ovpn_rcu_reclaim(r);
}

int
ovpn_rcu_fini(struct ovpn_rcu *r)
{
	if (r->dq == NULL)
		return 0;
	ovpn_rcu_barrier(r);
	if (rte_rcu_qsbr_dq_delete(r->dq) != 0)
		return -EBUSY;
	r->dq = NULL;
	return 0;
}

void
ovpn_rcu_retire(struct ovpn_rcu *r, ovpn_rcu_free_fn *fn, void *obj, uintptr_t arg)
{
	struct rcu_item it = { .fn = fn, .obj = obj, .arg = arg };

	if (r->dq != NULL) {
		/*
		 * Make room before enqueueing (DPDK logs an error for a full queue): reclaim
		 * what is due, else wait for a grace period, which empties the queue.
		 */
		if (ovpn_rcu_pending(r) >= r->dq_size && ovpn_rcu_reclaim(r) == 0)
			ovpn_rcu_barrier(r);
		r->retired++;
		if (rte_rcu_qsbr_dq_enqueue(r->dq, &it) == 0)
			return;
	} else {
		r->retired++;
	}
	/* No queue (sync mode), or enqueue failed anyway: wait here instead. */
	if (r->qsbr != NULL)
		rte_rcu_qsbr_synchronize(r->qsbr, RTE_QSBR_THRID_INVALID);
	fn(obj, arg);
	r->freed++;
}

unsigned int
ovpn_rcu_reclaim(struct ovpn_rcu *r)
{
	unsigned int freed = 0, pending, avail;

	if (r->dq == NULL)
		return 0;
	rte_rcu_qsbr_dq_reclaim(r->dq, UINT_MAX, &freed, &pending, &avail);
	return freed;
}

void
ovpn_keys_conf_init(struct ovpn_keys_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->socket_id = SOCKET_ID_ANY;
	conf->lame_duck_s = OVPN_KEY_LAME_DUCK_DEFAULT_S;
	conf->rekey_age_s = OVPN_KEY_REKEY_AGE_DEFAULT_S;
	conf->pktid_rekey_threshold = OVPN_PKTID_REKEY_THRESHOLD;
	conf->replay_window = OVPN_PKTID_WINDOW_DEFAULT;
	conf->replay_time_s = OVPN_PKTID_TIME_WINDOW_DEFAULT;
}

int
ovpn_key_material_from_key2(struct ovpn_key_material *m, enum ft_aead_alg alg,
			    uint8_t key_id, const uint8_t key2[OVPN_KEY2_LEN], bool server)
{
	size_t len = ft_aead_alg_key_len(alg);
	const uint8_t *c2s = key2, *s2c = key2 + KEY2_DIR_LEN;
	/* §4.4: the server runs KEY_DIRECTION_INVERSE, encrypting with keys[1]. */
	const uint8_t *enc = server ? s2c : c2s;
	const uint8_t *dec = server ? c2s : s2c;

	if (len == 0 || key_id > OVPN_KEY_ID_MAX)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->alg = alg;
	m->key_id = key_id;
	memcpy(m->encrypt_key, enc, len);
	memcpy(m->decrypt_key, dec, len);
	/* The implicit IV is the first 8 bytes of the sending direction's hmac slot (§4.1). */
	memcpy(m->encrypt_tail, enc + KEY2_HMAC_OFF, OVPN_NONCE_TAIL_LEN);
	memcpy(m->decrypt_tail, dec + KEY2_HMAC_OFF, OVPN_NONCE_TAIL_LEN);
	return 0;
}

/* ovpn_rcu_free_fn for a slot: destroy its AEAD keys, wipe it (nonce tails), free it. */
static void
slot_free(void *obj, uintptr_t arg)
{
	struct ovpn_key_slot *s = obj;

	RTE_SET_USED(arg);
	ft_aead_key_destroy(s->encrypt);
	ft_aead_key_destroy(s->decrypt);
	explicit_bzero(s, sizeof(*s));
	rte_free(s);
}

/*
 * ft_aead_key_create() with one retry: keys of retired slots count against the backend's
 * max_keys until their grace period ends, so on ENOSPC wait for one, free them, try again.
 */
static struct ft_aead_key *
aead_key_create(const struct ovpn_keys_conf *c, enum ft_aead_alg alg, const uint8_t *key)
{
	size_t len = ft_aead_alg_key_len(alg);
	struct ft_aead_key *ak;

	ak = ft_aead_key_create(c->backend, alg, key, len, OVPN_DATA_V2_AAD_LEN);
	if (ak == NULL && rte_errno == ENOSPC && ovpn_rcu_pending(c->rcu) > 0) {
		ovpn_rcu_barrier(c->rcu);
		ak = ft_aead_key_create(c->backend, alg, key, len, OVPN_DATA_V2_AAD_LEN);
	}
	return ak;
}

/* The limits of §8.3/§8.4 for @p alg: every AES-GCM has one, ChaCha20-Poly1305 none. */
static void
slot_set_limits(struct ovpn_key_slot *s, const struct ovpn_keys_conf *c, uint64_t now_s)
{
	bool gcm = s->alg != FT_AEAD_CHACHA20_POLY1305;

	s->aead_limit = gcm ? OVPN_AEAD_GCM_LIMIT : 0;
	s->aead_rekey = gcm ? OVPN_AEAD_GCM_REKEY : 0;
	s->pktid_threshold = c->pktid_rekey_threshold;
	s->created_s = now_s;
	s->rekey_at_s = c->rekey_age_s != 0 ? now_s + c->rekey_age_s : 0;
}

/* A new, unpublished slot for @p m; NULL with rte_errno set. */
static struct ovpn_key_slot *
slot_create(const struct ovpn_keys_conf *c, const struct ovpn_key_material *m, uint64_t now_s)
{
	struct ovpn_key_slot *s;
	int err;

	s = rte_zmalloc_socket("ovpn_key_slot", sizeof(*s), RTE_CACHE_LINE_SIZE, c->socket_id);
	if (s == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	if (ovpn_pktid_recv_init(&s->rx, c->replay_window, c->replay_time_s) < 0) {
		err = EINVAL;
		goto err_free_slot;
	}
	ovpn_pktid_tx_init(&s->tx);
	s->key_id = m->key_id;
	s->alg = (uint8_t)m->alg;
	memcpy(s->encrypt_tail, m->encrypt_tail, OVPN_NONCE_TAIL_LEN);
	memcpy(s->decrypt_tail, m->decrypt_tail, OVPN_NONCE_TAIL_LEN);
	slot_set_limits(s, c, now_s);
	s->encrypt = aead_key_create(c, m->alg, m->encrypt_key);
	if (s->encrypt != NULL)
		s->decrypt = aead_key_create(c, m->alg, m->decrypt_key);
	if (s->decrypt == NULL) {
		err = rte_errno;
		goto err_free_slot;
	}
	return s;

err_free_slot:
	slot_free(s, 0);
	rte_errno = err;
	return NULL;
}

/* Array index of @p which: the primary is slot[primary], the secondary the other one. */
static unsigned int
slot_index(const struct ovpn_keys *k, enum ovpn_key_slot_idx which)
{
	return k->primary ^ (which == OVPN_KEY_SECONDARY ? 1u : 0u);
}

void
ovpn_keys_init(struct ovpn_keys *k, const struct ovpn_keys_conf *conf)
{
	memset(k, 0, sizeof(*k));
	k->conf = conf;
}

void
ovpn_keys_fini(struct ovpn_keys *k)
{
	for (unsigned int i = 0; i < RTE_DIM(k->slot); i++) {
		if (k->slot[i] != NULL)
			slot_free(k->slot[i], 0);
		k->slot[i] = NULL;
	}
}

int
ovpn_keys_install(struct ovpn_keys *k, enum ovpn_key_slot_idx which,
		  const struct ovpn_key_material *m, uint64_t now_s)
{
	unsigned int idx;
	struct ovpn_key_slot *s, *old, *other;

	if ((which != OVPN_KEY_PRIMARY && which != OVPN_KEY_SECONDARY) ||
	    m->key_id > OVPN_KEY_ID_MAX || ft_aead_alg_key_len(m->alg) == 0)
		return -EINVAL;
	idx = slot_index(k, which);
	other = k->slot[idx ^ 1];
	if (other != NULL && other->key_id == m->key_id)
		return -EEXIST;
	s = slot_create(k->conf, m, now_s);
	if (s == NULL)
		return -rte_errno;
	/* The slot is complete before it becomes visible (release, paired with lookups). */
	old = k->slot[idx];
	__atomic_store_n(&k->slot[idx], s, __ATOMIC_RELEASE);
	if (old != NULL)
		ovpn_rcu_retire(k->conf->rcu, slot_free, old, 0);
	return 0;
}

int
ovpn_keys_swap(struct ovpn_keys *k, uint64_t now_s)
{
	uint8_t p = k->primary;
	struct ovpn_key_slot *next = k->slot[p ^ 1], *old = k->slot[p];

	if (next == NULL)
		return -ENOENT;
	/* Expiry first, then the flip: a worker that sees the new primary sees both. */
	__atomic_store_n(&next->expire_s, 0, __ATOMIC_RELAXED);
	if (old != NULL)
		__atomic_store_n(&old->expire_s, now_s + k->conf->lame_duck_s, __ATOMIC_RELAXED);
	__atomic_store_n(&k->primary, (uint8_t)(p ^ 1), __ATOMIC_RELEASE);
	return 0;
}

int
ovpn_keys_del(struct ovpn_keys *k, enum ovpn_key_slot_idx which)
{
	unsigned int idx = slot_index(k, which);
	struct ovpn_key_slot *s = k->slot[idx];

	if (s == NULL)
		return -ENOENT;
	__atomic_store_n(&k->slot[idx], NULL, __ATOMIC_RELEASE);
	ovpn_rcu_retire(k->conf->rcu, slot_free, s, 0);
	return 0;
}

int
ovpn_keys_reap(struct ovpn_keys *k, uint64_t now_s)
{
	struct ovpn_key_slot *s = ovpn_keys_slot(k, OVPN_KEY_SECONDARY);
	uint64_t exp;

	if (s == NULL)
		return 0;
	exp = __atomic_load_n(&s->expire_s, __ATOMIC_RELAXED);
	if (exp == 0 || now_s < exp)
		return 0;
	ovpn_keys_del(k, OVPN_KEY_SECONDARY);
	return 1;
}

/*
 * Usage limits use OpenVPN's comparisons: a limit is passed when the count is greater than it
 * (2.7 aead_usage_limit_reached(), cipher_decrypt_verify_fail_warn()).
 */
uint32_t
ovpn_key_needs_rekey(const struct ovpn_key_slot *s, uint64_t now_s)
{
	uint64_t enc = ovpn_key_usage_total(&s->enc);
	uint64_t dec = ovpn_key_usage_total(&s->dec);
	uint32_t why = 0;

	if (ovpn_pktid_tx_needs_rekey(&s->tx, s->pktid_threshold))
		why |= OVPN_REKEY_TX_PKTID;
	if (ovpn_pktid_recv_needs_rekey(&s->rx, s->pktid_threshold))
		why |= OVPN_REKEY_RX_PKTID;
	/* The peer's usage too: a 2.6 client enforces no AEAD limit itself (§8.4). */
	if (s->aead_rekey != 0 && (enc > s->aead_rekey || dec > s->aead_rekey))
		why |= OVPN_REKEY_AEAD_USAGE;
	if (ovpn_ctr_read(&s->auth_fail) > OVPN_AEAD_FAIL_REKEY)
		why |= OVPN_REKEY_AUTH_FAIL;
	if (s->rekey_at_s != 0 && now_s >= s->rekey_at_s)
		why |= OVPN_REKEY_AGE;
	if (ovpn_pktid_tx_remaining(&s->tx) == 0 || (s->aead_limit != 0 && enc > s->aead_limit))
		why |= OVPN_REKEY_EXHAUSTED;
	return why;
}

uint32_t
ovpn_key_rekey_poll(struct ovpn_key_slot *s, uint64_t now_s)
{
	uint32_t fresh = ovpn_key_needs_rekey(s, now_s) & ~s->rekey_reported;

	s->rekey_reported |= fresh;
	return fresh;
}
