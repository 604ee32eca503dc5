/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-file loader (load/loader.h) against librdkafka's mock cluster,
 * with a record path of the test's own (each line "KEY,VALUE" is a row,
 * "!REASON" a rejected row, "FAIL" a structural failure of the file): a
 * file's rows, headers, dead letters and load record committed in one
 * transaction; a file past max_rejects leaves nothing visible but the
 * failure record and its sample (the mock cluster hides only what never
 * reached it: the real broker's part is tests/integration/); a structural failure aborts; a re-run
 * of a loaded file is skipped unless forced.
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

#include "kf_test.h"
#include "kf_test_mock.h"
#include "load/load.h"
#include "load/loader.h"
#include "record/schema.h"

static char errbuf[512];

/* ------------------------------------------------ the test's record path */

struct kf_recfile_s {
	kf_recfile_row_cb on_row;
	kf_recfile_reject_cb on_reject;
	void *opaque;
	kf_strbuf_t *const *out; /* the loader's: rows are rendered there */
	char line[256];
	size_t len;
	uint64_t offset, lineno, start;
	kf_recfile_counts_t c;
	char error[128];
};

static kf_recfile_t *fake_open(const kf_recfile_opts_t *o,
			       kf_recfile_row_cb on_row,
			       kf_recfile_reject_cb on_reject, void *opaque,
			       char *errstr, size_t errstr_size)
{
	kf_recfile_t *f = calloc(1, sizeof(*f));

	(void)errstr;
	(void)errstr_size;
	f->on_row = on_row;
	f->on_reject = on_reject;
	f->opaque = opaque;
	f->out = o->out;
	f->lineno = 1;
	return f;
}

static int fake_line(kf_recfile_t *f)
{
	const char *comma;
	kf_strbuf_t *out = *f->out;
	size_t at = out->len;
	int r;

	f->line[f->len] = '\0';
	f->c.read++;
	if (!strcmp(f->line, "FAIL")) {
		snprintf(f->error, sizeof(f->error), "line %llu: broken",
			 (unsigned long long)f->lineno);
		return KF_EINVAL;
	}
	if (f->line[0] == '!') {
		kf_recfile_reject_t rej = {.code = "type",
					   .field = "amount",
					   .reason = f->line + 1,
					   .raw = f->line,
					   .raw_len = f->len,
					   .raw_total = f->len,
					   .line = f->lineno,
					   .offset = f->start};

		f->c.rejected++;
		return f->on_reject(&rej, f->opaque);
	}
	comma = strchr(f->line, ',');
	/* key and value at the end of the loader's buffer, as the record
	 * path renders them */
	kf_strbuf_append(out, f->line, f->len);
	assert_false(out->failed);
	kf_recfile_row_t row = {.key = out->p + at,
				.key_len = (size_t)(comma - f->line),
				.value = out->p + at + (comma + 1 - f->line),
				.value_len = strlen(comma + 1),
				.line = f->lineno,
				.offset = f->start};
	f->c.emitted++;
	r = f->on_row(&row, f->opaque);
	return r;
}

static int fake_feed(kf_recfile_t *f, const void *buf, size_t len)
{
	const char *p = buf;
	size_t i;
	int r;

	for (i = 0; i < len; i++, f->offset++) {
		if (p[i] != '\n') {
			if (!f->len)
				f->start = f->offset;
			f->line[f->len++] = p[i];
			continue;
		}
		r = fake_line(f);
		f->len = 0;
		f->lineno++;
		if (r)
			return r;
	}
	f->c.bytes += len;
	return 0;
}

static int fake_finish(kf_recfile_t *f)
{
	return f->len ? fake_line(f) : 0;
}

static const char *fake_error(const kf_recfile_t *f)
{
	return f->error;
}

static void fake_counts(const kf_recfile_t *f, kf_recfile_counts_t *c)
{
	*c = f->c;
}

static void fake_destroy(kf_recfile_t *f)
{
	free(f);
}

static const kf_load_reader_ops_t fake_ops = {fake_open,   fake_feed,
					      fake_finish, fake_error,
					      fake_counts, fake_destroy};

/* --------------------------------------------------------------- fixture */

struct mock {
	struct kf_test_mock k;
	uv_loop_t loop;
	kf_load_opts_t o;
	kf_schema_t *schema; /* for messages only: the fake reader reads */
	char dir[PATH_MAX], path[PATH_MAX + 16];
	kf_load_file_t res;
	char error[1024];
	int done;
};

static const char kf__schema[] = "[schema]\nformat_version = 1\n"
				 "name = t.rows\nformat = csv\n"
				 "[column.v]\ntype = text\n";

static int setup(void **state)
{
	struct mock *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	kf_test_mock_open(&m->k, 1);
	assert_int_equal(rd_kafka_mock_topic_create(m->k.mc, "rows", 2, 1), 0);
	assert_int_equal(rd_kafka_mock_topic_create(m->k.mc, "loads", 1, 1), 0);
	assert_int_equal(rd_kafka_mock_topic_create(m->k.mc, "dlq", 1, 1), 0);
	assert_int_equal(kf_log_init(m->k.conf, 0, errbuf, sizeof(errbuf)), 0);
	uv_loop_init(&m->loop);
	m->o.conf = m->k.conf;
	m->o.topic = "rows";
	m->o.ledger_topic = "loads";
	m->o.dead_letter_topic = "dlq";
	m->o.max_rejects = 1;
	m->o.reject_sample = 10;
	m->o.txn_id_prefix = "kferry-test";
	m->o.transaction_timeout_s = 30;
	m->o.max_inflight_bytes = 1 << 20;
	m->o.linger_ms = 5;
	m->o.compression = "lz4";
	m->o.max_files_parallel = 1;
	m->o.reader = &fake_ops;
	assert_int_equal(kf_schema_parse(kf__schema, strlen(kf__schema), "t",
					 &m->schema, errbuf, sizeof(errbuf)),
			 0);
	m->o.schema = m->schema;
	assert_int_equal(kf_test_mkdtemp(m->dir, "load"), 0);
	kf_test_fmt(m->path, sizeof(m->path), "%s/in.csv", m->dir);
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	struct mock *m = *state;

	uv_run(&m->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&m->loop), 0);
	kf_test_rmtree(m->dir);
	kf_test_mock_close(&m->k);
	kf_schema_free(m->schema);
	free(m);
	return 0;
}

static void on_done(void *opaque, kf_loader_t *l, const kf_load_file_t *f)
{
	struct mock *m = opaque;

	(void)l;
	m->res = *f;
	snprintf(m->error, sizeof(m->error), "%s", f->error ? f->error : "");
	m->res.error = m->error;
	m->res.path = NULL;
	m->done = 1;
}

/* Loads m->path holding text; returns the outcome's state. */
static const char *load(struct mock *m, const char *text)
{
	kf_loader_t *l;

	assert_int_equal(kf_test_write_file(m->path, text, strlen(text), 0644),
			 0);
	m->done = 0;
	assert_int_equal(
		kf_loader_start(&m->loop, &m->o, m->path, on_done, m, &l), 0);
	uv_run(&m->loop, UV_RUN_DEFAULT);
	assert_true(m->done);
	if (m->res.err)
		print_message("load: %s\n", m->error);
	kf_loader_destroy(l);
	return m->res.state;
}

/* ----------------------------------------------------------------- tests */

static void test_done(void **state)
{
	struct mock *m = *state;
	char vals[4096], hdrs[4096];

	assert_string_equal(load(m, "a,one\nb,two\n!bad amount\nc,three"),
			    "done");
	assert_int_equal(m->res.err, 0);
	assert_int_equal(m->res.rows_read, 4);
	assert_int_equal(m->res.rows_published, 3);
	assert_int_equal(m->res.rows_rejected, 1);
	assert_int_equal(m->res.parts, 1);
	assert_int_equal(strlen(m->res.hash), 32);
	assert_int_equal(strlen(m->res.load_id), 32);
	assert_int_equal(m->res.size, 31);
	/* every row, with its offset and no line (record format 3); two
	 * partitions by key */
	kf_test_mock_read(&m->k, "rows", 2, "kferry.offset", vals, hdrs,
			  sizeof(vals));
	assert_int_equal(strlen(vals), strlen("one,two,three"));
	assert_int_equal(strlen(hdrs), strlen("0,6,24"));
	assert_non_null(strstr(hdrs, "24"));
	kf_test_mock_read(&m->k, "rows", 2, "kferry.line", vals, hdrs,
			  sizeof(vals));
	assert_string_equal(hdrs, "-,-,-");
	kf_test_mock_read(&m->k, "rows", 2, "kferry.load_id", vals, hdrs,
			  sizeof(vals));
	assert_non_null(strstr(hdrs, m->res.load_id));
	/* the reject, with its reason and coordinates */
	kf_test_mock_read(&m->k, "dlq", 1, "kferry.dlq.reason", vals, hdrs,
			  sizeof(vals));
	assert_string_equal(vals, "!bad amount");
	assert_string_equal(hdrs, "bad amount");
	kf_test_mock_read(&m->k, "dlq", 1, "kferry.offset", vals, hdrs,
			  sizeof(vals));
	assert_string_equal(hdrs, "12");
	kf_test_mock_read(&m->k, "dlq", 1, "kferry.line", vals, hdrs,
			  sizeof(vals));
	assert_string_equal(hdrs, "3");
	/* the load record, keyed by topic and hash */
	kf_test_mock_read(&m->k, "loads", 1, "-", vals, hdrs, sizeof(vals));
	assert_non_null(strstr(vals, "\"state\":\"done\""));
	assert_non_null(strstr(vals, "\"rows_read\":4,\"rows_published\":3,"
				     "\"rows_rejected\":1"));
	assert_non_null(strstr(vals, m->res.hash));
	assert_non_null(strstr(vals, "\"dead_letters\":[{\"p\":0,\"first\":0,"
				     "\"last\":0,\"n\":1}]"));
}

static void test_past_max_rejects(void **state)
{
	struct mock *m = *state;
	char vals[4096], hdrs[4096];

	assert_string_equal(load(m, "a,one\n!first\n!second\nb,two\n"),
			    "failed");
	assert_int_equal(m->res.err, KF_EINVAL);
	assert_non_null(strstr(m->res.error, "max_rejects: 2 rows rejected"));
	assert_non_null(strstr(m->res.error, "line 3"));
	assert_int_equal(m->res.rows_published, 0);
	/* nothing of the file is visible */
	kf_test_mock_read(&m->k, "rows", 2, "-", vals, hdrs, sizeof(vals));
	assert_string_equal(vals, "");
	/* but the failure record and the sample are */
	kf_test_mock_read(&m->k, "loads", 1, "-", vals, hdrs, sizeof(vals));
	assert_non_null(strstr(vals, "\"state\":\"rejected\""));
	assert_non_null(strstr(vals, "\"error\":\"max_rejects: 2"));
	assert_non_null(strstr(vals, "\"ranges\":[]"));
	assert_non_null(strstr(vals, "\"rows_published\":0,"));
	kf_test_mock_read(&m->k, "dlq", 1, "kferry.dlq.code", vals, hdrs,
			  sizeof(vals));
	assert_string_equal(vals, "!first");
	assert_string_equal(hdrs, "type");
}

static void test_no_dead_letter_topic(void **state)
{
	struct mock *m = *state;

	m->o.dead_letter_topic = NULL;
	m->o.max_rejects = 0;
	assert_string_equal(load(m, "a,one\n!no\n"), "failed");
	assert_non_null(strstr(m->res.error, "without load.dead_letter_topic"));
}

static void test_percent(void **state)
{
	struct mock *m = *state;
	char vals[4096], hdrs[4096];

	m->o.max_rejects = 30;
	m->o.max_rejects_pct = 1;
	/* 1 of 4 is 25% */
	assert_string_equal(load(m, "a,1\nb,2\n!x\nc,3\n"), "done");
	/* 2 of 5 is 40% */
	assert_string_equal(load(m, "a,1\nb,2\n!x\n!y\nc,3\n"), "failed");
	assert_non_null(strstr(m->res.error, "2 of 5 rows (40.0%) > 30%"));
	/* (the mock cluster does not hide aborted records that reached it:
	 * tests/integration/t_load_rejects.sh checks that on a broker) */
	kf_test_mock_read(&m->k, "loads", 1, "-", vals, hdrs, sizeof(vals));
	assert_non_null(strstr(vals, "\"state\":\"done\""));
	assert_non_null(strstr(vals, "\"state\":\"rejected\""));
}

static void test_structural_failure(void **state)
{
	struct mock *m = *state;
	char vals[4096], hdrs[4096];

	assert_string_equal(load(m, "a,one\nFAIL\nb,two\n"), "failed");
	assert_int_equal(m->res.err, KF_EINVAL);
	assert_non_null(strstr(m->res.error, "line 2: broken"));
	kf_test_mock_read(&m->k, "rows", 2, "-", vals, hdrs, sizeof(vals));
	assert_string_equal(vals, "");
	kf_test_mock_read(&m->k, "loads", 1, "-", vals, hdrs, sizeof(vals));
	assert_non_null(strstr(vals, "\"state\":\"rejected\""));
}

static void test_skip_and_force(void **state)
{
	struct mock *m = *state;
	char first[33], vals[4096], hdrs[4096];

	assert_string_equal(load(m, "a,one\n"), "done");
	memcpy(first, m->res.load_id, sizeof(first));
	assert_string_equal(load(m, "a,one\n"), "skipped");
	assert_string_equal(m->res.load_id, first);
	m->o.force = 1;
	assert_string_equal(load(m, "a,one\n"), "done");
	assert_string_not_equal(m->res.load_id, first);
	kf_test_mock_read(&m->k, "rows", 2, "-", vals, hdrs, sizeof(vals));
	assert_string_equal(vals, "one,one");
}

/* A ledger topic that does not exist holds no record: the file loads
 * (its load record then creates the topic where the cluster auto-creates
 * topics, as the mock cluster does). */
static void test_no_ledger_topic(void **state)
{
	struct mock *m = *state;
	char vals[4096], hdrs[4096];

	m->o.ledger_topic = "loads.new";
	assert_string_equal(load(m, "a,one\n"), "done");
	/* auto-created with the mock cluster's 4 partitions */
	kf_test_mock_read(&m->k, "loads.new", 4, "-", vals, hdrs, sizeof(vals));
	assert_non_null(strstr(vals, "\"state\":\"done\""));
}

/* A stop (SIGINT) before anything was committed: the transaction is
 * aborted and the file reported stopped. */
static void test_stop(void **state)
{
	struct mock *m = *state;
	kf_loader_t *l;

	assert_int_equal(kf_test_write_file(m->path, "a,1\n", 4, 0644), 0);
	assert_int_equal(
		kf_loader_start(&m->loop, &m->o, m->path, on_done, m, &l), 0);
	kf_loader_stop(l);
	uv_run(&m->loop, UV_RUN_DEFAULT);
	kf_loader_destroy(l);
	assert_string_equal(m->res.state, "failed");
	assert_int_equal(m->res.err, KF_ESTOPPED);
	assert_int_equal(m->res.rows_published, 0);
}

static size_t sniffed_len;
static int sniffed_whole;

static int fake_sniff(void *opaque, const void *sample, size_t len, int whole,
		      const char *path, kf_schema_t **out, char *errstr,
		      size_t errstr_size)
{
	static const char text[] = "[schema]\nformat_version = 1\n"
				   "name = t.sniffed\nformat = csv\n"
				   "[column.v]\ntype = text\n";

	(void)opaque;
	(void)sample;
	sniffed_len = len;
	sniffed_whole = whole;
	return kf_schema_parse(text, strlen(text), path, out, errstr,
			       errstr_size);
}

/* Without a schema, the file's own is made from its first sniff_bytes
 * (the whole of a small file), used for it, and named in its record. */
static void test_sniffed(void **state)
{
	struct mock *m = *state;
	char vals[4096], hdrs[4096];

	m->o.schema = NULL;
	m->o.sniff = fake_sniff;
	m->o.sniff_bytes = 4096;
	assert_string_equal(load(m, "a,one\nb,two\n"), "done");
	assert_int_equal(sniffed_len, 12);
	assert_true(sniffed_whole);
	kf_test_mock_read(&m->k, "loads", 1, "-", vals, hdrs, sizeof(vals));
	assert_non_null(strstr(vals, "\"schema\":\"t.sniffed\""));
	/* a sample shorter than the file is not the whole */
	m->o.sniff_bytes = 4;
	assert_string_equal(load(m, "c,three\n"), "done");
	assert_int_equal(sniffed_len, 4);
	assert_false(sniffed_whole);
}

static void test_missing_file(void **state)
{
	struct mock *m = *state;
	kf_loader_t *l;

	assert_int_equal(kf_loader_start(&m->loop, &m->o, "/nonexistent/x.csv",
					 on_done, m, &l),
			 0);
	uv_run(&m->loop, UV_RUN_DEFAULT);
	kf_loader_destroy(l);
	assert_string_equal(m->res.state, "failed");
	assert_int_equal(m->res.err, KF_EIO);
	assert_string_equal(m->res.error,
			    "cannot open: No such file or directory");
}

static void on_file(void *opaque, const kf_load_file_t *f)
{
	char *states = opaque;

	strcat(states, f->state);
	strcat(states, " ");
}

/* The one-shot run: files in order, one at a time, the outcomes summed;
 * a failed file makes the run fail after the others were loaded. */
static void test_run(void **state)
{
	struct mock *m = *state;
	char second[PATH_MAX + 16], states[256] = "";
	const char *paths[3];
	kf_load_stats_t st;

	kf_test_fmt(second, sizeof(second), "%s/second.csv", m->dir);
	assert_int_equal(kf_test_write_file(m->path, "a,1\nb,2\n", 8, 0644), 0);
	assert_int_equal(kf_test_write_file(second, "c,3\n!x\n", 7, 0644), 0);
	paths[0] = m->path;
	paths[1] = "/nonexistent/x.csv";
	paths[2] = second;
	assert_int_equal(kf_load_run(m->k.conf, &m->o, paths, 3, on_file, NULL,
				     states, &st, errbuf, sizeof(errbuf)),
			 KF_EIO);
	assert_string_equal(states, "done failed done ");
	assert_string_equal(errbuf, "1 of 3 files failed");
	assert_int_equal(st.files_total, 3);
	assert_int_equal(st.files_done, 2);
	assert_int_equal(st.files_failed, 1);
	assert_int_equal(st.rows_read, 4);
	assert_int_equal(st.rows_published, 3);
	assert_int_equal(st.rows_rejected, 1);
	assert_int_equal(st.bytes_total, 15);
	/* again: both loaded files are skipped */
	states[0] = '\0';
	paths[1] = second;
	assert_int_equal(kf_load_run(m->k.conf, &m->o, paths, 2, on_file, NULL,
				     states, &st, errbuf, sizeof(errbuf)),
			 0);
	assert_string_equal(states, "skipped skipped ");
	assert_int_equal(st.files_skipped, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_done, setup, teardown),
		cmocka_unit_test_setup_teardown(test_past_max_rejects, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_dead_letter_topic,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_percent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_structural_failure, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_skip_and_force, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sniffed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_ledger_topic, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
