/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of how the configuration handles secrets (src/config/conf.c,
 * docs/security.md): a secret given inline on a command line
 * (kf_conf_set_arg: -o / -X) is refused, while file: and env: references
 * pass; and every copy of a secret the configuration frees (replaced, or
 * at kf_conf_destroy) is wiped first.
 *
 * The wipe is observed by interposing free(): the test remembers the
 * address of the secret's copy and checks, when that block is freed, that
 * it holds zeros. Skipped under AddressSanitizer, which owns free().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/err.h"
#include "config/conf.h"
#include "kf_test.h"

static char errbuf[512];

#if defined(__SANITIZE_ADDRESS__)
#define KF_TEST_OWN_FREE 0
#else
#define KF_TEST_OWN_FREE 1
/* glibc's own free, for the interposed one to call */
extern void __libc_free(void *p);

static const void *watched; /* the block whose free is checked */
static size_t watched_len;
static int watched_state; /* 0 not freed, 1 freed wiped, 2 freed intact */

void free(void *p)
{
	if (p && p == watched) {
		const unsigned char *b = p;
		size_t i;

		watched_state = 1;
		for (i = 0; i < watched_len; i++)
			if (b[i])
				watched_state = 2;
		watched = NULL;
	}
	__libc_free(p);
}
#endif

static int conf_setup(void **state)
{
	*state = kf_conf_new();
	return *state ? 0 : -1;
}

static int conf_teardown(void **state)
{
	kf_conf_destroy(*state);
	return 0;
}

static void test_argv_inline_refused(void **state)
{
	static const char *const keys[] = {
		"sasl.password",
		"tls.key_password",
		"kafka.sasl.password",
		"kafka.ssl.key.password",
		"kafka.ssl.keystore.password",
		"kafka.sasl.oauthbearer.client.secret",
	};
	kf_conf_t *conf = *state;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		EXPECT_ERR(kf_conf_set_arg(conf, keys[i], "hunter2", errbuf,
					   sizeof(errbuf)),
			   KF_EINVAL, "visible to every local user");
		assert_non_null(strstr(errbuf, "=file:PATH"));
		/* the message never repeats the secret */
		assert_null(strstr(errbuf, "hunter2"));
	}
	assert_null(conf->sasl_password);
	assert_null(conf->tls_key_password);
	assert_int_equal(conf->nprops, 0);
}

static void test_argv_references_pass(void **state)
{
	kf_conf_t *conf = *state;

	EXPECT_OK(kf_conf_set_arg(conf, "sasl.password", "file:/etc/pw", errbuf,
				  sizeof(errbuf)));
	assert_string_equal(conf->sasl_password, "file:/etc/pw");
	EXPECT_OK(kf_conf_set_arg(conf, "kafka.sasl.password", "env:KF_PW",
				  errbuf, sizeof(errbuf)));
	assert_int_equal(conf->nprops, 1);
	/* "" unsets: nothing to hide */
	EXPECT_OK(kf_conf_set_arg(conf, "sasl.password", "", errbuf,
				  sizeof(errbuf)));
	assert_null(conf->sasl_password);
	/* other keys as kf_conf_set */
	EXPECT_OK(kf_conf_set_arg(conf, "sasl.username", "alice", errbuf,
				  sizeof(errbuf)));
	EXPECT_OK(kf_conf_set_arg(conf, "kafka.client.id", "x", errbuf,
				  sizeof(errbuf)));
}

#if KF_TEST_OWN_FREE
static void watch_block(const char *p)
{
	assert_non_null(p);
	watched = p;
	watched_len = strlen(p);
	watched_state = 0;
}

/* The copy of key's value that conf holds. */
static const char *copy_of(const kf_conf_t *conf, const char *key)
{
	if (!strcmp(key, "sasl.password"))
		return conf->sasl_password;
	if (!strcmp(key, "tls.key_password"))
		return conf->tls_key_password;
	assert_int_equal(conf->nprops, 1);
	return conf->props[0].value;
}

/* key = secret, then replaced, then destroyed: both copies are wiped. */
static void check_wiped(const char *key)
{
	kf_conf_t *conf = kf_conf_new();

	assert_non_null(conf);
	EXPECT_OK(
		kf_conf_set(conf, key, "first-secret", errbuf, sizeof(errbuf)));
	watch_block(copy_of(conf, key));
	EXPECT_OK(kf_conf_set(conf, key, "second-secret", errbuf,
			      sizeof(errbuf)));
	assert_int_equal(watched_state, 1);
	watch_block(copy_of(conf, key));
	kf_conf_destroy(conf);
	assert_int_equal(watched_state, 1);
}

static void test_secrets_wiped(void **state)
{
	kf_conf_t *conf;

	(void)state;
	check_wiped("sasl.password");
	check_wiped("tls.key_password");
	check_wiped("kafka.sasl.password");
	/* the check sees an intact block: a plain key is not wiped */
	conf = kf_conf_new();
	assert_non_null(conf);
	EXPECT_OK(kf_conf_set(conf, "sasl.username", "alice", errbuf,
			      sizeof(errbuf)));
	watch_block(conf->sasl_username);
	kf_conf_destroy(conf);
	assert_int_equal(watched_state, 2);
}
#else
static void test_secrets_wiped(void **state)
{
	(void)state;
	skip(); /* AddressSanitizer owns free() */
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_argv_inline_refused,
						conf_setup, conf_teardown),
		cmocka_unit_test_setup_teardown(test_argv_references_pass,
						conf_setup, conf_teardown),
		cmocka_unit_test(test_secrets_wiped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
