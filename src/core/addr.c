/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 text forms. Strict: exactly four decimal fields 0..255, no leading '+', no spaces,
 * prefix length 0..32 (inet_aton's "1.2" or octal forms are rejected on purpose: a config
 * value should mean one thing).
 */
#include <errno.h>
#include <stdio.h>

#include <fasttcp/ft_addr.h>

static const char *
parse_field(const char *s, uint32_t max, uint32_t *out)
{
	uint32_t v = 0;
	int digits = 0;

	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (uint32_t)(*s++ - '0');
		if (++digits > 3 || v > max)
			return NULL;
	}
	if (digits == 0)
		return NULL;
	*out = v;
	return s;
}

static const char *
parse_addr(const char *s, uint32_t *addr)
{
	uint32_t a = 0, f;

	for (int i = 0; i < 4; i++) {
		if (i > 0 && *s++ != '.')
			return NULL;
		s = parse_field(s, 255, &f);
		if (s == NULL)
			return NULL;
		a = a << 8 | f;
	}
	*addr = a;
	return s;
}

int
ft_ip4_parse(const char *s, uint32_t *addr)
{
	if (s == NULL || addr == NULL)
		return -EINVAL;
	s = parse_addr(s, addr);
	return s != NULL && *s == '\0' ? 0 : -EINVAL;
}

int
ft_ip4_prefix_parse(const char *s, struct ft_ip4_prefix *p)
{
	uint32_t len;

	if (s == NULL || p == NULL)
		return -EINVAL;
	s = parse_addr(s, &p->addr);
	if (s == NULL || *s++ != '/')
		return -EINVAL;
	s = parse_field(s, 32, &len);
	if (s == NULL || *s != '\0')
		return -EINVAL;
	p->len = (uint8_t)len;
	return 0;
}

char *
ft_ip4_format(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}
