/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A run's reader of the load ledger (load/ledger.h, docs/records.md 3.3)
 * against librdkafka's mock cluster: every answer is the one a read of
 * the key from its partition's start gives (kf_load_ledger_read), before
 * and after records are written between two reads (a newer state, a
 * tombstone, a newer version, a value that does not parse, another
 * topic's key of the same hash); a key of another topic and a ledger
 * topic that does not exist are answered as a read of their own would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "kf_test_mock.h"
#include "load/ledger.h"

static char errbuf[512];

struct fix {
	struct kf_test_mock k;
	rd_kafka_t *p; /* writes the ledger, partitioned as our producers */
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	rd_kafka_conf_t *rc = rd_kafka_conf_new();

	assert_non_null(f);
	kf_test_mock_open(&f->k, 1);
	assert_int_equal(rd_kafka_mock_topic_create(f->k.mc, "loads", 2, 1), 0);
	assert_int_equal(kf_log_init(f->k.conf, 0, errbuf, sizeof(errbuf)), 0);
	rd_kafka_conf_set(rc, "bootstrap.servers",
			  rd_kafka_mock_cluster_bootstraps(f->k.mc), NULL, 0);
	rd_kafka_conf_set(rc, "partitioner", "murmur2_random", NULL, 0);
	f->p = rd_kafka_new(RD_KAFKA_PRODUCER, rc, errbuf, sizeof(errbuf));
	assert_non_null(f->p);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	rd_kafka_destroy(f->p);
	kf_test_mock_close(&f->k);
	free(f);
	return 0;
}

/* Writes key -> value (NULL: a tombstone) to the ledger and waits for it. */
static void put(struct fix *f, const char *key, const char *value)
{
	assert_int_equal(
		rd_kafka_producev(f->p, RD_KAFKA_V_TOPIC("loads"),
				  RD_KAFKA_V_KEY(key, strlen(key)),
				  RD_KAFKA_V_VALUE((void *)value,
						   value ? strlen(value) : 0),
				  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				  RD_KAFKA_V_END),
		0);
	assert_int_equal(rd_kafka_flush(f->p, 10000), 0);
}

#define HEX_A "000000000000000000000000000000aa"
#define HEX_B "000000000000000000000000000000bb"
#define HEX_C "000000000000000000000000000000cc"
#define HEX_D "000000000000000000000000000000dd"
#define REC(state, id)                                                         \
	"{\"v\":1,\"state\":\"" state "\",\"load_id\":\"" id "\"}"

/* lg's answer for key, checked against a read of key from the start. */
static kf_load_entry_t get(struct fix *f, kf_load_ledger_t *lg, const char *key)
{
	kf_load_entry_t got, want;

	assert_int_equal(kf_load_ledger_get(lg, key, 10000, &got, errbuf,
					    sizeof(errbuf)),
			 0);
	assert_int_equal(kf_load_ledger_read(f->k.conf, "loads", key, 10000,
					     &want, errbuf, sizeof(errbuf)),
			 0);
	assert_int_equal(got.state, want.state);
	assert_int_equal(got.v, want.v);
	assert_string_equal(got.load_id, want.load_id);
	return got;
}

static void test_reads(void **state)
{
	struct fix *f = *state;
	kf_load_ledger_t *lg;
	kf_load_entry_t e;

	assert_int_equal(kf_load_ledger_new(f->k.conf, "loads", "rows", &lg,
					    errbuf, sizeof(errbuf)),
			 0);
	assert_int_equal(get(f, lg, "rows/" HEX_A).state, KF_LOAD_NONE);

	put(f, "rows/" HEX_A, REC("done", "a1"));
	put(f, "rows/" HEX_B, REC("done", "b1"));
	put(f, "rows/" HEX_C, REC("rejected", "c1"));
	put(f, "other/" HEX_D, REC("done", "d0"));
	put(f, "rows/" HEX_A, "not json");
	e = get(f, lg, "rows/" HEX_A);
	assert_int_equal(e.state, KF_LOAD_DONE);
	assert_string_equal(e.load_id, "a1");
	assert_int_equal(get(f, lg, "rows/" HEX_B).state, KF_LOAD_DONE);
	assert_int_equal(get(f, lg, "rows/" HEX_C).state, KF_LOAD_REJECTED);
	assert_int_equal(get(f, lg, "rows/" HEX_D).state, KF_LOAD_NONE);

	/* written after the reads above: every later read sees them */
	put(f, "rows/" HEX_A, REC("partial", "a2"));
	put(f, "rows/" HEX_B, NULL);
	put(f, "rows/" HEX_C, "{\"v\":2,\"state\":\"done\"}");
	put(f, "rows/" HEX_D, REC("done", "d1"));
	e = get(f, lg, "rows/" HEX_A);
	assert_int_equal(e.state, KF_LOAD_PARTIAL);
	assert_string_equal(e.load_id, "a2");
	assert_int_equal(get(f, lg, "rows/" HEX_B).state, KF_LOAD_NONE);
	e = get(f, lg, "rows/" HEX_C);
	assert_int_equal(e.state, KF_LOAD_UNKNOWN);
	assert_int_equal(e.v, 2);
	assert_int_equal(get(f, lg, "rows/" HEX_D).state, KF_LOAD_DONE);
	/* another topic's key: read on its own */
	e = get(f, lg, "other/" HEX_D);
	assert_int_equal(e.state, KF_LOAD_DONE);
	assert_string_equal(e.load_id, "d0");
	/* the same answers again, nothing new to read */
	assert_int_equal(get(f, lg, "rows/" HEX_A).state, KF_LOAD_PARTIAL);
	assert_int_equal(get(f, lg, "rows/" HEX_B).state, KF_LOAD_NONE);
	kf_load_ledger_destroy(lg);
}

static void test_no_topic(void **state)
{
	struct fix *f = *state;
	kf_load_ledger_t *lg;
	kf_load_entry_t e = {.state = KF_LOAD_DONE};

	assert_int_equal(kf_load_ledger_new(f->k.conf, "nosuch", "rows", &lg,
					    errbuf, sizeof(errbuf)),
			 0);
	assert_int_equal(kf_load_ledger_get(lg, "rows/" HEX_A, 5000, &e, errbuf,
					    sizeof(errbuf)),
			 0);
	assert_int_equal(e.state, KF_LOAD_NONE);
	kf_load_ledger_destroy(lg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_topic, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
