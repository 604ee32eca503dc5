/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The schema of a record file (docs/records.md section 2, schema file
 * format version 1): columns, types, checks, transforms, the dialect of
 * CSV and JSON lines, fixed-width layouts with record types and control
 * totals, the key and the filter.
 *
 * kf_schema_load reads a schema file (the INI dialect of common/ini.h);
 * every error names the file, the line and the key, and suggests the
 * nearest known key. The loaded schema is plain data; kf_schema_prepare
 * (called by the loaders, again after overrides) checks the whole and
 * compiles what needs compiling (regexes, filter values, bounds).
 *
 * Ownership: a kf_schema_t owns every string and array in it; free it
 * with kf_schema_free. Once prepared it is read-only and may be shared by
 * threads.
 */
#ifndef KF_RECORD_SCHEMA_H
#define KF_RECORD_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "record/value.h"

#define KF_SCHEMA_FORMAT_VERSION 1

enum kf_rec_format {
	KF_FMT_CSV = 1,
	KF_FMT_JSONL,
	KF_FMT_FIXED
};
enum kf_trim {
	KF_TRIM_NONE = 0,
	KF_TRIM_LEFT,
	KF_TRIM_RIGHT,
	KF_TRIM_BOTH
};
enum kf_case {
	KF_CASE_NONE = 0,
	KF_CASE_UPPER,
	KF_CASE_LOWER
};
enum kf_sign {
	KF_SIGN_NONE = 0,
	KF_SIGN_LEADING,
	KF_SIGN_TRAILING,
	KF_SIGN_OVERPUNCH
};
enum kf_round {
	KF_ROUND_NONE = 0, /* extra fractional digits reject the row */
	KF_ROUND_HALF_EVEN,
	KF_ROUND_HALF_UP,
	KF_ROUND_TRUNCATE
};
enum kf_cast_from {
	KF_CAST_NONE = 0,
	KF_CAST_YYYYMMDD, /* a date written as the number 20261202 */
	KF_CAST_EPOCH_MS, /* a timestamp as milliseconds since the epoch */
	KF_CAST_EPOCH_S
};
enum kf_mask {
	KF_MASK_NONE = 0,
	KF_MASK_KEEP,	/* keep_first:N (a=N,b=0), keep_last:N, keep:A:B */
	KF_MASK_HASH,	/* hex SHA-256 of load.mask_salt + value */
	KF_MASK_REDACT, /* load.mask_text */
	KF_MASK_NULL
};
enum kf_position {
	KF_POS_ANY = 0,
	KF_POS_FIRST,
	KF_POS_LAST
};
enum kf_terminator {
	KF_TERM_LF = 0,
	KF_TERM_CRLF,
	KF_TERM_NONE
};
enum kf_filter_op {
	KF_OP_EQ = 1,
	KF_OP_NE,
	KF_OP_LT,
	KF_OP_LE,
	KF_OP_GT,
	KF_OP_GE,
	KF_OP_IN,
	KF_OP_NOT_IN,
	KF_OP_IS_NULL,
	KF_OP_NOT_NULL
};

/* The database type of a column read from a topic (record/envelope.h)
 * whose logical type has no kf_type of its own (docs/sink.md 2.3); the
 * value is of the column's kf_type, in the unit named here. */
enum kf_sqltype {
	KF_SQL_NONE = 0,     /* the kf_type's own column type */
	KF_SQL_TIMESTAMP_US, /* INT64: microseconds since the epoch */
	KF_SQL_TIMESTAMP_NS, /* INT64: nanoseconds since the epoch */
	KF_SQL_TIMESTAMPTZ,  /* INT64: microseconds since the epoch, UTC */
	KF_SQL_TIME_US,	     /* INT64: microseconds since midnight */
	KF_SQL_TIME_NS,	     /* INT64: nanoseconds since midnight */
	KF_SQL_TIMETZ,	     /* INT64: microseconds since midnight, UTC */
	KF_SQL_INTERVAL,     /* INT64: microseconds */
	KF_SQL_NUMERIC,	     /* TEXT: a decimal of any scale, "-12.340" */
	KF_SQL_UUID,	     /* TEXT: 8-4-4-4-12 lower-case hex digits */
	KF_SQL_XML,	     /* TEXT */
	KF_SQL_BITS	     /* TEXT: precision digits 0/1, the first the
			      * most significant */
};

typedef struct kf_column_s {
	char *name;   /* output name: [A-Za-z_][A-Za-z0-9_]{0,62} */
	char *source; /* CSV header / JSON member path; NULL: name */
	char *doc;    /* NULL: none */
	enum kf_type type;
	int precision, scale; /* KF_T_DECIMAL; precision: bits of KF_SQL_BITS */
	enum kf_sqltype sqltype; /* columns read from a topic; else 0 */
	int required;
	int emit; /* 0: read, checked, usable, not emitted */
	/* parsing */
	char *format; /* strptime-like; NULL: the type's default */
	char *bool_true, *bool_false; /* format = Y/N for booleans; NULL */
	char decimal_point;	      /* '.' */
	char thousands;		      /* 0: none */
	enum kf_trim trim;
	enum kf_case letter_case;
	enum kf_cast_from cast_from;
	enum kf_round round;
	/* checks (text as written; kf_schema_prepare parses min/max) */
	char *min_text, *max_text; /* NULL: none */
	kf_value_t min, max;	   /* prepared; null when not set */
	int has_length;
	size_t length_min, length_max; /* characters */
	size_t max_bytes;	       /* 0: none */
	char *regex;		       /* NULL: none */
	void *regex_compiled;	       /* regex_t *, by kf_schema_prepare */
	char **enum_vals;
	size_t n_enum;
	/* fixed-width */
	int rectype; /* index in schema->rectypes (fixed), else -1 */
	size_t offset, length_bytes;
	char pad; /* ' ' */
	enum kf_sign sign;
	int implied;
	/* computed and masked */
	char *value; /* template of a computed column; NULL: read */
	enum kf_mask mask;
	unsigned mask_a, mask_b; /* KF_MASK_KEEP: first a, last b */
	char *mask_keep;	 /* characters never masked: "-" */
	int key_pos;		 /* position in the key, or -1 */
	unsigned line; /* of [column.NAME] in the schema file (messages) */
} kf_column_t;

/* A fixed-width record type ([record.NAME]). */
typedef struct kf_rectype_s {
	char *name;
	char *match; /* discriminator code, raw bytes; NULL: no discriminator */
	size_t match_len;
	enum kf_position position;
	int emit;
	int check_count; /* column (of this type) that must equal rows read;
			  * -1: none */
	struct kf_sum_check {
		int col;    /* column of this type holding the total */
		int sum_of; /* emitted column summed */
	} * sums;
	size_t n_sums;
	unsigned line; /* of [record.NAME]; 0: the implicit only type */
} kf_rectype_t;

/* One `COLUMN OP VALUE` term of [schema] filter (joined by and). */
typedef struct kf_filter_term_s {
	int col;
	enum kf_filter_op op;
	char **texts; /* values as written (one, or the in-list) */
	size_t n;
	kf_value_t *values; /* prepared: parsed in the column's type */
} kf_filter_term_t;

typedef struct kf_schema_s {
	char *path; /* as given to kf_schema_load, for messages */
	int format_version;
	char *name;	    /* Connect struct name of the value */
	int schema_version; /* 0: none */
	enum kf_rec_format format;
	char *encoding;	  /* as written ("UTF-8", "EUC-KR") */
	char *iconv_from; /* what iconv is opened with ("CP949"); NULL: UTF-8 */
	int tz_minutes;	  /* offset east of UTC of local timestamps */
	int extra_ignore; /* on_extra_columns = ignore */
	int missing_null; /* on_missing_columns = null */
	kf_filter_term_t *filter;
	size_t n_filter;
	struct {
		char delim, quote, escape; /* quote 0: none */
		int header;
		char *null_text; /* NULL: "" */
		int quoted_null;
		unsigned skip_lines;
		char comment; /* 0: none */
		size_t max_field_bytes;
	} csv;
	struct {
		size_t max_line_bytes;
		int numbers_as_strings;
	} jsonl;
	struct {
		size_t record_bytes;
		enum kf_terminator terminator;
		int has_disc;
		size_t disc_offset, disc_length;
	} fixed;
	kf_rectype_t *rectypes; /* fixed; at least one */
	size_t n_rectypes;
	int emit_rectype;  /* the one type whose records are rows */
	kf_column_t *cols; /* in file order: the struct's field order */
	size_t ncols;
	int *key; /* column indexes, in key order */
	size_t nkey;
	unsigned key_line; /* of [schema] key; 0: set by kf_schema_set_key */
	unsigned filter_line;
	int masks; /* some column masks (dead letters withhold raw bytes) */
	/* locale_t of C.UTF-8: regexes are compiled under it (uselocale) and
	 * must run under it; NULL when no column has a regex */
	void *regex_locale;
	int prepared; /* kf_schema_prepare succeeded */
} kf_schema_t;

/* Reads and prepares a schema file. 0 with *out (kf_schema_free), or
 * KF_EINVAL / KF_EIO with errstr naming the file, line and key. */
int kf_schema_load(const char *path, kf_schema_t **out, char *errstr,
		   size_t errstr_size);
/* The same from text in memory; path names it in messages. */
int kf_schema_parse(const char *text, size_t len, const char *path,
		    kf_schema_t **out, char *errstr, size_t errstr_size);

/* An empty schema, as a file with only format_version = 1 (no format,
 * no columns), for code that builds one (the sniffer): set the fields,
 * add columns, then kf_schema_prepare. path names it in messages (NULL:
 * "schema"). NULL when out of memory. */
kf_schema_t *kf_schema_new(const char *path);
/* Appends a column of that name with the defaults of the file format
 * (type unset: set it). Its index, or KF_EINVAL (an invalid or taken
 * name) / KF_ENOMEM with errstr. */
int kf_schema_add_column(kf_schema_t *s, const char *name, char *errstr,
			 size_t errstr_size);

/* Overrides of the command line, before kf_schema_prepare: the key
 * columns ("a,b"; "" removes the key), the format, the encoding, the CSV
 * delimiter ("tab" or one byte) and header. KF_EINVAL with errstr. */
int kf_schema_set_key(kf_schema_t *s, const char *cols, char *errstr,
		      size_t errstr_size);
int kf_schema_set_format(kf_schema_t *s, const char *format, char *errstr,
			 size_t errstr_size);
int kf_schema_set_encoding(kf_schema_t *s, const char *encoding, char *errstr,
			   size_t errstr_size);
int kf_schema_set_delimiter(kf_schema_t *s, const char *delim, char *errstr,
			    size_t errstr_size);

/* Checks the whole (key columns required and emitted, one emitted record
 * type, names unique, a name not ending in .Envelope, keys that fit the
 * column's type and the format, ...) and compiles regexes, bounds and
 * filter values. Called by kf_schema_load; call again after overrides.
 * The salt that hash masks need is the load's to check (a column with
 * KF_MASK_HASH): the schema does not know it. */
int kf_schema_prepare(kf_schema_t *s, char *errstr, size_t errstr_size);

/* The index of the column named name, or -1. */
int kf_schema_col(const kf_schema_t *s, const char *name);

/* The type's word in schema files ("int64"; "decimal(p,s)" for
 * KF_T_DECIMAL, whose file form carries precision and scale). */
const char *kf_schema_type_name(enum kf_type t);

/* The iconv name to decode encoding with ("EUC-KR", "UHC", "MS949" ->
 * "CP949"; UTF-8 -> NULL), or "" when it is not ASCII-transparent and so
 * refused. */
const char *kf_schema_iconv_name(const char *encoding);

void kf_schema_free(kf_schema_t *s);

#endif /* KF_RECORD_SCHEMA_H */
