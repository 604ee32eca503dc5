/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/capture/gtid.c: GTID positions parsed, formatted
 * sorted by domain, advanced and compared (docs/cdc.md 10.3); hostile
 * texts refused: cut entries, signs, leading zeros, overflows, a domain
 * twice, too many domains, trailing commas, spaces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "capture/gtid.h"
#include "kferry/kferry.h"

static char errbuf[512];

static int parse(const char *s, kf_gtid_pos_t *p)
{
	return kf_gtid_pos_parse(s, strlen(s), p, errbuf, sizeof(errbuf));
}

static void roundtrip(const char *in, const char *want)
{
	char out[KF_GTID_POS_TEXT_MAX];
	kf_gtid_pos_t p;

	assert_int_equal(parse(in, &p), 0);
	kf_gtid_pos_format(&p, out);
	assert_string_equal(out, want);
}

static void test_parse_format(void **state)
{
	(void)state;
	roundtrip("", "");
	roundtrip("0-1-4711", "0-1-4711");
	roundtrip("7-2-17,0-1-4711,3-9-0", "0-1-4711,3-9-0,7-2-17");
	roundtrip("4294967295-4294967295-18446744073709551615",
		  "4294967295-4294967295-18446744073709551615");
}

static void test_hostile(void **state)
{
	static const char *bad[] = {"0",
				    "0-1",
				    "0-1-",
				    "-0-1-2",
				    "0-1-2,",
				    ",0-1-2",
				    "0-1-2,,1-1-1",
				    "0-1-2 ",
				    " 0-1-2",
				    "0-+1-2",
				    "00-1-2",
				    "0-1-02",
				    "0-1-2-3",
				    "0-1-2,0-3-4",
				    "4294967296-1-1",
				    "0-4294967296-1",
				    "0-1-18446744073709551616",
				    "a-1-2",
				    "0-1-2;DROP"};
	char many[KF_GTID_POS_TEXT_MAX + 64];
	kf_gtid_pos_t p;
	size_t i, at = 0;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], &p), KF_EINVAL);
		assert_non_null(strstr(errbuf, "GTID position"));
	}
	/* a NUL inside the length is not the end */
	assert_int_equal(
		kf_gtid_pos_parse("0-1-2\0", 6, &p, errbuf, sizeof(errbuf)),
		KF_EINVAL);
	for (i = 0; i <= KF_GTID_MAX_DOMAINS; i++)
		at += (size_t)snprintf(many + at, sizeof(many) - at,
				       "%s%zu-1-1", i ? "," : "", i);
	assert_int_equal(parse(many, &p), KF_ELIMIT);
	many[at - strlen(",64-1-1")] = 0;
	assert_int_equal(parse(many, &p), 0);
	assert_int_equal(p.n, KF_GTID_MAX_DOMAINS);
}

static void test_advance_covers(void **state)
{
	char out[KF_GTID_POS_TEXT_MAX];
	kf_gtid_pos_t p;
	kf_gtid_t g;

	(void)state;
	assert_int_equal(parse("", &p), 0);
	g = (kf_gtid_t){1, 5, 10};
	assert_false(kf_gtid_pos_covers(&p, &g));
	assert_int_equal(kf_gtid_pos_advance(&p, &g), 0);
	assert_true(kf_gtid_pos_covers(&p, &g));
	g = (kf_gtid_t){0, 1, 3};
	assert_int_equal(kf_gtid_pos_advance(&p, &g), 0);
	g.seq = 4;
	assert_false(kf_gtid_pos_covers(&p, &g));
	assert_int_equal(kf_gtid_pos_advance(&p, &g), 0);
	/* another server of the same domain (a failover) goes on */
	g = (kf_gtid_t){1, 6, 11};
	assert_int_equal(kf_gtid_pos_advance(&p, &g), 0);
	kf_gtid_pos_format(&p, out);
	assert_string_equal(out, "0-1-4,1-6-11");
	/* the binlog never goes back in a domain */
	g = (kf_gtid_t){1, 5, 11};
	assert_true(kf_gtid_pos_covers(&p, &g));
	assert_int_equal(kf_gtid_pos_advance(&p, &g), KF_EPROTO);
	g.seq = 2;
	assert_true(kf_gtid_pos_covers(&p, &g));
	g = (kf_gtid_t){2, 1, 1};
	assert_false(kf_gtid_pos_covers(&p, &g));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_advance_covers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
