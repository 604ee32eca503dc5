/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Debezium's envelope in Avro (avroenv.h). The envelope's schema becomes
 * a tree of nodes, one per type (a named type once, referenced by name
 * elsewhere); a body is walked along it, the row record decoded by
 * record/avro.c and the few members the sink needs picked on the way.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "record/avroenv.h"
#include "record/decode.h"

#define KF__NAME 256   /* a type's or a field's name */
#define KF__DEPTH 32   /* nesting of types, in a schema and in a body */
#define KF__NODES 4096 /* types in one envelope schema */

enum kf__nk {
	KF__N_NULL,
	KF__N_BOOLEAN,
	KF__N_INT,
	KF__N_LONG,
	KF__N_FLOAT,
	KF__N_DOUBLE,
	KF__N_BYTES,
	KF__N_STRING,
	KF__N_FIXED,
	KF__N_ENUM,
	KF__N_ARRAY,
	KF__N_MAP,
	KF__N_UNION,
	KF__N_RECORD
};

/* What a field of the envelope (or of its source) is to the sink. */
enum kf__role {
	KF__R_SKIP = 0,
	KF__R_BEFORE,
	KF__R_AFTER,
	KF__R_SOURCE,
	KF__R_OP,
	KF__R_TS_MS,
	KF__R_DB,
	KF__R_SCHEMA,
	KF__R_TABLE
};

struct kf__node {
	enum kf__nk kind;
	char *name; /* a record's, enum's or fixed's full name; else NULL */
	int tok;    /* the definition's token */
	size_t n;   /* fixed: its size; enum: symbols; else kids */
	struct kf__node **kids; /* array: items; map: values; union:
				   branches; record: fields */
	char **fname;		/* record: its fields' names */
	enum kf__role *role;	/* record: one per field */
};

struct kf_avro_env_s {
	struct kf__node **nodes; /* every node: the env owns them */
	size_t nnodes;
	struct kf__node *top;
};

struct kf__ctx {
	const char *js;
	const kf_jtok_t *t;
	kf_avro_env_t *e;
	char *errstr;
	size_t errstr_size;
};

static const char *const kf__prim_names[] = {
	[KF__N_NULL] = "null",	 [KF__N_BOOLEAN] = "boolean",
	[KF__N_INT] = "int",	 [KF__N_LONG] = "long",
	[KF__N_FLOAT] = "float", [KF__N_DOUBLE] = "double",
	[KF__N_BYTES] = "bytes", [KF__N_STRING] = "string",
};

/* -------------------------------------------------------------------------
 * Shape
 */

static int kf__mstr(const char *js, const kf_jtok_t *t, int obj,
		    const char *member, char *buf, size_t cap)
{
	int i = kf_json_member(js, t, obj, member, strlen(member));

	if (i < 0 || t[i].type != KF_J_STRING)
		return -1;
	return kf_json_string(js, &t[i], buf, cap) < 0 ? -1 : 0;
}

/* The field named name of the record at obj, or -1. */
static int kf__field(const char *js, const kf_jtok_t *t, int obj,
		     const char *name)
{
	int f = kf_json_member(js, t, obj, "fields", 6);
	char buf[KF__NAME];
	uint32_t i, k;

	if (f < 0 || t[f].type != KF_J_ARRAY)
		return -1;
	for (i = 0, k = (uint32_t)f + 1; i < t[f].size; i++, k = t[k].next)
		if (t[k].type == KF_J_OBJECT &&
		    !kf__mstr(js, t, (int)k, "name", buf, sizeof(buf)) &&
		    !strcmp(buf, name))
			return (int)k;
	return -1;
}

int kf_avro_env_is(const char *js, const kf_jtok_t *t)
{
	char name[KF__NAME], type[16];
	const char *dot;

	if (t[0].type != KF_J_OBJECT ||
	    kf__mstr(js, t, 0, "type", type, sizeof(type)) ||
	    strcmp(type, "record") ||
	    kf__mstr(js, t, 0, "name", name, sizeof(name)))
		return 0;
	dot = strrchr(name, '.');
	return !strcmp(dot ? dot + 1 : name, "Envelope") &&
	       kf__field(js, t, 0, "op") >= 0 &&
	       kf__field(js, t, 0, "after") >= 0;
}

/* -------------------------------------------------------------------------
 * The tree of types
 */

static void *kf__fail(struct kf__ctx *x, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kf_seterr(x->errstr, x->errstr_size, KF_EINVAL,
		  "Avro change-event schema: %s (docs/schemas.md 6.2)", msg);
	return NULL;
}

static struct kf__node *kf__new(struct kf__ctx *x, enum kf__nk kind, int tok)
{
	struct kf__node **all, *n;

	if (x->e->nnodes >= KF__NODES)
		return kf__fail(x, "more than %d types", KF__NODES);
	all = realloc(x->e->nodes, (x->e->nnodes + 1) * sizeof(*all));
	if (!all || !(n = calloc(1, sizeof(*n)))) {
		if (all)
			x->e->nodes = all;
		return kf__fail(x, "out of memory");
	}
	x->e->nodes = all;
	all[x->e->nnodes++] = n;
	n->kind = kind;
	n->tok = tok;
	return n;
}

/* name qualified by the namespace ns (Avro's rule: a name with a dot is
 * already full) into buf. */
static int kf__fullname(const char *name, const char *ns, char *buf, size_t cap)
{
	int n = strchr(name, '.') || !ns[0]
			? snprintf(buf, cap, "%s", name)
			: snprintf(buf, cap, "%s.%s", ns, name);

	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static struct kf__node *kf__named(struct kf__ctx *x, const char *name,
				  const char *ns)
{
	char full[KF__NAME];
	size_t i;

	if (kf__fullname(name, ns, full, sizeof(full)))
		return kf__fail(x, "type name %.64s too long", name);
	for (i = 0; i < x->e->nnodes; i++)
		if (x->e->nodes[i]->name &&
		    (!strcmp(x->e->nodes[i]->name, full) ||
		     !strcmp(x->e->nodes[i]->name, name)))
			return x->e->nodes[i];
	return kf__fail(x, "type %.64s used before it is defined", name);
}

/* A named type's node, its full name set from the definition at tok. */
static struct kf__node *kf__define(struct kf__ctx *x, enum kf__nk kind, int tok,
				   const char *ns, char *full, size_t cap)
{
	char name[KF__NAME], space[KF__NAME];
	struct kf__node *n;

	if (kf__mstr(x->js, x->t, tok, "name", name, sizeof(name)) || !name[0])
		return kf__fail(x, "a named type without a name");
	if (kf__mstr(x->js, x->t, tok, "namespace", space, sizeof(space)))
		snprintf(space, sizeof(space), "%s", ns);
	if (kf__fullname(name, space, full, cap))
		return kf__fail(x, "type name %.64s too long", name);
	if (!(n = kf__new(x, kind, tok)))
		return NULL;
	if (!(n->name = strdup(full)))
		return kf__fail(x, "out of memory");
	return n;
}

static struct kf__node *kf__type(struct kf__ctx *x, int tok, const char *ns,
				 int depth);

static int kf__kids(struct kf__ctx *x, struct kf__node *n, size_t count)
{
	n->n = count;
	n->kids = calloc(count ? count : 1, sizeof(*n->kids));
	return n->kids ? 0 : (kf__fail(x, "out of memory"), -1);
}

/* Whether values of n may take no byte at all: an array of them would
 * let a few bytes announce any number of items. */
static int kf__zero_width(const struct kf__node *n, int depth)
{
	size_t i;

	if (n->kind == KF__N_NULL)
		return 1;
	if (n->kind != KF__N_RECORD || depth > KF__DEPTH)
		return 0;
	for (i = 0; i < n->n; i++)
		if (!n->kids[i] || !kf__zero_width(n->kids[i], depth + 1))
			return 0;
	return 1;
}

static struct kf__node *kf__record(struct kf__ctx *x, int tok, const char *ns,
				   int depth)
{
	int fields = kf_json_member(x->js, x->t, tok, "fields", 6), ti;
	char full[KF__NAME], space[KF__NAME], fname[KF__NAME];
	struct kf__node *n;
	const char *dot;
	uint32_t i, f;

	if (fields < 0 || x->t[fields].type != KF_J_ARRAY)
		return kf__fail(x, "a record without fields");
	if (!(n = kf__define(x, KF__N_RECORD, tok, ns, full, sizeof(full))) ||
	    kf__kids(x, n, x->t[fields].size))
		return NULL;
	if (!(n->role = calloc(n->n ? n->n : 1, sizeof(*n->role))) ||
	    !(n->fname = calloc(n->n ? n->n : 1, sizeof(*n->fname))))
		return kf__fail(x, "out of memory");
	dot = strrchr(full, '.');
	snprintf(space, sizeof(space), "%.*s", dot ? (int)(dot - full) : 0,
		 full);
	for (i = 0, f = (uint32_t)fields + 1; i < n->n; i++, f = x->t[f].next) {
		if (x->t[f].type != KF_J_OBJECT ||
		    kf__mstr(x->js, x->t, (int)f, "name", fname,
			     sizeof(fname)) ||
		    (ti = kf_json_member(x->js, x->t, (int)f, "type", 4)) < 0)
			return kf__fail(x,
					"field %u of %s without a name or "
					"a type",
					i + 1, n->name);
		if (!(n->fname[i] = strdup(fname)))
			return kf__fail(x, "out of memory");
		if (!(n->kids[i] = kf__type(x, ti, space, depth + 1)))
			return NULL;
	}
	return n;
}

static struct kf__node *kf__union(struct kf__ctx *x, int tok, const char *ns,
				  int depth)
{
	struct kf__node *n = kf__new(x, KF__N_UNION, tok);
	uint32_t i, b;

	if (!n || kf__kids(x, n, x->t[tok].size))
		return NULL;
	if (!n->n)
		return kf__fail(x, "an empty union");
	for (i = 0, b = (uint32_t)tok + 1; i < n->n; i++, b = x->t[b].next)
		if (!(n->kids[i] = kf__type(x, (int)b, ns, depth + 1)))
			return NULL;
	return n;
}

/* array (items) and map (values) */
static struct kf__node *kf__container(struct kf__ctx *x, enum kf__nk kind,
				      int tok, const char *ns, int depth)
{
	const char *member = kind == KF__N_ARRAY ? "items" : "values";
	int i = kf_json_member(x->js, x->t, tok, member, strlen(member));
	struct kf__node *n = kf__new(x, kind, tok);

	if (!n || kf__kids(x, n, 1))
		return NULL;
	if (i < 0)
		return kf__fail(x, "an array or map without %s", member);
	if (!(n->kids[0] = kf__type(x, i, ns, depth + 1)))
		return NULL;
	if (kf__zero_width(n->kids[0], 0))
		return kf__fail(x, "an array or map of null or of empty "
				   "records (not read)");
	return n;
}

static int kf__prim(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(kf__prim_names) / sizeof(kf__prim_names[0]); i++)
		if (!strcmp(name, kf__prim_names[i]))
			return (int)i;
	return -1;
}

/* enum (symbols) and fixed (size) */
static struct kf__node *kf__sized(struct kf__ctx *x, enum kf__nk kind, int tok,
				  const char *ns)
{
	int i = kf_json_member(x->js, x->t, tok,
			       kind == KF__N_ENUM ? "symbols" : "size",
			       kind == KF__N_ENUM ? 7 : 4);
	char full[KF__NAME];
	struct kf__node *n = kf__define(x, kind, tok, ns, full, sizeof(full));
	int64_t size;

	if (!n)
		return NULL;
	if (kind == KF__N_ENUM && i >= 0 && x->t[i].type == KF_J_ARRAY &&
	    x->t[i].size)
		n->n = x->t[i].size;
	else if (kind == KF__N_FIXED && i >= 0 &&
		 !kf_json_int64(x->js, &x->t[i], &size) && size >= 1 &&
		 size <= 1 << 20)
		n->n = (size_t)size;
	else
		return kf__fail(x,
				"%s: an enum without symbols or a fixed "
				"without a size of 1 byte to 1 MiB",
				full);
	return n;
}

static struct kf__node *kf__type(struct kf__ctx *x, int tok, const char *ns,
				 int depth)
{
	char name[KF__NAME];
	int ti, k;

	if (depth > KF__DEPTH)
		return kf__fail(x, "types nested deeper than %d", KF__DEPTH);
	if (x->t[tok].type == KF_J_ARRAY)
		return kf__union(x, tok, ns, depth);
	if (x->t[tok].type == KF_J_STRING) {
		if (kf_json_string(x->js, &x->t[tok], name, sizeof(name)) < 0)
			return kf__fail(x, "a type name too long");
		k = kf__prim(name);
		return k >= 0 ? kf__new(x, (enum kf__nk)k, tok)
			      : kf__named(x, name, ns);
	}
	if (x->t[tok].type != KF_J_OBJECT ||
	    (ti = kf_json_member(x->js, x->t, tok, "type", 4)) < 0)
		return kf__fail(x, "a type that is neither a name, a union "
				   "nor an object with a type");
	if (x->t[ti].type != KF_J_STRING)
		return kf__type(x, ti, ns, depth + 1);
	if (kf_json_string(x->js, &x->t[ti], name, sizeof(name)) < 0)
		return kf__fail(x, "a type name too long");
	if (!strcmp(name, "record") || !strcmp(name, "error"))
		return kf__record(x, tok, ns, depth);
	if (!strcmp(name, "enum"))
		return kf__sized(x, KF__N_ENUM, tok, ns);
	if (!strcmp(name, "fixed"))
		return kf__sized(x, KF__N_FIXED, tok, ns);
	if (!strcmp(name, "array"))
		return kf__container(x, KF__N_ARRAY, tok, ns, depth);
	if (!strcmp(name, "map"))
		return kf__container(x, KF__N_MAP, tok, ns, depth);
	if ((k = kf__prim(name)) >= 0) /* attributes on a primitive */
		return kf__new(x, (enum kf__nk)k, tok);
	return kf__fail(x, "type %.64s in an object", name);
}

/* -------------------------------------------------------------------------
 * The envelope's fields
 */

/* n's type itself, or the other branch of a union of it with null. */
static const struct kf__node *kf__unnull(const struct kf__node *n)
{
	if (n->kind != KF__N_UNION || n->n != 2)
		return n;
	if (n->kids[0]->kind == KF__N_NULL)
		return n->kids[1];
	return n->kids[1]->kind == KF__N_NULL ? n->kids[0] : n;
}

static const struct {
	const char *name;
	enum kf__role role;
	enum kf__nk kind, alt; /* what its type must be (once null taken) */
} kf__roles[] = {
	{"before", KF__R_BEFORE, KF__N_RECORD, KF__N_RECORD},
	{"after", KF__R_AFTER, KF__N_RECORD, KF__N_RECORD},
	{"source", KF__R_SOURCE, KF__N_RECORD, KF__N_RECORD},
	{"op", KF__R_OP, KF__N_STRING, KF__N_STRING},
	{"ts_ms", KF__R_TS_MS, KF__N_LONG, KF__N_INT},
};

static const struct {
	const char *name;
	enum kf__role role;
} kf__source_roles[] = {
	{"db", KF__R_DB}, {"schema", KF__R_SCHEMA}, {"table", KF__R_TABLE}};

/* The role of field name of record rec (of the envelope, or of its
 * source when source), its type checked; 0 when it has none. */
static int kf__bad_role(struct kf__ctx *x, const char *rec, const char *name)
{
	kf__fail(x,
		 "%s.%s is not of the type Debezium writes (or a union "
		 "of it with null)",
		 rec, name);
	return -1;
}

static int kf__role_of(struct kf__ctx *x, const char *rec, const char *name,
		       const struct kf__node *type, int source)
{
	const struct kf__node *k = kf__unnull(type);
	size_t r;

	for (r = 0; source && r < 3; r++)
		if (!strcmp(name, kf__source_roles[r].name))
			return k->kind == KF__N_STRING
				       ? (int)kf__source_roles[r].role
				       : kf__bad_role(x, rec, name);
	for (r = 0; !source && r < sizeof(kf__roles) / sizeof(kf__roles[0]);
	     r++)
		if (!strcmp(name, kf__roles[r].name))
			return k->kind == kf__roles[r].kind ||
					       k->kind == kf__roles[r].alt
				       ? (int)kf__roles[r].role
				       : kf__bad_role(x, rec, name);
	return 0;
}

/* The role of each field of the record n (the envelope, or its source
 * when source); the row record into *row. */
static int kf__roles_of(struct kf__ctx *x, struct kf__node *n, int source,
			const struct kf__node **row)
{
	const struct kf__node *k;
	size_t i;
	int role;

	for (i = 0; i < n->n; i++) {
		if ((role = kf__role_of(x, n->name, n->fname[i], n->kids[i],
					source)) < 0)
			return -1;
		n->role[i] = (enum kf__role)role;
		k = kf__unnull(n->kids[i]);
		if (role == KF__R_SOURCE &&
		    kf__roles_of(x, (struct kf__node *)k, 1, row))
			return -1;
		if (role != KF__R_BEFORE && role != KF__R_AFTER)
			continue;
		if (k == n->kids[i] || (*row && *row != k)) {
			kf__fail(x,
				 "%s.%s is not a union of null and the row "
				 "record (the same in before and after)",
				 n->name, n->fname[i]);
			return -1;
		}
		*row = k;
	}
	return 0;
}

kf_avro_env_t *kf_avro_env_parse(const char *js, const kf_jtok_t *t,
				 int *row_tok, char *errstr, size_t errstr_size)
{
	kf_avro_env_t *e = calloc(1, sizeof(*e));
	struct kf__ctx x = {js, t, e, errstr, errstr_size};
	const struct kf__node *row = NULL;

	if (!e) {
		kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory");
		return NULL;
	}
	if (!(e->top = kf__type(&x, 0, "", 0)) ||
	    kf__roles_of(&x, e->top, 0, &row))
		goto fail;
	if (!row) {
		kf__fail(&x, "no row record in after");
		goto fail;
	}
	*row_tok = row->tok;
	return e;
fail:
	kf_avro_env_free(e);
	return NULL;
}

void kf_avro_env_free(kf_avro_env_t *e)
{
	size_t i, j;

	if (!e)
		return;
	for (i = 0; i < e->nnodes; i++) {
		struct kf__node *n = e->nodes[i];

		for (j = 0; n->fname && j < n->n; j++)
			free(n->fname[j]);
		free(n->fname);
		free(n->role);
		free(n->kids);
		free(n->name);
		free(n);
	}
	free(e->nodes);
	free(e);
}

/* -------------------------------------------------------------------------
 * Bodies
 */

static int kf__ahead(kf_avro_in_t *in, size_t n)
{
	if ((size_t)(in->end - in->p) < n)
		return -1;
	in->p += n;
	return 0;
}

static int kf__skip(const struct kf__node *n, kf_avro_in_t *in, int depth);

/* The blocks of an array or a map: a count (negative: a byte size
 * follows), its items, until a count of 0. Items take a byte at least
 * (kf__zero_width), so a count past the bytes left is a lie. */
static int kf__blocks(const struct kf__node *n, kf_avro_in_t *in, int depth)
{
	const uint8_t *p;
	int64_t count, size;
	size_t len;

	for (;;) {
		if (kf_avro_get_long(in, &count))
			return -1;
		if (!count)
			return 0;
		if (count < 0 && (count == INT64_MIN ||
				  kf_avro_get_long(in, &size) || size < 0))
			return -1;
		count = count < 0 ? -count : count;
		if ((uint64_t)count > (uint64_t)(in->end - in->p))
			return -1;
		while (count--)
			if ((n->kind == KF__N_MAP &&
			     kf_avro_get_bytes(in, &p, &len)) ||
			    kf__skip(n->kids[0], in, depth + 1))
				return -1;
	}
}

/* Steps over one value of type n. */
static int kf__skip(const struct kf__node *n, kf_avro_in_t *in, int depth)
{
	const uint8_t *p;
	int64_t v;
	size_t i, len;

	if (depth > KF__DEPTH)
		return -1;
	switch (n->kind) {
	case KF__N_NULL:
		return 0;
	case KF__N_BOOLEAN:
		if (in->p >= in->end || *in->p > 1)
			return -1;
		in->p++;
		return 0;
	case KF__N_INT:
	case KF__N_LONG:
		return kf_avro_get_long(in, &v);
	case KF__N_FLOAT:
		return kf__ahead(in, 4);
	case KF__N_DOUBLE:
		return kf__ahead(in, 8);
	case KF__N_FIXED:
		return kf__ahead(in, n->n);
	case KF__N_BYTES:
	case KF__N_STRING:
		return kf_avro_get_bytes(in, &p, &len);
	case KF__N_ENUM:
		return kf_avro_get_long(in, &v) || v < 0 || (uint64_t)v >= n->n
			       ? -1
			       : 0;
	case KF__N_UNION:
		if (kf_avro_get_long(in, &v) || v < 0 || (uint64_t)v >= n->n)
			return -1;
		return kf__skip(n->kids[v], in, depth + 1);
	case KF__N_RECORD:
		for (i = 0; i < n->n; i++)
			if (kf__skip(n->kids[i], in, depth + 1))
				return -1;
		return 0;
	default: /* array, map */
		return kf__blocks(n, in, depth);
	}
}

/* The branch of a union (or the type itself): its node into *k. */
static int kf__branch(const struct kf__node *n, kf_avro_in_t *in,
		      const struct kf__node **k)
{
	int64_t b;

	*k = n;
	if (n->kind != KF__N_UNION)
		return 0;
	if (kf_avro_get_long(in, &b) || b < 0 || (uint64_t)b >= n->n)
		return -1;
	*k = n->kids[b];
	return 0;
}

/* A string (or null) member: its span, NULL for null. */
static int kf__string(const struct kf__node *n, kf_avro_in_t *in,
		      const char **s, size_t *len)
{
	const struct kf__node *k;
	const uint8_t *p;

	*s = NULL;
	*len = 0;
	if (kf__branch(n, in, &k))
		return -1;
	if (k->kind == KF__N_NULL)
		return 0;
	if (k->kind != KF__N_STRING || kf_avro_get_bytes(in, &p, len) ||
	    !kf_utf8_valid((const char *)p, *len) || memchr(p, 0, *len))
		return -1;
	*s = (const char *)p;
	return 0;
}

static int kf__source(const struct kf__node *n, kf_avro_in_t *in,
		      kf_avro_change_t *out)
{
	const struct kf__node *k;
	size_t i;

	if (kf__branch(n, in, &k))
		return -1;
	for (i = 0; k->kind == KF__N_RECORD && i < k->n; i++) {
		const char **s = k->role[i] == KF__R_DB	      ? &out->db
				 : k->role[i] == KF__R_SCHEMA ? &out->schema
				 : k->role[i] == KF__R_TABLE  ? &out->table
							      : NULL;
		size_t *len = k->role[i] == KF__R_DB	   ? &out->db_len
			      : k->role[i] == KF__R_SCHEMA ? &out->schema_len
							   : &out->table_len;

		if (s ? kf__string(k->kids[i], in, s, len)
		      : kf__skip(k->kids[i], in, 1))
			return -1;
	}
	return 0;
}

/* before or after: null, or the row record into vals. */
static int kf__row(const struct kf__node *n, const kf_avro_rec_t *row,
		   kf_avro_in_t *in, const void *body, kf_value_t *vals,
		   int *has, kf_reject_t *rej)
{
	const struct kf__node *k;

	if (kf__branch(n, in, &k))
		return -1;
	*has = k->kind != KF__N_NULL;
	if (*has && kf_avro_rec_read(row, in, body, vals, rej))
		return -2; /* rej already says which field */
	return 0;
}

/* One field of the envelope by its role. */
static int kf__member(const struct kf__node *top, size_t i,
		      const kf_avro_rec_t *row, kf_avro_in_t *in,
		      const void *body, kf_value_t *before, kf_value_t *after,
		      kf_avro_change_t *out, kf_reject_t *rej)
{
	const struct kf__node *k;
	const char *op;
	int64_t ts;
	size_t len;

	switch (top->role[i]) {
	case KF__R_BEFORE:
		return kf__row(top->kids[i], row, in, body, before,
			       &out->has_before, rej);
	case KF__R_AFTER:
		return kf__row(top->kids[i], row, in, body, after,
			       &out->has_after, rej);
	case KF__R_SOURCE:
		return kf__source(top->kids[i], in, out);
	case KF__R_OP:
		if (kf__string(top->kids[i], in, &op, &len) || len != 1 ||
		    !strchr("crudt", op[0]))
			return -1;
		out->op = op[0];
		return 0;
	case KF__R_TS_MS:
		if (kf__branch(top->kids[i], in, &k))
			return -1;
		if (k->kind != KF__N_NULL &&
		    (kf_avro_get_long(in, &ts) || ts < 0))
			return -1;
		out->ts_ms = k->kind == KF__N_NULL ? -1 : ts;
		return 0;
	default:
		return kf__skip(top->kids[i], in, 1);
	}
}

int kf_avro_env_decode(const kf_avro_env_t *e, const kf_avro_rec_t *row,
		       const void *body, size_t len, kf_value_t *before,
		       kf_value_t *after, kf_avro_change_t *out,
		       kf_reject_t *rej)
{
	kf_avro_in_t in = {body, (const uint8_t *)body + len};
	const struct kf__node *top = e->top;
	size_t i, off;
	int rc;

	memset(out, 0, sizeof(*out));
	out->ts_ms = -1;
	for (i = 0; i < top->n; i++) {
		off = (size_t)(in.p - (const uint8_t *)body);
		rc = kf__member(top, i, row, &in, body, before, after, out,
				rej);
		if (rc == -2)
			return -1;
		if (rc)
			return kf_reject(rej, "format", -1,
					 "Avro change event: field %s at byte "
					 "%zu: cut short, out of range or "
					 "malformed",
					 top->fname[i], off);
	}
	if (in.p != in.end)
		return kf_reject(rej, "format", -1,
				 "Avro change event: %zu bytes left over "
				 "after the last field (not the writer's "
				 "schema?)",
				 (size_t)(in.end - in.p));
	if (!out->op)
		return kf_reject(rej, "format", -1,
				 "Avro change event: an op of null");
	if (strchr("cru", out->op) && !out->has_after)
		return kf_reject(rej, "format", -1,
				 "Avro change event: op %c without after",
				 out->op);
	return 0;
}
