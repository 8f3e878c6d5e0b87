/* SPDX-License-Identifier: BSD-3-Clause */
/* fasttcp-httpd configuration: the shared `stack` section plus `httpd` (configs/). */
#ifndef FT_APPS_HTTPD_CONFIG_H
#define FT_APPS_HTTPD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <fasttcp/ft_stack.h>

struct httpd_config {
	struct ft_stack_conf stack;
	uint16_t port;       /* TCP port (default 80) */
	uint32_t max_conns;  /* concurrent connections served (default 16384) */
};

/* Load @p path; errors as "file:line: key: reason" in @p err. @return 0 or -errno. */
int httpd_config_load(const char *path, struct httpd_config *out, char *err, size_t errlen);

#endif /* FT_APPS_HTTPD_CONFIG_H */
