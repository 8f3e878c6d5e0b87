/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Wire impairment (impair.h), in the spirit of Linux netem but deterministic: every decision
 * comes from a seeded xoshiro256** stream (one stream per impairment, seeded by splitmix64),
 * never from rand(), so a seed replays the same pattern for the same packet sequence.
 *
 * Per packet, in ft_impair_input():
 *   1. random loss (loss_ppm);
 *   2. burst loss: a Gilbert-Elliott chain stepped once per packet (good -> bad with p,
 *      bad -> good with r), then loss with h in the bad state, none in the good state
 *      (netem "gemodel p r 1-h 1-k" with k = 1);
 *   3. duplication: a deep copy (rte_pktmbuf_copy), so no mbuf is shared between the two
 *      packets and the receiver may write into either;
 *   4. rate limit: the link serialises frames (pkt_len bytes) at rate_bps; a frame whose wait
 *      would put more than rate_queue frames in the link queue is dropped (drop-tail). This is
 *      a token bucket one frame deep: no bursts above the rate;
 *   5. delay: release = end of serialisation + delay_us + uniform[-jitter_us, +jitter_us],
 *      clamped to not before the end of serialisation and to not before the previous
 *      packet's release. The second clamp is why jitter never reorders (as netem with rate):
 *      it also skews the delay distribution upwards when jitter is large against the gaps
 *      between packets;
 *   6. the packet enters the delay line, a FIFO of queue_len entries preallocated at setup;
 *      when it is full the packet is dropped (queue_full).
 * In ft_impair_output(), packets whose release time has come leave the delay line in order;
 * each may be held back (reorder_ppm) in one of HOLD_MAX slots, and goes out after
 * reorder_gap later packets have, or after reorder_max_us if traffic stops first.
 *
 * Not here: when this runs (port_ring.c pumps it from the RX poll of the owning worker) and
 * where the packets come from and go to (the ring port's stage and wire rings).
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "port/impair.h"

#define PPM 1000000u
#define HOLD_MAX 16
#define DEFAULT_GAP 3
#define DEFAULT_REORDER_MAX_US 1000
#define DEFAULT_QUEUE_LEN 16384
#define MAX_QUEUE_LEN (1u << 22)
#define DEFAULT_RATE_QUEUE 1000

enum stream { RS_LOSS, RS_BURST, RS_DUP, RS_REORDER, RS_JITTER, RS_MAX };

struct prng {
	uint64_t s[4];
};

/* One delay-line entry: when the link has finished sending it, and when it arrives. */
struct slot {
	uint64_t dep;
	uint64_t rel;
	struct rte_mbuf *m;
};

/* A packet held back for reordering. */
struct held {
	struct rte_mbuf *m;
	uint64_t deadline;
	uint16_t left; /* later packets still to overtake it */
};

struct ft_impair {
	/* Parameters, fixed at setup. */
	uint32_t loss_ppm, burst_p_ppm, burst_r_ppm, burst_h_ppm, dup_ppm, reorder_ppm;
	uint16_t gap;
	uint64_t reorder_max_tsc, delay_tsc, jitter_tsc;
	uint64_t tsc_per_byte_q16; /* 16.16 fixed point; 0 = unlimited rate */
	uint32_t rate_queue;
	uint32_t cap, mask;
	/* State. Indices run freely; slot = index & mask. */
	uint32_t head, tail, dep_head;
	uint64_t next_free, last_rel;
	bool bad;
	uint16_t n_held;
	struct held held[HOLD_MAX];
	struct prng rs[RS_MAX];
	struct ft_impair_stats st;
	struct slot q[];
};

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** 1.0 (Blackman and Vigna). */
static inline uint64_t
prng_next(struct prng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void
prng_seed(struct prng *r, uint64_t seed, uint64_t salt, unsigned int stream)
{
	uint64_t x = seed ^ (salt * 0xd1b54a32d192ed03ull) ^ rotl((uint64_t)stream + 1, 56);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

/* Uniform integer in [0, n), by multiply-high (no modulo bias worth the name, no divide). */
static inline uint64_t
prng_below(struct prng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)prng_next(r) * n) >> 64);
}

/* True with probability ppm / 10^6. Draws only when ppm != 0, so a stream's position
 * depends on nothing but the packets it has seen. */
static inline bool
chance(struct prng *r, uint32_t ppm)
{
	return ppm != 0 && prng_below(r, PPM) < ppm;
}

bool
ft_impair_conf_is_active(const struct ft_impair_conf *c)
{
	return c->loss_ppm || c->burst_p_ppm || c->reorder_ppm || c->dup_ppm || c->delay_us ||
	       c->jitter_us || c->rate_bps;
}

static bool
conf_ok(const struct ft_impair_conf *c)
{
	return c->loss_ppm <= PPM && c->burst_p_ppm <= PPM && c->burst_r_ppm <= PPM &&
	       c->burst_h_ppm <= PPM && c->reorder_ppm <= PPM && c->dup_ppm <= PPM &&
	       c->queue_len <= MAX_QUEUE_LEN && (c->rate_bps == 0 || c->rate_bps >= 1000);
}

static void
set_params(struct ft_impair *im, const struct ft_impair_conf *c, uint64_t hz)
{
	im->loss_ppm = c->loss_ppm;
	im->burst_p_ppm = c->burst_p_ppm;
	im->burst_r_ppm = c->burst_r_ppm;
	im->burst_h_ppm = c->burst_h_ppm;
	im->dup_ppm = c->dup_ppm;
	im->reorder_ppm = c->reorder_ppm;
	im->gap = c->reorder_gap ? c->reorder_gap : DEFAULT_GAP;
	im->reorder_max_tsc = (c->reorder_max_us ? c->reorder_max_us : DEFAULT_REORDER_MAX_US) *
			      hz / 1000000;
	im->delay_tsc = (uint64_t)c->delay_us * hz / 1000000;
	im->jitter_tsc = (uint64_t)c->jitter_us * hz / 1000000;
	if (c->rate_bps != 0)
		im->tsc_per_byte_q16 = (uint64_t)((unsigned __int128)hz * 8 * 65536 / c->rate_bps);
	im->rate_queue = c->rate_queue ? c->rate_queue : DEFAULT_RATE_QUEUE;
}

struct ft_impair *
ft_impair_create(const struct ft_impair_conf *c, uint64_t salt, uint64_t tsc_hz, int socket)
{
	uint32_t cap = c->queue_len ? c->queue_len : DEFAULT_QUEUE_LEN;
	uint32_t size = rte_align32pow2(cap);
	struct ft_impair *im;

	if (!conf_ok(c) || tsc_hz == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	im = rte_zmalloc_socket("ft_impair", sizeof(*im) + size * sizeof(struct slot),
				RTE_CACHE_LINE_SIZE, socket);
	if (im == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	im->cap = cap;
	im->mask = size - 1;
	set_params(im, c, tsc_hz);
	for (unsigned int i = 0; i < RS_MAX; i++)
		prng_seed(&im->rs[i], c->seed, salt, i);
	return im;
}

void
ft_impair_destroy(struct ft_impair *im)
{
	if (im == NULL)
		return;
	for (; im->head != im->tail; im->head++)
		rte_pktmbuf_free(im->q[im->head & im->mask].m);
	for (uint16_t i = 0; i < im->n_held; i++)
		rte_pktmbuf_free(im->held[i].m);
	rte_free(im);
}

/* Packets in the link queue (not yet fully serialised) at @p now. Amortised O(1). */
static uint32_t
link_backlog(struct ft_impair *im, uint64_t now)
{
	if ((int32_t)(im->dep_head - im->head) < 0)
		im->dep_head = im->head;
	while (im->dep_head != im->tail && im->q[im->dep_head & im->mask].dep <= now)
		im->dep_head++;
	return im->tail - im->dep_head;
}

/* Release time: end of serialisation + delay + jitter, never before @p dep nor before the
 * previous packet (so jitter does not reorder). */
static uint64_t
release_time(struct ft_impair *im, uint64_t dep)
{
	uint64_t rel = dep + im->delay_tsc;

	if (im->jitter_tsc != 0) {
		uint64_t j = prng_below(&im->rs[RS_JITTER], 2 * im->jitter_tsc + 1);

		rel = j >= im->jitter_tsc ? rel + (j - im->jitter_tsc)
					  : rel - RTE_MIN(im->jitter_tsc - j, rel - dep);
	}
	rel = RTE_MAX(rel, im->last_rel);
	im->last_rel = rel;
	return rel;
}

/* Steps 4-6 of the file comment for one packet. Consumes @p m. */
static void
enqueue(struct ft_impair *im, struct rte_mbuf *m, uint64_t now)
{
	uint64_t dep = now;
	struct slot *s;

	if (im->tsc_per_byte_q16 != 0) {
		if (link_backlog(im, now) >= im->rate_queue) {
			im->st.rate_dropped++;
			rte_pktmbuf_free(m);
			return;
		}
	}
	if (im->tail - im->head >= im->cap) {
		im->st.queue_full++;
		rte_pktmbuf_free(m);
		return;
	}
	if (im->tsc_per_byte_q16 != 0) {
		dep = RTE_MAX(now, im->next_free) +
		      (((uint64_t)m->pkt_len * im->tsc_per_byte_q16) >> 16);
		im->next_free = dep;
	}
	s = &im->q[im->tail++ & im->mask];
	s->dep = dep;
	s->rel = release_time(im, dep);
	s->m = m;
	if (s->rel > now)
		im->st.delayed++;
}

/* Steps 1-2: true when the packet is lost. */
static bool
lost(struct ft_impair *im)
{
	if (chance(&im->rs[RS_LOSS], im->loss_ppm)) {
		im->st.impaired_lost++;
		return true;
	}
	if (im->burst_p_ppm == 0)
		return false;
	if (!im->bad)
		im->bad = chance(&im->rs[RS_BURST], im->burst_p_ppm);
	else
		im->bad = !chance(&im->rs[RS_BURST], im->burst_r_ppm);
	if (im->bad && chance(&im->rs[RS_BURST], im->burst_h_ppm)) {
		im->st.burst_lost++;
		return true;
	}
	return false;
}

void
ft_impair_input(struct ft_impair *im, struct rte_mbuf **pkts, uint16_t n, uint64_t now)
{
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i], *dup = NULL;

		im->st.in_pkts++;
		if (lost(im)) {
			rte_pktmbuf_free(m);
			continue;
		}
		if (chance(&im->rs[RS_DUP], im->dup_ppm)) {
			dup = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
			if (dup != NULL)
				im->st.duplicated++;
		}
		enqueue(im, m, now);
		if (dup != NULL)
			enqueue(im, dup, now);
	}
}

static void
unhold(struct ft_impair *im, uint16_t i)
{
	memmove(&im->held[i], &im->held[i + 1], (size_t)(im->n_held - i - 1) * sizeof(im->held[0]));
	im->n_held--;
}

/* Held packets whose deadline passed go out (traffic stopped before gap packets overtook). */
static uint16_t
release_expired(struct ft_impair *im, struct rte_mbuf **out, uint16_t n, uint16_t max,
		uint64_t now)
{
	for (uint16_t i = 0; i < im->n_held && n < max;) {
		struct held *h = &im->held[i];

		if (h->deadline > now) {
			i++;
			continue;
		}
		if (h->left < im->gap)
			im->st.reordered++;
		out[n++] = h->m;
		unhold(im, i);
	}
	return n;
}

/* One more packet went out: held packets it completed the gap of follow it. */
static uint16_t
count_down(struct ft_impair *im, struct rte_mbuf **out, uint16_t n)
{
	for (uint16_t i = 0; i < im->n_held;) {
		struct held *h = &im->held[i];

		if (--h->left > 0) {
			i++;
			continue;
		}
		im->st.reordered++;
		out[n++] = h->m;
		unhold(im, i);
	}
	return n;
}

uint16_t
ft_impair_output(struct ft_impair *im, struct rte_mbuf **out, uint16_t max, uint64_t now)
{
	uint16_t n = release_expired(im, out, 0, max, now);

	/* Room for this packet and every held one it may release. */
	while (n + im->n_held < max && im->head != im->tail) {
		struct slot *s = &im->q[im->head & im->mask];
		struct rte_mbuf *m = s->m;

		if (s->rel > now)
			break;
		im->head++;
		if (im->n_held < HOLD_MAX && chance(&im->rs[RS_REORDER], im->reorder_ppm)) {
			im->held[im->n_held++] = (struct held){
				.m = m, .deadline = now + im->reorder_max_tsc, .left = im->gap };
			continue;
		}
		out[n++] = m;
		n = count_down(im, out, n);
	}
	im->st.out_pkts += n;
	return n;
}

uint32_t
ft_impair_held(const struct ft_impair *im)
{
	return im->tail - im->head + im->n_held;
}

void
ft_impair_stats_add(const struct ft_impair *im, struct ft_impair_stats *st)
{
	st->in_pkts += im->st.in_pkts;
	st->out_pkts += im->st.out_pkts;
	st->impaired_lost += im->st.impaired_lost;
	st->burst_lost += im->st.burst_lost;
	st->reordered += im->st.reordered;
	st->duplicated += im->st.duplicated;
	st->delayed += im->st.delayed;
	st->rate_dropped += im->st.rate_dropped;
	st->queue_full += im->st.queue_full;
}
