/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the MariaDB capture asks information_schema (docs/cdc.md 10.7):
 * a captured table's columns as the binlog types and metadata its table
 * maps carry (so a definition compares with a table map), with what the
 * binlog does not tell: NOT NULL everywhere, the JSON mark (a LONGTEXT
 * with a JSON_VALID check), the engine. And the snapshot's select list:
 * each column as the text capture/mdbrow writes for the same value of a
 * binlog row, so both paths make the same event.
 *
 * @locality the capture thread (every call blocks on the server)
 */
#ifndef KF_CAPTURE_MDBCATALOG_H
#define KF_CAPTURE_MDBCATALOG_H

#include "capture/binlog.h"
#include "capture/catalog.h"
#include "db/conn.h"

/* The table qname ("db.table") into *d (kf_mdbcat_def_free). KF_EINVAL
 * with errstr when it does not exist, has no primary key, is not InnoDB,
 * or has a column of a type docs/cdc.md 10.8 does not map (named);
 * KF_EIO (the server), KF_ENOMEM. */
int kf_mdbcat_table(kf_db_t *db, const char *qname, kf_cat_def_t *d,
		    char *errstr, size_t errstr_size);
/* Frees what kf_mdbcat_table filled (names, members) and zeroes it. */
void kf_mdbcat_def_free(kf_cat_def_t *d);

/* One row v of the columns' query (10.7; v[i] NULL: SQL NULL):
 * COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, NUMERIC_PRECISION,
 * NUMERIC_SCALE, DATETIME_PRECISION, CHARACTER_OCTET_LENGTH, and "1"
 * when a JSON_VALID check names the column. Appends the column to d as
 * its table maps describe it (its name and ENUM/SET members owned by d:
 * kf_mdbcat_def_free). KF_EINVAL when DATA_TYPE is not one of 10.8 or a
 * number is outside what a table map can carry (precision 1 .. 65,
 * scale 0 .. 38 and at most the precision, fraction digits 0 .. 6, bits
 * 1 .. 64, octets 0 .. 65535), KF_EPROTO when the row is not 9 values
 * with a name and types or d is full (KF_BL_MAX_COLS); bad (bad_size
 * bytes) then names the column and what is wrong. KF_ENOMEM. The column
 * stays in d when refused, so kf_mdbcat_def_free frees it. */
int kf_mdbcat_column(kf_cat_def_t *d, size_t ncols, const char *const *v,
		     char *bad, size_t bad_size);
/* One row v of the primary key's query: COLUMN_NAME, SEQ_IN_INDEX (1 ..
 * KF_BL_MAX_COLS). Sets the position of d's column of that name (none:
 * nothing). KF_EPROTO for another row. */
int kf_mdbcat_key(kf_cat_def_t *d, size_t ncols, const char *const *v);

/* Appends to q the snapshot's select of d (docs/cdc.md 10.6): "SELECT
 * <texts>, <key> FROM `db`.`t` [WHERE (<key>) > (<keyv>)] ORDER BY <key>":
 * the d->ncols texts of the event, then the key columns' texts as the
 * record keeps them (in key order), and, with keyv (nkey texts of such a
 * record, hostile: each is checked for its column's type and escaped),
 * only the rows after that key as the server orders them. 0, KF_EPROTO
 * (keyv does not fit the key: another count, a text its column's type
 * cannot hold), KF_ENOMEM. */
int kf_mdbcat_select(kf_db_t *db, const kf_cat_def_t *d,
		     const char *const *keyv, int nkey, kf_db_sql_t *q);

/* Whether key column c is one the binlog gives as a number ordered as
 * the server orders the key (integers, YEAR, ENUM and SET by index), so
 * that a snapshot resume compares it in C (docs/cdc.md 10.6). */
int kf_mdbcat_key_int(const kf_cap_coldef_t *c);

/* A key column's character set and collation as information_schema
 * names them (docs/cdc.md 10.6: the typed literals that place a binlog
 * key against a resumed snapshot's bound); both "" for a column that is
 * not a character string. */
typedef struct kf_mdbcat_coll_s {
	char cs[64], coll[64];
} kf_mdbcat_coll_t;

/* The longest key value a typed literal takes (the record's texts are
 * held to the same). */
#define KF_MDBCAT_KEY_MAX 65535

/* Sets k from information_schema's CHARACTER_SET_NAME and COLLATION_NAME
 * (either NULL: not a character string). -1 when a name is not 1 to 63
 * bytes of [A-Za-z0-9_] (it is pasted unquoted). */
int kf_mdbcat_coll_set(kf_mdbcat_coll_t *k, const char *cs, const char *coll);

/* The character sets and collations of d's key columns, in key order,
 * into out (one per key column). 0, KF_EPROTO (a name refused by
 * kf_mdbcat_coll_set, a character string key without a collation), or
 * KF_EIO (the server), with errstr. */
int kf_mdbcat_key_colls(kf_db_t *db, const kf_cat_def_t *d,
			kf_mdbcat_coll_t *out, char *errstr,
			size_t errstr_size);

/* Appends key column c's record text s (hostile: checked for c's type,
 * never pasted unless it is only digits) as a literal of the column's own
 * type (k: its collation), so that two of them compare as two values of
 * the column do (docs/cdc.md 10.6's table of placing). 0, or KF_EPROTO
 * (s is not a text of c's type, or longer than KF_MDBCAT_KEY_MAX). */
int kf_mdbcat_bound_lit(kf_db_sql_t *q, const kf_cap_coldef_t *c,
			const kf_mdbcat_coll_t *k, const char *s);

/* The same literal of the binlog's value v of key column c (bc: the
 * column as the table map of v's row has it). 0, or KF_EPROTO: v does
 * not fit c (another type: the key was altered; NULL; longer than
 * KF_MDBCAT_KEY_MAX). */
int kf_mdbcat_value_lit(kf_db_sql_t *q, const kf_cap_coldef_t *c,
			const kf_mdbcat_coll_t *k, const kf_bl_col_t *bc,
			const kf_bl_value_t *v);

#endif /* KF_CAPTURE_MDBCATALOG_H */
