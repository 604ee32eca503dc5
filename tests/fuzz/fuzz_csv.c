/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for src/record/csv.c, the streaming CSV reader.
 *
 * The first three bytes pick the options (delimiter, quoting, strictness,
 * empty lines, header, null rule, small caps) and a split point; the rest
 * is the CSV. The reader must not crash, must honour its caps, and must
 * see the same records and errors whether the input comes whole, in two
 * chunks at the split point, or byte by byte. The sniffer runs on the
 * input too.
 *
 * Seeds: tests/fuzz/corpus/csv/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct trace {
	uint8_t *b;
	size_t len, cap;
	size_t max_field, max_record;
};

static void add(struct trace *t, const void *p, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2 + 256;
		t->b = realloc(t->b, t->cap);
		if (!t->b)
			abort();
	}
	if (n)
		memcpy(t->b + t->len, p, n);
	t->len += n;
}

static int on_record(const kf_csv_record_t *r, void *opaque)
{
	struct trace *t = opaque;
	size_t i;

	if (r->raw_len > t->max_record)
		abort();
	add(t, "R", 1);
	add(t, &r->num, sizeof(r->num));
	add(t, &r->line, sizeof(r->line));
	add(t, &r->offset, sizeof(r->offset));
	add(t, &r->raw_len, sizeof(r->raw_len));
	add(t, r->raw, r->raw_len);
	for (i = 0; i < r->nfields; i++) {
		if (r->fields[i].len > t->max_field)
			abort();
		add(t, &r->fields[i].len, sizeof(r->fields[i].len));
		add(t, &r->fields[i].quoted, 1);
		add(t, &r->fields[i].null, 1);
		add(t, r->fields[i].ptr, r->fields[i].len);
	}
	return 0;
}

static int on_error(const kf_csv_error_t *e, void *opaque)
{
	struct trace *t = opaque;

	if (!e->msg || e->raw_len > t->max_record ||
	    e->err_offset < e->offset || e->err_line < e->line)
		abort();
	add(t, "E", 1);
	add(t, e->msg, strlen(e->msg));
	add(t, &e->code, sizeof(e->code));
	add(t, &e->raw_total, sizeof(e->raw_total));
	add(t, e->raw, e->raw_len);
	return 0;
}

/* Reads the input in chunks of step bytes (0: whole), cut at split. */
static void run(const kf_csv_opts_t *o, const uint8_t *d, size_t n,
		size_t split, size_t step, struct trace *t)
{
	char err[128];
	kf_csv_t *p = kf_csv_new(o, on_record, on_error, t, err, sizeof(err));
	size_t i, k;

	if (!p)
		abort();
	if (step) {
		for (i = 0; i < n; i += k) {
			k = n - i < step ? n - i : step;
			if (kf_csv_feed(p, d + i, k))
				abort();
		}
	} else if (kf_csv_feed(p, d, split) ||
		   kf_csv_feed(p, d + split, n - split)) {
		abort();
	}
	if (kf_csv_finish(p))
		abort();
	kf_csv_destroy(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[] = {',', ';', '|', '\t'};
	struct trace whole = {0}, split = {0}, bytes = {0};
	kf_csv_dialect_t dialect;
	kf_csv_opts_t o;

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
	whole.max_field = split.max_field = bytes.max_field = o.max_field;
	whole.max_record = split.max_record = bytes.max_record = o.max_record;
	run(&o, data + 3, size - 3, 0, 0, &whole);
	run(&o, data + 3, size - 3, (size - 3) * data[2] / 256, 0, &split);
	run(&o, data + 3, size - 3, 0, 1, &bytes);
	if (whole.len != split.len || whole.len != bytes.len ||
	    (whole.len && (memcmp(whole.b, split.b, whole.len) ||
			   memcmp(whole.b, bytes.b, whole.len))))
		abort();
	free(whole.b);
	free(split.b);
	free(bytes.b);
	kf_csv_sniff(data + 3, size - 3, &dialect);
	return 0;
}
