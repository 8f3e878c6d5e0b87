/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `stack` section shared by every app's config file: libconfig -> struct ft_stack_conf.
 * The schema, with ranges and defaults, is documented in configs/fasttcp-echo.conf.
 */
#ifndef FT_APPS_COMMON_STACK_CONF_H
#define FT_APPS_COMMON_STACK_CONF_H

#include <fasttcp/ft_stack.h>

#include "app_conf.h"

/*
 * Fill @p out from the `stack` group @p grp of @p c: ft_stack_conf_init() first, then every
 * key the file sets. Rejects unknown keys, keys not valid for a port's type, out-of-range
 * values, bad addresses, and duplicate port names or interface addresses.
 * Control thread, at startup or reload.
 * @return 0, or -EINVAL with the message in @p c's error buffer (*out is then undefined).
 */
int app_stack_conf_read(struct app_conf *c, const config_setting_t *grp,
			struct ft_stack_conf *out);

/*
 * What every app's loader does first: load @p path into @p c, accept only @p top_keys at the
 * top level, require the `stack` group and read it into @p stack. The file stays loaded for
 * the app's own sections; the caller calls app_conf_fini(@p c) whatever this returns.
 * @return 0 or a negative errno with the message in @p err.
 */
int app_conf_load_stack(struct app_conf *c, const char *path, const char *const *top_keys,
			struct ft_stack_conf *stack, char *err, size_t errlen);

#endif /* FT_APPS_COMMON_STACK_CONF_H */
