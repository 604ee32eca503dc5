/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Connect JSON to Avro (avroconv.h, docs/schemas.md 10.1). The Connect
 * schema becomes a tree of nodes while its Avro schema JSON is written;
 * a payload is then walked along the tree, each value checked and
 * encoded by record/avro.c's primitives.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/err.h"
#include "common/json.h"
#include "common/jsontok.h"
#include "record/avro.h"
#include "record/avroconv.h"

#define KF__NAME 256
#define KF__DEPTH 16 /* of structs in structs */
#define KF__DECIMAL "org.apache.kafka.connect.data.Decimal"

enum kf__ck {
	KF__C_BOOLEAN,
	KF__C_INT8,
	KF__C_INT16,
	KF__C_INT32,
	KF__C_INT64,
	KF__C_FLOAT,
	KF__C_DOUBLE,
	KF__C_STRING,
	KF__C_BYTES,
	KF__C_STRUCT
};

static const struct {
	const char *connect, *avro;
	enum kf__ck kind;
} kf__types[] = {
	{"boolean", "boolean", KF__C_BOOLEAN},
	{"int8", "int", KF__C_INT8},
	{"int16", "int", KF__C_INT16},
	{"int32", "int", KF__C_INT32},
	{"int64", "long", KF__C_INT64},
	{"float", "float", KF__C_FLOAT},
	{"float32", "float", KF__C_FLOAT},
	{"double", "double", KF__C_DOUBLE},
	{"float64", "double", KF__C_DOUBLE},
	{"string", "string", KF__C_STRING},
	{"bytes", "bytes", KF__C_BYTES},
	{"struct", "record", KF__C_STRUCT},
};

struct kf__cnode {
	enum kf__ck kind;
	int optional;
	int null_second; /* [T, "null"]: the field has a default */
	char *field;	 /* its name in its struct */
	size_t n;
	struct kf__cnode *kids; /* a struct's fields */
};

struct kf_avroconv_s {
	struct kf__cnode top;
};

/* The schema being converted. */
struct kf__sctx {
	const char *js;
	kf_jtok_t *t;
	kf_strbuf_t *out;
	char **defined; /* the record names written in full */
	size_t ndefined;
	int anonymous; /* structs without a name so far */
	char *errstr;
	size_t errstr_size;
};

/* -------------------------------------------------------------------------
 * Schemas
 */

static int kf__mstr(const struct kf__sctx *x, int obj, const char *member,
		    char *buf, size_t cap)
{
	int i = kf_json_member(x->js, x->t, obj, member, strlen(member));

	if (i < 0 || x->t[i].type != KF_J_STRING)
		return -1;
	return kf_json_string(x->js, &x->t[i], buf, cap) < 0 ? -1 : 0;
}

/* A member's JSON text as it is (an object, a default), or NULL. */
static const kf_jtok_t *kf__raw(const struct kf__sctx *x, int obj,
				const char *member)
{
	int i = kf_json_member(x->js, x->t, obj, member, strlen(member));

	return i < 0 || x->t[i].type == KF_J_NULL ? NULL : &x->t[i];
}

static void kf__put_raw(kf_strbuf_t *b, const char *js, const kf_jtok_t *t)
{
	kf_strbuf_append(b, js + t->start, t->end - t->start);
}

/* An Avro name: letters, digits and _, not starting with a digit. */
static int kf__avro_name(const char *s)
{
	size_t i;

	if (!s[0] || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* A Connect name as an Avro full name: each character that no Avro name
 * holds becomes _, a segment starting with a digit gets a _ before it
 * (as Debezium's schema.name.adjustment.mode = avro). */
static void kf__adjust(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	int start = 1;

	for (; *in && o + 2 < cap; in++) {
		char ch = *in;

		if (ch != '.' &&
		    !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9')))
			ch = '_';
		if (start && ch >= '0' && ch <= '9')
			out[o++] = '_';
		out[o++] = ch;
		start = ch == '.';
	}
	out[o] = '\0';
}

static int kf__fail(struct kf__sctx *x, const char *what, const char *where)
{
	return kf_seterr(x->errstr, x->errstr_size, KF_EINVAL,
			 "Connect schema to Avro: %s%s%s (docs/schemas.md "
			 "10.1)",
			 where ? "field " : "", where ? where : "", what);
}

static int kf__schema(struct kf__sctx *x, int s, struct kf__cnode *n,
		      int depth);
static void kf__attrs(struct kf__sctx *x, int s, const struct kf__cnode *n,
		      const char *cname);

/* Whether name was written in full already; else it is now. */
static int kf__seen(struct kf__sctx *x, const char *name, int *seen)
{
	char **d;
	size_t i;

	for (i = 0; i < x->ndefined; i++)
		if (!strcmp(x->defined[i], name))
			return *seen = 1, 0;
	*seen = 0;
	d = realloc(x->defined, (x->ndefined + 1) * sizeof(*d));
	if (!d || !(d[x->ndefined] = strdup(name))) {
		if (d)
			x->defined = d;
		return kf_seterr(x->errstr, x->errstr_size, KF_ENOMEM,
				 "out of memory");
	}
	x->defined = d;
	x->ndefined++;
	return 0;
}

/* One field of a struct: {"name":F,"type":T or a union,"default":...}. */
static int kf__field(struct kf__sctx *x, int f, struct kf__cnode *n, int depth)
{
	char name[KF__NAME];
	const kf_jtok_t *def;
	int rc, opt;

	if (kf__mstr(x, f, "field", name, sizeof(name)))
		return kf__fail(x, "a struct field without a name", NULL);
	if (!kf__avro_name(name))
		return kf__fail(x,
				": not an Avro name (letters, digits and _, "
				"not starting with a digit): rename the "
				"column, or use Connect JSON",
				name);
	if (!(n->field = strdup(name)))
		return kf_seterr(x->errstr, x->errstr_size, KF_ENOMEM,
				 "out of memory");
	def = kf__raw(x, f, "default");
	opt = kf_json_member(x->js, x->t, f, "optional", 8);
	n->optional = opt >= 0 && x->t[opt].type == KF_J_TRUE;
	n->null_second = n->optional && def;
	kf_strbuf_printf(x->out, "{\"name\":\"%s\",\"type\":", name);
	if (n->optional && !n->null_second)
		kf_strbuf_printf(x->out, "[\"null\",");
	else if (n->optional)
		kf_strbuf_putc(x->out, '[');
	if ((rc = kf__schema(x, f, n, depth)))
		return rc;
	if (n->null_second)
		kf_strbuf_printf(x->out, ",\"null\"]");
	else if (n->optional)
		kf_strbuf_putc(x->out, ']');
	if (def) {
		kf_strbuf_printf(x->out, ",\"default\":");
		kf__put_raw(x->out, x->js, def);
	} else if (n->optional) {
		kf_strbuf_printf(x->out, ",\"default\":null");
	}
	kf_strbuf_putc(x->out, '}');
	return 0;
}

/* A struct's record: in full the first time its name is met. */
static int kf__record(struct kf__sctx *x, int s, struct kf__cnode *n,
		      const char *cname, int depth)
{
	int fields = kf_json_member(x->js, x->t, s, "fields", 6), seen, rc;
	char full[KF__NAME];
	const char *dot;
	uint32_t i, f;

	if (fields < 0 || x->t[fields].type != KF_J_ARRAY)
		return kf__fail(x, "a struct without fields", NULL);
	if (cname[0])
		kf__adjust(cname, full, sizeof(full));
	else
		snprintf(full, sizeof(full),
			 "io.confluent.connect.avro.ConnectDefault%d",
			 ++x->anonymous);
	if ((rc = kf__seen(x, full, &seen)))
		return rc;
	n->n = x->t[fields].size;
	if (!(n->kids = calloc(n->n ? n->n : 1, sizeof(*n->kids))))
		return kf_seterr(x->errstr, x->errstr_size, KF_ENOMEM,
				 "out of memory");
	dot = strrchr(full, '.');
	if (!seen) {
		kf_strbuf_printf(x->out, "{\"type\":\"record\",\"name\":\"%s\"",
				 dot ? dot + 1 : full);
		if (dot)
			kf_strbuf_printf(x->out, ",\"namespace\":\"%.*s\"",
					 (int)(dot - full), full);
		kf_strbuf_printf(x->out, ",\"fields\":[");
	}
	for (i = 0, f = (uint32_t)fields + 1; i < n->n; i++, f = x->t[f].next) {
		kf_strbuf_t ignored;
		kf_strbuf_t *out = x->out;

		/* a record met again: its nodes, not its JSON */
		if (seen) {
			kf_strbuf_heap(&ignored, 64);
			x->out = &ignored;
		} else if (i) {
			kf_strbuf_putc(out, ',');
		}
		rc = x->t[f].type != KF_J_OBJECT
			     ? kf__fail(x, "a struct field not an object", NULL)
			     : kf__field(x, (int)f, &n->kids[i], depth + 1);
		if (seen) {
			free(ignored.p);
			x->out = out;
		}
		if (rc)
			return rc;
	}
	if (seen) {
		kf_strbuf_printf(x->out, "\"%s\"", full);
		return 0;
	}
	kf_strbuf_putc(x->out, ']');
	kf__attrs(x, s, n, cname);
	kf_strbuf_putc(x->out, '}');
	return 0;
}

/* The attributes of a named or parameterized primitive. */
static void kf__attrs(struct kf__sctx *x, int s, const struct kf__cnode *n,
		      const char *cname)
{
	const kf_jtok_t *params = kf__raw(x, s, "parameters");
	const kf_jtok_t *def = kf__raw(x, s, "default");
	int64_t version;
	char buf[16];
	int i = kf_json_member(x->js, x->t, s, "version", 7);

	if (n->kind == KF__C_INT8 || n->kind == KF__C_INT16)
		kf_strbuf_printf(x->out, ",\"connect.type\":\"int%d\"",
				 n->kind == KF__C_INT8 ? 8 : 16);
	if (!strcmp(cname, KF__DECIMAL) && params) {
		int p = (int)(params - x->t);

		kf_strbuf_printf(x->out, ",\"scale\":%d,\"precision\":%d",
				 kf__mstr(x, p, "scale", buf, sizeof(buf))
					 ? 0
					 : atoi(buf),
				 kf__mstr(x, p, "connect.decimal.precision",
					  buf, sizeof(buf))
					 ? 64
					 : atoi(buf));
	}
	if (i >= 0 && !kf_json_int64(x->js, &x->t[i], &version))
		kf_strbuf_printf(x->out, ",\"connect.version\":%lld",
				 (long long)version);
	if (params) {
		kf_strbuf_printf(x->out, ",\"connect.parameters\":");
		kf__put_raw(x->out, x->js, params);
	}
	if (def) {
		kf_strbuf_printf(x->out, ",\"connect.default\":");
		kf__put_raw(x->out, x->js, def);
	}
	if (cname[0]) {
		kf_strbuf_printf(x->out, ",\"connect.name\":");
		kf_json_str(x->out, cname);
	}
	if (!strcmp(cname, KF__DECIMAL))
		kf_strbuf_printf(x->out, ",\"logicalType\":\"decimal\"");
}

/* The Avro type (not the union) of the Connect schema at s. */
static int kf__schema(struct kf__sctx *x, int s, struct kf__cnode *n, int depth)
{
	char type[16], cname[KF__NAME] = "";
	size_t i;

	if (depth > KF__DEPTH)
		return kf__fail(x, "structs nested too deep", NULL);
	if (kf__mstr(x, s, "type", type, sizeof(type)))
		return kf__fail(x, "a schema without a type", n->field);
	kf__mstr(x, s, "name", cname, sizeof(cname));
	for (i = 0; i < sizeof(kf__types) / sizeof(kf__types[0]); i++)
		if (!strcmp(type, kf__types[i].connect))
			break;
	if (i == sizeof(kf__types) / sizeof(kf__types[0]))
		return kf__fail(x,
				": an array or a map (change events of "
				"kferry capture hold none)",
				n->field ? n->field : "?");
	n->kind = kf__types[i].kind;
	if (n->kind == KF__C_STRUCT)
		return kf__record(x, s, n, cname, depth);
	if (!cname[0] && !kf__raw(x, s, "parameters") &&
	    !kf__raw(x, s, "default") && n->kind != KF__C_INT8 &&
	    n->kind != KF__C_INT16) {
		kf_strbuf_printf(x->out, "\"%s\"", kf__types[i].avro);
		return 0;
	}
	kf_strbuf_printf(x->out, "{\"type\":\"%s\"", kf__types[i].avro);
	kf__attrs(x, s, n, cname);
	kf_strbuf_putc(x->out, '}');
	return 0;
}

static void kf__node_free(struct kf__cnode *n)
{
	size_t i;

	for (i = 0; n->kids && i < n->n; i++)
		kf__node_free(&n->kids[i]);
	free(n->kids);
	free(n->field);
}

kf_avroconv_t *kf_avroconv_new(const char *js, size_t len, kf_strbuf_t *avro,
			       char *errstr, size_t errstr_size)
{
	kf_avroconv_t *c = calloc(1, sizeof(*c));
	struct kf__sctx x = {js, NULL, avro, NULL, 0, 0, errstr, errstr_size};
	size_t ntok, i;
	int rc = KF_ENOMEM;

	if (!c || !(x.t = malloc((len + 1) * sizeof(*x.t))))
		kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory");
	else if (kf_json_tokenize(js, len, x.t, len + 1, &ntok, errstr,
				  errstr_size))
		rc = KF_EINVAL;
	else
		rc = kf__schema(&x, 0, &c->top, 0);
	if (!rc && avro->failed)
		rc = kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory");
	for (i = 0; i < x.ndefined; i++)
		free(x.defined[i]);
	free(x.defined);
	free(x.t);
	if (rc) {
		kf_avroconv_free(c);
		return NULL;
	}
	return c;
}

void kf_avroconv_free(kf_avroconv_t *c)
{
	if (!c)
		return;
	kf__node_free(&c->top);
	free(c);
}

/* -------------------------------------------------------------------------
 * Payloads
 */

struct kf__pctx {
	const char *js;
	kf_jtok_t *t;
	kf_strbuf_t *out;
	char *errstr;
	size_t errstr_size;
};

static int kf__bad(struct kf__pctx *x, const struct kf__cnode *n,
		   const char *what)
{
	return kf_seterr(x->errstr, x->errstr_size, KF_EINVAL,
			 "Connect payload to Avro: field %s: %s",
			 n->field ? n->field : "(the value)", what);
}

static int kf__int(struct kf__pctx *x, const struct kf__cnode *n,
		   const kf_jtok_t *t)
{
	static const int64_t max[] = {[KF__C_INT8] = 127,
				      [KF__C_INT16] = 32767,
				      [KF__C_INT32] = 2147483647};
	int64_t v;

	if (t->type != KF_J_NUMBER || kf_json_int64(x->js, t, &v))
		return kf__bad(x, n, "not an integer");
	if (n->kind != KF__C_INT64 &&
	    (v > max[n->kind] || v < -max[n->kind] - 1))
		return kf__bad(x, n, "out of its type's range");
	kf_avro_put_long(x->out, v);
	return 0;
}

/* float and double: a number, or Connect's "NaN", "Infinity",
 * "-Infinity". */
static int kf__real(struct kf__pctx *x, const struct kf__cnode *n,
		    const kf_jtok_t *t)
{
	char buf[64];
	size_t len = t->end - t->start;
	double d;

	if (t->type == KF_J_STRING &&
	    kf_json_string(x->js, t, buf, sizeof(buf)) >= 0 &&
	    (!strcmp(buf, "NaN") || !strcmp(buf, "Infinity") ||
	     !strcmp(buf, "-Infinity")))
		d = buf[0] == 'N' ? NAN : buf[0] == '-' ? -INFINITY : INFINITY;
	else if (t->type == KF_J_NUMBER && len < sizeof(buf))
		d = (memcpy(buf, x->js + t->start, len), buf[len] = '\0',
		     strtod(buf, NULL));
	else
		return kf__bad(x, n, "not a number");
	if (n->kind == KF__C_FLOAT)
		kf_avro_put_float(x->out, (float)d);
	else
		kf_avro_put_double(x->out, d);
	return 0;
}

/* string (unescaped) and bytes (base64) */
static int kf__span(struct kf__pctx *x, const struct kf__cnode *n,
		    const kf_jtok_t *t)
{
	size_t cap = t->end - t->start;
	char *buf;
	long len;

	if (t->type != KF_J_STRING)
		return kf__bad(x, n, "not a string");
	if (!(buf = malloc(cap)))
		return kf_seterr(x->errstr, x->errstr_size, KF_ENOMEM,
				 "out of memory");
	len = n->kind == KF__C_STRING ? kf_json_string(x->js, t, buf, cap)
	      : t->escaped
		      ? -1
		      : kf_base64_decode(x->js + t->start + 1, cap - 2, buf);
	if (len >= 0)
		kf_avro_put_bytes(x->out, buf, (size_t)len);
	free(buf);
	return len < 0 ? kf__bad(x, n,
				 n->kind == KF__C_STRING
					 ? "a string holding U+0000"
					 : "not base64")
		       : 0;
}

static int kf__value(struct kf__pctx *x, const struct kf__cnode *n, int tok);

static int kf__struct(struct kf__pctx *x, const struct kf__cnode *n, int tok)
{
	size_t i;
	int rc;

	if (x->t[tok].type != KF_J_OBJECT)
		return kf__bad(x, n, "not an object");
	for (i = 0; i < n->n; i++)
		if ((rc = kf__value(x, &n->kids[i],
				    kf_json_member(x->js, x->t, tok,
						   n->kids[i].field,
						   strlen(n->kids[i].field)))))
			return rc;
	return 0;
}

/* One value (tok -1: the member is absent, a null). */
static int kf__value(struct kf__pctx *x, const struct kf__cnode *n, int tok)
{
	const kf_jtok_t *t = tok < 0 ? NULL : &x->t[tok];
	int null = !t || t->type == KF_J_NULL;

	if (n->optional) /* the union's branch */
		kf_avro_put_long(x->out, null == n->null_second ? 1 : 0);
	if (null)
		return n->optional ? 0 : kf__bad(x, n, "null, but required");
	switch (n->kind) {
	case KF__C_BOOLEAN:
		if (t->type != KF_J_TRUE && t->type != KF_J_FALSE)
			return kf__bad(x, n, "not a boolean");
		kf_strbuf_putc(x->out, t->type == KF_J_TRUE ? 1 : 0);
		return 0;
	case KF__C_FLOAT:
	case KF__C_DOUBLE:
		return kf__real(x, n, t);
	case KF__C_STRING:
	case KF__C_BYTES:
		return kf__span(x, n, t);
	case KF__C_STRUCT:
		return kf__struct(x, n, tok);
	default:
		return kf__int(x, n, t);
	}
}

int kf_avroconv_payload(const kf_avroconv_t *c, const char *js, size_t len,
			kf_strbuf_t *out, char *errstr, size_t errstr_size)
{
	struct kf__pctx x = {js, malloc((len + 1) * sizeof(kf_jtok_t)), out,
			     errstr, errstr_size};
	size_t ntok;
	int rc;

	if (!x.t)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	rc = kf_json_tokenize(js, len, x.t, len + 1, &ntok, errstr, errstr_size)
		     ? KF_EINVAL
		     : kf__value(&x, &c->top, 0);
	free(x.t);
	if (!rc && out->failed)
		rc = kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory");
	return rc;
}
