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

/* Appends "SELECT <texts> FROM `db`.`t` ORDER BY <key>" for d to q. */
void kf_mdbcat_select(kf_db_t *db, const kf_cat_def_t *d, kf_db_sql_t *q);

#endif /* KF_CAPTURE_MDBCATALOG_H */
