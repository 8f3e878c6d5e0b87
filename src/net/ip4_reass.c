/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 reassembly (RFC 791 §3.2) of datagrams addressed to the stack, bounded in every
 * dimension: datagrams in progress, fragments per datagram, time (RFC 1122 §3.3.2), and
 * mbuf segments per result. Fragments are keyed by (src, dst, id, proto), kept sorted by
 * offset in a per-datagram array preallocated at create time, and chained without copying
 * when the datagram is complete. Any overlap discards the whole datagram: RFC 5722's rule
 * for IPv6, applied to IPv4 because overlaps only come from attacks (teardrop, RFC 1858
 * tiny/overlapping fragments) or broken senders. Instead of RFC 815's hole list we keep a
 * byte count: with overlaps refused, "bytes held == datagram length" means "no hole left".
 * Not here: validating the header (ipv4.c does that before calling us), forwarding or
 * fragmenting on output, and ICMP Time Exceeded on timeout (RFC 1122 §3.3.2; TODO(reass):
 * hand the offset-0 fragment back to the caller so icmp.c can send it). RFC 4963 explains
 * why the timeout should stay short: IP IDs wrap quickly at high rates.
 *
 * Fragment fields (RFC 791 §3.1), the 16-bit word at byte 6 of the IPv4 header:
 *
 *    0   1   2   3                                                  15
 *  +---+---+---+------------------------------------------------------+
 *  | 0 |DF |MF |         Fragment Offset, in 8-byte units             |
 *  +---+---+---+------------------------------------------------------+
 *
 * A fragment carries payload bytes [off, end) of the datagram, off = Fragment Offset * 8 and
 * end = off + total length - IHL * 4. Every fragment but the last (MF = 0) carries a multiple
 * of 8 bytes; the last fixes the payload length at its end. The offset-0 fragment's header,
 * options included, becomes the header of the datagram.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include <fasttcp/ft_stats.h>

#include "core/stats.h"
#include "net/ip4_reass.h"

#define NIL UINT32_MAX  /* end of a chain or list of entry indices */

struct reass_key {
	rte_be32_t src;
	rte_be32_t dst;
	rte_be16_t id;
	uint8_t proto;
};

/* One held fragment: payload bytes [off, end) of the datagram. */
struct reass_frag {
	struct rte_mbuf *m;
	uint32_t off;
	uint32_t end;
};

/* One datagram in progress. Its fragments are sorted by offset and never overlap. */
struct reass_entry {
	struct reass_key key;
	uint64_t first_tsc;        /* arrival of the first fragment: the timeout runs from it */
	uint32_t bucket;
	uint32_t hnext;            /* hash chain while in use, free list otherwise */
	uint32_t age_prev;         /* age list, oldest first */
	uint32_t age_next;
	uint32_t held_bytes;       /* payload held; no overlaps, so nothing counted twice */
	uint32_t max_end;          /* largest end held, 0 when none */
	uint32_t last_end;         /* end of the MF = 0 fragment, 0 until it arrives */
	uint32_t nb_segs;          /* mbuf segments held, kept <= RTE_MBUF_MAX_NB_SEGS */
	uint16_t nb_frags;
	struct reass_frag *frags;  /* max_frags slots in ft_reass.frags */
};

struct ft_reass {
	uint64_t timeout_tsc;
	uint32_t max_datagrams;
	uint16_t max_frags;
	uint32_t bucket_mask;
	uint32_t hash_seed;        /* random, so chain lengths cannot be steered from outside */
	uint32_t count;
	uint32_t free_head;
	uint32_t age_head;         /* entries join at the tail: first_tsc never decreases */
	uint32_t age_tail;
	uint32_t *buckets;
	struct reass_entry *entries;
	struct reass_frag *frags;
};

/* What ft_reass_input() learns from the header. */
struct frag_info {
	struct reass_key key;
	uint32_t off;
	uint32_t end;
	bool last;
};

/* How a new fragment fits the fragments held. */
enum frag_fit {
	FIT_OK,
	FIT_DUP,       /* same offset and same length as one held */
	FIT_CONFLICT,  /* overlap, or disagreement about where the datagram ends */
};

static bool
key_eq(const struct reass_key *a, const struct reass_key *b)
{
	return a->src == b->src && a->dst == b->dst && a->id == b->id && a->proto == b->proto;
}

static uint32_t
key_bucket(const struct ft_reass *r, const struct reass_key *k)
{
	uint32_t idp = (uint32_t)k->id << 8 | k->proto;

	return rte_jhash_3words(k->src, k->dst, idp, r->hash_seed) & r->bucket_mask;
}

static bool
is_fragment(const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);

	return (ip->fragment_offset &
		rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0;
}

/*
 * Read the fragment fields; false for a malformed fragment (FRAG_BAD): no payload, the
 * header not contiguous in the first segment, an end past 65535, or a non-last fragment
 * whose length is not a multiple of 8 (the next offset could not be expressed).
 */
static bool
parse_frag(const struct rte_mbuf *m, struct frag_info *fi)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint16_t frag = rte_be_to_cpu_16(ip->fragment_offset);
	uint32_t ihl = rte_ipv4_hdr_len(ip);
	uint32_t len;

	fi->key = (struct reass_key){ .src = ip->src_addr, .dst = ip->dst_addr,
				      .id = ip->packet_id, .proto = ip->next_proto_id };
	fi->off = (uint32_t)(frag & RTE_IPV4_HDR_OFFSET_MASK) * RTE_IPV4_HDR_OFFSET_UNITS;
	fi->last = (frag & RTE_IPV4_HDR_MF_FLAG) == 0;
	if (unlikely(rte_pktmbuf_data_len(m) < ihl || rte_pktmbuf_pkt_len(m) <= ihl))
		return false;
	len = rte_pktmbuf_pkt_len(m) - ihl;
	if (unlikely(len > RTE_IPV4_MAX_PKT_LEN - fi->off))
		return false;
	if (unlikely(!fi->last && len % RTE_IPV4_HDR_OFFSET_UNITS != 0))
		return false;
	fi->end = fi->off + len;
	return true;
}

static bool
is_expired(const struct ft_reass *r, const struct reass_entry *e, uint64_t now)
{
	return now >= e->first_tsc && now - e->first_tsc >= r->timeout_tsc;
}

/* Take a free entry for @p k into bucket @p b and the age tail; NULL when none is free. */
static struct reass_entry *
entry_new(struct ft_reass *r, const struct reass_key *k, uint32_t b, uint64_t now)
{
	uint32_t i = r->free_head;
	struct reass_entry *e;

	if (i == NIL)
		return NULL;
	e = &r->entries[i];
	r->free_head = e->hnext;
	e->key = *k;
	e->first_tsc = now;
	e->bucket = b;
	e->held_bytes = 0;
	e->max_end = 0;
	e->last_end = 0;
	e->nb_segs = 0;
	e->nb_frags = 0;
	e->hnext = r->buckets[b];
	r->buckets[b] = i;
	e->age_next = NIL;
	e->age_prev = r->age_tail;
	if (r->age_tail == NIL)
		r->age_head = i;
	else
		r->entries[r->age_tail].age_next = i;
	r->age_tail = i;
	r->count++;
	return e;
}

/* Unlink @p e from its bucket and the age list and return it to the free list. */
static void
entry_del(struct ft_reass *r, struct reass_entry *e)
{
	uint32_t i = (uint32_t)(e - r->entries);
	uint32_t *p = &r->buckets[e->bucket];

	while (*p != i)  /* e is on this chain: the walk ends at it */
		p = &r->entries[*p].hnext;
	*p = e->hnext;
	if (e->age_prev == NIL)
		r->age_head = e->age_next;
	else
		r->entries[e->age_prev].age_next = e->age_next;
	if (e->age_next == NIL)
		r->age_tail = e->age_prev;
	else
		r->entries[e->age_next].age_prev = e->age_prev;
	e->nb_frags = 0;
	e->hnext = r->free_head;
	r->free_head = i;
	r->count--;
}

/* Drop every fragment of @p e, each counted under @p why, and free the entry. */
static void
entry_discard(struct ft_reass *r, struct reass_entry *e, enum ft_drop_reason why,
	      struct ft_stats *st)
{
	uint16_t i;

	for (i = 0; i < e->nb_frags; i++)
		ft_stats_drop(st, e->frags[i].m, why);
	entry_del(r, e);
}

/* The datagram for @p k, created if new; NULL when it is new and the table is full. */
static struct reass_entry *
entry_get(struct ft_reass *r, const struct reass_key *k, uint64_t now)
{
	uint32_t b = key_bucket(r, k);
	uint32_t i;

	for (i = r->buckets[b]; i != NIL; i = r->entries[i].hnext)
		if (key_eq(&r->entries[i].key, k))
			return &r->entries[i];
	return entry_new(r, k, b, now);
}

/* Index of the first held fragment whose offset is >= @p off. */
static uint16_t
frag_pos(const struct reass_entry *e, uint32_t off)
{
	uint16_t lo = 0;
	uint16_t hi = e->nb_frags;

	/* In-order arrival, the usual case, appends without searching. */
	if (hi == 0 || e->frags[hi - 1].off < off)
		return hi;
	while (lo < hi) {
		uint16_t mid = lo + (hi - lo) / 2;

		if (e->frags[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Does @p fi contradict the datagram's end? Only the MF = 0 fragment may reach the end and
 * nothing may pass it, so: a second last fragment with another end, a last fragment ending
 * at or before data already held (what is held there claims more follows), or an MF = 1
 * fragment reaching the known end.
 */
static bool
end_conflicts(const struct reass_entry *e, const struct frag_info *fi)
{
	if (fi->last && e->last_end != 0)
		return fi->end != e->last_end;
	if (fi->last)
		return e->nb_frags != 0 && fi->end <= e->max_end;
	return e->last_end != 0 && fi->end >= e->last_end;
}

/* Classify @p fi against the held fragments; *pos is where it goes if FIT_OK. */
static enum frag_fit
frag_fit(const struct reass_entry *e, const struct frag_info *fi, uint16_t *pos)
{
	uint16_t i = frag_pos(e, fi->off);

	*pos = i;
	if (end_conflicts(e, fi))
		return FIT_CONFLICT;
	if (i < e->nb_frags && e->frags[i].off == fi->off && e->frags[i].end == fi->end)
		return FIT_DUP;
	if (i > 0 && e->frags[i - 1].end > fi->off)
		return FIT_CONFLICT;
	if (i < e->nb_frags && e->frags[i].off < fi->end)
		return FIT_CONFLICT;
	return FIT_OK;
}

static void
frag_insert(struct reass_entry *e, uint16_t pos, struct rte_mbuf *m, const struct frag_info *fi)
{
	memmove(&e->frags[pos + 1], &e->frags[pos], (e->nb_frags - pos) * sizeof(e->frags[0]));
	e->frags[pos] = (struct reass_frag){ .m = m, .off = fi->off, .end = fi->end };
	e->nb_frags++;
	e->nb_segs += m->nb_segs;
	e->held_bytes += fi->end - fi->off;
	e->max_end = RTE_MAX(e->max_end, fi->end);
	if (fi->last)
		e->last_end = fi->end;
}

/*
 * Chain the fragments of complete datagram @p e behind the offset-0 one and rewrite its
 * header. The result may still be too long: only now is the offset-0 header length known,
 * and header + payload must fit the 16-bit total length (RFC 791; the "ping of death").
 */
static struct rte_mbuf *
entry_complete(struct ft_reass *r, struct reass_entry *e, struct ft_stats *st)
{
	struct rte_mbuf *head = e->frags[0].m;
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(head, struct rte_ipv4_hdr *);
	uint16_t i;

	if (unlikely(rte_ipv4_hdr_len(ip) + e->last_end > RTE_IPV4_MAX_PKT_LEN)) {
		entry_discard(r, e, FT_DROP_FRAG_BAD, st);
		return NULL;
	}
	for (i = 1; i < e->nb_frags; i++) {
		struct rte_mbuf *t = e->frags[i].m;
		const struct rte_ipv4_hdr *tip = rte_pktmbuf_mtod(t, const struct rte_ipv4_hdr *);

		/* Neither can fail: parse_frag() checked the header is in the first segment,
		 * and ft_reass_input() keeps the segment total within RTE_MBUF_MAX_NB_SEGS. */
		rte_pktmbuf_adj(t, rte_ipv4_hdr_len(tip));
		rte_pktmbuf_chain(head, t);
	}
	ip->total_length = rte_cpu_to_be_16((uint16_t)rte_pktmbuf_pkt_len(head));
	ip->fragment_offset &= rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	/* No NIC saw the whole datagram: its L4 checksum status and type are unknown. */
	head->ol_flags &= ~RTE_MBUF_F_RX_L4_CKSUM_MASK;
	head->packet_type &= ~RTE_PTYPE_L4_MASK;
	entry_del(r, e);
	st->ip_reassembled++;
	return head;
}

static bool
conf_is_valid(const struct ft_reass_conf *conf)
{
	return conf != NULL && conf->max_datagrams >= 1 &&
	       conf->max_datagrams <= FT_REASS_MAX_DATAGRAMS && conf->max_frags >= 2 &&
	       conf->max_frags <= FT_REASS_MAX_FRAGS && conf->timeout_tsc > 0;
}

static void
table_init(struct ft_reass *r, const struct ft_reass_conf *conf, uint32_t nb_buckets)
{
	uint32_t i;

	r->timeout_tsc = conf->timeout_tsc;
	r->max_datagrams = conf->max_datagrams;
	r->max_frags = conf->max_frags;
	r->bucket_mask = nb_buckets - 1;
	r->hash_seed = (uint32_t)rte_rand();
	r->count = 0;
	r->age_head = NIL;
	r->age_tail = NIL;
	for (i = 0; i < nb_buckets; i++)
		r->buckets[i] = NIL;
	for (i = 0; i < conf->max_datagrams; i++) {
		r->entries[i].frags = &r->frags[(size_t)i * conf->max_frags];
		r->entries[i].hnext = i + 1 < conf->max_datagrams ? i + 1 : NIL;
	}
	r->free_head = 0;
}

struct ft_reass *
ft_reass_create(const struct ft_reass_conf *conf, int socket_id)
{
	struct ft_reass *r;
	uint32_t nb_buckets;

	if (!conf_is_valid(conf)) {
		rte_errno = EINVAL;
		return NULL;
	}
	/* Load factor <= 1/2 keeps chains short; the random seed keeps them short under attack. */
	nb_buckets = rte_align32pow2(conf->max_datagrams * 2);
	r = rte_zmalloc_socket("ft_reass", sizeof(*r), RTE_CACHE_LINE_SIZE, socket_id);
	if (r == NULL)
		goto err_nomem;
	r->buckets = rte_malloc_socket("ft_reass_buckets", nb_buckets * sizeof(r->buckets[0]),
				       RTE_CACHE_LINE_SIZE, socket_id);
	if (r->buckets == NULL)
		goto err_free_table;
	r->entries = rte_zmalloc_socket("ft_reass_entries",
					conf->max_datagrams * sizeof(r->entries[0]),
					RTE_CACHE_LINE_SIZE, socket_id);
	if (r->entries == NULL)
		goto err_free_buckets;
	r->frags = rte_zmalloc_socket("ft_reass_frags",
				      (size_t)conf->max_datagrams * conf->max_frags *
				      sizeof(r->frags[0]), RTE_CACHE_LINE_SIZE, socket_id);
	if (r->frags == NULL)
		goto err_free_entries;
	table_init(r, conf, nb_buckets);
	return r;

err_free_entries:
	rte_free(r->entries);
err_free_buckets:
	rte_free(r->buckets);
err_free_table:
	rte_free(r);
err_nomem:
	rte_errno = ENOMEM;
	return NULL;
}

void
ft_reass_destroy(struct ft_reass *r)
{
	uint32_t i;
	uint16_t j;

	if (r == NULL)
		return;
	for (i = r->age_head; i != NIL; i = r->entries[i].age_next)
		for (j = 0; j < r->entries[i].nb_frags; j++)
			rte_pktmbuf_free(r->entries[i].frags[j].m);
	rte_free(r->frags);
	rte_free(r->entries);
	rte_free(r->buckets);
	rte_free(r);
}

struct rte_mbuf *
ft_reass_input(struct ft_reass *r, struct rte_mbuf *m, uint64_t now, struct ft_stats *st)
{
	enum ft_drop_reason why;
	struct frag_info fi;
	struct reass_entry *e;
	uint16_t pos;

	if (!is_fragment(m))
		return m;
	why = FT_DROP_FRAG_BAD;
	if (unlikely(!parse_frag(m, &fi)))
		goto drop;
	/* Expire first: a full table may free up, and a stale datagram with this key (the ID
	 * may have wrapped, RFC 4963) must not absorb the new fragment. */
	ft_reass_expire(r, now, st);
	why = FT_DROP_FRAG_TABLE_FULL;
	e = entry_get(r, &fi.key, now);
	if (unlikely(e == NULL))
		goto drop;
	switch (frag_fit(e, &fi, &pos)) {
	case FIT_DUP:
		why = FT_DROP_FRAG_DUP;
		goto drop;
	case FIT_CONFLICT:
		why = FT_DROP_FRAG_OVERLAP;
		goto drop_datagram;
	case FIT_OK:
		break;
	}
	why = FT_DROP_FRAG_TOO_MANY;
	if (unlikely(e->nb_frags == r->max_frags ||
		     e->nb_segs + m->nb_segs > RTE_MBUF_MAX_NB_SEGS))
		goto drop_datagram;
	frag_insert(e, pos, m, &fi);
	if (e->last_end == 0 || e->held_bytes != e->last_end)
		return NULL;
	return entry_complete(r, e, st);

drop_datagram:
	entry_discard(r, e, why, st);
drop:
	ft_stats_drop(st, m, why);
	return NULL;
}

void
ft_reass_expire(struct ft_reass *r, uint64_t now, struct ft_stats *st)
{
	/* The age list is oldest first, so the walk stops at the first live entry; each step
	 * frees an entry, which bounds the loop by max_datagrams. */
	while (r->age_head != NIL && is_expired(r, &r->entries[r->age_head], now))
		entry_discard(r, &r->entries[r->age_head], FT_DROP_FRAG_TIMEOUT, st);
}

uint32_t
ft_reass_count(const struct ft_reass *r)
{
	return r->count;
}
