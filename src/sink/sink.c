/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The database sink on the consumer engine: the loop batches messages and
 * keeps, per partition, where the next batch's offsets start. A closed
 * batch is decoded into its plan (sink/plan.h) on the loop's thread pool,
 * then one writer thread applies it (sink/writer.h): while the writer
 * applies a batch, the next one is decoded and a third one read, so the
 * database never waits for decoding. Batches keep their order through
 * the pipeline (one in each stage). The loop never waits for the
 * database: assignments and revokes are answered later
 * (kf_engine_assign_done, kf_engine_revoke_done) once the batches in
 * flight are through.
 *
 * The group's Kafka offsets are only for lag tools (docs/sink.md 3.1):
 * each batch holds its first offset per partition in the engine's commit
 * rule until its transaction committed.
 */
#include "sink/sink.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/stop.h"
#include "obs/probe.h"
#include "sink/reconcile.h"
#include "sink/writer.h"

/* sink.batch_eager: how often an idle sink looks whether a building batch
 * has all that was fetched */
#define KF__EAGER_MS 2

/* Where the next batch of a partition starts, as the loop knows it. */
struct kf__part {
	char *topic;
	int32_t partition;
	int64_t next; /* -1: its first batch here (no stored offset) */
	/* next_offset as committed in the database (-1: none yet), for
	 * kferry_sink_lag */
	int64_t applied;
	int fenced; /* another sink owns it: drop until reassigned */
};

struct kf__sink {
	const kf_sink_opts_t *o;
	uv_loop_t loop;
	kf_engine_t *eng;
	kf_sink_writer_t *w;
	/* the writer thread and its two job slots (under mu) */
	pthread_t thr;
	int thr_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uv_async_t done;
	int quit;
	kf_sink_batch_t *job, *job_done; /* the batch given, and finished */
	int job_rc;
	rd_kafka_topic_partition_list_t *assign, *assign_done;
	/* an assignment that came while the writer looked up a stale one */
	rd_kafka_topic_partition_list_t *assign_next;
	int async_init;
	int assign_rc;
	char werr[512]; /* the writer's last error */
	/* loop side */
	kf_sink_batch_t *building;
	/* fires batch_ms after the building batch's first message: a batch
	 * closes on its own clock, not on the engine's coarser tick */
	uv_timer_t due;
	int due_init;
	/* the planner: one batch decoded on the thread pool with dec, then
	 * waiting for the writer as planned */
	uv_work_t plan_req;
	kf_sink_decoder_t dec;
	kf_sink_batch_t *planning, *planned;
	int closing; /* kf_sink_run is ending: nothing more is handed on */
	int running; /* a batch is with the writer */
	uint64_t running_bytes;
	int assigning; /* an assign is with the writer */
	int revoke_pending;
	struct kf__part *parts;
	size_t nparts;
	/* the engine's topics: o->engine's and sink.ledger_topic */
	kf_engine_opts_t eo;
	char *topics;
	kf_sink_stats_t st;
	kf_sink_budget_t budget;
	int rc;
	char errstr[512];
};

/* ------------------------------------------------------------ writer */

static void *kf__writer_main(void *arg)
{
	struct kf__sink *s = arg;
	kf_sink_batch_t *b;
	rd_kafka_topic_partition_list_t *a;
	char err[512];
	int rc;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->quit && !s->job && !s->assign)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->quit)
			break;
		a = s->assign;
		b = a ? NULL : s->job;
		pthread_mutex_unlock(&s->mu);
		err[0] = '\0';
		rc = a ? kf_sink_writer_starts(s->w, a, err, sizeof(err))
		       : kf_sink_writer_apply(s->w, b, err, sizeof(err));
		if (a && !rc)
			kf_engine_resolve_starts(s->eng, a);
		pthread_mutex_lock(&s->mu);
		if (rc)
			memcpy(s->werr, err, sizeof(err));
		if (a) {
			s->assign = NULL;
			s->assign_done = a;
			s->assign_rc = rc;
		} else {
			s->job = NULL;
			s->job_done = b;
			s->job_rc = rc;
		}
		uv_async_send(&s->done);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static void kf__give(struct kf__sink *s, kf_sink_batch_t *b,
		     rd_kafka_topic_partition_list_t *a)
{
	pthread_mutex_lock(&s->mu);
	if (b)
		s->job = b;
	if (a)
		s->assign = a;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* ------------------------------------------------------------ batches */

static void kf__batch_free(kf_sink_batch_t *b)
{
	if (!b)
		return;
	kf_sink_stash_free(&b->msgs);
	free(b->ranges);
	free(b->tstats);
	kf_sink_plan_free(&b->plan);
	free(b);
}

/* A batch's share of the budget: its messages, and its plan once built. */
static uint64_t kf__held(const kf_sink_batch_t *b)
{
	return b ? b->msgs.bytes + b->plan.bytes : 0;
}

static struct kf__part *kf__part(struct kf__sink *s, const char *topic,
				 int32_t p)
{
	size_t i;

	for (i = 0; i < s->nparts; i++)
		if (s->parts[i].partition == p &&
		    !strcmp(s->parts[i].topic, topic))
			return &s->parts[i];
	return NULL;
}

static void kf__part_drop(struct kf__sink *s, const char *topic, int32_t p)
{
	struct kf__part *x = kf__part(s, topic, p);

	if (!x)
		return;
	free(x->topic);
	*x = s->parts[--s->nparts];
}

static void kf__fail(struct kf__sink *s, int rc, const char *msg)
{
	if (!s->rc) {
		s->rc = rc;
		snprintf(s->errstr, sizeof(s->errstr), "%s", msg);
		kf_err("sink", "stopping: %s", msg);
	}
	kf_stop_request();
}

/* The range of m's partition in b, added when new (holding its first
 * offset in the commit rule). NULL: out of memory. */
static kf_sink_range_t *kf__range(struct kf__sink *s, kf_sink_batch_t *b,
				  const rd_kafka_message_t *m)
{
	const char *t = rd_kafka_topic_name(m->rkt);
	kf_sink_range_t *r;
	size_t i;

	for (i = 0; i < b->nranges; i++)
		if (b->ranges[i].partition == m->partition &&
		    !strcmp(b->ranges[i].topic, t))
			return &b->ranges[i];
	if (b->nranges == b->rcap) {
		size_t cap = b->rcap ? 2 * b->rcap : 8;

		r = realloc(b->ranges, cap * sizeof(*r));
		if (!r)
			return NULL;
		b->ranges = r;
		b->rcap = cap;
	}
	if (kf_offsets_hold(kf_engine_topic_offsets(s->eng, t), m->partition,
			    m->offset))
		return NULL;
	r = &b->ranges[b->nranges++];
	memset(r, 0, sizeof(*r));
	r->topic = t; /* the topic handle lives as long as the consumer */
	r->partition = m->partition;
	r->first = m->offset;
	return r;
}

static void kf__plan_work(uv_work_t *req);
static void kf__plan_after(uv_work_t *req, int status);

/* Hands the planned batch to the writer when it is idle. */
static void kf__feed(struct kf__sink *s)
{
	kf_sink_batch_t *b = s->planned;

	if (s->running || !b || s->rc)
		return;
	s->planned = NULL;
	b->handed_ms = kf_engine_now_ms();
	s->running = 1;
	s->running_bytes = kf__held(b);
	kf__give(s, b, NULL);
}

/* Hands the building batch to the planner when it is free; its ranges
 * start where the partitions' previous batches ended. */
static void kf__dispatch(struct kf__sink *s)
{
	kf_sink_batch_t *b = s->building;
	struct kf__part *x;
	size_t i;

	if (s->planning || s->planned || !b || !b->msgs.n || s->rc ||
	    s->closing)
		return;
	for (i = 0; i < b->nranges; i++) {
		x = kf__part(s, b->ranges[i].topic, b->ranges[i].partition);
		b->ranges[i].expected = x ? x->next : -1;
		if (x)
			x->next = b->ranges[i].next;
	}
	s->building = NULL;
	s->planning = b;
	s->plan_req.data = s;
	if (uv_queue_work(&s->loop, &s->plan_req, kf__plan_work,
			  kf__plan_after)) {
		/* no thread pool: the writer plans it itself */
		s->planning = NULL;
		s->planned = b;
		kf__feed(s);
	}
}

void kf_sink_budget(const kf_sink_opts_t *o, kf_sink_budget_t *b)
{
	uint64_t m = o->max_inflight_bytes;

	b->batches = m / 2;
	b->batch = b->batches / 3;
	if (o->batch_bytes < b->batch)
		b->batch = o->batch_bytes;
	b->prefetch = m / 4;
	b->fetch = b->prefetch / 16;
}

static int kf__closed(const struct kf__sink *s)
{
	const kf_sink_batch_t *b = s->building;

	return b && (b->msgs.n >= s->o->batch_rows ||
		     b->msgs.bytes >= s->budget.batch);
}

/* Whether the building batch is as old as batch_ms at now (ms). */
static int kf__aged(const struct kf__sink *s, uint64_t now)
{
	const kf_sink_batch_t *b = s->building;

	return b && b->msgs.n && now - b->opened_ms >= s->o->batch_ms;
}

/* sink.batch_eager: the database side has nothing to do and nothing more
 * was fetched, so waiting would only add latency. Under load the writer
 * is busy and the batch grows until it is free. */
static int kf__idle(const struct kf__sink *s)
{
	return s->o->batch_eager && !s->running && !s->planning && !s->planned;
}

static int kf__drained(const struct kf__sink *s)
{
	return kf__idle(s) && s->building && s->building->msgs.n &&
	       !kf_engine_queued(s->eng);
}

/* Whether the building batch closes now. */
static int kf__due(const struct kf__sink *s, uint64_t now)
{
	return kf__aged(s, now) || kf__drained(s);
}

/* The due timer: a due batch goes to the planner when it is free (else
 * kf__advance hands it on once the planner is). While the database side
 * is idle it looks again every KF__EAGER_MS for the end of what was
 * fetched (the engine hands a fetch over in one poll); while it works,
 * kf__advance looks when a batch is through. */
static void kf__on_due(uv_timer_t *t)
{
	struct kf__sink *s = t->data;
	uint64_t now = kf_engine_now_ms(), left;
	const kf_sink_batch_t *b = s->building;

	if (kf__due(s, now)) {
		kf__dispatch(s);
		return;
	}
	if (!b || !b->msgs.n)
		return;
	left = b->opened_ms + s->o->batch_ms - now;
	if (kf__idle(s) && left > KF__EAGER_MS) /* else kf__advance looks */
		left = KF__EAGER_MS;
	uv_timer_start(&s->due, kf__on_due, left, 0);
}

/* m as the batch keeps it (its load id only when loads are reconciled:
 * the one header read). */
static void kf__msg(const struct kf__sink *s, const rd_kafka_message_t *m,
		    kf_sink_msg_t *out)
{
	rd_kafka_timestamp_type_t tt;

	*out = (kf_sink_msg_t){
		.topic = rd_kafka_topic_name(m->rkt),
		.partition = m->partition,
		.offset = m->offset,
		.timestamp = rd_kafka_message_timestamp(m, &tt),
		.key = m->key,
		.key_len = m->key_len,
		.value = m->payload,
		.len = m->len,
	};
	if (s->o->rules.ledger_topic)
		kf_sink_reconcile_load_id(m, &out->load_id, &out->load_id_len);
}

/* m copied into the building batch and given back to librdkafka at once:
 * the fetched record batch it points into is freed when the last of its
 * messages is (docs/sink.md 4.1.1). */
static void kf__on_message(void *sink, rd_kafka_message_t *m, int64_t reread)
{
	struct kf__sink *s = sink;
	struct kf__part *x =
		kf__part(s, rd_kafka_topic_name(m->rkt), m->partition);
	kf_sink_batch_t *b;
	kf_sink_range_t *r;
	kf_sink_msg_t km;
	int rc;

	(void)reread;
	if (!x || x->fenced || s->rc) {
		rd_kafka_message_destroy(m);
		return;
	}
	s->st.messages++;
	if (!s->building) {
		s->building = calloc(1, sizeof(*s->building));
		if (!s->building)
			goto oom;
		s->building->opened_ms = kf_engine_now_ms();
		uv_timer_start(&s->due, kf__on_due,
			       s->o->batch_eager &&
					       s->o->batch_ms > KF__EAGER_MS
				       ? KF__EAGER_MS
				       : s->o->batch_ms,
			       0);
	}
	b = s->building;
	kf__msg(s, m, &km);
	rc = kf_sink_stash_add(&b->msgs, &km);
	if (rc == KF_EINVAL) {
		rd_kafka_message_destroy(m);
		kf__fail(s, rc, "a message of 4 GiB or more");
		return;
	}
	if (rc)
		goto oom;
	r = kf__range(s, b, m);
	if (!r)
		goto oom;
	r->next = m->offset + 1;
	rd_kafka_message_destroy(m);
	if (kf__closed(s))
		kf__dispatch(s);
	return;
oom:
	rd_kafka_message_destroy(m);
	kf__fail(s, KF_ENOMEM, "out of memory batching messages");
}

/* ------------------------------------------------------ the writer's answers */

/* Whether the building batch holds messages of x. */
static int kf__building(const struct kf__sink *s, const struct kf__part *x)
{
	const kf_sink_batch_t *b = s->building;
	size_t i;

	for (i = 0; b && i < b->nranges; i++)
		if (b->ranges[i].partition == x->partition &&
		    !strcmp(b->ranges[i].topic, x->topic))
			return 1;
	return 0;
}

/* kferry_sink_lag of each partition: its end minus its next_offset in
 * the database. Once everything read there is applied, the consumer's
 * position stands for next_offset: it is past the transaction markers
 * (topics written by kferry load), which are never applied. */
static void kf__lag(struct kf__sink *s)
{
	int64_t end, read, applied;
	size_t i;

	for (i = 0; i < s->nparts; i++) {
		const struct kf__part *x = &s->parts[i];

		if (x->fenced ||
		    kf_engine_partition_end(s->eng, x->topic, x->partition,
					    &end, &read))
			continue;
		applied = x->applied;
		if (x->next == x->applied && !kf__building(s, x) &&
		    read > applied)
			applied = read;
		if (applied >= 0)
			kf_probe_sink_lag(x->topic, x->partition,
					  end > applied ? end - applied : 0);
	}
}

static void kf__batch_done(struct kf__sink *s, kf_sink_batch_t *b, int rc)
{
	struct kf__part *x;
	size_t i;

	s->running = 0;
	s->running_bytes = 0;
	for (i = 0; i < b->nranges; i++) {
		kf_offsets_t *offs =
			kf_engine_topic_offsets(s->eng, b->ranges[i].topic);

		if (offs && !rc)
			kf_offsets_release(offs, b->ranges[i].partition,
					   b->ranges[i].first);
		x = kf__part(s, b->ranges[i].topic, b->ranges[i].partition);
		if (x && b->ranges[i].fenced)
			x->fenced = 1;
		else if (x && !rc)
			x->applied = b->ranges[i].next;
	}
	if (rc) {
		kf__fail(s, rc, s->werr);
	} else {
		kf__lag(s); /* at once: a commit is what moves it */
		s->st.batches++;
		s->st.rows_written += b->st.rows_written;
		s->st.rows_deleted += b->st.rows_deleted;
		s->st.rows_refused += b->st.rows_refused;
		s->st.skipped += b->st.skipped;
		s->st.collapsed += b->st.collapsed;
		s->st.dead_letters += b->st.dead_letters;
		for (i = 0; i < b->ntstats; i++) {
			const kf_sink_tstat_t *t = &b->tstats[i];

			kf_probe_sink_rows(t->table,
					   t->upsert ? "upsert" : "insert",
					   t->written);
			kf_probe_sink_rows(t->table, "delete", t->deleted);
			kf_probe_sink_rows(t->table, "refused", t->refused);
		}
		kf_probe_sink_batch(
			(double)(kf_engine_now_ms() - b->handed_ms) / 1000.0);
		if (b->load_mismatches)
			kf_probe_sink_load_mismatch(b->load_mismatches);
		kf_dbg(KF_DBG_KAFKA, "sink",
		       "batch of %zu messages committed: %llu rows written",
		       b->msgs.n, (unsigned long long)b->st.rows_written);
	}
	kf__batch_free(b);
}

static void kf__assign_done(struct kf__sink *s,
			    rd_kafka_topic_partition_list_t *a, int rc)
{
	struct kf__part *np;
	int i;

	s->assigning = 0;
	if (rc) {
		kf__fail(s, rc, s->werr);
		kf_engine_assign_done(s->eng, NULL);
		rd_kafka_topic_partition_list_destroy(a);
		return;
	}
	np = realloc(s->parts, (s->nparts + (size_t)a->cnt + 1) * sizeof(*np));
	if (!np) {
		kf__fail(s, KF_ENOMEM, "out of memory");
		kf_engine_assign_done(s->eng, NULL);
		rd_kafka_topic_partition_list_destroy(a);
		return;
	}
	s->parts = np;
	/* known before the engine reads on: it hands messages of these
	 * partitions over at once, and none may be dropped */
	for (i = 0; i < a->cnt; i++) {
		struct kf__part *x;

		kf__part_drop(s, a->elems[i].topic, a->elems[i].partition);
		x = &s->parts[s->nparts];
		x->topic = strdup(a->elems[i].topic);
		if (!x->topic) {
			kf__fail(s, KF_ENOMEM, "out of memory");
			break;
		}
		x->partition = a->elems[i].partition;
		x->next = a->elems[i].offset >= 0 ? a->elems[i].offset : -1;
		x->applied = x->next;
		x->fenced = 0;
		s->nparts++;
	}
	if (kf_engine_assign_done(s->eng, s->rc ? NULL : a))
		for (i = 0; i < a->cnt; i++) /* revoked meanwhile: stale */
			kf__part_drop(s, a->elems[i].topic,
				      a->elems[i].partition);
	rd_kafka_topic_partition_list_destroy(a);
	if (s->assign_next) {
		s->assigning = 1;
		kf__give(s, NULL, s->assign_next);
		s->assign_next = NULL;
	}
}

/* @locality a thread of the loop's pool: the batch is its alone. An
 * out-of-memory plan is left to the writer, which builds it again and
 * reports the failure. */
static void kf__plan_work(uv_work_t *req)
{
	struct kf__sink *s = req->data;
	kf_sink_batch_t *b = s->planning;

	b->planned = !kf_sink_plan_build(&b->plan, &s->o->rules, s->dec.env,
					 &b->msgs);
}

/* The batches in flight moved on: the planned one to the writer, the
 * next one to the planner, a revoke answered once none is left. */
static void kf__advance(struct kf__sink *s)
{
	if (s->closing) /* the engine is through: nothing moves on */
		return;
	kf__feed(s);
	if (s->rc && s->planned) { /* stopping on an error: never applied */
		kf__batch_free(s->planned);
		s->planned = NULL;
	}
	if (s->revoke_pending && !s->running && !s->planning && !s->planned) {
		s->revoke_pending = 0;
		kf_engine_revoke_done(s->eng);
	}
	if (kf__closed(s) || kf__due(s, kf_engine_now_ms()) ||
	    kf_engine_stopping(s->eng))
		kf__dispatch(s);
	kf_engine_kick(s->eng);
}

static void kf__plan_after(uv_work_t *req, int status)
{
	struct kf__sink *s = req->data;

	(void)status; /* never cancelled: kf_sink_run waits for it */
	s->planned = s->planning;
	s->planning = NULL;
	kf__advance(s);
}

static void kf__on_done(uv_async_t *h)
{
	struct kf__sink *s = h->data;
	rd_kafka_topic_partition_list_t *a;
	kf_sink_batch_t *b;
	int brc, arc;

	pthread_mutex_lock(&s->mu);
	a = s->assign_done;
	b = s->job_done;
	arc = s->assign_rc;
	brc = s->job_rc;
	s->assign_done = NULL;
	s->job_done = NULL;
	pthread_mutex_unlock(&s->mu);
	if (b)
		kf__batch_done(s, b, brc);
	if (a)
		kf__assign_done(s, a, arc);
	kf__advance(s);
}

/* -------------------------------------------------------------- hooks */

static int kf__assign(void *sink, rd_kafka_topic_partition_list_t *parts)
{
	struct kf__sink *s = sink;

	rd_kafka_topic_partition_list_t *l =
		rd_kafka_topic_partition_list_copy(parts);

	if (s->assigning) { /* the one looked up was revoked: after it */
		if (s->assign_next)
			rd_kafka_topic_partition_list_destroy(s->assign_next);
		s->assign_next = l;
		return KF_ENGINE_PENDING;
	}
	s->assigning = 1;
	kf__give(s, NULL, l);
	return KF_ENGINE_PENDING;
}

static int kf__revoked(const rd_kafka_topic_partition_list_t *parts,
		       const char *topic, int32_t partition)
{
	int j;

	for (j = 0; j < parts->cnt; j++)
		if (parts->elems[j].partition == partition &&
		    !strcmp(parts->elems[j].topic, topic))
			return 1;
	return 0;
}

static int kf__unrevoked(void *parts, const char *topic, int32_t partition,
			 int64_t offset)
{
	(void)offset;
	return !kf__revoked(parts, topic, partition);
}

static int kf__revoke(void *sink, const rd_kafka_topic_partition_list_t *parts)
{
	struct kf__sink *s = sink;
	kf_sink_batch_t *b = s->building;
	size_t i, k;
	int j;

	/* the unsent batch loses the revoked partitions' messages */
	if (b) {
		kf_sink_stash_keep(&b->msgs, kf__unrevoked, (void *)parts);
		for (i = k = 0; i < b->nranges; i++)
			if (!kf__revoked(parts, b->ranges[i].topic,
					 b->ranges[i].partition))
				b->ranges[k++] = b->ranges[i];
		b->nranges = k;
	}
	for (j = 0; j < parts->cnt; j++)
		kf__part_drop(s, parts->elems[j].topic,
			      parts->elems[j].partition);
	if (!s->running && !s->planning && !s->planned)
		return 0;
	s->revoke_pending = 1; /* the batches in flight finish first */
	return KF_ENGINE_PENDING;
}

static size_t kf__open(const void *sink)
{
	const struct kf__sink *s = sink;

	return (size_t)s->running + !!s->planning + !!s->planned +
	       (s->building && s->building->msgs.n);
}

static int kf__full(const void *sink)
{
	const struct kf__sink *s = sink;
	/* the planning batch's plan grows on a worker: not read here */
	uint64_t bytes = s->running_bytes +
			 (s->planning ? s->planning->msgs.bytes : 0) +
			 kf__held(s->planned) + kf__held(s->building);

	/* a closed batch waits for the planner: read no further */
	return bytes >= s->budget.batches ||
	       (kf__closed(s) && (s->planning || s->planned));
}

static int kf__busy(const void *sink)
{
	const struct kf__sink *s = sink;

	return s->running || s->assigning || s->planning || s->planned ||
	       (!s->rc && s->building && s->building->msgs.n);
}

static void kf__tick(void *sink, uint64_t now)
{
	struct kf__sink *s = sink;
	kf_sink_batch_t *b = s->building;

	if (b && b->msgs.n && (kf__aged(s, now) || kf_engine_stopping(s->eng)))
		kf__dispatch(s);
	if (s->rc && b) { /* stopping on an error: nothing more is sent */
		kf__batch_free(b);
		s->building = NULL;
	}
	kf__lag(s);
}

static const kf_sink_ops_t kf__db_sink = {
	.message = kf__on_message,
	.assign = kf__assign,
	.revoke = kf__revoke,
	.open = kf__open,
	.full = kf__full,
	.busy = kf__busy,
	.tick = kf__tick,
};

/* ------------------------------------------------------------- public */

static int kf__start(struct kf__sink *s, char *errstr, size_t errstr_size)
{
	int rc;

	if (kf_sink_decoder_init(&s->dec, s->o))
		return KF_ENOMEM;
	rc = kf_sink_writer_new(s->o, &s->w, errstr, errstr_size);
	if (rc == KF_EIO)
		return KF_ERESOURCE; /* unreachable: could not start */
	if (rc)
		return rc;
	if (uv_async_init(&s->loop, &s->done, kf__on_done))
		return kf_seterr(errstr, errstr_size, KF_ERESOURCE,
				 "creating the writer's wake-up");
	s->done.data = s;
	s->async_init = 1;
	uv_timer_init(&s->loop, &s->due);
	s->due.data = s;
	s->due_init = 1;
	/* the engine's handles decide when the loop ends */
	uv_unref((uv_handle_t *)&s->done);
	uv_unref((uv_handle_t *)&s->due);
	s->eo = s->o->engine;
	if (s->o->rules.ledger_topic) { /* read with the data (docs 5) */
		size_t n = strlen(s->eo.topic);

		s->topics = malloc(n + strlen(s->o->rules.ledger_topic) + 2);
		if (!s->topics)
			return KF_ENOMEM;
		sprintf(s->topics, "%s,%s", s->eo.topic,
			s->o->rules.ledger_topic);
		s->eo.topic = s->topics;
	}
	rc = kf_engine_new(&s->loop, &s->eo, &kf__db_sink, s, &s->eng, errstr,
			   errstr_size);
	if (rc)
		return rc;
	if (pthread_create(&s->thr, NULL, kf__writer_main, s))
		return kf_seterr(errstr, errstr_size, KF_ERESOURCE,
				 "starting the writer thread");
	s->thr_started = 1;
	return 0;
}

int kf_sink_run(const kf_sink_opts_t *o, kf_sink_stats_t *stats, char *errstr,
		size_t errstr_size)
{
	struct kf__sink *s = calloc(1, sizeof(*s));
	size_t i;
	int rc;

	if (!s)
		return KF_ENOMEM;
	s->o = o;
	kf_sink_budget(o, &s->budget);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (uv_loop_init(&s->loop)) {
		free(s);
		return KF_ERESOURCE;
	}
	rc = kf__start(s, errstr, errstr_size);
	if (!rc)
		rc = kf_engine_run(s->eng, errstr, errstr_size);
	if (s->thr_started) {
		pthread_mutex_lock(&s->mu);
		s->quit = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thr, NULL);
	}
	if (!rc && s->rc)
		rc = kf_seterr(errstr, errstr_size, s->rc, "%s", s->errstr);
	else if (!rc && kf_stop_requested())
		rc = kf_seterr(errstr, errstr_size, KF_ESTOPPED,
			       "interrupted (the batch running was finished "
			       "or rolled back first)");
	/* a plan on the thread pool ends before its messages are freed */
	s->closing = 1;
	while (s->planning)
		uv_run(&s->loop, UV_RUN_ONCE);
	/* messages go back to the consumer before it is destroyed */
	kf__batch_free(s->building);
	kf__batch_free(s->planned);
	kf__batch_free(s->job);
	kf__batch_free(s->job_done);
	kf_engine_destroy(s->eng);
	free(s->topics); /* the engine borrowed it */
	if (s->async_init)
		uv_close((uv_handle_t *)&s->done, NULL);
	if (s->due_init)
		uv_close((uv_handle_t *)&s->due, NULL);
	uv_run(&s->loop, UV_RUN_DEFAULT);
	uv_loop_close(&s->loop);
	if (s->assign)
		rd_kafka_topic_partition_list_destroy(s->assign);
	if (s->assign_done)
		rd_kafka_topic_partition_list_destroy(s->assign_done);
	if (s->assign_next)
		rd_kafka_topic_partition_list_destroy(s->assign_next);
	kf_sink_writer_free(s->w);
	kf_sink_decoder_free(&s->dec);
	for (i = 0; i < s->nparts; i++)
		free(s->parts[i].topic);
	free(s->parts);
	if (stats)
		*stats = s->st;
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
	return rc;
}
