/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One connection to a target database (docs/sink.md sections 2, 4): a
 * kf_db_t behind a dialect vtable (db/backend.h) with two backends,
 * PostgreSQL through libpq (db/pg.c) and MariaDB through Connector/C
 * (db/mariadb.c).
 *
 * What it offers the sink: transactions and savepoints, statements and
 * queries, identifier and literal quoting, the type mapping of
 * docs/sink.md 2.3 and CREATE TABLE from record columns, the table's
 * columns from information_schema, and the bulk apply of rows (insert,
 * upsert, delete) with the isolation of refused rows under savepoints.
 *
 * Rows are arrays of kf_value_t (record/value.h), one per column, the
 * columns described by kf_column_t (record/schema.h) of which only name,
 * type, precision, scale and required are read.
 *
 * Errors: every call returns 0 or a negative KF_E* code and fills a
 * kf_db_err_t (when not NULL) with the class the sink needs (4.4), the
 * server's code (SQLSTATE on PostgreSQL, the error number on MariaDB) and
 * a message saying what failed, where, and the server's text. Codes:
 * KF_EAUTH (login refused), KF_EACCESS (a privilege is missing),
 * KF_EINVAL (a bad URL or argument, an unsuitable database), KF_EIO for
 * the rest (unreachable, connection lost, refused rows, ...).
 *
 * @locality one thread per kf_db_t: a writer thread of the sink, never
 * the libuv loop (every call blocks on the network). Distinct kf_db_t
 * may be used by distinct threads at once.
 */
#ifndef KF_DB_CONN_H
#define KF_DB_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "record/schema.h"
#include "record/value.h"

typedef struct kf_db_s kf_db_t;

enum kf_db_dialect {
	KF_DB_POSTGRES = 1,
	KF_DB_MARIADB
};

/* What an error means to the sink (docs/sink.md 4.4). */
enum kf_db_eclass {
	KF_DB_E_NONE = 0,
	/* the data of a row was refused (constraint, type, length, duplicate
	 * key): isolate it, dead-letter it, the rest commits */
	KF_DB_E_DATA,
	/* the server is unreachable or the connection is lost: reconnect
	 * with backoff, re-read the offsets, apply again */
	KF_DB_E_CONN,
	/* the transaction lost a race (deadlock, serialization failure, lock
	 * timeout) or the server is short of a resource: roll back, retry */
	KF_DB_E_RETRY,
	/* retrying cannot help (permission, missing table or column, login
	 * refused, a bad statement): stop with the message */
	KF_DB_E_FATAL
};

typedef struct kf_db_err_s {
	enum kf_db_eclass cls;
	char code[8]; /* SQLSTATE (PostgreSQL) or error number (MariaDB);
		       * "" when the failure is not the server's */
	char msg[512];
} kf_db_err_t;

enum kf_db_mode {
	KF_DB_INSERT = 0, /* a duplicate key is a refused row */
	KF_DB_UPSERT	  /* insert or update on the key columns */
};

/* Opens a connection. url: postgresql:// or postgres:// URIs and libpq
 * keyword strings ("host=... dbname=...") go to libpq; mariadb:// and
 * mysql://user@host:port/db?ssl-mode=...&ssl-ca=...&connect-timeout=N to
 * Connector/C. A password inside the URL is refused (KF_EINVAL); give it
 * as password (NULL: none, or libpq's PGPASSFILE). The session is set up
 * for exact values: UTF-8 (utf8mb4), time zone UTC, ISO dates, READ
 * COMMITTED, strict SQL mode (MariaDB); a PostgreSQL database whose
 * server_encoding is not UTF8 is refused. 0 with *out (kf_db_close), or
 * KF_EINVAL / KF_EAUTH / KF_EIO (unreachable) with errstr. */
int kf_db_open(const char *url, const char *password, kf_db_t **out,
	       char *errstr, size_t errstr_size);
/* Closes the connection (an open transaction rolls back on the server).
 * NULL is a no-op. */
void kf_db_close(kf_db_t *db);

enum kf_db_dialect kf_db_dialect(const kf_db_t *db);
/* MariaDB: insert-mode writes by LOAD DATA LOCAL INFILE from memory (on)
 * or multi-row INSERTs (off, the default); docs/sink.md 4.3.1. A server
 * with local_infile off turns it off again for the connection. No effect
 * on PostgreSQL. */
void kf_db_set_load_data(kf_db_t *db, int on);
/* The backend's own connection (PGconn *, MYSQL *), for a caller that
 * speaks the backend's protocol itself (the MariaDB capture's binlog
 * dump). It stays db's: kf_db_close closes it. */
void *kf_db_native(kf_db_t *db);

/* Transactions. Writes (kf_db_write, kf_db_delete) run only inside one.
 * Savepoint names are identifiers of ours ([a-z0-9_]). */
int kf_db_begin(kf_db_t *db, kf_db_err_t *err);
int kf_db_commit(kf_db_t *db, kf_db_err_t *err);
int kf_db_rollback(kf_db_t *db, kf_db_err_t *err);
int kf_db_savepoint(kf_db_t *db, const char *name, kf_db_err_t *err);
int kf_db_rollback_to(kf_db_t *db, const char *name, kf_db_err_t *err);
int kf_db_release(kf_db_t *db, const char *name, kf_db_err_t *err);
/* 1 between kf_db_begin and its commit or rollback. */
int kf_db_in_transaction(const kf_db_t *db);

/* Runs one statement; *affected (if not NULL) gets the rows it changed
 * (MariaDB: the rows it matched, as PostgreSQL counts). */
int kf_db_exec(kf_db_t *db, const char *sql, int64_t *affected,
	       kf_db_err_t *err);

/* kf_db_exec with n parameters $1..$n bound as texts, never pasted into
 * the SQL (vals[i] NULL: SQL null); types[i] the PostgreSQL type OID of
 * $i+1 (types NULL or 0: the server infers it). PostgreSQL only: KF_EINVAL
 * on MariaDB. */
int kf_db_exec_params(kf_db_t *db, const char *sql, int n,
		      const uint32_t *types, const char *const *vals,
		      int64_t *affected, kf_db_err_t *err);

/* Called per row of a query's result: vals[i] is the text of column i
 * (NUL-terminated, lens[i] bytes) or NULL for SQL NULL; valid only during
 * the call. Nonzero stops the query, which then returns that value. */
typedef int (*kf_db_row_cb)(void *arg, size_t ncols, const char *const *vals,
			    const size_t *lens);
int kf_db_query(kf_db_t *db, const char *sql, kf_db_row_cb cb, void *arg,
		kf_db_err_t *err);

/* A growing text buffer for SQL; binary safe. A failed append (out of
 * memory) marks it failed and the later ones do nothing. The owner frees
 * p with kf_db_sql_free. */
typedef struct kf_db_sql_s {
	char *p;
	size_t len, cap;
	int failed;
} kf_db_sql_t;
void kf_db_sql_add(kf_db_sql_t *b, const char *s, size_t n);
void kf_db_sql_str(kf_db_sql_t *b, const char *s);
void kf_db_sql_free(kf_db_sql_t *b);

/* Appends name quoted as an identifier ("..." / `...`). A table name
 * "schema.table" is two identifiers (a PostgreSQL schema, a MariaDB
 * database). KF_EINVAL when a part is empty or longer than 63 bytes. */
int kf_db_quote_ident(const kf_db_t *db, kf_db_sql_t *b, const char *name);
int kf_db_quote_table(const kf_db_t *db, kf_db_sql_t *b, const char *table,
		      kf_db_err_t *err);
/* Appends the text s (UTF-8, n bytes) as a string literal. */
void kf_db_quote_literal(kf_db_t *db, kf_db_sql_t *b, const char *s, size_t n);

/* The column type of docs/sink.md 2.3 for c in this dialect (static text
 * or written into buf). key: the column belongs to the primary key
 * (MariaDB cannot index LONGTEXT / LONGBLOB: VARCHAR(255) /
 * VARBINARY(255) instead). */
const char *kf_db_type_name(const kf_db_t *db, const kf_column_t *c, int key,
			    char *buf, size_t size);

/* CREATE TABLE IF NOT EXISTS table with the columns cols (NOT NULL when
 * required) and, when nkey > 0, a primary key of cols[key[0..nkey-1]];
 * MariaDB tables are utf8mb4 with a binary collation (keys compare as
 * bytes, as in Kafka and PostgreSQL). */
int kf_db_create_table(kf_db_t *db, const char *table, const kf_column_t *cols,
		       size_t ncols, const int *key, size_t nkey,
		       kf_db_err_t *err);

/* A column of an existing table, as information_schema describes it. */
typedef struct kf_db_column_s {
	char *name;
	char *type; /* data_type: "integer", "numeric", "bigint", ... */
	int nullable;
} kf_db_column_t;
/* Reads the columns of table in their order into *out (*n of them; 0:
 * no such table). Free with kf_db_columns_free. */
int kf_db_columns(kf_db_t *db, const char *table, kf_db_column_t **out,
		  size_t *n, kf_db_err_t *err);
void kf_db_columns_free(kf_db_column_t *cols, size_t n);

/* Writes nrows rows (rows[i] points at ncols values, in the order of
 * cols) into table, inside the open transaction: PostgreSQL COPY (text
 * format) straight into the table (insert) or into a temporary staging
 * table then INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE (upsert);
 * MariaDB multi-row INSERT [ON DUPLICATE KEY UPDATE] statements of at
 * most max_allowed_packet bytes. key: indexes into cols (upsert only).
 * A refused row fails the whole call with err->cls KF_DB_E_DATA and the
 * transaction needs a rollback (to a savepoint): see
 * kf_db_write_isolating. After any failed write, roll back: PostgreSQL
 * then refuses to COMMIT (KF_EIO), but MariaDB would commit the
 * statements of the write that had succeeded. */
int kf_db_write(kf_db_t *db, const char *table, const kf_column_t *cols,
		size_t ncols, const kf_value_t *const *rows, size_t nrows,
		enum kf_db_mode mode, const int *key, size_t nkey,
		kf_db_err_t *err);

/* Deletes the rows whose key columns (keycols, nkey of them) equal one of
 * rows[i] (nkey values each), inside the open transaction. */
int kf_db_delete(kf_db_t *db, const char *table, const kf_column_t *keycols,
		 size_t nkey, const kf_value_t *const *rows, size_t nrows,
		 kf_db_err_t *err);

/* A row the database refused: its index in rows and the server's error. */
typedef struct kf_db_refused_s {
	size_t row;
	kf_db_err_t err;
} kf_db_refused_t;

/* kf_db_write that survives refused rows (docs/sink.md 4.4): under a
 * savepoint, writes all rows; on a data error rolls back to it and
 * writes each half under its own savepoint, down to the single rows that
 * fail, which are left out and listed in *refused (ascending row order,
 * *nrefused of them; free() it; NULL when none). Every other row is
 * written. An error that is not about data (connection, deadlock, ...)
 * returns at once: the caller rolls back the transaction. */
int kf_db_write_isolating(kf_db_t *db, const char *table,
			  const kf_column_t *cols, size_t ncols,
			  const kf_value_t *const *rows, size_t nrows,
			  enum kf_db_mode mode, const int *key, size_t nkey,
			  kf_db_refused_t **refused, size_t *nrefused,
			  kf_db_err_t *err);

#endif /* KF_DB_CONN_H */
