/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the seams that keep the Kafka module below obs and
 * OpenSSL inside core/crypto: the statistics of a client reach the
 * callback registered with kf_kafka_stats_cb_set (obs registers itself
 * there; kafka knows nothing above it), and OpenSSL's certificate verify
 * errors are classified by core/crypto for kafka/security's messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/x509_vfy.h>
#include <string.h>
#include <unistd.h>

#include "core/crypto.h"
#include "kafka/client.h"
#include "kafka/producer.h"

#include "kf_test_mock.h"

struct stats_seen {
	int calls;
	int json; /* every call got an object naming the client */
};

static void on_stats(const char *json, size_t len, void *opaque)
{
	struct stats_seen *s = opaque;

	s->calls++;
	s->json = len > 2 && json[0] == '{' && strstr(json, "\"name\"") &&
		  (s->calls == 1 || s->json);
}

/* A producer made with metrics.addr set delivers librdkafka's statistics
 * to the registered callback, with its opaque, on the polling thread. */
static void test_stats_reach_registered_callback(void **state)
{
	struct stats_seen seen = {0};
	struct kf_test_mock m;
	kf_producer_opts_t o;
	kf_producer_t *p;
	char err[512];
	int i;

	(void)state;
	kf_test_mock_open(&m, 1);
	kf_test_set(m.conf, "metrics.addr", "127.0.0.1:0");
	kf_test_set(m.conf, "metrics.stats_interval_ms", "100");
	assert_int_equal(kf_log_init(m.conf, 0, err, sizeof(err)), 0);
	kf_kafka_stats_cb_set(on_stats, &seen);
	kf_producer_opts_init(&o, m.conf, "files", 0);
	assert_int_equal(kf_producer_new(&o, NULL, NULL, &p, err, sizeof(err)),
			 0);
	assert_non_null(p);
	/* librdkafka reports every 100 ms; a loaded machine may take long */
	for (i = 0; i < 600 && seen.calls < 2; i++) {
		usleep(100000);
		kf_producer_poll(p);
	}
	assert_true(seen.calls >= 2);
	assert_true(seen.json);
	kf_kafka_stats_cb_set(NULL, NULL);
	kf_producer_destroy(p);
	kf_test_mock_close(&m);
}

static void test_cert_refusal(void **state)
{
	(void)state;
	assert_int_equal(kf_crypto_cert_refusal(X509_V_OK), KF_CERT_OK);
	assert_int_equal(kf_crypto_cert_refusal(X509_V_ERR_HOSTNAME_MISMATCH),
			 KF_CERT_WRONG_HOST);
	assert_int_equal(kf_crypto_cert_refusal(X509_V_ERR_IP_ADDRESS_MISMATCH),
			 KF_CERT_WRONG_HOST);
	assert_int_equal(
		kf_crypto_cert_refusal(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT),
		KF_CERT_UNTRUSTED);
	assert_int_equal(kf_crypto_cert_refusal(
				 X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
			 KF_CERT_UNTRUSTED);
	assert_int_equal(kf_crypto_cert_refusal(X509_V_ERR_CERT_HAS_EXPIRED),
			 KF_CERT_TIME);
	assert_int_equal(kf_crypto_cert_refusal(X509_V_ERR_CERT_NOT_YET_VALID),
			 KF_CERT_TIME);
	assert_int_equal(kf_crypto_cert_refusal(X509_V_ERR_CERT_REVOKED),
			 KF_CERT_OTHER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_reach_registered_callback),
		cmocka_unit_test(test_cert_refusal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
