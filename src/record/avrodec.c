/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wire-format Avro records into kf_env_msg_t (avrodec.h): the 5-byte
 * header checked, the writer schema found by its id, the body decoded by
 * record/avro.c into value arrays that grow to the widest schema seen.
 */
#include <stdlib.h>
#include <string.h>

#include "record/avrodec.h"

struct kf_avrodec_s {
	kf_avrodec_lookup_cb lookup;
	void *opaque;
	kf_value_t *vals[2]; /* the value's, the key's */
	size_t nvals[2];
};

kf_avrodec_t *kf_avrodec_new(kf_avrodec_lookup_cb lookup, void *opaque)
{
	kf_avrodec_t *d = calloc(1, sizeof(*d));

	if (d) {
		d->lookup = lookup;
		d->opaque = opaque;
	}
	return d;
}

void kf_avrodec_free(kf_avrodec_t *d)
{
	if (!d)
		return;
	free(d->vals[0]);
	free(d->vals[1]);
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

/* One wire-format message body into slot's values. */
static int kf__record(kf_avrodec_t *d, const uint8_t *p, size_t len, int slot,
		      const kf_schema_t **schema, const kf_value_t **vals,
		      kf_reject_t *rej)
{
	const kf_avro_rec_t *r;
	const kf_schema_t *s;
	kf_value_t *v;
	uint32_t id;

	if (kf__header(p, len, &id))
		return kf_reject(rej, "format", -1,
				 "not in the Confluent wire format (magic "
				 "byte 0 and a 4-byte schema id)");
	if (d->lookup(d->opaque, id, &r, rej))
		return -1;
	s = kf_avro_rec_schema(r);
	if (d->nvals[slot] < s->ncols) {
		v = realloc(d->vals[slot], s->ncols * sizeof(*v));
		if (!v)
			return kf_reject(rej, "format", -1, "out of memory");
		d->vals[slot] = v;
		d->nvals[slot] = s->ncols;
	}
	if (kf_avro_rec_decode(r, p + 5, len - 5, d->vals[slot], rej))
		return -1;
	*schema = s;
	*vals = d->vals[slot];
	return 0;
}

int kf_avrodec_decode(kf_avrodec_t *d, const void *key, size_t klen,
		      const void *value, size_t vlen, kf_env_msg_t *out,
		      kf_reject_t *rej)
{
	uint32_t id;

	memset(out, 0, sizeof(*out));
	out->ts_ms = -1;
	out->db = out->db_schema = out->table = "";
	if (key && !kf__header(key, klen, &id) &&
	    kf__record(d, key, klen, 1, &out->key_schema, &out->key, rej))
		return -1;
	if (!value) {
		out->kind = KF_ENV_TOMBSTONE;
		return 0;
	}
	out->kind = KF_ENV_RECORD;
	return kf__record(d, value, vlen, 0, &out->schema, &out->after, rej);
}

int kf_avrodec_wire(void *opaque, const void *key, size_t klen,
		    const void *value, size_t vlen, kf_env_msg_t *out,
		    kf_reject_t *rej)
{
	return kf_avrodec_decode(opaque, key, klen, value, vlen, out, rej);
}
