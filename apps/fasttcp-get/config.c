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
	struct app_conf c;
	int rc = app_conf_load_stack(&c, path, top_keys, out, err, errlen);

	app_conf_fini(&c);
	return rc;
}
