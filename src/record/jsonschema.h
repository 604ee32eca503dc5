/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON Schema documents read back as table columns (docs/schemas.md 4.3,
 * 4.4): the writer schema of a JSON Schema record in the Confluent wire
 * format, whose body is then read as a Connect JSON payload
 * (record/envelope.h's kf_envdec_payload). The column types come from
 * Kafka Connect's annotations (`connect.type`, a logical name in `title`
 * or `connect.name`, `connect.parameters`); an unannotated integer,
 * number, string or boolean is int64, float64, text or boolean.
 *
 * Documents are hostile: what a column cannot hold, or what this reader
 * would have to guess at, is refused naming the property, never read into
 * a column of the wrong type.
 *
 * @locality any thread; a parsed kf_jsonschema_t is read-only.
 */
#ifndef KF_RECORD_JSONSCHEMA_H
#define KF_RECORD_JSONSCHEMA_H

#include <stddef.h>

#include "record/schema.h"

typedef struct kf_jsonschema_s kf_jsonschema_t;

/* Parses the document js[0..len). NULL with errstr naming the property
 * and what is not read. Free with kf_jsonschema_free. */
kf_jsonschema_t *kf_jsonschema_parse(const char *js, size_t len, char *errstr,
				     size_t errstr_size);
void kf_jsonschema_free(kf_jsonschema_t *j); /* NULL: no-op */

/* The columns (of the envelope's row record for a change event). Owned
 * by j. */
const kf_schema_t *kf_jsonschema_row(const kf_jsonschema_t *j);

/* 1 when the document is a Debezium envelope (4.4), else 0. */
int kf_jsonschema_change(const kf_jsonschema_t *j);

#endif /* KF_RECORD_JSONSCHEMA_H */
