/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for src/record/fixed.c, the fixed-width reader.
 *
 * The first three bytes pick the layout (record_bytes 1..32, terminated
 * or back to back, a discriminator of 1 or 2 bytes at offset 0..3 with
 * the codes "H", "D", "T" or "10", "20", "30") and a split point; the
 * rest is the file. The reader must not crash, must give records of
 * exactly record_bytes whose code is their type's, rejects no longer
 * than a record, and the same records and rejects whether the input
 * comes whole, in two chunks at the split point, or byte by byte
 * (fuzz_split.h).
 *
 * Seeds: tests/fuzz/corpus/fixed/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_split.h"
#include "../unit/kf_test_reader.h"
#include "record/fixed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
	struct fz_trace t; /* first: fuzz_split.h */
	const kf_fixed_opts_t *o;
};

static int on_rec(const kf_fixed_rec_t *r, void *opaque)
{
	struct ctx *c = opaque;
	const kf_fixed_opts_t *o = c->o;

	if (r->raw_len != o->record_bytes || r->type < 0 ||
	    (size_t)r->type >= o->ntypes ||
	    (o->has_disc && memcmp(r->raw + o->disc_offset, o->codes[r->type],
				   o->disc_length)))
		abort();
	fz_add(&c->t, "R", 1);
	fz_add(&c->t, &r->num, sizeof(r->num));
	fz_add(&c->t, &r->line, sizeof(r->line));
	fz_add(&c->t, &r->offset, sizeof(r->offset));
	fz_add(&c->t, &r->type, sizeof(r->type));
	fz_add(&c->t, r->raw, r->raw_len);
	return 0;
}

static int on_error(const kf_fixed_error_t *e, void *opaque)
{
	struct ctx *c = opaque;

	fz_reject(&c->t, e->code, e->msg, e->raw, e->raw_len, e->raw_total,
		  c->o->record_bytes);
	return 0;
}

static void *rd_open(void *ctx, const void *arg)
{
	char err[256];

	return kf_fixed_new(arg, on_rec, on_error, ctx, err, sizeof(err));
}

KF_TEST_READER_CALLS(fixed)

static const struct fz_reader reader = {rd_open, rd_feed, rd_finish, rd_close};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const one[] = {"H", "D", "T"};
	static const char *const two[] = {"10", "20", "30"};
	struct ctx c[3];
	void *ctx[3] = {&c[0], &c[1], &c[2]};
	kf_fixed_opts_t o = {0};
	int i;

	if (size < 3 || size > 4096)
		return 0;
	memset(c, 0, sizeof(c));
	o.record_bytes = (size_t)(data[0] & 31) + 1;
	o.terminated = !!(data[0] & 32);
	o.has_disc = !!(data[0] & 64);
	o.disc_length = data[0] & 128 ? 2 : 1;
	o.disc_offset = data[1] & 3;
	o.codes = data[0] & 128 ? two : one;
	if (o.disc_offset + o.disc_length > o.record_bytes)
		o.disc_offset = 0;
	if (o.disc_length > o.record_bytes)
		o.has_disc = 0;
	o.ntypes = o.has_disc ? (size_t)(data[1] >> 2) % 3 + 1 : 1;
	for (i = 0; i < 3; i++)
		c[i].o = &o;
	fz_check(&reader, &o, ctx, data + 3, size - 3,
		 (size - 3) * data[2] / 256);
	return 0;
}
