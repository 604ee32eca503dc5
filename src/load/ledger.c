/* SPDX-License-Identifier: Apache-2.0 */
#include "load/ledger.h"

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/json.h"
#include "common/jsontok.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "kafka/keyscan.h"

static void kf__u64(kf_strbuf_t *b, const char *name, uint64_t v)
{
	kf_strbuf_printf(b, ",\"%s\":%" PRIu64, name, v);
}

/* RFC 3339 UTC with milliseconds. */
static void kf__time(kf_strbuf_t *b, const char *name, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char when[32];

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	kf_strbuf_printf(b, ",\"%s\":\"%s.%03dZ\"", name, when,
			 (int)(ms % 1000));
}

static void kf__ranges(kf_strbuf_t *b, const char *name,
		       const kf_load_range_t *r, size_t n)
{
	size_t i;

	kf_strbuf_printf(b, ",\"%s\":[", name);
	for (i = 0; i < n; i++)
		kf_strbuf_printf(b,
				 "%s{\"p\":%" PRId32 ",\"first\":%" PRId64
				 ",\"last\":%" PRId64 ",\"n\":%" PRIu64 "}",
				 i ? "," : "", r[i].p, r[i].first, r[i].last,
				 r[i].n);
	kf_strbuf_printf(b, "]");
}

int kf_load_rec_format(const kf_load_rec_t *r, char **out, size_t *len)
{
	kf_strbuf_t b;

	kf_strbuf_heap(&b, 1024);
	kf_strbuf_printf(&b, "{\"v\":%d,\"kind\":\"load\",\"record\":%d",
			 KF_LOAD_REC_VERSION, KF_LOAD_RECORD_FORMAT);
	kf_json_member_str(&b, "state", r->state);
	kf_json_member_str(&b, "load_id", r->load_id);
	kf_json_member_str(&b, "topic", r->topic);
	kf_json_member_str(&b, "file", r->file);
	kf__u64(&b, "size", r->size);
	kf_json_member_str(&b, "hash", r->hash);
	kf_strbuf_printf(&b, ",\"mtime_ns\":%" PRId64, r->mtime_ns);
	if (r->schema)
		kf_json_member_str(&b, "schema", r->schema);
	if (r->schema_version)
		kf_strbuf_printf(&b, ",\"schema_version\":%d",
				 r->schema_version);
	kf_json_member_str(&b, "host", r->host);
	kf__time(&b, "started", r->started_ms);
	kf__time(&b, "finished", r->finished_ms);
	kf__u64(&b, "rows_read", r->rows_read);
	kf__u64(&b, "rows_published", r->rows_published);
	kf__u64(&b, "rows_rejected", r->rows_rejected);
	kf__u64(&b, "rows_filtered", r->rows_filtered);
	kf__u64(&b, "parts", r->parts);
	kf__ranges(&b, "ranges", r->ranges, r->nranges);
	kf__ranges(&b, "dead_letters", r->dead, r->ndead);
	if (r->error)
		kf_json_member_str(&b, "error", r->error);
	kf_strbuf_printf(&b, "}");
	if (b.failed) {
		free(b.p);
		return KF_ENOMEM;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

/* Tokens enough for a record with a few hundred ranges; a bigger one is
 * refused as a parse error and skipped (we write at most one range per
 * partition). */
#define KF__MAX_TOKENS 4096

int kf_load_rec_parse(const char *js, size_t len, kf_load_entry_t *e,
		      char *errstr, size_t errstr_size)
{
	static const struct {
		const char *name;
		enum kf_load_state state;
	} states[] = {{"done", KF_LOAD_DONE},
		      {"partial", KF_LOAD_PARTIAL},
		      {"rejected", KF_LOAD_REJECTED}};
	kf_jtok_t *toks = malloc(KF__MAX_TOKENS * sizeof(*toks));
	char state[16];
	size_t ntok, i;
	int64_t v;
	int t, r = KF_EPROTO;

	memset(e, 0, sizeof(*e));
	if (!toks)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	if (kf_json_tokenize(js, len, toks, KF__MAX_TOKENS, &ntok, errstr,
			     errstr_size))
		goto out_free;
	if (toks[0].type != KF_J_OBJECT) {
		kf_seterr(errstr, errstr_size, KF_EPROTO,
			  "a load record is a JSON object");
		goto out_free;
	}
	t = kf_json_member(js, toks, 0, "v", 1);
	if (t < 0 || kf_json_int64(js, &toks[t], &v) || v < 1 || v > 1000000) {
		kf_seterr(errstr, errstr_size, KF_EPROTO,
			  "a load record without a version \"v\"");
		goto out_free;
	}
	e->v = (int)v;
	e->state = KF_LOAD_UNKNOWN;
	r = 0;
	if (v > KF_LOAD_REC_VERSION)
		goto out_free; /* not ours to read */
	t = kf_json_member(js, toks, 0, "load_id", 7);
	if (t < 0 || toks[t].type != KF_J_STRING ||
	    kf_json_string(js, &toks[t], e->load_id, sizeof(e->load_id)) < 0)
		e->load_id[0] = '\0';
	t = kf_json_member(js, toks, 0, "state", 5);
	if (t < 0 || toks[t].type != KF_J_STRING ||
	    kf_json_string(js, &toks[t], state, sizeof(state)) < 0) {
		r = kf_seterr(errstr, errstr_size, KF_EPROTO,
			      "a load record without a \"state\"");
		goto out_free;
	}
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (!strcmp(state, states[i].name))
			e->state = states[i].state;
out_free:
	free(toks);
	return r;
}

int kf_load_ledger_key(char *out, size_t cap, const char *topic,
		       const char *hash_hex)
{
	int n = snprintf(out, cap, "%s/%s", topic, hash_hex);

	return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* ------------------------------------------------------------- reading */

/* What the scan of the ledger keeps: the newest record of its key that
 * parses. */
struct kf__take_ctx {
	const char *topic;
	kf_load_entry_t *e;
};

static void kf__take(const void *value, size_t len, long long offset,
		     int partition, void *opaque)
{
	struct kf__take_ctx *c = opaque;
	char errstr[256];
	kf_load_entry_t got;

	if (!value) {
		memset(c->e, 0, sizeof(*c->e)); /* a tombstone */
		return;
	}
	if (kf_load_rec_parse(value, len, &got, errstr, sizeof(errstr))) {
		kf_warn("load", "load ledger %s [%d] offset %lld: %s; skipped",
			c->topic, partition, offset, errstr);
		return;
	}
	*c->e = got;
}

int kf_load_ledger_read(const kf_conf_t *conf, const char *ledger_topic,
			const char *key, int timeout_ms, kf_load_entry_t *e,
			char *errstr, size_t errstr_size)
{
	struct kf__take_ctx c = {ledger_topic, e};

	memset(e, 0, sizeof(*e));
	return kf_keyscan(conf, ledger_topic, key, "the load ledger",
			  timeout_ms, kf__take, &c, errstr, errstr_size);
}
