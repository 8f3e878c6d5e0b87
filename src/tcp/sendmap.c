/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sendmap (tcp-design.md §1; RFC 6675 §4 pipe, RFC 8985 §6 per-segment state): the entry
 * pool, the two intrusive orderings (a treap plus a circular list by sequence, a circular list
 * by transmission time), sends with tail extension, retransmissions and output's splits,
 * cumulative ACKs with renege detection (RFC 2018 §8), loss marking and the lost cursor, RTO
 * marking (RFC 6298 §5, RFC 8985 §6.3) and lookups. The contracts are in sendmap.h.
 *
 * What it does not do: apply SACK blocks, detect D-SACKs, shift or merge on SACK, or run SACK
 * attack detection (sack.c; ft_sm_cumack() only reports its progress there), check the
 * invariants (sendmap_check.c), decide what is lost (rack.c calls ft_sm_mark_lost(); the RTO is
 * timer.c's), take RTT samples or run RACK_update (the deliver callback hands the pieces to
 * the caller), build or send segments (output.c), or touch payload (sndbuf.c: an entry's data
 * is at offset start - una).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "tcp/sendmap.h"
#include "tcp/sendmap_int.h"
#include "tcp/seq.h"

/* ---- pool ---- */

void
ft_sm_params_init(struct ft_sm_params *p)
{
	p->sad_ack_ratio = 700;
	p->sad_move_ratio = 600;
	p->sad_restore_ratio = 450;
	p->sad_decay_per = 800;
	p->sad_map_min = 500;
	p->sad_min_blocks = 16;
	p->sad_seg_size_per = 800;
	p->sad_enable = 1;
	p->rto_clear_backoffs = 3;
}

void
ft_sm_pool_conf_init(struct ft_sm_pool_conf *conf, uint32_t capacity)
{
	memset(conf, 0, sizeof(*conf));
	conf->capacity = capacity;
	conf->seed = UINT64_C(0x9e3779b97f4a7c15);
	ft_sm_params_init(&conf->params);
}

static void *
libc_alloc(size_t size, size_t align, void *ctx)
{
	void *p;

	RTE_SET_USED(ctx);
	return posix_memalign(&p, align, size) == 0 ? p : NULL;
}

static void
libc_free(void *p, void *ctx)
{
	RTE_SET_USED(ctx);
	free(p);
}

struct ft_sm_pool *
ft_sm_pool_create(const struct ft_sm_pool_conf *conf)
{
	size_t hdr = RTE_ALIGN_CEIL(sizeof(struct ft_sm_pool), 64);
	ft_sm_alloc_fn *alloc = conf->alloc != NULL ? conf->alloc : libc_alloc;
	struct ft_sm_pool *p;
	uint32_t i;

	if (conf->capacity == 0 || conf->capacity > (1u << 31)) {
		rte_errno = EINVAL;
		return NULL;
	}
	p = alloc(hdr + ((size_t)conf->capacity + 1) * sizeof(struct ft_sm_entry), 64, conf->ctx);
	if (p == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	memset(p, 0, hdr);
	p->ents = (struct ft_sm_entry *)((char *)p + hdr);
	memset(&p->ents[0], 0, sizeof(p->ents[0]));
	for (i = 1; i <= conf->capacity; i++)
		p->ents[i].s_next = i < conf->capacity ? i + 1 : 0;
	p->capacity = conf->capacity;
	p->n_free = conf->capacity;
	p->free_head = 1;
	p->rng = (uint32_t)(conf->seed ^ (conf->seed >> 32)) | 1;
	p->free = conf->free != NULL ? conf->free : libc_free;
	p->ctx = conf->ctx;
	p->params = conf->params;
	return p;
}

void
ft_sm_pool_destroy(struct ft_sm_pool *p)
{
	if (p != NULL)
		p->free(p, p->ctx);
}

/*
 * Room for @p need entries split by our own output (retransmission, ft_sm_split): up to twice
 * the cap, so output never wedges on a map a SACK storm filled to the cap (FreeBSD's emergency
 * reserve, tcp-design.md §1.5). These splits cut MSS-sized pieces of data we chose to resend,
 * so they are bounded by window / MSS, which a cap sized like the design's 2 * window / MSS
 * + 64 already exceeds: the second half is never reached by retransmissions alone.
 */
static bool
room_output(struct ft_sendmap *sm, uint32_t need)
{
	if ((uint64_t)sm->n_entries + need > 2 * (uint64_t)sm->max_entries)
		return false;
	if (sm->pool->n_free < need) {
		sm->pool->stats.pool_empty++;
		return false;
	}
	return true;
}

/* Take an entry (room() was checked): only the treap priority is set. */
static uint32_t
ent_get(struct ft_sendmap *sm)
{
	struct ft_sm_pool *p = sm->pool;
	uint32_t i = p->free_head;
	uint32_t r = p->rng;

	p->free_head = p->ents[i].s_next;
	p->n_free--;
	sm->n_entries++;
	r ^= r << 13; /* xorshift32 */
	r ^= r >> 17;
	r ^= r << 5;
	p->rng = r;
	p->ents[i].prio = r;
	return i;
}

static void
ent_put(struct ft_sendmap *sm, uint32_t i)
{
	struct ft_sm_pool *p = sm->pool;

	p->ents[i].s_next = p->free_head;
	p->free_head = i;
	p->n_free++;
	sm->n_entries--;
}

/* ---- treap by start: a BST whose priorities form a max-heap ---- */

static void
set_child(struct ft_sendmap *sm, uint32_t parent, uint32_t old, uint32_t new)
{
	if (parent == 0)
		sm->root = new;
	else if (ent(sm, parent)->left == old)
		ent(sm, parent)->left = new;
	else
		ent(sm, parent)->right = new;
}

/* Rotate @p y above its parent. */
static void
rotate_up(struct ft_sendmap *sm, uint32_t y)
{
	struct ft_sm_entry *ey = ent(sm, y);
	uint32_t p = ey->parent;
	struct ft_sm_entry *ep = ent(sm, p);
	uint32_t g = ep->parent;

	if (ep->left == y) {
		ep->left = ey->right;
		if (ey->right != 0)
			ent(sm, ey->right)->parent = p;
		ey->right = p;
	} else {
		ep->right = ey->left;
		if (ey->left != 0)
			ent(sm, ey->left)->parent = p;
		ey->left = p;
	}
	ep->parent = y;
	ey->parent = g;
	set_child(sm, g, p, y);
}

/*
 * Insert @p y as the in-order successor of @p x (0: into an empty tree). The successor slot is
 * x's right child when x has none, else the left child of x's list successor (the leftmost node
 * of x's right subtree, which has no left child): O(1) to place, then expected O(1) rotations.
 */
static void
treap_insert_after(struct ft_sendmap *sm, uint32_t x, uint32_t y)
{
	struct ft_sm_entry *ey = ent(sm, y);

	ey->left = ey->right = 0;
	if (x == 0) {
		ey->parent = 0;
		sm->root = y;
		return;
	}
	if (ent(sm, x)->right == 0) {
		ent(sm, x)->right = y;
		ey->parent = x;
	} else {
		uint32_t z = ent(sm, x)->s_next;

		ent(sm, z)->left = y;
		ey->parent = z;
	}
	while (ey->parent != 0 && ent(sm, ey->parent)->prio < ey->prio)
		rotate_up(sm, y);
}

/* Remove @p x: rotate it down until it has at most one child, then splice. The minimum has no
 * left child, so removing the first entry never rotates. */
static void
treap_remove(struct ft_sendmap *sm, uint32_t x)
{
	struct ft_sm_entry *ex = ent(sm, x);
	uint32_t child;

	while (ex->left != 0 && ex->right != 0) {
		if (ent(sm, ex->left)->prio > ent(sm, ex->right)->prio)
			rotate_up(sm, ex->left);
		else
			rotate_up(sm, ex->right);
	}
	child = ex->left != 0 ? ex->left : ex->right;
	if (child != 0)
		ent(sm, child)->parent = ex->parent;
	set_child(sm, ex->parent, x, child);
}

/* ---- sequence list (circular; sm->last is the tail, its s_next the head) ---- */

static void
seq_insert_after(struct ft_sendmap *sm, uint32_t x, uint32_t y)
{
	struct ft_sm_entry *ey = ent(sm, y);

	if (x == 0) {
		ey->s_next = ey->s_prev = y;
		sm->last = y;
		return;
	}
	ey->s_prev = x;
	ey->s_next = ent(sm, x)->s_next;
	ent(sm, ey->s_next)->s_prev = y;
	ent(sm, x)->s_next = y;
	if (sm->last == x)
		sm->last = y;
}

static void
seq_unlink(struct ft_sendmap *sm, uint32_t x)
{
	struct ft_sm_entry *ex = ent(sm, x);

	if (ex->s_next == x) {
		sm->last = 0;
		return;
	}
	ent(sm, ex->s_prev)->s_next = ex->s_next;
	ent(sm, ex->s_next)->s_prev = ex->s_prev;
	if (sm->last == x)
		sm->last = ex->s_prev;
}

/* ---- tmap (circular; sm->tmap is the oldest, its t_prev the newest) ---- */

/* Insert @p y before @p t (0: at the tail). */
static void
tmap_insert_before(struct ft_sendmap *sm, uint32_t t, uint32_t y)
{
	struct ft_sm_entry *ey = ent(sm, y);
	uint32_t n = t != 0 ? t : sm->tmap;

	if (n == 0) {
		ey->t_next = ey->t_prev = y;
		sm->tmap = y;
		return;
	}
	ey->t_next = n;
	ey->t_prev = ent(sm, n)->t_prev;
	ent(sm, ey->t_prev)->t_next = y;
	ent(sm, n)->t_prev = y;
	if (t != 0 && t == sm->tmap)
		sm->tmap = y;
}

/* tmap order: latest transmission, then sequence. */
static bool
tkey_lt(const struct ft_sm_entry *a, const struct ft_sm_entry *b)
{
	return a->xmit_ts < b->xmit_ts || (a->xmit_ts == b->xmit_ts && ft_seq_lt(a->start, b->start));
}

/* Stable bottom-up merge sort of a 0-terminated chain linked through t_next (no recursion, no
 * allocation; O(k log k)). */
static uint32_t
chain_sort(struct ft_sendmap *sm, uint32_t head)
{
	for (uint32_t insize = 1;; insize *= 2) {
		uint32_t p = head, tail = 0, nmerges = 0;

		head = 0;
		while (p != 0) {
			uint32_t q = p, psize = 0, qsize = insize;

			nmerges++;
			while (psize < insize && q != 0) {
				psize++;
				q = ent(sm, q)->t_next;
			}
			while (psize > 0 || (qsize > 0 && q != 0)) {
				uint32_t e;

				if (psize == 0 || (qsize > 0 && q != 0 &&
						   tkey_lt(ent(sm, q), ent(sm, p)))) {
					e = q;
					q = ent(sm, q)->t_next;
					qsize--;
				} else {
					e = p;
					p = ent(sm, p)->t_next;
					psize--;
				}
				if (tail != 0)
					ent(sm, tail)->t_next = e;
				else
					head = e;
				tail = e;
			}
			p = q;
		}
		if (tail != 0)
			ent(sm, tail)->t_next = 0;
		if (nmerges <= 1)
			return head;
	}
}

/* Put the entries of @p chain (not on the tmap, linked through t_next) on the tmap in order.
 * Cost: sorting the chain plus walking the tmap up to the last insertion point. */
static void
tmap_insert_chain(struct ft_sendmap *sm, uint32_t chain)
{
	uint32_t t = sm->tmap;

	chain = chain_sort(sm, chain);
	while (chain != 0) {
		uint32_t c = chain;

		chain = ent(sm, c)->t_next;
		while (t != 0 && !tkey_lt(ent(sm, c), ent(sm, t)))
			t = ent(sm, t)->t_next == sm->tmap ? 0 : ent(sm, t)->t_next;
		tmap_insert_before(sm, t, c);
	}
}

/* Rebuild the tmap from every un-SACKed entry (RTO clear, attack mode). */
void
ft_sm_tmap_rebuild(struct ft_sendmap *sm)
{
	uint32_t chain = 0, tail = 0;
	struct ft_sm_entry *e;

	sm->tmap = 0;
	for (e = ft_sm_first(sm); e != NULL; e = ft_sm_next(sm, e)) {
		if (e->flags & FT_SM_SACKED)
			continue;
		e->t_next = 0;
		if (tail != 0)
			ent(sm, tail)->t_next = idx(sm, e);
		else
			chain = idx(sm, e);
		tail = idx(sm, e);
	}
	tmap_insert_chain(sm, chain);
}

/* ---- entries: split, removal, merge ---- */

/* Split @p x at @p at; room() was checked. @return the right piece's index. */
uint32_t
ft_sm_split_at(struct ft_sendmap *sm, uint32_t x, uint32_t at)
{
	uint32_t y = ent_get(sm);
	struct ft_sm_entry *ex = ent(sm, x), *ey = ent(sm, y);

	ey->start = at;
	ey->end = ex->end;
	ey->xmit_ts = ex->xmit_ts;
	ey->first_xmit_ts = ex->first_xmit_ts;
	ey->flags = ex->flags & ~FT_SM_HAS_SYN;
	ey->rexmit = ex->rexmit;
	ey->spare = 0;
	ey->user = ex->user;
	ex->flags &= ~(FT_SM_HAS_FIN | FT_SM_PUSH | FT_SM_APP_LIMITED);
	ex->end = at;
	treap_insert_after(sm, x, y); /* first: it reads x's list successor */
	seq_insert_after(sm, x, y);
	ey->t_next = ey->t_prev = 0;
	if (ex->t_next != 0)
		tmap_insert_before(sm, ex->t_next == sm->tmap ? 0 : ex->t_next, y);
	sm->pool->stats.splits++;
	return y;
}

static bool
is_first(const struct ft_sendmap *sm, uint32_t x)
{
	return ent(sm, sm->last)->s_next == x;
}

/* Unlink @p x from everything and free it (its bytes are accounted by the caller). */
static void
remove_entry(struct ft_sendmap *sm, uint32_t x)
{
	uint32_t prev = is_first(sm, x) ? 0 : ent(sm, x)->s_prev;

	if (ent(sm, x)->t_next != 0)
		tmap_unlink(sm, x);
	if (sm->hint == x)
		sm->hint = prev;
	if (sm->lost_cur == x)
		sm->lost_cur = prev;
	seq_unlink(sm, x);
	treap_remove(sm, x);
	ent_put(sm, x);
}

/* Merge @p r into its predecessor @p l (same state flags; counters are unchanged). */
void
ft_sm_merge_into(struct ft_sendmap *sm, uint32_t l, uint32_t r)
{
	struct ft_sm_entry *el = ent(sm, l), *er = ent(sm, r);

	absorb(el, er);
	el->flags |= er->flags & (FT_SM_HAS_FIN | FT_SM_PUSH | FT_SM_APP_LIMITED);
	el->end = er->end;
	remove_entry(sm, r);
	sm->pool->stats.merges++;
}

/* ---- connection ---- */

void
ft_sm_init(struct ft_sendmap *sm, struct ft_sm_pool *pool, uint32_t max_entries)
{
	memset(sm, 0, sizeof(*sm));
	sm->pool = pool;
	sm->max_entries = max_entries;
	sm->mss = 536;
}

void
ft_sm_free_all(struct ft_sendmap *sm)
{
	struct ft_sm_pool *p = sm->pool;

	if (sm->last != 0) {
		/* The sequence list is a ring: cut it after the last entry and hang the free list
		 * there. */
		uint32_t first = p->ents[sm->last].s_next;

		p->ents[sm->last].s_next = p->free_head;
		p->free_head = first;
		p->n_free += sm->n_entries;
	}
	sm->root = sm->last = sm->tmap = sm->hint = sm->lost_cur = 0;
	sm->n_entries = 0;
	sm->una = sm->max;
	sm->sacked_bytes = sm->lost_bytes = sm->orig_lost_bytes = sm->retrans_out = 0;
}

static bool
can_extend(const struct ft_sendmap *sm, const struct ft_sm_entry *t, uint64_t now_us,
	   uint16_t flags)
{
	const uint16_t no = FT_SM_STATE_FLAGS | FT_SM_RETRANS | FT_SM_WAS_SACKED | FT_SM_TLP |
			    FT_SM_HAS_SYN | FT_SM_HAS_FIN | FT_SM_RTO;

	return t->xmit_ts == now_us && t->rexmit == 0 && (t->flags & no) == 0 &&
	       (flags & (FT_SM_HAS_SYN | FT_SM_TLP)) == 0 && ft_sm_entry_len(t) % sm->mss == 0;
}

int
ft_sm_on_send(struct ft_sendmap *sm, uint32_t start, uint32_t end, uint64_t now_us,
	      uint16_t flags)
{
	struct ft_sm_entry *t = ft_sm_last(sm), *e;
	uint32_t y;

	if (!ft_seq_lt(start, end))
		return -EINVAL;
	if (t == NULL)
		sm->una = sm->max = start;
	else if (start != sm->max)
		return -EINVAL;
	flags &= FT_SM_SEND_FLAGS;
	if (t != NULL && can_extend(sm, t, now_us, flags)) {
		t->end = end;
		t->flags |= flags;
		sm->max = end;
		sm->pool->stats.sends++;
		sm->pool->stats.sends_extended++;
		return 0;
	}
	if (!room(sm, 1, FT_SM_RESERVE)) {
		sm->pool->stats.send_refused++;
		return -ENOSPC;
	}
	y = ent_get(sm);
	e = ent(sm, y);
	e->start = start;
	e->end = end;
	e->xmit_ts = e->first_xmit_ts = now_us;
	e->flags = flags;
	e->rexmit = 0;
	e->spare = 0;
	e->user = 0;
	treap_insert_after(sm, sm->last, y);
	seq_insert_after(sm, sm->last, y);
	tmap_insert_before(sm, 0, y);
	sm->max = end;
	sm->pool->stats.sends++;
	return 0;
}

/* A retransmission of all of @p e at @p now_us (RFC 8985 §6.1). */
static void
retransmitted(struct ft_sendmap *sm, struct ft_sm_entry *e, uint64_t now_us, uint16_t flags)
{
	uint32_t len = ft_sm_entry_len(e);

	if (e->flags & FT_SM_LOST)
		sm->lost_bytes -= len;
	if (!(e->flags & FT_SM_RXT_OUT))
		sm->retrans_out += len;
	e->flags &= ~(FT_SM_LOST | FT_SM_RTO | FT_SM_TLP);
	e->flags |= FT_SM_RETRANS | FT_SM_RXT_OUT | (flags & FT_SM_TLP);
	if (e->rexmit < UINT8_MAX)
		e->rexmit++;
	e->xmit_ts = now_us;
	tmap_unlink(sm, idx(sm, e));
	tmap_insert_before(sm, 0, idx(sm, e));
	sm->pool->stats.retransmits++;
}

/* Does a boundary have to be created at @p seq (an un-SACKed entry straddles it)? */
static struct ft_sm_entry *
straddler(const struct ft_sendmap *sm, uint32_t seq)
{
	struct ft_sm_entry *e;

	if (seq == sm->max)
		return NULL;
	e = ft_sm_find(sm, seq);
	return e->start != seq && !(e->flags & FT_SM_SACKED) ? e : NULL;
}

int
ft_sm_on_retransmit(struct ft_sendmap *sm, uint32_t start, uint32_t end, uint64_t now_us,
		    uint16_t flags)
{
	struct ft_sm_entry *a, *b, *e;

	if (!ft_seq_lt(start, end) || !ft_seq_geq(start, sm->una) || ft_seq_gt(end, sm->max))
		return -EINVAL;
	a = straddler(sm, start);
	b = straddler(sm, end);
	if (!room_output(sm, (a != NULL) + (b != NULL))) { /* a == b: two splits, one entry */
		sm->pool->stats.rexmit_refused++;
		return -ENOSPC;
	}
	if (b != NULL)
		ft_sm_split_at(sm, idx(sm, b), end);
	if (a != NULL)
		e = ent(sm, ft_sm_split_at(sm, idx(sm, a), start));
	else
		e = ft_sm_find(sm, start);
	for (; e != NULL && ft_seq_lt(e->start, end); e = ft_sm_next(sm, e))
		if (!(e->flags & FT_SM_SACKED))
			retransmitted(sm, e, now_us, flags);
	return 0;
}

static void
deliver(ft_sm_deliver_fn *cb, void *arg, const struct ft_sm_entry *e, uint32_t start,
	uint32_t end)
{
	struct ft_sm_delivery d = {
		.start = start, .end = end, .xmit_ts = e->xmit_ts,
		.first_xmit_ts = e->first_xmit_ts, .flags = e->flags, .rexmit = e->rexmit,
		.sacked = false,
	};

	if (cb != NULL)
		cb(&d, arg);
}

/* Renege (RFC 2018 §8): the lowest entry is SACKED and starts at una. */
static uint32_t
renege(struct ft_sendmap *sm)
{
	struct ft_sm_entry *e = ft_sm_first(sm);
	uint32_t chain = 0, tail = 0, bytes = 0;

	if (e == NULL || !(e->flags & FT_SM_SACKED))
		return 0;
	for (; e != NULL && (e->flags & FT_SM_SACKED); e = ft_sm_next(sm, e)) {
		bytes += ft_sm_entry_len(e);
		e->flags = (e->flags & ~FT_SM_SACKED) | FT_SM_WAS_SACKED;
		e->t_next = 0;
		if (tail != 0)
			ent(sm, tail)->t_next = idx(sm, e);
		else
			chain = idx(sm, e);
		tail = idx(sm, e);
	}
	sm->sacked_bytes -= bytes;
	tmap_insert_chain(sm, chain);
	sm->pool->stats.reneges++;
	sm->pool->stats.reneged_bytes += bytes;
	return bytes;
}

int
ft_sm_cumack(struct ft_sendmap *sm, uint32_t ack, ft_sm_deliver_fn *cb, void *arg,
	     struct ft_sm_cumack_out *out)
{
	struct ft_sm_cumack_out o = { 0 };
	struct ft_sm_entry *e;

	if (ft_seq_gt(ack, sm->max))
		return -ERANGE;
	if (ft_seq_leq(ack, sm->una))
		goto done;
	o.acked = ack - sm->una;
	while ((e = ft_sm_first(sm)) != NULL && ft_seq_leq(e->end, ack)) {
		if (!(e->flags & FT_SM_SACKED)) {
			deliver(cb, arg, e, e->start, e->end);
			o.delivered += ft_sm_entry_len(e);
		}
		acct_sub(sm, e->flags, ft_sm_entry_len(e));
		remove_entry(sm, idx(sm, e));
	}
	if (e != NULL && ft_seq_lt(e->start, ack)) {
		/* Partial: trim the front. The key only grows and stays below the next start. */
		if (!(e->flags & FT_SM_SACKED)) {
			deliver(cb, arg, e, e->start, ack);
			o.delivered += ack - e->start;
		}
		acct_sub(sm, e->flags, ack - e->start);
		e->start = ack;
		e->flags &= ~FT_SM_HAS_SYN;
	}
	sm->una = ack;
	ft_sm_sad_on_cumack(sm, o.acked);
	o.reneged = renege(sm);
done:
	if (out != NULL)
		*out = o;
	return 0;
}

/* ---- loss marking ---- */

static void
set_lost(struct ft_sendmap *sm, struct ft_sm_entry *e, uint16_t extra)
{
	uint32_t len = ft_sm_entry_len(e);

	if (e->flags & FT_SM_RXT_OUT)
		sm->retrans_out -= len;
	if (!(e->flags & FT_SM_ORIG_LOST))
		sm->orig_lost_bytes += len;
	sm->lost_bytes += len;
	e->flags = (e->flags & ~FT_SM_RXT_OUT) | FT_SM_LOST | FT_SM_ORIG_LOST | extra;
}

bool
ft_sm_mark_lost(struct ft_sendmap *sm, struct ft_sm_entry *e)
{
	struct ft_sm_entry *cur = ft_sm_ent(sm, sm->lost_cur);

	if (e->flags & (FT_SM_SACKED | FT_SM_LOST))
		return false;
	set_lost(sm, e, 0);
	if (cur != NULL && ft_seq_lt(e->start, cur->start))
		sm->lost_cur = idx(sm, e);
	return true;
}

struct ft_sm_entry *
ft_sm_next_lost(struct ft_sendmap *sm)
{
	struct ft_sm_entry *e;

	if (sm->lost_bytes == 0)
		return NULL;
	e = sm->lost_cur != 0 ? ent(sm, sm->lost_cur) : ft_sm_first(sm);
	/* Terminates: lost_bytes > 0 and no LOST entry lies before the cursor. */
	while (!(e->flags & FT_SM_LOST))
		e = ft_sm_next(sm, e);
	sm->lost_cur = idx(sm, e);
	return e;
}

int
ft_sm_split(struct ft_sendmap *sm, struct ft_sm_entry *e, uint32_t at)
{
	if ((e->flags & FT_SM_SACKED) || !ft_seq_gt(at, e->start) || !ft_seq_lt(at, e->end))
		return -EINVAL;
	if (!room_output(sm, 1)) {
		sm->pool->stats.rexmit_refused++;
		return -ENOSPC;
	}
	ft_sm_split_at(sm, idx(sm, e), at);
	return 0;
}

void
ft_sm_on_rto(struct ft_sendmap *sm, unsigned int backoffs)
{
	uint8_t th = sm->pool->params.rto_clear_backoffs;
	bool clear = th != 0 && backoffs >= th && sm->sacked_bytes != 0;
	struct ft_sm_entry *e;

	sm->pool->stats.rto_marks++;
	for (e = ft_sm_first(sm); e != NULL; e = ft_sm_next(sm, e)) {
		if (e->flags & FT_SM_SACKED) {
			if (!clear)
				continue;
			sm->sacked_bytes -= ft_sm_entry_len(e);
			e->flags = (e->flags & ~FT_SM_SACKED) | FT_SM_WAS_SACKED;
		}
		if (!(e->flags & FT_SM_LOST))
			set_lost(sm, e, FT_SM_RTO);
	}
	if (clear) {
		ft_sm_tmap_rebuild(sm);
		sm->hint = 0;
		sm->pool->stats.rto_clears++;
	}
	sm->lost_cur = 0;
}

struct ft_sm_entry *
ft_sm_find(const struct ft_sendmap *sm, uint32_t seq)
{
	uint32_t i = sm->root, best = 0;

	if (sm->last == 0 || !ft_seq_in(seq, sm->una, sm->max))
		return NULL;
	while (i != 0) {
		const struct ft_sm_entry *e = ent(sm, i);

		if (ft_seq_leq(e->start, seq)) {
			best = i;
			i = e->right;
		} else {
			i = e->left;
		}
	}
	return ft_sm_ent(sm, best);
}
