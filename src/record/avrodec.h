/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Records in the Confluent wire format (docs/schemas.md 1.2, 4.3, 6), an
 * Avro or a JSON body, read back
 * into the decoded form of Connect JSON envelopes (record/envelope.h's
 * kf_env_msg_t, KF_ENV_RECORD), so that the sink's plan and writers do
 * not know which format a row came in. The writer schema of each id comes
 * from the caller (a registry client, in the sink) through a callback;
 * record/ does no I/O.
 *
 * A key in the wire format is decoded the same way; any other key is no
 * row key (as for Connect JSON). Values and keys borrow the message's
 * bytes: valid while the message is.
 *
 * @locality one thread at a time per decoder.
 */
#ifndef KF_RECORD_AVRODEC_H
#define KF_RECORD_AVRODEC_H

#include <stddef.h>
#include <stdint.h>

#include "record/avro.h"
#include "record/envelope.h"
#include "record/jsonschema.h"

/* The writer schema of an id: Avro or JSON Schema, one of them set. */
typedef struct kf_wire_schema_s {
	const kf_avro_rec_t *avro;
	const kf_jsonschema_t *json;
} kf_wire_schema_t;

/* The writer schema of id: 0 with *out (its schemas owned by the callee,
 * valid as long as the decoder is used), or -1 with rej (code `format`,
 * the reason naming the id and why). */
typedef int (*kf_avrodec_lookup_cb)(void *opaque, uint32_t id,
				    kf_wire_schema_t *out, kf_reject_t *rej);

typedef struct kf_avrodec_s kf_avrodec_t;

/* NULL when out of memory. */
kf_avrodec_t *kf_avrodec_new(kf_avrodec_lookup_cb lookup, void *opaque);
void kf_avrodec_free(kf_avrodec_t *d); /* NULL: no-op */

/* Decodes one message whose value is in the wire format. Same contract as
 * kf_envdec_decode. */
int kf_avrodec_decode(kf_avrodec_t *d, const void *key, size_t klen,
		      const void *value, size_t vlen, kf_env_msg_t *out,
		      kf_reject_t *rej);

/* A kf_envdec_wire_cb (record/envelope.h) over kf_avrodec_decode; opaque
 * is the kf_avrodec_t. */
int kf_avrodec_wire(void *opaque, const void *key, size_t klen,
		    const void *value, size_t vlen, kf_env_msg_t *out,
		    kf_reject_t *rej);

#endif /* KF_RECORD_AVRODEC_H */
