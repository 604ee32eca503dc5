/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PostgreSQL backend of kf_db_t (libpq): COPY in text format, a
 * temporary staging table per (table, columns) for upserts and deletes,
 * errors classified by SQLSTATE class (docs/sink.md 4.2, 4.4).
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/backend.h"
#include "db/render.h"

/* COPY data goes to libpq in pieces of about this size. */
#define KF__PG_COPY_CHUNK (256 * 1024)

static PGconn *kf__pg(kf_db_t *db)
{
	return db->conn;
}

/* The server's message on one line: "ERROR:  x\nDETAIL:  y\n" -> "x;
 * DETAIL: y". */
static void kf__pg_oneline(const char *msg, char *out, size_t size)
{
	size_t n = 0;

	if (strncmp(msg, "ERROR:  ", 8) == 0 ||
	    strncmp(msg, "FATAL:  ", 8) == 0)
		msg += 8;
	for (; *msg && n + 1 < size; msg++) {
		if (*msg == '\n') {
			if (!msg[1])
				break;
			if (n + 3 >= size)
				break;
			out[n++] = ';';
			out[n++] = ' ';
			while (msg[1] == '\t' || msg[1] == ' ')
				msg++; /* libpq indents continuation lines */
			continue;
		}
		out[n++] = *msg;
	}
	out[n] = '\0';
}

/* The class of a SQLSTATE (docs/sink.md 4.4) and the KF code it maps to. */
static enum kf_db_eclass kf__pg_class(const char *state, int *code)
{
	*code = KF_EIO;
	if (!strncmp(state, "22", 2) || !strncmp(state, "23", 2) ||
	    !strncmp(state, "21", 2)) /* 21000: ON CONFLICT hit a row twice */
		return KF_DB_E_DATA;
	if (!strncmp(state, "08", 2) || !strncmp(state, "57P0", 4))
		return KF_DB_E_CONN;
	if (!strncmp(state, "40", 2) || !strcmp(state, "55P03") ||
	    !strncmp(state, "53", 2))
		return KF_DB_E_RETRY;
	if (!strncmp(state, "28", 2))
		*code = KF_EAUTH;
	else if (!strcmp(state, "42501"))
		*code = KF_EACCESS;
	return KF_DB_E_FATAL;
}

/* Fills err from res (NULL: the connection's error) and frees res. */
static int kf__pg_error(kf_db_t *db, PGresult *res, const char *what,
			kf_db_err_t *err)
{
	const char *state =
		res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : "";
	enum kf_db_eclass cls = KF_DB_E_CONN;
	char line[400];
	int code = KF_EIO;

	if (!*msg)
		msg = PQerrorMessage(kf__pg(db));
	kf__pg_oneline(msg, line, sizeof(line));
	if (state && PQstatus(kf__pg(db)) == CONNECTION_OK)
		cls = kf__pg_class(state, &code);
	code = kf__db_fail(err, cls, state, code, "PostgreSQL: %.60s: %s%s%s%s",
			   what, state ? "SQLSTATE " : "", state ? state : "",
			   state ? ": " : "", line);
	PQclear(res);
	return code;
}

static void kf__pg_close(kf_db_t *db)
{
	PQfinish(kf__pg(db));
}

static int kf__pg_exec_what(kf_db_t *db, const char *sql, int64_t *affected,
			    const char *what, kf_db_err_t *err)
{
	PGresult *res = PQexec(kf__pg(db), sql);
	ExecStatusType st = PQresultStatus(res);

	if (!res || (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK))
		return kf__pg_error(db, res, what, err);
	/* COMMIT of a transaction that failed "succeeds" as a ROLLBACK:
	 * the caller must not believe its rows are there */
	if (!strcmp(sql, "COMMIT") && !strcmp(PQcmdStatus(res), "ROLLBACK")) {
		PQclear(res);
		return kf__db_fail(
			err, KF_DB_E_FATAL, NULL, KF_EIO,
			"PostgreSQL: COMMIT rolled back: a statement "
			"of the transaction had failed");
	}
	if (affected)
		*affected = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return 0;
}

static int kf__pg_exec(kf_db_t *db, const char *sql, size_t len,
		       int64_t *affected, kf_db_err_t *err)
{
	char what[64];

	(void)len; /* PQexec reads up to the NUL */
	snprintf(what, sizeof(what), "%.48s", sql);
	return kf__pg_exec_what(db, sql, affected, what, err);
}

static int kf__pg_exec_params(kf_db_t *db, const char *sql, int n,
			      const uint32_t *types, const char *const *vals,
			      int64_t *affected, kf_db_err_t *err)
{
	PGresult *res;
	Oid *oids = NULL;
	int i;

	if (types) {
		oids = calloc((size_t)n + 1, sizeof(*oids));
		if (!oids)
			return kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_ENOMEM,
					   "out of memory");
		for (i = 0; i < n; i++)
			oids[i] = (Oid)types[i];
	}
	res = PQexecParams(kf__pg(db), sql, n, oids, vals, NULL, NULL, 0);
	free(oids);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		return kf__pg_error(db, res, sql, err);
	if (affected)
		*affected = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return 0;
}

static int kf__pg_query(kf_db_t *db, const char *sql, kf_db_row_cb cb,
			void *arg, kf_db_err_t *err)
{
	PGresult *res = PQexec(kf__pg(db), sql);
	int nf, nt, i, j, rc = 0;
	const char **vals;
	size_t *lens;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return kf__pg_error(db, res, "query", err);
	nf = PQnfields(res);
	nt = PQntuples(res);
	vals = calloc((size_t)nf + 1, sizeof(*vals));
	lens = calloc((size_t)nf + 1, sizeof(*lens));
	if (!vals || !lens) {
		rc = kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_ENOMEM,
				 "out of memory reading a query's rows");
		goto out_free;
	}
	for (i = 0; i < nt && rc == 0; i++) {
		for (j = 0; j < nf; j++) {
			vals[j] = PQgetisnull(res, i, j)
					  ? NULL
					  : PQgetvalue(res, i, j);
			lens[j] = (size_t)PQgetlength(res, i, j);
		}
		rc = cb(arg, (size_t)nf, vals, lens);
	}
out_free:
	free(vals);
	free(lens);
	PQclear(res);
	return rc;
}

/* With standard_conforming_strings (set at connect), a backslash is an
 * ordinary character and a quote is doubled. */
static void kf__pg_quote_literal(kf_db_t *db, kf_db_sql_t *b, const char *s,
				 size_t n)
{
	size_t i;

	(void)db;
	kf_db_sql_add(b, "'", 1);
	for (i = 0; i < n; i++) {
		if (s[i] == '\'')
			kf_db_sql_add(b, "'", 1);
		kf_db_sql_add(b, s + i, 1);
	}
	kf_db_sql_add(b, "'", 1);
}

static const char *kf__pg_type_name(const kf_column_t *c, int key, char *buf,
				    size_t size)
{
	(void)key;
	switch (c->type) {
	case KF_T_BOOLEAN:
		return "boolean";
	case KF_T_INT8:
	case KF_T_INT16:
		return "smallint";
	case KF_T_INT32:
		return "integer";
	case KF_T_INT64:
		return "bigint";
	case KF_T_FLOAT32:
		return "real";
	case KF_T_FLOAT64:
		return "double precision";
	case KF_T_DECIMAL:
		if (c->precision <= 0)
			return "numeric";
		snprintf(buf, size, "numeric(%d,%d)", c->precision, c->scale);
		return buf;
	case KF_T_DATE:
		return "date";
	case KF_T_TIME:
		return "time(3)";
	case KF_T_TIMESTAMP:
		return "timestamp(3) without time zone";
	case KF_T_TEXT:
		return "text";
	case KF_T_BYTES:
		return "bytea";
	case KF_T_JSON:
		return "jsonb";
	}
	return "text";
}

/* ---- COPY text format */

/* Ends a COPY: with errmsg, aborts it (and returns 0: the caller has its
 * own error). Otherwise returns the COPY's result. */
static int kf__pg_copy_end(kf_db_t *db, const char *errmsg, const char *what,
			   kf_db_err_t *err)
{
	PGconn *c = kf__pg(db);
	PGresult *res, *extra;
	int rc = 0;

	if (PQputCopyEnd(c, errmsg) != 1)
		return kf__pg_error(db, NULL, what, err);
	res = PQgetResult(c);
	if (!errmsg && PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = kf__pg_error(db, res, what, err); /* clears res */
	else
		PQclear(res);
	while ((extra = PQgetResult(c)) != NULL) /* until the copy is over */
		PQclear(extra);
	return rc;
}

/* Runs copy_sql ("COPY x (cols) FROM STDIN") and sends the rows. */
static int kf__pg_copy(kf_db_t *db, const char *copy_sql,
		       const kf_column_t *cols, size_t ncols,
		       const kf_value_t *const *rows, size_t nrows,
		       const char *what, kf_db_err_t *err)
{
	PGconn *c = kf__pg(db);
	PGresult *res = PQexec(c, copy_sql);
	kf_db_sql_t b = {0};
	size_t i;
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COPY_IN)
		return kf__pg_error(db, res, what, err);
	PQclear(res);
	for (i = 0; i < nrows && rc == 0; i++) {
		rc = kf__db_text_row(&b, cols, ncols, rows[i], i,
				     KF_DB_POSTGRES, err);
		if (rc == 0 && b.failed)
			rc = kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_ENOMEM,
					 "out of memory building COPY data");
		if (rc == 0 && (b.len >= KF__PG_COPY_CHUNK || i + 1 == nrows)) {
			if (PQputCopyData(c, b.p, (int)b.len) != 1)
				rc = kf__pg_error(db, NULL, what, err);
			b.len = 0;
		}
	}
	kf_db_sql_free(&b);
	if (rc) {
		/* the row's error stays in err; end the COPY quietly */
		kf__pg_copy_end(db, "kferry: COPY abandoned", what, NULL);
		return rc;
	}
	return kf__pg_copy_end(db, NULL, what, err);
}

/* The name of the staging table of (table, columns, purpose): FNV-1a 64
 * of them, so that a table written with two column sets gets two. */
static void kf__pg_stage_name(const char *table, const kf_column_t *cols,
			      size_t ncols, const char *purpose, char out[40])
{
	uint64_t h = 1469598103934665603ULL;
	const char *parts[2] = {table, purpose};
	size_t i, k;

	for (i = 0; i < ncols + 2; i++) {
		const char *s = i < 2 ? parts[i] : cols[i - 2].name;

		for (k = 0; s[k]; k++)
			h = (h ^ (unsigned char)s[k]) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL; /* separator */
	}
	snprintf(out, 40, "kf_stage_%016llx", (unsigned long long)h);
}

/* Creates (once per session and transaction) the staging table stage
 * with the types of cols in table, copies rows into it. */
static int kf__pg_stage(kf_db_t *db, const char *table, const char *stage,
			const kf_column_t *cols, size_t ncols,
			const kf_value_t *const *rows, size_t nrows,
			kf_db_err_t *err)
{
	kf_db_sql_t b = {0};
	int rc;

	/* the target's column types, none of its constraints: the target
	 * checks them at the INSERT, where a refusal is a row's */
	kf_db_sql_str(&b, "CREATE TEMP TABLE IF NOT EXISTS ");
	kf_db_sql_str(&b, stage);
	kf_db_sql_str(&b, " ON COMMIT DELETE ROWS AS SELECT ");
	kf__db_col_list(db, &b, cols, NULL, ncols, "");
	kf_db_sql_str(&b, " FROM ");
	rc = kf_db_quote_table(db, &b, table, err);
	if (rc)
		goto out_free;
	kf_db_sql_str(&b, " WITH NO DATA");
	if (b.failed)
		goto out_nomem;
	rc = kf__pg_exec_what(db, b.p, NULL, table, err);
	if (rc)
		goto out_free;
	b.len = 0;
	kf_db_sql_str(&b, "COPY ");
	kf_db_sql_str(&b, stage);
	kf_db_sql_str(&b, " FROM STDIN");
	if (b.failed)
		goto out_nomem;
	rc = kf__pg_copy(db, b.p, cols, ncols, rows, nrows, table, err);
	goto out_free;
out_nomem:
	rc = kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_ENOMEM,
			 "out of memory staging rows for %s", table);
out_free:
	kf_db_sql_free(&b);
	return rc;
}

/* Runs sql (built in b) then empties stage for the next use. */
static int kf__pg_apply_staged(kf_db_t *db, kf_db_sql_t *b, const char *stage,
			       const char *table, kf_db_err_t *err)
{
	char trunc[64];
	int rc;

	if (b->failed)
		return kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_ENOMEM,
				   "out of memory building a statement for %s",
				   table);
	rc = kf__pg_exec_what(db, b->p, NULL, table, err);
	if (rc)
		return rc;
	snprintf(trunc, sizeof(trunc), "TRUNCATE %s", stage);
	return kf__pg_exec_what(db, trunc, NULL, table, err);
}

static int kf__pg_write(kf_db_t *db, const char *table, const kf_column_t *cols,
			size_t ncols, const kf_value_t *const *rows,
			size_t nrows, enum kf_db_mode mode, const int *key,
			size_t nkey, kf_db_err_t *err)
{
	kf_db_sql_t b = {0};
	char stage[40];
	int rc;

	if (mode == KF_DB_INSERT) { /* no conflict to resolve: COPY straight */
		kf_db_sql_str(&b, "COPY ");
		rc = kf_db_quote_table(db, &b, table, err);
		if (rc)
			goto out_free;
		kf_db_sql_str(&b, " (");
		kf__db_col_list(db, &b, cols, NULL, ncols, "");
		kf_db_sql_str(&b, ") FROM STDIN");
		if (b.failed)
			goto out_nomem;
		rc = kf__pg_copy(db, b.p, cols, ncols, rows, nrows, table, err);
		goto out_free;
	}
	kf__pg_stage_name(table, cols, ncols, "upsert", stage);
	rc = kf__pg_stage(db, table, stage, cols, ncols, rows, nrows, err);
	if (rc)
		goto out_free;
	kf_db_sql_str(&b, "INSERT INTO ");
	kf_db_quote_table(db, &b, table, NULL);
	kf_db_sql_str(&b, " (");
	kf__db_col_list(db, &b, cols, NULL, ncols, "");
	kf_db_sql_str(&b, ") SELECT * FROM ");
	kf_db_sql_str(&b, stage);
	kf_db_sql_str(&b, " ON CONFLICT (");
	kf__db_col_list(db, &b, cols, key, nkey, "");
	if (!kf__db_set_list(db, &b, ") DO UPDATE SET ", cols, ncols, key, nkey,
			     "EXCLUDED.", ""))
		kf_db_sql_str(&b, ") DO NOTHING"); /* the key is every column */
	rc = kf__pg_apply_staged(db, &b, stage, table, err);
	goto out_free;
out_nomem:
	rc = kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_ENOMEM,
			 "out of memory building a COPY for %s", table);
out_free:
	kf_db_sql_free(&b);
	return rc;
}

static int kf__pg_del(kf_db_t *db, const char *table,
		      const kf_column_t *keycols, size_t nkey,
		      const kf_value_t *const *rows, size_t nrows,
		      kf_db_err_t *err)
{
	kf_db_sql_t b = {0};
	char stage[40];
	size_t i;
	int rc;

	kf__pg_stage_name(table, keycols, nkey, "delete", stage);
	rc = kf__pg_stage(db, table, stage, keycols, nkey, rows, nrows, err);
	if (rc)
		return rc;
	kf_db_sql_str(&b, "DELETE FROM ");
	kf_db_quote_table(db, &b, table, NULL);
	kf_db_sql_str(&b, " AS kf_t USING ");
	kf_db_sql_str(&b, stage);
	kf_db_sql_str(&b, " AS kf_s WHERE ");
	for (i = 0; i < nkey; i++) {
		if (i)
			kf_db_sql_str(&b, " AND ");
		kf__db_col_list(db, &b, &keycols[i], NULL, 1, "kf_t.");
		kf_db_sql_str(&b, " = ");
		kf__db_col_list(db, &b, &keycols[i], NULL, 1, "kf_s.");
	}
	rc = kf__pg_apply_staged(db, &b, stage, table, err);
	kf_db_sql_free(&b);
	return rc;
}

static const kf_db_ops_t kf__pg_ops = {
	.name = "PostgreSQL",
	.quote = '"',
	.close = kf__pg_close,
	.exec = kf__pg_exec,
	.query = kf__pg_query,
	.exec_params = kf__pg_exec_params,
	.quote_literal = kf__pg_quote_literal,
	.type_name = kf__pg_type_name,
	.create_suffix = "",
	.current_schema = "current_schema()",
	.write = kf__pg_write,
	.del = kf__pg_del,
};

/* ---- connecting */

static void kf__pg_notice(void *arg, const char *msg)
{
	/* "relation ... already exists, skipping" of the staging tables */
	(void)arg;
	(void)msg;
}

/* A password inside the URL or keyword string would show in `ps` and in
 * logs (docs/sink.md 6). */
static int kf__pg_check_url(const char *url, char *errstr, size_t errstr_size)
{
	PQconninfoOption *opts, *o;
	char *emsg = NULL;
	int rc = 0;

	opts = PQconninfoParse(url, &emsg);
	if (!opts) {
		char line[256];

		kf__pg_oneline(emsg ? emsg : "out of memory", line,
			       sizeof(line));
		PQfreemem(emsg);
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "database URL: %s", line);
	}
	for (o = opts; o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val && *o->val)
			rc = kf_seterr(
				errstr, errstr_size, KF_EINVAL,
				"the database URL holds a password, which "
				"would show in ps and in logs: remove it "
				"and give it as sink.db_password = "
				"file:PATH or env:NAME (or in PGPASSFILE)");
	PQconninfoFree(opts);
	return rc;
}

/* Why a connection failed, from libpq's text (it has no SQLSTATE then). */
static int kf__pg_connect_error(PGconn *c, char *errstr, size_t errstr_size)
{
	const char *msg = PQerrorMessage(c);
	char line[400];
	int code = KF_EIO;

	kf__pg_oneline(msg, line, sizeof(line));
	if (PQconnectionNeedsPassword(c) || strstr(msg, "authentication") ||
	    strstr(msg, "pg_hba.conf") || strstr(msg, "password") ||
	    (strstr(msg, "role \"") && strstr(msg, "does not exist")))
		code = KF_EAUTH;
	else if (strstr(msg, "database \"") && strstr(msg, "does not exist"))
		code = KF_EINVAL;
	return kf_seterr(errstr, errstr_size, code, "PostgreSQL: %s: %s%s",
			 code == KF_EAUTH    ? "login refused"
			 : code == KF_EINVAL ? "no such database"
					     : "cannot connect",
			 line,
			 code == KF_EIO ? " (is the server up, the host and "
					  "port right?)"
					: "");
}

int kf__db_pg_open(const char *url, const char *password, kf_db_t *db,
		   char *errstr, size_t errstr_size)
{
	/* later keywords override the URL's: connect_timeout is a default
	 * the URL may change, client_encoding is ours */
	const char *kw[] = {
		"connect_timeout", "dbname",   "fallback_application_name",
		"client_encoding", "password", NULL};
	const char *val[] = {"10", url, "kferry", "UTF8", password, NULL};
	const char *enc;
	kf_db_err_t e;
	PGconn *c;
	int rc;

	rc = kf__pg_check_url(url, errstr, errstr_size);
	if (rc)
		return rc;
	if (!password)
		kw[4] = NULL;
	c = PQconnectdbParams(kw, val, 1);
	if (!c)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory connecting to PostgreSQL");
	if (PQstatus(c) != CONNECTION_OK) {
		rc = kf__pg_connect_error(c, errstr, errstr_size);
		PQfinish(c);
		return rc;
	}
	PQsetNoticeProcessor(c, kf__pg_notice, NULL);
	db->ops = &kf__pg_ops;
	db->dialect = KF_DB_POSTGRES;
	db->conn = c;
	enc = PQparameterStatus(c, "server_encoding");
	if (!enc || strcmp(enc, "UTF8") != 0) {
		PQfinish(c);
		return kf_seterr(
			errstr, errstr_size, KF_EINVAL,
			"PostgreSQL: the database's server_encoding is "
			"%s, not UTF8: text would not round-trip; "
			"create it with ENCODING 'UTF8'",
			enc ? enc : "unknown");
	}
	rc = kf__pg_exec_what(
		db,
		"SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; "
		"SET standard_conforming_strings = on; "
		"SET default_transaction_isolation = "
		"'read committed'",
		NULL, "session setup", &e);
	if (rc) {
		PQfinish(c);
		return kf_seterr(errstr, errstr_size, rc, "%s", e.msg);
	}
	return 0;
}
