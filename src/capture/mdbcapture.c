/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MariaDB capture (docs/cdc.md 10). Phases:
 *   setup     the server's settings and grants (10.1), the tables from
 *             information_schema (10.7), the producer fenced in, the
 *             offsets record (10.5) read back
 *   snapshot  (no record, or one left in a snapshot: started over, 10.6)
 *             a consistent snapshot and its GTID position G, each table
 *             read in key order, one Kafka transaction per chunk
 *   stream    the binlog from the record's GTID position (or G, or
 *             @@gtid_binlog_pos with --snapshot never): whole source
 *             transactions batched into Kafka transactions with the
 *             record; nothing is sent back to the server
 */
#include "capture/mdbcapture.h"

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

/* A --tables entry: information_schema's definition and its table; the
 * table of rows older than an ALTER TABLE (10.7), while their table
 * maps come. */
struct kf__mtab {
	kf_cat_def_t def;
	kf_cap_table_t *t;
	int stale; /* a DDL named it: read information_schema again */
	kf_cap_table_t *older;
	kf_cap_coldef_t *odefs;
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
	int skipping;		       /* the open transaction is in Kafka */
	char gtid[64], file[256];      /* the open transaction's GTID; file */
	kf_gtid_pos_t pos;	       /* after the last whole transaction */
	uint64_t end_pos;	       /* where that transaction ends */
	int64_t ts_ms;		       /* its timestamp */
	kf_strbuf_t ab, aa;	       /* the before and after images' texts */
	kf_bl_value_t *bv, *av;	       /* KF_BL_MAX_COLS each */
	kf_pgo_value_t *btext, *atext; /* the same */
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
	int first;
};

/* kf_db_row_cb: one row's 'r' event; the row after the chunk only says
 * that there is more. */
static int kf__snap_row(void *arg, size_t ncols, const char *const *vals,
			const size_t *lens)
{
	struct kf__msnap *s = arg;
	const kf_cat_def_t *d = &s->tab->def;
	size_t i;
	int k, last;

	if (s->chunk_rows++ == s->c->o->snapshot_chunk_rows)
		return s->more = 1, 0;
	if (ncols != (size_t)d->ncols)
		return s->err = kf_seterr(s->c->errstr, s->c->errstr_size,
					  KF_EPROTO,
					  "%s.%s: the snapshot read %zu "
					  "columns of %d",
					  d->schema, d->name, ncols, d->ncols),
		       1;
	for (i = 0; i < ncols; i++)
		s->v[i] = (kf_pgo_value_t){.kind = vals[i] ? 't' : 'n',
					   .len = (uint32_t)lens[i],
					   .data = vals[i]};
	last = s->total >= 0 && s->rows == s->total - 1;
	s->src.snapshot = s->first ? "first" : last ? "last" : "true";
	s->first = 0;
	s->rows++;
	s->c->st->snapshot_rows++;
	/* the key texts for the record */
	s->key.len = 0;
	for (k = 1; k <= d->ncols; k++)
		for (i = 0; i < ncols; i++)
			if (d->cols[i].key_seq == k)
				kf_strbuf_append(&s->key,
						 vals[i] ? vals[i] : "",
						 (vals[i] ? lens[i] : 0) + 1);
	s->err = s->key.failed ? kf_seterr(s->c->errstr, s->c->errstr_size,
					   KF_ENOMEM, "out of memory")
			       : kf_cap_out_change(s->c->out, s->tab->t, 'r',
						   s->v, (int)ncols, NULL, 0,
						   s->v, (int)ncols, &s->src);
	return s->err ? 1 : 0;
}

/* The key texts of the last row read, for the record. */
static void kf__snap_keyv(struct kf__msnap *s)
{
	size_t at = 0;
	int i;

	for (i = 0; i < s->nkey && at < s->key.len; i++) {
		s->keyv[i] = s->key.p + at;
		at += strlen(s->key.p + at) + 1;
	}
}

/* Table tab into Kafka, one Kafka transaction per chunk with the record
 * (the last chunk of the last table: the record that ends the snapshot). */
static int kf__snap_table(struct kf__msnap *s, const kf_gtid_pos_t *g,
			  kf_strbuf_t *done, int final)
{
	struct kf__mcap *c = s->c;
	const kf_cat_def_t *d = &s->tab->def;
	kf_db_sql_t q = {0};
	kf_cap_pos_t pos;
	kf_db_err_t e;
	char tail[64], qname[140];
	int64_t off = 0;
	int r = 0, i;

	snprintf(qname, sizeof(qname), "%s.%s", d->schema, d->name);
	s->nkey = 0;
	for (i = 0; i < d->ncols; i++)
		s->nkey += d->cols[i].key_seq > 0;
	s->rows = 0;
	s->total = -1;
	s->src.db = d->schema;
	if (final) {
		char n[32] = "0";

		kf_db_sql_str(&q, "SELECT COUNT(*) FROM ");
		kf_db_quote_ident(c->db, &q, d->schema);
		kf_db_sql_str(&q, ".");
		kf_db_quote_ident(c->db, &q, d->name);
		r = q.failed ? kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
					 "out of memory")
			     : kf_cat_cell(c->db, q.p, n, sizeof(n), c->errstr,
					   c->errstr_size);
		s->total = strtoll(n, NULL, 10);
		q.len = 0;
	}
	kf_mdbcat_select(c->db, d, &q);
	if (q.failed)
		r = kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
			      "out of memory");
	/* the snapshot's data do not move: a chunk is its rows' offset in
	 * key order */
	for (s->more = 1; !r && s->more; off += c->o->snapshot_chunk_rows) {
		size_t base = q.len;

		if (kf_stop_requested()) {
			r = kf_seterr(c->errstr, c->errstr_size, KF_ESTOPPED,
				      "stopped during the snapshot");
			break;
		}
		snprintf(tail, sizeof(tail), " LIMIT %d OFFSET %" PRId64,
			 c->o->snapshot_chunk_rows + 1, off);
		kf_db_sql_add(&q, tail, strlen(tail) + 1);
		s->more = 0;
		s->chunk_rows = 0;
		r = kf_cap_out_begin(c->out);
		if (!r && kf_db_query(c->db, q.p, kf__snap_row, s, &e))
			r = s->err ? s->err
				   : kf_seterr(c->errstr, c->errstr_size,
					       KF_EIO,
					       "MariaDB: reading %s: %s", qname,
					       e.msg);
		q.len = base;
		if (r)
			break;
		kf__pos_init(c, &pos);
		pos.gtid = *g;
		if (!final || s->more) {
			pos.in_snapshot = 1;
			pos.snap_gtid = *g;
			pos.snap_table = qname;
			pos.snap_done = done->p;
			pos.snap_rows = (int64_t)c->st->snapshot_rows;
			kf__snap_keyv(s);
			pos.snap_keyv = s->keyv;
			pos.snap_nkey = s->rows ? s->nkey : 0;
		}
		r = kf_cap_out_commit(c->out, &pos);
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

/* The snapshot of 10.6 on c->db: its GTID position into *g. */
static int kf__snapshot(struct kf__mcap *c, kf_gtid_pos_t *g)
{
	struct kf__msnap s = {.c = c, .first = 1};
	kf_strbuf_t done;
	uint64_t off = 0;
	kf_db_err_t e;
	int i, r;

	r = kf_blc_snapshot(c->db, g, c->file, sizeof(c->file), &off, c->errstr,
			    c->errstr_size);
	if (r)
		return r;
	c->end_pos = off;
	c->pos = *g;
	{
		char t[KF_GTID_POS_TEXT_MAX];

		kf_gtid_pos_format(g, t);
		kf_info("capture",
			"snapshot of %d table(s) at GTID position '%s' "
			"(%s:%" PRIu64 ")",
			c->ntabs, t, c->file, off);
	}
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
	kf_strbuf_printf(&done, "[]");
	r = s.v && s.keyv && !done.failed
		    ? 0
		    : kf_seterr(c->errstr, c->errstr_size, KF_ENOMEM,
				"out of memory");
	for (i = 0; !r && i < c->ntabs; i++) {
		s.tab = &c->tabs[i];
		r = kf__snap_table(&s, g, &done, i == c->ntabs - 1);
	}
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

/* One row of a rows event: its events. */
static int kf__row(struct kf__mcap *c, const kf_cap_table_t *t,
		   const kf_bl_tablemap_t *tm, char op,
		   const kf_cap_source_t *src)
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
	switch (op) {
	case 'c':
		return kf_cap_out_change(c->out, t, 'c', a, n, NULL, 0, a, n,
					 src);
	case 'd':
		return kf_cap_out_change(c->out, t, 'd', b, n, b, n, NULL, 0,
					 src);
	default:
		if (!kf__key_moved(tm, b, a))
			return kf_cap_out_change(c->out, t, 'u', a, n, b, n, a,
						 n, src);
		r = kf_cap_out_change(c->out, t, 'd', b, n, b, n, NULL, 0, src);
		return r ? r
			 : kf_cap_out_change(c->out, t, 'c', a, n, NULL, 0, a,
					     n, src);
	}
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
	if (!tab || c->skipping)
		return 0;
	r = kf__table_of(c, tab, tm, &t);
	if (!r)
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
		r = kf__row(c, t, tm, rows.op, &src);
		src.row++;
	}
	return r;
}

/* A DDL naming a captured table marks its definition stale (10.7). */
static void kf__ddl(struct kf__mcap *c, const kf_bl_event_t *ev)
{
	int i;

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
	c->skipping = 0;
	kf__maps_clear(c);
	return 0;
}

/* One event of the dump. */
static int kf__event(struct kf__mcap *c, const kf_bl_event_t *ev)
{
	int step = kf_bl_txn_step(&c->txn, ev, c->errstr, c->errstr_size);

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
	case KF_BL_STEP_DDL:
		kf__ddl(c, ev);
		return kf__end(c, ev);
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
	return kf_cap_out_commit(c->out, &pos);
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
	r = kf_db_open(c->o->db, c->o->db_password, &dump, c->errstr,
		       c->errstr_size);
	if (!r)
		r = kf_blc_open(dump, from, kf__server_id(c), hb, &c->blc,
				c->errstr, c->errstr_size);
	if (r)
		return r;
	kf_gtid_pos_format(from, t);
	kf_info("capture", "streaming the binlog from GTID position '%s'", t);
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
		if (!c->txn.open && kf_cap_out_due(c->out, now) &&
		    (r = kf__flush(c)))
			return r;
		if (c->o->idle_exit_s > 0 && !c->txn.open &&
		    !kf_cap_out_is_open(c->out) &&
		    now - last_change >= c->o->idle_exit_s * 1000LL)
			return 0;
	}
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
		if (pos.found)
			kf_warn("capture",
				"the offsets of capture %s end inside a "
				"snapshot (%s, %" PRId64 " rows in Kafka): "
				"its transaction is gone, so the snapshot "
				"starts over at a new position (those rows "
				"come twice; the sink applies them "
				"idempotently)",
				c->name, pos.snap_table ? pos.snap_table : "-",
				pos.snap_rows);
		r = kf__snapshot(c, &from);
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
	free(c.ab.p);
	free(c.aa.p);
	free(c.bv);
	free(c.av);
	free(c.btext);
	free(c.atext);
	kf_db_close(c.db);
	return r;
}
