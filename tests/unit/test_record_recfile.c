/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/record/recfile.c: the whole record path of one file,
 * with the sample schemas of config/ (KF_SOURCE_DIR). The settlement CSV's
 * first row must be the key and value of docs/records.md 1.6 byte for
 * byte; the CP949 fixed-width file's trailer totals must be checked (and
 * a lying trailer fail the file); JSON lines reach into nested members and
 * mask. Every case is also fed byte by byte: the result must not change.
 * A resumed load's records below its checkpoint are counted and checked
 * but not given out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kferry/kferry.h"
#include "record/recfile.h"

/* What the callbacks saw, as text. */
struct out {
	char *s;
	size_t len, cap;
};

static void out_add(struct out *o, const void *p, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2;
		o->s = realloc(o->s, o->cap);
		assert_non_null(o->s);
	}
	memcpy(o->s + o->len, p, n);
	o->len += n;
	o->s[o->len] = '\0';
}

static int on_row(const kf_recfile_row_t *r, void *opaque)
{
	struct out *o = opaque;
	char pos[64];

	snprintf(pos, sizeof(pos), "ROW %llu@%llu ",
		 (unsigned long long)r->line, (unsigned long long)r->offset);
	out_add(o, pos, strlen(pos));
	if (r->key)
		out_add(o, r->key, r->key_len);
	else
		out_add(o, "null", 4);
	out_add(o, "\n", 1);
	out_add(o, r->value, r->value_len);
	out_add(o, "\n", 1);
	return 0;
}

static int on_reject(const kf_recfile_reject_t *r, void *opaque)
{
	struct out *o = opaque;
	char line[512];

	snprintf(line, sizeof(line), "REJECT %llu %s %s%s: %s\n",
		 (unsigned long long)r->line, r->code,
		 r->field ? r->field : "-", r->withheld ? " withheld" : "",
		 r->reason);
	out_add(o, line, strlen(line));
	return 0;
}

static kf_schema_t *load_schema(const char *name)
{
	const char *dir = getenv("KF_SOURCE_DIR");
	char path[4096], err[512];
	kf_schema_t *s = NULL;

	if (!dir)
		dir = ".";
	snprintf(path, sizeof(path), "%s/config/%s", dir, name);
	if (kf_schema_load(path, &s, err, sizeof(err)))
		fail_msg("%s", err);
	return s;
}

/* kf_recfile_opts_t.skip_below of the next run()s */
static uint64_t run_skip;

/* Reads buf as one file (whole, then byte by byte with the rows rendered
 * into a buffer of the caller's, kf_recfile_opts_t.out: both must
 * agree); returns finish's code, the trace in *o and the error in err. */
static int run(const kf_schema_t *s, const char *buf, size_t len, struct out *o,
	       kf_recfile_counts_t *n, char *err, size_t errlen)
{
	kf_recfile_opts_t opts;
	struct out again = {0};
	kf_strbuf_t rendered, *into = &rendered;
	kf_recfile_t *f;
	char e[512];
	int rc, rc2 = 0;
	size_t i;

	memset(&opts, 0, sizeof(opts));
	opts.schema = s;
	opts.ctx.file_name = "settle_20261202.csv";
	opts.ctx.file_path = "in/settle_20261202.csv";
	opts.ctx.hash_hex = "00112233445566778899aabbccddeeff";
	opts.ctx.load_id = "5f0c2a9e7b1d4c3a8e6f0b2d4a6c8e90";
	opts.skip_below = run_skip;
	memset(o, 0, sizeof(*o));
	f = kf_recfile_new(&opts, on_row, on_reject, o, e, sizeof(e));
	if (!f)
		fail_msg("%s", e);
	rc = kf_recfile_feed(f, buf, len);
	if (!rc)
		rc = kf_recfile_finish(f);
	snprintf(err, errlen, "%s",
		 kf_recfile_error(f) ? kf_recfile_error(f) : "");
	kf_recfile_counts(f, n);
	kf_recfile_destroy(f);

	kf_strbuf_heap(&rendered, 16); /* small: it grows under the rows */
	opts.out = &into;
	f = kf_recfile_new(&opts, on_row, on_reject, &again, e, sizeof(e));
	assert_non_null(f);
	for (i = 0; i < len && !rc2; i++)
		rc2 = kf_recfile_feed(f, buf + i, 1);
	if (!rc2)
		rc2 = kf_recfile_finish(f);
	kf_recfile_destroy(f);
	assert_int_equal(rc, rc2);
	assert_string_equal(o->s ? o->s : "", again.s ? again.s : "");
	/* every emitted row's bytes are in the caller's buffer (none of a
	 * skipped one's) */
	assert_true(o->s && strstr(o->s, "ROW ") ? rendered.len > 0
						 : rendered.len == 0);
	free(rendered.p);
	free(again.s);
	assert_int_equal(n->read, n->emitted + n->rejected + n->filtered);
	return rc;
}

static const char settle_csv[] =
	"settle_id,merchant_no,settle_date,approved_at,amount,fee,currency,"
	"card_no,status,memo\n"
	"1001,M000123,2026-12-02,2026-12-02 09:30:15,12345.67,123.46,KRW,"
	"9410123412345678,OK,\n"
	"1002,M000124,2026-12-02,2026-12-02 09:31:02,\"1,200.00\",12.00,krw,"
	"9410987698765432,OK,\"late, resent\"\r\n"
	"1003,M000125,2026-12-02,2026-12-02 09:32:00,1.00,,KRW,"
	"9410987698765432,TEST,\n"
	"1004,X000126,2026-12-02,2026-12-02 09:33:00,1.00,,KRW,"
	"9410987698765432,OK,\n"
	"1005,M000127,2026-12-02,2026-12-02 09:34:00,1.00,,KRW,"
	"9410987698765432,OK\n";

/* docs/records.md 1.6, byte for byte */
static const char settle_key[] =
	"{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\","
	"\"optional\":false,\"field\":\"settle_id\"}],\"optional\":false,"
	"\"name\":\"kferry.settlement.Key\",\"version\":1},\"payload\":{"
	"\"settle_id\":1001}}";

static const char settle_value[] =
	"{\"schema\":{\"type\":\"struct\",\"fields\":["
	"{\"type\":\"int64\",\"optional\":false,\"field\":\"settle_id\"},"
	"{\"type\":\"string\",\"optional\":false,\"field\":\"merchant_no\"},"
	"{\"type\":\"int32\",\"optional\":false,\"name\":\"org.apache.kafka."
	"connect.data.Date\",\"version\":1,\"field\":\"settle_date\"},"
	"{\"type\":\"int64\",\"optional\":false,\"name\":\"org.apache.kafka."
	"connect.data.Timestamp\",\"version\":1,\"field\":\"approved_at\"},"
	"{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka."
	"connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\","
	"\"connect.decimal.precision\":\"15\"},\"field\":\"amount\"},"
	"{\"type\":\"bytes\",\"optional\":true,\"name\":\"org.apache.kafka."
	"connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\","
	"\"connect.decimal.precision\":\"15\"},\"field\":\"fee\"},"
	"{\"type\":\"string\",\"optional\":false,\"field\":\"currency\"},"
	"{\"type\":\"string\",\"optional\":false,\"field\":\"card_no\"},"
	"{\"type\":\"string\",\"optional\":false,\"field\":\"status\"},"
	"{\"type\":\"string\",\"optional\":true,\"field\":\"memo\"},"
	"{\"type\":\"string\",\"optional\":true,\"field\":\"source_file\"}],"
	"\"optional\":false,\"name\":\"kferry.settlement\",\"version\":1},"
	"\"payload\":{\"settle_id\":1001,\"merchant_no\":\"M000123\","
	"\"settle_date\":20789,\"approved_at\":1796171415000,\"amount\":"
	"\"EtaH\",\"fee\":\"MDo=\",\"currency\":\"KRW\",\"card_no\":"
	"\"************5678\",\"status\":\"OK\",\"memo\":null,"
	"\"source_file\":\"settle_20261202.csv\"}}";

static void test_settlement_csv(void **state)
{
	kf_schema_t *s = load_schema("settlement.schema");
	kf_recfile_counts_t n;
	char err[512], *row2;
	struct out o;

	(void)state;
	assert_int_equal(run(s, settle_csv, sizeof(settle_csv) - 1, &o, &n, err,
			     sizeof(err)),
			 0);
	/* row 1: the key and value of docs/records.md 1.6 */
	assert_true(!strncmp(o.s, "ROW 2@", 6));
	assert_non_null(strstr(o.s, settle_key));
	assert_non_null(strstr(o.s, settle_value));
	/* row 2: thousands, a quoted delimiter, case = upper, CRLF */
	row2 = strstr(o.s, "\"settle_id\":1002");
	assert_non_null(row2);
	assert_non_null(strstr(row2, "\"currency\":\"KRW\""));
	assert_non_null(strstr(row2, "\"memo\":\"late, resent\""));
	assert_non_null(strstr(row2, "\"amount\":\"AdTA\"")); /* 120000 */
	/* 1003 is TEST: filtered; 1004 fails the regex; 1005 lacks a field */
	assert_null(strstr(o.s, "\"settle_id\":1003"));
	assert_non_null(strstr(o.s, "REJECT 5 regex merchant_no withheld"));
	assert_non_null(strstr(o.s, "REJECT 6 missing_columns - withheld"));
	assert_int_equal(n.read, 5);
	assert_int_equal(n.emitted, 2);
	assert_int_equal(n.filtered, 1);
	assert_int_equal(n.rejected, 2);
	free(o.s);
	kf_schema_free(s);
}

static void test_csv_header_missing_column(void **state)
{
	static const char csv[] = "settle_id,merchant_no\n1,M000001\n";
	kf_schema_t *s = load_schema("settlement.schema");
	kf_recfile_counts_t n;
	char err[512];
	struct out o;

	(void)state;
	assert_int_equal(run(s, csv, sizeof(csv) - 1, &o, &n, err, sizeof(err)),
			 KF_EINVAL);
	assert_non_null(strstr(err, "no column settle_date"));
	assert_null(o.s);
	free(o.s);
	kf_schema_free(s);
}

/* A 100-byte record of the bank layout: the fields placed at their
 * offsets, the rest spaces, then CRLF. */
static void bank_record(struct out *f, const char *const *parts,
			const size_t *offsets, size_t n)
{
	char rec[102];
	size_t i;

	memset(rec, ' ', 100);
	for (i = 0; i < n; i++)
		memcpy(rec + offsets[i], parts[i], strlen(parts[i]));
	rec[100] = '\r';
	rec[101] = '\n';
	out_add(f, rec, sizeof(rec));
}

/* Name bytes in CP949: 똠 (8C 63, CP949 only) 홍 (C8 AB) 길 (B1 E6). */
#define NAME_CP949 "\x8c\x63\xc8\xab\xb1\xe6"

static void bank_file(struct out *f, const char *count, const char *sum,
		      int trailer, const char *name2)
{
	static const size_t h_off[] = {0, 1, 4};
	static const size_t d_off[] = {0, 1, 8, 22, 42, 57, 70};
	static const size_t t_off[] = {0, 1, 8};
	const char *h[] = {"H", "004", "20261202"};
	const char *d1[] = {"D",	"0000001",	   "12345678901234",
			    NAME_CP949, "00000000123456G", "9001011234567",
			    "01"};
	const char *d2[] = {"D",   "0000002",	      "12345678901235",
			    name2, "00000000000010}", "",
			    "02"};
	const char *t[] = {"T", count, sum};

	memset(f, 0, sizeof(*f));
	bank_record(f, h, h_off, 3);
	bank_record(f, d1, d_off, 7);
	bank_record(f, d2, d_off, 7);
	if (trailer)
		bank_record(f, t, t_off, 3);
}

static void test_bank_fixed(void **state)
{
	kf_schema_t *s = load_schema("bank_cp949.schema");
	kf_recfile_counts_t n;
	struct out file, o;
	char err[512];

	(void)state;
	/* 12345.67 + (-1.00) = 12344.67 */
	bank_file(&file, "0000002", "0000000000123446G", 1, "\xc8\xab");
	assert_int_equal(run(s, file.s, file.len, &o, &n, err, sizeof(err)), 0);
	assert_int_equal(n.emitted, 2);
	assert_non_null(strstr(o.s, "\"holder_name\":\"똠홍길\""));
	assert_non_null(strstr(o.s, "\"holder_rrn\":\"9001011******\""));
	assert_non_null(strstr(o.s, "\"business_date\":20789"));
	assert_non_null(strstr(o.s, "\"amount\":\"EtaH\""));
	assert_non_null(strstr(o.s, "\"amount\":\"nA==\"")); /* -1.00 */
	assert_non_null(strstr(o.s, "\"holder_rrn\":null"));
	free(o.s);
	free(file.s);
	kf_schema_free(s);
}

static void test_bank_trailer_lies(void **state)
{
	kf_schema_t *s = load_schema("bank_cp949.schema");
	kf_recfile_counts_t n;
	struct out file, o;
	char err[512];

	(void)state;
	bank_file(&file, "0000003", "0000000000123446G", 1, "\xc8\xab");
	assert_int_equal(run(s, file.s, file.len, &o, &n, err, sizeof(err)),
			 KF_EINVAL);
	assert_non_null(strstr(err, "control total"));
	assert_non_null(strstr(err, "3 records, 2 were read"));
	free(o.s);
	free(file.s);

	bank_file(&file, "0000002", "0000000000123447G", 1, "\xc8\xab");
	assert_int_equal(run(s, file.s, file.len, &o, &n, err, sizeof(err)),
			 KF_EINVAL);
	assert_non_null(strstr(err, "sum of amount is 12344.77"));
	free(o.s);
	free(file.s);

	bank_file(&file, "", "", 0, "\xc8\xab");
	assert_int_equal(run(s, file.s, file.len, &o, &n, err, sizeof(err)),
			 KF_EINVAL);
	assert_non_null(strstr(err, "no trailer record"));
	free(o.s);
	free(file.s);
	kf_schema_free(s);
}

/* skip_below (docs/records.md 3.4): the records below it are read,
 * checked and counted as before, and only the others are given out; the
 * trailer's control totals still cover every record. */
static void test_skip_below(void **state)
{
	kf_schema_t *s = load_schema("settlement.schema");
	kf_recfile_counts_t n0, n1;
	struct out o0, o1, file;
	char err[512];
	uint64_t k;

	(void)state;
	assert_int_equal(run(s, settle_csv, strlen(settle_csv), &o0, &n0, err,
			     sizeof(err)),
			 0);
	assert_non_null(strstr(o0.s, "ROW 2@"));
	for (k = 1; k <= 6; k++) {
		run_skip = k;
		assert_int_equal(run(s, settle_csv, strlen(settle_csv), &o1,
				     &n1, err, sizeof(err)),
				 0);
		assert_memory_equal(&n0, &n1, sizeof(n0));
		/* what is given out is the tail of a full run's */
		assert_true(o0.len >= o1.len);
		assert_string_equal(o0.s + o0.len - o1.len, o1.s ? o1.s : "");
		if (k > 1)
			assert_null(o1.s ? strstr(o1.s, "ROW 2@") : NULL);
		free(o1.s);
	}
	run_skip = 0;
	free(o0.s);
	kf_schema_free(s);

	/* a fixed file's trailer: both data records skipped (numbers 2 and
	 * 3: the header record is number 1), still summed */
	s = load_schema("bank_cp949.schema");
	bank_file(&file, "0000002", "0000000000123446G", 1, "\xc8\xab");
	run_skip = 4;
	assert_int_equal(run(s, file.s, file.len, &o1, &n1, err, sizeof(err)),
			 0);
	assert_int_equal(n1.emitted, 2);
	assert_null(o1.s);
	free(file.s);
	bank_file(&file, "0000002", "0000000000123447G", 1, "\xc8\xab");
	assert_int_equal(run(s, file.s, file.len, &o1, &n1, err, sizeof(err)),
			 KF_EINVAL);
	assert_non_null(strstr(err, "sum of amount is 12344.77"));
	run_skip = 0;
	free(o1.s);
	free(file.s);
	kf_schema_free(s);
}

/* A name whose 20 bytes end in the lead byte of a Hangul syllable: the
 * field cannot decode and the row is rejected; its amount still parses,
 * so the sum is checked and the file stands. */
static void test_bank_split_character(void **state)
{
	char name[21];
	kf_schema_t *s = load_schema("bank_cp949.schema");
	kf_recfile_counts_t n;
	struct out file, o;
	char err[512];

	(void)state;
	memset(name, 'A', 19);
	name[19] = '\xc8';
	name[20] = '\0';
	bank_file(&file, "0000002", "0000000000123446G", 1, name);
	assert_int_equal(run(s, file.s, file.len, &o, &n, err, sizeof(err)), 0);
	assert_non_null(strstr(o.s, "REJECT 3 encoding holder_name"));
	assert_int_equal(n.rejected, 1);
	assert_int_equal(n.emitted, 1);
	free(o.s);
	free(file.s);
	kf_schema_free(s);
}

static void test_orders_jsonl(void **state)
{
	static const char jl[] =
		"{\"order_id\":\"A-1\",\"placed\":\"2026-12-02T09:30:15.250+09:"
		"00\","
		"\"total\":\"12345.67\",\"paid\":true,\"customer\":{\"name\":"
		"\"홍길동\",\"rrn\":\"900101-1234567\",\"address\":{\"city\":"
		"\"서울\"}},\"items\":[{\"sku\":\"X1\",\"qty\":2}],\"extra\":1}"
		"\n"
		"\n"
		"{\"order_id\":\"A-2\",\"placed\":\"2026-12-02T00:00:00Z\","
		"\"total\":1.5,\"paid\":false,\"customer\":{\"name\":\"Kim\"}}"
		"\r\n"
		"[1,2]\n"
		"{\"order_id\":\"A-3\",\"placed\":\"2026-12-02T00:00:00Z\","
		"\"total\":-1,\"paid\":false,\"customer\":{\"name\":\"Lee\"}}";
	kf_schema_t *s = load_schema("orders.schema");
	kf_recfile_counts_t n;
	struct out o;
	char err[512];

	(void)state;
	assert_int_equal(run(s, jl, sizeof(jl) - 1, &o, &n, err, sizeof(err)),
			 0);
	assert_non_null(strstr(o.s, "\"customer_rrn\":\"900101-1******\""));
	assert_non_null(strstr(o.s, "\"customer_name\":\"홍길동\""));
	assert_non_null(strstr(o.s, "\"city\":\"서울\""));
	assert_non_null(strstr(o.s, "\"placed_at\":1796171415250"));
	assert_non_null(strstr(o.s, "\"paid\":false"));
	assert_non_null(strstr(o.s, "\"city\":null"));
	assert_non_null(strstr(o.s, "REJECT 4 json - withheld"));
	assert_non_null(strstr(o.s, "REJECT 5 min total withheld"));
	assert_int_equal(n.read, 4);
	assert_int_equal(n.emitted, 2);
	assert_int_equal(n.rejected, 2);
	free(o.s);
	kf_schema_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settlement_csv),
		cmocka_unit_test(test_csv_header_missing_column),
		cmocka_unit_test(test_bank_fixed),
		cmocka_unit_test(test_bank_trailer_lies),
		cmocka_unit_test(test_bank_split_character),
		cmocka_unit_test(test_skip_below),
		cmocka_unit_test(test_orders_jsonl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
