/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/record/value.c: parsing field text into typed values
 * (every type, formats, signs, casts, rounding, zones), the checks after
 * parsing, exact decimals and the calendar. Schemas are filled by hand:
 * value.c needs only the plain data of kf_schema_t.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <locale.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kf_test_record.h"
#include "record/schema.h"
#include "record/value.h"

/* A column "c" of type t (decimal(p,s)) and its schema. */
static kf_column_t col_of(enum kf_type t, int p, int s)
{
	kf_column_t c = kf_test_col("c", t);

	c.precision = p;
	c.scale = s;
	return c;
}

struct pcase {
	enum kf_type type;
	int p, s;
	const char *format;
	char point, thousands;
	enum kf_sign sign;
	int implied;
	enum kf_cast_from cast;
	enum kf_round round;
	int tz;
	const char *in;
	const char *code; /* NULL: parses */
	int64_t i;	  /* ints, booleans, dates, times, timestamps */
	const char *dec;  /* decimals: kf_dec_format of the result */
	double f;
};

#define OK_I(t, in, v)                                                         \
	{                                                                      \
		t, 0, 0, NULL, 0, 0, 0, 0, 0, 0, 0, in, NULL, v, NULL, 0       \
	}
#define BAD(t, in, code)                                                       \
	{                                                                      \
		t, 0, 0, NULL, 0, 0, 0, 0, 0, 0, 0, in, code, 0, NULL, 0       \
	}

static const struct pcase parse_cases[] = {
	/* booleans */
	OK_I(KF_T_BOOLEAN, "true", 1),
	OK_I(KF_T_BOOLEAN, "TRUE", 1),
	OK_I(KF_T_BOOLEAN, "t", 1),
	OK_I(KF_T_BOOLEAN, "1", 1),
	OK_I(KF_T_BOOLEAN, "False", 0),
	OK_I(KF_T_BOOLEAN, "F", 0),
	OK_I(KF_T_BOOLEAN, "0", 0),
	BAD(KF_T_BOOLEAN, "yes", "type"),
	BAD(KF_T_BOOLEAN, "", "type"),
	/* integers: the range of each width */
	OK_I(KF_T_INT8, "127", 127),
	OK_I(KF_T_INT8, "-128", -128),
	BAD(KF_T_INT8, "128", "type"),
	BAD(KF_T_INT8, "-129", "type"),
	OK_I(KF_T_INT16, "32767", 32767),
	BAD(KF_T_INT16, "32768", "type"),
	OK_I(KF_T_INT32, "-2147483648", INT32_MIN),
	BAD(KF_T_INT32, "2147483648", "type"),
	OK_I(KF_T_INT64, "9223372036854775807", INT64_MAX),
	OK_I(KF_T_INT64, "-9223372036854775808", INT64_MIN),
	BAD(KF_T_INT64, "9223372036854775808", "type"),
	BAD(KF_T_INT64, "123456789012345678901234567890123456789012", "type"),
	OK_I(KF_T_INT64, "+0042", 42),
	OK_I(KF_T_INT64, "  42 ", 42),
	BAD(KF_T_INT64, "1.0", "type"),
	BAD(KF_T_INT64, "", "type"),
	BAD(KF_T_INT64, "-", "type"),
	BAD(KF_T_INT64, "12a", "type"),
	BAD(KF_T_INT64, "1,234", "type"), /* no thousands byte given */
	{KF_T_INT64, 0, 0, NULL, 0, ',', 0, 0, 0, 0, 0, "1,234", NULL, 1234,
	 NULL, 0},
	/* fixed-width signs */
	{KF_T_INT32, 0, 0, NULL, 0, 0, KF_SIGN_LEADING, 0, 0, 0, 0, "-00123",
	 NULL, -123, NULL, 0},
	{KF_T_INT32, 0, 0, NULL, 0, 0, KF_SIGN_LEADING, 0, 0, 0, 0, "+00123",
	 NULL, 123, NULL, 0},
	{KF_T_INT32, 0, 0, NULL, 0, 0, KF_SIGN_LEADING, 0, 0, 0, 0, "00123",
	 NULL, 123, NULL, 0}, /* a space sign, trimmed as padding */
	{KF_T_INT32, 0, 0, NULL, 0, 0, KF_SIGN_LEADING, 0, 0, 0, 0, "--0012",
	 "type", 0, NULL, 0},
	{KF_T_INT32, 0, 0, NULL, 0, 0, KF_SIGN_TRAILING, 0, 0, 0, 0, "00123-",
	 NULL, -123, NULL, 0},
	{KF_T_INT32, 0, 0, NULL, 0, 0, KF_SIGN_TRAILING, 0, 0, 0, 0, "00123*",
	 "type", 0, NULL, 0},
	{KF_T_INT32, 0, 0, NULL, 0, 0, KF_SIGN_OVERPUNCH, 0, 0, 0, 0, "0012{",
	 NULL, 120, NULL, 0},
	{KF_T_INT32, 0, 0, NULL, 0, 0, KF_SIGN_OVERPUNCH, 0, 0, 0, 0, "0012A",
	 NULL, 121, NULL, 0},
	{KF_T_INT32, 0, 0, NULL, 0, 0, KF_SIGN_OVERPUNCH, 0, 0, 0, 0, "0012I",
	 NULL, 129, NULL, 0},
	{KF_T_INT32, 0, 0, NULL, 0, 0, KF_SIGN_OVERPUNCH, 0, 0, 0, 0, "0012}",
	 NULL, -120, NULL, 0},
	{KF_T_INT32, 0, 0, NULL, 0, 0, KF_SIGN_OVERPUNCH, 0, 0, 0, 0, "0012R",
	 NULL, -129, NULL, 0},
	{KF_T_INT32, 0, 0, NULL, 0, 0, KF_SIGN_OVERPUNCH, 0, 0, 0, 0, "00125",
	 NULL, 125, NULL, 0},
	{KF_T_INT32, 0, 0, NULL, 0, 0, KF_SIGN_OVERPUNCH, 0, 0, 0, 0, "0012X",
	 "type", 0, NULL, 0},
	/* decimals: the table of docs/records.md 1.3, scale 2 */
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, 0, 0, "12345.67", NULL, 0,
	 "12345.67", 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, 0, 0, "-12345.67", NULL, 0,
	 "-12345.67", 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, 0, 0, "0", NULL, 0, "0.00",
	 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, 0, 0, "100", NULL, 0,
	 "100.00", 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, 0, 0, "1.28", NULL, 0,
	 "1.28", 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, 0, 0, "-0.01", NULL, 0,
	 "-0.01", 0},
	{KF_T_DECIMAL, 17, 2, NULL, 0, 0, 0, 0, 0, 0, 0, "123456789012345.67",
	 NULL, 0, "123456789012345.67", 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, ',', 0, 0, 0, 0, 0, "1,200.00", NULL, 0,
	 "1200.00", 0},
	{KF_T_DECIMAL, 15, 2, NULL, ',', '.', 0, 0, 0, 0, 0, "1.234,5", NULL, 0,
	 "1234.50", 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, 0, 0, ".5", NULL, 0, "0.50",
	 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, 0, 0, "12345678901234.00",
	 "precision", 0, NULL, 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, 0, 0, "0000012345.67", NULL,
	 0, "12345.67", 0}, /* leading zeros are not digits of precision */
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, 0, 0, "1.234", "scale", 0,
	 NULL, 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, 0, 0, "1.230", "scale", 0,
	 NULL, 0}, /* never rounded without `round`, zeros included */
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, 0, 0, "1.2.3", "type", 0,
	 NULL, 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, 0, 0, "", "type", 0, NULL,
	 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, 0, 0, "1e3", "type", 0, NULL,
	 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, KF_ROUND_HALF_EVEN, 0,
	 "1.235", NULL, 0, "1.24", 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, KF_ROUND_HALF_EVEN, 0,
	 "1.245", NULL, 0, "1.24", 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, KF_ROUND_HALF_EVEN, 0,
	 "1.2451", NULL, 0, "1.25", 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, KF_ROUND_HALF_UP, 0, "1.245",
	 NULL, 0, "1.25", 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, KF_ROUND_HALF_UP, 0,
	 "-1.245", NULL, 0, "-1.25", 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, KF_ROUND_HALF_UP, 0, "1.244",
	 NULL, 0, "1.24", 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 0, 0, KF_ROUND_TRUNCATE, 0,
	 "-1.249", NULL, 0, "-1.24", 0},
	{KF_T_DECIMAL, 3, 2, NULL, 0, 0, 0, 0, 0, KF_ROUND_HALF_UP, 0, "9.995",
	 "precision", 0, NULL, 0}, /* rounds to 10.00 */
	{KF_T_DECIMAL, 38, 0, NULL, 0, 0, 0, 0, 0, 0, 0,
	 "99999999999999999999999999999999999999", NULL, 0,
	 "99999999999999999999999999999999999999", 0},
	{KF_T_DECIMAL, 38, 0, NULL, 0, 0, 0, 0, 0, 0, 0,
	 "-99999999999999999999999999999999999999", NULL, 0,
	 "-99999999999999999999999999999999999999", 0},
	{KF_T_DECIMAL, 38, 0, NULL, 0, 0, 0, 0, 0, 0, 0,
	 "100000000000000000000000000000000000000", "precision", 0, NULL, 0},
	{KF_T_DECIMAL, 38, 2, NULL, 0, 0, 0, 0, 0, 0, 0,
	 "1000000000000000000000000000000000000", "precision", 0, NULL, 0},
	/* COBOL PIC S9(13)V99 with an overpunched sign */
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 1, 0, 0, 0, "000000001234567",
	 NULL, 0, "12345.67", 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, KF_SIGN_OVERPUNCH, 1, 0, 0, 0,
	 "00000000123456P", NULL, 0, "-12345.67", 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, KF_SIGN_TRAILING, 0, 0, 0, 0,
	 "12.50-", NULL, 0, "-12.50", 0},
	{KF_T_DECIMAL, 15, 2, NULL, 0, 0, 0, 1, 0, 0, 0, "1234.5", "type", 0,
	 NULL, 0},
	/* floats: finite only */
	{KF_T_FLOAT64, 0, 0, NULL, 0, 0, 0, 0, 0, 0, 0, "1.5", NULL, 0, NULL,
	 1.5},
	{KF_T_FLOAT64, 0, 0, NULL, 0, 0, 0, 0, 0, 0, 0, "-2.5e3", NULL, 0, NULL,
	 -2500},
	{KF_T_FLOAT64, 0, 0, NULL, ',', '.', 0, 0, 0, 0, 0, "1.234,25", NULL, 0,
	 NULL, 1234.25},
	{KF_T_FLOAT32, 0, 0, NULL, 0, 0, 0, 0, 0, 0, 0, "0.1", NULL, 0, NULL,
	 (double)0.1f},
	{KF_T_FLOAT64, 0, 0, NULL, 0, 0, 0, 0, 0, 0, 0, "nan", "type", 0, NULL,
	 0},
	{KF_T_FLOAT64, 0, 0, NULL, 0, 0, 0, 0, 0, 0, 0, "inf", "type", 0, NULL,
	 0},
	{KF_T_FLOAT64, 0, 0, NULL, 0, 0, 0, 0, 0, 0, 0, "1e999", "type", 0,
	 NULL, 0},
	{KF_T_FLOAT32, 0, 0, NULL, 0, 0, 0, 0, 0, 0, 0, "1e39", "type", 0, NULL,
	 0},
	{KF_T_FLOAT64, 0, 0, NULL, 0, 0, 0, 0, 0, 0, 0, "0x10", "type", 0, NULL,
	 0},
	{KF_T_FLOAT64, 0, 0, NULL, 0, 0, 0, 0, 0, 0, 0, "", "type", 0, NULL, 0},
	/* dates */
	OK_I(KF_T_DATE, "1970-01-01", 0),
	OK_I(KF_T_DATE, "1969-12-31", -1),
	OK_I(KF_T_DATE, "2026-12-02", 20789),
	OK_I(KF_T_DATE, "2000-03-01", 11017),
	OK_I(KF_T_DATE, "2024-02-29", 19782),
	OK_I(KF_T_DATE, "1900-03-01", -25508),
	OK_I(KF_T_DATE, "0001-01-01", -719162),
	OK_I(KF_T_DATE, "9999-12-31", 2932896),
	BAD(KF_T_DATE, "2026-02-29", "type"),
	BAD(KF_T_DATE, "1900-02-29", "type"),
	BAD(KF_T_DATE, "2026-13-01", "type"),
	BAD(KF_T_DATE, "2026-12-02 ", "type"),
	BAD(KF_T_DATE, "26-12-02", "type"),
	BAD(KF_T_DATE, "", "type"),
	{KF_T_DATE, 0, 0, "%Y%m%d", 0, 0, 0, 0, 0, 0, 0, "20261202", NULL,
	 20789, NULL, 0},
	{KF_T_DATE, 0, 0, "%d/%m/%Y", 0, 0, 0, 0, 0, 0, 0, "2/12/2026", NULL,
	 20789, NULL, 0},
	{KF_T_DATE, 0, 0, "%Y.%m.%d", 0, 0, 0, 0, 0, 0, 0, "2026-12-02", "type",
	 0, NULL, 0},
	{KF_T_DATE, 0, 0, NULL, 0, 0, 0, 0, KF_CAST_YYYYMMDD, 0, 0, "20261202",
	 NULL, 20789, NULL, 0},
	{KF_T_TIMESTAMP, 0, 0, NULL, 0, 0, 0, 0, KF_CAST_YYYYMMDD, 0, 540,
	 "20261202", NULL, INT64_C(1796171415000) - 34215000, NULL, 0},
	{KF_T_DATE, 0, 0, NULL, 0, 0, 0, 0, KF_CAST_EPOCH_MS, 0, 540,
	 "1796203815000", NULL, 20789, NULL, 0},
	{KF_T_DATE, 0, 0, NULL, 0, 0, 0, 0, KF_CAST_EPOCH_S, 0, 0, "-1", NULL,
	 -1, NULL, 0},
	{KF_T_DATE, 0, 0, NULL, 0, 0, 0, 0, KF_CAST_EPOCH_S, 0, 540,
	 "1796232000", NULL, 20790, NULL,
	 0}, /* 17:20Z: the next day in Seoul */
	{KF_T_TIME, 0, 0, NULL, 0, 0, 0, 0, KF_CAST_EPOCH_MS, 0, 0, "1000",
	 "type", 0, NULL, 0},
	{KF_T_DATE, 0, 0, NULL, 0, 0, 0, 0, KF_CAST_YYYYMMDD, 0, 0, "20261232",
	 "type", 0, NULL, 0},
	/* times */
	OK_I(KF_T_TIME, "00:00:00", 0),
	OK_I(KF_T_TIME, "09:30:15", 34215000),
	OK_I(KF_T_TIME, "23:59:59.999", 86399999),
	OK_I(KF_T_TIME, "12:00:00,5", 43200500),
	OK_I(KF_T_TIME, "12:00:00.123000000", 43200123),
	BAD(KF_T_TIME, "12:00:00.1234", "scale"),
	BAD(KF_T_TIME, "12:00:00.", "type"),
	BAD(KF_T_TIME, "12:00:00.1234567890", "type"),
	BAD(KF_T_TIME, "24:00:00", "type"),
	BAD(KF_T_TIME, "12:60:00", "type"),
	{KF_T_TIME, 0, 0, NULL, 0, 0, 0, 0, 0, KF_ROUND_HALF_UP, 0,
	 "12:00:00.1235", NULL, 43200124, NULL, 0},
	{KF_T_TIME, 0, 0, NULL, 0, 0, 0, 0, 0, KF_ROUND_TRUNCATE, 0,
	 "12:00:00.1239", NULL, 43200123, NULL, 0},
	{KF_T_TIME, 0, 0, NULL, 0, 0, 0, 0, 0, KF_ROUND_HALF_UP, 0,
	 "23:59:59.9996", "type", 0, NULL, 0}, /* would be 24:00 */
	{KF_T_TIME, 0, 0, "%H%M", 0, 0, 0, 0, 0, 0, 0, "0930", NULL, 34200000,
	 NULL, 0},
	/* timestamps (docs/records.md 5.3) */
	{KF_T_TIMESTAMP, 0, 0, "%Y-%m-%d %H:%M:%S", 0, 0, 0, 0, 0, 0, 0,
	 "2026-12-02 09:30:15", NULL, INT64_C(1796203815000), NULL, 0},
	{KF_T_TIMESTAMP, 0, 0, "%Y-%m-%d %H:%M:%S", 0, 0, 0, 0, 0, 0, 540,
	 "2026-12-02 09:30:15", NULL, INT64_C(1796171415000), NULL, 0},
	OK_I(KF_T_TIMESTAMP, "2026-12-02T09:30:15Z", INT64_C(1796203815000)),
	OK_I(KF_T_TIMESTAMP, "2026-12-02 09:30:15", INT64_C(1796203815000)),
	OK_I(KF_T_TIMESTAMP, "2026-12-02T09:30:15+09:00",
	     INT64_C(1796171415000)),
	OK_I(KF_T_TIMESTAMP, "2026-12-02T09:30:15.123+0900",
	     INT64_C(1796171415123)),
	OK_I(KF_T_TIMESTAMP, "2026-12-02T00:30:15-09", INT64_C(1796203815000)),
	OK_I(KF_T_TIMESTAMP, "1969-12-31T23:59:59Z", -1000),
	{KF_T_TIMESTAMP, 0, 0, NULL, 0, 0, 0, 0, 0, 0, 540,
	 "2026-12-02T09:30:15Z", NULL, INT64_C(1796203815000), NULL, 0},
	{KF_T_TIMESTAMP, 0, 0, NULL, 0, 0, 0, 0, 0, 0, 540,
	 "2026-12-02T09:30:15", NULL, INT64_C(1796171415000), NULL, 0},
	{KF_T_TIMESTAMP, 0, 0, NULL, 0, 0, 0, 0, 0, KF_ROUND_HALF_EVEN, 0,
	 "2026-12-02T09:30:15.9995Z", NULL, INT64_C(1796203816000), NULL, 0},
	BAD(KF_T_TIMESTAMP, "2026-12-02T09:30:15.9995Z", "scale"),
	BAD(KF_T_TIMESTAMP, "2026-12-02T09:30:15+25:00", "type"),
	BAD(KF_T_TIMESTAMP, "2026-12-02X09:30:15", "type"),
	BAD(KF_T_TIMESTAMP, "2026-12-02", "type"),
	{KF_T_TIMESTAMP, 0, 0, "%Y-%m-%d %H:%M:%S", 0, 0, 0, 0, 0, 0, 0,
	 "2026-12-02T09:30:15", "type", 0, NULL, 0},
	{KF_T_TIMESTAMP, 0, 0, NULL, 0, 0, 0, 0, KF_CAST_EPOCH_MS, 0, 0,
	 "1796203815123", NULL, INT64_C(1796203815123), NULL, 0},
	{KF_T_TIMESTAMP, 0, 0, NULL, 0, 0, 0, 0, KF_CAST_EPOCH_S, 0, 0,
	 "1796203815", NULL, INT64_C(1796203815000), NULL, 0},
	{KF_T_TIMESTAMP, 0, 0, NULL, 0, 0, 0, 0, KF_CAST_EPOCH_S, 0, 0, "-1",
	 NULL, -1000, NULL, 0},
	{KF_T_TIMESTAMP, 0, 0, NULL, 0, 0, 0, 0, KF_CAST_EPOCH_S, 0, 0,
	 "17962038.15", "type", 0, NULL, 0},
};

static void check_case(const struct pcase *k)
{
	kf_column_t c = col_of(k->type, k->p, k->s);
	kf_schema_t s = kf_test_schema(&c, 1);
	kf_reject_t rej = {0};
	kf_value_t v;
	char dec[48];
	int rc;

	c.format = (char *)k->format;
	if (k->point)
		c.decimal_point = k->point;
	c.thousands = k->thousands;
	c.sign = k->sign;
	c.implied = k->implied;
	c.cast_from = k->cast;
	c.round = k->round;
	s.tz_minutes = k->tz;
	rc = kf_value_parse(&s, 0, k->in, strlen(k->in), &v, &rej);
	if (k->code) {
		if (rc != -1 || strcmp(rej.code, k->code) != 0)
			fail_msg("'%s' as type %d: expected reject %s, got rc "
				 "%d %s",
				 k->in, k->type, k->code, rc,
				 rc ? rej.code : "");
		assert_int_equal(rej.col, 0);
		assert_true(strncmp(rej.reason, "c: ", 3) == 0);
		return;
	}
	if (rc != 0)
		fail_msg("'%s' as type %d: %s %s", k->in, k->type, rej.code,
			 rej.reason);
	assert_int_equal(v.type, k->type);
	assert_false(v.null);
	if (k->type == KF_T_DECIMAL) {
		kf_dec_format(v.u.dec, k->s, dec);
		assert_string_equal(dec, k->dec);
	} else if (k->type == KF_T_FLOAT32 || k->type == KF_T_FLOAT64) {
		assert_true(v.u.f == k->f);
	} else if (k->type == KF_T_BOOLEAN) {
		assert_int_equal(v.u.b, k->i);
	} else if (v.u.i != k->i) {
		fail_msg("'%s' as type %d: %lld, expected %lld", k->in, k->type,
			 (long long)v.u.i, (long long)k->i);
	}
}

static void test_parse_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++)
		check_case(&parse_cases[i]);
}

static void test_bool_format(void **state)
{
	kf_column_t c = col_of(KF_T_BOOLEAN, 0, 0);
	kf_schema_t s = kf_test_schema(&c, 1);
	kf_reject_t rej;
	kf_value_t v;

	(void)state;
	c.format = "Y/N";
	c.bool_true = "Y";
	c.bool_false = "N";
	assert_int_equal(kf_value_parse(&s, 0, "Y", 1, &v, &rej), 0);
	assert_int_equal(v.u.b, 1);
	assert_int_equal(kf_value_parse(&s, 0, "N", 1, &v, &rej), 0);
	assert_int_equal(v.u.b, 0);
	assert_int_equal(kf_value_parse(&s, 0, "true", 4, &v, &rej), -1);
	assert_string_equal(rej.code, "type");
	assert_non_null(strstr(rej.reason, "Y/N"));
}

static void test_spans(void **state)
{
	static const enum kf_type types[] = {KF_T_TEXT, KF_T_BYTES, KF_T_JSON};
	const char *in = "홍길동 {\"a\":1}";
	kf_column_t c;
	kf_schema_t s;
	kf_reject_t rej;
	kf_value_t v;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		c = col_of(types[i], 0, 0);
		s = kf_test_schema(&c, 1);
		assert_int_equal(
			kf_value_parse(&s, 0, in, strlen(in), &v, &rej), 0);
		assert_ptr_equal(v.u.s.ptr, in);
		assert_int_equal(v.u.s.len, strlen(in));
	}
}

/* A reason never quotes the value of a masked column. */
static void test_masked_reason(void **state)
{
	kf_column_t c = col_of(KF_T_INT64, 0, 0);
	kf_schema_t s = kf_test_schema(&c, 1);
	kf_reject_t rej;
	kf_value_t v;

	(void)state;
	assert_int_equal(kf_value_parse(&s, 0, "9410x", 5, &v, &rej), -1);
	assert_non_null(strstr(rej.reason, "9410x"));
	c.mask = KF_MASK_KEEP;
	assert_int_equal(kf_value_parse(&s, 0, "9410x", 5, &v, &rej), -1);
	assert_null(strstr(rej.reason, "9410"));
	c.type = KF_T_TEXT;
	c.min_text = "z";
	c.min.null = 0;
	c.min.type = KF_T_TEXT;
	c.min.u.s.ptr = "z";
	c.min.u.s.len = 1;
	assert_int_equal(kf_value_parse(&s, 0, "9410x", 5, &v, &rej), 0);
	assert_int_equal(kf_value_check(&s, 0, &v, &rej), -1);
	assert_string_equal(rej.code, "min");
	assert_null(strstr(rej.reason, "9410"));
}

/* Parses in as the column's type and runs the checks: the reject code,
 * or NULL. */
static const char *checked(kf_schema_t *s, const char *in)
{
	static kf_reject_t rej;
	kf_value_t v;

	assert_int_equal(kf_value_parse(s, 0, in, strlen(in), &v, &rej), 0);
	return kf_value_check(s, 0, &v, &rej) ? rej.code : NULL;
}

static void set_bound(kf_schema_t *s, kf_value_t *b, char **text,
		      const char *in)
{
	kf_reject_t rej;

	*text = (char *)in;
	assert_int_equal(kf_value_parse(s, 0, in, strlen(in), b, &rej), 0);
}

static void test_min_max(void **state)
{
	kf_column_t c = col_of(KF_T_DECIMAL, 15, 2);
	kf_schema_t s = kf_test_schema(&c, 1);

	(void)state;
	set_bound(&s, &c.min, &c.min_text, "0");
	set_bound(&s, &c.max, &c.max_text, "100.5");
	assert_null(checked(&s, "0.00"));
	assert_null(checked(&s, "100.50"));
	assert_string_equal(checked(&s, "-0.01"), "min");
	assert_string_equal(checked(&s, "100.51"), "max");

	c = col_of(KF_T_DATE, 0, 0);
	set_bound(&s, &c.min, &c.min_text, "2026-01-01");
	assert_null(checked(&s, "2026-01-01"));
	assert_string_equal(checked(&s, "2025-12-31"), "min");

	c = col_of(KF_T_INT64, 0, 0);
	set_bound(&s, &c.min, &c.min_text, "1");
	assert_null(checked(&s, "1001"));
	assert_string_equal(checked(&s, "0"), "min");
	{
		kf_reject_t rej;
		kf_value_t v;

		kf_value_parse(&s, 0, "0", 1, &v, &rej);
		assert_int_equal(kf_value_check(&s, 0, &v, &rej), -1);
		assert_string_equal(rej.reason, "c: 0 is below min 1");
		v.null = 1; /* NULL passes: required is the caller's check */
		assert_int_equal(kf_value_check(&s, 0, &v, &rej), 0);
	}

	c = col_of(KF_T_TIMESTAMP, 0, 0);
	set_bound(&s, &c.max, &c.max_text, "2026-12-31T23:59:59Z");
	assert_null(checked(&s, "2026-12-31T23:59:59Z"));
	assert_string_equal(checked(&s, "2027-01-01T00:00:00Z"), "max");

	c = col_of(KF_T_FLOAT64, 0, 0);
	set_bound(&s, &c.max, &c.max_text, "1.5");
	assert_string_equal(checked(&s, "1.51"), "max");
}

static void test_length_bytes_enum(void **state)
{
	static char *vals[] = {"KRW", "USD", "JPY"};
	kf_column_t c = col_of(KF_T_TEXT, 0, 0);
	kf_schema_t s = kf_test_schema(&c, 1);

	(void)state;
	c.has_length = 1;
	c.length_min = 3;
	c.length_max = 3;
	assert_null(checked(&s, "홍길동")); /* 3 characters, 9 bytes */
	assert_string_equal(checked(&s, "홍길"), "length");
	assert_string_equal(checked(&s, "abcd"), "length");
	c.has_length = 0;
	c.max_bytes = 6;
	assert_string_equal(checked(&s, "홍길동"), "max_bytes");
	assert_null(checked(&s, "홍길"));
	c.max_bytes = 0;
	c.enum_vals = vals;
	c.n_enum = 3;
	assert_null(checked(&s, "USD"));
	assert_string_equal(checked(&s, "usd"), "enum");
	assert_string_equal(checked(&s, "US"), "enum");
	assert_string_equal(checked(&s, ""), "enum");
}

/* Compiled as kf_schema_prepare does: ^(RE)$, REG_EXTENDED, C.UTF-8. */
static void compile_re(regex_t *re, const char *pattern)
{
	locale_t loc = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0), old;
	char buf[256];

	assert_true(loc != (locale_t)0);
	snprintf(buf, sizeof(buf), "^(%s)$", pattern);
	old = uselocale(loc);
	assert_int_equal(regcomp(re, buf, REG_EXTENDED | REG_NOSUB), 0);
	uselocale(old);
	freelocale(loc);
}

static void test_regex(void **state)
{
	kf_column_t c = col_of(KF_T_TEXT, 0, 0);
	kf_schema_t s = kf_test_schema(&c, 1);
	regex_t rrn, three;

	(void)state;
	compile_re(&rrn, "[0-9]{6}-[1-8][0-9]{6}");
	c.regex = "[0-9]{6}-[1-8][0-9]{6}";
	c.regex_compiled = &rrn;
	assert_null(checked(&s, "900101-1234567"));
	assert_string_equal(checked(&s, "900101-9234567"), "regex");
	assert_string_equal(checked(&s, "x900101-1234567"), "regex");
	{
		/* the span ends where the value does, not at a NUL */
		kf_reject_t rej;
		kf_value_t v;

		assert_int_equal(
			kf_value_parse(&s, 0, "900101-12345678", 14, &v, &rej),
			0);
		assert_int_equal(kf_value_check(&s, 0, &v, &rej), 0);
	}
	/* '.' is a character, so three Hangul syllables are three */
	compile_re(&three, "...");
	c.regex = "...";
	c.regex_compiled = &three;
	assert_null(checked(&s, "홍길동"));
	assert_string_equal(checked(&s, "홍길"), "regex");
	regfree(&rrn);
	regfree(&three);
}

static void test_cmp(void **state)
{
	kf_value_t a = {.type = KF_T_TEXT}, b = {.type = KF_T_TEXT};

	(void)state;
	a.u.s.ptr = "ab";
	a.u.s.len = 2;
	b.u.s.ptr = "abc";
	b.u.s.len = 3;
	assert_true(kf_value_cmp(&a, &b) < 0);
	assert_true(kf_value_cmp(&b, &a) > 0);
	b.u.s.len = 2;
	assert_int_equal(kf_value_cmp(&a, &b), 0);
	a.type = b.type = KF_T_DECIMAL;
	a.u.dec = -1;
	b.u.dec = (kf_i128_t)1 << 100;
	assert_true(kf_value_cmp(&a, &b) < 0);
	a.type = b.type = KF_T_BOOLEAN;
	a.u.b = 1;
	b.u.b = 0;
	assert_true(kf_value_cmp(&a, &b) > 0);
}

/* The minimal two's complement of docs/records.md 1.3. */
static void test_dec_bytes(void **state)
{
	static const struct {
		const char *value;
		const char *hex;
	} t[] = {
		{"12345.67", "12d687"},
		{"-12345.67", "ed2979"},
		{"0.00", "00"},
		{"100.00", "2710"},
		{"1.28", "0080"},
		{"-0.01", "ff"},
		{"123456789012345.67", "2bdc545d6b4b87"},
		{"-1.28", "80"},
		{"-1.29", "ff7f"},
		{"1.27", "7f"},
		{"999999999999999999999999999999999999.99",
		 "4b3b4ca85a86c47a098a223fffffffff"},
		{"-999999999999999999999999999999999999.99",
		 "b4c4b357a5793b85f675ddc000000001"},
	};
	uint8_t out[16];
	char hex[33], back[48];
	kf_i128_t v;
	size_t i, j, n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(kf_dec_parse(t[i].value, strlen(t[i].value),
					      '.', 0, 38, 2, KF_ROUND_NONE, &v,
					      NULL, 0),
				 0);
		n = kf_dec_bytes(v, out);
		for (j = 0; j < n; j++)
			snprintf(hex + 2 * j, 3, "%02x", out[j]);
		assert_string_equal(hex, t[i].hex);
		assert_int_equal(kf_dec_format(v, 2, back), strlen(t[i].value));
		assert_string_equal(back, t[i].value);
	}
	assert_int_equal(kf_dec_format(-5, 3, back), 6);
	assert_string_equal(back, "-0.005");
	assert_int_equal(kf_dec_format(42, 0, back), 2);
	assert_string_equal(back, "42");
}

static void test_calendar(void **state)
{
	(void)state;
	assert_int_equal(kf_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(kf_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(kf_days_from_civil(2026, 12, 2), 20789);
	assert_int_equal(kf_date_valid(2024, 2, 29), 0);
	assert_int_equal(kf_date_valid(2100, 2, 29), -1);
	assert_int_equal(kf_date_valid(2000, 2, 29), 0);
	assert_int_equal(kf_date_valid(2026, 4, 31), -1);
	assert_int_equal(kf_date_valid(2026, 0, 1), -1);
	assert_int_equal(kf_date_valid(0, 1, 1), -1);
}

/* kf_value_format writes what the type's default format reads back. */
static void test_format_roundtrip(void **state)
{
	static const struct {
		enum kf_type t;
		const char *in, *text;
	} t[] = {
		{KF_T_BOOLEAN, "T", "true"},
		{KF_T_INT16, "-0042", "-42"},
		{KF_T_DECIMAL, "-3.5", "-3.50"},
		{KF_T_FLOAT64, "0.1", "0.10000000000000001"},
		{KF_T_DATE, "1969-12-31", "1969-12-31"},
		{KF_T_TIME, "09:30:15", "09:30:15.000"},
		{KF_T_TIMESTAMP, "2026-12-02T09:30:15.5+09:00",
		 "2026-12-02T00:30:15.500Z"},
		{KF_T_TIMESTAMP, "1969-12-31T23:59:59.999Z",
		 "1969-12-31T23:59:59.999Z"},
		{KF_T_TEXT, "abc", ""},
	};
	kf_column_t c;
	kf_schema_t s;
	kf_reject_t rej;
	kf_value_t a, b;
	char out[64];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		c = col_of(t[i].t, 10, 2);
		s = kf_test_schema(&c, 1);
		assert_int_equal(kf_value_parse(&s, 0, t[i].in, strlen(t[i].in),
						&a, &rej),
				 0);
		n = kf_value_format(&a, c.scale, out);
		assert_string_equal(out, t[i].text);
		assert_int_equal(n, strlen(t[i].text));
		if (t[i].t == KF_T_TEXT)
			continue;
		assert_int_equal(kf_value_parse(&s, 0, out, n, &b, &rej), 0);
		assert_int_equal(kf_value_cmp(&a, &b), 0);
	}
}

static void test_reject(void **state)
{
	kf_reject_t rej;

	(void)state;
	assert_int_equal(kf_reject(&rej, "required", 3, "%s: no value", "x"),
			 -1);
	assert_string_equal(rej.code, "required");
	assert_int_equal(rej.col, 3);
	assert_string_equal(rej.reason, "x: no value");
	assert_int_equal(kf_reject(NULL, "type", 0, "ignored"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_bool_format),
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_masked_reason),
		cmocka_unit_test(test_min_max),
		cmocka_unit_test(test_length_bytes_enum),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_dec_bytes),
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_format_roundtrip),
		cmocka_unit_test(test_reject),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
