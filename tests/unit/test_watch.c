/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the watch daemon's pure parts: route matching (globs,
 * temp and marker suffixes), the finished decision, backoff, the
 * ledger (round trip, escapes, torn tail, damaged lines, compaction), and
 * the error directory (moves and .error texts).
 */
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "kf_test.h"
#include "kf_test_route.h"

#include "common/log.h"
#include "config/conf.h"
#include "core/path.h"
#include "watch/action.h"
#include "watch/ledger.h"
#include "watch/route.h"

static void test_route_globs(void **state)
{
	static const char *const kv[] = {
		"dir",	   "/in/",    "include", "*.csv, data/*.bin",
		"exclude", "secret*", NULL};
	kf_route_t *r = kf_test_route(kv);

	(void)state;
	assert_string_equal(r->dir, "/in");
	assert_string_equal(r->topic, "kferry.files");
	assert_string_equal(r->error_dir, "/in/.kferry/error");
	assert_true(kf_route_wants(r, "a.csv"));
	assert_true(kf_route_wants(r, "deep/er/a.csv"));
	assert_true(kf_route_wants(r, "data/x.bin"));
	assert_false(kf_route_wants(r, "data/sub/x.bin")); /* '/' is literal */
	assert_false(kf_route_wants(r, "x.bin"));
	assert_false(kf_route_wants(r, "secret.csv"));
	assert_false(kf_route_wants(r, "a.csv.tmp"));
	assert_false(kf_route_wants(r, "a.csv.part"));
	kf_route_unref(r);
}

static void test_route_marker_and_finished(void **state)
{
	static const char *const marker[] = {"dir", "/in", "finished", "marker",
					     NULL};
	static const char *const stable[] = {"dir", "/in", "stable_seconds",
					     "3", NULL};
	static const char *const ren[] = {"dir",    "/in",	     "finished",
					  "rename", "temp_suffixes", ".inc",
					  NULL};
	kf_route_t *r = kf_test_route(marker);

	(void)state;
	assert_true(kf_route_is_marker(r, "a.dat.done"));
	assert_false(kf_route_wants(r, "a.dat.ok"));
	assert_true(kf_route_wants(r, "a.dat"));
	assert_false(kf_route_finished(r, 1000, 0));
	assert_true(kf_route_finished(r, 0, 1));
	kf_route_unref(r);

	r = kf_test_route(stable);
	assert_true(kf_route_wants(r, "a.done")); /* not marker mode */
	assert_false(kf_route_finished(r, 2.9, 1));
	assert_true(kf_route_finished(r, 3, 0));
	kf_route_unref(r);

	r = kf_test_route(ren);
	assert_true(kf_route_finished(r, 0, 0));
	assert_false(kf_route_wants(r, "x.inc"));
	assert_true(kf_route_wants(r, "x.tmp"));
	kf_route_unref(r);
}

static void test_route_after_and_backoff(void **state)
{
	static const char *const kv[] = {
		"dir",		 "/in", "after", "move:/out/%Y/",
		"retry_backoff", "10",	NULL};
	kf_route_t *r = kf_test_route(kv);

	(void)state;
	assert_int_equal(r->after, KF_AFTER_MOVE);
	assert_string_equal(r->move_tmpl, "/out/%Y");
	assert_true(kf_route_backoff(r, 1) == 10);
	assert_true(kf_route_backoff(r, 3) == 40);
	assert_true(kf_route_backoff(r, 40) == 3600);
	kf_route_unref(r);
}

static void test_route_needs_absolute_dir(void **state)
{
	struct kf_conf_route rc = {.name = "x", .dir = "rel"};
	char err[256];

	(void)state;
	assert_null(kf_route_new(&rc, "t", err, sizeof(err)));
	assert_non_null(strstr(err, "route.x.dir: must be absolute"));
	rc.dir = NULL;
	assert_null(kf_route_new(&rc, "t", err, sizeof(err)));
	assert_non_null(strstr(err, "route.x.dir: not set"));
}

/* ------------------------------------------------------------- ledger */

static void test_ledger_round_trip(void **state)
{
	struct kf_ledger_rec in = {.route = "r-1",
				   .rel = "한글 dir/a%b\tc\nd",
				   .size = 123,
				   .mtime_ns = -5,
				   .ino = 77,
				   .sent_s = 1700000000};
	struct kf_ledger_rec out;
	char buf[KF_LEDGER_LINE_MAX];
	long n = kf_ledger_format(&in, buf, sizeof(buf));

	(void)state;
	assert_true(n > 0);
	assert_int_equal(buf[n - 1], '\n');
	assert_null(memchr(buf, '\n', (size_t)n - 1));
	buf[n - 1] = '\0';
	assert_int_equal(kf_ledger_parse(buf, &out), 0);
	assert_string_equal(out.route, "r-1");
	assert_string_equal(out.rel, in.rel);
	assert_int_equal(out.size, 123);
	assert_int_equal(out.mtime_ns, -5);
	assert_int_equal(out.ino, 77);
	assert_int_equal(out.sent_s, 1700000000);
	assert_int_equal(kf_ledger_format(&in, buf, 20), KF_ELIMIT);
}

static void test_ledger_checkpoint_records(void **state)
{
	struct kf_ledger_rec in = {.kind = KF_LEDGER_PROGRESS,
				   .route = "r",
				   .rel = "big dir/x\tz",
				   .size = 3u << 30,
				   .mtime_ns = 42,
				   .ino = 9,
				   .sent_s = 17,
				   .next_index = 1234,
				   .chunk_size = 1u << 20};
	struct kf_ledger_rec out;
	char buf[KF_LEDGER_LINE_MAX];
	long n;
	int i;

	(void)state;
	for (i = 0; i < 16; i++)
		in.xid[i] = (uint8_t)(0xf0 + i);
	n = kf_ledger_format(&in, buf, sizeof(buf));
	assert_true(n > 0);
	buf[n - 1] = '\0';
	assert_int_equal(kf_ledger_parse(buf, &out), 0);
	assert_int_equal(out.kind, KF_LEDGER_PROGRESS);
	assert_string_equal(out.rel, in.rel);
	assert_int_equal(out.size, in.size);
	assert_memory_equal(out.xid, in.xid, 16);
	assert_int_equal(out.next_index, 1234);
	assert_int_equal(out.chunk_size, 1u << 20);
	/* a P line cut to the S layout is damaged, not an S record */
	in.kind = KF_LEDGER_VOID;
	n = kf_ledger_format(&in, buf, sizeof(buf));
	buf[n - 1] = '\0';
	assert_int_equal(kf_ledger_parse(buf, &out), 0);
	assert_int_equal(out.kind, KF_LEDGER_VOID);
	assert_int_equal(out.next_index, 0);
	buf[0] = 'P'; /* checksum and layout no longer agree */
	assert_int_equal(kf_ledger_parse(buf, &out), KF_EPROTO);
	in.kind = 'Q';
	n = kf_ledger_format(&in, buf, sizeof(buf));
	buf[n - 1] = '\0';
	assert_int_equal(kf_ledger_parse(buf, &out), KF_EPROTO);
}

static void test_ledger_damaged_line(void **state)
{
	struct kf_ledger_rec in = {.route = "r", .rel = "a", .size = 1};
	struct kf_ledger_rec out;
	char buf[512];
	long n = kf_ledger_format(&in, buf, sizeof(buf));

	(void)state;
	buf[n - 1] = '\0';
	buf[4] = '9'; /* size 1 -> 9 */
	assert_int_equal(kf_ledger_parse(buf, &out), KF_EPROTO);
	assert_int_equal(kf_ledger_parse((char[]){"S\tr"}, &out), KF_EPROTO);
}

struct collect {
	int n;
	char rels[8][64];
	uint64_t sizes[8];
};

static void collect_each(void *opaque, const struct kf_ledger_rec *rec)
{
	struct collect *c = opaque;

	snprintf(c->rels[c->n], sizeof(c->rels[0]), "%s/%s", rec->route,
		 rec->rel);
	c->sizes[c->n++] = rec->size;
}

static int drop_b(void *opaque, const struct kf_ledger_rec *rec)
{
	(void)opaque;
	return strcmp(rec->rel, "b");
}

/* Appends from several threads at once share fdatasyncs (group commit);
 * every one of them must still be in the ledger, whole. */
#define APPENDERS 4
#define APPENDS 50

struct appender {
	kf_ledger_t *l;
	int id, failed;
};

static void *append_many(void *arg)
{
	struct appender *a = arg;
	char rel[32], err[256];
	int i;

	for (i = 0; i < APPENDS; i++) {
		struct kf_ledger_rec rec = {
			.route = "r", .rel = rel, .size = (uint64_t)i};

		snprintf(rel, sizeof(rel), "t%d/f%d", a->id, i);
		if (kf_ledger_append(a->l, &rec, err, sizeof(err)))
			a->failed++;
	}
	return NULL;
}

static void count_each(void *opaque, const struct kf_ledger_rec *rec)
{
	(void)rec;
	(*(int *)opaque)++;
}

static void test_ledger_concurrent_appends(void **state)
{
	struct appender a[APPENDERS];
	pthread_t t[APPENDERS];
	char dir[PATH_MAX], err[512];
	kf_ledger_t *l;
	int i, n = 0;

	(void)state;
	assert_int_equal(kf_test_mkdtemp(dir, "test_watch"), 0);
	l = kf_ledger_open(dir, NULL, NULL, NULL, err, sizeof(err));
	assert_non_null(l);
	for (i = 0; i < APPENDERS; i++) {
		a[i].l = l;
		a[i].id = i;
		a[i].failed = 0;
		assert_int_equal(
			pthread_create(&t[i], NULL, append_many, &a[i]), 0);
	}
	for (i = 0; i < APPENDERS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(a[i].failed, 0);
	}
	kf_ledger_close(l);
	l = kf_ledger_open(dir, NULL, count_each, &n, err, sizeof(err));
	assert_non_null(l);
	kf_ledger_close(l);
	assert_int_equal(n, APPENDERS * APPENDS);
	assert_int_equal(kf_test_rmtree(dir), 0);
}

static void test_ledger_compaction_and_torn_tail(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], err[512], line[512];
	struct kf_ledger_rec rec = {.route = "r", .rel = "a", .size = 1};
	struct collect c = {0};
	kf_ledger_t *l;
	size_t len = 0;
	char *text;
	FILE *f;

	(void)state;
	assert_int_equal(kf_test_mkdtemp(dir, "test_watch"), 0);
	l = kf_ledger_open(dir, NULL, NULL, NULL, err, sizeof(err));
	assert_non_null(l);
	/* a second daemon on the same state directory is refused */
	assert_null(kf_ledger_open(dir, NULL, NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "in use by another kferry watch"));
	assert_int_equal(kf_ledger_append(l, &rec, err, sizeof(err)), 0);
	rec.size = 2; /* a newer record of r/a */
	assert_int_equal(kf_ledger_append(l, &rec, err, sizeof(err)), 0);
	rec.rel = "b";
	assert_int_equal(kf_ledger_append(l, &rec, err, sizeof(err)), 0);
	rec.route = "s";
	rec.rel = "c";
	assert_int_equal(kf_ledger_append(l, &rec, err, sizeof(err)), 0);
	kf_ledger_close(l);

	/* a torn last record: half a line, no newline */
	snprintf(path, sizeof(path), "%s/%s", dir, KF_LEDGER_FILE);
	rec.rel = "torn";
	kf_ledger_format(&rec, line, sizeof(line));
	f = fopen(path, "a");
	assert_non_null(f);
	fwrite(line, 1, strlen(line) / 2, f);
	fclose(f);

	l = kf_ledger_open(dir, drop_b, collect_each, &c, err, sizeof(err));
	if (!l)
		fail_msg("%s", err);
	kf_ledger_close(l);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.rels[0], "r/a");
	assert_int_equal(c.sizes[0], 2);
	assert_string_equal(c.rels[1], "s/c");

	/* the compacted file holds the header and exactly those two */
	text = (char *)kf_test_read_file(path, &len);
	assert_non_null(text);
	assert_int_equal(strncmp(text, "kferry-ledger 1\n", 16), 0);
	assert_null(memmem(text, len, "torn", 4));
	assert_int_equal(text[len - 1], '\n');
	free(text);
	c.n = 0;
	l = kf_ledger_open(dir, NULL, collect_each, &c, err, sizeof(err));
	assert_non_null(l);
	kf_ledger_close(l);
	assert_int_equal(c.n, 2);
	assert_int_equal(kf_test_rmtree(dir), 0);
}

static void test_ledger_unknown_version(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], err[512];

	(void)state;
	assert_int_equal(kf_test_mkdtemp(dir, "test_watch"), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, KF_LEDGER_FILE);
	assert_int_equal(
		kf_test_write_file(path, "kferry-ledger 2\n", 16, 0600), 0);
	assert_null(kf_ledger_open(dir, NULL, NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "expected kferry-ledger 1"));
	assert_int_equal(kf_test_rmtree(dir), 0);
}

/* ------------------------------------------------------ error directory */

/* 1 if the file at path holds exactly want (a NUL-terminated string), or,
 * with prefix set, starts with it. */
static int file_is(const char *path, const char *want, int prefix)
{
	size_t n = 0, len = strlen(want);
	uint8_t *buf = kf_test_read_file(path, &n);
	int ok = buf && (prefix ? n >= len : n == len) &&
		 !memcmp(buf, want, len);

	free(buf);
	return ok;
}

static void test_action_quarantine(void **state)
{
	char dir[PATH_MAX], in[PATH_MAX + 8], p[PATH_MAX + 64];
	char msg[512], when[64], *text;
	const char *kv[] = {"dir", in, NULL};
	const struct kf_action_file xf = {.rel = "sub/x.bin"};
	const struct kf_action_file none = {.rel = "sub/none"};
	kf_route_t *r;
	size_t n = 0;

	(void)state;
	assert_int_equal(kf_test_mkdtemp(dir, "test_watch"), 0);
	snprintf(in, sizeof(in), "%s/in", dir);
	snprintf(p, sizeof(p), "%s/sub", in);
	assert_int_equal(kf_path_mkdir_p(p, 0755, 0), 0);
	r = kf_test_route(kv);

	snprintf(p, sizeof(p), "%s/sub/x.bin", in);
	assert_int_equal(kf_test_write_file(p, "first", 5, 0644), 0);
	assert_int_equal(kf_action_quarantine(r, &xf, "broker said no", 3, msg,
					      sizeof(msg)),
			 0);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/.kferry/error/sub/x.bin", in);
	assert_true(file_is(p, "first", 0));
	snprintf(p, sizeof(p), "%s/.kferry/error/sub/x.bin.error", in);
	assert_true(file_is(p, "file: sub/x.bin\nroute: t\nfailed: 20", 1));
	text = (char *)kf_test_read_file(p, &n);
	assert_non_null(text);
	text[n] = '\0';
	assert_non_null(
		strstr(text, "\nattempts: 3\nreason: broker said no\n"));
	assert_int_equal(sscanf(strstr(text, "failed: "), "failed: %63s", when),
			 1);
	assert_int_equal(strlen(when), 20); /* YYYY-MM-DDTHH:MM:SSZ */
	assert_int_equal(when[19], 'Z');
	free(text);

	/* the same name again: NAME.1 with NAME.1.error, the first pair kept */
	snprintf(p, sizeof(p), "%s/sub/x.bin", in);
	assert_int_equal(kf_test_write_file(p, "second", 6, 0644), 0);
	assert_int_equal(
		kf_action_quarantine(r, &xf, "again", 6, msg, sizeof(msg)), 0);
	snprintf(p, sizeof(p), "%s/.kferry/error/sub/x.bin.1", in);
	assert_true(file_is(p, "second", 0));
	snprintf(p, sizeof(p), "%s/.kferry/error/sub/x.bin.1.error", in);
	assert_true(file_is(p, "file: sub/x.bin\n", 1));
	snprintf(p, sizeof(p), "%s/.kferry/error/sub/x.bin", in);
	assert_true(file_is(p, "first", 0));
	snprintf(p, sizeof(p), "%s/.kferry/error/sub/x.bin.error", in);
	text = (char *)kf_test_read_file(p, &n);
	assert_non_null(text);
	text[n] = '\0';
	assert_non_null(strstr(text, "reason: broker said no\n"));
	free(text);

	/* a file that is gone cannot be moved: an error, nothing written */
	assert_true(kf_action_quarantine(r, &none, "x", 1, msg, sizeof(msg)) <
		    0);
	assert_non_null(strstr(msg, "cannot move"));
	snprintf(p, sizeof(p), "%s/.kferry/error/sub/none.error", in);
	assert_int_equal(access(p, F_OK), -1);

	kf_route_unref(r);
	assert_int_equal(kf_test_rmtree(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_globs),
		cmocka_unit_test(test_route_marker_and_finished),
		cmocka_unit_test(test_route_after_and_backoff),
		cmocka_unit_test(test_route_needs_absolute_dir),
		cmocka_unit_test(test_ledger_round_trip),
		cmocka_unit_test(test_ledger_checkpoint_records),
		cmocka_unit_test(test_ledger_concurrent_appends),
		cmocka_unit_test(test_ledger_damaged_line),
		cmocka_unit_test(test_ledger_compaction_and_torn_tail),
		cmocka_unit_test(test_ledger_unknown_version),
		cmocka_unit_test(test_action_quarantine),
	};

	kf__log_level = KF_LOG_ERR;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
