/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kafka Connect JSON envelopes (`{"schema":...,"payload":...}`, what
 * JsonConverter writes with schemas.enable=true) read back into typed
 * rows: the records of `kferry load` and of any Connect source, and the
 * change events of Debezium's envelope (docs/sink.md section 1). The
 * inverse of record/serial.h's Connect JSON.
 *
 * A schema is the same bytes in every message of a topic: it is parsed
 * once into a kf_schema_t and found again by its hash (a small cache per
 * decoder). Every message is hostile until checked: a schema or a payload
 * that is not what Connect writes is refused with a `format` reject
 * saying what and where, never guessed at.
 *
 * @locality one thread at a time per decoder.
 */
#ifndef KF_RECORD_ENVELOPE_H
#define KF_RECORD_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "record/schema.h"
#include "record/value.h"

enum kf_env_kind {
	KF_ENV_RECORD = 1, /* one row: the value struct */
	KF_ENV_CHANGE,	   /* a Debezium change event */
	KF_ENV_TOMBSTONE   /* a null value */
};

/* One decoded message; valid until the decoder's next call. */
typedef struct kf_env_msg_s {
	enum kf_env_kind kind;
	char op; /* change events: 'c' 'r' 'u' 'd' 't'; else 0 */
	/* the row's columns: the value struct, or the envelope's row struct
	 * (after, or before when there is no after) */
	const kf_schema_t *schema;
	const kf_value_t *after;       /* by column; NULL: none (a delete) */
	const kf_value_t *before;      /* change events; NULL: none */
	const kf_schema_t *key_schema; /* NULL: no struct key */
	const kf_value_t *key;
	/* change events: the source block's db, schema, table ("" absent) */
	const char *db, *db_schema, *table;
	int64_t ts_ms; /* change events: ts_ms, else -1 */
} kf_env_msg_t;

typedef struct kf_envdec_s kf_envdec_t;

kf_envdec_t *kf_envdec_new(void); /* NULL: out of memory */
void kf_envdec_free(kf_envdec_t *d);

/* Decodes one message (key may be NULL: a null key; value NULL: a
 * tombstone). 0, or -1 with rej set: code `format`, the reason naming the
 * member and what was wrong. */
int kf_envdec_decode(kf_envdec_t *d, const void *key, size_t klen,
		     const void *value, size_t vlen, kf_env_msg_t *out,
		     kf_reject_t *rej);

/* A Connect field schema's parameters read by kf_envdec_column_type
 * (NULL: absent). */
typedef struct kf_connect_params_s {
	const char *scale, *precision; /* connect.decimal.precision */
	const char *length;	       /* Debezium's Bits */
} kf_connect_params_t;

/* The column type of a Connect field schema (docs/sink.md 2.3): its type
 * word (int8 .. int64, float or float32, double or float64, boolean,
 * string, bytes, struct), its logical name ("" none) and parameters, into
 * c's type, sqltype, precision and scale. 0, or -1 with rej naming c. */
int kf_envdec_column_type(const char *type, const char *name,
			  const kf_connect_params_t *params, kf_column_t *c,
			  kf_reject_t *rej);

/* Reads js[0..len), the bare payload of a JSON Schema record
 * (docs/schemas.md 4.3) or change event (4.4, change 1), by the columns of
 * s (borrowed: valid as long as out) into out as kf_envdec_decode would
 * a value; out has no key. Same contract otherwise. */
int kf_envdec_payload(kf_envdec_t *d, const kf_schema_t *s, int change,
		      const void *js, size_t len, kf_env_msg_t *out,
		      kf_reject_t *rej);

/* Decodes a message whose value is in the Confluent wire format (its
 * first byte 0: Avro with a registered schema, docs/schemas.md 6) into
 * the same form; record/avrodec.h's kf_avrodec_wire is one. */
typedef int (*kf_envdec_wire_cb)(void *opaque, const void *key, size_t klen,
				 const void *value, size_t vlen,
				 kf_env_msg_t *out, kf_reject_t *rej);

/* Hands wire-format messages to cb (NULL: they are refused as not JSON,
 * the default). A Connect JSON key beside a wire-format value is read
 * here, when cb finds no key of its own. */
void kf_envdec_set_wire(kf_envdec_t *d, kf_envdec_wire_cb cb, void *opaque);

#endif /* KF_RECORD_ENVELOPE_H */
