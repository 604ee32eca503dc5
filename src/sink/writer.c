/* SPDX-License-Identifier: Apache-2.0 */
#include "sink/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/err.h"
#include "common/log.h"
#include "common/stop.h"
#include "db/offsets.h"
#include "db/loads.h"
#include "kafka/producer.h"
#include "sink/reconcile.h"

#define KF__BACKOFF_MIN_MS 200
#define KF__BACKOFF_MAX_MS 10000
#define KF__DLQ_TIMEOUT_MS 60000
#define KF__MAX_TABLES 256

/* A target table's columns, read once (and again after an evolve). */
struct kf__table {
	char *name;
	kf_db_column_t *cols;
	size_t ncols;
};

struct kf_sink_writer_s {
	const kf_sink_opts_t *o;
	const char *offsets_table;
	kf_db_t *db;
	kf_sink_decoder_t dec;	   /* for the plans the writer builds itself */
	kf_sink_scratch_t scratch; /* a dead letter's value put together */
	kf_producer_t *dlq;
	int dlq_failed; /* reports of the current batch that failed */
	char dlq_err[256];
	struct kf__table tables[KF__MAX_TABLES];
	size_t ntables;
	kf_sink_reconcile_t rec; /* sink.ledger_topic set */
};

static void kf__sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void kf__forget_tables(kf_sink_writer_t *w)
{
	size_t i;

	for (i = 0; i < w->ntables; i++) {
		free(w->tables[i].name);
		kf_db_columns_free(w->tables[i].cols, w->tables[i].ncols);
	}
	w->ntables = 0;
}

static void kf__dlq_report(void *opaque, const rd_kafka_message_t *m)
{
	kf_sink_writer_t *w = opaque;

	if (!m->err)
		return;
	w->dlq_failed++;
	snprintf(w->dlq_err, sizeof(w->dlq_err), "%s",
		 rd_kafka_err2str(m->err));
}

static int kf__connect(kf_sink_writer_t *w, char *errstr, size_t errstr_size)
{
	kf_db_err_t err;
	int rc;

	rc = kf_db_open(w->o->db, w->o->db_password, &w->db, errstr,
			errstr_size);
	if (rc)
		return rc;
	kf_db_set_load_data(w->db, w->o->mariadb_load_data);
	rc = kf_db_offsets_ensure(w->db, w->offsets_table, &err);
	if (!rc && w->o->rules.ledger_topic)
		rc = kf_db_loads_ensure(w->db,
					w->o->loads_table ? w->o->loads_table
							  : KF_DB_LOADS_TABLE,
					&err);
	if (rc) {
		kf_db_close(w->db);
		w->db = NULL;
		return kf_seterr(errstr, errstr_size, rc, "%s", err.msg);
	}
	kf__forget_tables(w); /* another server may have other tables */
	return 0;
}

/* Connects again after a lost connection, with backoff, until it works
 * or a stop is requested. */
static int kf__reconnect(kf_sink_writer_t *w, char *errstr, size_t errstr_size)
{
	unsigned ms = KF__BACKOFF_MIN_MS;
	int rc;

	kf_db_close(w->db);
	w->db = NULL;
	for (;;) {
		if (kf_stop_requested())
			return kf_seterr(errstr, errstr_size, KF_ESTOPPED,
					 "stopped while reconnecting to the "
					 "database");
		kf__sleep_ms(ms);
		rc = kf__connect(w, errstr, errstr_size);
		if (!rc) {
			kf_info("sink", "connected to the database again");
			return 0;
		}
		if (rc != KF_EIO)
			return rc;
		kf_warn("sink", "%s (trying again in %u ms)", errstr, ms);
		ms = ms * 2 > KF__BACKOFF_MAX_MS ? KF__BACKOFF_MAX_MS : ms * 2;
	}
}

/* The writer schema of a wire-format record from the registry (cached there).
 * An unreachable registry is tried again, a few times with a growing
 * pause, before the record is refused: a refusal stops the sink or
 * dead-letters the row, it never drops it.
 * @locality the planner (thread pool) and the writer thread */
static int kf__writer_schema(void *opaque, uint32_t id, kf_wire_schema_t *out,
			     kf_reject_t *rej)
{
	kf_registry_t *registry = opaque;
	unsigned ms = 200, tries;
	char err[512];
	int rc = 0;

	for (tries = 1;; tries++) {
		rc = kf_registry_schema(registry, id, out, err, sizeof(err));
		if (rc != KF_EIO || tries == 5)
			break;
		kf_warn("sink", "%s (trying again in %u ms)", err, ms);
		kf__sleep_ms(ms);
		ms *= 4;
	}
	return rc ? kf_reject(rej, "format", -1, "%s", err) : 0;
}

int kf_sink_decoder_init(kf_sink_decoder_t *d, const kf_sink_opts_t *o)
{
	memset(d, 0, sizeof(*d));
	d->env = kf_envdec_new();
	if (d->env && o->registry) {
		d->avro = kf_avrodec_new(kf__writer_schema, o->registry);
		if (d->avro)
			kf_envdec_set_wire(d->env, kf_avrodec_wire, d->avro);
	}
	if (!d->env || (o->registry && !d->avro)) {
		kf_sink_decoder_free(d);
		return KF_ENOMEM;
	}
	return 0;
}

void kf_sink_decoder_free(kf_sink_decoder_t *d)
{
	kf_envdec_free(d->env);
	kf_avrodec_free(d->avro);
	memset(d, 0, sizeof(*d));
}

int kf_sink_writer_new(const kf_sink_opts_t *o, kf_sink_writer_t **out,
		       char *errstr, size_t errstr_size)
{
	kf_sink_writer_t *w = calloc(1, sizeof(*w));
	kf_producer_opts_t po;
	int rc;

	*out = NULL;
	if (!w)
		return KF_ENOMEM;
	w->o = o;
	w->offsets_table =
		o->offsets_table ? o->offsets_table : KF_DB_OFFSETS_TABLE;
	if (kf_sink_decoder_init(&w->dec, o)) {
		free(w);
		return KF_ENOMEM;
	}
	rc = kf__connect(w, errstr, errstr_size);
	if (!rc && o->dead_letter_topic && *o->dead_letter_topic) {
		kf_producer_opts_init(&po, o->engine.kafka,
				      o->dead_letter_topic, 0);
		rc = kf_producer_new(&po, kf__dlq_report, w, &w->dlq, errstr,
				     errstr_size);
	}
	if (rc) {
		kf_sink_writer_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

void kf_sink_writer_free(kf_sink_writer_t *w)
{
	if (!w)
		return;
	if (w->dlq) {
		kf_producer_flush(w->dlq, KF__DLQ_TIMEOUT_MS);
		kf_producer_destroy(w->dlq);
	}
	kf__forget_tables(w);
	kf_sink_reconcile_free(&w->rec);
	kf_db_close(w->db);
	kf_sink_decoder_free(&w->dec);
	kf_sink_scratch_free(&w->scratch);
	free(w);
}

/* ------------------------------------------------------------ starts */

int kf_sink_writer_starts(kf_sink_writer_t *w,
			  rd_kafka_topic_partition_list_t *parts, char *errstr,
			  size_t errstr_size)
{
	kf_db_err_t err;
	int64_t next;
	int i, rc;

	for (i = 0; i < parts->cnt; i++) {
		rd_kafka_topic_partition_t *p = &parts->elems[i];

		for (;;) {
			rc = w->db ? kf_db_offsets_read(w->db, w->offsets_table,
							w->o->engine.group,
							p->topic, &p->partition,
							1, &next, &err)
				   : KF_EIO;
			if (!rc)
				break;
			if (w->db && err.cls != KF_DB_E_CONN &&
			    err.cls != KF_DB_E_RETRY)
				return kf_seterr(errstr, errstr_size, rc, "%s",
						 err.msg);
			rc = kf__reconnect(w, errstr, errstr_size);
			if (rc)
				return rc;
		}
		p->offset = next >= 0		 ? next
			    : w->o->start_latest ? RD_KAFKA_OFFSET_END
						 : RD_KAFKA_OFFSET_BEGINNING;
		if (next >= 0)
			kf_info("sink",
				"%s [%d] starts at the stored offset %lld",
				p->topic, (int)p->partition, (long long)next);
		else
			kf_info("sink", "%s [%d] starts at the log's %s",
				p->topic, (int)p->partition,
				w->o->start_latest ? "end" : "start");
	}
	return 0;
}

/* ------------------------------------------------------------ tables */

static struct kf__table *kf__table_read(kf_sink_writer_t *w, const char *name,
					kf_db_err_t *err)
{
	struct kf__table *t;
	size_t i;

	for (i = 0; i < w->ntables; i++)
		if (!strcmp(w->tables[i].name, name))
			return &w->tables[i];
	if (w->ntables == KF__MAX_TABLES)
		kf__forget_tables(w); /* read again when needed */
	t = &w->tables[w->ntables];
	memset(t, 0, sizeof(*t));
	if (kf_db_columns(w->db, name, &t->cols, &t->ncols, err))
		return NULL;
	t->name = strdup(name);
	if (!t->name) {
		kf_db_columns_free(t->cols, t->ncols);
		err->cls = KF_DB_E_FATAL;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return NULL;
	}
	w->ntables++;
	return t;
}

static int kf__has_col(const struct kf__table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		if (!strcasecmp(t->cols[i].name, name))
			return 1;
	return 0;
}

/* Adds the group's columns the table lacks (--evolve, nullable). */
static int kf__evolve(kf_sink_writer_t *w, struct kf__table *t,
		      const kf_sink_group_t *g, kf_db_err_t *err)
{
	kf_db_sql_t sql;
	char buf[64];
	size_t i;
	int rc = 0;

	for (i = 0; i < g->ncols && !rc; i++) {
		if (kf__has_col(t, g->cols[i].name))
			continue;
		if (!w->o->evolve) {
			err->cls = KF_DB_E_FATAL;
			snprintf(err->msg, sizeof(err->msg),
				 "table %s has no column %s (--evolve adds "
				 "it)",
				 g->table, g->cols[i].name);
			return KF_EINVAL;
		}
		memset(&sql, 0, sizeof(sql));
		kf_db_sql_str(&sql, "ALTER TABLE ");
		rc = kf_db_quote_table(w->db, &sql, g->table, err);
		kf_db_sql_str(&sql, " ADD COLUMN ");
		if (!rc)
			rc = kf_db_quote_ident(w->db, &sql, g->cols[i].name);
		kf_db_sql_str(&sql, " ");
		kf_db_sql_str(&sql, kf_db_type_name(w->db, &g->cols[i], 0, buf,
						    sizeof(buf)));
		kf_db_sql_add(&sql, "", 1);
		if (!rc && sql.failed)
			rc = KF_ENOMEM;
		if (!rc) {
			kf_info("sink", "table %s: adding column %s", g->table,
				g->cols[i].name);
			rc = kf_db_exec(w->db, sql.p, NULL, err);
		}
		kf_db_sql_free(&sql);
	}
	return rc;
}

/* The table of g exists and has its columns: created (--create-table)
 * or evolved (--evolve), else a fatal error naming what is missing.
 * Outside the batch's transaction (MariaDB's DDL commits). */
static int kf__ensure_table(kf_sink_writer_t *w, const kf_sink_group_t *g,
			    kf_db_err_t *err)
{
	struct kf__table *t = kf__table_read(w, g->table, err);
	size_t i;
	int rc;

	if (!t)
		return KF_EIO;
	if (!t->ncols) {
		if (!w->o->create_table) {
			err->cls = KF_DB_E_FATAL;
			snprintf(err->msg, sizeof(err->msg),
				 "table %s does not exist (--create-table "
				 "creates it)",
				 g->table);
			return KF_EINVAL;
		}
		if (!g->ncols)
			return 0; /* a truncate of a table not there */
		kf_info("sink", "creating table %s", g->table);
		rc = kf_db_create_table(w->db, g->table, g->cols, g->ncols,
					g->key, g->nkey, err);
	} else {
		rc = kf__evolve(w, t, g, err);
	}
	if (rc)
		return rc;
	/* read again: created or evolved */
	kf_db_columns_free(t->cols, t->ncols);
	free(t->name);
	i = (size_t)(t - w->tables);
	w->tables[i] = w->tables[--w->ntables];
	return kf__table_read(w, g->table, err) ? 0 : KF_EIO;
}

static int kf__need_ensure(kf_sink_writer_t *w, const kf_sink_group_t *g)
{
	size_t i, j;

	for (i = 0; i < w->ntables; i++) {
		if (strcmp(w->tables[i].name, g->table))
			continue;
		if (!w->tables[i].ncols)
			return 1;
		for (j = 0; j < g->ncols; j++)
			if (!kf__has_col(&w->tables[i], g->cols[j].name))
				return 1;
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------ dead letters */

static void kf__hdr_num(rd_kafka_headers_t *h, const char *name, int64_t v)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", (long long)v);
	rd_kafka_header_add(h, name, -1, num, -1);
}

/* Produces the dead letter of m (docs/sink.md 4.4). */
static int kf__dead_letter(kf_sink_writer_t *w, const kf_sink_msg_t *m,
			   const char *kind, const char *code,
			   const char *reason)
{
	rd_kafka_headers_t *h = rd_kafka_headers_new(8);
	rd_kafka_resp_err_t err;

	rd_kafka_header_add(h, "kferry.dlq.kind", -1, kind, -1);
	rd_kafka_header_add(h, "kferry.dlq.code", -1, code, -1);
	rd_kafka_header_add(h, "kferry.dlq.reason", -1, reason, -1);
	rd_kafka_header_add(h, "kferry.dlq.topic", -1, m->topic, -1);
	kf__hdr_num(h, "kferry.dlq.partition", m->partition);
	kf__hdr_num(h, "kferry.dlq.offset", m->offset);
	kf__hdr_num(h, "kferry.dlq.timestamp", m->timestamp);
	err = kf_producer_send(w->dlq, m->key, m->key_len, m->value, m->len, 1,
			       h, NULL);
	if (err) {
		rd_kafka_headers_destroy(h);
		w->dlq_failed++;
		snprintf(w->dlq_err, sizeof(w->dlq_err), "%s",
			 rd_kafka_err2str(err));
	}
	return 0;
}

/* A refused row or message: a dead letter, or a stop: with sink.errors =
 * fail, and without a dead-letter topic (nothing is dropped silently; the
 * batch rolls back and the message stays unapplied until the data or the
 * configuration is fixed). */
static int kf__refused(kf_sink_writer_t *w, kf_sink_batch_t *b, size_t msg,
		       const char *kind, const char *code, const char *reason,
		       char *errstr, size_t errstr_size)
{
	kf_sink_msg_t mm, *m = &mm;

	if (kf_sink_stash_get(&b->msgs, msg, m, &w->scratch))
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory reading a refused message");
	b->st.rows_refused++;
	kf_sink_reconcile_refused(&w->rec, m);
	if (w->o->errors_fail || !w->dlq)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s [%d] offset %lld refused (%s %s): %s "
				 "(%s)",
				 m->topic, (int)m->partition,
				 (long long)m->offset, kind, code, reason,
				 w->o->errors_fail
					 ? "sink.errors = fail"
					 : "sink.errors = fail, as no "
					   "sink.dead_letter_topic is set to "
					   "keep it: set one, or fix the data");
	kf_warn("sink", "%s [%d] offset %lld refused (%s %s): %s", m->topic,
		(int)m->partition, (long long)m->offset, kind, code, reason);
	kf__dead_letter(w, m, kind, code, reason);
	b->st.dead_letters++;
	return 0;
}

/* ------------------------------------------------------------- apply */

/* The groups, inside the open transaction; refused rows dead-lettered. */
static int kf__apply_groups(kf_sink_writer_t *w, kf_sink_batch_t *b,
			    const kf_sink_plan_t *p, kf_db_err_t *err,
			    char *errstr, size_t errstr_size)
{
	kf_db_refused_t *ref = NULL;
	kf_db_sql_t sql;
	size_t i, j, nref = 0;
	int rc = 0;

	for (i = 0; i < p->ngroups && !rc; i++) {
		const kf_sink_group_t *g = &p->groups[i];

		if (g->truncate) {
			memset(&sql, 0, sizeof(sql));
			kf_db_sql_str(&sql, "TRUNCATE TABLE ");
			rc = kf_db_quote_table(w->db, &sql, g->table, err);
			kf_db_sql_add(&sql, "", 1);
			if (!rc)
				rc = sql.failed ? KF_ENOMEM
						: kf_db_exec(w->db, sql.p, NULL,
							     err);
			kf_db_sql_free(&sql);
		}
		if (!rc && g->ndels) {
			rc = kf_db_delete(w->db, g->table, g->keycols, g->nkey,
					  g->dels, g->ndels, err);
			b->st.rows_deleted += rc ? 0 : g->ndels;
			b->tstats[i + 1].deleted = rc ? 0 : g->ndels;
		}
		if (rc || !g->nrows)
			continue;
		rc = kf_db_write_isolating(w->db, g->table, g->cols, g->ncols,
					   g->rows, g->nrows, g->mode, g->key,
					   g->nkey, &ref, &nref, err);
		if (rc)
			break;
		b->st.rows_written += g->nrows - nref;
		b->tstats[i + 1].written = g->nrows - nref;
		b->tstats[i + 1].refused = nref;
		for (j = 0; j < nref && !rc; j++)
			rc = kf__refused(w, b, g->row_msg[ref[j].row], "row",
					 ref[j].err.code, ref[j].err.msg,
					 errstr, errstr_size);
		free(ref);
		ref = NULL;
		if (rc)
			return rc; /* sink.errors = fail: errstr says */
	}
	if (rc && !errstr[0])
		kf_seterr(errstr, errstr_size, rc, "%s", err->msg);
	return rc;
}

/* Moves every partition's next offset; *fenced when one had moved. */
static int kf__advance(kf_sink_writer_t *w, kf_sink_batch_t *b, int *fenced,
		       kf_db_err_t *err)
{
	size_t i;
	int rc;

	*fenced = 0;
	for (i = 0; i < b->nranges; i++) {
		kf_sink_range_t *r = &b->ranges[i];

		if (r->fenced)
			continue;
		rc = kf_db_offsets_advance(
			w->db, w->offsets_table, w->o->engine.group, r->topic,
			r->partition, r->expected >= 0 ? r->expected : r->first,
			r->next, &r->fenced, err);
		if (!rc && r->fenced) /* the offset that moved it, committed */
			rc = kf_db_offsets_read(
				w->db, w->offsets_table, w->o->engine.group,
				r->topic, &r->partition, 1, &r->stored, err);
		if (rc) {
			r->fenced = 0; /* the attempt is retried whole */
			return rc;
		}
		*fenced |= r->fenced;
	}
	return 0;
}

/* One attempt: 0 committed; 1 fenced (retry without those partitions);
 * else a KF_E* code with err (its class says whether to retry). */
static int kf__attempt(kf_sink_writer_t *w, kf_sink_batch_t *b,
		       const kf_sink_plan_t *p, kf_db_err_t *err, char *errstr,
		       size_t errstr_size)
{
	size_t i;
	int rc, fenced;

	for (i = 0; i < p->ngroups; i++)
		if (kf__need_ensure(w, &p->groups[i])) {
			rc = kf__ensure_table(w, &p->groups[i], err);
			if (rc)
				return rc;
		}
	/* per group, after one entry for the messages refused by the plan */
	free(b->tstats);
	b->ntstats = p->ngroups + 1;
	b->tstats = calloc(b->ntstats, sizeof(*b->tstats));
	if (!b->tstats) {
		b->ntstats = 0;
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	}
	b->tstats[0].refused = p->nrefused;
	for (i = 0; i < p->ngroups; i++) {
		snprintf(b->tstats[i + 1].table, sizeof(b->tstats[0].table),
			 "%s", p->groups[i].table);
		b->tstats[i + 1].upsert = p->groups[i].mode == KF_DB_UPSERT;
	}
	rc = kf_db_begin(w->db, err);
	if (rc)
		return rc;
	b->st.rows_written = b->st.rows_deleted = b->st.rows_refused = 0;
	b->st.dead_letters = 0;
	w->dlq_failed = 0;
	kf_sink_reconcile_reset(&w->rec);
	for (i = 0; i < p->nrefused && !rc; i++)
		rc = kf__refused(w, b, p->refused[i].msg, "message",
				 p->refused[i].code, p->refused[i].reason,
				 errstr, errstr_size);
	if (!rc)
		rc = kf__apply_groups(w, b, p, err, errstr, errstr_size);
	if (!rc)
		rc = kf__advance(w, b, &fenced, err);
	if (!rc && fenced) {
		kf_db_rollback(w->db, err);
		return 1;
	}
	if (!rc && w->o->rules.ledger_topic)
		rc = kf_sink_reconcile_apply(&w->rec, w->db, w->o, &b->msgs,
					     &b->load_mismatches, err);
	/* the dead letters are acknowledged before the COMMIT: a crash in
	 * between may produce one again, never lose one */
	if (!rc && w->dlq &&
	    (kf_producer_flush(w->dlq, KF__DLQ_TIMEOUT_MS) || w->dlq_failed)) {
		err->cls = KF_DB_E_FATAL;
		rc = kf_seterr(errstr, errstr_size, KF_EKAFKA,
			       "dead letters to %s not acknowledged: %s",
			       w->o->dead_letter_topic,
			       w->dlq_failed ? w->dlq_err : "timed out");
	}
	if (!rc)
		rc = kf_db_commit(w->db, err);
	if (rc && kf_db_in_transaction(w->db))
		kf_db_rollback(w->db, NULL);
	return rc;
}

/* After a lost connection: did the batch commit? 1 yes, 0 no (apply
 * again), or a KF_E* code. A partition already moved elsewhere counts as
 * fenced. */
static int kf__settled(kf_sink_writer_t *w, kf_sink_batch_t *b,
		       kf_db_err_t *err)
{
	size_t i, done = 0, live = 0;
	int64_t next;
	int rc;

	for (i = 0; i < b->nranges; i++) {
		kf_sink_range_t *r = &b->ranges[i];

		if (r->fenced)
			continue;
		live++;
		rc = kf_db_offsets_read(w->db, w->offsets_table,
					w->o->engine.group, r->topic,
					&r->partition, 1, &next, err);
		if (rc)
			return rc;
		if (next == r->next)
			done++;
		else if (next != (r->expected >= 0 ? r->expected : -1) &&
			 !(r->expected < 0 && next == r->first)) {
			r->fenced = 1;
			r->stored = next;
		}
	}
	return live && done == live;
}

/* The fenced partitions whose stored next_offset lies ahead of where this
 * batch expected it: another transaction applied the messages below it
 * (a killed sink's COMMIT that its server finished after this sink read
 * its starts, or a sink that owned the partition a moment ago). The batch
 * goes on from there (kf__drop_applied leaves out those messages); the
 * conditional update still guards it. A partition moved backwards or
 * whose row is gone stays fenced. */
static void kf__catch_up(kf_sink_batch_t *b)
{
	size_t i;

	for (i = 0; i < b->nranges; i++) {
		kf_sink_range_t *r = &b->ranges[i];
		int64_t from = r->expected >= 0 ? r->expected : r->first;

		if (!r->fenced)
			continue;
		if (r->stored <= from) {
			kf_warn("sink",
				"%s [%d]: its next offset is %lld in the "
				"database, not %lld: another sink owns it "
				"(a rebalance or a stale process); its "
				"messages are left to it",
				r->topic, (int)r->partition,
				(long long)r->stored, (long long)from);
			continue;
		}
		kf_info("sink",
			"%s [%d]: offsets %lld..%lld were applied by another "
			"transaction (a sink stopped while committing, or a "
			"rebalance): going on from %lld",
			r->topic, (int)r->partition, (long long)from,
			(long long)r->stored - 1, (long long)r->stored);
		r->fenced = 0;
		r->expected = r->stored;
		if (r->next < r->stored)
			r->next = r->stored;
	}
}

/* Whether a message of b is still to be applied: not of a fenced
 * partition, not below its range's expected offset (applied already:
 * kf__catch_up). */
static int kf__unapplied(void *opaque, const char *topic, int32_t partition,
			 int64_t offset)
{
	const kf_sink_batch_t *b = opaque;
	size_t j;
	int keep = 1;

	for (j = 0; j < b->nranges; j++)
		if (b->ranges[j].partition == partition &&
		    !strcmp(b->ranges[j].topic, topic))
			keep = !b->ranges[j].fenced &&
			       offset >= b->ranges[j].expected;
	return keep;
}

static void kf__unplan(kf_sink_batch_t *b)
{
	kf_sink_plan_free(&b->plan);
	b->planned = 0;
}

/* After a fence: catch up where possible, leave out what is not ours to
 * apply; the plan is built again. */
static void kf__refit(kf_sink_batch_t *b)
{
	kf__unplan(b);
	kf__catch_up(b);
	kf_sink_stash_keep(&b->msgs, kf__unapplied, b);
}

static int kf__any_fenced(const kf_sink_batch_t *b)
{
	size_t i;

	for (i = 0; i < b->nranges; i++)
		if (b->ranges[i].fenced)
			return 1;
	return 0;
}

int kf_sink_writer_apply(kf_sink_writer_t *w, kf_sink_batch_t *b, char *errstr,
			 size_t errstr_size)
{
	kf_sink_plan_t *plan = &b->plan;
	kf_db_err_t err;
	unsigned ms = KF__BACKOFF_MIN_MS;
	int rc;

	for (;;) {
		if (!b->planned) {
			rc = kf_sink_plan_build(plan, &w->o->rules, w->dec.env,
						&b->msgs);
			if (rc)
				return kf_seterr(errstr, errstr_size, rc,
						 "planning a batch of %zu "
						 "messages: out of memory",
						 b->msgs.n);
			b->planned = 1;
		}
		memset(&err, 0, sizeof(err));
		errstr[0] = '\0';
		rc = w->db ? kf__attempt(w, b, plan, &err, errstr, errstr_size)
			   : KF_EIO;
		if (!w->db)
			err.cls = KF_DB_E_CONN;
		if (rc == 1) { /* fenced */
			kf__refit(b);
			continue;
		}
		if (!rc)
			break;
		if (err.cls != KF_DB_E_CONN && err.cls != KF_DB_E_RETRY) {
			kf__unplan(b);
			if (!errstr[0])
				kf_seterr(errstr, errstr_size, rc, "%s",
					  err.msg);
			return rc;
		}
		kf_warn("sink", "applying a batch: %s (trying again)", err.msg);
		if (err.cls == KF_DB_E_CONN) {
			rc = kf__reconnect(w, errstr, errstr_size);
			if (rc) {
				kf__unplan(b);
				return rc;
			}
			/* a failed look is a lost connection again: the next
			 * attempt finds it */
			rc = kf__settled(w, b, &err);
			if (rc == 1)
				break; /* its COMMIT had reached the server */
			if (!rc && kf__any_fenced(b))
				kf__refit(b);
		} else {
			kf__sleep_ms(ms);
			ms = ms * 2 > KF__BACKOFF_MAX_MS ? KF__BACKOFF_MAX_MS
							 : ms * 2;
		}
	}
	b->st.batches = 1;
	b->st.messages = b->msgs.n;
	b->st.skipped = plan->skipped;
	b->st.collapsed = plan->collapsed;
	kf__unplan(b);
	return 0;
}
