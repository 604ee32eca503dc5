/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/recv/offsets.c: the receiver commit rule of
 * docs/protocol.md section 7, per partition, and the dirty-partition
 * iteration the receiver's commit timer uses.
 *
 * The randomised tests replay message streams against a reference model
 * written here from the rule's text: position = min(first offset of each
 * open transfer) if any is open, else last consumed + 1, else -1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "kferry/kferry.h"
#include "recv/offsets.h"

#include "kf_test.h"

static int setup(void **state)
{
	kf_offsets_t *o = kf_offsets_new();

	if (!o)
		return -1;
	*state = o;
	return 0;
}

static int teardown(void **state)
{
	kf_offsets_destroy(*state);
	return 0;
}

static void consume(kf_offsets_t *o, int32_t p, int64_t off)
{
	assert_int_equal(kf_offsets_consumed(o, p, off), 0);
}

/* A MANIFEST: consumed, and its transfer holds the position. */
static void open_at(kf_offsets_t *o, int32_t p, int64_t off)
{
	consume(o, p, off);
	assert_int_equal(kf_offsets_hold(o, p, off), 0);
}

#define POS(o, p) kf_offsets_position((o), (p))

/* Collects every dirty partition in one pass; returns how many. */
static int dirty(const kf_offsets_t *o, int32_t parts[], int64_t pos[], int max)
{
	int32_t it = 0, p, last = -1;
	int64_t at;
	int n = 0;

	while ((p = kf_offsets_next_dirty(o, &it, &at)) >= 0) {
		assert_true(p > last); /* ascending, each once */
		assert_int_equal(it, p + 1);
		assert_true(n < max);
		last = p;
		parts[n] = p;
		pos[n++] = at;
	}
	return n;
}

/* ------------------------------------------------------------------ */

static void test_nothing_consumed(void **state)
{
	kf_offsets_t *o = *state;
	int32_t parts[4];
	int64_t pos[4];

	assert_int_equal(POS(o, 0), -1);
	assert_int_equal(POS(o, 5), -1);
	assert_int_equal(dirty(o, parts, pos, 4), 0);
	/* a partition known only because a higher one was used */
	consume(o, 3, 0);
	assert_int_equal(POS(o, 0), -1);
	assert_int_equal(POS(o, 2), -1);
	assert_int_equal(POS(o, 3), 1);
	assert_int_equal(POS(o, 4), -1);
	assert_int_equal(dirty(o, parts, pos, 4), 1);
	assert_int_equal(parts[0], 3);
	assert_int_equal(pos[0], 1);
}

static void test_consumed_only(void **state)
{
	kf_offsets_t *o = *state;
	int64_t i;

	consume(o, 0, 0);
	assert_int_equal(POS(o, 0), 1);
	for (i = 1; i < 100; i++)
		consume(o, 0, i);
	assert_int_equal(POS(o, 0), 100);
	/* a gap (compacted or aborted-transaction offsets) is fine */
	consume(o, 0, 250);
	assert_int_equal(POS(o, 0), 251);
	/* a late report of an older message never moves it back */
	consume(o, 0, 7);
	assert_int_equal(POS(o, 0), 251);
	/* large offsets */
	consume(o, 0, INT64_C(1) << 40);
	assert_int_equal(POS(o, 0), (INT64_C(1) << 40) + 1);
}

static void test_hold_wins_over_later_consumption(void **state)
{
	kf_offsets_t *o = *state;
	int64_t i;

	for (i = 0; i < 10; i++)
		consume(o, 0, i);
	open_at(o, 0, 10);
	assert_int_equal(POS(o, 0), 10);
	for (i = 11; i < 1000; i++) {
		consume(o, 0, i);
		assert_int_equal(POS(o, 0), 10);
	}
	open_at(o, 0, 1000);
	open_at(o, 0, 1001);
	assert_int_equal(POS(o, 0), 10);
	kf_offsets_release(o, 0, 10);
	assert_int_equal(POS(o, 0), 1000);
	kf_offsets_release(o, 0, 1000);
	assert_int_equal(POS(o, 0), 1001);
	kf_offsets_release(o, 0, 1001);
	assert_int_equal(POS(o, 0), 1002);
}

/* Three open transfers released in each of the 6 orders. */
static void test_release_any_order(void **state)
{
	static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
					 {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
	static const int64_t first[3] = {10, 20, 30};
	kf_offsets_t *o = *state;
	int k, i, j, open[3];
	int64_t want;

	for (k = 0; k < 6; k++) {
		int32_t p = k; /* a fresh partition per order */

		for (i = 0; i < 3; i++) {
			open_at(o, p, first[i]);
			consume(o, p, first[i] + 1);
			open[i] = 1;
		}
		consume(o, p, 40);
		assert_int_equal(POS(o, p), 10);
		for (i = 0; i < 3; i++) {
			kf_offsets_release(o, p, first[orders[k][i]]);
			open[orders[k][i]] = 0;
			want = 41;
			for (j = 2; j >= 0; j--)
				if (open[j])
					want = first[j];
			if (POS(o, p) != want)
				fail_msg("order %d%d%d, after %d releases: "
					 "position %lld, expected %lld",
					 orders[k][0], orders[k][1],
					 orders[k][2], i + 1,
					 (long long)POS(o, p), (long long)want);
		}
	}
}

/* Holds need not arrive in offset order (jobs may report late). */
static void test_hold_out_of_order(void **state)
{
	kf_offsets_t *o = *state;

	consume(o, 0, 50);
	assert_int_equal(kf_offsets_hold(o, 0, 30), 0);
	assert_int_equal(kf_offsets_hold(o, 0, 40), 0);
	assert_int_equal(kf_offsets_hold(o, 0, 10), 0);
	assert_int_equal(kf_offsets_hold(o, 0, 20), 0);
	assert_int_equal(POS(o, 0), 10);
	kf_offsets_release(o, 0, 10);
	assert_int_equal(POS(o, 0), 20);
	kf_offsets_release(o, 0, 30);
	assert_int_equal(POS(o, 0), 20);
	kf_offsets_release(o, 0, 20);
	assert_int_equal(POS(o, 0), 40);
	kf_offsets_release(o, 0, 40);
	assert_int_equal(POS(o, 0), 51);
}

static void test_release_unknown(void **state)
{
	kf_offsets_t *o = *state;

	open_at(o, 0, 5);
	consume(o, 0, 9);
	kf_offsets_release(o, 0, 6); /* never held */
	kf_offsets_release(o, 0, 4);
	kf_offsets_release(o, 1, 5);  /* other partition */
	kf_offsets_release(o, 99, 5); /* never seen */
	kf_offsets_release(o, -1, 5);
	assert_int_equal(POS(o, 0), 5);
	kf_offsets_release(o, 0, 5);
	assert_int_equal(POS(o, 0), 10);
	kf_offsets_release(o, 0, 5); /* twice */
	assert_int_equal(POS(o, 0), 10);
}

/* Section 7: "the position never passes the first message of a file still
 * in progress, however files interleave". Three files on one partition:
 *
 *   offset  0   1   2   3   4   5   6   7   8   9
 *   msg     Am  Bm  A0  B0  Ac  Cm  C0  Bc  Cc  Dm
 *
 * (m manifest, 0 chunk, c commit); a transfer is released when its commit
 * was made durable. */
static void test_interleaved_transfers(void **state)
{
	kf_offsets_t *o = *state;

	open_at(o, 0, 0); /* A */
	assert_int_equal(POS(o, 0), 0);
	open_at(o, 0, 1); /* B */
	consume(o, 0, 2);
	consume(o, 0, 3);
	consume(o, 0, 4); /* A's commit: consumed, not yet durable */
	assert_int_equal(POS(o, 0), 0);
	kf_offsets_release(o, 0, 0);	/* A renamed into place */
	assert_int_equal(POS(o, 0), 1); /* B still open */
	open_at(o, 0, 5);		/* C */
	consume(o, 0, 6);
	consume(o, 0, 7); /* B's commit */
	assert_int_equal(POS(o, 0), 1);
	consume(o, 0, 8); /* C's commit */
	/* C finishes first */
	kf_offsets_release(o, 0, 5);
	assert_int_equal(POS(o, 0), 1);
	kf_offsets_release(o, 0, 1);
	assert_int_equal(POS(o, 0), 9);
	open_at(o, 0, 9); /* D */
	assert_int_equal(POS(o, 0), 9);
	kf_offsets_release(o, 0, 9);
	assert_int_equal(POS(o, 0), 10);
}

static void test_partitions_independent(void **state)
{
	kf_offsets_t *o = *state;

	open_at(o, 0, 100);
	consume(o, 0, 150);
	consume(o, 1, 7);
	open_at(o, 2, 3);
	consume(o, 9, 0);
	assert_int_equal(POS(o, 0), 100);
	assert_int_equal(POS(o, 1), 8);
	assert_int_equal(POS(o, 2), 3);
	assert_int_equal(POS(o, 9), 1);
	assert_int_equal(POS(o, 5), -1);

	/* releasing the same offset on another partition changes nothing */
	kf_offsets_release(o, 1, 100);
	assert_int_equal(POS(o, 0), 100);
	kf_offsets_release(o, 2, 3);
	assert_int_equal(POS(o, 2), 4);
	assert_int_equal(POS(o, 0), 100);
	consume(o, 1, 50);
	assert_int_equal(POS(o, 0), 100);
	assert_int_equal(POS(o, 1), 51);
}

static void test_dirty_iteration(void **state)
{
	kf_offsets_t *o = *state;
	int32_t parts[8], it, p;
	int64_t pos[8], one;
	int n, i;

	consume(o, 0, 9);
	open_at(o, 2, 4);
	consume(o, 5, 0);
	n = dirty(o, parts, pos, 8);
	assert_int_equal(n, 3);
	assert_int_equal(parts[0], 0);
	assert_int_equal(pos[0], 10);
	assert_int_equal(parts[1], 2);
	assert_int_equal(pos[1], 4);
	assert_int_equal(parts[2], 5);
	assert_int_equal(pos[2], 1);

	/* until marked, they stay dirty */
	assert_int_equal(dirty(o, parts, pos, 8), 3);

	/* the iterator resumes at or after *iter */
	it = 1;
	assert_int_equal(kf_offsets_next_dirty(o, &it, &one), 2);
	assert_int_equal(it, 3);
	assert_int_equal(one, 4);
	it = 2;
	assert_int_equal(kf_offsets_next_dirty(o, &it, &one), 2);
	it = 3;
	assert_int_equal(kf_offsets_next_dirty(o, &it, &one), 5);
	it = 6;
	assert_int_equal(kf_offsets_next_dirty(o, &it, &one), -1);
	assert_int_equal(kf_offsets_next_dirty(o, &it, &one), -1);

	for (i = 0; i < n; i++)
		kf_offsets_mark_committed(o, parts[i], pos[i]);
	assert_int_equal(dirty(o, parts, pos, 8), 0);

	/* consumption behind a hold does not move the position */
	consume(o, 2, 5);
	consume(o, 2, 6);
	assert_int_equal(dirty(o, parts, pos, 8), 0);
	/* a new hold at the position does not either */
	open_at(o, 0, 10);
	assert_int_equal(dirty(o, parts, pos, 8), 0);

	consume(o, 5, 1);
	n = dirty(o, parts, pos, 8);
	assert_int_equal(n, 1);
	assert_int_equal(parts[0], 5);
	assert_int_equal(pos[0], 2);

	/* marking a stale position leaves it dirty at the new one */
	consume(o, 5, 2);
	kf_offsets_mark_committed(o, 5, 2);
	n = dirty(o, parts, pos, 8);
	assert_int_equal(n, 1);
	assert_int_equal(parts[0], 5);
	assert_int_equal(pos[0], 3);
	kf_offsets_mark_committed(o, 5, 3);
	assert_int_equal(dirty(o, parts, pos, 8), 0);

	/* release moves it */
	kf_offsets_release(o, 2, 4);
	n = dirty(o, parts, pos, 8);
	assert_int_equal(n, 1);
	assert_int_equal(parts[0], 2);
	assert_int_equal(pos[0], 7);

	/* marking unknown partitions is harmless */
	kf_offsets_mark_committed(o, 77, 5);
	kf_offsets_mark_committed(o, -3, 5);
	p = parts[0];
	kf_offsets_mark_committed(o, p, pos[0]);
	assert_int_equal(dirty(o, parts, pos, 8), 0);
}

static void test_forget(void **state)
{
	kf_offsets_t *o = *state;
	int32_t parts[4];
	int64_t pos[4];
	int n;

	open_at(o, 0, 5);
	consume(o, 0, 20);
	open_at(o, 1, 3);
	kf_offsets_mark_committed(o, 0, 5);
	kf_offsets_mark_committed(o, 1, 3);

	kf_offsets_forget(o, 0);
	assert_int_equal(POS(o, 0), -1);
	assert_int_equal(POS(o, 1), 3); /* the other one untouched */
	assert_int_equal(dirty(o, parts, pos, 4), 0);

	/* a job of the revoked partition finishing late changes nothing */
	kf_offsets_release(o, 0, 5);
	assert_int_equal(POS(o, 0), -1);

	/* reassigned: starts over from what is consumed now; the hold
	 * from before is gone, and even the same position as the last
	 * commit is committed again (the new owner may have moved it) */
	consume(o, 0, 4);
	assert_int_equal(POS(o, 0), 5);
	n = dirty(o, parts, pos, 4);
	assert_int_equal(n, 1);
	assert_int_equal(parts[0], 0);
	assert_int_equal(pos[0], 5);

	kf_offsets_forget(o, 42); /* never seen */
	kf_offsets_forget(o, -1);
	assert_int_equal(POS(o, 1), 3);
}

static void test_bad_partition(void **state)
{
	kf_offsets_t *o = *state;

	assert_true(kf_offsets_consumed(o, -1, 5) < 0);
	assert_true(kf_offsets_hold(o, -1, 5) < 0);
	assert_int_equal(POS(o, -1), -1);
}

/* Where reading ends, for the idle exit: unknown until the committed
 * position is learned, then that position until something is read, then
 * one past the last offset read; forgotten with the partition. */
static void test_read_end(void **state)
{
	kf_offsets_t *o = *state;

	assert_int_equal(kf_offsets_read_end(o, 0), -1);
	assert_int_equal(kf_offsets_started(o, 0, 7), 0);
	assert_int_equal(kf_offsets_read_end(o, 0), 7);
	consume(o, 0, 7);
	consume(o, 0, 8);
	assert_int_equal(kf_offsets_read_end(o, 0), 9);

	/* no committed position: the consumer starts at the log start */
	assert_int_equal(kf_offsets_started(o, 1, -1001), 0);
	assert_int_equal(kf_offsets_read_end(o, 1), KF_OFFSETS_EARLIEST);
	assert_int_equal(kf_offsets_read_end(o, 2), -1);

	kf_offsets_forget(o, 0);
	assert_int_equal(kf_offsets_read_end(o, 0), -1);
	assert_int_equal(kf_offsets_read_end(o, 1), KF_OFFSETS_EARLIEST);
	assert_true(kf_offsets_started(o, -1, 3) < 0);
	assert_int_equal(kf_offsets_read_end(o, -1), -1);
}

/* Many transfers open at once on several partitions, closed in random
 * order, against the reference model. */
#define MP 4
#define MAXOPEN 200

struct model {
	int64_t last[MP];
	int64_t open[MP][MAXOPEN];
	int nopen[MP];
};

static int64_t model_pos(const struct model *m, int p)
{
	int64_t min = -1;
	int i;

	for (i = 0; i < m->nopen[p]; i++)
		if (min < 0 || m->open[p][i] < min)
			min = m->open[p][i];
	if (min >= 0)
		return min;
	return m->last[p] < 0 ? -1 : m->last[p] + 1;
}

static void test_random_against_model(void **state)
{
	kf_offsets_t *o = *state;
	struct model m;
	int64_t next[MP] = {0};
	uint32_t seed = 4242, r;
	int step, p, i, k;

	memset(&m, 0, sizeof(m));
	for (p = 0; p < MP; p++)
		m.last[p] = -1;
	for (step = 0; step < 20000; step++) {
		kf_test_noise(&r, sizeof(r), &seed);
		p = (int)(r % MP);
		r /= MP;
		switch (r % 3) {
		case 0: /* a MANIFEST */
			if (m.nopen[p] == MAXOPEN)
				break;
			open_at(o, p, next[p]);
			m.open[p][m.nopen[p]++] = next[p];
			m.last[p] = next[p]++;
			break;
		case 1: /* any other message */
			consume(o, p, next[p]);
			m.last[p] = next[p]++;
			break;
		default: /* some open transfer becomes durable */
			if (!m.nopen[p])
				break;
			k = (int)((r / 3) % (uint32_t)m.nopen[p]);
			kf_offsets_release(o, p, m.open[p][k]);
			m.open[p][k] = m.open[p][--m.nopen[p]];
			break;
		}
		for (i = 0; i < MP; i++)
			if (POS(o, i) != model_pos(&m, i))
				fail_msg("step %d partition %d: position %lld, "
					 "expected %lld",
					 step, i, (long long)POS(o, i),
					 (long long)model_pos(&m, i));
	}
	/* drain */
	for (p = 0; p < MP; p++) {
		while (m.nopen[p]) {
			kf_offsets_release(o, p, m.open[p][--m.nopen[p]]);
			assert_int_equal(POS(o, p), model_pos(&m, p));
		}
		assert_int_equal(POS(o, p), next[p]);
	}
}

static void test_destroy_null(void **state)
{
	(void)state;
	kf_offsets_destroy(NULL);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_nothing_consumed),
		T(test_consumed_only),
		T(test_hold_wins_over_later_consumption),
		T(test_release_any_order),
		T(test_hold_out_of_order),
		T(test_release_unknown),
		T(test_interleaved_transfers),
		T(test_partitions_independent),
		T(test_dirty_iteration),
		T(test_forget),
		T(test_bad_partition),
		T(test_read_end),
		T(test_random_against_model),
		cmocka_unit_test(test_destroy_null),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
