/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wire-format records into kf_env_msg_t (avrodec.h): the 5-byte header
 * checked, the writer schema found by its id, an Avro body decoded by
 * record/avro.c (rows) or record/avroenv.c (change events) into value
 * arrays that grow to the widest schema seen, a JSON body read by
 * record/envelope.c as a Connect JSON payload (one decoder for keys, one
 * for values: each message's strings live in its decoder's arena).
 */
#include <stdlib.h>
#include <string.h>

#include "record/avrodec.h"
#include "record/avroenv.h"

#define KF__NAME 256 /* a change event's db, schema and table */

enum {
	KF__AFTER,
	KF__KEY,
	KF__BEFORE,
	KF__SLOTS
};

struct kf_avrodec_s {
	kf_avrodec_lookup_cb lookup;
	void *opaque;
	kf_value_t *vals[KF__SLOTS];
	size_t nvals[KF__SLOTS];
	char db[KF__NAME], schema[KF__NAME], table[KF__NAME];
	kf_envdec_t *json[KF__SLOTS]; /* JSON bodies: KF__AFTER and KF__KEY */
};

kf_avrodec_t *kf_avrodec_new(kf_avrodec_lookup_cb lookup, void *opaque)
{
	kf_avrodec_t *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->lookup = lookup;
	d->opaque = opaque;
	d->json[KF__AFTER] = kf_envdec_new();
	d->json[KF__KEY] = kf_envdec_new();
	if (!d->json[KF__AFTER] || !d->json[KF__KEY]) {
		kf_avrodec_free(d);
		return NULL;
	}
	return d;
}

void kf_avrodec_free(kf_avrodec_t *d)
{
	if (!d)
		return;
	free(d->vals[KF__AFTER]);
	free(d->vals[KF__KEY]);
	free(d->vals[KF__BEFORE]);
	kf_envdec_free(d->json[KF__AFTER]);
	kf_envdec_free(d->json[KF__KEY]);
	free(d);
}

/* The header's id: 0, or -1 when p is not in the wire format. */
static int kf__header(const uint8_t *p, size_t len, uint32_t *id)
{
	if (len < 5 || p[0] != 0)
		return -1;
	*id = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 |
	      (uint32_t)p[3] << 8 | p[4];
	return 0;
}

/* Slot's values, grown to n columns. */
static kf_value_t *kf__vals(kf_avrodec_t *d, int slot, size_t n)
{
	kf_value_t *v;

	if (d->nvals[slot] < n) {
		v = realloc(d->vals[slot], n * sizeof(*v));
		if (!v)
			return NULL;
		d->vals[slot] = v;
		d->nvals[slot] = n;
	}
	return d->vals[slot];
}

/* The writer schema of a wire-format message. */
static int kf__writer(kf_avrodec_t *d, const uint8_t *p, size_t len,
		      kf_wire_schema_t *w, kf_reject_t *rej)
{
	uint32_t id;

	*w = (kf_wire_schema_t){0};

	if (kf__header(p, len, &id))
		return kf_reject(rej, "format", -1,
				 "not in the Confluent wire format (magic "
				 "byte 0 and a 4-byte schema id)");
	if (d->lookup(d->opaque, id, w, rej))
		return -1;
	if (!w->avro == !w->json)
		return kf_reject(rej, "format", -1,
				 "schema id %u: neither Avro nor JSON Schema",
				 id);
	return 0;
}

/* A change event's source name into buf ("" when absent). */
static int kf__name(char *buf, const char *s, size_t len, const char *what,
		    kf_reject_t *rej)
{
	if (len >= KF__NAME)
		return kf_reject(rej, "format", -1,
				 "Avro change event: source.%s longer than "
				 "%d bytes",
				 what, KF__NAME - 1);
	memcpy(buf, s ? s : "", len);
	buf[len] = '\0';
	return 0;
}

/* A Debezium envelope body (docs/schemas.md 6.2) into out. */
static int kf__change(kf_avrodec_t *d, const kf_avro_rec_t *r, const uint8_t *p,
		      size_t len, kf_env_msg_t *out, kf_reject_t *rej)
{
	const kf_schema_t *s = kf_avro_rec_schema(r);
	kf_value_t *after = kf__vals(d, KF__AFTER, s->ncols);
	kf_value_t *before = kf__vals(d, KF__BEFORE, s->ncols);
	kf_avro_change_t c;

	if (!after || !before)
		return kf_reject(rej, "format", -1, "out of memory");
	if (kf_avro_env_decode(kf_avro_rec_env(r), r, p, len, before, after, &c,
			       rej) ||
	    kf__name(d->db, c.db, c.db_len, "db", rej) ||
	    kf__name(d->schema, c.schema, c.schema_len, "schema", rej) ||
	    kf__name(d->table, c.table, c.table_len, "table", rej))
		return -1;
	out->kind = KF_ENV_CHANGE;
	out->op = c.op;
	out->schema = s;
	out->after = c.has_after ? after : NULL;
	out->before = c.has_before ? before : NULL;
	out->db = d->db;
	out->db_schema = d->schema;
	out->table = d->table;
	out->ts_ms = c.ts_ms;
	return 0;
}

/* A JSON body (docs/schemas.md 4.3, 4.4) read by slot's decoder. */
static int kf__json(kf_avrodec_t *d, const kf_jsonschema_t *j, int slot,
		    const uint8_t *p, size_t len, kf_env_msg_t *out,
		    kf_reject_t *rej)
{
	return kf_envdec_payload(d->json[slot], kf_jsonschema_row(j),
				 slot == KF__AFTER && kf_jsonschema_change(j),
				 p + 5, len - 5, out, rej);
}

/* One wire-format record of rows into slot's values. */
static int kf__record(kf_avrodec_t *d, const uint8_t *p, size_t len, int slot,
		      const kf_schema_t **schema, const kf_value_t **vals,
		      kf_reject_t *rej)
{
	kf_wire_schema_t w;
	const kf_schema_t *s;
	kf_env_msg_t m;
	kf_value_t *v;

	if (kf__writer(d, p, len, &w, rej))
		return -1;
	if (w.json) {
		if (kf__json(d, w.json, slot, p, len, &m, rej))
			return -1;
		*schema = m.schema;
		*vals = m.after;
		return 0;
	}
	s = kf_avro_rec_schema(w.avro);
	if (!(v = kf__vals(d, slot, s->ncols)))
		return kf_reject(rej, "format", -1, "out of memory");
	if (kf_avro_rec_decode(w.avro, p + 5, len - 5, v, rej))
		return -1;
	*schema = s;
	*vals = v;
	return 0;
}

/* The value of a message into out (no key). */
static int kf__value(kf_avrodec_t *d, const uint8_t *value, size_t vlen,
		     kf_env_msg_t *out, kf_reject_t *rej)
{
	kf_wire_schema_t w;

	memset(out, 0, sizeof(*out));
	out->ts_ms = -1;
	out->db = out->db_schema = out->table = "";
	if (!value) {
		out->kind = KF_ENV_TOMBSTONE;
		return 0;
	}
	if (kf__writer(d, value, vlen, &w, rej))
		return -1;
	if (w.json)
		return kf__json(d, w.json, KF__AFTER, value, vlen, out, rej);
	if (kf_avro_rec_env(w.avro))
		return kf__change(d, w.avro, value + 5, vlen - 5, out, rej);
	out->kind = KF_ENV_RECORD;
	return kf__record(d, value, vlen, KF__AFTER, &out->schema, &out->after,
			  rej);
}

int kf_avrodec_decode(kf_avrodec_t *d, const void *key, size_t klen,
		      const void *value, size_t vlen, kf_env_msg_t *out,
		      kf_reject_t *rej)
{
	const kf_schema_t *ks = NULL;
	const kf_value_t *kv = NULL;
	uint32_t id;

	if ((key && !kf__header(key, klen, &id) &&
	     kf__record(d, key, klen, KF__KEY, &ks, &kv, rej)) ||
	    kf__value(d, value, vlen, out, rej))
		return -1;
	out->key_schema = ks;
	out->key = kv;
	return 0;
}

int kf_avrodec_wire(void *opaque, const void *key, size_t klen,
		    const void *value, size_t vlen, kf_env_msg_t *out,
		    kf_reject_t *rej)
{
	return kf_avrodec_decode(opaque, key, klen, value, vlen, out, rej);
}
