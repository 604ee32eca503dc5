/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dead letters against librdkafka's mock cluster: a dead letter carries
 * the original key, value and headers plus the kferry.dlq.* headers; its
 * source offset stays held until the broker acknowledged it, and stays
 * held for good (with an error) when the broker refuses it.
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

#include "api/recvopts.h"
#include "common/stop.h"
#include "kf_test_mock.h"
#include "recv/deadletter.h"

/* The dead-letter options the receiver gets from conf. */
static const kf_deadletter_opts_t *dl_opts(const kf_conf_t *conf)
{
	static kf_recv_opts_t o;

	kf_api_recv_opts(conf, &o);
	return &o.engine.dead_letters;
}

static char errbuf[512];

struct mock {
	struct kf_test_mock k;
	kf_offsets_t *offs;
	uv_loop_t loop;
	uv_timer_t timer;
};

static int setup(void **state)
{
	struct mock *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	kf_test_mock_open(&m->k, 1);
	assert_int_equal(rd_kafka_mock_topic_create(m->k.mc, "files.dlq", 1, 1),
			 0);
	kf_test_set(m->k.conf, "receive.dead_letter_topic", "files.dlq");
	kf_test_set(m->k.conf, "send.delivery_timeout_ms", "5000");
	assert_int_equal(kf_log_init(m->k.conf, 0, errbuf, sizeof(errbuf)), 0);
	m->offs = kf_offsets_new();
	assert_non_null(m->offs);
	uv_loop_init(&m->loop);
	uv_timer_init(&m->loop, &m->timer);
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	struct mock *m = *state;

	uv_close((uv_handle_t *)&m->timer, NULL);
	uv_run(&m->loop, UV_RUN_DEFAULT);
	uv_loop_close(&m->loop);
	kf_offsets_destroy(m->offs);
	kf_test_mock_close(&m->k);
	free(m);
	return 0;
}

/* Consumes the message of topic at offset 0 with a consumer of its own,
 * *cp: the caller destroys the message, then done(*cp). */
static rd_kafka_message_t *consume_one(struct mock *m, const char *topic,
				       rd_kafka_t **cp)
{
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_message_t *msg = NULL;
	rd_kafka_t *c;
	int i;

	rd_kafka_conf_set(rc, "bootstrap.servers",
			  rd_kafka_mock_cluster_bootstraps(m->k.mc), NULL, 0);
	rd_kafka_conf_set(rc, "group.id", "test", NULL, 0);
	c = rd_kafka_new(RD_KAFKA_CONSUMER, rc, errbuf, sizeof(errbuf));
	assert_non_null(c);
	rd_kafka_poll_set_consumer(c);
	l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, topic, 0)->offset = 0;
	assert_int_equal(rd_kafka_assign(c, l), 0);
	rd_kafka_topic_partition_list_destroy(l);
	for (i = 0; i < 100 && !msg; i++) {
		msg = rd_kafka_consumer_poll(c, 100);
		if (msg && msg->err) {
			rd_kafka_message_destroy(msg);
			msg = NULL;
		}
	}
	assert_non_null(msg);
	*cp = c;
	return msg;
}

/* librdkafka waits for a consumer's messages to be destroyed first. */
static void done(rd_kafka_t *c)
{
	rd_kafka_consumer_close(c);
	rd_kafka_destroy(c);
}

/* Produces the source message: a key, a value and one header. */
static void produce_source(struct mock *m)
{
	rd_kafka_headers_t *h = rd_kafka_headers_new(1);
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	rd_kafka_t *p;

	rd_kafka_conf_set(rc, "bootstrap.servers",
			  rd_kafka_mock_cluster_bootstraps(m->k.mc), NULL, 0);
	p = rd_kafka_new(RD_KAFKA_PRODUCER, rc, errbuf, sizeof(errbuf));
	assert_non_null(p);
	rd_kafka_header_add(h, "trace-id", -1, "abc", -1);
	assert_int_equal(
		rd_kafka_producev(p, RD_KAFKA_V_TOPIC("files"),
				  RD_KAFKA_V_KEY("dir/a.txt", 9),
				  RD_KAFKA_V_VALUE("junk!", 5),
				  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				  RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END),
		0);
	assert_int_equal(rd_kafka_flush(p, 10000), 0);
	rd_kafka_destroy(p);
}

static void stop_loop(uv_timer_t *t)
{
	uv_stop(t->loop);
}

static void on_timer(uv_timer_t *t)
{
	kf_deadletter_close(t->data);
}

/* Runs the loop until no dead letter is pending (10 s at most). */
static void run_until_settled(struct mock *m, kf_deadletter_t *d)
{
	int i;

	for (i = 0; i < 200 && kf_deadletter_pending(d); i++) {
		uv_timer_start(&m->timer, stop_loop, 50, 0);
		uv_run(&m->loop, UV_RUN_ONCE);
	}
	assert_false(kf_deadletter_pending(d));
	m->timer.data = d;
	uv_timer_start(&m->timer, on_timer, 0, 0);
	uv_run(&m->loop, UV_RUN_DEFAULT); /* closes the waker */
}

static const char *header(rd_kafka_message_t *msg, const char *name, char *buf,
			  size_t cap)
{
	rd_kafka_headers_t *h;
	const void *v;
	size_t n;

	if (rd_kafka_message_headers(msg, &h) ||
	    rd_kafka_header_get_last(h, name, &v, &n) || n >= cap)
		return NULL;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return buf;
}

static void test_forward_then_release(void **state)
{
	struct mock *m = *state;
	rd_kafka_message_t *src, *dl;
	rd_kafka_t *c1, *c2;
	kf_deadletter_t *d;
	char v[256];

	produce_source(m);
	src = consume_one(m, "files", &c1);
	assert_int_equal(kf_deadletter_new(&m->loop, dl_opts(m->k.conf),
					   m->offs, NULL, NULL, &d, errbuf,
					   sizeof(errbuf)),
			 0);
	assert_non_null(d);
	kf_offsets_consumed(m->offs, 0, src->offset);
	kf_deadletter_forward(d, src, "not a kferry frame: test");
	/* held at the message until the dead letter is acknowledged */
	assert_int_equal(kf_offsets_position(m->offs, 0), src->offset);
	assert_true(kf_deadletter_pending(d));
	run_until_settled(m, d);
	assert_int_equal(kf_offsets_position(m->offs, 0), src->offset + 1);
	assert_int_equal(kf_deadletter_count(d), 1);
	assert_int_equal(kf_deadletter_error(d, errbuf, sizeof(errbuf)), 0);
	kf_deadletter_destroy(d);

	dl = consume_one(m, "files.dlq", &c2);
	assert_int_equal(dl->key_len, 9);
	assert_memory_equal(dl->key, "dir/a.txt", 9);
	assert_int_equal(dl->len, 5);
	assert_memory_equal(dl->payload, "junk!", 5);
	assert_string_equal(header(dl, "trace-id", v, sizeof(v)), "abc");
	assert_string_equal(header(dl, "kferry.dlq.reason", v, sizeof(v)),
			    "not a kferry frame: test");
	assert_string_equal(header(dl, "kferry.dlq.kind", v, sizeof(v)),
			    "message");
	assert_string_equal(header(dl, "kferry.dlq.topic", v, sizeof(v)),
			    "files");
	assert_string_equal(header(dl, "kferry.dlq.partition", v, sizeof(v)),
			    "0");
	assert_string_equal(header(dl, "kferry.dlq.offset", v, sizeof(v)), "0");
	assert_non_null(header(dl, "kferry.dlq.timestamp", v, sizeof(v)));
	rd_kafka_message_destroy(dl);
	rd_kafka_message_destroy(src);
	done(c2);
	done(c1);
}

static void test_same_topic_refused(void **state)
{
	struct mock *m = *state;
	kf_deadletter_t *d;

	kf_test_set(m->k.conf, "receive.dead_letter_topic", "files");
	errbuf[0] = '\0';
	assert_int_equal(kf_deadletter_new(&m->loop, dl_opts(m->k.conf),
					   m->offs, NULL, NULL, &d, errbuf,
					   sizeof(errbuf)),
			 KF_EINVAL);
	assert_null(d);
	assert_non_null(strstr(errbuf, "name another topic"));
	/* unset: off, and every call is a no-op on NULL */
	kf_test_set(m->k.conf, "receive.dead_letter_topic", "");
	assert_int_equal(kf_deadletter_new(&m->loop, dl_opts(m->k.conf),
					   m->offs, NULL, NULL, &d, errbuf,
					   sizeof(errbuf)),
			 0);
	assert_null(d);
	assert_true(kf_deadletter_room(d));
	assert_false(kf_deadletter_pending(d));
}

/* A partition revoked while its dead letter waits comes back, and a
 * re-read MANIFEST holds the same offset: the old dead letter's
 * acknowledgement must not release that new hold. */
static void test_forgotten_hold_not_released(void **state)
{
	struct mock *m = *state;
	kf_deadletter_t *d;

	assert_int_equal(kf_deadletter_new(&m->loop, dl_opts(m->k.conf),
					   m->offs, NULL, NULL, &d, errbuf,
					   sizeof(errbuf)),
			 0);
	kf_offsets_consumed(m->offs, 0, 7);
	kf_deadletter_quarantined(d, 0, 7, "q", 1, "frame", 5, "quarantined");
	assert_int_equal(kf_offsets_position(m->offs, 0), 7);
	/* revoked (kf__revoke), assigned again, offset 7 re-read */
	kf_offsets_forget(m->offs, 0);
	kf_deadletter_forget(d, 0);
	kf_offsets_consumed(m->offs, 0, 9);
	assert_int_equal(kf_offsets_hold(m->offs, 0, 7), 0);
	assert_true(kf_deadletter_pending(d));
	run_until_settled(m, d);
	assert_int_equal(kf_deadletter_count(d), 1);
	/* still held by the transfer, and released by it alone */
	assert_int_equal(kf_offsets_position(m->offs, 0), 7);
	kf_offsets_release(m->offs, 0, 7);
	assert_int_equal(kf_offsets_position(m->offs, 0), 10);
	kf_deadletter_forget(NULL, 0);
	kf_deadletter_destroy(d);
}

/* Last: a refused dead letter raises the process's stop flag. */
static void test_refused_stays_held(void **state)
{
	struct mock *m = *state;
	rd_kafka_message_t *src;
	kf_deadletter_t *d;
	rd_kafka_t *c;

	produce_source(m);
	src = consume_one(m, "files", &c);
	rd_kafka_mock_topic_set_error(
		m->k.mc, "files.dlq",
		RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
	assert_int_equal(kf_deadletter_new(&m->loop, dl_opts(m->k.conf),
					   m->offs, NULL, NULL, &d, errbuf,
					   sizeof(errbuf)),
			 0);
	kf_offsets_consumed(m->offs, 0, src->offset);
	kf_deadletter_forward(d, src, "frame of an unknown transfer");
	run_until_settled(m, d);
	assert_int_equal(kf_offsets_position(m->offs, 0), src->offset);
	assert_int_equal(kf_deadletter_count(d), 0);
	assert_int_equal(kf_deadletter_error(d, errbuf, sizeof(errbuf)),
			 KF_EKAFKA);
	assert_non_null(strstr(errbuf, "offset uncommitted"));
	assert_true(kf_stop_requested());
	kf_deadletter_destroy(d);
	rd_kafka_message_destroy(src);
	done(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forward_then_release,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_topic_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_forgotten_hold_not_released, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_stays_held, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
