/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Not a unit test: a throwaway OpenVPN UDP server on a kernel socket, for
 * tests/integration/ovpn_tls_smoke.sh, that lets a real openvpn 2.6 client check src/ovpn/tls.c,
 * keyex.c and push.c end to end: TLS handshake with client certificate, key method 2 both ways,
 * NCP, PUSH_REPLY, and data keys (the client's first P_DATA_V2 packets must open with the
 * derived server key material, here with OpenSSL EVP directly).
 *
 * The control-packet framing (openvpn-protocol.md §1.3, no wrapping) is written out here in a
 * few lines, deliberately independent of ctrl_pkt.c / reliable.c / cookie.c, and the
 * "reliability" is the minimum a lossless veth needs: every received packet is acked, packets
 * are taken in msg-pid order (others are dropped and come again), nothing is retransmitted, and
 * the server sid is random (no cookie). One client, key_id 0 only.
 *
 * Usage: ovpn_tls_smoke_server BIND_IP PORT CA CERT KEY DATA_CIPHERS [SECONDS]
 * Prints one line per step ("tls: ...", "peer: ...", "push: ...", "data: ok ...") and exits 0
 * after 3 data packets opened, 1 on a failure (with the reason), 2 on timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ovpn/keyex.h"
#include "ovpn/push.h"
#include "ovpn/tls.h"

#define OP_HARD_RESET_CLIENT_V2	7
#define OP_HARD_RESET_SERVER_V2	8
#define OP_CONTROL_V1		4
#define OP_ACK_V1		5
#define OP_DATA_V2		9
#define CHUNK			1100	/* TLS bytes per P_CONTROL_V1, under tls-mtu 1250 */
#define DATA_WANTED		3
#define PEER_ID			5
#define IP4(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

struct smoke {
	int fd;
	struct sockaddr_in peer;
	uint8_t sid[8], csid[8];
	uint32_t rx_next, tx_next;
	uint32_t acks[8];
	unsigned int n_acks;
	struct ovpn_tls_ctx *ctx;
	struct ovpn_tls *tls;
	struct ovpn_keyex kx;
	struct ovpn_ncp_list ncp;
	struct ovpn_key_material km;
	bool established;
	bool keyed;
	char push[OVPN_PUSH_REPLY_MAX];
	int push_len;
	int opened;
};

static void
die(const char *what, const char *why)
{
	printf("fail: %s: %s\n", what, why);
	exit(1);
}

/* opcode|key_id, sid, acks (+ client sid), [msg-pid], payload (§1.3). */
static void
send_ctrl(struct smoke *s, int op, const void *payload, size_t len)
{
	uint8_t pkt[1500];
	size_t off = 0;
	unsigned int n = s->n_acks > 4 ? 4 : s->n_acks;

	pkt[off++] = (uint8_t)(op << 3);
	memcpy(pkt + off, s->sid, 8);
	off += 8;
	if (op == OP_ACK_V1 && s->n_acks > 0)
		n = s->n_acks;
	pkt[off++] = (uint8_t)n;
	for (unsigned int i = 0; i < n; i++, off += 4) {
		uint32_t be = htonl(s->acks[i]);

		memcpy(pkt + off, &be, 4);
	}
	memmove(s->acks, s->acks + n, (s->n_acks - n) * sizeof(s->acks[0]));
	s->n_acks -= n;
	if (n > 0) {
		memcpy(pkt + off, s->csid, 8);
		off += 8;
	}
	if (op != OP_ACK_V1) {
		uint32_t be = htonl(s->tx_next++);

		memcpy(pkt + off, &be, 4);
		off += 4;
	}
	memcpy(pkt + off, payload, len);
	off += len;
	sendto(s->fd, pkt, off, 0, (struct sockaddr *)&s->peer, sizeof(s->peer));
}

static void
flush(struct smoke *s)
{
	uint8_t buf[CHUNK];
	size_t n;

	while ((n = ovpn_tls_take_out(s->tls, buf, sizeof(buf))) > 0)
		send_ctrl(s, OP_CONTROL_V1, buf, n);
	if (s->n_acks > 0)
		send_ctrl(s, OP_ACK_V1, NULL, 0);
}

/* The client's key-method-2 message: keys, NCP, our message, PUSH_REPLY at once (§3.4). */
static void
on_client_km2(struct smoke *s, const uint8_t *msg, size_t len)
{
	struct ovpn_push_conf pc;
	struct ovpn_push_client cl;
	enum ft_aead_alg alg;
	uint8_t out[512];
	int n;

	if (ovpn_keyex_read_client(&s->kx, msg, len, NULL) < 0)
		die("key method 2", "client message does not parse");
	printf("peer: cn=%s IV_VER=%s IV_PLAT=%s IV_PROTO=%u IV_NCP=%u IV_MTU=%u IV_CIPHERS=%s\n",
	       ovpn_tls_peer_cn(s->tls), s->kx.peer.ver, s->kx.peer.plat, s->kx.peer.proto,
	       s->kx.peer.ncp, s->kx.peer.mtu, s->kx.peer.ciphers);
	if (ovpn_ncp_choose(&s->ncp, &s->kx.peer, &alg) < 0) {
		ovpn_tls_write(s->tls, OVPN_CC_AUTH_FAILED_NO_CIPHER,
			       sizeof(OVPN_CC_AUTH_FAILED_NO_CIPHER));
		flush(s);
		die("ncp", "no shared cipher");
	}
	n = ovpn_keyex_write_server(&s->kx, NULL, out, sizeof(out));
	if (n < 0 || ovpn_tls_write(s->tls, out, (size_t)n) < 0)
		die("key method 2", "server message");
	if (ovpn_keyex_derive(&s->kx, s->tls, s->csid, s->sid, alg, 0, &s->km) < 0)
		die("keys", "derive");
	s->keyed = true;
	printf("keys: %s %s\n", ovpn_keyex_uses_ekm(&s->kx) ? "ekm" : "prf", ft_aead_alg_name(alg));
	ovpn_push_conf_init(&pc);
	pc.gateway = IP4(10, 77, 0, 1);
	pc.netmask = IP4(255, 255, 255, 0);
	cl = (struct ovpn_push_client){ IP4(10, 77, 0, 2), PEER_ID, alg, &s->kx.peer };
	s->push_len = ovpn_push_reply_build(s->push, sizeof(s->push), &pc, &cl);
	if (s->push_len < 0 || ovpn_tls_write(s->tls, s->push, (size_t)s->push_len) < 0)
		die("push", "build or write");
	printf("push: %s\n", s->push);
}

static void
on_text(struct smoke *s, const uint8_t *buf, size_t len)
{
	const char *msg;
	size_t n;

	while ((n = ovpn_cc_msg_next(buf, len, &msg)) > 0) {
		printf("control: %s\n", msg != NULL ? msg : "(unprintable)");
		if (msg != NULL && ovpn_cc_cmd_parse(msg) == OVPN_CC_PUSH_REQUEST)
			ovpn_tls_write(s->tls, s->push, (size_t)s->push_len);
		buf += n;
		len -= n;
	}
}

static void
progress(struct smoke *s)
{
	uint8_t buf[2048];
	ssize_t n;
	int rc;

	rc = ovpn_tls_handshake(s->tls);
	if (rc < 0 && rc != -EAGAIN) {
		flush(s);	/* the alert */
		die("tls", ovpn_tls_reason(s->tls));
	}
	if (rc == 0 && !s->established) {
		s->established = true;
		printf("tls: established %s %s cn=%s\n", ovpn_tls_version_name(s->tls),
		       ovpn_tls_cipher_name(s->tls), ovpn_tls_peer_cn(s->tls));
	}
	while (rc == 0 && (n = ovpn_tls_read(s->tls, buf, sizeof(buf))) > 0) {
		if (!s->kx.got_client)
			on_client_km2(s, buf, (size_t)n);
		else
			on_text(s, buf, (size_t)n);
	}
	flush(s);
}

/* P_DATA_V2 (§6.1): op|peer-id(4) pid(4) tag(16) ciphertext; nonce pid || tail; AAD 8 bytes. */
static void
on_data(struct smoke *s, const uint8_t *p, size_t len)
{
	const EVP_CIPHER *c = s->km.alg == FT_AEAD_CHACHA20_POLY1305 ? EVP_chacha20_poly1305() :
			      s->km.alg == FT_AEAD_AES_128_GCM ? EVP_aes_128_gcm() :
			      s->km.alg == FT_AEAD_AES_192_GCM ? EVP_aes_192_gcm() :
			      EVP_aes_256_gcm();
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	uint8_t nonce[12], plain[2048];
	int l1 = 0, l2 = 0, ok;

	if (!s->keyed || len < 24 || len - 24 > sizeof(plain))
		return;
	memcpy(nonce, p + 4, 4);
	memcpy(nonce + 4, s->km.decrypt_tail, 8);
	ok = EVP_DecryptInit_ex(x, c, NULL, s->km.decrypt_key, nonce) == 1 &&
	     EVP_DecryptUpdate(x, NULL, &l1, p, 8) == 1 &&
	     EVP_DecryptUpdate(x, plain, &l1, p + 24, (int)(len - 24)) == 1 &&
	     EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16, (void *)(p + 8)) == 1 &&
	     EVP_DecryptFinal_ex(x, plain + l1, &l2) == 1;
	EVP_CIPHER_CTX_free(x);
	printf("data: %s peer-id=%u pid=%u len=%d first=%02x\n", ok ? "ok" : "AUTH FAIL",
	       (unsigned int)(p[1] << 16 | p[2] << 8 | p[3]),
	       (unsigned int)(p[4] << 24 | p[5] << 16 | p[6] << 8 | p[7]), l1 + l2,
	       ok && l1 + l2 > 0 ? plain[0] : 0);
	if (!ok)
		exit(1);
	if (++s->opened == DATA_WANTED) {
		printf("done\n");
		exit(0);
	}
}

static void
on_packet(struct smoke *s, const uint8_t *p, size_t len, const struct sockaddr_in *from)
{
	int op = p[0] >> 3;
	size_t off = 9, n;
	uint32_t pid;

	if (op == OP_DATA_V2) {
		on_data(s, p, len);
		return;
	}
	if (len < 10 || (p[0] & 7) != 0)
		return;
	n = p[9];
	off = 10 + 4 * n + (n > 0 ? 8 : 0);
	if (op == OP_ACK_V1 || len < off + 4)
		return;
	pid = (uint32_t)p[off] << 24 | p[off + 1] << 16 | p[off + 2] << 8 | p[off + 3];
	off += 4;
	if (op == OP_HARD_RESET_CLIENT_V2 && s->tls == NULL) {
		s->peer = *from;
		memcpy(s->csid, p + 1, 8);
		s->rx_next = pid + 1;
		s->acks[s->n_acks++] = pid;
		if (ovpn_tls_create(s->ctx, &s->tls) < 0)
			die("tls", "session");
		send_ctrl(s, OP_HARD_RESET_SERVER_V2, NULL, 0);
		printf("reset: client sid %02x%02x%02x%02x...\n", p[1], p[2], p[3], p[4]);
		return;
	}
	if (s->tls == NULL || memcmp(s->csid, p + 1, 8) != 0)
		return;
	if (s->n_acks < 8)
		s->acks[s->n_acks++] = pid;	/* acked even when dropped: it is a duplicate */
	if (op == OP_CONTROL_V1 && pid == s->rx_next) {
		s->rx_next++;
		if (ovpn_tls_feed(s->tls, p + off, len - off) < 0)
			die("tls", ovpn_tls_reason(s->tls));
	}
	progress(s);
}

int
main(int argc, char **argv)
{
	struct smoke s = { .fd = -1 };
	struct ovpn_tls_conf conf;
	struct sockaddr_in addr = { .sin_family = AF_INET };
	char reason[OVPN_TLS_REASON_MAX];
	time_t end;

	if (argc < 7) {
		fprintf(stderr, "usage: %s BIND_IP PORT CA CERT KEY DATA_CIPHERS [SECONDS]\n",
			argv[0]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	end = time(NULL) + (argc > 7 ? atoi(argv[7]) : 30);
	ovpn_tls_conf_init(&conf);
	conf.ca_file = argv[3];
	conf.cert_file = argv[4];
	conf.key_file = argv[5];
	if (ovpn_tls_ctx_create(&conf, &s.ctx, reason, sizeof(reason)) < 0)
		die("tls context", reason);
	if (ovpn_ncp_list_parse(argv[6], &s.ncp) < 0)
		die("data-ciphers", argv[6]);
	RAND_bytes(s.sid, sizeof(s.sid));
	ovpn_keyex_init(&s.kx);
	s.fd = socket(AF_INET, SOCK_DGRAM, 0);
	addr.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1 ||
	    bind(s.fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("bind", strerror(errno));
	printf("listening %s:%s\n", argv[1], argv[2]);
	while (time(NULL) < end) {
		struct pollfd pfd = { .fd = s.fd, .events = POLLIN };
		uint8_t pkt[2048];
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = recvfrom(s.fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&from, &flen);
		if (n > 0)
			on_packet(&s, pkt, (size_t)n, &from);
	}
	printf("fail: timeout (%d data packets opened)\n", s.opened);
	return 2;
}
