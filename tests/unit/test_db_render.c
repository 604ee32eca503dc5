/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/db/render.c: the exact text of values for COPY and
 * SQL literals (dates around the epoch, leap days and before year 1,
 * timestamps before 1970, decimal(38,s) extremes, booleans per dialect),
 * and the columns of Debezium's types (sqltypes: micro- and nanosecond
 * times, infinities, intervals, non-finite floats, their column types).
 * The text row of COPY and LOAD DATA (kf__db_text_row, db/conn.c): every
 * byte that would end a field or a row escaped, NULL as \N, bytes in
 * hexadecimal. The round trip through real servers is tests/db/test_db.c
 * and tests/sink/t_sink_mariadb_load.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/backend.h"
#include "db/render.h"
#include "kf_test_record.h" /* kf_utf8_count until decode.c is here */

static void test_dates(void **state)
{
	char out[KF_DB_FMT_MAX];

	(void)state;
	kf_db_fmt_date(0, 0, out);
	assert_string_equal(out, "1970-01-01");
	kf_db_fmt_date(-1, 0, out);
	assert_string_equal(out, "1969-12-31");
	kf_db_fmt_date(11016, 0, out);
	assert_string_equal(out, "2000-02-29");
	kf_db_fmt_date(-25567, 0, out);
	assert_string_equal(out, "1900-01-01");
	kf_db_fmt_date(-719162, 1, out);
	assert_string_equal(out, "0001-01-01");
	kf_db_fmt_date(2932896, 0, out);
	assert_string_equal(out, "9999-12-31");
	kf_db_fmt_date(2932897, 0, out); /* past four digits of year */
	assert_string_equal(out, "10000-01-01");
	/* the day before 0001-01-01 is 31 December of 1 BC (year 0) */
	kf_db_fmt_date(-719163, 1, out);
	assert_string_equal(out, "0001-12-31 BC");
	kf_db_fmt_date(-719163, 0, out);
	assert_string_equal(out, "0000-12-31");
	kf_db_fmt_date(-719528 - 365, 1, out); /* year 0 is leap */
	assert_string_equal(out, "0002-01-01 BC");
}

static void test_times(void **state)
{
	char out[KF_DB_FMT_MAX];

	(void)state;
	kf_db_fmt_time(0, out);
	assert_string_equal(out, "00:00:00.000");
	kf_db_fmt_time(86399999, out);
	assert_string_equal(out, "23:59:59.999");
	kf_db_fmt_timestamp(0, 0, out);
	assert_string_equal(out, "1970-01-01 00:00:00.000");
	kf_db_fmt_timestamp(-1, 0, out);
	assert_string_equal(out, "1969-12-31 23:59:59.999");
	kf_db_fmt_timestamp(-86400000, 0, out);
	assert_string_equal(out, "1969-12-31 00:00:00.000");
	kf_db_fmt_timestamp(1796169763123LL, 0, out);
	assert_string_equal(out, "2026-12-02 00:02:43.123");
	/* PostgreSQL wants the era after the time */
	kf_db_fmt_timestamp(-62135596800001LL, 1, out);
	assert_string_equal(out, "0001-12-31 23:59:59.999 BC");
}

/* A decimal(38,scale) value as both databases are given it. */
static const char *dec(kf_i128_t v, int scale, char out[KF_DB_FMT_MAX])
{
	kf_column_t c;
	kf_value_t x = {.type = KF_T_DECIMAL, .u.dec = v};
	int n;

	memset(&c, 0, sizeof(c));
	c.type = KF_T_DECIMAL;
	c.precision = 38;
	c.scale = scale;
	n = kf_db_fmt_scalar(&c, &x, KF_DB_MARIADB, out);
	assert_int_equal(n, (int)strlen(out));
	return out;
}

static void test_decimals(void **state)
{
	kf_i128_t max = 1;
	char out[KF_DB_FMT_MAX];
	int i;

	(void)state;
	for (i = 0; i < 38; i++)
		max *= 10;
	max -= 1;
	assert_string_equal(dec(0, 0, out), "0");
	assert_string_equal(dec(0, 3, out), "0.000");
	assert_string_equal(dec(-5, 2, out), "-0.05");
	assert_string_equal(dec(1230, 2, out), "12.30");
	assert_string_equal(dec(max, 38, out),
			    "0.99999999999999999999999999999999999999");
	assert_string_equal(dec(-max, 0, out),
			    "-99999999999999999999999999999999999999");
	assert_string_equal(dec(-max, 10, out),
			    "-9999999999999999999999999999.9999999999");
}

static void test_scalars(void **state)
{
	kf_column_t c;
	kf_value_t v = {.type = KF_T_BOOLEAN, .u.b = 1};
	char out[KF_DB_FMT_MAX];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.type = KF_T_BOOLEAN;
	assert_int_equal(kf_db_fmt_scalar(&c, &v, KF_DB_POSTGRES, out), 1);
	assert_string_equal(out, "t");
	kf_db_fmt_scalar(&c, &v, KF_DB_MARIADB, out);
	assert_string_equal(out, "1");
	c.type = v.type = KF_T_INT64;
	v.u.i = INT64_MIN;
	kf_db_fmt_scalar(&c, &v, KF_DB_MARIADB, out);
	assert_string_equal(out, "-9223372036854775808");
	v.u.i = INT64_MAX;
	assert_int_equal(kf_db_fmt_scalar(&c, &v, KF_DB_POSTGRES, out), 19);
	assert_string_equal(out, "9223372036854775807");
	v.u.i = 0;
	assert_int_equal(kf_db_fmt_scalar(&c, &v, KF_DB_POSTGRES, out), 1);
	assert_string_equal(out, "0");
	v.u.i = -7;
	kf_db_fmt_scalar(&c, &v, KF_DB_POSTGRES, out);
	assert_string_equal(out, "-7");
	c.type = v.type = KF_T_FLOAT64;
	v.u.f = 0.1;
	kf_db_fmt_scalar(&c, &v, KF_DB_POSTGRES, out);
	assert_true(strtod(out, NULL) == 0.1);
	c.type = v.type = KF_T_DATE;
	v.u.i = -719163;
	kf_db_fmt_scalar(&c, &v, KF_DB_POSTGRES, out);
	assert_string_equal(out, "0001-12-31 BC");
	c.type = v.type = KF_T_DECIMAL;
	c.scale = 2;
	v.u.dec = 1230;
	kf_db_fmt_scalar(&c, &v, KF_DB_POSTGRES, out);
	assert_string_equal(out, "12.30");
	/* spans are the writer's, a wrong type is refused */
	c.type = v.type = KF_T_TEXT;
	assert_int_equal(kf_db_fmt_scalar(&c, &v, KF_DB_POSTGRES, out), -1);
	c.type = KF_T_INT32;
	assert_int_equal(kf_db_fmt_scalar(&c, &v, KF_DB_POSTGRES, out), -1);
}

/* The INT64 of a sqltype column in both dialects. */
static void check_sql(enum kf_sqltype t, int64_t i, const char *pg,
		      const char *my)
{
	kf_column_t c;
	kf_value_t v = {.type = KF_T_INT64, .u.i = i};
	char out[KF_DB_FMT_MAX];

	memset(&c, 0, sizeof(c));
	c.type = KF_T_INT64;
	c.sqltype = t;
	assert_int_equal(kf_db_fmt_scalar(&c, &v, KF_DB_POSTGRES, out),
			 (int)strlen(pg));
	assert_string_equal(out, pg);
	kf_db_fmt_scalar(&c, &v, KF_DB_MARIADB, out);
	assert_string_equal(out, my);
}

static void test_sqltypes(void **state)
{
	(void)state;
	check_sql(KF_SQL_TIMESTAMP_US, 1796188272123456LL,
		  "2026-12-02 05:11:12.123456", "2026-12-02 05:11:12.123456");
	check_sql(KF_SQL_TIMESTAMP_US, -63517953600000000LL,
		  "0044-03-13 12:00:00.000000 BC",
		  "-043-03-13 12:00:00.000000");
	check_sql(KF_SQL_TIMESTAMP_US, -1, "1969-12-31 23:59:59.999999",
		  "1969-12-31 23:59:59.999999");
	check_sql(KF_SQL_TIMESTAMP_NS, 1, "1970-01-01 00:00:00.000000001",
		  "1970-01-01 00:00:00.000000001");
	check_sql(KF_SQL_TIMESTAMPTZ, INT64_MAX, "infinity", "'infinity'");
	check_sql(KF_SQL_TIMESTAMPTZ, INT64_MIN, "-infinity", "'-infinity'");
	check_sql(KF_SQL_TIME_US, 86400000000LL, "24:00:00.000000",
		  "24:00:00.000000");
	check_sql(KF_SQL_TIMETZ, 18672250000LL, "05:11:12.250000",
		  "05:11:12.250000");
	check_sql(KF_SQL_TIME_NS, 1, "00:00:00.000000001",
		  "00:00:00.000000001");
	check_sql(KF_SQL_INTERVAL, 93784500000LL, "26:03:04.500000",
		  "26:03:04.500000");
	check_sql(KF_SQL_INTERVAL, -1, "-00:00:00.000001", "-00:00:00.000001");
	check_sql(KF_SQL_INTERVAL, INT64_MIN, "-2562047788:00:54.775808",
		  "-2562047788:00:54.775808");
}

static void test_nonfinite(void **state)
{
	kf_column_t c;
	kf_value_t v = {.type = KF_T_FLOAT64};
	char out[KF_DB_FMT_MAX];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.type = KF_T_FLOAT64;
	v.u.f = NAN;
	kf_db_fmt_scalar(&c, &v, KF_DB_POSTGRES, out);
	assert_string_equal(out, "NaN");
	kf_db_fmt_scalar(&c, &v, KF_DB_MARIADB, out); /* refused there */
	assert_string_equal(out, "'NaN'");
	c.type = v.type = KF_T_FLOAT32;
	v.u.f = -INFINITY;
	kf_db_fmt_scalar(&c, &v, KF_DB_POSTGRES, out);
	assert_string_equal(out, "-Infinity");
	c.type = v.type = KF_T_TIMESTAMP; /* Debezium's timestamp infinity */
	v.u.i = INT64_MAX;
	kf_db_fmt_scalar(&c, &v, KF_DB_POSTGRES, out);
	assert_string_equal(out, "infinity");
	/* a sqltype on another kf_type than INT64 is not a scalar */
	c.type = v.type = KF_T_TEXT;
	c.sqltype = KF_SQL_UUID;
	assert_int_equal(kf_db_fmt_scalar(&c, &v, KF_DB_POSTGRES, out), -1);
}

static void test_sqltype_names(void **state)
{
	static const struct {
		enum kf_sqltype t;
		const char *pg, *my;
	} want[] = {
		{KF_SQL_TIMESTAMP_US, "timestamp(6) without time zone",
		 "DATETIME(6)"},
		{KF_SQL_TIMESTAMP_NS, "timestamp(6) without time zone",
		 "DATETIME(6)"},
		{KF_SQL_TIMESTAMPTZ, "timestamp(6) with time zone",
		 "DATETIME(6)"},
		{KF_SQL_TIME_US, "time(6)", "TIME(6)"},
		{KF_SQL_TIME_NS, "time(6)", "TIME(6)"},
		{KF_SQL_TIMETZ, "time(6) with time zone", "TIME(6)"},
		{KF_SQL_INTERVAL, "interval", "TIME(6)"},
		{KF_SQL_NUMERIC, "numeric", "DECIMAL(65,30)"},
		{KF_SQL_UUID, "uuid", "UUID"},
		{KF_SQL_XML, "xml", "LONGTEXT"},
		{KF_SQL_BITS, "bit(12)", "BIT(12)"},
	};
	kf_column_t c;
	char buf[64];
	size_t i;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.type = KF_T_TEXT;
	assert_null(kf_db_sqltype_name(&c, 0, KF_DB_POSTGRES, buf, 64));
	c.precision = 12;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		c.sqltype = want[i].t;
		assert_string_equal(
			kf_db_sqltype_name(&c, 0, KF_DB_POSTGRES, buf, 64),
			want[i].pg);
		assert_string_equal(
			kf_db_sqltype_name(&c, 0, KF_DB_MARIADB, buf, 64),
			want[i].my);
	}
	c.sqltype = KF_SQL_XML; /* InnoDB indexes no LONGTEXT */
	assert_string_equal(kf_db_sqltype_name(&c, 1, KF_DB_MARIADB, buf, 64),
			    "VARCHAR(255)");
}

static void test_text_row(void **state)
{
	static const char text[] = "a\tb\nc\\N\rd 한국 \x1a";
	static const char raw[] = {0, '\t', '\\', (char)0xff};
	kf_column_t cols[4];
	kf_value_t row[4] = {
		{.type = KF_T_TEXT, .u.s = {text, sizeof(text) - 1}},
		{.type = KF_T_TEXT, .null = 1},
		{.type = KF_T_BYTES, .u.s = {raw, sizeof(raw)}},
		{.type = KF_T_INT64, .u.i = -42},
	};
	kf_db_sql_t b = {0};
	kf_db_err_t err;

	(void)state;
	memset(cols, 0, sizeof(cols));
	cols[0].type = cols[1].type = KF_T_TEXT;
	cols[2].type = KF_T_BYTES;
	cols[3].type = KF_T_INT64;
	assert_int_equal(
		kf__db_text_row(&b, cols, 4, row, 0, KF_DB_MARIADB, &err), 0);
	assert_string_equal(b.p, "a\\tb\\nc\\\\N\\rd 한국 \x1a\t\\N\t"
				 "00095cff\t-42\n");
	b.len = 0;
	assert_int_equal(
		kf__db_text_row(&b, cols, 4, row, 0, KF_DB_POSTGRES, &err), 0);
	assert_string_equal(b.p, "a\\tb\\nc\\\\N\\rd 한국 \x1a\t\\N\t"
				 "\\\\x00095cff\t-42\n");
	/* a value of another type than its column's is refused */
	b.len = 0;
	row[2].type = KF_T_TEXT;
	assert_int_equal(
		kf__db_text_row(&b, cols, 4, row, 7, KF_DB_MARIADB, &err),
		KF_EINVAL);
	assert_non_null(strstr(err.msg, "row 7"));
	kf_db_sql_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqltypes),
		cmocka_unit_test(test_nonfinite),
		cmocka_unit_test(test_sqltype_names),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_decimals),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_text_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
