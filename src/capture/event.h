/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The change events of docs/cdc.md 3 and 4: Debezium's envelope in Kafka
 * Connect JSON with schema, built from rows in PostgreSQL's text format
 * (pgoutput's values and the snapshot's results are the same text).
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
	uint32_t type_oid;
	int32_t typmod; /* -1: none */
	int notnull;	/* NOT NULL: the field is not optional */
	int key_seq;	/* 0: not in the primary key; else 1-based position */
} kf_cap_coldef_t;

typedef struct kf_cap_table_s kf_cap_table_t;

/* The table schema.name of ncols columns, on topic prefix.schema.name.
 * It needs a primary key (some key_seq 1..n, each once). 0 with *out (the
 * caller's: kf_cap_table_destroy), or KF_EINVAL (no or a broken key, no
 * columns), KF_ENOMEM, with errstr. */
int kf_cap_table_new(const char *prefix, const char *schema, const char *name,
		     const kf_cap_coldef_t *cols, int ncols,
		     kf_cap_table_t **out, char *errstr, size_t errstr_size);
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
