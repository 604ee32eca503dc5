/* SPDX-License-Identifier: Apache-2.0 */
#include "common/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kf_strbuf_fixed(kf_strbuf_t *b, char *buf, size_t cap)
{
	b->p = buf;
	b->len = 0;
	b->cap = cap;
	b->grows = 0;
	b->failed = !cap;
	if (cap)
		buf[0] = '\0';
}

void kf_strbuf_heap(kf_strbuf_t *b, size_t cap)
{
	char *p = malloc(cap ? cap : 1);

	/* a failed malloc leaves a failed, empty buffer that never grows */
	kf_strbuf_fixed(b, p, p ? (cap ? cap : 1) : 0);
	b->grows = p != NULL;
}

/* Room for n more bytes and the NUL: 0, or -1 (the buffer failed). */
static int kf__strbuf_room(kf_strbuf_t *b, size_t n)
{
	size_t want;
	char *p;

	if (b->failed)
		return -1;
	if (n < b->cap - b->len)
		return 0;
	want = (b->len + n + 1) * 2;
	if (b->grows && want > b->len && (p = realloc(b->p, want))) {
		b->p = p;
		b->cap = want;
		return 0;
	}
	b->failed = 1;
	return -1;
}

void kf_strbuf_append(kf_strbuf_t *b, const void *ptr, size_t len)
{
	if (kf__strbuf_room(b, len) < 0)
		return;
	memcpy(b->p + b->len, ptr, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void kf_strbuf_putc(kf_strbuf_t *b, char c)
{
	kf_strbuf_append(b, &c, 1);
}

/* v's magnitude in decimal at the end of d, a minus before it when neg;
 * one append, so that a text that does not fit leaves the buffer as it
 * was. */
static void kf__strbuf_num(kf_strbuf_t *b, uint64_t v, int neg)
{
	char d[21]; /* UINT64_MAX has 20 digits; INT64_MIN 19 and a sign */
	size_t n = sizeof(d);

	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		d[--n] = '-';
	kf_strbuf_append(b, d + n, sizeof(d) - n);
}

void kf_strbuf_put_u64(kf_strbuf_t *b, uint64_t v)
{
	kf__strbuf_num(b, v, 0);
}

void kf_strbuf_put_i64(kf_strbuf_t *b, int64_t v)
{
	/* the magnitude in unsigned arithmetic: INT64_MIN's too */
	kf__strbuf_num(b, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}

void kf_strbuf_printf(kf_strbuf_t *b, const char *fmt, ...)
{
	va_list ap;
	size_t want;
	char *p;
	int n;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			break;
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		want = (b->len + (size_t)n + 1) * 2;
		if (!b->grows || !(p = realloc(b->p, want)))
			break;
		b->p = p;
		b->cap = want;
	}
	b->failed = 1;
	b->p[b->len] = '\0'; /* a cut append leaves the text as it was */
}
