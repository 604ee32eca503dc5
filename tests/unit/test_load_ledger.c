/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The load record (load/ledger.h, docs/records.md 3.3): rendered as the
 * page shows it, with file names escaped; read back by state; a record
 * of a newer version is not acted on; hostile values are refused; the
 * ledger key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

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
		cmocka_unit_test(test_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
