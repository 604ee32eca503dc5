/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one Kafka producer (kafka/producer.h) against librdkafka's mock
 * cluster: the tuning derived from a configuration, delivery reports
 * routed to their owner with each record's opaque, a refused property
 * reported with its code and name, and transactions (init, begin, commit,
 * abort; no record outside a transaction; an aborted record is never read
 * by a read_committed consumer), records to other topics by name in the
 * same transaction, and librdkafka's compression when asked for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka/producer.h"
#include "kf_test_mock.h"

static char errbuf[512];

struct mock {
	struct kf_test_mock k;
	uv_loop_t loop;
	int reports, failed, served;
	void *last_opaque;
};

static int setup(void **state)
{
	struct mock *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	kf_test_mock_open(&m->k, 1);
	kf_test_set(m->k.conf, "send.delivery_timeout_ms", "5000");
	assert_int_equal(kf_log_init(m->k.conf, 0, errbuf, sizeof(errbuf)), 0);
	uv_loop_init(&m->loop);
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	struct mock *m = *state;

	uv_run(&m->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&m->loop), 0);
	kf_test_mock_close(&m->k);
	free(m);
	return 0;
}

static void on_report(void *opaque, const rd_kafka_message_t *msg)
{
	struct mock *m = opaque;

	m->reports++;
	m->failed += msg->err != 0;
	m->last_opaque = msg->_private;
}

static void on_served(void *opaque)
{
	struct mock *m = opaque;

	m->served++;
}

static void test_opts_from_conf(void **state)
{
	struct mock *m = *state;
	kf_producer_opts_t o;

	kf_test_set(m->k.conf, "chunk_size", "1048576");
	kf_test_set(m->k.conf, "send.max_inflight_bytes", "67108864");
	kf_test_set(m->k.conf, "send.linger_ms", "7");
	kf_producer_opts_init(&o, m->k.conf, "files", 0);
	assert_ptr_equal(o.conf, m->k.conf);
	assert_string_equal(o.topic, "files");
	assert_int_equal(o.linger_ms, 7);
	assert_int_equal(o.delivery_timeout_ms, 5000);
	assert_int_equal(o.max_inflight, 5);
	/* a frame: the chunk, its header, the key and the batch overhead */
	assert_int_equal(o.max_message, 1048576 + 64 + 4096 + 1024);
	assert_int_equal(o.batch_size, 4 * (1048576 + 64 + 4096 + 1024));
	assert_int_equal(o.queue_kbytes, 131072 + 5145 + 65536);
	assert_int_equal(o.keep_trying, 0);
	assert_null(o.transactional_id);
	/* larger records (dead letters) widen the record and queue sizes */
	kf_producer_opts_init(&o, m->k.conf, "files.dlq", (uint64_t)64 << 20);
	assert_int_equal(o.max_message, (uint64_t)64 << 20);
	assert_int_equal(o.queue_kbytes, 131072 + 69652 + 65536);
	/* never below librdkafka's own 1 MB */
	kf_test_set(m->k.conf, "chunk_size", "4096");
	kf_producer_opts_init(&o, m->k.conf, "files", 0);
	assert_int_equal(o.max_message, 1000000);
	assert_int_equal(o.batch_size, 1000000);
}

/* Runs the loop until n reports came (10 s at most). */
static void run_until_reports(struct mock *m, int n)
{
	int i;

	for (i = 0; i < 1000 && m->reports < n; i++) {
		uv_run(&m->loop, UV_RUN_NOWAIT);
		usleep(10000);
	}
	assert_int_equal(m->reports, n);
}

static void test_reports_on_loop(void **state)
{
	struct mock *m = *state;
	kf_producer_opts_t o;
	kf_producer_t *p;
	int tags[3], i;

	kf_producer_opts_init(&o, m->k.conf, "files", 0);
	assert_int_equal(
		kf_producer_new(&o, on_report, m, &p, errbuf, sizeof(errbuf)),
		0);
	assert_int_equal(kf_producer_attach(p, &m->loop, on_served,
					    KF_PRODUCER_WATCH_CONNECT, errbuf,
					    sizeof(errbuf)),
			 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(kf_producer_send(p, "k", 1, "value", 5, 1,
						  NULL, &tags[i]),
				 0);
	run_until_reports(m, 3);
	assert_int_equal(m->failed, 0);
	assert_ptr_equal(m->last_opaque, &tags[2]);
	assert_true(m->served > 0);
	assert_int_equal(kf_producer_guard(p)->err, 0);
	assert_int_equal(kf_producer_outq(p), 0);
	kf_producer_close(p);
	uv_run(&m->loop, UV_RUN_DEFAULT);
	assert_int_equal(kf_producer_flush(p, 1000), 0);
	kf_producer_destroy(p);
}

/* Paced sends (opts.pace, kafka/pacer.h) to four partitions: every
 * message reported once with its own opaque, each key's delivered in the
 * order sent, whether it waited in the producer or not; a purge reports
 * what waits as purged, and a flush delivers it. */
struct paced {
	struct mock *m;
	int last[20];
	int out_of_order, purged;
};

static struct paced paced_seen;

static void on_paced_report(void *opaque, const rd_kafka_message_t *msg)
{
	struct paced *ps = opaque;
	int id = *(const int *)msg->_private;

	ps->m->reports++;
	ps->m->failed += msg->err != 0;
	ps->purged += msg->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
		      msg->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT;
	if (msg->err) /* a purge reports the waiting before the queued */
		return;
	if (id <= ps->last[id % 20])
		ps->out_of_order++;
	ps->last[id % 20] = id;
}

static void test_paced(void **state)
{
	enum {
		N = 3000
	};
	static int ids[3 * N + 1];
	static char value[512];
	struct mock *m = *state;
	struct paced *ps = &paced_seen;
	kf_producer_opts_t o;
	kf_producer_t *p;
	char key[16];
	int i, kl, waited;

	memset(ps, 0, sizeof(*ps));
	ps->m = m;
	for (i = 0; i < 20; i++)
		ps->last[i] = -1;
	assert_int_equal(rd_kafka_mock_topic_create(m->k.mc, "paced", 4, 1), 0);
	kf_producer_opts_init(&o, m->k.conf, "paced", 0);
	o.pace = 1;
	/* batches of about 30 records: most wait for their partition */
	o.batch_size = 16384;
	assert_int_equal(kf_producer_new(&o, on_paced_report, ps, &p, errbuf,
					 sizeof(errbuf)),
			 0);
	assert_int_equal(kf_producer_attach(p, &m->loop, NULL, 0, errbuf,
					    sizeof(errbuf)),
			 0);
	for (i = 0; i < 3 * N + 1; i++)
		ids[i] = i;
	/* the first, partitioned by librdkafka, tells the partition count */
	assert_int_equal(kf_producer_send_paced(p, "k00", 3, value,
						sizeof(value), &ids[0]),
			 0);
	run_until_reports(m, 1);
	for (i = 1; i <= N; i++) {
		kl = snprintf(key, sizeof(key), "k%02d", i % 20);
		assert_int_equal(kf_producer_send_paced(p, key, (size_t)kl,
							value, sizeof(value),
							&ids[i]),
				 0);
	}
	assert_int_equal(kf_producer_outq(p), N);
	assert_true(kf_producer_waiting(p) > N / 2);
	run_until_reports(m, N + 1);
	assert_int_equal(kf_producer_waiting(p), 0);
	assert_int_equal(m->failed, 0);
	assert_int_equal(ps->out_of_order, 0);
	assert_int_equal(kf_producer_outq(p), 0);

	/* purged at once: each reported once, what waited as purged (what
	 * librdkafka had may have been acknowledged in the meantime) */
	for (i = N + 1; i <= 2 * N; i++) {
		kl = snprintf(key, sizeof(key), "k%02d", i % 20);
		assert_int_equal(kf_producer_send_paced(p, key, (size_t)kl,
							value, sizeof(value),
							&ids[i]),
				 0);
	}
	waited = kf_producer_waiting(p);
	assert_true(waited > N / 2);
	kf_producer_purge(p);
	run_until_reports(m, 2 * N + 1);
	assert_true(ps->purged >= waited);
	assert_int_equal(m->failed, ps->purged);
	assert_int_equal(kf_producer_outq(p), 0);

	/* flushed: all delivered */
	for (i = 2 * N + 1; i <= 3 * N; i++) {
		kl = snprintf(key, sizeof(key), "k%02d", i % 20);
		assert_int_equal(kf_producer_send_paced(p, key, (size_t)kl,
							value, sizeof(value),
							&ids[i]),
				 0);
	}
	assert_true(kf_producer_waiting(p) > N / 2);
	assert_int_equal(kf_producer_flush(p, 10000), 0);
	assert_int_equal(kf_producer_waiting(p), 0);
	assert_int_equal(m->reports, 3 * N + 1);
	assert_int_equal(m->failed, ps->purged);
	assert_int_equal(ps->out_of_order, 0);
	kf_producer_close(p);
	uv_run(&m->loop, UV_RUN_DEFAULT);
	kf_producer_destroy(p);
}

static void test_refused_property(void **state)
{
	struct mock *m = *state;
	kf_producer_opts_t o;
	kf_producer_t *p = (kf_producer_t *)&o; /* must become NULL */

	kf_test_set(m->k.conf, "kafka.no.such.property", "1");
	kf_producer_opts_init(&o, m->k.conf, "files", 0);
	assert_int_equal(
		kf_producer_new(&o, on_report, m, &p, errbuf, sizeof(errbuf)),
		KF_EKAFKA);
	assert_null(p);
	assert_non_null(strstr(errbuf, "no.such.property"));
}

/* The values of partition 0 of topic, joined by commas. */
static void read_topic(struct mock *m, const char *topic, char *out, size_t cap)
{
	char hdrs[256];

	kf_test_mock_read(&m->k, topic, 1, "-", out, hdrs, cap);
}

static void test_transactions(void **state)
{
	struct mock *m = *state;
	kf_producer_opts_t o;
	kf_producer_t *p;
	char values[64];

	kf_producer_opts_init(&o, m->k.conf, "files", 0);
	o.transactional_id = "kferry-test";
	assert_int_equal(
		kf_producer_new(&o, on_report, m, &p, errbuf, sizeof(errbuf)),
		0);
	assert_int_equal(kf_producer_txn_init(p, 10000, errbuf, sizeof(errbuf)),
			 0);
	/* a transactional producer writes inside transactions only */
	assert_int_not_equal(kf_producer_send(p, "k", 1, "v", 1, 1, NULL, NULL),
			     0);
	assert_int_equal(kf_producer_txn_begin(p, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(kf_producer_send(p, "k", 1, "one", 3, 1, NULL, NULL),
			 0);
	assert_int_equal(kf_producer_send(p, "k", 1, "two", 3, 1, NULL, NULL),
			 0);
	assert_int_equal(
		kf_producer_txn_commit(p, 10000, errbuf, sizeof(errbuf)), 0);
	kf_producer_poll(p);
	assert_int_equal(m->reports, 2);
	assert_int_equal(m->failed, 0);
	/* an aborted transaction leaves the producer ready for the next */
	assert_int_equal(kf_producer_txn_begin(p, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(kf_producer_send(p, "k", 1, "three", 5, 1, NULL, NULL),
			 0);
	assert_int_equal(
		kf_producer_txn_abort(p, 10000, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(kf_producer_txn_begin(p, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(kf_producer_send(p, "k", 1, "four", 4, 1, NULL, NULL),
			 0);
	assert_int_equal(
		kf_producer_txn_commit(p, 10000, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(kf_producer_flush(p, 1000), 0);
	kf_producer_destroy(p);
	/* what was aborted is never read */
	read_topic(m, "files", values, sizeof(values));
	assert_string_equal(values, "one,two,four");
}

/* Without a transactional id the transactional calls are refused with
 * what librdkafka says, and the producer stays usable. */
static void test_txn_needs_id(void **state)
{
	struct mock *m = *state;
	kf_producer_opts_t o;
	kf_producer_t *p;

	kf_producer_opts_init(&o, m->k.conf, "files", 0);
	assert_int_equal(
		kf_producer_new(&o, on_report, m, &p, errbuf, sizeof(errbuf)),
		0);
	assert_int_equal(kf_producer_txn_init(p, 1000, errbuf, sizeof(errbuf)),
			 KF_EKAFKA);
	assert_non_null(strstr(errbuf, "topic files"));
	assert_int_equal(kf_producer_send(p, "k", 1, "v", 1, 1, NULL, NULL), 0);
	assert_int_equal(kf_producer_flush(p, 10000), 0);
	assert_int_equal(m->reports, 1);
	assert_int_equal(m->failed, 0);
	kf_producer_destroy(p);
}

/* One transaction over three topics named at send time, compressed by
 * librdkafka: all or nothing on each, reports for every record, and the
 * handles freed with the producer (LSan). */
static void test_send_to(void **state)
{
	struct mock *m = *state;
	kf_producer_opts_t o;
	kf_producer_t *p;
	char values[64];

	assert_int_equal(rd_kafka_mock_topic_create(m->k.mc, "rows", 1, 1), 0);
	assert_int_equal(rd_kafka_mock_topic_create(m->k.mc, "loads", 1, 1), 0);
	kf_producer_opts_init(&o, m->k.conf, "files", 0);
	o.transactional_id = "kferry-test-to";
	o.compression = "lz4";
	assert_int_equal(
		kf_producer_new(&o, on_report, m, &p, errbuf, sizeof(errbuf)),
		0);
	assert_int_equal(kf_producer_txn_init(p, 10000, errbuf, sizeof(errbuf)),
			 0);
	assert_int_equal(kf_producer_txn_begin(p, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(
		kf_producer_send_to(p, "rows", "k", 1, "r1", 2, 1, NULL, NULL),
		0);
	assert_int_equal(kf_producer_send_to(p, "loads", NULL, 0, "aborted", 7,
					     1, NULL, NULL),
			 0);
	assert_int_equal(
		kf_producer_txn_abort(p, 10000, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(kf_producer_txn_begin(p, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(
		kf_producer_send_to(p, "rows", "k", 1, "r2", 2, 1, NULL, NULL),
		0);
	assert_int_equal(
		kf_producer_send_to(p, "rows", "k", 1, "r3", 2, 1, NULL, NULL),
		0);
	/* the producer's own topic, by name or not */
	assert_int_equal(kf_producer_send_to(p, "files", NULL, 0, "f1", 2, 1,
					     NULL, NULL),
			 0);
	assert_int_equal(kf_producer_send_to(p, "loads", NULL, 0, "done", 4, 1,
					     NULL, NULL),
			 0);
	assert_int_equal(
		kf_producer_txn_commit(p, 10000, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(kf_producer_flush(p, 1000), 0);
	assert_int_equal(m->reports, 6);
	kf_producer_destroy(p);
	read_topic(m, "rows", values, sizeof(values));
	assert_string_equal(values, "r2,r3");
	read_topic(m, "loads", values, sizeof(values));
	assert_string_equal(values, "done");
	read_topic(m, "files", values, sizeof(values));
	assert_string_equal(values, "f1");
}

/* A compression librdkafka does not know is refused at creation. */
static void test_bad_compression(void **state)
{
	struct mock *m = *state;
	kf_producer_opts_t o;
	kf_producer_t *p;

	kf_producer_opts_init(&o, m->k.conf, "files", 0);
	assert_null(o.compression);
	o.compression = "brotli";
	assert_int_equal(
		kf_producer_new(&o, on_report, m, &p, errbuf, sizeof(errbuf)),
		KF_EKAFKA);
	assert_null(p);
	assert_non_null(strstr(errbuf, "compression"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_opts_from_conf, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reports_on_loop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_paced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_property, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_transactions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_txn_needs_id, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_send_to, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_compression, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
