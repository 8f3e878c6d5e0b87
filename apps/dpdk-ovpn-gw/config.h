/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-ovpn-gw configuration: the shared `stack` section, the `gateway` section and the
 * `static_peers` list, loaded into struct gw_config before EAL starts. The file format, with
 * every key's meaning, range and default, is documented in configs/dpdk-ovpn-gw.conf.
 */
#ifndef FT_APPS_OVPN_GW_CONFIG_H
#define FT_APPS_OVPN_GW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fasttcp/ft_addr.h>
#include <fasttcp/ft_stack.h>

#include "crypto/aead.h"
#include "ovpn/ctrl_proto.h"
#include "ovpn/keys.h"

#define GW_MAX_STATIC_PEERS 1024 /* entries of static_peers */
#define GW_MAX_IROUTES 16        /* iroutes per peer */
#define GW_MAX_ROUTES 256        /* gateway.routes entries */
#define GW_NAME_LEN 64           /* peer name: the status file's Common Name */
#define GW_PATH_LEN 256
#define GW_BACKEND_LEN 32

/* One `static_peers` entry. */
struct gw_peer_conf {
	uint32_t id;                      /* peer-id: P_DATA_V2's 24-bit field, < max_peers */
	char name[GW_NAME_LEN];           /* default "peer<id>" */
	uint32_t vpn_ip4;                 /* host order */
	enum ft_aead_alg alg;
	uint8_t key_id;                   /* 0..7 */
	uint8_t key2[OVPN_KEY2_LEN];      /* openvpn-protocol.md §4.1; wiped after install */
	struct ft_endpoint4 remote;       /* 0:0 = learned from the first authenticated packet */
	struct ft_ip4_prefix iroutes[GW_MAX_IROUTES];
	uint8_t n_iroutes;
	unsigned int line;                /* of the entry in the file, for setup errors */
};

#define GW_MAX_PUSH_ROUTES 32     /* server.push_routes entries (ovpn/push.h) */
#define GW_CIPHERS_LEN 128
#define GW_DIGEST_LEN 32

/*
 * The optional `server` group (config_server.c): the TLS control channel for ordinary OpenVPN
 * clients (session.c, handshake.c), an OpenVPN "server NET MASK" + "topology subnet" setup.
 */
struct gw_server_conf {
	bool enabled;                     /* the group is present */
	char ca[GW_PATH_LEN];             /* PEM files: CA of the client certificates ... */
	char cert[GW_PATH_LEN];           /* ... the server's certificate and key ... */
	char key[GW_PATH_LEN];
	char crl[GW_PATH_LEN];            /* ... and crl_verify; "" = none */
	uint32_t network;                 /* tunnel subnet, host order; .1 is the server */
	uint32_t netmask;
	char data_ciphers[GW_CIPHERS_LEN];  /* --data-ciphers, ':'-separated */
	uint32_t keepalive_interval_s;    /* "keepalive I T": pushed ping I, ping-restart T; */
	uint32_t keepalive_timeout_s;     /* the server times a client out after 2 T (2.6) */
	uint32_t reneg_sec;               /* our soft resets (rekey.c); 0 = off */
	uint32_t max_clients;             /* concurrent TLS clients */
	struct ft_ip4_prefix push_routes[GW_MAX_PUSH_ROUTES];  /* "push route NET MASK" */
	uint8_t n_push_routes;
	/* Control-channel wrap (ovpn/ctrl_wrap.h): tls_auth or tls_crypt, or neither. */
	enum ovpn_ctrl_wrap_mode wrap;    /* OVPN_CTRL_WRAP_NONE, _AUTH or _CRYPT */
	char wrap_file[GW_PATH_LEN];      /* the "OpenVPN Static key V1" file */
	uint8_t wrap_key[OVPN_KEY2_LEN];  /* its 256 bytes; wiped once the server is set up */
	uint32_t key_direction;           /* tls_auth: 0 (default, as a 2.6 server) or 1 */
	char tls_auth_digest[GW_DIGEST_LEN];  /* tls_auth HMAC, default "SHA1" (2.6 --auth) */
	char client_config_dir[GW_PATH_LEN];  /* one file per CN (ccd.h); "" = none */
	bool client_to_client;            /* forward peer -> peer traffic; off: dropped */
};

/* One `gateway.routes` entry: a LAN-side network and how to reach it. */
struct gw_route_conf {
	struct ft_ip4_prefix prefix;      /* host bits zero */
	uint32_t via;                     /* next-hop router, host order; 0 = on-link */
	uint16_t port;                    /* stack port index (default: the LAN port) */
};

struct gw_config {
	struct ft_stack_conf stack;
	uint16_t public_port;             /* stack port indices, resolved from their names */
	uint16_t lan_port;
	uint16_t listen_port;             /* UDP, default 1194 */
	char crypto_backend[GW_BACKEND_LEN];  /* ft_aead backend name, default "openssl" */
	char crypto_device[GW_PATH_LEN];      /* cryptodev name for cpu-crypto/cryptodev, or "" */
	uint16_t tunnel_mtu;              /* largest inner packet (tun-mtu), default 1500 */
	uint16_t mssfix;                  /* TCP MSS ceiling; 0 = off; default tunnel_mtu - 40 */
	bool mssfix_set;                  /* given in the file (else derived from tunnel_mtu) */
	uint32_t keepalive_interval_s;    /* ping after this long without sending; 0 = never */
	uint32_t keepalive_timeout_s;     /* peer timed out after this long silent; 0 = never */
	char status_file[GW_PATH_LEN];    /* "" = no status file */
	uint32_t status_interval_s;
	uint32_t max_peers;               /* peer-id space, 1..OVPN_PEER_ID_MAX + 1 */
	bool rpf;                         /* inner source must be the peer's (VPN address/iroute) */
	struct gw_route_conf routes[GW_MAX_ROUTES];
	uint16_t n_routes;
	struct gw_peer_conf peers[GW_MAX_STATIC_PEERS];
	uint16_t n_peers;
	struct gw_server_conf server;
};

/*
 * Load @p path into @p out (about 300 KiB: allocate it, do not put it on the stack):
 * defaults first, then what the file sets. Main thread, before EAL starts.
 * @return 0; -EINVAL for a bad file; -errno (-ENOENT, -EACCES, ...) when it cannot be opened.
 *         On error @p err (@p errlen bytes) holds "file:line: key.path: reason" and *out is
 *         undefined.
 */
int gw_config_load(const char *path, struct gw_config *out, char *err, size_t errlen);

/* Overwrite the key material in @p c (after the keys are installed, or on exit). */
void gw_config_wipe_keys(struct gw_config *c);

#endif /* FT_APPS_OVPN_GW_CONFIG_H */
