/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libconfig helpers shared by every app: load a file, read typed values with range checks,
 * reject unknown keys, and report errors as "file:line: key.path: what is wrong".
 *
 * Conventions for every function below:
 *  - it runs on the control (main) thread, at startup or reload; nothing here is hot path;
 *  - errors are -EINVAL for a bad file (or -ENOENT and friends when it cannot be opened),
 *    and the message goes into the buffer given to app_conf_load() (first error wins:
 *    callers stop at the first negative return);
 *  - getters read one optional key of a group: they return 0 and store the value when the
 *    key is present and valid, 0 and leave *out untouched when it is absent (so *out holds
 *    the default beforehand), or -EINVAL naming the expected type or the allowed values.
 *    Required keys are checked separately with app_conf_require(); app_conf_has() tells
 *    whether a key was given.
 *
 * Key paths name list elements by index, as in "stack.ports.[0].address".
 */
#ifndef FT_APPS_COMMON_APP_CONF_H
#define FT_APPS_COMMON_APP_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>

#include <fasttcp/ft_addr.h>

/* A loaded file and where its errors go. Caller-owned: app_conf_load(), then app_conf_fini(). */
struct app_conf {
	config_t cfg;
	const char *path; /* as given to app_conf_load(); borrowed */
	char *err;        /* caller's error buffer, may be NULL */
	size_t errlen;
};

/*
 * An unsigned integer key: its allowed range, and where the value goes in the struct being
 * filled (APP_CONF_FIELD() gives offset and size; sizes 1, 2 and 4 are supported).
 */
struct app_conf_uint {
	const char *key;
	uint32_t min;
	uint32_t max;
	bool pow2;     /* the value must also be a power of two */
	size_t offset; /* of the destination member */
	size_t size;   /* of the destination member */
};

#define APP_CONF_FIELD(type, member) offsetof(type, member), sizeof(((type *)0)->member)

/*
 * Read and parse @p path into @p c. @p err (@p errlen bytes, may be NULL/0) receives the
 * message of any error from this call or any later one made with @p c.
 * @return 0; -errno from fopen() ("path: cannot open: reason"); -EINVAL on a syntax error
 *         ("path:line: libconfig's text"). @p c must be finalised with app_conf_fini() in
 *         every case.
 */
int app_conf_load(struct app_conf *c, const char *path, char *err, size_t errlen);

/* Free what app_conf_load() allocated. Strings read from @p c are invalid afterwards. */
void app_conf_fini(struct app_conf *c);

/* The root group of the loaded file. */
const config_setting_t *app_conf_root(const struct app_conf *c);

/*
 * Write the full key path of @p s ("stack.ports.[0].mtu") into @p buf of @p len bytes,
 * truncating if needed. The root group's path is "".
 * @return @p buf.
 */
char *app_conf_path(const config_setting_t *s, char *buf, size_t len);

/*
 * Report an error about key @p key of group @p grp (or about @p grp itself when @p key is
 * NULL) as "file:line: path: message". The line is the key's when it exists, else the
 * group's; it is left out only for keys of the root group that are absent.
 * @return -EINVAL, so callers can write "return app_conf_error(...)".
 */
int app_conf_error(struct app_conf *c, const config_setting_t *grp, const char *key,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Check that every member of @p grp is named in the NULL-terminated list @p allowed.
 * @return 0, or -EINVAL naming the first unknown key ("...: unknown key").
 */
int app_conf_check_keys(struct app_conf *c, const config_setting_t *grp,
			const char *const *allowed);

/* @return 0 if @p grp has member @p key, else -EINVAL ("...: required key is missing"). */
int app_conf_require(struct app_conf *c, const config_setting_t *grp, const char *key);

/* Whether @p grp has member @p key. */
bool app_conf_has(const config_setting_t *grp, const char *key);

/* Getters: see the conventions at the top of this file. */

/* Sub-group @p key ("{ ... }"). */
int app_conf_get_group(struct app_conf *c, const config_setting_t *grp, const char *key,
		       const config_setting_t **out);

/* List @p key ("( ... )") whose elements must all be groups. */
int app_conf_get_group_list(struct app_conf *c, const config_setting_t *grp, const char *key,
			    const config_setting_t **out);

/* Integer @p spec->key in spec's range, stored as uint32_t. */
int app_conf_get_uint(struct app_conf *c, const config_setting_t *grp,
		      const struct app_conf_uint *spec, uint32_t *out);

/*
 * Every key of table @p specs (@p n entries), each stored into @p obj at its offset.
 * @return 0 (absent keys leave their member untouched) or -EINVAL.
 */
int app_conf_get_uints(struct app_conf *c, const config_setting_t *grp,
		       const struct app_conf_uint *specs, size_t n, void *obj);

/* Boolean (true/false). */
int app_conf_get_bool(struct app_conf *c, const config_setting_t *grp, const char *key,
		      bool *out);

/*
 * String of 1..@p size - 1 bytes, copied into @p buf. An empty or longer string is an
 * error naming the limit.
 */
int app_conf_get_string(struct app_conf *c, const config_setting_t *grp, const char *key,
			char *buf, size_t size);

/*
 * String that must be one of the NULL-terminated @p names; *out is its index. The error
 * lists the choices ("expected tap|pci|ring").
 */
int app_conf_get_choice(struct app_conf *c, const config_setting_t *grp, const char *key,
			const char *const *names, unsigned int *out);

/* IPv4 address "A.B.C.D", host order. */
int app_conf_get_ip4(struct app_conf *c, const config_setting_t *grp, const char *key,
		     uint32_t *out);

/* IPv4 prefix "A.B.C.D/LEN" (host bits may be set), host order, LEN 0..32. */
int app_conf_get_ip4_prefix(struct app_conf *c, const config_setting_t *grp, const char *key,
			    struct ft_ip4_prefix *out);

/* MAC address "xx:xx:xx:xx:xx:xx" (hex, either case). */
int app_conf_get_mac(struct app_conf *c, const config_setting_t *grp, const char *key,
		     uint8_t out[6]);

#endif /* FT_APPS_COMMON_APP_CONF_H */
