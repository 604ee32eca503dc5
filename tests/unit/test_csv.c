/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/record/csv.c (the streaming CSV reader and its dialect
 * sniffer). Each case reads a tricky input into a trace (one line per
 * callback: records with their fields, errors with their positions), and
 * compares it with what the case expects; then reads it again split at
 * every byte boundary and byte by byte, and requires the same trace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kf_test_reader.h"
#include "kf_test_trace.h"
#include "record/csv.h"

/* R<num>@<line>:<offset> [raw] then each field as <v> (unquoted),
 * "<v>" (quoted) or N (NULL). */
static int on_record(const kf_csv_record_t *r, void *opaque)
{
	struct kf_trace *t = opaque;
	size_t i;

	tr_printf(t, "R%llu@%llu:%llu [", (unsigned long long)r->num,
		  (unsigned long long)r->line, (unsigned long long)r->offset);
	tr_bytes(t, r->raw, r->raw_len);
	tr_add(t, "]", 1);
	for (i = 0; i < r->nfields; i++) {
		const kf_csv_field_t *f = &r->fields[i];

		if (f->null) {
			tr_add(t, " N", 2);
			continue;
		}
		tr_add(t, f->quoted ? " \"" : " <", 2);
		tr_bytes(t, f->ptr, f->len);
		tr_add(t, f->quoted ? "\"" : ">", 1);
	}
	tr_add(t, "\n", 1);
	return tr_stop(t);
}

/* E<code> r<num>@<line>:<offset> at <line>:<offset> n=<fields>/<exp>
 * [raw] (<total>) */
static int on_error(const kf_csv_error_t *e, void *opaque)
{
	struct kf_trace *t = opaque;

	assert_non_null(strstr(e->msg, "line"));
	if (e->code == KF_CSV_E_FIELD_COUNT)
		tr_printf(
			t, "E%d r%llu@%llu:%llu n=%zu/%zu [", e->code,
			(unsigned long long)e->num, (unsigned long long)e->line,
			(unsigned long long)e->offset, e->nfields, e->expected);
	else
		tr_printf(t, "E%d r%llu@%llu:%llu at %llu:%llu [", e->code,
			  (unsigned long long)e->num,
			  (unsigned long long)e->line,
			  (unsigned long long)e->offset,
			  (unsigned long long)e->err_line,
			  (unsigned long long)e->err_offset);
	tr_bytes(t, e->raw, e->raw_len);
	tr_printf(t, "] (%llu)\n", (unsigned long long)e->raw_total);
	return tr_stop(t);
}

static void *rd_open(struct kf_trace *t, const void *arg)
{
	char err[128];

	return kf_csv_new(arg, on_record, on_error, t, err, sizeof(err));
}

KF_TEST_READER_CALLS(csv)

static const struct kf_trace_reader reader = {rd_open, rd_feed, rd_finish,
					      rd_close};

static char *read_split(const kf_csv_opts_t *o, const char *in, size_t len,
			size_t cut1, size_t cut2, size_t step, int stop_after,
			int *rc_out)
{
	return kf_trace_read(&reader, o, in, len, cut1, cut2, step, stop_after,
			     rc_out);
}

static void check_opts(const kf_csv_opts_t *o, const char *in, size_t len,
		       const char *want)
{
	kf_trace_check(&reader, o, in, len, want);
}

static void check(const kf_csv_opts_t *o, const char *in, const char *want)
{
	check_opts(o, in, strlen(in), want);
}

static kf_csv_opts_t opts(void)
{
	kf_csv_opts_t o;

	kf_csv_opts_init(&o);
	return o;
}

static void test_basic(void **state)
{
	kf_csv_opts_t o = opts();

	(void)state;
	check(&o, "a,b,c\n1,2,3\n",
	      "R1@1:0 [a,b,c] <a> <b> <c>\nR2@2:6 [1,2,3] <1> <2> <3>\n");
	/* no final newline; trailing delimiter = an empty last field */
	check(&o, "a,b,\nx,y,",
	      "R1@1:0 [a,b,] <a> <b> N\nR2@2:5 [x,y,] <x> <y> N\n");
	check(&o, "", "");
}

static void test_quotes(void **state)
{
	kf_csv_opts_t o = opts();

	(void)state;
	/* embedded delimiter, doubled quotes, newlines of every kind */
	check(&o, "\"a,b\",\"say \"\"hi\"\"\"\n\"x\ny\",\"p\r\nq\"\n",
	      "R1@1:0 [\"a,b\",\"say \"\"hi\"\"\"] \"a,b\" \"say \"hi\"\"\n"
	      "R2@2:19 [\"x\\ny\",\"p\\r\\nq\"] \"x\\ny\" \"p\\r\\nq\"\n");
	/* a lone CR in quotes is a line too: record 2 starts on line 3 */
	check(&o, "\"a\rb\",1\nc,2",
	      "R1@1:0 [\"a\\rb\",1] \"a\\rb\" <1>\nR2@3:8 [c,2] <c> <2>\n");
	/* quoted "" is the empty string, unquoted empty is NULL */
	check(&o, "\"\",,x\n", "R1@1:0 [\"\",,x] \"\" N <x>\n");
}

static void test_line_ends(void **state)
{
	kf_csv_opts_t o = opts();

	(void)state;
	check(&o, "a,b\r\nc,d\re,f\ng,h",
	      "R1@1:0 [a,b] <a> <b>\nR2@2:5 [c,d] <c> <d>\n"
	      "R3@3:9 [e,f] <e> <f>\nR4@4:13 [g,h] <g> <h>\n");
	check(&o, "\"a\"\r\n\"b\"\r\n",
	      "R1@1:0 [\"a\"] \"a\"\nR2@2:5 [\"b\"] \"b\"\n");
}

static void test_bom(void **state)
{
	kf_csv_opts_t o = opts();

	(void)state;
	check(&o,
	      "\xef\xbb\xbf"
	      "a,b\n",
	      "R1@1:3 [a,b] <a> <b>\n");
	/* a BOM-like start that is not one is data */
	check(&o, "\xef\xbbx,b\n", "R1@1:0 [\xef\xbbx,b] <\xef\xbbx> <b>\n");
	check(&o, "\xef", "R1@1:0 [\xef] <\xef>\n");
	/* only at the start */
	o.expect_fields = KF_CSV_ANY_FIELDS;
	check(&o, "a\n\xef\xbb\xbf",
	      "R1@1:0 [a] <a>\nR2@2:2 [\xef\xbb\xbf] <\xef\xbb\xbf>\n");
}

/* PostgreSQL's COPY ... CSV reads an empty line as one NULL field. */
static void test_empty_lines(void **state)
{
	kf_csv_opts_t o = opts();

	(void)state;
	o.expect_fields = KF_CSV_ANY_FIELDS;
	check(&o, "a\n\nb\r\n\r\n",
	      "R1@1:0 [a] <a>\nR2@2:2 [] N\nR3@3:3 [b] <b>\n"
	      "R4@4:6 [] N\n");
	o.expect_fields = 0;
	check(&o, "a,b\n\nc,d\n",
	      "R1@1:0 [a,b] <a> <b>\nE6 r2@2:4 n=1/2 [] (0)\n"
	      "R3@3:5 [c,d] <c> <d>\n");
	o.skip_empty_lines = 1;
	check(&o, "\n\r\na,b\n\r\rc,d\n\n",
	      "R1@3:3 [a,b] <a> <b>\nR2@6:9 [c,d] <c> <d>\n");
}

static void test_delimiters(void **state)
{
	kf_csv_opts_t o = opts();

	(void)state;
	o.dialect.delim = '\t';
	check(&o, "a,b\t\"c\td\"\n", "R1@1:0 [a,b\t\"c\td\"] <a,b> \"c\td\"\n");
	o.dialect.delim = ';';
	check(&o, "1,5;2\n", "R1@1:0 [1,5;2] <1,5> <2>\n");
	o.dialect.delim = '|';
	check(&o, "|\n", "R1@1:0 [|] N N\n");
	/* no quoting: quotes are data */
	o.dialect.delim = ',';
	o.dialect.quote = 0;
	check(&o, "\"a,b\"\n", "R1@1:0 [\"a,b\"] <\"a> <b\">\n");
}

static void test_nulls(void **state)
{
	kf_csv_opts_t o = opts();

	(void)state;
	o.null_str = "\\N";
	check(&o, "\\N,,\"\\N\"\n", "R1@1:0 [\\N,,\"\\N\"] N <> \"\\N\"\n");
	o.null_rule = KF_CSV_NULL_ANY;
	check(&o, "\\N,\"\\N\"\n", "R1@1:0 [\\N,\"\\N\"] N N\n");
	o.null_str = NULL;
	o.null_rule = KF_CSV_NULL_NEVER;
	check(&o, ",\"\"\n", "R1@1:0 [,\"\"] <> \"\"\n");
}

static void test_header(void **state)
{
	kf_csv_opts_t o = opts();
	const kf_csv_field_t *h;
	struct kf_trace t = {0};
	char err[64];
	kf_csv_t *p;
	size_t n;

	(void)state;
	o.dialect.header = 1;
	check(&o, "id,name\n1,x\n2,y,z\n",
	      "R1@2:8 [1,x] <1> <x>\nE6 r2@3:12 n=3/2 [2,y,z] (5)\n");
	p = kf_csv_new(&o, on_record, on_error, &t, err, sizeof(err));
	assert_non_null(p);
	assert_null(kf_csv_header(p, &n));
	assert_int_equal(kf_csv_feed(p, "id,\"na", 6), 0);
	assert_int_equal(kf_csv_feed(p, "me\"\n1,x", 7), 0);
	assert_int_equal(kf_csv_finish(p), 0);
	h = kf_csv_header(p, &n);
	assert_int_equal(n, 2);
	assert_memory_equal(h[0].ptr, "id", 2);
	assert_int_equal(h[1].len, 4);
	assert_memory_equal(h[1].ptr, "name", 4);
	assert_string_equal(t.s, "R1@2:10 [1,x] <1> <x>\n");
	kf_csv_destroy(p);
	free(t.s);
}

static void test_errors(void **state)
{
	kf_csv_opts_t o = opts();

	(void)state;
	/* unterminated quote at EOF: named at the opening quote */
	check(&o, "a,b\nc,\"d\ne",
	      "R1@1:0 [a,b] <a> <b>\nE1 r2@2:4 at 2:6 [c,\"d\\ne] (6)\n");
	/* a stray quote: the row is skipped to its line end */
	check(&o, "a,b\"c\nd,e\n",
	      "E2 r1@1:0 at 1:3 [a,b\"c] (5)\nR2@2:6 [d,e] <d> <e>\n");
	/* bytes after a closing quote, resync at the next raw line end */
	check(&o, "\"a\"x,\"b\nc,d\r\ne,f",
	      "E3 r1@1:0 at 1:3 [\"a\"x,\"b] (7)\nR2@2:8 [c,d] <c> <d>\n"
	      "R3@3:13 [e,f] <e> <f>\n");
	/* lenient quotes keep the stray quote */
	o.strict_quotes = 0;
	check(&o, "a\"b,c\n", "R1@1:0 [a\"b,c] <a\"b> <c>\n");
}

static void test_caps(void **state)
{
	kf_csv_opts_t o = opts();

	(void)state;
	o.max_field = 4;
	o.max_record = 12;
	check(&o, "abcd,efgh\nabcde,x\n\"ab\"\"c\"\"\",y\n1,2\n",
	      "R1@1:0 [abcd,efgh] <abcd> <efgh>\n"
	      "E4 r2@2:10 at 2:14 [abcde,x] (7)\n"
	      "E4 r3@3:18 at 3:25 [\"ab\"\"c\"\"\",y] (11)\n"
	      "R4@4:30 [1,2] <1> <2>\n");
	/* a long quoted field with newlines stays one rejected record; the
	 * raw bytes stop at the record cap */
	check(&o, "\"aaaa\na\nbbbbbbbbbbbb\"\nx,y\n",
	      "E4 r1@1:0 at 1:5 [\"aaaa\\na\\nbbbb] (21)\n"
	      "R2@4:22 [x,y] <x> <y>\n");
	/* the record cap on a closing quote right after a run */
	o.max_field = 6;
	o.max_record = 9;
	check(&o, "2,\"Kim, J\",c\n", "E5 r1@1:0 at 1:9 [2,\"Kim, J] (12)\n");
	o.max_record = 12;
	o.max_field = 100;
	check(&o, "a,b,c,d,e,f,g\n1,2\n",
	      "E5 r1@1:0 at 1:12 [a,b,c,d,e,f,] (13)\n"
	      "R2@2:14 [1,2] <1> <2>\n");
}

static void test_stop(void **state)
{
	kf_csv_opts_t o = opts();
	int rc;
	char *s;

	(void)state;
	s = read_split(&o, "a\nb\nc\n", 6, 0, 0, 1, 2, &rc);
	assert_int_equal(rc, 7);
	assert_string_equal(s, "R1@1:0 [a] <a>\nR2@2:2 [b] <b>\n");
	free(s);
}

static void test_bad_opts(void **state)
{
	kf_csv_opts_t o = opts();
	char err[128];

	(void)state;
	o.dialect.delim = '"';
	assert_null(kf_csv_new(&o, NULL, NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "delimiter"));
	kf_csv_destroy(NULL);
}

static void sniff(const char *in, char delim, int header, int quotes)
{
	kf_csv_dialect_t d;

	assert_int_equal(kf_csv_sniff(in, strlen(in), &d), 0);
	if (d.delim != delim || d.header != header || d.has_quotes != quotes)
		fail_msg("sniff \"%s\": delim '%c' header %d quotes %d", in,
			 d.delim, d.header, d.has_quotes);
}

static void test_sniff(void **state)
{
	kf_csv_dialect_t d;
	const char *s;

	(void)state;
	sniff("id,name,amount\n1,Kim,10.5\n2,Lee,3\n", ',', 1, 0);
	sniff("id;name;amount\n1;\"Park, J\";10,5\n2;Lee;3,1\n", ';', 1, 1);
	sniff("1|a|2024-01-31\n2|b|2024-02-01\n3|c|2024-02", '|', 0, 0);
	sniff("a\tb\tc\nx,y\tz\tw\n", '\t', 1, 0);
	sniff("name,city\nKim,Seoul\nLee,Busan\n", ',', 1, 0);
	s = "\xef\xbb\xbf"
	    "x,y\r\n1,2\r\n";
	assert_int_equal(kf_csv_sniff(s, strlen(s), &d), 0);
	assert_true(d.bom);
	assert_true(d.crlf);
	assert_int_equal(d.header, 1);
	assert_int_equal(kf_csv_sniff("", 0, &d), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_empty_lines),
		cmocka_unit_test(test_delimiters),
		cmocka_unit_test(test_nulls),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_bad_opts),
		cmocka_unit_test(test_sniff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
