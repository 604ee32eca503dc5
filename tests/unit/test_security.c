/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Secrets (file:, env:, inline) and the guard's reading of the refusals a
 * broker sends (kafka/security.c). The real TLS, SASL and ACL refusals are
 * tested against a secured broker in tests/security/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/conf.h"
#include "kafka/security.h"
#include "kf_test.h"

static char errbuf[1024];

struct fx {
	char dir[PATH_MAX];
	kf_conf_t *conf;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || kf_test_mkdtemp(f->dir, "kf-security") ||
	    !(f->conf = kf_conf_new()))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	kf_test_rmtree(f->dir);
	kf_conf_destroy(f->conf);
	free(f);
	return 0;
}

static void test_secret_file_first_line(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX + 16], ref[PATH_MAX + 32], out[64];

	kf_test_fmt(path, sizeof(path), "%s/pw", f->dir);
	assert_int_equal(
		kf_test_write_file(path, "s3cret\r\nsecond\n", 15, 0600), 0);
	kf_test_fmt(ref, sizeof(ref), "file:%s", path);
	EXPECT_OK(kf_kafka_secret("sasl.password", ref, out, sizeof(out),
				  errbuf, sizeof(errbuf)));
	assert_string_equal(out, "s3cret");
}

static void test_secret_file_errors(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX + 16], ref[PATH_MAX + 32], out[64];

	kf_test_fmt(ref, sizeof(ref), "file:%s/none", f->dir);
	EXPECT_ERR(kf_kafka_secret("sasl.password", ref, out, sizeof(out),
				   errbuf, sizeof(errbuf)),
		   KF_EINVAL, "cannot open");
	assert_non_null(strstr(errbuf, "sasl.password"));
	kf_test_fmt(path, sizeof(path), "%s/empty", f->dir);
	assert_int_equal(kf_test_write_file(path, "\nx\n", 3, 0600), 0);
	kf_test_fmt(ref, sizeof(ref), "file:%s", path);
	EXPECT_ERR(kf_kafka_secret("tls.key_password", ref, out, sizeof(out),
				   errbuf, sizeof(errbuf)),
		   KF_EINVAL, "first line is empty");
}

static void test_secret_env_and_inline(void **state)
{
	char out[16];

	(void)state;
	setenv("KF_TEST_SECRET", "from-env", 1);
	EXPECT_OK(kf_kafka_secret("sasl.password", "env:KF_TEST_SECRET", out,
				  sizeof(out), errbuf, sizeof(errbuf)));
	assert_string_equal(out, "from-env");
	unsetenv("KF_TEST_SECRET");
	EXPECT_ERR(kf_kafka_secret("sasl.password", "env:KF_TEST_SECRET", out,
				   sizeof(out), errbuf, sizeof(errbuf)),
		   KF_EINVAL, "KF_TEST_SECRET is not set");
	EXPECT_OK(kf_kafka_secret("sasl.password", "inline", out, sizeof(out),
				  errbuf, sizeof(errbuf)));
	assert_string_equal(out, "inline");
	EXPECT_ERR(kf_kafka_secret("sasl.password", "far too long a secret",
				   out, sizeof(out), errbuf, sizeof(errbuf)),
		   KF_EINVAL, "too long");
}

static void test_secret_keys(void **state)
{
	(void)state;
	assert_true(kf_conf_is_secret("sasl.password"));
	assert_true(kf_conf_is_secret("kafka.ssl.key.password"));
	assert_false(kf_conf_is_secret("sasl.username"));
	assert_true(kf_conf_secret_is_ref("file:/x"));
	assert_true(kf_conf_secret_is_ref("env:X"));
	assert_false(kf_conf_secret_is_ref("hunter2"));
}

/* What the guard makes of an authorization error, per client and per
 * how far the message got. */
static void expect_refusal(kf_conf_t *conf, int producer,
			   rd_kafka_resp_err_t err, int32_t partition,
			   const char *what, const char *grant)
{
	kf_kafka_guard_t g;
	rd_kafka_message_t m;

	memset(&m, 0, sizeof(m));
	m.err = err;
	m.partition = partition;
	kf_kafka_guard_init(&g, conf, producer, NULL);
	assert_int_equal(kf_kafka_guard_message(&g, &m), KF_EACCESS);
	if (!strstr(g.msg, what) || !strstr(g.msg, grant))
		fail_msg("\"%s\" lacks \"%s\" or \"%s\"", g.msg, what, grant);
}

static void test_guard_names_the_permission(void **state)
{
	struct fx *f = *state;
	kf_kafka_guard_t g;
	rd_kafka_message_t m;

	kf_conf_set(f->conf, "topic", "files", errbuf, sizeof(errbuf));
	kf_conf_set(f->conf, "receive.group", "rx", errbuf, sizeof(errbuf));
	kf_conf_set(f->conf, "sasl.username", "alice", errbuf, sizeof(errbuf));
	expect_refusal(f->conf, 1, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
		       RD_KAFKA_PARTITION_UA,
		       "refused Describe on Topic 'files' "
		       "to User:alice",
		       "--allow-principal User:alice --operation Write");
	expect_refusal(f->conf, 1, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
		       2, "refused Write on Topic 'files'", "--topic 'files'");
	expect_refusal(f->conf, 0, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
		       2, "refused Read on Topic 'files'", "--operation Read");
	expect_refusal(f->conf, 0, RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
		       RD_KAFKA_PARTITION_UA, "refused Read on Group 'rx'",
		       "--group 'rx'");
	expect_refusal(f->conf, 1,
		       RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED,
		       RD_KAFKA_PARTITION_UA, "IdempotentWrite on the Cluster",
		       "--operation Write");
	/* another topic of the same principal (a dead-letter topic, say) */
	kf_kafka_guard_init(&g, f->conf, 1, "files.dlq");
	memset(&m, 0, sizeof(m));
	m.err = RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED;
	m.partition = 0;
	assert_int_equal(kf_kafka_guard_message(&g, &m), KF_EACCESS);
	assert_non_null(strstr(g.msg, "Write on Topic 'files.dlq'"));
	/* anything else is left to librdkafka's retries */
	memset(&m, 0, sizeof(m));
	m.err = RD_KAFKA_RESP_ERR__MSG_TIMED_OUT;
	kf_kafka_guard_init(&g, f->conf, 1, NULL);
	assert_int_equal(kf_kafka_guard_message(&g, &m), 0);
}

static void test_guard_keeps_first_cause(void **state)
{
	struct fx *f = *state;
	kf_kafka_guard_t g;

	kf_kafka_guard_init(&g, f->conf, 0, NULL);
	kf_kafka_guard_error_cb(NULL, RD_KAFKA_RESP_ERR__AUTHENTICATION,
				"SASL authentication error: bad password", &g);
	assert_int_equal(g.err, KF_EAUTH);
	kf_kafka_guard_error_cb(NULL,
				RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
				"group", &g);
	assert_int_equal(g.err, KF_EAUTH);
	assert_non_null(strstr(g.msg, "bad password"));
	assert_non_null(strstr(g.msg, "sasl.password"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_secret_file_first_line,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_file_errors, setup,
						teardown),
		cmocka_unit_test(test_secret_env_and_inline),
		cmocka_unit_test(test_secret_keys),
		cmocka_unit_test_setup_teardown(test_guard_names_the_permission,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard_keeps_first_cause,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
