/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the error list (KF_ERRNO_MAP in include/kferry/kferry.h):
 * every code has its own description, and the command line maps codes to
 * the exit codes `kferry help` documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "cli/cli.h"
#include "kferry/kferry.h"

/* Every code from KF_OK down to the last has a non-empty description that
 * no other code shares, and is not the "unknown error" fallback. */
static void test_every_code_has_distinct_string(void **state)
{
	int a, b;

	(void)state;
	for (a = 0; a > KF__ELAST; a--) {
		const char *s = kf_strerror(a);

		assert_non_null(s);
		assert_true(s[0] != '\0');
		assert_string_not_equal(s, "unknown error");
		for (b = a - 1; b > KF__ELAST; b--)
			assert_string_not_equal(s, kf_strerror(b));
	}
}

/* The list produces the codes with the values they always had: they are
 * part of the public API. */
static void test_values_unchanged(void **state)
{
	(void)state;
	assert_int_equal(KF_OK, 0);
	assert_int_equal(KF_EINVAL, -1);
	assert_int_equal(KF_ENOMEM, -2);
	assert_int_equal(KF_EIO, -3);
	assert_int_equal(KF_EPROTO, -4);
	assert_int_equal(KF_EVERSION, -5);
	assert_int_equal(KF_EHASH, -6);
	assert_int_equal(KF_ELIMIT, -7);
	assert_int_equal(KF_EPATH, -8);
	assert_int_equal(KF_EKAFKA, -9);
	assert_int_equal(KF_EEXIST, -10);
	assert_int_equal(KF_ECHANGED, -11);
	assert_int_equal(KF_ESTOPPED, -12);
	assert_int_equal(KF_ENOSPC, -13);
	assert_int_equal(KF_ERESOURCE, -14);
	assert_int_equal(KF_ECRYPTO, -15);
	assert_int_equal(KF_EAUTH, -16);
	assert_int_equal(KF_EACCESS, -17);
	assert_int_equal(KF__ELAST, -18);
	assert_string_equal(kf_strerror(KF_EAUTH),
			    "authentication failed (TLS or SASL)");
}

static void test_out_of_range_is_unknown(void **state)
{
	(void)state;
	assert_string_equal(kf_strerror(1), "unknown error");
	assert_string_equal(kf_strerror(KF__ELAST), "unknown error");
	assert_string_equal(kf_strerror(-1000), "unknown error");
}

/* The exit codes of README.md and `kferry help`: 2 usage, 3 could not
 * start, 4 authentication refused, 5 not authorized. */
static void test_exit_code_mapping(void **state)
{
	int e;

	(void)state;
	assert_int_equal(KF_EXIT_OK, 0);
	assert_int_equal(KF_EXIT_FAILED, 1);
	assert_int_equal(KF_EXIT_STOPPED, 130);
	assert_int_equal(kf_cli_exit_code(KF_EINVAL), 2);
	assert_int_equal(kf_cli_exit_code(KF_EAUTH), 4);
	assert_int_equal(kf_cli_exit_code(KF_EACCESS), 5);
	for (e = KF_ENOMEM; e > KF__ELAST; e--)
		if (e != KF_EAUTH && e != KF_EACCESS)
			assert_int_equal(kf_cli_exit_code(e), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_has_distinct_string),
		cmocka_unit_test(test_values_unchanged),
		cmocka_unit_test(test_out_of_range_is_unknown),
		cmocka_unit_test(test_exit_code_mapping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
