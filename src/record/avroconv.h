/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kafka Connect JSON (a schema and a payload, what JsonConverter writes
 * with schemas.enable=true) converted to Avro as Connect's Avro
 * converters convert a Connect schema and value (docs/schemas.md 10.1):
 * the Avro schema JSON once, then each payload's Avro binary body. Used
 * for the change events of `kferry capture --value-format avro`, which
 * are rendered in Connect JSON first (docs/cdc.md 3).
 *
 * The payload is checked against the schema as it is converted (a null
 * in a required field, an integer out of its type's range, bad base64):
 * an error names the field.
 *
 * @locality any thread; a converter is read-only once made.
 */
#ifndef KF_RECORD_AVROCONV_H
#define KF_RECORD_AVROCONV_H

#include <stddef.h>

#include "common/strbuf.h"

typedef struct kf_avroconv_s kf_avroconv_t;

/* The converter of the Connect schema js[0..len) (a JSON object), its
 * Avro schema JSON appended to avro. NULL with errstr (what is not a
 * Connect schema, or out of memory). Free with kf_avroconv_free. */
kf_avroconv_t *kf_avroconv_new(const char *js, size_t len, kf_strbuf_t *avro,
			       char *errstr, size_t errstr_size);
void kf_avroconv_free(kf_avroconv_t *c); /* NULL: no-op */

/* Appends the Avro body of the payload js[0..len) (one JSON value) to
 * out. 0, or KF_EINVAL / KF_ENOMEM with errstr naming the field. */
int kf_avroconv_payload(const kf_avroconv_t *c, const char *js, size_t len,
			kf_strbuf_t *out, char *errstr, size_t errstr_size);

#endif /* KF_RECORD_AVROCONV_H */
