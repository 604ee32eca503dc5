/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/obs/probe.c: the engines' hooks count what they are
 * told exactly once (files, bytes, chunks, failures, files in flight,
 * durations), and librdkafka's statistics of several clients add up into
 * the broker, byte and lag metrics and the /healthz answer; the capture's
 * hooks, and its endpoint on a thread of its own started and stopped.
 *
 * The registry is process-wide: the tests run in order in this one
 * process, each on its own topic, and read values back from the text
 * exposition.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kferry/kferry.h"
#include "obs/probe.h"

#include "kf_test.h"

/* The value of one sample line of the exposition ("NAME{LABELS}"), or -1
 * when it is absent. */
static double sample(const char *line)
{
	size_t len, n = strlen(line);
	char *text = kf_metrics_render(kf_probe_registry(), &len);
	const char *p;
	double v = -1;

	assert_non_null(text);
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, line, n) && p[n] == ' ') {
			v = strtod(p + n + 1, NULL);
			break;
		}
	free(text);
	return v;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define SENT(what, topic, route)                                               \
	"kferry_sent_" what "_total{topic=\"" topic "\",route=\"" route "\"}"

static void test_send_hooks(void **state)
{
	kf_probe_sfile_t a = {0}, b = {0}, never = {0};

	(void)state;
	kf_probe_send_begin(&a, "s", NULL);
	kf_probe_send_begin(&b, "s", "inbox");
	kf_probe_send_open(&a);
	kf_probe_send_open(&a); /* once */
	kf_probe_send_open(&b);
	assert_true(sample("kferry_files_in_flight{role=\"send\"}") == 2);
	kf_probe_send_chunk(&a, 1000);
	kf_probe_send_chunk(&a, 24);
	kf_probe_send_chunk(&b, 5);
	kf_probe_send_end(&a, 0, NULL);
	kf_probe_send_end(&a, 0, NULL); /* ended once */
	kf_probe_send_end(&b, KF_EKAFKA, NULL);
	/* hooks on a file never begun are no-ops */
	kf_probe_send_open(&never);
	kf_probe_send_chunk(&never, 1);
	kf_probe_send_end(&never, 0, NULL);
	assert_true(sample(SENT("files", "s", "send")) == 1);
	assert_true(sample(SENT("bytes", "s", "send")) == 1024);
	assert_true(sample(SENT("chunks", "s", "send")) == 2);
	assert_true(sample(SENT("files", "s", "inbox")) == 0);
	assert_true(sample(SENT("chunks", "s", "inbox")) == 1);
	assert_true(sample("kferry_send_failures_total{topic=\"s\",route="
			   "\"inbox\"}") == 1);
	assert_true(sample("kferry_send_failures_total{topic=\"s\",route="
			   "\"send\"}") == 0);
	assert_true(sample("kferry_files_in_flight{role=\"send\"}") == 0);
	/* only sent files are timed */
	assert_true(sample("kferry_send_duration_seconds_count{topic=\"s\","
			   "route=\"send\"}") == 1);
	assert_true(sample("kferry_send_duration_seconds_count{topic=\"s\","
			   "route=\"inbox\"}") == 0);
}

static void test_recv_hooks(void **state)
{
	kf_probe_xfer_t x[4] = {{0}};
	struct kf_audit_rec rec = {0};
	const char *const events[] = {"completed", "completed", "quarantined",
				      "failed"};
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		kf_probe_recv_open(&x[i], -1);
	assert_true(sample("kferry_files_in_flight{role=\"receive\"}") == 4);
	kf_probe_recv_chunk("r");
	kf_probe_recv_chunk("r");
	for (i = 0; i < 4; i++) {
		rec.event = events[i];
		rec.topic = "r";
		rec.size = 100 + (uint64_t)i;
		kf_probe_recv_close(&x[i]);
		kf_probe_recv_close(&x[i]); /* once */
		kf_probe_recv_end(&x[i], &rec);
	}
	assert_true(sample("kferry_files_in_flight{role=\"receive\"}") == 0);
	assert_true(sample("kferry_received_files_total{topic=\"r\"}") == 2);
	assert_true(sample("kferry_received_bytes_total{topic=\"r\"}") == 201);
	assert_true(sample("kferry_received_chunks_total{topic=\"r\"}") == 2);
	assert_true(sample("kferry_quarantined_files_total{topic=\"r\"}") == 1);
	assert_true(sample("kferry_abandoned_files_total{topic=\"r\"}") == 1);
	assert_true(sample("kferry_receive_duration_seconds_count{topic="
			   "\"r\"}") == 2);
	kf_probe_dead_letter("r");
	assert_true(sample("kferry_dead_letters_total{topic=\"r\"}") == 1);
}

/* The database sink: rows by table and op, refusals apart, batches and
 * their durations; nothing is counted for zero rows; load mismatches and
 * the lag per partition. */
static void test_sink_hooks(void **state)
{
	(void)state;
	kf_probe_sink_rows("orders", "upsert", 40);
	kf_probe_sink_rows("orders", "upsert", 2);
	kf_probe_sink_rows("orders", "delete", 3);
	kf_probe_sink_rows("orders", "insert", 0);
	kf_probe_sink_rows("orders", "refused", 5);
	kf_probe_sink_batch(0.25);
	kf_probe_sink_batch(0.5);
	assert_true(sample("kferry_sink_rows_total{table=\"orders\",op="
			   "\"upsert\"}") == 42);
	assert_true(sample("kferry_sink_rows_total{table=\"orders\",op="
			   "\"delete\"}") == 3);
	assert_true(sample("kferry_sink_rows_total{table=\"orders\",op="
			   "\"insert\"}") == -1);
	assert_true(sample("kferry_sink_rows_refused_total{table="
			   "\"orders\"}") == 5);
	assert_true(sample("kferry_sink_batches_total") == 2);
	assert_true(sample("kferry_sink_batch_seconds_count") == 2);
	kf_probe_sink_load_mismatch(1);
	kf_probe_sink_load_mismatch(2);
	assert_true(sample("kferry_sink_load_mismatch_total") == 3);
	kf_probe_sink_lag("orders", 3, 70);
	kf_probe_sink_lag("orders", 3, 0); /* a gauge */
	assert_true(sample("kferry_sink_lag{topic=\"orders\",partition="
			   "\"3\"}") == 0);
}

/* A commit's share is added once; the position and the lag are gauges
 * (the lag only from a commit that holds a source transaction). */
static void test_capture_hooks(void **state)
{
	char err[256];
	kf_probe_thread_t *t = (kf_probe_thread_t *)1;
	kf_conf_t *conf = kf_conf_new();

	(void)state;
	assert_non_null(conf);
	kf_probe_capture_commit(5, 2, 700, 4096, wall_ms() - 2000);
	kf_probe_capture_commit(3, 0, 300, 8192, 0); /* a snapshot chunk */
	assert_true(sample("kferry_capture_events_total") == 8);
	assert_true(sample("kferry_capture_transactions_total") == 2);
	assert_true(sample("kferry_capture_bytes_total") == 1000);
	assert_true(sample("kferry_capture_lsn") == 8192);
	assert_true(sample("kferry_capture_lag_seconds") >= 2);
	assert_true(sample("kferry_capture_lag_seconds") < 60);
	assert_true(sample("kferry_capture_commit_seconds_count") == 1);
	kf_probe_capture_slot(123456, 1000);
	assert_true(sample("kferry_capture_slot_retained_bytes") == 123456);
	assert_true(sample("kferry_capture_slot_warn_bytes") == 1000);
	/* nothing asked for: no thread */
	assert_int_equal(
		kf_probe_thread_start(conf, "capture", &t, err, sizeof(err)),
		0);
	assert_null(t);
	kf_probe_thread_stop(NULL);
	/* an endpoint on its own thread, stopped and joined */
	assert_int_equal(kf_conf_set(conf, "metrics.addr", "127.0.0.1:0", err,
				     sizeof(err)),
			 0);
	assert_int_equal(
		kf_probe_thread_start(conf, "capture", &t, err, sizeof(err)),
		0);
	assert_non_null(t);
	kf_probe_thread_stop(t);
	/* an address that cannot be listened on: refused, nothing left */
	assert_int_equal(kf_conf_set(conf, "metrics.addr", "256.0.0.1:1", err,
				     sizeof(err)),
			 0);
	assert_int_not_equal(
		kf_probe_thread_start(conf, "capture", &t, err, sizeof(err)),
		0);
	assert_null(t);
	kf_conf_destroy(conf);
}

static void stats(const char *json)
{
	kf_probe_rdkafka_stats(json, strlen(json));
}

/* Two clients that see the same broker differently: up if either is,
 * the slower round trip; byte totals add up; /healthz follows. */
static void test_statistics_and_health(void **state)
{
	char why[256];

	(void)state;
	assert_int_equal(kf_probe_health(why, sizeof(why)), 503);
	assert_non_null(strstr(why, "no librdkafka statistics yet"));
	stats("{\"name\":\"c1\",\"type\":\"consumer\",\"tx_bytes\":10,"
	      "\"rx_bytes\":100,\"msg_cnt\":0,\"brokers\":{\"k:1/1\":{"
	      "\"name\":\"k:1/1\",\"nodeid\":1,\"source\":\"learned\","
	      "\"state\":\"DOWN\",\"rtt\":{\"avg\":1000}}},"
	      "\"topics\":{\"r\":{\"partitions\":{\"0\":{\"partition\":0,"
	      "\"consumer_lag\":42}}}}}");
	assert_int_equal(kf_probe_health(why, sizeof(why)), 503);
	assert_string_equal(why, "no broker is up");
	assert_true(sample("kferry_broker_up{broker=\"k:1/1\"}") == 0);
	assert_true(sample("kferry_consumer_lag_messages{topic=\"r\","
			   "partition=\"0\"}") == 42);
	stats("{\"name\":\"p1\",\"type\":\"producer\",\"tx_bytes\":5,"
	      "\"rx_bytes\":1,\"msg_cnt\":3,\"brokers\":{\"k:1/1\":{"
	      "\"name\":\"k:1/1\",\"nodeid\":1,\"source\":\"learned\","
	      "\"state\":\"UP\",\"rtt\":{\"avg\":250000}}}}");
	assert_int_equal(kf_probe_health(why, sizeof(why)), 200);
	assert_string_equal(why, "ok");
	assert_true(sample("kferry_broker_up{broker=\"k:1/1\"}") == 1);
	assert_true(sample("kferry_rdkafka_broker_rtt_seconds{broker="
			   "\"k:1/1\"}") == 0.25);
	assert_true(sample("kferry_rdkafka_tx_bytes_total") == 15);
	assert_true(sample("kferry_rdkafka_rx_bytes_total") == 101);
	assert_true(sample("kferry_rdkafka_queued_messages") == 3);
	/* the same client again replaces what it said before */
	stats("{\"name\":\"c1\",\"type\":\"consumer\",\"tx_bytes\":20,"
	      "\"rx_bytes\":200,\"brokers\":{},\"topics\":{\"r\":{"
	      "\"partitions\":{\"0\":{\"partition\":0,\"consumer_lag\":0}}}}}");
	assert_true(sample("kferry_rdkafka_tx_bytes_total") == 25);
	assert_true(sample("kferry_consumer_lag_messages{topic=\"r\","
			   "partition=\"0\"}") == 0);
	/* malformed statistics change nothing */
	stats("{\"name\":\"c1\",\"tx_bytes\":");
	assert_true(sample("kferry_rdkafka_tx_bytes_total") == 25);
	kf_stop_request();
	assert_int_equal(kf_probe_health(why, sizeof(why)), 503);
	assert_string_equal(why, "stopping");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_hooks),
		cmocka_unit_test(test_recv_hooks),
		cmocka_unit_test(test_sink_hooks),
		cmocka_unit_test(test_capture_hooks),
		cmocka_unit_test(test_statistics_and_health),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
