/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP echo service of fasttcp-echo (tcp_echo.c). */
#ifndef FT_APPS_ECHO_TCP_ECHO_H
#define FT_APPS_ECHO_TCP_ECHO_H

#include <stdint.h>

struct ft_stack;

/* Listen on @p port and echo every connection. Main thread, before run. @return 0/-errno. */
int tcp_echo_listen(struct ft_stack *s, uint16_t port);

#endif /* FT_APPS_ECHO_TCP_ECHO_H */
