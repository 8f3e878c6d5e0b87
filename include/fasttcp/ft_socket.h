/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A socket-like facade over the TCP event API, for porting code written against BSD sockets
 * and epoll (proxies, servers). Everything is non-blocking: a worker must never block, so
 * calls return -EAGAIN / -EINPROGRESS where sockets would block, and ft_epoll_wait() returns
 * at once (call it from the poll hook, ft_stack_set_poll(), every loop iteration).
 *
 * Descriptors are per worker: a descriptor is valid only on the worker that created it, and
 * every call takes that worker. With several workers, each calls ft_listen() on the port it
 * should accept on (connections arrive on the worker their packets hash to), like
 * SO_REUSEPORT listeners.
 *
 * Errors are negative errno values, as everywhere in libfasttcp.
 */
#ifndef FT_SOCKET_H
#define FT_SOCKET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <fasttcp/ft_stack.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Readiness bits (the same meaning as epoll's). */
#define FT_EPOLLIN  0x001u /**< data to read, EOF, or a connection to accept */
#define FT_EPOLLOUT 0x004u /**< room to write (a connect completed) */
#define FT_EPOLLERR 0x008u /**< an error is pending (ft_getsockerr()) */
#define FT_EPOLLHUP 0x010u /**< the connection is gone */

#define FT_EPOLL_CTL_ADD 1
#define FT_EPOLL_CTL_DEL 2
#define FT_EPOLL_CTL_MOD 3

/** Socket options for ft_setsockopt(). */
enum ft_sockopt {
	FT_SO_NODELAY,   /**< val != 0: disable Nagle */
	FT_SO_KEEPALIVE, /**< val = idle seconds (0 off); probes every 10 s, 6 probes */
	FT_SO_SNDBUF,    /**< val = send buffer bytes */
	FT_SO_RCVBUF,    /**< val = receive buffer bytes (stops autotuning) */
};

struct ft_epoll_event {
	uint32_t events;
	uint64_t data;
};

/** A new TCP socket on worker @p w. @return descriptor >= 0, or -ENFILE, -ENOTSUP (no TCP). */
int ft_socket(struct ft_worker *w);

/** Choose the local port for ft_listen(). @return 0, -EBADF, -EINVAL. */
int ft_bind(struct ft_worker *w, int fd, uint16_t port);

/**
 * Accept connections to the bound port on this worker. The port is registered for the whole
 * stack on first use; other workers listening on it share it.
 * @return 0, -EBADF, -EINVAL (not bound), -EADDRINUSE (the port belongs to an event-API
 *         listener), -ENOSPC.
 */
int ft_listen(struct ft_worker *w, int fd);

/** Take one established connection. @return a new descriptor, -EAGAIN (none yet), -EBADF,
 *  -EINVAL (not listening). Remote address in @p ip / @p port (host order) if not NULL. */
int ft_accept(struct ft_worker *w, int fd, uint32_t *ip, uint16_t *port);

/** Start a connection. @return -EINPROGRESS (FT_EPOLLOUT when done, or FT_EPOLLERR with
 *  ft_getsockerr()), -EBADF, -EISCONN, or the errors of ft_tcp_connect(). */
int ft_connect(struct ft_worker *w, int fd, uint32_t ip, uint16_t port);

/** Copy up to @p len bytes out. @return bytes (> 0), -EAGAIN (buffer full), -EPIPE,
 *  -ENOTCONN, -EBADF. */
ssize_t ft_send(struct ft_worker *w, int fd, const void *buf, size_t len);

/** Copy received bytes in. @return bytes (> 0), 0 at end of stream, -EAGAIN, -ECONNRESET,
 *  -ETIMEDOUT, -ENOTCONN, -EBADF. */
ssize_t ft_recv(struct ft_worker *w, int fd, void *buf, size_t len);

/** Half-close (FIN after queued data). @return 0, -ENOTCONN, -EBADF. */
int ft_shutdown(struct ft_worker *w, int fd);

/** Release the descriptor; a connection sends its queued data and FIN. @return 0, -EBADF. */
int ft_close(struct ft_worker *w, int fd);

/** @return 0, -EBADF, -ENOTCONN (no connection yet), -EINVAL. */
int ft_setsockopt(struct ft_worker *w, int fd, enum ft_sockopt opt, int val);

/** The pending error of @p fd (a failed connect, a reset), cleared by reading:
 *  0 or a negative errno. */
int ft_getsockerr(struct ft_worker *w, int fd);

/** A new readiness set. @return descriptor >= 0 or -ENFILE. */
int ft_epoll_create(struct ft_worker *w);

/** Add, change or remove interest of @p fd in set @p epfd. @return 0, -EBADF, -EEXIST,
 *  -ENOENT, -EINVAL. */
int ft_epoll_ctl(struct ft_worker *w, int epfd, int op, int fd, const struct ft_epoll_event *ev);

/** Report up to @p max ready descriptors (level-triggered); never blocks.
 *  @return count (0: nothing ready), -EBADF, -EINVAL. */
int ft_epoll_wait(struct ft_worker *w, int epfd, struct ft_epoll_event *events, int max);

#ifdef __cplusplus
}
#endif

#endif /* FT_SOCKET_H */
