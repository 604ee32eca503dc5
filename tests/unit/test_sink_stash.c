/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/sink/stash.c: messages read back byte for byte (key,
 * value, tombstone, coordinates, load id), keys and values of one schema
 * kept as a shared prefix and their tails (the stash holds far less than their
 * sum), two schemas interleaved, short values, and a filter that keeps
 * the order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "kferry/kferry.h"
#include "sink/stash.h"

#define SCHEMA(name)                                                           \
	"{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\","    \
	"\"optional\":false,\"field\":\"id\"},{\"type\":\"string\","           \
	"\"optional\":true,\"field\":\"memo\"},{\"type\":\"string\","          \
	"\"optional\":true,\"field\":\"customer\"},{\"type\":\"string\","      \
	"\"optional\":true,\"field\":\"branch\"},{\"type\":\"int32\","         \
	"\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Date\","   \
	"\"field\":\"settle_date\"}],\"optional\":false,"                      \
	"\"name\":\"" name "\"},\"payload\":"

/* Message i's value: schema A or B and a payload of its own. */
static void value_of(size_t i, int b, char *out, size_t size)
{
	snprintf(out, size, "%s{\"id\":%zu,\"memo\":\"row %zu\"}}",
		 b ? SCHEMA("shop.b") : SCHEMA("shop.a"), i, i * 7);
}

/* Message i's key: a Connect JSON key with its schema, or none. */
static const char *key_of(size_t i, char *out, size_t size)
{
	if (!(i % 4))
		return NULL;
	snprintf(out, size,
		 "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":"
		 "\"int64\",\"optional\":false,\"field\":\"id\"}],"
		 "\"optional\":false,\"name\":\"shop.Key\"},\"payload\":"
		 "{\"id\":%zu}}",
		 i);
	return out;
}

static void add(kf_sink_stash_t *st, size_t i, const char *value,
		const char *key)
{
	char id[32];
	kf_sink_msg_t m = {
		.topic = "shop",
		.partition = (int32_t)(i % 3),
		.offset = (int64_t)i,
		.timestamp = 1000 + (int64_t)i,
		.key = key,
		.key_len = key ? strlen(key) : 0,
		.value = value,
		.len = value ? strlen(value) : 0,
	};

	snprintf(id, sizeof(id), "load-%zu", i);
	if (i % 2) {
		m.load_id = id;
		m.load_id_len = strlen(id);
	}
	assert_int_equal(kf_sink_stash_add(st, &m), 0);
}

static void check(const kf_sink_stash_t *st, size_t at, size_t i,
		  const char *value, const char *key, kf_sink_scratch_t *sc)
{
	kf_sink_msg_t m;
	char id[32];

	assert_int_equal(kf_sink_stash_get(st, at, &m, sc), 0);
	assert_string_equal(m.topic, "shop");
	assert_int_equal(m.partition, (int32_t)(i % 3));
	assert_int_equal(m.offset, (int64_t)i);
	assert_int_equal(m.timestamp, 1000 + (int64_t)i);
	if (value) {
		assert_non_null(m.value);
		assert_int_equal(m.len, strlen(value));
		assert_memory_equal(m.value, value, m.len);
	} else {
		assert_null(m.value);
	}
	if (key) {
		assert_int_equal(m.key_len, strlen(key));
		assert_memory_equal(m.key, key, m.key_len);
	} else {
		assert_null(m.key);
	}
	snprintf(id, sizeof(id), "load-%zu", i);
	if (i % 2) {
		assert_int_equal(m.load_id_len, strlen(id));
		assert_memory_equal(m.load_id, id, m.load_id_len);
	} else {
		assert_null(m.load_id);
	}
}

#define N 2000

static void test_shared_schema(void **state)
{
	kf_sink_stash_t st = {0};
	kf_sink_scratch_t sc = {0};
	char v[512], k[256];
	const char *key;
	uint64_t sum = 0;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		/* two schemas interleaved, now and then a long run of one */
		value_of(i, i % 5 == 1, v, sizeof(v));
		key = key_of(i, k, sizeof(k));
		add(&st, i, v, key);
		sum += strlen(v) + (key ? strlen(key) : 0);
	}
	assert_int_equal(st.n, N);
	for (i = 0; i < N; i++) {
		value_of(i, i % 5 == 1, v, sizeof(v));
		check(&st, i, i, v, key_of(i, k, sizeof(k)), &sc);
	}
	/* the schemas are kept a few times, not once a message: well under
	 * half of the values' bytes (entries and chunks counted) */
	assert_true(st.bytes < sum / 2);
	kf_sink_stash_free(&st);
	kf_sink_scratch_free(&sc);
	assert_int_equal(st.n, 0);
	assert_int_equal(st.bytes, 0);
}

static void test_short_and_tombstones(void **state)
{
	kf_sink_stash_t st = {0};
	kf_sink_scratch_t sc = {0};
	const char *vals[] = {"", "x", NULL, "{\"id\":1}", NULL, ""};
	size_t i;

	(void)state;
	for (i = 0; i < 6; i++)
		add(&st, i, vals[i], "key");
	for (i = 0; i < 6; i++)
		check(&st, i, i, vals[i], "key", &sc);
	kf_sink_stash_free(&st);
	kf_sink_scratch_free(&sc);
}

/* Keeps what is not of partition 1 and not below offset 10. */
static int keep(void *opaque, const char *topic, int32_t partition,
		int64_t offset)
{
	(void)opaque;
	assert_string_equal(topic, "shop");
	return partition != 1 && offset >= 10;
}

static void test_keep(void **state)
{
	kf_sink_stash_t st = {0};
	kf_sink_scratch_t sc = {0};
	char v[512];
	size_t i, at = 0;

	(void)state;
	for (i = 0; i < 100; i++) {
		value_of(i, 0, v, sizeof(v));
		add(&st, i, v, NULL);
	}
	kf_sink_stash_keep(&st, keep, NULL);
	for (i = 0; i < 100; i++) {
		if (i % 3 == 1 || i < 10)
			continue;
		value_of(i, 0, v, sizeof(v));
		check(&st, at++, i, v, NULL, &sc);
	}
	assert_int_equal(st.n, at);
	kf_sink_stash_free(&st);
	kf_sink_scratch_free(&sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_schema),
		cmocka_unit_test(test_short_and_tombstones),
		cmocka_unit_test(test_keep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
