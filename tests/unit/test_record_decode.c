/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/record/decode.c: Korean files labelled EUC-KR decode
 * as CP949 (docs/records.md 2.6), a field that splits a double-byte
 * character or holds an invalid sequence or U+0000 is refused at the
 * right byte, and UTF-8 is validated strictly (no overlongs, surrogates,
 * code points past U+10FFFF).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kf_test.h"

#include "common/err.h"
#include "record/decode.h"
#include "record/schema.h"

static char errbuf[512];

/* Decodes len bytes of in; returns the UTF-8 text (static) or NULL with
 * *bad set. */
static const char *decode(kf_decoder_t *d, const char *in, size_t len,
			  size_t *bad)
{
	static char out[256];
	size_t n = 0;

	assert_true(kf_decode_bound(len) < sizeof(out));
	*bad = SIZE_MAX;
	if (kf_decode(d, in, len, out, &n, bad))
		return NULL;
	out[n] = '\0';
	return out;
}

#define DECODES(d, in, expect)                                                 \
	do {                                                                   \
		size_t bad_;                                                   \
		const char *got_ = decode(d, in, sizeof(in) - 1, &bad_);       \
		if (!got_)                                                     \
			fail_msg("refused at byte %zu", bad_);                 \
		assert_string_equal(got_, expect);                             \
	} while (0)

#define REFUSES(d, in, at)                                                     \
	do {                                                                   \
		size_t bad_;                                                   \
		assert_null(decode(d, in, sizeof(in) - 1, &bad_));             \
		assert_int_equal(bad_, at);                                    \
	} while (0)

/* The test docs/records.md 2.6 promises: EUC-KR in a schema reads the
 * CP949-only syllables. */
static void test_euc_kr_schema(void **state)
{
	static const char text[] = "[schema]\nformat_version = 1\n"
				   "format = csv\nencoding = EUC-KR\n"
				   "[column.name]\ntype = text\n";
	kf_schema_t *s = NULL;
	kf_decoder_t *d;

	(void)state;
	EXPECT_OK(kf_schema_parse(text, sizeof(text) - 1, "t.schema", &s,
				  errbuf, sizeof(errbuf)));
	assert_string_equal(s->encoding, "EUC-KR");
	assert_string_equal(s->iconv_from, "CP949");
	d = kf_decoder_new(s->iconv_from, errbuf, sizeof(errbuf));
	assert_non_null(d);
	DECODES(d, "\x8c\x63", "똠");
	DECODES(d, "\xc1\x64", "햏");
	/* KS X 1001 syllables, with ASCII around them */
	DECODES(d, "A\xb0\xa1-\xc8\xab\xb1\xe6\xb5\xbf ", "A가-홍길동 ");
	DECODES(d, "", "");
	kf_decoder_free(d);
	kf_schema_free(s);
}

static void test_cp949_refusals(void **state)
{
	kf_decoder_t *d = kf_decoder_new("CP949", errbuf, sizeof(errbuf));

	(void)state;
	assert_non_null(d);
	/* a field boundary after the lead byte: the offset of that byte */
	REFUSES(d, "AB\xb0", 2);
	REFUSES(d, "\xb0\xa1\xb0", 2);
	/* a lead byte before a byte that cannot trail */
	REFUSES(d, "x\xff\xff", 1);
	/* U+0000 */
	REFUSES(d, "\xb0\xa1\0a", 2);
	/* the decoder starts afresh for each field */
	DECODES(d, "\x8c\x63", "똠");
	kf_decoder_free(d);
}

static void test_single_byte(void **state)
{
	kf_decoder_t *d = kf_decoder_new("ISO-8859-1", errbuf, sizeof(errbuf));

	(void)state;
	assert_non_null(d);
	DECODES(d, "caf\xe9", "café");
	kf_decoder_free(d);
	d = kf_decoder_new("WINDOWS-1252", errbuf, sizeof(errbuf));
	assert_non_null(d);
	DECODES(d, "\x80", "€");
	kf_decoder_free(d);
}

static void test_utf8(void **state)
{
	kf_decoder_t *d = kf_decoder_new(NULL, errbuf, sizeof(errbuf));

	(void)state;
	assert_non_null(d);
	DECODES(d, "홍길동 abc \xf0\x9f\x98\x80", "홍길동 abc 😀");
	REFUSES(d, "ab\xc0\x80", 2);	   /* overlong NUL */
	REFUSES(d, "\xe0\x80\xaf", 0);	   /* overlong '/' */
	REFUSES(d, "a\xed\xa0\x80", 1);	   /* a surrogate */
	REFUSES(d, "\xf4\x90\x80\x80", 0); /* past U+10FFFF */
	REFUSES(d, "\xf5\x80\x80\x80", 0); /* no such lead byte */
	REFUSES(d, "a\xe4\xb8", 1);	   /* cut at the end */
	REFUSES(d, "\xe4\xb8x", 0);	   /* cut in the middle */
	REFUSES(d, "\x80", 0);		   /* a lone continuation */
	REFUSES(d, "ok\0", 2);		   /* U+0000 */
	REFUSES(d, "\xb0\xa1", 0);	   /* CP949 read as UTF-8 */
	kf_decoder_free(d);

	assert_true(kf_utf8_valid("", 0));
	assert_true(kf_utf8_valid("\xef\xbf\xbf", 3));
	assert_false(kf_utf8_valid("a\0", 2));
	assert_int_equal(kf_utf8_count("홍길동a", strlen("홍길동a")), 4);
	assert_int_equal(kf_utf8_count("😀", 4), 1);
	assert_int_equal(kf_utf8_count("", 0), 0);
}

static void test_unknown_encoding(void **state)
{
	(void)state;
	errbuf[0] = '\0';
	assert_null(kf_decoder_new("NO-SUCH-CODESET", errbuf, sizeof(errbuf)));
	assert_non_null(strstr(errbuf, "encoding NO-SUCH-CODESET: iconv "
				       "cannot decode it"));
	kf_decoder_free(NULL);
	assert_int_equal(kf_decode_bound(0), 0);
	assert_int_equal(kf_decode_bound(2), 6);
	assert_int_equal(kf_decode_bound(SIZE_MAX), SIZE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_euc_kr_schema),
		cmocka_unit_test(test_cp949_refusals),
		cmocka_unit_test(test_single_byte),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_unknown_encoding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
