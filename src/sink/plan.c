/* SPDX-License-Identifier: Apache-2.0 */
#include "sink/plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "kferry/kferry.h"

/* ------------------------------------------------------------- arena */

/* The plan's memory (p->arena): rows and their bytes outlive the
 * decoder's next call, and are all freed at once with the plan. */
static void *kf__alloc(kf_arena_t *a, size_t n)
{
	return kf_arena_alloc(a, n, 16);
}

static int kf__is_span(enum kf_type t)
{
	return t == KF_T_TEXT || t == KF_T_BYTES || t == KF_T_JSON;
}

/* A copy of n values whose spans live in the arena. */
static kf_value_t *kf__copy_values(kf_arena_t *a, const kf_value_t *v, size_t n)
{
	kf_value_t *out = kf__alloc(a, n * sizeof(*out) + 1);
	size_t i;
	char *s;

	if (!out)
		return NULL;
	memcpy(out, v, n * sizeof(*out));
	for (i = 0; i < n; i++) {
		if (out[i].null || !kf__is_span(out[i].type))
			continue;
		s = kf__alloc(a, out[i].u.s.len + 1);
		if (!s)
			return NULL;
		memcpy(s, out[i].u.s.ptr, out[i].u.s.len);
		s[out[i].u.s.len] = '\0';
		out[i].u.s.ptr = s;
	}
	return out;
}

/* The bytes a key compares by: each value's type, null flag and data. */
static unsigned char *kf__key_bytes(kf_arena_t *a, const kf_value_t *v,
				    size_t n, size_t *len)
{
	unsigned char *out, *w;
	size_t i, total = 0;

	for (i = 0; i < n; i++)
		total += 2 + sizeof(size_t) +
			 (kf__is_span(v[i].type) ? v[i].u.s.len
						 : sizeof(v[i].u));
	out = kf__alloc(a, total + 1);
	if (!out)
		return NULL;
	for (w = out, i = 0; i < n; i++) {
		*w++ = (unsigned char)v[i].type;
		*w++ = (unsigned char)!!v[i].null;
		if (v[i].null) {
			memset(w, 0, sizeof(size_t) + sizeof(v[i].u));
			w += sizeof(size_t) + (kf__is_span(v[i].type)
						       ? v[i].u.s.len
						       : sizeof(v[i].u));
		} else if (kf__is_span(v[i].type)) {
			memcpy(w, &v[i].u.s.len, sizeof(size_t));
			w += sizeof(size_t);
			memcpy(w, v[i].u.s.ptr, v[i].u.s.len);
			w += v[i].u.s.len;
		} else {
			/* the union's unused bytes are zeroed: compare the
			 * member of the type only */
			union {
				kf_i128_t dec;
				unsigned char b[sizeof(v[i].u)];
			} u;

			memset(&u, 0, sizeof(u));
			if (v[i].type == KF_T_DECIMAL)
				u.dec = v[i].u.dec;
			else if (v[i].type == KF_T_FLOAT32 ||
				 v[i].type == KF_T_FLOAT64)
				memcpy(u.b, &v[i].u.f, sizeof(double));
			else if (v[i].type == KF_T_BOOLEAN)
				memcpy(u.b, &v[i].u.b, sizeof(int));
			else
				memcpy(u.b, &v[i].u.i, sizeof(int64_t));
			memset(w, 0, sizeof(size_t));
			w += sizeof(size_t);
			memcpy(w, u.b, sizeof(u.b));
			w += sizeof(u.b);
		}
	}
	*len = (size_t)(w - out);
	return out;
}

/* ------------------------------------------------------- table names */

int kf_sink_table_name(const char *fmt, const char *topic, const char *db,
		       const char *schema, const char *table, char *out,
		       size_t size)
{
	size_t n = 0, part = 0, i, len;
	const char *v, *end;

	if (!fmt)
		fmt = "${topic}";
	while (*fmt) {
		if (fmt[0] == '$' && fmt[1] == '{') {
			end = strchr(fmt, '}');
			len = end ? (size_t)(end - fmt - 2) : 0;
			if (end && len == 5 && !strncmp(fmt + 2, "topic", 5))
				v = topic;
			else if (end && len == 2 && !strncmp(fmt + 2, "db", 2))
				v = db;
			else if (end && len == 6 &&
				 !strncmp(fmt + 2, "schema", 6))
				v = schema;
			else if (end && len == 5 &&
				 !strncmp(fmt + 2, "table", 5))
				v = table;
			else {
				snprintf(out, size,
					 "unknown placeholder in '%s' (known: "
					 "${topic} ${db} ${schema} ${table})",
					 fmt);
				return -1;
			}
			for (i = 0; v[i]; i++) {
				if (n + 1 >= size)
					goto too_long;
				/* a topic's dots would name a schema */
				out[n++] =
					v == topic && v[i] == '.' ? '_' : v[i];
				if (++part > 63)
					goto too_long;
			}
			fmt = end + 1;
			continue;
		}
		if (n + 1 >= size)
			goto too_long;
		part = *fmt == '.' ? 0 : part + 1;
		if (part > 63)
			goto too_long;
		out[n++] = *fmt++;
	}
	out[n] = '\0';
	if (!n || out[0] == '.' || out[n - 1] == '.') {
		snprintf(out, size, "the table name is empty");
		return -1;
	}
	return 0;
too_long:
	snprintf(out, size, "a table name longer than 63 bytes");
	return -1;
}

/* ------------------------------------------------------------- build */

/* One event of a group, before the collapse. */
struct kf__entry {
	size_t msg;
	int del;
	const kf_value_t *vals; /* ncols values, or nkey for a delete */
	const unsigned char *kb;
	size_t kblen;
};

struct kf__gbuild {
	struct kf__entry *e;
	size_t n, cap;
};

struct kf__build {
	kf_sink_plan_t *p;
	const kf_sink_rules_t *r;
	struct kf__gbuild *gb; /* beside p->groups */
	size_t cap_groups, cap_refused;
};

static int kf__refuse(struct kf__build *b, size_t msg, const char *code,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int kf__refuse(struct kf__build *b, size_t msg, const char *code,
		      const char *fmt, ...)
{
	kf_sink_plan_t *p = b->p;
	kf_sink_refusal_t *x;
	va_list ap;

	if (p->nrefused == b->cap_refused) {
		size_t cap = b->cap_refused ? 2 * b->cap_refused : 16;

		x = realloc(p->refused, cap * sizeof(*x));
		if (!x)
			return KF_ENOMEM;
		p->refused = x;
		b->cap_refused = cap;
	}
	x = &p->refused[p->nrefused++];
	x->msg = msg;
	x->code = code;
	va_start(ap, fmt);
	vsnprintf(x->reason, sizeof(x->reason), fmt, ap);
	va_end(ap);
	return 0;
}

static int kf__same_cols(const kf_sink_group_t *g, const kf_schema_t *s,
			 const int *key, size_t nkey, enum kf_db_mode mode)
{
	size_t i;

	if (g->ncols != s->ncols || g->nkey != nkey || g->mode != mode)
		return 0;
	for (i = 0; i < nkey; i++)
		if (g->key[i] != key[i])
			return 0;
	for (i = 0; i < s->ncols; i++)
		if (strcmp(g->cols[i].name, s->cols[i].name) ||
		    g->cols[i].type != s->cols[i].type ||
		    g->cols[i].precision != s->cols[i].precision ||
		    g->cols[i].scale != s->cols[i].scale ||
		    g->cols[i].sqltype != s->cols[i].sqltype)
			return 0;
	return 1;
}

static char *kf__strdup(kf_arena_t *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = kf__alloc(a, n);

	if (d)
		memcpy(d, s, n);
	return d;
}

/* The group that takes the next event of table with columns s: the
 * table's latest one when it has the same columns and no truncate is
 * wanted before it, else a new one. NULL: out of memory. */
static kf_sink_group_t *kf__group(struct kf__build *b, const char *table,
				  const kf_schema_t *s, const int *key,
				  size_t nkey, enum kf_db_mode mode,
				  int truncate)
{
	kf_sink_plan_t *p = b->p;
	kf_arena_t *a = p->arena;
	kf_sink_group_t *g;
	size_t i;

	for (i = p->ngroups; i-- > 0;)
		if (!strcmp(p->groups[i].table, table)) {
			if (!truncate &&
			    kf__same_cols(&p->groups[i], s, key, nkey, mode))
				return &p->groups[i];
			break;
		}
	if (p->ngroups == b->cap_groups) {
		size_t cap = b->cap_groups ? 2 * b->cap_groups : 4;
		void *ng = realloc(p->groups, cap * sizeof(*p->groups));

		if (!ng)
			return NULL;
		p->groups = ng;
		ng = realloc(b->gb, cap * sizeof(*b->gb));
		if (!ng)
			return NULL;
		b->gb = ng;
		b->cap_groups = cap;
	}
	g = &p->groups[p->ngroups];
	memset(g, 0, sizeof(*g));
	memset(&b->gb[p->ngroups], 0, sizeof(*b->gb));
	p->ngroups++;
	g->table = kf__strdup(a, table);
	g->cols = kf__alloc(a, (s->ncols + 1) * sizeof(*g->cols));
	g->key = kf__alloc(a, (nkey + 1) * sizeof(int));
	g->keycols = kf__alloc(a, (nkey + 1) * sizeof(*g->keycols));
	if (!g->table || !g->cols || !g->key || !g->keycols)
		return NULL;
	memset(g->cols, 0, (s->ncols + 1) * sizeof(*g->cols));
	for (i = 0; i < s->ncols; i++) {
		g->cols[i].name = kf__strdup(a, s->cols[i].name);
		if (!g->cols[i].name)
			return NULL;
		g->cols[i].type = s->cols[i].type;
		g->cols[i].precision = s->cols[i].precision;
		g->cols[i].scale = s->cols[i].scale;
		g->cols[i].sqltype = s->cols[i].sqltype;
		g->cols[i].required = s->cols[i].required;
	}
	g->ncols = s->ncols;
	for (i = 0; i < nkey; i++) {
		g->key[i] = key[i];
		g->keycols[i] = g->cols[key[i]];
	}
	g->nkey = nkey;
	g->mode = mode;
	g->truncate = truncate;
	return g;
}

static int kf__add(struct kf__build *b, kf_sink_group_t *g, size_t msg, int del,
		   const kf_value_t *vals, size_t nvals,
		   const kf_value_t *keyvals)
{
	struct kf__gbuild *gb = &b->gb[g - b->p->groups];
	kf_arena_t *a = b->p->arena;
	struct kf__entry *e;

	if (gb->n == gb->cap) {
		size_t cap = gb->cap ? 2 * gb->cap : 64;

		e = realloc(gb->e, cap * sizeof(*e));
		if (!e)
			return KF_ENOMEM;
		gb->e = e;
		gb->cap = cap;
	}
	e = &gb->e[gb->n];
	memset(e, 0, sizeof(*e));
	e->msg = msg;
	e->del = del;
	e->vals = kf__copy_values(a, vals, nvals);
	if (!e->vals)
		return KF_ENOMEM;
	if (g->mode == KF_DB_UPSERT && g->nkey) {
		e->kb = kf__key_bytes(a, keyvals, g->nkey, &e->kblen);
		if (!e->kb)
			return KF_ENOMEM;
	}
	gb->n++;
	return 0;
}

/* Indexes in s of the names of key (a struct's columns) or of list
 * ("a,b"); -1 with the missing name in miss. */
static int kf__key_index(const kf_schema_t *s, const kf_schema_t *key,
			 const char *list, int *out, size_t *n, char *miss,
			 size_t msize)
{
	char name[64];
	const char *p = list, *end;
	size_t len;
	int c;

	*n = 0;
	while (key ? *n < key->ncols : p && *p) {
		if (key) {
			snprintf(name, sizeof(name), "%s", key->cols[*n].name);
		} else {
			end = strchr(p, ',');
			len = end ? (size_t)(end - p) : strlen(p);
			snprintf(name, sizeof(name), "%.*s",
				 (int)(len < 63 ? len : 63), p);
			p = end ? end + 1 : NULL;
		}
		c = *n < 64 ? kf_schema_col(s, name) : -1;
		if (c < 0) {
			snprintf(miss, msize, "%s", name);
			return -1;
		}
		out[(*n)++] = c;
	}
	return 0;
}

/* One decoded message into its group. */
static int kf__plan_msg(struct kf__build *b, kf_envdec_t *dec,
			const kf_sink_msg_t *m, size_t i)
{
	const kf_sink_rules_t *r = b->r;
	kf_env_msg_t ev;
	kf_reject_t rej;
	kf_sink_group_t *g;
	kf_value_t keyv[64];
	char table[256], miss[64];
	int key[64], del;
	size_t nkey = 0, j;
	enum kf_db_mode mode;

	if (!m->value) {
		b->p->skipped++; /* a tombstone: its delete came before it */
		return 0;
	}
	if (r->ledger_topic && !strcmp(m->topic, r->ledger_topic))
		return 0; /* a load record: sink/reconcile.h */
	if (kf_envdec_decode(dec, m->key, m->key_len, m->value, m->len, &ev,
			     &rej))
		return kf__refuse(b, i, "format", "%s", rej.reason);
	if (ev.kind == KF_ENV_TOMBSTONE) {
		b->p->skipped++;
		return 0;
	}
	if (r->table)
		snprintf(table, sizeof(table), "%s", r->table);
	else if (kf_sink_table_name(r->table_format, m->topic, ev.db,
				    ev.db_schema, ev.table, table,
				    sizeof(table)))
		return kf__refuse(b, i, "table", "%s", table);
	del = ev.kind == KF_ENV_CHANGE && ev.op == 'd';
	if (ev.kind == KF_ENV_CHANGE && ev.op == 't') {
		static const kf_schema_t none; /* a truncate has no row */

		if (!r->truncate) {
			b->p->skipped++;
			return 0;
		}
		/* the table's next events start a group after it */
		return kf__group(b, table, &none, NULL, 0, KF_DB_UPSERT, 1)
			       ? 0
			       : KF_ENOMEM;
	}
	if (del && !r->delete_rows) {
		b->p->skipped++;
		return 0;
	}
	if (!ev.schema)
		return kf__refuse(b, i, "format",
				  "a change event with "
				  "neither before nor after");
	if (ev.kind == KF_ENV_CHANGE) {
		mode = KF_DB_UPSERT;
		if (!ev.key_schema)
			return kf__refuse(b, i, "key",
					  "a change event without a struct "
					  "key (the table's primary key)");
	} else {
		mode = r->mode >= 0 ? (enum kf_db_mode)r->mode : KF_DB_INSERT;
	}
	if (mode == KF_DB_UPSERT &&
	    kf__key_index(ev.schema, r->key ? NULL : ev.key_schema, r->key, key,
			  &nkey, miss, sizeof(miss)))
		return kf__refuse(b, i, "key",
				  "key field '%s' is not a field of the "
				  "value",
				  miss);
	if (mode == KF_DB_UPSERT && !nkey)
		return kf__refuse(b, i, "key",
				  "upsert needs a key: a struct message key "
				  "or --key");
	/* the key's values in key order: the message key's struct for change
	 * events, the value's fields otherwise (a delete has no after) */
	for (j = 0; j < nkey; j++)
		keyv[j] = ev.kind == KF_ENV_CHANGE && ev.key
				  ? ev.key[j]
				  : (ev.after ? ev.after : ev.before)[key[j]];
	g = kf__group(b, table, ev.schema, key, nkey, mode, 0);
	if (!g)
		return KF_ENOMEM;
	if (del)
		return kf__add(b, g, i, 1, keyv, nkey, keyv);
	if (!ev.after)
		return kf__refuse(b, i, "format", "an event without a row");
	return kf__add(b, g, i, 0, ev.after, ev.schema->ncols, keyv);
}

static const struct kf__entry *kf__sort_base;

/* By key, then by message order. */
static int kf__cmp_entry(const void *a, const void *b)
{
	const struct kf__entry *x = &kf__sort_base[*(const size_t *)a];
	const struct kf__entry *y = &kf__sort_base[*(const size_t *)b];
	size_t n = x->kblen < y->kblen ? x->kblen : y->kblen;
	int c = memcmp(x->kb, y->kb, n);

	if (c)
		return c;
	if (x->kblen != y->kblen)
		return x->kblen < y->kblen ? -1 : 1;
	return x->msg < y->msg ? -1 : x->msg > y->msg;
}

/* Keeps the last event of each key (upsert groups with a key), then
 * lays the group's rows and deletes out in message order. */
static int kf__finish(kf_sink_plan_t *p, kf_sink_group_t *g,
		      struct kf__gbuild *gb)
{
	unsigned char *drop = calloc(gb->n + 1, 1);
	size_t *idx = NULL, i;

	if (!drop)
		return KF_ENOMEM;
	if (g->mode == KF_DB_UPSERT && g->nkey && gb->n > 1) {
		idx = malloc(gb->n * sizeof(*idx));
		if (!idx) {
			free(drop);
			return KF_ENOMEM;
		}
		for (i = 0; i < gb->n; i++)
			idx[i] = i;
		kf__sort_base = gb->e; /* one plan at a time per thread */
		qsort(idx, gb->n, sizeof(*idx), kf__cmp_entry);
		for (i = 0; i + 1 < gb->n; i++) {
			const struct kf__entry *x = &gb->e[idx[i]],
					       *y = &gb->e[idx[i + 1]];

			if (x->kblen == y->kblen &&
			    !memcmp(x->kb, y->kb, x->kblen)) {
				drop[idx[i]] = 1;
				p->collapsed++;
			}
		}
		free(idx);
	}
	g->rows = kf__alloc(p->arena, (gb->n + 1) * sizeof(*g->rows));
	g->row_msg = kf__alloc(p->arena, (gb->n + 1) * sizeof(*g->row_msg));
	g->dels = kf__alloc(p->arena, (gb->n + 1) * sizeof(*g->dels));
	if (!g->rows || !g->row_msg || !g->dels) {
		free(drop);
		return KF_ENOMEM;
	}
	for (i = 0; i < gb->n; i++) {
		if (drop[i])
			continue;
		if (gb->e[i].del) {
			g->dels[g->ndels++] = gb->e[i].vals;
		} else {
			g->row_msg[g->nrows] = gb->e[i].msg;
			g->rows[g->nrows++] = gb->e[i].vals;
		}
	}
	free(drop);
	return 0;
}

int kf_sink_plan_build(kf_sink_plan_t *p, const kf_sink_rules_t *r,
		       kf_envdec_t *dec, const kf_sink_stash_t *msgs)
{
	struct kf__build b = {.p = p, .r = r};
	kf_sink_scratch_t sc = {0};
	kf_sink_msg_t m;
	size_t i;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	p->arena = calloc(1, sizeof(*p->arena));
	if (!p->arena)
		return KF_ENOMEM;
	for (i = 0; i < msgs->n && !rc; i++) {
		rc = kf_sink_stash_get(msgs, i, &m, &sc);
		if (!rc)
			rc = kf__plan_msg(&b, dec, &m, i);
	}
	kf_sink_scratch_free(&sc);
	for (i = 0; i < p->ngroups && !rc; i++)
		rc = kf__finish(p, &p->groups[i], &b.gb[i]);
	for (i = 0; i < p->ngroups; i++)
		free(b.gb[i].e);
	free(b.gb);
	if (rc)
		kf_sink_plan_free(p);
	else
		p->bytes = p->arena->bytes;
	return rc;
}

void kf_sink_plan_free(kf_sink_plan_t *p)
{
	free(p->groups);
	free(p->refused);
	kf_arena_free(p->arena);
	free(p->arena);
	memset(p, 0, sizeof(*p));
}
