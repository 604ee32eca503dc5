/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The capture (docs/cdc.md 6-8). Phases:
 *   setup     the source's checks, tables, publication; the producer
 *             fenced in; the offsets record read back; the replication
 *             connection
 *   snapshot  (no record) a new slot with an exported snapshot, read
 *             table by table in key order, one Kafka transaction per chunk
 *   resume    (a record left in the snapshot, docs/cdc.md 7) the other
 *             slot with its exported snapshot; the old slot's stream
 *             caught up to it for the rows in Kafka only; the switch of
 *             slots; the rest of the snapshot read at the new point
 *   stream    from the record's LSN: whole source transactions batched
 *             into Kafka transactions with the offsets record; the slot's
 *             flush position sent after each Kafka commit
 */
#include "capture/capture.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture/catalog.h"
#include "capture/event.h"
#include "capture/mdbcapture.h"
#include "capture/outbox.h"
#include "capture/pgoutput.h"
#include "capture/position.h"
#include "capture/replconn.h"
#include "common/err.h"
#include "common/json.h"
#include "common/jsontok.h"
#include "common/log.h"
#include "common/stop.h"
#include "obs/probe.h"

#define KF__TXN_MS 60000		  /* reading the offsets back */
#define KF__PG_EPOCH_US 946684800000000LL /* 2000-01-01 in Unix µs */
#define KF__LAG_EVERY_MS 10000	    /* the slot's retained WAL, a metric */
#define KF__LAG_WARN_EVERY_MS 60000 /* ... and its warning */
#define KF__MAX_TABLES 1024
#define KF__SLOT_WAIT_S 15 /* for a slot another process still holds */
#define KF__MAX_KEY 32	   /* PostgreSQL's INDEX_MAX_KEYS */

/* A table of the stream, by the relation id of its Relation message,
 * with where its key columns are in the stream's tuples. */
struct kf__rel {
	uint32_t relid;
	kf_cap_table_t *t;
	int nkey;
	int keycol[KF__MAX_KEY];       /* the tuple's column, in key order */
	uint32_t keytype[KF__MAX_KEY]; /* its type OID */
};

/* A --tables entry during a snapshot resume's catch-up (docs/cdc.md 7,
 * step 3): which of its rows are in Kafka. */
enum kf__part {
	KF__PART_NONE,
	KF__PART_UPTO_KEY,
	KF__PART_ALL
};

/* The catch-up: the old slot's stream up to the new slot's consistent
 * point, emitting only the changes of rows in Kafka. */
struct kf__catchup {
	const kf_cap_pos_t *pos; /* the record resumed from (done, key) */
	uint64_t x2;		 /* the new slot's consistent point */
	enum kf__part *part;	 /* per --tables entry */
	int reached;		 /* a transaction or keepalive at or past x2 */
};

struct kf__cap {
	const kf_capture_opts_t *o;
	kf_capture_stats_t *st;
	char *errstr;
	size_t errstr_size;
	kf_db_t *db;
	kf_repl_t *repl;
	kf_repl_ident_t id;
	kf_cap_out_t *out;
	kf_pgo_decoder_t *dec;
	/* slot: the configured name, the offsets record's key; use: the slot
	 * in use, slot or its resume name (docs/cdc.md 5, 7) */
	char slot[64], use[64], pub[64], prefix[128], txn_id[96];
	kf_cat_def_t *defs; /* the --tables */
	int ndefs;
	struct kf__rel *rels;
	int nrels;
	/* the stream */
	int in_src, skipping;
	uint32_t xid;
	int64_t commit_us;
	uint64_t resume_lsn;	  /* skip transactions committed before */
	uint64_t prev_commit_lsn; /* sequence's first member */
	uint64_t done_lsn;	  /* end of the last whole transaction read */
	uint32_t done_xid;
	int64_t done_ts_ms;
	uint64_t confirmed;	/* the slot's flush position we sent */
	uint64_t idle_wal_end;	/* a keepalive's: confirmable when idle */
	int64_t next_lag_warn;	/* the slot's warning, rate-limited */
	struct kf__catchup *cu; /* during a resume's catch-up, else NULL */
};

/* ------------------------------------------------------- Kafka, batches */

static void kf__pos_init(struct kf__cap *c, kf_cap_pos_t *p, uint64_t lsn)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->key, sizeof(p->key), "%s", c->slot);
	snprintf(p->slot, sizeof(p->slot), "%s", c->use);
	snprintf(p->system_id, sizeof(p->system_id), "%s", c->id.system_id);
	snprintf(p->db, sizeof(p->db), "%s", c->id.db);
	p->lsn = lsn;
	p->txid = -1;
}

/* ----------------------------------------------------------- snapshot */

/* A row held back until the next one (or the table's end) says whether
 * it is the snapshot's last. */
struct kf__held {
	char *buf;
	size_t cap;
	kf_pgo_value_t *v;
	int n, set;
};

/* The key of the table's last row sent (docs/cdc.md 5: snapshot.key):
 * the key columns' texts in key order, in buf. */
struct kf__lastkey {
	char *buf;
	size_t cap;
	const char **v;
	int *col; /* the column of each key member */
	int nkey; /* the key members */
	int n;	  /* nkey, or 0: no row of the table sent yet */
};

struct kf__snap {
	struct kf__cap *c;
	kf_cap_table_t *t;
	kf_cap_source_t src;
	struct kf__held held;
	struct kf__lastkey lk;
	kf_strbuf_t done;    /* JSON array of the tables read to their end */
	int64_t rows_before; /* in Kafka from the runs before (a resume) */
	int first, last_table, rows, err;
};

/* The last key sent becomes the texts v[i] of len[i] bytes, in key order
 * (v may not point into lk). */
static int kf__lastkey_set(struct kf__lastkey *lk, const char *const *v,
			   const size_t *len)
{
	size_t need = 0, at = 0;
	int i;

	for (i = 0; i < lk->nkey; i++)
		need += len[i] + 1;
	if (need > lk->cap) {
		char *n = realloc(lk->buf, need);

		if (!n)
			return KF_ENOMEM;
		lk->buf = n;
		lk->cap = need;
	}
	for (i = 0; i < lk->nkey; i++) {
		memcpy(lk->buf + at, v[i], len[i]);
		lk->buf[at + len[i]] = '\0';
		lk->v[i] = lk->buf + at;
		at += len[i] + 1;
	}
	lk->n = lk->nkey;
	return 0;
}

/* The held row's key becomes the last key sent. */
static int kf__lastkey_take(struct kf__lastkey *lk, const struct kf__held *h)
{
	const char *v[KF__MAX_KEY];
	size_t len[KF__MAX_KEY];
	int i;

	for (i = 0; i < lk->nkey; i++) {
		v[i] = h->v[lk->col[i]].data;
		len[i] = h->v[lk->col[i]].len;
	}
	return kf__lastkey_set(lk, v, len);
}

/* The key members of d, in key order, for the last key; none sent yet. */
static int kf__lastkey_init(struct kf__lastkey *lk, const kf_cat_def_t *d)
{
	int i, k;

	lk->n = lk->nkey = 0;
	lk->v = calloc((size_t)d->ncols, sizeof(*lk->v));
	lk->col = calloc((size_t)d->ncols, sizeof(*lk->col));
	if (!lk->v || !lk->col)
		return KF_ENOMEM;
	for (k = 1; k <= d->ncols; k++)
		for (i = 0; i < d->ncols && lk->nkey < KF__MAX_KEY; i++)
			if (d->cols[i].key_seq == k)
				lk->col[lk->nkey++] = i;
	return 0;
}

static void kf__lastkey_reset(struct kf__lastkey *lk)
{
	free(lk->v);
	free(lk->col);
	lk->v = NULL;
	lk->col = NULL;
	lk->n = 0;
}

static int kf__snap_emit(struct kf__snap *s, int last)
{
	if (kf__lastkey_take(&s->lk, &s->held))
		return kf_seterr(s->c->errstr, s->c->errstr_size, KF_ENOMEM,
				 "out of memory");
	s->src.snapshot = s->first ? "first" : last ? "last" : "true";
	s->first = 0;
	s->held.set = 0;
	s->c->st->snapshot_rows++;
	return kf_cap_out_change(s->c->out, s->t, 'r', s->held.v, s->held.n,
				 NULL, 0, s->held.v, s->held.n, &s->src);
}

/* kf_db_row_cb: emits the held row, holds this one. */
static int kf__snap_row(void *arg, size_t ncols, const char *const *vals,
			const size_t *lens)
{
	struct kf__snap *s = arg;
	size_t need = 0, at = 0, i;

	if (s->held.set && (s->err = kf__snap_emit(s, 0)))
		return 1;
	for (i = 0; i < ncols; i++)
		need += vals[i] ? lens[i] : 0;
	if (need > s->held.cap) {
		char *n = realloc(s->held.buf, need);

		if (!n)
			return s->err = KF_ENOMEM, 1;
		s->held.buf = n;
		s->held.cap = need;
	}
	for (i = 0; i < ncols; i++) {
		s->held.v[i].kind = vals[i] ? 't' : 'n';
		s->held.v[i].len = vals[i] ? (uint32_t)lens[i] : 0;
		s->held.v[i].data = s->held.buf + at;
		if (vals[i])
			memcpy(s->held.buf + at, vals[i], lens[i]);
		at += vals[i] ? lens[i] : 0;
	}
	s->held.n = (int)ncols;
	s->held.set = 1;
	s->rows++;
	return 0;
}

static int kf__sql(struct kf__cap *c, const char *sql)
{
	kf_db_err_t e;

	if (kf_db_exec(c->db, sql, NULL, &e))
		return kf_seterr(c->errstr, c->errstr_size, KF_EIO,
				 "PostgreSQL: %s: %s", sql, e.msg);
	return 0;
}

/* Ends the snapshot's transaction after an error, leaving errstr to
 * that error (a broken connection fails this too). */
static void kf__rollback(struct kf__cap *c)
{
	kf_db_err_t e;

	kf_db_exec(c->db, "ROLLBACK", NULL, &e);
}

/* Appends d's key columns in key order ("k1, k2"); their type OIDs go
 * to types (NULL: not wanted). Returns their count. */
static int kf__snap_keycols(struct kf__cap *c, const kf_cat_def_t *d,
			    kf_db_sql_t *q, uint32_t *types)
{
	int i, k, n = 0;

	for (k = 1; k <= d->ncols; k++)
		for (i = 0; i < d->ncols; i++) {
			if (d->cols[i].key_seq != k)
				continue;
			if (n)
				kf_db_sql_str(q, ", ");
			if (types)
				types[n] = d->cols[i].type_oid;
			n++;
			kf_db_quote_ident(c->db, q, d->cols[i].name);
		}
	return n;
}

/* "DECLARE kf_snap ... SELECT cols FROM t [WHERE ROW(key) > ROW($1, ...)]
 * ORDER BY key": the rows of d after the key whose texts are keyv (nkey,
 * d's key columns in key order; 0: every row). The texts are bound as
 * parameters of the key columns' types: the server compares typed values
 * (docs/cdc.md 7, step 5), never texts, and no text enters the SQL. */
static int kf__snap_declare(struct kf__cap *c, const kf_cat_def_t *d,
			    const char *const *keyv, int nkey)
{
	kf_db_sql_t q = {0};
	uint32_t *types = calloc((size_t)d->ncols + 1, sizeof(*types));
	kf_db_err_t e;
	char ph[16];
	int i, r;

	kf_db_sql_str(&q, "DECLARE kf_snap NO SCROLL CURSOR FOR SELECT ");
	for (i = 0; i < d->ncols; i++) {
		if (i)
			kf_db_sql_str(&q, ", ");
		kf_db_quote_ident(c->db, &q, d->cols[i].name);
	}
	kf_db_sql_str(&q, " FROM ");
	kf_db_quote_ident(c->db, &q, d->schema);
	kf_db_sql_str(&q, ".");
	kf_db_quote_ident(c->db, &q, d->name);
	if (nkey) {
		kf_db_sql_str(&q, " WHERE ROW(");
		if (kf__snap_keycols(c, d, &q, types) != nkey) {
			kf_db_sql_free(&q);
			free(types);
			return kf_seterr(c->errstr, c->errstr_size, KF_EPROTO,
					 "the offsets record's snapshot key "
					 "has %d member(s), unlike the primary "
					 "key of %s.%s: not this table's",
					 nkey, d->schema, d->name);
		}
		kf_db_sql_str(&q, ") > ROW(");
		for (i = 0; i < nkey; i++) {
			snprintf(ph, sizeof(ph), "%s$%d", i ? ", " : "", i + 1);
			kf_db_sql_str(&q, ph);
		}
		kf_db_sql_str(&q, ")");
	}
	kf_db_sql_str(&q, " ORDER BY ");
	kf__snap_keycols(c, d, &q, NULL);
	if (q.failed || !types)
		r = kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
			      "out of memory");
	else if (kf_db_exec_params(c->db, q.p, nkey, types, keyv, NULL, &e))
		r = kf_seterr(c->errstr, c->errstr_size, KF_EIO,
			      "PostgreSQL: reading %s.%s: %s", d->schema,
			      d->name, e.msg);
	else
		r = 0;
	free(types);
	kf_db_sql_free(&q);
	return r;
}

/* One chunk: FETCH, its events and the offsets record, one Kafka
 * transaction. *more: the table has rows left. */
static int kf__snap_chunk(struct kf__snap *s, const kf_cat_def_t *d, int *more,
			  int final_of_all)
{
	struct kf__cap *c = s->c;
	char sql[64];
	kf_cap_pos_t pos;
	kf_db_err_t e;
	int r, before = s->rows;

	snprintf(sql, sizeof(sql), "FETCH FORWARD %d FROM kf_snap",
		 c->o->snapshot_chunk_rows);
	r = kf_cap_out_begin(c->out);
	if (r)
		return r;
	if (kf_db_query(c->db, sql, kf__snap_row, s, &e))
		return s->err ? s->err
			      : kf_seterr(c->errstr, c->errstr_size, KF_EIO,
					  "PostgreSQL: reading %s.%s: %s",
					  d->schema, d->name, e.msg);
	/* a short chunk is the table's end: no FETCH of nothing after it */
	*more = s->rows - before == c->o->snapshot_chunk_rows;
	if (!*more && s->held.set && (r = kf__snap_emit(s, s->last_table)))
		return r;
	kf__pos_init(c, &pos, s->src.lsn);
	pos.txid = s->src.txid;
	pos.ts_ms = s->src.ts_us / 1000;
	if (!(final_of_all && !*more)) {
		pos.in_snapshot = 1;
		pos.snap_lsn = s->src.lsn;
		pos.snap_table = kf_cap_table_name(s->t);
		pos.snap_rows = s->rows_before + (int64_t)c->st->snapshot_rows;
		pos.snap_done = s->done.p;
		pos.snap_keyv = s->lk.v;
		pos.snap_nkey = s->lk.n;
	}
	r = kf_cap_out_commit(c->out, &pos);
	if (!r)
		kf_dbg(KF_DBG_CAPTURE, "capture",
		       "snapshot chunk of %s.%s committed: %" PRId64
		       " rows in Kafka",
		       d->schema, d->name,
		       s->rows_before + (int64_t)c->st->snapshot_rows);
	return r;
}

/* The key the record says is in Kafka (keyv, nkey) becomes s's last
 * key: a chunk that reads nothing after it still names it. */
static int kf__snap_from(struct kf__snap *s, const kf_cat_def_t *d,
			 const char *const *keyv, int nkey)
{
	size_t len[KF__MAX_KEY];
	int i;

	if (nkey != s->lk.nkey)
		return kf_seterr(s->c->errstr, s->c->errstr_size, KF_EPROTO,
				 "the offsets record's snapshot key has %d "
				 "member(s), unlike the primary key of %s.%s: "
				 "not this table's",
				 nkey, d->schema, d->name);
	for (i = 0; i < nkey; i++)
		len[i] = strlen(keyv[i]);
	return kf__lastkey_set(&s->lk, keyv, len)
		       ? kf_seterr(s->c->errstr, s->c->errstr_size, KF_ENOMEM,
				   "out of memory")
		       : 0;
}

/* Table d into Kafka, its rows after the key keyv (nkey texts; 0: from
 * its first row). */
static int kf__snap_table(struct kf__snap *s, const kf_cat_def_t *d,
			  const char *const *keyv, int nkey, int final_of_all)
{
	struct kf__cap *c = s->c;
	int r, more = 1;

	r = kf_cap_table_new(c->prefix, d->schema, d->name, d->cols, d->ncols,
			     &s->t, c->errstr, c->errstr_size);
	if (r)
		return r;
	s->held.v = calloc((size_t)d->ncols, sizeof(*s->held.v));
	r = s->held.v && !kf__lastkey_init(&s->lk, d)
		    ? 0
		    : kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
				"out of memory");
	if (!r && nkey)
		r = kf__snap_from(s, d, keyv, nkey);
	if (!r)
		r = kf__snap_declare(c, d, keyv, nkey);
	s->last_table = final_of_all;
	while (!r && more) {
		if (kf_stop_requested()) {
			r = kf_seterr(c->errstr, c->errstr_size, KF_ESTOPPED,
				      "stopped during the snapshot");
			break;
		}
		r = kf__snap_chunk(s, d, &more, final_of_all);
	}
	if (!r)
		r = kf__sql(c, "CLOSE kf_snap");
	if (!r) {
		char qname[140], esc[140 * 6];

		/* the array's closing bracket moves behind the new name */
		snprintf(qname, sizeof(qname), "%s.%s", d->schema, d->name);
		kf_json_escape(esc, sizeof(esc), qname);
		s->done.p[--s->done.len] = '\0';
		/* (a resumed record's array may hold blanks: its names are
		 * strings, checked by kf__resume_parts) */
		if (strchr(s->done.p, '"'))
			kf_strbuf_putc(&s->done, ',');
		kf_strbuf_printf(&s->done, "\"%s\"]", esc);
	}
	free(s->held.v);
	s->held.v = NULL;
	kf__lastkey_reset(&s->lk);
	kf_cap_table_destroy(s->t);
	s->t = NULL;
	return r;
}

/* kf_db_row_cb: the first column of the one row as an int64 */
static int kf__int_cb(void *arg, size_t ncols, const char *const *vals,
		      const size_t *lens)
{
	(void)lens;
	if (ncols && vals[0])
		*(int64_t *)arg = strtoll(vals[0], NULL, 10);
	return 0;
}

/* Imports the exported snapshot snap on the SQL connection: a repeatable
 * read transaction that sees the database as of its slot's consistent
 * point, open until kf__snap_run ends it; its id into *txid. */
static int kf__snap_import(struct kf__cap *c, const char *snap, int64_t *txid)
{
	kf_db_sql_t q = {0};
	kf_db_err_t e;
	int r;

	r = kf__sql(c, "BEGIN ISOLATION LEVEL REPEATABLE READ");
	if (!r) {
		kf_db_sql_str(&q, "SET TRANSACTION SNAPSHOT ");
		kf_db_quote_literal(c->db, &q, snap, strlen(snap));
		r = q.failed ? kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
					 "out of memory")
			     : kf__sql(c, q.p);
		kf_db_sql_free(&q);
	}
	*txid = -1;
	if (!r &&
	    kf_db_query(c->db, "SELECT txid_current()", kf__int_cb, txid, &e))
		r = kf_seterr(c->errstr, c->errstr_size, KF_EIO,
			      "PostgreSQL: %s", e.msg);
	if (r)
		kf__rollback(c);
	return r;
}

/* The snapshot's end when no table is left to read: the record that
 * closes it (a resume whose record had every table done). */
static int kf__snap_close(struct kf__cap *c, uint64_t lsn)
{
	kf_cap_pos_t pos;
	int r = kf_cap_out_begin(c->out);

	kf__pos_init(c, &pos, lsn);
	return r ? r : kf_cap_out_commit(c->out, &pos);
}

/* Reads the --tables into Kafka under the imported snapshot at lsn
 * (transaction txid), then ends that transaction. from NULL: every table
 * from its first row; else a resume (docs/cdc.md 7, step 5): part says
 * per table what of it from's record has in Kafka, the table in progress
 * is read after from's key. The last chunk's record closes the snapshot
 * (snapshot null). */
static int kf__snap_run(struct kf__cap *c, uint64_t lsn, int64_t txid,
			const kf_cap_pos_t *from, const enum kf__part *part)
{
	int *order = calloc((size_t)c->ndefs, sizeof(*order));
	struct kf__snap s;
	int i, n = 0, r;

	memset(&s, 0, sizeof(s));
	s.c = c;
	s.first = !from || from->snap_rows == 0;
	s.rows_before = from ? from->snap_rows : 0;
	s.src.prefix = c->prefix;
	s.src.db = c->id.db;
	s.src.ts_us = kf_cap_wall_us();
	s.src.lsn = lsn;
	s.src.txid = txid;
	kf_strbuf_heap(&s.done, 256);
	kf_strbuf_printf(&s.done, "%s",
			 from && from->snap_done ? from->snap_done : "[]");
	/* the table in progress first: the records name one table in
	 * progress, the others are done or not begun */
	for (i = 0; part && i < c->ndefs; i++)
		if (part[i] == KF__PART_UPTO_KEY && order)
			order[n++] = i;
	for (i = 0; i < c->ndefs; i++)
		if ((!part || part[i] == KF__PART_NONE) && order)
			order[n++] = i;
	kf_info("capture",
		"snapshot of %d table(s) at LSN %" PRIu64 " (slot %s)%s",
		c->ndefs, lsn, c->use, from ? ", resumed" : "");
	r = s.done.failed || !order ? kf_seterr(c->errstr, c->errstr_size,
						KF_ENOMEM, "out of memory")
	    : !n		    ? kf__snap_close(c, lsn)
				    : 0;
	for (i = 0; !r && i < n; i++) {
		int upto = part && part[order[i]] == KF__PART_UPTO_KEY;

		r = kf__snap_table(&s, &c->defs[order[i]],
				   upto ? from->snap_keyv : NULL,
				   upto ? from->snap_nkey : 0, i == n - 1);
	}
	free(order);
	free(s.held.buf);
	free(s.lk.buf);
	free(s.done.p);
	if (r) {
		kf_cap_out_abort(c->out);
		kf__rollback(c);
		return r;
	}
	return kf__sql(c, "COMMIT");
}

/* ------------------------------------------------------------- stream */

static struct kf__rel *kf__rel_find(struct kf__cap *c, uint32_t relid)
{
	int i;

	for (i = 0; i < c->nrels; i++)
		if (c->rels[i].relid == relid)
			return &c->rels[i];
	return NULL;
}

/* Where rel's key columns are in its tuples (cols: its ncols columns). */
static void kf__rel_keys(struct kf__rel *rel, const kf_cap_coldef_t *cols,
			 int ncols)
{
	int i;

	rel->nkey = 0;
	for (i = 0; i < ncols; i++)
		if (cols[i].key_seq > 0 && cols[i].key_seq <= KF__MAX_KEY) {
			rel->keycol[cols[i].key_seq - 1] = i;
			rel->keytype[cols[i].key_seq - 1] = cols[i].type_oid;
			if (cols[i].key_seq > rel->nkey)
				rel->nkey = cols[i].key_seq;
		}
}

/* A Relation message: the table's shape from it, NOT NULL and the key
 * from the catalog (pgoutput sends neither the primary key nor NOT
 * NULL: its key flag is the replica identity's). */
static int kf__relation(struct kf__cap *c, const kf_pgo_msg_t *m)
{
	kf_cap_coldef_t *cols = calloc((size_t)m->ncols + 1, sizeof(*cols));
	struct kf__rel *rel = kf__rel_find(c, m->relid);
	kf_cat_def_t d;
	kf_cap_table_t *t = NULL;
	int i, j, r;

	if (!cols)
		return kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
				 "out of memory");
	r = kf_cat_table(c->db, NULL, m->relid, &d, c->errstr, c->errstr_size);
	if (r) {
		free(cols);
		return r;
	}
	for (i = 0; i < m->ncols; i++) {
		cols[i].name = m->cols[i].name;
		cols[i].type_oid = m->cols[i].type_oid;
		cols[i].typmod = m->cols[i].typmod;
		for (j = 0; j < d.ncols; j++)
			if (!strcmp(d.cols[j].name, m->cols[i].name)) {
				cols[i].notnull = d.cols[j].notnull;
				cols[i].key_seq = d.cols[j].key_seq;
			}
	}
	r = kf_cap_table_new(c->prefix,
			     m->nspname[0] ? m->nspname : "pg_catalog", m->name,
			     cols, m->ncols, &t, c->errstr, c->errstr_size);
	kf_cat_def_free(&d);
	if (r) {
		free(cols);
		return r;
	}
	if (!rel) {
		struct kf__rel *n;

		if (c->nrels >= KF__MAX_TABLES) {
			free(cols);
			kf_cap_table_destroy(t);
			return kf_seterr(c->errstr, c->errstr_size, KF_ELIMIT,
					 "more than %d tables in the stream",
					 KF__MAX_TABLES);
		}
		n = realloc(c->rels, (size_t)(c->nrels + 1) * sizeof(*n));
		if (!n) {
			free(cols);
			kf_cap_table_destroy(t);
			return kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
					 "out of memory");
		}
		c->rels = n;
		rel = &c->rels[c->nrels++];
		rel->relid = m->relid;
		rel->t = NULL;
	}
	kf_cap_table_destroy(rel->t);
	rel->t = t;
	kf__rel_keys(rel, cols, m->ncols);
	free(cols);
	return 0;
}

static int kf__keys_differ(struct kf__cap *c, const kf_cap_table_t *t,
			   const kf_pgo_msg_t *m, int *differ)
{
	kf_strbuf_t a, b;
	int r;

	kf_strbuf_heap(&a, 256);
	kf_strbuf_heap(&b, 256);
	r = kf_cap_event_key(t, m->old.v, m->old.ncols, &a, c->errstr,
			     c->errstr_size);
	if (!r)
		r = kf_cap_event_key(t, m->new_.v, m->new_.ncols, &b, c->errstr,
				     c->errstr_size);
	*differ = !r && (a.len != b.len || memcmp(a.p, b.p, a.len));
	free(a.p);
	free(b.p);
	return r;
}

/* ----------------------------------------------- a resume's catch-up */

/* What of rel's table the resumed record has in Kafka. */
static enum kf__part kf__cu_part(const struct kf__cap *c,
				 const struct kf__rel *rel)
{
	int i;

	for (i = 0; i < c->ndefs; i++)
		if (c->defs[i].relid == rel->relid)
			return c->cu->part[i];
	return KF__PART_NONE;
}

/* *below: the key of row (a tuple of rel, the table in progress) is at
 * or below the record's key. The server compares them, typed as the key
 * columns (docs/cdc.md 7, step 3), never as texts. */
static int kf__cu_below(struct kf__cap *c, const struct kf__rel *rel,
			const kf_pgo_tuple_t *row, uint64_t lsn, int *below)
{
	const kf_cap_pos_t *from = c->cu->pos;
	const char *vals[2 * KF__MAX_KEY];
	uint32_t types[2 * KF__MAX_KEY];
	kf_db_sql_t q = {0};
	char *buf, ph[16];
	size_t need = 0, at = 0;
	int64_t n = 0;
	kf_db_err_t e;
	int i, k = rel->nkey, r = 0;

	*below = 0;
	if (!from->snap_nkey) /* no row of the table in Kafka */
		return 0;
	if (from->snap_nkey != k)
		return kf_seterr(c->errstr, c->errstr_size, KF_EPROTO,
				 "the offsets record's snapshot key has %d "
				 "member(s), unlike the primary key of %s: "
				 "not this table's",
				 from->snap_nkey, kf_cap_table_name(rel->t));
	for (i = 0; i < k; i++) {
		const kf_pgo_value_t *v = rel->keycol[i] < row->ncols
						  ? &row->v[rel->keycol[i]]
						  : NULL;

		if (!v || v->kind != 't')
			return kf_seterr(c->errstr, c->errstr_size, KF_EPROTO,
					 "a change of %s at LSN %" PRIu64
					 " without its key's value (an "
					 "unchanged TOASTed key?): it cannot "
					 "be placed against the snapshot's "
					 "last key in Kafka",
					 kf_cap_table_name(rel->t), lsn);
		need += v->len + 1;
	}
	buf = malloc(need);
	for (i = 0; buf && i < k; i++) {
		const kf_pgo_value_t *v = &row->v[rel->keycol[i]];

		memcpy(buf + at, v->data, v->len);
		buf[at + v->len] = '\0';
		vals[i] = buf + at;
		vals[k + i] = from->snap_keyv[i];
		types[i] = types[k + i] = rel->keytype[i];
		at += v->len + 1;
	}
	kf_db_sql_str(&q, "SELECT 1 WHERE ROW(");
	for (i = 0; i < 2 * k; i++) {
		snprintf(ph, sizeof(ph), "%s$%d",
			 i == k ? ") <= ROW("
			 : i	? ", "
				: "",
			 i + 1);
		kf_db_sql_str(&q, ph);
	}
	kf_db_sql_str(&q, ")");
	if (!buf || q.failed)
		r = kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
			      "out of memory");
	else if (kf_db_exec_params(c->db, q.p, 2 * k, types, vals, &n, &e))
		r = kf_seterr(c->errstr, c->errstr_size, KF_EIO,
			      "PostgreSQL: comparing a key of %s at LSN "
			      "%" PRIu64 " with the snapshot's last key: %s",
			      kf_cap_table_name(rel->t), lsn, e.msg);
	*below = n == 1;
	kf_db_sql_free(&q);
	free(buf);
	return r;
}

/* Whether m's old row (*in_old) and new row (*in_new) are rows the
 * resumed record has in Kafka (docs/cdc.md 7, step 3): an update that
 * moves a key across the bound has one side in, the other out. */
static int kf__cu_sides(struct kf__cap *c, const struct kf__rel *rel,
			const kf_pgo_msg_t *m, uint64_t lsn, int *in_old,
			int *in_new)
{
	enum kf__part part = kf__cu_part(c, rel);
	int r = 0;

	*in_old = *in_new = part == KF__PART_ALL;
	if (part != KF__PART_UPTO_KEY)
		return 0;
	if (m->type != 'D')
		r = kf__cu_below(c, rel, &m->new_, lsn, in_new);
	if (!r && m->old_kind)
		r = kf__cu_below(c, rel, &m->old, lsn, in_old);
	else
		*in_old = *in_new; /* the key did not change */
	return r;
}

/* p's snapshot members become from's: the records of the catch-up and of
 * the switch say the same rows are in Kafka, their lsn ahead. */
static void kf__cu_pos(kf_cap_pos_t *p, const kf_cap_pos_t *from)
{
	p->in_snapshot = 1;
	p->snap_lsn = from->snap_lsn;
	p->snap_rows = from->snap_rows;
	p->snap_table = from->snap_table;
	p->snap_done = from->snap_done;
	p->snap_keyv = from->snap_keyv;
	p->snap_nkey = from->snap_nkey;
}

/* ------------------------------------------------------------- changes */

/* The source struct of a change at lsn of the current transaction. */
static kf_cap_source_t kf__stream_source(const struct kf__cap *c, uint64_t lsn)
{
	kf_cap_source_t src = {.prefix = c->prefix,
			       .db = c->id.db,
			       .snapshot = "false",
			       .ts_us = c->commit_us,
			       .last_commit_lsn = c->prev_commit_lsn,
			       .lsn = lsn,
			       .txid = c->xid};

	return src;
}

/* An Insert, Update or Delete of the current source transaction; during
 * a resume's catch-up only its sides in Kafka. */
static int kf__dml(struct kf__cap *c, const kf_pgo_msg_t *m, uint64_t lsn)
{
	struct kf__rel *rel = kf__rel_find(c, m->relid);
	const kf_pgo_tuple_t *old = m->old_kind ? &m->old : NULL;
	kf_cap_source_t src = kf__stream_source(c, lsn);
	int differ = 0, in_old = 1, in_new = 1, r;

	if (!rel)
		return kf_seterr(c->errstr, c->errstr_size, KF_EPROTO,
				 "pgoutput: a change of relation %u before "
				 "its Relation message",
				 m->relid);
	if (m->type == 'D' && !old)
		return kf_seterr(c->errstr, c->errstr_size, KF_EPROTO,
				 "pgoutput: a delete of %s without its old key",
				 kf_cap_table_name(rel->t));
	if (c->cu && (r = kf__cu_sides(c, rel, m, lsn, &in_old, &in_new)))
		return r;
	if (m->type == 'I')
		return !in_new ? 0
			       : kf_cap_out_change(c->out, rel->t, 'c',
						   m->new_.v, m->new_.ncols,
						   NULL, 0, m->new_.v,
						   m->new_.ncols, &src);
	if (m->type == 'D')
		return !in_old ? 0
			       : kf_cap_out_change(c->out, rel->t, 'd', old->v,
						   old->ncols, old->v,
						   old->ncols, NULL, 0, &src);
	if (old && (r = kf__keys_differ(c, rel->t, m, &differ)))
		return r;
	if (differ) {
		/* a new key: the old row's delete, tombstone, then a create */
		r = !in_old ? 0
			    : kf_cap_out_change(c->out, rel->t, 'd', old->v,
						old->ncols, old->v, old->ncols,
						NULL, 0, &src);
		return r || !in_new
			       ? r
			       : kf_cap_out_change(c->out, rel->t, 'c',
						   m->new_.v, m->new_.ncols,
						   NULL, 0, m->new_.v,
						   m->new_.ncols, &src);
	}
	return !in_new ? 0
		       : kf_cap_out_change(c->out, rel->t, 'u', m->new_.v,
					   m->new_.ncols,
					   m->old_kind == 'O' ? old->v : NULL,
					   m->old_kind == 'O' ? old->ncols : 0,
					   m->new_.v, m->new_.ncols, &src);
}

static int kf__truncate(struct kf__cap *c, const kf_pgo_msg_t *m, uint64_t lsn)
{
	kf_cap_source_t src = kf__stream_source(c, lsn);
	int i, r = 0;

	for (i = 0; !r && i < m->nrels; i++) {
		struct kf__rel *rel = kf__rel_find(c, m->relids[i]);

		if (!rel)
			return kf_seterr(c->errstr, c->errstr_size, KF_EPROTO,
					 "pgoutput: a truncate of relation %u "
					 "before its Relation message",
					 m->relids[i]);
		/* a resume's catch-up: a table not begun has no row in Kafka */
		if (c->cu && kf__cu_part(c, rel) == KF__PART_NONE)
			continue;
		r = kf_cap_out_change(c->out, rel->t, 't', NULL, 0, NULL, 0,
				      NULL, 0, &src);
	}
	return r;
}

/* One pgoutput message at WAL position lsn. */
static int kf__message(struct kf__cap *c, const uint8_t *data, size_t len,
		       uint64_t lsn)
{
	kf_pgo_msg_t m;
	int r = kf_pgo_decode(c->dec, data, len, &m, c->errstr, c->errstr_size);

	if (r)
		return r;
	switch (m.type) {
	case 'B':
		c->in_src = 1;
		if (c->cu && m.final_lsn >= c->cu->x2) {
			/* the new slot's: the catch-up is over */
			c->cu->reached = 1;
			c->skipping = 1;
			return 0;
		}
		c->skipping = m.final_lsn < c->resume_lsn;
		c->xid = m.xid;
		c->commit_us = m.ts + KF__PG_EPOCH_US;
		if (c->skipping) {
			c->st->skipped_txns++;
			return 0;
		}
		return kf_cap_out_begin(c->out);
	case 'C':
		c->in_src = 0;
		if (c->skipping)
			return 0;
		c->prev_commit_lsn = m.commit_lsn;
		c->done_lsn = m.end_lsn;
		c->done_xid = c->xid;
		c->done_ts_ms = c->commit_us / 1000;
		c->st->source_txns++;
		return 0;
	case 'R':
		return kf__relation(c, &m);
	case 'I':
	case 'U':
	case 'D':
		return c->skipping ? 0 : kf__dml(c, &m, lsn);
	case 'T':
		return c->skipping ? 0 : kf__truncate(c, &m, lsn);
	default: /* Type, Origin: nothing to emit */
		return 0;
	}
}

static int kf__status(struct kf__cap *c, uint64_t flushed)
{
	if (flushed > c->confirmed)
		c->confirmed = flushed;
	return kf_repl_status(c->repl, c->confirmed, c->confirmed, c->errstr,
			      c->errstr_size);
}

/* Commits the open Kafka transaction at the end of the last whole source
 * transaction, then moves the slot. */
static int kf__flush(struct kf__cap *c)
{
	kf_cap_pos_t pos;
	int r;

	kf__pos_init(c, &pos, c->done_lsn);
	pos.txid = c->done_xid;
	pos.ts_ms = c->done_ts_ms;
	if (c->cu)
		kf__cu_pos(&pos, c->cu->pos);
	r = kf_cap_out_commit(c->out, &pos);
	return r ? r : kf__status(c, c->done_lsn);
}

/* Whether the open Kafka transaction is due: whole source transactions
 * only, then batch_ms or batch_bytes. */
static int kf__due(struct kf__cap *c, int64_t now)
{
	return !c->in_src && kf_cap_out_due(c->out, now);
}

static int kf__wait_ms(struct kf__cap *c, int64_t now, int64_t next_status)
{
	int64_t w = next_status - now < 500 ? next_status - now : 500;

	if (w < 0)
		return 0;
	return (int)(c->in_src ? w : kf_cap_out_wait_ms(c->out, now, w));
}

static void kf__check_lag(struct kf__cap *c, int64_t now)
{
	int64_t lag = kf_cat_slot_retained(c->db, c->use);

	kf_probe_capture_slot(lag, c->o->lag_warn_bytes);
	if (lag <= c->o->lag_warn_bytes || now < c->next_lag_warn)
		return;
	c->next_lag_warn = now + KF__LAG_WARN_EVERY_MS;
	kf_warn("capture",
		"slot %s holds %" PRId64 " bytes of WAL (above "
		"capture.lag_warn_bytes): the capture is behind, or "
		"stopped too long",
		c->use, lag);
}

static int kf__stream(struct kf__cap *c, uint64_t start)
{
	int64_t now = kf_cap_now_ms(), next_status = now, next_lag = now,
		last_change = now;
	kf_repl_frame_t f;
	int r;

	c->resume_lsn = start;
	c->confirmed = start;
	if (start > c->st->lsn) { /* in Kafka already, by an earlier run */
		c->st->lsn = start;
		kf_pgo_lsn_text(start, c->st->position,
				sizeof(c->st->position));
	}
	r = kf_repl_start(c->repl, c->use, start, c->pub, c->errstr,
			  c->errstr_size);
	if (r)
		return r;
	if (c->cu)
		kf_info("capture",
			"catching up slot %s from LSN %" PRIu64 " to %" PRIu64
			" (the snapshot's resume)",
			c->use, start, c->cu->x2);
	else
		kf_info("capture", "streaming slot %s from LSN %" PRIu64,
			c->use, start);
	while (!r) {
		if (kf_stop_requested())
			return kf_seterr(c->errstr, c->errstr_size, KF_ESTOPPED,
					 "stopped");
		r = kf_repl_next(c->repl, kf__wait_ms(c, now, next_status), &f,
				 c->errstr, c->errstr_size);
		now = kf_cap_now_ms();
		if (r > 0 && f.kind == 'w') {
			r = kf__message(c, f.data, f.len, f.start);
			last_change = now;
		} else if (r > 0) {
			/* nothing open: all before the server's end is ours */
			if (!kf_cap_out_is_open(c->out) && !c->in_src)
				c->idle_wal_end = f.wal_end;
			/* the server read past x2: it sent every transaction
			 * ending before */
			if (c->cu && !c->in_src && f.wal_end >= c->cu->x2)
				c->cu->reached = 1;
			if (f.reply)
				next_status = now;
			r = 0;
		}
		if (!r && c->cu && c->cu->reached)
			return 0; /* its open Kafka transaction: the caller's */
		if (!r && kf__due(c, now))
			r = kf__flush(c);
		if (!r && now >= next_status) {
			r = kf__status(c,
				       kf_cap_out_is_open(c->out) || c->in_src
					       ? c->confirmed
					       : c->idle_wal_end);
			next_status = now + c->o->status_interval_ms;
		}
		if (!r && now >= next_lag) {
			kf__check_lag(c, now);
			next_lag = now + KF__LAG_EVERY_MS;
		}
		if (!r && c->o->idle_exit_s > 0 && !c->cu &&
		    !kf_cap_out_is_open(c->out) && !c->in_src &&
		    now - last_change >= c->o->idle_exit_s * 1000LL)
			return kf__status(c, c->idle_wal_end);
	}
	return r;
}

/* -------------------------------------------------------------- setup */

/* s appended to out[0..n), lowercased, bytes outside [a-z0-9_] as '_',
 * stopping short of lim; the new length */
static size_t kf__ident_put(char *out, size_t n, size_t lim, const char *s)
{
	for (; *s && n + 1 < lim; s++) {
		unsigned char ch = (unsigned char)tolower((unsigned char)*s);

		out[n++] = isalnum(ch) && !(ch & 0x80) ? (char)ch : '_';
	}
	return n;
}

/* a then b as an identifier, cut at 63 bytes (PostgreSQL's NAMEDATALEN - 1):
 * the cut is meant */
static void kf__ident(char *out, size_t cap, const char *a, const char *b)
{
	size_t lim = cap < 64 ? cap : 64;

	out[kf__ident_put(out, kf__ident_put(out, 0, lim, a), lim, b)] = '\0';
}

static int kf__valid_ident(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!(islower((unsigned char)s[i]) ||
		      isdigit((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return i > 0 && i < 64;
}

static int kf__names(struct kf__cap *c)
{
	const kf_capture_opts_t *o = c->o;

	if (o->slot && *o->slot)
		snprintf(c->slot, sizeof(c->slot), "%s", o->slot);
	else
		kf__ident(c->slot, sizeof(c->slot), "kferry_", c->id.db);
	if (o->publication && *o->publication)
		snprintf(c->pub, sizeof(c->pub), "%s", o->publication);
	else
		kf__ident(c->pub, sizeof(c->pub), c->slot, "_pub");
	if (!kf__valid_ident(c->slot) || !kf__valid_ident(c->pub))
		return kf_seterr(c->errstr, c->errstr_size, KF_EINVAL,
				 "slot '%s' or publication '%s': names of "
				 "1 to 63 bytes of [a-z0-9_] only",
				 c->slot, c->pub);
	snprintf(c->prefix, sizeof(c->prefix), "%s",
		 o->topic_prefix && *o->topic_prefix ? o->topic_prefix
						     : c->id.db);
	snprintf(c->txn_id, sizeof(c->txn_id), "kferry-capture-%s", c->slot);
	return 0;
}

/* The --tables, looked up. */
static int kf__tables(struct kf__cap *c)
{
	char *list = strdup(c->o->tables ? c->o->tables : ""), *save = NULL, *t;
	int r = 0, n = 0;

	if (!list)
		return kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
				 "out of memory");
	for (t = list; *t; t++)
		n += *t == ',';
	c->defs = calloc((size_t)n + 1, sizeof(*c->defs));
	if (!c->defs)
		r = kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
			      "out of memory");
	for (t = strtok_r(list, ",", &save); !r && t;
	     t = strtok_r(NULL, ",", &save)) {
		r = kf_cat_table(c->db, t, 0, &c->defs[c->ndefs], c->errstr,
				 c->errstr_size);
		c->ndefs += !r;
	}
	free(list);
	if (!r && !c->ndefs)
		r = kf_seterr(c->errstr, c->errstr_size, KF_EINVAL,
			      "no table to capture: give --tables "
			      "SCHEMA.TABLE[,...]");
	return r;
}

/* Waits until no process streams from slot (a capture killed a moment
 * ago leaves its walsender holding it until the server notices the
 * closed connection); *exists: the slot is there. */
static int kf__slot_wait(struct kf__cap *c, const char *slot, int *exists)
{
	int active, r, tries = 0;

	for (;;) {
		r = kf_cat_slot(c->db, slot, exists, &active, c->errstr,
				c->errstr_size);
		if (r || !active || ++tries > KF__SLOT_WAIT_S ||
		    kf_stop_requested())
			break;
		sleep(1);
	}
	if (!r && active)
		r = kf_seterr(c->errstr, c->errstr_size, KF_EINVAL,
			      "slot %s is in use by another process (a "
			      "second capture of it?)",
			      slot);
	return r;
}

/* Drops slot when it is there, once no process holds it. */
static int kf__slot_drop(struct kf__cap *c, const char *slot)
{
	int exists = 0, r = kf__slot_wait(c, slot, &exists);

	return r || !exists ? r
			    : kf_cat_drop_slot(c->db, slot, c->errstr,
					       c->errstr_size);
}

enum kf__start {
	KF__START_STREAM,
	KF__START_SNAPSHOT,
	KF__START_RESUME
};

/* What to do at start (docs/cdc.md 6, 7): snapshot into a new slot,
 * resume the snapshot pos stopped in, or stream c->use from *start. */
static int kf__plan(struct kf__cap *c, const kf_cap_pos_t *pos,
		    enum kf__start *how, uint64_t *start)
{
	int exists = 0, r;

	snprintf(c->use, sizeof(c->use), "%s",
		 pos->found ? pos->slot : c->slot);
	r = kf__slot_wait(c, c->use, &exists);
	if (r)
		return r;
	if (pos->found && !exists)
		return kf_seterr(
			c->errstr, c->errstr_size, KF_EINVAL,
			"the offsets say slot %s streamed up to LSN %" PRIu64
			", but the slot is gone: changes since are lost to "
			"it; to start over, delete the key %s from %s (or use "
			"another --topic-prefix and --slot) to snapshot again",
			c->use, pos->lsn, c->slot, c->o->offsets_topic);
	*start = pos->lsn;
	if (pos->found) {
		*how = pos->in_snapshot ? KF__START_RESUME : KF__START_STREAM;
		return 0;
	}
	/* no record: a slot there holds nothing we can use (its exported
	 * snapshot died with its creator), unless no snapshot is wanted */
	*how = KF__START_SNAPSHOT;
	if (exists && c->o->snapshot == KF_CAPTURE_SNAPSHOT_NEVER) {
		*how = KF__START_STREAM;
		return 0;
	}
	return exists ? kf_cat_drop_slot(c->db, c->use, c->errstr,
					 c->errstr_size)
		      : 0;
}

static int kf__setup(struct kf__cap *c, kf_cap_pos_t *pos)
{
	int r;

	r = kf_db_open(c->o->db, c->o->db_password, &c->db, c->errstr,
		       c->errstr_size);
	if (!r)
		r = kf__sql(c, "SET bytea_output = hex; SET IntervalStyle = "
			       "postgres; SET extra_float_digits = 1");
	if (!r)
		r = kf_cat_preflight(c->db, c->errstr, c->errstr_size);
	if (!r)
		r = kf_repl_open(c->o->db, c->o->db_password, &c->repl, &c->id,
				 c->errstr, c->errstr_size);
	if (!r)
		r = kf__names(c);
	if (!r)
		r = kf__tables(c);
	if (!r)
		r = kf_cat_publication(c->db, c->pub, c->defs, c->ndefs,
				       c->errstr, c->errstr_size);
	if (!r)
		r = kf_cap_out_new(c->o, c->txn_id, c->slot, c->st, &c->out,
				   c->errstr, c->errstr_size);
	if (!r)
		r = kf_cap_pos_read(c->o->kafka, c->o->offsets_topic, c->slot,
				    KF__TXN_MS, pos, c->errstr, c->errstr_size);
	if (!r && pos->found &&
	    (strcmp(pos->system_id, c->id.system_id) ||
	     strcmp(pos->db, c->id.db)))
		r = kf_seterr(c->errstr, c->errstr_size, KF_EINVAL,
			      "the offsets of slot %s on %s are of database "
			      "%s of system %s, not of %s of %s: give "
			      "another --slot, or delete that key",
			      c->slot, c->o->offsets_topic, pos->db,
			      pos->system_id, c->id.db, c->id.system_id);
	return r;
}

/* Which --tables entries from's record has in Kafka (docs/cdc.md 5):
 * the tables of its done array whole, its table in progress up to its
 * key, the others not at all. */
static int kf__resume_parts(struct kf__cap *c, const kf_cap_pos_t *from,
			    enum kf__part *part)
{
	const char *done = from->snap_done ? from->snap_done : "[]";
	kf_jtok_t *toks = malloc((KF__MAX_TABLES + 2) * sizeof(*toks));
	char qname[140], name[140], e[128] = "";
	size_t ntok = 0;
	int i, t, found = !from->snap_table, r = 0;

	if (!toks)
		return kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
				 "out of memory");
	if (kf_json_tokenize(done, strlen(done), toks, KF__MAX_TABLES + 2,
			     &ntok, e, sizeof(e)) ||
	    toks[0].type != KF_J_ARRAY)
		r = KF_EPROTO;
	for (t = 1; !r && t < (int)ntok; t = (int)toks[t].next)
		if (toks[t].type != KF_J_STRING)
			r = KF_EPROTO;
	if (r)
		r = kf_seterr(c->errstr, c->errstr_size, KF_EPROTO,
			      "the offsets record's snapshot done member is "
			      "not an array of table names: %s",
			      e);
	for (i = 0; !r && i < c->ndefs; i++) {
		snprintf(qname, sizeof(qname), "%s.%s", c->defs[i].schema,
			 c->defs[i].name);
		part[i] = KF__PART_NONE;
		if (from->snap_table && !strcmp(from->snap_table, qname)) {
			part[i] = KF__PART_UPTO_KEY;
			found = 1;
		}
		for (t = 1; t < (int)ntok; t = (int)toks[t].next)
			if (kf_json_string(done, &toks[t], name,
					   sizeof(name)) >= 0 &&
			    !strcmp(name, qname))
				part[i] = KF__PART_ALL;
	}
	free(toks);
	if (!r && !found)
		r = kf_seterr(c->errstr, c->errstr_size, KF_EINVAL,
			      "the snapshot to resume was reading table %s, "
			      "which --tables does not name: give the "
			      "--tables of the run before",
			      from->snap_table);
	return r;
}

/* Steps 1 and 2 of the resume (docs/cdc.md 7): the other slot other,
 * dropped when a killed resume left it, created anew on its own
 * replication connection *r2 exporting a snapshot at *x2, imported on the
 * SQL connection (transaction *txid). */
static int kf__resume_fork(struct kf__cap *c, const char *other, kf_repl_t **r2,
			   uint64_t *x2, int64_t *txid)
{
	kf_repl_ident_t id;
	char snap[128];
	int r;

	r = kf__slot_drop(c, other);
	if (!r)
		r = kf_repl_open(c->o->db, c->o->db_password, r2, &id,
				 c->errstr, c->errstr_size);
	if (!r)
		r = kf_repl_create_slot(*r2, other, x2, snap, sizeof(snap),
					c->errstr, c->errstr_size);
	return r ? r : kf__snap_import(c, snap, txid);
}

/* Step 4: the record of the switch (the other slot, x2, the same rows in
 * Kafka) with the catch-up's last events, then the old slot dropped; the
 * other slot's connection r2 becomes the stream's. */
static int kf__resume_switch(struct kf__cap *c, const kf_cap_pos_t *from,
			     const char *other, kf_repl_t *r2, uint64_t x2)
{
	char old[64];
	kf_cap_pos_t pos;
	int r = kf_cap_out_begin(c->out);

	snprintf(old, sizeof(old), "%s", c->use);
	snprintf(c->use, sizeof(c->use), "%s", other);
	kf__pos_init(c, &pos, x2);
	kf__cu_pos(&pos, from);
	pos.snap_lsn = x2;
	if (!r)
		r = kf_cap_out_commit(c->out, &pos);
	kf_repl_close(c->repl);
	c->repl = r2;
	if (!r)
		kf_info("capture",
			"the snapshot's resume switched from slot %s to %s "
			"at LSN %" PRIu64,
			old, other, x2);
	return r ? r : kf__slot_drop(c, old);
}

/* The resume of a snapshot stopped at from (docs/cdc.md 7, steps 1-5);
 * *x2: where the stream of the slot now in use starts (step 6). */
static int kf__resume(struct kf__cap *c, const kf_cap_pos_t *from, uint64_t *x2)
{
	enum kf__part *part = calloc((size_t)c->ndefs, sizeof(*part));
	struct kf__catchup cu = {from, 0, part, 0};
	kf_repl_t *r2 = NULL;
	char other[64];
	int64_t txid = -1;
	int r;

	if (strcmp(c->use, c->slot))
		snprintf(other, sizeof(other), "%s", c->slot);
	else
		kf_cap_pos_resume_slot(c->slot, other);
	kf_info("capture",
		"the last run stopped during the snapshot (%" PRId64
		" rows in Kafka): resuming it (slot %s to %s)",
		from->snap_rows, c->use, other);
	r = part ? kf__resume_parts(c, from, part)
		 : kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
			     "out of memory");
	if (!r)
		r = kf__resume_fork(c, other, &r2, &cu.x2, &txid);
	if (!r) { /* step 3 */
		c->cu = &cu;
		r = kf__stream(c, from->lsn);
		c->cu = NULL;
		c->in_src = 0;
	}
	if (!r) {
		r = kf__resume_switch(c, from, other, r2, cu.x2);
		r2 = NULL;
	}
	if (!r) /* steps 5 and 6 */
		r = kf__snap_run(c, cu.x2, txid, from, part);
	else
		kf__rollback(c);
	kf_repl_close(r2);
	free(part);
	*x2 = cu.x2;
	return r;
}

static int kf__run(struct kf__cap *c)
{
	kf_cap_pos_t pos;
	enum kf__start how = KF__START_STREAM;
	uint64_t start = 0;
	char snap[128];
	int64_t txid;
	int r;

	memset(&pos, 0, sizeof(pos));
	r = kf__setup(c, &pos);
	if (!r)
		r = kf__plan(c, &pos, &how, &start);
	if (!r && how == KF__START_RESUME) {
		r = kf__resume(c, &pos, &start);
	} else if (!r && how == KF__START_SNAPSHOT) {
		int want = c->o->snapshot != KF_CAPTURE_SNAPSHOT_NEVER;

		r = kf_repl_create_slot(c->repl, c->use, &start,
					want ? snap : NULL, sizeof(snap),
					c->errstr, c->errstr_size);
		if (!r && want)
			r = kf__snap_import(c, snap, &txid);
		if (!r && want)
			r = kf__snap_run(c, start, txid, NULL, NULL);
	}
	kf_cap_pos_clear(&pos);
	if (r)
		return r;
	if (how != KF__START_STREAM &&
	    c->o->snapshot == KF_CAPTURE_SNAPSHOT_INITIAL_ONLY)
		return kf_cat_drop_slot(c->db, c->use, c->errstr,
					c->errstr_size);
	return kf__stream(c, start);
}

int kf_capture_run(const kf_capture_opts_t *o, kf_capture_stats_t *st,
		   char *errstr, size_t errstr_size)
{
	struct kf__cap c;
	int i, r;

	if (o->db && (!strncmp(o->db, "mariadb://", 10) ||
		      !strncmp(o->db, "mysql://", 8)))
		return kf_mdbcapture_run(o, st, errstr, errstr_size);
	memset(st, 0, sizeof(*st));
	memset(&c, 0, sizeof(c));
	c.o = o;
	c.st = st;
	c.errstr = errstr;
	c.errstr_size = errstr_size;
	c.dec = kf_pgo_decoder_new();
	r = c.dec ? kf__run(&c)
		  : kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory");
	kf_cap_out_destroy(c.out);
	for (i = 0; i < c.nrels; i++)
		kf_cap_table_destroy(c.rels[i].t);
	free(c.rels);
	for (i = 0; i < c.ndefs; i++)
		kf_cat_def_free(&c.defs[i]);
	free(c.defs);
	kf_pgo_decoder_destroy(c.dec);
	kf_repl_close(c.repl);
	kf_db_close(c.db);
	return r;
}
