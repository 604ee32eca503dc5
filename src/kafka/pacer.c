/* SPDX-License-Identifier: Apache-2.0 */
#include "kafka/pacer.h"

#include <stdatomic.h>
#include <stdlib.h>

/* A partition. What was given to librdkafka is either in the batch it is
 * lingering over (the window: given within linger_ms of the window's
 * first, up to batch_bytes) or sent, awaiting its answer. Reports of a
 * partition come in order, the oldest (sent) first. */
struct kf__lane {
	kf_pacer_msg_t *head, **tail; /* waiting, oldest first */
	int sent;		      /* given, out of the window, unreported */
	int window;		      /* given into the window, unreported */
	uint64_t window_bytes;
	uint64_t open_until; /* the window's linger ends */
};

struct kf_pacer_s {
	_Atomic int32_t count; /* the topic's partitions; 0: unknown */
	struct kf__lane *lanes;
	int32_t nlanes;
	size_t waiting;
	int linger_ms;
	uint64_t batch_bytes;
};

kf_pacer_t *kf_pacer_new(int linger_ms, uint64_t batch_bytes)
{
	kf_pacer_t *pc = calloc(1, sizeof(*pc));

	if (!pc)
		return NULL;
	atomic_init(&pc->count, 0);
	pc->linger_ms = linger_ms;
	pc->batch_bytes = batch_bytes;
	return pc;
}

void kf_pacer_destroy(kf_pacer_t *pc)
{
	kf_pacer_msg_t *m, *next;

	if (!pc)
		return;
	for (m = kf_pacer_take_all(pc); m; m = next) {
		next = m->next;
		free(m);
	}
	free(pc->lanes);
	free(pc);
}

int32_t kf_pacer_partition(const rd_kafka_topic_t *rkt, const void *key,
			   size_t keylen, int32_t partition_cnt,
			   void *rkt_opaque, void *msg_opaque)
{
	kf_pacer_t *pc = rkt_opaque;

	atomic_store_explicit(&pc->count, partition_cnt, memory_order_relaxed);
	return rd_kafka_msg_partitioner_murmur2_random(
		rkt, key, keylen, partition_cnt, rkt_opaque, msg_opaque);
}

/* Lanes for n partitions (a topic only grows). */
static int kf__lanes(kf_pacer_t *pc, int32_t n)
{
	struct kf__lane *l;
	int32_t i;

	if (n <= pc->nlanes)
		return 0;
	l = realloc(pc->lanes, (size_t)n * sizeof(*l));
	if (!l)
		return -1;
	for (i = 0; i < pc->nlanes; i++) /* tails point into the old array */
		if (!l[i].head)
			l[i].tail = &l[i].head;
	for (i = pc->nlanes; i < n; i++) {
		l[i] = (struct kf__lane){0};
		l[i].tail = &l[i].head;
	}
	pc->lanes = l;
	pc->nlanes = n;
	return 0;
}

/* What a message takes of a batch: its key and value, and the record's
 * own fields (lengths, deltas, headers count: varints), at most this. */
#define KF__RECORD_OVERHEAD 32u

static uint64_t kf__cost(const kf_pacer_msg_t *m)
{
	return (uint64_t)m->len + m->keylen + KF__RECORD_OVERHEAD;
}

/* Closes the window: librdkafka sends its batch (linger over, or full). */
static void kf__close(struct kf__lane *l)
{
	l->sent += l->window;
	l->window = 0;
	l->window_bytes = 0;
}

/* May the lane take one more message of cost bytes now? Counts it if so:
 * into the open window, or into a new one if librdkafka could send that
 * (fewer than KF_PACER_INFLIGHT sent and unreported). */
static int kf__give(kf_pacer_t *pc, struct kf__lane *l, uint64_t cost,
		    uint64_t now)
{
	if (l->window &&
	    (now >= l->open_until || l->window_bytes + cost > pc->batch_bytes))
		kf__close(l);
	if (!l->window) {
		if (l->sent >= KF_PACER_INFLIGHT)
			return 0;
		l->open_until = now + (uint64_t)pc->linger_ms;
	}
	l->window++;
	l->window_bytes += cost;
	return 1;
}

int kf_pacer_admit(kf_pacer_t *pc, const rd_kafka_topic_t *rkt,
		   kf_pacer_msg_t *m, uint64_t now_ms)
{
	int32_t n = atomic_load_explicit(&pc->count, memory_order_relaxed);
	struct kf__lane *l;

	m->next = NULL;
	m->partition = -1;
	if (n <= 0)
		return 1;
	if (kf__lanes(pc, n))
		return -1;
	m->partition = rd_kafka_msg_partitioner_murmur2_random(
		rkt, m->key, m->keylen, n, pc, m->opaque);
	l = &pc->lanes[m->partition];
	if (!l->head && kf__give(pc, l, kf__cost(m), now_ms))
		return 1;
	*l->tail = m;
	l->tail = &m->next;
	pc->waiting++;
	return 0;
}

void kf_pacer_unsent(kf_pacer_t *pc, const kf_pacer_msg_t *m)
{
	struct kf__lane *l;

	if (m->partition < 0 || m->partition >= pc->nlanes)
		return;
	l = &pc->lanes[m->partition];
	if (l->window > 0) { /* the last one given */
		l->window--;
		l->window_bytes -= l->window_bytes < kf__cost(m)
					   ? l->window_bytes
					   : kf__cost(m);
	} else if (l->sent > 0) {
		l->sent--;
	}
}

void kf_pacer_done(kf_pacer_t *pc, const kf_pacer_msg_t *m)
{
	struct kf__lane *l;

	if (m->partition < 0 || m->partition >= pc->nlanes)
		return;
	l = &pc->lanes[m->partition];
	if (l->sent > 0)
		l->sent--;
	else if (l->window > 0) /* reported before its linger ended */
		l->window--;
}

static kf_pacer_msg_t *kf__pop(kf_pacer_t *pc, struct kf__lane *l)
{
	kf_pacer_msg_t *m = l->head;

	l->head = m->next;
	if (!l->head)
		l->tail = &l->head;
	m->next = NULL;
	pc->waiting--;
	return m;
}

kf_pacer_msg_t *kf_pacer_next(kf_pacer_t *pc, int32_t lane, uint64_t now_ms)
{
	struct kf__lane *l;

	if (lane < 0 || lane >= pc->nlanes)
		return NULL;
	l = &pc->lanes[lane];
	if (!l->head || !kf__give(pc, l, kf__cost(l->head), now_ms))
		return NULL;
	return kf__pop(pc, l);
}

kf_pacer_msg_t *kf_pacer_take_all(kf_pacer_t *pc)
{
	kf_pacer_msg_t *list = NULL, **tail = &list;
	int32_t i;

	for (i = 0; i < pc->nlanes; i++) {
		struct kf__lane *l = &pc->lanes[i];

		while (l->head) {
			*tail = kf__pop(pc, l);
			tail = &(*tail)->next;
		}
	}
	return list;
}

size_t kf_pacer_waiting(const kf_pacer_t *pc)
{
	return pc->waiting;
}
