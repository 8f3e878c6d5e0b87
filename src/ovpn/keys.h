/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-peer data-channel keys, ovpn-dco style: two slots, primary and secondary, each holding
 * one key_id's AEAD keys and nonce tails, its TX packet-id counter, its RX replay window and its
 * AEAD usage counters (openvpn-protocol.md §7.4, §7.5, §9.1, §9.3; STYLE.md §10). RX picks the
 * slot by the packet's 3-bit key_id (§1.1; a 2.6 peer sends on either key, §7.3); TX always
 * uses the primary.
 *
 * Life of a key (control thread; §7.5, 2.6 dco.c dco_install_key() / dco_update_keys()):
 *
 *   first key   --install(PRIMARY)-->   primary      RX + TX
 *   soft reset  --install(SECONDARY)--> secondary    RX at once, TX not yet
 *   switch time --swap-->               new key primary (RX + TX); old key secondary, the
 *                                       "lame duck": RX only until swap + lame_duck_s
 *   expiry      --reap-->               lame duck deleted (or replaced by the next install)
 *
 * Publication (STYLE.md §10): the control thread builds a NEW slot object for every install,
 * publishes it with one release store of the slot pointer and hands the replaced slot to
 * struct ovpn_rcu, which frees it after an RCU grace period. Workers load slot pointers without
 * locks; a pointer they got stays valid until their next quiescent state (end of the loop
 * iteration), so "lookup" results are borrowed for the current burst (STYLE.md §5).
 *
 * Ownership of slot fields:
 *   immutable   key_id, AEAD keys, nonce tails, created_s, limits: written before publication.
 *   control     expire_s (relaxed atomic), written at swap.
 *   worker      TX counter, replay window, usage counters, rekey_reported: a peer, and so its
 *               key slots, is owned by exactly ONE worker (struct ovpn_peer.owner); packets of
 *               the peer that arrive on another worker are handed off to the owner
 *               (core/handoff.c), never processed in place. No locks, no atomic RMW. Counters
 *               are stored with relaxed atomics (plain moves on x86-64) so that the control
 *               thread may read them for telemetry without a data race.
 *
 * Time: now_s is seconds on the clock shared by workers and the control thread (TSC-derived,
 * one origin), the unit pktid.h takes.
 *
 * Also here, shared with peer.c: struct ovpn_rcu, the deferred-free queue used for every object
 * the control thread retires (TODO(keys): move to its own src/ovpn/rcu.[ch] (#5)).
 */
#ifndef FT_OVPN_KEYS_H
#define FT_OVPN_KEYS_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "crypto/aead.h"
#include "ovpn/pktid.h"
#include "ovpn/proto.h"

struct rte_rcu_qsbr;
struct rte_rcu_qsbr_dq;

/* ---------------------------------------------------------------------------------------- */
/* Deferred free (RCU, STYLE.md §10)                                                        */
/* ---------------------------------------------------------------------------------------- */

/* Frees @p obj once no reader can hold it; @p arg is whatever ovpn_rcu_retire() was given. */
typedef void ovpn_rcu_free_fn(void *obj, uintptr_t arg);

/*
 * The control thread's retire queue over one rte_rcu_qsbr (the workers register with it and
 * report a quiescent state once per loop iteration). Three modes, fixed at init:
 *   no qsbr      there are no concurrent readers (tools, single-threaded tests): free at once;
 *   sync         dq_size 0: each retire waits for a grace period (rte_rcu_qsbr_synchronize);
 *   defer queue  retire enqueues and returns; ovpn_rcu_reclaim() frees what is past its grace
 *                period (also done on enqueue). A full queue first waits for a grace period.
 * Control thread only (one writer); the control thread must not itself be an online reader of
 * the qsbr, or sync would wait for itself. Free functions run on the control thread.
 */
struct ovpn_rcu {
	struct rte_rcu_qsbr *qsbr;
	struct rte_rcu_qsbr_dq *dq;
	uint32_t dq_size;
	uint64_t retired;	/* objects handed to retire */
	uint64_t freed;		/* of those, freed */
};

#define OVPN_RCU_NAME_MAX	16

/*
 * Set up @p r (caller-owned; it must not move while in use: the queue points back at it).
 * @p name (<= OVPN_RCU_NAME_MAX chars, unique in the process) names the defer queue; @p qsbr
 * may be NULL (no readers); @p dq_size 0 selects sync mode, else it bounds the queue (size it
 * for the objects retired between two reclaims). 0, -EINVAL, -EEXIST (name) or -ENOMEM.
 * Control thread.
 */
int
ovpn_rcu_init(struct ovpn_rcu *r, const char *name, struct rte_rcu_qsbr *qsbr,
	      uint32_t dq_size);

/*
 * Wait for a grace period, free everything still queued and release the queue. 0, or -EBUSY
 * if objects could not be reclaimed (then the queue is kept). Control thread.
 */
int
ovpn_rcu_fini(struct ovpn_rcu *r);

/* Call fn(obj, arg) once no worker can still hold @p obj (see the modes). Control thread. */
void
ovpn_rcu_retire(struct ovpn_rcu *r, ovpn_rcu_free_fn *fn, void *obj, uintptr_t arg);

/* Free queued objects whose grace period is over; returns how many. Control thread. */
unsigned int
ovpn_rcu_reclaim(struct ovpn_rcu *r);

/*
 * Wait for a grace period, then free everything retired so far (teardown of a structure whose
 * retired parts reference it). Control thread.
 */
void
ovpn_rcu_barrier(struct ovpn_rcu *r);

/* Objects retired but not yet freed. Control thread. */
static inline uint64_t
ovpn_rcu_pending(const struct ovpn_rcu *r)
{
	return r->retired - r->freed;
}

/* ---------------------------------------------------------------------------------------- */
/* Counters written by one thread and read by others                                        */
/* ---------------------------------------------------------------------------------------- */

/* Owner: add @p v (relaxed load + store: no lock prefix, the owner is the only writer). */
static inline void
ovpn_ctr_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

/* Any thread: a value at most one update old. */
static inline uint64_t
ovpn_ctr_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------------------------------------- */
/* Limits                                                                                   */
/* ---------------------------------------------------------------------------------------- */

/*
 * AEAD usage limits, counted per key and direction as plaintext 16-byte blocks (rounded up per
 * packet) plus packets, OpenVPN's measure (2.7 crypto.h aead_usage_limit_reached(),
 * AEAD_LIMIT_BLOCKSIZE; openvpn3 crypto_aead_usage_limit.hpp; §8.3, §8.4). 2.6 itself has no
 * AEAD limit (§6.7), so the values are 2.7's, which a server talking to 2.6 clients must
 * enforce on their behalf (§8.4):
 *   AES-GCM confidentiality: 2^36 - 1 blocks + packets (cipher_get_aead_limits(), after
 *     draft-irtf-cfrg-aead-limits), rekey at 7/8 of it (ssl.c tls_get_limit_aead()): about
 *     6.2e8 full-size packets. At the limit itself the key stops encrypting.
 *   ChaCha20-Poly1305: no confidentiality limit (0 = none).
 *   Integrity, every cipher: more than 2^36 failed tag verifications and the key stops
 *     decrypting; more than 2^35 asks for a rekey (cipher_decrypt_verify_fail_exceeded() and
 *     _warn(): DTLS 1.3's bound).
 */
#define OVPN_AEAD_BLOCK_LEN		16
#define OVPN_AEAD_GCM_LIMIT		((UINT64_C(1) << 36) - 1)
#define OVPN_AEAD_GCM_REKEY		(OVPN_AEAD_GCM_LIMIT / 8 * 7)
#define OVPN_AEAD_FAIL_LIMIT		(UINT64_C(1) << 36)
#define OVPN_AEAD_FAIL_REKEY		(UINT64_C(1) << 35)

/*
 * Lame-duck time: after a swap the old key decrypts for this long. A 2.6 peer keeps sending on
 * the old key until min(hand-window, reneg-sec / 2) = 60 s after the renegotiation began
 * (§6.7, §7.3); the swap comes after the new key exists, so 60 s after the swap covers it.
 * 2.6 itself keeps its lame duck for tran-window (3600 s, §7.4), which only matters to a peer
 * that sends on a key older than that rule allows.
 */
#define OVPN_KEY_LAME_DUCK_DEFAULT_S	60
/* Age trigger: reneg-sec's default (§6.7). The server's 0..10 % jitter is control policy. */
#define OVPN_KEY_REKEY_AGE_DEFAULT_S	3600

/* Shared by every peer's key set; outlives them. */
struct ovpn_keys_conf {
	struct ft_aead_backend *backend;	/* creates the AEAD keys */
	struct ovpn_rcu *rcu;			/* retires replaced slots */
	int socket_id;				/* for slot memory */
	uint32_t lame_duck_s;			/* 0: the old key dies at the swap */
	uint32_t rekey_age_s;			/* 0 = no age trigger */
	uint32_t pktid_rekey_threshold;		/* pktid.h; TX and RX ids */
	uint32_t replay_window;			/* pktid.h ovpn_pktid_recv_init() */
	uint32_t replay_time_s;
};

/*
 * Defaults: no backend or rcu (the caller sets them), SOCKET_ID_ANY, lame duck 60 s, age
 * 3600 s, OVPN_PKTID_REKEY_THRESHOLD, OVPN_PKTID_WINDOW_DEFAULT and
 * OVPN_PKTID_TIME_WINDOW_DEFAULT.
 */
void
ovpn_keys_conf_init(struct ovpn_keys_conf *conf);

/* ---------------------------------------------------------------------------------------- */
/* Key material                                                                             */
/* ---------------------------------------------------------------------------------------- */

#define OVPN_KEY2_LEN		256	/* §4.1 */

/* One direction pair of keys, as 2.6 hands them to DCO (§4.4, §9.1 NEW_KEY). */
struct ovpn_key_material {
	enum ft_aead_alg alg;
	uint8_t key_id;				/* 0 .. OVPN_KEY_ID_MAX */
	uint8_t encrypt_key[FT_AEAD_KEY_MAX];	/* first ft_aead_alg_key_len(alg) bytes used */
	uint8_t decrypt_key[FT_AEAD_KEY_MAX];
	uint8_t encrypt_tail[OVPN_NONCE_TAIL_LEN];	/* implicit IV, §6.2 */
	uint8_t decrypt_tail[OVPN_NONCE_TAIL_LEN];
};

/*
 * Fill @p m from the 256-byte key2 block (§4.1) with the direction mapping of §4.4: a server
 * (@p server true, KEY_DIRECTION_INVERSE) encrypts with key2[128..) and nonce tail
 * key2[192..200), and decrypts with key2[0..) and tail key2[64..72); a client the other way
 * round. 0 or -EINVAL (alg, key_id). Pure; the caller wipes @p key2 and @p m after install.
 */
int
ovpn_key_material_from_key2(struct ovpn_key_material *m, enum ft_aead_alg alg,
			    uint8_t key_id, const uint8_t key2[OVPN_KEY2_LEN], bool server);

/* ---------------------------------------------------------------------------------------- */
/* Key slots                                                                                */
/* ---------------------------------------------------------------------------------------- */

/* AEAD usage of one direction of one key. */
struct ovpn_key_usage {
	uint64_t pkts;
	uint64_t blocks;	/* 16-byte plaintext blocks, rounded up per packet */
};

/* Why a key should be replaced: ovpn_key_needs_rekey() returns an OR of these. */
enum ovpn_rekey_reason {
	OVPN_REKEY_TX_PKTID = 1u << 0,	  /* our last id >= threshold (§6.7) */
	OVPN_REKEY_RX_PKTID = 1u << 1,	  /* the peer's id >= threshold (§6.7 mitigation a) */
	OVPN_REKEY_AEAD_USAGE = 1u << 2,  /* 7/8 of the AEAD limit, either direction (§8.4) */
	OVPN_REKEY_AUTH_FAIL = 1u << 3,	  /* > 2^35 failed verifications */
	OVPN_REKEY_AGE = 1u << 4,	  /* older than rekey_age_s (reneg-sec) */
	OVPN_REKEY_EXHAUSTED = 1u << 5,	  /* TX refused: ids used up or AEAD limit reached */
};

struct ovpn_key_slot {
	/* Immutable while published. */
	struct ft_aead_key *encrypt;	/* owned, destroyed with the slot */
	struct ft_aead_key *decrypt;
	uint8_t encrypt_tail[OVPN_NONCE_TAIL_LEN];
	uint8_t decrypt_tail[OVPN_NONCE_TAIL_LEN];
	uint8_t key_id;
	uint8_t alg;			/* enum ft_aead_alg */
	uint32_t pktid_threshold;
	uint64_t created_s;
	uint64_t rekey_at_s;		/* created + rekey_age_s; 0 = never */
	uint64_t aead_limit;		/* 0 = none (ChaCha20-Poly1305) */
	uint64_t aead_rekey;
	/* Control thread, relaxed atomic: RX refused from this second on; 0 = never. */
	uint64_t expire_s;
	/* Owning worker only (counters: ovpn_ctr_add, readable by the control thread). */
	uint32_t rekey_reported;	/* ovpn_key_rekey_poll() */
	struct ovpn_pktid_xmit tx;
	struct ovpn_key_usage enc;
	struct ovpn_key_usage dec;
	uint64_t auth_fail;
	struct ovpn_pktid_recv rx;
};

enum ovpn_key_slot_idx {
	OVPN_KEY_PRIMARY,
	OVPN_KEY_SECONDARY,
};

/* A peer's key set. Embedded in struct ovpn_peer; see the file comment for who writes what. */
struct ovpn_keys {
	struct ovpn_key_slot *slot[2];	/* RCU-published; NULL = empty */
	uint8_t primary;		/* index of the primary slot */
	const struct ovpn_keys_conf *conf;
};

/* Empty key set using @p conf (borrowed, must outlive @p k). Control thread, unpublished k. */
void
ovpn_keys_init(struct ovpn_keys *k, const struct ovpn_keys_conf *conf);

/*
 * Free both slots NOW (their AEAD keys too). Only when no worker can reach @p k any more, e.g.
 * from the peer's own deferred free. Control thread.
 */
void
ovpn_keys_fini(struct ovpn_keys *k);

/*
 * Build a new slot from @p m (creates its two AEAD keys, TX ids from 1, empty replay window)
 * and publish it in @p which; a slot already there is retired (a lame duck replaced by the next
 * soft reset, §7.4). Returns 0, or -EINVAL (key_id, alg), -EEXIST (the other slot holds the
 * same key_id: RX could not tell them apart), -ENOMEM/-ENOSPC/-ENOTSUP (from
 * ft_aead_key_create()); nothing changes on error. @p m is copied. Control thread.
 */
int
ovpn_keys_install(struct ovpn_keys *k, enum ovpn_key_slot_idx which,
		  const struct ovpn_key_material *m, uint64_t now_s);

/*
 * Make the secondary the primary (TX moves to it) and the old primary the lame duck: RX only,
 * until now_s + lame_duck_s. 0, or -ENOENT (no secondary). Control thread.
 */
int
ovpn_keys_swap(struct ovpn_keys *k, uint64_t now_s);

/* Unpublish and retire a slot. 0, or -ENOENT (empty). Control thread. */
int
ovpn_keys_del(struct ovpn_keys *k, enum ovpn_key_slot_idx which);

/*
 * Delete the secondary if its lame-duck time is over. Returns 1 if it did, else 0. Control
 * thread, from its periodic timer (workers already refuse an expired key on their own).
 */
int
ovpn_keys_reap(struct ovpn_keys *k, uint64_t now_s);

/* A slot for the control thread's own use (stats, polling); NULL if empty. Control thread. */
static inline struct ovpn_key_slot *
ovpn_keys_slot(const struct ovpn_keys *k, enum ovpn_key_slot_idx which)
{
	return k->slot[k->primary ^ (which == OVPN_KEY_SECONDARY)];
}

/* Can @p s still decrypt at @p now_s: not past its lame-duck expiry or integrity limit? */
static inline bool
ovpn_key_rx_usable(const struct ovpn_key_slot *s, uint64_t now_s)
{
	uint64_t exp = __atomic_load_n(&s->expire_s, __ATOMIC_RELAXED);

	return (exp == 0 || now_s < exp) && s->auth_fail <= OVPN_AEAD_FAIL_LIMIT;
}

/*
 * The slot that decrypts packets with @p key_id (the packet's 3 bits, proto.h), or NULL: no such
 * key, or it expired or failed too often (drop as an unknown key). Borrowed until the end of the
 * burst. Owning worker.
 */
static inline struct ovpn_key_slot *
ovpn_keys_lookup_rx(const struct ovpn_keys *k, uint8_t key_id, uint64_t now_s)
{
	for (unsigned int i = 0; i < RTE_DIM(k->slot); i++) {
		struct ovpn_key_slot *s = __atomic_load_n(&k->slot[i], __ATOMIC_ACQUIRE);

		if (s != NULL && s->key_id == key_id)
			return ovpn_key_rx_usable(s, now_s) ? s : NULL;
	}
	return NULL;
}

/*
 * The slot to encrypt with, or NULL (no primary key). Borrowed until the end of the burst.
 * Reserve ids with ovpn_key_tx_reserve() before sealing. Owning worker.
 */
static inline struct ovpn_key_slot *
ovpn_keys_primary_tx(const struct ovpn_keys *k)
{
	uint8_t i = __atomic_load_n(&k->primary, __ATOMIC_ACQUIRE);

	return __atomic_load_n(&k->slot[i], __ATOMIC_ACQUIRE);
}

static inline uint64_t
ovpn_key_usage_total(const struct ovpn_key_usage *u)
{
	return ovpn_ctr_read(&u->blocks) + ovpn_ctr_read(&u->pkts);
}

/*
 * Reserve @p n TX packet ids for one burst (pktid.h), all or nothing. -ERANGE when the ids are
 * used up or the AEAD limit has been passed (checked per burst, so usage may overshoot by one
 * burst: 64 packets against 2^36): the key is dead for TX; drop (OVPN_DROP_KEY_EXHAUSTED) and
 * report OVPN_REKEY_EXHAUSTED (STYLE.md §10). Owning worker.
 */
static inline int
ovpn_key_tx_reserve(struct ovpn_key_slot *s, uint32_t n, uint32_t *first)
{
	if (unlikely(s->aead_limit != 0 && ovpn_key_usage_total(&s->enc) > s->aead_limit))
		return -ERANGE;
	return ovpn_pktid_tx_reserve(&s->tx, n, first);
}

static inline void
ovpn_key_usage_add(struct ovpn_key_usage *u, uint32_t len)
{
	ovpn_ctr_add(&u->pkts, 1);
	ovpn_ctr_add(&u->blocks, (len + OVPN_AEAD_BLOCK_LEN - 1) / OVPN_AEAD_BLOCK_LEN);
}

/* Count one packet of @p len plaintext bytes sealed with @p s. Owning worker. */
static inline void
ovpn_key_sealed(struct ovpn_key_slot *s, uint32_t len)
{
	ovpn_key_usage_add(&s->enc, len);
}

/* Count one packet of @p len plaintext bytes whose tag verified. Owning worker. */
static inline void
ovpn_key_opened(struct ovpn_key_slot *s, uint32_t len)
{
	ovpn_key_usage_add(&s->dec, len);
}

/* Count one failed tag verification (the integrity limit). Owning worker. */
static inline void
ovpn_key_auth_failed(struct ovpn_key_slot *s)
{
	ovpn_ctr_add(&s->auth_fail, 1);
}

/*
 * Which triggers have fired for @p s at @p now_s (OR of enum ovpn_rekey_reason, 0 = none):
 * packet ids past the threshold in either direction, AEAD usage past 7/8 of the limit in either
 * direction, too many failed verifications, age, or TX dead. The worker reports them to the
 * control thread, which starts the soft reset (§6.7: the side that hits a trigger sends
 * P_CONTROL_SOFT_RESET_V1). Owning worker.
 */
uint32_t
ovpn_key_needs_rekey(const struct ovpn_key_slot *s, uint64_t now_s);

/*
 * ovpn_key_needs_rekey(), minus the reasons already returned by an earlier poll of this slot:
 * what the worker has not reported yet (it reports each reason once per key). Owning worker.
 */
uint32_t
ovpn_key_rekey_poll(struct ovpn_key_slot *s, uint64_t now_s);

#endif /* FT_OVPN_KEYS_H */
