/* SPDX-License-Identifier: Apache-2.0 */
#include "db/conn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/backend.h"
#include "db/render.h"

/* PostgreSQL's identifier limit (NAMEDATALEN - 1), docs/sink.md 2.1. */
#define KF__DB_IDENT_MAX 63

int kf__db_fail(kf_db_err_t *err, enum kf_db_eclass cls, const char *sqlcode,
		int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->cls = cls;
	snprintf(err->code, sizeof(err->code), "%s", sqlcode ? sqlcode : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

static int kf__db_has_scheme(const char *url, const char *scheme)
{
	return strncmp(url, scheme, strlen(scheme)) == 0;
}

int kf_db_open(const char *url, const char *password, kf_db_t **out,
	       char *errstr, size_t errstr_size)
{
	kf_db_t *db;
	int rc;

	*out = NULL;
	if (!url || !*url)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "no database URL: give --db (sink.db)");
	db = calloc(1, sizeof(*db));
	if (!db)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory opening a database connection");
	if (kf__db_has_scheme(url, "postgresql://") ||
	    kf__db_has_scheme(url, "postgres://") ||
	    (!strstr(url, "://") && strchr(url, '='))) {
		rc = kf__db_pg_open(url, password, db, errstr, errstr_size);
	} else if (kf__db_has_scheme(url, "mariadb://") ||
		   kf__db_has_scheme(url, "mysql://")) {
		rc = kf__db_mariadb_open(url, password, db, errstr,
					 errstr_size);
	} else {
		rc = kf_seterr(errstr, errstr_size, KF_EINVAL,
			       "database URL '%.64s' has no known scheme: give "
			       "postgresql://, postgres://, a libpq keyword "
			       "string (host=... dbname=...), mariadb:// or "
			       "mysql://",
			       url);
	}
	if (rc) {
		free(db);
		return rc;
	}
	*out = db;
	return 0;
}

void kf_db_close(kf_db_t *db)
{
	if (!db)
		return;
	db->ops->close(db);
	free(db);
}

enum kf_db_dialect kf_db_dialect(const kf_db_t *db)
{
	return db->dialect;
}

void kf_db_set_load_data(kf_db_t *db, int on)
{
	db->load_data = db->dialect == KF_DB_MARIADB && on;
}

void *kf_db_native(kf_db_t *db)
{
	return db->conn;
}

int kf_db_exec(kf_db_t *db, const char *sql, int64_t *affected,
	       kf_db_err_t *err)
{
	return db->ops->exec(db, sql, strlen(sql), affected, err);
}

int kf_db_query(kf_db_t *db, const char *sql, kf_db_row_cb cb, void *arg,
		kf_db_err_t *err)
{
	return db->ops->query(db, sql, cb, arg, err);
}

int kf_db_exec_params(kf_db_t *db, const char *sql, int n,
		      const uint32_t *types, const char *const *vals,
		      int64_t *affected, kf_db_err_t *err)
{
	if (!db->ops->exec_params)
		return kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_EINVAL,
				   "%s: statements with bound parameters are "
				   "not supported here",
				   db->ops->name);
	return db->ops->exec_params(db, sql, n, types, vals, affected, err);
}

int kf_db_begin(kf_db_t *db, kf_db_err_t *err)
{
	int rc;

	if (db->in_tx)
		return kf__db_fail(
			err, KF_DB_E_FATAL, NULL, KF_EINVAL,
			"kf_db_begin: a transaction is already open");
	rc = kf_db_exec(db, "START TRANSACTION", NULL, err);
	if (rc == 0)
		db->in_tx = 1;
	return rc;
}

int kf_db_commit(kf_db_t *db, kf_db_err_t *err)
{
	/* whatever COMMIT returns, the transaction is over */
	db->in_tx = 0;
	return kf_db_exec(db, "COMMIT", NULL, err);
}

int kf_db_rollback(kf_db_t *db, kf_db_err_t *err)
{
	db->in_tx = 0;
	return kf_db_exec(db, "ROLLBACK", NULL, err);
}

int kf_db_in_transaction(const kf_db_t *db)
{
	return db->in_tx;
}

/* SAVEPOINT name / ROLLBACK TO SAVEPOINT name / RELEASE SAVEPOINT name:
 * the same words in both dialects. */
static int kf__db_savepoint_sql(kf_db_t *db, const char *verb, const char *name,
				kf_db_err_t *err)
{
	char sql[128];
	size_t i;

	for (i = 0; name[i]; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
			break;
	if (i == 0 || name[i] || i > KF__DB_IDENT_MAX)
		return kf__db_fail(
			err, KF_DB_E_FATAL, NULL, KF_EINVAL,
			"savepoint name '%.64s' is not [a-z0-9_]{1,63}", name);
	snprintf(sql, sizeof(sql), "%s %s", verb, name);
	return kf_db_exec(db, sql, NULL, err);
}

int kf_db_savepoint(kf_db_t *db, const char *name, kf_db_err_t *err)
{
	return kf__db_savepoint_sql(db, "SAVEPOINT", name, err);
}

int kf_db_rollback_to(kf_db_t *db, const char *name, kf_db_err_t *err)
{
	return kf__db_savepoint_sql(db, "ROLLBACK TO SAVEPOINT", name, err);
}

int kf_db_release(kf_db_t *db, const char *name, kf_db_err_t *err)
{
	return kf__db_savepoint_sql(db, "RELEASE SAVEPOINT", name, err);
}

/* ---- SQL text */

int kf__db_sql_reserve(kf_db_sql_t *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->failed)
		return -1;
	if (b->len + n + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->failed = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void kf_db_sql_add(kf_db_sql_t *b, const char *s, size_t n)
{
	if (kf__db_sql_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void kf_db_sql_str(kf_db_sql_t *b, const char *s)
{
	kf_db_sql_add(b, s, strlen(s));
}

void kf_db_sql_free(kf_db_sql_t *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void kf__db_ident(const kf_db_t *db, kf_db_sql_t *b, const char *s,
			 size_t n)
{
	char q = db->ops->quote;
	size_t i;

	kf_db_sql_add(b, &q, 1);
	for (i = 0; i < n; i++) {
		if (s[i] == q) /* doubled inside the quotes, in both dialects */
			kf_db_sql_add(b, &q, 1);
		kf_db_sql_add(b, s + i, 1);
	}
	kf_db_sql_add(b, &q, 1);
}

int kf_db_quote_ident(const kf_db_t *db, kf_db_sql_t *b, const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > KF__DB_IDENT_MAX)
		return KF_EINVAL;
	kf__db_ident(db, b, name, n);
	return 0;
}

int kf_db_quote_table(const kf_db_t *db, kf_db_sql_t *b, const char *table,
		      kf_db_err_t *err)
{
	const char *dot = strchr(table, '.');
	size_t n = dot ? (size_t)(dot - table) : strlen(table);
	const char *name = dot ? dot + 1 : table;

	if (n == 0 || n > KF__DB_IDENT_MAX || !*name ||
	    strlen(name) > KF__DB_IDENT_MAX || strchr(name, '.'))
		return kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_EINVAL,
				   "table name '%.140s' is not TABLE or "
				   "SCHEMA.TABLE of 1 to 63 bytes each",
				   table);
	if (dot) {
		kf__db_ident(db, b, table, n);
		kf_db_sql_add(b, ".", 1);
	}
	kf__db_ident(db, b, name, strlen(name));
	return 0;
}

void kf_db_quote_literal(kf_db_t *db, kf_db_sql_t *b, const char *s, size_t n)
{
	db->ops->quote_literal(db, b, s, n);
}

/* ---- the text format of COPY and LOAD DATA */

void kf__db_hex_add(kf_db_sql_t *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;
	char *p;

	if (kf__db_sql_reserve(b, 2 * n))
		return;
	p = b->p + b->len;
	for (i = 0; i < n; i++) {
		*p++ = hex[(unsigned char)s[i] >> 4];
		*p++ = hex[(unsigned char)s[i] & 15];
	}
	b->len += 2 * n;
	b->p[b->len] = '\0';
}

int kf__db_mismatch(const kf_column_t *cols, const kf_value_t *row, size_t j,
		    size_t rowno, kf_db_err_t *err)
{
	return kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_EINVAL,
			   "row %zu, column %s: a value of type %d for a "
			   "column of type %d",
			   rowno, cols[j].name, (int)row[j].type,
			   (int)cols[j].type);
}

/* Appends s with backslash escapes: the backslash, and the bytes that
 * would end a field or a row. */
static void kf__db_text_field(kf_db_sql_t *b, const char *s, size_t n)
{
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		const char *esc = NULL;

		switch (s[i]) {
		case '\\':
			esc = "\\\\";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			continue;
		}
		kf_db_sql_add(b, s + run, i - run);
		kf_db_sql_add(b, esc, 2);
		run = i + 1;
	}
	kf_db_sql_add(b, s + run, n - run);
}

int kf__db_text_row(kf_db_sql_t *b, const kf_column_t *cols, size_t ncols,
		    const kf_value_t *row, size_t rowno, enum kf_db_dialect d,
		    kf_db_err_t *err)
{
	char txt[KF_DB_FMT_MAX];
	size_t j;
	int n;

	for (j = 0; j < ncols; j++) {
		const kf_value_t *v = &row[j];
		enum kf_type t = cols[j].type;
		int span = t == KF_T_TEXT || t == KF_T_JSON || t == KF_T_BYTES;

		if (j)
			kf_db_sql_add(b, "\t", 1);
		if (v->null) {
			kf_db_sql_add(b, "\\N", 2);
			continue;
		}
		if (span && v->type != t)
			return kf__db_mismatch(cols, row, j, rowno, err);
		if (t == KF_T_BYTES) {
			/* bytea's hex input "\x0a1b", its backslash escaped;
			 * MariaDB: the digits, for UNHEX */
			if (d == KF_DB_POSTGRES)
				kf_db_sql_add(b, "\\\\x", 3);
			kf__db_hex_add(b, v->u.s.ptr, v->u.s.len);
		} else if (span) {
			kf__db_text_field(b, v->u.s.ptr, v->u.s.len);
		} else {
			n = kf_db_fmt_scalar(&cols[j], v, d, txt);
			if (n < 0)
				return kf__db_mismatch(cols, row, j, rowno,
						       err);
			kf_db_sql_add(b, txt, (size_t)n);
		}
	}
	kf_db_sql_add(b, "\n", 1);
	return 0;
}

void kf__db_col_list(const kf_db_t *db, kf_db_sql_t *b, const kf_column_t *cols,
		     const int *idx, size_t n, const char *prefix)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const kf_column_t *c = &cols[idx ? (size_t)idx[i] : i];

		if (i)
			kf_db_sql_add(b, ", ", 2);
		kf_db_sql_str(b, prefix);
		kf__db_ident(db, b, c->name, strlen(c->name));
	}
}

static int kf__db_is_key(const int *key, size_t nkey, size_t col)
{
	size_t i;

	for (i = 0; i < nkey; i++)
		if ((size_t)key[i] == col)
			return 1;
	return 0;
}

size_t kf__db_set_list(const kf_db_t *db, kf_db_sql_t *b, const char *sep,
		       const kf_column_t *cols, size_t ncols, const int *key,
		       size_t nkey, const char *pre, const char *post)
{
	size_t i, n = 0;

	for (i = 0; i < ncols; i++) {
		if (kf__db_is_key(key, nkey, i))
			continue;
		kf_db_sql_str(b, n++ ? ", " : sep);
		kf__db_col_list(db, b, &cols[i], NULL, 1, "");
		kf_db_sql_str(b, " = ");
		kf__db_col_list(db, b, &cols[i], NULL, 1, pre);
		kf_db_sql_str(b, post);
	}
	return n;
}

/* ---- tables */

const char *kf_db_type_name(const kf_db_t *db, const kf_column_t *c, int key,
			    char *buf, size_t size)
{
	const char *t = kf_db_sqltype_name(c, key, db->dialect, buf, size);

	return t ? t : db->ops->type_name(c, key, buf, size);
}

static int kf__db_nomem(kf_db_err_t *err, const char *what)
{
	return kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_ENOMEM,
			   "out of memory building %s", what);
}

int kf_db_create_table(kf_db_t *db, const char *table, const kf_column_t *cols,
		       size_t ncols, const int *key, size_t nkey,
		       kf_db_err_t *err)
{
	kf_db_sql_t b = {0};
	char tbuf[64];
	size_t i;
	int rc;

	kf_db_sql_str(&b, "CREATE TABLE IF NOT EXISTS ");
	rc = kf_db_quote_table(db, &b, table, err);
	if (rc)
		goto out_free;
	kf_db_sql_str(&b, " (");
	for (i = 0; i < ncols; i++) {
		if (kf_db_quote_ident(db, &b, cols[i].name)) {
			rc = kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_EINVAL,
					 "column name '%.80s' of table %s is "
					 "not 1 to 63 bytes",
					 cols[i].name, table);
			goto out_free;
		}
		kf_db_sql_str(&b, " ");
		kf_db_sql_str(&b, kf_db_type_name(db, &cols[i],
						  kf__db_is_key(key, nkey, i),
						  tbuf, sizeof(tbuf)));
		if (cols[i].required || kf__db_is_key(key, nkey, i))
			kf_db_sql_str(&b, " NOT NULL");
		kf_db_sql_str(&b, ", ");
	}
	b.len -= 2; /* the last ", " */
	if (nkey) {
		kf_db_sql_str(&b, ", PRIMARY KEY (");
		kf__db_col_list(db, &b, cols, key, nkey, "");
		kf_db_sql_str(&b, ")");
	}
	kf_db_sql_str(&b, ")");
	kf_db_sql_str(&b, db->ops->create_suffix);
	if (b.failed) {
		rc = kf__db_nomem(err, "CREATE TABLE");
		goto out_free;
	}
	rc = kf_db_exec(db, b.p, NULL, err);
out_free:
	kf_db_sql_free(&b);
	return rc;
}

struct kf__db_colread {
	kf_db_column_t *cols;
	size_t n, cap;
};

static int kf__db_colrow(void *arg, size_t ncols, const char *const *vals,
			 const size_t *lens)
{
	struct kf__db_colread *r = arg;
	kf_db_column_t *c;

	(void)lens;
	if (ncols != 3 || !vals[0] || !vals[1] || !vals[2])
		return KF_EPROTO;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		kf_db_column_t *p = realloc(r->cols, cap * sizeof(*p));

		if (!p)
			return KF_ENOMEM;
		r->cols = p;
		r->cap = cap;
	}
	c = &r->cols[r->n];
	c->name = strdup(vals[0]);
	c->type = strdup(vals[1]);
	c->nullable = strcmp(vals[2], "YES") == 0;
	if (!c->name || !c->type) {
		free(c->name);
		free(c->type);
		return KF_ENOMEM;
	}
	r->n++;
	return 0;
}

int kf_db_columns(kf_db_t *db, const char *table, kf_db_column_t **out,
		  size_t *n, kf_db_err_t *err)
{
	struct kf__db_colread r = {0};
	kf_db_sql_t b = {0};
	const char *dot = strchr(table, '.');
	const char *name = dot ? dot + 1 : table;
	int rc;

	*out = NULL;
	*n = 0;
	kf_db_sql_str(&b, "SELECT column_name, data_type, is_nullable FROM "
			  "information_schema.columns WHERE table_schema = ");
	if (dot)
		kf_db_quote_literal(db, &b, table, (size_t)(dot - table));
	else
		kf_db_sql_str(&b, db->ops->current_schema);
	kf_db_sql_str(&b, " AND table_name = ");
	kf_db_quote_literal(db, &b, name, strlen(name));
	kf_db_sql_str(&b, " ORDER BY ordinal_position");
	if (b.failed) {
		rc = kf__db_nomem(err, "a columns query");
		goto out_free;
	}
	rc = kf_db_query(db, b.p, kf__db_colrow, &r, err);
	if (rc == KF_EPROTO || rc == KF_ENOMEM) /* from kf__db_colrow */
		rc = kf__db_fail(err, KF_DB_E_FATAL, NULL, rc,
				 "reading the columns of %s from "
				 "information_schema: %s",
				 table, kf_strerror(rc));
	if (rc) {
		kf_db_columns_free(r.cols, r.n);
		goto out_free;
	}
	*out = r.cols;
	*n = r.n;
out_free:
	kf_db_sql_free(&b);
	return rc;
}

void kf_db_columns_free(kf_db_column_t *cols, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(cols[i].name);
		free(cols[i].type);
	}
	free(cols);
}

/* ---- writes */

static int kf__db_need_tx(kf_db_t *db, const char *what, kf_db_err_t *err)
{
	if (db->in_tx)
		return 0;
	return kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_EINVAL,
			   "%s outside a transaction: call kf_db_begin first",
			   what);
}

int kf_db_write(kf_db_t *db, const char *table, const kf_column_t *cols,
		size_t ncols, const kf_value_t *const *rows, size_t nrows,
		enum kf_db_mode mode, const int *key, size_t nkey,
		kf_db_err_t *err)
{
	int rc = kf__db_need_tx(db, "kf_db_write", err);

	if (rc)
		return rc;
	if (mode == KF_DB_UPSERT && nkey == 0)
		return kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_EINVAL,
				   "upsert into %s needs key columns (--key)",
				   table);
	if (nrows == 0 || ncols == 0)
		return 0;
	return db->ops->write(db, table, cols, ncols, rows, nrows, mode, key,
			      nkey, err);
}

int kf_db_delete(kf_db_t *db, const char *table, const kf_column_t *keycols,
		 size_t nkey, const kf_value_t *const *rows, size_t nrows,
		 kf_db_err_t *err)
{
	int rc = kf__db_need_tx(db, "kf_db_delete", err);

	if (rc)
		return rc;
	if (nkey == 0)
		return kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_EINVAL,
				   "delete from %s needs key columns", table);
	if (nrows == 0)
		return 0;
	return db->ops->del(db, table, keycols, nkey, rows, nrows, err);
}

struct kf__db_iso {
	kf_db_t *db;
	const char *table;
	const kf_column_t *cols;
	size_t ncols;
	const kf_value_t *const *rows;
	enum kf_db_mode mode;
	const int *key;
	size_t nkey;
	kf_db_refused_t *refused;
	size_t nrefused, cap;
	int load_data_off; /* db->load_data cleared for the halves */
};

static int kf__db_iso_refuse(struct kf__db_iso *s, size_t row,
			     const kf_db_err_t *why, kf_db_err_t *err)
{
	if (s->nrefused == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		kf_db_refused_t *p = realloc(s->refused, cap * sizeof(*p));

		if (!p)
			return kf__db_nomem(err, "the list of refused rows");
		s->refused = p;
		s->cap = cap;
	}
	s->refused[s->nrefused].row = row;
	s->refused[s->nrefused].err = *why;
	s->nrefused++;
	return 0;
}

/* Writes rows [lo, lo + n) under savepoint kf_iso_<depth> (MariaDB
 * replaces a savepoint of the same name, so nested ones differ). */
static int kf__db_iso(struct kf__db_iso *s, size_t lo, size_t n, int depth,
		      kf_db_err_t *err)
{
	kf_db_err_t why = {0};
	char sp[32];
	int rc;

	snprintf(sp, sizeof(sp), "kf_iso_%d", depth);
	rc = kf_db_savepoint(s->db, sp, err);
	if (rc)
		return rc;
	rc = s->db->ops->write(s->db, s->table, s->cols, s->ncols, s->rows + lo,
			       n, s->mode, s->key, s->nkey, &why);
	if (rc == 0)
		return kf_db_release(s->db, sp, err);
	if (why.cls != KF_DB_E_DATA) {
		if (err)
			*err = why;
		return rc;
	}
	rc = kf_db_rollback_to(s->db, sp, err);
	if (rc == 0)
		rc = kf_db_release(s->db, sp, err);
	if (rc)
		return rc;
	if (n == 1)
		return kf__db_iso_refuse(s, lo, &why, err);
	/* MariaDB's LOAD DATA fell back to INSERT for the batch; it would
	 * only fall back again for every half: the halves go by INSERT */
	if (s->db->load_data) {
		s->db->load_data = 0;
		s->load_data_off = 1;
	}
	rc = kf__db_iso(s, lo, n / 2, depth + 1, err);
	if (rc == 0)
		rc = kf__db_iso(s, lo + n / 2, n - n / 2, depth + 1, err);
	return rc;
}

int kf_db_write_isolating(kf_db_t *db, const char *table,
			  const kf_column_t *cols, size_t ncols,
			  const kf_value_t *const *rows, size_t nrows,
			  enum kf_db_mode mode, const int *key, size_t nkey,
			  kf_db_refused_t **refused, size_t *nrefused,
			  kf_db_err_t *err)
{
	struct kf__db_iso s = {.db = db,
			       .table = table,
			       .cols = cols,
			       .ncols = ncols,
			       .rows = rows,
			       .mode = mode,
			       .key = key,
			       .nkey = nkey};
	int rc;

	*refused = NULL;
	*nrefused = 0;
	rc = kf__db_need_tx(db, "kf_db_write_isolating", err);
	if (rc)
		return rc;
	if (mode == KF_DB_UPSERT && nkey == 0)
		return kf_db_write(db, table, cols, ncols, rows, nrows, mode,
				   key, nkey, err); /* its error */
	if (nrows == 0 || ncols == 0)
		return 0;
	rc = kf__db_iso(&s, 0, nrows, 0, err);
	if (s.load_data_off)
		db->load_data = 1;
	if (rc) {
		free(s.refused);
		return rc;
	}
	*refused = s.refused;
	*nrefused = s.nrefused;
	return 0;
}
