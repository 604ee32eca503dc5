/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the librdkafka properties kferry refuses to pass through
 * (src/config/conf.c, kf__guarded_props): a kafka.* key or -X property
 * that would undo what the protocol or the transport's security rests on
 * is refused with the reason, from the command line and from a file alike.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "config/conf.h"
#include "common/err.h"
#include "kf_test.h"

static char errbuf[512];

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

/* key = value is refused, the message names the key and says why (needle),
 * and nothing reaches the properties handed to librdkafka. */
static void refused(kf_conf_t *conf, const char *key, const char *value,
		    const char *needle)
{
	size_t before = conf->nprops;

	EXPECT_ERR(kf_conf_set(conf, key, value, errbuf, sizeof(errbuf)),
		   KF_EINVAL, needle);
	if (strncmp(errbuf, key, strlen(key)))
		fail_msg("error \"%s\" does not start with the key %s", errbuf,
			 key);
	assert_non_null(strstr(errbuf, "refuses to change it"));
	assert_int_equal(conf->nprops, before);
}

static void test_offsets_are_ours(void **state)
{
	refused(*state, "kafka.enable.auto.commit", "true",
		"docs/protocol.md section 7");
	refused(*state, "kafka.enable.auto.commit", "false",
		"docs/protocol.md section 7");
	refused(*state, "kafka.auto.commit.enable", "true", "alias");
	refused(*state, "kafka.topic.auto.commit.enable", "true", "alias");
	refused(*state, "kafka.enable.auto.offset.store", "true",
		"stores offsets itself");
}

static void test_producer_guarantees(void **state)
{
	refused(*state, "kafka.acks", "1", "acks=all");
	refused(*state, "kafka.topic.acks", "0", "acks=all");
	refused(*state, "kafka.request.required.acks", "1", "acks=all");
	refused(*state, "kafka.enable.idempotence", "false", "idempotent");
	refused(*state, "kafka.transactional.id", "x", "not transactional");
	refused(*state, "kafka.partitioner", "random", "murmur2");
	refused(*state, "kafka.topic.partitioner", "consistent", "murmur2");
	refused(*state, "kafka.queuing.strategy", "lifo", "order");
}

static void test_tls_checks(void **state)
{
	refused(*state, "kafka.enable.ssl.certificate.verification", "false",
		"tls.ca");
	refused(*state, "kafka.ssl.endpoint.identification.algorithm", "none",
		"tls.verify_hostname");
}

/* Only cooperative assignment is refused; eager strategies are a choice. */
static void test_assignment_strategy(void **state)
{
	kf_conf_t *conf = *state;

	refused(conf, "kafka.partition.assignment.strategy",
		"cooperative-sticky", "eager");
	refused(conf, "kafka.partition.assignment.strategy",
		"range,cooperative-sticky", "eager");
	EXPECT_OK(kf_conf_set(conf, "kafka.partition.assignment.strategy",
			      "roundrobin", errbuf, sizeof(errbuf)));
	assert_int_equal(conf->nprops, 1);
}

/* Properties next to the guarded ones still pass. */
static void test_others_pass(void **state)
{
	kf_conf_t *conf = *state;

	EXPECT_OK(kf_conf_set(conf, "kafka.auto.commit.interval.ms", "1000",
			      errbuf, sizeof(errbuf)));
	EXPECT_OK(kf_conf_set(conf, "kafka.linger.ms", "10", errbuf,
			      sizeof(errbuf)));
	EXPECT_OK(kf_conf_set(conf, "kafka.security.protocol", "SSL", errbuf,
			      sizeof(errbuf)));
	EXPECT_OK(kf_conf_set(conf, "kafka.ssl.ca.location", "/x", errbuf,
			      sizeof(errbuf)));
	assert_int_equal(conf->nprops, 4);
}

/* The file loader goes through the same check, with file and line. */
static void test_file(void **state)
{
	static const char text[] = "topic = t\n[kafka]\nacks = 1\n";
	char dir[PATH_MAX], path[PATH_MAX + 16];

	assert_int_equal(kf_test_mkdtemp(dir, "test_conf_guard"), 0);
	kf_test_fmt(path, sizeof(path), "%s/k.conf", dir);
	assert_int_equal(kf_test_write_file(path, text, sizeof(text) - 1, 0600),
			 0);
	EXPECT_ERR(kf_conf_load_file(*state, path, errbuf, sizeof(errbuf)),
		   KF_EINVAL, ":3: kafka.acks: kferry sets this");
	kf_test_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_offsets_are_ours,
						conf_setup, conf_teardown),
		cmocka_unit_test_setup_teardown(test_producer_guarantees,
						conf_setup, conf_teardown),
		cmocka_unit_test_setup_teardown(test_tls_checks, conf_setup,
						conf_teardown),
		cmocka_unit_test_setup_teardown(test_assignment_strategy,
						conf_setup, conf_teardown),
		cmocka_unit_test_setup_teardown(test_others_pass, conf_setup,
						conf_teardown),
		cmocka_unit_test_setup_teardown(test_file, conf_setup,
						conf_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
