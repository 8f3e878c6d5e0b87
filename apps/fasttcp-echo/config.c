/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fasttcp-echo config file -> struct echo_config. The `stack` section is read by the shared
 * apps/common/stack_conf.c; this file adds only the top-level key check and the `echo`
 * section, whose defaults live in echo_defaults(). What the echo service does with the
 * values is in main.c.
 */
#include <errno.h>

#include "app_conf.h"
#include "stack_conf.h"

#include "config.h"

/* RFC 862: the Echo Protocol's well-known port. */
#define ECHO_DEFAULT_UDP_PORT 7

static const char *const top_keys[] = { "stack", "echo", NULL };

static const char *const echo_keys[] = {
	"udp_port", "tcp_port", "keepalive_idle_s", "keepalive_intvl_s", "keepalive_count",
	"tcp_api", NULL
};

static const char *const api_names[] = { "events", "sockets", NULL };

static const struct app_conf_uint echo_uints[] = {
	{ "udp_port", 0, 65535, false, APP_CONF_FIELD(struct echo_config, udp_port) },
	{ "tcp_port", 0, 65535, false, APP_CONF_FIELD(struct echo_config, tcp_port) },
	{ "keepalive_idle_s", 0, 65535, false, APP_CONF_FIELD(struct echo_config, ka_idle_s) },
	{ "keepalive_intvl_s", 1, 65535, false, APP_CONF_FIELD(struct echo_config, ka_intvl_s) },
	{ "keepalive_count", 1, 255, false, APP_CONF_FIELD(struct echo_config, ka_count) },
};

/* Defaults of the app's own sections; the stack's come from ft_stack_conf_init(). */
static void
echo_defaults(struct echo_config *out)
{
	out->udp_port = ECHO_DEFAULT_UDP_PORT;
	out->tcp_port = ECHO_DEFAULT_UDP_PORT;
	out->ka_idle_s = 0;
	out->ka_intvl_s = 75; /* RFC 1122 §4.2.3.6 leaves it open; Linux: 75 s, 9 probes */
	out->ka_count = 9;
}

static int
read_echo(struct app_conf *c, const config_setting_t *root, struct echo_config *out)
{
	const config_setting_t *echo = NULL;
	int rc;

	rc = app_conf_get_group(c, root, "echo", &echo);
	if (rc < 0 || echo == NULL)
		return rc;
	rc = app_conf_check_keys(c, echo, echo_keys);
	if (rc < 0)
		return rc;
	rc = app_conf_get_uints(c, echo, echo_uints,
				sizeof(echo_uints) / sizeof(echo_uints[0]), out);
	if (rc < 0)
		return rc;
	return app_conf_get_choice(c, echo, "tcp_api", api_names, &out->tcp_sockets);
}

int
echo_config_load(const char *path, struct echo_config *out, char *err, size_t errlen)
{
	struct app_conf c;
	int rc;

	echo_defaults(out);
	rc = app_conf_load_stack(&c, path, top_keys, &out->stack, err, errlen);
	if (rc == 0)
		rc = read_echo(&c, app_conf_root(&c), out);
	app_conf_fini(&c);
	return rc;
}
