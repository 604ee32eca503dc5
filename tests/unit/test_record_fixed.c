/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/record/fixed.c (the fixed-width reader). Each case
 * reads an input into a trace (one line per callback) and compares it
 * with what the case expects, then reads it split at every byte boundary
 * and byte by byte (kf_test_trace.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kf_test_reader.h"
#include "kf_test_trace.h"
#include "record/fixed.h"

/* R<num>@<line>:<offset> t<type> [raw] */
static int on_rec(const kf_fixed_rec_t *r, void *opaque)
{
	struct kf_trace *t = opaque;

	tr_printf(t, "R%llu@%llu:%llu t%d [", (unsigned long long)r->num,
		  (unsigned long long)r->line, (unsigned long long)r->offset,
		  r->type);
	tr_bytes(t, r->raw, r->raw_len);
	tr_add(t, "]\n", 2);
	return tr_stop(t);
}

/* E<code> <msg> [raw] (<total>) */
static int on_error(const kf_fixed_error_t *e, void *opaque)
{
	struct kf_trace *t = opaque;
	char head[64];

	snprintf(head, sizeof(head), "record %llu (line %llu, byte %llu): ",
		 (unsigned long long)e->num, (unsigned long long)e->line,
		 (unsigned long long)e->offset);
	assert_memory_equal(e->msg, head, strlen(head));
	tr_printf(t, "E%s %s [", e->code, e->msg + strlen(head));
	tr_bytes(t, e->raw, e->raw_len);
	tr_printf(t, "] (%llu) r%llu@%llu:%llu\n",
		  (unsigned long long)e->raw_total, (unsigned long long)e->num,
		  (unsigned long long)e->line, (unsigned long long)e->offset);
	return tr_stop(t);
}

static void *rd_open(struct kf_trace *t, const void *arg)
{
	char err[256];
	kf_fixed_t *p =
		kf_fixed_new(arg, on_rec, on_error, t, err, sizeof(err));

	if (!p)
		fail_msg("%s", err);
	return p;
}

KF_TEST_READER_CALLS(fixed)

static const struct kf_trace_reader reader = {rd_open, rd_feed, rd_finish,
					      rd_close};

static void check_len(const kf_fixed_opts_t *o, const char *in, size_t len,
		      const char *want)
{
	kf_trace_check(&reader, o, in, len, want);
}

static void check(const kf_fixed_opts_t *o, const char *in, const char *want)
{
	check_len(o, in, strlen(in), want);
}

static const char *const hdt[] = {"H", "D", "T"};

static void test_terminated(void **state)
{
	kf_fixed_opts_t o = {.record_bytes = 5, .terminated = 1, .ntypes = 1};

	(void)state;
	/* LF and CRLF mixed, no terminator after the last record */
	check(&o, "abcde\nfghij\r\nklmno",
	      "R1@1:0 t0 [abcde]\n"
	      "R2@2:6 t0 [fghij]\n"
	      "R3@3:13 t0 [klmno]\n");
	check(&o, "abcde\r", "R1@1:0 t0 [abcde]\n");
	check(&o, "", "");
	/* empty lines are no records; a CR inside a record is data */
	check(&o, "\n\r\nab\rde\n\n", "R1@3:3 t0 [ab\\rde]\n");
}

static void test_discriminator(void **state)
{
	kf_fixed_opts_t o = {.record_bytes = 6,
			     .terminated = 1,
			     .has_disc = 1,
			     .disc_offset = 0,
			     .disc_length = 1,
			     .codes = hdt,
			     .ntypes = 3};

	(void)state;
	check(&o, "H 0001\nD12345\r\nD1234\nX00000\n\nD123456\nT00002",
	      "R1@1:0 t0 [H 0001]\n"
	      "R2@2:7 t1 [D12345]\n"
	      "Erecord_length length 5, the layout's records are 6 bytes "
	      "[D1234] (5) r3@3:15\n"
	      "Erecord_type the code 'X' at byte 0 is no record type's "
	      "[X00000] (6) r4@4:21\n"
	      "Erecord_length length 7, the layout's records are 6 bytes "
	      "[D12345] (7) r5@6:29\n"
	      "R6@7:37 t2 [T00002]\n");
	/* a long line is measured whole, kept to record_bytes */
	check(&o, "D1234567890123456789\nH\n",
	      "Erecord_length length 20, the layout's records are 6 bytes "
	      "[D12345] (20) r1@1:0\n"
	      "Erecord_length length 1, the layout's records are 6 bytes [H] "
	      "(1) r2@2:21\n");
}

/* Raw bytes untouched: CP949 Hangul (똠 8C 63, 햏 C1 64) and a code of
 * two bytes that are not text. */
static void test_raw_bytes(void **state)
{
	static const char *const codes[] = {"10", "20"};
	kf_fixed_opts_t o = {.record_bytes = 5,
			     .terminated = 1,
			     .has_disc = 1,
			     .disc_offset = 1,
			     .disc_length = 2,
			     .codes = codes,
			     .ntypes = 2};

	(void)state;
	check(&o, "x20\x8c\x63\nx10\xc1\x64\nx\xb0\x01yy\ny\\\\yy\n",
	      "R1@1:0 t1 [x20\x8c\x63]\n"
	      "R2@2:6 t0 [x10\xc1\x64]\n"
	      "Erecord_type the code '\\xb0\\x01' at byte 1 is no record "
	      "type's [x\xb0\x01yy] (5) r3@3:12\n"
	      "Erecord_type the code '\\x5c\\x5c' at byte 1 is no record "
	      "type's [y\\\\yy] (5) r4@4:18\n");
}

static void test_back_to_back(void **state)
{
	static const char *const ab[] = {"A", "B"};
	kf_fixed_opts_t o = {.record_bytes = 4,
			     .has_disc = 1,
			     .disc_offset = 3,
			     .disc_length = 1,
			     .codes = ab,
			     .ntypes = 2};

	(void)state;
	check(&o, "123A456B789C12",
	      "R1@1:0 t0 [123A]\n"
	      "R2@2:4 t1 [456B]\n"
	      "Erecord_type the code 'C' at byte 3 is no record type's [789C] "
	      "(4) r3@3:8\n"
	      "Erecord_length length 2, the layout's records are 4 bytes [12] "
	      "(2) r4@4:12\n");
	/* line ends are data, but one after the last record is none */
	check(&o, "1\n\rA\r\n", "R1@1:0 t0 [1\\n\\rA]\n");
	check(&o, "123B\n", "R1@1:0 t1 [123B]\n");
	check(&o, "123B\n\n",
	      "R1@1:0 t1 [123B]\n"
	      "Erecord_length length 2, the layout's records are 4 bytes "
	      "[\\n\\n] (2) r2@2:4\n");
	o.has_disc = 0;
	check(&o, "abcdefgh", "R1@1:0 t0 [abcd]\nR2@2:4 t0 [efgh]\n");
}

/* What the bank files of tests/data/records hold, read with the layout
 * of config/bank_cp949.schema. */
struct bank {
	int n[3];		/* records per type: H, D, T */
	int64_t sum;		/* of the details' amounts, in cents */
	int64_t t_count, t_sum; /* the trailer's */
	int cp949_only;		/* 똠 (8C 63) and 햏 (C1 64) seen */
};

static int64_t digits(const char *s, size_t n)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		assert_true(s[i] >= '0' && s[i] <= '9');
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* A zoned decimal whose last digit carries the sign. */
static int64_t overpunch(const char *s, size_t n)
{
	static const char pos[] = "{ABCDEFGHI", neg[] = "}JKLMNOPQR";
	const char *d = strchr(pos, s[n - 1]);
	int64_t sign = 1;

	if (!d) {
		d = strchr(neg, s[n - 1]);
		assert_non_null(d);
		sign = -1;
	}
	return sign * (digits(s, n - 1) * 10 + (d - (sign > 0 ? pos : neg)));
}

static int on_bank(const kf_fixed_rec_t *r, void *opaque)
{
	struct bank *b = opaque;

	b->n[r->type]++;
	if (r->type == 1) {
		b->sum += overpunch(r->raw + 42, 15);
		if (memmem(r->raw + 22, 20, "\x8c\x63", 2))
			b->cp949_only |= 1;
		if (memmem(r->raw + 22, 20, "\xc1\x64", 2))
			b->cp949_only |= 2;
	} else if (r->type == 2) {
		b->t_count = digits(r->raw + 1, 7);
		b->t_sum = overpunch(r->raw + 8, 17);
	}
	return 0;
}

static int on_bank_error(const kf_fixed_error_t *e, void *opaque)
{
	(void)opaque;
	fail_msg("%s", e->msg);
	return 1;
}

static void read_bank(const kf_fixed_opts_t *o, const char *name,
		      struct bank *b)
{
	char err[256], *data;
	kf_fixed_t *p;
	size_t len;

	memset(b, 0, sizeof(*b));
	data = kf_trace_data(name, &len);
	p = kf_fixed_new(o, on_bank, on_bank_error, b, err, sizeof(err));
	assert_non_null(p);
	assert_int_equal(kf_fixed_feed(p, data, len), 0);
	assert_int_equal(kf_fixed_finish(p), 0);
	kf_fixed_destroy(p);
	free(data);
	assert_int_equal(b->n[0], 1);
	assert_int_equal(b->n[1], 5);
	assert_int_equal(b->cp949_only, 3);
}

/* The committed test files say what make.sh says they say. */
static void test_bank_files(void **state)
{
	kf_fixed_opts_t o = {.record_bytes = 100,
			     .terminated = 1,
			     .has_disc = 1,
			     .disc_length = 1,
			     .codes = hdt,
			     .ntypes = 3};
	struct bank b;
	char *data, *whole;
	size_t len;
	int rc;

	(void)state;
	read_bank(&o, "bank_cp949.dat", &b);
	assert_int_equal(b.n[2], 1);
	assert_int_equal(b.t_count, 5);
	assert_int_equal(b.sum, 251799938);
	assert_int_equal(b.t_sum, b.sum);
	read_bank(&o, "bank_cp949_bad_count.dat", &b);
	assert_int_equal(b.t_count, 6);
	assert_int_equal(b.t_sum, b.sum);
	read_bank(&o, "bank_cp949_bad_sum.dat", &b);
	assert_int_equal(b.t_count, 5);
	assert_int_equal(b.t_sum, b.sum + 1);
	read_bank(&o, "bank_cp949_no_trailer.dat", &b);
	assert_int_equal(b.n[2], 0);
	/* and it reads the same whatever the split */
	data = kf_trace_data("bank_cp949.dat", &len);
	whole = kf_trace_read(&reader, &o, data, len, len, len, 0, 0, &rc);
	assert_int_equal(rc, 0);
	kf_trace_check(&reader, &o, data, len, whole);
	free(whole);
	free(data);
}

static void test_stop(void **state)
{
	kf_fixed_opts_t o = {.record_bytes = 2, .terminated = 1, .ntypes = 1};
	char *s;
	int rc;

	(void)state;
	s = kf_trace_read(&reader, &o, "ab\nc\nde\n", 8, 0, 0, 1, 2, &rc);
	assert_int_equal(rc, 7);
	assert_string_equal(s, "R1@1:0 t0 [ab]\n"
			       "Erecord_length length 1, the layout's records "
			       "are 2 bytes [c] (1) r2@2:3\n");
	free(s);
}

static void test_bad_opts(void **state)
{
	static const char *const dup[] = {"A", "B", "A"};
	static const char *const null[] = {"A", NULL};
	kf_fixed_opts_t o = {.record_bytes = 4,
			     .has_disc = 1,
			     .disc_offset = 3,
			     .disc_length = 1,
			     .codes = dup,
			     .ntypes = 3};
	char err[256];

	(void)state;
	assert_null(kf_fixed_new(&o, on_rec, on_error, NULL, err, sizeof(err)));
	assert_string_equal(err, "fixed: record types 1 and 3 have the same "
				 "code: give each type its own");
	o.codes = null;
	o.ntypes = 2;
	assert_null(kf_fixed_new(&o, on_rec, on_error, NULL, err, sizeof(err)));
	assert_string_equal(err, "fixed: record type 2 has no code");
	o.ntypes = 0;
	assert_null(kf_fixed_new(&o, on_rec, on_error, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "needs the code of each record type"));
	o.disc_length = 2;
	assert_null(kf_fixed_new(&o, on_rec, on_error, NULL, err, sizeof(err)));
	assert_string_equal(err, "fixed: the discriminator (offset 3, length "
				 "2) must lie inside the record of 4 bytes");
	o.disc_length = 0;
	assert_null(kf_fixed_new(&o, on_rec, on_error, NULL, err, sizeof(err)));
	o.record_bytes = 0;
	assert_null(kf_fixed_new(&o, on_rec, on_error, NULL, err, sizeof(err)));
	assert_string_equal(err, "fixed: record_bytes must be 1 to 16777216, "
				 "not 0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_terminated),
		cmocka_unit_test(test_discriminator),
		cmocka_unit_test(test_raw_bytes),
		cmocka_unit_test(test_back_to_back),
		cmocka_unit_test(test_bank_files),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_bad_opts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
