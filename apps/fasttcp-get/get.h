/* SPDX-License-Identifier: BSD-3-Clause */
/* fasttcp-get: the download (get.c) and its configuration (config.c). */
#ifndef FT_APPS_GET_GET_H
#define FT_APPS_GET_GET_H

#include <stddef.h>
#include <stdint.h>

struct ft_stack;
struct ft_stack_conf;

struct get_req {
	uint32_t ip;
	uint16_t port;
	uint32_t timeout_ms;
	char host[64];
	char path[1024];
};

/* Run the download on worker 0; prints the result. @return the exit status (0 = complete). */
int get_run(struct ft_stack *s, const struct get_req *r);

/* The `stack` section of @p path (other known app sections are accepted and ignored). */
int get_config_load(const char *path, struct ft_stack_conf *out, char *err, size_t errlen);

#endif /* FT_APPS_GET_GET_H */
