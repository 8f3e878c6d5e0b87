/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-ovpn-gw config file -> struct gw_config: the top-level key check, the `stack` section
 * (apps/common/stack_conf.c), the `gateway` section (here: ports by name, UDP port, crypto
 * backend, tunnel MTU and MSS clamp, keepalive, status file, peer-id space, LAN routes) and
 * `static_peers` (config_peers.c). Defaults live in gw_defaults() only. Validation covers what
 * a file can get wrong on its own; whether a crypto backend or device exists is found out at
 * setup (setup.c). What the values do is described in configs/dpdk-ovpn-gw.conf.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "app_conf.h"
#include "stack_conf.h"

#include "config.h"
#include "config_peers.h"
#include "ovpn/proto.h"

#define OVPN_DEFAULT_PORT 1194 /* IANA "openvpn" */
#define IPV4_TCP_HDRS 40        /* MSS = MTU - IPv4 header - TCP header (RFC 879) */

static const char *const top_keys[] = { "stack", "gateway", "static_peers", "server", NULL };

static const char *const gw_keys[] = {
	"public_port", "lan_port", "listen_port", "crypto_backend", "crypto_device", "tunnel_mtu",
	"mssfix", "keepalive_interval_s", "keepalive_timeout_s", "status_file",
	"status_interval_s", "max_peers", "rpf", "routes", NULL
};

#define GC(m) APP_CONF_FIELD(struct gw_config, m)

static const struct app_conf_uint gw_uints[] = {
	{ "listen_port", 1, 65535, false, GC(listen_port) },
	{ "tunnel_mtu", 576, 9000, false, GC(tunnel_mtu) },
	{ "keepalive_interval_s", 0, 86400, false, GC(keepalive_interval_s) },
	{ "keepalive_timeout_s", 0, 86400, false, GC(keepalive_timeout_s) },
	{ "status_interval_s", 1, 86400, false, GC(status_interval_s) },
	{ "max_peers", 1, 65536, false, GC(max_peers) },
};

static const char *const route_keys[] = { "prefix", "via", "port", NULL };

/* The one place the gateway's defaults live (the stack's: ft_stack_conf_init()). */
static void
gw_defaults(struct gw_config *c)
{
	c->listen_port = OVPN_DEFAULT_PORT;
	snprintf(c->crypto_backend, sizeof(c->crypto_backend), "openssl");
	c->tunnel_mtu = 1500;            /* 2.6's tun-mtu default (openvpn-protocol.md §6.4) */
	c->keepalive_interval_s = 10;    /* 2.6 server "keepalive 10 60" (§5.1, §9.1) */
	c->keepalive_timeout_s = 120;    /* ... which a server doubles for its own side */
	c->status_interval_s = 10;       /* openvpn --status default: 60; 10 like the lab */
	c->max_peers = 1024;
	c->rpf = true;
}

/* A port of `stack.ports` by name: its index. */
static int
port_by_name(struct app_conf *c, const config_setting_t *grp, const char *key,
	     const struct gw_config *cfg, uint16_t *out)
{
	char name[FT_PORT_NAME_LEN];
	int rc;

	if (!app_conf_has(grp, key))
		snprintf(name, sizeof(name), "%s", strcmp(key, "lan_port") == 0 ? "lan" : "public");
	else if ((rc = app_conf_get_string(c, grp, key, name, sizeof(name))) < 0)
		return rc;
	for (uint16_t i = 0; i < cfg->stack.n_ports; i++)
		if (strcmp(cfg->stack.ports[i].name, name) == 0) {
			*out = i;
			return 0;
		}
	return app_conf_error(c, grp, key, "no port named \"%s\" in stack.ports", name);
}

static int
read_ports(struct app_conf *c, const config_setting_t *gw, struct gw_config *out)
{
	int rc = port_by_name(c, gw, "public_port", out, &out->public_port);

	if (rc == 0)
		rc = port_by_name(c, gw, "lan_port", out, &out->lan_port);
	if (rc == 0 && out->public_port == out->lan_port)
		rc = app_conf_error(c, gw, "lan_port", "is the public port: two ports are needed");
	return rc;
}

static int
read_mtu(struct app_conf *c, const config_setting_t *gw, struct gw_config *out)
{
	struct app_conf_uint mss = { "mssfix", 0, 0, false, 0, 0 };
	uint32_t v;
	int rc;

	if (!app_conf_has(gw, "mssfix")) {
		out->mssfix = (uint16_t)(out->tunnel_mtu - IPV4_TCP_HDRS);
		return 0;
	}
	mss.max = out->tunnel_mtu - IPV4_TCP_HDRS;
	rc = app_conf_get_uint(c, gw, &mss, &v);
	if (rc < 0)
		return rc;
	if (v != 0 && v < 536) /* RFC 879: every IPv4 host takes 536 */
		return app_conf_error(c, gw, "mssfix", "%u out of range (0 = off, or 536..%u)", v,
				      mss.max);
	out->mssfix = (uint16_t)v;
	out->mssfix_set = true;
	return 0;
}

static int
read_route(struct app_conf *c, const config_setting_t *r, struct gw_config *out,
	   struct gw_route_conf *rc_out)
{
	const struct ft_port_conf *pc;
	int rc;

	rc = app_conf_check_keys(c, r, route_keys);
	if (rc == 0)
		rc = app_conf_require(c, r, "prefix");
	if (rc == 0)
		rc = gw_conf_get_network(c, r, "prefix", &rc_out->prefix);
	rc_out->port = out->lan_port;
	if (rc == 0 && app_conf_has(r, "port"))
		rc = port_by_name(c, r, "port", out, &rc_out->port);
	if (rc == 0)
		rc = app_conf_get_ip4(c, r, "via", &rc_out->via);
	if (rc < 0 || rc_out->via == 0)
		return rc;
	pc = &out->stack.ports[rc_out->port];
	if (((rc_out->via ^ pc->ip4) & ft_ip4_mask(pc->prefix_len)) != 0 || rc_out->via == pc->ip4)
		return app_conf_error(c, r, "via", "is not a neighbour on port \"%s\"'s subnet",
				      pc->name);
	return 0;
}

static int
read_routes(struct app_conf *c, const config_setting_t *gw, struct gw_config *out)
{
	const config_setting_t *list = NULL;
	int n, rc;

	rc = app_conf_get_group_list(c, gw, "routes", &list);
	if (rc < 0 || list == NULL)
		return rc;
	n = config_setting_length(list);
	if (n > GW_MAX_ROUTES)
		return app_conf_error(c, gw, "routes", "%d entries (allowed 0..%d)", n,
				      GW_MAX_ROUTES);
	for (int i = 0; i < n; i++) {
		rc = read_route(c, config_setting_get_elem(list, (unsigned int)i), out,
				&out->routes[i]);
		if (rc < 0)
			return rc;
		out->n_routes = (uint16_t)(i + 1);
	}
	return 0;
}

static int
read_strings(struct app_conf *c, const config_setting_t *gw, struct gw_config *out)
{
	int rc = app_conf_get_string(c, gw, "crypto_backend", out->crypto_backend,
				     sizeof(out->crypto_backend));

	if (rc == 0)
		rc = app_conf_get_string(c, gw, "crypto_device", out->crypto_device,
					 sizeof(out->crypto_device));
	if (rc == 0)
		rc = app_conf_get_string(c, gw, "status_file", out->status_file,
					 sizeof(out->status_file));
	return rc;
}

static int
read_gateway(struct app_conf *c, const config_setting_t *root, struct gw_config *out)
{
	const config_setting_t *gw = NULL;
	int rc;

	rc = app_conf_require(c, root, "gateway");
	if (rc == 0)
		rc = app_conf_get_group(c, root, "gateway", &gw);
	if (rc == 0)
		rc = app_conf_check_keys(c, gw, gw_keys);
	if (rc == 0)
		rc = app_conf_get_uints(c, gw, gw_uints, RTE_DIM(gw_uints), out);
	if (rc == 0 && out->keepalive_timeout_s != 0 &&
	    out->keepalive_timeout_s <= out->keepalive_interval_s)
		rc = app_conf_error(c, gw, "keepalive_timeout_s",
				    "%u must exceed keepalive_interval_s (%u), or be 0",
				    out->keepalive_timeout_s, out->keepalive_interval_s);
	if (rc == 0)
		rc = read_ports(c, gw, out);
	if (rc == 0)
		rc = read_mtu(c, gw, out);
	if (rc == 0)
		rc = read_strings(c, gw, out);
	if (rc == 0)
		rc = app_conf_get_bool(c, gw, "rpf", &out->rpf);
	if (rc == 0)
		rc = read_routes(c, gw, out);
	return rc;
}

int
gw_config_load(const char *path, struct gw_config *out, char *err, size_t errlen)
{
	struct app_conf c;
	int rc;

	memset(out, 0, sizeof(*out));
	gw_defaults(out);
	rc = app_conf_load_stack(&c, path, top_keys, &out->stack, err, errlen);
	if (rc == 0)
		rc = read_gateway(&c, app_conf_root(&c), out);
	if (rc == 0)
		rc = gw_config_read_peers(&c, app_conf_root(&c), out);
	if (rc == 0)
		rc = gw_config_read_server(&c, app_conf_root(&c), out);
	app_conf_fini(&c);
	if (rc < 0)
		gw_config_wipe_keys(out);
	return rc;
}

void
gw_config_wipe_keys(struct gw_config *c)
{
	for (unsigned int i = 0; i < RTE_DIM(c->peers); i++)
		explicit_bzero(c->peers[i].key2, sizeof(c->peers[i].key2));
	explicit_bzero(c->server.wrap_key, sizeof(c->server.wrap_key));
}
