/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Serializers of records: the Kafka key and value of one row. Behind one
 * interface so that Avro with a Schema Registry can join Connect's JSON
 * (docs/records.md section 1, record format version 1).
 *
 * The value is every emitted column in schema order; the key is the key
 * columns in key order, or no key (a null Kafka key) when the schema has
 * none. Values come by column index (every column of the schema, emitted
 * or not), already parsed, checked, transformed and masked.
 *
 * @locality any thread; a serializer is used by one thread at a time.
 */
#ifndef KF_RECORD_SERIAL_H
#define KF_RECORD_SERIAL_H

#include <stdint.h>

#include "common/strbuf.h"
#include "record/schema.h"

typedef struct kf_serializer_s kf_serializer_t;

/* What a record's key and value are (docs/schemas.md 1.1); the values of
 * load.value_format. */
enum kf_rec_wire {
	KF_WIRE_CONNECT_JSON = 0, /* docs/records.md 1 */
	KF_WIRE_AVRO = 1,	  /* Confluent wire format, Avro body */
	KF_WIRE_JSON_SCHEMA = 2	  /* Confluent wire format, JSON body */
};

typedef struct kf_serializer_ops_s {
	const char *name; /* "connect-json" */
	/* Appends the key to out: 0, 1 when there is no key (out unchanged),
	 * -1 on a value it cannot write (out of memory) */
	int (*key)(kf_serializer_t *z, const kf_value_t *vals,
		   kf_strbuf_t *out);
	/* Appends the value: 0 or -1 */
	int (*value)(kf_serializer_t *z, const kf_value_t *vals,
		     kf_strbuf_t *out);
	void (*destroy)(kf_serializer_t *z);
} kf_serializer_ops_t;

struct kf_serializer_s {
	const kf_serializer_ops_t *ops;
	const kf_schema_t *schema; /* borrowed; prepared */
};

/* Connect's JsonConverter with schemas.enable=true. decimal_numeric:
 * load.decimal_format = numeric (JSON numbers) rather than base64. The
 * schema JSON of key and value is rendered once here. NULL with errstr
 * when out of memory. */
kf_serializer_t *kf_serial_connect_json(const kf_schema_t *s,
					int decimal_numeric, char *errstr,
					size_t errstr_size);

/* Avro in the Confluent wire format (docs/schemas.md 1.2, 1.3): the
 * value as registered under value_id, the key (when the schema has key
 * columns) under key_id. NULL with errstr when out of memory. */
kf_serializer_t *kf_serial_avro(const kf_schema_t *s, uint32_t key_id,
				uint32_t value_id, char *errstr,
				size_t errstr_size);

/* The Avro schema JSON kferry registers for the value and, when the
 * schema has key columns, the key (key->len 0 otherwise). 0, or -1 when
 * out of memory. */
int kf_serial_avro_schemas(const kf_schema_t *s, kf_strbuf_t *value,
			   kf_strbuf_t *key);

/* JSON Schema in the Confluent wire format (docs/schemas.md 4.2): the
 * header of value_id (key_id for the key), then the payload object of
 * Connect JSON (docs/records.md 1.4) without the envelope. NULL with
 * errstr when out of memory. */
kf_serializer_t *kf_serial_json_schema(const kf_schema_t *s,
				       int decimal_numeric, uint32_t key_id,
				       uint32_t value_id, char *errstr,
				       size_t errstr_size);

/* The JSON Schema documents kferry registers for the value and, when the
 * schema has key columns, the key. 0, or -1 when out of memory. */
int kf_serial_json_schemas(const kf_schema_t *s, int decimal_numeric,
			   kf_strbuf_t *value, kf_strbuf_t *key);

/* The indexes of the emitted columns, in schema order; *n of them
 * (malloc: the caller frees). NULL when out of memory. */
int *kf_serial_emitted(const kf_schema_t *s, size_t *n);

static inline int kf_serial_key(kf_serializer_t *z, const kf_value_t *vals,
				kf_strbuf_t *out)
{
	return z->ops->key(z, vals, out);
}

static inline int kf_serial_value(kf_serializer_t *z, const kf_value_t *vals,
				  kf_strbuf_t *out)
{
	return z->ops->value(z, vals, out);
}

/* NULL is a no-op. */
static inline void kf_serial_free(kf_serializer_t *z)
{
	if (z)
		z->ops->destroy(z);
}

#endif /* KF_RECORD_SERIAL_H */
