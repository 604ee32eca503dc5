/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A streaming JSON-lines reader (docs/records.md 2.3): one JSON object per
 * LF-terminated line (CRLF too), empty lines skipped, a UTF-8 BOM at
 * the file's start skipped, a line over max_line a rejected record; each line is tokenized with
 * common/jsontok.h. Like the CSV reader: feed chunks of any size, finish
 * at the end; callbacks see the same records whatever the split; a
 * callback's nonzero return stops the reader. Bytes are tokenized as they
 * are: a file in another encoding is decoded by the caller first
 * (docs/records.md 2.6: per line).
 */
#ifndef KF_RECORD_JSONL_H
#define KF_RECORD_JSONL_H

#include <stddef.h>
#include <stdint.h>

#include "common/jsontok.h"

/* A line and its tokens; valid during the callback only. */
typedef struct kf_jsonl_line_s {
	uint64_t num;	 /* 1-based record number (rejected ones count) */
	uint64_t line;	 /* 1-based physical line */
	uint64_t offset; /* byte offset of its first byte */
	const char *raw; /* the line, line end excluded */
	size_t raw_len;
	const kf_jtok_t *toks; /* toks[0] is the object */
	size_t ntok;
} kf_jsonl_line_t;

typedef struct kf_jsonl_error_s {
	const char *code; /* "json" (not one object) or "too_long" */
	const char *msg;  /* what and at which byte of the line */
	uint64_t num, line, offset;
	const char *raw; /* at most max_line bytes of the line */
	size_t raw_len;
	uint64_t raw_total;
} kf_jsonl_error_t;

typedef int (*kf_jsonl_line_cb)(const kf_jsonl_line_t *l, void *opaque);
typedef int (*kf_jsonl_error_cb)(const kf_jsonl_error_t *e, void *opaque);

typedef struct kf_jsonl kf_jsonl_t;

/* max_line 0: 16 MiB. NULL when out of memory. */
kf_jsonl_t *kf_jsonl_new(size_t max_line, kf_jsonl_line_cb on_line,
			 kf_jsonl_error_cb on_error, void *opaque);
void kf_jsonl_destroy(kf_jsonl_t *p);
/* 0, a callback's nonzero return, or -ENOMEM. */
int kf_jsonl_feed(kf_jsonl_t *p, const void *buf, size_t len);
int kf_jsonl_finish(kf_jsonl_t *p);

/* The value token for a dotted member path ("customer.address.city";
 * "\." is a dot inside a name) from object token obj, or -1 when a member
 * on the way is absent or not an object. */
int kf_jsonl_path(const char *js, const kf_jtok_t *toks, int obj,
		  const char *path);

#endif /* KF_RECORD_JSONL_H */
