/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/common/base64.c: RFC 4648's test vectors, round trips
 * of every length up to 300, and the texts a strict decoder refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "common/base64.h"

static void test_vectors(void **state)
{
	static const char *const v[][2] = {
		{"", ""},
		{"f", "Zg=="},
		{"fo", "Zm8="},
		{"foo", "Zm9v"},
		{"foob", "Zm9vYg=="},
		{"fooba", "Zm9vYmE="},
		{"foobar", "Zm9vYmFy"},
	};
	char out[16];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = kf_base64_encode(v[i][0], strlen(v[i][0]), out);
		assert_int_equal(n, strlen(v[i][1]));
		assert_memory_equal(out, v[i][1], n);
		assert_int_equal(kf_base64_decode(v[i][1], n, out),
				 (long)strlen(v[i][0]));
		assert_memory_equal(out, v[i][0], strlen(v[i][0]));
	}
}

static void test_round_trip(void **state)
{
	uint8_t in[300], back[300];
	char text[KF_BASE64_LEN(300)];
	size_t len, i, n;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 131 + 7);
	for (len = 0; len <= sizeof(in); len++) {
		n = kf_base64_encode(in, len, text);
		assert_int_equal(n, KF_BASE64_LEN(len));
		assert_int_equal(kf_base64_decode(text, n, back), (long)len);
		assert_memory_equal(back, in, len);
	}
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"Zg=",		      /* not a multiple of 4 */
		"Zh==",		      /* pad bits set */
		"Zm9=",		      /* pad bits set */
		"Z===",		      /* three pads */
		"Zg==Zg==",	      /* padding before the end */
		"Zm9v\nZm9v", "Zm-v", /* URL alphabet */
		"Zm9_",	      "Zg=A", /* a pad before a character */
		"====",
	};
	char out[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (kf_base64_decode(bad[i], strlen(bad[i]), out) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
