/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for src/record/jsonl.c, the JSON-lines reader.
 *
 * The first two bytes pick max_line (a small cap, or the default) and a
 * split point; the rest is the file. The reader must not crash, must
 * honour its cap, must give an object for every line it passes, and must
 * see the same lines and errors whether the input comes whole, in two
 * chunks at the split point, or byte by byte. Each line's members are
 * looked up by dotted paths made from the input's own bytes.
 *
 * Seeds: tests/fuzz/corpus/jsonl/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct trace {
	uint8_t *b;
	size_t len, cap;
	size_t max_line;
	char path[16];
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

static int on_line(const kf_jsonl_line_t *l, void *opaque)
{
	struct trace *t = opaque;
	int k;

	if (l->raw_len > t->max_line || !l->ntok ||
	    l->toks[0].type != KF_J_OBJECT || l->toks[0].next != l->ntok)
		abort();
	k = kf_jsonl_path(l->raw, l->toks, 0, t->path);
	if (k >= (int)l->ntok)
		abort();
	add(t, "L", 1);
	add(t, &l->num, sizeof(l->num));
	add(t, &l->line, sizeof(l->line));
	add(t, &l->offset, sizeof(l->offset));
	add(t, &l->ntok, sizeof(l->ntok));
	add(t, &k, sizeof(k));
	add(t, l->raw, l->raw_len);
	return 0;
}

static int on_error(const kf_jsonl_error_t *e, void *opaque)
{
	struct trace *t = opaque;

	if (!e->msg || e->raw_len > t->max_line || e->raw_len > e->raw_total)
		abort();
	add(t, "E", 1);
	add(t, e->code, strlen(e->code));
	add(t, e->msg, strlen(e->msg));
	add(t, &e->raw_total, sizeof(e->raw_total));
	add(t, e->raw, e->raw_len);
	return 0;
}

/* Reads the input in chunks of step bytes (0: whole), cut at split. */
static void run(size_t max_line, const uint8_t *d, size_t n, size_t split,
		size_t step, struct trace *t)
{
	kf_jsonl_t *p = kf_jsonl_new(max_line, on_line, on_error, t);
	size_t i, k;

	if (!p)
		abort();
	if (step) {
		for (i = 0; i < n; i += k) {
			k = n - i < step ? n - i : step;
			if (kf_jsonl_feed(p, d + i, k))
				abort();
		}
	} else if (kf_jsonl_feed(p, d, split) ||
		   kf_jsonl_feed(p, d + split, n - split)) {
		abort();
	}
	if (kf_jsonl_finish(p))
		abort();
	kf_jsonl_destroy(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace whole = {0}, split = {0}, bytes = {0};
	size_t max_line, plen;

	if (size < 2 || size > 4096)
		return 0;
	max_line = data[0] & 128 ? 0 : (size_t)(data[0] & 127) + 1;
	whole.max_line = max_line ? max_line : (size_t)16 << 20;
	/* the path: the input's first bytes up to a NUL or an LF */
	for (plen = 0; plen < size - 2 && plen < sizeof(whole.path) - 1 &&
		       data[2 + plen] && data[2 + plen] != '\n';
	     plen++)
		;
	memcpy(whole.path, data + 2, plen);
	whole.path[plen] = '\0';
	split.max_line = bytes.max_line = whole.max_line;
	memcpy(split.path, whole.path, sizeof(whole.path));
	memcpy(bytes.path, whole.path, sizeof(whole.path));
	run(max_line, data + 2, size - 2, 0, 0, &whole);
	run(max_line, data + 2, size - 2, (size - 2) * data[1] / 256, 0,
	    &split);
	run(max_line, data + 2, size - 2, 0, 1, &bytes);
	if (whole.len != split.len || whole.len != bytes.len ||
	    (whole.len && (memcmp(whole.b, split.b, whole.len) ||
			   memcmp(whole.b, bytes.b, whole.len))))
		abort();
	free(whole.b);
	free(split.b);
	free(bytes.b);
	return 0;
}
