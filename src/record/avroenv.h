/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Debezium's change-event envelope in Avro (docs/schemas.md 6.2): the
 * record named Envelope with before, after, source, op and ts_ms, as a
 * registry converter writes it (and as `kferry capture --value-format
 * avro` does). Its row record (before and after) is a flat record of
 * record/avro.h; the rest of the envelope (source, transaction, fields a
 * later Debezium adds) is read as Avro of any shape, only to find db,
 * schema, table, op and ts_ms and to step over everything else.
 *
 * Every body is hostile: lengths are checked against the bytes left,
 * union branches and enum symbols in range, nesting and array blocks
 * bounded.
 *
 * @locality any thread; an envelope is read-only once parsed.
 */
#ifndef KF_RECORD_AVROENV_H
#define KF_RECORD_AVROENV_H

#include <stddef.h>
#include <stdint.h>

#include "common/jsontok.h"
#include "record/avro.h"

/* kf_avro_env_t is declared in record/avro.h */

/* Whether the record schema at token 0 of t has the envelope's shape: a
 * record named Envelope (in any namespace) with fields op and after. */
int kf_avro_env_is(const char *js, const kf_jtok_t *t);

/* Parses the envelope at token 0 (kf_avro_env_is true): the token of its
 * row record's definition into *row_tok (the caller parses it as a flat
 * record). NULL with errstr naming the field and what is not read. Free
 * with kf_avro_env_free. */
kf_avro_env_t *kf_avro_env_parse(const char *js, const kf_jtok_t *t,
				 int *row_tok, char *errstr,
				 size_t errstr_size);
void kf_avro_env_free(kf_avro_env_t *e); /* NULL: no-op */

/* One decoded change event; strings point into the body. */
typedef struct kf_avro_change_s {
	char op;	    /* 'c' 'r' 'u' 'd' 't' */
	int has_before;	    /* before was not null */
	int has_after;	    /* after was not null */
	const char *db;	    /* source.db; NULL: absent */
	size_t db_len;	    /* ... */
	const char *schema; /* source.schema; NULL: absent */
	size_t schema_len;
	const char *table; /* source.table; NULL: absent */
	size_t table_len;
	int64_t ts_ms; /* -1: absent or null */
} kf_avro_change_t;

/* Decodes one envelope body (row: the flat record of *row_tok, vals
 * before and after one per its column). 0, or -1 with rej (`format`,
 * naming the field and the byte offset). */
int kf_avro_env_decode(const kf_avro_env_t *e, const kf_avro_rec_t *row,
		       const void *body, size_t len, kf_value_t *before,
		       kf_value_t *after, kf_avro_change_t *out,
		       kf_reject_t *rej);

#endif /* KF_RECORD_AVROENV_H */
