/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The canonical text of values and rows in SQL, per dialect
 * (docs/verify.md 1 and 2): what makes a PostgreSQL and a MariaDB table
 * with the same rows give the same counts and checksums.
 *
 * @locality the thread that owns the kf_db_t (a verify walk).
 */
#ifndef KF_VERIFY_CANON_H
#define KF_VERIFY_CANON_H

#include <stddef.h>
#include <stdint.h>

#include "db/conn.h"

/* What a column holds, from its information_schema data_type. */
enum kf_vkind {
	KF_VK_OTHER = 0,
	KF_VK_INT,
	KF_VK_DEC,
	KF_VK_FLOAT,
	KF_VK_BOOL,
	KF_VK_TEXT,
	KF_VK_CHAR, /* PostgreSQL's blank-padded character(n) */
	KF_VK_BYTES,
	KF_VK_DATE,
	KF_VK_TIME,
	KF_VK_TS,
	KF_VK_JSON,
	KF_VK_UUID
};

enum kf_vkind kf_vkind_of(enum kf_db_dialect d, const char *data_type);

/* Appends the canonical text of column col (an unquoted name) of kind k,
 * NULL when the value is NULL. */
int kf_vcanon_expr(kf_db_t *db, kf_db_sql_t *b, const char *col,
		   enum kf_vkind k);

/* Appends the row text of ncols columns: per column "N" for NULL, else
 * "<byte length>:<canonical text>". */
int kf_vcanon_row(kf_db_t *db, kf_db_sql_t *b, const char *const *cols,
		  const enum kf_vkind *kinds, size_t ncols);

/* Appends "count, sum of the 64-bit md5 slices" of the row text (the
 * select list of a range's figures). */
int kf_vcanon_figures(kf_db_t *db, kf_db_sql_t *b, const char *const *cols,
		      const enum kf_vkind *kinds, size_t ncols);

/* Appends canon (a canonical text of kind k, as kf_vcanon_expr gives it)
 * as a literal that compares with the column. KF_EINVAL when a number or
 * bytes literal holds characters it cannot. */
int kf_vcanon_literal(kf_db_t *db, kf_db_sql_t *b, enum kf_vkind k,
		      const char *canon);

/* Reads a sum as the database prints it (an exact integer, optional
 * '-', NULL for an empty range) modulo 2^64 into *out. KF_EPROTO when it
 * is not an integer. */
int kf_vcanon_sum(const char *text, uint64_t *out);

#endif /* KF_VERIFY_CANON_H */
