/* SPDX-License-Identifier: Apache-2.0 */
#include "capture/position.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/json.h"
#include "common/jsontok.h"
#include "kafka/keyscan.h"

#define KF__MAX_TOKENS 256

void kf_cap_pos_format(const kf_cap_pos_t *p, kf_strbuf_t *out)
{
	kf_strbuf_printf(out, "{\"v\":%d", KF_CAP_POS_VERSION);
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
	kf_strbuf_printf(out, "{\"lsn\":%" PRIu64 ",\"done\":%s", p->snap_lsn,
			 p->snap_done ? p->snap_done : "[]");
	if (p->snap_table) {
		kf_json_member_str(out, "table", p->snap_table);
		kf_strbuf_printf(out, ",\"key\":%s",
				 p->snap_key ? p->snap_key : "null");
	}
	kf_strbuf_printf(out, ",\"rows\":%" PRId64 "}}", p->snap_rows);
}

static int kf__u64(const char *js, const kf_jtok_t *toks, int obj,
		   const char *name, uint64_t *out)
{
	int t = kf_json_member(js, toks, obj, name, strlen(name));
	int64_t v;

	if (t < 0 || kf_json_int64(js, &toks[t], &v) || v < 0)
		return -1;
	*out = (uint64_t)v;
	return 0;
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
	if (toks[0].type != KF_J_OBJECT || kf__u64(js, toks, 0, "v", &v)) {
		kf_seterr(errstr, errstr_size, KF_EPROTO,
			  "an offsets record is a JSON object with \"v\"");
		goto out_free;
	}
	if (v > KF_CAP_POS_VERSION) {
		r = kf_seterr(errstr, errstr_size, KF_EVERSION,
			      "an offsets record of version %" PRIu64
			      " (this kferry reads 1): use a newer kferry",
			      v);
		goto out_free;
	}
	if (kf__text(js, toks, "slot", p->slot, sizeof(p->slot)) ||
	    kf__text(js, toks, "system_id", p->system_id,
		     sizeof(p->system_id)) ||
	    kf__text(js, toks, "db", p->db, sizeof(p->db)) ||
	    kf__u64(js, toks, 0, "lsn", &p->lsn)) {
		kf_seterr(errstr, errstr_size, KF_EPROTO,
			  "an offsets record without slot, system_id, db or "
			  "lsn");
		goto out_free;
	}
	t = kf_json_member(js, toks, 0, "txid", 4);
	if (t >= 0 && toks[t].type == KF_J_NUMBER)
		kf_json_int64(js, &toks[t], &p->txid);
	t = kf_json_member(js, toks, 0, "ts_ms", 5);
	if (t >= 0)
		kf_json_int64(js, &toks[t], &p->ts_ms);
	t = kf_json_member(js, toks, 0, "snapshot", 8);
	if (t >= 0 && toks[t].type == KF_J_OBJECT) {
		p->in_snapshot = 1;
		if (kf__u64(js, toks, t, "lsn", &p->snap_lsn)) {
			kf_seterr(errstr, errstr_size, KF_EPROTO,
				  "an offsets record's snapshot without lsn");
			goto out_free;
		}
		kf__u64(js, toks, t, "rows", (uint64_t *)&p->snap_rows);
	}
	r = 0;
out_free:
	free(toks);
	return r;
}

/* The scan's state: the newest record wins, a bad one is remembered
 * (a later good one clears it). */
struct kf__scan {
	kf_cap_pos_t *p;
	int err;
	char msg[512];
};

static void kf__take(const void *value, size_t len, long long offset,
		     int partition, void *opaque)
{
	struct kf__scan *s = opaque;
	char e[400];

	s->err = 0;
	if (!value) {
		memset(s->p, 0, sizeof(*s->p));
		return;
	}
	s->err = kf_cap_pos_parse(value, len, s->p, e, sizeof(e));
	if (s->err)
		snprintf(s->msg, sizeof(s->msg), "partition %d offset %lld: %s",
			 partition, offset, e);
	else
		s->p->found = 1;
}

int kf_cap_pos_read(const kf_conf_t *conf, const char *topic, const char *slot,
		    int timeout_ms, kf_cap_pos_t *p, char *errstr,
		    size_t errstr_size)
{
	struct kf__scan s = {p, 0, ""};
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
