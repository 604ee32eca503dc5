/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/db/render.c: the exact text of values for COPY and
 * SQL literals (dates around the epoch, leap days and before year 1,
 * timestamps before 1970, decimal(38,s) extremes, booleans per dialect).
 * The round trip through real servers is tests/db/test_db.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_decimals),
		cmocka_unit_test(test_scalars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
