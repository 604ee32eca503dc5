/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The consumer engine (recv/engine.h) with a fake sink against
 * librdkafka's mock cluster: the commit rule (a held offset is not
 * committed until released), a new group's start (looked up before the
 * assignment, where kafka.auto.offset.reset says), a rebalance in the
 * middle of a unit of work, start offsets owned by the sink, and the end
 * of a replay range.
 *
 * Then several topics with a sink that answers its assignment later
 * (kf_engine_assign_done) and finishes a revoke later
 * (kf_engine_revoke_done), as the database sink does (docs/sink.md 3.2,
 * 3.3).
 *
 * The fake sink opens one unit of work at a chosen offset of partition 0
 * (it holds the offset) and releases it at another, and asks the engine to
 * stop once it has seen the last message it waits for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* after the four above, which it needs */
#include <cmocka.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdlib.h>
#include <string.h>

#include "api/recvopts.h"
#include "common/stop.h"
#include "kf_test_mock.h"
#include "kferry/kferry.h"
#include "recv/engine.h"

#define NMSG 5 /* messages produced to partition 0: offsets 0 .. 4 */
#define MAXSEEN 64
#define HEARTBEAT_API 12 /* Kafka's ApiKey of Heartbeat */
/* A run that has not ended after this many ticks (500 ms) is stopped and
 * fails: what it waits for did not happen. */
#define GIVE_UP_TICKS 240

struct fake {
	kf_engine_t *e;
	rd_kafka_mock_cluster_t *mc;
	int64_t hold_at;      /* opens its unit here (-1: never) */
	int64_t release_at;   /* its outcome is durable here (-1: never) */
	int64_t stop_after;   /* asks to stop once this was seen (-1: never) */
	int64_t rebalance_at; /* forces a rebalance when first seen here */
	int64_t start_at;     /* its own start offset (assign hook) */
	int holding;
	int64_t seen[MAXSEEN];
	int nseen;
	int revokes, seen_at_revoke, range_ends, assigns;
	int rebalanced;
	int ticks, gave_up;
	int64_t stored; /* last position given to its own store, -1: none */
	/* the asynchronous answers: what waits for the next tick */
	rd_kafka_topic_partition_list_t *to_assign;
	int revoke_pending, assigns_done, revokes_done;
	int nother; /* messages seen from the topic "other" since a revoke */
};

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->hold_at = f->release_at = f->stop_after = -1;
	f->rebalance_at = f->start_at = f->stored = -1;
}

static void fake_message(void *sink, rd_kafka_message_t *m, int64_t reread)
{
	struct fake *f = sink;
	kf_offsets_t *o = kf_engine_offsets(f->e);

	(void)reread;
	assert_int_equal(m->partition, 0);
	assert_null(f->to_assign); /* nothing read before the starts */
	assert_int_equal(f->revoke_pending, 0);
	if (!strcmp(rd_kafka_topic_name(m->rkt), "other")) {
		f->nother++;
		assert_true(m->offset >= f->start_at);
		if (f->nother == NMSG - f->start_at && f->rebalanced &&
		    f->revokes)
			kf_stop_request();
		rd_kafka_message_destroy(m);
		return;
	}
	assert_true(f->nseen < MAXSEEN);
	f->seen[f->nseen++] = m->offset;
	if (m->offset == f->hold_at && !f->holding) {
		assert_int_equal(kf_offsets_hold(o, 0, m->offset), 0);
		f->holding = 1;
	}
	if (m->offset == f->release_at && f->holding) {
		kf_offsets_release(o, 0, f->hold_at);
		f->holding = 0;
	}
	if (m->offset == f->rebalance_at && !f->rebalanced) {
		/* the group coordinator answers the next heartbeat with
		 * "rebalance in progress": the member rejoins, its partitions
		 * revoked first */
		rd_kafka_mock_push_request_errors(
			f->mc, HEARTBEAT_API, 1,
			RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS);
		f->rebalanced = 1;
	}
	if (m->offset == f->stop_after && !f->rebalanced == !f->revokes)
		kf_stop_request();
	rd_kafka_message_destroy(m);
}

static int fake_revoke(void *sink, const rd_kafka_topic_partition_list_t *parts)
{
	struct fake *f = sink;

	assert_true(parts->cnt >= 1);
	f->revokes++;
	f->seen_at_revoke = f->nseen;
	f->holding = 0; /* dropped: its hold goes with the partition */
	return 0;
}

/* Answers on the next tick, as a database lookup would. */
static int fake_assign_later(void *sink, rd_kafka_topic_partition_list_t *parts)
{
	struct fake *f = sink;

	f->assigns++;
	assert_null(f->to_assign);
	f->to_assign = rd_kafka_topic_partition_list_copy(parts);
	return KF_ENGINE_PENDING;
}

/* Lets the batch that runs finish: done on the next tick. */
static int fake_revoke_later(void *sink,
			     const rd_kafka_topic_partition_list_t *parts)
{
	struct fake *f = sink;

	fake_revoke(sink, parts);
	f->nother = 0;	    /* read again from the start after the rebalance */
	if (f->to_assign) { /* revoked before the answer: it is stale */
		rd_kafka_topic_partition_list_destroy(f->to_assign);
		f->to_assign = NULL;
	}
	f->revoke_pending = 1;
	return KF_ENGINE_PENDING;
}

static int fake_assign(void *sink, rd_kafka_topic_partition_list_t *parts)
{
	struct fake *f = sink;
	int i;

	f->assigns++;
	for (i = 0; i < parts->cnt; i++)
		parts->elems[i].offset = f->start_at;
	return 0;
}

static int fake_store(void *sink, const rd_kafka_topic_partition_list_t *pos,
		      int sync)
{
	struct fake *f = sink;

	(void)sync;
	assert_int_equal(pos->cnt, 1);
	f->stored = pos->elems[0].offset;
	return 0;
}

static size_t fake_open(const void *sink)
{
	return ((const struct fake *)sink)->holding;
}

static int fake_full(const void *sink)
{
	(void)sink;
	return 0;
}

static int fake_busy(const void *sink)
{
	(void)sink;
	return 0;
}

static void fake_tick(void *sink, uint64_t now_ms)
{
	struct fake *f = sink;

	(void)now_ms;
	if (f->to_assign) {
		rd_kafka_topic_partition_list_t *l = f->to_assign;
		int i;

		f->to_assign = NULL;
		for (i = 0; i < l->cnt; i++)
			l->elems[i].offset = f->start_at;
		assert_int_equal(kf_engine_assign_done(f->e, l), 0);
		/* a second answer to the same assignment is stale */
		assert_int_equal(kf_engine_assign_done(f->e, l), KF_EINVAL);
		rd_kafka_topic_partition_list_destroy(l);
		f->assigns_done++;
	}
	if (f->revoke_pending) {
		f->revoke_pending = 0;
		assert_int_equal(kf_engine_revoke_done(f->e), 0);
		f->revokes_done++;
	}
	if (++f->ticks == GIVE_UP_TICKS) {
		f->gave_up = 1;
		kf_stop_request();
	}
}

static void fake_range_end(void *sink)
{
	struct fake *f = sink;

	f->range_ends++;
	if (f->holding) /* cannot finish: dropped */
		kf_offsets_release(kf_engine_offsets(f->e), 0, f->hold_at);
	f->holding = 0;
}

static const kf_sink_ops_t fake_ops = {
	.message = fake_message,
	.revoke = fake_revoke,
	.open = fake_open,
	.full = fake_full,
	.busy = fake_busy,
	.tick = fake_tick,
	.range_end = fake_range_end,
};

/* The same sink keeping its offsets itself. */
static const kf_sink_ops_t fake_own_ops = {
	.message = fake_message,
	.assign = fake_assign,
	.revoke = fake_revoke,
	.store = fake_store,
	.open = fake_open,
	.full = fake_full,
	.busy = fake_busy,
	.tick = fake_tick,
};

/* The same, answering its assignments and revokes later. */
static const kf_sink_ops_t fake_later_ops = {
	.message = fake_message,
	.assign = fake_assign_later,
	.revoke = fake_revoke_later,
	.open = fake_open,
	.full = fake_full,
	.busy = fake_busy,
	.tick = fake_tick,
};

struct env {
	struct kf_test_mock k;
};

static int setup(void **state)
{
	struct env *v = calloc(1, sizeof(*v));
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	static const char *const topic[] = {"files", "other"};
	rd_kafka_t *p;
	char err[256];
	int i;

	kf_test_mock_open(&v->k, 1);
	kf_test_set(v->k.conf, "receive.group", "engine-test");
	/* a member that left or rejoins is waited for this long, not 45 s */
	kf_test_set(v->k.conf, "kafka.session.timeout.ms", "6000");
	kf_test_set(v->k.conf, "kafka.heartbeat.interval.ms", "500");
	assert_int_equal(kf_log_init(v->k.conf, 0, err, sizeof(err)), 0);
	assert_int_equal(
		rd_kafka_conf_set(c, "bootstrap.servers",
				  rd_kafka_mock_cluster_bootstraps(v->k.mc),
				  err, sizeof(err)),
		RD_KAFKA_CONF_OK);
	p = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
	if (!p)
		fail_msg("rd_kafka_new: %s", err);
	for (i = 0; i < 2 * NMSG; i++)
		assert_int_equal(
			rd_kafka_producev(
				p, RD_KAFKA_V_TOPIC(topic[i >= NMSG]),
				RD_KAFKA_V_PARTITION(0),
				RD_KAFKA_V_VALUE("x", 1),
				RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				RD_KAFKA_V_END),
			0);
	assert_int_equal(rd_kafka_flush(p, 10000), 0);
	rd_kafka_destroy(p);
	*state = v;
	return 0;
}

static int teardown(void **state)
{
	struct env *v = *state;

	kf_test_mock_close(&v->k);
	free(v);
	kf__stop_flag = 0;
	return 0;
}

/* Runs an engine with sink f until it stops; fails the test on an
 * error. */
static void run_topics(struct env *v, struct fake *f, const kf_sink_ops_t *ops,
		       const kf_replay_opts_t *range, const char *topics)
{
	kf_recv_opts_t ro;
	kf_engine_opts_t o;
	uv_loop_t loop;
	char err[512];

	kf_api_recv_opts(v->k.conf, &ro);
	o = ro.engine;
	o.range = range;
	o.max_open = 8;
	if (topics) {
		o.topic = topics;
		o.many_topics = 1;
	}

	f->mc = v->k.mc;
	kf__stop_flag = 0;
	assert_int_equal(uv_loop_init(&loop), 0);
	if (kf_engine_new(&loop, &o, ops, f, &f->e, err, sizeof(err)))
		fail_msg("kf_engine_new: %s", err);
	if (kf_engine_run(f->e, err, sizeof(err)))
		fail_msg("kf_engine_run: %s", err);
	kf_engine_destroy(f->e);
	f->e = NULL;
	if (f->to_assign)
		rd_kafka_topic_partition_list_destroy(f->to_assign);
	f->to_assign = NULL;
	assert_int_equal(uv_loop_close(&loop), 0);
	kf__stop_flag = 0;
	if (f->gave_up)
		fail_msg("the engine did not end: %d messages seen, %d revokes",
			 f->nseen, f->revokes);
}

static void run(struct env *v, struct fake *f, const kf_sink_ops_t *ops,
		const kf_replay_opts_t *range)
{
	run_topics(v, f, ops, range, NULL);
}

/* The group's committed offset of partition 0 (RD_KAFKA_OFFSET_INVALID:
 * none). */
static int64_t committed(struct env *v)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_t *rk;
	char err[256];
	int64_t off;

	assert_int_equal(
		rd_kafka_conf_set(c, "bootstrap.servers",
				  rd_kafka_mock_cluster_bootstraps(v->k.mc),
				  err, sizeof(err)),
		RD_KAFKA_CONF_OK);
	assert_int_equal(rd_kafka_conf_set(c, "group.id", "engine-test", err,
					   sizeof(err)),
			 RD_KAFKA_CONF_OK);
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
	if (!rk)
		fail_msg("rd_kafka_new: %s", err);
	l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, "files", 0);
	assert_int_equal(rd_kafka_committed(rk, l, 10000), 0);
	off = l->elems[0].offset;
	rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return off;
}

/* A new group: reading starts where kafka.auto.offset.reset says, looked
 * up before the partition is assigned. "latest" reads none of the
 * messages already there and leaves on its idle exit (caught up at the
 * end); "earliest" (the default) reads them all from 0. */
static void test_new_group_start(void **state)
{
	struct env *v = *state;
	struct fake f;

	kf_test_set(v->k.conf, "receive.idle_exit", "1");
	kf_test_set(v->k.conf, "kafka.auto.offset.reset", "latest");
	fake_init(&f);
	run(v, &f, &fake_ops, NULL);
	assert_int_equal(f.nseen, 0);
	assert_int_equal(f.assigns, 0); /* no assign hook: the engine's own */

	kf_test_set(v->k.conf, "kafka.auto.offset.reset", "earliest");
	fake_init(&f);
	run(v, &f, &fake_ops, NULL);
	assert_int_equal(f.nseen, NMSG);
	assert_int_equal(f.seen[0], 0);
	assert_int_equal(committed(v), NMSG);
}

/* A unit open at offset 1 and never finished: the commit stops there,
 * however far the partition was read; once a later run finishes it, the
 * commit moves past everything read. */
static void test_commit_rule(void **state)
{
	struct env *v = *state;
	struct fake f;

	fake_init(&f);
	f.hold_at = 1;
	f.stop_after = NMSG - 1;
	run(v, &f, &fake_ops, NULL);
	assert_int_equal(f.nseen, NMSG);
	assert_int_equal(committed(v), 1);

	fake_init(&f);
	f.hold_at = 1;
	f.release_at = 3;
	f.stop_after = NMSG - 1;
	run(v, &f, &fake_ops, NULL);
	assert_true(f.nseen >= 1);
	assert_int_equal(f.seen[0], 1); /* read again from the hold */
	assert_int_equal(committed(v), NMSG);
}

/* The group takes the partition away while the unit opened at offset 1
 * is unfinished: the sink hears of it, nothing past the hold was
 * committed, and the partition is read again from the hold. */
static void test_rebalance_mid_unit(void **state)
{
	struct env *v = *state;
	struct fake f;
	int i, again = -1;

	fake_init(&f);
	f.hold_at = 1;
	f.rebalance_at = 2;
	f.stop_after = NMSG - 1; /* once read again after the revoke */
	run(v, &f, &fake_ops, NULL);
	assert_true(f.revokes >= 1);
	for (i = f.seen_at_revoke; i < f.nseen; i++)
		if (f.seen[i] == 1) {
			again = i;
			break;
		}
	assert_true(again >= 0); /* re-read from the held offset */
	assert_int_equal(f.seen[f.nseen - 1], NMSG - 1);
	assert_int_equal(committed(v), 1); /* still held: never passed */
}

/* A sink that keeps its offsets: reading starts where it says, its store
 * gets the positions, and the group's offsets are left alone. */
static void test_sink_owned_offsets(void **state)
{
	struct env *v = *state;
	struct fake f;

	fake_init(&f);
	f.start_at = 3;
	f.stop_after = NMSG - 1;
	run(v, &f, &fake_own_ops, NULL);
	assert_int_equal(f.assigns, 1);
	assert_int_equal(f.nseen, 2);
	assert_int_equal(f.seen[0], 3);
	assert_int_equal(f.stored, NMSG);
	assert_int_equal(committed(v), RD_KAFKA_OFFSET_INVALID);
}

/* Two topics, starts given later: nothing is read before the answer,
 * reading starts there on both topics; a rebalance revokes both, the
 * revoke is finished later, the new assignment answered again, and both
 * are read from the starts again. */
static void test_assign_later_topics(void **state)
{
	struct env *v = *state;
	struct fake f;

	fake_init(&f);
	f.start_at = 2;
	f.rebalance_at = 3;
	run_topics(v, &f, &fake_later_ops, NULL, "files,other");
	assert_true(f.assigns >= 2);
	assert_true(f.assigns_done >= 2);
	assert_true(f.revokes_done >= 1);
	assert_true(f.revokes_done == f.revokes);
	assert_true(f.nseen >= 1);
	assert_true(f.seen[0] >= 2);
	assert_true(f.nother >= NMSG - 2);
}

/* A range [1, 4): read to its end, what is open there is handed to the
 * sink's range_end, the engine stops by itself and commits nothing. */
static void test_replay_range_end(void **state)
{
	struct env *v = *state;
	kf_replay_opts_t range = {
		.from_kind = KF_REPLAY_FROM_OFFSET, .from = 1, .to_offset = 4};
	struct fake f;

	fake_init(&f);
	f.hold_at = 2;
	run(v, &f, &fake_ops, &range);
	assert_int_equal(f.nseen, 3);
	assert_int_equal(f.seen[0], 1);
	assert_int_equal(f.seen[2], 3);
	assert_int_equal(f.range_ends, 1);
	assert_int_equal(f.holding, 0);
	assert_int_equal(committed(v), RD_KAFKA_OFFSET_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_group_start, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_commit_rule, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rebalance_mid_unit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sink_owned_offsets, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_replay_range_end, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_assign_later_topics, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
