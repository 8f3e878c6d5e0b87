/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sendmap: one record per contiguous run of sequence space that was sent and is not yet
 * cumulatively acknowledged, SACKed or not (tcp-design.md §1, FreeBSD RACK's rack_sendmap).
 * The SACK scoreboard (RFC 2018, RFC 6675 pipe), RACK loss detection (RFC 8985 §6: the
 * entries carry xmit_ts, end_seq, retransmitted and lost), TLP target selection and RTT
 * sampling are all driven from it. Pure logic: no DPDK calls (only rte_errno is set by
 * ft_sm_pool_create), no mbufs, so it is unit-tested without EAL.
 *
 * Tiling. The entries of one connection tile [una, max) exactly: the first starts at una
 * (snd_una), each one ends where the next starts, the last ends at max (snd_max); no gaps, no
 * overlap, every entry non-empty. SYN and FIN occupy their sequence number inside the entry
 * that carries them (FT_SM_HAS_SYN: the first byte; FT_SM_HAS_FIN: the last). Entries do not
 * point at data: the send buffer (sndbuf.h) is addressed by offset from snd_una, so an entry's
 * offset is start - una.
 *
 * Two intrusive orderings over the same entries (32-bit indices into the pool, 0 = none):
 *  - by sequence: a circular doubly linked list (O(1) next/prev, first, last) plus a treap keyed
 *    by start (O(log n) expected find of the entry holding a sequence number, for windows of
 *    gigabytes). Appending at the tail costs O(1) expected rotations; removing the first entry
 *    (cumulative ACK) is O(1) exactly (the minimum of a treap has no left child).
 *  - by transmission time (the "tmap"): a circular doubly linked list of the un-SACKed entries,
 *    ordered by xmit_ts (non-decreasing; a retransmitted entry moves to the tail). SACKed
 *    entries are not on it. Its head is the oldest outstanding transmission (RACK, RTO), its
 *    tail the newest (TLP).
 *
 * Storage. Entries (64 bytes) come from a struct ft_sm_pool (one per worker, created once with
 * a fixed capacity; O(1) get/put from a free list; allocation only at pool creation). Each
 * connection embeds a struct ft_sendmap (96 bytes) in its TCB; it holds a per-connection cap on
 * entries.
 *
 * Entry states (flags) and the byte counters kept incrementally (all O(1) to read):
 *   sacked_bytes     SACKED: selectively acknowledged (off the tmap).
 *   lost_bytes       LOST: declared lost (RACK via ft_sm_mark_lost(), or ft_sm_on_rto()) and
 *                    not retransmitted since: what output must retransmit (ft_sm_next_lost()).
 *   orig_lost_bytes  ORIG_LOST: an earlier transmission was declared lost and is no longer
 *                    counted in flight (set with LOST, kept through the retransmission,
 *                    cleared when the range is SACKed or acknowledged).
 *   retrans_out      RXT_OUT: the latest transmission is a retransmission that is still in
 *                    flight (not SACKed, not acknowledged, not declared lost since).
 * Invariants: SACKED excludes LOST, ORIG_LOST and RXT_OUT; LOST implies ORIG_LOST and excludes
 * RXT_OUT; RXT_OUT implies RETRANS.
 *
 * Pipe (ft_sm_pipe(), RFC 6675 §4 "SetPipe" computed from the counters, the same quantity as
 * Linux's packets_out - (sacked_out + lost_out) + retrans_out and RFC 8985's bytes in flight):
 *   pipe = outstanding - sacked_bytes - orig_lost_bytes + retrans_out,  outstanding = max - una
 * Per un-SACKed range: never lost, never retransmitted: 1 copy in flight; declared lost, not
 * retransmitted since: 0; declared lost then retransmitted: 1 (the retransmission);
 * retransmitted without having been declared lost (TLP, spurious): 2, as RFC 6675 counts it;
 * its retransmission declared lost again: 0.
 *
 * SACK attack defence (tcp-design.md §1.5, §2): a per-connection entry cap (splits beyond it
 * are refused and the SACK block ignored, counted), boundary shifting and merging so the common
 * cases allocate nothing, and SAD accounting (FreeBSD's counters and ratios, thresholds in
 * struct ft_sm_params). A connection judged abusive enters "attack" mode: SACK blocks are no
 * longer applied (only counted), all SACK marks are dropped and the pieces of each original
 * send are merged back; cumulative ACKs keep working. It reverts when the ratio recovers.
 *
 * Time: now_us is the worker's monotonic clock in µs (the per-burst cached one is fine); it must
 * not go backwards between calls on one map, or the tmap order (checked by ft_sm_check) breaks.
 *
 * Calling context for everything here: the worker that owns the pool and the connection. No
 * function allocates (beyond the pool), locks, logs or calls the kernel; every loop is bounded
 * by the number of entries it visits.
 */
#ifndef FT_TCP_SENDMAP_H
#define FT_TCP_SENDMAP_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp/options.h"

/* Entry flags. The caller may pass FT_SM_SEND_FLAGS to ft_sm_on_send() and FT_SM_TLP to
 * ft_sm_on_retransmit(); the others are maintained by the sendmap. */
#define FT_SM_SACKED      0x0001 /* selectively acknowledged; not on the tmap */
#define FT_SM_LOST        0x0002 /* declared lost, not retransmitted since (lost_bytes) */
#define FT_SM_RETRANS     0x0004 /* retransmitted at least once (history: never cleared) */
#define FT_SM_TLP         0x0008 /* the latest transmission was a tail loss probe */
#define FT_SM_HAS_SYN     0x0010 /* the first sequence number is the SYN */
#define FT_SM_HAS_FIN     0x0020 /* the last sequence number is the FIN */
#define FT_SM_PUSH        0x0040 /* sent with PSH (caller's bookkeeping) */
#define FT_SM_APP_LIMITED 0x0080 /* sent while application-limited (caller's bookkeeping) */
#define FT_SM_ORIG_LOST   0x0100 /* an earlier transmission was declared lost (orig_lost_bytes) */
#define FT_SM_RXT_OUT     0x0200 /* latest transmission is a retransmission in flight */
#define FT_SM_WAS_SACKED  0x0400 /* had been SACKed; the mark was dropped (renege, RTO, attack) */
#define FT_SM_RTO         0x0800 /* declared lost by ft_sm_on_rto() (cleared with LOST) */

#define FT_SM_SEND_FLAGS  (FT_SM_HAS_SYN | FT_SM_HAS_FIN | FT_SM_PUSH | FT_SM_APP_LIMITED | \
			   FT_SM_TLP)

/*
 * Entries new sends and SACK splits leave free under the per-connection cap. Splits made by
 * our own output (ft_sm_on_retransmit(), ft_sm_split()) may go beyond the cap, up to twice
 * it, so retransmission never wedges on a map a SACK storm filled up (FreeBSD's emergency
 * reserve); they cut MSS-sized pieces of data we resend, so window / MSS bounds them anyway.
 */
#define FT_SM_RESERVE 2

/*
 * One run of sequence space. Fields are read-only for the caller except `user`.
 * Split: both pieces keep the timestamps, counts and state flags; HAS_SYN stays with the left
 * piece, HAS_FIN, PUSH and APP_LIMITED go to the right piece; `user` is copied.
 */
struct ft_sm_entry {
	uint32_t start, end;        /* [start, end) in sequence space */
	uint64_t xmit_ts;           /* µs, latest transmission (RFC 8985 Segment.xmit_ts) */
	uint64_t first_xmit_ts;     /* µs, first transmission: pieces of one send share it */
	uint32_t s_prev, s_next;    /* sequence list (circular) */
	uint32_t t_prev, t_next;    /* tmap (circular); t_next == 0: not on the tmap */
	uint32_t left, right, parent; /* treap by start */
	uint32_t prio;              /* treap heap priority (random, drawn at allocation) */
	uint16_t flags;             /* FT_SM_* */
	uint8_t rexmit;             /* retransmissions, saturating at 255 */
	uint8_t spare;
	uint32_t user;              /* free for the caller (e.g. flight size at send); 0 at send */
};
static_assert(sizeof(struct ft_sm_entry) == 64, "one cache line per entry");

/*
 * SACK-attack detection thresholds (tcp-design.md §2.3; FreeBSD net.inet.tcp.sack_attack.*).
 * Ratios are in thousandths. ft_sm_params_init() fills the defaults shown.
 */
struct ft_sm_params {
	uint32_t sad_ack_ratio;     /* 700: enter attack mode if 1000*sack/ack above this ... */
	uint32_t sad_move_ratio;    /* 600: ... and 1000*moved/(moved+noextra) above this */
	uint32_t sad_restore_ratio; /* 450: leave attack mode when the ack ratio is <= this */
	uint32_t sad_decay_per;     /* 800: every >= 1 s, counters lose this many thousandths */
	uint32_t sad_map_min;       /* 500: detection runs only above this many entries ... */
	uint32_t sad_min_blocks;    /* 16: ... (or when suspicious) and after this many blocks */
	uint32_t sad_seg_size_per;  /* 800: a block newly SACKing < mss * this / 1000 bytes that
				     * does not end on a segment boundary is suspicious */
	uint8_t sad_enable;         /* 1: run SAD; 0: never enter attack mode (cap still holds) */
	uint8_t rto_clear_backoffs; /* 3: ft_sm_on_rto() drops the SACK marks from this many
				     * consecutive RTOs on (FreeBSD: after 2 backoffs); 0: never */
};

void ft_sm_params_init(struct ft_sm_params *p);

/* Allocator for the pool's one block (rte_zmalloc_socket() in the worker, ctx = the socket).
 * Must return memory aligned to @p align (64) or NULL. */
typedef void *ft_sm_alloc_fn(size_t size, size_t align, void *ctx);
typedef void ft_sm_free_fn(void *p, void *ctx);

struct ft_sm_pool_conf {
	uint32_t capacity;          /* entries (all connections of the worker), >= 1 */
	ft_sm_alloc_fn *alloc;      /* NULL: posix_memalign() ... */
	ft_sm_free_fn *free;        /* ... and free() */
	void *ctx;
	uint64_t seed;              /* treap priorities (any value; fixed in tests) */
	struct ft_sm_params params;
};

/* Fill @p conf: capacity, libc allocator, a fixed seed, ft_sm_params_init() defaults. */
void ft_sm_pool_conf_init(struct ft_sm_pool_conf *conf, uint32_t capacity);

/* Event counters, per pool (= per worker), summed over its connections. */
struct ft_sm_stats {
	uint64_t sends;             /* ft_sm_on_send() calls that recorded data */
	uint64_t sends_extended;    /* ... of which extended the tail entry (no allocation) */
	uint64_t send_refused;      /* on_send -ENOSPC: cap or pool exhausted */
	uint64_t retransmits;       /* pieces updated by ft_sm_on_retransmit() */
	uint64_t rexmit_refused;    /* on_retransmit/split -ENOSPC */
	uint64_t splits;            /* entries allocated by splitting */
	uint64_t merges;            /* entries freed by merging */
	uint64_t shifts;            /* boundary shifts (SACK growth without allocation) */
	uint64_t sack_blocks;       /* blocks seen by ft_sm_sack() */
	uint64_t sack_invalid;      /* ... outside [una, max) or empty: ignored */
	uint64_t sack_known;        /* ... entirely on the board already (cheap path) */
	uint64_t sack_refused;      /* ... ignored (rest of block) because a split hit the cap */
	uint64_t sack_attack_ignored; /* ... ignored because the connection is in attack mode */
	uint64_t dsacks;            /* D-SACK first blocks reported */
	uint64_t reneges;           /* renege events (ft_sm_cumack) */
	uint64_t reneged_bytes;
	uint64_t rto_marks;         /* ft_sm_on_rto() calls */
	uint64_t rto_clears;        /* ... that dropped the SACK marks */
	uint64_t sad_suspicious;    /* suspicious (tiny, unaligned) blocks */
	uint64_t sad_attacks;       /* connections entering attack mode */
	uint64_t sad_restores;      /* connections leaving it */
	uint64_t pool_empty;        /* allocations that found the pool empty */
};

/* The per-worker pool. Fields are internal (inline accessors need ents). */
struct ft_sm_pool {
	struct ft_sm_entry *ents;   /* capacity + 1; ents[0] is the "none" index, never used */
	uint32_t capacity;
	uint32_t n_free;
	uint32_t free_head;         /* free list through s_next */
	uint32_t rng;               /* xorshift32 state for treap priorities */
	ft_sm_free_fn *free;
	void *ctx;
	struct ft_sm_params params;
	struct ft_sm_stats stats;
};

/*
 * Create a pool of @p conf->capacity entries in one block from conf->alloc. Control path
 * (worker setup). @return the pool, or NULL with rte_errno = EINVAL (capacity 0 or above
 * 2^31) or ENOMEM.
 */
struct ft_sm_pool *ft_sm_pool_create(const struct ft_sm_pool_conf *conf);

/* Free the pool (every sendmap using it must be finished with). NULL is a no-op. */
void ft_sm_pool_destroy(struct ft_sm_pool *p);

static inline const struct ft_sm_stats *
ft_sm_pool_stats(const struct ft_sm_pool *p)
{
	return &p->stats;
}

/* SAD counters of one connection (tcp-design.md §2.1). */
struct ft_sm_sad {
	uint32_t ack_count;         /* useful progress, in MSS: cumacked + newly SACKed */
	uint32_t sack_count;        /* SACK blocks that did work (+ moves for sub-MSS ones) */
	uint32_t moved_extra;       /* treap lookups, splits, walks beyond 2 entries */
	uint32_t noextra_move;      /* blocks handled with no extra movement */
	uint32_t decay_ms;          /* when the counters were last decayed (now_us / 1000) */
};

/* Connection state bits (ft_sendmap.state). */
#define FT_SM_ST_ATTACK      0x01 /* SACK-attack mode: SACK blocks are not applied */
#define FT_SM_ST_SUSPECT     0x02 /* a suspicious block was seen (in the last decay period) */
#define FT_SM_ST_SUSPECT_NEW 0x04 /* ... in the current decay period */

/* Per connection, embedded in the TCB. Fields are read-only outside sendmap.c, sack.c and
 * sendmap_check.c. */
struct ft_sendmap {
	struct ft_sm_pool *pool;
	uint32_t root;              /* treap root */
	uint32_t last;              /* highest entry; its s_next is the first (0: empty) */
	uint32_t tmap;              /* oldest un-SACKed transmission; its t_prev is the newest */
	uint32_t hint;              /* entry where the last SACK block ended (0: none) */
	uint32_t lost_cur;          /* no LOST entry lies before this one (0: scan from first) */
	uint32_t n_entries;
	uint32_t max_entries;       /* per-connection cap */
	uint32_t una, max;          /* snd_una and snd_max as the sendmap knows them */
	uint32_t sacked_bytes;      /* see the top of this file */
	uint32_t lost_bytes;
	uint32_t orig_lost_bytes;
	uint32_t retrans_out;
	uint32_t prev_b0_start, prev_b0_end; /* first block of the previous SACK option */
	uint16_t mss;               /* for SAD and tail extension (ft_sm_set_mss) */
	uint8_t state;              /* FT_SM_ST_* */
	uint8_t spare;
	struct ft_sm_sad sad;
};
static_assert(sizeof(struct ft_sendmap) <= 96, "embedded in every TCB");

/*
 * Start an empty map of at most @p max_entries entries (>= FT_SM_RESERVE + 1; the design
 * suggests 2 * cwnd / MSS + 64) from @p pool. MSS starts at 536 (RFC 9293 §3.7.1 default);
 * una = max = 0 until the first send.
 */
void ft_sm_init(struct ft_sendmap *sm, struct ft_sm_pool *pool, uint32_t max_entries);

/* Return every entry to the pool in O(1) and empty the map (una becomes max; counters 0). The
 * map stays usable. */
void ft_sm_free_all(struct ft_sendmap *sm);

/* The send MSS (payload bytes per segment) after negotiation or a PMTU change; 0 is ignored. */
static inline void
ft_sm_set_mss(struct ft_sendmap *sm, uint16_t mss)
{
	if (mss != 0)
		sm->mss = mss;
}

/* Change the per-connection cap (e.g. as cwnd grows). Lowering it below n_entries frees
 * nothing: it only refuses further allocations. */
static inline void
ft_sm_set_max_entries(struct ft_sendmap *sm, uint32_t max_entries)
{
	sm->max_entries = max_entries;
}

/*
 * New data [start, end) was sent at @p now_us with @p flags (FT_SM_SEND_FLAGS; others are
 * ignored). start must equal max (snd_max before the send); when the map is empty any start is
 * taken and becomes una and max (first send, or a send after everything was acknowledged).
 * Sets max = end. The range is appended at the tail of both orderings.
 *
 * Tail extension (no allocation): instead of a new entry, the tail entry is extended when it was
 * sent in the same microsecond (xmit_ts == now_us) as a first transmission (rexmit 0) and is
 * in no other state (not SACKED, LOST, ORIG_LOST, RETRANS, WAS_SACKED, TLP, HAS_SYN, HAS_FIN),
 * its length is a multiple of the MSS (so segment boundaries stay at MSS multiples from the
 * entry start: SAD relies on that), and @p flags has neither HAS_SYN nor TLP. PUSH,
 * APP_LIMITED and HAS_FIN are then OR'ed into the tail.
 *
 * @return 0, -EINVAL (empty range, or start != max on a non-empty map), or -ENOSPC when a new
 * entry would exceed max_entries - FT_SM_RESERVE or the pool is empty (nothing recorded: the
 * caller must not send).
 */
int ft_sm_on_send(struct ft_sendmap *sm, uint32_t start, uint32_t end, uint64_t now_us,
		  uint16_t flags);

/*
 * [start, end) (within [una, max)) was retransmitted at @p now_us. Entries are split so that
 * exactly the range is updated; each un-SACKed piece gets rexmit++, RETRANS and RXT_OUT set,
 * LOST and RTO cleared (lost_bytes drop; ORIG_LOST stays: the earlier copy is still
 * considered gone), TLP set iff @p flags has FT_SM_TLP, xmit_ts = now_us, and moves to the
 * tmap tail (in sequence order among the pieces). SACKed pieces inside the range are left
 * alone. The lost cursor is unaffected (pieces leave LOST).
 * @return 0, -EINVAL (empty or outside [una, max)), or -ENOSPC when a needed split (at most
 * two: at start and at end) would pass 2 * max_entries (see FT_SM_RESERVE) or the pool is
 * empty; nothing changed then. Retransmitting whole entries never needs a split.
 */
int ft_sm_on_retransmit(struct ft_sendmap *sm, uint32_t start, uint32_t end, uint64_t now_us,
			uint16_t flags);

/* What the sendmap reports for each newly delivered (cumulatively acknowledged while not
 * SACKed, or newly SACKed) piece: what RACK (RFC 8985 §6.2 steps 2-3) and RTT sampling need. */
struct ft_sm_delivery {
	uint32_t start, end;        /* the piece; bytes = end - start */
	uint64_t xmit_ts;           /* its latest transmission */
	uint64_t first_xmit_ts;
	uint16_t flags;             /* the entry's flags before delivery (RETRANS, TLP, ...) */
	uint8_t rexmit;
	bool sacked;                /* delivered by a SACK block (false: cumulative ACK) */
};

/* Called once per delivered piece, in increasing sequence order, while the map is being
 * changed: it must not call into this sendmap. */
typedef void ft_sm_deliver_fn(const struct ft_sm_delivery *d, void *arg);

struct ft_sm_cumack_out {
	uint32_t acked;             /* una advance (bytes cumulatively acknowledged) */
	uint32_t delivered;         /* ... of which were not SACKed before (newly delivered) */
	uint32_t reneged;           /* bytes whose SACK mark was dropped: the peer reneged */
};

/*
 * Cumulative ACK: remove (or trim) everything below @p ack, una = ack. @p cb (may be NULL) is
 * called for each removed piece that was not SACKed. Counters drop accordingly. SAD credits
 * (ack - una) / mss and, in attack mode, re-evaluates whether to leave it.
 * Renege (RFC 2018 §8, FreeBSD rack_peer_reneges): if afterwards the lowest entry is SACKED and
 * starts exactly at @p ack, the peer discarded data it had SACKed: the run of SACKED entries
 * from there loses the mark (gets WAS_SACKED, goes back on the tmap by xmit_ts, counted in
 * out->reneged and the stats). They are not marked lost here: RACK or the RTO will do it.
 * @p out may be NULL. @return 0 (also for ack <= una: nothing to do, out zeroed), or -ERANGE
 * if ack is beyond max (nothing changed).
 */
int ft_sm_cumack(struct ft_sendmap *sm, uint32_t ack, ft_sm_deliver_fn *cb, void *arg,
		 struct ft_sm_cumack_out *out);

struct ft_sm_sack_in {
	const struct ft_tcp_sack_block *blocks; /* as received (RFC 2018 §3), first first */
	unsigned int n;             /* blocks beyond FT_TCP_MAX_SACK are ignored (counted) */
	uint64_t now_us;            /* for SAD decay */
	ft_sm_deliver_fn *cb;       /* may be NULL */
	void *arg;
};

struct ft_sm_sack_out {
	uint32_t newly_sacked;      /* bytes newly SACKed (an entry became SACKED iff > 0) */
	uint32_t high_sacked;       /* highest end among them (fack candidate), valid if > 0 */
	uint32_t dsack_start, dsack_end; /* the D-SACK block, valid if dsack */
	bool dsack;                 /* the first block is a D-SACK: reported, not applied */
	bool attack;                /* the connection is in attack mode after this call */
	uint8_t n_ignored;          /* blocks invalid, beyond 4, refused (cap) or in attack mode */
};

/*
 * Apply the SACK blocks of one ACK. Call ft_sm_cumack() for the same ACK first: blocks are
 * validated against the map's una and max.
 *  1. D-SACK (RFC 2883 §4): the first block is reported in out->dsack, and not applied, when it
 *     lies at or below una, or inside a later block of the same option, or entirely in data
 *     already SACKed while differing from the previous option's first block (a repeated
 *     option, e.g. a window update, is not a D-SACK).
 *  2. Each other block must satisfy una <= start < end <= max, else it is ignored (counted).
 *  3. Attack mode: blocks are only counted for SAD, nothing is applied.
 *  4. Blocks are applied in ascending order. Un-SACKed pieces inside a block become SACKED:
 *     removed from the tmap, counters moved, @p in->cb called per piece. Splits are avoided
 *     where a SACKed neighbour's boundary can be shifted instead (the "SACK grows by one MSS"
 *     case costs no allocation); adjacent SACKED entries are merged. Each block is located from
 *     the hint (where the previous block ended) by walking up to 8 entries either way, else by
 *     a treap lookup; a block lying within one SACKED entry (a repeat) then costs nothing more.
 *  5. A split that would exceed max_entries - FT_SM_RESERVE (or find the pool empty) is
 *     refused: the rest of that block is ignored (counted); the map stays valid.
 *  6. SAD accounting, decay and the attack decision (tcp-design.md §2; see ft_sm_params).
 * @p out is required. @return 0.
 */
int ft_sm_sack(struct ft_sendmap *sm, const struct ft_sm_sack_in *in,
	       struct ft_sm_sack_out *out);

/*
 * Declare @p e lost (RACK, RFC 8985 §6.2 step 5): LOST and ORIG_LOST set, RXT_OUT cleared.
 * @return false (nothing done) if @p e is SACKED or already LOST.
 */
bool ft_sm_mark_lost(struct ft_sendmap *sm, struct ft_sm_entry *e);

/* The lowest-sequence LOST entry (what output retransmits next), or NULL. Amortised O(1) while
 * the caller retransmits in order (a cursor advances). */
struct ft_sm_entry *ft_sm_next_lost(struct ft_sendmap *sm);

/*
 * Split @p e at @p at (e->start < at < e->end): @p e becomes [start, at), and a new entry
 * [at, end) follows it (ft_sm_next()), with the same state (see struct ft_sm_entry) and right
 * after @p e on the tmap. For "retransmit at most one MSS of this entry".
 * @p e must not be SACKED (SACKED neighbours are always merged).
 * @return 0, -EINVAL (SACKED, or at not strictly inside), or -ENOSPC (2 * max_entries reached
 * or the pool is empty).
 */
int ft_sm_split(struct ft_sendmap *sm, struct ft_sm_entry *e, uint32_t at);

/*
 * The RTO fired (RFC 8985 §6.3, RFC 6298 §5): every un-SACKed entry is declared lost (LOST,
 * ORIG_LOST, RTO; RXT_OUT cleared), so pipe drops to 0. @p backoffs is the number of
 * consecutive RTOs including this one: from params.rto_clear_backoffs on, the SACK marks are
 * dropped too (RFC 2018 §8: the receiver may have reneged) and those entries become un-SACKed
 * and LOST (+ WAS_SACKED); the tmap is rebuilt by xmit_ts. The lost cursor restarts at the
 * first entry. O(entries).
 */
void ft_sm_on_rto(struct ft_sendmap *sm, unsigned int backoffs);

/* Entry holding sequence number @p seq, or NULL if seq is outside [una, max). O(log n). */
struct ft_sm_entry *ft_sm_find(const struct ft_sendmap *sm, uint32_t seq);

/* Consistency check for tests and debug builds: tiling, treap order and heap property, list
 * links, counters equal sums over the entries, flag invariants, tmap content and order, hint
 * and cursor validity. O(n). @return 0 or -1. */
int ft_sm_check(const struct ft_sendmap *sm);

/* Inline accessors. */

static inline struct ft_sm_entry *
ft_sm_ent(const struct ft_sendmap *sm, uint32_t idx)
{
	return idx != 0 ? &sm->pool->ents[idx] : NULL;
}

static inline uint32_t
ft_sm_entry_len(const struct ft_sm_entry *e)
{
	return e->end - e->start;
}

/* Lowest entry (starts at una), or NULL when nothing is outstanding. */
static inline struct ft_sm_entry *
ft_sm_first(const struct ft_sendmap *sm)
{
	return sm->last != 0 ? ft_sm_ent(sm, sm->pool->ents[sm->last].s_next) : NULL;
}

/* Highest entry (ends at max): the TLP target. */
static inline struct ft_sm_entry *
ft_sm_last(const struct ft_sendmap *sm)
{
	return ft_sm_ent(sm, sm->last);
}

static inline struct ft_sm_entry *
ft_sm_next(const struct ft_sendmap *sm, const struct ft_sm_entry *e)
{
	return e == &sm->pool->ents[sm->last] ? NULL : ft_sm_ent(sm, e->s_next);
}

static inline struct ft_sm_entry *
ft_sm_prev(const struct ft_sendmap *sm, const struct ft_sm_entry *e)
{
	return e->s_prev == sm->last ? NULL : ft_sm_ent(sm, e->s_prev);
}

/* Oldest un-SACKed transmission (RACK loss detection walks from here), or NULL. */
static inline struct ft_sm_entry *
ft_sm_tmap_first(const struct ft_sendmap *sm)
{
	return ft_sm_ent(sm, sm->tmap);
}

/* Next-newer un-SACKed transmission, or NULL. */
static inline struct ft_sm_entry *
ft_sm_tmap_next(const struct ft_sendmap *sm, const struct ft_sm_entry *e)
{
	return e->t_next == sm->tmap ? NULL : ft_sm_ent(sm, e->t_next);
}

/* Newest un-SACKed transmission, or NULL. */
static inline struct ft_sm_entry *
ft_sm_tmap_last(const struct ft_sendmap *sm)
{
	return sm->tmap != 0 ? ft_sm_ent(sm, sm->pool->ents[sm->tmap].t_prev) : NULL;
}

/* snd_max - snd_una: every sequence number sent and not cumulatively acknowledged. */
static inline uint32_t
ft_sm_outstanding(const struct ft_sendmap *sm)
{
	return sm->max - sm->una;
}

/* Bytes in flight (RFC 6675 pipe, RFC 8985): see the top of this file. O(1). */
static inline uint32_t
ft_sm_pipe(const struct ft_sendmap *sm)
{
	return ft_sm_outstanding(sm) - sm->sacked_bytes - sm->orig_lost_bytes + sm->retrans_out;
}

static inline bool
ft_sm_is_empty(const struct ft_sendmap *sm)
{
	return sm->last == 0;
}

/* The connection is in SACK-attack mode: SACK blocks are ignored (fall back to dupacks). */
static inline bool
ft_sm_under_attack(const struct ft_sendmap *sm)
{
	return (sm->state & FT_SM_ST_ATTACK) != 0;
}

#endif /* FT_TCP_SENDMAP_H */
