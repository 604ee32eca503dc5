/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One record file being read: the whole record path of docs/records.md
 * for one file, bytes in, serialized rows and rejects out. It runs the
 * schema's reader (CSV, JSON lines, fixed-width), cuts and decodes the
 * fields, tests NULL, trims, parses, checks, computes, filters, masks and
 * serializes, and at the end checks a fixed file's structure and control
 * totals. Pure: no Kafka, no I/O of its own; the loader feeds it blocks of
 * the file from a worker and produces what it hands out.
 *
 * Counting (docs/records.md 3.3): every record of the emitted type is
 * read; read = emitted + rejected + filtered at every callback boundary.
 *
 * Failures of the file as a whole (a header missing a required column, a
 * control total that differs, a missing trailer, out of memory) make
 * feed or finish return KF_EINVAL (KF_ENOMEM) with kf_recfile_error()
 * saying what and where; the loader then aborts the file's transaction.
 *
 * @locality one thread at a time (a worker); the schema is shared.
 */
#ifndef KF_RECORD_RECFILE_H
#define KF_RECORD_RECFILE_H

#include <stddef.h>
#include <stdint.h>

#include "record/schema.h"
#include "record/serial.h"
#include "record/transform.h"

typedef struct kf_recfile_opts_s {
	const kf_schema_t *schema; /* prepared; must outlive the reader */
	kf_xform_ctx_t ctx;	   /* file names, hash, load id, salt */
	int decimal_numeric;	   /* load.decimal_format = numeric */
	/* the value's and the key's formats: Connect JSON, or a registered
	 * schema's wire format under these ids (docs/schemas.md 1.2) */
	enum kf_rec_wire wire, key_wire;
	uint32_t key_id, value_id;
	/* NULL: rows are rendered in the reader's own buffers. Else each
	 * row's key, then its value, are appended to *out (the caller's,
	 * read at every row: it may swap buffers between feeds), so that
	 * the caller keeps them where they are, by offset (*out may move as
	 * it grows), rather than copying them out. */
	kf_strbuf_t *const *out;
	/* Records numbered below it (from 1) are read, checked and counted
	 * but neither serialized nor given to on_row or on_reject: a load
	 * resumed after its committed parts (docs/records.md 3.4). */
	uint64_t skip_below;
} kf_recfile_opts_t;

/* One emitted row; buffers valid during the callback only (with o.out,
 * the bytes stay in *o.out). */
typedef struct kf_recfile_row_s {
	const void *key; /* NULL: a null Kafka key (no key columns) */
	size_t key_len;
	const void *value;
	size_t value_len;
	uint64_t num, line, offset; /* record number, line, byte offset */
} kf_recfile_row_t;

/* One rejected row (docs/records.md 3.6). */
typedef struct kf_recfile_reject_s {
	const char *code;   /* the reason word */
	const char *field;  /* the column's output name; NULL: the record */
	const char *reason; /* never an unmasked value of a masked column */
	const void *key;    /* the data key when it could be built, else NULL */
	size_t key_len;
	const void *raw; /* the record's raw bytes; NULL when withheld */
	size_t raw_len;
	uint64_t raw_total; /* the raw record's full length */
	int withheld;	    /* raw withheld because the schema masks */
	uint64_t num, line, offset;
} kf_recfile_reject_t;

typedef struct kf_recfile_counts_s {
	uint64_t read, emitted, rejected, filtered;
	uint64_t bytes; /* fed so far */
} kf_recfile_counts_t;

typedef int (*kf_recfile_row_cb)(const kf_recfile_row_t *row, void *opaque);
typedef int (*kf_recfile_reject_cb)(const kf_recfile_reject_t *rej,
				    void *opaque);

typedef struct kf_recfile_s kf_recfile_t;

/* NULL with errstr (an encoding iconv does not know, out of memory). */
kf_recfile_t *kf_recfile_new(const kf_recfile_opts_t *o,
			     kf_recfile_row_cb on_row,
			     kf_recfile_reject_cb on_reject, void *opaque,
			     char *errstr, size_t errstr_size);
void kf_recfile_destroy(kf_recfile_t *f);

/* 0, a callback's nonzero return, or KF_EINVAL / KF_ENOMEM (the file
 * fails: kf_recfile_error). */
int kf_recfile_feed(kf_recfile_t *f, const void *buf, size_t len);
/* The end of the file: the last record, the structure and the control
 * totals. Same returns as feed. */
int kf_recfile_finish(kf_recfile_t *f);

const char *kf_recfile_error(const kf_recfile_t *f);
void kf_recfile_counts(const kf_recfile_t *f, kf_recfile_counts_t *c);

#endif /* KF_RECORD_RECFILE_H */
