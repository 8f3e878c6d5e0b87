/* SPDX-License-Identifier: BSD-3-Clause */
/* fasttcp-httpd connection handling (server.c). */
#ifndef FT_APPS_HTTPD_SERVER_H
#define FT_APPS_HTTPD_SERVER_H

#include <stdint.h>

struct ft_stack;
struct body_src;

struct httpd_stats {
	uint64_t requests, responses_2xx, responses_4xx, bytes_body;
};

/* Listen on @p port; connection state comes from a pool of @p max_conns. Main thread. */
int httpd_listen(struct ft_stack *s, uint16_t port, uint32_t max_conns, struct body_src *b);

/* Counters summed over connections (read at exit). */
void httpd_stats_get(struct httpd_stats *out);

void httpd_fini(void);

#endif /* FT_APPS_HTTPD_SERVER_H */
