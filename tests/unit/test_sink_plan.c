/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/sink/plan.c: the table names of --table-format,
 * records grouped per table in insert mode (never collapsed), upserts
 * collapsed per key (the last event wins), Debezium change events (c, u,
 * d, then a tombstone) with and without --delete, a new column set
 * starting a new group, and messages refused (not Connect JSON, a change
 * event without a key).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "sink/plan.h"

#define KEY_SCHEMA                                                             \
	"{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":"   \
	"false,\"field\":\"id\"}],\"optional\":false,\"name\":\"db1.public."   \
	"orders.Key\"}"
#define ROW_FIELDS                                                             \
	"[{\"type\":\"int64\",\"optional\":false,\"field\":\"id\"},"           \
	"{\"type\":\"string\",\"optional\":true,\"field\":\"name\"}]"
#define ROW_SCHEMA(name)                                                       \
	"{\"type\":\"struct\",\"fields\":" ROW_FIELDS                          \
	",\"optional\":true,\"name\":\"" name "\"}"

struct env {
	rd_kafka_t *rk;
	rd_kafka_topic_t *orders, *cdc;
	kf_envdec_t *dec;
	rd_kafka_message_t m[16];
	rd_kafka_message_t *pm[16];
	char keys[16][256], vals[16][2048];
	size_t n;
};

static int setup(void **state)
{
	static struct env v;
	char err[256];

	memset(&v, 0, sizeof(v));
	v.rk = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), err,
			    sizeof(err));
	assert_non_null(v.rk);
	v.orders = rd_kafka_topic_new(v.rk, "shop.orders", NULL);
	v.cdc = rd_kafka_topic_new(v.rk, "db1.public.orders", NULL);
	v.dec = kf_envdec_new();
	*state = &v;
	return 0;
}

static int teardown(void **state)
{
	struct env *v = *state;

	kf_envdec_free(v->dec);
	rd_kafka_topic_destroy(v->orders);
	rd_kafka_topic_destroy(v->cdc);
	rd_kafka_destroy(v->rk);
	return 0;
}

/* Adds a message; key or value NULL: none. */
static void add(struct env *v, rd_kafka_topic_t *t, const char *key,
		const char *value)
{
	rd_kafka_message_t *m = &v->m[v->n];

	memset(m, 0, sizeof(*m));
	m->rkt = t;
	m->offset = (int64_t)v->n;
	if (key) {
		snprintf(v->keys[v->n], sizeof(v->keys[0]), "%s", key);
		m->key = v->keys[v->n];
		m->key_len = strlen(key);
	}
	if (value) {
		snprintf(v->vals[v->n], sizeof(v->vals[0]), "%s", value);
		m->payload = v->vals[v->n];
		m->len = strlen(value);
	}
	v->pm[v->n] = m;
	v->n++;
}

/* The plan of the messages added, read through a stash as the sink
 * keeps them. */
static int build(struct env *v, kf_sink_plan_t *p, const kf_sink_rules_t *r)
{
	kf_sink_stash_t st = {0};
	size_t i;
	int rc;

	for (i = 0; i < v->n; i++) {
		const rd_kafka_message_t *m = v->pm[i];
		kf_sink_msg_t km = {
			.topic = rd_kafka_topic_name(m->rkt),
			.offset = m->offset,
			.timestamp = -1,
			.key = m->key,
			.key_len = m->key_len,
			.value = m->payload,
			.len = m->len,
		};

		assert_int_equal(kf_sink_stash_add(&st, &km), 0);
	}
	rc = kf_sink_plan_build(p, r, v->dec, &st);
	kf_sink_stash_free(&st);
	return rc;
}

static void record(struct env *v, long id, const char *name, int keyed)
{
	char key[256], val[1024];

	snprintf(key, sizeof(key),
		 "{\"schema\":" KEY_SCHEMA ",\"payload\":{\"id\":%ld}}", id);
	snprintf(val, sizeof(val),
		 "{\"schema\":" ROW_SCHEMA("shop.orders") ",\"payload\":{"
							  "\"id\":%ld,\"name\":"
							  "\"%s\"}}",
		 id, name);
	add(v, v->orders, keyed ? key : NULL, val);
}

static void change(struct env *v, char op, long id, const char *name)
{
	char key[256], val[2048], row[128];

	snprintf(key, sizeof(key),
		 "{\"schema\":" KEY_SCHEMA ",\"payload\":{\"id\":%ld}}", id);
	snprintf(row, sizeof(row), "{\"id\":%ld,\"name\":\"%s\"}", id, name);
	snprintf(
		val, sizeof(val),
		"{\"schema\":{\"type\":\"struct\",\"fields\":["
		"{\"type\":\"struct\",\"fields\":" ROW_FIELDS
		",\"optional\":true,\"name\":\"db1.public.orders.Value\","
		"\"field\":\"before\"},"
		"{\"type\":\"struct\",\"fields\":" ROW_FIELDS
		",\"optional\":true,\"name\":\"db1.public.orders.Value\","
		"\"field\":\"after\"},"
		"{\"type\":\"struct\",\"fields\":["
		"{\"type\":\"string\",\"optional\":false,\"field\":\"db\"},"
		"{\"type\":\"string\",\"optional\":false,\"field\":\"schema\"},"
		"{\"type\":\"string\",\"optional\":false,\"field\":\"table\"}],"
		"\"optional\":false,\"name\":\"io.debezium.connector."
		"postgresql."
		"Source\",\"field\":\"source\"},"
		"{\"type\":\"string\",\"optional\":false,\"field\":\"op\"},"
		"{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ms\"}],"
		"\"optional\":false,\"name\":\"db1.public.orders.Envelope\"},"
		"\"payload\":{\"before\":%s,\"after\":%s,\"source\":{\"db\":"
		"\"db1\",\"schema\":\"public\",\"table\":\"orders\"},\"op\":"
		"\"%c\",\"ts_ms\":1}}",
		op == 'd' || op == 'u' ? row : "null", op == 'd' ? "null" : row,
		op);
	add(v, v->cdc, key, val);
}

static const char *text(const kf_value_t *v)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%.*s", (int)v->u.s.len, v->u.s.ptr);
	return buf;
}

static void test_table_names(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(kf_sink_table_name(NULL, "shop.orders", "", "", "",
					    out, sizeof(out)),
			 0);
	assert_string_equal(out, "shop_orders");
	assert_int_equal(kf_sink_table_name("${schema}.${table}", "t", "db1",
					    "public", "orders", out,
					    sizeof(out)),
			 0);
	assert_string_equal(out, "public.orders");
	assert_int_equal(kf_sink_table_name("cdc_${table}", "t", "", "", "o",
					    out, sizeof(out)),
			 0);
	assert_string_equal(out, "cdc_o");
	assert_int_equal(kf_sink_table_name("${nope}", "t", "", "", "", out,
					    sizeof(out)),
			 -1);
	assert_int_equal(kf_sink_table_name("${table}", "t", "", "", "", out,
					    sizeof(out)),
			 -1); /* empty */
	assert_int_equal(kf_sink_table_name("${topic}",
					    "t23456789012345678901234567890"
					    "12345678901234567890123456789"
					    "012345",
					    "", "", "", out, sizeof(out)),
			 -1); /* 66 bytes */
}

/* Insert mode: every record is a row, duplicates included; a message
 * that is not Connect JSON is refused, the rest still planned. */
static void test_insert(void **state)
{
	struct env *v = *state;
	kf_sink_rules_t r = {.mode = -1};
	kf_sink_plan_t p;

	v->n = 0;
	record(v, 1, "a", 0);
	record(v, 1, "a", 0);
	add(v, v->orders, NULL, "not json");
	record(v, 2, "b", 0);
	assert_int_equal(build(v, &p, &r), 0);
	assert_int_equal(p.ngroups, 1);
	assert_string_equal(p.groups[0].table, "shop_orders");
	assert_int_equal(p.groups[0].mode, KF_DB_INSERT);
	assert_int_equal(p.groups[0].ncols, 2);
	assert_int_equal(p.groups[0].nrows, 3);
	assert_int_equal(p.groups[0].row_msg[2], 3);
	assert_int_equal(p.groups[0].rows[2][0].u.i, 2);
	assert_string_equal(text(&p.groups[0].rows[2][1]), "b");
	assert_int_equal(p.nrefused, 1);
	assert_int_equal(p.refused[0].msg, 2);
	assert_string_equal(p.refused[0].code, "format");
	kf_sink_plan_free(&p);
}

/* Upsert with --key: the last record of a key wins, in message order. */
static void test_upsert_collapse(void **state)
{
	struct env *v = *state;
	kf_sink_rules_t r = {
		.mode = KF_DB_UPSERT, .key = "id", .table = "orders"};
	kf_sink_plan_t p;

	v->n = 0;
	record(v, 1, "a", 0);
	record(v, 2, "b", 0);
	record(v, 1, "a2", 0);
	record(v, 3, "c", 0);
	record(v, 2, "b2", 0);
	assert_int_equal(build(v, &p, &r), 0);
	assert_int_equal(p.ngroups, 1);
	assert_string_equal(p.groups[0].table, "orders");
	assert_int_equal(p.groups[0].nkey, 1);
	assert_int_equal(p.groups[0].key[0], 0);
	assert_int_equal(p.groups[0].nrows, 3);
	assert_int_equal(p.collapsed, 2);
	/* message order of the survivors: 2 (id 1), 3 (id 3), 4 (id 2) */
	assert_int_equal(p.groups[0].row_msg[0], 2);
	assert_string_equal(text(&p.groups[0].rows[0][1]), "a2");
	assert_int_equal(p.groups[0].row_msg[1], 3);
	assert_int_equal(p.groups[0].row_msg[2], 4);
	assert_string_equal(text(&p.groups[0].rows[2][1]), "b2");
	kf_sink_plan_free(&p);

	/* upsert without any key: refused, not guessed */
	v->n = 0;
	record(v, 1, "a", 0);
	r.key = NULL;
	assert_int_equal(build(v, &p, &r), 0);
	assert_int_equal(p.nrefused, 1);
	assert_string_equal(p.refused[0].code, "key");
	kf_sink_plan_free(&p);

	/* the message key's struct is the key */
	v->n = 0;
	record(v, 7, "x", 1);
	record(v, 7, "y", 1);
	assert_int_equal(build(v, &p, &r), 0);
	assert_int_equal(p.nrefused, 0);
	assert_int_equal(p.groups[0].nrows, 1);
	assert_string_equal(text(&p.groups[0].rows[0][1]), "y");
	kf_sink_plan_free(&p);
}

/* Change events: c, u of one key collapse to the update; d of another
 * deletes it (with --delete) or is skipped; a tombstone is skipped. */
static void test_change_events(void **state)
{
	struct env *v = *state;
	kf_sink_rules_t r = {
		.mode = -1, .table_format = "${table}", .delete_rows = 1};
	kf_sink_plan_t p;

	v->n = 0;
	change(v, 'c', 1, "a");
	change(v, 'c', 2, "b");
	change(v, 'u', 1, "a2");
	change(v, 'd', 2, "b");
	add(v, v->cdc, NULL, NULL); /* the delete's tombstone */
	change(v, 'r', 3, "c");
	assert_int_equal(build(v, &p, &r), 0);
	assert_int_equal(p.nrefused, 0);
	assert_int_equal(p.ngroups, 1);
	assert_string_equal(p.groups[0].table, "orders");
	assert_int_equal(p.groups[0].mode, KF_DB_UPSERT);
	assert_int_equal(p.skipped, 1);
	assert_int_equal(p.groups[0].nrows, 2);
	assert_string_equal(text(&p.groups[0].rows[0][1]), "a2");
	assert_int_equal(p.groups[0].rows[1][0].u.i, 3);
	assert_int_equal(p.groups[0].ndels, 1);
	assert_int_equal(p.groups[0].dels[0][0].u.i, 2);
	assert_string_equal(p.groups[0].keycols[0].name, "id");
	kf_sink_plan_free(&p);

	/* without --delete the delete is skipped: the create stays */
	r.delete_rows = 0;
	assert_int_equal(build(v, &p, &r), 0);
	assert_int_equal(p.skipped, 2);
	assert_int_equal(p.groups[0].ndels, 0);
	assert_int_equal(p.groups[0].nrows, 3);
	kf_sink_plan_free(&p);

	/* a change event without a key is refused */
	v->n = 0;
	change(v, 'c', 1, "a");
	v->m[0].key = NULL;
	v->m[0].key_len = 0;
	assert_int_equal(build(v, &p, &r), 0);
	assert_int_equal(p.nrefused, 1);
	assert_string_equal(p.refused[0].code, "key");
	kf_sink_plan_free(&p);
}

/* A record with another column set opens a second group of the table,
 * applied after the first. */
static void test_schema_change(void **state)
{
	struct env *v = *state;
	kf_sink_rules_t r = {.mode = -1, .table = "orders"};
	kf_sink_plan_t p;

	v->n = 0;
	record(v, 1, "a", 0);
	add(v, v->orders, NULL,
	    "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\","
	    "\"optional\":false,\"field\":\"id\"}],\"optional\":false},"
	    "\"payload\":{\"id\":5}}");
	record(v, 2, "b", 0);
	assert_int_equal(build(v, &p, &r), 0);
	assert_int_equal(p.ngroups, 3);
	assert_int_equal(p.groups[1].ncols, 1);
	assert_int_equal(p.groups[2].nrows, 1);
	kf_sink_plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_names),
		cmocka_unit_test(test_insert),
		cmocka_unit_test(test_upsert_collapse),
		cmocka_unit_test(test_change_events),
		cmocka_unit_test(test_schema_change),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
