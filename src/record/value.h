/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Typed values of one record field, and the rejection of a row.
 *
 * A field's text (decoded to UTF-8, NULL-tested, trimmed and cased by the
 * caller) becomes a kf_value_t of its column's type (docs/records.md 1.2,
 * 2.4): integers as int64, decimals as an exact signed 128-bit unscaled
 * value at the column's scale, floats as double, dates as days since
 * 1970-01-01, times as milliseconds since midnight, timestamps as
 * milliseconds since the epoch (UTC), text, bytes and json as byte spans.
 * Spans point into memory the caller owns (the row's arena): a value does
 * not own anything.
 *
 * A failure is a kf_reject_t: the reason word of docs/records.md 3.6, the
 * column and a message that never quotes the value of a masked column.
 *
 * @locality any thread; pure functions.
 */
#ifndef KF_RECORD_VALUE_H
#define KF_RECORD_VALUE_H

#include <stddef.h>
#include <stdint.h>

/* The column types of the schema file (docs/records.md 2.4). */
enum kf_type {
	KF_T_BOOLEAN = 1,
	KF_T_INT8,
	KF_T_INT16,
	KF_T_INT32,
	KF_T_INT64,
	KF_T_FLOAT32,
	KF_T_FLOAT64,
	KF_T_DECIMAL, /* decimal(p,s): p 1..38, s 0..p */
	KF_T_DATE,
	KF_T_TIME,
	KF_T_TIMESTAMP,
	KF_T_TEXT,
	KF_T_BYTES,
	KF_T_JSON, /* jsonl only: any JSON value as its compact text */
};

/* GCC and clang have a 128-bit integer; a decimal(38,s) needs 127 bits. */
__extension__ typedef __int128 kf_i128_t;

typedef struct kf_value_s {
	enum kf_type type;
	int null;
	union {
		int b;	   /* BOOLEAN: 0 or 1 */
		int64_t i; /* INT8..INT64, DATE (days), TIME (ms), TIMESTAMP (ms) */
		double f;      /* FLOAT32, FLOAT64: finite, but from a
				* topic (record/envelope.h: NaN, infinities) */
		kf_i128_t dec; /* DECIMAL: unscaled, at the column's scale */
		struct {       /* TEXT (UTF-8), BYTES (raw), JSON (compact) */
			const char *ptr;
			size_t len;
		} s;
	} u;
} kf_value_t;

/* Why a row was rejected (docs/records.md 3.6). code is one of the words
 * listed there, static; col is the column index (-1: the whole record);
 * reason says what was expected and what was found. */
typedef struct kf_reject_s {
	const char *code;
	int col;
	char reason[256];
} kf_reject_t;

/* Sets rej (if not NULL) and returns -1, for `return kf_reject(...)`. */
int kf_reject(kf_reject_t *rej, const char *code, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

struct kf_column_s;
struct kf_schema_s;

/* Parses the text of column c (index col of schema s) into v: the
 * column's type, format, decimal point, thousands byte, sign and implied
 * decimals (fixed), cast_from and round, and the schema's timezone for
 * timestamps without an offset. Text, bytes and json values point at txt.
 * 0, or -1 with rej set (`type`, `precision`, `scale`, `encoding`). */
int kf_value_parse(const struct kf_schema_s *s, int col, const char *txt,
		   size_t len, kf_value_t *v, kf_reject_t *rej);

/* The checks of docs/records.md 2.4 after parsing: min, max, length,
 * max_bytes, regex (compiled by kf_schema_prepare), enum. A NULL value
 * passes (required is the caller's check). 0, or -1 with rej set. */
int kf_value_check(const struct kf_schema_s *s, int col, const kf_value_t *v,
		   kf_reject_t *rej);

/* The canonical text of a value that is not a span (text, bytes, json
 * give ""): what its type's default format reads back ("true", "12.30"
 * at scale, "2026-12-02", "09:30:15.000", "2026-12-02T00:30:15.000Z").
 * NUL-terminated; returns the length. For templates and messages. */
size_t kf_value_format(const kf_value_t *v, int scale, char out[64]);

/* Compares a and b of the same type: <0, 0, >0 (text and bytes by bytes).
 */
int kf_value_cmp(const kf_value_t *a, const kf_value_t *b);

/* Exact decimals. kf_dec_parse reads [+-]digits[.digits] (point and
 * thousands as given; thousands 0: none) at scale; more fractional digits
 * than the scale are an error unless round says how to drop them
 * (KF_ROUND_*); more than precision digits are an error. 0, or -1 with
 * rej set (`type`, `precision`, `scale`). */
int kf_dec_parse(const char *txt, size_t len, char point, char thousands,
		 int precision, int scale, int round, kf_i128_t *out,
		 kf_reject_t *rej, int col);
/* Writes v at scale as decimal text ("-12.30"), NUL-terminated; returns
 * the length (at most 42 bytes with the NUL). */
size_t kf_dec_format(kf_i128_t v, int scale, char out[48]);
/* Big-endian two's complement in the fewest bytes (at most 16), as Java's
 * BigInteger.toByteArray(); returns the byte count. */
size_t kf_dec_bytes(kf_i128_t v, uint8_t out[16]);

/* Days since 1970-01-01 of a proleptic Gregorian date; -1 from
 * kf_date_valid when the date does not exist. */
int kf_date_valid(int y, int m, int d);
int64_t kf_days_from_civil(int y, int m, int d);

#endif /* KF_RECORD_VALUE_H */
