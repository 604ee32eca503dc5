/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A Schema Registry client: the Confluent-compatible REST API
 * (docs/schemas.md 2, 3) on libcurl. Registers schemas under a subject
 * with the compatibility steps of docs/schemas.md 3.2, reads writer
 * schemas by id, reads and sets a subject's compatibility level.
 *
 * Ids are cached (subject and schema -> id; id -> parsed schema), so a
 * steady stream makes no request. Requests block: call from a worker or
 * a writer thread, never the loop.
 *
 * Errors name the registry, the subject or id, the request, the HTTP
 * status and the registry's message; an unreachable registry or a 5xx is
 * KF_EIO (worth a retry), a refusal KF_EINVAL (the same every time).
 *
 * @locality any thread: one mutex serializes the requests and the caches.
 */
#ifndef KF_REGISTRY_CLIENT_H
#define KF_REGISTRY_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "record/avro.h"
#include "record/avrodec.h"
#include "record/jsonschema.h"

typedef struct kf_registry_opts_s {
	const char *url;	 /* base of the API, no trailing slash needed */
	const char *username;	 /* NULL: no basic auth */
	const char *password;	 /* already resolved (file:/env: read) */
	const char *ca_location; /* NULL: the system's CAs */
	/* mutual TLS: a PEM certificate and its key (both or neither), the
	 * key's password already resolved (NULL: a clear key) */
	const char *cert_location, *key_location, *key_password;
	long timeout_ms; /* per request; 0: 10000 */
	/* the level set on a subject kferry creates; NULL: BACKWARD */
	const char *compatibility;
} kf_registry_opts_t;

typedef struct kf_registry_s kf_registry_t;

/* Strings are copied. NULL with errstr (a bad URL or level, out of
 * memory). */
kf_registry_t *kf_registry_new(const kf_registry_opts_t *o, char *errstr,
			       size_t errstr_size);
void kf_registry_destroy(kf_registry_t *r); /* NULL: no-op */

/* The id of a schema under subject (schema_type NULL: Avro, else the
 * registry's word, "JSON"), registering it if new, after
 * the checks of docs/schemas.md 3.2 (a new subject gets the configured
 * level; an incompatible schema is KF_EINVAL naming the field and the
 * rule). */
int kf_registry_register(kf_registry_t *r, const char *subject,
			 const char *schema_type, const char *schema,
			 uint32_t *id, char *errstr, size_t errstr_size);

/* The writer schema of id, parsed: Avro, or JSON Schema when the
 * registry's schemaType says JSON (its schemas owned by r, valid until it
 * is destroyed). A schema kferry does not read is KF_EINVAL naming the
 * field, remembered: asked again, the same error comes without a
 * request. */
int kf_registry_schema(kf_registry_t *r, uint32_t id, kf_wire_schema_t *out,
		       char *errstr, size_t errstr_size);

/* A subject's compatibility level into level (e.g. "BACKWARD"). */
int kf_registry_get_level(kf_registry_t *r, const char *subject, char *level,
			  size_t level_size, char *errstr, size_t errstr_size);
int kf_registry_set_level(kf_registry_t *r, const char *subject,
			  const char *level, char *errstr, size_t errstr_size);

/* Whether schema may follow the subject's latest version: 0 with
 * *compatible 1 or 0. */
int kf_registry_check(kf_registry_t *r, const char *subject,
		      const char *schema_type, const char *schema,
		      int *compatible, char *errstr, size_t errstr_size);

#endif /* KF_REGISTRY_CLIENT_H */
