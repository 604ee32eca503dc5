/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A table the sink keeps in the target database (the offsets table,
 * docs/sink.md 3.1; the loads table, 5), versioned by the table's comment
 * "<prefix><version>": created with that comment when missing, and an
 * existing one checked, so that a table of a newer kferry, or someone
 * else's of that name, is never written.
 *
 * @locality the thread that owns the kf_db_t (a writer thread).
 */
#ifndef KF_DB_OURTABLE_H
#define KF_DB_OURTABLE_H

#include "db/conn.h"

/* What a table of ours is; static data of its module. */
typedef struct kf_db_ourtable_s {
	const char *comment; /* "kferry sink offsets v": the version follows */
	int version;	     /* the one this kferry writes and reads */
	/* the columns after "CREATE TABLE IF NOT EXISTS name": PostgreSQL,
	 * MariaDB (table options included; " COMMENT=..." is appended) */
	const char *cols_pg, *cols_my;
	const char *option; /* the key that names another table */
} kf_db_ourtable_t;

/* Creates table as t says when missing, its version in its comment, and
 * reads the comment back (another sink may have won the race): a higher
 * version is KF_EVERSION, a comment that is not t's KF_EINVAL (err says
 * which option names another table). Call outside a transaction
 * (MariaDB's DDL commits). */
int kf_db_ourtable_ensure(kf_db_t *db, const kf_db_ourtable_t *t,
			  const char *table, kf_db_err_t *err);

#endif /* KF_DB_OURTABLE_H */
