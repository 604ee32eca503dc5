/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sink's loads table in the target database (docs/sink.md 5, version
 * 1): per load of `kferry load` (its load id), the rows it published, the
 * rows the sink wrote and refused, and whether they reconcile. Counted in
 * the same transactions as the rows, so the counts are exact across
 * crashes.
 *
 * @locality the thread that owns the kf_db_t (a writer thread).
 */
#ifndef KF_DB_LOADS_H
#define KF_DB_LOADS_H

#include <stddef.h>
#include <stdint.h>

#include "db/conn.h"

#define KF_DB_LOADS_VERSION 1
#define KF_DB_LOADS_TABLE "kferry_loads" /* sink.loads_table */

/* What a load record says (docs/records.md 3.3). Strings are borrowed. */
typedef struct kf_db_load_s {
	const char *load_id, *topic, *file, *hash;
	int64_t rows_expected; /* rows_published */
	/* "P:END,P:END": per partition of topic, one past the load's last
	 * offset there */
	const char *ends;
} kf_db_load_t;

/* Creates table (when missing) as docs/sink.md 5 says, its version in
 * the table's comment, and checks the version of an existing one: a
 * higher version is KF_EVERSION, a table of that name that is not ours
 * (or one made before the comment, which has none) KF_EINVAL. Call
 * outside a transaction (MariaDB's DDL commits). */
int kf_db_loads_ensure(kf_db_t *db, const char *table, kf_db_err_t *err);

/* In the batch's transaction: adds rows written and refused to load_id's
 * row (made, state loading, when missing). */
int kf_db_loads_count(kf_db_t *db, const char *table, const char *load_id,
		      const char *topic, int64_t written, int64_t refused,
		      kf_db_err_t *err);

/* In the batch's transaction: the load record's facts on its row. */
int kf_db_loads_expect(kf_db_t *db, const char *table, const kf_db_load_t *l,
		       kf_db_err_t *err);

/* In the batch's transaction, after its offsets moved: every row still
 * loading whose load record arrived and whose ends all lie at or below
 * the partitions' next_offset (offsets_table, group) becomes ok (rows
 * written + refused = expected) or mismatch, counted in *mismatches. */
int kf_db_loads_settle(kf_db_t *db, const char *table,
		       const char *offsets_table, const char *group,
		       size_t *mismatches, kf_db_err_t *err);

#endif /* KF_DB_LOADS_H */
