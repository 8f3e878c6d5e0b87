/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fasttcp-proxy configuration: the shared `stack` section plus `proxy` (listeners, each with
 * a backend pool). The schema, with ranges and defaults, is documented in
 * configs/fasttcp-proxy.conf.
 */
#ifndef FT_APPS_PROXY_CONFIG_H
#define FT_APPS_PROXY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fasttcp/ft_stack.h>

#define PROXY_MAX_LISTENERS 16
#define PROXY_MAX_BACKENDS 32        /* per listener: a pair's tried-set is a bit mask */
#define PROXY_MAX_BACKENDS_TOTAL 128
#define PROXY_NAME_LEN 32            /* listener name, NUL included */

/* How a listener spreads connections over its backends. */
enum proxy_balance {
	PROXY_BALANCE_ROUNDROBIN, /* in turn */
	PROXY_BALANCE_LEASTCONN,  /* fewest proxied connections (of this worker) */
};

struct proxy_backend_conf {
	uint32_t ip;   /* host order */
	uint16_t port;
};

struct proxy_listener_conf {
	char name[PROXY_NAME_LEN];     /* telemetry key; default "portN" */
	uint32_t address;              /* local address accepted, host order; 0 = any */
	uint16_t port;
	unsigned int balance;          /* enum proxy_balance */
	uint32_t connect_timeout_ms;   /* per backend attempt (default 2000) */
	uint32_t connect_retries;      /* further backends tried after a failure (default 2) */
	uint32_t down_retry_ms;        /* a failed backend is skipped this long; 0 = never */
	bool nodelay;                  /* TCP_NODELAY on both sides (default true) */
	uint16_t n_backends;
	struct proxy_backend_conf backends[PROXY_MAX_BACKENDS];
};

struct proxy_config {
	struct ft_stack_conf stack;
	uint32_t max_conns;            /* proxied connections at once, whole process */
	uint32_t drain_timeout_ms;     /* graceful shutdown: wait this long for connections */
	uint16_t n_listeners;
	struct proxy_listener_conf listeners[PROXY_MAX_LISTENERS];
};

/*
 * Load and validate @p path into @p out (defaults first, then every key the file sets).
 * Errors are "file:line: key.path: reason" in @p err. Control thread, before EAL starts.
 * @return 0, or -errno (-EINVAL for a bad file).
 */
int proxy_config_load(const char *path, struct proxy_config *out, char *err, size_t errlen);

#endif /* FT_APPS_PROXY_CONFIG_H */
