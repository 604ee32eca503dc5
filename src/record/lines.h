/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LF-terminated lines out of chunks of any size, for the line readers
 * (jsonl, terminated fixed width). A line that lies whole in a chunk is
 * given where it is; one that spans chunks is gathered, keeping at most
 * `keep` bytes of it (a longer line is still measured, never stored).
 * One CR before the LF, or at the input's end, is not part of the line.
 *
 * @locality any thread (one stream per kf_lines_t).
 */
#ifndef KF_RECORD_LINES_H
#define KF_RECORD_LINES_H

#include <stddef.h>
#include <stdint.h>

/* One line: its first `stored` bytes at s (all of it when stored ==
 * len), its length len, its first byte's offset and its 1-based physical
 * line. A nonzero return stops the stream. */
typedef int (*kf_lines_cb)(void *opaque, const char *s, size_t stored,
			   uint64_t len, uint64_t offset, uint64_t line);

typedef struct kf_lines_s {
	size_t keep;
	char *buf; /* the line so far when it spans chunks */
	size_t buf_len, buf_cap;
	uint64_t total; /* its bytes so far, stored or not */
	char last;	/* its last byte */
	uint64_t pos;	/* offset of the next byte */
	uint64_t line;
} kf_lines_t;

/* No allocation until a line spans chunks. */
void kf_lines_init(kf_lines_t *l, size_t keep);
void kf_lines_free(kf_lines_t *l);
/* 0, the callback's nonzero return, or -ENOMEM. */
int kf_lines_feed(kf_lines_t *l, const char *b, size_t n, kf_lines_cb cb,
		  void *opaque);
/* The last line when the input does not end with an LF. */
int kf_lines_finish(kf_lines_t *l, kf_lines_cb cb, void *opaque);

#endif /* KF_RECORD_LINES_H */
