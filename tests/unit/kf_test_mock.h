/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixtures shared by the unit tests that talk to librdkafka's mock
 * cluster (send, dead letters, the watch daemon): a cluster with the
 * topic "files" and a configuration that points at it, and the watch
 * daemon run on its own thread.
 *
 * Include after <cmocka.h>. Main thread only: everything
 * here may call fail_msg. Static inline, like kf_test.h: each test file
 * is its own executable.
 */
#ifndef KF_TEST_MOCK_H
#define KF_TEST_MOCK_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "kferry/kferry.h"

/* kf_conf_set that fails the test, naming the key, on a refused value. */
static inline void kf_test_set(kf_conf_t *conf, const char *k, const char *v)
{
	char err[256];

	if (kf_conf_set(conf, k, v, err, sizeof(err)))
		fail_msg("%s=%s: %s", k, v, err);
}

struct kf_test_mock {
	rd_kafka_t *rk; /* owns the mock cluster */
	rd_kafka_mock_cluster_t *mc;
	kf_conf_t *conf;
};

/* A one-broker mock cluster with the topic "files" of the given number of
 * partitions, and a new m->conf with its bootstrap, that topic and
 * log_level=error; the test adds its own keys, then calls kf_log_init.
 * Undone by kf_test_mock_close. */
static inline void kf_test_mock_open(struct kf_test_mock *m, int partitions)
{
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	char err[256];

	m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, rc, err, sizeof(err));
	if (!m->rk)
		fail_msg("rd_kafka_new: %s", err);
	m->mc = rd_kafka_mock_cluster_new(m->rk, 1);
	assert_non_null(m->mc);
	assert_int_equal(
		rd_kafka_mock_topic_create(m->mc, "files", partitions, 1), 0);
	m->conf = kf_conf_new();
	assert_non_null(m->conf);
	kf_test_set(m->conf, "bootstrap",
		    rd_kafka_mock_cluster_bootstraps(m->mc));
	kf_test_set(m->conf, "topic", "files");
	kf_test_set(m->conf, "log_level", "error");
	/* KF_TEST_DEBUG=recv,kafka: the debug log of a failing run */
	if (getenv("KF_TEST_DEBUG"))
		kf_test_set(m->conf, "debug", getenv("KF_TEST_DEBUG"));
}

static inline void kf_test_mock_close(struct kf_test_mock *m)
{
	kf_conf_destroy(m->conf);
	rd_kafka_mock_cluster_destroy(m->mc);
	rd_kafka_destroy(m->rk);
}

/* What a read_committed consumer reads of partitions 0 .. parts-1 of
 * topic, each to its end: the values joined by commas in partition then
 * offset order into vals, and each one's header named hdr (or "-") joined
 * likewise into hdrs (cap bytes each). */
static inline void kf_test_mock_read(struct kf_test_mock *m, const char *topic,
				     int parts, const char *hdr, char *vals,
				     char *hdrs, size_t cap)
{
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_message_t *msg;
	rd_kafka_t *c;
	char err[256];
	int i, eofs = 0;

	rd_kafka_conf_set(rc, "bootstrap.servers",
			  rd_kafka_mock_cluster_bootstraps(m->mc), NULL, 0);
	rd_kafka_conf_set(rc, "group.id", "test", NULL, 0);
	rd_kafka_conf_set(rc, "isolation.level", "read_committed", NULL, 0);
	rd_kafka_conf_set(rc, "enable.partition.eof", "true", NULL, 0);
	c = rd_kafka_new(RD_KAFKA_CONSUMER, rc, err, sizeof(err));
	assert_non_null(c);
	rd_kafka_poll_set_consumer(c);
	l = rd_kafka_topic_partition_list_new(parts);
	for (i = 0; i < parts; i++)
		rd_kafka_topic_partition_list_add(l, topic, i)->offset = 0;
	assert_int_equal(rd_kafka_assign(c, l), 0);
	rd_kafka_topic_partition_list_destroy(l);
	*vals = *hdrs = '\0';
	for (i = 0; i < 100 && eofs < parts; i++) {
		rd_kafka_headers_t *h;
		const void *v;
		size_t n;

		msg = rd_kafka_consumer_poll(c, 100);
		if (!msg)
			continue;
		if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
			eofs++;
		if (msg->err) {
			rd_kafka_message_destroy(msg);
			continue;
		}
		snprintf(vals + strlen(vals), cap - strlen(vals), "%s%.*s",
			 *vals ? "," : "", (int)msg->len,
			 (const char *)msg->payload);
		if (rd_kafka_message_headers(msg, &h) ||
		    rd_kafka_header_get_last(h, hdr, &v, &n))
			v = "-", n = 1;
		snprintf(hdrs + strlen(hdrs), cap - strlen(hdrs), "%s%.*s",
			 *hdrs ? "," : "", (int)n, (const char *)v);
		rd_kafka_message_destroy(msg);
	}
	rd_kafka_consumer_close(c);
	rd_kafka_destroy(c);
}

/* kf_watch on a thread of its own, stopped by kf_test_watch_stop. */
struct kf_test_watch {
	const kf_conf_t *conf;
	pthread_t th;
	int rc;
	char err[512];
};

static inline void *kf_test__watch_thread(void *arg)
{
	struct kf_test_watch *w = arg;

	w->rc = kf_watch(w->conf, NULL, NULL, w->err, sizeof(w->err));
	return NULL;
}

/* Sets up logging from conf and starts the daemon on it. */
static inline void kf_test_watch_start(struct kf_test_watch *w,
				       const kf_conf_t *conf)
{
	char err[256];

	w->conf = conf;
	if (kf_log_init(conf, 0, err, sizeof(err)))
		fail_msg("kf_log_init: %s", err);
	assert_int_equal(pthread_create(&w->th, NULL, kf_test__watch_thread, w),
			 0);
}

/* Asks the daemon to stop, waits for it and fails the test if kf_watch
 * failed. */
static inline void kf_test_watch_stop(struct kf_test_watch *w)
{
	kf_stop_request();
	assert_int_equal(pthread_join(w->th, NULL), 0);
	if (w->rc)
		fail_msg("kf_watch: %s", w->err);
}

#endif /* KF_TEST_MOCK_H */
