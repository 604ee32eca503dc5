/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Connect JSON envelopes read back (envelope.h). A message is tokenized
 * once (common/jsontok.h); its schema is found in the cache by the
 * XXH3-128 of its bytes or parsed into a kf_schema_t; then the payload's
 * members are read by the schema's field names into typed values whose
 * strings and bytes live in one arena per message (sized to the message,
 * so nothing moves while a message is read).
 *
 * The schema is most of a record's bytes, and tokenizing it again for
 * every message was most of the sink's decoding time. So a message laid
 * out as JsonConverter writes it, {"schema":S,"payload":P}, whose S is
 * byte for byte a cached schema's text, has only P tokenized: S is the
 * same valid JSON that was parsed before, so the message is what the full
 * path would have accepted. Any other layout takes the full path.
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
#define KF__DBZ_DATA "io.debezium.data."

/* Room for the text a value of a KF_SQL_NUMERIC or KF_SQL_BITS column
 * becomes (kf_dec_format's 42 bytes; KF__MAX_BITS digits), per column. */
#define KF__TXT 72
#define KF__MAX_BITS 64
#define KF__US_DAY 86400000000LL
/* What Debezium writes for PostgreSQL's timestamp 'infinity' and
 * '-infinity' as io.debezium.time.Timestamp (milliseconds): the JDBC
 * driver's infinities. Kept as INT64_MAX and INT64_MIN (db/render.h). */
#define KF__DBZ_TS_INFINITY 9223372036825200LL
#define KF__DBZ_TS_NEG_INFINITY (-9223372036832400LL)

/* Debezium's logical types that map to a database type of their own
 * (record/schema.h): the name (after KF__DBZ_TIME or KF__DBZ_DATA), the
 * Connect type carrying it, and the column it becomes. */
static const struct kf__logical {
	const char *name, *base;
	enum kf_type type;
	enum kf_sqltype sql;
} kf__logicals[] = {
	{KF__DBZ_TIME "MicroTimestamp", "int64", KF_T_INT64,
	 KF_SQL_TIMESTAMP_US},
	{KF__DBZ_TIME "NanoTimestamp", "int64", KF_T_INT64,
	 KF_SQL_TIMESTAMP_NS},
	{KF__DBZ_TIME "ZonedTimestamp", "string", KF_T_INT64,
	 KF_SQL_TIMESTAMPTZ},
	{KF__DBZ_TIME "MicroTime", "int64", KF_T_INT64, KF_SQL_TIME_US},
	{KF__DBZ_TIME "NanoTime", "int64", KF_T_INT64, KF_SQL_TIME_NS},
	{KF__DBZ_TIME "ZonedTime", "string", KF_T_INT64, KF_SQL_TIMETZ},
	{KF__DBZ_TIME "MicroDuration", "int64", KF_T_INT64, KF_SQL_INTERVAL},
	{KF__DBZ_TIME "Year", "int32", KF_T_INT32, KF_SQL_NONE},
	{KF__DBZ_DATA "VariableScaleDecimal", "struct", KF_T_TEXT,
	 KF_SQL_NUMERIC},
	{KF__DBZ_DATA "Uuid", "string", KF_T_TEXT, KF_SQL_UUID},
	{KF__DBZ_DATA "Xml", "string", KF_T_TEXT, KF_SQL_XML},
	{KF__DBZ_DATA "Enum", "string", KF_T_TEXT, KF_SQL_NONE},
	{KF__DBZ_DATA "EnumSet", "string", KF_T_TEXT, KF_SQL_NONE},
	{KF__DBZ_DATA "Bits", "bytes", KF_T_TEXT, KF_SQL_BITS},
	{KF__DBZ_DATA "Json", "string", KF_T_JSON, KF_SQL_NONE},
	{NULL, NULL, 0, KF_SQL_NONE},
};

struct kf__entry {
	uint8_t hash[16];
	size_t len;
	char *text;	  /* the schema's len bytes, for the fast path */
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
	char *txt[3];		/* KF__TXT bytes per column of vals (kf__row) */
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
	for (i = 0; i < KF__CACHE; i++) {
		kf_schema_free(d->cache[i].row);
		free(d->cache[i].text);
	}
	for (i = 0; i < 3; i++) {
		free(d->vals[i]);
		free(d->txt[i]);
	}
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

/* A Debezium logical type (kf__logicals): the column's type and sqltype,
 * and the bit count of Bits. Another io.debezium name, or one on another
 * Connect type, is refused: read as its base type it would land in the
 * wrong column type. */
static int kf__logical_type(const char *type, const char *name,
			    const kf_connect_params_t *params, kf_column_t *c,
			    kf_reject_t *rej)
{
	const struct kf__logical *l;

	for (l = kf__logicals; l->name; l++)
		if (!strcmp(name, l->name))
			break;
	if (!l->name)
		return kf_reject(rej, "format", -1,
				 "field %s: logical type %s is not supported",
				 c->name, name);
	if (strcmp(type, l->base))
		return kf_reject(rej, "format", -1,
				 "field %s: logical type %s on a %s (Debezium "
				 "writes it on a %s)",
				 c->name, name, type, l->base);
	c->type = l->type;
	c->sqltype = l->sql;
	if (l->sql != KF_SQL_BITS)
		return 0;
	if (!params->length || (c->precision = atoi(params->length)) < 1 ||
	    c->precision > KF__MAX_BITS)
		return kf_reject(rej, "format", -1,
				 "field %s: Bits without a length of 1 to %d "
				 "(parameters.length)",
				 c->name, KF__MAX_BITS);
	return 0;
}

int kf_envdec_column_type(const char *type, const char *name,
			  const kf_connect_params_t *params, kf_column_t *c,
			  kf_reject_t *rej)
{
	if (!strcmp(name, KF__CONNECT "Decimal") && !strcmp(type, "bytes")) {
		if (!params->scale)
			return kf_reject(rej, "format", -1,
					 "field %s: a Decimal without a scale",
					 c->name);
		c->scale = atoi(params->scale);
		c->precision = params->precision ? atoi(params->precision) : 38;
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
	if (!strncmp(name, "io.debezium.", 12))
		return kf__logical_type(type, name, params, c, rej);
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

/* The kf_type of a Connect field schema (type, logical name); -1 with
 * rej when it is not one a table column can hold. */
static int kf__field_type(const struct kf__doc *doc, int f, kf_column_t *c,
			  kf_reject_t *rej)
{
	char type[16], name[KF__NAME], scale[16], precision[16], length[16];
	int params = kf_json_member(doc->js, doc->toks, f, "parameters", 10);
	kf_connect_params_t p = {0};

	if (kf__str(doc, f, "type", type, sizeof(type)))
		return kf_reject(rej, "format", -1,
				 "field %s: no type in its schema", c->name);
	if (kf__str(doc, f, "name", name, sizeof(name)))
		name[0] = '\0';
	if (params >= 0) {
		p.scale = kf__str(doc, params, "scale", scale, sizeof(scale))
				  ? NULL
				  : scale;
		p.precision = kf__str(doc, params, "connect.decimal.precision",
				      precision, sizeof(precision))
				      ? NULL
				      : precision;
		p.length =
			kf__str(doc, params, "length", length, sizeof(length))
				? NULL
				: length;
	}
	return kf_envdec_column_type(type, name, &p, c, rej);
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
		/* kf__row reads the payload by names: one name, one column */
		if (kf_schema_col(sc, name) >= 0)
			return kf_reject(rej, "format", -1,
					 "field %s appears twice in the schema",
					 name);
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
	free(victim->text);
	memset(victim, 0, sizeof(*victim));
	if (kf__schema(doc, s, victim, rej) ||
	    (!(victim->text = malloc(len ? len : 1)) &&
	     kf_reject(rej, "format", -1, "out of memory"))) {
		kf_schema_free(victim->row);
		victim->row = NULL;
		return NULL;
	}
	memcpy(victim->text, doc->js + t->start, len);
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

/* The bytes of a base64 string token into raw (rawsize bytes: room for
 * what its length can decode to is checked first): their count, or -1
 * when t is not one or they are more than cap. */
static long kf__b64(const struct kf__doc *doc, const kf_jtok_t *t, uint8_t *raw,
		    size_t rawsize, size_t cap)
{
	size_t len = t->end - t->start - 2;
	long n;

	if (t->type != KF_J_STRING || t->escaped || (len + 3) / 4 * 3 > rawsize)
		return -1;
	n = kf_base64_decode(doc->js + t->start + 1, len, raw);
	return n < 0 || (size_t)n > cap ? -1 : n;
}

/* The unscaled two's complement of a Decimal (base64 of 1 to 16 bytes). */
static int kf__unscaled(const struct kf__doc *doc, const kf_jtok_t *t,
			kf_i128_t *out)
{
	uint8_t raw[18];
	kf_i128_t x;
	long n, i;

	n = kf__b64(doc, t, raw, sizeof(raw), 16);
	if (n < 1)
		return -1;
	x = (raw[0] & 0x80) ? -1 : 0; /* sign extension */
	for (i = 0; i < n; i++)
		x = (kf_i128_t)((kf_u128_t)x << 8 | raw[i]);
	*out = x;
	return 0;
}

/* A decimal: base64 of the unscaled two's complement, or a number. */
static int kf__decimal(const struct kf__doc *doc, const kf_jtok_t *t,
		       const kf_column_t *c, int col, kf_value_t *v,
		       kf_reject_t *rej)
{
	if (t->type == KF_J_NUMBER)
		return kf_dec_parse(doc->js + t->start, t->end - t->start, '.',
				    0, 38, c->scale, KF_ROUND_NONE, &v->u.dec,
				    rej, col);
	if (kf__unscaled(doc, t, &v->u.dec))
		return kf__bad(rej, c, col,
			       "not a Decimal (base64 of at most 16 bytes, "
			       "or a number)");
	return 0;
}

/* Whether string token t is exactly word. */
static int kf__is_word(const struct kf__doc *doc, const kf_jtok_t *t,
		       const char *word)
{
	size_t n = strlen(word);

	return t->type == KF_J_STRING && !t->escaped &&
	       (size_t)(t->end - t->start) == n + 2 &&
	       !memcmp(doc->js + t->start + 1, word, n);
}

/* A number, or the strings JsonConverter writes for the non-finite
 * doubles ("NaN", "Infinity", "-Infinity"). */
static int kf__float(const struct kf__doc *doc, const kf_jtok_t *t,
		     const kf_column_t *c, int col, kf_value_t *v,
		     kf_reject_t *rej)
{
	char buf[64];
	size_t n = t->end - t->start;

	if (kf__is_word(doc, t, "NaN"))
		return (v->u.f = NAN), 0;
	if (kf__is_word(doc, t, "Infinity"))
		return (v->u.f = INFINITY), 0;
	if (kf__is_word(doc, t, "-Infinity"))
		return (v->u.f = -INFINITY), 0;
	if (t->type != KF_J_NUMBER || n >= sizeof(buf))
		return kf__bad(rej, c, col,
			       "not a number (nor NaN, Infinity, -Infinity)");
	memcpy(buf, doc->js + t->start, n);
	buf[n] = '\0';
	v->u.f = strtod(buf, NULL);
	if (!isfinite(v->u.f))
		return kf__bad(rej, c, col, "a number beyond a double");
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

/* ---- ISO-8601 text of Debezium's zoned types */

/* n decimal digits at *p (advanced): 0, or -1. */
static int kf__digits(const char **p, const char *end, int n, int64_t *out)
{
	int64_t x = 0;

	for (; n > 0; n--, (*p)++) {
		if (*p >= end || **p < '0' || **p > '9')
			return -1;
		x = x * 10 + (**p - '0');
	}
	*out = x;
	return 0;
}

/* Expects character ch at *p (advanced). */
static int kf__expect(const char **p, const char *end, char ch)
{
	if (*p >= end || **p != ch)
		return -1;
	(*p)++;
	return 0;
}

/* "[+-]YYYY-MM-DD" (4 to 6 year digits, year 0 = 1 BC, as java.time
 * writes it) into days since 1970-01-01. */
static int kf__iso_date(const char **p, const char *end, int64_t *days)
{
	int64_t y = 0, m, d, digit;
	int neg = 0, n = 0;

	if (*p < end && (**p == '+' || **p == '-'))
		neg = *(*p)++ == '-';
	for (; n < 6 && !kf__digits(p, end, 1, &digit); n++)
		y = y * 10 + digit;
	if (n < 4 || kf__expect(p, end, '-') || kf__digits(p, end, 2, &m) ||
	    kf__expect(p, end, '-') || kf__digits(p, end, 2, &d) || m < 1 ||
	    m > 12 || d < 1)
		return -1;
	if (neg)
		y = -y;
	*days = kf_days_from_civil((int)y, (int)m, (int)d);
	/* past the month's last day: the next month's first is nearer */
	if (kf_days_from_civil((int)(m == 12 ? y + 1 : y),
			       (int)(m == 12 ? 1 : m + 1), 1) <= *days)
		return -1;
	return 0;
}

/* "HH:MM[:SS[.fffffffff]]" into microseconds (digits past the sixth
 * dropped: neither database keeps them); 24:00:00 is the day's end. */
static int kf__iso_clock(const char **p, const char *end, int64_t *us)
{
	int64_t h, mi, sec = 0, frac = 0, digit, scale = 100000;

	if (kf__digits(p, end, 2, &h) || kf__expect(p, end, ':') ||
	    kf__digits(p, end, 2, &mi))
		return -1;
	if (!kf__expect(p, end, ':')) {
		if (kf__digits(p, end, 2, &sec))
			return -1;
		if (!kf__expect(p, end, '.')) {
			const char *start = *p;

			while (*p - start < 9 &&
			       !kf__digits(p, end, 1, &digit)) {
				frac += digit * scale;
				scale /= 10;
			}
			if (*p == start)
				return -1;
		}
	}
	if (mi > 59 || sec > 59 || h > 24 || (h == 24 && (mi || sec || frac)))
		return -1;
	*us = ((h * 60 + mi) * 60 + sec) * 1000000 + frac;
	return 0;
}

/* "Z" or "[+-]HH:MM[:SS]" ending the text, into microseconds east of UTC. */
static int kf__iso_offset(const char **p, const char *end, int64_t *us)
{
	int64_t h, m = 0, sec = 0;
	int neg;

	if (!kf__expect(p, end, 'Z'))
		return *p == end ? (*us = 0), 0 : -1;
	if (*p >= end || (**p != '+' && **p != '-'))
		return -1;
	neg = *(*p)++ == '-';
	if (kf__digits(p, end, 2, &h) ||
	    (!kf__expect(p, end, ':') && kf__digits(p, end, 2, &m)) ||
	    (!kf__expect(p, end, ':') && kf__digits(p, end, 2, &sec)) ||
	    *p != end || h > 18 || m > 59 || sec > 59)
		return -1;
	*us = ((h * 60 + m) * 60 + sec) * 1000000 * (neg ? -1 : 1);
	return 0;
}

/* ZonedTimestamp ("2026-12-02T05:11:12.123456Z", "infinity",
 * "-infinity") into microseconds since the epoch, UTC (the infinities as
 * INT64_MAX and INT64_MIN); ZonedTime ("05:11:12.25Z") into microseconds
 * since midnight, UTC. */
static int kf__zoned(const struct kf__doc *doc, const kf_jtok_t *t,
		     const kf_column_t *c, int col, kf_value_t *v,
		     kf_reject_t *rej)
{
	int stamp = c->sqltype == KF_SQL_TIMESTAMPTZ;
	const char *p = doc->js + t->start + 1, *end = doc->js + t->end - 1;
	int64_t days = 0, us, off;

	if (stamp && kf__is_word(doc, t, "infinity"))
		return (v->u.i = INT64_MAX), 0;
	if (stamp && kf__is_word(doc, t, "-infinity"))
		return (v->u.i = INT64_MIN), 0;
	if (t->type != KF_J_STRING || t->escaped ||
	    (stamp &&
	     (kf__iso_date(&p, end, &days) || kf__expect(&p, end, 'T'))) ||
	    kf__iso_clock(&p, end, &us) || kf__iso_offset(&p, end, &off) ||
	    days < -100000000 || days > 100000000)
		return kf__bad(rej, c, col,
			       stamp ? "not an ISO-8601 date and time with "
				       "an offset (ZonedTimestamp)"
				     : "not an ISO-8601 time with an offset "
				       "(ZonedTime)");
	us -= off;
	if (stamp)
		return (v->u.i = days * KF__US_DAY + us), 0;
	if (us < 0) /* the same time of day in UTC */
		us += KF__US_DAY;
	else if (us > KF__US_DAY)
		us -= KF__US_DAY;
	v->u.i = us;
	return 0;
}

/* ---- Debezium's data types written as text (KF_SQL_NUMERIC, _UUID,
 * _BITS) into txt, KF__TXT bytes of the column's own */

/* VariableScaleDecimal: {"scale": s, "value": base64 unscaled}. */
static int kf__vsdecimal(const struct kf__doc *doc, int obj,
			 const kf_column_t *c, int col, kf_value_t *v,
			 char *txt, kf_reject_t *rej)
{
	int sc = kf_json_member(doc->js, doc->toks, obj, "scale", 5);
	int val = kf_json_member(doc->js, doc->toks, obj, "value", 5);
	int64_t scale;
	kf_i128_t x;

	if (doc->toks[obj].type != KF_J_OBJECT || sc < 0 || val < 0 ||
	    doc->toks[sc].type != KF_J_NUMBER ||
	    kf_json_int64(doc->js, &doc->toks[sc], &scale) || scale < 0 ||
	    scale > 38 || kf__unscaled(doc, &doc->toks[val], &x))
		return kf__bad(rej, c, col,
			       "not a VariableScaleDecimal ({\"scale\": 0 to "
			       "38, \"value\": base64 of at most 16 bytes})");
	v->u.s.ptr = txt;
	v->u.s.len = kf_dec_format(x, (int)scale, txt);
	return 0;
}

/* Uuid: 8-4-4-4-12 hexadecimal digits, written in lower case. */
static int kf__uuid(const struct kf__doc *doc, const kf_jtok_t *t,
		    const kf_column_t *c, int col, kf_value_t *v, char *txt,
		    kf_reject_t *rej)
{
	const char *p = doc->js + t->start + 1;
	size_t i;

	if (t->type != KF_J_STRING || t->escaped || t->end - t->start != 38)
		goto bad;
	for (i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		char ch = p[i] >= 'A' && p[i] <= 'F' ? p[i] + 32 : p[i];

		if (dash ? ch != '-'
			 : !((ch >= '0' && ch <= '9') ||
			     (ch >= 'a' && ch <= 'f')))
			goto bad;
		txt[i] = ch;
	}
	v->u.s.ptr = txt;
	v->u.s.len = 36;
	return 0;
bad:
	return kf__bad(rej, c, col, "not a UUID (8-4-4-4-12 hex digits)");
}

/* Bits: base64 of the bits in little-endian byte order (Debezium's), as
 * c->precision digits 0/1, the most significant first. */
static int kf__bits(const struct kf__doc *doc, const kf_jtok_t *t,
		    const kf_column_t *c, int col, kf_value_t *v, char *txt,
		    kf_reject_t *rej)
{
	uint8_t raw[KF__MAX_BITS / 8 + 2];
	long n = kf__b64(doc, t, raw, sizeof(raw), KF__MAX_BITS / 8), b;

	if (n < 0)
		return kf__bad(rej, c, col,
			       "not Bits (base64 of at most 8 bytes)");
	for (b = c->precision; b < n * 8; b++)
		if (raw[b / 8] >> (b % 8) & 1)
			return kf__bad(rej, c, col,
				       "Bits wider than their length");
	for (b = 0; b < c->precision; b++) {
		long bit = c->precision - 1 - b;

		txt[b] = bit / 8 < n && (raw[bit / 8] >> (bit % 8) & 1) ? '1'
									: '0';
	}
	v->u.s.ptr = txt;
	v->u.s.len = (size_t)c->precision;
	return 0;
}

/* A value of a column with a sqltype (kf__logicals). */
static int kf__sqlvalue(kf_envdec_t *d, const struct kf__doc *doc, int i,
			const kf_column_t *c, int col, kf_value_t *v, char *txt,
			kf_reject_t *rej)
{
	const kf_jtok_t *t = &doc->toks[i];

	switch (c->sqltype) {
	case KF_SQL_TIMESTAMP_US:
	case KF_SQL_TIMESTAMP_NS:
	case KF_SQL_INTERVAL:
		return kf__int(doc, t, c, col, INT64_MIN, INT64_MAX, v, rej);
	case KF_SQL_TIME_US:
		return kf__int(doc, t, c, col, 0, KF__US_DAY, v, rej);
	case KF_SQL_TIME_NS:
		return kf__int(doc, t, c, col, 0, KF__US_DAY * 1000, v, rej);
	case KF_SQL_TIMESTAMPTZ:
	case KF_SQL_TIMETZ:
		return kf__zoned(doc, t, c, col, v, rej);
	case KF_SQL_NUMERIC:
		return kf__vsdecimal(doc, i, c, col, v, txt, rej);
	case KF_SQL_UUID:
		return kf__uuid(doc, t, c, col, v, txt, rej);
	case KF_SQL_BITS:
		return kf__bits(doc, t, c, col, v, txt, rej);
	case KF_SQL_XML:
	case KF_SQL_NONE:
		break;
	}
	return kf__span(d, doc, t, c, col, v, rej);
}

static int kf__value(kf_envdec_t *d, const struct kf__doc *doc, int i,
		     const kf_column_t *c, int col, kf_value_t *v, char *txt,
		     kf_reject_t *rej)
{
	const kf_jtok_t *t = i < 0 ? NULL : &doc->toks[i];

	memset(v, 0, sizeof(*v));
	v->type = c->type;
	if (!t || t->type == KF_J_NULL) {
		v->null = 1;
		return 0;
	}
	if (c->sqltype)
		return kf__sqlvalue(d, doc, i, c, col, v, txt, rej);
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
	case KF_T_TIME: /* PostgreSQL's 24:00:00 included */
		return kf__int(doc, t, c, col, 0, 86400000, v, rej);
	case KF_T_INT64:
		return kf__int(doc, t, c, col, INT64_MIN, INT64_MAX, v, rej);
	case KF_T_TIMESTAMP:
		if (kf__int(doc, t, c, col, INT64_MIN, INT64_MAX, v, rej))
			return -1;
		if (v->u.i == KF__DBZ_TS_INFINITY)
			v->u.i = INT64_MAX;
		else if (v->u.i == KF__DBZ_TS_NEG_INFINITY)
			v->u.i = INT64_MIN;
		return 0;
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

/* The member of column name in object obj: the one at *next when its key
 * is name (writers list a struct's fields in schema order; *next then
 * moves on), else found by name (*next is then 0: no more guesses). The
 * schema's names are distinct, so while every guess held, no earlier
 * member bears this name and the guess is the member lookup's answer. */
static int kf__member(const struct kf__doc *doc, int obj, const char *name,
		      uint32_t *next)
{
	const kf_jtok_t *k = &doc->toks[*next];
	size_t n = strlen(name);

	if (*next && k->type == KF_J_STRING && !k->escaped &&
	    k->end - k->start - 2 == n &&
	    !memcmp(doc->js + k->start + 1, name, n)) {
		int val = (int)*next + 1; /* the value after the key */

		*next = doc->toks[val].next;
		if (*next >= doc->toks[obj].next)
			*next = 0; /* that was the object's last member */
		return val;
	}
	*next = 0;
	return kf_json_member(doc->js, doc->toks, obj, name, n);
}

/* The payload object obj read by the columns of sc into values slot. */
static int kf__row(kf_envdec_t *d, const struct kf__doc *doc, int obj,
		   const kf_schema_t *sc, int slot, const kf_value_t **out,
		   kf_reject_t *rej)
{
	size_t c;
	kf_value_t *v;
	uint32_t next;

	if (doc->toks[obj].type != KF_J_OBJECT)
		return kf_reject(rej, "format", -1,
				 "the payload is not an object (a struct)");
	if (d->nvals[slot] < sc->ncols) {
		char *txt = realloc(d->txt[slot], sc->ncols * KF__TXT);

		if (txt)
			d->txt[slot] = txt;
		v = txt ? realloc(d->vals[slot], sc->ncols * sizeof(*v)) : NULL;
		if (!v)
			return kf_reject(rej, "format", -1, "out of memory");
		d->vals[slot] = v;
		d->nvals[slot] = sc->ncols;
	}
	v = d->vals[slot];
	next = doc->toks[obj].size ? (uint32_t)obj + 1 : 0;
	for (c = 0; c < sc->ncols; c++) {
		int i = kf__member(doc, obj, sc->cols[c].name, &next);

		if (kf__value(d, doc, i, &sc->cols[c], (int)c, &v[c],
			      d->txt[slot] + c * KF__TXT, rej))
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

#define KF__HEAD "{\"schema\":"
#define KF__MID ",\"payload\":"

/* The fast path: js is {"schema":S,"payload":P} with S a cached schema's
 * exact text; P alone is tokenized into doc (its token 0). The entry, or
 * NULL when the message is laid out otherwise or P is not one JSON value
 * (the full path then says what is wrong, at offsets of the message). */
static struct kf__entry *kf__cached(kf_envdec_t *d, struct kf__doc *doc,
				    const char *js, size_t len)
{
	const size_t head = sizeof(KF__HEAD) - 1, mid = sizeof(KF__MID) - 1;
	kf_reject_t ignored;
	struct kf__entry *e;
	size_t i, p;

	if (len < head + mid + 2 || memcmp(js, KF__HEAD, head) ||
	    js[len - 1] != '}')
		return NULL;
	for (i = 0; i < KF__CACHE; i++) {
		e = &d->cache[i];
		if (!e->row || e->len > len - head - mid - 2 ||
		    memcmp(js + head, e->text, e->len) ||
		    memcmp(js + head + e->len, KF__MID, mid))
			continue;
		p = head + e->len + mid;
		if (kf__tokenize(doc, js + p, len - 1 - p, &ignored, "payload"))
			return NULL;
		e->used = ++d->clock;
		return e;
	}
	return NULL;
}

/* The payload token of the envelope js, and its schema: *e the cached
 * entry (the fast path), or NULL and *schema its token for kf__lookup.
 * 0, or -1 with rej when js is not a Connect JSON envelope. */
static int kf__open(kf_envdec_t *d, struct kf__doc *doc, const char *js,
		    size_t len, struct kf__entry **e, int *schema, int *payload,
		    kf_reject_t *rej, const char *what)
{
	*e = kf__cached(d, doc, js, len);
	if (*e) {
		*payload = 0;
		return 0;
	}
	if (kf__tokenize(doc, js, len, rej, what) ||
	    kf__envelope(doc, schema, payload, rej, what))
		return -1;
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
	    kf__open(d, &d->key, key, klen, &e, &s, &p, &ignored, "key") ||
	    d->key.toks[p].type == KF_J_NULL)
		return 0;
	if (!e && !(e = kf__lookup(d, &d->key, s, rej)))
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

/* A message begins: out empty, the arena room for need bytes. */
static int kf__begin(kf_envdec_t *d, kf_env_msg_t *out, size_t need,
		     kf_reject_t *rej)
{
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
	return 0;
}

int kf_envdec_payload(kf_envdec_t *d, const kf_schema_t *s, int change,
		      const void *js, size_t len, kf_env_msg_t *out,
		      kf_reject_t *rej)
{
	if (kf__begin(d, out, len + 16, rej) ||
	    kf__tokenize(&d->val, js, len, rej, "body"))
		return -1;
	out->schema = s;
	if (change)
		return kf__change(d, &d->val, 0, s, out, rej);
	out->kind = KF_ENV_RECORD;
	return kf__row(d, &d->val, 0, s, 0, &out->after, rej);
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
	int s, p;

	if (kf__begin(d, out, klen + vlen + 16, rej) ||
	    kf__key(d, key, klen, out, rej))
		return -1;
	/* JSON never starts with a NUL byte: the Confluent wire format does */
	if (d->wire && value && vlen && !*(const char *)value)
		return kf__wire(d, key, klen, value, vlen, out, rej);
	if (!value) {
		out->kind = KF_ENV_TOMBSTONE;
		return 0;
	}
	if (kf__open(d, &d->val, value, vlen, &e, &s, &p, rej, "value") ||
	    (!e && !(e = kf__lookup(d, &d->val, s, rej))))
		return -1;
	out->schema = e->row;
	if (e->change)
		return kf__change(d, &d->val, p, e->row, out, rej);
	out->kind = KF_ENV_RECORD;
	return kf__row(d, &d->val, p, e->row, 0, &out->after, rej);
}
