/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the deferral of src/recv/offsets.c (docs/protocol.md
 * section 7): the first deferred offset is held until the re-read reaches
 * it, the re-read range tells which messages an earlier pass handled, and
 * what the fetcher read ahead before a rewind is dropped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "recv/offsets.h"

#include "kf_test.h"

static int64_t rd(kf_offsets_t *o, int32_t p, int64_t off, int *dropped)
{
	int64_t from = -2;

	*dropped = kf_offsets_read(o, p, off, &from);
	return from;
}

static void test_defer_rewind_reread(void **state)
{
	kf_offsets_t *o = kf_offsets_new();
	int32_t iter = 0;
	int64_t off = -1;
	int dropped;

	(void)state;
	/* offsets 0..3 read; 2 is deferred, so is what follows */
	for (int64_t i = 0; i < 2; i++)
		assert_int_equal(rd(o, 0, i, &dropped), -1);
	assert_int_equal(kf_offsets_hold(o, 0, 0), 0); /* an open transfer */
	assert_int_equal(rd(o, 0, 2, &dropped), -1);
	assert_int_equal(kf_offsets_defer(o, 0, 2), 0);
	assert_true(kf_offsets_deferring(o, 0));
	assert_int_equal(rd(o, 0, 3, &dropped), -1);
	assert_int_equal(kf_offsets_defer(o, 0, 3), 0); /* no second hold */
	assert_true(kf_offsets_pending(o));
	kf_offsets_release(o, 0, 0); /* the open one ends */
	/* the commit stops at the deferred frame */
	assert_int_equal(kf_offsets_position(o, 0), 2);

	assert_int_equal(kf_offsets_next_rewind(o, &iter, &off), 0);
	assert_int_equal(off, 2);
	assert_false(kf_offsets_deferring(o, 0));
	assert_int_equal(kf_offsets_next_rewind(o, &iter, &off), -1);
	/* read ahead before the seek took effect: dropped, held still */
	assert_int_equal(rd(o, 0, 4, &dropped), -1);
	assert_int_equal(dropped, 1);
	assert_int_equal(kf_offsets_position(o, 0), 2);
	/* the re-read: 2 and 3 in the range starting at 2 */
	assert_int_equal(rd(o, 0, 2, &dropped), 2);
	assert_int_equal(dropped, 0);
	assert_int_equal(kf_offsets_position(o, 0), 4); /* hold released */
	assert_true(kf_offsets_pending(o));
	assert_int_equal(rd(o, 0, 3, &dropped), 2);
	assert_false(kf_offsets_pending(o)); /* the range ended at 3 */
	assert_int_equal(rd(o, 0, 4, &dropped), -1);
	assert_int_equal(dropped, 0);
	assert_int_equal(kf_offsets_read_end(o, 0), 5);
	kf_offsets_destroy(o);
}

/* A partition deferring again while it is re-read is rewound only once
 * the re-read is over; forgetting a partition forgets its deferral. */
static void test_defer_during_reread(void **state)
{
	kf_offsets_t *o = kf_offsets_new();
	int32_t iter = 0;
	int64_t off;
	int dropped;

	(void)state;
	for (int64_t i = 0; i < 6; i++)
		rd(o, 1, i, &dropped);
	kf_offsets_defer(o, 1, 1);
	assert_int_equal(kf_offsets_next_rewind(o, &iter, &off), 1);
	assert_int_equal(off, 1);
	assert_int_equal(rd(o, 1, 1, &dropped), 1);
	assert_int_equal(rd(o, 1, 2, &dropped), 1);
	kf_offsets_defer(o, 1, 2);
	iter = 0;
	assert_int_equal(kf_offsets_next_rewind(o, &iter, &off), -1);
	for (int64_t i = 3; i < 6; i++)
		assert_int_equal(rd(o, 1, i, &dropped), 1);
	assert_int_equal(kf_offsets_position(o, 1), 2);
	iter = 0;
	assert_int_equal(kf_offsets_next_rewind(o, &iter, &off), 1);
	assert_int_equal(off, 2);
	kf_offsets_forget(o, 1);
	assert_false(kf_offsets_pending(o));
	assert_int_equal(kf_offsets_position(o, 1), -1);
	kf_offsets_destroy(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defer_rewind_reread),
		cmocka_unit_test(test_defer_during_reread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
