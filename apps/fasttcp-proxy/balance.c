/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Backend choice and the backend connect: round robin or least connections over a
 * listener's backends, connect timeouts, retry on another backend, and down marking.
 *
 * Every worker balances its own connections (share nothing): round-robin cursors and the
 * least-connections counts are per worker, so with W workers the spread is even per worker
 * and therefore overall. The one shared state is a backend's down mark (down_until, a TSC
 * deadline): a failed connect (refused, or no answer within connect_timeout_ms) sets it, any
 * worker reads it, a completed connect clears it. Down backends are skipped while an up one
 * is left to try; when none is, the one whose mark expires first is tried anyway, because
 * refusing the client is never better than one more attempt.
 *
 * Connect timeouts: the pairs connecting through a listener wait in a FIFO per worker and
 * listener; the timeout is fixed per listener and the loop clock only grows, so deadlines
 * are in order and the poll hook only looks at the heads. A timed-out attempt is aborted
 * (SYN-SENT: nothing is sent, no callback) and the next backend is tried.
 */
#include <errno.h>

#include <fasttcp/ft_stack.h>
#include <fasttcp/ft_tcp.h>

#include "proxy.h"

static bool
is_down(const struct proxy_backend *b, uint64_t now, uint64_t *until)
{
	*until = __atomic_load_n(&b->down_until, __ATOMIC_RELAXED);
	return *until != 0 && now < *until;
}

/*
 * Index (in the listener) of the backend to try next for @p pp, or -1 when every backend
 * has been tried. Candidates are visited from the worker's cursor, so ties rotate.
 */
static int
pick(struct proxy_pair *pp, uint64_t now)
{
	const struct proxy_listener *l = pp->l;
	struct proxy_worker *pw = pp->pw;
	unsigned int n = l->conf->n_backends, start = pw->rr[l->id] % n;
	uint64_t least = UINT64_MAX, soonest = UINT64_MAX, until;
	int best = -1, fallback = -1;

	for (unsigned int k = 0; k < n; k++) {
		unsigned int i = (start + k) % n;
		const struct proxy_backend *b = &l->backends[i];

		if (pp->tried & (1u << i))
			continue;
		if (is_down(b, now, &until)) {
			if (until < soonest) {
				soonest = until;
				fallback = (int)i;
			}
			continue;
		}
		if (l->conf->balance == PROXY_BALANCE_ROUNDROBIN) {
			best = (int)i;
			break;
		}
		if (pw->bs[b->id].active < least) {
			least = pw->bs[b->id].active;
			best = (int)i;
		}
	}
	if (best < 0)
		best = fallback;
	if (best >= 0)
		pw->rr[l->id] = (uint32_t)best + 1;
	return best;
}

static void
mark_down(struct proxy_pair *pp, uint64_t now)
{
	struct proxy_backend *b = pp->b;
	uint64_t until;

	if (pp->l->conf->down_retry_ms == 0)
		return;
	if (!is_down(b, now, &until))
		pp->pw->bs[b->id].marked_down++;
	__atomic_store_n(&b->down_until, now + pp->l->down_retry_tsc, __ATOMIC_RELAXED);
}

int
proxy_connect_next(struct proxy_pair *pp, struct ft_worker *w)
{
	const struct proxy_listener *l = pp->l;
	struct proxy_worker *pw = pp->pw;
	uint64_t now = ft_worker_now(w);
	struct proxy_backend *b;
	struct ft_conn *c;
	int i;

	while (pp->attempts <= l->conf->connect_retries && (i = pick(pp, now)) >= 0) {
		b = &l->backends[i];
		pp->tried |= 1u << i;
		if (pp->attempts++ > 0)
			pw->ls[l->id].connect_retries++;
		pw->bs[b->id].attempts++;
		c = ft_tcp_connect(w, b->ip, b->port, &proxy_back_ops, pp);
		if (c == NULL) {
			pw->bs[b->id].failed++; /* local: no port, no route, table full */
			continue;
		}
		pp->conn[PROXY_BACK] = c;
		pp->b = b;
		pw->bs[b->id].active++;
		pp->deadline = now + l->connect_timeout_tsc;
		TAILQ_INSERT_TAIL(&pw->connecting[l->id], pp, wait);
		pp->waiting = true;
		return 0;
	}
	return -ENOENT;
}

void
proxy_connect_cancel(struct proxy_pair *pp)
{
	TAILQ_REMOVE(&pp->pw->connecting[pp->l->id], pp, wait);
	pp->waiting = false;
}

void
proxy_connect_succeeded(struct proxy_pair *pp)
{
	struct proxy_backend *b = pp->b;

	proxy_connect_cancel(pp);
	pp->connected = true;
	pp->pw->bs[b->id].connected++;
	if (__atomic_load_n(&b->down_until, __ATOMIC_RELAXED) != 0)
		__atomic_store_n(&b->down_until, 0, __ATOMIC_RELAXED);
}

void
proxy_connect_failed(struct proxy_pair *pp, struct ft_worker *w, bool timeout)
{
	struct proxy_bstats *bs = &pp->pw->bs[pp->b->id];

	proxy_connect_cancel(pp);
	if (timeout)
		bs->timeouts++;
	else
		bs->refused++;
	bs->active--;
	mark_down(pp, ft_worker_now(w));
	pp->b = NULL;
	pp->conn[PROXY_BACK] = NULL;
	if (proxy_connect_next(pp, w) == 0)
		return;
	pp->pw->ls[pp->l->id].no_backend++;
	proxy_pair_abort(pp);
}

void
proxy_connect_expire(struct proxy_worker *pw, struct ft_worker *w, uint64_t now)
{
	for (unsigned int l = 0; l < pw->p->n_listeners; l++) {
		struct proxy_pair *pp;

		/* Each pass removes the head, so the loop ends with the list. */
		while ((pp = TAILQ_FIRST(&pw->connecting[l])) != NULL && now >= pp->deadline) {
			struct ft_conn *c = pp->conn[PROXY_BACK];

			ft_conn_set_ops(c, &proxy_nop_ops, NULL);
			ft_conn_abort(c); /* SYN-SENT: released at once, nothing sent */
			proxy_connect_failed(pp, w, true);
		}
	}
}
