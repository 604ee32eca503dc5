/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for src/record/csv.c, the streaming CSV reader.
 *
 * The first three bytes pick the options (delimiter, quoting, strictness,
 * empty lines, header, null rule, small caps) and a split point; the rest
 * is the CSV. The reader must not crash, must honour its caps, and must
 * see the same records and errors whether the input comes whole, in two
 * chunks at the split point, or byte by byte (fuzz_split.h). The sniffer
 * runs on the input too.
 *
 * Seeds: tests/fuzz/corpus/csv/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_split.h"
#include "../unit/kf_test_reader.h"
#include "record/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
	struct fz_trace t; /* first: fuzz_split.h */
	size_t max_field, max_record;
};

static int on_record(const kf_csv_record_t *r, void *opaque)
{
	struct ctx *c = opaque;
	size_t i;

	if (r->raw_len > c->max_record)
		abort();
	fz_add(&c->t, "R", 1);
	fz_add(&c->t, &r->num, sizeof(r->num));
	fz_add(&c->t, &r->line, sizeof(r->line));
	fz_add(&c->t, &r->offset, sizeof(r->offset));
	fz_add(&c->t, &r->raw_len, sizeof(r->raw_len));
	fz_add(&c->t, r->raw, r->raw_len);
	for (i = 0; i < r->nfields; i++) {
		if (r->fields[i].len > c->max_field)
			abort();
		fz_add(&c->t, &r->fields[i].len, sizeof(r->fields[i].len));
		fz_add(&c->t, &r->fields[i].quoted, 1);
		fz_add(&c->t, &r->fields[i].null, 1);
		fz_add(&c->t, r->fields[i].ptr, r->fields[i].len);
	}
	return 0;
}

static int on_error(const kf_csv_error_t *e, void *opaque)
{
	struct ctx *c = opaque;

	if (!e->msg || e->raw_len > c->max_record ||
	    e->err_offset < e->offset || e->err_line < e->line)
		abort();
	fz_add(&c->t, "E", 1);
	fz_add(&c->t, e->msg, strlen(e->msg));
	fz_add(&c->t, &e->code, sizeof(e->code));
	fz_add(&c->t, &e->raw_total, sizeof(e->raw_total));
	fz_add(&c->t, e->raw, e->raw_len);
	return 0;
}

static void *rd_open(void *ctx, const void *arg)
{
	char err[128];

	return kf_csv_new(arg, on_record, on_error, ctx, err, sizeof(err));
}

KF_TEST_READER_CALLS(csv)

static const struct fz_reader reader = {rd_open, rd_feed, rd_finish, rd_close};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[] = {',', ';', '|', '\t'};
	struct ctx c[3];
	void *ctx[3] = {&c[0], &c[1], &c[2]};
	kf_csv_dialect_t dialect;
	kf_csv_opts_t o;
	int i;

	if (size < 3 || size > 4096)
		return 0;
	kf_csv_opts_init(&o);
	o.dialect.delim = delims[data[0] & 3];
	o.dialect.quote = data[0] & 4 ? 0 : '"';
	o.strict_quotes = !(data[0] & 8);
	o.skip_empty_lines = !!(data[0] & 16);
	o.dialect.header = !!(data[0] & 32);
	o.null_rule = (enum kf_csv_null)((data[0] >> 6) % 3);
	o.max_field = (size_t)(data[1] & 63) + 1;
	o.max_record = o.max_field * ((size_t)(data[1] >> 6) + 1) + 3;
	if (data[0] & 128)
		o.expect_fields = KF_CSV_ANY_FIELDS;
	memset(c, 0, sizeof(c));
	for (i = 0; i < 3; i++) {
		c[i].max_field = o.max_field;
		c[i].max_record = o.max_record;
	}
	fz_check(&reader, &o, ctx, data + 3, size - 3,
		 (size - 3) * data[2] / 256);
	kf_csv_sniff(data + 3, size - 3, &dialect);
	return 0;
}
