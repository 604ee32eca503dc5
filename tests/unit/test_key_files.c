/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of kf_key_load (src/core/crypto.c) on the files an operator
 * may hand it: an encrypted private key is refused at once with what to
 * do (no passphrase prompt, which would hang a daemon), a private key
 * that group or others may read is refused with the chmod to run, and
 * public keys may be world-readable.
 *
 * The tests run in a child detached from any terminal (setsid), so that a
 * prompt on /dev/tty could never wait for input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/wait.h>

#include "common/err.h"
#include "core/crypto.h"
#include "kf_test.h"

static char errbuf[512];
static char dir[PATH_MAX];

/* path of a file in the scratch directory */
static const char *in_dir(const char *name)
{
	static char buf[2][PATH_MAX];
	static int k;

	k ^= 1;
	kf_test_fmt(buf[k], PATH_MAX, "%s/%s", dir, name);
	return buf[k];
}

/* A fresh ed25519 key written as PEM to name with mode; with pass, the
 * PEM is encrypted (AES-256-CBC) under it. */
static void write_key(const char *name, mode_t mode, const char *pass)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	FILE *f = fopen(in_dir(name), "w");

	assert_non_null(pkey);
	assert_non_null(f);
	assert_int_equal(
		PEM_write_PrivateKey(f, pkey, pass ? EVP_aes_256_cbc() : NULL,
				     (const unsigned char *)pass,
				     pass ? (int)strlen(pass) : 0, NULL, NULL),
		1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(in_dir(name), mode), 0);
	EVP_PKEY_free(pkey);
}

static void test_encrypted_key_refused(void **state)
{
	kf_key_t *k = NULL;

	(void)state;
	write_key("enc.key", 0600, "secret passphrase");
	EXPECT_ERR(kf_key_load(in_dir("enc.key"), KF_KEY_ED25519, 1, &k, errbuf,
			       sizeof(errbuf)),
		   KF_EINVAL, "encrypted private keys are not supported");
	if (!strstr(errbuf, "openssl pkey -in"))
		fail_msg("\"%s\" does not say how to decrypt it", errbuf);
	assert_null(k);
	/* nor taken for a public key where one would do */
	EXPECT_ERR(kf_key_load(in_dir("enc.key"), KF_KEY_ED25519, 0, &k, errbuf,
			       sizeof(errbuf)),
		   KF_EINVAL, "encrypted private keys are not supported");
}

static void test_private_key_mode(void **state)
{
	static const mode_t open_modes[] = {0644, 0640, 0604, 0660, 0601};
	kf_key_t *k = NULL;
	char want[PATH_MAX + 32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(open_modes) / sizeof(open_modes[0]); i++) {
		write_key("open.key", open_modes[i], NULL);
		EXPECT_ERR(kf_key_load(in_dir("open.key"), KF_KEY_ED25519, 1,
				       &k, errbuf, sizeof(errbuf)),
			   KF_EINVAL, "group or others");
		kf_test_fmt(want, sizeof(want), "run 'chmod 600 %s'",
			    in_dir("open.key"));
		if (!strstr(errbuf, want))
			fail_msg("\"%s\" does not say \"%s\"", errbuf, want);
		/* the public half of a private key file: still refused */
		EXPECT_ERR(kf_key_load(in_dir("open.key"), KF_KEY_ED25519, 0,
				       &k, errbuf, sizeof(errbuf)),
			   KF_EINVAL, "group or others");
		assert_int_equal(unlink(in_dir("open.key")), 0);
	}
	write_key("ok.key", 0600, NULL);
	EXPECT_OK(kf_key_load(in_dir("ok.key"), KF_KEY_ED25519, 1, &k, errbuf,
			      sizeof(errbuf)));
	kf_key_free(k);
	k = NULL;
	write_key("ro.key", 0400, NULL);
	EXPECT_OK(kf_key_load(in_dir("ro.key"), KF_KEY_ED25519, 1, &k, errbuf,
			      sizeof(errbuf)));
	kf_key_free(k);
}

/* keygen's files load as they are: the private key 0600, its public
 * key 0644 */
static void test_generated_keys_load(void **state)
{
	kf_key_t *k = NULL;

	(void)state;
	EXPECT_OK(kf_key_generate(KF_KEY_X25519, in_dir("gen.key"), NULL,
				  errbuf, sizeof(errbuf)));
	EXPECT_OK(kf_key_load(in_dir("gen.key"), KF_KEY_X25519, 1, &k, errbuf,
			      sizeof(errbuf)));
	kf_key_free(k);
	k = NULL;
	EXPECT_OK(kf_key_load(in_dir("gen.key.pub"), KF_KEY_X25519, 0, &k,
			      errbuf, sizeof(errbuf)));
	kf_key_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encrypted_key_refused),
		cmocka_unit_test(test_private_key_mode),
		cmocka_unit_test(test_generated_keys_load),
	};
	pid_t pid;
	int status, rc;

	if (kf_test_mkdtemp(dir, "key_files") < 0)
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		/* no controlling terminal: nothing can prompt */
		setsid();
		_exit(cmocka_run_group_tests(tests, NULL, NULL) ? 1 : 0);
	}
	rc = waitpid(pid, &status, 0) == pid && WIFEXITED(status)
		     ? WEXITSTATUS(status)
		     : 1;
	kf_test_rmtree(dir);
	return rc;
}
