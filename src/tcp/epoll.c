/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * epoll-like readiness sets of the socket facade (ft_socket.h). A set is a descriptor whose
 * head/tail hold a ready list; the connection callbacks in socket.c append to it
 * (ft_sock_mark), ft_epoll_wait() takes from it. Level-triggered: a descriptor still ready
 * after being reported is queued again for the next wait; one no longer ready is dropped from
 * the list until its next event.
 */
#include <errno.h>

#include <fasttcp/ft_socket.h>

#include "core/worker.h"
#include "tcp/sock.h"
#include "tcp/tcp.h"

int
ft_epoll_create(struct ft_worker *w)
{
	if (w == NULL || w->tcp == NULL)
		return -ENOTSUP;
	return ft_sock_alloc(w, SK_EPOLL);
}

/* Remove @p fd from its set's ready list (O(list); only on DEL/close). */
static void
unlink_ready(struct ft_sock_table *t, int fd)
{
	struct ft_sock *ep = &t->s[t->s[fd].epfd];
	int32_t prev = -1, cur = ep->head;

	while (cur >= 0 && cur != fd) {
		prev = cur;
		cur = t->s[cur].rnext;
	}
	if (cur < 0)
		return;
	if (prev < 0)
		ep->head = t->s[fd].rnext;
	else
		t->s[prev].rnext = t->s[fd].rnext;
	if (ep->tail == fd)
		ep->tail = prev;
	t->s[fd].in_ready = 0;
}

void
ft_sock_unregister(struct ft_worker *w, int fd)
{
	struct ft_sock_table *t = w->tcp->socks;

	if (t->s[fd].epfd < 0)
		return;
	if (t->s[fd].in_ready)
		unlink_ready(t, fd);
	t->s[fd].epfd = -1;
}

int
ft_epoll_close(struct ft_worker *w, int epfd)
{
	struct ft_sock *ep = ft_sock_get(w, epfd, SK_EPOLL);
	struct ft_sock_table *t;

	if (ep == NULL)
		return -EBADF;
	t = w->tcp->socks;
	for (uint32_t i = 0; i < t->n; i++)
		if (t->s[i].kind == SK_TCP && t->s[i].epfd == epfd)
			ft_sock_unregister(w, (int)i);
	ft_sock_release(w, epfd);
	return 0;
}

int
ft_epoll_ctl(struct ft_worker *w, int epfd, int op, int fd, const struct ft_epoll_event *ev)
{
	struct ft_sock *ep = ft_sock_get(w, epfd, SK_EPOLL);
	struct ft_sock *s = ft_sock_get(w, fd, SK_TCP);

	if (ep == NULL || s == NULL)
		return -EBADF;
	if (op == FT_EPOLL_CTL_DEL) {
		if (s->epfd != epfd)
			return -ENOENT;
		ft_sock_unregister(w, fd);
		return 0;
	}
	if (ev == NULL || (op != FT_EPOLL_CTL_ADD && op != FT_EPOLL_CTL_MOD))
		return -EINVAL;
	if (op == FT_EPOLL_CTL_ADD && s->epfd >= 0)
		return -EEXIST; /* one set per descriptor */
	if (op == FT_EPOLL_CTL_MOD && s->epfd != epfd)
		return -ENOENT;
	s->epfd = epfd;
	s->ep_events = ev->events;
	s->ep_data = ev->data;
	ft_sock_mark(w, fd);
	return 0;
}

int
ft_epoll_wait(struct ft_worker *w, int epfd, struct ft_epoll_event *events, int max)
{
	struct ft_sock *ep = ft_sock_get(w, epfd, SK_EPOLL);
	struct ft_sock_table *t;
	int32_t fd, again_head = -1, again_tail = -1;
	int n = 0;

	if (ep == NULL)
		return -EBADF;
	if (events == NULL || max <= 0)
		return -EINVAL;
	t = w->tcp->socks;
	while (n < max && (fd = ep->head) >= 0) {
		struct ft_sock *s = &t->s[fd];
		uint32_t ev = ft_sock_readiness(s) & (s->ep_events | FT_EPOLLERR | FT_EPOLLHUP);

		ep->head = s->rnext;
		if (ep->head < 0)
			ep->tail = -1;
		s->in_ready = 0;
		if (ev == 0)
			continue;
		events[n].events = ev;
		events[n++].data = s->ep_data;
		/* Level-triggered: still ready, so reported again next time. */
		s->in_ready = 1;
		s->rnext = -1;
		if (again_tail >= 0)
			t->s[again_tail].rnext = fd;
		else
			again_head = fd;
		again_tail = fd;
	}
	if (again_head >= 0) { /* append after what was not examined */
		if (ep->tail >= 0)
			t->s[ep->tail].rnext = again_head;
		else
			ep->head = again_head;
		ep->tail = again_tail;
	}
	return n;
}
