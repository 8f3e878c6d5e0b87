/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The P_DATA_V2 burst pipeline of one worker: decap (parse, peer, owner, key slot, replay
 * pre-check, one AEAD open per burst, replay update, strip, ping/OCC, inner IP and RPF) and
 * encap (owner, key, size, packet-id reservation per run of one key, header, one AEAD seal per
 * burst), with every drop counted by reason per worker and per peer. The stages and the
 * ownership of each verdict are drawn in data.h.
 *
 * Each direction works in chunks of OVPN_DATA_BURST_MAX packets in three passes: prepare
 * (per packet: everything that can fail without crypto, and the op), the AEAD call, finish
 * (per packet, in arrival order: what only an authenticated packet may change). The AEAD call
 * moves failed ops past the good ones (aead.h); collect_status() maps its result back to the
 * packets, so the finish pass runs in packet order and the replay window sees ids in the order
 * they arrived.
 *
 * Not here: UDP/IP/Ethernet (the caller), routes (src/route, through the RPF hook for
 * iroutes), hand-off rings, control packets, key installation and rekey polling (keys.c),
 * packet ids and the replay window (pktid.c), peer tables and their counters (peer.c).
 *
 * References (openvpn-protocol.md): §6.1 layout, peer-id 0xFFFFFF; §6.2 nonce = packet id ||
 * nonce tail, AAD = bytes [0..8), empty payloads rejected; §6.3 inner packet checks (RPF,
 * IPv4/IPv6 only); §6.5 ping and OCC EXIT; §6.6 replay after the tag verifies; §6.7 TX id
 * exhaustion; §7.3 RX by key_id; §9.1-§9.3 the DCO data paths (only opcode 9 is consumed,
 * float after authentication). STYLE.md §8 (drops as counters), §9 (ownership), §11.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "ovpn/data.h"
#include "ovpn/keys.h"
#include "ovpn/peer.h"
#include "ovpn/pktid.h"
#include "ovpn/proto.h"

/* Status collect_status() gives an op whose mbuf the AEAD ctx kept (-ETIMEDOUT, aead.h). */
#define STATUS_UNSEEN	1

#define IP4_SRC_OFF	offsetof(struct rte_ipv4_hdr, src_addr)

/* ---------------------------------------------------------------------------------------- */
/* Shared helpers                                                                           */
/* ---------------------------------------------------------------------------------------- */

/* Count a drop for @p r: worker totals, and the peer's stats if this worker owns it. */
static void
count_drop(struct ovpn_data_ctx *ctx, struct ovpn_peer *p, enum ovpn_drop_reason r)
{
	ovpn_ctr_add(&ctx->stats.drops[r], 1);
	if (p != NULL && p->owner == ctx->conf.worker)
		ovpn_peer_count_drop(p, r);
}

static void
rx_drop(struct ovpn_data_ctx *ctx, struct rte_mbuf **m, struct ovpn_rx_res *res,
	enum ovpn_drop_reason r)
{
	count_drop(ctx, res->peer, r);
	rte_pktmbuf_free(*m);
	*m = NULL;
	res->verdict = OVPN_RX_DROP;
	res->reason = (uint8_t)r;
}

static void
tx_drop(struct ovpn_data_ctx *ctx, struct ovpn_peer *p, struct rte_mbuf **m,
	struct ovpn_tx_res *res, enum ovpn_drop_reason r)
{
	count_drop(ctx, p, r);
	rte_pktmbuf_free(*m);
	*m = NULL;
	res->verdict = OVPN_TX_DROP;
	res->reason = (uint8_t)r;
}

/* Queue op j for packet @p i: the fields every P_DATA_V2 op shares (§6.2, aead.h diagram). */
static struct ft_aead_op *
op_add(struct ovpn_data_ctx *ctx, uint16_t j, uint16_t i, struct rte_mbuf *m,
       struct ovpn_key_slot *s)
{
	struct ft_aead_op *op = &ctx->ops[j];

	ctx->slot[j] = s;
	ctx->m[j] = m;
	ctx->idx[j] = i;
	op->m = m;
	op->data_off = OVPN_DATA_V2_HDR_LEN;
	op->data_len = rte_pktmbuf_pkt_len(m) - OVPN_DATA_V2_HDR_LEN;
	op->aad_off = OVPN_DATA_V2_AAD_OFF;
	op->tag_off = OVPN_DATA_V2_TAG_OFF;
	return op;
}

/* Nonce of a P_DATA_V2 packet: its packet id as on the wire || the nonce tail (§6.2). */
static inline void
op_set_iv(struct ft_aead_op *op, const struct ovpn_data_v2_hdr *h, const uint8_t *tail)
{
	memcpy(op->iv, &h->pktid, OVPN_PKTID_LEN);
	memcpy(op->iv + OVPN_PKTID_LEN, tail, OVPN_NONCE_TAIL_LEN);
}

/*
 * After an AEAD call on @p nops ops that returned @p good: ctx->status[j] for each op j in
 * build order. The good ops are ops[0, good) in build order (a subsequence: one pass); the
 * failed ones are in no defined order, so each is matched by its mbuf (only on failure). An op
 * whose mbuf the ctx kept (m == NULL after -ETIMEDOUT) stays STATUS_UNSEEN.
 */
static void
collect_status(struct ovpn_data_ctx *ctx, uint16_t nops, uint16_t good)
{
	uint16_t j = 0;

	if (likely(good == nops)) {
		memset(ctx->status, 0, nops * sizeof(ctx->status[0]));
		return;
	}
	for (uint16_t k = 0; k < nops; k++)
		ctx->status[k] = STATUS_UNSEEN;
	for (uint16_t k = 0; k < good; k++) {
		while (j < nops && ctx->m[j] != ctx->ops[k].m)
			j++;
		if (j < nops)
			ctx->status[j++] = 0;
	}
	for (uint16_t k = good; k < nops; k++) {
		for (j = 0; ctx->ops[k].m != NULL && j < nops; j++) {
			if (ctx->m[j] == ctx->ops[k].m && ctx->status[j] == STATUS_UNSEEN) {
				ctx->status[j] = ctx->ops[k].status;
				break;
			}
		}
	}
}

/*
 * Give the first DATA_PREFETCH_HEAD ops of a chunk a head start: ask for the lines of their data
 * (first segment) while the rest of the chunk is prepared. From there the AEAD backend fetches
 * ahead of itself (aead_ipsecmb.c prefetches two ops ahead); without this its first ops would
 * wait for L3 or DRAM with nothing to overlap. Prefetching the whole chunk here instead (up to
 * 64 x 23 lines, as this file did) stalls on full miss buffers and lets the first packets'
 * lines be evicted before they are used: with the backend's look-ahead it was slower than
 * this. Measured with apps/ovpn-bench (README "ovpn-bench").
 */
#define DATA_PREFETCH_HEAD	2

static inline void
prefetch_head(const struct rte_mbuf *m)
{
	const char *p = rte_pktmbuf_mtod(m, const char *);
	uint32_t len = rte_pktmbuf_data_len(m);

	for (uint32_t off = RTE_CACHE_LINE_SIZE; off < len; off += RTE_CACHE_LINE_SIZE)
		rte_prefetch0(p + off);
}

/*
 * The worker counters that every packet of a chunk moves, summed per chunk and added to
 * ctx->stats once (STYLE.md §11: one add per burst, not per packet). A reader sees them at
 * most one chunk late.
 */
struct chunk_sums {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t data;		/* decap: DATA verdicts */
};

/* ---------------------------------------------------------------------------------------- */
/* Setup and counters                                                                       */
/* ---------------------------------------------------------------------------------------- */

void
ovpn_data_conf_init(struct ovpn_data_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->mtu = OVPN_DATA_MTU_DEFAULT;
	conf->rpf = true;
}

int
ovpn_data_ctx_init(struct ovpn_data_ctx *ctx, const struct ovpn_data_conf *conf)
{
	if (ctx == NULL || conf == NULL || conf->aead == NULL || conf->peers == NULL ||
	    conf->mtu == 0)
		return -EINVAL;
	memset(ctx, 0, sizeof(*ctx));
	ctx->conf = *conf;
	return 0;
}

void
ovpn_data_stats_read(const struct ovpn_data_ctx *ctx, struct ovpn_data_stats *out)
{
	const uint64_t *src = (const uint64_t *)&ctx->stats;
	uint64_t *dst = (uint64_t *)out;

	static_assert(sizeof(*out) % sizeof(uint64_t) == 0, "stats are all uint64_t");
	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = ovpn_ctr_read(&src[i]);
}

void
ovpn_data_drop(struct ovpn_data_ctx *ctx, struct ovpn_peer *peer, struct rte_mbuf *m,
	       enum ovpn_drop_reason reason)
{
	count_drop(ctx, peer, reason);
	rte_pktmbuf_free(m);
}

/* ---------------------------------------------------------------------------------------- */
/* Decap                                                                                    */
/* ---------------------------------------------------------------------------------------- */

/* The peer a P_DATA_V2 header names: by peer-id, or by source for 0xFFFFFF (§6.1, §9.1). */
static struct ovpn_peer *
rx_peer(const struct ovpn_data_ctx *ctx, const struct ovpn_data_v2_hdr *h,
	const struct ft_endpoint4 *src)
{
	uint32_t id = ovpn_data_v2_peer_id(h);

	if (unlikely(id == OVPN_PEER_ID_UNDEF))
		return ovpn_peer_lookup_by_transport(ctx->conf.peers, src);
	return ovpn_peer_lookup_by_id(ctx->conf.peers, id);
}

/*
 * Everything before crypto for packet @p i: the verdict of a packet that stops here, or the key
 * slot that will open it (verdict left for finish). Cheap rejects come first so that no crypto
 * is spent on them; nothing of the peer's state changes here.
 */
static struct ovpn_key_slot *
decap_prepare(struct ovpn_data_ctx *ctx, struct rte_mbuf **m, const struct ft_endpoint4 *src,
	      struct ovpn_rx_res *res)
{
	const struct ovpn_data_v2_hdr *h;
	struct ovpn_key_slot *s;
	enum ovpn_replay_result rr;
	uint8_t opcode;

	res->peer = NULL;
	res->flags = 0;
	res->reason = 0;
	if (unlikely(rte_pktmbuf_data_len(*m) == 0))
		goto malformed;
	opcode = ovpn_op_opcode(*rte_pktmbuf_mtod(*m, const uint8_t *));
	if (opcode != OVPN_P_DATA_V2) {
		/* Only opcode 9 is ours (§9.1); junk opcodes are not worth the control ring. */
		if (opcode < OVPN_P_FIRST_OPCODE || opcode > OVPN_P_LAST_OPCODE)
			goto malformed;
		ovpn_ctr_add(&ctx->stats.rx_control, 1);
		res->verdict = OVPN_RX_CONTROL;
		return NULL;
	}
	/* The header must be contiguous, and the payload non-empty (§6.2). */
	if (unlikely(rte_pktmbuf_data_len(*m) < OVPN_DATA_V2_HDR_LEN ||
		     rte_pktmbuf_pkt_len(*m) < OVPN_DATA_V2_MIN_LEN))
		goto malformed;
	h = rte_pktmbuf_mtod(*m, const struct ovpn_data_v2_hdr *);
	res->peer = rx_peer(ctx, h, src);
	if (unlikely(res->peer == NULL)) {
		rx_drop(ctx, m, res, OVPN_DROP_NO_PEER);
		return NULL;
	}
	/* The key slot's replay window and counters are the owner's alone (keys.h). */
	if (res->peer->owner != ctx->conf.worker) {
		ovpn_ctr_add(&ctx->stats.rx_handoff, 1);
		res->verdict = OVPN_RX_HANDOFF;
		return NULL;
	}
	s = ovpn_keys_lookup_rx(&res->peer->keys, ovpn_data_v2_key_id(h), ctx->now_s);
	if (unlikely(s == NULL)) {
		rx_drop(ctx, m, res, OVPN_DROP_UNKNOWN_KEY);
		return NULL;
	}
	rr = ovpn_pktid_recv_check(&s->rx, ovpn_data_v2_pktid(h), ctx->now_s);
	if (unlikely(rr != OVPN_REPLAY_OK)) {
		rx_drop(ctx, m, res, ovpn_drop_from_replay(rr));
		return NULL;
	}
	return s;

malformed:
	rx_drop(ctx, m, res, OVPN_DROP_MALFORMED);
	return NULL;
}

/* RPF (§6.3): may @p p send from inner IPv4 source @p src (host order)? */
static bool
rpf_ok(const struct ovpn_data_ctx *ctx, const struct ovpn_peer *p, uint32_t src)
{
	if (src == p->vpn_ip4 && src != 0)
		return true;
	return ctx->conf.iroute != NULL && ctx->conf.iroute(ctx->conf.iroute_arg, p, src);
}

/*
 * Classify a decrypted payload (header already stripped): the verdict for a packet that is
 * not dropped, else a drop reason in *why. IPv4/IPv6 by version nibble; the ping and OCC
 * magics start with nibbles 2 (§6.5), so they are only compared for non-IP payloads.
 */
static enum ovpn_rx_verdict
inner_classify(const struct ovpn_data_ctx *ctx, const struct ovpn_peer *p,
	       const struct rte_mbuf *m, enum ovpn_drop_reason *why)
{
	uint8_t buf[OVPN_OCC_MIN_LEN];
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const uint8_t *b;
	rte_be32_t src, tmp;

	*why = OVPN_DROP_NOT_IP;
	b = rte_pktmbuf_read(m, 0, RTE_MIN(len, (uint32_t)sizeof(buf)), buf);
	switch (b[0] >> 4) {
	case 4:
		if (unlikely(len < sizeof(struct rte_ipv4_hdr)))
			return OVPN_RX_DROP;
		if (!ctx->conf.rpf)
			return OVPN_RX_DATA;
		b = rte_pktmbuf_read(m, IP4_SRC_OFF, sizeof(src), &tmp);
		memcpy(&src, b, sizeof(src));
		*why = OVPN_DROP_BAD_SRC;
		return rpf_ok(ctx, p, rte_be_to_cpu_32(src)) ? OVPN_RX_DATA : OVPN_RX_DROP;
	case 6:
		/* Peers have no IPv6 address yet: with RPF on, no IPv6 source is theirs. */
		*why = OVPN_DROP_BAD_SRC;
		return ctx->conf.rpf ? OVPN_RX_DROP : OVPN_RX_DATA;
	default:
		if (ovpn_payload_is_ping(b, len))
			return OVPN_RX_PING;
		/* Other OCC messages are 2.6's non-TLS or --mtu-test features: not IP, dropped. */
		if (ovpn_payload_is_occ(b, len) && ovpn_occ_type(b) == OVPN_OCC_EXIT)
			return OVPN_RX_EXIT;
		return OVPN_RX_DROP;
	}
}

/*
 * Packet @p i's tag verified with slot @p s: record its id (a second copy in the same burst
 * is refused here), count, float check, strip, classify. Sets the verdict.
 */
static void
decap_finish(struct ovpn_data_ctx *ctx, struct ovpn_key_slot *s, struct rte_mbuf **m,
	     const struct ft_endpoint4 *src, struct ovpn_rx_res *res, struct chunk_sums *sum)
{
	const struct ovpn_data_v2_hdr *h = rte_pktmbuf_mtod(*m, const struct ovpn_data_v2_hdr *);
	struct ovpn_peer *p = res->peer;
	uint32_t len = rte_pktmbuf_pkt_len(*m);
	enum ovpn_replay_result rr;
	enum ovpn_drop_reason why;

	ovpn_key_opened(s, len - OVPN_DATA_V2_HDR_LEN);
	rr = ovpn_pktid_recv_update(&s->rx, ovpn_data_v2_pktid(h), ctx->now_s);
	if (unlikely(rr != OVPN_REPLAY_OK)) {
		rx_drop(ctx, m, res, ovpn_drop_from_replay(rr));
		return;
	}
	if (unlikely(ovpn_peer_float_check(p, src))) {
		res->flags |= OVPN_RX_F_FLOAT;
		ovpn_ctr_add(&ctx->stats.rx_float, 1);
	}
	/* Any authenticated packet, ping or not, resets ping-restart (§6.5). */
	ovpn_peer_count_rx(p, len, ctx->now_s);
	sum->pkts++;
	sum->bytes += len;
	rte_pktmbuf_adj(*m, OVPN_DATA_V2_HDR_LEN);

	res->verdict = (uint8_t)inner_classify(ctx, p, *m, &why);
	switch (res->verdict) {
	case OVPN_RX_DATA:
		sum->data++;
		return;
	case OVPN_RX_PING:
		ovpn_ctr_add(&ctx->stats.rx_ping, 1);
		break;
	case OVPN_RX_EXIT:
		ovpn_ctr_add(&ctx->stats.rx_exit, 1);
		break;
	default:
		rx_drop(ctx, m, res, why);
		return;
	}
	rte_pktmbuf_free(*m);
	*m = NULL;
}

/* A tag that did not verify, or a backend error: drop, and count against the key (§8.4). */
static void
decap_failed(struct ovpn_data_ctx *ctx, struct ovpn_key_slot *s, int32_t status,
	     struct rte_mbuf **m, struct ovpn_rx_res *res)
{
	if (status == -EBADMSG) {
		ovpn_key_auth_failed(s);
		rx_drop(ctx, m, res, OVPN_DROP_AUTH_FAIL);
		return;
	}
	if (status == STATUS_UNSEEN)
		*m = NULL;	/* -ETIMEDOUT: the AEAD ctx owns the mbuf now (aead.h) */
	rx_drop(ctx, m, res, OVPN_DROP_CRYPTO);
}

static uint16_t
decap_chunk(struct ovpn_data_ctx *ctx, struct rte_mbuf **pkts, const struct ft_endpoint4 *src,
	    struct ovpn_rx_res *res, uint16_t n)
{
	struct chunk_sums sum = { 0, 0, 0 };
	uint16_t nops = 0, good;

	for (uint16_t i = 0; i < n; i++) {
		struct ovpn_key_slot *s = decap_prepare(ctx, &pkts[i], &src[i], &res[i]);
		struct ft_aead_op *op;

		if (s == NULL)
			continue;
		if (nops < DATA_PREFETCH_HEAD)
			prefetch_head(pkts[i]);
		op = op_add(ctx, nops++, i, pkts[i], s);
		op->key = s->decrypt;
		op_set_iv(op, rte_pktmbuf_mtod(pkts[i], const struct ovpn_data_v2_hdr *),
			  s->decrypt_tail);
	}
	if (nops == 0)
		return 0;
	good = ft_aead_open_burst(ctx->conf.aead, ctx->ops, nops);
	collect_status(ctx, nops, good);
	for (uint16_t j = 0; j < nops; j++) {
		uint16_t i = ctx->idx[j];

		if (likely(ctx->status[j] == 0))
			decap_finish(ctx, ctx->slot[j], &pkts[i], &src[i], &res[i], &sum);
		else
			decap_failed(ctx, ctx->slot[j], ctx->status[j], &pkts[i], &res[i]);
	}
	ovpn_ctr_add(&ctx->stats.rx_pkts, sum.pkts);
	ovpn_ctr_add(&ctx->stats.rx_bytes, sum.bytes);
	ovpn_ctr_add(&ctx->stats.rx_data, sum.data);
	return (uint16_t)sum.data;
}

uint16_t
ovpn_data_decap_burst(struct ovpn_data_ctx *ctx, struct rte_mbuf **pkts,
		      const struct ft_endpoint4 *src, struct ovpn_rx_res *res, uint16_t n)
{
	uint16_t done = 0, ndata = 0;

	while (done < n) {
		uint16_t c = RTE_MIN((uint16_t)(n - done), (uint16_t)OVPN_DATA_BURST_MAX);

		ndata += decap_chunk(ctx, pkts + done, src + done, res + done, c);
		done += c;
	}
	return ndata;
}

/* ---------------------------------------------------------------------------------------- */
/* Encap                                                                                    */
/* ---------------------------------------------------------------------------------------- */

/*
 * Everything before the packet ids for packet @p i: the key slot to seal with, header room
 * prepended; or NULL with the verdict set (HANDOFF, DROP).
 */
static struct ovpn_key_slot *
encap_prepare(struct ovpn_data_ctx *ctx, struct ovpn_peer *p, struct rte_mbuf **m,
	      struct ovpn_tx_res *res)
{
	struct ovpn_key_slot *s;
	uint32_t len;

	if (unlikely(p == NULL)) {
		tx_drop(ctx, NULL, m, res, OVPN_DROP_NO_PEER);
		return NULL;
	}
	if (p->owner != ctx->conf.worker) {
		ovpn_ctr_add(&ctx->stats.tx_handoff, 1);
		res->verdict = OVPN_TX_HANDOFF;
		return NULL;
	}
	res->dst = ovpn_peer_transport(p);
	if (unlikely(res->dst.addr == 0 && res->dst.port == 0)) {
		tx_drop(ctx, p, m, res, OVPN_DROP_NO_PEER);
		return NULL;
	}
	s = ovpn_keys_primary_tx(&p->keys);
	if (unlikely(s == NULL)) {
		tx_drop(ctx, p, m, res, OVPN_DROP_NO_KEY);
		return NULL;
	}
	len = rte_pktmbuf_pkt_len(*m);
	if (unlikely(len > ctx->conf.mtu)) {
		tx_drop(ctx, p, m, res, OVPN_DROP_TOO_BIG);
		return NULL;
	}
	/* 2.6 rejects an empty payload (§6.2); no headroom means a badly built mbuf. */
	if (unlikely(len == 0 || rte_pktmbuf_prepend(*m, OVPN_DATA_V2_HDR_LEN) == NULL)) {
		tx_drop(ctx, p, m, res, OVPN_DROP_MALFORMED);
		return NULL;
	}
	return s;
}

/*
 * Reserve ids for ops [from, to), which all use slot @p s, with one add (STYLE.md §11), and
 * write their headers and nonces. On exhaustion the whole run is dropped (KEY_EXHAUSTED) and
 * marked as not to be sealed (m = NULL); the rekey poll reports the dead key (keys.h).
 */
static void
encap_run(struct ovpn_data_ctx *ctx, struct rte_mbuf **pkts, struct ovpn_peer *const *peers,
	  struct ovpn_tx_res *res, uint16_t from, uint16_t to)
{
	struct ovpn_key_slot *s = ctx->slot[from];
	uint32_t first;

	if (unlikely(ovpn_key_tx_reserve(s, to - from, &first) < 0)) {
		for (uint16_t j = from; j < to; j++) {
			uint16_t i = ctx->idx[j];

			tx_drop(ctx, peers[i], &pkts[i], &res[i], OVPN_DROP_KEY_EXHAUSTED);
			ctx->ops[j].m = NULL;
		}
		return;
	}
	for (uint16_t j = from; j < to; j++) {
		struct ovpn_data_v2_hdr *h =
			rte_pktmbuf_mtod(ctx->ops[j].m, struct ovpn_data_v2_hdr *);

		ovpn_data_v2_hdr_build(h, s->key_id, peers[ctx->idx[j]]->id, first + (j - from));
		op_set_iv(&ctx->ops[j], h, s->encrypt_tail);
	}
}

/* Drop the ops marked m == NULL by encap_run(), keeping the order; the new count. */
static uint16_t
ops_compact(struct ovpn_data_ctx *ctx, uint16_t nops)
{
	uint16_t k = 0;

	for (uint16_t j = 0; j < nops; j++) {
		if (ctx->ops[j].m == NULL)
			continue;
		if (k != j) {
			ctx->ops[k] = ctx->ops[j];
			ctx->slot[k] = ctx->slot[j];
			ctx->m[k] = ctx->m[j];
			ctx->idx[k] = ctx->idx[j];
		}
		k++;
	}
	return k;
}

/* Packet @p i was sealed (or failed to be) with slot @p s: counters, or the drop. */
static void
encap_finish(struct ovpn_data_ctx *ctx, struct ovpn_key_slot *s, int32_t status,
	     struct ovpn_peer *p, struct rte_mbuf **m, struct ovpn_tx_res *res,
	     struct chunk_sums *sum)
{
	uint32_t len;

	if (unlikely(status != 0)) {
		if (status == STATUS_UNSEEN)
			*m = NULL;	/* -ETIMEDOUT: the AEAD ctx owns the mbuf now */
		tx_drop(ctx, p, m, res, OVPN_DROP_CRYPTO);
		return;
	}
	len = rte_pktmbuf_pkt_len(*m);
	ovpn_key_sealed(s, len - OVPN_DATA_V2_HDR_LEN);
	ovpn_peer_count_tx(p, len, ctx->now_s);
	sum->pkts++;
	sum->bytes += len;
	res->verdict = OVPN_TX_SEALED;
}

static uint16_t
encap_chunk(struct ovpn_data_ctx *ctx, struct rte_mbuf **pkts, struct ovpn_peer *const *peers,
	    struct ovpn_tx_res *res, uint16_t n)
{
	struct chunk_sums sum = { 0, 0, 0 };
	uint16_t nops = 0, good, from = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct ovpn_key_slot *s = encap_prepare(ctx, peers[i], &pkts[i], &res[i]);
		struct ft_aead_op *op;

		if (s == NULL)
			continue;
		if (nops < DATA_PREFETCH_HEAD)
			prefetch_head(pkts[i]);
		op = op_add(ctx, nops++, i, pkts[i], s);
		op->key = s->encrypt;
	}
	/* One reservation per run of consecutive packets sealed with the same key. */
	for (uint16_t j = 1; j <= nops; j++) {
		if (j == nops || ctx->slot[j] != ctx->slot[from]) {
			encap_run(ctx, pkts, peers, res, from, j);
			from = j;
		}
	}
	nops = ops_compact(ctx, nops);
	if (nops == 0)
		return 0;
	good = ft_aead_seal_burst(ctx->conf.aead, ctx->ops, nops);
	collect_status(ctx, nops, good);
	for (uint16_t j = 0; j < nops; j++) {
		uint16_t i = ctx->idx[j];

		encap_finish(ctx, ctx->slot[j], ctx->status[j], peers[i], &pkts[i], &res[i],
			     &sum);
	}
	ovpn_ctr_add(&ctx->stats.tx_pkts, sum.pkts);
	ovpn_ctr_add(&ctx->stats.tx_bytes, sum.bytes);
	return (uint16_t)sum.pkts;
}

uint16_t
ovpn_data_encap_burst(struct ovpn_data_ctx *ctx, struct rte_mbuf **pkts,
		      struct ovpn_peer *const *peers, struct ovpn_tx_res *res, uint16_t n)
{
	uint16_t done = 0, nsealed = 0;

	while (done < n) {
		uint16_t c = RTE_MIN((uint16_t)(n - done), (uint16_t)OVPN_DATA_BURST_MAX);

		nsealed += encap_chunk(ctx, pkts + done, peers + done, res + done, c);
		done += c;
	}
	return nsealed;
}

int
ovpn_data_ping_build(struct rte_mbuf *m)
{
	static const uint8_t magic[OVPN_PING_LEN] = OVPN_PING_MAGIC;
	char *p;

	if (rte_pktmbuf_pkt_len(m) != 0)
		return -EINVAL;
	p = rte_pktmbuf_append(m, OVPN_PING_LEN);
	if (p == NULL)
		return -ENOSPC;
	memcpy(p, magic, OVPN_PING_LEN);
	return 0;
}

uint16_t
ovpn_data_ping(struct ovpn_data_ctx *ctx, struct ovpn_peer *peer, struct rte_mbuf *m,
	       struct ovpn_tx_res *res)
{
	if (ovpn_data_ping_build(m) < 0) {
		tx_drop(ctx, peer, &m, res, OVPN_DROP_MALFORMED);
		return 0;
	}
	return ovpn_data_encap_burst(ctx, &m, &peer, res, 1);
}
