/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/record/jsonl.c (the JSON-lines reader and dotted
 * member paths). Each case reads an input into a trace (one line per
 * callback) and compares it with what the case expects, then reads it
 * split at every byte boundary and byte by byte (kf_test_trace.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kf_test_reader.h"
#include "kf_test_trace.h"
#include "record/jsonl.h"

/* L<num>@<line>:<offset> [raw] t=<tokens> */
static int on_line(const kf_jsonl_line_t *l, void *opaque)
{
	struct kf_trace *t = opaque;

	assert_int_equal(l->toks[0].type, KF_J_OBJECT);
	tr_printf(t, "L%llu@%llu:%llu [", (unsigned long long)l->num,
		  (unsigned long long)l->line, (unsigned long long)l->offset);
	tr_bytes(t, l->raw, l->raw_len);
	tr_printf(t, "] t=%zu\n", l->ntok);
	return tr_stop(t);
}

/* E<code> <msg> [raw] (<total>) */
static int on_error(const kf_jsonl_error_t *e, void *opaque)
{
	struct kf_trace *t = opaque;

	tr_printf(t, "E%s %s [", e->code, e->msg);
	tr_bytes(t, e->raw, e->raw_len);
	tr_printf(t, "] (%llu)\n", (unsigned long long)e->raw_total);
	return tr_stop(t);
}

static void *rd_open(struct kf_trace *t, const void *arg)
{
	return kf_jsonl_new(*(const size_t *)arg, on_line, on_error, t);
}

KF_TEST_READER_CALLS(jsonl)

static const struct kf_trace_reader reader = {rd_open, rd_feed, rd_finish,
					      rd_close};

static void check_max(size_t max_line, const char *in, const char *want)
{
	kf_trace_check(&reader, &max_line, in, strlen(in), want);
}

static void check(const char *in, const char *want)
{
	check_max(0, in, want);
}

static void test_basic(void **state)
{
	(void)state;
	check("{\"a\":1}\n{\"b\":[1,2]}\n", "L1@1:0 [{\"a\":1}] t=3\n"
					    "L2@2:8 [{\"b\":[1,2]}] t=5\n");
	check("", "");
	check("\n\n", "");
}

static void test_line_ends(void **state)
{
	(void)state;
	/* CRLF, empty lines of either kind, no final newline */
	check("{\"a\":1}\r\n\r\n\n{\"b\":2}", "L1@1:0 [{\"a\":1}] t=3\n"
					      "L2@4:12 [{\"b\":2}] t=3\n");
	check("{\"a\":1}\r", "L1@1:0 [{\"a\":1}] t=3\n");
	/* a CR inside the line is JSON whitespace */
	check("{\"a\":\r1}\n", "L1@1:0 [{\"a\":\\r1}] t=3\n");
	/* a BOM at the file's start, not at a later line's */
	check("\xef\xbb\xbf{}\n\xef\xbb\xbf{}\n",
	      "L1@1:3 [{}] t=1\n"
	      "Ejson record 2 (line 2, byte 6): json: unexpected byte at byte "
	      "0 of the line [\xef\xbb\xbf{}] (5)\n");
}

static void test_not_json(void **state)
{
	(void)state;
	check("[1]\n\"x\"\n {\"a\":}\n{\"a\":1}\n",
	      "Ejson record 1 (line 1, byte 0): json: not an object at byte 0 "
	      "of the line [[1]] (3)\n"
	      "Ejson record 2 (line 2, byte 4): json: not an object at byte 0 "
	      "of the line [\"x\"] (3)\n"
	      "Ejson record 3 (line 3, byte 8): json: unexpected byte at byte "
	      "6 of the line [ {\"a\":}] (7)\n"
	      "L4@4:16 [{\"a\":1}] t=3\n");
	check(" \n{} {}\n{\"a\":\"\xff\"}",
	      "Ejson record 1 (line 1, byte 0): json: no value at byte 1 of "
	      "the line [ ] (1)\n"
	      "Ejson record 2 (line 2, byte 2): json: trailing bytes at byte 3 "
	      "of the line [{} {}] (5)\n"
	      "Ejson record 3 (line 3, byte 8): json: invalid UTF-8 at byte 6 "
	      "of the line [{\"a\":\"\xff\"}] (9)\n");
}

static void test_too_long(void **state)
{
	(void)state;
	/* 8 bytes fit, a CR is not counted, 9 do not; the reader goes on
	 * at the next line */
	check_max(8, "{\"a\":12}\r\n{\"a\":123}\n{\"a\":[1,\n{}\n{\"a\":1234}",
		  "L1@1:0 [{\"a\":12}] t=3\n"
		  "Etoo_long record 2 (line 2, byte 10): line of 9 bytes, over "
		  "the 8 allowed [{\"a\":123] (9)\n"
		  "Ejson record 3 (line 3, byte 20): json: unexpected end at "
		  "byte 8 of the line [{\"a\":[1,] (8)\n"
		  "L4@4:29 [{}] t=1\n"
		  "Etoo_long record 5 (line 5, byte 32): line of 10 bytes, "
		  "over the 8 allowed [{\"a\":123] (10)\n");
}

/* A line with more tokens than the reader's first token array. */
static void test_many_tokens(void **state)
{
	char in[1024], want[1200];
	size_t n = 0, i;

	(void)state;
	n += (size_t)sprintf(in + n, "{\"a\":[");
	for (i = 0; i < 300; i++)
		n += (size_t)sprintf(in + n, "%s%zu", i ? "," : "", i % 10);
	n += (size_t)sprintf(in + n, "]}");
	snprintf(want, sizeof(want), "L1@1:0 [%s] t=303\nL2@2:%zu [{}] t=1\n",
		 in, n + 1);
	in[n++] = '\n';
	strcpy(in + n, "{}");
	check(in, want);
}

static void test_stop(void **state)
{
	size_t max = 0;
	char *s;
	int rc;

	(void)state;
	s = kf_trace_read(&reader, &max, "{}\n[]\n{}\n", 9, 0, 0, 1, 2, &rc);
	assert_int_equal(rc, 7);
	assert_string_equal(s, "L1@1:0 [{}] t=1\n"
			       "Ejson record 2 (line 2, byte 3): json: not an "
			       "object at byte 0 of the line [[]] (2)\n");
	free(s);
}

/* <order_id> <customer.name> <customer.address.city> <customer.rrn>,
 * with - for an absent path and null for JSON null. */
static int on_order(const kf_jsonl_line_t *l, void *opaque)
{
	static const char *const paths[] = {"order_id", "customer.name",
					    "customer.address.city",
					    "customer.rrn"};
	struct kf_trace *t = opaque;
	char v[64];
	size_t i;
	int k;

	tr_printf(t, "%llu:", (unsigned long long)l->line);
	for (i = 0; i < 4; i++) {
		k = kf_jsonl_path(l->raw, l->toks, 0, paths[i]);
		if (k < 0)
			tr_add(t, " -", 2);
		else if (l->toks[k].type == KF_J_NULL)
			tr_add(t, " null", 5);
		else if (kf_json_string(l->raw, &l->toks[k], v, sizeof(v)) < 0)
			fail_msg("line %llu: %s", (unsigned long long)l->line,
				 paths[i]);
		else
			tr_printf(t, " %s", v);
	}
	tr_add(t, "\n", 1);
	return 0;
}

/* The committed orders.jsonl (tests/data/records/make.sh). */
static void test_orders_file(void **state)
{
	size_t len;
	char *data = kf_trace_data("orders.jsonl", &len);
	struct kf_trace t = {0};
	kf_jsonl_t *p = kf_jsonl_new(0, on_order, on_error, &t);

	(void)state;
	assert_non_null(p);
	assert_int_equal(kf_jsonl_feed(p, data, len), 0);
	assert_int_equal(kf_jsonl_finish(p), 0);
	kf_jsonl_destroy(p);
	free(data);
	assert_string_equal(
		t.s,
		"1: A-1 홍길동 서울 900101-1234567\n"
		"2: A-2 김똠이 - null\n"
		"3: A-3 홍길동 \"Hong\" 부산 -\n"
		"Ejson record 4 (line 5, byte 562): json: unexpected end at "
		"byte 58 of the line [{\"order_id\":\"A-4\",\"placed\":"
		"\"2026-12-02T12:00:00Z\",\"total\":] (58)\n"
		"6: A-5 이햏 - -\n");
	free(t.s);
}

static void test_path(void **state)
{
	static const char js[] =
		"{\"customer\":{\"address\":{\"city\":\"Seoul\"},\"id\":7},"
		"\"a.b\":{\"c\":1},\"list\":[1],\"n\":null,\"\":{\"x\":2}}";
	kf_jtok_t t[64];
	char err[128], out[16];
	size_t n;
	int k;

	(void)state;
	assert_int_equal(
		kf_json_tokenize(js, strlen(js), t, 64, &n, err, sizeof(err)),
		0);
	k = kf_jsonl_path(js, t, 0, "customer.address.city");
	assert_true(k > 0);
	assert_int_equal(kf_json_string(js, &t[k], out, sizeof(out)), 5);
	assert_string_equal(out, "Seoul");
	k = kf_jsonl_path(js, t, 0, "customer.id");
	assert_int_equal(t[k].type, KF_J_NUMBER);
	k = kf_jsonl_path(js, t, 0, "customer");
	assert_int_equal(t[k].type, KF_J_OBJECT);
	k = kf_jsonl_path(js, t, 0, "a\\.b.c");
	assert_int_equal(t[k].type, KF_J_NUMBER);
	k = kf_jsonl_path(js, t, 0, "n");
	assert_int_equal(t[k].type, KF_J_NULL);
	k = kf_jsonl_path(js, t, 0, ".x"); /* the member named "" */
	assert_int_equal(t[k].type, KF_J_NUMBER);
	assert_int_equal(kf_jsonl_path(js, t, 0, "a.b.c"), -1);
	assert_int_equal(kf_jsonl_path(js, t, 0, "customer.city"), -1);
	assert_int_equal(kf_jsonl_path(js, t, 0, "customer.id.x"), -1);
	assert_int_equal(kf_jsonl_path(js, t, 0, "list.0"), -1);
	assert_int_equal(kf_jsonl_path(js, t, 0, "n.x"), -1);
	assert_int_equal(kf_jsonl_path(js, t, 0, "customer."), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_many_tokens),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_orders_file),
		cmocka_unit_test(test_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
