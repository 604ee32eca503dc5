/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MariaDB backend of kf_db_t (Connector/C): multi-row INSERT [ON
 * DUPLICATE KEY UPDATE] and DELETE ... IN statements cut at the server's
 * max_allowed_packet, values escaped on the connection's character set
 * (utf8mb4), errors classified by error number (docs/sink.md 4.3, 4.4).
 */
#include <mysql.h>
#include <mysqld_error.h>
#include <errmsg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "db/backend.h"
#include "db/render.h"

/* Statements stay below max_allowed_packet by this margin, and below
 * this size whatever the server allows (memory per statement). */
#define KF__MY_PACKET_MARGIN 1024
#define KF__MY_STMT_MAX (16u << 20)
#define KF__MY_STMT_MIN (64u << 10)

static MYSQL *kf__my(kf_db_t *db)
{
	return db->conn;
}

static int kf__my_in(unsigned e, const unsigned *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == e)
			return 1;
	return 0;
}

#define KF__MY_IN(e, list) kf__my_in(e, list, sizeof(list) / sizeof(list[0]))

/* The class of an error number (docs/sink.md 4.4) and its KF code. */
static enum kf_db_eclass kf__my_class(unsigned e, int *code)
{
	static const unsigned data[] = {ER_BAD_NULL_ERROR,
					ER_DUP_ENTRY,
					ER_DUP_ENTRY_WITH_KEY_NAME,
					ER_WARN_DATA_OUT_OF_RANGE,
					1265 /* ER_WARN_DATA_TRUNCATED */,
					ER_TRUNCATED_WRONG_VALUE,
					ER_INVALID_CHARACTER_STRING,
					ER_NO_DEFAULT_FOR_FIELD,
					ER_TRUNCATED_WRONG_VALUE_FOR_FIELD,
					ER_DATA_TOO_LONG,
					ER_WRONG_VALUE_FOR_TYPE,
					ER_ROW_IS_REFERENCED_2,
					ER_NO_REFERENCED_ROW_2,
					ER_DATA_OUT_OF_RANGE,
					ER_CONSTRAINT_FAILED};
	static const unsigned conn[] = {CR_CONNECTION_ERROR,
					CR_CONN_HOST_ERROR,
					CR_UNKNOWN_HOST,
					CR_SERVER_GONE_ERROR,
					CR_SERVER_LOST,
					CR_SERVER_LOST_EXTENDED,
					ER_SERVER_SHUTDOWN,
					ER_CONNECTION_KILLED,
					ER_NET_READ_ERROR,
					1159 /* ER_NET_READ_INTERRUPTED */,
					1160 /* ER_NET_ERROR_ON_WRITE */,
					1161 /* ER_NET_WRITE_INTERRUPTED */};
	static const unsigned retry[] = {ER_LOCK_WAIT_TIMEOUT, ER_LOCK_DEADLOCK,
					 ER_DISK_FULL, 1040 /* too many
							     connections */};
	static const unsigned access[] = {
		ER_DBACCESS_DENIED_ERROR, ER_TABLEACCESS_DENIED_ERROR,
		ER_COLUMNACCESS_DENIED_ERROR, ER_SPECIFIC_ACCESS_DENIED_ERROR};

	*code = KF_EIO;
	if (KF__MY_IN(e, data))
		return KF_DB_E_DATA;
	if (KF__MY_IN(e, conn))
		return KF_DB_E_CONN;
	if (KF__MY_IN(e, retry))
		return KF_DB_E_RETRY;
	if (e == ER_ACCESS_DENIED_ERROR ||
	    e == ER_ACCESS_DENIED_NO_PASSWORD_ERROR)
		*code = KF_EAUTH;
	else if (KF__MY_IN(e, access))
		*code = KF_EACCESS;
	else if (e == 1049) /* ER_BAD_DB_ERROR: no such database */
		*code = KF_EINVAL;
	return KF_DB_E_FATAL;
}

static int kf__my_error(kf_db_t *db, const char *what, kf_db_err_t *err)
{
	MYSQL *m = kf__my(db);
	unsigned e = mysql_errno(m);
	char num[8];
	int code;
	enum kf_db_eclass cls = kf__my_class(e, &code);

	snprintf(num, sizeof(num), "%u", e);
	return kf__db_fail(err, cls, num, code,
			   "MariaDB: %.60s: error %u (SQLSTATE %s): %s", what,
			   e, mysql_sqlstate(m), mysql_error(m));
}

static void kf__my_close(kf_db_t *db)
{
	mysql_close(kf__my(db));
}

static int kf__my_exec_what(kf_db_t *db, const char *sql, size_t len,
			    int64_t *affected, const char *what,
			    kf_db_err_t *err)
{
	MYSQL *m = kf__my(db);
	MYSQL_RES *res;

	if (mysql_real_query(m, sql, len))
		return kf__my_error(db, what, err);
	res = mysql_store_result(m); /* a statement may return rows */
	if (!res && mysql_field_count(m))
		return kf__my_error(db, what, err);
	if (affected)
		*affected = res ? (int64_t)mysql_num_rows(res)
				: (int64_t)mysql_affected_rows(m);
	mysql_free_result(res);
	return 0;
}

static int kf__my_exec(kf_db_t *db, const char *sql, size_t len,
		       int64_t *affected, kf_db_err_t *err)
{
	char what[64];

	snprintf(what, sizeof(what), "%.48s", sql);
	return kf__my_exec_what(db, sql, len, affected, what, err);
}

static int kf__my_query(kf_db_t *db, const char *sql, kf_db_row_cb cb,
			void *arg, kf_db_err_t *err)
{
	MYSQL *m = kf__my(db);
	MYSQL_RES *res;
	MYSQL_ROW row;
	unsigned nf, j;
	size_t *lens;
	int rc = 0;

	if (mysql_real_query(m, sql, strlen(sql)))
		return kf__my_error(db, "query", err);
	res = mysql_store_result(m);
	if (!res)
		return kf__my_error(db, "query", err);
	nf = mysql_num_fields(res);
	lens = calloc((size_t)nf + 1, sizeof(*lens));
	if (!lens) {
		mysql_free_result(res);
		return kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_ENOMEM,
				   "out of memory reading a query's rows");
	}
	while (rc == 0 && (row = mysql_fetch_row(res)) != NULL) {
		unsigned long *l = mysql_fetch_lengths(res);

		for (j = 0; j < nf; j++)
			lens[j] = l[j];
		/* the text protocol ends every field with a NUL */
		rc = cb(arg, nf, (const char *const *)row, lens);
	}
	free(lens);
	mysql_free_result(res);
	return rc;
}

static void kf__my_quote_literal(kf_db_t *db, kf_db_sql_t *b, const char *s,
				 size_t n)
{
	if (kf__db_sql_reserve(b, 2 * n + 2))
		return;
	b->p[b->len++] = '\'';
	b->len += mysql_real_escape_string(kf__my(db), b->p + b->len, s,
					   (unsigned long)n);
	b->p[b->len++] = '\'';
	b->p[b->len] = '\0';
}

static const char *kf__my_type_name(const kf_column_t *c, int key, char *buf,
				    size_t size)
{
	switch (c->type) {
	case KF_T_BOOLEAN:
		return "BOOLEAN";
	case KF_T_INT8:
		return "TINYINT";
	case KF_T_INT16:
		return "SMALLINT";
	case KF_T_INT32:
		return "INT";
	case KF_T_INT64:
		return "BIGINT";
	case KF_T_FLOAT32:
		return "FLOAT";
	case KF_T_FLOAT64:
		return "DOUBLE";
	case KF_T_DECIMAL:
		snprintf(buf, size, "DECIMAL(%d,%d)",
			 c->precision > 0 ? c->precision : 65, c->scale);
		return buf;
	case KF_T_DATE:
		return "DATE";
	case KF_T_TIME:
		return "TIME(3)";
	case KF_T_TIMESTAMP:
		return "DATETIME(3)";
	case KF_T_TEXT: /* InnoDB indexes at most 3072 bytes of a key */
		return key ? "VARCHAR(255)" : "LONGTEXT";
	case KF_T_BYTES:
		return key ? "VARBINARY(255)" : "LONGBLOB";
	case KF_T_JSON:
		return "JSON";
	}
	return "LONGTEXT";
}

/* 1 when v (not null) has the type of its column t where the type is a
 * span (text, json, bytes), which the renderers read without a check. */
static int kf__my_span_ok(enum kf_type t, const kf_value_t *v)
{
	return !(t == KF_T_TEXT || t == KF_T_JSON || t == KF_T_BYTES) ||
	       v->type == t;
}

/* Appends one row's values as "(v, v, ...)"; -1 (err set) when a value's
 * type is not its column's. */
static int kf__my_row(kf_db_t *db, kf_db_sql_t *b, const kf_column_t *cols,
		      size_t ncols, const kf_value_t *row, size_t rowno,
		      kf_db_err_t *err)
{
	char txt[KF_DB_FMT_MAX];
	size_t j;
	int n, quoted;

	kf_db_sql_add(b, "(", 1);
	for (j = 0; j < ncols; j++) {
		const kf_value_t *v = &row[j];
		enum kf_type t = cols[j].type;

		if (j)
			kf_db_sql_add(b, ", ", 2);
		if (v->null) {
			kf_db_sql_add(b, "NULL", 4);
			continue;
		}
		if (!kf__my_span_ok(t, v))
			return kf__db_mismatch(cols, row, j, rowno, err);
		if (t == KF_T_TEXT || t == KF_T_JSON) {
			if (cols[j].sqltype == KF_SQL_BITS) /* b'0101' */
				kf_db_sql_add(b, "b", 1);
			kf__my_quote_literal(db, b, v->u.s.ptr, v->u.s.len);
		} else if (t == KF_T_BYTES) {
			kf_db_sql_add(b, "X'", 2);
			kf__db_hex_add(b, v->u.s.ptr, v->u.s.len);
			kf_db_sql_add(b, "'", 1);
		} else {
			n = kf_db_fmt_scalar(&cols[j], v, KF_DB_MARIADB, txt);
			if (n < 0)
				return kf__db_mismatch(cols, row, j, rowno,
						       err);
			/* dates and times are strings */
			quoted = t >= KF_T_DATE || cols[j].sqltype;
			if (quoted)
				kf_db_sql_add(b, "'", 1);
			kf_db_sql_add(b, txt, (size_t)n);
			if (quoted)
				kf_db_sql_add(b, "'", 1);
		}
	}
	kf_db_sql_add(b, ")", 1);
	return 0;
}

/* Sends head + "row, row, ..." + tail in as few statements as fit in
 * db->max_stmt (a single row longer than that goes alone). */
static int kf__my_batched(kf_db_t *db, const char *table,
			  const kf_db_sql_t *head, const char *tail,
			  const kf_column_t *cols, size_t ncols,
			  const kf_value_t *const *rows, size_t nrows,
			  kf_db_err_t *err)
{
	size_t tail_len = strlen(tail), i, in_stmt = 0;
	kf_db_sql_t stmt = {0}, row = {0};
	int rc = 0;

	kf_db_sql_add(&stmt, head->p, head->len);
	for (i = 0; i < nrows && rc == 0; i++) {
		row.len = 0;
		rc = kf__my_row(db, &row, cols, ncols, rows[i], i, err);
		if (rc)
			break;
		if (in_stmt &&
		    stmt.len + 1 + row.len + tail_len > db->max_stmt) {
			kf_db_sql_add(&stmt, tail, tail_len);
			if (stmt.failed)
				break;
			rc = kf__my_exec_what(db, stmt.p, stmt.len, NULL, table,
					      err);
			stmt.len = head->len;
			in_stmt = 0;
		}
		if (in_stmt++)
			kf_db_sql_add(&stmt, ",", 1);
		kf_db_sql_add(&stmt, row.p, row.len);
		if (row.failed)
			stmt.failed = 1;
	}
	if (rc == 0 && !stmt.failed && in_stmt) {
		kf_db_sql_add(&stmt, tail, tail_len);
		if (!stmt.failed)
			rc = kf__my_exec_what(db, stmt.p, stmt.len, NULL, table,
					      err);
	}
	if (rc == 0 && stmt.failed)
		rc = kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_ENOMEM,
				 "out of memory building a statement for %s",
				 table);
	kf_db_sql_free(&stmt);
	kf_db_sql_free(&row);
	return rc;
}

/* The multi-row INSERT path (docs/sink.md 4.3). */
static int kf__my_insert(kf_db_t *db, const char *table,
			 const kf_column_t *cols, size_t ncols,
			 const kf_value_t *const *rows, size_t nrows,
			 enum kf_db_mode mode, const int *key, size_t nkey,
			 kf_db_err_t *err)
{
	kf_db_sql_t head = {0}, tail = {0};
	const char *sep = " ON DUPLICATE KEY UPDATE ";
	int rc;

	kf_db_sql_str(&head, "INSERT INTO ");
	rc = kf_db_quote_table(db, &head, table, err);
	if (rc)
		goto out_free;
	kf_db_sql_str(&head, " (");
	kf__db_col_list(db, &head, cols, NULL, ncols, "");
	kf_db_sql_str(&head, ") VALUES ");
	kf_db_sql_str(&tail, "");
	if (mode == KF_DB_UPSERT &&
	    !kf__db_set_list(db, &tail, sep, cols, ncols, key, nkey, "VALUES(",
			     ")")) {
		/* the key is every column: a no-op update, "k = k" */
		kf_db_sql_str(&tail, sep);
		kf__db_col_list(db, &tail, cols, key, 1, "");
		kf_db_sql_str(&tail, " = ");
		kf__db_col_list(db, &tail, cols, key, 1, "");
	}
	if (head.failed || tail.failed)
		rc = kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_ENOMEM,
				 "out of memory building an INSERT for %s",
				 table);
	else
		rc = kf__my_batched(db, table, &head, tail.p, cols, ncols, rows,
				    nrows, err);
out_free:
	kf_db_sql_free(&head);
	kf_db_sql_free(&tail);
	return rc;
}

/* ---- LOAD DATA LOCAL INFILE from memory (docs/sink.md 4.3.1) */

/* The only name the handler serves, and only during its statement. */
#define KF__MY_LOAD_NAME "kferry-rows"
/* Rows are rendered this many bytes at a time (one row may be longer):
 * with 64 KiB pieces the server waited on the writer (bench/README.md). */
#define KF__MY_LOAD_CHUNK (1u << 20)
#define KF__MY_LOAD_SP "kf_load"

struct kf__my_load {
	const kf_column_t *cols;
	size_t ncols;
	const kf_value_t *const *rows;
	size_t nrows, next; /* next: the first row not rendered yet */
	kf_db_sql_t buf;    /* rendered rows, handed over from off on */
	size_t off;
	int rc; /* a row could not be rendered: its code, and err */
	kf_db_err_t err;
};

/* The handler's callbacks. userdata is the load of the running statement,
 * NULL between statements: any request then, or for another name, is
 * refused, so no file is ever opened whatever the server asks. */
static int kf__my_infile_init(void **ptr, const char *name, void *userdata)
{
	*ptr = userdata;
	return !userdata || strcmp(name, KF__MY_LOAD_NAME) != 0;
}

static int kf__my_infile_read(void *ptr, char *out, unsigned size)
{
	struct kf__my_load *l = ptr;
	size_t n;

	if (l->off == l->buf.len) {
		l->buf.len = 0;
		l->off = 0;
		while (l->next < l->nrows && l->buf.len < KF__MY_LOAD_CHUNK) {
			l->rc = kf__db_text_row(&l->buf, l->cols, l->ncols,
						l->rows[l->next], l->next,
						KF_DB_MARIADB, &l->err);
			if (l->rc)
				return -1;
			l->next++;
		}
		if (l->buf.failed) {
			l->rc = kf__db_fail(&l->err, KF_DB_E_FATAL, NULL,
					    KF_ENOMEM,
					    "out of memory rendering rows for "
					    "LOAD DATA");
			return -1;
		}
	}
	n = l->buf.len - l->off;
	if (n > size)
		n = size;
	memcpy(out, l->buf.p + l->off, n);
	l->off += n;
	return (int)n;
}

static void kf__my_infile_end(void *ptr)
{
	(void)ptr; /* the load's buffer is its writer's */
}

static int kf__my_infile_error(void *ptr, char *msg, unsigned size)
{
	const struct kf__my_load *l = ptr;

	snprintf(msg, size, "%s",
		 l && l->rc ? l->err.msg
			    : "kferry serves no file to the server: "
			      "only the rows of its own LOAD DATA");
	return CR_UNKNOWN_ERROR;
}

static void kf__my_infile_serve(MYSQL *m, struct kf__my_load *l)
{
	mysql_set_local_infile_handler(m, kf__my_infile_init,
				       kf__my_infile_read, kf__my_infile_end,
				       kf__my_infile_error, l);
}

/* 1 when LOAD DATA can write these columns as INSERT would. */
static int kf__my_loadable(const kf_db_t *db, const kf_column_t *cols,
			   size_t ncols)
{
	size_t j;

	if (!db->load_data)
		return 0;
	for (j = 0; j < ncols; j++)
		if (cols[j].sqltype == KF_SQL_BITS) /* b'...' literals */
			return 0;
	return 1;
}

/* LOAD DATA LOCAL INFILE 'kferry-rows' INTO TABLE t CHARACTER SET ...
 * (cols), binary columns through @kf_<j> and UNHEX. */
static int kf__my_load_sql(kf_db_t *db, kf_db_sql_t *b, const char *table,
			   const kf_column_t *cols, size_t ncols,
			   kf_db_err_t *err)
{
	char var[48]; /* " = UNHEX(@kf_" SIZE_MAX ")" */
	size_t j, nset = 0;
	int rc;

	kf_db_sql_str(b, "LOAD DATA LOCAL INFILE '" KF__MY_LOAD_NAME
			 "' INTO TABLE ");
	rc = kf_db_quote_table(db, b, table, err);
	if (rc)
		return rc;
	kf_db_sql_str(b, " CHARACTER SET utf8mb4 FIELDS TERMINATED BY X'09' "
			 "ESCAPED BY X'5C' LINES TERMINATED BY X'0A' (");
	for (j = 0; j < ncols; j++) {
		if (j)
			kf_db_sql_str(b, ", ");
		if (cols[j].type == KF_T_BYTES) {
			snprintf(var, sizeof(var), "@kf_%zu", j);
			kf_db_sql_str(b, var);
		} else {
			kf__db_col_list(db, b, &cols[j], NULL, 1, "");
		}
	}
	kf_db_sql_str(b, ")");
	for (j = 0; j < ncols; j++) {
		if (cols[j].type != KF_T_BYTES)
			continue;
		kf__db_col_list(db, b, &cols[j], NULL, 1,
				nset++ ? ", " : " SET ");
		snprintf(var, sizeof(var), " = UNHEX(@kf_%zu)", j);
		kf_db_sql_str(b, var);
	}
	if (b->failed)
		return kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_ENOMEM,
				   "out of memory building a LOAD DATA for %s",
				   table);
	return 0;
}

/* 0 when the failed LOAD DATA leaves the rows to the INSERT path, or
 * its error's code (err set). */
static int kf__my_load_failed(kf_db_t *db, const char *table,
			      const struct kf__my_load *l, kf_db_err_t *err)
{
	unsigned e = mysql_errno(kf__my(db));
	kf_db_err_t why = {0};
	int rc;

	if (l->rc) {
		if (err)
			*err = l->err;
		return l->rc;
	}
	if (e == ER_LOAD_INFILE_CAPABILITY_DISABLED ||
	    e == ER_NOT_ALLOWED_COMMAND) {
		kf_warn("db", "MariaDB: the server refuses LOAD DATA LOCAL "
			      "INFILE (local_infile is off): inserts go by "
			      "INSERT statements (docs/sink.md 4.3.1)");
		db->load_data = 0;
		return 0;
	}
	rc = kf__my_error(db, table, &why);
	if (why.cls == KF_DB_E_DATA)
		return 0;
	if (err)
		*err = why;
	return rc;
}

/* Writes rows by one LOAD DATA under a savepoint. 0 with *loaded 1: every
 * row went in as is; 0 with *loaded 0: nothing of it is left (the
 * savepoint rolled back) and the INSERT path is to write the rows. */
static int kf__my_load(kf_db_t *db, const char *table, const kf_column_t *cols,
		       size_t ncols, const kf_value_t *const *rows,
		       size_t nrows, int *loaded, kf_db_err_t *err)
{
	struct kf__my_load l = {
		.cols = cols, .ncols = ncols, .rows = rows, .nrows = nrows};
	kf_db_sql_t sql = {0};
	int rc, q;

	*loaded = 0;
	rc = kf__my_load_sql(db, &sql, table, cols, ncols, err);
	if (!rc)
		rc = kf_db_savepoint(db, KF__MY_LOAD_SP, err);
	if (rc)
		goto out;
	kf__my_infile_serve(kf__my(db), &l);
	q = mysql_real_query(kf__my(db), sql.p, (unsigned long)sql.len);
	kf__my_infile_serve(kf__my(db), NULL);
	if (q) {
		rc = kf__my_load_failed(db, table, &l, err);
		if (rc)
			goto out;
	}
	/* LOCAL loads as IGNORE would: a row cut, defaulted or skipped is a
	 * warning, never an error, so anything but every row and no warning
	 * goes again by INSERT, whose strict mode refuses it */
	*loaded = !q && mysql_affected_rows(kf__my(db)) == (uint64_t)nrows &&
		  mysql_warning_count(kf__my(db)) == 0;
	if (!*loaded)
		rc = kf_db_rollback_to(db, KF__MY_LOAD_SP, err);
	if (!rc)
		rc = kf_db_release(db, KF__MY_LOAD_SP, err);
out:
	kf_db_sql_free(&sql);
	kf_db_sql_free(&l.buf);
	return rc;
}

static int kf__my_write(kf_db_t *db, const char *table, const kf_column_t *cols,
			size_t ncols, const kf_value_t *const *rows,
			size_t nrows, enum kf_db_mode mode, const int *key,
			size_t nkey, kf_db_err_t *err)
{
	int loaded = 0, rc;

	if (mode == KF_DB_INSERT && kf__my_loadable(db, cols, ncols)) {
		rc = kf__my_load(db, table, cols, ncols, rows, nrows, &loaded,
				 err);
		if (rc || loaded)
			return rc;
	}
	rc = kf__my_insert(db, table, cols, ncols, rows, nrows, mode, key, nkey,
			   err);
	/* LOAD DATA warned about rows that INSERT took: both ran for them */
	if (rc == 0 && mode == KF_DB_INSERT && kf__my_loadable(db, cols, ncols))
		kf_info("db",
			"MariaDB: %zu rows into %s: LOAD DATA warned, INSERT "
			"took them (data that always does is faster with "
			"sink.mariadb_load_data = false)",
			nrows, table);
	return rc;
}

static int kf__my_del(kf_db_t *db, const char *table,
		      const kf_column_t *keycols, size_t nkey,
		      const kf_value_t *const *rows, size_t nrows,
		      kf_db_err_t *err)
{
	kf_db_sql_t head = {0};
	int rc;

	kf_db_sql_str(&head, "DELETE FROM ");
	rc = kf_db_quote_table(db, &head, table, err);
	if (rc)
		goto out_free;
	kf_db_sql_str(&head, " WHERE (");
	kf__db_col_list(db, &head, keycols, NULL, nkey, "");
	kf_db_sql_str(&head, ") IN (");
	if (head.failed)
		rc = kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_ENOMEM,
				 "out of memory building a DELETE for %s",
				 table);
	else
		rc = kf__my_batched(db, table, &head, ")", keycols, nkey, rows,
				    nrows, err);
out_free:
	kf_db_sql_free(&head);
	return rc;
}

static const kf_db_ops_t kf__my_ops = {
	.name = "MariaDB",
	.quote = '`',
	.close = kf__my_close,
	.exec = kf__my_exec,
	.query = kf__my_query,
	.quote_literal = kf__my_quote_literal,
	.type_name = kf__my_type_name,
	.create_suffix = " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
	.current_schema = "DATABASE()",
	.write = kf__my_write,
	.del = kf__my_del,
};

/* ---- connecting */

/* mariadb://[user@]host[:port][/database][?key=value&...], the parts
 * percent-decoded. */
struct kf__my_url {
	char user[128], host[256], db[128], ssl_ca[512];
	unsigned port, timeout;
	int ssl; /* 0 default, 1 required, 2 verify the server */
};

static int kf__my_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes s[0..n) into out; -1 when it does not fit or a %XX is bad. */
static int kf__my_decode(const char *s, size_t n, char *out, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= n || kf__my_hex(s[i + 1]) < 0 ||
			    kf__my_hex(s[i + 2]) < 0)
				return -1;
			c = kf__my_hex(s[i + 1]) * 16 + kf__my_hex(s[i + 2]);
			i += 2;
		}
		if (c == 0 || o + 1 >= size)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

static int kf__my_param(struct kf__my_url *u, const char *kv, size_t n,
			char *errstr, size_t errstr_size)
{
	const char *eq = memchr(kv, '=', n);
	char val[512];
	size_t kn = eq ? (size_t)(eq - kv) : n;

	if (!eq || kf__my_decode(eq + 1, n - kn - 1, val, sizeof(val)))
		goto bad;
	if (kn == 8 && !strncmp(kv, "ssl-mode", kn)) {
		if (!strcasecmp(val, "disabled") ||
		    !strcasecmp(val, "preferred"))
			u->ssl = 0;
		else if (!strcasecmp(val, "required"))
			u->ssl = 1;
		else if (!strcasecmp(val, "verify_ca") ||
			 !strcasecmp(val, "verify_identity"))
			u->ssl = 2;
		else
			goto bad;
	} else if (kn == 6 && !strncmp(kv, "ssl-ca", kn)) {
		snprintf(u->ssl_ca, sizeof(u->ssl_ca), "%s", val);
	} else if (kn == 15 && !strncmp(kv, "connect-timeout", kn)) {
		char *end;
		unsigned long t = strtoul(val, &end, 10);

		if (*end || t == 0 || t > 3600)
			goto bad;
		u->timeout = (unsigned)t;
	} else {
		goto bad;
	}
	return 0;
bad:
	return kf_seterr(
		errstr, errstr_size, KF_EINVAL,
		"database URL: parameter '%.*s' is not one of "
		"ssl-mode=DISABLED|REQUIRED|VERIFY_CA|VERIFY_IDENTITY, "
		"ssl-ca=PATH, connect-timeout=SECONDS",
		(int)(n > 80 ? 80 : n), kv);
}

static int kf__my_parse(const char *url, struct kf__my_url *u, char *errstr,
			size_t errstr_size)
{
	const char *p = strstr(url, "://") + 3, *end, *at, *colon;
	size_t hn;

	memset(u, 0, sizeof(*u));
	u->port = 3306;
	u->timeout = 10;
	end = p + strcspn(p, "/?");
	at = memchr(p, '@', (size_t)(end - p));
	if (at) {
		if (memchr(p, ':', (size_t)(at - p)))
			return kf_seterr(errstr, errstr_size, KF_EINVAL,
					 "the database URL holds a password, "
					 "which would show in ps and in logs: "
					 "remove it and give it as "
					 "sink.db_password = file:PATH or "
					 "env:NAME");
		if (kf__my_decode(p, (size_t)(at - p), u->user,
				  sizeof(u->user)))
			goto bad;
		p = at + 1;
	}
	if (*p == '[') { /* [ipv6]:port */
		const char *rb = memchr(p, ']', (size_t)(end - p));

		if (!rb)
			goto bad;
		hn = (size_t)(rb - p - 1);
		if (hn == 0 || hn >= sizeof(u->host))
			goto bad;
		memcpy(u->host, p + 1, hn);
		u->host[hn] = '\0';
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
		if (!colon && rb + 1 != end)
			goto bad;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		hn = (size_t)((colon ? colon : end) - p);
		if (kf__my_decode(p, hn, u->host, sizeof(u->host)))
			goto bad;
	}
	if (colon) {
		char *e;
		unsigned long port = strtoul(colon + 1, &e, 10);

		if (e != end || port == 0 || port > 65535)
			goto bad;
		u->port = (unsigned)port;
	}
	p = end;
	if (*p == '/') {
		end = p + 1 + strcspn(p + 1, "?");
		if (kf__my_decode(p + 1, (size_t)(end - p - 1), u->db,
				  sizeof(u->db)))
			goto bad;
		p = end;
	}
	if (*p == '?') {
		for (p++; *p; p += *p == '&') {
			size_t n = strcspn(p, "&");
			int rc = kf__my_param(u, p, n, errstr, errstr_size);

			if (rc)
				return rc;
			p += n;
		}
	}
	return 0;
bad:
	return kf_seterr(errstr, errstr_size, KF_EINVAL,
			 "database URL '%.100s' is not "
			 "mariadb://[USER@]HOST[:PORT][/DATABASE][?PARAMS]",
			 url);
}

static pthread_once_t kf__my_once = PTHREAD_ONCE_INIT;

static void kf__my_library_init(void)
{
	/* not thread-safe, unlike mysql_init once it has run */
	mysql_library_init(0, NULL, NULL);
}

static int kf__my_options(MYSQL *m, const struct kf__my_url *u)
{
	my_bool on = 1;
	unsigned one = 1;
	int rc = 0;

	rc |= mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	rc |= mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &u->timeout);
	/* LOAD DATA LOCAL from memory only: the handler, set before the
	 * connection exists, never opens a file (docs/sink.md 4.3.1) */
	kf__my_infile_serve(m, NULL);
	rc |= mysql_options(m, MYSQL_OPT_LOCAL_INFILE, &one);
	if (u->ssl)
		rc |= mysql_options(m, MYSQL_OPT_SSL_ENFORCE, &on);
	if (u->ssl == 2)
		rc |= mysql_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
	if (u->ssl_ca[0])
		rc |= mysql_options(m, MYSQL_OPT_SSL_CA, u->ssl_ca);
	return rc;
}

/* Session setup: exact values, UTC, READ COMMITTED (docs/sink.md 3.1),
 * strict mode (a too long value is refused, never cut); then the
 * statement budget from max_allowed_packet. */
static int kf__my_session(kf_db_t *db, kf_db_err_t *err)
{
	static const char *const setup[] = {
		"SET time_zone = '+00:00'",
		"SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
		("SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@sql_mode, "
		 "''), "
		 "'STRICT_ALL_TABLES', 'NO_ZERO_IN_DATE', 'NO_ZERO_DATE')"),
	};
	MYSQL_RES *res;
	MYSQL_ROW row;
	unsigned long long packet = 0;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(setup) / sizeof(setup[0]); i++) {
		rc = kf__my_exec_what(db, setup[i], strlen(setup[i]), NULL,
				      "session setup", err);
		if (rc)
			return rc;
	}
	if (mysql_query(kf__my(db), "SELECT @@max_allowed_packet") ||
	    !(res = mysql_store_result(kf__my(db))))
		return kf__my_error(db, "session setup", err);
	row = mysql_fetch_row(res);
	if (row && row[0])
		packet = strtoull(row[0], NULL, 10);
	mysql_free_result(res);
	db->max_stmt = packet > KF__MY_PACKET_MARGIN + KF__MY_STMT_MIN
			       ? (size_t)(packet - KF__MY_PACKET_MARGIN)
			       : KF__MY_STMT_MIN;
	if (db->max_stmt > KF__MY_STMT_MAX)
		db->max_stmt = KF__MY_STMT_MAX;
	return 0;
}

int kf__db_mariadb_open(const char *url, const char *password, kf_db_t *db,
			char *errstr, size_t errstr_size)
{
	struct kf__my_url u;
	kf_db_err_t e;
	MYSQL *m;
	int rc;

	rc = kf__my_parse(url, &u, errstr, errstr_size);
	if (rc)
		return rc;
	pthread_once(&kf__my_once, kf__my_library_init);
	m = mysql_init(NULL);
	if (!m)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory connecting to MariaDB");
	db->ops = &kf__my_ops;
	db->dialect = KF_DB_MARIADB;
	db->conn = m;
	if (kf__my_options(m, &u)) {
		rc = kf_seterr(errstr, errstr_size, KF_EINVAL,
			       "MariaDB: Connector/C refused an option of the "
			       "URL (ssl-mode, ssl-ca): %s",
			       mysql_error(m));
		goto out_close;
	}
	/* found rows: an UPDATE that matches a row counts it even when it
	 * changes nothing, as PostgreSQL does (the offsets' fence) */
	if (!mysql_real_connect(m, u.host, u.user[0] ? u.user : NULL, password,
				u.db[0] ? u.db : NULL, u.port, NULL,
				CLIENT_FOUND_ROWS)) {
		rc = kf__my_error(db, "connect", &e);
		rc = kf_seterr(
			errstr, errstr_size, rc, "%s%s", e.msg,
			e.cls == KF_DB_E_CONN
				? " (is the server up, the host and port "
				  "right?)"
				: "");
		goto out_close;
	}
	rc = kf__my_session(db, &e);
	if (rc) {
		rc = kf_seterr(errstr, errstr_size, rc, "%s", e.msg);
		goto out_close;
	}
	return 0;
out_close:
	mysql_close(m);
	return rc;
}
