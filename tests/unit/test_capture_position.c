/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/capture/position.c: the offsets record (docs/cdc.md
 * 5) written and read back, its snapshot member with the last key of the
 * table in progress (texts that need escaping, null before the table's
 * first row), hostile snapshot members refused, and version 2: the
 * resume's slot in use, read back, and slots not of the key refused.
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

/* The snapshot members of p but its position. */
static void set_snapshot(kf_cap_pos_t *p, int64_t rows, const char *done,
			 const char *table, const char *const *keyv, int nkey)
{
	p->in_snapshot = 1;
	p->snap_rows = rows;
	p->snap_done = done;
	p->snap_table = table;
	p->snap_keyv = keyv;
	p->snap_nkey = nkey;
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
	set_snapshot(&p, 12000, "[\"public.a\",\"public.b\"]", "public.c \"x\"",
		     key, 3);
	p.snap_lsn = 26396368;
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
	assert_int_equal(kf_cap_pos_parse("{\"v\":3}", 7, &q, err, sizeof(err)),
			 KF_EVERSION);
}

/* The slot in use is the resume's other slot: version 2, read back. */
static void test_version2(void **state)
{
	kf_cap_pos_t p, q;
	char err[256];

	(void)state;
	pos_base(&p);
	strcpy(p.key, "kferry_shop");
	strcpy(p.slot, "kferry_shop_r");
	round_trip(&p,
		   "{\"v\":2,\"slot\":\"kferry_shop_r\",\"system_id\":"
		   "\"7583123456789012345\",\"db\":\"shop\",\"lsn\":26396504,"
		   "\"txid\":729,\"ts_ms\":1796207607625,\"snapshot\":null}",
		   &q);
	assert_int_equal(q.version, 2);
	assert_string_equal(q.slot, "kferry_shop_r");
	assert_int_equal(
		kf_cap_pos_check_slot(&q, "kferry_shop", err, sizeof(err)), 0);
	assert_int_equal(
		kf_cap_pos_check_slot(&q, "kferry_web", err, sizeof(err)),
		KF_EPROTO);
	kf_cap_pos_clear(&q);
	/* back on the key's own slot: version 1 again, an older kferry's */
	strcpy(p.slot, "kferry_shop");
	round_trip(&p, HEAD "null}", &q);
	assert_int_equal(q.version, 1);
	assert_int_equal(
		kf_cap_pos_check_slot(&q, "kferry_shop", err, sizeof(err)), 0);
	kf_cap_pos_clear(&q);
}

/* A version 1 record names the key's slot only; any version names
 * nothing else. */
static void test_slot_refused(void **state)
{
	static const char v1r[] =
		"{\"v\":1,\"slot\":\"s_r\",\"system_id\":\"1\",\"db\":\"d\","
		"\"lsn\":1,\"snapshot\":null}";
	static const char v2x[] =
		"{\"v\":2,\"slot\":\"t_r\",\"system_id\":\"1\",\"db\":\"d\","
		"\"lsn\":1,\"snapshot\":null}";
	kf_cap_pos_t q;
	char err[256];

	(void)state;
	assert_int_equal(
		kf_cap_pos_parse(v1r, sizeof(v1r) - 1, &q, err, sizeof(err)),
		0);
	assert_int_equal(kf_cap_pos_check_slot(&q, "s", err, sizeof(err)),
			 KF_EPROTO);
	assert_non_null(strstr(err, "s_r"));
	kf_cap_pos_clear(&q);
	assert_int_equal(
		kf_cap_pos_parse(v2x, sizeof(v2x) - 1, &q, err, sizeof(err)),
		0);
	assert_int_equal(kf_cap_pos_check_slot(&q, "s", err, sizeof(err)),
			 KF_EPROTO);
	assert_int_equal(kf_cap_pos_check_slot(&q, "t", err, sizeof(err)), 0);
	kf_cap_pos_clear(&q);
}

/* The other name fits PostgreSQL's 63 bytes: cut to 61, then "_r". */
static void test_resume_slot(void **state)
{
	char key[64], out[64], want[64];

	(void)state;
	kf_cap_pos_resume_slot("kferry_shop", out);
	assert_string_equal(out, "kferry_shop_r");
	memset(key, 'k', 63);
	key[63] = '\0';
	kf_cap_pos_resume_slot(key, out);
	memset(want, 'k', 61);
	strcpy(want + 61, "_r");
	assert_string_equal(out, want);
	assert_int_equal(strlen(out), 63);
}

/* docs/cdc.md 10.5: MariaDB's record, streaming and in the snapshot */
#define MDB_HEAD                                                               \
	"{\"v\":1,\"source\":\"mariadb\",\"name\":\"kferry_shop\",\"db\":"     \
	"\"shop\",\"gtid\":\"0-1-4711,1-2-17\",\"file\":\"binlog.000003\","    \
	"\"pos\":98765,\"ts_ms\":1796207607000,\"snapshot\":"

static void mdb_base(kf_cap_pos_t *p)
{
	char err[256];

	memset(p, 0, sizeof(*p));
	p->source = KF_CAP_POS_MARIADB;
	strcpy(p->slot, "kferry_shop");
	strcpy(p->db, "shop");
	assert_int_equal(kf_gtid_pos_parse("1-2-17,0-1-4711", 15, &p->gtid, err,
					   sizeof(err)),
			 0);
	strcpy(p->file, "binlog.000003");
	p->binlog_pos = 98765;
	p->ts_ms = 1796207607000;
}

static void test_mariadb(void **state)
{
	static const char *const key[] = {"42", "2026-12-02 10:00:00.123"};
	char err[256], text[KF_GTID_POS_TEXT_MAX];
	kf_cap_pos_t p, q;

	(void)state;
	mdb_base(&p);
	round_trip(&p, MDB_HEAD "null}", &q);
	assert_int_equal(q.source, KF_CAP_POS_MARIADB);
	assert_int_equal(q.version, 1);
	assert_string_equal(q.slot, "kferry_shop");
	kf_gtid_pos_format(&q.gtid, text);
	assert_string_equal(text, "0-1-4711,1-2-17");
	assert_string_equal(q.file, "binlog.000003");
	assert_int_equal(q.binlog_pos, 98765);
	assert_false(q.in_snapshot);
	assert_int_equal(kf_cap_pos_check_slot(&q, "mariadb/kferry_shop", err,
					       sizeof(err)),
			 0);
	/* a PostgreSQL slot's key, another capture's */
	assert_int_equal(
		kf_cap_pos_check_slot(&q, "kferry_shop", err, sizeof(err)),
		KF_EPROTO);
	assert_int_equal(kf_cap_pos_check_slot(&q, "mariadb/kferry_sho", err,
					       sizeof(err)),
			 KF_EPROTO);
	kf_cap_pos_clear(&q);

	set_snapshot(&p, 10000, "[\"shop.a\"]", "shop.b", key, 2);
	p.snap_gtid = p.gtid;
	round_trip(&p,
		   MDB_HEAD "{\"gtid\":\"0-1-4711,1-2-17\",\"done\":["
			    "\"shop.a\"],\"table\":\"shop.b\",\"key\":[\"42\","
			    "\"2026-12-02 10:00:00.123\"],\"rows\":10000}}",
		   &q);
	assert_true(q.in_snapshot);
	kf_gtid_pos_format(&q.snap_gtid, text);
	assert_string_equal(text, "0-1-4711,1-2-17");
	assert_int_equal(q.snap_nkey, 2);
	assert_string_equal(q.snap_keyv[1], key[1]);
	kf_cap_pos_clear(&q);
}

static void test_mariadb_hostile(void **state)
{
	static const char *const bad[] = {
		/* another source, a text that is not a position, no file */
		"{\"v\":1,\"source\":\"oracle\",\"name\":\"n\",\"db\":\"d\","
		"\"gtid\":\"0-1-1\",\"file\":\"f\",\"pos\":4}",
		"{\"v\":1,\"source\":\"mariadb\",\"name\":\"n\",\"db\":\"d\","
		"\"gtid\":\"0-1-1'\",\"file\":\"f\",\"pos\":4}",
		"{\"v\":1,\"source\":\"mariadb\",\"name\":\"n\",\"db\":\"d\","
		"\"gtid\":\"0-1-1,0-2-2\",\"file\":\"f\",\"pos\":4}",
		"{\"v\":1,\"source\":\"mariadb\",\"name\":\"n\",\"db\":\"d\","
		"\"gtid\":\"0-1-1\",\"pos\":4}",
		"{\"v\":1,\"source\":\"mariadb\",\"name\":\"n\",\"db\":\"d\","
		"\"gtid\":17,\"file\":\"f\",\"pos\":4}",
		/* a snapshot without its position */
		"{\"v\":1,\"source\":\"mariadb\",\"name\":\"n\",\"db\":\"d\","
		"\"gtid\":\"\",\"file\":\"f\",\"pos\":4,\"snapshot\":{\"lsn\":"
		"5,\"done\":[],\"rows\":0}}"};
	const char *newer = "{\"v\":2,\"source\":\"mariadb\",\"name\":\"n\"}";
	char err[256];
	kf_cap_pos_t q;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(kf_cap_pos_parse(bad[i], strlen(bad[i]), &q,
						  err, sizeof(err)),
				 KF_EPROTO);
		kf_cap_pos_clear(&q);
	}
	assert_int_equal(
		kf_cap_pos_parse(newer, strlen(newer), &q, err, sizeof(err)),
		KF_EVERSION);
	assert_non_null(strstr(err, "use a newer kferry"));
	kf_cap_pos_clear(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_snapshot_key),
		cmocka_unit_test(test_snapshot_key_null),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_version2),
		cmocka_unit_test(test_slot_refused),
		cmocka_unit_test(test_resume_slot),
		cmocka_unit_test(test_mariadb),
		cmocka_unit_test(test_mariadb_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
