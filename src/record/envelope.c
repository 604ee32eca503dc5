/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Connect JSON envelopes read back (envelope.h). A message is tokenized
 * once (common/jsontok.h); its schema is found in the cache by the
 * XXH3-128 of its bytes or parsed into a kf_schema_t; then the payload's
 * members are read by the schema's field names into typed values whose
 * strings and bytes live in one arena per message (sized to the message,
 * so nothing moves while a message is read).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/jsontok.h"
#include "core/codec.h"
#include "record/envelope.h"

#define KF__CACHE 32

__extension__ typedef unsigned __int128 kf_u128_t;
#define KF__NAME 256

/* The Connect and Debezium logical type names read here. */
#define KF__CONNECT "org.apache.kafka.connect.data."
#define KF__DBZ_TIME "io.debezium.time."

struct kf__entry {
	uint8_t hash[16];
	size_t len;
	kf_schema_t *row; /* NULL: free slot */
	int change;	  /* a Debezium envelope: row is its after struct */
	uint64_t used;
};

/* One JSON text and its tokens. */
struct kf__doc {
	const char *js;
	kf_jtok_t *toks;
	size_t cap;
};

struct kf_envdec_s {
	struct kf__entry cache[KF__CACHE];
	uint64_t clock;
	struct kf__doc val, key;
	char *arena;
	size_t acap, alen;
	kf_value_t *vals[3]; /* after, before, key */
	size_t nvals[3];
	kf_envdec_wire_cb wire; /* wire-format messages; NULL: refused */
	void *wire_opaque;
};

kf_envdec_t *kf_envdec_new(void)
{
	return calloc(1, sizeof(kf_envdec_t));
}

void kf_envdec_free(kf_envdec_t *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < KF__CACHE; i++)
		kf_schema_free(d->cache[i].row);
	for (i = 0; i < 3; i++)
		free(d->vals[i]);
	free(d->val.toks);
	free(d->key.toks);
	free(d->arena);
	free(d);
}

/* -------------------------------------------------------------------------
 * Small readers of tokens
 */

/* A member's string value into buf (NUL-terminated): 0, or -1 when it is
 * absent, not a string or too long. */
static int kf__str(const struct kf__doc *doc, int obj, const char *member,
		   char *buf, size_t cap)
{
	int i = kf_json_member(doc->js, doc->toks, obj, member, strlen(member));

	if (i < 0 || doc->toks[i].type != KF_J_STRING)
		return -1;
	return kf_json_string(doc->js, &doc->toks[i], buf, cap) < 0 ? -1 : 0;
}

/* Copies the bytes of the arena's next n bytes (the arena is sized to the
 * message: it cannot run out). */
static char *kf__arena(kf_envdec_t *d, size_t n)
{
	char *p = d->arena + d->alen;

	d->alen += n;
	return p;
}

static int kf__tokenize(struct kf__doc *doc, const char *js, size_t len,
			kf_reject_t *rej, const char *what)
{
	char err[160];
	size_t n, need = len / 2 + 2; /* every token takes a byte and a
				       * separator, but the last */

	doc->js = js;
	if (doc->cap < need) {
		kf_jtok_t *t = realloc(doc->toks, need * sizeof(*t));

		if (!t)
			return kf_reject(rej, "format", -1, "out of memory");
		doc->toks = t;
		doc->cap = need;
	}
	if (kf_json_tokenize(js, len, doc->toks, doc->cap, &n, err,
			     sizeof(err)))
		return kf_reject(rej, "format", -1, "the %s is not JSON: %s",
				 what, err);
	return 0;
}

/* The schema and payload tokens of an envelope: exactly two members, as
 * JsonConverter requires. */
static int kf__envelope(const struct kf__doc *doc, int *schema, int *payload,
			kf_reject_t *rej, const char *what)
{
	const kf_jtok_t *t = doc->toks;

	if (t[0].type != KF_J_OBJECT || t[0].size != 2 ||
	    (*schema = kf_json_member(doc->js, t, 0, "schema", 6)) < 0 ||
	    (*payload = kf_json_member(doc->js, t, 0, "payload", 7)) < 0)
		return kf_reject(rej, "format", -1,
				 "the %s is not a Connect JSON envelope "
				 "(an object of exactly \"schema\" and "
				 "\"payload\"; schemas.enable=true)",
				 what);
	if (t[*schema].type == KF_J_NULL)
		return kf_reject(rej, "format", -1,
				 "the %s has no schema (schemas.enable=false): "
				 "columns and types cannot be known",
				 what);
	return 0;
}

/* -------------------------------------------------------------------------
 * Schemas
 */

/* The kf_type of a Connect field schema (type, logical name); -1 with
 * rej when it is not one a table column can hold. */
static int kf__field_type(const struct kf__doc *doc, int f, kf_column_t *c,
			  kf_reject_t *rej)
{
	char type[16], name[KF__NAME], buf[16];
	int params;

	if (kf__str(doc, f, "type", type, sizeof(type)))
		return kf_reject(rej, "format", -1,
				 "field %s: no type in its schema", c->name);
	if (kf__str(doc, f, "name", name, sizeof(name)))
		name[0] = '\0';
	if (!strcmp(name, KF__CONNECT "Decimal") && !strcmp(type, "bytes")) {
		params =
			kf_json_member(doc->js, doc->toks, f, "parameters", 10);
		if (params < 0 ||
		    kf__str(doc, params, "scale", buf, sizeof(buf)))
			return kf_reject(rej, "format", -1,
					 "field %s: a Decimal without a scale",
					 c->name);
		c->scale = atoi(buf);
		c->precision = 38;
		if (!kf__str(doc, params, "connect.decimal.precision", buf,
			     sizeof(buf)))
			c->precision = atoi(buf);
		if (c->scale < 0 || c->scale > 38 || c->precision < 1 ||
		    c->precision > 38 || c->scale > c->precision)
			return kf_reject(rej, "format", -1,
					 "field %s: decimal(%d,%d) is beyond "
					 "decimal(38,s)",
					 c->name, c->precision, c->scale);
		c->type = KF_T_DECIMAL;
		return 0;
	}
	if (!strcmp(type, "int32") && (!strcmp(name, KF__CONNECT "Date") ||
				       !strcmp(name, KF__DBZ_TIME "Date")))
		return (c->type = KF_T_DATE), 0;
	if (!strcmp(type, "int32") && (!strcmp(name, KF__CONNECT "Time") ||
				       !strcmp(name, KF__DBZ_TIME "Time")))
		return (c->type = KF_T_TIME), 0;
	if (!strcmp(type, "int64") && (!strcmp(name, KF__CONNECT "Timestamp") ||
				       !strcmp(name, KF__DBZ_TIME "Timestamp")))
		return (c->type = KF_T_TIMESTAMP), 0;
	if (!strcmp(type, "string") && !strcmp(name, "io.debezium.data.Json"))
		return (c->type = KF_T_JSON), 0;
	/* Debezium's other time types count in micro- or nanoseconds, or
	 * are zoned strings: read as their base type they would land in
	 * the wrong column type, so they are refused until they are mapped */
	if (!strncmp(name, KF__DBZ_TIME, sizeof(KF__DBZ_TIME) - 1))
		return kf_reject(rej, "format", -1,
				 "field %s: logical type %s is not supported "
				 "yet",
				 c->name, name);
	if (!strcmp(type, "boolean"))
		c->type = KF_T_BOOLEAN;
	else if (!strcmp(type, "int8"))
		c->type = KF_T_INT8;
	else if (!strcmp(type, "int16"))
		c->type = KF_T_INT16;
	else if (!strcmp(type, "int32"))
		c->type = KF_T_INT32;
	else if (!strcmp(type, "int64"))
		c->type = KF_T_INT64;
	else if (!strcmp(type, "float") || !strcmp(type, "float32"))
		c->type = KF_T_FLOAT32;
	else if (!strcmp(type, "double") || !strcmp(type, "float64"))
		c->type = KF_T_FLOAT64;
	else if (!strcmp(type, "string"))
		c->type = KF_T_TEXT;
	else if (!strcmp(type, "bytes"))
		c->type = KF_T_BYTES;
	else
		return kf_reject(rej, "format", -1,
				 "field %s: a %s, which a table column "
				 "cannot hold (rows are flat)",
				 c->name, type);
	return 0;
}

/* A `struct` schema (token s) into a new kf_schema_t. */
static int kf__struct(const struct kf__doc *doc, int s, kf_schema_t **out,
		      kf_reject_t *rej)
{
	const kf_jtok_t *t = doc->toks;
	char type[16], name[KF__NAME];
	kf_schema_t *sc;
	uint32_t i, f;
	int fields, opt;

	*out = NULL;
	if (t[s].type != KF_J_OBJECT ||
	    kf__str(doc, s, "type", type, sizeof(type)) ||
	    strcmp(type, "struct") ||
	    (fields = kf_json_member(doc->js, t, s, "fields", 6)) < 0 ||
	    t[fields].type != KF_J_ARRAY)
		return kf_reject(rej, "format", -1,
				 "the schema is not a struct with fields "
				 "(rows are structs)");
	if (!(sc = calloc(1, sizeof(*sc))) ||
	    !(sc->cols = calloc(t[fields].size ? t[fields].size : 1,
				sizeof(*sc->cols))))
		goto nomem;
	*out = sc;
	sc->format_version = KF_SCHEMA_FORMAT_VERSION;
	if (!kf__str(doc, s, "name", name, sizeof(name)) &&
	    !(sc->name = strdup(name)))
		goto nomem;
	for (i = 0, f = (uint32_t)fields + 1; i < t[fields].size;
	     i++, f = t[f].next) {
		kf_column_t *c = &sc->cols[sc->ncols];

		if (t[f].type != KF_J_OBJECT ||
		    kf__str(doc, (int)f, "field", name, sizeof(name)) ||
		    !name[0])
			return kf_reject(rej, "format", -1,
					 "field %u of the schema has no name",
					 i + 1);
		if (!(c->name = strdup(name)))
			goto nomem;
		sc->ncols++;
		c->emit = 1;
		c->rectype = -1;
		c->key_pos = -1;
		c->decimal_point = '.';
		opt = kf_json_member(doc->js, t, (int)f, "optional", 8);
		c->required = opt < 0 || t[opt].type != KF_J_TRUE;
		if (kf__field_type(doc, (int)f, c, rej))
			return -1;
	}
	sc->prepared = 1;
	return 0;
nomem:
	return kf_reject(rej, "format", -1, "out of memory");
}

/* The field schema named member inside struct schema s, or -1. */
static int kf__field(const struct kf__doc *doc, int s, const char *member)
{
	const kf_jtok_t *t = doc->toks;
	char name[64];
	int fields = kf_json_member(doc->js, t, s, "fields", 6);
	uint32_t i, f;

	if (fields < 0 || t[fields].type != KF_J_ARRAY)
		return -1;
	for (i = 0, f = (uint32_t)fields + 1; i < t[fields].size;
	     i++, f = t[f].next)
		if (!kf__str(doc, (int)f, "field", name, sizeof(name)) &&
		    !strcmp(name, member))
			return (int)f;
	return -1;
}

/* A Debezium envelope: a struct named *.Envelope with op and after or
 * before structs. Its row schema is after's (or before's). */
static int kf__schema(const struct kf__doc *doc, int s, struct kf__entry *e,
		      kf_reject_t *rej)
{
	char name[KF__NAME];
	size_t n;
	int row;

	e->change = 0;
	if (!kf__str(doc, s, "name", name, sizeof(name)) &&
	    (n = strlen(name)) > 9 && !strcmp(name + n - 9, ".Envelope")) {
		if (kf__field(doc, s, "op") < 0 ||
		    ((row = kf__field(doc, s, "after")) < 0 &&
		     (row = kf__field(doc, s, "before")) < 0))
			return kf_reject(rej, "format", -1,
					 "schema %s: an envelope without op "
					 "and after/before",
					 name);
		e->change = 1;
		return kf__struct(doc, row, &e->row, rej);
	}
	return kf__struct(doc, s, &e->row, rej);
}

/* The cached schema of token s, parsing it on a miss (the least recently
 * used entry makes room). */
static struct kf__entry *kf__lookup(kf_envdec_t *d, const struct kf__doc *doc,
				    int s, kf_reject_t *rej)
{
	const kf_jtok_t *t = &doc->toks[s];
	struct kf__entry *e, *victim = &d->cache[0];
	uint8_t h[16];
	size_t i, len = t->end - t->start;

	kf_hash128(doc->js + t->start, len, h);
	for (i = 0; i < KF__CACHE; i++) {
		e = &d->cache[i];
		if (e->row && e->len == len && !memcmp(e->hash, h, 16)) {
			e->used = ++d->clock;
			return e;
		}
		if (!e->row || e->used < victim->used)
			victim = e;
	}
	kf_schema_free(victim->row);
	memset(victim, 0, sizeof(*victim));
	if (kf__schema(doc, s, victim, rej)) {
		kf_schema_free(victim->row);
		victim->row = NULL;
		return NULL;
	}
	memcpy(victim->hash, h, 16);
	victim->len = len;
	victim->used = ++d->clock;
	return victim;
}

/* -------------------------------------------------------------------------
 * Payloads
 */

static int kf__bad(kf_reject_t *rej, const kf_column_t *c, int col,
		   const char *what)
{
	return kf_reject(rej, "format", col, "%s: %s", c->name, what);
}

/* An integer payload within [lo, hi]. */
static int kf__int(const struct kf__doc *doc, const kf_jtok_t *t,
		   const kf_column_t *c, int col, int64_t lo, int64_t hi,
		   kf_value_t *v, kf_reject_t *rej)
{
	if (t->type != KF_J_NUMBER || kf_json_int64(doc->js, t, &v->u.i) ||
	    v->u.i < lo || v->u.i > hi)
		return kf__bad(rej, c, col,
			       "not an integer in the type's range");
	return 0;
}

/* A decimal: base64 of the unscaled two's complement, or a number. */
static int kf__decimal(const struct kf__doc *doc, const kf_jtok_t *t,
		       const kf_column_t *c, int col, kf_value_t *v,
		       kf_reject_t *rej)
{
	const char *js = doc->js;
	uint8_t raw[24];
	kf_i128_t x = 0;
	long n, i;

	if (t->type == KF_J_NUMBER)
		return kf_dec_parse(js + t->start, t->end - t->start, '.', 0,
				    38, c->scale, KF_ROUND_NONE, &v->u.dec, rej,
				    col);
	if (t->type != KF_J_STRING || t->escaped ||
	    t->end - t->start - 2 > 32 ||
	    (n = kf_base64_decode(js + t->start + 1, t->end - t->start - 2,
				  raw)) < 1 ||
	    n > 16)
		return kf__bad(rej, c, col,
			       "not a Decimal (base64 of at most 16 bytes, "
			       "or a number)");
	x = (raw[0] & 0x80) ? -1 : 0; /* sign extension */
	for (i = 0; i < n; i++)
		x = (kf_i128_t)((kf_u128_t)x << 8 | raw[i]);
	v->u.dec = x;
	return 0;
}

static int kf__float(const struct kf__doc *doc, const kf_jtok_t *t,
		     const kf_column_t *c, int col, kf_value_t *v,
		     kf_reject_t *rej)
{
	char buf[64];
	size_t n = t->end - t->start;

	if (t->type != KF_J_NUMBER || n >= sizeof(buf))
		return kf__bad(rej, c, col, "not a finite number");
	memcpy(buf, doc->js + t->start, n);
	buf[n] = '\0';
	v->u.f = strtod(buf, NULL);
	if (!isfinite(v->u.f))
		return kf__bad(rej, c, col, "not a finite number");
	return 0;
}

/* Text and JSON: the unescaped string; bytes: the base64 decoded. */
static int kf__span(kf_envdec_t *d, const struct kf__doc *doc,
		    const kf_jtok_t *t, const kf_column_t *c, int col,
		    kf_value_t *v, kf_reject_t *rej)
{
	size_t cap = t->end - t->start;
	char *p;
	long n;

	if (t->type != KF_J_STRING)
		return kf__bad(rej, c, col, "not a string");
	p = kf__arena(d, cap);
	if (c->type == KF_T_BYTES)
		n = t->escaped ? -1
			       : kf_base64_decode(doc->js + t->start + 1,
						  cap - 2, p);
	else
		n = kf_json_string(doc->js, t, p, cap);
	if (n < 0)
		return kf__bad(rej, c, col,
			       c->type == KF_T_BYTES
				       ? "not base64 (bytes)"
				       : "a string holding U+0000");
	v->u.s.ptr = p;
	v->u.s.len = (size_t)n;
	return 0;
}

static int kf__value(kf_envdec_t *d, const struct kf__doc *doc, int i,
		     const kf_column_t *c, int col, kf_value_t *v,
		     kf_reject_t *rej)
{
	const kf_jtok_t *t = i < 0 ? NULL : &doc->toks[i];

	memset(v, 0, sizeof(*v));
	v->type = c->type;
	if (!t || t->type == KF_J_NULL) {
		v->null = 1;
		return 0;
	}
	switch (c->type) {
	case KF_T_BOOLEAN:
		if (t->type != KF_J_TRUE && t->type != KF_J_FALSE)
			return kf__bad(rej, c, col, "not true or false");
		v->u.b = t->type == KF_J_TRUE;
		return 0;
	case KF_T_INT8:
		return kf__int(doc, t, c, col, INT8_MIN, INT8_MAX, v, rej);
	case KF_T_INT16:
		return kf__int(doc, t, c, col, INT16_MIN, INT16_MAX, v, rej);
	case KF_T_INT32:
	case KF_T_DATE:
		return kf__int(doc, t, c, col, INT32_MIN, INT32_MAX, v, rej);
	case KF_T_TIME:
		return kf__int(doc, t, c, col, 0, 86399999, v, rej);
	case KF_T_INT64:
	case KF_T_TIMESTAMP:
		return kf__int(doc, t, c, col, INT64_MIN, INT64_MAX, v, rej);
	case KF_T_FLOAT32:
	case KF_T_FLOAT64:
		return kf__float(doc, t, c, col, v, rej);
	case KF_T_DECIMAL:
		return kf__decimal(doc, t, c, col, v, rej);
	case KF_T_TEXT:
	case KF_T_BYTES:
	case KF_T_JSON:
		return kf__span(d, doc, t, c, col, v, rej);
	}
	return kf__bad(rej, c, col, "of an unknown type");
}

/* The payload object obj read by the columns of sc into values slot. */
static int kf__row(kf_envdec_t *d, const struct kf__doc *doc, int obj,
		   const kf_schema_t *sc, int slot, const kf_value_t **out,
		   kf_reject_t *rej)
{
	size_t c;
	kf_value_t *v;

	if (doc->toks[obj].type != KF_J_OBJECT)
		return kf_reject(rej, "format", -1,
				 "the payload is not an object (a struct)");
	if (d->nvals[slot] < sc->ncols) {
		v = realloc(d->vals[slot], sc->ncols * sizeof(*v));
		if (!v)
			return kf_reject(rej, "format", -1, "out of memory");
		d->vals[slot] = v;
		d->nvals[slot] = sc->ncols;
	}
	v = d->vals[slot];
	for (c = 0; c < sc->ncols; c++) {
		const char *name = sc->cols[c].name;
		int i = kf_json_member(doc->js, doc->toks, obj, name,
				       strlen(name));

		if (kf__value(d, doc, i, &sc->cols[c], (int)c, &v[c], rej))
			return -1;
	}
	*out = v;
	return 0;
}

/* A member's string into the arena ("" when absent). */
static const char *kf__arena_str(kf_envdec_t *d, const struct kf__doc *doc,
				 int obj, const char *member)
{
	int i = obj < 0 ? -1
			: kf_json_member(doc->js, doc->toks, obj, member,
					 strlen(member));
	const kf_jtok_t *t = i < 0 ? NULL : &doc->toks[i];
	char *p;

	if (!t || t->type != KF_J_STRING)
		return "";
	p = kf__arena(d, t->end - t->start);
	if (kf_json_string(doc->js, t, p, t->end - t->start) < 0)
		return "";
	return p;
}

/* The payload of a change event. */
static int kf__change(kf_envdec_t *d, const struct kf__doc *doc, int p,
		      const kf_schema_t *row, kf_env_msg_t *out,
		      kf_reject_t *rej)
{
	const kf_jtok_t *t = doc->toks;
	char op[4];
	int a, b, ts;

	if (t[p].type != KF_J_OBJECT || kf__str(doc, p, "op", op, sizeof(op)) ||
	    !strchr("crudt", op[0]) || !op[0] || op[1])
		return kf_reject(rej, "format", -1,
				 "a change event without an op of c, r, u, "
				 "d or t");
	out->kind = KF_ENV_CHANGE;
	out->op = op[0];
	a = kf_json_member(doc->js, t, p, "after", 5);
	b = kf_json_member(doc->js, t, p, "before", 6);
	if (a >= 0 && t[a].type != KF_J_NULL &&
	    kf__row(d, doc, a, row, 0, &out->after, rej))
		return -1;
	if (b >= 0 && t[b].type != KF_J_NULL &&
	    kf__row(d, doc, b, row, 1, &out->before, rej))
		return -1;
	if ((op[0] == 'c' || op[0] == 'r' || op[0] == 'u') && !out->after)
		return kf_reject(rej, "format", -1,
				 "a change event of op %c without after",
				 op[0]);
	ts = kf_json_member(doc->js, t, p, "source", 6);
	out->db = kf__arena_str(d, doc, ts, "db");
	out->db_schema = kf__arena_str(d, doc, ts, "schema");
	out->table = kf__arena_str(d, doc, ts, "table");
	ts = kf_json_member(doc->js, t, p, "ts_ms", 5);
	if (ts < 0 || kf_json_int64(doc->js, &t[ts], &out->ts_ms))
		out->ts_ms = -1;
	return 0;
}

/* The key: a struct envelope, or no key at all (null, a string, a
 * schemaless key: not a row key, and not an error here; a sink that
 * needs a key says so). */
static int kf__key(kf_envdec_t *d, const char *key, size_t klen,
		   kf_env_msg_t *out, kf_reject_t *rej)
{
	struct kf__entry *e;
	kf_reject_t ignored;
	int s, p;

	if (!key || !klen || key[0] != '{' ||
	    kf__tokenize(&d->key, key, klen, &ignored, "key") ||
	    kf__envelope(&d->key, &s, &p, &ignored, "key") ||
	    d->key.toks[p].type == KF_J_NULL)
		return 0;
	if (!(e = kf__lookup(d, &d->key, s, rej)))
		return -1;
	out->key_schema = e->row;
	return kf__row(d, &d->key, p, e->row, 2, &out->key, rej);
}

/* A wire-format value; its key as the wire decoder reads it, or the
 * Connect JSON key already read into out. */
static int kf__wire(kf_envdec_t *d, const void *key, size_t klen,
		    const void *value, size_t vlen, kf_env_msg_t *out,
		    kf_reject_t *rej)
{
	kf_env_msg_t w;

	if (d->wire(d->wire_opaque, key, klen, value, vlen, &w, rej))
		return -1;
	if (!w.key_schema) {
		w.key_schema = out->key_schema;
		w.key = out->key;
	}
	*out = w;
	return 0;
}

void kf_envdec_set_wire(kf_envdec_t *d, kf_envdec_wire_cb cb, void *opaque)
{
	d->wire = cb;
	d->wire_opaque = opaque;
}

int kf_envdec_decode(kf_envdec_t *d, const void *key, size_t klen,
		     const void *value, size_t vlen, kf_env_msg_t *out,
		     kf_reject_t *rej)
{
	struct kf__entry *e;
	size_t need = klen + vlen + 16;
	int s, p;

	memset(out, 0, sizeof(*out));
	out->ts_ms = -1;
	out->db = out->db_schema = out->table = "";
	if (d->acap < need) {
		char *a = realloc(d->arena, need);

		if (!a)
			return kf_reject(rej, "format", -1, "out of memory");
		d->arena = a;
		d->acap = need;
	}
	d->alen = 0;
	if (kf__key(d, key, klen, out, rej))
		return -1;
	/* JSON never starts with a NUL byte: the Confluent wire format does */
	if (d->wire && value && vlen && !*(const char *)value)
		return kf__wire(d, key, klen, value, vlen, out, rej);
	if (!value) {
		out->kind = KF_ENV_TOMBSTONE;
		return 0;
	}
	if (kf__tokenize(&d->val, value, vlen, rej, "value") ||
	    kf__envelope(&d->val, &s, &p, rej, "value") ||
	    !(e = kf__lookup(d, &d->val, s, rej)))
		return -1;
	out->schema = e->row;
	if (e->change)
		return kf__change(d, &d->val, p, e->row, out, rej);
	out->kind = KF_ENV_RECORD;
	return kf__row(d, &d->val, p, e->row, 0, &out->after, rej);
}
