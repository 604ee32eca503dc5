/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Avro for flat records (avro.h): our own small encoder and decoder, not
 * libavro (docs/schemas.md 1.3 says why), and the schema JSON of the
 * columns of a schema file.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/jsontok.h"
#include "record/avro.h"
#include "record/avroenv.h"
#include "record/decode.h"

__extension__ typedef unsigned __int128 kf_u128_t;

/* The Avro type of one field, as decoding and comparing need it. */
enum kf__prim {
	KF__P_BOOLEAN = 1,
	KF__P_INT,
	KF__P_LONG,
	KF__P_FLOAT,
	KF__P_DOUBLE,
	KF__P_BYTES,
	KF__P_STRING,
	KF__P_FIXED,
	KF__P_ENUM
};

enum kf__logical {
	KF__L_NONE = 0,
	KF__L_DECIMAL,
	KF__L_DATE,
	KF__L_TIME_MS,
	KF__L_TIME_US,
	KF__L_TS_MS,
	KF__L_TS_US
};

struct kf__afield {
	enum kf__prim prim;
	enum kf__logical logical;
	int nullable;	 /* a union of null and the type */
	int null_index;	 /* its branch index of null: 0 or 1 */
	int has_default; /* the field has a "default" */
	size_t fixed_size;
	size_t nsym; /* enum symbols */
	char **sym;
};

struct kf_avro_rec_s {
	kf_schema_t *s;	      /* the columns, one per field */
	struct kf__afield *f; /* [s->ncols] */
	kf_avro_env_t *env;   /* a change-event envelope: s is its row */
};

/* -------------------------------------------------------------------------
 * Binary encoding
 */

void kf_avro_put_long(kf_strbuf_t *b, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	char buf[10];
	size_t n = 0;

	while (z >= 0x80) {
		buf[n++] = (char)(z | 0x80);
		z >>= 7;
	}
	buf[n++] = (char)z;
	kf_strbuf_append(b, buf, n);
}

void kf_avro_put_bytes(kf_strbuf_t *b, const void *p, size_t n)
{
	kf_avro_put_long(b, (int64_t)n);
	kf_strbuf_append(b, p, n);
}

/* x86 and arm64 are little-endian as Avro is; a big-endian host swaps. */
static void kf__put_le(kf_strbuf_t *b, uint64_t bits, size_t n)
{
	char buf[8];
	size_t i;

	for (i = 0; i < n; i++, bits >>= 8)
		buf[i] = (char)(bits & 0xff);
	kf_strbuf_append(b, buf, n);
}

void kf_avro_put_float(kf_strbuf_t *b, float f)
{
	uint32_t bits;

	memcpy(&bits, &f, 4);
	kf__put_le(b, bits, 4);
}

void kf_avro_put_double(kf_strbuf_t *b, double d)
{
	uint64_t bits;

	memcpy(&bits, &d, 8);
	kf__put_le(b, bits, 8);
}

int kf_avro_get_long(kf_avro_in_t *in, int64_t *v)
{
	uint64_t z = 0;
	unsigned shift;

	for (shift = 0; shift < 70; shift += 7) {
		if (in->p >= in->end)
			return -1;
		z |= (uint64_t)(*in->p & 0x7f) << shift;
		if (!(*in->p++ & 0x80)) {
			*v = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
			return 0;
		}
	}
	return -1; /* more than 10 bytes */
}

int kf_avro_get_bytes(kf_avro_in_t *in, const uint8_t **p, size_t *n)
{
	int64_t len;

	if (kf_avro_get_long(in, &len) || len < 0 ||
	    (uint64_t)len > (uint64_t)(in->end - in->p))
		return -1;
	*p = in->p;
	*n = (size_t)len;
	in->p += len;
	return 0;
}

static int kf__get_le(kf_avro_in_t *in, uint64_t *bits, size_t n)
{
	size_t i;

	if ((size_t)(in->end - in->p) < n)
		return -1;
	*bits = 0;
	for (i = 0; i < n; i++)
		*bits |= (uint64_t)in->p[i] << (8 * i);
	in->p += n;
	return 0;
}

int kf_avro_get_float(kf_avro_in_t *in, float *f)
{
	uint64_t bits;
	uint32_t b32;

	if (kf__get_le(in, &bits, 4))
		return -1;
	b32 = (uint32_t)bits;
	memcpy(f, &b32, 4);
	return 0;
}

int kf_avro_get_double(kf_avro_in_t *in, double *d)
{
	uint64_t bits;

	if (kf__get_le(in, &bits, 8))
		return -1;
	memcpy(d, &bits, 8);
	return 0;
}

/* -------------------------------------------------------------------------
 * The schema kferry writes and the rows it encodes
 */

/* The Avro type of a column (docs/schemas.md 4.1). */
static void kf__type_json(const kf_column_t *c, kf_strbuf_t *b)
{
	switch (c->type) {
	case KF_T_BOOLEAN:
		kf_strbuf_printf(b, "\"boolean\"");
		break;
	case KF_T_INT8:
	case KF_T_INT16:
	case KF_T_INT32:
		kf_strbuf_printf(b, "\"int\"");
		break;
	case KF_T_INT64:
		kf_strbuf_printf(b, "\"long\"");
		break;
	case KF_T_FLOAT32:
		kf_strbuf_printf(b, "\"float\"");
		break;
	case KF_T_FLOAT64:
		kf_strbuf_printf(b, "\"double\"");
		break;
	case KF_T_BYTES:
		kf_strbuf_printf(b, "\"bytes\"");
		break;
	case KF_T_DECIMAL:
		kf_strbuf_printf(b,
				 "{\"type\":\"bytes\",\"logicalType\":"
				 "\"decimal\",\"precision\":%d,\"scale\":%d}",
				 c->precision, c->scale);
		break;
	case KF_T_DATE:
		kf_strbuf_printf(b,
				 "{\"type\":\"int\",\"logicalType\":\"date\"}");
		break;
	case KF_T_TIME:
		kf_strbuf_printf(b, "{\"type\":\"int\",\"logicalType\":"
				    "\"time-millis\"}");
		break;
	case KF_T_TIMESTAMP:
		kf_strbuf_printf(b, "{\"type\":\"long\",\"logicalType\":"
				    "\"timestamp-millis\"}");
		break;
	case KF_T_TEXT:
	case KF_T_JSON:
		kf_strbuf_printf(b, "\"string\"");
		break;
	}
}

static void kf__doc_json(const char *doc, kf_strbuf_t *b)
{
	size_t cap = strlen(doc) * 6 + 1; /* \u00XX at worst */
	char *esc = malloc(cap);

	if (!esc) {
		b->failed = 1;
		return;
	}
	kf_json_escape(esc, cap, doc);
	kf_strbuf_printf(b, ",\"doc\":\"%s\"", esc);
	free(esc);
}

void kf_avro_schema_json(const kf_schema_t *s, const int *cols, size_t n,
			 int key, kf_strbuf_t *out)
{
	const char *full = s->name ? s->name : "kferry.record";
	const char *dot = strrchr(full, '.');
	size_t i;

	/* schema names are letters, digits, '_' and '.': nothing to escape */
	kf_strbuf_printf(out, "{\"type\":\"record\",\"name\":\"%s%s\"",
			 dot ? dot + 1 : full, key ? "_key" : "");
	if (dot)
		kf_strbuf_printf(out, ",\"namespace\":\"%.*s\"",
				 (int)(dot - full), full);
	kf_strbuf_printf(out, ",\"fields\":[");
	for (i = 0; i < n; i++) {
		const kf_column_t *c = &s->cols[cols[i]];

		kf_strbuf_printf(out,
				 "%s{\"name\":\"%s\",\"type\":", i ? "," : "",
				 c->name);
		if (!c->required)
			kf_strbuf_printf(out, "[\"null\",");
		kf__type_json(c, out);
		if (!c->required)
			kf_strbuf_putc(out, ']');
		if (c->doc)
			kf__doc_json(c->doc, out);
		if (!c->required)
			kf_strbuf_printf(out, ",\"default\":null");
		kf_strbuf_putc(out, '}');
	}
	kf_strbuf_printf(out, "]}");
}

static void kf__encode_value(const kf_column_t *c, const kf_value_t *v,
			     kf_strbuf_t *out)
{
	uint8_t dec[16];
	char byte;

	switch (c->type) {
	case KF_T_BOOLEAN:
		byte = v->u.b ? 1 : 0;
		kf_strbuf_append(out, &byte, 1);
		break;
	case KF_T_FLOAT32:
		kf_avro_put_float(out, (float)v->u.f);
		break;
	case KF_T_FLOAT64:
		kf_avro_put_double(out, v->u.f);
		break;
	case KF_T_DECIMAL:
		kf_avro_put_bytes(out, dec, kf_dec_bytes(v->u.dec, dec));
		break;
	case KF_T_TEXT:
	case KF_T_JSON:
	case KF_T_BYTES:
		kf_avro_put_bytes(out, v->u.s.ptr, v->u.s.len);
		break;
	default: /* the integers, date, time, timestamp */
		kf_avro_put_long(out, v->u.i);
	}
}

void kf_avro_encode(const kf_schema_t *s, const int *cols, size_t n,
		    const kf_value_t *vals, kf_strbuf_t *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const kf_column_t *c = &s->cols[cols[i]];
		const kf_value_t *v = &vals[cols[i]];

		if (!c->required) /* ["null", T]: branch 0 or 1 */
			kf_avro_put_long(out, v->null ? 0 : 1);
		if (!v->null)
			kf__encode_value(c, v, out);
		else if (c->required) /* validation never lets this by */
			out->failed = 1;
	}
}

/* -------------------------------------------------------------------------
 * Writer schemas read back
 */

struct kf__parse {
	const char *js;
	kf_jtok_t *t;
	char *errstr;
	size_t errstr_size;
};

/* A member's string into buf: 0, or -1 when absent, not a string or too
 * long. */
static int kf__mstr(const struct kf__parse *p, int obj, const char *member,
		    char *buf, size_t cap)
{
	int i = kf_json_member(p->js, p->t, obj, member, strlen(member));

	if (i < 0 || p->t[i].type != KF_J_STRING)
		return -1;
	return kf_json_string(p->js, &p->t[i], buf, cap) < 0 ? -1 : 0;
}

static int kf__mint(const struct kf__parse *p, int obj, const char *member,
		    int64_t *v)
{
	int i = kf_json_member(p->js, p->t, obj, member, strlen(member));

	if (i < 0 || p->t[i].type != KF_J_NUMBER)
		return -1;
	return kf_json_int64(p->js, &p->t[i], v);
}

static const struct {
	const char *name;
	enum kf__prim prim;
	enum kf_type type;
} kf__prims[] = {
	{"boolean", KF__P_BOOLEAN, KF_T_BOOLEAN},
	{"int", KF__P_INT, KF_T_INT32},
	{"long", KF__P_LONG, KF_T_INT64},
	{"float", KF__P_FLOAT, KF_T_FLOAT32},
	{"double", KF__P_DOUBLE, KF_T_FLOAT64},
	{"bytes", KF__P_BYTES, KF_T_BYTES},
	{"string", KF__P_STRING, KF_T_TEXT},
	{"fixed", KF__P_FIXED, KF_T_BYTES},
	{"enum", KF__P_ENUM, KF_T_TEXT},
};

static int kf__prim_of(const char *name, struct kf__afield *f, kf_column_t *c)
{
	size_t i;

	for (i = 0; i < sizeof(kf__prims) / sizeof(kf__prims[0]); i++)
		if (!strcmp(name, kf__prims[i].name)) {
			f->prim = kf__prims[i].prim;
			c->type = kf__prims[i].type;
			return 0;
		}
	return -1;
}

static int kf__unsupported(struct kf__parse *p, const kf_column_t *c,
			   const char *what)
{
	return kf_seterr(p->errstr, p->errstr_size, KF_EINVAL,
			 "Avro schema: field %s: %s (docs/schemas.md 4.1: "
			 "flat records of primitives, logical types, enums "
			 "and unions with null)",
			 c->name, what);
}

/* A decimal's precision and scale into the column. */
static int kf__decimal(struct kf__parse *p, int obj, kf_column_t *c)
{
	int64_t prec, scale = 0;

	if (kf__mint(p, obj, "precision", &prec))
		return kf__unsupported(p, c, "a decimal without a precision");
	if (kf_json_member(p->js, p->t, obj, "scale", 5) >= 0 &&
	    kf__mint(p, obj, "scale", &scale))
		return kf__unsupported(p, c, "a decimal scale not an integer");
	if (prec < 1 || prec > 38 || scale < 0 || scale > prec)
		return kf__unsupported(p, c,
				       "a decimal beyond decimal(38,s) "
				       "(the widest a row value holds)");
	c->type = KF_T_DECIMAL;
	c->precision = (int)prec;
	c->scale = (int)scale;
	return 0;
}

static const struct {
	const char *name;
	enum kf__prim prim;
	enum kf__logical logical;
	enum kf_type type;
} kf__logicals[] = {
	{"date", KF__P_INT, KF__L_DATE, KF_T_DATE},
	{"time-millis", KF__P_INT, KF__L_TIME_MS, KF_T_TIME},
	{"time-micros", KF__P_LONG, KF__L_TIME_US, KF_T_TIME},
	{"timestamp-millis", KF__P_LONG, KF__L_TS_MS, KF_T_TIMESTAMP},
	{"timestamp-micros", KF__P_LONG, KF__L_TS_US, KF_T_TIMESTAMP},
};

/* Debezium's logical types as Kafka Connect's Avro converters write them
 * (a connect.name on the primitive, no logicalType): those whose
 * primitive holds the value as a column reads it (record/envelope.c has
 * the same names for Connect JSON). */
static const struct {
	const char *name;
	enum kf__prim prim;
	enum kf__logical logical;
	enum kf_type type;
	enum kf_sqltype sql;
} kf__connect_names[] = {
	{"io.debezium.time.Date", KF__P_INT, KF__L_DATE, KF_T_DATE,
	 KF_SQL_NONE},
	{"io.debezium.time.Time", KF__P_INT, KF__L_TIME_MS, KF_T_TIME,
	 KF_SQL_NONE},
	{"io.debezium.time.Timestamp", KF__P_LONG, KF__L_TS_MS, KF_T_TIMESTAMP,
	 KF_SQL_NONE},
	{"io.debezium.time.MicroTimestamp", KF__P_LONG, KF__L_NONE, KF_T_INT64,
	 KF_SQL_TIMESTAMP_US},
	{"io.debezium.time.NanoTimestamp", KF__P_LONG, KF__L_NONE, KF_T_INT64,
	 KF_SQL_TIMESTAMP_NS},
	{"io.debezium.time.MicroTime", KF__P_LONG, KF__L_NONE, KF_T_INT64,
	 KF_SQL_TIME_US},
	{"io.debezium.time.NanoTime", KF__P_LONG, KF__L_NONE, KF_T_INT64,
	 KF_SQL_TIME_NS},
	{"io.debezium.time.MicroDuration", KF__P_LONG, KF__L_NONE, KF_T_INT64,
	 KF_SQL_INTERVAL},
	{"io.debezium.time.Year", KF__P_INT, KF__L_NONE, KF_T_INT32,
	 KF_SQL_NONE},
	{"io.debezium.data.Uuid", KF__P_STRING, KF__L_NONE, KF_T_TEXT,
	 KF_SQL_UUID},
	{"io.debezium.data.Xml", KF__P_STRING, KF__L_NONE, KF_T_TEXT,
	 KF_SQL_XML},
	{"io.debezium.data.Enum", KF__P_STRING, KF__L_NONE, KF_T_TEXT,
	 KF_SQL_NONE},
	{"io.debezium.data.EnumSet", KF__P_STRING, KF__L_NONE, KF_T_TEXT,
	 KF_SQL_NONE},
	{"io.debezium.data.Json", KF__P_STRING, KF__L_NONE, KF_T_JSON,
	 KF_SQL_NONE},
};

/* A connect.name (kf__connect_names) or connect.type (int8, int16) on a
 * primitive without a logicalType. Another io.debezium name is refused:
 * read as its primitive it would land in the wrong column type. */
static int kf__connect_name(struct kf__parse *p, int obj, struct kf__afield *f,
			    kf_column_t *c)
{
	char name[64];
	size_t i;

	if (!kf__mstr(p, obj, "connect.type", name, sizeof(name)) &&
	    f->prim == KF__P_INT)
		c->type = !strcmp(name, "int8")	   ? KF_T_INT8
			  : !strcmp(name, "int16") ? KF_T_INT16
						   : c->type;
	if (kf__mstr(p, obj, "connect.name", name, sizeof(name)) ||
	    strncmp(name, "io.debezium.", 12))
		return 0;
	for (i = 0;
	     i < sizeof(kf__connect_names) / sizeof(kf__connect_names[0]); i++)
		if (!strcmp(name, kf__connect_names[i].name) &&
		    f->prim == kf__connect_names[i].prim) {
			f->logical = kf__connect_names[i].logical;
			c->type = kf__connect_names[i].type;
			c->sqltype = kf__connect_names[i].sql;
			return 0;
		}
	return kf__unsupported(p, c,
			       "a Debezium type not read from Avro "
			       "(docs/schemas.md 6.2)");
}

/* The logical type of object obj, over the primitive already read.
 * Unknown logical types are read as their primitive (the Avro spec). */
static int kf__logical(struct kf__parse *p, int obj, struct kf__afield *f,
		       kf_column_t *c)
{
	char lt[32];
	size_t i;

	if (kf__mstr(p, obj, "logicalType", lt, sizeof(lt)))
		return kf__connect_name(p, obj, f, c);
	if (!strcmp(lt, "decimal") &&
	    (f->prim == KF__P_BYTES || f->prim == KF__P_FIXED)) {
		f->logical = KF__L_DECIMAL;
		return kf__decimal(p, obj, c);
	}
	for (i = 0; i < sizeof(kf__logicals) / sizeof(kf__logicals[0]); i++)
		if (!strcmp(lt, kf__logicals[i].name) &&
		    f->prim == kf__logicals[i].prim) {
			f->logical = kf__logicals[i].logical;
			c->type = kf__logicals[i].type;
		}
	return 0;
}

static int kf__symbols(struct kf__parse *p, int obj, struct kf__afield *f,
		       kf_column_t *c)
{
	int a = kf_json_member(p->js, p->t, obj, "symbols", 7);
	uint32_t i, s;
	long n;

	if (a < 0 || p->t[a].type != KF_J_ARRAY || !p->t[a].size ||
	    !(f->sym = calloc(p->t[a].size, sizeof(*f->sym))))
		return kf__unsupported(p, c, "an enum without symbols");
	for (i = 0, s = (uint32_t)a + 1; i < p->t[a].size;
	     i++, s = p->t[s].next) {
		size_t cap = p->t[s].end - p->t[s].start;

		if (p->t[s].type != KF_J_STRING || !(f->sym[i] = malloc(cap)) ||
		    (n = kf_json_string(p->js, &p->t[s], f->sym[i], cap)) < 0)
			return kf__unsupported(p, c, "a bad enum symbol");
		f->nsym = i + 1;
	}
	return 0;
}

/* A non-union type (token i) into the field and its column. */
static int kf__type(struct kf__parse *p, int i, struct kf__afield *f,
		    kf_column_t *c)
{
	char name[32];
	int64_t size;

	if (p->t[i].type == KF_J_STRING) {
		if (kf_json_string(p->js, &p->t[i], name, sizeof(name)) < 0 ||
		    kf__prim_of(name, f, c) || f->prim == KF__P_FIXED ||
		    f->prim == KF__P_ENUM)
			return kf__unsupported(p, c,
					       "a type that is not a "
					       "primitive (named types are "
					       "not read)");
		return 0;
	}
	if (p->t[i].type != KF_J_OBJECT ||
	    kf__mstr(p, i, "type", name, sizeof(name)) ||
	    kf__prim_of(name, f, c))
		return kf__unsupported(p, c,
				       "a record, array or map (rows are "
				       "flat)");
	if (f->prim == KF__P_FIXED) {
		if (kf__mint(p, i, "size", &size) || size < 1 || size > 1024)
			return kf__unsupported(p, c, "a fixed without a size");
		f->fixed_size = (size_t)size;
	}
	if (f->prim == KF__P_ENUM)
		return kf__symbols(p, i, f, c);
	return kf__logical(p, i, f, c);
}

/* A field's type: a type, or a union of null and a type. */
static int kf__field_type(struct kf__parse *p, int i, struct kf__afield *f,
			  kf_column_t *c)
{
	char b0[8];
	int first, second, other;

	if (p->t[i].type != KF_J_ARRAY) {
		c->required = 1;
		return kf__type(p, i, f, c);
	}
	if (p->t[i].size != 2)
		return kf__unsupported(p, c,
				       "a union other than null and one type");
	first = i + 1;
	second = (int)p->t[first].next;
	f->nullable = 1;
	f->null_index = p->t[first].type == KF_J_STRING &&
					kf_json_string(p->js, &p->t[first], b0,
						       sizeof(b0)) >= 0 &&
					!strcmp(b0, "null")
				? 0
				: 1;
	other = f->null_index ? first : second;
	if (f->null_index &&
	    (p->t[second].type != KF_J_STRING ||
	     kf_json_string(p->js, &p->t[second], b0, sizeof(b0)) < 0 ||
	     strcmp(b0, "null")))
		return kf__unsupported(p, c,
				       "a union other than null and one type");
	return kf__type(p, other, f, c);
}

static int kf__find(const kf_avro_rec_t *r, const char *name);

static int kf__fields(struct kf__parse *p, int fields, kf_avro_rec_t *r)
{
	kf_schema_t *s = r->s;
	uint32_t i, f;
	char name[64];
	int ti;

	for (i = 0, f = (uint32_t)fields + 1; i < p->t[fields].size;
	     i++, f = p->t[f].next) {
		kf_column_t *c = &s->cols[i];

		if (p->t[f].type != KF_J_OBJECT ||
		    kf__mstr(p, (int)f, "name", name, sizeof(name)) || !name[0])
			return kf_seterr(p->errstr, p->errstr_size, KF_EINVAL,
					 "Avro schema: field %u has no name "
					 "(of at most 63 bytes)",
					 i + 1);
		if (kf__find(r, name) >= 0) /* one column per name */
			return kf_seterr(p->errstr, p->errstr_size, KF_EINVAL,
					 "Avro schema: field %s twice", name);
		if (!(c->name = strdup(name)))
			return kf_seterr(p->errstr, p->errstr_size, KF_ENOMEM,
					 "out of memory");
		s->ncols = i + 1;
		c->emit = 1;
		c->rectype = -1;
		c->key_pos = -1;
		c->decimal_point = '.';
		r->f[i].has_default =
			kf_json_member(p->js, p->t, (int)f, "default", 7) >= 0;
		if ((ti = kf_json_member(p->js, p->t, (int)f, "type", 4)) < 0)
			return kf__unsupported(p, c, "no type");
		if (kf__field_type(p, ti, &r->f[i], c))
			return KF_EINVAL;
	}
	return 0;
}

/* The full name (namespace.name) of the record at obj as the schema's
 * name; a name without a namespace takes ns (the enclosing one). */
static int kf__rec_name(struct kf__parse *p, int obj, const char *ns,
			kf_schema_t *s)
{
	char name[128], own[128];

	if (kf__mstr(p, obj, "name", name, sizeof(name)))
		return -1;
	if (!kf__mstr(p, obj, "namespace", own, sizeof(own)))
		ns = own;
	if (!ns[0] || strchr(name, '.'))
		s->name = strdup(name);
	else if ((s->name = malloc(strlen(ns) + strlen(name) + 2)))
		sprintf(s->name, "%s.%s", ns, name);
	return s->name ? 0 : -1;
}

/* The flat record at token obj. */
static kf_avro_rec_t *kf__rec_at(struct kf__parse *p, int obj, const char *ns)
{
	kf_avro_rec_t *r = NULL;
	char type[16];
	int fields;

	if (p->t[obj].type != KF_J_OBJECT ||
	    kf__mstr(p, obj, "type", type, sizeof(type)) ||
	    strcmp(type, "record") ||
	    (fields = kf_json_member(p->js, p->t, obj, "fields", 6)) < 0 ||
	    p->t[fields].type != KF_J_ARRAY) {
		kf_seterr(p->errstr, p->errstr_size, KF_EINVAL,
			  "Avro schema: not a record with fields (rows are "
			  "records)");
		return NULL;
	}
	if (!(r = calloc(1, sizeof(*r))) ||
	    !(r->s = calloc(1, sizeof(*r->s))) ||
	    !(r->s->cols =
		      calloc(p->t[fields].size + 1, sizeof(*r->s->cols))) ||
	    !(r->f = calloc(p->t[fields].size + 1, sizeof(*r->f)))) {
		kf_seterr(p->errstr, p->errstr_size, KF_ENOMEM,
			  "Avro schema: out of memory");
		goto fail;
	}
	r->s->format_version = KF_SCHEMA_FORMAT_VERSION;
	if (kf__rec_name(p, obj, ns, r->s)) {
		kf_seterr(p->errstr, p->errstr_size, KF_EINVAL,
			  "Avro schema: a record without a name");
		goto fail;
	}
	if (kf__fields(p, fields, r))
		goto fail;
	r->s->prepared = 1;
	return r;
fail:
	kf_avro_rec_free(r);
	return NULL;
}

/* A Debezium envelope: its row record, the envelope attached. */
static kf_avro_rec_t *kf__envelope(struct kf__parse *p)
{
	kf_avro_env_t *env;
	kf_avro_rec_t *r;
	char ns[128] = "", name[128];
	const char *dot;
	int row;

	env = kf_avro_env_parse(p->js, p->t, &row, p->errstr, p->errstr_size);
	if (!env)
		return NULL;
	/* the row's namespace when it names none: the envelope's */
	if (kf__mstr(p, 0, "namespace", ns, sizeof(ns)) &&
	    !kf__mstr(p, 0, "name", name, sizeof(name)) &&
	    (dot = strrchr(name, '.')))
		snprintf(ns, sizeof(ns), "%.*s", (int)(dot - name), name);
	if (!(r = kf__rec_at(p, row, ns))) {
		kf_avro_env_free(env);
		return NULL;
	}
	r->env = env;
	return r;
}

kf_avro_rec_t *kf_avro_rec_parse(const char *js, size_t len, char *errstr,
				 size_t errstr_size)
{
	struct kf__parse p = {js, NULL, errstr, errstr_size};
	kf_avro_rec_t *r = NULL;
	size_t ntok;

	if (!(p.t = malloc((len + 1) * sizeof(*p.t))))
		kf_seterr(errstr, errstr_size, KF_ENOMEM,
			  "Avro schema: out of memory");
	else if (!kf_json_tokenize(js, len, p.t, len + 1, &ntok, errstr,
				   errstr_size))
		r = kf_avro_env_is(js, p.t) ? kf__envelope(&p)
					    : kf__rec_at(&p, 0, "");
	free(p.t);
	return r;
}

void kf_avro_rec_free(kf_avro_rec_t *r)
{
	size_t i, j;

	if (!r)
		return;
	for (i = 0; r->f && r->s && i < r->s->ncols; i++) {
		for (j = 0; j < r->f[i].nsym; j++)
			free(r->f[i].sym[j]);
		free(r->f[i].sym);
	}
	free(r->f);
	kf_schema_free(r->s);
	kf_avro_env_free(r->env);
	free(r);
}

const kf_avro_env_t *kf_avro_rec_env(const kf_avro_rec_t *r)
{
	return r->env;
}

const kf_schema_t *kf_avro_rec_schema(const kf_avro_rec_t *r)
{
	return r->s;
}

/* -------------------------------------------------------------------------
 * Decoding
 */

static int kf__bad(kf_reject_t *rej, const kf_column_t *c, size_t col,
		   size_t off, const char *what)
{
	return kf_reject(rej, "format", (int)col,
			 "Avro field %s at byte %zu: %s", c->name, off, what);
}

/* The big-endian two's complement of a decimal (at most 16 bytes). */
static int kf__dec(const uint8_t *p, size_t n, kf_i128_t *out)
{
	kf_i128_t x;
	size_t i;

	if (n < 1 || n > 16)
		return -1;
	x = (p[0] & 0x80) ? -1 : 0;
	for (i = 0; i < n; i++)
		x = (kf_i128_t)((kf_u128_t)x << 8 | p[i]);
	*out = x;
	return 0;
}

/* A micro count into milliseconds, exact only (kferry's values are ms). */
static int kf__micros(int64_t us, int64_t *ms)
{
	if (us % 1000)
		return -1;
	*ms = us / 1000;
	return 0;
}

/* An int or long into the column's range. */
static int kf__integer(const struct kf__afield *f, const kf_column_t *c,
		       kf_avro_in_t *in, kf_value_t *v)
{
	int64_t x;

	if (kf_avro_get_long(in, &x))
		return -1;
	if (f->prim == KF__P_INT && (x < INT32_MIN || x > INT32_MAX))
		return -1;
	if ((f->logical == KF__L_TIME_US || f->logical == KF__L_TS_US) &&
	    kf__micros(x, &x))
		return -1;
	if (c->type == KF_T_TIME && (x < 0 || x > 86399999))
		return -1;
	v->u.i = x;
	return 0;
}

/* Debezium's Uuid: 8-4-4-4-12 lower-case hexadecimal digits, as the
 * database writes them back (a text column would keep any other form). */
static int kf__uuid_text(const char *p, size_t n)
{
	size_t i;

	if (n != 36)
		return -1;
	for (i = 0; i < n; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23)
			    ? p[i] != '-'
			    : !((p[i] >= '0' && p[i] <= '9') ||
				(p[i] >= 'a' && p[i] <= 'f')))
			return -1;
	return 0;
}

/* Bytes, string, fixed and enum: spans of the input. */
static int kf__span(const struct kf__afield *f, const kf_column_t *c,
		    kf_avro_in_t *in, kf_value_t *v)
{
	const uint8_t *p = in->p;
	size_t n;
	int64_t sym;

	if (f->prim == KF__P_ENUM) {
		if (kf_avro_get_long(in, &sym) || sym < 0 ||
		    (uint64_t)sym >= f->nsym)
			return -1;
		v->u.s.ptr = f->sym[sym];
		v->u.s.len = strlen(f->sym[sym]);
		return 0;
	}
	if (f->prim == KF__P_FIXED) {
		if ((size_t)(in->end - in->p) < f->fixed_size)
			return -1;
		n = f->fixed_size;
		in->p += n;
	} else if (kf_avro_get_bytes(in, &p, &n)) {
		return -1;
	}
	if (c->type == KF_T_DECIMAL)
		return kf__dec(p, n, &v->u.dec);
	if (c->type == KF_T_TEXT && !kf_utf8_valid((const char *)p, n))
		return -1;
	if (c->sqltype == KF_SQL_UUID && kf__uuid_text((const char *)p, n))
		return -1;
	v->u.s.ptr = (const char *)p;
	v->u.s.len = n;
	return 0;
}

static int kf__value(const struct kf__afield *f, const kf_column_t *c,
		     kf_avro_in_t *in, kf_value_t *v)
{
	float fl;

	switch (f->prim) {
	case KF__P_BOOLEAN:
		if (in->p >= in->end || *in->p > 1)
			return -1;
		v->u.b = *in->p++;
		return 0;
	case KF__P_INT:
	case KF__P_LONG:
		return kf__integer(f, c, in, v);
	/* NaN and the infinities are values of Avro's floats (Debezium
	 * writes them): read as Connect JSON's "NaN" and "Infinity" are */
	case KF__P_FLOAT:
		if (kf_avro_get_float(in, &fl))
			return -1;
		v->u.f = fl;
		return 0;
	case KF__P_DOUBLE:
		return kf_avro_get_double(in, &v->u.f);
	default:
		return kf__span(f, c, in, v);
	}
}

int kf_avro_rec_read(const kf_avro_rec_t *r, kf_avro_in_t *in, const void *body,
		     kf_value_t *vals, kf_reject_t *rej)
{
	size_t i, off;
	int64_t branch;

	for (i = 0; i < r->s->ncols; i++) {
		const struct kf__afield *f = &r->f[i];
		const kf_column_t *c = &r->s->cols[i];
		kf_value_t *v = &vals[i];

		off = (size_t)(in->p - (const uint8_t *)body);
		memset(v, 0, sizeof(*v));
		v->type = c->type;
		if (f->nullable) {
			if (kf_avro_get_long(in, &branch) ||
			    (branch != 0 && branch != 1))
				return kf__bad(rej, c, i, off,
					       "a union branch other than 0 "
					       "or 1");
			if (branch == f->null_index) {
				v->null = 1;
				continue;
			}
		}
		if (kf__value(f, c, in, v))
			return kf__bad(rej, c, i, off,
				       "cut short, out of the type's range "
				       "or malformed");
	}
	return 0;
}

int kf_avro_rec_decode(const kf_avro_rec_t *r, const void *body, size_t len,
		       kf_value_t *vals, kf_reject_t *rej)
{
	kf_avro_in_t in = {body, (const uint8_t *)body + len};

	if (r->env)
		return kf_reject(rej, "format", -1,
				 "Avro record: a change-event envelope, not "
				 "a row (decoded by record/avrodec.h)");
	if (kf_avro_rec_read(r, &in, body, vals, rej))
		return -1;
	if (in.p != in.end)
		return kf_reject(rej, "format", -1,
				 "Avro record: %zu bytes left over after the "
				 "last field (not the writer's schema?)",
				 (size_t)(in.end - in.p));
	return 0;
}

/* -------------------------------------------------------------------------
 * Compatibility explained (docs/schemas.md 3.2)
 */

static void kf__tname(const struct kf__afield *f, const kf_column_t *c,
		      char *buf, size_t size)
{
	static const char *const prim[] = {
		[KF__P_BOOLEAN] = "boolean", [KF__P_INT] = "int",
		[KF__P_LONG] = "long",	     [KF__P_FLOAT] = "float",
		[KF__P_DOUBLE] = "double",   [KF__P_BYTES] = "bytes",
		[KF__P_STRING] = "string",   [KF__P_FIXED] = "fixed",
		[KF__P_ENUM] = "enum"};
	static const char *const logical[] = {
		[KF__L_DATE] = "date",
		[KF__L_TIME_MS] = "time-millis",
		[KF__L_TIME_US] = "time-micros",
		[KF__L_TS_MS] = "timestamp-millis",
		[KF__L_TS_US] = "timestamp-micros"};

	if (f->logical == KF__L_DECIMAL)
		snprintf(buf, size, "decimal(%d,%d)", c->precision, c->scale);
	else if (f->logical)
		snprintf(buf, size, "%s", logical[f->logical]);
	else
		snprintf(buf, size, "%s", prim[f->prim]);
}

/* Whether data of writer type w reads as reader type r (Avro's schema
 * resolution: same type, or a promotion). */
static int kf__promotes(const struct kf__afield *w, const kf_column_t *wc,
			const struct kf__afield *r, const kf_column_t *rc)
{
	if (w->logical != r->logical)
		return 0;
	if (w->logical == KF__L_DECIMAL &&
	    (wc->precision != rc->precision || wc->scale != rc->scale))
		return 0;
	if (w->prim == r->prim)
		return w->prim != KF__P_FIXED || w->fixed_size == r->fixed_size;
	if (w->logical)
		return 0;
	switch (w->prim) {
	case KF__P_INT:
		return r->prim == KF__P_LONG || r->prim == KF__P_FLOAT ||
		       r->prim == KF__P_DOUBLE;
	case KF__P_LONG:
		return r->prim == KF__P_FLOAT || r->prim == KF__P_DOUBLE;
	case KF__P_FLOAT:
		return r->prim == KF__P_DOUBLE;
	case KF__P_STRING:
		return r->prim == KF__P_BYTES;
	case KF__P_BYTES:
		return r->prim == KF__P_STRING;
	default:
		return 0;
	}
}

static int kf__find(const kf_avro_rec_t *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->s->ncols; i++)
		if (!strcmp(r->s->cols[i].name, name))
			return (int)i;
	return -1;
}

/* The first rule broken when reader reads what writer wrote; `rule`
 * names the level and the direction for the message. */
static int kf__resolve(const kf_avro_rec_t *writer, const kf_avro_rec_t *reader,
		       const char *rule, char *buf, size_t size)
{
	char wt[48], rt[48];
	size_t i;
	int w;

	for (i = 0; i < reader->s->ncols; i++) {
		const kf_column_t *rc = &reader->s->cols[i];
		const struct kf__afield *rf = &reader->f[i];

		if ((w = kf__find(writer, rc->name)) < 0) {
			if (rf->has_default)
				continue;
			snprintf(buf, size,
				 "field %s: in the reader's schema without a "
				 "default and not in the writer's: %s (make "
				 "the column optional, or keep it)",
				 rc->name, rule);
			return 1;
		}
		kf__tname(&writer->f[w], &writer->s->cols[w], wt, sizeof(wt));
		kf__tname(rf, rc, rt, sizeof(rt));
		if (!kf__promotes(&writer->f[w], &writer->s->cols[w], rf, rc)) {
			snprintf(buf, size,
				 "field %s: type %s written, %s read: %s (a "
				 "type may only widen: int->long->float->"
				 "double, string<->bytes; a logical type, "
				 "precision and scale stay)",
				 rc->name, wt, rt, rule);
			return 1;
		}
		if (writer->f[w].nullable && !rf->nullable) {
			snprintf(buf, size,
				 "field %s: may be null when written, "
				 "required when read: %s",
				 rc->name, rule);
			return 1;
		}
	}
	return 0;
}

int kf_avro_explain(const kf_avro_rec_t *prev, const kf_avro_rec_t *next,
		    const char *level, char *buf, size_t size)
{
	int backward =
		!strncmp(level, "BACKWARD", 8) || !strncmp(level, "FULL", 4);
	int forward =
		!strncmp(level, "FORWARD", 7) || !strncmp(level, "FULL", 4);

	if (backward && kf__resolve(prev, next,
				    "BACKWARD needs the new schema to read "
				    "data written with the old one",
				    buf, size))
		return 1;
	if (forward && kf__resolve(next, prev,
				   "FORWARD needs the old schema to read "
				   "data written with the new one",
				   buf, size))
		return 1;
	return 0;
}
