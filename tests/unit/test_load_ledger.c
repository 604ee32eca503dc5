/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The load record (load/ledger.h, docs/records.md 3.3): rendered as the
 * page shows it, with file names escaped; read back by state; a record
 * of a newer version is not acted on; hostile values are refused; the
 * checkpoint of a split file (3.4) read back whole, and refused when it
 * does not hold together; the ledger key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/ledger.h"

static char errbuf[256];

static void test_format(void **state)
{
	kf_load_range_t ranges[] = {{0, 0, 333331, 333332}, {2, 5, 9, 3}};
	kf_load_range_t dead[] = {{0, 17, 18, 2}};
	kf_load_rec_t r = {.state = "done",
			   .load_id = "5f0c2a9e7b1d4c3a8e6f0b2d4a6c8e90",
			   .topic = "kferry.settlements",
			   .file = "in/s\xc3\xa9t\"\xff.csv",
			   .hash = "3f1d9a0c5b7e2d4f6a8c0e1b3d5f7a9c",
			   .schema = "kferry.settlement",
			   .schema_version = 1,
			   .host = "batch01",
			   .size = 118000217,
			   .mtime_ns = 1796171000000000000,
			   .started_ms = 1796171462114,
			   .finished_ms = 1796171464526,
			   .rows_read = 333337,
			   .rows_published = 333335,
			   .rows_rejected = 2,
			   .parts = 1,
			   .ranges = ranges,
			   .nranges = 2,
			   .dead = dead,
			   .ndead = 1};
	char *js;
	size_t len;
	(void)state;

	assert_int_equal(kf_load_rec_format(&r, &js, &len), 0);
	assert_int_equal(strlen(js), len);
	assert_string_equal(
		js,
		"{\"v\":1,\"kind\":\"load\",\"record\":3,\"state\":\"done\","
		"\"load_id\":"
		"\"5f0c2a9e7b1d4c3a8e6f0b2d4a6c8e90\",\"topic\":\"kferry."
		"settlements\",\"file\":\"in/s\xc3\xa9t\\\"\\u00ff.csv\","
		"\"size\":118000217,\"hash\":\"3f1d9a0c5b7e2d4f6a8c0e1b3d5f7a9c"
		"\",\"mtime_ns\":1796171000000000000,\"schema\":\"kferry."
		"settlement\",\"schema_version\":1,\"host\":\"batch01\","
		"\"started\":\"2026-12-02T00:31:02.114Z\",\"finished\":\"2026-"
		"12-02T00:31:04.526Z\",\"rows_read\":333337,\"rows_published\":"
		"333335,\"rows_rejected\":2,\"rows_filtered\":0,\"parts\":1,"
		"\"ranges\":[{\"p\":0,\"first\":0,\"last\":333331,\"n\":333332}"
		","
		"{\"p\":2,\"first\":5,\"last\":9,\"n\":3}],\"dead_letters\":[{"
		"\"p\":0,\"first\":17,\"last\":18,\"n\":2}]}");
	free(js);
}

static void test_parse(void **state)
{
	kf_load_rec_t r = {.state = "rejected",
			   .load_id = "00112233445566778899aabbccddeeff",
			   .topic = "t",
			   .file = "f",
			   .hash = "00",
			   .host = "h",
			   .error = "max_rejects: 3 > 2"};
	kf_load_entry_t e;
	char *js;
	size_t len;
	(void)state;

	assert_int_equal(kf_load_rec_format(&r, &js, &len), 0);
	assert_non_null(strstr(js, ",\"error\":\"max_rejects: 3 > 2\"}"));
	assert_int_equal(kf_load_rec_parse(js, len, &e, errbuf, sizeof(errbuf)),
			 0);
	assert_int_equal(e.state, KF_LOAD_REJECTED);
	assert_int_equal(e.v, 1);
	assert_string_equal(e.load_id, "00112233445566778899aabbccddeeff");
	free(js);
#define PARSE(s) kf_load_rec_parse(s, strlen(s), &e, errbuf, sizeof(errbuf))
	assert_int_equal(PARSE("{\"v\":1,\"state\":\"done\"}"), 0);
	assert_int_equal(e.state, KF_LOAD_DONE);
	assert_string_equal(e.load_id, "");
	assert_int_equal(PARSE("{\"state\":\"partial\",\"v\":1}"), 0);
	assert_int_equal(e.state, KF_LOAD_PARTIAL);
	/* a newer writer: not ours to act on, whatever its state says */
	assert_int_equal(PARSE("{\"v\":2,\"state\":\"done\"}"), 0);
	assert_int_equal(e.state, KF_LOAD_UNKNOWN);
	assert_int_equal(e.v, 2);
	assert_int_equal(PARSE("{\"v\":1,\"state\":\"sideways\"}"), 0);
	assert_int_equal(e.state, KF_LOAD_UNKNOWN);
	/* refused */
	assert_int_equal(PARSE("{\"v\":1}"), KF_EPROTO);
	assert_non_null(strstr(errbuf, "state"));
	assert_int_equal(PARSE("{\"state\":\"done\"}"), KF_EPROTO);
	assert_int_equal(PARSE("[1]"), KF_EPROTO);
	assert_int_equal(PARSE("{\"v\":1,\"state\":\"done\""), KF_EPROTO);
	assert_int_equal(PARSE("{\"v\":\"1\",\"state\":\"done\"}"), KF_EPROTO);
	assert_int_equal(PARSE("{\"v\":1,\"state\":\"done\"} x"), KF_EPROTO);
#undef PARSE
}

static int same_ranges(const kf_load_range_t *a, const kf_load_range_t *b,
		       size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i].p != b[i].p || a[i].first != b[i].first ||
		    a[i].last != b[i].last || a[i].n != b[i].n)
			return 0;
	return 1;
}

static void test_checkpoint(void **state)
{
	kf_load_range_t ranges[] = {{0, 10, 20, 9}, {3, 0, 4, 5}};
	kf_load_range_t dead[] = {{0, 2, 2, 1}};
	kf_load_rec_t r = {.state = "partial",
			   .load_id = "00112233445566778899aabbccddeeff",
			   .topic = "t",
			   .file = "f",
			   .hash = "00",
			   .host = "h",
			   .rows_read = 15,
			   .rows_published = 14,
			   .rows_rejected = 1,
			   .parts = 2,
			   .next_record = 16,
			   .last_line = 16,
			   .last_offset = 431,
			   .ranges = ranges,
			   .nranges = 2,
			   .dead = dead,
			   .ndead = 1};
	kf_load_ckpt_t ck;
	char *js;
	size_t len;
	(void)state;

	assert_int_equal(kf_load_rec_format(&r, &js, &len), 0);
	assert_non_null(strstr(js, ",\"parts\":2,\"next_record\":16,"
				   "\"last_line\":16,\"last_offset\":431,"));
	assert_int_equal(
		kf_load_ckpt_parse(js, len, &ck, errbuf, sizeof(errbuf)), 0);
	free(js);
	assert_int_equal(ck.e.state, KF_LOAD_PARTIAL);
	assert_true(ck.e.ckpt);
	assert_string_equal(ck.e.load_id, "00112233445566778899aabbccddeeff");
	assert_int_equal(ck.next_record, 16);
	assert_int_equal(ck.last_line, 16);
	assert_int_equal(ck.last_offset, 431);
	assert_int_equal(ck.rows_published, 14);
	assert_int_equal(ck.rows_rejected, 1);
	assert_int_equal(ck.parts, 2);
	assert_int_equal(ck.nranges, 2);
	assert_true(same_ranges(ck.ranges, ranges, 2));
	assert_int_equal(ck.ndead, 1);
	assert_true(same_ranges(ck.dead, dead, 1));
	kf_load_ckpt_clear(&ck);
	assert_null(ck.ranges);

	/* a done record has no checkpoint: only its entry */
	r.state = "done";
	r.next_record = 0;
	assert_int_equal(kf_load_rec_format(&r, &js, &len), 0);
	assert_null(strstr(js, "next_record"));
	assert_int_equal(
		kf_load_ckpt_parse(js, len, &ck, errbuf, sizeof(errbuf)), 0);
	free(js);
	assert_int_equal(ck.e.state, KF_LOAD_DONE);
	assert_false(ck.e.ckpt);
	assert_null(ck.ranges);
	kf_load_ckpt_clear(&ck);
}

/* A checkpoint is the ledger's word on what is already published: one
 * that does not add up is refused rather than resumed from. */
static void test_checkpoint_hostile(void **state)
{
	static const char *const bad[] = {
		/* ranges count 5 rows, 6 published */
		"\"rows_published\":6,\"ranges\":[{\"p\":0,\"first\":0,"
		"\"last\":4,\"n\":5}]",
		/* more rows than offsets */
		"\"rows_published\":6,\"ranges\":[{\"p\":0,\"first\":0,"
		"\"last\":4,\"n\":6}]",
		/* first past last */
		"\"rows_published\":1,\"ranges\":[{\"p\":0,\"first\":5,"
		"\"last\":4,\"n\":1}]",
		/* a negative offset, a partition out of range */
		"\"rows_published\":1,\"ranges\":[{\"p\":0,\"first\":-1,"
		"\"last\":4,\"n\":1}]",
		"\"rows_published\":1,\"ranges\":[{\"p\":2147483648,"
		"\"first\":0,\"last\":4,\"n\":1}]",
		/* no ranges at all */
		"\"rows_published\":0",
	};
	char js[512];
	kf_load_ckpt_t ck;
	size_t i;
	(void)state;

#define CK(tail, parts, id)                                                    \
	snprintf(js, sizeof(js),                                               \
		 "{\"v\":1,\"state\":\"partial\",\"load_id\":\"%s\","          \
		 "\"next_record\":7,\"last_line\":7,\"last_offset\":60,"       \
		 "\"rows_rejected\":0,\"parts\":%d,\"dead_letters\":[],%s}",   \
		 id, parts, tail)
#define ID "00112233445566778899aabbccddeeff"
	CK("\"rows_published\":5,\"ranges\":[{\"p\":0,\"first\":0,\"last\":4,"
	   "\"n\":5}]",
	   1, ID);
	assert_int_equal(
		kf_load_ckpt_parse(js, strlen(js), &ck, errbuf, sizeof(errbuf)),
		0);
	kf_load_ckpt_clear(&ck);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CK(bad[i], 1, ID);
		assert_int_equal(kf_load_ckpt_parse(js, strlen(js), &ck, errbuf,
						    sizeof(errbuf)),
				 KF_EPROTO);
		assert_non_null(strstr(errbuf, "does not hold together"));
		assert_null(ck.ranges);
	}
	/* no part committed; a load id that is not ours */
	CK("\"rows_published\":0,\"ranges\":[]", 0, ID);
	assert_int_equal(
		kf_load_ckpt_parse(js, strlen(js), &ck, errbuf, sizeof(errbuf)),
		KF_EPROTO);
	CK("\"rows_published\":0,\"ranges\":[]", 1,
	   "00112233445566778899AABBCCDDEEFF");
	assert_int_equal(
		kf_load_ckpt_parse(js, strlen(js), &ck, errbuf, sizeof(errbuf)),
		KF_EPROTO);
	/* a newer writer's record: its entry only, never a resume */
	snprintf(js, sizeof(js),
		 "{\"v\":2,\"state\":\"partial\","
		 "\"next_record\":7}");
	assert_int_equal(
		kf_load_ckpt_parse(js, strlen(js), &ck, errbuf, sizeof(errbuf)),
		0);
	assert_int_equal(ck.e.state, KF_LOAD_UNKNOWN);
	assert_false(ck.e.ckpt);
#undef ID
#undef CK
}

static void test_key(void **state)
{
	char key[64];
	(void)state;

	assert_int_equal(kf_load_ledger_key(key, sizeof(key), "kferry.s",
					    "3f1d9a0c5b7e2d4f6a8c0e1b3d5f7a9c"),
			 41);
	assert_string_equal(key, "kferry.s/3f1d9a0c5b7e2d4f6a8c0e1b3d5f7a9c");
	assert_int_equal(kf_load_ledger_key(key, 41, "kferry.s",
					    "3f1d9a0c5b7e2d4f6a8c0e1b3d5f7a9c"),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_checkpoint),
		cmocka_unit_test(test_checkpoint_hostile),
		cmocka_unit_test(test_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
