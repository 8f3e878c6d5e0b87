/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Generic libconfig helpers for the apps: file loading, typed and range-checked getters,
 * unknown-key rejection, and the one error format "file:line: key.path: message" that every
 * config error uses (STYLE.md §14). What the keys mean, their ranges and defaults is not
 * here: it lives with each section (stack_conf.c for `stack`, the app's config.c for the
 * rest). Nothing here runs on a worker; the library itself never sees libconfig.
 *
 * libconfig 1.5 note: a decimal integer that does not fit 32 bits and has no L suffix is
 * silently truncated by its scanner, so such values cannot be caught here; values written
 * with the L suffix are read as 64-bit and range-checked like any other.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "app_conf.h"

#define PATH_LEN 256

static const char *
type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "nothing";
	}
}

/* Write the path of @p s at @p buf; return its length, clamped to @p len - 1. */
static size_t
write_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *parent = config_setting_parent(s);
	const char *name = config_setting_name(s);
	const char *sep;
	size_t n;
	int w;

	if (parent == NULL)
		return 0;
	n = write_path(parent, buf, len);
	sep = n > 0 ? "." : "";
	if (name != NULL)
		w = snprintf(buf + n, len - n, "%s%s", sep, name);
	else
		w = snprintf(buf + n, len - n, "%s[%d]", sep, config_setting_index(s));
	if (w < 0)
		return n;
	n += (size_t)w;
	return n < len ? n : len - 1;
}

static const char *
source_file(const struct app_conf *c, const config_setting_t *s)
{
	const char *f = config_setting_source_file(s);

	return f != NULL ? f : c->path;
}

/* Format "file:line: " (or "file: " when @p line is 0) and return the bytes written. */
static size_t
write_location(struct app_conf *c, const char *file, unsigned int line)
{
	int w;

	if (line > 0)
		w = snprintf(c->err, c->errlen, "%s:%u: ", file, line);
	else
		w = snprintf(c->err, c->errlen, "%s: ", file);
	if (w < 0)
		return 0;
	return (size_t)w < c->errlen ? (size_t)w : c->errlen - 1;
}

/* An error about @p grp's member @p key that may not exist; @p key NULL means @p grp. */
static int
verror(struct app_conf *c, const config_setting_t *grp, const char *key, const char *fmt,
       va_list ap)
{
	const config_setting_t *s = key != NULL ? config_setting_get_member(grp, key) : grp;
	char path[PATH_LEN];
	size_t n;

	if (c->err == NULL || c->errlen == 0)
		return -EINVAL;
	if (s != NULL) {
		app_conf_path(s, path, sizeof(path));
		n = write_location(c, source_file(c, s), config_setting_source_line(s));
	} else {
		n = write_path(grp, path, sizeof(path));
		snprintf(path + n, sizeof(path) - n, "%s%s", n > 0 ? "." : "", key);
		n = write_location(c, source_file(c, grp), config_setting_source_line(grp));
	}
	n += (size_t)snprintf(c->err + n, c->errlen - n, "%s: ", path);
	if (n < c->errlen)
		vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	return -EINVAL;
}

static int
wrong_type(struct app_conf *c, const config_setting_t *grp, const char *key, const char *want)
{
	const config_setting_t *s = key != NULL ? config_setting_get_member(grp, key) : grp;

	return app_conf_error(c, grp, key, "wrong type: expected %s, got %s", want,
			      type_name(config_setting_type(s)));
}

/* The member @p key of @p grp if present; *rc is -EINVAL if it is not of type @p type. */
static const config_setting_t *
typed_member(struct app_conf *c, const config_setting_t *grp, const char *key, int type,
	     int *rc)
{
	const config_setting_t *s = config_setting_get_member(grp, key);
	int t;

	*rc = 0;
	if (s == NULL)
		return NULL;
	t = config_setting_type(s);
	if (t == type || (type == CONFIG_TYPE_INT && t == CONFIG_TYPE_INT64))
		return s;
	*rc = wrong_type(c, grp, key, type_name(type));
	return NULL;
}

static bool
is_pow2(long long v)
{
	return v > 0 && (v & (v - 1)) == 0;
}

/* Store @p v into the @p size-byte unsigned member at @p dst (memcpy: no alignment games). */
static bool
store_uint(void *dst, size_t size, uint32_t v)
{
	uint16_t v16 = (uint16_t)v;
	uint8_t v8 = (uint8_t)v;

	switch (size) {
	case 1:
		memcpy(dst, &v8, 1);
		return v <= UINT8_MAX;
	case 2:
		memcpy(dst, &v16, 2);
		return v <= UINT16_MAX;
	case 4:
		memcpy(dst, &v, 4);
		return true;
	default:
		return false;
	}
}

static int
hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
	int hi, lo;

	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++, s += 3) {
		hi = hex_digit(s[0]);
		lo = hex_digit(s[1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
app_conf_load(struct app_conf *c, const char *path, char *err, size_t errlen)
{
	const char *file;
	FILE *f;
	int rc;

	c->path = path;
	c->err = err;
	c->errlen = err != NULL ? errlen : 0;
	if (c->errlen > 0)
		c->err[0] = '\0';
	config_init(&c->cfg);
	/* libconfig only says "file I/O error"; open it ourselves to report the reason. */
	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		if (c->errlen > 0)
			snprintf(c->err, c->errlen, "%s: cannot open: %s", path, strerror(-rc));
		return rc;
	}
	fclose(f);
	if (config_read_file(&c->cfg, path) == CONFIG_TRUE)
		return 0;
	file = config_error_file(&c->cfg) != NULL ? config_error_file(&c->cfg) : path;
	if (c->errlen > 0)
		snprintf(c->err, c->errlen, "%s:%d: %s", file, config_error_line(&c->cfg),
			 config_error_text(&c->cfg));
	return config_error_type(&c->cfg) == CONFIG_ERR_FILE_IO ? -EIO : -EINVAL;
}

void
app_conf_fini(struct app_conf *c)
{
	config_destroy(&c->cfg);
}

const config_setting_t *
app_conf_root(const struct app_conf *c)
{
	return config_root_setting(&c->cfg);
}

char *
app_conf_path(const config_setting_t *s, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	buf[0] = '\0';
	write_path(s, buf, len);
	return buf;
}

int
app_conf_error(struct app_conf *c, const config_setting_t *grp, const char *key,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(c, grp, key, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int
app_conf_check_keys(struct app_conf *c, const config_setting_t *grp,
		    const char *const *allowed)
{
	int n = config_setting_length(grp);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(grp, (unsigned int)i);
		const char *name = config_setting_name(s);
		const char *const *a = allowed;

		while (*a != NULL && strcmp(*a, name) != 0)
			a++;
		if (*a == NULL)
			return app_conf_error(c, grp, name, "unknown key");
	}
	return 0;
}

int
app_conf_require(struct app_conf *c, const config_setting_t *grp, const char *key)
{
	if (app_conf_has(grp, key))
		return 0;
	return app_conf_error(c, grp, key, "required key is missing");
}

bool
app_conf_has(const config_setting_t *grp, const char *key)
{
	return config_setting_get_member(grp, key) != NULL;
}

int
app_conf_get_group(struct app_conf *c, const config_setting_t *grp, const char *key,
		   const config_setting_t **out)
{
	const config_setting_t *s;
	int rc;

	s = typed_member(c, grp, key, CONFIG_TYPE_GROUP, &rc);
	if (s != NULL)
		*out = s;
	return rc;
}

int
app_conf_get_group_list(struct app_conf *c, const config_setting_t *grp, const char *key,
			const config_setting_t **out)
{
	const config_setting_t *s;
	int rc;

	s = typed_member(c, grp, key, CONFIG_TYPE_LIST, &rc);
	if (s == NULL)
		return rc;
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);

		if (!config_setting_is_group(e))
			return wrong_type(c, e, NULL, "a group");
	}
	*out = s;
	return 0;
}

int
app_conf_get_uint(struct app_conf *c, const config_setting_t *grp,
		  const struct app_conf_uint *spec, uint32_t *out)
{
	const config_setting_t *s;
	long long v;
	int rc;

	s = typed_member(c, grp, spec->key, CONFIG_TYPE_INT, &rc);
	if (s == NULL)
		return rc;
	v = config_setting_get_int64(s);
	if (v < spec->min || v > spec->max || (spec->pow2 && !is_pow2(v)))
		return app_conf_error(c, grp, spec->key, "%lld out of range (%s%u..%u)", v,
				      spec->pow2 ? "power of two, " : "", spec->min, spec->max);
	*out = (uint32_t)v;
	return 0;
}

int
app_conf_get_uints(struct app_conf *c, const config_setting_t *grp,
		   const struct app_conf_uint *specs, size_t n, void *obj)
{
	for (size_t i = 0; i < n; i++) {
		const struct app_conf_uint *spec = &specs[i];
		uint32_t v;
		int rc;

		if (!app_conf_has(grp, spec->key))
			continue;
		rc = app_conf_get_uint(c, grp, spec, &v);
		if (rc < 0)
			return rc;
		/* A table whose max does not fit its member is a bug in the table. */
		if (!store_uint((uint8_t *)obj + spec->offset, spec->size, v))
			return app_conf_error(c, grp, spec->key,
					      "internal error: %zu-byte field cannot hold %u",
					      spec->size, v);
	}
	return 0;
}

int
app_conf_get_bool(struct app_conf *c, const config_setting_t *grp, const char *key,
		  bool *out)
{
	const config_setting_t *s;
	int rc;

	s = typed_member(c, grp, key, CONFIG_TYPE_BOOL, &rc);
	if (s != NULL)
		*out = config_setting_get_bool(s) != 0;
	return rc;
}

int
app_conf_get_string(struct app_conf *c, const config_setting_t *grp, const char *key,
		    char *buf, size_t size)
{
	const config_setting_t *s;
	const char *v;
	size_t len;
	int rc;

	s = typed_member(c, grp, key, CONFIG_TYPE_STRING, &rc);
	if (s == NULL)
		return rc;
	v = config_setting_get_string(s);
	len = strlen(v);
	if (len == 0 || len >= size)
		return app_conf_error(c, grp, key, "\"%s\" has %zu characters (allowed 1..%zu)",
				      v, len, size - 1);
	memcpy(buf, v, len + 1);
	return 0;
}

int
app_conf_get_choice(struct app_conf *c, const config_setting_t *grp, const char *key,
		    const char *const *names, unsigned int *out)
{
	const config_setting_t *s;
	char list[PATH_LEN];
	const char *v;
	size_t n = 0;
	int rc;

	s = typed_member(c, grp, key, CONFIG_TYPE_STRING, &rc);
	if (s == NULL)
		return rc;
	v = config_setting_get_string(s);
	for (unsigned int i = 0; names[i] != NULL; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	list[0] = '\0';
	for (unsigned int i = 0; names[i] != NULL && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i > 0 ? "|" : "",
				      names[i]);
	return app_conf_error(c, grp, key, "\"%s\" is not valid (expected %s)", v, list);
}

int
app_conf_get_ip4(struct app_conf *c, const config_setting_t *grp, const char *key,
		 uint32_t *out)
{
	const config_setting_t *s;
	const char *v;
	int rc;

	s = typed_member(c, grp, key, CONFIG_TYPE_STRING, &rc);
	if (s == NULL)
		return rc;
	v = config_setting_get_string(s);
	if (ft_ip4_parse(v, out) < 0)
		return app_conf_error(c, grp, key,
				      "\"%s\" is not an IPv4 address (expected A.B.C.D)", v);
	return 0;
}

int
app_conf_get_ip4_prefix(struct app_conf *c, const config_setting_t *grp, const char *key,
			struct ft_ip4_prefix *out)
{
	const config_setting_t *s;
	const char *v;
	int rc;

	s = typed_member(c, grp, key, CONFIG_TYPE_STRING, &rc);
	if (s == NULL)
		return rc;
	v = config_setting_get_string(s);
	if (ft_ip4_prefix_parse(v, out) < 0)
		return app_conf_error(c, grp, key,
				      "\"%s\" is not an IPv4 prefix (expected A.B.C.D/LEN)", v);
	return 0;
}

int
app_conf_get_mac(struct app_conf *c, const config_setting_t *grp, const char *key,
		 uint8_t out[6])
{
	const config_setting_t *s;
	const char *v;
	int rc;

	s = typed_member(c, grp, key, CONFIG_TYPE_STRING, &rc);
	if (s == NULL)
		return rc;
	v = config_setting_get_string(s);
	if (parse_mac(v, out) < 0)
		return app_conf_error(c, grp, key, "\"%s\" is not a MAC address "
				      "(expected xx:xx:xx:xx:xx:xx)", v);
	return 0;
}
