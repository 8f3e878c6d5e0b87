/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.1 request parsing (RFC 9112 §3, §9.3): stateless, zero copy, caller-sized
 * (picohttpparser's shape): it looks at the bytes received so far and either finds a complete
 * request head or says it needs more. Only what the server uses is extracted.
 */
#ifndef FT_APPS_HTTPD_HTTP_H
#define FT_APPS_HTTPD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_OTHER };

struct http_req {
	enum http_method method;
	const char *path;     /* into the caller's buffer, not NUL-terminated */
	size_t path_len;
	int minor_version;    /* HTTP/1.x */
	bool keep_alive;      /* after Connection headers and the version default */
	bool has_body;        /* Content-Length > 0 or Transfer-Encoding: not supported */
};

/*
 * Parse the request head at @p buf (@p len bytes received).
 * @return bytes of the head (request line + headers + empty line) when complete, 0 when more
 *         bytes are needed, -EBADMSG when malformed.
 */
int http_parse_request(const char *buf, size_t len, struct http_req *r);

#endif /* FT_APPS_HTTPD_HTTP_H */
