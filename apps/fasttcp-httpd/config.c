/* SPDX-License-Identifier: BSD-3-Clause */
/* fasttcp-httpd configuration (config.h), on the shared helpers of apps/common. */
#include <errno.h>

#include "app_conf.h"
#include "config.h"
#include "stack_conf.h"

static const char *const top_keys[] = { "stack", "httpd", NULL };
static const char *const httpd_keys[] = { "port", "max_conns", NULL };

static const struct app_conf_uint httpd_uints[] = {
	{ "port", 1, 65535, false, APP_CONF_FIELD(struct httpd_config, port) },
	{ "max_conns", 1, 4194304, false, APP_CONF_FIELD(struct httpd_config, max_conns) },
};

static int
read_httpd(struct app_conf *c, const config_setting_t *root, struct httpd_config *out)
{
	const config_setting_t *g = NULL;
	int rc = app_conf_get_group(c, root, "httpd", &g);

	if (rc < 0 || g == NULL)
		return rc;
	rc = app_conf_check_keys(c, g, httpd_keys);
	return rc < 0 ? rc : app_conf_get_uints(c, g, httpd_uints, 2, out);
}

int
httpd_config_load(const char *path, struct httpd_config *out, char *err, size_t errlen)
{
	struct app_conf c;
	int rc;

	out->port = 80;
	out->max_conns = 16384;
	rc = app_conf_load_stack(&c, path, top_keys, &out->stack, err, errlen);
	if (rc == 0)
		rc = read_httpd(&c, app_conf_root(&c), out);
	app_conf_fini(&c);
	return rc;
}
