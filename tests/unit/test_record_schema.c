/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/record/schema.c: the three sample schemas of config/
 * load with the columns, types, layouts and key they describe; every
 * error of a bad schema names the file, the line and the key; overrides;
 * the filter's terms; the encodings kferry accepts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kf_test.h"

#include <locale.h>
#include <regex.h>

#include "common/err.h"
#include "record/schema.h"

static char errbuf[1024];

static kf_schema_t *load_sample(const char *name)
{
	char path[PATH_MAX];
	kf_schema_t *s = NULL;
	const char *src = getenv("KF_SOURCE_DIR");

	kf_test_fmt(path, sizeof(path), "%s/config/%s", src ? src : ".", name);
	EXPECT_OK(kf_schema_load(path, &s, errbuf, sizeof(errbuf)));
	assert_non_null(s);
	assert_true(s->prepared);
	return s;
}

static const kf_column_t *col(const kf_schema_t *s, const char *name)
{
	int i = kf_schema_col(s, name);

	if (i < 0)
		fail_msg("no column %s", name);
	return &s->cols[i];
}

/* The whole value matches the column's regex, under the schema's
 * locale (as the checks run it). */
static int matches(const kf_schema_t *s, const kf_column_t *c, const char *v)
{
	locale_t old = uselocale(s->regex_locale);
	int rc = regexec(c->regex_compiled, v, 0, NULL, 0);

	uselocale(old);
	return rc == 0;
}

static void test_sample_settlement(void **state)
{
	static const char *const names[] = {
		"settle_id", "merchant_no", "settle_date", "approved_at",
		"amount",    "fee",	    "currency",	   "card_no",
		"status",    "memo",	    "source_file",
	};
	kf_schema_t *s = load_sample("settlement.schema");
	const kf_column_t *c;
	size_t i;

	(void)state;
	assert_string_equal(s->name, "kferry.settlement");
	assert_int_equal(s->schema_version, 1);
	assert_int_equal(s->format, KF_FMT_CSV);
	assert_null(s->iconv_from);
	assert_int_equal(s->tz_minutes, 9 * 60);
	assert_int_equal(s->csv.delim, ',');
	assert_int_equal(s->csv.quote, '"');
	assert_int_equal(s->csv.escape, '"');
	assert_true(s->csv.header);
	assert_int_equal(s->ncols, 11);
	for (i = 0; i < s->ncols; i++)
		assert_string_equal(s->cols[i].name, names[i]);
	assert_int_equal(s->nkey, 1);
	assert_int_equal(s->key[0], 0);
	assert_int_equal(s->cols[0].key_pos, 0);
	assert_int_equal(s->cols[1].key_pos, -1);

	c = col(s, "amount");
	assert_int_equal(c->type, KF_T_DECIMAL);
	assert_int_equal(c->precision, 15);
	assert_int_equal(c->scale, 2);
	assert_int_equal(c->thousands, ',');
	assert_true(c->required);
	assert_false(c->min.null);
	assert_true(c->max.null);
	assert_false(col(s, "fee")->required);
	c = col(s, "settle_id");
	assert_int_equal(c->type, KF_T_INT64);
	assert_int_equal(c->min.u.i, 1);
	c = col(s, "approved_at");
	assert_int_equal(c->type, KF_T_TIMESTAMP);
	assert_string_equal(c->format, "%Y-%m-%d %H:%M:%S");
	c = col(s, "currency");
	assert_int_equal(c->letter_case, KF_CASE_UPPER);
	assert_int_equal(c->n_enum, 3);
	assert_string_equal(c->enum_vals[2], "JPY");
	c = col(s, "card_no");
	assert_int_equal(c->mask, KF_MASK_KEEP);
	assert_int_equal(c->mask_a, 0);
	assert_int_equal(c->mask_b, 4);
	assert_true(c->has_length);
	assert_int_equal(c->length_min, 16);
	assert_int_equal(c->length_max, 16);
	assert_true(matches(s, c, "9410123412345678"));
	assert_false(matches(s, c, "9410123412345678 "));
	assert_int_equal(col(s, "memo")->length_max, 200);
	assert_int_equal(col(s, "memo")->trim, KF_TRIM_NONE);
	assert_string_equal(col(s, "source_file")->value, "${file.name}");
	assert_true(s->masks);

	assert_int_equal(s->n_filter, 1);
	assert_int_equal(s->filter[0].col, kf_schema_col(s, "status"));
	assert_int_equal(s->filter[0].op, KF_OP_NE);
	assert_int_equal(s->filter[0].n, 1);
	assert_string_equal(s->filter[0].texts[0], "TEST");
	assert_int_equal(s->filter[0].values[0].u.s.len, 4);
	kf_schema_free(s);
}

static void test_sample_orders(void **state)
{
	kf_schema_t *s = load_sample("orders.schema");
	const kf_column_t *c;

	(void)state;
	assert_string_equal(s->name, "kferry.orders");
	assert_int_equal(s->schema_version, 2);
	assert_int_equal(s->format, KF_FMT_JSONL);
	assert_true(s->extra_ignore);
	assert_false(s->missing_null);
	assert_true(s->jsonl.numbers_as_strings);
	assert_int_equal(s->jsonl.max_line_bytes, 16 << 20);
	assert_int_equal(s->ncols, 8);
	assert_int_equal(s->nkey, 1);
	assert_string_equal(s->cols[s->key[0]].name, "order_id");
	c = col(s, "placed_at");
	assert_string_equal(c->source, "placed");
	assert_int_equal(c->type, KF_T_TIMESTAMP);
	c = col(s, "customer_rrn");
	assert_string_equal(c->source, "customer.rrn");
	assert_int_equal(c->mask, KF_MASK_KEEP);
	assert_int_equal(c->mask_a, 8);
	assert_string_equal(c->mask_keep, "-");
	assert_true(matches(s, c, "900101-1234567"));
	assert_false(matches(s, c, "900101-9234567"));
	assert_false(matches(s, c, "x900101-1234567"));
	c = col(s, "customer_name");
	assert_int_equal(c->length_min, 1);
	assert_int_equal(c->length_max, 50);
	assert_string_equal(col(s, "city")->source, "customer.address.city");
	assert_int_equal(col(s, "items")->type, KF_T_JSON);
	assert_int_equal(col(s, "paid")->type, KF_T_BOOLEAN);
	assert_int_equal(s->n_filter, 0);
	kf_schema_free(s);
}

static void test_sample_bank(void **state)
{
	kf_schema_t *s = load_sample("bank_cp949.schema");
	const kf_rectype_t *t;
	const kf_column_t *c;

	(void)state;
	assert_int_equal(s->format, KF_FMT_FIXED);
	assert_string_equal(s->encoding, "CP949");
	assert_string_equal(s->iconv_from, "CP949");
	assert_int_equal(s->fixed.record_bytes, 100);
	assert_int_equal(s->fixed.terminator, KF_TERM_CRLF);
	assert_true(s->fixed.has_disc);
	assert_int_equal(s->fixed.disc_offset, 0);
	assert_int_equal(s->fixed.disc_length, 1);
	assert_int_equal(s->n_rectypes, 3);
	assert_int_equal(s->emit_rectype, 1);
	t = &s->rectypes[0];
	assert_string_equal(t->name, "header");
	assert_int_equal(t->position, KF_POS_FIRST);
	assert_false(t->emit);
	assert_int_equal(t->match_len, 1);
	assert_memory_equal(t->match, "H", 1);
	t = &s->rectypes[2];
	assert_int_equal(t->position, KF_POS_LAST);
	assert_int_equal(t->check_count, kf_schema_col(s, "trailer_count"));
	assert_int_equal(t->n_sums, 1);
	assert_int_equal(t->sums[0].col, kf_schema_col(s, "trailer_sum"));
	assert_int_equal(t->sums[0].sum_of, kf_schema_col(s, "amount"));

	assert_int_equal(col(s, "bank_code")->rectype, 0);
	assert_false(col(s, "bank_code")->emit);
	assert_int_equal(col(s, "trailer_sum")->rectype, 2);
	c = col(s, "amount");
	assert_int_equal(c->rectype, 1);
	assert_int_equal(c->offset, 42);
	assert_int_equal(c->length_bytes, 15);
	assert_true(c->implied);
	assert_int_equal(c->sign, KF_SIGN_OVERPUNCH);
	assert_int_equal(c->trim, KF_TRIM_BOTH);
	assert_int_equal(col(s, "holder_name")->trim, KF_TRIM_RIGHT);
	assert_string_equal(col(s, "business_date")->value,
			    "${header.header_date}");
	assert_int_equal(col(s, "business_date")->rectype, 1);
	assert_int_equal(col(s, "holder_rrn")->mask_a, 7);
	assert_int_equal(s->nkey, 2);
	assert_string_equal(s->cols[s->key[0]].name, "business_date");
	assert_string_equal(s->cols[s->key[1]].name, "seq");
	assert_int_equal(col(s, "seq")->key_pos, 1);
	kf_schema_free(s);
}

/* Each bad schema fails with KF_EINVAL and a message that names the
 * file, the line and the key. */
static void test_errors(void **state)
{
#define HEAD "[schema]\nformat_version = 1\nformat = csv\n" /* lines 1-3 */
	static const struct {
		const char *text, *expect;
	} cases[] = {
		{"[schema]\nformat_version = 1\nformat = csvv\n",
		 "t.schema:3: schema.format: invalid value \"csvv\" (expected "
		 "csv, jsonl or fixed)"},
		{"[schema]\nformat_version = 2\n",
		 "t.schema:2: schema.format_version: format 2 is not known"},
		{"[schema]\nformat_version = 1\n[column.a]\ntype = text\n",
		 "t.schema: schema.format: missing"},
		{"[column.a]\ntype = text\n", "t.schema: no [schema] section"},
		{"a = 1\n", "t.schema:1: a: a key before the first section"},
		{HEAD "filtr = a = b\n",
		 "t.schema:4: schema.filtr: unknown key (did you mean "
		 "filter?)"},
		{HEAD "[colum.a]\n", "t.schema:4: [colum.a]: unknown section "
				     "(did you mean [column.a]?)"},
		{HEAD "[column.a]\ntype = integer\n",
		 "t.schema:5: column.a.type: invalid value \"integer\" "
		 "(expected boolean, int8"},
		{HEAD "[column.a]\ntype = decimal(40,2)\n",
		 "t.schema:5: column.a.type: invalid value \"decimal(40,2)\" "
		 "(decimal(p,s) takes 1 <= p <= 38 and 0 <= s <= p)"},
		{HEAD "[column.a]\ntype = text\nrequried = true\n",
		 "t.schema:6: column.a.requried: unknown key (did you mean "
		 "required?)"},
		{HEAD "[column.a]\nrequired = true\n",
		 "t.schema:4: column.a.type: missing"},
		{HEAD "[column.a]\ntype = text\nrequired = maybe\n",
		 "t.schema:6: column.a.required: invalid value \"maybe\" "
		 "(expected true or false)"},
		{HEAD "key = ide\n[column.id]\ntype = int64\nrequired = true\n",
		 "t.schema:4: schema.key: no column \"ide\" (did you mean "
		 "id?)"},
		{HEAD "key = id\n[column.id]\ntype = int64\n",
		 "t.schema:4: schema.key: column id must be required = true"},
		{HEAD "timezone = Asia/Seoul\n",
		 "t.schema:4: schema.timezone: time zone names "
		 "(\"Asia/Seoul\") "
		 "are not supported: give the fixed offset"},
		{HEAD "encoding = SHIFT_JIS\n",
		 "t.schema:4: schema.encoding: encoding \"SHIFT_JIS\" is "
		 "refused"},
		{HEAD "[csv]\ndelimiter = ;\n",
		 "t.schema:5: csv.delimiter: invalid value \"\" (expected one "
		 "byte"},
		{HEAD "[column.a]\ntype = text\nregex = [a-\n",
		 "t.schema:4: column.a.regex: "},
		{HEAD "[column.a]\ntype = text\nmask = keep_first:x\n",
		 "t.schema:6: column.a.mask: invalid value \"keep_first:x\""},
		{HEAD "[column.a]\ntype = text\nrequired = true\nmask = null\n",
		 "t.schema:4: column.a.mask: null makes the value NULL"},
		{HEAD "filter = a ~ 1\n[column.a]\ntype = text\n",
		 "t.schema:4: schema.filter: expected an operator (=, !=, <, "
		 "<=, >, >=, in, not in, is null, is not null) at \"~ 1\" "
		 "(byte 3)"},
		{HEAD "filter = b = 1\n[column.a]\ntype = text\n",
		 "t.schema:4: schema.filter: no column \"b\""},
		{HEAD "filter = a in (x, 'y\n[column.a]\ntype = text\n",
		 "t.schema:4: schema.filter: expected a closing quote (')"},
		{HEAD "filter = a = x or a = y\n[column.a]\ntype = text\n",
		 "t.schema:4: schema.filter: expected and (or the end) at "
		 "\"or a = y\""},
		{HEAD "name = kferry.x.Envelope\n[column.a]\ntype = text\n",
		 "t.schema: schema.name: kferry.x.Envelope ends in .Envelope"},
		{HEAD "[column.a]\ntype = text\n[column.a]\n",
		 "t.schema:6: column.a: a second [column.a] (the first is on "
		 "line 4)"},
		{HEAD "[column.9a]\n",
		 "t.schema:4: column.9a: invalid column name"},
		{HEAD "[column.a]\ntype = text\nlength = 5..2\n",
		 "t.schema:6: column.a.length: invalid value \"5..2\""},
		{HEAD "[column.a]\ntype = json\n",
		 "t.schema:4: column.a.type: json is for jsonl files"},
		{HEAD "[column.a]\ntype = text\nrecord = h\n",
		 "t.schema:6: column.a.record: no [record.h] section"},
		{HEAD "[column.a]\ntype = text\nmin = 1\n",
		 "t.schema:4: column.a.min: bounds are for numbers"},
		{HEAD "[column.a]\ntype = int32\nmin = x\n",
		 "t.schema:4: column.a.min: \"x\" is not a value of the "
		 "column's type"},
		{HEAD "[column.a]\ntype = text\nvalue = x${file.nam}\n",
		 "t.schema:4: column a: value names ${file.nam}, which is not "
		 "known"},
		{HEAD "[column.a]\ntype = text\nvalue = ${header.b}\n",
		 "t.schema:4: column a: value names ${header.b}, which is not "
		 "known"},
		{HEAD "[column.a]\ntype = int32\nmin = 5\nmax = 4\n",
		 "t.schema:4: column.a.max: 4 is below min (5)"},
		{HEAD "[column.a]\ntype = int32\nenum = 1,2\n",
		 "t.schema:4: column.a.enum: for text columns only"},
		{HEAD "[column.a]\ntype = text\noffset = 3\n",
		 "t.schema:4: column.a.offset: for fixed-width files only"},
		{HEAD "[column.a]\ntype = boolean\nformat = YN\n",
		 "t.schema:4: column.a.format: a boolean's format is "
		 "TRUE/FALSE"},
		{HEAD "[csv]\n[csv]\n",
		 "t.schema:5: [csv]: a second [csv] section"},
		{"[schema]\nformat_version = 1\nformat = fixed\n[fixed]\n"
		 "record_bytes = 10\n[column.a]\ntype = text\n",
		 "t.schema:6: column.a.length_bytes: missing"},
		{"[schema]\nformat_version = 1\nformat = fixed\n[fixed]\n"
		 "record_bytes = 10\n[column.a]\ntype = text\noffset = 8\n"
		 "length_bytes = 3\n",
		 "t.schema:6: column.a.length_bytes: the field ends at byte "
		 "11, "
		 "past record_bytes (10)"},
		{"[schema]\nformat_version = 1\nformat = fixed\n[fixed]\n"
		 "record_bytes = 10\ndiscriminator = 0:1\n"
		 "[record.x]\nmatch = X\n[record.y]\nmatch = Y\n"
		 "[column.a]\ntype = text\nlength_bytes = 1\n",
		 "t.schema:9: record.y.emit: record.x emits too"},
		{"[schema]\nformat_version = 1\nformat = fixed\n[fixed]\n"
		 "record_bytes = 10\ndiscriminator = 0:1\n"
		 "[record.d]\nmatch = D\n[record.t]\nmatch = T\n"
		 "position = last\ncheck.count = cnt\n",
		 "t.schema:12: record.t.check.count: no column \"cnt\""},
		{"[schema]\nformat_version = 1\nformat = fixed\n[fixed]\n"
		 "record_bytes = 10\ndiscriminator = 0:2\n[record.d]\n"
		 "match = D\n[column.a]\ntype = text\nlength_bytes = 1\n",
		 "t.schema:7: record.d.match: not as long as the "
		 "discriminator"},
		{"[schema]\nformat_version = 1\nformat = fixed\n[fixed]\n"
		 "record_bytes = 10\n[record.d]\nchek.count = x\n",
		 "t.schema:7: record.d.chek.count: unknown key (did you mean "
		 "check.count?)"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kf_schema_t *s = (kf_schema_t *)1;

		errbuf[0] = '\0';
		if (kf_schema_parse(cases[i].text, strlen(cases[i].text),
				    "t.schema", &s, errbuf,
				    sizeof(errbuf)) != KF_EINVAL ||
		    strncmp(errbuf, cases[i].expect, strlen(cases[i].expect)))
			fail_msg("case %zu: got \"%s\", want \"%s...\"", i,
				 errbuf, cases[i].expect);
		assert_null(s);
	}
#undef HEAD
}

static kf_schema_t *parse_ok(const char *text)
{
	kf_schema_t *s = NULL;

	EXPECT_OK(kf_schema_parse(text, strlen(text), "dir/my_data.schema", &s,
				  errbuf, sizeof(errbuf)));
	return s;
}

static void test_defaults_and_overrides(void **state)
{
	kf_schema_t *s = parse_ok("[schema]\nformat_version = 1\nformat = csv\n"
				  "[column.a]\ntype = text\nrequired = yes\n"
				  "[column.b]\ntype = decimal( 5 , 0 )\n"
				  "[column.c]\ntype = boolean\n"
				  "format = Y/N\n");

	(void)state;
	assert_string_equal(s->name, "my_data");
	assert_string_equal(s->encoding, "UTF-8");
	assert_int_equal(s->csv.delim, ',');
	assert_int_equal(s->csv.max_field_bytes, 16 << 20);
	assert_int_equal(s->nkey, 0);
	assert_int_equal(s->cols[1].precision, 5);
	assert_int_equal(s->cols[1].scale, 0);
	assert_string_equal(s->cols[2].bool_true, "Y");
	assert_string_equal(s->cols[2].bool_false, "N");
	assert_false(s->masks);
	assert_null(s->regex_locale);

	EXPECT_OK(kf_schema_set_key(s, " a ", errbuf, sizeof(errbuf)));
	EXPECT_OK(kf_schema_set_delimiter(s, "tab", errbuf, sizeof(errbuf)));
	EXPECT_OK(kf_schema_set_encoding(s, "euc-kr", errbuf, sizeof(errbuf)));
	assert_false(s->prepared);
	EXPECT_OK(kf_schema_prepare(s, errbuf, sizeof(errbuf)));
	assert_int_equal(s->nkey, 1);
	assert_int_equal(s->cols[0].key_pos, 0);
	assert_int_equal(s->csv.delim, '\t');
	assert_string_equal(s->iconv_from, "CP949");
	assert_string_equal(s->encoding, "euc-kr");

	EXPECT_ERR(kf_schema_set_key(s, "a,a", errbuf, sizeof(errbuf)),
		   KF_EINVAL, "--key a,a: column a named twice");
	/* a refused key leaves the key as it was */
	assert_int_equal(s->nkey, 1);
	assert_int_equal(s->cols[0].key_pos, 0);
	EXPECT_ERR(kf_schema_set_key(s, "a,bb", errbuf, sizeof(errbuf)),
		   KF_EINVAL, "--key a,bb: no column \"bb\" (did you mean b?)");
	EXPECT_OK(kf_schema_set_key(s, "b", errbuf, sizeof(errbuf)));
	EXPECT_ERR(kf_schema_prepare(s, errbuf, sizeof(errbuf)), KF_EINVAL,
		   "--key: column b must be required = true "
		   "(dir/my_data.schema:7)");
	EXPECT_OK(kf_schema_set_key(s, "", errbuf, sizeof(errbuf)));
	assert_int_equal(s->nkey, 0);
	assert_int_equal(s->cols[1].key_pos, -1);
	EXPECT_ERR(kf_schema_set_delimiter(s, "ab", errbuf, sizeof(errbuf)),
		   KF_EINVAL, "--delimiter ab: invalid value \"ab\"");
	EXPECT_ERR(kf_schema_set_encoding(s, "UTF-16", errbuf, sizeof(errbuf)),
		   KF_EINVAL,
		   "--encoding UTF-16: encoding \"UTF-16\" is refused");
	EXPECT_ERR(kf_schema_set_format(s, "xml", errbuf, sizeof(errbuf)),
		   KF_EINVAL, "--format xml: expected csv, jsonl or fixed");
	/* a csv schema read as fixed-width lacks a layout */
	EXPECT_OK(kf_schema_set_format(s, "fixed", errbuf, sizeof(errbuf)));
	EXPECT_ERR(kf_schema_prepare(s, errbuf, sizeof(errbuf)), KF_EINVAL,
		   "dir/my_data.schema: fixed.record_bytes: missing");
	EXPECT_OK(kf_schema_set_format(s, "jsonl", errbuf, sizeof(errbuf)));
	EXPECT_OK(kf_schema_prepare(s, errbuf, sizeof(errbuf)));
	kf_schema_free(s);
	kf_schema_free(NULL);
}

static void test_filter_terms(void **state)
{
	kf_schema_t *s = parse_ok(
		"[schema]\nformat_version = 1\nformat = jsonl\n"
		"filter = a != TEST AND b in ('late, resent', x,'it''s') "
		"and c is not null and a not in (Q) and b IS NULL and c>=5\n"
		"[column.a]\ntype = text\n[column.b]\ntype = text\n"
		"[column.c]\ntype = int32\n");
	const kf_filter_term_t *t = s->filter;

	(void)state;
	assert_int_equal(s->n_filter, 6);
	assert_int_equal(t[0].op, KF_OP_NE);
	assert_string_equal(t[0].texts[0], "TEST");
	assert_int_equal(t[1].op, KF_OP_IN);
	assert_int_equal(t[1].col, 1);
	assert_int_equal(t[1].n, 3);
	assert_string_equal(t[1].texts[0], "late, resent");
	assert_string_equal(t[1].texts[1], "x");
	assert_string_equal(t[1].texts[2], "it's");
	assert_int_equal(t[2].op, KF_OP_NOT_NULL);
	assert_int_equal(t[2].n, 0);
	assert_int_equal(t[3].op, KF_OP_NOT_IN);
	assert_string_equal(t[3].texts[0], "Q");
	assert_int_equal(t[4].op, KF_OP_IS_NULL);
	assert_int_equal(t[5].op, KF_OP_GE);
	assert_int_equal(t[5].col, 2);
	assert_int_equal(t[5].values[0].u.i, 5);
	kf_schema_free(s);
}

/* Bounds and filter values are written canonically, whatever the
 * column's input conventions (docs/records.md 2.4, 2.8). */
static void test_canonical_literals(void **state)
{
	static const char compact[] = "[schema]\nformat_version = 1\n"
				      "format = csv\n[column.d]\ntype = date\n"
				      "format = %Y%m%d\nmin = 20260101\n";
	kf_schema_t *s = parse_ok(
		"[schema]\nformat_version = 1\nformat = fixed\n"
		"filter = d >= 2026-12-01 and ok = true and amt in (1.5, 2)\n"
		"[fixed]\nrecord_bytes = 30\n"
		"[column.d]\ntype = date\nformat = %Y%m%d\nlength_bytes = 8\n"
		"min = 2026-01-01\nmax = 2026-12-31\n"
		"[column.ok]\ntype = boolean\nformat = Y/N\noffset = 8\n"
		"length_bytes = 1\n"
		"[column.amt]\ntype = decimal(9,2)\noffset = 9\n"
		"length_bytes = 9\nimplied = true\nsign = overpunch\n"
		"thousands = \",\"\nmin = -100.5\n");
	const kf_filter_term_t *t = s->filter;

	(void)state;
	assert_int_equal(s->cols[0].min.u.i, kf_days_from_civil(2026, 1, 1));
	assert_int_equal(s->cols[0].max.u.i, kf_days_from_civil(2026, 12, 31));
	assert_true(s->cols[2].min.u.dec == -10050);
	assert_int_equal(t[0].values[0].u.i, kf_days_from_civil(2026, 12, 1));
	assert_int_equal(t[1].values[0].u.b, 1);
	assert_true(t[2].values[0].u.dec == 150);
	assert_true(t[2].values[1].u.dec == 200);
	kf_schema_free(s);

	/* the file's conventions are not the schema's */
	EXPECT_ERR(kf_schema_parse(compact, sizeof(compact) - 1, "t.schema", &s,
				   errbuf, sizeof(errbuf)),
		   KF_EINVAL,
		   "t.schema:4: column.d.min: \"20260101\" is not a "
		   "value of the column's type");
}

static void test_fixed_single_type(void **state)
{
	kf_schema_t *s = parse_ok(
		"[schema]\nformat_version = 1\nformat = fixed\n"
		"[fixed]\nrecord_bytes = 20\nterminator = none\n"
		"[column.name]\ntype = text\nlength_bytes = 10\n"
		"[column.n]\ntype = int32\noffset = 10\nlength_bytes = 10\n"
		"sign = leading\ntrim = none\n");

	(void)state;
	/* no [record.*]: one implicit type, every record a row */
	assert_int_equal(s->n_rectypes, 1);
	assert_int_equal(s->emit_rectype, 0);
	assert_true(s->rectypes[0].emit);
	assert_int_equal(s->cols[0].rectype, 0);
	assert_int_equal(s->cols[0].trim, KF_TRIM_BOTH);
	assert_int_equal(s->cols[1].trim, KF_TRIM_NONE);
	assert_int_equal(s->fixed.terminator, KF_TERM_NONE);
	/* preparing again changes nothing */
	EXPECT_OK(kf_schema_prepare(s, errbuf, sizeof(errbuf)));
	assert_int_equal(s->n_rectypes, 1);
	kf_schema_free(s);
}

static void test_regex_characters(void **state)
{
	static const char range[] = "[schema]\nformat_version = 1\n"
				    "format = csv\n[column.a]\ntype = text\n"
				    "regex = [가-힣]+\n";
	kf_schema_t *s = (kf_schema_t *)1;

	/* glibc's C.UTF-8 refuses ranges of non-ASCII characters */
	EXPECT_ERR(kf_schema_parse(range, sizeof(range) - 1, "t.schema", &s,
				   errbuf, sizeof(errbuf)),
		   KF_EINVAL, "t.schema:4: column.a.regex: ");
	s = parse_ok("[schema]\nformat_version = 1\nformat = csv\n"
		     "[column.name]\ntype = text\n"
		     "regex = \"[홍길동김]{2,4}\"\n"
		     "[column.b]\ntype = text\nregex = .{3}\n");

	(void)state;
	/* under C.UTF-8 a Hangul syllable is one character */
	assert_true(matches(s, &s->cols[0], "홍길동"));
	assert_true(matches(s, &s->cols[0], "김길동"));
	assert_false(matches(s, &s->cols[0], "홍"));
	assert_false(matches(s, &s->cols[0], "Hong"));
	assert_true(matches(s, &s->cols[1], "홍길동"));
	assert_false(matches(s, &s->cols[1], "홍길"));
	kf_schema_free(s);
}

static void test_names(void **state)
{
	static const char *const korean[] = {"EUC-KR", "euc-kr", "CP949",
					     "UHC",    "MS949",	 "MSCP949"};
	static const char *const kept[] = {"ISO-8859-1", "windows-1252",
					   "LATIN1", "ASCII"};
	static const char *const refused[] = {"UTF-16",	 "SHIFT_JIS", "BIG5",
					      "GB18030", "ISO-8859-", "x"};
	size_t i;

	(void)state;
	assert_string_equal(kf_schema_type_name(KF_T_TIMESTAMP), "timestamp");
	assert_string_equal(kf_schema_type_name(KF_T_DECIMAL), "decimal(p,s)");
	assert_null(kf_schema_iconv_name("UTF-8"));
	assert_null(kf_schema_iconv_name("utf8"));
	assert_null(kf_schema_iconv_name(NULL));
	for (i = 0; i < sizeof(korean) / sizeof(korean[0]); i++)
		assert_string_equal(kf_schema_iconv_name(korean[i]), "CP949");
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		assert_string_equal(kf_schema_iconv_name(kept[i]), kept[i]);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		assert_string_equal(kf_schema_iconv_name(refused[i]), "");
}

static void test_load_file_errors(void **state)
{
	kf_schema_t *s = (kf_schema_t *)1;

	(void)state;
	EXPECT_ERR(kf_schema_load("/nonexistent/x.schema", &s, errbuf,
				  sizeof(errbuf)),
		   KF_EIO, "/nonexistent/x.schema: cannot open: ");
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_settlement),
		cmocka_unit_test(test_sample_orders),
		cmocka_unit_test(test_sample_bank),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_defaults_and_overrides),
		cmocka_unit_test(test_filter_terms),
		cmocka_unit_test(test_canonical_literals),
		cmocka_unit_test(test_fixed_single_type),
		cmocka_unit_test(test_regex_characters),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_load_file_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
