/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stand-ins for record/value.c's kf_value_parse and kf_value_cmp, for the
 * tests that link record/schema.c while value.c is written in parallel:
 * integers, decimals without a fraction, and text. Delete this header
 * (and its includes in test_record_schema.c, test_record_decode.c,
 * test_record_sniff.c and tests/fuzz/fuzz_schema.c) once record/value.c
 * is in the tree: even weak, these definitions satisfy the references,
 * so the linker would not take value.o from the archive. Meanwhile they
 * compile only while src/record/value.c is absent (a build from scratch
 * after the merge tests the real functions).
 *
 * Include after "record/schema.h".
 */
#ifndef KF_TEST_VALUE_STUB_H
#define KF_TEST_VALUE_STUB_H

#if !__has_include("record/value.c")

#include <stdio.h>
#include <stdlib.h>

__attribute__((weak)) int kf_value_parse(const struct kf_schema_s *s, int col,
					 const char *txt, size_t len,
					 kf_value_t *v, kf_reject_t *rej)
{
	const kf_column_t *c = &s->cols[col];
	char buf[64], *end;
	long long n;
	int i;

	v->type = c->type;
	v->null = 0;
	if (c->type == KF_T_TEXT) {
		v->u.s.ptr = txt;
		v->u.s.len = len;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)len, txt);
	n = strtoll(buf, &end, 10);
	if (!*buf || *end ||
	    (c->type != KF_T_DECIMAL && c->type > KF_T_INT64)) {
		rej->code = "type";
		snprintf(rej->reason, sizeof(rej->reason), "not a number");
		return -1;
	}
	v->u.i = n;
	if (c->type == KF_T_DECIMAL)
		for (v->u.dec = n, i = 0; i < c->scale; i++)
			v->u.dec *= 10;
	return 0;
}

__attribute__((weak)) int kf_value_cmp(const kf_value_t *a, const kf_value_t *b)
{
	if (a->type == KF_T_DECIMAL)
		return (a->u.dec > b->u.dec) - (a->u.dec < b->u.dec);
	return (a->u.i > b->u.i) - (a->u.i < b->u.i);
}

#endif /* no record/value.c */
#endif /* KF_TEST_VALUE_STUB_H */
