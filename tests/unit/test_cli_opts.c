/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/cli/opts.c: one option table makes both getopt_long's
 * tables and the --help lines. The command line is not part of the
 * library, so the file is compiled in here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/cli/opts.c"

static const kf_cli_opt_t test_opts[] = {
	{'d', "dest", "DIR", "receive.dest", NULL,
	 "destination directory (created if missing)"},
	{3001, "idle-exit", "SECS", "receive.idle_exit", NULL,
	 "first line\nsecond line"},
	{3002, "abandon-timeout", "S", NULL, NULL, "exactly at the column"},
	{3003, "a-very-long-option-name", "ARG", NULL, NULL, "past it"},
	{3004, "hidden", NULL, NULL, NULL, NULL},
	{'x', NULL, "K=V", NULL, NULL, "short only"},
	{'n', "dry-run", NULL, "receive.fsync", "false", "a fixed value"},
	{0},
};

static char *render(const kf_cli_opt_t *table)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	kf_cli_print_opts(f, table);
	fclose(f);
	return buf;
}

static void test_help_lines(void **state)
{
	char *out = render(test_opts);

	(void)state;
	assert_string_equal(
		out,
		"  -d, --dest DIR          destination directory (created if "
		"missing)\n"
		"      --idle-exit SECS    first line\n"
		"                          second line\n"
		"      --abandon-timeout S exactly at the column\n"
		"      --a-very-long-option-name ARG past it\n"
		"  -x K=V                  short only\n"
		"  -n, --dry-run           a fixed value\n");
	free(out);
}

static void test_parser_tables(void **state)
{
	kf_cli_parser_t p;

	(void)state;
	kf_cli_parser_init(&p, NULL, test_opts, "+");
	/* letters are short options, with ':' when they take an argument */
	assert_string_equal(p.shortopts, "+d:x:n");
	assert_string_equal(p.longopts[0].name, "dest");
	assert_int_equal(p.longopts[0].has_arg, required_argument);
	assert_int_equal(p.longopts[0].val, 'd');
	assert_string_equal(p.longopts[4].name, "hidden");
	assert_int_equal(p.longopts[4].has_arg, no_argument);
	/* -x has no long name: the next long option is --dry-run */
	assert_string_equal(p.longopts[5].name, "dry-run");
	assert_null(p.longopts[6].name);
}

static void test_getopt_finds_entries(void **state)
{
	char *argv[] = {"cmd",	     "--dest",	"/d",	 "-x", "k=v",
			"--dry-run", "--bogus", "--hid", "op", NULL};
	const kf_cli_opt_t *o;
	kf_cli_parser_t p;

	(void)state;
	kf_cli_parser_init(&p, kf_cli_common_opts, test_opts, "");
	optind = 0;
	opterr = 0;
	assert_int_equal(kf_cli_getopt(&p, 9, argv, &o), 'd');
	assert_ptr_equal(o, &test_opts[0]);
	assert_string_equal(optarg, "/d");
	assert_int_equal(kf_cli_getopt(&p, 9, argv, &o), 'x');
	assert_ptr_equal(o, &test_opts[5]);
	assert_int_equal(kf_cli_getopt(&p, 9, argv, &o), 'n');
	assert_string_equal(o->value, "false");
	assert_int_equal(kf_cli_getopt(&p, 9, argv, &o), '?');
	assert_null(o);
	/* an abbreviation, as getopt_long allows */
	assert_int_equal(kf_cli_getopt(&p, 9, argv, &o), 3004);
	assert_int_equal(kf_cli_getopt(&p, 9, argv, &o), -1);
	assert_string_equal(argv[optind], "op");
}

/* Every common option is found again by its letter or its code, and the
 * ones that set a key have one getopt entry each. */
static void test_common_table(void **state)
{
	const kf_cli_opt_t *o;
	kf_cli_parser_t p;
	size_t n = 0, i;

	(void)state;
	kf_cli_parser_init(&p, kf_cli_common_opts, NULL, "");
	assert_string_equal(p.shortopts, "c:b:t:X:o:qvh");
	for (o = kf_cli_common_opts; o->val; o++, n++)
		for (i = 0; i < n; i++)
			assert_int_not_equal(kf_cli_common_opts[i].val, o->val);
	/* -X is short only */
	for (i = 0; p.longopts[i].name; i++)
		;
	assert_int_equal(i, n - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_lines),
		cmocka_unit_test(test_parser_tables),
		cmocka_unit_test(test_getopt_finds_entries),
		cmocka_unit_test(test_common_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
