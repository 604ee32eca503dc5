/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/record/jsonschema.c and the JSON bodies of
 * record/avrodec.h (docs/schemas.md 4.2-4.4): kferry's own documents read
 * back into the columns they were rendered from, and a row written by the
 * json-schema serializer read back into the same values; documents as
 * Kafka Connect's JsonSchemaConverter writes them (oneOf with null,
 * annotations on the branch); the unannotated mapping; Debezium's
 * envelope; hostile documents and bodies refused with the property named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "kf_test_record.h"
#include "record/avrodec.h"
#include "record/jsonschema.h"
#include "record/serial.h"

static const kf_jsonschema_t *current; /* what lookup answers for id 9 */

static int lookup(void *opaque, uint32_t id, kf_wire_schema_t *out,
		  kf_reject_t *rej)
{
	(void)opaque;
	if (id != 9)
		return kf_reject(rej, "format", -1, "schema id %u unknown", id);
	out->json = current;
	return 0;
}

static kf_jsonschema_t *parse_ok(const char *js)
{
	char err[512] = "";
	kf_jsonschema_t *j =
		kf_jsonschema_parse(js, strlen(js), err, sizeof(err));

	if (!j)
		fail_msg("refused: %s", err);
	return j;
}

static void refused(const char *js, const char *why)
{
	char err[512] = "";
	kf_jsonschema_t *j =
		kf_jsonschema_parse(js, strlen(js), err, sizeof(err));

	if (j)
		fail_msg("read: %s", js);
	if (!strstr(err, why))
		fail_msg("error '%s' does not say '%s'", err, why);
}

/* A wire-format message of id 9 and body js. */
static size_t wire(char *buf, size_t cap, const char *js)
{
	size_t n = strlen(js);

	assert_true(n + 5 <= cap);
	memcpy(buf, "\0\0\0\0\x09", 5);
	memcpy(buf + 5, js, n);
	return n + 5;
}

/* A parsed document, answered for id 9, and a decoder of its bodies. */
struct fixture {
	kf_jsonschema_t *j;
	const kf_schema_t *r;
	kf_avrodec_t *ad;
	kf_env_msg_t m;
	kf_reject_t rej;
	char msg[512];
};

static void fx_open(struct fixture *f, const char *doc)
{
	f->j = parse_ok(doc);
	f->r = kf_jsonschema_row(f->j);
	f->ad = kf_avrodec_new(lookup, NULL);
	assert_non_null(f->ad);
	current = f->j;
}

/* A body of id 9 decoded into f->m: 0, or -1 with f->rej. */
static int fx_decode(struct fixture *f, const char *body)
{
	size_t n = wire(f->msg, sizeof(f->msg), body);

	return kf_avrodec_decode(f->ad, NULL, 0, f->msg, n, &f->m, &f->rej);
}

static void fx_close(struct fixture *f)
{
	kf_avrodec_free(f->ad);
	kf_jsonschema_free(f->j);
}

/* Every type of the schema file, half of them optional: rendered by the
 * serializer (4.2), read back (4.3) as the same columns; a row written
 * and read back as the same values. */
static void round_trip(int numeric)
{
	static const enum kf_type types[] = {
		KF_T_BOOLEAN, KF_T_INT8,    KF_T_INT16,	    KF_T_INT32,
		KF_T_INT64,   KF_T_FLOAT32, KF_T_FLOAT64,   KF_T_DECIMAL,
		KF_T_DATE,    KF_T_TIME,    KF_T_TIMESTAMP, KF_T_TEXT,
		KF_T_BYTES,
	};
	enum {
		N = sizeof(types) / sizeof(types[0])
	};
	static const char *const names[N] = {
		"b",	  "i8", "i16", "i32", "i64", "f32", "f64",
		"amount", "d",	"t",   "ts",  "txt", "raw"};
	kf_column_t cols[N];
	kf_value_t vals[N];
	kf_schema_t s;
	kf_strbuf_t v, k, out;
	kf_serializer_t *z;
	kf_jsonschema_t *j;
	const kf_schema_t *r;
	kf_avrodec_t *ad = kf_avrodec_new(lookup, NULL);
	kf_env_msg_t m;
	kf_reject_t rej;
	size_t i;

	for (i = 0; i < N; i++) {
		cols[i] = kf_test_col(names[i], types[i]);
		cols[i].required = i % 2;
		vals[i] = kf_test_int(types[i], -(int64_t)i * 30 - 7);
	}
	cols[7].precision = 12;
	cols[7].scale = 2;
	vals[0].u.b = 1;
	vals[5].u.f = 1.5f;
	vals[6].u.f = -2.25e300;
	vals[7].u.dec = -123456789;
	vals[8].u.i = 20000;
	vals[9].u.i = 86399999;
	vals[10].u.i = 1764633600123LL;
	vals[11] = kf_test_text("h\"é\n");
	vals[12] = kf_test_span(KF_T_BYTES, "\x01\xff");
	vals[3].null = 1; /* an optional column's null */
	s = kf_test_schema(cols, N);
	s.name = "kferry.every";
	kf_strbuf_heap(&v, 64);
	kf_strbuf_heap(&k, 64);
	kf_strbuf_heap(&out, 64);
	assert_int_equal(kf_serial_json_schemas(&s, numeric, &v, &k), 0);
	assert_int_equal(k.len, 0); /* no key columns */
	j = parse_ok(v.p);
	current = j;
	assert_false(kf_jsonschema_change(j));
	r = kf_jsonschema_row(j);
	assert_string_equal(r->name, "kferry.every");
	assert_int_equal(r->ncols, N);
	for (i = 0; i < N; i++) {
		assert_string_equal(r->cols[i].name, names[i]);
		assert_int_equal(r->cols[i].type, types[i]);
		assert_int_equal(r->cols[i].required, cols[i].required);
	}
	assert_int_equal(r->cols[7].precision, 12);
	assert_int_equal(r->cols[7].scale, 2);

	z = kf_serial_json_schema(&s, numeric, 0, 9, NULL, 0);
	assert_non_null(z);
	assert_int_equal(kf_serial_value(z, vals, &out), 0);
	if (kf_avrodec_decode(ad, NULL, 0, out.p, out.len, &m, &rej))
		fail_msg("refused: %s", rej.reason);
	assert_int_equal(m.kind, KF_ENV_RECORD);
	assert_ptr_equal(m.schema, r);
	for (i = 0; i < N; i++) {
		const kf_value_t *a = &m.after[i];

		assert_int_equal(a->null, vals[i].null);
		if (a->null)
			continue;
		switch (types[i]) {
		case KF_T_BOOLEAN:
			assert_int_equal(a->u.b, 1);
			break;
		case KF_T_FLOAT32:
		case KF_T_FLOAT64:
			assert_true(a->u.f == vals[i].u.f);
			break;
		case KF_T_DECIMAL:
			assert_true(a->u.dec == vals[i].u.dec);
			break;
		case KF_T_TEXT:
		case KF_T_BYTES:
			assert_int_equal(a->u.s.len, vals[i].u.s.len);
			assert_memory_equal(a->u.s.ptr, vals[i].u.s.ptr,
					    a->u.s.len);
			break;
		default:
			assert_int_equal(a->u.i, vals[i].u.i);
		}
	}
	kf_serial_free(z);
	kf_avrodec_free(ad);
	kf_jsonschema_free(j);
	free(v.p);
	free(k.p);
	free(out.p);
}

static void test_round_trip(void **state)
{
	(void)state;
	round_trip(0); /* decimals as base64 */
	round_trip(1); /* decimals as JSON numbers */
}

/* What Connect's JsonSchemaConverter writes: optional fields as oneOf
 * with null, the annotations on the branch or beside oneOf, decimals as
 * numbers; a human title is no logical type. */
static void test_connect_shape(void **state)
{
	static const char doc[] =
		"{\"type\":\"object\",\"title\":\"shop.order\",\"properties\":{"
		"\"id\":{\"type\":\"integer\",\"connect.index\":0,"
		"\"connect.type\":\"int32\"},"
		"\"qty\":{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"integer\","
		"\"connect.type\":\"int16\"}],\"connect.index\":1},"
		"\"price\":{\"oneOf\":[{\"type\":\"number\",\"title\":"
		"\"org.apache.kafka.connect.data.Decimal\",\"connect.version\":"
		"1,"
		"\"connect.parameters\":{\"scale\":\"3\",\"connect.decimal."
		"precision\":\"10\"},\"connect.type\":\"bytes\"},"
		"{\"type\":\"null\"}]},"
		"\"day\":{\"type\":\"integer\",\"connect.name\":"
		"\"org.apache.kafka.connect.data.Date\"},"
		"\"note\":{\"type\":\"string\",\"title\":\"A note\"},"
		"\"w\":{\"type\":\"number\",\"connect.type\":\"float32\"}},"
		"\"required\":[\"id\",\"qty\",\"day\"]}";
	struct fixture f;

	(void)state;
	fx_open(&f, doc);
	assert_int_equal(f.r->ncols, 6);
	assert_int_equal(f.r->cols[0].type, KF_T_INT32);
	assert_true(f.r->cols[0].required);
	assert_int_equal(f.r->cols[1].type, KF_T_INT16);
	assert_false(f.r->cols[1].required); /* listed, but null admitted */
	assert_int_equal(f.r->cols[2].type, KF_T_DECIMAL);
	assert_int_equal(f.r->cols[2].precision, 10);
	assert_int_equal(f.r->cols[2].scale, 3);
	assert_int_equal(f.r->cols[3].type, KF_T_DATE);
	assert_true(f.r->cols[3].required);
	assert_int_equal(f.r->cols[4].type, KF_T_TEXT);
	assert_false(f.r->cols[4].required); /* not listed */
	assert_int_equal(f.r->cols[5].type, KF_T_FLOAT32);
	assert_int_equal(
		fx_decode(&f,
			  "{\"id\":7,\"qty\":null,\"price\":12.5,\"day\":-1,"
			  "\"extra\":[1],\"w\":0.5}"),
		0);
	assert_int_equal(f.m.after[0].u.i, 7);
	assert_true(f.m.after[1].null);
	assert_true(f.m.after[2].u.dec == 12500);
	assert_int_equal(f.m.after[3].u.i, -1);
	assert_true(f.m.after[4].null); /* absent */
	assert_true(f.m.after[5].u.f == 0.5);
	/* a value out of its column's range, and a body that is not JSON */
	assert_int_equal(fx_decode(&f, "{\"id\":7,\"qty\":40000}"), -1);
	assert_string_equal(f.rej.code, "format");
	assert_non_null(strstr(f.rej.reason, "qty"));
	assert_int_equal(fx_decode(&f, "{\"id\":7,"), -1);
	assert_non_null(strstr(f.rej.reason, "not JSON"));
	assert_int_equal(fx_decode(&f, "[7]"), -1);
	assert_non_null(strstr(f.rej.reason, "not an object"));
	fx_close(&f);
}

/* Without annotations: integer, number, string, boolean as int64,
 * float64, text, boolean; [T,"null"] in either order. */
static void test_plain(void **state)
{
	kf_jsonschema_t *j = parse_ok(
		"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":"
		"\"integer\",\"minimum\":0},\"b\":{\"type\":[\"null\","
		"\"number\"]},\"c\":{\"type\":[\"string\",\"null\"]},"
		"\"d\":{\"type\":\"boolean\"}},\"required\":[\"a\",\"b\"]}");
	const kf_schema_t *r = kf_jsonschema_row(j);

	(void)state;
	assert_null(r->name);
	assert_int_equal(r->ncols, 4);
	assert_int_equal(r->cols[0].type, KF_T_INT64);
	assert_true(r->cols[0].required);
	assert_int_equal(r->cols[1].type, KF_T_FLOAT64);
	assert_false(r->cols[1].required);
	assert_int_equal(r->cols[2].type, KF_T_TEXT);
	assert_int_equal(r->cols[3].type, KF_T_BOOLEAN);
	assert_false(r->cols[3].required);
	kf_jsonschema_free(j);
}

#define OBJ(props) "{\"type\":\"object\",\"properties\":{" props "}}"

static void test_hostile(void **state)
{
	char big[4200 * 12 + 64], *p;
	int i;

	(void)state;
	refused("", "not JSON");
	refused("{\"type\":\"object\"", "not JSON");
	refused("[]", "not an object with properties");
	refused("{\"type\":\"array\",\"properties\":{}}",
		"not an object with properties");
	refused("{\"type\":\"object\",\"properties\":[]}",
		"not an object with properties");
	refused(OBJ("\"a\":{\"type\":\"object\",\"properties\":{}}"),
		"property a: a object, which a table column cannot hold");
	refused(OBJ("\"a\":{\"type\":\"array\"}"), "property a: a array");
	refused(OBJ("\"a\":{\"type\":\"null\"}"), "property a: a null");
	refused(OBJ("\"a\":{}"), "property a: no type");
	refused(OBJ("\"a\":7"), "property a: its schema is not an object");
	refused(OBJ("\"a\":{\"type\":[\"integer\",\"string\"]}"),
		"types integer and string");
	refused(OBJ("\"a\":{\"type\":[\"integer\",\"null\",\"string\"]}"),
		"no type, or several");
	refused(OBJ("\"a\":{\"type\":[1,\"null\"]}"), "other than words");
	refused(OBJ("\"a\":{\"$ref\":\"#/definitions/x\"}"),
		"property a: $ref is not read");
	refused(OBJ("\"a\":{\"type\":\"integer\",\"anyOf\":[]}"),
		"anyOf is not read");
	refused(OBJ("\"a\":{\"oneOf\":[{\"type\":\"integer\"},"
		    "{\"type\":\"string\"}]}"),
		"a oneOf other than");
	refused(OBJ("\"a\":{\"oneOf\":[{\"type\":\"null\"}]}"),
		"a oneOf other than");
	refused(OBJ("\"a\":{\"oneOf\":[{\"type\":\"null\"},{\"oneOf\":[]}]}"),
		"a oneOf branch that is not a type");
	refused(OBJ("\"a\":{\"oneOf\":[{\"type\":\"null\"},{\"allOf\":[]}]}"),
		"allOf is not read");
	refused(OBJ("\"a\":{\"type\":\"string\",\"connect.type\":\"int32\"}"),
		"connect.type int32 on a string");
	refused(OBJ("\"a\":{\"type\":\"integer\",\"connect.type\":\"int128\"}"),
		"connect.type int128 is not read");
	refused(OBJ("\"a\":{\"type\":\"integer\",\"connect.type\":7}"),
		"no type word");
	refused(OBJ("\"a\":{\"type\":\"string\",\"contentEncoding\":"
		    "\"base64\"}"),
		"an encoded string without connect.type");
	refused(OBJ("\"a\":{\"type\":\"integer\",\"title\":"
		    "\"org.apache.kafka.connect.data.Date\",\"connect.type\":"
		    "\"int64\"}"),
		"Date on another type");
	refused(OBJ("\"a\":{\"type\":\"string\",\"title\":"
		    "\"org.apache.kafka.connect.data.Timestamp\"}"),
		"Timestamp on another type");
	refused(OBJ("\"a\":{\"type\":\"string\",\"title\":"
		    "\"io.debezium.time.ZonedTimestamp\"}"),
		"io.debezium.time.ZonedTimestamp without connect.type");
	refused(OBJ("\"a\":{\"type\":\"string\",\"connect.type\":\"string\","
		    "\"connect.name\":\"io.debezium.data.Nope\"}"),
		"logical type io.debezium.data.Nope is not supported");
	refused(OBJ("\"a\":{\"type\":\"integer\",\"connect.type\":\"string\","
		    "\"connect.name\":\"io.debezium.data.Uuid\"}"),
		"io.debezium.data.Uuid of connect.type string on a integer");
	refused(OBJ("\"a\":{\"type\":\"string\",\"connect.type\":\"bytes\","
		    "\"connect.name\":\"io.debezium.data.Bits\"}"),
		"Bits without a length");
	refused(OBJ("\"a\":{\"type\":\"integer\",\"title\":"
		    "\"org.apache.kafka.connect.data.Date\",\"connect.name\":"
		    "\"org.apache.kafka.connect.data.Time\"}"),
		"differ");
	refused(OBJ("\"a\":{\"type\":\"number\",\"title\":"
		    "\"org.apache.kafka.connect.data.Decimal\"}"),
		"a Decimal without a scale");
	refused(OBJ("\"a\":{\"type\":\"number\",\"title\":"
		    "\"org.apache.kafka.connect.data.Decimal\","
		    "\"connect.parameters\":{\"scale\":\"39\"}}"),
		"a Decimal without a scale");
	refused(OBJ("\"a\":{\"type\":\"number\",\"title\":"
		    "\"org.apache.kafka.connect.data.Decimal\","
		    "\"connect.parameters\":{\"scale\":\"-1\"}}"),
		"a Decimal without a scale");
	refused(OBJ("\"a\":{\"type\":\"number\",\"title\":"
		    "\"org.apache.kafka.connect.data.Decimal\","
		    "\"connect.parameters\":{\"scale\":\"4\","
		    "\"connect.decimal.precision\":\"3\"}}"),
		"a Decimal without a scale");
	refused(OBJ("\"a\":{\"type\":\"boolean\",\"title\":"
		    "\"org.apache.kafka.connect.data.Decimal\","
		    "\"connect.parameters\":{\"scale\":\"2\"}}"),
		"a Decimal on a boolean");
	refused(OBJ("\"a\":{\"type\":\"integer\"},\"a\":{\"type\":"
		    "\"integer\"}"),
		"property a: appears twice");
	refused(OBJ("\"\":{\"type\":\"integer\"}"), "a name of 1 to 255");
	refused(OBJ("\"a\\u0000b\":{\"type\":\"integer\"}"),
		"a name of 1 to 255");
	/* more properties than a table has columns */
	p = big + sprintf(big, "{\"type\":\"object\",\"properties\":{");
	for (i = 0; i < 4200; i++)
		p += sprintf(p, "%s\"c%d\":{}", i ? "," : "", i);
	strcpy(p, "}}");
	refused(big, "more than 4096");
}

/* Debezium's envelope as JSON Schema (4.4): after's properties are the
 * columns; a body of op u is read with before, after and source. */
static void test_envelope(void **state)
{
	static const char doc[] =
		"{\"type\":\"object\",\"title\":\"dbz.public.t.Envelope\","
		"\"properties\":{"
		"\"before\":{\"oneOf\":[{\"type\":\"null\"},{\"type\":"
		"\"object\","
		"\"title\":\"dbz.public.t.Value\",\"properties\":{\"id\":{"
		"\"type\":\"integer\",\"connect.type\":\"int32\"},\"name\":"
		"{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"string\"}]}},"
		"\"required\":[\"id\"]}]},"
		"\"after\":{\"oneOf\":[{\"type\":\"null\"},{\"type\":"
		"\"object\","
		"\"title\":\"dbz.public.t.Value\",\"properties\":{\"id\":{"
		"\"type\":\"integer\",\"connect.type\":\"int32\"},\"name\":"
		"{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"string\"}]}},"
		"\"required\":[\"id\"]}]},"
		"\"source\":{\"type\":\"object\",\"properties\":{\"db\":{"
		"\"type\":\"string\"}}},"
		"\"op\":{\"type\":\"string\"},\"ts_ms\":{\"oneOf\":[{\"type\":"
		"\"null\"},{\"type\":\"integer\",\"connect.type\":\"int64\"}]}}"
		","
		"\"required\":[\"op\"]}";
	struct fixture f;

	(void)state;
	fx_open(&f, doc);
	assert_true(kf_jsonschema_change(f.j));
	assert_string_equal(f.r->name, "dbz.public.t.Value");
	assert_int_equal(f.r->ncols, 2);
	assert_int_equal(f.r->cols[0].type, KF_T_INT32);
	assert_true(f.r->cols[0].required);
	assert_int_equal(f.r->cols[1].type, KF_T_TEXT);
	assert_int_equal(
		fx_decode(
			&f,
			"{\"before\":{\"id\":1,\"name\":\"a\"},\"after\":{"
			"\"id\":2,"
			"\"name\":null},\"source\":{\"db\":\"shop\",\"schema\":"
			"\"public\",\"table\":\"t\"},\"op\":\"u\",\"ts_ms\":"
			"99}"),
		0);
	assert_int_equal(f.m.kind, KF_ENV_CHANGE);
	assert_int_equal(f.m.op, 'u');
	assert_int_equal(f.m.before[0].u.i, 1);
	assert_int_equal(f.m.before[1].u.s.len, 1);
	assert_int_equal(f.m.after[0].u.i, 2);
	assert_true(f.m.after[1].null);
	assert_string_equal(f.m.db, "shop");
	assert_string_equal(f.m.db_schema, "public");
	assert_string_equal(f.m.table, "t");
	assert_int_equal(f.m.ts_ms, 99);
	assert_int_equal(fx_decode(&f, "{\"after\":{\"id\":2},\"op\":\"x\"}"),
			 -1);
	assert_non_null(strstr(f.rej.reason, "op of c, r, u, d or t"));
	assert_int_equal(fx_decode(&f, "{\"before\":null,\"op\":\"c\"}"), -1);
	assert_non_null(strstr(f.rej.reason, "without after"));
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_connect_shape),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_envelope),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
