/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to src/crypto: the cryptodev plumbing shared by the "cpu-crypto" and "cryptodev"
 * backends (device lookup or vdev creation, configure/start, session pool, AEAD sessions).
 * Setup and teardown only; nothing here runs per burst.
 */
#ifndef FT_CRYPTO_AEAD_CDEV_H
#define FT_CRYPTO_AEAD_CDEV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_crypto.h>
#include <rte_dev.h>

#include "crypto/aead.h"

struct rte_mempool;

/* Where a cryptodev op carries the IV: right after the symmetric op (DPDK convention). */
#define FT_AEAD_CDEV_IV_OFFSET (sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op))

struct ft_aead_cdev {
	uint8_t dev_id;
	bool created;                  /* we created the vdev: uninit it at close */
	bool started;
	uint64_t features;             /* RTE_CRYPTODEV_FF_* */
	const char *driver;            /* driver name, e.g. "crypto_aesni_mb" */
	struct rte_mempool *sess_pool; /* 2 sessions per key */
	char name[RTE_DEV_NAME_MAX_LEN];
};

/*
 * Find conf->device (create it as a vdev when absent), check @p need_features, configure
 * conf->max_ctx queue pairs of @p nb_desc descriptors, create the session pool and start.
 * 0 or -errno (-EINVAL no device name, -ENODEV, -ENOTSUP feature missing, -ENOMEM, device
 * errors). On failure ft_aead_cdev_close() undoes what was done.
 */
int ft_aead_cdev_open(struct ft_aead_cdev *cd, const struct ft_aead_backend_conf *conf,
		      uint64_t need_features, uint32_t nb_desc);

/* Stop and close the device (uninit the vdev if we created it), free the pool. */
void ft_aead_cdev_close(struct ft_aead_cdev *cd);

/* Device capability check for (alg, 16-byte tag, aad_len, 12-byte IV, key length of alg). */
bool ft_aead_cdev_supports(const struct ft_aead_cdev *cd, enum ft_aead_alg alg,
			   uint16_t aad_len);

/*
 * Create the encrypt (sess[1]) and decrypt (sess[0]) sessions for key @p bytes of @p alg
 * (key length of alg) and @p aad_len, IV at FT_AEAD_CDEV_IV_OFFSET. 0 or -errno (-ENOSPC
 * pool empty); nothing is left allocated on error.
 */
int ft_aead_cdev_sessions_create(const struct ft_aead_cdev *cd, enum ft_aead_alg alg,
				 const uint8_t *bytes, uint16_t aad_len, void *sess[2]);

/* Free both sessions (NULL entries skipped). */
void ft_aead_cdev_sessions_free(const struct ft_aead_cdev *cd, void *sess[2]);

#endif /* FT_CRYPTO_AEAD_CDEV_H */
