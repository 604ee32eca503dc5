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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_heap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
