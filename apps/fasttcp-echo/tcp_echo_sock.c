/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP echo written against the socket facade (ft_socket.h) instead of the event API: the
 * way a ported BSD-sockets server looks. Each worker, from the poll hook: listen once, then
 * ft_epoll_wait() and serve what is ready: accept, read into a per-connection buffer, write
 * back what the send buffer takes, wait for FT_EPOLLOUT for the rest, close at end of stream.
 * Buffers come from a mempool sized at start (max_conns), not from malloc per connection.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include <rte_mempool.h>

#include <fasttcp/fasttcp.h>

#include "tcp_echo.h"

#define BUF_SIZE 16384
#define MAX_EVENTS 64

struct echo_buf {
	uint32_t len, off; /* bytes held, bytes already written back */
	bool eof;
	char data[BUF_SIZE];
};

struct sock_echo {
	uint16_t port;
	struct rte_mempool *bufs;
	int lfd[RTE_MAX_LCORE], ep[RTE_MAX_LCORE]; /* per worker */
	bool ready[RTE_MAX_LCORE];
};

static struct sock_echo se;

static void
add(struct ft_worker *w, int fd, uint32_t events, void *ptr)
{
	struct ft_epoll_event ev = { .events = events, .data = (uint64_t)(uintptr_t)ptr };

	ft_epoll_ctl(w, se.ep[ft_worker_index(w)], FT_EPOLL_CTL_ADD, fd, &ev);
}

static void
finish(struct ft_worker *w, int fd, struct echo_buf *b)
{
	ft_close(w, fd);
	rte_mempool_put(se.bufs, b);
}

static void
accept_all(struct ft_worker *w)
{
	unsigned int i = ft_worker_index(w);
	struct echo_buf *b;
	int fd;

	while ((fd = ft_accept(w, se.lfd[i], NULL, NULL)) >= 0) {
		if (rte_mempool_get(se.bufs, (void **)&b) < 0) {
			ft_close(w, fd); /* more connections than buffers */
			continue;
		}
		b->len = b->off = 0;
		b->eof = false;
		b->data[0] = 0;
		add(w, fd, FT_EPOLLIN, (void *)((uintptr_t)b | (uint64_t)fd << 48));
	}
}

/* Echo what is buffered, read more when the buffer is empty. */
static void
serve(struct ft_worker *w, int fd, struct echo_buf *b)
{
	struct ft_epoll_event ev = { .data = (uint64_t)(uintptr_t)b | (uint64_t)fd << 48 };
	ssize_t n;

	for (;;) {
		while (b->off < b->len) {
			n = ft_send(w, fd, b->data + b->off, b->len - b->off);
			if (n < 0)
				break;
			b->off += (uint32_t)n;
		}
		if (b->off < b->len || b->eof)
			break;
		b->len = b->off = 0;
		n = ft_recv(w, fd, b->data, BUF_SIZE);
		if (n > 0) {
			b->len = (uint32_t)n;
			continue;
		}
		if (n == 0 || n != -EAGAIN)
			b->eof = true; /* end of stream, or the connection failed */
		break;
	}
	if (b->eof && b->off == b->len) {
		finish(w, fd, b);
		return;
	}
	/* Waiting to write the rest, or for more to read. */
	ev.events = b->off < b->len ? FT_EPOLLOUT : FT_EPOLLIN;
	ft_epoll_ctl(w, se.ep[ft_worker_index(w)], FT_EPOLL_CTL_MOD, fd, &ev);
}

static void
start(struct ft_worker *w)
{
	unsigned int i = ft_worker_index(w);

	se.lfd[i] = ft_socket(w);
	se.ep[i] = ft_epoll_create(w);
	if (se.lfd[i] < 0 || se.ep[i] < 0 || ft_bind(w, se.lfd[i], se.port) < 0 ||
	    ft_listen(w, se.lfd[i]) < 0) {
		fprintf(stderr, "fasttcp-echo: worker %u cannot listen on %u\n", i, se.port);
		ft_stack_stop(ft_worker_stack(w));
		return;
	}
	add(w, se.lfd[i], FT_EPOLLIN, NULL);
	se.ready[i] = true;
}

static void
poll_sockets(struct ft_worker *w, void *arg)
{
	struct ft_epoll_event ev[MAX_EVENTS];
	unsigned int i = ft_worker_index(w);
	int n;

	if (!se.ready[i])
		start(w);
	n = ft_epoll_wait(w, se.ep[i], ev, MAX_EVENTS);
	for (int k = 0; k < n; k++) {
		uint64_t d = ev[k].data;

		if (d == 0)
			accept_all(w);
		else
			serve(w, (int)(d >> 48), (struct echo_buf *)(uintptr_t)(d & ((1ull << 48) - 1)));
	}
}

int
tcp_echo_sock_start(struct ft_stack *s, uint16_t port, uint32_t max_conns)
{
	se.port = port;
	se.bufs = rte_mempool_create("echo_bufs", max_conns, sizeof(struct echo_buf), 64, 0,
				     NULL, NULL, NULL, NULL, SOCKET_ID_ANY, 0);
	if (se.bufs == NULL)
		return -ENOMEM;
	return ft_stack_set_poll(s, poll_sockets, NULL);
}
