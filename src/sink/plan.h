/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What one batch of messages does to the database (docs/sink.md 1, 2,
 * 4.1): each message decoded (records, Debezium change events; tombstones
 * skipped), its target table named (--table, --table-format), and its row
 * put into a group of one table and one column set, in message order; in
 * upsert mode each group is collapsed per key (the last event of a key
 * wins: an upsert writes the whole row, a delete removes it). Messages
 * that cannot be applied (not Connect JSON, a change event without a
 * key) are listed as refused, with the reason.
 *
 * No database here: the writer (sink/writer.c) applies the groups in
 * order. Rows copy what they need from the decoder: a plan owns all of
 * its memory.
 *
 * @locality the writer thread (any one thread at a time per plan).
 */
#ifndef KF_SINK_PLAN_H
#define KF_SINK_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "db/conn.h"
#include "record/envelope.h"
#include "sink/stash.h"

/* How messages become rows: borrowed from kf_sink_opts_t. */
typedef struct kf_sink_rules_s {
	const char *table;	  /* one table for every topic; NULL: format */
	const char *table_format; /* NULL: "${topic}" */
	int mode;		  /* -1: by kind; else enum kf_db_mode */
	const char *key;	  /* "a,b": value fields of records; NULL */
	int delete_rows, truncate;
	/* sink.ledger_topic: its messages are load records, not rows (the
	 * writer reconciles them, sink/reconcile.h); NULL: none */
	const char *ledger_topic;
} kf_sink_rules_t;

/* A message refused before reaching the database. */
typedef struct kf_sink_refusal_s {
	size_t msg;	  /* index in the batch */
	const char *code; /* "format", "key", "table" (static) */
	char reason[256];
} kf_sink_refusal_t;

/* The rows of one table with one column set, in message order. */
typedef struct kf_sink_group_s {
	char *table;
	kf_column_t *cols; /* names and types (owned copies) */
	size_t ncols;
	int *key; /* indexes into cols; nkey 0: none */
	size_t nkey;
	kf_column_t *keycols; /* cols[key[i]], for deletes (shared names) */
	enum kf_db_mode mode;
	int truncate; /* TRUNCATE the table before the rest of the group */
	/* what is written: rows[i] points at ncols values, from message
	 * row_msg[i] */
	const kf_value_t **rows;
	size_t *row_msg;
	size_t nrows;
	/* what is deleted: dels[i] points at nkey values */
	const kf_value_t **dels;
	size_t ndels;
} kf_sink_group_t;

typedef struct kf_sink_plan_s {
	kf_sink_group_t *groups;
	size_t ngroups;
	kf_sink_refusal_t *refused;
	size_t nrefused;
	/* messages read and dropped on purpose: tombstones, deletes and
	 * truncates without --delete / --truncate */
	uint64_t skipped;
	uint64_t collapsed; /* events replaced by a later one of their key */
	kf_arena_t *arena;
	/* memory held by the values (sink.max_inflight_bytes counts it) */
	uint64_t bytes;
} kf_sink_plan_t;

/* Builds the plan of the messages of msgs with dec (row_msg and a
 * refusal's msg index them). 0, or KF_ENOMEM (the plan is then freed). */
int kf_sink_plan_build(kf_sink_plan_t *p, const kf_sink_rules_t *r,
		       kf_envdec_t *dec, const kf_sink_stash_t *msgs);
void kf_sink_plan_free(kf_sink_plan_t *p);

/* The table of --table-format fmt for a message of topic with the source
 * block's db, schema and table (each "" when absent): ${topic} (a topic's
 * '.' written as '_'), ${db}, ${schema}, ${table}; any other text as is.
 * 0, or -1 when it is empty, longer than 63 bytes per dotted part, or
 * names an unknown placeholder (out gets why). */
int kf_sink_table_name(const char *fmt, const char *topic, const char *db,
		       const char *schema, const char *table, char *out,
		       size_t size);

#endif /* KF_SINK_PLAN_H */
