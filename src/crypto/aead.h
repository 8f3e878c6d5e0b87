/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Backend-neutral burst AEAD (AES-128/192/256-GCM, ChaCha20-Poly1305) over rte_mbufs, in
 * place, in the style of DPDK lib/ipsec: one call per burst, failed ops moved past the good
 * ones (STYLE §0.4, §9.4). The backend (OpenSSL, IPsec-MB direct, cryptodev CPU crypto,
 * lookaside cryptodev) is chosen by name once at setup and specialised into function pointers
 * (STYLE §0.5).
 *
 * Objects and calling context:
 *   backend  one per process and configured device; control thread (setup/teardown).
 *   key      one per (algorithm, key bytes, AAD length); created by the control thread, then
 *            read-only and shared by every worker. The caller keeps a key alive until no burst
 *            can still use it (RCU grace period, STYLE §10).
 *   ctx      one per worker (lcore): IPsec-MB manager, cryptodev queue pair, op pool, scratch.
 *            Used by its owning worker only.
 * The burst calls allocate nothing, take no lock and log nothing (STYLE §11).
 *
 * Wire mapping for OpenVPN P_DATA_V2 (openvpn-protocol.md §6.1, §6.2), offsets in the packet:
 *
 *   0        4         8                     24
 *   +--------+---------+---------------------+------------------------+
 *   | op|pid | data-pid|      tag (16)       |  ciphertext (n)        |
 *   +--------+---------+---------------------+------------------------+
 *   \__ AAD (8) ______/
 *   aad_off = 0 (key aad_len = 8), tag_off = 8, data_off = 24, data_len = n,
 *   iv = data-pid (4, as on the wire) || implicit IV (8).
 */
#ifndef FT_CRYPTO_AEAD_H
#define FT_CRYPTO_AEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rte_mbuf;
struct ft_aead_backend;
struct ft_aead_key;
struct ft_aead_ctx;

enum ft_aead_alg {
	FT_AEAD_AES_128_GCM,
	FT_AEAD_AES_192_GCM,
	FT_AEAD_AES_256_GCM,
	FT_AEAD_CHACHA20_POLY1305,  /* RFC 8439 §2.8 */
	FT_AEAD_ALG_COUNT,
};

enum {
	FT_AEAD_IV_LEN = 12,     /* nonce, every algorithm */
	FT_AEAD_TAG_LEN = 16,    /* tag, every algorithm */
	FT_AEAD_KEY_MAX = 32,
	FT_AEAD_BURST_MAX = 64,  /* ops per burst call; more are failed with -E2BIG */
	FT_AEAD_SEGS_MAX = 32,   /* mbuf segments per op (IPv4 reassembly chains) */
};

/*
 * One operation. The caller fills every field but status; the burst call fills status.
 *
 * Offsets count from the start of the packet data (rte_pktmbuf_mtod(m)). The AAD
 * [aad_off, aad_off + key aad_len) and the tag [tag_off, tag_off + 16) must lie in the first
 * segment; the data [data_off, data_off + data_len) may span segments on backends for which
 * ft_aead_backend_has_multiseg() is true. Neither AAD nor tag may overlap the data. Data is
 * encrypted/decrypted in place; seal writes the tag, open reads it.
 *
 * status after the call: 0, or a negative errno:
 *   -EINVAL    malformed op: NULL mbuf or key, key of another backend, region outside the
 *              packet, AAD or tag not in the first segment or overlapping the data
 *   -ENOTSUP   data spans segments and the backend has no SGL support
 *   -E2BIG     more than FT_AEAD_SEGS_MAX segments, or op past FT_AEAD_BURST_MAX in the call
 *   -EBADMSG   open: authentication failed (the data region is then undefined)
 *   -ENOBUFS   cryptodev: crypto op pool empty; -EBUSY: queue pair full (op not processed)
 *   -ETIMEDOUT cryptodev: the device did not return the op within the poll budget. m is then
 *              set to NULL: the mbuf now belongs to the ctx, which frees it when the device
 *              gives it back (the only case where the burst call takes an mbuf).
 *   -EIO       any other backend or device error
 */
struct ft_aead_op {
	struct rte_mbuf *m;              /* borrowed (see -ETIMEDOUT) */
	const struct ft_aead_key *key;
	uint32_t data_off;
	uint32_t data_len;
	uint32_t aad_off;
	uint32_t tag_off;
	int32_t status;
	uint8_t iv[FT_AEAD_IV_LEN];
};

/* Backend setup parameters; ft_aead_backend_conf_init() fills the defaults. */
struct ft_aead_backend_conf {
	/*
	 * "openssl"       OpenSSL 3 EVP: the reference and test oracle.
	 * "ipsec-mb"      Intel IPsec-MB called directly: one direct API call per AES-GCM op,
	 *                 the (multi-buffer) job API for ChaCha20-Poly1305. The fastest here.
	 * "ipsec-mb-job"  Intel IPsec-MB job API for every op, kept to re-measure the above.
	 * "cpu-crypto"    rte_cryptodev_sym_cpu_crypto_process() on @device (synchronous).
	 * "cryptodev"     lookaside enqueue/dequeue on @device (any PMD: aesni_mb, aesni_gcm,
	 *                 openssl, chacha20_poly1305, qat ...), behind a synchronous facade.
	 */
	const char *name;
	/*
	 * cpu-crypto/cryptodev: cryptodev name, e.g. "crypto_aesni_mb0". When no device has that
	 * name it is created as a vdev (name prefix = driver). One backend per device.
	 */
	const char *device;
	uint16_t max_ctx;   /* contexts (workers) at once = cryptodev queue pairs; 1..64, default 1 */
	uint32_t max_keys;  /* keys at once (2 cryptodev sessions each); default 64 */
	int socket_id;      /* default SOCKET_ID_ANY */
};

/* Fill @p conf with the defaults: name "openssl", no device, 1 ctx, 64 keys, any socket. */
void ft_aead_backend_conf_init(struct ft_aead_backend_conf *conf);

/*
 * Create a backend. NULL with rte_errno: EINVAL (unknown name, bad conf), ENODEV (device
 * missing and not creatable), ENOTSUP (device lacks a needed feature, e.g. CPU crypto), ENOMEM,
 * or the device's configure/start error. Control thread, setup only.
 */
struct ft_aead_backend *ft_aead_backend_create(const struct ft_aead_backend_conf *conf);

/*
 * Destroy a backend, stopping its device. Every key and ctx must have been destroyed:
 * otherwise nothing is freed and -EBUSY is returned. NULL-safe (0). Control thread.
 */
int ft_aead_backend_destroy(struct ft_aead_backend *be);

/* The backend's name as given in its conf ("openssl", ...). */
const char *ft_aead_backend_name(const struct ft_aead_backend *be);

/* True when ft_aead_key_create(be, alg, ..., aad_len) can succeed (device capabilities). */
bool ft_aead_backend_supports(const struct ft_aead_backend *be, enum ft_aead_alg alg,
			      uint16_t aad_len);

/* True when ops may have data spanning mbuf segments (else those fail with -ENOTSUP). */
bool ft_aead_backend_has_multiseg(const struct ft_aead_backend *be);

/*
 * Create a key: precomputes the key schedule (IPsec-MB, OpenSSL) or creates the encrypt and
 * decrypt cryptodev sessions. @p key_len must be ft_aead_alg_key_len(@p alg). @p aad_len is
 * fixed per key because cryptodev sessions fix it; OpenVPN uses 8.
 * NULL with rte_errno: EINVAL (length), ENOTSUP (!ft_aead_backend_supports), ENOMEM, ENOSPC
 * (session pool full). Control thread. The key bytes are copied; the caller may wipe them.
 */
struct ft_aead_key *ft_aead_key_create(struct ft_aead_backend *be, enum ft_aead_alg alg,
				       const uint8_t *key, size_t key_len, uint16_t aad_len);

/* Wipe and free a key. No burst may still use it. NULL-safe. Control thread. */
void ft_aead_key_destroy(struct ft_aead_key *key);

/* Algorithm of a key. */
enum ft_aead_alg ft_aead_key_alg(const struct ft_aead_key *key);

/*
 * Create a worker context on @p socket_id. NULL with rte_errno: ENOSPC (conf.max_ctx
 * contexts exist), ENOMEM, or the backend's error. Control thread, before the worker runs.
 */
struct ft_aead_ctx *ft_aead_ctx_create(struct ft_aead_backend *be, int socket_id);

/* Free a context (after its worker stopped). NULL-safe. Control thread. */
void ft_aead_ctx_destroy(struct ft_aead_ctx *ctx);

/*
 * Encrypt (seal) or decrypt-and-verify (open) @p n ops in place. Ops may mix keys and
 * algorithms of the backend. Returns k: ops[0, k) succeeded, in their original order;
 * ops[k, n) failed, each with a negative status (see struct ft_aead_op), in no defined
 * order. The mbufs stay with the caller, who drops the tail (except -ETIMEDOUT, see above).
 * Synchronous for every backend: all ops are complete on return.
 * Owning worker only. No allocation, lock, syscall or log.
 */
uint16_t ft_aead_seal_burst(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n);
uint16_t ft_aead_open_burst(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n);

/* OpenVPN cipher name of @p alg ("AES-256-GCM", "CHACHA20-POLY1305"), NULL if invalid. */
const char *ft_aead_alg_name(enum ft_aead_alg alg);

/* Parse an OpenVPN cipher name (case-insensitive) into @p alg. 0 or -EINVAL. */
int ft_aead_alg_parse(const char *name, enum ft_aead_alg *alg);

/* Key length in bytes of @p alg (16, 24, 32), 0 if invalid. */
size_t ft_aead_alg_key_len(enum ft_aead_alg alg);

#endif /* FT_CRYPTO_AEAD_H */
