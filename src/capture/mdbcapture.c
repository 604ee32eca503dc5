/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MariaDB capture (docs/cdc.md 10). Phases:
 *   setup     the server's settings and grants (10.1), the tables from
 *             information_schema (10.7), the producer fenced in, the
 *             offsets record (10.5) read back
 *   snapshot  (no record) a consistent snapshot and its GTID position
 *             G, each table read in key order, one Kafka transaction per
 *             chunk; a record left in a snapshot resumes it (10.6): a
 *             new snapshot G2, the binlog up to G2 for the rows in Kafka
 *             (keys placed against the record's bound in the server's
 *             order), the rest read under G2
 *   stream    the binlog from the record's GTID position (or G, or
 *             @@gtid_binlog_pos with --snapshot never): whole source
 *             transactions batched into Kafka transactions with the
 *             record; nothing is sent back to the server
 */
#include "capture/mdbcapture.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capture/binlogconn.h"
#include "capture/mdbcatalog.h"
#include "capture/mdbrow.h"
#include "capture/outbox.h"
#include "common/err.h"
#include "common/json.h"
#include "common/log.h"
#include "common/stop.h"

#define KF__READ_MS 60000 /* reading the offsets back */
#define KF__MAX_MAPS 256  /* table maps of one transaction */
/* a batch of keys the server places (docs/cdc.md 10.6): images, SQL */
#define KF__PLACE_KEYS 1000
#define KF__PLACE_BYTES (1u << 20)

/* A --tables entry: information_schema's definition and its table; the
 * table of rows older than an ALTER TABLE (10.7), while their table
 * maps come. */
enum kf__part {
	KF__PART_NONE = 0, /* not begun: none of its rows in Kafka */
	KF__PART_UPTO,	   /* in progress: its rows up to the record's key */
	KF__PART_ALL	   /* done */
};

struct kf__mtab {
	kf_cat_def_t def;
	kf_cap_table_t *t;
	int stale; /* a DDL named it: read information_schema again */
	kf_cap_table_t *older;
	kf_cap_coldef_t *odefs;
	/* a snapshot resume (10.6): which rows the record has in Kafka;
	 * placed: the table in progress has a key the server compares */
	enum kf__part part;
	int placed;
};

struct kf__mcap {
	const kf_capture_opts_t *o;
	kf_capture_stats_t *st;
	char *errstr;
	size_t errstr_size;
	kf_db_t *db; /* SQL: information_schema, the snapshot */
	kf_blc_t *blc;
	kf_cap_out_t *out;
	char name[64], okey[80], txn_id[128], prefix[128], dbname[64];
	struct kf__mtab *tabs;
	int ntabs;
	/* the stream */
	kf_bl_tablemap_t *maps[KF__MAX_MAPS];
	int nmaps;
	kf_bl_txn_t txn;
	int skipping;		  /* the open transaction is in Kafka */
	char gtid[64], file[256]; /* the open transaction's GTID; file */
	kf_gtid_pos_t pos;	  /* after the last whole transaction */
	uint64_t end_pos;	  /* where that transaction ends */
	int64_t ts_ms;		  /* its timestamp */
	/* pos moved past transactions without events since the last
	 * offsets record, written at flushed_ms (docs/cdc.md 10.5) */
	int unflushed;
	int64_t flushed_ms;
	kf_strbuf_t ab, aa;	       /* the before and after images' texts */
	kf_bl_value_t *bv, *av;	       /* KF_BL_MAX_COLS each */
	kf_pgo_value_t *btext, *atext; /* the same */
	/* a snapshot resume's catch-up (10.6): the record resumed (its
	 * snapshot member goes into each record), the position it ends at,
	 * and its key bound as numbers (nbound of them; unsigned columns
	 * hold their bits) */
	const kf_cap_pos_t *resume;
	const kf_gtid_pos_t *until;
	int64_t *bound;
	int nbound;
	/* a key the server places (10.6, placed): the first pass over the
	 * catch-up (placing: each image goes into a batch query, nothing is
	 * emitted), the bound as typed literals, the key's collations, and
	 * the verdicts (bit i: image i is at or below the bound) that the
	 * second pass takes in order (vnext) */
	int placing;
	kf_db_sql_t bound_sql, batch;
	kf_mdbcat_coll_t *colls;
	int nbatch;
	uint8_t *verdicts;
	size_t nverdicts, vnext, queries;
};

/* ------------------------------------------------------------- setup */

static struct kf__mtab *kf__tab_find(struct kf__mcap *c, const char *db,
				     const char *name)
{
	int i;

	for (i = 0; i < c->ntabs; i++)
		if (!strcmp(c->tabs[i].def.schema, db) &&
		    !strcmp(c->tabs[i].def.name, name))
			return &c->tabs[i];
	return NULL;
}

/* (Re)reads tab's definition from information_schema and its table. */
static int kf__tab_load(struct kf__mcap *c, struct kf__mtab *tab,
			const char *qname)
{
	kf_cat_def_t d;
	kf_cap_table_t *t;
	int r;

	r = kf_mdbcat_table(c->db, qname, &d, c->errstr, c->errstr_size);
	if (r)
		return r;
	r = kf_cap_table_new_mariadb(c->prefix, d.schema, d.name, d.cols,
				     d.ncols, &t, c->errstr, c->errstr_size);
	if (r) {
		kf_mdbcat_def_free(&d);
		return r;
	}
	kf_mdbcat_def_free(&tab->def);
	kf_cap_table_destroy(tab->t);
	tab->def = d;
	tab->t = t;
	tab->stale = 0;
	return 0;
}

static int kf__tables(struct kf__mcap *c)
{
	char *list = strdup(c->o->tables ? c->o->tables : ""), *save = NULL, *t;
	int r = 0, n = 1;

	for (t = list; t && *t; t++)
		n += *t == ',';
	c->tabs = calloc((size_t)n, sizeof(*c->tabs));
	if (!list || !c->tabs)
		r = kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
			      "out of memory");
	for (t = list ? strtok_r(list, ",", &save) : NULL; !r && t;
	     t = strtok_r(NULL, ",", &save)) {
		r = kf__tab_load(c, &c->tabs[c->ntabs], t);
		c->ntabs += !r;
	}
	free(list);
	if (!r && !c->ntabs)
		r = kf_seterr(c->errstr, c->errstr_size, KF_EINVAL,
			      "no table to capture: give --tables "
			      "DB.TABLE[,...]");
	return r;
}

static int kf__names(struct kf__mcap *c)
{
	const char *s;
	int r;

	r = kf_cat_cell(c->db, "SELECT DATABASE()", c->dbname,
			sizeof(c->dbname), c->errstr, c->errstr_size);
	if (r)
		return r;
	if (c->o->slot && *c->o->slot)
		snprintf(c->name, sizeof(c->name), "%s", c->o->slot);
	else
		snprintf(c->name, sizeof(c->name), "kferry_%.56s", c->dbname);
	for (s = c->name; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9')))
			return kf_seterr(c->errstr, c->errstr_size, KF_EINVAL,
					 "capture name '%s': give --slot NAME "
					 "of 1 to 63 bytes of [a-z0-9_]",
					 c->name);
	snprintf(c->okey, sizeof(c->okey), "%s%s", KF_CAP_POS_MARIADB_KEY,
		 c->name);
	snprintf(c->txn_id, sizeof(c->txn_id), "kferry-capture-mariadb-%s",
		 c->name);
	snprintf(c->prefix, sizeof(c->prefix), "%s",
		 c->o->topic_prefix && *c->o->topic_prefix ? c->o->topic_prefix
							   : c->dbname);
	return 0;
}

static int kf__setup(struct kf__mcap *c, kf_cap_pos_t *pos)
{
	int r;

	if (c->o->publication && *c->o->publication)
		return kf_seterr(c->errstr, c->errstr_size, KF_EINVAL,
				 "--publication (capture.publication) has no "
				 "meaning for a MariaDB source: give --tables "
				 "and --slot only");
	r = kf_db_open(c->o->db, c->o->db_password, &c->db, c->errstr,
		       c->errstr_size);
	if (!r && kf_db_dialect(c->db) != KF_DB_MARIADB)
		r = kf_seterr(c->errstr, c->errstr_size, KF_EINVAL,
			      "the source is not a MariaDB server");
	if (!r)
		r = kf_blc_preflight(c->db, c->errstr, c->errstr_size);
	if (!r)
		r = kf__names(c);
	if (!r)
		r = kf__tables(c);
	if (!r)
		r = kf_cap_out_new(c->o, c->txn_id, c->okey, c->st, &c->out,
				   c->errstr, c->errstr_size);
	if (!r)
		r = kf_cap_pos_read(c->o->kafka, c->o->offsets_topic, c->okey,
				    KF__READ_MS, pos, c->errstr,
				    c->errstr_size);
	if (!r && pos->found && strcmp(pos->db, c->dbname))
		r = kf_seterr(c->errstr, c->errstr_size, KF_EINVAL,
			      "the offsets of capture %s on %s are of "
			      "database %s, not %s: give another --slot, or "
			      "delete the key %s",
			      c->name, c->o->offsets_topic, pos->db, c->dbname,
			      c->okey);
	else if (!r && pos->found) /* in Kafka already, by an earlier run */
		kf_cap_pos_text(pos, c->st->position, sizeof(c->st->position));
	return r;
}

/* A record of this capture at the stream's position. */
static void kf__pos_init(struct kf__mcap *c, kf_cap_pos_t *p)
{
	memset(p, 0, sizeof(*p));
	p->source = KF_CAP_POS_MARIADB;
	snprintf(p->slot, sizeof(p->slot), "%s", c->name);
	snprintf(p->db, sizeof(p->db), "%s", c->dbname);
	snprintf(p->file, sizeof(p->file), "%s", c->file);
	p->gtid = c->pos;
	p->binlog_pos = c->end_pos;
	p->ts_ms = c->ts_ms;
	p->txid = -1;
	if (c->resume) { /* the rows in Kafka are still those it says */
		p->in_snapshot = 1;
		p->snap_gtid = c->resume->snap_gtid;
		p->snap_table = c->resume->snap_table;
		p->snap_done = c->resume->snap_done;
		p->snap_keyv = c->resume->snap_keyv;
		p->snap_nkey = c->resume->snap_nkey;
		p->snap_rows = c->resume->snap_rows;
	}
}

/* ----------------------------------------------------------- snapshot */

struct kf__msnap {
	struct kf__mcap *c;
	struct kf__mtab *tab;
	kf_cap_source_t src;
	kf_pgo_value_t *v;
	kf_strbuf_t key;   /* the last row's key texts, NUL-separated */
	const char **keyv; /* into key */
	int nkey, chunk_rows, more, err;
	int64_t rows, total; /* of the table; total -1: not the last */
	int64_t rows_before; /* in Kafka before this run (a resume) */
	int first;
};

/* kf_db_row_cb: one row's 'r' event; the row after the chunk only says
 * that there is more. The key texts for the record follow the event's
 * columns (capture/mdbcatalog). */
static int kf__snap_row(void *arg, size_t ncols, const char *const *vals,
			const size_t *lens)
{
	struct kf__msnap *s = arg;
	const kf_cat_def_t *d = &s->tab->def;
	size_t i, n = (size_t)d->ncols;
	int last;

	if (s->chunk_rows++ == s->c->o->snapshot_chunk_rows)
		return s->more = 1, 0;
	if (ncols != n + (size_t)s->nkey)
		return s->err = kf_seterr(
			       s->c->errstr, s->c->errstr_size, KF_EPROTO,
			       "%s.%s: the snapshot read %zu "
			       "columns of %d",
			       d->schema, d->name, ncols, d->ncols + s->nkey),
		       1;
	for (i = 0; i < n; i++)
		s->v[i] = (kf_pgo_value_t){.kind = vals[i] ? 't' : 'n',
					   .len = (uint32_t)lens[i],
					   .data = vals[i]};
	last = s->total >= 0 && s->rows == s->total - 1;
	s->src.snapshot = s->first ? "first" : last ? "last" : "true";
	s->first = 0;
	s->rows++;
	s->c->st->snapshot_rows++;
	s->key.len = 0;
	for (i = n; i < ncols; i++)
		kf_strbuf_append(&s->key, vals[i] ? vals[i] : "",
				 (vals[i] ? lens[i] : 0) + 1);
	s->err = s->key.failed ? kf_seterr(s->c->errstr, s->c->errstr_size,
					   KF_ENOMEM, "out of memory")
			       : kf_cap_out_change(s->c->out, s->tab->t, 'r',
						   s->v, (int)n, NULL, 0, s->v,
						   (int)n, &s->src);
	return s->err ? 1 : 0;
}

/* The key texts in s->key into s->keyv: the number of them. */
static int kf__snap_keyv(struct kf__msnap *s)
{
	size_t at = 0;
	int i;

	for (i = 0; i < s->nkey && at < s->key.len; i++) {
		s->keyv[i] = s->key.p + at;
		at += strlen(s->key.p + at) + 1;
	}
	return i;
}

/* Appends the select of tab's rows after s's key (none: from the first)
 * to q. */
static int kf__snap_select(struct kf__msnap *s, kf_db_sql_t *q)
{
	const kf_cat_def_t *d = &s->tab->def;
	int nk = s->key.len ? kf__snap_keyv(s) : 0, r;

	r = kf_mdbcat_select(s->c->db, d, nk ? s->keyv : NULL, nk, q);
	if (r == KF_EPROTO)
		return kf_seterr(s->c->errstr, s->c->errstr_size, KF_EPROTO,
				 "%s.%s: the offsets record's snapshot key "
				 "does not fit the table's primary key (%d "
				 "texts): give the --tables of the run before, "
				 "or delete the record to snapshot again",
				 d->schema, d->name, nk);
	return r ? kf_seterr(s->c->errstr, s->c->errstr_size, r,
			     "out of memory")
		 : 0;
}

/* The number of rows the snapshot reads of tab from s's key on, into
 * s->total (the last table's: its last row is "last"). */
static int kf__snap_count(struct kf__msnap *s)
{
	struct kf__mcap *c = s->c;
	kf_db_sql_t q = {0};
	char n[32] = "0";
	int r;

	kf_db_sql_str(&q, "SELECT COUNT(*) FROM (");
	r = kf__snap_select(s, &q);
	kf_db_sql_str(&q, ") AS kf_rest");
	if (!r)
		r = q.failed ? kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
					 "out of memory")
			     : kf_cat_cell(c->db, q.p, n, sizeof(n), c->errstr,
					   c->errstr_size);
	s->total = strtoll(n, NULL, 10);
	kf_db_sql_free(&q);
	return r;
}

/* Table tab into Kafka from s's key on (none: from its first row), one
 * Kafka transaction per chunk with the record (the last chunk of the last
 * table: the record that ends the snapshot). Each chunk reads the rows
 * after the last one read (keyset: the server's order of the key). */
static int kf__snap_table(struct kf__msnap *s, const kf_gtid_pos_t *g,
			  kf_strbuf_t *done, int final)
{
	struct kf__mcap *c = s->c;
	const kf_cat_def_t *d = &s->tab->def;
	kf_db_sql_t q = {0};
	kf_cap_pos_t pos;
	kf_db_err_t e;
	char tail[64], qname[140];
	int r = 0, i;

	snprintf(qname, sizeof(qname), "%s.%s", d->schema, d->name);
	s->nkey = 0;
	for (i = 0; i < d->ncols; i++)
		s->nkey += d->cols[i].key_seq > 0;
	s->rows = 0;
	s->total = -1;
	s->src.db = d->schema;
	if (final)
		r = kf__snap_count(s);
	snprintf(tail, sizeof(tail), " LIMIT %d",
		 c->o->snapshot_chunk_rows + 1);
	for (s->more = 1; !r && s->more;) {
		if (kf_stop_requested()) {
			r = kf_seterr(c->errstr, c->errstr_size, KF_ESTOPPED,
				      "stopped during the snapshot");
			break;
		}
		q.len = 0;
		r = kf__snap_select(s, &q);
		kf_db_sql_str(&q, tail);
		s->more = 0;
		s->chunk_rows = 0;
		if (!r)
			r = kf_cap_out_begin(c->out);
		if (!r && kf_db_query(c->db, q.p, kf__snap_row, s, &e))
			r = s->err ? s->err
				   : kf_seterr(c->errstr, c->errstr_size,
					       KF_EIO,
					       "MariaDB: reading %s: %s", qname,
					       e.msg);
		if (r)
			break;
		kf__pos_init(c, &pos);
		pos.gtid = *g;
		if (!final || s->more) {
			pos.in_snapshot = 1;
			pos.snap_gtid = *g;
			pos.snap_table = qname;
			pos.snap_done = done->p;
			pos.snap_rows =
				s->rows_before + (int64_t)c->st->snapshot_rows;
			pos.snap_nkey = s->key.len ? kf__snap_keyv(s) : 0;
			pos.snap_keyv = s->keyv;
		}
		r = kf_cap_out_commit(c->out, &pos);
		if (!r)
			kf_dbg(KF_DBG_CAPTURE, "capture",
			       "snapshot chunk of %s committed: %" PRId64
			       " rows in Kafka",
			       qname,
			       s->rows_before + (int64_t)c->st->snapshot_rows);
	}
	kf_db_sql_free(&q);
	if (!r) {
		char esc[140 * 6];

		kf_json_escape(esc, sizeof(esc), qname);
		done->p[--done->len] = '\0'; /* the closing bracket */
		kf_strbuf_printf(done, "%s\"%s\"]",
				 strchr(done->p, '"') ? "," : "", esc);
	}
	return r;
}

/* The tables under the snapshot open on c->db at g (file, off) into
 * Kafka, then its end: from's table (a resume: from its key on, unless
 * its part says from the first row) and the tables not begun (every one
 * without from). */
static int kf__snap_tables(struct kf__mcap *c, const kf_gtid_pos_t *g,
			   uint64_t off, const kf_cap_pos_t *from)
{
	struct kf__msnap s = {.c = c};
	kf_strbuf_t done;
	kf_cap_pos_t pos;
	kf_db_err_t e;
	int i, r, n = 0, *order = calloc((size_t)c->ntabs, sizeof(*order));

	s.rows_before = from ? from->snap_rows : 0;
	s.first = s.rows_before == 0;
	s.src = (kf_cap_source_t){.prefix = c->prefix,
				  .ts_us = kf_cap_wall_us(),
				  .txid = -1,
				  .file = c->file,
				  .pos = off};
	c->ts_ms = s.src.ts_us / 1000;
	s.v = calloc(KF_BL_MAX_COLS, sizeof(*s.v));
	s.keyv = calloc(KF_BL_MAX_COLS, sizeof(*s.keyv));
	kf_strbuf_heap(&s.key, 256);
	kf_strbuf_heap(&done, 256);
	kf_strbuf_printf(&done, "%s",
			 from && from->snap_done ? from->snap_done : "[]");
	/* the table in progress first: a record names one */
	for (i = 0; order && i < c->ntabs; i++)
		if (c->tabs[i].part == KF__PART_UPTO)
			order[n++] = i;
	for (i = 0; order && i < c->ntabs; i++)
		if (c->tabs[i].part == KF__PART_NONE)
			order[n++] = i;
	r = s.v && s.keyv && order && !done.failed
		    ? 0
		    : kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
				"out of memory");
	if (!r && !n) { /* every table was done: only the end */
		kf__pos_init(c, &pos);
		pos.gtid = *g;
		r = kf_cap_out_begin(c->out);
		r = r ? r : kf_cap_out_commit(c->out, &pos);
	}
	for (i = 0; !r && i < n; i++) {
		struct kf__mtab *tab = &c->tabs[order[i]];

		s.key.len = 0;
		if (tab->part == KF__PART_UPTO) {
			int k;

			for (k = 0; k < from->snap_nkey; k++)
				kf_strbuf_append(&s.key, from->snap_keyv[k],
						 strlen(from->snap_keyv[k]) +
							 1);
		}
		s.tab = tab;
		r = kf__snap_table(&s, g, &done, i == n - 1);
	}
	free(order);
	free(s.v);
	free(s.keyv);
	free(s.key.p);
	free(done.p);
	if (r)
		kf_cap_out_abort(c->out);
	if (kf_db_exec(c->db, "COMMIT", NULL, &e) && !r)
		r = kf_seterr(c->errstr, c->errstr_size, KF_EIO,
			      "MariaDB: ending the snapshot: %s", e.msg);
	return r;
}

/* A consistent snapshot on c->db (10.6): its GTID position into *g, its
 * binlog offset into *off. */
static int kf__snap_open(struct kf__mcap *c, kf_gtid_pos_t *g, uint64_t *off,
			 const char *why)
{
	char t[KF_GTID_POS_TEXT_MAX];
	int r;

	r = kf_blc_snapshot(c->db, g, c->file, sizeof(c->file), off, c->errstr,
			    c->errstr_size);
	if (r)
		return r;
	c->end_pos = *off;
	kf_gtid_pos_format(g, t);
	kf_info("capture",
		"snapshot of %d table(s) at GTID position '%s' (%s:%" PRIu64
		")%s",
		c->ntabs, t, c->file, *off, why);
	return 0;
}

/* The snapshot of 10.6: its GTID position into *g. */
static int kf__snapshot(struct kf__mcap *c, kf_gtid_pos_t *g)
{
	uint64_t off = 0;
	int i, r;

	for (i = 0; i < c->ntabs; i++)
		c->tabs[i].part = KF__PART_NONE;
	r = kf__snap_open(c, g, &off, "");
	c->pos = *g;
	return r ? r : kf__snap_tables(c, g, off, NULL);
}

/* ------------------------------------------------------------- stream */

static void kf__maps_clear(struct kf__mcap *c)
{
	int i;

	for (i = 0; i < c->nmaps; i++)
		kf_bl_tablemap_destroy(c->maps[i]);
	c->nmaps = 0;
}

static int kf__map(struct kf__mcap *c, const kf_bl_event_t *ev)
{
	kf_bl_tablemap_t *tm;
	int r, i;

	r = kf_bl_tablemap_parse(ev->body, ev->body_len, &tm, c->errstr,
				 c->errstr_size);
	if (r)
		return r;
	for (i = 0; i < c->nmaps; i++)
		if (c->maps[i]->table_id == tm->table_id) {
			kf_bl_tablemap_destroy(c->maps[i]);
			c->maps[i] = tm;
			return 0;
		}
	if (c->nmaps == KF__MAX_MAPS) {
		kf_bl_tablemap_destroy(tm);
		return kf_seterr(c->errstr, c->errstr_size, KF_ELIMIT,
				 "GTID %s: more than %d tables in one "
				 "transaction",
				 c->gtid, KF__MAX_MAPS);
	}
	c->maps[c->nmaps++] = tm;
	return 0;
}

/* The table whose shape tm's rows have (docs/cdc.md 10.7): the held
 * one when tm matches it, else information_schema's again when that
 * matches, else tm's own columns (rows older than an ALTER TABLE). */
static int kf__table_of(struct kf__mcap *c, struct kf__mtab *tab,
			const kf_bl_tablemap_t *tm, kf_cap_table_t **t)
{
	char qname[140];
	int r;

	snprintf(qname, sizeof(qname), "%s.%s", tab->def.schema, tab->def.name);
	if (tab->stale ||
	    !kf_mdb_coldefs_match(tab->def.cols, tab->def.ncols, tm)) {
		r = kf__tab_load(c, tab, qname);
		if (r)
			return r;
		kf_info("capture", "%s: definition read again at GTID %s",
			qname, c->gtid);
	}
	*t = tab->t;
	if (kf_mdb_coldefs_match(tab->def.cols, tab->def.ncols, tm))
		return 0;
	/* rows of an older shape: the map's own columns */
	kf_cap_table_destroy(tab->older);
	tab->older = NULL;
	free(tab->odefs);
	tab->odefs = calloc(tm->ncols ? tm->ncols : 1, sizeof(*tab->odefs));
	if (!tab->odefs)
		return kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
				 "out of memory");
	r = kf_mdb_coldefs_older(tab->def.cols, tab->def.ncols, tm, tab->odefs,
				 c->errstr, c->errstr_size);
	if (!r)
		r = kf_cap_table_new_mariadb(
			c->prefix, tab->def.schema, tab->def.name, tab->odefs,
			(int)tm->ncols, &tab->older, c->errstr, c->errstr_size);
	*t = tab->older;
	return r;
}

/* Whether the key columns of before and after differ (a key change:
 * delete and create, docs/cdc.md 3). */
static int kf__key_moved(const kf_bl_tablemap_t *tm, const kf_pgo_value_t *b,
			 const kf_pgo_value_t *a)
{
	uint32_t i;

	for (i = 0; i < tm->ncols; i++)
		if (tm->cols[i].key_seq &&
		    (b[i].kind != a[i].kind || b[i].len != a[i].len ||
		     (b[i].len && memcmp(b[i].data, a[i].data, b[i].len))))
			return 1;
	return 0;
}

/* The key column of d at key position k (1-based); NULL: none. */
static const kf_cap_coldef_t *kf__key_col(const kf_cat_def_t *d, int k)
{
	int i;

	for (i = 0; i < d->ncols; i++)
		if (d->cols[i].key_seq == k)
			return &d->cols[i];
	return NULL;
}

/* Sends the batch of images to place (10.6): its verdicts appended. */
static int kf__place_run(struct kf__mcap *c)
{
	size_t n = (size_t)c->nbatch, i, had = (c->nverdicts + 7) / 8,
	       need = (c->nverdicts + n + 7) / 8;
	uint8_t *g;
	char *cell;
	int r = 0;

	if (!n)
		return 0;
	g = realloc(c->verdicts, need);
	cell = malloc(n + 2);
	if (g) { /* the new bytes zeroed: a bit is set for a 1 only */
		memset(g + had, 0, need - had);
		c->verdicts = g;
	}
	kf_db_sql_str(&c->batch, ")");
	if (!g || !cell || c->batch.failed)
		r = kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
			      "out of memory");
	else
		r = kf_cat_cell(c->db, c->batch.p, cell, n + 2, c->errstr,
				c->errstr_size);
	if (!r && (strlen(cell) != n || strspn(cell, "01") != n))
		r = kf_seterr(c->errstr, c->errstr_size, KF_EPROTO,
			      "the server placed %zu key(s) of the snapshot "
			      "resume's catch-up as '%.20s': not one 0 or 1 "
			      "each (a key its type cannot hold?): delete the "
			      "offsets record to snapshot again",
			      n, cell);
	for (i = 0; !r && i < n; i++, c->nverdicts++)
		if (cell[i] == '1')
			c->verdicts[c->nverdicts / 8] |=
				(uint8_t)(1u << (c->nverdicts % 8));
	free(cell);
	c->queries += !r;
	c->nbatch = 0;
	c->batch.len = 0;
	return r;
}

/* The first pass (c->placing): the key of image v of tab (decoded with
 * tm, c->nbound key columns) into the batch, sent when full. */
static int kf__place(struct kf__mcap *c, const struct kf__mtab *tab,
		     const kf_bl_tablemap_t *tm, const kf_bl_value_t *v)
{
	kf_db_sql_t *q = &c->batch;
	const kf_cap_coldef_t *dc;
	uint32_t i;
	int k, r = 0;

	kf_db_sql_str(q, c->nbatch ? ", (" : "SELECT CONCAT((");
	for (k = 1; !r && k <= c->nbound; k++) {
		for (i = 0; i < tm->ncols && tm->cols[i].key_seq != k; i++)
			;
		dc = kf__key_col(&tab->def, k);
		if (k > 1)
			kf_db_sql_str(q, ", ");
		r = i == tm->ncols || !dc
			    ? KF_EPROTO
			    : kf_mdbcat_value_lit(q, dc, &c->colls[k - 1],
						  &tm->cols[i], &v[i]);
		if (r)
			return kf_seterr(
				c->errstr, c->errstr_size, KF_EPROTO,
				"%s.%s at GTID %s: key column %d of a change "
				"does not fit the table's key (its type "
				"changed, or a value longer than %d bytes): "
				"it cannot be placed against the snapshot's "
				"bound (delete the offsets record to snapshot "
				"again)",
				tm->db, tm->table, c->gtid, k,
				KF_MDBCAT_KEY_MAX);
	}
	kf_db_sql_str(q, ") <= ");
	kf_db_sql_add(q, c->bound_sql.p, c->bound_sql.len);
	c->nbatch++;
	if (c->nbatch < KF__PLACE_KEYS && q->len < KF__PLACE_BYTES)
		return 0;
	return kf__place_run(c);
}

/* The second pass: the first pass's verdict on the next image. */
static int kf__verdict(struct kf__mcap *c, const kf_bl_tablemap_t *tm)
{
	size_t i = c->vnext++;

	if (i >= c->nverdicts)
		return kf_seterr(c->errstr, c->errstr_size, KF_EPROTO,
				 "%s.%s at GTID %s: more keys to place than "
				 "the first pass over the same binlog placed "
				 "(%zu): delete the offsets record to snapshot "
				 "again",
				 tm->db, tm->table, c->gtid, c->nverdicts);
	return c->verdicts[i / 8] >> (i % 8) & 1;
}

/* Whether the row v of tab (decoded with tm) is in Kafka during a
 * resume's catch-up (10.6): tab done, or in progress with a key at or
 * below the record's: compared as numbers (the server's order of integer,
 * YEAR, ENUM and SET keys), or placed by the server (tab->placed: the
 * first pass sends it, the second takes its verdict). 1, 0, or
 * KF_EPROTO with errstr. */
static int kf__in_kafka(struct kf__mcap *c, const struct kf__mtab *tab,
			const kf_bl_tablemap_t *tm, const kf_bl_value_t *v)
{
	uint32_t i;
	int k, n = 0;

	if (tab->part != KF__PART_UPTO)
		return tab->part != KF__PART_NONE;
	for (i = 0; i < tm->ncols; i++)
		n += tm->cols[i].key_seq > 0;
	if (n != c->nbound)
		return kf_seterr(c->errstr, c->errstr_size, KF_EPROTO,
				 "%s.%s at GTID %s: a change with %d key "
				 "columns, the snapshot's key has %d: it "
				 "cannot be placed against the snapshot's "
				 "bound (delete the offsets record to "
				 "snapshot again)",
				 tm->db, tm->table, c->gtid, n, c->nbound);
	if (tab->placed)
		return c->placing ? kf__place(c, tab, tm, v)
				  : kf__verdict(c, tm);
	for (k = 1; k <= n; k++)
		for (i = 0; i < tm->ncols; i++) {
			const kf_bl_value_t *x = &v[i];
			int64_t b = c->bound[k - 1];

			if (tm->cols[i].key_seq != k)
				continue;
			if (x->kind == KF_BL_V_ENUM || x->kind == KF_BL_V_SET ||
			    (x->kind == KF_BL_V_INT &&
			     tm->cols[i].is_unsigned)) {
				if (x->u != (uint64_t)b)
					return x->u < (uint64_t)b;
			} else if (x->kind == KF_BL_V_INT ||
				   x->kind == KF_BL_V_YEAR) {
				if (x->i != b)
					return x->i < b;
			} else {
				return kf_seterr(
					c->errstr, c->errstr_size, KF_EPROTO,
					"%s.%s at GTID %s: key column %s is "
					"no integer in the binlog: it cannot "
					"be placed against the snapshot's "
					"bound",
					tm->db, tm->table, c->gtid,
					tm->cols[i].name ? tm->cols[i].name
							 : "?");
			}
		}
	return 1; /* equal: the bound row itself */
}

/* One row of a rows event: its events; in a resume's catch-up only the
 * halves of rows in Kafka (ina, inb: the after and before images are). */
static int kf__row(struct kf__mcap *c, const kf_cap_table_t *t,
		   const kf_bl_tablemap_t *tm, char op,
		   const kf_cap_source_t *src, int inb, int ina)
{
	kf_pgo_value_t *b = c->btext, *a = c->atext;
	int n = (int)tm->ncols, zeroed = 0, r = 0;

	c->ab.len = c->aa.len = 0;
	if (op != 'c')
		r = kf_mdb_row_text(tm, c->bv, &c->ab, b, &zeroed, c->errstr,
				    c->errstr_size);
	if (!r && op != 'd')
		r = kf_mdb_row_text(tm, c->av, &c->aa, a, &zeroed, c->errstr,
				    c->errstr_size);
	if (r)
		return r;
	if (zeroed)
		kf_warn("capture",
			"%s at GTID %s: %d zero date(s) without a Connect "
			"value, written as null",
			kf_cap_table_name(t), c->gtid, zeroed);
	if (op == 'u' && inb && ina && !kf__key_moved(tm, b, a))
		return kf_cap_out_change(c->out, t, 'u', a, n, b, n, a, n, src);
	/* a delete, a create, or a key change: delete and create */
	if (op != 'c' && inb)
		r = kf_cap_out_change(c->out, t, 'd', b, n, b, n, NULL, 0, src);
	if (!r && op != 'd' && ina)
		r = kf_cap_out_change(c->out, t, 'c', a, n, NULL, 0, a, n, src);
	return r;
}

static int kf__rows(struct kf__mcap *c, const kf_bl_event_t *ev)
{
	const kf_bl_tablemap_t *tm = NULL;
	struct kf__mtab *tab;
	kf_cap_table_t *t = NULL;
	kf_cap_source_t src;
	kf_bl_rows_t rows;
	int i, r;

	r = kf_bl_rows_parse(ev->type, ev->body, ev->body_len, &rows, c->errstr,
			     c->errstr_size);
	if (r)
		return r;
	for (i = 0; i < c->nmaps; i++)
		if (c->maps[i]->table_id == rows.table_id)
			tm = c->maps[i];
	if (!tm)
		return kf_seterr(c->errstr, c->errstr_size, KF_EPROTO,
				 "GTID %s: a rows event of table id %" PRIu64
				 " without its table map",
				 c->gtid, rows.table_id);
	tab = kf__tab_find(c, tm->db, tm->table);
	if (!tab || c->skipping || (c->resume && tab->part == KF__PART_NONE) ||
	    (c->placing && !tab->placed))
		return 0;
	/* the first pass only places keys: no event */
	r = c->placing ? 0 : kf__table_of(c, tab, tm, &t);
	if (!r && !c->placing)
		r = kf_cap_out_begin(c->out);
	src = (kf_cap_source_t){.prefix = c->prefix,
				.db = tm->db,
				.snapshot = "false",
				.ts_us = (int64_t)ev->ts * 1000000,
				.txid = -1,
				.server_id = ev->server_id,
				.gtid = c->gtid,
				.file = c->file,
				.pos = c->txn.begin_pos};
	while (!r && (r = kf_bl_rows_next(&rows, tm, c->bv, c->av, c->errstr,
					  c->errstr_size)) == 1) {
		int inb = 1, ina = 1;

		if (c->resume && rows.op != 'c')
			inb = kf__in_kafka(c, tab, tm, c->bv);
		if (c->resume && rows.op != 'd' && inb >= 0)
			ina = kf__in_kafka(c, tab, tm, c->av);
		r = inb < 0	 ? inb
		    : ina < 0	 ? ina
		    : c->placing ? 0
				 : kf__row(c, t, tm, rows.op, &src, inb, ina);
		src.row++;
	}
	return r;
}

/* A statement's text as words: identifiers (`quoted` or bare) and
 * punctuation, comments and spaces skipped. */
struct kf__words {
	const char *p, *end;
};

/* The next word of w into out (cap bytes, cut; "" at the end): an
 * identifier (unquoted), or one character of punctuation. *quoted: it
 * was in backquotes (no keyword). */
static void kf__word(struct kf__words *w, char *out, size_t cap, int *quoted)
{
	size_t n = 0;

	*quoted = 0;
	for (;;) {
		while (w->p < w->end && strchr(" \t\r\n", *w->p))
			w->p++;
		if (w->end - w->p >= 2 && w->p[0] == '/' && w->p[1] == '*') {
			const char *e = w->p + 2;

			while (e + 1 < w->end && !(e[0] == '*' && e[1] == '/'))
				e++;
			w->p = e + 2 <= w->end ? e + 2 : w->end;
			continue;
		}
		break;
	}
	if (w->p < w->end && *w->p == '`') {
		*quoted = 1;
		for (w->p++; w->p < w->end; w->p++) {
			if (*w->p == '`' &&
			    !(w->p + 1 < w->end && w->p[1] == '`'))
				break;
			if (*w->p == '`')
				w->p++;
			if (n + 1 < cap)
				out[n++] = *w->p;
		}
		w->p += w->p < w->end;
	} else if (w->p < w->end && (isalnum((unsigned char)*w->p) ||
				     *w->p == '_' || *w->p == '$')) {
		for (; w->p < w->end && (isalnum((unsigned char)*w->p) ||
					 *w->p == '_' || *w->p == '$');
		     w->p++)
			if (n + 1 < cap)
				out[n++] = *w->p;
	} else if (w->p < w->end) {
		out[n++] = *w->p++;
	}
	out[n] = '\0';
}

/* The next table name of w ("t" or "db.t", db defaulting to dflt) into
 * db and t; its next word after it into next. 0, or -1 (none). */
static int kf__word_table(struct kf__words *w, const char *dflt, char *db,
			  char *t, char *next)
{
	int q;

	kf__word(w, t, 64, &q);
	if (!*t || (!q && !isalnum((unsigned char)*t) && *t != '_'))
		return -1;
	kf__word(w, next, 64, &q);
	snprintf(db, 64, "%s", dflt);
	if (!strcmp(next, ".")) {
		snprintf(db, 64, "%s", t);
		kf__word(w, t, 64, &q);
		kf__word(w, next, 64, &q);
	}
	return 0;
}

/* A statement naming a captured table (10.7): its definition is stale
 * (read again at its next rows); DROP TABLE and RENAME TABLE of one stop
 * the capture (KF_EINVAL: exit 3), TRUNCATE of one is a warning (no
 * event: Debezium's default skips truncates). */
static int kf__ddl(struct kf__mcap *c, const kf_bl_event_t *ev)
{
	struct kf__words w = {ev->query, ev->query + ev->query_len};
	char verb[16], word[64], dflt[64], db[64], t[64], next[64];
	const char *mark;
	struct kf__mtab *tab;
	int i, q, drop;

	for (i = 0; i < c->ntabs; i++) {
		const char *n = c->tabs[i].def.name;
		size_t k, len = strlen(n);

		for (k = 0; k + len <= ev->query_len; k++)
			if (!strncasecmp(ev->query + k, n, len)) {
				c->tabs[i].stale = 1;
				kf_info("capture",
					"GTID %s: a statement names %s.%s: "
					"its definition is read again at its "
					"next rows",
					c->gtid, c->tabs[i].def.schema, n);
				break;
			}
	}
	snprintf(dflt, sizeof(dflt), "%.*s", (int)ev->db_len,
		 ev->db ? ev->db : "");
	if (c->skipping)
		return 0; /* in Kafka: seen by the run before */
	kf__word(&w, verb, sizeof(verb), &q);
	drop = !strcasecmp(verb, "DROP");
	if (!drop && strcasecmp(verb, "RENAME") && strcasecmp(verb, "TRUNCATE"))
		return 0;
	mark = w.p;
	kf__word(&w, word, sizeof(word), &q);
	if (drop && !strcasecmp(word, "TEMPORARY"))
		return 0; /* a session's own table, never in the binlog's rows */
	if (!strcasecmp(word, "TABLE") || !strcasecmp(word, "TABLES")) {
		mark = w.p;
		kf__word(&w, word, sizeof(word), &q);
	} else if (strcasecmp(verb, "TRUNCATE")) {
		return 0; /* DROP DATABASE, RENAME USER...: not a table's */
	}
	if (drop && !q && !strcasecmp(word, "IF")) { /* IF EXISTS */
		kf__word(&w, word, sizeof(word), &q);
		mark = w.p;
	}
	w.p = mark; /* the first name */
	while (!kf__word_table(&w, dflt, db, t, next)) {
		tab = kf__tab_find(c, db, t);
		if (tab && strcasecmp(verb, "TRUNCATE"))
			return kf_seterr(
				c->errstr, c->errstr_size, KF_EINVAL,
				"GTID %s: %s TABLE of captured table "
				"%s.%s: the capture stops (docs/cdc.md "
				"10.7; its topics are not moved): "
				"restart it with a --tables list "
				"without it, or with a new --slot to "
				"snapshot again",
				c->gtid, verb, db, t);
		if (tab)
			kf_warn("capture",
				"GTID %s: TRUNCATE of captured table %s.%s: "
				"no event for it (as Debezium's connector by "
				"default): the sink's table keeps its rows",
				c->gtid, db, t);
		if (!strcasecmp(next, "TO")) /* RENAME: the new name too */
			continue;
		if (strcmp(next, ","))
			break;
	}
	return 0;
}

/* The end of the open source transaction at ev. */
static int kf__end(struct kf__mcap *c, const kf_bl_event_t *ev)
{
	int r = kf_gtid_pos_advance(&c->pos, &c->txn.gtid);

	if (r)
		return kf_seterr(c->errstr, c->errstr_size, r,
				 "GTID %s does not follow the position",
				 c->gtid);
	c->end_pos = ev->next_pos;
	c->ts_ms = (int64_t)ev->ts * 1000;
	if (c->skipping)
		c->st->skipped_txns++;
	else
		c->st->source_txns++;
	/* no event of it waits, and the last record does not cover it */
	if (!c->skipping && !kf_cap_out_is_open(c->out))
		c->unflushed = 1;
	c->skipping = 0;
	kf__maps_clear(c);
	return 0;
}

/* One event of the dump. */
static int kf__event(struct kf__mcap *c, const kf_bl_event_t *ev)
{
	int step = kf_bl_txn_step(&c->txn, ev, c->errstr, c->errstr_size), r;

	if (step < 0)
		return step;
	if (ev->type == KF_BL_ROTATE && ev->query_len < sizeof(c->file)) {
		memcpy(c->file, ev->query, ev->query_len);
		c->file[ev->query_len] = '\0';
	}
	switch (step) {
	case KF_BL_STEP_BEGIN:
		snprintf(c->gtid, sizeof(c->gtid),
			 "%" PRIu32 "-%" PRIu32 "-%" PRIu64, c->txn.gtid.domain,
			 c->txn.gtid.server, c->txn.gtid.seq);
		c->skipping = kf_gtid_pos_covers(&c->pos, &c->txn.gtid);
		kf__maps_clear(c);
		return 0;
	case KF_BL_STEP_IN:
		if (ev->type == KF_BL_TABLE_MAP)
			return kf__map(c, ev);
		if ((ev->type >= KF_BL_WRITE_V1 &&
		     ev->type <= KF_BL_DELETE_V1) ||
		    (ev->type >= KF_BL_WRITE_V2 && ev->type <= KF_BL_DELETE_V2))
			return kf__rows(c, ev);
		return 0;
	case KF_BL_STEP_DDL: /* the first pass only places keys */
		r = c->placing ? 0 : kf__ddl(c, ev);
		return r ? r : kf__end(c, ev);
	case KF_BL_STEP_COMMIT:
		return kf__end(c, ev);
	default:
		return 0;
	}
}

static int kf__flush(struct kf__mcap *c)
{
	kf_cap_pos_t pos;

	kf__pos_init(c, &pos);
	c->unflushed = 0;
	c->flushed_ms = kf_cap_now_ms();
	return kf_cap_out_commit(c->out, &pos);
}

/* An offsets record alone, when only transactions without events (of
 * tables not captured) passed since the last one, at most every
 * capture.status_interval_ms, or at force (docs/cdc.md 10.5): a restart
 * then starts after them, and the binlogs they are in may be purged. */
static int kf__flush_idle(struct kf__mcap *c, int64_t now, int force)
{
	int r;

	if (!c->unflushed || c->txn.open || kf_cap_out_is_open(c->out) ||
	    (!force && now - c->flushed_ms < c->o->status_interval_ms))
		return 0;
	r = kf_cap_out_begin(c->out);
	return r ? r : kf__flush(c);
}

/* The capture's replica id (docs/cdc.md 10.2): capture.server_id, or
 * one from the name above every id that key can set. */
static uint32_t kf__server_id(const struct kf__mcap *c)
{
	if (c->o->server_id)
		return c->o->server_id;
	return 4000000000u +
	       kf_bl_crc32((const uint8_t *)c->name, strlen(c->name)) %
		       100000000u;
}

/* Whether position p covers every transaction of position g. */
static int kf__covers(const kf_gtid_pos_t *p, const kf_gtid_pos_t *g)
{
	int i;

	for (i = 0; i < g->n; i++)
		if (!kf_gtid_pos_covers(p, &g->g[i]))
			return 0;
	return 1;
}

/* The binlog from position from into Kafka; with c->until (a resume's
 * catch-up), only up to that position, then the dump is closed. */
static int kf__stream(struct kf__mcap *c, const kf_gtid_pos_t *from)
{
	char t[KF_GTID_POS_TEXT_MAX];
	int64_t now, last_change = kf_cap_now_ms();
	uint32_t hb = c->o->batch_ms < 100    ? 100
		      : c->o->batch_ms > 1000 ? 1000
					      : (uint32_t)c->o->batch_ms;
	kf_bl_event_t ev;
	kf_db_t *dump;
	int r;

	c->pos = *from;
	c->unflushed = 0;
	c->flushed_ms = last_change;
	if (c->until && kf__covers(&c->pos, c->until))
		return 0;
	r = kf_db_open(c->o->db, c->o->db_password, &dump, c->errstr,
		       c->errstr_size);
	if (!r)
		r = kf_blc_open(dump, from, kf__server_id(c), hb, &c->blc,
				c->errstr, c->errstr_size);
	if (r)
		return r;
	kf_gtid_pos_format(from, t);
	kf_info("capture", "%s the binlog from GTID position '%s'",
		c->placing ? "placing the keys of"
		: c->until ? "catching up on"
			   : "streaming",
		t);
	for (;;) {
		r = kf_stop_requested() ? KF_ESTOPPED
					: kf_blc_next(c->blc, &ev, c->errstr,
						      c->errstr_size);
		/* the stop's signal also interrupts a read: a stop, not the
		 * stream's failure */
		if (r && kf_stop_requested())
			return kf_seterr(c->errstr, c->errstr_size, KF_ESTOPPED,
					 "stopped");
		if (!r && ev.type != KF_BL_HEARTBEAT) {
			uint64_t before = c->st->events;

			r = kf__event(c, &ev);
			if (c->st->events != before)
				last_change = kf_cap_now_ms();
		}
		if (r)
			return r;
		now = kf_cap_now_ms();
		if (c->until && !c->txn.open && kf__covers(&c->pos, c->until))
			break;
		if (!c->txn.open && kf_cap_out_due(c->out, now) &&
		    (r = kf__flush(c)))
			return r;
		if (c->until)
			continue;
		if (c->o->idle_exit_s > 0 && !c->txn.open &&
		    !kf_cap_out_is_open(c->out) &&
		    now - last_change >= c->o->idle_exit_s * 1000LL)
			return kf__flush_idle(c, now, 1);
		if ((r = kf__flush_idle(c, now, 0)))
			return r;
	}
	kf_blc_close(c->blc);
	c->blc = NULL;
	return 0;
}

/* --------------------------------------------------- snapshot resume */

/* The bound of the record from on tab (qname), whose key the server
 * places (10.6): its key columns' collations and their typed literals,
 * "(b1, ...)", into c. */
static int kf__bound_sql(struct kf__mcap *c, const struct kf__mtab *tab,
			 const kf_cap_pos_t *from, const char *qname)
{
	const kf_cap_coldef_t *kc;
	int k, r, nkey = 0;

	for (k = 0; k < tab->def.ncols; k++)
		nkey += tab->def.cols[k].key_seq > 0;
	free(c->colls);
	c->colls = calloc((size_t)nkey + 1, sizeof(*c->colls));
	if (!c->colls)
		return kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
				 "out of memory");
	r = kf_mdbcat_key_colls(c->db, &tab->def, c->colls, c->errstr,
				c->errstr_size);
	if (r)
		return r;
	c->bound_sql.len = 0;
	kf_db_sql_str(&c->bound_sql, "(");
	for (k = 1; !r && k <= nkey; k++) {
		kc = kf__key_col(&tab->def, k);
		if (k > 1)
			kf_db_sql_str(&c->bound_sql, ", ");
		r = !kc || nkey != from->snap_nkey
			    ? KF_EPROTO
			    : kf_mdbcat_bound_lit(&c->bound_sql, kc,
						  &c->colls[k - 1],
						  from->snap_keyv[k - 1]);
	}
	kf_db_sql_str(&c->bound_sql, ")");
	if (r)
		return kf_seterr(c->errstr, c->errstr_size, KF_EPROTO,
				 "the offsets record's snapshot key of %s "
				 "(%d texts) does not fit its primary key (%d "
				 "columns): give the --tables of the run "
				 "before, or delete the record to snapshot "
				 "again",
				 qname, from->snap_nkey, nkey);
	return c->bound_sql.failed ? kf_seterr(c->errstr, c->errstr_size,
					       KF_ENOMEM, "out of memory")
				   : 0;
}

/* Which rows the record from has in Kafka (10.6): each --tables entry's
 * part, and the bound of the table in progress: as numbers when its key
 * is of integers (compared here), else as typed literals (placed by the
 * server). */
static int kf__resume_parts(struct kf__mcap *c, const kf_cap_pos_t *from)
{
	const char *done = from->snap_done ? from->snap_done : "[]";
	char qname[140], esc[140 * 6 + 3];
	int i, k, r, found = !from->snap_table;

	for (i = 0; i < c->ntabs; i++) {
		struct kf__mtab *tab = &c->tabs[i];

		snprintf(qname, sizeof(qname), "%s.%s", tab->def.schema,
			 tab->def.name);
		/* the writer's own text: each name escaped and quoted */
		esc[0] = '"';
		kf_json_escape(esc + 1, sizeof(esc) - 3, qname);
		strcat(esc, "\"");
		tab->part = strstr(done, esc) ? KF__PART_ALL : KF__PART_NONE;
		if (from->snap_table && !strcmp(from->snap_table, qname)) {
			/* a null key: none of its rows in Kafka yet */
			tab->part = from->snap_nkey > 0 ? KF__PART_UPTO
							: KF__PART_NONE;
			found = 1;
		}
		if (tab->part != KF__PART_UPTO)
			continue;
		free(c->bound);
		c->nbound = 0;
		c->bound =
			calloc((size_t)from->snap_nkey + 1, sizeof(*c->bound));
		if (!c->bound)
			return kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
					 "out of memory");
		for (k = 0; k < tab->def.ncols; k++)
			if (tab->def.cols[k].key_seq > 0 &&
			    !kf_mdbcat_key_int(&tab->def.cols[k]))
				tab->placed = 1;
		if (tab->placed && (r = kf__bound_sql(c, tab, from, qname)))
			return r;
		for (k = 0; !tab->placed && k < from->snap_nkey; k++) {
			const char *v = from->snap_keyv[k];
			char *end = NULL;

			errno = 0;
			c->bound[k] = *v == '-'
					      ? strtoll(v, &end, 10)
					      : (int64_t)strtoull(v, &end, 10);
			if (!*v || *end || errno)
				return kf_seterr(
					c->errstr, c->errstr_size, KF_EPROTO,
					"the offsets record's snapshot key "
					"of %s is not a key of integers: "
					"delete the record to snapshot again",
					qname);
		}
		c->nbound = from->snap_nkey;
	}
	if (!found)
		return kf_seterr(c->errstr, c->errstr_size, KF_EINVAL,
				 "the snapshot to resume was reading table "
				 "%s, which --tables does not name: give the "
				 "--tables of the run before",
				 from->snap_table);
	return 0;
}

/* The first pass of a catch-up whose table in progress has a key the
 * server places (10.6): the binlog from the record from to c->until,
 * each image's key placed in batches; nothing emitted, nothing counted. */
static int kf__place_all(struct kf__mcap *c, const kf_cap_pos_t *from)
{
	kf_capture_stats_t st = *c->st;
	int i, r;

	for (i = 0; i < c->ntabs && !c->tabs[i].placed; i++)
		;
	if (i == c->ntabs)
		return 0;
	snprintf(c->file, sizeof(c->file), "%s", from->file);
	c->placing = 1;
	r = kf__stream(c, &from->gtid);
	r = r ? r : kf__place_run(c);
	c->placing = 0;
	*c->st = st;
	if (!r)
		kf_dbg(KF_DBG_CAPTURE, "capture",
		       "%s.%s: %zu key(s) of the catch-up placed by the "
		       "server in %zu query(ies)",
		       c->tabs[i].def.schema, c->tabs[i].def.name, c->nverdicts,
		       c->queries);
	return r;
}

/* The snapshot resume of 10.6 from record from: a new snapshot G2, the
 * binlog from the record's position to G2 for the rows in Kafka, the
 * record at G2, the rest read under G2. Its position into *g. */
static int kf__resume(struct kf__mcap *c, const kf_cap_pos_t *from,
		      kf_gtid_pos_t *g)
{
	kf_cap_pos_t pos;
	char file[sizeof(c->file)];
	uint64_t off = 0;
	int r;

	kf_info("capture",
		"the offsets of capture %s end inside a snapshot (%s, "
		"%" PRId64 " rows in Kafka): resuming it",
		c->name, from->snap_table ? from->snap_table : "-",
		from->snap_rows);
	r = kf__resume_parts(c, from);
	if (!r)
		r = kf__snap_open(c, g, &off, ", resumed");
	if (r)
		return r;
	snprintf(file, sizeof(file), "%s", c->file);
	c->resume = from;
	c->until = g;
	r = kf__place_all(c, from);
	snprintf(c->file, sizeof(c->file), "%s", from->file);
	r = r ? r : kf__stream(c, &from->gtid);
	if (!r && c->vnext != c->nverdicts)
		r = kf_seterr(c->errstr, c->errstr_size, KF_EPROTO,
			      "the catch-up placed %zu key(s), the first "
			      "pass over the same binlog %zu: delete the "
			      "offsets record to snapshot again",
			      c->vnext, c->nverdicts);
	if (!r) { /* the rows in Kafka as of G2 */
		snprintf(c->file, sizeof(c->file), "%s", file);
		c->end_pos = off;
		c->pos = *g;
		kf__pos_init(c, &pos);
		pos.snap_gtid = *g;
		r = kf_cap_out_begin(c->out);
		r = r ? r : kf_cap_out_commit(c->out, &pos);
	}
	c->resume = NULL;
	c->until = NULL;
	if (r) {
		kf_cap_out_abort(c->out);
		return r;
	}
	return kf__snap_tables(c, g, off, from);
}

/* ---------------------------------------------------------------- run */

static int kf__run(struct kf__mcap *c)
{
	kf_cap_pos_t pos;
	kf_gtid_pos_t from = {0};
	char t[KF_GTID_POS_TEXT_MAX];
	int r;

	memset(&pos, 0, sizeof(pos));
	r = kf__setup(c, &pos);
	if (!r && pos.found && !pos.in_snapshot) {
		from = pos.gtid;
		snprintf(c->file, sizeof(c->file), "%s", pos.file);
		c->end_pos = pos.binlog_pos;
		c->ts_ms = pos.ts_ms;
	} else if (!r && !pos.found &&
		   c->o->snapshot == KF_CAPTURE_SNAPSHOT_NEVER) {
		r = kf_cat_cell(c->db, "SELECT @@gtid_binlog_pos", t, sizeof(t),
				c->errstr, c->errstr_size);
		if (!r && kf_gtid_pos_parse(t, strlen(t), &from, c->errstr,
					    c->errstr_size))
			r = KF_EPROTO;
	} else if (!r) {
		r = pos.found ? kf__resume(c, &pos, &from)
			      : kf__snapshot(c, &from);
		if (!r && c->o->snapshot == KF_CAPTURE_SNAPSHOT_INITIAL_ONLY) {
			kf_cap_pos_clear(&pos);
			return 0;
		}
	}
	kf_cap_pos_clear(&pos);
	return r ? r : kf__stream(c, &from);
}

int kf_mdbcapture_run(const kf_capture_opts_t *o, kf_capture_stats_t *st,
		      char *errstr, size_t errstr_size)
{
	struct kf__mcap c = {
		.o = o, .st = st, .errstr = errstr, .errstr_size = errstr_size};
	int i, r;

	memset(st, 0, sizeof(*st));
	kf_strbuf_heap(&c.ab, 4096);
	kf_strbuf_heap(&c.aa, 4096);
	c.bv = calloc(KF_BL_MAX_COLS, sizeof(*c.bv));
	c.av = calloc(KF_BL_MAX_COLS, sizeof(*c.av));
	c.btext = calloc(KF_BL_MAX_COLS, sizeof(*c.btext));
	c.atext = calloc(KF_BL_MAX_COLS, sizeof(*c.atext));
	r = c.bv && c.av && c.btext && c.atext
		    ? kf__run(&c)
		    : kf_seterr(errstr, errstr_size, KF_ENOMEM,
				"out of memory");
	kf_cap_out_destroy(c.out);
	kf_blc_close(c.blc);
	kf__maps_clear(&c);
	for (i = 0; i < c.ntabs; i++) {
		kf_mdbcat_def_free(&c.tabs[i].def);
		kf_cap_table_destroy(c.tabs[i].t);
		kf_cap_table_destroy(c.tabs[i].older);
		free(c.tabs[i].odefs);
	}
	free(c.tabs);
	free(c.bound);
	free(c.colls);
	free(c.verdicts);
	kf_db_sql_free(&c.bound_sql);
	kf_db_sql_free(&c.batch);
	free(c.ab.p);
	free(c.aa.p);
	free(c.bv);
	free(c.av);
	free(c.btext);
	free(c.atext);
	kf_db_close(c.db);
	return r;
}
