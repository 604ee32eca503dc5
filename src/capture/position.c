/* SPDX-License-Identifier: Apache-2.0 */
#include "capture/position.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/pgoutput.h"
#include "common/err.h"
#include "common/json.h"
#include "common/jsontok.h"
#include "kafka/keyscan.h"

#define KF__MAX_TOKENS 4096 /* the done tables (at most 1024), the key */

/* The snapshot member's tail after its position: done, table, key, rows. */
static void kf__snap_format(const kf_cap_pos_t *p, kf_strbuf_t *out)
{
	int i;

	kf_strbuf_printf(out, ",\"done\":%s",
			 p->snap_done ? p->snap_done : "[]");
	if (p->snap_table) {
		kf_json_member_str(out, "table", p->snap_table);
		kf_strbuf_printf(out, ",\"key\":%s",
				 p->snap_nkey ? "" : "null");
		for (i = 0; i < p->snap_nkey; i++) {
			kf_strbuf_putc(out, i ? ',' : '[');
			kf_json_str(out, p->snap_keyv[i]);
		}
		if (p->snap_nkey)
			kf_strbuf_putc(out, ']');
	}
	kf_strbuf_printf(out, ",\"rows\":%" PRId64 "}}", p->snap_rows);
}

/* docs/cdc.md 10.5 */
static void kf__mariadb_format(const kf_cap_pos_t *p, kf_strbuf_t *out)
{
	char gtid[KF_GTID_POS_TEXT_MAX];

	kf_strbuf_printf(out, "{\"v\":%d", KF_CAP_POS_MARIADB_VERSION);
	kf_json_member_str(out, "source", "mariadb");
	kf_json_member_str(out, "name", p->slot);
	kf_json_member_str(out, "db", p->db);
	kf_gtid_pos_format(&p->gtid, gtid);
	kf_json_member_str(out, "gtid", gtid);
	kf_json_member_str(out, "file", p->file);
	kf_strbuf_printf(
		out, ",\"pos\":%" PRIu64 ",\"ts_ms\":%" PRId64 ",\"snapshot\":",
		p->binlog_pos, p->ts_ms);
	if (!p->in_snapshot) {
		kf_strbuf_printf(out, "null}");
		return;
	}
	kf_gtid_pos_format(&p->snap_gtid, gtid);
	kf_strbuf_printf(out, "{\"gtid\":");
	kf_json_str(out, gtid);
	kf__snap_format(p, out);
}

void kf_cap_pos_format(const kf_cap_pos_t *p, kf_strbuf_t *out)
{
	if (p->source == KF_CAP_POS_MARIADB) {
		kf__mariadb_format(p, out);
		return;
	}
	/* 1 whenever the record means what version 1 says (docs/cdc.md 5),
	 * so that an older kferry reads it */
	kf_strbuf_printf(out, "{\"v\":%d",
			 p->key[0] && strcmp(p->key, p->slot) ? 2 : 1);
	kf_json_member_str(out, "slot", p->slot);
	kf_json_member_str(out, "system_id", p->system_id);
	kf_json_member_str(out, "db", p->db);
	kf_strbuf_printf(out, ",\"lsn\":%" PRIu64 ",\"txid\":", p->lsn);
	if (p->txid >= 0)
		kf_strbuf_printf(out, "%" PRId64, p->txid);
	else
		kf_strbuf_printf(out, "null");
	kf_strbuf_printf(out, ",\"ts_ms\":%" PRId64 ",\"snapshot\":", p->ts_ms);
	if (!p->in_snapshot) {
		kf_strbuf_printf(out, "null}");
		return;
	}
	kf_strbuf_printf(out, "{\"lsn\":%" PRIu64, p->snap_lsn);
	kf__snap_format(p, out);
}

static int kf__text(const char *js, const kf_jtok_t *toks, const char *name,
		    char *out, size_t cap)
{
	int t = kf_json_member(js, toks, 0, name, strlen(name));

	if (t < 0 || toks[t].type != KF_J_STRING ||
	    kf_json_string(js, &toks[t], out, cap) < 0)
		return -1;
	return 0;
}

/* The GTID position in string member name of object obj. */
static int kf__gtid(const char *js, const kf_jtok_t *toks, int obj,
		    const char *name, kf_gtid_pos_t *out)
{
	int t = kf_json_member(js, toks, obj, name, strlen(name));
	char text[KF_GTID_POS_TEXT_MAX], e[8];
	long n;

	if (t < 0 || toks[t].type != KF_J_STRING)
		return -1;
	n = kf_json_string(js, &toks[t], text, sizeof(text));
	if (n < 0)
		return -1;
	return kf_gtid_pos_parse(text, (size_t)n, out, e, sizeof(e)) ? -1 : 0;
}

/* Copies string token tok's text to *at (advanced past its NUL): its
 * start, or NULL when tok is not a string, or holds U+0000. */
static const char *kf__copy(const char *js, const kf_jtok_t *tok, char **at,
			    const char *end)
{
	char *s = *at;
	long n;

	if (tok->type != KF_J_STRING)
		return NULL;
	n = kf_json_string(js, tok, s, (size_t)(end - s));
	if (n < 0)
		return NULL;
	*at = s + n + 1;
	return s;
}

/* The snapshot member (object token t): the texts go to p->owned, a
 * buffer of len + 3 + the key's count bytes (no unescaped string is
 * longer than its JSON, and each gets a NUL). */
static int kf__snap_parse(const char *js, size_t len, const kf_jtok_t *toks,
			  int t, kf_cap_pos_t *p, char *errstr,
			  size_t errstr_size)
{
	int tt = kf_json_member(js, toks, t, "table", 5);
	int td = kf_json_member(js, toks, t, "done", 4);
	int tk = kf_json_member(js, toks, t, "key", 3);
	int n = tk >= 0 && toks[tk].type == KF_J_ARRAY ? (int)toks[tk].size : 0;
	char *at, *end;
	int i, e;

	p->in_snapshot = 1;
	if (p->source == KF_CAP_POS_MARIADB
		    ? kf__gtid(js, toks, t, "gtid", &p->snap_gtid)
		    : kf_json_member_u64(js, toks, t, "lsn", &p->snap_lsn))
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "an offsets record's snapshot without its "
				 "position (lsn or gtid)");
	kf_json_member_u64(js, toks, t, "rows", (uint64_t *)&p->snap_rows);
	if (tk >= 0 && toks[tk].type != KF_J_NULL &&
	    (toks[tk].type != KF_J_ARRAY || !n))
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "an offsets record's snapshot key is neither "
				 "null nor an array of strings");
	p->owned = malloc(len + 3 + (size_t)n);
	p->owned_keyv = calloc((size_t)n + 1, sizeof(*p->owned_keyv));
	if (!p->owned || !p->owned_keyv) {
		kf_cap_pos_clear(p);
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	}
	at = p->owned;
	end = p->owned + len + 3 + n;
	if (td >= 0 && toks[td].type == KF_J_ARRAY) {
		/* kept as the array's JSON text */
		memcpy(at, js + toks[td].start, toks[td].end - toks[td].start);
		p->snap_done = at;
		at += toks[td].end - toks[td].start;
		*at++ = '\0';
	}
	e = tt >= 0 && !(p->snap_table = kf__copy(js, &toks[tt], &at, end));
	for (i = 0, t = tk + 1; !e && i < n; i++, t = (int)toks[t].next)
		e = !(p->owned_keyv[i] = kf__copy(js, &toks[t], &at, end));
	if (e) {
		kf_cap_pos_clear(p);
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "an offsets record's snapshot table or key "
				 "is not a string (or holds U+0000)");
	}
	p->snap_keyv = p->owned_keyv;
	p->snap_nkey = n;
	return 0;
}

void kf_cap_pos_resume_slot(const char *key, char out[64])
{
	snprintf(out, 64, "%.*s_r", KF_CAP_POS_SLOT_MAX - 2, key);
}

int kf_cap_pos_check_slot(const kf_cap_pos_t *p, const char *key, char *errstr,
			  size_t errstr_size)
{
	char other[64];

	if (p->source == KF_CAP_POS_MARIADB) {
		size_t n = strlen(KF_CAP_POS_MARIADB_KEY);

		if (!strncmp(key, KF_CAP_POS_MARIADB_KEY, n) &&
		    !strcmp(key + n, p->slot))
			return 0;
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "a MariaDB offsets record of key %s names "
				 "capture %s: not a record of ours",
				 key, p->slot);
	}
	kf_cap_pos_resume_slot(key, other);
	if (!strcmp(p->slot, key) ||
	    (p->version >= 2 && !strcmp(p->slot, other)))
		return 0;
	return kf_seterr(errstr, errstr_size, KF_EPROTO,
			 "an offsets record of version %d of key %s names "
			 "slot %s (neither %s nor %s): not a record of ours",
			 p->version, key, p->slot, key, other);
}

void kf_cap_pos_clear(kf_cap_pos_t *p)
{
	free(p->owned);
	free(p->owned_keyv);
	memset(p, 0, sizeof(*p));
}

/* PostgreSQL's record (docs/cdc.md 5): its version and position. */
static int kf__pg_head(const char *js, const kf_jtok_t *toks, uint64_t v,
		       kf_cap_pos_t *p, char *errstr, size_t errstr_size)
{
	int t;

	if (v > KF_CAP_POS_VERSION)
		return kf_seterr(errstr, errstr_size, KF_EVERSION,
				 "an offsets record of version %" PRIu64
				 " (this kferry reads 1 and %d): use a newer "
				 "kferry",
				 v, KF_CAP_POS_VERSION);
	p->version = (int)v;
	if (kf__text(js, toks, "slot", p->slot, sizeof(p->slot)) ||
	    kf__text(js, toks, "system_id", p->system_id,
		     sizeof(p->system_id)) ||
	    kf__text(js, toks, "db", p->db, sizeof(p->db)) ||
	    kf_json_member_u64(js, toks, 0, "lsn", &p->lsn))
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "an offsets record without slot, system_id, "
				 "db or lsn");
	t = kf_json_member(js, toks, 0, "txid", 4);
	if (t >= 0 && toks[t].type == KF_J_NUMBER)
		kf_json_int64(js, &toks[t], &p->txid);
	return 0;
}

/* MariaDB's record (docs/cdc.md 10.5): its version and position. */
static int kf__mariadb_head(const char *js, const kf_jtok_t *toks, uint64_t v,
			    kf_cap_pos_t *p, char *errstr, size_t errstr_size)
{
	char src[16];

	if (kf__text(js, toks, "source", src, sizeof(src)) ||
	    strcmp(src, "mariadb"))
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "an offsets record of a source that is not "
				 "\"mariadb\": not a record of ours");
	if (v > KF_CAP_POS_MARIADB_VERSION)
		return kf_seterr(errstr, errstr_size, KF_EVERSION,
				 "a MariaDB offsets record of version %" PRIu64
				 " (this kferry reads %d): use a newer kferry",
				 v, KF_CAP_POS_MARIADB_VERSION);
	p->source = KF_CAP_POS_MARIADB;
	p->version = (int)v;
	if (kf__text(js, toks, "name", p->slot, sizeof(p->slot)) ||
	    kf__text(js, toks, "db", p->db, sizeof(p->db)) ||
	    kf__gtid(js, toks, 0, "gtid", &p->gtid) ||
	    kf__text(js, toks, "file", p->file, sizeof(p->file)) ||
	    kf_json_member_u64(js, toks, 0, "pos", &p->binlog_pos))
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "a MariaDB offsets record without name, db, "
				 "a GTID position in gtid, file or pos");
	return 0;
}

void kf_cap_pos_text(const kf_cap_pos_t *p, char *out, size_t size)
{
	char g[KF_GTID_POS_TEXT_MAX];

	if (!size)
		return;
	if (p->source == KF_CAP_POS_PG) {
		kf_pgo_lsn_text(p->lsn, out, size);
		return;
	}
	kf_gtid_pos_format(&p->gtid, g);
	if (strlen(g) < size || size < 4)
		snprintf(out, size, "%s", g);
	else
		snprintf(out, size, "%.*s...", (int)(size - 4), g);
}

int kf_cap_pos_parse(const char *js, size_t len, kf_cap_pos_t *p, char *errstr,
		     size_t errstr_size)
{
	kf_jtok_t *toks = malloc(KF__MAX_TOKENS * sizeof(*toks));
	size_t ntok;
	uint64_t v = 0;
	int t, r = KF_EPROTO;

	memset(p, 0, sizeof(*p));
	p->txid = -1;
	if (!toks)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	if (kf_json_tokenize(js, len, toks, KF__MAX_TOKENS, &ntok, errstr,
			     errstr_size))
		goto out_free;
	if (toks[0].type != KF_J_OBJECT ||
	    kf_json_member_u64(js, toks, 0, "v", &v)) {
		kf_seterr(errstr, errstr_size, KF_EPROTO,
			  "an offsets record is a JSON object with \"v\"");
		goto out_free;
	}
	t = kf_json_member(js, toks, 0, "source", 6);
	r = t >= 0 ? kf__mariadb_head(js, toks, v, p, errstr, errstr_size)
		   : kf__pg_head(js, toks, v, p, errstr, errstr_size);
	if (r)
		goto out_free;
	t = kf_json_member(js, toks, 0, "ts_ms", 5);
	if (t >= 0)
		kf_json_int64(js, &toks[t], &p->ts_ms);
	t = kf_json_member(js, toks, 0, "snapshot", 8);
	r = t >= 0 && toks[t].type == KF_J_OBJECT
		    ? kf__snap_parse(js, len, toks, t, p, errstr, errstr_size)
		    : 0;
out_free:
	free(toks);
	return r;
}

/* The scan's state: the newest record wins, a bad one is remembered
 * (a later good one clears it). */
struct kf__scan {
	kf_cap_pos_t *p;
	const char *key;
	int err;
	char msg[512];
};

static void kf__take(const void *value, size_t len, long long offset,
		     int partition, void *opaque)
{
	struct kf__scan *s = opaque;
	char e[400];

	s->err = 0;
	kf_cap_pos_clear(s->p);
	if (!value)
		return;
	s->err = kf_cap_pos_parse(value, len, s->p, e, sizeof(e));
	if (!s->err)
		s->err = kf_cap_pos_check_slot(s->p, s->key, e, sizeof(e));
	if (s->err) {
		snprintf(s->msg, sizeof(s->msg), "partition %d offset %lld: %s",
			 partition, offset, e);
		return;
	}
	s->p->found = 1;
	snprintf(s->p->key, sizeof(s->p->key), "%s", s->key);
}

int kf_cap_pos_read(const kf_conf_t *conf, const char *topic, const char *slot,
		    int timeout_ms, kf_cap_pos_t *p, char *errstr,
		    size_t errstr_size)
{
	struct kf__scan s = {p, slot, 0, ""};
	int r;

	memset(p, 0, sizeof(*p));
	r = kf_keyscan(conf, topic, slot, "the capture offsets", timeout_ms,
		       kf__take, &s, errstr, errstr_size);
	if (!r && s.err)
		r = kf_seterr(errstr, errstr_size, s.err,
			      "the capture offsets topic %s, key %s, %s", topic,
			      slot, s.msg);
	return r;
}
