/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A streaming CSV reader (RFC 4180 and what real files do) for record
 * sources (`kferry load`). Pure: no I/O, no allocation past its caps.
 *
 * Feed byte chunks of any size with kf_csv_feed() and end with
 * kf_csv_finish(); the reader never holds more than one record (bounded
 * by max_record). Every record goes to on_record, every rejected record
 * to on_error; fields, raw bytes and messages are valid only during the
 * callback. A callback that returns nonzero stops the reader: feed and
 * finish return that value, and every later call too. Splitting the
 * input differently never changes what the callbacks see.
 *
 * Dialect: one-byte delimiter; a quote byte (0: none) that opens a quoted
 * field only as the field's first byte, doubled inside it for itself;
 * quoted fields may hold delimiters, CR and LF. A record ends at LF, CR
 * or CRLF outside quotes, or at the end of the input (no final newline
 * needed). A UTF-8 BOM at the very start is skipped.
 *
 * Empty lines: as PostgreSQL's COPY ... CSV reads them (NextCopyFromRawFields
 * parses every line but the empty one at EOF), an empty line is a record
 * of one unquoted empty field (a NULL), which fails the field count check
 * when more fields are expected ("missing data for column" in COPY);
 * skip_empty_lines drops them. Unlike COPY, which fixes the line end at
 * the first line, LF, CR and CRLF may mix.
 *
 * Header (dialect.header): the first record read without an error names
 * the columns (kf_csv_header) and is not given to on_record.
 *
 * NULL (kf_csv_field_t.null), as COPY's NULL option: an unquoted field
 * equal to null_str (default "") is NULL, a quoted one never is, so
 * `a,,""` is "a", NULL, "". KF_CSV_NULL_NEVER makes no field NULL;
 * KF_CSV_NULL_ANY compares quoted fields too (COPY's FORCE_NULL).
 *
 * Positions: lines are 1-based physical lines (CRLF is one line end, also
 * inside quotes); offsets are 0-based bytes of the input, the BOM
 * included. A record's raw bytes run from its first byte to its line end,
 * the line end excluded.
 *
 * Errors and resynchronisation: a rejected record costs one on_error
 * call, then reading goes on with the next record:
 *  - a stray quote in an unquoted field (strict_quotes; otherwise kept
 *    as data) and bytes after a closing quote leave the quoting in doubt:
 *    the reader skips to the next CR or LF byte, quotes ignored, and the
 *    next record starts after that line end;
 *  - a field or a record over its cap: the quoting is still known, so
 *    the reader goes on parsing without storing and the record ends
 *    where it would have (a long quoted field with newlines stays one
 *    rejected record);
 *  - a field count other than the expected one (expect_fields, else the
 *    header's or the first record's count): the record is whole and
 *    reported with its count;
 *  - a quote still open at the end of the input: reported at finish,
 *    at the opening quote.
 * The error names the record (number, line and offset of its start) and
 * the error itself (line and offset of the offending byte), and carries
 * the record's raw bytes up to where the reader resumed (at most
 * max_record bytes; raw_total says how many there were).
 */
#ifndef KF_RECORD_CSV_H
#define KF_RECORD_CSV_H

#include <stddef.h>
#include <stdint.h>

#define KF_CSV_MAX_FIELD_DEFAULT (1u << 20)  /* 1 MiB */
#define KF_CSV_MAX_RECORD_DEFAULT (8u << 20) /* 8 MiB */
#define KF_CSV_ANY_FIELDS SIZE_MAX	     /* expect_fields: no check */

enum kf_csv_null {
	KF_CSV_NULL_UNQUOTED = 0, /* PostgreSQL COPY CSV (default) */
	KF_CSV_NULL_NEVER,
	KF_CSV_NULL_ANY,
};

enum kf_csv_err {
	KF_CSV_E_UNTERMINATED = 1, /* a quote open at the end of input */
	KF_CSV_E_STRAY_QUOTE,	   /* a quote inside an unquoted field */
	KF_CSV_E_AFTER_QUOTE,	   /* bytes between closing quote and delim */
	KF_CSV_E_FIELD_TOO_LONG,   /* a value over max_field bytes */
	KF_CSV_E_RECORD_TOO_LONG,  /* raw bytes over max_record */
	KF_CSV_E_FIELD_COUNT,	   /* not the expected number of fields */
};

typedef struct kf_csv_dialect {
	char delim;	/* ',' ';' '|' '\t' or any byte but CR, LF, quote */
	char quote;	/* '"' usually; 0: no quoting */
	int header;	/* the first record names the columns */
	int bom;	/* sniffed: the input starts with a UTF-8 BOM */
	int crlf;	/* sniffed: lines end with CRLF */
	int has_quotes; /* sniffed: quoted fields seen */
} kf_csv_dialect_t;

typedef struct kf_csv_opts {
	kf_csv_dialect_t dialect;
	size_t max_field;     /* 0: KF_CSV_MAX_FIELD_DEFAULT */
	size_t max_record;    /* 0: KF_CSV_MAX_RECORD_DEFAULT */
	size_t expect_fields; /* 0: the header's or first record's count */
	int strict_quotes;    /* a stray quote is an error (else kept) */
	int skip_empty_lines;
	enum kf_csv_null null_rule;
	const char *null_str; /* NULL: "" */
} kf_csv_opts_t;

typedef struct kf_csv_field {
	const char *ptr; /* the value, unquoted; not NUL-terminated */
	size_t len;
	unsigned char quoted;
	unsigned char null;
} kf_csv_field_t;

typedef struct kf_csv_record {
	uint64_t num;	 /* 1-based; rejected records count, the header not */
	uint64_t line;	 /* where the record starts */
	uint64_t offset; /* of its first byte */
	const char *raw; /* its bytes, line end excluded */
	size_t raw_len;
	const kf_csv_field_t *fields;
	size_t nfields;
} kf_csv_record_t;

typedef struct kf_csv_error {
	enum kf_csv_err code;
	const char *msg;	       /* what, where, with the numbers below */
	uint64_t num, line, offset;    /* the record, as in kf_csv_record_t */
	uint64_t err_line, err_offset; /* field count: the record's */
	size_t nfields, expected;      /* KF_CSV_E_FIELD_COUNT */
	const char *raw; /* up to max_record bytes of the record */
	size_t raw_len;
	uint64_t raw_total;
} kf_csv_error_t;

typedef int (*kf_csv_record_cb)(const kf_csv_record_t *rec, void *opaque);
typedef int (*kf_csv_error_cb)(const kf_csv_error_t *err, void *opaque);

typedef struct kf_csv kf_csv_t;

/* Default options: ',' and '"', no header, strict quotes, PostgreSQL
 * nulls, default caps. */
void kf_csv_opts_init(kf_csv_opts_t *opts);

/* A reader; NULL on a bad option (errstr says which) or no memory. The
 * options and null_str are copied. Free with kf_csv_destroy(). */
kf_csv_t *kf_csv_new(const kf_csv_opts_t *opts, kf_csv_record_cb on_record,
		     kf_csv_error_cb on_error, void *opaque, char *errstr,
		     size_t errstr_size);
void kf_csv_destroy(kf_csv_t *p); /* NULL: no-op */

/* 0, a callback's nonzero return, or -ENOMEM. */
int kf_csv_feed(kf_csv_t *p, const void *buf, size_t len);
int kf_csv_finish(kf_csv_t *p);

/* The header's fields once read (dialect.header), else NULL; owned by
 * the reader, valid until kf_csv_destroy(). */
const kf_csv_field_t *kf_csv_header(const kf_csv_t *p, size_t *nfields);

/* Guesses the dialect from the first bytes of a file (a few KiB to a
 * few hundred KiB): the delimiter among , ; | and tab that splits the
 * rows into the most rows of one field count (more fields win a tie),
 * quotes, BOM, CRLF, and a header when the first row is all text while
 * the rows below have numbers or dates in a column. A sample cut
 * mid-row is fine (the cut row is ignored). 0, or -1 when the sample
 * holds no row. */
int kf_csv_sniff(const void *buf, size_t len, kf_csv_dialect_t *dialect);

#endif
