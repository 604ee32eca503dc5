/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/common/jsontok.c. Two tables in the manner of
 * JSONTestSuite: y_ texts the tokenizer must accept (with the token count
 * they give) and n_ texts it must refuse (with the byte offset its error
 * names). Then the token tree, member lookup (escaped keys, duplicates),
 * string unescaping and int64 reading on known values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/jsontok.h"

#define NTOK 256

struct y_case {
	const char *name, *js;
	size_t len; /* 0: strlen */
	size_t ntok;
};

static const struct y_case y_cases[] = {
	{"y_object_empty", "{}", 0, 1},
	{"y_array_empty", "[]", 0, 1},
	{"y_blank_around", " \t\r\n{ } \n", 0, 1},
	{"y_string_empty", "\"\"", 0, 1},
	{"y_number_zero", "0", 0, 1},
	{"y_number_minus_zero", "-0", 0, 1},
	{"y_number_frac_exp", "-12.5e+3", 0, 1},
	{"y_number_exp_caps", "1E-2", 0, 1},
	{"y_number_big", "123456789012345678901234567890", 0, 1},
	{"y_literals", "[true,false,null]", 0, 4},
	{"y_object_members", "{\"a\":1,\"b\":[2,{\"c\":null}]}", 0, 9},
	{"y_duplicate_keys", "{\"a\":1,\"a\":2}", 0, 5},
	{"y_escapes", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", 0, 1},
	{"y_escape_u", "\"\\u00e9\\u4E2D\"", 0, 1},
	{"y_surrogate_pair", "\"\\ud83d\\ude00\"", 0, 1},
	{"y_escape_nul", "\"a\\u0000b\"", 0, 1},
	{"y_utf8_2_3_4", "\"\xc3\xa9\xed\x95\x9c\xf0\x9f\x98\x80\"", 0, 1},
	{"y_utf8_edges",
	 "\"\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf\"", 0, 1},
	{"y_del_byte", "\"\x7f\"", 0, 1},
	{"y_korean_key", "{\"\xea\xb1\xb0\xeb\x9e\x98\":\"\xeb\x98\xa0\"}", 0,
	 3},
};

struct n_case {
	const char *name, *js;
	size_t len; /* 0: strlen */
	size_t at;  /* the byte offset the error names */
};

static const struct n_case n_cases[] = {
	{"n_empty", "", 0, 0},
	{"n_blank_only", " \n", 0, 2},
	{"n_bom", "\xef\xbb\xbf{}", 0, 0},
	{"n_trailing_bytes", "{} x", 0, 3},
	{"n_two_values", "1 2", 0, 2},
	{"n_trailing_comma_array", "[1,]", 0, 3},
	{"n_trailing_comma_object", "{\"a\":1,}", 0, 7},
	{"n_missing_colon", "{\"a\" 1}", 0, 5},
	{"n_missing_value", "{\"a\":}", 0, 5},
	{"n_unquoted_key", "{a:1}", 0, 1},
	{"n_single_quotes", "['a']", 0, 1},
	{"n_unclosed_array", "[1", 0, 2},
	{"n_unclosed_object", "{\"a\":1", 0, 6},
	{"n_mismatch", "[1}", 0, 2},
	{"n_leading_zero", "01", 0, 1},
	{"n_minus_leading_zero", "-01", 0, 2},
	{"n_plus", "+1", 0, 0},
	{"n_dot_first", ".5", 0, 0},
	{"n_dot_last", "2.", 0, 2},
	{"n_exp_empty", "1e", 0, 2},
	{"n_exp_sign_only", "1e+", 0, 3},
	{"n_minus_alone", "-", 0, 1},
	{"n_hex", "0x1", 0, 1},
	{"n_nan", "NaN", 0, 0},
	{"n_infinity", "[-Infinity]", 0, 2},
	{"n_literal_caps", "True", 0, 0},
	{"n_literal_cut", "nul", 0, 0},
	{"n_unterminated_string", "\"abc", 0, 4},
	{"n_control_in_string", "\"a\tb\"", 0, 2},
	{"n_newline_in_string", "\"a\nb\"", 0, 2},
	{"n_nul_in_string", "\"a\0b\"", 5, 2},
	{"n_bad_escape", "\"\\x\"", 0, 2},
	{"n_escape_short_u", "\"\\u12\"", 0, 2},
	{"n_escape_bad_hex", "\"\\u12G4\"", 0, 2},
	{"n_lone_high_surrogate", "\"\\ud800\"", 0, 2},
	{"n_lone_low_surrogate", "\"\\udc00\"", 0, 2},
	{"n_high_then_high", "\"\\ud800\\ud800\"", 0, 2},
	{"n_utf8_continuation_first", "\"\x80\"", 0, 1},
	{"n_utf8_overlong_2", "\"\xc0\xaf\"", 0, 1},
	{"n_utf8_overlong_3", "\"\xe0\x80\xaf\"", 0, 1},
	{"n_utf8_surrogate", "\"\xed\xa0\x80\"", 0, 1},
	{"n_utf8_over_max", "\"\xf4\x90\x80\x80\"", 0, 1},
	{"n_utf8_f5", "\"\xf5\x80\x80\x80\"", 0, 1},
	{"n_utf8_cut", "\"\xe4\xb8\"", 0, 1},
	{"n_cp949_bytes", "\"\x8c\x63\"", 0, 1},
	{"n_comment", "{} // x", 0, 3},
	{"n_vertical_tab", "\v{}", 0, 0},
};

static void test_y_cases(void **state)
{
	kf_jtok_t toks[NTOK];
	char err[128];
	size_t i, len, n;

	(void)state;
	for (i = 0; i < sizeof(y_cases) / sizeof(y_cases[0]); i++) {
		len = y_cases[i].len ? y_cases[i].len : strlen(y_cases[i].js);
		if (kf_json_tokenize(y_cases[i].js, len, toks, NTOK, &n, err,
				     sizeof(err)))
			fail_msg("%s refused: %s", y_cases[i].name, err);
		if (n != y_cases[i].ntok)
			fail_msg("%s: %zu tokens, expected %zu",
				 y_cases[i].name, n, y_cases[i].ntok);
		assert_int_equal(toks[0].next, n);
	}
}

static void test_n_cases(void **state)
{
	kf_jtok_t toks[NTOK];
	char err[128], want[64];
	size_t i, len, n;

	(void)state;
	for (i = 0; i < sizeof(n_cases) / sizeof(n_cases[0]); i++) {
		len = n_cases[i].len ? n_cases[i].len : strlen(n_cases[i].js);
		n = 99;
		if (!kf_json_tokenize(n_cases[i].js, len, toks, NTOK, &n, err,
				      sizeof(err)))
			fail_msg("%s accepted", n_cases[i].name);
		assert_int_equal(n, 0);
		snprintf(want, sizeof(want), " at byte %zu", n_cases[i].at);
		if (!strstr(err, want) || strncmp(err, "json: ", 6))
			fail_msg("%s: '%s', expected '%s'", n_cases[i].name,
				 err, want);
	}
}

/* KF_JSON_MAX_DEPTH nested arrays pass, one more fails at its bracket. */
static void test_depth(void **state)
{
	char js[2 * KF_JSON_MAX_DEPTH + 2], err[128];
	kf_jtok_t toks[NTOK];
	size_t n, d;

	(void)state;
	for (d = KF_JSON_MAX_DEPTH; d <= KF_JSON_MAX_DEPTH + 1; d++) {
		memset(js, '[', d);
		memset(js + d, ']', d);
		if (d == KF_JSON_MAX_DEPTH) {
			assert_int_equal(kf_json_tokenize(js, 2 * d, toks, NTOK,
							  &n, err, sizeof(err)),
					 0);
			assert_int_equal(n, d);
			assert_int_equal(toks[d - 1].size, 0);
			assert_int_equal(toks[0].end, 2 * d);
		} else {
			assert_int_equal(kf_json_tokenize(js, 2 * d, toks, NTOK,
							  &n, err, sizeof(err)),
					 -1);
			assert_string_equal(err,
					    "json: nested too deep at byte 64");
		}
	}
}

static void test_too_many_tokens(void **state)
{
	kf_jtok_t toks[3];
	char err[128];
	size_t n;

	(void)state;
	assert_int_equal(
		kf_json_tokenize("[1,2]", 5, toks, 3, &n, err, sizeof(err)), 0);
	assert_int_equal(
		kf_json_tokenize("[1,2,3]", 7, toks, 3, &n, err, sizeof(err)),
		-1);
	assert_string_equal(err,
			    "json: too many tokens (more than 3) at byte 5");
}

/* Offsets, sizes and subtree ends of a nested text. */
static void test_tree(void **state)
{
	static const char js[] = " {\"a\":[1,{\"b\":\"x\"}],\"c\":{}} ";
	kf_jtok_t t[NTOK];
	char err[128];
	size_t n;

	(void)state;
	assert_int_equal(
		kf_json_tokenize(js, strlen(js), t, NTOK, &n, err, sizeof(err)),
		0);
	assert_int_equal(n, 9);
	assert_int_equal(t[0].type, KF_J_OBJECT);
	assert_int_equal(t[0].start, 1);
	assert_int_equal(t[0].end, strlen(js) - 1);
	assert_int_equal(t[0].size, 2);
	assert_int_equal(t[0].next, 9);
	assert_int_equal(t[1].type, KF_J_STRING); /* "a" */
	assert_int_equal(t[1].start, 2);
	assert_int_equal(t[1].end, 5);
	assert_int_equal(t[2].type, KF_J_ARRAY);
	assert_int_equal(t[2].size, 2);
	assert_int_equal(t[2].next, 7);
	assert_int_equal(t[3].type, KF_J_NUMBER);
	assert_int_equal(t[3].end - t[3].start, 1);
	assert_int_equal(t[4].type, KF_J_OBJECT);
	assert_int_equal(t[4].size, 1);
	assert_int_equal(t[4].next, 7);
	assert_int_equal(t[6].type, KF_J_STRING); /* "x" */
	assert_int_equal(t[7].type, KF_J_STRING); /* "c" */
	assert_int_equal(t[8].type, KF_J_OBJECT);
	assert_int_equal(t[8].size, 0);
	assert_int_equal(t[8].end - t[8].start, 2);
}

static int tokenize(const char *js, kf_jtok_t *t)
{
	char err[128];
	size_t n;

	if (kf_json_tokenize(js, strlen(js), t, NTOK, &n, err, sizeof(err)))
		fail_msg("%s: %s", js, err);
	return (int)n;
}

static void test_member(void **state)
{
	static const char js[] =
		"{\"a\":1,\"n\":{\"a\":2},\"a\":3,\"\\u0062\":4,\"c\\\"d\":5,"
		"\"\xed\x95\x9c\":6,\"e\":null}";
	kf_jtok_t t[NTOK];
	int64_t v;
	int k;

	(void)state;
	tokenize(js, t);
	k = kf_json_member(js, t, 0, "a", 1); /* the first of two */
	assert_int_equal(kf_json_int64(js, &t[k], &v), 0);
	assert_int_equal(v, 1);
	k = kf_json_member(js, t, 0, "b", 1); /* escaped in the input */
	assert_int_equal(kf_json_int64(js, &t[k], &v), 0);
	assert_int_equal(v, 4);
	k = kf_json_member(js, t, 0, "c\"d", 3);
	assert_int_equal(kf_json_int64(js, &t[k], &v), 0);
	assert_int_equal(v, 5);
	k = kf_json_member(js, t, 0, "\xed\x95\x9c", 3);
	assert_int_equal(kf_json_int64(js, &t[k], &v), 0);
	assert_int_equal(v, 6);
	k = kf_json_member(js, t, 0, "n", 1);
	k = kf_json_member(js, t, k, "a", 1); /* the nested one */
	assert_int_equal(kf_json_int64(js, &t[k], &v), 0);
	assert_int_equal(v, 2);
	k = kf_json_member(js, t, 0, "e", 1);
	assert_int_equal(t[k].type, KF_J_NULL);
	assert_int_equal(kf_json_member(js, t, 0, "x", 1), -1);
	assert_int_equal(kf_json_member(js, t, 0, "", 0), -1);
	assert_int_equal(kf_json_member(js, t, 0, "c", 1), -1);
	assert_int_equal(kf_json_member(js, t, 0, "c\"de", 4), -1);
	assert_int_equal(kf_json_member(js, t, 1, "a", 1), -1); /* a key */
	assert_int_equal(kf_json_member(js, t, -1, "a", 1), -1);
}

static void test_string(void **state)
{
	static const char js[] =
		"[\"plain\",\"t\\tq\\\"s\\\\/\\/\",\"\\u00e9\\uD55C\","
		"\"\\ud83d\\ude00\",\"a\\u0000b\",\"\",1]";
	kf_jtok_t t[NTOK];
	char out[64];

	(void)state;
	tokenize(js, t);
	assert_int_equal(kf_json_string(js, &t[1], out, sizeof(out)), 5);
	assert_string_equal(out, "plain");
	assert_int_equal(t[1].escaped, 0);
	assert_int_equal(t[2].escaped, 1);
	assert_int_equal(kf_json_string(js, &t[2], out, sizeof(out)), 8);
	assert_string_equal(out, "t\tq\"s\\//");
	assert_int_equal(kf_json_string(js, &t[3], out, sizeof(out)), 5);
	assert_string_equal(out, "\xc3\xa9\xed\x95\x9c");
	assert_int_equal(kf_json_string(js, &t[4], out, sizeof(out)), 4);
	assert_string_equal(out, "\xf0\x9f\x98\x80");
	assert_int_equal(kf_json_string(js, &t[5], out, sizeof(out)), -1);
	assert_int_equal(kf_json_string(js, &t[6], out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(kf_json_string(js, &t[7], out, sizeof(out)), -1);
	/* the capacity holds the NUL too */
	assert_int_equal(kf_json_string(js, &t[1], out, 6), 5);
	assert_int_equal(kf_json_string(js, &t[1], out, 5), -1);
	assert_int_equal(kf_json_string(js, &t[3], out, 6), 5);
	assert_int_equal(kf_json_string(js, &t[3], out, 5), -1);
	assert_int_equal(kf_json_string(js, &t[6], out, 0), -1);
}

static void test_int64(void **state)
{
	static const char js[] =
		"[0,-0,42,-42,9223372036854775807,-9223372036854775808,"
		"9223372036854775808,-9223372036854775809,1.0,1e2,\"1\"]";
	kf_jtok_t t[NTOK];
	int64_t v;

	(void)state;
	tokenize(js, t);
	assert_int_equal(kf_json_int64(js, &t[1], &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(kf_json_int64(js, &t[2], &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(kf_json_int64(js, &t[3], &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(kf_json_int64(js, &t[4], &v), 0);
	assert_int_equal(v, -42);
	assert_int_equal(kf_json_int64(js, &t[5], &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(kf_json_int64(js, &t[6], &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(kf_json_int64(js, &t[7], &v), -1);
	assert_int_equal(kf_json_int64(js, &t[8], &v), -1);
	assert_int_equal(kf_json_int64(js, &t[9], &v), -1);
	assert_int_equal(kf_json_int64(js, &t[10], &v), -1);
	assert_int_equal(kf_json_int64(js, &t[11], &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_y_cases),
		cmocka_unit_test(test_n_cases),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_too_many_tokens),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_member),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_int64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
