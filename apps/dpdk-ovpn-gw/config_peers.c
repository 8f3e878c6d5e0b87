/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `static_peers` list of the dpdk-ovpn-gw config: peers whose data-channel keys are given
 * in the file, so the OpenVPN data path runs without a control channel (the keys a TLS
 * handshake would derive, openvpn-protocol.md §4).
 *
 * Key material is the 256-byte key2 block of §4.1 (what EKM or the PRF produce, and what an
 * OpenVPN static key file holds), given either inline as 512 hex digits (`key`) or as the path
 * of an "OpenVPN Static key V1" file (`key_file`, the output of `openvpn --genkey secret`).
 * The gateway is always the server: it decrypts with key2[0..) / tail key2[64..72) and
 * encrypts with key2[128..) / tail key2[192..200) (§4.4, ovpn_key_material_from_key2()); a
 * client uses the same block the other way round.
 *
 * Networks (VPN addresses as /32, iroutes, gateway.routes) must be unique: the FIB holds one
 * next hop per prefix, and a duplicate would silently hand one peer's traffic to another.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "config_peers.h"
#include "ovpn/proto.h"

#define STATIC_KEY_BEGIN "-----BEGIN OpenVPN Static key V1-----"
#define STATIC_KEY_END "-----END OpenVPN Static key V1-----"
#define KEY_FILE_MAX 4096

static const char *const peer_keys[] = {
	"peer_id", "name", "vpn_address", "cipher", "key", "key_file", "key_id", "remote",
	"iroutes", NULL
};

static int
hex_val(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)(ch | 0x20);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

int
gw_hex_decode(const char *hex, uint8_t *out, size_t len)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex != '\0'; hex++) {
		int v;

		if (*hex == ' ' || *hex == '\t' || *hex == '\n' || *hex == '\r')
			continue;
		v = hex_val(*hex);
		if (v < 0 || n == len)
			return -EINVAL;
		if (hi < 0) {
			hi = v;
			continue;
		}
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return n == len && hi < 0 ? 0 : -EINVAL;
}

int
gw_static_key_parse(const char *text, uint8_t out[OVPN_KEY2_LEN])
{
	const char *b = strstr(text, STATIC_KEY_BEGIN), *e;
	char hex[KEY_FILE_MAX];
	size_t n;
	int rc;

	if (b == NULL)
		return -EINVAL;
	b += strlen(STATIC_KEY_BEGIN);
	e = strstr(b, STATIC_KEY_END);
	if (e == NULL || (size_t)(e - b) >= sizeof(hex))
		return -EINVAL;
	n = (size_t)(e - b);
	memcpy(hex, b, n);
	hex[n] = '\0';
	rc = gw_hex_decode(hex, out, OVPN_KEY2_LEN);
	explicit_bzero(hex, sizeof(hex));
	return rc;
}

int
gw_conf_get_network(struct app_conf *c, const config_setting_t *grp, const char *key,
		    struct ft_ip4_prefix *out)
{
	int rc = app_conf_get_ip4_prefix(c, grp, key, out);

	if (rc == 0 && (out->addr & ~ft_ip4_mask(out->len)) != 0)
		return app_conf_error(c, grp, key, "host bits are set (a network is expected)");
	return rc;
}

static int
read_key_file(struct app_conf *c, const config_setting_t *p, uint8_t key2[OVPN_KEY2_LEN])
{
	char path[GW_PATH_LEN], text[KEY_FILE_MAX];
	size_t n;
	FILE *f;
	int rc;

	rc = app_conf_get_string(c, p, "key_file", path, sizeof(path));
	if (rc < 0)
		return rc;
	f = fopen(path, "r");
	if (f == NULL)
		return app_conf_error(c, p, "key_file", "cannot open \"%s\": %s", path,
				      strerror(errno));
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	rc = gw_static_key_parse(text, key2);
	explicit_bzero(text, sizeof(text));
	if (rc < 0)
		return app_conf_error(c, p, "key_file", "\"%s\" is not an OpenVPN static key V1 "
				      "file (256 bytes of hex between BEGIN/END lines)", path);
	return 0;
}

static int
read_key(struct app_conf *c, const config_setting_t *p, struct gw_peer_conf *out)
{
	const config_setting_t *s;
	struct app_conf_uint kid = { "key_id", 0, OVPN_KEY_ID_MAX, false, 0, 0 };
	uint32_t v = 0;
	int rc;

	if (app_conf_has(p, "key") == app_conf_has(p, "key_file"))
		return app_conf_error(c, p, NULL, "exactly one of key and key_file is required");
	if (app_conf_has(p, "key_file"))
		rc = read_key_file(c, p, out->key2);
	else if (config_setting_type(s = config_setting_get_member(p, "key")) != CONFIG_TYPE_STRING)
		rc = app_conf_error(c, p, "key", "wrong type: expected a string of hex digits");
	else if (gw_hex_decode(config_setting_get_string(s), out->key2, OVPN_KEY2_LEN) < 0)
		rc = app_conf_error(c, p, "key", "expected %d hex digits (the 256-byte key2 block)",
				    2 * OVPN_KEY2_LEN);
	else
		rc = 0;
	if (rc == 0)
		rc = app_conf_get_uint(c, p, &kid, &v);
	out->key_id = (uint8_t)v;
	return rc;
}

/* "A.B.C.D:PORT", port 1..65535. */
static int
read_remote(struct app_conf *c, const config_setting_t *p, struct ft_endpoint4 *out)
{
	char buf[32];
	char *colon, *end;
	unsigned long port;
	int rc;

	if (!app_conf_has(p, "remote"))
		return 0;
	rc = app_conf_get_string(c, p, "remote", buf, sizeof(buf));
	if (rc < 0)
		return rc;
	colon = strrchr(buf, ':');
	if (colon != NULL) {
		*colon = '\0';
		port = strtoul(colon + 1, &end, 10);
	}
	if (colon == NULL || *end != '\0' || colon[1] == '\0' || port == 0 || port > 65535 ||
	    ft_ip4_parse(buf, &out->addr) < 0 || out->addr == 0)
		return app_conf_error(c, p, "remote", "expected A.B.C.D:PORT");
	out->port = (uint16_t)port;
	return 0;
}

static int
read_iroutes(struct app_conf *c, const config_setting_t *p, struct gw_peer_conf *out)
{
	const config_setting_t *a = config_setting_get_member(p, "iroutes");
	int n;

	if (a == NULL)
		return 0;
	if (!config_setting_is_aggregate(a) || config_setting_is_group(a))
		return app_conf_error(c, p, "iroutes", "wrong type: expected a list of networks "
				      "[ \"A.B.C.D/LEN\", ... ]");
	n = config_setting_length(a);
	if (n > GW_MAX_IROUTES)
		return app_conf_error(c, p, "iroutes", "%d entries (allowed 0..%d)", n,
				      GW_MAX_IROUTES);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(a, (unsigned int)i);
		struct ft_ip4_prefix *ir = &out->iroutes[i];
		const char *v = config_setting_get_string(e);

		if (v == NULL || ft_ip4_prefix_parse(v, ir) < 0 ||
		    (ir->addr & ~ft_ip4_mask(ir->len)) != 0 || ir->len == 0)
			return app_conf_error(c, p, "iroutes", "element %d: expected a network "
					      "\"A.B.C.D/LEN\" with LEN 1..32 and no host bits", i);
	}
	out->n_iroutes = (uint8_t)n;
	return 0;
}

static int
read_identity(struct app_conf *c, const config_setting_t *p, const struct gw_config *cfg,
	      struct gw_peer_conf *out)
{
	struct app_conf_uint id = { "peer_id", 0, cfg->max_peers - 1, false, 0, 0 };
	char cipher[32];
	int rc;

	rc = app_conf_require(c, p, "peer_id");
	if (rc == 0)
		rc = app_conf_get_uint(c, p, &id, &out->id);
	if (rc == 0)
		rc = app_conf_require(c, p, "vpn_address");
	if (rc == 0)
		rc = app_conf_get_ip4(c, p, "vpn_address", &out->vpn_ip4);
	if (rc == 0 && (out->vpn_ip4 >> 24 == 0 || out->vpn_ip4 >> 24 == 127 ||
			out->vpn_ip4 >> 28 >= 0xe))
		rc = app_conf_error(c, p, "vpn_address", "is not a unicast host address");
	snprintf(out->name, sizeof(out->name), "peer%u", out->id);
	if (rc == 0)
		rc = app_conf_get_string(c, p, "name", out->name, sizeof(out->name));
	if (rc == 0 && strpbrk(out->name, ",\t\n\r") != NULL)
		rc = app_conf_error(c, p, "name", "must not contain ',', tabs or line breaks "
				    "(the status file separates fields with them)");
	snprintf(cipher, sizeof(cipher), "AES-256-GCM");
	if (rc == 0)
		rc = app_conf_get_string(c, p, "cipher", cipher, sizeof(cipher));
	if (rc == 0 && ft_aead_alg_parse(cipher, &out->alg) < 0)
		rc = app_conf_error(c, p, "cipher", "\"%s\" is not valid (expected AES-128-GCM|"
				    "AES-192-GCM|AES-256-GCM|CHACHA20-POLY1305)", cipher);
	return rc;
}

/* Every prefix the FIB will hold: each appears once. */
static bool
prefix_eq(const struct ft_ip4_prefix *a, uint32_t addr, uint8_t len)
{
	return a->addr == addr && a->len == len;
}

static int
check_unique(struct app_conf *c, const config_setting_t *p, const struct gw_config *cfg,
	     const struct gw_peer_conf *np)
{
	const struct ft_ip4_prefix me = { np->vpn_ip4, 32 };

	for (uint16_t i = 0; i < cfg->n_peers; i++) {
		const struct gw_peer_conf *q = &cfg->peers[i];

		if (q->id == np->id)
			return app_conf_error(c, p, "peer_id", "%u already used (line %u)", np->id,
					      q->line);
		if (q->vpn_ip4 == np->vpn_ip4)
			return app_conf_error(c, p, "vpn_address", "already used (line %u)",
					      q->line);
		for (uint8_t k = 0; k < q->n_iroutes; k++)
			for (uint8_t j = 0; j < np->n_iroutes; j++)
				if (prefix_eq(&q->iroutes[k], np->iroutes[j].addr,
					      np->iroutes[j].len))
					return app_conf_error(c, p, "iroutes", "element %u is also "
							      "an iroute of line %u", j, q->line);
	}
	for (uint16_t i = 0; i < cfg->n_routes; i++)
		for (int j = -1; j < np->n_iroutes; j++) {
			const struct ft_ip4_prefix *x = j < 0 ? &me : &np->iroutes[j];

			if (prefix_eq(&cfg->routes[i].prefix, x->addr, x->len))
				return app_conf_error(c, p, j < 0 ? "vpn_address" : "iroutes",
						      "is also gateway.routes entry %u", i);
		}
	return 0;
}

static int
read_peer(struct app_conf *c, const config_setting_t *p, const struct gw_config *cfg,
	  struct gw_peer_conf *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->line = config_setting_source_line(p);
	rc = app_conf_check_keys(c, p, peer_keys);
	if (rc == 0)
		rc = read_identity(c, p, cfg, out);
	if (rc == 0)
		rc = read_key(c, p, out);
	if (rc == 0)
		rc = read_remote(c, p, &out->remote);
	if (rc == 0)
		rc = read_iroutes(c, p, out);
	if (rc == 0)
		rc = check_unique(c, p, cfg, out);
	return rc;
}

int
gw_config_read_peers(struct app_conf *c, const config_setting_t *root, struct gw_config *out)
{
	const config_setting_t *list = NULL;
	int n, rc;

	rc = app_conf_get_group_list(c, root, "static_peers", &list);
	if (rc < 0 || list == NULL)
		return rc;
	n = config_setting_length(list);
	if (n > GW_MAX_STATIC_PEERS || (uint32_t)n > out->max_peers)
		return app_conf_error(c, root, "static_peers", "%d entries (allowed 0..%u: "
				      "gateway.max_peers)", n,
				      RTE_MIN((uint32_t)GW_MAX_STATIC_PEERS, out->max_peers));
	for (int i = 0; i < n; i++) {
		rc = read_peer(c, config_setting_get_elem(list, (unsigned int)i), out,
			       &out->peers[i]);
		if (rc < 0)
			return rc;
		out->n_peers = (uint16_t)(i + 1);
	}
	return 0;
}
