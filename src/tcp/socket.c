/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The socket-like facade (ft_socket.h) over the event API. Each worker has a descriptor table
 * allocated with its TCP state. Connections made or accepted here run with sock_ops, whose
 * callbacks only record readiness: they put the descriptor on its epoll set's ready list, so
 * ft_epoll_wait() costs O(ready descriptors), not O(registered). The list is level-triggered:
 * a descriptor reported and still ready is put back for the next wait.
 * Each descriptor belongs to at most one epoll set (no nesting, no sharing).
 * Listening ports are registered in the stack's shared listener table on first ft_listen();
 * that write happens on a worker, under a lock that only ft_listen() takes (never a packet).
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_spinlock.h>

#include <fasttcp/ft_socket.h>

#include "core/worker.h"
#include "tcp/sock.h"
#include "tcp/tcp.h"

static rte_spinlock_t listen_lock = RTE_SPINLOCK_INITIALIZER;
static const struct ft_conn_ops sock_ops;

int
ft_sock_table_init(struct ft_tcp_worker *tw, uint32_t n)
{
	tw->socks = rte_zmalloc("ft_socks", sizeof(*tw->socks) + n * sizeof(struct ft_sock), 0);
	if (tw->socks == NULL)
		return -ENOMEM;
	tw->socks->n = n;
	tw->socks->free = 0;
	for (uint32_t i = 0; i < n; i++)
		tw->socks->s[i].next = i + 1 < n ? (int32_t)(i + 1) : -1;
	return 0;
}

void
ft_sock_table_fini(struct ft_tcp_worker *tw)
{
	rte_free(tw->socks);
	tw->socks = NULL;
}

struct ft_sock *
ft_sock_get(struct ft_worker *w, int fd, enum ft_sock_kind kind)
{
	struct ft_sock_table *t = w != NULL && w->tcp != NULL ? w->tcp->socks : NULL;

	if (t == NULL || fd < 0 || (uint32_t)fd >= t->n || t->s[fd].kind != kind)
		return NULL;
	return &t->s[fd];
}

int
ft_sock_alloc(struct ft_worker *w, enum ft_sock_kind kind)
{
	struct ft_sock_table *t = w->tcp->socks;
	int fd = t->free;

	if (fd < 0)
		return -ENFILE;
	t->free = t->s[fd].next;
	memset(&t->s[fd], 0, sizeof(t->s[fd]));
	t->s[fd].kind = (uint8_t)kind;
	t->s[fd].next = t->s[fd].rnext = t->s[fd].head = t->s[fd].tail = t->s[fd].epfd = -1;
	return fd;
}

void
ft_sock_release(struct ft_worker *w, int fd)
{
	struct ft_sock_table *t = w->tcp->socks;

	t->s[fd].kind = SK_FREE;
	t->s[fd].next = t->free;
	t->free = fd;
}

uint32_t
ft_sock_readiness(const struct ft_sock *s)
{
	uint32_t ev = 0;

	if (s->state == SS_LISTEN)
		return s->head >= 0 ? FT_EPOLLIN : 0;
	if (s->err != 0)
		ev |= FT_EPOLLERR;
	if (s->state == SS_CLOSED)
		return ev | FT_EPOLLHUP | FT_EPOLLIN;
	if (s->conn != NULL && s->state == SS_CONNECTED) {
		if (ft_tcp_conn_readable((const struct ft_tcb *)s->conn))
			ev |= FT_EPOLLIN;
		if (ft_conn_send_space(s->conn) > 0)
			ev |= FT_EPOLLOUT;
	}
	return ev;
}

/* Put @p fd on its epoll set's ready list if it is ready for what the set wants. */
void
ft_sock_mark(struct ft_worker *w, int fd)
{
	struct ft_sock_table *t = w->tcp->socks;
	struct ft_sock *s = &t->s[fd], *ep;

	if (s->epfd < 0 || s->in_ready ||
	    !(ft_sock_readiness(s) & (s->ep_events | FT_EPOLLERR | FT_EPOLLHUP)))
		return;
	ep = &t->s[s->epfd];
	s->in_ready = 1;
	s->rnext = -1;
	if (ep->tail >= 0)
		t->s[ep->tail].rnext = fd;
	else
		ep->head = fd;
	ep->tail = fd;
}

static int
fd_of(const void *arg)
{
	return (int)(intptr_t)arg - 1;
}

/* Find this worker's descriptor listening on @p port, or -1. */
static int
listener_fd(struct ft_worker *w, uint16_t port)
{
	struct ft_sock_table *t = w->tcp->socks;

	for (uint32_t i = 0; i < t->n; i++)
		if (t->s[i].kind == SK_TCP && t->s[i].state == SS_LISTEN && t->s[i].port == port)
			return (int)i;
	return -1;
}

static void
on_established(struct ft_conn *c, void *arg)
{
	struct ft_worker *w = ft_conn_worker(c);
	struct ft_sock_table *t = w->tcp->socks;
	uint32_t lip, rip;
	uint16_t lport, rport;
	int lfd, fd;

	if (arg != NULL) { /* our ft_connect() completed */
		t->s[fd_of(arg)].state = SS_CONNECTED;
		ft_sock_mark(w, fd_of(arg));
		return;
	}
	ft_conn_endpoints(c, &lip, &lport, &rip, &rport);
	lfd = listener_fd(w, lport);
	fd = lfd >= 0 ? ft_sock_alloc(w, SK_TCP) : -ENFILE;
	if (fd < 0) {
		w->stats.tcp_accept_dropped++;
		ft_conn_abort(c); /* no listener on this worker, or no descriptor left */
		return;
	}
	t->s[fd].state = SS_CONNECTED;
	t->s[fd].conn = c;
	t->s[fd].port = lport;
	ft_conn_set_ops(c, &sock_ops, (void *)(intptr_t)(fd + 1));
	if (t->s[lfd].tail >= 0)
		t->s[t->s[lfd].tail].next = fd;
	else
		t->s[lfd].head = fd;
	t->s[lfd].tail = fd;
	ft_sock_mark(w, lfd);
}

static void
on_event(struct ft_conn *c, void *arg)
{
	if (arg != NULL)
		ft_sock_mark(ft_conn_worker(c), fd_of(arg));
}

static void
on_closed(struct ft_conn *c, enum ft_close_reason reason, void *arg)
{
	static const int16_t errs[] = {
		[FT_CLOSE_NORMAL] = 0, [FT_CLOSE_RESET] = -ECONNRESET,
		[FT_CLOSE_REFUSED] = -ECONNREFUSED, [FT_CLOSE_TIMEOUT] = -ETIMEDOUT,
		[FT_CLOSE_ABORTED] = -ECONNABORTED,
	};
	struct ft_worker *w = ft_conn_worker(c);
	struct ft_sock *s;

	if (arg == NULL)
		return; /* released by ft_close(), or never accepted */
	s = &w->tcp->socks->s[fd_of(arg)];
	s->conn = NULL;
	s->state = SS_CLOSED;
	s->err = errs[reason];
	ft_sock_mark(w, fd_of(arg));
}

static const struct ft_conn_ops sock_ops = {
	.established = on_established,
	.readable = on_event,
	.writable = on_event,
	.closed = on_closed,
};

int
ft_socket(struct ft_worker *w)
{
	if (w == NULL || w->tcp == NULL)
		return -ENOTSUP;
	return ft_sock_alloc(w, SK_TCP);
}

int
ft_bind(struct ft_worker *w, int fd, uint16_t port)
{
	struct ft_sock *s = ft_sock_get(w, fd, SK_TCP);

	if (s == NULL)
		return -EBADF;
	if (s->state != SS_NEW || port == 0)
		return -EINVAL;
	s->port = port;
	s->state = SS_BOUND;
	return 0;
}

int
ft_listen(struct ft_worker *w, int fd)
{
	struct ft_sock *s = ft_sock_get(w, fd, SK_TCP);
	struct ft_tcp_shared *sh;
	uint8_t li;
	int rc = 0;

	if (s == NULL)
		return -EBADF;
	if (s->state != SS_BOUND)
		return -EINVAL;
	sh = (struct ft_tcp_shared *)(uintptr_t)w->tcp->sh; /* written only under the lock */
	rte_spinlock_lock(&listen_lock);
	li = sh->listen_index[s->port];
	if (li == 0)
		rc = ft_tcp_listen_add(sh, s->port, &sock_ops, NULL);
	else if (sh->listeners[li - 1].ops != &sock_ops)
		rc = -EADDRINUSE;
	rte_spinlock_unlock(&listen_lock);
	if (rc == 0)
		s->state = SS_LISTEN;
	return rc;
}

int
ft_accept(struct ft_worker *w, int fd, uint32_t *ip, uint16_t *port)
{
	struct ft_sock *s = ft_sock_get(w, fd, SK_TCP);
	struct ft_sock_table *t;
	uint32_t lip;
	uint16_t lport, rport;
	uint32_t rip;
	int nfd;

	if (s == NULL)
		return -EBADF;
	if (s->state != SS_LISTEN)
		return -EINVAL;
	if (s->head < 0)
		return -EAGAIN;
	t = w->tcp->socks;
	nfd = s->head;
	s->head = t->s[nfd].next;
	if (s->head < 0)
		s->tail = -1;
	t->s[nfd].next = -1;
	if (t->s[nfd].conn != NULL) {
		ft_conn_endpoints(t->s[nfd].conn, &lip, &lport, &rip, &rport);
		if (ip != NULL)
			*ip = rip;
		if (port != NULL)
			*port = rport;
	}
	return nfd;
}

int
ft_connect(struct ft_worker *w, int fd, uint32_t ip, uint16_t port)
{
	struct ft_sock *s = ft_sock_get(w, fd, SK_TCP);
	struct ft_conn *c;

	if (s == NULL)
		return -EBADF;
	if (s->state != SS_NEW)
		return s->state == SS_LISTEN ? -EINVAL : -EISCONN;
	c = ft_tcp_connect(w, ip, port, &sock_ops, (void *)(intptr_t)(fd + 1));
	if (c == NULL)
		return -rte_errno;
	s->conn = c;
	s->state = SS_CONNECTING;
	return -EINPROGRESS;
}

ssize_t
ft_send(struct ft_worker *w, int fd, const void *buf, size_t len)
{
	struct ft_sock *s = ft_sock_get(w, fd, SK_TCP);
	ssize_t n;

	if (s == NULL)
		return -EBADF;
	if (s->state == SS_CLOSED)
		return s->err != 0 ? s->err : -EPIPE;
	if (s->state != SS_CONNECTED)
		return -ENOTCONN;
	n = ft_conn_write(s->conn, buf, len);
	return n == 0 && len > 0 ? -EAGAIN : n;
}

ssize_t
ft_recv(struct ft_worker *w, int fd, void *buf, size_t len)
{
	struct ft_sock *s = ft_sock_get(w, fd, SK_TCP);
	size_t n;

	if (s == NULL)
		return -EBADF;
	if (s->state == SS_CLOSED)
		return s->err;
	if (s->state != SS_CONNECTED)
		return -ENOTCONN;
	n = ft_conn_read(s->conn, buf, len);
	if (n > 0)
		return (ssize_t)n;
	return ft_conn_eof(s->conn) ? 0 : -EAGAIN;
}

int
ft_shutdown(struct ft_worker *w, int fd)
{
	struct ft_sock *s = ft_sock_get(w, fd, SK_TCP);

	if (s == NULL)
		return -EBADF;
	return s->state == SS_CONNECTED ? ft_conn_shutdown(s->conn) : -ENOTCONN;
}

int
ft_close(struct ft_worker *w, int fd)
{
	struct ft_sock *s = ft_sock_get(w, fd, SK_TCP);

	if (s == NULL)
		return ft_epoll_close(w, fd);
	ft_sock_unregister(w, fd);
	while (s->state == SS_LISTEN && s->head >= 0) /* refuse what was never accepted */
		ft_close(w, ft_accept(w, fd, NULL, NULL));
	if (s->conn != NULL) {
		ft_conn_set_ops(s->conn, &sock_ops, NULL);
		ft_conn_close(s->conn);
	}
	ft_sock_release(w, fd);
	return 0;
}

int
ft_setsockopt(struct ft_worker *w, int fd, enum ft_sockopt opt, int val)
{
	struct ft_sock *s = ft_sock_get(w, fd, SK_TCP);

	if (s == NULL)
		return -EBADF;
	if (s->conn == NULL)
		return -ENOTCONN;
	switch (opt) {
	case FT_SO_NODELAY:
		ft_conn_set_nodelay(s->conn, val != 0);
		return 0;
	case FT_SO_KEEPALIVE:
		return val < 0 ? -EINVAL : ft_conn_set_keepalive(s->conn, (uint32_t)val, 10, 6);
	case FT_SO_SNDBUF:
		return val <= 0 ? -EINVAL : ft_conn_set_buffers(s->conn, (uint32_t)val, 0);
	case FT_SO_RCVBUF:
		return val <= 0 ? -EINVAL : ft_conn_set_buffers(s->conn, 0, (uint32_t)val);
	default:
		return -EINVAL;
	}
}

int
ft_getsockerr(struct ft_worker *w, int fd)
{
	struct ft_sock *s = ft_sock_get(w, fd, SK_TCP);
	int err;

	if (s == NULL)
		return -EBADF;
	err = s->err;
	s->err = 0;
	return err;
}
