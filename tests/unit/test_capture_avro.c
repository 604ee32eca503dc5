/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/record/avroconv.c on the change events of
 * src/capture/event.c (docs/schemas.md 10): a table of the mapped types
 * rendered in Connect JSON, converted to Avro (schema and body), the
 * schema read back as Debezium's envelope (record/avroenv.c) and the
 * body decoded by the sink's wire decoder into the values of the row;
 * the Avro schema as Debezium's Avro shows it; payloads that do not
 * match their schema refused with the field named. The same events as
 * JSON Schema (record/jsonconv.c, docs/schemas.md 10.3): the document
 * read back by record/jsonschema.c gives the columns the Connect JSON
 * decoder finds in the event, and the body the same values.
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

#include "capture/event.h"
#include "common/jsontok.h"
#include "record/avro.h"
#include "record/avroconv.h"
#include "record/avrodec.h"
#include "record/envelope.h"
#include "record/jsonconv.h"
#include "record/jsonschema.h"

#define NUMERIC(p, s) (((p) << 16 | (s)) + 4)

/* a PostgreSQL column (the MariaDB members zero) */
#define COL(n, oid, mod, nn, key)                                              \
	{                                                                      \
		.name = (n), .type_oid = (oid), .typmod = (mod),               \
		.notnull = (nn), .key_seq = (key)                              \
	}

static const kf_cap_coldef_t cols[] = {
	COL("id", 23, -1, 1, 1),   COL("n2", 1700, NUMERIC(10, 3), 0, 0),
	COL("ts", 1114, -1, 0, 0), COL("tm", 1083, -1, 0, 0),
	COL("d", 1082, -1, 0, 0),  COL("u", 2950, -1, 0, 0),
	COL("js", 3802, -1, 0, 0), COL("b", 17, -1, 0, 0),
	COL("vc", 1043, 14, 0, 0), COL("f4", 700, -1, 0, 0),
	COL("f8", 701, -1, 1, 0),  COL("i2", 21, -1, 0, 0),
	COL("i8", 20, -1, 0, 0),   COL("ok", 16, -1, 0, 0),
	COL("t", 25, -1, 0, 0),	   COL("ts3", 1114, 3, 0, 0),
};
#define NCOLS ((int)(sizeof(cols) / sizeof(cols[0])))

static const char *const row[NCOLS] = {
	"1",
	"-1.500",
	"2026-12-02 10:11:12.345678",
	"01:02:03.456789",
	"2026-12-02",
	"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
	"{\"a\": 1}",
	"\\x00ff",
	"x",
	"1.5",
	"NaN",
	"-7",
	"8",
	"t",
	"\xed\x95\x9c\xea\xb8\x80",
	NULL,
};

static void values(kf_pgo_value_t *v, const char *const *texts, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		v[i].kind = texts[i] ? 't' : 'n';
		v[i].data = texts[i];
		v[i].len = texts[i] ? (uint32_t)strlen(texts[i]) : 0;
	}
}

/* An envelope's schema and payload spans. */
struct split {
	const char *schema, *payload;
	size_t slen, plen;
};

static void split(const kf_strbuf_t *b, struct split *s)
{
	kf_jtok_t *t = calloc(b->len + 1, sizeof(*t));
	char err[128];
	size_t n;
	int sc, pl;

	assert_non_null(t);
	assert_int_equal(kf_json_tokenize(b->p, b->len, t, b->len + 1, &n, err,
					  sizeof(err)),
			 0);
	sc = kf_json_member(b->p, t, 0, "schema", 6);
	pl = kf_json_member(b->p, t, 0, "payload", 7);
	assert_true(sc > 0 && pl > 0);
	s->schema = b->p + t[sc].start;
	s->slen = t[sc].end - t[sc].start;
	s->payload = b->p + t[pl].start;
	s->plen = t[pl].end - t[pl].start;
	free(t);
}

/* The Avro schema and the wire-format message of an envelope. */
static kf_avro_rec_t *to_avro(const kf_strbuf_t *json, kf_strbuf_t *wire,
			      kf_strbuf_t *avro_schema)
{
	kf_strbuf_t avro;
	struct split s;
	kf_avroconv_t *c;
	kf_avro_rec_t *r;
	char err[512] = "";

	split(json, &s);
	kf_strbuf_heap(&avro, 1024);
	c = kf_avroconv_new(s.schema, s.slen, &avro, err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	kf_strbuf_append(wire, "\0\0\0\0\1", 5);
	if (kf_avroconv_payload(c, s.payload, s.plen, wire, err, sizeof(err)))
		fail_msg("%s", err);
	r = kf_avro_rec_parse(avro.p, avro.len, err, sizeof(err));
	if (!r)
		fail_msg("%s: %s", err, avro.p);
	if (avro_schema)
		kf_strbuf_append(avro_schema, avro.p, avro.len);
	kf_avroconv_free(c);
	free(avro.p);
	return r;
}

static int lookup(void *opaque, uint32_t id, kf_wire_schema_t *out,
		  kf_reject_t *rej)
{
	(void)rej;
	(void)id;
	out->avro = opaque;
	return 0;
}

static kf_cap_table_t *table(void)
{
	kf_cap_table_t *t;
	char err[256];

	assert_int_equal(kf_cap_table_new("my-app", "public", "t", cols, NCOLS,
					  &t, err, sizeof(err)),
			 0);
	return t;
}

/* An update through Avro reads back as the row it came from. */
static void test_round_trip(void **state)
{
	kf_cap_table_t *t = table();
	kf_pgo_value_t v[NCOLS];
	kf_cap_source_t src = {.prefix = "my-app",
			       .db = "app",
			       .snapshot = "false",
			       .ts_us = 1764670272000000,
			       .last_commit_lsn = 0,
			       .lsn = 99,
			       .txid = 7};
	kf_strbuf_t json, wire, key, kwire, schema;
	kf_avro_rec_t *r, *kr;
	kf_avrodec_t *d;
	kf_env_msg_t m;
	kf_reject_t rej;
	char err[256];
	int nulled = 0;

	(void)state;
	values(v, row, NCOLS);
	kf_strbuf_heap(&json, 4096);
	kf_strbuf_heap(&wire, 256);
	kf_strbuf_heap(&key, 256);
	kf_strbuf_heap(&kwire, 64);
	kf_strbuf_heap(&schema, 4096);
	assert_int_equal(kf_cap_event_value(t, 'u', v, NCOLS, v, NCOLS, &src,
					    1764670272123456, &json, &nulled,
					    err, sizeof(err)),
			 0);
	assert_int_equal(kf_cap_event_key(t, v, NCOLS, &key, err, sizeof(err)),
			 0);
	r = to_avro(&json, &wire, &schema);
	kr = to_avro(&key, &kwire, NULL);
	assert_non_null(kf_avro_rec_env(r));
	/* the names Avro allows; Debezium's types as its Avro shows them */
	assert_non_null(strstr(schema.p, "\"name\":\"Envelope\",\"namespace\":"
					 "\"my_app.public.t\""));
	assert_non_null(strstr(schema.p,
			       "{\"name\":\"after\",\"type\":[\"null\","
			       "\"my_app.public.t.Value\"]"));
	assert_non_null(strstr(schema.p,
			       "{\"type\":\"bytes\",\"scale\":3,\"precision\":"
			       "10,\"connect.version\":1,"));
	assert_non_null(strstr(schema.p, "\"logicalType\":\"decimal\"}"));
	assert_non_null(strstr(schema.p, "{\"type\":\"int\",\"connect.type\":"
					 "\"int16\"}"));
	assert_non_null(
		strstr(schema.p, "\"connect.name\":\"io.debezium.time.Date\""));
	assert_non_null(strstr(schema.p, "\"default\":\"false\""));

	d = kf_avrodec_new(lookup, r);
	assert_int_equal(
		kf_avrodec_decode(d, NULL, 0, wire.p, wire.len, &m, &rej), 0);
	assert_true(m.kind == KF_ENV_CHANGE && m.op == 'u');
	assert_string_equal(m.db, "app");
	assert_string_equal(m.db_schema, "public");
	assert_string_equal(m.table, "t");
	assert_true(m.ts_ms == 1764670272123);
	assert_true(m.after[0].u.i == 1 && m.after[1].u.dec == -1500);
	assert_int_equal(m.schema->cols[1].scale, 3);
	assert_true(m.after[2].u.i == 1796206272345678);
	assert_int_equal(m.schema->cols[2].sqltype, KF_SQL_TIMESTAMP_US);
	assert_true(m.after[3].u.i == 3723456789);
	assert_true(m.after[4].u.i == 20789);
	assert_int_equal(m.after[5].u.s.len, 36);
	assert_int_equal(m.schema->cols[6].type, KF_T_JSON);
	assert_true(m.after[7].u.s.len == 2 &&
		    !memcmp(m.after[7].u.s.ptr, "\x00\xff", 2));
	assert_true(m.after[9].u.f == 1.5 && isnan(m.after[10].u.f));
	assert_true(m.schema->cols[10].required && !m.schema->cols[9].required);
	assert_true(m.after[11].u.i == -7 &&
		    m.schema->cols[11].type == KF_T_INT16);
	assert_true(m.after[12].u.i == 8 && m.after[13].u.b);
	assert_int_equal(m.after[14].u.s.len, 6);
	assert_true(m.after[15].null &&
		    m.schema->cols[15].type == KF_T_TIMESTAMP);
	assert_non_null(m.before);
	kf_avrodec_free(d);

	d = kf_avrodec_new(lookup, kr);
	assert_int_equal(
		kf_avrodec_decode(d, NULL, 0, kwire.p, kwire.len, &m, &rej), 0);
	assert_true(m.kind == KF_ENV_RECORD && m.after[0].u.i == 1);
	assert_string_equal(m.schema->name, "my_app.public.t.Key");
	kf_avrodec_free(d);
	kf_avro_rec_free(r);
	kf_avro_rec_free(kr);
	free(json.p);
	free(wire.p);
	free(key.p);
	free(kwire.p);
	free(schema.p);
	kf_cap_table_destroy(t);
}

static int lookup_json(void *opaque, uint32_t id, kf_wire_schema_t *out,
		       kf_reject_t *rej)
{
	(void)rej;
	(void)id;
	out->json = opaque;
	return 0;
}

/* Two decoded rows of one table: the same columns and values. */
static void same_rows(const kf_schema_t *a, const kf_value_t *va,
		      const kf_schema_t *b, const kf_value_t *vb)
{
	size_t i;

	assert_int_equal(a->ncols, b->ncols);
	for (i = 0; i < a->ncols; i++) {
		const kf_column_t *x = &a->cols[i], *y = &b->cols[i];

		assert_string_equal(x->name, y->name);
		assert_true(x->type == y->type && x->sqltype == y->sqltype &&
			    x->required == y->required &&
			    x->precision == y->precision &&
			    x->scale == y->scale);
		assert_int_equal(va[i].null, vb[i].null);
		if (va[i].null)
			continue;
		if (x->type == KF_T_FLOAT32 || x->type == KF_T_FLOAT64)
			assert_true(va[i].u.f == vb[i].u.f ||
				    (isnan(va[i].u.f) && isnan(vb[i].u.f)));
		else if (x->type == KF_T_DECIMAL)
			assert_true(va[i].u.dec == vb[i].u.dec);
		else if (x->type == KF_T_BOOLEAN)
			assert_int_equal(va[i].u.b, vb[i].u.b);
		else if (x->type == KF_T_TEXT || x->type == KF_T_BYTES ||
			 x->type == KF_T_JSON)
			assert_true(va[i].u.s.len == vb[i].u.s.len &&
				    !memcmp(va[i].u.s.ptr, vb[i].u.s.ptr,
					    va[i].u.s.len));
		else
			assert_true(va[i].u.i == vb[i].u.i);
	}
}

/* An update as JSON Schema: the document of its Connect schema and the
 * Connect JSON payload behind the header read back as the Connect JSON
 * event reads. */
static void test_json_schema(void **state)
{
	kf_cap_table_t *t = table();
	kf_pgo_value_t v[NCOLS];
	kf_cap_source_t src = {.prefix = "my-app",
			       .db = "app",
			       .snapshot = "true",
			       .ts_us = 1764670272000000,
			       .lsn = 99,
			       .txid = 7};
	kf_strbuf_t json, doc, wire;
	kf_jsonschema_t *j;
	kf_envdec_t *ed = kf_envdec_new();
	kf_avrodec_t *d;
	kf_env_msg_t cm, jm;
	kf_reject_t rej;
	struct split sp;
	char err[512] = "";
	int nulled = 0;

	(void)state;
	values(v, row, NCOLS);
	kf_strbuf_heap(&json, 4096);
	kf_strbuf_heap(&doc, 4096);
	kf_strbuf_heap(&wire, 1024);
	assert_int_equal(kf_cap_event_value(t, 'u', v, NCOLS, v, NCOLS, &src,
					    1764670272123456, &json, &nulled,
					    err, sizeof(err)),
			 0);
	split(&json, &sp);
	if (kf_jsonconv_schema(sp.schema, sp.slen, &doc, err, sizeof(err)))
		fail_msg("%s", err);
	assert_non_null(
		strstr(doc.p, "\"title\":\"my-app.public.t.Envelope\""));
	assert_non_null(strstr(doc.p, "\"connect.type\":\"int16\""));
	if (!(j = kf_jsonschema_parse(doc.p, doc.len, err, sizeof(err))))
		fail_msg("%s: %s", err, doc.p);
	assert_true(kf_jsonschema_change(j));
	kf_strbuf_append(&wire, "\0\0\0\0\1", 5);
	kf_strbuf_append(&wire, sp.payload, sp.plen);
	d = kf_avrodec_new(lookup_json, j);
	assert_int_equal(
		kf_envdec_decode(ed, NULL, 0, json.p, json.len, &cm, &rej), 0);
	if (kf_avrodec_decode(d, NULL, 0, wire.p, wire.len, &jm, &rej))
		fail_msg("%s", rej.reason);
	assert_true(jm.kind == KF_ENV_CHANGE && jm.op == 'u');
	assert_string_equal(jm.table, "t");
	assert_true(jm.ts_ms == cm.ts_ms);
	same_rows(cm.schema, cm.after, jm.schema, jm.after);
	same_rows(cm.schema, cm.before, jm.schema, jm.before);
	assert_int_equal(jm.schema->cols[2].sqltype, KF_SQL_TIMESTAMP_US);
	kf_avrodec_free(d);
	kf_envdec_free(ed);
	kf_jsonschema_free(j);
	free(json.p);
	free(doc.p);
	free(wire.p);
	kf_cap_table_destroy(t);
}

static void refused(const char *schema, const char *payload, const char *what)
{
	kf_strbuf_t avro, out;
	kf_avroconv_t *c;
	char err[512] = "";

	kf_strbuf_heap(&avro, 256);
	kf_strbuf_heap(&out, 64);
	c = kf_avroconv_new(schema, strlen(schema), &avro, err, sizeof(err));
	if (c && !kf_avroconv_payload(c, payload, strlen(payload), &out, err,
				      sizeof(err)))
		fail_msg("%s converted", payload);
	if (!strstr(err, what))
		fail_msg("error \"%s\" lacks \"%s\"", err, what);
	kf_avroconv_free(c);
	free(avro.p);
	free(out.p);
}

#define STRUCT(f)                                                              \
	"{\"type\":\"struct\",\"name\":\"k.V\",\"optional\":false,"            \
	"\"fields\":[" f "]}"

/* Payloads and schemas that do not convert, each with the field. */
static void test_refusals(void **state)
{
	(void)state;
	refused(STRUCT("{\"type\":\"int16\",\"optional\":false,\"field\":"
		       "\"a\"}"),
		"{\"a\":40000}", "field a: out of its type's range");
	refused(STRUCT("{\"type\":\"int32\",\"optional\":false,\"field\":"
		       "\"a\"}"),
		"{\"a\":null}", "field a: null, but required");
	refused(STRUCT("{\"type\":\"int32\",\"optional\":false,\"field\":"
		       "\"a\"}"),
		"{}", "field a: null, but required");
	refused(STRUCT("{\"type\":\"bytes\",\"optional\":true,\"field\":"
		       "\"b\"}"),
		"{\"b\":\"!!\"}", "field b: not base64");
	refused(STRUCT("{\"type\":\"boolean\",\"optional\":true,\"field\":"
		       "\"b\"}"),
		"{\"b\":1}", "field b: not a boolean");
	refused(STRUCT("{\"type\":\"string\",\"optional\":true,\"field\":"
		       "\"b c\"}"),
		"{}", "field b c: not an Avro name");
	refused(STRUCT("{\"type\":\"array\",\"optional\":true,\"field\":"
		       "\"l\"}"),
		"{}", "field l: an array or a map");
	refused(STRUCT("{\"type\":\"double\",\"optional\":true,\"field\":"
		       "\"f\"}"),
		"[1]", "(the value): not an object");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_json_schema),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
