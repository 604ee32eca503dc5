/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Avro records in the Confluent wire format (docs/schemas.md 1.2, 1.3):
 * the 5-byte header of the registered schema's id, then the row in Avro
 * binary encoding (record/avro.h). The ids come from the registry before
 * the serializer is made: it does no I/O.
 */
#include <stdlib.h>

#include "common/err.h"
#include "record/avro.h"
#include "record/serial.h"

struct kf__av {
	kf_serializer_t z; /* first: the ops see a kf_serializer_t */
	char vhead[5], khead[5];
	int *vcols; /* the emitted columns, in schema order */
	size_t nv;
};

static void kf__header(char out[5], uint32_t id)
{
	out[0] = 0; /* magic */
	out[1] = (char)(id >> 24);
	out[2] = (char)(id >> 16);
	out[3] = (char)(id >> 8);
	out[4] = (char)id;
}

static int kf__av_key(kf_serializer_t *z, const kf_value_t *vals,
		      kf_strbuf_t *out)
{
	struct kf__av *av = (struct kf__av *)z;

	if (!z->schema->nkey)
		return 1;
	kf_strbuf_append(out, av->khead, 5);
	kf_avro_encode(z->schema, z->schema->key, z->schema->nkey, vals, out);
	return out->failed ? -1 : 0;
}

static int kf__av_value(kf_serializer_t *z, const kf_value_t *vals,
			kf_strbuf_t *out)
{
	struct kf__av *av = (struct kf__av *)z;

	kf_strbuf_append(out, av->vhead, 5);
	kf_avro_encode(z->schema, av->vcols, av->nv, vals, out);
	return out->failed ? -1 : 0;
}

static void kf__av_destroy(kf_serializer_t *z)
{
	struct kf__av *av = (struct kf__av *)z;

	free(av->vcols);
	free(av);
}

static const kf_serializer_ops_t kf__av_ops = {
	.name = "avro",
	.key = kf__av_key,
	.value = kf__av_value,
	.destroy = kf__av_destroy,
};

kf_serializer_t *kf_serial_avro(const kf_schema_t *s, uint32_t key_id,
				uint32_t value_id, char *errstr,
				size_t errstr_size)
{
	struct kf__av *av = calloc(1, sizeof(*av));

	if (!av || !(av->vcols = kf_serial_emitted(s, &av->nv))) {
		free(av);
		kf_seterr(errstr, errstr_size, KF_ENOMEM,
			  "avro serializer: out of memory");
		return NULL;
	}
	av->z.ops = &kf__av_ops;
	av->z.schema = s;
	kf__header(av->vhead, value_id);
	kf__header(av->khead, key_id);
	return &av->z;
}

int kf_serial_avro_schemas(const kf_schema_t *s, kf_strbuf_t *value,
			   kf_strbuf_t *key)
{
	size_t nv;
	int *vcols = kf_serial_emitted(s, &nv);

	if (!vcols)
		return -1;
	kf_avro_schema_json(s, vcols, nv, 0, value);
	free(vcols);
	if (s->nkey)
		kf_avro_schema_json(s, s->key, s->nkey, 1, key);
	return value->failed || key->failed ? -1 : 0;
}
