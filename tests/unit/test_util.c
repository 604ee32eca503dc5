/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of common/util.h: KF_CONTAINER_OF finds the owner of a
 * member wherever the member sits, so no struct has to keep a member
 * first for a cast.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/util.h"

struct inner {
	int kind;
	char tag[3];
};

struct owner {
	char before[13];
	struct inner in; /* deliberately not first */
	double after;
	struct inner last;
};

static void test_member_in_the_middle(void **state)
{
	struct owner o;
	struct inner *p = &o.in;

	(void)state;
	assert_ptr_equal(KF_CONTAINER_OF(p, struct owner, in), &o);
	assert_ptr_equal(KF_CONTAINER_OF(&o.last, struct owner, last), &o);
}

/* librdkafka and libuv hand members back as void * or base types: the
 * caller gives the member's type (or void *) and gets the owner. */
static void test_from_void_pointer(void **state)
{
	struct owner o;
	void *opaque = &o.last;

	(void)state;
	assert_ptr_equal(KF_CONTAINER_OF(opaque, struct owner, last), &o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_member_in_the_middle),
		cmocka_unit_test(test_from_void_pointer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
