/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-ovpn-gw config: the optional `server` group, the TLS control channel's settings in the
 * words of an OpenVPN server config (ca, cert, key, crl-verify, "server NET MASK" with
 * topology subnet, data-ciphers, keepalive, reneg-sec, push "route ..."). Without the group the
 * gateway serves static peers only and drops control packets (control_unhandled).
 *
 * Checked here: the keys, that the PEM files can be opened (parsing them is tls.c's job, at
 * setup), the network and mask, the cipher list (ovpn_ncp_list_parse()), the keepalive pair,
 * and the optional control-channel wrap: tls_auth (+ key_direction, tls_auth_digest) or
 * tls_crypt, whose static key file is read and tried here (ovpn/ctrl_wrap.h).
 * Also client_config_dir (checked to be a readable directory; the files are read per client
 * by ccd.c) and client_to_client.
 * Not here: whether certificate and key match (setup); reneg_sec is used by rekey.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>

#include "config.h"
#include "config_peers.h"
#include "ovpn/ctrl_wrap.h"
#include "ovpn/push.h"

#define GW_SERVER_MAX_CLIENTS 1024

static const char *const server_keys[] = {
	"ca", "cert", "key", "crl_verify", "network", "netmask", "data_ciphers",
	"keepalive_interval", "keepalive_timeout", "reneg_sec", "max_clients", "push_routes",
	"tls_auth", "key_direction", "tls_auth_digest", "tls_crypt",
	"client_config_dir", "client_to_client",
	NULL
};

#define SC(m) APP_CONF_FIELD(struct gw_server_conf, m)

static const struct app_conf_uint server_uints[] = {
	{ "keepalive_interval", 0, 86400, false, SC(keepalive_interval_s) },
	{ "keepalive_timeout", 0, 86400, false, SC(keepalive_timeout_s) },
	{ "reneg_sec", 0, 1u << 30, false, SC(reneg_sec) },
	{ "max_clients", 1, GW_SERVER_MAX_CLIENTS, false, SC(max_clients) },
	{ "key_direction", 0, 1, false, SC(key_direction) },
};

static void
server_defaults(struct gw_server_conf *s)
{
	snprintf(s->data_ciphers, sizeof(s->data_ciphers), "%s", OVPN_NCP_DEFAULT);
	s->keepalive_interval_s = 10;    /* the sample server.conf's "keepalive 10 120" */
	s->keepalive_timeout_s = 120;
	s->reneg_sec = 3600;             /* 2.6 default */
	s->max_clients = 64;
	s->wrap = OVPN_CTRL_WRAP_NONE;
	s->key_direction = 0;            /* a 2.6 server's "tls-auth ta.key 0" */
	snprintf(s->tls_auth_digest, sizeof(s->tls_auth_digest), "SHA1");
}

/* A PEM file name that must name a readable file. */
static int
read_file_key(struct app_conf *c, const config_setting_t *g, const char *key, char *buf,
	      size_t size, bool required)
{
	int rc = required ? app_conf_require(c, g, key) : 0;

	if (rc == 0 && app_conf_has(g, key))
		rc = app_conf_get_string(c, g, key, buf, size);
	if (rc == 0 && buf[0] != '\0' && access(buf, R_OK) != 0)
		rc = app_conf_error(c, g, key, "cannot read \"%s\": %s", buf, strerror(errno));
	return rc;
}

static int
read_network(struct app_conf *c, const config_setting_t *g, struct gw_server_conf *s)
{
	uint32_t m;
	int rc = app_conf_require(c, g, "network");

	if (rc == 0)
		rc = app_conf_require(c, g, "netmask");
	if (rc == 0)
		rc = app_conf_get_ip4(c, g, "network", &s->network);
	if (rc == 0)
		rc = app_conf_get_ip4(c, g, "netmask", &s->netmask);
	if (rc < 0)
		return rc;
	m = s->netmask;
	if ((~m & (~m + 1)) != 0 || m == 0 || ~m < 3) /* contiguous, room for .1 and a client */
		return app_conf_error(c, g, "netmask", "not a contiguous mask of /1 .. /30");
	if ((s->network & ~m) != 0)
		return app_conf_error(c, g, "network", "host bits are set for this netmask");
	return 0;
}

static int
read_push_routes(struct app_conf *c, const config_setting_t *g, struct gw_server_conf *s)
{
	const config_setting_t *a = config_setting_get_member(g, "push_routes");
	int n;

	if (a == NULL)
		return 0;
	if (config_setting_type(a) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(a) != CONFIG_TYPE_LIST)
		return app_conf_error(c, g, "push_routes", "expected [\"A.B.C.D/LEN\", ...]");
	n = config_setting_length(a);
	if (n > GW_MAX_PUSH_ROUTES)
		return app_conf_error(c, g, "push_routes", "%d entries (allowed 0..%d)", n,
				      GW_MAX_PUSH_ROUTES);
	for (int i = 0; i < n; i++) {
		const char *v = config_setting_get_string_elem(a, i);
		struct ft_ip4_prefix *p = &s->push_routes[i];

		if (v == NULL || ft_ip4_prefix_parse(v, p) < 0 || (p->addr & ~ft_ip4_mask(p->len)))
			return app_conf_error(c, g, "push_routes",
					      "entry %d: expected a network \"A.B.C.D/LEN\"", i);
		s->n_push_routes = (uint8_t)(i + 1);
	}
	return 0;
}

static int
read_ciphers(struct app_conf *c, const config_setting_t *g, struct gw_server_conf *s)
{
	struct ovpn_ncp_list l;
	int rc = 0;

	if (app_conf_has(g, "data_ciphers"))
		rc = app_conf_get_string(c, g, "data_ciphers", s->data_ciphers,
					 sizeof(s->data_ciphers));
	if (rc == 0 && ovpn_ncp_list_parse(s->data_ciphers, &l) < 0)
		rc = app_conf_error(c, g, "data_ciphers", "\"%s\": unknown or empty cipher name",
				    s->data_ciphers);
	return rc;
}

/* The static key file of tls_auth / tls_crypt into s->wrap_key. */
static int
read_wrap_key(struct app_conf *c, const config_setting_t *g, const char *key,
	      struct gw_server_conf *s)
{
	char text[2048];
	size_t n;
	FILE *f;
	int rc = app_conf_get_string(c, g, key, s->wrap_file, sizeof(s->wrap_file));

	if (rc < 0)
		return rc;
	f = fopen(s->wrap_file, "r");
	if (f == NULL)
		return app_conf_error(c, g, key, "cannot open \"%s\": %s", s->wrap_file,
				      strerror(errno));
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	rc = gw_static_key_parse(text, s->wrap_key);
	explicit_bzero(text, sizeof(text));
	if (rc < 0)
		return app_conf_error(c, g, key, "\"%s\" is not an OpenVPN static key V1 file "
				      "(openvpn --genkey secret FILE)", s->wrap_file);
	return 0;
}

/*
 * tls_auth (+ key_direction, tls_auth_digest) or tls_crypt, never both (OpenVPN refuses the
 * pair too). The keys are set up once here so that a bad digest is a config error.
 */
static int
read_wrap(struct app_conf *c, const config_setting_t *g, struct gw_server_conf *s)
{
	bool auth = app_conf_has(g, "tls_auth"), crypt = app_conf_has(g, "tls_crypt");
	struct ovpn_ctrl_wrap_conf wc;
	struct ovpn_ctrl_wrap_keys k;
	int rc = 0;

	if (auth && crypt)
		return app_conf_error(c, g, "tls_crypt", "tls_auth and tls_crypt are mutually "
				      "exclusive: use one of them");
	if (!auth && app_conf_has(g, "key_direction"))
		return app_conf_error(c, g, "key_direction", "only meaningful with tls_auth");
	if (!auth && app_conf_has(g, "tls_auth_digest"))
		return app_conf_error(c, g, "tls_auth_digest", "only meaningful with tls_auth");
	if (!auth && !crypt)
		return 0;
	if (app_conf_has(g, "tls_auth_digest"))
		rc = app_conf_get_string(c, g, "tls_auth_digest", s->tls_auth_digest,
					 sizeof(s->tls_auth_digest));
	if (rc == 0)
		rc = read_wrap_key(c, g, auth ? "tls_auth" : "tls_crypt", s);
	if (rc < 0)
		return rc;
	s->wrap = auth ? OVPN_CTRL_WRAP_AUTH : OVPN_CTRL_WRAP_CRYPT;
	ovpn_ctrl_wrap_conf_init(&wc);
	wc.mode = s->wrap;
	wc.key = s->wrap_key;
	wc.dir = auth ? (enum ovpn_key_dir)s->key_direction : OVPN_KEY_DIR_NORMAL;
	wc.digest = s->tls_auth_digest;
	rc = ovpn_ctrl_wrap_keys_init(&k, &wc);
	ovpn_ctrl_wrap_keys_fini(&k);
	if (rc == -EINVAL && auth)
		return app_conf_error(c, g, app_conf_has(g, "tls_auth_digest") ?
				      "tls_auth_digest" : "tls_auth", "digest \"%s\" unknown, or "
				      "not 16..64 bytes (SHA1, SHA256, SHA512, ...)",
				      s->tls_auth_digest);
	if (rc < 0)
		return app_conf_error(c, g, auth ? "tls_auth" : "tls_crypt",
				      "key setup failed: %s", strerror(-rc));
	return 0;
}

/* client_config_dir (a readable directory; its files are read per client, ccd.c) and
 * client_to_client. */
static int
read_clients(struct app_conf *c, const config_setting_t *g, struct gw_server_conf *s)
{
	char *d = s->client_config_dir;
	int rc = 0;

	if (app_conf_has(g, "client_to_client"))
		rc = app_conf_get_bool(c, g, "client_to_client", &s->client_to_client);
	if (rc == 0 && app_conf_has(g, "client_config_dir"))
		rc = app_conf_get_string(c, g, "client_config_dir", d, GW_PATH_LEN);
	if (rc == 0 && d[0] != '\0' && access(d, R_OK | X_OK) != 0)
		rc = app_conf_error(c, g, "client_config_dir", "cannot read directory \"%s\": %s",
				    d, strerror(errno));
	return rc;
}

int
gw_config_read_server(struct app_conf *c, const config_setting_t *root, struct gw_config *out)
{
	struct gw_server_conf *s = &out->server;
	const config_setting_t *g = NULL;
	int rc;

	if (!app_conf_has(root, "server"))
		return 0;
	server_defaults(s);
	rc = app_conf_get_group(c, root, "server", &g);
	if (rc == 0)
		rc = app_conf_check_keys(c, g, server_keys);
	if (rc == 0)
		rc = app_conf_get_uints(c, g, server_uints, RTE_DIM(server_uints), s);
	if (rc == 0 && s->keepalive_timeout_s != 0 &&
	    s->keepalive_timeout_s <= s->keepalive_interval_s)
		rc = app_conf_error(c, g, "keepalive_timeout",
				    "%u must exceed keepalive_interval (%u), or be 0",
				    s->keepalive_timeout_s, s->keepalive_interval_s);
	if (rc == 0)
		rc = read_file_key(c, g, "ca", s->ca, sizeof(s->ca), true);
	if (rc == 0)
		rc = read_file_key(c, g, "cert", s->cert, sizeof(s->cert), true);
	if (rc == 0)
		rc = read_file_key(c, g, "key", s->key, sizeof(s->key), true);
	if (rc == 0)
		rc = read_file_key(c, g, "crl_verify", s->crl, sizeof(s->crl), false);
	if (rc == 0)
		rc = read_network(c, g, s);
	if (rc == 0)
		rc = read_ciphers(c, g, s);
	if (rc == 0)
		rc = read_push_routes(c, g, s);
	if (rc == 0)
		rc = read_wrap(c, g, s);
	if (rc == 0)
		rc = read_clients(c, g, s);
	s->enabled = rc == 0;
	return rc;
}
