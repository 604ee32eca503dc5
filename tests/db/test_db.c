/* SPDX-License-Identifier: Apache-2.0 */
/*
 * src/db against real servers: every case runs on PostgreSQL
 * (KF_TEST_PG_URL) and on MariaDB (KF_TEST_MARIADB_URL); tests/db/run.sh
 * starts both with scripts/db/db.sh. A case whose URL is not set skips
 * that database; with neither set, the run fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/backend.h" /* max_stmt: small statements on MariaDB */
#include "db/conn.h"
#include "db/loads.h"
#include "db/offsets.h"
/* kf_test_int, and kf_utf8_count until record/decode.c is in the tree */
#include "../unit/kf_test_record.h"
#include "kferry/kferry.h"

static const char *kf_urls[2];
static const char *const kf_names[2] = {"PostgreSQL", "MariaDB"};

#define FOR_EACH_DB(db)                                                        \
	for (int kf_i_ = 0; kf_i_ < 2; kf_i_++)                                \
		for (kf_db_t *db = open_db(kf_i_); db;                         \
		     kf_db_close(db), db = NULL)

static kf_db_t *open_db(int which)
{
	char errstr[512] = "";
	kf_db_t *db = NULL;

	if (!kf_urls[which])
		return NULL;
	if (kf_db_open(kf_urls[which], NULL, &db, errstr, sizeof(errstr)))
		fail_msg("%s: %s", kf_names[which], errstr);
	return db;
}

static void ok(kf_db_t *db, int rc, const kf_db_err_t *e)
{
	if (rc)
		fail_msg("%s: rc %d: %s",
			 kf_db_dialect(db) == KF_DB_POSTGRES ? "PostgreSQL"
							     : "MariaDB",
			 rc, e->msg);
}

static void exec_ok(kf_db_t *db, const char *sql)
{
	kf_db_err_t e = {0};

	ok(db, kf_db_exec(db, sql, NULL, &e), &e);
}

/* The rows of a query as "a|b|c\n" lines, NULL as "~". */
struct text {
	char *s;
	size_t len;
};

static int text_row(void *arg, size_t ncols, const char *const *vals,
		    const size_t *lens)
{
	struct text *t = arg;
	size_t i, need = 2;

	for (i = 0; i < ncols; i++)
		need += (vals[i] ? lens[i] : 1) + 1;
	t->s = realloc(t->s, t->len + need);
	assert_non_null(t->s);
	for (i = 0; i < ncols; i++) {
		if (i)
			t->s[t->len++] = '|';
		memcpy(t->s + t->len, vals[i] ? vals[i] : "~",
		       vals[i] ? lens[i] : 1);
		t->len += vals[i] ? lens[i] : 1;
	}
	t->s[t->len++] = '\n';
	t->s[t->len] = '\0';
	return 0;
}

static char *query_text(kf_db_t *db, const char *sql)
{
	struct text t = {calloc(1, 1), 0};
	kf_db_err_t e = {0};

	ok(db, kf_db_query(db, sql, text_row, &t, &e), &e);
	return t.s;
}

static long long query_num(kf_db_t *db, const char *sql)
{
	char *s = query_text(db, sql);
	long long v = strtoll(s, NULL, 10);

	free(s);
	return v;
}

static kf_column_t col(const char *name, enum kf_type t, int p, int s,
		       int required)
{
	kf_column_t c;

	memset(&c, 0, sizeof(c));
	c.name = (char *)name;
	c.type = t;
	c.precision = p;
	c.scale = s;
	c.required = required;
	return c;
}

static kf_value_t vs(enum kf_type t, const char *s, size_t n)
{
	kf_value_t v = {.type = t};

	v.u.s.ptr = s;
	v.u.s.len = n;
	return v;
}

static kf_value_t vnull(enum kf_type t)
{
	kf_value_t v = {.type = t, .null = 1};

	return v;
}

static kf_i128_t pow10_38m1(void)
{
	kf_i128_t v = 1;
	int i;

	for (i = 0; i < 38; i++)
		v *= 10;
	return v - 1;
}

/* ---- every type, written and read back as text */

enum {
	RT_NCOLS = 16
};

static void test_roundtrip(void **state)
{
	static const char korean[] = "한국어 텍스트 \t\"'\\\n✓😀";
	static const char bytes[] = {0, (char)0xff, '\\', '\n', '\t', 'x'};
	static const char json[] = "{\"k\":\"값\"}";
	kf_column_t cols[RT_NCOLS] = {
		col("id", KF_T_INT64, 0, 0, 1),
		col("b", KF_T_BOOLEAN, 0, 0, 0),
		col("i8", KF_T_INT8, 0, 0, 0),
		col("i16", KF_T_INT16, 0, 0, 0),
		col("i32", KF_T_INT32, 0, 0, 0),
		col("i64", KF_T_INT64, 0, 0, 0),
		col("f32", KF_T_FLOAT32, 0, 0, 0),
		col("f64", KF_T_FLOAT64, 0, 0, 0),
		col("d38", KF_T_DECIMAL, 38, 10, 0),
		col("d0", KF_T_DECIMAL, 38, 0, 0),
		col("dt", KF_T_DATE, 0, 0, 0),
		col("tm", KF_T_TIME, 0, 0, 0),
		col("ts", KF_T_TIMESTAMP, 0, 0, 0),
		col("tx", KF_T_TEXT, 0, 0, 0),
		col("by", KF_T_BYTES, 0, 0, 0),
		col("js", KF_T_JSON, 0, 0, 0),
	};
	kf_value_t r[3][RT_NCOLS];
	const kf_value_t *rows[3] = {r[0], r[1], r[2]};
	int key[1] = {0};
	int j;

	(void)state;
	/* row 1: the largest values; row 2: the smallest; row 3: NULLs */
	r[0][0] = kf_test_int(KF_T_INT64, 1);
	r[0][1] = (kf_value_t){.type = KF_T_BOOLEAN, .u.b = 1};
	r[0][2] = kf_test_int(KF_T_INT8, 127);
	r[0][3] = kf_test_int(KF_T_INT16, 32767);
	r[0][4] = kf_test_int(KF_T_INT32, 2147483647);
	r[0][5] = kf_test_int(KF_T_INT64, INT64_MAX);
	r[0][6] = (kf_value_t){.type = KF_T_FLOAT32, .u.f = 0.5};
	r[0][7] = (kf_value_t){.type = KF_T_FLOAT64, .u.f = 1e300};
	r[0][8] = (kf_value_t){.type = KF_T_DECIMAL, .u.dec = pow10_38m1()};
	r[0][9] = (kf_value_t){.type = KF_T_DECIMAL, .u.dec = pow10_38m1()};
	r[0][10] = kf_test_int(KF_T_DATE, 2932896); /* 9999-12-31 */
	r[0][11] = kf_test_int(KF_T_TIME, 86399999);
	r[0][12] =
		kf_test_int(KF_T_TIMESTAMP, 1796169763123LL); /* 2026-12-02 */
	r[0][13] = vs(KF_T_TEXT, korean, strlen(korean));
	r[0][14] = vs(KF_T_BYTES, bytes, sizeof(bytes));
	r[0][15] = vs(KF_T_JSON, json, strlen(json));

	r[1][0] = kf_test_int(KF_T_INT64, 2);
	r[1][1] = (kf_value_t){.type = KF_T_BOOLEAN, .u.b = 0};
	r[1][2] = kf_test_int(KF_T_INT8, -128);
	r[1][3] = kf_test_int(KF_T_INT16, -32768);
	r[1][4] = kf_test_int(KF_T_INT32, INT32_MIN);
	r[1][5] = kf_test_int(KF_T_INT64, INT64_MIN);
	r[1][6] = (kf_value_t){.type = KF_T_FLOAT32, .u.f = -1.25};
	r[1][7] = (kf_value_t){.type = KF_T_FLOAT64, .u.f = -0.1};
	r[1][8] = (kf_value_t){.type = KF_T_DECIMAL, .u.dec = -pow10_38m1()};
	r[1][9] = (kf_value_t){.type = KF_T_DECIMAL, .u.dec = -5};
	r[1][10] = kf_test_int(KF_T_DATE, -719162); /* 0001-01-01 */
	r[1][11] = kf_test_int(KF_T_TIME, 0);
	r[1][12] =
		kf_test_int(KF_T_TIMESTAMP, -1); /* 1969-12-31 23:59:59.999 */
	r[1][13] = vs(KF_T_TEXT, "", 0);
	r[1][14] = vs(KF_T_BYTES, "", 0);
	r[1][15] = vs(KF_T_JSON, "[]", 2);

	r[2][0] = kf_test_int(KF_T_INT64, 3);
	for (j = 1; j < RT_NCOLS; j++)
		r[2][j] = vnull(cols[j].type);
	r[2][10] = kf_test_int(KF_T_DATE, -25567); /* 1900-01-01 */

	FOR_EACH_DB(db)
	{
		int pg = kf_db_dialect(db) == KF_DB_POSTGRES;
		kf_db_column_t *info;
		kf_db_err_t e = {0};
		size_t n;
		char *got;

		exec_ok(db, "DROP TABLE IF EXISTS rt");
		ok(db, kf_db_create_table(db, "rt", cols, RT_NCOLS, key, 1, &e),
		   &e);
		ok(db, kf_db_begin(db, &e), &e);
		ok(db,
		   kf_db_write(db, "rt", cols, RT_NCOLS, rows, 3, KF_DB_INSERT,
			       NULL, 0, &e),
		   &e);
		ok(db, kf_db_commit(db, &e), &e);

		got = query_text(
			db, pg ? "SELECT id, b, i8, i16, i32, i64, f32, f64, "
				 "d38, d0, dt, tm, ts, tx, encode(by, 'hex'), "
				 "js::text = '{\"k\": \"값\"}' OR "
				 "js::text = '[]' FROM rt ORDER BY id"
			       : "SELECT id, b, i8, i16, i32, i64, f32, f64, "
				 "d38, d0, dt, tm, ts, tx, LOWER(HEX(`by`)), "
				 "js IN ('{\"k\":\"값\"}', '[]') FROM rt "
				 "ORDER BY id");
		{
			char want[2048];
			const char *t = pg ? "t" : "1", *f = pg ? "f" : "0";

			snprintf(
				want, sizeof(want),
				"1|%s|127|32767|2147483647|9223372036854775807|"
				"0.5|%s|9999999999999999999999999999."
				"9999999999|"
				"99999999999999999999999999999999999999|"
				"9999-12-31|23:59:59.999|2026-12-02 "
				"00:02:43.123|%s|00ff5c0a0978|%s\n"
				"2|%s|-128|-32768|-2147483648|"
				"-9223372036854775808|-1.25|-0.1|"
				"-9999999999999999999999999999.9999999999|-5|"
				"0001-01-01|%s|1969-12-31 "
				"23:59:59.999|||%s\n"
				"3|~|~|~|~|~|~|~|~|~|1900-01-01|~|~|~|~|~\n",
				t, pg ? "1e+300" : "1e300", korean, t, f,
				pg ? "00:00:00" : "00:00:00.000", t);
			if (strcmp(got, want) != 0)
				fail_msg("%s round trip:\n got: %s\nwant: %s",
					 pg ? "PostgreSQL" : "MariaDB", got,
					 want);
		}
		free(got);

		/* the columns as information_schema has them */
		ok(db, kf_db_columns(db, "rt", &info, &n, &e), &e);
		assert_int_equal(n, RT_NCOLS);
		for (j = 0; j < RT_NCOLS; j++)
			assert_string_equal(info[j].name, cols[j].name);
		assert_false(info[0].nullable);
		assert_true(info[1].nullable);
		assert_string_equal(info[5].type, pg ? "bigint" : "bigint");
		kf_db_columns_free(info, n);
		ok(db, kf_db_columns(db, "no_such_table", &info, &n, &e), &e);
		assert_int_equal(n, 0);
		exec_ok(db, "DROP TABLE rt");
		if (pg) { /* dates before year 1 */
			kf_column_t d = col("d", KF_T_DATE, 0, 0, 0);
			kf_value_t v = kf_test_int(KF_T_DATE, -719163);
			const kf_value_t *one[1] = {&v};

			exec_ok(db, "CREATE TEMP TABLE bc (d date)");
			ok(db, kf_db_begin(db, &e), &e);
			ok(db,
			   kf_db_write(db, "bc", &d, 1, one, 1, KF_DB_INSERT,
				       NULL, 0, &e),
			   &e);
			ok(db, kf_db_commit(db, &e), &e);
			got = query_text(db, "SELECT d FROM bc");
			assert_string_equal(got, "0001-12-31 BC\n");
			free(got);
		}
	}
}

/* ---- the columns of Debezium's types (sqltypes, docs/sink.md 2.3) */

static kf_column_t sqlcol(const char *name, enum kf_type t, enum kf_sqltype sql,
			  int bits)
{
	kf_column_t c = col(name, t, bits, 0, 0);

	c.sqltype = sql;
	return c;
}

enum {
	SQ_NCOLS = 10
};

static void test_sqltypes(void **state)
{
	kf_column_t cols[SQ_NCOLS] = {
		col("id", KF_T_INT64, 0, 0, 1),
		sqlcol("ts6", KF_T_INT64, KF_SQL_TIMESTAMP_US, 0),
		sqlcol("tsz", KF_T_INT64, KF_SQL_TIMESTAMPTZ, 0),
		sqlcol("t6", KF_T_INT64, KF_SQL_TIME_US, 0),
		sqlcol("ttz", KF_T_INT64, KF_SQL_TIMETZ, 0),
		sqlcol("iv", KF_T_INT64, KF_SQL_INTERVAL, 0),
		sqlcol("n", KF_T_TEXT, KF_SQL_NUMERIC, 0),
		sqlcol("u", KF_T_TEXT, KF_SQL_UUID, 0),
		sqlcol("x", KF_T_TEXT, KF_SQL_XML, 0),
		sqlcol("bt", KF_T_TEXT, KF_SQL_BITS, 12),
	};
	static const char uuid[] = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
	kf_column_t fcol[2] = {col("id", KF_T_INT64, 0, 0, 1),
			       col("f", KF_T_FLOAT64, 0, 0, 0)};
	kf_value_t r[SQ_NCOLS], f[2];
	const kf_value_t *rows[1] = {r}, *frows[1] = {f};
	int key[1] = {0};

	(void)state;
	r[0] = kf_test_int(KF_T_INT64, 1);
	r[1] = kf_test_int(KF_T_INT64, 1796188272123456LL);
	r[2] = kf_test_int(KF_T_INT64, 1796188272123456LL);
	r[3] = kf_test_int(KF_T_INT64, 86399999999LL);
	r[4] = kf_test_int(KF_T_INT64, 18672250000LL);
	r[5] = kf_test_int(KF_T_INT64, -93784500000LL);
	r[6] = vs(KF_T_TEXT, "-12.3400", 8);
	r[7] = vs(KF_T_TEXT, uuid, 36);
	r[8] = vs(KF_T_TEXT, "<a>x</a>", 8);
	r[9] = vs(KF_T_TEXT, "101000000001", 12);
	f[0] = kf_test_int(KF_T_INT64, 1);
	f[1] = (kf_value_t){.type = KF_T_FLOAT64, .u.f = NAN};

	FOR_EACH_DB(db)
	{
		int pg = kf_db_dialect(db) == KF_DB_POSTGRES;
		kf_db_err_t e = {0};
		char *got;

		exec_ok(db, "DROP TABLE IF EXISTS sq");
		exec_ok(db, "DROP TABLE IF EXISTS sqf");
		ok(db, kf_db_create_table(db, "sq", cols, SQ_NCOLS, key, 1, &e),
		   &e);
		ok(db, kf_db_begin(db, &e), &e);
		ok(db,
		   kf_db_write(db, "sq", cols, SQ_NCOLS, rows, 1, KF_DB_INSERT,
			       NULL, 0, &e),
		   &e);
		ok(db, kf_db_commit(db, &e), &e);
		got = query_text(
			db, pg ? "SELECT ts6, tsz, t6, ttz, iv, n, u, x, bt "
				 "FROM sq"
			       : "SELECT ts6, tsz, t6, ttz, iv, n + 0, u, x, "
				 "BIN(bt) FROM sq");
		assert_string_equal(
			got,
			pg ? "2026-12-02 05:11:12.123456|2026-12-02 "
			     "05:11:12.123456+00|23:59:59.999999|05:11:12.25+"
			     "00|"
			     "-26:03:04.5|-12.3400|a0eebc99-9c0b-4ef8-bb6d-"
			     "6bb9bd380a11|<a>x</a>|101000000001\n"
			   : "2026-12-02 05:11:12.123456|2026-12-02 "
			     "05:11:12.123456|23:59:59.999999|05:11:12.250000|"
			     "-26:03:04.500000|-12."
			     "340000000000000000000000000000|"
			     "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|<a>x</a>|"
			     "101000000001\n");
		free(got);
		exec_ok(db, "DROP TABLE sq");
		/* NaN: PostgreSQL's; MariaDB refuses the row, as data */
		ok(db, kf_db_create_table(db, "sqf", fcol, 2, key, 1, &e), &e);
		ok(db, kf_db_begin(db, &e), &e);
		if (pg) {
			ok(db,
			   kf_db_write(db, "sqf", fcol, 2, frows, 1,
				       KF_DB_INSERT, NULL, 0, &e),
			   &e);
			ok(db, kf_db_commit(db, &e), &e);
			got = query_text(db, "SELECT f FROM sqf");
			assert_string_equal(got, "NaN\n");
			free(got);
		} else {
			assert_int_not_equal(kf_db_write(db, "sqf", fcol, 2,
							 frows, 1, KF_DB_INSERT,
							 NULL, 0, &e),
					     0);
			assert_int_equal(e.cls, KF_DB_E_DATA);
			kf_db_rollback(db, NULL);
		}
		exec_ok(db, "DROP TABLE sqf");
	}
}

/* ---- a lost connection is told apart from the rest */

static void test_conn_lost(void **state)
{
	(void)state;
	FOR_EACH_DB(db)
	{
		int pg = kf_db_dialect(db) == KF_DB_POSTGRES;
		kf_db_t *killer = open_db(kf_i_);
		kf_db_err_t e = {0};
		char sql[128];
		long long id;

		id = query_num(db, pg ? "SELECT pg_backend_pid()"
				      : "SELECT CONNECTION_ID()");
		snprintf(sql, sizeof(sql),
			 pg ? "SELECT pg_terminate_backend(%lld)"
			    : "KILL CONNECTION %lld",
			 id);
		exec_ok(killer, sql);
		kf_db_close(killer);
		assert_int_equal(kf_db_exec(db, "SELECT 1", NULL, &e), KF_EIO);
		assert_int_equal(e.cls, KF_DB_E_CONN);
		printf("# %s: %s\n", kf_names[kf_i_], e.msg);
	}
}

/* ---- a lock wait that times out is worth a retry */

static void test_lock_retry(void **state)
{
	(void)state;
	FOR_EACH_DB(db)
	{
		int pg = kf_db_dialect(db) == KF_DB_POSTGRES;
		kf_db_t *other = open_db(kf_i_);
		kf_db_err_t e = {0};

		exec_ok(db, "DROP TABLE IF EXISTS lk");
		exec_ok(db, "CREATE TABLE lk (id int PRIMARY KEY, v int)");
		exec_ok(db, "INSERT INTO lk VALUES (1, 0)");
		exec_ok(other, pg ? "SET lock_timeout = '100ms'"
				  : "SET SESSION innodb_lock_wait_timeout = 1");
		ok(db, kf_db_begin(db, &e), &e);
		exec_ok(db, "UPDATE lk SET v = 1 WHERE id = 1");
		ok(other, kf_db_begin(other, &e), &e);
		assert_int_equal(kf_db_exec(other,
					    "UPDATE lk SET v = 2 WHERE id = 1",
					    NULL, &e),
				 KF_EIO);
		assert_int_equal(e.cls, KF_DB_E_RETRY);
		assert_string_equal(e.code, pg ? "55P03" : "1205");
		ok(other, kf_db_rollback(other, &e), &e);
		ok(db, kf_db_commit(db, &e), &e);
		kf_db_close(other);
		exec_ok(db, "DROP TABLE lk");
	}
}

/* ---- parameters bound with their types, never pasted (PostgreSQL) */

static void test_exec_params(void **state)
{
	/* int4, text: a typed comparison puts 10 after 2, a text one not */
	static const uint32_t types[] = {23, 25};
	static const char *const after[] = {"2", "x"};
	static const char *const hostile[] = {"2", "x'); DROP TABLE kp; --"};
	static const char sel[] =
		"INSERT INTO kp_out SELECT a, b FROM kp WHERE ROW(a, b) > "
		"ROW($1, $2)";
	(void)state;
	FOR_EACH_DB(db)
	{
		kf_db_err_t e = {0};
		int64_t n = -1;
		char *got;

		if (kf_db_dialect(db) != KF_DB_POSTGRES) {
			assert_int_equal(kf_db_exec_params(db, "SELECT 1", 0,
							   NULL, NULL, NULL,
							   &e),
					 KF_EINVAL);
			continue;
		}
		exec_ok(db, "DROP TABLE IF EXISTS kp, kp_out");
		exec_ok(db, "CREATE TABLE kp (a int, b text, PRIMARY KEY (a, "
			    "b))");
		exec_ok(db, "CREATE TABLE kp_out (a int, b text)");
		exec_ok(db, "INSERT INTO kp VALUES (2, 'x'), (2, 'y'), "
			    "(10, 'a'), (1, 'z')");
		ok(db, kf_db_exec_params(db, sel, 2, types, after, &n, &e), &e);
		assert_int_equal(n, 2);
		got = query_text(db, "SELECT a, b FROM kp_out ORDER BY a, b");
		assert_string_equal(got, "2|y\n10|a\n");
		free(got);
		/* a text that would end the literal is a value: one row
		 * past it ("x'..." < "y"), and kp is still there */
		ok(db, kf_db_exec_params(db, sel, 2, types, hostile, &n, &e),
		   &e);
		assert_int_equal(n, 2);
		assert_int_equal(query_num(db, "SELECT count(*) FROM kp"), 4);
		/* the capture's use: a cursor declared with them */
		ok(db, kf_db_begin(db, &e), &e);
		ok(db,
		   kf_db_exec_params(db,
				     "DECLARE kc NO SCROLL CURSOR FOR SELECT "
				     "a FROM kp WHERE ROW(a, b) > ROW($1, "
				     "$2) ORDER BY a, b",
				     2, types, after, NULL, &e),
		   &e);
		got = query_text(db, "FETCH FORWARD 10 FROM kc");
		assert_string_equal(got, "2\n10\n");
		free(got);
		ok(db, kf_db_commit(db, &e), &e);
		/* a text the type refuses is an error, not a comparison */
		assert_int_equal(
			kf_db_exec_params(db, sel, 2, types,
					  (const char *const[]){"2x", "x"},
					  NULL, &e),
			KF_EIO);
		exec_ok(db, "DROP TABLE kp, kp_out");
	}
}

/* ---- upsert and delete on a two-column key */

static void test_upsert_delete(void **state)
{
	kf_column_t cols[3] = {col("a", KF_T_INT32, 0, 0, 1),
			       col("b", KF_T_TEXT, 0, 0, 1),
			       col("v", KF_T_TEXT, 0, 0, 0)};
	int key[2] = {0, 1};
	kf_value_t r[4][3];
	const kf_value_t *rows[4] = {r[0], r[1], r[2], r[3]};
	int i;

	(void)state;
	FOR_EACH_DB(db)
	{
		kf_db_err_t e = {0};
		char *got;

		exec_ok(db, "DROP TABLE IF EXISTS ud");
		ok(db, kf_db_create_table(db, "ud", cols, 3, key, 2, &e), &e);
		for (i = 0; i < 3; i++) {
			r[i][0] = kf_test_int(KF_T_INT32, i + 1);
			r[i][1] = vs(KF_T_TEXT, "키", strlen("키"));
			r[i][2] = vs(KF_T_TEXT, "old", 3);
		}
		ok(db, kf_db_begin(db, &e), &e);
		ok(db,
		   kf_db_write(db, "ud", cols, 3, rows, 3, KF_DB_UPSERT, key, 2,
			       &e),
		   &e);
		ok(db, kf_db_commit(db, &e), &e);
		/* 2 and 3 change, 4 is new */
		for (i = 0; i < 3; i++) {
			r[i][0] = kf_test_int(KF_T_INT32, i + 2);
			r[i][2] = vs(KF_T_TEXT, "new", 3);
		}
		ok(db, kf_db_begin(db, &e), &e);
		ok(db,
		   kf_db_write(db, "ud", cols, 3, rows, 3, KF_DB_UPSERT, key, 2,
			       &e),
		   &e);
		/* the staging table is reused in the same transaction */
		r[3][0] = kf_test_int(KF_T_INT32, 5);
		r[3][1] = vs(KF_T_TEXT, "K", 1);
		r[3][2] = vnull(KF_T_TEXT);
		ok(db,
		   kf_db_write(db, "ud", cols, 3, rows + 3, 1, KF_DB_UPSERT,
			       key, 2, &e),
		   &e);
		ok(db, kf_db_commit(db, &e), &e);
		got = query_text(db, "SELECT a, b, v FROM ud ORDER BY a");
		assert_string_equal(got, "1|키|old\n2|키|new\n3|키|new\n"
					 "4|키|new\n5|K|~\n");
		free(got);

		/* delete (1,키) and (3,키); (2,K) matches nothing */
		r[0][0] = kf_test_int(KF_T_INT32, 1);
		r[1][0] = kf_test_int(KF_T_INT32, 3);
		r[2][0] = kf_test_int(KF_T_INT32, 2);
		r[2][1] = vs(KF_T_TEXT, "K", 1);
		ok(db, kf_db_begin(db, &e), &e);
		ok(db, kf_db_delete(db, "ud", cols, 2, rows, 3, &e), &e);
		ok(db, kf_db_commit(db, &e), &e);
		got = query_text(db, "SELECT a, b FROM ud ORDER BY a");
		assert_string_equal(got, "2|키\n4|키\n5|K\n");
		free(got);

		/* an upsert of the key columns only: twice, the second a no-op */
		for (i = 0; i < 2; i++) {
			ok(db, kf_db_begin(db, &e), &e);
			ok(db,
			   kf_db_write(db, "ud", cols, 2, rows, 3, KF_DB_UPSERT,
				       key, 2, &e),
			   &e);
			ok(db, kf_db_commit(db, &e), &e);
		}
		assert_int_equal(query_num(db, "SELECT COUNT(*) FROM ud"), 6);
		exec_ok(db, "DROP TABLE ud");
	}
}

/* ---- a refused row among 1000, isolated by bisection */

static void test_isolate(void **state)
{
	enum {
		N = 1000
	};
	kf_column_t cols[3] = {col("id", KF_T_INT64, 0, 0, 1),
			       col("name", KF_T_TEXT, 0, 0, 1),
			       col("code", KF_T_TEXT, 0, 0, 0)};
	static kf_value_t r[N][3];
	static const kf_value_t *rows[N];
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		r[i][0] = kf_test_int(KF_T_INT64, (int64_t)i);
		r[i][1] = vs(KF_T_TEXT, "name", 4);
		r[i][2] = vs(KF_T_TEXT, "ok", 2);
		rows[i] = r[i];
	}
	r[123][1] = vnull(KF_T_TEXT);		 /* NOT NULL */
	r[777][2] = vs(KF_T_TEXT, "toolong", 7); /* varchar(5) */
	/* row 500 duplicates the row already there */

	FOR_EACH_DB(db)
	{
		int pg = kf_db_dialect(db) == KF_DB_POSTGRES;
		kf_db_refused_t *ref;
		kf_db_err_t e = {0};
		size_t nref;
		int rc;

		exec_ok(db, "DROP TABLE IF EXISTS iso");
		exec_ok(db, "CREATE TABLE iso (id bigint PRIMARY KEY, name "
			    "varchar(20) NOT NULL, code varchar(5))");
		exec_ok(db, "INSERT INTO iso VALUES (500, 'there', NULL)");
		if (!pg) /* many INSERT statements: a refusal in any of them */
			db->max_stmt = 2048;

		/* a plain write fails as a whole, with a data error */
		ok(db, kf_db_begin(db, &e), &e);
		rc = kf_db_write(db, "iso", cols, 3, rows, N, KF_DB_INSERT,
				 NULL, 0, &e);
		assert_int_not_equal(rc, 0);
		assert_int_equal(e.cls, KF_DB_E_DATA);
		if (pg) /* a COMMIT after it must not pass for one */
			assert_int_equal(kf_db_commit(db, &e), KF_EIO);
		else
			ok(db, kf_db_rollback(db, &e), &e);
		assert_int_equal(query_num(db, "SELECT COUNT(*) FROM iso"), 1);

		ok(db, kf_db_begin(db, &e), &e);
		ok(db,
		   kf_db_write_isolating(db, "iso", cols, 3, rows, N,
					 KF_DB_INSERT, NULL, 0, &ref, &nref,
					 &e),
		   &e);
		ok(db, kf_db_commit(db, &e), &e);
		assert_int_equal(nref, 3);
		assert_int_equal(ref[0].row, 123);
		assert_int_equal(ref[1].row, 500);
		assert_int_equal(ref[2].row, 777);
		for (i = 0; i < nref; i++)
			assert_int_equal(ref[i].err.cls, KF_DB_E_DATA);
		assert_string_equal(ref[0].err.code, pg ? "23502" : "1048");
		assert_string_equal(ref[1].err.code, pg ? "23505" : "1062");
		assert_string_equal(ref[2].err.code, pg ? "22001" : "1406");
		printf("# %s refused: %s\n", pg ? "PostgreSQL" : "MariaDB",
		       ref[2].err.msg);
		free(ref);
		assert_int_equal(query_num(db, "SELECT COUNT(*) FROM iso"),
				 N - 2);
		assert_int_equal(
			query_num(db, "SELECT COUNT(*) FROM iso WHERE id IN "
				      "(123, 777) OR name = 'there'"),
			1);
		exec_ok(db, "DROP TABLE iso");
	}
}

/* ---- the offsets table and its fence */

struct racer {
	int which, won, fenced;
	int64_t from, to;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	kf_db_t *db = open_db(r->which);
	kf_db_err_t e = {0};
	int fenced = 0;

	ok(db, kf_db_begin(db, &e), &e);
	ok(db,
	   kf_db_offsets_advance(db, KF_DB_OFFSETS_TABLE, "g", "t", 0, r->from,
				 r->to, &fenced, &e),
	   &e);
	if (fenced) {
		ok(db, kf_db_rollback(db, &e), &e);
		r->fenced = 1;
	} else {
		ok(db, kf_db_commit(db, &e), &e);
		r->won = 1;
	}
	kf_db_close(db);
	return NULL;
}

static void test_offsets(void **state)
{
	const int32_t parts[2] = {0, 1};

	(void)state;
	FOR_EACH_DB(db)
	{
		int pg = kf_db_dialect(db) == KF_DB_POSTGRES;
		struct racer rc[2] = {{kf_i_, 0, 0, 10, 20},
				      {kf_i_, 0, 0, 10, 30}};
		pthread_t th[2];
		kf_db_err_t e = {0};
		int64_t next[2];
		int fenced, i;

		exec_ok(db, "DROP TABLE IF EXISTS kferry_offsets");
		ok(db, kf_db_offsets_ensure(db, KF_DB_OFFSETS_TABLE, &e), &e);
		ok(db, kf_db_offsets_ensure(db, KF_DB_OFFSETS_TABLE, &e), &e);
		ok(db,
		   kf_db_offsets_read(db, KF_DB_OFFSETS_TABLE, "g", "t", parts,
				      2, next, &e),
		   &e);
		assert_int_equal(next[0], -1);
		assert_int_equal(next[1], -1);

		/* the first batch inserts the row */
		ok(db, kf_db_begin(db, &e), &e);
		ok(db,
		   kf_db_offsets_advance(db, KF_DB_OFFSETS_TABLE, "g", "t", 0,
					 0, 10, &fenced, &e),
		   &e);
		assert_false(fenced);
		ok(db, kf_db_commit(db, &e), &e);

		/* two sinks move the partition from 10 at once: one wins */
		for (i = 0; i < 2; i++)
			assert_int_equal(
				pthread_create(&th[i], NULL, race, &rc[i]), 0);
		for (i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		assert_int_equal(rc[0].won + rc[1].won, 1);
		assert_int_equal(rc[0].fenced + rc[1].fenced, 1);
		ok(db,
		   kf_db_offsets_read(db, KF_DB_OFFSETS_TABLE, "g", "t", parts,
				      2, next, &e),
		   &e);
		assert_int_equal(next[0], rc[0].won ? 20 : 30);
		assert_int_equal(next[1], -1);

		/* a zombie that still believes in 10 is fenced */
		ok(db, kf_db_begin(db, &e), &e);
		ok(db,
		   kf_db_offsets_advance(db, KF_DB_OFFSETS_TABLE, "g", "t", 0,
					 10, 40, &fenced, &e),
		   &e);
		assert_true(fenced);
		ok(db, kf_db_rollback(db, &e), &e);

		/* a newer table is refused, a foreign one too */
		exec_ok(db, pg ? "COMMENT ON TABLE kferry_offsets IS "
				 "'kferry sink offsets v2'"
			       : "ALTER TABLE kferry_offsets COMMENT = "
				 "'kferry sink offsets v2'");
		assert_int_equal(
			kf_db_offsets_ensure(db, KF_DB_OFFSETS_TABLE, &e),
			KF_EVERSION);
		exec_ok(db, pg ? "COMMENT ON TABLE kferry_offsets IS 'mine'"
			       : "ALTER TABLE kferry_offsets COMMENT = 'mine'");
		assert_int_equal(
			kf_db_offsets_ensure(db, KF_DB_OFFSETS_TABLE, &e),
			KF_EINVAL);
		exec_ok(db, "DROP TABLE kferry_offsets");
	}
}

/* ---- the tables of ours carry their version in their comment */

typedef int (*ensure_fn)(kf_db_t *, const char *, kf_db_err_t *);

/* Sets table's comment to c ("" drops it). */
static void set_comment(kf_db_t *db, const char *table, const char *c)
{
	char sql[256];

	if (kf_db_dialect(db) == KF_DB_POSTGRES)
		snprintf(sql, sizeof(sql), "COMMENT ON TABLE %s IS %s%s%s",
			 table, *c ? "'" : "", *c ? c : "NULL", *c ? "'" : "");
	else
		snprintf(sql, sizeof(sql), "ALTER TABLE %s COMMENT = '%s'",
			 table, c);
	exec_ok(db, sql);
}

static void test_table_versions(void **state)
{
	static const struct {
		const char *table, *comment;
		ensure_fn ensure;
	} t[] = {
		{KF_DB_OFFSETS_TABLE, "kferry sink offsets v",
		 kf_db_offsets_ensure},
		{KF_DB_LOADS_TABLE, "kferry sink loads v", kf_db_loads_ensure},
	};

	(void)state;
	FOR_EACH_DB(db)
	{
		int pg = kf_db_dialect(db) == KF_DB_POSTGRES;
		char sql[256], want[64], *got;
		kf_db_err_t e = {0};
		size_t i;

		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s",
				 t[i].table);
			exec_ok(db, sql);
			ok(db, t[i].ensure(db, t[i].table, &e), &e);
			ok(db, t[i].ensure(db, t[i].table, &e), &e);
			/* the comment docs/sink.md gives it, read by SQL */
			snprintf(sql, sizeof(sql),
				 pg ? "SELECT obj_description('%s'::regclass, "
				      "'pg_class')"
				    : "SELECT table_comment FROM "
				      "information_schema.tables WHERE "
				      "table_schema = DATABASE() AND "
				      "table_name = '%s'",
				 t[i].table);
			snprintf(want, sizeof(want), "%s1\n", t[i].comment);
			got = query_text(db, sql);
			assert_string_equal(got, want);
			free(got);
			/* a newer version, a foreign table, none: refused */
			snprintf(want, sizeof(want), "%s2", t[i].comment);
			set_comment(db, t[i].table, want);
			assert_int_equal(t[i].ensure(db, t[i].table, &e),
					 KF_EVERSION);
			assert_non_null(strstr(e.msg, "version 2"));
			set_comment(db, t[i].table, "mine");
			assert_int_equal(t[i].ensure(db, t[i].table, &e),
					 KF_EINVAL);
			assert_non_null(strstr(e.msg, "sink."));
			set_comment(db, t[i].table, "");
			assert_int_equal(t[i].ensure(db, t[i].table, &e),
					 KF_EINVAL);
			assert_non_null(strstr(e.msg, "without a comment"));
			snprintf(sql, sizeof(sql), "DROP TABLE %s", t[i].table);
			exec_ok(db, sql);
		}
	}
}

/* ---- opening: refused URLs, unreachable servers, unknown users */

static void test_open_errors(void **state)
{
	char errstr[512];
	kf_db_t *db = NULL;
	int i;

	(void)state;
	assert_int_equal(kf_db_open("postgresql://u:secret@127.0.0.1/x", NULL,
				    &db, errstr, sizeof(errstr)),
			 KF_EINVAL);
	assert_non_null(strstr(errstr, "password"));
	assert_int_equal(kf_db_open("host=127.0.0.1 password=secret", NULL, &db,
				    errstr, sizeof(errstr)),
			 KF_EINVAL);
	assert_int_equal(kf_db_open("mariadb://u:secret@127.0.0.1/x", NULL, &db,
				    errstr, sizeof(errstr)),
			 KF_EINVAL);
	assert_int_equal(kf_db_open("mysql://127.0.0.1/x?bogus=1", NULL, &db,
				    errstr, sizeof(errstr)),
			 KF_EINVAL);
	assert_int_equal(
		kf_db_open("oracle://x", NULL, &db, errstr, sizeof(errstr)),
		KF_EINVAL);
	/* port 1: nothing listens there */
	assert_int_equal(kf_db_open("postgresql://u@127.0.0.1:1/x", NULL, &db,
				    errstr, sizeof(errstr)),
			 KF_EIO);
	assert_int_equal(kf_db_open("mariadb://u@127.0.0.1:1/x", NULL, &db,
				    errstr, sizeof(errstr)),
			 KF_EIO);
	assert_null(db);
	for (i = 0; i < 2; i++) {
		char url[512];
		const char *at;

		if (!kf_urls[i])
			continue;
		at = strchr(kf_urls[i], '@');
		snprintf(url, sizeof(url), "%s://nobody_here%s",
			 i == 0 ? "postgresql" : "mariadb", at);
		assert_int_equal(
			kf_db_open(url, "wrong", &db, errstr, sizeof(errstr)),
			KF_EAUTH);
		printf("# %s: %s\n", kf_names[i], errstr);
	}
}

/* ---- 100k rows, timed and printed (not asserted) */

static void test_bulk(void **state)
{
	enum {
		N = 100000
	};
	kf_column_t cols[5] = {col("id", KF_T_INT64, 0, 0, 1),
			       col("qty", KF_T_INT32, 0, 0, 0),
			       col("price", KF_T_DECIMAL, 12, 2, 0),
			       col("at", KF_T_TIMESTAMP, 0, 0, 0),
			       col("note", KF_T_TEXT, 0, 0, 0)};
	kf_value_t(*r)[5] = calloc(N, sizeof(*r));
	const kf_value_t **rows = calloc(N, sizeof(*rows));
	int key[1] = {0};
	size_t i;

	(void)state;
	assert_non_null(r);
	assert_non_null(rows);
	for (i = 0; i < N; i++) {
		r[i][0] = kf_test_int(KF_T_INT64, (int64_t)i);
		r[i][1] = kf_test_int(KF_T_INT32, (int64_t)(i % 1000));
		r[i][2] = (kf_value_t){.type = KF_T_DECIMAL,
				       .u.dec = (kf_i128_t)i * 101};
		r[i][3] = kf_test_int(KF_T_TIMESTAMP,
				      1796169763123LL + (int64_t)i);
		r[i][4] = vs(KF_T_TEXT, "주문 메모 order note", 24);
		rows[i] = r[i];
	}
	FOR_EACH_DB(db)
	{
		kf_db_err_t e = {0};
		struct timespec t0, t1;
		double s;
		int mode;

		for (mode = KF_DB_INSERT; mode <= KF_DB_UPSERT; mode++) {
			exec_ok(db, "DROP TABLE IF EXISTS bulk");
			ok(db,
			   kf_db_create_table(db, "bulk", cols, 5, key, 1, &e),
			   &e);
			clock_gettime(CLOCK_MONOTONIC, &t0);
			ok(db, kf_db_begin(db, &e), &e);
			ok(db,
			   kf_db_write(db, "bulk", cols, 5, rows, N,
				       (enum kf_db_mode)mode, key, 1, &e),
			   &e);
			ok(db, kf_db_commit(db, &e), &e);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			s = (double)(t1.tv_sec - t0.tv_sec) +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			printf("# %s %s of %d rows: %.2f s, %.0f rows/s\n",
			       kf_db_dialect(db) == KF_DB_POSTGRES
				       ? "PostgreSQL"
				       : "MariaDB",
			       mode == KF_DB_INSERT ? "insert" : "upsert", N, s,
			       N / s);
			assert_int_equal(
				query_num(db, "SELECT COUNT(*) FROM bulk"), N);
		}
		exec_ok(db, "DROP TABLE bulk");
	}
	free(rows);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_sqltypes),
		cmocka_unit_test(test_conn_lost),
		cmocka_unit_test(test_lock_retry),
		cmocka_unit_test(test_exec_params),
		cmocka_unit_test(test_upsert_delete),
		cmocka_unit_test(test_isolate),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_table_versions),
		cmocka_unit_test(test_bulk),
	};

	kf_urls[0] = getenv("KF_TEST_PG_URL");
	kf_urls[1] = getenv("KF_TEST_MARIADB_URL");
	if (!kf_urls[0] && !kf_urls[1]) {
		fprintf(stderr, "test_db: set KF_TEST_PG_URL and/or "
				"KF_TEST_MARIADB_URL (tests/db/run.sh does)\n");
		return 2;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
