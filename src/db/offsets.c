/* SPDX-License-Identifier: Apache-2.0 */
#include "db/offsets.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/backend.h"
#include "db/ourtable.h"

/* The table of docs/sink.md 3.1 in each dialect. */
static const kf_db_ourtable_t kf__off_table = {
	.comment = "kferry sink offsets v",
	.version = KF_DB_OFFSETS_VERSION,
	.cols_pg = " (consumer_group text NOT NULL, topic text NOT NULL, "
		   "kafka_partition integer NOT NULL, next_offset bigint NOT "
		   "NULL, updated_at timestamptz NOT NULL DEFAULT now(), "
		   "PRIMARY KEY (consumer_group, topic, kafka_partition))",
	.cols_my = " (consumer_group VARCHAR(255) NOT NULL, topic "
		   "VARCHAR(249) NOT NULL, kafka_partition INT NOT NULL, "
		   "next_offset BIGINT NOT NULL, updated_at DATETIME(6) NOT "
		   "NULL DEFAULT CURRENT_TIMESTAMP(6), PRIMARY KEY "
		   "(consumer_group, topic, kafka_partition)) ENGINE=InnoDB "
		   "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
	.option = "sink.offsets_table",
};

static int kf__off_nomem(kf_db_err_t *err, const char *table)
{
	return kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_ENOMEM,
			   "out of memory building a statement on %s", table);
}

int kf_db_offsets_ensure(kf_db_t *db, const char *table, kf_db_err_t *err)
{
	_Static_assert(KF_DB_OFFSETS_VERSION == 1,
		       "the DDL here is version 1: update it with the version");
	return kf_db_ourtable_ensure(db, &kf__off_table, table, err);
}

/* Appends "WHERE consumer_group = 'g' AND topic = 't'". */
static void kf__off_where(kf_db_t *db, kf_db_sql_t *b, const char *group,
			  const char *topic)
{
	kf_db_sql_str(b, " WHERE consumer_group = ");
	kf_db_quote_literal(db, b, group, strlen(group));
	kf_db_sql_str(b, " AND topic = ");
	kf_db_quote_literal(db, b, topic, strlen(topic));
}

struct kf__off_read {
	const int32_t *parts;
	size_t n;
	int64_t *next;
};

static int kf__off_read_row(void *arg, size_t ncols, const char *const *vals,
			    const size_t *lens)
{
	struct kf__off_read *r = arg;
	long p;
	size_t i;

	(void)lens;
	if (ncols != 2 || !vals[0] || !vals[1])
		return 0;
	p = strtol(vals[0], NULL, 10);
	for (i = 0; i < r->n; i++)
		if (r->parts[i] == p)
			r->next[i] = strtoll(vals[1], NULL, 10);
	return 0;
}

int kf_db_offsets_read(kf_db_t *db, const char *table, const char *group,
		       const char *topic, const int32_t *parts, size_t n,
		       int64_t *next, kf_db_err_t *err)
{
	struct kf__off_read r = {parts, n, next};
	kf_db_sql_t b = {0};
	char num[16];
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		next[i] = -1;
	if (n == 0)
		return 0;
	kf_db_sql_str(&b, "SELECT kafka_partition, next_offset FROM ");
	rc = kf_db_quote_table(db, &b, table, err);
	if (rc)
		goto out_free;
	kf__off_where(db, &b, group, topic);
	kf_db_sql_str(&b, " AND kafka_partition IN (");
	for (i = 0; i < n; i++) {
		snprintf(num, sizeof(num), "%s%" PRId32, i ? ", " : "",
			 parts[i]);
		kf_db_sql_str(&b, num);
	}
	kf_db_sql_str(&b, ")");
	rc = b.failed ? kf__off_nomem(err, table)
		      : kf_db_query(db, b.p, kf__off_read_row, &r, err);
out_free:
	kf_db_sql_free(&b);
	return rc;
}

int kf_db_offsets_advance(kf_db_t *db, const char *table, const char *group,
			  const char *topic, int32_t partition,
			  int64_t expected, int64_t next, int *fenced,
			  kf_db_err_t *err)
{
	kf_db_sql_t b = {0};
	char num[96];
	int64_t n = 0;
	int rc;

	*fenced = 0;
	if (!kf_db_in_transaction(db))
		return kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_EINVAL,
				   "kf_db_offsets_advance outside the batch's "
				   "transaction");
	/* the partition's first batch: its row, at where we started */
	kf_db_sql_str(&b, "INSERT INTO ");
	rc = kf_db_quote_table(db, &b, table, err);
	if (rc)
		goto out_free;
	kf_db_sql_str(&b, " (consumer_group, topic, kafka_partition, "
			  "next_offset) VALUES (");
	kf_db_quote_literal(db, &b, group, strlen(group));
	kf_db_sql_str(&b, ", ");
	kf_db_quote_literal(db, &b, topic, strlen(topic));
	snprintf(num, sizeof(num), ", %" PRId32 ", %" PRId64 ")", partition,
		 expected);
	kf_db_sql_str(&b, num);
	kf_db_sql_str(&b, db->dialect == KF_DB_POSTGRES
				  ? " ON CONFLICT DO NOTHING"
				  : " ON DUPLICATE KEY UPDATE next_offset = "
				    "next_offset");
	rc = b.failed ? kf__off_nomem(err, table)
		      : kf_db_exec(db, b.p, NULL, err);
	if (rc)
		goto out_free;
	b.len = 0;
	kf_db_sql_str(&b, "UPDATE ");
	kf_db_quote_table(db, &b, table, NULL);
	snprintf(num, sizeof(num),
		 " SET next_offset = %" PRId64 ", updated_at = %s", next,
		 db->dialect == KF_DB_POSTGRES ? "now()" : "NOW(6)");
	kf_db_sql_str(&b, num);
	kf__off_where(db, &b, group, topic);
	snprintf(num, sizeof(num),
		 " AND kafka_partition = %" PRId32
		 " AND next_offset = %" PRId64,
		 partition, expected);
	kf_db_sql_str(&b, num);
	rc = b.failed ? kf__off_nomem(err, table)
		      : kf_db_exec(db, b.p, &n, err);
	if (rc == 0)
		*fenced = n != 1;
out_free:
	kf_db_sql_free(&b);
	return rc;
}
