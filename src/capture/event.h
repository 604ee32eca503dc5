/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The change events of docs/cdc.md 3, 4 and 10.4: Debezium's envelope in
 * Kafka Connect JSON with schema, built from rows in the source's text
 * format: PostgreSQL's (pgoutput's values and the snapshot's results are
 * the same text) or MariaDB's (the snapshot's results; a binlog row is
 * written as that text first: capture/mdbrow).
 *
 * A kf_cap_table_t is one table's shape (columns, key, types) with its
 * topic and its key and envelope schemas rendered once; events are then
 * the rendered schema plus the payload of one row.
 *
 * @locality any thread; a table is used by one thread at a time.
 */
#ifndef KF_CAPTURE_EVENT_H
#define KF_CAPTURE_EVENT_H

#include <stdint.h>

#include "capture/pgoutput.h"
#include "common/strbuf.h"

/* The Debezium release whose format we write (docs/cdc.md 3). */
#define KF_CAP_DBZ_VERSION "3.2.0.Final"

/* A column as the table definition gives it. Strings are copied. */
typedef struct kf_cap_coldef_s {
	const char *name;
	uint32_t type_oid; /* PostgreSQL's type */
	int32_t typmod;	   /* -1: none */
	int notnull;	   /* NOT NULL: the field is not optional */
	int key_seq; /* 0: not in the primary key; else 1-based position */
	/* MariaDB's type (the tables of kf_cap_table_new_mariadb): the
	 * binlog's column type and metadata (capture/binlog.h's
	 * kf_bl_col_t), its unsignedness, a binary string (BINARY, VARBINARY,
	 * BLOB: bytes), JSON (a LONGTEXT the server checks
	 * with JSON_VALID, which the binlog does not tell), and the members
	 * of an ENUM or SET */
	uint8_t mdb_type;
	uint16_t mdb_meta;
	int mdb_unsigned, mdb_binary, mdb_json;
	const char *const *members;
	uint32_t nmembers;
} kf_cap_coldef_t;

typedef struct kf_cap_table_s kf_cap_table_t;

/* The table schema.name of ncols columns, on topic prefix.schema.name.
 * It needs a primary key (some key_seq 1..n, each once). 0 with *out (the
 * caller's: kf_cap_table_destroy), or KF_EINVAL (no or a broken key, no
 * columns), KF_ENOMEM, with errstr. */
int kf_cap_table_new(const char *prefix, const char *schema, const char *name,
		     const kf_cap_coldef_t *cols, int ncols,
		     kf_cap_table_t **out, char *errstr, size_t errstr_size);
/* The same for MariaDB's table db.name (docs/cdc.md 10.2, 10.4): the
 * columns' types are their mdb_ members (10.8; a type it does not map is
 * KF_EINVAL naming the column), the source struct MariaDB's. */
int kf_cap_table_new_mariadb(const char *prefix, const char *db,
			     const char *name, const kf_cap_coldef_t *cols,
			     int ncols, kf_cap_table_t **out, char *errstr,
			     size_t errstr_size);
/* NULL is a no-op. */
void kf_cap_table_destroy(kf_cap_table_t *t);

const char *kf_cap_table_topic(const kf_cap_table_t *t);
/* "schema.name" */
const char *kf_cap_table_name(const kf_cap_table_t *t);
int kf_cap_table_ncols(const kf_cap_table_t *t);

/* What goes into an event's source struct. */
typedef struct kf_cap_source_s {
	const char *prefix, *db;
	const char *snapshot;	  /* "first" "true" "last" "false" */
	int64_t ts_us;		  /* commit time (the snapshot's start) */
	uint64_t last_commit_lsn; /* sequence's first member; 0: null */
	uint64_t lsn;
	int64_t txid; /* < 0: null */
	/* MariaDB's (docs/cdc.md 10.4): the event header's server id, the
	 * transaction's GTID (NULL: null), the binlog file and the offset of
	 * the transaction's GTID event, the row's index in its rows event */
	uint32_t server_id;
	const char *gtid, *file;
	uint64_t pos;
	int32_t row;
} kf_cap_source_t;

/* Appends the key of row (ncols values in column order; the key's must
 * be set) to out. 0, or KF_EPROTO with errstr (a value that does not
 * parse as its type, a NULL or missing key value). */
int kf_cap_event_key(const kf_cap_table_t *t, const kf_pgo_value_t *row,
		     int nvals, kf_strbuf_t *out, char *errstr,
		     size_t errstr_size);

/* Appends the envelope of one event to out: op 'r' 'c' 'u' 'd' 't';
 * before and after (NULL: null) hold nvals values in column order
 * ('u' unchanged TOAST values of after are taken from before when it
 * has them, else written as Debezium's placeholder). now_us: the event's
 * ts_ms/us/ns. *nulled is incremented for each value written as null
 * because Connect has no value for it (numeric NaN, infinite dates).
 * 0, or KF_EPROTO with errstr (the column and what is wrong). */
int kf_cap_event_value(const kf_cap_table_t *t, char op,
		       const kf_pgo_value_t *before, int nbefore,
		       const kf_pgo_value_t *after, int nafter,
		       const kf_cap_source_t *src, int64_t now_us,
		       kf_strbuf_t *out, int *nulled, char *errstr,
		       size_t errstr_size);

#endif /* KF_CAPTURE_EVENT_H */
