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
#include "kafka/client.h"
#include "kafka/security.h"

/* Appends "name":"s" with s escaped (raw bytes that are not UTF-8 as
 * \u00XX). */
static void kf__str(kf_strbuf_t *b, const char *name, const char *s)
{
	size_t cap = strlen(s) * 6 + 1;
	char *esc = malloc(cap);

	if (!esc) {
		b->failed = 1;
		return;
	}
	kf_json_escape(esc, cap, s);
	kf_strbuf_printf(b, ",\"%s\":\"%s\"", name, esc);
	free(esc);
}

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
	kf_strbuf_printf(&b, "{\"v\":%d,\"kind\":\"load\"",
			 KF_LOAD_REC_VERSION);
	kf__str(&b, "state", r->state);
	kf__str(&b, "load_id", r->load_id);
	kf__str(&b, "topic", r->topic);
	kf__str(&b, "file", r->file);
	kf__u64(&b, "size", r->size);
	kf__str(&b, "hash", r->hash);
	kf_strbuf_printf(&b, ",\"mtime_ns\":%" PRId64, r->mtime_ns);
	if (r->schema)
		kf__str(&b, "schema", r->schema);
	if (r->schema_version)
		kf_strbuf_printf(&b, ",\"schema_version\":%d",
				 r->schema_version);
	kf__str(&b, "host", r->host);
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
		kf__str(&b, "error", r->error);
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

/* The partition of key in topic, as the murmur2 partitioner of our
 * producers places it: 0, 1 when the topic does not exist, or a KF_E*
 * code. */
static int kf__partition(rd_kafka_t *rk, const char *topic, const char *key,
			 int timeout_ms, int32_t *part, char *errstr,
			 size_t errstr_size)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	rd_kafka_resp_err_t err;
	int r = 0;

	if (!rkt)
		return kf_seterr(errstr, errstr_size, KF_EKAFKA,
				 "the load ledger topic %s: %s", topic,
				 rd_kafka_err2str(rd_kafka_last_error()));
	err = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
	if (!err && md->topic_cnt == 1)
		err = md->topics[0].err;
	if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
		/* nothing is recorded in a topic that does not exist: the
		 * load record creates it where the brokers auto-create
		 * topics, and fails the file where they do not */
		kf_warn("load",
			"the load ledger topic %s does not exist: create it "
			"with cleanup.policy=compact",
			topic);
		r = 1;
	} else if (err)
		r = kf_seterr(errstr, errstr_size, KF_EKAFKA,
			      "the load ledger topic %s: %s (create it, "
			      "compacted, or set load.ledger_topic)",
			      topic, rd_kafka_err2str(err));
	else if (md->topic_cnt != 1 || md->topics[0].partition_cnt < 1)
		r = kf_seterr(errstr, errstr_size, KF_EKAFKA,
			      "the load ledger topic %s has no partitions",
			      topic);
	else
		*part = rd_kafka_msg_partitioner_murmur2(
			rkt, key, strlen(key), md->topics[0].partition_cnt,
			NULL, NULL);
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	return r;
}

/* Keeps m's value in *e when m is a record of key (newest wins). */
static void kf__take(const rd_kafka_message_t *m, const char *key,
		     kf_load_entry_t *e)
{
	char errstr[256];
	kf_load_entry_t got;

	if (m->key_len != strlen(key) || memcmp(m->key, key, m->key_len))
		return;
	if (!m->payload) {
		memset(e, 0, sizeof(*e)); /* a tombstone */
		return;
	}
	if (kf_load_rec_parse(m->payload, m->len, &got, errstr,
			      sizeof(errstr))) {
		kf_warn("load",
			"load ledger %s [%d] offset %" PRId64 ": %s; skipped",
			rd_kafka_topic_name(m->rkt), (int)m->partition,
			m->offset, errstr);
		return;
	}
	*e = got;
}

/* Polls rk until the partition's end at or past hi, keeping the newest
 * record of key. */
static int kf__scan(rd_kafka_t *rk, kf_kafka_guard_t *guard, const char *topic,
		    const char *key, int64_t hi, int timeout_ms,
		    kf_load_entry_t *e, char *errstr, size_t errstr_size)
{
	struct timespec t0, now;
	rd_kafka_message_t *m;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) * 1000 +
			    (now.tv_nsec - t0.tv_nsec) / 1000000 >
		    timeout_ms)
			return kf_seterr(errstr, errstr_size, KF_EKAFKA,
					 "reading the load ledger %s: not at "
					 "its end within %d ms (an open "
					 "transaction there holds it)",
					 topic, timeout_ms);
		m = rd_kafka_consumer_poll(rk, 100);
		if (guard->err)
			return kf_seterr(errstr, errstr_size, guard->err,
					 "reading the load ledger %s: %s",
					 topic, guard->msg);
		if (!m)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			/* read_committed ends at the last stable offset:
			 * an open transaction before hi holds it back */
			int64_t at = m->offset;

			rd_kafka_message_destroy(m);
			if (at >= hi)
				return 0;
			continue;
		}
		if (m->err) {
			int r = kf_seterr(errstr, errstr_size, KF_EKAFKA,
					  "reading the load ledger %s: %s",
					  topic, rd_kafka_message_errstr(m));

			rd_kafka_message_destroy(m);
			return r;
		}
		kf__take(m, key, e);
		rd_kafka_message_destroy(m);
	}
}

int kf_load_ledger_read(const kf_conf_t *conf, const char *ledger_topic,
			const char *key, int timeout_ms, kf_load_entry_t *e,
			char *errstr, size_t errstr_size)
{
	rd_kafka_topic_partition_list_t *l;
	kf_kafka_guard_t guard;
	rd_kafka_resp_err_t err;
	int64_t lo, hi;
	int32_t part = 0;
	rd_kafka_t *rk;
	int r;

	memset(e, 0, sizeof(*e));
	kf_kafka_guard_init(&guard, conf, 0, ledger_topic);
	rk = kf_kafka_reader_new(conf, &guard, errstr, errstr_size);
	if (!rk)
		return KF_EKAFKA;
	r = kf__partition(rk, ledger_topic, key, timeout_ms, &part, errstr,
			  errstr_size);
	if (r) {
		r = r > 0 ? 0 : r;
		goto out_destroy;
	}
	err = rd_kafka_query_watermark_offsets(rk, ledger_topic, part, &lo, &hi,
					       timeout_ms);
	if (err) {
		r = kf_seterr(errstr, errstr_size, KF_EKAFKA,
			      "offsets of the load ledger %s [%d]: %s",
			      ledger_topic, (int)part, rd_kafka_err2str(err));
		goto out_destroy;
	}
	if (hi <= lo)
		goto out_destroy; /* empty: no record */
	l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, ledger_topic, part)->offset = lo;
	err = rd_kafka_assign(rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (err)
		r = kf_seterr(errstr, errstr_size, KF_EKAFKA,
			      "assigning the load ledger %s [%d]: %s",
			      ledger_topic, (int)part, rd_kafka_err2str(err));
	else
		r = kf__scan(rk, &guard, ledger_topic, key, hi, timeout_ms, e,
			     errstr, errstr_size);
out_destroy:
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return r;
}
