/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/obs: the registry's text exposition (exact text of a
 * small registry, label and help escaping, histogram buckets, number
 * formatting, caps), the reader of librdkafka's statistics JSON (fields
 * kept, brokers filtered, malformed and hostile documents refused), and
 * the audit record format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kferry/kferry.h"
#include "obs/audit.h"
#include "obs/metrics.h"
#include "obs/rkstats.h"

#include "kf_test.h"

static char errbuf[512];

static void expect_text(kf_metrics_t *m, const char *want)
{
	size_t len;
	char *got = kf_metrics_render(m, &len);

	assert_non_null(got);
	assert_int_equal(len, strlen(got));
	if (strcmp(got, want))
		fail_msg("exposition differs:\n--- got\n%s--- want\n%s", got,
			 want);
	free(got);
}

static void test_empty(void **state)
{
	kf_metrics_t *m = kf_metrics_new();

	(void)state;
	expect_text(m, "");
	kf_metrics_destroy(m);
	kf_metrics_destroy(NULL);
}

static void test_counter_gauge(void **state)
{
	kf_metrics_t *m = kf_metrics_new();
	static const char *const tr[] = {"topic", "route", NULL};
	kf_mfamily_t *c, *g, *u;
	kf_mseries_t *a, *b;

	(void)state;
	c = kf_metrics_family(m, "kferry_sent_files_total", "Files sent",
			      KF_METRIC_COUNTER, tr, NULL, 0);
	g = kf_metrics_family(m, "kferry_files_in_flight", "Open now",
			      KF_METRIC_GAUGE,
			      (const char *const[]){"role", NULL}, NULL, 0);
	u = kf_metrics_family(m, "kferry_queued", "No labels", KF_METRIC_GAUGE,
			      NULL, NULL, 0);
	assert_non_null(c);
	assert_non_null(g);
	assert_non_null(u);
	a = kf_mfamily_series(c, (const char *const[]){"files", "cli"});
	b = kf_mfamily_series(c, (const char *const[]){"files", "other"});
	/* the same label values find the same series */
	assert_ptr_equal(
		a, kf_mfamily_series(c, (const char *const[]){"files", "cli"}));
	kf_mseries_add(a, 3);
	kf_mseries_add(a, 2);
	kf_mseries_add(b, 1);
	kf_mseries_add(b, -5); /* a counter never goes down */
	kf_mseries_add(kf_mfamily_series(g, (const char *const[]){"send"}), 2);
	kf_mseries_add(kf_mfamily_series(g, (const char *const[]){"send"}), -2);
	kf_mseries_set(kf_mfamily_series(g, (const char *const[]){"receive"}),
		       -1.5);
	kf_mseries_set(kf_mfamily_series(u, NULL), 1e21);
	assert_true(kf_mseries_value(a) == 5);
	/* NULL series: every update is a no-op */
	kf_mseries_add(NULL, 1);
	kf_mseries_set(NULL, 1);
	kf_mseries_observe(NULL, 1);
	assert_true(kf_mseries_value(NULL) == 0);
	expect_text(
		m,
		"# HELP kferry_sent_files_total Files sent\n"
		"# TYPE kferry_sent_files_total counter\n"
		"kferry_sent_files_total{topic=\"files\",route=\"cli\"} 5\n"
		"kferry_sent_files_total{topic=\"files\",route=\"other\"} 1\n"
		"# HELP kferry_files_in_flight Open now\n"
		"# TYPE kferry_files_in_flight gauge\n"
		"kferry_files_in_flight{role=\"send\"} 0\n"
		"kferry_files_in_flight{role=\"receive\"} -1.5\n"
		"# HELP kferry_queued No labels\n"
		"# TYPE kferry_queued gauge\n"
		"kferry_queued 1e+21\n");
	kf_metrics_destroy(m);
}

/* Label values escape \, " and newline; help text \ and newline. */
static void test_escaping(void **state)
{
	kf_metrics_t *m = kf_metrics_new();
	kf_mfamily_t *f;

	(void)state;
	f = kf_metrics_family(m, "x_total", "a \\ back\nslash \"q\"",
			      KF_METRIC_COUNTER,
			      (const char *const[]){"path", NULL}, NULL, 0);
	kf_mseries_add(
		kf_mfamily_series(f, (const char *const[]){"a\"b\\c\nd 한글"}),
		1);
	kf_mseries_add(kf_mfamily_series(f, (const char *const[]){NULL}), 1);
	expect_text(m, "# HELP x_total a \\\\ back\\nslash \"q\"\n"
		       "# TYPE x_total counter\n"
		       "x_total{path=\"a\\\"b\\\\c\\nd 한글\"} 1\n"
		       "x_total{path=\"\"} 1\n");
	kf_metrics_destroy(m);
}

static void test_histogram(void **state)
{
	kf_metrics_t *m = kf_metrics_new();
	static const double b[] = {0.005, 0.25, 1, 2.5};
	kf_mfamily_t *h;
	kf_mseries_t *s;

	(void)state;
	h = kf_metrics_family(m, "d_seconds", "Durations", KF_METRIC_HISTOGRAM,
			      (const char *const[]){"topic", NULL}, b, 4);
	assert_non_null(h);
	s = kf_mfamily_series(h, (const char *const[]){"t"});
	kf_mseries_observe(s, 0.005); /* on the bound: counted in it */
	kf_mseries_observe(s, 0.1);
	kf_mseries_observe(s, 2);
	kf_mseries_observe(s, 400); /* only in +Inf */
	kf_mseries_observe(s, NAN); /* ignored */
	expect_text(m, "# HELP d_seconds Durations\n"
		       "# TYPE d_seconds histogram\n"
		       "d_seconds_bucket{topic=\"t\",le=\"0.005\"} 1\n"
		       "d_seconds_bucket{topic=\"t\",le=\"0.25\"} 2\n"
		       "d_seconds_bucket{topic=\"t\",le=\"1\"} 2\n"
		       "d_seconds_bucket{topic=\"t\",le=\"2.5\"} 3\n"
		       "d_seconds_bucket{topic=\"t\",le=\"+Inf\"} 4\n"
		       "d_seconds_sum{topic=\"t\"} 402.105\n"
		       "d_seconds_count{topic=\"t\"} 4\n");
	kf_metrics_destroy(m);
}

/* Names, labels and buckets that would make invalid exposition are
 * refused; series past the cap are NULL, not memory. */
static void test_invalid_and_caps(void **state)
{
	kf_metrics_t *m = kf_metrics_new();
	static const double up[] = {1, 2}, down[] = {2, 1};
	kf_mfamily_t *f;
	char v[32];
	size_t i;

	(void)state;
	assert_null(kf_metrics_family(m, "9bad", "", KF_METRIC_GAUGE, NULL,
				      NULL, 0));
	assert_null(kf_metrics_family(m, "bad-name", "", KF_METRIC_GAUGE, NULL,
				      NULL, 0));
	assert_null(kf_metrics_family(m, "x", "", KF_METRIC_GAUGE,
				      (const char *const[]){"a:b", NULL}, NULL,
				      0));
	assert_null(kf_metrics_family(m, "x", "", KF_METRIC_HISTOGRAM,
				      (const char *const[]){"le", NULL}, up,
				      2));
	assert_null(kf_metrics_family(m, "x", "", KF_METRIC_HISTOGRAM, NULL,
				      down, 2));
	assert_null(kf_metrics_family(m, "x", "", KF_METRIC_HISTOGRAM, NULL,
				      NULL, 0));
	assert_null(
		kf_metrics_family(m, "x", "", KF_METRIC_COUNTER, NULL, up, 2));
	f = kf_metrics_family(m, "many", "", KF_METRIC_GAUGE,
			      (const char *const[]){"k", NULL}, NULL, 0);
	for (i = 0; i < KF_METRICS_MAX_SERIES; i++) {
		snprintf(v, sizeof(v), "%zu", i);
		assert_non_null(kf_mfamily_series(f, (const char *const[]){v}));
	}
	assert_null(kf_mfamily_series(f, (const char *const[]){"one more"}));
	/* an existing one is still found */
	assert_non_null(kf_mfamily_series(f, (const char *const[]){"7"}));
	kf_metrics_destroy(m);
}

/* ------------------------------------------------------------ rkstats */

/* Shaped like librdkafka 2.x statistics, trimmed. */
static const char kf__stats[] =
	"{ \"name\": \"rdkafka#consumer-1\", \"client_id\": \"rdkafka\","
	" \"type\": \"consumer\", \"ts\":123, \"msg_cnt\": 7,"
	" \"tx_bytes\": 1234, \"rx_bytes\": 1.5e6,"
	" \"brokers\": {"
	"  \"127.0.0.1:9092/bootstrap\": { \"name\": "
	"\"127.0.0.1:9092/bootstrap\","
	"    \"nodeid\": -1, \"source\": \"configured\", \"state\": \"UP\","
	"    \"rtt\": {\"avg\": 100} },"
	"  \"127.0.0.1:9092/1\": { \"name\": \"127.0.0.1:9092/1\", \"nodeid\": "
	"1,"
	"    \"source\": \"learned\", \"state\": \"UP\", \"toppars\": {},"
	"    \"rtt\": { \"min\": 10, \"avg\": 2500, \"max\": 9000 },"
	"    \"req\": {\"Fetch\": 3}, \"empty\": [] },"
	"  \"b\\\"2/2\": { \"name\": \"b\\\"2/2\", \"nodeid\": 2,"
	"    \"source\": \"learned\", \"state\": \"DOWN\", \"rtt\": {\"avg\": "
	"0} },"
	"  \"GroupCoordinator\": { \"name\": \"GroupCoordinator\", \"nodeid\": "
	"1,"
	"    \"source\": \"logical\", \"state\": \"UP\" },"
	"  \":0/internal\": { \"name\": \":0/internal\", \"nodeid\": -1,"
	"    \"source\": \"internal\", \"state\": \"UP\" } },"
	" \"topics\": { \"files\": { \"topic\": \"files\", \"partitions\": {"
	"    \"0\": { \"partition\": 0, \"consumer_lag\": 12, \"x\": "
	"[1,[2,{}]] },"
	"    \"1\": { \"partition\": 1, \"consumer_lag\": -1 },"
	"    \"-1\": { \"partition\": -1, \"consumer_lag\": 5 } } } },"
	" \"cgrp\": { \"state\": \"up\", \"ok\": true, \"n\": null } }";

static void test_rkstats(void **state)
{
	kf_rkstats_t *st = calloc(1, sizeof(*st));

	(void)state;
	assert_non_null(st);
	EXPECT_OK(kf_rkstats_parse(kf__stats, strlen(kf__stats), st, errbuf,
				   sizeof(errbuf)));
	assert_string_equal(st->name, "rdkafka#consumer-1");
	assert_string_equal(st->type, "consumer");
	assert_true(st->tx_bytes == 1234);
	assert_true(st->rx_bytes == 1.5e6);
	assert_true(st->msg_cnt == 7);
	assert_int_equal(st->nbrokers, 2);
	assert_string_equal(st->brokers[0].name, "127.0.0.1:9092/1");
	assert_int_equal(st->brokers[0].up, 1);
	assert_true(fabs(st->brokers[0].rtt_s - 0.0025) < 1e-12);
	assert_string_equal(st->brokers[1].name, "b\"2/2");
	assert_int_equal(st->brokers[1].up, 0);
	assert_int_equal(st->ntopics, 1);
	assert_string_equal(st->topics[0], "files");
	assert_int_equal(st->nlags, 1);
	assert_int_equal(st->lags[0].partition, 0);
	assert_int_equal(st->lags[0].lag, 12);
	free(st);
}

static void test_rkstats_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{",
		"{\"name\"",
		"{\"name\":}",
		"{\"tx_bytes\": 12x}",
		"{\"a\": tru}",
		"{\"a\": \"\\q\"}",
		"{\"a\": \"\\u12\"}",
		"{\"a\": 1,}",
		"{\"a\": 1 \"b\": 2}",
		"{\"brokers\": {\"x\": {\"name\": \"unterminated}}}",
	};
	kf_rkstats_t *st = calloc(1, sizeof(*st));
	char deep[200];
	size_t i;

	(void)state;
	assert_non_null(st);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERR(kf_rkstats_parse(bad[i], strlen(bad[i]), st, errbuf,
					    sizeof(errbuf)),
			   KF_EPROTO, "malformed");
	/* nesting beyond the limit is refused, not recursed into */
	memset(deep, '[', sizeof(deep));
	memcpy(deep, "{\"a\":", 5);
	EXPECT_ERR(kf_rkstats_parse(deep, sizeof(deep), st, errbuf,
				    sizeof(errbuf)),
		   KF_EPROTO, "malformed");
	/* the length bounds the read: no NUL needed, none read past */
	EXPECT_ERR(kf_rkstats_parse("{\"a\":1}", 6, st, errbuf, sizeof(errbuf)),
		   KF_EPROTO, "malformed");
	free(st);
}

/* More brokers and partitions than fit: the rest is left out. */
static void test_rkstats_caps(void **state)
{
	kf_rkstats_t *st = calloc(1, sizeof(*st));
	size_t cap = 1 << 20, o = 0, i;
	char *j = malloc(cap);

	(void)state;
	assert_non_null(st);
	assert_non_null(j);
	o += (size_t)snprintf(j + o, cap - o, "{\"brokers\":{");
	for (i = 0; i < KF_RKSTATS_MAX_BROKERS + 10; i++)
		o += (size_t)snprintf(
			j + o, cap - o,
			"%s\"b%zu\":{\"name\":\"b%zu\",\"nodeid\":%zu,"
			"\"state\":\"UP\"}",
			i ? "," : "", i, i, i);
	o += (size_t)snprintf(j + o, cap - o,
			      "},\"topics\":{\"t\":{\"partitions\":{");
	for (i = 0; i < KF_RKSTATS_MAX_LAGS + 10; i++)
		o += (size_t)snprintf(j + o, cap - o,
				      "%s\"%zu\":{\"partition\":%zu,"
				      "\"consumer_lag\":%zu}",
				      i ? "," : "", i, i, i);
	o += (size_t)snprintf(j + o, cap - o, "}}}}");
	EXPECT_OK(kf_rkstats_parse(j, o, st, errbuf, sizeof(errbuf)));
	assert_int_equal(st->nbrokers, KF_RKSTATS_MAX_BROKERS);
	assert_int_equal(st->nlags, KF_RKSTATS_MAX_LAGS);
	assert_int_equal(st->lags[KF_RKSTATS_MAX_LAGS - 1].lag,
			 KF_RKSTATS_MAX_LAGS - 1);
	free(j);
	free(st);
}

/* -------------------------------------------------------------- audit */

static void test_audit_format(void **state)
{
	static const uint8_t hash[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
					 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
					 0xcc, 0xdd, 0xee, 0xff};
	static const uint8_t xid[16] = {1, 2,  3,  4,  5,  6,  7,  8,
					9, 10, 11, 12, 13, 14, 15, 16};
	struct kf_audit_rec r = {0};
	char buf[KF_AUDIT_RECORD_MAX];
	size_t n;

	(void)state;
	r.event = "completed";
	r.outcome = "placed";
	r.path = "dir/a \"b\".txt";
	r.size = 1048579;
	r.hash = hash;
	r.origin = "sender-1";
	r.topic = "files";
	r.partition = 3;
	r.first_offset = 100;
	r.last_offset = 117;
	r.xid = xid;
	r.sent_ms = 1764481153123; /* 2025-11-30T05:39:13.123Z */
	r.received_ms = 1764481154005;
	r.done_ms = 1764481154999;
	r.receiver = "receiver-1";
	n = kf_audit_format(buf, sizeof(buf), &r);
	assert_int_equal(n, strlen(buf));
	assert_string_equal(
		buf, "{\"event\":\"completed\",\"outcome\":\"placed\","
		     "\"path\":\"dir/a \\\"b\\\".txt\",\"size\":1048579,"
		     "\"hash_alg\":\"xxh3-128\","
		     "\"hash\":\"00112233445566778899aabbccddeeff\","
		     "\"sender_host\":\"sender-1\",\"topic\":\"files\","
		     "\"partition\":3,\"first_offset\":100,\"last_offset\":117,"
		     "\"transfer_id\":\"0102030405060708090a0b0c0d0e0f10\","
		     "\"sent\":\"2025-11-30T05:39:13.123Z\","
		     "\"received\":\"2025-11-30T05:39:14.005Z\","
		     "\"placed\":\"2025-11-30T05:39:14.999Z\","
		     "\"receiver_host\":\"receiver-1\"}");

	/* a failure: no hash, no outcome, unknown times left out, an "ended"
	 * time and a reason */
	memset(&r, 0, sizeof(r));
	r.event = "quarantined";
	r.path = "x";
	r.topic = "files";
	r.first_offset = 5;
	r.last_offset = -1;
	r.xid = xid;
	r.sent_ms = -1;
	r.done_ms = 1764481154999;
	r.reason = "chunk 0: hash mismatch\n";
	n = kf_audit_format(buf, sizeof(buf), &r);
	assert_string_equal(
		buf, "{\"event\":\"quarantined\",\"path\":\"x\",\"size\":0,"
		     "\"topic\":\"files\",\"partition\":0,\"first_offset\":5,"
		     "\"transfer_id\":\"0102030405060708090a0b0c0d0e0f10\","
		     "\"ended\":\"2025-11-30T05:39:14.999Z\","
		     "\"reason\":\"chunk 0: hash mismatch\\u000a\"}");
	assert_int_equal(n, strlen(buf));

	/* the sending side: "acknowledged"; a file never produced has no
	 * partition or offsets */
	memset(&r, 0, sizeof(r));
	r.event = "sent";
	r.path = "p";
	r.size = 1;
	r.hash = hash;
	r.origin = "sender-1";
	r.topic = "files";
	r.partition = 1;
	r.first_offset = 7;
	r.last_offset = 8;
	r.sent_ms = 1764481153123;
	r.done_ms = 1764481154999;
	kf_audit_format(buf, sizeof(buf), &r);
	assert_non_null(strstr(buf, ",\"partition\":1,\"first_offset\":7,"
				    "\"last_offset\":8,"));
	assert_non_null(
		strstr(buf, ",\"acknowledged\":\"2025-11-30T05:39:14.999Z\""));
	r.event = "send_failed";
	r.hash = NULL;
	r.first_offset = r.last_offset = -1;
	r.reason = "open: No such file or directory";
	kf_audit_format(buf, sizeof(buf), &r);
	assert_string_equal(
		buf, "{\"event\":\"send_failed\",\"path\":\"p\",\"size\":1,"
		     "\"sender_host\":\"sender-1\",\"topic\":\"files\","
		     "\"sent\":\"2025-11-30T05:39:13.123Z\","
		     "\"ended\":\"2025-11-30T05:39:14.999Z\","
		     "\"reason\":\"open: No such file or directory\"}");
	/* too small a buffer: 0, never a cut record */
	assert_int_equal(kf_audit_format(buf, 20, &r), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_counter_gauge),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_invalid_and_caps),
		cmocka_unit_test(test_rkstats),
		cmocka_unit_test(test_rkstats_malformed),
		cmocka_unit_test(test_rkstats_caps),
		cmocka_unit_test(test_audit_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
