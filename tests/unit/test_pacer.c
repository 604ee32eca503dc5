/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/kafka/pacer.c (small messages held per partition while
 * librdkafka could not send them), with a clock of our own and no broker:
 * what is given at once and what waits, in what order it comes back, that
 * a waiting message always comes back once the partition's reports are in,
 * and that the lane of a key is librdkafka's murmur2 partition of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/pacer.h"

#include "kf_test.h"

#define LINGER 5
#define BATCH 10000u
#define PARTS 4

static kf_pacer_msg_t *msg(const char *key, size_t len, int id)
{
	size_t keylen = strlen(key);
	kf_pacer_msg_t *m = calloc(1, sizeof(*m) + keylen);

	assert_non_null(m);
	m->opaque = (void *)(intptr_t)id;
	m->len = len;
	m->keylen = keylen;
	memcpy(m->key, key, keylen);
	return m;
}

static uint32_t rnd(uint32_t *seed)
{
	uint32_t v;

	kf_test_noise(&v, sizeof(v), seed);
	return v;
}

static int id_of(const kf_pacer_msg_t *m)
{
	return (int)(intptr_t)m->opaque;
}

/* The partition count, as librdkafka's first call of the partitioner
 * tells it. */
static void learn(kf_pacer_t *pc, int32_t parts)
{
	static const char k[] = "any";

	kf_pacer_partition(NULL, k, sizeof(k) - 1, parts, pc, NULL);
}

/* A key that murmur2 puts in partition want of PARTS. */
static void key_in(int32_t want, char *buf, size_t size)
{
	int i;

	for (i = 0;; i++) {
		snprintf(buf, size, "d%02d/f%06d", i % 20, i);
		if (rd_kafka_msg_partitioner_murmur2_random(
			    NULL, buf, strlen(buf), PARTS, NULL, NULL) == want)
			return;
	}
}

/* Until librdkafka has partitioned once, nothing is paced; then the lane
 * is the murmur2 partition, as kf_pacer_partition answers librdkafka. */
static void test_count_learned(void **state)
{
	kf_pacer_t *pc = kf_pacer_new(LINGER, BATCH);
	kf_pacer_msg_t *m = msg("d00/f000001", 100, 1);
	int32_t p;

	(void)state;
	assert_non_null(pc);
	assert_int_equal(kf_pacer_admit(pc, NULL, m, 0), 1);
	assert_int_equal(m->partition, -1);
	kf_pacer_done(pc, m); /* not paced: no lane to count in */
	learn(pc, PARTS);
	assert_int_equal(kf_pacer_admit(pc, NULL, m, 0), 1);
	p = kf_pacer_partition(NULL, m->key, m->keylen, PARTS, pc, NULL);
	assert_int_equal(m->partition, p);
	assert_int_equal(p,
			 rd_kafka_msg_partitioner_murmur2_random(
				 NULL, m->key, m->keylen, PARTS, NULL, NULL));
	kf_pacer_done(pc, m);
	free(m);
	kf_pacer_destroy(pc);
}

/* Small messages: the window's (LINGER ms) are given and join one batch;
 * once it is sent, the next wait, in order, until the batch's reports are
 * in; then they form the next batch. */
static void test_window_then_wait(void **state)
{
	kf_pacer_t *pc = kf_pacer_new(LINGER, BATCH);
	kf_pacer_msg_t *m[40], *w;
	char key[32];
	int i, given = 0;

	(void)state;
	learn(pc, PARTS);
	key_in(1, key, sizeof(key));
	for (i = 0; i < 10; i++) { /* one batch, within its linger */
		m[i] = msg(key, 100, i);
		assert_int_equal(kf_pacer_admit(pc, NULL, m[i], i / 4), 1);
		given++;
	}
	for (i = 10; i < 40; i++) { /* after it: sent, ten in flight */
		m[i] = msg(key, 100, i);
		assert_int_equal(kf_pacer_admit(pc, NULL, m[i], LINGER), 0);
	}
	assert_int_equal(kf_pacer_waiting(pc), 30);
	assert_null(kf_pacer_next(pc, 1, LINGER));
	/* the batch's reports: librdkafka could send again once fewer than
	 * KF_PACER_INFLIGHT of it are unreported */
	for (i = 0; i < 10; i++) {
		kf_pacer_done(pc, m[i]);
		while ((w = kf_pacer_next(pc, 1, 20)))
			assert_int_equal(id_of(w), given++);
	}
	assert_int_equal(given, 40);
	assert_int_equal(kf_pacer_waiting(pc), 0);
	/* another lane was never held up */
	key_in(2, key, sizeof(key));
	w = msg(key, 100, 99);
	assert_int_equal(kf_pacer_admit(pc, NULL, w, 20), 1);
	free(w);
	for (i = 0; i < 40; i++)
		free(m[i]);
	kf_pacer_destroy(pc);
}

/* A window takes at most BATCH bytes (with each record's overhead); a
 * message that does not fit closes it (librdkafka sends the full batch)
 * and opens the next while fewer than KF_PACER_INFLIGHT are sent: large
 * messages go five at a time, as librdkafka would send them. */
static void test_batch_bytes(void **state)
{
	kf_pacer_t *pc = kf_pacer_new(LINGER, BATCH);
	kf_pacer_msg_t *m[8], *w;
	char key[32];
	int i;

	(void)state;
	learn(pc, PARTS);
	key_in(0, key, sizeof(key));
	for (i = 0; i < KF_PACER_INFLIGHT; i++) {
		m[i] = msg(key, BATCH - 200, i);
		assert_int_equal(kf_pacer_admit(pc, NULL, m[i], 0), 1);
	}
	for (; i < 8; i++) {
		m[i] = msg(key, BATCH - 200, i);
		assert_int_equal(kf_pacer_admit(pc, NULL, m[i], 0), 0);
	}
	kf_pacer_done(pc, m[0]);
	w = kf_pacer_next(pc, 0, 0);
	assert_non_null(w);
	assert_int_equal(id_of(w), 5);
	assert_null(kf_pacer_next(pc, 0, 0));
	kf_pacer_done(pc, m[1]);
	kf_pacer_done(pc, m[2]);
	assert_int_equal(id_of(kf_pacer_next(pc, 0, 0)), 6);
	assert_int_equal(id_of(kf_pacer_next(pc, 0, 0)), 7);
	assert_int_equal(kf_pacer_waiting(pc), 0);
	for (i = 0; i < 8; i++)
		free(m[i]);
	kf_pacer_destroy(pc);
}

/* A message librdkafka refused frees its place; take_all hands back the
 * waiting, oldest first a lane, and leaves nothing waiting. */
static void test_unsent_and_take_all(void **state)
{
	kf_pacer_t *pc = kf_pacer_new(LINGER, BATCH);
	kf_pacer_msg_t *m[12], *w, *list;
	char key[32];
	int i;

	(void)state;
	learn(pc, PARTS);
	key_in(3, key, sizeof(key));
	for (i = 0; i < 6; i++) {
		m[i] = msg(key, 100, i);
		assert_int_equal(kf_pacer_admit(pc, NULL, m[i], 0), 1);
	}
	for (; i < 12; i++) {
		m[i] = msg(key, 100, i);
		assert_int_equal(kf_pacer_admit(pc, NULL, m[i], LINGER), 0);
	}
	/* two reports: four sent unreported, so the next batch may start */
	kf_pacer_done(pc, m[0]);
	kf_pacer_done(pc, m[1]);
	w = kf_pacer_next(pc, 3, LINGER);
	assert_int_equal(id_of(w), 6);
	kf_pacer_unsent(pc, w); /* refused: 7 takes its place */
	assert_int_equal(id_of(kf_pacer_next(pc, 3, LINGER)), 7);
	list = kf_pacer_take_all(pc);
	for (i = 8, w = list; w; w = w->next, i++)
		assert_int_equal(id_of(w), i);
	assert_int_equal(i, 12);
	assert_int_equal(kf_pacer_waiting(pc), 0);
	for (i = 0; i < 12; i++)
		free(m[i]);
	kf_pacer_destroy(pc);
}

/* A model of librdkafka (each lane's given messages reported oldest
 * first, at random moments) under random arrivals of random sizes over
 * twenty keys: every message is given exactly once, each key's in the
 * order it was admitted, and nothing waits once every report is in. */
static void test_random_nothing_stranded(void **state)
{
	enum {
		N = 20000,
		KEYS = 20
	};
	kf_pacer_t *pc = kf_pacer_new(LINGER, BATCH);
	kf_pacer_msg_t **all = calloc(N, sizeof(*all));
	kf_pacer_msg_t **lane[PARTS];
	size_t lhead[PARTS] = {0}, ltail[PARTS] = {0};
	int last_of_key[KEYS], given_n = 0, admitted = 0, reported = 0;
	int *gave = calloc(N, sizeof(*gave));
	uint32_t seed = 7;
	uint64_t now = 0;
	int i;

	(void)state;
	assert_non_null(all);
	assert_non_null(gave);
	for (i = 0; i < PARTS; i++) {
		lane[i] = calloc(N, sizeof(*lane[i]));
		assert_non_null(lane[i]);
	}
	for (i = 0; i < KEYS; i++)
		last_of_key[i] = -1;
	learn(pc, PARTS);

#define GIVE(w)                                                                \
	do {                                                                   \
		int id_ = id_of(w);                                            \
		int k_ = id_ % KEYS;                                           \
		assert_int_equal(gave[id_], 0);                                \
		gave[id_] = 1;                                                 \
		assert_true(id_ > last_of_key[k_]);                            \
		last_of_key[k_] = id_;                                         \
		lane[(w)->partition][ltail[(w)->partition]++] = (w);           \
		given_n++;                                                     \
	} while (0)

	while (reported < N) {
		uint32_t r = rnd(&seed) % 100;

		if (r < 45 && admitted < N) {
			char key[16];
			kf_pacer_msg_t *m;
			int rc;

			snprintf(key, sizeof(key), "k%02d", admitted % KEYS);
			m = msg(key, rnd(&seed) % 3000, admitted);
			all[admitted++] = m;
			rc = kf_pacer_admit(pc, NULL, m, now);
			assert_true(rc == 0 || rc == 1);
			if (rc == 1)
				GIVE(m);
		} else if (r < 90) {
			int32_t p = (int32_t)(rnd(&seed) % PARTS);
			kf_pacer_msg_t *w;

			if (lhead[p] == ltail[p])
				continue;
			kf_pacer_done(pc, lane[p][lhead[p]++]);
			reported++;
			while ((w = kf_pacer_next(pc, p, now)))
				GIVE(w);
		} else {
			now += rnd(&seed) % 4;
		}
		if (admitted == N && given_n < N) {
			/* nothing arrives any more: the reports must bring
			 * every waiting message out */
			int32_t p, any = 0;

			for (p = 0; p < PARTS; p++)
				any |= lhead[p] != ltail[p];
			assert_true(any);
		}
	}
#undef GIVE
	assert_int_equal(given_n, N);
	assert_int_equal(kf_pacer_waiting(pc), 0);
	for (i = 0; i < N; i++)
		free(all[i]);
	for (i = 0; i < PARTS; i++)
		free(lane[i]);
	free(all);
	free(gave);
	kf_pacer_destroy(pc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_learned),
		cmocka_unit_test(test_window_then_wait),
		cmocka_unit_test(test_batch_bytes),
		cmocka_unit_test(test_unsent_and_take_all),
		cmocka_unit_test(test_random_nothing_stranded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
