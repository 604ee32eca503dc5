/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-file state machine of docs/records.md 3.2-3.7 (load/loader.h).
 *
 * Phases, each ended by a worker job or by the last delivery report:
 *   OPEN     hash pass, producer, init_transactions, ledger, begin (job)
 *   LOAD     read + parse a block (job), produce it (loop), until the end
 *            or the end of a part (load.txn_max_bytes, docs/records.md 3.4)
 *   PART     the partial record is produced; all reported -> commit (job)
 *   PARTBEGIN the next part's transaction begins (job), then LOAD again
 *   END      the load record is produced; all reported -> commit (job)
 *   FAIL     purge, all reported -> abort (job); past max_rejects, then
 *   FAILREC  begin (job), the failure record and a sample of dead
 *            letters, all reported -> commit (job); a commit that fails
 *            goes back to FAIL (its abort), and FAILREC is tried once more
 *   CLOSE    close the producer's handles, then free it (job), then done
 * One job runs at a time per file, so a job owns the reader and the
 * descriptor while it runs and the loop owns everything else; a read
 * job's batch is the loop's once the job is done, and the loop produces
 * it while the next read job runs.
 */
#include "load/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "core/codec.h"
#include "core/path.h"
#include "kafka/producer.h"
#include "load/ledger.h"
#include "record/serial.h"

#define KF__BLOCK (1u << 20)	  /* bytes read per job, at most */
#define KF__BLOCK_MIN (16u << 10) /* ... and at least */
#define KF__DLQ_MAX (1u << 20)	  /* raw bytes kept in a dead letter */
#define KF__NONE ((size_t)-1)	  /* an absent string of an item */
#define KF__SPARE 2		  /* reported batches kept for reuse */

enum kf__phase {
	KF__OPEN,
	KF__LOAD,
	KF__PART,
	KF__PARTBEGIN,
	KF__END,
	KF__FAIL,
	KF__FAILBEGIN,
	KF__FAILREC,
	KF__CLOSE
};

/* One message of a batch; strings and bytes are offsets into its buffer
 * (which grows while the worker fills it: the record path renders each
 * row's key and value at its end, kf_recfile_opts_t.out). */
struct kf__item {
	size_t key, key_len, value, value_len; /* key KF__NONE: null key */
	size_t code, field, reason;	       /* rejects only */
	uint64_t num, line, offset, raw_total;
	int reject, withheld;
};

/* What one read job produced: back to the loader's spares (or freed)
 * when its last message is reported. */
struct kf__batch {
	kf_loader_t *l;
	struct kf__batch *next; /* in the spares */
	kf_strbuf_t buf;	/* grows; a spare keeps its memory */
	struct kf__item *it;
	size_t n, cap_it;
	int refs; /* messages not yet reported, +1 while producing */
};

/* A dead letter kept for the failure record (3.7). */
struct kf__sample {
	void *key, *value;
	size_t key_len, len;
	rd_kafka_headers_t *hdrs;
};

struct kf_loader_s {
	uv_loop_t *loop;
	const kf_load_opts_t *o;
	kf_loader_done_cb *done;
	void *opaque;
	char *path;	 /* the file's name (kf_load_src_t.name) */
	char *open_path; /* where it is opened */
	size_t root_len; /* no link followed below path[0, root_len) */
	uint64_t want_dev, want_ino; /* want_ino 0: not checked */
	kf_load_file_t res;
	char error[1024];
	enum kf__phase phase;
	uv_work_t work;
	int busy;		     /* a job runs */
	void (*job)(kf_loader_t *l); /* the next job's work */
	/* owned by the running job */
	int fd;
	uint8_t *block;
	kf_recfile_t *rf;
	kf_producer_t *p;
	const kf_schema_t *schema; /* opts' or own_schema */
	kf_schema_t *own_schema;   /* sniffed from this file */
	struct kf__batch *cur;
	kf_strbuf_t *cur_buf; /* cur's, where the record path renders rows */
	/* reported batches, their buffers kept: a batch is megabytes, and
	 * a fresh one costs its page faults and reallocations again, and
	 * makes malloc consolidate the small chunks of the headers
	 * @locality loop */
	struct kf__batch *spare;
	int nspare;
	int job_err;
	char job_msg[1024];
	uint64_t job_bytes;
	kf_recfile_counts_t job_counts; /* the job's */
	kf_recfile_counts_t counts; /* the loop's copy, as of the last job */
	kf_load_entry_t ledger;	    /* what the ledger had */
	int64_t mtime_ns, started_ms;
	char txn_id[256], key[1024], host[256];
	int txn_open, attached, eof, skipped, stopping, purged, failed;
	int failrec_tries; /* failure transactions begun */
	int fail_record;   /* past max_rejects: write the failure record */
	uint64_t bytes_read;
	size_t block_size; /* what the next read job reads */
	uint64_t inflight_bytes;
	int inflight_msgs;
	uint64_t rejects_seen;
	kf_load_range_t *ranges, *dead; /* indexed by partition; n 0: none */
	size_t nranges, ndead;
	/* splitting (3.4): the committed parts' checkpoint (a resumed one's
	 * to begin with), the bytes and start of the open part, and the
	 * last record produced in it */
	kf_load_ckpt_t ck;
	unsigned parts; /* committed */
	uint64_t part_bytes;
	int64_t part_started_ms;
	uint64_t last_num, last_line, last_offset;
	struct kf__sample *sample;
	size_t nsample;
};

static void kf__pump(kf_loader_t *l);
static void kf__queue(kf_loader_t *l, void (*job)(kf_loader_t *));

static void kf__hex(const uint8_t *b, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[b[i] >> 4];
		out[2 * i + 1] = hx[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int64_t kf__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The first failure wins; later ones are logged. Never produces or
 * polls: the caller then runs kf__pump. */
static void kf__fail(kf_loader_t *l, int err, int record, const char *fmt, ...)
	KF_PRINTF(4, 5);
static void kf__fail(kf_loader_t *l, int err, int record, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->failed) {
		kf_warn("load", "%s: also: %s", l->path, msg);
		return;
	}
	l->failed = 1;
	l->res.err = err;
	snprintf(l->error, sizeof(l->error), "%s", msg);
	l->fail_record = record && l->o->ledger_topic;
	if (l->phase < KF__FAIL)
		l->phase = KF__FAIL;
}

/* ------------------------------------------------------------- batches */

static void kf__batch_free(struct kf__batch *b)
{
	free(b->buf.p);
	free(b->it);
	free(b);
}

/* @locality loop */
static void kf__batch_unref(struct kf__batch *b)
{
	kf_loader_t *l = b->l;

	if (--b->refs > 0)
		return;
	l->inflight_bytes -= b->buf.len;
	if (l->nspare >= KF__SPARE) {
		kf__batch_free(b);
		return;
	}
	b->buf.len = b->n = 0;
	b->buf.failed = 0; /* its memory is whole: a failed append kept it */
	b->next = l->spare;
	l->spare = b;
	l->nspare++;
}

/* An empty batch for the next read job: a spare, or a new one (NULL when
 * out of memory: the job says so). @locality loop */
static struct kf__batch *kf__batch_get(kf_loader_t *l)
{
	struct kf__batch *b = l->spare;

	if (!b) {
		b = calloc(1, sizeof(*b));
		if (b) /* failed when out of memory: the job says so */
			kf_strbuf_heap(&b->buf, 65536);
		return b;
	}
	l->spare = b->next;
	l->nspare--;
	b->next = NULL;
	return b;
}

/* Copies n bytes and a terminator (strings stay terminated) into b's
 * buffer: their offset, or KF__NONE when out of memory. */
static size_t kf__put(struct kf__batch *b, const void *p, size_t n)
{
	size_t at = b->buf.len;

	kf_strbuf_append(&b->buf, p, n);
	kf_strbuf_putc(&b->buf, '\0');
	return b->buf.failed ? KF__NONE : at;
}

static size_t kf__put_str(struct kf__batch *b, const char *s)
{
	return s ? kf__put(b, s, strlen(s)) : KF__NONE;
}

static struct kf__item *kf__item(struct kf__batch *b)
{
	if (b->n == b->cap_it) {
		size_t cap = b->cap_it ? b->cap_it * 2 : 256;
		struct kf__item *n = realloc(b->it, cap * sizeof(*n));

		if (!n)
			return NULL;
		b->it = n;
		b->cap_it = cap;
	}
	memset(&b->it[b->n], 0, sizeof(b->it[b->n]));
	b->it[b->n].key = KF__NONE;
	b->it[b->n].code = b->it[b->n].field = b->it[b->n].reason = KF__NONE;
	return &b->it[b->n];
}

/* A row, rendered at the end of the batch's buffer by the record path:
 * kept where it is, by offset (one copy of every row less).
 * @locality worker (the reader's callbacks) */
static int kf__on_row(const kf_recfile_row_t *row, void *opaque)
{
	struct kf__batch *b = ((kf_loader_t *)opaque)->cur;
	struct kf__item *it = kf__item(b);

	if (!it)
		return KF_ENOMEM;
	if (row->key) {
		it->key = (size_t)((const char *)row->key - b->buf.p);
		it->key_len = row->key_len;
	}
	it->value = (size_t)((const char *)row->value - b->buf.p);
	it->value_len = row->value_len;
	it->num = row->num;
	it->line = row->line;
	it->offset = row->offset;
	b->n++;
	return 0;
}

/* @locality worker */
static int kf__on_reject(const kf_recfile_reject_t *rej, void *opaque)
{
	struct kf__batch *b = ((kf_loader_t *)opaque)->cur;
	struct kf__item *it = kf__item(b);
	size_t raw = rej->raw_len < KF__DLQ_MAX ? rej->raw_len : KF__DLQ_MAX;

	if (!it)
		return KF_ENOMEM;
	it->reject = 1;
	it->withheld = rej->withheld;
	if (rej->key) {
		it->key = kf__put(b, rej->key, rej->key_len);
		it->key_len = rej->key_len;
	}
	it->value = kf__put(b, rej->raw ? rej->raw : "", rej->raw ? raw : 0);
	it->value_len = rej->raw ? raw : 0;
	it->raw_total = rej->raw_total;
	it->code = kf__put_str(b, rej->code ? rej->code : "serialize");
	it->field = kf__put_str(b, rej->field);
	it->reason = kf__put_str(b, rej->reason ? rej->reason : "");
	it->num = rej->num;
	it->line = rej->line;
	it->offset = rej->offset;
	if ((rej->key && it->key == KF__NONE) || it->value == KF__NONE ||
	    it->code == KF__NONE || it->reason == KF__NONE ||
	    (rej->field && it->field == KF__NONE))
		return KF_ENOMEM;
	b->n++;
	return 0;
}

/* ------------------------------------------------------------- headers */

/* @locality loop: runs for every message of a load */
static void kf__hdr_num(rd_kafka_headers_t *h, const char *name, uint64_t v)
{
	char num[24];
	kf_strbuf_t b;

	kf_strbuf_fixed(&b, num, sizeof(num));
	kf_strbuf_put_u64(&b, v);
	rd_kafka_header_add(h, name, -1, b.p, (ssize_t)b.len);
}

/* The headers of docs/records.md 1.7: two on a record, what is the
 * same for the whole file being in its load record and the line being
 * that of the offset (librdkafka allocates every header of every message:
 * they are most of the per-message cost of the loop). */
static rd_kafka_headers_t *kf__headers(const kf_loader_t *l,
				       const struct kf__item *it)
{
	rd_kafka_headers_t *h = rd_kafka_headers_new(it->reject ? 13 : 2);

	rd_kafka_header_add(h, "kferry.load_id", -1, l->res.load_id, 32);
	kf__hdr_num(h, "kferry.offset", it->offset);
	return h;
}

/* The dead letter headers of 3.6 beside those of every record (1.7). */
static void kf__dlq_headers(const kf_loader_t *l, const struct kf__batch *b,
			    const struct kf__item *it, rd_kafka_headers_t *h)
{
	const char *enc = l->schema && l->schema->encoding ? l->schema->encoding
							   : "UTF-8";

	kf__hdr_num(h, "kferry.record", KF_LOAD_RECORD_FORMAT);
	kf__hdr_num(h, "kferry.line", it->line);
	rd_kafka_header_add(h, "kferry.file", -1, l->path, -1);
	rd_kafka_header_add(h, "kferry.dlq.kind", -1, "record", -1);
	rd_kafka_header_add(h, "kferry.dlq.code", -1, b->buf.p + it->code, -1);
	rd_kafka_header_add(h, "kferry.dlq.reason", -1, b->buf.p + it->reason,
			    -1);
	if (it->field != KF__NONE)
		rd_kafka_header_add(h, "kferry.dlq.field", -1,
				    b->buf.p + it->field, -1);
	rd_kafka_header_add(h, "kferry.dlq.encoding", -1, enc, -1);
	if (it->withheld)
		rd_kafka_header_add(h, "kferry.dlq.raw", -1, "withheld", -1);
	if (!it->withheld && it->raw_total > it->value_len) {
		rd_kafka_header_add(h, "kferry.dlq.truncated", -1,
				    "record longer than 1 MiB", -1);
		kf__hdr_num(h, "kferry.dlq.value_size", it->raw_total);
	}
}

/* ----------------------------------------------------- produce, report */

/* Keeps a copy of a dead letter for the failure record. */
static void kf__keep_sample(kf_loader_t *l, const struct kf__batch *b,
			    const struct kf__item *it,
			    const rd_kafka_headers_t *h)
{
	struct kf__sample *s;

	if (l->nsample >= l->o->reject_sample) {
		return;
	}
	if (!l->sample) {
		l->sample = calloc(l->o->reject_sample, sizeof(*l->sample));
		if (!l->sample)
			return;
	}
	s = &l->sample[l->nsample];
	s->value = malloc(it->value_len + 1);
	s->key = it->key == KF__NONE ? NULL : malloc(it->key_len + 1);
	if (!s->value || (it->key != KF__NONE && !s->key)) {
		free(s->value);
		free(s->key);
		return;
	}
	memcpy(s->value, b->buf.p + it->value, it->value_len);
	s->len = it->value_len;
	if (s->key) {
		memcpy(s->key, b->buf.p + it->key, it->key_len);
		s->key_len = it->key_len;
	}
	s->hdrs = rd_kafka_headers_copy(h);
	l->nsample++;
}

/* Drops the dead letters kept: those of a committed part are visible
 * already, and a failure record would only repeat them. */
static void kf__sample_clear(kf_loader_t *l)
{
	size_t i;

	for (i = 0; i < l->nsample; i++) {
		free(l->sample[i].key);
		free(l->sample[i].value);
		if (l->sample[i].hdrs)
			rd_kafka_headers_destroy(l->sample[i].hdrs);
	}
	l->nsample = 0;
}

/* A rejected row: to the dead letter topic, within max_rejects. */
static int kf__reject(kf_loader_t *l, struct kf__batch *b,
		      const struct kf__item *it, rd_kafka_headers_t *h,
		      rd_kafka_resp_err_t *err)
{
	l->rejects_seen++;
	if (!l->o->dead_letter_topic ||
	    (!l->o->max_rejects_pct && l->rejects_seen > l->o->max_rejects)) {
		kf__fail(l, KF_EINVAL, 1,
			 "max_rejects: %" PRIu64 " rows rejected, %" PRIu64
			 " allowed%s (line %" PRIu64 ", offset %" PRIu64
			 ": %s)",
			 l->rejects_seen,
			 l->o->dead_letter_topic ? l->o->max_rejects : 0,
			 l->o->dead_letter_topic
				 ? ""
				 : " without load.dead_letter_topic",
			 /* reasons name their column */
			 it->line, it->offset, b->buf.p + it->reason);
		return -1;
	}
	kf__dlq_headers(l, b, it, h);
	kf__keep_sample(l, b, it, h);
	*err = kf_producer_send_to(
		l->p, l->o->dead_letter_topic,
		it->key == KF__NONE ? NULL : b->buf.p + it->key, it->key_len,
		b->buf.p + it->value, it->value_len, 0, h, b);
	return 0;
}

/* @locality loop: the messages of a finished read job */
static void kf__produce_batch(kf_loader_t *l, struct kf__batch *b)
{
	rd_kafka_resp_err_t err = 0;
	size_t i;

	for (i = 0; i < b->n && l->phase == KF__LOAD; i++) {
		const struct kf__item *it = &b->it[i];
		rd_kafka_headers_t *h = kf__headers(l, it);

		if (it->reject) {
			if (kf__reject(l, b, it, h, &err)) {
				rd_kafka_headers_destroy(h);
				break;
			}
		} else {
			err = kf_producer_send(
				l->p,
				it->key == KF__NONE ? NULL : b->buf.p + it->key,
				it->key_len, b->buf.p + it->value,
				it->value_len, 0, h, b);
		}
		if (err) {
			rd_kafka_headers_destroy(h);
			kf__fail(l, KF_EKAFKA, 0,
				 "producing line %" PRIu64 ": %s", it->line,
				 rd_kafka_err2str(err));
			break;
		}
		b->refs++;
		l->inflight_msgs++;
		l->last_num = it->num;
		l->last_line = it->line;
		l->last_offset = it->offset;
	}
}

/* The range of partition p in an array indexed by partition (grown), or
 * NULL when out of memory. */
static kf_load_range_t *kf__range_of(kf_load_range_t **r, size_t *n, int32_t p)
{
	if ((size_t)p >= *n) {
		size_t want = (size_t)p + 1, i;
		kf_load_range_t *nr = realloc(*r, want * sizeof(*nr));

		if (!nr)
			return NULL;
		for (i = *n; i < want; i++)
			nr[i] = (kf_load_range_t){.p = (int32_t)i};
		*r = nr;
		*n = want;
	}
	return &(*r)[p];
}

/* Widens the range of partition p of one topic by offset off. */
static void kf__range_add(kf_load_range_t **r, size_t *n, int32_t p,
			  int64_t off)
{
	kf_load_range_t *e;

	/* out of memory: the record then lacks a range, no more */
	if (p < 0 || !(e = kf__range_of(r, n, p)))
		return;
	if (!e->n || off < e->first)
		e->first = off;
	if (!e->n || off > e->last)
		e->last = off;
	e->n++;
}

/* @locality loop (the producer's reports, and kf_producer_purge) */
static void kf__report(void *opaque, const rd_kafka_message_t *m)
{
	kf_loader_t *l = opaque;
	const char *topic = rd_kafka_topic_name(m->rkt);

	l->inflight_msgs--;
	if (m->err && !l->failed) {
		kf_kafka_guard_message(kf_producer_guard(l->p), m);
		kf__fail(l, KF_EKAFKA, 0, "delivery to %s [%d]: %s", topic,
			 (int)m->partition, rd_kafka_err2str(m->err));
	} else if (m->_private && !strcmp(topic, l->o->topic)) {
		kf__range_add(&l->ranges, &l->nranges, m->partition, m->offset);
		l->res.rows_published++;
	} else if (m->_private) {
		kf__range_add(&l->dead, &l->ndead, m->partition, m->offset);
	}
	if (m->_private)
		kf__batch_unref(m->_private);
}

/* @locality loop, after the reports that woke it */
static void kf__served(void *opaque)
{
	kf_loader_t *l = opaque;
	kf_kafka_guard_t *g = kf_producer_guard(l->p);

	if (g->err && !l->failed)
		kf__fail(l, g->err, 0, "%s", g->msg);
	kf__pump(l);
}

/* ------------------------------------------------------ the load record */

/* The ranges of the partitions written, in a new array (NULL: none). */
static kf_load_range_t *kf__ranges(const kf_load_range_t *r, size_t n,
				   size_t *out_n)
{
	kf_load_range_t *out = n ? malloc(n * sizeof(*out)) : NULL;
	size_t i;

	*out_n = 0;
	for (i = 0; out && i < n; i++)
		if (r[i].n)
			out[(*out_n)++] = r[i];
	return out;
}

/* Produces the load record to the ledger: done, partial (the end of a
 * part: its checkpoint) or rejected (only the committed parts count). */
static int kf__produce_record(kf_loader_t *l, const char *state,
			      const char *error)
{
	kf_load_range_t *rs = NULL, *ds = NULL;
	kf_load_rec_t rec = {0};
	rd_kafka_resp_err_t err;
	int rejected = !strcmp(state, "rejected");
	char *js = NULL;
	size_t len;
	int r;

	rec.state = state;
	rec.load_id = l->res.load_id;
	rec.topic = l->o->topic;
	rec.file = l->path;
	rec.hash = l->res.hash;
	rec.schema = l->schema ? l->schema->name : NULL;
	rec.schema_version = l->schema ? l->schema->schema_version : 0;
	rec.host = l->host;
	rec.error = error;
	rec.size = l->res.size;
	rec.mtime_ns = l->mtime_ns;
	rec.started_ms = l->started_ms;
	rec.finished_ms = kf__now_ms();
	rec.rows_read = l->counts.read;
	rec.rows_rejected = l->counts.rejected;
	rec.rows_filtered = l->counts.filtered;
	if (rejected) { /* the failed part was aborted: the others stay */
		rec.rows_published = l->ck.rows_published;
		rec.parts = l->parts;
		rec.next_record = l->ck.next_record;
		rec.last_line = l->ck.last_line;
		rec.last_offset = l->ck.last_offset;
		rec.ranges = l->ck.ranges;
		rec.nranges = l->ck.nranges;
		rec.dead = l->ck.dead;
		rec.ndead = l->ck.ndead;
	} else {
		rec.rows_published = l->res.rows_published;
		rec.parts = l->parts + 1;
		if (!l->eof) { /* partial */
			rec.next_record = l->last_num + 1;
			rec.last_line = l->last_line;
			rec.last_offset = l->last_offset;
		}
		rs = kf__ranges(l->ranges, l->nranges, &rec.nranges);
		ds = kf__ranges(l->dead, l->ndead, &rec.ndead);
		rec.ranges = rs;
		rec.dead = ds;
	}
	r = kf_load_rec_format(&rec, &js, &len);
	free(rs);
	free(ds);
	if (r)
		return r;
	err = kf_producer_send_to(l->p, l->o->ledger_topic, l->key,
				  strlen(l->key), js, len, 1, NULL, NULL);
	free(js);
	if (err)
		return kf_seterr(l->job_msg, sizeof(l->job_msg), KF_EKAFKA,
				 "the load record to %s: %s",
				 l->o->ledger_topic, rd_kafka_err2str(err));
	l->inflight_msgs++;
	return 0;
}

/* The end of the file or of a part: the percentage threshold, then the
 * load record (partial, or done). */
static void kf__end(kf_loader_t *l)
{
	const kf_recfile_counts_t *c = &l->counts;

	if (l->o->max_rejects_pct && c->rejected &&
	    c->rejected * 100 > l->o->max_rejects * c->read) {
		kf__fail(l, KF_EINVAL, 1,
			 "max_rejects: %" PRIu64 " of %" PRIu64
			 " rows (%.1f%%) > %" PRIu64 "%%",
			 c->rejected, c->read,
			 100.0 * (double)c->rejected / (double)c->read,
			 l->o->max_rejects);
		return;
	}
	if (kf__produce_record(l, l->eof ? "done" : "partial", NULL)) {
		kf__fail(l, KF_EKAFKA, 0, "%s", l->job_msg);
		return;
	}
	l->phase = l->eof ? KF__END : KF__PART;
}

/* A part was committed: its record is now the checkpoint a failure
 * record repeats and a re-run resumes from. */
static void kf__part_committed(kf_loader_t *l)
{
	kf_load_ckpt_t *ck = &l->ck;

	free(ck->ranges);
	free(ck->dead);
	ck->ranges = kf__ranges(l->ranges, l->nranges, &ck->nranges);
	ck->dead = kf__ranges(l->dead, l->ndead, &ck->ndead);
	ck->next_record = l->last_num + 1;
	ck->last_line = l->last_line;
	ck->last_offset = l->last_offset;
	ck->rows_published = l->res.rows_published;
	ck->rows_rejected = l->counts.rejected;
	kf__sample_clear(l);
	l->parts++;
	l->part_bytes = 0;
	l->txn_open = 0;
	kf_info("load",
		"%s: part %u committed: %" PRIu64 " rows published, "
		"the next part from record %" PRIu64 " (after line %" PRIu64
		")",
		l->path, l->parts, ck->rows_published, ck->next_record,
		l->last_line);
}

/* Whether the open part has read enough (bytes, or half the transaction
 * timeout) and holds a record past the checkpoint to end with. */
static int kf__part_due(const kf_loader_t *l)
{
	if (!l->o->txn_max_bytes || l->eof ||
	    l->last_num < (l->ck.next_record ? l->ck.next_record : 1))
		return 0;
	return l->part_bytes >= l->o->txn_max_bytes ||
	       kf__now_ms() - l->part_started_ms >=
		       (int64_t)l->o->transaction_timeout_s * 500;
}

/* The failure transaction's messages: the record and the sample. */
static void kf__failure_record(kf_loader_t *l)
{
	size_t i;

	if (kf__produce_record(l, "rejected", l->error))
		kf_err("load", "%s: %s", l->path, l->job_msg);
	l->failrec_tries++;
	for (i = 0; i < l->nsample; i++) {
		struct kf__sample *s = &l->sample[i];
		/* a copy: a second failure transaction sends them again */
		rd_kafka_headers_t *h =
			s->hdrs ? rd_kafka_headers_copy(s->hdrs) : NULL;

		if (s->hdrs && !h)
			continue; /* out of memory: the sample is short */
		if (kf_producer_send_to(l->p, l->o->dead_letter_topic, s->key,
					s->key_len, s->value, s->len, 1, h,
					NULL)) {
			if (h)
				rd_kafka_headers_destroy(h);
			continue;
		}
		l->inflight_msgs++;
	}
	l->phase = KF__FAILREC;
}

/* ----------------------------------------------------------------- jobs */

/* @locality worker: the hash pass and what needs the hash */
static int kf__open_hash(kf_loader_t *l)
{
	kf_hasher_t *h = kf_hasher_new();
	uint8_t hash[16], idh[16];
	size_t tlen = strlen(l->o->topic);
	uint8_t *idsrc;
	ssize_t n;

	if (!h)
		return kf_seterr(l->job_msg, sizeof(l->job_msg), KF_ENOMEM,
				 "out of memory");
	while ((n = read(l->fd, l->block, KF__BLOCK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			kf_hasher_destroy(h);
			return kf_seterr(l->job_msg, sizeof(l->job_msg), KF_EIO,
					 "reading: %s", strerror(errno));
		}
		kf_hasher_update(h, l->block, (size_t)n);
	}
	kf_hasher_final(h, hash);
	kf_hasher_destroy(h);
	kf__hex(hash, 16, l->res.hash);
	/* one transactional id per (topic, content): 3.1 */
	idsrc = malloc(tlen + 17);
	if (!idsrc)
		return kf_seterr(l->job_msg, sizeof(l->job_msg), KF_ENOMEM,
				 "out of memory");
	memcpy(idsrc, l->o->topic, tlen);
	idsrc[tlen] = 0;
	memcpy(idsrc + tlen + 1, hash, 16);
	kf_hash128(idsrc, tlen + 17, idh);
	free(idsrc);
	snprintf(l->txn_id, sizeof(l->txn_id), "%s.", l->o->txn_id_prefix);
	kf__hex(idh, 16, l->txn_id + strlen(l->txn_id));
	if (getrandom(idh, sizeof(idh), 0) != (ssize_t)sizeof(idh))
		return kf_seterr(l->job_msg, sizeof(l->job_msg), KF_EIO,
				 "getrandom: %s", strerror(errno));
	kf__hex(idh, 16, l->res.load_id);
	if (kf_load_ledger_key(l->key, sizeof(l->key), l->o->topic,
			       l->res.hash) < 0)
		return kf_seterr(l->job_msg, sizeof(l->job_msg), KF_EINVAL,
				 "topic name too long");
	return 0;
}

/* Seeds a range array indexed by partition with the compact ranges of a
 * checkpoint. */
static int kf__ranges_seed(kf_load_range_t **r, size_t *n,
			   const kf_load_range_t *from, size_t nfrom)
{
	kf_load_range_t *e;
	size_t i;

	for (i = 0; i < nfrom; i++) {
		if (!(e = kf__range_of(r, n, from[i].p)))
			return KF_ENOMEM;
		*e = from[i];
	}
	return 0;
}

/* A split file's checkpoint on the ledger (3.4): the whole record, read
 * for this key, and the load carries on after it under its load id.
 * @locality worker */
static int kf__resume(kf_loader_t *l, int ms)
{
	kf_load_ckpt_t *ck = &l->ck;
	int r = kf_load_ledger_checkpoint(l->o->conf, l->o->ledger_topic,
					  l->key, ms, ck, l->job_msg,
					  sizeof(l->job_msg));

	if (r)
		return r;
	l->ledger = ck->e; /* newer than the table's, if anything */
	if (!ck->e.ckpt || ck->e.state == KF_LOAD_DONE ||
	    ck->e.state == KF_LOAD_UNKNOWN) {
		kf_load_ckpt_clear(ck); /* done since, or no checkpoint */
		return 0;
	}
	if (kf__ranges_seed(&l->ranges, &l->nranges, ck->ranges, ck->nranges) ||
	    kf__ranges_seed(&l->dead, &l->ndead, ck->dead, ck->ndead))
		return kf_seterr(l->job_msg, sizeof(l->job_msg), KF_ENOMEM,
				 "out of memory");
	snprintf(l->res.load_id, sizeof(l->res.load_id), "%s", ck->e.load_id);
	l->parts = ck->parts;
	l->res.rows_published = ck->rows_published;
	l->rejects_seen = ck->rows_rejected;
	kf_info("load",
		"%s: resuming load %s after its part %u (%" PRIu64
		" rows published): from record %" PRIu64 " (after line %" PRIu64
		"); the records before it are read again, not published",
		l->path, l->res.load_id, l->parts, ck->rows_published,
		ck->next_record, ck->last_line);
	return 0;
}

/* @locality worker: the producer, fenced in, and the ledger's word */
static int kf__open_txn(kf_loader_t *l)
{
	int ms = l->o->transaction_timeout_s * 1000;
	kf_producer_opts_t po;
	int r;

	kf_producer_opts_init(&po, l->o->conf, l->o->topic, 2 * KF__DLQ_MAX);
	po.linger_ms = l->o->linger_ms;
	po.delivery_timeout_ms = ms;
	po.transaction_timeout_ms = ms;
	po.compression = l->o->compression;
	po.transactional_id = l->txn_id;
	po.batch_size = KF__BLOCK;
	/* our in-flight cap is the bound: never let librdkafka refuse */
	po.queue_kbytes = l->o->max_inflight_bytes / 1024 * 2 + 65536;
	r = kf_producer_new(&po, kf__report, l, &l->p, l->job_msg,
			    sizeof(l->job_msg));
	/* no broker within connect_timeout: the file fails (exit 3 when
	 * none got through), rather than wait the transaction timeout */
	if (!r)
		r = kf_producer_txn_init(
			l->p,
			l->o->connect_timeout_s ? l->o->connect_timeout_s * 1000
						: ms,
			l->job_msg, sizeof(l->job_msg));
	if (!r && l->o->ledger)
		r = kf_load_ledger_get(l->o->ledger, l->key, ms, &l->ledger,
				       l->job_msg, sizeof(l->job_msg));
	else if (!r)
		r = kf_load_ledger_read(l->o->conf, l->o->ledger_topic, l->key,
					ms, &l->ledger, l->job_msg,
					sizeof(l->job_msg));
	if (r)
		return r;
	if (l->ledger.state == KF_LOAD_UNKNOWN)
		return kf_seterr(l->job_msg, sizeof(l->job_msg), KF_EINVAL,
				 "the load ledger %s has a record of version "
				 "%d for %s: a newer kferry wrote it; not "
				 "loading",
				 l->o->ledger_topic, l->ledger.v, l->key);
	if (l->ledger.ckpt && l->ledger.state != KF_LOAD_DONE && !l->o->force)
		return kf__resume(l, ms);
	return 0;
}

/* The schema of a file loaded without one, from its first bytes.
 * @locality worker */
static int kf__sniff(kf_loader_t *l)
{
	size_t cap = (size_t)l->o->sniff_bytes;
	uint8_t *sample;
	ssize_t n;
	int r;

	if (!l->o->sniff)
		return kf_seterr(l->job_msg, sizeof(l->job_msg), KF_EINVAL,
				 "no schema");
	sample = malloc(cap ? cap : 1);
	if (!sample)
		return kf_seterr(l->job_msg, sizeof(l->job_msg), KF_ENOMEM,
				 "out of memory");
	do
		n = pread(l->fd, sample, cap, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		r = kf_seterr(l->job_msg, sizeof(l->job_msg), KF_EIO,
			      "reading: %s", strerror(errno));
	else
		r = l->o->sniff(l->o->sniff_opaque, sample, (size_t)n,
				(uint64_t)n >= l->res.size, l->path,
				&l->own_schema, l->job_msg, sizeof(l->job_msg));
	free(sample);
	l->schema = l->own_schema;
	return r;
}

/* The subject of the value or key schema (docs/schemas.md 3.1). */
static void kf__subject(const kf_loader_t *l, int key, char *out, size_t size)
{
	const char *name = l->schema->name ? l->schema->name : "kferry.record";

	if (l->o->record_subjects)
		snprintf(out, size, "%s%s", name, key ? "_key" : "");
	else
		snprintf(out, size, "%s-%s", l->o->topic,
			 key ? "key" : "value");
}

/* The schema of the value (key 0) or the key (1) in format wire, and the
 * registry's word for its type (NULL: Avro). 0, or -1 out of memory. */
static int kf__render(const kf_loader_t *l, enum kf_rec_wire wire, int key,
		      kf_strbuf_t *out, const char **type)
{
	kf_strbuf_t v, k;
	int r;

	*type = wire == KF_WIRE_JSON_SCHEMA ? "JSON" : NULL;
	kf_strbuf_heap(&v, 1024);
	kf_strbuf_heap(&k, 256);
	r = wire == KF_WIRE_JSON_SCHEMA
		    ? kf_serial_json_schemas(l->schema, l->o->decimal_numeric,
					     &v, &k)
		    : kf_serial_avro_schemas(l->schema, &v, &k);
	*out = key ? k : v;
	free(key ? v.p : k.p);
	return r;
}

/* The id of the value's (key 0) or key's schema in format wire,
 * registered if new: 0, or an error in job_msg.
 * @locality worker (the registry's requests block) */
static int kf__register_one(kf_loader_t *l, enum kf_rec_wire wire, int key,
			    uint32_t *id)
{
	const char *type;
	kf_strbuf_t schema;
	char subject[512];
	int r;

	if (kf__render(l, wire, key, &schema, &type)) {
		free(schema.p);
		return kf_seterr(l->job_msg, sizeof(l->job_msg), KF_ENOMEM,
				 "out of memory");
	}
	kf__subject(l, key, subject, sizeof(subject));
	r = kf_registry_register(l->o->registry, subject, type, schema.p, id,
				 l->job_msg, sizeof(l->job_msg));
	free(schema.p);
	return r;
}

/* The ids of the file's registered schemas (Avro or JSON Schema), before
 * anything is produced: an incompatible schema fails the file here.
 * @locality worker */
static int kf__register(kf_loader_t *l, kf_recfile_opts_t *ro)
{
	int r = 0;

	ro->wire = l->o->value_format;
	ro->key_wire = l->o->key_format;
	if (ro->wire != KF_WIRE_CONNECT_JSON)
		r = kf__register_one(l, ro->wire, 0, &ro->value_id);
	if (!r && l->schema->nkey && ro->key_wire != KF_WIRE_CONNECT_JSON)
		r = kf__register_one(l, ro->key_wire, 1, &ro->key_id);
	return r;
}

/* @locality worker */
static int kf__open_reader(kf_loader_t *l)
{
	kf_recfile_opts_t ro = {0};
	const char *base = strrchr(l->path, '/');

	if (!l->schema) {
		int r = kf__sniff(l);

		if (r)
			return r;
	}
	ro.schema = l->schema;
	ro.decimal_numeric = l->o->decimal_numeric;
	if (l->o->registry) {
		int r = kf__register(l, &ro);

		if (r)
			return r;
	}
	ro.ctx.file_name = base ? base + 1 : l->path;
	ro.ctx.file_path = l->path;
	ro.ctx.hash_hex = l->res.hash;
	ro.ctx.load_id = l->res.load_id;
	ro.ctx.salt = l->o->mask_salt;
	ro.ctx.salt_len = l->o->mask_salt_len;
	ro.ctx.mask_text = l->o->mask_text;
	ro.out = &l->cur_buf;
	ro.skip_below = l->ck.next_record;
	l->rf = l->o->reader->open(&ro, kf__on_row, kf__on_reject, l,
				   l->job_msg, sizeof(l->job_msg));
	if (!l->rf)
		return KF_EINVAL;
	if (lseek(l->fd, 0, SEEK_SET) < 0)
		return kf_seterr(l->job_msg, sizeof(l->job_msg), KF_EIO,
				 "rewinding: %s", strerror(errno));
	return 0;
}

/* @locality worker */
static void kf__open_job(kf_loader_t *l)
{
	struct stat st;
	int r;

	/* O_NONBLOCK: a FIFO swapped in must not hang the worker */
	l->fd = kf_path_open_below(l->open_path, l->root_len,
				   O_RDONLY | O_CLOEXEC | O_NOCTTY |
					   O_NONBLOCK);
	if (l->fd < 0 || fstat(l->fd, &st)) {
		l->job_err = kf_seterr(
			l->job_msg, sizeof(l->job_msg), KF_EIO,
			"cannot open: %s%s", strerror(errno),
			errno == ELOOP || errno == ENOTDIR
				? " (a link took the place of the file or of a "
				  "directory above it; links are not followed)"
				: "");
		return;
	}
	if (l->want_ino && ((uint64_t)st.st_dev != l->want_dev ||
			    (uint64_t)st.st_ino != l->want_ino)) {
		l->job_err =
			kf_seterr(l->job_msg, sizeof(l->job_msg), KF_ECHANGED,
				  "another file took its place since it "
				  "was listed; not loaded");
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		l->job_err =
			kf_seterr(l->job_msg, sizeof(l->job_msg), KF_EINVAL,
				  "not a regular file (a directory "
				  "is loaded by kferry watch)");
		return;
	}
	l->res.size = (uint64_t)st.st_size;
	l->mtime_ns =
		(int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if (gethostname(l->host, sizeof(l->host) - 1))
		snprintf(l->host, sizeof(l->host), "unknown");
	r = kf__open_hash(l);
	if (!r)
		r = kf__open_txn(l);
	if (!r && l->ledger.state == KF_LOAD_DONE && !l->o->force) {
		l->skipped = 1;
		return;
	}
	if (!r)
		r = kf__open_reader(l);
	if (!r)
		r = kf_producer_txn_begin(l->p, l->job_msg, sizeof(l->job_msg));
	l->txn_open = !r;
	l->job_err = r;
}

/* @locality worker: one block through the record path */
static void kf__read_job(kf_loader_t *l)
{
	ssize_t n;
	int r;

	l->job_bytes = 0;
	if (!l->cur) { /* kf__pump had no memory for it */
		l->job_err = kf_seterr(l->job_msg, sizeof(l->job_msg),
				       KF_ENOMEM, "out of memory");
		return;
	}
	l->cur->l = l;
	l->cur_buf = &l->cur->buf;
	do
		n = read(l->fd, l->block, l->block_size);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		l->job_err = kf_seterr(l->job_msg, sizeof(l->job_msg), KF_EIO,
				       "reading: %s", strerror(errno));
		return;
	}
	l->job_bytes = (uint64_t)n;
	l->eof = n == 0;
	r = n ? l->o->reader->feed(l->rf, l->block, (size_t)n)
	      : l->o->reader->finish(l->rf);
	l->o->reader->counts(l->rf, &l->job_counts);
	if (r == KF_ENOMEM && !l->o->reader->error(l->rf))
		l->job_err = kf_seterr(l->job_msg, sizeof(l->job_msg),
				       KF_ENOMEM, "out of memory");
	else if (r)
		l->job_err =
			kf_seterr(l->job_msg, sizeof(l->job_msg), KF_EINVAL,
				  "%s", l->o->reader->error(l->rf));
}

/* @locality worker */
static void kf__txn_job(kf_loader_t *l)
{
	int ms = l->o->transaction_timeout_s * 1000;

	switch (l->phase) {
	case KF__PART:
	case KF__END:
	case KF__FAILREC:
		l->job_err = kf_producer_txn_commit(l->p, ms, l->job_msg,
						    sizeof(l->job_msg));
		break;
	case KF__FAIL:
		l->job_err = kf_producer_txn_abort(l->p, ms, l->job_msg,
						   sizeof(l->job_msg));
		break;
	default: /* KF__PARTBEGIN, KF__FAILBEGIN */
		l->job_err = kf_producer_txn_begin(l->p, l->job_msg,
						   sizeof(l->job_msg));
		break;
	}
}

/* @locality worker: frees what the jobs used, the producer last */
static void kf__free_job(kf_loader_t *l)
{
	if (l->rf)
		l->o->reader->destroy(l->rf);
	l->rf = NULL;
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	kf_producer_destroy(l->p);
	l->p = NULL;
}

/* @locality worker: nothing; its completion comes after the close
 * callbacks of the producer's handles have run */
static void kf__settle_job(kf_loader_t *l)
{
	(void)l;
}

/* ------------------------------------------------------- the machine */

static void kf__work(uv_work_t *w)
{
	kf_loader_t *l = w->data;

	l->job(l);
}

static void kf__finish(kf_loader_t *l)
{
	kf_recfile_counts_t *c = &l->counts;

	l->res.rows_read = c->read;
	l->res.rows_rejected = c->rejected;
	l->res.rows_filtered = c->filtered;
	if (l->failed) { /* what is left: the committed parts */
		l->res.state = "failed";
		l->res.error = l->error;
		l->res.parts = l->parts;
		l->res.rows_published = l->ck.rows_published;
	} else if (l->skipped) {
		l->res.state = "skipped";
		snprintf(l->res.load_id, sizeof(l->res.load_id), "%s",
			 l->ledger.load_id);
	} else {
		l->res.state = "done";
		l->res.parts = l->parts + 1;
	}
	l->done(l->opaque, l, &l->res);
}

/* A transaction call ended: where the file goes next. */
static void kf__txn_done(kf_loader_t *l, int err)
{
	if (err && l->phase != KF__END && l->phase != KF__PART)
		kf_err("load", "%s: %s", l->path, l->job_msg);
	switch (l->phase) {
	case KF__PART: /* a part's commit */
		if (err) {
			kf__fail(l, err, 0, "%s", l->job_msg);
			return;
		}
		kf__part_committed(l);
		l->phase = KF__PARTBEGIN;
		return;
	case KF__PARTBEGIN: /* the next part's begin */
		l->txn_open = !err;
		if (err) {
			kf__fail(l, err, 0, "%s", l->job_msg);
			return;
		}
		l->part_started_ms = kf__now_ms();
		l->phase = KF__LOAD;
		return;
	case KF__END: /* commit */
		if (!err) {
			l->phase = KF__CLOSE;
			return;
		}
		/* an abortable failure: abort, then the file failed */
		kf__fail(l, err, 0, "%s", l->job_msg);
		return;
	case KF__FAIL: /* abort */
		l->txn_open = 0;
		l->phase = l->fail_record && !err && l->failrec_tries < 2
				   ? KF__FAILBEGIN
				   : KF__CLOSE;
		if (l->phase == KF__FAILBEGIN)
			kf__queue(l, kf__txn_job);
		return;
	case KF__FAILBEGIN: /* begin of the failure transaction */
		l->txn_open = !err;
		if (err)
			l->phase = KF__CLOSE;
		else
			kf__failure_record(l);
		return;
	default: /* KF__FAILREC: its commit */
		if (err) {
			/* left open, the transaction would hold back what
			 * read_committed readers see of the ledger (a later
			 * load of the same content then goes unseen and is
			 * loaded again) until transaction_timeout_s: abort
			 * it, then try the record once more */
			l->phase = KF__FAIL;
			l->purged = 0;
			return;
		}
		l->txn_open = 0;
		l->phase = KF__CLOSE;
		return;
	}
}

/* Sizes the next read so that its records (serialized, they are larger
 * than the file's bytes: each carries its Connect schema) take at most an
 * eighth of the in-flight cap, which one batch would otherwise overrun. */
static void kf__block_size(kf_loader_t *l, uint64_t out, uint64_t in)
{
	uint64_t want;

	if (!in || !out)
		return;
	want = l->o->max_inflight_bytes / 8 * in / out;
	if (want > KF__BLOCK)
		want = KF__BLOCK;
	if (want < KF__BLOCK_MIN)
		want = KF__BLOCK_MIN;
	l->block_size = (size_t)want;
}

/* A read job ended: its batch goes out (or away), its counts in. The
 * next block is read and parsed on a worker while the loop produces this
 * one (the batch left the job's hands: l->cur is the next job's). */
static void kf__read_done(kf_loader_t *l, int err)
{
	struct kf__batch *b = l->cur;
	uint64_t bytes =
		l->job_bytes; /* the next job, queued below, resets it */

	l->cur = NULL;
	l->counts = l->job_counts;
	l->bytes_read += l->job_bytes;
	/* a structural failure or control totals: a failure record too */
	if (err)
		kf__fail(l, err, err == KF_EINVAL, "%s", l->job_msg);
	if (!b)
		return;
	kf__block_size(l, b->buf.len, l->job_bytes);
	b->refs = 1; /* ours, while producing */
	l->inflight_bytes += b->buf.len;
	/* the next block is read while this one is produced, unless the
	 * part ends with it (a pump then would not end the part before the
	 * batch is produced: it only reads when no part is due) */
	if (l->phase == KF__LOAD && !l->eof && !l->stopping && !kf__part_due(l))
		kf__pump(l);
	if (!l->failed)
		kf__produce_batch(l, b);
	/* the bytes of a resumed file's committed parts are not this part's */
	if (l->last_num >= l->ck.next_record)
		l->part_bytes += bytes;
	kf__batch_unref(b);
}

static void kf__job_done(uv_work_t *w, int status)
{
	kf_loader_t *l = w->data;
	void (*job)(kf_loader_t *) = l->job;
	int err = l->job_err;

	(void)status;
	l->busy = 0;
	l->job_err = 0;
	if (job == kf__settle_job) {
		kf__queue(l, kf__free_job);
		return;
	}
	if (job == kf__free_job) {
		kf__finish(l);
		return;
	}
	if (job == kf__txn_job)
		kf__txn_done(l, err);
	else if (job == kf__read_job)
		kf__read_done(l, err);
	else if (err) /* the open job */
		kf__fail(l, err, 0, "%s", l->job_msg);
	else {
		l->phase = l->skipped ? KF__CLOSE : KF__LOAD;
		l->part_started_ms = kf__now_ms();
	}
	/* a stop aborts what is not committed; a committed file is done */
	if (l->stopping && l->phase < KF__FAIL)
		kf__fail(l, KF_ESTOPPED, 0, "stopped");
	kf__pump(l);
}

static void kf__queue(kf_loader_t *l, void (*job)(kf_loader_t *))
{
	l->busy = 1;
	l->job = job;
	l->work.data = l;
	uv_queue_work(l->loop, &l->work, kf__work, kf__job_done);
}

/* Attaches the producer once the open job made it. */
static void kf__attach(kf_loader_t *l)
{
	char errstr[512];

	if (l->attached || !l->p)
		return;
	if (kf_producer_attach(l->p, l->loop, kf__served,
			       KF_PRODUCER_WATCH_CONNECT, errstr,
			       sizeof(errstr))) {
		kf__fail(l, KF_EKAFKA, 0, "%s", errstr);
		return;
	}
	l->attached = 1;
}

/* Moves the file on as far as it can go now. */
static void kf__pump(kf_loader_t *l)
{
	if (l->busy)
		return;
	if (l->phase == KF__LOAD)
		kf__attach(l);
	switch (l->phase) {
	case KF__OPEN:
		kf__queue(l, kf__open_job);
		return;
	case KF__LOAD:
		if (!l->eof && !kf__part_due(l)) {
			if (l->inflight_bytes < l->o->max_inflight_bytes) {
				l->cur = kf__batch_get(l);
				kf__queue(l, kf__read_job);
			}
			return;
		}
		if (!l->inflight_msgs)
			kf__end(l);
		if (l->phase == KF__FAIL)
			kf__pump(l);
		return;
	case KF__FAIL:
		if (!l->txn_open) {
			l->phase = KF__CLOSE;
			kf__pump(l);
			return;
		}
		if (!l->purged) {
			l->purged = 1;
			kf_producer_purge(l->p);
		}
		if (!l->inflight_msgs)
			kf__queue(l, kf__txn_job);
		return;
	case KF__PART:
	case KF__END:
	case KF__FAILREC:
		if (!l->inflight_msgs)
			kf__queue(l, kf__txn_job);
		return;
	case KF__PARTBEGIN:
		kf__queue(l, kf__txn_job);
		return;
	case KF__FAILBEGIN:
		return;
	case KF__CLOSE:
		kf_producer_close(l->p);
		kf__queue(l, kf__settle_job);
		return;
	}
}

/* ------------------------------------------------------------- the API */

int kf_loader_start_src(uv_loop_t *loop, const kf_load_opts_t *o,
			const kf_load_src_t *src, kf_loader_done_cb *done,
			void *opaque, kf_loader_t **out)
{
	kf_loader_t *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (!l)
		return KF_ENOMEM;
	l->path = strdup(src->name ? src->name : src->path);
	l->open_path = strdup(src->path);
	l->block = malloc(KF__BLOCK);
	l->block_size = KF__BLOCK;
	if (!l->path || !l->open_path || !l->block) {
		free(l->path);
		free(l->open_path);
		free(l->block);
		free(l);
		return KF_ENOMEM;
	}
	l->root_len = src->root_len;
	l->want_dev = src->dev;
	l->want_ino = src->ino;
	l->loop = loop;
	l->o = o;
	l->done = done;
	l->opaque = opaque;
	l->fd = -1;
	l->res.path = l->path;
	l->schema = o->schema;
	l->started_ms = kf__now_ms();
	l->phase = KF__OPEN;
	*out = l;
	kf__pump(l);
	return 0;
}

int kf_loader_start(uv_loop_t *loop, const kf_load_opts_t *o, const char *path,
		    kf_loader_done_cb *done, void *opaque, kf_loader_t **out)
{
	kf_load_src_t src = {.path = path, .root_len = strlen(path)};

	return kf_loader_start_src(loop, o, &src, done, opaque, out);
}

void kf_loader_stop(kf_loader_t *l)
{
	l->stopping = 1;
	if (l->busy || l->phase >= KF__FAIL)
		return; /* the job's end sees it */
	kf__fail(l, KF_ESTOPPED, 0, "stopped");
	kf__pump(l);
}

void kf_loader_progress(const kf_loader_t *l, uint64_t *bytes,
			kf_load_file_t *f)
{
	*bytes = l->bytes_read;
	*f = l->res;
	f->rows_read = l->counts.read;
	f->rows_rejected = l->counts.rejected;
	f->rows_filtered = l->counts.filtered;
}

void kf_loader_destroy(kf_loader_t *l)
{
	if (!l)
		return;
	kf__sample_clear(l);
	free(l->sample);
	while (l->spare) {
		struct kf__batch *b = l->spare;

		l->spare = b->next;
		kf__batch_free(b);
	}
	kf_schema_free(l->own_schema);
	kf_load_ckpt_clear(&l->ck);
	free(l->ranges);
	free(l->dead);
	free(l->block);
	free(l->path);
	free(l->open_path);
	free(l);
}
