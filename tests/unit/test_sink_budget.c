/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sink.max_inflight_bytes shared out (docs/sink.md 4.1.1): the shares add
 * up to less than the budget with room for a fetch decompressed 16 times,
 * three batches fit in the batches' share, and sink.batch_bytes caps a
 * batch when it is smaller.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sink/sink.h"

#define MiB (1024ULL * 1024)

static void test_shares(void **state)
{
	static const uint64_t budgets[] = {1 * MiB, 24 * MiB, 64 * MiB,
					   4096 * MiB};
	kf_sink_opts_t o = {0};
	kf_sink_budget_t b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
		o.max_inflight_bytes = budgets[i];
		o.batch_bytes = 4096 * MiB;
		kf_sink_budget(&o, &b);
		assert_true(3 * b.batch <= b.batches);
		assert_true(b.batches + b.prefetch + 16 * b.fetch <=
			    budgets[i]);
		assert_true(b.fetch > 0 && b.batch > 0);
	}
	o.max_inflight_bytes = 64 * MiB;
	kf_sink_budget(&o, &b);
	assert_int_equal(b.batches, 32 * MiB);
	assert_int_equal(b.prefetch, 16 * MiB);
	assert_int_equal(b.fetch, 1 * MiB);
	assert_int_equal(b.batch, 32 * MiB / 3);
	o.batch_bytes = 4 * MiB; /* sink.batch_bytes below a third */
	kf_sink_budget(&o, &b);
	assert_int_equal(b.batch, 4 * MiB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shares),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
