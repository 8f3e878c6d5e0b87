/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AEAD known-answer vectors for tests/crypto/test_aead.c, as hex strings.
 *   AES-GCM: McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", appendix B, test
 *            cases 1-4 (AES-128), 7-10 (AES-192), 13-16 (AES-256): the ones with the 96-bit IV
 *            every OpenVPN cipher uses (cases 5-6, 11-12, 17-18 use 64- and 480-bit IVs).
 *            Cases 4, 10 and 16 carry a 20-byte AAD and a 60-byte (partial-block) plaintext.
 *   ChaCha20-Poly1305: RFC 8439 §2.8.2 (12-byte AAD, 114-byte plaintext).
 * test_vectors_agree_with_openssl_evp() checks every entry against raw OpenSSL EVP first, so a
 * typing error here shows up as that test failing, not as a backend bug.
 */
#ifndef FT_TESTS_CRYPTO_AEAD_VECTORS_H
#define FT_TESTS_CRYPTO_AEAD_VECTORS_H

#include <rte_common.h>

#include "crypto/aead.h"

struct aead_vector {
	const char *name;
	enum ft_aead_alg alg;
	const char *key, *iv, *aad;
	const char *pt;       /* hex, or NULL when pt_ascii is given */
	const char *pt_ascii;
	const char *ct, *tag;
};

#define GCM_K0_128 "00000000000000000000000000000000"
#define GCM_ZERO16 GCM_K0_128  /* cases 2, 8, 14: one zero block of plaintext */
#define GCM_K0_192 GCM_K0_128 "0000000000000000"
#define GCM_K0_256 GCM_K0_128 GCM_K0_128
#define GCM_K_128 "feffe9928665731c6d6a8f9467308308"
#define GCM_K_192 GCM_K_128 "feffe9928665731c"
#define GCM_K_256 GCM_K_128 GCM_K_128
#define GCM_IV0 "000000000000000000000000"
#define GCM_IV "cafebabefacedbaddecaf888"
#define GCM_P60 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
		"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define GCM_P64 GCM_P60 "1aafd255"
#define GCM_A20 "feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define GCM_C128_60 "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" \
		    "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
#define GCM_C192_60 "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c" \
		    "7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710"
#define GCM_C256_60 "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" \
		    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"

/* __rte_unused: aead_pkt.c includes this header for struct aead_vector only. */
static const struct aead_vector aead_vectors[] __rte_unused = {
	{ "gcm-tc1", FT_AEAD_AES_128_GCM, GCM_K0_128, GCM_IV0, "", "", NULL, "",
	  "58e2fccefa7e3061367f1d57a4e7455a" },
	{ "gcm-tc2", FT_AEAD_AES_128_GCM, GCM_K0_128, GCM_IV0, "", GCM_ZERO16, NULL,
	  "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf" },
	{ "gcm-tc3", FT_AEAD_AES_128_GCM, GCM_K_128, GCM_IV, "", GCM_P64, NULL,
	  GCM_C128_60 "473f5985", "4d5c2af327cd64a62cf35abd2ba6fab4" },
	{ "gcm-tc4", FT_AEAD_AES_128_GCM, GCM_K_128, GCM_IV, GCM_A20, GCM_P60, NULL,
	  GCM_C128_60, "5bc94fbc3221a5db94fae95ae7121a47" },
	{ "gcm-tc7", FT_AEAD_AES_192_GCM, GCM_K0_192, GCM_IV0, "", "", NULL, "",
	  "cd33b28ac773f74ba00ed1f312572435" },
	{ "gcm-tc8", FT_AEAD_AES_192_GCM, GCM_K0_192, GCM_IV0, "", GCM_ZERO16, NULL,
	  "98e7247c07f0fe411c267e4384b0f600", "2ff58d80033927ab8ef4d4587514f0fb" },
	{ "gcm-tc9", FT_AEAD_AES_192_GCM, GCM_K_192, GCM_IV, "", GCM_P64, NULL,
	  GCM_C192_60 "acade256", "9924a7c8587336bfb118024db8674a14" },
	{ "gcm-tc10", FT_AEAD_AES_192_GCM, GCM_K_192, GCM_IV, GCM_A20, GCM_P60, NULL,
	  GCM_C192_60, "2519498e80f1478f37ba55bd6d27618c" },
	{ "gcm-tc13", FT_AEAD_AES_256_GCM, GCM_K0_256, GCM_IV0, "", "", NULL, "",
	  "530f8afbc74536b9a963b4f1c4cb738b" },
	{ "gcm-tc14", FT_AEAD_AES_256_GCM, GCM_K0_256, GCM_IV0, "", GCM_ZERO16, NULL,
	  "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919" },
	{ "gcm-tc15", FT_AEAD_AES_256_GCM, GCM_K_256, GCM_IV, "", GCM_P64, NULL,
	  GCM_C256_60 "898015ad", "b094dac5d93471bdec1a502270e3cc6c" },
	{ "gcm-tc16", FT_AEAD_AES_256_GCM, GCM_K_256, GCM_IV, GCM_A20, GCM_P60, NULL,
	  GCM_C256_60, "76fc6ece0f4e1768cddf8853bb2d551b" },
	{ "rfc8439-2.8.2", FT_AEAD_CHACHA20_POLY1305,
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	  "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7", NULL,
	  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
	  "the future, sunscreen would be it.",
	  "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	  "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	  "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	  "3ff4def08e4b7a9de576d26586cec64b6116",
	  "1ae10b594f09e26a7e902ecbd0600691" },
};

#endif /* FT_TESTS_CRYPTO_AEAD_VECTORS_H */
