/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for src/record/avro.c: writer schemas and record
 * bodies, both hostile (docs/schemas.md 1.3, 6).
 *
 * The input is a schema JSON, a NUL byte, then a record body. The schema
 * parser must refuse or parse without crashing; a parsed schema decodes
 * the body or refuses it, and a decoded row's strings and bytes must lie
 * inside the body (or be an enum's symbol) and its text be valid UTF-8.
 * The body is then decoded again through the wire format's decoder with
 * a header, which must agree. A Debezium envelope (record/avroenv.h) is
 * decoded through the wire format's decoder alone, and its before and
 * after rows checked the same way. A schema that is no Avro is read as a
 * JSON Schema document (record/jsonschema.h, docs/schemas.md 4.3) and the
 * body, a JSON payload, decoded through the wire format's decoder: its
 * text must be valid UTF-8.
 *
 * Seeds: tests/fuzz/corpus/avro/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/avro.h"
#include "record/avrodec.h"
#include "record/decode.h"
#include "record/jsonschema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int lookup(void *opaque, uint32_t id, kf_wire_schema_t *out,
		  kf_reject_t *rej)
{
	(void)rej;
	if (id != 7)
		abort();
	*out = *(const kf_wire_schema_t *)opaque;
	return 0;
}

static void check_row(const kf_schema_t *s, const kf_value_t *v,
		      const uint8_t *body, size_t len)
{
	size_t i;

	for (i = 0; i < s->ncols; i++) {
		const char *p = v[i].u.s.ptr;
		int inside;

		if (v[i].null || (s->cols[i].type != KF_T_TEXT &&
				  s->cols[i].type != KF_T_BYTES))
			continue;
		inside = !body ||
			 ((const uint8_t *)p >= body &&
			  (const uint8_t *)p + v[i].u.s.len <= body + len);
		if (s->cols[i].type == KF_T_TEXT &&
		    !kf_utf8_valid(p, v[i].u.s.len))
			abort();
		if (!inside && s->cols[i].type == KF_T_BYTES)
			abort();
	}
}

/* A JSON Schema document and a JSON body (body NULL in check_row: its
 * strings live in the decoder's arena, not in the input). */
static void json_schema(const char *js, size_t slen, const uint8_t *body,
			size_t blen)
{
	char err[512];
	kf_wire_schema_t w = {0};
	kf_jsonschema_t *j = kf_jsonschema_parse(js, slen, err, sizeof(err));
	kf_avrodec_t *d;
	kf_env_msg_t msg;
	kf_reject_t rej;
	uint8_t *wire;

	if (!j)
		return;
	w.json = j;
	wire = malloc(blen + 5);
	d = kf_avrodec_new(lookup, &w);
	if (!wire || !d)
		abort();
	memcpy(wire, "\0\0\0\0\7", 5);
	memcpy(wire + 5, body, blen);
	if (!kf_avrodec_decode(d, NULL, 0, wire, blen + 5, &msg, &rej)) {
		if (msg.after)
			check_row(msg.schema, msg.after, NULL, 0);
		if (msg.before)
			check_row(msg.schema, msg.before, NULL, 0);
	}
	kf_avrodec_free(d);
	free(wire);
	kf_jsonschema_free(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	kf_wire_schema_t w = {0};
	kf_avro_rec_t *r;
	kf_avrodec_t *d;
	kf_env_msg_t msg;
	kf_reject_t rej;
	kf_value_t *v;
	uint8_t *wire;
	size_t slen, blen;
	char err[512];
	int rc;

	if (!nul)
		return 0;
	slen = (size_t)(nul - data);
	blen = size - slen - 1;
	r = kf_avro_rec_parse((const char *)data, slen, err, sizeof(err));
	if (!r) {
		json_schema((const char *)data, slen, nul + 1, blen);
		return 0;
	}
	v = calloc(kf_avro_rec_schema(r)->ncols + 1, sizeof(*v));
	wire = malloc(blen + 5);
	w.avro = r;
	d = kf_avrodec_new(lookup, &w);
	if (!v || !wire || !d)
		abort();
	rc = kf_avro_rec_decode(r, nul + 1, blen, v, &rej);
	if (!rc)
		check_row(kf_avro_rec_schema(r), v, nul + 1, blen);
	memcpy(wire, "\0\0\0\0\7", 5);
	memcpy(wire + 5, nul + 1, blen);
	if (kf_avro_rec_env(r)) {
		if (rc != -1)
			abort();
		rc = kf_avrodec_decode(d, NULL, 0, wire, blen + 5, &msg, &rej);
		if (!rc && msg.after)
			check_row(msg.schema, msg.after, wire, blen + 5);
		if (!rc && msg.before)
			check_row(msg.schema, msg.before, wire, blen + 5);
	} else if (kf_avrodec_decode(d, NULL, 0, wire, blen + 5, &msg, &rej) !=
		   rc) {
		abort();
	}
	kf_avrodec_free(d);
	free(wire);
	free(v);
	kf_avro_rec_free(r);
	return 0;
}
