/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kf_send and kf_receive against librdkafka's mock cluster: the error
 * paths a real broker cannot be told to produce on demand. The real
 * transfer paths are covered by tests/integration against a real broker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/codec.h"
#include "kf_test_mock.h"
#include "kferry/kferry.h"

struct mock {
	struct kf_test_mock k;
	char dir[512];
	int failures;
	char last_error[512];
};

static int setup(void **state)
{
	struct mock *m = calloc(1, sizeof(*m));
	const char *base = getenv("KF_TEST_TMP");
	char err[256];

	base = base ? base : "/tmp";
	mkdir(base, 0755);
	kf_test_mock_open(&m->k, 2);
	snprintf(m->dir, sizeof(m->dir), "%s/mockXXXXXX", base);
	assert_non_null(mkdtemp(m->dir));
	kf_test_set(m->k.conf, "chunk_size", "64KiB");
	assert_int_equal(kf_log_init(m->k.conf, 0, err, sizeof(err)), 0);
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	struct mock *m = *state;
	char cmd[600];

	kf_test_mock_close(&m->k);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", m->dir);
	assert_int_equal(system(cmd), 0);
	free(m);
	return 0;
}

/* A file of n pseudo-random bytes; returns its path (static buffer). */
static const char *make_file(struct mock *m, const char *name, size_t n,
			     uint8_t hash[16])
{
	static char path[600];
	uint8_t *buf = malloc(n ? n : 1);
	uint32_t x = 2463534242u;
	size_t i;
	FILE *f;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
	kf_hash128(buf, n, hash);
	snprintf(path, sizeof(path), "%s/%s", m->dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, n, f), n);
	fclose(f);
	free(buf);
	return path;
}

static void on_file(void *opaque, const char *rel, const char *src,
		    uint64_t size, int err, const char *msg)
{
	struct mock *m = opaque;

	(void)rel;
	(void)src;
	(void)size;
	if (err) {
		m->failures++;
		snprintf(m->last_error, sizeof(m->last_error), "%s", msg);
	}
}

static void hash_file(const char *path, uint8_t out[16])
{
	kf_hasher_t *h = kf_hasher_new();
	uint8_t buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		kf_hasher_update(h, buf, (size_t)n);
	close(fd);
	kf_hasher_final(h, out);
	kf_hasher_destroy(h);
}

/* Receives into DIR/dest and checks the file arrived with its hash. */
static void receive_and_check(struct mock *m, const char *name,
			      const uint8_t want[16])
{
	kf_recv_stats_t st;
	char dest[600], path[700], err[512];
	uint8_t got[16];

	snprintf(dest, sizeof(dest), "%s/dest", m->dir);
	kf_test_set(m->k.conf, "receive.dest", dest);
	kf_test_set(m->k.conf, "receive.idle_exit", "5");
	kf_test_set(m->k.conf, "receive.group", "g1");
	assert_int_equal(kf_receive(m->k.conf, &st, err, sizeof(err)), 0);
	assert_int_equal(st.files_ok, 1);
	assert_int_equal(st.files_quarantined, 0);
	snprintf(path, sizeof(path), "%s/%s", dest, name);
	hash_file(path, got);
	assert_memory_equal(got, want, 16);
}

static void test_send_ok(void **state)
{
	struct mock *m = *state;
	uint8_t want[16];
	const char *p = make_file(m, "a.bin", 300000, want);
	kf_send_stats_t st;
	char err[512];

	assert_int_equal(kf_send(m->k.conf, &p, 1, on_file, NULL, m, &st, err,
				 sizeof(err)),
			 0);
	assert_int_equal(m->failures, 0);
	assert_int_equal(st.files_ok, 1);
	assert_int_equal(st.bytes_sent, 300000);
	/* manifest + 5 chunks of 64 KiB + commit */
	assert_int_equal(st.messages, 7);
	receive_and_check(m, "a.bin", want);
}

/* Retriable produce errors: the idempotent producer retries, the data
 * arrives once and intact. */
static void test_send_retries(void **state)
{
	struct mock *m = *state;
	uint8_t want[16];
	const char *p = make_file(m, "b.bin", 200000, want);
	kf_send_stats_t st;
	char err[512];

	/* One request in flight: the mock cluster checks produce sequences
	 * only for transactional producers (rd_kafka_mock_validate_records),
	 * so with more, a later batch it accepts lands before an earlier one
	 * it failed, where a real broker answers OUT_OF_ORDER_SEQUENCE and
	 * keeps the order. The fault suite covers retries on real brokers. */
	kf_test_set(m->k.conf, "kafka.max.in.flight.requests.per.connection",
		    "1");
	rd_kafka_mock_push_request_errors(
		m->k.mc, 0 /* Produce */, 4,
		RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
		RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
		RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
		RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
	assert_int_equal(kf_send(m->k.conf, &p, 1, on_file, NULL, m, &st, err,
				 sizeof(err)),
			 0);
	assert_int_equal(m->failures, 0);
	assert_int_equal(st.files_ok, 1);
	receive_and_check(m, "b.bin", want);
}

/* The broker goes away and stays away: the send fails loudly, naming the
 * file and the reason, within the delivery timeout. */
static void test_send_broker_down(void **state)
{
	struct mock *m = *state;
	uint8_t want[16];
	const char *p = make_file(m, "c.bin", 100000, want);
	kf_send_stats_t st;
	char err[512];

	kf_test_set(m->k.conf, "send.delivery_timeout_ms", "2000");
	rd_kafka_mock_broker_set_down(m->k.mc, 1);
	assert_int_not_equal(kf_send(m->k.conf, &p, 1, on_file, NULL, m, &st,
				     err, sizeof(err)),
			     0);
	assert_int_equal(m->failures, 1);
	assert_int_equal(st.files_ok, 0);
	assert_int_equal(st.files_failed, 1);
	assert_non_null(strstr(m->last_error, "not acknowledged"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_send_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_retries, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_send_broker_down, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
