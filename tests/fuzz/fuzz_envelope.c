/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for src/record/envelope.c, the Connect JSON and
 * Debezium envelope decoder of the sink (and its logical types: ISO-8601
 * zoned times, VariableScaleDecimal, Uuid, Bits, non-finite doubles).
 *
 * The input is the message value, or the key, a NUL byte and the value.
 * The decoder must not crash or read past either; a decoded message must
 * hold together: a known kind, values of their columns' types, spans
 * inside memory that can be read, text of a sqltype column within its
 * limits; a refusal must say why. Each input is decoded twice (the second
 * time its schema comes from the cache) with the same outcome.
 *
 * Seeds: tests/fuzz/corpus/envelope/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kf_envdec_t *dec;

/* Every value of a row: its column's type, spans readable. */
static size_t check_row(const kf_schema_t *s, const kf_value_t *v)
{
	size_t i, sum = 0, k;

	if (!v)
		return 0;
	for (i = 0; i < s->ncols; i++) {
		if (v[i].type != s->cols[i].type)
			abort();
		if (v[i].null)
			continue;
		if (v[i].type == KF_T_TEXT || v[i].type == KF_T_BYTES ||
		    v[i].type == KF_T_JSON) {
			if (s->cols[i].sqltype == KF_SQL_BITS &&
			    v[i].u.s.len != (size_t)s->cols[i].precision)
				abort();
			for (k = 0; k < v[i].u.s.len; k++)
				sum += (unsigned char)v[i].u.s.ptr[k];
		}
	}
	return sum;
}

static int decode(const char *key, size_t klen, const char *val, size_t vlen)
{
	kf_env_msg_t m;
	kf_reject_t rej;

	memset(&rej, 0, sizeof(rej));
	if (kf_envdec_decode(dec, key, klen, val, vlen, &m, &rej)) {
		if (!rej.code || !rej.reason[0])
			abort();
		return -1;
	}
	if (m.kind != KF_ENV_RECORD && m.kind != KF_ENV_CHANGE &&
	    m.kind != KF_ENV_TOMBSTONE)
		abort();
	if (m.schema) {
		check_row(m.schema, m.after);
		check_row(m.schema, m.before);
	}
	if (m.key_schema)
		check_row(m.key_schema, m.key);
	return (int)m.kind;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *nul = memchr(p, 0, size);
	const char *key = NULL, *val = p;
	size_t klen = 0, vlen = size;
	char *k, *v;
	int a, b;

	if (!dec && !(dec = kf_envdec_new()))
		abort();
	if (nul) {
		key = p;
		klen = (size_t)(nul - p);
		val = nul + 1;
		vlen = size - klen - 1;
	}
	/* copies: the decoder must not read past them (ASan) */
	k = klen ? malloc(klen) : NULL;
	v = malloc(vlen ? vlen : 1);

	if ((klen && !k) || !v)
		abort();
	if (klen)
		memcpy(k, key, klen);
	memcpy(v, val, vlen);
	a = decode(k, klen, v, vlen);
	b = decode(k, klen, v, vlen);
	if (a != b)
		abort();
	free(k);
	free(v);
	return 0;
}
