/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON Schema documents into columns (jsonschema.h): the document is
 * tokenized once (common/jsontok.h), each property of the record object
 * resolved to the branch that holds its type, then typed by its
 * annotations as docs/schemas.md 4.3 lists them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/jsontok.h"
#include "record/envelope.h"
#include "record/jsonschema.h"

#define KF__MAX_COLS 4096
#define KF__NAME 256
#define KF__WORD 16
#define KF__CONNECT "org.apache.kafka.connect.data."

struct kf_jsonschema_s {
	kf_schema_t *row;
	int change;
};

/* The document, and the error buffer of the parse. */
struct kf__doc {
	const char *js;
	const kf_jtok_t *t;
	char *errstr;
	size_t errstr_size;
};

/* One property being typed. */
struct kf__prop {
	const char *name;
	int tok;      /* the property's schema */
	int branch;   /* the schema holding its type: tok, or oneOf's branch */
	int nullable; /* null admitted by its type or oneOf */
	char type[KF__WORD];
};

/* What connect.type says, and the JSON type it rides on. */
static const struct kf__ctype {
	const char *word, *json;
	enum kf_type type;
} kf__ctypes[] = {
	{"int8", "integer", KF_T_INT8},
	{"int16", "integer", KF_T_INT16},
	{"int32", "integer", KF_T_INT32},
	{"int64", "integer", KF_T_INT64},
	{"float32", "number", KF_T_FLOAT32},
	{"float64", "number", KF_T_FLOAT64},
	{"boolean", "boolean", KF_T_BOOLEAN},
	{"string", "string", KF_T_TEXT},
	{"bytes", "string", KF_T_BYTES},
};

/* An unannotated JSON type's column. */
static const struct kf__plain {
	const char *json;
	enum kf_type type;
} kf__plain[] = {
	{"integer", KF_T_INT64},
	{"number", KF_T_FLOAT64},
	{"string", KF_T_TEXT},
	{"boolean", KF_T_BOOLEAN},
};

static int kf__err(const struct kf__doc *d, const char *name, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));

static int kf__err(const struct kf__doc *d, const char *name, const char *fmt,
		   ...)
{
	char what[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return kf_seterr(d->errstr, d->errstr_size, KF_EINVAL,
			 "JSON Schema: property %s: %s (docs/schemas.md 4.3)",
			 name, what);
}

static int kf__member(const struct kf__doc *d, int obj, const char *name)
{
	if (obj < 0 || d->t[obj].type != KF_J_OBJECT)
		return -1;
	return kf_json_member(d->js, d->t, obj, name, strlen(name));
}

/* A string token into buf: 0, or -1 when it is not a string or too long
 * for cap (NUL included) or holds U+0000. */
static int kf__text(const struct kf__doc *d, int i, char *buf, size_t cap)
{
	if (i < 0 || d->t[i].type != KF_J_STRING ||
	    kf_json_string(d->js, &d->t[i], buf, cap) < 0)
		return -1;
	return 0;
}

/* A member's string: 0, 1 when absent (buf ""), -1 when not a string
 * that fits. */
static int kf__str(const struct kf__doc *d, int obj, const char *member,
		   char *buf, size_t cap)
{
	int i = kf__member(d, obj, member);

	buf[0] = '\0';
	if (i < 0)
		return 1;
	return kf__text(d, i, buf, cap);
}

/* An annotation on the branch, else beside oneOf on the property. */
static int kf__annot(const struct kf__doc *d, const struct kf__prop *p,
		     const char *member)
{
	int i = kf__member(d, p->branch, member);

	return i >= 0 ? i : kf__member(d, p->tok, member);
}

static int kf__is_null(const struct kf__doc *d, int i)
{
	char w[KF__WORD];

	return !kf__str(d, i, "type", w, sizeof(w)) && !strcmp(w, "null");
}

/* Keywords that would make the type something else than one JSON type. */
static int kf__composed(const struct kf__doc *d, const struct kf__prop *p,
			int i)
{
	static const char *const words[] = {"$ref", "allOf", "anyOf", "not",
					    "if"};
	size_t k;

	for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (kf__member(d, i, words[k]) >= 0)
			return kf__err(d, p->name, "%s is not read", words[k]);
	return 0;
}

/* p->branch and p->nullable: the property itself, or the branch of a
 * oneOf of it and {"type":"null"}. */
static int kf__branch(const struct kf__doc *d, struct kf__prop *p)
{
	int one, a, b;

	if (d->t[p->tok].type != KF_J_OBJECT)
		return kf__err(d, p->name, "its schema is not an object");
	if (kf__composed(d, p, p->tok))
		return -1;
	p->branch = p->tok;
	if ((one = kf__member(d, p->tok, "oneOf")) < 0)
		return 0;
	if (d->t[one].type != KF_J_ARRAY || d->t[one].size != 2)
		return kf__err(d, p->name,
			       "a oneOf other than [{\"type\":\"null\"}, T]");
	a = one + 1;
	b = (int)d->t[a].next;
	if (kf__is_null(d, a))
		p->branch = b;
	else if (kf__is_null(d, b))
		p->branch = a;
	else
		return kf__err(d, p->name,
			       "a oneOf other than [{\"type\":\"null\"}, T]");
	p->nullable = 1;
	if (d->t[p->branch].type != KF_J_OBJECT ||
	    kf__member(d, p->branch, "oneOf") >= 0)
		return kf__err(d, p->name, "a oneOf branch that is not a type");
	return kf__composed(d, p, p->branch);
}

/* p->type: the branch's type word, T or [T, "null"] in either order. */
static int kf__jtype(const struct kf__doc *d, struct kf__prop *p)
{
	int i = kf__member(d, p->branch, "type"), a, b;
	char other[KF__WORD];

	if (i >= 0 && d->t[i].type == KF_J_STRING &&
	    !kf__text(d, i, p->type, sizeof(p->type)))
		return 0;
	if (i < 0 || d->t[i].type != KF_J_ARRAY || d->t[i].size != 2)
		return kf__err(d, p->name,
			       "no type, or several (a column holds one)");
	a = i + 1;
	b = (int)d->t[a].next;
	if (kf__text(d, a, p->type, sizeof(p->type)) ||
	    kf__text(d, b, other, sizeof(other)))
		return kf__err(d, p->name, "a type list of other than words");
	if (!strcmp(p->type, "null"))
		memcpy(p->type, other, sizeof(other));
	else if (strcmp(other, "null"))
		return kf__err(d, p->name,
			       "types %s and %s (a column holds one, or it "
			       "and null)",
			       p->type, other);
	p->nullable = 1;
	return 0;
}

/* The logical name of title or connect.name ("" when neither names
 * one): only names under org.apache.kafka.connect. and io.debezium. are
 * logical, any other title is a human's. */
static int kf__logical(const struct kf__doc *d, const struct kf__prop *p,
		       char *name, size_t cap)
{
	char title[KF__NAME], cname[KF__NAME];
	int rc_t = kf__str(d, p->branch, "title", title, sizeof(title));

	if (rc_t == 1)
		rc_t = kf__str(d, p->tok, "title", title, sizeof(title));
	if (rc_t < 0 || (strncmp(title, "org.apache.kafka.connect.", 25) &&
			 strncmp(title, "io.debezium.", 12)))
		title[0] = '\0';
	if (kf__text(d, kf__annot(d, p, "connect.name"), cname, sizeof(cname)))
		cname[0] = '\0';
	if (title[0] && cname[0] && strcmp(title, cname))
		return kf__err(d, p->name,
			       "title %s and connect.name %s differ", title,
			       cname);
	snprintf(name, cap, "%s", cname[0] ? cname : title);
	return 0;
}

/* A number of 0..38 written as a Connect parameter ("2"). */
static int kf__param(const struct kf__doc *d, int params, const char *member,
		     int *out)
{
	char buf[8];
	size_t i;

	if (kf__str(d, params, member, buf, sizeof(buf)) || !buf[0] ||
	    strlen(buf) > 2)
		return -1;
	for (i = 0; buf[i]; i++)
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
	*out = atoi(buf);
	return *out > 38 ? -1 : 0;
}

static int kf__decimal(const struct kf__doc *d, const struct kf__prop *p,
		       const char *ct, kf_column_t *c)
{
	int params = kf__annot(d, p, "connect.parameters");

	if ((strcmp(p->type, "string") && strcmp(p->type, "number")) ||
	    (ct[0] && strcmp(ct, "bytes")))
		return kf__err(d, p->name,
			       "a Decimal on a %s (connect.type %s): it is a "
			       "string or a number of connect.type bytes",
			       p->type, ct);
	c->precision = 38;
	if (kf__param(d, params, "scale", &c->scale) ||
	    (kf__member(d, params, "connect.decimal.precision") >= 0 &&
	     kf__param(d, params, "connect.decimal.precision",
		       &c->precision)) ||
	    c->precision < 1 || c->scale > c->precision)
		return kf__err(d, p->name,
			       "a Decimal without a scale of 0..38 and a "
			       "precision of scale..38 in connect.parameters");
	c->type = KF_T_DECIMAL;
	return 0;
}

/* Debezium's logical name on p (4.4), typed as Connect JSON's field
 * schema of the same connect.type, name and parameters is (docs/sink.md
 * 2.3): the JSON type must be what connect.type rides on (an object for
 * a struct). */
static int kf__debezium(const struct kf__doc *d, const struct kf__prop *p,
			const char *name, const char *ct, kf_column_t *c)
{
	int params = kf__annot(d, p, "connect.parameters");
	char scale[16], precision[16], length[16];
	kf_connect_params_t cp = {0};
	const char *json = "object";
	kf_reject_t rej;
	size_t i;

	if (!ct[0] && strcmp(p->type, "object"))
		return kf__err(d, p->name, "%s without connect.type", name);
	for (i = 0; ct[0] && i < sizeof(kf__ctypes) / sizeof(kf__ctypes[0]);
	     i++)
		if (!strcmp(ct, kf__ctypes[i].word))
			json = kf__ctypes[i].json;
	if (strcmp(p->type, json))
		return kf__err(d, p->name, "%s of connect.type %s on a %s",
			       name, ct[0] ? ct : "struct", p->type);
	if (!kf__str(d, params, "scale", scale, sizeof(scale)))
		cp.scale = scale;
	if (!kf__str(d, params, "connect.decimal.precision", precision,
		     sizeof(precision)))
		cp.precision = precision;
	if (!kf__str(d, params, "length", length, sizeof(length)))
		cp.length = length;
	if (kf_envdec_column_type(ct[0] ? ct : "struct", name, &cp, c, &rej))
		return kf__err(d, p->name, "%s", rej.reason);
	return 0;
}

/* The column type of Connect's logical name on p. */
static int kf__logical_type(const struct kf__doc *d, const struct kf__prop *p,
			    const char *name, const char *ct, kf_column_t *c)
{
	static const struct {
		const char *name, *ct;
		enum kf_type type;
	} temporal[] = {
		{KF__CONNECT "Date", "int32", KF_T_DATE},
		{KF__CONNECT "Time", "int32", KF_T_TIME},
		{KF__CONNECT "Timestamp", "int64", KF_T_TIMESTAMP},
	};
	size_t i;

	if (!strcmp(name, KF__CONNECT "Decimal"))
		return kf__decimal(d, p, ct, c);
	for (i = 0; i < sizeof(temporal) / sizeof(temporal[0]); i++) {
		if (strcmp(name, temporal[i].name))
			continue;
		if (strcmp(p->type, "integer") ||
		    (ct[0] && strcmp(ct, temporal[i].ct)))
			return kf__err(d, p->name,
				       "%s on another type than an integer of "
				       "connect.type %s",
				       name, temporal[i].ct);
		c->type = temporal[i].type;
		return 0;
	}
	if (strncmp(name, "io.debezium.", 12))
		return kf__err(d, p->name, "logical type %s is not read", name);
	return kf__debezium(d, p, name, ct, c);
}

/* The column type of property p. */
static int kf__type(const struct kf__doc *d, struct kf__prop *p, kf_column_t *c)
{
	char ct[KF__WORD], logical[KF__NAME];
	size_t i;

	if (kf__branch(d, p) || kf__jtype(d, p) ||
	    kf__logical(d, p, logical, sizeof(logical)))
		return -1;
	if (kf__text(d, kf__annot(d, p, "connect.type"), ct, sizeof(ct)) &&
	    kf__annot(d, p, "connect.type") >= 0)
		return kf__err(d, p->name,
			       "a connect.type that is no type word");
	if (kf__annot(d, p, "connect.type") < 0)
		ct[0] = '\0';
	if (logical[0])
		return kf__logical_type(d, p, logical, ct, c);
	for (i = 0; ct[0] && i < sizeof(kf__ctypes) / sizeof(kf__ctypes[0]);
	     i++)
		if (!strcmp(ct, kf__ctypes[i].word)) {
			if (strcmp(p->type, kf__ctypes[i].json))
				return kf__err(d, p->name,
					       "connect.type %s on a %s", ct,
					       p->type);
			c->type = kf__ctypes[i].type;
			return 0;
		}
	if (ct[0])
		return kf__err(d, p->name, "connect.type %s is not read", ct);
	if (!strcmp(p->type, "string") &&
	    kf__annot(d, p, "contentEncoding") >= 0)
		return kf__err(d, p->name,
			       "an encoded string without connect.type: bytes "
			       "or a decimal of an unknown scale");
	for (i = 0; i < sizeof(kf__plain) / sizeof(kf__plain[0]); i++)
		if (!strcmp(p->type, kf__plain[i].json)) {
			c->type = kf__plain[i].type;
			return 0;
		}
	return kf__err(d, p->name,
		       "a %s, which a table column cannot hold (rows are flat)",
		       p->type);
}

/* Whether name is listed in the record's required array. */
static int kf__listed(const struct kf__doc *d, int req, const char *name)
{
	char buf[KF__NAME];
	uint32_t i, e;

	if (req < 0 || d->t[req].type != KF_J_ARRAY)
		return 0;
	for (i = 0, e = (uint32_t)req + 1; i < d->t[req].size;
	     i++, e = d->t[e].next)
		if (!kf__text(d, (int)e, buf, sizeof(buf)) &&
		    !strcmp(buf, name))
			return 1;
	return 0;
}

static void kf__init_col(kf_column_t *c)
{
	c->emit = 1;
	c->rectype = -1;
	c->key_pos = -1;
	c->decimal_point = '.';
}

/* The record object rec (its properties) into *out. */
static int kf__record(const struct kf__doc *d, int rec, kf_schema_t **out)
{
	const kf_jtok_t *t = d->t;
	char type[KF__WORD], name[KF__NAME];
	int props = kf__member(d, rec, "properties");
	int req = kf__member(d, rec, "required");
	struct kf__prop p;
	kf_schema_t *sc;
	uint32_t i, k;

	if (kf__str(d, rec, "type", type, sizeof(type)) ||
	    strcmp(type, "object") || props < 0 || t[props].type != KF_J_OBJECT)
		return kf_seterr(d->errstr, d->errstr_size, KF_EINVAL,
				 "JSON Schema: not an object with properties "
				 "(rows are objects; docs/schemas.md 4.3)");
	if (t[props].size > KF__MAX_COLS)
		return kf_seterr(d->errstr, d->errstr_size, KF_EINVAL,
				 "JSON Schema: %u properties, more than %d",
				 t[props].size, KF__MAX_COLS);
	if (!(*out = sc = calloc(1, sizeof(*sc))) ||
	    !(sc->cols = calloc(t[props].size ? t[props].size : 1,
				sizeof(*sc->cols))))
		goto nomem;
	sc->format_version = KF_SCHEMA_FORMAT_VERSION;
	if (!kf__str(d, rec, "title", name, sizeof(name)) && name[0] &&
	    !(sc->name = strdup(name)))
		goto nomem;
	for (i = 0, k = (uint32_t)props + 1; i < t[props].size;
	     i++, k = t[k + 1].next) {
		kf_column_t *c = &sc->cols[sc->ncols];

		if (kf__text(d, (int)k, name, sizeof(name)) || !name[0])
			return kf_seterr(d->errstr, d->errstr_size, KF_EINVAL,
					 "JSON Schema: property %u: a name of "
					 "1 to %d bytes without NUL",
					 i + 1, KF__NAME - 1);
		/* the body is read by names: one name, one column */
		if (kf_schema_col(sc, name) >= 0)
			return kf__err(d, name, "appears twice");
		if (!(c->name = strdup(name)))
			goto nomem;
		sc->ncols++;
		kf__init_col(c);
		p = (struct kf__prop){.name = c->name, .tok = (int)k + 1};
		if (kf__type(d, &p, c))
			return -1;
		c->required = !p.nullable && kf__listed(d, req, name);
	}
	sc->prepared = 1;
	return 0;
nomem:
	return kf_seterr(d->errstr, d->errstr_size, KF_ENOMEM,
			 "JSON Schema: out of memory");
}

/* A Debezium envelope's row record (4.4): the object of after (or
 * before), itself or beside null in a oneOf; -1 when doc is no envelope.
 */
static int kf__envelope_row(const struct kf__doc *d)
{
	int props = kf__member(d, 0, "properties"), row;
	struct kf__prop p = {.name = "after"};

	if (kf__member(d, props, "op") < 0)
		return -1;
	if ((row = kf__member(d, props, "after")) < 0) {
		p.name = "before";
		row = kf__member(d, props, "before");
	}
	if (row < 0 || d->t[row].type != KF_J_OBJECT)
		return -1;
	p.tok = row;
	p.branch = row;
	if (kf__member(d, row, "oneOf") >= 0 && kf__branch(d, &p))
		return -1;
	return kf__str(d, p.branch, "type", p.type, sizeof(p.type)) ||
			       strcmp(p.type, "object")
		       ? -1
		       : p.branch;
}

kf_jsonschema_t *kf_jsonschema_parse(const char *js, size_t len, char *errstr,
				     size_t errstr_size)
{
	struct kf__doc d = {
		.js = js, .errstr = errstr, .errstr_size = errstr_size};
	size_t n, cap = len / 2 + 2; /* a token takes a byte and a separator */
	kf_jsonschema_t *j = calloc(1, sizeof(*j));
	kf_jtok_t *toks = calloc(cap, sizeof(*toks));
	char err[160];
	int row;

	if (!j || !toks) {
		kf_seterr(errstr, errstr_size, KF_ENOMEM,
			  "JSON Schema: out of memory");
		goto out_fail;
	}
	d.t = toks;
	if (kf_json_tokenize(js, len, toks, cap, &n, err, sizeof(err))) {
		kf_seterr(errstr, errstr_size, KF_EINVAL,
			  "JSON Schema: not JSON: %s", err);
		goto out_fail;
	}
	row = kf__envelope_row(&d);
	j->change = row >= 0;
	if (kf__record(&d, j->change ? row : 0, &j->row))
		goto out_fail;
	free(toks);
	return j;
out_fail:
	free(toks);
	kf_jsonschema_free(j);
	return NULL;
}

void kf_jsonschema_free(kf_jsonschema_t *j)
{
	if (!j)
		return;
	kf_schema_free(j->row);
	free(j);
}

const kf_schema_t *kf_jsonschema_row(const kf_jsonschema_t *j)
{
	return j->row;
}

int kf_jsonschema_change(const kf_jsonschema_t *j)
{
	return j->change;
}
