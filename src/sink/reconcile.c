/* SPDX-License-Identifier: Apache-2.0 */
#include "sink/reconcile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/jsontok.h"
#include "common/log.h"
#include "db/loads.h"
#include "db/offsets.h"

#define KF__LOAD_ID_HEADER "kferry.load_id"

void kf_sink_reconcile_reset(kf_sink_reconcile_t *r)
{
	r->n = 0;
	r->nomem = 0;
}

void kf_sink_reconcile_free(kf_sink_reconcile_t *r)
{
	free(r->loads);
	memset(r, 0, sizeof(*r));
}

void kf_sink_reconcile_load_id(const rd_kafka_message_t *m, const void **id,
			       size_t *len)
{
	rd_kafka_headers_t *h = NULL;

	*id = NULL;
	*len = 0;
	if (rd_kafka_message_headers(m, &h) ||
	    rd_kafka_header_get_last(h, KF__LOAD_ID_HEADER, id, len))
		*id = NULL;
}

/* The count of m's load (its kferry.load_id header), added when new; NULL
 * when m has none (or out of memory: r->nomem). */
static struct kf_sink_load_count *kf__count(kf_sink_reconcile_t *r,
					    const kf_sink_msg_t *m)
{
	size_t i;

	if (!m->load_id || m->load_id_len != 32)
		return NULL;
	for (i = 0; i < r->n; i++)
		if (!memcmp(r->loads[i].id, m->load_id, 32) &&
		    !strcmp(r->loads[i].topic, m->topic))
			return &r->loads[i];
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 8;
		struct kf_sink_load_count *p =
			realloc(r->loads, cap * sizeof(*p));

		if (!p)
			return r->nomem = 1, NULL;
		r->loads = p;
		r->cap = cap;
	}
	memset(&r->loads[r->n], 0, sizeof(r->loads[0]));
	memcpy(r->loads[r->n].id, m->load_id, 32);
	r->loads[r->n].topic = m->topic;
	return &r->loads[r->n++];
}

void kf_sink_reconcile_refused(kf_sink_reconcile_t *r, const kf_sink_msg_t *m)
{
	struct kf_sink_load_count *c = kf__count(r, m);

	if (c)
		c->refused++;
}

/* ---- load records */

/* Whether topic is one of "A,B,...". */
static int kf__listed(const char *topics, const char *topic)
{
	size_t n = strlen(topic);
	const char *s;

	for (s = topics; s; s = strchr(s, ','), s = s ? s + 1 : NULL)
		if (!strncmp(s, topic, n) && (s[n] == ',' || !s[n]))
			return 1;
	return 0;
}

/* Member name of object obj as a string into *p (advanced within end):
 * the copy, or NULL when absent, not a string or out of room. */
static const char *kf__member_str(const char *js, const kf_jtok_t *t, int obj,
				  const char *name, char **p, const char *end)
{
	int i = kf_json_member(js, t, obj, name, strlen(name));
	char *out = *p;
	long n;

	if (i < 0 || t[i].type != KF_J_STRING)
		return NULL;
	n = kf_json_string(js, &t[i], out, (size_t)(end - out));
	if (n < 0 || out + n >= end)
		return NULL;
	out[n] = '\0';
	*p = out + n + 1;
	return out;
}

/* Member name of object obj as an integer, or -1 when absent. */
static int64_t kf__member_int(const char *js, const kf_jtok_t *t, int obj,
			      const char *name)
{
	int i = kf_json_member(js, t, obj, name, strlen(name));
	int64_t v;

	if (i < 0 || kf_json_int64(js, &t[i], &v))
		return -1;
	return v;
}

/* The ranges array (token a) as "P:END,..." at *p. */
static const char *kf__ends(const char *js, const kf_jtok_t *t, int a, char **p,
			    const char *end)
{
	char *out = *p, *w = out;
	uint32_t i, e;

	if (a < 0 || t[a].type != KF_J_ARRAY)
		return NULL;
	for (i = 0, e = (uint32_t)a + 1; i < t[a].size; i++, e = t[e].next) {
		int64_t part = kf__member_int(js, t, (int)e, "p");
		int64_t last = kf__member_int(js, t, (int)e, "last");
		int n;

		if (t[e].type != KF_J_OBJECT || part < 0 || part > INT32_MAX ||
		    last < 0 || last == INT64_MAX)
			return NULL;
		n = snprintf(w, (size_t)(end - w), "%s%lld:%lld", i ? "," : "",
			     (long long)part, (long long)last + 1);
		if (n < 0 || w + n >= end)
			return NULL;
		w += n;
	}
	*w = '\0';
	*p = w + 1;
	return out;
}

int kf_sink_load_record(const char *js, size_t len, const char *topics,
			kf_db_load_t *l, char *strs, size_t cap)
{
	size_t ntok, need = len / 2 + 2;
	kf_jtok_t *t = malloc(need * sizeof(*t));
	char *p = strs, *end = strs + cap, err[128];
	const char *kind, *state;
	int rc = -1;

	memset(l, 0, sizeof(*l));
	if (!t || kf_json_tokenize(js, len, t, need, &ntok, err, sizeof(err)) ||
	    t[0].type != KF_J_OBJECT)
		goto out_free;
	if (kf__member_int(js, t, 0, "v") != 1) {
		rc = 0; /* a version not ours to read */
		goto out_free;
	}
	kind = kf__member_str(js, t, 0, "kind", &p, end);
	state = kf__member_str(js, t, 0, "state", &p, end);
	l->load_id = kf__member_str(js, t, 0, "load_id", &p, end);
	l->topic = kf__member_str(js, t, 0, "topic", &p, end);
	l->file = kf__member_str(js, t, 0, "file", &p, end);
	l->hash = kf__member_str(js, t, 0, "hash", &p, end);
	l->rows_expected = kf__member_int(js, t, 0, "rows_published");
	l->ends =
		kf__ends(js, t, kf_json_member(js, t, 0, "ranges", 6), &p, end);
	if (!kind || !state || !l->load_id || strlen(l->load_id) != 32 ||
	    !l->topic || l->rows_expected < 0 || !l->ends)
		goto out_free;
	if (!l->file)
		l->file = "";
	if (!l->hash)
		l->hash = "";
	rc = !strcmp(kind, "load") && !strcmp(state, "done") &&
	     kf__listed(topics, l->topic);
out_free:
	free(t);
	return rc;
}

/* ---- in the batch's transaction */

/* The load record m: its facts on its rows. */
static int kf__record(kf_db_t *db, const kf_sink_opts_t *o, const char *table,
		      const kf_sink_msg_t *m, kf_db_err_t *err)
{
	size_t cap = 2 * m->len + 64;
	kf_db_load_t l;
	char *strs;
	int is, rc = 0;

	strs = malloc(cap);
	if (!strs) {
		err->cls = KF_DB_E_FATAL;
		return kf_seterr(err->msg, sizeof(err->msg), KF_ENOMEM,
				 "out of memory");
	}
	is = kf_sink_load_record(m->value, m->len, o->engine.topic, &l, strs,
				 cap);
	if (is < 0)
		kf_warn("sink",
			"%s [%d] offset %lld: not a load record "
			"(docs/records.md 3.3): skipped",
			m->topic, (int)m->partition, (long long)m->offset);
	else if (is)
		rc = kf_db_loads_expect(db, table, &l, err);
	free(strs);
	return rc;
}

int kf_sink_reconcile_apply(kf_sink_reconcile_t *r, kf_db_t *db,
			    const kf_sink_opts_t *o,
			    const kf_sink_stash_t *msgs, size_t *mismatches,
			    kf_db_err_t *err)
{
	const char *table = o->loads_table ? o->loads_table : KF_DB_LOADS_TABLE;
	struct kf_sink_load_count *c;
	kf_sink_scratch_t sc = {0};
	kf_sink_msg_t m;
	size_t i;
	int rc = 0;

	*mismatches = 0;
	for (i = 0; i < msgs->n && !rc; i++) {
		rc = kf_sink_stash_get(msgs, i, &m, &sc);
		if (rc)
			r->nomem = 1;
		else if (strcmp(m.topic, o->rules.ledger_topic) &&
			 (c = kf__count(r, &m)))
			c->rows++;
	}
	if (r->nomem) {
		kf_sink_scratch_free(&sc);
		err->cls = KF_DB_E_FATAL;
		return kf_seterr(err->msg, sizeof(err->msg), KF_ENOMEM,
				 "out of memory counting the loads' rows");
	}
	for (i = 0; i < r->n && !rc; i++) {
		c = &r->loads[i];
		rc = kf_db_loads_count(db, table, c->id, c->topic,
				       c->rows - c->refused, c->refused, err);
	}
	for (i = 0; i < msgs->n && !rc; i++) {
		rc = kf_sink_stash_get(msgs, i, &m, &sc);
		if (rc) {
			err->cls = KF_DB_E_FATAL;
			kf_seterr(err->msg, sizeof(err->msg), rc,
				  "out of memory");
		} else if (m.value && !strcmp(m.topic, o->rules.ledger_topic)) {
			rc = kf__record(db, o, table, &m, err);
		}
	}
	kf_sink_scratch_free(&sc);
	if (rc)
		return rc;
	return kf_db_loads_settle(db, table,
				  o->offsets_table ? o->offsets_table
						   : KF_DB_OFFSETS_TABLE,
				  o->engine.group, mismatches, err);
}
