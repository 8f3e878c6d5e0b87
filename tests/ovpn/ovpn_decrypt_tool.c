/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ovpn_decrypt_tool: decrypt P_DATA_V2 packets captured from a real openvpn 2.6 client and
 * server with the gateway's own data path, for tests/integration/ovpn_capture.sh (issue 5:
 * "packets produced by a real openvpn peer decrypt correctly with our code").
 *
 *   ovpn_decrypt_tool --cipher NAME --key2 HEX [--backend NAME] [--key-id N] [--peer-id N]
 *                     [--tamper] [--swap-dirs]  < packets
 *
 * Input, one packet per line: "c2s|s2c A.B.C.D:PORT HEX": the direction (client to server or
 * back), the outer source address and the whole UDP payload. --key2 is the 256-byte key2 block
 * (openvpn-protocol.md §4.1) in hex.
 *
 * Each direction gets what a gateway worker has: a peer table with one peer (--peer-id, default
 * 0: what a 2.6 server pushes first; transport address = the source of that direction's first
 * packet), its primary key slot installed from key2 by ovpn_key_material_from_key2() (c2s is
 * opened with the server's view of key2, s2c with the client's, so the §4.4 direction mapping
 * is under test), and an ovpn_data_ctx on an AEAD backend (--backend, default "openssl").
 * The packets of a direction then go, in capture order, through ovpn_data_decap_burst() in
 * bursts of OVPN_DATA_BURST_MAX: parse, peer lookup, key slot by key_id, replay check, one AEAD
 * open per burst, replay update, float check, header strip, ping/OCC/IP classification.
 * RPF is off: a 2.6 client's first packet is an IPv6 router solicitation, which RPF drops
 * (data.h), and this test is about decryption, not about the source policy.
 *
 * Output, one line per packet in input order:
 *   "<dir> <n> ok key_id=K peer_id=P pktid=I len=L kind=KIND float=F [HEX]"
 *      KIND is the verdict's view of the plaintext: ipv4 / ipv6 (DATA; HEX is the inner
 *      packet the data path hands on), ping (PING: consumed by the data path, no HEX), exit
 *      (OCC EXIT, consumed); F is 1 if the OVPN_RX_F_FLOAT flag was set;
 *   "<dir> <n> fail REASON"   REASON: a drop reason name (peer.h: auth_fail, replay, ...),
 *      control or handoff;
 * then per direction "stats <dir> rx_pkts=.. rx_data=.. rx_ping=.. auth_fail=.." (the data
 * context's counters) and "summary c2s_ok=A c2s_fail=B s2c_ok=C s2c_fail=D". Exit 0 once
 * everything was processed (the caller judges the lines), 2 on a usage or setup error.
 * --tamper flips one ciphertext bit of every packet, --swap-dirs opens each direction with the
 * other direction's key: the negative controls (every packet must then fail auth_fail).
 *
 * Not here: judging the plaintexts (ovpn_capture_check.py), capturing, getting the keys
 * (ovpn_capture_keys.py).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "crypto/aead.h"
#include "ovpn/data.h"
#include "ovpn/keys.h"
#include "ovpn/peer.h"
#include "ovpn/proto.h"
#include "test_eal.h"

#define MAX_PKTS	4096
#define LINE_MAX_LEN	8192
#define MAX_PEERS	16
#define NOW_S		1000	/* one clock value: the replay time window never expires */

enum dir { C2S, S2C, DIR_COUNT };

static const char *const dir_name[DIR_COUNT] = { "c2s", "s2c" };

struct pkt {
	enum dir dir;
	struct ft_endpoint4 src;	/* host order */
	struct rte_mbuf *m;		/* NULL once the data path consumed it */
	struct ovpn_data_v2_hdr hdr;	/* as received (valid if len >= 24) */
	uint32_t len;			/* UDP payload length */
	struct ovpn_rx_res res;
};

/* What one worker has for one direction. */
struct side {
	struct ovpn_peer_table *peers;
	struct ovpn_data_ctx ctx;
};

struct tool {
	enum ft_aead_alg alg;
	uint8_t key2[OVPN_KEY2_LEN];
	uint8_t key_id;
	uint32_t peer_id;
	bool tamper;
	bool swap_dirs;
	const char *backend_name;
	struct ft_aead_backend *be;
	struct ft_aead_ctx *aead;
	struct ovpn_rcu rcu;
	struct ovpn_keys_conf kconf;
	struct side side[DIR_COUNT];
	struct pkt pkts[MAX_PKTS];
	unsigned int n;
};

static int
hex_decode(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(s);
	unsigned int v;

	if (n % 2 != 0 || n / 2 > max)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

static int
parse_args(struct tool *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cipher", required_argument, NULL, 'c' },
		{ "key2", required_argument, NULL, 'k' },
		{ "backend", required_argument, NULL, 'b' },
		{ "key-id", required_argument, NULL, 'i' },
		{ "peer-id", required_argument, NULL, 'p' },
		{ "tamper", no_argument, NULL, 't' },
		{ "swap-dirs", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_alg = false, have_key = false;
	size_t len = 0;
	int c;

	t->backend_name = "openssl";
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': have_alg = ft_aead_alg_parse(optarg, &t->alg) == 0; break;
		case 'k': have_key = hex_decode(optarg, t->key2, sizeof(t->key2), &len) == 0 &&
				     len == sizeof(t->key2); break;
		case 'b': t->backend_name = optarg; break;
		case 'i': t->key_id = (uint8_t)atoi(optarg); break;
		case 'p': t->peer_id = (uint32_t)atoi(optarg); break;
		case 't': t->tamper = true; break;
		case 's': t->swap_dirs = true; break;
		default: return -EINVAL;
		}
	}
	if (!have_alg || !have_key || t->key_id > OVPN_KEY_ID_MAX || t->peer_id >= MAX_PEERS) {
		fprintf(stderr, "usage: %s --cipher NAME --key2 HEX(256 bytes) [--backend NAME] "
			"[--key-id N] [--peer-id N<%d] [--tamper] [--swap-dirs] "
			"< lines of 'c2s|s2c A.B.C.D:PORT HEX'\n", argv[0], MAX_PEERS);
		return -EINVAL;
	}
	return 0;
}

/* Read "c2s|s2c A.B.C.D:PORT HEX" lines into mbufs. */
static int
read_packets(struct tool *t, FILE *in)
{
	static char line[LINE_MAX_LEN], hex[LINE_MAX_LEN];
	static uint8_t buf[LINE_MAX_LEN / 2];
	char dir[8], ip[32];
	unsigned int port;
	struct in_addr a;
	size_t len;

	while (fgets(line, sizeof(line), in) != NULL) {
		struct pkt *p = &t->pkts[t->n];
		void *d;

		if (t->n == MAX_PKTS || sscanf(line, "%7s %31[0-9.]:%u %8191s", dir, ip, &port,
					       hex) != 4 ||
		    inet_pton(AF_INET, ip, &a) != 1 || port > UINT16_MAX ||
		    hex_decode(hex, buf, sizeof(buf), &len) < 0 ||
		    (strcmp(dir, "c2s") != 0 && strcmp(dir, "s2c") != 0)) {
			fprintf(stderr, "bad input line %u\n", t->n + 1);
			return -EINVAL;
		}
		p->dir = strcmp(dir, "c2s") == 0 ? C2S : S2C;
		p->src.addr = ntohl(a.s_addr);
		p->src.port = (uint16_t)port;
		p->len = (uint32_t)len;
		memcpy(&p->hdr, buf, RTE_MIN(len, sizeof(p->hdr)));
		p->m = rte_pktmbuf_alloc(ft_test_pool());
		d = p->m == NULL ? NULL : rte_pktmbuf_append(p->m, (uint16_t)len);
		if (d == NULL)
			return -ENOMEM;
		memcpy(d, buf, len);
		if (t->tamper && len > OVPN_DATA_V2_HDR_LEN)
			((uint8_t *)d)[len - 1] ^= 0x01;
		t->n++;
	}
	return 0;
}

/*
 * The control thread's part for direction @p d: a peer table holding peer --peer-id, its
 * transport address the source of the direction's first packet, its primary key from key2,
 * and the worker's data context. c2s is opened by the server (server = true); --swap-dirs
 * opens each direction with the other one's keys.
 */
static int
side_setup(struct tool *t, enum dir d)
{
	struct side *sd = &t->side[d];
	struct ovpn_peer_table_conf tc = {
		.name = d == C2S ? "dectool-c2s" : "dectool-s2c",
		.max_peers = MAX_PEERS,
		.socket_id = SOCKET_ID_ANY,
		.rcu = &t->rcu,
		.keys = &t->kconf,
	};
	struct ovpn_key_material m;
	struct ovpn_data_conf dc;
	struct ovpn_peer_conf pc;
	struct ovpn_peer *peer;
	int rc;

	sd->peers = ovpn_peer_table_create(&tc);
	if (sd->peers == NULL)
		return -rte_errno;
	ovpn_peer_conf_init(&pc);
	pc.id = t->peer_id;
	for (unsigned int i = 0; i < t->n; i++) {
		if (t->pkts[i].dir == d) {
			pc.transport = t->pkts[i].src;
			break;
		}
	}
	rc = ovpn_peer_add(sd->peers, &pc, NOW_S, &peer);
	if (rc < 0)
		return rc;
	rc = ovpn_key_material_from_key2(&m, t->alg, t->key_id, t->key2,
					 (d == C2S) != t->swap_dirs);
	if (rc == 0)
		rc = ovpn_keys_install(&peer->keys, OVPN_KEY_PRIMARY, &m, NOW_S);
	explicit_bzero(&m, sizeof(m));
	if (rc < 0)
		return rc;
	ovpn_data_conf_init(&dc);
	dc.aead = t->aead;
	dc.peers = sd->peers;
	dc.rpf = false;
	rc = ovpn_data_ctx_init(&sd->ctx, &dc);
	ovpn_data_set_now(&sd->ctx, NOW_S);
	return rc;
}

static int
setup(struct tool *t)
{
	struct ft_aead_backend_conf bc;
	int rc;

	ft_aead_backend_conf_init(&bc);
	bc.name = t->backend_name;
	t->be = ft_aead_backend_create(&bc);
	if (t->be == NULL)
		return -rte_errno;
	t->aead = ft_aead_ctx_create(t->be, SOCKET_ID_ANY);
	if (t->aead == NULL)
		return -rte_errno;
	rc = ovpn_rcu_init(&t->rcu, "dectool", NULL, 0);
	if (rc < 0)
		return rc;
	ovpn_keys_conf_init(&t->kconf);
	t->kconf.backend = t->be;
	t->kconf.rcu = &t->rcu;
	for (int d = 0; d < DIR_COUNT && rc == 0; d++)
		rc = side_setup(t, (enum dir)d);
	return rc;
}

static void
teardown(struct tool *t)
{
	for (unsigned int i = 0; i < t->n; i++)
		rte_pktmbuf_free(t->pkts[i].m);
	for (int d = 0; d < DIR_COUNT; d++)
		ovpn_peer_table_destroy(t->side[d].peers);
	if (t->kconf.rcu != NULL)
		ovpn_rcu_fini(&t->rcu);
	ft_aead_ctx_destroy(t->aead);
	ft_aead_backend_destroy(t->be);
}

/* Feed @p n packets of one direction to the worker's decap, as one burst. */
static void
decap_burst(struct side *sd, struct pkt **burst, uint16_t n)
{
	struct rte_mbuf *m[OVPN_DATA_BURST_MAX];
	struct ft_endpoint4 src[OVPN_DATA_BURST_MAX];
	struct ovpn_rx_res res[OVPN_DATA_BURST_MAX];

	for (uint16_t i = 0; i < n; i++) {
		m[i] = burst[i]->m;
		src[i] = burst[i]->src;
	}
	ovpn_data_decap_burst(&sd->ctx, m, src, res, n);
	for (uint16_t i = 0; i < n; i++) {
		burst[i]->m = m[i];	/* NULL if consumed: PING, EXIT, DROP */
		burst[i]->res = res[i];
	}
}

/* Each direction in capture order, in bursts of up to OVPN_DATA_BURST_MAX packets. */
static void
decap_all(struct tool *t)
{
	struct pkt *burst[OVPN_DATA_BURST_MAX];

	for (int d = 0; d < DIR_COUNT; d++) {
		uint16_t n = 0;

		for (unsigned int i = 0; i < t->n; i++) {
			if (t->pkts[i].dir != (enum dir)d)
				continue;
			burst[n++] = &t->pkts[i];
			if (n == OVPN_DATA_BURST_MAX) {
				decap_burst(&t->side[d], burst, n);
				n = 0;
			}
		}
		if (n > 0)
			decap_burst(&t->side[d], burst, n);
	}
}

/* "ipv4"/"ipv6" for a DATA verdict, "ping"/"exit" for the consumed kinds; NULL: failed. */
static const char *
verdict_kind(const struct pkt *p)
{
	switch (p->res.verdict) {
	case OVPN_RX_DATA:
		return *rte_pktmbuf_mtod(p->m, const uint8_t *) >> 4 == 4 ? "ipv4" : "ipv6";
	case OVPN_RX_PING:
		return "ping";
	case OVPN_RX_EXIT:
		return "exit";
	default:
		return NULL;
	}
}

static const char *
fail_reason(const struct pkt *p)
{
	switch (p->res.verdict) {
	case OVPN_RX_CONTROL:
		return "control";
	case OVPN_RX_HANDOFF:
		return "handoff";
	default:
		return ovpn_drop_reason_name((enum ovpn_drop_reason)p->res.reason);
	}
}

static void
print_pkt(const struct pkt *p, unsigned int idx)
{
	const char *kind = verdict_kind(p);

	printf("%s %u ", dir_name[p->dir], idx);
	if (kind == NULL) {
		printf("fail %s\n", fail_reason(p));
		return;
	}
	printf("ok key_id=%u peer_id=%u pktid=%u len=%u kind=%s float=%u",
	       ovpn_data_v2_key_id(&p->hdr), ovpn_data_v2_peer_id(&p->hdr),
	       ovpn_data_v2_pktid(&p->hdr), p->len - OVPN_DATA_V2_HDR_LEN, kind,
	       (p->res.flags & OVPN_RX_F_FLOAT) != 0);
	if (p->m != NULL) {
		const uint8_t *b = rte_pktmbuf_mtod(p->m, const uint8_t *);

		printf(" ");
		for (uint32_t j = 0; j < rte_pktmbuf_data_len(p->m); j++)
			printf("%02x", b[j]);
	}
	printf("\n");
}

static void
print_results(const struct tool *t)
{
	unsigned int ok[DIR_COUNT] = { 0 }, fail[DIR_COUNT] = { 0 };
	struct ovpn_data_stats st;

	for (unsigned int i = 0; i < t->n; i++) {
		const struct pkt *p = &t->pkts[i];

		print_pkt(p, i + 1);
		if (verdict_kind(p) != NULL)
			ok[p->dir]++;
		else
			fail[p->dir]++;
	}
	for (int d = 0; d < DIR_COUNT; d++) {
		ovpn_data_stats_read(&t->side[d].ctx, &st);
		printf("stats %s rx_pkts=%" PRIu64 " rx_data=%" PRIu64 " rx_ping=%" PRIu64
		       " auth_fail=%" PRIu64 "\n", dir_name[d], st.rx_pkts, st.rx_data, st.rx_ping,
		       st.drops[OVPN_DROP_AUTH_FAIL]);
	}
	printf("summary c2s_ok=%u c2s_fail=%u s2c_ok=%u s2c_fail=%u\n",
	       ok[C2S], fail[C2S], ok[S2C], fail[S2C]);
}

int
main(int argc, char **argv)
{
	static struct tool t;
	int rc;

	if (parse_args(&t, argc, argv) < 0)
		return 2;
	rc = ft_test_eal_init() < 0 || ft_test_pool() == NULL ? -ENODEV : 0;
	if (rc == 0)
		rc = read_packets(&t, stdin);
	if (rc == 0)
		rc = setup(&t);
	if (rc < 0) {
		fprintf(stderr, "ovpn_decrypt_tool: setup failed: %s\n", strerror(-rc));
		teardown(&t);
		return 2;
	}
	decap_all(&t);
	print_results(&t);
	teardown(&t);
	return 0;
}
