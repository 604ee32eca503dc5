/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/capture/position.c: the offsets record (docs/cdc.md
 * 5) written and read back, its snapshot member with the last key of the
 * table in progress (texts that need escaping, null before the table's
 * first row), and hostile snapshot members refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/position.h"
#include "kferry/kferry.h"

/* pos_base's record up to its snapshot member */
#define HEAD                                                                   \
	"{\"v\":1,\"slot\":\"kferry_shop\",\"system_id\":"                     \
	"\"7583123456789012345\",\"db\":\"shop\",\"lsn\":26396504,"            \
	"\"txid\":729,\"ts_ms\":1796207607625,\"snapshot\":"

static void pos_base(kf_cap_pos_t *p)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->slot, "kferry_shop");
	strcpy(p->system_id, "7583123456789012345");
	strcpy(p->db, "shop");
	p->lsn = 26396504;
	p->txid = 729;
	p->ts_ms = 1796207607625;
}

/* Formats p, checks the text, parses it back into out. */
static void round_trip(const kf_cap_pos_t *p, const char *want,
		       kf_cap_pos_t *out)
{
	kf_strbuf_t b;
	char err[256];

	kf_strbuf_heap(&b, 64);
	kf_cap_pos_format(p, &b);
	assert_false(b.failed);
	assert_string_equal(b.p, want);
	assert_int_equal(kf_cap_pos_parse(b.p, b.len, out, err, sizeof(err)),
			 0);
	free(b.p);
}

static void test_streaming(void **state)
{
	kf_cap_pos_t p, q;

	(void)state;
	pos_base(&p);
	round_trip(&p, HEAD "null}", &q);
	assert_false(q.in_snapshot);
	assert_int_equal(q.lsn, 26396504);
	assert_int_equal(q.txid, 729);
	assert_string_equal(q.slot, "kferry_shop");
	assert_null(q.snap_table);
	kf_cap_pos_clear(&q);
}

static void test_snapshot_key(void **state)
{
	static const char *const key[] = {"7", "a \"b\"\\\n정산", "\\x01ff"};
	kf_cap_pos_t p, q;

	(void)state;
	pos_base(&p);
	p.in_snapshot = 1;
	p.snap_lsn = 26396368;
	p.snap_rows = 12000;
	p.snap_done = "[\"public.a\",\"public.b\"]";
	p.snap_table = "public.c \"x\"";
	p.snap_keyv = key;
	p.snap_nkey = 3;
	round_trip(&p,
		   HEAD
		   "{"
		   "\"lsn\":26396368,\"done\":[\"public.a\",\"public.b\"],"
		   "\"table\":\"public.c \\\"x\\\"\",\"key\":[\"7\","
		   "\"a "
		   "\\\"b\\\"\\\\\\u000a정산\",\"\\\\x01ff\"],\"rows\":12000}}",
		   &q);
	assert_true(q.in_snapshot);
	assert_int_equal(q.snap_lsn, 26396368);
	assert_int_equal(q.snap_rows, 12000);
	assert_string_equal(q.snap_done, "[\"public.a\",\"public.b\"]");
	assert_string_equal(q.snap_table, "public.c \"x\"");
	assert_int_equal(q.snap_nkey, 3);
	assert_string_equal(q.snap_keyv[0], key[0]);
	assert_string_equal(q.snap_keyv[1], key[1]);
	assert_string_equal(q.snap_keyv[2], key[2]);
	kf_cap_pos_clear(&q);
	assert_null(q.owned);
}

/* A table begun, no row of it sent yet: key null. */
static void test_snapshot_key_null(void **state)
{
	kf_cap_pos_t p, q;

	(void)state;
	pos_base(&p);
	p.in_snapshot = 1;
	p.snap_lsn = 5;
	p.snap_table = "public.c";
	round_trip(&p,
		   HEAD
		   "{"
		   "\"lsn\":5,\"done\":[],\"table\":\"public.c\",\"key\":null,"
		   "\"rows\":0}}",
		   &q);
	assert_string_equal(q.snap_table, "public.c");
	assert_string_equal(q.snap_done, "[]");
	assert_int_equal(q.snap_nkey, 0);
	kf_cap_pos_clear(&q);
}

static void test_hostile(void **state)
{
	static const char *const bad[] = {
		"{\"key\":[]}",
		"{\"key\":[1]}",
		"{\"key\":[\"1\",null]}",
		"{\"key\":\"1\"}",
		"{\"key\":{\"a\":\"1\"}}",
		"{\"key\":[\"a\\u0000b\"]}",
		"{\"table\":7,\"key\":null}",
		"{}",
	};
	char js[256], err[256];
	kf_cap_pos_t q;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* the snapshot member's lsn first, then the hostile rest */
		int n = snprintf(js, sizeof(js),
				 "{\"v\":1,\"slot\":\"s\",\"system_id\":\"1\","
				 "\"db\":\"d\",\"lsn\":1,\"snapshot\":{%s%s}",
				 i + 1 < sizeof(bad) / sizeof(bad[0])
					 ? "\"lsn\":1,"
					 : "",
				 bad[i] + 1);

		assert_int_equal(
			kf_cap_pos_parse(js, (size_t)n, &q, err, sizeof(err)),
			KF_EPROTO);
		assert_null(q.owned);
		assert_null(q.owned_keyv);
	}
	/* a newer version is not ours to read */
	assert_int_equal(kf_cap_pos_parse("{\"v\":2}", 7, &q, err, sizeof(err)),
			 KF_EVERSION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_snapshot_key),
		cmocka_unit_test(test_snapshot_key_null),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
