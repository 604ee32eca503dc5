/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A streaming reader of fixed-width record files (docs/records.md 2.5):
 * records of record_bytes bytes, terminated by LF or CRLF (either is
 * accepted) or back to back, each given with its record type found by
 * the discriminator (bytes at disc_offset, disc_length compared with each
 * type's code). A terminated record of another length is a
 * `record_length` reject, a code matching no type a `record_type` reject.
 * An empty line is no record (terminated), nor is a line end after the
 * last record (back to back).
 * Records are raw bytes: cutting fields and decoding is the caller's. Same
 * contract as the CSV reader: chunks of any size, finish at the end,
 * identical callbacks whatever the split, a nonzero return stops.
 */
#ifndef KF_RECORD_FIXED_H
#define KF_RECORD_FIXED_H

#include <stddef.h>
#include <stdint.h>

typedef struct kf_fixed_opts_s {
	size_t record_bytes; /* every type's, shorter ones padded */
	int terminated;	     /* 1: LF or CRLF after each record */
	int has_disc;
	size_t disc_offset, disc_length;
	const char *const *codes; /* per type: disc_length bytes */
	size_t ntypes;		  /* without a discriminator: 1 */
} kf_fixed_opts_t;

/* One record; raw valid during the callback only. */
typedef struct kf_fixed_rec_s {
	uint64_t num;	 /* 1-based record number */
	uint64_t line;	 /* terminated: physical line; else num */
	uint64_t offset; /* byte offset of its first byte */
	const char *raw; /* the record, terminator excluded */
	size_t raw_len;
	int type; /* index into the opts' types */
} kf_fixed_rec_t;

typedef struct kf_fixed_error_s {
	const char *code; /* "record_length" or "record_type" */
	const char *msg;
	uint64_t num, line, offset;
	const char *raw;
	size_t raw_len;
	uint64_t raw_total;
} kf_fixed_error_t;

typedef int (*kf_fixed_rec_cb)(const kf_fixed_rec_t *r, void *opaque);
typedef int (*kf_fixed_error_cb)(const kf_fixed_error_t *e, void *opaque);

typedef struct kf_fixed kf_fixed_t;

/* The options are copied. NULL with errstr on a bad option. */
kf_fixed_t *kf_fixed_new(const kf_fixed_opts_t *o, kf_fixed_rec_cb on_rec,
			 kf_fixed_error_cb on_error, void *opaque, char *errstr,
			 size_t errstr_size);
void kf_fixed_destroy(kf_fixed_t *p);
/* 0, a callback's nonzero return, or -ENOMEM. */
int kf_fixed_feed(kf_fixed_t *p, const void *buf, size_t len);
int kf_fixed_finish(kf_fixed_t *p);

#endif /* KF_RECORD_FIXED_H */
