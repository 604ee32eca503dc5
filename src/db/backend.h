/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dialect vtable behind kf_db_t (db/conn.h), for the backends only
 * (db/pg.c, db/mariadb.c) and the generic code of db/conn.c. As curl's
 * vtls: one interface, one file per backend, nothing else sees either.
 *
 * @locality the thread that owns the kf_db_t.
 */
#ifndef KF_DB_BACKEND_H
#define KF_DB_BACKEND_H

#include "db/conn.h"

typedef struct kf_db_ops_s {
	const char *name; /* "PostgreSQL", "MariaDB": for messages */
	char quote;	  /* identifier quote: '"' or '`' */
	void (*close)(kf_db_t *db);
	int (*exec)(kf_db_t *db, const char *sql, size_t len, int64_t *affected,
		    kf_db_err_t *err);
	int (*query)(kf_db_t *db, const char *sql, kf_db_row_cb cb, void *arg,
		     kf_db_err_t *err);
	/* NULL: the dialect binds no parameters here */
	int (*exec_params)(kf_db_t *db, const char *sql, int n,
			   const uint32_t *types, const char *const *vals,
			   int64_t *affected, kf_db_err_t *err);
	void (*quote_literal)(kf_db_t *db, kf_db_sql_t *b, const char *s,
			      size_t n);
	const char *(*type_name)(const kf_column_t *c, int key, char *buf,
				 size_t size);
	/* appended after CREATE TABLE (...): "" or table options */
	const char *create_suffix;
	/* the SQL of the schema searched for an unqualified table */
	const char *current_schema;
	int (*write)(kf_db_t *db, const char *table, const kf_column_t *cols,
		     size_t ncols, const kf_value_t *const *rows, size_t nrows,
		     enum kf_db_mode mode, const int *key, size_t nkey,
		     kf_db_err_t *err);
	int (*del)(kf_db_t *db, const char *table, const kf_column_t *keycols,
		   size_t nkey, const kf_value_t *const *rows, size_t nrows,
		   kf_db_err_t *err);
} kf_db_ops_t;

struct kf_db_s {
	const kf_db_ops_t *ops;
	enum kf_db_dialect dialect;
	void *conn; /* PGconn * / MYSQL * */
	int in_tx;
	size_t max_stmt; /* MariaDB: the largest statement we send */
	int load_data;	 /* MariaDB: inserts by LOAD DATA LOCAL (docs/sink.md
			  * 4.3.1); 0 once the server refused it */
};

/* The backends' open functions (url already recognised by its scheme). */
int kf__db_pg_open(const char *url, const char *password, kf_db_t *db,
		   char *errstr, size_t errstr_size);
int kf__db_mariadb_open(const char *url, const char *password, kf_db_t *db,
			char *errstr, size_t errstr_size);

/* Fills err (if not NULL) and returns code. */
int kf__db_fail(kf_db_err_t *err, enum kf_db_eclass cls, const char *sqlcode,
		int code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Appends the quoted, comma-separated names of cols (or of cols[idx[i]]
 * when idx is not NULL, n of them), each prefixed by prefix ("" or
 * "t."). */
void kf__db_col_list(const kf_db_t *db, kf_db_sql_t *b, const kf_column_t *cols,
		     const int *idx, size_t n, const char *prefix);

/* Appends sep, then "c = <pre>c<post>" for each column of cols that is
 * not a key column, separated by ", " (the SET list of an upsert).
 * Returns how many it wrote. */
size_t kf__db_set_list(const kf_db_t *db, kf_db_sql_t *b, const char *sep,
		       const kf_column_t *cols, size_t ncols, const int *key,
		       size_t nkey, const char *pre, const char *post);

/* Appends the hexadecimal digits of s[0..n). */
void kf__db_hex_add(kf_db_sql_t *b, const char *s, size_t n);

/* Fails err (KF_EINVAL): row rowno's value of column j is not of the
 * column's type. */
int kf__db_mismatch(const kf_column_t *cols, const kf_value_t *row, size_t j,
		    size_t rowno, kf_db_err_t *err);

/* Appends one row as a line of tab-separated fields in the text format
 * both PostgreSQL's COPY and MariaDB's LOAD DATA read (docs/sink.md 4.2,
 * 4.3.1): NULL as \N, in texts the backslash, tab, newline and carriage
 * return escaped with a backslash, bytes as hexadecimal digits (with
 * bytea's \x on PostgreSQL), the rest as kf_db_fmt_scalar writes it in
 * dialect d. -1 (err set) when a value's type is not its column's. */
int kf__db_text_row(kf_db_sql_t *b, const kf_column_t *cols, size_t ncols,
		    const kf_value_t *row, size_t rowno, enum kf_db_dialect d,
		    kf_db_err_t *err);

/* Makes room for n more bytes; 0, or -1 when the buffer failed. */
int kf__db_sql_reserve(kf_db_sql_t *b, size_t n);

#endif /* KF_DB_BACKEND_H */
