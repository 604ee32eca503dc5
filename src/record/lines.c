/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Line splitting for the line readers (lines.h): memchr to each LF, and a
 * buffer capped at `keep` bytes for the line that spans chunks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "record/lines.h"

void kf_lines_init(kf_lines_t *l, size_t keep)
{
	memset(l, 0, sizeof(*l));
	l->keep = keep;
	l->line = 1;
}

void kf_lines_free(kf_lines_t *l)
{
	free(l->buf);
	l->buf = NULL;
}

/* Gives the line that ends at l->pos: s holds `stored` of its `total`
 * bytes, `last` is its last byte; a CR there is not part of the line. */
static int kf__give(kf_lines_t *l, const char *s, size_t stored, uint64_t total,
		    char last, kf_lines_cb cb, void *opaque)
{
	uint64_t off = l->pos - total;

	if (total && last == '\r')
		total--;
	if (stored > total)
		stored = (size_t)total;
	return cb(opaque, s, stored, total, off, l->line);
}

/* Keeps what fits of the bytes of a line that spans chunks. */
static int kf__keep(kf_lines_t *l, const char *b, size_t n)
{
	size_t room = l->keep - l->buf_len, cap;
	char *nb;

	if (!n)
		return 0;
	l->total += n;
	l->last = b[n - 1];
	if (n > room)
		n = room;
	if (l->buf_len + n > l->buf_cap) {
		cap = l->buf_cap ? l->buf_cap : 256;
		while (cap < l->buf_len + n)
			cap *= 2;
		nb = realloc(l->buf, cap);
		if (!nb)
			return -ENOMEM;
		l->buf = nb;
		l->buf_cap = cap;
	}
	memcpy(l->buf + l->buf_len, b, n);
	l->buf_len += n;
	return 0;
}

static int kf__buffered(kf_lines_t *l, kf_lines_cb cb, void *opaque)
{
	int rc = kf__give(l, l->buf, l->buf_len, l->total, l->last, cb, opaque);

	l->buf_len = 0;
	l->total = 0;
	return rc;
}

int kf_lines_feed(kf_lines_t *l, const char *b, size_t n, kf_lines_cb cb,
		  void *opaque)
{
	const char *lf;
	size_t i = 0, end;
	int rc = 0;

	while (i < n && !rc) {
		lf = memchr(b + i, '\n', n - i);
		end = lf ? (size_t)(lf - b) : n;
		l->pos += end - i;
		if (lf && !l->total) /* whole in this chunk: given in place */
			rc = kf__give(l, b + i, end - i, end - i,
				      end > i ? b[end - 1] : '\0', cb, opaque);
		else {
			rc = kf__keep(l, b + i, end - i);
			if (!rc && lf)
				rc = kf__buffered(l, cb, opaque);
		}
		if (lf) {
			l->pos++;
			l->line++;
		}
		i = end + 1;
	}
	return rc;
}

int kf_lines_finish(kf_lines_t *l, kf_lines_cb cb, void *opaque)
{
	return l->total ? kf__buffered(l, cb, opaque) : 0;
}
