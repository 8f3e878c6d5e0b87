/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.1 request-head parser (http.h). Request line: method SP target SP "HTTP/1." digit
 * CRLF (RFC 9112 §3); headers: name ":" OWS value OWS CRLF; only Connection, Content-Length
 * and Transfer-Encoding matter here. Bare LF line ends are accepted (RFC 9112 §2.2 allows it).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "http.h"

/* Find the end of the head: the offset just past the empty line, or 0. */
static size_t
head_end(const char *b, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (b[i] != '\n')
			continue;
		if (b[i + 1] == '\n')
			return i + 2;
		if (b[i + 1] == '\r' && i + 2 < len && b[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static const char *
line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? nl : end;
}

static int
parse_request_line(const char *p, const char *eol, struct http_req *r)
{
	const char *sp1 = memchr(p, ' ', (size_t)(eol - p)), *sp2;

	if (sp1 == NULL)
		return -EBADMSG;
	if (sp1 - p == 3 && memcmp(p, "GET", 3) == 0)
		r->method = HTTP_GET;
	else if (sp1 - p == 4 && memcmp(p, "HEAD", 4) == 0)
		r->method = HTTP_HEAD;
	else
		r->method = HTTP_OTHER;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (sp2 == NULL || sp2 == sp1 + 1)
		return -EBADMSG;
	r->path = sp1 + 1;
	r->path_len = (size_t)(sp2 - sp1 - 1);
	if (eol - sp2 < 9 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 || sp2[8] < '0' || sp2[8] > '9')
		return -EBADMSG;
	r->minor_version = sp2[8] - '0';
	r->keep_alive = r->minor_version >= 1;
	return 0;
}

static bool
value_has(const char *v, size_t n, const char *token)
{
	size_t t = strlen(token);

	for (size_t i = 0; i + t <= n; i++)
		if (strncasecmp(v + i, token, t) == 0)
			return true;
	return false;
}

static int
parse_header(const char *p, const char *eol, struct http_req *r)
{
	const char *colon = memchr(p, ':', (size_t)(eol - p)), *v;
	size_t n;

	if (colon == NULL || colon == p)
		return -EBADMSG;
	v = colon + 1;
	while (v < eol && (*v == ' ' || *v == '\t'))
		v++;
	n = (size_t)(eol - v);
	if (colon - p == 10 && strncasecmp(p, "connection", 10) == 0) {
		if (value_has(v, n, "close"))
			r->keep_alive = false;
		else if (value_has(v, n, "keep-alive"))
			r->keep_alive = true;
	} else if (colon - p == 14 && strncasecmp(p, "content-length", 14) == 0) {
		unsigned long cl = 0;

		for (size_t i = 0; i < n && v[i] >= '0' && v[i] <= '9' && cl < 1000000; i++)
			cl = cl * 10 + (unsigned long)(v[i] - '0');
		r->has_body = cl > 0;
	} else if (colon - p == 17 && strncasecmp(p, "transfer-encoding", 17) == 0) {
		r->has_body = true;
	}
	return 0;
}

int
http_parse_request(const char *buf, size_t len, struct http_req *r)
{
	size_t total = head_end(buf, len);
	const char *p = buf, *end = buf + total, *eol;
	int rc;

	if (total == 0)
		return 0;
	memset(r, 0, sizeof(*r));
	eol = line_end(p, end);
	rc = parse_request_line(p, eol > p && eol[-1] == '\r' ? eol - 1 : eol, r);
	if (rc < 0)
		return rc;
	for (p = eol + 1; p < end; p = eol + 1) {
		eol = line_end(p, end);
		if (eol == p || (eol == p + 1 && *p == '\r'))
			break; /* the empty line */
		rc = parse_header(p, eol[-1] == '\r' ? eol - 1 : eol, r);
		if (rc < 0)
			return rc;
	}
	return (int)total;
}
