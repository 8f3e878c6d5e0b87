/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fasttcp-echo configuration: the shared `stack` section plus the app's own `echo` section.
 * The file format is documented in configs/fasttcp-echo.conf.
 */
#ifndef FT_APPS_FASTTCP_ECHO_CONFIG_H
#define FT_APPS_FASTTCP_ECHO_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <fasttcp/ft_stack.h>

struct echo_config {
	struct ft_stack_conf stack;
	uint16_t udp_port; /* UDP echo port; 0 disables the UDP echo (default 7) */
	uint16_t tcp_port; /* TCP echo port; 0 disables the TCP echo (default 7) */
	uint16_t ka_idle_s;  /* TCP keepalive idle time, s; 0 = off (default) */
	uint16_t ka_intvl_s; /* seconds between probes (default 75) */
	uint16_t ka_count;   /* unanswered probes before reset (default 9) */
	unsigned int tcp_sockets; /* TCP echo over: 0 the event API (default), 1 the socket facade */
};

/*
 * Load @p path into @p out: defaults first, then what the file sets. The top level may hold
 * only `stack` (required) and `echo`. Main thread, at startup.
 * @return 0; -EINVAL for a bad file; -errno (-ENOENT, -EACCES, ...) when it cannot be
 *         opened. On error @p err (@p errlen bytes) holds "file:line: key.path: reason"
 *         and *out is undefined.
 */
int echo_config_load(const char *path, struct echo_config *out, char *err, size_t errlen);

#endif /* FT_APPS_FASTTCP_ECHO_CONFIG_H */
