/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/capture/event.c: a snapshot row of a table of every
 * mapped type gives, byte for byte, the key and value Debezium 3.2's
 * PostgreSQL connector wrote for it (tests/data/capture/, recorded from
 * its output; only the envelope's ts_ns differs: Debezium's counts
 * nanoseconds, ours microseconds times 1000); decimals, temporal values,
 * TOAST placeholders and refused texts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/event.h"
#include "kferry/kferry.h"

#define NUMERIC(p, s) (((p) << 16 | (s)) + 4)
/* a PostgreSQL column and source struct (the MariaDB members zero) */
#define PG(n, oid, mod, nn, key)                                               \
	{                                                                      \
		.name = (n), .type_oid = (oid), .typmod = (mod),               \
		.notnull = (nn), .key_seq = (key)                              \
	}
#define PGSRC(p, d, snap, ts, prev, l, x)                                      \
	{                                                                      \
		.prefix = (p), .db = (d), .snapshot = (snap), .ts_us = (ts),   \
		.last_commit_lsn = (prev), .lsn = (l), .txid = (x)             \
	}

static const kf_cap_coldef_t cols[] = {
	PG("id", 23, -1, 1, 1),
	PG("n", 1700, -1, 0, 0),
	PG("n2", 1700, NUMERIC(10, 3), 0, 0),
	PG("ts", 1114, -1, 0, 0),
	PG("tsz", 1184, -1, 0, 0),
	PG("tm", 1083, -1, 0, 0),
	PG("d", 1082, -1, 0, 0),
	PG("u", 2950, -1, 0, 0),
	PG("js", 3802, -1, 0, 0),
	PG("j", 114, -1, 0, 0),
	PG("b", 17, -1, 0, 0),
	PG("c", 1042, 7, 0, 0),
	PG("vc", 1043, 14, 0, 0),
	PG("f4", 700, -1, 0, 0),
	PG("f8", 701, -1, 0, 0),
	PG("i2", 21, -1, 0, 0),
	PG("i8", 20, -1, 0, 0),
	PG("ok", 16, -1, 0, 0),
	PG("t", 25, -1, 0, 0),
};
#define NCOLS ((int)(sizeof(cols) / sizeof(cols[0])))

static const char *const row1[NCOLS] = {
	"1",
	"12.345",
	"1.500",
	"2026-12-02 10:11:12.345678",
	"2026-12-02 01:11:12.345678+00",
	"01:02:03.456789",
	"2026-12-02",
	"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
	"{\"a\": 1}",
	"{\"b\": 2}",
	"\\x00ff",
	"ab ",
	"x",
	"1.5",
	"2.25",
	"7",
	"8",
	"t",
	"\xed\x95\x9c\xea\xb8\x80",
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

static char *read_data(const char *name)
{
	char path[4096];
	const char *root = getenv("KF_SOURCE_DIR");
	FILE *f;
	char *buf = malloc(1 << 16);
	size_t n;

	snprintf(path, sizeof(path), "%s/tests/data/capture/%s",
		 root ? root : ".", name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	while (n && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return buf;
}

static kf_cap_table_t *table(void)
{
	kf_cap_table_t *t;
	char err[256];

	assert_int_equal(kf_cap_table_new("pfx", "public", "src_t", cols, NCOLS,
					  &t, err, sizeof(err)),
			 0);
	return t;
}

static void test_debezium_bytes(void **state)
{
	kf_cap_table_t *t = table();
	kf_pgo_value_t v[NCOLS];
	kf_cap_source_t src = PGSRC("pfx", "kferry", "first", 1796207606134086,
				    0, 26396328, 728);
	kf_strbuf_t key, val;
	char err[256], *want_key = read_data("dbz_snapshot_row.key"),
		       *want_val = read_data("dbz_snapshot_row.value");
	int nulled = 0;

	(void)state;
	assert_string_equal(kf_cap_table_topic(t), "pfx.public.src_t");
	values(v, row1, NCOLS);
	kf_strbuf_heap(&key, 256);
	kf_strbuf_heap(&val, 4096);
	assert_int_equal(kf_cap_event_key(t, v, NCOLS, &key, err, sizeof(err)),
			 0);
	assert_string_equal(key.p, want_key);
	assert_int_equal(kf_cap_event_value(t, 'r', NULL, 0, v, NCOLS, &src,
					    1796207606478533, &val, &nulled,
					    err, sizeof(err)),
			 0);
	assert_string_equal(val.p, want_val);
	assert_int_equal(nulled, 0);
	free(key.p);
	free(val.p);
	free(want_key);
	free(want_val);
	kf_cap_table_destroy(t);
}

/* The JSON of one value of type (oid, typmod) from text. */
static int one(uint32_t oid, int32_t typmod, const char *text, char *out,
	       size_t cap)
{
	kf_cap_coldef_t c[2] = {PG("k", 23, -1, 1, 1),
				PG("v", oid, typmod, 0, 0)};
	const char *texts[2] = {"1", text};
	kf_pgo_value_t v[2];
	kf_cap_source_t src = PGSRC("p", "d", "false", 0, 0, 1, -1);
	kf_cap_table_t *t;
	kf_strbuf_t b;
	char err[200], *at, *end;
	int nulled = 0, r;

	assert_int_equal(
		kf_cap_table_new("p", "s", "t", c, 2, &t, err, sizeof(err)), 0);
	values(v, texts, 2);
	kf_strbuf_heap(&b, 4096);
	r = kf_cap_event_value(t, 'c', NULL, 0, v, 2, &src, 0, &b, &nulled, err,
			       sizeof(err));
	if (!r) {
		at = strstr(b.p, "\"after\":{\"k\":1,\"v\":") + 19;
		end = strstr(at, "},\"source\"");
		snprintf(out, cap, "%.*s", (int)(end - at), at);
	} else {
		snprintf(out, cap, "ERR %s", err);
	}
	free(b.p);
	kf_cap_table_destroy(t);
	return r ? r : nulled;
}

static void test_types(void **state)
{
	static const struct {
		uint32_t oid;
		int32_t typmod;
		const char *text, *json;
	} v[] = {
		{1700, NUMERIC(12, 2), "12.50", "\"BOI=\""},
		{1700, NUMERIC(12, 2), "0.00", "\"AA==\""},
		{1700, NUMERIC(12, 2), "-0.05", "\"+w==\""},
		{1700, NUMERIC(12, 2), "-1.28", "\"gA==\""},
		{1700, NUMERIC(12, 2), "1.28", "\"AIA=\""},
		{1700, NUMERIC(20, 0), "9007199254740993", "\"IAAAAAAAAQ==\""},
		{1700, -1, "100", "{\"scale\":0,\"value\":\"ZA==\"}"},
		{1700, -1, "-1.5", "{\"scale\":1,\"value\":\"8Q==\"}"},
		{1082, -1, "1970-01-01", "0"},
		{1082, -1, "1969-12-31", "-1"},
		{1082, -1, "2000-02-29", "11016"},
		{1082, -1, "0001-01-01 BC", "-719528"},
		{1114, 3, "1970-01-01 00:00:00", "0"},
		{1114, 3, "1969-12-31 23:59:59.9995", "-1"},
		{1114, 3, "2026-12-02 10:11:12.345", "1796206272345"},
		{1114, 6, "2026-12-02 10:11:12.5", "1796206272500000"},
		{1184, -1, "2026-12-02 10:11:12.5+09",
		 "\"2026-12-02T01:11:12.5Z\""},
		{1184, -1, "2026-12-02 00:00:00+00",
		 "\"2026-12-02T00:00:00Z\""},
		{1184, -1, "1969-12-31 23:59:59.000001+00:30",
		 "\"1969-12-31T23:29:59.000001Z\""},
		{1083, 3, "23:59:59.999", "86399999"},
		{1083, -1, "24:00:00", "86400000000"},
		{700, -1, "NaN", "\"NaN\""},
		{701, -1, "-2.25e+10", "-2.25e+10"},
		{16, -1, "f", "false"},
		{17, -1, "\\x", "\"\""},
		{25, -1, "a\"b\\c\n\x01", "\"a\\\"b\\\\c\\n\\u0001\""},
		{1186, -1, "1 day", "\"1 day\""},
	};
	char out[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(
			one(v[i].oid, v[i].typmod, v[i].text, out, sizeof(out)),
			0);
		if (strcmp(out, v[i].json))
			fail_msg("%s: got %s, want %s", v[i].text, out,
				 v[i].json);
	}
	/* no Connect value: null, counted */
	assert_int_equal(one(1700, -1, "NaN", out, sizeof(out)), 1);
	assert_string_equal(out, "null");
	assert_int_equal(one(1114, -1, "infinity", out, sizeof(out)), 1);
}

static void test_refused(void **state)
{
	static const struct {
		uint32_t oid;
		const char *text;
	} bad[] = {
		{23, "12a"},
		{23, ""},
		{16, "true"},
		{1700, "1.2.3"},
		{1700, ""},
		{1082, "2026-13-01"},
		{1082, "2026-01-01x"},
		{1114, "2026-01-01"},
		{1184, "2026-01-01 00:00:00"},
		{1083, "25:00:00"},
		{17, "\\xzz"},
		{17, "00"},
		{701, "1;2"},
	};
	char out[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (one(bad[i].oid, -1, bad[i].text, out, sizeof(out)) !=
		    KF_EPROTO)
			fail_msg("%s accepted: %s", bad[i].text, out);
		assert_non_null(strstr(out, "column v"));
	}
}

static void test_toast_and_delete(void **state)
{
	kf_cap_table_t *t = table();
	kf_pgo_value_t oldv[NCOLS], newv[NCOLS];
	const char *keyonly[NCOLS] = {"1"};
	kf_cap_source_t src = PGSRC("pfx", "kferry", "false", 0, 100, 200, 9);
	kf_strbuf_t b;
	char err[256];
	int nulled = 0;

	(void)state;
	values(oldv, row1, NCOLS);
	values(newv, row1, NCOLS);
	newv[18].kind = 'u';
	newv[10].kind = 'u';
	kf_strbuf_heap(&b, 8192);
	/* REPLICA IDENTITY FULL: the old row fills the unchanged value */
	assert_int_equal(kf_cap_event_value(t, 'u', oldv, NCOLS, newv, NCOLS,
					    &src, 0, &b, &nulled, err,
					    sizeof(err)),
			 0);
	assert_non_null(strstr(b.p, "\"ok\":true,\"t\":\"\xed\x95\x9c"));
	assert_non_null(
		strstr(b.p, "\"sequence\":\"[\\\"100\\\",\\\"200\\\"]\""));
	b.len = 0;
	/* without the old row: Debezium's placeholder */
	assert_int_equal(kf_cap_event_value(t, 'u', NULL, 0, newv, NCOLS, &src,
					    0, &b, &nulled, err, sizeof(err)),
			 0);
	assert_non_null(strstr(b.p, "\"t\":\"__debezium_unavailable_value\""));
	assert_non_null(strstr(
		b.p, "\"b\":\"X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ==\""));
	b.len = 0;
	/* a delete's key-only old row */
	values(oldv, keyonly, NCOLS);
	assert_int_equal(kf_cap_event_value(t, 'd', oldv, NCOLS, NULL, 0, &src,
					    0, &b, &nulled, err, sizeof(err)),
			 0);
	assert_non_null(strstr(b.p, "\"before\":{\"id\":1,\"n\":null,"));
	assert_non_null(strstr(b.p, "\"after\":null"));
	/* a row of the wrong width */
	assert_int_equal(kf_cap_event_value(t, 'c', NULL, 0, oldv, 3, &src, 0,
					    &b, &nulled, err, sizeof(err)),
			 KF_EPROTO);
	assert_non_null(strstr(err, "3 values for 19 columns"));
	/* a key without its value */
	b.len = 0;
	oldv[0].kind = 'n';
	assert_int_equal(kf_cap_event_key(t, oldv, NCOLS, &b, err, sizeof(err)),
			 KF_EPROTO);
	free(b.p);
	kf_cap_table_destroy(t);
}

/* A delete's key-only old row: a NOT NULL column it does not carry, or
 * a value without a Connect value, is the type's zero (a required field
 * cannot be null), as Debezium writes it; a nullable one is null. */
static void test_required_absent(void **state)
{
	static const kf_cap_coldef_t c[] = {
		PG("id", 23, -1, 1, 1),	   PG("ok", 16, -1, 1, 0),
		PG("i", 20, -1, 1, 0),	   PG("n", 1700, NUMERIC(12, 2), 1, 0),
		PG("nv", 1700, -1, 1, 0),  PG("tz", 1184, -1, 1, 0),
		PG("ts", 1114, -1, 1, 0),  PG("t", 25, -1, 1, 0),
		PG("b", 17, -1, 1, 0),	   PG("opt", 25, -1, 0, 0),
		PG("nan", 1700, -1, 1, 0),
	};
	const char *keyonly[11] = {"7"};
	const char *nan[11] = {"7",
			       "t",
			       "1",
			       "1.00",
			       "1",
			       "1970-01-01 00:00:00+00",
			       "1970-01-01 00:00:00",
			       "x",
			       "\\x",
			       NULL,
			       "NaN"};
	kf_cap_source_t src = PGSRC("pfx", "kferry", "false", 0, 100, 200, 9);
	kf_pgo_value_t v[11];
	kf_cap_table_t *t;
	kf_strbuf_t b;
	char err[256];
	int nulled = 0;

	(void)state;
	assert_int_equal(kf_cap_table_new("pfx", "public", "req", c, 11, &t,
					  err, sizeof(err)),
			 0);
	kf_strbuf_heap(&b, 8192);
	values(v, keyonly, 11);
	assert_int_equal(kf_cap_event_value(t, 'd', v, 11, NULL, 0, &src, 0, &b,
					    &nulled, err, sizeof(err)),
			 0);
	assert_non_null(strstr(
		b.p, "\"before\":{\"id\":7,\"ok\":false,\"i\":0,\"n\":\"AA==\","
		     "\"nv\":{\"scale\":0,\"value\":\"AA==\"},"
		     "\"tz\":\"1970-01-01T00:00:00Z\",\"ts\":0,\"t\":\"\","
		     "\"b\":\"\",\"opt\":null,\"nan\":{\"scale\":0,"
		     "\"value\":\"AA==\"}}"));
	b.len = 0;
	values(v, nan, 11);
	assert_int_equal(kf_cap_event_value(t, 'c', NULL, 0, v, 11, &src, 0, &b,
					    &nulled, err, sizeof(err)),
			 0);
	assert_int_equal(nulled, 1);
	assert_non_null(strstr(b.p, "\"opt\":null,\"nan\":{\"scale\":0,"
				    "\"value\":\"AA==\"}}"));
	free(b.p);
	kf_cap_table_destroy(t);
}

static void test_table_key(void **state)
{
	kf_cap_coldef_t c[3] = {PG("a", 23, -1, 1, 2), PG("b", 25, -1, 1, 1),
				PG("v", 23, -1, 0, 0)};
	const char *texts[3] = {"1", "x", "5"};
	kf_pgo_value_t v[3];
	kf_cap_table_t *t;
	kf_strbuf_t b;
	char err[256];

	(void)state;
	assert_int_equal(
		kf_cap_table_new("p", "s", "k2", c, 3, &t, err, sizeof(err)),
		0);
	values(v, texts, 3);
	kf_strbuf_heap(&b, 512);
	assert_int_equal(kf_cap_event_key(t, v, 3, &b, err, sizeof(err)), 0);
	assert_non_null(strstr(b.p, "\"name\":\"p.s.k2.Key\"},\"payload\":"
				    "{\"b\":\"x\",\"a\":1}}"));
	free(b.p);
	kf_cap_table_destroy(t);
	c[0].key_seq = 0;
	c[1].key_seq = 0;
	assert_int_equal(
		kf_cap_table_new("p", "s", "k2", c, 3, &t, err, sizeof(err)),
		KF_EINVAL);
	assert_non_null(strstr(err, "no primary key"));
	c[0].key_seq = 2;
	assert_int_equal(
		kf_cap_table_new("p", "s", "k2", c, 3, &t, err, sizeof(err)),
		KF_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debezium_bytes),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_toast_and_delete),
		cmocka_unit_test(test_required_absent),
		cmocka_unit_test(test_table_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
