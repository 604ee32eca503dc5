/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exact text of typed values (record/value.h) as both databases read
 * them, for COPY (PostgreSQL) and SQL literals (MariaDB): decimals from
 * their unscaled 128-bit integer (kf_dec_format), dates from days since
 * 1970-01-01,
 * times from milliseconds since midnight, timestamps from milliseconds
 * since the epoch as UTC (proleptic Gregorian calendar; PostgreSQL's
 * years before 1 are written "... BC").
 *
 * @locality any thread; pure functions.
 */
#ifndef KF_DB_RENDER_H
#define KF_DB_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "db/conn.h"

/* Room for any text of this file, NUL included. */
#define KF_DB_FMT_MAX 64

/* "YYYY-MM-DD" (bc: years before 1 as "YYYY-MM-DD BC"). */
size_t kf_db_fmt_date(int64_t days, int bc, char out[KF_DB_FMT_MAX]);
/* "HH:MM:SS.mmm" of 0 <= ms < 86400000. */
size_t kf_db_fmt_time(int64_t ms, char out[KF_DB_FMT_MAX]);
/* "YYYY-MM-DD HH:MM:SS.mmm" (UTC; bc as kf_db_fmt_date). */
size_t kf_db_fmt_timestamp(int64_t ms, int bc, char out[KF_DB_FMT_MAX]);

/* The text of a value that is not a span (boolean, integers, floats,
 * decimal, date, time, timestamp) of column c, unquoted: booleans as
 * t/f (PostgreSQL) or 1/0 (MariaDB). Returns the length, or -1 when the
 * column's type is a span (text, bytes, json) or v's type is not the
 * column's. An INT64 of a column with a sqltype is written in its unit
 * as that type's text ("2026-12-02 09:30:15.123456", "26:03:04.500000"
 * for an interval); non-finite floats as NaN, Infinity, -Infinity
 * (MariaDB: quoted, which it refuses). v must not be null. */
int kf_db_fmt_scalar(const kf_column_t *c, const kf_value_t *v,
		     enum kf_db_dialect d, char out[KF_DB_FMT_MAX]);

/* The column type of c when it has a sqltype (record/schema.h, columns
 * read from a topic: docs/sink.md 2.3), in buf or static; NULL when it has
 * none. key: c is a key column (MariaDB cannot index LONGTEXT). */
const char *kf_db_sqltype_name(const kf_column_t *c, int key,
			       enum kf_db_dialect d, char *buf, size_t size);

#endif /* KF_DB_RENDER_H */
