/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/common/ini.c (the INI tokenizer of configuration and
 * schema files). Each case tokenizes a text into a trace, one line per
 * callback ("LINE [section]" or "LINE section|key|value"), and compares
 * it with what the case expects, or the error message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kf_test.h"

#include "common/err.h"
#include "common/ini.h"

static char errbuf[1024];

struct trace {
	char s[2048];
	int stop_at; /* >0: the key callback fails on that line */
};

static void tr_add(struct trace *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void tr_add(struct trace *t, const char *fmt, ...)
{
	size_t n = strlen(t->s);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->s + n, sizeof(t->s) - n, fmt, ap);
	va_end(ap);
}

static int on_section(void *opaque, const char *section, unsigned line,
		      char *msg, size_t msg_size)
{
	(void)msg;
	(void)msg_size;
	tr_add(opaque, "%u [%s]\n", line, section);
	return 0;
}

static int on_key(void *opaque, const char *section, const char *key,
		  const char *value, unsigned line, char *msg, size_t msg_size)
{
	struct trace *t = opaque;

	if ((int)line == t->stop_at)
		return kf_seterr(msg, msg_size, KF_ENOMEM, "%s: refused", key);
	tr_add(t, "%u %s|%s|%s\n", line, section, key, value);
	return 0;
}

static void parses(const char *text, size_t len, const char *expect)
{
	struct trace t = {.s = ""};

	EXPECT_OK(kf_ini_parse(text, len, "t.ini", on_section, on_key, &t,
			       errbuf, sizeof(errbuf)));
	assert_string_equal(t.s, expect);
}

#define PARSES(text, expect) parses(text, sizeof(text) - 1, expect)

/* Tokenizes len bytes of text, which must fail with rc (message in
 * errbuf). */
static void parse_fails(const char *text, size_t len, struct trace *t, int rc)
{
	errbuf[0] = '\0';
	assert_int_equal(kf_ini_parse(text, len, "t.ini", NULL, on_key, t,
				      errbuf, sizeof(errbuf)),
			 rc);
}

static void fails(const char *text, const char *expect)
{
	struct trace t = {.s = ""};

	parse_fails(text, strlen(text), &t, KF_EINVAL);
	assert_string_equal(errbuf, expect);
}

static void test_sections_and_keys(void **state)
{
	(void)state;
	PARSES("top = 1\n"
	       "[schema]\n"
	       "  name=kferry.x  \n"
	       "\n"
	       "[ column.a-b_c ]\n"
	       "check.sum.amount = total\n"
	       "empty =\n",
	       "1 |top|1\n"
	       "2 [schema]\n"
	       "3 schema|name|kferry.x\n"
	       "5 [column.a-b_c]\n"
	       "6 column.a-b_c|check.sum.amount|total\n"
	       "7 column.a-b_c|empty|\n");
	/* no final newline; an empty text */
	PARSES("a = b", "1 |a|b\n");
	PARSES("", "");
}

static void test_comments(void **state)
{
	(void)state;
	PARSES("# a comment\n"
	       "; another\n"
	       "   # indented\n"
	       "a = x # after a space\n"
	       "b = x\t; after a tab\n"
	       "c = x#glued\n"
	       "d = x;glued\n"
	       "[s] # after a section\n"
	       "e = a = b\n",
	       "4 |a|x\n"
	       "5 |b|x\n"
	       "6 |c|x#glued\n"
	       "7 |d|x;glued\n"
	       "8 [s]\n"
	       "9 s|e|a = b\n");
}

static void test_quotes_and_escapes(void **state)
{
	(void)state;
	PARSES("a = \"  spaces # and ; kept  \"\n"
	       "b = \"\\\"\"\n"
	       "c = \"back\\\\slash\\nnewline\"  # comment\n"
	       "d = \"\"\n"
	       "e = \";\";comment\n"
	       "f = x \"y\"\n",
	       "1 |a|  spaces # and ; kept  \n"
	       "2 |b|\"\n"
	       "3 |c|back\\slash\nnewline\n"
	       "4 |d|\n"
	       "5 |e|;\n"
	       "6 |f|x \"y\"\n");
}

static void test_line_ends_and_bom(void **state)
{
	(void)state;
	PARSES("\xef\xbb\xbf"
	       "a = 1\r\n"
	       "[s]\r\n"
	       "\r\n"
	       "b = \"q\"\r\n",
	       "1 |a|1\n"
	       "2 [s]\n"
	       "4 s|b|q\n");
	/* a BOM elsewhere is not skipped: it is not a name */
	fails("a = 1\n\xef\xbb\xbf"
	      "b = 2\n",
	      "t.ini:2: invalid key name \"\xef\xbb\xbf"
	      "b\" (use letters, digits, '.', '_' and '-')");
}

static void test_syntax_errors(void **state)
{
	static const struct {
		const char *text, *expect;
	} cases[] = {
		{"a\n", "t.ini:1: expected \"key = value\", \"[section]\" or a "
			"comment"},
		{"\n\n[s\n", "t.ini:3: expected \"[section]\""},
		{"[s] a = 1\n", "t.ini:1: expected \"[section]\""},
		{"[]\n", "t.ini:1: invalid section name \"\" (use letters, "
			 "digits, '.', '_' and '-')"},
		{"[a b]\n", "t.ini:1: invalid section name \"a b\" (use "
			    "letters, digits, '.', '_' and '-')"},
		{"= x\n", "t.ini:1: invalid key name \"\" (use letters, "
			  "digits, '.', '_' and '-')"},
		{"[s]\nmy key = x\n", "t.ini:2: invalid key name \"my key\" "
				      "(use letters, digits, '.', '_' and "
				      "'-')"},
		{"[s]\na = \"open\n", "t.ini:2: s.a: missing closing quote"},
		{"a = \"ends in backslash\\\n",
		 "t.ini:1: a: missing closing quote"},
		{"a = \"a\\tb\"\n", "t.ini:1: a: unknown escape \"\\t\" in "
				    "quoted value (use \\\", \\\\ or \\n)"},
		{"[s]\n\n\na = \"x\" y\n", "t.ini:4: s.a: unexpected text "
					   "after the closing quote"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		fails(cases[i].text, cases[i].expect);
}

static void test_nul_and_long_names(void **state)
{
	static const char nul[] = "a = 1\nb = x\0y\n";
	struct trace t = {.s = ""};
	char text[600];

	(void)state;
	parse_fails(nul, sizeof(nul) - 1, &t, KF_EINVAL);
	assert_string_equal(errbuf, "t.ini:2: line contains a NUL byte");

	memset(text, 'k', 300);
	strcpy(text + 300, " = 1\n");
	parse_fails(text, strlen(text), &t, KF_EINVAL);
	assert_non_null(strstr(errbuf, "t.ini:1: invalid key name \"kkk"));
	/* section + "." + key must fit too */
	strcpy(text, "[s]\n");
	memset(text + 4, 'k', 254);
	strcpy(text + 258, " = 1\n");
	parse_fails(text, strlen(text), &t, KF_EINVAL);
	assert_non_null(strstr(errbuf, "t.ini:2: s.kkk"));
	assert_non_null(strstr(errbuf, "k: key name too long"));
}

static void test_callback_error(void **state)
{
	struct trace t = {.s = "", .stop_at = 3};
	static const char text[] = "a = 1\n[s]\nb = 2\nc = 3\n";

	(void)state;
	/* the callback's code is returned, its message gets the line */
	parse_fails(text, sizeof(text) - 1, &t, KF_ENOMEM);
	assert_string_equal(errbuf, "t.ini:3: b: refused");
	assert_string_equal(t.s, "1 |a|1\n");
}

static void test_file(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX], want[PATH_MAX + 128];
	struct trace t = {.s = ""};
	FILE *f;

	(void)state;
	kf_test_fmt(dir, sizeof(dir), "%s/test_ini.XXXXXX",
		    getenv("KF_TEST_TMP") ? getenv("KF_TEST_TMP") : "/tmp");
	mkdir(getenv("KF_TEST_TMP") ? getenv("KF_TEST_TMP") : "/tmp", 0700);
	assert_non_null(mkdtemp(dir));
	kf_test_fmt(path, sizeof(path), "%s/f.ini", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("[s]\nk = \"v w\"\n", f);
	assert_int_equal(fclose(f), 0);
	EXPECT_OK(kf_ini_parse_file(path, 100, on_section, on_key, &t, errbuf,
				    sizeof(errbuf)));
	assert_string_equal(t.s, "1 [s]\n2 s|k|v w\n");

	/* too big, a directory, missing */
	EXPECT_ERR(kf_ini_parse_file(path, 10, NULL, on_key, &t, errbuf,
				     sizeof(errbuf)),
		   KF_EINVAL, "larger than 10 bytes");
	snprintf(want, sizeof(want), "%s: cannot read: %s", dir,
		 strerror(EISDIR));
	EXPECT_ERR(kf_ini_parse_file(dir, 100, NULL, on_key, &t, errbuf,
				     sizeof(errbuf)),
		   KF_EIO, want);
	assert_int_equal(unlink(path), 0);
	snprintf(want, sizeof(want), "%s: cannot open: %s", path,
		 strerror(ENOENT));
	EXPECT_ERR(kf_ini_parse_file(path, 100, NULL, on_key, &t, errbuf,
				     sizeof(errbuf)),
		   KF_EIO, want);
	assert_int_equal(rmdir(dir), 0);
}

static void test_near(void **state)
{
	char longname[300];

	(void)state;
	assert_int_equal(kf_ini_near("delimter", "delimiter"), 1);
	assert_int_equal(kf_ini_near("format", "format"), 0);
	assert_int_equal(kf_ini_near("ab", "xy"), SIZE_MAX);
	assert_int_equal(kf_ini_near("requried", "required"), 2);
	assert_int_equal(kf_ini_near("x", "required"), SIZE_MAX);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(kf_ini_near(longname, longname), SIZE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections_and_keys),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_quotes_and_escapes),
		cmocka_unit_test(test_line_ends_and_bom),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_nul_and_long_names),
		cmocka_unit_test(test_callback_error),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_near),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
