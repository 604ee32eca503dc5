/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the unit tests of src/record/ share: columns, schemas and values
 * filled by hand (as the schema loader and the parser would leave them).
 * Include it once per test program.
 */
#ifndef KF_TEST_RECORD_H
#define KF_TEST_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "record/decode.h"
#include "record/schema.h"
#include "record/value.h"

/* A column with the defaults of docs/records.md 2.4 and no checks. */
static inline kf_column_t kf_test_col(const char *name, enum kf_type t)
{
	kf_column_t c;

	memset(&c, 0, sizeof(c));
	c.name = (char *)name;
	c.type = t;
	c.emit = 1;
	c.decimal_point = '.';
	c.pad = ' ';
	c.rectype = -1;
	c.key_pos = -1;
	c.min.null = c.max.null = 1;
	c.mask_keep = "-";
	return c;
}

/* A CSV schema named "t" of the columns cols[0..n), no key. */
static inline kf_schema_t kf_test_schema(kf_column_t *cols, size_t n)
{
	kf_schema_t s;

	memset(&s, 0, sizeof(s));
	s.format_version = 1;
	s.name = "t";
	s.format = KF_FMT_CSV;
	s.cols = cols;
	s.ncols = n;
	return s;
}

/* Values: the integers, booleans and day/millisecond counts; spans; an
 * unscaled decimal. */
static inline kf_value_t kf_test_int(enum kf_type t, int64_t i)
{
	kf_value_t v = {.type = t};

	v.u.i = i;
	return v;
}

static inline kf_value_t kf_test_span(enum kf_type t, const char *p)
{
	kf_value_t v = {.type = t};

	v.u.s.ptr = p;
	v.u.s.len = strlen(p);
	return v;
}

static inline kf_value_t kf_test_text(const char *p)
{
	return kf_test_span(KF_T_TEXT, p);
}

static inline kf_value_t kf_test_dec(kf_i128_t d)
{
	kf_value_t v = {.type = KF_T_DECIMAL};

	v.u.dec = d;
	return v;
}

#endif /* KF_TEST_RECORD_H */
