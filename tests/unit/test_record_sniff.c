/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/record/sniff.c: the schema guessed for CSV samples
 * (header or not, column names, the narrowest type of each column), and
 * the schema file writer, whose output reads back into the same schema
 * (the samples of config/ and sniffed schemas).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kf_test.h"

#include "common/err.h"
#include "record/schema.h"
#include "record/sniff.h"

static char errbuf[1024];

/* The schema file s writes (malloc'd). */
static char *written(const kf_schema_t *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	assert_non_null(m);
	assert_int_equal(kf_schema_write(s, m), 0);
	assert_int_equal(fclose(m), 0);
	return text;
}

/* Writes s, reads it back, writes that: the same text both times. */
static void round_trip(const kf_schema_t *s)
{
	char *first = written(s), *second;
	kf_schema_t *back = NULL;

	if (kf_schema_parse(first, strlen(first), "written.schema", &back,
			    errbuf, sizeof(errbuf)))
		fail_msg("%s\n--- written:\n%s", errbuf, first);
	second = written(back);
	assert_string_equal(first, second);
	assert_int_equal(back->ncols, s->ncols);
	assert_int_equal(back->nkey, s->nkey);
	assert_int_equal(back->n_filter, s->n_filter);
	assert_int_equal(back->n_rectypes, s->n_rectypes);
	assert_int_equal(back->emit_rectype, s->emit_rectype);
	free(first);
	free(second);
	kf_schema_free(back);
}

static void test_write_samples(void **state)
{
	static const char *const samples[] = {
		"settlement.schema",
		"orders.schema",
		"bank_cp949.schema",
	};
	const char *src = getenv("KF_SOURCE_DIR");
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		char path[PATH_MAX];
		kf_schema_t *s = NULL;

		kf_test_fmt(path, sizeof(path), "%s/config/%s", src ? src : ".",
			    samples[i]);
		EXPECT_OK(kf_schema_load(path, &s, errbuf, sizeof(errbuf)));
		round_trip(s);
		kf_schema_free(s);
	}
}

static void test_write_quoting(void **state)
{
	static const char text[] =
		"[schema]\nformat_version = 1\nformat = csv\n"
		"filter = a in ('it''s', 'x y') and b is not null\n"
		"[csv]\ndelimiter = \";\"\nquote = none\nescape = \\\n"
		"null = \"\\\\N\"\n"
		"[column.a]\ntype = text\nsource = \" padded # name \"\n"
		"doc = \"two\\nlines\"\nmask = keep:1:2\nmask_keep = \"-;\"\n"
		"enum = \"x #y, z\"\n"
		"[column.b]\ntype = int32\nemit = false\n";
	kf_schema_t *s = NULL;
	char *out;

	(void)state;
	EXPECT_OK(kf_schema_parse(text, sizeof(text) - 1, "q.schema", &s,
				  errbuf, sizeof(errbuf)));
	out = written(s);
	assert_non_null(strstr(out, "delimiter = \";\"\n"));
	assert_non_null(strstr(out, "quote = none\n"));
	assert_non_null(strstr(out, "null = \\N\n"));
	assert_non_null(strstr(out, "source = \" padded # name \"\n"));
	assert_non_null(strstr(out, "doc = \"two\\nlines\"\n"));
	assert_non_null(strstr(out, "enum = \"x #y,z\"\n"));
	assert_non_null(strstr(out, "filter = a in ('it''s', 'x y') and b is "
				    "not null\n"));
	round_trip(s);
	free(out);
	kf_schema_free(s);
}

static kf_schema_t *sniff(const char *sample, int whole)
{
	kf_schema_t *s = NULL;

	EXPECT_OK(kf_schema_sniff(sample, strlen(sample), whole,
				  "in/settle_20261202.csv", &s, errbuf,
				  sizeof(errbuf)));
	assert_true(s->prepared);
	round_trip(s);
	return s;
}

static void test_sniff_header_and_types(void **state)
{
	kf_schema_t *s = sniff(
		"id,거래일자,amount,flag,code,when,note,yn,z\n"
		"1,2026-12-02,12345.67,true,007,2026-12-02 09:30:15,hello,Y,\n"
		"2,2026-12-03,-0.5,FALSE,010,2026-12-02 09:31:02.250,,N,\n"
		"3,2026-12-04,100,t,011,2026-12-02 09:31:03,\"\",y,\n",
		1);
	const kf_column_t *c = s->cols;

	(void)state;
	assert_string_equal(s->name, "settle_20261202");
	assert_int_equal(s->format, KF_FMT_CSV);
	assert_int_equal(s->csv.delim, ',');
	assert_true(s->csv.header);
	assert_int_equal(s->ncols, 9);
	assert_int_equal(s->nkey, 0);
	assert_string_equal(c[0].name, "id");
	assert_null(c[0].source);
	assert_int_equal(c[0].type, KF_T_INT64);
	assert_false(c[0].required);
	/* a Korean header is the source of col_N */
	assert_string_equal(c[1].name, "col_2");
	assert_string_equal(c[1].source, "거래일자");
	assert_int_equal(c[1].type, KF_T_DATE);
	assert_null(c[1].format);
	/* 5 digits, 2 decimals, 2 more of headroom */
	assert_int_equal(c[2].type, KF_T_DECIMAL);
	assert_int_equal(c[2].precision, 9);
	assert_int_equal(c[2].scale, 2);
	assert_int_equal(c[3].type, KF_T_BOOLEAN);
	assert_null(c[3].format);
	/* leading zeros: codes, not numbers */
	assert_int_equal(c[4].type, KF_T_TEXT);
	assert_int_equal(c[5].type, KF_T_TIMESTAMP);
	assert_string_equal(c[5].format, "%Y-%m-%d %H:%M:%S%f");
	assert_int_equal(c[6].type, KF_T_TEXT);
	/* Y/N with another case of y: the words first seen */
	assert_int_equal(c[7].type, KF_T_BOOLEAN);
	assert_string_equal(c[7].format, "Y/N");
	assert_string_equal(c[7].bool_true, "Y");
	/* only NULLs */
	assert_int_equal(c[8].type, KF_T_TEXT);
	kf_schema_free(s);
}

/* Every value of the sample parses in the type sniffed for its column
 * (kf_value_parse, as the load will read it). The sample has no quotes:
 * fields are split at ','; an empty field is NULL. */
static void test_sniff_types_parse(void **state)
{
	static const char sample[] =
		"n,amount,flag,yn,day,slash,at,atz,code\n"
		"1,12345.67,true,Y,2026-12-02,2026/12/02,2026-12-02 09:30:15,"
		"2026-12-02T09:30:15Z,007\n"
		"-2,-0.5,F,N,2026-02-28,2026/02/28,2026-12-02 09:31:02.250,"
		"2026-12-02T09:30:15.5+09:00,x\n"
		"3,,1,n,,2024/02/29,2026-12-02 23:59:59,"
		"2026-12-02T09:30:15+0900,\n";
	kf_schema_t *s = sniff(sample, 1);
	const char *line = strchr(sample, '\n') + 1;

	(void)state;
	assert_true(s->csv.header);
	assert_int_equal(s->cols[0].type, KF_T_INT64);
	assert_int_equal(s->cols[1].type, KF_T_DECIMAL);
	assert_int_equal(s->cols[2].type, KF_T_BOOLEAN);
	assert_int_equal(s->cols[3].type, KF_T_BOOLEAN);
	assert_int_equal(s->cols[4].type, KF_T_DATE);
	assert_int_equal(s->cols[5].type, KF_T_DATE);
	assert_int_equal(s->cols[6].type, KF_T_TIMESTAMP);
	assert_int_equal(s->cols[7].type, KF_T_TIMESTAMP);
	assert_int_equal(s->cols[8].type, KF_T_TEXT);
	for (; *line; line = strchr(line, '\n') + 1) {
		const char *f = line;
		int col;

		for (col = 0; col < (int)s->ncols; col++) {
			size_t n = strcspn(f, ",\n");
			kf_reject_t rej = {0};
			kf_value_t v;

			if (n && kf_value_parse(s, col, f, n, &v, &rej))
				fail_msg("column %d: \"%.*s\": %s", col, (int)n,
					 f, rej.reason);
			f += n + 1;
		}
	}
	kf_schema_free(s);
}

static void test_sniff_no_header(void **state)
{
	kf_schema_t *s = sniff("1;2026/12/02;0;20261202\n"
			       "2;2026/12/03;1;20261203\n",
			       1);

	(void)state;
	assert_int_equal(s->csv.delim, ';');
	assert_false(s->csv.header);
	assert_int_equal(s->ncols, 4);
	assert_string_equal(s->cols[0].name, "col_1");
	assert_null(s->cols[0].source);
	assert_int_equal(s->cols[0].type, KF_T_INT64);
	assert_int_equal(s->cols[1].type, KF_T_DATE);
	assert_string_equal(s->cols[1].format, "%Y/%m/%d");
	/* 0 and 1 alone are integers, not booleans */
	assert_int_equal(s->cols[2].type, KF_T_INT64);
	/* all digits: the narrower int64 wins over a compact date */
	assert_int_equal(s->cols[3].type, KF_T_INT64);
	kf_schema_free(s);

	/* all text: nothing tells a header apart (docs/records.md 2.2) */
	s = sniff("name|city\nKim|Seoul\nLee|Busan\n", 1);
	assert_false(s->csv.header);
	assert_int_equal(s->csv.delim, '|');
	assert_string_equal(s->cols[1].name, "col_2");
	kf_schema_free(s);
}

static void test_sniff_cut_and_offsets(void **state)
{
	static const char sample[] = "a\tb\n"
				     "2026-12-02T09:30:15Z\t1\n"
				     "2026-12-02T09:30:16.5+09:00\t2\n"
				     "x\t3.25";
	kf_schema_t *s = sniff(sample, 0);

	(void)state;
	/* the last row lacks its newline: cut, ignored */
	assert_int_equal(s->csv.delim, '\t');
	assert_true(s->csv.header);
	assert_int_equal(s->cols[0].type, KF_T_TIMESTAMP);
	assert_null(s->cols[0].format);
	assert_int_equal(s->cols[1].type, KF_T_INT64);
	kf_schema_free(s);
	/* the whole file: it counts */
	s = sniff(sample, 1);
	assert_int_equal(s->cols[0].type, KF_T_TEXT);
	assert_int_equal(s->cols[1].type, KF_T_DECIMAL);
	assert_int_equal(s->cols[1].precision, 5);
	assert_int_equal(s->cols[1].scale, 2);
	kf_schema_free(s);
}

static void test_sniff_refusals(void **state)
{
	kf_schema_t *s = (kf_schema_t *)1;

	(void)state;
	EXPECT_ERR(kf_schema_sniff("", 0, 1, "empty.csv", &s, errbuf,
				   sizeof(errbuf)),
		   KF_EINVAL, "empty.csv: no ");
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_samples),
		cmocka_unit_test(test_write_quoting),
		cmocka_unit_test(test_sniff_header_and_types),
		cmocka_unit_test(test_sniff_types_parse),
		cmocka_unit_test(test_sniff_no_header),
		cmocka_unit_test(test_sniff_cut_and_offsets),
		cmocka_unit_test(test_sniff_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
