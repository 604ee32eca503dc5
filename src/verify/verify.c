/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kf_verify_tables: the key-range walk of docs/verify.md 3 over two connections.
 *
 * @locality the caller's thread (blocking: every call waits for a
 * database); one table at a time.
 */
#include "kferry/verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/err.h"
#include "db/conn.h"
#include "verify/canon.h"

/* A range where both sides hold at most this many rows is read row by
 * row instead of being halved again. */
#define KF__VLEAF 256
#define KF__VCHUNK_DEFAULT 10000

/* One database's view of the table being compared. */
struct kf__vside {
	kf_db_t *db;
	const char *table;
	int collate_c;	   /* PostgreSQL: text keys need COLLATE "C" */
	const char **cols; /* names on this side, in the source's order */
	enum kf_vkind *kinds;
};

struct kf__vwalk {
	struct kf__vside side[2]; /* 0 source, 1 target */
	size_t ncols;
	size_t chunk_rows, show;
	kf_verify_table_t *res;
	char *errstr;
	size_t errstr_size;
};

/* Count and checksum of a range on one side. */
struct kf__vfig {
	uint64_t n, sum;
};

/* Rows read from a range: canonical texts of every column, NULL for SQL
 * NULL. */
struct kf__vrows {
	char ***row;
	size_t n, cap, ncols;
};

static void kf__vstrs_free(char **v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Copies a result row (vals may hold NULLs). */
static char **kf__vstrs_dup(const char *const *vals, size_t n)
{
	char **v = calloc(n ? n : 1, sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < n; i++)
		if (vals[i] && !(v[i] = strdup(vals[i]))) {
			kf__vstrs_free(v, n);
			return NULL;
		}
	return v;
}

static int kf__vdberr(struct kf__vwalk *w, int rc, const kf_db_err_t *err)
{
	return kf_seterr(w->errstr, w->errstr_size,
			 rc == KF_EAUTH ? rc : KF_EIO, "verifying %s: %s",
			 w->res->source,
			 err->msg[0] ? err->msg : kf_strerror(rc));
}

/* The key columns, comma separated, for ORDER BY and row comparisons. */
static int kf__vkeys(struct kf__vwalk *w, int s, kf_db_sql_t *b)
{
	const struct kf__vside *sd = &w->side[s];
	size_t i, c;
	int rc;

	for (i = 0; i < w->res->nkey; i++) {
		c = w->res->key[i];
		if (i)
			kf_db_sql_str(b, ", ");
		rc = kf_db_quote_ident(sd->db, b, sd->cols[c]);
		if (rc)
			return rc;
		if (sd->collate_c &&
		    (sd->kinds[c] == KF_VK_TEXT || sd->kinds[c] == KF_VK_CHAR))
			kf_db_sql_str(b, " COLLATE \"C\"");
	}
	return 0;
}

static int kf__vbound(struct kf__vwalk *w, int s, kf_db_sql_t *b,
		      char *const *k, const char *op)
{
	const struct kf__vside *sd = &w->side[s];
	size_t i;
	int rc;

	kf_db_sql_str(b, "(");
	rc = kf__vkeys(w, s, b);
	kf_db_sql_str(b, ") ");
	kf_db_sql_str(b, op);
	kf_db_sql_str(b, " (");
	for (i = 0; !rc && i < w->res->nkey; i++) {
		if (i)
			kf_db_sql_str(b, ", ");
		rc = kf_vcanon_literal(sd->db, b, sd->kinds[w->res->key[i]],
				       k[i]);
	}
	kf_db_sql_str(b, ")");
	return rc;
}

/* " FROM table [WHERE keys > lo AND keys <= hi]"; NULL bounds are open. */
static int kf__vfrom(struct kf__vwalk *w, int s, kf_db_sql_t *b,
		     char *const *lo, char *const *hi)
{
	kf_db_err_t err;
	int rc;

	kf_db_sql_str(b, " FROM ");
	rc = kf_db_quote_table(w->side[s].db, b, w->side[s].table, &err);
	if (!rc && (lo || hi))
		kf_db_sql_str(b, " WHERE ");
	if (!rc && lo)
		rc = kf__vbound(w, s, b, lo, ">");
	if (!rc && lo && hi)
		kf_db_sql_str(b, " AND ");
	if (!rc && hi)
		rc = kf__vbound(w, s, b, hi, "<=");
	return rc;
}

/* The canonical texts of the columns idx[0..n-1], named kf_cN: an
 * output column named as the table's would be what ORDER BY sorts by
 * in PostgreSQL (the text, not the value). */
static int kf__vselect(struct kf__vwalk *w, int s, kf_db_sql_t *b,
		       const size_t *idx, size_t n)
{
	const struct kf__vside *sd = &w->side[s];
	char alias[32];
	size_t i;
	int rc = 0;

	kf_db_sql_str(b, "SELECT ");
	for (i = 0; !rc && i < n; i++) {
		if (i)
			kf_db_sql_str(b, ", ");
		rc = kf_vcanon_expr(sd->db, b, sd->cols[idx[i]],
				    sd->kinds[idx[i]]);
		snprintf(alias, sizeof(alias), " AS kf_c%zu", i);
		kf_db_sql_str(b, alias);
	}
	return rc;
}

static int kf__vquery(struct kf__vwalk *w, int s, kf_db_sql_t *b, int rc,
		      kf_db_row_cb cb, void *arg)
{
	kf_db_err_t err = {0};

	if (!rc && b->failed)
		rc = KF_ENOMEM;
	if (rc == KF_EINVAL)
		return kf_seterr(w->errstr, w->errstr_size, KF_EIO,
				 "verifying %s: a key value cannot be written "
				 "as a literal of the %s",
				 w->res->source, s ? "target" : "source");
	if (rc)
		return kf_seterr(w->errstr, w->errstr_size, rc,
				 "verifying %s: %s", w->res->source,
				 kf_strerror(rc));
	rc = kf_db_query(w->side[s].db, b->p, cb, arg, &err);
	if (rc == KF_EPROTO || rc == KF_ENOMEM) /* from our callbacks */
		return kf_seterr(w->errstr, w->errstr_size, rc,
				 "verifying %s: reading a result: %s",
				 w->res->source, kf_strerror(rc));
	return rc ? kf__vdberr(w, rc, &err) : 0;
}

static int kf__vfig_row(void *arg, size_t ncols, const char *const *vals,
			const size_t *lens)
{
	struct kf__vfig *f = arg;

	(void)lens;
	if (ncols != 2 || kf_vcanon_sum(vals[0], &f->n) ||
	    kf_vcanon_sum(vals[1], &f->sum))
		return KF_EPROTO;
	return 0;
}

/* Count and checksum of the range (lo, hi] on side s. */
static int kf__vfigures(struct kf__vwalk *w, int s, char *const *lo,
			char *const *hi, struct kf__vfig *f)
{
	const struct kf__vside *sd = &w->side[s];
	kf_db_sql_t b = {0};
	int rc;

	*f = (struct kf__vfig){0};
	kf_db_sql_str(&b, "SELECT ");
	rc = kf_vcanon_figures(sd->db, &b, sd->cols, sd->kinds, w->ncols);
	if (!rc)
		rc = kf__vfrom(w, s, &b, lo, hi);
	rc = kf__vquery(w, s, &b, rc, kf__vfig_row, f);
	kf_db_sql_free(&b);
	return rc;
}

struct kf__vkeyread {
	size_t nkey;
	char **key;
};

static int kf__vkey_row(void *arg, size_t ncols, const char *const *vals,
			const size_t *lens)
{
	struct kf__vkeyread *r = arg;

	(void)lens;
	if (ncols != r->nkey || r->key)
		return KF_EPROTO;
	r->key = kf__vstrs_dup(vals, ncols);
	return r->key ? 0 : KF_ENOMEM;
}

/* The key of the row at offset off (0-based, key order) of the range
 * (lo, hi] on side s: 0 with *out (free with kf__vstrs_free), or with
 * *out NULL when the range holds no more than off rows. */
static int kf__vat(struct kf__vwalk *w, int s, char *const *lo, char *const *hi,
		   uint64_t off, char ***out)
{
	struct kf__vkeyread r = {w->res->nkey, NULL};
	kf_db_sql_t b = {0};
	char tail[64];
	int rc;

	rc = kf__vselect(w, s, &b, w->res->key, w->res->nkey);
	if (!rc)
		rc = kf__vfrom(w, s, &b, lo, hi);
	kf_db_sql_str(&b, " ORDER BY ");
	if (!rc)
		rc = kf__vkeys(w, s, &b);
	snprintf(tail, sizeof(tail), " LIMIT 1 OFFSET %llu",
		 (unsigned long long)off);
	kf_db_sql_str(&b, tail);
	rc = kf__vquery(w, s, &b, rc, kf__vkey_row, &r);
	kf_db_sql_free(&b);
	if (rc) {
		kf__vstrs_free(r.key, r.nkey);
		r.key = NULL;
	}
	*out = r.key;
	return rc;
}

static int kf__vrows_row(void *arg, size_t ncols, const char *const *vals,
			 const size_t *lens)
{
	struct kf__vrows *r = arg;

	(void)lens;
	if (ncols != r->ncols)
		return KF_EPROTO;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		char ***p = realloc(r->row, cap * sizeof(*p));

		if (!p)
			return KF_ENOMEM;
		r->row = p;
		r->cap = cap;
	}
	r->row[r->n] = kf__vstrs_dup(vals, ncols);
	if (!r->row[r->n])
		return KF_ENOMEM;
	r->n++;
	return 0;
}

static void kf__vrows_free(struct kf__vrows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		kf__vstrs_free(r->row[i], r->ncols);
	free(r->row);
}

/* Every column of the rows of (lo, hi] on side s, at most limit rows. */
static int kf__vread(struct kf__vwalk *w, int s, char *const *lo,
		     char *const *hi, uint64_t limit, struct kf__vrows *r)
{
	kf_db_sql_t b = {0};
	size_t *all = malloc(w->ncols * sizeof(*all));
	char tail[64];
	size_t i;
	int rc;

	*r = (struct kf__vrows){.ncols = w->ncols};
	if (!all)
		return kf_seterr(w->errstr, w->errstr_size, KF_ENOMEM,
				 "verifying %s: out of memory", w->res->source);
	for (i = 0; i < w->ncols; i++)
		all[i] = i;
	rc = kf__vselect(w, s, &b, all, w->ncols);
	free(all);
	if (!rc)
		rc = kf__vfrom(w, s, &b, lo, hi);
	kf_db_sql_str(&b, " ORDER BY ");
	if (!rc)
		rc = kf__vkeys(w, s, &b);
	snprintf(tail, sizeof(tail), " LIMIT %llu", (unsigned long long)limit);
	kf_db_sql_str(&b, tail);
	rc = kf__vquery(w, s, &b, rc, kf__vrows_row, r);
	kf_db_sql_free(&b);
	if (rc)
		kf__vrows_free(r);
	return rc;
}

static int kf__vsame(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Counts a differing row and keeps it while the report has room; takes
 * src and dst (either may be NULL). */
static int kf__vdiff(struct kf__vwalk *w, enum kf_verify_diff_kind kind,
		     char **src, char **dst)
{
	kf_verify_table_t *t = w->res;
	char **row = src ? src : dst;
	kf_verify_diff_t *d;
	size_t i;

	if (kind == KF_VERIFY_MISSING)
		t->missing++;
	else if (kind == KF_VERIFY_EXTRA)
		t->extra++;
	else
		t->changed++;
	if (t->ndiffs >= w->show)
		goto out_free;
	d = &t->diffs[t->ndiffs];
	d->key = calloc(t->nkey, sizeof(*d->key));
	if (!d->key)
		goto out_nomem;
	for (i = 0; i < t->nkey; i++)
		if (row[t->key[i]] && !(d->key[i] = strdup(row[t->key[i]]))) {
			kf__vstrs_free(d->key, t->nkey);
			goto out_nomem;
		}
	d->kind = kind;
	d->src = src;
	d->dst = dst;
	t->ndiffs++;
	return 0;
out_nomem:
	d->key = NULL;
	kf__vstrs_free(src, w->ncols);
	kf__vstrs_free(dst, w->ncols);
	return kf_seterr(w->errstr, w->errstr_size, KF_ENOMEM,
			 "verifying %s: out of memory", t->source);
out_free:
	kf__vstrs_free(src, w->ncols);
	kf__vstrs_free(dst, w->ncols);
	return 0;
}

static int kf__vsame_key(const kf_verify_table_t *t, char *const *a,
			 char *const *b)
{
	size_t i;

	for (i = 0; i < t->nkey; i++)
		if (!kf__vsame(a[t->key[i]], b[t->key[i]]))
			return 0;
	return 1;
}

/* Merges the rows of one range by key: both lists are small
 * (KF__VLEAF), so each source row looks for its key among the target's
 * rather than trusting a client-side order to match the databases'. */
static int kf__vmerge(struct kf__vwalk *w, struct kf__vrows *r)
{
	size_t i, j, c;
	int rc = 0;

	for (i = 0; !rc && i < r[0].n; i++) {
		char **src = r[0].row[i], **dst = NULL;

		for (j = 0; j < r[1].n && !dst; j++)
			if (r[1].row[j] &&
			    kf__vsame_key(w->res, src, r[1].row[j])) {
				dst = r[1].row[j];
				r[1].row[j] = NULL;
			}
		r[0].row[i] = NULL;
		if (!dst) {
			rc = kf__vdiff(w, KF_VERIFY_MISSING, src, NULL);
			continue;
		}
		for (c = 0; c < w->ncols && kf__vsame(src[c], dst[c]); c++)
			;
		if (c < w->ncols) {
			rc = kf__vdiff(w, KF_VERIFY_CHANGED, src, dst);
		} else {
			kf__vstrs_free(src, w->ncols);
			kf__vstrs_free(dst, w->ncols);
		}
	}
	for (j = 0; !rc && j < r[1].n; j++)
		if (r[1].row[j]) {
			rc = kf__vdiff(w, KF_VERIFY_EXTRA, NULL, r[1].row[j]);
			r[1].row[j] = NULL;
		}
	return rc;
}

/* A differing range small enough to read, or empty on one side. */
static int kf__vleaf(struct kf__vwalk *w, char *const *lo, char *const *hi,
		     const struct kf__vfig *f)
{
	struct kf__vrows r[2] = {{0}, {0}};
	uint64_t room = w->show - w->res->ndiffs, limit;
	int s, rc = 0;

	for (s = 0; !rc && s < 2; s++) {
		limit = f[!s].n ? f[s].n : (room < f[s].n ? room : f[s].n);
		if (limit) /* with the other side empty, read only what the
			    * report shows: the count is known */
			rc = kf__vread(w, s, lo, hi, limit, &r[s]);
		else
			r[s] = (struct kf__vrows){.ncols = w->ncols};
	}
	if (!rc)
		rc = kf__vmerge(w, r);
	if (!rc && !f[1].n && f[0].n > r[0].n)
		w->res->missing += f[0].n - r[0].n;
	if (!rc && !f[0].n && f[1].n > r[1].n)
		w->res->extra += f[1].n - r[1].n;
	kf__vrows_free(&r[0]);
	kf__vrows_free(&r[1]);
	return rc;
}

/* Finds the differing rows of the range (lo, hi], whose figures are f. */
static int kf__vdrill(struct kf__vwalk *w, char *const *lo, char *const *hi,
		      const struct kf__vfig *f)
{
	struct kf__vfig first[2], second[2];
	char **mid = NULL;
	int big = f[1].n > f[0].n, s, rc;

	if (f[0].n == f[1].n && f[0].sum == f[1].sum)
		return 0;
	if (f[big].n <= KF__VLEAF || !f[!big].n)
		return kf__vleaf(w, lo, hi, f);
	/* halve by the side with more rows: at most two levels later the
	 * larger count has halved too */
	rc = kf__vat(w, big, lo, hi, f[big].n / 2 - 1, &mid);
	if (rc)
		return rc;
	if (!mid) /* the table changed under the walk: read what is there */
		return kf__vleaf(w, lo, hi, f);
	for (s = 0; !rc && s < 2; s++)
		rc = kf__vfigures(w, s, lo, mid, &first[s]);
	if (!rc && (!first[big].n || first[big].n >= f[big].n)) {
		/* no progress: the table changed under the walk, or the
		 * two orders disagree (docs/verify.md 1, known limits) */
		kf__vstrs_free(mid, w->res->nkey);
		return kf__vleaf(w, lo, hi, f);
	}
	for (s = 0; !rc && s < 2; s++) {
		second[s].n = f[s].n - first[s].n;
		second[s].sum = f[s].sum - first[s].sum; /* modulo 2^64 */
	}
	if (!rc)
		rc = kf__vdrill(w, lo, mid, first);
	if (!rc)
		rc = kf__vdrill(w, mid, hi, second);
	kf__vstrs_free(mid, w->res->nkey);
	return rc;
}

/* The ranges of chunk_rows source rows, from the first key to past the
 * last (docs/verify.md 3). */
static int kf__vwalk(struct kf__vwalk *w)
{
	kf_verify_table_t *t = w->res;
	struct kf__vfig f[2];
	char **lo = NULL, **hi = NULL;
	int s, rc;

	do {
		rc = kf__vat(w, 0, lo, NULL, w->chunk_rows - 1, &hi);
		for (s = 0; !rc && s < 2; s++)
			rc = kf__vfigures(w, s, lo, hi, &f[s]);
		if (rc)
			break;
		t->ranges++;
		t->rows_source += f[0].n;
		t->rows_target += f[1].n;
		if (f[0].n != f[1].n || f[0].sum != f[1].sum) {
			t->ranges_differing++;
			rc = kf__vdrill(w, lo, hi, f);
		}
		kf__vstrs_free(lo, t->nkey);
		lo = hi;
		hi = NULL;
	} while (!rc && lo);
	kf__vstrs_free(lo, t->nkey);
	kf__vstrs_free(hi, t->nkey);
	return rc;
}

/* ---- tables ---------------------------------------------------------- */

struct kf__vnames {
	char **v;
	size_t n, cap;
};

static int kf__vname_row(void *arg, size_t ncols, const char *const *vals,
			 const size_t *lens)
{
	struct kf__vnames *r = arg;

	(void)lens;
	if (ncols != 1 || !vals[0])
		return KF_EPROTO;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		char **p = realloc(r->v, cap * sizeof(*p));

		if (!p)
			return KF_ENOMEM;
		r->v = p;
		r->cap = cap;
	}
	if (!(r->v[r->n] = strdup(vals[0])))
		return KF_ENOMEM;
	r->n++;
	return 0;
}

/* The primary key's columns of the source table, in key order. */
static int kf__vprimary_key(struct kf__vwalk *w, struct kf__vnames *out)
{
	kf_db_t *db = w->side[0].db;
	const char *table = w->side[0].table, *dot = strchr(table, '.');
	const char *name = dot ? dot + 1 : table;
	kf_db_sql_t b = {0};
	int rc;

	/* information_schema says it the same way in both dialects */
	kf_db_sql_str(&b, "SELECT k.column_name FROM "
			  "information_schema.table_constraints c JOIN "
			  "information_schema.key_column_usage k ON "
			  "k.constraint_name = c.constraint_name AND "
			  "k.table_schema = c.table_schema AND "
			  "k.table_name = c.table_name WHERE "
			  "c.constraint_type = 'PRIMARY KEY' AND "
			  "c.table_schema = ");
	if (dot)
		kf_db_quote_literal(db, &b, table, (size_t)(dot - table));
	else
		kf_db_sql_str(&b, kf_db_dialect(db) == KF_DB_POSTGRES
					  ? "current_schema()"
					  : "DATABASE()");
	kf_db_sql_str(&b, " AND c.table_name = ");
	kf_db_quote_literal(db, &b, name, strlen(name));
	kf_db_sql_str(&b, " ORDER BY k.ordinal_position");
	rc = kf__vquery(w, 0, &b, 0, kf__vname_row, out);
	kf_db_sql_free(&b);
	return rc;
}

/* The index of name among n names (exactly, else ignoring case: a
 * PostgreSQL name is folded, a MariaDB one kept as written), or n. */
static size_t kf__vfind(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return i;
	for (i = 0; i < n; i++)
		if (!strcasecmp(names[i], name))
			return i;
	return n;
}

/* Appends "what: a, b" to the table's problem. */
static int kf__vproblem(kf_verify_table_t *t, const char *what,
			const char *name)
{
	size_t old = t->problem ? strlen(t->problem) : 0;
	size_t len = old + strlen(what) + strlen(name) + 8;
	char *p = realloc(t->problem, len);

	if (!p)
		return KF_ENOMEM;
	if (!old)
		p[0] = '\0';
	if (!old || !strstr(p, what))
		snprintf(p + old, len - old, "%s%s %s", old ? "; " : "", what,
			 name);
	else
		snprintf(p + old, len - old, ", %s", name);
	t->problem = p;
	return 0;
}

struct kf__vcols {
	kf_db_column_t *c;
	size_t n;
};

/* Pairs the columns of both sides by name into w (the source's order),
 * noting in the table's problem those that have no partner. */
static int kf__vpair(struct kf__vwalk *w, const struct kf__vcols *c)
{
	kf_verify_table_t *t = w->res;
	const char **dn = calloc(c[1].n + 1, sizeof(*dn));
	size_t i, j;
	int s, rc = 0;

	t->columns = calloc(c[0].n, sizeof(*t->columns));
	for (s = 0; s < 2; s++) {
		w->side[s].cols = calloc(c[0].n, sizeof(char *));
		w->side[s].kinds = calloc(c[0].n, sizeof(enum kf_vkind));
	}
	if (!dn || !t->columns || !w->side[0].cols || !w->side[1].cols ||
	    !w->side[0].kinds || !w->side[1].kinds) {
		free(dn);
		return KF_ENOMEM;
	}
	for (j = 0; j < c[1].n; j++)
		dn[j] = c[1].c[j].name;
	for (i = 0; !rc && i < c[0].n; i++) {
		if (!(t->columns[i] = strdup(c[0].c[i].name))) {
			rc = KF_ENOMEM;
			break;
		}
		t->ncolumns++;
		j = kf__vfind(dn, c[1].n, c[0].c[i].name);
		if (j == c[1].n) {
			rc = kf__vproblem(t, "columns only in the source:",
					  c[0].c[i].name);
			continue;
		}
		w->side[0].cols[w->ncols] = c[0].c[i].name;
		w->side[0].kinds[w->ncols] = kf_vkind_of(
			kf_db_dialect(w->side[0].db), c[0].c[i].type);
		w->side[1].cols[w->ncols] = dn[j];
		w->side[1].kinds[w->ncols] = kf_vkind_of(
			kf_db_dialect(w->side[1].db), c[1].c[j].type);
		w->ncols++;
		dn[j] = ""; /* taken */
	}
	for (j = 0; !rc && j < c[1].n; j++)
		if (dn[j][0])
			rc = kf__vproblem(t,
					  "columns only in the target:", dn[j]);
	free(dn);
	return rc;
}

/* The key columns of the table: --key or the source's primary key. */
static int kf__vkey(struct kf__vwalk *w, const kf_verify_opts_t *o)
{
	kf_verify_table_t *t = w->res;
	struct kf__vnames pk = {0};
	const char *const *names = o->key;
	size_t n = o->nkey, i, c;
	int rc = 0;

	if (!n) {
		rc = kf__vprimary_key(w, &pk);
		names = (const char *const *)pk.v;
		n = pk.n;
	}
	if (!rc && !n)
		rc = kf_seterr(w->errstr, w->errstr_size, KF_EINVAL,
			       "table %s has no primary key: name its key "
			       "columns with --key COL[,COL...]",
			       t->source);
	if (!rc && !(t->key = calloc(n, sizeof(*t->key))))
		rc = kf_seterr(w->errstr, w->errstr_size, KF_ENOMEM,
			       "out of memory");
	for (i = 0; !rc && i < n; i++) {
		c = kf__vfind(w->side[0].cols, w->ncols, names[i]);
		if (c == w->ncols)
			rc = kf_seterr(w->errstr, w->errstr_size, KF_EINVAL,
				       "key column %s is not a column of "
				       "both %s and %s",
				       names[i], t->source, t->target);
		else
			t->key[t->nkey++] = c;
	}
	kf__vstrs_free(pk.v, pk.n);
	return rc;
}

static int kf__vcolumns(struct kf__vwalk *w, int s, struct kf__vcols *c)
{
	kf_db_err_t err = {0};
	int rc;

	rc = kf_db_columns(w->side[s].db, w->side[s].table, &c->c, &c->n, &err);
	if (rc)
		return kf__vdberr(w, rc, &err);
	if (!c->n)
		rc = kf__vproblem(w->res,
				  s ? "no table in the target:"
				    : "no table in the source:",
				  w->side[s].table);
	return rc ? kf_seterr(w->errstr, w->errstr_size, rc, "out of memory")
		  : 0;
}

static double kf__vnow(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Compares one table: the spec "SRC[:DST]" into t. */
static int kf__vtable(kf_db_t *const *db, const int *collate_c,
		      const kf_verify_opts_t *o, const char *spec,
		      kf_verify_table_t *t, char *errstr, size_t errstr_size)
{
	struct kf__vwalk w = {0};
	struct kf__vcols c[2] = {{0}, {0}};
	const char *colon = strchr(spec, ':');
	double start = kf__vnow();
	int s, rc = 0;

	t->source =
		colon ? strndup(spec, (size_t)(colon - spec)) : strdup(spec);
	t->target = strdup(colon ? colon + 1 : spec);
	if (!t->source || !t->target)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	if (!t->source[0] || !t->target[0] || strchr(t->target, ':'))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "--table %s: give SRC or SRC:DST", spec);
	w.res = t;
	w.errstr = errstr;
	w.errstr_size = errstr_size;
	w.chunk_rows = o->chunk_rows ? o->chunk_rows : KF__VCHUNK_DEFAULT;
	w.show = o->show;
	for (s = 0; s < 2; s++) {
		w.side[s].db = db[s];
		w.side[s].table = s ? t->target : t->source;
		w.side[s].collate_c = collate_c[s];
	}
	for (s = 0; !rc && s < 2; s++)
		rc = kf__vcolumns(&w, s, &c[s]);
	if (!rc && !t->problem) {
		rc = kf__vpair(&w, c);
		if (rc)
			rc = kf_seterr(errstr, errstr_size, rc,
				       "out of memory");
	}
	if (!rc && !t->problem)
		rc = kf__vkey(&w, o);
	if (!rc && !t->problem && w.show &&
	    !(t->diffs = calloc(w.show, sizeof(*t->diffs))))
		rc = kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory");
	if (!rc && !t->problem)
		rc = kf__vwalk(&w);
	t->seconds = kf__vnow() - start;
	for (s = 0; s < 2; s++) {
		kf_db_columns_free(c[s].c, c[s].n);
		free(w.side[s].cols);
		free(w.side[s].kinds);
	}
	return rc;
}

static int kf__vcollate_row(void *arg, size_t ncols, const char *const *vals,
			    const size_t *lens)
{
	static const char *const bytewise[] = {"C", "POSIX", "C.UTF-8",
					       "C.utf8", "ucs_basic"};
	int *collate_c = arg;
	size_t i;

	(void)lens;
	if (ncols != 1 || !vals[0])
		return KF_EPROTO;
	*collate_c = 1;
	for (i = 0; i < sizeof(bytewise) / sizeof(bytewise[0]); i++)
		if (!strcmp(vals[0], bytewise[i]))
			*collate_c = 0;
	return 0;
}

/* Opens one side; on PostgreSQL, learns whether text keys need COLLATE
 * "C" to sort by their bytes (as MariaDB's _bin collations do). */
static int kf__vopen(const char *url, const char *password, const char *what,
		     kf_db_t **db, int *collate_c, char *errstr,
		     size_t errstr_size)
{
	kf_db_err_t err = {0};
	char e[512];
	int rc;

	*collate_c = 0;
	rc = kf_db_open(url, password, db, e, sizeof(e));
	if (rc)
		return kf_seterr(errstr, errstr_size, rc, "the %s: %s", what,
				 e);
	if (kf_db_dialect(*db) != KF_DB_POSTGRES)
		return 0;
	rc = kf_db_query(*db,
			 "SELECT datcollate FROM pg_database WHERE datname = "
			 "current_database()",
			 kf__vcollate_row, collate_c, &err);
	if (rc)
		return kf_seterr(errstr, errstr_size, KF_EIO,
				 "the %s: reading the database's collation: "
				 "%s",
				 what, err.msg[0] ? err.msg : kf_strerror(rc));
	return 0;
}

int kf_verify_tables(const kf_verify_opts_t *o, kf_verify_report_t **out,
		     char *errstr, size_t errstr_size)
{
	kf_verify_report_t *r;
	kf_db_t *db[2] = {NULL, NULL};
	int collate_c[2];
	size_t i;
	int rc;

	*out = NULL;
	if (!o->source || !o->target || !o->ntables)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "verify needs --source, --target and --table");
	r = calloc(1, sizeof(*r));
	if (!r || !(r->tables = calloc(o->ntables, sizeof(*r->tables)))) {
		free(r);
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	}
	rc = kf__vopen(o->source, o->source_password, "source", &db[0],
		       &collate_c[0], errstr, errstr_size);
	if (!rc)
		rc = kf__vopen(o->target, o->target_password, "target", &db[1],
			       &collate_c[1], errstr, errstr_size);
	for (i = 0; !rc && i < o->ntables; i++) {
		r->ntables++;
		rc = kf__vtable(db, collate_c, o, o->tables[i], &r->tables[i],
				errstr, errstr_size);
	}
	kf_db_close(db[0]);
	kf_db_close(db[1]);
	if (rc) {
		kf_verify_report_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int kf_verify_report_equal(const kf_verify_report_t *r)
{
	size_t i;

	for (i = 0; i < r->ntables; i++) {
		const kf_verify_table_t *t = &r->tables[i];

		if (t->problem || t->missing || t->extra || t->changed)
			return 0;
	}
	return 1;
}

void kf_verify_report_free(kf_verify_report_t *r)
{
	size_t i, j;

	if (!r)
		return;
	for (i = 0; i < r->ntables; i++) {
		kf_verify_table_t *t = &r->tables[i];

		for (j = 0; j < t->ndiffs; j++) {
			kf__vstrs_free(t->diffs[j].key, t->nkey);
			kf__vstrs_free(t->diffs[j].src, t->ncolumns);
			kf__vstrs_free(t->diffs[j].dst, t->ncolumns);
		}
		free(t->diffs);
		kf__vstrs_free(t->columns, t->ncolumns);
		free(t->key);
		free(t->problem);
		free(t->source);
		free(t->target);
	}
	free(r->tables);
	free(r);
}
