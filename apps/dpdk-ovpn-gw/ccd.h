/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * client-config-dir (ccd.c): one file per client certificate name in OpenVPN's option
 * syntax, read when that client's key exchange is done (openvpn-protocol.md §5; 2.6 multi.c
 * multi_client_connect_source_ccd()). The directives the gateway applies:
 *
 *   ifconfig-push IP MASK     this client's tunnel address (topology subnet: MASK is the
 *                             server's netmask), instead of one from the pool
 *   iroute NET [MASK]         a network behind the client: a FIB route to its peer, and RPF
 *                             accepts sources inside it (MASK default 255.255.255.255)
 *   push "route NET [MASK]"   one more route pushed to this client only
 *   disable                   refuse the client
 *
 * Syntax as OpenVPN reads config files: one directive per line, '#' or ';' starts a comment
 * line, arguments split on blanks, "double quotes" group one argument (backslash escapes the
 * next character inside them). A malformed known directive (missing or extra arguments, a bad
 * address, host bits set in an iroute) is an error naming file and line: the client is
 * refused rather than connected with half its settings. Any other directive (OpenVPN's
 * push-reset, ifconfig-ipv6-push, ...; a typo) and any pushed option other than "route" is
 * reported through the warning callback with file and line and ignored, as OpenVPN skips
 * options it cannot apply in a ccd file.
 *
 * Pure logic: libc only (and ft_addr.h's parsers), no DPDK, no logging: unit-tested in
 * tests/apps/test_gw_ccd.c. The caller (client_peer.c) checks addresses against the server
 * network and applies the result.
 */
#ifndef FT_APPS_OVPN_GW_CCD_H
#define FT_APPS_OVPN_GW_CCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fasttcp/ft_addr.h>

#define GW_CCD_IROUTES_MAX 16       /* as static peers' iroutes (config.h GW_MAX_IROUTES) */
#define GW_CCD_PUSH_ROUTES_MAX 16
#define GW_CCD_LINE_MAX 256         /* 2.6 OPTION_LINE_SIZE */
#define GW_CCD_FILE_MAX 65536       /* larger files are refused */

/* What one client's file says; all host order. */
struct gw_ccd {
	bool found;                 /* gw_ccd_load(): the file exists */
	bool disable;
	bool has_ifconfig;
	uint32_t ifconfig_ip;
	uint32_t ifconfig_mask;
	struct ft_ip4_prefix iroutes[GW_CCD_IROUTES_MAX];
	uint8_t n_iroutes;
	struct ft_ip4_prefix push_routes[GW_CCD_PUSH_ROUTES_MAX];
	uint8_t n_push_routes;
	uint16_t n_ignored;         /* lines ignored (reported through warn) */
};

/* Called for each ignored line with "file:line: ..." (NUL-terminated). */
typedef void gw_ccd_warn_fn(void *arg, const char *msg);

/*
 * Parse @p len bytes of @p text (need not be NUL-terminated) as the ccd file named @p name
 * (for messages) into @p out (zeroed first). @p warn (may be NULL) gets each ignored line.
 * 0, or -EINVAL with "name:line: reason" in @p err (@p errlen bytes): malformed directive,
 * line longer than GW_CCD_LINE_MAX, too many iroutes / pushed routes, unterminated quote.
 */
int gw_ccd_parse(const char *text, size_t len, const char *name, struct gw_ccd *out,
		 gw_ccd_warn_fn *warn, void *warn_arg, char *err, size_t errlen);

/*
 * Read and parse @p dir/@p cn. No file: 0 with out->found false (the client gets the
 * defaults). 0 with out->found true; -EINVAL (parse error, or @p cn not usable as a file
 * name: see gw_ccd_cn_valid()), -EFBIG (over GW_CCD_FILE_MAX) or -errno (cannot read), each
 * with a message in @p err. Control thread (file I/O).
 */
int gw_ccd_load(const char *dir, const char *cn, struct gw_ccd *out, gw_ccd_warn_fn *warn,
		void *warn_arg, char *err, size_t errlen);

/* Is @p cn usable as a file name in the ccd directory: 1..63 characters of [A-Za-z0-9._@-],
 * not starting with '.' (no "..", no '/', no hidden files)? */
bool gw_ccd_cn_valid(const char *cn);

#endif /* FT_APPS_OVPN_GW_CCD_H */
