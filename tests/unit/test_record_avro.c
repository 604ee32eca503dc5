/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/record/avro.c and serial_avro.c (docs/schemas.md
 * 1.2, 1.3, 3.2, 4.1): the binary encoding against the byte vectors of
 * the Avro 1.11 specification ("Binary Encoding"), the schema JSON kferry
 * registers, a row encoded in the Confluent wire format and decoded back
 * through the parsed schema, hostile bodies refused, and the explanation
 * of incompatible changes.
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
#include "record/avro.h"
#include "record/avrodec.h"
#include "record/envelope.h"
#include "record/serial.h"

static void expect_bytes(const kf_strbuf_t *b, const char *hex)
{
	char got[1024] = "";
	size_t i;

	for (i = 0; i < b->len && 2 * i + 2 < sizeof(got); i++)
		snprintf(got + 2 * i, 3, "%02x", (unsigned char)b->p[i]);
	assert_string_equal(got, hex);
}

static void enc_long(int64_t v, const char *hex)
{
	kf_strbuf_t b;
	kf_avro_in_t in;
	int64_t back;

	kf_strbuf_heap(&b, 16);
	kf_avro_put_long(&b, v);
	expect_bytes(&b, hex);
	in.p = (const uint8_t *)b.p;
	in.end = in.p + b.len;
	assert_int_equal(kf_avro_get_long(&in, &back), 0);
	assert_true(back == v);
	assert_ptr_equal(in.p, in.end);
	free(b.p);
}

/* The spec's table of zigzag varints, and the ends of the range. */
static void test_varints(void **state)
{
	static const uint8_t eleven[11] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0x01};
	kf_avro_in_t in = {eleven, eleven + 11};
	int64_t v;

	(void)state;
	enc_long(0, "00");
	enc_long(-1, "01");
	enc_long(1, "02");
	enc_long(-2, "03");
	enc_long(2, "04");
	enc_long(-64, "7f");
	enc_long(64, "8001");
	enc_long(INT64_MAX, "feffffffffffffffff01");
	enc_long(INT64_MIN, "ffffffffffffffffff01");
	assert_int_equal(kf_avro_get_long(&in, &v), -1); /* 11 bytes */
	in.p = eleven;
	in.end = eleven + 3; /* cut short */
	assert_int_equal(kf_avro_get_long(&in, &v), -1);
}

static void test_primitives(void **state)
{
	kf_strbuf_t b;
	kf_avro_in_t in;
	const uint8_t *p;
	size_t n;
	float f;
	double d;

	(void)state;
	kf_strbuf_heap(&b, 64);
	kf_avro_put_bytes(&b, "foo", 3); /* the spec's example */
	expect_bytes(&b, "06666f6f");
	b.len = 0;
	kf_avro_put_float(&b, 1.0f);
	kf_avro_put_double(&b, -2.5);
	expect_bytes(&b, "0000803f00000000000004c0");
	in.p = (const uint8_t *)b.p;
	in.end = in.p + b.len;
	assert_int_equal(kf_avro_get_float(&in, &f), 0);
	assert_int_equal(kf_avro_get_double(&in, &d), 0);
	assert_true(f == 1.0f && d == -2.5);
	assert_int_equal(kf_avro_get_float(&in, &f), -1); /* nothing left */
	b.len = 0;
	kf_avro_put_long(&b, 5); /* a length past the end */
	kf_strbuf_append(&b, "abc", 3);
	in.p = (const uint8_t *)b.p;
	in.end = in.p + b.len;
	assert_int_equal(kf_avro_get_bytes(&in, &p, &n), -1);
	free(b.p);
}

/* id int64 (key), amount decimal(10,2) optional with a doc, day date,
 * at time, ts timestamp, memo text optional, ok boolean, r float32. */
static kf_column_t cols[8];
static int key[1] = {0};

static kf_schema_t the_schema(void)
{
	kf_schema_t s;

	cols[0] = kf_test_col("id", KF_T_INT64);
	cols[0].required = 1;
	cols[1] = kf_test_col("amount", KF_T_DECIMAL);
	cols[1].precision = 10;
	cols[1].scale = 2;
	cols[1].doc = "won, \"net\"";
	cols[2] = kf_test_col("day", KF_T_DATE);
	cols[2].required = 1;
	cols[3] = kf_test_col("at", KF_T_TIME);
	cols[3].required = 1;
	cols[4] = kf_test_col("ts", KF_T_TIMESTAMP);
	cols[4].required = 1;
	cols[5] = kf_test_col("memo", KF_T_TEXT);
	cols[6] = kf_test_col("ok", KF_T_BOOLEAN);
	cols[6].required = 1;
	cols[7] = kf_test_col("r", KF_T_FLOAT32);
	cols[7].required = 1;
	s = kf_test_schema(cols, 8);
	s.name = "kferry.settlement";
	s.key = key;
	s.nkey = 1;
	return s;
}

static const char value_schema[] =
	"{\"type\":\"record\",\"name\":\"settlement\",\"namespace\":"
	"\"kferry\",\"fields\":["
	"{\"name\":\"id\",\"type\":\"long\"},"
	"{\"name\":\"amount\",\"type\":[\"null\",{\"type\":\"bytes\","
	"\"logicalType\":\"decimal\",\"precision\":10,\"scale\":2}],"
	"\"doc\":\"won, \\\"net\\\"\",\"default\":null},"
	"{\"name\":\"day\",\"type\":{\"type\":\"int\",\"logicalType\":"
	"\"date\"}},"
	"{\"name\":\"at\",\"type\":{\"type\":\"int\",\"logicalType\":"
	"\"time-millis\"}},"
	"{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":"
	"\"timestamp-millis\"}},"
	"{\"name\":\"memo\",\"type\":[\"null\",\"string\"],"
	"\"default\":null},"
	"{\"name\":\"ok\",\"type\":\"boolean\"},"
	"{\"name\":\"r\",\"type\":\"float\"}]}";

static void test_schema_json(void **state)
{
	kf_schema_t s = the_schema();
	kf_strbuf_t v, k;

	(void)state;
	kf_strbuf_heap(&v, 64);
	kf_strbuf_heap(&k, 64);
	assert_int_equal(kf_serial_avro_schemas(&s, &v, &k), 0);
	assert_string_equal(v.p, value_schema);
	assert_string_equal(k.p, "{\"type\":\"record\",\"name\":"
				 "\"settlement_key\",\"namespace\":\"kferry\","
				 "\"fields\":[{\"name\":\"id\",\"type\":"
				 "\"long\"}]}");
	free(v.p);
	free(k.p);
}

static void row(kf_value_t *v)
{
	memset(v, 0, 8 * sizeof(*v));
	v[0] = kf_test_int(KF_T_INT64, 7);
	v[1] = kf_test_dec(-12345); /* -123.45: cf c7 */
	v[2] = kf_test_int(KF_T_DATE, 20789);
	v[3] = kf_test_int(KF_T_TIME, 34215000);
	v[4] = kf_test_int(KF_T_TIMESTAMP, 1796203815000);
	v[5] = kf_test_text("\xea\xb0\x80"); /* 가 */
	v[6] = kf_test_int(KF_T_BOOLEAN, 0);
	v[6].u.b = 1;
	v[7].type = KF_T_FLOAT32;
	v[7].u.f = 0.5;
}

/* The wire format of a row: header, then each field (docs/schemas.md
 * 1.2, 4.1), and the same row decoded through the parsed schema. */
static void test_row_round_trip(void **state)
{
	kf_schema_t s = the_schema();
	kf_value_t v[8], back[8];
	kf_serializer_t *z = kf_serial_avro(&s, 3, 0x01020304, NULL, 0);
	kf_avro_rec_t *r;
	kf_reject_t rej;
	kf_strbuf_t b;
	char err[256];

	(void)state;
	assert_non_null(z);
	row(v);
	kf_strbuf_heap(&b, 64);
	assert_int_equal(kf_serial_value(z, v, &b), 0);
	expect_bytes(&b, "0001020304"	/* magic, id */
			 "0e"		/* id 7 */
			 "0204cfc7"	/* branch 1, 2 bytes, -12345 */
			 "eac402"	/* 20789 */
			 "b0d1d020"	/* 34215000 */
			 "b081b9e1c668" /* 1796203815000 */
			 "0206eab080"	/* branch 1, 3 bytes */
			 "01"		/* true */
			 "0000003f");	/* 0.5f */
	r = kf_avro_rec_parse(value_schema, strlen(value_schema), err,
			      sizeof(err));
	assert_non_null(r);
	assert_string_equal(kf_avro_rec_schema(r)->name, "kferry.settlement");
	assert_int_equal(kf_avro_rec_schema(r)->cols[1].type, KF_T_DECIMAL);
	assert_int_equal(kf_avro_rec_schema(r)->cols[1].scale, 2);
	assert_int_equal(kf_avro_rec_schema(r)->cols[1].required, 0);
	assert_int_equal(kf_avro_rec_schema(r)->cols[3].type, KF_T_TIME);
	assert_int_equal(kf_avro_rec_decode(r, b.p + 5, b.len - 5, back, &rej),
			 0);
	assert_true(back[0].u.i == 7 && back[1].u.dec == -12345 &&
		    back[2].u.i == 20789 && back[3].u.i == 34215000 &&
		    back[4].u.i == 1796203815000 && back[6].u.b == 1 &&
		    back[7].u.f == 0.5);
	assert_int_equal(back[5].u.s.len, 3);
	assert_memory_equal(back[5].u.s.ptr, "\xea\xb0\x80", 3);
	/* nulls: branch 0 */
	v[1].null = v[5].null = 1;
	b.len = 0;
	assert_int_equal(kf_serial_key(z, v, &b), 0);
	expect_bytes(&b, "00000000030e");
	b.len = 0;
	assert_int_equal(kf_serial_value(z, v, &b), 0);
	assert_int_equal(kf_avro_rec_decode(r, b.p + 5, b.len - 5, back, &rej),
			 0);
	assert_true(back[1].null && back[5].null && !back[0].null);
	kf_avro_rec_free(r);
	kf_serial_free(z);
	free(b.p);
}

static void refused(const char *js, const char *what)
{
	char err[256];

	assert_null(kf_avro_rec_parse(js, strlen(js), err, sizeof(err)));
	assert_non_null(strstr(err, what));
}

/* Hostile bodies: every one refused with the field named. */
static void test_refusals(void **state)
{
	static const char sch[] =
		"{\"type\":\"record\",\"name\":\"t\",\"fields\":["
		"{\"name\":\"a\",\"type\":[\"null\",\"int\"]},"
		"{\"name\":\"s\",\"type\":\"string\"},"
		"{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\","
		"\"symbols\":[\"X\",\"Y\"]}}]}";
	static const struct {
		const char *body;
		size_t len;
		const char *what;
	} bad[] = {
		{"\x04\x02\x02"
		 "a\x00",
		 5, "field a"}, /* branch 2 */
		{"\x02\x02\x04"
		 "a",
		 4, "field s"},				/* string past end */
		{"\x02\x02\x02\xff\x00", 5, "field s"}, /* not UTF-8 */
		{"\x00\x02"
		 "a\x04",
		 4, "field e"}, /* symbol 2 of 2 */
		{"\x00\x02"
		 "a\x00\x00",
		 5, "left over"}, /* a byte too many */
		{"\x02\xff\xff\xff\xff\x1f", 6, "field a"}, /* int overflow */
	};
	kf_value_t v[3];
	kf_reject_t rej;
	char err[256];
	kf_avro_rec_t *r =
		kf_avro_rec_parse(sch, strlen(sch), err, sizeof(err));
	size_t i;

	(void)state;
	assert_non_null(r);
	assert_int_equal(kf_avro_rec_decode(r, "\x02\x0e\x02x\x02", 5, v, &rej),
			 0);
	assert_true(v[0].u.i == 7 && v[1].u.s.len == 1 &&
		    !strcmp(v[2].u.s.ptr, "Y"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
			kf_avro_rec_decode(r, bad[i].body, bad[i].len, v, &rej),
			-1);
		assert_string_equal(rej.code, "format");
		assert_non_null(strstr(rej.reason, bad[i].what));
	}
	kf_avro_rec_free(r);
	/* schemas rows cannot hold */
	refused("{\"type\":\"record\",\"name\":\"t\",\"fields\":[{\"name\":"
		"\"a\",\"type\":{\"type\":\"array\",\"items\":\"int\"}}]}",
		"field a: a record, array or map");
	refused("\"int\"", "not a record");
	refused("{\"type\":\"record\",\"name\":\"t\",\"fields\":[{\"name\":"
		"\"a\",\"type\":\"int\"},{\"name\":\"a\",\"type\":\"long\"}]}",
		"field a twice");
	refused("{\"type\":\"record\",\"name\":\"t\",\"fields\":[{\"name\":"
		"\"a\",\"type\":[\"int\",\"string\"]}]}",
		"field a: a union other than null");
}

static kf_avro_rec_t *rec(const char *fields)
{
	char js[512], err[256];
	kf_avro_rec_t *r;

	snprintf(js, sizeof(js),
		 "{\"type\":\"record\",\"name\":\"t\",\"fields\":[%s]}",
		 fields);
	r = kf_avro_rec_parse(js, strlen(js), err, sizeof(err));
	assert_non_null(r);
	return r;
}

/* docs/schemas.md 3.2: the field and the rule of a refused change. */
static void test_explain(void **state)
{
	kf_avro_rec_t *v1 = rec("{\"name\":\"a\",\"type\":\"int\"},"
				"{\"name\":\"b\",\"type\":\"double\"}");
	kf_avro_rec_t *wider = rec("{\"name\":\"a\",\"type\":\"long\"},"
				   "{\"name\":\"b\",\"type\":\"double\"},"
				   "{\"name\":\"c\",\"type\":[\"null\","
				   "\"string\"],\"default\":null}");
	kf_avro_rec_t *narrower = rec("{\"name\":\"a\",\"type\":\"int\"},"
				      "{\"name\":\"b\",\"type\":\"float\"}");
	kf_avro_rec_t *required = rec("{\"name\":\"a\",\"type\":\"int\"},"
				      "{\"name\":\"b\",\"type\":\"double\"},"
				      "{\"name\":\"c\",\"type\":\"string\"}");
	char why[512];

	(void)state;
	assert_int_equal(
		kf_avro_explain(v1, wider, "BACKWARD", why, sizeof(why)), 0);
	assert_int_equal(
		kf_avro_explain(v1, narrower, "BACKWARD", why, sizeof(why)), 1);
	assert_non_null(strstr(why, "field b: type double written, float"));
	assert_non_null(strstr(why, "BACKWARD"));
	assert_int_equal(kf_avro_explain(v1, required, "BACKWARD_TRANSITIVE",
					 why, sizeof(why)),
			 1);
	assert_non_null(strstr(why, "field c:"));
	assert_non_null(strstr(why, "without a default"));
	/* FORWARD: the old schema reads the new data; long into int fails */
	assert_int_equal(kf_avro_explain(v1, wider, "FULL", why, sizeof(why)),
			 1);
	assert_non_null(strstr(why, "field a: type long written, int read: "
				    "FORWARD"));
	assert_int_equal(
		kf_avro_explain(v1, narrower, "NONE", why, sizeof(why)), 0);
	kf_avro_rec_free(v1);
	kf_avro_rec_free(wider);
	kf_avro_rec_free(narrower);
	kf_avro_rec_free(required);
}

/* The schema of id 5 only (what a registry would answer). */
static int lookup5(void *opaque, uint32_t id, kf_wire_schema_t *out,
		   kf_reject_t *rej)
{
	if (id != 5)
		return kf_reject(rej, "format", -1, "schema id %u unknown", id);
	out->avro = opaque;
	return 0;
}

/* docs/schemas.md 6: wire-format messages through the envelope decoder's
 * hook, in the decoded form of Connect JSON; JSON still read beside. */
static void test_wire_decoder(void **state)
{
	static const char sch[] = "{\"type\":\"record\",\"name\":\"r\","
				  "\"namespace\":\"k\",\"fields\":[{\"name\":"
				  "\"id\",\"type\":\"long\"},{\"name\":\"s\","
				  "\"type\":[\"null\",\"string\"]}]}";
	static const char json[] =
		"{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":"
		"\"int64\",\"optional\":false,\"field\":\"id\"}],"
		"\"optional\":false,\"name\":\"j\"},\"payload\":{\"id\":3}}";
	char err[256];
	kf_avro_rec_t *r =
		kf_avro_rec_parse(sch, strlen(sch), err, sizeof(err));
	kf_avrodec_t *ad = kf_avrodec_new(lookup5, r);
	kf_envdec_t *d = kf_envdec_new();
	kf_env_msg_t m;
	kf_reject_t rej;

	(void)state;
	assert_non_null(r);
	assert_non_null(ad);
	assert_non_null(d);
	/* without the hook a wire-format value is no JSON */
	assert_int_equal(
		kf_envdec_decode(d, NULL, 0, "\0\0\0\0\5\x0e\0", 7, &m, &rej),
		-1);
	kf_envdec_set_wire(d, kf_avrodec_wire, ad);
	assert_int_equal(kf_envdec_decode(d, "\0\0\0\0\5\x0e\0", 7,
					  "\0\0\0\0\5\x0e\x02\x04hi", 10, &m,
					  &rej),
			 0);
	assert_int_equal(m.kind, KF_ENV_RECORD);
	assert_string_equal(m.schema->name, "k.r");
	assert_true(m.after[0].u.i == 7 && m.after[1].u.s.len == 2);
	assert_non_null(m.key_schema);
	assert_true(m.key[0].u.i == 7 && m.key[1].null);
	assert_int_equal(
		kf_envdec_decode(d, NULL, 0, json, strlen(json), &m, &rej), 0);
	assert_true(m.after[0].u.i == 3);
	/* a Connect JSON key beside a wire-format value */
	assert_int_equal(kf_envdec_decode(d, json, strlen(json),
					  "\0\0\0\0\5\x0e\0", 7, &m, &rej),
			 0);
	assert_string_equal(m.key_schema->name, "j");
	assert_true(m.key[0].u.i == 3 && m.after[0].u.i == 7);
	/* an id the registry does not know; a header cut short */
	assert_int_equal(
		kf_envdec_decode(d, NULL, 0, "\0\0\0\0\6\x0e\0", 7, &m, &rej),
		-1);
	assert_non_null(strstr(rej.reason, "schema id 6"));
	assert_int_equal(kf_avrodec_decode(ad, NULL, 0, "\0\0\0", 3, &m, &rej),
			 -1);
	assert_non_null(strstr(rej.reason, "wire format"));
	kf_envdec_free(d);
	kf_avrodec_free(ad);
	kf_avro_rec_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varints),
		cmocka_unit_test(test_primitives),
		cmocka_unit_test(test_schema_json),
		cmocka_unit_test(test_row_round_trip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_wire_decoder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
