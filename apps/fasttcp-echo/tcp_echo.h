/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP echo service of fasttcp-echo (tcp_echo.c). */
#ifndef FT_APPS_ECHO_TCP_ECHO_H
#define FT_APPS_ECHO_TCP_ECHO_H

#include <stdint.h>

struct ft_stack;

struct tcp_echo_keepalive {
	uint32_t idle_s, intvl_s, count; /* idle_s 0: keepalive off */
};

/* Listen on @p port and echo every connection; @p ka (kept by the caller for the stack's
 * lifetime) sets keepalive on each. Main thread, before run. @return 0/-errno. */
int tcp_echo_listen(struct ft_stack *s, uint16_t port, const struct tcp_echo_keepalive *ka);

/* The same echo over the socket facade and epoll-like wait (tcp_echo_sock.c), served from the
 * poll hook; at most @p max_conns connections at once. Main thread, before run. */
int tcp_echo_sock_start(struct ft_stack *s, uint16_t port, uint32_t max_conns);

#endif /* FT_APPS_ECHO_TCP_ECHO_H */
