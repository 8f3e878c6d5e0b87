/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fasttcp-proxy configuration (config.h) on the shared helpers of apps/common: the `stack`
 * section is app_stack_conf_read()'s, this file reads and validates `proxy`. Every error
 * names the file, the line and the key path ("proxy.listeners.[0].backends.[1]"). Defaults
 * live in listener_defaults and proxy_config_load(), nowhere else. What is checked here is
 * what the file can get wrong on its own; whether a backend answers is the proxy's business
 * at run time (down marking, proxy.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include <rte_common.h>

#include <fasttcp/ft_addr.h>

#include "app_conf.h"
#include "config.h"
#include "stack_conf.h"

static const char *const top_keys[] = { "stack", "proxy", NULL };
static const char *const proxy_keys[] = { "max_conns", "drain_timeout_ms", "listeners", NULL };
static const char *const listener_keys[] = {
	"name", "address", "port", "balance", "backends", "connect_timeout_ms",
	"connect_retries", "down_retry_ms", "nodelay", NULL
};
static const char *const balance_names[] = { "roundrobin", "leastconn", NULL };

static const struct app_conf_uint proxy_uints[] = {
	{ "max_conns", 1, 4194304, false, APP_CONF_FIELD(struct proxy_config, max_conns) },
	{ "drain_timeout_ms", 0, 3600000, false,
	  APP_CONF_FIELD(struct proxy_config, drain_timeout_ms) },
};

#define LC(m) APP_CONF_FIELD(struct proxy_listener_conf, m)

static const struct app_conf_uint listener_uints[] = {
	{ "port", 1, 65535, false, LC(port) },
	{ "connect_timeout_ms", 1, 600000, false, LC(connect_timeout_ms) },
	{ "connect_retries", 0, PROXY_MAX_BACKENDS - 1, false, LC(connect_retries) },
	{ "down_retry_ms", 0, 3600000, false, LC(down_retry_ms) },
};

static const struct proxy_listener_conf listener_defaults = {
	.balance = PROXY_BALANCE_ROUNDROBIN,
	.connect_timeout_ms = 2000,
	.connect_retries = 2,
	.down_retry_ms = 5000,
	.nodelay = true,
};

/* Telemetry dictionary keys allow only [A-Za-z0-9_] (and '/', kept for our own use). */
static bool
is_name(const char *s)
{
	for (; *s != '\0'; s++)
		if (!(*s == '_' || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

static int
read_name(struct app_conf *c, const config_setting_t *g, struct proxy_listener_conf *lc)
{
	int rc;

	if (!app_conf_has(g, "name")) {
		snprintf(lc->name, sizeof(lc->name), "port%u", lc->port);
		return 0;
	}
	rc = app_conf_get_string(c, g, "name", lc->name, sizeof(lc->name));
	if (rc == 0 && !is_name(lc->name))
		rc = app_conf_error(c, g, "name", "\"%s\" may only contain A-Z a-z 0-9 _",
				    lc->name);
	return rc;
}

/* The listener's local address must be one the stack owns, or nothing would ever match. */
static int
read_address(struct app_conf *c, const config_setting_t *g, const struct ft_stack_conf *sc,
	     struct proxy_listener_conf *lc)
{
	char buf[FT_IP4_STRLEN];
	int rc = app_conf_get_ip4(c, g, "address", &lc->address);

	if (rc < 0 || lc->address == 0)
		return rc;
	for (unsigned int i = 0; i < sc->n_ports; i++)
		if (sc->ports[i].ip4 == lc->address)
			return 0;
	return app_conf_error(c, g, "address", "%s is not the address of any stack port",
			      ft_ip4_format(lc->address, buf, sizeof(buf)));
}

/* "A.B.C.D:PORT" -> @p b. @return 0 or -EINVAL. */
static int
parse_backend(const char *s, struct proxy_backend_conf *b)
{
	char buf[32], *colon, *end;
	unsigned long port;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	colon = strrchr(buf, ':');
	if (colon == NULL || colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	*colon = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535 || ft_ip4_parse(buf, &b->ip) < 0 ||
	    b->ip == 0 || b->ip == 0xffffffffu)
		return -EINVAL;
	b->port = (uint16_t)port;
	return 0;
}

static int
read_backend(struct app_conf *c, const config_setting_t *e, struct proxy_listener_conf *lc)
{
	struct proxy_backend_conf *b = &lc->backends[lc->n_backends];
	const char *s = config_setting_get_string(e);

	if (s == NULL)
		return app_conf_error(c, e, NULL, "wrong type: expected a string");
	if (parse_backend(s, b) < 0)
		return app_conf_error(c, e, NULL, "\"%s\" is not a backend (expected A.B.C.D:PORT)",
				      s);
	for (unsigned int i = 0; i < lc->n_backends; i++)
		if (lc->backends[i].ip == b->ip && lc->backends[i].port == b->port)
			return app_conf_error(c, e, NULL, "\"%s\" is listed twice", s);
	lc->n_backends++;
	return 0;
}

static int
read_backends(struct app_conf *c, const config_setting_t *g, struct proxy_listener_conf *lc)
{
	const config_setting_t *list = config_setting_get_member(g, "backends");
	int n, rc;

	if (list == NULL)
		return app_conf_require(c, g, "backends");
	if (!config_setting_is_aggregate(list) || config_setting_is_group(list))
		return app_conf_error(c, g, "backends", "wrong type: expected a list of strings");
	n = config_setting_length(list);
	if (n < 1 || n > PROXY_MAX_BACKENDS)
		return app_conf_error(c, g, "backends", "%d backends (allowed 1..%d)", n,
				      PROXY_MAX_BACKENDS);
	for (int i = 0; i < n; i++) {
		rc = read_backend(c, config_setting_get_elem(list, (unsigned int)i), lc);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
read_listener(struct app_conf *c, const config_setting_t *g, const struct ft_stack_conf *sc,
	      struct proxy_listener_conf *lc)
{
	int rc;

	*lc = listener_defaults;
	rc = app_conf_check_keys(c, g, listener_keys);
	if (rc == 0)
		rc = app_conf_require(c, g, "port");
	if (rc == 0)
		rc = app_conf_get_uints(c, g, listener_uints, RTE_DIM(listener_uints), lc);
	if (rc == 0)
		rc = read_name(c, g, lc);
	if (rc == 0)
		rc = read_address(c, g, sc, lc);
	if (rc == 0)
		rc = app_conf_get_choice(c, g, "balance", balance_names, &lc->balance);
	if (rc == 0)
		rc = app_conf_get_bool(c, g, "nodelay", &lc->nodelay);
	if (rc == 0)
		rc = read_backends(c, g, lc);
	return rc;
}

/* Listener @p i against the ones before it: names unique, one listener per port+address. */
static int
check_unique(struct app_conf *c, const config_setting_t *g, const struct proxy_config *cfg,
	     unsigned int i)
{
	const struct proxy_listener_conf *a = &cfg->listeners[i];
	char buf[FT_IP4_STRLEN];

	for (unsigned int j = 0; j < i; j++) {
		const struct proxy_listener_conf *b = &cfg->listeners[j];

		if (strcmp(a->name, b->name) == 0)
			return app_conf_error(c, g, app_conf_has(g, "name") ? "name" : NULL,
					      "listener name \"%s\" is used twice (set `name`)",
					      a->name);
		if (a->port == b->port && a->address == b->address)
			return app_conf_error(c, g, "port", "port %u on %s is already listener "
					      "\"%s\"", a->port, a->address == 0 ? "any address" :
					      ft_ip4_format(a->address, buf, sizeof(buf)), b->name);
	}
	return 0;
}

/* Backends of all listeners together must fit the counter tables (PROXY_MAX_BACKENDS_TOTAL). */
static int
read_listeners(struct app_conf *c, const config_setting_t *grp, struct proxy_config *cfg)
{
	const config_setting_t *list = NULL;
	unsigned int total = 0;
	int n, rc;

	rc = app_conf_require(c, grp, "listeners");
	if (rc == 0)
		rc = app_conf_get_group_list(c, grp, "listeners", &list);
	if (rc < 0)
		return rc;
	n = config_setting_length(list);
	if (n < 1 || n > PROXY_MAX_LISTENERS)
		return app_conf_error(c, grp, "listeners", "%d listeners (allowed 1..%d)", n,
				      PROXY_MAX_LISTENERS);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned int)i);

		rc = read_listener(c, g, &cfg->stack, &cfg->listeners[i]);
		if (rc == 0)
			rc = check_unique(c, g, cfg, (unsigned int)i);
		if (rc < 0)
			return rc;
		total += cfg->listeners[i].n_backends;
		if (total > PROXY_MAX_BACKENDS_TOTAL)
			return app_conf_error(c, g, "backends", "more than %d backends in all",
					      PROXY_MAX_BACKENDS_TOTAL);
		cfg->n_listeners = (uint16_t)(i + 1);
	}
	return 0;
}

static int
read_proxy(struct app_conf *c, const config_setting_t *root, struct proxy_config *cfg)
{
	const config_setting_t *g = NULL;
	int rc;

	rc = app_conf_require(c, root, "proxy");
	if (rc == 0)
		rc = app_conf_get_group(c, root, "proxy", &g);
	if (rc == 0)
		rc = app_conf_check_keys(c, g, proxy_keys);
	if (rc == 0)
		rc = app_conf_get_uints(c, g, proxy_uints, RTE_DIM(proxy_uints), cfg);
	if (rc == 0)
		rc = read_listeners(c, g, cfg);
	if (rc == 0 && cfg->stack.tcp_max_conns == 0)
		rc = app_conf_error(c, root, "stack", "a proxy needs TCP: stack.tcp.max_conns "
				    "is 0");
	return rc;
}

int
proxy_config_load(const char *path, struct proxy_config *out, char *err, size_t errlen)
{
	struct app_conf c;
	int rc;

	memset(out, 0, sizeof(*out));
	out->max_conns = 16384;
	out->drain_timeout_ms = 10000;
	rc = app_conf_load_stack(&c, path, top_keys, &out->stack, err, errlen);
	if (rc == 0)
		rc = read_proxy(&c, app_conf_root(&c), out);
	app_conf_fini(&c);
	return rc;
}
