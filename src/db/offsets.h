/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sink's offsets table in the target database (docs/sink.md 3.1,
 * version 1): per (consumer group, topic, partition) the first offset not
 * yet applied, moved in the same transaction as the rows it covers, by a
 * conditional UPDATE that fences a second writer of the partition.
 *
 * @locality the thread that owns the kf_db_t (a writer thread).
 */
#ifndef KF_DB_OFFSETS_H
#define KF_DB_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

#include "db/conn.h"

#define KF_DB_OFFSETS_VERSION 1
#define KF_DB_OFFSETS_TABLE "kferry_offsets" /* sink.offsets_table */

/* Creates table (when missing) as docs/sink.md 3.1 says, its version in
 * the table's comment, and checks the version of an existing one: a
 * higher version is KF_EVERSION, a table of that name that is not ours
 * KF_EINVAL. Call outside a transaction (MariaDB's DDL commits). */
int kf_db_offsets_ensure(kf_db_t *db, const char *table, kf_db_err_t *err);

/* Reads next_offset of each of parts[0..n) into next[i], -1 where the
 * partition has no row yet (start from sink.start). */
int kf_db_offsets_read(kf_db_t *db, const char *table, const char *group,
		       const char *topic, const int32_t *parts, size_t n,
		       int64_t *next, kf_db_err_t *err);

/* Inside the batch's transaction: inserts the partition's row at
 * expected when it has none, then moves next_offset from expected to next
 * (UPDATE ... WHERE next_offset = expected). *fenced = 0 when it moved;
 * 1 when no row matched: another sink moved the partition, roll back
 * and read the offsets again. */
int kf_db_offsets_advance(kf_db_t *db, const char *table, const char *group,
			  const char *topic, int32_t partition,
			  int64_t expected, int64_t next, int *fenced,
			  kf_db_err_t *err);

#endif /* KF_DB_OFFSETS_H */
