/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for src/record/jsonl.c, the JSON-lines reader.
 *
 * The first two bytes pick max_line (a small cap, or the default) and a
 * split point; the rest is the file. The reader must not crash, must
 * honour its cap, must give an object for every line it passes, and must
 * see the same lines and errors whether the input comes whole, in two
 * chunks at the split point, or byte by byte (fuzz_split.h). Each line's
 * members are looked up by a dotted path made from the file's first
 * bytes.
 *
 * Seeds: tests/fuzz/corpus/jsonl/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_split.h"
#include "../unit/kf_test_reader.h"
#include "record/jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
	struct fz_trace t; /* first: fuzz_split.h */
	size_t max_line;
	char path[16];
};

static int on_line(const kf_jsonl_line_t *l, void *opaque)
{
	struct ctx *c = opaque;
	int k;

	if (l->raw_len > c->max_line || !l->ntok ||
	    l->toks[0].type != KF_J_OBJECT || l->toks[0].next != l->ntok)
		abort();
	k = kf_jsonl_path(l->raw, l->toks, 0, c->path);
	if (k >= (int)l->ntok)
		abort();
	fz_add(&c->t, "L", 1);
	fz_add(&c->t, &l->num, sizeof(l->num));
	fz_add(&c->t, &l->line, sizeof(l->line));
	fz_add(&c->t, &l->offset, sizeof(l->offset));
	fz_add(&c->t, &l->ntok, sizeof(l->ntok));
	fz_add(&c->t, &k, sizeof(k));
	fz_add(&c->t, l->raw, l->raw_len);
	return 0;
}

static int on_error(const kf_jsonl_error_t *e, void *opaque)
{
	struct ctx *c = opaque;

	fz_reject(&c->t, e->code, e->msg, e->raw, e->raw_len, e->raw_total,
		  c->max_line);
	return 0;
}

static void *rd_open(void *ctx, const void *arg)
{
	return kf_jsonl_new(*(const size_t *)arg, on_line, on_error, ctx);
}

KF_TEST_READER_CALLS(jsonl)

static const struct fz_reader reader = {rd_open, rd_feed, rd_finish, rd_close};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c[3];
	void *ctx[3] = {&c[0], &c[1], &c[2]};
	size_t max_line, plen;
	int i;

	if (size < 2 || size > 4096)
		return 0;
	memset(c, 0, sizeof(c));
	max_line = data[0] & 128 ? 0 : (size_t)(data[0] & 127) + 1;
	/* the path: the file's first bytes up to a NUL or an LF */
	for (plen = 0; plen < size - 2 && plen < sizeof(c[0].path) - 1 &&
		       data[2 + plen] && data[2 + plen] != '\n';
	     plen++)
		;
	for (i = 0; i < 3; i++) {
		c[i].max_line = max_line ? max_line : (size_t)16 << 20;
		memcpy(c[i].path, data + 2, plen);
	}
	fz_check(&reader, &max_line, ctx, data + 2, size - 2,
		 (size - 2) * data[1] / 256);
	return 0;
}
