/* SPDX-License-Identifier: BSD-3-Clause */
/* dpdk-ovpn-gw config: the `static_peers` list and shared value parsers (config_peers.c). */
#ifndef FT_APPS_OVPN_GW_CONFIG_PEERS_H
#define FT_APPS_OVPN_GW_CONFIG_PEERS_H

#include <stddef.h>
#include <stdint.h>

#include "app_conf.h"
#include "config.h"

/*
 * Read the optional top-level `static_peers` list of @p root into @p out, after the gateway
 * section (peer-ids are checked against out->max_peers). Rejects unknown keys, duplicate
 * peer-ids, VPN addresses and networks (iroutes and gateway.routes included), and bad key
 * material. 0 or -EINVAL with the message in @p c's buffer. Main thread.
 */
int gw_config_read_peers(struct app_conf *c, const config_setting_t *root,
			 struct gw_config *out);

/*
 * Read the optional top-level `server` group of @p root into out->server (config_server.c):
 * PEM file names (checked readable), the tunnel network, data_ciphers, keepalive, reneg_sec,
 * push_routes. 0 or -EINVAL with the message in @p c's buffer. Main thread.
 */
int gw_config_read_server(struct app_conf *c, const config_setting_t *root,
			  struct gw_config *out);

/* A network "A.B.C.D/LEN" (host bits must be zero: a route, not an address). 0/-EINVAL. */
int gw_conf_get_network(struct app_conf *c, const config_setting_t *grp, const char *key,
			struct ft_ip4_prefix *out);

/*
 * Decode @p hex into exactly @p len bytes at @p out. White space (and the line breaks of an
 * OpenVPN static key file) is skipped. 0, or -EINVAL (bad digit, odd count, wrong length).
 * Pure; exposed for the tests.
 */
int gw_hex_decode(const char *hex, uint8_t *out, size_t len);

/*
 * Parse the text of an OpenVPN static key file ("openvpn --genkey secret"): '#' comment
 * lines, "-----BEGIN OpenVPN Static key V1-----", 16 lines of 32 hex digits (the 256-byte key2
 * block of openvpn-protocol.md §4.1), "-----END OpenVPN Static key V1-----". 0 or -EINVAL.
 * Pure; exposed for the tests.
 */
int gw_static_key_parse(const char *text, uint8_t out[OVPN_KEY2_LEN]);

#endif /* FT_APPS_OVPN_GW_CONFIG_PEERS_H */
