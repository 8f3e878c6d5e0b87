/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * client-config-dir files (ccd.h has the directives and the error policy): a line splitter in
 * OpenVPN's config syntax (2.6 options.c parse_line(): blanks separate, quotes group,
 * backslash escapes inside quotes, '#' and ';' comment lines) and one small handler per
 * directive. Pure logic; the file read is the only system call (gw_ccd_load()).
 *
 * Not here: checking addresses against the server network, the pool, FIB routes (the
 * caller's, client_peer.c); OpenVPN's other ccd options (ignored with a warning).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ccd.h"

#define MAX_ARGS 8

struct ctx {
	const char *name;
	unsigned int line;
	struct gw_ccd *out;
	gw_ccd_warn_fn *warn;
	void *warn_arg;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 2, 3)))
fail(struct ctx *c, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	snprintf(c->err, c->errlen, "%s:%u: ", c->name, c->line);
	n = strlen(c->err);
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen > n ? c->errlen - n : 0, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void __attribute__((format(printf, 2, 3)))
ignore(struct ctx *c, const char *fmt, ...)
{
	char msg[GW_CCD_LINE_MAX + 64];
	int n = snprintf(msg, sizeof(msg), "%s:%u: ignored: ", c->name, c->line);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	c->out->n_ignored++;
	if (c->warn != NULL)
		c->warn(c->warn_arg, msg);
}

/*
 * Split @p line (modified in place) into at most MAX_ARGS arguments. Returns the count, or
 * -1 for an unterminated quote, -2 for too many arguments.
 */
static int
split(char *line, char **argv)
{
	char *r = line, *w = line;
	int n = 0;

	for (;;) {
		char q = 0;

		while (*r == ' ' || *r == '\t')
			r++;
		if (*r == '\0')
			return n;
		if (n == MAX_ARGS)
			return -2;
		argv[n++] = w;
		if (*r == '"' || *r == '\'')
			q = *r++;
		while (*r != '\0' && (q != 0 || (*r != ' ' && *r != '\t')) && *r != q) {
			if (q == '"' && *r == '\\' && r[1] != '\0')
				r++;
			*w++ = *r++;
		}
		if (q != 0 && *r != q)
			return -1;
		if (q != 0)
			r++;
		if (*r != '\0')
			r++;
		*w++ = '\0';
	}
}

/* A contiguous netmask in dotted-quad form. */
static bool
mask_parse(const char *s, uint32_t *mask)
{
	return ft_ip4_parse(s, mask) == 0 && (~*mask & (~*mask + 1)) == 0;
}

static uint8_t
mask_len(uint32_t mask)
{
	uint8_t n = 0;

	while (n < 32 && (mask & (0x80000000u >> n)))
		n++;
	return n;
}

/* "NET [MASK]" into @p p: no host bits. */
static int
net_parse(struct ctx *c, const char *what, int argc, char **argv, struct ft_ip4_prefix *p)
{
	uint32_t net, mask = 0xffffffffu;

	if (argc < 1 || argc > 2)
		return fail(c, "%s: expected NETWORK [NETMASK]", what);
	if (ft_ip4_parse(argv[0], &net) < 0)
		return fail(c, "%s: \"%s\" is not an IPv4 address", what, argv[0]);
	if (argc == 2 && !mask_parse(argv[1], &mask))
		return fail(c, "%s: \"%s\" is not a contiguous netmask", what, argv[1]);
	if ((net & ~mask) != 0)
		return fail(c, "%s: %s has host bits set for netmask %s", what, argv[0],
			    argc == 2 ? argv[1] : "255.255.255.255");
	p->addr = net;
	p->len = mask_len(mask);
	return 0;
}

static int
do_ifconfig_push(struct ctx *c, int argc, char **argv)
{
	struct gw_ccd *o = c->out;

	if (argc != 2)
		return fail(c, "ifconfig-push: expected IP NETMASK (topology subnet)");
	if (ft_ip4_parse(argv[0], &o->ifconfig_ip) < 0)
		return fail(c, "ifconfig-push: \"%s\" is not an IPv4 address", argv[0]);
	if (!mask_parse(argv[1], &o->ifconfig_mask))
		return fail(c, "ifconfig-push: \"%s\" is not a contiguous netmask", argv[1]);
	o->has_ifconfig = true;
	return 0;
}

static int
do_iroute(struct ctx *c, int argc, char **argv)
{
	struct gw_ccd *o = c->out;

	if (o->n_iroutes == GW_CCD_IROUTES_MAX)
		return fail(c, "iroute: more than %d", GW_CCD_IROUTES_MAX);
	if (net_parse(c, "iroute", argc, argv, &o->iroutes[o->n_iroutes]) < 0)
		return -EINVAL;
	o->n_iroutes++;
	return 0;
}

/* push "OPTION ...": only "route NET [MASK]" is applied. */
static int
do_push(struct ctx *c, int argc, char **argv)
{
	struct gw_ccd *o = c->out;
	char opt[GW_CCD_LINE_MAX], *av[MAX_ARGS];
	int n;

	if (argc != 1)
		return fail(c, "push: expected one quoted option");
	snprintf(opt, sizeof(opt), "%s", argv[0]);
	n = split(opt, av);
	if (n <= 0)
		return fail(c, "push: empty or malformed option");
	if (strcmp(av[0], "route") != 0) {
		ignore(c, "push \"%s\" (only \"route\" is pushed per client)", argv[0]);
		return 0;
	}
	if (n > 3) {
		ignore(c, "push \"%s\" (route gateway and metric are not supported)", argv[0]);
		return 0;
	}
	if (o->n_push_routes == GW_CCD_PUSH_ROUTES_MAX)
		return fail(c, "push route: more than %d", GW_CCD_PUSH_ROUTES_MAX);
	if (net_parse(c, "push route", n - 1, av + 1, &o->push_routes[o->n_push_routes]) < 0)
		return -EINVAL;
	o->n_push_routes++;
	return 0;
}

static int
directive(struct ctx *c, int argc, char **argv)
{
	if (strcmp(argv[0], "ifconfig-push") == 0)
		return do_ifconfig_push(c, argc - 1, argv + 1);
	if (strcmp(argv[0], "iroute") == 0)
		return do_iroute(c, argc - 1, argv + 1);
	if (strcmp(argv[0], "push") == 0)
		return do_push(c, argc - 1, argv + 1);
	if (strcmp(argv[0], "disable") == 0) {
		if (argc != 1)
			return fail(c, "disable: takes no argument");
		c->out->disable = true;
		return 0;
	}
	ignore(c, "unsupported directive \"%s\"", argv[0]);
	return 0;
}

static int
parse_line(struct ctx *c, char *line)
{
	char *argv[MAX_ARGS];
	int argc;

	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '#' || *line == ';')
		return 0;
	argc = split(line, argv);
	if (argc == -1)
		return fail(c, "unterminated quote");
	if (argc < 0)
		return fail(c, "more than %d arguments", MAX_ARGS - 1);
	return argc == 0 ? 0 : directive(c, argc, argv);
}

int
gw_ccd_parse(const char *text, size_t len, const char *name, struct gw_ccd *out,
	     gw_ccd_warn_fn *warn, void *warn_arg, char *err, size_t errlen)
{
	struct ctx c = { .name = name, .out = out, .warn = warn, .warn_arg = warn_arg,
			 .err = err, .errlen = errlen };
	char line[GW_CCD_LINE_MAX + 1];
	size_t off = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	while (rc == 0 && off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = (nl != NULL ? (size_t)(nl - text) : len) - off;

		c.line++;
		if (n > GW_CCD_LINE_MAX)
			return fail(&c, "line longer than %d characters", GW_CCD_LINE_MAX);
		memcpy(line, text + off, n);
		off += n + 1;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		line[n] = '\0';
		if (strlen(line) != n)
			return fail(&c, "NUL character");
		rc = parse_line(&c, line);
	}
	return rc;
}

bool
gw_ccd_cn_valid(const char *cn)
{
	size_t n = strlen(cn);

	if (n == 0 || n > 63 || cn[0] == '.')
		return false;
	return strspn(cn, "abcdefghijklmnopqrstuvwxyz" "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789._@-") == n;
}

/* Up to @p cap bytes of @p fd into @p buf; *n is how many. 0 or -errno. */
static int
read_all(int fd, char *buf, size_t cap, ssize_t *n)
{
	ssize_t r = 0;

	*n = 0;
	while ((size_t)*n < cap && (r = read(fd, buf + *n, cap - (size_t)*n)) > 0)
		*n += r;
	return r < 0 ? -errno : 0;
}

int
gw_ccd_load(const char *dir, const char *cn, struct gw_ccd *out, gw_ccd_warn_fn *warn,
	    void *warn_arg, char *err, size_t errlen)
{
	static char buf[GW_CCD_FILE_MAX + 1]; /* control thread only */
	char path[512];
	ssize_t n;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	if (!gw_ccd_cn_valid(cn)) {
		snprintf(err, errlen, "certificate name \"%.64s\" is not a valid ccd file name",
			 cn);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, cn);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	rc = read_all(fd, buf, sizeof(buf), &n);
	close(fd);
	if (rc < 0 || n > GW_CCD_FILE_MAX) {
		snprintf(err, errlen, "%s: %s", path,
			 rc < 0 ? strerror(-rc) : "larger than 64 KiB");
		return rc < 0 ? rc : -EFBIG;
	}
	rc = gw_ccd_parse(buf, (size_t)n, path, out, warn, warn_arg, err, errlen);
	out->found = rc == 0;
	return rc;
}
