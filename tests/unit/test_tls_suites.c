/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls.ciphersuites (core/crypto.c): the TLS 1.3 suites every OpenSSL
 * context of the process offers after kferry sets them, a system policy
 * left alone, names OpenSSL does not know refused. OpenSSL's setting is the
 * process's, so the tests run in this order; the first forks before this
 * process touches OpenSSL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/conf.h"
#include "kafka/security.h"
#include "core/crypto.h"
#include "kf_test.h"

static char errbuf[1024];
static char dir[PATH_MAX];

/* The TLS 1.3 suites a new context offers, ':'-separated, in order. */
static void offered(char *out, size_t cap)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	STACK_OF(SSL_CIPHER) * sk;
	int i;

	assert_non_null(ctx);
	sk = SSL_CTX_get_ciphers(ctx);
	out[0] = '\0';
	for (i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
		const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);

		if (strcmp(SSL_CIPHER_get_version(c), "TLSv1.3"))
			continue;
		kf_test_fmt(out + strlen(out), cap - strlen(out), "%s%s",
			    out[0] ? ":" : "", SSL_CIPHER_get_name(c));
	}
	SSL_CTX_free(ctx);
}

static void write_conf(const char *path, const char *text)
{
	assert_int_equal(kf_test_write_file(path, text, strlen(text), 0600), 0);
}

/* In a child whose OpenSSL reads a configuration with a system_default
 * policy: ours is not applied, the policy's suite is offered. */
static void test_system_policy_wins(void **state)
{
	char path[PATH_MAX + 16], got[512];
	pid_t pid;
	int st;

	(void)state;
	kf_test_fmt(path, sizeof(path), "%s/policy.cnf", dir);
	write_conf(path, "openssl_conf = init\n[init]\nssl_conf = ssl\n"
			 "[ssl]\nsystem_default = sys\n[sys]\n"
			 "Ciphersuites = TLS_CHACHA20_POLY1305_SHA256\n");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("OPENSSL_CONF", path, 1);
		if (kf_crypto_tls_suites("TLS_AES_128_GCM_SHA256", errbuf,
					 sizeof(errbuf)))
			_exit(2);
		offered(got, sizeof(got));
		_exit(strcmp(got, "TLS_CHACHA20_POLY1305_SHA256") ? 3 : 0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* A plaintext client changes nothing: OpenSSL's own three suites. */
static void test_plaintext_leaves_openssl(void **state)
{
	kf_conf_t *conf = kf_conf_new();
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	char got[512];

	(void)state;
	assert_non_null(conf);
	EXPECT_OK(kf_kafka_security_apply(rc, conf, errbuf, sizeof(errbuf)));
	offered(got, sizeof(got));
	assert_string_equal(got, "TLS_AES_256_GCM_SHA384:"
				 "TLS_CHACHA20_POLY1305_SHA256:"
				 "TLS_AES_128_GCM_SHA256");
	rd_kafka_conf_destroy(rc);
	kf_conf_destroy(conf);
}

/* A TLS client by default offers AES-128-GCM alone. */
static void test_tls_default_is_aes128(void **state)
{
	kf_conf_t *conf = kf_conf_new();
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	char got[512];

	(void)state;
	assert_non_null(conf);
	EXPECT_OK(kf_conf_set(conf, "security.protocol", "ssl", errbuf,
			      sizeof(errbuf)));
	EXPECT_OK(kf_kafka_security_apply(rc, conf, errbuf, sizeof(errbuf)));
	offered(got, sizeof(got));
	assert_string_equal(got, "TLS_AES_128_GCM_SHA256");
	rd_kafka_conf_destroy(rc);
	kf_conf_destroy(conf);
}

/* Another list replaces ours, in its order; an unknown name is refused and
 * leaves the last setting. */
static void test_list_and_unknown(void **state)
{
	char got[512];

	(void)state;
	EXPECT_OK(kf_crypto_tls_suites("TLS_AES_256_GCM_SHA384:"
				       "TLS_AES_128_GCM_SHA256",
				       errbuf, sizeof(errbuf)));
	offered(got, sizeof(got));
	assert_string_equal(got,
			    "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256");
	EXPECT_ERR(kf_crypto_tls_suites("TLS_AES_512_GCM_SHA1", errbuf,
					sizeof(errbuf)),
		   KF_EINVAL, "does not know every name as a TLS 1.3 suite");
	offered(got, sizeof(got));
	assert_string_equal(got,
			    "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256");
}

/* The key takes suite names only: no line or section of OpenSSL's
 * configuration can ride in on it. */
static void test_key_takes_names_only(void **state)
{
	kf_conf_t *conf = kf_conf_new();

	(void)state;
	assert_non_null(conf);
	EXPECT_ERR(kf_conf_set(conf, "tls.ciphersuites",
			       "TLS_AES_128_GCM_SHA256\n[kf_tls]", errbuf,
			       sizeof(errbuf)),
		   KF_EINVAL, "expected TLS 1.3 suite names");
	EXPECT_ERR(kf_conf_set(conf, "tls.ciphersuites", "$ENV::HOME", errbuf,
			       sizeof(errbuf)),
		   KF_EINVAL, "expected TLS 1.3 suite names");
	EXPECT_OK(kf_conf_set(conf, "tls.ciphersuites", "", errbuf,
			      sizeof(errbuf)));
	assert_null(conf->tls_ciphersuites);
	kf_conf_destroy(conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_system_policy_wins),
		cmocka_unit_test(test_plaintext_leaves_openssl),
		cmocka_unit_test(test_tls_default_is_aes128),
		cmocka_unit_test(test_list_and_unknown),
		cmocka_unit_test(test_key_takes_names_only),
	};
	char path[PATH_MAX + 16];
	int r;

	if (kf_test_mkdtemp(dir, "kf-suites"))
		return 1;
	/* this process's OpenSSL reads an empty configuration, whatever the
	 * machine's says */
	kf_test_fmt(path, sizeof(path), "%s/empty.cnf", dir);
	if (kf_test_write_file(path, "", 0, 0600))
		return 1;
	setenv("OPENSSL_CONF", path, 1);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	kf_test_rmtree(dir);
	return r;
}
