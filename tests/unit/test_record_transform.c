/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/record/transform.c: `value` templates (checked and
 * expanded, ${header.*} of a fixed file's first record), masks by
 * characters (the examples of docs/records.md 2.7, Hangul, mask_keep,
 * hash, redact, null) and the row filter of 2.8 (every operator, NULLs,
 * terms joined by and). Schemas are filled by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kf_test_record.h"
#include "record/schema.h"
#include "record/transform.h"
#include "record/value.h"

static const kf_xform_ctx_t ctx0 = {
	.file_name = "settle_20261202.csv",
	.file_path = "in/settle_20261202.csv",
	.hash_hex = "0123456789abcdef0123456789abcdef",
	.load_id = "fedcba9876543210fedcba9876543210",
};

/* ---- templates ---- */

/* A fixed layout: [record.H] first with a date and a text field, and
 * [record.D] whose computed column c names them. */
struct fixed {
	kf_rectype_t types[2];
	kf_column_t cols[4];
	kf_schema_t s;
};

static void fixed_init(struct fixed *f, const char *tmpl)
{
	memset(f->types, 0, sizeof(f->types));
	f->types[0].name = "H";
	f->types[0].position = KF_POS_FIRST;
	f->types[0].check_count = -1;
	f->types[1].name = "D";
	f->types[1].emit = 1;
	f->types[1].check_count = -1;
	f->cols[0] = kf_test_col("batch_date", KF_T_DATE);
	f->cols[0].rectype = 0;
	f->cols[1] = kf_test_col("bank", KF_T_TEXT);
	f->cols[1].rectype = 0;
	f->cols[2] = kf_test_col("amount", KF_T_DECIMAL);
	f->cols[2].rectype = 1;
	f->cols[3] = kf_test_col("c", KF_T_TEXT);
	f->cols[3].rectype = 1;
	f->cols[3].value = (char *)tmpl;
	f->s = kf_test_schema(f->cols, 4);
	f->s.format = KF_FMT_FIXED;
	f->s.rectypes = f->types;
	f->s.n_rectypes = 2;
	f->s.emit_rectype = 1;
}

static void test_template_check(void **state)
{
	static const struct {
		const char *tmpl;
		int ok;
		const char *named; /* in the message of a refused one */
	} t[] = {
		{"KRW", 1, NULL},
		{"", 1, NULL},
		{"${file.name}", 1, NULL},
		{"${file.path}|${file.hash}|${load.id}", 1, NULL},
		{"L${record.line}@${record.offset}", 1, NULL},
		{"${header.batch_date}-${header.bank}", 1, NULL},
		{"$ {file.name} and $x", 1, NULL},
		{"${file.size}", 0, "${file.size}"},
		{"${header.amount}", 0, "${header.amount}"}, /* not of H */
		{"${header.nope}", 0, "${header.nope}"},
		{"${header.}", 0, "${header.}"},
		{"a${file.name", 0, "${file.name without its closing }"},
		{"${}", 0, "${}"},
	};
	struct fixed f;
	char err[512];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		fixed_init(&f, t[i].tmpl);
		err[0] = '\0';
		rc = kf_xform_check_template(&f.s, 3, err, sizeof(err));
		if (t[i].ok) {
			if (rc != 0)
				fail_msg("%s: %s", t[i].tmpl, err);
			continue;
		}
		assert_int_equal(rc, KF_EINVAL);
		assert_non_null(strstr(err, "column c"));
		if (!strstr(err, t[i].named))
			fail_msg("%s: %s", t[i].tmpl, err);
	}
	/* a column that is read, not computed, has nothing to check */
	fixed_init(&f, NULL);
	assert_int_equal(kf_xform_check_template(&f.s, 3, NULL, 0), 0);
}

static char *expand(struct fixed *f, const kf_xform_ctx_t *ctx, int *rc)
{
	kf_strbuf_t b;

	kf_strbuf_heap(&b, 4);
	*rc = kf_xform_template(&f->s, 3, ctx, 42, 10234, &b);
	assert_false(b.failed);
	return b.p;
}

static void test_template_expand(void **state)
{
	kf_value_t header[4];
	kf_xform_ctx_t ctx = ctx0;
	struct fixed f;
	char *out;
	int rc;

	(void)state;
	fixed_init(&f, "${file.name}|${file.path}|${file.hash}|${load.id}|"
		       "L${record.line}@${record.offset}|KRW");
	out = expand(&f, &ctx, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "settle_20261202.csv|in/settle_20261202.csv|"
				 "0123456789abcdef0123456789abcdef|"
				 "fedcba9876543210fedcba9876543210|"
				 "L42@10234|KRW");
	free(out);

	/* ${header.*}: unknown until the first record was read */
	fixed_init(&f, "${header.bank}:${header.batch_date}");
	out = expand(&f, &ctx, &rc);
	assert_int_equal(rc, -1);
	free(out);
	memset(header, 0, sizeof(header));
	header[0].type = KF_T_DATE;
	header[0].u.i = 20789;
	header[1].type = KF_T_TEXT;
	header[1].u.s.ptr = "신한";
	header[1].u.s.len = strlen("신한");
	ctx.header = header;
	out = expand(&f, &ctx, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "신한:2026-12-02");
	free(out);
	header[1].null = 1; /* a NULL header field is empty text */
	out = expand(&f, &ctx, &rc);
	assert_string_equal(out, ":2026-12-02");
	free(out);
}

/* ---- masks ---- */

static char *mask(kf_column_t *c, const kf_xform_ctx_t *ctx, const char *in,
		  int *null)
{
	kf_schema_t s = kf_test_schema(c, 1);
	kf_strbuf_t b;

	kf_strbuf_heap(&b, 4);
	*null = -1;
	kf_xform_mask(&s, 0, ctx, in, strlen(in), &b, null);
	assert_false(b.failed);
	return b.p;
}

static void test_masks_keep(void **state)
{
	static const struct {
		unsigned a, b;
		const char *keep, *in, *want;
	} t[] = {
		/* the examples of docs/records.md 2.7 */
		{8, 0, "-", "900101-1234567", "900101-1******"},
		{0, 4, "-", "010-1234-5678", "***-****-5678"},
		{1, 0, "-", "홍길동", "홍**"},
		{0, 4, "-", "9410123412345678", "************5678"},
		/* keep:A:B, Hangul from the end, and short values */
		{1, 1, "-", "홍길동", "홍*동"},
		{0, 1, "-", "남궁민수", "***수"},
		{2, 2, "-", "abc", "abc"},
		{0, 0, "-", "a-b", "*-*"},
		{0, 0, "", "a-b", "***"},
		{0, 0, "-@", "kim@example.com", "***@***********"},
		{0, 0, "길", "홍길동", "*길*"},
		{3, 0, "-", "", ""},
	};
	kf_column_t c = kf_test_col("x", KF_T_TEXT);
	char *out;
	size_t i;
	int null;

	(void)state;
	c.mask = KF_MASK_KEEP;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		c.mask_a = t[i].a;
		c.mask_b = t[i].b;
		c.mask_keep = (char *)t[i].keep;
		out = mask(&c, &ctx0, t[i].in, &null);
		assert_int_equal(null, 0);
		if (strcmp(out, t[i].want) != 0)
			fail_msg("%s keep %u:%u: %s, expected %s", t[i].in,
				 t[i].a, t[i].b, out, t[i].want);
		free(out);
	}
}

static void test_masks_other(void **state)
{
	kf_column_t c = kf_test_col("x", KF_T_TEXT);
	kf_xform_ctx_t ctx = ctx0;
	char *out;
	int null;

	(void)state;
	c.mask = KF_MASK_HASH;
	ctx.salt = "pepper";
	ctx.salt_len = 6;
	out = mask(&c, &ctx, "900101-1234567", &null);
	assert_string_equal(out, "29e19ec9cd996a592e230500a845e4d55a89fa8b556f0"
				 "b2acbd742445b82da3f");
	assert_int_equal(null, 0);
	free(out);
	ctx.salt_len = 0;
	out = mask(&c, &ctx, "홍길동", &null);
	assert_string_equal(out, "9c6b9b1b1627f3120e0730c6d2cfa71040fd03747bde"
				 "2755e8b5e4dbf2bee262");
	free(out);

	c.mask = KF_MASK_REDACT;
	out = mask(&c, &ctx, "secret", &null);
	assert_string_equal(out, "***");
	free(out);
	ctx.mask_text = "[가림]";
	out = mask(&c, &ctx, "secret", &null);
	assert_string_equal(out, "[가림]");
	free(out);

	c.mask = KF_MASK_NULL;
	out = mask(&c, &ctx, "secret", &null);
	assert_int_equal(null, 1);
	assert_string_equal(out, "");
	free(out);

	c.mask = KF_MASK_NONE;
	out = mask(&c, &ctx, "plain", &null);
	assert_int_equal(null, 0);
	assert_string_equal(out, "plain");
	free(out);
}

/* ---- filters ---- */

/* A filter of one term on column col, whose values are vs[0..n). */
static int pass1(kf_schema_t *s, int col, enum kf_filter_op op, kf_value_t *vs,
		 size_t n, const kf_value_t *row)
{
	kf_filter_term_t t = {.col = col, .op = op, .n = n, .values = vs};

	s->filter = &t;
	s->n_filter = 1;
	return kf_xform_filter(s, row);
}

static void test_filter_ops(void **state)
{
	kf_column_t cols[] = {kf_test_col("status", KF_T_TEXT),
			      kf_test_col("amount", KF_T_DECIMAL)};
	kf_schema_t s = kf_test_schema(cols, 2);
	kf_value_t row[2] = {kf_test_text("OK"), kf_test_dec(100)};
	kf_value_t test = kf_test_text("TEST"), ok = kf_test_text("OK"),
		   zero = kf_test_dec(0), hundred = kf_test_dec(100), in2[2];

	(void)state;
	assert_int_equal(pass1(&s, 0, KF_OP_EQ, &ok, 1, row), 1);
	assert_int_equal(pass1(&s, 0, KF_OP_EQ, &test, 1, row), 0);
	assert_int_equal(pass1(&s, 0, KF_OP_NE, &test, 1, row), 1);
	assert_int_equal(pass1(&s, 0, KF_OP_NE, &ok, 1, row), 0);
	assert_int_equal(pass1(&s, 1, KF_OP_GT, &zero, 1, row), 1);
	assert_int_equal(pass1(&s, 1, KF_OP_GT, &hundred, 1, row), 0);
	assert_int_equal(pass1(&s, 1, KF_OP_GE, &hundred, 1, row), 1);
	assert_int_equal(pass1(&s, 1, KF_OP_LT, &hundred, 1, row), 0);
	assert_int_equal(pass1(&s, 1, KF_OP_LE, &hundred, 1, row), 1);
	assert_int_equal(pass1(&s, 1, KF_OP_LT, &zero, 1, row), 0);
	in2[0] = kf_test_text("CANCEL");
	in2[1] = kf_test_text("OK");
	assert_int_equal(pass1(&s, 0, KF_OP_IN, in2, 2, row), 1);
	assert_int_equal(pass1(&s, 0, KF_OP_NOT_IN, in2, 2, row), 0);
	in2[1] = kf_test_text("TEST");
	assert_int_equal(pass1(&s, 0, KF_OP_IN, in2, 2, row), 0);
	assert_int_equal(pass1(&s, 0, KF_OP_NOT_IN, in2, 2, row), 1);
	assert_int_equal(pass1(&s, 0, KF_OP_IS_NULL, NULL, 0, row), 0);
	assert_int_equal(pass1(&s, 0, KF_OP_NOT_NULL, NULL, 0, row), 1);

	/* a NULL fails every comparison; only the null tests see it */
	row[0].null = 1;
	assert_int_equal(pass1(&s, 0, KF_OP_IS_NULL, NULL, 0, row), 1);
	assert_int_equal(pass1(&s, 0, KF_OP_NOT_NULL, NULL, 0, row), 0);
	assert_int_equal(pass1(&s, 0, KF_OP_NE, &test, 1, row), 0);
	assert_int_equal(pass1(&s, 0, KF_OP_EQ, &test, 1, row), 0);
	assert_int_equal(pass1(&s, 0, KF_OP_NOT_IN, in2, 2, row), 0);
}

/* `status != TEST and amount > 0` (docs/records.md 2.8); no filter
 * passes every row. */
static void test_filter_and(void **state)
{
	kf_column_t cols[] = {kf_test_col("status", KF_T_TEXT),
			      kf_test_col("amount", KF_T_DECIMAL)};
	kf_schema_t s = kf_test_schema(cols, 2);
	kf_value_t test = kf_test_text("TEST"), zero = kf_test_dec(0);
	kf_filter_term_t terms[] = {
		{.col = 0, .op = KF_OP_NE, .n = 1, .values = &test},
		{.col = 1, .op = KF_OP_GT, .n = 1, .values = &zero},
	};
	kf_value_t row[2] = {kf_test_text("OK"), kf_test_dec(1)};

	(void)state;
	assert_int_equal(kf_xform_filter(&s, row), 1);
	s.filter = terms;
	s.n_filter = 2;
	assert_int_equal(kf_xform_filter(&s, row), 1);
	row[1] = kf_test_dec(0);
	assert_int_equal(kf_xform_filter(&s, row), 0);
	row[1] = kf_test_dec(1);
	row[0] = kf_test_text("TEST");
	assert_int_equal(kf_xform_filter(&s, row), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_check),
		cmocka_unit_test(test_template_expand),
		cmocka_unit_test(test_masks_keep),
		cmocka_unit_test(test_masks_other),
		cmocka_unit_test(test_filter_ops),
		cmocka_unit_test(test_filter_and),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
