/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the capture asks the source database on a normal connection
 * (db/conn.h): the checks of docs/cdc.md 1 with what to run to fix each,
 * the tables' columns and primary keys, the publication, the slot.
 *
 * @locality the capture thread (every call blocks on the database)
 */
#ifndef KF_CAPTURE_CATALOG_H
#define KF_CAPTURE_CATALOG_H

#include <stdint.h>

#include "capture/event.h"
#include "db/conn.h"

/* One table as the catalog has it. */
typedef struct kf_cat_def_s {
	uint32_t relid;
	char schema[64], name[64];
	int ncols;
	kf_cap_coldef_t *cols; /* names owned: kf_cat_def_free */
} kf_cat_def_t;

/* The first row's first column of sql into out (cap bytes, cut; "" when
 * no row or NULL). 0, or KF_EIO with errstr. */
int kf_cat_cell(kf_db_t *db, const char *sql, char *out, size_t cap,
		char *errstr, size_t errstr_size);

/* wal_level is logical and the role may replicate: 0, or KF_EINVAL
 * with errstr naming the statement that fixes it. */
int kf_cat_preflight(kf_db_t *db, char *errstr, size_t errstr_size);

/* The table qname ("schema.table", as SQL would read it), or by relid
 * (qname NULL), into *d. KF_EINVAL when it does not exist or has no
 * primary key (errstr says what to run). */
int kf_cat_table(kf_db_t *db, const char *qname, uint32_t relid,
		 kf_cat_def_t *d, char *errstr, size_t errstr_size);
void kf_cat_def_free(kf_cat_def_t *d);

/* Creates publication pub of the n tables when missing, or adds the
 * tables it lacks. KF_EINVAL with the statement to run when refused. */
int kf_cat_publication(kf_db_t *db, const char *pub, const kf_cat_def_t *defs,
		       int n, char *errstr, size_t errstr_size);

/* Whether the slot exists in this database (*exists), and whether a
 * process streams from it (*active). */
int kf_cat_slot(kf_db_t *db, const char *slot, int *exists, int *active,
		char *errstr, size_t errstr_size);
int kf_cat_drop_slot(kf_db_t *db, const char *slot, char *errstr,
		     size_t errstr_size);
/* The WAL the slot holds back (the server's WAL end minus the slot's
 * restart_lsn), in bytes (-1: unknown). */
int64_t kf_cat_slot_retained(kf_db_t *db, const char *slot);

#endif /* KF_CAPTURE_CATALOG_H */
