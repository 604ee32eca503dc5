/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The consumer engine: a libuv loop reads the topic through its feed (a
 * consumer group, or a fixed range for a replay) and hands each message
 * to the sink; the engine alone decides when to read, what to commit,
 * when to rewind and when to stop.
 *
 * All state below is owned by the loop thread.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/stop.h"
#include "common/util.h"
#include "kafka/client.h"
#include "kafka/security.h"
#include "obs/probe.h"
#include "recv/engine.h"
#include "recv/replay.h"

#define KF__POLL_BUDGET 512
#define KF__TICK_MS 500
/* kf__look_up_starts: long enough for a busy coordinator, short enough
 * not to hold a shutdown (the loop waits for its worker) */
#define KF__STARTS_TIMEOUT_MS 5000
/* kf__nudge: at most this often; its worker waits for the answers at
 * most this long (the wake-up is the request, not the answer: a fetcher
 * asleep has no fetch before it on the connection, so it is answered at
 * once) */
#define KF__NUDGE_EVERY_MS 10
#define KF__NUDGE_TIMEOUT_MS 50
/* kf_engine_resolve_starts: past it, librdkafka looks the starts up */
#define KF__RESOLVE_TIMEOUT_MS 5000

/* One topic read and its commit rule's tracker. */
struct kf__topic {
	char *name;
	kf_offsets_t *offs;
};

struct kf_engine_s {
	/* librdkafka's opaque: kf__rebalance gets it */
	kf_kafka_guard_t guard;
	kf_engine_opts_t o; /* a copy: its range is planned in range */
	const kf_sink_ops_t *ops;
	void *sink;
	size_t max_open;
	uv_loop_t *loop;
	uv_timer_t tick, again;
	rd_kafka_t *rk;
	rd_kafka_queue_t *cq;
	kf_kafka_waker_t waker;
	/* the topics of opts.topic, in its order; offs is the first one's
	 * tracker (deferral, dead letters and replays read one topic) */
	struct kf__topic *topics;
	size_t ntopics;
	kf_offsets_t *offs;
	kf_deadletter_t *dlq;	 /* NULL: dead letters off (and in replays) */
	kf_replay_plan_t *range; /* the range feed; NULL: the group feed */
	uint64_t last_activity_ms;
	int stopping, closed;
	/* the group's current assignment; NULL before the first one and
	 * during a rebalance */
	rd_kafka_topic_partition_list_t *assignment;
	uint64_t assign_gen; /* counts rebalances: a stale lookup is dropped */
	int starts_wanted, starts_running; /* kf__look_up_starts */
	/* an assignment whose starts the sink looks up (kf_engine_assign_done)
	 * and a revoke it finishes (kf_engine_revoke_done); NULL: none */
	rd_kafka_topic_partition_list_t *assigning, *revoking;
	/* time spent not reading because of our own caps (kf__consume) */
	uint64_t blocked_since, blocked_total;
	/* kf__nudge: our caps held reading back (or a backlog was read)
	 * since the queue was last found empty; a nudge running; when the
	 * last one began */
	int held, nudging;
	uint64_t nudged_ms;
	/* bytes read since the last nudge; half librdkafka's queue: at that
	 * many a nudge goes out while we drain it (kf__consume) */
	uint64_t read_bytes, nudge_bytes;
};

uint64_t kf_engine_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Time the receiver spent not reading because of its own caps
 * (receive.max_inflight_bytes, the dead-letter backlog): it does not count
 * against any sender's abandon_timeout. */
uint64_t kf_engine_blocked_ms(const kf_engine_t *e, uint64_t now)
{
	return e->blocked_total +
	       (e->blocked_since ? now - e->blocked_since : 0);
}

static void kf__set_blocked(kf_engine_t *e, int blocked)
{
	uint64_t now;

	if (!blocked == !e->blocked_since)
		return;
	now = kf_engine_now_ms();
	if (blocked) {
		e->blocked_since = now ? now : 1;
	} else {
		e->blocked_total += now - e->blocked_since;
		e->blocked_since = 0;
	}
}

kf_offsets_t *kf_engine_offsets(kf_engine_t *e)
{
	return e->offs;
}

static kf_offsets_t *kf__offs(const kf_engine_t *e, const char *topic)
{
	size_t i;

	for (i = 0; i < e->ntopics; i++)
		if (!strcmp(e->topics[i].name, topic))
			return e->topics[i].offs;
	return NULL;
}

kf_offsets_t *kf_engine_topic_offsets(kf_engine_t *e, const char *topic)
{
	return kf__offs(e, topic);
}

kf_deadletter_t *kf_engine_dead_letters(kf_engine_t *e)
{
	return e->dlq;
}

int kf_engine_ranged(const kf_engine_t *e)
{
	return e->range != NULL;
}

int kf_engine_stopping(const kf_engine_t *e)
{
	return e->stopping;
}

/* No room for one more transfer (receive.max_open_transfers), or frames
 * of m's partition are deferred already: m, which would open one, is left
 * for a later pass over the partition (kf_offsets_defer), so that
 * transfers still open in offset order. The partition is read on: the
 * frames the open transfers wait for lie behind m. */
int kf_engine_defer(kf_engine_t *e, rd_kafka_message_t *m)
{
	size_t nopen = e->ops->open(e->sink);

	if (nopen < e->max_open && !kf_offsets_deferring(e->offs, m->partition))
		return 0;
	if (!kf_offsets_deferring(e->offs, m->partition))
		kf_info("recv",
			"%zu transfers open (receive.max_open_transfers): "
			"partition %d is read on for their data and "
			"re-read from offset %lld when there is room",
			nopen, (int)m->partition, (long long)m->offset);
	if (kf_offsets_defer(e->offs, m->partition, m->offset)) {
		kf_err("recv", "out of memory");
		kf_stop_request();
	}
	rd_kafka_message_destroy(m);
	return 1;
}

/* ---------------------------------------------------------- messages */

static void kf__on_message(kf_engine_t *e, rd_kafka_message_t *m)
{
	kf_offsets_t *offs;
	int64_t reread_from;

	if (m->err) {
		/* An authorization refusal trips the guard instead: the next
		 * tick stops the receiver with it. */
		if (kf_kafka_guard_message(&e->guard, m))
			kf_dbg(KF_DBG_KAFKA, "recv", "consumer: %s",
			       rd_kafka_message_errstr(m));
		else if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
			kf_err("recv", "consumer: %s",
			       rd_kafka_message_errstr(m));
		else
			kf_warn("recv", "consumer: %s",
				rd_kafka_message_errstr(m));
		rd_kafka_message_destroy(m);
		return;
	}
	offs = kf__offs(e, rd_kafka_topic_name(m->rkt));
	if (!offs ||
	    kf_offsets_read(offs, m->partition, m->offset, &reread_from) ||
	    kf_replay_plan_beyond(e->range, e->rk, m)) {
		rd_kafka_message_destroy(m);
		return;
	}
	e->last_activity_ms = kf_engine_now_ms();
	e->ops->message(e->sink, m, reread_from);
}

/* --------------------------------------------------------- consumption */

static int kf__can_poll(const kf_engine_t *e)
{
	/* receive.max_open_transfers defers frames instead (kf_engine_defer):
	 * it must not stop the reading of the frames the open ones wait for */
	/* a revoke the sink finishes waits: the group waits for it too */
	return !e->stopping && !e->revoking && !e->ops->full(e->sink) &&
	       kf_deadletter_room(e->dlq);
}

static void kf__consume(kf_engine_t *e);

/* librdkafka 2.0.2 stops fetching while its queue holds
 * queued.max.messages.kbytes and looks at the queue again only when its
 * broker thread wakes for something else: up to a second after we
 * emptied it, the sink's writer idle meanwhile (bench/README.md, the
 * sink's fetch stall). A newly assigned partition can wait the same way
 * before its first fetch. A request to each partition's leader wakes that
 * thread as it is queued; one offsets-for-times query sends one to each
 * leader at once (a watermark query per partition queued each behind the
 * fetch the broker holds for fetch.wait.max.ms). It waits for the
 * answers, so it runs on a worker. */
struct kf__nudge {
	uv_work_t work;
	kf_engine_t *e;
	rd_kafka_topic_partition_list_t *parts;
};

static void kf__nudge_work(uv_work_t *w)
{
	struct kf__nudge *n = w->data;
	int i;

	for (i = 0; i < n->parts->cnt; i++)
		n->parts->elems[i].offset = RD_KAFKA_OFFSET_END; /* latest */
	rd_kafka_offsets_for_times(n->e->rk, n->parts, KF__NUDGE_TIMEOUT_MS);
}

static void kf__nudge_done(uv_work_t *w, int status)
{
	struct kf__nudge *n = w->data;
	kf_engine_t *e = n->e;

	(void)status;
	e->nudging = 0;
	rd_kafka_topic_partition_list_destroy(n->parts);
	free(n);
	/* the caps may have held reading back again while it ran, or the
	 * queue been read from (and maybe emptied) */
	if ((e->held || e->read_bytes) && !e->closed)
		kf__consume(e);
}

static void kf__again_cb(uv_timer_t *t)
{
	kf__consume(t->data);
}

/* Wakes the fetcher: a round trip to each assigned partition's leader. */
static void kf__nudge_start(kf_engine_t *e, uint64_t now)
{
	struct kf__nudge *n;

	e->held = 0;
	e->read_bytes = 0;
	n = calloc(1, sizeof(*n));
	if (!n)
		return; /* only the fetch's wait is lost */
	n->e = e;
	n->parts = rd_kafka_topic_partition_list_copy(e->assignment);
	if (!n->parts) {
		free(n);
		return;
	}
	n->work.data = n;
	e->nudging = 1;
	e->nudged_ms = now;
	uv_queue_work(e->loop, &n->work, kf__nudge_work, kf__nudge_done);
}

/* The queue was found empty after our caps held reading back, or after
 * we read from it: it may have filled meanwhile (to librdkafka's cap), and
 * librdkafka's fetcher be asleep. A nudge
 * that must wait (one running, or the last one too recent) stays owed:
 * dropping it left the fetcher asleep up to a second whenever the caps
 * held reading back twice within KF__NUDGE_EVERY_MS (bench/README.md). */
static void kf__nudge(kf_engine_t *e)
{
	uint64_t now = kf_engine_now_ms();

	if (e->closed || !e->assignment || !e->assignment->cnt) {
		e->held = 0;
		return;
	}
	if (e->nudging)
		return; /* kf__nudge_done looks again */
	if (now - e->nudged_ms < KF__NUDGE_EVERY_MS) {
		uv_timer_start(&e->again, kf__again_cb,
			       e->nudged_ms + KF__NUDGE_EVERY_MS - now, 0);
		return;
	}
	kf__nudge_start(e, now);
}

static void kf__consume(kf_engine_t *e)
{
	int budget = KF__POLL_BUDGET;
	rd_kafka_message_t *m;

	for (;;) {
		if (!kf__can_poll(e)) {
			kf__set_blocked(e, !e->stopping);
			e->held |= !e->stopping;
			return;
		}
		kf__set_blocked(e, 0);
		if (!budget--) {
			/* a backlog: librdkafka's queue may be at its cap, its
			 * fetcher asleep once we have emptied it */
			e->held = 1;
			/* yield to the loop, come back right after */
			uv_timer_start(&e->again, kf__again_cb, 0, 0);
			return;
		}
		m = rd_kafka_consumer_poll(e->rk, 0);
		if (!m) {
			if (e->held || e->read_bytes)
				kf__nudge(e);
			return;
		}
		e->read_bytes += m->len;
		/* librdkafka's queue was at its cap, likely, and its fetcher
		 * asleep: woken now, it fetches while we drain the rest */
		if (e->read_bytes >= e->nudge_bytes && !e->nudging &&
		    e->assignment && e->assignment->cnt && !e->closed)
			kf__nudge_start(e, kf_engine_now_ms());
		kf__on_message(e, m);
	}
}

void kf_engine_kick(kf_engine_t *e)
{
	kf__consume(e);
}

static void kf__woken(kf_kafka_waker_t *w)
{
	kf__consume(w->opaque);
}

/* Dead letters were acknowledged: there may be room to consume again. */
static void kf__dlq_acked(void *opaque)
{
	kf__consume(opaque);
}

/* ------------------------------------------------------------- commits */

/* Hands the positions to their store: the group, or the sink's own. */
static int kf__store(kf_engine_t *e, rd_kafka_topic_partition_list_t *l,
		     int sync)
{
	rd_kafka_resp_err_t err;

	if (e->ops->store)
		return e->ops->store(e->sink, l, sync);
	err = rd_kafka_commit(e->rk, l, !sync);
	if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
		kf_warn("recv", "committing offsets: %s",
			rd_kafka_err2str(err));
		return -1;
	}
	return 0;
}

static void kf__commit(kf_engine_t *e, int sync)
{
	rd_kafka_topic_partition_list_t *l;
	int32_t iter, p;
	int64_t pos;
	size_t t;
	int i;

	if (e->range)
		return; /* a replay never touches the group's offsets */
	l = rd_kafka_topic_partition_list_new(8);
	for (t = 0; t < e->ntopics; t++)
		for (iter = 0; (p = kf_offsets_next_dirty(e->topics[t].offs,
							  &iter, &pos)) >= 0;)
			rd_kafka_topic_partition_list_add(l, e->topics[t].name,
							  p)
				->offset = pos;
	if (l->cnt && !kf__store(e, l, sync))
		for (i = 0; i < l->cnt; i++)
			kf_offsets_mark_committed(
				kf__offs(e, l->elems[i].topic),
				l->elems[i].partition, l->elems[i].offset);
	rd_kafka_topic_partition_list_destroy(l);
}

/* ---------------------------------------------------------- rebalances */

/* The revoke is over: the partitions' positions are stored a last time
 * and forgotten, and the group may hand them on. */
static void kf__revoked(kf_engine_t *e,
			const rd_kafka_topic_partition_list_t *parts)
{
	kf_offsets_t *offs;
	int i;

	kf__commit(e, 1);
	for (i = 0; i < parts->cnt; i++) {
		offs = kf__offs(e, parts->elems[i].topic);
		if (offs)
			kf_offsets_forget(offs, parts->elems[i].partition);
		kf_deadletter_forget(e->dlq, parts->elems[i].partition);
	}
	rd_kafka_assign(e->rk, NULL);
}

/* Partitions taken away: what is unfinished there will be re-read by
 * their new owner from the committed position, so the sink drops it. A
 * sink may first let the work already running there finish (docs/sink.md
 * 3.3): the group hears of the revoke once it says so. */
static void kf__revoke(kf_engine_t *e,
		       const rd_kafka_topic_partition_list_t *parts)
{
	kf__commit(e, 1);
	if (e->assigning) { /* its starts are not wanted any more */
		rd_kafka_topic_partition_list_destroy(e->assigning);
		e->assigning = NULL;
	}
	if (!e->closed && e->ops->revoke &&
	    e->ops->revoke(e->sink, parts) == KF_ENGINE_PENDING) {
		e->revoking = rd_kafka_topic_partition_list_copy(parts);
		kf_info("recv", "revoke: waiting for the work running on the "
				"revoked partitions");
		return;
	}
	kf__revoked(e, parts);
}

int kf_engine_revoke_done(kf_engine_t *e)
{
	rd_kafka_topic_partition_list_t *parts = e->revoking;

	if (!parts)
		return KF_EINVAL;
	e->revoking = NULL;
	kf__revoked(e, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	kf__consume(e);
	return 0;
}

/* Where reading each assigned partition starts: the idle exit needs it
 * before anything is read there (kf__caught_up). rd_kafka_committed asks
 * the group coordinator and blocks, so it runs on a worker. */
struct kf__starts {
	uv_work_t work;
	kf_engine_t *e;
	rd_kafka_topic_partition_list_t *parts;
	uint64_t gen;
	rd_kafka_resp_err_t err;
};

static void kf__starts_work(uv_work_t *w)
{
	struct kf__starts *s = w->data;

	s->err = rd_kafka_committed(s->e->rk, s->parts, KF__STARTS_TIMEOUT_MS);
}

static void kf__starts_done(uv_work_t *w, int status)
{
	struct kf__starts *s = w->data;
	kf_engine_t *e = s->e;
	int i, missing = 0;

	e->starts_running = 0;
	if (status == 0 && !s->err && s->gen == e->assign_gen) {
		for (i = 0; i < s->parts->cnt; i++) {
			const rd_kafka_topic_partition_t *p =
				&s->parts->elems[i];

			if (p->err || kf_offsets_started(e->offs, p->partition,
							 p->offset))
				missing = 1;
		}
		e->starts_wanted = missing; /* asked again next tick */
	} else if (s->err) {
		kf_dbg(KF_DBG_KAFKA, "recv",
		       "committed positions not known yet: %s",
		       rd_kafka_err2str(s->err));
	}
	rd_kafka_topic_partition_list_destroy(s->parts);
	free(s);
}

static void kf__look_up_starts(kf_engine_t *e)
{
	struct kf__starts *s;

	if (!e->starts_wanted || e->starts_running || !e->assignment ||
	    !e->assignment->cnt || e->closed)
		return;
	s = calloc(1, sizeof(*s));
	if (!s)
		return; /* asked again next tick */
	s->e = e;
	s->gen = e->assign_gen;
	s->parts = rd_kafka_topic_partition_list_copy(e->assignment);
	s->work.data = s;
	e->starts_running = 1;
	uv_queue_work(e->loop, &s->work, kf__starts_work, kf__starts_done);
}

/* The sink said where each partition starts: those are the starts the
 * idle exit waits for (no lookup), and reading begins there. */
static int kf__assign(kf_engine_t *e, rd_kafka_topic_partition_list_t *parts)
{
	kf_offsets_t *offs;
	int i;

	for (i = 0; i < parts->cnt; i++) {
		offs = kf__offs(e, parts->elems[i].topic);
		if (!offs || kf_offsets_started(offs, parts->elems[i].partition,
						parts->elems[i].offset))
			return KF_ENOMEM;
	}
	e->assignment = rd_kafka_topic_partition_list_copy(parts);
	rd_kafka_assign(e->rk, parts);
	return 0;
}

/* librdkafka 2.0.2 looks a logical start up itself, but when the
 * partition's leader is not yet known to it (a consumer's first
 * assignment, often) it tries again only 500 ms later: every other sink
 * started half a second late (docs/sink.md 3.2). One query sends one
 * request to each leader, waiting for the metadata it needs. */
void kf_engine_resolve_starts(kf_engine_t *e,
			      rd_kafka_topic_partition_list_t *parts)
{
	rd_kafka_topic_partition_list_t *q;
	rd_kafka_topic_partition_t *r;
	int i;

	q = rd_kafka_topic_partition_list_new(parts->cnt);
	if (!q)
		return;
	/* a ListOffsets timestamp of -2 asks for the log start, -1 its end:
	 * the logical offsets' own values */
	for (i = 0; i < parts->cnt; i++)
		if (parts->elems[i].offset == RD_KAFKA_OFFSET_BEGINNING ||
		    parts->elems[i].offset == RD_KAFKA_OFFSET_END)
			rd_kafka_topic_partition_list_add(
				q, parts->elems[i].topic,
				parts->elems[i].partition)
				->offset = parts->elems[i].offset;
	if (q->cnt &&
	    !rd_kafka_offsets_for_times(e->rk, q, KF__RESOLVE_TIMEOUT_MS))
		for (i = 0; i < parts->cnt; i++) {
			r = rd_kafka_topic_partition_list_find(
				q, parts->elems[i].topic,
				parts->elems[i].partition);
			if (r && !r->err && r->offset >= 0)
				parts->elems[i].offset = r->offset;
		}
	rd_kafka_topic_partition_list_destroy(q);
}

/* Whether two lists name the same partitions in the same order. */
static int kf__same_parts(const rd_kafka_topic_partition_list_t *a,
			  const rd_kafka_topic_partition_list_t *b)
{
	int i;

	if (a->cnt != b->cnt)
		return 0;
	for (i = 0; i < a->cnt; i++)
		if (a->elems[i].partition != b->elems[i].partition ||
		    strcmp(a->elems[i].topic, b->elems[i].topic))
			return 0;
	return 1;
}

int kf_engine_assign_done(kf_engine_t *e,
			  const rd_kafka_topic_partition_list_t *parts)
{
	rd_kafka_topic_partition_list_t *l = e->assigning;
	int rc;

	if (!l || e->closed || (parts && !kf__same_parts(l, parts)))
		return KF_EINVAL; /* revoked meanwhile: the answer is stale */
	e->assigning = NULL;
	if (!parts) {
		kf_err("recv", "stopping: the sink cannot say where the "
			       "assigned partitions start");
		e->stopping = 1;
		rd_kafka_topic_partition_list_destroy(l);
		return 0;
	}
	rd_kafka_topic_partition_list_destroy(l);
	l = rd_kafka_topic_partition_list_copy(parts);
	rc = kf__assign(e, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (rc) {
		kf_err("recv", "stopping: out of memory");
		e->stopping = 1;
	}
	kf__consume(e);
	return 0;
}

/* Hands parts to the consumer at the group's positions, which librdkafka
 * looks up itself, and looks them up for the idle exit as well: what a
 * receiver did before kf__look_up_positions, and does when that fails. */
static void kf__assign_unresolved(kf_engine_t *e,
				  rd_kafka_topic_partition_list_t *parts)
{
	e->assignment = rd_kafka_topic_partition_list_copy(parts);
	rd_kafka_assign(e->rk, parts);
	e->starts_wanted = 1;
	kf__look_up_starts(e);
}

/* The logical start that auto.offset.reset names for a partition without
 * a committed position; INVALID ("error") leaves it to librdkafka. */
static int64_t kf__reset_offset(rd_kafka_t *rk)
{
	char v[32];
	size_t n = sizeof(v);

	if (rd_kafka_conf_get(rd_kafka_conf(rk), "auto.offset.reset", v, &n) !=
	    RD_KAFKA_CONF_OK)
		return RD_KAFKA_OFFSET_INVALID;
	if (!strcmp(v, "smallest") || !strcmp(v, "earliest") ||
	    !strcmp(v, "beginning"))
		return RD_KAFKA_OFFSET_BEGINNING;
	if (!strcmp(v, "largest") || !strcmp(v, "latest") || !strcmp(v, "end"))
		return RD_KAFKA_OFFSET_END;
	return RD_KAFKA_OFFSET_INVALID;
}

/* A receiver's partitions are handed to the consumer at offsets looked up
 * first: given a partition without a committed position, librdkafka
 * 2.0.2 asks for the log's start only after a fixed 100 ms (500 ms while
 * it does not know the leader yet), so every new group read its first
 * frame that much after the assignment. The group's positions
 * (rd_kafka_committed) and the log starts (kf_engine_resolve_starts)
 * block, so they are asked on a worker; the partitions are assigned on
 * the loop when the answer comes (kf_engine_assign_done, as a sink's
 * pending assign), and nothing is fetched from them meanwhile. */
struct kf__positions {
	uv_work_t work;
	kf_engine_t *e;
	rd_kafka_topic_partition_list_t *parts;
	int64_t reset; /* where a partition without a position starts */
	uint64_t gen;  /* e->assign_gen: a later rebalance drops the answer */
	rd_kafka_resp_err_t err;
};

static void kf__positions_work(uv_work_t *w)
{
	struct kf__positions *s = w->data;
	int i;

	s->err = rd_kafka_committed(s->e->rk, s->parts, KF__STARTS_TIMEOUT_MS);
	for (i = 0; !s->err && i < s->parts->cnt; i++) {
		rd_kafka_topic_partition_t *p = &s->parts->elems[i];

		if (p->err)
			s->err = p->err;
		else if (p->offset == RD_KAFKA_OFFSET_INVALID)
			p->offset = s->reset;
	}
	if (!s->err)
		kf_engine_resolve_starts(s->e, s->parts);
}

/* The worker's answer: the partitions assigned where it says, or, when
 * it could not tell, as before it; dropped after a later rebalance (the
 * positions may have moved since: the revoke commits). */
static void kf__positions_done(uv_work_t *w, int status)
{
	struct kf__positions *s = w->data;
	kf_engine_t *e = s->e;
	rd_kafka_topic_partition_list_t *l = e->assigning;
	int fresh = s->gen == e->assign_gen && l && !e->closed &&
		    kf__same_parts(l, s->parts);

	e->starts_running = 0;
	if (fresh && status == 0 && !s->err) {
		kf_engine_assign_done(e, s->parts);
	} else if (fresh) {
		kf_dbg(KF_DBG_KAFKA, "recv",
		       "committed positions not known yet (%s): the consumer "
		       "looks them up",
		       s->err ? rd_kafka_err2str(s->err) : "cancelled");
		e->assigning = NULL;
		kf__assign_unresolved(e, l);
		rd_kafka_topic_partition_list_destroy(l);
		kf__consume(e);
	}
	rd_kafka_topic_partition_list_destroy(s->parts);
	free(s);
}

static void kf__look_up_positions(kf_engine_t *e,
				  rd_kafka_topic_partition_list_t *parts)
{
	struct kf__positions *s = calloc(1, sizeof(*s));

	if (!s) { /* librdkafka looks them up */
		kf__assign_unresolved(e, parts);
		return;
	}
	s->e = e;
	s->parts = rd_kafka_topic_partition_list_copy(parts);
	s->reset = kf__reset_offset(e->rk);
	s->gen = e->assign_gen;
	s->work.data = s;
	if (e->assigning) /* a revoke dropped it already; never two */
		rd_kafka_topic_partition_list_destroy(e->assigning);
	e->assigning = rd_kafka_topic_partition_list_copy(parts);
	e->starts_running = 1;
	uv_queue_work(e->loop, &s->work, kf__positions_work,
		      kf__positions_done);
}

/* The group's assignment. Without an assign hook, reading starts at the
 * group's positions, looked up first (kf__look_up_positions); with one, where the
 * sink says, now or later (KF_ENGINE_PENDING: the partitions are handed
 * to the consumer once kf_engine_assign_done gives their starts, so
 * nothing is fetched from them meanwhile and the loop never waits). */
static void kf__on_assign(kf_engine_t *e,
			  rd_kafka_topic_partition_list_t *parts)
{
	int rc = 0;

	if (!e->ops->assign) {
		kf__look_up_positions(e, parts);
		return;
	}
	rc = e->ops->assign(e->sink, parts);
	if (rc == KF_ENGINE_PENDING) {
		e->assigning = rd_kafka_topic_partition_list_copy(parts);
		return;
	}
	if (!rc)
		rc = kf__assign(e, parts);
	if (rc) {
		kf_err("recv", "stopping: the sink cannot say where the "
			       "assigned partitions start");
		e->stopping = 1;
		e->assignment = rd_kafka_topic_partition_list_copy(parts);
		rd_kafka_assign(e->rk, parts);
	}
}

static void kf__rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			  rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	kf_engine_t *e = KF_CONTAINER_OF(opaque, kf_engine_t, guard);

	if (e->assignment)
		rd_kafka_topic_partition_list_destroy(e->assignment);
	e->assignment = NULL;
	e->last_activity_ms =
		kf_engine_now_ms(); /* the idle clock starts over */
	e->assign_gen++;
	(void)rk;
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		kf_info("recv", "assigned %d partition(s) of %s", parts->cnt,
			e->o.topic);
		kf__on_assign(e, parts);
	} else {
		kf_info("recv", "%d partition(s) revoked", parts->cnt);
		kf__revoke(e, parts);
	}
}

/* ---------------------------------------------------------------- timer */

/* Read to the end: the group gave us our partitions (maybe none; never
 * before the first assignment nor during a rebalance), no frame waits for
 * a re-read, and on each partition we have read up to the last offset
 * the brokers had at the consumer's latest fetch (its high watermark;
 * none known yet means its fetching has not started). Before anything is
 * read there, "up to" is where reading started: a fetch may have brought
 * the watermark and messages not handed to us yet. */
/* The consumer's position on t/p once nothing fetched waits to be handed
 * to us, else -1. A transaction's commit marker (topics written by kferry
 * load) takes an offset that is never handed over: the position moves
 * past it, the last offset read does not. */
static int64_t kf__position(const kf_engine_t *e, const char *t, int32_t p)
{
	rd_kafka_topic_partition_list_t *l;
	int64_t pos = -1;

	if (rd_kafka_queue_length(e->cq))
		return -1;
	l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, t, p);
	if (!rd_kafka_position(e->rk, l) && !l->elems[0].err)
		pos = l->elems[0].offset;
	rd_kafka_topic_partition_list_destroy(l);
	return pos;
}

int kf_engine_queued(const kf_engine_t *e)
{
	return e->cq && rd_kafka_queue_length(e->cq) > 0;
}

int kf_engine_partition_end(const kf_engine_t *e, const char *t, int32_t p,
			    int64_t *end, int64_t *read)
{
	int64_t lo;

	if (rd_kafka_get_watermark_offsets(e->rk, t, p, &lo, end) || *end < 0)
		return KF_EINVAL;
	*read = kf__position(e, t, p);
	return 0;
}

static int kf__caught_up(const kf_engine_t *e)
{
	int64_t lo, hi, end;
	int i;

	if (!e->assignment || kf_offsets_pending(e->offs))
		return 0;
	for (i = 0; i < e->assignment->cnt; i++) {
		int32_t p = e->assignment->elems[i].partition;
		const char *t = e->assignment->elems[i].topic;
		const kf_offsets_t *offs = kf__offs(e, t);

		if (!offs ||
		    rd_kafka_get_watermark_offsets(e->rk, t, p, &lo, &hi) ||
		    hi < 0)
			return 0;
		end = kf_offsets_read_end(offs, p);
		if (end == -1 || (end == KF_OFFSETS_EARLIEST && lo < 0))
			return 0; /* where reading starts is not known yet */
		if (end < lo)	  /* none committed, or below the log start */
			end = lo;
		if (end < hi && kf__position(e, t, p) < hi)
			return 0;
	}
	return 1;
}

/* Partitions deferred frames for want of room (kf_engine_defer): once
 * enough of it is back, each is read again from its first deferred frame.
 * force: whatever is open now (a replay at the end of its range). */
static void kf__rewind(kf_engine_t *e, int force)
{
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_error_t *err;
	int32_t iter = 0, p;
	int64_t off;

	if (!force && e->ops->open(e->sink) > e->max_open / 2)
		return;
	l = rd_kafka_topic_partition_list_new(4);
	while ((p = kf_offsets_next_rewind(e->offs, &iter, &off)) >= 0) {
		kf_info("recv",
			"partition %d: re-reading from offset %lld "
			"the transfers deferred for room",
			(int)p, (long long)off);
		rd_kafka_topic_partition_list_add(l, e->topics[0].name, p)
			->offset = off;
		kf_replay_plan_rewound(e->range, e->rk, e->topics[0].name, p,
				       off);
	}
	/* asynchronous: kf_offsets_read drops what was fetched before */
	err = l->cnt ? rd_kafka_seek_partitions(e->rk, l, 0) : NULL;
	if (err) {
		kf_err("recv",
		       "stopping: cannot re-read the deferred "
		       "transfers: %s (a restart reads them from the "
		       "committed position)",
		       rd_kafka_error_string(err));
		rd_kafka_error_destroy(err);
		e->stopping = 1;
	}
	rd_kafka_topic_partition_list_destroy(l);
}

static int kf__busy(const kf_engine_t *e)
{
	return kf_deadletter_pending(e->dlq) || e->ops->busy(e->sink);
}

static void kf__shutdown(kf_engine_t *e)
{
	if (e->closed)
		return;
	e->closed = 1;
	kf__commit(e, 1);
	uv_timer_stop(&e->tick);
	uv_close((uv_handle_t *)&e->tick, NULL);
	uv_close((uv_handle_t *)&e->again, NULL);
	kf_kafka_waker_close(&e->waker, e->cq);
	kf_deadletter_close(e->dlq);
}

/* The range feed: every partition was read to its end. What is still
 * open cannot get its remaining frames from this range. */
static void kf__range_end(kf_engine_t *e)
{
	if (e->ops->range_end)
		e->ops->range_end(e->sink);
	if (kf_offsets_pending(e->offs)) {
		kf__rewind(e, 1);
		return;
	}
	kf_info("recv", "replay: every partition read to its end");
	e->stopping = 1;
}

static void kf__on_tick(uv_timer_t *t);

/* --idle-exit: stopping once nothing happened for that long and every
 * partition is read to its end. The tick that reaches the deadline is
 * moved onto it: idle-exit N ends N s after the last activity, not up to
 * a tick later (a sink's time measured by its exit was off by up to
 * KF__TICK_MS). */
static void kf__idle_check(kf_engine_t *e, uint64_t now)
{
	uint64_t due;

	if (e->stopping || !e->o.idle_exit_s || e->ops->open(e->sink) ||
	    kf__busy(e))
		return;
	due = e->last_activity_ms + (uint64_t)e->o.idle_exit_s * 1000;
	if (now < due) {
		if (due - now < KF__TICK_MS)
			uv_timer_start(&e->tick, kf__on_tick, due - now,
				       KF__TICK_MS);
		return;
	}
	if (!kf__caught_up(e))
		return;
	kf_info("recv", "idle for %d s: exiting", e->o.idle_exit_s);
	e->stopping = 1;
}

static void kf__on_tick(uv_timer_t *t)
{
	kf_engine_t *e = t->data;
	uint64_t now = kf_engine_now_ms();

	if (kf_stop_requested() && !e->stopping) {
		kf_info("recv", "stopping: finishing the work in progress");
		e->stopping = 1;
	}
	if (e->guard.err && !e->stopping) {
		kf_err("recv", "stopping: %s", kf_strerror(e->guard.err));
		e->stopping = 1;
	}
	kf__idle_check(e, now);
	kf__look_up_starts(e);
	if (!e->stopping && kf_replay_plan_done(e->range))
		kf__range_end(e);
	if (e->ops->tick)
		e->ops->tick(e->sink, now);
	if (!e->stopping)
		kf__rewind(e, 0);
	kf__commit(e, 0);
	if (e->stopping && !kf__busy(e)) {
		kf__shutdown(e);
		return;
	}
	kf__consume(e);
}

/* ------------------------------------------------------------- public */

/* The group feed: subscribe, and dead letters for what cannot be
 * handled. */
static int kf__subscribe(kf_engine_t *e, char *errstr, size_t errstr_size)
{
	rd_kafka_topic_partition_list_t *topics;
	rd_kafka_resp_err_t err;
	size_t i;

	topics = rd_kafka_topic_partition_list_new((int)e->ntopics);
	for (i = 0; i < e->ntopics; i++)
		rd_kafka_topic_partition_list_add(topics, e->topics[i].name,
						  RD_KAFKA_PARTITION_UA);
	err = rd_kafka_subscribe(e->rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (err)
		return kf_seterr(errstr, errstr_size, KF_EKAFKA,
				 "subscribing to %s: %s", e->o.topic,
				 rd_kafka_err2str(err));
	return kf_deadletter_new(e->loop, &e->o.dead_letters, e->offs,
				 kf__dlq_acked, e, &e->dlq, errstr,
				 errstr_size);
}

/* opts.topic, "A,B,...": one tracker per topic. */
static int kf__topics(kf_engine_t *e, char *errstr, size_t errstr_size)
{
	const char *s = e->o.topic, *end;
	size_t n = 1, len;

	for (end = s; *end; end++)
		n += *end == ',';
	if (n > 1 && !e->o.many_topics)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "topic '%s': one topic only (no ',')",
				 e->o.topic);
	e->topics = calloc(n, sizeof(*e->topics));
	if (!e->topics)
		return KF_ENOMEM;
	for (; e->ntopics < n; s = end + 1) {
		end = strchr(s, ',');
		len = end ? (size_t)(end - s) : strlen(s);
		if (!len)
			return kf_seterr(errstr, errstr_size, KF_EINVAL,
					 "topics '%s': an empty name (give "
					 "TOPIC[,TOPIC...])",
					 e->o.topic);
		e->topics[e->ntopics].name = strndup(s, len);
		e->topics[e->ntopics].offs = kf_offsets_new();
		if (!e->topics[e->ntopics].name ||
		    !e->topics[e->ntopics].offs) {
			free(e->topics[e->ntopics].name);
			kf_offsets_destroy(e->topics[e->ntopics].offs);
			return KF_ENOMEM;
		}
		e->ntopics++;
		if (!end)
			break;
	}
	e->offs = e->topics[0].offs;
	if (n > 1 && (e->o.range ||
		      (e->o.dead_letters.topic && *e->o.dead_letters.topic)))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "topics '%s': a replay and the engine's "
				 "dead letters read one topic",
				 e->o.topic);
	return 0;
}

static int kf__setup(kf_engine_t *e, const kf_replay_opts_t *range,
		     char *errstr, size_t errstr_size)
{
	int rc;

	rc = kf__topics(e, errstr, errstr_size);
	if (rc)
		return rc;
	e->nudge_bytes = kf_kafka_prefetch_bytes(e->o.prefetch_bytes) / 2;
	e->rk = kf_kafka_consumer_new(e->o.kafka, e->o.prefetch_bytes,
				      e->o.fetch_bytes, kf__rebalance,
				      &e->guard, errstr, errstr_size);
	if (!e->rk)
		return KF_EKAFKA;
	rc = range ? kf_replay_plan_assign(e->rk, e->o.topic, e->o.bootstrap,
					   range, &e->range, errstr,
					   errstr_size)
		   : kf__subscribe(e, errstr, errstr_size);
	if (rc)
		return rc;
	e->cq = rd_kafka_queue_get_consumer(e->rk);
	rc = kf_probe_start(e->loop, e->o.kafka, "receive", errstr,
			    errstr_size);
	if (rc)
		return rc;
	rc = kf_kafka_waker_init(&e->waker, e->loop, e->cq, kf__woken, e,
				 errstr, errstr_size);
	if (rc)
		return rc;
	return kf_kafka_waker_watch_connect(&e->waker, e->rk, &e->guard, errstr,
					    errstr_size);
}

int kf_engine_new(uv_loop_t *loop, const kf_engine_opts_t *opts,
		  const kf_sink_ops_t *ops, void *sink, kf_engine_t **out,
		  char *errstr, size_t errstr_size)
{
	kf_engine_t *e;
	int rc;

	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return KF_ENOMEM;
	kf_kafka_guard_init(&e->guard, opts->kafka, 0, opts->topic);
	e->o = *opts;
	e->ops = ops;
	e->sink = sink;
	e->max_open = opts->max_open;
	e->loop = loop;
	uv_timer_init(loop, &e->tick);
	uv_timer_init(loop, &e->again);
	e->tick.data = e->again.data = e;
	e->last_activity_ms = kf_engine_now_ms();
	rc = kf__setup(e, opts->range, errstr, errstr_size);
	if (rc) {
		uv_close((uv_handle_t *)&e->tick, NULL);
		uv_close((uv_handle_t *)&e->again, NULL);
		kf_deadletter_close(e->dlq);
		uv_run(loop, UV_RUN_DEFAULT);
		kf_probe_detach(loop);
		kf_engine_destroy(e);
		return rc;
	}
	*out = e;
	return 0;
}

int kf_engine_run(kf_engine_t *e, char *errstr, size_t errstr_size)
{
	int rc;

	uv_timer_start(&e->tick, kf__on_tick, KF__TICK_MS, KF__TICK_MS);
	uv_run(e->loop, UV_RUN_DEFAULT);
	if (e->guard.err)
		rc = kf_seterr(errstr, errstr_size, e->guard.err, "%s",
			       e->guard.msg);
	else
		rc = kf_deadletter_error(e->dlq, errstr, errstr_size);
	kf_probe_detach(e->loop);
	return rc;
}

void kf_engine_destroy(kf_engine_t *e)
{
	size_t i;

	if (!e)
		return;
	e->closed = 1; /* a revoke while closing touches nothing more */
	if (e->cq)
		rd_kafka_queue_destroy(e->cq);
	if (e->rk) {
		rd_kafka_consumer_close(e->rk);
		rd_kafka_destroy(e->rk);
	}
	if (e->assignment)
		rd_kafka_topic_partition_list_destroy(e->assignment);
	if (e->assigning)
		rd_kafka_topic_partition_list_destroy(e->assigning);
	if (e->revoking)
		rd_kafka_topic_partition_list_destroy(e->revoking);
	kf_replay_plan_destroy(e->range);
	kf_deadletter_destroy(e->dlq); /* before offs: its reports use them */
	for (i = 0; i < e->ntopics; i++) {
		free(e->topics[i].name);
		kf_offsets_destroy(e->topics[i].offs);
	}
	free(e->topics);
	free(e);
}
