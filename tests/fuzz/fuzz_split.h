/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Split invariance for the fuzz targets of the streaming readers (CSV,
 * JSON lines, fixed width): the reader's callbacks append what they see
 * to a trace; the input is read whole, in two chunks at a split point
 * and byte by byte, and the three traces must be the same bytes.
 *
 * A target's trace context starts with a struct fz_trace (the open
 * callback gets the context). Everything is static inline.
 */
#ifndef KF_FUZZ_SPLIT_H
#define KF_FUZZ_SPLIT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct fz_trace {
	uint8_t *b;
	size_t len, cap;
};

static inline void fz_add(struct fz_trace *t, const void *p, size_t n)
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

/* A rejected record of the jsonl and fixed readers (same fields): its
 * message is set and its raw bytes within the cap and the total. */
static inline void fz_reject(struct fz_trace *t, const char *code,
			     const char *msg, const void *raw, size_t raw_len,
			     uint64_t raw_total, size_t cap)
{
	if (!msg || raw_len > cap || raw_len > raw_total)
		abort();
	fz_add(t, "E", 1);
	fz_add(t, code, strlen(code));
	fz_add(t, msg, strlen(msg));
	fz_add(t, &raw_total, sizeof(raw_total));
	fz_add(t, raw, raw_len);
}

/* A reader under test; every call but open returns 0 or aborts. */
struct fz_reader {
	void *(*open)(void *ctx, const void *arg);
	int (*feed)(void *r, const void *buf, size_t len);
	int (*finish)(void *r);
	void (*close)(void *r);
};

/* Reads d[0..n) in chunks of step bytes (0: two chunks cut at split). */
static inline void fz_run(const struct fz_reader *rd, const void *arg,
			  void *ctx, const uint8_t *d, size_t n, size_t split,
			  size_t step)
{
	void *r = rd->open(ctx, arg);
	size_t i, k;

	if (!r)
		abort();
	if (step) {
		for (i = 0; i < n; i += k) {
			k = n - i < step ? n - i : step;
			if (rd->feed(r, d + i, k))
				abort();
		}
	} else if (rd->feed(r, d, split) || rd->feed(r, d + split, n - split)) {
		abort();
	}
	if (rd->finish(r))
		abort();
	rd->close(r);
}

/* Reads whole, cut at split and byte by byte, each into its context
 * (ctx[i] starts with a struct fz_trace); aborts unless the traces are
 * equal; frees them. */
static inline void fz_check(const struct fz_reader *rd, const void *arg,
			    void *ctx[3], const uint8_t *d, size_t n,
			    size_t split)
{
	struct fz_trace *t[3];
	int i;

	fz_run(rd, arg, ctx[0], d, n, n, 0);
	fz_run(rd, arg, ctx[1], d, n, split, 0);
	fz_run(rd, arg, ctx[2], d, n, 0, 1);
	for (i = 0; i < 3; i++)
		t[i] = ctx[i];
	if (t[0]->len != t[1]->len || t[0]->len != t[2]->len ||
	    (t[0]->len && (memcmp(t[0]->b, t[1]->b, t[0]->len) ||
			   memcmp(t[0]->b, t[2]->b, t[0]->len))))
		abort();
	for (i = 0; i < 3; i++)
		free(t[i]->b);
}

#endif /* KF_FUZZ_SPLIT_H */
