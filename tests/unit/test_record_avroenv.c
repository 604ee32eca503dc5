/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/record/avroenv.c through record/avrodec.h
 * (docs/schemas.md 6.2): Debezium's change-event envelope in Avro, its
 * schema as Kafka Connect's Avro converters write it (the row record
 * defined in before and named in after, Debezium's types as connect.name
 * attributes, a source record in another namespace), decoded into the
 * same kf_env_msg_t as a Connect JSON change event; hostile bodies and
 * schemas refused.
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
#include "record/avro.h"
#include "record/avrodec.h"
#include "record/envelope.h"

#define DEC(t)                                                                 \
	"{\"type\":\"" t "\",\"connect.version\":1,\"connect.name\":"          \
	"\"io.debezium.time."

/* A PostgreSQL table's events as Debezium 3.2 writes them through an
 * Avro converter, plus a map field at the end (a later field the sink
 * steps over). */
static const char envelope[] =
	"{\"type\":\"record\",\"name\":\"Envelope\",\"namespace\":"
	"\"dbz.public.t\",\"fields\":["
	"{\"name\":\"before\",\"type\":[\"null\",{\"type\":\"record\","
	"\"name\":\"Value\",\"fields\":["
	"{\"name\":\"id\",\"type\":\"int\"},"
	"{\"name\":\"small\",\"type\":[\"null\",{\"type\":\"int\","
	"\"connect.type\":\"int16\"}],\"default\":null},"
	"{\"name\":\"amount\",\"type\":[\"null\",{\"type\":\"bytes\","
	"\"scale\":2,\"precision\":12,\"connect.version\":1,"
	"\"connect.parameters\":{\"scale\":\"2\",\"connect.decimal."
	"precision\":\"12\"},\"connect.name\":\"org.apache.kafka.connect."
	"data.Decimal\",\"logicalType\":\"decimal\"}],\"default\":null},"
	"{\"name\":\"day\",\"type\":[\"null\"," DEC(
		"int") "Date\"}],"
		       "\"default\":null},"
		       "{\"name\":\"at\",\"type\":[\"null\"," DEC(
			       "long") "MicroTimestamp\"}],"
				       "\"default\":null},"
				       "{\"name\":\"name\",\"type\":[\"null\","
				       "\"string\"],\"default\":null}"
				       "],\"connect.name\":\"dbz.public.t."
				       "Value\"}],\"default\":null},"
				       "{\"name\":\"after\",\"type\":[\"null\","
				       "\"Value\"],\"default\":null},"
				       "{\"name\":\"source\",\"type\":{"
				       "\"type\":\"record\",\"name\":"
				       "\"Source\",\"namespace\":\"io.debezium."
				       "connector.postgresql\","
				       "\"fields\":[{\"name\":\"version\","
				       "\"type\":\"string\"},"
				       "{\"name\":\"connector\",\"type\":"
				       "\"string\"},"
				       "{\"name\":\"name\",\"type\":\"string\"}"
				       ","
				       "{\"name\":\"ts_ms\",\"type\":\"long\"},"
				       "{\"name\":\"snapshot\",\"type\":[{"
				       "\"type\":\"string\","
				       "\"connect.version\":1,\"connect."
				       "parameters\":{\"allowed\":"
				       "\"true,last,false,incremental\"},"
				       "\"connect.default\":\"false\","
				       "\"connect.name\":\"io.debezium.data."
				       "Enum\"},\"null\"],"
				       "\"default\":\"false\"},"
				       "{\"name\":\"db\",\"type\":\"string\"},"
				       "{\"name\":\"sequence\",\"type\":["
				       "\"null\",\"string\"],"
				       "\"default\":null},"
				       "{\"name\":\"ts_us\",\"type\":[\"null\","
				       "\"long\"],\"default\":null},"
				       "{\"name\":\"ts_ns\",\"type\":[\"null\","
				       "\"long\"],\"default\":null},"
				       "{\"name\":\"schema\",\"type\":"
				       "\"string\"},"
				       "{\"name\":\"table\",\"type\":"
				       "\"string\"},"
				       "{\"name\":\"txId\",\"type\":[\"null\","
				       "\"long\"],\"default\":null},"
				       "{\"name\":\"lsn\",\"type\":[\"null\","
				       "\"long\"],\"default\":null},"
				       "{\"name\":\"xmin\",\"type\":[\"null\","
				       "\"long\"],\"default\":null}],"
				       "\"connect.name\":\"io.debezium."
				       "connector.postgresql.Source\"}},"
				       "{\"name\":\"transaction\",\"type\":["
				       "\"null\",{\"type\":\"record\","
				       "\"name\":\"block\",\"namespace\":"
				       "\"event\",\"fields\":["
				       "{\"name\":\"id\",\"type\":\"string\"},"
				       "{\"name\":\"total_order\",\"type\":"
				       "\"long\"},"
				       "{\"name\":\"data_collection_order\","
				       "\"type\":\"long\"}],"
				       "\"connect.version\":1,\"connect.name\":"
				       "\"event.block\"}],"
				       "\"default\":null},"
				       "{\"name\":\"op\",\"type\":\"string\"},"
				       "{\"name\":\"ts_ms\",\"type\":[\"null\","
				       "\"long\"],\"default\":null},"
				       "{\"name\":\"ts_us\",\"type\":[\"null\","
				       "\"long\"],\"default\":null},"
				       "{\"name\":\"ts_ns\",\"type\":[\"null\","
				       "\"long\"],\"default\":null},"
				       "{\"name\":\"tags\",\"type\":{\"type\":"
				       "\"map\",\"values\":"
				       "\"long\"}}],"
				       "\"connect.version\":2,\"connect.name\":"
				       "\"dbz.public.t.Envelope\"}";

static const char key_schema[] =
	"{\"type\":\"record\",\"name\":\"Key\",\"namespace\":\"dbz.public.t\","
	"\"fields\":[{\"name\":\"id\",\"type\":\"int\"}],"
	"\"connect.name\":\"dbz.public.t.Key\"}";

static kf_avro_rec_t *schemas[2]; /* id 1: the envelope, id 2: the key */

static int lookup(void *opaque, uint32_t id, kf_wire_schema_t *out,
		  kf_reject_t *rej)
{
	(void)opaque;
	if (id < 1 || id > 2)
		return kf_reject(rej, "format", -1, "schema id %u unknown", id);
	out->avro = schemas[id - 1];
	return 0;
}

static void put_str(kf_strbuf_t *b, const char *s)
{
	kf_avro_put_bytes(b, s, strlen(s));
}

/* The row record: id, then the optional columns (name NULL: null). */
static void put_row(kf_strbuf_t *b, int id, const char *name)
{
	kf_avro_put_long(b, id);
	kf_avro_put_long(b, 1), kf_avro_put_long(b, -3);	     /* small */
	kf_avro_put_long(b, 1), kf_avro_put_bytes(b, "\x04\xd2", 2); /* 12.34 */
	kf_avro_put_long(b, 1), kf_avro_put_long(b, 19000);	     /* day */
	kf_avro_put_long(b, 1), kf_avro_put_long(b, 1700000000123456); /* at */
	if (name) {
		kf_avro_put_long(b, 1);
		put_str(b, name);
	} else {
		kf_avro_put_long(b, 0);
	}
}

/* A whole message: the wire header of id 1, the envelope of op. */
static void put_event(kf_strbuf_t *b, char op, int before, int after)
{
	char ops[2] = {op, 0};

	kf_strbuf_append(b, "\0\0\0\0\1", 5);
	kf_avro_put_long(b, before ? 1 : 0);
	if (before)
		put_row(b, 7, NULL);
	kf_avro_put_long(b, after ? 1 : 0);
	if (after)
		put_row(b, 7, "h\xc3\xa9llo");
	put_str(b, "3.2.0.Final"); /* source */
	put_str(b, "postgresql");
	put_str(b, "dbz");
	kf_avro_put_long(b, 1700000000000);
	kf_avro_put_long(b, 0), put_str(b, "false"); /* snapshot: branch 0 */
	put_str(b, "app");
	kf_avro_put_long(b, 1), put_str(b, "[null,\"99\"]");
	kf_avro_put_long(b, 0);
	kf_avro_put_long(b, 0);
	put_str(b, "public");
	put_str(b, "t");
	kf_avro_put_long(b, 1), kf_avro_put_long(b, 55);
	kf_avro_put_long(b, 1), kf_avro_put_long(b, 99);
	kf_avro_put_long(b, 0);
	kf_avro_put_long(b, 0); /* transaction */
	put_str(b, ops);
	kf_avro_put_long(b, 1), kf_avro_put_long(b, 1700000000456);
	kf_avro_put_long(b, 0);
	kf_avro_put_long(b, 0);
	kf_avro_put_long(b, -1), kf_avro_put_long(b, 3); /* tags: a block */
	put_str(b, "a"), kf_avro_put_long(b, 5);
	kf_avro_put_long(b, 0);
}

static int setup(void **state)
{
	char err[512];

	(void)state;
	schemas[0] =
		kf_avro_rec_parse(envelope, strlen(envelope), err, sizeof(err));
	if (!schemas[0])
		fprintf(stderr, "%s\n", err);
	schemas[1] = kf_avro_rec_parse(key_schema, strlen(key_schema), err,
				       sizeof(err));
	return !schemas[0] || !schemas[1];
}

static int teardown(void **state)
{
	(void)state;
	kf_avro_rec_free(schemas[0]);
	kf_avro_rec_free(schemas[1]);
	return 0;
}

/* The row record's columns with Debezium's types read. */
static void test_schema(void **state)
{
	const kf_schema_t *s = kf_avro_rec_schema(schemas[0]);

	(void)state;
	assert_non_null(kf_avro_rec_env(schemas[0]));
	assert_null(kf_avro_rec_env(schemas[1]));
	assert_string_equal(s->name, "dbz.public.t.Value");
	assert_int_equal(s->ncols, 6);
	assert_true(s->cols[0].type == KF_T_INT32 && s->cols[0].required);
	assert_true(s->cols[1].type == KF_T_INT16 && !s->cols[1].required);
	assert_true(s->cols[2].type == KF_T_DECIMAL &&
		    s->cols[2].precision == 12 && s->cols[2].scale == 2);
	assert_int_equal(s->cols[3].type, KF_T_DATE);
	assert_true(s->cols[4].type == KF_T_INT64 &&
		    s->cols[4].sqltype == KF_SQL_TIMESTAMP_US);
	assert_int_equal(s->cols[5].type, KF_T_TEXT);
}

/* An update, a create, a delete through the envelope decoder's hook:
 * the same form as a Connect JSON change event. */
static void test_events(void **state)
{
	kf_avrodec_t *ad = kf_avrodec_new(lookup, NULL);
	kf_envdec_t *d = kf_envdec_new();
	kf_strbuf_t b;
	kf_env_msg_t m;
	kf_reject_t rej;

	(void)state;
	kf_envdec_set_wire(d, kf_avrodec_wire, ad);
	kf_strbuf_heap(&b, 256);
	put_event(&b, 'u', 1, 1);
	assert_int_equal(
		kf_envdec_decode(d, "\0\0\0\0\2\x0e", 6, b.p, b.len, &m, &rej),
		0);
	assert_int_equal(m.kind, KF_ENV_CHANGE);
	assert_int_equal(m.op, 'u');
	assert_string_equal(m.db, "app");
	assert_string_equal(m.db_schema, "public");
	assert_string_equal(m.table, "t");
	assert_true(m.ts_ms == 1700000000456);
	assert_true(m.key && m.key[0].u.i == 7);
	assert_true(m.after[0].u.i == 7 && m.after[1].u.i == -3);
	assert_true(m.after[2].u.dec == 1234 && m.after[3].u.i == 19000);
	assert_true(m.after[4].u.i == 1700000000123456);
	assert_int_equal(m.after[5].u.s.len, 6);
	assert_true(m.before && m.before[5].null && !m.after[5].null);

	b.len = 0;
	put_event(&b, 'c', 0, 1);
	assert_int_equal(kf_avrodec_decode(ad, NULL, 0, b.p, b.len, &m, &rej),
			 0);
	assert_true(m.op == 'c' && !m.before && m.after);

	b.len = 0;
	put_event(&b, 'd', 1, 0);
	assert_int_equal(kf_avrodec_decode(ad, NULL, 0, b.p, b.len, &m, &rej),
			 0);
	assert_true(m.op == 'd' && m.before && !m.after);
	assert_true(m.before[0].u.i == 7);
	free(b.p);
	kf_envdec_free(d);
	kf_avrodec_free(ad);
}

static void refused_body(kf_avrodec_t *ad, const kf_strbuf_t *b,
			 const char *what)
{
	kf_env_msg_t m;
	kf_reject_t rej;

	assert_int_equal(kf_avrodec_decode(ad, NULL, 0, b->p, b->len, &m, &rej),
			 -1);
	if (!strstr(rej.reason, what))
		fail_msg("reason \"%s\" lacks \"%s\"", rej.reason, what);
}

/* Hostile bodies: every cut, an op not of c r u d t, a create without
 * after, a union branch out of range, bytes left over, an array block
 * longer than the message. */
static void test_hostile_bodies(void **state)
{
	kf_avrodec_t *ad = kf_avrodec_new(lookup, NULL);
	kf_strbuf_t b;
	kf_env_msg_t m;
	kf_reject_t rej;
	size_t full, cut;

	(void)state;
	kf_strbuf_heap(&b, 256);
	put_event(&b, 'u', 1, 1);
	full = b.len;
	for (cut = 5; cut < full; cut++)
		assert_int_equal(
			kf_avrodec_decode(ad, NULL, 0, b.p, cut, &m, &rej), -1);
	kf_strbuf_putc(&b, 0);
	refused_body(ad, &b, "left over");

	b.len = 0;
	put_event(&b, 'x', 1, 1);
	refused_body(ad, &b, "field op");

	b.len = 0;
	put_event(&b, 'c', 1, 0);
	refused_body(ad, &b, "op c without after");

	b.len = 0;
	put_event(&b, 'u', 1, 1);
	b.p[5] = 4; /* before: branch 2 of a union of 2 */
	refused_body(ad, &b, "field before");

	b.len = 0;
	put_event(&b, 'u', 1, 1);
	b.len -= 6; /* the tags block again: 100 items announced, 1 given */
	kf_avro_put_long(&b, 100);
	put_str(&b, "a"), kf_avro_put_long(&b, 5);
	refused_body(ad, &b, "field tags");
	free(b.p);
	kf_avrodec_free(ad);
}

static void refused_schema(const char *js, const char *what)
{
	char err[512];
	kf_avro_rec_t *r = kf_avro_rec_parse(js, strlen(js), err, sizeof(err));

	assert_null(r);
	if (!strstr(err, what))
		fail_msg("error \"%s\" lacks \"%s\"", err, what);
}

#define ENV_HEAD "{\"type\":\"record\",\"name\":\"x.Envelope\",\"fields\":["
#define ROW                                                                    \
	"{\"type\":\"record\",\"name\":\"V\",\"fields\":[{\"name\":\"a\","     \
	"\"type\":\"int\"}]}"

/* Schemas not read, each with what is wrong. */
static void test_hostile_schemas(void **state)
{
	(void)state;
	refused_schema(ENV_HEAD "{\"name\":\"before\",\"type\":[\"null\"," ROW
				"]},{\"name\":\"after\",\"type\":[\"null\","
				"{\"type\":\"record\",\"name\":\"W\","
				"\"fields\":[]}]},{\"name\":\"op\",\"type\":"
				"\"string\"}]}",
		       "same in before and after");
	refused_schema(ENV_HEAD "{\"name\":\"after\",\"type\":[\"null\","
				"\"Nowhere\"]},{\"name\":\"op\",\"type\":"
				"\"string\"}]}",
		       "Nowhere used before it is defined");
	refused_schema(ENV_HEAD "{\"name\":\"after\",\"type\":[\"null\"," ROW
				"]},{\"name\":\"op\",\"type\":\"long\"}]}",
		       "x.Envelope.op is not of the type");
	refused_schema(ENV_HEAD "{\"name\":\"after\",\"type\":[\"null\"," ROW
				"]},{\"name\":\"op\",\"type\":\"string\"},"
				"{\"name\":\"n\",\"type\":{\"type\":\"array\","
				"\"items\":\"null\"}}]}",
		       "array or map of null");
	refused_schema(ENV_HEAD
		       "{\"name\":\"after\",\"type\":[\"null\",{\"type\":"
		       "\"record\",\"name\":\"V\",\"fields\":[{\"name\":\"z\","
		       "\"type\":{\"type\":\"string\",\"connect.name\":"
		       "\"io.debezium.time.ZonedTimestamp\"}}]}]},"
		       "{\"name\":\"op\",\"type\":\"string\"}]}",
		       "field z: a Debezium type not read from Avro");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_hostile_bodies),
		cmocka_unit_test(test_hostile_schemas),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
