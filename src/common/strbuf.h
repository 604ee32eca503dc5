/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A string built by printf-style appends: either in a fixed buffer the
 * caller owns (it never grows; a text that does not fit marks the buffer
 * failed), or in a heap buffer that grows as needed (it fails only when
 * out of memory). A failed buffer ignores further appends, so that a
 * writer checks once, at the end.
 *
 * @locality any thread; one buffer is used by one thread at a time.
 */
#ifndef KF_COMMON_STRBUF_H
#define KF_COMMON_STRBUF_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

typedef struct kf_strbuf_s {
	char *p; /* NUL-terminated text */
	size_t len, cap;
	int grows; /* p is ours (malloc) and may be reallocated */
	int failed;
} kf_strbuf_t;

/* Writes into buf (cap > 0 bytes, owned by the caller). */
void kf_strbuf_fixed(kf_strbuf_t *b, char *buf, size_t cap);
/* Allocates cap bytes to start with; b->failed when out of memory. The
 * caller frees b->p (or takes it). */
void kf_strbuf_heap(kf_strbuf_t *b, size_t cap);

void kf_strbuf_printf(kf_strbuf_t *b, const char *fmt, ...) KF_PRINTF(2, 3);
/* Appends len bytes (any bytes, NUL included), or one byte. */
void kf_strbuf_append(kf_strbuf_t *b, const void *ptr, size_t len);
void kf_strbuf_putc(kf_strbuf_t *b, char c);
/* Appends v in decimal, the text printf's %llu / %lld writes, without
 * printf's cost: a load writes millions of them. */
void kf_strbuf_put_u64(kf_strbuf_t *b, uint64_t v);
void kf_strbuf_put_i64(kf_strbuf_t *b, int64_t v);

#endif /* KF_COMMON_STRBUF_H */
