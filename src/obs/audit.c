/* SPDX-License-Identifier: Apache-2.0 */
#include "obs/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/json.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "config/conf.h"
#include "kafka/producer.h"

struct kf_audit_s {
	kf_producer_t *prod;
	kf_mseries_t *delivered, *failed;
	uint64_t nfailed; /* failures logged one by one up to a point */
	char buf[KF_AUDIT_RECORD_MAX];
};

/* Failures past this many are counted, and logged once per thousand. */
#define KF__AUDIT_LOGGED 20

/* ------------------------------------------------------------ format */

/* A JSON object being written: its buffer and how many fields it has. */
struct kf__jw {
	kf_strbuf_t b;
	int n;
};

static void kf__jw_str(struct kf__jw *w, const char *key, const char *v)
{
	char esc[4096 * 6 + 8];

	if (!v)
		return;
	kf_json_escape(esc, sizeof(esc), v);
	kf_strbuf_printf(&w->b, "%s\"%s\":\"%s\"", w->n++ ? "," : "", key, esc);
}

static void kf__jw_int(struct kf__jw *w, const char *key, long long v)
{
	kf_strbuf_printf(&w->b, "%s\"%s\":%lld", w->n++ ? "," : "", key, v);
}

static void kf__jw_hex(struct kf__jw *w, const char *key, const uint8_t *b)
{
	char hex[33];
	int i;

	if (!b)
		return;
	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", b[i]);
	kf__jw_str(w, key, hex);
}

/* RFC 3339 in UTC with milliseconds: 2026-11-30T05:39:13.123Z */
static void kf__jw_time(struct kf__jw *w, const char *key, int64_t ms)
{
	char ts[64];
	time_t t;
	struct tm tm;
	size_t n;

	if (ms <= 0)
		return;
	t = (time_t)(ms / 1000);
	gmtime_r(&t, &tm);
	n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%03dZ", (int)(ms % 1000));
	kf__jw_str(w, key, ts);
}

/* What the last time of a record is called. */
static const char *kf__done_key(const char *event)
{
	if (!strcmp(event, "completed"))
		return "placed";
	if (!strcmp(event, "sent"))
		return "acknowledged";
	return "ended";
}

size_t kf_audit_format(char *buf, size_t cap, const struct kf_audit_rec *r)
{
	struct kf__jw w;

	kf_strbuf_fixed(&w.b, buf, cap);
	w.n = 0;
	kf_strbuf_printf(&w.b, "{");
	kf__jw_str(&w, "event", r->event);
	kf__jw_str(&w, "outcome", r->outcome);
	kf__jw_str(&w, "path", r->path);
	kf__jw_str(&w, "placed_as", r->placed_as);
	kf__jw_int(&w, "size", (long long)r->size);
	if (r->hash) {
		kf__jw_str(&w, "hash_alg", "xxh3-128");
		kf__jw_hex(&w, "hash", r->hash);
	}
	kf__jw_str(&w, "sender_host", r->origin);
	kf__jw_str(&w, "topic", r->topic);
	if (r->first_offset >= 0) {
		kf__jw_int(&w, "partition", r->partition);
		kf__jw_int(&w, "first_offset", (long long)r->first_offset);
	}
	if (r->last_offset >= 0)
		kf__jw_int(&w, "last_offset", (long long)r->last_offset);
	kf__jw_hex(&w, "transfer_id", r->xid);
	kf__jw_time(&w, "sent", r->sent_ms);
	kf__jw_time(&w, "received", r->received_ms);
	kf__jw_time(&w, kf__done_key(r->event), r->done_ms);
	kf__jw_str(&w, "receiver_host", r->receiver);
	kf__jw_str(&w, "reason", r->reason);
	kf_strbuf_printf(&w.b, "}");
	return w.b.failed ? 0 : w.b.len;
}

/* ---------------------------------------------------------- producing */

static void kf__failed(kf_audit_t *a, const char *path, const char *why)
{
	kf_mseries_add(a->failed, 1);
	if (a->nfailed++ < KF__AUDIT_LOGGED || a->nfailed % 1000 == 0)
		kf_err("audit",
		       "audit record of '%s' not recorded: %s (%llu so "
		       "far)",
		       path, why, (unsigned long long)a->nfailed);
}

/* @locality loop thread (the producer's poll, or the flush) */
static void kf__dr(void *opaque, const rd_kafka_message_t *m)
{
	kf_audit_t *a = opaque;
	kf_kafka_guard_t *guard = kf_producer_guard(a->prod);
	char key[512];

	if (!m->err) {
		kf_mseries_add(a->delivered, 1);
		return;
	}
	snprintf(key, sizeof(key), "%.*s",
		 (int)(m->key_len < 400 ? m->key_len : 400),
		 m->key ? (const char *)m->key : "");
	/* a refusal (a missing ACL on the audit topic, say) names its fix */
	kf__failed(a, key,
		   kf_kafka_guard_message(guard, m) ? guard->msg
						    : rd_kafka_err2str(m->err));
}

int kf_audit_new(uv_loop_t *loop, const kf_conf_t *conf,
		 kf_mseries_t *delivered, kf_mseries_t *failed,
		 kf_audit_t **out, char *errstr, size_t errstr_size)
{
	kf_audit_t *a = calloc(1, sizeof(*a));
	kf_producer_opts_t po;
	int r;

	*out = NULL;
	if (!a)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	a->delivered = delivered;
	a->failed = failed;
	kf_producer_opts_init(&po, conf, conf->audit_topic, 0);
	r = kf_producer_new(&po, kf__dr, a, &a->prod, errstr, errstr_size);
	/* the engine's own handles decide when its loop ends */
	if (!r)
		r = kf_producer_attach(a->prod, loop, NULL, KF_PRODUCER_WEAK,
				       errstr, errstr_size);
	if (r) {
		kf_audit_destroy(a);
		return r;
	}
	*out = a;
	return 0;
}

void kf_audit_record(kf_audit_t *a, const struct kf_audit_rec *rec)
{
	rd_kafka_resp_err_t err;
	size_t n;

	if (!a)
		return;
	n = kf_audit_format(a->buf, sizeof(a->buf), rec);
	if (!n) {
		kf__failed(a, rec->path, "record too large");
		return;
	}
	/* Bounded: past KF_AUDIT_QUEUE_MAX queued records librdkafka says
	 * QUEUE_FULL at once instead of blocking. */
	if (kf_producer_outq(a->prod) >= KF_AUDIT_QUEUE_MAX) {
		kf__failed(a, rec->path,
			   "too many audit records waiting for "
			   "the brokers");
		return;
	}
	err = kf_producer_send(a->prod, rec->path, strlen(rec->path), a->buf, n,
			       1, NULL, NULL);
	if (err)
		kf__failed(a, rec->path, rd_kafka_err2str(err));
	else
		kf_dbg(KF_DBG_OBS, "audit", "%.*s", (int)n, a->buf);
}

void kf_audit_close(kf_audit_t *a)
{
	if (a)
		kf_producer_close(a->prod);
}

void kf_audit_destroy(kf_audit_t *a)
{
	if (!a)
		return;
	if (a->prod) {
		int left = kf_producer_flush(a->prod, 10000);

		if (left)
			kf_err("audit",
			       "%d audit records not delivered at exit", left);
	}
	kf_producer_destroy(a->prod);
	free(a);
}
