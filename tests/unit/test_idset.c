/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/recv/idset.c (the receiver's bounded tombstones) and
 * src/core/siphash.c (its keyed hash): ids an attacker chooses, all alike
 * but for a few bytes, neither pile up in one bucket nor grow the set past
 * its cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "core/siphash.h"
#include "recv/idset.h"

#include "kf_test.h"

/* The reference vectors of the SipHash paper (key 00..0f, message
 * 00 01 02 ...). */
static void test_siphash_vectors(void **state)
{
	uint8_t key[16], msg[64];
	int i;

	(void)state;
	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	assert_true(kf_siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	assert_true(kf_siphash24(key, msg, 15) == 0xa129ca6149be45e5ULL);
	assert_true(kf_siphash24(key, msg, 8) == 0x93f5f5799a932462ULL);
}

static kf_xid_t alike(uint32_t n)
{
	kf_xid_t x;

	/* the first 12 bytes equal, as an attacker would make them */
	memset(x.b, 0xab, sizeof(x.b));
	x.b[12] = (uint8_t)(n >> 24);
	x.b[13] = (uint8_t)(n >> 16);
	x.b[14] = (uint8_t)(n >> 8);
	x.b[15] = (uint8_t)n;
	return x;
}

static void test_add_has_remove(void **state)
{
	kf_idset_t *s = kf_idset_new(8);
	kf_xid_t a = alike(1), b = alike(2);

	(void)state;
	assert_non_null(s);
	assert_false(kf_idset_has(s, &a));
	assert_int_equal(kf_idset_add(s, &a), 0);
	assert_int_equal(kf_idset_add(s, &a), 0);
	assert_int_equal(kf_idset_count(s), 1);
	assert_true(kf_idset_has(s, &a));
	assert_false(kf_idset_has(s, &b));
	kf_idset_remove(s, &a);
	kf_idset_remove(s, &b);
	assert_false(kf_idset_has(s, &a));
	assert_int_equal(kf_idset_count(s), 0);
	kf_idset_destroy(s);
	kf_idset_destroy(NULL);
}

/* 50,000 alike ids into a set of 4,096: never more than the cap, the
 * oldest go first, the newest are all there, and no bucket holds more
 * than a handful. */
static void test_bounded_flood(void **state)
{
	const uint32_t cap = 4096, n = 50000;
	kf_idset_t *s = kf_idset_new(cap);
	kf_xid_t x;
	uint32_t i;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < n; i++) {
		x = alike(i);
		assert_int_equal(kf_idset_add(s, &x), 0);
		assert_true(kf_idset_count(s) <= cap);
	}
	assert_int_equal(kf_idset_count(s), cap);
	for (i = 0; i < n; i++) {
		x = alike(i);
		assert_int_equal(kf_idset_has(s, &x), i >= n - cap);
	}
	assert_true(kf_idset_longest_chain(s) <= 16);
	kf_idset_destroy(s);
}

/* A removal leaves a hole that the ring fills in turn; what was added
 * after it survives until its own turn. */
static void test_remove_then_wrap(void **state)
{
	kf_idset_t *s = kf_idset_new(4);
	kf_xid_t x;
	uint32_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		x = alike(i);
		kf_idset_add(s, &x);
	}
	x = alike(1);
	kf_idset_remove(s, &x);
	assert_int_equal(kf_idset_count(s), 3);
	for (i = 4; i < 6; i++) { /* slots of 0 and the hole of 1 */
		x = alike(i);
		kf_idset_add(s, &x);
	}
	assert_int_equal(kf_idset_count(s), 4);
	for (i = 0; i < 6; i++) {
		x = alike(i);
		assert_int_equal(kf_idset_has(s, &x), i >= 2);
	}
	kf_idset_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_add_has_remove),
		cmocka_unit_test(test_bounded_flood),
		cmocka_unit_test(test_remove_then_wrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
