/* SPDX-License-Identifier: Apache-2.0 */
#include "db/ourtable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/backend.h"

static int kf__our_nomem(kf_db_err_t *err, const char *table)
{
	return kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_ENOMEM,
			   "out of memory building a statement on %s", table);
}

struct kf__our_comment {
	int exists;
	char text[256];
};

static int kf__our_comment_row(void *arg, size_t ncols, const char *const *vals,
			       const size_t *lens)
{
	struct kf__our_comment *c = arg;

	(void)lens;
	if (ncols != 2 || !vals[0])
		return 0;
	c->exists = strcmp(vals[0], "0") != 0 && strcmp(vals[0], "f") != 0;
	snprintf(c->text, sizeof(c->text), "%s", vals[1] ? vals[1] : "");
	return 0;
}

/* Reads whether table exists and its comment. */
static int kf__our_comment(kf_db_t *db, const char *table,
			   struct kf__our_comment *c, kf_db_err_t *err)
{
	kf_db_sql_t b = {0}, q = {0};
	const char *dot = strchr(table, '.');
	int rc;

	memset(c, 0, sizeof(*c));
	if (db->dialect == KF_DB_POSTGRES) {
		rc = kf_db_quote_table(db, &q, table, err);
		if (rc)
			goto out_free;
		kf_db_sql_str(&b, "SELECT to_regclass(");
		kf_db_quote_literal(db, &b, q.p, q.len);
		kf_db_sql_str(&b,
			      ") IS NOT NULL, obj_description(to_regclass(");
		kf_db_quote_literal(db, &b, q.p, q.len);
		kf_db_sql_str(&b, "), 'pg_class')");
	} else {
		kf_db_sql_str(&b, "SELECT 1, table_comment FROM "
				  "information_schema.tables WHERE "
				  "table_schema = ");
		if (dot)
			kf_db_quote_literal(db, &b, table,
					    (size_t)(dot - table));
		else
			kf_db_sql_str(&b, "DATABASE()");
		kf_db_sql_str(&b, " AND table_name = ");
		dot = dot ? dot + 1 : table;
		kf_db_quote_literal(db, &b, dot, strlen(dot));
	}
	rc = b.failed || q.failed
		     ? kf__our_nomem(err, table)
		     : kf_db_query(db, b.p, kf__our_comment_row, c, err);
out_free:
	kf_db_sql_free(&b);
	kf_db_sql_free(&q);
	return rc;
}

static int kf__our_create(kf_db_t *db, const kf_db_ourtable_t *t,
			  const char *table, kf_db_err_t *err)
{
	char comment[64];
	kf_db_sql_t b = {0};
	int rc;

	snprintf(comment, sizeof(comment), "%s%d", t->comment, t->version);
	kf_db_sql_str(&b, "CREATE TABLE IF NOT EXISTS ");
	rc = kf_db_quote_table(db, &b, table, err);
	if (rc)
		goto out_free;
	if (db->dialect == KF_DB_MARIADB) {
		kf_db_sql_str(&b, t->cols_my);
		kf_db_sql_str(&b, " COMMENT=");
	} else {
		kf_db_sql_str(&b, t->cols_pg);
		kf_db_sql_str(&b, "; COMMENT ON TABLE ");
		kf_db_quote_table(db, &b, table, NULL);
		kf_db_sql_str(&b, " IS ");
	}
	kf_db_quote_literal(db, &b, comment, strlen(comment));
	rc = b.failed ? kf__our_nomem(err, table)
		      : kf_db_exec(db, b.p, NULL, err);
out_free:
	kf_db_sql_free(&b);
	return rc;
}

int kf_db_ourtable_ensure(kf_db_t *db, const kf_db_ourtable_t *t,
			  const char *table, kf_db_err_t *err)
{
	struct kf__our_comment c;
	size_t pre = strlen(t->comment);
	char *end;
	long v;
	int rc;

	rc = kf__our_comment(db, table, &c, err);
	if (rc == 0 && !c.exists) {
		rc = kf__our_create(db, t, table, err);
		if (rc == 0) /* read back: another sink may have won the race */
			rc = kf__our_comment(db, table, &c, err);
	}
	if (rc)
		return rc;
	if (!c.text[0]) /* made by hand, or by a kferry before the comment */
		return kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_EINVAL,
				   "table %s exists without a comment: if it "
				   "is kferry's, of the columns of version 1, "
				   "set its comment to '%s1'; else name "
				   "another with %s",
				   table, t->comment, t->option);
	if (strncmp(c.text, t->comment, pre) != 0 ||
	    (v = strtol(c.text + pre, &end, 10)) < 1 || *end)
		return kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_EINVAL,
				   "table %s exists but its comment '%.80s' is "
				   "not '%sN': it is not a table of kferry's; "
				   "name another with %s",
				   table, c.text, t->comment, t->option);
	if (v > t->version)
		return kf__db_fail(err, KF_DB_E_FATAL, NULL, KF_EVERSION,
				   "table %s is version %ld ('%s'), this "
				   "kferry knows version %d at most: upgrade "
				   "kferry",
				   table, v, c.text, t->version);
	return 0;
}
