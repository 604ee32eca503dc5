/* SPDX-License-Identifier: Apache-2.0 */
#include "db/loads.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "db/backend.h"
#include "db/offsets.h"
#include "db/ourtable.h"

/* The table of docs/sink.md 5 in each dialect. */
static const kf_db_ourtable_t kf__loads_table = {
	.comment = "kferry sink loads v",
	.version = KF_DB_LOADS_VERSION,
	.cols_pg = " (load_id text PRIMARY KEY, topic text NOT NULL, file "
		   "text, hash text, rows_expected bigint, rows_written bigint "
		   "NOT NULL DEFAULT 0, rows_refused bigint NOT NULL DEFAULT "
		   "0, state text NOT NULL, ranges text, updated_at "
		   "timestamptz NOT NULL DEFAULT now())",
	.cols_my = " (load_id VARCHAR(64) NOT NULL PRIMARY KEY, topic "
		   "VARCHAR(249) NOT NULL, file LONGTEXT, hash VARCHAR(64), "
		   "rows_expected BIGINT, rows_written BIGINT NOT NULL DEFAULT "
		   "0, rows_refused BIGINT NOT NULL DEFAULT 0, state "
		   "VARCHAR(16) NOT NULL, ranges LONGTEXT, updated_at "
		   "DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) "
		   "ENGINE=InnoDB CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
	.option = "sink.loads_table",
};

/* Runs the statement built in b (freed here). */
static int kf__loads_run(kf_db_t *db, kf_db_sql_t *b, const char *table,
			 kf_db_err_t *err)
{
	int rc = b->failed ? kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_ENOMEM,
					 "out of memory building a statement "
					 "on %s",
					 table)
			   : kf_db_exec(db, b->p, NULL, err);

	kf_db_sql_free(b);
	return rc;
}

int kf_db_loads_ensure(kf_db_t *db, const char *table, kf_db_err_t *err)
{
	_Static_assert(KF_DB_LOADS_VERSION == 1,
		       "the DDL here is version 1: update it with the version");
	return kf_db_ourtable_ensure(db, &kf__loads_table, table, err);
}

/* "INSERT INTO table AS l (load_id, topic, COLS) VALUES (id, topic, ". */
static int kf__loads_insert(kf_db_t *db, kf_db_sql_t *b, const char *table,
			    const char *cols, const char *load_id,
			    const char *topic, kf_db_err_t *err)
{
	int rc;

	kf_db_sql_str(b, "INSERT INTO ");
	rc = kf_db_quote_table(db, b, table, err);
	if (rc)
		return rc;
	kf_db_sql_str(b, db->dialect == KF_DB_POSTGRES ? " AS l" : "");
	kf_db_sql_str(b, " (load_id, topic, state, ");
	kf_db_sql_str(b, cols);
	kf_db_sql_str(b, ") VALUES (");
	kf_db_quote_literal(db, b, load_id, strlen(load_id));
	kf_db_sql_str(b, ", ");
	kf_db_quote_literal(db, b, topic, strlen(topic));
	kf_db_sql_str(b, ", 'loading', ");
	return 0;
}

/* ") ON CONFLICT ... DO UPDATE SET " in the dialect. */
static void kf__loads_upsert(kf_db_t *db, kf_db_sql_t *b)
{
	kf_db_sql_str(b, db->dialect == KF_DB_POSTGRES
				 ? ") ON CONFLICT (load_id) DO UPDATE SET "
				   "updated_at = now()"
				 : ") ON DUPLICATE KEY UPDATE updated_at = "
				   "NOW(6)");
}

int kf_db_loads_count(kf_db_t *db, const char *table, const char *load_id,
		      const char *topic, int64_t written, int64_t refused,
		      kf_db_err_t *err)
{
	int pg = db->dialect == KF_DB_POSTGRES;
	kf_db_sql_t b = {0};
	char num[160];
	int rc;

	rc = kf__loads_insert(db, &b, table, "rows_written, rows_refused",
			      load_id, topic, err);
	if (rc) {
		kf_db_sql_free(&b);
		return rc;
	}
	snprintf(num, sizeof(num), "%" PRId64 ", %" PRId64, written, refused);
	kf_db_sql_str(&b, num);
	kf__loads_upsert(db, &b);
	kf_db_sql_str(&b, pg ? ", rows_written = l.rows_written + "
			       "EXCLUDED.rows_written, rows_refused = "
			       "l.rows_refused + EXCLUDED.rows_refused"
			     : ", rows_written = rows_written + "
			       "VALUES(rows_written), rows_refused = "
			       "rows_refused + VALUES(rows_refused)");
	return kf__loads_run(db, &b, table, err);
}

int kf_db_loads_expect(kf_db_t *db, const char *table, const kf_db_load_t *l,
		       kf_db_err_t *err)
{
	static const char *const cols[] = {"file", "hash", "rows_expected",
					   "ranges"};
	int pg = db->dialect == KF_DB_POSTGRES;
	kf_db_sql_t b = {0};
	char num[96];
	size_t i;
	int rc;

	rc = kf__loads_insert(db, &b, table,
			      "file, hash, rows_expected, ranges", l->load_id,
			      l->topic, err);
	if (rc) {
		kf_db_sql_free(&b);
		return rc;
	}
	kf_db_quote_literal(db, &b, l->file, strlen(l->file));
	kf_db_sql_str(&b, ", ");
	kf_db_quote_literal(db, &b, l->hash, strlen(l->hash));
	snprintf(num, sizeof(num), ", %" PRId64 ", ", l->rows_expected);
	kf_db_sql_str(&b, num);
	kf_db_quote_literal(db, &b, l->ends, strlen(l->ends));
	kf__loads_upsert(db, &b);
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		snprintf(num, sizeof(num),
			 pg ? ", %s = EXCLUDED.%s" : ", %s = VALUES(%s)",
			 cols[i], cols[i]);
		kf_db_sql_str(&b, num);
	}
	return kf__loads_run(db, &b, table, err);
}

/* ---- settling */

struct kf__pending {
	char *load_id, *topic, *ends;
	int64_t expected, done; /* done: rows written + refused */
};

struct kf__pending_list {
	struct kf__pending *v;
	size_t n, cap;
	int nomem;
};

static int kf__pending_row(void *arg, size_t ncols, const char *const *vals,
			   const size_t *lens)
{
	struct kf__pending_list *l = arg;
	struct kf__pending *p;

	(void)lens;
	if (ncols != 6 || !vals[0] || !vals[1] || !vals[2] || !vals[3] ||
	    !vals[4])
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;

		p = realloc(l->v, cap * sizeof(*p));
		if (!p)
			return l->nomem = 1, 0;
		l->v = p;
		l->cap = cap;
	}
	p = &l->v[l->n];
	p->load_id = strdup(vals[0]);
	p->topic = strdup(vals[1]);
	p->ends = strdup(vals[5] ? vals[5] : "");
	p->expected = strtoll(vals[2], NULL, 10);
	p->done = strtoll(vals[3], NULL, 10) + strtoll(vals[4], NULL, 10);
	if (!p->load_id || !p->topic || !p->ends) {
		free(p->load_id);
		free(p->topic);
		free(p->ends);
		l->nomem = 1;
		return 0;
	}
	l->n++;
	return 0;
}

/* 1 when every "P:END" of p->ends lies at or below next_offset. */
static int kf__pending_ready(kf_db_t *db, const struct kf__pending *p,
			     const char *offsets_table, const char *group,
			     kf_db_err_t *err, int *rc)
{
	const char *s = p->ends;
	int64_t end, next;
	int32_t part;
	char *e;

	while (*s) {
		part = (int32_t)strtol(s, &e, 10);
		if (e == s || *e != ':')
			return 0; /* not ours: never settled */
		end = strtoll(e + 1, &e, 10);
		*rc = kf_db_offsets_read(db, offsets_table, group, p->topic,
					 &part, 1, &next, err);
		if (*rc || next < end)
			return 0;
		s = *e == ',' ? e + 1 : e;
		if (*e && *e != ',')
			return 0;
	}
	return 1;
}

static int kf__pending_state(kf_db_t *db, const char *table,
			     const struct kf__pending *p, kf_db_err_t *err)
{
	int ok = p->done == p->expected;
	kf_db_sql_t b = {0};
	int rc;

	kf_db_sql_str(&b, "UPDATE ");
	rc = kf_db_quote_table(db, &b, table, err);
	if (rc) {
		kf_db_sql_free(&b);
		return rc;
	}
	kf_db_sql_str(&b, ok ? " SET state = 'ok'" : " SET state = 'mismatch'");
	kf_db_sql_str(&b, " WHERE load_id = ");
	kf_db_quote_literal(db, &b, p->load_id, strlen(p->load_id));
	if (!ok)
		kf_err("sink",
		       "load %s of %s: %lld rows written or refused, the load "
		       "published %lld (%s: state mismatch)",
		       p->load_id, p->topic, (long long)p->done,
		       (long long)p->expected, table);
	return kf__loads_run(db, &b, table, err);
}

int kf_db_loads_settle(kf_db_t *db, const char *table,
		       const char *offsets_table, const char *group,
		       size_t *mismatches, kf_db_err_t *err)
{
	struct kf__pending_list l = {0};
	kf_db_sql_t b = {0};
	size_t i;
	int rc;

	kf_db_sql_str(&b, "SELECT load_id, topic, rows_expected, rows_written, "
			  "rows_refused, ranges FROM ");
	rc = kf_db_quote_table(db, &b, table, err);
	if (!rc)
		kf_db_sql_str(&b, " WHERE state = 'loading' AND rows_expected "
				  "IS NOT NULL");
	if (!rc)
		rc = b.failed ? kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_ENOMEM,
					    "out of memory")
			      : kf_db_query(db, b.p, kf__pending_row, &l, err);
	kf_db_sql_free(&b);
	if (!rc && l.nomem)
		rc = kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_ENOMEM,
				 "out of memory reading %s", table);
	for (i = 0; i < l.n && !rc; i++) {
		if (!kf__pending_ready(db, &l.v[i], offsets_table, group, err,
				       &rc) ||
		    rc)
			continue;
		rc = kf__pending_state(db, table, &l.v[i], err);
		if (!rc && l.v[i].done != l.v[i].expected)
			(*mismatches)++;
	}
	for (i = 0; i < l.n; i++) {
		free(l.v[i].load_id);
		free(l.v[i].topic);
		free(l.v[i].ends);
	}
	free(l.v);
	return rc;
}
