/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/verify/canon.c that need no server: the column kinds
 * of both dialects' information_schema types, and the reading of the
 * checksum sums modulo 2^64 that makes PostgreSQL's signed and MariaDB's
 * unsigned sums of the same rows equal (docs/verify.md 2). The SQL itself
 * runs against real servers in tests/db/t_verify.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>

#include "kferry/kferry.h"
#include "verify/canon.h"

static void test_kinds(void **state)
{
	static const struct {
		enum kf_db_dialect d;
		const char *type;
		enum kf_vkind kind;
	} v[] = {
		{KF_DB_POSTGRES, "bigint", KF_VK_INT},
		{KF_DB_MARIADB, "tinyint", KF_VK_INT}, /* BOOLEAN too */
		{KF_DB_POSTGRES, "boolean", KF_VK_BOOL},
		{KF_DB_POSTGRES, "numeric", KF_VK_DEC},
		{KF_DB_MARIADB, "decimal", KF_VK_DEC},
		{KF_DB_POSTGRES, "real", KF_VK_FLOAT},
		{KF_DB_MARIADB, "double", KF_VK_FLOAT},
		{KF_DB_POSTGRES, "character varying", KF_VK_TEXT},
		{KF_DB_POSTGRES, "character", KF_VK_CHAR},
		{KF_DB_MARIADB, "char", KF_VK_TEXT},
		{KF_DB_MARIADB, "longtext", KF_VK_TEXT},
		{KF_DB_POSTGRES, "bytea", KF_VK_BYTES},
		{KF_DB_MARIADB, "varbinary", KF_VK_BYTES},
		{KF_DB_POSTGRES, "time without time zone", KF_VK_TIME},
		{KF_DB_POSTGRES, "timestamp with time zone", KF_VK_TS},
		{KF_DB_MARIADB, "datetime", KF_VK_TS},
		{KF_DB_POSTGRES, "jsonb", KF_VK_JSON},
		{KF_DB_MARIADB, "uuid", KF_VK_UUID},
		{KF_DB_POSTGRES, "interval", KF_VK_OTHER},
		{KF_DB_POSTGRES, "ARRAY", KF_VK_OTHER},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(kf_vkind_of(v[i].d, v[i].type), v[i].kind);
}

/* Sums of the same 64-bit slices, read signed (PostgreSQL) and unsigned
 * (MariaDB), printed as the databases print exact sums. */
static void test_sums_agree(void **state)
{
	static const uint64_t h[] = {
		0x0123456789abcdefULL, 0xfedcba9876543210ULL,
		0x8000000000000000ULL, 0xffffffffffffffffULL, 1};
	__int128 s_signed = 0, s_unsigned = 0;
	char a[64], b[64];
	uint64_t va, vb, want = 0;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		s_signed += (int64_t)h[i];
		s_unsigned += h[i];
		want += h[i];
	}
	/* both fit in 80 bits here: print them through two halves */
	snprintf(a, sizeof(a), "%s%llu", s_signed < 0 ? "-" : "",
		 (unsigned long long)(s_signed < 0 ? -s_signed : s_signed));
	assert_true(s_unsigned > (__int128)UINT64_MAX); /* wrapped in C */
	{
		unsigned __int128 u = (unsigned __int128)s_unsigned;
		char rev[64];
		size_t n = 0, j;

		do {
			rev[n++] = (char)('0' + (int)(u % 10));
			u /= 10;
		} while (u);
		for (j = 0; j < n; j++)
			b[j] = rev[n - 1 - j];
		b[n] = '\0';
	}
	assert_int_equal(kf_vcanon_sum(a, &va), 0);
	assert_int_equal(kf_vcanon_sum(b, &vb), 0);
	assert_true(va == want);
	assert_true(vb == want);
}

static void test_sum_edges(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(kf_vcanon_sum(NULL, &v), 0); /* an empty range */
	assert_true(v == 0);
	assert_int_equal(kf_vcanon_sum("-1", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(kf_vcanon_sum("18446744073709551616", &v), 0);
	assert_true(v == 0); /* 2^64 */
	assert_int_equal(kf_vcanon_sum("12", &v), 0);
	assert_true(v == 12);
	assert_int_equal(kf_vcanon_sum("", &v), KF_EPROTO);
	assert_int_equal(kf_vcanon_sum("-", &v), KF_EPROTO);
	assert_int_equal(kf_vcanon_sum("1.5", &v), KF_EPROTO);
	assert_int_equal(kf_vcanon_sum("1e3", &v), KF_EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_sums_agree),
		cmocka_unit_test(test_sum_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
