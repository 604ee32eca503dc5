/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kferry verify: whether tables of two databases hold the same rows
 * (docs/verify.md). Counts and checksums are computed inside each
 * database over key ranges; differing ranges are halved down to the
 * differing keys.
 */
#ifndef KFERRY_VERIFY_H
#define KFERRY_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kf_verify_opts_s {
	const char *source; /* database URLs, as kferry sink's --db */
	const char *target;
	/* passwords, or NULL (none, or libpq's PGPASSFILE) */
	const char *source_password;
	const char *target_password;
	/* "SRC" or "SRC:DST", table names as "table" or "schema.table" */
	const char *const *tables;
	size_t ntables;
	/* key columns; NULL / 0: each source table's primary key */
	const char *const *key;
	size_t nkey;
	size_t chunk_rows; /* rows per range; 0: 10000 */
	size_t show;	   /* differing keys kept per table */
} kf_verify_opts_t;

enum kf_verify_diff_kind {
	KF_VERIFY_MISSING = 1, /* in the source only */
	KF_VERIFY_EXTRA,       /* in the target only */
	KF_VERIFY_CHANGED      /* in both, values differ */
};

/* A differing row: its key's canonical texts (one per key column) and
 * both sides' canonical texts of every column (a NULL element is SQL
 * NULL; src or dst is NULL for the side without the row). */
typedef struct kf_verify_diff_s {
	enum kf_verify_diff_kind kind;
	char **key;
	char **src;
	char **dst;
} kf_verify_diff_t;

typedef struct kf_verify_table_s {
	char *source; /* table names */
	char *target;
	char **columns; /* the source's column names */
	size_t ncolumns;
	size_t *key; /* indexes into columns */
	size_t nkey;
	/* why the table cannot be compared row by row (missing table,
	 * different columns), or NULL */
	char *problem;
	uint64_t rows_source, rows_target;
	uint64_t ranges, ranges_differing;
	uint64_t missing, extra, changed;
	kf_verify_diff_t *diffs; /* the first opts->show of them */
	size_t ndiffs;
	double seconds;
} kf_verify_table_t;

typedef struct kf_verify_report_s {
	kf_verify_table_t *tables;
	size_t ntables;
} kf_verify_report_t;

/* Compares every table of opts. 0 with *out (free with
 * kf_verify_report_free) when all were compared, equal or not;
 * KF_EINVAL (bad table name, no key), KF_EAUTH (login refused) or
 * KF_EIO (unreachable, connection lost, a query failed) with errstr,
 * and *out NULL. */
int kf_verify_tables(const kf_verify_opts_t *opts, kf_verify_report_t **out,
		     char *errstr, size_t errstr_size);

/* 1 when every table of r is equal. */
int kf_verify_report_equal(const kf_verify_report_t *r);

/* NULL is a no-op. */
void kf_verify_report_free(kf_verify_report_t *r);

#ifdef __cplusplus
}
#endif

#endif /* KFERRY_VERIFY_H */
