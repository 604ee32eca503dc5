/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Avro for flat records (docs/schemas.md 1.3, 4.1): the binary encoding
 * of primitives, the schema JSON kferry registers for a schema file's
 * columns, writer schemas read back into a kf_schema_t with what decoding
 * needs per field, records decoded into typed values, and the explanation
 * of an incompatible change (3.2).
 *
 * Decoding input is hostile: every length is checked against the bytes
 * left, varints are at most 10 bytes, union indexes and enum symbols in
 * range, strings valid UTF-8.
 *
 * @locality any thread; a kf_avro_rec_t is read-only once parsed.
 */
#ifndef KF_RECORD_AVRO_H
#define KF_RECORD_AVRO_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "record/schema.h"
#include "record/value.h"

/* -- binary encoding -------------------------------------------------- */

/* int and long: zigzag, then base-128 varint, low group first. */
void kf_avro_put_long(kf_strbuf_t *b, int64_t v);
/* bytes and string: the length as a long, then the bytes. */
void kf_avro_put_bytes(kf_strbuf_t *b, const void *p, size_t n);
/* float and double: IEEE 754, little-endian. */
void kf_avro_put_float(kf_strbuf_t *b, float f);
void kf_avro_put_double(kf_strbuf_t *b, double d);

/* A cursor over bytes being decoded. */
typedef struct kf_avro_in_s {
	const uint8_t *p, *end;
} kf_avro_in_t;

/* Each 0, or -1 when the input ends early or is malformed. get_bytes
 * points into the input (no copy). */
int kf_avro_get_long(kf_avro_in_t *in, int64_t *v);
int kf_avro_get_bytes(kf_avro_in_t *in, const uint8_t **p, size_t *n);
int kf_avro_get_float(kf_avro_in_t *in, float *f);
int kf_avro_get_double(kf_avro_in_t *in, double *d);

/* -- the schema kferry writes ------------------------------------------ */

/* Appends the record schema of columns cols[0..n) of s (indexes into
 * s->cols) as compact JSON: the value record (key 0) or the key record
 * (key 1, named NAME_key). Same bytes for the same schema. */
void kf_avro_schema_json(const kf_schema_t *s, const int *cols, size_t n,
			 int key, kf_strbuf_t *out);

/* Encodes the columns cols[0..n) of one row (values by column index). */
void kf_avro_encode(const kf_schema_t *s, const int *cols, size_t n,
		    const kf_value_t *vals, kf_strbuf_t *out);

/* -- writer schemas read back ------------------------------------------ */

typedef struct kf_avro_rec_s kf_avro_rec_t;

/* Parses a record schema of primitives, logical types, enums, fixed
 * decimals and two-branch unions with null, or Debezium's change-event
 * envelope (record/avroenv.h) whose row record is such a record. NULL with errstr naming the
 * field and what is not supported. Free with kf_avro_rec_free. */
kf_avro_rec_t *kf_avro_rec_parse(const char *js, size_t len, char *errstr,
				 size_t errstr_size);
void kf_avro_rec_free(kf_avro_rec_t *r); /* NULL: no-op */

/* The record as table columns (types of docs/schemas.md 4.1 read
 * backwards; required = not a union with null). Owned by r. */
const kf_schema_t *kf_avro_rec_schema(const kf_avro_rec_t *r);

/* The change-event envelope r was parsed from (record/avroenv.h), whose
 * row record r is; NULL for a record of rows. */
typedef struct kf_avro_env_s kf_avro_env_t;
const kf_avro_env_t *kf_avro_rec_env(const kf_avro_rec_t *r);

/* Reads one record's fields from in (offsets in rejects counted from
 * body), leaving in after the last one. 0, or -1 with rej. */
int kf_avro_rec_read(const kf_avro_rec_t *r, kf_avro_in_t *in, const void *body,
		     kf_value_t *vals, kf_reject_t *rej);

/* Decodes one record body into vals (one per column of the schema,
 * strings and bytes pointing into the input). 0, or -1 with rej (code
 * `format`, naming the field and the byte offset). Bytes left over are
 * an error. */
int kf_avro_rec_decode(const kf_avro_rec_t *r, const void *body, size_t len,
		       kf_value_t *vals, kf_reject_t *rej);

/* Why schema next may not follow schema prev under compatibility level
 * (BACKWARD, FORWARD, FULL, with or without _TRANSITIVE): 1 with the
 * first field and the rule in buf, 0 when no rule is broken. */
int kf_avro_explain(const kf_avro_rec_t *prev, const kf_avro_rec_t *next,
		    const char *level, char *buf, size_t size);

#endif /* KF_RECORD_AVRO_H */
