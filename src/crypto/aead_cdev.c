/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cryptodev setup shared by the "cpu-crypto" (aead_cpu.c) and "cryptodev" (aead_cryptodev.c)
 * backends: find the device by name or create it as a vdev (software PMDs: crypto_aesni_mb,
 * crypto_aesni_gcm, crypto_openssl, crypto_chacha20_poly1305), configure one queue pair per
 * worker context, create the session pool, start; and the AEAD session pair of a key (one
 * session per direction, as cryptodev sessions are). The per-burst code is in the two backend
 * files. This is one of the only places that call rte_cryptodev_* (STYLE §3).
 * Reference: DPDK 22.11 cryptodev programmer's guide (sessions, AEAD xform, IV offset).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_common.h>
#include <rte_cryptodev.h>
#include <rte_errno.h>
#include <rte_mempool.h>

#include "crypto/aead_backend.h"
#include "crypto/aead_cdev.h"

static enum rte_crypto_aead_algorithm
cdev_algo(enum ft_aead_alg alg)
{
	return alg == FT_AEAD_CHACHA20_POLY1305 ? RTE_CRYPTO_AEAD_CHACHA20_POLY1305 :
						  RTE_CRYPTO_AEAD_AES_GCM;
}

/* Find the device, creating it as a vdev when absent. 0 or -ENODEV. */
static int
cdev_find(struct ft_aead_cdev *cd, const char *name)
{
	int id = rte_cryptodev_get_dev_id(name);

	if (id < 0) {
		if (rte_vdev_init(name, NULL) != 0)
			return -ENODEV;
		cd->created = true;
		id = rte_cryptodev_get_dev_id(name);
		if (id < 0)
			return -ENODEV;
	}
	cd->dev_id = (uint8_t)id;
	return 0;
}

static int
cdev_configure(struct ft_aead_cdev *cd, const struct ft_aead_backend_conf *conf,
	       uint32_t nb_desc, int socket)
{
	struct rte_cryptodev_config dconf = {
		.socket_id = socket,
		.nb_queue_pairs = conf->max_ctx,
		.ff_disable = RTE_CRYPTODEV_FF_ASYMMETRIC_CRYPTO | RTE_CRYPTODEV_FF_SECURITY,
	};
	struct rte_cryptodev_qp_conf qconf = {
		.nb_descriptors = nb_desc,
		.mp_session = cd->sess_pool,
	};
	int rc;

	rc = rte_cryptodev_configure(cd->dev_id, &dconf);
	if (rc < 0)
		return rc;
	for (uint16_t qp = 0; qp < conf->max_ctx; qp++) {
		rc = rte_cryptodev_queue_pair_setup(cd->dev_id, qp, &qconf, socket);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
ft_aead_cdev_open(struct ft_aead_cdev *cd, const struct ft_aead_backend_conf *conf,
		  uint64_t need_features, uint32_t nb_desc)
{
	struct rte_cryptodev_info info;
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	int rc, socket;

	if (conf->device == NULL || conf->device[0] == '\0')
		return -EINVAL;
	snprintf(cd->name, sizeof(cd->name), "%s", conf->device);
	rc = cdev_find(cd, cd->name);
	if (rc < 0)
		return rc;
	rte_cryptodev_info_get(cd->dev_id, &info);
	cd->features = info.feature_flags;
	cd->driver = info.driver_name;
	if ((cd->features & need_features) != need_features ||
	    !(cd->features & RTE_CRYPTODEV_FF_SYMMETRIC_CRYPTO))
		return -ENOTSUP;
	if (conf->max_ctx > info.max_nb_queue_pairs)
		return -EINVAL;
	socket = conf->socket_id != SOCKET_ID_ANY ? conf->socket_id :
		 rte_cryptodev_socket_id(cd->dev_id);
	snprintf(pool_name, sizeof(pool_name), "ftaead_sess_%u", cd->dev_id);
	cd->sess_pool = rte_cryptodev_sym_session_pool_create(pool_name, 2 * conf->max_keys,
		rte_cryptodev_sym_get_private_session_size(cd->dev_id), 0, 0, socket);
	if (cd->sess_pool == NULL)
		return -ENOMEM;
	rc = cdev_configure(cd, conf, nb_desc, socket);
	if (rc < 0)
		return rc;
	rc = rte_cryptodev_start(cd->dev_id);
	if (rc < 0)
		return rc;
	cd->started = true;
	FT_CRYPTO_LOG(INFO, "cryptodev %s (driver %s, id %u): %u queue pairs%s%s", cd->name,
		      cd->driver, cd->dev_id, conf->max_ctx,
		      (cd->features & RTE_CRYPTODEV_FF_IN_PLACE_SGL) ? ", in-place SGL" : "",
		      (cd->features & RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO) ? ", CPU crypto" : "");
	return 0;
}

void
ft_aead_cdev_close(struct ft_aead_cdev *cd)
{
	if (cd->name[0] == '\0')
		return;
	if (cd->started)
		rte_cryptodev_stop(cd->dev_id);
	/* Only a device we created goes away; one from the command line stays usable. */
	if (cd->created) {
		rte_cryptodev_close(cd->dev_id);
		rte_vdev_uninit(cd->name);
	}
	rte_mempool_free(cd->sess_pool);  /* NULL-safe */
	cd->started = false;
	cd->sess_pool = NULL;
}

bool
ft_aead_cdev_supports(const struct ft_aead_cdev *cd, enum ft_aead_alg alg, uint16_t aad_len)
{
	const struct rte_cryptodev_symmetric_capability *cap;
	struct rte_cryptodev_sym_capability_idx idx = {
		.type = RTE_CRYPTO_SYM_XFORM_AEAD,
		.algo.aead = cdev_algo(alg),
	};

	cap = rte_cryptodev_sym_capability_get(cd->dev_id, &idx);
	return cap != NULL &&
	       rte_cryptodev_sym_capability_check_aead(cap, (uint16_t)ft_aead_alg_key_len(alg),
						       FT_AEAD_TAG_LEN, aad_len,
						       FT_AEAD_IV_LEN) == 0;
}

int
ft_aead_cdev_sessions_create(const struct ft_aead_cdev *cd, enum ft_aead_alg alg,
			     const uint8_t *bytes, uint16_t aad_len, void *sess[2])
{
	struct rte_crypto_sym_xform xf = {
		.type = RTE_CRYPTO_SYM_XFORM_AEAD,
		.aead = {
			.algo = cdev_algo(alg),
			.key = { .data = bytes, .length = (uint16_t)ft_aead_alg_key_len(alg) },
			.iv = { .offset = FT_AEAD_CDEV_IV_OFFSET, .length = FT_AEAD_IV_LEN },
			.digest_length = FT_AEAD_TAG_LEN,
			.aad_length = aad_len,
		},
	};

	for (int enc = 0; enc < 2; enc++) {
		xf.aead.op = enc ? RTE_CRYPTO_AEAD_OP_ENCRYPT : RTE_CRYPTO_AEAD_OP_DECRYPT;
		sess[enc] = rte_cryptodev_sym_session_create(cd->dev_id, &xf, cd->sess_pool);
		if (sess[enc] == NULL) {
			int rc = rte_errno == ENOMEM ? -ENOSPC : -(rte_errno ? rte_errno : EIO);

			ft_aead_cdev_sessions_free(cd, sess);
			return rc;
		}
	}
	return 0;
}

void
ft_aead_cdev_sessions_free(const struct ft_aead_cdev *cd, void *sess[2])
{
	for (int enc = 0; enc < 2; enc++) {
		if (sess[enc] != NULL)
			rte_cryptodev_sym_session_free(cd->dev_id, sess[enc]);
		sess[enc] = NULL;
	}
}
