/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fetch sizes kf_kafka_consumer_new gives librdkafka (kafka/client.h),
 * read back from the client it made: a file transfer's share of a fetch
 * for one partition is a whole number of frames at their largest (a broker
 * cuts a partition's data at that many bytes, inside a batch if need be,
 * and the cut batch is fetched again), at least two; the response's limit
 * is a whole number of shares; a bulk reader's sizes are its own; a
 * kafka.* property the user sets wins.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "kafka/client.h"
#include "kf_test_mock.h"

static char errbuf[512];
/* a broker for the clients to connect to, so that they log nothing */
static struct kf_test_mock kf_mock;

struct fetch {
	uint64_t part;	 /* max.partition.fetch.bytes */
	uint64_t fetch;	 /* fetch.max.bytes */
	uint64_t queued; /* queued.max.messages.kbytes */
};

/* A numeric property of rk's configuration. */
static uint64_t conf_u64(rd_kafka_t *rk, const char *name)
{
	char v[64];
	size_t n = sizeof(v);

	assert_int_equal(rd_kafka_conf_get(rd_kafka_conf(rk), name, v, &n),
			 RD_KAFKA_CONF_OK);
	return strtoull(v, NULL, 10);
}

/* The sizes of a consumer made from conf (nothing is fetched). */
static struct fetch sizes(kf_conf_t *conf, uint64_t fetch_bytes)
{
	kf_kafka_guard_t guard = {0};
	struct fetch f;
	rd_kafka_t *rk;

	rk = kf_kafka_consumer_new(conf, 0, fetch_bytes, NULL, &guard, errbuf,
				   sizeof(errbuf));
	assert_non_null(rk);
	f.part = conf_u64(rk, "max.partition.fetch.bytes");
	f.fetch = conf_u64(rk, "fetch.max.bytes");
	f.queued = conf_u64(rk, "queued.max.messages.kbytes");
	rd_kafka_destroy(rk);
	return f;
}

static kf_conf_t *conf_for(const char *chunk_size)
{
	kf_conf_t *conf = kf_conf_new();

	assert_non_null(conf);
	kf_test_set(conf, "bootstrap", kf_mock.conf->bootstrap);
	kf_test_set(conf, "receive.group", "g");
	kf_test_set(conf, "log_level", "error");
	kf_test_set(conf, "chunk_size", chunk_size);
	return conf;
}

/* chunk_size, then the frames a partition's share holds */
static const struct {
	const char *chunk;
	uint64_t frames;
} kf_cases[] = {
	{"1048576", 8},	 /* 8 MiB of 1 MiB chunks: eight whole ones */
	{"65536", 119},	 /* 119 frames of 70,720 bytes: 8.03 MiB */
	{"4194304", 2},	 /* two of 4 MiB and their overhead */
	{"16777216", 2}, /* at least two, whatever 8 MiB holds */
	{"1000000", 9},	 /* a chunk that is no power of two */
};

static void test_file_fetch_whole_frames(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kf_cases) / sizeof(kf_cases[0]); i++) {
		kf_conf_t *conf = conf_for(kf_cases[i].chunk);
		uint64_t frame = kf_kafka_frame_bytes(conf);
		struct fetch f = sizes(conf, 0);

		/* the frame: the chunk, its header, the key, the batch */
		assert_int_equal(frame, strtoull(kf_cases[i].chunk, NULL, 10) +
						64 + 4096 + 1024);
		assert_int_equal(f.part, kf_cases[i].frames * frame);
		/* no less than 8 MiB, and no whole frame more */
		if (kf_cases[i].frames > 2) {
			assert_true(f.part >= (8u << 20));
			assert_true(f.part - frame < (8u << 20));
		}
		/* the response: whole shares, about 32 MiB or one share */
		assert_int_equal(f.fetch % f.part, 0);
		assert_true(f.fetch >= (32u << 20) || f.fetch == f.part);
		assert_true(f.fetch - f.part < (32u << 20));
		/* the prefetch queue is its own setting */
		assert_int_equal(f.queued, 8192);
		kf_conf_destroy(conf);
	}
}

static void test_bulk_reader_sizes(void **state)
{
	kf_conf_t *conf = conf_for("1048576");
	struct fetch f;

	(void)state;
	/* the sink asks for small fetches, a partition half of one */
	f = sizes(conf, 393216);
	assert_int_equal(f.fetch, 393216);
	assert_int_equal(f.part, 196608);
	/* and never below 64 KiB */
	f = sizes(conf, 1000);
	assert_int_equal(f.fetch, 65536);
	assert_int_equal(f.part, 65536);
	kf_conf_destroy(conf);
}

static void test_user_property_wins(void **state)
{
	kf_conf_t *conf = conf_for("1048576");
	struct fetch f;

	(void)state;
	kf_test_set(conf, "kafka.max.partition.fetch.bytes", "8388608");
	kf_test_set(conf, "kafka.fetch.max.bytes", "33554432");
	f = sizes(conf, 0);
	assert_int_equal(f.part, 8388608);
	assert_int_equal(f.fetch, 33554432);
	kf_conf_destroy(conf);
}

static int open_mock(void **state)
{
	(void)state;
	kf_test_mock_open(&kf_mock, 1);
	return 0;
}

static int close_mock(void **state)
{
	(void)state;
	kf_test_mock_close(&kf_mock);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_fetch_whole_frames),
		cmocka_unit_test(test_bulk_reader_sizes),
		cmocka_unit_test(test_user_property_wins),
	};

	return cmocka_run_group_tests(tests, open_mock, close_mock);
}
