/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/record/envelope.c: Connect JSON records (the shape of
 * docs/records.md 1.6) and a Debezium change event (the shape Debezium's
 * PostgreSQL connector writes through JsonConverter) read back into typed
 * rows; tombstones; keys that are not structs; and the messages refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "record/envelope.h"

#define DEC(s, p)                                                              \
	"{\"type\":\"bytes\",\"optional\":true,\"name\":\"org.apache.kafka."   \
	"connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"" s  \
	"\",\"connect.decimal.precision\":\"" p "\"},\"field\":\"amount\"}"

static const char rec_key[] =
	"{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\","
	"\"optional\":false,\"field\":\"id\"}],\"optional\":false,\"name\":"
	"\"t.Key\"},\"payload\":{\"id\":1001}}";

static const char rec_value[] =
	"{\"schema\":{\"type\":\"struct\",\"fields\":["
	"{\"type\":\"int64\",\"optional\":false,\"field\":\"id\"},"
	"{\"type\":\"string\",\"optional\":true,\"field\":\"name\"},"
	"{\"type\":\"int32\",\"optional\":false,\"name\":\"org.apache.kafka."
	"connect.data.Date\",\"version\":1,\"field\":\"day\"},"
	"{\"type\":\"int64\",\"optional\":false,\"name\":\"org.apache.kafka."
	"connect.data.Timestamp\",\"version\":1,\"field\":\"at\"}," DEC(
		"2", "15") ","
			   "{\"type\":\"boolean\",\"optional\":true,\"field\":"
			   "\"ok\"},"
			   "{\"type\":\"double\",\"optional\":true,\"field\":"
			   "\"ratio\"},"
			   "{\"type\":\"bytes\",\"optional\":true,\"field\":"
			   "\"blob\"},"
			   "{\"type\":\"int8\",\"optional\":true,\"field\":"
			   "\"tiny\"}],"
			   "\"optional\":false,\"name\":\"t\",\"version\":1},"
			   "\"payload\":{\"id\":1001,\"name\":\"\\uD55C\\uAE00 "
			   "\\\"q\\\"\",\"day\":"
			   "20789,\"at\":1796171415000,\"amount\":\"7Sl5\","
			   "\"ok\":true,\"ratio\":"
			   "0.25,\"blob\":\"AAEC\",\"tiny\":-128}}";

static void test_record(void **state)
{
	kf_envdec_t *d = kf_envdec_new();
	kf_env_msg_t m;
	kf_reject_t rej;
	const kf_value_t *v;
	int round;

	(void)state;
	for (round = 0; round < 2; round++) { /* the second from the cache */
		assert_int_equal(
			kf_envdec_decode(d, rec_key, sizeof(rec_key) - 1,
					 rec_value, sizeof(rec_value) - 1, &m,
					 &rej),
			0);
		assert_int_equal(m.kind, KF_ENV_RECORD);
		assert_int_equal(m.schema->ncols, 9);
		assert_string_equal(m.schema->name, "t");
		v = m.after;
		assert_int_equal(v[0].u.i, 1001);
		assert_int_equal(m.schema->cols[0].required, 1);
		assert_int_equal(m.schema->cols[1].required, 0);
		assert_int_equal(v[1].u.s.len, strlen("한글 \"q\""));
		assert_memory_equal(v[1].u.s.ptr, "한글 \"q\"", v[1].u.s.len);
		assert_int_equal(m.schema->cols[2].type, KF_T_DATE);
		assert_int_equal(v[2].u.i, 20789);
		assert_int_equal(m.schema->cols[3].type, KF_T_TIMESTAMP);
		assert_true(v[3].u.i == 1796171415000LL);
		assert_int_equal(m.schema->cols[4].type, KF_T_DECIMAL);
		assert_int_equal(m.schema->cols[4].precision, 15);
		assert_int_equal(m.schema->cols[4].scale, 2);
		assert_true(v[4].u.dec == -1234567);
		assert_int_equal(v[5].u.b, 1);
		assert_true(v[6].u.f == 0.25);
		assert_int_equal(v[7].u.s.len, 3);
		assert_memory_equal(v[7].u.s.ptr, "\0\1\2", 3);
		assert_int_equal(v[8].u.i, -128);
		assert_non_null(m.key_schema);
		assert_string_equal(m.key_schema->cols[0].name, "id");
		assert_int_equal(m.key[0].u.i, 1001);
	}
	kf_envdec_free(d);
}

#define ROW_SCHEMA(field)                                                      \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":"   \
	"false,\"field\":\"id\"},{\"type\":\"string\",\"optional\":true,"      \
	"\"field\":\"name\"},{\"type\":\"bytes\",\"optional\":true,\"name\":"  \
	"\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"             \
	"\"parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":"       \
	"\"10\"},\"field\":\"price\"},{\"type\":\"int32\",\"optional\":true,"  \
	"\"name\":\"io.debezium.time.Date\",\"version\":1,\"field\":\"d\"}],"  \
	"\"optional\":true,\"name\":\"cdc.public.orders.Value\",\"field\":"    \
	"\"" field "\"}"

#define ENVELOPE_SCHEMA                                                        \
	"{\"type\":\"struct\",\"fields\":[" ROW_SCHEMA(                        \
		"before") "," ROW_SCHEMA("after") ",{\"type\":\"struct\","     \
						  "\"fields\":["               \
						  "{\"type\":\"string\","      \
						  "\"optional\":false,"        \
						  "\"field\":\"version\"},"    \
						  "{\"type\":\"string\","      \
						  "\"optional\":false,"        \
						  "\"field\":\"connector\"},"  \
						  "{\"type\":\"int64\","       \
						  "\"optional\":false,"        \
						  "\"field\":\"ts_ms\"},"      \
						  "{\"type\":\"string\","      \
						  "\"optional\":false,"        \
						  "\"field\":\"db\"},"         \
						  "{\"type\":\"string\","      \
						  "\"optional\":false,"        \
						  "\"field\":\"schema\"},"     \
						  "{\"type\":\"string\","      \
						  "\"optional\":false,"        \
						  "\"field\":\"table\"}],"     \
						  "\"optional\":false,"        \
						  "\"name\":\"io.debezium."    \
						  "connector.postgresql."      \
						  "Source\",\"field\":"        \
						  "\"source\"},{\"type\":"     \
						  "\"string\",\"optional\":"   \
						  "false,\"field\":\"op\"},{"  \
						  "\"type\":\"int64\","        \
						  "\"optional\":true,"         \
						  "\"field\":\"ts_ms\"}],"     \
						  "\"optional\":false,"        \
						  "\"name\":"                  \
						  "\"cdc.public.orders."       \
						  "Envelope\",\"version\":1}"

#define SOURCE                                                                 \
	"\"source\":{\"version\":\"3.2.0.Final\",\"connector\":"               \
	"\"postgresql\","                                                      \
	"\"ts_ms\":1796171415000,\"db\":\"kferry\",\"schema\":\"public\","     \
	"\"table\":\"orders\"}"

static const char cdc_key[] =
	"{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\","
	"\"optional\":false,\"field\":\"id\"}],\"optional\":false,\"name\":"
	"\"cdc.public.orders.Key\"},\"payload\":{\"id\":1}}";

static void test_change_events(void **state)
{
	static const char create[] =
		"{\"schema\":" ENVELOPE_SCHEMA ",\"payload\":{\"before\":null,"
		"\"after\":{\"id\":1,\"name\":\"서울\",\"price\":\"MDk=\","
		"\"d\":20789}," SOURCE
		",\"op\":\"c\",\"ts_ms\":1796171415123}}";
	static const char del[] =
		"{\"schema\":" ENVELOPE_SCHEMA ",\"payload\":{\"before\":{"
		"\"id\":1,\"name\":null,\"price\":null,\"d\":null},\"after\":"
		"null," SOURCE ",\"op\":\"d\",\"ts_ms\":1796171415999}}";
	kf_envdec_t *d = kf_envdec_new();
	kf_env_msg_t m;
	kf_reject_t rej;

	(void)state;
	assert_int_equal(kf_envdec_decode(d, cdc_key, sizeof(cdc_key) - 1,
					  create, sizeof(create) - 1, &m, &rej),
			 0);
	assert_int_equal(m.kind, KF_ENV_CHANGE);
	assert_int_equal(m.op, 'c');
	assert_string_equal(m.db, "kferry");
	assert_string_equal(m.db_schema, "public");
	assert_string_equal(m.table, "orders");
	assert_true(m.ts_ms == 1796171415123LL);
	assert_null(m.before);
	assert_non_null(m.after);
	assert_string_equal(m.schema->name, "cdc.public.orders.Value");
	assert_int_equal(m.after[0].u.i, 1);
	assert_memory_equal(m.after[1].u.s.ptr, "서울", strlen("서울"));
	assert_true(m.after[2].u.dec == 12345);
	assert_int_equal(m.schema->cols[3].type, KF_T_DATE);
	assert_int_equal(m.key[0].u.i, 1);

	assert_int_equal(kf_envdec_decode(d, cdc_key, sizeof(cdc_key) - 1, del,
					  sizeof(del) - 1, &m, &rej),
			 0);
	assert_int_equal(m.op, 'd');
	assert_null(m.after);
	assert_non_null(m.before);
	assert_int_equal(m.before[1].null, 1);

	/* the tombstone after a delete */
	assert_int_equal(kf_envdec_decode(d, cdc_key, sizeof(cdc_key) - 1, NULL,
					  0, &m, &rej),
			 0);
	assert_int_equal(m.kind, KF_ENV_TOMBSTONE);
	assert_int_equal(m.key[0].u.i, 1);
	kf_envdec_free(d);
}

/* A key that is not a struct envelope is no key, not an error. */
static void test_plain_keys(void **state)
{
	static const char *const keys[] = {"order-17", "{\"id\":1}",
					   "{\"schema\":null,\"payload\":1}",
					   "{not json"};
	kf_envdec_t *d = kf_envdec_new();
	kf_env_msg_t m;
	kf_reject_t rej;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		assert_int_equal(
			kf_envdec_decode(d, keys[i], strlen(keys[i]), rec_value,
					 sizeof(rec_value) - 1, &m, &rej),
			0);
		assert_null(m.key_schema);
		assert_null(m.key);
	}
	kf_envdec_free(d);
}

#define SIMPLE(type, extra, payload)                                           \
	"{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"" type       \
	"\",\"optional\":true" extra ",\"field\":\"x\"}]},\"payload\":{"       \
	"\"x\":" payload "}}"

#define DBZ(n) ",\"name\":\"io.debezium." n "\""
#define MICRO_TIME DBZ("time.MicroTime")
#define ZONED_TS DBZ("time.ZonedTimestamp")
#define ZONED_TIME DBZ("time.ZonedTime")
#define VSD DBZ("data.VariableScaleDecimal")
#define UUID DBZ("data.Uuid")
#define BITS(n) DBZ("data.Bits") ",\"parameters\":{\"length\":\"" n "\"}"

/* Debezium's types with the default settings of its PostgreSQL and
 * MySQL connectors (values as Debezium 3.2 wrote them in
 * tests/interop/t_debezium_sink.sh): each value, its column type and
 * sqltype. */
static void test_debezium_types(void **state)
{
	static const struct {
		const char *msg;
		enum kf_type type;
		enum kf_sqltype sql;
		int64_t i;	 /* INT64 / INT32 / TIMESTAMP / TIME values */
		const char *txt; /* TEXT values */
	} ok[] = {
		{SIMPLE("int64", DBZ("time.MicroTimestamp"),
			"1796206272123456"),
		 KF_T_INT64, KF_SQL_TIMESTAMP_US, 1796206272123456LL, NULL},
		{SIMPLE("int64", DBZ("time.NanoTimestamp"), "-1"), KF_T_INT64,
		 KF_SQL_TIMESTAMP_NS, -1, NULL},
		{SIMPLE("string", ZONED_TS, "\"2026-12-02T05:11:12.123456Z\""),
		 KF_T_INT64, KF_SQL_TIMESTAMPTZ, 1796188272123456LL, NULL},
		{SIMPLE("string", ZONED_TS,
			"\"2026-12-02T10:11:12.123456+05:00\""),
		 KF_T_INT64, KF_SQL_TIMESTAMPTZ, 1796188272123456LL, NULL},
		{SIMPLE("string", ZONED_TS, "\"2026-12-02T05:11Z\""),
		 KF_T_INT64, KF_SQL_TIMESTAMPTZ, 1796188260000000LL, NULL},
		{SIMPLE("string", ZONED_TS, "\"-0043-03-15T12:00:00Z\""),
		 KF_T_INT64, KF_SQL_TIMESTAMPTZ, -63517780800000000LL, NULL},
		{SIMPLE("string", ZONED_TS, "\"-infinity\""), KF_T_INT64,
		 KF_SQL_TIMESTAMPTZ, INT64_MIN, NULL},
		{SIMPLE("int64", MICRO_TIME, "86400000000"), KF_T_INT64,
		 KF_SQL_TIME_US, 86400000000LL, NULL},
		{SIMPLE("int64", DBZ("time.NanoTime"), "1"), KF_T_INT64,
		 KF_SQL_TIME_NS, 1, NULL},
		{SIMPLE("string", ZONED_TIME, "\"05:11:12.25Z\""), KF_T_INT64,
		 KF_SQL_TIMETZ, 18672250000LL, NULL},
		{SIMPLE("string", ZONED_TIME, "\"01:00:00+02:00\""), KF_T_INT64,
		 KF_SQL_TIMETZ, 82800000000LL, NULL},
		{SIMPLE("string", ZONED_TIME, "\"23:00:00-02:00\""), KF_T_INT64,
		 KF_SQL_TIMETZ, 3600000000LL, NULL},
		{SIMPLE("int64", DBZ("time.MicroDuration"), "-8062201000000"),
		 KF_T_INT64, KF_SQL_INTERVAL, -8062201000000LL, NULL},
		{SIMPLE("int32", DBZ("time.Year"), "2026"), KF_T_INT32,
		 KF_SQL_NONE, 2026, NULL},
		{SIMPLE("int32", DBZ("time.Time"), "86400000"), KF_T_TIME,
		 KF_SQL_NONE, 86400000, NULL},
		{SIMPLE("int64", DBZ("time.Timestamp"), "9223372036825200"),
		 KF_T_TIMESTAMP, KF_SQL_NONE, INT64_MAX, NULL},
		{SIMPLE("struct", VSD, "{\"scale\":2,\"value\":\"BNI=\"}"),
		 KF_T_TEXT, KF_SQL_NUMERIC, 0, "12.34"},
		{SIMPLE("struct", VSD, "{\"scale\":20,\"value\":\"/w==\"}"),
		 KF_T_TEXT, KF_SQL_NUMERIC, 0, "-0.00000000000000000001"},
		{SIMPLE("string", UUID,
			"\"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11\""),
		 KF_T_TEXT, KF_SQL_UUID, 0,
		 "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{SIMPLE("string", DBZ("data.Xml"), "\"<a>x</a>\""), KF_T_TEXT,
		 KF_SQL_XML, 0, "<a>x</a>"},
		{SIMPLE("string", DBZ("data.Enum"), "\"happy\""), KF_T_TEXT,
		 KF_SQL_NONE, 0, "happy"},
		{SIMPLE("string", DBZ("data.EnumSet"), "\"a,b\""), KF_T_TEXT,
		 KF_SQL_NONE, 0, "a,b"},
		{SIMPLE("string", DBZ("data.Json"), "\"{\\\"a\\\": 1}\""),
		 KF_T_JSON, KF_SQL_NONE, 0, "{\"a\": 1}"},
		{SIMPLE("bytes", BITS("12"), "\"AQo=\""), KF_T_TEXT,
		 KF_SQL_BITS, 0, "101000000001"},
		{SIMPLE("bytes", BITS("3"), "\"\""), KF_T_TEXT, KF_SQL_BITS, 0,
		 "000"},
	};
	kf_envdec_t *d = kf_envdec_new();
	kf_env_msg_t m;
	kf_reject_t rej;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		const kf_value_t *v;

		if (kf_envdec_decode(d, NULL, 0, ok[i].msg, strlen(ok[i].msg),
				     &m, &rej))
			fail_msg("%s: %s", ok[i].msg, rej.reason);
		v = &m.after[0];
		assert_int_equal(m.schema->cols[0].type, ok[i].type);
		assert_int_equal(m.schema->cols[0].sqltype, ok[i].sql);
		assert_int_equal(v->type, ok[i].type);
		assert_false(v->null);
		if (!ok[i].txt) {
			if (v->u.i != ok[i].i)
				fail_msg("%s: %lld", ok[i].msg,
					 (long long)v->u.i);
			continue;
		}
		if (v->u.s.len != strlen(ok[i].txt) ||
		    memcmp(v->u.s.ptr, ok[i].txt, v->u.s.len))
			fail_msg("%s: \"%.*s\"", ok[i].msg, (int)v->u.s.len,
				 v->u.s.ptr);
	}
	kf_envdec_free(d);
}

/* JsonConverter writes the non-finite doubles as strings. */
static void test_nonfinite(void **state)
{
	static const char *const words[] = {"NaN", "Infinity", "-Infinity"};
	char msg[256];
	kf_envdec_t *d = kf_envdec_new();
	kf_env_msg_t m;
	kf_reject_t rej;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(msg, sizeof(msg), SIMPLE("double", "", "\"%s\""),
			 words[i]);
		assert_int_equal(kf_envdec_decode(d, NULL, 0, msg, strlen(msg),
						  &m, &rej),
				 0);
		assert_true(i ? isinf(m.after[0].u.f) : isnan(m.after[0].u.f));
		assert_true(i < 2 ? m.after[0].u.f > 0 || i == 0
				  : m.after[0].u.f < 0);
	}
	kf_envdec_free(d);
}

static void test_refused(void **state)
{
	static const char *const bad[][2] = {
		{"{\"a\":1}", "not a Connect JSON envelope"},
		{"{\"schema\":null,\"payload\":{\"a\":1}}", "schemas.enable"},
		{"[1,2]", "not a Connect JSON envelope"},
		{"{\"schema\":{\"type\":\"string\"},\"payload\":\"x\"}",
		 "not a struct"},
		{"{\"schema\":{\"type\":\"struct\",\"fields\":[]},\"payload\":"
		 "{},\"extra\":1}",
		 "exactly"},
		{"{\"schema\":{\"type\":\"struct\",\"fields\":[]},\"payload\":"
		 "[1]}",
		 "payload is not an object"},
		{"{\"schema\":", "not JSON"},
		{SIMPLE("int8", "", "128"), "x: not an integer"},
		{SIMPLE("int32", "", "1.5"), "x: not an integer"},
		{SIMPLE("boolean", "", "1"), "x: not true or false"},
		{SIMPLE("string", "", "1"), "x: not a string"},
		{SIMPLE("bytes", "", "\"A\""), "x: not base64"},
		{SIMPLE("bytes",
			",\"name\":\"org.apache.kafka.connect.data.Decimal\","
			"\"parameters\":{\"scale\":\"2\"}",
			"\"AAAAAAAAAAAAAAAAAAAAAAAA\""),
		 "x: not a Decimal"},
		{SIMPLE("bytes",
			",\"name\":\"org.apache.kafka.connect.data.Decimal\"",
			"\"AA==\""),
		 "without a scale"},
		{SIMPLE("string",
			",\"name\":\"io.debezium.time.MicroTimestamp\"",
			"\"1\""),
		 "MicroTimestamp on a string"},
		{SIMPLE("string", ",\"name\":\"io.debezium.time.Interval\"",
			"\"P1D\""),
		 "Interval is not supported"},
		{SIMPLE("int64", MICRO_TIME, "86400000001"),
		 "x: not an integer in the type's range"},
		{SIMPLE("int64", MICRO_TIME, "-1"), "not an integer"},
		{SIMPLE("int64", MICRO_TIME, "\"1\""), "not an integer"},
		{SIMPLE("string", ZONED_TS, "\"2026-02-29T00:00:00Z\""),
		 "ZonedTimestamp"},
		{SIMPLE("string", ZONED_TS, "\"2026-12-02T05:11:12\""),
		 "ZonedTimestamp"},
		{SIMPLE("string", ZONED_TS, "\"2026-12-02T24:00:01Z\""),
		 "ZonedTimestamp"},
		{SIMPLE("string", ZONED_TS,
			"\"2026-12-02T05:11:12.1234567890Z\""),
		 "ZonedTimestamp"},
		{SIMPLE("string", ZONED_TS, "\"2026-12-02T05:11:12Z \""),
		 "ZonedTimestamp"},
		{SIMPLE("string", ZONED_TS, "\"99999999-01-01T00:00:00Z\""),
		 "ZonedTimestamp"},
		{SIMPLE("string", ZONED_TS, "\"Infinity\""), "ZonedTimestamp"},
		{SIMPLE("string", ZONED_TS, "1"), "ZonedTimestamp"},
		{SIMPLE("string", ZONED_TIME, "\"05:11:12+19:00\""),
		 "ZonedTime"},
		{SIMPLE("string", ZONED_TIME, "\"05:60:00Z\""), "ZonedTime"},
		{SIMPLE("struct", VSD, "{\"scale\":39,\"value\":\"AQ==\"}"),
		 "not a VariableScaleDecimal"},
		{SIMPLE("struct", VSD, "{\"scale\":-1,\"value\":\"AQ==\"}"),
		 "not a VariableScaleDecimal"},
		{SIMPLE("struct", VSD, "{\"scale\":2}"),
		 "not a VariableScaleDecimal"},
		{SIMPLE("struct", VSD,
			"{\"scale\":0,\"value\":\"AAAAAAAAAAAAAAAAAAAAAAA=\"}"),
		 "not a VariableScaleDecimal"},
		{SIMPLE("struct", VSD, "\"12.5\""),
		 "not a VariableScaleDecimal"},
		{SIMPLE("struct", "", "{}"), "cannot hold"},
		{SIMPLE("string", UUID,
			"\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1\""),
		 "not a UUID"},
		{SIMPLE("string", UUID,
			"\"a0eebc99-9c0b-4ef8-bb6d_6bb9bd380a11\""),
		 "not a UUID"},
		{SIMPLE("string", UUID,
			"\"g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\""),
		 "not a UUID"},
		{SIMPLE("bytes", BITS("0"), "\"AA==\""),
		 "Bits without a length"},
		{SIMPLE("bytes", BITS("65"), "\"AA==\""),
		 "Bits without a length"},
		{SIMPLE("bytes", BITS("4"), "\"Hw==\""), "wider than"},
		{SIMPLE("bytes", BITS("64"), "\"AAAAAAAAAAAA\""), "not Bits"},
		{SIMPLE("double", "", "\"nan\""), "x: not a number"},
		{SIMPLE("array", "", "[1]"), "cannot hold"},
		{SIMPLE("string", "", "\"a\\u0000b\""), "U+0000"},
		{SIMPLE("double", "", "1e999"), "beyond a double"},
	};
	kf_envdec_t *d = kf_envdec_new();
	kf_env_msg_t m;
	kf_reject_t rej;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&rej, 0, sizeof(rej));
		if (kf_envdec_decode(d, NULL, 0, bad[i][0], strlen(bad[i][0]),
				     &m, &rej) != -1)
			fail_msg("accepted %s", bad[i][0]);
		assert_string_equal(rej.code, "format");
		if (!strstr(rej.reason, bad[i][1]))
			fail_msg("%s: \"%s\" does not say \"%s\"", bad[i][0],
				 rej.reason, bad[i][1]);
	}
	kf_envdec_free(d);
}

/* A schema already cached lets only the payload be tokenized: every
 * message that reuses its bytes in another layout, or breaks the envelope
 * around it, is still refused as the full path refuses it. */
static void test_cached_schema(void **state)
{
#define INT32_SCHEMA                                                           \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\","                \
	"\"optional\":true,\"field\":\"x\"}]}"
	static const char *const bad[][2] = {
		{"{\"schema\":" INT32_SCHEMA ",\"payload\":{\"x\":}}",
		 "not JSON"},
		{"{\"schema\":" INT32_SCHEMA ",\"payload\":{\"x\":1}}}",
		 "not JSON"},
		{"{\"schema\":" INT32_SCHEMA ",\"payload\":{\"x\":1},\"y\":1}",
		 "exactly"},
		{"{\"schema\":" INT32_SCHEMA ",\"payload\":{\"x\":1.5}}",
		 "x: not an integer"},
		{"{\"schema\":" INT32_SCHEMA ",\"payload\":[1]}",
		 "payload is not an object"},
		{"{\"schema\":" INT32_SCHEMA "}",
		 "not a Connect JSON envelope"},
	};
	static const char *const good[] = {
		"{\"schema\":" INT32_SCHEMA ",\"payload\":{\"x\":7}}",
		"{\"payload\":{\"x\":7},\"schema\":" INT32_SCHEMA "}",
		"{\"schema\":" INT32_SCHEMA ", \"payload\":{\"x\":7}} ",
		"{\"schema\":" INT32_SCHEMA ",\"payload\": {\"x\" : 7 }}",
	};
	kf_envdec_t *d = kf_envdec_new();
	kf_env_msg_t m;
	kf_reject_t rej;
	size_t i, round;

	(void)state;
	for (round = 0; round < 2; round++) {
		for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			assert_int_equal(kf_envdec_decode(d, NULL, 0, good[i],
							  strlen(good[i]), &m,
							  &rej),
					 0);
			assert_int_equal(m.schema->ncols, 1);
			assert_int_equal(m.after[0].u.i, 7);
		}
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			memset(&rej, 0, sizeof(rej));
			if (kf_envdec_decode(d, NULL, 0, bad[i][0],
					     strlen(bad[i][0]), &m, &rej) != -1)
				fail_msg("accepted %s", bad[i][0]);
			if (!strstr(rej.reason, bad[i][1]))
				fail_msg("%s: \"%s\" does not say \"%s\"",
					 bad[i][0], rej.reason, bad[i][1]);
		}
	}
	kf_envdec_free(d);
#undef INT32_SCHEMA
}

/* Payload members are read by name whatever their order; a guess by
 * schema order never changes which member a column gets. */
static void test_payload_order(void **state)
{
#define ABC_SCHEMA                                                             \
	"{\"schema\":{\"type\":\"struct\",\"fields\":["                        \
	"{\"type\":\"int32\",\"optional\":true,\"field\":\"a\"},"              \
	"{\"type\":\"int32\",\"optional\":true,\"field\":\"b\"},"              \
	"{\"type\":\"int32\",\"optional\":true,\"field\":\"c\"}]},"
	static const struct {
		const char *msg;
		int64_t a, b, c; /* -1: NULL */
	} cases[] = {
		{ABC_SCHEMA "\"payload\":{\"a\":1,\"b\":2,\"c\":3}}", 1, 2, 3},
		{ABC_SCHEMA "\"payload\":{\"c\":3,\"b\":2,\"a\":1}}", 1, 2, 3},
		{ABC_SCHEMA "\"payload\":{\"a\":1,\"c\":3}}", 1, -1, 3},
		{ABC_SCHEMA "\"payload\":{\"a\":1,\"b\":2}}", 1, 2, -1},
		{ABC_SCHEMA "\"payload\":{}}", -1, -1, -1},
		{ABC_SCHEMA "\"payload\":{\"z\":9,\"a\":1,\"b\":2,\"c\":3}}", 1,
		 2, 3},
		{ABC_SCHEMA "\"payload\":{\"a\":1,\"a\":5,\"b\":2,\"c\":3}}", 1,
		 2, 3},
		{ABC_SCHEMA "\"payload\":{\"a\":1,\"b\":2,\"c\":3,\"b\":7}}", 1,
		 2, 3},
		{ABC_SCHEMA "\"payload\":{\"\\u0061\":1,\"b\":2,\"c\":3}}", 1,
		 2, 3},
	};
	static const char dup[] =
		"{\"schema\":{\"type\":\"struct\",\"fields\":["
		"{\"type\":\"int32\",\"optional\":true,\"field\":\"a\"},"
		"{\"type\":\"int64\",\"optional\":true,\"field\":\"a\"}]},"
		"\"payload\":{\"a\":1}}";
	kf_envdec_t *d = kf_envdec_new();
	kf_env_msg_t m;
	kf_reject_t rej;
	int64_t want[3];
	size_t i, c;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(kf_envdec_decode(d, NULL, 0, cases[i].msg,
						  strlen(cases[i].msg), &m,
						  &rej),
				 0);
		want[0] = cases[i].a;
		want[1] = cases[i].b;
		want[2] = cases[i].c;
		for (c = 0; c < 3; c++) {
			if (want[c] < 0) {
				assert_int_equal(m.after[c].null, 1);
				continue;
			}
			assert_int_equal(m.after[c].null, 0);
			assert_int_equal(m.after[c].u.i, want[c]);
		}
	}
	assert_int_equal(
		kf_envdec_decode(d, NULL, 0, dup, sizeof(dup) - 1, &m, &rej),
		-1);
	assert_non_null(strstr(rej.reason, "a appears twice"));
	kf_envdec_free(d);
#undef ABC_SCHEMA
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_change_events),
		cmocka_unit_test(test_plain_keys),
		cmocka_unit_test(test_debezium_types),
		cmocka_unit_test(test_nonfinite),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_cached_schema),
		cmocka_unit_test(test_payload_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
