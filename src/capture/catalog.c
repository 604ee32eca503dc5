/* SPDX-License-Identifier: Apache-2.0 */
#include "capture/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

static int kf__cell_cb(void *arg, size_t ncols, const char *const *vals,
		       const size_t *lens)
{
	char **out = arg;

	(void)lens;
	if (ncols && vals[0] && !*out)
		*out = strdup(vals[0]);
	return 0;
}

int kf_cat_cell(kf_db_t *db, const char *sql, char *out, size_t cap,
		char *errstr, size_t errstr_size)
{
	kf_db_err_t e;
	char *v = NULL;

	if (kf_db_query(db, sql, kf__cell_cb, &v, &e)) {
		free(v);
		return kf_seterr(errstr, errstr_size, KF_EIO,
				 "the source database: %s", e.msg);
	}
	snprintf(out, cap, "%s", v ? v : "");
	free(v);
	return 0;
}

int kf_cat_preflight(kf_db_t *db, char *errstr, size_t errstr_size)
{
	char v[64];
	int r;

	r = kf_cat_cell(db, "SHOW wal_level", v, sizeof(v), errstr,
			errstr_size);
	if (r)
		return r;
	if (strcmp(v, "logical"))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "the source's wal_level is '%s': logical "
				 "decoding needs 'logical': run ALTER SYSTEM "
				 "SET wal_level = logical; and restart the "
				 "server",
				 v);
	r = kf_cat_cell(db,
			"SELECT current_user || ' ' || (rolreplication OR "
			"rolsuper)::text FROM pg_roles WHERE rolname = "
			"current_user",
			v, sizeof(v), errstr, errstr_size);
	if (r)
		return r;
	if (!strstr(v, " true"))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "the role %.*s may not replicate: run ALTER "
				 "ROLE %.*s REPLICATION; as a superuser",
				 (int)strcspn(v, " "), v, (int)strcspn(v, " "),
				 v);
	return 0;
}

/* Appends the literal s to b. */
static void kf__lit(kf_db_t *db, kf_db_sql_t *b, const char *s)
{
	kf_db_quote_literal(db, b, s, strlen(s));
}

struct kf__cols {
	kf_cat_def_t *d;
	int cap, nomem;
};

/* attname, atttypid, atttypmod, attnotnull, key position (0: none) */
static int kf__col_cb(void *arg, size_t ncols, const char *const *vals,
		      const size_t *lens)
{
	struct kf__cols *c = arg;
	kf_cap_coldef_t *col;

	(void)lens;
	if (ncols != 5 || !vals[0] || !vals[1] || !vals[2] || !vals[3])
		return 0;
	if (c->d->ncols == c->cap) {
		int cap = c->cap ? c->cap * 2 : 16;
		kf_cap_coldef_t *n =
			realloc(c->d->cols, (size_t)cap * sizeof(*n));

		if (!n)
			return c->nomem = 1;
		c->d->cols = n;
		c->cap = cap;
	}
	col = &c->d->cols[c->d->ncols];
	/* a PostgreSQL column: MariaDB's members zero (event.c reads a
	 * non-zero mdb_type as a MariaDB column) */
	*col = (kf_cap_coldef_t){0};
	col->name = strdup(vals[0]);
	if (!col->name)
		return c->nomem = 1;
	col->type_oid = (uint32_t)strtoul(vals[1], NULL, 10);
	col->typmod = (int32_t)strtol(vals[2], NULL, 10);
	col->notnull = vals[3][0] == 't';
	col->key_seq = vals[4] ? atoi(vals[4]) : 0;
	c->d->ncols++;
	return 0;
}

/* relid, schema, name */
static int kf__rel_cb(void *arg, size_t ncols, const char *const *vals,
		      const size_t *lens)
{
	kf_cat_def_t *d = arg;

	(void)lens;
	if (ncols != 3 || !vals[0] || !vals[1] || !vals[2])
		return 0;
	d->relid = (uint32_t)strtoul(vals[0], NULL, 10);
	snprintf(d->schema, sizeof(d->schema), "%s", vals[1]);
	snprintf(d->name, sizeof(d->name), "%s", vals[2]);
	return 0;
}

int kf_cat_table(kf_db_t *db, const char *qname, uint32_t relid,
		 kf_cat_def_t *d, char *errstr, size_t errstr_size)
{
	struct kf__cols c = {d, 0, 0};
	kf_db_sql_t q = {0};
	kf_db_err_t e;
	char num[16];
	int i, nkey = 0, r = 0;

	memset(d, 0, sizeof(*d));
	kf_db_sql_str(&q, "SELECT c.oid, n.nspname, c.relname FROM pg_class c "
			  "JOIN pg_namespace n ON n.oid = c.relnamespace "
			  "WHERE c.relkind IN ('r', 'p') AND c.oid = ");
	if (qname) {
		kf_db_sql_str(&q, "to_regclass(");
		kf__lit(db, &q, qname);
		kf_db_sql_str(&q, ")");
	} else {
		snprintf(num, sizeof(num), "%u", relid);
		kf_db_sql_str(&q, num);
	}
	if (q.failed || kf_db_query(db, q.p, kf__rel_cb, d, &e)) {
		r = kf_seterr(errstr, errstr_size, KF_EIO,
			      "PostgreSQL: looking up table %s: %s",
			      qname ? qname : "by oid",
			      q.failed ? "out of memory" : e.msg);
		goto out;
	}
	if (!d->relid) {
		r = kf_seterr(errstr, errstr_size, KF_EINVAL,
			      "no table %s in the source database (or no "
			      "right to see it): check --tables, or GRANT "
			      "SELECT ON %s TO the capture's role",
			      qname ? qname : num, qname ? qname : num);
		goto out;
	}
	snprintf(num, sizeof(num), "%u", d->relid);
	kf_db_sql_free(&q);
	memset(&q, 0, sizeof(q));
	kf_db_sql_str(
		&q, "SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull, "
		    "array_position(i.indkey::int2[], a.attnum) - "
		    "array_lower(i.indkey::int2[], 1) + 1 "
		    "FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = "
		    "a.attrelid AND i.indisprimary WHERE a.attnum > 0 AND NOT "
		    "a.attisdropped AND a.attgenerated = '' AND a.attrelid = ");
	kf_db_sql_str(&q, num);
	kf_db_sql_str(&q, " ORDER BY a.attnum");
	if (q.failed || kf_db_query(db, q.p, kf__col_cb, &c, &e) || c.nomem) {
		r = kf_seterr(errstr, errstr_size, KF_EIO,
			      "PostgreSQL: the columns of %s.%s: %s", d->schema,
			      d->name,
			      q.failed || c.nomem ? "out of memory" : e.msg);
		goto out;
	}
	for (i = 0; i < d->ncols; i++)
		nkey += d->cols[i].key_seq > 0;
	if (!nkey)
		r = kf_seterr(errstr, errstr_size, KF_EINVAL,
			      "table %s.%s has no primary key: change events "
			      "need one: ALTER TABLE %s.%s ADD PRIMARY KEY "
			      "(...)",
			      d->schema, d->name, d->schema, d->name);
out:
	kf_db_sql_free(&q);
	if (r)
		kf_cat_def_free(d);
	return r;
}

void kf_cat_def_free(kf_cat_def_t *d)
{
	int i;

	for (i = 0; i < d->ncols; i++)
		free((char *)d->cols[i].name);
	free(d->cols);
	d->cols = NULL;
	d->ncols = 0;
}

/* Appends "schema"."name" */
static int kf__qual(kf_db_t *db, kf_db_sql_t *b, const kf_cat_def_t *d)
{
	if (kf_db_quote_ident(db, b, d->schema))
		return -1;
	kf_db_sql_str(b, ".");
	return kf_db_quote_ident(db, b, d->name);
}

/* Runs sql; on a refusal, errstr names it for the operator to run. */
static int kf__run(kf_db_t *db, kf_db_sql_t *q, char *errstr,
		   size_t errstr_size)
{
	kf_db_err_t e;

	if (q->failed)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	if (kf_db_exec(db, q->p, NULL, &e))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "PostgreSQL refused %s: %s (run it as the "
				 "tables' owner, then start again)",
				 q->p, e.msg);
	return 0;
}

int kf_cat_publication(kf_db_t *db, const char *pub, const kf_cat_def_t *defs,
		       int n, char *errstr, size_t errstr_size)
{
	kf_db_sql_t q = {0};
	char v[16];
	int i, r;

	kf_db_sql_str(&q,
		      "SELECT count(*) FROM pg_publication WHERE pubname = ");
	kf__lit(db, &q, pub);
	r = q.failed ? KF_ENOMEM
		     : kf_cat_cell(db, q.p, v, sizeof(v), errstr, errstr_size);
	kf_db_sql_free(&q);
	if (r)
		return r;
	memset(&q, 0, sizeof(q));
	if (!strcmp(v, "0")) {
		kf_db_sql_str(&q, "CREATE PUBLICATION ");
		kf_db_quote_ident(db, &q, pub);
		kf_db_sql_str(&q, " FOR TABLE ");
		for (i = 0; i < n; i++) {
			if (i)
				kf_db_sql_str(&q, ", ");
			kf__qual(db, &q, &defs[i]);
		}
		r = kf__run(db, &q, errstr, errstr_size);
		kf_db_sql_free(&q);
		return r;
	}
	for (i = 0; i < n && !r; i++) {
		kf_db_sql_str(&q, "SELECT count(*) FROM pg_publication_tables "
				  "WHERE pubname = ");
		kf__lit(db, &q, pub);
		kf_db_sql_str(&q, " AND schemaname = ");
		kf__lit(db, &q, defs[i].schema);
		kf_db_sql_str(&q, " AND tablename = ");
		kf__lit(db, &q, defs[i].name);
		r = q.failed ? KF_ENOMEM
			     : kf_cat_cell(db, q.p, v, sizeof(v), errstr,
					   errstr_size);
		kf_db_sql_free(&q);
		memset(&q, 0, sizeof(q));
		if (r || strcmp(v, "0"))
			continue;
		kf_db_sql_str(&q, "ALTER PUBLICATION ");
		kf_db_quote_ident(db, &q, pub);
		kf_db_sql_str(&q, " ADD TABLE ");
		kf__qual(db, &q, &defs[i]);
		r = kf__run(db, &q, errstr, errstr_size);
		kf_db_sql_free(&q);
		memset(&q, 0, sizeof(q));
	}
	return r;
}

int kf_cat_slot(kf_db_t *db, const char *slot, int *exists, int *active,
		char *errstr, size_t errstr_size)
{
	kf_db_sql_t q = {0};
	char v[16];
	int r;

	kf_db_sql_str(&q, "SELECT active::text FROM pg_replication_slots "
			  "WHERE database = current_database() AND "
			  "slot_name = ");
	kf__lit(db, &q, slot);
	r = q.failed ? KF_ENOMEM
		     : kf_cat_cell(db, q.p, v, sizeof(v), errstr, errstr_size);
	kf_db_sql_free(&q);
	*exists = !r && v[0];
	*active = !r && !strcmp(v, "true");
	return r;
}

int kf_cat_drop_slot(kf_db_t *db, const char *slot, char *errstr,
		     size_t errstr_size)
{
	kf_db_sql_t q = {0};
	char v[8];
	int r;

	kf_db_sql_str(&q, "SELECT pg_drop_replication_slot(");
	kf__lit(db, &q, slot);
	kf_db_sql_str(&q, ")");
	r = q.failed ? KF_ENOMEM
		     : kf_cat_cell(db, q.p, v, sizeof(v), errstr, errstr_size);
	kf_db_sql_free(&q);
	return r;
}

int64_t kf_cat_slot_retained(kf_db_t *db, const char *slot)
{
	kf_db_sql_t q = {0};
	char v[32], e[256];
	int r;

	kf_db_sql_str(&q, "SELECT (pg_current_wal_lsn() - restart_lsn)"
			  "::bigint FROM pg_replication_slots WHERE "
			  "slot_name = ");
	kf__lit(db, &q, slot);
	r = q.failed ? KF_ENOMEM
		     : kf_cat_cell(db, q.p, v, sizeof(v), e, sizeof(e));
	kf_db_sql_free(&q);
	return r || !v[0] ? -1 : strtoll(v, NULL, 10);
}
