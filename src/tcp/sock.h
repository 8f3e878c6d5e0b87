/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals shared by the socket facade (socket.c) and its epoll sets (epoll.c). */
#ifndef FT_TCP_SOCK_H
#define FT_TCP_SOCK_H

#include <stdint.h>

struct ft_worker;
struct ft_tcp_worker;
struct ft_conn;

enum ft_sock_kind { SK_FREE, SK_TCP, SK_EPOLL };
enum ft_sock_state { SS_NEW, SS_BOUND, SS_LISTEN, SS_CONNECTING, SS_CONNECTED, SS_CLOSED };

struct ft_sock {
	uint8_t kind, state, in_ready;
	int16_t err;          /* pending error, negative errno */
	uint16_t port;
	int32_t next;         /* free list, or the accept queue of a listener */
	int32_t rnext;        /* ready list of the epoll set */
	int32_t head, tail;   /* listener: accept queue; epoll set: ready list */
	int32_t epfd;         /* epoll set this descriptor is in, -1 none */
	uint32_t ep_events;
	uint64_t ep_data;
	struct ft_conn *conn;
};

struct ft_sock_table {
	uint32_t n;
	int32_t free;
	struct ft_sock s[];
};

/* socket.c: descriptor lookup (NULL if @p fd is not of @p kind), allocation, readiness. */
struct ft_sock *ft_sock_get(struct ft_worker *w, int fd, enum ft_sock_kind kind);
int ft_sock_alloc(struct ft_worker *w, enum ft_sock_kind kind);
void ft_sock_release(struct ft_worker *w, int fd);
uint32_t ft_sock_readiness(const struct ft_sock *s);
/* Queue @p fd on its epoll set's ready list if it is ready for what the set wants. */
void ft_sock_mark(struct ft_worker *w, int fd);

/* socket.c */
int ft_sock_table_init(struct ft_tcp_worker *tw, uint32_t n);
void ft_sock_table_fini(struct ft_tcp_worker *tw);

/* epoll.c */
int ft_epoll_close(struct ft_worker *w, int epfd);
void ft_sock_unregister(struct ft_worker *w, int fd);

#endif /* FT_TCP_SOCK_H */
