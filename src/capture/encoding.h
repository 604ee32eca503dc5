/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How the change events of kferry capture leave (docs/schemas.md 10):
 * Connect JSON as capture/event.c renders them, or, per side (key,
 * value), Avro or JSON Schema in the Confluent wire format: each topic's
 * Connect schema converted once (record/avroconv.h, record/jsonconv.h)
 * and registered under TOPIC-key or TOPIC-value (or the record's name) with the checks of
 * docs/schemas.md 3.2, then each payload converted (Avro) or carried as
 * it is (JSON Schema, docs/schemas.md 10.3). A new Connect schema on a topic (a Relation message that
 * changed the table) registers a new version before its first event.
 *
 * @locality the capture's thread (registry requests block: there is no
 * loop in the capture).
 */
#ifndef KF_CAPTURE_ENCODING_H
#define KF_CAPTURE_ENCODING_H

#include "common/strbuf.h"
#include "registry/client.h"

typedef struct kf_cap_encoding_s kf_cap_encoding_t;

/* key_wire, value_wire: each side's format (enum kf_rec_wire of
 * record/serial.h); reg (borrowed, needed when either is not Connect
 * JSON) the registry; record_subjects: subjects named after the records
 * (RecordNameStrategy, docs/schemas.md 10.4), else TOPIC-key and
 * TOPIC-value. NULL when out of memory. */
kf_cap_encoding_t *kf_cap_encoding_new(kf_registry_t *reg, int key_wire,
				       int value_wire, int record_subjects);
void kf_cap_encoding_free(kf_cap_encoding_t *e); /* NULL: no-op */

/* Rewrites an event of topic in place: key (NULL: none) and value, each
 * a Connect JSON envelope event.c rendered, into the side's format. 0, or
 * KF_EINVAL (the registry refused a schema: the field and rule; a payload
 * that does not convert), KF_EIO (the registry unreachable), KF_ENOMEM,
 * with errstr. */
int kf_cap_encoding_apply(kf_cap_encoding_t *e, const char *topic,
			  kf_strbuf_t *key, kf_strbuf_t *value, char *errstr,
			  size_t errstr_size);

#endif /* KF_CAPTURE_ENCODING_H */
