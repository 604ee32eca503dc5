/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/record/serial_json.c (Connect's JsonConverter with
 * schemas): the whole key and value of docs/records.md 1.6 byte for byte,
 * the decimal table of 1.3 in both decimal formats, every type's schema
 * and payload, floats, escaping, nulls, no key. Schemas are filled by
 * hand, as the schema loader would leave them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "kf_test_record.h"
#include "record/schema.h"
#include "record/serial.h"
#include "record/value.h"

static kf_column_t col(const char *name, enum kf_type t, int required)
{
	kf_column_t c = kf_test_col(name, t);

	c.required = required;
	return c;
}

static kf_column_t dec_col(const char *name, int p, int s, int required)
{
	kf_column_t c = col(name, KF_T_DECIMAL, required);

	c.precision = p;
	c.scale = s;
	return c;
}

/* kferry.settlement, version 1, with the key columns key[0..nkey). */
static kf_schema_t schema_of(kf_column_t *cols, size_t n, int *key, size_t nkey)
{
	kf_schema_t s = kf_test_schema(cols, n);

	s.name = "kferry.settlement";
	s.schema_version = 1;
	s.key = key;
	s.nkey = nkey;
	return s;
}

static kf_value_t v_null(enum kf_type t)
{
	kf_value_t v = {.type = t, .null = 1};

	return v;
}

/* Serializes vals; which: 'k' key, 'v' value. The text, to free. */
static char *ser(kf_serializer_t *z, int which, const kf_value_t *vals, int *rc)
{
	kf_strbuf_t b;

	kf_strbuf_heap(&b, 16); /* small: the writer must grow it */
	*rc = which == 'k' ? kf_serial_key(z, vals, &b)
			   : kf_serial_value(z, vals, &b);
	assert_false(b.failed);
	return b.p;
}

/* config/settlement.schema's columns and its first row, transformed
 * (card_no masked, source_file computed), as in docs/records.md 1.6. */
static void test_settlement_record(void **state)
{
	static const char key_want[] =
		"{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":"
		"\"int64\",\"optional\":false,\"field\":\"settle_id\"}],"
		"\"optional\":false,\"name\":\"kferry.settlement.Key\","
		"\"version\":1},\"payload\":{\"settle_id\":1001}}";
	/* the lines of docs/records.md 1.6, joined */
	static const char value_want[] =
		"{\"schema\":{\"type\":\"struct\",\"fields\":["
		"{\"type\":\"int64\",\"optional\":false,\"field\":\"settle_"
		"id\"},"
		"{\"type\":\"string\",\"optional\":false,\"field\":\"merchant_"
		"no\"},"
		"{\"type\":\"int32\",\"optional\":false,\"name\":\"org.apache."
		"kafka.connect.data.Date\",\"version\":1,\"field\":\"settle_"
		"date\"},"
		"{\"type\":\"int64\",\"optional\":false,\"name\":\"org.apache."
		"kafka.connect.data.Timestamp\",\"version\":1,\"field\":"
		"\"approved_at\"},"
		"{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache."
		"kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{"
		"\"scale\":\"2\",\"connect.decimal.precision\":\"15\"},"
		"\"field\":\"amount\"},"
		"{\"type\":\"bytes\",\"optional\":true,\"name\":\"org.apache."
		"kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{"
		"\"scale\":\"2\",\"connect.decimal.precision\":\"15\"},"
		"\"field\":\"fee\"},"
		"{\"type\":\"string\",\"optional\":false,\"field\":"
		"\"currency\"},"
		"{\"type\":\"string\",\"optional\":false,\"field\":\"card_no\"}"
		","
		"{\"type\":\"string\",\"optional\":false,\"field\":\"status\"},"
		"{\"type\":\"string\",\"optional\":true,\"field\":\"memo\"},"
		"{\"type\":\"string\",\"optional\":true,\"field\":\"source_"
		"file\"}],"
		"\"optional\":false,\"name\":\"kferry.settlement\",\"version\":"
		"1},"
		"\"payload\":{\"settle_id\":1001,\"merchant_no\":\"M000123\","
		"\"settle_date\":20789,"
		"\"approved_at\":1796171415000,\"amount\":\"EtaH\",\"fee\":"
		"\"MDo=\",\"currency\":\"KRW\","
		"\"card_no\":\"************5678\",\"status\":\"OK\",\"memo\":"
		"null,"
		"\"source_file\":\"settle_20261202.csv\"}}";
	kf_column_t cols[] = {
		col("settle_id", KF_T_INT64, 1),
		col("merchant_no", KF_T_TEXT, 1),
		col("settle_date", KF_T_DATE, 1),
		col("approved_at", KF_T_TIMESTAMP, 1),
		dec_col("amount", 15, 2, 1),
		dec_col("fee", 15, 2, 0),
		col("currency", KF_T_TEXT, 1),
		col("card_no", KF_T_TEXT, 1),
		col("status", KF_T_TEXT, 1),
		col("memo", KF_T_TEXT, 0),
		col("source_file", KF_T_TEXT, 0),
	};
	int key[] = {0};
	kf_schema_t s = schema_of(cols, 11, key, 1);
	kf_value_t vals[] = {
		kf_test_int(KF_T_INT64, 1001),
		kf_test_span(KF_T_TEXT, "M000123"),
		kf_test_int(KF_T_DATE, 20789),
		kf_test_int(KF_T_TIMESTAMP, INT64_C(1796171415000)),
		kf_test_dec(1234567),
		kf_test_dec(12346),
		kf_test_span(KF_T_TEXT, "KRW"),
		kf_test_span(KF_T_TEXT, "************5678"),
		kf_test_span(KF_T_TEXT, "OK"),
		v_null(KF_T_TEXT),
		kf_test_span(KF_T_TEXT, "settle_20261202.csv"),
	};
	char err[128];
	kf_serializer_t *z;
	char *out;
	int rc;

	(void)state;
	cols[0].key_pos = 0;
	z = kf_serial_connect_json(&s, 0, err, sizeof(err));
	assert_non_null(z);
	assert_string_equal(z->ops->name, "connect-json");
	out = ser(z, 'k', vals, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(out, key_want);
	free(out);
	out = ser(z, 'v', vals, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(out, value_want);
	free(out);
	/* the same serializer again: the head is rendered once, reused */
	out = ser(z, 'v', vals, &rc);
	assert_string_equal(out, value_want);
	free(out);
	kf_serial_free(z);
	kf_serial_free(NULL);
}

/* The table of docs/records.md 1.3 (scale 2), base64 and numeric. */
static void test_decimals(void **state)
{
	static const struct {
		kf_i128_t unscaled;
		const char *b64, *num;
	} t[] = {
		{1234567, "\"EtaH\"", "12345.67"},
		{-1234567, "\"7Sl5\"", "-12345.67"},
		{0, "\"AA==\"", "0.00"},
		{10000, "\"JxA=\"", "100.00"},
		{128, "\"AIA=\"", "1.28"},
		{-1, "\"/w==\"", "-0.01"},
		{12345678901234567, "\"K9xUXWtLhw==\"", "123456789012345.67"},
	};
	kf_column_t c = dec_col("d", 38, 2, 1);
	kf_schema_t s = schema_of(&c, 1, NULL, 0);
	kf_serializer_t *z64, *znum;
	char want[256], *out;
	kf_value_t v;
	size_t i;
	int rc;

	(void)state;
	s.name = "t";
	s.schema_version = 0;
	z64 = kf_serial_connect_json(&s, 0, NULL, 0);
	znum = kf_serial_connect_json(&s, 1, NULL, 0);
	assert_non_null(z64);
	assert_non_null(znum);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = kf_test_dec(t[i].unscaled);
		out = ser(z64, 'v', &v, &rc);
		snprintf(want, sizeof(want), "\"payload\":{\"d\":%s}}",
			 t[i].b64);
		assert_non_null(strstr(out, want));
		free(out);
		out = ser(znum, 'v', &v, &rc);
		snprintf(want, sizeof(want), "\"payload\":{\"d\":%s}}",
			 t[i].num);
		assert_non_null(strstr(out, want));
		/* the same schema in both formats, with no version */
		assert_non_null(strstr(
			out, "{\"schema\":{\"type\":\"struct\",\"fields\":[{"
			     "\"type\":\"bytes\",\"optional\":false,\"name\":"
			     "\"org.apache.kafka.connect.data.Decimal\","
			     "\"version\":1,\"parameters\":{\"scale\":\"2\","
			     "\"connect.decimal.precision\":\"38\"},\"field\":"
			     "\"d\"}],\"optional\":false,\"name\":\"t\"},"));
		free(out);
	}
	kf_serial_free(z64);
	kf_serial_free(znum);
}

/* Every type's schema and payload; the key absent without key columns;
 * a column with emit = false is not written. */
static void test_types(void **state)
{
	static const uint8_t raw[] = {0x00, 0xff, 0x10, 'a'};
	kf_column_t cols[] = {
		col("b", KF_T_BOOLEAN, 1), col("i8", KF_T_INT8, 1),
		col("i16", KF_T_INT16, 1), col("i32", KF_T_INT32, 1),
		col("f", KF_T_FLOAT32, 1), col("d", KF_T_FLOAT64, 1),
		col("t", KF_T_TIME, 1),	   col("by", KF_T_BYTES, 0),
		col("j", KF_T_JSON, 0),	   col("hidden", KF_T_TEXT, 0),
		col("doc", KF_T_TEXT, 0),
	};
	kf_schema_t s = schema_of(cols, 11, NULL, 0);
	kf_value_t vals[11];
	kf_serializer_t *z;
	kf_strbuf_t b;
	char *out;
	int rc;

	(void)state;
	cols[9].emit = 0;
	cols[10].doc = "the \"doc\"";
	vals[0] = kf_test_int(KF_T_BOOLEAN, 0);
	vals[0].u.b = 1;
	vals[1] = kf_test_int(KF_T_INT8, -128);
	vals[2] = kf_test_int(KF_T_INT16, 32767);
	vals[3] = kf_test_int(KF_T_INT32, -7);
	vals[4] = kf_test_int(KF_T_FLOAT32, 0);
	vals[4].u.f = (double)0.1f;
	vals[5] = kf_test_int(KF_T_FLOAT64, 0);
	vals[5].u.f = 1e7;
	vals[6] = kf_test_int(KF_T_TIME, 86399999);
	vals[7] = kf_test_span(KF_T_BYTES, "");
	vals[7].u.s.ptr = (const char *)raw;
	vals[7].u.s.len = sizeof(raw);
	vals[8] = kf_test_span(KF_T_JSON, "{\"a\":[1,2]}");
	vals[9] = kf_test_span(KF_T_TEXT, "never");
	vals[10] = v_null(KF_T_TEXT);
	z = kf_serial_connect_json(&s, 0, NULL, 0);
	assert_non_null(z);
	kf_strbuf_heap(&b, 8);
	assert_int_equal(kf_serial_key(z, vals, &b), 1);
	assert_int_equal(b.len, 0);
	free(b.p);
	out = ser(z, 'v', vals, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(
		out,
		"{\"schema\":{\"type\":\"struct\",\"fields\":["
		"{\"type\":\"boolean\",\"optional\":false,\"field\":\"b\"},"
		"{\"type\":\"int8\",\"optional\":false,\"field\":\"i8\"},"
		"{\"type\":\"int16\",\"optional\":false,\"field\":\"i16\"},"
		"{\"type\":\"int32\",\"optional\":false,\"field\":\"i32\"},"
		"{\"type\":\"float\",\"optional\":false,\"field\":\"f\"},"
		"{\"type\":\"double\",\"optional\":false,\"field\":\"d\"},"
		"{\"type\":\"int32\",\"optional\":false,\"name\":"
		"\"org.apache.kafka.connect.data.Time\",\"version\":1,"
		"\"field\":\"t\"},"
		"{\"type\":\"bytes\",\"optional\":true,\"field\":\"by\"},"
		"{\"type\":\"string\",\"optional\":true,\"field\":\"j\"},"
		"{\"type\":\"string\",\"optional\":true,\"doc\":"
		"\"the \\\"doc\\\"\",\"field\":\"doc\"}],"
		"\"optional\":false,\"name\":\"kferry.settlement\","
		"\"version\":1},\"payload\":{\"b\":true,\"i8\":-128,"
		"\"i16\":32767,\"i32\":-7,\"f\":0.1,\"d\":10000000,"
		"\"t\":86399999,\"by\":\"AP8QYQ==\",\"j\":"
		"\"{\\\"a\\\":[1,2]}\",\"doc\":null}}");
	free(out);
	kf_serial_free(z);
}

/* Shortest round trip; escaping as Jackson writes it. */
static void test_floats_and_escapes(void **state)
{
	static const struct {
		enum kf_type t;
		double f;
		const char *want;
	} fl[] = {
		{KF_T_FLOAT64, 0.1, "0.1"},
		{KF_T_FLOAT64, 1.0 / 3, "0.3333333333333333"},
		{KF_T_FLOAT64, -2.5e-7, "-2.5e-07"},
		{KF_T_FLOAT64, 1e300, "1e+300"},
		{KF_T_FLOAT64, 5e-324, "5e-324"},
		{KF_T_FLOAT64, 0.30000000000000004, "0.30000000000000004"},
		{KF_T_FLOAT32, (double)(1.0f / 3), "0.33333334"},
		{KF_T_FLOAT64, 1e16, "10000000000000000"},
		{KF_T_FLOAT64, 1e17, "1e+17"},
		{KF_T_FLOAT64, 123456.5, "123456.5"},
		{KF_T_FLOAT32, (double)1e9f, "1e+09"},
		{KF_T_FLOAT32, (double)1e8f, "100000000"},
		{KF_T_FLOAT32, (double)16777216.0f, "16777216"},
	};
	kf_column_t c = col("x", KF_T_FLOAT64, 1);
	kf_schema_t s = schema_of(&c, 1, NULL, 0);
	kf_serializer_t *z;
	char want[128], *out;
	kf_value_t v;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		c.type = fl[i].t;
		z = kf_serial_connect_json(&s, 0, NULL, 0);
		v = kf_test_int(fl[i].t, 0);
		v.u.f = fl[i].f;
		out = ser(z, 'v', &v, &rc);
		snprintf(want, sizeof(want), "\"payload\":{\"x\":%s}}",
			 fl[i].want);
		if (!strstr(out, want))
			fail_msg("%.17g: %s, expected %s", fl[i].f, out,
				 fl[i].want);
		free(out);
		kf_serial_free(z);
	}

	c.type = KF_T_TEXT;
	z = kf_serial_connect_json(&s, 0, NULL, 0);
	v = kf_test_span(KF_T_TEXT, "a\"b\\c\n\r\t\b\f\x01\x1f/\x7f홍");
	out = ser(z, 'v', &v, &rc);
	assert_non_null(strstr(out, "\"payload\":{\"x\":\"a\\\"b\\\\c\\n\\r"
				    "\\t\\b\\f\\u0001\\u001F/\x7f홍\"}}"));
	free(out);
	kf_serial_free(z);
}

/* A key of two columns in key order, not schema order. */
static void test_key_order(void **state)
{
	kf_column_t cols[] = {col("a", KF_T_TEXT, 1), col("b", KF_T_INT32, 1)};
	int key[] = {1, 0};
	kf_schema_t s = schema_of(cols, 2, key, 2);
	kf_value_t vals[] = {kf_test_span(KF_T_TEXT, "x"),
			     kf_test_int(KF_T_INT32, 5)};
	kf_serializer_t *z;
	char *out;
	int rc;

	(void)state;
	s.name = "n";
	s.schema_version = 0;
	z = kf_serial_connect_json(&s, 1, NULL, 0);
	out = ser(z, 'k', vals, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(
		out, "{\"schema\":{\"type\":\"struct\",\"fields\":["
		     "{\"type\":\"int32\",\"optional\":false,\"field\":\"b\"},"
		     "{\"type\":\"string\",\"optional\":false,\"field\":\"a\"}"
		     "],\"optional\":false,\"name\":\"n.Key\"},\"payload\":"
		     "{\"b\":5,\"a\":\"x\"}}");
	free(out);
	kf_serial_free(z);
}

/* JSON Schema in the wire format (docs/schemas.md 4.2): the header, the
 * bare payload object; and the documents registered for value and key. */
static void test_json_schema(void **state)
{
	kf_column_t cols[] = {col("id", KF_T_INT32, 1),
			      dec_col("amount", 5, 2, 0)};
	int key[] = {0};
	kf_schema_t s = schema_of(cols, 2, key, 1);
	kf_value_t vals[] = {kf_test_int(KF_T_INT32, 5), v_null(KF_T_DECIMAL)};
	kf_serializer_t *z = kf_serial_json_schema(&s, 1, 3, 0x0102, NULL, 0);
	kf_strbuf_t b, v, k;

	(void)state;
	assert_non_null(z);
	kf_strbuf_heap(&b, 4);
	assert_int_equal(kf_serial_value(z, vals, &b), 0);
	assert_int_equal(b.len, 5 + 22);
	assert_memory_equal(b.p, "\0\0\0\x01\x02{\"id\":5,\"amount\":null}",
			    27);
	b.len = 0;
	assert_int_equal(kf_serial_key(z, vals, &b), 0);
	assert_memory_equal(b.p, "\0\0\0\0\x03{\"id\":5}", 13);
	kf_strbuf_heap(&v, 4);
	kf_strbuf_heap(&k, 4);
	assert_int_equal(kf_serial_json_schemas(&s, 1, &v, &k), 0);
	assert_string_equal(
		v.p, "{\"$schema\":\"http://json-schema.org/draft-07/schema#\","
		     "\"title\":\"kferry.settlement\",\"type\":\"object\","
		     "\"properties\":{\"id\":{\"type\":\"integer\",\"minimum\":"
		     "-2147483648,\"maximum\":2147483647,\"connect.type\":"
		     "\"int32\"},\"amount\":{\"type\":[\"number\",\"null\"],"
		     "\"connect.type\":\"bytes\",\"title\":\"org.apache.kafka."
		     "connect.data.Decimal\",\"connect.version\":1,\"connect."
		     "parameters\":{\"scale\":\"2\",\"connect.decimal."
		     "precision\":\"5\"}}},\"required\":[\"id\"],"
		     "\"additionalProperties\":false}");
	assert_non_null(strstr(k.p, "\"title\":\"kferry.settlement.Key\""));
	free(b.p);
	free(v.p);
	free(k.p);
	kf_serial_free(z);
}

/* A fixed buffer too small: -1, and the buffer says failed. */
static void test_out_of_room(void **state)
{
	kf_column_t c = col("a", KF_T_TEXT, 1);
	kf_schema_t s = schema_of(&c, 1, NULL, 0);
	kf_value_t v = kf_test_span(KF_T_TEXT, "x");
	kf_serializer_t *z = kf_serial_connect_json(&s, 0, NULL, 0);
	char small[16];
	kf_strbuf_t b;

	(void)state;
	kf_strbuf_fixed(&b, small, sizeof(small));
	assert_int_equal(kf_serial_value(z, &v, &b), -1);
	assert_true(b.failed);
	kf_serial_free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settlement_record),
		cmocka_unit_test(test_decimals),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_floats_and_escapes),
		cmocka_unit_test(test_key_order),
		cmocka_unit_test(test_json_schema),
		cmocka_unit_test(test_out_of_room),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
