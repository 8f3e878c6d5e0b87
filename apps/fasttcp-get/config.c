/* SPDX-License-Identifier: BSD-3-Clause */
/* fasttcp-get reads only `stack`; it accepts the files of the other apps so one config serves
 * a test's client and server. */
#include "app_conf.h"
#include "get.h"
#include "stack_conf.h"

static const char *const top_keys[] = { "stack", "echo", "httpd", NULL };

int
get_config_load(const char *path, struct ft_stack_conf *out, char *err, size_t errlen)
{
	const config_setting_t *root, *stack = NULL;
	struct app_conf c;
	int rc;

	rc = app_conf_load(&c, path, err, errlen);
	if (rc < 0)
		goto out_fini;
	root = app_conf_root(&c);
	rc = app_conf_check_keys(&c, root, top_keys);
	if (rc == 0)
		rc = app_conf_require(&c, root, "stack");
	if (rc == 0)
		rc = app_conf_get_group(&c, root, "stack", &stack);
	if (rc == 0)
		rc = app_stack_conf_read(&c, stack, out);
out_fini:
	app_conf_fini(&c);
	return rc;
}
