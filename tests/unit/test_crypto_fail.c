/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/core/crypto.c when OpenSSL fails: a SHA-256 that
 * could not be computed is an error (KF_ECRYPTO, the output zeroed), never
 * a digest of whatever the buffer held; a failed streaming update is
 * remembered until the end, so a signed transfer whose content digest
 * missed bytes cannot be committed or verified.
 *
 * EVP_Digest and EVP_DigestUpdate are wrapped at link time
 * (-Wl,--wrap, CMakeLists.txt) and fail when a test asks them to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "core/crypto.h"
#include "proto/seal.h"
#include "proto/wire.h"

static int fail_digest, fail_update; /* calls left to fail */

int __real_EVP_Digest(const void *data, size_t count, unsigned char *md,
		      unsigned int *size, const EVP_MD *type, ENGINE *impl);
int __wrap_EVP_Digest(const void *data, size_t count, unsigned char *md,
		      unsigned int *size, const EVP_MD *type, ENGINE *impl);
int __real_EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt);
int __wrap_EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt);

int __wrap_EVP_Digest(const void *data, size_t count, unsigned char *md,
		      unsigned int *size, const EVP_MD *type, ENGINE *impl)
{
	if (fail_digest > 0) {
		fail_digest--;
		return 0;
	}
	return __real_EVP_Digest(data, count, md, size, type, impl);
}

int __wrap_EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt)
{
	if (fail_update > 0) {
		fail_update--;
		return 0;
	}
	return __real_EVP_DigestUpdate(ctx, d, cnt);
}

static const uint8_t zero[KF_CRYPTO_SHA256_LEN];

static void test_sha256_failure_reported(void **state)
{
	uint8_t out[KF_CRYPTO_SHA256_LEN], good[KF_CRYPTO_SHA256_LEN];

	(void)state;
	assert_int_equal(kf_sha256("abc", 3, good), 0);
	assert_memory_not_equal(good, zero, sizeof(good));
	memset(out, 0xaa, sizeof(out));
	fail_digest = 1;
	assert_int_equal(kf_sha256("abc", 3, out), KF_ECRYPTO);
	assert_memory_equal(out, zero, sizeof(out));
}

static void test_update_failure_sticks(void **state)
{
	kf_sha256_t *h = kf_sha256_new();
	uint8_t out[KF_CRYPTO_SHA256_LEN];

	(void)state;
	assert_non_null(h);
	assert_int_equal(kf_sha256_update(h, "a", 1), 0);
	fail_update = 1;
	assert_int_equal(kf_sha256_update(h, "b", 1), KF_ECRYPTO);
	/* OpenSSL works again, but the digest already missed a byte */
	assert_int_equal(kf_sha256_update(h, "c", 1), KF_ECRYPTO);
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(kf_sha256_final(h, out), KF_ECRYPTO);
	assert_memory_equal(out, zero, sizeof(out));
	kf_sha256_free(h);
}

/* A signed transfer whose content digest lost an update is not
 * committed: the sender would sign the digest of other bytes. */
static void test_signed_commit_refused(void **state)
{
	static const char data[] = "content of a signed file";
	kf_key_t *signer = NULL;
	kf_seal_keys_t keys = {0};
	kf_wire_manifest_t m = {0};
	kf_wire_commit_t c = {0};
	kf_seal_t *s = NULL;
	kf_xid_t xid;

	(void)state;
	assert_int_equal(kf_key_new(KF_KEY_ED25519, &signer), 0);
	keys.signer = signer;
	memset(xid.b, 7, sizeof(xid.b));
	assert_int_equal(kf_seal_new(&keys, &xid, &s), 0);
	m.hdr.xid = xid;
	m.file_size = sizeof(data);
	m.chunk_size = 4096;
	m.chunk_count = 1;
	m.mode = 0644;
	m.hash_alg = KF_WIRE_HASH_XXH3_128;
	m.path = (const uint8_t *)"f.txt";
	m.path_len = 5;
	assert_int_equal(kf_seal_manifest(s, &keys, &m), 0);
	fail_update = 1;
	kf_seal_feed(s, data, sizeof(data));
	c.hdr.xid = xid;
	c.chunk_count = 1;
	c.file_size = sizeof(data);
	assert_int_equal(kf_seal_commit(s, &c), KF_ECRYPTO);
	kf_seal_free(s);
	kf_key_free(signer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_failure_reported),
		cmocka_unit_test(test_update_failure_sticks),
		cmocka_unit_test(test_signed_commit_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
