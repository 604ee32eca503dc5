/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/sink/reconcile.c: load records of kferry load
 * (docs/records.md 3.3) read for reconciliation: a finished load of a
 * topic the sink reads, the ones it ignores, and what is not a load
 * record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "sink/reconcile.h"

#define ID "0123456789abcdef0123456789abcdef"
#define REC(v, state, topic, ranges)                                           \
	"{\"v\":" v ",\"kind\":\"load\",\"state\":\"" state                    \
	"\",\"load_id\":\"" ID "\",\"topic\":\"" topic                         \
	"\",\"file\":\"/in/a \\\"b\\\".csv\",\"hash\":\"" ID                   \
	"\",\"rows_published\":2000,\"rows_rejected\":1,\"ranges\":" ranges    \
	"}"

static int parse(const char *js, const char *topics, kf_db_load_t *l,
		 char *strs)
{
	return kf_sink_load_record(js, strlen(js), topics, l, strs,
				   2 * strlen(js) + 64);
}

static void test_done(void **state)
{
	static const char js[] =
		REC("1", "done", "orders",
		    "[{\"p\":0,\"first\":5,\"last\":1004,\"n\":1000},"
		    "{\"p\":3,\"first\":0,\"last\":999,\"n\":1000}]");
	char strs[2 * sizeof(js) + 64];
	kf_db_load_t l;

	(void)state;
	assert_int_equal(parse(js, "a,orders", &l, strs), 1);
	assert_string_equal(l.load_id, ID);
	assert_string_equal(l.topic, "orders");
	assert_string_equal(l.file, "/in/a \"b\".csv");
	assert_string_equal(l.hash, ID);
	assert_int_equal(l.rows_expected, 2000);
	assert_string_equal(l.ends, "0:1005,3:1000");
	assert_int_equal(parse(js, "orders", &l, strs), 1);
}

static void test_ignored(void **state)
{
	static const char *const ignored[] = {
		REC("1", "done", "orders", "[]"),
		REC("1", "partial", "orders2", "[]"),
		REC("1", "rejected", "orders2", "[]"),
		REC("2", "done", "orders2", "[]"),
	};
	static const char *const bad[] = {
		"not json",
		"[1]",
		REC("1", "done", "orders2", "{}"),
		REC("1", "done", "orders2", "[{\"p\":-1,\"last\":0}]"),
		REC("1", "done", "orders2", "[{\"p\":0}]"),
		"{\"v\":1,\"kind\":\"load\",\"state\":\"done\"}",
		"{\"v\":1,\"kind\":\"load\",\"state\":\"done\",\"load_id\":"
		"\"short\",\"topic\":\"orders2\",\"rows_published\":1,"
		"\"ranges\":[]}",
	};
	char strs[1024];
	kf_db_load_t l;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (parse(ignored[i], "orders2,ordersx", &l, strs) != 0)
			fail_msg("not ignored: %s", ignored[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i], "orders2", &l, strs) != -1)
			fail_msg("not refused: %s", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_done),
		cmocka_unit_test(test_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
