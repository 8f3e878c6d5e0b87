/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cipher negotiation, PUSH_REPLY and the text control messages of a 2.6-compatible server
 * (openvpn-protocol.md §3.1, §3.4, §5.1, §5.2; 2.6 ssl_ncp.c ncp_get_best_cipher(),
 * tls_peer_ncp_list(), tls_peer_supports_ncp(); push.c prepare_push_reply(),
 * process_incoming_push_msg(); helper.c helper_client_server(), helper_keepalive(); forward.c
 * parse_incoming_control_channel_command(); ssl_pkt.c extract_command_buffer()).
 *
 * Not here: reading the peer-info (keyex.c), TLS records (tls.c), address and peer-id
 * allocation, push-continuation (a reply over OVPN_PUSH_REPLY_MAX is refused with -EMSGSIZE;
 * TODO(push): continuation for long route lists (#6)).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ovpn/push.h"

/* What a client with IV_NCP >= 2 but no IV_CIPHERS accepts (ssl_ncp.c tls_peer_ncp_list()). */
#define NCP_V2_IMPLIED		"AES-256-GCM:AES-128-GCM"
#define CC_PUSH_REQUEST		"PUSH_REQUEST"
#define CC_EXIT			"EXIT"
#define CC_CR_RESPONSE		"CR_RESPONSE"

/* Is @p name in the ':'-separated @p list (case-insensitive)? */
static bool
list_has(const char *list, const char *name)
{
	size_t n = strlen(name);

	while (list != NULL && *list != '\0') {
		const char *end = strchr(list, ':');
		size_t len = end != NULL ? (size_t)(end - list) : strlen(list);

		if (len == n && strncasecmp(list, name, n) == 0)
			return true;
		list = end != NULL ? end + 1 : NULL;
	}
	return false;
}

static bool
mask_is_contiguous(uint32_t mask)
{
	return (~mask & (~mask + 1)) == 0;
}

/* Output under construction: the first error sticks and later appends do nothing. */
struct text {
	char *p;
	size_t cap;
	size_t len;
	int err;
};

static void
append(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->err != 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->cap - t->len) {
		t->err = -ENOSPC;
		return;
	}
	t->len += (size_t)n;
}

/* ",<word> a.b.c.d": every address in a push option is written this way. */
static void
append_ip(struct text *t, const char *word, uint32_t ip)
{
	append(t, ",%s %u.%u.%u.%u", word, ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
	       ip & 0xff);
}

static void
append_ip_ip(struct text *t, const char *word, uint32_t a, uint32_t b)
{
	append_ip(t, word, a);
	append(t, " %u.%u.%u.%u", b >> 24, (b >> 16) & 0xff, (b >> 8) & 0xff, b & 0xff);
}

static int
check_push(const struct ovpn_push_conf *conf, const struct ovpn_push_client *client)
{
	if (conf->gateway == 0 || !mask_is_contiguous(conf->netmask) || conf->netmask == 0 ||
	    conf->n_routes > OVPN_PUSH_ROUTES_MAX || client->ip == 0 ||
	    client->peer_id >= OVPN_PEER_ID_NONE || ft_aead_alg_name(client->cipher) == NULL ||
	    client->peer == NULL)
		return -EINVAL;
	for (unsigned int i = 0; i < conf->n_routes; i++) {
		const struct ovpn_push_route *r = &conf->routes[i];

		if (!mask_is_contiguous(r->mask) || (r->net & ~r->mask) != 0)
			return -EINVAL;
	}
	return 0;
}

/* The per-client tail: peer-id, cipher, protocol flags, tun-mtu (prepare_push_reply()). */
static void
append_client(struct text *t, const struct ovpn_push_conf *conf,
	      const struct ovpn_push_client *client)
{
	const struct ovpn_peer_info *peer = client->peer;
	bool ekm = (peer->proto & OVPN_IV_PROTO_TLS_KEY_EXPORT) != 0;

	if (peer->proto & OVPN_IV_PROTO_DATA_V2)
		append(t, ",peer-id %u", client->peer_id);
	if (ovpn_peer_supports_ncp(peer))
		append(t, ",cipher %s", ft_aead_alg_name(client->cipher));
	/*
	 * §4.2, §5.1: a client that understands protocol-flags (it set cc-exit) gets tls-ekm
	 * there; an older EKM client gets 2.5's key-derivation. dyn-tls-crypt is never pushed
	 * (§11.1): renegotiations would then be tls-crypt-wrapped.
	 */
	if (peer->proto & OVPN_IV_PROTO_CC_EXIT_NOTIFY)
		append(t, ",protocol-flags cc-exit%s", ekm ? " tls-ekm" : "");
	else if (ekm)
		append(t, ",key-derivation tls-ekm");
	if (peer->mtu != 0 && conf->tun_mtu != 0)
		append(t, ",tun-mtu %u", conf->tun_mtu);
}

int
ovpn_ncp_list_parse(const char *s, struct ovpn_ncp_list *list)
{
	char name[32];

	memset(list, 0, sizeof(*list));
	do {
		const char *end = strchr(s, ':');
		size_t len = end != NULL ? (size_t)(end - s) : strlen(s);
		enum ft_aead_alg alg;
		bool seen = false;

		if (len == 0 || len >= sizeof(name))
			return -EINVAL;
		memcpy(name, s, len);
		name[len] = '\0';
		if (ft_aead_alg_parse(name, &alg) < 0)
			return -EINVAL;
		for (unsigned int i = 0; i < list->n; i++)
			seen |= list->alg[i] == alg;
		if (!seen)
			list->alg[list->n++] = alg;
		s = end != NULL ? end + 1 : NULL;
	} while (s != NULL);
	return 0;
}

bool
ovpn_peer_supports_ncp(const struct ovpn_peer_info *peer)
{
	return peer->ncp >= 2 || peer->has_ciphers;
}

int
ovpn_ncp_choose(const struct ovpn_ncp_list *server, const struct ovpn_peer_info *peer,
		enum ft_aead_alg *alg)
{
	const char *client = peer->has_ciphers ? peer->ciphers :
			     peer->ncp >= 2 ? NCP_V2_IMPLIED : "";
	/* A client that sends IV_CIPHERS may not accept its OCC cipher (ncp_get_best_cipher()). */
	const char *occ = peer->has_ciphers ? "" : peer->occ_cipher;

	for (unsigned int i = 0; i < server->n; i++) {
		const char *name = ft_aead_alg_name(server->alg[i]);

		if (list_has(client, name) || strcasecmp(occ, name) == 0) {
			*alg = server->alg[i];
			return 0;
		}
	}
	return -ENOENT;
}

void
ovpn_push_conf_init(struct ovpn_push_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->ping_s = 10;
	conf->ping_restart_s = 60;
	conf->tun_mtu = 1500;
}

int
ovpn_push_reply_build(char *buf, size_t cap, const struct ovpn_push_conf *conf,
		      const struct ovpn_push_client *client)
{
	/* Never write more than one push bundle, whatever the buffer. */
	struct text t = { buf, cap < OVPN_PUSH_REPLY_MAX ? cap : OVPN_PUSH_REPLY_MAX, 0, 0 };
	int rc = check_push(conf, client);

	if (rc < 0)
		return rc;
	if (cap == 0)
		return -ENOSPC;
	append(&t, "PUSH_REPLY");
	/* The config's own push lines come first, then what --server and --keepalive add. */
	for (unsigned int i = 0; i < conf->n_routes; i++)
		append_ip_ip(&t, "route", conf->routes[i].net, conf->routes[i].mask);
	if (conf->redirect_gateway)
		append(&t, ",redirect-gateway def1");
	append_ip(&t, "route-gateway", conf->gateway);
	append(&t, ",topology subnet");
	if (conf->ping_s != 0)
		append(&t, ",ping %u", conf->ping_s);
	if (conf->ping_restart_s != 0)
		append(&t, ",ping-restart %u", conf->ping_restart_s);
	/* topology subnet: the second argument is the netmask, not a peer address (§5.1). */
	append_ip_ip(&t, "ifconfig", client->ip, conf->netmask);
	append_client(&t, conf, client);
	if (t.err != 0)
		return cap < OVPN_PUSH_REPLY_MAX ? -ENOSPC : -EMSGSIZE;
	return (int)t.len + 1;
}

size_t
ovpn_cc_msg_next(const uint8_t *buf, size_t len, const char **msg)
{
	const uint8_t *nul = memchr(buf, '\0', len);
	size_t n;

	*msg = NULL;
	if (nul == NULL)
		return 0;
	n = (size_t)(nul - buf);
	for (size_t i = 0; i < n; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			return n + 1;	/* string_check_buf(CC_PRINT | CC_NULL, CC_CRLF) */
	*msg = (const char *)buf;
	return n + 1;
}

enum ovpn_cc_cmd
ovpn_cc_cmd_parse(const char *msg)
{
	if (strncmp(msg, CC_PUSH_REQUEST, strlen(CC_PUSH_REQUEST)) == 0)
		return OVPN_CC_PUSH_REQUEST;
	if (strncmp(msg, CC_CR_RESPONSE, strlen(CC_CR_RESPONSE)) == 0)
		return OVPN_CC_CR_RESPONSE;
	if (strncmp(msg, CC_EXIT, strlen(CC_EXIT)) == 0)
		return OVPN_CC_EXIT;
	return OVPN_CC_UNKNOWN;
}
