/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A Kafka Connect schema (the `schema` of a Connect JSON envelope) as a
 * JSON Schema document with Connect's annotations, as Connect's
 * JsonSchemaConverter writes one (docs/schemas.md 10.3): for the change
 * events of `kferry capture --value-format json-schema`, whose bodies are
 * the Connect JSON payloads themselves. record/jsonschema.h reads the
 * documents back.
 *
 * @locality any thread.
 */
#ifndef KF_RECORD_JSONCONV_H
#define KF_RECORD_JSONCONV_H

#include <stddef.h>

#include "common/strbuf.h"

/* Appends the document of the Connect schema js[0..len) (a JSON object)
 * to out. 0, or KF_EINVAL (what is not a Connect schema, or a type a
 * document of rows does not hold: an array or a map) or KF_ENOMEM with
 * errstr. */
int kf_jsonconv_schema(const char *js, size_t len, kf_strbuf_t *out,
		       char *errstr, size_t errstr_size);

#endif /* KF_RECORD_JSONCONV_H */
