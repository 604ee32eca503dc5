/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/common/strbuf.c: byte appends into a fixed buffer
 * (a text that does not fit fails the buffer and leaves it as it was)
 * and into a heap buffer that grows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

static void test_fixed(void **state)
{
	char buf[8];
	kf_strbuf_t b;

	(void)state;
	kf_strbuf_fixed(&b, buf, sizeof(buf));
	kf_strbuf_append(&b, "ab\0c", 4);
	kf_strbuf_putc(&b, 'd');
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.p, "ab\0cd", 6);
	kf_strbuf_append(&b, "xyz", 3); /* 8 bytes and the NUL: too long */
	assert_true(b.failed);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.p, "ab\0cd", 6);
	kf_strbuf_putc(&b, 'e'); /* a failed buffer ignores appends */
	assert_int_equal(b.len, 5);
}

static void test_heap(void **state)
{
	kf_strbuf_t b;
	size_t i;

	(void)state;
	kf_strbuf_heap(&b, 1);
	for (i = 0; i < 1000; i++)
		kf_strbuf_putc(&b, (char)('a' + i % 26));
	kf_strbuf_printf(&b, "%d", 42);
	kf_strbuf_append(&b, "", 0);
	assert_false(b.failed);
	assert_int_equal(b.len, 1002);
	assert_int_equal(b.p[999], 'a' + 999 % 26);
	assert_string_equal(b.p + 1000, "42");
	free(b.p);
}

/* The integers as printf writes them, at their bounds too. */
static void test_integers(void **state)
{
	static const int64_t iv[] = {
		0,   1,		 -1,	    9,	       10,
		-10, 1234567890, INT64_MAX, INT64_MIN, INT64_MIN + 1};
	static const uint64_t uv[] = {0,	 7, 10, 99, 100, 4294967296ull,
				      UINT64_MAX};
	char want[32];
	kf_strbuf_t b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(iv) / sizeof(iv[0]); i++) {
		kf_strbuf_heap(&b, 1);
		kf_strbuf_put_i64(&b, iv[i]);
		snprintf(want, sizeof(want), "%lld", (long long)iv[i]);
		assert_false(b.failed);
		assert_string_equal(b.p, want);
		free(b.p);
	}
	for (i = 0; i < sizeof(uv) / sizeof(uv[0]); i++) {
		kf_strbuf_heap(&b, 1);
		kf_strbuf_put_u64(&b, uv[i]);
		snprintf(want, sizeof(want), "%llu", (unsigned long long)uv[i]);
		assert_string_equal(b.p, want);
		free(b.p);
	}
	/* a fixed buffer too small fails and keeps its text */
	kf_strbuf_fixed(&b, want, 4);
	kf_strbuf_putc(&b, 'x');
	kf_strbuf_put_i64(&b, -123);
	assert_true(b.failed);
	assert_string_equal(b.p, "x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_heap),
		cmocka_unit_test(test_integers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
